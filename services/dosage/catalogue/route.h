/*
 * route.h - route, push and concentration rules of a product (issue 30):
 * products given only as an infusion with a rate (ISMP's concentrated
 * electrolytes), the concentration an infusion runs at, and its rate in
 * the drug's unit per hour through the bag.  Pure functions, no I/O.
 *
 * An infusion's concentration is that of the bag the order names
 * (infusion_bag_amount in infusion_bag_volume_ml), else the product's own
 * (concentration_amount in concentration_volume_ml: given undiluted).  A
 * volume rate (mL/h) is an amount through that same concentration, so
 * 250 mL/h of 20 mmol in 500 mL is 10 mmol/h, never 500 mmol/h through
 * the concentrate's 2 mmol/mL.
 */
#ifndef DOSAGE_ROUTE_H
#define DOSAGE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include <med/err.h>

#include "dosage.h"
#include "units.h"

/* The largest bag an order may name, mL. */
#define DOSAGE_BAG_MAX_ML 5000.0

/* dosage_route_is_push: does route name a push or bolus ("iv_push",
 * "IV push", "ivp", "iv_bolus", "bolus", "push", "iv_injection")?  Case,
 * spaces, '-' and '_' are not told apart. */
bool dosage_route_is_push(const char *route);

/*
 * dosage_route_problem: may o (its route and rate) be given of d?  An
 * infusion-only product needs an infusion rate and a route that is no
 * push.  A problem (FAILED_PRECONDITION, field "order.infusion_rate" or
 * "order.route") fills p and returns its err.
 */
med_err dosage_route_problem(const dosage_drug *d, const dosage_order *o,
			     med_problem *p) MED_MUST_CHECK;

/* dosage_bag_problem checks the shape of o's bag: none, or an amount and
 * a volume above 0 (at most DOSAGE_BAG_MAX_ML) with an infusion rate
 * (INVALID otherwise). */
med_err dosage_bag_problem(const dosage_order *o,
			   med_problem *p) MED_MUST_CHECK;

/*
 * dosage_infusion_concentration gives the drug's unit per mL that an
 * infusion of d under o runs at: o's bag (its amount converted from o's
 * unit), else d's own concentration.  False when neither is known.
 */
bool dosage_infusion_concentration(const dosage_drug *d, const dosage_order *o,
				   double *per_ml);

/*
 * dosage_concentration_problem checks the infusion of d under o against
 * d's infusion_max_concentration: too concentrated, or of no known
 * concentration, is a problem (FAILED_PRECONDITION, field
 * "order.infusion_bag_volume_ml").
 * No limit: no problem.  (At order entry it applies to infusion orders,
 * those with a rate; StartInfusion applies it to every infusion.)
 */
med_err dosage_concentration_problem(const dosage_drug *d,
				     const dosage_order *o,
				     med_problem *p) MED_MUST_CHECK;

/*
 * dosage_rate_to_drug_unit converts amount per hour (in unit, a dose
 * unit: "mL", "mmol") of d under o into d's unit per hour: a volume
 * through o's bag, else d's concentration.  MED_ERR_INVALID when it does
 * not convert.
 */
med_err dosage_rate_to_drug_unit(const dosage_drug *d, const dosage_order *o,
				 double amount, const char *unit,
				 double *out) MED_MUST_CHECK;

/*
 * dosage_order_rate_per_hour is o's prescribed rate (its titration
 * maximum when it has one) in d's unit per hour, for a patient of
 * weight_kg (0: none known).  MED_ERR_NOT_FOUND for a per-kg rate without
 * a weight; MED_ERR_INVALID when it does not convert.
 */
med_err dosage_order_rate_per_hour(const dosage_drug *d, const dosage_order *o,
				   double weight_kg,
				   double *per_hour) MED_MUST_CHECK;

/*
 * dosage_order_rate_problem checks o's prescribed rate (per_hour, in d's
 * unit) against d's infusion_rate_ceiling: above it is a problem
 * (FAILED_PRECONDITION, field "order.infusion_rate").
 */
med_err dosage_order_rate_problem(const dosage_drug *d, const dosage_order *o,
				  double per_hour,
				  med_problem *p) MED_MUST_CHECK;

/* dosage_route_drug_problem checks a catalogue entry's route fields:
 * infusion_max_concentration from 0 to 1e6 of an amount unit per mL
 * (INVALID otherwise). */
med_err dosage_route_drug_problem(const dosage_drug *d,
				  med_problem *p) MED_MUST_CHECK;

/* dosage_push_problem: may a dose of d not be charted as a dose
 * (RecordAdministration, CosignAdministration)?  A problem
 * (FAILED_PRECONDITION, field "order_id") for an infusion-only drug. */
med_err dosage_push_problem(const dosage_drug *d,
			    med_problem *p) MED_MUST_CHECK;

#endif
