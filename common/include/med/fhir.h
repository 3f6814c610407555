/*
 * med/fhir.h - FHIR R4 JSON on top of the med_json writer: instants,
 * decimals, the string rules of R4 and the shapes every resource uses
 * (Reference, Coding, CodeableConcept, Quantity in UCUM, Bundle entries
 * with their fullUrl).  One writer for every service's FHIR output.
 *
 * The helpers follow med_json's rule: the first error stays in w->err and
 * later calls do nothing, so a builder checks med_json_text once.  A value
 * FHIR cannot carry (a time outside the sane range, a URL too long) sets
 * MED_ERR_INVALID rather than writing something a reader would misread.
 * Not thread-safe; one writer per thread.
 */
#ifndef MED_FHIR_H
#define MED_FHIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/json.h>
#include <med/util.h>

/*
 * The sane range of a clinical time: the bounds every input check uses
 * (MED_TIME_MIN_MS..MED_TIME_MAX_MS in med/util.h, 1900-01-01 up to
 * 2200-01-01), which also keep R4's four-digit years.
 */
#define MED_FHIR_MIN_MS MED_TIME_MIN_MS
#define MED_FHIR_MAX_MS MED_TIME_MAX_MS

/* The extension R4 gives a required element whose value is missing. */
#define MED_FHIR_DATA_ABSENT_URL                                               \
	"http://hl7.org/fhir/StructureDefinition/data-absent-reason"

/* Systems every service codes with. */
#define MED_FHIR_LOINC "http://loinc.org"
#define MED_FHIR_UCUM  "http://unitsofmeasure.org"
/* The system of a device's id in a logical Device reference (the facade
 * serves no Device): Observation.device of a device reading. */
#define MED_FHIR_DEVICE_SYSTEM "urn:smartmed:device"

/* med_fhir_time_ok is true when ms lies in the sane range above. */
bool med_fhir_time_ok(int64_t ms);

/*
 * med_fhir_format_instant writes ms as an R4 instant, UTC with
 * milliseconds ("2024-05-01T08:30:00.000Z"), into out[25]; false (out
 * empty) when ms is outside the sane range.
 */
bool med_fhir_format_instant(int64_t ms, char out[25]);

/*
 * med_fhir_instant writes ms as an instant (also valid as a dateTime).  A
 * stored time outside the sane range (a row written before the input
 * checks, or straight into the database) does not fail the export: the
 * element goes out without a value as "_<key>" carrying the
 * data-absent-reason extension with code "error", which R4 allows even for
 * a required element, and a warning is logged.  Only a NULL key (an array
 * element, which has no "_key") sets MED_ERR_INVALID.
 */
void med_fhir_instant(med_json *w, const char *key, int64_t ms);

/*
 * med_fhir_date writes a stored "YYYY-MM-DD" as a date (also valid as a
 * dateTime); anything med_date_valid refuses goes out as
 * med_fhir_instant's out-of-range times do.
 */
void med_fhir_date(med_json *w, const char *key, const char *ymd);

/*
 * med_fhir_string_ok is true when s holds no control character, as R4's
 * string type requires; free_text (narratives, notes) also allows tab,
 * line feed and carriage return.
 */
bool med_fhir_string_ok(const char *s, bool free_text);

/*
 * med_fhir_decimal writes a decimal exactly as text spells it ("37.0"
 * stays "37.0"); med_fhir_decimal_of writes a double as the shortest
 * plain text that reads back as it (70 -> 70, never 7e+01).  Either sets
 * MED_ERR_INVALID for what is no number.
 */
void med_fhir_decimal(med_json *w, const char *key, const char *text);
void med_fhir_decimal_of(med_json *w, const char *key, double value);

/* med_fhir_reference writes {"reference":"<type>/<id>"} (display
 * optional, NULL for none). */
void med_fhir_reference(med_json *w, const char *key, const char *type,
			const char *id, const char *display);

/* med_fhir_display_ref writes {"display": display}: a Reference to someone
 * or something with no resource here (a clinician known by name). */
void med_fhir_display_ref(med_json *w, const char *key, const char *display);

/* med_fhir_code - one Coding: system, code and an optional display. */
typedef struct med_fhir_code {
	const char *system;
	const char *code;
	const char *display; /* NULL or "": none */
} med_fhir_code;

/* med_fhir_coding writes one Coding as an array element (no system when
 * system is NULL or ""). */
void med_fhir_coding(med_json *w, const med_fhir_code *c);

/*
 * med_fhir_concept writes a CodeableConcept with codes[0..n) (those with
 * an empty code are left out) and text (NULL or "": none).  R4 has no
 * empty objects, so neither codes nor text sets MED_ERR_INVALID.
 */
void med_fhir_concept(med_json *w, const char *key, const med_fhir_code *codes,
		      size_t n, const char *text);

/* med_fhir_quantity writes a Quantity in UCUM: value, unit and code (the
 * UCUM code is also the human unit), system. */
void med_fhir_quantity(med_json *w, const char *key, double value,
		       const char *ucum);

/* med_fhir_quantity_exact is med_fhir_quantity with the value written as
 * decimal spells it ("37.0"); NULL or "" falls back to value. */
void med_fhir_quantity_exact(med_json *w, const char *key, double value,
			     const char *decimal, const char *ucum);

/* The longest decimal text a measurement may carry. */
#define MED_FHIR_DECIMAL_MAX 32

/*
 * med_fhir_decimal_matches is true when text is a plain decimal
 * ("-"? digits ("." digits)?, no leading zeros, at most
 * MED_FHIR_DECIMAL_MAX characters) that reads back as value: the exact
 * spelling of a measured number, kept for its precision.
 */
bool med_fhir_decimal_matches(const char *text, double value);

/*
 * med_fhir_entry_begin opens a Bundle entry and its resource:
 * {"fullUrl":"<base>/<type>/<id>","resource":{"resourceType":"<type>",
 * "id":"<id>" ...; base is the server's FHIR base URL without a trailing
 * slash, so that "Patient/<id>" references resolve inside the bundle.
 * An id R4 refuses (1..64 of A-Z a-z 0-9 - .) sets MED_ERR_INVALID.
 * med_fhir_entry_end closes both.
 */
void med_fhir_entry_begin(med_json *w, const char *base, const char *type,
			  const char *id);
void med_fhir_entry_end(med_json *w);

/*
 * The base of the fullUrls the services' exports write.  No server
 * answers it (the facade serves its own base), but it makes
 * "Patient/<id>" references resolve inside a bundle as R4's resolution
 * rules read them (relative to the entry's fullUrl).
 */
#define MED_FHIR_EXPORT_BASE "https://smartmed.invalid/fhir"

/* MED_FHIR_ACVPU_SYSTEM - the code system of NEWS2's ACVPU levels (codes
 * A, C, V, P, U: alert, new confusion, voice, pain, unresponsive), the
 * value of an Observation coded LOINC 67775-7 (level of responsiveness). */
#define MED_FHIR_ACVPU_SYSTEM "https://smartmed.invalid/fhir/CodeSystem/acvpu"

/* med_fhir_entries_fn writes a page's resources as Bundle entries and
 * returns how many it wrote. */
typedef uint32_t (*med_fhir_entries_fn)(med_json *w, void *ctx);

/*
 * med_fhir_page_bundle writes one page of a service's ExportFhir into w:
 * a collection Bundle, timestamped now, whose entries are the Patient
 * (id only: identity holds the rest, and every subject then resolves
 * inside the page) followed by what fn writes.  A page with nothing
 * (has_entries false) has no "entry" at all: R4 has no empty arrays.
 * patient_id NULL writes no Patient: a page of many patients (a ward's
 * encounters), each resource's subject a reference the reader resolves.
 * Returns the resources written, the Patient included.
 */
uint32_t med_fhir_page_bundle(med_json *w, const char *patient_id,
			      bool has_entries, med_fhir_entries_fn fn,
			      void *ctx);

/*
 * med_fhir_page_json is med_fhir_page_bundle into a writer of at most
 * max_bytes from arena; *json is the text.  Errors: the writer's
 * (MED_ERR_LIMIT when the page does not fit, MED_ERR_INVALID for a value
 * FHIR cannot carry).
 */
med_err med_fhir_page_json(med_arena *arena, size_t max_bytes,
			   const char *patient_id, bool has_entries,
			   med_fhir_entries_fn fn, void *ctx, char **json,
			   uint32_t *n_resources) MED_MUST_CHECK;

/* med_fhir_meta writes "meta" with versionId (an id: the number as a
 * string) and lastUpdated (an instant; outside the sane range it sets
 * MED_ERR_INVALID). */
void med_fhir_meta(med_json *w, uint32_t version, int64_t updated_ms);

/* med_fhir_id_ok is true for an R4 id: 1..64 of A-Z a-z 0-9 - . */
bool med_fhir_id_ok(const char *id);

/*
 * med_fhir_bundle_resource finds the resource type/id in bundle, a Bundle
 * whose entries med_fhir_entry_begin wrote with base MED_FHIR_EXPORT_BASE
 * (every service's export), and sets *start and *len to its JSON text,
 * byte for byte as written (decimals keep their digits).  The services'
 * ReadFhir answers one resource of the entries their export writes.
 * Errors: MED_ERR_NOT_FOUND (no such entry), MED_ERR_INVALID (the entry's
 * object does not end: not a bundle med_json wrote).
 */
med_err med_fhir_bundle_resource(const char *bundle, const char *type,
				 const char *id, const char **start,
				 size_t *len) MED_MUST_CHECK;

/* med_fhir_bundle_resource_copy is med_fhir_bundle_resource with the
 * resource copied into a as a string (*out), as every ReadFhir answers
 * it.  Errors: its, and MED_ERR_NOMEM (the arena's cap). */
med_err med_fhir_bundle_resource_copy(struct med_arena *a, const char *bundle,
				      const char *type, const char *id,
				      char **out) MED_MUST_CHECK;

#endif
