/*
 * time_critical.c - the time-critical medicines table: the shipped file
 * built in (as the allergy names are, allergy_starter.c), its reader and
 * the lookup of a drug's substances.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "csv.h"
#include "substances.h"
#include "time_critical.h"

/* The assembler copies the file's bytes (path from the repository root,
 * where make runs; services/module.mk makes this object depend on it). */
__asm__(".section .rodata\n"
	".balign 16\n"
	"dosage_tc_starter_text:\n"
	".incbin \"services/dosage/knowledge/time_critical.csv\"\n"
	"dosage_tc_starter_text_end:\n"
	".byte 0\n"
	".balign 8\n"
	"dosage_tc_starter_size:\n"
	".quad dosage_tc_starter_text_end - dosage_tc_starter_text\n"
	".previous\n");

extern const char dosage_tc_starter_text[];
extern const uint64_t dosage_tc_starter_size;

#define HEADER	    "substance_or_class,window_min,harm,source"
#define ARENA_BYTES (1024 * 1024)
#define N_FIELDS    4
#define TC_TEXT_MAX 500

const char *
dosage_tc_starter(size_t *len)
{
	*len = (size_t)dosage_tc_starter_size;
	return dosage_tc_starter_text;
}

/* parse_state - a file being read: its rows so far and the first
 * problem. */
typedef struct parse_state {
	med_arena *a;
	dosage_time_critical *rows;
	size_t n;
	const char *version;
	bool header;
	char *why;
	size_t why_len;
} parse_state;

static med_err __attribute__((format(printf, 3, 4)))
refuse(parse_state *p, uint32_t line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->why, p->why_len, "line %u: %s", (unsigned)line, msg);
	return MED_ERR_INVALID;
}

/* term_code is a row's substance (by its code) or ATC class, or NULL. */
static const char *
term_code(const char *term)
{
	const dosage_substance *s = dosage_substance_find(term);

	if (s != NULL)
		return s->code;
	return dosage_atc_known(term) ? term : NULL;
}

static bool
window_read(const char *text, int32_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 ||
	    v > DOSAGE_TC_WINDOW_MAX_MIN)
		return false;
	*out = (int32_t)v;
	return true;
}

static bool
is_known_twice(const parse_state *p, const char *code)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->rows[i].term, code) == 0)
			return true;
	return false;
}

/* row_read checks one data row and appends it. */
static med_err
row_read(parse_state *p, const dosage_csv_row *r)
{
	dosage_time_critical *t = &p->rows[p->n];
	const char *code = term_code(r->f[0]);

	if (r->n != N_FIELDS)
		return refuse(p, r->line, "%s", "expected 4 fields: " HEADER);
	if (code == NULL)
		return refuse(p, r->line,
			      "substance_or_class: \"%.60s\" is neither a "
			      "substance of the substance table nor an ATC "
			      "class of one",
			      r->f[0]);
	if (is_known_twice(p, code))
		return refuse(p, r->line,
			      "substance_or_class: %.60s is named twice", code);
	if (!window_read(r->f[1], &t->window_min))
		return refuse(p, r->line,
			      "window_min: \"%.20s\" is not a whole number "
			      "of minutes from 1 to 1440",
			      r->f[1]);
	if (r->f[2][0] == '\0' || strlen(r->f[2]) > TC_TEXT_MAX)
		return refuse(p, r->line, "%s",
			      "harm: required, 1..500 characters");
	if (r->f[3][0] == '\0' || strlen(r->f[3]) > TC_TEXT_MAX)
		return refuse(p, r->line, "%s",
			      "source: required on every row, 1..500 "
			      "characters");
	t->term = code;
	t->harm = r->f[2];
	t->source = r->f[3];
	t->line = r->line;
	p->n++;
	return MED_OK;
}

/* record_read takes one record: the version, the header, or a row. */
static med_err
record_read(parse_state *p, const dosage_csv_row *r)
{
	if (strcmp(r->f[0], "version") == 0) {
		if (r->n != 2 || r->f[1][0] == '\0' || p->version != NULL)
			return refuse(
				p, r->line, "%s",
				"version: one record \"version,<label>\"");
		p->version = r->f[1];
		return MED_OK;
	}
	if (!p->header) {
		if (r->n != N_FIELDS || strcmp(r->f[0], "substance_or_class") ||
		    strcmp(r->f[1], "window_min") || strcmp(r->f[2], "harm") ||
		    strcmp(r->f[3], "source"))
			return refuse(p, r->line, "%s",
				      "expected the header " HEADER);
		p->header = true;
		return MED_OK;
	}
	if (p->n == DOSAGE_TC_ROWS_MAX)
		return refuse(p, r->line, "%s", "more than 2000 rows");
	return row_read(p, r);
}

med_err
dosage_tc_parse(med_arena *a, const char *text, size_t len,
		dosage_tc_table *out, char *why, size_t why_len)
{
	dosage_csv_reader rd = {text, text + len, 1};
	parse_state p = {a, NULL, 0, NULL, false, why, why_len};
	dosage_csv_row r;
	int got;
	med_err err = MED_OK;

	why[0] = '\0';
	p.rows = med_arena_zalloc(a, DOSAGE_TC_ROWS_MAX * sizeof(*p.rows));
	if (p.rows == NULL)
		return MED_ERR_NOMEM;
	while (err == MED_OK && (got = dosage_csv_read_row(&rd, a, &r)) != 0)
		err = got < 0 ? refuse(&p, rd.line - 1, "%s",
				       "not a CSV record (an open quote, or "
				       "a field too long)")
			      : record_read(&p, &r);
	if (err != MED_OK)
		return err;
	if (p.version == NULL || !p.header)
		return refuse(&p, rd.line, "%s",
			      p.version ? "no header " HEADER
					: "no \"version,<label>\" record");
	out->rows = p.rows;
	out->n = p.n;
	out->version = p.version;
	return MED_OK;
}

/* row_fits: does row t name substance code or one of its ATC classes? */
static bool
row_fits(const dosage_time_critical *t, const char *code,
	 char levels[DOSAGE_ATC_LEVELS][DOSAGE_ATC_LEN], size_t n_levels)
{
	if (strcmp(t->term, code) == 0)
		return true;
	for (size_t k = 0; k < n_levels; k++)
		if (strcmp(t->term, levels[k]) == 0)
			return true;
	return false;
}

const dosage_time_critical *
dosage_tc_match(const dosage_tc_table *t, const char *const *s, size_t n)
{
	const dosage_time_critical *best = NULL;

	for (size_t i = 0; t != NULL && i < n; i++) {
		const dosage_substance *sub = dosage_substance_find(s[i]);
		const char *code = sub ? sub->code : s[i];
		char levels[DOSAGE_ATC_LEVELS][DOSAGE_ATC_LEN];
		const char *atc = dosage_atc_of(code);
		size_t n_levels = atc ? dosage_atc_levels(atc, levels) : 0;

		for (size_t k = 0; k < t->n; k++)
			if (row_fits(&t->rows[k], code, levels, n_levels) &&
			    (best == NULL ||
			     t->rows[k].window_min < best->window_min))
				best = &t->rows[k];
	}
	return best;
}

/* The process's table: written once at start, read afterwards. */
static dosage_tc_table loaded;
static med_arena *loaded_arena;

/* read_file reads the hospital's file (at most DOSAGE_TC_FILE_MAX bytes)
 * into a. */
static med_err
read_file(med_arena *a, const char *path, const char **text, size_t *len,
	  char *why, size_t why_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = med_arena_alloc(a, DOSAGE_TC_FILE_MAX + 1);
	size_t n;

	if (f == NULL || buf == NULL) {
		snprintf(why, why_len, "%s: cannot be read", path);
		if (f != NULL)
			fclose(f);
		return f == NULL ? MED_ERR_IO : MED_ERR_NOMEM;
	}
	n = fread(buf, 1, DOSAGE_TC_FILE_MAX + 1, f);
	fclose(f);
	if (n > DOSAGE_TC_FILE_MAX) {
		snprintf(why, why_len, "%s: larger than 1 MiB", path);
		return MED_ERR_INVALID;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return MED_OK;
}

/* table_read reads the file at path (the shipped one when "") into *t. */
static med_err
table_read(med_arena *a, const char *path, dosage_tc_table *t, char *why,
	   size_t why_len)
{
	size_t len;
	const char *text = dosage_tc_starter(&len);
	char line_why[256];
	med_err err;

	if (path[0] != '\0' &&
	    (err = read_file(a, path, &text, &len, why, why_len)) != MED_OK)
		return err;
	err = dosage_tc_parse(a, text, len, t, line_why, sizeof(line_why));
	if (err != MED_OK)
		snprintf(why, why_len, "%s: %s",
			 path[0] ? path : "knowledge/time_critical.csv",
			 line_why);
	return err;
}

med_err
dosage_time_critical_load(const char *path, char *why, size_t why_len)
{
	med_arena *a = med_arena_new(ARENA_BYTES + DOSAGE_TC_FILE_MAX);
	dosage_tc_table t;
	med_err err;

	why[0] = '\0';
	if (a == NULL)
		return MED_ERR_NOMEM;
	err = table_read(a, path ? path : "", &t, why, why_len);
	if (err != MED_OK) {
		med_arena_free(a);
		return err;
	}
	med_arena_free(loaded_arena);
	loaded_arena = a;
	loaded = t;
	return MED_OK;
}

const dosage_tc_table *
dosage_time_critical_table(void)
{
	return &loaded;
}
