/*
 * write_face.c - POST [base]/Patient/{id}/$verify-face: a bedside photo
 * (a Parameters resource with the photograph as a base64 attachment) to
 * identity's VerifyFace as the caller, answered as a Parameters resource
 * with the decision, the score and, on a match, the verification token
 * that MedicationAdministration's create then carries.  identity decides
 * everything (threshold, copy check, liveness) and audits it.  The
 * wristband as scanned goes with it (parameter wristband), and when the
 * face answers no-match or retake the bedside goes on to
 * POST [base]/Patient/{id}/$confirm-identifiers: the patient's stated name
 * and birth date read against the wristband by identity's
 * ConfirmStatedIdentifiers (docs/face.md).
 */
#include <string.h>

#include <med/codec.h>
#include <med/fhir.h>

#include "smartmed/identity/v1/identity.pb-c.h"

#include "write.h"

#define VERIFY_PATH  "/smartmed.identity.v1.Identity/VerifyFace"
#define CONFIRM_PATH "/smartmed.identity.v1.Identity/ConfirmStatedIdentifiers"
#define TERMINAL_MAX 64

/* param_named returns Parameters.parameter[name]; *index its index. */
static json_t *
param_named(const json_t *params, const char *name, size_t *index)
{
	json_t *list = json_object_get(params, "parameter"), *p;
	size_t i;

	json_array_foreach(list, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n != NULL && strcmp(n, name) == 0) {
			*index = i;
			return p;
		}
	}
	return NULL;
}

/* param_text is parameter name's value of type (valueString ...), or
 * "" when it is absent. */
static const char *
param_text(const json_t *params, const char *name, const char *type)
{
	size_t i = 0;
	const char *v = json_string_value(
		json_object_get(param_named(params, name, &i), type));

	return v != NULL ? v : "";
}

/* photo_of decodes the photo attachment's base64 data. */
static med_err
photo_of(fhir_write *x, const json_t *body, ProtobufCBinaryData *out)
{
	size_t i = 0;
	json_t *p = param_named(body, "photo", &i);
	json_t *att = json_object_get(p, "valueAttachment");
	const char *type =
		json_string_value(json_object_get(att, "contentType"));
	const char *data = json_string_value(json_object_get(att, "data"));
	size_t cap, len = 0;
	uint8_t *bytes;

	if (p == NULL || att == NULL || data == NULL)
		return fhir_write_fail(x, 400, "required",
				       "Parameters.parameter[photo]",
				       "required: valueAttachment with "
				       "contentType and base64 data");
	if (type == NULL ||
	    (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0))
		return fhir_write_fail(x, 400, "value",
				       "Parameters.parameter[photo]."
				       "valueAttachment.contentType",
				       "want image/jpeg or image/png");
	cap = strlen(data) / 4 * 3 + 3;
	if ((bytes = med_arena_alloc(x->req->arena, cap)) == NULL)
		return MED_ERR_NOMEM;
	if (med_b64_decode(data, strlen(data), MED_B64_LINES, bytes, cap,
			   &len) != MED_OK ||
	    len == 0)
		return fhir_write_fail(x, 400, "value",
				       "Parameters.parameter[photo]."
				       "valueAttachment.data",
				       "not base64 (RFC 4648, with padding)");
	out->data = bytes;
	out->len = len;
	return MED_OK;
}

static const char *
decision_code(int d)
{
	switch (d) {
	case SMARTMED__IDENTITY__V1__FACE_DECISION__FACE_DECISION_MATCH:
		return "match";
	case SMARTMED__IDENTITY__V1__FACE_DECISION__FACE_DECISION_RETAKE:
		return "retake";
	default:
		return "no-match";
	}
}

/* param_begin opens one parameter named name. */
static void
param_begin(med_json *w, const char *name)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
}

static void
param_str(med_json *w, const char *name, const char *type, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	param_begin(w, name);
	med_json_str(w, type, v);
	med_json_end(w, '}');
}

static void
param_decimal(med_json *w, const char *name, double v)
{
	param_begin(w, name);
	med_fhir_decimal_of(w, "valueDecimal", v);
	med_json_end(w, '}');
}

static void
param_bool(med_json *w, const char *name, bool v)
{
	param_begin(w, name);
	med_json_bool(w, "valueBoolean", v);
	med_json_end(w, '}');
}

/* token_params writes a verification token and, when it has one, its
 * expiry. */
static void
token_params(med_json *w, const char *token, int64_t expires_ms)
{
	param_str(w, "verificationToken", "valueString", token);
	if (expires_ms > 0) {
		param_begin(w, "expires");
		med_fhir_instant(w, "valueInstant", expires_ms);
		med_json_end(w, '}');
	}
}

/* patient_parameters names the operation on x and checks its target is
 * a FHIR id and its body a Parameters resource. */
static med_err
patient_parameters(fhir_write *x, json_t *body, const char *resource)
{
	const char *rt =
		json_string_value(json_object_get(body, "resourceType"));

	x->patient_id = x->target_id;
	x->resource = resource;
	if (!med_fhir_id_ok(x->target_id))
		return fhir_write_fail(x, 400, "value", "Patient.id",
				       "not a FHIR id");
	if (rt == NULL || strcmp(rt, "Parameters") != 0)
		return fhir_write_fail(x, 400, "structure",
				       "Parameters.resourceType",
				       "want Parameters");
	return MED_OK;
}

/* answer writes identity's answer as Parameters. */
static void
answer(med_json *w, const Smartmed__Identity__V1__VerifyFaceResponse *r)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	param_str(w, "decision", "valueCode", decision_code(r->decision));
	param_bool(w, "match", r->match);
	param_decimal(w, "score", r->score);
	param_decimal(w, "threshold", r->threshold);
	param_decimal(w, "quality", r->quality);
	param_str(w, "reason", "valueString", r->reason);
	param_str(w, "model", "valueString", r->model);
	token_params(w, r->verification_token, r->expires_ms);
	param_begin(w, "otherFaces");
	med_json_i64(w, "valueInteger", r->other_faces);
	med_json_end(w, '}');
	param_bool(w, "copySuspected", r->copy_suspected);
	param_str(w, "identifiersChecked", "valueCode", r->identifiers_checked);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

med_err
fhir_write_verify_face(fhir_write *x, json_t *body)
{
	Smartmed__Identity__V1__VerifyFaceRequest in =
		SMARTMED__IDENTITY__V1__VERIFY_FACE_REQUEST__INIT;
	size_t i = 0;
	const char *terminal = json_string_value(json_object_get(
		param_named(body, "terminal", &i), "valueString"));
	ProtobufCMessage *reply = NULL;
	med_rpc_status st = {0};
	med_err err;

	if ((err = patient_parameters(x, body, "Patient/$verify-face")) !=
	    MED_OK)
		return err;
	if (terminal != NULL && strlen(terminal) > TERMINAL_MAX)
		return fhir_write_fail(x, 400, "value",
				       "Parameters.parameter[terminal]",
				       "at most %d characters", TERMINAL_MAX);
	if ((err = photo_of(x, body, &in.image)) != MED_OK)
		return err;
	in.patient_id = (char *)x->target_id;
	in.terminal = (char *)(terminal != NULL ? terminal : "");
	in.wristband = (char *)param_text(body, "wristband", "valueString");
	/* identity checks the camera's length and names it. */
	in.camera = (char *)param_text(body, "camera", "valueString");
	if (fhir_call_unary(
		    &x->c, x->f->identity, VERIFY_PATH, &in.base,
		    &smartmed__identity__v1__verify_face_response__descriptor,
		    &reply, &st) != MED_OK)
		return fhir_write_upstream(x, &st, "identity",
					   "Parameters.parameter[photo]",
					   "face check: ");
	answer(&x->w, (void *)reply);
	x->n_resources = 1;
	return MED_OK;
}

/* --- $confirm-identifiers ------------------------------------------------
 */

/* confirm_answer writes identity's answer to the stated check as
 * Parameters. */
static void
confirm_answer(
	med_json *w,
	const Smartmed__Identity__V1__ConfirmStatedIdentifiersResponse *r)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	param_bool(w, "confirmed", r->confirmed);
	for (size_t i = 0; i < r->n_mismatched; i++)
		param_str(w, "mismatched", "valueCode", r->mismatched[i]);
	param_str(w, "identifiersChecked", "valueCode", r->identifiers_checked);
	token_params(w, r->verification_token, r->expires_ms);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

med_err
fhir_write_confirm_identifiers(fhir_write *x, json_t *body)
{
	Smartmed__Identity__V1__ConfirmStatedIdentifiersRequest in =
		SMARTMED__IDENTITY__V1__CONFIRM_STATED_IDENTIFIERS_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	med_rpc_status st = {0};
	med_err err;

	if ((err = patient_parameters(
		     x, body, "Patient/$confirm-identifiers")) != MED_OK)
		return err;
	/* identity checks every field and names it in its refusal. */
	in.patient_id = (char *)x->target_id;
	in.wristband = (char *)param_text(body, "wristband", "valueString");
	in.family_name = (char *)param_text(body, "familyName", "valueString");
	in.given_name = (char *)param_text(body, "givenName", "valueString");
	in.birth_date = (char *)param_text(body, "birthDate", "valueDate");
	in.terminal = (char *)param_text(body, "terminal", "valueString");
	in.after_face = (char *)param_text(body, "afterFace", "valueCode");
	if (fhir_call_unary(
		    &x->c, x->f->identity, CONFIRM_PATH, &in.base,
		    &smartmed__identity__v1__confirm_stated_identifiers_response__descriptor,
		    &reply, &st) != MED_OK)
		return fhir_write_upstream(x, &st, "identity",
					   "Parameters.parameter",
					   "stated identifiers: ");
	confirm_answer(&x->w, (void *)reply);
	x->n_resources = 1;
	return MED_OK;
}
