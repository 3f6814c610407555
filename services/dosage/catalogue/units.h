/*
 * units.h - the units a dose, a strength and an infusion rate are written
 * in: their parsing and conversion (units.c).  Pure functions, no I/O.
 * The catalogue validates a drug's units with them and the checks convert
 * doses with them, so they sit at the bottom of the catalogue.
 */
#ifndef DOSAGE_UNITS_H
#define DOSAGE_UNITS_H

#include <stdbool.h>
#include <med/err.h>

/* dosage_dose_dim - what a unit measures; only equal dimensions convert. */
typedef enum dosage_dose_dim {
	DOSAGE_DOSE_DIM_MASS = 1,   /* base mg */
	DOSAGE_DOSE_DIM_VOLUME = 2, /* base mL */
	DOSAGE_DOSE_DIM_UNITS = 3,  /* base unit (international units) */
	DOSAGE_DOSE_DIM_TABLET = 4, /* counted: tablets */
	DOSAGE_DOSE_DIM_CAPSULE = 5,
	DOSAGE_DOSE_DIM_MMOL = 6, /* base mmol (amount of substance) */
	DOSAGE_DOSE_DIM_MEQ = 7,  /* base mEq (UCUM "meq") */
} dosage_dose_dim;

/* dosage_dose_unit - a parsed unit: its UCUM code and factor to the base. */
typedef struct dosage_dose_unit {
	/* canonical code: "g" "mg" "ug" "L" "mL" "[iU]" "mmol" "meq"
	 * "tablet" "capsule" */
	const char *ucum;
	dosage_dose_dim dim;
	double factor;
} dosage_dose_unit;

/*
 * dosage_dose_unit_parse accepts g, mg, ug, mcg, µg (as "ug"), L, mL,
 * [iU], IU, unit, units (all as "[iU]"), mmol, mEq and meq (as "meq"),
 * tablet(s) and capsule(s).  Errors: MED_ERR_INVALID.
 */
med_err dosage_dose_unit_parse(const char *s,
			       dosage_dose_unit *out) MED_MUST_CHECK;

/*
 * dosage_dose_number reads the whole of s as a finite decimal number; a
 * number below the smallest normal double reads as its nearest value
 * (strtod's ERANGE on underflow is no error here).  False otherwise.
 */
bool dosage_dose_number(const char *s, double *out);

/*
 * dosage_dose_convert converts v from unit from into unit to.  Errors:
 * MED_ERR_INVALID (unknown unit, or dimensions differ: mg cannot become
 * mL without a concentration).
 */
med_err dosage_dose_convert(double v, const char *from, const char *to,
			    double *out) MED_MUST_CHECK;

/* dosage_dose_dim_is_amount: does dim measure an amount of substance a
 * strength or concentration may be stated in (mass, [iU], mmol, mEq), as
 * opposed to a volume or a counted form? */
bool dosage_dose_dim_is_amount(dosage_dose_dim dim);

/* dosage_dose_dim_is_molar: is dim mmol or mEq? */
bool dosage_dose_dim_is_molar(dosage_dose_dim dim);

/* dosage_rate_unit - a parsed rate unit. */
typedef struct dosage_rate_unit {
	dosage_dose_unit amount; /* mass, volume, [iU], mmol or mEq */
	bool per_kg;
	double per_hour; /* how many of the unit's time spans in an hour */
} dosage_rate_unit;

/*
 * dosage_rate_unit_parse reads "<amount>[/kg]/<h|min>" (amount: a mass,
 * volume, [iU], mmol or mEq unit that dosage_dose_unit_parse knows).  Errors:
 * MED_ERR_INVALID.
 */
med_err dosage_rate_unit_parse(const char *s,
			       dosage_rate_unit *out) MED_MUST_CHECK;

/*
 * dosage_rate_amount_per_hour is rate (in u) as an amount of u's amount
 * unit per hour, for a patient of weight_kg (used only when u is per kg).
 */
double dosage_rate_amount_per_hour(const dosage_rate_unit *u, double rate,
				   double weight_kg);

#endif
