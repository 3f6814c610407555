/*
 * rpc_call.c - one server call from start to end: the deadline, what comes
 * before the handler (rpc_call_auth.c), decode and validation, the handler
 * (inline for unary calls; streams in rpc_stream.c), the reply, the status,
 * the access log line and the audit event (rpc_call_audit.c).
 *
 * A call starts on the completion-queue thread that took it: what comes
 * before the handler never waits, so it runs there (med__rpc_dispatch).  A
 * call that needs nothing more that may wait (a refusal, or a handler
 * med_server_set_never_blocks marked) ends there too: no thread hop, no
 * wake-up.  The rest moves to the server's worker threads (rpc_work.c).
 * An audited call's status waits for its access event to be durable
 * without a thread waiting: the event is appended to the spool and the
 * emitter's flusher sends the status after its group commit
 * (finish_audited).  With med_server_opts.audit_commit_on_handler, a call
 * on a worker thread with nothing else queued for that thread, whose event
 * no other waits beside, makes the commit and sends its status itself: no
 * wake-up of the flusher, no thread switch.  A
 * unary call issues no RECV_CLOSE_ON_SERVER, so the core cannot report a
 * client's cancellation to its handler; it sees the deadline and the drain
 * through med_call_is_cancelled.  Streaming calls issue RECV_CLOSE_ON_SERVER at
 * the start and also see cancellation.
 */
#include <stdio.h>
#include <string.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "rpc_internal.h"

/* The per-call arena holds the decoded request and the reply. */
#define ARENA_FACTOR 4
#define ARENA_BASE   (64u << 10)

/* --- byte buffers ------------------------------------------------------ */

/*
 * The send cap is checked here, before anything is sent, because gRPC's own
 * check fails the call on the wire ("Sent message larger than max") after
 * the service has already logged, counted and audited it as a success.
 * Refused here, the call ends RESOURCE_EXHAUSTED everywhere alike.
 */
med_err
med__rpc_pack(med_call *c, const ProtobufCMessage *msg, grpc_byte_buffer **out)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	size_t max = c->srv->opts.max_message_bytes;
	grpc_slice sl;

	if (n > max)
		return med_call_fail(
			c, MED_ERR_LIMIT,
			"the reply is %zu bytes; the limit is %zu; "
			"ask for a smaller page",
			n, max);
	sl = grpc_slice_malloc(n);
	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(sl));
	*out = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);
	return MED_OK;
}

grpc_slice
med__rpc_read(grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader r;
	grpc_slice sl;

	if (!grpc_byte_buffer_reader_init(&r, bb))
		return grpc_empty_slice();
	sl = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	return sl;
}

/* --- deadline ---------------------------------------------------------- */

static bool
deadline_is_infinite(gpr_timespec dl)
{
	return gpr_time_cmp(dl, gpr_inf_future(dl.clock_type)) == 0;
}

int64_t
med_call_remaining_ms(med_call *call)
{
	gpr_timespec left;
	int64_t ms;

	if (deadline_is_infinite(call->deadline))
		return INT64_MAX;
	left = gpr_time_sub(call->deadline, gpr_now(GPR_CLOCK_MONOTONIC));
	ms = left.tv_sec * 1000 + left.tv_nsec / 1000000;
	return ms > 0 ? ms : 0;
}

bool
med_call_is_cancelled(med_call *call)
{
	if (atomic_load(&call->cancelled) ||
	    (call->srv != NULL && atomic_load(&call->srv->draining)))
		return true;
	return med_call_remaining_ms(call) == 0;
}

/* --- ending a call ----------------------------------------------------- */

/*
 * log_access writes one line per call with its request id.  The status
 * message is safe to log: handlers never put patient data in it.
 */
static void
log_access(const med_call *c, int code, const char *msg)
{
	double ms = (double)(med_mono_ns() - c->start_ns) / 1e6;
	bool bad = code == GRPC_STATUS_INTERNAL ||
		   code == GRPC_STATUS_UNKNOWN || code == GRPC_STATUS_DATA_LOSS;

	med_log_set_request_id(c->request_id);
	med_log(bad ? MED_LOG_ERROR : MED_LOG_INFO,
		"rpc %s %s %.3f ms user=%s%s%s", c->rm->m->path,
		med_grpc_status_name(code), ms,
		c->principal.user[0] ? c->principal.user : "-", msg ? ": " : "",
		msg ? msg : "");
	med_log_set_request_id(NULL);
}

/*
 * finish_audited sends the status held back by med__rpc_complete once c's
 * events are durable, on whichever thread learnt it (the audit emitter's
 * flusher, usually): gRPC takes a batch from any thread.  No unaudited
 * access: an OK reply whose event is not durable is withheld.
 */
static void
finish_audited(med_call *c, bool durable)
{
	int code = c->end_code;
	const char *msg = c->end_msg;
	grpc_byte_buffer *bb = c->end_reply;

	c->end_reply = NULL;
	if (!durable && code == 0) {
		code = GRPC_STATUS_INTERNAL;
		msg = "audit unavailable";
		if (bb != NULL)
			grpc_byte_buffer_destroy(bb);
		bb = NULL;
	}
	log_access(c, code, msg);
	med__rpc_call_finish(c, code, msg, bb);
}

void
med__rpc_complete(med_call *c, med_err err, const ProtobufCMessage *out)
{
	int code = err != MED_OK ? med_err_to_grpc_status(err) : 0;
	const char *msg = NULL;
	grpc_byte_buffer *bb = NULL;

	if (c->care_err != MED_OK) {
		err = c->care_err;
		code = med_err_to_grpc_status(err);
		med_strlcpy(c->fail_msg, c->care_msg, sizeof(c->fail_msg));
	}
	if (err == MED_ERR_CANCELLED && med_call_remaining_ms(c) == 0) {
		/* A handler that stopped for its deadline reports it. */
		err = MED_ERR_TIMEOUT;
		code = med_err_to_grpc_status(err);
	}
	if (med__idem_answer(c, &err, &bb)) {
		/* A repeat: the first call's reply, whatever the handler said
		 * after its transaction stopped at the request log. */
		code = med_err_to_grpc_status(err);
	} else if (err == MED_OK && out != NULL) {
		err = med__rpc_pack(c, out, &bb);
		code = med_err_to_grpc_status(err);
		if (err == MED_OK)
			med__idem_keep_reply(c, bb);
	}
	if (err != MED_OK)
		msg = c->fail_msg[0] ? c->fail_msg : med_strerror(err);
	med__rpc_bg_withdraw_if_refused(c, code);
	if (!med__rpc_needs_audit(c)) {
		log_access(c, code, msg);
		med__rpc_call_finish(c, code, msg, bb);
		return;
	}
	if (med__rpc_audit_committed(c, code)) {
		/* Its event committed with its write: the spool's copy only
		 * spares the relay a send, so the reply does not wait for it
		 * (should the spool fail, the relay sends the committed one).
		 */
		med__rpc_audit_async(c, code, NULL);
		log_access(c, code, msg);
		med__rpc_call_finish(c, code, msg, bb);
		return;
	}
	/* The status waits for the access event's group commit. */
	c->end_msg = msg;
	c->end_reply = bb;
	med__rpc_audit_async(c, code, finish_audited);
}

void
med__rpc_reject(med_call *c, med_err err, const char *msg)
{
	if (c->fail_msg[0] == '\0')
		med_strlcpy(c->fail_msg, msg, sizeof(c->fail_msg));
	med__rpc_complete(c, err, NULL);
}

/* --- before the handler ------------------------------------------------ */

/* decode validates the request bytes, unpacks them and checks the result. */
static med_err
decode(med_call *c)
{
	const med_method *m = c->rm->m;
	ProtobufCAllocator alloc;
	grpc_slice sl;
	med_err err;

	if (c->payload == NULL)
		return med_call_fail(c, MED_ERR_INVALID,
				     "request: missing message");
	sl = med__rpc_read(c->payload);
	err = med_pb_validate_wire(m->input, GRPC_SLICE_START_PTR(sl),
				   GRPC_SLICE_LENGTH(sl), c->fail_msg,
				   sizeof(c->fail_msg));
	if (err == MED_OK) {
		med_arena_pb_allocator(c->arena, &alloc);
		c->in = protobuf_c_message_unpack(m->input, &alloc,
						  GRPC_SLICE_LENGTH(sl),
						  GRPC_SLICE_START_PTR(sl));
		if (c->in == NULL)
			err = med_call_fail(c, MED_ERR_INVALID,
					    "request: malformed message");
	}
	grpc_slice_unref(sl);
	if (err == MED_OK)
		err = med_pb_validate_msg(c->in, c->fail_msg,
					  sizeof(c->fail_msg));
	if (err != MED_OK)
		c->fail_err = err;
	return err;
}

/* prepare does what comes before every handler. */
static med_err
prepare(med_call *c)
{
	med_err err;
	gpr_timespec dl = c->deadline;

	c->deadline = deadline_is_infinite(dl)
			      ? gpr_inf_future(GPR_CLOCK_MONOTONIC)
			      : gpr_convert_clock_type(dl, GPR_CLOCK_MONOTONIC);
	err = med__rpc_authorize(c);
	if (err != MED_OK)
		return err;
	if (med_call_remaining_ms(c) == 0)
		return med_call_fail(c, MED_ERR_TIMEOUT, "deadline exceeded");
	c->arena = med_arena_new(ARENA_BASE +
				 ARENA_FACTOR * c->srv->opts.max_message_bytes);
	if (c->arena == NULL)
		return med_call_fail(c, MED_ERR_NOMEM, "out of memory");
	return decode(c);
}

/* --- unary ------------------------------------------------------------- */

static void
run_unary(med_call *c)
{
	const med_method *m = c->rm->m;
	ProtobufCMessage *out =
		med_arena_alloc(c->arena, m->output->sizeof_message);
	med_err err;

	if (out == NULL) {
		med__rpc_reject(c, MED_ERR_NOMEM, "out of memory");
		return;
	}
	protobuf_c_message_init(m->output, out);
	med__rpc_handler_enter(c);
	err = m->unary(c, c->in, out);
	med__rpc_handler_leave();
	med__rpc_complete(c, err, out);
}

/* --- entry ------------------------------------------------------------- */

/*
 * call_blocks is true when what is left of c after prepare may wait: a
 * handler that may wait on the database or another service, a stream's
 * thread.  Its audit event does not: it is appended here and the status
 * goes out once the spool's flusher has made it durable.
 */
static bool
call_blocks(const med_call *c)
{
	const med_method *m = c->rm->m;

	if (c->prepare_err != MED_OK)
		return false;
	return m->kind != MED_RPC_UNARY || !c->rm->never_blocks;
}

/* serve_prepared ends c on this thread: refusal, handler or stream. */
static void
serve_prepared(med_call *c)
{
	if (c->prepare_err != MED_OK)
		med__rpc_complete(c, c->prepare_err, NULL);
	else if (c->rm->m->kind == MED_RPC_UNARY)
		run_unary(c);
	else
		med__rpc_start_stream(c);
	/* Drop the reference the armed request held. */
	med__rpc_call_unref(c);
}

/*
 * shed refuses c before its handler runs, because the server is
 * overloaded: RESOURCE_EXHAUSTED naming why, a retry hint of about how
 * long calls now wait (grpc-retry-pushback-ms, which gRPC's own retry
 * policy honours), counted by reason.  Nothing was written, so a client
 * may send the call again as it was.
 */
static void
shed(med_call *c, int reason, int64_t waited_ms)
{
	med_server *s = c->srv;
	int64_t hint = waited_ms;

	if (hint < RPC_PUSHBACK_MIN_MS)
		hint = RPC_PUSHBACK_MIN_MS;
	if (hint > RPC_PUSHBACK_MAX_MS)
		hint = RPC_PUSHBACK_MAX_MS;
	c->retry_pushback_ms = (int)hint;
	if (s->shed[reason] != NULL)
		med_counter_add(s->shed[reason], 1);
	if (reason == RPC_SHED_QUEUE_FULL)
		c->prepare_err = med_call_fail(
			c, MED_ERR_LIMIT,
			"server busy: %d calls already wait for a handler "
			"thread (MED_GRPC_QUEUE_MAX); nothing was done, retry "
			"in about %lld ms",
			s->work.max_depth, (long long)hint);
	else
		c->prepare_err = med_call_fail(
			c, MED_ERR_LIMIT,
			"server busy: the call waited %lld ms for a handler "
			"thread, over MED_GRPC_QUEUE_WAIT_MAX_MS (%d); nothing "
			"was done, retry in about %lld ms",
			(long long)waited_ms, s->opts.queue_wait_max_ms,
			(long long)hint);
}

void
med__rpc_dispatch(med_call *c)
{
	c->start_ns = med_mono_ns();
	if (c->rm->stats != NULL)
		med_rpc_stats_started(c->rm->stats);
	/* Metadata, the token or JWT check, decode and validation never
	 * wait: they run here, on the queue's thread. */
	c->prepare_err = prepare(c);
	if (!call_blocks(c)) {
		serve_prepared(c);
		return;
	}
	if (med__rpc_work_push(&c->srv->work, c))
		return;
	shed(c, RPC_SHED_QUEUE_FULL, 0);
	serve_prepared(c);
}

void
med__rpc_serve_call(med_call *c)
{
	int64_t waited_ms = (med_mono_ns() - c->start_ns) / 1000000;
	int max_ms = c->srv->opts.queue_wait_max_ms;

	c->on_pool = c->rm->m->kind == MED_RPC_UNARY;
	/* A call that waited in the pool past its deadline is not begun. */
	if (c->prepare_err == MED_OK && med_call_remaining_ms(c) == 0)
		c->prepare_err =
			med_call_fail(c, MED_ERR_TIMEOUT, "deadline exceeded");
	else if (c->prepare_err == MED_OK && max_ms > 0 && waited_ms > max_ms)
		shed(c, RPC_SHED_QUEUE_WAIT, waited_ms);
	serve_prepared(c);
}
