/*
 * catalogue_diff.c - what a change to a catalogue entry does to the
 * checks: each column of the entry in force against the same column of
 * the new one, classed by what the column guards, as a knowledge diff
 * (interactions.h: the same counts, audit lists and replies as the
 * knowledge bases).  A column this table does not name is a rule: any
 * change to it waits for a second pharmacist, so a column added to the
 * catalogue later is guarded until someone classes it here.
 */
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "interactions.h"

/* What a column guards, and so which way a change to it goes. */
typedef enum column_guard {
	GUARD_RULE = 0, /* a rule or identity: any change but a first one */
	GUARD_CEILING,	/* a maximum (0: none): higher or none weakens */
	GUARD_FLOOR,	/* a minimum or an interval: lower weakens */
	GUARD_SWITCH,	/* a safeguard, on (1) or off (0): off weakens */
	GUARD_POLICY,	/* a missing-fact policy: warn < default < stop */
	GUARD_WORDING,	/* a name, source or product code: reworded */
	GUARD_KEY,	/* the key and bookkeeping: not compared */
} column_guard;

/* column_class - a column, the field the CSV and the API call it, and
 * what it guards. */
typedef struct column_class {
	const char *column;
	const char *field;
	column_guard guard;
} column_class;

static const column_class column_classes[] = {
	{"code", "code", GUARD_KEY},
	{"updated_ms", "updated_ms", GUARD_KEY},
	{"revision", "revision", GUARD_KEY},
	{"name", "name", GUARD_WORDING},
	{"code_system", "code_system", GUARD_WORDING},
	{"gtins", "gtins", GUARD_WORDING},
	{"lab_source", "lab_rules_source", GUARD_WORDING},
	{"preg_source", "pregnancy_source", GUARD_WORDING},
	{"max_single_dose", "max_single_dose", GUARD_CEILING},
	{"max_daily_dose", "max_daily_dose", GUARD_CEILING},
	{"max_dose_per_kg", "max_dose_per_kg", GUARD_CEILING},
	{"max_daily_dose_per_kg", "max_daily_dose_per_kg", GUARD_CEILING},
	{"max_dose_per_m2", "max_dose_per_m2", GUARD_CEILING},
	{"lifetime_max_dose", "lifetime_max_dose", GUARD_CEILING},
	{"inf_max_rate", "infusion_max_rate", GUARD_CEILING},
	{"inf_max_rate_kg", "infusion_max_rate_per_kg", GUARD_CEILING},
	{"inf_ceiling", "infusion_rate_ceiling", GUARD_CEILING},
	{"inf_max_conc", "infusion_max_concentration", GUARD_CEILING},
	{"weight_max_age", "weight_max_age_days", GUARD_CEILING},
	{"min_single_dose", "min_single_dose", GUARD_FLOOR},
	{"min_interval_minutes", "min_interval_minutes", GUARD_FLOOR},
	{"high_alert", "high_alert", GUARD_SWITCH},
	{"requires_verification", "requires_verification", GUARD_SWITCH},
	{"early_dose_warns", "early_dose_warns", GUARD_SWITCH},
	{"infusion_only", "infusion_only", GUARD_SWITCH},
	{"weekly_only", "weekly_only", GUARD_SWITCH},
	{"weight_missing", "weight_missing", GUARD_POLICY},
	{"crcl_missing", "crcl_missing", GUARD_POLICY},
	{"allergies_missing", "allergies_missing", GUARD_POLICY},
	{"conc_amount", "concentration_amount", GUARD_RULE},
	{"conc_volume_ml", "concentration_volume_ml", GUARD_RULE},
	{"ingredients", "other_ingredients", GUARD_RULE},
};

static const column_class *
class_of(const char *column)
{
	static const column_class rule = {"", "", GUARD_RULE};

	for (size_t i = 0;
	     i < sizeof(column_classes) / sizeof(column_classes[0]); i++)
		if (strcmp(column_classes[i].column, column) == 0)
			return &column_classes[i];
	return &rule;
}

/* A bound value as a number (NAN for text). */
static double
number_of(const med_db_value *v)
{
	if (v->type == MED_DB_INT64)
		return (double)v->i;
	return v->type == MED_DB_DOUBLE ? v->d : NAN;
}

static bool
is_empty(const med_db_value *v)
{
	if (v->type == MED_DB_TEXT || v->type == MED_DB_BLOB)
		return v->len == 0;
	return v->type == MED_DB_NULL || number_of(v) == 0;
}

static bool
same_value(const med_db_value *x, const med_db_value *y)
{
	if (is_empty(x) && is_empty(y))
		return true;
	if (x->type != y->type)
		return false;
	if (x->type == MED_DB_TEXT || x->type == MED_DB_BLOB)
		return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
	return number_of(x) == number_of(y);
}

/* text_of shows a value as a pharmacist reads it ("" when empty; a
 * safeguard "true" or "false"). */
static const char *
text_of(med_arena *a, column_guard guard, const med_db_value *v)
{
	if (guard == GUARD_SWITCH)
		return is_empty(v) ? "false" : "true";
	if (is_empty(v))
		return "";
	if (v->type == MED_DB_TEXT || v->type == MED_DB_BLOB)
		return med_arena_sprintf(a, "%.*s", (int)v->len,
					 (const char *)v->p);
	return med_arena_sprintf(a, "%.15g", number_of(v));
}

/* A missing-fact policy's strength: warn, the rule's default, stop. */
static int
policy_rank(double policy)
{
	if (policy ==
	    SMARTMED__DOSAGE__V1__MISSING_FACT_POLICY__MISSING_FACT_POLICY_WARN)
		return 0;
	return policy == SMARTMED__DOSAGE__V1__MISSING_FACT_POLICY__MISSING_FACT_POLICY_HARD_STOP
		       ? 2
		       : 1;
}

/* change_kind: which way the change of one column from o to n goes. */
static dosage_ddi_change_kind
change_kind(column_guard guard, const med_db_value *o, const med_db_value *n)
{
	double was = number_of(o), now = number_of(n);

	switch (guard) {
	case GUARD_CEILING:
		if (is_empty(o))
			return DOSAGE_DDI_TIGHTENED;
		return is_empty(n) || now > was ? DOSAGE_DDI_WEAKENED
						: DOSAGE_DDI_TIGHTENED;
	case GUARD_FLOOR:
	case GUARD_SWITCH:
		return now < was ? DOSAGE_DDI_WEAKENED : DOSAGE_DDI_TIGHTENED;
	case GUARD_POLICY:
		return policy_rank(now) < policy_rank(was)
			       ? DOSAGE_DDI_WEAKENED
			       : DOSAGE_DDI_TIGHTENED;
	case GUARD_WORDING:
		return DOSAGE_DDI_REWORDED;
	default:
		return is_empty(o) ? DOSAGE_DDI_TIGHTENED : DOSAGE_DDI_CHANGED;
	}
}

/* added_entry: a new entry, nothing in force to weaken. */
static med_err
added_entry(med_arena *a, const dosage_drug *nw, dosage_ddi_diff *d,
	    size_t *cap)
{
	dosage_ddi_change c = {.kind = DOSAGE_DDI_ADDED,
			       .rule_id = nw->code,
			       .group = "",
			       .before = "",
			       .after = nw->name,
			       .was = DOSAGE_DDI_NONE,
			       .now = DOSAGE_DDI_MAJOR};

	return dosage_ddi_diff_push(a, d, cap, &c);
}

/* column_change adds column i's change, if any, to d. */
static med_err
column_change(med_arena *a, const char *code, const char *column,
	      const med_db_value *o, const med_db_value *n, dosage_ddi_diff *d,
	      size_t *cap)
{
	const column_class *k = class_of(column);
	dosage_ddi_change c = {
		.group = "", .was = DOSAGE_DDI_MAJOR, .now = DOSAGE_DDI_MAJOR};

	if (k->guard == GUARD_KEY || same_value(o, n))
		return MED_OK;
	/* An entry that names no code system is written as "local"
	 * (store.c): leaving it out changes nothing. */
	if (strcmp(column, "code_system") == 0 && is_empty(n))
		return MED_OK;
	c.kind = change_kind(k->guard, o, n);
	c.rule_id = med_arena_sprintf(a, "%s.%s", code,
				      k->field[0] ? k->field : column);
	c.before = text_of(a, k->guard, o);
	c.after = text_of(a, k->guard, n);
	if (c.rule_id == NULL || c.before == NULL || c.after == NULL)
		return MED_ERR_NOMEM;
	return dosage_ddi_diff_push(a, d, cap, &c);
}

med_err
dosage_drug_diff(med_arena *a, const dosage_drug *old, const dosage_drug *nw,
		 dosage_ddi_diff *d, size_t *cap)
{
	const char *names[DOSAGE_DRUG_N_COLUMNS];
	med_db_value was[DOSAGE_DRUG_N_COLUMNS], now[DOSAGE_DRUG_N_COLUMNS];
	med_err err;

	if (old == NULL)
		return added_entry(a, nw, d, cap);
	if ((err = dosage_drug_columns(a, old, names, was)) != MED_OK ||
	    (err = dosage_drug_columns(a, nw, names, now)) != MED_OK)
		return err;
	for (size_t i = 0; err == MED_OK && i < DOSAGE_DRUG_N_COLUMNS; i++)
		err = column_change(a, nw->code, names[i], &was[i], &now[i], d,
				    cap);
	return err;
}
