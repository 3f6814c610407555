/*
 * read_fhir.c - ReadFhir: one resource of the dosage export by its FHIR
 * type and id (fhirread, issue 35).  An order version or an
 * administration is found in its patient's export, written by the
 * export's own code (fhir.c), after the care relationship to that patient
 * is decided as for ExportFhir; a Medication belongs to no patient and is
 * the catalogue's (or the bare code of a drug that left it).  Versions:
 * an order's version counter (each version has its own id, and the
 * export writes current ones only); an administration and a Medication
 * are version 1; a running infusion's in-progress administration counts
 * its events (start, rate changes).
 */
#include <med/check.h>
#include <med/fhir.h>
#include <med/fhir_read.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "fhir_export.h"
#include "orders.h"

/* Items read per export page while looking for a resource. */
#define SCAN_PAGE_SIZE 50
/* Room the reply's other fields take beside the resource. */
#define REPLY_SLACK_BYTES 1024

typedef Smartmed__Dosage__V1__ReadFhirRequest read_request;
typedef Smartmed__Dosage__V1__ReadFhirResponse read_response;

static const char *const types[] = {"MedicationRequest",
				    "MedicationAdministration", "Medication",
				    "MedicationStatement"};
static const med_fhir_read_served served = {
	types, sizeof(types) / sizeof(types[0]),
	"dosage serves MedicationRequest, MedicationAdministration, "
	"Medication and MedicationStatement"};

/* keep copies the resource out of json into res. */
static med_err
keep(med_call *call, const read_request *r, const char *json,
     read_response *res)
{
	return med_fhir_bundle_resource_copy(med_call_arena(call), json,
					     r->type, r->id,
					     &res->resource_json);
}

/* item_version fills res's version and time from the page's item id. */
static bool
item_version(const dosage_export_page *p, const char *id, read_response *res)
{
	for (size_t i = 0; i < p->n_orders; i++)
		if (strcmp(p->orders[i]->id, id) == 0) {
			res->version = p->orders[i]->version;
			res->last_updated_ms = p->orders[i]->created_ms;
			return true;
		}
	for (size_t i = 0; i < p->n_admins; i++)
		if (strcmp(p->admins[i]->id, id) == 0) {
			res->version = 1;
			res->last_updated_ms = p->admins[i]->recorded_ms;
			return true;
		}
	/* A running infusion changes with each event: its count is the
	 * version. */
	for (size_t i = 0; i < p->n_running; i++)
		if (strcmp(p->running[i]->id, id) == 0) {
			res->version = dosage_fhir_infusion_version(
				p->running[i], &res->last_updated_ms);
			return true;
		}
	return false;
}

/* scan reads pid's export page by page until the page holding the id. */
static med_err
scan(med_call *call, const read_request *r, const char *pid, read_response *res)
{
	size_t budget = med_call_reply_budget(call, REPLY_SLACK_BYTES);
	int64_t now_ms = med_now_ms();
	med_page_key after = {0};

	for (;;) {
		dosage_export_page p;
		char *json = NULL;
		uint32_t n = 0;
		med_err err = dosage_store_export(
			med_call_db(call), med_call_arena(call), pid, now_ms,
			NULL, &after, SCAN_PAGE_SIZE, &p);

		if (err != MED_OK)
			return err;
		if (item_version(&p, r->id, res)) {
			err = dosage_deaths_fill(call, p.orders, p.n_orders,
						 now_ms);
			if (err == MED_OK)
				err = dosage_fhir_bundle(med_call_arena(call),
							 pid, &p, budget, &json,
							 &n);
			return err != MED_OK ? err : keep(call, r, json, res);
		}
		if (!p.more)
			return MED_ERR_NOT_FOUND;
		after = p.last;
	}
}

static med_err
read_medication(med_call *call, const read_request *r, read_response *res)
{
	const char *code = NULL;
	dosage_drug d;
	char *json = NULL;
	med_err err = dosage_store_medication_code(
		med_call_db(call), med_call_arena(call), r->id, &code);

	if (err != MED_OK)
		return err;
	if (code == NULL)
		return MED_ERR_NOT_FOUND;
	memset(&d, 0, sizeof(d));
	err = dosage_store_get(med_call_db(call), med_call_arena(call), code,
			       &d);
	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	err = dosage_fhir_medication_bundle(
		med_call_arena(call), err == MED_OK ? &d : NULL, code, &json);
	if (err != MED_OK)
		return err;
	res->version = 1;
	res->patient_id = "";
	return keep(call, r, json, res);
}

static med_err
read_item(med_call *call, const read_request *r, read_response *res)
{
	bool order = strcmp(r->type, "MedicationRequest") == 0;
	const char *pid = NULL;
	med_err err;

	if (med_id_problem("id", r->id, &(med_problem){0}) != MED_OK)
		return MED_ERR_NOT_FOUND;
	err = dosage_store_fhir_patient(med_call_db(call), med_call_arena(call),
					order, r->id, &pid);
	if (err != MED_OK)
		return err;
	if (pid == NULL)
		return MED_ERR_NOT_FOUND;
	/* The care relationship is decided here, as for ExportFhir. */
	med_call_set_patient(call, pid);
	res->patient_id = (char *)pid;
	return scan(call, r, pid, res);
}

med_err
dosage_rpc_read_fhir(med_call *call, const ProtobufCMessage *in,
		     ProtobufCMessage *out)
{
	const read_request *r = (const void *)in;
	read_response *res = (void *)out;
	med_err err = med_fhir_read_check(call, &served, r->type, r->id);

	if (err != MED_OK)
		return err;
	if (strcmp(r->type, "Medication") == 0)
		err = read_medication(call, r, res);
	else if (strcmp(r->type, "MedicationStatement") == 0)
		err = dosage_fhir_read_home(call, r->id, res);
	else
		err = read_item(call, r, res);
	/* Only the current version of each is kept as a resource. */
	if (err == MED_OK && r->version != 0 && r->version != res->version)
		err = MED_ERR_NOT_FOUND;
	return err == MED_ERR_NOT_FOUND
		       ? med_fhir_read_not_found(call, r->type, r->id,
						 r->version)
		       : err;
}
