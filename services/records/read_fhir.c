/*
 * read_fhir.c - ReadFhir: one resource of the records export by its FHIR
 * type and id, any version of it (fhirread, issue 35).  A resource's id is
 * its entry's id, with a suffix for the several resources one entry
 * writes (a vital sign's "-hr", a note's addendum "-add2"); the resource
 * is written by the export's own code (fhir.c) from the version asked for,
 * so a read and an export never disagree.  Every version of an entry is
 * kept, immutable and chained: vread reads any of them.
 */
#include <med/fhir.h>
#include <med/fhir_read.h>
#include <med/service.h>
#include <med/util.h>

#include "records.h"

/* Room in the reply for everything but the resource. */
#define REPLY_SLACK_BYTES 4096

static const char *const types[] = {"Observation", "AllergyIntolerance",
				    "DocumentReference"};
static const med_fhir_read_served served = {
	types, sizeof(types) / sizeof(types[0]),
	"records serves Observation, AllergyIntolerance and "
	"DocumentReference"};

/* pick writes e's resources and keeps the one asked for. */
static med_err
pick(med_call *call, const Smartmed__Records__V1__ReadFhirRequest *r,
     const char *pid, records_entry *e,
     Smartmed__Records__V1__ReadFhirResponse *res)
{
	size_t budget = med_call_reply_budget(call, REPLY_SLACK_BYTES), n = 0;
	uint32_t n_resources = 0;
	char *bundle = NULL;
	records_readings readings;
	med_err err = records_store_readings_of(
		med_call_db(call), med_call_arena(call), &e, 1, &readings);

	if (err == MED_OK)
		err = records_fhir_bundle(med_call_arena(call), pid, &e, 1,
					  &readings, budget, &bundle,
					  &n_resources, &n);
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "id: %s exceeds the message size limit "
				     "as FHIR",
				     r->id);
	if (err != MED_OK)
		return err;
	err = med_fhir_bundle_resource_copy(med_call_arena(call), bundle,
					    r->type, r->id,
					    &res->resource_json);
	if (err == MED_ERR_NOT_FOUND)
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	if (err != MED_OK)
		return err;
	res->version = e->version;
	res->last_updated_ms = e->created_ms;
	res->patient_id = (char *)pid;
	res->versions_kept = true;
	return MED_OK;
}

med_err
records_rpc_read_fhir(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ReadFhirRequest *r = (const void *)in;
	records_entry *e = NULL;
	records_fault fault = {0};
	const char *entry_id, *pid = NULL;
	med_err err = med_fhir_read_check(call, &served, r->type, r->id);

	if (err != MED_OK ||
	    (err = med_fhir_read_patient(call, r->type, r->id, r->version,
					 records_store_patient_of, &entry_id,
					 &pid)) != MED_OK)
		return err;
	err = records_store_entry(med_call_db(call), med_call_arena(call),
				  entry_id, r->version, &e, &fault);
	if (err == MED_ERR_NOT_FOUND)
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	if (err == MED_ERR_DATA_LOSS && fault.check != NULL)
		return records_fail_fault(call, "id", &fault);
	if (err != MED_OK)
		return err;
	return pick(call, r, pid, e, (void *)out);
}
