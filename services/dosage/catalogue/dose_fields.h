/*
 * dose_fields.h - a drug's dose fields as the catalogue reads and writes
 * them (dose_band.c: policies, age groups, age and weight bands, regimens;
 * drug_fields.c: renal bands and basis, hepatic bands, lab rules,
 * pregnancy).  The types are dose_types.h; the rules that use them are
 * checks/dose.h.
 */
#ifndef DOSAGE_DOSE_FIELDS_H
#define DOSAGE_DOSE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

#include "dose_types.h"

/*
 * dosage_dose_bands_parse reads "30:0.5;10:0:1440" (crcl_below:factor, and
 * optionally :interval in minutes) into bands sorted by crcl_below; ""
 * gives none.  Errors: MED_ERR_INVALID (syntax, crcl_below not in
 * (0, 200], factor not in [0, 1], interval not in [0, 86400] minutes,
 * duplicates), MED_ERR_LIMIT (more than cap).
 */
med_err dosage_dose_bands_parse(const char *s, dosage_dose_band *bands,
				size_t cap, size_t *n) MED_MUST_CHECK;

/* dosage_dose_bands_sort orders bands by crcl_below, ascending. */
void dosage_dose_bands_sort(dosage_dose_band *bands, size_t n);

/* dosage_dose_policy_parse reads "", "warn" or "hard_stop". */
med_err dosage_dose_policy_parse(const char *s,
				 dosage_dose_policy *out) MED_MUST_CHECK;

/* dosage_dose_policy_name returns "default", "warn" or "hard_stop". */
const char *dosage_dose_policy_name(dosage_dose_policy p);

/* dosage_dose_age_name returns the group's name ("child"). */
const char *dosage_dose_age_name(dosage_dose_age g);

/* dosage_dose_age_holds: is a patient of age_days / age_years in g? */
bool dosage_dose_age_holds(dosage_dose_age g, int64_t age_days, int age_years);

/* dosage_dose_age_paediatric: is every age in g under 18? */
bool dosage_dose_age_paediatric(dosage_dose_age g);

/*
 * dosage_dose_age_of computes the age at at_ms of a patient born on
 * birth_date ("YYYY-MM-DD", UTC): whole days and completed years.
 * Errors: MED_ERR_INVALID (not such a date, or after at_ms).
 */
med_err dosage_dose_age_of(const char *birth_date, int64_t at_ms, int64_t *days,
			   int *years) MED_MUST_CHECK;

/*
 * dosage_dose_groups_parse reads bands written as
 *   "child:per_kg=15,per_kg_24h=60;adult:max_kg=50,per_kg=15;
 *    adult:min_kg=50,single=1000,daily=4000"
 * (keys: min_kg max_kg single daily per_kg per_kg_24h interval_min
 * weight=warn|hard_stop) in their order.  On a problem writes a reason
 * naming the band and key.  Errors: MED_ERR_INVALID, MED_ERR_LIMIT.
 */
med_err dosage_dose_groups_parse(const char *s, dosage_dose_group *g,
				 size_t cap, size_t *n, char *reason,
				 size_t len) MED_MUST_CHECK;

/* dosage_dose_groups_format writes g back in the parser's syntax; false
 * when it does not fit. */
bool dosage_dose_groups_format(const dosage_dose_group *g, size_t n, char *out,
			       size_t len);

/*
 * dosage_dose_regimens_parse reads "q24h:per_kg=1.5;q12h:per_kg=1"
 * (frequency as an order writes it, scheduled; keys single daily per_kg
 * per_kg_24h) in order; on a problem writes a reason naming the regimen.
 * Errors: MED_ERR_INVALID (syntax, unknown key, a PRN or once frequency,
 * two regimens of one interval), MED_ERR_LIMIT (more than cap).
 */
med_err dosage_dose_regimens_parse(const char *s, dosage_dose_regimen *r,
				   size_t cap, size_t *n, char *reason,
				   size_t len) MED_MUST_CHECK;

/* dosage_dose_renal_basis_name returns "crcl", "crcl_only" or "egfr". */
const char *dosage_dose_renal_basis_name(dosage_dose_renal_basis b);

/* dosage_dose_renal_basis_parse reads those names ("" = crcl). */
med_err
dosage_dose_renal_basis_parse(const char *s,
			      dosage_dose_renal_basis *out) MED_MUST_CHECK;

/* dosage_lab_name returns "potassium", "inr", "glucose", "creatinine" or a
 * drug level ("gentamicin_trough", "digoxin", ...). */
const char *dosage_lab_name(dosage_lab lab);

/*
 * dosage_lab_rules_parse reads rules written as
 *   "potassium:max=5.0:stop:age_h=24:need;inr:max=4:warn"
 * (analyte as dosage_lab_name names it; one of max=N or min=N; one
 * of stop or warn; optionally age_h=N, 1 to 8760, default 24; optionally
 * need) into r in order; "" gives none.  On a problem writes a reason
 * naming the rule and part.  Errors: MED_ERR_INVALID, MED_ERR_LIMIT (more
 * than cap).
 */
med_err dosage_lab_rules_parse(const char *s, dosage_lab_rule *r, size_t cap,
			       size_t *n, char *reason,
			       size_t len) MED_MUST_CHECK;

/* dosage_lab_rules_format writes r back in the parser's syntax; false when
 * it does not fit. */
bool dosage_lab_rules_format(const dosage_lab_rule *r, size_t n, char *out,
			     size_t len);

/* dosage_pregnancy_parse reads "", "avoid" or "contraindicated". */
med_err dosage_pregnancy_parse(const char *s,
			       dosage_pregnancy_risk *out) MED_MUST_CHECK;

/* dosage_pregnancy_name returns "", "avoid" or "contraindicated". */
const char *dosage_pregnancy_name(dosage_pregnancy_risk r);

/*
 * dosage_dose_hepatic_parse reads hepatic bands "A:1;B:0.5;C:0" (a
 * Child-Pugh class and its factor in [0, 1], each class once) into l's
 * hepatic_factor and hepatic_set; "" gives none.  Errors: MED_ERR_INVALID.
 */
med_err dosage_dose_hepatic_parse(const char *s,
				  dosage_dose_limits *l) MED_MUST_CHECK;

/* dosage_dose_hepatic_format writes l's bands back ("" for none); false
 * when they do not fit. */
bool dosage_dose_hepatic_format(const dosage_dose_limits *l, char *out,
				size_t len);

#endif
