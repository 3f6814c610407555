/*
 * hl7_svc.h - the HL7 service's running parts: its state, the message
 * store (store.c), the mapping to identity and records (map_adt.c,
 * map_oru.c, peers.c), the processing of one message (process.c), the
 * MLLP listener (listener.c) and the RPC table (methods.c, handlers.c).
 */
#ifndef HL7_SVC_H
#define HL7_SVC_H

#include <med/arena.h>
#include <med/check.h>
#include <med/db.h>
#include <med/metrics.h>
#include <med/rpc.h>
#include <med/service.h>

#include "hl7.h"
#include "smartmed/hl7/v1/hl7.pb-c.h"

struct med_audit;
typedef struct hl7_listener hl7_listener;

/* hl7_peer - who is on the other end of a connection, as the listener
 * knows it: the names of its verified certificate, then "addr:IP". */
#define HL7_PEER_NAMES 10
typedef struct hl7_peer {
	const char *names[HL7_PEER_NAMES];
	size_t n_names;
	char label[200]; /* for logs and the audit: "pas, addr:10.1.2.3" */
} hl7_peer;

/* hl7_state - the service's own state (med_service_data). */
typedef struct hl7_state {
	med_service *svc;
	med_db *db;
	struct med_audit *audit;
	med_metrics *metrics;
	med_channel *identity; /* NULL: MED_IDENTITY_URL unset */
	med_channel *records;  /* NULL: MED_RECORDS_URL unset */
	int64_t retention_ms;
	size_t max_bytes;
	int max_connections; /* past their first message */
	int max_pending;     /* before it */
	int max_per_address;
	hl7_deadlines deadlines;
	hl7_binding bindings[HL7_BINDINGS_MAX]; /* MED_HL7_SENDERS */
	size_t n_bindings;
	hl7_listener *listener;
} hl7_state;

/* hl7_record - one row of the message store. */
typedef struct hl7_record {
	int64_t received_ms;
	const hl7_header *header;
	const char *patient_mrn, *patient_id;
	const char *ack_code, *error;
	const char *message;
	size_t message_len, size_bytes;
	const char *ack;
	size_t ack_len;
	const char *changes; /* lines separated by \n */
	const char *peer;    /* hl7_peer's label, or "" */
	bool final;	     /* a resend gets this ACK again */
} hl7_record;

extern const med_db_migration hl7_migrations[];
extern const size_t hl7_n_migrations;
extern const med_method hl7_methods[];
extern const size_t hl7_n_methods;
/* hl7_config is the service's own settings (settings.c). */
extern const med_config_spec hl7_config[];
extern const size_t hl7_n_config;

/* hl7_replay - what the store holds of a message's sender and control id. */
typedef enum hl7_replay {
	HL7_REPLAY_NONE = 0,  /* no final answer: a new message */
	HL7_REPLAY_SAME = 1,  /* a resend: the same content was answered */
	HL7_REPLAY_OTHER = 2, /* the control id answered another message */
} hl7_replay;

/*
 * hl7_store_find_ack looks for the final answer to h's sender and control
 * id and compares the message it answered with msg[0..msg_len)
 * (hl7_content_digest): *replay says which case it is; unless NONE,
 * ack[0..*len) is the stored ACK and *message_id that message's row.
 */
med_err hl7_store_find_ack(med_db *db, const hl7_header *h, const char *msg,
			   size_t msg_len, char *ack, size_t cap, size_t *len,
			   hl7_replay *replay,
			   int64_t *message_id) MED_MUST_CHECK;

/*
 * hl7_store_audit_resend audits a resend answered from the store (the
 * stored message message_id; nothing applied, nothing stored again), as
 * one transaction.  Errors: those of med_db_tx.
 */
med_err hl7_store_audit_resend(med_db *db, struct med_audit *audit,
			       const hl7_header *h,
			       int64_t message_id) MED_MUST_CHECK;

/*
 * hl7_store_put inserts r with its audit event in one transaction and
 * forgets a batch of messages older than retention_ms (0: keep all).
 * Errors: MED_ERR_EXISTS (a final answer to the same sender and control
 * id is stored already), and those of med_db_tx.
 */
med_err hl7_store_put(med_db *db, struct med_audit *audit, const hl7_record *r,
		      int64_t retention_ms) MED_MUST_CHECK;

/* hl7_store_list reads one page of the store for ListMessages into out,
 * its strings in arena (the handler hands its call's database and arena:
 * a store never sees the call). */
med_err
hl7_store_list(med_db *db, med_arena *arena,
	       const Smartmed__Hl7__V1__ListMessagesRequest *r,
	       const med_page *page,
	       Smartmed__Hl7__V1__ListMessagesResponse *out) MED_MUST_CHECK;

/* hl7_apply - one message on its way to identity and records. */
typedef struct hl7_apply {
	hl7_state *st;
	const hl7_msg *m;
	const hl7_header *h;
	med_arena *arena;
	char key[40]; /* request ids: KEY-OP, the same for a resend */
	char mrn[65];
	char patient_id[40];
	char changes[4096];
	size_t changes_len;
} hl7_apply;

/*
 * hl7_apply_message writes what message a->m says to identity or records.
 * MED_OK: applied (AA); MED_ERR_INVALID: refused, p says why and where
 * (final); MED_ERR_UNAVAILABLE: a peer is away or failed, p is an AR the
 * sender retries (not final).
 */
med_err hl7_apply_message(hl7_apply *a, hl7_problem *p) MED_MUST_CHECK;

/* ADT and ORU, each its own file; same contract as hl7_apply_message. */
med_err hl7_apply_adt(hl7_apply *a, hl7_problem *p) MED_MUST_CHECK;
med_err hl7_apply_oru(hl7_apply *a, hl7_problem *p) MED_MUST_CHECK;

/* hl7_note adds a line to a->changes ("identity Admit encounter E1"). */
void hl7_note(hl7_apply *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * hl7_peer_call calls path on ch as the service principal; a write names
 * its op, and goes with request id KEY-OP (the peer's request log answers
 * a resend's repeat with the first reply, and no second write).  A refusal by
 * the peer (bad value, unknown key, state) fills p as an AE at
 * segment/seq/field with the peer's message; a peer that is away fills p as a
 * non-final AR.  Returns MED_OK, MED_ERR_INVALID or MED_ERR_UNAVAILABLE; a
 * refusal keeps the peer's code in *code when code is not NULL.
 */
med_err hl7_peer_call(hl7_apply *a, med_channel *ch, const char *path,
		      const ProtobufCMessage *req,
		      const ProtobufCMessageDescriptor *desc, const char *op,
		      const char *segment, int field, ProtobufCMessage **out,
		      hl7_problem *p, int *code) MED_MUST_CHECK;

/*
 * hl7_process answers one framed message: parse, look up a resend, apply,
 * store, ACK.  in[0..len) is the message (its head when oversize, total
 * its whole size); peer is who the listener knows is on the other end
 * (the message's sender must be bound to it, MED_HL7_SENDERS); sender is
 * the connection's sender ("" until the first message names it, then
 * kept).  The ACK is written to ack[0..*ack_len).
 */
void hl7_process(hl7_state *st, const hl7_peer *peer, const char *in,
		 size_t len, size_t total, bool oversize, char *sender,
		 size_t sender_cap, char *ack, size_t ack_cap, size_t *ack_len);

/*
 * hl7_metrics_count counts a message (h NULL: its header was not read) with
 * its outcome ("AA", "AE", "AR", "resent") under its type, trigger and
 * sender, and marks when the sender was last heard from (metrics.c).
 */
void hl7_metrics_count(hl7_state *st, const hl7_header *h, const char *outcome);

/*
 * hl7_metrics_start creates every bound sender's series before the first
 * message: its counters at zero and its last-message time from the store
 * (now when the store holds none or cannot be read).
 */
void hl7_metrics_start(hl7_state *st);

/*
 * hl7_store_last_received sets *ms to when the newest stored message of
 * the sender app@facility arrived.  Errors: MED_ERR_NOT_FOUND (none
 * stored), and those of med_db_query_once.
 */
med_err hl7_store_last_received(med_db *db, const char *app,
				const char *facility,
				int64_t *ms) MED_MUST_CHECK;

/* hl7_peers_open opens the channels to identity and records
 * (MED_IDENTITY_URL, MED_RECORDS_URL; unset: left NULL). */
med_err hl7_peers_open(hl7_state *st, const med_config *c) MED_MUST_CHECK;

/* hl7_peers_close closes them. */
void hl7_peers_close(hl7_state *st);

/* hl7_listener_start listens for MLLP (TLS unless the interface network
 * is trusted) on MED_HL7_MLLP_PORT. */
med_err hl7_listener_start(hl7_state *st, const med_config *c) MED_MUST_CHECK;

/* hl7_listener_stop closes the listener and every connection. */
void hl7_listener_stop(hl7_state *st);

#endif
