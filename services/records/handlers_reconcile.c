/*
 * handlers_reconcile.c - ReconcileAudit: after a restore, the entries the
 * audit log names that this database lost, and the entries it holds whose
 * events the log lost (med/reconcile.h).  Every write of an entry names it
 * in its event ("entry_id": write.c's use cases, a confirmed suggestion's
 * allergy) except a device reading's, whose one event covers up to 100
 * entries: those (device_readings) are left out of the window.
 */
#include <med/reconcile.h>

#include "records.h"

static const med_reconcile_table entries = {
	.table = "entries",
	.id_col = "entry_id",
	.ms_col = "created_ms",
	.window_where = "entry_id NOT IN (SELECT entry_id FROM "
			"device_readings)",
};

med_err
records_rpc_reconcile_audit(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ReconcileAuditRequest *req =
		(const void *)in;
	Smartmed__Records__V1__ReconcileAuditResponse *resp = (void *)out;
	med_reconcile_result r;
	med_err err;

	err = med_reconcile_audit(call, &entries, req->since_ms, req->until_ms,
				  req->audited_ids, req->n_audited_ids, &r);
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
