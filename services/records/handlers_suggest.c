/*
 * handlers_suggest.c - the note reader's RPCs (docs/note-reader.md):
 * ReadNotes, ListSuggestions, ConfirmSuggestion, RejectSuggestion.
 * Decode, check, one store call (store_suggest.c), encode.  ReadText
 * reads a text with the reader itself and stores nothing.
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/rpc.h>

#include <string.h>

#include "notes.h"
#include "records.h"

#define REASON_MAX_CHARS 500
/* As a note's body (domain.c). */
#define TEXT_MAX_CHARS 65536
#define NOTES_CONTEXTS 5

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
	return records_store_read_notes(med_call_db(call), med_call_arena(call),
					req->patient_id, (void *)out);
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
		err = records_store_decide(med_call_db(call),
					   med_call_arena(call), d,
					   (void *)out);
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

/* finding_pb fills o from finding f of text; false past the arena's cap. */
static bool
finding_pb(med_arena *a, const char *text, const notes_finding *f,
	   Smartmed__Records__V1__NoteFinding *o)
{
	static const char *const names[NOTES_CONTEXTS] = {
		"negated", "historical", "hypothetical", "family", "uncertain"};
	size_t n = f->end - f->start;
	char *mention = med_arena_alloc(a, n + 1);

	o->context = med_arena_alloc(a, NOTES_CONTEXTS * sizeof(*o->context));
	if (mention == NULL || o->context == NULL)
		return false;
	memcpy(mention, text + f->start, n);
	mention[n] = '\0';
	for (size_t i = 0; i < NOTES_CONTEXTS; i++)
		if (f->context & (1u << i))
			o->context[o->n_context++] = (char *)names[i];
	o->kind = (Smartmed__Records__V1__SuggestionKind)f->kind;
	o->code_system = (char *)f->system;
	o->code = (char *)f->code;
	o->display = (char *)f->display;
	o->span_start = f->start;
	o->span_end = f->end;
	o->text = mention;
	o->trigger = (char *)f->trigger;
	o->reaction = (char *)f->reaction;
	o->suggested = notes_is_suggested(f);
	return true;
}

med_err
records_rpc_read_text(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ReadTextRequest *req = (const void *)in;
	Smartmed__Records__V1__ReadTextResponse *res = (void *)out;
	med_arena *a = med_call_arena(call);
	notes_reading *r;
	size_t cap = 0;
	med_err err;

	if ((err = med_check_text(call, "text", req->text, 1,
				  TEXT_MAX_CHARS)) != MED_OK)
		return err;
	if ((r = med_arena_alloc(a, sizeof(*r))) == NULL)
		return MED_ERR_NOMEM;
	notes_read(req->text, strlen(req->text), r);
	res->stopped = (char *)(r->stopped ? r->stopped : "");
	for (size_t i = 0; i < r->n; i++) {
		Smartmed__Records__V1__NoteFinding *o = med_arena_push_msg(
			a, (void ***)&res->findings, &res->n_findings, &cap,
			&smartmed__records__v1__note_finding__descriptor);

		if (o == NULL || !finding_pb(a, req->text, &r->findings[i], o))
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}
