/*
 * units.h - the units a dose, a strength, an infusion rate and an order's
 * frequency are written in: their parsing and conversion (units.c); and
 * the bounds of a patient's measurements (bounds.c).  Pure functions, no
 * I/O.  The catalogue validates a drug with them and the checks convert
 * doses with them, so they sit at the bottom, in catalogue/.
 */
#ifndef DOSAGE_UNITS_H
#define DOSAGE_UNITS_H

#include <stdbool.h>
#include <stdint.h>
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

/*
 * dosage_dose_frequency_parse reads an order frequency: "qNh" (N in 1..72),
 * "daily"/"qd", "bid", "tid", "qid", "weekly"/"qweek", "once", "prn"
 * (case-insensitive).
 * *interval_ms is the time between doses (0 for "once" and "prn"); *prn
 * is set for "prn".  Errors: MED_ERR_INVALID.
 */
med_err dosage_dose_frequency_parse(const char *s, int64_t *interval_ms,
				    bool *prn) MED_MUST_CHECK;

/* --- bounds.c: what a measurement of a patient may be ------------------ */

/* Plausible patient measurements: anything outside is a typing error
 * (refused at input) or a bad value in the record (not used). */
#define DOSAGE_WEIGHT_MIN_KG 0.2
#define DOSAGE_WEIGHT_MAX_KG 500.0
#define DOSAGE_HEIGHT_MIN_CM 20.0
#define DOSAGE_HEIGHT_MAX_CM 280.0
#define DOSAGE_CRCL_MIN	     1.0 /* mL/min, for a value above 0 */
#define DOSAGE_CRCL_MAX	     300.0

/* dosage_weight_plausible, dosage_height_plausible, dosage_crcl_plausible:
 * is v within the bounds above (CrCl: 0, or DOSAGE_CRCL_MIN..MAX)? */
bool dosage_weight_plausible(double kg);
bool dosage_height_plausible(double cm);
bool dosage_crcl_plausible(double ml_min);
/* dosage_egfr_plausible: an eGFR from 0 to 300 mL/min/1.73 m2. */
bool dosage_egfr_plausible(double ml_min_173);

#endif
