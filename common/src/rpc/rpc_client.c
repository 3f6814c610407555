/*
 * rpc_client.c - synchronous calls on a gRPC core channel.
 *
 * Every call gets its own pluck completion queue, so a channel can be used
 * from any number of threads without sharing queue state.  Idempotent unary
 * calls (and streams that have not delivered a message yet) are retried on
 * UNAVAILABLE with exponential backoff and jitter, inside the deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>

#include <med/db.h>
#include <med/util.h>

#include "rpc_internal.h"

#define DEFAULT_DEADLINE_MS 10000
#define DEFAULT_ATTEMPTS    4
#define BACKOFF_BASE_MS	    50
#define BACKOFF_MAX_MS	    1000
#define CLIENT_MAX_MSG	    (64 << 20)
#define MD_AUTH_MAX	    1024

struct med_channel {
	grpc_channel *ch;
};

/* call_ctx - what one attempt of one call needs. */
typedef struct call_ctx {
	med_channel *ch;
	const char *path;
	const med_call_opts *opts;
	gpr_timespec deadline;
	grpc_metadata md[3];
	size_t n_md;
	char auth[MD_AUTH_MAX];
	char request_id[RPC_REQUEST_ID_MAX + 1];
	grpc_slice req; /* the packed request */
} call_ctx;

/* <med/err.h>'s med_grpc_status, restated for code that includes no gRPC
 * header, is gRPC's own. */
#define SAME_STATUS(x) (MED_GRPC_##x == (int)GRPC_STATUS_##x)
_Static_assert(SAME_STATUS(OK) && SAME_STATUS(CANCELLED) &&
		       SAME_STATUS(UNKNOWN) && SAME_STATUS(INVALID_ARGUMENT) &&
		       SAME_STATUS(DEADLINE_EXCEEDED) &&
		       SAME_STATUS(NOT_FOUND) && SAME_STATUS(ALREADY_EXISTS) &&
		       SAME_STATUS(PERMISSION_DENIED) &&
		       SAME_STATUS(RESOURCE_EXHAUSTED) &&
		       SAME_STATUS(FAILED_PRECONDITION) &&
		       SAME_STATUS(ABORTED) && SAME_STATUS(OUT_OF_RANGE) &&
		       SAME_STATUS(UNIMPLEMENTED) && SAME_STATUS(INTERNAL) &&
		       SAME_STATUS(UNAVAILABLE) && SAME_STATUS(DATA_LOSS) &&
		       SAME_STATUS(UNAUTHENTICATED),
	       "med_grpc_status differs from grpc_status_code");
#undef SAME_STATUS

med_err
med_err_from_grpc_status(int code)
{
	static const med_err map[] = {
		[GRPC_STATUS_OK] = MED_OK,
		[GRPC_STATUS_CANCELLED] = MED_ERR_CANCELLED,
		[GRPC_STATUS_UNKNOWN] = MED_ERR_INTERNAL,
		[GRPC_STATUS_INVALID_ARGUMENT] = MED_ERR_INVALID,
		[GRPC_STATUS_DEADLINE_EXCEEDED] = MED_ERR_TIMEOUT,
		[GRPC_STATUS_NOT_FOUND] = MED_ERR_NOT_FOUND,
		[GRPC_STATUS_ALREADY_EXISTS] = MED_ERR_EXISTS,
		[GRPC_STATUS_PERMISSION_DENIED] = MED_ERR_DENIED,
		[GRPC_STATUS_RESOURCE_EXHAUSTED] = MED_ERR_LIMIT,
		[GRPC_STATUS_FAILED_PRECONDITION] = MED_ERR_PRECONDITION,
		[GRPC_STATUS_ABORTED] = MED_ERR_CONFLICT,
		[GRPC_STATUS_OUT_OF_RANGE] = MED_ERR_INVALID,
		[GRPC_STATUS_UNIMPLEMENTED] = MED_ERR_UNIMPLEMENTED,
		[GRPC_STATUS_INTERNAL] = MED_ERR_INTERNAL,
		[GRPC_STATUS_UNAVAILABLE] = MED_ERR_UNAVAILABLE,
		[GRPC_STATUS_DATA_LOSS] = MED_ERR_DATA_LOSS,
		[GRPC_STATUS_UNAUTHENTICATED] = MED_ERR_UNAUTHENTICATED,
	};

	if (code < 0 || (size_t)code >= sizeof(map) / sizeof(map[0]))
		return MED_ERR_INTERNAL;
	return map[code];
}

med_err
med_channel_open(const char *target, med_channel **out)
{
	return med_channel_open_opts(target, NULL, out);
}

med_err
med_channel_open_opts(const char *target, const med_channel_opts *opts,
		      med_channel **out)
{
	grpc_arg args[4] = {
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		 .value.integer = CLIENT_MAX_MSG},
		/* Reconnect soon after a peer restarts, not after gRPC's 1 s+.
		 */
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
		 .value.integer = 100},
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
		 .value.integer = 2000},
		{.type = GRPC_ARG_STRING,
		 .key = GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
		 .value.string = NULL},
	};
	grpc_channel_args ca = {.num_args = 3, .args = args};
	const med_tls *tls = opts != NULL ? opts->tls : NULL;
	grpc_channel_credentials *creds;
	med_channel *c;

	if (target == NULL || out == NULL)
		return MED_ERR_INVALID;
	if (tls != NULL && (tls->cert_pem == NULL || tls->key_pem == NULL ||
			    tls->ca_pem == NULL))
		return MED_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MED_ERR_NOMEM;
	med__rpc_grpc_ref();
	if (tls != NULL && opts->server_name != NULL) {
		args[3].value.string = (char *)opts->server_name;
		ca.num_args = 4;
	}
	creds = tls != NULL ? med__rpc_channel_creds(tls)
			    : grpc_insecure_credentials_create();
	if (creds == NULL) {
		free(c);
		med__rpc_grpc_unref();
		return MED_ERR_INVALID;
	}
	c->ch = grpc_channel_create(target, creds, &ca);
	grpc_channel_credentials_release(creds);
	if (c->ch == NULL) {
		free(c);
		med__rpc_grpc_unref();
		return MED_ERR_INVALID;
	}
	*out = c;
	return MED_OK;
}

void
med_channel_close(med_channel *ch)
{
	if (ch == NULL)
		return;
	grpc_channel_destroy(ch->ch);
	free(ch);
	med__rpc_grpc_unref();
}

/* --- one call ---------------------------------------------------------------
 */

static void
st_set(med_rpc_status *st, int code, const char *msg, size_t len)
{
	if (st == NULL)
		return;
	st->code = code;
	if (len >= sizeof(st->message))
		len = sizeof(st->message) - 1;
	memcpy(st->message, msg, len);
	st->message[len] = '\0';
}

static med_err
ctx_init(call_ctx *cx, med_channel *ch, const char *path,
	 const ProtobufCMessage *in, const med_call_opts *opts)
{
	int64_t ms =
		opts->deadline_ms > 0 ? opts->deadline_ms : DEFAULT_DEADLINE_MS;
	size_t n = protobuf_c_message_get_packed_size(in);

	memset(cx, 0, sizeof(*cx));
	cx->ch = ch;
	cx->path = path;
	cx->opts = opts;
	cx->deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
				    gpr_time_from_millis(ms, GPR_TIMESPAN));
	if (opts->token != NULL) {
		int w = snprintf(cx->auth, sizeof(cx->auth), "Bearer %s",
				 opts->token);
		if (w < 0 || (size_t)w >= sizeof(cx->auth))
			return MED_ERR_INVALID;
		cx->md[cx->n_md].key =
			grpc_slice_from_static_string("authorization");
		cx->md[cx->n_md++].value =
			grpc_slice_from_static_string(cx->auth);
	}
	if (opts->break_glass != NULL) {
		cx->md[cx->n_md].key =
			grpc_slice_from_static_string("x-break-glass");
		cx->md[cx->n_md++].value =
			grpc_slice_from_static_string(opts->break_glass);
	}
	if (opts->request_id != NULL)
		med_strlcpy(cx->request_id, opts->request_id,
			    sizeof(cx->request_id));
	else
		med_uuid_v4(cx->request_id);
	cx->md[cx->n_md].key = grpc_slice_from_static_string("x-request-id");
	cx->md[cx->n_md++].value =
		grpc_slice_from_static_string(cx->request_id);
	cx->req = grpc_slice_malloc(n);
	protobuf_c_message_pack(in, GRPC_SLICE_START_PTR(cx->req));
	return MED_OK;
}

static void
ctx_fini(call_ctx *cx)
{
	grpc_slice_unref(cx->req);
}

/* call_open creates the core call of one attempt on its own queue. */
static grpc_call *
call_open(call_ctx *cx, grpc_completion_queue **cq)
{
	*cq = grpc_completion_queue_create_for_pluck(NULL);
	return grpc_channel_create_call(cx->ch->ch, NULL,
					GRPC_PROPAGATE_DEFAULTS, *cq,
					grpc_slice_from_static_string(cx->path),
					NULL, cx->deadline, NULL);
}

static void
call_close(grpc_call *call, grpc_completion_queue *cq)
{
	if (call != NULL)
		grpc_call_unref(call);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_pluck(
		       cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
}

/* run_batch starts ops and waits for them. */
static bool
run_batch(grpc_call *call, grpc_completion_queue *cq, grpc_op *ops, size_t n,
	  void *tag)
{
	grpc_event ev;

	if (grpc_call_start_batch(call, ops, n, tag, NULL) != GRPC_CALL_OK)
		return false;
	ev = grpc_completion_queue_pluck(
		cq, tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	return ev.type == GRPC_OP_COMPLETE && ev.success;
}

/* status_take moves the received status into st and returns its code. */
static int
status_take(grpc_status_code code, grpc_slice *details, const char *dbg,
	    med_rpc_status *st)
{
	if (GRPC_SLICE_LENGTH(*details) > 0 || dbg == NULL)
		st_set(st, (int)code,
		       (const char *)GRPC_SLICE_START_PTR(*details),
		       GRPC_SLICE_LENGTH(*details));
	else
		st_set(st, (int)code, dbg, strlen(dbg));
	grpc_slice_unref(*details);
	return (int)code;
}

/* pushback_of reads the server's retry hint from trailers md; 0: none. */
static int
pushback_of(const grpc_metadata_array *md)
{
	for (size_t i = 0; i < md->count; i++) {
		const grpc_slice *k = &md->metadata[i].key;
		const grpc_slice *v = &md->metadata[i].value;
		char text[16];
		size_t n = GRPC_SLICE_LENGTH(*v);

		if (!grpc_slice_str_cmp(*k, "grpc-retry-pushback-ms") &&
		    n > 0 && n < sizeof(text)) {
			memcpy(text, GRPC_SLICE_START_PTR(*v), n);
			text[n] = '\0';
			return (int)strtol(text, NULL, 10);
		}
	}
	return 0;
}

/* decode unpacks a reply into arena; false when it is not a message. */
static bool
decode(grpc_byte_buffer *bb, const ProtobufCMessageDescriptor *desc,
       med_arena *arena, ProtobufCMessage **out)
{
	ProtobufCAllocator alloc;
	grpc_slice sl = med__rpc_read(bb);

	med_arena_pb_allocator(arena, &alloc);
	*out = protobuf_c_message_unpack(desc, &alloc, GRPC_SLICE_LENGTH(sl),
					 GRPC_SLICE_START_PTR(sl));
	grpc_slice_unref(sl);
	return *out != NULL;
}

/* unary_attempt makes one attempt; returns the gRPC status code. */
static int
unary_attempt(call_ctx *cx, const ProtobufCMessageDescriptor *out_desc,
	      med_arena *arena, ProtobufCMessage **out, med_rpc_status *st)
{
	grpc_completion_queue *cq;
	grpc_call *call = call_open(cx, &cq);
	grpc_byte_buffer *req = grpc_raw_byte_buffer_create(&cx->req, 1);
	grpc_byte_buffer *resp = NULL;
	grpc_metadata_array init_md, trail_md;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	const char *dbg = NULL;
	grpc_op ops[6];
	int rc;

	grpc_metadata_array_init(&init_md);
	grpc_metadata_array_init(&trail_md);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = cx->n_md;
	ops[0].data.send_initial_metadata.metadata = cx->md;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &resp;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trail_md;
	ops[5].data.recv_status_on_client.status = &code;
	ops[5].data.recv_status_on_client.status_details = &details;
	ops[5].data.recv_status_on_client.error_string = &dbg;
	if (call == NULL || !run_batch(call, cq, ops, 6, cx))
		code = GRPC_STATUS_INTERNAL;
	rc = status_take(code, &details, dbg, st);
	st->retry_pushback_ms = pushback_of(&trail_md);
	if (rc == GRPC_STATUS_OK &&
	    (resp == NULL || !decode(resp, out_desc, arena, out))) {
		rc = GRPC_STATUS_INTERNAL;
		st_set(st, rc, "reply: cannot decode", 20);
	}
	gpr_free((void *)dbg);
	if (resp != NULL)
		grpc_byte_buffer_destroy(resp);
	grpc_byte_buffer_destroy(req);
	grpc_metadata_array_destroy(&init_md);
	grpc_metadata_array_destroy(&trail_md);
	call_close(call, cq);
	return rc;
}

/* backoff sleeps before attempt n (1-based); false when past the deadline. */
static bool
backoff(const call_ctx *cx, int n)
{
	int64_t cap = BACKOFF_BASE_MS << (n < 6 ? n : 6);
	uint32_t r = 0;
	gpr_timespec left =
		gpr_time_sub(cx->deadline, gpr_now(GPR_CLOCK_MONOTONIC));
	int64_t left_ms = left.tv_sec * 1000 + left.tv_nsec / 1000000;
	int64_t ms;

	if (cap > BACKOFF_MAX_MS)
		cap = BACKOFF_MAX_MS;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)n * 2654435761u;
	/* Full jitter over the upper half keeps clients from marching. */
	ms = cap / 2 + (int64_t)(r % (uint32_t)(cap / 2 + 1));
	if (ms >= left_ms)
		return false;
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
	return true;
}

static int
max_attempts(const med_call_opts *o)
{
	if (!o->idempotent)
		return 1;
	return o->max_attempts > 0 ? o->max_attempts : DEFAULT_ATTEMPTS;
}

/* outbound_begin begins an outbound call of either kind: it reports a
 * call made inside a transaction, whose peer's answer, however slow, would
 * hold the transaction's row locks (db_tx_guard.c), then makes the call's
 * context with the caller's options (NULL: the defaults).  INVALID: a
 * token too long for its header. */
static med_err
outbound_begin(call_ctx *cx, med_channel *ch, const char *path,
	       const ProtobufCMessage *in, const med_call_opts *opts)
{
	static const med_call_opts defaults = {0};

	med_db_outside_tx(path, "outbound call");
	if (ctx_init(cx, ch, path, in, opts != NULL ? opts : &defaults) !=
	    MED_OK)
		return MED_ERR_INVALID;
	return MED_OK;
}

med_err
med_channel_unary(med_channel *ch, const char *path, const ProtobufCMessage *in,
		  const ProtobufCMessageDescriptor *out_desc, med_arena *arena,
		  const med_call_opts *opts, ProtobufCMessage **out,
		  med_rpc_status *st)
{
	med_rpc_status local;
	call_ctx cx;
	int code, n = 1;

	if (ch == NULL || path == NULL || in == NULL || out_desc == NULL ||
	    arena == NULL || out == NULL)
		return MED_ERR_INVALID;
	if (st == NULL)
		st = &local;
	if (outbound_begin(&cx, ch, path, in, opts) != MED_OK)
		return MED_ERR_INVALID;
	code = unary_attempt(&cx, out_desc, arena, out, st);
	while (code == GRPC_STATUS_UNAVAILABLE && n < max_attempts(cx.opts) &&
	       backoff(&cx, n)) {
		n++;
		code = unary_attempt(&cx, out_desc, arena, out, st);
	}
	ctx_fini(&cx);
	return med_err_from_grpc_status(code);
}

/* --- server streaming --------------------------------------------------- */

typedef struct stream_state {
	const ProtobufCMessageDescriptor *out_desc;
	med_arena *arena;
	med_stream_msg_fn on_msg;
	void *ctx;
	int n_msgs;
	med_err stop; /* on_msg's error, when it stopped the stream */
} stream_state;

/* stream_read hands messages to on_msg until the stream ends. */
static void
stream_read(grpc_call *call, grpc_completion_queue *cq, stream_state *ss)
{
	for (;;) {
		grpc_byte_buffer *bb = NULL;
		grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
		ProtobufCMessage *msg;
		bool ok;

		op.data.recv_message.recv_message = &bb;
		if (!run_batch(call, cq, &op, 1, &bb) || bb == NULL)
			return;
		med_arena_reset(ss->arena);
		ok = decode(bb, ss->out_desc, ss->arena, &msg);
		grpc_byte_buffer_destroy(bb);
		ss->stop = ok ? ss->on_msg(ss->ctx, msg) : MED_ERR_INTERNAL;
		ss->n_msgs++;
		if (ss->stop != MED_OK) {
			grpc_call_cancel(call, NULL);
			return;
		}
	}
}

static int
stream_attempt(call_ctx *cx, stream_state *ss, med_rpc_status *st)
{
	grpc_completion_queue *cq;
	grpc_call *call = call_open(cx, &cq);
	grpc_byte_buffer *req = grpc_raw_byte_buffer_create(&cx->req, 1);
	grpc_metadata_array init_md, trail_md;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	const char *dbg = NULL;
	grpc_op ops[4], sop;
	int rc;

	grpc_metadata_array_init(&init_md);
	grpc_metadata_array_init(&trail_md);
	memset(ops, 0, sizeof(ops));
	memset(&sop, 0, sizeof(sop));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = cx->n_md;
	ops[0].data.send_initial_metadata.metadata = cx->md;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
	sop.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	sop.data.recv_status_on_client.trailing_metadata = &trail_md;
	sop.data.recv_status_on_client.status = &code;
	sop.data.recv_status_on_client.status_details = &details;
	sop.data.recv_status_on_client.error_string = &dbg;
	if (call == NULL ||
	    grpc_call_start_batch(call, &sop, 1, &sop, NULL) != GRPC_CALL_OK) {
		code = GRPC_STATUS_INTERNAL;
	} else {
		if (run_batch(call, cq, ops, 4, ops))
			stream_read(call, cq, ss);
		grpc_completion_queue_pluck(
			cq, &sop, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	}
	rc = status_take(code, &details, dbg, st);
	gpr_free((void *)dbg);
	grpc_byte_buffer_destroy(req);
	grpc_metadata_array_destroy(&init_md);
	grpc_metadata_array_destroy(&trail_md);
	call_close(call, cq);
	return rc;
}

med_err
med_channel_server_stream(med_channel *ch, const char *path,
			  const ProtobufCMessage *in,
			  const ProtobufCMessageDescriptor *out_desc,
			  med_arena *arena, const med_call_opts *opts,
			  med_stream_msg_fn on_msg, void *ctx,
			  med_rpc_status *st)
{
	stream_state ss = {out_desc, arena, on_msg, ctx, 0, MED_OK};
	med_rpc_status local;
	call_ctx cx;
	int code, n = 1;

	if (ch == NULL || path == NULL || in == NULL || out_desc == NULL ||
	    arena == NULL || on_msg == NULL)
		return MED_ERR_INVALID;
	if (st == NULL)
		st = &local;
	if (outbound_begin(&cx, ch, path, in, opts) != MED_OK)
		return MED_ERR_INVALID;
	code = stream_attempt(&cx, &ss, st);
	/* Only a stream that delivered nothing can be tried again. */
	while (code == GRPC_STATUS_UNAVAILABLE && ss.n_msgs == 0 &&
	       n < max_attempts(cx.opts) && backoff(&cx, n)) {
		n++;
		code = stream_attempt(&cx, &ss, st);
	}
	ctx_fini(&cx);
	if (ss.stop != MED_OK)
		return ss.stop;
	return med_err_from_grpc_status(code);
}
