/*
 * bundle.c - the services' export Bundles: which entries match a search,
 * and their resources passed on byte for byte.  jansson reads the values
 * the filters need; the resources themselves are copied as the service
 * wrote them, because reading a decimal into a double and writing it back
 * would turn 37.0 into 37 and 36.6 into 36.600000000000001, and FHIR
 * treats a decimal's digits as its precision.
 *
 * Paging is pinned (issue 35): a page's cursor carries the instant the
 * first page was read (resources created later are left out, as they
 * were not counted in its total) and the type and id of the next page's
 * first match, which is looked for from the cursor's place on, so that a
 * resource charted meanwhile, which moves the sources' own offsets,
 * neither repeats a resource nor skips one.  A _sort search holds every
 * match (FHIR_SORT_MAX at most), sorts them by date and cuts the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <med/util.h>

#include "search.h"

typedef struct match {
	char *type;
	char *id;
	char *raw; /* the resource's JSON text */
	size_t raw_len;
	bool has_range; /* its date, for _sort */
	fhir_range range;
} match;

struct fhir_matches {
	const fhir_query *q;
	size_t skip;	/* matches to pass over before the page */
	size_t want;	/* entries the page holds */
	bool count_all; /* read on to the end to count the total */
	size_t pages;	/* export pages read */
	bool stopped;	/* reading stopped before the end */
	uint64_t seen;	/* matches met */
	match *items;	/* the page, want at most (sorted: every match) */
	size_t n;
	size_t cap;
	bool sorted;	     /* _sort: keep every match, sort, then page */
	int64_t snapshot_ms; /* leave out what was created after it */
	int64_t now_ms;	     /* date=ap's "now" */
	bool seeking;	     /* looking for the cursor's anchor */
	char anchor[128];
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
	m->sorted = q->sort != 0;
	m->cap = m->sorted ? 64 : (want ? want : 1);
	m->items = calloc(m->cap, sizeof(*m->items));
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
fhir_matches_pin(fhir_matches *m, int64_t snapshot_ms, int64_t now_ms)
{
	m->snapshot_ms = snapshot_ms;
	m->now_ms = now_ms;
}

void
fhir_matches_at_source(fhir_matches *m, size_t source, size_t skip_entries,
		       const char *anchor)
{
	m->source = source;
	m->skip_entries = skip_entries;
	m->seeking = anchor != NULL && anchor[0] != '\0';
	if (m->seeking)
		med_strlcpy(m->anchor, anchor, sizeof(m->anchor));
}

bool
fhir_matches_seeking(const fhir_matches *m)
{
	return m->seeking;
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

/* --- gathering -------------------------------------------------------- */

/* grow doubles a sorted search's room, up to FHIR_SORT_MAX matches. */
static med_err
grow(fhir_matches *m, fhir_error *e)
{
	size_t cap = m->cap * 2;
	match *items;

	if (m->cap >= FHIR_SORT_MAX)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "_sort: more than %d matches to sort; narrow "
				 "the search (date, code, status)",
				 FHIR_SORT_MAX);
	items = realloc(m->items, cap * sizeof(*items));
	if (items == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	memset(items + m->cap, 0, (cap - m->cap) * sizeof(*items));
	m->items = items;
	m->cap = cap;
	return MED_OK;
}

static med_err
keep(fhir_matches *m, json_t *res, const char *raw, size_t raw_len,
     fhir_error *e)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const char *id = json_string_value(json_object_get(res, "id"));
	const fhir_type_info *t = fhir_type_find(type);
	match *it;

	if (id == NULL)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "export: a %s without id", type);
	if (m->n == m->cap && grow(m, e) != MED_OK)
		return MED_ERR_NOMEM;
	it = &m->items[m->n];
	it->has_range = t != NULL && fhir_resource_range(res, t, &it->range);
	it->type = strdup(type);
	it->id = strdup(id);
	it->raw = strndup(raw, raw_len);
	it->raw_len = raw_len;
	if (it->type == NULL || it->id == NULL || it->raw == NULL) {
		free(it->type);
		free(it->id);
		free(it->raw);
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	}
	m->n++;
	return MED_OK;
}

/* anchor_of writes "Type~id" of res (cut to fit: it is only looked for,
 * and route.c accepts what it writes). */
static void
anchor_of(json_t *res, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s~%s",
		 json_string_value(json_object_get(res, "resourceType")),
		 json_string_value(json_object_get(res, "id")));
}

/* mark_next makes entry i of the export page of token the next page's
 * first: the page is full and this match comes after it. */
static med_err
mark_next(fhir_matches *m, json_t *res, const char *token, size_t i,
	  fhir_error *e)
{
	fhir_cursor *c = &m->next;

	if (strlen(token) > FHIR_CURSOR_TOKEN_MAX)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "export: a page token over %d bytes",
				 FHIR_CURSOR_TOKEN_MAX);
	c->set = true;
	c->source = m->source;
	c->entry = i;
	c->snapshot_ms = m->snapshot_ms;
	med_strlcpy(c->token, token, sizeof(c->token));
	anchor_of(res, c->anchor, sizeof(c->anchor));
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

	if (m->sorted)
		return keep(m, res, raw, raw_len, e);
	if (at < m->skip)
		return MED_OK;
	if (m->n < m->want)
		return keep(m, res, raw, raw_len, e);
	if (!m->has_next)
		return mark_next(m, res, token, i, e);
	return MED_OK;
}

/* page_done: nothing more to read (the page is full and its next start
 * found), unless the total is still being counted. */
static bool
page_done(const fhir_matches *m)
{
	bool full = !m->sorted && m->n == m->want && m->has_next;
	size_t pages_max = m->q->summary_count ? FHIR_COUNT_PAGES_MAX
					       : FHIR_TOTAL_PAGES_MAX;

	return full && (!m->count_all || m->pages >= pages_max);
}

/* is_anchor: res is the cursor's anchor, the next page's first match. */
static bool
is_anchor(json_t *res, const char *anchor)
{
	char here[128];

	anchor_of(res, here, sizeof(here));
	return strcmp(here, anchor) == 0;
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
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "export: entry is not an array");
	p++;
	m->skip_entries = 0;
	json_array_foreach(entries, i, entry)
	{
		const char *start = find_key(p, "resource");
		const char *end = start ? skip_value(start) : NULL;
		json_t *res = json_object_get(entry, "resource");
		med_err err = MED_OK;

		if (end == NULL || !json_is_object(res))
			return fhir_fail(e, MED_GRPC_INTERNAL,
					 "export: entry %zu has no resource",
					 i);
		if (i >= skip && m->seeking)
			m->seeking = !is_anchor(res, m->anchor);
		if (i >= skip && !m->seeking &&
		    fhir_resource_matches(res, m->q, m->snapshot_ms, m->now_ms))
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

/* A previous link's page (a b. cursor) reads from the start to its
 * offset, as a count does: it is not cut at FHIR_SCAN_PAGES_MAX, which
 * would end it before the entries it was sent for. */
bool
fhir_matches_spent(const fhir_matches *m)
{
	size_t max =
		m->q->cursor.back ? FHIR_COUNT_PAGES_MAX : FHIR_SCAN_PAGES_MAX;

	return !m->sorted && !m->q->summary_count && m->pages >= max;
}

bool
fhir_matches_done(fhir_matches *m)
{
	if (!page_done(m))
		return false;
	m->stopped = true;
	return true;
}

/* resume_at ends the page at the export page of token ("": its first) of
 * source: the next page reads on from there, with no anchor to look for,
 * as every entry before it has been judged. */
static void
resume_at(fhir_matches *m, size_t source, const char *token)
{
	fhir_cursor *c = &m->next;

	memset(c, 0, sizeof(*c));
	c->set = true;
	c->source = source;
	c->snapshot_ms = m->snapshot_ms;
	med_strlcpy(c->token, token, sizeof(c->token));
	m->has_next = true;
	m->stopped = true;
}

void
fhir_matches_resume_at(fhir_matches *m, size_t source)
{
	resume_at(m, source, "");
}

/* out_of_pages: the page has read its share and its next start is not
 * found yet; the source goes on after this export page (when it ended,
 * gather ends the page before the next source). */
static bool
out_of_pages(const fhir_matches *m, const char *next)
{
	return fhir_matches_spent(m) && !m->has_next && next != NULL &&
	       next[0] != '\0' && strlen(next) <= FHIR_CURSOR_TOKEN_MAX;
}

med_err
fhir_matches_add_page(void *ctx, const char *token, const char *next,
		      const char *text, fhir_error *e)
{
	fhir_matches *m = ctx;
	json_error_t jerr;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	json_t *entries = json_object_get(doc, "entry");
	const char *at = find_key(text, "entry");
	med_err err = MED_OK;

	m->pages++;
	if (doc == NULL || !json_is_object(doc))
		err = fhir_fail(e, MED_GRPC_INTERNAL, "export: not JSON (%s)",
				jerr.text);
	else if (entries != NULL && at != NULL)
		err = add_entries(m, entries, at, token, e);
	json_decref(doc);
	/* At a source's last export page the page is not cut: when no
	 * source holding the search's types is left, the count is complete
	 * (gather asks fhir_matches_done before the next source). */
	if (err == MED_OK && next != NULL && next[0] != '\0' &&
	    fhir_matches_done(m)) {
		err = MED_ERR_CANCELLED;
	} else if (err == MED_OK && out_of_pages(m, next)) {
		resume_at(m, m->source, next);
		err = MED_ERR_CANCELLED;
	}
	return err;
}

/* --- any Bundle's entries ------------------------------------------------ */

med_err
fhir_bundle_each(const char *text, fhir_entry_fn fn, void *ctx, fhir_error *e)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	json_t *entries = json_object_get(doc, "entry"), *entry;
	const char *p = find_key(text, "entry");
	med_err err = MED_OK;
	size_t i;

	if (!json_is_object(doc)) {
		json_decref(doc);
		return fhir_fail(e, MED_GRPC_INTERNAL, "export: not JSON (%s)",
				 jerr.text);
	}
	p = p != NULL ? skip_ws(p) : "";
	p += *p == '[';
	json_array_foreach(entries, i, entry)
	{
		const char *start = find_key(p, "resource");
		const char *end = start ? skip_value(start) : NULL;
		json_t *res = json_object_get(entry, "resource");

		if (end == NULL || !json_is_object(res)) {
			err = fhir_fail(e, MED_GRPC_INTERNAL,
					"export: entry %zu has no resource", i);
			break;
		}
		err = fn(ctx, res, start, (size_t)(end - start), e);
		if (err != MED_OK)
			break;
		p = skip_ws(skip_value(p));
		if (*p == ',')
			p++;
	}
	json_decref(doc);
	return err;
}

/* --- sorting ----------------------------------------------------------- */

/* by_date orders by the date's start (ties: type, id, in the same
 * direction, so -date is date's exact reverse); a match without a date
 * goes last, whichever the direction. */
static int
by_date(const match *a, const match *b, int dir)
{
	int c;

	if (a->has_range != b->has_range)
		return a->has_range ? -1 : 1;
	if (a->has_range && a->range.lo_ms != b->range.lo_ms)
		return (a->range.lo_ms < b->range.lo_ms ? -1 : 1) * dir;
	c = strcmp(a->type, b->type);
	return (c != 0 ? c : strcmp(a->id, b->id)) * dir;
}

static int
by_date_up(const void *a, const void *b)
{
	return by_date(a, b, 1);
}

static int
by_date_down(const void *a, const void *b)
{
	return by_date(a, b, -1);
}

void
fhir_matches_sort(fhir_matches *m)
{
	if (m->sorted && m->n > 1)
		qsort(m->items, m->n, sizeof(*m->items),
		      m->q->sort < 0 ? by_date_down : by_date_up);
}

const char *
fhir_matches_raw(const fhir_matches *m, size_t i, size_t *len)
{
	if (i >= m->n)
		return NULL;
	*len = m->items[i].raw_len;
	return m->items[i].raw;
}

/* --- writing ------------------------------------------------------------ */

/* element_listed: key is one of _elements' comma-separated names. */
static bool
element_listed(const char *elements, const char *key, size_t klen)
{
	for (const char *s = elements; s != NULL; s = strchr(s, ',')) {
		if (*s == ',')
			s++;
		if (strncmp(s, key, klen) == 0 &&
		    (s[klen] == ',' || s[klen] == '\0'))
			return true;
	}
	return false;
}

/* write_meta_subsetted writes meta with the SUBSETTED tag R4 asks of a
 * resource cut by _elements (meta holds only short strings: jansson may
 * rewrite it). */
static void
write_meta_subsetted(med_json *w, const char *raw, size_t len)
{
	json_t *meta = raw ? json_loadb(raw, len, 0, NULL) : json_object();
	json_t *tags = json_array(), *tag = json_object();
	char *text;

	json_object_set_new(tag, "system",
			    json_string("http://terminology.hl7.org/"
					"CodeSystem/v3-ObservationValue"));
	json_object_set_new(tag, "code", json_string("SUBSETTED"));
	json_array_append_new(tags, tag);
	if (json_is_object(meta))
		json_object_set_new(meta, "tag", tags);
	else
		json_decref(tags);
	text = json_is_object(meta) ? json_dumps(meta, JSON_COMPACT) : NULL;
	if (text != NULL)
		med_json_raw(w, "meta", text, strlen(text));
	free(text);
	json_decref(meta);
}

/* write_subset writes the resource with only resourceType, id, meta and
 * the elements _elements names, each copied as the service wrote it. */
static void
write_subset(med_json *w, const char *raw, const char *elements)
{
	const char *p = skip_ws(raw), *meta = NULL, *meta_end = NULL;

	med_json_begin(w, "resource", '{');
	for (p = *p == '{' ? skip_ws(p + 1) : ""; *p == '"';) {
		const char *kend = skip_string(p), *v, *vend;
		size_t klen = kend ? (size_t)(kend - p) - 2 : 0;
		char key[64];

		if (kend == NULL || klen >= sizeof(key))
			break;
		v = skip_ws(skip_ws(kend) + 1);
		vend = skip_value(v);
		if (vend == NULL)
			break;
		snprintf(key, sizeof(key), "%.*s", (int)klen, p + 1);
		if (strcmp(key, "meta") == 0) {
			meta = v;
			meta_end = vend;
		} else if (strcmp(key, "resourceType") == 0 ||
			   strcmp(key, "id") == 0 ||
			   element_listed(elements, key, klen)) {
			med_json_raw(w, key, v, (size_t)(vend - v));
		}
		p = skip_ws(vend);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	write_meta_subsetted(w, meta, meta ? (size_t)(meta_end - meta) : 0);
	med_json_end(w, '}');
}

void
fhir_matches_write_entries(med_json *w, const fhir_matches *m,
			   const char *base_url, size_t from, size_t n)
{
	for (size_t i = from; i < m->n && i < from + n; i++) {
		const match *it = &m->items[i];
		char url[1024];

		snprintf(url, sizeof(url), "%s/%s/%s", base_url, it->type,
			 it->id);
		med_json_begin(w, NULL, '{');
		med_json_str(w, "fullUrl", url);
		if (m->q->elements != NULL)
			write_subset(w, it->raw, m->q->elements);
		else
			med_json_raw(w, "resource", it->raw, it->raw_len);
		med_json_begin(w, "search", '{');
		med_json_str(w, "mode", "match");
		med_json_end(w, '}');
		med_json_end(w, '}');
	}
}
