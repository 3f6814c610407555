/*
 * rpc_call_api.c - what a handler asks of and tells its call (med/rpc.h's
 * med_call_*): arena, service data, database, caller, request id, the
 * patient (where the server's care hook decides), audit details, failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/audit.h>
#include <med/db.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "rpc_internal.h"

med_arena *
med_call_arena(med_call *call)
{
	return call->arena;
}

/* A local call (rpc_call_local.c) has no server: no data, no database. */
void *
med_call_data(med_call *call)
{
	return call->srv != NULL ? call->srv->opts.service_data : NULL;
}

med_db *
med_call_db(med_call *call)
{
	return call->srv != NULL ? call->srv->opts.db : NULL;
}

const med_principal *
med_call_principal(med_call *call)
{
	return &call->principal;
}

const char *
med_call_peer(med_call *call)
{
	return call->principal.peer;
}

bool
med_call_is_break_glass(med_call *call)
{
	return call->principal.break_glass;
}

void
med_call_mark_break_glass(med_call *call, const char *grant_id)
{
	/* The access event reads these three (access_event); the roles
	 * were settled before the handler ran, so nothing widens here. */
	med_strlcpy(call->bg.id, grant_id, sizeof(call->bg.id));
	call->principal.break_glass = true;
	call->purpose_of_use = "ETREAT";
}

const char *
med_call_request_id(med_call *call)
{
	return call->request_id;
}

const med_method *
med_call_method(med_call *call)
{
	return call->rm != NULL ? call->rm->m : NULL;
}

/*
 * care_in_tx reports a care decision made inside a transaction: it may ask
 * identity over the network while the transaction holds its row locks, so
 * one slow answer stalls every writer of those rows.  The handler must
 * name the patient before it opens the transaction
 * (docs/internals/care-decisions.md).  Counted per method in
 * smartmed_care_decisions_in_transaction_total, which the tests read.
 */
static void
care_in_tx(const med_call *call)
{
	med_db_report_in_tx("smartmed_care_decisions_in_transaction_total",
			    "care decisions made while a database transaction "
			    "was open (each a bug)",
			    call->rm->m->path, "care decision");
}

/*
 * Naming the patient is where the care relationship is decided, by the hook
 * the service installed (med_server_opts.care_decide).  A patient named
 * again (store code names it inside the write's transaction) was decided
 * already: no second question while the transaction holds its locks.
 */
void
med_call_set_patient(med_call *call, const char *patient_id)
{
	med_err (*decide)(med_call *, const char *, bool, char *, size_t);
	bool read;

	med_strlcpy(call->patient_id, patient_id ? patient_id : "",
		    sizeof(call->patient_id));
	/* A local call (no server, no method) has no care hook. */
	if (call->care_err != MED_OK || call->rm == NULL)
		return;
	decide = call->srv->opts.care_decide;
	if (decide == NULL)
		return;
	if (call->care_decided &&
	    strcmp(call->care_patient, call->patient_id) == 0)
		return;
	if (med_db_in_tx())
		care_in_tx(call);
	read = strcmp(med__rpc_action_code(call->rm->m),
		      MED_AUDIT_ACTION_READ) == 0;
	call->care_err = decide(call, call->patient_id, read, call->care_msg,
				sizeof(call->care_msg));
	call->care_decided = true;
	med_strlcpy(call->care_patient, call->patient_id,
		    sizeof(call->care_patient));
}

/* on_patient_row copies the first column of the one row into ctx. */
static med_err
on_patient_row(void *ctx, const med_db_row *row)
{
	const char *v = med_db_row_text(row, 0, NULL);

	med_strlcpy(ctx, v ? v : "", RPC_PATIENT_ID_MAX);
	return MED_OK;
}

med_err
med_call_name_patient_of(med_call *call, const char *sql, const char *id)
{
	char patient_id[RPC_PATIENT_ID_MAX] = "";
	med_db_value k[] = {MED_DB_STR(id)};
	med_err err = med_db_query_once(med_call_db(call), sql, k, 1,
					on_patient_row, patient_id);

	if (err == MED_OK && patient_id[0] != '\0')
		med_call_set_patient(call, patient_id);
	return err;
}

med_err
med_call_care_err(const med_call *call)
{
	return call->care_err;
}

med_err
med_call_add_detail(med_call *call, const char *key, const char *value)
{
	med_audit_detail *d;

	if (key == NULL || value == NULL || call->arena == NULL)
		return MED_ERR_INVALID;
	if (call->n_audit_details == MED_AUDIT_MAX_DETAILS)
		return MED_ERR_LIMIT;
	d = &call->audit_details[call->n_audit_details];
	d->key = med_arena_strdup(call->arena, key);
	d->value = med_arena_strdup(call->arena, value);
	if (d->key == NULL || d->value == NULL)
		return MED_ERR_NOMEM;
	call->n_audit_details++;
	return MED_OK;
}

void
med_call_add_details(med_call *call, const med_audit_detail *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (med_call_add_detail(call, d[i].key, d[i].value) != MED_OK)
			med_log_error("audit: detail %s of %s not recorded",
				      d[i].key, med__call_action(call));
}

med_err
med_call_fail(med_call *call, med_err err, const char *fmt, ...)
{
	va_list ap;

	call->fail_err = err;
	va_start(ap, fmt);
	vsnprintf(call->fail_msg, sizeof(call->fail_msg), fmt, ap);
	va_end(ap);
	return err;
}

med_err
med_call_fail_problem(med_call *call, const med_problem *p)
{
	if (p->field[0] == '\0')
		return med_call_fail(call, p->err, "%s", p->reason);
	return med_call_fail(call, p->err, "%s: %s", p->field, p->reason);
}
