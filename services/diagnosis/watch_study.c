/*
 * watch_study.c - one requested study: AnalyzeStudy called on this
 * service's own port as the service, with the patient, Study Instance UID
 * and accession of the request (watch_request.c).  AnalyzeStudy fetches
 * the study by its UID (DICOMweb metadata, no search), checks that its
 * PatientID is the requested patient's MRN and its accession the
 * order's, and makes the finding with its own transaction and audit.  A
 * study not in the PACS yet stays pending for the next poll; what
 * AnalyzeStudy refuses closes the request, audited by AnalyzeStudy and
 * here.
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/auth.h>
#include <med/log.h>
#include <med/util.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "watch.h"

#define ANALYZE_STUDY "/smartmed.diagnosis.v1.Diagnosis/AnalyzeStudy"
/* What the analysis may take: the study's fetch, the guard, the model
 * and its occlusion map. */
#define ANALYZE_DEADLINE_MS 120000
#define ARENA_BYTES	    (8u << 20)

/* watch_refuse is here, beside the request it closes, so that the poll
 * (watch.c) calls down into this file and nothing here calls back up. */
void
watch_refuse(diagnosis_watch *w, const char *study_uid, const char *patient_id,
	     int outcome, const char *fmt, ...)
{
	char msg[400], resource[96];
	va_list ap;
	const med_audit_detail d[] = {{"study_instance_uid", study_uid},
				      {"trigger", "pacs-watch"}};
	med_audit_event ev = {
		.action = WATCH_ACTION,
		.actor = WATCH_ACTOR,
		.actor_roles = MED_ROLE_SERVICE,
		.patient_id = patient_id,
		.resource = resource,
		.outcome = outcome,
		.detail = msg,
		.details = d,
		.n_details = 2,
	};

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(resource, sizeof(resource), "study/%s", study_uid);
	med_counter_add(w->refused, 1);
	med_log_warn("pacs watch: study %s not analysed: %s", study_uid, msg);
	if (w->audit != NULL && med_audit_emit(w->audit, &ev) != MED_OK)
		med_log_error("pacs watch: the audit spool refused an event");
}

/* waits: the study is not there yet, or a failure that may be gone by
 * the next poll. */
static bool
waits(int code)
{
	return code == MED_GRPC_NOT_FOUND || code == MED_GRPC_UNAVAILABLE ||
	       code == MED_GRPC_DEADLINE_EXCEEDED ||
	       code == MED_GRPC_RESOURCE_EXHAUSTED;
}

/* settle closes the request; a database that cannot take it leaves it
 * pending, and the repeat is answered by AnalyzeStudy's request log. */
static watch_outcome
settle(diagnosis_watch *w, const watch_request *r, watch_outcome o,
       const char *finding_id, const char *detail)
{
	const char *state = o == WATCH_ANALYSED ? "analysed" : "refused";

	if (watch_request_settle(w, r, state, finding_id, detail) != MED_OK) {
		med_log_error("pacs watch: cannot close the request of study "
			      "%s",
			      r->study_uid);
		return WATCH_PENDING;
	}
	return o;
}

/* expire gives up a request whose study has not come in time. */
static watch_outcome
expire(diagnosis_watch *w, const watch_request *r, const char *why)
{
	if (watch_request_settle(w, r, "expired", "", why) != MED_OK)
		return WATCH_PENDING;
	watch_refuse(w, r->study_uid, r->patient_id, MED_GRPC_NOT_FOUND,
		     "given up after %lld days: %s",
		     (long long)(WATCH_REQUEST_TTL_MS / 86400000), why);
	return WATCH_REFUSED;
}

/* analyze calls AnalyzeStudy as the service; the request id is the
 * study's, so a repeat is answered without a second finding. */
static watch_outcome
analyze(diagnosis_watch *w, med_arena *a, const watch_request *r)
{
	Smartmed__Diagnosis__V1__AnalyzeStudyRequest in =
		SMARTMED__DIAGNOSIS__V1__ANALYZE_STUDY_REQUEST__INIT;
	char rid[80];
	med_call_opts o = {.deadline_ms = ANALYZE_DEADLINE_MS,
			   .request_id = rid};
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};
	const char *fid;

	snprintf(rid, sizeof(rid), "pacsreq-%s", r->study_uid);
	in.patient_id = (char *)r->patient_id;
	in.study_instance_uid = (char *)r->study_uid;
	in.accession_number = (char *)r->accession;
	if (med_channel_unary(w->self, ANALYZE_STUDY, &in.base,
			      &smartmed__diagnosis__v1__finding__descriptor, a,
			      &o, &out, &st) == MED_OK) {
		fid = ((diagnosis_finding *)out)->finding_id;
		med_counter_add(w->analysed, 1);
		med_log_info("pacs watch: study %s analysed: finding %s",
			     r->study_uid, fid);
		return settle(w, r, WATCH_ANALYSED, fid, "");
	}
	if (waits(st.code)) {
		if (med_now_ms() - r->requested_ms > WATCH_REQUEST_TTL_MS)
			return expire(w, r, st.message);
		return WATCH_PENDING;
	}
	/* AnalyzeStudy audited its refusal (actor service:diagnosis). */
	med_counter_add(w->refused, 1);
	med_log_warn("pacs watch: study %s refused: %s", r->study_uid,
		     st.message);
	return settle(w, r, WATCH_REFUSED, "", st.message);
}

/* arrived asks the PACS for the study's metadata by its UID: only a
 * study that is there is handed to AnalyzeStudy, so a request waiting
 * for its study costs one GET a poll, not an audited call. */
static bool
arrived(diagnosis_watch *w, const watch_request *r)
{
	char path[128], msg[256];
	diagnosis_reply rep = {0};
	bool there;

	snprintf(path, sizeof(path), "/studies/%s/metadata", r->study_uid);
	there = diagnosis_pacs_get(&w->pacs, path, "application/dicom+json",
				   &rep, msg, sizeof(msg)) == MED_OK &&
		rep.status == 200 && rep.len > 0;
	diagnosis_reply_fini(&rep);
	return there;
}

watch_outcome
watch_study(diagnosis_watch *w, const watch_request *r)
{
	med_arena *a;
	watch_outcome o;

	if (!arrived(w, r)) {
		if (med_now_ms() - r->requested_ms > WATCH_REQUEST_TTL_MS)
			return expire(w, r, "the study is not in the PACS");
		return WATCH_PENDING;
	}
	if ((a = med_arena_new(ARENA_BYTES)) == NULL)
		return WATCH_PENDING;
	o = analyze(w, a, r);
	med_arena_free(a);
	return o;
}
