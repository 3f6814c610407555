/*
 * handlers_suggest.c - the note reader's RPCs (docs/note-reader.md):
 * ReadNotes, ListSuggestions, ConfirmSuggestion, RejectSuggestion.
 * Decode, check, one store call (store_suggest.c), encode.
 */
#include <med/check.h>
#include <med/rpc.h>

#include "records.h"

#define REASON_MAX_CHARS 500

med_err
records_rpc_read_notes(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ReadNotesRequest *req = (const void *)in;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	return records_store_read_notes(call, req->patient_id, (void *)out);
}

med_err
records_rpc_list_suggestions(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ListSuggestionsRequest *req =
		(const void *)in;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	if (protobuf_c_enum_descriptor_get_value(
		    &smartmed__records__v1__suggestion_status__descriptor,
		    req->status) == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "status: unknown value");
	med_call_set_patient(call, req->patient_id);
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	return records_store_suggestions(med_call_db(call),
					 med_call_arena(call), req->patient_id,
					 req->status, (void *)out);
}

/* decide runs one decision and names its patient, even when refused. */
static med_err
decide(med_call *call, records_decision *d, ProtobufCMessage *out)
{
	med_err err;

	/* The care relationship is decided before the transaction. */
	d->arena = med_call_arena(call);
	if ((err = records_store_suggestion_patient(med_call_db(call), d)) !=
	    MED_OK)
		return err;
	if (d->patient_id != NULL) {
		med_call_set_patient(call, d->patient_id);
		if ((err = med_call_care_err(call)) != MED_OK)
			return err;
		err = records_store_decide(call, d, (void *)out);
	} else {
		err = MED_ERR_NOT_FOUND;
	}
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "suggestion_id: no such suggestion");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(
			call, err,
			"suggestion_id: already %s; only a pending suggestion "
			"is confirmed or rejected",
			d->status_was == 2   ? "confirmed"
			: d->status_was == 3 ? "rejected"
					     : "withdrawn");
	return err;
}

static const char *
user_of(med_call *call)
{
	return med_call_principal(call)->user;
}

med_err
records_rpc_confirm_suggestion(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ConfirmSuggestionRequest *req =
		(const void *)in;
	records_decision d = {.suggestion_id = req->suggestion_id,
			      .confirm = true,
			      .user = user_of(call),
			      .reason = req->reason};
	med_err err;

	if ((err = med_check_id(call, "suggestion_id", req->suggestion_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 0,
				  REASON_MAX_CHARS)) != MED_OK)
		return err;
	return decide(call, &d, out);
}

med_err
records_rpc_reject_suggestion(med_call *call, const ProtobufCMessage *in,
			      ProtobufCMessage *out)
{
	const Smartmed__Records__V1__RejectSuggestionRequest *req =
		(const void *)in;
	records_decision d = {.suggestion_id = req->suggestion_id,
			      .confirm = false,
			      .user = user_of(call),
			      .reason = req->reason};
	med_err err;

	if ((err = med_check_id(call, "suggestion_id", req->suggestion_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1,
				  REASON_MAX_CHARS)) != MED_OK)
		return err;
	return decide(call, &d, out);
}
