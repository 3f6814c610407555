/*
 * write_med.c - POST [base]/MedicationAdministration: a dose given
 * (status completed) is dosage's RecordAdministration, a dose not given
 * (status not-done, with a coded statusReason) its RecordNotGiven, both
 * as the caller, so every dose check dosage runs applies: the patient's
 * verification token (from $verify-face) or an identity override (a
 * wristband scan), the product's GS1 scan or why it was not scanned, the
 * dose checks, and for a high-alert drug another user's co-sign (made
 * with POST [base]/MedicationRequest/{id}/$cosign, also here).  What FHIR
 * has no element for travels in extensions [base]/StructureDefinition/<name>
 * (docs/api/fhir.md, "Writes").  A refusal names the check in plain
 * words.
 */
#include <stdio.h>
#include <string.h>

#include <med/fhir.h>

#include "smartmed/dosage/v1/dosage.pb-c.h"

#include "write.h"

#define UCUM_SYSTEM	  "http://unitsofmeasure.org"
#define NOT_GIVEN_SYSTEM  "urn:smartmed:dosage:not-given-reason"
#define ADMIN_ID_SYSTEM	  "urn:smartmed:dosage:administration"
#define ORDER_ID_SYSTEM	  "urn:smartmed:dosage:order"
#define LOCAL_DRUG_SYSTEM "urn:smartmed:dosage:catalogue"
#define MA		  "MedicationAdministration"

typedef Smartmed__Dosage__V1__Override override_pb;

/* The override reasons' codes, in OverrideReason's order from 1. */
static const char *const override_codes[] = {
	"clinically-indicated",
	"prescriber-confirmed",
	"pharmacist-verified",
	"emergency",
	"identified-otherwise",
	"verification-unavailable",
	"other",
	"emergency-no-stated-check",
};
#define N_OVERRIDE_CODES (sizeof(override_codes) / sizeof(override_codes[0]))

/* The reasons a dose other than the ordered one was charted, in
 * DoseDeviationReason's order from 1 (issue 47). */
static const char *const deviation_codes[] = {
	"partial-dose-patient-refused",
	"vomited-repeat",
	"titration-per-protocol",
	"prescriber-verbal-order",
	"other",
};

/* The not-given reasons' codes, in NotGivenReason's order from 1. */
static const char *const not_given_codes[] = {
	"patient-refused", "held-by-clinician", "patient-absent",
	"nil-by-mouth",	   "drug-unavailable",	"other",
};

/* The element of $cosign's reason for a dose other than the ordered. */
#define COSIGN_DEVIATION "Parameters.parameter[dose-deviation]"

/* check - a dosage field, the check it belongs to and its element. */
typedef struct check {
	const char *field;
	const char *name;
	const char *element;
} check;

static const check checks[] = {
	{"verification_token", "patient identity check",
	 MA ".extension[verification-token]"},
	{"identity_override", "patient identity check",
	 MA ".extension[identity-override]"},
	{"product_scan", "product scan check", MA ".extension[product-scan]"},
	{"scan_override", "product scan check", MA ".extension[scan-override]"},
	{"cosign_id", "high-alert co-sign check", MA ".extension[cosign]"},
	{"cosign_override", "high-alert co-sign check",
	 MA ".extension[cosign-override]"},
	{"dose_override", "dose check", MA ".extension[dose-override]"},
	{"dose_deviation", "dose check", MA ".extension[dose-deviation]"},
	{"dose", "dose check", MA ".dosage.dose"},
	{"unit", "dose check", MA ".dosage.dose.code"},
	{"order_id", "order check", MA ".request"},
	{"effective_ms", "time check", MA ".effectiveDateTime"},
	{"scheduled_ms", "scheduled dose check", MA ".effectiveDateTime"},
	{"reason", "not-given reason", MA ".statusReason"},
	{"text", "not-given reason", MA ".statusReason.text"},
	{"patient_id", "patient check", "Parameters.parameter[patient]"},
};

/* check_is: dosage's message is about c's field (it starts with it). */
static bool
check_is(const check *c, const char *msg)
{
	size_t n = strlen(c->field);

	return strncmp(msg, c->field, n) == 0 &&
	       (msg[n] == ':' || msg[n] == '.');
}

/* check_of is the check dosage's message is about; NULL: none named. */
static const check *
check_of(const char *msg)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (check_is(&checks[i], msg))
			return &checks[i];
	return NULL;
}

/* refused fails x with dosage's refusal, naming the check. */
static med_err
refused(fhir_write *x, const med_rpc_status *st)
{
	const check *c = check_of(st->message);
	char prefix[64];

	snprintf(prefix, sizeof(prefix),
		 "%s: ", c != NULL ? c->name : "dose safety check");
	return fhir_write_upstream(x, st, "dosage", c ? c->element : NULL,
				   prefix);
}

/* extension returns the extension [base]/StructureDefinition/name. */
static json_t *
extension(fhir_write *x, const json_t *res, const char *name)
{
	json_t *list = json_object_get(res, "extension"), *e;
	char url[700];
	size_t i;

	fhir_write_ext_url(x, name, url, sizeof(url));
	json_array_foreach(list, i, e)
	{
		const char *u = json_string_value(json_object_get(e, "url"));

		if (u != NULL && strcmp(u, url) == 0)
			return e;
	}
	return NULL;
}

static const char *
ext_string(fhir_write *x, const json_t *res, const char *name)
{
	const char *v = json_string_value(
		json_object_get(extension(x, res, name), "valueString"));

	return v != NULL ? v : "";
}

/* code_index is the position (from 1) of code in codes; 0: none. */
static int
code_index(const char *const *codes, size_t n, const char *code)
{
	for (size_t i = 0; code != NULL && i < n; i++)
		if (strcmp(codes[i], code) == 0)
			return (int)i + 1;
	return 0;
}

/* reason_text_of reads a complex extension {reason: valueCode, text:
 * valueString}: *found false when it is absent. */
static void
reason_text_of(fhir_write *x, const json_t *res, const char *name, bool *found,
	       const char **code, const char **text)
{
	json_t *ext = extension(x, res, name), *sub;
	size_t i;

	*found = ext != NULL;
	*code = *text = NULL;
	json_array_foreach(json_object_get(ext, "extension"), i, sub)
	{
		const char *u = json_string_value(json_object_get(sub, "url"));

		if (u != NULL && strcmp(u, "reason") == 0)
			*code = json_string_value(
				json_object_get(sub, "valueCode"));
		if (u != NULL && strcmp(u, "text") == 0)
			*text = json_string_value(
				json_object_get(sub, "valueString"));
	}
}

/* override_of reads an override extension into *out (NULL when
 * absent). */
static med_err
override_of(fhir_write *x, const json_t *res, const char *name,
	    override_pb **out)
{
	const char *code, *text;
	char where[96];
	bool found;

	*out = NULL;
	reason_text_of(x, res, name, &found, &code, &text);
	if (!found)
		return MED_OK;
	snprintf(where, sizeof(where), MA ".extension[%s]", name);
	if (code_index(override_codes, N_OVERRIDE_CODES, code) == 0 ||
	    text == NULL)
		return fhir_write_fail(
			x, 400, "required", where,
			"want extension reason (valueCode: "
			"clinically-indicated, prescriber-confirmed, "
			"pharmacist-verified, emergency, identified-otherwise, "
			"verification-unavailable, other, "
			"emergency-no-stated-check) and text "
			"(valueString)");
	if ((*out = med_arena_zalloc(x->req->arena, sizeof(**out))) == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__override__init(*out);
	(*out)->reason = code_index(override_codes, N_OVERRIDE_CODES, code);
	(*out)->text = (char *)text;
	return MED_OK;
}

/* deviation_make makes the DoseDeviation of a reason code and its text
 * (dosage checks the text's length), or fails naming element: the nurse's
 * extension and the co-signer's parameter carry the same codes. */
static med_err
deviation_make(fhir_write *x, const char *code, const char *text,
	       const char *element, const char *kind,
	       Smartmed__Dosage__V1__DoseDeviation **out)
{
	if (code_index(deviation_codes, 5, code) == 0)
		return fhir_write_fail(
			x, 400, "required", element,
			"want %s reason (valueCode: "
			"partial-dose-patient-refused, vomited-repeat, "
			"titration-per-protocol, prescriber-verbal-order, "
			"other) and, for other, text (valueString)",
			kind);
	if ((*out = med_arena_zalloc(x->req->arena, sizeof(**out))) == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__dose_deviation__init(*out);
	(*out)->reason = code_index(deviation_codes, 5, code);
	(*out)->text = (char *)(text != NULL ? text : "");
	return MED_OK;
}

/* deviation_of reads the dose-deviation extension (why the dose charted
 * is not the ordered one) into *out (NULL when absent). */
static med_err
deviation_of(fhir_write *x, const json_t *res,
	     Smartmed__Dosage__V1__DoseDeviation **out)
{
	const char *code, *text;
	bool found;

	*out = NULL;
	reason_text_of(x, res, "dose-deviation", &found, &code, &text);
	if (!found)
		return MED_OK;
	return deviation_make(x, code, text, MA ".extension[dose-deviation]",
			      "extension", out);
}

/* order_of reads MedicationAdministration.request: a reference
 * MedicationRequest/{id}, or dosage's order identifier. */
static const char *
order_of(fhir_write *x, const json_t *res)
{
	json_t *req = json_object_get(res, "request");
	json_t *ident = json_object_get(req, "identifier");
	const char *sys = json_string_value(json_object_get(ident, "system"));
	const char *id = fhir_write_ref_id(x, req, "MedicationRequest");

	if (id == NULL && sys != NULL && strcmp(sys, ORDER_ID_SYSTEM) == 0)
		id = json_string_value(json_object_get(ident, "value"));
	return id;
}

/* dose_of reads dosage.dose (a UCUM quantity; its code, else its unit). */
static med_err
dose_of(fhir_write *x, const json_t *res, double *dose, const char **unit)
{
	json_t *q = json_object_get(json_object_get(res, "dosage"), "dose");
	const char *code = json_string_value(json_object_get(q, "code"));

	if (code == NULL)
		code = json_string_value(json_object_get(q, "unit"));
	if (!json_is_number(json_object_get(q, "value")) || code == NULL)
		return fhir_write_fail(x, 400, "required", MA ".dosage.dose",
				       "required: value and a UCUM code");
	*dose = json_number_value(json_object_get(q, "value"));
	*unit = code;
	return MED_OK;
}

static med_err
effective_of(fhir_write *x, const json_t *res, bool required, int64_t *ms)
{
	const char *t =
		json_string_value(json_object_get(res, "effectiveDateTime"));

	*ms = 0;
	if (t == NULL && !required)
		return MED_OK;
	if (t == NULL || !fhir_write_time_ms(t, ms))
		return fhir_write_fail(x, 400, required ? "required" : "value",
				       MA ".effectiveDateTime",
				       "%swant a date and time with a zone",
				       required ? "required (the scheduled "
						  "time of the dose not "
						  "given): "
						: "");
	return MED_OK;
}

/* --- the answer ------------------------------------------------------------
 */

static void
write_reason(med_json *w, const Smartmed__Dosage__V1__Administration *a)
{
	int r = a->not_given_reason;

	if (r < 1 || r > 6)
		return;
	med_json_begin(w, "statusReason", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "coding", '[');
	med_fhir_coding(w, &(med_fhir_code){NOT_GIVEN_SYSTEM,
					    not_given_codes[r - 1], NULL});
	med_json_end(w, ']');
	if (a->not_given_text[0] != '\0')
		med_json_str(w, "text", a->not_given_text);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* write_identification writes how the patient was identified at the
 * bedside as extension patient-identification, as dosage's own
 * MedicationAdministration does (docs/face.md). */
static void
write_identification(const fhir_write *x, med_json *w,
		     const Smartmed__Dosage__V1__Administration *a)
{
	char url[512];

	if (a->identifiers_checked[0] == '\0')
		return;
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url",
		     fhir_write_ext_url(x, "patient-identification", url,
					sizeof(url)));
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", "identifiers");
	med_json_str(w, "valueCode", a->identifiers_checked);
	med_json_end(w, '}');
	if (a->identifiers_checked_by[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "url", "checkedBy");
		med_fhir_display_ref(w, "valueReference",
				     a->identifiers_checked_by);
		med_json_end(w, '}');
	}
	if (a->identification_terminal[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "url", "terminal");
		med_json_str(w, "valueString", a->identification_terminal);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* write_administration writes dosage's record as the R4 resource. */
static void
write_administration(const fhir_write *x, med_json *w,
		     const Smartmed__Dosage__V1__Administration *a)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", MA);
	med_json_str(w, "id", a->id);
	write_identification(x, w, a);
	med_json_begin(w, "identifier", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "system", ADMIN_ID_SYSTEM);
	med_json_str(w, "value", a->id);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_str(w, "status", a->status);
	write_reason(w, a);
	med_json_begin(w, "medicationCodeableConcept", '{');
	med_json_begin(w, "coding", '[');
	med_fhir_coding(
		w, &(med_fhir_code){LOCAL_DRUG_SYSTEM, a->drug_code, NULL});
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_fhir_reference(w, "subject", "Patient", a->patient_id, NULL);
	med_fhir_instant(w, "effectiveDateTime", a->effective_ms);
	med_json_begin(w, "performer", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_display_ref(w, "actor", a->performer);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_fhir_reference(w, "request", "MedicationRequest", a->order_id,
			   NULL);
	if (strcmp(a->status, "not-done") != 0) {
		/* As recorded; dosage's units are not all UCUM codes
		 * ("tablet"), so no code is claimed. */
		med_json_begin(w, "dosage", '{');
		med_json_begin(w, "dose", '{');
		med_fhir_decimal_of(w, "value", a->dose);
		med_json_str(w, "unit", a->unit);
		med_json_end(w, '}');
		med_json_end(w, '}');
	}
	med_json_end(w, '}');
}

/* --- the calls ---------------------------------------------------------------
 */

/* call_dosage calls method of dosage as the caller. */
static med_err
call_dosage(fhir_write *x, const char *method, const ProtobufCMessage *in,
	    const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
	    med_rpc_status *st)
{
	return fhir_call_source(&x->c, "dosage", method, in, out_desc, out, st);
}

/* same_patient refuses a subject that is not the order's patient, before
 * anything is recorded (dosage reads the patient from the order). */
static med_err
same_patient(fhir_write *x, const char *order_id, const char *patient_id)
{
	Smartmed__Dosage__V1__GetOrderRequest in =
		SMARTMED__DOSAGE__V1__GET_ORDER_REQUEST__INIT;
	Smartmed__Dosage__V1__Order *o = NULL;
	med_rpc_status st = {0};

	in.order_id = (char *)order_id;
	if (call_dosage(x, "GetOrder", &in.base,
			&smartmed__dosage__v1__order__descriptor,
			(ProtobufCMessage **)&o, &st) != MED_OK)
		return refused(x, &st);
	if (strcmp(o->patient_id, patient_id) != 0)
		return fhir_write_fail(x, 422, "business-rule", MA ".subject",
				       "patient check: the order %s is "
				       "another patient's",
				       order_id);
	return MED_OK;
}

static med_err
record_given(fhir_write *x, const json_t *res, const char *order_id,
	     ProtobufCMessage **out)
{
	Smartmed__Dosage__V1__RecordAdministrationRequest in =
		SMARTMED__DOSAGE__V1__RECORD_ADMINISTRATION_REQUEST__INIT;
	const char *unit = NULL;
	med_rpc_status st = {0};
	med_err err;

	in.order_id = (char *)order_id;
	if ((err = dose_of(x, res, &in.dose, &unit)) != MED_OK ||
	    (err = effective_of(x, res, false, &in.effective_ms)) != MED_OK ||
	    (err = override_of(x, res, "identity-override",
			       &in.identity_override)) != MED_OK ||
	    (err = override_of(x, res, "dose-override", &in.dose_override)) !=
		    MED_OK ||
	    (err = override_of(x, res, "cosign-override",
			       &in.cosign_override)) != MED_OK ||
	    (err = override_of(x, res, "scan-override", &in.scan_override)) !=
		    MED_OK ||
	    (err = deviation_of(x, res, &in.dose_deviation)) != MED_OK)
		return err;
	in.unit = (char *)unit;
	in.verification_token =
		(char *)ext_string(x, res, "verification-token");
	in.product_scan = (char *)ext_string(x, res, "product-scan");
	in.cosign_id = (char *)ext_string(x, res, "cosign");
	if (call_dosage(x, "RecordAdministration", &in.base,
			&smartmed__dosage__v1__administration__descriptor, out,
			&st) != MED_OK)
		return refused(x, &st);
	return MED_OK;
}

/* not_given_of reads statusReason's coded reason and its text. */
static med_err
not_given_of(fhir_write *x, const json_t *res,
	     Smartmed__Dosage__V1__RecordNotGivenRequest *in)
{
	json_t *reason =
		json_array_get(json_object_get(res, "statusReason"), 0);
	json_t *codings = json_object_get(reason, "coding"), *c;
	const char *text = json_string_value(json_object_get(reason, "text"));
	size_t i;

	json_array_foreach(codings, i, c)
	{
		const char *s = json_string_value(json_object_get(c, "system"));

		if (s != NULL && strcmp(s, NOT_GIVEN_SYSTEM) == 0)
			in->reason = code_index(
				not_given_codes, 6,
				json_string_value(json_object_get(c, "code")));
	}
	if (in->reason == 0)
		return fhir_write_fail(
			x, 400, "required", MA ".statusReason",
			"required for not-done: a coding of %s "
			"(patient-refused, "
			"held-by-clinician, patient-absent, nil-by-mouth, "
			"drug-unavailable, other)",
			NOT_GIVEN_SYSTEM);
	in->text = (char *)(text != NULL ? text : "");
	/* A time-critical medicine's omission says who was told (dosage
	 * requires it for those, ignores it for others). */
	in->escalation_reason = (char *)ext_string(x, res, "escalation-reason");
	return MED_OK;
}

static med_err
record_not_given(fhir_write *x, const json_t *res, const char *order_id,
		 ProtobufCMessage **out)
{
	Smartmed__Dosage__V1__RecordNotGivenRequest in =
		SMARTMED__DOSAGE__V1__RECORD_NOT_GIVEN_REQUEST__INIT;
	med_rpc_status st = {0};
	med_err err;

	in.order_id = (char *)order_id;
	if ((err = not_given_of(x, res, &in)) != MED_OK ||
	    (err = effective_of(x, res, true, &in.scheduled_ms)) != MED_OK)
		return err;
	if (call_dosage(x, "RecordNotGiven", &in.base,
			&smartmed__dosage__v1__administration__descriptor, out,
			&st) != MED_OK)
		return refused(x, &st);
	return MED_OK;
}

/* parse_head reads what every administration names: the type, status,
 * subject and order. */
static med_err
parse_head(fhir_write *x, const json_t *res, const char **status,
	   const char **order_id)
{
	const char *rt =
		json_string_value(json_object_get(res, "resourceType"));

	*status = json_string_value(json_object_get(res, "status"));
	if (rt == NULL || strcmp(rt, MA) != 0)
		return fhir_write_fail(x, 400, "structure", MA ".resourceType",
				       "want " MA);
	if (*status == NULL || (strcmp(*status, "completed") != 0 &&
				strcmp(*status, "not-done") != 0))
		return fhir_write_fail(x, 400, "value", MA ".status",
				       "want completed (given) or not-done");
	x->patient_id = fhir_write_ref_id(x, json_object_get(res, "subject"),
					  "Patient");
	if (x->patient_id == NULL && x->foreign_ref != NULL)
		return fhir_write_ref_foreign(x, MA ".subject");
	if (x->patient_id == NULL)
		return fhir_write_fail(x, 400, "required", MA ".subject",
				       "required: a reference Patient/{id}");
	*order_id = order_of(x, res);
	if (x->foreign_ref != NULL) /* even with an identifier beside it */
		return fhir_write_ref_foreign(x, MA ".request");
	if (*order_id == NULL)
		return fhir_write_fail(x, 400, "required", MA ".request",
				       "required: a reference "
				       "MedicationRequest/{id}");
	return MED_OK;
}

med_err
fhir_write_administration(fhir_write *x, json_t *body)
{
	const char *status = NULL, *order_id = NULL;
	ProtobufCMessage *out = NULL;
	const Smartmed__Dosage__V1__Administration *a;
	char loc[800];
	med_err err = parse_head(x, body, &status, &order_id);

	if (err == MED_OK)
		err = same_patient(x, order_id, x->patient_id);
	if (err == MED_OK && strcmp(status, "completed") == 0)
		err = record_given(x, body, order_id, &out);
	else if (err == MED_OK)
		err = record_not_given(x, body, order_id, &out);
	if (err != MED_OK)
		return err;
	a = (const void *)out;
	write_administration(x, &x->w, a);
	snprintf(loc, sizeof(loc), "%s/" MA "/%s", x->f->base_url, a->id);
	x->location = med_arena_strdup(x->req->arena, loc);
	x->resource =
		x->location ? x->location + strlen(x->f->base_url) + 1 : MA;
	x->status = 201;
	x->n_resources = 1;
	return MED_OK;
}

/* --- MedicationRequest/{id}/$cosign ------------------------------------------
 */

/* param_named returns the first of list (a Parameters' parameter or a
 * parameter's part array) named name; NULL: none. */
static json_t *
param_named(const json_t *list, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(list, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return p;
	}
	return NULL;
}

/* param_value returns Parameters.parameter[name]'s value element key. */
static json_t *
param_value(const json_t *params, const char *name, const char *key)
{
	return json_object_get(
		param_named(json_object_get(params, "parameter"), name), key);
}

/* cosign_deviation_of reads $cosign's dose-deviation parameter (parts
 * reason, valueCode, and text, valueString: why the dose the co-signer
 * checked is not the ordered one, the nurse's extension's codes) into
 * *out (NULL when absent). */
static med_err
cosign_deviation_of(fhir_write *x, const json_t *body,
		    Smartmed__Dosage__V1__DoseDeviation **out)
{
	json_t *p = param_named(json_object_get(body, "parameter"),
				"dose-deviation");
	json_t *parts = json_object_get(p, "part");

	*out = NULL;
	if (p == NULL)
		return MED_OK;
	return deviation_make(
		x,
		json_string_value(json_object_get(param_named(parts, "reason"),
						  "valueCode")),
		json_string_value(json_object_get(param_named(parts, "text"),
						  "valueString")),
		COSIGN_DEVIATION, "part", out);
}

/* cosign_refused fails x with dosage's refusal of a co-sign, naming the
 * parameter it is about (the dose, its reason, the patient). */
static med_err
cosign_refused(fhir_write *x, const med_rpc_status *st)
{
	static const check cosign_checks[] = {
		{"dose_deviation", "dose check", COSIGN_DEVIATION},
		{"dose", "dose check", "Parameters.parameter[dose]"},
		{"unit", "dose check", "Parameters.parameter[dose]"},
	};

	for (size_t i = 0; i < sizeof(cosign_checks) / sizeof(*cosign_checks);
	     i++)
		if (check_is(&cosign_checks[i], st->message))
			return fhir_write_upstream(x, st, "dosage",
						   cosign_checks[i].element,
						   "dose check: ");
	return refused(x, st);
}

static void
write_cosign(med_json *w, const Smartmed__Dosage__V1__Cosign *c)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "cosign");
	med_json_str(w, "valueString", c->id);
	med_json_end(w, '}');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "cosignedBy");
	med_json_str(w, "valueString", c->cosigned_by);
	med_json_end(w, '}');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "dose");
	med_fhir_quantity(w, "valueQuantity", c->dose, c->unit);
	med_json_end(w, '}');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "expires");
	med_fhir_instant(w, "valueInstant", c->expires_ms);
	med_json_end(w, '}');
	if (c->dose_deviation != NULL && c->dose_deviation->reason > 0 &&
	    (size_t)c->dose_deviation->reason <=
		    sizeof(deviation_codes) / sizeof(*deviation_codes)) {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "name", "dose-deviation");
		med_json_begin(w, "part", '[');
		med_json_begin(w, NULL, '{');
		med_json_str(w, "name", "reason");
		med_json_str(w, "valueCode",
			     deviation_codes[c->dose_deviation->reason - 1]);
		med_json_end(w, '}');
		if (c->dose_deviation->text && c->dose_deviation->text[0]) {
			med_json_begin(w, NULL, '{');
			med_json_str(w, "name", "text");
			med_json_str(w, "valueString", c->dose_deviation->text);
			med_json_end(w, '}');
		}
		med_json_end(w, ']');
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
	med_json_end(w, '}');
}

med_err
fhir_write_cosign(fhir_write *x, json_t *body)
{
	Smartmed__Dosage__V1__CosignAdministrationRequest in =
		SMARTMED__DOSAGE__V1__COSIGN_ADMINISTRATION_REQUEST__INIT;
	json_t *q = param_value(body, "dose", "valueQuantity");
	const char *unit = json_string_value(json_object_get(q, "code"));
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};
	med_err err;

	x->resource = "MedicationRequest/$cosign";
	x->patient_id = fhir_write_ref_id(
		x, param_value(body, "patient", "valueReference"), "Patient");
	if (!med_fhir_id_ok(x->target_id))
		return fhir_write_fail(x, 400, "value", "MedicationRequest.id",
				       "not a FHIR id");
	if (x->patient_id == NULL && x->foreign_ref != NULL)
		return fhir_write_ref_foreign(x,
					      "Parameters.parameter[patient]");
	if (x->patient_id == NULL)
		return fhir_write_fail(x, 400, "required",
				       "Parameters.parameter[patient]",
				       "required: valueReference Patient/{id}, "
				       "the patient the checker identified");
	if (!json_is_number(json_object_get(q, "value")) || unit == NULL)
		return fhir_write_fail(x, 400, "required",
				       "Parameters.parameter[dose]",
				       "required: valueQuantity with value and "
				       "a UCUM code");
	in.order_id = (char *)x->target_id;
	in.patient_id = (char *)x->patient_id;
	in.dose = json_number_value(json_object_get(q, "value"));
	in.unit = (char *)unit;
	if ((err = cosign_deviation_of(x, body, &in.dose_deviation)) != MED_OK)
		return err;
	if (call_dosage(x, "CosignAdministration", &in.base,
			&smartmed__dosage__v1__cosign__descriptor, &out,
			&st) != MED_OK)
		return cosign_refused(x, &st);
	write_cosign(&x->w, (void *)out);
	x->n_resources = 1;
	return MED_OK;
}
