/*
 * watch_study.c - one StableStudy change of Orthanc's feed: is it a chest
 * X-ray (a CR or DX series whose body part or description says chest),
 * whose patient is it (identity's GetPatient by the header's PatientID as
 * MRN, as the service), and then the analysis itself, which is
 * AnalyzeStudy called on this service's own port as the service: the same
 * checks, transaction, audit and finding as a clinician's request, with
 * the system actor in the event.  A refusal before AnalyzeStudy is
 * audited here (watch_refuse); AnalyzeStudy audits its own.
 */
#include <ctype.h>
#include <jansson.h>
#include <med/arena.h>
#include <med/log.h>
#include <med/util.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smartmed/identity/v1/identity.pb-c.h"
#include "watch.h"

#define GET_PATIENT   "/smartmed.identity.v1.Identity/GetPatient"
#define ANALYZE_STUDY "/smartmed.diagnosis.v1.Diagnosis/AnalyzeStudy"
/* What the analysis may take: the study's fetch, the guard, the model
 * and its occlusion map. */
#define ANALYZE_DEADLINE_MS  120000
#define IDENTITY_DEADLINE_MS 5000
#define ARENA_BYTES	     (8u << 20)

#define DEADLINE_EXCEEDED   4
#define NOT_FOUND	    5
#define RESOURCE_EXHAUSTED  8
#define FAILED_PRECONDITION 9
#define UNAVAILABLE	    14

/* study_facts - what Orthanc's REST API says of a study. */
typedef struct study_facts {
	char uid[65], patient_id[65], description[65];
	bool chest;
	char modalities[64]; /* "DX,CR" for the refusal's message */
} study_facts;

/* contains_word: s holds w, ignoring case. */
static bool
contains_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; s != NULL && *s != '\0'; s++)
		if (strncasecmp(s, w, n) == 0)
			return true;
	return false;
}

/* says_chest: a body part or description that names the chest. */
static bool
says_chest(const char *s)
{
	return contains_word(s, "CHEST") || contains_word(s, "THORAX") ||
	       contains_word(s, "LUNG") || contains_word(s, "CXR");
}

bool
watch_looks_chest(const char *modality, const char *body_part,
		  const char *series_description, const char *study_description)
{
	if (modality == NULL ||
	    (strcmp(modality, "CR") != 0 && strcmp(modality, "DX") != 0))
		return false;
	return says_chest(body_part) || says_chest(series_description) ||
	       says_chest(study_description);
}

/* orthanc_id_ok: Orthanc's ids are SHA-1 in hex groups joined by '-'. */
static bool
orthanc_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)id[i]) && id[i] != '-')
			return false;
	return true;
}

/* tag is a main DICOM tag of Orthanc's JSON, "" when absent. */
static const char *
tag(json_t *obj, const char *group, const char *name)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(obj, group), name));

	return s != NULL ? s : "";
}

/* rest_json GETs path from Orthanc's REST API as JSON; NULL and *status
 * (0: no connection) when it did not answer 200 with JSON. */
static json_t *
rest_json(diagnosis_watch *w, const char *path, long *status)
{
	char msg[256];
	diagnosis_reply r = {0};
	json_t *root = NULL;

	*status = 0;
	if (diagnosis_pacs_get(&w->rest, path, "application/json", &r, msg,
			       sizeof(msg)) != MED_OK)
		return NULL;
	*status = r.status;
	if (r.status == 200)
		root = json_loadb((const char *)r.data, r.len, 0, NULL);
	diagnosis_reply_fini(&r);
	return root;
}

/* add_series looks at one series of the study. */
static void
add_series(study_facts *f, json_t *series)
{
	const char *mod = tag(series, "MainDicomTags", "Modality");
	size_t n = strlen(f->modalities);

	if (mod[0] != '\0' && n + strlen(mod) + 2 < sizeof(f->modalities) &&
	    !contains_word(f->modalities, mod))
		snprintf(f->modalities + n, sizeof(f->modalities) - n, "%s%s",
			 n ? "," : "", mod);
	if (watch_looks_chest(mod,
			      tag(series, "MainDicomTags", "BodyPartExamined"),
			      tag(series, "MainDicomTags", "SeriesDescription"),
			      f->description))
		f->chest = true;
}

/* read_study fills f from /studies/<id> and /studies/<id>/series;
 * WATCH_RETRY when Orthanc did not answer, WATCH_REFUSED when the study
 * is gone. */
static watch_outcome
read_study(diagnosis_watch *w, const char *id, study_facts *f)
{
	char path[128];
	long status;
	json_t *st, *series, *s;
	size_t i;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "/studies/%s", id);
	if ((st = rest_json(w, path, &status)) == NULL)
		return status == 404 ? WATCH_REFUSED : WATCH_RETRY;
	med_strlcpy(f->uid, tag(st, "MainDicomTags", "StudyInstanceUID"),
		    sizeof(f->uid));
	med_strlcpy(f->description,
		    tag(st, "MainDicomTags", "StudyDescription"),
		    sizeof(f->description));
	med_strlcpy(f->patient_id, tag(st, "PatientMainDicomTags", "PatientID"),
		    sizeof(f->patient_id));
	json_decref(st);
	snprintf(path, sizeof(path), "/studies/%s/series", id);
	if ((series = rest_json(w, path, &status)) == NULL)
		return status == 404 ? WATCH_REFUSED : WATCH_RETRY;
	json_array_foreach(series, i, s)
	{
		add_series(f, s);
	}
	json_decref(series);
	return WATCH_ANALYSED;
}

/* passing: a failure that may be gone by the next poll. */
static bool
passing(int code)
{
	return code == UNAVAILABLE || code == DEADLINE_EXCEEDED ||
	       code == RESOURCE_EXHAUSTED;
}

/* find_patient asks identity for the patient whose MRN is the study's
 * PatientID, as the service. */
static watch_outcome
find_patient(diagnosis_watch *w, med_arena *a, const study_facts *f,
	     const char **patient_id)
{
	Smartmed__Identity__V1__GetPatientRequest in =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__INIT;
	med_call_opts o = {.deadline_ms = IDENTITY_DEADLINE_MS};
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};

	in.key_case = SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_MRN;
	in.mrn = (char *)f->patient_id;
	if (med_channel_unary(w->identity, GET_PATIENT, &in.base,
			      &smartmed__identity__v1__patient__descriptor, a,
			      &o, &out, &st) == MED_OK) {
		*patient_id =
			((Smartmed__Identity__V1__Patient *)out)->patient_id;
		return WATCH_ANALYSED;
	}
	if (passing(st.code)) {
		med_log_warn("pacs watch: identity: %s", st.message);
		return WATCH_RETRY;
	}
	/* The MRN stays out of the event: it is the header's, unmatched. */
	if (st.code == NOT_FOUND)
		watch_refuse(w, f->uid, NULL, st.code,
			     "the study's PatientID (0010,0020) is no "
			     "patient's MRN in identity");
	else
		watch_refuse(w, f->uid, NULL, st.code,
			     "identity refused the MRN lookup: %s", st.message);
	return WATCH_REFUSED;
}

/* analyze calls AnalyzeStudy on this service as the service; the request
 * id is the study's, so a repeat is answered without a second finding. */
static watch_outcome
analyze(diagnosis_watch *w, med_arena *a, const char *orthanc_id,
	const study_facts *f, const char *patient_id)
{
	Smartmed__Diagnosis__V1__AnalyzeStudyRequest in =
		SMARTMED__DIAGNOSIS__V1__ANALYZE_STUDY_REQUEST__INIT;
	char rid[80];
	med_call_opts o = {.deadline_ms = ANALYZE_DEADLINE_MS,
			   .request_id = rid};
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};

	snprintf(rid, sizeof(rid), "pacswatch-%s", orthanc_id);
	in.patient_id = (char *)patient_id;
	in.study_instance_uid = (char *)f->uid;
	if (med_channel_unary(w->self, ANALYZE_STUDY, &in.base,
			      &smartmed__diagnosis__v1__finding__descriptor, a,
			      &o, &out, &st) == MED_OK) {
		med_counter_add(w->analysed, 1);
		med_log_info("pacs watch: study %s analysed: finding %s",
			     f->uid, ((diagnosis_finding *)out)->finding_id);
		return WATCH_ANALYSED;
	}
	if (passing(st.code)) {
		med_log_warn("pacs watch: study %s: %s (next poll)", f->uid,
			     st.message);
		return WATCH_RETRY;
	}
	/* AnalyzeStudy audited its refusal (actor service:diagnosis). */
	med_counter_add(w->refused, 1);
	med_log_warn("pacs watch: study %s refused: %s", f->uid, st.message);
	return WATCH_REFUSED;
}

/* judge refuses what is not for the model; WATCH_ANALYSED: go on. */
static watch_outcome
judge(diagnosis_watch *w, const study_facts *f)
{
	if (!diagnosis_uid_is_valid(f->uid)) {
		watch_refuse(w, "", NULL, FAILED_PRECONDITION,
			     "the study's StudyInstanceUID is not a DICOM "
			     "UID");
		return WATCH_REFUSED;
	}
	if (!f->chest) {
		watch_refuse(w, f->uid, NULL, FAILED_PRECONDITION,
			     "not a chest X-ray (modalities %s; no CR or DX "
			     "series whose body part or description says "
			     "chest)",
			     f->modalities[0] ? f->modalities : "none");
		return WATCH_REFUSED;
	}
	if (f->patient_id[0] == '\0') {
		watch_refuse(w, f->uid, NULL, FAILED_PRECONDITION,
			     "the study has no PatientID (0010,0020)");
		return WATCH_REFUSED;
	}
	return WATCH_ANALYSED;
}

watch_outcome
watch_study(diagnosis_watch *w, const char *orthanc_id)
{
	med_arena *a;
	study_facts f;
	const char *patient_id = NULL;
	watch_outcome o;

	if (!orthanc_id_ok(orthanc_id))
		return WATCH_REFUSED;
	if ((o = read_study(w, orthanc_id, &f)) != WATCH_ANALYSED)
		return o;
	if ((o = judge(w, &f)) != WATCH_ANALYSED)
		return o;
	if ((a = med_arena_new(ARENA_BYTES)) == NULL)
		return WATCH_RETRY;
	o = find_patient(w, a, &f, &patient_id);
	if (o == WATCH_ANALYSED)
		o = analyze(w, a, orthanc_id, &f, patient_id);
	med_arena_free(a);
	return o;
}
