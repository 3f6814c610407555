/*
 * facts.c - the patient's facts from the record: dosage asks records'
 * GetMedicationFacts (over mutual TLS, as the service principal) for the
 * allergies, weight, height and creatinine clearance clinicians chart
 * there, before each dose check and outside any transaction.  dosage's own
 * patient context is only the fallback for a fact the record lacks.  When
 * records is configured but cannot answer, the check fails closed.  The
 * call itself is libmed's facts contract (med/facts.h): dosage never sees
 * records' messages.
 */
#include <med/audit.h>
#include <med/facts.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "patient.h"

med_err
dosage_facts_start(med_service *svc, dosage_state *st)
{
	const med_config *c = med_service_config(svc);
	med_err err;

	st->weight_jump_fraction =
		(double)med_config_int(c, WEIGHT_JUMP_SETTING) / 100.0;
	st->childbearing_min_years =
		(int)med_config_int(c, CHILDBEARING_MIN_SETTING);
	st->childbearing_max_years =
		(int)med_config_int(c, CHILDBEARING_MAX_SETTING);
	if (st->childbearing_max_years > 0 &&
	    st->childbearing_min_years > st->childbearing_max_years) {
		med_log_error(CHILDBEARING_MIN_SETTING
			      ": %d is above " CHILDBEARING_MAX_SETTING " %d",
			      st->childbearing_min_years,
			      st->childbearing_max_years);
		return MED_ERR_INVALID;
	}
	if ((err = dosage_hepatic_start(svc, st)) != MED_OK)
		return err;
	err = med_facts_open(c, RECORDS_URL_SETTING, "MED_RECORDS_SERVER_NAME",
			     "patient facts", &st->records);
	if (err != MED_OK) {
		dosage_hepatic_stop(st);
		return err;
	}
	if (st->records == NULL)
		med_log_warn(RECORDS_URL_SETTING " is not set: the dose checks "
						 "use dosage's own patient "
						 "context only, not the "
						 "record's allergies and "
						 "measurements");
	st->records_deadline_ms = med_config_int(c, "MED_RECORDS_DEADLINE_MS");
	return MED_OK;
}

void
dosage_facts_stop(dosage_state *st)
{
	med_channel_close(st->records);
	st->records = NULL;
	dosage_hepatic_stop(st);
}

med_err
dosage_facts_fetch(med_call *call, const char *field, const char *patient_id,
		   const dosage_facts **out)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));

	*out = NULL;
	if (st == NULL || st->records == NULL)
		return MED_OK;
	return med_facts_medication(call, st->records, st->records_deadline_ms,
				    field, patient_id, out);
}

/* take uses the record's measurement m when it has one that a patient
 * can have: an implausible value in the record (a unit slip) is no fact,
 * and the check that needs it says so instead of computing with it. */
static void
take(const med_measurement *m, bool (*plausible)(double), bool *has, double *v,
     int64_t *at)
{
	if (m == NULL || !m->present || !plausible(m->value))
		return;
	*has = true;
	*v = m->value;
	*at = m->effective_ms;
}

/* take_newest is take for weight and height: a context value measured
 * later than the record's stands, so the checks use the newest of the
 * two, the one the console shows (dosage's export carries the context's;
 * issue 77). */
static void
take_newest(const med_measurement *m, bool (*plausible)(double), bool *has,
	    double *v, int64_t *at)
{
	if (m != NULL && m->present && *has && *at > m->effective_ms)
		return;
	take(m, plausible, has, v, at);
}

/* take_egfr uses the record's eGFR when it names its equation (records
 * refuses one without; an older entry lacking it is no fact). */
static void
take_egfr(const med_measurement *m, dosage_dose_patient *p)
{
	if (m == NULL || !m->present || m->equation == NULL ||
	    m->equation[0] == '\0' || !dosage_egfr_plausible(m->value))
		return;
	p->has_egfr = true;
	p->egfr_ml_min_173 = m->value;
	p->egfr_ms = m->effective_ms;
	p->egfr_equation = m->equation;
}

/* take_previous_weight gives the jump rule the record's weight before the
 * one in use, when the weight in use is the record's. */
static void
take_previous_weight(const dosage_facts *f, dosage_dose_patient *p)
{
	const med_measurement *w = f->weight;
	const med_measurement *m = f->previous_weight;

	if (w == NULL || !w->present || p->weight_ms != w->effective_ms)
		return;
	/* The record's weight is in use: the context's previous one is
	 * not its previous. */
	p->has_prev_weight = false;
	if (m == NULL || !m->present || !dosage_weight_plausible(m->value))
		return;
	p->has_prev_weight = true;
	p->prev_weight_kg = m->value;
	p->prev_weight_ms = m->effective_ms;
}

/* allergy_names lists the record's allergies and the context's (a union:
 * an allergy known to either must stop the dose). */
static void
allergy_names(med_arena *a, const dosage_facts *f, dosage_dose_patient *p)
{
	size_t n = f->n_allergies + (p->allergies_known ? p->n_allergies : 0);
	const char **v = med_arena_alloc(a, (n + 1) * sizeof(*v));
	const char **reactions = med_arena_zalloc(a, (n + 1) * sizeof(*v));
	bool *severe = med_arena_zalloc(a, (n + 1) * sizeof(*severe));
	size_t k = 0;

	if (v == NULL || reactions == NULL || severe == NULL) {
		/* No memory for the list: say nothing is known, which the
		 * allergy check reports, rather than a shorter list. */
		p->allergies_known = false;
		return;
	}
	/* The record's reactions and grading go with its allergies; the
	 * context's allergies are text only. */
	for (size_t i = 0; i < f->n_allergies; i++, k++) {
		v[k] = f->allergies[i];
		reactions[k] =
			f->allergy_reactions ? f->allergy_reactions[i] : NULL;
		severe[k] = f->allergies_severe && f->allergies_severe[i];
	}
	for (size_t i = 0; p->allergies_known && i < p->n_allergies; i++)
		v[k++] = p->allergies[i];
	p->allergies = v;
	p->n_allergies = k;
	p->allergy_reactions = reactions;
	p->allergies_severe = severe;
	p->allergies_known = true;
}

void
dosage_facts_apply(med_arena *a, const dosage_facts *f, dosage_dose_patient *p)
{
	if (f == NULL)
		return;
	p->source = "record";
	take_newest(f->weight, dosage_weight_plausible, &p->has_weight,
		    &p->weight_kg, &p->weight_ms);
	take_newest(f->height, dosage_height_plausible, &p->has_height,
		    &p->height_cm, &p->height_ms);
	take(f->crcl, dosage_crcl_plausible, &p->has_crcl, &p->crcl_ml_min,
	     &p->crcl_ms);
	take_egfr(f->egfr, p);
	take_previous_weight(f, p);
	if (f->allergies_assessed)
		allergy_names(a, f, p);
	p->suggested_allergies = f->suggested_allergies;
	p->n_suggested_allergies = f->n_suggested_allergies;
}

/* take_lab puts the record's lab value m into p's slot lab. */
static void
take_lab(const med_measurement *m, dosage_lab lab, dosage_dose_patient *p)
{
	if (m == NULL || !m->present || !isfinite(m->value))
		return;
	p->labs[lab].present = true;
	p->labs[lab].unusable = m->unit_unusable;
	p->labs[lab].value = m->value;
	p->labs[lab].at_ms = m->effective_ms;
	p->labs[lab].unit = m->unit;
}

/* The LOINC code records answers each drug level under
 * (services/records/labs.c). */
static const struct {
	const char *loinc;
	dosage_lab lab;
} level_codes[] = {
	{"3665-7", DOSAGE_LAB_GENTAMICIN_TROUGH},
	{"4059-2", DOSAGE_LAB_TOBRAMYCIN_TROUGH},
	{"4092-3", DOSAGE_LAB_VANCOMYCIN_TROUGH},
	{"10535-3", DOSAGE_LAB_DIGOXIN},
	{"14334-7", DOSAGE_LAB_LITHIUM},
	{"4049-3", DOSAGE_LAB_THEOPHYLLINE},
	{"3968-5", DOSAGE_LAB_PHENYTOIN},
	{"3321-7", DOSAGE_LAB_AMIKACIN_TROUGH},
	{"3432-2", DOSAGE_LAB_CARBAMAZEPINE},
	{"4086-5", DOSAGE_LAB_VALPROATE},
	{"14978-1", DOSAGE_LAB_CICLOSPORIN},
	{"11253-2", DOSAGE_LAB_TACROLIMUS},
};

/* take_levels puts the record's drug levels into p's slots. */
static void
take_levels(const dosage_facts *f, dosage_dose_patient *p)
{
	for (size_t i = 0; i < f->n_drug_levels; i++) {
		const med_measurement *m = f->drug_levels[i];

		for (size_t k = 0;
		     m != NULL && m->loinc_code != NULL &&
		     k < sizeof(level_codes) / sizeof(*level_codes);
		     k++)
			if (strcmp(level_codes[k].loinc, m->loinc_code) == 0)
				take_lab(m, level_codes[k].lab, p);
	}
}

/* result_unknown: does a pregnancy test's text say no result ("Unknown",
 * "indeterminate")?  records reads any text that is not positive as
 * negative; such a result records no status (issue 72). */
static bool
result_unknown(const char *text)
{
	static const char *const words[] = {"unknown",	     "not known",
					    "indeterminate", "equivocal",
					    "inconclusive",  "not done"};

	for (size_t i = 0; text && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(text, words[i]) != NULL)
			return true;
	return false;
}

/* pregnancy_from says whether the problem list (h) or the latest test
 * (t) says pregnant, and which, and whether either records a status. */
static void
pregnancy_from(const dosage_hepatic_facts *h, const med_pregnancy_test *t,
	       dosage_dose_patient *p)
{
	p->pregnancy_known = h != NULL;
	if (h != NULL && h->pregnant) {
		p->pregnant = true;
		p->pregnancy_evidence = h->pregnancy_summary;
	} else if (t != NULL && t->present && t->positive) {
		p->pregnant = true;
		p->pregnancy_evidence = t->loinc_code;
	}
	p->pregnancy_recorded = p->pregnant || (t != NULL && t->present &&
						!result_unknown(t->result));
}

void
dosage_labs_apply(const dosage_facts *f, const dosage_hepatic_facts *h,
		  dosage_dose_patient *p)
{
	pregnancy_from(h, f ? f->pregnancy_test : NULL, p);
	if (f == NULL)
		return;
	p->labs_known = true;
	take_lab(f->potassium, DOSAGE_LAB_POTASSIUM, p);
	take_lab(f->inr, DOSAGE_LAB_INR, p);
	take_lab(f->glucose, DOSAGE_LAB_GLUCOSE, p);
	take_lab(f->creatinine, DOSAGE_LAB_CREATININE, p);
	take_levels(f, p);
}

/* know_family keeps identity's answer (ids in the call's arena) and names
 * the merged records read through in the call's audit event. */
static med_err
know_family(med_call *call, const char *patient_id, const med_patient_result *r,
	    dosage_known *k)
{
	med_arena *a = med_call_arena(call);
	char list[MED_PATIENT_MERGED_MAX * MED_PATIENT_ID_MAX] = "";
	size_t off = 0;

	med_strlcpy(k->birth_date, r->birth_date, sizeof(k->birth_date));
	k->sex = r->sex;
	k->death.deceased = r->deceased;
	k->death.deceased_ms = r->deceased_ms;
	med_strlcpy(k->unconfirmed, r->unconfirmed, sizeof(k->unconfirmed));
	k->unconfirmed_ms = r->unconfirmed_ms;
	k->family.ids[0] = patient_id;
	k->family.n = 1;
	for (size_t i = 0; i < r->n_merged && i + 1 < DOSAGE_FAMILY_MAX; i++) {
		if ((k->family.ids[k->family.n++] =
			     med_arena_strdup(a, r->merged_ids[i])) == NULL)
			return MED_ERR_NOMEM;
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					i ? "," : "", r->merged_ids[i]);
	}
	if (r->n_merged == 0)
		return MED_OK;
	/* The audit says whose data the check read besides the patient's. */
	med_call_add_details(
		call, (const med_audit_detail[]){{"merged_ids", list}}, 1);
	return MED_OK;
}

/* family_facts joins the record's facts of every record merged into the
 * patient into k->facts. */
static med_err
family_facts(med_call *call, const char *field, dosage_known *k)
{
	dosage_facts *all;
	med_err err;

	if (k->facts == NULL || k->family.n < 2)
		return MED_OK;
	/* A copy of the patient's own, so that the reply is not changed. */
	all = med_arena_alloc(med_call_arena(call), sizeof(*all));
	if (all == NULL)
		return MED_ERR_NOMEM;
	*all = *k->facts;
	for (size_t i = 1; i < k->family.n; i++) {
		const dosage_facts *f = NULL;

		if ((err = dosage_facts_fetch(call, field, k->family.ids[i],
					      &f)) != MED_OK)
			return err;
		if (f != NULL && (err = dosage_facts_join(med_call_arena(call),
							  all, f)) != MED_OK)
			return err;
	}
	k->facts = all;
	return MED_OK;
}

med_err
dosage_know_family(med_call *call, const char *field, const char *patient_id,
		   dosage_known *k)
{
	med_patient_result r;
	med_err err;

	memset(k, 0, sizeof(*k));
	if ((err = med_patients_family(call, field, patient_id, &r)) != MED_OK)
		return err;
	return know_family(call, patient_id, &r, k);
}

/* family_hepatic joins the problem lists of every record merged into the
 * patient into k->hepatic: a pregnancy or a liver disease coded on the
 * ED's temporary record is the patient's. */
static med_err
family_hepatic(med_call *call, const char *field, dosage_known *k)
{
	dosage_hepatic_facts *all;
	med_err err;

	if (k->hepatic == NULL || k->family.n < 2)
		return MED_OK;
	/* A copy of the patient's own, so that the reply is not changed. */
	all = med_arena_alloc(med_call_arena(call), sizeof(*all));
	if (all == NULL)
		return MED_ERR_NOMEM;
	*all = *k->hepatic;
	for (size_t i = 1; i < k->family.n; i++) {
		const dosage_hepatic_facts *h = NULL;

		if ((err = dosage_hepatic_fetch(call, field, k->family.ids[i],
						&h)) != MED_OK)
			return err;
		if (h != NULL &&
		    (err = dosage_hepatic_join(med_call_arena(call), all, h)) !=
			    MED_OK)
			return err;
	}
	k->hepatic = all;
	return MED_OK;
}

/* The patient's reads from three services (identity's family, records'
 * facts, diagnosis's liver findings), made at once. */
typedef struct know_reads {
	const char *field, *patient_id;
	dosage_known *k;
	const dosage_facts *facts;
	const dosage_hepatic_facts *hepatic;
} know_reads;

/* read_family names the merged records it reads through in the call's
 * audit event (a task call's details join the call's). */
static med_err
read_family(med_call *call, void *arg)
{
	know_reads *r = arg;

	return dosage_know_family(call, r->field, r->patient_id, r->k);
}

static med_err
read_facts(med_call *call, void *arg)
{
	know_reads *r = arg;

	return dosage_facts_fetch(call, r->field, r->patient_id, &r->facts);
}

static med_err
read_hepatic(med_call *call, void *arg)
{
	know_reads *r = arg;

	return dosage_hepatic_fetch(call, r->field, r->patient_id, &r->hepatic);
}

/*
 * dosage_know_patient_with names the patient and takes the care decision
 * first: a caller refused the patient ends here, having made dosage ask
 * no other service about them (docs/internals/care-decisions.md).  Then
 * it asks identity, records and diagnosis at once (med_call_parallel),
 * with also first when set: a dose check waits for the slowest of them,
 * not their sum (docs/sizing.md, "Why dosage queues first").  What merged
 * records add and dosage's own allergy lists follow, in order.
 */
med_err
dosage_know_patient_with(med_call *call, const med_call_task *also,
			 const char *field, const char *patient_id,
			 dosage_known *k)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));
	know_reads r = {.field = field, .patient_id = patient_id, .k = k};
	med_call_task reads[4];
	size_t n = 0;
	med_err err;

	med_call_set_patient(call, patient_id);
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	if (also != NULL)
		reads[n++] = *also;
	reads[n++] = (med_call_task){read_family, &r};
	reads[n++] = (med_call_task){read_facts, &r};
	reads[n++] = (med_call_task){read_hepatic, &r};
	if ((err = med_call_parallel(call, reads, n)) != MED_OK)
		return err;
	k->facts = r.facts;
	k->hepatic = r.hepatic;
	if (st != NULL) {
		k->weight_jump_fraction = st->weight_jump_fraction;
		k->childbearing_min_years = st->childbearing_min_years;
		k->childbearing_max_years = st->childbearing_max_years;
	}
	if ((err = family_facts(call, field, k)) != MED_OK ||
	    (err = family_hepatic(call, field, k)) != MED_OK ||
	    (err = dosage_store_allergy_names(med_call_db(call),
					      med_call_arena(call),
					      &k->allergy_names)) != MED_OK)
		return err;
	return dosage_store_allergy_codings(med_call_db(call),
					    med_call_arena(call), &k->family,
					    &k->allergy_codings);
}

med_err
dosage_know_patient(med_call *call, const char *field, const char *patient_id,
		    dosage_known *k)
{
	return dosage_know_patient_with(call, NULL, field, patient_id, k);
}
