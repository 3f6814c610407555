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
 * Replicas of a service share the outbox.  Each relay locks the rows it
 * takes (SKIP LOCKED), so two replicas on one server never spool the same
 * row; on a Galera cluster row locks hold on one node only, and a row two
 * nodes' relays both took is kept once by the audit service.
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

#define OUTBOX_BATCH	128
#define OUTBOX_POLL_MS	50
#define OUTBOX_RETRY_MS 1000
/* How long a committed event is left to its own call before the relay
 * sends the committed copy (ms). */
#define OUTBOX_GRACE_MS	   3000
#define OUTBOX_DELETE_HEAD "DELETE FROM med_audit_outbox WHERE id IN ("

static const char outbox_ddl[] =
	"CREATE TABLE IF NOT EXISTS med_audit_outbox ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" event MEDIUMBLOB NOT NULL,"
	" created_ms BIGINT NOT NULL"
	") ENGINE=InnoDB";

struct med_audit_relay {
	med_db *db;
	med_audit *audit;
	med_gauge *depth;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stopping;
};

/* outbox_batch - rows read from the outbox, owned copies. */
typedef struct outbox_batch {
	int64_t id[OUTBOX_BATCH];
	uint8_t *event[OUTBOX_BATCH];
	size_t len[OUTBOX_BATCH];
	size_t n;
} outbox_batch;

med_err
med_audit_outbox_migrate(med_db *db)
{
	med_err err = med_db_exec_once(db, outbox_ddl, NULL, 0, NULL, NULL);

	if (err != MED_OK)
		med_log_error("audit: cannot create med_audit_outbox: %s",
			      med_strerror(err));
	return err;
}

med_err
med_audit_outbox_put(med_db_conn *c, med_audit *a, const med_audit_event *ev)
{
	uint8_t *bytes;
	size_t len;
	med_err err = med_audit_encode(a, ev, &bytes, &len);
	med_db_value v[2];

	if (err != MED_OK)
		return err;
	v[0] = MED_DB_BLOBV(bytes, len);
	v[1] = MED_DB_I64(med_now_ms());
	err = med_db_exec(c,
			  "INSERT INTO med_audit_outbox (event, created_ms) "
			  "VALUES (?, ?)",
			  v, 2, NULL, NULL);
	free(bytes);
	return err;
}

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
	b->id[b->n] = med_db_row_int64(row, 0);
	b->n++;
	return MED_OK;
}

/* batch_delete removes exactly the rows of b. */
static med_err
batch_delete(med_db_conn *c, const outbox_batch *b)
{
	char sql[sizeof(OUTBOX_DELETE_HEAD) + 2 * OUTBOX_BATCH + 2];
	med_db_value v[OUTBOX_BATCH];
	size_t off = strlen(OUTBOX_DELETE_HEAD);

	memcpy(sql, OUTBOX_DELETE_HEAD, off);
	for (size_t i = 0; i < b->n; i++) {
		sql[off++] = i == 0 ? '?' : ',';
		if (i > 0)
			sql[off++] = '?';
		v[i] = MED_DB_I64(b->id[i]);
	}
	sql[off++] = ')';
	sql[off] = '\0';
	return med_db_exec(c, sql, v, b->n, NULL, NULL);
}

/* relay_tx - one batch moved in one transaction. */
typedef struct relay_tx {
	med_audit_relay *r;
	outbox_batch b;
} relay_tx;

/*
 * relay_tx_body locks the oldest rows no other relay holds, spools them,
 * deletes them; a spool that fails rolls the deletion back.  A call that
 * ends normally spools its own event (the same id) in the order of the
 * calls; the relay takes only rows older than that takes, the events of
 * calls whose spool failed or whose process died.  A copy sent twice is
 * kept once by the audit service.
 */
static med_err
relay_tx_body(med_db_conn *c, void *arg)
{
	relay_tx *t = arg;
	med_db_value before = MED_DB_I64(med_now_ms() - OUTBOX_GRACE_MS);
	med_err err;

	batch_clear(&t->b); /* a re-run after a conflict starts afresh */
	err = med_db_query(c,
			   "SELECT id, event FROM med_audit_outbox"
			   " WHERE created_ms < ? ORDER BY id LIMIT 128"
			   " FOR UPDATE SKIP LOCKED",
			   &before, 1, batch_row, &t->b);
	if (err != MED_OK || t->b.n == 0)
		return err;
	err = med_audit_emit_encoded(t->r->audit,
				     (const uint8_t *const *)t->b.event,
				     t->b.len, t->b.n);
	return err == MED_OK ? batch_delete(c, &t->b) : err;
}

/* relay_once moves one batch; *moved is how many rows it moved. */
static med_err
relay_once(med_audit_relay *r, size_t *moved)
{
	relay_tx t = {.r = r, .b = {.n = 0}};
	med_err err = med_db_tx(r->db, relay_tx_body, &t);

	*moved = err == MED_OK ? t.b.n : 0;
	batch_clear(&t.b);
	return err;
}

static med_err
count_row(void *ctx, const med_db_row *row)
{
	*(int64_t *)ctx = med_db_row_int64(row, 0);
	return MED_OK;
}

/* update_depth sets the outbox gauge; an unreachable database leaves it. */
static void
update_depth(med_audit_relay *r)
{
	int64_t n = 0;

	if (med_db_query_once(r->db, "SELECT COUNT(*) FROM med_audit_outbox",
			      NULL, 0, count_row, &n) == MED_OK)
		med_gauge_set(r->depth, (double)n);
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

	/* The table first: the service may start before its database. */
	while (med_audit_outbox_migrate(r->db) != MED_OK)
		if (!relay_sleep(r, OUTBOX_RETRY_MS))
			return NULL;
	do {
		size_t moved;
		med_err err = relay_once(r, &moved);

		if (err != MED_OK && !failing)
			med_log_warn("audit: outbox relay: %s; retrying",
				     med_strerror(err));
		failing = err != MED_OK;
		if (err == MED_OK && moved == OUTBOX_BATCH)
			continue;
		update_depth(r);
	} while (relay_sleep(r, failing ? OUTBOX_RETRY_MS : OUTBOX_POLL_MS));
	return NULL;
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
	r->depth = med_metrics_gauge(
		med_metrics_lib(), "smartmed_audit_outbox_events",
		"write events committed in the outbox, not yet spooled", "");
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return MED_ERR_NOMEM;
	}
	*out = r;
	return MED_OK;
}

void
med_audit_relay_stop(med_audit_relay *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
