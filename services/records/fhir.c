/*
 * fhir.c - a patient's entries as a FHIR R4 Bundle (type "collection") in
 * JSON: observations and vital signs as Observation, documents and notes
 * as DocumentReference, allergies as AllergyIntolerance, each referring to
 * "Patient/<id>".  The JSON is written by a small bounded writer.
 */
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

/* --- a bounded JSON writer ------------------------------------------------ */

typedef struct jw {
	med_arena *arena;
	char *buf;
	size_t len, cap, max;
	med_err err;
	bool comma; /* a value was written at this level: next needs ',' */
} jw;

static void
jw_raw(jw *w, const char *s, size_t n)
{
	if (w->err != MED_OK)
		return;
	if (w->len + n + 1 > w->max) {
		w->err = MED_ERR_LIMIT;
		return;
	}
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		char *p;

		while (cap < w->len + n + 1)
			cap *= 2;
		if ((p = med_arena_alloc(w->arena, cap)) == NULL) {
			w->err = MED_ERR_NOMEM;
			return;
		}
		if (w->len)
			memcpy(p, w->buf, w->len);
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void
jw_lit(jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static void
jw_string(jw *w, const char *s)
{
	const char *run = s;

	jw_raw(w, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		jw_raw(w, run, (size_t)(s - run));
		if (ch == '"' || ch == '\\')
			snprintf(esc, sizeof(esc), "\\%c", ch);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
		jw_lit(w, esc);
		run = s + 1;
	}
	jw_raw(w, run, (size_t)(s - run));
	jw_raw(w, "\"", 1);
}

static void
jw_sep(jw *w)
{
	if (w->comma)
		jw_raw(w, ",", 1);
	w->comma = true;
}

static void
jw_key(jw *w, const char *key)
{
	jw_sep(w);
	jw_string(w, key);
	jw_raw(w, ":", 1);
	w->comma = false;
}

static void
jw_open(jw *w, const char *key, const char *bracket)
{
	if (key)
		jw_key(w, key);
	else
		jw_sep(w);
	jw_lit(w, bracket);
	w->comma = false;
}

static void
jw_close(jw *w, const char *bracket)
{
	jw_lit(w, bracket);
	w->comma = true;
}

static void
jw_str(jw *w, const char *key, const char *value)
{
	jw_key(w, key);
	jw_string(w, value);
	w->comma = true;
}

static void
jw_num(jw *w, const char *key, double v)
{
	char buf[40];

	/* The shortest text that reads back as the same double. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	jw_key(w, key);
	jw_lit(w, buf);
	w->comma = true;
}

static void
jw_int(jw *w, const char *key, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	jw_key(w, key);
	jw_lit(w, buf);
	w->comma = true;
}

/* jw_time writes an R4 instant/dateTime, UTC with milliseconds. */
static void
jw_time(jw *w, const char *key, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[40];
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
	jw_str(w, key, buf);
}

/* --- shared pieces ---------------------------------------------------------
 */

static void
coding(jw *w, const char *system, const char *code, const char *display)
{
	jw_open(w, NULL, "{");
	jw_str(w, "system", system);
	jw_str(w, "code", code);
	if (display && *display)
		jw_str(w, "display", display);
	jw_close(w, "}");
}

static void concept(jw *w, const char *key, const char *system,
		    const char *code, const char *display, const char *text)
{
	jw_open(w, key, "{");
	if (code && *code) {
		jw_open(w, "coding", "[");
		coding(w, system, code, display);
		jw_close(w, "]");
	}
	if (text && *text)
		jw_str(w, "text", text);
	jw_close(w, "}");
}

static void
reference(jw *w, const char *key, const char *patient_id)
{
	char ref[64];

	snprintf(ref, sizeof(ref), "Patient/%s", patient_id);
	jw_open(w, key, "{");
	jw_str(w, "reference", ref);
	jw_close(w, "}");
}

static void
begin_resource(jw *w, const char *type, const records_entry *e,
	       const char *suffix)
{
	char id[64];
	char version[16];

	snprintf(id, sizeof(id), "%s%s", e->entry_id, suffix);
	snprintf(version, sizeof(version), "%u", e->version);
	jw_open(w, NULL, "{");
	jw_open(w, "resource", "{");
	jw_str(w, "resourceType", type);
	jw_str(w, "id", id);
	jw_open(w, "meta", "{");
	jw_str(w, "versionId", version);
	jw_time(w, "lastUpdated", e->created_ms);
	jw_close(w, "}");
}

static void
end_resource(jw *w)
{
	jw_close(w, "}");
	jw_close(w, "}");
}

static void
note(jw *w, const records_entry *e)
{
	if (e->body[0] == '\0')
		return;
	jw_open(w, "note", "[");
	jw_open(w, NULL, "{");
	jw_str(w, "text", e->body);
	jw_close(w, "}");
	jw_close(w, "]");
}

static const char *
observation_status(int status)
{
	static const char *const names[] = {"unknown", "preliminary", "final",
					    "amended", "entered-in-error"};

	return status >= 0 && status <= 4 ? names[status] : "unknown";
}

static void
vital_category(jw *w)
{
	jw_open(w, "category", "[");
	jw_open(w, NULL, "{");
	jw_open(w, "coding", "[");
	coding(w, CATEGORY_SYSTEM, "vital-signs", "Vital Signs");
	jw_close(w, "]");
	jw_close(w, "}");
	jw_close(w, "]");
}

static void
quantity(jw *w, const char *key, double value, const char *unit)
{
	jw_open(w, key, "{");
	jw_num(w, "value", value);
	jw_str(w, "unit", unit);
	jw_str(w, "system", UCUM_SYSTEM);
	jw_str(w, "code", unit);
	jw_close(w, "}");
}

/* --- Observation ---------------------------------------------------------- */

static void
observation(jw *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__Observation *o = e->observation;
	int64_t when = o && o->effective_ms ? o->effective_ms : e->created_ms;

	begin_resource(w, "Observation", e, "");
	jw_str(w, "status", observation_status(e->status));
	if (o && records_vital_by_loinc(o->loinc_code))
		vital_category(w);
	concept(w, "code", LOINC_SYSTEM, o ? o->loinc_code : NULL,
		o ? o->display : NULL, e->title);
	reference(w, "subject", pid);
	jw_time(w, "effectiveDateTime", when);
	jw_time(w, "issued", e->created_ms);
	if (o &&
	    o->value_case == SMARTMED__RECORDS__V1__OBSERVATION__VALUE_NUMERIC)
		quantity(w, "valueQuantity", o->numeric, o->ucum_unit);
	else if (o && o->value_case ==
			      SMARTMED__RECORDS__V1__OBSERVATION__VALUE_TEXT)
		jw_str(w, "valueString", o->text);
	note(w, e);
	end_resource(w);
}

static void
vital_member(jw *w, const char *pid, const records_entry *e, const char *field,
	     const char *suffix, const Smartmed__Records__V1__Quantity *q)
{
	const records_vital *v = records_vital_by_field(field);
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;

	if (q == NULL)
		return;
	begin_resource(w, "Observation", e, suffix);
	jw_str(w, "status", observation_status(e->status));
	vital_category(w);
	concept(w, "code", LOINC_SYSTEM, v->loinc, v->display, NULL);
	reference(w, "subject", pid);
	jw_time(w, "effectiveDateTime",
		s->effective_ms ? s->effective_ms : e->created_ms);
	jw_time(w, "issued", e->created_ms);
	quantity(w, "valueQuantity", q->value, q->unit);
	end_resource(w);
}

static void
bp_component(jw *w, const char *field, const Smartmed__Records__V1__Quantity *q)
{
	const records_vital *v = records_vital_by_field(field);

	jw_open(w, NULL, "{");
	concept(w, "code", LOINC_SYSTEM, v->loinc, v->display, NULL);
	quantity(w, "valueQuantity", q->value, q->unit);
	jw_close(w, "}");
}

/* Blood pressure is one Observation (85354-9) with two components, as the
 * R4 vital-signs profile has it. */
static void
blood_pressure(jw *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__VitalSigns *s = e->vital_signs;

	if (s->systolic_bp == NULL || s->diastolic_bp == NULL)
		return;
	begin_resource(w, "Observation", e, "-bp");
	jw_str(w, "status", observation_status(e->status));
	vital_category(w);
	concept(w, "code", LOINC_SYSTEM, "85354-9",
		"Blood pressure panel with all children optional", NULL);
	reference(w, "subject", pid);
	jw_time(w, "effectiveDateTime",
		s->effective_ms ? s->effective_ms : e->created_ms);
	jw_time(w, "issued", e->created_ms);
	jw_open(w, "component", "[");
	bp_component(w, "systolic_bp", s->systolic_bp);
	bp_component(w, "diastolic_bp", s->diastolic_bp);
	jw_close(w, "]");
	end_resource(w);
}

static uint32_t
vital_signs(jw *w, const char *pid, const records_entry *e)
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
doc_status(jw *w, const records_entry *e)
{
	static const char *const doc[] = {NULL, "preliminary", "final",
					  "amended", NULL};

	if (e->status ==
	    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR) {
		jw_str(w, "status", "entered-in-error");
		return;
	}
	jw_str(w, "status", "current");
	if (e->status > 0 && e->status < 4)
		jw_str(w, "docStatus", doc[e->status]);
}

static void
doc_common(jw *w, const char *pid, const records_entry *e)
{
	reference(w, "subject", pid);
	jw_time(w, "date", e->created_ms);
	jw_open(w, "author", "[");
	jw_open(w, NULL, "{");
	jw_str(w, "display", e->author);
	jw_close(w, "}");
	jw_close(w, "]");
	jw_str(w, "description", e->title);
}

/*
 * R4's Attachment.hash is a SHA-1; we keep SHA-256 only, so the digest
 * goes into DocumentReference.identifier and the bytes stay with
 * GetAttachment (Attachment needs neither url nor data).
 */
static void
document(jw *w, const char *pid, const records_entry *e)
{
	const Smartmed__Records__V1__Document *d = e->document;

	begin_resource(w, "DocumentReference", e, "");
	jw_open(w, "identifier", "[");
	jw_open(w, NULL, "{");
	jw_str(w, "system", ATTACHMENT_ID_SYSTEM);
	jw_str(w, "value", d->sha256);
	jw_close(w, "}");
	jw_close(w, "]");
	doc_status(w, e);
	doc_common(w, pid, e);
	jw_open(w, "content", "[");
	jw_open(w, NULL, "{");
	jw_open(w, "attachment", "{");
	jw_str(w, "contentType", d->content_type);
	jw_int(w, "size", (long long)d->size);
	jw_str(w, "title", e->title);
	jw_close(w, "}");
	jw_close(w, "}");
	jw_close(w, "]");
	end_resource(w);
}

/* A note travels inline: text/plain data, base64 as R4 requires. */
static void
clinical_note(jw *w, const char *pid, const records_entry *e)
{
	size_t len = strlen(e->body);
	size_t b64_len =
		sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64;

	if (w->err != MED_OK)
		return;
	if ((b64 = med_arena_alloc(w->arena, b64_len)) == NULL) {
		w->err = MED_ERR_NOMEM;
		return;
	}
	sodium_bin2base64(b64, b64_len, (const unsigned char *)e->body, len,
			  sodium_base64_VARIANT_ORIGINAL);
	begin_resource(w, "DocumentReference", e, "");
	doc_status(w, e);
	concept(w, "type", LOINC_SYSTEM, "11506-3", "Progress note", NULL);
	doc_common(w, pid, e);
	jw_open(w, "content", "[");
	jw_open(w, NULL, "{");
	jw_open(w, "attachment", "{");
	jw_str(w, "contentType", "text/plain; charset=utf-8");
	jw_str(w, "data", b64);
	jw_int(w, "size", (long long)len);
	jw_close(w, "}");
	jw_close(w, "}");
	jw_close(w, "]");
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
allergy_status(jw *w, const records_entry *e)
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
reactions(jw *w, const Smartmed__Records__V1__Allergy *a)
{
	static const char *const severity[] = {NULL, "mild", "moderate",
					       "severe"};

	if (a->n_reactions == 0)
		return;
	jw_open(w, "reaction", "[");
	for (size_t i = 0; i < a->n_reactions; i++) {
		const char *sev = PICK(severity, a->reactions[i]->severity);

		jw_open(w, NULL, "{");
		jw_open(w, "manifestation", "[");
		jw_open(w, NULL, "{");
		jw_str(w, "text", a->reactions[i]->manifestation);
		jw_close(w, "}");
		jw_close(w, "]");
		if (sev)
			jw_str(w, "severity", sev);
		jw_close(w, "}");
	}
	jw_close(w, "]");
}

static void
allergy(jw *w, const char *pid, const records_entry *e)
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
		jw_str(w, "type", s);
	if ((s = PICK(category, a->category)) != NULL) {
		jw_open(w, "category", "[");
		jw_sep(w);
		jw_string(w, s);
		jw_close(w, "]");
	}
	if ((s = PICK(criticality, a->criticality)) != NULL)
		jw_str(w, "criticality", s);
	concept(w, "code", a->substance_system, a->substance_code,
		a->substance_display, a->substance_display);
	reference(w, "patient", pid);
	jw_time(w, "recordedDate", e->created_ms);
	jw_open(w, "recorder", "{");
	jw_str(w, "display", e->author);
	jw_close(w, "}");
	note(w, e);
	reactions(w, a);
	end_resource(w);
}

/* --- the bundle ----------------------------------------------------------- */

static uint32_t
resource(jw *w, const char *pid, const records_entry *e)
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

med_err
records_fhir_bundle(med_arena *arena, const char *patient_id,
		    records_entry *const *entries, size_t n, size_t max_bytes,
		    char **json, uint32_t *n_resources)
{
	jw w = {.arena = arena, .max = max_bytes};
	jw counter = {.err = MED_ERR_LIMIT}; /* writes nothing, counts */
	uint32_t count = 0;

	/* FHIR JSON has no empty arrays: "entry" only when there is one. */
	for (size_t i = 0; i < n; i++)
		count += resource(&counter, patient_id, entries[i]);
	jw_open(&w, NULL, "{");
	jw_str(&w, "resourceType", "Bundle");
	jw_str(&w, "type", "collection");
	jw_time(&w, "timestamp", med_now_ms());
	if (count > 0) {
		jw_open(&w, "entry", "[");
		for (size_t i = 0; i < n && w.err == MED_OK; i++)
			resource(&w, patient_id, entries[i]);
		jw_close(&w, "]");
	}
	jw_close(&w, "}");
	if (w.err != MED_OK)
		return w.err;
	*json = w.buf;
	*n_resources = count;
	return MED_OK;
}
