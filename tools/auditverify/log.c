/*
 * log.c - auditverify log: a full audit of the stored log.  Every row's
 * leaf hash is recomputed from its fields (the canonical entry of
 * med_audit_leaf_entry) and, given the leaf key, its MAC checked; the tree
 * is rebuilt leaf by leaf, every stored subtree hash compared with the
 * rebuilt one, and the root with every signed tree head at that size.  An
 * edited row shows up as a leaf mismatch at its index; an edited row whose
 * stored leaf hash was edited too as a bad MAC and a root mismatch at the
 * next signed head; a row added behind the service's back as a leaf
 * without a valid MAC; an edited subtree hash as a node mismatch; a
 * removed tail as a head larger than the log.
 *
 * From a head verified before (--since-size, --since-root) the tree starts
 * at that head's right edge, read from tree_nodes and checked against the
 * root given, and only the entries after it are read: a periodic audit
 * costs what was added since, and the head printed last is the next
 * run's starting point.
 *
 * Epochs: after a restore rolled the log back behind a published head, the
 * audit service continues only by an auditor's decision, which the log
 * carries as a statement entry (med/audit_log.h) naming the abandoned head
 * and the entries lost.  Every statement is reported.  When the head given
 * by --since-size is not in the stored tree, the whole log is checked and
 * a statement under a checked head that names exactly that head explains
 * the break (exit 4); without one the run fails as before.
 */
#include "auditverify.h"

#include <med/arena.h>
#include <med/codec.h>
#include <med/db.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS	5000
#define MAX_HEADS	100000
#define MAX_REPORTED	20
#define ROW_ARENA_BYTES (64u << 20)
#define MAX_EPOCHS	64
#define EPOCH_TEXT	2048

typedef struct head {
	uint64_t size;
	int64_t ts;
	uint8_t root[MED_MERKLE_HASH_LEN];
	uint8_t sig[crypto_sign_BYTES];
} head;

/* epoch - an epoch statement as found in the log (strings as stored). */
typedef struct epoch {
	uint64_t seq;
	int64_t time_ms;
	char actor[128], reason[256];
	char epoch[16], size[24], root[72], restored[24], first[24], last[24];
} epoch;

typedef struct audit_run {
	const av_args *args;
	head *heads;
	size_t n_heads, next_head;
	med_merkle_frontier f;
	/* The tree of the stored leaf hashes, against which the stored
	 * nodes are checked: an altered row is then one failure, not one
	 * per node above it. */
	med_merkle_frontier stored;
	uint64_t expect_seq;
	uint64_t failures;
	/* The newest head whose root and signature checked (NULL: none). */
	const head *newest_ok;
	/* The right edge at --since-size did not give --since-root: the run
	 * checks the whole log and looks for a statement naming that head. */
	bool since_broken;
	const char *since_why;
	/* The largest head whose root matched the rebuilt tree. */
	uint64_t root_ok_size;
	epoch epochs[MAX_EPOCHS];
	size_t n_epochs;
	/* Rows from before leaf MACs: none may follow a row with one. */
	uint64_t legacy, last_legacy_seq;
	bool seen_mac;
	med_merkle_node_list nodes; /* subtrees the current page completed */
	med_merkle_node node_buf[PAGE_ROWS + MED_MERKLE_MAX_LEVEL];
	uint8_t entry[MED_AUDIT_ENTRY_MAX];
} audit_run;

static void fail(audit_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail_log(audit_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
print_failure(const char *fmt, va_list ap)
{
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
}

/* fail reports a problem of one entry, node or head; past MAX_REPORTED
 * they are only counted (an altered row fails every head above it). */
static void
fail(audit_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failures++ >= MAX_REPORTED)
		return;
	va_start(ap, fmt);
	print_failure(fmt, ap);
	va_end(ap);
}

/* fail_log reports a problem of the whole log (its count, its tail),
 * always: many failing heads before it must not hide a removed tail. */
static void
fail_log(audit_run *r, const char *fmt, ...)
{
	va_list ap;

	r->failures++;
	va_start(ap, fmt);
	print_failure(fmt, ap);
	va_end(ap);
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

/* signed_by_one: the head carries the signature of one of the --pubkey
 * keys (more than one after a signing-key rotation). */
static bool
signed_by_one(const av_args *a, const head *h, const uint8_t *msg, size_t len)
{
	for (size_t i = 0; i < a->n_pubkeys; i++)
		if (crypto_sign_verify_detached(h->sig, msg, len,
						a->pubkeys[i]) == 0)
			return true;
	return false;
}

/* check_head compares the rebuilt root with one signed head. */
static void
check_head(audit_run *r, const head *h)
{
	uint8_t root[MED_MERKLE_HASH_LEN], msg[MED_AUDIT_STH_MSG_LEN];

	med_merkle_frontier_root(&r->f, root);
	if (memcmp(root, h->root, sizeof(root)) == 0)
		r->root_ok_size = h->size;
	else
		fail(r,
		     "tree head of size %llu (signed at %llu ms): root does "
		     "not match the stored entries",
		     (unsigned long long)h->size, (unsigned long long)h->ts);
	if (r->args->n_pubkeys == 0)
		return;
	med_audit_sth_message(h->size, h->ts, h->root, msg);
	if (!signed_by_one(r->args, h, msg, sizeof(msg)))
		fail(r,
		     "tree head of size %llu (signed at %llu ms): bad "
		     "signature",
		     (unsigned long long)h->size, (unsigned long long)h->ts);
	else if (memcmp(root, h->root, sizeof(root)) == 0)
		r->newest_ok = h;
}

static void
check_heads_at(audit_run *r, uint64_t size)
{
	while (r->next_head < r->n_heads && r->heads[r->next_head].size == size)
		check_head(r, &r->heads[r->next_head++]);
}

/*
 * check_mac: with the key, every row carries its MAC, except rows from
 * before leaf MACs existed, which all come first (and must lie inside a
 * signed head: finish checks that).
 */
static void
check_mac(audit_run *r, const med_audit_record *rec, med_audit_row_fault fault)
{
	if (fault == MED_AUDIT_ROW_NO_MAC && !r->seen_mac) {
		r->legacy++;
		r->last_legacy_seq = rec->seq;
		return;
	}
	r->seen_mac = true;
	if (fault != MED_AUDIT_ROW_OK)
		fail(r, "leaf %llu (seq %llu): %s",
		     (unsigned long long)(rec->seq - 1),
		     (unsigned long long)rec->seq,
		     med_audit_row_fault_text(fault));
}

/* epoch_value copies the value of key among d[0..n) into out. */
static void
epoch_value(const med_audit_detail *d, size_t n, const char *key, char *out,
	    size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (strcmp(d[i].key, key) == 0)
			snprintf(out, cap, "%s", d[i].value);
}

/* epoch_note keeps an epoch statement the log carries. */
static void
epoch_note(audit_run *r, const med_audit_record *rec)
{
	med_audit_detail d[MED_AUDIT_MAX_DETAILS];
	char text[EPOCH_TEXT];
	size_t n = 0;
	epoch *e;

	if (strcmp(rec->service, MED_AUDIT_EPOCH_SERVICE) != 0 ||
	    strcmp(rec->action, MED_AUDIT_EPOCH_ACTION) != 0)
		return;
	if (r->n_epochs == MAX_EPOCHS ||
	    med_audit_details_decode(rec->details, rec->details_len, d,
				     MED_AUDIT_MAX_DETAILS, &n, text,
				     sizeof(text)) != MED_OK) {
		fail(r, "leaf %llu: an epoch statement that cannot be read",
		     (unsigned long long)(rec->seq - 1));
		return;
	}
	e = &r->epochs[r->n_epochs++];
	e->seq = rec->seq;
	e->time_ms = rec->time_ms;
	snprintf(e->actor, sizeof(e->actor), "%s", rec->actor);
	snprintf(e->reason, sizeof(e->reason), "%s", rec->detail);
	epoch_value(d, n, MED_AUDIT_EPOCH_KEY_EPOCH, e->epoch,
		    sizeof(e->epoch));
	epoch_value(d, n, MED_AUDIT_EPOCH_KEY_SIZE, e->size, sizeof(e->size));
	epoch_value(d, n, MED_AUDIT_EPOCH_KEY_ROOT, e->root, sizeof(e->root));
	epoch_value(d, n, MED_AUDIT_EPOCH_KEY_RESTORED, e->restored,
		    sizeof(e->restored));
	epoch_value(d, n, MED_AUDIT_EPOCH_KEY_LOST_FIRST, e->first,
		    sizeof(e->first));
	epoch_value(d, n, MED_AUDIT_EPOCH_KEY_LOST_LAST, e->last,
		    sizeof(e->last));
}

static med_err
on_row(void *ctx, const med_db_row *row)
{
	audit_run *r = ctx;
	med_audit_row row_;
	uint8_t leaf[MED_MERKLE_HASH_LEN];
	med_audit_row_fault fault = MED_AUDIT_ROW_OK;
	const med_audit_leaf_keys *keys =
		r->args->has_leaf_keys ? &r->args->leaf_keys : NULL;
	med_err err;

	med_audit_row_read(row, &row_);
	if (row_.rec.seq != r->expect_seq) {
		fail(r, "seq %llu follows seq %llu: the log has a gap",
		     (unsigned long long)row_.rec.seq,
		     (unsigned long long)(r->expect_seq - 1));
		r->expect_seq = row_.rec.seq;
	}
	r->expect_seq++;
	err = med_audit_row_check(&row_, keys, r->entry, sizeof(r->entry), leaf,
				  &fault);
	if (err != MED_OK)
		return err;
	if (fault == MED_AUDIT_ROW_LEAF_HASH)
		fail(r, "leaf %llu (seq %llu): %s",
		     (unsigned long long)(row_.rec.seq - 1),
		     (unsigned long long)row_.rec.seq,
		     med_audit_row_fault_text(fault));
	else if (keys != NULL)
		check_mac(r, &row_.rec, fault);
	/* Heads are checked against the tree of recomputed leaves, never
	 * of stored ones. */
	err = med_merkle_frontier_append(&r->f, leaf, NULL, NULL);
	if (err == MED_OK)
		err = med_merkle_frontier_append(
			&r->stored,
			fault == MED_AUDIT_ROW_LEAF_HASH &&
					row_.leaf_hash_len == sizeof(leaf)
				? row_.leaf_hash
				: leaf,
			med_merkle_node_list_add, &r->nodes);
	if (err != MED_OK)
		return err;
	epoch_note(r, &row_.rec);
	check_heads_at(r, r->f.size);
	return MED_OK;
}

/* check_nodes compares the stored subtree hashes the page completed with
 * those of the stored leaves (the first that differs is reported). */
static med_err
check_nodes(med_db_conn *c, audit_run *r)
{
	med_merkle_node bad;
	bool missing = false;
	med_err err = med_merkle_nodes_check(&r->nodes, med_audit_node_range, c,
					     &bad, &missing);

	if (err == MED_ERR_DATA_LOSS)
		fail(r, "tree_nodes (level %u, idx %llu): %s", bad.level,
		     (unsigned long long)bad.index,
		     missing ? "missing"
			     : "the stored hash does not match the stored "
			       "entries below it (node altered)");
	return err == MED_ERR_DATA_LOSS ? MED_OK : err;
}

static med_err
read_rows(med_db_conn *c, audit_run *r)
{
	uint64_t before;

	check_heads_at(r, r->f.size);
	do {
		med_db_value v[] = {MED_DB_I64((int64_t)r->expect_seq - 1),
				    MED_DB_I64(PAGE_ROWS)};
		med_err err;
		before = r->f.size;
		r->nodes.n = 0;
		err = med_db_query(c,
				   "SELECT " MED_AUDIT_ROW_COLUMNS
				   " FROM events WHERE seq > ? ORDER BY seq"
				   " LIMIT ?",
				   v, 2, on_row, r);
		if (err == MED_OK)
			err = check_nodes(c, r);
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
read_size(med_db_conn *c, uint64_t *size)
{
	return med_db_query(c, "SELECT size FROM tree_state WHERE id = 1", NULL,
			    0, on_size, size);
}

/* check_legacy: rows without a MAC that no signed head covers could
 * have been added by anyone. */
static void
check_legacy(audit_run *r)
{
	uint64_t covered = r->n_heads > 0 ? r->heads[r->n_heads - 1].size : 0;

	if (r->legacy > 0 && r->last_legacy_seq > covered)
		fail(r,
		     "leaf %llu (seq %llu): no leaf MAC and no signed head "
		     "covers it",
		     (unsigned long long)(r->last_legacy_seq - 1),
		     (unsigned long long)r->last_legacy_seq);
}

/* entries_text says how many entries the run checked. */
static void
entries_text(const audit_run *r, char *buf, size_t cap)
{
	uint64_t since = r->args->has_since_size ? r->args->since_size : 0;

	if (r->args->has_since_size && !r->since_broken)
		snprintf(buf, cap,
			 "%llu entries after the %llu you verified before "
			 "(%llu in all)",
			 (unsigned long long)(r->f.size - since),
			 (unsigned long long)since,
			 (unsigned long long)r->f.size);
	else
		snprintf(buf, cap, "%llu entries",
			 (unsigned long long)r->f.size);
}

/* print_next_start names the newest head the run verified, signature
 * included: the --since-size and --since-root of the next run. */
static void
print_next_start(const audit_run *r)
{
	char root[MED_HEX_LEN(MED_MERKLE_HASH_LEN)];

	if (r->newest_ok == NULL || r->args->n_pubkeys == 0)
		return;
	med_hex_encode(root, sizeof(root), r->newest_ok->root,
		       MED_MERKLE_HASH_LEN);
	printf("newest signed head verified: --since-size %llu --since-root "
	       "%s\n",
	       (unsigned long long)r->newest_ok->size, root);
}

/* epochs_print names every epoch statement the log carries. */
static void
epochs_print(const audit_run *r)
{
	for (size_t i = 0; i < r->n_epochs; i++) {
		const epoch *e = &r->epochs[i];
		printf("EPOCH %s begins at leaf %llu%s: %s decided at %lld ms "
		       "to "
		       "continue from a restored log of %s entries, abandoning "
		       "the published head of %s entries (root %s); entries "
		       "lost: %s%s%s; reason: %s\n",
		       e->epoch, (unsigned long long)(e->seq - 1),
		       e->seq <= r->root_ok_size ? ""
						 : " (no signed head covers "
						   "it yet)",
		       e->actor, (long long)e->time_ms, e->restored, e->size,
		       e->root,
		       e->first[0] ? e->first
				   : "unknown (the "
				     "restored log is not "
				     "shorter)",
		       e->first[0] ? ".." : "", e->last, e->reason);
	}
}

/* since_epoch finds the statement, under a head whose root checked, that
 * abandons the head given by --since-size and --since-root. */
static const epoch *
since_epoch(const audit_run *r)
{
	char root[MED_HEX_LEN(MED_MERKLE_HASH_LEN)], size[24];

	med_hex_encode(root, sizeof(root), r->args->since_root,
		       MED_MERKLE_HASH_LEN);
	snprintf(size, sizeof(size), "%llu",
		 (unsigned long long)r->args->since_size);
	for (size_t i = 0; i < r->n_epochs; i++)
		if (strcmp(r->epochs[i].size, size) == 0 &&
		    strcmp(r->epochs[i].root, root) == 0 &&
		    r->epochs[i].seq <= r->root_ok_size)
			return &r->epochs[i];
	return NULL;
}

/* since_verdict: a head verified before that the stored tree does not
 * give is explained by a statement, or the run fails. */
static bool
since_verdict(audit_run *r)
{
	const epoch *e = r->since_broken ? since_epoch(r) : NULL;

	if (!r->since_broken)
		return false;
	if (e == NULL) {
		fail_log(r,
			 "the stored tree of %llu entries does not give the "
			 "root you verified before (%s): entries or tree "
			 "nodes before it were changed or removed; run "
			 "auditverify log without --since-size to name them",
			 (unsigned long long)r->args->since_size, r->since_why);
		return false;
	}
	printf("EPOCH BREAK: the head you verified before (%llu entries) is "
	       "not in this log: the statement of epoch %s at leaf %llu "
	       "abandons it (above); the log was checked from its start\n",
	       (unsigned long long)r->args->since_size, e->epoch,
	       (unsigned long long)(e->seq - 1));
	return true;
}

static int
finish(audit_run *r)
{
	char macs[96] = "", what[160];
	bool epoch_break;
	int rc;

	/* The first head past the end is always named (fail_log); the
	 * others are counted like any other failing head. */
	for (size_t first = r->next_head; r->next_head < r->n_heads;
	     r->next_head++)
		(r->next_head == first ? fail_log : fail)(
			r,
			"tree head of size %llu but the log holds %llu "
			"entries (entries removed)",
			(unsigned long long)r->heads[r->next_head].size,
			(unsigned long long)r->f.size);
	check_legacy(r);
	epochs_print(r);
	epoch_break = since_verdict(r);
	entries_text(r, what, sizeof(what));
	if (r->failures > 0) {
		printf("FAIL: %llu problem(s) in %s\n",
		       (unsigned long long)r->failures, what);
		return AV_FAILED;
	}
	if (r->args->has_leaf_keys)
		snprintf(macs, sizeof(macs),
			 ", leaf MACs checked (%llu from before leaf MACs)",
			 (unsigned long long)r->legacy);
	if (!r->args->has_leaf_keys && !r->args->no_leaf_key) {
		printf("UNVERIFIED: %s, tree nodes and %zu signed "
		       "tree heads check%s, but without the leaf keys a row "
		       "forged after the last signed head (its leaf hash "
		       "recomputed) cannot be told from the service's own: "
		       "give --leaf-key-file (the audit service's "
		       "MED_AUDIT_LEAF_KEY_FILE), or --no-leaf-key to accept "
		       "that\n",
		       what, r->n_heads,
		       r->args->n_pubkeys > 0 ? " (signatures checked)" : "");
		print_next_start(r);
		return AV_UNVERIFIED;
	}
	rc = epoch_break ? AV_EPOCH : AV_OK;
	printf("OK: %s, tree nodes and %zu signed tree heads "
	       "verified%s%s%s\n",
	       what, r->n_heads,
	       r->args->n_pubkeys > 0 ? " (signatures checked)" : "", macs,
	       r->args->has_leaf_keys ? ""
				      : " (leaf MACs not checked: "
					"--no-leaf-key)");
	print_next_start(r);
	return rc;
}

/*
 * start_since puts the rebuilt tree at the head verified before: its
 * right edge (one stored node per set bit of the size) must give the root
 * the auditor kept.  When it does not, something before that head was
 * changed or removed, which only a run without --since-size can place.
 */
static med_err
start_since(med_db_conn *c, audit_run *r, uint64_t size)
{
	const av_args *a = r->args;
	uint8_t root[MED_MERKLE_HASH_LEN] = {0};
	med_err err = MED_ERR_DATA_LOSS;

	if (!a->has_since_size)
		return MED_OK;
	if (a->since_size <= size)
		err = med_merkle_frontier_load(&r->f, a->since_size,
					       med_audit_node_get, c);
	if (err != MED_OK && err != MED_ERR_DATA_LOSS)
		return err;
	if (err == MED_OK)
		med_merkle_frontier_root(&r->f, root);
	if (err != MED_OK || memcmp(root, a->since_root, sizeof(root)) != 0) {
		r->since_broken = true;
		r->since_why =
			a->since_size > size ? "the log holds fewer entries"
			: err != MED_OK ? "a stored node is missing or damaged"
					: "a stored hash differs";
		memset(&r->f, 0, sizeof(r->f));
		return MED_OK;
	}
	r->stored = r->f;
	r->expect_seq = a->since_size + 1;
	return MED_OK;
}

/* audit_db reads the heads, the size and the rows through c (with
 * --since-size, the heads and rows from that size on). */
static med_err
read_heads(med_db_conn *c, audit_run *r, uint64_t from_size)
{
	med_db_value from[] = {MED_DB_I64((int64_t)from_size)};

	r->n_heads = r->next_head = 0;
	return med_db_query(c,
			    "SELECT tree_size, timestamp_ms, root_hash,"
			    " signature FROM tree_heads"
			    " WHERE tree_size >= ?"
			    " ORDER BY tree_size, timestamp_ms",
			    from, 1, on_head, r);
}

static med_err
audit_db(med_db_conn *c, audit_run *r)
{
	uint64_t size = 0;
	med_err err = read_heads(c, r, r->args->since_size);

	if (err == MED_OK)
		err = read_size(c, &size);
	if (err == MED_OK)
		err = start_since(c, r, size);
	/* The head given is not in this tree: every head counts again. */
	if (err == MED_OK && r->since_broken)
		err = read_heads(c, r, 0);
	if (err != MED_OK)
		return err;
	err = read_rows(c, r);
	if (err == MED_OK && r->f.size < size)
		fail_log(r,
			 "tree_state counts %llu entries, the log holds %llu",
			 (unsigned long long)size,
			 (unsigned long long)r->f.size);
	return err;
}

int
av_cmd_log(const av_args *a)
{
	audit_run *r = calloc(1, sizeof(*r));
	med_db *db = NULL;
	med_db_conn *c = NULL;
	med_err err;
	int rc = AV_USAGE;

	if (r == NULL || sodium_init() < 0)
		goto free_run;
	r->args = a;
	r->expect_seq = 1;
	r->nodes.items = r->node_buf;
	r->nodes.cap = sizeof(r->node_buf) / sizeof(r->node_buf[0]);
	r->heads = calloc(MAX_HEADS, sizeof(*r->heads));
	if (r->heads == NULL || (err = open_db(a, &db)) != MED_OK)
		goto free_run;
	if ((err = med_db_acquire(db, &c)) == MED_OK) {
		err = audit_db(c, r);
		med_db_release(c);
	}
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
