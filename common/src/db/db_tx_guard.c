/*
 * db_tx_guard.c - the invariant "no wait on another process inside a
 * transaction", where libmed enforces it.
 *
 * A transaction's row locks are held until it commits, so anything that
 * may wait on another process while they are held (an outbound gRPC call,
 * an HTTP fetch, a patient lookup or care decision that may ask identity)
 * stalls every other writer of those rows for as long as the peer takes.
 * Such work is done before the transaction opens.  The places that may
 * wait ask med_db_in_tx() (a per-thread depth kept by med_db_tx, which
 * med_call_tx runs) and, when it is true, report here:
 *
 *   - med_channel_unary and med_channel_server_stream (rpc_client.c);
 *   - the patient contract (contracts/patients.c), on every entry, also
 *     when its answer would come from the cache or the check is off;
 *   - the care decision of med_call_set_patient (rpc_call_api.c);
 *   - the HTTP fetches: the JWKS refresh (auth/jwks_fetch.c) and
 *     diagnosis's PACS (services/diagnosis/pacs.c).
 *
 * A report counts the metric it names, logs an error naming what and
 * where, and in a build with MED_DEBUG_TX (test_db_debug_tx, or make
 * EXTRA_CFLAGS=-DMED_DEBUG_TX) aborts: the debug assertion.  A release
 * build, and the test stacks, log and count rather than abort: a stalled
 * write is better than a lost one on a ward, and the pytest harness fails
 * any stack whose services logged the line (tests/harness/stack.py).
 *
 * Limits: only med_db_tx counts depth, so a transaction opened by hand
 * with med_db_begin is not seen; and only the places listed above ask.
 */
#include <med/db.h>
#include <med/log.h>
#include <med/metrics.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
med_db_report_in_tx(const char *counter, const char *help, const char *where,
		    const char *what)
{
	const char *name = strrchr(where, '/');
	char labels[160];
	med_counter *c;

	snprintf(labels, sizeof(labels), "method=\"%s\"",
		 name ? name + 1 : where);
	c = med_metrics_counter(med_metrics_lib(), counter, help, labels);
	if (c != NULL)
		med_counter_add(c, 1);
	med_log_error("%s inside a database transaction (%s): %s", what, where,
		      "move it before the transaction opens");
#ifdef MED_DEBUG_TX
	/* The debug assertion: a build for finding these stops here, with
	 * the log line above saying where. */
	abort();
#endif
}

void
med_db_outside_tx(const char *where, const char *what)
{
	if (med_db_in_tx())
		med_db_report_in_tx(MED_DB_OUT_IN_TX,
				    "outbound calls (gRPC, HTTP, patient "
				    "lookups) made while a database "
				    "transaction was open (each a bug)",
				    where, what);
}
