/*
 * handlers.c - the HL7 service's RPC: ListMessages reads the message
 * store by control id, patient, type and time, newest first.
 */
#include <med/check.h>
#include <med/service.h>

#include "hl7_svc.h"

MED_UNARY_HANDLER(hl7_rpc_list_messages);

med_err
hl7_rpc_list_messages(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Hl7__V1__ListMessagesRequest *req =
		(const Smartmed__Hl7__V1__ListMessagesRequest *)in;
	Smartmed__Hl7__V1__ListMessagesResponse *resp =
		(Smartmed__Hl7__V1__ListMessagesResponse *)out;
	med_page page;
	size_t n;
	med_err err;

	if ((err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	if (req->since_ms < 0 || req->until_ms < 0)
		return med_call_fail(
			call, MED_ERR_INVALID,
			"since_ms, until_ms: must not be negative");
	if (req->patient_id[0] != '\0')
		med_call_set_patient(call, req->patient_id);
	if ((err = hl7_store_list(med_call_db(call), med_call_arena(call), req,
				  &page, resp)) != MED_OK)
		return med_call_fail(call, err, "the message store: %s",
				     med_strerror(err));
	n = resp->n_messages;
	resp->page = med_page_respond(call, &page, &n);
	if (resp->page == NULL)
		return MED_ERR_NOMEM;
	resp->n_messages = n;
	return MED_OK;
}
