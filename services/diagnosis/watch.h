/*
 * watch.h - the PACS watcher's insides (MED_DIAGNOSIS_PACS_WATCH), shared
 * by watch.c (the thread, the change feed, the durable sequence number,
 * the metrics and the audit of refusals) and watch_study.c (what one
 * StableStudy change becomes: a chest X-ray analysed or a refusal).
 */
#ifndef DIAGNOSIS_WATCH_H
#define DIAGNOSIS_WATCH_H

#include <med/metrics.h>
#include <pthread.h>

#include "diagnosis.h"

/* The watcher acts as the service itself: audited under this actor. */
#define WATCH_ACTOR  "service:diagnosis"
#define WATCH_ACTION "diagnosis/pacs-watch"

/* watch_outcome - what became of one study of the feed. */
typedef enum watch_outcome {
	WATCH_ANALYSED, /* a finding was made (or had been: a repeat) */
	WATCH_REFUSED,	/* not taken, audited; the feed moves on */
	WATCH_RETRY,	/* a passing failure: the same change next poll */
} watch_outcome;

struct diagnosis_watch {
	med_db *db;
	struct med_audit *audit; /* NULL: no audit configured */
	diagnosis_pacs rest;	 /* Orthanc's REST root (/changes, /studies) */
	med_channel *identity;	 /* GetPatient by MRN, as the service */
	med_channel *self;	 /* AnalyzeStudy, as the service */
	int64_t every_ms;
	uint32_t batch;
	bool from_start; /* first start: the whole feed, not only new */
	/* The feed's place: the last change seq taken (durable). */
	bool have_seq;
	int64_t seq;
	/* A change that failed for a passing reason, and how often. */
	int64_t retry_seq;
	int retries;
	bool feed_down;
	med_counter *seen, *analysed, *refused, *poll_errors;
	med_gauge *seq_gauge;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};
typedef struct diagnosis_watch diagnosis_watch;

/* watch_refuse audits and logs a study the watcher did not analyse
 * (outcome: the gRPC code that says why) and counts it. */
void watch_refuse(diagnosis_watch *w, const char *study_uid,
		  const char *patient_id, int outcome, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * watch_study handles one StableStudy change: Orthanc's study
 * orthanc_id is read (its series' modality, body part and descriptions),
 * a chest X-ray's PatientID is looked up in identity as an MRN and the
 * study analysed by AnalyzeStudy as the service.
 */
watch_outcome watch_study(diagnosis_watch *w, const char *orthanc_id);

/* watch_looks_chest: a CR or DX series whose body part, or the series' or
 * study's description, says chest (CHEST, THORAX, LUNG, CXR, any case). */
bool watch_looks_chest(const char *modality, const char *body_part,
		       const char *series_description,
		       const char *study_description);

#endif
