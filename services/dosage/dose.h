/*
 * dose.h - dose-safety rules of the dosage service: pure functions, no I/O, no
 * clock.
 *
 * The dosage service gathers the drug's limits, the patient's context and
 * the administration history, converts the dose into the drug's unit and
 * asks dosage_dose_evaluate for one result per check.  Every check answers
 * ok, warn, hard_stop or not_checked with a reason; a check that lacks its
 * data (no weight, a stale creatinine clearance, no limit in the catalogue)
 * says not_checked and why, never ok.
 *
 * Thresholds: a quantity at or above DOSAGE_DOSE_WARN_FRACTION (90 %) of a
 * maximum warns; above the maximum is a hard stop (comparisons allow a
 * relative 1e-9 so that "exactly the maximum" survives unit conversion).
 * Below the single-dose minimum warns (a likely underdose or unit slip).
 * A gap to the nearest other administration shorter than the minimum
 * interval is a hard stop.  Renal bands: the first band, in ascending
 * crcl_below order, with crcl < crcl_below applies; its factor scales the
 * single and 24-h maxima; factor 0 means contraindicated (hard stop).
 * Body measurements older than DOSAGE_DOSE_BODY_MAX_AGE_MS and a creatinine
 * clearance older than DOSAGE_DOSE_CRCL_MAX_AGE_MS are not used.
 */
#ifndef DOSAGE_DOSE_H
#define DOSAGE_DOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

#define DOSAGE_DOSE_WARN_FRACTION   0.9
#define DOSAGE_DOSE_BODY_MAX_AGE_MS (30LL * 24 * 3600 * 1000)
#define DOSAGE_DOSE_CRCL_MAX_AGE_MS (7LL * 24 * 3600 * 1000)
#define DOSAGE_DOSE_DAY_MS	    (24LL * 3600 * 1000)
#define DOSAGE_DOSE_MAX_BANDS	    4
#define DOSAGE_DOSE_REASON_MAX	    160

/* dosage_dose_dim - what a unit measures; only equal dimensions convert. */
typedef enum dosage_dose_dim {
	DOSAGE_DOSE_DIM_MASS = 1,   /* base mg */
	DOSAGE_DOSE_DIM_VOLUME = 2, /* base mL */
	DOSAGE_DOSE_DIM_UNITS = 3,  /* base unit (international units) */
} dosage_dose_dim;

/* dosage_dose_unit - a parsed unit: its UCUM code and factor to the base. */
typedef struct dosage_dose_unit {
	const char
		*ucum; /* canonical UCUM code: "g" "mg" "ug" "L" "mL" "[iU]" */
	dosage_dose_dim dim;
	double factor;
} dosage_dose_unit;

/*
 * dosage_dose_unit_parse accepts g, mg, ug, mcg, µg (as "ug"), L, mL, and
 * [iU], IU, unit, units (all as "[iU]").  Errors: MED_ERR_INVALID.
 */
med_err dosage_dose_unit_parse(const char *s,
			       dosage_dose_unit *out) MED_MUST_CHECK;

/*
 * dosage_dose_convert converts v from unit from into unit to.  Errors:
 * MED_ERR_INVALID (unknown unit, or dimensions differ: mg cannot become
 * mL without a concentration).
 */
med_err dosage_dose_convert(double v, const char *from, const char *to,
			    double *out) MED_MUST_CHECK;

/*
 * How early a dose may come on its order's schedule: a quarter of the
 * interval, at most an hour (q6h: from 5 h; q2h: from 1.5 h), the slack a
 * ward round needs and no more.
 */
#define DOSAGE_DOSE_ORDER_TOLERANCE	   0.25
#define DOSAGE_DOSE_ORDER_TOLERANCE_MAX_MS (3600LL * 1000)

/* dosage_dose_order_min_gap_ms is the shortest gap an order of interval_ms
 * allows between two of its doses (0 for none). */
int64_t dosage_dose_order_min_gap_ms(int64_t interval_ms);

/* dosage_dose_band - renal adjustment: below crcl_below mL/min, scale by
 * factor (0 = contraindicated). */
typedef struct dosage_dose_band {
	double crcl_below;
	double factor;
} dosage_dose_band;

/*
 * dosage_dose_bands_parse reads "30:0.5;10:0" (crcl_below:factor pairs) into
 * bands sorted by crcl_below; "" gives none.  Errors: MED_ERR_INVALID
 * (syntax, crcl_below not in (0, 200], factor not in [0, 1], duplicates),
 * MED_ERR_LIMIT (more than cap).
 */
med_err dosage_dose_bands_parse(const char *s, dosage_dose_band *bands,
				size_t cap, size_t *n) MED_MUST_CHECK;

/* dosage_dose_bands_sort orders bands by crcl_below, ascending. */
void dosage_dose_bands_sort(dosage_dose_band *bands, size_t n);

/* dosage_dose_limits - a drug's limits in its own unit; 0 means none. */
typedef struct dosage_dose_limits {
	const char *unit; /* the drug's unit, for reasons */
	double single_min, single_max, max_24h;
	double max_per_kg;     /* per dose, unit/kg */
	double max_per_kg_24h; /* per 24 h, unit/kg */
	double max_per_m2;     /* per dose, unit/m2 */
	int64_t min_interval_ms;
	/* order_interval_ms: the interval of the order the dose is given
	 * under (q6h: 6 h; 0 for none, "once" and PRN).  A dose earlier than
	 * it less DOSAGE_DOSE_ORDER_TOLERANCE is as much a hard stop as one
	 * inside min_interval_ms. */
	int64_t order_interval_ms;
	double lifetime_max;
	dosage_dose_band
		bands[DOSAGE_DOSE_MAX_BANDS]; /* ascending crcl_below */
	size_t n_bands;
	bool high_alert;
	const char *substance;	/* for the allergy check; may be "" */
	const char *drug_class; /* for the allergy check; may be "" */
} dosage_dose_limits;

/* dosage_dose_patient - what is known of the patient; has_* say which. */
typedef struct dosage_dose_patient {
	bool has_weight, has_height, has_crcl, allergies_known;
	double weight_kg, height_cm, crcl_ml_min;
	int64_t measured_ms;	      /* when the measurements were taken */
	const char *const *allergies; /* substances or classes */
	size_t n_allergies;
} dosage_dose_patient;

/* dosage_dose_history - earlier administrations of the drug to the patient. */
typedef struct dosage_dose_history {
	double given_24h;	/* in the drug's unit: the most given in any
				   24 h that contains at (see below) */
	double given_lifetime;	/* in the drug's unit, all time */
	bool has_nearest;	/* another administration exists */
	int64_t nearest_gap_ms; /* |at - its time| for the nearest one */
} dosage_dose_history;

/*
 * dosage_dose_worst_24h returns the most given in any 24 h window (e - 24 h,
 * e] that also holds a new dose at at_ms: the windows ending at at_ms and
 * at every administration in [at_ms, at_ms + 24 h).  So a dose charted
 * late, between others, is counted against the doses after it too.
 * t_ms[i] and amount[i] (in the drug's unit) are the other
 * administrations, in any order; those outside (at - 24 h, at + 24 h)
 * count in no such window.
 */
double dosage_dose_worst_24h(const int64_t *t_ms, const double *amount,
			     size_t n, int64_t at_ms);

/* dosage_dose_check - the checks, in the order dosage_dose_evaluate writes. */
typedef enum dosage_dose_check {
	DOSAGE_DOSE_CHECK_SINGLE_MIN = 1,
	DOSAGE_DOSE_CHECK_SINGLE_MAX = 2,
	DOSAGE_DOSE_CHECK_DAILY_MAX = 3,
	DOSAGE_DOSE_CHECK_PER_KG = 4,
	DOSAGE_DOSE_CHECK_PER_M2 = 5,
	DOSAGE_DOSE_CHECK_INTERVAL = 6,
	DOSAGE_DOSE_CHECK_RENAL = 7,
	DOSAGE_DOSE_CHECK_LIFETIME = 8,
	DOSAGE_DOSE_CHECK_ALLERGY = 9,
	DOSAGE_DOSE_CHECK_HIGH_ALERT = 10,
} dosage_dose_check;

#define DOSAGE_DOSE_N_CHECKS 10

/* dosage_dose_status - the outcome of one check (values match the proto). */
typedef enum dosage_dose_status {
	DOSAGE_DOSE_OK = 1,
	DOSAGE_DOSE_WARN = 2,
	DOSAGE_DOSE_HARD_STOP = 3,
	DOSAGE_DOSE_NOT_CHECKED = 4,
} dosage_dose_status;

/* dosage_dose_result - one check's outcome. */
typedef struct dosage_dose_result {
	dosage_dose_check check;
	dosage_dose_status status;
	double value; /* the quantity compared (0 when not applicable) */
	double limit; /* the limit it was compared with (0 when none) */
	char reason[DOSAGE_DOSE_REASON_MAX];
} dosage_dose_result;

/* dosage_dose_bsa_m2 is the Mosteller body surface area sqrt(cm * kg / 3600).
 */
double dosage_dose_bsa_m2(double height_cm, double weight_kg);

/*
 * dosage_dose_evaluate runs every check for dose (in l->unit) given at at_ms
 * and writes DOSAGE_DOSE_N_CHECKS results in dosage_dose_check order.
 */
void dosage_dose_evaluate(const dosage_dose_limits *l,
			  const dosage_dose_patient *p,
			  const dosage_dose_history *h, double dose,
			  int64_t at_ms,
			  dosage_dose_result out[DOSAGE_DOSE_N_CHECKS]);

/* dosage_dose_worst returns the most severe status: hard_stop, then warn,
 * then not_checked, then ok. */
dosage_dose_status dosage_dose_worst(const dosage_dose_result *r, size_t n);

/* dosage_dose_check_name returns "single_max" etc. */
const char *dosage_dose_check_name(dosage_dose_check c);

/* dosage_dose_status_name returns "ok", "warn", "hard_stop", "not_checked". */
const char *dosage_dose_status_name(dosage_dose_status s);

/*
 * dosage_dose_frequency_parse reads an order frequency: "qNh" (N in 1..72),
 * "daily"/"qd", "bid", "tid", "qid", "once", "prn" (case-insensitive).
 * *interval_ms is the time between doses (0 for "once" and "prn"); *prn
 * is set for "prn".  Errors: MED_ERR_INVALID.
 */
med_err dosage_dose_frequency_parse(const char *s, int64_t *interval_ms,
				    bool *prn) MED_MUST_CHECK;

#endif
