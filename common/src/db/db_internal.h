/*
 * db_internal.h - what the files of the database module share beyond
 * med/db.h: the group commit of concurrent transactions (db_group.c), the
 * end of one transaction (db.c) and the thread's request to group
 * (db_call.c).  Nothing outside common/src/db includes it.
 */
#ifndef MED_DB_INTERNAL_H
#define MED_DB_INTERNAL_H

#include <med/db.h>

#include <pthread.h>
#include <stdbool.h>

typedef struct db_group db_group;

/* db_group_queue - the group a grouped transaction on one med_db may
 * join (the one still taking members, or NULL); per med_db. */
typedef struct db_group_queue {
	pthread_mutex_t mu;
	db_group *open;
} db_group_queue;

/*
 * med__db_tx_end ends the transaction that fn's run left on c: commits
 * when err is MED_OK, else rolls back (asking first whether the server
 * had already aborted it: MED_ERR_CONFLICT then), and releases c.
 * Returns the transaction's outcome.
 */
med_err med__db_tx_end(med_db_conn *c, med_err err);

/* med__db_deferred_flush sends c's deferred writes (med_db_exec_deferred)
 * now, several rows of one statement in one round trip. */
med_err med__db_deferred_flush(med_db_conn *c);

/* med__db_tx_group_take says whether this thread asked for its next
 * transaction to be grouped (med_db_tx_audited_grouped), and forgets
 * the request: a transaction run inside fn is never grouped. */
bool med__db_tx_group_take(void);

/*
 * med__db_group_tx runs fn in a transaction it may share with concurrent
 * grouped transactions on db (one commit for all).  Returns true with
 * *err the outcome, as med_db_tx's single run would give it, or false
 * when fn must run again in a transaction of its own: the group was
 * rolled back because one member failed, so nothing of fn's run stands.
 */
bool med__db_group_tx(db_group_queue *q, med_db *db, med_db_tx_fn fn, void *ctx,
		      med_err *err);

#endif
