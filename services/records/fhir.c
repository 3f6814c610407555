/*
 * fhir.c - a patient's entries as a FHIR R4 Bundle (type "collection") in
 * JSON: observations and vital signs as Observation, documents and notes
 * as DocumentReference, allergies as AllergyIntolerance, each referring to
 * "Patient/<id>".  The JSON is written by a small bounded writer.
 */
#include <med/codec.h>
#include <med/fhir.h>
#include <med/json.h>
#include <med/util.h>

#include <math.h>
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
/* The extension on a note's DocumentReference saying why the note reader
 * did not read it whole (Entry.incomplete_reason). */
#define NOTE_INCOMPLETE_URL "urn:smartmed:records:note-reader-incomplete"

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
	const records_readings *readings; /* NULL: none */
} fhir_out;

static size_t
b64_len(const char *text)
{
	return MED_B64_STD_LEN(strlen(text));
}

#define FHIR_BASE MED_FHIR_EXPORT_BASE

#define json_time med_fhir_instant

/* --- shared pieces ---------------------------------------------------------
 */

static void concept(med_json *w, const char *key, const char *system,
		    const char *code, const char *display, const char *text)
{
	const med_fhir_code c = {system, code, display};

	med_fhir_concept(w, key, &c, 1, text);
}

static void
reference(med_json *w, const char *key, const char *patient_id)
{
	med_fhir_reference(w, key, "Patient", patient_id, NULL);
}

static void
begin_resource(med_json *w, const char *type, const records_entry *e,
	       const char *suffix)
{
	char id[64];

	snprintf(id, sizeof(id), "%s%s", e->entry_id, suffix);
	med_fhir_entry_begin(w, FHIR_BASE, type, id);
	med_fhir_meta(w, e->version, e->created_ms);
}

static void
end_resource(med_json *w)
{
	med_fhir_entry_end(w);
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
	med_fhir_coding(w, &(med_fhir_code){CATEGORY_SYSTEM, "vital-signs",
					    "Vital Signs"});
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* metres_to_cm moves the decimal point of a plain decimal two places
 * right ("1.72" -> "172", "0.5" -> "50"); false for other spellings. */
static bool
metres_to_cm(const char *m, char *out, size_t size)
{
	const char *dot = strchr(m, '.');
	size_t whole = dot ? (size_t)(dot - m) : strlen(m);
	const char *frac = dot ? dot + 1 : "";
	char digits[64];
	size_t n;

	if (m[0] == '-' || strpbrk(m, "eE") != NULL)
		return false;
	n = (size_t)snprintf(digits, sizeof(digits), "%.*s%c%c", (int)whole, m,
			     frac[0] ? frac[0] : '0',
			     frac[0] && frac[1] ? frac[1] : '0');
	if (n >= sizeof(digits))
		return false;
	while (digits[0] == '0' && digits[1] != '\0')
		memmove(digits, digits + 1, strlen(digits));
	if (frac[0] && frac[1] && frac[2])
		n = (size_t)snprintf(out, size, "%s.%s", digits, frac + 2);
	else
		n = (size_t)snprintf(out, size, "%s", digits);
	return n < size;
}

/*
 * quantity writes a value in its UCUM unit, exactly as measured when its
 * decimal text was given ("37.0"), but a body height in m as cm: the R4
 * body-height profile allows only cm and [in_i].  The conversion works on
 * the decimal text of the metres (as given, else the shortest), so 1.72 m
 * becomes 172 cm exactly, not 171.99999999999997.
 */
static void
quantity(med_json *w, const char *key, double value, const char *decimal,
	 const char *unit)
{
	char m[48], cm[64];
	med_json t;

	if (strcmp(unit, "m") != 0) {
		med_fhir_quantity_exact(w, key, value, decimal, unit);
		return;
	}
	med_json_init_buf(&t, m, sizeof(m));
	if (decimal != NULL && decimal[0] != '\0')
		med_fhir_decimal(&t, NULL, decimal);
	else
		med_fhir_decimal_of(&t, NULL, value);
	med_json_begin(w, key, '{');
	if (t.err == MED_OK && metres_to_cm(m, cm, sizeof(cm)))
		med_fhir_decimal(w, "value", cm);
	else
		med_fhir_decimal_of(w, "value", value * 100);
	med_json_str(w, "unit", "cm");
	med_json_str(w, "system", MED_FHIR_UCUM);
	med_json_str(w, "code", "cm");
	med_json_end(w, '}');
}

/* --- Observation ---------------------------------------------------------- */

/* reading_of is the device reading e was written as, or NULL. */
static const records_reading *
reading_of(med_json *w, const records_entry *e)
{
	const records_readings *rs = ((fhir_out *)w)->readings;

	for (size_t i = 0; rs != NULL && i < rs->n; i++)
		if (strcmp(rs->r[i].entry_id, e->entry_id) == 0)
			return &rs->r[i];
	return NULL;
}

/* reading_identifier writes the identifier the device gave a reading
 * (Observation.identifier), so that a client finds it by the id it sent. */
static void
reading_identifier(med_json *w, const records_reading *r)
{
	if (r == NULL)
		return;
	med_json_begin(w, "identifier", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "system", r->system);
	med_json_str(w, "value", r->value);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* reading_device writes the device that measured as a logical reference
 * (Observation.device): no Device is served to resolve a literal one. */
static void
reading_device(med_json *w, const records_reading *r)
{
	if (r == NULL || strncmp(r->device, "Device/", 7) != 0)
		return;
	med_json_begin(w, "device", '{');
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", MED_FHIR_DEVICE_SYSTEM);
	med_json_str(w, "value", r->device + 7);
	med_json_end(w, '}');
	med_json_str(w, "display", r->device);
	med_json_end(w, '}');
}

static bool
is_spo2(const char *loinc)
{
	return strcmp(loinc, "59408-5") == 0 || strcmp(loinc, "2708-6") == 0;
}

/*
 * vital_code writes a vital sign's code.  The R4 oxygen-saturation
 * profile requires 2708-6 among the codings; pulse oximetry (59408-5)
 * comes beside it, as the profile's own example has it.
 */
static void
vital_code(med_json *w, const char *loinc, const char *display)
{
	static const med_fhir_code spo2[] = {
		{MED_FHIR_LOINC, "2708-6",
		 "Oxygen saturation in Arterial blood"},
		{MED_FHIR_LOINC, "59408-5",
		 "Oxygen saturation in Arterial blood by Pulse oximetry"},
	};

	if (is_spo2(loinc)) {
		med_fhir_concept(w, "code", spo2, 2, NULL);
		return;
	}
	concept(w, "code", LOINC_SYSTEM, loinc, display, NULL);
}

static void
observation(med_json *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__Observation *o = e->observation;
	int64_t when = o && o->effective_ms ? o->effective_ms : e->created_ms;

	const records_reading *r = reading_of(w, e);

	begin_resource(w, "Observation", e, "");
	reading_identifier(w, r);
	med_json_str(w, "status", observation_status(e->status));
	if (o && records_vital_by_loinc(o->loinc_code))
		vital_category(w);
	if (o && is_spo2(o->loinc_code))
		vital_code(w, o->loinc_code, o->display);
	else
	concept(w, "code", LOINC_SYSTEM, o ? o->loinc_code : NULL,
		o ? o->display : NULL, e->title);
	reference(w, "subject", pid);
	json_time(w, "effectiveDateTime", when);
	json_time(w, "issued", e->created_ms);
	if (o &&
	    o->value_case == SMARTMED__RECORDS__V1__OBSERVATION__VALUE_NUMERIC)
		quantity(w, "valueQuantity", o->numeric, o->numeric_decimal,
			 o->ucum_unit);
	else if (o && o->value_case ==
			      SMARTMED__RECORDS__V1__OBSERVATION__VALUE_TEXT)
		med_json_str(w, "valueString", o->text);
	/* An eGFR's equation (Observation.method), as text. */
	if (o && o->method && o->method[0]) {
		med_json_begin(w, "method", '{');
		med_json_str(w, "text", o->method);
		med_json_end(w, '}');
	}
	reading_device(w, r);
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
	reading_identifier(w, reading_of(w, e));
	med_json_str(w, "status", observation_status(e->status));
	vital_category(w);
	vital_code(w, v->loinc, v->display);
	reference(w, "subject", pid);
	json_time(w, "effectiveDateTime",
		  s->effective_ms ? s->effective_ms : e->created_ms);
	json_time(w, "issued", e->created_ms);
	quantity(w, "valueQuantity", q->value, q->decimal, q->unit);
	reading_device(w, reading_of(w, e));
	end_resource(w);
}

static void
bp_component(med_json *w, const char *field,
	     const Smartmed__Records__V1__Quantity *q)
{
	const records_vital *v = records_vital_by_field(field);

	med_json_begin(w, NULL, '{');
	concept(w, "code", LOINC_SYSTEM, v->loinc, v->display, NULL);
	quantity(w, "valueQuantity", q->value, q->decimal, q->unit);
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
	reading_identifier(w, reading_of(w, e));
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
	reading_device(w, reading_of(w, e));
	end_resource(w);
}

/* The level of consciousness (NEWS2's ACVPU) is one Observation coded
 * LOINC 67775-7 with the level as a coded value. */
static void
consciousness(med_json *w, const char *pid, const records_entry *e)
{
	static const char *const codes[] = {NULL, "A", "C", "V", "P", "U"};
	static const char *const names[] = {NULL,
					    "Alert",
					    "New confusion",
					    "Responds to voice",
					    "Responds to pain",
					    "Unresponsive"};
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;
	unsigned level = (unsigned)s->consciousness;

	if (level == 0 || level >= sizeof(codes) / sizeof(codes[0]))
		return;
	begin_resource(w, "Observation", e, "-acvpu");
	reading_identifier(w, reading_of(w, e));
	med_json_str(w, "status", observation_status(e->status));
	vital_category(w);
	concept(w, "code", LOINC_SYSTEM, "67775-7", "Level of responsiveness",
		NULL);
	reference(w, "subject", pid);
	json_time(w, "effectiveDateTime",
		  s->effective_ms ? s->effective_ms : e->created_ms);
	json_time(w, "issued", e->created_ms);
	concept(w, "valueCodeableConcept", MED_FHIR_ACVPU_SYSTEM, codes[level],
		names[level], NULL);
	reading_device(w, reading_of(w, e));
	end_resource(w);
}

static uint32_t
vital_signs(med_json *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;
	const Smartmed__Records__V1__Quantity *q[] = {
		s->heart_rate,	       s->body_temperature, s->respiratory_rate,
		s->oxygen_saturation,  s->body_weight,	    s->body_height,
		s->inhaled_oxygen_flow};
	static const char *const fields[] = {
		"heart_rate",	      "body_temperature", "respiratory_rate",
		"oxygen_saturation",  "body_weight",	  "body_height",
		"inhaled_oxygen_flow"};
	static const char *const suffixes[] = {"-hr", "-temp", "-rr", "-spo2",
					       "-wt", "-ht",   "-o2"};
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		vital_member(w, pid, e, fields[i], suffixes[i], q[i]);
		n += q[i] != NULL;
	}
	blood_pressure(w, pid, e);
	consciousness(w, pid, e);
	return n + (s->systolic_bp && s->diastolic_bp) +
	       (s->consciousness != 0);
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

/* binary_url points an attachment at its bytes: R4 wants data or url,
 * and the bytes (up to the attachment cap) are too large to inline. */
static void
binary_url(med_json *w, const char *sha256)
{
	char url[160];

	snprintf(url, sizeof(url), "%s/Binary/%s", FHIR_BASE, sha256);
	med_json_str(w, "url", url);
}

/*
 * R4's Attachment.hash is a SHA-1; we keep SHA-256 only, so the digest
 * goes into DocumentReference.identifier, and the url names the bytes
 * GetAttachment reads (a Binary of the coming FHIR facade).
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
	binary_url(w, d->sha256);
	med_json_i64(w, "size", (long long)d->size);
	med_json_str(w, "title", e->title);
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
	end_resource(w);
}

/* A note travels inline: text/plain data, base64 as R4 requires. */
static void
text_content(med_json *w, const char *text)
{
	fhir_out *out = (fhir_out *)w;

	if (w->err != MED_OK)
		return;
	if (out->b64 == NULL || b64_len(text) > out->b64_cap) {
		w->err = MED_ERR_INTERNAL;
		return;
	}
	med_b64_encode(out->b64, out->b64_cap, text, strlen(text), MED_B64_STD);
	med_json_begin(w, "content", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "attachment", '{');
	med_json_str(w, "contentType", "text/plain; charset=utf-8");
	med_json_str(w, "data", out->b64);
	med_json_i64(w, "size", (long long)strlen(text));
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/*
 * An addendum is its own DocumentReference that "appends" the note
 * (relatesTo), as R4 models additions to a signed document: the note's
 * text stays as signed, and each addendum keeps its own author and time.
 */
static void
addendum(med_json *w, const char *pid, const records_entry *e,
	 const Smartmed__Records__V1__Addendum *a)
{
	char suffix[24], target[64];

	snprintf(suffix, sizeof(suffix), "-add%u", a->version);
	snprintf(target, sizeof(target), "DocumentReference/%s", e->entry_id);
	begin_resource(w, "DocumentReference", e, suffix);
	med_json_str(w, "status", "current");
	concept(w, "type", LOINC_SYSTEM, "11506-3", "Progress note", NULL);
	reference(w, "subject", pid);
	json_time(w, "date", a->created_ms);
	med_json_begin(w, "author", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "display", a->author);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_begin(w, "relatesTo", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "code", "appends");
	med_json_begin(w, "target", '{');
	med_json_str(w, "reference", target);
	med_json_end(w, '}');
	med_json_end(w, '}');
	med_json_end(w, ']');
	text_content(w, a->text);
	end_resource(w);
}

/* A note the reader did not read whole says so (issue 75), so that a
 * client knows the suggestions from it are not all the note holds. */
static void
incomplete_extension(med_json *w, const records_entry *e)
{
	if (!e->incomplete)
		return;
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", NOTE_INCOMPLETE_URL);
	med_json_str(w, "valueString", e->incomplete_reason);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* A note travels inline: text/plain data, base64 as R4 requires; its
 * signer is the authenticator, its addenda follow it. */
static uint32_t
clinical_note(med_json *w, const char *pid, const records_entry *e)
{
	begin_resource(w, "DocumentReference", e, "");
	incomplete_extension(w, e);
	doc_status(w, e);
	concept(w, "type", LOINC_SYSTEM, "11506-3", "Progress note", NULL);
	doc_common(w, pid, e);
	if (e->signed_by[0] != '\0') {
		med_json_begin(w, "authenticator", '{');
		med_json_str(w, "display", e->signed_by);
		med_json_end(w, '}');
	}
	text_content(w, e->body);
	end_resource(w);
	for (size_t i = 0; i < e->n_addenda; i++)
		addendum(w, pid, e, e->addenda[i]);
	return 1 + (uint32_t)e->n_addenda;
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
		return clinical_note(w, pid, e);
	}
}

/* Room kept for closing the bundle ("]}") while finding what fits. */
#define CLOSING_BYTES 16

/* bundle_page - the entries of a page and how many were written whole. */
typedef struct bundle_page {
	const char *pid;
	records_entry *const *entries;
	size_t n, done;
} bundle_page;

/* page_entries writes entries until the writer fails (it stops). */
static uint32_t
page_entries(med_json *w, void *ctx)
{
	bundle_page *p = ctx;
	uint32_t count = 0;

	for (p->done = 0; p->done < p->n; p->done++) {
		count += resource(w, p->pid, p->entries[p->done]);
		if (w->err != MED_OK)
			break;
	}
	return count;
}

/*
 * write_bundle writes entries[0..n) as a Bundle into w and returns how
 * many entries were written whole before w failed (all n when it did
 * not).
 */
static size_t
write_bundle(med_json *w, const char *patient_id, records_entry *const *entries,
	     size_t n, uint32_t *n_resources)
{
	fhir_out counter = {.readings = ((fhir_out *)w)->readings};
	uint32_t count = 0;
	bundle_page page = {patient_id, entries, n, n};

	/* A writer already failed writes nothing: it only counts. */
	med_json_init_buf(&counter.w, NULL, 0);
	for (size_t i = 0; i < n; i++)
		count += resource(&counter.w, patient_id, entries[i]);
	(void)med_fhir_page_bundle(w, patient_id, count > 0, page_entries,
				   &page);
	*n_resources = count > 0 ? count + 1 : 0;
	return page.done;
}

/* note_room sizes out's base64 buffer for the longest note. */
static med_err
note_room(med_arena *arena, records_entry *const *entries, size_t n,
	  fhir_out *out)
{
	for (size_t i = 0; i < n; i++) {
		const records_entry *e = entries[i];

		if (e->kind !=
		    SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_NOTE)
			continue;
		if (b64_len(e->body) > out->b64_cap)
			out->b64_cap = b64_len(e->body);
		for (size_t k = 0; k < e->n_addenda; k++)
			if (b64_len(e->addenda[k]->text) > out->b64_cap)
				out->b64_cap = b64_len(e->addenda[k]->text);
	}
	if (out->b64_cap == 0)
		return MED_OK;
	out->b64 = med_arena_alloc(arena, out->b64_cap);
	return out->b64 ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_fhir_bundle(med_arena *arena, const char *patient_id,
		    records_entry *const *entries, size_t n,
		    const records_readings *readings, size_t max_bytes,
		    char **json, uint32_t *n_resources, size_t *n_written)
{
	fhir_out out = {.readings = readings};
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
