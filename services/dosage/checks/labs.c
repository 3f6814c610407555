/*
 * labs.c - the lab and pregnancy checks: a drug's lab rules (catalogue
 * data: "potassium:max=5.0:stop:age_h=24:need") against the latest lab
 * values the record holds, a creatinine turned into a Cockcroft-Gault
 * clearance for the renal bands, and a drug harmful in pregnancy for a
 * pregnant patient.  Pure functions; docs/dose-safety.md, "Labs the checks
 * read" and "Pregnancy".  The rules' text form is catalogue/drug_fields.c.
 */
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dose.h"

#define HOUR_MS		  (3600LL * 1000)
#define CREATININE_PER_MG 88.42

/* Each with its leading space, so that a unitless INR reads "inr 6.2". */
static const char *const lab_units[DOSAGE_LAB_N] = {
	" mmol/L", "",	    " mmol/L", " umol/L", " mg/L", " mg/L",
	" mg/L",   " ug/L", " mmol/L", " mg/L",	  " mg/L", " mg/L"};

const char *
dosage_lab_unit(dosage_lab lab)
{
	if ((unsigned)lab >= DOSAGE_LAB_N)
		return "";
	return lab_units[lab][0] == ' ' ? lab_units[lab] + 1 : lab_units[lab];
}

/* --- Cockcroft-Gault --------------------------------------------------------
 */

double
dosage_cockcroft_gault(int age_years, double weight_kg, bool female,
		       double creat_umol_l)
{
	double mg_dl = creat_umol_l / CREATININE_PER_MG;
	double crcl;

	if (age_years < 18 || age_years > 120 || !(weight_kg > 0) ||
	    !(creat_umol_l > 0) || !isfinite(weight_kg) ||
	    !isfinite(creat_umol_l))
		return 0;
	crcl = (140.0 - age_years) * weight_kg / (72.0 * mg_dl);
	return female ? crcl * 0.85 : crcl;
}

void
dosage_dose_derive_crcl(dosage_dose_patient *p, bool weight_usable)
{
	const int c = DOSAGE_LAB_CREATININE;
	double crcl;

	if (!p->labs[c].present || p->labs[c].unusable ||
	    (p->has_crcl && p->crcl_ms >= p->labs[c].at_ms) || !p->has_age ||
	    !weight_usable || (p->sex != 'F' && p->sex != 'M'))
		return;
	crcl = dosage_cockcroft_gault(p->age_years, p->weight_kg, p->sex == 'F',
				      p->labs[c].value);
	if (crcl <= 0)
		return;
	p->has_crcl = true;
	p->crcl_ml_min = crcl;
	p->crcl_ms = p->labs[c].at_ms;
	p->crcl_label = "Cockcroft-Gault clearance";
}

/* --- the lab check ----------------------------------------------------------
 */

/* severity orders statuses for keeping the worst of several rules. */
static int
severity(dosage_dose_status s)
{
	static const int rank[] = {0, 1, 3, 4, 2, 0};

	return (unsigned)s <= DOSAGE_DOSE_NOT_APPLICABLE ? rank[s] : 0;
}

/* lack answers a rule without a usable value: a hard stop when the rule
 * needs one, else not_checked. */
static void
lack(const dosage_lab_rule *rule, dosage_dose_result *r, const char *why)
{
	if (rule->need)
		dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, rule->limit,
				"%s; this drug needs a %s within %lld h "
				"(lab_rules need)",
				why, dosage_lab_name(rule->analyte),
				(long long)(rule->max_age_ms / HOUR_MS));
	else
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, rule->limit,
				"%s", why);
}

/* no_value says why rule cannot be judged on p's record (no result, or
 * one in a unit that does not convert), false when it can. */
static bool
no_value(const dosage_lab_rule *rule, const dosage_dose_patient *p,
	 dosage_dose_result *r)
{
	const char *name = dosage_lab_name(rule->analyte);
	const char *unit = p->labs[rule->analyte].unit;
	char why[DOSAGE_DOSE_REASON_MAX];

	if (!p->labs[rule->analyte].present)
		snprintf(why, sizeof(why), "no %s result in the record", name);
	else if (p->labs[rule->analyte].unusable)
		snprintf(why, sizeof(why),
			 "not checked: unit: %s %.4g charted in \"%s\", which "
			 "does not convert",
			 name, p->labs[rule->analyte].value, unit ? unit : "");
	else
		return false;
	lack(rule, r, why);
	return true;
}

/* one_rule judges one rule on p's value at at_ms. */
static void
one_rule(const dosage_lab_rule *rule, const dosage_dose_patient *p,
	 int64_t at_ms, dosage_dose_result *r)
{
	const char *name = dosage_lab_name(rule->analyte);
	const char *unit = lab_units[rule->analyte];
	double v = p->labs[rule->analyte].value;
	int64_t at = p->labs[rule->analyte].at_ms;
	bool over = rule->is_max ? v > rule->limit : v < rule->limit;
	const char *side = rule->is_max ? "above" : "below";
	char why[DOSAGE_DOSE_REASON_MAX];

	if (no_value(rule, p, r))
		return;
	if (at < med_time_add_ms(at_ms, -rule->max_age_ms)) {
		/* A stale value that said stop still says it: only a new
		 * value may end the stop. */
		if (over && rule->stop)
			dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, v,
					rule->limit,
					"last %s %.4g%s, %lld h old, was %s "
					"the stop %.4g: "
					"chart a new value",
					name, v, unit,
					(long long)((at_ms - at) / HOUR_MS),
					side, rule->limit);
		else {
			snprintf(why, sizeof(why),
				 "%s %.4g%s is older than %lld h", name, v,
				 unit, (long long)(rule->max_age_ms / HOUR_MS));
			lack(rule, r, why);
		}
		return;
	}
	if (over && rule->origin != NULL)
		dosage_dose_set(r,
				rule->stop ? DOSAGE_DOSE_HARD_STOP
					   : DOSAGE_DOSE_WARN,
				v, rule->limit, "%s %.4g%s %s %.4g (%s)", name,
				v, unit, side, rule->limit, rule->origin);
	else if (over)
		dosage_dose_set(
			r,
			rule->stop ? DOSAGE_DOSE_HARD_STOP : DOSAGE_DOSE_WARN,
			v, rule->limit, "%s %.4g%s %s %.4g (lab_rules %s)",
			name, v, unit, side, rule->limit,
			rule->stop ? "stop" : "warn");
	else
		dosage_dose_set(r, DOSAGE_DOSE_OK, v, rule->limit,
				"%s %.4g%s not %s %.4g", name, v, unit, side,
				rule->limit);
}

void
dosage_dose_check_lab(const dosage_dose_limits *l, const dosage_dose_patient *p,
		      int64_t at_ms, dosage_dose_result *r)
{
	if (l->n_lab_rules == 0) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"no lab rules for the drug or its substances");
		return;
	}
	if (!p->labs_known) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"the record is not read: lab values unknown");
		return;
	}
	r->status = DOSAGE_DOSE_NOT_APPLICABLE;
	for (size_t i = 0; i < l->n_lab_rules; i++) {
		dosage_dose_result one = {.check = r->check};

		one_rule(&l->lab_rules[i], p, at_ms, &one);
		if (severity(one.status) > severity(r->status))
			*r = one;
	}
}

/* --- pregnancy
 * ---------------------------------------------------------------- */

/* childbearing: is p a woman of the ages the hospital counts as
 * childbearing (an unknown age cannot rule her out)? */
static bool
childbearing(const dosage_dose_patient *p)
{
	if (p->sex != 'F' || p->childbearing_max_years <= 0)
		return false;
	return !p->has_age || (p->age_years >= p->childbearing_min_years &&
			       p->age_years <= p->childbearing_max_years);
}

/* status_unknown: "not known to be pregnant" is not "not pregnant" for a
 * teratogen newly given to a woman of childbearing age: a contraindicated
 * drug stops until a status or a test is recorded or a
 * pregnancy-prevention programme is confirmed (issue 72). */
static bool
status_unknown(const dosage_dose_limits *l, const dosage_dose_patient *p)
{
	return l->pregnancy == DOSAGE_PREGNANCY_CONTRAINDICATED &&
	       childbearing(p) && !p->pregnancy_recorded &&
	       !p->pregnancy_prevention;
}

/* pregnancy_ok says why a patient not known to be pregnant passes. */
static void
pregnancy_ok(const dosage_dose_patient *p, dosage_dose_result *r)
{
	if (!p->pregnancy_recorded && p->pregnancy_prevention)
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
				"no pregnancy recorded; a pregnancy-prevention "
				"programme is confirmed");
	else
		dosage_dose_set(
			r, DOSAGE_DOSE_OK, 0, 0,
			"no pregnancy on the problem list or by a test");
}

void
dosage_dose_check_pregnancy(const dosage_dose_limits *l,
			    const dosage_dose_patient *p, dosage_dose_result *r)
{
	const char *src = l->pregnancy_source && l->pregnancy_source[0]
				  ? l->pregnancy_source
				  : "catalogue";

	if (l->pregnancy == DOSAGE_PREGNANCY_NONE)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"no pregnancy rule in the catalogue");
	else if (p->sex == 'M')
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0, "registered male");
	else if (p->pregnant)
		dosage_dose_set(
			r,
			l->pregnancy == DOSAGE_PREGNANCY_CONTRAINDICATED
				? DOSAGE_DOSE_HARD_STOP
				: DOSAGE_DOSE_WARN,
			1, 0,
			"%s in pregnancy; patient pregnant (%s); source: %s",
			l->pregnancy == DOSAGE_PREGNANCY_CONTRAINDICATED
				? "contraindicated"
				: "to be avoided",
			p->pregnancy_evidence ? p->pregnancy_evidence : "?",
			src);
	else if (status_unknown(l, p))
		dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, 0,
				"contraindicated in pregnancy; no pregnancy "
				"status recorded: record a status or a "
				"negative test, or confirm a "
				"pregnancy-prevention programme");
	else if (!p->pregnancy_known)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"problem list not read: pregnancy unknown");
	else
		pregnancy_ok(p, r);
}
