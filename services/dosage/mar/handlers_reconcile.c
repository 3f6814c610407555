/*
 * handlers_reconcile.c - ReconcileAudit: after a restore, the
 * administrations the audit log names that this database lost, and the
 * administrations it holds whose events the log lost (med/reconcile.h).
 * Administrations are the rows with the most weight (a dose given twice
 * because its charting vanished); other tables are not compared
 * (docs/operations.md, "What the loss report covers").
 */
#include <med/reconcile.h>

#include "dosage.h"

static const med_reconcile_table administrations = {
	.table = "administrations",
	.id_col = "id",
	.ms_col = "recorded_ms",
};

med_err
dosage_rpc_reconcile_audit(med_call *call, const ProtobufCMessage *in,
			   ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ReconcileAuditRequest *req =
		(const void *)in;
	Smartmed__Dosage__V1__ReconcileAuditResponse *resp = (void *)out;
	med_reconcile_result r;
	med_err err;

	err = med_reconcile_audit(call, &administrations, req->since_ms,
				  req->until_ms, req->audited_ids,
				  req->n_audited_ids, &r);
	if (err != MED_OK)
		return err;
	resp->absent_count = (uint32_t)r.absent_count;
	resp->absent_ids = r.absent;
	resp->n_absent_ids = r.n_absent;
	resp->unaudited_count = (uint32_t)r.unaudited_count;
	resp->unaudited_ids = r.unaudited;
	resp->n_unaudited_ids = r.n_unaudited;
	resp->rows_in_window = (uint32_t)r.rows_in_window;
	resp->audited_checked = (uint32_t)r.audited_checked;
	return MED_OK;
}
