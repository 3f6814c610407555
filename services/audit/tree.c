/*
 * tree.c - reads of the Merkle log's SQL: the tree size, stored subtree
 * hashes and signed tree heads.
 */
#include <string.h>

#include "audit_svc.h"

typedef struct one_int {
	int64_t v;
	bool found;
} one_int;

static med_err
on_int(void *ctx, const med_db_row *row)
{
	one_int *o = ctx;

	o->v = med_db_row_int64(row, 0);
	o->found = true;
	return MED_OK;
}

med_err
audit_tree_size(med_db_conn *c, bool for_update, uint64_t *size)
{
	one_int o = {0, false};
	med_err err = med_db_query(
		c,
		for_update
			? "SELECT size FROM tree_state WHERE id = 1 FOR UPDATE"
			: "SELECT size FROM tree_state WHERE id = 1",
		NULL, 0, on_int, &o);

	if (err != MED_OK)
		return err;
	if (!o.found)
		return MED_ERR_INTERNAL;
	*size = (uint64_t)o.v;
	return MED_OK;
}

typedef struct one_hash {
	uint8_t *out;
	bool found;
} one_hash;

static med_err
on_hash(void *ctx, const med_db_row *row)
{
	one_hash *o = ctx;
	size_t len = 0;
	const char *h = med_db_row_text(row, 0, &len);

	if (h == NULL || len != MED_MERKLE_HASH_LEN)
		return MED_ERR_DATA_LOSS;
	memcpy(o->out, h, len);
	o->found = true;
	return MED_OK;
}

med_err
audit_node_get(void *ctx, unsigned level, uint64_t index,
	       uint8_t out[MED_MERKLE_HASH_LEN])
{
	one_hash o = {out, false};
	med_db_value v[] = {MED_DB_I64(level), MED_DB_I64((int64_t)index)};
	med_err err;

	if (level == 0)
		err = med_db_query(
			ctx,
			"SELECT leaf_hash FROM events WHERE seq = ?"
			" AND leaf_hash IS NOT NULL",
			(med_db_value[]){MED_DB_I64((int64_t)index + 1)}, 1,
			on_hash, &o);
	else
		err = med_db_query(ctx,
				   "SELECT hash FROM tree_nodes"
				   " WHERE level = ? AND idx = ?",
				   v, 2, on_hash, &o);

	if (err != MED_OK)
		return err;
	/* A node the tree size says exists but is missing: damaged store. */
	return o.found ? MED_OK : MED_ERR_DATA_LOSS;
}

typedef struct sth_row {
	audit_sth *h;
	bool found;
	med_err err;
} sth_row;

static med_err
on_sth(void *ctx, const med_db_row *row)
{
	sth_row *r = ctx;
	size_t rl = 0, sl = 0, kl = 0;
	const char *root = med_db_row_text(row, 2, &rl);
	const char *sig = med_db_row_text(row, 3, &sl);
	const char *kid = med_db_row_text(row, 4, &kl);

	if (root == NULL || sig == NULL || kid == NULL ||
	    rl != MED_MERKLE_HASH_LEN || sl != crypto_sign_BYTES ||
	    kl > AUDIT_KEY_ID_LEN)
		return MED_ERR_DATA_LOSS;
	r->h->tree_size = (uint64_t)med_db_row_int64(row, 0);
	r->h->timestamp_ms = med_db_row_int64(row, 1);
	memcpy(r->h->root, root, rl);
	memcpy(r->h->sig, sig, sl);
	memcpy(r->h->key_id, kid, kl);
	r->h->key_id[kl] = '\0';
	r->found = true;
	return MED_OK;
}

med_err
audit_sth_latest(med_db_conn *c, audit_sth *out)
{
	audit_sth h;
	sth_row r = {&h, false, MED_OK};
	med_err err = med_db_query(
		c,
		"SELECT tree_size, timestamp_ms, root_hash, signature, key_id"
		" FROM tree_heads ORDER BY tree_size DESC, timestamp_ms DESC"
		" LIMIT 1",
		NULL, 0, on_sth, &r);

	if (err != MED_OK)
		return err;
	if (!r.found)
		return MED_ERR_NOT_FOUND;
	*out = h;
	return MED_OK;
}
