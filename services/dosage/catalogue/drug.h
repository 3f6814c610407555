/*
 * drug.h - a catalogue entry: the rules it must pass (drug.c), its
 * substances, strength, classes and unit conversion, and its fields as
 * text for the CSV and the catalogue table (drug_text.c).  Below the
 * checks, which read a drug's limits through these.
 */
#ifndef DOSAGE_DRUG_H
#define DOSAGE_DRUG_H

#include "dosage.h"

/* dosage_text_ok: s has min..max characters (UTF-8 code points). */
bool dosage_text_ok(const char *s, size_t min, size_t max);

/* dosage_check_code requires a catalogue code (field names the field). */
med_err dosage_check_code(med_call *call, const char *field,
			  const char *code) MED_MUST_CHECK;

/* dosage_code_problem is dosage_check_code's rule without a call; the
 * other *_problem functions below are likewise the rules of the
 * dosage_check_* and dosage_convert beside them, which fail the call with
 * the problem (med_call_fail_problem). */
med_err dosage_code_problem(const char *field, const char *code,
			    med_problem *p) MED_MUST_CHECK;

/*
 * dosage_drug_problem checks a catalogue entry; a problem (INVALID, its
 * field relative: "max_single_dose") fills p and returns its err.
 */
med_err dosage_drug_problem(const dosage_drug *d,
			    med_problem *p) MED_MUST_CHECK;

/* dosage_check_drug applies the catalogue rules to an upserted entry. */
med_err dosage_check_drug(med_call *call, const dosage_drug *d) MED_MUST_CHECK;

/* dosage_drug_normalise stores d's substances by their codes (after the
 * rules passed: every substance is known). */
void dosage_drug_normalise(dosage_drug *d);

/* dosage_drug_strength gives the amount of d's main substance in one unit
 * of d: its strength, or 1 of its own unit when none is set. */
void dosage_drug_strength(const dosage_drug *d, double *strength,
			  const char **unit);

/* dosage_drug_groups reads d's dose bands into g (at most
 * DOSAGE_DOSE_MAX_GROUPS); MED_ERR_INVALID with why naming the band. */
med_err dosage_drug_groups(const dosage_drug *d, dosage_dose_group *g,
			   size_t *n, char *why, size_t len) MED_MUST_CHECK;

/* dosage_groups_to_drug adds g to d's dose_bands (arena). */
med_err dosage_groups_to_drug(med_arena *a, const dosage_dose_group *g,
			      size_t n, dosage_drug *d) MED_MUST_CHECK;

/* dosage_list_text and dosage_list_read: a list of a drug's (forms,
 * routes, GTINs) as "a;b", in the CSV and the catalogue table alike.
 * _text returns NULL when out of memory; _read puts the items (cut from
 * a copy of text; NULL text and "" give none) in an arena array, and
 * fails only MED_ERR_NOMEM. */
char *dosage_list_text(med_arena *a, char *const *items, size_t n);
med_err dosage_list_read(med_arena *a, const char *text, char ***out,
			 size_t *n) MED_MUST_CHECK;

/* Text forms for the CSV and the catalogue table: other ingredients as
 * "codeine:8:mg;..." and bands as dosage_dose_groups_parse reads them.
 * The _text functions return NULL when out of memory (or, for bands, when
 * d's bands are invalid); the _read functions fail MED_ERR_INVALID on
 * text that does not parse. */
char *dosage_ingredients_text(med_arena *a, const dosage_drug *d);
med_err dosage_ingredients_read(med_arena *a, const char *text,
				dosage_drug *d) MED_MUST_CHECK;
char *dosage_groups_text(med_arena *a, const dosage_drug *d);
med_err dosage_groups_read(med_arena *a, const char *text, dosage_drug *d,
			   char *why, size_t len) MED_MUST_CHECK;

/* The oldest a drug may let a weight be (Drug.weight_max_age_days). */
#define DOSAGE_WEIGHT_MAX_AGE_DAYS 365

/* dosage_drug_substances lists d's substances, the main one first, into
 * out; returns how many (at most DOSAGE_DOSE_MAX_SUBSTANCES). */
size_t dosage_drug_substances(const dosage_drug *d,
			      const char *out[DOSAGE_DOSE_MAX_SUBSTANCES]);

/* dosage_drug_hepatic fills l's hepatic bands from d's. */
void dosage_drug_hepatic(const dosage_drug *d, dosage_dose_limits *l);

/* Hepatic bands as text ("A:1;B:0.5;C:0") for the CSV and the catalogue
 * table: _text NULL when out of memory; _read MED_ERR_INVALID on text that
 * does not parse. */
char *dosage_hepatic_text(med_arena *a, const dosage_drug *d);
med_err dosage_hepatic_read(med_arena *a, const char *text,
			    dosage_drug *d) MED_MUST_CHECK;

/* dosage_drug_classes fills d's atc_code (its main substance's) and
 * therapeutic_classes (every ATC level of each substance, then the
 * duplicate-therapy classes), in a. */
med_err dosage_drug_classes(med_arena *a, dosage_drug *d) MED_MUST_CHECK;

#endif
