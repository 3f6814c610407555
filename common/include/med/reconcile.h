/*
 * reconcile.h - after a database restore, what a service's rows and the
 * audit log's events say about each other (docs/operations.md,
 * "Restore"): the ids the log names that the table no longer holds (writes
 * the restore lost) and the rows of a window that no event names (events
 * the restore lost).  medctl audit loss-report reads the log and asks each
 * service with its ReconcileAudit RPC.
 */
#ifndef MED_RECONCILE_H
#define MED_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include <med/err.h>
#include <med/rpc.h>

/* The most audited ids one request may name, and the most ids of each
 * list a reply carries (the counts are always whole). */
#define MED_RECONCILE_MAX_IDS	 50000
#define MED_RECONCILE_MAX_LISTED 1000
/* The most rows of the window one request reads. */
#define MED_RECONCILE_MAX_ROWS 500000

/* med_reconcile_table - where a service keeps the rows its events name.
 * Constant SQL names, never input. */
typedef struct med_reconcile_table {
	const char *table;  /* "administrations" */
	const char *id_col; /* "id": a UUID column */
	const char *ms_col; /* "recorded_ms": when the row was written */
	/* NULL, or a condition ANDed to the window's scan: rows whose
	 * events name no id, left out ("id NOT IN (SELECT ...)"). */
	const char *window_where;
} med_reconcile_table;

/* med_reconcile_result - the two lists (in the call's arena), sorted, at
 * most MED_RECONCILE_MAX_LISTED each, and the whole counts. */
typedef struct med_reconcile_result {
	size_t absent_count, n_absent;
	char **absent;
	size_t unaudited_count, n_unaudited;
	char **unaudited;
	size_t rows_in_window, audited_checked;
} med_reconcile_result;

/*
 * med_reconcile_audit compares ids[0..n_ids) (the ids of the window's
 * audit events) with table t in one read transaction: out->absent holds
 * the ids t lacks, out->unaudited the ids of rows written in [since_ms,
 * until_ms) that ids lacks.  The counts go on the call's audit event.
 * Errors (the call failed naming the field): MED_ERR_INVALID (since_ms,
 * until_ms, audited_ids: not a UUID or more than MED_RECONCILE_MAX_IDS),
 * MED_ERR_LIMIT (more than MED_RECONCILE_MAX_ROWS rows in the window),
 * the database's errors, MED_ERR_NOMEM.
 */
med_err med_reconcile_audit(med_call *call, const med_reconcile_table *t,
			    int64_t since_ms, int64_t until_ms,
			    char *const *ids, size_t n_ids,
			    med_reconcile_result *out) MED_MUST_CHECK;

#endif
