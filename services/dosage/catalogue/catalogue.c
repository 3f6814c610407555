/*
 * catalogue.c - ImportCatalogue's CSV reader: RFC 4180 fields (quotes,
 * doubled quotes, commas and newlines inside quotes), '#' comment lines,
 * columns by header name, every row checked by the catalogue rules.
 */
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dosage.h"
#include "catalogue.h"
#include "csv.h"
#include "dose_fields.h"
#include "drug.h"
#include "units.h"

enum col {
	C_CODE,
	C_NAME,
	C_UNIT,
	C_MAX_SINGLE,
	C_MAX_DAILY,
	C_CODE_SYSTEM,
	C_SUBSTANCE,
	C_CLASS,
	C_FORMS,
	C_ROUTES,
	C_MIN_SINGLE,
	C_PER_KG,
	C_PER_KG_DAILY,
	C_PER_M2,
	C_INTERVAL,
	C_LIFETIME,
	C_RENAL,
	C_HIGH_ALERT,
	C_STRENGTH,
	C_STRENGTH_UNIT,
	C_INGREDIENTS,
	C_DOSE_BANDS,
	C_WEIGHT_MISSING,
	C_CRCL_MISSING,
	C_ALLERGIES_MISSING,
	C_VERIFY,
	C_EARLY_WARNS,
	C_CONC_AMOUNT,
	C_CONC_ML,
	C_GTINS,
	C_INF_MAX_RATE,
	C_INF_MAX_RATE_KG,
	C_INF_CEILING,
	C_INFUSION_ONLY,
	C_INF_MAX_CONC,
	C_WEEKLY_ONLY,
	C_ATC,
	C_WEIGHT_MAX_AGE,
	C_RENAL_BASIS,
	C_HEPATIC,
	C_LAB_RULES,
	C_LAB_SOURCE,
	C_PREGNANCY,
	C_PREGNANCY_SOURCE,
	C_REGIMENS,
	N_COLS,
};

static const char *const col_names[N_COLS] = {
	"code",
	"name",
	"unit",
	"max_single_dose",
	"max_daily_dose",
	"code_system",
	"substance",
	"drug_class",
	"forms",
	"routes",
	"min_single_dose",
	"max_dose_per_kg",
	"max_daily_dose_per_kg",
	"max_dose_per_m2",
	"min_interval_minutes",
	"lifetime_max_dose",
	"renal_bands",
	"high_alert",
	"strength",
	"strength_unit",
	"other_ingredients",
	"dose_bands",
	"weight_missing",
	"crcl_missing",
	"allergies_missing",
	"requires_verification",
	"early_dose_warns",
	"concentration_amount",
	"concentration_volume_ml",
	"gtins",
	"infusion_max_rate",
	"infusion_max_rate_per_kg",
	"infusion_rate_ceiling",
	"infusion_only",
	"infusion_max_concentration",
	"weekly_only",
	"atc_code",
	"weight_max_age_days",
	"renal_basis",
	"hepatic_bands",
	"lab_rules",
	"lab_rules_source",
	"pregnancy",
	"pregnancy_source",
	"regimen_limits",
};
#define N_REQUIRED 5

typedef dosage_csv_reader csv_reader;
typedef dosage_csv_row csv_row;

static med_err
add_error(med_arena *a, dosage_import *out, uint32_t line, const char *field,
	  const char *reason)
{
	Smartmed__Dosage__V1__RowError *e;

	if (out->n_errors >= DOSAGE_CSV_MAX_ERRORS)
		return MED_OK;
	e = med_arena_push_msg(a, (void ***)&out->errors, &out->n_errors,
			       &out->cap_errors,
			       &smartmed__dosage__v1__row_error__descriptor);
	if (e == NULL)
		return MED_ERR_NOMEM;
	e->row = line;
	e->field = med_arena_strdup(a, field);
	e->reason = med_arena_strdup(a, reason);
	return e->field && e->reason ? MED_OK : MED_ERR_NOMEM;
}

static bool
parse_double(const char *s, double *out)
{
	if (*s == '\0') {
		*out = 0;
		return true;
	}
	return dosage_dose_number(s, out);
}

static bool
parse_bool(const char *s, protobuf_c_boolean *out)
{
	if (*s == '\0' || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
	    strcasecmp(s, "no") == 0) {
		*out = 0;
		return true;
	}
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
	    strcasecmp(s, "yes") == 0) {
		*out = 1;
		return true;
	}
	return false;
}

typedef struct row_ctx {
	med_arena *a;
	const int *map; /* column -> field index or -1 */
	const csv_row *row;
	dosage_drug *d;
	const char *bad; /* column at fault */
	const char *why; /* what is wrong with it, when known */
} row_ctx;

static const char *
col(const row_ctx *x, enum col c)
{
	int i = x->map[c];

	return i >= 0 && (size_t)i < x->row->n ? x->row->f[i] : "";
}

static bool
num(row_ctx *x, enum col c, double *out)
{
	if (!parse_double(col(x, c), out)) {
		x->bad = col_names[c];
		return false;
	}
	return true;
}

static bool
bands(row_ctx *x)
{
	dosage_dose_band b[DOSAGE_DOSE_MAX_BANDS];
	size_t n = 0, cap = 0;

	if (dosage_dose_bands_parse(col(x, C_RENAL), b, DOSAGE_DOSE_MAX_BANDS,
				    &n) != MED_OK) {
		x->bad = "renal_bands";
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		Smartmed__Dosage__V1__RenalBand *rb = med_arena_push_msg(
			x->a, (void ***)&x->d->renal_bands,
			&x->d->n_renal_bands, &cap,
			&smartmed__dosage__v1__renal_band__descriptor);

		if (rb == NULL)
			return false;
		rb->crcl_below_ml_min = b[i].crcl_below;
		rb->dose_factor = b[i].factor;
		rb->min_interval_minutes = (uint32_t)(b[i].interval_ms / 60000);
	}
	return true;
}

/* policy reads a missing-fact policy column. */
static bool
policy(row_ctx *x, enum col c, Smartmed__Dosage__V1__MissingFactPolicy *out)
{
	dosage_dose_policy p;

	if (dosage_dose_policy_parse(col(x, c), &p) != MED_OK) {
		x->bad = col_names[c];
		return false;
	}
	*out = (Smartmed__Dosage__V1__MissingFactPolicy)p;
	return true;
}

/* extras reads the strength, ingredient, band and policy columns. */
static bool
extras(row_ctx *x)
{
	dosage_drug *d = x->d;
	char why[128];
	med_err err;

	d->strength_unit = (char *)col(x, C_STRENGTH_UNIT);
	if (!num(x, C_STRENGTH, &d->strength) ||
	    !num(x, C_CONC_AMOUNT, &d->concentration_amount) ||
	    !num(x, C_CONC_ML, &d->concentration_volume_ml) ||
	    !policy(x, C_WEIGHT_MISSING, &d->weight_missing) ||
	    !policy(x, C_CRCL_MISSING, &d->crcl_missing) ||
	    !policy(x, C_ALLERGIES_MISSING, &d->allergies_missing))
		return false;
	if (!parse_bool(col(x, C_VERIFY), &d->requires_verification)) {
		x->bad = "requires_verification";
		return false;
	}
	if (!parse_bool(col(x, C_EARLY_WARNS), &d->early_dose_warns)) {
		x->bad = "early_dose_warns";
		return false;
	}
	if (!parse_bool(col(x, C_WEEKLY_ONLY), &d->weekly_only)) {
		x->bad = "weekly_only";
		return false;
	}
	if (dosage_ingredients_read(x->a, col(x, C_INGREDIENTS), d) != MED_OK) {
		x->bad = "other_ingredients";
		return false;
	}
	err = dosage_groups_read(x->a, col(x, C_DOSE_BANDS), d, why,
				 sizeof(why));
	if (err != MED_OK) {
		x->bad = "dose_bands";
		x->why = med_arena_strdup(x->a, why);
		return false;
	}
	return true;
}

/* infusion_cols reads the infusion columns: the rate limits, infusion
 * only, the maximum concentration. */
static bool
infusion_cols(row_ctx *x)
{
	dosage_drug *d = x->d;

	if (!num(x, C_INF_MAX_RATE, &d->infusion_max_rate) ||
	    !num(x, C_INF_MAX_RATE_KG, &d->infusion_max_rate_per_kg) ||
	    !num(x, C_INF_CEILING, &d->infusion_rate_ceiling) ||
	    !num(x, C_INF_MAX_CONC, &d->infusion_max_concentration))
		return false;
	if (!parse_bool(col(x, C_INFUSION_ONLY), &d->infusion_only)) {
		x->bad = "infusion_only";
		return false;
	}
	return true;
}

/* facts_columns reads the plausible-facts columns: the weight's maximum
 * age in whole days and the renal bands' basis. */
static bool
facts_columns(row_ctx *x)
{
	dosage_dose_renal_basis basis;
	double days = 0;

	if (!num(x, C_WEIGHT_MAX_AGE, &days))
		return false;
	if (days < 0 || days > DOSAGE_WEIGHT_MAX_AGE_DAYS ||
	    days != floor(days)) {
		x->bad = "weight_max_age_days";
		return false;
	}
	x->d->weight_max_age_days = (uint32_t)days;
	if (dosage_dose_renal_basis_parse(col(x, C_RENAL_BASIS), &basis) !=
	    MED_OK) {
		x->bad = "renal_basis";
		return false;
	}
	x->d->renal_basis = (Smartmed__Dosage__V1__RenalBasis)basis;
	if (dosage_hepatic_read(x->a, col(x, C_HEPATIC), x->d) != MED_OK) {
		x->bad = "hepatic_bands";
		return false;
	}
	x->d->regimen_limits = (char *)col(x, C_REGIMENS);
	return true;
}

/* fill_drug reads the row's columns into x->d; false with x->bad set. */
static bool
fill_drug(row_ctx *x)
{
	dosage_drug *d = x->d;
	double interval = 0;

	d->code = (char *)col(x, C_CODE);
	d->name = (char *)col(x, C_NAME);
	d->unit = (char *)col(x, C_UNIT);
	d->code_system = (char *)col(x, C_CODE_SYSTEM);
	d->substance = (char *)col(x, C_SUBSTANCE);
	d->drug_class = (char *)col(x, C_CLASS);
	d->atc_code = (char *)col(x, C_ATC);
	/* Checked with the rest of the drug (dosage_drug_problem). */
	d->lab_rules = (char *)col(x, C_LAB_RULES);
	d->lab_rules_source = (char *)col(x, C_LAB_SOURCE);
	d->pregnancy = (char *)col(x, C_PREGNANCY);
	d->pregnancy_source = (char *)col(x, C_PREGNANCY_SOURCE);
	if (!num(x, C_MAX_SINGLE, &d->max_single_dose) ||
	    !num(x, C_MAX_DAILY, &d->max_daily_dose) ||
	    !num(x, C_MIN_SINGLE, &d->min_single_dose) ||
	    !num(x, C_PER_KG, &d->max_dose_per_kg) ||
	    !num(x, C_PER_KG_DAILY, &d->max_daily_dose_per_kg) ||
	    !num(x, C_PER_M2, &d->max_dose_per_m2) ||
	    !num(x, C_LIFETIME, &d->lifetime_max_dose) ||
	    !num(x, C_INTERVAL, &interval))
		return false;
	if (interval < 0 || interval > 86400 || interval != floor(interval)) {
		x->bad = "min_interval_minutes";
		return false;
	}
	d->min_interval_minutes = (uint32_t)interval;
	if (!parse_bool(col(x, C_HIGH_ALERT), &d->high_alert)) {
		x->bad = "high_alert";
		return false;
	}
	if (dosage_list_read(x->a, col(x, C_FORMS), &d->forms, &d->n_forms) !=
		    MED_OK ||
	    dosage_list_read(x->a, col(x, C_ROUTES), &d->routes,
			     &d->n_routes) != MED_OK ||
	    dosage_list_read(x->a, col(x, C_GTINS), &d->gtins, &d->n_gtins) !=
		    MED_OK) {
		x->bad = "";
		return false;
	}
	return bands(x) && extras(x) && infusion_cols(x) && facts_columns(x);
}

/* header_map maps the header's names to columns; NULL on success or the
 * name of the first required column that is missing. */
static const char *
header_map(const csv_row *h, int map[N_COLS], const char **unknown)
{
	for (int c = 0; c < N_COLS; c++)
		map[c] = -1;
	*unknown = NULL;
	for (size_t i = 0; i < h->n; i++) {
		int c;

		for (c = 0; c < N_COLS; c++)
			if (strcmp(h->f[i], col_names[c]) == 0)
				break;
		if (c == N_COLS) {
			*unknown = h->f[i];
			continue;
		}
		map[c] = (int)i;
	}
	for (int c = 0; c < N_REQUIRED; c++)
		if (map[c] < 0)
			return col_names[c];
	return NULL;
}

/* check_row validates one data row and adds it or its error. */
static med_err
check_row(med_arena *a, const int *map, const csv_row *row, size_t n_header,
	  dosage_import *out)
{
	row_ctx x = {.a = a, .map = map, .row = row};
	med_problem p;

	if (row->n != n_header)
		return add_error(a, out, row->line, "",
				 "wrong number of fields");
	x.d = med_arena_zalloc(a, sizeof(*x.d));
	if (x.d == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__drug__init(x.d);
	if (!fill_drug(&x))
		return add_error(a, out, row->line, x.bad ? x.bad : "",
				 x.why ? x.why : "not a valid value");
	if (dosage_drug_problem(x.d, &p) != MED_OK)
		return add_error(a, out, row->line, p.field, p.reason);
	dosage_drug_normalise(x.d);
	for (size_t i = 0; i < out->n_drugs; i++)
		if (strcmp(out->drugs[i]->code, x.d->code) == 0)
			return add_error(a, out, row->line, "code",
					 "appears twice in the file");
	if (out->n_drugs == out->cap_drugs) {
		size_t cap = out->cap_drugs ? out->cap_drugs * 2 : 16;
		dosage_drug **v = med_arena_alloc(a, cap * sizeof(*v));

		if (v == NULL)
			return MED_ERR_NOMEM;
		if (out->n_drugs)
			memcpy(v, out->drugs, out->n_drugs * sizeof(*v));
		out->drugs = v;
		out->cap_drugs = cap;
	}
	out->drugs[out->n_drugs++] = x.d;
	return MED_OK;
}

static med_err
read_header(med_arena *a, csv_reader *r, csv_row *h, int map[N_COLS],
	    med_problem *p)
{
	const char *missing, *unknown;
	int rc = dosage_csv_read_row(r, a, h);

	if (rc == 0)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "no header row");
	if (rc < 0)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "header line %u is not valid CSV: %s",
				       h->line, h->why);
	missing = header_map(h, map, &unknown);
	if (missing)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "header lacks column %s", missing);
	if (unknown)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "unknown column in the header");
	return MED_OK;
}

/* csv_text_problem refuses text that is no CSV catalogue at all. */
static med_err
csv_text_problem(const uint8_t *csv, size_t len, med_problem *p)
{
	if (len == 0)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "must not be empty");
	if (len > DOSAGE_CSV_MAX_BYTES)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "larger than 1 MiB");
	if (!med_utf8_valid((const char *)csv, len))
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "not valid UTF-8 (or holds NUL)");
	return MED_OK;
}

med_err
dosage_csv_parse(med_arena *a, const uint8_t *csv, size_t len,
		 dosage_import *out, med_problem *p)
{
	csv_reader r = {(const char *)csv, (const char *)csv + len, 1};
	csv_row h, row;
	int map[N_COLS], rc;
	size_t rows = 0;
	med_err err;

	memset(out, 0, sizeof(*out));
	if ((err = csv_text_problem(csv, len, p)) != MED_OK ||
	    (err = read_header(a, &r, &h, map, p)) != MED_OK)
		return err;
	while ((rc = dosage_csv_read_row(&r, a, &row)) != 0) {
		if (++rows > DOSAGE_CSV_MAX_ROWS)
			return med_problem_set(p, MED_ERR_INVALID, "csv",
					       "more than %d rows",
					       DOSAGE_CSV_MAX_ROWS);
		err = rc < 0 ? add_error(a, out, row.line, "", row.why)
			     : check_row(a, map, &row, h.n, out);
		if (err != MED_OK)
			return err;
	}
	if (rows == 0)
		return med_problem_set(p, MED_ERR_INVALID, "csv",
				       "no data rows");
	return MED_OK;
}
