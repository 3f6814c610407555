/*
 * infusion.h - continuous infusion rates: their units, their conversion to
 * the drug's unit per hour and their limits.  Pure functions, no I/O, no
 * clock.
 *
 * A rate is an amount per hour or per minute, optionally per kg of body
 * weight: "mL/h", "mg/h", "ug/min", "[iU]/h", "mmol/h", "mEq/h", "mg/kg/h",
 * "ug/kg/min".
 * These are the forms a ward's pumps are set in: volume rates for fluids
 * and syringe drivers, mass or unit rates for heparin and insulin, and
 * microgram per kg per minute for vasoactives.
 *
 * Limits (the catalogue's, in the drug's unit per hour): a soft maximum
 * and a soft maximum per kg, which a rate may pass only with an override
 * (a hard stop in the checks, as a dose limit is); a rate from 90 % of
 * one warns; and a ceiling that no override passes.  The 24-h maximum of
 * the drug counts what was given in the last 24 h (running infusions
 * included) plus the next hour at the new rate and at the rates of the
 * other running infusions.
 */
#ifndef DOSAGE_INFUSION_H
#define DOSAGE_INFUSION_H

#include <stdbool.h>
#include <stdint.h>

#include "dose.h"

#define DOSAGE_HOUR_MS (3600LL * 1000)

/* dosage_rate_limits - a drug's infusion limits, its unit per hour
 * (per kg per hour); 0 = none. */
typedef struct dosage_rate_limits {
	const char *unit; /* the drug's unit, for reasons */
	double max_per_hour, max_per_kg_per_hour, ceiling_per_hour;
	double max_24h;
	dosage_dose_policy weight_missing;
} dosage_rate_limits;

/* dosage_rate_case - a rate to check: in the drug's unit per hour, the
 * patient's weight (has_weight false: none recorded, or stale), what the
 * patient was given in the 24 h up to it (running infusions' uncharted
 * share, running_24h, included) and the next hour of the other infusions
 * of the substance still running (others_per_hour). */
typedef struct dosage_rate_case {
	double per_hour;
	bool has_weight;
	double weight_kg;
	double given_24h;
	double running_24h;
	double others_per_hour;
} dosage_rate_case;

#define DOSAGE_RATE_N_CHECKS 2

/*
 * dosage_rate_evaluate checks c against l into out: the rate check
 * (DOSAGE_DOSE_CHECK_INFUSION_RATE: the soft maxima, the tighter one
 * named) and the 24-h check.  Returns true when the rate is above the
 * ceiling: refused whatever the checks say.
 */
bool dosage_rate_evaluate(const dosage_rate_limits *l,
			  const dosage_rate_case *c,
			  dosage_dose_result out[DOSAGE_RATE_N_CHECKS]);

/* dosage_rate_delivered is what per_hour delivers from from_ms to to_ms
 * (0 when to_ms is not after from_ms). */
double dosage_rate_delivered(double per_hour, int64_t from_ms, int64_t to_ms);

#endif
