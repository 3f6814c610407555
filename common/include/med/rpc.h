/*
 * med/rpc.h - gRPC server and client over the gRPC C core, with protobuf-c
 * messages.  Only libmed's rpc files include gRPC headers; services see these
 * types alone.
 *
 * Server: a service registers a table of methods.  For every call libmed
 * decodes the request into a per-call arena, validates it (size, nesting
 * depth, UTF-8, no NUL in strings, known enum values), authenticates the
 * caller and checks the method's roles, runs the handler, encodes the reply,
 * maps med_err to a gRPC status in one place, records metrics and emits an
 * audit event.  Unknown methods get UNIMPLEMENTED.  grpc.health.v1.Health
 * (Check and Watch) is served by every server.
 */
#ifndef MED_RPC_H
#define MED_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include <med/arena.h>
#include <med/auth.h>
#include <med/db.h>
#include <med/err.h>
#include <med/tls.h>

struct med_audit;
struct med_db;
struct med_metrics;

typedef struct med_call med_call;
typedef struct med_server med_server;

/* med_rpc_kind - the call shapes libmed serves. */
typedef enum med_rpc_kind {
	MED_RPC_UNARY = 0,
	MED_RPC_SERVER_STREAM = 1,
} med_rpc_kind;

/*
 * med_unary_fn handles a unary call: in is the validated request, out an
 * initialised reply (both in the call's arena) that the handler fills.
 * Return MED_OK, or an error set with med_call_fail.
 */
typedef med_err (*med_unary_fn)(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out);

/*
 * med_stream_fn handles a server-streaming call: it sends replies with
 * med_call_send and returns when the stream is complete.  It runs on its own
 * thread and may block.
 */
typedef med_err (*med_stream_fn)(med_call *call, const ProtobufCMessage *in);

/* med_method - one RPC of a service. */
typedef struct med_method {
	const char *path; /* "/smartmed.identity.v1.Identity/GetPatient" */
	const ProtobufCMessageDescriptor *input;
	const ProtobufCMessageDescriptor *output;
	med_rpc_kind kind;
	med_unary_fn unary;   /* for MED_RPC_UNARY */
	med_stream_fn stream; /* for MED_RPC_SERVER_STREAM */
	uint32_t roles;	      /* MED_ROLE_* bits, any of; MED_ROLES_PUBLIC */
	/*
	 * audit_action: the action code of the method's audit events
	 * (MED_AUDIT_ACTION_*).  NULL takes it from the verb of a standard
	 * method's name (Get, List, Search, Query, Export, History: read;
	 * Create, Add, Enroll: create; Update, Upsert, Amend, Set, Link,
	 * Unlink: update; Delete: delete) and audits any other name as
	 * execute, so a custom method that reads or writes says so here.
	 */
	const char *audit_action;
	/*
	 * only_service: when set ("hl7"), the service role in roles admits
	 * that one service's principal and refuses every other service's
	 * (PERMISSION_DENIED); people's roles are not affected.  For the few
	 * writes one interface makes as itself.  NULL: any service.
	 */
	const char *only_service;
} med_method;

/*
 * The audit action codes of FHIR AuditEvent.action: what a method does to
 * the data it touches.  An auditor's Query(action_code=R) finds the reads.
 */
#define MED_AUDIT_ACTION_CREATE	 "C"
#define MED_AUDIT_ACTION_READ	 "R"
#define MED_AUDIT_ACTION_UPDATE	 "U"
#define MED_AUDIT_ACTION_DELETE	 "D"
#define MED_AUDIT_ACTION_EXECUTE "E"

/*
 * One way to declare a service's methods.  The file that holds a service's
 * method table (services/<service>/methods.c) defines three names first:
 *
 *   #define MED_SERVICE_PATH  "/smartmed.dosage.v1.Dosage/"
 *   #define MED_SERVICE_PB(t) smartmed__dosage__v1__##t##__descriptor
 *   #define MED_SERVICE_RPC(r) dosage_rpc_##r
 *
 * and then lists one entry per RPC, the RPC's name as written in the proto
 * and in snake case, the reply message in snake case, and the roles:
 *
 *   MED_UNARY(UpsertDrug, upsert_drug, drug, MED_ROLE_PHARMACIST),
 *
 * The request message is always <rpc>_request and the handler is always
 * <service>_rpc_<rpc> (dosage_rpc_upsert_drug), so a handler is found from
 * the RPC's name alone.  A method whose name does not say what it does to
 * the data (med_method.audit_action) names its audit action with the _AS
 * form:
 *
 *   MED_UNARY_AS(PatientHistory, patient_history, patient_history_response,
 *                CLINICAL_READERS, MED_AUDIT_ACTION_READ),
 */
#define MED_UNARY_AS(Rpc, rpc, reply, roles, action)                           \
	MED_UNARY_ONLY(Rpc, rpc, reply, roles, action, NULL)
/*
 * MED_UNARY_ONLY: the service role in roles stands for one service
 * (med_method.only_service), e.g. a write only the HL7 interface makes:
 *
 *   MED_UNARY_ONLY(Admit, admit, encounter, REGISTRARS | MED_ROLE_SERVICE,
 *                  MED_AUDIT_ACTION_CREATE, "hl7"),
 */
#define MED_UNARY_ONLY(Rpc, rpc, reply, roles, action, service)                \
	{                                                                      \
		MED_SERVICE_PATH #Rpc, &MED_SERVICE_PB(rpc##_request),         \
			&MED_SERVICE_PB(reply), MED_RPC_UNARY,                 \
			MED_SERVICE_RPC(rpc), NULL, roles, action, service     \
	}
#define MED_SERVER_STREAM_AS(Rpc, rpc, reply, roles, action)                   \
	{                                                                      \
		MED_SERVICE_PATH #Rpc, &MED_SERVICE_PB(rpc##_request),         \
			&MED_SERVICE_PB(reply), MED_RPC_SERVER_STREAM, NULL,   \
			MED_SERVICE_RPC(rpc), roles, action, NULL              \
	}
#define MED_UNARY(Rpc, rpc, reply, roles)                                      \
	MED_UNARY_AS(Rpc, rpc, reply, roles, NULL)
#define MED_SERVER_STREAM(Rpc, rpc, reply, roles)                              \
	MED_SERVER_STREAM_AS(Rpc, rpc, reply, roles, NULL)

/* MED_UNARY_HANDLER(fn) and MED_STREAM_HANDLER(fn) declare handlers. */
#define MED_UNARY_HANDLER(fn)                                                  \
	med_err fn(med_call *call, const ProtobufCMessage *in,                 \
		   ProtobufCMessage *out)
#define MED_STREAM_HANDLER(fn)                                                 \
	med_err fn(med_call *call, const ProtobufCMessage *in)

/* MED_N_METHODS counts the entries of a method table array. */
#define MED_N_METHODS(table) (sizeof(table) / sizeof((table)[0]))

/* med_tls and its functions: <med/tls.h>. */

/* med_server_opts - how a server listens and behaves. */
typedef struct med_server_opts {
	const char *service_name;    /* for logs and audit: "identity" */
	const char *listen_addr;     /* "127.0.0.1:50051"; port 0 picks one */
	int n_threads;		     /* completion-queue threads; 0 = 2 */
	size_t max_message_bytes;    /* receive and send cap; 0 = 4 MiB */
	int max_streams;	     /* concurrent streaming calls; 0 = 64 */
	med_authenticator auth;	     /* taken over by the server */
	struct med_audit *audit;     /* optional; borrowed */
	struct med_metrics *metrics; /* optional; borrowed */
	void *service_data;	     /* handed to handlers by med_call_data */
	/*
	 * tls: when set, listen_addr speaks only mutual TLS: the server
	 * presents tls->cert_pem and requires a client certificate that
	 * verifies against tls->ca_pem; the handshake fails (the client sees
	 * UNAVAILABLE) for plaintext, no certificate or a wrong CA.  NULL
	 * keeps listen_addr plaintext (unit tests, benchmarks).  Copied.
	 */
	const med_tls *tls;
	/*
	 * health_listen_addr: an optional second, plaintext listener that
	 * serves grpc.health.v1.Health only (for kubelet gRPC probes); every
	 * other method there is answered UNIMPLEMENTED.  Only with tls.
	 */
	const char *health_listen_addr;
	/* break_glass: optional emergency-access keys (see med/auth.h). */
	const med_break_glass *break_glass; /* borrowed */
	/*
	 * max_connection_age_ms: close client connections (with a GOAWAY and
	 * a grace of a tenth of the age for calls in flight) after this long,
	 * so that clients behind a Kubernetes Service reconnect and spread
	 * over new pods.  0 keeps connections open.
	 */
	int max_connection_age_ms;
	/*
	 * handshake_timeout_ms: a connection whose TLS handshake and HTTP/2
	 * preface are not complete after this long is closed.  0 = 10 s.
	 */
	int handshake_timeout_ms;
	/*
	 * max_conns_per_client: connections one client IP address may hold
	 * on the server's ports together; a further one is closed as it is
	 * accepted, before its TLS handshake.  0 = 64.
	 */
	int max_conns_per_client;
	/*
	 * db: the database pool of the service (borrowed; it outlives the
	 * server): what med_call_db hands a handler, where med_call_tx writes
	 * and where the request log of idempotent writes lives.  NULL for a
	 * server without a database.
	 */
	struct med_db *db;
	/*
	 * care_decide: the care-relationship decision (med/care.h's
	 * med_care_decide), asked when a handler names its patient
	 * (med_call_set_patient) with read true for a method that only
	 * reads.  MED_OK allows; an error (msg says why) refuses the call
	 * whatever its handler returns.  NULL: no care check (role-based
	 * access only).  The service installs it: the RPC layer never calls
	 * up into the contracts that implement it.
	 */
	med_err (*care_decide)(med_call *call, const char *patient_id,
			       bool read, char *msg, size_t len);
	/*
	 * audit_commit_on_handler: a handler thread with no other call
	 * queued makes its call's audit commit (the spool's fdatasync) and
	 * sends the reply itself when nothing else waits for a commit
	 * (med_audit_emit_or_commit), instead of handing both to the audit
	 * emitter's flusher thread.  One wake-up and one thread fewer per
	 * unloaded call; off by default, since on a CPU shared with other
	 * processes it measured worse (docs/benchmarks.md, issue 54).
	 */
	bool audit_commit_on_handler;
	/*
	 * Overload: a call whose handler may wait goes to the worker pool's
	 * FIFO.  queue_max: calls that may wait there at once; a further one
	 * is refused at once (0 = 1024).  queue_wait_max_ms: a call that
	 * waited longer for a thread is refused instead of begun (0 = no
	 * limit).  Both refusals are RESOURCE_EXHAUSTED with a retry hint
	 * (trailer grpc-retry-pushback-ms), made before the handler, so
	 * nothing is written; counted in smartmed_grpc_calls_shed_total.
	 */
	int queue_max;
	int queue_wait_max_ms;
} med_server_opts;

/*
 * med_server_new creates a server (not yet listening).  It takes over
 * opts->auth even on failure.  Errors: MED_ERR_INVALID (bad options).
 */
med_err med_server_new(const med_server_opts *opts, med_server **out,
		       char *errbuf, size_t errlen) MED_MUST_CHECK;

/*
 * med_server_add_methods registers methods before start; the table must
 * outlive the server.  Errors: MED_ERR_INVALID (duplicate path, missing
 * handler), MED_ERR_PRECONDITION (already started).
 */
med_err med_server_add_methods(med_server *s, const med_method *methods,
			       size_t n_methods) MED_MUST_CHECK;

/*
 * med_server_set_never_blocks marks the unary method at path (added
 * before) as one whose handler waits on nothing: no database, no other
 * service, no disk, no lock held long; a computation or a read of memory.
 * A call of it then runs on the completion-queue thread that took it, with
 * no hop to the worker pool and no wake-up.  Audited or not: an audited
 * call's access event is appended to the spool there and its reply is
 * sent by the audit emitter's flusher once the event is durable (no thread
 * waits on the fdatasync).  Leave a method unmarked
 * when in doubt: a handler that blocks there stalls every call of its
 * queue while it waits.  Errors: MED_ERR_NOT_FOUND (no unary method at
 * path), MED_ERR_PRECONDITION (already started).
 */
med_err med_server_set_never_blocks(med_server *s,
				    const char *path) MED_MUST_CHECK;

/*
 * med_server_start binds and starts serving; *bound_port (optional) gets the
 * port.  Errors: MED_ERR_IO when the address cannot be bound (including a
 * port already in use: SO_REUSEPORT is off), MED_ERR_INVALID when the TLS
 * material is refused by gRPC.
 */
med_err med_server_start(med_server *s, int *bound_port) MED_MUST_CHECK;

/* med_server_health_port returns the bound plaintext health port, or 0. */
int med_server_health_port(const med_server *s);

/*
 * med_server_set_serving sets the health status reported by
 * grpc.health.v1.Health for "" and every registered service.  Watchers are
 * told.  Thread-safe.
 */
void med_server_set_serving(med_server *s, bool serving);

/*
 * med_server_shutdown drains: health goes NOT_SERVING, new calls are
 * refused, calls in flight get grace_ms to finish and are then cancelled.
 * Returns when every call has ended.  Thread-safe; idempotent.
 */
void med_server_shutdown(med_server *s, int grace_ms);

/* med_server_free shuts down (if needed) and releases s; NULL is fine. */
void med_server_free(med_server *s);

/* --- inside a handler ------------------------------------------------- */

/* med_call_arena returns the call's scratch arena (freed with the call). */
med_arena *med_call_arena(med_call *call);

/* med_call_data returns opts.service_data of the server. */
void *med_call_data(med_call *call);

/* med_call_principal returns the authenticated caller. */
const med_principal *med_call_principal(med_call *call);

/*
 * med_call_only_service is a handler's own check that of the services only
 * service (the interface, "hl7") reaches it: a caller holding the service
 * role as any other service fails the call DENIED ("caller lacks a role
 * for this method"); people pass, whatever their role.  The rpc layer
 * refuses such a caller first (med_method.only_service); this is the
 * handler's own statement of it, as the interface's wrappers make it
 * (identity's and records' interface.c).
 */
med_err med_call_only_service(med_call *call,
			      const char *service) MED_MUST_CHECK;

/*
 * med_call_peer returns the verified mTLS peer of the call (the client
 * certificate's common name), or "" on a plaintext listener.
 */
const char *med_call_peer(med_call *call);

/*
 * med_call_is_break_glass is true when the call runs under a valid
 * break-glass grant (emergency access): a header grant (med/auth.h), or,
 * once the care check has let it through, a patient grant
 * (med_call_mark_break_glass).  Handlers that enforce a record restriction
 * let such calls through; the RPC layer audits them with break_glass set.
 */
bool med_call_is_break_glass(med_call *call);

/*
 * med_call_mark_break_glass records that call reaches its patient through
 * the break-glass grant grant_id (identity's StartBreakGlass, 32 hex
 * characters; longer ids are cut): its access event is audited with
 * break_glass set, purpose of use ETREAT and the detail
 * "break-glass grant=<id>".  It widens no role.  Call it from the call's
 * own thread.
 */
void med_call_mark_break_glass(med_call *call, const char *grant_id);

/* med_call_request_id returns the request id (x-request-id or generated). */
const char *med_call_request_id(med_call *call);

/* med_call_method returns the method being served. */
const med_method *med_call_method(med_call *call);

/*
 * med_call_is_cancelled is true once the client cancelled, the deadline
 * passed or the server is draining.  Long handlers check it.  Unary handlers
 * run on a completion-queue thread, so they see the deadline and the drain
 * but not a client's cancel; streaming handlers see all three.
 */
bool med_call_is_cancelled(med_call *call);

/* med_call_remaining_ms returns ms to the deadline; INT64_MAX for none. */
int64_t med_call_remaining_ms(med_call *call);

/*
 * med_call_set_patient names the patient this call touched, for the audit
 * event the RPC layer emits when the call ends.  Copied.  It is also where
 * the care relationship is decided, by the server's opts.care_decide (which
 * may ask identity over the network): name the patient before a write's
 * transaction locks rows.  A patient already decided for this call is not
 * asked about again.  A refused call ends with the refusal whatever the
 * handler returns, and its transaction rolls back.
 */
void med_call_set_patient(med_call *call, const char *patient_id);

/* med_call_task - a piece of a handler's work that can run beside others
 * (med_call_parallel): fn(call, ctx). */
typedef struct med_call_task {
	med_err (*fn)(med_call *call, void *ctx);
	void *ctx;
} med_call_task;

/* The most tasks one med_call_parallel runs. */
#define MED_CALL_TASKS_MAX 8

/*
 * med_call_parallel runs n tasks at once and returns when all have ended:
 * for a handler's outbound calls that do not depend on each other (dosage
 * asks identity, records and diagnosis for a patient's facts), so that it
 * waits for the slowest rather than for their sum.  The first task runs
 * on this thread with call; each other on a thread of its own, with a
 * task call made from call: the same service, principal, request id,
 * deadline and patient (and that patient's care decision), an arena of
 * its own that call's absorbs at the end, audit details that join call's
 * (in task order), and no audit event or transaction of its own: a task
 * reads, it does not write or name another patient.  Tasks must not
 * share what they write.  Returns MED_OK, or the error of
 * the first task, in order, that failed, with that task's med_call_fail
 * message on call: what running them one by one would have answered.
 * Not inside a transaction; MED_ERR_INVALID past MED_CALL_TASKS_MAX.
 * A thread that cannot be started runs its task here, after the others.
 */
med_err med_call_parallel(med_call *call, const med_call_task *tasks,
			  size_t n) MED_MUST_CHECK;

/*
 * med_call_name_patient_of names, before the handler opens its
 * transaction, the patient of the one row sql selects by id (sql: "SELECT
 * patient_id FROM t WHERE t_id = ?"), so that the care decision is made
 * without the transaction's locks; the transaction then names the same
 * patient again from the row it locked, which costs nothing.  No row:
 * nothing is named (the transaction reports the missing row).  Errors:
 * the read's (MED_ERR_UNAVAILABLE and the like).
 */
med_err med_call_name_patient_of(med_call *call, const char *sql,
				 const char *id) MED_MUST_CHECK;

/*
 * med_call_care_err says how the care decision for the patient last named
 * went: MED_OK when allowed (or no care hook), else the refusal the call
 * will end with.  A handler about to do costly or outward work for that
 * patient (fetch a study from a PACS, run a model) returns it at once.
 */
med_err med_call_care_err(const med_call *call);

/*
 * med_call_add_detail attaches key=value (copied) to the audit event the
 * RPC layer emits when the call ends: scores, thresholds, models, devices,
 * override reasons.  No patient data beyond the event's patient field.
 * Errors: MED_ERR_LIMIT past MED_AUDIT_MAX_DETAILS, MED_ERR_INVALID (NULL).
 */
med_err med_call_add_detail(med_call *call, const char *key, const char *value);

/*
 * med_call_add_details adds d[0..n) with med_call_add_detail; a detail that
 * cannot be kept is logged as an error (the access itself is still
 * audited), so callers need not check.
 */
struct med_audit_detail;
void med_call_add_details(med_call *call, const struct med_audit_detail *d,
			  size_t n);

/*
 * med_call_fail records err and a message for the client (name the field:
 * "mrn: must not be empty") and returns err, so a handler can write
 * "return med_call_fail(call, MED_ERR_INVALID, ...);".  No patient data in
 * the message.
 */
med_err med_call_fail(med_call *call, med_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * med_call_fail_problem fails the call with a rule's problem: status from
 * p->err, message "<field>: <reason>" (the reason alone when no field).
 * Returns p->err.
 */
med_err med_call_fail_problem(med_call *call, const med_problem *p);

/*
 * med_call_send sends one reply on a server-streaming call and waits until
 * gRPC has taken it.  Errors: MED_ERR_CANCELLED when the client went away or
 * the deadline passed.
 */
med_err med_call_send(med_call *call,
		      const ProtobufCMessage *msg) MED_MUST_CHECK;

/* med_call_db returns the database pool of the server running call
 * (med_server_opts.db): how a handler reaches its store. */
med_db *med_call_db(med_call *call);

/*
 * med_call_tx runs fn in one transaction of the call's database (as
 * med_db_tx) and, in that same transaction after fn succeeds, inserts the
 * call's audit event (outcome OK, with the patient and details set so far)
 * into the outbox: the write and its event commit together or not at all,
 * and the call's completion does not spool a second OK event.  Only the
 * first committed transaction of a call carries the event; a service
 * without audit runs plain med_db_tx.  Errors: those of med_db_tx and of
 * med_audit_outbox_put.  Write handlers use it; reads keep med_db_tx.
 */
med_err med_call_tx(med_call *call, med_db_tx_fn fn, void *ctx) MED_MUST_CHECK;

/* --- calls that are not gRPC calls ------------------------------------ */

struct med_audit;

/*
 * med_call_local_opts - a request another front serves (the FHIR facade's
 * HTTPS) as a call: the caller, break-glass marking, patient, details and
 * access event go through the same code as a gRPC method's.  Such a call
 * has no server: med_call_data and med_call_db return NULL, no care hook
 * runs (the services the front calls decide care themselves), no deadline.
 */
typedef struct med_call_local_opts {
	const char *action;	 /* the audit event's action (copied) */
	const char *action_code; /* static "C" "R" "U" "D" "E"; NULL: "E" */
	struct med_audit *audit; /* med_call_end's emitter (borrowed) */
	const med_authenticator *auth; /* the user sources (borrowed) */
	const char *request_id; /* the client's, checked (copied); NULL */
	bool transport_secure;	/* the request came over TLS */
	med_arena *arena;	/* scratch, audit details (borrowed) */
	/* A static HL7 PurposeOfUse code ("HRESCH"); NULL: none declared
	 * (the event says TREAT). */
	const char *purpose_of_use;
} med_call_local_opts;

/*
 * med_call_local_new makes a call of o for one request; free it with
 * med_call_local_free.  The front checks the client's request id (short
 * printable text: it goes into logs); one over 64 bytes is dropped.  Errors:
 * MED_ERR_INVALID (no action, auth or arena), MED_ERR_NOMEM.
 */
med_err med_call_local_new(const med_call_local_opts *o,
			   med_call **out) MED_MUST_CHECK;

/* med_call_local_free frees a call of med_call_local_new; NULL is fine. */
void med_call_local_free(med_call *call);

/*
 * med_call_authenticate identifies a local call's caller from the value of
 * an HTTP Authorization header ("Bearer <token>"; NULL when absent) with
 * the same token check as a gRPC call's metadata; med_call_principal then
 * names the caller.  Errors (message on the call, med_call_message):
 * MED_ERR_UNAUTHENTICATED when the header is missing or malformed or the
 * token is not accepted; MED_ERR_INVALID on a gRPC call.
 */
med_err med_call_authenticate(med_call *call,
			      const char *authorization) MED_MUST_CHECK;

/* med_call_message is the message of the call's last med_call_fail ("" when
 * it has none). */
const char *med_call_message(med_call *call);

/* med_call_set_resource names what the call touched for its audit event
 * ("Patient/<id>", "Observation?patient"); copied, truncated at 159 bytes. */
void med_call_set_resource(med_call *call, const char *resource);

/*
 * med_call_end emits a local call's access event with outcome code (a gRPC
 * status code), as a gRPC call's end does; a caller with no principal is
 * the actor "anonymous".  Errors: MED_ERR_IO when the event could not be
 * made durable (then the access must be refused), MED_ERR_INVALID on a
 * gRPC call.
 */
med_err med_call_end(med_call *call, int code) MED_MUST_CHECK;

/*
 * Idempotent writes: a write whose call carries the client's own
 * x-request-id is remembered in med_request_log, in the write's own
 * transaction, and a repeat of the id by the same caller is answered with
 * the first reply and no second write (rpc_idem.c says the whole contract).
 * med_request_log_migrate creates the table (every service's schema);
 * med_request_log_prune forgets ids older than keep_ms, a batch at a time.
 */
#define MED_REQUEST_LOG_KEEP_MS (24LL * 3600 * 1000)
med_err med_request_log_migrate(med_db *db) MED_MUST_CHECK;
med_err med_request_log_prune(med_db *db, int64_t keep_ms) MED_MUST_CHECK;

/* --- client ------------------------------------------------------------ */

typedef struct med_channel med_channel;

/* med_call_opts - per-call client options. */
typedef struct med_call_opts {
	const char *token;	 /* bearer token, or NULL */
	int64_t deadline_ms;	 /* 0 = 10 s */
	bool idempotent;	 /* retry UNAVAILABLE with backoff */
	int max_attempts;	 /* 0 = 4 (idempotent only) */
	const char *request_id;	 /* sent as x-request-id, or NULL */
	const char *break_glass; /* grant sent as x-break-glass, or NULL */
} med_call_opts;

/* med_rpc_status - the gRPC outcome of a client call. */
typedef struct med_rpc_status {
	int code; /* gRPC status code; 0 = OK */
	char message[512];
	/* The server's retry hint (trailer grpc-retry-pushback-ms) with an
	 * overload refusal (RESOURCE_EXHAUSTED); 0 when none came. */
	int retry_pushback_ms;
} med_rpc_status;

/*
 * med_channel_open makes a plaintext channel to target ("127.0.0.1:50051",
 * "dns:///identity:50051").  smartmed services refuse plaintext: use it for
 * a plaintext health port, unit tests and benchmarks.  Thread-safe to use
 * from many threads.
 */
med_err med_channel_open(const char *target, med_channel **out) MED_MUST_CHECK;

/* med_channel_opts - how a channel secures its connection. */
typedef struct med_channel_opts {
	const med_tls *tls; /* client certificate and CA; NULL: plaintext */
	const char *server_name; /* name the server certificate must carry
				    instead of target's host, or NULL */
} med_channel_opts;

/*
 * med_channel_open_opts makes a channel with opts (NULL: as
 * med_channel_open).  With opts->tls the channel speaks mutual TLS: it
 * verifies the server against tls->ca_pem and presents tls->cert_pem.
 * Errors: MED_ERR_INVALID, MED_ERR_NOMEM.
 */
med_err med_channel_open_opts(const char *target, const med_channel_opts *opts,
			      med_channel **out) MED_MUST_CHECK;

/*
 * med_channel_dial opens a mutual-TLS channel to the smartmed service at
 * target with the process's certificate (c's MED_TLS_CERT, MED_TLS_KEY and
 * MED_TLS_CA), checking the name server_name (NULL or "": the target's
 * host); what names the peer in the error it logs.  Errors: MED_ERR_IO
 * and MED_ERR_INVALID (certificate files, target), MED_ERR_NOMEM.
 */
struct med_config;
med_err med_channel_dial(const struct med_config *c, const char *target,
			 const char *server_name, const char *what,
			 med_channel **out) MED_MUST_CHECK;

/* med_channel_close releases ch; NULL is fine. */
void med_channel_close(med_channel *ch);

/*
 * med_channel_unary calls path with in and decodes the reply into *out
 * (allocated from arena).  Returns MED_OK when the status is OK; otherwise
 * the error mapped from the status, with st filled in either case.
 */
med_err med_channel_unary(med_channel *ch, const char *path,
			  const ProtobufCMessage *in,
			  const ProtobufCMessageDescriptor *out_desc,
			  med_arena *arena, const med_call_opts *opts,
			  ProtobufCMessage **out,
			  med_rpc_status *st) MED_MUST_CHECK;

/* med_stream_msg_fn receives one streamed reply; non-OK stops the stream. */
typedef med_err (*med_stream_msg_fn)(void *ctx, const ProtobufCMessage *msg);

/*
 * med_channel_server_stream calls a server-streaming method and hands each
 * reply (decoded into arena, which is reset between messages) to on_msg.
 */
med_err med_channel_server_stream(med_channel *ch, const char *path,
				  const ProtobufCMessage *in,
				  const ProtobufCMessageDescriptor *out_desc,
				  med_arena *arena, const med_call_opts *opts,
				  med_stream_msg_fn on_msg, void *ctx,
				  med_rpc_status *st) MED_MUST_CHECK;

/* med_err_from_grpc_status maps a gRPC status code back to a med_err. */
med_err med_err_from_grpc_status(int code);

/* --- validation (also used by tests and fuzzers) ------------------------ */

/* Deepest nesting of messages accepted in a request. */
#define MED_PB_MAX_DEPTH 32

/*
 * med_pb_validate_wire checks encoded bytes against desc before unpacking:
 * well-formed wire format, nesting at most MED_PB_MAX_DEPTH, string fields
 * valid UTF-8 without NUL; unknown fields are skipped.  On failure writes
 * "x.y: reason" (the dotted field path, e.g. "events.actor: invalid UTF-8")
 * to err and returns MED_ERR_INVALID.
 */
med_err med_pb_validate_wire(const ProtobufCMessageDescriptor *desc,
			     const uint8_t *data, size_t len, char *err,
			     size_t errlen) MED_MUST_CHECK;

/*
 * med_pb_validate_msg checks an unpacked message: enum fields hold known
 * values (recursively).  On failure names the field in err.
 */
med_err med_pb_validate_msg(const ProtobufCMessage *msg, char *err,
			    size_t errlen) MED_MUST_CHECK;

#endif
