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

#include <string.h>

#define LEAF_VERSION 0x01

typedef struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool over;
} wbuf;

static void
put_bytes(wbuf *w, const void *src, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void
put_be(wbuf *w, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	put_bytes(w, b, bytes);
}

static void
put_str(wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > UINT32_MAX) {
		w->over = true;
		return;
	}
	put_be(w, n, 4);
	put_bytes(w, s, n);
}

med_err
med_audit_leaf_entry(const med_audit_record *r, uint8_t *buf, size_t cap,
		     size_t *len)
{
	wbuf w = {buf, 0, cap, false};
	const char *strs[] = {r->event_id, r->service,	   r->action,
			      r->actor,	   r->actor_roles, r->patient_id,
			      r->resource};
	const char *tail[] = {r->request_id, r->detail, r->action_code,
			      r->purpose_of_use};
	static const uint8_t no_details[4] = {0, 0, 0, 0};

	if (r->seq == 0)
		return MED_ERR_INVALID;
	put_be(&w, LEAF_VERSION, 1);
	put_be(&w, r->seq - 1, 8);
	put_be(&w, (uint64_t)r->stored_ms, 8);
	put_be(&w, (uint64_t)r->time_ms, 8);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		put_str(&w, strs[i]);
	put_be(&w, (uint64_t)r->outcome, 8);
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		put_str(&w, tail[i]);
	put_be(&w, r->break_glass ? 1 : 0, 1);
	if (r->details != NULL && r->details_len > 0)
		put_bytes(&w, r->details, r->details_len);
	else
		put_bytes(&w, no_details, sizeof(no_details));
	if (w.over)
		return MED_ERR_LIMIT;
	*len = w.len;
	return MED_OK;
}

med_err
med_audit_details_encode(const med_audit_detail *d, size_t n, uint8_t *buf,
			 size_t cap, size_t *len)
{
	wbuf w = {buf, 0, cap, false};

	put_be(&w, n, 4);
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
	wbuf w = {out, 0, MED_AUDIT_STH_MSG_LEN, false};

	put_bytes(&w, tag, sizeof(tag));
	put_be(&w, tree_size, 8);
	put_be(&w, (uint64_t)timestamp_ms, 8);
	put_bytes(&w, root, 32);
}
