/*
 * plausible.c - whether the facts a dose check uses can be believed (see
 * dose.h, "plausible facts"): a weight against the patient's age and
 * against the previous weight, the weight's age the drug allows, and the
 * renal function a check compares with its bands (creatinine clearance,
 * or an eGFR as the lab reports it).  Pure functions.
 */
#include <med/util.h>

#include "dose.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)
/* A month of age, in days, for the table below (365.25 / 12). */
#define MONTH_DAYS 30.4375

/*
 * Plausible weight for age, both sexes together: a weight outside is far
 * more likely a slip (3.5 kg charted as 35, pounds charted as kilograms)
 * than the patient.  Upper bounds: the WHO Child Growth Standards'
 * weight-for-age +3 SD (99.87th percentile) to 5 years, the higher of
 * girls and boys, and beyond 5 years above the CDC 2000 weight-for-age
 * 97th percentile with room for severe obesity; every value rounded
 * outward.  Lower bounds: below the WHO -3 SD (0.13th percentile) and the
 * CDC 3rd percentile, and in the first months low enough for a preterm
 * infant (Fenton: about 0.4 kg at 22 weeks), whose age here is counted
 * from birth.  These are screening bounds that catch a decimal or unit
 * slip, not a nutritional assessment; docs/dose-safety.md has the table.
 */
static const struct {
	double months; /* age at this row; between rows linear */
	double lo_kg, hi_kg;
} weight_for_age[] = {
	{0, 0.3, 5.5}, {1, 0.3, 7.5},  {2, 0.4, 9},    {3, 0.5, 10},
	{4, 0.7, 11},  {6, 1.5, 12},   {9, 2.5, 13.5}, {12, 3.5, 15},
	{18, 4.5, 17}, {24, 5.5, 19},  {36, 7, 23},    {48, 8, 27},
	{60, 9, 32},   {72, 10, 40},   {96, 12, 55},   {120, 14, 70},
	{144, 17, 90}, {168, 21, 110}, {192, 25, 130}, {216, 25, 350},
};
#define N_WFA (sizeof(weight_for_age) / sizeof(weight_for_age[0]))

void
dosage_dose_weight_bounds(int64_t age_days, double *lo_kg, double *hi_kg)
{
	double m = (double)(age_days < 0 ? 0 : age_days) / MONTH_DAYS;

	for (size_t i = 1; i < N_WFA; i++) {
		double m0 = weight_for_age[i - 1].months;
		double m1 = weight_for_age[i].months, f;

		if (m >= m1)
			continue;
		f = (m - m0) / (m1 - m0);
		*lo_kg = weight_for_age[i - 1].lo_kg +
			 f * (weight_for_age[i].lo_kg -
			      weight_for_age[i - 1].lo_kg);
		*hi_kg = weight_for_age[i - 1].hi_kg +
			 f * (weight_for_age[i].hi_kg -
			      weight_for_age[i - 1].hi_kg);
		return;
	}
	*lo_kg = weight_for_age[N_WFA - 1].lo_kg;
	*hi_kg = weight_for_age[N_WFA - 1].hi_kg;
}

int64_t
dosage_dose_weight_max_age_ms(const dosage_dose_limits *l)
{
	return l->weight_max_age_ms > 0 ? l->weight_max_age_ms
					: DOSAGE_DOSE_BODY_MAX_AGE_MS;
}

/* age_text writes an age as a ward says it ("4 months", "12 days"). */
static void
age_text(int64_t days, int years, char *out, size_t len)
{
	if (years >= 2)
		snprintf(out, len, "%d years", years);
	else if (days >= 61)
		snprintf(out, len, "%d months", (int)(days / MONTH_DAYS));
	else
		snprintf(out, len, "%lld days", (long long)days);
}

/* implausible_for_age: is p's weight outside the bounds of its age?
 * (why says so, naming the rule). */
static bool
implausible_for_age(const dosage_dose_patient *p, char *why, size_t len)
{
	double lo, hi;
	char age[40];

	if (!p->has_age)
		return false;
	dosage_dose_weight_bounds(p->age_days, &lo, &hi);
	if (p->weight_kg >= lo && p->weight_kg <= hi)
		return false;
	age_text(p->age_days, p->age_years, age, sizeof(age));
	snprintf(why, len,
		 "weight %.4g kg implausible at %s (weight_for_age: %.3g-%.3g "
		 "kg); confirm it or chart the right one",
		 p->weight_kg, age, lo, hi);
	return true;
}

/* jumped: does p's weight differ from the previous one (taken within the
 * weight's maximum age before it) by more than the set fraction? */
static bool
jumped(const dosage_dose_patient *p, int64_t max_age_ms, char *why, size_t len)
{
	double change;

	double lo, hi;

	if (!p->has_prev_weight || p->weight_jump_fraction <= 0 ||
	    p->prev_weight_kg <= 0 || p->prev_weight_ms > p->weight_ms ||
	    p->prev_weight_ms < med_time_add_ms(p->weight_ms, -max_age_ms))
		return false;
	/* A previous weight implausible for the age was a slip: the weight
	 * charted after it corrects it and is no jump. */
	if (p->has_age) {
		dosage_dose_weight_bounds(p->age_days, &lo, &hi);
		if (p->prev_weight_kg < lo || p->prev_weight_kg > hi)
			return false;
	}
	change = fabs(p->weight_kg - p->prev_weight_kg) / p->prev_weight_kg;
	if (change <= p->weight_jump_fraction)
		return false;
	snprintf(why, len,
		 "weight %.4g kg is %.0f%% from the previous %.4g kg "
		 "(weight_jump: over %.0f%%); confirm it or chart the right "
		 "one",
		 p->weight_kg, change * 100, p->prev_weight_kg,
		 p->weight_jump_fraction * 100);
	return true;
}

dosage_weight_state
dosage_dose_weight_assess(const dosage_dose_limits *l,
			  const dosage_dose_patient *p, int64_t at_ms,
			  char *why, size_t len)
{
	int64_t max_age_ms = dosage_dose_weight_max_age_ms(l);

	if (!p->has_weight || p->weight_kg <= 0) {
		snprintf(why, len, "weight unknown");
		return DOSAGE_WEIGHT_UNKNOWN;
	}
	if (p->weight_ms < med_time_add_ms(at_ms, -max_age_ms)) {
		snprintf(why, len, "weight older than %lld days%s",
			 (long long)(max_age_ms / DAY_MS),
			 l->weight_max_age_ms > 0 ? " (weight_max_age_days)"
						  : "");
		return DOSAGE_WEIGHT_STALE;
	}
	if (p->weight_confirmed)
		return DOSAGE_WEIGHT_USABLE;
	if (implausible_for_age(p, why, len))
		return DOSAGE_WEIGHT_IMPLAUSIBLE;
	if (jumped(p, max_age_ms, why, len))
		return DOSAGE_WEIGHT_JUMP;
	return DOSAGE_WEIGHT_USABLE;
}

/* --- renal function ------------------------------------------------------
 */

/* fresh_ms: measured at most max_age_ms before at_ms (INT64_MAX: any
 * age). */
static bool
fresh_ms(int64_t measured_ms, int64_t at_ms, int64_t max_age_ms)
{
	return max_age_ms == INT64_MAX ||
	       measured_ms >= med_time_add_ms(at_ms, -max_age_ms);
}

/* take_crcl answers with the creatinine clearance. */
static bool
take_crcl(const dosage_dose_patient *p, dosage_renal_function *f)
{
	f->value = p->crcl_ml_min;
	f->measured_ms = p->crcl_ms;
	snprintf(f->label, sizeof(f->label), "%s",
		 p->crcl_label ? p->crcl_label : "creatinine clearance");
	snprintf(f->unit, sizeof(f->unit), "mL/min");
	return true;
}

/* take_egfr answers with the eGFR: as reported (indexed to 1.73 m2), or
 * de-indexed to the patient's body surface when deindex and the height
 * and a usable weight give one (KDIGO 2012, 4.4: drug dosing by absolute
 * GFR where body size is far from 1.73 m2). */
static bool
take_egfr(const dosage_dose_patient *p, bool deindex, double bsa_m2,
	  dosage_renal_function *f)
{
	f->value = p->egfr_ml_min_173;
	f->measured_ms = p->egfr_ms;
	f->from_egfr = true;
	if (deindex && bsa_m2 > 0) {
		f->value = p->egfr_ml_min_173 * bsa_m2 / 1.73;
		snprintf(f->label, sizeof(f->label),
			 "eGFR %.3g (%s) for %.2g m2", p->egfr_ml_min_173,
			 p->egfr_equation ? p->egfr_equation : "?", bsa_m2);
		snprintf(f->unit, sizeof(f->unit), "mL/min");
		return true;
	}
	snprintf(f->label, sizeof(f->label), "eGFR (%s)",
		 p->egfr_equation ? p->egfr_equation : "?");
	snprintf(f->unit, sizeof(f->unit), "mL/min/1.73m2");
	return true;
}

/* renal_pick chooses the renal function l's basis allows among those at
 * most max_age_ms old: the newest of a creatinine clearance (measured or
 * Cockcroft-Gault) and an eGFR, an eGFR never for crcl_only. */
static bool
renal_pick(const dosage_dose_limits *l, const dosage_dose_patient *p,
	   int64_t at_ms, int64_t max_age_ms, double bsa_m2,
	   dosage_renal_function *f)
{
	bool crcl = p->has_crcl && fresh_ms(p->crcl_ms, at_ms, max_age_ms);
	bool egfr = p->has_egfr && p->egfr_equation && p->egfr_equation[0] &&
		    fresh_ms(p->egfr_ms, at_ms, max_age_ms) &&
		    l->renal_basis != DOSAGE_RENAL_CRCL_ONLY;

	memset(f, 0, sizeof(*f));
	/* The newest evidence wins; at the same time the basis's own. */
	if (crcl && egfr)
		crcl = p->crcl_ms > p->egfr_ms ||
		       (p->crcl_ms == p->egfr_ms &&
			l->renal_basis != DOSAGE_RENAL_EGFR);
	if (crcl)
		return take_crcl(p, f);
	return egfr &&
	       take_egfr(p, l->renal_basis == DOSAGE_RENAL_CRCL, bsa_m2, f);
}

bool
dosage_dose_renal_function(const dosage_dose_limits *l,
			   const dosage_dose_patient *p, int64_t at_ms,
			   double bsa_m2, dosage_renal_function *f)
{
	return renal_pick(l, p, at_ms, DOSAGE_DOSE_CRCL_MAX_AGE_MS, bsa_m2, f);
}

bool
dosage_dose_renal_latest(const dosage_dose_limits *l,
			 const dosage_dose_patient *p, double bsa_m2,
			 dosage_renal_function *f)
{
	return renal_pick(l, p, 0, INT64_MAX, bsa_m2, f);
}
