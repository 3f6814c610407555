/*
 * read_fhir.c - ReadFhir: one resource of the records export by its FHIR
 * type and id, any version of it (fhirread, issue 35).  A resource's id is
 * its entry's id, with a suffix for the several resources one entry
 * writes (a vital sign's "-hr", a note's addendum "-add2"); the resource
 * is written by the export's own code (fhir.c) from the version asked for,
 * so a read and an export never disagree.  Every version of an entry is
 * kept, immutable and chained: vread reads any of them.
 */
#include <med/check.h>
#include <med/fhir.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "records.h"

/* Room in the reply for everything but the resource. */
#define REPLY_SLACK_BYTES 4096

static bool
records_type(const char *type)
{
	static const char *const types[] = {"Observation", "AllergyIntolerance",
					    "DocumentReference"};

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

/* entry_of cuts the entry's id off a resource id; NULL: not one of ours. */
static const char *
entry_of(med_arena *a, const char *id)
{
	med_problem p = {0};
	char *entry;

	if (strlen(id) < MED_UUID_LEN ||
	    (id[MED_UUID_LEN] != '\0' && id[MED_UUID_LEN] != '-'))
		return NULL;
	if ((entry = med_arena_alloc(a, MED_UUID_LEN + 1)) == NULL)
		return NULL;
	memcpy(entry, id, MED_UUID_LEN);
	entry[MED_UUID_LEN] = '\0';
	return med_id_problem("id", entry, &p) == MED_OK ? entry : NULL;
}

static med_err
check_request(med_call *call, const Smartmed__Records__V1__ReadFhirRequest *r)
{
	if (!records_type(r->type))
		return med_call_fail(
			call, MED_ERR_INVALID,
			"type: records serves Observation, "
			"AllergyIntolerance and DocumentReference");
	if (!med_fhir_id_ok(r->id))
		return med_call_fail(call, MED_ERR_INVALID,
				     "id: not a FHIR id (1..64 of A-Z a-z 0-9 "
				     "- .)");
	return MED_OK;
}

static med_err
not_found(med_call *call, const Smartmed__Records__V1__ReadFhirRequest *r)
{
	if (r->version != 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "id: no %s %s version %u", r->type, r->id,
				     r->version);
	return med_call_fail(call, MED_ERR_NOT_FOUND, "id: no %s %s", r->type,
			     r->id);
}

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
		return not_found(call, r);
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
	med_err err = check_request(call, r);

	if (err != MED_OK)
		return err;
	entry_id = entry_of(med_call_arena(call), r->id);
	if (entry_id == NULL)
		return not_found(call, r);
	err = records_store_patient_of(med_call_db(call), med_call_arena(call),
				       entry_id, &pid);
	if (err != MED_OK)
		return err;
	if (pid == NULL)
		return not_found(call, r);
	/* The care relationship is decided here, as for ExportFhir. */
	med_call_set_patient(call, pid);
	err = records_store_entry(med_call_db(call), med_call_arena(call),
				  entry_id, r->version, &e, &fault);
	if (err == MED_ERR_NOT_FOUND)
		return not_found(call, r);
	if (err == MED_ERR_DATA_LOSS && fault.check != NULL)
		return records_fail_fault(call, "id", &fault);
	if (err != MED_OK)
		return err;
	return pick(call, r, pid, e, (void *)out);
}
