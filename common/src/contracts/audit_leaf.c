/*
 * audit_leaf.c - the canonical byte encoding of an audit log entry, which
 * the Merkle leaf hash covers, and of an event's details.
 *
 * Packed protobuf is not canonical across implementations, so the log
 * defines its own: fixed field order, big-endian integers, length-prefixed
 * strings.  The audit service and the auditverify tool both use this file;
 * docs/architecture.md describes the same bytes for auditors who write
 * their own verifier.
 */
#include <med/audit.h>
#include <med/bytes.h>

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
