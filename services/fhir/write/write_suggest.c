/*
 * write_suggest.c - a note reader's suggestion confirmed or rejected
 * through FHIR (notereader, docs/note-reader.md "FHIR"):
 * POST [base]/{AllergyIntolerance|Condition|MedicationStatement}/{id}/
 * $confirm or $reject with a Parameters holding reason.  The suggestion
 * is first read as that type (records' ReadSuggestionFhir: pending, the
 * caller's patient, the type it is served as), then decided by records'
 * ConfirmSuggestion or RejectSuggestion as the caller; a confirmed problem
 * then goes on diagnosis's problem list (AddCondition, as the caller) and
 * a confirmed medicine on dosage's home-medicine list (AddHomeMedication,
 * as the caller), where admission reconciliation decides it.
 * The answer is a Parameters: status, the record's allergy of a confirmed
 * allergy, the Condition of a confirmed problem or the MedicationStatement
 * of a confirmed medicine, or why it is not one.
 */
#include <med/fhir.h>

#include <stdio.h>
#include <string.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"
#include "smartmed/dosage/v1/dosage.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

#include "write.h"

bool
fhir_write_is_suggestion_type(const char *type)
{
	return strcmp(type, "AllergyIntolerance") == 0 ||
	       strcmp(type, "Condition") == 0 ||
	       strcmp(type, "MedicationStatement") == 0;
}

static med_err
call_records(fhir_write *x, const char *method, const ProtobufCMessage *in,
	     const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
	     med_rpc_status *st)
{
	return fhir_call_source(&x->c, "records", method, in, out_desc, out,
				st);
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

typedef Smartmed__Records__V1__NoteSuggestion suggestion;

/* problem_list: what became of a confirmed problem in diagnosis's
 * problem list or of a confirmed medicine in dosage's home-medicine list:
 * the resource it became (name, type and id) or why not (why_name). */
typedef struct problem_list {
	const char *name, *type, *id;
	const char *why_name;
	char why[320];
} problem_list;

/* add_problem puts a confirmed problem on diagnosis's problem list (as
 * the caller: a clinician), confirmed, with the note it came from. */
static void
add_problem(fhir_write *x, const suggestion *s, problem_list *pl)
{
	Smartmed__Diagnosis__V1__AddConditionRequest in =
		SMARTMED__DIAGNOSIS__V1__ADD_CONDITION_REQUEST__INIT;
	Smartmed__Diagnosis__V1__Condition *c = NULL;
	med_rpc_status st = {0};
	bool past = false;
	char note[600];

	for (size_t i = 0; i < s->n_context; i++)
		past = past || strcmp(s->context[i], "historical") == 0;
	snprintf(note, sizeof(note),
		 "From note %s version %u (\"%s\"): the note reader's "
		 "suggestion %s, confirmed.",
		 s->entry_id, (unsigned)s->version, s->text, s->suggestion_id);
	in.patient_id = s->patient_id;
	in.code_system = s->code_system;
	in.code = s->code;
	in.display = s->display;
	in.clinical_status =
		past ? SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_INACTIVE
		     : SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_ACTIVE;
	in.verification_status =
		SMARTMED__DIAGNOSIS__V1__VERIFICATION_STATUS__VERIFICATION_STATUS_CONFIRMED;
	in.note = note;
	if (fhir_call_source(&x->c, "diagnosis", "AddCondition", &in.base,
			     &smartmed__diagnosis__v1__condition__descriptor,
			     (ProtobufCMessage **)&c, &st) == MED_OK) {
		pl->name = "condition";
		pl->type = "Condition";
		pl->id = c->condition_id;
		return;
	}
	pl->why_name = "problemList";
	snprintf(pl->why, sizeof(pl->why),
		 "confirmed, but not added to the problem list: diagnosis "
		 "refused it: %.200s",
		 st.message[0] ? st.message : "call failed");
}

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x

/* home_status: a medicine read as historical was stopped, an uncertain
 * one is not known to be taken; else the patient takes it. */
static int
home_status(const suggestion *s)
{
	int status = HS(ACTIVE);

	for (size_t i = 0; i < s->n_context; i++) {
		if (strcmp(s->context[i], "historical") == 0)
			return HS(STOPPED);
		if (strcmp(s->context[i], "uncertain") == 0)
			status = HS(UNKNOWN);
	}
	return status;
}

/* add_home_medicine puts a confirmed medicine on dosage's home-medicine
 * list (as the caller), with the note and span it was read from. */
static void
add_home_medicine(fhir_write *x, const suggestion *s, problem_list *pl)
{
	Smartmed__Dosage__V1__AddHomeMedicationRequest in =
		SMARTMED__DOSAGE__V1__ADD_HOME_MEDICATION_REQUEST__INIT;
	Smartmed__Dosage__V1__HomeMedicationNote note =
		SMARTMED__DOSAGE__V1__HOME_MEDICATION_NOTE__INIT;
	Smartmed__Dosage__V1__HomeMedication *m = NULL;
	med_rpc_status st = {0};

	note.entry_id = s->entry_id;
	note.version = s->version;
	note.span_start = s->span_start;
	note.span_end = s->span_end;
	note.text = s->text;
	note.suggestion_id = s->suggestion_id;
	in.patient_id = s->patient_id;
	in.medicine = s->display[0] ? s->display : s->code;
	in.substance = strcmp(s->code_system, "substance") == 0 ? s->code : "";
	in.status = home_status(s);
	in.information_source = "note";
	in.note = &note;
	if (fhir_call_source(&x->c, "dosage", "AddHomeMedication", &in.base,
			     &smartmed__dosage__v1__home_medication__descriptor,
			     (ProtobufCMessage **)&m, &st) == MED_OK) {
		pl->name = "homeMedication";
		pl->type = "MedicationStatement";
		pl->id = m->id;
		return;
	}
	pl->why_name = "homeMedicationList";
	snprintf(pl->why, sizeof(pl->why),
		 "confirmed, but not added to the home-medicine list: dosage "
		 "refused it: %.200s",
		 st.message[0] ? st.message : "call failed");
}

static void
param_ref(med_json *w, const char *name, const char *type, const char *id)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
	med_fhir_reference(w, "valueReference", type, id, NULL);
	med_json_end(w, '}');
}

static void
write_answer(med_json *w, const suggestion *s, const problem_list *pl)
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
	if (s->allergy_entry_id[0] != '\0')
		param_ref(w, "allergy", "AllergyIntolerance",
			  s->allergy_entry_id);
	if (pl->id != NULL)
		param_ref(w, pl->name, pl->type, pl->id);
	if (pl->why[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "name", pl->why_name);
		med_json_str(w, "valueString", pl->why);
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
	problem_list pl = {0};
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
	/* A confirmed problem goes on the problem list and a confirmed
	 * medicine on the home-medicine list, after the decision (which
	 * stands whatever diagnosis or dosage says). */
	if (confirm && strcmp(type, "Condition") == 0)
		add_problem(x, (const suggestion *)out, &pl);
	if (confirm && strcmp(type, "MedicationStatement") == 0)
		add_home_medicine(x, (const suggestion *)out, &pl);
	write_answer(&x->w, (const suggestion *)out, &pl);
	x->n_resources = 1;
	return MED_OK;
}
