/*
 * handle.c - one function per FHIR interaction, and around them the order
 * every request follows: route, authenticate, serve, audit.  The caller is
 * authenticated before its request is judged, so that an anonymous client
 * learns nothing, not even which ids are well-formed.  Each request is a
 * call of libmed's rpc layer (med_call_local_new): its caller and its
 * access event are made by the same code as a gRPC method's.
 */
#include <stdio.h>
#include <string.h>

#include <med/audit.h>
#include <med/codec.h>
#include <med/fhir.h>
#include <med/log.h>
#include <med/util.h>

#include "smartmed/identity/v1/identity.pb-c.h"

#include "dispatch.h"
#include "search.h"
#include "ward.h"
#include "write.h"

static const char *
interaction_name(const fhir_query *q)
{
	switch (q->what) {
	case FHIR_READ:
		return "read";
	case FHIR_SEARCH:
		return "search-type";
	case FHIR_EVERYTHING:
		return "$everything";
	case FHIR_RESEARCH_EXPORT:
		return "research-export";
	/* fhirread */
	case FHIR_VREAD:
		return "vread";
	case FHIR_HISTORY:
		return "history-instance";
	default:
		return "capabilities";
	}
}

/* --- URLs of the paging links ------------------------------------------ */

/* cursor_text writes c as _cursor's value (route.c reads it):
 * SOURCE.ENTRY.TOTAL.SNAPSHOT.OFFSET.LEN.ANCHOR.TOKEN, a sorted search's
 * o.OFFSET.TOTAL.SNAPSHOT, a previous link's b.OFFSET.TOTAL.SNAPSHOT, a
 * Patient search's identity token as it is. */
static void
cursor_text(const fhir_cursor *c, char *buf, size_t cap)
{
	char total[24] = "-";

	if (c->has_total)
		snprintf(total, sizeof(total), "%llu",
			 (unsigned long long)c->total);
	if (c->sorted || c->back)
		snprintf(buf, cap, "%c.%zu.%s.%lld", c->sorted ? 'o' : 'b',
			 c->entry, total, (long long)c->snapshot_ms);
	else if (c->source == SIZE_MAX)
		snprintf(buf, cap, "%s", c->token);
	else
		snprintf(buf, cap, "%zu.%zu.%s.%lld.%zu.%zu.%s.%s", c->source,
			 c->entry, total, (long long)c->snapshot_ms, c->offset,
			 strlen(c->anchor), c->anchor, c->token);
}

/* paging_key: a parameter page_url sets itself. */
static bool
paging_key(const char *key)
{
	return strcmp(key, "_count") == 0 || strcmp(key, "_offset") == 0 ||
	       strcmp(key, "_cursor") == 0;
}

/* page_url is the request's own URL (its body's parameters in the query,
 * as R4 has a POST search's links) with _offset set to offset (none for
 * a Patient search, which identity pages) and, when cursor is not NULL,
 * _cursor set to it. */
static void
page_url(const fhir_facade *f, const fhir_query *q, size_t offset,
	 const fhir_cursor *cursor, char *url, size_t cap)
{
	char num[24];

	if (q->what == FHIR_EVERYTHING)
		snprintf(url, cap, "%s/Patient/%s/$everything", f->base_url,
			 q->patient_id);
	else if (q->compartment)
		snprintf(url, cap, "%s/Patient/%s/%s", f->base_url,
			 q->patient_id, q->type);
	else
		snprintf(url, cap, "%s/%s", f->base_url, q->type);
	for (size_t i = 0; i < q->n_params; i++)
		if (!paging_key(q->params[i].key))
			med_url_query_add(url, cap, q->params[i].key,
					  q->params[i].value);
	snprintf(num, sizeof(num), "%zu", q->count);
	med_url_query_add(url, cap, "_count", num);
	if (offset != SIZE_MAX) {
		snprintf(num, sizeof(num), "%zu", offset);
		med_url_query_add(url, cap, "_offset", num);
	}
	if (cursor != NULL) {
		char text[FHIR_CURSOR_TOKEN_MAX + 256];

		cursor_text(cursor, text, sizeof(text));
		med_url_query_add(url, cap, "_cursor", text);
	}
}

static void
write_link(med_json *w, const fhir_facade *f, const fhir_query *q,
	   const char *relation, size_t offset, const fhir_cursor *cursor)
{
	char url[2048];

	page_url(f, q, offset, cursor, url, sizeof(url));
	med_json_begin(w, NULL, '{');
	med_json_str(w, "relation", relation);
	med_json_str(w, "url", url);
	med_json_end(w, '}');
}

/* page_ends - what a page learnt of the search: its total when counted,
 * and where the next page starts when there is one. */
typedef struct page_ends {
	size_t offset; /* of the page's first entry (sorted: of the sort) */
	bool has_total;
	uint64_t total;
	bool has_next;
	fhir_cursor next;
} page_ends;

/* write_previous writes an unsorted page's previous link: the _count
 * entries before the page, of the same snapshot, by a b. cursor that
 * reads from the start and passes over the entries before them.  Only
 * going back costs the depth; next reads on at the same cost at any
 * depth. */
static void
write_previous(med_json *w, const fhir_facade *f, const fhir_query *q,
	       const page_ends *p)
{
	size_t at = p->offset > q->count ? p->offset - q->count : 0;
	const fhir_cursor back = {.set = true,
				  .back = true,
				  .entry = at,
				  .offset = at,
				  .has_total = p->has_total,
				  .total = p->total,
				  .snapshot_ms = p->next.snapshot_ms};

	if (p->offset > 0)
		write_link(w, f, q, "previous", SIZE_MAX, &back);
}

/* write_links: self, first, previous and next; next by _cursor, which
 * reads on from where this page ended rather than from the start.  A
 * _sort search, which holds every match, has previous and last by
 * _offset (last only with a total); an unsorted page has no offset
 * (route.c) and its previous link a b. cursor (write_previous). */
static void
write_links(med_json *w, const fhir_facade *f, const fhir_query *q,
	    const page_ends *p)
{
	size_t at = p->offset;

	med_json_begin(w, "link", '[');
	if (q->sort == 0) {
		write_link(w, f, q, "self", SIZE_MAX,
			   q->cursor.set ? &q->cursor : NULL);
		write_link(w, f, q, "first", SIZE_MAX, NULL);
		write_previous(w, f, q, p);
		if (p->has_next)
			write_link(w, f, q, "next", SIZE_MAX, &p->next);
		med_json_end(w, ']');
		return;
	}
	write_link(w, f, q, "self", at, q->cursor.set ? &q->cursor : NULL);
	write_link(w, f, q, "first", 0, NULL);
	if (at > 0)
		write_link(w, f, q, "previous",
			   at > q->count ? at - q->count : 0, NULL);
	if (p->has_next)
		write_link(w, f, q, "next", at + q->count, &p->next);
	if (p->has_total)
		write_link(w, f, q, "last",
			   p->total == 0 ? 0
					 : (p->total - 1) / q->count * q->count,
			   NULL);
	med_json_end(w, ']');
}

/* --- the interactions --------------------------------------------------- */

/* fhir_family - the patient searched and the records merged into it
 * (identity's Patient.merged_ids): a survivor's search holds the merged
 * records' resources, which stay filed under their own ids. */
typedef struct fhir_family {
	const char *ids[FHIR_FAMILY_MAX];
	size_t n;
} fhir_family;

/* family_of is q's patient and, when identity listed them, its merged
 * records (p NULL: identity was not asked or could not say). */
static void
family_of(const fhir_query *q, const Smartmed__Identity__V1__Patient *p,
	  fhir_family *fam)
{
	fam->ids[0] = q->patient_id;
	fam->n = 1;
	for (size_t i = 0;
	     p != NULL && i < p->n_merged_ids && fam->n < FHIR_FAMILY_MAX; i++)
		fam->ids[fam->n++] = p->merged_ids[i];
}

/* read_source reads source v of the family from the cursor's place when
 * it is the cursor's: past its anchor when it is still there, else (it
 * was deleted) from the cursor's entry. */
static med_err
read_source(fhir_call *c, const fhir_query *q, const fhir_family *fam, size_t v,
	    bool at_cursor, fhir_matches *m, fhir_error *e)
{
	size_t n_src = fhir_n_sources();
	fhir_source *src = &fhir_sources()[v % n_src];
	const char *token = at_cursor ? q->cursor.token : "";
	size_t entry = at_cursor ? q->cursor.entry : 0;
	med_err err;

	fhir_matches_at_source(m, v, entry,
			       at_cursor ? q->cursor.anchor : NULL);
	err = fhir_export_from(src, c, fam->ids[v / n_src], token,
			       fhir_matches_add_page, m, e);
	if (err == MED_OK && fhir_matches_seeking(m)) {
		fhir_matches_at_source(m, v, entry, NULL);
		err = fhir_export_from(src, c, fam->ids[v / n_src], token,
				       fhir_matches_add_page, m, e);
	}
	return err;
}

/* filter_of is a search's filter of kind (the first, when several must
 * all pass), whose values the services narrow their export by (codes,
 * statuses); NULL: none. */
static const fhir_filter *
filter_of(const fhir_query *q, fhir_filter_kind kind)
{
	for (size_t i = 0; q->what == FHIR_SEARCH && i < q->n_filters; i++)
		if (q->filters[i].kind == kind)
			return &q->filters[i];
	return NULL;
}

/* gather reads the sources in order, for each record of the family in
 * turn, from the cursor's place when q has one, until m has its page (and
 * its count).  A cursor's source is the family member times the number
 * of sources plus the source. */
static med_err
gather(fhir_call *c, const fhir_query *q, const fhir_family *fam,
       fhir_matches *m, fhir_error *e)
{
	size_t n_src = fhir_n_sources();
	bool by_cursor = q->cursor.set && !q->cursor.sorted && !q->cursor.back;
	size_t first = by_cursor ? q->cursor.source : 0;

	/* A cursor past the family (or made up) names no source. */
	if (first >= fam->n * n_src)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_cursor: not a cursor of a next link of "
				 "this search");
	for (size_t v = first; v < fam->n * n_src; v++) {
		fhir_source *src = &fhir_sources()[v % n_src];
		med_err err;

		/* A source of none of the types asked is not read. */
		if (src->ch == NULL ||
		    (q->what == FHIR_SEARCH &&
		     !fhir_source_holds(src, q->type)) ||
		    (q->what == FHIR_EVERYTHING &&
		     !fhir_source_holds_any(src, q->types)))
			continue;
		/* Full, and counted as far as it may: a source holding the
		 * types is left, so the count is not complete. */
		if (fhir_matches_done(m))
			return MED_OK;
		/* The page has read its share: the next one starts here. */
		if (fhir_matches_spent(m)) {
			fhir_matches_resume_at(m, v);
			return MED_OK;
		}
		c->search_type = q->what == FHIR_SEARCH ? q->type : NULL;
		c->search_types = q->what == FHIR_EVERYTHING ? q->types : NULL;
		c->search_codes = filter_of(q, FHIR_F_CODE);
		c->search_statuses = filter_of(q, FHIR_F_STATUS);
		/* A Condition's date is its recordedDate (types.c), which
		 * diagnosis keeps as recorded_ms. */
		c->has_range = q->what == FHIR_SEARCH &&
			       strcmp(q->type, "Condition") == 0 &&
			       fhir_date_bounds(q, &c->range);
		err = read_source(c, q, fam, v, by_cursor && v == first, m, e);
		c->search_type = NULL;
		c->search_types = NULL;
		c->search_codes = NULL;
		c->search_statuses = NULL;
		c->has_range = false;
		if (err == MED_ERR_CANCELLED)
			return MED_OK; /* the page is complete */
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

static void
write_patient_entry(med_json *w, const fhir_facade *f,
		    const Smartmed__Identity__V1__Patient *p)
{
	med_fhir_entry_begin(w, f->base_url, "Patient", p->patient_id);
	fhir_patient_fields(w, p, f->mrn_system);
	med_json_end(w, '}'); /* the resource */
	med_json_begin(w, "search", '{');
	med_json_str(w, "mode", "match");
	med_json_end(w, '}');
	med_json_end(w, '}');
}

/* page_ends_of says what m found, with lead entries (the Patient of
 * $everything) before the matches, lead_here of them on this page. */
static void
page_ends_of(const fhir_query *q, const fhir_matches *m, size_t lead,
	     size_t lead_here, int64_t snapshot_ms, page_ends *p)
{
	bool complete;
	uint64_t n = fhir_matches_total(m, &complete);

	memset(p, 0, sizeof(*p));
	p->offset = q->cursor.set ? q->cursor.offset : q->offset;
	if (q->cursor.set) {
		p->has_total = q->cursor.has_total;
		p->total = q->cursor.total;
	} else if (complete) {
		p->has_total = true;
		p->total = n + lead;
	}
	p->has_next = !q->summary_count && fhir_matches_next(m, &p->next);
	p->next.has_total = p->has_total;
	p->next.total = p->total;
	p->next.snapshot_ms = snapshot_ms;
	p->next.offset = p->offset + lead_here + fhir_matches_page_len(m);
}

/* sorted_ends: a sorted search holds every match; the page is the
 * offset's window, the next one's cursor its offset in the snapshot. */
static void
sorted_ends(const fhir_query *q, const fhir_matches *m, int64_t snapshot_ms,
	    page_ends *p)
{
	bool complete;
	uint64_t n = fhir_matches_total(m, &complete);

	memset(p, 0, sizeof(*p));
	p->offset = q->cursor.set ? q->cursor.entry : q->offset;
	p->has_total = true;
	p->total = n;
	p->has_next = !q->summary_count && p->offset + q->count < n;
	p->next.set = true;
	p->next.sorted = true;
	p->next.entry = p->offset + q->count;
	p->next.has_total = true;
	p->next.total = n;
	p->next.snapshot_ms = snapshot_ms;
}

/* ends_of says where the page lies among the matches held (returned)
 * and what comes after it; a sorted search's matches are sorted first. */
static size_t
ends_of(const fhir_query *q, fhir_matches *m, size_t lead, size_t lead_here,
	int64_t snapshot_ms, page_ends *ends)
{
	if (q->sort == 0) {
		page_ends_of(q, m, lead, lead_here, snapshot_ms, ends);
		return 0;
	}
	fhir_matches_sort(m);
	sorted_ends(q, m, snapshot_ms, ends);
	return ends->offset;
}

/* searchset - what write_searchset writes. */
typedef struct searchset {
	const fhir_matches *m;
	const page_ends *ends;
	size_t from; /* the held matches of the page */
	const Smartmed__Identity__V1__Patient *lead;	/* $everything's */
	const Smartmed__Identity__V1__Patient *patient; /* for _include */
	const fhir_family *fam;
} searchset;

static med_err
write_searchset(med_json *w, const fhir_facade *f, fhir_call *c,
		const fhir_query *q, const searchset *ss, size_t *n_out,
		fhir_error *e)
{
	size_t held = fhir_matches_page_len(ss->m);
	size_t n_page = q->summary_count || ss->from >= held
				? 0
				: (held - ss->from < q->count ? held - ss->from
							      : q->count);
	fhir_include_page pg = {ss->m,	    ss->from,	 n_page, ss->fam->ids,
				ss->fam->n, ss->patient, w};
	size_t n_inc = 0;
	med_err err = MED_OK;

	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Bundle");
	med_json_str(w, "type", "searchset");
	if (ss->ends->has_total)
		med_json_u64(w, "total", ss->ends->total);
	write_links(w, f, q, ss->ends);
	/* R4 JSON has no empty arrays: no match, no entry. */
	if (n_page > 0 || ss->lead != NULL) {
		med_json_begin(w, "entry", '[');
		if (ss->lead != NULL)
			write_patient_entry(w, f, ss->lead);
		fhir_matches_write_entries(w, ss->m, f->base_url, ss->from,
					   n_page);
		if (q->includes != 0)
			err = fhir_includes_write(f, c, q, &pg, &n_inc, e);
		med_json_end(w, ']');
	}
	med_json_end(w, '}');
	*n_out = n_inc;
	return err;
}

/* search_patient asks identity for a search's patient, for its merged
 * records and so that a source holding nothing for a known patient is an
 * empty searchset (the survivor of a merge often has nothing of its own
 * yet).  *p stays NULL when identity does not confirm it: the search then
 * goes on as before, and the sources say whether the patient exists. */
static void
search_patient(fhir_facade *f, fhir_call *c, const fhir_query *q,
	       Smartmed__Identity__V1__Patient **p)
{
	fhir_error ignored = {0};

	if (fhir_get_patient(f, c, q->patient_id, p, &ignored) != MED_OK)
		*p = NULL;
}

/* lead_wanted: $everything starts with the Patient unless _type leaves
 * it out. */
static bool
lead_wanted(const fhir_query *q)
{
	if (q->what != FHIR_EVERYTHING)
		return false;
	for (const char *s = q->types; s != NULL;) {
		size_t n = strcspn(s, ",");

		if (n == 7 && strncmp(s, "Patient", 7) == 0)
			return true;
		s = s[n] == ',' ? s + n + 1 : NULL;
	}
	return q->types == NULL;
}

/* page_start is where an unsorted page begins among the entries: a
 * previous link's offset, or 0 (the first page; a next link's page reads
 * on from its anchor instead). */
static size_t
page_start(const fhir_query *q)
{
	return q->cursor.back ? q->cursor.offset : q->cursor.set ? 1 : 0;
}

/* new_matches makes the page's collector: a sorted search or a count
 * keeps or counts every match; the first page counts them all for the
 * total; a previous link's page passes over the matches before it; a
 * page by _cursor starts where the one before ended and stops at its
 * last entry. */
static fhir_matches *
new_matches(const fhir_query *q, size_t lead, bool lead_here)
{
	size_t at = page_start(q);
	size_t skip = !q->cursor.back || at < lead ? 0 : at - lead;

	if (q->sort != 0 || q->summary_count)
		return fhir_matches_new(q, 0, 0, true);
	return fhir_matches_new(q, skip, q->count - lead_here, !q->cursor.set);
}

/*
 * serve_bundle writes a searchset: patient (for $everything) first.  A
 * search's unknown patient (or one outside the caller's lookup scope,
 * which identity answers alike) is an empty searchset, as R4 has it; a
 * refusal (403) stays one.
 */
static med_err
serve_bundle(fhir_facade *f, fhir_call *c, const fhir_query *q, med_json *w,
	     size_t *n_out, fhir_error *e)
{
	Smartmed__Identity__V1__Patient *p = NULL;
	size_t lead = lead_wanted(q) ? 1 : 0;
	bool lead_here = lead && q->offset == 0 && page_start(q) == 0;
	int64_t now_ms = med_now_ms();
	int64_t snapshot_ms = q->cursor.set ? q->cursor.snapshot_ms : now_ms;
	fhir_matches *m = new_matches(q, lead, lead_here);
	fhir_family fam;
	page_ends ends;
	searchset ss = {.m = m, .ends = &ends, .fam = &fam};
	size_t n_inc = 0;
	med_err err = MED_OK;

	if (m == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	fhir_matches_pin(m, snapshot_ms, now_ms);
	if (q->what == FHIR_EVERYTHING)
		err = fhir_get_patient(f, c, q->patient_id, &p, e);
	else
		search_patient(f, c, q, &p);
	c->patient_known = q->what == FHIR_SEARCH || (err == MED_OK && p);
	family_of(q, err == MED_OK ? p : NULL, &fam);
	if (err == MED_OK)
		err = gather(c, q, &fam, m, e);
	if (err == MED_OK)
		ss.from = ends_of(q, m, lead, lead_here, snapshot_ms, &ends);
	ss.lead = lead_here ? p : NULL;
	ss.patient = p;
	if (err == MED_OK)
		err = write_searchset(w, f, c, q, &ss, &n_inc, e);
	if (err == MED_OK)
		*n_out = (ends.has_total
				  ? (size_t)ends.total
				  : fhir_matches_page_len(m) + lead_here) +
			 n_inc;
	fhir_matches_free(m);
	return err;
}

/* serve_patients answers a Patient search from identity's page. */
static med_err
serve_patients(fhir_facade *f, fhir_call *c, const fhir_query *q, med_json *w,
	       size_t *n_out, fhir_error *e)
{
	fhir_patient_page pp;
	fhir_cursor next = {.set = true, .source = SIZE_MAX};
	fhir_cursor self = {.set = true, .source = SIZE_MAX};
	med_err err = fhir_patient_search(f, c, q, &pp, e);

	if (err != MED_OK)
		return err;
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Bundle");
	med_json_str(w, "type", "searchset");
	/* identity does not count: the total is known on the last page of
	 * a search that has only one. */
	if (pp.next_token == NULL && q->patients.page_token == NULL)
		med_json_u64(w, "total", pp.n);
	med_json_begin(w, "link", '[');
	if (q->patients.page_token != NULL)
		med_strlcpy(self.token, q->patients.page_token,
			    sizeof(self.token));
	write_link(w, f, q, "self", SIZE_MAX,
		   q->patients.page_token ? &self : NULL);
	if (pp.next_token != NULL) {
		med_strlcpy(next.token, pp.next_token, sizeof(next.token));
		write_link(w, f, q, "next", SIZE_MAX, &next);
	}
	med_json_end(w, ']');
	if (pp.n > 0) {
		med_json_begin(w, "entry", '[');
		for (size_t i = 0; i < pp.n; i++)
			write_patient_entry(w, f, pp.patients[i]);
		med_json_end(w, ']');
	}
	med_json_end(w, '}');
	*n_out = pp.n;
	return MED_OK;
}

/* --- the call, metrics, response ---------------------------------------- */

/* open_call: a read is "R" and the rest "E"; a research export declares
 * its purpose of use. */
static med_err
open_call(fhir_facade *f, const fhir_request *req, const fhir_query *q,
	  med_call **out, fhir_error *e)
{
	return fhir_open_call(f, req, interaction_name(q),
			      q->read != NULL ? MED_AUDIT_ACTION_READ
					      : MED_AUDIT_ACTION_EXECUTE,
			      q->what == FHIR_RESEARCH_EXPORT ? "HRESCH" : NULL,
			      out, e);
}

/*
 * end_call names what the request touched and ends its call, which emits
 * the access event.  Only a verified grant made the access an emergency
 * one (med_call_mark_break_glass); a refused header is named in a detail,
 * for whoever reviews the refusals.
 */
static med_err
end_call(med_call *call, const fhir_query *q, const fhir_error *e,
	 size_t n_resources, fhir_break_glass bg)
{
	char resource[160], status[8], count[24];
	const char *patient = q->patient_id;
	const med_audit_detail details[4] = {
		{"http_status", status},
		{"resources", count},
		{"interface", "fhir"},
		{"break_glass", "refused"},
	};

	if (q->what == FHIR_SEARCH && strcmp(q->type, "Patient") == 0)
		snprintf(resource, sizeof(resource), "Patient?search");
	else if (q->what == FHIR_SEARCH)
		snprintf(resource, sizeof(resource), "%s?patient", q->type);
	else
		snprintf(resource, sizeof(resource), "Patient/%s",
			 q->patient_id ? q->patient_id : "-");
	/* fhirread: a read names its resource and the patient it found. */
	if (q->read != NULL)
		fhir_read_audit(q, resource, sizeof(resource), &patient);
	snprintf(status, sizeof(status), "%d",
		 e->http_status ? e->http_status : 200);
	snprintf(count, sizeof(count), "%zu", n_resources);
	med_call_set_resource(call, resource);
	med_call_set_patient(call, patient);
	med_call_add_details(call, details, bg == FHIR_BG_REFUSED ? 4 : 3);
	return med_call_end(call, e->grpc_code);
}

static med_err
serve(fhir_facade *f, const fhir_request *req, const fhir_query *q, med_json *w,
      size_t *n, fhir_error *e)
{
	fhir_call c = fhir_user_call(req);

	/* fhirread: read, vread and history of every type (read.c). */
	if (q->read != NULL)
		return fhir_read_serve(f, &c, q, w, n, e);
	if (q->what == FHIR_SEARCH && strcmp(q->type, "Patient") == 0)
		return serve_patients(f, &c, q, w, n, e);
	return serve_bundle(f, &c, q, w, n, e);
}

/* check_break_glass verifies an X-Break-Glass header, if any, with
 * identity, and marks the call as emergency access when it names a live
 * grant; no header is no emergency access and nothing to check. */
static med_err
check_break_glass(fhir_facade *f, const fhir_request *req, const fhir_query *q,
		  med_call *call, fhir_break_glass *state, fhir_error *e)
{
	char grant_id[FHIR_GRANT_ID_LEN + 1];
	fhir_query named = *q;
	med_err err;

	if (req->break_glass == NULL)
		return MED_OK;
	/* fhirread: a read's patient is its resource's (read.c), read first
	 * when the path does not name it. */
	if (q->read != NULL && q->patient_id == NULL &&
	    (err = fhir_read_patient(f, req, q, &named.patient_id, e)) !=
		    MED_OK) {
		*state = FHIR_BG_REFUSED;
		return err;
	}
	err = fhir_break_glass_verify(f, req, &named, med_call_principal(call),
				      state, grant_id, e);
	if (err == MED_OK)
		med_call_mark_break_glass(call, grant_id);
	return err;
}

static void
respond(fhir_response *resp, med_json *w, const fhir_error *e, med_err err)
{
	size_t len = 0;
	const char *text;

	if (err == MED_OK && (text = med_json_text(w, &len)) != NULL) {
		resp->status = 200;
		resp->body = text;
		resp->len = len;
		return;
	}
	if (err == MED_OK) {
		fhir_error internal = {0};

		fhir_fail(&internal, MED_GRPC_RESOURCE_EXHAUSTED,
			  "response too large: lower _count");
		fhir_respond_outcome(resp, w->arena, &internal);
		return;
	}
	fhir_respond_outcome(resp, w->arena, e);
}

/*
 * handle_call answers a routed request (route_err: how routing went) on
 * its call: authenticate, break-glass, serve, end the call.  The research
 * export ends the call itself, with its own details (research.c).
 */
static void
handle_call(fhir_facade *f, const fhir_request *req, const fhir_query *q,
	    med_err route_err, med_call *call, med_json *w, fhir_error *e,
	    fhir_response *resp)
{
	fhir_break_glass bg = FHIR_BG_NONE;
	size_t n = 0;
	med_err auth_err = fhir_authenticate(call, req, e);
	med_err err = route_err;

	/* fhiredge: SMART scopes narrow what roles and care allow. */
	if (auth_err == MED_OK && err == MED_OK)
		err = fhir_smart_check(f, req, med_call_principal(call), q, e);
	if (auth_err == MED_OK && err == MED_OK)
		err = check_break_glass(f, req, q, call, &bg, e);
	if (auth_err == MED_OK && err == MED_OK &&
	    q->what == FHIR_RESEARCH_EXPORT) {
		fhir_research_export(f, req, q, call, resp);
		return;
	}
	if (auth_err != MED_OK)
		err = auth_err;
	else if (err == MED_OK)
		err = serve(f, req, q, w, &n, e);
	if (end_call(call, q, e, err == MED_OK ? n : 0, bg) != MED_OK) {
		med_log_error("audit spool refused the event: access refused");
		err = fhir_fail(e, MED_GRPC_INTERNAL, "audit unavailable");
	}
	respond(resp, w, e, err);
	/* fhirread: ETag, Last-Modified, 304 (read.c). */
	if (q->read != NULL && err == MED_OK)
		fhir_read_respond(req, q, resp);
}

void
fhir_handle(fhir_facade *f, const fhir_request *req, fhir_response *resp)
{
	fhir_query q;
	fhir_error e = {0};
	med_call *call = NULL;
	med_json w;
	med_err err;

	/* console (issue 37): /console is the ward console's static files. */
	if (fhir_console_handle(f, req, resp))
		return;
	/* A method no path serves (PUT, DELETE, PATCH, any other) is 405
	 * with Allow, never a read answered 200; a POST to a resource is
	 * refused by the routes (fhir_route). */
	if (fhir_method_refuse(f, req, resp))
		return;
	/* ward (issue 37): the census, AuditEvent search, break-glass
	 * grants as Consent and $inclusion-proof are ward.c's. */
	if (fhir_ward_claims(f, req)) {
		fhir_ward_handle(f, req, resp);
		return;
	}
	/* fhirwrite: the writes (POST) are write.c's. */
	if (fhir_write_claims(f, req)) {
		fhir_write_handle(f, req, resp);
		return;
	}
	err = fhir_route(f, req, &q, &e);
	med_json_init_arena(&w, req->arena, FHIR_BODY_MAX);
	/* fhiredge: SMART discovery is public, as the CapabilityStatement. */
	if (err == MED_ERR_NOT_FOUND && strcmp(req->method, "GET") == 0 &&
	    fhir_smart_is_discovery(f, req->path)) {
		fhir_smart_configuration_write(&w, f);
		respond(resp, &w, &e, MED_OK);
		resp->content_type = "application/json";
		return;
	}
	if (err == MED_OK && q.what == FHIR_CAPABILITIES) {
		fhir_capability_write(&w, f);
		respond(resp, &w, &e, MED_OK);
	} else if (open_call(f, req, &q, &call, &e) != MED_OK) {
		respond(resp, &w, &e, MED_ERR_NOMEM);
	} else {
		handle_call(f, req, &q, err, call, &w, &e, resp);
		med_call_local_free(call);
	}
	if (resp->status == 405 && resp->allow == NULL)
		resp->allow = fhir_allowed_methods(f, req->path);
	fhir_count_request(f, interaction_name(&q), resp->status);
}
