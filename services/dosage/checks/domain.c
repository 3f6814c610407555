/*
 * domain.c - the dosage rules that need no gRPC or SQL: validation of
 * catalogue entries, contexts, orders and overrides; units; and the
 * bridge from stored messages to the pure checks of dose.h.
 */
#include <med/check.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "infusion.h"
#include "route.h"
#include "substances.h"

/* Doses past this are typing errors in any unit we accept. */
#define DOSE_SANITY_MAX 1e6
/* The largest volume a concentration is stated in (a 1 L bag). */
#define DOSAGE_CONC_MAX_ML 1000.0
#define DOSAGE_MAX_GTINS   16
#define LIST_MAX	   8
#define LIST_ITEM_MAX	   40
#define ALLERGIES_MAX	   32
/* Renal bands: the lowest threshold and the smallest factor above 0. */
#define RENAL_CRCL_MIN	 1.0
#define RENAL_FACTOR_MIN 0.01

static const char code_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789._-";

/* failed turns a rule's problem (err not MED_OK) into the call's status. */
static med_err
failed(med_call *call, med_err err, const med_problem *p)
{
	return err == MED_OK ? MED_OK : med_call_fail_problem(call, p);
}

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

	return failed(call, dosage_code_problem(field, code, &p), &p);
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

static bool
text_ok(const char *s, size_t min, size_t max)
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
		if (!text_ok(items[i], 1, LIST_ITEM_MAX) ||
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

	if (!text_ok(d->regimen_limits, 0, 500))
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
	if (!text_ok(d->code, 1, 64) ||
	    strspn(d->code, code_chars) != strlen(d->code))
		PROBLEM("code", "1..64 letters, digits, '.', '_' or '-'");
	if (!text_ok(d->name, 1, 200))
		PROBLEM("name", "must have 1..200 characters");
	if (d->code_system[0] && strcmp(d->code_system, "rxnorm") != 0 &&
	    strcmp(d->code_system, "local") != 0)
		PROBLEM("code_system", "must be rxnorm or local");
	if (!text_ok(d->drug_class, 0, 100))
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
			b->max_dose_per_kg, b->max_daily_dose_per_kg};

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

static med_err
allergies_problem(const dosage_context *c, med_problem *p)
{
	if (c->n_allergies > ALLERGIES_MAX)
		return med_problem_set(p, MED_ERR_INVALID, "context.allergies",
				       "at most %d", ALLERGIES_MAX);
	for (size_t i = 0; i < c->n_allergies; i++)
		if (!text_ok(c->allergies[i], 1, 100))
			return med_problem_set(p, MED_ERR_INVALID,
					       "context.allergies",
					       "entries of 1..100 characters");
	if (c->n_allergies > 0 && !c->allergies_known)
		return med_problem_set(
			p, MED_ERR_INVALID, "context.allergies_known",
			"must be true when allergies are listed");
	return MED_OK;
}

/* measurements_problem refuses a measurement no patient can have: a typing
 * slip (grams for kilograms, metres for centimetres) must not reach the
 * per-kg and per-m2 checks. */
static med_err
measurements_problem(const dosage_context *c, med_problem *p)
{
	if (c->weight_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG &&
	    !dosage_weight_plausible(c->weight_kg))
		return med_problem_set(p, MED_ERR_INVALID, "context.weight_kg",
				       "must be from %g to %g kg",
				       DOSAGE_WEIGHT_MIN_KG,
				       DOSAGE_WEIGHT_MAX_KG);
	if (c->height_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM &&
	    !dosage_height_plausible(c->height_cm))
		return med_problem_set(p, MED_ERR_INVALID, "context.height_cm",
				       "must be from %g to %g cm",
				       DOSAGE_HEIGHT_MIN_CM,
				       DOSAGE_HEIGHT_MAX_CM);
	if (c->crcl_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN &&
	    !dosage_crcl_plausible(c->crcl_ml_min))
		return med_problem_set(p, MED_ERR_INVALID,
				       "context.crcl_ml_min",
				       "must be 0 or from %g to %g mL/min",
				       DOSAGE_CRCL_MIN, DOSAGE_CRCL_MAX);
	return MED_OK;
}

med_err
dosage_context_problem(const dosage_context *c, med_problem *p)
{
	med_err err;

	if (c == NULL)
		return med_problem_set(p, MED_ERR_INVALID, "context",
				       "must be set");
	if ((err = med_id_problem("context.patient_id", c->patient_id, p)) !=
		    MED_OK ||
	    (err = measurements_problem(c, p)) != MED_OK)
		return err;
	if (c->measured_ms != 0 &&
	    (err = med_time_problem("context.measured_ms", c->measured_ms,
				    p)) != MED_OK)
		return err;
	if (c->measured_ms < 0 || c->measured_ms > med_now_ms() + 5 * 60000)
		return med_problem_set(p, MED_ERR_INVALID,
				       "context.measured_ms",
				       "must not be in the future");
	return allergies_problem(c, p);
}

med_err
dosage_check_context(med_call *call, const dosage_context *c)
{
	med_problem p;

	return failed(call, dosage_context_problem(c, &p), &p);
}

/* order_rate_problem checks an infusion order's prescribed rate: a rate
 * in a unit a pump is set in, and a titration maximum not below it; and
 * the shape of its bag. */
static med_err
order_rate_problem(const dosage_order *o, med_problem *p)
{
	dosage_rate_unit u;

	if (o->infusion_rate == 0 && o->infusion_rate_max == 0 &&
	    (o->infusion_rate_unit == NULL || o->infusion_rate_unit[0] == '\0'))
		return dosage_bag_problem(o, p);
	if (dosage_amount_problem("order.infusion_rate", o->infusion_rate, true,
				  p) != MED_OK)
		return MED_ERR_INVALID;
	if (dosage_rate_unit_parse(o->infusion_rate_unit, &u) != MED_OK)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.infusion_rate_unit",
				       "must be an amount per h or min, "
				       "optionally per kg: mL/h, [iU]/h, "
				       "mmol/h, ug/kg/min");
	if (dosage_amount_problem("order.infusion_rate_max",
				  o->infusion_rate_max, false, p) != MED_OK)
		return MED_ERR_INVALID;
	if (o->infusion_rate_max != 0 &&
	    o->infusion_rate_max < o->infusion_rate)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.infusion_rate_max",
				       "must not be below infusion_rate");
	return dosage_bag_problem(o, p);
}

/* order_times_problem: a start and an end within the horizon, the end
 * after the start. */
static med_err
order_times_problem(const dosage_order *o, int64_t now_ms, med_problem *p)
{
	med_err err;

	if ((err = med_time_ahead_problem("order.start_ms", o->start_ms, now_ms,
					  DOSAGE_ORDER_HORIZON_MS, p)) !=
		    MED_OK ||
	    (err = med_time_ahead_problem("order.end_ms", o->end_ms, now_ms,
					  DOSAGE_ORDER_HORIZON_MS, p)) !=
		    MED_OK)
		return err;
	if (o->start_ms < 0)
		return med_problem_set(p, MED_ERR_INVALID, "order.start_ms",
				       "must not be negative");
	if (o->end_ms != 0 && o->end_ms <= o->start_ms)
		return med_problem_set(p, MED_ERR_INVALID, "order.end_ms",
				       "must be after start_ms");
	/* An order that has already ended would never be in force: it is
	 * a typing slip (a wrong year, a day for a month), so the
	 * prescriber is told rather than given a completed order. */
	if (o->end_ms != 0 && o->end_ms <= now_ms)
		return med_problem_set(p, MED_ERR_INVALID, "order.end_ms",
				       "is in the past: the order would never "
				       "be in force; give an end after now, "
				       "or 0 for none");
	return MED_OK;
}

med_err
dosage_order_problem(const dosage_order *o, int64_t now_ms, med_problem *p)
{
	int64_t iv;
	bool prn;
	med_err err;

	if (o == NULL)
		return med_problem_set(p, MED_ERR_INVALID, "order",
				       "must be set");
	if ((err = med_id_problem("order.patient_id", o->patient_id, p)) !=
		    MED_OK ||
	    (err = dosage_code_problem("order.drug_code", o->drug_code, p)) !=
		    MED_OK ||
	    (err = med_text_problem("order.route", o->route, 1, LIST_ITEM_MAX,
				    p)) != MED_OK ||
	    (err = dosage_amount_problem("order.dose", o->dose, true, p)) !=
		    MED_OK)
		return err;
	if (dosage_dose_frequency_parse(o->frequency, &iv, &prn) != MED_OK)
		return med_problem_set(p, MED_ERR_INVALID, "order.frequency",
				       "must be qNh (N 1..72), daily, qd, bid, "
				       "tid, qid, weekly, once or prn");
	if ((o->prn_min_interval_minutes || o->prn_max_daily_dose) &&
	    !(prn || o->prn))
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.prn_min_interval_minutes",
				       "only for PRN orders");
	if (o->prn_min_interval_minutes > 10080)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.prn_min_interval_minutes",
				       "at most 10080 (a week)");
	if ((err = dosage_amount_problem("order.prn_max_daily_dose",
					 o->prn_max_daily_dose, false, p)) !=
		    MED_OK ||
	    (err = order_times_problem(o, now_ms, p)) != MED_OK)
		return err;
	return order_rate_problem(o, p);
}

med_err
dosage_check_order(med_call *call, const dosage_order *o, int64_t now_ms)
{
	med_problem p;

	return failed(call, dosage_order_problem(o, now_ms, &p), &p);
}

med_err
dosage_override_problem(const char *field, const dosage_override *o,
			med_problem *p)
{
	char f[64];

	if (o->reason ==
	    SMARTMED__DOSAGE__V1__OVERRIDE_REASON__OVERRIDE_REASON_UNSPECIFIED) {
		snprintf(f, sizeof(f), "%s.reason", field);
		return med_problem_set(p, MED_ERR_INVALID, f, "must be set");
	}
	snprintf(f, sizeof(f), "%s.text", field);
	return med_text_problem(f, o->text, 3, 500, p);
}

med_err
dosage_check_override(med_call *call, const char *field,
		      const dosage_override *o)
{
	med_problem p;

	return failed(call, dosage_override_problem(field, o, &p), &p);
}

med_err
dosage_convert_problem(const char *field, double dose, const char *unit,
		       const dosage_drug *drug, double *out, med_problem *p)
{
	dosage_dose_unit u, d;

	if (dosage_dose_unit_parse(unit, &u) != MED_OK)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "unknown unit (g, mg, ug, mcg, L, mL, "
				       "[iU], IU, unit, mmol, mEq)");
	if (dosage_drug_convert(drug, dose, unit, out) == MED_OK)
		return MED_OK;
	if (u.dim == DOSAGE_DOSE_DIM_VOLUME)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "cannot convert a volume to the drug's "
				       "unit %s: the catalogue gives %s no "
				       "concentration",
				       drug->unit, drug->code);
	if (dosage_dose_unit_parse(drug->unit, &d) == MED_OK &&
	    (dosage_dose_dim_is_molar(u.dim) ||
	     dosage_dose_dim_is_molar(d.dim)))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "%s does not convert to the drug's unit "
				       "%s (mmol and mEq never become a mass "
				       "or each other: no molar mass or "
				       "valence is assumed)",
				       unit, drug->unit);
	return med_problem_set(p, MED_ERR_INVALID, field,
			       "cannot convert to the drug's unit %s",
			       drug->unit);
}

med_err
dosage_convert(med_call *call, const char *field, double dose, const char *unit,
	       const dosage_drug *drug, double *out)
{
	med_problem p;

	return failed(call,
		      dosage_convert_problem(field, dose, unit, drug, out, &p),
		      &p);
}

med_err
dosage_drug_convert(const dosage_drug *drug, double dose, const char *unit,
		    double *out)
{
	double ml;

	if (dosage_dose_convert(dose, unit, drug->unit, out) == MED_OK)
		return MED_OK;
	/* A volume of a liquid is an amount through its concentration. */
	if (drug->concentration_amount <= 0 ||
	    drug->concentration_volume_ml <= 0 ||
	    dosage_dose_convert(dose, unit, "mL", &ml) != MED_OK)
		return MED_ERR_INVALID;
	*out = ml * drug->concentration_amount / drug->concentration_volume_ml;
	return MED_OK;
}

void
dosage_limits(const dosage_drug *d, dosage_dose_limits *l)
{
	char why[128];

	memset(l, 0, sizeof(*l));
	l->unit = d->unit;
	l->single_min = d->min_single_dose;
	l->single_max = d->max_single_dose;
	l->max_24h = d->max_daily_dose;
	l->max_per_kg = d->max_dose_per_kg;
	l->max_per_kg_24h = d->max_daily_dose_per_kg;
	l->max_per_m2 = d->max_dose_per_m2;
	l->min_interval_ms = (int64_t)d->min_interval_minutes * 60000;
	l->lifetime_max = d->lifetime_max_dose;
	for (size_t i = 0; i < d->n_renal_bands && i < DOSAGE_DOSE_MAX_BANDS;
	     i++) {
		const Smartmed__Dosage__V1__RenalBand *b = d->renal_bands[i];

		l->bands[i].crcl_below = b->crcl_below_ml_min;
		l->bands[i].factor = b->dose_factor;
		l->bands[i].interval_ms =
			(int64_t)b->min_interval_minutes * 60000;
		l->n_bands++;
	}
	dosage_dose_bands_sort(l->bands, l->n_bands);
	/* Stored bands were checked when written; a band that no longer
	 * reads leaves the drug's own limits, never looser ones. */
	if (dosage_drug_groups(d, l->groups, &l->n_groups, why, sizeof(why)) !=
	    MED_OK)
		l->n_groups = 0;
	l->weight_missing = (dosage_dose_policy)d->weight_missing;
	l->crcl_missing = (dosage_dose_policy)d->crcl_missing;
	l->allergies_missing = (dosage_dose_policy)d->allergies_missing;
	l->high_alert = d->high_alert;
	l->early_dose_warns = d->early_dose_warns;
	l->weight_max_age_ms =
		(int64_t)d->weight_max_age_days * DOSAGE_DOSE_DAY_MS;
	l->renal_basis = (int)d->renal_basis;
	dosage_drug_hepatic(d, l);
	/* Stored rules were checked when written. */
	if (dosage_lab_rules_parse(d->lab_rules, l->lab_rules,
				   DOSAGE_LAB_MAX_RULES, &l->n_lab_rules, why,
				   sizeof(why)) != MED_OK)
		l->n_lab_rules = 0;
	if (dosage_pregnancy_parse(d->pregnancy, &l->pregnancy) != MED_OK)
		l->pregnancy = DOSAGE_PREGNANCY_NONE;
	l->pregnancy_source = d->pregnancy_source;
	/* Stored regimens were checked when written; one that no longer
	 * reads leaves the drug's own limits. */
	if (dosage_dose_regimens_parse(d->regimen_limits, l->regimens,
				       DOSAGE_DOSE_MAX_REGIMENS, &l->n_regimens,
				       why, sizeof(why)) != MED_OK)
		l->n_regimens = 0;
	if (d->substance[0])
		l->substances[l->n_substances++] = d->substance;
	for (size_t i = 0; i < d->n_other_ingredients &&
			   l->n_substances < DOSAGE_DOSE_MAX_SUBSTANCES;
	     i++)
		l->substances[l->n_substances++] =
			d->other_ingredients[i]->substance;
}

/* context_facts fills p from dosage's own context (a value stored before
 * the plausibility bounds that lies outside them is not used). */
static void
context_facts(const dosage_context *c, dosage_dose_patient *p)
{
	p->has_weight =
		c->weight_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG &&
		dosage_weight_plausible(c->weight_kg);
	p->weight_kg = c->weight_kg;
	p->weight_ms = c->weight_measured_ms;
	p->has_height =
		c->height_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM &&
		dosage_height_plausible(c->height_cm);
	p->height_cm = c->height_cm;
	p->height_ms = c->height_measured_ms;
	p->has_crcl =
		c->crcl_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN &&
		dosage_crcl_plausible(c->crcl_ml_min);
	p->crcl_ml_min = c->crcl_ml_min;
	p->crcl_ms = c->crcl_measured_ms;
	p->allergies_known = c->allergies_known;
	p->allergies = (const char *const *)c->allergies;
	p->n_allergies = c->n_allergies;
	p->has_prev_weight = c->previous_weight_measured_ms > 0 &&
			     dosage_weight_plausible(c->previous_weight_kg);
	p->prev_weight_kg = c->previous_weight_kg;
	p->prev_weight_ms = c->previous_weight_measured_ms;
}

/* weight_confirmed: is the weight in use (the record's or the context's)
 * the very measurement a clinician confirmed (ConfirmWeight)? */
static bool
weight_confirmed(const dosage_context *c, const dosage_dose_patient *p)
{
	return c != NULL && p->has_weight &&
	       c->weight_confirmed_measured_ms != 0 &&
	       c->weight_confirmed_measured_ms == p->weight_ms &&
	       fabs(c->weight_confirmed_kg - p->weight_kg) < 1e-9;
}

void
dosage_patient(med_arena *a, const dosage_context *c, const dosage_known *k,
	       int64_t at_ms, dosage_dose_patient *p)
{
	memset(p, 0, sizeof(*p));
	p->source = "dosage context";
	p->has_age = k->birth_date[0] &&
		     dosage_dose_age_of(k->birth_date, at_ms, &p->age_days,
					&p->age_years) == MED_OK;
	if (c != NULL)
		context_facts(c, p);
	dosage_facts_apply(a, k->facts, p);
	p->weight_jump_fraction = k->weight_jump_fraction;
	dosage_hepatic_apply(k->hepatic, p);
	p->sex = k->sex;
	dosage_labs_apply(k->facts, k->hepatic, p);
	p->weight_confirmed = weight_confirmed(c, p);
	p->allergy_names = k->allergy_names;
	p->allergy_codings = k->allergy_codings;
}

/* order_limits adds what the order allows to l: its frequency's interval,
 * or a PRN order's own minimum interval and 24-h maximum. */
static void
order_limits(const dosage_order *o, const dosage_drug *drug,
	     dosage_dose_limits *l)
{
	bool prn = false;
	double max = 0;

	/* An order whose frequency no longer parses (none should) adds no
	 * interval of its own: the catalogue's still holds. */
	if (dosage_dose_frequency_parse(o->frequency, &l->order_interval_ms,
					&prn) != MED_OK)
		l->order_interval_ms = 0;
	l->first_dose_overridden = o->dose_override != NULL;
	if (!(prn || o->prn))
		return;
	l->order_interval_ms = 0;
	l->order_min_gap_ms = (int64_t)o->prn_min_interval_minutes * 60000;
	if (o->prn_max_daily_dose > 0 &&
	    dosage_drug_convert(drug, o->prn_max_daily_dose, o->unit, &max) ==
		    MED_OK)
		l->order_max_24h = max;
}

const char *
dosage_first_hard_stop(dosage_check *const *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i]->status ==
		    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP)
			return c[i]->reason;
	return "";
}

med_err
dosage_checks_to_pb(med_arena *a, const dosage_dose_result *r, size_t n,
		    dosage_check ***out, size_t *n_out)
{
	size_t cap = 0;

	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		dosage_check *c = med_arena_push_msg(
			a, (void ***)out, n_out, &cap,
			&smartmed__dosage__v1__dose_check__descriptor);

		if (c == NULL ||
		    !(c->reason = med_arena_strdup(a, r[i].reason)))
			return MED_ERR_NOMEM;
		c->kind = (Smartmed__Dosage__V1__CheckKind)r[i].check;
		c->status = (Smartmed__Dosage__V1__CheckStatus)r[i].status;
		c->value = r[i].value;
		c->limit = r[i].limit;
	}
	return MED_OK;
}

void
dosage_evaluate(const dosage_drug *drug, const dosage_order *order,
		const dosage_dose_patient *p, const dosage_dose_history *h,
		double dose, int64_t at_ms,
		dosage_dose_result r[DOSAGE_DOSE_N_CHECKS])
{
	dosage_dose_limits l;

	dosage_limits(drug, &l);
	if (order != NULL)
		order_limits(order, drug, &l);
	dosage_dose_evaluate(&l, p, h, dose, at_ms, r);
}

med_err
dosage_run_checks(med_arena *a, const dosage_drug *drug,
		  const dosage_order *order, const dosage_dose_patient *p,
		  const dosage_dose_history *h, double dose, int64_t at_ms,
		  Smartmed__Dosage__V1__CheckDoseResponse *res)
{
	dosage_dose_result r[DOSAGE_DOSE_N_CHECKS];
	med_err err;

	dosage_evaluate(drug, order, p, h, dose, at_ms, r);
	if ((err = dosage_checks_to_pb(a, r, DOSAGE_DOSE_N_CHECKS, &res->checks,
				       &res->n_checks)) != MED_OK)
		return err;
	res->overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		r, DOSAGE_DOSE_N_CHECKS);
	res->dose_in_drug_unit = dose;
	res->drug_unit = (char *)drug->unit;
	res->requires_confirmation = drug->high_alert;
	return MED_OK;
}

/* --- text forms of ingredients and bands (CSV and the catalogue table) -- */

char *
dosage_ingredients_text(med_arena *a, const dosage_drug *d)
{
	char buf[512] = "";
	size_t off = 0;

	for (size_t i = 0; i < d->n_other_ingredients && off < sizeof(buf);
	     i++) {
		const Smartmed__Dosage__V1__Ingredient *g =
			d->other_ingredients[i];

		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"%s%s:%.15g:%s", i ? ";" : "",
					g->substance, g->strength,
					g->strength_unit);
	}
	return off < sizeof(buf) ? med_arena_strdup(a, buf) : NULL;
}

/* ingredient_read parses "substance:strength:unit" (a copy it may cut). */
static bool
ingredient_read(char *item, Smartmed__Dosage__V1__Ingredient *g)
{
	char *c1 = strchr(item, ':'), *c2, *end = NULL;

	if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return false;
	*c1 = *c2 = '\0';
	g->substance = item;
	g->strength = strtod(c1 + 1, &end);
	g->strength_unit = c2 + 1;
	return end != c1 + 1 && *end == '\0';
}

med_err
dosage_ingredients_read(med_arena *a, const char *text, dosage_drug *d)
{
	char *copy = med_arena_strdup(a, text ? text : ""), *p;
	size_t cap = 0;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; *p;) {
		char *semi = strchr(p, ';');
		Smartmed__Dosage__V1__Ingredient *g;

		if (semi)
			*semi = '\0';
		g = med_arena_push_msg(
			a, (void ***)&d->other_ingredients,
			&d->n_other_ingredients, &cap,
			&smartmed__dosage__v1__ingredient__descriptor);
		if (g == NULL)
			return MED_ERR_NOMEM;
		if (!ingredient_read(p, g))
			return MED_ERR_INVALID;
		p = semi ? semi + 1 : p + strlen(p);
	}
	return MED_OK;
}

char *
dosage_groups_text(med_arena *a, const dosage_drug *d)
{
	dosage_dose_group g[DOSAGE_DOSE_MAX_GROUPS];
	char buf[2048], why[128];
	size_t n;

	if (dosage_drug_groups(d, g, &n, why, sizeof(why)) != MED_OK ||
	    !dosage_dose_groups_format(g, n, buf, sizeof(buf)))
		return NULL;
	return med_arena_strdup(a, buf);
}

med_err
dosage_groups_read(med_arena *a, const char *text, dosage_drug *d, char *why,
		   size_t len)
{
	dosage_dose_group g[DOSAGE_DOSE_MAX_GROUPS];
	size_t n = 0;
	med_err err = dosage_dose_groups_parse(text, g, DOSAGE_DOSE_MAX_GROUPS,
					       &n, why, len);

	if (err != MED_OK)
		return err;
	return dosage_groups_to_drug(a, g, n, d);
}

/* --- order entry --------------------------------------------------------- */

/* doses_per_day: how many doses gap_ms apart fit in 24 h (q5h: 5). */
static double
doses_per_day(int64_t gap_ms)
{
	return ceil((double)DOSAGE_DOSE_DAY_MS / (double)gap_ms);
}

void
dosage_regimen_history(const dosage_order *o, const dosage_drug *drug,
		       double dose, double lifetime, dosage_dose_history *h)
{
	int64_t interval = 0, gap;
	bool prn = false;
	double max = 0;

	memset(h, 0, sizeof(*h));
	h->given_lifetime = lifetime;
	if (dosage_dose_frequency_parse(o->frequency, &interval, &prn) !=
	    MED_OK)
		return;
	if (!(prn || o->prn)) {
		if (interval <= 0)
			return; /* once */
		h->given_24h = dose * (doses_per_day(interval) - 1);
		h->has_nearest = true;
		h->nearest_gap_ms = interval;
		return;
	}
	gap = o->prn_min_interval_minutes
		      ? (int64_t)o->prn_min_interval_minutes * 60000
		      : (int64_t)drug->min_interval_minutes * 60000;
	if (gap > 0) {
		h->has_nearest = true;
		h->nearest_gap_ms = gap;
		h->given_24h = dose * (doses_per_day(gap) - 1);
	}
	/* A PRN order's own maximum is the most it lets through. */
	if (o->prn_max_daily_dose > 0 &&
	    dosage_drug_convert(drug, o->prn_max_daily_dose, o->unit, &max) ==
		    MED_OK)
		h->given_24h = max > dose ? max - dose : 0;
}

/* --- order states -------------------------------------------------------- */

#define OS(x) SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x

const char *
dosage_order_fhir_status(Smartmed__Dosage__V1__OrderStatus status)
{
	switch (status) {
	case OS(ACTIVE):
		return "active";
	case OS(ON_HOLD):
		return "on-hold";
	case OS(COMPLETED):
		return "completed";
	case OS(PENDING_VERIFICATION):
		return "draft";
	case OS(STOPPED):
	case OS(SUPERSEDED):
		return "stopped";
	default:
		return "unknown";
	}
}

void
dosage_order_settle(dosage_order *o, int64_t now_ms)
{
	if ((o->status == OS(ACTIVE) || o->status == OS(ON_HOLD)) &&
	    o->end_ms != 0 && o->end_ms <= now_ms)
		o->status = OS(COMPLETED);
	o->fhir_status = (char *)dosage_order_fhir_status(o->status);
}

med_err
dosage_order_status_problem(const dosage_order *o, med_problem *p)
{
	switch (o->status) {
	case OS(SUPERSEDED):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "superseded by order %s (a newer "
				       "version); use that one",
				       o->replaced_by_order_id);
	case OS(STOPPED):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is discontinued");
	case OS(ON_HOLD):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is on hold; no dose until a "
				       "prescriber resumes it (ResumeOrder)");
	case OS(PENDING_VERIFICATION):
		return med_problem_set(
			p, MED_ERR_PRECONDITION, "order_id",
			"awaiting a pharmacist's verification (VerifyOrder)");
	case OS(COMPLETED):
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is completed (its end has passed "
				       "or its one dose was given)");
	default:
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "order is not active");
	}
}

med_err
dosage_order_refuse(med_call *call, const dosage_order *o)
{
	med_problem p;

	return failed(call, dosage_order_status_problem(o, &p), &p);
}

char *
dosage_hepatic_text(med_arena *a, const dosage_drug *d)
{
	dosage_dose_limits l = {0};
	char buf[64];

	dosage_drug_hepatic(d, &l);
	if (!dosage_dose_hepatic_format(&l, buf, sizeof(buf)))
		return NULL;
	return med_arena_strdup(a, buf);
}

med_err
dosage_hepatic_read(med_arena *a, const char *text, dosage_drug *d)
{
	dosage_dose_limits l = {0};
	size_t cap = 0;

	if (dosage_dose_hepatic_parse(text, &l) != MED_OK)
		return MED_ERR_INVALID;
	d->hepatic_bands = NULL;
	d->n_hepatic_bands = 0;
	for (int k = 0; k < 3; k++) {
		Smartmed__Dosage__V1__HepaticBand *b;

		if (!(l.hepatic_set & (1u << k)))
			continue;
		b = med_arena_push_msg(
			a, (void ***)&d->hepatic_bands, &d->n_hepatic_bands,
			&cap, &smartmed__dosage__v1__hepatic_band__descriptor);
		if (b == NULL)
			return MED_ERR_NOMEM;
		b->child_pugh_class = med_arena_strdup(a, k == 0   ? "A"
							  : k == 1 ? "B"
								   : "C");
		b->dose_factor = l.hepatic_factor[k];
		if (b->child_pugh_class == NULL)
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}

med_err
dosage_identify(med_call *call, const char *token,
		const dosage_override *identity_override, int64_t now,
		med_vtoken_claims *claims, bool *have_token)
{
	*have_token = token[0] != '\0';
	if (*have_token)
		return dosage_verify_token(call, token, now, claims);
	if (identity_override == NULL)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "verification_token: required (or "
				     "identity_override with a reason)");
	return dosage_check_override(call, "identity_override",
				     identity_override);
}
