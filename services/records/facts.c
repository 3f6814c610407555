/*
 * facts.c - GetMedicationFacts: what the dose checks need from the record
 * (current allergies; the latest weight, height and creatinine clearance,
 * each with its own time), so that dosage reads the facts clinicians chart
 * here instead of keeping a second copy.
 */
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "records.h"

typedef Smartmed__Records__V1__MedicationFacts facts_msg;
typedef Smartmed__Records__V1__Measurement measurement;

/* SNOMED CT 716186003 "No known allergy": an assessment, not an allergy. */
#define NO_KNOWN_ALLERGY "716186003"
/* How many entries of each kind are read: a patient's whole chart of
 * allergies and measurements in any realistic stay. */
#define FACT_ROWS 2000

#define STATUS(x) SMARTMED__RECORDS__V1__##x

static bool
counts(const records_entry *e)
{
	return e->status != STATUS(ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR);
}

/* --- allergies ------------------------------------------------------------ */

/* suggested_allergies adds the note reader's pending allergy suggestions
 * (store_suggest.c): dosage stops a matching dose until one is decided. */
static med_err
suggested_allergies(med_call *call, const char *patient_id, facts_msg *f)
{
	med_arena *a = med_call_arena(call);
	Smartmed__Records__V1__ListSuggestionsResponse l;
	size_t cap = 0;
	med_err err = records_store_suggestions(
		med_call_db(call), a, patient_id,
		SMARTMED__RECORDS__V1__SUGGESTION_STATUS__SUGGESTION_STATUS_PENDING,
		&l);

	for (size_t i = 0; err == MED_OK && i < l.n_suggestions; i++) {
		const Smartmed__Records__V1__NoteSuggestion *s =
			l.suggestions[i];
		Smartmed__Records__V1__FactAllergy *o;

		if (s->kind !=
		    SMARTMED__RECORDS__V1__SUGGESTION_KIND__SUGGESTION_KIND_ALLERGY)
			continue;
		o = med_arena_push_msg(
			a, (void ***)&f->suggested_allergies,
			&f->n_suggested_allergies, &cap,
			&smartmed__records__v1__fact_allergy__descriptor);
		if (o == NULL)
			return MED_ERR_NOMEM;
		o->substance_system = s->code_system;
		o->substance_code = s->code;
		o->substance_display = s->code;
		o->entry_id = s->entry_id;
		o->recorded_ms = s->created_ms;
	}
	return err;
}

static bool
current(const Smartmed__Records__V1__Allergy *a)
{
	return (a->clinical_status ==
			STATUS(ALLERGY_CLINICAL_STATUS__ALLERGY_CLINICAL_STATUS_UNSPECIFIED) ||
		a->clinical_status ==
			STATUS(ALLERGY_CLINICAL_STATUS__ALLERGY_CLINICAL_STATUS_ACTIVE)) &&
	       a->verification_status !=
		       STATUS(ALLERGY_VERIFICATION_STATUS__ALLERGY_VERIFICATION_STATUS_REFUTED) &&
	       strcmp(a->substance_code, NO_KNOWN_ALLERGY) != 0;
}

static med_err
add_allergy(med_arena *a, facts_msg *f, size_t *cap, const records_entry *e)
{
	const Smartmed__Records__V1__Allergy *al = e->allergy;
	Smartmed__Records__V1__FactAllergy *o = med_arena_push_msg(
		a, (void ***)&f->allergies, &f->n_allergies, cap,
		&smartmed__records__v1__fact_allergy__descriptor);

	if (o == NULL)
		return MED_ERR_NOMEM;
	o->substance_system = al->substance_system;
	o->substance_code = al->substance_code;
	o->substance_display = al->substance_display;
	o->verification_status = al->verification_status;
	o->criticality = al->criticality;
	o->n_reactions = al->n_reactions;
	o->reactions = al->reactions;
	o->entry_id = e->entry_id;
	o->recorded_ms = e->created_ms;
	return MED_OK;
}

med_err
records_facts_allergies(med_arena *a, records_entry *const *e, size_t n,
			facts_msg *f)
{
	size_t cap = 0;
	med_err err;

	for (size_t i = 0; i < n; i++) {
		if (!counts(e[i]) ||
		    e[i]->content_case != STATUS(ENTRY__CONTENT_ALLERGY))
			continue;
		f->allergies_assessed = true;
		if (current(e[i]->allergy) &&
		    (err = add_allergy(a, f, &cap, e[i])) != MED_OK)
			return err;
	}
	return MED_OK;
}

/* --- measurements --------------------------------------------------------- */

/* One unit a measurement may be charted in, and its factor to ours. */
typedef struct unit_factor {
	const char *ucum;
	double factor;
} unit_factor;

static const unit_factor kg_units[] = {
	{"kg", 1}, {"g", 0.001}, {"[lb_av]", 0.45359237}, {NULL, 0}};
static const unit_factor cm_units[] = {
	{"cm", 1}, {"m", 100}, {"[in_i]", 2.54}, {NULL, 0}};
static const unit_factor crcl_units[] = {{"mL/min", 1}, {NULL, 0}};

/* fact_kind - one measurement dosage reads: its codes and units. */
typedef struct fact_kind {
	const char *loinc[2];
	const char *vital_field; /* VitalSigns member, or NULL */
	const unit_factor *units;
	const char *unit; /* the unit we answer in */
} fact_kind;

static const fact_kind weight_kind = {
	{"29463-7", NULL}, "body_weight", kg_units, "kg"};
static const fact_kind height_kind = {
	{"8302-2", NULL}, "body_height", cm_units, "cm"};
static const fact_kind crcl_kind = {
	{"2164-2", "35591-7"}, NULL, crcl_units, "mL/min"};

static bool
convert(const fact_kind *k, double v, const char *unit, double *out)
{
	for (const unit_factor *u = k->units; u->ucum; u++)
		if (strcmp(u->ucum, unit) == 0) {
			*out = v * u->factor;
			return true;
		}
	return false;
}

/* offer keeps a value in m when it is later (by effective time, then by
 * when its entry was written) than what m holds. */
static void
offer(measurement *m, const fact_kind *k, double v, int64_t at_ms,
      const records_entry *e, const char *loinc, int64_t *written_ms)
{
	if (m->present &&
	    (at_ms < m->effective_ms ||
	     (at_ms == m->effective_ms && e->created_ms <= *written_ms)))
		return;
	m->present = true;
	m->value = v;
	m->unit = (char *)k->unit;
	m->effective_ms = at_ms;
	m->entry_id = e->entry_id;
	m->loinc_code = (char *)loinc;
	*written_ms = e->created_ms;
}

static void
from_observation(measurement *m, const fact_kind *k, const records_entry *e,
		 int64_t *written_ms)
{
	const Smartmed__Records__V1__Observation *o = e->observation;
	double v;

	if (o->value_case != STATUS(OBSERVATION__VALUE_NUMERIC))
		return;
	for (size_t i = 0; i < 2 && k->loinc[i]; i++)
		if (strcmp(o->loinc_code, k->loinc[i]) == 0 &&
		    convert(k, o->numeric, o->ucum_unit, &v))
			offer(m, k, v,
			      o->effective_ms ? o->effective_ms : e->created_ms,
			      e, k->loinc[i], written_ms);
}

static void
from_vitals(measurement *m, const fact_kind *k, const records_entry *e,
	    int64_t *written_ms)
{
	const Smartmed__Records__V1__VitalSigns *vs = e->vital_signs;
	const Smartmed__Records__V1__Quantity *q = NULL;
	double v;

	if (k->vital_field == NULL)
		return;
	q = strcmp(k->vital_field, "body_weight") == 0 ? vs->body_weight
						       : vs->body_height;
	if (q != NULL && convert(k, q->value, q->unit, &v))
		offer(m, k, v,
		      vs->effective_ms ? vs->effective_ms : e->created_ms, e,
		      k->loinc[0], written_ms);
}

/* from_egfr takes an eGFR charted under one of its LOINC codes, per 1.73
 * m2, with an equation (entries from before the rule without one are not
 * used: no equation, no number to judge a band by). */
static void
from_egfr(measurement *m, const records_entry *e, int64_t *written_ms)
{
	static const fact_kind egfr_kind = {
		{NULL, NULL}, NULL, NULL, "mL/min/1.73m2"};
	const Smartmed__Records__V1__Observation *o = e->observation;
	const records_egfr_code *code = records_egfr_by_loinc(o->loinc_code);
	const char *why = NULL, *equation;

	if (code == NULL ||
	    o->value_case != STATUS(OBSERVATION__VALUE_NUMERIC) ||
	    strcmp(o->ucum_unit, RECORDS_EGFR_UNIT) != 0 ||
	    (equation = records_egfr_equation(code, o->method, &why)) == NULL)
		return;
	offer(m, &egfr_kind, o->numeric,
	      o->effective_ms ? o->effective_ms : e->created_ms, e, code->loinc,
	      written_ms);
	if (m->entry_id == e->entry_id) /* offer took it */
		m->equation = (char *)equation;
}

/* latest finds k's latest value among the entries, leaving out the entry
 * exclude ("" none). */
static measurement *
latest(med_arena *a, const fact_kind *k, records_entry *const *e, size_t n,
       const char *exclude)
{
	measurement *m = med_arena_zalloc(a, sizeof(*m));
	int64_t written_ms = 0;

	if (m == NULL)
		return NULL;
	smartmed__records__v1__measurement__init(m);
	for (size_t i = 0; i < n; i++) {
		if (!counts(e[i]) || strcmp(e[i]->entry_id, exclude) == 0)
			continue;
		if (k == NULL) {
			if (e[i]->content_case ==
			    STATUS(ENTRY__CONTENT_OBSERVATION))
				from_egfr(m, e[i], &written_ms);
			continue;
		}
		if (e[i]->content_case == STATUS(ENTRY__CONTENT_OBSERVATION))
			from_observation(m, k, e[i], &written_ms);
		else if (e[i]->content_case ==
			 STATUS(ENTRY__CONTENT_VITAL_SIGNS))
			from_vitals(m, k, e[i], &written_ms);
	}
	return m;
}

med_err
records_facts_measurements(med_arena *a, records_entry *const *e, size_t n,
			   facts_msg *f)
{
	f->weight = latest(a, &weight_kind, e, n, "");
	f->height = latest(a, &height_kind, e, n, "");
	f->crcl = latest(a, &crcl_kind, e, n, "");
	/* NULL kind: the eGFR, whose codes and equation are its own. */
	f->egfr = latest(a, NULL, e, n, "");
	if (f->weight == NULL || f->height == NULL || f->crcl == NULL ||
	    f->egfr == NULL)
		return MED_ERR_NOMEM;
	/* The weight before the latest, for dosage's jump rule. */
	f->previous_weight =
		latest(a, &weight_kind, e, n,
		       f->weight->present ? f->weight->entry_id : "");
	return f->previous_weight ? MED_OK : MED_ERR_NOMEM;
}

/* --- the RPC -------------------------------------------------------------- */

/* list_kind reads the latest versions of a patient's entries of kind. */
static med_err
list_kind(med_call *call, const char *patient_id, int kind,
	  records_entry ***out, size_t *n)
{
	records_filter f = {.patient_id = patient_id,
			    .kind = kind,
			    .author = "",
			    .slice = {.limit = FACT_ROWS}};
	records_fault fault = {0};
	records_list list;
	med_err err = records_store_list(
		med_call_db(call), med_call_arena(call), &f, &list, &fault);

	if (err == MED_ERR_DATA_LOSS && fault.check != NULL)
		return records_fail_fault(call, "patient_id", &fault);
	if (err != MED_OK)
		return err;
	*out = list.entries;
	*n = list.n;
	return MED_OK;
}

med_err
records_rpc_get_medication_facts(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Records__V1__GetMedicationFactsRequest *req =
		(const void *)in;
	facts_msg *f = (void *)out;
	med_arena *a = med_call_arena(call);
	records_entry **al, **obs, **vit, **both;
	size_t n_al, n_obs, n_vit;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	if ((err = list_kind(call, req->patient_id,
			     STATUS(ENTRY_KIND__ENTRY_KIND_ALLERGY), &al,
			     &n_al)) != MED_OK ||
	    (err = list_kind(call, req->patient_id,
			     STATUS(ENTRY_KIND__ENTRY_KIND_OBSERVATION), &obs,
			     &n_obs)) != MED_OK ||
	    (err = list_kind(call, req->patient_id,
			     STATUS(ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS), &vit,
			     &n_vit)) != MED_OK ||
	    (err = records_facts_allergies(a, al, n_al, f)) != MED_OK)
		return err;
	/* Observations and vital signs together: the latest of both wins. */
	both = med_arena_alloc(a, (n_obs + n_vit + 1) * sizeof(*both));
	if (both == NULL)
		return MED_ERR_NOMEM;
	if (n_obs)
		memcpy(both, obs, n_obs * sizeof(*both));
	if (n_vit)
		memcpy(both + n_obs, vit, n_vit * sizeof(*both));
	if ((err = records_facts_measurements(a, both, n_obs + n_vit, f)) !=
		    MED_OK ||
	    (err = records_facts_labs(a, obs, n_obs, f)) != MED_OK)
		return err;
	return suggested_allergies(call, req->patient_id, f);
}
