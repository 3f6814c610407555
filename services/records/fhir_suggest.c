/*
 * fhir_suggest.c - the note reader's pending suggestions as FHIR R4
 * (docs/note-reader.md, "FHIR"): an allergy as an AllergyIntolerance and a
 * problem as a Condition, both with verificationStatus "unconfirmed", a
 * medicine as a MedicationStatement; each with a Provenance whose entity
 * is the note version read (DocumentReference/<entry>/_history/<version>)
 * and the span of the mention.  One collection Bundle, as ExportFhir
 * writes, so the FHIR facade serves it as one more source.
 */
#include <med/fhir.h>
#include <med/json.h>

#include <stdio.h>
#include <string.h>

#include "records.h"

#define TERMINOLOGY "http://terminology.hl7.org/CodeSystem/"
#define SPAN_URL    "urn:smartmed:records:note-span"
#define SK(x)	    SMARTMED__RECORDS__V1__SUGGESTION_KIND__SUGGESTION_KIND_##x

typedef Smartmed__Records__V1__NoteSuggestion suggestion;

/* suggestions - what the bundle writer walks. */
typedef struct suggestions {
	suggestion *const *items;
	size_t n;
} suggestions;

static void
status_concept(med_json *w, const char *key, const char *system,
	       const char *code)
{
	const med_fhir_code c = {system, code, NULL};

	med_fhir_concept(w, key, &c, 1, NULL);
}

/* code_concept: dosage's substance or class code, or the ICD-10 code. */
static void
code_concept(med_json *w, const char *key, const suggestion *s)
{
	const char *system = strcmp(s->code_system, "ICD-10") == 0
				     ? "http://hl7.org/fhir/sid/icd-10"
			     : strcmp(s->code_system, "class") == 0
				     ? "urn:smartmed:dosage:allergy-class"
				     : "urn:smartmed:dosage:substance";
	const med_fhir_code c = {system, s->code, s->display};

	med_fhir_concept(w, key, &c, 1, s->display);
}

static bool
is_historical(const suggestion *s)
{
	for (size_t i = 0; i < s->n_context; i++)
		if (strcmp(s->context[i], "historical") == 0)
			return true;
	return false;
}

/* note_text says where the suggestion came from, for a human reader. */
static void
note_text(med_json *w, const suggestion *s)
{
	char text[600];

	snprintf(text, sizeof(text),
		 "Suggested by the note reader from note %s version %u, bytes "
		 "%u-%u (\"%s\"); not confirmed.",
		 s->entry_id, (unsigned)s->version, (unsigned)s->span_start,
		 (unsigned)s->span_end, s->text);
	med_json_begin(w, "note", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "text", text);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
allergy(med_json *w, const suggestion *s)
{
	status_concept(w, "clinicalStatus",
		       TERMINOLOGY "allergyintolerance-clinical",
		       is_historical(s) ? "inactive" : "active");
	status_concept(w, "verificationStatus",
		       TERMINOLOGY "allergyintolerance-verification",
		       "unconfirmed");
	med_json_begin(w, "category", '[');
	med_json_str(w, NULL, "medication");
	med_json_end(w, ']');
	code_concept(w, "code", s);
	med_fhir_reference(w, "patient", "Patient", s->patient_id, NULL);
	med_fhir_instant(w, "recordedDate", s->created_ms);
	note_text(w, s);
	if (s->reaction[0] == '\0')
		return;
	med_json_begin(w, "reaction", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "manifestation", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "text", s->reaction);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
condition(med_json *w, const suggestion *s)
{
	status_concept(w, "clinicalStatus", TERMINOLOGY "condition-clinical",
		       is_historical(s) ? "inactive" : "active");
	status_concept(w, "verificationStatus",
		       TERMINOLOGY "condition-ver-status", "unconfirmed");
	med_json_begin(w, "category", '[');
	status_concept(w, NULL, TERMINOLOGY "condition-category",
		       "problem-list-item");
	med_json_end(w, ']');
	code_concept(w, "code", s);
	med_fhir_reference(w, "subject", "Patient", s->patient_id, NULL);
	med_fhir_instant(w, "recordedDate", s->created_ms);
	note_text(w, s);
}

/* A medicine has no verificationStatus in R4: its note says it is
 * unconfirmed, and derivedFrom names the note. */
static void
medication(med_json *w, const suggestion *s)
{
	char doc[128];

	snprintf(doc, sizeof(doc), "%s/_history/%u", s->entry_id,
		 (unsigned)s->version);
	med_json_str(w, "status", is_historical(s) ? "completed" : "unknown");
	code_concept(w, "medicationCodeableConcept", s);
	med_fhir_reference(w, "subject", "Patient", s->patient_id, NULL);
	med_fhir_instant(w, "dateAsserted", s->created_ms);
	med_json_begin(w, "derivedFrom", '[');
	med_fhir_reference(w, NULL, "DocumentReference", doc, NULL);
	med_json_end(w, ']');
	note_text(w, s);
}

static const char *
type_of(const suggestion *s)
{
	return s->kind == SK(ALLERGY)	? "AllergyIntolerance"
	       : s->kind == SK(PROBLEM) ? "Condition"
					: "MedicationStatement";
}

static void
span_extension(med_json *w, const char *part, uint32_t value)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", part);
	med_json_u64(w, "valueUnsignedInt", value);
	med_json_end(w, '}');
}

/* provenance: the suggestion came from bytes [start, end) of the note
 * version; the agent is the reader (a device with no resource here). */
static void
provenance(med_json *w, const suggestion *s)
{
	char target[128], doc[128];

	snprintf(target, sizeof(target), "%s/%s", type_of(s), s->suggestion_id);
	snprintf(doc, sizeof(doc), "%s/_history/%u", s->entry_id,
		 (unsigned)s->version);
	med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, "Provenance",
			     s->suggestion_id);
	med_json_begin(w, "target", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "reference", target);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_fhir_instant(w, "recorded", s->created_ms);
	med_json_begin(w, "agent", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_display_ref(w, "who", "smartmed note reader");
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_begin(w, "entity", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "role", "source");
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", SPAN_URL);
	med_json_begin(w, "extension", '[');
	span_extension(w, "start", s->span_start);
	span_extension(w, "end", s->span_end);
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_fhir_reference(w, "what", "DocumentReference", doc, s->text);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_fhir_entry_end(w);
}

static void
resource(med_json *w, const suggestion *s)
{
	med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, type_of(s),
			     s->suggestion_id);
	med_fhir_meta(w, 1, s->created_ms);
	if (s->kind == SK(ALLERGY))
		allergy(w, s);
	else if (s->kind == SK(PROBLEM))
		condition(w, s);
	else
		medication(w, s);
	med_fhir_entry_end(w);
	provenance(w, s);
}

static uint32_t
entries(med_json *w, void *ctx)
{
	const suggestions *l = ctx;

	for (size_t i = 0; i < l->n; i++)
		resource(w, l->items[i]);
	return 2 * (uint32_t)l->n;
}

med_err
records_fhir_suggestions(med_arena *arena, const char *patient_id,
			 Smartmed__Records__V1__NoteSuggestion *const *items,
			 size_t n, size_t max_bytes, char **json,
			 uint32_t *n_resources)
{
	suggestions l = {items, n};

	return med_fhir_page_json(arena, max_bytes, patient_id, n > 0, entries,
				  &l, json, n_resources);
}
