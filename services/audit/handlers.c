/*
 * handlers.c - the audit service's RPCs: Query streams the log to auditors.
 */
#include <med/arena.h>
#include <med/check.h>

#include "audit_svc.h"

#define AUDIT_PATH(m)	    "/smartmed.audit.v1.Audit/" m
#define QUERY_DEFAULT_LIMIT 1000
#define QUERY_MAX_LIMIT	    10000
/* Records read per database round trip; the connection is returned before
 * they are sent, so a slow reader never holds one. */
#define QUERY_BATCH	  256
#define QUERY_ARENA_BYTES (32u << 20)

static med_err
check_query(med_call *call, const Smartmed__Audit__V1__QueryRequest *req,
	    audit_query_filter *f)
{
	med_err err;

	if (req->limit > QUERY_MAX_LIMIT)
		return med_call_fail(call, MED_ERR_INVALID,
				     "limit: must be at most %d",
				     QUERY_MAX_LIMIT);
	if (req->since_ms < 0 || req->until_ms < 0)
		return med_call_fail(
			call, MED_ERR_INVALID, "%s: must not be negative",
			req->since_ms < 0 ? "since_ms" : "until_ms");
	if (req->until_ms != 0 && req->until_ms <= req->since_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "until_ms: must be after since_ms");
	if ((err = med_check_text(call, "patient_id", req->patient_id, 0,
				  64)) != MED_OK ||
	    (err = med_check_text(call, "actor", req->actor, 0, 128)) != MED_OK)
		return err;
	*f = (audit_query_filter){req->patient_id, req->actor,
				  req->since_ms,   req->until_ms,
				  req->after_seq,  0};
	return MED_OK;
}

/* send_batch streams one batch; *last gets the last seq sent. */
static med_err
send_batch(med_call *call, med_db *db, audit_query_filter *f, size_t *sent)
{
	med_arena *a = med_arena_new(QUERY_ARENA_BYTES);
	Smartmed__Audit__V1__AuditRecord **recs = NULL;
	size_t n = 0;
	med_err err;

	if (a == NULL)
		return MED_ERR_NOMEM;
	err = audit_store_query(db, a, f, &recs, &n);
	for (size_t i = 0; err == MED_OK && i < n; i++) {
		err = med_call_send(call, &recs[i]->base);
		f->after_seq = recs[i]->seq;
	}
	med_arena_free(a);
	*sent = n;
	return err;
}

static med_err
query(med_call *call, const ProtobufCMessage *in)
{
	const Smartmed__Audit__V1__QueryRequest *req = (const void *)in;
	med_db *db = med_service_db(med_service_from_call(call));
	uint32_t remaining = req->limit ? req->limit : QUERY_DEFAULT_LIMIT;
	audit_query_filter f;
	med_err err = check_query(call, req, &f);

	if (err != MED_OK)
		return err;
	if (req->patient_id[0] != '\0')
		med_call_set_patient(call, req->patient_id);
	while (remaining > 0) {
		size_t sent = 0;
		f.limit = remaining < QUERY_BATCH ? remaining : QUERY_BATCH;
		if ((err = send_batch(call, db, &f, &sent)) != MED_OK)
			return err;
		if (sent < f.limit)
			break;
		remaining -= (uint32_t)sent;
		if (med_call_is_cancelled(call))
			return MED_ERR_CANCELLED;
	}
	return MED_OK;
}

const med_method audit_methods[] = {
	{AUDIT_PATH("Query"), &smartmed__audit__v1__query_request__descriptor,
	 &smartmed__audit__v1__audit_record__descriptor, MED_RPC_SERVER_STREAM,
	 NULL, query, MED_ROLE_AUDITOR | MED_ROLE_ADMIN},
};
const size_t audit_n_methods = sizeof(audit_methods) / sizeof(audit_methods[0]);
