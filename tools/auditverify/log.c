/*
 * log.c - auditverify log: a full audit of the stored log.  Every row's
 * leaf hash is recomputed from its fields (the canonical entry of
 * med_audit_leaf_entry), the tree is rebuilt leaf by leaf, and its root is
 * compared with every signed tree head at that size.  An edited row shows
 * up as a leaf mismatch at its index; an edited row whose stored leaf hash
 * was edited too shows up as a root mismatch at the next signed head; a
 * removed tail shows up as a head larger than the log.
 */
#include "auditverify.h"

#include <med/arena.h>
#include <med/db.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS	5000
#define MAX_HEADS	100000
#define MAX_REPORTED	20
#define ROW_ARENA_BYTES (64u << 20)

typedef struct head {
	uint64_t size;
	int64_t ts;
	uint8_t root[MED_MERKLE_HASH_LEN];
	uint8_t sig[crypto_sign_BYTES];
} head;

typedef struct audit_run {
	const av_args *args;
	head *heads;
	size_t n_heads, next_head;
	med_merkle_frontier f;
	uint64_t expect_seq;
	uint64_t failures;
	uint8_t entry[MED_AUDIT_ENTRY_MAX];
} audit_run;

static void fail(audit_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fail(audit_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failures++ >= MAX_REPORTED)
		return;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static med_err
on_head(void *ctx, const med_db_row *row)
{
	audit_run *r = ctx;
	head *h = &r->heads[r->n_heads];
	size_t rl = 0, sl = 0;
	const char *root = med_db_row_text(row, 2, &rl);
	const char *sig = med_db_row_text(row, 3, &sl);

	if (r->n_heads == MAX_HEADS)
		return MED_ERR_LIMIT;
	if (root == NULL || sig == NULL || rl != sizeof(h->root) ||
	    sl != sizeof(h->sig))
		return MED_ERR_DATA_LOSS;
	h->size = (uint64_t)med_db_row_int64(row, 0);
	h->ts = med_db_row_int64(row, 1);
	memcpy(h->root, root, rl);
	memcpy(h->sig, sig, sl);
	r->n_heads++;
	return MED_OK;
}

/* check_head compares the rebuilt root with one signed head. */
static void
check_head(audit_run *r, const head *h)
{
	uint8_t root[MED_MERKLE_HASH_LEN], msg[MED_AUDIT_STH_MSG_LEN];

	med_merkle_frontier_root(&r->f, root);
	if (memcmp(root, h->root, sizeof(root)) != 0)
		fail(r,
		     "tree head of size %llu (signed at %llu ms): root does "
		     "not match the stored entries",
		     (unsigned long long)h->size, (unsigned long long)h->ts);
	if (!r->args->has_pubkey)
		return;
	med_audit_sth_message(h->size, h->ts, h->root, msg);
	if (crypto_sign_verify_detached(h->sig, msg, sizeof(msg),
					r->args->pubkey) != 0)
		fail(r,
		     "tree head of size %llu (signed at %llu ms): bad "
		     "signature",
		     (unsigned long long)h->size, (unsigned long long)h->ts);
}

static void
check_heads_at(audit_run *r, uint64_t size)
{
	while (r->next_head < r->n_heads && r->heads[r->next_head].size == size)
		check_head(r, &r->heads[r->next_head++]);
}

static void
record_of(const med_db_row *row, med_audit_record *rec)
{
	size_t dl = 0;

	rec->seq = (uint64_t)med_db_row_int64(row, 0);
	rec->stored_ms = med_db_row_int64(row, 1);
	rec->event_id = med_db_row_text(row, 2, NULL);
	rec->time_ms = med_db_row_int64(row, 3);
	rec->service = med_db_row_text(row, 4, NULL);
	rec->action = med_db_row_text(row, 5, NULL);
	rec->actor = med_db_row_text(row, 6, NULL);
	rec->actor_roles = med_db_row_text(row, 7, NULL);
	rec->patient_id = med_db_row_text(row, 8, NULL);
	rec->resource = med_db_row_text(row, 9, NULL);
	rec->outcome = med_db_row_int64(row, 10);
	rec->request_id = med_db_row_text(row, 11, NULL);
	rec->detail = med_db_row_text(row, 12, NULL);
	rec->action_code = med_db_row_text(row, 13, NULL);
	rec->purpose_of_use = med_db_row_text(row, 14, NULL);
	rec->break_glass = med_db_row_int64(row, 15) != 0;
	rec->details = (const uint8_t *)med_db_row_text(row, 16, &dl);
	rec->details_len = dl;
}

static med_err
on_row(void *ctx, const med_db_row *row)
{
	audit_run *r = ctx;
	med_audit_record rec;
	uint8_t leaf[MED_MERKLE_HASH_LEN];
	size_t len = 0, hl = 0;
	const char *stored = med_db_row_text(row, 17, &hl);
	med_err err;

	memset(&rec, 0, sizeof(rec));
	record_of(row, &rec);
	if (rec.seq != r->expect_seq) {
		fail(r, "seq %llu follows seq %llu: the log has a gap",
		     (unsigned long long)rec.seq,
		     (unsigned long long)(r->expect_seq - 1));
		r->expect_seq = rec.seq;
	}
	r->expect_seq++;
	err = med_audit_leaf_entry(&rec, r->entry, sizeof(r->entry), &len);
	if (err != MED_OK)
		return err;
	med_merkle_leaf_hash(r->entry, len, leaf);
	if (stored == NULL || hl != sizeof(leaf) ||
	    memcmp(stored, leaf, sizeof(leaf)) != 0)
		fail(r,
		     "leaf %llu (seq %llu): the entry does not match its "
		     "stored leaf hash (row altered)",
		     (unsigned long long)(rec.seq - 1),
		     (unsigned long long)rec.seq);
	/* The tree is rebuilt from recomputed leaves, never stored ones. */
	if ((err = med_merkle_frontier_append(&r->f, leaf, NULL, NULL)) !=
	    MED_OK)
		return err;
	check_heads_at(r, r->f.size);
	return MED_OK;
}

static med_err
read_rows(med_db *db, audit_run *r)
{
	uint64_t before;

	check_heads_at(r, 0);
	do {
		med_db_value v[] = {MED_DB_I64((int64_t)r->expect_seq - 1),
				    MED_DB_I64(PAGE_ROWS)};
		med_err err;
		before = r->f.size;
		err = med_db_query_once(
			db,
			"SELECT seq, stored_ms, event_id, time_ms, service,"
			" action, actor, actor_roles, patient_id, resource,"
			" outcome, request_id, detail, action_code,"
			" purpose_of_use, break_glass, details, leaf_hash"
			" FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
			v, 2, on_row, r);
		if (err != MED_OK)
			return err;
	} while (r->f.size - before == PAGE_ROWS);
	return MED_OK;
}

static med_err
open_db(const av_args *a, med_db **db)
{
	med_db_opts o = {
		.host = a->db_socket ? NULL
				     : (a->db_host ? a->db_host : "127.0.0.1"),
		.port = a->db_port,
		.socket = a->db_socket,
		.user = a->db_user ? a->db_user : "root",
		.password = a->db_password,
		.database = a->db_name ? a->db_name : "smartmed_audit",
		.pool_size = 1,
		.tls_ca = a->db_tls_ca,
	};

	return med_db_open(&o, db);
}

static med_err
on_size(void *ctx, const med_db_row *row)
{
	*(uint64_t *)ctx = (uint64_t)med_db_row_int64(row, 0);
	return MED_OK;
}

/* read_size reads the service's own count of entries, before the rows:
 * appends made while the audit runs only add rows. */
static med_err
read_size(med_db *db, uint64_t *size)
{
	return med_db_query_once(db, "SELECT size FROM tree_state WHERE id = 1",
				 NULL, 0, on_size, size);
}

static int
finish(audit_run *r)
{
	for (; r->next_head < r->n_heads; r->next_head++)
		fail(r,
		     "tree head of size %llu but the log holds %llu entries "
		     "(entries removed)",
		     (unsigned long long)r->heads[r->next_head].size,
		     (unsigned long long)r->f.size);
	if (r->failures > 0) {
		printf("FAIL: %llu problem(s) in %llu entries\n",
		       (unsigned long long)r->failures,
		       (unsigned long long)r->f.size);
		return AV_FAILED;
	}
	printf("OK: %llu entries, %zu signed tree heads verified%s\n",
	       (unsigned long long)r->f.size, r->n_heads,
	       r->args->has_pubkey ? " (signatures checked)" : "");
	return AV_OK;
}

int
av_cmd_log(const av_args *a)
{
	audit_run *r = calloc(1, sizeof(*r));
	uint64_t size = 0;
	med_db *db = NULL;
	med_err err;
	int rc = AV_USAGE;

	if (r == NULL || sodium_init() < 0)
		goto free_run;
	r->args = a;
	r->expect_seq = 1;
	r->heads = calloc(MAX_HEADS, sizeof(*r->heads));
	if (r->heads == NULL || (err = open_db(a, &db)) != MED_OK)
		goto free_run;
	err = med_db_query_once(db,
				"SELECT tree_size, timestamp_ms, root_hash,"
				" signature FROM tree_heads"
				" ORDER BY tree_size, timestamp_ms",
				NULL, 0, on_head, r);
	if (err == MED_OK)
		err = read_size(db, &size);
	if (err == MED_OK)
		err = read_rows(db, r);
	if (err == MED_OK && r->f.size < size)
		fail(r, "tree_state counts %llu entries, the log holds %llu",
		     (unsigned long long)size, (unsigned long long)r->f.size);
	if (err != MED_OK) {
		fprintf(stderr, "auditverify log: database: %s\n",
			med_strerror(err));
		goto close_db;
	}
	rc = finish(r);
close_db:
	med_db_close(db);
free_run:
	if (r != NULL)
		free(r->heads);
	free(r);
	return rc;
}
