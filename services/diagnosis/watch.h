/*
 * watch.h - the PACS watcher's insides (MED_DIAGNOSIS_PACS_WATCH), shared
 * by watch.c (the thread, the metrics and the audit of refusals),
 * watch_request.c (the requested studies: RequestStudyAnalysis and the
 * table pacs_requests) and watch_study.c (what one request becomes: a
 * finding, a refusal, or another try next poll).
 */
#ifndef DIAGNOSIS_WATCH_H
#define DIAGNOSIS_WATCH_H

#include <med/metrics.h>
#include <pthread.h>

#include "diagnosis.h"

/* The watcher acts as the service itself: audited under this actor. */
#define WATCH_ACTOR  "service:diagnosis"
#define WATCH_ACTION "diagnosis/pacs-watch"
/* The most requests tried in one poll (MED_DIAGNOSIS_PACS_WATCH_BATCH). */
#define WATCH_MAX_BATCH 100
/* A request whose study is not in the PACS after this long is given up. */
#define WATCH_REQUEST_TTL_MS (14LL * 24 * 3600 * 1000)

/* watch_outcome - what became of one request this poll. */
typedef enum watch_outcome {
	WATCH_ANALYSED, /* a finding was made (or had been: a repeat) */
	WATCH_REFUSED,	/* not analysed, audited; the request is closed */
	WATCH_PENDING,	/* not in the PACS yet, or a passing failure */
} watch_outcome;

/* watch_request - one requested study (a row of pacs_requests). */
typedef struct watch_request {
	char study_uid[65], patient_id[65], accession[65];
	int64_t requested_ms;
} watch_request;

/* watch_pending - the oldest pending requests, at most the batch. */
typedef struct watch_pending {
	watch_request req[WATCH_MAX_BATCH];
	size_t n;
} watch_pending;

struct diagnosis_watch {
	med_db *db;
	struct med_audit *audit; /* NULL: no audit configured */
	diagnosis_pacs pacs;	 /* DICOMweb: is a requested study there */
	med_channel *self;	 /* AnalyzeStudy, as the service */
	int64_t every_ms;
	uint32_t batch;
	watch_pending pending;
	bool down; /* the last poll could not read the requests */
	med_counter *seen, *analysed, *refused, *poll_errors;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};
typedef struct diagnosis_watch diagnosis_watch;

/* watch_refuse audits and logs a request the watcher did not analyse
 * (outcome: the gRPC code that says why) and counts it. */
void watch_refuse(diagnosis_watch *w, const char *study_uid,
		  const char *patient_id, int outcome, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* watch_pending_load reads the oldest pending requests into out. */
med_err watch_pending_load(diagnosis_watch *w,
			   watch_pending *out) MED_MUST_CHECK;

/* watch_request_settle closes a pending request: state "analysed" (with
 * finding_id), "refused" or "expired", detail saying why. */
med_err watch_request_settle(diagnosis_watch *w, const watch_request *r,
			     const char *state, const char *finding_id,
			     const char *detail) MED_MUST_CHECK;

/*
 * watch_study tries one requested study: AnalyzeStudy as the service with
 * the request's patient, study and accession.  Not in the PACS yet (or
 * the PACS, identity or the database passing away): WATCH_PENDING, tried
 * again next poll until WATCH_REQUEST_TTL_MS; otherwise the request is
 * settled.
 */
watch_outcome watch_study(diagnosis_watch *w, const watch_request *r);

#endif
