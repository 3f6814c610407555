/*
 * audit_witness.c - a service's watch over the audit log's signed heads
 * (med/witness.h).
 *
 * Each round asks the audit service for its latest signed head, judges it
 * against the head this service kept last (signature, key, size, root, and
 * a consistency proof asked for exactly the two sizes), and keeps it when
 * it follows.  A head that does not follow is never kept: the witness goes
 * on judging later heads against the last good one, so the gauge returns
 * to 1 only when the log again extends what this service saw.
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/audit_log.h>
#include <med/log.h>
#include <med/merkle.h>
#include <med/util.h>
#include <med/witness.h>

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartmed/audit/v1/audit.pb-c.h"

#define GET_TREE_HEAD	  "/smartmed.audit.v1.Audit/GetTreeHead"
#define CONSISTENCY_PROOF "/smartmed.audit.v1.Audit/ConsistencyProof"
#define WITNESS_ARENA	  (64u << 10)
#define WITNESS_DEADLINE  5000
#define WITNESS_PROOF_MAX 64 /* a proof has at most 2 log2(size) hashes */
#define WITNESS_RETRY_MS  1000

static const char witness_ddl[] =
	"CREATE TABLE IF NOT EXISTS med_audit_witness ("
	" id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
	" tree_size BIGINT UNSIGNED NOT NULL,"
	" timestamp_ms BIGINT NOT NULL,"
	" root_hash BINARY(32) NOT NULL,"
	" signature BINARY(64) NOT NULL,"
	" public_key BINARY(32) NOT NULL,"
	" seen_ms BIGINT NOT NULL"
	") ENGINE=InnoDB" MED_DB_BIN;

/* Results counted by smartmed_audit_witness_checks_total{result}. */
enum { W_OK = 0, W_FAILED, W_UNREACHABLE, W_N_RESULTS };
static const char *const result_names[W_N_RESULTS] = {"ok", "failed",
						      "unreachable"};

struct med_witness {
	med_witness_opts o;
	uint8_t pinned[32];
	bool has_pin;
	med_channel *ch;
	med_witness_head kept;
	bool has_kept;
	bool loaded;
	med_witness_verdict last_bad; /* logged once per problem */
	med_counter *checks[W_N_RESULTS];
	med_gauge *consistent, *size;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stopping;
};

/* --- judging -------------------------------------------------------------- */

static const char *const verdict_names[] = {
	[MED_WITNESS_FIRST] = "first",
	[MED_WITNESS_SAME] = "same",
	[MED_WITNESS_EXTENDS] = "extends",
	[MED_WITNESS_BAD_SIGNATURE] = "bad_signature",
	[MED_WITNESS_KEY_CHANGED] = "key_changed",
	[MED_WITNESS_SHRANK] = "shrank",
	[MED_WITNESS_FORKED] = "forked",
	[MED_WITNESS_INCONSISTENT] = "inconsistent",
};

const char *
med_witness_verdict_name(med_witness_verdict v)
{
	return (unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0])
		       ? verdict_names[v]
		       : "unknown";
}

bool
med_witness_verdict_ok(med_witness_verdict v)
{
	return v == MED_WITNESS_FIRST || v == MED_WITNESS_SAME ||
	       v == MED_WITNESS_EXTENDS;
}

static bool
signed_by(const med_witness_head *h, const uint8_t key[32])
{
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	med_audit_sth_message(h->size, h->timestamp_ms, h->root, msg);
	return crypto_sign_verify_detached(h->signature, msg, sizeof(msg),
					   key) == 0;
}

med_witness_verdict
med_witness_judge(const med_witness_head *kept, const med_witness_head *next,
		  const uint8_t *pinned_key, const uint8_t (*proof)[32],
		  size_t n_proof, const uint8_t *first_root,
		  const uint8_t *second_root)
{
	const uint8_t *key = pinned_key != NULL ? pinned_key
			     : kept != NULL	? kept->public_key
						: next->public_key;

	if (memcmp(key, next->public_key, 32) != 0)
		return MED_WITNESS_KEY_CHANGED;
	if (!signed_by(next, key))
		return MED_WITNESS_BAD_SIGNATURE;
	if (kept == NULL)
		return MED_WITNESS_FIRST;
	if (next->size < kept->size)
		return MED_WITNESS_SHRANK;
	if (next->size == kept->size)
		return memcmp(next->root, kept->root, 32) == 0
			       ? MED_WITNESS_SAME
			       : MED_WITNESS_FORKED;
	/* An empty tree is a prefix of every tree. */
	if (kept->size == 0)
		return MED_WITNESS_EXTENDS;
	if (first_root == NULL || second_root == NULL ||
	    memcmp(first_root, kept->root, 32) != 0 ||
	    memcmp(second_root, next->root, 32) != 0 ||
	    !med_merkle_verify_consistency(kept->size, next->size, kept->root,
					   next->root, proof, n_proof))
		return MED_WITNESS_INCONSISTENT;
	return MED_WITNESS_EXTENDS;
}

/* --- the kept head, in the service's database ----------------------------- */

static bool
copy_bin(uint8_t *dst, size_t n, const char *src, size_t len)
{
	if (src == NULL || len != n)
		return false;
	memcpy(dst, src, n);
	return true;
}

static med_err
kept_row(void *ctx, const med_db_row *row)
{
	med_witness *w = ctx;
	med_witness_head *h = &w->kept;
	size_t n[3] = {0};
	const char *root = med_db_row_text(row, 2, &n[0]);
	const char *sig = med_db_row_text(row, 3, &n[1]);
	const char *key = med_db_row_text(row, 4, &n[2]);

	h->size = (uint64_t)med_db_row_int64(row, 0);
	h->timestamp_ms = med_db_row_int64(row, 1);
	if (!copy_bin(h->root, 32, root, n[0]) ||
	    !copy_bin(h->signature, 64, sig, n[1]) ||
	    !copy_bin(h->public_key, 32, key, n[2]))
		return MED_ERR_DATA_LOSS;
	w->has_kept = true;
	return MED_OK;
}

/* load_kept creates the table and reads the kept head, once. */
static med_err
load_kept(med_witness *w)
{
	med_err err;

	if (w->loaded)
		return MED_OK;
	err = med_db_exec_once(w->o.db, witness_ddl, NULL, 0, NULL, NULL);
	if (err == MED_OK)
		err = med_db_table_bin_once(w->o.db, "med_audit_witness");
	if (err == MED_OK)
		err = med_db_query_once(w->o.db,
					"SELECT tree_size, timestamp_ms,"
					" root_hash, signature, public_key"
					" FROM med_audit_witness WHERE id = 1",
					NULL, 0, kept_row, w);
	w->loaded = err == MED_OK;
	return err;
}

static med_err
store_kept(med_witness *w, const med_witness_head *h)
{
	med_db_value v[6] = {
		MED_DB_I64((int64_t)h->size),	 MED_DB_I64(h->timestamp_ms),
		MED_DB_BLOBV(h->root, 32),	 MED_DB_BLOBV(h->signature, 64),
		MED_DB_BLOBV(h->public_key, 32), MED_DB_I64(med_now_ms()),
	};

	return med_db_exec_once(
		w->o.db,
		"REPLACE INTO med_audit_witness (id, tree_size, timestamp_ms,"
		" root_hash, signature, public_key, seen_ms)"
		" VALUES (1, ?, ?, ?, ?, ?, ?)",
		v, 6, NULL, NULL);
}

/* --- asking the audit service --------------------------------------------- */

static bool
head_from_pb(const Smartmed__Audit__V1__GetTreeHeadResponse *r,
	     med_witness_head *h)
{
	const Smartmed__Audit__V1__SignedTreeHead *s = r->head;

	if (s == NULL || s->root_hash.len != 32 || s->signature.len != 64 ||
	    r->public_key.len != 32)
		return false;
	h->size = s->tree_size;
	h->timestamp_ms = s->timestamp_ms;
	memcpy(h->root, s->root_hash.data, 32);
	memcpy(h->signature, s->signature.data, 64);
	memcpy(h->public_key, r->public_key.data, 32);
	return true;
}

static med_err
fetch_head(med_witness *w, med_arena *a, med_witness_head *h)
{
	Smartmed__Audit__V1__GetTreeHeadRequest req =
		SMARTMED__AUDIT__V1__GET_TREE_HEAD_REQUEST__INIT;
	Smartmed__Audit__V1__GetTreeHeadResponse *r = NULL;
	med_call_opts co = {.deadline_ms = WITNESS_DEADLINE,
			    .idempotent = true};
	med_rpc_status st;
	med_err err = med_channel_unary(
		w->ch, GET_TREE_HEAD, &req.base,
		&smartmed__audit__v1__get_tree_head_response__descriptor, a,
		&co, (ProtobufCMessage **)&r, &st);

	if (err != MED_OK)
		return err;
	return head_from_pb(r, h) ? MED_OK : MED_ERR_DATA_LOSS;
}

/* proof_of - the consistency proof between two sizes, in the arena. */
typedef struct proof_of {
	uint8_t (*hash)[32];
	size_t n;
	const uint8_t *first_root, *second_root;
} proof_of;

static med_err
fetch_proof(med_witness *w, med_arena *a, uint64_t first, uint64_t second,
	    proof_of *p)
{
	Smartmed__Audit__V1__ConsistencyProofRequest req =
		SMARTMED__AUDIT__V1__CONSISTENCY_PROOF_REQUEST__INIT;
	Smartmed__Audit__V1__ConsistencyProofResponse *r = NULL;
	med_call_opts co = {.deadline_ms = WITNESS_DEADLINE,
			    .idempotent = true};
	med_rpc_status st;
	med_err err;

	req.first_size = first;
	req.second_size = second;
	err = med_channel_unary(
		w->ch, CONSISTENCY_PROOF, &req.base,
		&smartmed__audit__v1__consistency_proof_response__descriptor, a,
		&co, (ProtobufCMessage **)&r, &st);
	if (err != MED_OK)
		return err;
	if (r->n_proof > WITNESS_PROOF_MAX || r->first_root.len != 32 ||
	    r->second_root.len != 32)
		return MED_ERR_DATA_LOSS;
	p->hash = med_arena_alloc(a, (r->n_proof ? r->n_proof : 1) * 32);
	if (p->hash == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < r->n_proof; i++) {
		if (r->proof[i].len != 32)
			return MED_ERR_DATA_LOSS;
		memcpy(p->hash[i], r->proof[i].data, 32);
	}
	p->n = r->n_proof;
	p->first_root = r->first_root.data;
	p->second_root = r->second_root.data;
	return MED_OK;
}

/* --- one round --------------------------------------------------------------
 */

static void
report(med_witness *w, med_witness_verdict v, const med_witness_head *h)
{
	bool ok = med_witness_verdict_ok(v);

	med_counter_add(w->checks[ok ? W_OK : W_FAILED], 1);
	med_gauge_set(w->consistent, ok ? 1 : 0);
	if (ok) {
		med_gauge_set(w->size, (double)h->size);
		if (w->last_bad != MED_WITNESS_FIRST)
			med_log_info("audit witness: head of %llu entries "
				     "follows the kept head again",
				     (unsigned long long)h->size);
		w->last_bad = MED_WITNESS_FIRST;
		return;
	}
	if (w->last_bad != v)
		med_log_error("audit witness: the audit log's head of %llu "
			      "entries does not follow the head of %llu this "
			      "service kept: %s",
			      (unsigned long long)h->size,
			      (unsigned long long)w->kept.size,
			      med_witness_verdict_name(v));
	w->last_bad = v;
}

static med_err
round_once(med_witness *w, med_arena *a)
{
	med_witness_head next;
	proof_of p = {0};
	med_witness_verdict v;
	med_err err;

	if ((err = load_kept(w)) != MED_OK ||
	    (err = fetch_head(w, a, &next)) != MED_OK)
		return err;
	if (w->has_kept && next.size > w->kept.size && w->kept.size > 0 &&
	    (err = fetch_proof(w, a, w->kept.size, next.size, &p)) != MED_OK)
		return err;
	v = med_witness_judge(w->has_kept ? &w->kept : NULL, &next,
			      w->has_pin ? w->pinned : NULL, p.hash, p.n,
			      p.first_root, p.second_root);
	report(w, v, &next);
	if (v == MED_WITNESS_FIRST || v == MED_WITNESS_EXTENDS) {
		if ((err = store_kept(w, &next)) != MED_OK)
			return err;
		w->kept = next;
		w->has_kept = true;
	}
	return MED_OK;
}

static bool
witness_sleep(med_witness *w, int64_t ms)
{
	struct med_wait wait = {&w->mu, &w->wake, &w->stopping};

	return med_wait_unless_stopped(&wait, ms);
}

static void *
witness_main(void *arg)
{
	med_witness *w = arg;
	med_arena *a = med_arena_new(WITNESS_ARENA);
	bool failing = false;

	if (a == NULL)
		return NULL;
	do {
		/* FAILED_PRECONDITION: no head signed yet; nothing to judge. */
		med_err err = round_once(w, a);

		med_arena_reset(a);
		if (err != MED_OK && err != MED_ERR_PRECONDITION) {
			med_counter_add(w->checks[W_UNREACHABLE], 1);
			if (!failing)
				med_log_warn("audit witness: cannot check the "
					     "latest head: %s",
					     med_strerror(err));
		}
		failing = err != MED_OK && err != MED_ERR_PRECONDITION;
	} while (witness_sleep(w,
			       failing ? WITNESS_RETRY_MS : w->o.interval_ms));
	med_arena_free(a);
	return NULL;
}

/* --- start and stop ---------------------------------------------------------
 */

static void
witness_metrics(med_witness *w)
{
	char labels[48];

	for (int i = 0; i < W_N_RESULTS; i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"",
			 result_names[i]);
		w->checks[i] = med_metrics_counter(
			w->o.metrics, "smartmed_audit_witness_checks_total",
			"Checks of the audit log's latest signed head against "
			"the head this service kept, by result (ok, failed, "
			"unreachable).",
			labels);
	}
	w->consistent = med_metrics_gauge(
		w->o.metrics, "smartmed_audit_witness_consistent",
		"1 while the audit log's latest signed head follows the head "
		"this service kept; 0 when it does not (rewritten log)",
		"");
	w->size = med_metrics_gauge(
		w->o.metrics, "smartmed_audit_witness_tree_size",
		"entries of the latest audit head this service checked", "");
	med_gauge_set(w->consistent, 1);
}

med_err
med_witness_start(const med_witness_opts *o, med_witness **out)
{
	med_channel_opts co = {.tls = o->tls, .server_name = o->server_name};
	med_witness *w;
	med_err err;

	if (o->db == NULL || o->target == NULL || o->target[0] == '\0' ||
	    o->interval_ms <= 0 || o->metrics == NULL || out == NULL)
		return MED_ERR_INVALID;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return MED_ERR_NOMEM;
	w->o = *o;
	if (o->pinned_key != NULL) {
		memcpy(w->pinned, o->pinned_key, 32);
		w->has_pin = true;
	}
	if ((err = med_channel_open_opts(o->target, &co, &w->ch)) != MED_OK) {
		free(w);
		return err;
	}
	witness_metrics(w);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, witness_main, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->mu);
		med_channel_close(w->ch);
		free(w);
		return MED_ERR_NOMEM;
	}
	*out = w;
	return MED_OK;
}

void
med_witness_stop(med_witness *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	med_channel_close(w->ch);
	free(w);
}
