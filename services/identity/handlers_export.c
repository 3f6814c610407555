/*
 * handlers_export.c - ExportFhir: one page of the patient's encounters as
 * a FHIR R4 Bundle (encounter_store.c reads it, fhir.c writes it), or of a
 * ward's open stays (the census of issue 37).
 */
#include <med/check.h>
#include <med/config.h>
#include <med/service.h>

#include <string.h>

#include "identity.h"

/* Room the reply's other fields and protobuf framing take beside the
 * bundle. */
#define REPLY_SLACK_BYTES 1024

/* bundle_failed names what a page that would not write as FHIR broke. */
static med_err
bundle_failed(med_call *call, med_err err, size_t n, const char *field)
{
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "page.page_size: %zu encounters exceed "
				     "the message size limit as FHIR; ask "
				     "for fewer",
				     n);
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "%s: a stored encounter cannot be "
				     "written as FHIR R4",
				     field);
	return err;
}

/*
 * ward_allowed: a caller held to the lookup scope (a clinician or nurse)
 * lists only a ward among their units; whoever looks up the whole
 * hospital lists any.  A refusal is audited with the ward it asked for.
 */
static med_err
ward_allowed(med_call *call, const char *ward)
{
	identity_scope s;
	med_err err = identity_scope_of(call, &s);

	if (err != MED_OK || s.whole)
		return err;
	for (size_t i = 0; i < s.n_units; i++)
		if (strcmp(s.units[i], ward) == 0)
			return MED_OK;
	return med_call_fail(call, MED_ERR_DENIED,
			     "ward: %s is not one of your units; a clinician "
			     "or nurse lists only the wards they work on",
			     ward);
}

/* export_ward answers the census: a page of the ward's open stays. */
static med_err
export_ward(med_call *call,
	    const Smartmed__Identity__V1__ExportFhirRequest *req,
	    Smartmed__Identity__V1__ExportFhirResponse *res)
{
	identity_enc_history **h = NULL;
	med_page page;
	size_t n = 0;
	med_err err;

	if (req->patient_id[0] != '\0')
		return med_call_fail(call, MED_ERR_INVALID,
				     "ward: give a ward or a patient_id, "
				     "not both");
	if ((err = med_check_text(call, "ward", req->ward, 1, 64)) != MED_OK)
		return err;
	/* The census is one event naming its ward, whatever it lists. */
	med_call_set_resource(call, "Encounter?ward");
	(void)med_call_add_detail(call, "ward", req->ward);
	if ((err = ward_allowed(call, req->ward)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	err = identity_enc_store_ward(med_call_db(call), med_call_arena(call),
				      req->ward, page.offset, page.size + 1, &h,
				      &n);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &n);
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	err = identity_fhir_ward_bundle(
		med_call_arena(call), h, n,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);
	return bundle_failed(call, err, n, "ward");
}

/* A patient's export page token: after encounter (start_ms, id). */
#define EXPORT_TAG 'e'

/* respond_after trims the page (read one longer) to its size; the next
 * page starts after its last encounter. */
static med_err
respond_after(med_call *call, const med_page *page, identity_enc_history **h,
	      size_t *n, Smartmed__Identity__V1__ExportFhirResponse *res)
{
	med_arena *a = med_call_arena(call);
	med_page_key last = {.set = true, .kind = 'E'};

	res->page = med_arena_zalloc(a, sizeof(*res->page));
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	smartmed__common__v1__page_response__init(res->page);
	if (*n <= page->size)
		return MED_OK;
	*n = page->size;
	last.t = h[*n - 1]->encounter->start_ms;
	med_strlcpy(last.id, h[*n - 1]->encounter->encounter_id,
		    sizeof(last.id));
	res->page->next_page_token = med_page_key_token(a, EXPORT_TAG, &last);
	return res->page->next_page_token ? MED_OK : MED_ERR_NOMEM;
}

med_err
identity_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Identity__V1__ExportFhirResponse *res = (void *)out;
	Smartmed__Common__V1__PageRequest size_only =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	identity_enc_history **h = NULL;
	med_page_key after;
	med_page page;
	size_t n = 0;
	med_err err;

	if (req->ward[0] != '\0')
		return export_ward(call, req, res);
	/* The size as every list reads it; the token is a key. */
	size_only.page_size = req->page ? req->page->page_size : 0;
	if ((err = identity_visible_patient(call, req->patient_id)) != MED_OK ||
	    (err = med_page_parse(call, &size_only, &page)) != MED_OK)
		return err;
	if (!med_page_key_parse(req->page ? req->page->page_token : "",
				EXPORT_TAG, "E", &after) ||
	    (after.set && after.id[0] == '\0'))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page");
	err = identity_enc_store_export(med_call_db(call), med_call_arena(call),
					req->patient_id, &after, page.size + 1,
					&h, &n);
	if (err != MED_OK ||
	    (err = respond_after(call, &page, h, &n, res)) != MED_OK)
		return err;
	err = identity_fhir_bundle(
		med_call_arena(call), req->patient_id, h, n,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);
	return bundle_failed(call, err, n, "patient_id");
}
