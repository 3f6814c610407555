/*
 * handlers_suggest.c - the note reader's RPCs (docs/note-reader.md):
 * ReadNotes, ListSuggestions, ConfirmSuggestion, RejectSuggestion.
 * Decode, check, one use case (write_suggest.c) or store read
 * (store_suggest.c), encode.  ReadText
 * reads a text with the reader itself and stores nothing.
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/check.h>
#include <med/fhir.h>
#include <med/rpc.h>
#include <med/service.h>

#include <string.h>

#include "notes.h"
#include "records.h"

/* A suggestion's status by name (records.proto, SuggestionStatus). */
#define SG(x) SMARTMED__RECORDS__V1__SUGGESTION_STATUS__SUGGESTION_STATUS_##x

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
	return records_write_read_notes(call, req->patient_id, (void *)out);
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

/* name_allergy_entry names the allergy entry a confirmation wrote in the
 * call's event, as every write of an entry is named: the loss report
 * after a restore compares entries with the ids events name. */
static void
name_allergy_entry(med_call *call,
		   const Smartmed__Records__V1__NoteSuggestion *s)
{
	if (s->allergy_entry_id != NULL && s->allergy_entry_id[0] != '\0')
		med_call_add_details(call,
				     (const med_audit_detail[]){
					     {"entry_id", s->allergy_entry_id}},
				     1);
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
		err = records_write_decide(call, d, (void *)out);
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
			d->status_was == SG(CONFIRMED)	? "confirmed"
			: d->status_was == SG(REJECTED) ? "rejected"
							: "withdrawn");
	if (err == MED_OK)
		name_allergy_entry(call, (const void *)out);
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
	res->incomplete = r->stopped != NULL;
	for (size_t i = 0; i < r->n; i++) {
		Smartmed__Records__V1__NoteFinding *o = med_arena_push_msg(
			a, (void ***)&res->findings, &res->n_findings, &cap,
			&smartmed__records__v1__note_finding__descriptor);

		if (o == NULL || !finding_pb(a, req->text, &r->findings[i], o))
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}

/* Room kept in a reply beside the bundle. */
#define SUGGEST_REPLY_SLACK 1024

med_err
records_rpc_export_suggestions_fhir(med_call *call, const ProtobufCMessage *in,
				    ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Records__V1__ExportFhirResponse *res = (void *)out;
	Smartmed__Records__V1__ListSuggestionsResponse list =
		SMARTMED__RECORDS__V1__LIST_SUGGESTIONS_RESPONSE__INIT;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	/* One page holds them all (at most 500): there is no next page. */
	if (req->page != NULL && req->page->page_token[0] != '\0')
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: this export has one "
				     "page; send no token");
	med_call_set_patient(call, req->patient_id);
	if ((err = med_call_care_err(call)) != MED_OK ||
	    (err = records_store_suggestions(
		     med_call_db(call), med_call_arena(call), req->patient_id,
		     SG(PENDING), &list)) != MED_OK)
		return err;
	err = records_fhir_suggestions(
		med_call_arena(call), req->patient_id, list.suggestions,
		list.n_suggestions,
		med_call_reply_budget(call, SUGGEST_REPLY_SLACK),
		&res->bundle_json, &res->n_resources);
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "patient_id: the pending suggestions "
				     "exceed the message size limit as FHIR");
	return err;
}

/* fhir_type_ok: a type the suggestions are written as. */
static bool
fhir_type_ok(const char *type)
{
	static const char *const types[] = {"AllergyIntolerance", "Condition",
					    "MedicationStatement",
					    "Provenance"};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i], type) == 0)
			return true;
	return false;
}

/* pending_one finds suggestion id among the patient's pending ones. */
static med_err
pending_one(med_call *call, const char *pid, const char *id,
	    Smartmed__Records__V1__NoteSuggestion **out)
{
	Smartmed__Records__V1__ListSuggestionsResponse list =
		SMARTMED__RECORDS__V1__LIST_SUGGESTIONS_RESPONSE__INIT;
	med_err err = records_store_suggestions(med_call_db(call),
						med_call_arena(call), pid,
						SG(PENDING), &list);

	for (size_t i = 0; err == MED_OK && i < list.n_suggestions; i++)
		if (strcmp(list.suggestions[i]->suggestion_id, id) == 0) {
			*out = list.suggestions[i];
			return MED_OK;
		}
	return err != MED_OK ? err : MED_ERR_NOT_FOUND;
}

med_err
records_rpc_read_suggestion_fhir(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ReadFhirRequest *r = (const void *)in;
	Smartmed__Records__V1__ReadFhirResponse *res = (void *)out;
	Smartmed__Records__V1__NoteSuggestion *s = NULL;
	records_decision d = {.suggestion_id = r->id,
			      .arena = med_call_arena(call)};
	char *bundle = NULL;
	uint32_t n_resources = 0;
	med_err err = MED_OK;

	if (!fhir_type_ok(r->type))
		return med_call_fail(call, MED_ERR_INVALID,
				     "type: not a type a suggestion is "
				     "written as");
	/* Asked last, after the services that own the type: an id of
	 * theirs that they did not find is no suggestion either (NOT_FOUND,
	 * never INVALID_ARGUMENT). */
	if (!med_fhir_id_ok(r->id))
		d.suggestion_id = NULL;
	else if ((err = records_store_suggestion_patient(med_call_db(call),
							 &d)) != MED_OK)
		return err;
	if (d.suggestion_id != NULL && d.patient_id != NULL) {
		med_call_set_patient(call, d.patient_id);
		if ((err = med_call_care_err(call)) != MED_OK)
			return err;
		err = pending_one(call, d.patient_id, r->id, &s);
	}
	if (err == MED_OK && s != NULL && r->version <= 1)
		err = records_fhir_suggestions(
			med_call_arena(call), d.patient_id, &s, 1,
			med_call_reply_budget(call, SUGGEST_REPLY_SLACK),
			&bundle, &n_resources);
	if (err == MED_OK && bundle != NULL)
		err = med_fhir_bundle_resource_copy(med_call_arena(call),
						    bundle, r->type, r->id,
						    &res->resource_json);
	if (err == MED_ERR_NOT_FOUND || (err == MED_OK && bundle == NULL))
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "id: no pending suggestion %s/%s", r->type,
				     r->id);
	if (err != MED_OK)
		return err;
	res->version = 1;
	res->last_updated_ms = s->created_ms;
	res->patient_id = (char *)d.patient_id;
	res->versions_kept = true;
	return MED_OK;
}
