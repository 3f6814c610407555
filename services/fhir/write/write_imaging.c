/*
 * write_imaging.c - POST [base]/ImagingStudy: a chest X-ray study kept in
 * the PACS, named by its Study Instance UID (identifier system
 * urn:dicom:uid, value urn:oid:<uid>), optionally its Accession Number
 * (an identifier typed ACSN) and its subject Patient, is analysed by
 * diagnosis' AnalyzeStudy as the caller.  The answer is 201 with the
 * ImagingStudy echoed, an extension naming the DiagnosticReport the
 * finding is read as, and Location that report; a refusal (not in the
 * PACS, another patient's study, not a chest radiograph, the PACS down)
 * is an OperationOutcome with diagnosis' reason.  The facade stores no
 * ImagingStudy: the study stays in the PACS, the finding in diagnosis.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/fhir.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"

#include "write.h"

#define ANALYZE_STUDY "/smartmed.diagnosis.v1.Diagnosis/AnalyzeStudy"
#define DICOM_UID_SYS "urn:dicom:uid"
#define OID_PREFIX    "urn:oid:"
#define V2_0203	      "http://terminology.hl7.org/CodeSystem/v2-0203"
/* The analysis fetches the study, runs the guard, the model and its
 * occlusion map: more than the facade's default 10 s on a busy host. */
#define ANALYZE_DEADLINE_MS 120000

/* is_accession: an identifier typed ACSN (v2-0203), as FHIR's
 * ImagingStudy profile marks the Accession Number. */
static bool
is_accession(const json_t *id)
{
	json_t *codings =
		       json_object_get(json_object_get(id, "type"), "coding"),
	       *c;
	size_t i;

	json_array_foreach(codings, i, c)
	{
		const char *code =
			json_string_value(json_object_get(c, "code"));
		const char *sys =
			json_string_value(json_object_get(c, "system"));

		if (code != NULL && strcmp(code, "ACSN") == 0 &&
		    (sys == NULL || strcmp(sys, V2_0203) == 0))
			return true;
	}
	return false;
}

/* study_uid_of finds identifier urn:dicom:uid; *uid points into body. */
static med_err
identifiers_of(fhir_write *x, const json_t *body, const char **uid,
	       const char **accession)
{
	json_t *ids = json_object_get(body, "identifier"), *id;
	size_t i;

	*uid = NULL;
	*accession = "";
	json_array_foreach(ids, i, id)
	{
		const char *sys =
			json_string_value(json_object_get(id, "system"));
		const char *v = json_string_value(json_object_get(id, "value"));

		if (v != NULL && is_accession(id))
			*accession = v;
		else if (v != NULL && sys != NULL &&
			 strcmp(sys, DICOM_UID_SYS) == 0)
			*uid = v;
	}
	if (*uid == NULL)
		return fhir_write_fail(
			x, 400, "required", "ImagingStudy.identifier",
			"required: an identifier with system " DICOM_UID_SYS
			" and value " OID_PREFIX "<Study Instance UID>");
	if (strncmp(*uid, OID_PREFIX, strlen(OID_PREFIX)) != 0)
		return fhir_write_fail(
			x, 400, "value", "ImagingStudy.identifier.value",
			"want " OID_PREFIX
			"<Study Instance UID> (digits and dots)");
	*uid += strlen(OID_PREFIX);
	if (strlen(*accession) > 64)
		return fhir_write_fail(x, 400, "value",
				       "ImagingStudy.identifier.value",
				       "an Accession Number is at most 64 "
				       "characters");
	return MED_OK;
}

/* parse_study reads what AnalyzeStudy needs from the resource. */
static med_err
parse_study(fhir_write *x, const json_t *body,
	    Smartmed__Diagnosis__V1__AnalyzeStudyRequest *in)
{
	const char *rt =
		json_string_value(json_object_get(body, "resourceType"));
	const char *uid, *accession;
	med_err err;

	if (rt == NULL || strcmp(rt, "ImagingStudy") != 0)
		return fhir_write_fail(x, 400, "structure",
				       "ImagingStudy.resourceType",
				       "want ImagingStudy");
	x->patient_id = fhir_write_ref_id(x, json_object_get(body, "subject"),
					  "Patient");
	if (x->patient_id == NULL && x->foreign_ref != NULL)
		return fhir_write_ref_foreign(x, "ImagingStudy.subject");
	if (x->patient_id == NULL)
		return fhir_write_fail(x, 400, "required",
				       "ImagingStudy.subject",
				       "required: a reference Patient/<id>");
	if ((err = identifiers_of(x, body, &uid, &accession)) != MED_OK)
		return err;
	in->patient_id = (char *)x->patient_id;
	in->study_instance_uid = (char *)uid;
	in->accession_number = (char *)accession;
	return MED_OK;
}

/* answer echoes the ImagingStudy with the report's reference added. */
static med_err
answer(fhir_write *x, json_t *body, const char *report)
{
	char url[600];
	json_t *ext = json_object_get(body, "extension");
	json_t *e = json_pack(
		"{s:s, s:{s:s}}", "url",
		fhir_write_ext_url(x, "diagnostic-report", url, sizeof(url)),
		"valueReference", "reference", report);
	char *text;

	if (e == NULL)
		return MED_ERR_NOMEM;
	if (!json_is_array(ext)) {
		ext = json_array();
		json_object_set_new(body, "extension", ext);
	}
	json_array_append_new(ext, e);
	json_object_del(body, "id");
	text = json_dumps(body, JSON_COMPACT);
	if (text == NULL)
		return MED_ERR_NOMEM;
	med_json_raw(&x->w, NULL, text, strlen(text));
	free(text);
	return MED_OK;
}

med_err
fhir_write_imaging_study(fhir_write *x, json_t *body)
{
	Smartmed__Diagnosis__V1__AnalyzeStudyRequest in =
		SMARTMED__DIAGNOSIS__V1__ANALYZE_STUDY_REQUEST__INIT;
	med_channel *ch = fhir_source_channel("diagnosis");
	fhir_call c = x->c;
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};
	char loc[800];
	const char *report;
	med_err err;

	x->resource = "ImagingStudy";
	if ((err = parse_study(x, body, &in)) != MED_OK)
		return err;
	if (ch == NULL)
		return fhir_fail(&x->e, MED_GRPC_UNIMPLEMENTED,
				 "diagnosis: MED_DIAGNOSIS_URL is "
				 "not set");
	c.opts.deadline_ms = ANALYZE_DEADLINE_MS;
	if (fhir_call_unary(&c, ch, ANALYZE_STUDY, &in.base,
			    &smartmed__diagnosis__v1__finding__descriptor, &out,
			    &st) != MED_OK)
		return fhir_write_upstream(x, &st, "diagnosis",
					   "ImagingStudy.identifier",
					   "the study's analysis: ");
	snprintf(loc, sizeof(loc), "DiagnosticReport/%s",
		 ((Smartmed__Diagnosis__V1__Finding *)out)->finding_id);
	if ((report = med_arena_strdup(x->req->arena, loc)) == NULL)
		return MED_ERR_NOMEM;
	snprintf(loc, sizeof(loc), "%s/%s", x->f->base_url, report);
	if ((x->location = med_arena_strdup(x->req->arena, loc)) == NULL)
		return MED_ERR_NOMEM;
	x->resource = report;
	x->status = 201;
	x->n_resources = 1;
	return answer(x, body, report);
}

void
fhir_write_imaging_capability(med_json *w, const fhir_facade *f)
{
	(void)f;
	if (fhir_source_channel("diagnosis") == NULL)
		return;
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", "ImagingStudy");
	med_json_str(
		w, "documentation",
		"create only: a chest X-ray study kept in the PACS "
		"(identifier system " DICOM_UID_SYS " value " OID_PREFIX
		"<Study Instance UID>; optionally the Accession Number, an "
		"identifier typed ACSN; subject Patient/<id>) is analysed by "
		"diagnosis' AnalyzeStudy as the caller.  201 echoes the "
		"ImagingStudy with the extension diagnostic-report naming the "
		"DiagnosticReport made (also Location); nothing else is "
		"stored.  Refusals (not in the PACS, another patient's "
		"study, an image the guard cannot place, the PACS down) are an "
		"OperationOutcome with diagnosis' reason.");
	fhir_capability_interactions(w, &(const char *){"create"}, 1);
	med_json_end(w, '}');
}
