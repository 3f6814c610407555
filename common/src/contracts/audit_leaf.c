/*
 * audit_leaf.c - the canonical byte encoding of an audit log entry, which
 * the Merkle leaf hash covers, and of an event's details.
 *
 * Packed protobuf is not canonical across implementations, so the log
 * defines its own: fixed field order, big-endian integers, length-prefixed
 * strings.  The audit service and the auditverify tool both use this file;
 * docs/internals/audit-log.md, "Leaf entry", describes the same bytes for
 * auditors who write their own verifier.
 *
 * Each leaf also carries a MAC under a key that lives outside the database,
 * so whoever can write the database still cannot add or rewrite a leaf
 * that the service or an auditor holding the key would accept.
 */
#include <med/audit.h>
#include <med/audit_log.h>
#include <med/bytes.h>
#include <med/codec.h>
#include <med/db.h>
#include <med/merkle.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define LEAF_VERSION 0x01

/* put_str writes a string of the log: 4-byte length, bytes. */
static void
put_str(med_wbuf *w, const char *s)
{
	med_wbuf_put_str(w, s, s ? strlen(s) : 0, 4);
}

med_err
med_audit_leaf_entry(const med_audit_record *r, uint8_t *buf, size_t cap,
		     size_t *len)
{
	med_wbuf w = {buf, 0, cap, false};
	const char *strs[] = {r->event_id, r->service,	   r->action,
			      r->actor,	   r->actor_roles, r->patient_id,
			      r->resource};
	const char *tail[] = {r->request_id, r->detail, r->action_code,
			      r->purpose_of_use};
	static const uint8_t no_details[4] = {0, 0, 0, 0};

	if (r->seq == 0)
		return MED_ERR_INVALID;
	med_wbuf_put_be(&w, LEAF_VERSION, 1);
	med_wbuf_put_be(&w, r->seq - 1, 8);
	med_wbuf_put_be(&w, (uint64_t)r->stored_ms, 8);
	med_wbuf_put_be(&w, (uint64_t)r->time_ms, 8);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		put_str(&w, strs[i]);
	med_wbuf_put_be(&w, (uint64_t)r->outcome, 8);
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		put_str(&w, tail[i]);
	med_wbuf_put_be(&w, r->break_glass ? 1 : 0, 1);
	if (r->details != NULL && r->details_len > 0)
		med_wbuf_put(&w, r->details, r->details_len);
	else
		med_wbuf_put(&w, no_details, sizeof(no_details));
	if (w.over)
		return MED_ERR_LIMIT;
	*len = w.len;
	return MED_OK;
}

med_err
med_audit_details_encode(const med_audit_detail *d, size_t n, uint8_t *buf,
			 size_t cap, size_t *len)
{
	med_wbuf w = {buf, 0, cap, false};

	med_wbuf_put_be(&w, n, 4);
	for (size_t i = 0; i < n; i++) {
		put_str(&w, d[i].key);
		put_str(&w, d[i].value);
	}
	if (w.over)
		return MED_ERR_LIMIT;
	*len = w.len;
	return MED_OK;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* take_str copies the next string of the blob into text; NULL on error. */
static const char *
take_str(const uint8_t *blob, size_t len, size_t *off, char *text,
	 size_t text_cap, size_t *used, med_err *err)
{
	uint32_t n;
	char *s;

	if (len - *off < 4) {
		*err = MED_ERR_DATA_LOSS;
		return NULL;
	}
	n = get_be32(blob + *off);
	*off += 4;
	if (n > len - *off) {
		*err = MED_ERR_DATA_LOSS;
		return NULL;
	}
	if (n + 1 > text_cap - *used) {
		*err = MED_ERR_LIMIT;
		return NULL;
	}
	s = text + *used;
	memcpy(s, blob + *off, n);
	s[n] = '\0';
	*off += n;
	*used += n + 1;
	return s;
}

med_err
med_audit_details_decode(const uint8_t *blob, size_t len, med_audit_detail *d,
			 size_t max, size_t *n, char *text, size_t text_cap)
{
	size_t off = 4, used = 0;
	uint32_t count;
	med_err err = MED_OK;

	if (blob == NULL || len == 0) {
		*n = 0;
		return MED_OK;
	}
	if (len < 4)
		return MED_ERR_DATA_LOSS;
	count = get_be32(blob);
	if (count > max)
		return MED_ERR_LIMIT;
	for (uint32_t i = 0; i < count; i++) {
		d[i].key =
			take_str(blob, len, &off, text, text_cap, &used, &err);
		if (d[i].key != NULL)
			d[i].value = take_str(blob, len, &off, text, text_cap,
					      &used, &err);
		if (err != MED_OK)
			return err;
	}
	if (off != len)
		return MED_ERR_DATA_LOSS;
	*n = count;
	return MED_OK;
}

void
med_audit_sth_message(uint64_t tree_size, int64_t timestamp_ms,
		      const uint8_t root[32],
		      uint8_t out[MED_AUDIT_STH_MSG_LEN])
{
	static const char tag[22] = "smartmed-audit-sth-v1";
	med_wbuf w = {out, 0, MED_AUDIT_STH_MSG_LEN, false};

	med_wbuf_put(&w, tag, sizeof(tag));
	med_wbuf_put_be(&w, tree_size, 8);
	med_wbuf_put_be(&w, (uint64_t)timestamp_ms, 8);
	med_wbuf_put(&w, root, 32);
}

/* --- leaf MACs ------------------------------------------------------------ */

#define KEY_FILE_MAX 4096
#define KEY_HEX_LEN  (2 * MED_AUDIT_LEAF_KEY_LEN)

void
med_audit_leaf_mac(const uint8_t key[MED_AUDIT_LEAF_KEY_LEN],
		   const uint8_t leaf_hash[32],
		   uint8_t out[MED_AUDIT_LEAF_MAC_LEN])
{
	static const char tag[27] = "smartmed-audit-leaf-mac-v1";
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, MED_AUDIT_LEAF_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)tag, sizeof(tag));
	crypto_auth_hmacsha256_update(&st, leaf_hash, 32);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

bool
med_audit_leaf_mac_ok(const med_audit_leaf_keys *keys,
		      const uint8_t leaf_hash[32], const uint8_t *mac,
		      size_t mac_len)
{
	uint8_t want[MED_AUDIT_LEAF_MAC_LEN];

	if (mac == NULL || mac_len != MED_AUDIT_LEAF_MAC_LEN)
		return false;
	for (size_t i = 0; i < keys->n; i++) {
		med_audit_leaf_mac(keys->key[i], leaf_hash, want);
		if (sodium_memcmp(want, mac, sizeof(want)) == 0)
			return true;
	}
	return false;
}

/* key_line parses one line of a key file into key; false unless it is
 * exactly 64 hex digits (a trailing CR is forgiven). */
static bool
key_line(const char *line, size_t n, uint8_t key[MED_AUDIT_LEAF_KEY_LEN])
{
	size_t got;

	if (n > 0 && line[n - 1] == '\r')
		n--;
	return n == KEY_HEX_LEN &&
	       med_hex_decode(line, n, key, MED_AUDIT_LEAF_KEY_LEN, &got) ==
		       MED_OK;
}

med_err
med_audit_leaf_keys_parse(const char *text, size_t len,
			  med_audit_leaf_keys *out, size_t *bad_line)
{
	med_audit_leaf_keys k = {.n = 0};
	size_t line_no = 0, off = 0;

	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;

		off += n + (nl != NULL);
		line_no++;
		if (n == 0 || line[0] == '#' || (n == 1 && line[0] == '\r'))
			continue;
		*bad_line = line_no;
		if (k.n == MED_AUDIT_LEAF_KEYS_MAX)
			return MED_ERR_LIMIT;
		if (!key_line(line, n, k.key[k.n]))
			return MED_ERR_INVALID;
		k.n++;
	}
	*bad_line = 0;
	if (k.n == 0)
		return MED_ERR_INVALID;
	*out = k;
	sodium_memzero(&k, sizeof(k));
	return MED_OK;
}

/* read_small reads all of path into buf (at most cap - 1 bytes). */
static med_err
read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t n;
	bool more;

	if (f == NULL)
		return errno == ENOENT ? MED_ERR_NOT_FOUND : MED_ERR_IO;
	n = fread(buf, 1, cap - 1, f);
	more = fgetc(f) != EOF;
	if (ferror(f)) {
		int saved = errno;
		fclose(f);
		errno = saved;
		return MED_ERR_IO;
	}
	fclose(f);
	if (more)
		return MED_ERR_LIMIT;
	*len = n;
	return MED_OK;
}

med_err
med_audit_leaf_keys_read(const char *path, med_audit_leaf_keys *out,
			 char *errbuf, size_t errlen)
{
	char buf[KEY_FILE_MAX + 1];
	size_t len = 0, bad = 0;
	med_err err = read_small(path, buf, sizeof(buf), &len);

	if (err == MED_OK)
		err = med_audit_leaf_keys_parse(buf, len, out, &bad);
	sodium_memzero(buf, sizeof(buf));
	if (err == MED_ERR_NOT_FOUND || err == MED_ERR_IO)
		snprintf(errbuf, errlen, "%s: cannot read: %s", path,
			 err == MED_ERR_NOT_FOUND ? "no such file"
						  : strerror(errno));
	else if (err == MED_ERR_LIMIT && bad == 0)
		snprintf(errbuf, errlen, "%s: larger than %d bytes", path,
			 KEY_FILE_MAX);
	else if (err == MED_ERR_LIMIT)
		snprintf(errbuf, errlen, "%s: line %zu: more than %d keys",
			 path, bad, MED_AUDIT_LEAF_KEYS_MAX);
	else if (err == MED_ERR_INVALID && bad == 0)
		snprintf(errbuf, errlen, "%s: holds no key", path);
	else if (err == MED_ERR_INVALID)
		snprintf(errbuf, errlen,
			 "%s: line %zu: not a key (64 hex digits)", path, bad);
	return err;
}

/* --- stored rows ------------------------------------------------------- */

void
med_audit_row_read(const struct med_db_row *row, med_audit_row *out)
{
	med_audit_record *r = &out->rec;
	const char **strs[] = {&r->service,	&r->action,	&r->actor,
			       &r->actor_roles, &r->patient_id, &r->resource};
	const char **tail[] = {&r->request_id, &r->detail, &r->action_code,
			       &r->purpose_of_use};

	memset(out, 0, sizeof(*out));
	r->seq = (uint64_t)med_db_row_int64(row, 0);
	r->stored_ms = med_db_row_int64(row, 1);
	r->event_id = med_db_row_text(row, 2, NULL);
	r->time_ms = med_db_row_int64(row, 3);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		*strs[i] = med_db_row_text(row, 4 + i, NULL);
	r->outcome = med_db_row_int64(row, 10);
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		*tail[i] = med_db_row_text(row, 11 + i, NULL);
	r->break_glass = med_db_row_int64(row, 15) != 0;
	r->details = (const uint8_t *)med_db_row_text(row, 16, &r->details_len);
	out->leaf_hash =
		(const uint8_t *)med_db_row_text(row, 17, &out->leaf_hash_len);
	out->leaf_mac =
		(const uint8_t *)med_db_row_text(row, 18, &out->leaf_mac_len);
}

med_err
med_audit_row_check(const med_audit_row *r, const med_audit_leaf_keys *keys,
		    uint8_t *entry, size_t entry_cap, uint8_t leaf[32],
		    med_audit_row_fault *fault)
{
	size_t len = 0;
	med_err err = med_audit_leaf_entry(&r->rec, entry, entry_cap, &len);

	if (err != MED_OK)
		return err;
	med_merkle_leaf_hash(entry, len, leaf);
	if (r->leaf_hash == NULL || r->leaf_hash_len != 32 ||
	    sodium_memcmp(r->leaf_hash, leaf, 32) != 0)
		*fault = MED_AUDIT_ROW_LEAF_HASH;
	else if (keys == NULL)
		*fault = MED_AUDIT_ROW_OK;
	else if (r->leaf_mac == NULL)
		*fault = MED_AUDIT_ROW_NO_MAC;
	else if (!med_audit_leaf_mac_ok(keys, leaf, r->leaf_mac,
					r->leaf_mac_len))
		*fault = MED_AUDIT_ROW_BAD_MAC;
	else
		*fault = MED_AUDIT_ROW_OK;
	return MED_OK;
}

const char *
med_audit_row_fault_text(med_audit_row_fault fault)
{
	switch (fault) {
	case MED_AUDIT_ROW_OK:
		return "ok";
	case MED_AUDIT_ROW_LEAF_HASH:
		return "the entry does not match its stored leaf hash (row "
		       "altered)";
	case MED_AUDIT_ROW_NO_MAC:
		return "no leaf MAC (not written by the audit service)";
	case MED_AUDIT_ROW_BAD_MAC:
		return "its leaf MAC does not verify with the key (not written "
		       "by the audit service)";
	}
	return "unknown fault";
}

typedef struct range_rows {
	unsigned level;
	med_err (*found)(void *ctx, unsigned level, uint64_t index,
			 const uint8_t hash[32]);
	void *found_ctx;
} range_rows;

static med_err
on_range_row(void *ctx, const med_db_row *row)
{
	static const uint8_t zero[32];
	range_rows *r = ctx;
	size_t len = 0;
	const uint8_t *h = (const uint8_t *)med_db_row_text(row, 1, &len);

	return r->found(r->found_ctx, r->level,
			(uint64_t)med_db_row_int64(row, 0),
			h != NULL && len == 32 ? h : zero);
}

typedef struct one_node {
	uint8_t *out;
	bool found;
} one_node;

static med_err
on_node_row(void *ctx, const med_db_row *row)
{
	one_node *o = ctx;
	size_t len = 0;
	const char *h = med_db_row_text(row, 0, &len);

	if (h == NULL || len != 32)
		return MED_ERR_DATA_LOSS;
	memcpy(o->out, h, 32);
	o->found = true;
	return MED_OK;
}

med_err
med_audit_node_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	one_node o = {out, false};
	med_db_value leaf[] = {MED_DB_I64((int64_t)index + 1)};
	med_db_value node[] = {MED_DB_I64(level), MED_DB_I64((int64_t)index)};
	med_err err;

	if (level == 0)
		err = med_db_query(ctx,
				   "SELECT leaf_hash FROM events WHERE seq = ?"
				   " AND leaf_hash IS NOT NULL",
				   leaf, 1, on_node_row, &o);
	else
		err = med_db_query(ctx,
				   "SELECT hash FROM tree_nodes"
				   " WHERE level = ? AND idx = ?",
				   node, 2, on_node_row, &o);
	if (err != MED_OK)
		return err;
	return o.found ? MED_OK : MED_ERR_DATA_LOSS;
}

med_err
med_audit_node_range(void *ctx, unsigned level, uint64_t first, uint64_t last,
		     med_err (*found)(void *found_ctx, unsigned level,
				      uint64_t index, const uint8_t hash[32]),
		     void *found_ctx)
{
	range_rows r = {level, found, found_ctx};
	med_db_value leaves[] = {MED_DB_I64((int64_t)first + 1),
				 MED_DB_I64((int64_t)last + 1)};
	med_db_value nodes[] = {MED_DB_I64(level), MED_DB_I64((int64_t)first),
				MED_DB_I64((int64_t)last)};

	if (level == 0)
		return med_db_query(ctx,
				    "SELECT seq - 1, leaf_hash FROM events"
				    " WHERE seq BETWEEN ? AND ? ORDER BY seq",
				    leaves, 2, on_range_row, &r);
	return med_db_query(ctx,
			    "SELECT idx, hash FROM tree_nodes WHERE level = ?"
			    " AND idx BETWEEN ? AND ? ORDER BY idx",
			    nodes, 3, on_range_row, &r);
}
