/*
 * write.c - the facade's writes (fhirwrite): which POSTs they are, and
 * around each the order every request follows: authenticate, read the
 * body, serve, audit.  The caller is authenticated before the body is
 * judged, so an anonymous client learns nothing; each write is a call of
 * libmed's rpc layer (med_call_local_new), so its access event is made
 * by the same code as a gRPC method's, with action "fhir/<interaction>"
 * and the device of a reading as a detail (its agent).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <med/audit.h>
#include <med/fhir.h>
#include <med/log.h>

#include "write.h"

/* --- routing --------------------------------------------------------------
 */

/* split cuts the path below the base into at most 3 segments; n > 3: more. */
static size_t
split(med_arena *a, const char *rest, char **seg)
{
	char *copy = med_arena_strdup(a, rest);
	char *save = NULL;
	size_t n = 0;

	if (copy == NULL)
		return 4;
	for (char *s = strtok_r(copy, "/", &save); s != NULL;
	     s = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return 4;
		seg[n++] = s;
	}
	return n;
}

/* kind_of says which write the segments name; false: none. */
static bool
kind_of(char **seg, size_t n, fhir_write_kind *kind, const char **id)
{
	*id = NULL;
	if (n == 0) {
		*kind = FHIR_WRITE_BUNDLE;
		return true;
	}
	if (n == 1 && strcmp(seg[0], "Observation") == 0)
		*kind = FHIR_WRITE_OBSERVATION;
	else if (n == 1 && strcmp(seg[0], "MedicationAdministration") == 0)
		*kind = FHIR_WRITE_ADMINISTRATION;
	/* imgtrig: a PACS study to analyse (write_imaging.c). */
	else if (n == 1 && strcmp(seg[0], "ImagingStudy") == 0)
		*kind = FHIR_WRITE_IMAGING_STUDY;
	else if (n == 3 && strcmp(seg[0], "Patient") == 0 &&
		 strcmp(seg[2], "$verify-face") == 0)
		*kind = FHIR_WRITE_VERIFY_FACE;
	else if (n == 3 && strcmp(seg[0], "Patient") == 0 &&
		 strcmp(seg[2], "$confirm-identifiers") == 0)
		*kind = FHIR_WRITE_CONFIRM_IDENTIFIERS;
	else if (n == 3 && strcmp(seg[0], "MedicationRequest") == 0 &&
		 strcmp(seg[2], "$cosign") == 0)
		*kind = FHIR_WRITE_COSIGN;
	else if (n == 3 && fhir_write_is_suggestion_type(seg[0]) &&
		 (strcmp(seg[2], "$confirm") == 0 ||
		  strcmp(seg[2], "$reject") == 0))
		*kind = FHIR_WRITE_DECIDE;
	else
		return false;
	if (n == 3)
		*id = seg[1];
	return true;
}

/* route_write fills x's kind and target from req's path. */
static bool
route_write(const fhir_facade *f, const fhir_request *req, fhir_write *x)
{
	size_t plen = strlen(f->base_path);
	char *seg[3] = {0};
	const char *rest;

	if (strcmp(req->method, "POST") != 0 ||
	    strncmp(req->path, f->base_path, plen) != 0)
		return false;
	rest = req->path + plen;
	if (rest[0] != '\0' && rest[0] != '/')
		return false;
	return kind_of(seg, split(req->arena, rest, seg), &x->kind,
		       &x->target_id);
}

bool
fhir_write_claims(const fhir_facade *f, const fhir_request *req)
{
	fhir_write x = {0};

	return route_write(f, req, &x);
}

/* --- failures ----------------------------------------------------------- */

static const char *
interaction_of(fhir_write_kind k)
{
	/* imgtrig: ImagingStudy's create; notereader: a suggestion's
	 * decision. */
	static const char *const names[] = {"create",
					    "transaction",
					    "create",
					    "$verify-face",
					    "$cosign",
					    "create",
					    "$confirm-or-reject",
					    "$confirm-identifiers"};

	return names[k];
}

/* interaction_of_path names a write for a refusal: its path below the
 * base. */
static const char *
interaction_of_path(const fhir_write *x)
{
	const char *rest = x->req->path + strlen(x->f->base_path);

	return rest[0] != '\0' && strcmp(rest, "/") != 0 ? rest + 1
							 : "a Bundle";
}

static med_err
open_call(fhir_write *x, med_call **out)
{
	bool creates = x->kind == FHIR_WRITE_OBSERVATION ||
		       x->kind == FHIR_WRITE_ADMINISTRATION ||
		       x->kind == FHIR_WRITE_IMAGING_STUDY; /* imgtrig */

	return fhir_open_call(x->f, x->req, interaction_of(x->kind),
			      creates ? MED_AUDIT_ACTION_CREATE
				      : MED_AUDIT_ACTION_EXECUTE,
			      NULL, out, &x->e);
}

/* parse_body reads the request's JSON body; its media type must be FHIR
 * JSON (or plain JSON), as the facade speaks no XML. */
static med_err
parse_body(fhir_write *x, json_t **out)
{
	const char *type = x->req->body_type;
	json_error_t je;

	if (type != NULL && strncmp(type, "application/fhir+json", 21) != 0 &&
	    strncmp(type, "application/json", 16) != 0) {
		(void)fhir_write_fail(x, 415, "not-supported", NULL,
				      "Content-Type: want "
				      "application/fhir+json, got '%.60s'",
				      type);
		return MED_ERR_INVALID;
	}
	*out = json_loadb(x->req->body ? x->req->body : "", x->req->body_len,
			  JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return fhir_write_fail(x, 400, "structure", NULL,
				       "body: not a JSON object (line %d: "
				       "%.100s)",
				       je.line, je.text);
	}
	return MED_OK;
}

/* path_parts gives the type and the operation of an operation's path
 * ([base]/{type}/{id}/{op}), in the request's arena. */
static bool
path_parts(const fhir_write *x, const char **type, const char **op)
{
	char *seg[3] = {0};

	if (split(x->req->arena, x->req->path + strlen(x->f->base_path), seg) !=
	    3)
		return false;
	*type = seg[0];
	*op = seg[2];
	return true;
}

static med_err
decide(fhir_write *x, json_t *body)
{
	const char *type, *op;

	if (!path_parts(x, &type, &op))
		return fhir_write_fail(x, 400, "structure", NULL,
				       "path: [base]/{type}/{id}/{op}");
	return fhir_write_decide(x, type, op, body);
}

static med_err
serve(fhir_write *x)
{
	json_t *body = NULL;
	med_err err = parse_body(x, &body);

	if (err != MED_OK)
		return err;
	/* fhiredge: only an Observation's create is conditional. */
	if (x->req->if_none_exist != NULL && x->kind != FHIR_WRITE_OBSERVATION)
		err = fhir_write_if_none_exist_refuse(x,
						      interaction_of_path(x));
	if (err != MED_OK) {
		json_decref(body);
		return err;
	}
	switch (x->kind) {
	case FHIR_WRITE_OBSERVATION:
		err = fhir_write_observation(x, body);
		break;
	case FHIR_WRITE_BUNDLE:
		err = fhir_write_bundle(x, body);
		break;
	case FHIR_WRITE_ADMINISTRATION:
		err = fhir_write_administration(x, body);
		break;
	case FHIR_WRITE_VERIFY_FACE:
		err = fhir_write_verify_face(x, body);
		break;
	case FHIR_WRITE_CONFIRM_IDENTIFIERS:
		err = fhir_write_confirm_identifiers(x, body);
		break;
	case FHIR_WRITE_IMAGING_STUDY: /* imgtrig */
		err = fhir_write_imaging_study(x, body);
		break;
	case FHIR_WRITE_DECIDE: /* notereader */
		err = decide(x, body);
		break;
	default:
		err = fhir_write_cosign(x, body);
	}
	json_decref(body);
	return err;
}

/* end_call names what the write touched and ends its call, which emits
 * the access event; a reading's device is named as its agent. */
static med_err
end_call(med_call *call, const fhir_write *x)
{
	char status[8], count[24];
	med_audit_detail d[4] = {
		{"http_status", status},
		{"resources", count},
		{"interface", "fhir"},
		{"device", x->device},
	};

	snprintf(status, sizeof(status), "%d",
		 x->e.http_status ? x->e.http_status : x->status);
	snprintf(count, sizeof(count), "%zu", x->n_resources);
	med_call_set_resource(call, x->resource ? x->resource
						: interaction_of(x->kind));
	if (x->patient_id != NULL)
		med_call_set_patient(call, x->patient_id);
	med_call_add_details(call, d, x->device != NULL ? 4 : 3);
	return med_call_end(call, x->e.grpc_code);
}

static void
respond(fhir_write *x, med_err err, fhir_response *resp)
{
	size_t len = 0;
	const char *text = err == MED_OK ? med_json_text(&x->w, &len) : NULL;
	med_json w;

	if (text != NULL) {
		resp->status = x->status;
		resp->body = text;
		resp->len = len;
		resp->location = x->location;
		return;
	}
	if (err == MED_OK)
		(void)fhir_fail(&x->e, MED_GRPC_RESOURCE_EXHAUSTED,
				"response too large");
	med_json_init_arena(&w, x->req->arena, FHIR_BODY_MAX);
	fhir_write_outcome(&w, NULL, x);
	text = med_json_text(&w, &len);
	resp->status = x->e.http_status;
	resp->ask_for_token = x->e.http_status == 401;
	fhir_respond_retry_after(resp, x->req->arena, &x->e);
	resp->body = text ? text : "";
	resp->len = text ? len : 0;
}

/* write_scopes (fhiredge): SMART scopes narrow the writes as they narrow
 * the reads (smart.c): create on the type written, update on the order
 * co-signed, read on the Patient whose face is verified. */
static med_err
write_scopes(fhir_write *x, med_call *call)
{
	const char *type = "Observation", *patient = NULL;
	uint32_t perms = MED_SCOPE_CREATE;

	if (x->kind == FHIR_WRITE_ADMINISTRATION) {
		type = "MedicationAdministration";
	} else if (x->kind == FHIR_WRITE_IMAGING_STUDY) { /* imgtrig */
		type = "ImagingStudy";
	} else if (x->kind == FHIR_WRITE_COSIGN) {
		type = "MedicationRequest";
		perms = MED_SCOPE_UPDATE;
	} else if (x->kind == FHIR_WRITE_DECIDE) { /* notereader */
		const char *op;

		if (!path_parts(x, &type, &op))
			type = "AllergyIntolerance";
		perms = MED_SCOPE_UPDATE;
	} else if (x->kind == FHIR_WRITE_VERIFY_FACE) {
		type = "Patient";
		perms = MED_SCOPE_READ;
		patient = x->target_id;
	}
	return fhir_smart_check_op(x->f, x->req, med_call_principal(call), type,
				   perms, patient, &x->e);
}

void
fhir_write_handle(fhir_facade *f, const fhir_request *req, fhir_response *resp)
{
	fhir_write x = {.f = f, .req = req, .status = 200};
	med_call *call = NULL;
	med_err err;

	(void)route_write(f, req, &x);
	med_json_init_arena(&x.w, req->arena, FHIR_BODY_MAX);
	x.c = (fhir_call){.arena = req->arena};
	if (open_call(&x, &call) != MED_OK) {
		respond(&x, MED_ERR_NOMEM, resp);
		fhir_count_request(x.f, interaction_of(x.kind), resp->status);
		return;
	}
	err = fhir_authenticate(call, req, &x.e);
	if (err == MED_OK && (err = write_scopes(&x, call)) == MED_OK) {
		x.c.opts = fhir_user_call(req).opts;
		err = serve(&x);
	}
	if (end_call(call, &x) != MED_OK) {
		med_log_error("audit spool refused the event: write refused");
		err = fhir_fail(&x.e, MED_GRPC_INTERNAL, "audit unavailable");
	}
	med_call_local_free(call);
	respond(&x, err, resp);
	fhir_count_request(x.f, interaction_of(x.kind), resp->status);
}

/* --- the CapabilityStatement's part ---------------------------------------
 */

bool
fhir_write_creates(const char *type)
{
	return strcmp(type, "Observation") == 0 ||
	       strcmp(type, "MedicationAdministration") == 0;
}

bool
fhir_write_has_ops(const char *type)
{
	return strcmp(type, "MedicationRequest") == 0 ||
	       fhir_write_is_suggestion_type(type);
}

void
fhir_write_capability_ops(med_json *w, const fhir_facade *f, const char *type)
{
	if (strcmp(type, "Patient") == 0) {
		fhir_capability_op(
			w, f, "verify-face",
			"POST a Parameters with photo (valueAttachment, "
			"image/png or image/jpeg, base64): identity's face "
			"check, with wristband (valueString, as scanned: the "
			"MRN or patient id; another patient's is refused) "
			"and camera (valueString, for the face watch); "
			"answers decision, score, threshold and, on a match, "
			"verificationToken and identifiersChecked.");
		fhir_capability_op(
			w, f, "confirm-identifiers",
			"POST a Parameters with wristband (valueString), "
			"familyName and givenName (valueString) and birthDate "
			"(valueDate) as the patient stated them, terminal and "
			"afterFace (valueCode no-match, retake or "
			"not-possible): the ward's second check when the face "
			"does not confirm the patient; answers confirmed, "
			"mismatched and, when confirmed, verificationToken "
			"(identifiersChecked wristband+stated).");
	} else if (strcmp(type, "MedicationRequest") == 0)
		fhir_capability_op(
			w, f, "cosign",
			"POST a Parameters with patient (valueReference), "
			"dose (valueQuantity) and, for a dose other than the "
			"ordered one, dose-deviation (parts reason, valueCode, "
			"and text, valueString): a second user's check of a "
			"high-alert dose; answers the cosign id that "
			"MedicationAdministration's extension cosign "
			"carries.");
	else if (fhir_write_is_suggestion_type(type)) {
		fhir_capability_op(
			w, f, "confirm",
			"POST a Parameters (reason, valueString, optional) on "
			"a note reader's unconfirmed suggestion: records' "
			"ConfirmSuggestion (a confirmed allergy becomes the "
			"record's allergy, a problem goes on the problem "
			"list, a medicine on the home-medicine list).");
		fhir_capability_op(w, f, "reject",
				   "POST a Parameters with reason "
				   "(valueString, required) on a note "
				   "reader's unconfirmed suggestion: records' "
				   "RejectSuggestion.");
	}
}

void
fhir_write_capability_rest(med_json *w)
{
	static const char *const codes[] = {"transaction", "batch"};

	med_json_begin(w, "interaction", '[');
	for (size_t i = 0; i < 2; i++) {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "code", codes[i]);
		med_json_str(w, "documentation",
			     "Bundles of vital-sign Observation creates "
			     "(device readings); a transaction is all or "
			     "nothing.");
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
}
