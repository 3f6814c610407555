/*
 * proofcheck.c - proof replies are built from stored nodes, which whoever
 * can write the database could have changed.  Before a reply leaves, its
 * root is checked against the tree the service verified (trust.c) and its
 * proof against that root; when they do not hold, the same nodes are read
 * again, each against its two children, to name the one to blame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_svc.h"

#define HLEN MED_MERKLE_HASH_LEN

typedef struct row_verdict {
	uint8_t *entry;
	med_audit_row_fault fault;
	med_err err;
} row_verdict;

static med_err
on_verdict_row(void *ctx, const med_db_row *row)
{
	row_verdict *v = ctx;
	uint8_t leaf[HLEN];
	med_audit_row r;

	med_audit_row_read(row, &r);
	/* The leaf hash only: a proof that verifies authenticates it, and
	 * rows from before leaf MACs carry none. */
	v->err = med_audit_row_check(&r, NULL, v->entry, MED_AUDIT_ENTRY_MAX,
				     leaf, &v->fault);
	return MED_OK;
}

/* row_fault reads the row at seq and says whether it gives its stored
 * leaf hash (a row that cannot be encoded counts as altered). */
static med_err
row_fault(med_db_conn *c, uint64_t seq, med_audit_row_fault *fault)
{
	row_verdict v = {.entry = malloc(MED_AUDIT_ENTRY_MAX)};
	med_db_value p[] = {MED_DB_I64((int64_t)seq)};
	med_err err = MED_ERR_NOMEM;

	if (v.entry != NULL)
		err = med_db_query_row(c,
				       "SELECT " MED_AUDIT_ROW_COLUMNS
				       " FROM events WHERE seq = ?",
				       p, 1, on_verdict_row, &v);
	free(v.entry);
	if (err != MED_OK)
		return err;
	*fault = v.err == MED_OK ? v.fault : MED_AUDIT_ROW_LEAF_HASH;
	return MED_OK;
}

med_err
audit_row_check(audit_state *st, med_db_conn *c, uint64_t seq)
{
	med_audit_row_fault fault = MED_AUDIT_ROW_OK;
	med_err err = row_fault(c, seq, &fault);

	if (err == MED_ERR_NOT_FOUND)
		return audit_integrity_fail(st, "events: seq %llu is missing",
					    (unsigned long long)seq);
	if (err != MED_OK || fault == MED_AUDIT_ROW_OK)
		return err;
	return audit_integrity_fail(
		st, "leaf %llu (seq %llu): %s", (unsigned long long)(seq - 1),
		(unsigned long long)seq, med_audit_row_fault_text(fault));
}

/* blame - the checking node reader of audit_proof_blame. */
typedef struct blame {
	med_db_conn *c;
	bool found;
	char msg[AUDIT_PROBLEM_LEN];
} blame;

static med_err
blame_node(blame *b, unsigned level, uint64_t index, const char *why)
{
	snprintf(b->msg, sizeof(b->msg), "tree_nodes (level %u, idx %llu): %s",
		 level, (unsigned long long)index, why);
	b->found = true;
	return MED_ERR_DATA_LOSS;
}

static med_err
blame_leaf(blame *b, uint64_t index)
{
	med_audit_row_fault fault = MED_AUDIT_ROW_OK;
	med_err err = row_fault(b->c, index + 1, &fault);

	if (err != MED_OK || fault == MED_AUDIT_ROW_OK)
		return err == MED_ERR_NOT_FOUND ? MED_ERR_DATA_LOSS : err;
	snprintf(b->msg, sizeof(b->msg), "leaf %llu (seq %llu): %s",
		 (unsigned long long)index, (unsigned long long)(index + 1),
		 med_audit_row_fault_text(fault));
	b->found = true;
	return MED_ERR_DATA_LOSS;
}

/* checked_node_get is med_audit_node_get that also checks a node against the
 * two it was made from (a leaf against its row). */
static med_err
checked_node_get(void *ctx, unsigned level, uint64_t index, uint8_t out[HLEN])
{
	blame *b = ctx;
	uint8_t left[HLEN], right[HLEN], h[HLEN];
	med_err err = med_audit_node_get(b->c, level, index, out);

	if (err == MED_ERR_DATA_LOSS && level == 0) {
		snprintf(b->msg, sizeof(b->msg),
			 "events: seq %llu is missing or has no leaf hash",
			 (unsigned long long)(index + 1));
		b->found = true;
		return err;
	}
	if (err == MED_ERR_DATA_LOSS)
		return blame_node(b, level, index, "missing");
	if (err != MED_OK)
		return err;
	if (level == 0)
		return blame_leaf(b, index);
	if (med_audit_node_get(b->c, level - 1, 2 * index, left) != MED_OK ||
	    med_audit_node_get(b->c, level - 1, 2 * index + 1, right) != MED_OK)
		return blame_node(b, level, index,
				  "the nodes below it are missing");
	med_merkle_node_hash(left, right, h);
	if (sodium_memcmp(h, out, HLEN) != 0)
		return blame_node(b, level, index,
				  "does not match the two nodes below it");
	return MED_OK;
}

/* reread reads, checked, what the proof and its root check read. */
static med_err
reread(blame *b, const med_merkle_frontier *f, bool inclusion, uint64_t a,
       uint64_t size)
{
	uint8_t path[MED_MERKLE_MAX_PROOF][HLEN], root[HLEN];
	size_t n = 0;
	med_err err = med_merkle_root(size, checked_node_get, b, root);

	if (err == MED_OK && inclusion)
		err = med_merkle_inclusion_proof(a, size, checked_node_get, b,
						 path, &n);
	if (err == MED_OK && !inclusion && a > 0 && a < size)
		err = med_merkle_consistency_proof(a, size, checked_node_get, b,
						   path, &n);
	if (err == MED_OK && !inclusion && a > 0)
		err = med_merkle_root(a, checked_node_get, b, root);
	if (err == MED_OK && size < f->size)
		err = med_merkle_consistency_proof(
			size, f->size, checked_node_get, b, path, &n);
	return err;
}

med_err
audit_proof_blame(audit_state *st, med_db_conn *c, const med_merkle_frontier *f,
		  bool inclusion, uint64_t a, uint64_t size)
{
	blame b = {.c = c};
	med_err err = reread(&b, f, inclusion, a, size);

	if (b.found)
		return audit_integrity_fail(st, "%s", b.msg);
	if (err != MED_OK && err != MED_ERR_DATA_LOSS)
		return err;
	return audit_integrity_fail(
		st,
		"a proof in the tree of size %llu built from the stored nodes "
		"disagrees with the verified tree of size %llu",
		(unsigned long long)size, (unsigned long long)f->size);
}

med_err
audit_root_check(audit_state *st, med_db_conn *c, const med_merkle_frontier *f,
		 uint64_t size, const uint8_t root[HLEN])
{
	uint8_t trusted[HLEN], path[MED_MERKLE_MAX_PROOF][HLEN];
	size_t n = 0;
	med_err err;

	if (size == 0 || size > f->size)
		return MED_ERR_INTERNAL;
	med_merkle_frontier_root(f, trusted);
	if (size == f->size) {
		if (sodium_memcmp(root, trusted, HLEN) == 0)
			return MED_OK;
		return audit_proof_blame(st, c, f, false, 0, size);
	}
	err = med_merkle_consistency_proof(size, f->size, med_audit_node_get, c,
					   path, &n);
	if (err == MED_OK &&
	    med_merkle_verify_consistency(size, f->size, root, trusted,
					  (const uint8_t(*)[HLEN])path, n))
		return MED_OK;
	if (err != MED_OK && err != MED_ERR_DATA_LOSS)
		return err;
	return audit_proof_blame(st, c, f, false, 0, size);
}
