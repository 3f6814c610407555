/*
 * rpc_internal.h - private to libmed's rpc_*.c files (server, call,
 * client, health, validation).  The only header besides the rpc sources
 * that sees gRPC types.
 *
 * Threading model of the server: one completion queue per thread.  Every
 * call is bound to the queue its request was posted on, so all of a call's
 * events are handled by one thread.  A new call is prepared on its queue's
 * thread (authentication, decode, validation); one that needs nothing that
 * may wait ends there, the others go to the server's worker pool
 * (rpc_work.c), and a streaming handler gets its own thread; both touch a
 * call's streaming state under call->mu.  An audited call's status goes
 * out from the audit emitter's flusher thread once its event is durable
 * (med__rpc_audit_async), so waiting on the spool is no reason to hop.
 */
#ifndef MED_RPC_INTERNAL_H
#define MED_RPC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include <med/util.h>
#include <med/audit.h>
#include <med/db.h>
#include <med/rpc.h>

/* Requests kept armed per registered method and per queue. */
#define RPC_REQS_PER_METHOD 32
/* Generic requests kept armed per queue, for unknown paths. */
#define RPC_REQS_GENERIC	     4
#define RPC_DEFAULT_MAX_MSG	     (4u << 20)
#define RPC_DEFAULT_THREADS	     2
#define RPC_DEFAULT_STREAMS	     64
#define RPC_HANDSHAKE_MS	     10000
#define RPC_DEFAULT_CONNS_PER_CLIENT 64
/* Calls that may wait in the worker pool's FIFO at once (memory bound). */
#define RPC_DEFAULT_QUEUE_MAX 1024
/* The retry hint an overload refusal carries, in ms (clamped). */
#define RPC_PUSHBACK_MIN_MS 100
#define RPC_PUSHBACK_MAX_MS 10000
#define RPC_REQUEST_ID_MAX  64
#define RPC_STATUS_MSG_MAX  256
#define RPC_PATIENT_ID_MAX  128
#define RPC_BG_DETAIL_MAX   256
/* An access event's own detail: break-glass grant, repeat of a request. */
#define RPC_ACCESS_DETAIL_MAX 256
/* A local call's action and resource ("fhir/search-type",
 * "Patient/<id>"). */
#define RPC_ACTION_MAX	 128
#define RPC_RESOURCE_MAX 160

/* What a completion-queue tag stands for. */
typedef enum rpc_tag_kind {
	RPC_TAG_NEW_CALL, /* an armed request (rpc_server.c) matched */
	RPC_TAG_CLOSE,	  /* RECV_CLOSE_ON_SERVER of a streaming call */
	RPC_TAG_SEND,	  /* one streamed SEND_MESSAGE finished */
	RPC_TAG_FINISH,	  /* the status batch finished */
	RPC_TAG_SHUTDOWN, /* grpc_server_shutdown_and_notify finished */
} rpc_tag_kind;

typedef struct rpc_tag {
	rpc_tag_kind kind;
	void *obj;
} rpc_tag;

/* rpc_method - one registered method with its server-side state. */
typedef struct rpc_method {
	const med_method *m;
	void *handle; /* from grpc_server_register_method */
	struct med_rpc_stats *stats;
	bool never_blocks; /* med_server_set_never_blocks */
} rpc_method;

/*
 * rpc_work - the handler threads and their FIFO of new calls.  gRPC hands
 * every call of one connection to the same queue first, so handlers run on
 * that queue's thread would serve one client's concurrent calls one at a
 * time while the other threads sat idle.
 */
typedef struct rpc_work {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct med_call *head, *tail; /* linked by med_call.work_next */
	int depth;		      /* calls in the FIFO */
	int max_depth;		      /* a push beyond it is refused */
	pthread_t *threads;
	int n_threads; /* started */
	bool stopping;
} rpc_work;

/* rpc_peers - the connections each client address holds (rpc_peers.c). */
typedef struct rpc_peers rpc_peers;

/* rpc_queue - one completion queue and the thread that drives it. */
typedef struct rpc_queue {
	struct med_server *srv;
	grpc_completion_queue *cq;
	pthread_t thread;
	bool thread_started;
} rpc_queue;

/* rpc_health - the grpc.health.v1 status table (all entries move together). */
typedef struct rpc_health {
	bool inited;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool serving;
	uint64_t generation; /* bumped on every change, for watchers */
	char **names;	     /* "" and every service name */
	size_t n_names;
} rpc_health;

/* What the request log said about a call's client request id. */
typedef enum rpc_idem_state {
	RPC_IDEM_NEW = 0,      /* not seen before (or no client id) */
	RPC_IDEM_REPLAY,       /* seen, committed, reply kept: send it */
	RPC_IDEM_NO_REPLY,     /* seen and committed, reply not kept */
	RPC_IDEM_IN_PROGRESS,  /* committed moments ago, reply not yet kept */
	RPC_IDEM_OTHER_REQUEST /* the id was used for a different request */
} rpc_idem_state;

/* rpc_idem - a call's entry in the request log (rpc_idem.c). */
typedef struct rpc_idem {
	rpc_idem_state state;
	bool hashed;
	bool logged; /* this call's write committed its request log row */
	uint8_t sha256[32];
	uint8_t *reply; /* RPC_IDEM_REPLAY: the first reply (arena) */
	size_t reply_len;
	int64_t first_ms; /* when the first call committed */
	char first_method[160];
	char first_patient[RPC_PATIENT_ID_MAX];
} rpc_idem;

/* rpc_zombie - a finished streaming thread waiting to be joined. */
typedef struct rpc_zombie {
	pthread_t thread;
	struct rpc_zombie *next;
} rpc_zombie;

struct med_server {
	med_server_opts opts; /* strings below are our copies */
	char *service_name;
	char *listen_addr;
	char *health_addr; /* plaintext Health-only listener, or NULL */
	int health_port;
	bool has_tls;
	med_tls tls;			  /* our copy of opts.tls */
	struct med__tls_watch *tls_watch; /* re-reads tls's files, or NULL */
	grpc_server *server;
	rpc_queue *queues;
	int n_queues;
	rpc_method *methods;
	size_t n_methods, cap_methods;
	rpc_health health;
	rpc_peers *peers; /* the per-client connection cap */
	rpc_tag shutdown_tag;
	rpc_work work;
	/* Overload refusals by reason, and the FIFO's depth (rpc_work.c). */
	struct med_counter *shed[2]; /* indexed by RPC_SHED_* */
	struct med_gauge *queue_depth;
	bool depth_collector;

	pthread_mutex_t mu; /* guards what follows */
	pthread_cond_t cv;
	bool started;
	int state; /* RPC_SRV_* */
	bool shutdown_notified;
	int active_calls; /* matched calls not yet freed */
	int active_streams;
	rpc_zombie *zombies;
	atomic_bool draining;
};

enum { RPC_SRV_RUNNING = 0, RPC_SRV_STOPPING = 1, RPC_SRV_STOPPED = 2 };

/* Why an overloaded server refused a call before its handler. */
enum { RPC_SHED_QUEUE_FULL = 0, RPC_SHED_QUEUE_WAIT = 1 };

/*
 * rpc_local - what stands in for the server's options and the method on a
 * call that is not a gRPC call (med_call_local_new): srv, q, rm and call
 * are NULL on such a call.
 */
typedef struct rpc_local {
	char action[RPC_ACTION_MAX];
	const char *action_code; /* static string */
	med_audit *audit;
	const med_authenticator *auth;
	bool transport_secure;
} rpc_local;

/* What break-glass did on a call. */
enum { RPC_BG_NONE = 0, RPC_BG_USE = 1, RPC_BG_START = 2, RPC_BG_STOP = 3 };

struct med_call {
	rpc_tag tag_close, tag_send, tag_finish;
	med_server *srv;
	rpc_queue *q;
	rpc_method *rm;		    /* NULL for a generic (unknown path) call */
	struct med_call *work_next; /* in the worker pool's FIFO */
	bool on_pool;		    /* a unary call served by a worker thread */
	/* An overload refusal's retry hint: sent as grpc-retry-pushback-ms
	 * in the trailers when > 0 (rpc_work.c). */
	int retry_pushback_ms;
	char pushback_text[16];
	grpc_metadata md_trail[1];
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array req_md;
	grpc_call_details details; /* generic calls only */
	grpc_byte_buffer *payload; /* registered calls only */
	atomic_int refs;
	int64_t start_ns;

	med_arena *arena;
	med_principal principal;
	bool secure;	 /* arrived over verified mutual TLS */
	rpc_local local; /* a local call's (srv == NULL) */
	/* The audit event's resource, when the caller names one
	 * (med_call_set_resource). */
	char resource[RPC_RESOURCE_MAX];
	/* Break-glass: the grant in use, and start/stop events to emit. */
	med_break_glass_grant bg;
	int bg_event; /* RPC_BG_* */
	char bg_issued[MED_BREAK_GLASS_MAX_LEN];
	char bg_expires[24];
	grpc_metadata md_out[2]; /* initial metadata we send */
	char request_id[RPC_REQUEST_ID_MAX + 1];
	/* The client chose request_id (x-request-id): a write made with it
	 * is remembered, and a repeat is answered from it (rpc_idem.c). */
	bool client_request_id;
	rpc_idem idem;
	char patient_id[RPC_PATIENT_ID_MAX];
	/* The patient the care hook last decided for (care_err says how). */
	bool care_decided;
	char care_patient[RPC_PATIENT_ID_MAX];
	/* A care-relationship refusal (med/care.h) ends the call whatever
	 * the handler returns, and rolls its transaction back. */
	med_err care_err;
	char care_msg[RPC_STATUS_MSG_MAX];
	const char *purpose_of_use; /* static string; NULL when refused */
	med_audit_detail
		audit_details[MED_AUDIT_MAX_DETAILS]; /* arena copies */
	size_t n_audit_details;
	/* The access event committed with a write (med_call_tx), with
	 * n_outboxed_details of the details. */
	bool audit_outboxed;
	char outbox_event_id[MED_UUID_LEN + 1];
	/* Where that event's outbox row is: the relay of outbox_db skips
	 * the row once the call has spooled the event itself. */
	med_db *outbox_db;
	uint64_t outbox_row_id;
	med_err prepare_err; /* what came before the handler said */
	med_err fail_err;
	char fail_msg[RPC_STATUS_MSG_MAX];
	ProtobufCMessage *in;

	/* Streaming state, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stream_counted;
	bool md_sent;
	bool send_busy;
	bool send_ok;
	grpc_byte_buffer *send_bb;
	int close_cancelled;
	atomic_bool cancelled;

	/* The end of an audited call while its events become durable:
	 * the status and reply held back, and what to run then
	 * (med__rpc_audit_async). */
	med_audit_wait audit_wait;
	void (*audit_done)(struct med_call *c, bool durable);
	int end_code;
	const char *end_msg; /* static, or c->fail_msg */
	grpc_byte_buffer *end_reply;
	bool audit_bg;	  /* a break-glass event went first */
	bool audit_bg_ok; /* and it was written */

	/* Final batch. */
	grpc_slice status_details;
	bool has_status_details;
	grpc_byte_buffer *reply_bb;
};

/* --- rpc_server.c ------------------------------------------------------ */

/* Call references: one per outstanding batch plus one per handler thread. */
void med__rpc_call_ref(med_call *c);
void med__rpc_call_unref(med_call *c);

/* med__rpc_call_finish sends the final status (and reply when non-NULL). */
void med__rpc_call_finish(med_call *c, int code, const char *msg,
			  grpc_byte_buffer *reply);

/* med__rpc_join_zombies joins streaming threads that have finished. */
void med__rpc_join_zombies(med_server *s);

/* med__rpc_grpc_ref / _unref pair grpc_init and grpc_shutdown. */
void med__rpc_grpc_ref(void);
void med__rpc_grpc_unref(void);

/* --- rpc_peers.c ------------------------------------------------------- */

/*
 * med__rpc_peers_new makes the cap of max_per_peer connections per client
 * address (>= 1), counting refusals in m's
 * smartmed_grpc_connections_closed_total{reason="client_limit"} when m is
 * set.  One reference, dropped with med__rpc_peers_unref; gRPC takes its
 * own through the channel argument.  Errors: MED_ERR_INVALID,
 * MED_ERR_NOMEM.
 */
med_err med__rpc_peers_new(int max_per_peer, struct med_metrics *m,
			   rpc_peers **out) MED_MUST_CHECK;

/* med__rpc_peers_arg is the server channel argument (a socket mutator)
 * that hands every accepted connection to med__rpc_peers_admit. */
grpc_arg med__rpc_peers_arg(rpc_peers *p);

/*
 * med__rpc_peers_admit counts the newly accepted connection fd against its
 * client address; when the address already holds the cap it shuts fd down
 * (gRPC then closes it), counts it and returns false.  A connection without
 * an IP address (a Unix socket) is always admitted.  Thread-safe.
 */
bool med__rpc_peers_admit(rpc_peers *p, int fd);

/* med__rpc_peers_unref drops a reference; NULL is fine. */
void med__rpc_peers_unref(rpc_peers *p);

/* --- rpc_idem.c -------------------------------------------------------- */

/*
 * med__idem_check inserts c's request log row in the write's transaction,
 * before the handler's body, and reads the row it collides with: MED_OK to
 * go on (a new id, or none), MED_ERR_EXISTS when c is a repeat (c->idem
 * says what to answer; the transaction is rolled back and
 * med__rpc_complete answers from it).
 */
med_err med__idem_check(med_call *c, med_db_conn *conn);

/* med__idem_record sets the patient of c's row when the handler's body
 * named another than med__idem_check found (no statement otherwise). */
med_err med__idem_record(med_call *c, med_db_conn *conn);

/* med__idem_keep_reply stores the reply of a logged call for its repeats. */
void med__idem_keep_reply(med_call *c, grpc_byte_buffer *reply);

/*
 * med__idem_answer overrides a repeat's outcome: the first reply (*bb, OK)
 * or the error that says why it cannot be given.  False: not a repeat.
 */
bool med__idem_answer(med_call *c, med_err *err, grpc_byte_buffer **bb);

/* --- rpc_call.c -------------------------------------------------------- */

/*
 * med__rpc_dispatch starts a matched call of a registered method on the
 * completion-queue thread that took it: prepare (metadata, authentication,
 * decode, validation), then either the rest of the call there, when
 * nothing of it may wait (see med_server_set_never_blocks), or a hop to the
 * worker pool.
 */
void med__rpc_dispatch(med_call *c);

/* med__rpc_serve_call ends a dispatched call on a worker thread. */
void med__rpc_serve_call(med_call *c);

/* med__rpc_complete ends c with err (MED_OK: reply with out, or no reply
 * for a stream): status, access log line and audit event. */
void med__rpc_complete(med_call *c, med_err err, const ProtobufCMessage *out);

/* med__rpc_reject ends c with err and msg (unless a message is set). */
void med__rpc_reject(med_call *c, med_err err, const char *msg);

/*
 * med__rpc_pack packs msg, a reply or streamed message of c, into a new
 * byte buffer (*out).  Errors: MED_ERR_LIMIT when the encoded message is
 * larger than the server's send cap (opts.max_message_bytes); the call's
 * failure message then names both sizes.
 */
med_err med__rpc_pack(med_call *c, const ProtobufCMessage *msg,
		      grpc_byte_buffer **out) MED_MUST_CHECK;

/* med__rpc_read reads a whole byte buffer into one slice. */
grpc_slice med__rpc_read(grpc_byte_buffer *bb);

/* --- rpc_call_local.c -------------------------------------------------- */

/* med__call_is_local is true for a call of med_call_local_new. */
bool med__call_is_local(const med_call *c);

/* med__call_action is the audit event's action of c: its method's path,
 * or a local call's action. */
const char *med__call_action(const med_call *c);

/* med__call_action_code is c's FHIR AuditEvent.action ("C", "R", ...). */
const char *med__call_action_code(const med_call *c);

/* med__call_audit is the emitter c's events go to (NULL: none). */
med_audit *med__call_audit(const med_call *c);

/* med__call_auth is the authenticator that identifies c's caller. */
const med_authenticator *med__call_auth(const med_call *c);

/* --- rpc_call_auth.c --------------------------------------------------- */

/*
 * med__rpc_authorize reads c's metadata (request id, purpose of use,
 * bearer token, break-glass headers) and admits the caller: the health
 * port's rule, authentication, break-glass, the method's roles, a known
 * purpose of use.  Errors are set on c (med_call_fail).
 */
med_err med__rpc_authorize(med_call *c);

/* med__rpc_slice_is is true when sl holds exactly the string s. */
bool med__rpc_slice_is(grpc_slice sl, const char *s);

/* --- rpc_break_glass.c -------------------------------------------------- */

/* rpc_bg_md - the break-glass headers of a call (slices of its metadata). */
typedef struct rpc_bg_md {
	const char *grant, *start, *stop, *minutes;
	size_t grant_len, start_len, stop_len, minutes_len;
} rpc_bg_md;

/* med__rpc_bg_header takes one x-break-glass* header into bg; false if
 * md is another header. */
bool med__rpc_bg_header(const grpc_metadata *md, rpc_bg_md *bg);

/*
 * med__rpc_break_glass handles x-break-glass-start (issue a grant),
 * x-break-glass (use one) and x-break-glass-stop (end one) for an
 * authenticated caller.  Errors are set on c.
 */
med_err med__rpc_break_glass(med_call *c, const rpc_bg_md *bg);

/* med__rpc_bg_withdraw_if_refused drops the grant c was to start when c
 * ends with code PERMISSION_DENIED or UNAUTHENTICATED. */
void med__rpc_bg_withdraw_if_refused(med_call *c, int code);

/* med__rpc_initial_md makes op the SEND_INITIAL_METADATA of c. */
void med__rpc_initial_md(med_call *c, grpc_op *op);

/* --- rpc_call_audit.c --------------------------------------------------- */

/* med__rpc_needs_audit is true when c's server audits and c's method is
 * not public. */
bool med__rpc_needs_audit(const med_call *c);

/* med__rpc_action_code is a method's FHIR AuditEvent.action ("C", "R",
 * "U", "D", "E"). */
const char *med__rpc_action_code(const med_method *m);

/* med__rpc_audit emits c's events on its end with code; false when they
 * could not be made durable.  It waits for the spool's fdatasync: for
 * local calls (med_call_end). */
bool med__rpc_audit(med_call *c, int code);

/*
 * med__rpc_audit_async writes c's events on its end with code to the spool
 * and returns; done(c, durable) runs once they are durable (true) or
 * cannot be (false): on the audit emitter's flusher thread, or on this
 * thread before it returns when the server has audit_commit_on_handler and
 * this is a worker thread with no other call queued for it and no other
 * event waits (it commits itself: med_audit_emit_or_commit), or at once on
 * this thread when an event could not be written.  c holds a reference
 * until done has returned.  A write's event already committed in its
 * outbox counts as durable whatever the spool says, as in med__rpc_audit.
 * done may be NULL: nothing waits (med__rpc_audit_committed).
 */
void med__rpc_audit_async(med_call *c, int code,
			  void (*done)(med_call *c, bool durable));

/* med__rpc_audit_committed is true when every event of c's end with code
 * is already durable in the database: an OK write whose event committed
 * in its outbox, with no break-glass event beside it.  Its reply need not
 * wait for the spool. */
bool med__rpc_audit_committed(const med_call *c, int code);

/* med__rpc_handler_enter / _leave bracket c's handler on this thread: its
 * request id in the log. */
void med__rpc_handler_enter(med_call *c);
void med__rpc_handler_leave(void);

/* --- rpc_stream.c ------------------------------------------------------- */

/* med__rpc_start_stream runs c's streaming handler on a thread of its own
 * (or rejects c when max_streams are running). */
void med__rpc_start_stream(med_call *c);

/* med__rpc_on_send handles the completion of a streamed send. */
void med__rpc_on_send(med_call *c, bool ok);

/* med__rpc_on_close handles RECV_CLOSE_ON_SERVER of a streaming call. */
void med__rpc_on_close(med_call *c);

/* --- rpc_work.c --------------------------------------------------------- */

/* The worker pool (rpc_work.c).  init before start; start runs n threads
 * that serve pushed calls in order; stop, once no call can be pushed any
 * more, lets them serve what is queued and joins them; fini frees the
 * rest. */
void med__rpc_work_init(rpc_work *w, int max_depth);
med_err med__rpc_work_start(rpc_work *w, int n);
/* med__rpc_work_push queues c; false (nothing queued) when the FIFO
 * already holds max_depth calls. */
bool med__rpc_work_push(rpc_work *w, med_call *c);
/* med__rpc_work_depth is the number of calls waiting for a thread. */
int med__rpc_work_depth(rpc_work *w);
/* med__rpc_work_idle is true when no call waits in w's FIFO for a thread. */
bool med__rpc_work_idle(rpc_work *w);
void med__rpc_work_stop(rpc_work *w);
void med__rpc_work_fini(rpc_work *w);

/* --- rpc_health.c ------------------------------------------------------ */

/* The grpc.health.v1.Health methods every server registers. */
extern const med_method med__rpc_health_methods[2];

med_err med__rpc_health_init(rpc_health *h);
void med__rpc_health_fini(rpc_health *h);

/* med__rpc_health_add_service adds the service of a method path. */
med_err med__rpc_health_add_path(rpc_health *h, const char *path);

/* med__rpc_health_set sets every entry and wakes watchers. */
void med__rpc_health_set(rpc_health *h, bool serving);

/* --- rpc_tls.c --------------------------------------------------------- */

/* med__rpc_tls_copy duplicates src into dst (all three PEMs required). */
med_err med__rpc_tls_copy(med_tls *dst, const med_tls *src);

/* Credentials for a server (mTLS, client certificate required) and for a
 * channel (client certificate presented). */
grpc_server_credentials *med__rpc_server_creds(const med_tls *t);
grpc_channel_credentials *med__rpc_channel_creds(const med_tls *t);

/*
 * med__rpc_call_peer is true when call arrived over TLS with a verified
 * client certificate; peer gets its common name (or first SAN).
 */
bool med__rpc_call_peer(grpc_call *call, char *peer, size_t len);

/* --- rpc_validate.c ---------------------------------------------------- */

/* med__pb_validate_wire_depth is med_pb_validate_wire with a depth limit. */
med_err med__pb_validate_wire_depth(const ProtobufCMessageDescriptor *desc,
				    const uint8_t *data, size_t len,
				    int max_depth, char *err, size_t errlen);

/* --- rpc_tls_reload.c ---------------------------------------------------- */

/*
 * med__tls_watch - the certificate files of a server, re-read when they
 * change.  gRPC asks it for the certificate config on every new handshake;
 * it stats the files at most once a second and hands gRPC a new config
 * only when the new files passed med_tls_check.  Thread-safe.
 */
typedef struct med__tls_watch med__tls_watch;

/* med__tls_watch_new copies t (which must name its files). */
med_err med__tls_watch_new(const med_tls *t, med__tls_watch **out);
void med__tls_watch_free(med__tls_watch *w);

/* med__tls_watch_server_creds makes mTLS server credentials (client
 * certificate required) that take their config from w; w must outlive
 * the server they serve. */
grpc_server_credentials *med__tls_watch_server_creds(med__tls_watch *w);

#endif
