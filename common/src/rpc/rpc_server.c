/*
 * rpc_server.c - the server's life cycle: method table, completion queues
 * and their threads, the requests kept armed on them, call references and
 * the graceful drain.  What happens inside one call is in rpc_call.c (and
 * rpc_call_*.c, rpc_break_glass.c, rpc_stream.c); the
 * threads that run handlers are in rpc_work.c.
 *
 * Every table method is registered with grpc_server_register_method so that
 * its first message arrives with the new-call event; generic requests stay
 * armed beside them so that a call to an unknown path is answered
 * UNIMPLEMENTED instead of waiting for its deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc_security.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "rpc_internal.h"

void
med__rpc_grpc_ref(void)
{
	grpc_init();
}

void
med__rpc_grpc_unref(void)
{
	/* Blocking, so that a leak check at exit sees gRPC fully torn down
	 * when this was the last user. */
	grpc_shutdown_blocking();
}

/* --- calls and requests -------------------------------------------------- */

/*
 * rpc_req - one armed request: what gRPC fills in when a call matches it.
 * RPC_REQS_PER_METHOD of them wait per method and per queue (a thousand
 * and more in a service), so they stay small; the call's own state
 * (med_call, some 4.5 KiB) is made only when a call arrives.  Armed as
 * whole med_calls they held 4-10 MB of an idle service's heap.
 */
typedef struct rpc_req {
	rpc_tag tag;
	rpc_method *rm; /* NULL: a generic request */
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array md;
	grpc_call_details details; /* generic requests only */
	grpc_byte_buffer *payload; /* registered requests only */
} rpc_req;

/* req_free frees an armed request that no call matched (shutdown). */
static void
req_free(rpc_req *r)
{
	grpc_metadata_array_destroy(&r->md);
	if (r->rm == NULL)
		grpc_call_details_destroy(&r->details);
	free(r);
}

static med_call *
call_new(med_server *s, rpc_queue *q, rpc_method *rm)
{
	med_call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->tag_close = (rpc_tag){RPC_TAG_CLOSE, c};
	c->tag_send = (rpc_tag){RPC_TAG_SEND, c};
	c->tag_finish = (rpc_tag){RPC_TAG_FINISH, c};
	c->srv = s;
	c->q = q;
	c->rm = rm;
	atomic_init(&c->refs, 1); /* the matched request's */
	atomic_init(&c->cancelled, false);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	return c;
}

/* call_of makes the call that matched r, taking over what r holds; r is
 * freed either way.  NULL: out of memory (the call is then refused). */
static med_call *
call_of(med_server *s, rpc_queue *q, rpc_req *r)
{
	med_call *c = call_new(s, q, r->rm);

	if (c == NULL) {
		grpc_call_cancel_with_status(r->call,
					     GRPC_STATUS_RESOURCE_EXHAUSTED,
					     "out of memory", NULL);
		grpc_call_unref(r->call);
		if (r->payload != NULL)
			grpc_byte_buffer_destroy(r->payload);
		req_free(r);
		return NULL;
	}
	c->call = r->call;
	c->deadline = r->deadline;
	c->req_md = r->md;
	c->details = r->details;
	c->payload = r->payload;
	free(r);
	return c;
}

static void
call_free(med_call *c)
{
	med_server *s = c->srv;

	if (c->call != NULL)
		grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->req_md);
	if (c->rm == NULL)
		grpc_call_details_destroy(&c->details);
	if (c->payload != NULL)
		grpc_byte_buffer_destroy(c->payload);
	if (c->reply_bb != NULL)
		grpc_byte_buffer_destroy(c->reply_bb);
	if (c->has_status_details)
		grpc_slice_unref(c->status_details);
	med_arena_free(c->arena);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
	pthread_mutex_lock(&s->mu);
	s->active_calls--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
med__rpc_call_ref(med_call *c)
{
	atomic_fetch_add(&c->refs, 1);
}

void
med__rpc_call_unref(med_call *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		call_free(c);
}

/* arm posts one request for rm (NULL: generic) on q. */
static med_err
arm(med_server *s, rpc_queue *q, rpc_method *rm)
{
	rpc_req *r = calloc(1, sizeof(*r));
	grpc_call_error e;

	if (r == NULL)
		return MED_ERR_NOMEM;
	r->tag = (rpc_tag){RPC_TAG_NEW_CALL, r};
	r->rm = rm;
	grpc_metadata_array_init(&r->md);
	if (rm != NULL) {
		e = grpc_server_request_registered_call(
			s->server, rm->handle, &r->call, &r->deadline, &r->md,
			&r->payload, q->cq, q->cq, &r->tag);
	} else {
		grpc_call_details_init(&r->details);
		e = grpc_server_request_call(s->server, &r->call, &r->details,
					     &r->md, q->cq, q->cq, &r->tag);
	}
	if (e != GRPC_CALL_OK) {
		req_free(r);
		return MED_ERR_INTERNAL;
	}
	return MED_OK;
}

void
med__rpc_call_finish(med_call *c, int code, const char *msg,
		     grpc_byte_buffer *reply)
{
	bool streaming =
		c->rm != NULL && c->rm->m->kind == MED_RPC_SERVER_STREAM;
	grpc_op ops[4], *op = ops;
	grpc_call_error e;

	memset(ops, 0, sizeof(ops));
	if (c->rm != NULL && c->rm->stats != NULL)
		med_rpc_stats_handled(c->rm->stats, code,
				      (double)(med_mono_ns() - c->start_ns) /
					      1e9);
	if (msg != NULL && msg[0] != '\0') {
		c->status_details = grpc_slice_from_copied_string(msg);
		c->has_status_details = true;
	}
	c->reply_bb = reply;
	if (streaming)
		pthread_mutex_lock(&c->mu);
	if (!c->md_sent) {
		med__rpc_initial_md(c, op);
		op++;
		c->md_sent = true;
	}
	if (reply != NULL) {
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = reply;
		op++;
	}
	op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	op->data.send_status_from_server.status = (grpc_status_code)code;
	if (c->retry_pushback_ms > 0) {
		snprintf(c->pushback_text, sizeof(c->pushback_text), "%d",
			 c->retry_pushback_ms);
		c->md_trail[0].key =
			grpc_slice_from_static_string("grpc-retry-pushback-ms");
		c->md_trail[0].value =
			grpc_slice_from_static_string(c->pushback_text);
		op->data.send_status_from_server.trailing_metadata_count = 1;
		op->data.send_status_from_server.trailing_metadata =
			c->md_trail;
	}
	op->data.send_status_from_server.status_details =
		c->has_status_details ? &c->status_details : NULL;
	op++;
	if (!streaming) {
		/* Streaming calls issued theirs at the start. */
		op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		op->data.recv_close_on_server.cancelled = &c->close_cancelled;
		op++;
	}
	med__rpc_call_ref(c);
	e = grpc_call_start_batch(c->call, ops, (size_t)(op - ops),
				  &c->tag_finish, NULL);
	if (streaming)
		pthread_mutex_unlock(&c->mu);
	if (e != GRPC_CALL_OK) {
		med_log_error("rpc: final batch refused: %d", (int)e);
		med__rpc_call_unref(c);
	}
}

/* --- the completion-queue threads ----------------------------------------- */

static void
on_new_call(rpc_queue *q, rpc_req *r, bool ok)
{
	med_server *s = q->srv;
	rpc_method *rm = r->rm;
	med_call *c;

	if (!ok) {
		/* A request released by shutdown: no call came. */
		req_free(r);
		return;
	}
	if (!atomic_load(&s->draining) && arm(s, q, rm) != MED_OK)
		med_log_error("rpc: cannot re-arm a request");
	if ((c = call_of(s, q, r)) == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->active_calls++;
	pthread_mutex_unlock(&s->mu);
	if (rm == NULL) {
		med__rpc_call_finish(c, GRPC_STATUS_UNIMPLEMENTED,
				     "unknown method", NULL);
		med__rpc_call_unref(c);
		return;
	}
	/* Here, or on the worker pool when it may wait (rpc_call.c). */
	med__rpc_dispatch(c);
}

static void
on_event(rpc_queue *q, rpc_tag *tag, bool ok)
{
	med_server *s = q->srv;

	switch (tag->kind) {
	case RPC_TAG_NEW_CALL:
		on_new_call(q, tag->obj, ok);
		break;
	case RPC_TAG_CLOSE:
		med__rpc_on_close(tag->obj);
		break;
	case RPC_TAG_SEND:
		med__rpc_on_send(tag->obj, ok);
		break;
	case RPC_TAG_FINISH:
		med__rpc_call_unref(tag->obj);
		break;
	case RPC_TAG_SHUTDOWN:
		pthread_mutex_lock(&s->mu);
		s->shutdown_notified = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		break;
	}
}

static void *
queue_main(void *arg)
{
	rpc_queue *q = arg;

	for (;;) {
		grpc_event ev = grpc_completion_queue_next(
			q->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type == GRPC_OP_COMPLETE)
			on_event(q, ev.tag, ev.success != 0);
	}
	return NULL;
}

/* drain_queue shuts q's queue down, waits for its thread, destroys it. */
static void
drain_queue(rpc_queue *q)
{
	if (q->cq == NULL)
		return;
	grpc_completion_queue_shutdown(q->cq);
	if (q->thread_started)
		pthread_join(q->thread, NULL);
	else
		queue_main(q);
	grpc_completion_queue_destroy(q->cq);
	q->cq = NULL;
	q->thread_started = false;
}

/* --- creation and the method table -------------------------------------- */

static med_err
check_opts(const med_server_opts *o, char *errbuf, size_t errlen)
{
	const char *why = NULL;

	if (o->listen_addr == NULL || o->listen_addr[0] == '\0')
		why = "listen_addr is required";
	else if (o->n_threads < 0 || o->n_threads > 256)
		why = "n_threads must be 0..256";
	else if (o->max_streams < 0)
		why = "max_streams must be >= 0";
	else if (o->handshake_timeout_ms < 0)
		why = "handshake_timeout_ms must be >= 0";
	else if (o->max_conns_per_client < 0)
		why = "max_conns_per_client must be >= 0";
	else if (o->queue_max < 0)
		why = "queue_max must be >= 0";
	else if (o->queue_wait_max_ms < 0)
		why = "queue_wait_max_ms must be >= 0";
	else if (o->max_message_bytes > (size_t)INT32_MAX / 4)
		why = "max_message_bytes too large";
	else if (o->health_listen_addr != NULL && o->tls == NULL)
		why = "health_listen_addr needs tls (the main port would be "
		      "plaintext anyway)";
	else if (o->health_listen_addr != NULL &&
		 strcmp(o->health_listen_addr, o->listen_addr) == 0)
		why = "health_listen_addr must differ from listen_addr";
	if (why == NULL)
		return MED_OK;
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "rpc server: %s", why);
	return MED_ERR_INVALID;
}

static void
apply_defaults(med_server *s)
{
	if (s->opts.n_threads == 0)
		s->opts.n_threads = RPC_DEFAULT_THREADS;
	if (s->opts.max_message_bytes == 0)
		s->opts.max_message_bytes = RPC_DEFAULT_MAX_MSG;
	if (s->opts.max_streams == 0)
		s->opts.max_streams = RPC_DEFAULT_STREAMS;
	if (s->opts.handshake_timeout_ms == 0)
		s->opts.handshake_timeout_ms = RPC_HANDSHAKE_MS;
	if (s->opts.max_conns_per_client == 0)
		s->opts.max_conns_per_client = RPC_DEFAULT_CONNS_PER_CLIENT;
	if (s->opts.queue_max == 0)
		s->opts.queue_max = RPC_DEFAULT_QUEUE_MAX;
}

/* collect_depth sets the queue gauge at each render of the metrics. */
static void
collect_depth(void *ctx)
{
	med_server *s = ctx;

	med_gauge_set(s->queue_depth, (double)med__rpc_work_depth(&s->work));
}

/* overload_metrics registers the refusal counters and the depth gauge. */
static med_err
overload_metrics(med_server *s)
{
	static const char *const reasons[] = {
		[RPC_SHED_QUEUE_FULL] = "reason=\"queue_full\"",
		[RPC_SHED_QUEUE_WAIT] = "reason=\"queue_wait\""};
	med_metrics *m = s->opts.metrics;

	if (m == NULL)
		return MED_OK;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		s->shed[i] = med_metrics_counter(
			m, "smartmed_grpc_calls_shed_total",
			"calls refused RESOURCE_EXHAUSTED before their handler "
			"because the server was overloaded: queue_full "
			"(MED_GRPC_QUEUE_MAX calls already waiting) or "
			"queue_wait (waited over MED_GRPC_QUEUE_WAIT_MAX_MS)",
			reasons[i]);
	s->queue_depth =
		med_metrics_gauge(m, "smartmed_grpc_handler_queue_depth",
				  "calls waiting for a handler thread", "");
	if (s->queue_depth == NULL)
		return MED_OK;
	s->depth_collector =
		med_metrics_collector_add(m, collect_depth, s) == MED_OK;
	return MED_OK;
}

med_err
med_server_new(const med_server_opts *opts, med_server **out, char *errbuf,
	       size_t errlen)
{
	med_authenticator auth =
		opts != NULL ? opts->auth : (med_authenticator){0};
	med_server *s;
	med_err err;

	if (opts == NULL)
		return MED_ERR_INVALID;
	err = check_opts(opts, errbuf, errlen);
	if (err != MED_OK)
		goto free_auth;
	err = MED_ERR_NOMEM;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto free_auth;
	s->opts = *opts;
	apply_defaults(s);
	s->service_name = strdup(opts->service_name ? opts->service_name : "");
	s->listen_addr = strdup(opts->listen_addr);
	if (opts->health_listen_addr != NULL)
		s->health_addr = strdup(opts->health_listen_addr);
	s->opts.tls = NULL;
	s->opts.health_listen_addr = NULL;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	med__rpc_work_init(&s->work, s->opts.queue_max);
	atomic_init(&s->draining, false);
	s->shutdown_tag = (rpc_tag){RPC_TAG_SHUTDOWN, s};
	med__rpc_grpc_ref();
	if (s->service_name == NULL || s->listen_addr == NULL ||
	    (opts->health_listen_addr != NULL && s->health_addr == NULL) ||
	    med__rpc_health_init(&s->health) != MED_OK ||
	    med__rpc_peers_new(s->opts.max_conns_per_client, s->opts.metrics,
			       &s->peers) != MED_OK ||
	    overload_metrics(s) != MED_OK)
		goto free_server;
	if (opts->tls != NULL) {
		err = med__rpc_tls_copy(&s->tls, opts->tls);
		if (err != MED_OK) {
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen,
					 "rpc server: tls needs a certificate, "
					 "a key and a CA");
			goto free_server;
		}
		s->has_tls = true;
		/* Loaded from files: re-read them when they change. */
		if (s->tls.cert_path != NULL &&
		    (err = med__tls_watch_new(&s->tls, &s->tls_watch)) !=
			    MED_OK)
			goto free_server;
	}
	err = med_server_add_methods(s, med__rpc_health_methods, 2);
	/* A health check reads a table: answered where it arrived. */
	if (err == MED_OK)
		err = med_server_set_never_blocks(
			s, med__rpc_health_methods[0].path);
	if (err != MED_OK)
		goto free_server;
	*out = s;
	return MED_OK;
free_server:
	med_server_free(s);
	return err;
free_auth:
	med_authenticator_free(&auth);
	return err;
}

/* method_check says why m cannot be added, or NULL. */
static const char *
method_check(const med_server *s, const med_method *m)
{
	if (m->path == NULL || m->path[0] != '/' ||
	    strchr(m->path + 1, '/') == NULL)
		return "bad path";
	if (m->input == NULL || m->output == NULL)
		return "missing descriptor";
	if (m->kind == MED_RPC_UNARY ? m->unary == NULL : m->stream == NULL)
		return "missing handler";
	if (m->kind != MED_RPC_UNARY && m->kind != MED_RPC_SERVER_STREAM)
		return "bad kind";
	for (size_t i = 0; i < s->n_methods; i++)
		if (strcmp(s->methods[i].m->path, m->path) == 0)
			return "duplicate path";
	return NULL;
}

/* method_stats creates the metrics series of m, if the server has metrics. */
static struct med_rpc_stats *
method_stats(med_server *s, const med_method *m)
{
	char svc[256];
	const char *slash = strchr(m->path + 1, '/');
	size_t n = (size_t)(slash - (m->path + 1));

	if (s->opts.metrics == NULL || n >= sizeof(svc))
		return NULL;
	memcpy(svc, m->path + 1, n);
	svc[n] = '\0';
	return med_metrics_rpc(s->opts.metrics, svc, slash + 1,
			       m->kind == MED_RPC_UNARY ? "unary"
							: "server_stream");
}

static med_err
add_method(med_server *s, const med_method *m)
{
	const char *why = method_check(s, m);

	if (why != NULL) {
		med_log_error("rpc: cannot add method %s: %s",
			      m->path ? m->path : "(null)", why);
		return MED_ERR_INVALID;
	}
	if (s->n_methods == s->cap_methods) {
		size_t cap = s->cap_methods ? 2 * s->cap_methods : 16;
		rpc_method *n = realloc(s->methods, cap * sizeof(*n));
		if (n == NULL)
			return MED_ERR_NOMEM;
		s->methods = n;
		s->cap_methods = cap;
	}
	if (med__rpc_health_add_path(&s->health, m->path) != MED_OK)
		return MED_ERR_NOMEM;
	s->methods[s->n_methods++] =
		(rpc_method){.m = m, .stats = method_stats(s, m)};
	return MED_OK;
}

med_err
med_server_add_methods(med_server *s, const med_method *methods,
		       size_t n_methods)
{
	if (s == NULL || (methods == NULL && n_methods > 0))
		return MED_ERR_INVALID;
	if (s->started)
		return MED_ERR_PRECONDITION;
	for (size_t i = 0; i < n_methods; i++) {
		med_err err = add_method(s, &methods[i]);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

med_err
med_server_set_never_blocks(med_server *s, const char *path)
{
	if (s == NULL || path == NULL)
		return MED_ERR_INVALID;
	if (s->started)
		return MED_ERR_PRECONDITION;
	for (size_t i = 0; i < s->n_methods; i++)
		if (s->methods[i].m->kind == MED_RPC_UNARY &&
		    strcmp(s->methods[i].m->path, path) == 0) {
			s->methods[i].never_blocks = true;
			return MED_OK;
		}
	return MED_ERR_NOT_FOUND;
}

/* --- start --------------------------------------------------------------- */

static grpc_server *
create_core_server(med_server *s)
{
	int max_msg = (int)s->opts.max_message_bytes;
	int age_ms = s->opts.max_connection_age_ms;
	grpc_arg args[7] = {
		/* Every accepted connection meets the per-client cap first. */
		med__rpc_peers_arg(s->peers),
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_ALLOW_REUSEPORT,
		 .value.integer = 0},
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		 .value.integer = max_msg},
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
		 .value.integer = max_msg},
		/* gRPC's default of 120 s lets a client that opens connections
		 * and never completes the TLS handshake (or the HTTP/2 preface)
		 * hold a socket each for two minutes. */
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
		 .value.integer = s->opts.handshake_timeout_ms},
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_MAX_CONNECTION_AGE_MS,
		 .value.integer = age_ms},
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
		 .value.integer = age_ms / 10},
	};
	/* Without an age the two age arguments are left out: gRPC's default
	 * is to keep connections for ever. */
	grpc_channel_args ca = {.num_args = age_ms > 0 ? 7 : 5, .args = args};

	return grpc_server_create(&ca, NULL);
}

static med_err
setup_queues(med_server *s)
{
	s->queues = calloc((size_t)s->opts.n_threads, sizeof(*s->queues));
	if (s->queues == NULL)
		return MED_ERR_NOMEM;
	s->n_queues = s->opts.n_threads;
	for (int i = 0; i < s->n_queues; i++) {
		s->queues[i].srv = s;
		s->queues[i].cq = grpc_completion_queue_create_for_next(NULL);
		if (s->queues[i].cq == NULL)
			return MED_ERR_NOMEM;
		grpc_server_register_completion_queue(s->server,
						      s->queues[i].cq, NULL);
	}
	return MED_OK;
}

static med_err
register_methods(med_server *s)
{
	for (size_t i = 0; i < s->n_methods; i++) {
		s->methods[i].handle = grpc_server_register_method(
			s->server, s->methods[i].m->path, NULL,
			GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
		if (s->methods[i].handle == NULL)
			return MED_ERR_INVALID;
	}
	return MED_OK;
}

/* listen_on adds one listener; returns the bound port or 0. */
static int
listen_on(med_server *s, const char *addr, bool tls)
{
	grpc_server_credentials *creds =
		!tls ? grpc_insecure_server_credentials_create()
		: s->tls_watch != NULL
			? med__tls_watch_server_creds(s->tls_watch)
			: med__rpc_server_creds(&s->tls);
	int port;

	if (creds == NULL) {
		med_log_error("rpc: TLS certificate or key refused");
		return 0;
	}
	port = grpc_server_add_http2_port(s->server, addr, creds);
	grpc_server_credentials_release(creds);
	if (port <= 0)
		med_log_error("rpc: cannot listen on %s", addr);
	return port > 0 ? port : 0;
}

/*
 * bind_port adds the main listener (mutual TLS when configured) and the
 * plaintext health listener.  The dispatcher tells their calls apart by
 * the transport security of each call (rpc_call_auth.c).
 */
static med_err
bind_port(med_server *s, int *bound_port)
{
	int port = listen_on(s, s->listen_addr, s->has_tls);

	if (port == 0)
		return MED_ERR_IO;
	if (s->health_addr != NULL) {
		s->health_port = listen_on(s, s->health_addr, false);
		if (s->health_port == 0)
			return MED_ERR_IO;
	}
	if (bound_port != NULL)
		*bound_port = port;
	return MED_OK;
}

int
med_server_health_port(const med_server *s)
{
	return s != NULL ? s->health_port : 0;
}

static med_err
arm_queue(med_server *s, rpc_queue *q)
{
	med_err err = MED_OK;

	for (size_t i = 0; i < s->n_methods && err == MED_OK; i++)
		for (int k = 0; k < RPC_REQS_PER_METHOD && err == MED_OK; k++)
			err = arm(s, q, &s->methods[i]);
	for (int k = 0; k < RPC_REQS_GENERIC && err == MED_OK; k++)
		err = arm(s, q, NULL);
	return err;
}

static med_err
start_threads(med_server *s)
{
	/* The handlers' threads first: a queue thread may push at once. */
	if (med__rpc_work_start(&s->work, s->opts.n_threads) != MED_OK)
		return MED_ERR_NOMEM;
	for (int i = 0; i < s->n_queues; i++) {
		rpc_queue *q = &s->queues[i];
		med_err err = arm_queue(s, q);
		if (err != MED_OK)
			return err;
		if (pthread_create(&q->thread, NULL, queue_main, q) != 0)
			return MED_ERR_NOMEM;
		q->thread_started = true;
	}
	return MED_OK;
}

static void drain(med_server *s, int grace_ms);

/* teardown_core undoes a failed start.  Every queue gets its thread first,
 * so that the one shutdown path (drain) works whatever state start reached. */
static void
teardown_core(med_server *s)
{
	for (int i = 0; i < s->n_queues; i++) {
		rpc_queue *q = &s->queues[i];
		if (q->cq != NULL && !q->thread_started &&
		    pthread_create(&q->thread, NULL, queue_main, q) == 0)
			q->thread_started = true;
	}
	if (s->n_queues > 0 && s->queues[0].thread_started) {
		drain(s, 0);
	} else {
		/* No thread to see a notification: nothing was ever armed. */
		for (int i = 0; i < s->n_queues; i++)
			drain_queue(&s->queues[i]);
		med__rpc_work_stop(&s->work);
		grpc_server_destroy(s->server);
		s->server = NULL;
	}
	free(s->queues);
	s->queues = NULL;
	s->n_queues = 0;
}

med_err
med_server_start(med_server *s, int *bound_port)
{
	med_err err;

	if (s == NULL)
		return MED_ERR_INVALID;
	if (s->started || s->state != RPC_SRV_RUNNING)
		return MED_ERR_PRECONDITION;
	s->server = create_core_server(s);
	if (s->server == NULL)
		return MED_ERR_NOMEM;
	err = setup_queues(s);
	if (err == MED_OK)
		err = register_methods(s);
	if (err == MED_OK)
		err = bind_port(s, bound_port);
	if (err != MED_OK)
		goto teardown;
	grpc_server_start(s->server);
	s->started = true;
	err = start_threads(s);
	if (err != MED_OK)
		goto teardown;
	return MED_OK;
teardown:
	teardown_core(s);
	s->started = false;
	s->shutdown_notified = false;
	return err;
}

void
med_server_set_serving(med_server *s, bool serving)
{
	if (s == NULL)
		return;
	if (serving && atomic_load(&s->draining))
		return;
	med__rpc_health_set(&s->health, serving);
}

/* --- shutdown ------------------------------------------------------------ */

/* wait_idle waits until every call ended and shutdown was notified, or until
 * the deadline (NULL: no deadline).  Returns true when idle. */
static bool
wait_idle(med_server *s, const struct timespec *deadline)
{
	bool idle;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		idle = s->shutdown_notified && s->active_calls == 0 &&
		       s->active_streams == 0;
		if (idle)
			break;
		if (deadline == NULL)
			pthread_cond_wait(&s->cv, &s->mu);
		else if (pthread_cond_timedwait(&s->cv, &s->mu, deadline) != 0)
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return idle;
}

static void
join_zombies(med_server *s)
{
	rpc_zombie *z;

	pthread_mutex_lock(&s->mu);
	z = s->zombies;
	s->zombies = NULL;
	pthread_mutex_unlock(&s->mu);
	while (z != NULL) {
		rpc_zombie *next = z->next;
		pthread_join(z->thread, NULL);
		free(z);
		z = next;
	}
}

void
med__rpc_join_zombies(med_server *s)
{
	join_zombies(s);
}

static void
drain(med_server *s, int grace_ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += grace_ms / 1000;
	dl.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	grpc_server_shutdown_and_notify(s->server, s->queues[0].cq,
					&s->shutdown_tag);
	if (grace_ms <= 0 || !wait_idle(s, &dl)) {
		grpc_server_cancel_all_calls(s->server);
		wait_idle(s, NULL);
	}
	join_zombies(s);
	grpc_server_destroy(s->server);
	s->server = NULL;
	for (int i = 0; i < s->n_queues; i++)
		drain_queue(&s->queues[i]);
	/* Every call ended (wait_idle) and no queue thread is left to push. */
	med__rpc_work_stop(&s->work);
}

void
med_server_shutdown(med_server *s, int grace_ms)
{
	bool run;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	run = s->state == RPC_SRV_RUNNING;
	if (run)
		s->state = RPC_SRV_STOPPING;
	while (!run && s->state != RPC_SRV_STOPPED)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	if (!run)
		return;
	/* Readiness drops first, so balancers stop sending before we refuse. */
	med__rpc_health_set(&s->health, false);
	atomic_store(&s->draining, true);
	if (s->started)
		drain(s, grace_ms);
	pthread_mutex_lock(&s->mu);
	s->state = RPC_SRV_STOPPED;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
med_server_free(med_server *s)
{
	if (s == NULL)
		return;
	med_server_shutdown(s, 0);
	if (s->depth_collector)
		med_metrics_collector_remove(s->opts.metrics, collect_depth, s);
	free(s->queues);
	free(s->methods);
	med__rpc_health_fini(&s->health);
	med__rpc_peers_unref(s->peers);
	med_authenticator_free(&s->opts.auth);
	free(s->service_name);
	free(s->listen_addr);
	free(s->health_addr);
	med_tls_fini(&s->tls);
	med__tls_watch_free(s->tls_watch);
	med__rpc_work_fini(&s->work);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	med__rpc_grpc_unref();
}
