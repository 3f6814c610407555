/*
 * route.c - route, push and concentration rules of a product (route.h),
 * and a dose in another unit converted into the drug's own, directly or
 * through its concentration (catalogue.h's dosage_drug_convert).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "route.h"
#include "catalogue.h"

/* The slack that lets "exactly the limit" survive unit conversion, as the
 * dose and rate checks allow. */
#define ROUTE_EPSILON 1e-9

/* REFUSE: a rule an order or dose breaks (FAILED_PRECONDITION);
 * INVALID: a malformed order or catalogue field (INVALID_ARGUMENT). */
#define REFUSE(f, ...)                                                         \
	return med_problem_set(p, MED_ERR_PRECONDITION, (f), __VA_ARGS__)
#define INVALID(f, ...)                                                        \
	return med_problem_set(p, MED_ERR_INVALID, (f), __VA_ARGS__)

/* Route names that mean a push or bolus, folded (lower case, no ' ', '-'
 * or '_'): a ward writes "IV push", "iv_push", "IVP" for the same. */
static const char *const push_routes[] = {
	"ivpush", "ivp", "push", "ivbolus", "bolus", "ivinjection", "ivinj",
};

/* fold copies route into out lower-cased without ' ', '-' and '_'; false
 * when it does not fit. */
static bool
fold(const char *route, char *out, size_t cap)
{
	size_t n = 0;

	for (; *route; route++) {
		if (*route == ' ' || *route == '-' || *route == '_')
			continue;
		if (n + 1 >= cap)
			return false;
		out[n++] = (char)tolower((unsigned char)*route);
	}
	out[n] = '\0';
	return true;
}

med_err
dosage_drug_convert(const dosage_drug *drug, double dose, const char *unit,
		    double *out)
{
	double ml;

	if (dosage_dose_convert(dose, unit, drug->unit, out) == MED_OK)
		return MED_OK;
	/* A volume of a liquid is an amount through its concentration. */
	if (drug->concentration_amount <= 0 ||
	    drug->concentration_volume_ml <= 0 ||
	    dosage_dose_convert(dose, unit, "mL", &ml) != MED_OK)
		return MED_ERR_INVALID;
	*out = ml * drug->concentration_amount / drug->concentration_volume_ml;
	return MED_OK;
}

bool
dosage_route_is_push(const char *route)
{
	char f[48];

	if (route == NULL || !fold(route, f, sizeof(f)))
		return false;
	for (size_t i = 0; i < sizeof(push_routes) / sizeof(push_routes[0]);
	     i++)
		if (strcmp(f, push_routes[i]) == 0)
			return true;
	return false;
}

med_err
dosage_route_problem(const dosage_drug *d, const dosage_order *o,
		     med_problem *p)
{
	if (!d->infusion_only)
		return MED_OK;
	if (dosage_route_is_push(o->route))
		REFUSE("order.route",
		       "%s is infusion only (infusion_only: never a push or "
		       "bolus); route '%.40s' is a push",
		       d->code, o->route);
	if (o->infusion_rate <= 0)
		REFUSE("order.infusion_rate",
		       "%s is infusion only (infusion_only: a concentrated "
		       "electrolyte is never given as a push or without a "
		       "rate); order it as an infusion with infusion_rate "
		       "and infusion_rate_unit",
		       d->code);
	return MED_OK;
}

med_err
dosage_bag_problem(const dosage_order *o, med_problem *p)
{
	double amount = o->infusion_bag_amount, ml = o->infusion_bag_volume_ml;

	if (amount == 0 && ml == 0)
		return MED_OK;
	if (!isfinite(amount) || amount <= 0 || amount > 1e6)
		INVALID("order.infusion_bag_amount",
			"must be a positive number up to 1e6 (with "
			"infusion_bag_volume_ml)");
	if (!isfinite(ml) || ml <= 0 || ml > DOSAGE_BAG_MAX_ML)
		INVALID("order.infusion_bag_volume_ml",
			"must be above 0 and at most %g mL (with "
			"infusion_bag_amount)",
			DOSAGE_BAG_MAX_ML);
	if (o->infusion_rate <= 0)
		INVALID("order.infusion_bag_amount",
			"only for an infusion order (with infusion_rate)");
	return MED_OK;
}

bool
dosage_infusion_concentration(const dosage_drug *d, const dosage_order *o,
			      double *per_ml)
{
	double amount;

	if (o != NULL && o->infusion_bag_volume_ml > 0) {
		if (dosage_drug_convert(d, o->infusion_bag_amount, o->unit,
					&amount) != MED_OK)
			return false;
		*per_ml = amount / o->infusion_bag_volume_ml;
		return true;
	}
	if (d->concentration_amount > 0 && d->concentration_volume_ml > 0) {
		*per_ml = d->concentration_amount / d->concentration_volume_ml;
		return true;
	}
	return false;
}

med_err
dosage_concentration_problem(const dosage_drug *d, const dosage_order *o,
			     med_problem *p)
{
	double max = d->infusion_max_concentration, per_ml;

	if (max <= 0)
		return MED_OK;
	if (!dosage_infusion_concentration(d, o, &per_ml))
		REFUSE("order.infusion_bag_volume_ml",
		       "%s has a maximum concentration of %g %s/mL "
		       "(infusion_max_concentration); name the bag "
		       "(infusion_bag_amount in infusion_bag_volume_ml)",
		       d->code, max, d->unit);
	if (per_ml > max * (1 + ROUTE_EPSILON))
		REFUSE(o->infusion_bag_volume_ml > 0
			       ? "order.infusion_bag_volume_ml"
			       : "order.infusion_bag_amount",
		       "%.4g %s/mL is above %s's maximum concentration of "
		       "%g %s/mL (%g %s/L); dilute it further",
		       per_ml, d->unit, d->code, max, d->unit, max * 1000,
		       d->unit);
	return MED_OK;
}

med_err
dosage_rate_to_drug_unit(const dosage_drug *d, const dosage_order *o,
			 double amount, const char *unit, double *out)
{
	dosage_dose_unit u;
	double ml, per_ml;

	if (dosage_dose_unit_parse(unit, &u) != MED_OK)
		return MED_ERR_INVALID;
	if (u.dim != DOSAGE_DOSE_DIM_VOLUME || o == NULL ||
	    o->infusion_bag_volume_ml <= 0)
		return dosage_drug_convert(d, amount, unit, out);
	if (dosage_dose_convert(amount, unit, "mL", &ml) != MED_OK ||
	    !dosage_infusion_concentration(d, o, &per_ml))
		return MED_ERR_INVALID;
	*out = ml * per_ml;
	return MED_OK;
}

med_err
dosage_order_rate_per_hour(const dosage_drug *d, const dosage_order *o,
			   double weight_kg, double *per_hour)
{
	dosage_rate_unit u;
	double rate = o->infusion_rate_max > 0 ? o->infusion_rate_max
					       : o->infusion_rate;

	if (dosage_rate_unit_parse(o->infusion_rate_unit, &u) != MED_OK)
		return MED_ERR_INVALID;
	if (u.per_kg && weight_kg <= 0)
		return MED_ERR_NOT_FOUND;
	return dosage_rate_to_drug_unit(
		d, o, dosage_rate_amount_per_hour(&u, rate, weight_kg),
		u.amount.ucum, per_hour);
}

med_err
dosage_order_rate_problem(const dosage_drug *d, const dosage_order *o,
			  double per_hour, med_problem *p)
{
	double ceiling = d->infusion_rate_ceiling;

	if (ceiling > 0 && per_hour > ceiling * (1 + ROUTE_EPSILON))
		REFUSE(o->infusion_rate_max > 0 ? "order.infusion_rate_max"
						: "order.infusion_rate",
		       "%.4g %s/h is above %s's infusion_rate_ceiling of %g "
		       "%s/h; no override passes it",
		       per_hour, d->unit, d->code, ceiling, d->unit);
	return MED_OK;
}

med_err
dosage_route_drug_problem(const dosage_drug *d, med_problem *p)
{
	double max = d->infusion_max_concentration;
	dosage_dose_unit u;

	if (max == 0)
		return MED_OK;
	if (!isfinite(max) || max < 0 || max > 1e6)
		INVALID("infusion_max_concentration",
			"must be a number from 0 to 1e6 (%s per mL)", d->unit);
	if (dosage_dose_unit_parse(d->unit, &u) != MED_OK ||
	    !dosage_dose_dim_is_amount(u.dim))
		INVALID("infusion_max_concentration",
			"only for a drug whose unit is a mass, [iU], mmol or "
			"mEq, not %s",
			d->unit);
	return MED_OK;
}

med_err
dosage_push_problem(const dosage_drug *d, med_problem *p)
{
	if (!d->infusion_only)
		return MED_OK;
	return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
			       "%s is infusion only (infusion_only: never "
			       "given as a push or bolus dose); chart it with "
			       "StartInfusion at its rate",
			       d->code);
}
