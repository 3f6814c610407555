/*
 * infusion.c - continuous infusion rates: their limits (infusion.h); their
 * units are parsed and converted by units.c.
 */
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "infusion.h"

/* The slack that lets "exactly the limit" survive unit conversion, as
 * the dose checks allow. */
#define RATE_EPSILON 1e-9

static bool
above(double v, double limit)
{
	return v > limit * (1 + RATE_EPSILON);
}

static void
set_result(dosage_dose_result *r, dosage_dose_status st, double value,
	   double limit)
{
	r->status = st;
	r->value = value;
	r->limit = limit;
}

/* per_kg_check compares the rate per kg with the soft maximum per kg. */
static void
per_kg_check(const dosage_rate_limits *l, const dosage_rate_case *c,
	     dosage_dose_result *r)
{
	double per_kg;

	/* A rate per kg needs a weight, at every age, unless the drug says
	 * warn (issue 47: heparin by weight). */
	if (!c->has_weight) {
		set_result(r,
			   l->weight_missing == DOSAGE_DOSE_POLICY_WARN
				   ? DOSAGE_DOSE_NOT_CHECKED
				   : DOSAGE_DOSE_HARD_STOP,
			   c->per_hour, 0);
		snprintf(r->reason, sizeof(r->reason),
			 "no recorded weight: the maximum of %g %s/kg/h cannot "
			 "be checked",
			 l->max_per_kg_per_hour, l->unit);
		return;
	}
	per_kg = c->per_hour / c->weight_kg;
	if (above(per_kg, l->max_per_kg_per_hour))
		set_result(r, DOSAGE_DOSE_HARD_STOP, per_kg,
			   l->max_per_kg_per_hour);
	else if (per_kg >= DOSAGE_DOSE_WARN_FRACTION * l->max_per_kg_per_hour)
		set_result(r, DOSAGE_DOSE_WARN, per_kg, l->max_per_kg_per_hour);
	else
		set_result(r, DOSAGE_DOSE_OK, per_kg, l->max_per_kg_per_hour);
	snprintf(r->reason, sizeof(r->reason),
		 "rate %.4g %s/kg/h against the soft maximum of %g %s/kg/h",
		 per_kg, l->unit, l->max_per_kg_per_hour, l->unit);
}

/* absolute_check compares the rate with the soft maximum per hour. */
static void
absolute_check(const dosage_rate_limits *l, const dosage_rate_case *c,
	       dosage_dose_result *r)
{
	double v = c->per_hour, max = l->max_per_hour;

	if (above(v, max))
		set_result(r, DOSAGE_DOSE_HARD_STOP, v, max);
	else if (v >= DOSAGE_DOSE_WARN_FRACTION * max)
		set_result(r, DOSAGE_DOSE_WARN, v, max);
	else
		set_result(r, DOSAGE_DOSE_OK, v, max);
	snprintf(r->reason, sizeof(r->reason),
		 "rate %.4g %s/h against the soft maximum of %g %s/h", v,
		 l->unit, max, l->unit);
}

/* worse returns the more severe of a and b (b on a tie). */
static const dosage_dose_result *
worse(const dosage_dose_result *a, const dosage_dose_result *b)
{
	dosage_dose_result pair[2] = {*a, *b};

	return dosage_dose_worst(pair, 2) == b->status ? b : a;
}

/* rate_check runs the soft maxima that are set and keeps the worse; with
 * neither the check does not apply. */
static void
rate_check(const dosage_rate_limits *l, const dosage_rate_case *c,
	   dosage_dose_result *r)
{
	dosage_dose_result abs = {0}, kg = {0};

	if (l->max_per_hour > 0)
		absolute_check(l, c, &abs);
	if (l->max_per_kg_per_hour > 0)
		per_kg_check(l, c, &kg);
	if (l->max_per_hour > 0 && l->max_per_kg_per_hour > 0)
		*r = *worse(&abs, &kg);
	else if (l->max_per_hour > 0)
		*r = abs;
	else if (l->max_per_kg_per_hour > 0)
		*r = kg;
	else {
		set_result(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0);
		snprintf(r->reason, sizeof(r->reason),
			 "no infusion rate limit");
	}
	r->check = DOSAGE_DOSE_CHECK_INFUSION_RATE;
}

/* running_share says what of v the running infusions account for, so
 * that a refusal names the infusion a nurse cannot see in History. */
static void
running_share(const dosage_rate_limits *l, const dosage_rate_case *c,
	      dosage_dose_result *r)
{
	size_t len = strlen(r->reason);
	double share = c->running_24h + c->others_per_hour;

	if (share > 0)
		snprintf(r->reason + len, sizeof(r->reason) - len,
			 "; %.4g %s of it from running infusions", share,
			 l->unit);
}

/* daily_check adds the next hour at the rate, and at the other running
 * infusions' rates, to the last 24 h. */
static void
daily_check(const dosage_rate_limits *l, const dosage_rate_case *c,
	    dosage_dose_result *r)
{
	double v = c->given_24h + c->others_per_hour + c->per_hour;

	r->check = DOSAGE_DOSE_CHECK_DAILY_MAX;
	if (l->max_24h <= 0) {
		set_result(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0);
		snprintf(r->reason, sizeof(r->reason), "no 24-h maximum");
		return;
	}
	if (above(v, l->max_24h))
		set_result(r, DOSAGE_DOSE_HARD_STOP, v, l->max_24h);
	else if (v >= DOSAGE_DOSE_WARN_FRACTION * l->max_24h)
		set_result(r, DOSAGE_DOSE_WARN, v, l->max_24h);
	else
		set_result(r, DOSAGE_DOSE_OK, v, l->max_24h);
	snprintf(r->reason, sizeof(r->reason),
		 "%.4g %s in 24 h with the next hour at this rate, maximum "
		 "%g %s",
		 v, l->unit, l->max_24h, l->unit);
	running_share(l, c, r);
}

bool
dosage_rate_evaluate(const dosage_rate_limits *l, const dosage_rate_case *c,
		     dosage_dose_result out[DOSAGE_RATE_N_CHECKS])
{
	memset(out, 0, sizeof(*out) * DOSAGE_RATE_N_CHECKS);
	rate_check(l, c, &out[0]);
	daily_check(l, c, &out[1]);
	return l->ceiling_per_hour > 0 &&
	       above(c->per_hour, l->ceiling_per_hour);
}

double
dosage_rate_delivered(double per_hour, int64_t from_ms, int64_t to_ms)
{
	if (to_ms <= from_ms || !isfinite(per_hour))
		return 0;
	return per_hour * (double)med_time_sub_ms(to_ms, from_ms) /
	       (double)DOSAGE_HOUR_MS;
}
