/*
 * fhir.c - one ExportFhir page as a FHIR R4 Bundle (type "collection"):
 * the Patient (id only), then Condition, CarePlan with its Goals, and per
 * AI finding a DiagnosticReport, the Observation with the model's result
 * and a Provenance naming the model and the device that ran it.
 *
 * References resolve inside the bundle: an item on another page (the
 * condition a care plan addresses, the finding a condition came from) is
 * named by a logical reference (Reference.identifier) rather than a
 * literal one that would dangle in this page.
 */
#include <med/codec.h>
#include <med/fhir.h>
#include <med/json.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "stow.h"

/* The FHIR base of fullUrls, the same as records' (the facade will serve
 * it). */
#define FHIR_BASE	    MED_FHIR_EXPORT_BASE
#define TERMINOLOGY	    "http://terminology.hl7.org/CodeSystem/"
#define CLINICAL_SYSTEM	    TERMINOLOGY "condition-clinical"
#define VERIFICATION_SYSTEM TERMINOLOGY "condition-ver-status"
#define CATEGORY_SYSTEM	    TERMINOLOGY "observation-category"
#define PARTICIPANT_SYSTEM  TERMINOLOGY "provenance-participant-type"
#define ID_SYSTEM	    "urn:smartmed:diagnosis:"
#define MODEL_SYSTEM	    "urn:smartmed:diagnosis:model"
#define IMAGE_SYSTEM	    "urn:smartmed:diagnosis:image-sha256"
#define DICOM_UID_SYSTEM    "urn:dicom:uid"
#define WRITEBACK_EXT	    FHIR_BASE "/StructureDefinition/pacs-writeback"
#define OPERATING_EXT	    FHIR_BASE "/StructureDefinition/operating-point"

/* --- shared pieces -------------------------------------------------------- */

static const char *
pick(const char *const *names, size_t n, int v)
{
	return v > 0 && (size_t)v < n ? names[v] : NULL;
}

#define PICK(names, v) pick(names, sizeof(names) / sizeof(names[0]), (int)v)

static void
one_code(med_json *w, const char *key, const char *system, const char *code)
{
	const med_fhir_code c = {system, code, NULL};

	med_fhir_concept(w, key, &c, 1, NULL);
}

static void
text_concept(med_json *w, const char *key, const char *text)
{
	med_fhir_concept(w, key, NULL, 0, text);
}

static void
patient_ref(med_json *w, const char *key, const char *patient_id)
{
	med_fhir_reference(w, key, "Patient", patient_id, NULL);
}

/*
 * item_ref refers to a diagnosis item: literally when it is in this
 * bundle, else by its id in the service's identifier system.
 */
static void
item_ref(med_json *w, const char *key, const char *type, const char *id,
	 bool in_bundle)
{
	if (in_bundle) {
		med_fhir_reference(w, key, type, id, NULL);
		return;
	}
	med_json_begin(w, key, '{');
	med_json_str(w, "type", type);
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", ID_SYSTEM "id");
	med_json_str(w, "value", id);
	med_json_end(w, '}');
	med_json_end(w, '}');
}

static void
note(med_json *w, const char *text)
{
	if (text == NULL || text[0] == '\0')
		return;
	med_json_begin(w, "note", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "text", text);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
begin_resource(med_json *w, const char *type, const char *id, uint32_t version,
	       int64_t updated_ms)
{
	med_fhir_entry_begin(w, FHIR_BASE, type, id);
	if (version != 0)
		med_fhir_meta(w, version, updated_ms);
}

static bool
has_condition(const diagnosis_export_page *p, const char *id)
{
	for (size_t i = 0; i < p->n_conditions; i++)
		if (strcmp(p->conditions[i]->condition_id, id) == 0)
			return true;
	return false;
}

static bool
has_finding(const diagnosis_export_page *p, const char *id)
{
	for (size_t i = 0; i < p->n_findings; i++)
		if (strcmp(p->findings[i]->finding_id, id) == 0)
			return true;
	return false;
}

/* --- Condition ------------------------------------------------------------ */

/* code_system_uri maps the stored system name to its R4 URI; NULL for a
 * local system, whose codes then go without one. */
static const char *
code_system_uri(const char *name)
{
	static const char *const map[][2] = {
		{"ICD-10", "http://hl7.org/fhir/sid/icd-10"},
		{"ICD-10-CM", "http://hl7.org/fhir/sid/icd-10-cm"},
		{"SNOMED-CT", "http://snomed.info/sct"},
		{"SNOMED CT", "http://snomed.info/sct"},
		{"LOINC", MED_FHIR_LOINC},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(name, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* R4 con-5: an entered-in-error condition has no clinical status. */
static void
condition_statuses(med_json *w, const diagnosis_condition *c)
{
	static const char *const clinical[] = {
		NULL,	    "active",  "recurrence", "inactive",
		"resolved", "relapse", "remission"};
	static const char *const verification[] = {
		NULL,	   "provisional", "differential",    "confirmed",
		"refuted", "unconfirmed", "entered-in-error"};
	const char *s;

	if ((s = PICK(clinical, c->clinical_status)) != NULL)
		one_code(w, "clinicalStatus", CLINICAL_SYSTEM, s);
	if ((s = PICK(verification, c->verification_status)) != NULL)
		one_code(w, "verificationStatus", VERIFICATION_SYSTEM, s);
}

static void
condition(med_json *w, const char *pid, const diagnosis_export_page *p,
	  const diagnosis_condition *c)
{
	const med_fhir_code code = {code_system_uri(c->code_system), c->code,
				    c->display};

	begin_resource(w, "Condition", c->condition_id, c->version,
		       c->updated_ms);
	condition_statuses(w, c);
	med_fhir_concept(w, "code", &code, 1, c->display);
	patient_ref(w, "subject", pid);
	if (c->onset_date[0] != '\0')
		med_fhir_date(w, "onsetDateTime", c->onset_date);
	if (c->abatement_date[0] != '\0')
		med_fhir_date(w, "abatementDateTime", c->abatement_date);
	med_fhir_instant(w, "recordedDate", c->recorded_ms);
	med_fhir_display_ref(w, "recorder", c->recorded_by);
	if (c->finding_id[0] != '\0') {
		med_json_begin(w, "evidence", '[');
		med_json_begin(w, NULL, '{');
		med_json_begin(w, "detail", '[');
		item_ref(w, NULL, "DiagnosticReport", c->finding_id,
			 has_finding(p, c->finding_id));
		med_json_end(w, ']');
		med_json_end(w, '}');
		med_json_end(w, ']');
	}
	note(w, c->note);
	med_fhir_entry_end(w);
}

/* --- CarePlan and its Goals ----------------------------------------------- */

static void
goal_id(const diagnosis_care_plan *plan, size_t i, char *out, size_t len)
{
	snprintf(out, len, "%s-goal-%zu", plan->care_plan_id, i + 1);
}

static void
goal(med_json *w, const char *pid, const diagnosis_care_plan *plan, size_t i)
{
	static const char *const lifecycle[] = {
		NULL,	     "proposed",  "planned",
		"accepted",  "active",	  "on-hold",
		"completed", "cancelled", "entered-in-error",
		"rejected"};
	const Smartmed__Diagnosis__V1__Goal *g = plan->goals[i];
	const char *s = PICK(lifecycle, g->status);
	char id[64];

	goal_id(plan, i, id, sizeof(id));
	begin_resource(w, "Goal", id, 0, 0);
	med_json_str(w, "lifecycleStatus", s ? s : "proposed");
	text_concept(w, "description", g->description);
	patient_ref(w, "subject", pid);
	if (g->target_date[0] != '\0') {
		med_json_begin(w, "target", '[');
		med_json_begin(w, NULL, '{');
		med_fhir_date(w, "dueDate", g->target_date);
		med_json_end(w, '}');
		med_json_end(w, ']');
	}
	med_fhir_entry_end(w);
}

static void
activity(med_json *w, const Smartmed__Diagnosis__V1__Activity *a)
{
	static const char *const status[] = {
		NULL,	   "not-started",     "scheduled", "in-progress",
		"on-hold", "completed",	      "cancelled", "stopped",
		"unknown", "entered-in-error"};
	const char *s = PICK(status, a->status);

	med_json_begin(w, NULL, '{');
	med_json_begin(w, "detail", '{');
	med_json_str(w, "status", s ? s : "unknown");
	if (a->scheduled_date[0] != '\0') {
		med_json_begin(w, "scheduledPeriod", '{');
		med_fhir_date(w, "start", a->scheduled_date);
		med_json_end(w, '}');
	}
	med_json_str(w, "description", a->description);
	med_json_end(w, '}');
	med_json_end(w, '}');
}

static void
plan_links(med_json *w, const diagnosis_export_page *p,
	   const diagnosis_care_plan *plan)
{
	char id[64];

	if (plan->n_condition_ids > 0) {
		med_json_begin(w, "addresses", '[');
		for (size_t i = 0; i < plan->n_condition_ids; i++)
			item_ref(w, NULL, "Condition", plan->condition_ids[i],
				 has_condition(p, plan->condition_ids[i]));
		med_json_end(w, ']');
	}
	if (plan->n_goals > 0) {
		med_json_begin(w, "goal", '[');
		for (size_t i = 0; i < plan->n_goals; i++) {
			goal_id(plan, i, id, sizeof(id));
			med_fhir_reference(w, NULL, "Goal", id, NULL);
		}
		med_json_end(w, ']');
	}
}

static uint32_t
care_plan(med_json *w, const char *pid, const diagnosis_export_page *p,
	  const diagnosis_care_plan *plan)
{
	static const char *const status[] = {
		NULL,	   "draft",	"active",	   "on-hold",
		"revoked", "completed", "entered-in-error"};
	const char *s = PICK(status, plan->status);

	begin_resource(w, "CarePlan", plan->care_plan_id, plan->version,
		       plan->updated_ms);
	med_json_str(w, "status", s ? s : "unknown");
	med_json_str(w, "intent", "plan");
	med_json_str(w, "title", plan->title);
	patient_ref(w, "subject", pid);
	med_fhir_display_ref(w, "author", plan->updated_by);
	plan_links(w, p, plan);
	if (plan->n_activities > 0) {
		med_json_begin(w, "activity", '[');
		for (size_t i = 0; i < plan->n_activities; i++)
			activity(w, plan->activities[i]);
		med_json_end(w, ']');
	}
	med_fhir_entry_end(w);
	for (size_t i = 0; i < plan->n_goals; i++)
		goal(w, pid, plan, i);
	return 1 + (uint32_t)plan->n_goals;
}

/* --- an AI finding: DiagnosticReport, Observation, Provenance ------------- */

/*
 * The finding's status names the review: preliminary until a clinician
 * decides, final when confirmed, cancelled when the clinician rejected
 * the model's output (the analysis stands, its result is not accepted),
 * entered-in-error when the analysis itself was wrong (patient, image).
 * DiagnosticReport and Observation share these four codes.
 */
static const char *
finding_status(int status)
{
	static const char *const names[] = {"unknown", "preliminary", "final",
					    "cancelled", "entered-in-error"};

	return status > 0 && status < 5 ? names[status] : "unknown";
}

static void
result_id(const diagnosis_finding *f, const char *suffix, char *out, size_t len)
{
	snprintf(out, len, "%s%s", f->finding_id, suffix);
}

/* A probability as a decimal of four places: the model's float has no
 * more meaningful digits, and its double spelling would invent some. */
static void
probability(med_json *w, const char *key, float p)
{
	char text[16];

	snprintf(text, sizeof(text), "%.4f", (double)p);
	med_json_begin(w, key, '{');
	med_fhir_decimal(w, "value", text);
	med_json_str(w, "unit", "probability");
	med_json_str(w, "system", MED_FHIR_UCUM);
	med_json_str(w, "code", "1");
	med_json_end(w, '}');
}

static void
model_code(med_json *w, const diagnosis_finding *f)
{
	char text[160];

	snprintf(text, sizeof(text), "AI image analysis by %s %s", f->model_id,
		 f->model_version);
	text_concept(w, "code", text);
}

/* dicom_uid writes {"system":"urn:dicom:uid","value":"urn:oid:<uid>"},
 * the Identifier form of a DICOM UID (R4 ImagingStudy.identifier). */
static void
dicom_uid(med_json *w, const char *key, const char *uid)
{
	char oid[80];

	snprintf(oid, sizeof(oid), "urn:oid:%s", uid);
	med_json_begin(w, key, '{');
	med_json_str(w, "system", DICOM_UID_SYSTEM);
	med_json_str(w, "value", oid);
	med_json_end(w, '}');
}

/*
 * imaging_study names the PACS study AnalyzeStudy read, by its Study
 * Instance UID (a logical reference: the study lives in the PACS, which
 * serves it over DICOMweb, not as a FHIR resource here).
 */
static void
imaging_study(med_json *w, const diagnosis_finding *f)
{
	char text[96];

	if (f->study_instance_uid == NULL || f->study_instance_uid[0] == '\0')
		return;
	snprintf(text, sizeof(text), "DICOM study %s", f->study_instance_uid);
	med_json_begin(w, "imagingStudy", '[');
	med_json_begin(w, NULL, '{');
	dicom_uid(w, "identifier", f->study_instance_uid);
	med_json_str(w, "display", text);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* uid_part writes one sub-extension naming a DICOM UID ("" is left out). */
static void
uid_part(med_json *w, const char *url, const char *uid)
{
	if (uid == NULL || uid[0] == '\0')
		return;
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", url);
	dicom_uid(w, "valueIdentifier", uid);
	med_json_end(w, '}');
}

/* str_part writes one sub-extension of a string ("" is left out). */
static void
str_part(med_json *w, const char *url, const char *type, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", url);
	med_json_str(w, type, v);
	med_json_end(w, '}');
}

/* writeback_word is the extension's status code of a write-back. */
static const char *
writeback_word(int state)
{
	static const char *const names[] = {"", "off", "stored", "failed",
					    "pending"};

	return state > 0 && state < 5 ? names[state] : "";
}

/*
 * writeback_extension says what became of writing the overlay back to
 * the PACS: R4 DiagnosticReport has no element for it, so a complex
 * extension (docs/api/fhir.md) with the status, the Secondary Capture's
 * Study, Series and SOP Instance UIDs (what a PACS viewer opens it by),
 * its SOP Class, the error and when the outcome was recorded.  A finding
 * not made from a PACS study has none.
 */
static void
writeback_extension(med_json *w, const diagnosis_finding *f)
{
	const char *word = writeback_word(f->pacs_writeback);

	if (word[0] == '\0')
		return;
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", WRITEBACK_EXT);
	med_json_begin(w, "extension", '[');
	str_part(w, "status", "valueCode", word);
	if (f->writeback_sop_instance_uid[0] != '\0') {
		uid_part(w, "study", f->study_instance_uid);
		uid_part(w, "series", f->writeback_series_instance_uid);
		uid_part(w, "instance", f->writeback_sop_instance_uid);
		uid_part(w, "sopClass", DIAGNOSIS_SC_SOP_CLASS);
	}
	str_part(w, "error", "valueString", f->writeback_error);
	if (f->writeback_ms != 0) {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "url", "recorded");
		med_fhir_instant(w, "valueInstant", f->writeback_ms);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* dec_part writes one sub-extension of a decimal of three places (the
 * card's precision); 0 is left out when skip_zero. */
static void
dec_part(med_json *w, const char *url, float v, bool skip_zero)
{
	char text[16];

	if (skip_zero && v == 0.0f)
		return;
	snprintf(text, sizeof(text), "%.3f", (double)v);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", url);
	med_fhir_decimal(w, "valueDecimal", text);
	med_json_end(w, '}');
}

/*
 * operating_extension says at which threshold the service decided the
 * finding and what that threshold is expected to give (the model card's
 * figures; none when configuration set another threshold or the patient
 * is outside the validated population, which outsidePopulation then
 * says): R4 has no element for it, so a complex extension
 * (docs/api/fhir.md).
 */
static void
operating_extension(med_json *w, const diagnosis_finding *f)
{
	const Smartmed__Diagnosis__V1__OperatingPoint *o = f->operating_point;

	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", OPERATING_EXT);
	med_json_begin(w, "extension", '[');
	str_part(w, "label", "valueString", o->label);
	dec_part(w, "threshold", o->threshold, false);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", "positive");
	med_json_bool(w, "valueBoolean", o->positive);
	med_json_end(w, '}');
	str_part(w, "source", "valueCode", o->source);
	str_part(w, "chosenOn", "valueString", o->chosen_on);
	dec_part(w, "targetSensitivity", o->target_sensitivity, true);
	dec_part(w, "sensitivity", o->expected_sensitivity, true);
	dec_part(w, "sensitivityLow", o->sensitivity_ci_low, true);
	dec_part(w, "sensitivityHigh", o->sensitivity_ci_high, true);
	dec_part(w, "specificity", o->expected_specificity, true);
	dec_part(w, "specificityLow", o->specificity_ci_low, true);
	dec_part(w, "specificityHigh", o->specificity_ci_high, true);
	dec_part(w, "ppv", o->expected_ppv, true);
	dec_part(w, "ppvLow", o->ppv_ci_low, true);
	dec_part(w, "ppvHigh", o->ppv_ci_high, true);
	dec_part(w, "npv", o->expected_npv, true);
	dec_part(w, "npvLow", o->npv_ci_low, true);
	dec_part(w, "npvHigh", o->npv_ci_high, true);
	str_part(w, "measuredOn", "valueString", o->measured_on);
	str_part(w, "outsidePopulation", "valueString", o->outside_population);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* report_extensions writes the report's extensions, when it has any. */
static void
report_extensions(med_json *w, const diagnosis_finding *f)
{
	bool wb = writeback_word(f->pacs_writeback)[0] != '\0';

	if (!wb && f->operating_point == NULL)
		return;
	med_json_begin(w, "extension", '[');
	if (wb)
		writeback_extension(w, f);
	if (f->operating_point != NULL)
		operating_extension(w, f);
	med_json_end(w, ']');
}

/*
 * writeback_media names the Secondary Capture the PACS stored as the
 * report's key image (DiagnosticReport.media): a logical reference by its
 * SOP Instance UID, for the image lives in the PACS, not here.  Only a
 * STORED write-back has one.
 */
static void
writeback_media(med_json *w, const diagnosis_finding *f)
{
	char display[160];

	if (f->pacs_writeback !=
	    SMARTMED__DIAGNOSIS__V1__PACS_WRITEBACK__PACS_WRITEBACK_STORED)
		return;
	snprintf(display, sizeof(display),
		 "AI saliency overlay (DICOM Secondary Capture) in series %s",
		 f->writeback_series_instance_uid);
	med_json_begin(w, "media", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "comment",
		     "Where the model looked, written back to the PACS; "
		     "AI output, not for diagnosis");
	med_json_begin(w, "link", '{');
	dicom_uid(w, "identifier", f->writeback_sop_instance_uid);
	med_json_str(w, "display", display);
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/*
 * presented_form attaches the saliency overlay inline (Attachment.data,
 * base64): the clinician confirming the finding sees where the model
 * looked without a second request, and the export stays one bundle.
 */
static void
presented_form(med_json *w, const diagnosis_finding *f)
{
	size_t n = MED_B64_STD_LEN(f->overlay_png.len);
	char *b64;

	if (!f->has_overlay || f->overlay_png.len == 0 ||
	    (b64 = malloc(n)) == NULL)
		return;
	med_b64_encode(b64, n, f->overlay_png.data, f->overlay_png.len,
		       MED_B64_STD);
	med_json_begin(w, "presentedForm", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "contentType", "image/png");
	med_json_str(w, "data", b64);
	/* The model card measured that the map does not follow the
	 * lesion: the title says what the red is and is not. */
	med_json_str(w, "title",
		     "Saliency (red): the part of the film that drove the "
		     "model's score, not where a lesion is");
	med_json_end(w, '}');
	med_json_end(w, ']');
	free(b64);
}

static void
diagnostic_report(med_json *w, const char *pid, const diagnosis_finding *f)
{
	char obs[64];

	result_id(f, "-result", obs, sizeof(obs));
	begin_resource(w, "DiagnosticReport", f->finding_id, 0, 0);
	report_extensions(w, f);
	med_json_str(w, "status", finding_status(f->status));
	model_code(w, f);
	patient_ref(w, "subject", pid);
	med_fhir_instant(w, "effectiveDateTime", f->created_ms);
	med_fhir_instant(w, "issued",
			 f->decided_ms ? f->decided_ms : f->created_ms);
	if (f->decided_by[0] != '\0') {
		med_json_begin(w, "resultsInterpreter", '[');
		med_fhir_display_ref(w, NULL, f->decided_by);
		med_json_end(w, ']');
	}
	med_json_begin(w, "result", '[');
	med_fhir_reference(w, NULL, "Observation", obs, NULL);
	med_json_end(w, ']');
	if (f->decision_note[0] != '\0')
		med_json_str(w, "conclusion", f->decision_note);
	imaging_study(w, f);
	writeback_media(w, f);
	presented_form(w, f);
	med_fhir_entry_end(w);
}

static void
label_components(med_json *w, const diagnosis_finding *f)
{
	if (f->n_probabilities == 0)
		return;
	med_json_begin(w, "component", '[');
	for (size_t i = 0; i < f->n_probabilities; i++) {
		med_json_begin(w, NULL, '{');
		text_concept(w, "code", f->probabilities[i]->label);
		probability(w, "valueQuantity",
			    f->probabilities[i]->probability);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
}

static void
device_display(const diagnosis_finding *f, char *out, size_t len)
{
	snprintf(out, len, "%s %s on backend %s, device %s%s", f->model_id,
		 f->model_version, f->backend, f->device,
		 f->device_fallback ? " (fallback from the requested device)"
				    : "");
}

/* The Observation is the model's answer: the top label, every label's
 * probability as a component. */
static void
result_observation(med_json *w, const char *pid, const diagnosis_finding *f)
{
	char id[64], device[320];

	result_id(f, "-result", id, sizeof(id));
	device_display(f, device, sizeof(device));
	begin_resource(w, "Observation", id, 0, 0);
	med_json_str(w, "status", finding_status(f->status));
	med_json_begin(w, "category", '[');
	one_code(w, NULL, CATEGORY_SYSTEM, "imaging");
	med_json_end(w, ']');
	model_code(w, f);
	patient_ref(w, "subject", pid);
	med_fhir_instant(w, "effectiveDateTime", f->created_ms);
	med_fhir_instant(w, "issued", f->created_ms);
	text_concept(w, "valueCodeableConcept", f->top_label);
	med_fhir_display_ref(w, "device", device);
	label_components(w, f);
	med_fhir_entry_end(w);
}

static void
agent(med_json *w, const char *type, const char *who)
{
	med_json_begin(w, NULL, '{');
	one_code(w, "type", PARTICIPANT_SYSTEM, type);
	med_fhir_display_ref(w, "who", who);
	med_json_end(w, '}');
}

/* The model is the performer: its id is the identifier, its version and
 * the backend and device that ran it are in the display. */
static void
model_agent(med_json *w, const diagnosis_finding *f)
{
	char device[320];

	device_display(f, device, sizeof(device));
	med_json_begin(w, NULL, '{');
	one_code(w, "type", PARTICIPANT_SYSTEM, "performer");
	med_json_begin(w, "who", '{');
	med_json_str(w, "type", "Device");
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", MODEL_SYSTEM);
	med_json_str(w, "value", f->model_id);
	med_json_end(w, '}');
	med_json_str(w, "display", device);
	med_json_end(w, '}');
	med_json_end(w, '}');
}

static void
image_entity(med_json *w, const diagnosis_finding *f)
{
	char what[96];

	snprintf(what, sizeof(what), "%s image %ux%u", f->image_format,
		 f->image_width, f->image_height);
	med_json_begin(w, "entity", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "role", "source");
	med_json_begin(w, "what", '{');
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", IMAGE_SYSTEM);
	med_json_str(w, "value", f->image_sha256);
	med_json_end(w, '}');
	med_json_str(w, "display", what);
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
provenance(med_json *w, const diagnosis_finding *f)
{
	char id[64], obs[64];

	result_id(f, "-provenance", id, sizeof(id));
	result_id(f, "-result", obs, sizeof(obs));
	begin_resource(w, "Provenance", id, 0, 0);
	med_json_begin(w, "target", '[');
	med_fhir_reference(w, NULL, "DiagnosticReport", f->finding_id, NULL);
	med_fhir_reference(w, NULL, "Observation", obs, NULL);
	med_json_end(w, ']');
	med_fhir_instant(w, "recorded", f->created_ms);
	med_json_begin(w, "agent", '[');
	model_agent(w, f);
	agent(w, "enterer", f->requested_by);
	if (f->decided_by[0] != '\0')
		agent(w, "verifier", f->decided_by);
	med_json_end(w, ']');
	image_entity(w, f);
	med_fhir_entry_end(w);
}

static uint32_t
finding(med_json *w, const char *pid, const diagnosis_finding *f)
{
	diagnostic_report(w, pid, f);
	result_observation(w, pid, f);
	provenance(w, f);
	return 3;
}

/* --- the bundle ----------------------------------------------------------- */

/* page_ctx - one page and its patient, for the entries callback. */
typedef struct page_ctx {
	const char *pid;
	const diagnosis_export_page *page;
} page_ctx;

/* entries writes the page's resources after the Patient. */
static uint32_t
entries(med_json *w, void *ctx)
{
	const page_ctx *c = ctx;
	const diagnosis_export_page *p = c->page;
	uint32_t n = 0;

	for (size_t i = 0; i < p->n_conditions; i++, n++)
		condition(w, c->pid, p, p->conditions[i]);
	for (size_t i = 0; i < p->n_plans; i++)
		n += care_plan(w, c->pid, p, p->plans[i]);
	for (size_t i = 0; i < p->n_findings; i++)
		n += finding(w, c->pid, p->findings[i]);
	return n;
}

med_err
diagnosis_fhir_bundle(med_arena *arena, const char *patient_id,
		      const diagnosis_export_page *page, size_t max_bytes,
		      char **json, uint32_t *n_resources)
{
	page_ctx c = {patient_id, page};

	return med_fhir_page_json(
		arena, max_bytes, patient_id,
		page->n_conditions + page->n_plans + page->n_findings > 0,
		entries, &c, json, n_resources);
}
