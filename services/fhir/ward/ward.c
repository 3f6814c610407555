/*
 * ward.c - the searches and the operation the ward console's ward list
 * and audit review need (issue 37, items 2 and 6), as standard FHIR that
 * any outside app can use too:
 *
 *   GET [base]/Encounter?location={ward}&status=in-progress
 *       [&_include=Encounter:patient]   the ward census (identity's
 *                                        ExportFhir by ward)
 *   GET [base]/AuditEvent?patient={id}[&date=..]   a patient's access
 *                                        report (audit's
 *                                        ExportAuditEventsFhir)
 *   GET [base]/Consent?[patient={id}][&status=active]   break-glass grants
 *                                        to review (identity's
 *                                        ListBreakGlass)
 *   GET [base]/AuditEvent/{id}/$inclusion-proof   the event's RFC 9162
 *                                        audit path and the signed head
 *                                        (audit's GetTreeHead and
 *                                        InclusionProof)
 *   GET [base]/Patient/{id}/$mar[?start=..&end=..]   dosage's MAR of the
 *                                        patient (GetMar): each order's
 *                                        scheduled doses, their states
 *                                        and the dose that answers each
 *   GET [base]/Patient/{id}/$news2   the NEWS2 score of the patient's
 *                                        latest vital signs (records'
 *                                        ListEntries; ward_news2.c)
 *
 * Every upstream call is made as the caller, so the services decide who
 * may see what (a nurse a ward among their units, an auditor the log);
 * every request is one audit event of the facade.  ward_audit.c writes
 * the grants as Consent and the proof as Parameters; ward_mar.c the MAR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <med/audit.h>
#include <med/codec.h>
#include <med/fhir.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/common/v1/common.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#include "search.h"
#include "ward.h"

/* Encounters asked of identity per census page (its largest is 500). */
#define CENSUS_COUNT_DEFAULT 100
#define CENSUS_COUNT_MAX     500
/* AuditEvents asked of audit per page (its largest is 1000). */
#define AUDIT_COUNT_DEFAULT 100
#define AUDIT_COUNT_MAX	    1000
/* The longest link the facade writes. */

/* --- routing ------------------------------------------------------------ */

/* rest_of is the path after the base path, or NULL when it is not ours. */
static const char *
rest_of(const fhir_facade *f, const fhir_request *req)
{
	size_t n = strlen(f->base_path);

	if (strcmp(req->method, "GET") != 0 ||
	    strncmp(req->path, f->base_path, n) != 0)
		return NULL;
	return req->path + n;
}

static const char *
param(const fhir_request *req, const char *key)
{
	for (size_t i = 0; i < req->n_params; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].value;
	return NULL;
}

/* op_target: "{prefix}{id}{op}" gives the id. */
static bool
op_target(med_arena *a, const char *rest, const char *prefix, const char *op,
	  const char **id)
{
	size_t n = strlen(rest), lp = strlen(prefix), lo = strlen(op);
	char *s;

	if (n <= lp + lo || strncmp(rest, prefix, lp) != 0 ||
	    strcmp(rest + n - lo, op) != 0)
		return false;
	if ((s = med_arena_alloc(a, n - lp - lo + 1)) == NULL)
		return false;
	memcpy(s, rest + lp, n - lp - lo);
	s[n - lp - lo] = '\0';
	*id = s;
	return true;
}

ward_kind
fhir_ward_kind(const fhir_facade *f, const fhir_request *req, const char **id)
{
	const char *rest = rest_of(f, req);

	*id = NULL;
	if (rest == NULL)
		return WARD_NONE;
	/* Encounter?patient= stays the ordinary search; location= is ours. */
	if (strcmp(rest, "/Encounter") == 0 && param(req, "location") != NULL)
		return WARD_CENSUS;
	if (strcmp(rest, "/AuditEvent") == 0)
		return WARD_AUDIT_SEARCH;
	if (strcmp(rest, "/Consent") == 0)
		return WARD_GRANTS;
	if (op_target(req->arena, rest, "/AuditEvent/", "/$inclusion-proof",
		      id))
		return WARD_PROOF;
	if (op_target(req->arena, rest, "/Patient/", "/$mar", id))
		return WARD_MAR;
	if (op_target(req->arena, rest, "/Patient/", "/$news2", id))
		return WARD_NEWS2;
	return WARD_NONE;
}

bool
fhir_ward_claims(const fhir_facade *f, const fhir_request *req)
{
	const char *id;

	return fhir_ward_kind(f, req, &id) != WARD_NONE;
}

/* --- parameters ------------------------------------------------------------
 */

static med_err
parse_count(ward_req *x, const char *v, size_t max)
{
	char *end = NULL;
	unsigned long n = strtoul(v, &end, 10);

	if (v[0] < '0' || v[0] > '9' || *end != '\0' || n < 1 || n > max)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "_count: a whole number 1..%zu", max);
	x->count = n;
	return MED_OK;
}

/* parse_date reads date=[prefix]VALUE: eq (the default), ge, gt, le, lt. */
static med_err
parse_date(ward_req *x, const char *v)
{
	static const struct {
		const char *code;
		fhir_date_prefix prefix;
	} prefixes[] = {{"eq", FHIR_EQ},
			{"ge", FHIR_GE},
			{"gt", FHIR_GT},
			{"le", FHIR_LE},
			{"lt", FHIR_LT}};
	fhir_date_prefix prefix = FHIR_EQ;

	if (x->n_dates == WARD_DATES_MAX)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "date: at most %d of them", WARD_DATES_MAX);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (strncmp(v, prefixes[i].code, 2) == 0) {
			prefix = prefixes[i].prefix;
			v += 2;
			break;
		}
	if (!fhir_date_range(v, &x->dates[x->n_dates].range))
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "date: not an R4 date or dateTime, with an "
				 "optional prefix eq, ge, gt, le or lt");
	x->dates[x->n_dates++].prefix = prefix;
	return MED_OK;
}

/* strip_ref: "Patient/{id}" or "{id}" gives the id. */
static const char *
strip_ref(const char *v, const char *type)
{
	size_t n = strlen(type);

	if (strncmp(v, type, n) == 0 && v[n] == '/')
		return v + n + 1;
	return v;
}

static med_err
census_param(ward_req *x, const fhir_param *p)
{
	if (strcmp(p->key, "location") == 0) {
		x->ward = strip_ref(p->value, "Location");
		return MED_OK;
	}
	if (strcmp(p->key, "status") == 0) {
		if (strcmp(p->value, "in-progress") != 0)
			return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
					 "status: only in-progress; the "
					 "census lists the ward's open stays");
		x->status = p->value;
		return MED_OK;
	}
	if (strcmp(p->key, "_include") == 0) {
		if (strcmp(p->value, "Encounter:patient") != 0 &&
		    strcmp(p->value, "Encounter:subject") != 0)
			return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
					 "_include: only Encounter:patient");
		x->include_patient = true;
		return MED_OK;
	}
	if (strcmp(p->key, "_count") == 0)
		return parse_count(x, p->value, CENSUS_COUNT_MAX);
	return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
			 "%s: not a parameter of the ward census "
			 "(location, status, _include, _count)",
			 p->key);
}

static med_err
audit_param(ward_req *x, const fhir_param *p)
{
	if (strcmp(p->key, "patient") == 0 || strcmp(p->key, "entity") == 0) {
		x->patient_id = strip_ref(p->value, "Patient");
		return MED_OK;
	}
	if (strcmp(p->key, "date") == 0)
		return parse_date(x, p->value);
	if (strcmp(p->key, "_count") == 0)
		return parse_count(x, p->value, AUDIT_COUNT_MAX);
	return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
			 "%s: not a parameter of AuditEvent search "
			 "(patient, date, _count)",
			 p->key);
}

static med_err
grants_param(ward_req *x, const fhir_param *p)
{
	if (strcmp(p->key, "patient") == 0) {
		x->patient_id = strip_ref(p->value, "Patient");
		return MED_OK;
	}
	if (strcmp(p->key, "status") == 0) {
		if (strcmp(p->value, "active") != 0)
			return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
					 "status: only active (leave it out "
					 "for every grant)");
		x->status = p->value;
		return MED_OK;
	}
	return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
			 "%s: not a parameter of Consent search (patient, "
			 "status)",
			 p->key);
}

/* mar_param reads $mar's start and end: an R4 dateTime each (its
 * earliest instant). */
static med_err
mar_param(ward_req *x, const fhir_param *p)
{
	fhir_range r;
	bool start = strcmp(p->key, "start") == 0;

	if (!start && strcmp(p->key, "end") != 0)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: not a parameter of $mar (start, end)",
				 p->key);
	if (!fhir_date_range(p->value, &r) || r.lo_ms <= 0)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: not an R4 date or dateTime", p->key);
	*(start ? &x->mar_from_ms : &x->mar_to_ms) = r.lo_ms;
	return MED_OK;
}

static med_err
one_param(ward_req *x, const fhir_param *p)
{
	if (strcmp(p->key, "_cursor") == 0) {
		x->cursor = p->value;
		return MED_OK;
	}
	if (strcmp(p->key, "_format") == 0)
		return MED_OK;
	switch (x->kind) {
	case WARD_CENSUS:
		return census_param(x, p);
	case WARD_AUDIT_SEARCH:
		return audit_param(x, p);
	case WARD_GRANTS:
		return grants_param(x, p);
	case WARD_MAR:
		return mar_param(x, p);
	case WARD_NEWS2:
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: $news2 takes no parameter", p->key);
	default:
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: $inclusion-proof takes no parameter",
				 p->key);
	}
}

/* parse checks every parameter, then what each search requires. */
static med_err
parse(ward_req *x)
{
	med_err err = MED_OK;

	if (x->req->too_many_params)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "too many parameters");
	for (size_t i = 0; err == MED_OK && i < x->req->n_params; i++)
		err = one_param(x, &x->req->params[i]);
	if (err != MED_OK)
		return err;
	if (x->kind == WARD_CENSUS && (x->ward == NULL || x->ward[0] == '\0'))
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "location: the ward, required");
	if (x->kind == WARD_CENSUS && x->status == NULL)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "status: required, in-progress (the census "
				 "lists open stays)");
	if (x->kind == WARD_AUDIT_SEARCH &&
	    (x->patient_id == NULL || !med_fhir_id_ok(x->patient_id)))
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "patient: required, one patient's id");
	if (x->kind == WARD_GRANTS && x->patient_id != NULL &&
	    !med_fhir_id_ok(x->patient_id))
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "patient: not an id");
	if (x->kind == WARD_PROOF && !med_fhir_id_ok(x->event_id))
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "AuditEvent id: not an id");
	if ((x->kind == WARD_MAR || x->kind == WARD_NEWS2) &&
	    !med_fhir_id_ok(x->patient_id))
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "Patient id: not an id");
	if (x->kind == WARD_MAR && x->mar_from_ms && x->mar_to_ms &&
	    x->mar_to_ms <= x->mar_from_ms)
		return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
				 "end: not after start");
	return MED_OK;
}

/* --- the census ------------------------------------------------------------
 */

/* census_page collects the page's patients, each once, in order. */
typedef struct census_page {
	ward_req *x;
	const char *patients[CENSUS_COUNT_MAX];
	size_t n_patients;
} census_page;

static void
note_patient(census_page *p, json_t *res)
{
	const char *ref = json_string_value(
		json_object_get(json_object_get(res, "subject"), "reference"));

	if (ref == NULL || strncmp(ref, "Patient/", 8) != 0 ||
	    p->n_patients == CENSUS_COUNT_MAX)
		return;
	for (size_t i = 0; i < p->n_patients; i++)
		if (strcmp(p->patients[i], ref + 8) == 0)
			return;
	p->patients[p->n_patients++] =
		med_arena_strdup(p->x->req->arena, ref + 8);
}

static med_err
census_entry(void *ctx, json_t *res, const char *raw, size_t len, fhir_error *e)
{
	census_page *p = ctx;
	const char *id = json_string_value(json_object_get(res, "id"));

	(void)e;
	if (id == NULL)
		return MED_OK;
	note_patient(p, res);
	fhir_ward_entry_raw(p->x, "Encounter", id, raw, len, "match");
	return MED_OK;
}

/* include_patients writes identity's Patient of each stay (include). */
static med_err
include_patients(ward_req *x, const census_page *p)
{
	char url[WARD_LINK_MAX];

	for (size_t i = 0; i < p->n_patients; i++) {
		Smartmed__Identity__V1__Patient *pt = NULL;
		med_err err = fhir_get_patient(x->f, &x->c, p->patients[i], &pt,
					       &x->e);

		if (err != MED_OK)
			return err;
		snprintf(url, sizeof(url), "%s/Patient/%s", x->f->base_url,
			 pt->patient_id);
		med_json_begin(&x->w, NULL, '{');
		med_json_str(&x->w, "fullUrl", url);
		med_json_begin(&x->w, "resource", '{');
		med_json_str(&x->w, "resourceType", "Patient");
		med_json_str(&x->w, "id", pt->patient_id);
		fhir_patient_fields(&x->w, pt, x->f->mrn_system);
		med_json_end(&x->w, '}');
		med_json_begin(&x->w, "search", '{');
		med_json_str(&x->w, "mode", "include");
		med_json_end(&x->w, '}');
		med_json_end(&x->w, '}');
		x->n++;
	}
	return MED_OK;
}

static med_err
serve_census(ward_req *x)
{
	Smartmed__Identity__V1__ExportFhirRequest in =
		SMARTMED__IDENTITY__V1__EXPORT_FHIR_REQUEST__INIT;
	Smartmed__Common__V1__PageRequest page =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	Smartmed__Identity__V1__ExportFhirResponse *out = NULL;
	census_page *p = med_arena_zalloc(x->req->arena, sizeof(*p));
	med_rpc_status st = {0};
	med_err err;

	if (p == NULL)
		return fhir_fail(&x->e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	p->x = x;
	in.ward = (char *)x->ward;
	page.page_size = (int32_t)(x->count ? x->count : CENSUS_COUNT_DEFAULT);
	page.page_token = (char *)(x->cursor ? x->cursor : "");
	in.page = &page;
	err = fhir_call_unary(
		&x->c, x->f->identity,
		"/smartmed.identity.v1.Identity/ExportFhir", &in.base,
		&smartmed__identity__v1__export_fhir_response__descriptor,
		(ProtobufCMessage **)&out, &st);
	if (err != MED_OK)
		return fhir_ward_upstream_failed(x, "identity", &st);
	fhir_ward_searchset_begin(
		x, out->page != NULL ? out->page->next_page_token : NULL);
	err = fhir_bundle_each(out->bundle_json, census_entry, p, &x->e);
	if (err == MED_OK && x->include_patient)
		err = include_patients(x, p);
	fhir_ward_searchset_end(x);
	return err;
}

/* --- AuditEvent search ------------------------------------------------------
 */

/* date_passes: the event's recorded instant passes every date given. */
static bool
date_passes(const ward_req *x, json_t *res)
{
	const char *recorded =
		json_string_value(json_object_get(res, "recorded"));
	fhir_range got;

	if (x->n_dates == 0)
		return true;
	if (recorded == NULL || !fhir_date_range(recorded, &got))
		return false;
	for (size_t i = 0; i < x->n_dates; i++)
		if (!fhir_date_passes(x->dates[i].prefix, &x->dates[i].range,
				      &got, med_now_ms()))
			return false;
	return true;
}

static med_err
audit_entry(void *ctx, json_t *res, const char *raw, size_t len, fhir_error *e)
{
	ward_req *x = ctx;
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const char *id = json_string_value(json_object_get(res, "id"));

	(void)e;
	/* The export's leading Patient (id only) is no match. */
	if (type == NULL || id == NULL || strcmp(type, "AuditEvent") != 0 ||
	    !date_passes(x, res))
		return MED_OK;
	fhir_ward_entry_raw(x, "AuditEvent", id, raw, len, "match");
	return MED_OK;
}

static med_err
serve_audit_events(ward_req *x)
{
	Smartmed__Audit__V1__ExportAuditEventsFhirRequest in =
		SMARTMED__AUDIT__V1__EXPORT_AUDIT_EVENTS_FHIR_REQUEST__INIT;
	Smartmed__Audit__V1__ExportAuditEventsFhirResponse *out = NULL;
	med_rpc_status st = {0};
	char next[24];
	med_err err;

	in.patient_id = (char *)x->patient_id;
	in.page_size = (uint32_t)(x->count ? x->count : AUDIT_COUNT_DEFAULT);
	if (x->cursor != NULL) {
		char *end = NULL;

		in.after_seq = strtoull(x->cursor, &end, 10);
		if (x->cursor[0] < '0' || x->cursor[0] > '9' || *end != '\0')
			return fhir_fail(&x->e, MED_GRPC_INVALID_ARGUMENT,
					 "_cursor: not one of this search's");
	}
	err = fhir_call_unary(
		&x->c, x->f->audit_rpc,
		"/smartmed.audit.v1.Audit/ExportAuditEventsFhir", &in.base,
		&smartmed__audit__v1__export_audit_events_fhir_response__descriptor,
		(ProtobufCMessage **)&out, &st);
	if (err != MED_OK)
		return fhir_ward_upstream_failed(x, "audit", &st);
	snprintf(next, sizeof(next), "%llu",
		 (unsigned long long)out->next_after_seq);
	fhir_ward_searchset_begin(x, out->next_after_seq ? next : NULL);
	err = fhir_bundle_each(out->bundle_json, audit_entry, x, &x->e);
	fhir_ward_searchset_end(x);
	return err;
}

/* --- one request: call, audit, answer -------------------------------------
 */

static const char *
interaction_of(ward_kind k)
{
	if (k == WARD_MAR)
		return "$mar";
	if (k == WARD_NEWS2)
		return "$news2";
	return k == WARD_PROOF ? "$inclusion-proof" : "search-type";
}

static const char *
type_of(ward_kind k)
{
	if (k == WARD_CENSUS)
		return "Encounter";
	if (k == WARD_MAR)
		return "MedicationAdministration";
	if (k == WARD_NEWS2)
		return "Observation";
	return k == WARD_GRANTS ? "Consent" : "AuditEvent";
}

static med_err
open_call(ward_req *x, med_call **out)
{
	return fhir_open_call(x->f, x->req, interaction_of(x->kind),
			      x->kind == WARD_PROOF || x->kind == WARD_MAR ||
					      x->kind == WARD_NEWS2
				      ? MED_AUDIT_ACTION_EXECUTE
				      : MED_AUDIT_ACTION_READ,
			      NULL, out, &x->e);
}

/* end_call names what was asked (the ward, the patient, the event). */
static med_err
end_call(med_call *call, ward_req *x)
{
	char resource[160], status[8], count[24];
	med_audit_detail d[4] = {
		{"http_status", status},
		{"resources", count},
		{"interface", "fhir"},
		{"ward", x->ward},
	};

	if (x->kind == WARD_PROOF)
		snprintf(resource, sizeof(resource), "AuditEvent/%s",
			 x->event_id ? x->event_id : "-");
	else if (x->kind == WARD_MAR || x->kind == WARD_NEWS2)
		snprintf(resource, sizeof(resource), "Patient/%s/%s",
			 med_fhir_id_ok(x->patient_id) ? x->patient_id : "-",
			 interaction_of(x->kind));
	else
		snprintf(resource, sizeof(resource), "%s?%s", type_of(x->kind),
			 x->kind == WARD_CENSUS ? "location" : "patient");
	snprintf(status, sizeof(status), "%d",
		 x->e.http_status ? x->e.http_status : 200);
	snprintf(count, sizeof(count), "%zu", x->n);
	med_call_set_resource(call, resource);
	if (x->patient_id != NULL && med_fhir_id_ok(x->patient_id))
		med_call_set_patient(call, x->patient_id);
	med_call_add_details(call, d, x->ward != NULL ? 4 : 3);
	return med_call_end(call, x->e.grpc_code);
}

static med_err
serve(ward_req *x, med_call *call)
{
	const char *type = type_of(x->kind);
	uint32_t perms = x->kind == WARD_PROOF || x->kind == WARD_MAR ||
					 x->kind == WARD_NEWS2
				 ? MED_SCOPE_READ
				 : MED_SCOPE_SEARCH;
	med_err err =
		fhir_smart_check_op(x->f, x->req, med_call_principal(call),
				    type, perms, x->patient_id, &x->e);

	if (err != MED_OK || (err = parse(x)) != MED_OK)
		return err;
	if ((x->kind == WARD_AUDIT_SEARCH || x->kind == WARD_PROOF) &&
	    x->f->audit_rpc == NULL)
		return fhir_fail(&x->e, MED_GRPC_UNIMPLEMENTED,
				 "AuditEvent: MED_AUDIT_GRPC_URL is not set");
	x->c.opts = fhir_user_call(x->req).opts;
	switch (x->kind) {
	case WARD_CENSUS:
		return serve_census(x);
	case WARD_AUDIT_SEARCH:
		return serve_audit_events(x);
	case WARD_GRANTS:
		return fhir_ward_serve_grants(x);
	case WARD_MAR:
		return fhir_ward_serve_mar(x);
	case WARD_NEWS2:
		return fhir_ward_serve_news2(x);
	default:
		return fhir_ward_serve_proof(x);
	}
}

static void
respond(ward_req *x, med_err err, fhir_response *resp)
{
	size_t len = 0;
	const char *text = err == MED_OK ? med_json_text(&x->w, &len) : NULL;

	if (text != NULL) {
		resp->status = 200;
		resp->body = text;
		resp->len = len;
		return;
	}
	if (err == MED_OK)
		(void)fhir_fail(&x->e, MED_GRPC_RESOURCE_EXHAUSTED,
				"response too large: lower _count");
	fhir_respond_outcome(resp, x->req->arena, &x->e);
}

void
fhir_ward_handle(fhir_facade *f, const fhir_request *req, fhir_response *resp)
{
	ward_req x = {.f = f, .req = req};
	med_call *call = NULL;
	med_err err;

	x.kind = fhir_ward_kind(f, req, &x.event_id);
	if (x.kind == WARD_MAR || x.kind == WARD_NEWS2) {
		x.patient_id = x.event_id;
		x.event_id = NULL;
	}
	med_json_init_arena(&x.w, req->arena, FHIR_BODY_MAX);
	x.c = (fhir_call){.arena = req->arena};
	if (open_call(&x, &call) != MED_OK) {
		respond(&x, MED_ERR_NOMEM, resp);
		fhir_count_request(x.f, interaction_of(x.kind), resp->status);
		return;
	}
	err = fhir_authenticate(call, req, &x.e);
	if (err == MED_OK)
		err = serve(&x, call);
	if (end_call(call, &x) != MED_OK) {
		med_log_error("audit spool refused the event: access refused");
		err = fhir_fail(&x.e, MED_GRPC_INTERNAL, "audit unavailable");
	}
	med_call_local_free(call);
	respond(&x, err, resp);
	fhir_count_request(x.f, interaction_of(x.kind), resp->status);
}
