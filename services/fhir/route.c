/*
 * route.c - a request's path and parameters into a fhir_query.  Unknown
 * parameters are refused rather than ignored: a client that filters by
 * something the facade does not support must not get the unfiltered list
 * as if it were the answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/fhir.h>
#include <med/util.h>

#include "fhir_facade.h"

#define INVALID	      3 /* gRPC INVALID_ARGUMENT */
#define NOT_FOUND     5
#define UNIMPLEMENTED 12

/* parse_size reads a decimal in [min, max] with nothing around it. */
static bool
parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || s[0] < '0' || s[0] > '9' || strlen(s) > 9)
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return false;
	*out = (size_t)v;
	return true;
}

/* is_day is true for YYYY-MM-DD with a month 01..12 and a day 01..31. */
static bool
is_day(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	if (strlen(s) != 10)
		return false;
	for (size_t i = 0; i < 10; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if (shape[i] == 'd' ? !digit : s[i] != '-')
			return false;
	}
	return strncmp(s + 5, "01", 2) >= 0 && strncmp(s + 5, "12", 2) <= 0 &&
	       strncmp(s + 8, "01", 2) >= 0 && strncmp(s + 8, "31", 2) <= 0;
}

static med_err
add_date(fhir_query *q, const char *v, fhir_error *e)
{
	static const char *const ops[] = {"eq", "ne", "gt", "lt", "ge", "le"};
	fhir_date_filter *d;
	const char *day = v;

	if (q->n_dates == FHIR_DATE_FILTERS_MAX)
		return fhir_fail(e, INVALID, "date: at most %d given",
				 FHIR_DATE_FILTERS_MAX);
	d = &q->dates[q->n_dates];
	memcpy(d->op, "eq", 3);
	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++) {
		if (strncmp(v, ops[i], 2) == 0) {
			memcpy(d->op, ops[i], 3);
			day = v + 2;
		}
	}
	if (!is_day(day))
		return fhir_fail(e, INVALID,
				 "date: want [eq|ne|gt|lt|ge|le]YYYY-MM-DD, "
				 "got '%.40s'",
				 v);
	memcpy(d->day, day, 11);
	q->n_dates++;
	return MED_OK;
}

/* set_code splits a token "[system|]code". */
static med_err
set_code(fhir_query *q, med_arena *a, const char *v, fhir_error *e)
{
	const char *bar = strchr(v, '|');

	if (bar == NULL) {
		q->code = v;
	} else {
		size_t n = (size_t)(bar - v);
		char *sys = med_arena_alloc(a, n + 1);

		if (sys == NULL)
			return fhir_fail(e, 8, "out of memory");
		memcpy(sys, v, n);
		sys[n] = '\0';
		q->code_system = n > 0 ? sys : NULL;
		q->code = bar + 1;
	}
	if (q->code[0] == '\0' || !med_fhir_string_ok(q->code, false))
		return fhir_fail(e, INVALID, "code: want [system|]code");
	return MED_OK;
}

/* search_param takes one parameter of a search; false: not one. */
static med_err
search_param(fhir_query *q, const fhir_type_info *t, med_arena *a,
	     const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->key, "patient") == 0) {
		if (!med_fhir_id_ok(p->value))
			return fhir_fail(e, INVALID,
					 "patient: not a FHIR id "
					 "(1..64 of A-Z a-z 0-9 - .)");
		q->patient_id = p->value;
		return MED_OK;
	}
	if (strcmp(p->key, "date") == 0)
		return add_date(q, p->value, e);
	if (strcmp(p->key, "code") == 0 && t->code_element != NULL)
		return set_code(q, a, p->value, e);
	if (strcmp(p->key, "status") == 0 && t->status_element != NULL) {
		if (!med_fhir_id_ok(p->value))
			return fhir_fail(e, INVALID, "status: not a code");
		q->status = p->value;
		return MED_OK;
	}
	return fhir_fail(e, INVALID, "%.40s: not a search parameter of %s",
			 p->key, t->type);
}

/* cursor_number reads a decimal up to '.', moving *s past the dot. */
static bool
cursor_number(const char **s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	v = strtoull(*s, &end, 10);
	if (errno != 0 || *end != '.' || v > max)
		return false;
	*out = v;
	*s = end + 1;
	return true;
}

/* token_ok: a page token as the services write them (printable ASCII,
 * no space), short enough for a link. */
static bool
token_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > FHIR_CURSOR_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* parse_cursor reads SOURCE.ENTRY.TOTAL.TOKEN (TOTAL "-": none). */
static bool
parse_cursor(const char *s, fhir_cursor *c)
{
	uint64_t source, entry, total = 0;

	memset(c, 0, sizeof(*c));
	/* A source per record of the patient's family (handle.c). */
	if (!cursor_number(&s, fhir_n_sources() * FHIR_FAMILY_MAX - 1,
			   &source) ||
	    !cursor_number(&s, 1u << 20, &entry))
		return false;
	if (s[0] == '-' && s[1] == '.')
		s += 2;
	else if (!cursor_number(&s, (uint64_t)1 << 53, &total))
		return false;
	else
		c->has_total = true;
	if (!token_ok(s))
		return false;
	c->set = true;
	c->source = (size_t)source;
	c->entry = (size_t)entry;
	c->total = total;
	med_strlcpy(c->token, s, sizeof(c->token));
	return true;
}

/* paging_param takes _count, _offset and _cursor; NOT_FOUND: none. */
static med_err
paging_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->key, "_count") == 0) {
		if (!parse_size(p->value, 1, FHIR_COUNT_MAX, &q->count))
			return fhir_fail(e, INVALID,
					 "_count: want 1..%d, got '%.20s'",
					 FHIR_COUNT_MAX, p->value);
		return MED_OK;
	}
	if (strcmp(p->key, "_offset") == 0) {
		if (!parse_size(p->value, 0, FHIR_OFFSET_MAX, &q->offset))
			return fhir_fail(e, INVALID,
					 "_offset: want 0..%d, got '%.20s'",
					 FHIR_OFFSET_MAX, p->value);
		return MED_OK;
	}
	if (strcmp(p->key, "_cursor") == 0) {
		if (!parse_cursor(p->value, &q->cursor))
			return fhir_fail(e, INVALID,
					 "_cursor: not a cursor of a next "
					 "link, got '%.40s'",
					 p->value);
		return MED_OK;
	}
	return MED_ERR_NOT_FOUND;
}

/* research_param takes $research-export's project and _type. */
static med_err
research_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->key, "project") == 0) {
		if (!med_fhir_id_ok(p->value))
			return fhir_fail(e, INVALID,
					 "project: not a project id "
					 "(1..64 of A-Z a-z 0-9 - .)");
		q->project_id = p->value;
		return MED_OK;
	}
	if (strcmp(p->key, "_type") == 0) {
		q->types = p->value;
		return MED_OK;
	}
	return fhir_fail(e, INVALID,
			 "%.40s: not a parameter of $research-export "
			 "(project, _type)",
			 p->key);
}

static med_err
parse_research_params(const fhir_request *req, fhir_query *q, fhir_error *e)
{
	for (size_t i = 0; i < req->n_params; i++) {
		const fhir_param *p = &req->params[i];
		med_err err;

		if (p->value == NULL || p->value[0] == '\0')
			return fhir_fail(e, INVALID, "%.40s: empty value",
					 p->key);
		if ((err = research_param(q, p, e)) != MED_OK)
			return err;
	}
	if (q->project_id == NULL)
		return fhir_fail(e, INVALID, "project: required");
	return MED_OK;
}

static med_err
parse_params(const fhir_request *req, fhir_query *q, fhir_error *e)
{
	const fhir_type_info *t =
		q->what == FHIR_SEARCH ? fhir_type_find(q->type) : NULL;

	if (req->too_many_params)
		return fhir_fail(e, INVALID, "at most %d query parameters",
				 FHIR_PARAMS_MAX);
	if (q->what == FHIR_RESEARCH_EXPORT)
		return parse_research_params(req, q, e);
	for (size_t i = 0; i < req->n_params; i++) {
		const fhir_param *p = &req->params[i];
		med_err err;

		if (p->value == NULL || p->value[0] == '\0')
			return fhir_fail(e, INVALID, "%.40s: empty value",
					 p->key);
		err = paging_param(q, p, e);
		if (err == MED_ERR_NOT_FOUND && t != NULL)
			err = search_param(q, t, req->arena, p, e);
		else if (err == MED_ERR_NOT_FOUND)
			err = fhir_fail(e, INVALID,
					"%.40s: not a parameter of this "
					"interaction",
					p->key);
		if (err != MED_OK)
			return err;
	}
	if (q->what == FHIR_SEARCH && q->patient_id == NULL)
		return fhir_fail(
			e, INVALID,
			"patient: required (searches are per patient)");
	return MED_OK;
}

/* split_path cuts rest ("Patient/x/$everything") into up to 3 segments. */
static size_t
split_path(med_arena *a, const char *rest, char **seg)
{
	char *copy = med_arena_strdup(a, rest);
	size_t n = 0;
	char *save = NULL;

	if (copy == NULL)
		return 0;
	for (char *s = strtok_r(copy, "/", &save); s != NULL;
	     s = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return 4;
		seg[n++] = s;
	}
	return n;
}

static med_err
route_segments(char **seg, size_t n, fhir_query *q, fhir_error *e)
{
	if (n == 1 && strcmp(seg[0], "metadata") == 0) {
		q->what = FHIR_CAPABILITIES;
		return MED_OK;
	}
	if (n == 1 && strcmp(seg[0], "$research-export") == 0) {
		q->what = FHIR_RESEARCH_EXPORT;
		return MED_OK;
	}
	if (n >= 2 && strcmp(seg[0], "Patient") == 0) {
		if (!med_fhir_id_ok(seg[1]))
			return fhir_fail(e, INVALID,
					 "Patient id: not a FHIR id "
					 "(1..64 of A-Z a-z 0-9 - .)");
		q->type = "Patient";
		q->patient_id = seg[1];
		q->what = n == 2 ? FHIR_READ : FHIR_EVERYTHING;
		if (n == 2 || strcmp(seg[2], "$everything") == 0)
			return MED_OK;
	}
	if (n == 1 && fhir_type_find(seg[0]) != NULL &&
	    fhir_type_is_served(seg[0])) {
		q->what = FHIR_SEARCH;
		q->type = seg[0];
		return MED_OK;
	}
	return fhir_fail(e, NOT_FOUND, "no such endpoint (see %s)",
			 "[base]/metadata");
}

med_err
fhir_route(const fhir_facade *f, const fhir_request *req, fhir_query *q,
	   fhir_error *e)
{
	size_t plen = strlen(f->base_path);
	char *seg[3] = {0};
	size_t n;
	med_err err;

	memset(q, 0, sizeof(*q));
	q->count = FHIR_COUNT_DEFAULT;
	if (strcmp(req->method, "GET") != 0)
		return fhir_fail(e, UNIMPLEMENTED,
				 "%.16s: the facade is read-only (GET only)",
				 req->method);
	if (strncmp(req->path, f->base_path, plen) != 0 ||
	    req->path[plen] != '/')
		return fhir_fail(e, NOT_FOUND, "not below the FHIR base %s",
				 f->base_path[0] ? f->base_path : "/");
	/* fhirread: {type}/{id}[/_history[/{vid}]] (read.c). */
	if (fhir_read_route(f, req, req->path + plen + 1, q, e, &err))
		return err;
	n = split_path(req->arena, req->path + plen + 1, seg);
	err = route_segments(seg, n, q, e);
	if (err == MED_OK)
		err = parse_params(req, q, e);
	return err;
}
