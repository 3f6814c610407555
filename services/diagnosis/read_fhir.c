/*
 * read_fhir.c - ReadFhir: one resource of the diagnosis export by its FHIR
 * type and id (fhirread, issue 35).  Every id begins with its item's id:
 * a condition's, a care plan's (its Goals "-goalN"), a finding's (its
 * DiagnosticReport; "-result" its Observation, "-provenance" its
 * Provenance).  The item's patient is found, the care relationship to it
 * decided as for ExportFhir, and the resource taken from the patient's
 * export as the export's own code writes it (fhir.c), so references
 * between the items are the same as in the export.  Versions: a
 * condition's and a care plan's counters (a Goal has its plan's); a
 * finding is version 1 until decided (confirmed or rejected), 2 after.
 * A condition keeps every version (vread reads any); the others only the
 * current one.
 */
#include <med/check.h>
#include <med/fhir.h>
#include <med/fhir_read.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "diagnosis.h"

/* Items read per export page while looking for a resource. */
#define SCAN_PAGE_SIZE 50
/* Room the reply's other fields take beside the resource. */
#define REPLY_SLACK_BYTES 1024

typedef Smartmed__Diagnosis__V1__ReadFhirRequest read_request;
typedef Smartmed__Diagnosis__V1__ReadFhirResponse read_response;

static const char *const types[] = {"Condition",   "CarePlan",
				    "Goal",	   "DiagnosticReport",
				    "Observation", "Provenance"};
static const med_fhir_read_served served = {
	types, sizeof(types) / sizeof(types[0]),
	"diagnosis serves Condition, CarePlan, Goal, DiagnosticReport, "
	"Observation and Provenance"};

/* item_version fills res's version and time from the page's item. */
static bool
item_version(const diagnosis_export_page *p, const char *item,
	     read_response *res)
{
	for (size_t i = 0; i < p->n_conditions; i++)
		if (strcmp(p->conditions[i]->condition_id, item) == 0) {
			res->version = p->conditions[i]->version;
			res->last_updated_ms = p->conditions[i]->updated_ms;
			return true;
		}
	for (size_t i = 0; i < p->n_plans; i++)
		if (strcmp(p->plans[i]->care_plan_id, item) == 0) {
			res->version = p->plans[i]->version;
			res->last_updated_ms = p->plans[i]->updated_ms;
			return true;
		}
	for (size_t i = 0; i < p->n_findings; i++) {
		const diagnosis_finding *f = p->findings[i];

		if (strcmp(f->finding_id, item) == 0) {
			res->version = f->decided_ms > 0 ? 2 : 1;
			res->last_updated_ms = f->decided_ms > 0
						       ? f->decided_ms
						       : f->created_ms;
			return true;
		}
	}
	return false;
}

static med_err
keep(med_call *call, const read_request *r, const char *json,
     read_response *res)
{
	return med_fhir_bundle_resource_copy(med_call_arena(call), json,
					     r->type, r->id,
					     &res->resource_json);
}

/*
 * older_condition puts version of a condition in place of its current one
 * on the page that holds it (res has the current one's version): a
 * condition keeps every version (ConditionHistory), so a vread writes an
 * old one with the page's other items around it, as the export wrote it
 * then.  MED_ERR_NOT_FOUND: no such version.
 */
static med_err
older_condition(med_call *call, diagnosis_export_page *p, const char *item,
		uint32_t version, read_response *res)
{
	diagnosis_condition **all = NULL;
	size_t n = 0, at = 0;
	med_err err;

	while (at < p->n_conditions &&
	       strcmp(p->conditions[at]->condition_id, item) != 0)
		at++;
	if (at == p->n_conditions)
		return MED_ERR_NOT_FOUND; /* not a condition: current only */
	err = diagnosis_store_history(med_call_db(call), med_call_arena(call),
				      item, &all, &n);
	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < n; i++)
		if (all[i]->version == version) {
			p->conditions[at] = all[i];
			res->version = version;
			res->last_updated_ms = all[i]->updated_ms;
			return MED_OK;
		}
	return MED_ERR_NOT_FOUND;
}

/* scan reads pid's export page by page until the page holding item. */
static med_err
scan(med_call *call, const read_request *r, const char *pid, const char *item,
     read_response *res)
{
	size_t budget = med_call_reply_budget(call, REPLY_SLACK_BYTES);
	med_page_key after = {0};

	for (;;) {
		diagnosis_export_page p;
		char *json = NULL;
		uint32_t n = 0;
		med_err err = diagnosis_store_export(
			med_call_db(call), med_call_arena(call), pid, NULL,
			&after, SCAN_PAGE_SIZE, &p);

		if (err != MED_OK)
			return err;
		if (item_version(&p, item, res)) {
			if (r->version != 0 && r->version != res->version)
				err = older_condition(call, &p, item,
						      r->version, res);
			if (err == MED_OK)
				err = diagnosis_fhir_bundle(
					med_call_arena(call), pid, &p, budget,
					&json, &n);
			return err != MED_OK ? err : keep(call, r, json, res);
		}
		if (!p.more)
			return MED_ERR_NOT_FOUND;
		after = p.last;
	}
}

med_err
diagnosis_rpc_read_fhir(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const read_request *r = (const void *)in;
	read_response *res = (void *)out;
	const char *item, *pid = NULL;
	med_err err = med_fhir_read_check(call, &served, r->type, r->id);

	if (err != MED_OK ||
	    (err = med_fhir_read_patient(call, r->type, r->id, r->version,
					 diagnosis_store_owner, &item, &pid)) !=
		    MED_OK)
		return err;
	res->patient_id = (char *)pid;
	/* Every version of a condition is kept; the rest keep the current. */
	res->versions_kept = strcmp(r->type, "Condition") == 0;
	err = scan(call, r, pid, item, res);
	if (err == MED_OK && r->version != 0 && r->version != res->version)
		err = MED_ERR_NOT_FOUND;
	return err == MED_ERR_NOT_FOUND
		       ? med_fhir_read_not_found(call, r->type, r->id,
						 r->version)
		       : err;
}
