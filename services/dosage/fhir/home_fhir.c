/*
 * home_fhir.c - the home-medicine list as FHIR R4 MedicationStatement
 * (docs/dose-safety.md, "Home medicines"): ExportHomeMedicationsFhir, one
 * more source of the FHIR facade's search and $everything, and ReadFhir's
 * MedicationStatement.  A medicine read from a note names the note
 * version in derivedFrom; informationSource is who said so, by name.
 */
#include <med/check.h>
#include <med/fhir_read.h>
#include <med/fhir.h>
#include <med/json.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "fhir_export.h"
#include "orders.h"

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x
#define SUBSTANCE_SYSTEM "urn:smartmed:dosage:substance"
/* Room the reply's other fields take beside the bundle. */
#define REPLY_SLACK_BYTES 1024

/* home_list - what the bundle writer walks. */
typedef struct home_list {
	dosage_home_med *const *items;
	size_t n;
} home_list;

static const char *
status_code(int status)
{
	return status == HS(ACTIVE)    ? "active"
	       : status == HS(STOPPED) ? "stopped"
				       : "unknown";
}

uint32_t
dosage_fhir_home_version(const dosage_home_med *m, int64_t *updated_ms)
{
	bool stopped = m->status == HS(STOPPED) && m->stopped_ms != 0;

	*updated_ms = stopped ? m->stopped_ms : m->recorded_ms;
	return stopped ? 2 : 1;
}

static void
text_list(med_json *w, const char *key, const char *text)
{
	med_json_begin(w, key, '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "text", text);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* from_note: derivedFrom the note version, and a note on the span. */
static void
from_note(med_json *w, const dosage_home_med *m)
{
	const Smartmed__Dosage__V1__HomeMedicationNote *n = m->note;
	char doc[128], text[700];

	snprintf(doc, sizeof(doc), "%s/_history/%u", n->entry_id,
		 (unsigned)n->version);
	med_json_begin(w, "derivedFrom", '[');
	med_fhir_reference(w, NULL, "DocumentReference", doc, NULL);
	med_json_end(w, ']');
	snprintf(text, sizeof(text),
		 "Read from note %s version %u, bytes %u-%u (\"%s\"); "
		 "confirmed as a home medicine.",
		 n->entry_id, (unsigned)n->version, (unsigned)n->span_start,
		 (unsigned)n->span_end, n->text);
	text_list(w, "note", text);
}

static void
statement(med_json *w, const dosage_home_med *m)
{
	const med_fhir_code c = {SUBSTANCE_SYSTEM, m->substance, NULL};
	int64_t updated_ms = 0;
	uint32_t version = dosage_fhir_home_version(m, &updated_ms);

	med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, "MedicationStatement",
			     m->id);
	med_fhir_meta(w, version, updated_ms);
	if (m->note != NULL)
		from_note(w, m);
	med_json_str(w, "status", status_code(m->status));
	if (m->status == HS(STOPPED) && m->stopped_reason[0] != '\0')
		text_list(w, "statusReason", m->stopped_reason);
	med_fhir_concept(w, "medicationCodeableConcept", &c, 1, m->medicine);
	med_fhir_reference(w, "subject", "Patient", m->patient_id, NULL);
	med_fhir_instant(w, "dateAsserted", m->recorded_ms);
	med_fhir_display_ref(w, "informationSource", m->information_source);
	if (m->dose_text[0] != '\0')
		text_list(w, "dosage", m->dose_text);
	med_fhir_entry_end(w);
}

static uint32_t
entries(med_json *w, void *ctx)
{
	const home_list *l = ctx;

	for (size_t i = 0; i < l->n; i++)
		statement(w, l->items[i]);
	return (uint32_t)l->n;
}

med_err
dosage_fhir_home_bundle(med_arena *arena, const char *patient_id,
			dosage_home_med *const *items, size_t n,
			size_t max_bytes, char **json, uint32_t *n_resources)
{
	home_list l = {items, n};

	return med_fhir_page_json(arena, max_bytes, patient_id, n > 0, entries,
				  &l, json, n_resources);
}

med_err
dosage_rpc_export_home_medications_fhir(med_call *call,
					const ProtobufCMessage *in,
					ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ExportFhirResponse *res = (void *)out;
	dosage_home_med **items = NULL;
	size_t n = 0, rows;
	med_page page;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	if ((err = dosage_store_home_meds(med_call_db(call),
					  med_call_arena(call), req->patient_id,
					  true, &items, &n)) != MED_OK)
		return err;
	if (n == 0 && page.offset == 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no home medicines for this "
				     "patient");
	/* The list is short (DOSAGE_HOME_MEDS_MAX): a page is a slice. */
	rows = page.offset >= n ? 0 : n - (size_t)page.offset;
	if (rows > (size_t)page.size + 1)
		rows = (size_t)page.size + 1;
	if ((res->page = med_page_respond(call, &page, &rows)) == NULL)
		return MED_ERR_NOMEM;
	err = dosage_fhir_home_bundle(
		med_call_arena(call), req->patient_id,
		rows ? items + page.offset : items, rows,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);
	return med_fhir_export_failed(call, err, rows, "home medicines",
				      "home medicine", "patient_id");
}

med_err
dosage_fhir_read_home(med_call *call, const char *id,
		      Smartmed__Dosage__V1__ReadFhirResponse *res)
{
	dosage_home_med *m = NULL;
	char *json = NULL;
	uint32_t n = 0;
	med_err err;

	if (med_id_problem("id", id, &(med_problem){0}) != MED_OK)
		return MED_ERR_NOT_FOUND;
	err = dosage_store_home_med(med_call_db(call), med_call_arena(call), id,
				    &m);
	if (err != MED_OK)
		return err;
	/* The care relationship is decided here, as for the export. */
	med_call_set_patient(call, m->patient_id);
	res->patient_id = m->patient_id;
	res->version = dosage_fhir_home_version(m, &res->last_updated_ms);
	err = dosage_fhir_home_bundle(
		med_call_arena(call), m->patient_id, &m, 1,
		med_call_reply_budget(call, REPLY_SLACK_BYTES), &json, &n);
	if (err != MED_OK)
		return err;
	return med_fhir_bundle_resource_copy(med_call_arena(call), json,
					     "MedicationStatement", id,
					     &res->resource_json);
}
