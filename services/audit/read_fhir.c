/*
 * read_fhir.c - ReadFhir: one AuditEvent by its id, the event's id
 * (fhirread, issue 35), written as ExportAuditEventsFhir writes it
 * (fhir.c) to the same readers (auditor, admin).  An event is immutable:
 * version 1, last updated when the service stored it.  As for the export,
 * an event the service cannot vouch for (ALTERED) is refused with
 * DATA_LOSS, and only an event about a patient is a resource of the
 * export.
 */
#include <med/check.h>
#include <med/fhir.h>
#include <med/fhir_read.h>
#include <med/service.h>
#include <med/util.h>

#include "audit_svc.h"

/* Room the reply's other fields take beside the resource. */
#define REPLY_SLACK_BYTES 1024

typedef Smartmed__Audit__V1__ReadFhirRequest read_request;
typedef Smartmed__Audit__V1__ReadFhirResponse read_response;
typedef Smartmed__Audit__V1__AuditRecord audit_record;

typedef struct read_tx {
	med_call *call;
	const char *event_id;
	audit_record *record;
} read_tx;

static med_err
read_in_tx(med_db_conn *c, void *ctx)
{
	read_tx *t = ctx;

	return audit_store_record(c, audit_state_of(t->call),
				  med_call_arena(t->call), t->event_id, 0,
				  &t->record);
}

static const char *const types[] = {"AuditEvent"};
static const med_fhir_read_served served = {types, 1,
					    "audit serves AuditEvent"};

/* keep writes the record as the export does and keeps its AuditEvent. */
static med_err
keep(med_call *call, const read_request *r, audit_record *rec,
     read_response *res)
{
	const char *pid = rec->event->patient_id;
	char *json = NULL;
	uint32_t n = 0;
	med_err err = audit_fhir_bundle(
		med_call_arena(call), pid, &rec, 1,
		med_call_reply_budget(call, REPLY_SLACK_BYTES), &json, &n);

	if (err == MED_OK)
		err = med_fhir_bundle_resource_copy(med_call_arena(call), json,
						    "AuditEvent", r->id,
						    &res->resource_json);
	if (err != MED_OK)
		return err;
	res->version = 1;
	res->last_updated_ms = rec->stored_ms;
	res->patient_id = (char *)pid;
	return MED_OK;
}

med_err
audit_rpc_read_fhir(med_call *call, const ProtobufCMessage *in,
		    ProtobufCMessage *out)
{
	const read_request *r = (const void *)in;
	read_tx t = {.call = call, .event_id = r->id};
	med_err err = med_fhir_read_check(call, &served, r->type, r->id);

	if (err != MED_OK)
		return err;
	err = med_db_tx(med_call_db(call), read_in_tx, &t);
	if (err == MED_ERR_NOT_FOUND || (err == MED_OK && r->version > 1))
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	if (err != MED_OK)
		return err;
	if (t.record->event == NULL || t.record->event->patient_id == NULL ||
	    !med_fhir_id_ok(t.record->event->patient_id))
		return med_fhir_read_not_found(call, r->type, r->id,
					       r->version);
	med_call_set_patient(call, t.record->event->patient_id);
	if (t.record->integrity ==
	    SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_ALTERED)
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "audit log integrity: seq %llu: %s",
				     (unsigned long long)t.record->seq,
				     t.record->integrity_problem);
	return keep(call, r, t.record, (void *)out);
}
