/*
 * bundle.c - the services' export Bundles: which entries match a search,
 * and their resources passed on byte for byte.  jansson reads the values
 * the filters need; the resources themselves are copied as the service
 * wrote them, because reading a decimal into a double and writing it back
 * would turn 37.0 into 37 and 36.6 into 36.600000000000001, and FHIR
 * treats a decimal's digits as its precision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <med/util.h>

#include "fhir_facade.h"

#define INTERNAL	   13
#define RESOURCE_EXHAUSTED 8

typedef struct match {
	char *type;
	char *id;
	char *raw; /* the resource's JSON text */
	size_t raw_len;
} match;

struct fhir_matches {
	const fhir_query *q;
	size_t skip;	/* matches to pass over before the page */
	size_t want;	/* entries the page holds */
	bool count_all; /* read on to the end to count the total */
	size_t pages;	/* export pages read */
	bool stopped;	/* reading stopped before the end */
	uint64_t seen;	/* matches met */
	match *items;	/* the page, want at most */
	size_t n;
	/* where the export page being read lies */
	size_t source;
	size_t skip_entries; /* of the next page read: a cursor's entry */
	bool has_next;
	fhir_cursor next;
};

fhir_matches *
fhir_matches_new(const fhir_query *q, size_t skip, size_t want, bool count_all)
{
	fhir_matches *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->items = calloc(want ? want : 1, sizeof(*m->items));
	if (m->items == NULL) {
		free(m);
		return NULL;
	}
	m->q = q;
	m->skip = skip;
	m->want = want;
	m->count_all = count_all;
	return m;
}

void
fhir_matches_free(fhir_matches *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].type);
		free(m->items[i].id);
		free(m->items[i].raw);
	}
	free(m->items);
	free(m);
}

void
fhir_matches_at_source(fhir_matches *m, size_t source, size_t skip_entries)
{
	m->source = source;
	m->skip_entries = skip_entries;
}

size_t
fhir_matches_page_len(const fhir_matches *m)
{
	return m->n;
}

uint64_t
fhir_matches_total(const fhir_matches *m, bool *complete)
{
	*complete = !m->stopped;
	return m->seen;
}

bool
fhir_matches_next(const fhir_matches *m, fhir_cursor *out)
{
	if (m->has_next)
		*out = m->next;
	return m->has_next;
}

/* --- spans: where each entry's resource lies in the text ---------------- */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}

/* skip_string returns the end of the string that starts at p ('"'). */
static const char *
skip_string(const char *p)
{
	for (p++; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return *p == '"' ? p + 1 : NULL;
}

/* skip_value returns the end of the JSON value at p, NULL if malformed.
 * jansson has already accepted the text, so only the shape matters. */
static const char *
skip_value(const char *p)
{
	int depth = 0;

	p = skip_ws(p);
	if (*p == '"')
		return skip_string(p);
	if (*p != '{' && *p != '[') {
		while (*p != '\0' && strchr(",}] \t\r\n", *p) == NULL)
			p++;
		return p;
	}
	do {
		if (*p == '"') {
			p = skip_string(p);
			if (p == NULL)
				return NULL;
			continue;
		}
		if (*p == '\0')
			return NULL;
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (depth > 0);
	return p;
}

/* find_key finds key in the object at p; its value's start, or NULL. */
static const char *
find_key(const char *p, const char *key)
{
	size_t klen = strlen(key);

	p = skip_ws(p);
	if (*p != '{')
		return NULL;
	p = skip_ws(p + 1);
	while (*p == '"') {
		const char *kend = skip_string(p);
		bool hit;

		if (kend == NULL)
			return NULL;
		hit = (size_t)(kend - p) == klen + 2 &&
		      strncmp(p + 1, key, klen) == 0;
		p = skip_ws(skip_ws(kend) + 1); /* past ':' */
		if (hit)
			return p;
		p = skip_value(p);
		if (p == NULL)
			return NULL;
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	return NULL;
}

/* --- filters ---------------------------------------------------------- */

static bool
day_passes(const char *day, const fhir_date_filter *d)
{
	int c = strncmp(day, d->day, 10);

	if (strcmp(d->op, "eq") == 0)
		return c == 0;
	if (strcmp(d->op, "ne") == 0)
		return c != 0;
	if (strcmp(d->op, "gt") == 0)
		return c > 0;
	if (strcmp(d->op, "lt") == 0)
		return c < 0;
	if (strcmp(d->op, "ge") == 0)
		return c >= 0;
	return c <= 0; /* le */
}

/* element_at finds an element by its path: "issued", or "period.start"
 * for one inside a complex element. */
static json_t *
element_at(json_t *res, const char *path)
{
	const char *dot = strchr(path, '.');
	char head[64];

	if (dot == NULL)
		return json_object_get(res, path);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
	return element_at(json_object_get(res, head), dot + 1);
}

/* dates_pass compares the resource's day (UTC, as exported) with every
 * date filter; a resource without a date matches no date filter. */
static bool
dates_pass(json_t *res, const fhir_type_info *t, const fhir_query *q)
{
	const char *day = NULL;

	if (q->n_dates == 0)
		return true;
	for (size_t i = 0; i < 3 && t->date_elements[i] && !day; i++)
		day = json_string_value(element_at(res, t->date_elements[i]));
	if (day == NULL || strlen(day) < 10)
		return false;
	for (size_t i = 0; i < q->n_dates; i++)
		if (!day_passes(day, &q->dates[i]))
			return false;
	return true;
}

static bool
code_passes(json_t *res, const fhir_type_info *t, const fhir_query *q)
{
	json_t *codings, *c;
	size_t i;

	if (q->code == NULL)
		return true;
	codings = json_object_get(json_object_get(res, t->code_element),
				  "coding");
	json_array_foreach(codings, i, c)
	{
		const char *code =
			json_string_value(json_object_get(c, "code"));
		const char *sys =
			json_string_value(json_object_get(c, "system"));

		if (code != NULL && strcmp(code, q->code) == 0 &&
		    (q->code_system == NULL ||
		     (sys != NULL && strcmp(sys, q->code_system) == 0)))
			return true;
	}
	return false;
}

/* status_is: v is the string want (status is a code: a plain string). */
static bool
status_is(const json_t *v, const char *want)
{
	const char *got = json_string_value(v);

	return got != NULL && strcmp(got, want) == 0;
}

static bool
resource_matches(json_t *res, const fhir_query *q)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const fhir_type_info *t;

	if (type == NULL)
		return false;
	/* $everything: all but the services' id-only Patient stubs, which
	 * the facade replaces with identity's full Patient. */
	if (q->what == FHIR_EVERYTHING)
		return strcmp(type, "Patient") != 0;
	if (strcmp(type, q->type) != 0)
		return false;
	t = fhir_type_find(type);
	if (q->status != NULL &&
	    !status_is(json_object_get(res, t->status_element), q->status))
		return false;
	return dates_pass(res, t, q) && code_passes(res, t, q);
}

/* --- gathering -------------------------------------------------------- */

static med_err
keep(fhir_matches *m, json_t *res, const char *raw, size_t raw_len,
     fhir_error *e)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const char *id = json_string_value(json_object_get(res, "id"));
	match *it = &m->items[m->n];

	if (id == NULL)
		return fhir_fail(e, INTERNAL, "export: a %s without id", type);
	it->type = strdup(type);
	it->id = strdup(id);
	it->raw = strndup(raw, raw_len);
	it->raw_len = raw_len;
	if (it->type == NULL || it->id == NULL || it->raw == NULL) {
		free(it->type);
		free(it->id);
		free(it->raw);
		return fhir_fail(e, RESOURCE_EXHAUSTED, "out of memory");
	}
	m->n++;
	return MED_OK;
}

/* mark_next makes entry i of the export page of token the next page's
 * first: the page is full and this match comes after it. */
static med_err
mark_next(fhir_matches *m, const char *token, size_t i, fhir_error *e)
{
	fhir_cursor *c = &m->next;

	if (strlen(token) > FHIR_CURSOR_TOKEN_MAX)
		return fhir_fail(e, INTERNAL,
				 "export: a page token over %d bytes",
				 FHIR_CURSOR_TOKEN_MAX);
	c->set = true;
	c->source = m->source;
	c->entry = i;
	med_strlcpy(c->token, token, sizeof(c->token));
	m->has_next = true;
	return MED_OK;
}

/* take_match places the match at entry i: passed over, kept, or, once the
 * page is full, the next page's start; then only counted. */
static med_err
take_match(fhir_matches *m, json_t *res, const char *raw, size_t raw_len,
	   const char *token, size_t i, fhir_error *e)
{
	uint64_t at = m->seen++;

	if (at < m->skip)
		return MED_OK;
	if (m->n < m->want)
		return keep(m, res, raw, raw_len, e);
	if (!m->has_next)
		return mark_next(m, token, i, e);
	return MED_OK;
}

/* page_done: nothing more to read (the page is full and its next start
 * found), unless the total is still being counted. */
static bool
page_done(const fhir_matches *m)
{
	bool full = m->n == m->want && m->has_next;

	return full && (!m->count_all || m->pages >= FHIR_TOTAL_PAGES_MAX);
}

/* add_entries walks the entry array: values from doc, text from p. */
static med_err
add_entries(fhir_matches *m, json_t *entries, const char *text,
	    const char *token, fhir_error *e)
{
	const char *p = skip_ws(text);
	size_t i, skip = m->skip_entries;
	json_t *entry;

	if (*p != '[')
		return fhir_fail(e, INTERNAL, "export: entry is not an array");
	p++;
	m->skip_entries = 0;
	json_array_foreach(entries, i, entry)
	{
		const char *start = find_key(p, "resource");
		const char *end = start ? skip_value(start) : NULL;
		json_t *res = json_object_get(entry, "resource");
		med_err err = MED_OK;

		if (end == NULL || !json_is_object(res))
			return fhir_fail(e, INTERNAL,
					 "export: entry %zu has no resource",
					 i);
		if (i >= skip && resource_matches(res, m->q))
			err = take_match(m, res, start, (size_t)(end - start),
					 token, i, e);
		if (err != MED_OK)
			return err;
		p = skip_ws(skip_value(p));
		if (*p == ',')
			p++;
	}
	return MED_OK;
}

med_err
fhir_matches_add_page(void *ctx, const char *token, const char *text,
		      fhir_error *e)
{
	fhir_matches *m = ctx;
	json_error_t jerr;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	json_t *entries = json_object_get(doc, "entry");
	const char *at = find_key(text, "entry");
	med_err err = MED_OK;

	m->pages++;
	if (doc == NULL || !json_is_object(doc))
		err = fhir_fail(e, INTERNAL, "export: not JSON (%s)",
				jerr.text);
	else if (entries != NULL && at != NULL)
		err = add_entries(m, entries, at, token, e);
	json_decref(doc);
	if (err == MED_OK && page_done(m)) {
		m->stopped = true;
		err = MED_ERR_CANCELLED;
	}
	return err;
}

void
fhir_matches_write_entries(med_json *w, const fhir_matches *m,
			   const char *base_url)
{
	for (size_t i = 0; i < m->n; i++) {
		const match *it = &m->items[i];
		char url[1024];

		snprintf(url, sizeof(url), "%s/%s/%s", base_url, it->type,
			 it->id);
		med_json_begin(w, NULL, '{');
		med_json_str(w, "fullUrl", url);
		med_json_raw(w, "resource", it->raw, it->raw_len);
		med_json_begin(w, "search", '{');
		med_json_str(w, "mode", "match");
		med_json_end(w, '}');
		med_json_end(w, '}');
	}
}
