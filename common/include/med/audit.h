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
	/* Without a connection this long, the sender replaces its dialer,
	 * and again as often while that lasts; 0 = 10000. */
	int redial_after_ms;
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
 * med_audit_emit_or_commit is med_audit_emit_async for a thread that may
 * wait: when nothing else waits for a commit (the flusher sleeps, no other
 * wait is queued, no group commit runs), this thread makes the commit
 * itself and calls w->fn(w->arg, err) before returning, which saves the
 * flusher's wake-up and a thread switch per event on a server that is not
 * busy; otherwise it is med_audit_emit_async (the flusher calls back,
 * group commits under load).  Either way w->fn runs only once the event
 * is durable (fdatasync), and callbacks run in the order of their events.
 * Thread-safe.  Errors as med_audit_emit_async.
 */
med_err med_audit_emit_or_commit(med_audit *a, const med_audit_event *ev,
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

/* med_audit_redials returns how often the sender replaced its dialer. */
uint64_t med_audit_redials(med_audit *a);

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

#endif
