/*
 * handlers_export.c - ExportFhir: one page of the patient's conditions,
 * care plans and findings as a FHIR R4 Bundle (fhir.c writes it).
 */
#include <string.h>

#include <med/check.h>
#include <med/fhir_read.h>
#include <med/config.h>
#include <med/service.h>

#include "diagnosis.h"

/* Room the reply's other fields and protobuf framing take beside the
 * bundle. */
#define REPLY_SLACK_BYTES 1024

static size_t
n_items(const diagnosis_export_page *p)
{
	return p->n_conditions + p->n_plans + p->n_findings;
}

static med_err
write_bundle(med_call *call, const char *patient_id,
	     const diagnosis_export_page *p,
	     Smartmed__Diagnosis__V1__ExportFhirResponse *res)
{
	med_err err = diagnosis_fhir_bundle(
		med_call_arena(call), patient_id, p,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);

	return med_fhir_export_failed(call, err, n_items(p), "items", "item",
				      "patient_id");
}

/* respond_page: the next page starts after this page's last item. */
static med_err
respond_page(med_call *call, const diagnosis_export_page *p,
	     Smartmed__Diagnosis__V1__ExportFhirResponse *res)
{
	med_arena *a = med_call_arena(call);

	res->page = med_arena_zalloc(a, sizeof(*res->page));
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	smartmed__common__v1__page_response__init(res->page);
	if (p->more) {
		res->page->next_page_token =
			med_page_key_token(a, DIAGNOSIS_EXPORT_TAG, &p->last);
		if (res->page->next_page_token == NULL)
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}

/* kind_of is the kind of item that makes FHIR type t, 0 none. */
static char
kind_of(const char *t)
{
	static const struct {
		const char *type;
		char kind;
	} map[] = {
		{"Condition", 'C'},   {"CarePlan", 'P'},
		{"Goal", 'P'},	      {"DiagnosticReport", 'F'},
		{"Observation", 'F'}, {"Provenance", 'F'},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(t, map[i].type) == 0)
			return map[i].kind;
	return 0;
}

/* export_scope reads types and codes (issue 49): the kinds of item to
 * read and the conditions' codes. */
static med_err
export_scope(med_call *call,
	     const Smartmed__Diagnosis__V1__ExportFhirRequest *req,
	     char kinds[4], diagnosis_export_scope *scope)
{
	size_t n = 0;
	med_err err;

	memset(scope, 0, sizeof(*scope));
	for (size_t i = 0; i < req->n_types; i++) {
		char k = kind_of(req->types[i]);

		if (k == 0)
			return med_call_fail(call, MED_ERR_INVALID,
					     "types: %.64s is not a type "
					     "diagnosis exports",
					     req->types[i]);
		if (memchr(kinds, k, n) == NULL && n < 3)
			kinds[n++] = k;
	}
	kinds[n] = '\0';
	scope->kinds = n > 0 ? kinds : NULL;
	if ((err = med_check_text_list(call, "codes", req->codes, req->n_codes,
				       DIAGNOSIS_EXPORT_CODES_MAX, 64)) !=
	    MED_OK)
		return err;
	scope->codes = (const char *const *)req->codes;
	scope->n_codes = req->n_codes;
	if (req->recorded_from_ms < 0 || req->recorded_to_ms < 0)
		return med_call_fail(
			call, MED_ERR_INVALID, "%s: not before 1970 (0: open)",
			req->recorded_from_ms < 0 ? "recorded_from_ms"
						  : "recorded_to_ms");
	scope->from_ms = req->recorded_from_ms;
	scope->to_ms = req->recorded_to_ms;
	return MED_OK;
}

med_err
diagnosis_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
			  ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__ExportFhirRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__ExportFhirResponse *res = (void *)out;
	Smartmed__Common__V1__PageRequest size_only =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	diagnosis_export_page p;
	diagnosis_export_scope scope;
	char kinds[4];
	med_page_key after;
	med_page page;
	med_err err;

	/* The size as every list reads it; the token is a key (store). */
	size_only.page_size = req->page ? req->page->page_size : 0;
	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_page_parse(call, &size_only, &page)) != MED_OK ||
	    (err = export_scope(call, req, kinds, &scope)) != MED_OK)
		return err;
	if (!med_page_key_parse(req->page ? req->page->page_token : "",
				DIAGNOSIS_EXPORT_TAG, DIAGNOSIS_EXPORT_KINDS,
				&after) ||
	    (after.set && after.id[0] == '\0'))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page");
	med_call_set_patient(call, req->patient_id);
	err = diagnosis_store_export(med_call_db(call), med_call_arena(call),
				     req->patient_id, &scope, &after, page.size,
				     &p);
	if (err != MED_OK)
		return err;
	/* A narrowed export may find nothing of a patient who has items. */
	if (n_items(&p) == 0 && !after.set && scope.kinds == NULL &&
	    scope.n_codes == 0 && scope.from_ms == 0 && scope.to_ms == 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no diagnosis data for this "
				     "patient");
	if ((err = write_bundle(call, req->patient_id, &p, res)) != MED_OK)
		return err;
	return respond_page(call, &p, res);
}
