/*
 * domain.c - the dosage rules that need no gRPC or SQL: validation of
 * contexts, orders and overrides (a catalogue entry's is drug.c's), and
 * the bridge from stored messages to the pure checks of dose.h.
 */
#include <med/check.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "infusion.h"
#include "route.h"
#include "substance_kb.h"
#include "substances.h"

#define LIST_ITEM_MAX 40
#define ALLERGIES_MAX 32

/* failed turns a rule's problem (err not MED_OK) into the call's status. */
static med_err
failed(med_call *call, med_err err, const med_problem *p)
{
	return err == MED_OK ? MED_OK : med_call_fail_problem(call, p);
}

static med_err
allergies_problem(const dosage_context *c, med_problem *p)
{
	if (c->n_allergies > ALLERGIES_MAX)
		return med_problem_set(p, MED_ERR_INVALID, "context.allergies",
				       "at most %d", ALLERGIES_MAX);
	for (size_t i = 0; i < c->n_allergies; i++)
		if (!dosage_text_ok(c->allergies[i], 1, 100))
			return med_problem_set(p, MED_ERR_INVALID,
					       "context.allergies",
					       "entries of 1..100 characters");
	if (c->n_allergies > 0 && !c->allergies_known)
		return med_problem_set(
			p, MED_ERR_INVALID, "context.allergies_known",
			"must be true when allergies are listed");
	return MED_OK;
}

/* measurements_problem refuses a measurement no patient can have: a typing
 * slip (grams for kilograms, metres for centimetres) must not reach the
 * per-kg and per-m2 checks. */
static med_err
measurements_problem(const dosage_context *c, med_problem *p)
{
	if (c->weight_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG &&
	    !dosage_weight_plausible(c->weight_kg))
		return med_problem_set(p, MED_ERR_INVALID, "context.weight_kg",
				       "must be from %g to %g kg",
				       DOSAGE_WEIGHT_MIN_KG,
				       DOSAGE_WEIGHT_MAX_KG);
	if (c->height_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM &&
	    !dosage_height_plausible(c->height_cm))
		return med_problem_set(p, MED_ERR_INVALID, "context.height_cm",
				       "must be from %g to %g cm",
				       DOSAGE_HEIGHT_MIN_CM,
				       DOSAGE_HEIGHT_MAX_CM);
	if (c->crcl_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN &&
	    !dosage_crcl_plausible(c->crcl_ml_min))
		return med_problem_set(p, MED_ERR_INVALID,
				       "context.crcl_ml_min",
				       "must be 0 or from %g to %g mL/min",
				       DOSAGE_CRCL_MIN, DOSAGE_CRCL_MAX);
	return MED_OK;
}

med_err
dosage_context_problem(const dosage_context *c, med_problem *p)
{
	med_err err;

	if (c == NULL)
		return med_problem_set(p, MED_ERR_INVALID, "context",
				       "must be set");
	if ((err = med_id_problem("context.patient_id", c->patient_id, p)) !=
		    MED_OK ||
	    (err = measurements_problem(c, p)) != MED_OK)
		return err;
	if (c->measured_ms != 0 &&
	    (err = med_time_problem("context.measured_ms", c->measured_ms,
				    p)) != MED_OK)
		return err;
	if (c->measured_ms < 0 || c->measured_ms > med_now_ms() + 5 * 60000)
		return med_problem_set(p, MED_ERR_INVALID,
				       "context.measured_ms",
				       "must not be in the future");
	return allergies_problem(c, p);
}

med_err
dosage_check_context(med_call *call, const dosage_context *c)
{
	med_problem p;

	return failed(call, dosage_context_problem(c, &p), &p);
}

/* order_rate_problem checks an infusion order's prescribed rate: a rate
 * in a unit a pump is set in, and a titration maximum not below it; and
 * the shape of its bag. */
static med_err
order_rate_problem(const dosage_order *o, med_problem *p)
{
	dosage_rate_unit u;

	if (o->infusion_rate == 0 && o->infusion_rate_max == 0 &&
	    (o->infusion_rate_unit == NULL || o->infusion_rate_unit[0] == '\0'))
		return dosage_bag_problem(o, p);
	if (dosage_amount_problem("order.infusion_rate", o->infusion_rate, true,
				  p) != MED_OK)
		return MED_ERR_INVALID;
	if (dosage_rate_unit_parse(o->infusion_rate_unit, &u) != MED_OK)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.infusion_rate_unit",
				       "must be an amount per h or min, "
				       "optionally per kg: mL/h, [iU]/h, "
				       "mmol/h, ug/kg/min");
	if (dosage_amount_problem("order.infusion_rate_max",
				  o->infusion_rate_max, false, p) != MED_OK)
		return MED_ERR_INVALID;
	if (o->infusion_rate_max != 0 &&
	    o->infusion_rate_max < o->infusion_rate)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.infusion_rate_max",
				       "must not be below infusion_rate");
	return dosage_bag_problem(o, p);
}

/* order_times_problem: a start and an end within the horizon, the end
 * after the start. */
static med_err
order_times_problem(const dosage_order *o, int64_t now_ms, med_problem *p)
{
	med_err err;

	if ((err = med_time_ahead_problem("order.start_ms", o->start_ms, now_ms,
					  DOSAGE_ORDER_HORIZON_MS, p)) !=
		    MED_OK ||
	    (err = med_time_ahead_problem("order.end_ms", o->end_ms, now_ms,
					  DOSAGE_ORDER_HORIZON_MS, p)) !=
		    MED_OK)
		return err;
	if (o->start_ms < 0)
		return med_problem_set(p, MED_ERR_INVALID, "order.start_ms",
				       "must not be negative");
	if (o->end_ms != 0 && o->end_ms <= o->start_ms)
		return med_problem_set(p, MED_ERR_INVALID, "order.end_ms",
				       "must be after start_ms");
	/* An order that has already ended would never be in force: it is
	 * a typing slip (a wrong year, a day for a month), so the
	 * prescriber is told rather than given a completed order. */
	if (o->end_ms != 0 && o->end_ms <= now_ms)
		return med_problem_set(p, MED_ERR_INVALID, "order.end_ms",
				       "is in the past: the order would never "
				       "be in force; give an end after now, "
				       "or 0 for none");
	return MED_OK;
}

med_err
dosage_order_problem(const dosage_order *o, int64_t now_ms, med_problem *p)
{
	int64_t iv;
	bool prn;
	med_err err;

	if (o == NULL)
		return med_problem_set(p, MED_ERR_INVALID, "order",
				       "must be set");
	if ((err = med_id_problem("order.patient_id", o->patient_id, p)) !=
		    MED_OK ||
	    (err = dosage_code_problem("order.drug_code", o->drug_code, p)) !=
		    MED_OK ||
	    (err = med_text_problem("order.route", o->route, 1, LIST_ITEM_MAX,
				    p)) != MED_OK ||
	    (err = dosage_amount_problem("order.dose", o->dose, true, p)) !=
		    MED_OK)
		return err;
	if (dosage_dose_frequency_parse(o->frequency, &iv, &prn) != MED_OK)
		return med_problem_set(p, MED_ERR_INVALID, "order.frequency",
				       "must be qNh (N 1..72), daily, qd, bid, "
				       "tid, qid, weekly, once or prn");
	if (dosage_regimen_parse(o->regimen) < 0)
		return med_problem_set(p, MED_ERR_INVALID, "order.regimen",
				       "must be prophylaxis, treatment or "
				       "empty (not stated)");
	if ((o->prn_min_interval_minutes || o->prn_max_daily_dose) &&
	    !(prn || o->prn))
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.prn_min_interval_minutes",
				       "only for PRN orders");
	if (o->prn_min_interval_minutes > 10080)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.prn_min_interval_minutes",
				       "at most 10080 (a week)");
	if ((err = dosage_amount_problem("order.prn_max_daily_dose",
					 o->prn_max_daily_dose, false, p)) !=
		    MED_OK ||
	    (err = order_times_problem(o, now_ms, p)) != MED_OK)
		return err;
	return order_rate_problem(o, p);
}

med_err
dosage_check_order(med_call *call, const dosage_order *o, int64_t now_ms)
{
	med_problem p;

	return failed(call, dosage_order_problem(o, now_ms, &p), &p);
}

med_err
dosage_override_problem(const char *field, const dosage_override *o,
			med_problem *p)
{
	char f[64];

	if (o->reason ==
	    SMARTMED__DOSAGE__V1__OVERRIDE_REASON__OVERRIDE_REASON_UNSPECIFIED) {
		snprintf(f, sizeof(f), "%s.reason", field);
		return med_problem_set(p, MED_ERR_INVALID, f, "must be set");
	}
	snprintf(f, sizeof(f), "%s.text", field);
	return med_text_problem(f, o->text, 3, 500, p);
}

med_err
dosage_check_override(med_call *call, const char *field,
		      const dosage_override *o)
{
	med_problem p;

	return failed(call, dosage_override_problem(field, o, &p), &p);
}

med_err
dosage_convert_problem(const char *field, double dose, const char *unit,
		       const dosage_drug *drug, double *out, med_problem *p)
{
	dosage_dose_unit u, d;

	if (dosage_dose_unit_parse(unit, &u) != MED_OK)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "unknown unit (g, mg, ug, mcg, L, mL, "
				       "[iU], IU, unit, mmol, mEq)");
	if (dosage_drug_convert(drug, dose, unit, out) == MED_OK)
		return MED_OK;
	if (u.dim == DOSAGE_DOSE_DIM_VOLUME)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "cannot convert a volume to the drug's "
				       "unit %s: the catalogue gives %s no "
				       "concentration",
				       drug->unit, drug->code);
	if (dosage_dose_unit_parse(drug->unit, &d) == MED_OK &&
	    (dosage_dose_dim_is_molar(u.dim) ||
	     dosage_dose_dim_is_molar(d.dim)))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "%s does not convert to the drug's unit "
				       "%s (mmol and mEq never become a mass "
				       "or each other: no molar mass or "
				       "valence is assumed)",
				       unit, drug->unit);
	return med_problem_set(p, MED_ERR_INVALID, field,
			       "cannot convert to the drug's unit %s",
			       drug->unit);
}

med_err
dosage_convert(med_call *call, const char *field, double dose, const char *unit,
	       const dosage_drug *drug, double *out)
{
	med_problem p;

	return failed(call,
		      dosage_convert_problem(field, dose, unit, drug, out, &p),
		      &p);
}

/* maxima_convert puts a substance rule's two maxima, written in unit, in
 * d's unit: a rule in a mass unit meets a product dosed in mL through its
 * concentration.  false, both left as they were, when either cannot
 * convert, and the rule's check then says it was not checked. */
static bool
maxima_convert(const dosage_drug *d, const char *unit, double *single_max,
	       double *max_24h)
{
	double single = 0, day = 0;

	if (dosage_drug_convert(d, *single_max, unit, &single) != MED_OK ||
	    dosage_drug_convert(d, *max_24h, unit, &day) != MED_OK)
		return false;
	*single_max = single;
	*max_24h = day;
	return true;
}

/* hepatic_rules_convert puts the maxima of l's substance hepatic rules in
 * d's unit (maxima_convert). */
static void
hepatic_rules_convert(const dosage_drug *d, dosage_dose_limits *l)
{
	for (size_t i = 0; i < l->n_hepatic_rules; i++) {
		dosage_hepatic_rule *r = &l->hepatic_rules[i];

		r->converted =
			maxima_convert(d, r->unit, &r->single_max, &r->max_24h);
	}
}

/* renal_rules_convert puts the maxima of l's substance renal rules in
 * d's unit (maxima_convert). */
static void
renal_rules_convert(const dosage_drug *d, dosage_dose_limits *l)
{
	for (size_t i = 0; i < l->n_renal_rules; i++) {
		dosage_renal_rule *r = &l->renal_rules[i];

		r->converted =
			maxima_convert(d, r->unit, &r->single_max, &r->max_24h);
	}
}

void
dosage_limits(const dosage_drug *d, dosage_dose_limits *l)
{
	char why[128];

	memset(l, 0, sizeof(*l));
	l->unit = d->unit;
	l->single_min = d->min_single_dose;
	l->single_max = d->max_single_dose;
	l->max_24h = d->max_daily_dose;
	l->max_per_kg = d->max_dose_per_kg;
	l->max_per_kg_24h = d->max_daily_dose_per_kg;
	l->max_per_m2 = d->max_dose_per_m2;
	l->min_interval_ms = (int64_t)d->min_interval_minutes * 60000;
	l->lifetime_max = d->lifetime_max_dose;
	for (size_t i = 0; i < d->n_renal_bands && i < DOSAGE_DOSE_MAX_BANDS;
	     i++) {
		const Smartmed__Dosage__V1__RenalBand *b = d->renal_bands[i];

		l->bands[i].crcl_below = b->crcl_below_ml_min;
		l->bands[i].factor = b->dose_factor;
		l->bands[i].interval_ms =
			(int64_t)b->min_interval_minutes * 60000;
		l->n_bands++;
	}
	dosage_dose_bands_sort(l->bands, l->n_bands);
	/* Stored bands were checked when written; a band that no longer
	 * reads leaves the drug's own limits, never looser ones. */
	if (dosage_drug_groups(d, l->groups, &l->n_groups, why, sizeof(why)) !=
	    MED_OK)
		l->n_groups = 0;
	l->weight_missing = (dosage_dose_policy)d->weight_missing;
	l->crcl_missing = (dosage_dose_policy)d->crcl_missing;
	l->allergies_missing = (dosage_dose_policy)d->allergies_missing;
	l->high_alert = d->high_alert;
	l->early_dose_warns = d->early_dose_warns;
	l->weight_max_age_ms =
		(int64_t)d->weight_max_age_days * DOSAGE_DOSE_DAY_MS;
	l->renal_basis = (int)d->renal_basis;
	dosage_drug_hepatic(d, l);
	/* Stored rules were checked when written. */
	if (dosage_lab_rules_parse(d->lab_rules, l->lab_rules,
				   DOSAGE_LAB_MAX_RULES, &l->n_lab_rules, why,
				   sizeof(why)) != MED_OK)
		l->n_lab_rules = 0;
	if (dosage_pregnancy_parse(d->pregnancy, &l->pregnancy) != MED_OK)
		l->pregnancy = DOSAGE_PREGNANCY_NONE;
	l->pregnancy_source = d->pregnancy_source;
	/* Stored regimens were checked when written; one that no longer
	 * reads leaves the drug's own limits. */
	if (dosage_dose_regimens_parse(d->regimen_limits, l->regimens,
				       DOSAGE_DOSE_MAX_REGIMENS, &l->n_regimens,
				       why, sizeof(why)) != MED_OK)
		l->n_regimens = 0;
	l->n_substances = dosage_drug_substances(d, l->substances);
	/* Pharmacology belongs to the substance: every product of it
	 * inherits its rules, whatever the product's own fields say. */
	dosage_substance_kb_apply(dosage_substance_kb_active(), l);
	renal_rules_convert(d, l);
	hepatic_rules_convert(d, l);
}

/* context_facts fills p from dosage's own context (a value stored before
 * the plausibility bounds that lies outside them is not used). */
static void
context_facts(const dosage_context *c, dosage_dose_patient *p)
{
	p->has_weight =
		c->weight_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG &&
		dosage_weight_plausible(c->weight_kg);
	p->weight_kg = c->weight_kg;
	p->weight_ms = c->weight_measured_ms;
	p->has_height =
		c->height_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM &&
		dosage_height_plausible(c->height_cm);
	p->height_cm = c->height_cm;
	p->height_ms = c->height_measured_ms;
	p->has_crcl =
		c->crcl_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN &&
		dosage_crcl_plausible(c->crcl_ml_min);
	p->crcl_ml_min = c->crcl_ml_min;
	p->crcl_ms = c->crcl_measured_ms;
	p->allergies_known = c->allergies_known;
	p->allergies = (const char *const *)c->allergies;
	p->n_allergies = c->n_allergies;
	p->has_prev_weight = c->previous_weight_measured_ms > 0 &&
			     dosage_weight_plausible(c->previous_weight_kg);
	p->prev_weight_kg = c->previous_weight_kg;
	p->prev_weight_ms = c->previous_weight_measured_ms;
	p->pregnancy_prevention =
		c->pregnancy_prevention_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__PREGNANCY_PREVENTION_PREGNANCY_PREVENTION_CONFIRMED &&
		c->pregnancy_prevention_confirmed;
}

/* weight_confirmed: is the weight in use (the record's or the context's)
 * the very measurement a clinician confirmed (ConfirmWeight)? */
static bool
weight_confirmed(const dosage_context *c, const dosage_dose_patient *p)
{
	return c != NULL && p->has_weight &&
	       c->weight_confirmed_measured_ms != 0 &&
	       c->weight_confirmed_measured_ms == p->weight_ms &&
	       fabs(c->weight_confirmed_kg - p->weight_kg) < 1e-9;
}

void
dosage_patient(med_arena *a, const dosage_context *c, const dosage_known *k,
	       int64_t at_ms, dosage_dose_patient *p)
{
	memset(p, 0, sizeof(*p));
	p->source = "dosage context";
	p->has_age = k->birth_date[0] &&
		     dosage_dose_age_of(k->birth_date, at_ms, &p->age_days,
					&p->age_years) == MED_OK;
	if (c != NULL)
		context_facts(c, p);
	dosage_facts_apply(a, k->facts, p);
	p->weight_jump_fraction = k->weight_jump_fraction;
	p->childbearing_min_years = k->childbearing_min_years;
	p->childbearing_max_years = k->childbearing_max_years;
	dosage_hepatic_apply(k->hepatic, p);
	p->sex = k->sex;
	dosage_labs_apply(k->facts, k->hepatic, p);
	p->weight_confirmed = weight_confirmed(c, p);
	p->allergy_names = k->allergy_names;
	p->allergy_codings = k->allergy_codings;
}

/* severe_allergy_overridden: did o's prescriber override a stop of its
 * allergy check for a cross-sensitivity after a severe reaction? */
static bool
severe_allergy_overridden(const dosage_order *o)
{
	static const char prefix[] = DOSAGE_SEVERE_ALLERGY_PREFIX;

	for (size_t i = 0; o->dose_override != NULL && i < o->n_checks; i++)
		if (o->checks[i]->kind ==
			    SMARTMED__DOSAGE__V1__CHECK_KIND__CHECK_KIND_ALLERGY &&
		    o->checks[i]->status ==
			    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP &&
		    strncmp(o->checks[i]->reason, prefix, sizeof(prefix) - 1) ==
			    0)
			return true;
	return false;
}

/* age_overridden: did o's prescriber override a stop of its age check
 * (a paediatric contraindication, Kawasaki disease's aspirin)? */
static bool
age_overridden(const dosage_order *o)
{
	for (size_t i = 0; o->dose_override != NULL && i < o->n_checks; i++)
		if (o->checks[i]->kind ==
			    SMARTMED__DOSAGE__V1__CHECK_KIND__CHECK_KIND_AGE &&
		    o->checks[i]->status ==
			    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP)
			return true;
	return false;
}

/* order_limits adds what the order allows to l: its frequency's interval,
 * or a PRN order's own minimum interval and 24-h maximum. */
static void
order_limits(const dosage_order *o, const dosage_drug *drug,
	     dosage_dose_limits *l)
{
	bool prn = false;
	double max = 0;

	/* An order whose frequency no longer parses (none should) adds no
	 * interval of its own: the catalogue's still holds. */
	if (dosage_dose_frequency_parse(o->frequency, &l->order_interval_ms,
					&prn) != MED_OK)
		l->order_interval_ms = 0;
	l->first_dose_overridden = o->dose_override != NULL;
	/* Validated at entry; a stored value that no longer reads states
	 * none. */
	l->regimen = dosage_regimen_parse(o->regimen) > 0
			     ? (dosage_regimen)dosage_regimen_parse(o->regimen)
			     : DOSAGE_REGIMEN_ANY;
	l->severe_allergy_overridden = severe_allergy_overridden(o);
	l->age_overridden = age_overridden(o);
	if (!(prn || o->prn))
		return;
	l->order_interval_ms = 0;
	l->order_min_gap_ms = (int64_t)o->prn_min_interval_minutes * 60000;
	if (o->prn_max_daily_dose > 0 &&
	    dosage_drug_convert(drug, o->prn_max_daily_dose, o->unit, &max) ==
		    MED_OK)
		l->order_max_24h = max;
}

const char *
dosage_first_hard_stop(dosage_check *const *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i]->status ==
		    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP)
			return c[i]->reason;
	return "";
}

med_err
dosage_check_append(med_arena *a, const dosage_dose_result *r,
		    dosage_check ***checks, size_t *n, size_t *cap)
{
	dosage_check *c = med_arena_push_msg(
		a, (void ***)checks, n, cap,
		&smartmed__dosage__v1__dose_check__descriptor);

	if (c == NULL || !(c->reason = med_arena_strdup(a, r->reason)))
		return MED_ERR_NOMEM;
	c->kind = (Smartmed__Dosage__V1__CheckKind)r->check;
	c->status = (Smartmed__Dosage__V1__CheckStatus)r->status;
	c->value = r->value;
	c->limit = r->limit;
	return MED_OK;
}

med_err
dosage_checks_to_pb(med_arena *a, const dosage_dose_result *r, size_t n,
		    dosage_check ***out, size_t *n_out)
{
	size_t cap = 0;

	*n_out = 0;
	for (size_t i = 0; i < n; i++)
		if (dosage_check_append(a, &r[i], out, n_out, &cap) != MED_OK)
			return MED_ERR_NOMEM;
	return MED_OK;
}

void
dosage_evaluate(const dosage_drug *drug, const dosage_order *order,
		const dosage_dose_patient *p, const dosage_dose_history *h,
		double dose, int64_t at_ms,
		dosage_dose_result r[DOSAGE_DOSE_N_CHECKS])
{
	dosage_dose_limits l;

	dosage_limits(drug, &l);
	if (order != NULL)
		order_limits(order, drug, &l);
	dosage_dose_evaluate(&l, p, h, dose, at_ms, r);
}

med_err
dosage_run_checks(med_arena *a, const dosage_drug *drug,
		  const dosage_order *order, const dosage_dose_patient *p,
		  const dosage_dose_history *h, double dose, int64_t at_ms,
		  Smartmed__Dosage__V1__CheckDoseResponse *res)
{
	dosage_dose_result r[DOSAGE_DOSE_N_CHECKS];
	med_err err;

	dosage_evaluate(drug, order, p, h, dose, at_ms, r);
	if ((err = dosage_checks_to_pb(a, r, DOSAGE_DOSE_N_CHECKS, &res->checks,
				       &res->n_checks)) != MED_OK)
		return err;
	res->overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		r, DOSAGE_DOSE_N_CHECKS);
	res->dose_in_drug_unit = dose;
	res->drug_unit = (char *)drug->unit;
	res->requires_confirmation = drug->high_alert;
	return MED_OK;
}

/* --- order entry --------------------------------------------------------- */

/* doses_per_day: how many doses gap_ms apart fit in 24 h (q5h: 5). */
static double
doses_per_day(int64_t gap_ms)
{
	return ceil((double)DOSAGE_DOSE_DAY_MS / (double)gap_ms);
}

void
dosage_regimen_history(const dosage_order *o, const dosage_drug *drug,
		       double dose, double lifetime, dosage_dose_history *h)
{
	int64_t interval = 0, gap;
	bool prn = false;
	double max = 0;

	memset(h, 0, sizeof(*h));
	h->given_lifetime = lifetime;
	if (dosage_dose_frequency_parse(o->frequency, &interval, &prn) !=
	    MED_OK)
		return;
	if (!(prn || o->prn)) {
		if (interval <= 0)
			return; /* once */
		h->given_24h = dose * (doses_per_day(interval) - 1);
		h->has_nearest = true;
		h->nearest_gap_ms = interval;
		return;
	}
	gap = o->prn_min_interval_minutes
		      ? (int64_t)o->prn_min_interval_minutes * 60000
		      : (int64_t)drug->min_interval_minutes * 60000;
	if (gap > 0) {
		h->has_nearest = true;
		h->nearest_gap_ms = gap;
		h->given_24h = dose * (doses_per_day(gap) - 1);
	}
	/* A PRN order's own maximum is the most it lets through. */
	if (o->prn_max_daily_dose > 0 &&
	    dosage_drug_convert(drug, o->prn_max_daily_dose, o->unit, &max) ==
		    MED_OK)
		h->given_24h = max > dose ? max - dose : 0;
}

/* --- order states -------------------------------------------------------- */

#define OS(x) SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x

const char *
dosage_order_fhir_status(Smartmed__Dosage__V1__OrderStatus status)
{
	switch (status) {
	case OS(ACTIVE):
		return "active";
	case OS(ON_HOLD):
		return "on-hold";
	case OS(COMPLETED):
		return "completed";
	case OS(PENDING_VERIFICATION):
		return "draft";
	case OS(STOPPED):
	case OS(SUPERSEDED):
		return "stopped";
	default:
		return "unknown";
	}
}

void
dosage_order_settle(dosage_order *o, int64_t now_ms)
{
	if ((o->status == OS(ACTIVE) || o->status == OS(ON_HOLD)) &&
	    o->end_ms != 0 && o->end_ms <= now_ms)
		o->status = OS(COMPLETED);
	o->fhir_status = (char *)dosage_order_fhir_status(o->status);
}

med_err
dosage_order_status_problem(const dosage_order *o, med_problem *p)
{
	switch (o->status) {
	case OS(SUPERSEDED):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "superseded by order %s (a newer "
				       "version); use that one",
				       o->replaced_by_order_id);
	case OS(STOPPED):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is discontinued");
	case OS(ON_HOLD):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is on hold; no dose until a "
				       "prescriber resumes it (ResumeOrder)");
	case OS(PENDING_VERIFICATION):
		return med_problem_set(
			p, MED_ERR_PRECONDITION, "order_id",
			"awaiting a pharmacist's verification (VerifyOrder)");
	case OS(COMPLETED):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is completed (its end has passed "
				       "or its one dose was given)");
	default:
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is not active");
	}
}

med_err
dosage_order_refuse(med_call *call, const dosage_order *o)
{
	med_problem p;

	return failed(call, dosage_order_status_problem(o, &p), &p);
}

med_err
dosage_identify(med_call *call, const char *token,
		const dosage_override *identity_override, int64_t now,
		med_vtoken_claims *claims, bool *have_token)
{
	*have_token = token[0] != '\0';
	if (*have_token)
		return dosage_verify_token(call, token, now, claims);
	if (identity_override == NULL)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "verification_token: required (or "
				     "identity_override with a reason)");
	/* "Identified otherwise" was the shortcut a face no-match led to;
	 * the second identifier is now a check with a token of its own
	 * (docs/face.md), so the reason has no use left at the bedside. */
	if (identity_override->reason ==
	    SMARTMED__DOSAGE__V1__OVERRIDE_REASON__OVERRIDE_REASON_IDENTIFIED_OTHERWISE)
		return med_call_fail(
			call, MED_ERR_INVALID,
			"identity_override.reason: \"identified otherwise\" is "
			"no override: scan the wristband and check the face "
			"(VerifyFace) or, when the face does not confirm the "
			"patient, the name and date of birth the patient "
			"states (ConfirmStatedIdentifiers), and chart the dose "
			"on that check's verification_token; an override is "
			"for an emergency or verification unavailable");
	return dosage_check_override(call, "identity_override",
				     identity_override);
}
