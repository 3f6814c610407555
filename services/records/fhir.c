/*
 * fhir.c - a patient's entries as a FHIR R4 Bundle (type "collection") in
 * JSON: observations and vital signs as Observation, documents and notes
 * as DocumentReference, allergies as AllergyIntolerance, each referring to
 * "Patient/<id>".  The JSON is written by a small bounded writer.
 */
#include <med/json.h>
#include <med/util.h>

#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "records.h"

#define LOINC_SYSTEM "http://loinc.org"
#define UCUM_SYSTEM  "http://unitsofmeasure.org"
#define CATEGORY_SYSTEM                                                        \
	"http://terminology.hl7.org/CodeSystem/observation-category"
#define CLINICAL_SYSTEM                                                        \
	"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
#define VERIFICATION_SYSTEM                                                    \
	"http://terminology.hl7.org/CodeSystem/"                               \
	"allergyintolerance-verification"
#define ATTACHMENT_ID_SYSTEM "urn:smartmed:records:attachment-sha256"

/*
 * fhir_out - the bundle's writer and the room a note's base64 text is made
 * in: one buffer, sized for the longest note, reused by every note (the
 * writer fills a fixed buffer and has no arena to take it from).  Every
 * writer in this file is the first member of one.
 */
typedef struct fhir_out {
	med_json w;
	char *b64;
	size_t b64_cap;
} fhir_out;

static size_t
b64_len(const char *text)
{
	return sodium_base64_ENCODED_LEN(strlen(text),
					 sodium_base64_VARIANT_ORIGINAL);
}

/* json_time writes an R4 instant/dateTime, UTC with milliseconds. */
static void
json_time(med_json *w, const char *key, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[40];
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
	med_json_str(w, key, buf);
}

/* --- shared pieces ---------------------------------------------------------
 */

static void
coding(med_json *w, const char *system, const char *code, const char *display)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "system", system);
	med_json_str(w, "code", code);
	if (display && *display)
		med_json_str(w, "display", display);
	med_json_end(w, '}');
}

static void concept(med_json *w, const char *key, const char *system,
		    const char *code, const char *display, const char *text)
{
	med_json_begin(w, key, '{');
	if (code && *code) {
		med_json_begin(w, "coding", '[');
		coding(w, system, code, display);
		med_json_end(w, ']');
	}
	if (text && *text)
		med_json_str(w, "text", text);
	med_json_end(w, '}');
}

static void
reference(med_json *w, const char *key, const char *patient_id)
{
	char ref[64];

	snprintf(ref, sizeof(ref), "Patient/%s", patient_id);
	med_json_begin(w, key, '{');
	med_json_str(w, "reference", ref);
	med_json_end(w, '}');
}

static void
begin_resource(med_json *w, const char *type, const records_entry *e,
	       const char *suffix)
{
	char id[64];
	char version[16];

	snprintf(id, sizeof(id), "%s%s", e->entry_id, suffix);
	snprintf(version, sizeof(version), "%u", e->version);
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "resource", '{');
	med_json_str(w, "resourceType", type);
	med_json_str(w, "id", id);
	med_json_begin(w, "meta", '{');
	med_json_str(w, "versionId", version);
	json_time(w, "lastUpdated", e->created_ms);
	med_json_end(w, '}');
}

static void
end_resource(med_json *w)
{
	med_json_end(w, '}');
	med_json_end(w, '}');
}

static void
note(med_json *w, const records_entry *e)
{
	if (e->body[0] == '\0')
		return;
	med_json_begin(w, "note", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "text", e->body);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static const char *
observation_status(int status)
{
	static const char *const names[] = {"unknown", "preliminary", "final",
					    "amended", "entered-in-error"};

	return status >= 0 && status <= 4 ? names[status] : "unknown";
}

static void
vital_category(med_json *w)
{
	med_json_begin(w, "category", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "coding", '[');
	coding(w, CATEGORY_SYSTEM, "vital-signs", "Vital Signs");
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
quantity(med_json *w, const char *key, double value, const char *unit)
{
	med_json_begin(w, key, '{');
	med_json_double(w, "value", value);
	med_json_str(w, "unit", unit);
	med_json_str(w, "system", UCUM_SYSTEM);
	med_json_str(w, "code", unit);
	med_json_end(w, '}');
}

/* --- Observation ---------------------------------------------------------- */

static void
observation(med_json *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__Observation *o = e->observation;
	int64_t when = o && o->effective_ms ? o->effective_ms : e->created_ms;

	begin_resource(w, "Observation", e, "");
	med_json_str(w, "status", observation_status(e->status));
	if (o && records_vital_by_loinc(o->loinc_code))
		vital_category(w);
	concept(w, "code", LOINC_SYSTEM, o ? o->loinc_code : NULL,
		o ? o->display : NULL, e->title);
	reference(w, "subject", pid);
	json_time(w, "effectiveDateTime", when);
	json_time(w, "issued", e->created_ms);
	if (o &&
	    o->value_case == SMARTMED__RECORDS__V1__OBSERVATION__VALUE_NUMERIC)
		quantity(w, "valueQuantity", o->numeric, o->ucum_unit);
	else if (o && o->value_case ==
			      SMARTMED__RECORDS__V1__OBSERVATION__VALUE_TEXT)
		med_json_str(w, "valueString", o->text);
	note(w, e);
	end_resource(w);
}

static void
vital_member(med_json *w, const char *pid, const records_entry *e,
	     const char *field, const char *suffix,
	     const Smartmed__Records__V1__Quantity *q)
{
	const records_vital *v = records_vital_by_field(field);
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;

	if (q == NULL)
		return;
	begin_resource(w, "Observation", e, suffix);
	med_json_str(w, "status", observation_status(e->status));
	vital_category(w);
	concept(w, "code", LOINC_SYSTEM, v->loinc, v->display, NULL);
	reference(w, "subject", pid);
	json_time(w, "effectiveDateTime",
		  s->effective_ms ? s->effective_ms : e->created_ms);
	json_time(w, "issued", e->created_ms);
	quantity(w, "valueQuantity", q->value, q->unit);
	end_resource(w);
}

static void
bp_component(med_json *w, const char *field,
	     const Smartmed__Records__V1__Quantity *q)
{
	const records_vital *v = records_vital_by_field(field);

	med_json_begin(w, NULL, '{');
	concept(w, "code", LOINC_SYSTEM, v->loinc, v->display, NULL);
	quantity(w, "valueQuantity", q->value, q->unit);
	med_json_end(w, '}');
}

/* Blood pressure is one Observation (85354-9) with two components, as the
 * R4 vital-signs profile has it. */
static void
blood_pressure(med_json *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;

	if (s->systolic_bp == NULL || s->diastolic_bp == NULL)
		return;
	begin_resource(w, "Observation", e, "-bp");
	med_json_str(w, "status", observation_status(e->status));
	vital_category(w);
	concept(w, "code", LOINC_SYSTEM, "85354-9",
		"Blood pressure panel with all children optional", NULL);
	reference(w, "subject", pid);
	json_time(w, "effectiveDateTime",
		  s->effective_ms ? s->effective_ms : e->created_ms);
	json_time(w, "issued", e->created_ms);
	med_json_begin(w, "component", '[');
	bp_component(w, "systolic_bp", s->systolic_bp);
	bp_component(w, "diastolic_bp", s->diastolic_bp);
	med_json_end(w, ']');
	end_resource(w);
}

static uint32_t
vital_signs(med_json *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;
	const Smartmed__Records__V1__Quantity *q[] = {
		s->heart_rate,	      s->body_temperature, s->respiratory_rate,
		s->oxygen_saturation, s->body_weight,	   s->body_height};
	static const char *const fields[] = {
		"heart_rate",	     "body_temperature", "respiratory_rate",
		"oxygen_saturation", "body_weight",	 "body_height"};
	static const char *const suffixes[] = {"-hr",	"-temp", "-rr",
					       "-spo2", "-wt",	 "-ht"};
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		vital_member(w, pid, e, fields[i], suffixes[i], q[i]);
		n += q[i] != NULL;
	}
	blood_pressure(w, pid, e);
	return n + (s->systolic_bp && s->diastolic_bp);
}

/* --- DocumentReference ---------------------------------------------------- */

static void
doc_status(med_json *w, const records_entry *e)
{
	static const char *const doc[] = {NULL, "preliminary", "final",
					  "amended", NULL};

	if (e->status ==
	    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR) {
		med_json_str(w, "status", "entered-in-error");
		return;
	}
	med_json_str(w, "status", "current");
	if (e->status > 0 && e->status < 4)
		med_json_str(w, "docStatus", doc[e->status]);
}

static void
doc_common(med_json *w, const char *pid, const records_entry *e)
{
	reference(w, "subject", pid);
	json_time(w, "date", e->created_ms);
	med_json_begin(w, "author", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "display", e->author);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_str(w, "description", e->title);
}

/*
 * R4's Attachment.hash is a SHA-1; we keep SHA-256 only, so the digest
 * goes into DocumentReference.identifier and the bytes stay with
 * GetAttachment (Attachment needs neither url nor data).
 */
static void
document(med_json *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__Document *d = e->document;

	begin_resource(w, "DocumentReference", e, "");
	med_json_begin(w, "identifier", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "system", ATTACHMENT_ID_SYSTEM);
	med_json_str(w, "value", d->sha256);
	med_json_end(w, '}');
	med_json_end(w, ']');
	doc_status(w, e);
	doc_common(w, pid, e);
	med_json_begin(w, "content", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "attachment", '{');
	med_json_str(w, "contentType", d->content_type);
	med_json_i64(w, "size", (long long)d->size);
	med_json_str(w, "title", e->title);
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
	end_resource(w);
}

/* A note travels inline: text/plain data, base64 as R4 requires. */
static void
clinical_note(med_json *w, const char *pid, const records_entry *e)
{
	fhir_out *out = (fhir_out *)w;
	char *b64 = out->b64;

	if (w->err != MED_OK)
		return;
	if (b64 == NULL || b64_len(e->body) > out->b64_cap) {
		w->err = MED_ERR_INTERNAL;
		return;
	}
	sodium_bin2base64(b64, out->b64_cap, (const unsigned char *)e->body,
			  strlen(e->body), sodium_base64_VARIANT_ORIGINAL);
	begin_resource(w, "DocumentReference", e, "");
	doc_status(w, e);
	concept(w, "type", LOINC_SYSTEM, "11506-3", "Progress note", NULL);
	doc_common(w, pid, e);
	med_json_begin(w, "content", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "attachment", '{');
	med_json_str(w, "contentType", "text/plain; charset=utf-8");
	med_json_str(w, "data", b64);
	med_json_i64(w, "size", (long long)strlen(e->body));
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
	end_resource(w);
}

/* --- AllergyIntolerance --------------------------------------------------- */

static const char *
pick(const char *const *names, size_t n, int v)
{
	return v > 0 && (size_t)v < n ? names[v] : NULL;
}

#define PICK(names, v) pick(names, sizeof(names) / sizeof(names[0]), v)

static void
allergy_status(med_json *w, const records_entry *e)
{
	static const char *const clinical[] = {"active", "active", "inactive",
					       "resolved"};
	static const char *const verification[] = {"unconfirmed", "unconfirmed",
						   "confirmed", "refuted"};
	const Smartmed__Records__V1__Allergy *a = e->allergy;

	/* R4 ait-2: no clinicalStatus on an entered-in-error record. */
	if (e->status ==
	    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR) {
		concept(w, "verificationStatus", VERIFICATION_SYSTEM,
			"entered-in-error", NULL, NULL);
		return;
	}
	concept(w, "clinicalStatus", CLINICAL_SYSTEM,
		(unsigned)a->clinical_status < 4 ? clinical[a->clinical_status]
						 : "active",
		NULL, NULL);
	concept(w, "verificationStatus", VERIFICATION_SYSTEM,
		(unsigned)a->verification_status < 4
			? verification[a->verification_status]
			: "unconfirmed",
		NULL, NULL);
}

static void
reactions(med_json *w, const Smartmed__Records__V1__Allergy *a)
{
	static const char *const severity[] = {NULL, "mild", "moderate",
					       "severe"};

	if (a->n_reactions == 0)
		return;
	med_json_begin(w, "reaction", '[');
	for (size_t i = 0; i < a->n_reactions; i++) {
		const char *sev = PICK(severity, a->reactions[i]->severity);

		med_json_begin(w, NULL, '{');
		med_json_begin(w, "manifestation", '[');
		med_json_begin(w, NULL, '{');
		med_json_str(w, "text", a->reactions[i]->manifestation);
		med_json_end(w, '}');
		med_json_end(w, ']');
		if (sev)
			med_json_str(w, "severity", sev);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
}

static void
allergy(med_json *w, const char *pid, const records_entry *e)
{
	static const char *const type[] = {NULL, "allergy", "intolerance"};
	static const char *const category[] = {NULL, "food", "medication",
					       "environment", "biologic"};
	static const char *const criticality[] = {NULL, "low", "high",
						  "unable-to-assess"};
	const Smartmed__Records__V1__Allergy *a = e->allergy;
	const char *s;

	begin_resource(w, "AllergyIntolerance", e, "");
	allergy_status(w, e);
	if ((s = PICK(type, a->type)) != NULL)
		med_json_str(w, "type", s);
	if ((s = PICK(category, a->category)) != NULL) {
		med_json_begin(w, "category", '[');
		med_json_str(w, NULL, s);
		med_json_end(w, ']');
	}
	if ((s = PICK(criticality, a->criticality)) != NULL)
		med_json_str(w, "criticality", s);
	concept(w, "code", a->substance_system, a->substance_code,
		a->substance_display, a->substance_display);
	reference(w, "patient", pid);
	json_time(w, "recordedDate", e->created_ms);
	med_json_begin(w, "recorder", '{');
	med_json_str(w, "display", e->author);
	med_json_end(w, '}');
	note(w, e);
	reactions(w, a);
	end_resource(w);
}

/* --- the bundle ----------------------------------------------------------- */

static uint32_t
resource(med_json *w, const char *pid, const records_entry *e)
{
	switch (e->kind) {
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION:
		observation(w, pid, e);
		return 1;
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS:
		return e->vital_signs ? vital_signs(w, pid, e) : 0;
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_DOCUMENT:
		if (e->document == NULL)
			return 0; /* first-release documents had no file */
		document(w, pid, e);
		return 1;
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_ALLERGY:
		if (e->allergy == NULL)
			return 0;
		allergy(w, pid, e);
		return 1;
	default:
		clinical_note(w, pid, e);
		return 1;
	}
}

/* Room kept for closing the bundle ("]}") while finding what fits. */
#define CLOSING_BYTES 16

/*
 * write_bundle writes entries[0..n) as a Bundle into w and returns how
 * many entries were written whole before w failed (all n when it did
 * not).
 */
static size_t
write_bundle(med_json *w, const char *patient_id, records_entry *const *entries,
	     size_t n, uint32_t *n_resources)
{
	fhir_out counter = {0};
	uint32_t count = 0;
	size_t done = 0;

	/* A writer already failed writes nothing: it only counts. */
	med_json_init_buf(&counter.w, NULL, 0);
	/* FHIR JSON has no empty arrays: "entry" only when there is one. */
	for (size_t i = 0; i < n; i++)
		count += resource(&counter.w, patient_id, entries[i]);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Bundle");
	med_json_str(w, "type", "collection");
	json_time(w, "timestamp", med_now_ms());
	if (count > 0) {
		med_json_begin(w, "entry", '[');
		for (; done < n; done++) {
			resource(w, patient_id, entries[done]);
			if (w->err != MED_OK)
				break;
		}
		med_json_end(w, ']');
	} else {
		done = n;
	}
	med_json_end(w, '}');
	*n_resources = count;
	return done;
}

/* note_room sizes out's base64 buffer for the longest note. */
static med_err
note_room(med_arena *arena, records_entry *const *entries, size_t n,
	  fhir_out *out)
{
	for (size_t i = 0; i < n; i++)
		if (entries[i]->kind ==
			    SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_NOTE &&
		    b64_len(entries[i]->body) > out->b64_cap)
			out->b64_cap = b64_len(entries[i]->body);
	if (out->b64_cap == 0)
		return MED_OK;
	out->b64 = med_arena_alloc(arena, out->b64_cap);
	return out->b64 ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_fhir_bundle(med_arena *arena, const char *patient_id,
		    records_entry *const *entries, size_t n, size_t max_bytes,
		    char **json, uint32_t *n_resources, size_t *n_written)
{
	fhir_out out = {0};
	char *buf;
	size_t fits;
	med_err err;

	if (max_bytes <= CLOSING_BYTES)
		return MED_ERR_LIMIT;
	if ((err = note_room(arena, entries, n, &out)) != MED_OK)
		return err;
	if ((buf = med_arena_alloc(arena, max_bytes)) == NULL)
		return MED_ERR_NOMEM;
	/* First find how many entries fit, then write exactly those. */
	med_json_init_buf(&out.w, buf, max_bytes - CLOSING_BYTES);
	fits = write_bundle(&out.w, patient_id, entries, n, n_resources);
	if (out.w.err != MED_OK && out.w.err != MED_ERR_LIMIT)
		return out.w.err;
	if (fits == 0 && n > 0)
		return MED_ERR_LIMIT;
	med_json_init_buf(&out.w, buf, max_bytes);
	if (write_bundle(&out.w, patient_id, entries, fits, n_resources) !=
		    fits ||
	    out.w.err != MED_OK)
		return out.w.err != MED_OK ? out.w.err : MED_ERR_INTERNAL;
	*json = buf;
	*n_written = fits;
	return MED_OK;
}
