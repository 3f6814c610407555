/*
 * search_filter.c - whether one exported resource passes a search: the
 * type, every filter (AND) with any of its values (OR), the snapshot a
 * paging began at, and $everything's _type and _since.  The resource is
 * read with jansson; bundle.c passes on its original text.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "search.h"

/* element_at finds an element by its path: "issued", or "period.start"
 * for one inside a complex element. */
static json_t *
element_at(json_t *res, const char *path)
{
	const char *dot = strchr(path, '.');
	char head[64];

	if (dot == NULL)
		return json_object_get(res, path);
	if ((size_t)(dot - path) >= sizeof(head))
		return NULL;
	memcpy(head, path, (size_t)(dot - path));
	head[dot - path] = '\0';
	return element_at(json_object_get(res, head), dot + 1);
}

/* period_range: a Period covers from its start to its end; an open end
 * (an encounter still going on) runs on for ever. */
static bool
period_range(json_t *period, fhir_range *out)
{
	const char *start = json_string_value(json_object_get(period, "start"));
	const char *end = json_string_value(json_object_get(period, "end"));
	fhir_range r;

	if (start == NULL && end == NULL)
		return false;
	out->lo_ms = INT64_MIN;
	out->hi_ms = INT64_MAX;
	if (start != NULL && fhir_date_range(start, &r))
		out->lo_ms = r.lo_ms;
	if (end != NULL && fhir_date_range(end, &r))
		out->hi_ms = r.hi_ms;
	return true;
}

bool
fhir_resource_range(json_t *res, const fhir_type_info *t, fhir_range *out)
{
	for (size_t i = 0; i < 3 && t->date_elements[i] != NULL; i++) {
		json_t *v = element_at(res, t->date_elements[i]);

		if (json_is_string(v))
			return fhir_date_range(json_string_value(v), out);
		if (json_is_object(v))
			return period_range(v, out);
	}
	return false;
}

/* token_is: obj (a Coding, or an Identifier with key "value") matches
 * the token v ([system|]code). */
static bool
token_is(json_t *obj, const char *key, const fhir_value *v)
{
	const char *code = json_string_value(json_object_get(obj, key));
	const char *sys = json_string_value(json_object_get(obj, "system"));

	if (code == NULL || strcmp(code, v->text) != 0)
		return false;
	if (v->system == NULL)
		return true;
	if (v->system[0] == '\0')
		return sys == NULL;
	return sys != NULL && strcmp(sys, v->system) == 0;
}

static bool
value_passes(json_t *res, const fhir_type_info *t, const fhir_filter *f,
	     const fhir_value *v, int64_t now_ms)
{
	fhir_range got;
	json_t *codings, *c;
	size_t i;

	switch (f->kind) {
	case FHIR_F_DATE:
		/* A resource without a date matches no date filter. */
		return fhir_resource_range(res, t, &got) &&
		       fhir_date_passes(v->prefix, &v->range, &got, now_ms);
	case FHIR_F_CODE:
		codings = json_object_get(json_object_get(res, t->code_element),
					  "coding");
		json_array_foreach(codings, i, c)
		{
			if (token_is(c, "code", v))
				return true;
		}
		return false;
	case FHIR_F_IDENTIFIER:
		json_array_foreach(json_object_get(res, "identifier"), i, c)
		{
			if (token_is(c, "value", v))
				return true;
		}
		return false;
	case FHIR_F_STATUS: {
		const char *s = json_string_value(
			json_object_get(res, t->status_element));

		return s != NULL && strcmp(s, v->text) == 0;
	}
	default:
		return false; /* Patient's filters: patient.c */
	}
}

static bool
filter_passes(json_t *res, const fhir_type_info *t, const fhir_filter *f,
	      int64_t now_ms)
{
	for (size_t i = 0; i < f->n_values; i++)
		if (value_passes(res, t, f, &f->values[i], now_ms))
			return true;
	return false;
}

/*
 * after_snapshot: the resource was created after paging began (its first
 * version, last updated after the snapshot), so it is left out, as it
 * was not there for the first page's total.  A resource changed since
 * (a later version) stays: it was part of the result set.  One without
 * meta (a Medication) cannot be told apart and stays.
 */
static bool
after_snapshot(json_t *res, int64_t snapshot_ms)
{
	json_t *meta = json_object_get(res, "meta");
	const char *version =
		json_string_value(json_object_get(meta, "versionId"));
	const char *updated =
		json_string_value(json_object_get(meta, "lastUpdated"));
	fhir_range r;

	if (snapshot_ms <= 0 || version == NULL || updated == NULL ||
	    strcmp(version, "1") != 0 || !fhir_date_range(updated, &r))
		return false;
	return r.lo_ms > snapshot_ms;
}

/* type_listed: type is one of the comma-separated list. */
static bool
type_listed(const char *list, const char *type)
{
	size_t n = strlen(type);

	for (const char *s = list; s != NULL; s = strchr(s, ',')) {
		if (*s == ',')
			s++;
		if (strncmp(s, type, n) == 0 && (s[n] == ',' || s[n] == '\0'))
			return true;
	}
	return false;
}

/* since_passes: $everything's _since keeps what changed at or after it;
 * a resource without meta.lastUpdated cannot say, and is kept. */
static bool
since_passes(json_t *res, const fhir_query *q)
{
	const char *updated = json_string_value(
		json_object_get(json_object_get(res, "meta"), "lastUpdated"));
	fhir_range r;

	if (!q->has_since || updated == NULL || !fhir_date_range(updated, &r))
		return true;
	return r.lo_ms >= q->since_ms;
}

static bool
everything_passes(json_t *res, const char *type, const fhir_query *q)
{
	/* The services' id-only Patient stubs: the facade writes identity's
	 * full Patient instead. */
	if (strcmp(type, "Patient") == 0)
		return false;
	if (q->types != NULL && !type_listed(q->types, type))
		return false;
	return since_passes(res, q);
}

bool
fhir_resource_matches(json_t *res, const fhir_query *q, int64_t snapshot_ms,
		      int64_t now_ms)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const fhir_type_info *t;

	if (type == NULL || after_snapshot(res, snapshot_ms))
		return false;
	if (q->what == FHIR_EVERYTHING)
		return everything_passes(res, type, q);
	if (strcmp(type, q->type) != 0 || (t = fhir_type_find(type)) == NULL)
		return false;
	for (size_t i = 0; i < q->n_filters; i++)
		if (!filter_passes(res, t, &q->filters[i], now_ms))
			return false;
	return true;
}
