/*
 * fhir.c - one ExportFhir page as a FHIR R4 Bundle (type "collection"):
 * the Patient (id only) and an Encounter per encounter, written with
 * libmed's FHIR writer.
 *
 * Users are no FHIR resources (identity holds no Practitioner), and wards
 * and beds are no Location resources: participants and locations are
 * display-only references, which R4 allows and which never dangle.
 */
#include <med/fhir.h>
#include <med/json.h>

#include <med/util.h>

#include <stdio.h>

#include "identity.h"

#define ACT_CODE_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define PARTICIPATION_SYSTEM                                                   \
	"http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
#define ENC_CLASS(x)                                                           \
	SMARTMED__IDENTITY__V1__ENCOUNTER_CLASS__ENCOUNTER_CLASS_##x
#define ENC_STATUS(x)                                                          \
	SMARTMED__IDENTITY__V1__ENCOUNTER_STATUS__ENCOUNTER_STATUS_##x
#define ROLE(x) SMARTMED__IDENTITY__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_##x

/* A ward and bed as one display ("ward 3 / bed 7"). */
#define LOCATION_DISPLAY_MAX 128

typedef struct encounter_page {
	const char *patient_id;
	identity_enc_history *const *h;
	size_t n;
} encounter_page;

/* status_code maps Encounter.status; NULL for a status never stored. */
static const char *
status_code(int status)
{
	switch (status) {
	case ENC_STATUS(PLANNED):
		return "planned";
	case ENC_STATUS(IN_PROGRESS):
		return "in-progress";
	case ENC_STATUS(FINISHED):
		return "finished";
	case ENC_STATUS(CANCELLED):
		return "cancelled";
	default:
		return NULL;
	}
}

/* class_coding gives the v3 ActCode of an encounter class, or NULL. */
static const med_fhir_code *
class_coding(int encounter_class)
{
	static const med_fhir_code imp = {ACT_CODE_SYSTEM, "IMP",
					  "inpatient encounter"};
	static const med_fhir_code amb = {ACT_CODE_SYSTEM, "AMB", "ambulatory"};
	static const med_fhir_code emer = {ACT_CODE_SYSTEM, "EMER",
					   "emergency"};

	switch (encounter_class) {
	case ENC_CLASS(INPATIENT):
		return &imp;
	case ENC_CLASS(AMBULATORY):
		return &amb;
	case ENC_CLASS(EMERGENCY):
		return &emer;
	default:
		return NULL;
	}
}

/* role_coding gives the v3 ParticipationType of a role: a nurse and any
 * other member are participants (PART) as that code system has no finer
 * code for them. */
static const med_fhir_code *
role_coding(int role)
{
	static const med_fhir_code atnd = {PARTICIPATION_SYSTEM, "ATND",
					   "attender"};
	static const med_fhir_code con = {PARTICIPATION_SYSTEM, "CON",
					  "consultant"};
	static const med_fhir_code part = {PARTICIPATION_SYSTEM, "PART",
					   "Participation"};

	switch (role) {
	case ROLE(ATTENDING):
		return &atnd;
	case ROLE(CONSULTANT):
		return &con;
	case ROLE(NURSE):
	case ROLE(OTHER):
		return &part;
	default:
		return NULL;
	}
}

static void
invalid(med_json *w)
{
	if (w->err == MED_OK)
		w->err = MED_ERR_INVALID;
}

/* period writes start and, once it has one, end. */
static void
period(med_json *w, int64_t start_ms, int64_t end_ms)
{
	med_json_begin(w, "period", '{');
	med_fhir_instant(w, "start", start_ms);
	if (end_ms != 0)
		med_fhir_instant(w, "end", end_ms);
	med_json_end(w, '}');
}

static void
participant(med_json *w, const identity_participant *p)
{
	const med_fhir_code *role = role_coding(p->role);

	if (role == NULL) {
		invalid(w);
		return;
	}
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "type", '[');
	med_fhir_concept(w, NULL, role, 1, NULL);
	med_json_end(w, ']');
	period(w, p->start_ms, p->end_ms);
	med_fhir_display_ref(w, "individual", p->user);
	med_json_end(w, '}');
}

static void
location(med_json *w, const identity_location *l)
{
	char display[LOCATION_DISPLAY_MAX];

	if (l->bed[0] != '\0')
		snprintf(display, sizeof(display), "%s / %s", l->ward, l->bed);
	else
		snprintf(display, sizeof(display), "%s", l->ward);
	med_json_begin(w, NULL, '{');
	med_fhir_display_ref(w, "location", display);
	med_json_str(w, "status", l->end_ms == 0 ? "active" : "completed");
	period(w, l->start_ms, l->end_ms);
	med_json_end(w, '}');
}

/* last_recorded_ms is when the encounter's latest version was recorded
 * (meta.lastUpdated). */
static int64_t
last_recorded_ms(const identity_enc_history *h)
{
	return h->n_versions > 0 ? h->versions[h->n_versions - 1]->recorded_ms
				 : h->encounter->start_ms;
}

static void
encounter_lists(med_json *w, const identity_enc_history *h)
{
	if (h->n_participants > 0) {
		med_json_begin(w, "participant", '[');
		for (size_t i = 0; i < h->n_participants; i++)
			participant(w, h->participants[i]);
		med_json_end(w, ']');
	}
	if (h->n_locations > 0) {
		med_json_begin(w, "location", '[');
		for (size_t i = 0; i < h->n_locations; i++)
			location(w, h->locations[i]);
		med_json_end(w, ']');
	}
}

static void
encounter(med_json *w, const char *patient_id, const identity_enc_history *h)
{
	const identity_encounter *e = h->encounter;
	const char *status = status_code(e->status);
	const med_fhir_code *cls = class_coding(e->encounter_class);

	if (status == NULL || cls == NULL) {
		invalid(w);
		return;
	}
	med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, "Encounter",
			     e->encounter_id);
	med_fhir_meta(w, e->version, last_recorded_ms(h));
	med_json_str(w, "status", status);
	med_json_begin(w, "class", '{');
	med_json_str(w, "system", cls->system);
	med_json_str(w, "code", cls->code);
	med_json_str(w, "display", cls->display);
	med_json_end(w, '}');
	med_fhir_reference(w, "subject", "Patient", patient_id, NULL);
	encounter_lists(w, h);
	period(w, e->start_ms, e->end_ms);
	if (e->reason[0] != '\0') {
		med_json_begin(w, "reasonCode", '[');
		med_fhir_concept(w, NULL, NULL, 0, e->reason);
		med_json_end(w, ']');
	}
	med_fhir_entry_end(w);
}

static uint32_t
write_encounters(med_json *w, void *ctx)
{
	const encounter_page *p = ctx;

	/* The census names no patient: each stay is its own patient's. */
	for (size_t i = 0; i < p->n; i++)
		encounter(w,
			  p->patient_id ? p->patient_id
					: p->h[i]->encounter->patient_id,
			  p->h[i]);
	return (uint32_t)p->n;
}

med_err
identity_fhir_bundle(med_arena *a, const char *patient_id,
		     identity_enc_history *const *h, size_t n, size_t max_bytes,
		     char **json, uint32_t *n_resources)
{
	encounter_page p = {.patient_id = patient_id, .h = h, .n = n};

	return med_fhir_page_json(a, max_bytes, patient_id, n > 0,
				  write_encounters, &p, json, n_resources);
}

med_err
identity_fhir_ward_bundle(med_arena *a, identity_enc_history *const *h,
			  size_t n, size_t max_bytes, char **json,
			  uint32_t *n_resources)
{
	encounter_page p = {.patient_id = NULL, .h = h, .n = n};

	return med_fhir_page_json(a, max_bytes, NULL, n > 0, write_encounters,
				  &p, json, n_resources);
}
