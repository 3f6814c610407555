/*
 * write_suggest.c - a note reader's suggestion confirmed or rejected
 * through FHIR (notereader, docs/note-reader.md "FHIR"):
 * POST [base]/{AllergyIntolerance|Condition|MedicationStatement}/{id}/
 * $confirm or $reject with a Parameters holding reason.  The suggestion
 * is first read as that type (records' ReadSuggestionFhir: pending, the
 * caller's patient, the type it is served as), then decided by records'
 * ConfirmSuggestion or RejectSuggestion as the caller.  The answer is a
 * Parameters: status, and for a confirmed allergy the record's allergy.
 */
#include <med/fhir.h>

#include <stdio.h>
#include <string.h>

#include "smartmed/records/v1/records.pb-c.h"

#include "write.h"

#define RECORDS "/smartmed.records.v1.Records/"

bool
fhir_write_is_suggestion_type(const char *type)
{
	return strcmp(type, "AllergyIntolerance") == 0 ||
	       strcmp(type, "Condition") == 0 ||
	       strcmp(type, "MedicationStatement") == 0;
}

/* call_records calls method of records as the caller. */
static med_err
call_records(fhir_write *x, const char *method, const ProtobufCMessage *in,
	     const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
	     med_rpc_status *st)
{
	char path[96];
	med_channel *ch = fhir_write_channel("records");

	if (ch == NULL) {
		st->code = 12; /* UNIMPLEMENTED */
		snprintf(st->message, sizeof(st->message),
			 "MED_RECORDS_URL is not set");
		return MED_ERR_UNIMPLEMENTED;
	}
	snprintf(path, sizeof(path), RECORDS "%s", method);
	return med_channel_unary(ch, path, in, out_desc, x->req->arena,
				 &x->c.opts, out, st);
}

/* reason_of is Parameters.parameter[reason].valueString, or "". */
static const char *
reason_of(const json_t *body)
{
	json_t *list = json_object_get(body, "parameter"), *p;
	size_t i;

	json_array_foreach(list, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));
		const char *v =
			json_string_value(json_object_get(p, "valueString"));

		if (n != NULL && strcmp(n, "reason") == 0 && v != NULL)
			return v;
	}
	return "";
}

/* pending reads the suggestion as type: its patient, or a refusal. */
static med_err
pending(fhir_write *x, const char *type)
{
	Smartmed__Records__V1__ReadFhirRequest in =
		SMARTMED__RECORDS__V1__READ_FHIR_REQUEST__INIT;
	Smartmed__Records__V1__ReadFhirResponse *r = NULL;
	med_rpc_status st = {0};

	in.type = (char *)type;
	in.id = (char *)x->target_id;
	if (call_records(x, "ReadSuggestionFhir", &in.base,
			 &smartmed__records__v1__read_fhir_response__descriptor,
			 (ProtobufCMessage **)&r, &st) != MED_OK)
		return fhir_write_upstream(x, &st, "records", NULL, NULL);
	x->patient_id = r->patient_id;
	return MED_OK;
}

static void
write_answer(med_json *w, const Smartmed__Records__V1__NoteSuggestion *s)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "status");
	med_json_str(
		w, "valueCode",
		s->status == SMARTMED__RECORDS__V1__SUGGESTION_STATUS__SUGGESTION_STATUS_CONFIRMED
			? "confirmed"
			: "rejected");
	med_json_end(w, '}');
	if (s->allergy_entry_id[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "name", "allergy");
		med_fhir_reference(w, "valueReference", "AllergyIntolerance",
				   s->allergy_entry_id, NULL);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
	med_json_end(w, '}');
}

med_err
fhir_write_decide(fhir_write *x, const char *type, const char *op, json_t *body)
{
	Smartmed__Records__V1__ConfirmSuggestionRequest in =
		SMARTMED__RECORDS__V1__CONFIRM_SUGGESTION_REQUEST__INIT;
	Smartmed__Records__V1__RejectSuggestionRequest rej =
		SMARTMED__RECORDS__V1__REJECT_SUGGESTION_REQUEST__INIT;
	bool confirm = strcmp(op, "$confirm") == 0;
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};
	med_err err;

	x->resource = confirm ? "$confirm" : "$reject";
	if (!med_fhir_id_ok(x->target_id))
		return fhir_write_fail(x, 400, "value", "id", "not a FHIR id");
	if ((err = pending(x, type)) != MED_OK)
		return err;
	in.suggestion_id = rej.suggestion_id = (char *)x->target_id;
	in.reason = rej.reason = (char *)reason_of(body);
	err = call_records(
		x, confirm ? "ConfirmSuggestion" : "RejectSuggestion",
		confirm ? &in.base : &rej.base,
		&smartmed__records__v1__note_suggestion__descriptor, &out, &st);
	if (err != MED_OK)
		return fhir_write_upstream(x, &st, "records",
					   "Parameters.parameter[reason]",
					   NULL);
	write_answer(&x->w, (void *)out);
	x->n_resources = 1;
	return MED_OK;
}
