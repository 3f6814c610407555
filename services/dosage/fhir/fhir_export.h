/*
 * fhir_export.h - ExportFhir: what one page reads (store_export.c) and
 * how it becomes a FHIR R4 Bundle (fhir.c).
 */
#ifndef DOSAGE_FHIR_EXPORT_H
#define DOSAGE_FHIR_EXPORT_H

#include <med/check.h>
#include <med/json.h>

#include "dosage.h"

/* --- store_export.c and fhir.c: ExportFhir ------------------------------- */

/* dosage_segment - how an infusion's charted segment ran: from start_ms
 * (the event that set the rate) at rate rate_unit until the administration
 * that charts it. */
typedef struct dosage_segment {
	const char *admin_id;
	int64_t start_ms;
	double rate;
	const char *rate_unit;
} dosage_segment;

/* The export's page token: a med_page_key, kind 'O' at offset t among
 * the current order versions (no id), 'A' after the administration
 * (t = effective_ms, id), 'R' after the running infusion (t = started_ms,
 * id); kind 0 at the start. */
#define DOSAGE_EXPORT_TAG   'd'
#define DOSAGE_EXPORT_KINDS "OAR"

/* dosage_export_key_ok: k, as med_page_key_parse read it, is one ExportFhir
 * makes. */
bool dosage_export_key_ok(const med_page_key *k);

/* dosage_export_page - one ExportFhir page: its current order versions,
 * its administrations, the infusion segments among them and every drug
 * either names; more when another page follows. */
typedef struct dosage_export_page {
	dosage_order **orders;
	size_t n_orders;
	dosage_admin **admins;
	size_t n_admins;
	dosage_segment *segments;
	size_t n_segments;
	dosage_drug **drugs;
	size_t n_drugs;
	/* Infusions running now, after the administrations: each an
	 * in-progress MedicationAdministration of its current segment. */
	Smartmed__Dosage__V1__Infusion **running;
	size_t n_running;
	/* The weight and height dosage's context holds, as Observations
	 * on the first page of an export of everything (NULL: none). */
	const dosage_context *context;
	bool more;
	med_page_key last; /* the next page starts after it */
} dosage_export_page;

/* dosage_export_items is the number of orders, administrations and running
 * infusions of a page. */
size_t dosage_export_items(const dosage_export_page *p);

/*
 * dosage_store_export reads up to size items after *after of the patient's
 * export list: current order versions newest first, then administrations
 * oldest first, then the infusions running now by start.  Orders are settled at
 * now_ms.  A drug missing from the catalogue is left out of drugs (its
 * Medication then carries the code only).  scope (NULL: everything)
 * narrows what is read: ExportFhirRequest.types and statuses (issue 49).
 */
/* The most statuses one export narrows to (ExportFhirRequest). */
#define DOSAGE_EXPORT_STATUSES_MAX 8

/* dosage_export_scope - what an export reads (issue 49): kinds (NULL:
 * all) some of 'O' (orders), 'A' (administrations) and 'R' (running
 * infusions); the administrations' statuses (n_statuses 0: all). */
typedef struct dosage_export_scope {
	const char *kinds;
	const char *const *statuses;
	size_t n_statuses;
} dosage_export_scope;

med_err dosage_store_export(med_db *db, med_arena *arena,
			    const char *patient_id, int64_t now_ms,
			    const dosage_export_scope *scope,
			    const med_page_key *after, uint32_t size,
			    dosage_export_page *out) MED_MUST_CHECK;

/* dosage_fhir_medication_id (medication_id.c) writes the Medication id of
 * a catalogue code into out[40] (a digest: codes may hold "_", which R4
 * ids may not). */
void dosage_fhir_medication_id(const char *code, char out[40]);

/*
 * dosage_fhir_bundle writes p as a FHIR R4 Bundle (collection) in JSON, in
 * arena, at most max_bytes.  MED_ERR_LIMIT when it does not fit,
 * MED_ERR_INVALID when a stored value cannot be written as R4.
 */
med_err dosage_fhir_bundle(med_arena *arena, const char *patient_id,
			   const dosage_export_page *p, size_t max_bytes,
			   char **json, uint32_t *n_resources) MED_MUST_CHECK;

/* dosage_fhir_measurements writes c's weight and height (c NULL: none)
 * as vital-signs Observations of pid (measure_fhir.c); returns how many. */
uint32_t dosage_fhir_measurements(med_json *w, const char *pid,
				  const dosage_context *c);

/* dosage_fhir_infusion_version is a running infusion's version (its
 * events: the start and each rate change; 1 at least) and sets
 * *updated_ms to when the last was recorded: its meta and ReadFhir's. */
uint32_t dosage_fhir_infusion_version(const Smartmed__Dosage__V1__Infusion *f,
				      int64_t *updated_ms);

/* --- ReadFhir (read_fhir.c; fhirread) ------------------------------------ */

/* dosage_store_fhir_patient sets *out to the patient of an order version
 * (order true) or an administration id, NULL when there is none. */
med_err dosage_store_fhir_patient(med_db *db, med_arena *arena, bool order,
				  const char *id,
				  const char **out) MED_MUST_CHECK;

/* dosage_store_medication_code sets *out to the drug code whose
 * Medication id is medication_id, NULL when no known code has it. */
med_err dosage_store_medication_code(med_db *db, med_arena *arena,
				     const char *medication_id,
				     const char **out) MED_MUST_CHECK;

/* dosage_fhir_medication_bundle writes the Medication of code (d: its
 * catalogue entry, NULL when it left the catalogue) as the export does,
 * as a JSON array of one Bundle entry, in arena. */
med_err dosage_fhir_medication_bundle(med_arena *arena, const dosage_drug *d,
				      const char *code,
				      char **json) MED_MUST_CHECK;

/* --- home_fhir.c: home medicines as MedicationStatement ------------------ */

/* dosage_fhir_home_version is a home medicine's version (1; 2 once
 * stopped) and sets *updated_ms to when that version was written. */
uint32_t dosage_fhir_home_version(const Smartmed__Dosage__V1__HomeMedication *m,
				  int64_t *updated_ms);

/* dosage_fhir_home_bundle writes items[0..n) of patient_id's list as a
 * collection Bundle of MedicationStatement (as med_fhir_page_json). */
med_err
dosage_fhir_home_bundle(med_arena *arena, const char *patient_id,
			Smartmed__Dosage__V1__HomeMedication *const *items,
			size_t n, size_t max_bytes, char **json,
			uint32_t *n_resources) MED_MUST_CHECK;

/* dosage_fhir_read_home answers ReadFhir for MedicationStatement id,
 * naming its patient (the care check).  MED_ERR_NOT_FOUND: none. */
med_err dosage_fhir_read_home(med_call *call, const char *id,
			      Smartmed__Dosage__V1__ReadFhirResponse *res)
	MED_MUST_CHECK;

#endif
