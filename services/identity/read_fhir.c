/*
 * read_fhir.c - ReadFhir: one Encounter of identity's export by its id
 * (fhirread, issue 35).  The encounter's patient must be visible to the
 * caller (identity's lookup scope: a clinician or nurse sees only the
 * patients in their care, as for ExportFhir and GetPatient); the
 * Encounter is written by the export's own code (fhir.c).  Its version is
 * the encounter's version counter; EncounterVersion keeps what changed,
 * not whole resources, so only the current version is readable.
 */
#include <med/check.h>
#include <med/fhir.h>
#include <med/fhir_read.h>
#include <med/service.h>
#include <med/util.h>

#include "identity.h"

/* Room the reply's other fields take beside the resource. */
#define REPLY_SLACK_BYTES 1024

typedef Smartmed__Identity__V1__ReadFhirRequest read_request;
typedef Smartmed__Identity__V1__ReadFhirResponse read_response;

static const char *const types[] = {"Encounter"};
static const med_fhir_read_served served = {
	types, 1,
	"identity serves Encounter (a Patient is read by GetPatient)"};

/* keep_encounter writes h as the export does and keeps its Encounter. */
static med_err
keep_encounter(med_call *call, const read_request *r, identity_enc_history *h,
	       read_response *res)
{
	const identity_encounter *e = h->encounter;
	char *json = NULL;
	uint32_t n = 0;
	med_err err = identity_fhir_bundle(
		med_call_arena(call), e->patient_id, &h, 1,
		med_call_reply_budget(call, REPLY_SLACK_BYTES), &json, &n);

	if (err == MED_OK)
		err = med_fhir_bundle_resource_copy(med_call_arena(call), json,
						    "Encounter", r->id,
						    &res->resource_json);
	if (err != MED_OK)
		return err;
	res->version = e->version;
	/* As the export's meta.lastUpdated: the latest version's time. */
	res->last_updated_ms =
		h->n_versions > 0 ? h->versions[h->n_versions - 1]->recorded_ms
				  : e->start_ms;
	res->patient_id = e->patient_id;
	return MED_OK;
}

med_err
identity_rpc_read_fhir(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const read_request *r = (const void *)in;
	identity_enc_history *h;
	med_problem p = {0};
	med_err err = med_fhir_read_check(call, &served, r->type, r->id);

	if (err != MED_OK)
		return err;
	if (med_id_problem("id", r->id, &p) != MED_OK)
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	h = med_arena_zalloc(med_call_arena(call), sizeof(*h));
	if (h == NULL)
		return MED_ERR_NOMEM;
	smartmed__identity__v1__get_encounter_history_response__init(h);
	err = identity_enc_store_history(med_call_db(call),
					 med_call_arena(call), r->id, h);
	if (err == MED_ERR_NOT_FOUND)
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	if (err != MED_OK)
		return err;
	/* Outside the caller's scope the encounter does not exist. */
	if ((err = identity_visible_patient(call, h->encounter->patient_id)) !=
	    MED_OK)
		return err;
	if (r->version != 0 && r->version != h->encounter->version)
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	return keep_encounter(call, r, h, (void *)out);
}
