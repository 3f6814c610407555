/*
 * drug.c - what a catalogue entry may be (drug.h): the rules a drug must
 * pass to be stored, its substances, strength and classes.  Pure
 * functions: no gRPC or SQL.  It uses route.c's rules (a dose converted
 * into the drug's unit, the route fields' check); route.c uses nothing
 * of it.
 */
#include <med/check.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "drug.h"
#include "catalogue.h"
#include "classes.h"
#include "route.h"
#include "substances.h"

/* Doses past this are typing errors in any unit we accept. */
#define DOSE_SANITY_MAX 1e6
/* The largest volume a concentration is stated in (a 1 L bag). */
#define DOSAGE_CONC_MAX_ML 1000.0
#define DOSAGE_MAX_GTINS   16
#define LIST_MAX	   8
#define LIST_ITEM_MAX	   40
/* Renal bands: the lowest threshold and the smallest factor above 0. */
#define RENAL_CRCL_MIN	 1.0
#define RENAL_FACTOR_MIN 0.01

static const char code_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789._-";

med_err
dosage_code_problem(const char *field, const char *code, med_problem *p)
{
	med_err err = med_text_problem(field, code, 1, 64, p);

	if (err != MED_OK)
		return err;
	if (strspn(code, code_chars) != strlen(code))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "only letters, digits, '.', '_' and "
				       "'-'");
	return MED_OK;
}

med_err
dosage_check_code(med_call *call, const char *field, const char *code)
{
	med_problem p;

	if (dosage_code_problem(field, code, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* chars counts UTF-8 code points (input is valid UTF-8: the RPC layer and
 * the CSV parser check). */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

bool
dosage_text_ok(const char *s, size_t min, size_t max)
{
	size_t n = chars(s);

	return n >= min && n <= max;
}

/* PROBLEM fills the rule's problem p (a bad catalogue entry: INVALID). */
/* The most characters of a rule's source (lab_rules_source,
 * pregnancy_source). */
#define DOSAGE_SOURCE_MAX 500

#define PROBLEM(f, ...)                                                        \
	return med_problem_set(p, MED_ERR_INVALID, (f), __VA_ARGS__)

med_err
dosage_amount_problem(const char *field, double v, bool required,
		      med_problem *p)
{
	if (!isfinite(v) || v < 0 || v > DOSE_SANITY_MAX ||
	    (required && v <= 0))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       required ? "must be a positive number "
						  "up to 1e6"
						: "must be a number from 0 to "
						  "1e6");
	return MED_OK;
}

static med_err
list_problem(char *const *items, size_t n, const char *name, med_problem *p)
{
	if (n > LIST_MAX)
		PROBLEM(name, "at most %d entries", LIST_MAX);
	for (size_t i = 0; i < n; i++)
		if (!dosage_text_ok(items[i], 1, LIST_ITEM_MAX) ||
		    strchr(items[i], ';'))
			PROBLEM(name, "entries of 1..%d characters without ';'",
				LIST_ITEM_MAX);
	return MED_OK;
}

static med_err
limits_problem(const dosage_drug *d, med_problem *p)
{
	const struct {
		const char *name;
		double v;
		bool required;
	} amounts[] = {
		{"max_single_dose", d->max_single_dose, true},
		{"max_daily_dose", d->max_daily_dose, true},
		{"min_single_dose", d->min_single_dose, false},
		{"max_dose_per_kg", d->max_dose_per_kg, false},
		{"max_daily_dose_per_kg", d->max_daily_dose_per_kg, false},
		{"max_dose_per_m2", d->max_dose_per_m2, false},
		{"lifetime_max_dose", d->lifetime_max_dose, false},
		{"infusion_max_rate", d->infusion_max_rate, false},
		{"infusion_max_rate_per_kg", d->infusion_max_rate_per_kg,
		 false},
		{"infusion_rate_ceiling", d->infusion_rate_ceiling, false},
	};

	for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++)
		if (dosage_amount_problem(amounts[i].name, amounts[i].v,
					  amounts[i].required, p) != MED_OK)
			return MED_ERR_INVALID;
	if (d->max_daily_dose < d->max_single_dose)
		PROBLEM("max_daily_dose", "must not be below max_single_dose");
	if (d->min_single_dose > d->max_single_dose)
		PROBLEM("min_single_dose",
			"must be a number from 0 to max_single_dose");
	if (d->min_interval_minutes > 60 * 24 * 60)
		PROBLEM("min_interval_minutes", "at most 86400 (60 days)");
	if (d->infusion_rate_ceiling > 0 &&
	    d->infusion_rate_ceiling < d->infusion_max_rate)
		PROBLEM("infusion_rate_ceiling",
			"must not be below infusion_max_rate");
	return MED_OK;
}

static med_err
bands_problem(const dosage_drug *d, med_problem *p)
{
	if (d->n_renal_bands > DOSAGE_DOSE_MAX_BANDS)
		PROBLEM("renal_bands", "at most %d bands",
			DOSAGE_DOSE_MAX_BANDS);
	for (size_t i = 0; i < d->n_renal_bands; i++) {
		const Smartmed__Dosage__V1__RenalBand *b = d->renal_bands[i];

		/* Thresholds below 1 mL/min and factors below 1 % are no
		 * dosing rule but a slip (5e-324 once read back as data
		 * loss). */
		if (!(b->crcl_below_ml_min >= RENAL_CRCL_MIN &&
		      b->crcl_below_ml_min <= 200))
			PROBLEM("renal_bands",
				"crcl_below_ml_min must be from %g to 200 "
				"mL/min",
				RENAL_CRCL_MIN);
		if (!(b->dose_factor == 0 ||
		      (b->dose_factor >= RENAL_FACTOR_MIN &&
		       b->dose_factor <= 1)))
			PROBLEM("renal_bands",
				"dose_factor must be 0 (contraindicated) or "
				"from %g to 1",
				RENAL_FACTOR_MIN);
		if (b->min_interval_minutes > 86400)
			PROBLEM("renal_bands",
				"min_interval_minutes at most 86400");
		for (size_t j = 0; j < i; j++)
			if (d->renal_bands[j]->crcl_below_ml_min ==
			    b->crcl_below_ml_min)
				PROBLEM("renal_bands",
					"crcl_below_ml_min values must differ");
	}
	return MED_OK;
}

/* strength_problem: a strength and its unit (a mass, [iU], mmol or
 * mEq). */
static med_err
strength_problem(const char *name, double v, const char *unit, bool required,
		 med_problem *p)
{
	dosage_dose_unit u;

	if (v == 0 && !required && (unit == NULL || unit[0] == '\0'))
		return MED_OK;
	if (!isfinite(v) || v <= 0 || v > DOSE_SANITY_MAX)
		PROBLEM(name, "must be a positive number up to 1e6");
	if (dosage_dose_unit_parse(unit, &u) != MED_OK ||
	    !dosage_dose_dim_is_amount(u.dim))
		PROBLEM(name, "its unit must be a mass, [iU], mmol or mEq (mg, "
			      "g, ug, [iU], mmol, mEq)");
	return MED_OK;
}

/* substance_problem: "" or a name the substance table knows. */
static med_err
substance_problem(const char *name, const char *s, med_problem *p)
{
	if (s[0] != '\0' && dosage_substance_find(s) == NULL)
		PROBLEM(name,
			"unknown substance '%.60s' (see the substance table "
			"in docs/dose-safety.md)",
			s);
	return MED_OK;
}

static med_err
ingredients_problem(const dosage_drug *d, med_problem *p)
{
	dosage_dose_unit u;

	if (dosage_dose_unit_parse(d->unit, &u) != MED_OK)
		PROBLEM("unit", "must be one of g, mg, ug, mcg, L, mL, [iU], "
				"IU, unit, mmol, mEq, tablet, capsule");
	if (substance_problem("substance", d->substance, p) ||
	    strength_problem(
		    "strength", d->strength, d->strength_unit,
		    d->substance[0] && !dosage_dose_dim_is_amount(u.dim), p))
		return MED_ERR_INVALID;
	if (d->n_other_ingredients > DOSAGE_DOSE_MAX_SUBSTANCES - 1)
		PROBLEM("other_ingredients", "at most %d",
			DOSAGE_DOSE_MAX_SUBSTANCES - 1);
	if (d->n_other_ingredients > 0 && d->substance[0] == '\0')
		PROBLEM("other_ingredients", "need the main substance set");
	for (size_t i = 0; i < d->n_other_ingredients; i++) {
		const Smartmed__Dosage__V1__Ingredient *g =
			d->other_ingredients[i];

		if (g->substance[0] == '\0')
			PROBLEM("other_ingredients", "substance is required");
		if (substance_problem("other_ingredients", g->substance, p) ||
		    strength_problem("other_ingredients", g->strength,
				     g->strength_unit, true, p))
			return MED_ERR_INVALID;
	}
	return MED_OK;
}

/* concentration_problem: none, or an amount of a mass, [iU], mmol or mEq
 * drug in a volume (120 mg in 5 mL, 20 mmol in 10 mL). */
static med_err
concentration_problem(const dosage_drug *d, med_problem *p)
{
	double amount = d->concentration_amount,
	       ml = d->concentration_volume_ml;
	dosage_dose_unit u;

	if (amount == 0 && ml == 0)
		return MED_OK;
	if (!isfinite(amount) || amount <= 0 || amount > DOSE_SANITY_MAX)
		PROBLEM("concentration_amount",
			"must be a positive number up to 1e6 (with "
			"concentration_volume_ml)");
	if (!isfinite(ml) || ml <= 0 || ml > DOSAGE_CONC_MAX_ML)
		PROBLEM("concentration_volume_ml",
			"must be above 0 and at most 1000 mL (with "
			"concentration_amount)");
	if (dosage_dose_unit_parse(d->unit, &u) == MED_OK &&
	    !dosage_dose_dim_is_amount(u.dim))
		PROBLEM("concentration_amount",
			"only for a drug whose unit is a mass, [iU], mmol or "
			"mEq, not %s",
			d->unit);
	return MED_OK;
}

/* gtins_problem: at most 16 product codes, each with a right check digit
 * and named once. */
static med_err
gtins_problem(const dosage_drug *d, med_problem *p)
{
	char a[15], b[15];

	if (d->n_gtins > DOSAGE_MAX_GTINS)
		PROBLEM("gtins", "at most %d", DOSAGE_MAX_GTINS);
	for (size_t i = 0; i < d->n_gtins; i++) {
		if (!dosage_gtin_valid(d->gtins[i]))
			PROBLEM("gtins",
				"'%.20s' is not a GTIN-8/12/13/14 with a right "
				"check digit",
				d->gtins[i]);
		dosage_gtin14(d->gtins[i], a);
		for (size_t j = 0; j < i; j++) {
			dosage_gtin14(d->gtins[j], b);
			if (strcmp(a, b) == 0)
				PROBLEM("gtins", "%s is listed twice", a);
		}
	}
	return MED_OK;
}

static med_err
groups_problem(const dosage_drug *d, med_problem *p)
{
	dosage_dose_group g[DOSAGE_DOSE_MAX_GROUPS];
	size_t n;
	char why[128];

	if (d->n_dose_bands > DOSAGE_DOSE_MAX_GROUPS)
		PROBLEM("dose_bands", "at most %d bands",
			DOSAGE_DOSE_MAX_GROUPS);
	if (dosage_drug_groups(d, g, &n, why, sizeof(why)) != MED_OK)
		PROBLEM("dose_bands", "%s", why);
	for (size_t i = 0; i < n; i++)
		if ((g[i].min_kg != 0 &&
		     !dosage_weight_plausible(g[i].min_kg)) ||
		    (g[i].max_kg != 0 && !dosage_weight_plausible(g[i].max_kg)))
			PROBLEM("dose_bands",
				"%s: weights must be 0 (open) or from %g to "
				"%g kg",
				dosage_dose_age_name(g[i].age),
				DOSAGE_WEIGHT_MIN_KG, DOSAGE_WEIGHT_MAX_KG);
	return MED_OK;
}

/* regimens_problem checks the drug's limits per regimen. */
static med_err
regimens_problem(const dosage_drug *d, med_problem *p)
{
	dosage_dose_regimen r[DOSAGE_DOSE_MAX_REGIMENS];
	size_t n;
	char why[128];

	if (!dosage_text_ok(d->regimen_limits, 0, 500))
		PROBLEM("regimen_limits", "at most 500 characters");
	if (dosage_dose_regimens_parse(d->regimen_limits, r,
				       DOSAGE_DOSE_MAX_REGIMENS, &n, why,
				       sizeof(why)) != MED_OK)
		PROBLEM("regimen_limits", "%s", why);
	return MED_OK;
}

/* atc_of_drug: is code the ATC code, or a class, of one of d's
 * substances? */
static bool
atc_of_drug(const dosage_drug *d, const char *code)
{
	const char *own = dosage_atc_of(d->substance);

	if (own && strncmp(own, code, strlen(code)) == 0)
		return MED_ERR_INVALID;
	for (size_t i = 0; i < d->n_other_ingredients; i++)
		if ((own = dosage_atc_of(d->other_ingredients[i]->substance)) &&
		    strncmp(own, code, strlen(code)) == 0)
			return MED_ERR_INVALID;
	return MED_OK;
}

/* atc_problem: none, or an ATC code of one of the drug's substances. */
static med_err
atc_problem(const dosage_drug *d, med_problem *p)
{
	const char *code = d->atc_code, *own = dosage_atc_of(d->substance);

	if (code == NULL || code[0] == '\0')
		return MED_OK;
	if (!dosage_atc_syntax_ok(code))
		PROBLEM("atc_code",
			"'%.20s' is not an ATC code (a level such as N, N02, "
			"N02A, N02AA or N02AA01, upper case)",
			code);
	if (!dosage_atc_known(code))
		PROBLEM("atc_code",
			"unknown ATC code %s (not a code or class of the "
			"substance table in docs/dose-safety.md)",
			code);
	if (!atc_of_drug(d, code))
		PROBLEM("atc_code",
			"%s is not a class of the drug's substance %.40s (%s)",
			code, d->substance[0] ? d->substance : "(none)",
			own ? own : "no ATC code");
	return MED_OK;
}

void
dosage_drug_hepatic(const dosage_drug *d, dosage_dose_limits *l)
{
	l->hepatic_set = 0;
	for (size_t i = 0; i < d->n_hepatic_bands; i++) {
		const Smartmed__Dosage__V1__HepaticBand *b =
			d->hepatic_bands[i];
		int k = b->child_pugh_class[0] - 'A';

		if (k < 0 || k > 2 || b->child_pugh_class[1] != '\0')
			continue; /* refused when written */
		l->hepatic_factor[k] = b->dose_factor;
		l->hepatic_set |= 1u << k;
	}
}

/* hepatic_problem: each band a class A, B or C, once, with a factor in
 * [0, 1]. */
static med_err
hepatic_problem(const dosage_drug *d, med_problem *p)
{
	unsigned seen = 0;

	for (size_t i = 0; i < d->n_hepatic_bands; i++) {
		const Smartmed__Dosage__V1__HepaticBand *b =
			d->hepatic_bands[i];
		int k = b->child_pugh_class[0] - 'A';

		if (k < 0 || k > 2 || b->child_pugh_class[1] != '\0')
			PROBLEM("hepatic_bands",
				"child_pugh_class must be A, B or C");
		if (seen & (1u << k))
			PROBLEM("hepatic_bands", "Child-Pugh %c listed twice",
				'A' + k);
		seen |= 1u << k;
		if (!isfinite(b->dose_factor) || b->dose_factor < 0 ||
		    b->dose_factor > 1)
			PROBLEM("hepatic_bands",
				"dose_factor must be from 0 (contraindicated) "
				"to 1");
	}
	return MED_OK;
}

/* labs_problem checks the lab rules and the pregnancy rule, each with
 * its source. */
static med_err
labs_problem(const dosage_drug *d, med_problem *p)
{
	dosage_lab_rule r[DOSAGE_LAB_MAX_RULES];
	dosage_pregnancy_risk risk;
	char why[128] = "";
	size_t n;

	if (dosage_lab_rules_parse(d->lab_rules, r, DOSAGE_LAB_MAX_RULES, &n,
				   why, sizeof(why)) != MED_OK)
		PROBLEM("lab_rules", "%s", why);
	if (strlen(d->lab_rules_source) > DOSAGE_SOURCE_MAX ||
	    strlen(d->pregnancy_source) > DOSAGE_SOURCE_MAX)
		PROBLEM(strlen(d->lab_rules_source) > DOSAGE_SOURCE_MAX
				? "lab_rules_source"
				: "pregnancy_source",
			"at most %d characters", DOSAGE_SOURCE_MAX);
	if (n > 0 && d->lab_rules_source[0] == '\0')
		PROBLEM("lab_rules_source",
			"required with lab_rules: name where the rules come "
			"from");
	if (dosage_pregnancy_parse(d->pregnancy, &risk) != MED_OK)
		PROBLEM("pregnancy", "must be \"\", avoid or contraindicated");
	if (risk != DOSAGE_PREGNANCY_NONE && d->pregnancy_source[0] == '\0')
		PROBLEM("pregnancy_source",
			"required with pregnancy: name where the rule comes "
			"from");
	return MED_OK;
}

/* facts_problem checks the plausible-facts fields (weight age, renal
 * basis, hepatic bands) and the lab and pregnancy rules. */
static med_err
facts_problem(const dosage_drug *d, med_problem *p)
{
	med_err err;

	if (d->weight_max_age_days > DOSAGE_WEIGHT_MAX_AGE_DAYS)
		PROBLEM("weight_max_age_days", "0 (30 days) or 1 to %d days",
			DOSAGE_WEIGHT_MAX_AGE_DAYS);
	if ((unsigned)d->renal_basis > DOSAGE_RENAL_EGFR)
		PROBLEM("renal_basis", "must be crcl, crcl_only or egfr");
	err = hepatic_problem(d, p);
	return err != MED_OK ? err : labs_problem(d, p);
}

med_err
dosage_drug_problem(const dosage_drug *d, med_problem *p)
{
	if (!dosage_text_ok(d->code, 1, 64) ||
	    strspn(d->code, code_chars) != strlen(d->code))
		PROBLEM("code", "1..64 letters, digits, '.', '_' or '-'");
	if (!dosage_text_ok(d->name, 1, 200))
		PROBLEM("name", "must have 1..200 characters");
	if (d->code_system[0] && strcmp(d->code_system, "rxnorm") != 0 &&
	    strcmp(d->code_system, "local") != 0)
		PROBLEM("code_system", "must be rxnorm or local");
	if (!dosage_text_ok(d->drug_class, 0, 100))
		PROBLEM("drug_class", "at most 100 characters");
	if (ingredients_problem(d, p) ||
	    list_problem(d->forms, d->n_forms, "forms", p) ||
	    list_problem(d->routes, d->n_routes, "routes", p) ||
	    limits_problem(d, p) || bands_problem(d, p) ||
	    groups_problem(d, p) || concentration_problem(d, p) ||
	    gtins_problem(d, p) || dosage_route_drug_problem(d, p) ||
	    atc_problem(d, p) || facts_problem(d, p) || regimens_problem(d, p))
		return MED_ERR_INVALID;
	return MED_OK;
}

void
dosage_drug_strength(const dosage_drug *d, double *strength, const char **unit)
{
	if (d->strength > 0 && d->strength_unit[0]) {
		*strength = d->strength;
		*unit = d->strength_unit;
	} else {
		*strength = 1;
		*unit = d->unit;
	}
}

void
dosage_drug_normalise(dosage_drug *d)
{
	const dosage_substance *s = dosage_substance_find(d->substance);

	if (s != NULL)
		d->substance = (char *)s->code;
	for (size_t i = 0; i < d->n_other_ingredients; i++)
		if ((s = dosage_substance_find(
			     d->other_ingredients[i]->substance)) != NULL)
			d->other_ingredients[i]->substance = (char *)s->code;
}

/* age_group_parse maps a band's age_group name to its code. */
static bool
age_group_parse(const char *name, dosage_dose_age *out)
{
	for (int g = DOSAGE_DOSE_AGE_ANY; g <= DOSAGE_DOSE_AGE_ADULT_ALL; g++)
		if (strcmp(name, dosage_dose_age_name((dosage_dose_age)g)) ==
		    0) {
			*out = (dosage_dose_age)g;
			return true;
		}
	return false;
}

med_err
dosage_drug_groups(const dosage_drug *d, dosage_dose_group *g, size_t *n,
		   char *why, size_t len)
{
	*n = 0;
	for (size_t i = 0; i < d->n_dose_bands && i < DOSAGE_DOSE_MAX_GROUPS;
	     i++) {
		const Smartmed__Dosage__V1__DoseBand *b = d->dose_bands[i];
		dosage_dose_group *o = &g[i];
		const double v[] = {
			b->min_weight_kg,   b->max_weight_kg,
			b->max_single_dose, b->max_daily_dose,
			b->max_dose_per_kg, b->max_daily_dose_per_kg,
			b->min_dose_per_kg};

		memset(o, 0, sizeof(*o));
		if (!age_group_parse(b->age_group, &o->age)) {
			snprintf(why, len,
				 "unknown band '%.40s' (any, neonate, infant, "
				 "child, adolescent, paediatric, adult, "
				 "older_adult, adult_all)",
				 b->age_group);
			return MED_ERR_INVALID;
		}
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			if (!isfinite(v[k]) || v[k] < 0 ||
			    v[k] > DOSE_SANITY_MAX) {
				snprintf(why, len,
					 "%s: limits must be numbers from 0 to "
					 "1e6",
					 b->age_group);
				return MED_ERR_INVALID;
			}
		if (b->max_weight_kg > 0 &&
		    b->max_weight_kg <= b->min_weight_kg) {
			snprintf(why, len,
				 "%s: max_weight_kg must be above "
				 "min_weight_kg",
				 b->age_group);
			return MED_ERR_INVALID;
		}
		if (b->min_dose_per_kg > 0 && b->max_dose_per_kg > 0 &&
		    b->min_dose_per_kg > b->max_dose_per_kg) {
			snprintf(why, len,
				 "%s: min_dose_per_kg must not be above "
				 "max_dose_per_kg",
				 b->age_group);
			return MED_ERR_INVALID;
		}
		if (b->min_interval_minutes > 86400) {
			snprintf(why, len,
				 "%s: min_interval_minutes at most 86400",
				 b->age_group);
			return MED_ERR_INVALID;
		}
		o->min_kg = b->min_weight_kg;
		o->max_kg = b->max_weight_kg;
		o->single_max = b->max_single_dose;
		o->max_24h = b->max_daily_dose;
		o->max_per_kg = b->max_dose_per_kg;
		o->max_per_kg_24h = b->max_daily_dose_per_kg;
		o->min_per_kg = b->min_dose_per_kg;
		o->interval_ms = (int64_t)b->min_interval_minutes * 60000;
		o->weight_missing = (dosage_dose_policy)b->weight_missing;
		(*n)++;
	}
	return MED_OK;
}

med_err
dosage_groups_to_drug(med_arena *a, const dosage_dose_group *g, size_t n,
		      dosage_drug *d)
{
	size_t cap = 0;

	for (size_t i = 0; i < n; i++) {
		Smartmed__Dosage__V1__DoseBand *b = med_arena_push_msg(
			a, (void ***)&d->dose_bands, &d->n_dose_bands, &cap,
			&smartmed__dosage__v1__dose_band__descriptor);

		if (b == NULL)
			return MED_ERR_NOMEM;
		b->age_group = (char *)dosage_dose_age_name(g[i].age);
		b->min_weight_kg = g[i].min_kg;
		b->max_weight_kg = g[i].max_kg;
		b->max_single_dose = g[i].single_max;
		b->max_daily_dose = g[i].max_24h;
		b->max_dose_per_kg = g[i].max_per_kg;
		b->max_daily_dose_per_kg = g[i].max_per_kg_24h;
		b->min_dose_per_kg = g[i].min_per_kg;
		b->min_interval_minutes = (uint32_t)(g[i].interval_ms / 60000);
		b->weight_missing =
			(Smartmed__Dosage__V1__MissingFactPolicy)g[i]
				.weight_missing;
	}
	return MED_OK;
}

med_err
dosage_check_drug(med_call *call, const dosage_drug *d)
{
	med_problem p;

	if (d == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "drug: must be set");
	if (dosage_drug_problem(d, &p) != MED_OK)
		return med_call_fail(call, p.err, "drug.%s: %s", p.field,
				     p.reason);
	return MED_OK;
}

size_t
dosage_drug_substances(const dosage_drug *d,
		       const char *out[DOSAGE_DOSE_MAX_SUBSTANCES])
{
	size_t n = 0;

	if (d->substance[0])
		out[n++] = d->substance;
	for (size_t i = 0;
	     i < d->n_other_ingredients && n < DOSAGE_DOSE_MAX_SUBSTANCES; i++)
		out[n++] = d->other_ingredients[i]->substance;
	return n;
}

/* class_add appends s to d's therapeutic_classes unless it is there. */
static med_err
class_add(med_arena *a, dosage_drug *d, const char *s, size_t cap)
{
	char *copy;

	for (size_t i = 0; i < d->n_therapeutic_classes; i++)
		if (strcmp(d->therapeutic_classes[i], s) == 0)
			return MED_OK;
	if (d->n_therapeutic_classes >= cap ||
	    (copy = med_arena_strdup(a, s)) == NULL)
		return MED_ERR_NOMEM;
	d->therapeutic_classes[d->n_therapeutic_classes++] = copy;
	return MED_OK;
}

/* At most every level of every substance, and a group for each. */
#define CLASSES_CAP (DOSAGE_DOSE_MAX_SUBSTANCES * (DOSAGE_ATC_LEVELS + 1))

med_err
dosage_drug_classes(med_arena *a, dosage_drug *d)
{
	const char *subs[DOSAGE_DOSE_MAX_SUBSTANCES];
	size_t n_subs = dosage_drug_substances(d, subs);
	char lv[DOSAGE_ATC_LEVELS][DOSAGE_ATC_LEN];
	const char *own = dosage_atc_of(d->substance);
	med_err err = MED_OK;

	d->atc_code = (char *)(own ? own : "");
	d->n_therapeutic_classes = 0;
	d->therapeutic_classes =
		med_arena_alloc(a, CLASSES_CAP * sizeof(char *));
	if (d->therapeutic_classes == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n_subs && err == MED_OK; i++) {
		size_t n = dosage_atc_levels(dosage_atc_of(subs[i]), lv);

		while (n > 0 && err == MED_OK)
			err = class_add(a, d, lv[--n], CLASSES_CAP);
	}
	for (size_t i = 0; i < n_subs && err == MED_OK; i++) {
		const dosage_class_group *g = dosage_class_group_of(subs[i]);

		if (g != NULL)
			err = class_add(a, d, g->code, CLASSES_CAP);
	}
	return err;
}
