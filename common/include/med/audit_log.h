/*
 * med/audit_log.h - the audit log as stored (contracts layer, implemented by
 * common/src/contracts/audit_leaf.c): the canonical leaf entry the Merkle
 * leaf hash covers, leaf MACs, stored rows as the audit service and
 * auditverify read them, and the details blob.  Apart from med/audit.h,
 * whose emitter, outbox and ingest sit in the audit layer below
 * (tools/dev/check_symbols.py).
 */
#ifndef MED_AUDIT_LOG_H
#define MED_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/audit.h>
#include <med/err.h>

/* --- the canonical leaf entry of the Merkle log ------------------------- */

/*
 * med_audit_record - one stored audit log row, as the audit service keeps
 * it and as an auditor reads it back.  details is the stored details blob:
 * u32 count, then count (key, value) strings, each string a u32 big-endian
 * byte length and its UTF-8 bytes.
 */
typedef struct med_audit_record {
	uint64_t seq; /* 1-based; the leaf index is seq - 1 */
	int64_t stored_ms;
	int64_t time_ms;
	const char *event_id, *service, *action, *actor, *actor_roles;
	const char *patient_id, *resource;
	int64_t outcome;
	const char *request_id, *detail, *action_code, *purpose_of_use;
	bool break_glass;
	const uint8_t *details;
	size_t details_len;
} med_audit_record;

#define MED_AUDIT_ENTRY_MAX (32u << 10)

/*
 * med_audit_leaf_entry writes the canonical entry of r (the bytes the
 * Merkle leaf hash covers) to buf[0..*len): version byte 0x01, seq - 1 as
 * u64, stored_ms, time_ms as two's complement u64, the strings event_id,
 * service, action, actor, actor_roles, patient_id, resource, outcome as
 * u64, request_id, detail, action_code, purpose_of_use, break_glass as one
 * byte (0 or 1), then the details blob verbatim.  Integers are big-endian,
 * strings u32 big-endian length + bytes; NULL strings are empty.
 * Errors: MED_ERR_LIMIT (buf too small), MED_ERR_INVALID (seq 0).
 */
med_err med_audit_leaf_entry(const med_audit_record *r, uint8_t *buf,
			     size_t cap, size_t *len) MED_MUST_CHECK;

#define MED_AUDIT_STH_MSG_LEN 70

/*
 * med_audit_sth_message builds the bytes a signed tree head's Ed25519
 * signature covers: "smartmed-audit-sth-v1\0" (22 bytes), tree_size (u64),
 * timestamp_ms (two's complement u64), root (32 bytes), big-endian.
 */
void med_audit_sth_message(uint64_t tree_size, int64_t timestamp_ms,
			   const uint8_t root[32],
			   uint8_t out[MED_AUDIT_STH_MSG_LEN]);

/* --- leaf MACs: a key kept outside the database vouches for each leaf --- */

#define MED_AUDIT_LEAF_KEY_LEN 32
#define MED_AUDIT_LEAF_MAC_LEN 32
/* The most keys one key file holds: the current key and those it replaced
 * (kept so that leaves written under them still check). */
#define MED_AUDIT_LEAF_KEYS_MAX 8

/* med_audit_leaf_keys - a key file's keys: key[0] MACs new leaves, every
 * key is accepted when a leaf is checked. */
typedef struct med_audit_leaf_keys {
	uint8_t key[MED_AUDIT_LEAF_KEYS_MAX][MED_AUDIT_LEAF_KEY_LEN];
	size_t n;
} med_audit_leaf_keys;

/*
 * med_audit_leaf_mac writes HMAC-SHA-256(key, "smartmed-audit-leaf-mac-v1"
 * NUL leaf_hash) to out.  The leaf hash covers the whole canonical entry,
 * its position (seq - 1) included, so a MAC vouches for one row at one
 * place in one log.
 */
void med_audit_leaf_mac(const uint8_t key[MED_AUDIT_LEAF_KEY_LEN],
			const uint8_t leaf_hash[32],
			uint8_t out[MED_AUDIT_LEAF_MAC_LEN]);

/* med_audit_leaf_mac_ok is true when mac[0..mac_len) is leaf_hash's MAC
 * under one of keys (compared in constant time). */
bool med_audit_leaf_mac_ok(const med_audit_leaf_keys *keys,
			   const uint8_t leaf_hash[32], const uint8_t *mac,
			   size_t mac_len);

/*
 * med_audit_leaf_keys_parse reads a key file's text: one key per line as
 * 64 hex digits, the current key first; empty lines and lines starting
 * with '#' are skipped.  Errors: MED_ERR_INVALID (*bad_line is the 1-based
 * line that is not a key, or 0 when the text holds no key), MED_ERR_LIMIT
 * (more than MED_AUDIT_LEAF_KEYS_MAX keys; *bad_line is the first extra).
 */
med_err med_audit_leaf_keys_parse(const char *text, size_t len,
				  med_audit_leaf_keys *out,
				  size_t *bad_line) MED_MUST_CHECK;

/*
 * med_audit_leaf_keys_read reads and parses the key file at path; errbuf
 * says what is wrong.  Errors: MED_ERR_NOT_FOUND (no such file),
 * MED_ERR_IO, MED_ERR_LIMIT (file over 4 KiB or too many keys),
 * MED_ERR_INVALID.
 */
med_err med_audit_leaf_keys_read(const char *path, med_audit_leaf_keys *out,
				 char *errbuf, size_t errlen) MED_MUST_CHECK;

/* --- epochs: a restored log continued by an auditor's decision ----------- */

/*
 * An epoch statement is an entry the audit service appends when an auditor
 * continues from a log that a restore rolled back behind the head the
 * service had published (StartEpoch): service MED_AUDIT_EPOCH_SERVICE,
 * action MED_AUDIT_EPOCH_ACTION, the reason as its detail and these
 * details: the new epoch's number, the abandoned head (size, root in hex,
 * time, key id), the restored log's size and the positions lost
 * (restored_size + 1 .. published size; empty when the restored log is
 * not shorter, so that no position can be named).
 */
#define MED_AUDIT_EPOCH_SERVICE	       "audit"
#define MED_AUDIT_EPOCH_ACTION	       "audit-log-epoch"
#define MED_AUDIT_EPOCH_KEY_EPOCH      "epoch"
#define MED_AUDIT_EPOCH_KEY_SIZE       "published_tree_size"
#define MED_AUDIT_EPOCH_KEY_ROOT       "published_root"
#define MED_AUDIT_EPOCH_KEY_TIME       "published_timestamp_ms"
#define MED_AUDIT_EPOCH_KEY_KEY_ID     "published_key_id"
#define MED_AUDIT_EPOCH_KEY_RESTORED   "restored_size"
#define MED_AUDIT_EPOCH_KEY_LOST_FIRST "lost_first"
#define MED_AUDIT_EPOCH_KEY_LOST_LAST  "lost_last"

/* --- a stored row, as the audit service and auditverify read it ---------- */

struct med_db_row;

/* The columns med_audit_row_read expects, in this order, from table events
 * (the audit service's schema). */
#define MED_AUDIT_ROW_COLUMNS                                                  \
	"seq, stored_ms, event_id, time_ms, service, action, actor,"           \
	" actor_roles, patient_id, resource, outcome, request_id, detail,"     \
	" action_code, purpose_of_use, break_glass, details, leaf_hash,"       \
	" leaf_mac"

/* med_audit_row - one events row: its record and what was stored beside
 * it (pointers into the row, NULL where SQL NULL). */
typedef struct med_audit_row {
	med_audit_record rec;
	const uint8_t *leaf_hash, *leaf_mac;
	size_t leaf_hash_len, leaf_mac_len;
} med_audit_row;

/* med_audit_row_read fills out from a row of MED_AUDIT_ROW_COLUMNS; valid
 * while the row is. */
void med_audit_row_read(const struct med_db_row *row, med_audit_row *out);

/* med_audit_row_fault - what med_audit_row_check found wrong with a row. */
typedef enum med_audit_row_fault {
	MED_AUDIT_ROW_OK = 0,
	MED_AUDIT_ROW_LEAF_HASH, /* the fields do not give the stored hash */
	MED_AUDIT_ROW_NO_MAC,	 /* no MAC stored */
	MED_AUDIT_ROW_BAD_MAC,	 /* a MAC none of the keys made */
} med_audit_row_fault;

/*
 * med_audit_row_check recomputes the leaf hash of r from its fields into
 * leaf (entry is scratch of entry_cap bytes), compares it with the stored
 * one and, when keys is not NULL, checks the stored MAC of the recomputed
 * hash.  *fault says what is wrong (the leaf hash first).  Errors only
 * from med_audit_leaf_entry (MED_ERR_LIMIT, MED_ERR_INVALID for seq 0).
 */
med_err med_audit_row_check(const med_audit_row *r,
			    const med_audit_leaf_keys *keys, uint8_t *entry,
			    size_t entry_cap, uint8_t leaf[32],
			    med_audit_row_fault *fault) MED_MUST_CHECK;

/* med_audit_row_fault_text says in words what fault means. */
const char *med_audit_row_fault_text(med_audit_row_fault fault);

/*
 * med_audit_node_range is a med_merkle_range_fn (med/merkle.h) over a
 * med_db_conn (ctx) holding the audit schema: the stored hashes of one
 * level in an index range, level 0 from events.leaf_hash, the others from
 * tree_nodes.  A stored hash that is not 32 bytes is passed on as 32 zero
 * bytes, so that the comparison names it.
 */
med_err
med_audit_node_range(void *ctx, unsigned level, uint64_t first, uint64_t last,
		     med_err (*found)(void *found_ctx, unsigned level,
				      uint64_t index, const uint8_t hash[32]),
		     void *found_ctx) MED_MUST_CHECK;

/*
 * med_audit_node_get is a med_merkle_node_fn (med/merkle.h) over a
 * med_db_conn (ctx) holding the audit schema: the stored hash of one node,
 * a leaf (level 0) from events.leaf_hash, the others from tree_nodes.
 * Errors: MED_ERR_DATA_LOSS when the node is not stored or its hash is not
 * 32 bytes (a tree size that says it exists makes either a damaged store),
 * else med_db_query's.
 */
med_err med_audit_node_get(void *ctx, unsigned level, uint64_t index,
			   uint8_t out[32]) MED_MUST_CHECK;

/*
 * med_audit_details_encode writes the details blob of d[0..n) to
 * buf[0..*len).  Errors: MED_ERR_LIMIT (buf too small).
 */
med_err med_audit_details_encode(const med_audit_detail *d, size_t n,
				 uint8_t *buf, size_t cap,
				 size_t *len) MED_MUST_CHECK;

/*
 * med_audit_details_decode parses a details blob into at most max entries
 * whose strings are copied into text (cap text_cap, NUL-terminated).
 * Errors: MED_ERR_DATA_LOSS (malformed blob), MED_ERR_LIMIT.
 */
med_err med_audit_details_decode(const uint8_t *blob, size_t len,
				 med_audit_detail *d, size_t max, size_t *n,
				 char *text, size_t text_cap) MED_MUST_CHECK;

#endif
