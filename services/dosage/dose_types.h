/*
 * dose_types.h - the data of a dose check, shared by every folder of the
 * dosage service: a drug's limits as the catalogue stores them (renal,
 * age and weight bands, regimens, lab rules, pregnancy), what is known of
 * the patient, the administration history, and one check's result.  Types
 * and their sizes only: the catalogue's fields are read and written by
 * catalogue/dose_fields.h, the rules that use them are checks/dose.h.
 */
#ifndef DOSAGE_DOSE_TYPES_H
#define DOSAGE_DOSE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

#define DOSAGE_DOSE_WARN_FRACTION   0.9
#define DOSAGE_DOSE_BODY_MAX_AGE_MS (30LL * 24 * 3600 * 1000)
#define DOSAGE_DOSE_CRCL_MAX_AGE_MS (7LL * 24 * 3600 * 1000)
#define DOSAGE_DOSE_DAY_MS	    (24LL * 3600 * 1000)
#define DOSAGE_DOSE_MAX_BANDS	    4
#define DOSAGE_DOSE_REASON_MAX	    256
/* How the allergy check's reason for a cross-sensitivity after a severe
 * reaction begins. */
#define DOSAGE_SEVERE_ALLERGY_PREFIX "after a severe reaction ("

/*
 * How early a dose may come on its order's schedule: a quarter of the
 * interval, at most an hour (q6h: from 5 h; q2h: from 1.5 h), the slack a
 * ward round needs and no more.
 */
#define DOSAGE_DOSE_ORDER_TOLERANCE	   0.25
#define DOSAGE_DOSE_ORDER_TOLERANCE_MAX_MS (3600LL * 1000)

/* dosage_dose_band - renal adjustment: below crcl_below mL/min, scale by
 * factor (0 = contraindicated) and keep doses interval_ms apart (0: the
 * drug's own interval). */
typedef struct dosage_dose_band {
	double crcl_below;
	double factor;
	int64_t interval_ms;
} dosage_dose_band;

/* dosage_dose_policy - what a missing fact (weight, creatinine clearance,
 * allergy assessment) does to the check that needs it. */
typedef enum dosage_dose_policy {
	/* The rule's default: hard stop for a missing weight in a child's
	 * band with per-kg limits, else warn. */
	DOSAGE_DOSE_POLICY_DEFAULT = 0,
	DOSAGE_DOSE_POLICY_WARN = 1,	  /* not_checked */
	DOSAGE_DOSE_POLICY_HARD_STOP = 2, /* hard_stop */
} dosage_dose_policy;

/* dosage_dose_age - the age groups a band may name (by completed years,
 * neonate by days): any, neonate (< 28 days), infant (< 1 year), child
 * (1-11), adolescent (12-17), paediatric (< 18), adult (18-64), older_adult
 * (65 and over), adult_all (18 and over). */
typedef enum dosage_dose_age {
	DOSAGE_DOSE_AGE_ANY = 0,
	DOSAGE_DOSE_AGE_NEONATE,
	DOSAGE_DOSE_AGE_INFANT,
	DOSAGE_DOSE_AGE_CHILD,
	DOSAGE_DOSE_AGE_ADOLESCENT,
	DOSAGE_DOSE_AGE_PAEDIATRIC,
	DOSAGE_DOSE_AGE_ADULT,
	DOSAGE_DOSE_AGE_OLDER_ADULT,
	DOSAGE_DOSE_AGE_ADULT_ALL,
} dosage_dose_age;

#define DOSAGE_DOSE_MAX_GROUPS 8

/* dosage_dose_group - an age and weight band: limits that replace the
 * drug's own for the patients it holds; 0 leaves the drug's limit. */
typedef struct dosage_dose_group {
	dosage_dose_age age;
	double min_kg, max_kg; /* weight in [min_kg, max_kg); 0 = open */
	double single_max, max_24h, max_per_kg, max_per_kg_24h;
	/* The least dose per kg (a likely underdose below it); a band that
	 * doses per kg never takes the drug's adult minimum (issue 72). */
	double min_per_kg;
	int64_t interval_ms;
	dosage_dose_policy weight_missing;
} dosage_dose_group;

#define DOSAGE_DOSE_MAX_SUBSTANCES 4
#define DOSAGE_DOSE_MAX_ACTIVES	   8
#define DOSAGE_LAB_MAX_RULES	   8
/* The most lab rules a substance may carry in the substance knowledge
 * base, and so the most a drug holds: its own and its substances'. */
#define DOSAGE_LAB_MAX_SUBSTANCE_RULES 4
#define DOSAGE_LAB_MAX_ALL                                                     \
	(DOSAGE_LAB_MAX_RULES +                                                \
	 DOSAGE_DOSE_MAX_SUBSTANCES * DOSAGE_LAB_MAX_SUBSTANCE_RULES)

/* dosage_lab - a laboratory value the lab rules read, in one unit. */
typedef enum dosage_lab {
	DOSAGE_LAB_POTASSIUM = 0,  /* mmol/L */
	DOSAGE_LAB_INR = 1,	   /* ratio */
	DOSAGE_LAB_GLUCOSE = 2,	   /* mmol/L */
	DOSAGE_LAB_CREATININE = 3, /* umol/L */
	/* Drug levels (records' MedicationFacts.drug_levels). */
	DOSAGE_LAB_GENTAMICIN_TROUGH = 4, /* mg/L */
	DOSAGE_LAB_TOBRAMYCIN_TROUGH = 5, /* mg/L */
	DOSAGE_LAB_VANCOMYCIN_TROUGH = 6, /* mg/L */
	DOSAGE_LAB_DIGOXIN = 7,		  /* ug/L */
	DOSAGE_LAB_LITHIUM = 8,		  /* mmol/L */
	DOSAGE_LAB_THEOPHYLLINE = 9,	  /* mg/L */
	DOSAGE_LAB_PHENYTOIN = 10,	  /* mg/L */
	DOSAGE_LAB_AMIKACIN_TROUGH = 11,  /* mg/L */
	DOSAGE_LAB_CARBAMAZEPINE = 12,	  /* mg/L */
	DOSAGE_LAB_VALPROATE = 13,	  /* mg/L */
	DOSAGE_LAB_CICLOSPORIN = 14,	  /* ug/L, whole blood */
	DOSAGE_LAB_TACROLIMUS = 15,	  /* ug/L, whole blood */
	DOSAGE_LAB_N = 16,
} dosage_lab;

/* dosage_lab_rule - one rule of a drug's lab_rules: a value of analyte
 * above (is_max) or below limit stops or warns; the value counts when at
 * most max_age_ms old; need: a missing, stale or unusable value is a hard
 * stop instead of not_checked.  origin names a rule the drug inherits
 * from its substance ("potassium rule, substance KB <version> line 23;
 * <source>"), NULL for the drug's own lab_rules. */
typedef struct dosage_lab_rule {
	dosage_lab analyte;
	bool is_max, stop, need;
	double limit;
	int64_t max_age_ms;
	const char *origin;
} dosage_lab_rule;

/* dosage_pregnancy_risk - what the catalogue says of a drug in pregnancy. */
typedef enum dosage_pregnancy_risk {
	DOSAGE_PREGNANCY_NONE = 0,
	DOSAGE_PREGNANCY_AVOID = 1,	      /* warns */
	DOSAGE_PREGNANCY_CONTRAINDICATED = 2, /* hard stop */
} dosage_pregnancy_risk;

/* How many age rules one substance may carry, and a drug in all. */
#define DOSAGE_AGE_MAX_SUBSTANCE_RULES 4
#define DOSAGE_AGE_MAX_ALL                                                     \
	(DOSAGE_DOSE_MAX_SUBSTANCES * DOSAGE_AGE_MAX_SUBSTANCE_RULES)

/* dosage_age_rule - an age rule of a substance (the substance knowledge
 * base): a patient under (below) or at or over the age limit (days when
 * in_days, else completed years) stops or warns; origin names the rule and
 * its source. */
typedef struct dosage_age_rule {
	bool below, in_days, stop;
	int limit;
	const char *origin;
} dosage_age_rule;
#define DOSAGE_DOSE_MAX_REGIMENS 4

/* dosage_regimen - what an order is for (Order.regimen); a renal rule's
 * ANY holds every regimen, an order's ANY states none. */
typedef enum dosage_regimen {
	DOSAGE_REGIMEN_ANY = 0,
	DOSAGE_REGIMEN_PROPHYLAXIS = 1,
	DOSAGE_REGIMEN_TREATMENT = 2,
} dosage_regimen;

/* How many renal rules one substance may carry, and a drug in all. */
#define DOSAGE_RENAL_MAX_SUBSTANCE_RULES 6
#define DOSAGE_RENAL_MAX_ALL		 8

/* dosage_renal_rule - a renal rule of a substance (the substance knowledge
 * base, "renal" records): for an order of regimen (ANY: every one) and a
 * renal function below `below` (mL/min, as the drug's renal basis reads
 * it), a dose may be at most single_max and 24 h at most max_24h (0: no
 * such limit; both 0: none at all), per kg of body weight when per_kg;
 * above stops or warns.  The maxima are in the rule's mass unit as
 * written; dosage_limits converts them to the drug's unit (converted
 * false: they do not convert, and the rule is not checked).  origin names
 * the rule, its line and source. */
typedef struct dosage_renal_rule {
	dosage_regimen regimen;
	double below, single_max, max_24h;
	bool per_kg, stop, converted;
	const char *unit;
	const char *origin;
} dosage_renal_rule;

/* How many hepatic rules a drug may carry in all (one per Child-Pugh class
 * for each of its substances). */
#define DOSAGE_HEPATIC_MAX_ALL 9

/* dosage_hepatic_rule - a hepatic rule of a substance (the substance
 * knowledge base, "hepatic" records): for a patient of Child-Pugh class
 * cls ('A'..'C') or a worse one, a dose may be at most single_max and
 * 24 h at most max_24h (0: no such limit; both 0: not to be given);
 * above stops or warns.  The maxima are in the rule's mass unit as
 * written until dosage_limits converts them to the drug's unit
 * (converted false: they do not convert, and the rule is not checked);
 * origin names the rule, its line and source. */
typedef struct dosage_hepatic_rule {
	char cls;
	double single_max, max_24h;
	bool stop, converted;
	const char *unit;
	const char *origin;
} dosage_hepatic_rule;

/* dosage_dose_regimen - limits for the orders of one frequency: a licensed
 * regimen (enoxaparin 1.5 mg/kg once daily beside 1 mg/kg twice daily)
 * replaces the drug's single, daily, per-kg and per-kg 24-h limits it
 * sets for an order of that interval. */
typedef struct dosage_dose_regimen {
	char frequency[16]; /* as written: "q24h" */
	int64_t interval_ms;
	dosage_dose_group limits; /* single, daily, per_kg, per_kg_24h only */
} dosage_dose_regimen;

/* dosage_dose_limits - a drug's limits in its own unit; 0 means none. */
typedef struct dosage_dose_limits {
	const char *unit; /* the drug's unit, for reasons */
	double single_min, single_max, max_24h;
	double max_per_kg;     /* per dose, unit/kg */
	double max_per_kg_24h; /* per 24 h, unit/kg */
	double max_per_m2;     /* per dose, unit/m2 */
	/* The band in force doses per kg (band_per_kg): its min_per_kg
	 * (0: none) replaces single_min, which is the adult's. */
	bool band_per_kg;
	double min_per_kg; /* per dose, unit/kg */
	int64_t min_interval_ms;
	/* order_interval_ms: the interval of the order the dose is given
	 * under (q6h: 6 h; 0 for none, "once" and PRN).  A dose earlier than
	 * it less DOSAGE_DOSE_ORDER_TOLERANCE is as much a hard stop as one
	 * inside min_interval_ms. */
	int64_t order_interval_ms;
	/* order_min_gap_ms: a PRN order's own minimum interval (exact, no
	 * tolerance); order_max_24h: its own 24-h maximum in the drug's
	 * unit.  0: none. */
	int64_t order_min_gap_ms;
	double order_max_24h;
	/* A dose inside the order's interval but not the catalogue's
	 * minimum warns instead of stopping. */
	bool early_dose_warns;
	double lifetime_max;
	dosage_dose_band
		bands[DOSAGE_DOSE_MAX_BANDS]; /* ascending crcl_below */
	size_t n_bands;
	dosage_dose_group groups[DOSAGE_DOSE_MAX_GROUPS]; /* in order */
	size_t n_groups;
	dosage_dose_policy weight_missing, crcl_missing, allergies_missing;
	bool high_alert;
	/* The drug's substances (coded, see substances.h) for the allergy
	 * check: the first is its main one; combination products list more. */
	const char *substances[DOSAGE_DOSE_MAX_SUBSTANCES];
	size_t n_substances;
	/* The active moieties the substances stand for where they differ
	 * (substance_kb.c): a salt's or pro-drug's moiety, a combination's
	 * components; active_of[i] is the substance actives[i] comes from.
	 * The allergy check reads them beside the substances. */
	const char *actives[DOSAGE_DOSE_MAX_ACTIVES];
	const char *active_of[DOSAGE_DOSE_MAX_ACTIVES];
	size_t n_actives;
	/* How old a weight (and height) per-kg, per-m2 and weight bands
	 * may use; 0: DOSAGE_DOSE_BODY_MAX_AGE_MS. */
	int64_t weight_max_age_ms;
	/* What the renal bands' thresholds are (dosage_dose_renal_basis). */
	int renal_basis;
	/* Hepatic bands: the factor on the single and 24-h maxima for
	 * Child-Pugh A, B, C (0 = contraindicated), each when
	 * hepatic_set has its bit (1 << 0 for A). */
	double hepatic_factor[3];
	unsigned hepatic_set;
	/* Lab rules (labs.c): the drug's own, then its substances'. */
	dosage_lab_rule lab_rules[DOSAGE_LAB_MAX_ALL];
	size_t n_lab_rules;
	/* Harm in pregnancy and its source ("" none). */
	dosage_pregnancy_risk pregnancy;
	const char *pregnancy_source;
	/* Age rules of the drug's substances (the age check, age.c), and
	 * whether the order's prescriber overrode the age check's stop at
	 * entry: the same stop at the bedside then warns. */
	dosage_age_rule age_rules[DOSAGE_AGE_MAX_ALL];
	size_t n_age_rules;
	bool age_overridden;
	/* The dose is given under an order whose prescriber overrode its
	 * hard stops (dose_override): what stops only a first dose (an
	 * uncoded allergy, allergies not assessed) then warns. */
	bool first_dose_overridden;
	/* ... and the prescriber overrode a cross-sensitivity after a severe
	 * reaction at order entry (the order's own allergy check stopped
	 * with DOSAGE_SEVERE_ALLERGY_PREFIX): the same stop at the bedside
	 * then warns.  An allergy charted after the order still stops. */
	bool severe_allergy_overridden;
	/* Limits per regimen, chosen by order_interval_ms. */
	dosage_dose_regimen regimens[DOSAGE_DOSE_MAX_REGIMENS];
	size_t n_regimens;
	/* The renal rules of the drug's substances (renal_rules.c), and the
	 * regimen of the order the dose is checked under (ANY: none
	 * stated, or no order). */
	dosage_renal_rule renal_rules[DOSAGE_RENAL_MAX_ALL];
	size_t n_renal_rules;
	dosage_regimen regimen;
	/* The hepatic rules of the drug's substances (renal_rules.c), beside
	 * its own hepatic bands. */
	dosage_hepatic_rule hepatic_rules[DOSAGE_HEPATIC_MAX_ALL];
	size_t n_hepatic_rules;
} dosage_dose_limits;

/* dosage_dose_patient - what is known of the patient; has_* say which,
 * each measurement with its own time. */
typedef struct dosage_dose_patient {
	bool has_weight, has_height, has_crcl, allergies_known, has_age;
	double weight_kg, height_cm, crcl_ml_min;
	int64_t weight_ms, height_ms, crcl_ms; /* when each was measured */
	int64_t age_days;
	int age_years;
	const char *const *allergies; /* substances or classes, as entered */
	size_t n_allergies;
	/* Per allergy (index as allergies; either may be NULL): the
	 * reactions charted with it ("Anaphylaxis"; NULL or "" none) and
	 * whether the record grades it severe. */
	const char *const *allergy_reactions;
	const bool *allergies_severe;
	/* allergies a note mentions that nobody has decided yet (records'
	 * note reader): a match stops the dose until one is decided */
	const char *const *suggested_allergies;
	size_t n_suggested_allergies;
	/* Where the facts came from ("records", "dosage context"), for
	 * reasons; may be NULL. */
	const char *source;
	/* The weight measured before weight_kg, for the jump rule, and the
	 * fraction of change that needs a confirmation (0: no rule). */
	bool has_prev_weight;
	double prev_weight_kg;
	int64_t prev_weight_ms;
	double weight_jump_fraction;
	/* A clinician confirmed weight_kg (ConfirmWeight): neither bound
	 * of the plausible-facts rules holds it back. */
	bool weight_confirmed;
	/* eGFR as the lab reports it, mL/min/1.73 m2, with its equation
	 * ("CKD-EPI 2021"); without an equation it is not used. */
	bool has_egfr;
	double egfr_ml_min_173;
	int64_t egfr_ms;
	const char *egfr_equation;
	/* What the problem list says of the liver (hepatic_known: it was
	 * read); child_pugh 'A'..'C' or 0; hepatic_summary its codes. */
	bool hepatic_known, hepatic_impaired;
	char child_pugh;
	const char *hepatic_summary;
	/* Administrative sex from identity: 'F', 'M', 'O' or 0 unknown. */
	char sex;
	/* Lab values from the record (labs_known: it was read), each in
	 * dosage_lab's unit; unusable: charted in a unit that does not
	 * convert (value and unit as charted). */
	bool labs_known;
	struct {
		bool present, unusable;
		double value;
		int64_t at_ms;
		const char *unit;
	} labs[DOSAGE_LAB_N];
	/* crcl_label: what the creatinine clearance is ("Cockcroft-Gault
	 * clearance" when derived from a creatinine), NULL measured. */
	const char *crcl_label;
	/* Pregnancy: pregnancy_known when the problem list was read;
	 * pregnant from it or a positive test, pregnancy_evidence says
	 * which ("Z33.1", "hCG 2106-3 Positive"). */
	bool pregnancy_known, pregnant;
	const char *pregnancy_evidence;
	/* A pregnancy status is recorded: a coded pregnancy or a test
	 * whose result says pregnant or not (not "unknown"). */
	bool pregnancy_recorded;
	/* A pregnancy-prevention programme is confirmed (dosage's
	 * context, SetPatientContext). */
	bool pregnancy_prevention;
	/* The ages the hospital counts as childbearing, completed years
	 * (MED_DOSAGE_CHILDBEARING_AGE_MIN/MAX); both 0: no such rule. */
	int childbearing_min_years, childbearing_max_years;
	/* The other names allergies are read through (allergy_text.h);
	 * NULL: the substance table's own names only. */
	const struct dosage_allergy_names *allergy_names;
	/* A pharmacist's codings of this patient's allergy texts; may be
	 * NULL. */
	const struct dosage_allergy_codings *allergy_codings;
} dosage_dose_patient;

/* dosage_dose_history - earlier administrations of the drug's substances
 * to the patient, in the drug's unit (see dosage_store: every product of
 * the same substance counts, by its strength). */
typedef struct dosage_dose_history {
	double given_24h;	 /* the most given in any 24 h that contains
				    at (see dosage_dose_worst_24h) */
	double given_lifetime;	 /* all time */
	double running_24h;	 /* the share of both that running infusions
				    delivered since their last event (not yet
				    charted) */
	double running_per_hour; /* what they deliver in the next hour at
				    their current rates */
	bool has_nearest;	 /* another administration exists */
	int64_t nearest_gap_ms;	 /* |at - its time| for the nearest one */
	/* The capacity limit the read met, in words (static), when it
	 * returned MED_ERR_LIMIT; else NULL. */
	const char *limit;
	/* The home medicine ("Paracetamol 500 mg") whose last dose taken at
	 * home is the nearest one; NULL when the nearest was given here
	 * (dosage_home_nearest). */
	const char *nearest_home;
	/* What given_24h holds of doses taken at home (dosage_home_day),
	 * in the drug's unit, and the home medicine they were last from. */
	double home_24h;
	const char *home_24h_from;
	/* What given_lifetime holds of doses taken at home (the home list
	 * records the last 24 h of them, not earlier courses). */
	double home_lifetime;
	/* What given_lifetime holds of earlier courses before admission
	 * (HomeMedication.cumulative_before_admission), in the drug's unit,
	 * and the home medicine they were last from. */
	double prior_lifetime;
	const char *prior_from;
} dosage_dose_history;

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
	DOSAGE_DOSE_CHECK_BAND = 11,
	/* Not one of dosage_dose_evaluate's: a continuous infusion's rate
	 * (infusion.c). */
	DOSAGE_DOSE_CHECK_INFUSION_RATE = 12,
	/* Another anticoagulant's last dose still acting when one starts
	 * (switch.c). */
	DOSAGE_DOSE_CHECK_ANTICOAGULANT_SWITCH = 145,
	/* The hepatic band for the Child-Pugh class on the problem list;
	 * the last of dosage_dose_evaluate's (its number is the proto's). */
	DOSAGE_DOSE_CHECK_HEPATIC = 180,
	/* The drug's lab rules against the record's labs (labs.c). */
	DOSAGE_DOSE_CHECK_LAB = 190,
	/* A drug harmful in pregnancy for a pregnant patient (labs.c). */
	DOSAGE_DOSE_CHECK_PREGNANCY = 191,
	/* The age rules of the drug's substances against the patient's age
	 * (age.c). */
	DOSAGE_DOSE_CHECK_AGE = 192,
} dosage_dose_check;

#define DOSAGE_DOSE_N_CHECKS 15

/* dosage_dose_status - the outcome of one check (values match the proto). */
typedef enum dosage_dose_status {
	DOSAGE_DOSE_OK = 1,
	DOSAGE_DOSE_WARN = 2,
	DOSAGE_DOSE_HARD_STOP = 3,
	DOSAGE_DOSE_NOT_CHECKED = 4,
	DOSAGE_DOSE_NOT_APPLICABLE = 5,
} dosage_dose_status;

/* dosage_dose_result - one check's outcome. */
typedef struct dosage_dose_result {
	dosage_dose_check check;
	dosage_dose_status status;
	double value; /* the quantity compared (0 when not applicable) */
	double limit; /* the limit it was compared with (0 when none) */
	char reason[DOSAGE_DOSE_REASON_MAX];
} dosage_dose_result;

/* dosage_weight_state - whether a check may compute with the weight. */
typedef enum dosage_weight_state {
	DOSAGE_WEIGHT_USABLE = 0,
	DOSAGE_WEIGHT_UNKNOWN = 1,
	DOSAGE_WEIGHT_STALE = 2,       /* older than the drug allows */
	DOSAGE_WEIGHT_IMPLAUSIBLE = 3, /* outside the bounds of the age */
	DOSAGE_WEIGHT_JUMP = 4,	       /* too far from the previous one */
} dosage_weight_state;

/* dosage_dose_renal_basis - what the renal bands' thresholds measure. */
typedef enum dosage_dose_renal_basis {
	/* Creatinine clearance (Cockcroft-Gault); without a current one a
	 * current eGFR stands in, de-indexed to the patient's body surface
	 * when height and weight are known. */
	DOSAGE_RENAL_CRCL = 0,
	/* Creatinine clearance only: the label's thresholds are CrCl and
	 * the drug is too narrow for an estimate (aminoglycosides). */
	DOSAGE_RENAL_CRCL_ONLY = 1,
	/* eGFR in mL/min/1.73 m2 as reported; CrCl stands in without one. */
	DOSAGE_RENAL_EGFR = 2,
} dosage_dose_renal_basis;

/* dosage_renal_function - the value a renal check compares. */
typedef struct dosage_renal_function {
	double value;
	int64_t measured_ms; /* when */
	bool from_egfr;
	char label[48]; /* "creatinine clearance", "eGFR (CKD-EPI 2021)" */
	char unit[16];	/* "mL/min" or "mL/min/1.73m2" */
} dosage_renal_function;

#endif
