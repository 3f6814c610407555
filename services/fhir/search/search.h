/*
 * search.h - the facade's reads (search/, above call/): search parameters
 * and POST bodies (search_params.c), whether a resource passes
 * (search_filter.c), a page of matches (bundle.c), _include and
 * _revinclude (include.c), Patient (patient.c), read, vread and history
 * by id (read.c) and $research-export (research.c, deid.h).
 */
#ifndef FHIR_SEARCH_H
#define FHIR_SEARCH_H

#include "call.h"

/* fhirsearch: search_params.c.  fhir_params_collect gathers req's query
 * parameters and, for a POST, its form-encoded body into q->params.
 * fhir_search_param takes one parameter of q's interaction (a search or
 * $everything) other than the paging ones; fhir_search_check, after them
 * all, asks for what a search needs (its patient; a Patient search's
 * criterion).  Errors: MED_ERR_INVALID with the parameter named in e. */
med_err fhir_params_collect(const fhir_request *req, fhir_query *q,
			    fhir_error *e);
med_err fhir_search_param(const fhir_facade *f, fhir_query *q, med_arena *a,
			  const fhir_param *p, fhir_error *e);
med_err fhir_search_check(fhir_query *q, fhir_error *e);

/* --- bundle.c ----------------------------------------------------------- */

/*
 * fhir_matches - one page of a search: the resources that pass q's
 * filters (all but Patient for $everything) are counted as the sources'
 * export pages go by; skip of them are passed over, the next want kept,
 * and the place of the one after is the next page's cursor.  Only the
 * page is held, so a patient's resources may be any number.
 */
typedef struct fhir_matches fhir_matches;

/* fhir_matches_new starts a page; count_all: go on to the end (up to
 * FHIR_TOTAL_PAGES_MAX export pages) to count the total.  NULL: no
 * memory. */
fhir_matches *fhir_matches_new(const fhir_query *q, size_t skip, size_t want,
			       bool count_all);
void fhir_matches_free(fhir_matches *m);

/* fhir_matches_at_source says which source the next pages come from, and
 * how many entries of the first to pass over (a cursor's entry); anchor
 * (a cursor's "Type~id", NULL or "" none): pass over entries until it.
 * fhir_matches_seeking: the anchor has not come yet (the source ended
 * without it: it was deleted or changed type; read from entry on). */
void fhir_matches_at_source(fhir_matches *m, size_t source, size_t skip_entries,
			    const char *anchor);
bool fhir_matches_seeking(const fhir_matches *m);

/* fhir_matches_pin leaves out resources created after snapshot_ms (see
 * fhir_cursor); now_ms is date=ap's now. */
void fhir_matches_pin(fhir_matches *m, int64_t snapshot_ms, int64_t now_ms);

/* The most matches a _sort search holds to sort (else 429). */
#define FHIR_SORT_MAX 10000

/* fhir_matches_sort orders a _sort search's matches by date. */
void fhir_matches_sort(fhir_matches *m);

/* fhir_matches_raw is the JSON text of held match i (NULL past the
 * last), *len its length. */
const char *fhir_matches_raw(const fhir_matches *m, size_t i, size_t *len);

/* fhir_matches_add_page is a fhir_export_at_fn: it takes the matching
 * entries of one Bundle.  MED_ERR_CANCELLED once the page (and the count,
 * when asked) is complete.  Errors: INTERNAL (not a Bundle). */
med_err fhir_matches_add_page(void *m, const char *token, const char *next,
			      const char *bundle_json, fhir_error *e);

/* fhir_matches_spent: the page has read its FHIR_SCAN_PAGES_MAX export
 * pages (an unsorted page that is not a count).  fhir_matches_resume_at
 * then ends the page there: its next link reads source from its start. */
bool fhir_matches_spent(const fhir_matches *m);

/* fhir_matches_done: the page is full, its next start found and the
 * count (when asked) has read its share; it then counts as stopped
 * before the end (no total).  gather asks it before each source after
 * the first, fhir_matches_add_page within a source. */
bool fhir_matches_done(fhir_matches *m);
void fhir_matches_resume_at(fhir_matches *m, size_t source);

/* fhir_matches_total gives the matches counted (all of them when
 * *complete: every source was read to its end). */
uint64_t fhir_matches_total(const fhir_matches *m, bool *complete);

/* fhir_matches_next fills *out with the next page's cursor; false: this
 * page is the last. */
bool fhir_matches_next(const fhir_matches *m, fhir_cursor *out);

/* fhir_matches_page_len is the number of entries on the page. */
size_t fhir_matches_page_len(const fhir_matches *m);

/* fhir_matches_write_entries writes held matches from..from+n-1 (as
 * _elements cuts them), search.mode match. */
void fhir_matches_write_entries(med_json *w, const fhir_matches *m,
				const char *base_url, size_t from, size_t n);

/* fhir_entry_fn receives one entry's resource of a Bundle, parsed and as
 * its text. */
struct json_t;
typedef med_err (*fhir_entry_fn)(void *ctx, struct json_t *res, const char *raw,
				 size_t raw_len, fhir_error *e);

/* fhir_bundle_each hands every entry of the Bundle text to fn.  Errors:
 * INTERNAL (not a Bundle), fn's. */
med_err fhir_bundle_each(const char *text, fhir_entry_fn fn, void *ctx,
			 fhir_error *e);

/* --- search_filter.c ------------------------------------------------------ */

/* fhir_resource_range is the range of res's date (t's date elements,
 * the first present; a Period from start to end); false: none. */
bool fhir_resource_range(struct json_t *res, const fhir_type_info *t,
			 fhir_range *out);

/* fhir_resource_matches: res passes q (type, filters, $everything's
 * _type and _since) and was not created after snapshot_ms (0: none). */
bool fhir_resource_matches(struct json_t *res, const fhir_query *q,
			   int64_t snapshot_ms, int64_t now_ms);

/* --- include.c (fhirsearch) ---------------------------------------------- */

/* fhir_include_page - a written page, for its _include/_revinclude: the
 * held matches from..from+n-1 of m, the patient's ids searched, identity's
 * Patient (NULL: not confirmed), the Bundle's entry array being written. */
struct Smartmed__Identity__V1__Patient;
typedef struct fhir_include_page {
	const fhir_matches *m;
	size_t from, n;
	const char *const *ids;
	size_t n_ids;
	const struct Smartmed__Identity__V1__Patient *patient;
	med_json *w;
} fhir_include_page;

/* fhir_includes_write writes q's includes of pg (search.mode include),
 * *n_out how many.  Errors: the sources'. */
med_err fhir_includes_write(const fhir_facade *f, fhir_call *c,
			    const fhir_query *q, const fhir_include_page *pg,
			    size_t *n_out, fhir_error *e);

/* --- patient.c, capability.c -------------------------------------------- */

/* fhir_patient_fields writes p's R4 Patient elements after resourceType
 * and id (which the caller writes: alone, or as a Bundle entry). */
void fhir_patient_fields(med_json *w,
			 const struct Smartmed__Identity__V1__Patient *p,
			 const char *mrn_system);

/* fhir_patient_gender is p's FHIR gender ("unknown" when unset). */
const char *
fhir_patient_gender(const struct Smartmed__Identity__V1__Patient *p);

/* fhir_patient_page - one page of a Patient search (fhirsearch): the
 * patients identity returned that pass the facade's filters, and
 * identity's token of the next page (NULL: last). */
typedef struct fhir_patient_page {
	struct Smartmed__Identity__V1__Patient **patients;
	size_t n;
	const char *next_token;
} fhir_patient_page;

/* fhir_patient_search runs q's Patient search through identity's
 * SearchPatients as c's user.  Errors: identity's, in e. */
med_err fhir_patient_search(fhir_facade *f, fhir_call *c, const fhir_query *q,
			    fhir_patient_page *out, fhir_error *e);

/* fhir_read_types puts into out (cap at most) each type other than
 * Patient that a configured service reads by id, once, in read.c's order;
 * returns how many. */
size_t fhir_read_types(const fhir_facade *f, const char **out, size_t cap);

/* fhir_read_serves: type (Patient included) is read by id here. */
bool fhir_read_serves(const fhir_facade *f, const char *type);

/* fhir_read_keeps_versions: a vread of type reads older versions too
 * (Observation: records' do; diagnosis's results keep only the current). */
bool fhir_read_keeps_versions(const char *type);

/*
 * fhir_read_route takes rest (the path below the base) when it is
 * {type}/{id}, {type}/{id}/_history or {type}/{id}/_history/{vid} of a
 * type a configured service reads, filling q; false: not one of those
 * (*err untouched).  *err: MED_OK, or MED_ERR_INVALID (a bad id, version
 * or parameter, in e).
 */
bool fhir_read_route(const fhir_facade *f, const fhir_request *req,
		     const char *rest, fhir_query *q, fhir_error *e,
		     med_err *err);

/* fhir_read_serve answers q's read, vread or history into w as c's user;
 * *n: the resources written. */
med_err fhir_read_serve(fhir_facade *f, fhir_call *c, const fhir_query *q,
			med_json *w, size_t *n, fhir_error *e);

/* fhir_read_patient sets *patient_id to the patient of q's resource,
 * read as the request's user, for a read whose path does not name its
 * patient (an X-Break-Glass header opens one patient).  Errors: the
 * read's, in e. */
med_err fhir_read_patient(fhir_facade *f, const fhir_request *req,
			  const fhir_query *q, const char **patient_id,
			  fhir_error *e) MED_MUST_CHECK;

/* fhir_read_audit names the resource read and its patient (NULL: not
 * known) for the access event. */
void fhir_read_audit(const fhir_query *q, char *resource, size_t cap,
		     const char **patient_id);

/* fhir_read_respond adds a served read's ETag and Last-Modified to resp,
 * and makes it 304 (no body) when req's If-None-Match or
 * If-Modified-Since says the client holds it already. */
void fhir_read_respond(const fhir_request *req, const fhir_query *q,
		       fhir_response *resp);

/* --- research.c ------------------------------------------------------------
 */

/* fhir_research_export answers $research-export on call, whose caller is
 * authenticated, into resp (body in req->arena), and ends call: its access
 * event carries the export's details. */
void fhir_research_export(fhir_facade *f, const fhir_request *req,
			  const fhir_query *q, med_call *call,
			  fhir_response *resp);

#endif
