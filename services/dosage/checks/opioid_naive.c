/*
 * opioid_naive.c - a strong long-acting opioid (a fentanyl patch, a
 * modified-release tablet) started for an opioid-naive patient: the
 * substance knowledge base's opioid_naive rules say which products by
 * route, form or name, and the patient is opioid-tolerant when an opioid was
 * given in the last 7 days (the MAR, merged records included) or the home
 * list has one taken, or last taken within 7 days.  At order entry (and
 * each new version), and again at the dose (CheckDose on an order,
 * RecordAdministration) and at the pharmacist's VerifyOrder: the tolerance
 * the order was written on may have gone by the time it is verified or a
 * patch is put on; docs/dose-safety.md, "Opioid-naive
 * starts".
 */
#include <med/service.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "checks.h"
#include "dose.h"
#include "substance_kb.h"

#define HOUR_MS 3600000.0
/* A product's name and its forms (at most 8, drug.c). */
#define NAIVE_MAX_FORMS 9

void
dosage_opioid_naive_eval(const char *rule, bool stop,
			 const dosage_opioid_exposure *e, int64_t at_ms,
			 dosage_dose_result *r)
{
	memset(r, 0, sizeof(*r));
	r->check = DOSAGE_DOSE_CHECK_OPIOID_NAIVE;
	if (rule == NULL)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"no opioid-naive rule for this product");
	else if (e->given != NULL)
		dosage_dose_set(r, DOSAGE_DOSE_OK, 1, 0,
				"opioid-tolerant: %s given %.1f h ago",
				e->given, (double)(at_ms - e->t_ms) / HOUR_MS);
	else if (e->home != NULL)
		dosage_dose_set(r, DOSAGE_DOSE_OK, 1, 0, "opioid-tolerant: %s",
				e->home);
	else
		dosage_dose_set(r,
				stop ? DOSAGE_DOSE_HARD_STOP : DOSAGE_DOSE_WARN,
				0, 0,
				"opioid-naive: no opioid given in the last 7 "
				"days and none on the home list; for "
				"opioid-tolerant patients only (%s)",
				rule);
}

/* is_opioid: is substance in the opioids class? */
static bool
is_opioid(const char *substance)
{
	const dosage_class_group *g =
		substance ? dosage_class_group_of(substance) : NULL;

	return g != NULL && strcmp(g->code, "opioids") == 0;
}

/* exposure_read fills e from the MAR's last 7 days, else the home list. */
static med_err
exposure_read(med_call *call, const dosage_order *o, const dosage_family *fam,
	      int64_t at_ms, dosage_opioid_exposure *e)
{
	med_arena *a = med_call_arena(call);
	dosage_class_list l;
	med_err err = dosage_store_opioid_given(
		med_call_db(call), a, fam, o->patient_id,
		at_ms - DOSAGE_OPIOID_TOLERANT_MS, at_ms, &l);

	memset(e, 0, sizeof(*e));
	if (err == MED_OK && l.n > 0) {
		e->given = l.items[0].label;
		e->t_ms = l.items[0].t_ms;
		return MED_OK;
	}
	if (err == MED_OK)
		err = dosage_store_home_others(
			med_call_db(call), a, fam, o->patient_id,
			o->encounter_id, at_ms, DOSAGE_OPIOID_TOLERANT_MS, &l);
	for (size_t i = 0; err == MED_OK && i < l.n && !e->home; i++)
		if (is_opioid(l.items[i].substance))
			e->home = l.items[i].home;
	return dosage_fail_limit(call, err, l.limit);
}

/* naive_rule returns the origin of the opioid_naive rule that o's start of
 * d meets (by route, product form or name), NULL for none. */
static const char *
naive_rule(const dosage_order *o, const dosage_drug *d, bool *stop)
{
	dosage_dose_limits l;
	const char *forms[NAIVE_MAX_FORMS];
	size_t n_forms = 0;

	dosage_limits(d, &l);
	/* The product's name counts as a form: "Oxycodone 10 mg
	 * modified-release" catalogued with the form "tablet". */
	forms[n_forms++] = d->name;
	for (size_t i = 0; i < d->n_forms && n_forms < NAIVE_MAX_FORMS; i++)
		forms[n_forms++] = d->forms[i];
	return dosage_substance_kb_naive(dosage_substance_kb_active(),
					 l.substances, l.n_substances, o->route,
					 forms, n_forms, stop);
}

/*
 * naive_strength makes a naive patient's warning a stop when the rule
 * names the largest start (Butrans: 5 micrograms/h in an opioid-naive
 * patient) and order o starts above it (its dose in d's unit; a rule
 * whose unit does not convert to d's leaves the warning).
 */
static void
naive_strength(const dosage_order *o, const dosage_drug *d, const char *rule,
	       dosage_dose_result *r)
{
	const char *unit = NULL;
	double max = dosage_substance_kb_naive_start(
		dosage_substance_kb_active(), rule, &unit);
	double lim = 0;

	if (r->status != DOSAGE_DOSE_WARN || max <= 0)
		return;
	if (dosage_drug_convert(d, max, unit, &lim) != MED_OK)
		return;
	if (o->dose_in_drug_unit <= lim * (1 + 1e-9))
		return;
	dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, o->dose_in_drug_unit, lim,
			"opioid-naive: a start of %.6g %s is above the %.6g "
			"%s a naive patient may start on (%s)",
			o->dose_in_drug_unit, d->unit, lim, d->unit, rule);
}

/* naive_result writes the opioid-naive result of o's start of d at at_ms
 * into r (not_applicable: no rule names the product). */
static med_err
naive_result(med_call *call, const dosage_order *o, const dosage_drug *d,
	     const dosage_family *fam, int64_t at_ms, dosage_dose_result *r)
{
	dosage_opioid_exposure e;
	bool stop = false;
	const char *rule = naive_rule(o, d, &stop);
	med_err err;

	r->status = DOSAGE_DOSE_NOT_APPLICABLE;
	if (rule == NULL)
		return MED_OK;
	if ((err = exposure_read(call, o, fam, at_ms, &e)) != MED_OK)
		return err;
	dosage_opioid_naive_eval(rule, stop, &e, at_ms, r);
	naive_strength(o, d, rule, r);
	return MED_OK;
}

med_err
dosage_opioid_naive_checks(med_call *call, dosage_order *o,
			   const dosage_drug *d, const dosage_family *fam,
			   int64_t at_ms)
{
	dosage_dose_result r;
	med_err err = naive_result(call, o, d, fam, at_ms, &r);

	if (err != MED_OK || r.status == DOSAGE_DOSE_NOT_APPLICABLE)
		return err;
	return dosage_class_append(med_call_arena(call), &r, 1, &o->checks,
				   &o->n_checks, &o->overall);
}

/* naive_overridden: did o's prescriber override a stop of its
 * opioid-naive check at order entry? */
static bool
naive_overridden(const dosage_order *o)
{
	for (size_t i = 0; o->dose_override != NULL && i < o->n_checks; i++)
		if (o->checks[i]->kind ==
			    SMARTMED__DOSAGE__V1__CHECK_KIND__CHECK_KIND_OPIOID_NAIVE &&
		    o->checks[i]->status ==
			    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP)
			return true;
	return false;
}

/* naive_downgrade makes a stop that o's prescriber overrode at order
 * entry a warning: a pharmacist verified the order (or is verifying it),
 * and this is not a second refusal of the same judgement. */
static void
naive_downgrade(const dosage_order *o, dosage_dose_result *r)
{
	char why[DOSAGE_DOSE_REASON_MAX];

	if (r->status != DOSAGE_DOSE_HARD_STOP || !naive_overridden(o))
		return;
	memcpy(why, r->reason, sizeof(why));
	why[sizeof(why) - 40] = '\0';
	dosage_dose_set(r, DOSAGE_DOSE_WARN, r->value, r->limit,
			"overridden at order entry: %s", why);
}

med_err
dosage_opioid_naive_recheck(med_call *call, const dosage_order *o,
			    const dosage_drug *d, const dosage_family *fam,
			    int64_t at_ms, dosage_dose_result *r)
{
	med_err err = naive_result(call, o, d, fam, at_ms, r);

	if (err == MED_OK)
		naive_downgrade(o, r);
	return err;
}

med_err
dosage_opioid_naive_bedside(med_call *call, const dosage_order *o,
			    const dosage_drug *d, const dosage_family *fam,
			    int64_t at_ms, dosage_check ***checks,
			    size_t *n_checks,
			    Smartmed__Dosage__V1__CheckStatus *overall)
{
	dosage_dose_result r;
	med_err err = dosage_opioid_naive_recheck(call, o, d, fam, at_ms, &r);

	if (err != MED_OK || r.status == DOSAGE_DOSE_NOT_APPLICABLE)
		return err;
	return dosage_class_append(med_call_arena(call), &r, 1, checks,
				   n_checks, overall);
}
