/*
 * include.c - _include and _revinclude (R4 3.1.1.5.9): the resources a
 * page's matches refer to (MedicationRequest:medication,
 * MedicationAdministration:request, *:patient) and the Provenance that
 * targets them, added after the matches with search.mode = include.
 * They are read from the same exports as the matches, for the same
 * patient and on the caller's token, so an include never shows what the
 * caller could not search for.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <med/fhir.h>

#include "smartmed/identity/v1/identity.pb-c.h"

#include "search.h"

#define NOMEM 8
/* References one page can make: a page of FHIR_COUNT_MAX, some with
 * several Provenance targets. */
#define REFS_MAX (FHIR_COUNT_MAX * 2)

typedef struct ref_set {
	const char *refs[REFS_MAX];
	size_t n;
} ref_set;

typedef struct include_ctx {
	const char *type; /* the type included */
	bool rev;	  /* Provenance.target in page, not page's refs */
	ref_set wanted;	  /* include: "Type/id" the page refers to */
	ref_set page;	  /* revinclude: the page's own "Type/id" */
	ref_set done;	  /* written already */
	med_arena *arena;
	med_json *w;
	const char *base_url;
	size_t written;
} include_ctx;

static bool
ref_in(const ref_set *s, const char *ref)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->refs[i], ref) == 0)
			return true;
	return false;
}

static void
ref_add(ref_set *s, med_arena *a, const char *ref)
{
	if (ref == NULL || s->n == REFS_MAX || ref_in(s, ref))
		return;
	s->refs[s->n] = med_arena_strdup(a, ref);
	if (s->refs[s->n] != NULL)
		s->n++;
}

/* page_refs reads what the page's matches refer to (or are). */
static void
page_refs(include_ctx *x, const fhir_matches *m, size_t from, size_t n,
	  const char *element)
{
	for (size_t i = from; i < from + n; i++) {
		size_t len;
		const char *raw = fhir_matches_raw(m, i, &len);
		json_t *res = raw ? json_loadb(raw, len, 0, NULL) : NULL;
		char self[160];

		if (res == NULL)
			break;
		if (x->rev) {
			snprintf(self, sizeof(self), "%s/%s",
				 json_string_value(
					 json_object_get(res, "resourceType")),
				 json_string_value(json_object_get(res, "id")));
			ref_add(&x->page, x->arena, self);
		} else {
			ref_add(&x->wanted, x->arena,
				json_string_value(json_object_get(
					json_object_get(res, element),
					"reference")));
		}
		json_decref(res);
	}
}

/* targets_page: a Provenance naming one of the page's matches. */
static bool
targets_page(const include_ctx *x, json_t *res)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(res, "target"), i, t)
	{
		const char *ref =
			json_string_value(json_object_get(t, "reference"));

		if (ref != NULL && ref_in(&x->page, ref))
			return true;
	}
	return false;
}

static void
write_included(med_json *w, const char *url, const char *raw, size_t len)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "fullUrl", url);
	med_json_raw(w, "resource", raw, len);
	med_json_begin(w, "search", '{');
	med_json_str(w, "mode", "include");
	med_json_end(w, '}');
	med_json_end(w, '}');
}

static med_err
on_entry(void *ctx, json_t *res, const char *raw, size_t len, fhir_error *e)
{
	include_ctx *x = ctx;
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const char *id = json_string_value(json_object_get(res, "id"));
	char self[160], url[1024];

	(void)e;
	if (type == NULL || id == NULL || strcmp(type, x->type) != 0)
		return MED_OK;
	snprintf(self, sizeof(self), "%s/%s", type, id);
	if (ref_in(&x->done, self) ||
	    (x->rev ? !targets_page(x, res) : !ref_in(&x->wanted, self)))
		return MED_OK;
	ref_add(&x->done, x->arena, self);
	snprintf(url, sizeof(url), "%s/%s", x->base_url, self);
	write_included(x->w, url, raw, len);
	x->written++;
	return MED_OK;
}

static med_err
on_page(void *ctx, const char *bundle_json, fhir_error *e)
{
	return fhir_bundle_each(bundle_json, on_entry, ctx, e);
}

/* include_from_sources reads every source exporting x->type for each
 * patient id, writing what x wants. */
static med_err
include_from_sources(fhir_call *c, const char *const *ids, size_t n_ids,
		     include_ctx *x, fhir_error *e)
{
	if (x->rev ? x->page.n == 0 : x->wanted.n == 0)
		return MED_OK;
	for (size_t s = 0; s < fhir_n_sources(); s++) {
		fhir_source *src = &fhir_sources()[s];

		if (src->ch == NULL || !fhir_source_holds(src, x->type))
			continue;
		for (size_t i = 0; i < n_ids; i++) {
			med_err err;

			/* issue 49: the service reads only what makes the
			 * type (dosage its orders for a request). */
			c->search_type = x->type;
			err = fhir_export_all(src, c, ids[i], on_page, x, e);
			c->search_type = NULL;
			if (err != MED_OK)
				return err;
		}
	}
	return MED_OK;
}

static void
write_patient(med_json *w, const fhir_facade *f,
	      const Smartmed__Identity__V1__Patient *p)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/Patient/%s", f->base_url, p->patient_id);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "fullUrl", url);
	med_json_begin(w, "resource", '{');
	med_json_str(w, "resourceType", "Patient");
	med_json_str(w, "id", p->patient_id);
	fhir_patient_fields(w, p, f->mrn_system);
	med_json_end(w, '}');
	med_json_begin(w, "search", '{');
	med_json_str(w, "mode", "include");
	med_json_end(w, '}');
	med_json_end(w, '}');
}

/* one_include reads the resources of type that the page's element
 * refers to (rev: the Provenance targeting the page). */
static med_err
one_include(const fhir_facade *f, fhir_call *c, const fhir_include_page *pg,
	    const char *type, const char *element, bool rev, size_t *n_out,
	    fhir_error *e)
{
	include_ctx *x = med_arena_zalloc(c->arena, sizeof(*x));
	med_err err;

	if (x == NULL)
		return fhir_fail(e, NOMEM, "out of memory");
	x->type = type;
	x->rev = rev;
	x->arena = c->arena;
	x->w = pg->w;
	x->base_url = f->base_url;
	page_refs(x, pg->m, pg->from, pg->n, element);
	err = include_from_sources(c, pg->ids, pg->n_ids, x, e);
	*n_out += x->written;
	return err;
}

med_err
fhir_includes_write(const fhir_facade *f, fhir_call *c, const fhir_query *q,
		    const fhir_include_page *pg, size_t *n_out, fhir_error *e)
{
	med_err err = MED_OK;

	*n_out = 0;
	if ((q->includes & FHIR_INC_PATIENT) && pg->patient != NULL &&
	    pg->n > 0) {
		write_patient(pg->w, f, pg->patient);
		(*n_out)++;
	}
	if (q->includes & FHIR_INC_MEDICATION)
		err = one_include(f, c, pg, "Medication", "medicationReference",
				  false, n_out, e);
	if (err == MED_OK && (q->includes & FHIR_INC_REQUEST))
		err = one_include(f, c, pg, "MedicationRequest", "request",
				  false, n_out, e);
	if (err == MED_OK && (q->includes & FHIR_REV_PROVENANCE))
		err = one_include(f, c, pg, "Provenance", NULL, true, n_out, e);
	return err;
}
