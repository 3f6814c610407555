/*
 * sync.h - keeping every replica's face index in step: the change log
 * written with each template change (sync.c) and the index's catch-up
 * (index.c).  docs/internals/identity.md "Face index across replicas".
 */
#ifndef IDENTITY_SYNC_H
#define IDENTITY_SYNC_H

#include "face.h"
#include "sync_plan.h"

/* Changes read per query while catching up. */
#define IDENTITY_SYNC_BATCH 512
/* Change-log rows older than this are pruned; a replica further behind
 * (cut off from the database that long) reloads its index instead. */
#define IDENTITY_CHANGES_KEEP_MS (24LL * 3600 * 1000)
/* How often each replica's poller prunes the log. */
#define IDENTITY_CHANGES_PRUNE_EVERY_MS (10LL * 60 * 1000)
/* Templates read per query by a full load (keyset pages): the client
 * holds one page of rows, about 0.7 KB each, at a time. */
#define IDENTITY_LOAD_PAGE 4096
/* The background first load's first retry after a failure; each retry
 * waits twice the last, up to IDENTITY_SYNC_RELOAD_RETRY_MS. */
#define IDENTITY_LOAD_RETRY_MIN_MS 2000
/* How often the first load asks whether it may begin (the schema is
 * migrated). */
#define IDENTITY_LOAD_WAIT_MS 200
/* How often a poller retries a load that failed (a cold replica). */
#define IDENTITY_SYNC_RELOAD_RETRY_MS (60LL * 1000)

/*
 * identity_changes_record appends "patient_id's templates changed" (op "enrol"
 * or "erase", n_templates rows) to the change log inside c's open
 * transaction, taking the next seq from the counter row.  The row lock
 * is held until commit, so seqs are dense and in commit order.
 */
med_err identity_changes_record(med_db_conn *c, const char *patient_id,
				const char *op, uint32_t n_templates,
				int64_t now_ms) MED_MUST_CHECK;

/* identity_changes_clock reads the counter: the seq of the newest change. */
med_err identity_changes_clock(med_db *db, int64_t *clock) MED_MUST_CHECK;

/*
 * identity_changes_after reads the counter and up to max changes with seq >
 * after (oldest first) in one statement, so that both come from the same
 * read view.
 */
med_err identity_changes_after(med_db *db, int64_t after, identity_change *out,
			       size_t max, size_t *n,
			       int64_t *clock) MED_MUST_CHECK;

/* identity_changes_prune deletes changes older than before_ms; *n the count. */
med_err identity_changes_prune(med_db *db, int64_t before_ms,
			       uint64_t *n) MED_MUST_CHECK;

/*
 * identity_index_watch ties ix to the database and the face state (for
 * decryption) and starts its poller, which catches up every interval_ms
 * (0 = no poller: catch-ups happen only before searches).
 */
med_err identity_index_watch(identity_index *ix, med_db *db, identity_face *f,
			     int64_t interval_ms) MED_MUST_CHECK;

/*
 * identity_index_sync brings a loaded ix up to date with the change log now (a
 * full load when the log cannot); a cold ix is left for its first search
 * or its poller to load.  identity_index_search catches up the same way first.
 * Errors: database errors, MED_ERR_DATA_LOSS (a template does not
 * decrypt), MED_ERR_NOMEM.  On error ix keeps what it had.
 */
med_err identity_index_sync(identity_index *ix) MED_MUST_CHECK;

#endif
