/*
 * handlers_export.c - ExportFhir: one page of the patient's encounters as
 * a FHIR R4 Bundle (encounter_store.c reads it, fhir.c writes it).
 */
#include <med/check.h>
#include <med/config.h>
#include <med/service.h>

#include "identity.h"

/* Room the reply's other fields and protobuf framing take beside the
 * bundle. */
#define REPLY_SLACK_BYTES 1024

static med_err
write_bundle(med_call *call, const char *patient_id,
	     identity_enc_history *const *h, size_t n,
	     Smartmed__Identity__V1__ExportFhirResponse *res)
{
	med_err err = identity_fhir_bundle(
		med_call_arena(call), patient_id, h, n,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);

	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "page.page_size: %zu encounters exceed "
				     "the message size limit as FHIR; ask "
				     "for fewer",
				     n);
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "patient_id: a stored encounter cannot "
				     "be written as FHIR R4");
	return err;
}

med_err
identity_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Identity__V1__ExportFhirResponse *res = (void *)out;
	identity_enc_history **h = NULL;
	med_page page;
	size_t n = 0;
	med_err err;

	if ((err = identity_visible_patient(call, req->patient_id)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	err = identity_enc_store_export(med_call_db(call), med_call_arena(call),
					req->patient_id, page.offset,
					page.size + 1, &h, &n);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &n);
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	return write_bundle(call, req->patient_id, h, n, res);
}
