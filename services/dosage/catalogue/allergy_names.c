/*
 * allergy_names.c - the pharmacy's table of other names for substances
 * and allergy classes, as CSV (see allergy_text.h): every row checked,
 * the whole table or none of it.
 */
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "allergy_text.h"
#include "catalogue.h"
#include "substances.h"

#define NAME_MAX_LEN   100
#define SOURCE_MAX_LEN 200

static const char *const columns[] = {"name", "substance_or_class", "kind",
				      "source"};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

typedef struct names_ctx {
	med_arena *a;
	dosage_allergy_table *out;
	size_t cap_rows, cap_errors;
	char **keys; /* the rows' names in comparison form */
} names_ctx;

static med_err
row_error(names_ctx *x, uint32_t line, const char *field, const char *reason)
{
	dosage_allergy_row_error *e;

	if (x->out->n_errors >= DOSAGE_ALLERGY_ERRORS_MAX)
		return MED_OK;
	if (x->out->n_errors == x->cap_errors) {
		size_t cap = x->cap_errors ? x->cap_errors * 2 : 16;
		dosage_allergy_row_error *v =
			med_arena_alloc(x->a, cap * sizeof(*v));

		if (v == NULL)
			return MED_ERR_NOMEM;
		if (x->out->n_errors)
			memcpy(v, x->out->errors,
			       x->out->n_errors * sizeof(*v));
		x->out->errors = v;
		x->cap_errors = cap;
	}
	e = &x->out->errors[x->out->n_errors++];
	e->line = line;
	e->field = field;
	e->reason = med_arena_strdup(x->a, reason);
	return e->reason ? MED_OK : MED_ERR_NOMEM;
}

static dosage_allergy_name *
push_row(names_ctx *x)
{
	if (x->out->n == x->cap_rows) {
		size_t cap = x->cap_rows ? x->cap_rows * 2 : 64;
		dosage_allergy_name *v =
			med_arena_alloc(x->a, cap * sizeof(*v));

		char **k = med_arena_alloc(x->a, cap * sizeof(*k));

		if (v == NULL || k == NULL)
			return NULL;
		if (x->out->n) {
			memcpy(v, x->out->rows, x->out->n * sizeof(*v));
			memcpy(k, x->keys, x->out->n * sizeof(*k));
		}
		x->out->rows = v;
		x->keys = k;
		x->cap_rows = cap;
	}
	return &x->out->rows[x->out->n++];
}

/* target_code is the code the table knows s by, or NULL. */
static const char *
target_code(const char *s)
{
	const dosage_substance *sub = dosage_substance_find(s);

	return sub ? sub->code : dosage_allergy_class_find(s);
}

/* has_letter: a name must hold a letter (or another script's byte). */
static bool
has_letter(const char *s)
{
	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* name_problem says what is wrong with row's name, or NULL. */
static const char *
name_problem(const names_ctx *x, const char *name, const char *key,
	     const char *target)
{
	const char *known = target_code(name);

	if (name[0] == '\0' || strlen(name) > NAME_MAX_LEN ||
	    !has_letter(name) || key[0] == '\0')
		return "must be 1..100 characters with a letter";
	if (known != NULL && strcmp(known, target) != 0)
		return "is already a name of another substance or class";
	/* A name an earlier row gave, compared as the reader compares. */
	for (size_t i = 0; i < x->out->n; i++)
		if (strcmp(x->keys[i], key) == 0)
			return "is listed twice";
	return NULL;
}

static med_err
check_row(names_ctx *x, const dosage_csv_row *row)
{
	const char *target;
	const char *why;
	dosage_allergy_kind kind;
	dosage_allergy_name *n;
	char key[DOSAGE_ALLERGY_KEY_MAX], unknown[192];

	if (row->n != N_COLUMNS)
		return row_error(x, row->line, "",
				 "must have 4 columns: name, "
				 "substance_or_class, kind, source");
	if ((target = target_code(row->f[1])) == NULL) {
		snprintf(unknown, sizeof(unknown),
			 "'%.100s' is no substance or allergy class the "
			 "substance table knows",
			 row->f[1]);
		return row_error(x, row->line, "substance_or_class", unknown);
	}
	if (!dosage_allergy_kind_parse(row->f[2], &kind))
		return row_error(x, row->line, "kind",
				 "must be brand, synonym or misspelling");
	if (row->f[3][0] == '\0' || strlen(row->f[3]) > SOURCE_MAX_LEN)
		return row_error(x, row->line, "source",
				 "must be 1..200 characters: where the name "
				 "comes from");
	dosage_allergy_key(row->f[0], key, sizeof(key));
	if ((why = name_problem(x, row->f[0], key, target)) != NULL)
		return row_error(x, row->line, "name", why);
	if ((n = push_row(x)) == NULL ||
	    (x->keys[x->out->n - 1] = med_arena_strdup(x->a, key)) == NULL)
		return MED_ERR_NOMEM;
	*n = (dosage_allergy_name){row->f[0], target, kind, row->f[3]};
	return MED_OK;
}

static const char *
header_problem(const dosage_csv_row *h)
{
	if (h->n != N_COLUMNS)
		return "header must be name,substance_or_class,kind,source";
	for (size_t i = 0; i < N_COLUMNS; i++)
		if (strcmp(h->f[i], columns[i]) != 0)
			return "header must be name,substance_or_class,kind,"
			       "source";
	return NULL;
}

med_err
dosage_allergy_names_parse(med_arena *a, const char *csv, size_t len,
			   dosage_allergy_table *out, const char **why)
{
	dosage_csv_reader r = {csv, csv + len, 1};
	names_ctx x = {.a = a, .out = out};
	dosage_csv_row row;
	size_t rows = 0;
	int rc;
	med_err err;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len == 0 || len > DOSAGE_CSV_MAX_BYTES || !med_utf8_valid(csv, len))
		*why = "must be 1 byte to 1 MiB of UTF-8";
	else if (dosage_csv_read_row(&r, a, &row) <= 0)
		*why = "no header row";
	else
		*why = header_problem(&row);
	if (*why != NULL)
		return MED_ERR_INVALID;
	while ((rc = dosage_csv_read_row(&r, a, &row)) != 0) {
		if (++rows > DOSAGE_ALLERGY_NAMES_MAX) {
			*why = "more than 5000 rows";
			return MED_ERR_INVALID;
		}
		err = rc < 0 ? row_error(&x, row.line, "", row.why)
			     : check_row(&x, &row);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}
