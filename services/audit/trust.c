/*
 * trust.c - what the audit service has verified, and what it does when the
 * store disagrees with it.
 *
 * Whoever can write the audit database can add a row, change one, or
 * change a stored subtree hash.  So the service never builds on tree state
 * it did not write or check.  It keeps the frontier of the verified tree in
 * memory (append.c extends it with what it commits); at start it takes the
 * newest head it signed (signature checked) and requires the stored
 * right-edge nodes to give that head's root; every row it did not append
 * itself (the tail after that head, rows another replica appended) is
 * checked before it counts: the leaf hash recomputed from the fields, the
 * MAC under the leaf key that the database never holds, and the subtree
 * hashes stored for it.  Proof replies are checked against the verified
 * root before they leave (handlers.c).
 *
 * A disagreement is reported loudly (an error line, a counter, a gauge at
 * 0, the call's DATA_LOSS naming the row or node) and stops head signing
 * until a restart verifies again: a signed head over forged rows is the one
 * thing the log must never produce.
 */
#include <med/log.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_svc.h"

#define HLEN MED_MERKLE_HASH_LEN
/* Rows checked per read while catching up; bounds the memory it takes. */
#define VERIFY_PAGE_ROWS 1000

med_err
audit_integrity_fail(audit_state *st, const char *fmt, ...)
{
	char msg[AUDIT_PROBLEM_LEN];
	va_list ap;
	bool repeated;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&st->trust_mu);
	repeated = strcmp(st->problem, msg) == 0;
	memcpy(st->problem, msg, sizeof(msg));
	pthread_mutex_unlock(&st->trust_mu);
	/* Ingest retries a refused batch every few seconds: say it once. */
	if (repeated)
		return MED_ERR_DATA_LOSS;
	med_log_error("audit: INTEGRITY: %s; no tree head is signed until "
		      "the store is repaired and the service restarted",
		      msg);
	med_counter_add(st->integrity_failures, 1);
	med_gauge_set(st->integrity_ok, 0);
	return MED_ERR_DATA_LOSS;
}

bool
audit_integrity_problem(audit_state *st, char *buf, size_t len)
{
	bool has;

	pthread_mutex_lock(&st->trust_mu);
	has = st->problem[0] != '\0';
	if (buf != NULL && len > 0)
		snprintf(buf, len, "%s", st->problem);
	pthread_mutex_unlock(&st->trust_mu);
	return has;
}

void
audit_trust_publish(audit_state *st, const med_merkle_frontier *f)
{
	pthread_mutex_lock(&st->trust_mu);
	if (!st->trusted_ready || f->size > st->trusted.size) {
		st->trusted = *f;
		st->trusted_ready = true;
	}
	pthread_mutex_unlock(&st->trust_mu);
}

/* key_head reads the newest head of key k (*has: whether it signed
 * any); a damaged one is an integrity failure. */
static med_err
key_head(audit_state *st, med_db_conn *c, const audit_pubkey *k, audit_sth *out,
	 bool *has)
{
	med_err err = audit_sth_latest_of_key(c, k->key_id, out);

	*has = err == MED_OK;
	if (err == MED_ERR_DATA_LOSS)
		return audit_integrity_fail(st,
					    "tree_heads: the newest head "
					    "of key %s is damaged",
					    k->key_id);
	return err == MED_ERR_NOT_FOUND ? MED_OK : err;
}

/*
 * newest_head finds the newest head signed with this service's key or one
 * of its previous keys (MED_AUDIT_PREVIOUS_PUBKEYS) and checks that key's
 * signature on it.  *prev: the previous key that signed it, NULL for the
 * service's own; *found false when none of them signed any.
 */
static med_err
newest_head(audit_state *st, med_db_conn *c, audit_sth *h, bool *found,
	    const audit_pubkey **prev)
{
	audit_pubkey own;
	const audit_pubkey *signer = NULL;
	uint64_t newest = 0;
	med_err err = MED_OK;

	memcpy(own.pk, st->pk, sizeof(own.pk));
	memcpy(own.key_id, st->key_id, sizeof(own.key_id));
	for (size_t i = 0; err == MED_OK && i <= st->n_previous; i++) {
		const audit_pubkey *k = i == 0 ? &own : &st->previous[i - 1];
		audit_sth cand;
		bool has;
		err = key_head(st, c, k, &cand, &has);
		if (has && (signer == NULL || cand.tree_size > newest)) {
			*h = cand;
			newest = cand.tree_size;
			signer = k;
		}
	}
	*found = signer != NULL;
	*prev = signer == &own ? NULL : signer;
	if (err != MED_OK || signer == NULL || audit_sth_verify(signer->pk, h))
		return err;
	return audit_integrity_fail(
		st,
		"tree_heads: the head of size %llu (%lld ms) does not carry "
		"the signature of key %s",
		(unsigned long long)h->tree_size, (long long)h->timestamp_ms,
		signer->key_id);
}

/*
 * establish builds the first verified frontier from the newest head signed
 * with this service's key or a previous key of its own (a rotation).
 * Without one (a new log, or a new signing key not told of the old) it
 * starts from the empty tree and every row is checked.
 */
static med_err
establish(audit_state *st, med_db_conn *c, med_merkle_frontier *f)
{
	const audit_pubkey *prev = NULL;
	uint8_t root[HLEN];
	audit_sth h;
	bool found = false;
	med_err err = newest_head(st, c, &h, &found, &prev);

	memset(f, 0, sizeof(*f));
	if (err != MED_OK)
		return err;
	if (found) {
		err = med_merkle_frontier_load(f, h.tree_size,
					       med_audit_node_get, c);
		if (err != MED_OK && err != MED_ERR_DATA_LOSS)
			return err;
		med_merkle_frontier_root(f, root);
		if (err != MED_OK || sodium_memcmp(root, h.root, HLEN) != 0)
			return audit_integrity_fail(
				st,
				"the stored right-edge nodes of the tree of "
				"size %llu do not give the root of its signed "
				"head (a tree_nodes or leaf_hash row was "
				"changed or removed; auditverify log names it)",
				(unsigned long long)h.tree_size);
	}
	audit_trust_publish(st, f);
	med_log_info("audit: verified tree established at %llu entries%s%s%s",
		     (unsigned long long)f->size,
		     prev != NULL ? " (from the newest head of previous key "
				  : "",
		     prev != NULL ? prev->key_id : "", prev != NULL ? ")" : "");
	return MED_OK;
}

med_err
audit_trust_begin(audit_state *st, med_db_conn *c, med_merkle_frontier *f)
{
	bool ready;

	pthread_mutex_lock(&st->trust_mu);
	ready = st->trusted_ready;
	if (ready)
		*f = st->trusted;
	pthread_mutex_unlock(&st->trust_mu);
	if (ready)
		return MED_OK;
	return establish(st, c, f);
}

/* page_check - one page of rows being checked onto a frontier. */
typedef struct page_check {
	audit_state *st;
	med_merkle_frontier *f;
	med_merkle_node_list nodes;
	uint8_t *entry;
} page_check;

static med_err
on_check_row(void *ctx, const med_db_row *row)
{
	page_check *p = ctx;
	uint8_t leaf[HLEN];
	med_audit_row r;
	med_audit_row_fault fault = MED_AUDIT_ROW_OK;
	med_err err;

	med_audit_row_read(row, &r);
	if (r.rec.seq != p->f->size + 1)
		return audit_integrity_fail(
			p->st, "events: seq %llu follows seq %llu (a gap)",
			(unsigned long long)r.rec.seq,
			(unsigned long long)p->f->size);
	err = med_audit_row_check(&r, &p->st->leaf_keys, p->entry,
				  MED_AUDIT_ENTRY_MAX, leaf, &fault);
	if (err != MED_OK || fault != MED_AUDIT_ROW_OK)
		return audit_integrity_fail(
			p->st, "leaf %llu (seq %llu): %s",
			(unsigned long long)(r.rec.seq - 1),
			(unsigned long long)r.rec.seq,
			err != MED_OK ? "cannot be encoded"
				      : med_audit_row_fault_text(fault));
	return med_merkle_frontier_append(p->f, leaf, med_merkle_node_list_add,
					  &p->nodes);
}

/* check_nodes compares the subtrees a page completed with the stored ones. */
static med_err
check_nodes(page_check *p, med_db_conn *c)
{
	med_merkle_node bad;
	bool missing = false;
	med_err err = med_merkle_nodes_check(&p->nodes, med_audit_node_range, c,
					     &bad, &missing);

	if (err != MED_ERR_DATA_LOSS)
		return err;
	return audit_integrity_fail(
		p->st, "tree_nodes (level %u, idx %llu): %s", bad.level,
		(unsigned long long)bad.index,
		missing ? "missing" : "does not match the rows below it");
}

/* check_page checks rows f->size + 1 .. upto and appends them to f. */
static med_err
check_page(audit_state *st, med_db_conn *c, med_merkle_frontier *f,
	   uint64_t upto)
{
	page_check p = {.st = st, .f = f};
	med_db_value v[] = {MED_DB_I64((int64_t)f->size),
			    MED_DB_I64((int64_t)upto)};
	med_err err = MED_ERR_NOMEM;

	p.nodes.cap = VERIFY_PAGE_ROWS + MED_MERKLE_MAX_LEVEL;
	p.nodes.items = malloc(p.nodes.cap * sizeof(*p.nodes.items));
	p.entry = malloc(MED_AUDIT_ENTRY_MAX);
	if (p.nodes.items == NULL || p.entry == NULL)
		goto free_page;
	err = med_db_query(c,
			   "SELECT " MED_AUDIT_ROW_COLUMNS " FROM events"
			   " WHERE seq > ? AND seq <= ? ORDER BY seq",
			   v, 2, on_check_row, &p);
	if (err == MED_OK && f->size < upto)
		err = audit_integrity_fail(
			st,
			"events: tree_state counts %llu entries, rows "
			"after seq %llu are missing",
			(unsigned long long)upto, (unsigned long long)f->size);
	if (err == MED_OK)
		err = check_nodes(&p, c);
free_page:
	free(p.entry);
	free(p.nodes.items);
	return err;
}

med_err
audit_trust_extend(audit_state *st, med_db_conn *c, med_merkle_frontier *f,
		   uint64_t size)
{
	if (size < f->size)
		return audit_integrity_fail(
			st,
			"tree_state: the log holds %llu entries but %llu were "
			"verified: entries were removed",
			(unsigned long long)size, (unsigned long long)f->size);
	while (f->size < size) {
		uint64_t upto = size - f->size > VERIFY_PAGE_ROWS
					? f->size + VERIFY_PAGE_ROWS
					: size;
		med_err err = check_page(st, c, f, upto);
		if (err != MED_OK)
			return err;
		audit_trust_publish(st, f);
	}
	return MED_OK;
}

med_err
audit_trust_now(audit_state *st, med_db_conn *c, med_merkle_frontier *f)
{
	uint64_t size;
	med_err err = audit_trust_begin(st, c, f);

	if (err == MED_OK)
		err = audit_tree_size(c, false, &size);
	if (err == MED_OK)
		err = audit_trust_extend(st, c, f, size);
	return err;
}
