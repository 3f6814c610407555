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

#include "dispatch.h"
#include "search.h"
#include "write.h"

/* What an Allow header names (fhir_allowed_methods). */
#define ALLOW_READ "GET, HEAD"
#define ALLOW_POST "GET, HEAD, POST"

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

/* anchor_ok: "Type~id" as bundle.c writes a page's first match. */
static bool
anchor_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '~'))
			return false;
	}
	return true;
}

/* parse_anchor reads LEN.ANCHOR. (LEN 0: none) at *s. */
static bool
parse_anchor(const char **s, fhir_cursor *c)
{
	uint64_t n;

	if (!cursor_number(s, sizeof(c->anchor) - 1, &n) ||
	    strlen(*s) < n + 1 || (*s)[n] != '.' || !anchor_ok(*s, n))
		return false;
	memcpy(c->anchor, *s, n);
	c->anchor[n] = '\0';
	*s += n + 1;
	return true;
}

/* parse_total reads TOTAL. ("-.": not counted). */
static bool
parse_total(const char **s, fhir_cursor *c)
{
	if ((*s)[0] == '-' && (*s)[1] == '.') {
		*s += 2;
		return true;
	}
	c->has_total = true;
	return cursor_number(s, (uint64_t)1 << 53, &c->total);
}

/* parse_by_offset reads OFFSET.TOTAL.SNAPSHOT, the rest of a _sort
 * search's o. cursor and of a previous link's b. cursor. */
static bool
parse_by_offset(const char *s, fhir_cursor *c)
{
	uint64_t offset, snap;
	char *end = NULL;

	if (!cursor_number(&s, FHIR_OFFSET_MAX, &offset) ||
	    !parse_total(&s, c) || *s < '0' || *s > '9')
		return false;
	snap = strtoull(s, &end, 10);
	if (*end != '\0' || snap > ((uint64_t)1 << 53))
		return false;
	c->set = true;
	c->entry = (size_t)offset;
	c->offset = (size_t)offset;
	c->snapshot_ms = (int64_t)snap;
	return true;
}

/* parse_cursor reads SOURCE.ENTRY.TOTAL.SNAPSHOT.OFFSET.LEN.ANCHOR.TOKEN
 * (TOTAL "-": none), a sorted search's o.OFFSET.TOTAL.SNAPSHOT or a
 * previous link's b.OFFSET.TOTAL.SNAPSHOT. */
static bool
parse_cursor(const char *s, fhir_cursor *c)
{
	uint64_t source, entry, snap, offset;

	memset(c, 0, sizeof(*c));
	if (strncmp(s, "o.", 2) == 0 || strncmp(s, "b.", 2) == 0) {
		c->sorted = s[0] == 'o';
		c->back = s[0] == 'b';
		return parse_by_offset(s + 2, c);
	}
	/* A source per record of the patient's family (handle.c). */
	if (!cursor_number(&s, fhir_n_sources() * FHIR_FAMILY_MAX - 1,
			   &source) ||
	    !cursor_number(&s, 1u << 20, &entry) || !parse_total(&s, c) ||
	    !cursor_number(&s, (uint64_t)1 << 53, &snap) ||
	    !cursor_number(&s, FHIR_OFFSET_MAX, &offset) ||
	    !parse_anchor(&s, c) || !token_ok(s))
		return false;
	c->set = true;
	c->source = (size_t)source;
	c->entry = (size_t)entry;
	c->snapshot_ms = (int64_t)snap;
	c->offset = (size_t)offset;
	med_strlcpy(c->token, s, sizeof(c->token));
	return true;
}

static bool
is_patient_search(const fhir_query *q)
{
	return q->what == FHIR_SEARCH && strcmp(q->type, "Patient") == 0;
}

/* cursor_param takes _cursor: a next link's, or for a Patient search
 * identity's page token. */
static med_err
cursor_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	bool ok;

	if (is_patient_search(q)) {
		ok = token_ok(p->value);
		q->patients.page_token = p->value;
	} else {
		ok = parse_cursor(p->value, &q->cursor);
		/* A sorted cursor only pages a sorted search, and back. */
		ok = ok && q->cursor.sorted == (q->sort != 0);
	}
	if (!ok)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_cursor: not a cursor of a next link of "
				 "this search, got '%.40s'",
				 p->value);
	return MED_OK;
}

/* paging_param takes _count, _offset and _cursor; NOT_FOUND: none. */
static med_err
paging_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->key, "_count") == 0) {
		if (!parse_size(p->value, 1, FHIR_COUNT_MAX, &q->count))
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "_count: want 1..%d, got '%.20s'",
					 FHIR_COUNT_MAX, p->value);
		return MED_OK;
	}
	if (strcmp(p->key, "_offset") == 0 && !is_patient_search(q)) {
		if (!parse_size(p->value, 0, FHIR_OFFSET_MAX, &q->offset))
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "_offset: want 0..%d, got '%.20s'",
					 FHIR_OFFSET_MAX, p->value);
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
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "project: not a project id "
					 "(1..64 of A-Z a-z 0-9 - .)");
		q->project_id = p->value;
		return MED_OK;
	}
	if (strcmp(p->key, "_type") == 0) {
		q->types = p->value;
		return MED_OK;
	}
	return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
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
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "%.40s: empty value", p->key);
		if ((err = research_param(q, p, e)) != MED_OK)
			return err;
	}
	if (q->project_id == NULL)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "project: required");
	return MED_OK;
}

/*
 * offset_check: only a _sort search, which holds all its matches anyway,
 * pages by _offset.  Elsewhere a page by offset would read every match
 * before it; the next links' _cursor reads on from where a page ended, at
 * the same cost at any depth (issue 49), so a non-zero _offset is 400.
 */
static med_err
offset_check(const fhir_query *q, fhir_error *e)
{
	if (q->offset == 0 || q->sort != 0)
		return MED_OK;
	return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
			 "_offset: not offered without _sort (it would read "
			 "every match before the page); follow the Bundle's "
			 "next link, whose _cursor reads on from where the "
			 "page before ended");
}

/*
 * parse_params takes every parameter of the query string and a POST's
 * body.  _cursor is read last, once _sort is known: a sorted search's
 * cursor differs from an unsorted one's.
 */
static med_err
parse_params(const fhir_facade *f, const fhir_request *req, fhir_query *q,
	     fhir_error *e)
{
	const fhir_param *cursor = NULL;
	med_err err;

	if (req->too_many_params)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "at most %d query parameters",
				 FHIR_PARAMS_MAX);
	if (q->what == FHIR_RESEARCH_EXPORT)
		return parse_research_params(req, q, e);
	if ((err = fhir_params_collect(req, q, e)) != MED_OK)
		return err;
	for (size_t i = 0; i < q->n_params; i++) {
		const fhir_param *p = &q->params[i];

		if (p->value == NULL || p->value[0] == '\0')
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "%.40s: empty value", p->key);
		if (strcmp(p->key, "_cursor") == 0) {
			cursor = p;
			continue;
		}
		err = paging_param(q, p, e);
		if (err == MED_ERR_NOT_FOUND &&
		    (q->what == FHIR_SEARCH || q->what == FHIR_EVERYTHING))
			err = fhir_search_param(f, q, req->arena, p, e);
		else if (err == MED_ERR_NOT_FOUND)
			err = fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					"%.40s: not a parameter of this "
					"interaction",
					p->key);
		if (err != MED_OK)
			return err;
	}
	if (cursor != NULL && (err = cursor_param(q, cursor, e)) != MED_OK)
		return err;
	if ((err = offset_check(q, e)) != MED_OK)
		return err;
	return fhir_search_check(q, e);
}
/* split_path cuts rest ("Patient/x/$everything", "Patient/x/T/_search")
 * into up to 4 segments (5: more). */
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
		if (n == 4)
			return 5;
		seg[n++] = s;
	}
	return n;
}

static bool searchable(const char *type);

/* route_compartment takes Patient/{id}/{type}, the Patient compartment's
 * search: {type}?patient={id}, with the same checks (a patient= naming
 * another patient is refused as one patient per search). */
static med_err
route_compartment(const char *type, fhir_query *q, fhir_error *e)
{
	if (strcmp(type, "Patient") == 0 || !searchable(type))
		return fhir_fail(e, MED_GRPC_NOT_FOUND,
				 "Patient/{id}/%.40s: not a type of the "
				 "Patient compartment served here (see %s)",
				 type, "[base]/metadata");
	q->what = FHIR_SEARCH;
	q->type = type;
	q->compartment = true;
	return MED_OK;
}

/* route_patient takes Patient/_search, Patient/{id}/$everything and
 * Patient/{id}/{type}[/_search] (Patient/{id} is a read: read.c routes
 * it first). */
static med_err
route_patient(char **seg, size_t n, fhir_query *q, fhir_error *e)
{
	q->type = "Patient";
	if (n == 2 && strcmp(seg[1], "_search") == 0) {
		q->what = FHIR_SEARCH;
		return MED_OK;
	}
	if (!med_fhir_id_ok(seg[1]))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "Patient id: not a FHIR id "
				 "(1..64 of A-Z a-z 0-9 - .)");
	q->patient_id = seg[1];
	q->what = FHIR_EVERYTHING;
	if (n == 3 && strcmp(seg[2], "$everything") == 0)
		return MED_OK;
	if ((n == 3 || (n == 4 && strcmp(seg[3], "_search") == 0)) &&
	    seg[2][0] != '$' && seg[2][0] != '_')
		return route_compartment(seg[2], q, e);
	return fhir_fail(e, MED_GRPC_NOT_FOUND, "no such endpoint (see %s)",
			 "[base]/metadata");
}

/* searchable: a type with a search (Patient's is identity's). */
static bool
searchable(const char *type)
{
	return strcmp(type, "Patient") == 0 ||
	       (fhir_type_find(type) != NULL && fhir_type_is_served(type));
}

/*
 * route_segments says which interaction the path asks for.  The read of
 * other types by id ({type}/{id}) goes before the final "no such
 * endpoint": the place for read.c's hook.
 */
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
	if ((n == 1 || (n == 2 && strcmp(seg[1], "_search") == 0)) &&
	    searchable(seg[0])) {
		q->what = FHIR_SEARCH;
		q->type = strcmp(seg[0], "Patient") == 0 ? "Patient" : seg[0];
		return MED_OK;
	}
	if (n >= 2 && strcmp(seg[0], "Patient") == 0)
		return route_patient(seg, n, q, e);
	return fhir_fail(e, MED_GRPC_NOT_FOUND, "no such endpoint (see %s)",
			 "[base]/metadata");
}

/* method_ok: GET everywhere; POST for a search ([type]/_search, with
 * its parameters in a form-encoded body) and for $everything. */
static bool
method_ok(const fhir_request *req, const fhir_query *q, size_t n_seg)
{
	if (strcmp(req->method, "GET") == 0)
		return true;
	if (strcmp(req->method, "POST") != 0)
		return false;
	return (q->what == FHIR_SEARCH && n_seg == (q->compartment ? 4 : 2)) ||
	       q->what == FHIR_EVERYTHING;
}

med_err
fhir_route(const fhir_facade *f, const fhir_request *req, fhir_query *q,
	   fhir_error *e)
{
	size_t plen = strlen(f->base_path);
	char *seg[4] = {0};
	size_t n;
	med_err err;

	memset(q, 0, sizeof(*q));
	q->count = FHIR_COUNT_DEFAULT;
	if (strncmp(req->path, f->base_path, plen) != 0 ||
	    req->path[plen] != '/')
		return fhir_fail(e, MED_GRPC_NOT_FOUND,
				 "not below the FHIR base %s",
				 f->base_path[0] ? f->base_path : "/");
	/* fhirread: {type}/{id}[/_history[/{vid}]] (read.c); a read only. */
	if (fhir_read_route(f, req, req->path + plen + 1, q, e, &err)) {
		if (err == MED_OK && strcmp(req->method, "GET") != 0 &&
		    strcmp(req->method, "HEAD") != 0)
			err = fhir_fail(
				e, MED_GRPC_UNIMPLEMENTED,
				"%.16s: not served on a resource (Allow: "
				"%s); the facade neither updates nor "
				"deletes",
				req->method, ALLOW_READ);
		return err;
	}
	n = split_path(req->arena, req->path + plen + 1, seg);
	err = route_segments(seg, n, q, e);
	if (err == MED_OK && !method_ok(req, q, n))
		return fhir_fail(e, MED_GRPC_UNIMPLEMENTED,
				 "%.16s: not served here (GET; POST for "
				 "[type]/_search and $everything)",
				 req->method);
	if (err == MED_OK)
		err = parse_params(f, req, q, e);
	return err;
}

/* --- methods (issue 49, item 7) ------------------------------------------ */

const char *
fhir_allowed_methods(const fhir_facade *f, const char *path)
{
	size_t plen = strlen(f->base_path);
	const char *rest, *slash;
	char type[64];

	if (strncmp(path, f->base_path, plen) != 0)
		return ALLOW_READ;
	/* The base takes a transaction Bundle. */
	if (path[plen] == '\0' || strcmp(path + plen, "/") == 0)
		return ALLOW_POST;
	if (path[plen] != '/')
		return ALLOW_READ;
	rest = path + plen + 1;
	if (strstr(rest, "/_search") != NULL || strstr(rest, "/$") != NULL)
		return ALLOW_POST;
	slash = strchr(rest, '/');
	if (slash != NULL || strlen(rest) >= sizeof(type))
		return ALLOW_READ;
	memcpy(type, rest, strlen(rest) + 1);
	return fhir_write_creates(type) ? ALLOW_POST : ALLOW_READ;
}

bool
fhir_method_refuse(const fhir_facade *f, const fhir_request *req,
		   fhir_response *resp)
{
	const char *allow = fhir_allowed_methods(f, req->path);
	fhir_error e = {0};

	/* A POST the writes do not take is refused by the routes. */
	if (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0 ||
	    strcmp(req->method, "POST") == 0)
		return false;
	(void)fhir_fail(&e, MED_GRPC_UNIMPLEMENTED,
			"%.16s: not served on %.200s (Allow: %s); the facade "
			"neither updates nor deletes",
			req->method, req->path, allow);
	e.http_status = 405;
	fhir_respond_outcome(resp, req->arena, &e);
	resp->allow = allow;
	return true;
}
