/*
 * sth.c - signed tree heads: the thread that signs a new head every
 * MED_AUDIT_STH_INTERVAL_MS when the log has grown, with the signing key
 * that keys.c loads.
 *
 * Heads are signed from the verified tree (trust.c), never from nodes read
 * back from the database, not at all after an integrity failure, and only
 * over a log that extends the head published before (headfile.c).
 */
#include <med/log.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_svc.h"

void
audit_sth_sign(const uint8_t sk[crypto_sign_SECRETKEYBYTES], audit_sth *h)
{
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	med_audit_sth_message(h->tree_size, h->timestamp_ms, h->root, msg);
	crypto_sign_detached(h->sig, NULL, msg, sizeof(msg), sk);
}

typedef struct sign_ctx {
	audit_state *st;
	bool signed_one;
} sign_ctx;

/* store_head inserts a signed head. */
static med_err
store_head(med_db_conn *c, const audit_sth *h, const char *key_id)
{
	med_db_value v[] = {
		MED_DB_I64((int64_t)h->tree_size),
		MED_DB_I64(h->timestamp_ms),
		MED_DB_BLOBV(h->root, sizeof(h->root)),
		MED_DB_BLOBV(h->sig, sizeof(h->sig)),
		MED_DB_STR(key_id),
	};

	return med_db_exec(c,
			   "INSERT INTO tree_heads (tree_size, timestamp_ms,"
			   " root_hash, signature, key_id)"
			   " VALUES (?, ?, ?, ?, ?)",
			   v, 5, NULL, NULL);
}

/*
 * already_signed: the newest head is this key's at the verified size.  It
 * must then have the verified root: a stored head that does not was not
 * signed from this tree.
 */
static med_err
already_signed(audit_state *st, med_db_conn *c, const audit_sth *h, bool *done)
{
	audit_sth last;
	med_err err = audit_sth_latest(c, &last);

	*done = false;
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK || last.tree_size != h->tree_size ||
	    strcmp(last.key_id, st->key_id) != 0)
		return err;
	if (sodium_memcmp(last.root, h->root, sizeof(h->root)) != 0)
		return audit_integrity_fail(st,
					    "tree_heads: the head of size %llu "
					    "has a root other than the "
					    "verified tree's",
					    (unsigned long long)h->tree_size);
	*done = true;
	return MED_OK;
}

/*
 * The signer row (sth_signer, id 1) holds the newest head's size and time.
 * Every signing transaction reads it with a lock and rewrites it, so two
 * replicas signing at once write the same row.  On one server the second
 * waits for the first.  On Galera, where a lock holds on its node only,
 * the cluster certifies one of the two writes and aborts the other, which
 * med_db_tx re-runs: it then reads the new row and signs nothing.  The
 * locking read returns the newest committed row even when the
 * transaction's snapshot is older, so a replica on a node that lags never
 * signs a size at or below one already signed.
 */
typedef struct signer_row {
	int64_t tree_size, timestamp_ms;
} signer_row;

static med_err
on_signer(void *ctx, const med_db_row *row)
{
	signer_row *r = ctx;

	r->tree_size = med_db_row_int64(row, 0);
	r->timestamp_ms = med_db_row_int64(row, 1);
	return MED_OK;
}

static med_err
signer_lock(med_db_conn *c, signer_row *r)
{
	med_err err = med_db_query_row(c,
				       "SELECT tree_size, timestamp_ms FROM"
				       " sth_signer WHERE id = 1 FOR UPDATE",
				       NULL, 0, on_signer, r);

	if (err == MED_ERR_NOT_FOUND) {
		med_log_error("audit: sth_signer has no row 1 (migration 5 "
			      "makes it): heads cannot be signed");
		return MED_ERR_INTERNAL;
	}
	return err;
}

static med_err
signer_write(med_db_conn *c, const audit_sth *h)
{
	med_db_value v[] = {
		MED_DB_I64((int64_t)h->tree_size),
		MED_DB_I64(h->timestamp_ms),
	};

	return med_db_exec(c,
			   "UPDATE sth_signer SET tree_size = ?,"
			   " timestamp_ms = ? WHERE id = 1",
			   v, 2, NULL, NULL);
}

static med_err
sign_tx(med_db_conn *c, void *arg)
{
	sign_ctx *s = arg;
	med_merkle_frontier f;
	signer_row last = {0, 0};
	audit_sth h;
	bool done = false;
	med_err err;

	s->signed_one = false;
	if (audit_integrity_problem(s->st, NULL, 0))
		return MED_ERR_DATA_LOSS;
	if ((err = signer_lock(c, &last)) != MED_OK)
		return err;
	if ((err = audit_trust_now(s->st, c, &f)) != MED_OK)
		return err;
	/* Never a head over a log that does not extend the published one
	 * (a restore rolled it back): headfile.c. */
	if ((err = audit_head_check(s->st, c, &f)) != MED_OK)
		return err;
	h.tree_size = f.size;
	med_merkle_frontier_root(&f, h.root);
	if ((err = already_signed(s->st, c, &h, &done)) != MED_OK || done)
		return err;
	/* Another replica signed this size or a larger one. */
	if ((int64_t)h.tree_size <= last.tree_size)
		return MED_OK;
	/* Replicas' clocks differ: a head is never older than the last. */
	h.timestamp_ms = med_now_ms();
	if (h.timestamp_ms < last.timestamp_ms)
		h.timestamp_ms = last.timestamp_ms;
	audit_sth_sign(s->st->sk, &h);
	memcpy(h.key_id, s->st->key_id, sizeof(h.key_id));
	if ((err = signer_write(c, &h)) != MED_OK)
		return err;
	/* Kept outside the database before it is stored: the file is never
	 * behind what GetTreeHead may have served. */
	if ((err = audit_head_publish(s->st, &h)) != MED_OK)
		return err;
	err = store_head(c, &h, s->st->key_id);
	s->signed_one = err == MED_OK;
	return err;
}

med_err
audit_sth_sign_now(audit_state *st)
{
	sign_ctx s = {st, false};

	return med_db_tx(med_service_db(st->svc), sign_tx, &s);
}

/* sign_failure_text says why no head was signed. */
static const char *
sign_failure_text(med_err err)
{
	if (err == MED_ERR_DATA_LOSS)
		return "the store failed an integrity check (logged above)";
	if (err == MED_ERR_PRECONDITION)
		return "the log does not extend the published head (ROLLBACK, "
		       "logged above)";
	return med_strerror(err);
}

/* How often the signer looks whether the schema is whole yet. */
#define SCHEMA_POLL_MS 100

static void *
sth_main(void *arg)
{
	audit_state *st = arg;
	med_err last_err = MED_OK;

	pthread_mutex_lock(&st->sth_mu);
	while (!st->sth_stop) {
		struct timespec until;
		int64_t wait_ms;
		bool migrated;
		med_err err;

		pthread_mutex_unlock(&st->sth_mu);
		/* Not before the schema is whole (ingest.c); until then look
		 * again soon, so that the first head follows it closely. */
		migrated = med_service_migrated(st->svc);
		wait_ms = migrated ? st->sth_interval_ms : SCHEMA_POLL_MS;
		err = migrated ? audit_sth_sign_now(st) : MED_OK;
		/* Log a failure once, not every interval while the db is away.
		 */
		if (err != MED_OK && err != last_err)
			med_log_warn("audit: cannot sign a tree head: %s",
				     sign_failure_text(err));
		last_err = err;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&st->sth_mu);
		if (!st->sth_stop)
			pthread_cond_timedwait(&st->sth_cv, &st->sth_mu,
					       &until);
	}
	pthread_mutex_unlock(&st->sth_mu);
	return NULL;
}

med_err
audit_sth_start(audit_state *st)
{
	st->sth_interval_ms = med_config_int(med_service_config(st->svc),
					     "MED_AUDIT_STH_INTERVAL_MS");
	if (pthread_create(&st->sth_thread, NULL, sth_main, st) != 0)
		return MED_ERR_NOMEM;
	st->sth_started = true;
	return MED_OK;
}

void
audit_sth_stop(audit_state *st)
{
	if (!st->sth_started)
		return;
	pthread_mutex_lock(&st->sth_mu);
	st->sth_stop = true;
	pthread_cond_signal(&st->sth_cv);
	pthread_mutex_unlock(&st->sth_mu);
	pthread_join(st->sth_thread, NULL);
	st->sth_started = false;
}
