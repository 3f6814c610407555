/*
 * db_group.c - group commit of concurrent transactions
 * (med_db_tx_audited_grouped): several calls' bodies in one transaction.
 *
 * A write's transaction costs START TRANSACTION and COMMIT, two round
 * trips and a durable log flush, beside its own statements.  When calls
 * write at once, one transaction can carry all their bodies and commit
 * them together.
 *
 * The first grouped transaction that finds no group taking members opens
 * one and leads it: it takes a connection, begins and runs its own body.
 * Those that arrive meanwhile join the group (up to DB_GROUP_MAX) and
 * wait.  Once its own body has run, the leader closes the group and hands
 * the connection to each member in turn; a member runs its body on its
 * own thread, so its thread's state (the call it serves, the request id
 * in its log lines) stays its own.  Then one COMMIT for all.
 *
 * Each call stays one transaction from its client's view.  Should any body
 * fail, the leader rolls the group back at once (no later body runs: after
 * a server-side abort its statements would commit one by one) and every
 * member, the failed one too, runs again in a transaction of its own, as
 * med_db_tx runs it: a member's outcome is only ever its own
 * transaction's or that of a group that committed as a whole.  A failed
 * COMMIT is every member's outcome, as for a single transaction (in doubt,
 * or MED_ERR_CONFLICT, which med_db_tx's loop runs again alone).  A group
 * of one is a plain transaction.  Savepoints would keep the others' rows
 * when one fails, but cost a statement per member on every call to save
 * work only on a rare failure.
 */
#include "db_internal.h"

/* Members a group takes besides its leader. */
#define DB_GROUP_MAX 8

enum member_state {
	MEMBER_WAITING, /* queued in the group */
	MEMBER_TURN,	/* the connection is its: run the body */
	MEMBER_RAN,	/* the body ran: its result is in err */
	MEMBER_DONE	/* the outcome is in err (or alone) */
};

typedef struct group_member {
	med_db_tx_fn fn;
	void *ctx;
	db_group *group;
	med_db_conn *conn; /* set with MEMBER_TURN */
	med_err err;
	bool alone; /* MEMBER_DONE: the group rolled back, run again alone */
	enum member_state state;
	pthread_cond_t cv;
	struct group_member *next;
} group_member;

struct db_group {
	group_member *first, **last;
	int n;
	pthread_cond_t cv; /* the leader waits here for a member's body */
};

/* group_join queues a member in q's open group and waits for its end;
 * q->mu held on entry, released on return. */
static bool
group_join(db_group_queue *q, med_db_tx_fn fn, void *ctx, med_err *err)
{
	group_member m = {.fn = fn, .ctx = ctx, .group = q->open};

	/* m lives on this stack while queued: the leader is done with it
	 * once it is MEMBER_DONE, before this returns. */
	pthread_cond_init(&m.cv, NULL);
	*m.group->last = &m;
	m.group->last = &m.next;
	m.group->n++;
	while (m.state != MEMBER_DONE) {
		if (m.state != MEMBER_TURN) {
			pthread_cond_wait(&m.cv, &q->mu);
			continue;
		}
		pthread_mutex_unlock(&q->mu);
		m.err = m.fn(m.conn, m.ctx);
		pthread_mutex_lock(&q->mu);
		m.state = MEMBER_RAN;
		pthread_cond_signal(&m.group->cv);
	}
	pthread_mutex_unlock(&q->mu);
	pthread_cond_destroy(&m.cv);
	*err = m.err;
	return !m.alone;
}

/* run_member hands c to m and waits for its body's result. */
static med_err
run_member(db_group_queue *q, group_member *m, med_db_conn *c)
{
	med_err err;

	pthread_mutex_lock(&q->mu);
	m->conn = c;
	m->state = MEMBER_TURN;
	pthread_cond_signal(&m->cv);
	while (m->state != MEMBER_RAN)
		pthread_cond_wait(&m->group->cv, &q->mu);
	err = m->err;
	pthread_mutex_unlock(&q->mu);
	return err;
}

/* finish_members gives every member its outcome: err, or alone. */
static void
finish_members(db_group_queue *q, db_group *g, med_err err, bool alone)
{
	pthread_mutex_lock(&q->mu);
	for (group_member *m = g->first; m != NULL; m = m->next) {
		m->err = err;
		m->alone = alone;
		m->state = MEMBER_DONE;
		pthread_cond_signal(&m->cv);
	}
	pthread_mutex_unlock(&q->mu);
}

/* group_close stops g taking members: its list is final after this. */
static void
group_close(db_group_queue *q, db_group *g)
{
	pthread_mutex_lock(&q->mu);
	if (q->open == g)
		q->open = NULL;
	pthread_mutex_unlock(&q->mu);
}

/* group_lead opens a group on q, runs it and commits it; q->mu held on
 * entry, released on return.  False: fn must run again alone. */
static bool
group_lead(db_group_queue *q, med_db *db, med_db_tx_fn fn, void *ctx,
	   med_err *out)
{
	db_group g = {.last = &g.first};
	med_db_conn *c = NULL;
	bool lead_ok, members_ok;
	med_err err;

	/* g lives on this stack while open: group_close unlinks it before
	 * this returns, and its members end before it does. */
	pthread_cond_init(&g.cv, NULL);
	q->open = &g; // cppcheck-suppress autoVariables
	pthread_mutex_unlock(&q->mu);
	err = med_db_acquire(db, &c);
	if (err == MED_OK && (err = med_db_begin(c)) == MED_OK)
		err = fn(c, ctx);
	group_close(q, &g);
	/* The leader's body ran first, alone in the transaction: its
	 * failure is its own, as in a transaction of its own. */
	lead_ok = err == MED_OK;
	for (group_member *m = g.first; m != NULL && err == MED_OK; m = m->next)
		err = run_member(q, m, c);
	/* The bodies' deferred rows (med_db_exec_deferred), several per
	 * statement: their failure is the group's, not the commit's. */
	if (err == MED_OK && g.n > 0)
		err = med__db_deferred_flush(c);
	members_ok = err == MED_OK;
	if (c != NULL)
		err = med__db_tx_end(c, err);
	/* A body failed: nothing stands, and every body that was not the
	 * first to run, or did not run, runs again alone. */
	finish_members(q, &g, err, !members_ok);
	pthread_cond_destroy(&g.cv);
	*out = err;
	return !lead_ok || members_ok;
}

bool
med__db_group_tx(db_group_queue *q, med_db *db, med_db_tx_fn fn, void *ctx,
		 med_err *err)
{
	pthread_mutex_lock(&q->mu);
	if (q->open != NULL && q->open->n < DB_GROUP_MAX)
		return group_join(q, fn, ctx, err);
	return group_lead(q, db, fn, ctx, err);
}
