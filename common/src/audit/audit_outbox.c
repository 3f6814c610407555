/*
 * audit_outbox.c - the transactional outbox of write events and its relay.
 *
 * A write's audit event is a row of med_audit_outbox in the service's own
 * database, inserted in the write's transaction: the row and its event
 * commit together or not at all, whatever the state of the spool's disk or
 * of the audit service.  The relay thread reads committed rows in id order,
 * appends their bytes to the durable spool (one group commit per batch) and
 * only then deletes them.  A crash between the two leaves the rows, which
 * are spooled again with the same event ids; the audit service stores each
 * event id once, so delivery stays exactly-once.
 *
 * A call that ends OK spools its committed event itself and then marks the
 * row's id in its relay's set of rows already spooled
 * (med_audit_outbox_spooled).  The relay deletes a marked row without
 * spooling it again, and forgets the mark only once that deletion has
 * committed: a rolled-back batch finds its marks again, and a mark lost
 * (set full, process restarted, another replica's relay) only costs a
 * second copy.  A row is never deleted unspooled: it is either marked by
 * the call that spooled it or spooled by the relay in the same transaction
 * as its deletion.  Marks name a row id of one database, so a relay keeps
 * the marks of its own med_db only; marks older than a minute are dropped
 * (their row went another way).
 *
 * Replicas of a service share the outbox.  Each relay locks the rows it
 * takes (SKIP LOCKED), so two replicas on one server never spool the same
 * row.  On a Galera cluster row locks hold on one node only: relays on
 * different nodes that took the same oldest rows all deleted them, and
 * all but the first lost certification and ran again (issue 54: the most
 * frequent conflict of the ward day on three nodes).  So a relay takes
 * the rows inserted through its own node, told by their id: Galera
 * hands each node the ids with its own remainder (wsrep_auto_increment_
 * control: auto_increment_increment is the cluster's size, the offset
 * the node's place), and on one server every id qualifies.  A row no
 * relay of its node has taken within OUTBOX_ORPHAN_MS (its node or its
 * replicas are down, or the cluster changed size) is taken by any relay;
 * a row two nodes' relays both took is still kept once by the audit
 * service.  The relay reads the due ids without locks and then locks
 * those rows by id, so that it holds no lock on other nodes' rows or on
 * the gaps new rows go into (batch_lock).
 *
 * Rows are deleted by their exact ids, never by a range: ids from
 * AUTO_INCREMENT commit out of order under concurrency, and a range could
 * delete a row that became visible after the batch was read.
 */
#include <med/audit.h>
#include <med/db.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTBOX_BATCH	  128
#define OUTBOX_TEXT(x)	  #x
#define OUTBOX_SQL_INT(x) OUTBOX_TEXT(x) /* a macro's value in SQL text */
/* Ids per DELETE: one statement may bind MED_DB_MAX_PARAMS values. */
#define OUTBOX_DELETE_CHUNK MED_DB_MAX_PARAMS
/* A relay that keeps failing says so again this often (ms). */
#define OUTBOX_WARN_EVERY_MS 60000
#define OUTBOX_POLL_MS	     50
/* The longest a relay sleeps while no row is due (ms): a row becomes due
 * OUTBOX_GRACE_MS after its commit, so an idle relay that looks once a
 * second relays it at most this late, and an idle service commits about
 * one relay transaction a second instead of twenty (issue 54). */
#define OUTBOX_IDLE_MS	1000
#define OUTBOX_RETRY_MS 1000
/* How long a committed event is left to its own call before the relay
 * sends the committed copy (ms). */
#define OUTBOX_GRACE_MS 3000
/* How long a committed event waits for a relay on the node it was
 * inserted through before any relay takes it (ms). */
#define OUTBOX_ORPHAN_MS   30000
#define OUTBOX_DELETE_HEAD "DELETE FROM med_audit_outbox WHERE id IN ("
#define OUTBOX_LOCK_HEAD   "SELECT id, event FROM med_audit_outbox WHERE id IN ("
#define OUTBOX_LOCK_TAIL   ") ORDER BY id FOR UPDATE SKIP LOCKED"
/* Slots of the set of rows spooled by their call (a power of two); at most
 * half hold a mark, which covers the grace at ~2,700 writes a second. */
#define OUTBOX_MARK_SLOTS  16384
#define OUTBOX_MARK_TTL_MS 60000

static const char outbox_ddl[] =
	"CREATE TABLE IF NOT EXISTS med_audit_outbox ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" event MEDIUMBLOB NOT NULL,"
	" created_ms BIGINT NOT NULL"
	") ENGINE=InnoDB" MED_DB_BIN;

/* outbox_mark - an outbox row its own call spooled; id 0 is a free slot
 * (AUTO_INCREMENT starts at 1). */
typedef struct outbox_mark {
	uint64_t id;
	int64_t at_ms;
} outbox_mark;

/* outbox_marks - an open-addressed set of marks (linear probing). */
typedef struct outbox_marks {
	pthread_mutex_t mu;
	outbox_mark slot[OUTBOX_MARK_SLOTS];
	size_t n;
	int64_t expired_ms; /* when old marks were last dropped */
} outbox_marks;

struct med_audit_relay {
	med_db *db;
	med_audit *audit;
	med_gauge *depth, *due, *oldest_age_s;
	med_counter *relayed, *already; /* rows spooled here, rows skipped */
	med_counter *failures;		/* relay runs that moved nothing */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stopping;
	outbox_marks marks;
	med_audit_relay *next; /* in the registry of running relays */
};

/* outbox_batch - rows read from the outbox, owned copies. */
typedef struct outbox_batch {
	uint64_t id[OUTBOX_BATCH];
	uint8_t *event[OUTBOX_BATCH];
	size_t len[OUTBOX_BATCH];
	bool spooled[OUTBOX_BATCH]; /* marked by its call: skip the spool */
	size_t n, n_spooled;
} outbox_batch;

/*
 * The running relays, by database.  A call knows the database its event
 * went to, not the relay that moves that database's rows, so this list
 * connects the two (one relay per med_db; a second for the same med_db
 * gets no marks).
 */
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static med_audit_relay *registry;

med_err
med_audit_outbox_migrate(med_db *db)
{
	med_err err = med_db_exec_once(db, outbox_ddl, NULL, 0, NULL, NULL);

	if (err == MED_OK)
		err = med_db_table_bin_once(db, "med_audit_outbox");
	if (err != MED_OK)
		med_log_error("audit: cannot create med_audit_outbox: %s",
			      med_strerror(err));
	return err;
}

med_err
med_audit_outbox_put(med_db_conn *c, med_audit *a, const med_audit_event *ev,
		     uint64_t *row_id)
{
	uint8_t *bytes;
	size_t len;
	uint64_t id = 0;
	med_err err = med_audit_encode(a, ev, &bytes, &len);
	med_db_value v[2];

	if (err != MED_OK)
		return err;
	v[0] = MED_DB_BLOBV(bytes, len);
	v[1] = MED_DB_I64(med_now_ms());
	err = med_db_exec(c,
			  "INSERT INTO med_audit_outbox (event, created_ms) "
			  "VALUES (?, ?)",
			  v, 2, NULL, &id);
	free(bytes);
	if (err == MED_OK && row_id != NULL)
		*row_id = id;
	return err;
}

/* --- the set of rows spooled by their call --------------------------- */

static size_t
mark_home(uint64_t id)
{
	/* Fibonacci hashing: consecutive ids land far apart. */
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) &
	       (OUTBOX_MARK_SLOTS - 1);
}

/* mark_find returns id's slot, or the free slot that ends its probe. */
static size_t
mark_find(const outbox_marks *m, uint64_t id)
{
	size_t i = mark_home(id);

	while (m->slot[i].id != 0 && m->slot[i].id != id)
		i = (i + 1) & (OUTBOX_MARK_SLOTS - 1);
	return i;
}

/* mark_lies_between: is home h cyclically in (free, i]? */
static bool
mark_lies_between(size_t h, size_t free_slot, size_t i)
{
	return free_slot <= i ? free_slot < h && h <= i
			      : free_slot < h || h <= i;
}

/*
 * mark_remove_at empties slot i and moves later marks of the same probe
 * run back (no tombstones, so lookups never slow down with age).
 */
static void
mark_remove_at(outbox_marks *m, size_t i)
{
	size_t free_slot = i;

	m->n--;
	for (;;) {
		i = (i + 1) & (OUTBOX_MARK_SLOTS - 1);
		if (m->slot[i].id == 0)
			break;
		if (mark_lies_between(mark_home(m->slot[i].id), free_slot, i))
			continue;
		m->slot[free_slot] = m->slot[i];
		free_slot = i;
	}
	m->slot[free_slot].id = 0;
}

/* marks_expire drops marks older than the TTL, once a second at most. */
static void
marks_expire(outbox_marks *m, int64_t now_ms)
{
	pthread_mutex_lock(&m->mu);
	if (m->n > 0 && now_ms - m->expired_ms >= 1000) {
		m->expired_ms = now_ms;
		/* i stays put after a removal: a later mark moved into it. */
		for (size_t i = 0; i < OUTBOX_MARK_SLOTS;)
			if (m->slot[i].id != 0 &&
			    now_ms - m->slot[i].at_ms > OUTBOX_MARK_TTL_MS)
				mark_remove_at(m, i);
			else
				i++;
	}
	pthread_mutex_unlock(&m->mu);
}

/* marks_take_batch flags the rows of b whose call spooled them. */
static void
marks_take_batch(outbox_marks *m, outbox_batch *b)
{
	b->n_spooled = 0;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < b->n; i++) {
		b->spooled[i] = m->slot[mark_find(m, b->id[i])].id != 0;
		b->n_spooled += b->spooled[i];
	}
	pthread_mutex_unlock(&m->mu);
}

/* marks_forget_batch drops the marks of b's rows; after their deletion
 * committed, never before. */
static void
marks_forget_batch(outbox_marks *m, const outbox_batch *b)
{
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < b->n; i++) {
		size_t s;

		if (!b->spooled[i])
			continue;
		s = mark_find(m, b->id[i]);
		if (m->slot[s].id != 0)
			mark_remove_at(m, s);
	}
	pthread_mutex_unlock(&m->mu);
}

/* marks_add records id; a full set records nothing (the relay then
 * spools the row again, which is harmless). */
static void
marks_add(outbox_marks *m, uint64_t id, int64_t now_ms)
{
	size_t s;

	pthread_mutex_lock(&m->mu);
	s = mark_find(m, id);
	if (m->slot[s].id == 0 && m->n < OUTBOX_MARK_SLOTS / 2) {
		m->slot[s] = (outbox_mark){id, now_ms};
		m->n++;
	}
	pthread_mutex_unlock(&m->mu);
}

void
med_audit_outbox_spooled(med_db *db, uint64_t row_id)
{
	med_audit_relay *r;

	if (db == NULL || row_id == 0)
		return;
	pthread_mutex_lock(&registry_mu);
	for (r = registry; r != NULL && r->db != db; r = r->next)
		;
	if (r != NULL)
		marks_add(&r->marks, row_id, med_now_ms());
	pthread_mutex_unlock(&registry_mu);
}

/* --- the relay ---------------------------------------------------------- */

static void
batch_clear(outbox_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->event[i]);
	b->n = 0;
}

static med_err
batch_row(void *ctx, const med_db_row *row)
{
	outbox_batch *b = ctx;
	size_t len = 0;
	const char *p = med_db_row_text(row, 1, &len);

	if (b->n == OUTBOX_BATCH || p == NULL || len == 0)
		return MED_ERR_INTERNAL;
	if ((b->event[b->n] = malloc(len)) == NULL)
		return MED_ERR_NOMEM;
	memcpy(b->event[b->n], p, len);
	b->len[b->n] = len;
	b->id[b->n] = (uint64_t)med_db_row_int64(row, 0);
	b->n++;
	return MED_OK;
}

static char delete_sql[sizeof(OUTBOX_DELETE_HEAD) + 2 * OUTBOX_DELETE_CHUNK];
static pthread_once_t delete_sql_once = PTHREAD_ONCE_INIT;

/* delete_sql_make writes the DELETE of OUTBOX_DELETE_CHUNK ids: one
 * statement text, so one prepared statement serves every chunk. */
static void
delete_sql_make(void)
{
	size_t off = strlen(OUTBOX_DELETE_HEAD);

	memcpy(delete_sql, OUTBOX_DELETE_HEAD, off);
	for (size_t i = 0; i < OUTBOX_DELETE_CHUNK; i++) {
		if (i > 0)
			delete_sql[off++] = ',';
		delete_sql[off++] = '?';
	}
	delete_sql[off++] = ')';
	delete_sql[off] = '\0';
}

/*
 * batch_delete removes exactly the rows of b, OUTBOX_DELETE_CHUNK ids per
 * statement; a short chunk repeats its first id (deleting a row twice in
 * one IN list deletes it once).
 */
static med_err
batch_delete(med_db_conn *c, const outbox_batch *b)
{
	med_db_value v[OUTBOX_DELETE_CHUNK];
	med_err err = MED_OK;

	MED_DB_PARAMS_FIT(OUTBOX_DELETE_CHUNK);
	pthread_once(&delete_sql_once, delete_sql_make);
	for (size_t at = 0; at < b->n && err == MED_OK;
	     at += OUTBOX_DELETE_CHUNK) {
		for (size_t i = 0; i < OUTBOX_DELETE_CHUNK; i++) {
			size_t k = at + i < b->n ? at + i : at;
			v[i] = MED_DB_I64((int64_t)b->id[k]);
		}
		err = med_db_exec(c, delete_sql, v, OUTBOX_DELETE_CHUNK, NULL,
				  NULL);
	}
	return err;
}

/* relay_tx - one batch moved in one transaction. */
typedef struct relay_tx {
	med_audit_relay *r;
	outbox_batch b;
	uint64_t due[OUTBOX_BATCH]; /* the ids read without locks */
	size_t n_due;
} relay_tx;

static med_err
due_row(void *ctx, const med_db_row *row)
{
	relay_tx *t = ctx;

	if (t->n_due == OUTBOX_BATCH)
		return MED_ERR_INTERNAL;
	t->due[t->n_due++] = (uint64_t)med_db_row_int64(row, 0);
	return MED_OK;
}

static char lock_sql[sizeof(OUTBOX_LOCK_HEAD) + 2 * OUTBOX_DELETE_CHUNK +
		     sizeof(OUTBOX_LOCK_TAIL)];
static pthread_once_t lock_sql_once = PTHREAD_ONCE_INIT;

/* lock_sql_make writes the locking read of OUTBOX_DELETE_CHUNK ids. */
static void
lock_sql_make(void)
{
	size_t off = strlen(OUTBOX_LOCK_HEAD);

	memcpy(lock_sql, OUTBOX_LOCK_HEAD, off);
	for (size_t i = 0; i < OUTBOX_DELETE_CHUNK; i++) {
		if (i > 0)
			lock_sql[off++] = ',';
		lock_sql[off++] = '?';
	}
	memcpy(lock_sql + off, OUTBOX_LOCK_TAIL, sizeof(OUTBOX_LOCK_TAIL));
}

/*
 * batch_lock reads the due rows of t by their ids and locks them, skipping
 * those another relay holds (a row deleted meanwhile is not returned);
 * a short chunk repeats its first id.  Reading by primary key locks those
 * rows only: a locking scan in id order would also lock (next-key) the
 * other nodes' rows it passes and the gaps between them, and every
 * delete or insert of theirs that a node applied then aborted this
 * transaction (issue 54).
 */
static med_err
batch_lock(med_db_conn *c, relay_tx *t)
{
	med_db_value v[OUTBOX_DELETE_CHUNK];
	med_err err = MED_OK;

	MED_DB_PARAMS_FIT(OUTBOX_DELETE_CHUNK);
	pthread_once(&lock_sql_once, lock_sql_make);
	for (size_t at = 0; at < t->n_due && err == MED_OK;
	     at += OUTBOX_DELETE_CHUNK) {
		for (size_t i = 0; i < OUTBOX_DELETE_CHUNK; i++) {
			size_t k = at + i < t->n_due ? at + i : at;
			v[i] = MED_DB_I64((int64_t)t->due[k]);
		}
		err = med_db_query(c, lock_sql, v, OUTBOX_DELETE_CHUNK,
				   batch_row, &t->b);
	}
	return err;
}

/* batch_spool spools the rows of b that no call has spooled already. */
static med_err
batch_spool(med_audit *a, const outbox_batch *b)
{
	const uint8_t *evs[OUTBOX_BATCH];
	size_t lens[OUTBOX_BATCH], n = 0;

	for (size_t i = 0; i < b->n; i++) {
		if (b->spooled[i])
			continue;
		evs[n] = b->event[i];
		lens[n++] = b->len[i];
	}
	return n == 0 ? MED_OK : med_audit_emit_encoded(a, evs, lens, n);
}

/*
 * relay_tx_body locks the oldest rows no other relay holds, spools those
 * their call did not, deletes them all; a spool that fails rolls the
 * deletion back.  A call that ends normally spools its own event (the
 * same id) in the order of the calls and marks its row; the relay takes
 * only rows older than that takes, and spools the unmarked ones: the
 * events of calls whose spool failed or whose process died, or whose mark
 * was not kept.  A copy sent twice is kept once by the audit service.
 */
static med_err
relay_tx_body(med_db_conn *c, void *arg)
{
	relay_tx *t = arg;
	int64_t now = med_now_ms();
	med_db_value p[] = {MED_DB_I64(now - OUTBOX_GRACE_MS),
			    MED_DB_I64(now - OUTBOX_ORPHAN_MS)};
	med_err err;

	batch_clear(&t->b); /* a re-run after a conflict starts afresh */
	t->n_due = 0;
	/* The ids first, without locks; then those rows, locked. */
	err = med_db_query(
		c,
		"SELECT id FROM med_audit_outbox"
		" WHERE created_ms < ? AND (id % @@auto_increment_increment ="
		" @@auto_increment_offset % @@auto_increment_increment"
		" OR created_ms < ?) ORDER BY id"
		" LIMIT " OUTBOX_SQL_INT(OUTBOX_BATCH),
		p, 2, due_row, t);
	if (err != MED_OK || t->n_due == 0 ||
	    (err = batch_lock(c, t)) != MED_OK || t->b.n == 0)
		return err;
	marks_take_batch(&t->r->marks, &t->b);
	err = batch_spool(t->r->audit, &t->b);
	return err == MED_OK ? batch_delete(c, &t->b) : err;
}

/* relay_once moves one batch; *moved is how many rows it moved. */
static med_err
relay_once(med_audit_relay *r, size_t *moved)
{
	relay_tx t = {.r = r, .b = {.n = 0}};
	med_err err = med_db_tx(r->db, relay_tx_body, &t);

	*moved = err == MED_OK ? t.b.n : 0;
	if (err == MED_OK && t.b.n > 0) {
		/* The deletion committed: the marks have done their work. */
		marks_forget_batch(&r->marks, &t.b);
		med_counter_add(r->relayed, t.b.n - t.b.n_spooled);
		med_counter_add(r->already, t.b.n_spooled);
	}
	batch_clear(&t.b);
	return err;
}

/* outbox_state - what the gauges show of the outbox. */
typedef struct outbox_state {
	int64_t rows, due, oldest_ms;
} outbox_state;

static med_err
state_row(void *ctx, const med_db_row *row)
{
	outbox_state *st = ctx;

	st->rows = med_db_row_int64(row, 0);
	st->due = med_db_row_int64(row, 1);
	st->oldest_ms = med_db_row_int64(row, 2);
	return MED_OK;
}

/*
 * relay_wait_ms is how long the relay may sleep after a run that left the
 * outbox in state st: a short poll while rows are due (another replica's
 * relay may hold them), else until the oldest row's grace ends, at most
 * OUTBOX_IDLE_MS.  A row committed during the sleep is due only after its
 * grace, so sleeping longer than a poll never holds back a due row by
 * more than OUTBOX_IDLE_MS.
 */
static int
relay_wait_ms(const outbox_state *st, int64_t now_ms)
{
	int64_t wait;

	if (st->due > 0)
		return OUTBOX_POLL_MS;
	if (st->rows == 0)
		return OUTBOX_IDLE_MS;
	wait = st->oldest_ms + OUTBOX_GRACE_MS - now_ms;
	if (wait < OUTBOX_POLL_MS)
		return OUTBOX_POLL_MS;
	return wait > OUTBOX_IDLE_MS ? OUTBOX_IDLE_MS : (int)wait;
}

/*
 * update_gauges sets the outbox gauges: rows, rows past the grace (due to
 * the relay) and the age of the oldest row, and returns how long the relay
 * may sleep (relay_wait_ms).  A relay that moves nothing shows as a due
 * count and an age that only grow, which the alert
 * SmartmedAuditOutboxStalled watches.  An unreachable database leaves them
 * and polls again soon.
 */
static int
update_gauges(med_audit_relay *r)
{
	int64_t now_ms = med_now_ms();
	med_db_value before = MED_DB_I64(now_ms - OUTBOX_GRACE_MS);
	outbox_state st = {0, 0, 0};

	if (med_db_query_once(
		    r->db,
		    "SELECT COUNT(*), COALESCE(SUM(created_ms < ?), 0),"
		    " COALESCE(MIN(created_ms), 0)"
		    " FROM med_audit_outbox",
		    &before, 1, state_row, &st) != MED_OK)
		return OUTBOX_POLL_MS;
	med_gauge_set(r->depth, (double)st.rows);
	med_gauge_set(r->due, (double)st.due);
	med_gauge_set(r->oldest_age_s,
		      st.rows > 0 && now_ms > st.oldest_ms
			      ? (double)(now_ms - st.oldest_ms) / 1000.0
			      : 0.0);
	return relay_wait_ms(&st, now_ms);
}

/* relay_warn logs a failing relay at its first failure and then once a
 * minute while it goes on failing, so a stall is never a single line. */
static void
relay_warn(med_err err, int64_t *warned_ms, uint64_t *n_failed)
{
	++*n_failed;
	if (!med_log_due(warned_ms, med_now_ms(), OUTBOX_WARN_EVERY_MS))
		return;
	med_log_warn("audit: outbox relay: %s (%llu failed runs); retrying",
		     med_strerror(err), (unsigned long long)*n_failed);
}

/* relay_sleep waits ms or until stopped; false once stopping. */
static bool
relay_sleep(med_audit_relay *r, int ms)
{
	struct med_wait w = {&r->mu, &r->wake, &r->stopping};

	return med_wait_unless_stopped(&w, ms);
}

static void *
relay_main(void *arg)
{
	med_audit_relay *r = arg;
	bool failing = false;
	int64_t warned_ms = 0;
	uint64_t n_failed = 0;
	int wait_ms = OUTBOX_POLL_MS;

	/* The table first: the service may start before its database. */
	while (med_audit_outbox_migrate(r->db) != MED_OK)
		if (!relay_sleep(r, OUTBOX_RETRY_MS))
			return NULL;
	do {
		size_t moved;
		med_err err = relay_once(r, &moved);

		if (err != MED_OK) {
			med_counter_add(r->failures, 1);
			relay_warn(err, &warned_ms, &n_failed);
		} else if (failing) {
			med_log_info("audit: outbox relay moving again after "
				     "%llu failed runs",
				     (unsigned long long)n_failed);
			warned_ms = 0;
			n_failed = 0;
		}
		failing = err != MED_OK;
		if (err == MED_OK && moved == OUTBOX_BATCH)
			continue;
		marks_expire(&r->marks, med_now_ms());
		wait_ms = update_gauges(r);
	} while (relay_sleep(r, failing ? OUTBOX_RETRY_MS : wait_ms));
	return NULL;
}

/* relay_metrics makes the relay's series; a failure only loses them. */
static void
relay_metrics(med_audit_relay *r)
{
	static const char help[] =
		"Outbox rows deleted by the relay: spooled by the relay "
		"(how=\"relayed\") or already spooled by their call "
		"(how=\"already_spooled\").";
	med_metrics *lib = med_metrics_lib();

	r->depth = med_metrics_gauge(
		lib, "smartmed_audit_outbox_events",
		"write events committed in the outbox, not yet spooled", "");
	r->due = med_metrics_gauge(
		lib, "smartmed_audit_outbox_due_events",
		"outbox rows past their grace, waiting for the relay", "");
	r->oldest_age_s = med_metrics_gauge(
		lib, "smartmed_audit_outbox_oldest_age_seconds",
		"age of the oldest outbox row (0 when empty)", "");
	r->failures = med_metrics_counter(
		lib, "smartmed_audit_outbox_relay_failures_total",
		"outbox relay runs that failed and moved nothing", "");
	r->relayed =
		med_metrics_counter(lib, "smartmed_audit_outbox_rows_total",
				    help, "how=\"relayed\"");
	r->already =
		med_metrics_counter(lib, "smartmed_audit_outbox_rows_total",
				    help, "how=\"already_spooled\"");
}

/* registry_add lists r, unless a relay of its database runs already. */
static void
registry_add(med_audit_relay *r)
{
	med_audit_relay *o;

	pthread_mutex_lock(&registry_mu);
	for (o = registry; o != NULL && o->db != r->db; o = o->next)
		;
	if (o == NULL) {
		r->next = registry;
		registry = r;
	}
	pthread_mutex_unlock(&registry_mu);
}

/* registry_remove unlists r; marks given after this are not recorded. */
static void
registry_remove(med_audit_relay *r)
{
	pthread_mutex_lock(&registry_mu);
	for (med_audit_relay **p = &registry; *p != NULL; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	pthread_mutex_unlock(&registry_mu);
}

med_err
med_audit_relay_start(med_db *db, med_audit *a, med_audit_relay **out)
{
	med_audit_relay *r;

	if (db == NULL || a == NULL || out == NULL)
		return MED_ERR_INVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MED_ERR_NOMEM;
	r->db = db;
	r->audit = a;
	relay_metrics(r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_mutex_init(&r->marks.mu, NULL);
	if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
		pthread_mutex_destroy(&r->marks.mu);
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return MED_ERR_NOMEM;
	}
	registry_add(r);
	*out = r;
	return MED_OK;
}

void
med_audit_relay_stop(med_audit_relay *r)
{
	if (r == NULL)
		return;
	registry_remove(r);
	pthread_mutex_lock(&r->mu);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->marks.mu);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
