/*
 * tree.c - reads of the Merkle log's SQL: the tree size, stored subtree
 * hashes and signed tree heads.
 */
#include <string.h>

#include "audit_svc.h"

/* The size is tree_state's one row, which the migrations make: no row is a
 * broken database, not an empty log. */
med_err
audit_tree_size(med_db_conn *c, bool for_update, uint64_t *size)
{
	int64_t v = 0;
	med_err err = med_db_query_row(
		c,
		for_update
			? "SELECT size FROM tree_state WHERE id = 1 FOR UPDATE"
			: "SELECT size FROM tree_state WHERE id = 1",
		NULL, 0, med_db_row_take_int64, &v);

	if (err == MED_ERR_NOT_FOUND)
		return MED_ERR_INTERNAL;
	if (err != MED_OK)
		return err;
	*size = (uint64_t)v;
	return MED_OK;
}

med_err
audit_sth_decode(const audit_sth_cols *c, audit_sth *out)
{
	if (c->root == NULL || c->sig == NULL || c->key_id == NULL ||
	    c->root_len != MED_MERKLE_HASH_LEN ||
	    c->sig_len != crypto_sign_BYTES || c->key_id_len > AUDIT_KEY_ID_LEN)
		return MED_ERR_DATA_LOSS;
	out->tree_size = (uint64_t)c->tree_size;
	out->timestamp_ms = c->timestamp_ms;
	memcpy(out->root, c->root, c->root_len);
	memcpy(out->sig, c->sig, c->sig_len);
	memcpy(out->key_id, c->key_id, c->key_id_len);
	out->key_id[c->key_id_len] = '\0';
	return MED_OK;
}

static med_err
on_sth(void *ctx, const med_db_row *row)
{
	audit_sth_cols c = {
		.tree_size = med_db_row_int64(row, 0),
		.timestamp_ms = med_db_row_int64(row, 1),
	};

	c.root = med_db_row_text(row, 2, &c.root_len);
	c.sig = med_db_row_text(row, 3, &c.sig_len);
	c.key_id = med_db_row_text(row, 4, &c.key_id_len);
	return audit_sth_decode(&c, ctx);
}

#define STH_COLUMNS "tree_size, timestamp_ms, root_hash, signature, key_id"
#define STH_NEWEST  " ORDER BY tree_size DESC, timestamp_ms DESC LIMIT 1"

/* sth_one reads the one head sql selects. */
static med_err
sth_one(med_db_conn *c, const char *sql, const med_db_value *v, size_t n,
	audit_sth *out)
{
	audit_sth h;
	med_err err = med_db_query_row(c, sql, v, n, on_sth, &h);

	if (err == MED_OK)
		*out = h;
	return err;
}

med_err
audit_sth_latest(med_db_conn *c, audit_sth *out)
{
	return sth_one(c, "SELECT " STH_COLUMNS " FROM tree_heads" STH_NEWEST,
		       NULL, 0, out);
}

med_err
audit_sth_latest_of_key(med_db_conn *c, const char *key_id, audit_sth *out)
{
	med_db_value v[] = {MED_DB_STR(key_id)};

	return sth_one(c,
		       "SELECT " STH_COLUMNS
		       " FROM tree_heads WHERE key_id = ?" STH_NEWEST,
		       v, 1, out);
}

bool
audit_sth_verify(const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
		 const audit_sth *h)
{
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	med_audit_sth_message(h->tree_size, h->timestamp_ms, h->root, msg);
	return crypto_sign_verify_detached(h->sig, msg, sizeof(msg), pk) == 0;
}
