/*
 * med/audit.h - the audit emitter.
 *
 * med_audit_emit writes the event to a local spool file (append + fsync)
 * before it returns (med_audit_emit_async: it returns after the append and
 * calls back once the event is durable); a sender thread delivers spooled
 * events to the audit service over NNG (req/rep) in batches and drops them from
 * the spool only after the audit service acknowledges that it stored them. When
 * the audit service is down events wait in the spool (across restarts too) and
 * are delivered when it returns.  Each event carries a unique id, so a batch
 * sent twice after a lost acknowledgement is stored once.
 *
 * Wire format: smartmed.common.v1.AuditBatch request, AuditAck reply
 * (proto/smartmed/common/v1/audit_event.proto).
 *
 * Transport: "tls+tcp://HOST:PORT", mutual TLS: the emitter presents its
 * certificate and checks the audit service's against the CA and a name;
 * the ingest requires a client certificate from the same CA.  Plaintext
 * "tcp://" is refused unless the caller sets allow_plaintext (development
 * only).  Keys must be EC or RSA (mbedtls 2.28 has no Ed25519 in X.509).
 *
 * Spool directory: audit.spool (CRC-checked records, zero-filled ahead; a
 * torn tail left by a crash is dropped on open) and audit.ack (offset of
 * the first unacknowledged record).  One emitter per directory (locked).
 */
#ifndef MED_AUDIT_H
#define MED_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

struct med_tls;
struct med_counter;
typedef struct med_audit med_audit;

/* med_audit_detail - one key/value fact of an event (score, model ...). */
typedef struct med_audit_detail {
	const char *key;
	const char *value;
} med_audit_detail;

#define MED_AUDIT_MAX_DETAILS 16

/* med_audit_event - one access; strings may be NULL; copied by emit. */
typedef struct med_audit_event {
	const char
		*action; /* e.g. "/smartmed.identity.v1.Identity/GetPatient" */
	const char *actor;	/* user or service name */
	uint32_t actor_roles;	/* MED_ROLE_* bits */
	const char *patient_id; /* patient touched, if any */
	const char *resource;	/* e.g. "patient", "record/42" */
	int outcome;		/* gRPC status code of the access */
	const char *request_id;
	const char *detail;		 /* short, no patient data */
	const char *action_code;	 /* "C" "R" "U" "D" "E"; NULL = "E" */
	const char *purpose_of_use;	 /* HL7 PurposeOfUse; NULL = "TREAT" */
	bool break_glass;		 /* emergency access */
	const med_audit_detail *details; /* n_details facts, in order */
	size_t n_details;		 /* at most MED_AUDIT_MAX_DETAILS */
	/* A UUID given when the same event is made twice (a write's event
	 * committed with it and spooled when the call ends): the audit
	 * service keeps the first to arrive.  NULL = a new one. */
	const char *event_id;
} med_audit_event;

/* med_audit_opts - where to spool and where to send. */
typedef struct med_audit_opts {
	const char *service;   /* emitting service name */
	const char *spool_dir; /* created if missing */
	const char *url;    /* "tls+tcp://127.0.0.1:50060"; NULL = spool only */
	int batch_max;	    /* events per batch; 0 = 256 */
	int ack_timeout_ms; /* 0 = 2000 */
	int retry_max_ms;   /* backoff cap; 0 = 2000 */
	/* Client certificate, key and CA; required with tls+tcp://. */
	const struct med_tls *tls;
	/* Name the audit service's certificate must carry (CN or DNS SAN);
	 * NULL = the host of url. */
	const char *server_name;
	bool allow_plaintext; /* development only: accept tcp:// */
} med_audit_opts;

/*
 * med_audit_open opens (or recovers) the spool and starts the sender.
 * Errors: MED_ERR_IO (spool dir unusable), MED_ERR_INVALID (also: a tcp://
 * url without allow_plaintext, tls+tcp:// without tls; errbuf says which).
 */
med_err med_audit_open(const med_audit_opts *opts, med_audit **out,
		       char *errbuf, size_t errlen) MED_MUST_CHECK;

/*
 * med_audit_emit makes ev durable in the spool; when it returns MED_OK the
 * event will be delivered.  Thread-safe.  Errors: MED_ERR_IO (disk),
 * MED_ERR_INVALID (NULL action).
 */
med_err med_audit_emit(med_audit *a, const med_audit_event *ev) MED_MUST_CHECK;

/*
 * med_audit_durable_fn - called once with the outcome of an event emitted
 * with med_audit_emit_async: MED_OK when it is durable in the spool (and
 * will be delivered), MED_ERR_IO when it cannot become durable (the
 * spool's fdatasync failed).  It runs on the emitter's flusher thread,
 * which makes the next group commit only when it returns: it must not
 * wait (no med_audit_emit, no database), only hand its result on.
 */
typedef void (*med_audit_durable_fn)(void *arg, med_err err);

/*
 * med_audit_wait - the caller's storage for one asynchronous emit (an RPC
 * call embeds it): fn and arg set by the caller, the rest private.  It
 * must stay valid until fn is called.
 */
typedef struct med_audit_wait {
	med_audit_durable_fn fn;
	void *arg;
	uint64_t rec;		     /* private: the record waited for */
	med_err err;		     /* private: its outcome */
	struct med_audit_wait *next; /* private */
} med_audit_wait;

/*
 * med_audit_emit_async writes ev to the spool (one pwrite, no fdatasync)
 * and returns; the emitter's flusher thread makes it durable in a group
 * commit shared with every other emit and then calls w->fn(w->arg, err)
 * once, never on the calling thread (but perhaps before this call has
 * returned).  Events become durable in the order
 * they were written, so w's outcome covers every event this thread wrote
 * before (med_audit_append).  Thread-safe.  Errors (w->fn is then never
 * called): MED_ERR_IO (the write failed: disk full, spool broken),
 * MED_ERR_INVALID (NULL action, w or w->fn), MED_ERR_NOMEM.
 */
med_err med_audit_emit_async(med_audit *a, const med_audit_event *ev,
			     med_audit_wait *w) MED_MUST_CHECK;

/*
 * med_audit_append writes ev to the spool without waiting for it to be
 * durable: a later med_audit_emit_async (or med_audit_emit) by the same
 * thread covers it.  Thread-safe.  Errors as med_audit_emit_async.
 */
med_err med_audit_append(med_audit *a,
			 const med_audit_event *ev) MED_MUST_CHECK;

/*
 * med_audit_encode gives ev an event id and time and packs it as an
 * AuditEvent: *out (malloc'ed, the caller frees it) holds *len bytes that
 * med_audit_emit_encoded later spools unchanged, event id included, so a
 * resend is dropped by the audit service.  Errors as med_audit_emit, and
 * MED_ERR_NOMEM.
 */
med_err med_audit_encode(med_audit *a, const med_audit_event *ev, uint8_t **out,
			 size_t *len) MED_MUST_CHECK;

/*
 * med_audit_emit_encoded makes n events from med_audit_encode durable in
 * the spool with one group commit.  On an error some of them may already
 * be spooled (each whole).  Thread-safe.  Errors: MED_ERR_IO (disk),
 * MED_ERR_INVALID (an empty or oversized event), MED_ERR_NOMEM.
 */
med_err med_audit_emit_encoded(med_audit *a, const uint8_t *const *evs,
			       const size_t *lens, size_t n) MED_MUST_CHECK;

/* --- the transactional outbox (audit_outbox.c) -------------------------
 *
 * A write's event is inserted into the table med_audit_outbox of the
 * service's own database inside the write's transaction, so the two commit
 * together; a relay thread moves committed rows into the spool and deletes
 * each row once it is durable there.  A row whose call spooled its event
 * already (med_audit_outbox_spooled) is deleted without a second copy.
 */
struct med_db;
struct med_db_conn;
typedef struct med_audit_relay med_audit_relay;

/* med_audit_outbox_migrate creates the outbox table when it is missing. */
med_err med_audit_outbox_migrate(struct med_db *db) MED_MUST_CHECK;

/*
 * med_audit_outbox_put encodes ev and inserts it on c, inside the caller's
 * transaction; *row_id (optional) is the new row's id, for
 * med_audit_outbox_spooled.  Errors: those of med_audit_encode and
 * med_db_exec.
 */
med_err med_audit_outbox_put(struct med_db_conn *c, med_audit *a,
			     const med_audit_event *ev,
			     uint64_t *row_id) MED_MUST_CHECK;

/*
 * med_audit_outbox_spooled tells the relay of db that the committed outbox
 * row row_id (from med_audit_outbox_put on a connection of db) is durable
 * in a spool already, so the relay deletes it without spooling it again.
 * Call it only after the row committed and its event was spooled.  Best
 * effort: with no relay running for db, or its bounded set full, nothing
 * is recorded and the relay spools the row as usual.  Thread-safe.
 */
void med_audit_outbox_spooled(struct med_db *db, uint64_t row_id);

/*
 * med_audit_relay_start starts the thread that moves outbox rows of db into
 * a's spool (and sets the gauge smartmed_audit_outbox_events and the
 * counter smartmed_audit_outbox_rows_total{how}).  Errors:
 * MED_ERR_INVALID, MED_ERR_NOMEM.
 */
med_err med_audit_relay_start(struct med_db *db, med_audit *a,
			      med_audit_relay **out) MED_MUST_CHECK;

/* med_audit_relay_stop stops and frees the relay; NULL is fine. */
void med_audit_relay_stop(med_audit_relay *r);

/* med_audit_pending returns the number of events not yet acknowledged. */
uint64_t med_audit_pending(med_audit *a);

/* med_audit_delivered returns the number acknowledged since open. */
uint64_t med_audit_delivered(med_audit *a);

/* med_audit_close stops the sender (the spool keeps what is pending). */
void med_audit_close(med_audit *a);

/* --- the receiving side, used by the audit service and by tests -------- */

struct Smartmed__Common__V1__AuditEvent;
typedef struct med_audit_ingest med_audit_ingest;

/*
 * med_audit_store_fn stores events[0..n) durably, all or nothing, counting
 * newly stored and duplicate (already present) events.  Only when it returns
 * MED_OK is the batch acknowledged; otherwise the emitter sends it again.
 * Called from the ingest thread only.
 */
typedef med_err (*med_audit_store_fn)(
	void *ctx, struct Smartmed__Common__V1__AuditEvent *const *events,
	size_t n, uint32_t *stored, uint32_t *duplicates);

/* med_audit_ingest_opts - where and how the ingest listens. */
typedef struct med_audit_ingest_opts {
	const char *url; /* "tls+tcp://0.0.0.0:50060" */
	/* Server certificate and key, and the CA that client certificates
	 * must chain to; required with tls+tcp://. */
	const struct med_tls *tls;
	bool allow_plaintext; /* development only: accept tcp:// */
	med_audit_store_fn store;
	void *ctx; /* passed to store */
	/* Counts events refused because their service is not a name of the
	 * emitter's certificate (NULL: not counted). */
	struct med_counter *refused_service;
	/* The services whose events are accepted, comma-separated
	 * (MED_TLS_SERVICE_PEERS); NULL or "": any name its certificate
	 * carries. */
	const char *services;
} med_audit_ingest_opts;

/*
 * med_audit_ingest_start listens on o->url (NNG rep) and hands each
 * AuditBatch to o->store, replying AuditAck on success.  A malformed batch
 * is logged and answered with an empty ack so that a broken emitter cannot
 * wedge ingest.  With tls+tcp:// a peer without a client certificate that
 * chains to o->tls's CA fails the handshake and delivers nothing, and an
 * event is stored only when its service is the CN or a DNS subjectAltName
 * of the certificate it came with (and one of o->services); the others are
 * logged, counted in
 * o->refused_service and acknowledged, never stored.  (Over plaintext
 * tcp://, development only, there is no certificate to check.)
 * Several batches are received at once (one rep context per receiving
 * thread): o->store is called from several threads concurrently.
 * Errors: MED_ERR_IO (listen failed), MED_ERR_INVALID (bad url, tcp://
 * without allow_plaintext, tls+tcp:// without tls, unusable PEM).
 */
med_err med_audit_ingest_start(const med_audit_ingest_opts *o,
			       med_audit_ingest **out, char *errbuf,
			       size_t errlen) MED_MUST_CHECK;

/* med_audit_ingest_stop closes the socket and joins the threads; NULL ok. */
void med_audit_ingest_stop(med_audit_ingest *in);

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
