/*
 * dose.h - dose-safety rules of the dosage service: pure functions, no I/O, no
 * clock.
 *
 * The dosage service gathers the drug's limits, the patient's facts and
 * the administration history, converts the dose into the drug's unit and
 * asks dosage_dose_evaluate for one result per check.  Every check answers
 * ok, warn, hard_stop, not_checked or not_applicable with a reason:
 * not_applicable when the catalogue sets no such limit for the drug;
 * not_checked when the limit exists but a fact it needs is missing or
 * stale (no weight, a creatinine clearance older than 7 days) and the
 * drug's policy for that fact is "warn" - a hard stop when it is
 * "hard_stop".  Never ok without the data.
 *
 * Thresholds: above a maximum is a hard stop (comparisons allow a
 * relative 1e-9 so that "exactly the maximum" survives unit conversion); a
 * quantity at or above DOSAGE_DOSE_WARN_FRACTION (90 %) of it is ok with a
 * note in the reason, never a warning (issue 72).  Below the single-dose
 * minimum warns (a likely underdose or unit slip); in a band that doses
 * per kg the minimum is the band's per kg.
 * A gap to the nearest other administration shorter than the minimum
 * interval is a hard stop.  Renal bands: the first band, in ascending
 * crcl_below order, with crcl < crcl_below applies; its factor scales the
 * single and 24-h maxima (factor 0 means contraindicated: hard stop) and
 * its interval, when set, lengthens the minimum interval.
 *
 * Age and weight bands: a drug may list bands (child, adult under 50 kg,
 * ...), each replacing some of the drug's limits.  The first band, in the
 * catalogue's order, that holds the patient's age (from the birth date)
 * and weight applies; with none, the drug's own limits do.  When a band
 * cannot be decided for want of age or weight, the limits of every band
 * still possible are merged, the smallest of each, and the band check says
 * what is missing.  The band in force is named in every check's reason.
 *
 * Plausible facts (plausible.c): a weight implausible for the age or an
 * unconfirmed jump from the previous one is never computed with (a hard
 * stop naming the rule); a weight older than the drug allows is missing;
 * the renal bands compare a creatinine clearance or an eGFR by the drug's
 * renal basis; hepatic bands scale the maxima by Child-Pugh class.
 *
 * The types are dose_types.h (shared by every folder); reading and
 * writing a drug's fields is the catalogue's (catalogue/dose_fields.h).
 */
#ifndef DOSAGE_DOSE_H
#define DOSAGE_DOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

#include "dose_types.h"
#include "dose_fields.h"
#include "units.h"

/* dosage_dose_order_min_gap_ms is the shortest gap an order of interval_ms
 * allows between two of its doses (0 for none). */
int64_t dosage_dose_order_min_gap_ms(int64_t interval_ms);

/*
 * dosage_dose_worst_24h returns the most given in any 24 h window (e - 24 h,
 * e] that also holds a new dose at at_ms: the windows ending at at_ms and
 * at every administration in [at_ms, at_ms + 24 h).  So a dose charted
 * late, between others, is counted against the doses after it too.
 * t_ms[i] and amount[i] (in the drug's unit) are the other
 * administrations, in ascending time (one pass over them, so that tens of
 * thousands cost little); those outside (at - 24 h, at + 24 h) count in
 * no such window.
 */
double dosage_dose_worst_24h(const int64_t *t_ms, const double *amount,
			     size_t n, int64_t at_ms);

/* dosage_dose_set fills r with a check's outcome: status, the value
 * compared, its limit and the reason (printf); returns st.  The one way
 * every check writes its result (outcome.c). */
dosage_dose_status dosage_dose_set(dosage_dose_result *r, dosage_dose_status st,
				   double value, double limit, const char *fmt,
				   ...) __attribute__((format(printf, 5, 6)));

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
 * then not_checked, then ok; not_applicable only when every check is. */
dosage_dose_status dosage_dose_worst(const dosage_dose_result *r, size_t n);

/* dosage_dose_check_name returns "single_max" etc. */
const char *dosage_dose_check_name(dosage_dose_check c);

/* dosage_dose_status_name returns "ok", "warn", "hard_stop", "not_checked",
 * "not_applicable". */
const char *dosage_dose_status_name(dosage_dose_status s);

/* --- plausible facts (plausible.c) ------------------------------------ */

/*
 * dosage_dose_weight_bounds gives the plausible body weight at age_days:
 * WHO Child Growth Standards (+/-3 SD) to 5 years, CDC 2000 beyond,
 * rounded outward, both sexes; adults 25 to 350 kg (docs/dose-safety.md,
 * "Plausible facts").
 */
void dosage_dose_weight_bounds(int64_t age_days, double *lo_kg, double *hi_kg);

/* dosage_dose_weight_max_age_ms is how old a weight l's checks may use. */
int64_t dosage_dose_weight_max_age_ms(const dosage_dose_limits *l);

/*
 * dosage_dose_weight_assess decides whether p's weight may be used for
 * l's per-kg and per-m2 limits and weight bands at at_ms, and unless it
 * may writes why into why (naming the rule).  An implausible weight or a
 * jump is usable once confirmed (p->weight_confirmed).
 */
dosage_weight_state dosage_dose_weight_assess(const dosage_dose_limits *l,
					      const dosage_dose_patient *p,
					      int64_t at_ms, char *why,
					      size_t len);

/*
 * dosage_dose_renal_function picks the renal function l's bands compare
 * (see dosage_dose_renal_basis), each at most 7 days old at at_ms; bsa_m2
 * (0 when unknown) de-indexes an eGFR.  False when none is usable.
 */
bool dosage_dose_renal_function(const dosage_dose_limits *l,
				const dosage_dose_patient *p, int64_t at_ms,
				double bsa_m2, dosage_renal_function *f);

/*
 * dosage_dose_renal_rules (renal_rules.c) checks dose and the 24-h total
 * day (the dose included) against the substance renal rules of l that
 * hold renal function f for the order's regimen (l->regimen), kg the
 * usable weight (0: none; a per-kg rule is then not checked).  An order
 * of no stated regimen meets the more permissive regimen and is warned
 * where the regimens differ.  r: ok when no rule holds.
 */
void dosage_dose_renal_rules(const dosage_dose_limits *l,
			     const dosage_renal_function *f, double kg,
			     double day, double dose, dosage_dose_result *r);

/*
 * dosage_dose_hepatic_rules (renal_rules.c) checks dose and day (the 24-h
 * total with it) against every substance hepatic rule of l that holds a
 * patient of Child-Pugh class cls ('A'..'C': a rule of that class or a
 * milder one) into r, the worst result standing; OK naming none when no
 * rule holds.
 */
void dosage_dose_hepatic_rules(const dosage_dose_limits *l, char cls,
			       double day, double dose, dosage_dose_result *r);

/*
 * dosage_dose_renal_latest is dosage_dose_renal_function at any age: the
 * newest value l's basis allows, however old (for a stale value that was
 * a contraindication).  False when there is none.
 */
bool dosage_dose_renal_latest(const dosage_dose_limits *l,
			      const dosage_dose_patient *p, double bsa_m2,
			      dosage_renal_function *f);

/* --- labs and pregnancy (labs.c) ----------------------------------------- */

/* dosage_lab_unit returns the unit a lab is compared in ("mmol/L"). */
const char *dosage_lab_unit(dosage_lab lab);

/*
 * dosage_cockcroft_gault is the creatinine clearance in mL/min of an
 * adult of age_years and weight_kg with serum creatinine creat_umol_l:
 * (140 - age) x weight [x 0.85 female] / (72 x creatinine mg/dL), with
 * 1 mg/dL = 88.42 umol/L (Cockcroft & Gault, Nephron 1976).  0 when a
 * value is out of range (age under 18 or over 120, weight or creatinine
 * not positive).
 */
double dosage_cockcroft_gault(int age_years, double weight_kg, bool female,
			      double creat_umol_l);

/*
 * dosage_dose_derive_crcl puts a Cockcroft-Gault clearance from p's
 * creatinine into p when the creatinine is newer than p's creatinine
 * clearance and the age (adult), sex (F or M) and a usable weight
 * (weight_usable) are known; crcl_label then says so.
 */
void dosage_dose_derive_crcl(dosage_dose_patient *p, bool weight_usable);

/* dosage_dose_check_lab runs l's lab rules on p's labs at at_ms. */
void dosage_dose_check_lab(const dosage_dose_limits *l,
			   const dosage_dose_patient *p, int64_t at_ms,
			   dosage_dose_result *r);

/* dosage_dose_check_pregnancy stops (contraindicated) or warns (avoid) a
 * drug harmful in pregnancy for a pregnant patient, and stops a
 * contraindicated one for a woman of childbearing age with no recorded
 * pregnancy status and no pregnancy-prevention programme. */
void dosage_dose_check_pregnancy(const dosage_dose_limits *l,
				 const dosage_dose_patient *p,
				 dosage_dose_result *r);

/* --- age (age.c) --------------------------------------------------------- */

/* dosage_dose_check_age runs l's age rules on p's age: the rule that holds
 * with the most weight stops or warns, naming its band, the patient's age
 * and the rule's origin and source; not_checked without a birth date;
 * not_applicable without a rule. */
void dosage_dose_check_age(const dosage_dose_limits *l,
			   const dosage_dose_patient *p, dosage_dose_result *r);

/* --- dose.c: a dose as it is shown ------------------------------------ */

/* A dose is shown to DOSAGE_DOSE_SIG_DIGITS significant digits, at most
 * DOSAGE_DOSE_MAX_DECIMALS decimals, never fewer than its whole units:
 * 2.3 mL of 1000 units/mL is 2300 units, not 2299.9999999999995. */
#define DOSAGE_DOSE_SIG_DIGITS	 6
#define DOSAGE_DOSE_MAX_DECIMALS 6

/* dosage_dose_decimals is how many decimal places keep
 * DOSAGE_DOSE_SIG_DIGITS significant digits of v (none from 10^(digits-1)
 * up), at most DOSAGE_DOSE_MAX_DECIMALS. */
int dosage_dose_decimals(double v);

/* dosage_dose_round is v rounded as a dose is shown (above). */
double dosage_dose_round(double v);

#endif
