/*
 * test_rpc.c - the RPC layer end to end on 127.0.0.1: a med_server with
 * test methods built on existing messages, called through med_channel and,
 * for bytes no well-behaved client would send, through the raw gRPC core.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>

#include <med/audit.h>
#include <med/fhir_read.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/rpc.h>
#include <med/util.h>

#include "grpc/health/v1/health.pb-c.h"
#include "smartmed/common/v1/common.pb-c.h"
#include "testlib.h"

typedef Smartmed__Common__V1__ErrorDetail echo_msg;
#define ECHO_DESC  (&smartmed__common__v1__error_detail__descriptor)
#define HREQ_DESC  (&grpc__health__v1__health_check_request__descriptor)
#define HRESP_DESC (&grpc__health__v1__health_check_response__descriptor)

#define NURSE_TOKEN "tok-nurse"
#define ADMIN_TOKEN "tok-admin"

/* What handlers saw, for the test to check. */
static atomic_int g_saw_cancel;
static atomic_int g_slow_started;
static atomic_int g_msgs_seen; /* streamed messages the client received */
static int g_max_streams;      /* opts.max_streams of the next server */
static int g_max_conns; /* opts.max_conns_per_client of the next server */
static int g_threads;	/* opts.n_threads of the next server */
static bool g_commit_on_handler; /* opts.audit_commit_on_handler */
static int g_queue_max;		 /* opts.queue_max of the next server */
static int g_queue_wait_ms;	 /* opts.queue_wait_max_ms */
static atomic_int g_echo_runs;	 /* echo handler calls */
/* The care hook of the next server (opts.care_decide), what it was asked,
 * and whether it refuses. */
static med_err (*g_care_decide)(med_call *, const char *, bool, char *, size_t);
static atomic_int g_care_asks;
static bool g_care_refuse;
/* What med_call_care_err told the echo handler after it named its patient. */
static atomic_int g_care_seen;

/* --- test methods --------------------------------------------------------- */

static med_err
echo(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const echo_msg *req = (const echo_msg *)in;
	echo_msg *resp = (echo_msg *)out;
	med_arena *a = med_call_arena(call);

	atomic_fetch_add(&g_echo_runs, 1);
	if (strcmp(req->field, "fail") == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "field: must not be fail");
	med_call_set_patient(call, "patient-1");
	atomic_store(&g_care_seen, (int)med_call_care_err(call));
	if (strcmp(req->field, "again") == 0)
		med_call_set_patient(call, "patient-1");
	resp->field = med_arena_strdup(a, req->field);
	resp->reason =
		med_arena_sprintf(a, "%s/%s", med_call_principal(call)->user,
				  med_call_request_id(call));
	return resp->field && resp->reason ? MED_OK : MED_ERR_NOMEM;
}

/* stream sends as many messages as field says (a decimal number). */
static med_err
stream(med_call *call, const ProtobufCMessage *in)
{
	const echo_msg *req = (const echo_msg *)in;
	long n = strtol(req->field, NULL, 10);
	char buf[32];

	for (long i = 0; i < n; i++) {
		echo_msg m = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
		med_err err;
		snprintf(buf, sizeof(buf), "%ld", i);
		m.field = buf;
		err = med_call_send(call, &m.base);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

/* slow sleeps until cancelled, or for field ms when field is a number. */
static med_err
slow(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const echo_msg *req = (const echo_msg *)in;
	long ms = strtol(req->field, NULL, 10);
	int64_t end = med_mono_ns() + (ms > 0 ? ms : 5000) * 1000000;

	(void)out;
	atomic_store(&g_slow_started, 1);
	while (med_mono_ns() < end) {
		if (ms == 0 && med_call_is_cancelled(call)) {
			atomic_store(&g_saw_cancel, 1);
			return med_call_remaining_ms(call) == 0
				       ? MED_ERR_TIMEOUT
				       : MED_ERR_CANCELLED;
		}
		usleep(5000);
	}
	return MED_OK;
}

/* slow_stream sends until the client goes away; with field "stubborn" it
 * ignores the drain hint and stops only when a send fails. */
static med_err
slow_stream(med_call *call, const ProtobufCMessage *in)
{
	echo_msg m = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	bool stubborn = strcmp(((const echo_msg *)in)->field, "stubborn") == 0;

	m.field = "tick";
	for (int i = 0; i < 500; i++) {
		if (med_call_send(call, &m.base) != MED_OK ||
		    (!stubborn && med_call_is_cancelled(call))) {
			atomic_store(&g_saw_cancel, 1);
			return MED_ERR_CANCELLED;
		}
		usleep(10000);
	}
	return MED_OK;
}

static med_err
enum_echo(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	(void)call;
	((Grpc__Health__V1__HealthCheckResponse *)out)->status =
		((const Grpc__Health__V1__HealthCheckResponse *)in)->status;
	return MED_OK;
}

static const med_method test_methods[] = {
	{"/test.Echo/Echo", ECHO_DESC, ECHO_DESC, MED_RPC_UNARY, echo, NULL,
	 MED_ROLE_NURSE | MED_ROLE_ADMIN, NULL, NULL},
	{"/test.Echo/Stream", ECHO_DESC, ECHO_DESC, MED_RPC_SERVER_STREAM, NULL,
	 stream, MED_ROLE_NURSE, NULL, NULL},
	{"/test.Echo/Slow", ECHO_DESC, ECHO_DESC, MED_RPC_UNARY, slow, NULL,
	 MED_ROLE_NURSE, NULL, NULL},
	{"/test.Echo/SlowStream", ECHO_DESC, ECHO_DESC, MED_RPC_SERVER_STREAM,
	 NULL, slow_stream, MED_ROLE_NURSE, NULL, NULL},
	{"/test.Echo/Admin", ECHO_DESC, ECHO_DESC, MED_RPC_UNARY, echo, NULL,
	 MED_ROLE_ADMIN, NULL, NULL},
	{"/test.Echo/Enum", HRESP_DESC, HRESP_DESC, MED_RPC_UNARY, enum_echo,
	 NULL, MED_ROLE_NURSE, NULL, NULL},
	/* The echo again, marked as a handler that never waits. */
	{"/test.Echo/Inline", ECHO_DESC, ECHO_DESC, MED_RPC_UNARY, echo, NULL,
	 MED_ROLE_NURSE, NULL, NULL},
};
#define N_TEST_METHODS (sizeof(test_methods) / sizeof(test_methods[0]))

/* --- fixture ---------------------------------------------------------------
 */

typedef struct fixture {
	med_server *srv;
	med_channel *ch;
	med_arena *arena;
	med_audit *audit;
	med_metrics *metrics;
	int port;
} fixture;

static med_authenticator
make_auth(void)
{
	char path[512], err[256];
	med_authenticator a = {0};
	FILE *f;

	snprintf(path, sizeof(path), "%s/tokens", mt_tmpdir());
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fprintf(f, "# test tokens\n" NURSE_TOKEN " alice nurse\n" ADMIN_TOKEN
		   " bob admin\n");
	fclose(f);
	MT_OK(chmod(path, 0600));
	if (med_auth_token_file_open(path, &a, err, sizeof(err)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "token file: %s", err);
	return a;
}

static med_server *
server_new(const char *addr, size_t max_msg, med_audit *audit,
	   med_metrics *metrics)
{
	med_server_opts o = {
		.service_name = "test",
		.listen_addr = addr,
		.max_message_bytes = max_msg,
		.max_streams = g_max_streams,
		.max_conns_per_client = g_max_conns,
		.n_threads = g_threads,
		.auth = make_auth(),
		.audit = audit,
		.metrics = metrics,
		.care_decide = g_care_decide,
		.audit_commit_on_handler = g_commit_on_handler,
		.queue_max = g_queue_max,
		.queue_wait_max_ms = g_queue_wait_ms,
	};
	med_server *s = NULL;
	char err[256];

	MT_OK(med_server_new(&o, &s, err, sizeof(err)));
	MT_OK(med_server_add_methods(s, test_methods, N_TEST_METHODS));
	MT_OK(med_server_set_never_blocks(s, "/test.Echo/Inline"));
	return s;
}

static void
fixture_open(fixture *fx, size_t max_msg, bool with_audit)
{
	char target[64], err[256];

	memset(fx, 0, sizeof(*fx));
	if (with_audit) {
		med_audit_opts ao = {.service = "test",
				     .spool_dir = mt_tmpdir()};
		MT_OK(med_audit_open(&ao, &fx->audit, err, sizeof(err)));
		fx->metrics = med_metrics_new();
	}
	fx->srv = server_new("127.0.0.1:0", max_msg, fx->audit, fx->metrics);
	MT_OK(med_server_start(fx->srv, &fx->port));
	MT_TRUE(fx->port > 0);
	snprintf(target, sizeof(target), "127.0.0.1:%d", fx->port);
	MT_OK(med_channel_open(target, &fx->ch));
	fx->arena = med_arena_new(1 << 20);
}

static void
fixture_close(fixture *fx)
{
	med_channel_close(fx->ch);
	med_server_free(fx->srv);
	med_arena_free(fx->arena);
	med_audit_close(fx->audit);
	med_metrics_free(fx->metrics);
}

/* call_echo calls path with field, returning the gRPC code. */
static int
call_echo(fixture *fx, const char *path, const char *field, const char *token,
	  int64_t deadline_ms, echo_msg **out, med_rpc_status *st)
{
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = token, .deadline_ms = deadline_ms};
	ProtobufCMessage *resp = NULL;
	med_err err;

	req.field = (char *)field;
	err = med_channel_unary(fx->ch, path, &req.base, ECHO_DESC, fx->arena,
				&o, &resp, st);
	MT_EQ_INT(err, med_err_from_grpc_status(st->code));
	if (out != NULL)
		*out = (echo_msg *)resp;
	return st->code;
}

/* raw_call sends bytes as they are through the gRPC core. */
static int
raw_call(int port, const char *path, const void *bytes, size_t len,
	 const char *token, char *msg, size_t msglen)
{
	char target[64], auth[64];
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch;
	grpc_completion_queue *cq =
		grpc_completion_queue_create_for_pluck(NULL);
	grpc_slice sl = grpc_slice_from_copied_buffer(bytes, len);
	grpc_byte_buffer *req = grpc_raw_byte_buffer_create(&sl, 1),
			 *resp = NULL;
	grpc_metadata md = {0};
	grpc_metadata_array im, tm;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	grpc_call *call;

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	ch = grpc_channel_create(target, creds, NULL);
	grpc_channel_credentials_release(creds);
	call = grpc_channel_create_call(
		ch, NULL, 0, cq, grpc_slice_from_static_string(path), NULL,
		gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			     gpr_time_from_millis(5000, GPR_TIMESPAN)),
		NULL);
	md.key = grpc_slice_from_static_string("authorization");
	md.value = grpc_slice_from_static_string(auth);
	grpc_metadata_array_init(&im);
	grpc_metadata_array_init(&tm);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = 1;
	ops[0].data.send_initial_metadata.metadata = &md;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &im;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &resp;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &tm;
	ops[5].data.recv_status_on_client.status = &code;
	ops[5].data.recv_status_on_client.status_details = &details;
	MT_EQ_INT(grpc_call_start_batch(call, ops, 6, ops, NULL), GRPC_CALL_OK);
	grpc_completion_queue_pluck(cq, ops, gpr_inf_future(GPR_CLOCK_REALTIME),
				    NULL);
	snprintf(msg, msglen, "%.*s", (int)GRPC_SLICE_LENGTH(details),
		 (const char *)GRPC_SLICE_START_PTR(details));
	grpc_slice_unref(details);
	grpc_slice_unref(sl);
	grpc_byte_buffer_destroy(req);
	if (resp != NULL)
		grpc_byte_buffer_destroy(resp);
	grpc_metadata_array_destroy(&im);
	grpc_metadata_array_destroy(&tm);
	grpc_call_unref(call);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_pluck(
		       cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	grpc_channel_destroy(ch);
	return (int)code;
}

static int64_t
now_ms(void)
{
	return med_mono_ns() / 1000000;
}

/* --- cases: unary, auth, routing ---------------------------------------- */

static void
test_unary_roundtrip(void)
{
	fixture fx;
	med_rpc_status st;
	echo_msg *resp = NULL;
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN, .request_id = "req-42"};
	ProtobufCMessage *out = NULL;

	fixture_open(&fx, 0, false);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "hello", NURSE_TOKEN, 0,
			    &resp, &st),
		  0);
	MT_EQ_STR(resp->field, "hello");
	MT_TRUE(strncmp(resp->reason, "alice/", 6) == 0);
	MT_EQ_INT(strlen(resp->reason), 6 + MED_UUID_LEN);
	req.field = "x";
	MT_OK(med_channel_unary(fx.ch, "/test.Echo/Echo", &req.base, ECHO_DESC,
				fx.arena, &o, &out, &st));
	MT_EQ_STR(((echo_msg *)out)->reason, "alice/req-42");
	fixture_close(&fx);
}

static void
test_handler_error(void)
{
	fixture fx;
	med_rpc_status st;

	fixture_open(&fx, 0, false);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "fail", NURSE_TOKEN, 0,
			    NULL, &st),
		  GRPC_STATUS_INVALID_ARGUMENT);
	MT_EQ_STR(st.message, "field: must not be fail");
	fixture_close(&fx);
}

static void
test_unimplemented(void)
{
	fixture fx;
	med_rpc_status st;
	int64_t t0;

	fixture_open(&fx, 0, false);
	t0 = now_ms();
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Nope", "x", NURSE_TOKEN, 5000,
			    NULL, &st),
		  GRPC_STATUS_UNIMPLEMENTED);
	MT_TRUE(now_ms() - t0 < 1000);
	MT_EQ_INT(call_echo(&fx, "/other.Svc/M", "x", NULL, 5000, NULL, &st),
		  GRPC_STATUS_UNIMPLEMENTED);
	fixture_close(&fx);
}

static void
test_unauthenticated(void)
{
	fixture fx;
	med_rpc_status st;

	fixture_open(&fx, 0, false);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NULL, 0, NULL, &st),
		  GRPC_STATUS_UNAUTHENTICATED);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", "bogus", 0, NULL, &st),
		  GRPC_STATUS_UNAUTHENTICATED);
	fixture_close(&fx);
}

static void
test_permission_denied(void)
{
	fixture fx;
	med_rpc_status st;

	fixture_open(&fx, 0, false);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Admin", "x", NURSE_TOKEN, 0, NULL,
			    &st),
		  GRPC_STATUS_PERMISSION_DENIED);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Admin", "x", ADMIN_TOKEN, 0, NULL,
			    &st),
		  0);
	fixture_close(&fx);
}

/* --- cases: validation --------------------------------------------------- */

static void
test_invalid_utf8(void)
{
	static const char bytes[] = "\x0a\x03"
				    "a\xc0\xaf";
	fixture fx;
	char msg[256];

	fixture_open(&fx, 0, false);
	MT_EQ_INT(raw_call(fx.port, "/test.Echo/Echo", bytes, sizeof(bytes) - 1,
			   NURSE_TOKEN, msg, sizeof(msg)),
		  GRPC_STATUS_INVALID_ARGUMENT);
	MT_EQ_STR(msg, "field: invalid UTF-8");
	MT_EQ_INT(raw_call(fx.port, "/test.Echo/Echo", "\x12\x01\x00", 3,
			   NURSE_TOKEN, msg, sizeof(msg)),
		  GRPC_STATUS_INVALID_ARGUMENT);
	MT_EQ_STR(msg, "reason: contains NUL");
	fixture_close(&fx);
}

static void
test_garbage_bytes(void)
{
	static const char bytes[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
				    "\xff\xff";
	fixture fx;
	char msg[256];

	fixture_open(&fx, 0, false);
	MT_EQ_INT(raw_call(fx.port, "/test.Echo/Echo", bytes, sizeof(bytes) - 1,
			   NURSE_TOKEN, msg, sizeof(msg)),
		  GRPC_STATUS_INVALID_ARGUMENT);
	/* Unauthenticated garbage is refused before it is parsed. */
	MT_EQ_INT(raw_call(fx.port, "/test.Echo/Echo", bytes, sizeof(bytes) - 1,
			   "bogus", msg, sizeof(msg)),
		  GRPC_STATUS_UNAUTHENTICATED);
	fixture_close(&fx);
}

static void
test_unknown_enum(void)
{
	fixture fx;
	char msg[256];

	fixture_open(&fx, 0, false);
	MT_EQ_INT(raw_call(fx.port, "/test.Echo/Enum", "\x08\x63", 2,
			   NURSE_TOKEN, msg, sizeof(msg)),
		  GRPC_STATUS_INVALID_ARGUMENT);
	MT_EQ_STR(msg, "status: unknown enum value");
	MT_EQ_INT(raw_call(fx.port, "/test.Echo/Enum", "\x08\x02", 2,
			   NURSE_TOKEN, msg, sizeof(msg)),
		  0);
	fixture_close(&fx);
}

static void
test_max_message_size(void)
{
	fixture fx;
	med_rpc_status st;
	char *big = malloc(4000);

	memset(big, 'a', 3999);
	big[3999] = '\0';
	fixture_open(&fx, 1024, false);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", big, NURSE_TOKEN, 5000,
			    NULL, &st),
		  GRPC_STATUS_RESOURCE_EXHAUSTED);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "small", NURSE_TOKEN, 5000,
			    NULL, &st),
		  0);
	free(big);
	fixture_close(&fx);
}

/*
 * A reply over the send cap is refused by the server itself, with the same
 * status to the client, in the audit event and in the metrics, instead of
 * failing on the wire after being counted a success.
 */
static void
test_reply_over_limit(void)
{
	fixture fx;
	med_rpc_status st;
	char field[1001], *text = NULL;
	size_t len = 0;

	/* 1003 bytes in; the reply adds "alice/<request id>" to it. */
	memset(field, 'a', sizeof(field) - 1);
	field[sizeof(field) - 1] = '\0';
	fixture_open(&fx, 1024, true);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", field, NURSE_TOKEN, 5000,
			    NULL, &st),
		  GRPC_STATUS_RESOURCE_EXHAUSTED);
	MT_TRUE(strstr(st.message, "the reply is 1047 bytes; the limit is "
				   "1024; ask for a smaller page") != NULL);
	MT_EQ_INT(med_audit_pending(fx.audit), 1);
	MT_OK(med_metrics_render(fx.metrics, &text, &len));
	MT_TRUE(strstr(text, "grpc_method=\"Echo\",grpc_type=\"unary\","
			     "grpc_code=\"RESOURCE_EXHAUSTED\"} 1") != NULL);
	free(text);
	field[900] = '\0';
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", field, NURSE_TOKEN, 5000,
			    NULL, &st),
		  0);
	fixture_close(&fx);
}

/* --- cases: streaming, deadlines, cancellation -----------------------------
 */

typedef struct collect {
	int n;
	int stop_after;
	char last[32];
	int statuses[8];
} collect;

static med_err
on_echo(void *ctx, const ProtobufCMessage *msg)
{
	collect *c = ctx;

	med_strlcpy(c->last, ((const echo_msg *)msg)->field, sizeof(c->last));
	c->n++;
	atomic_fetch_add(&g_msgs_seen, 1);
	return c->stop_after && c->n >= c->stop_after ? MED_ERR_CANCELLED
						      : MED_OK;
}

static void
test_server_stream(void)
{
	fixture fx;
	med_rpc_status st;
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN};
	collect c = {0};

	fixture_open(&fx, 0, false);
	req.field = "25";
	MT_OK(med_channel_server_stream(fx.ch, "/test.Echo/Stream", &req.base,
					ECHO_DESC, fx.arena, &o, on_echo, &c,
					&st));
	MT_EQ_INT(c.n, 25);
	MT_EQ_STR(c.last, "24");
	req.field = "0";
	c.n = 0;
	MT_OK(med_channel_server_stream(fx.ch, "/test.Echo/Stream", &req.base,
					ECHO_DESC, fx.arena, &o, on_echo, &c,
					&st));
	MT_EQ_INT(c.n, 0);
	o.token = NULL;
	MT_EQ_INT(med_channel_server_stream(fx.ch, "/test.Echo/Stream",
					    &req.base, ECHO_DESC, fx.arena, &o,
					    on_echo, &c, &st),
		  MED_ERR_UNAUTHENTICATED);
	fixture_close(&fx);
}

static void
test_deadline_exceeded(void)
{
	fixture fx;
	med_rpc_status st;
	int64_t t0;

	fixture_open(&fx, 0, false);
	t0 = now_ms();
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Slow", "", NURSE_TOKEN, 200, NULL,
			    &st),
		  GRPC_STATUS_DEADLINE_EXCEEDED);
	MT_TRUE(now_ms() - t0 < 2000);
	/* The handler saw its deadline pass and stopped early. */
	for (int i = 0; i < 200 && !atomic_load(&g_saw_cancel); i++)
		usleep(10000);
	MT_TRUE(atomic_load(&g_saw_cancel));
	fixture_close(&fx);
}

static void
test_cancel_seen_by_handler(void)
{
	fixture fx;
	med_rpc_status st;
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN};
	collect c = {.stop_after = 2};

	fixture_open(&fx, 0, false);
	req.field = "";
	MT_EQ_INT(med_channel_server_stream(fx.ch, "/test.Echo/SlowStream",
					    &req.base, ECHO_DESC, fx.arena, &o,
					    on_echo, &c, &st),
		  MED_ERR_CANCELLED);
	MT_EQ_INT(c.n, 2);
	for (int i = 0; i < 200 && !atomic_load(&g_saw_cancel); i++)
		usleep(10000);
	MT_TRUE(atomic_load(&g_saw_cancel));
	fixture_close(&fx);
}

/* --- cases: health ------------------------------------------------------- */

static int
health_check(fixture *fx, const char *service, int *status)
{
	Grpc__Health__V1__HealthCheckRequest req =
		GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	ProtobufCMessage *out = NULL;
	med_rpc_status st;
	med_err err;

	req.service = (char *)service;
	err = med_channel_unary(fx->ch, "/grpc.health.v1.Health/Check",
				&req.base, HRESP_DESC, fx->arena, NULL, &out,
				&st);

	MT_EQ_INT(err, med_err_from_grpc_status(st.code));
	if (st.code == 0)
		*status =
			((Grpc__Health__V1__HealthCheckResponse *)out)->status;
	return st.code;
}

static void
test_health_check(void)
{
	fixture fx;
	int status = -1;

	fixture_open(&fx, 0, false);
	MT_EQ_INT(health_check(&fx, "", &status), 0);
	MT_EQ_INT(status, 2);
	med_server_set_serving(fx.srv, true);
	MT_EQ_INT(health_check(&fx, "", &status), 0);
	MT_EQ_INT(status, 1);
	MT_EQ_INT(health_check(&fx, "test.Echo", &status), 0);
	MT_EQ_INT(status, 1);
	MT_EQ_INT(health_check(&fx, "nope.Svc", &status),
		  GRPC_STATUS_NOT_FOUND);
	med_server_set_serving(fx.srv, false);
	MT_EQ_INT(health_check(&fx, "test.Echo", &status), 0);
	MT_EQ_INT(status, 2);
	fixture_close(&fx);
}

typedef struct watch_run {
	fixture *fx;
	const char *service;
	collect c;
	atomic_int n_seen;
	med_err err;
} watch_run;

static med_err
on_health(void *ctx, const ProtobufCMessage *msg)
{
	watch_run *w = ctx;

	w->c.statuses[w->c.n++] =
		((const Grpc__Health__V1__HealthCheckResponse *)msg)->status;
	atomic_store(&w->n_seen, w->c.n);
	return w->c.n >= w->c.stop_after ? MED_ERR_CANCELLED : MED_OK;
}

static void *
watch_main(void *arg)
{
	watch_run *w = arg;
	Grpc__Health__V1__HealthCheckRequest req =
		GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	med_arena *a = med_arena_new(1 << 16);
	med_rpc_status st;

	req.service = (char *)w->service;
	w->err = med_channel_server_stream(
		w->fx->ch, "/grpc.health.v1.Health/Watch", &req.base,
		HRESP_DESC, a, NULL, on_health, w, &st);
	med_arena_free(a);
	return NULL;
}

static void
wait_seen(watch_run *w, int n)
{
	for (int i = 0; i < 300 && atomic_load(&w->n_seen) < n; i++)
		usleep(10000);
	MT_EQ_INT(atomic_load(&w->n_seen), n);
}

static void
test_health_watch(void)
{
	fixture fx;
	watch_run w = {.service = "test.Echo", .c.stop_after = 3};
	pthread_t t;

	fixture_open(&fx, 0, false);
	w.fx = &fx;
	pthread_create(&t, NULL, watch_main, &w);
	wait_seen(&w, 1);
	med_server_set_serving(fx.srv, true);
	wait_seen(&w, 2);
	med_server_set_serving(fx.srv, false);
	pthread_join(t, NULL);
	MT_EQ_INT(w.c.n, 3);
	MT_EQ_INT(w.c.statuses[0], 2);
	MT_EQ_INT(w.c.statuses[1], 1);
	MT_EQ_INT(w.c.statuses[2], 2);
	fixture_close(&fx);
}

static void
test_health_watch_unknown(void)
{
	fixture fx;
	watch_run w = {.service = "nope.Svc", .c.stop_after = 2};
	pthread_t t;

	fixture_open(&fx, 0, false);
	w.fx = &fx;
	pthread_create(&t, NULL, watch_main, &w);
	wait_seen(&w, 1);
	MT_EQ_INT(w.c.statuses[0], 3);
	/* It stays open; the drain ends it. */
	med_server_shutdown(fx.srv, 1000);
	pthread_join(t, NULL);
	MT_EQ_INT(w.c.n, 1);
	MT_EQ_INT(w.err, MED_ERR_UNAVAILABLE);
	fixture_close(&fx);
}

/* --- cases: server life cycle ----------------------------------------------
 */

static void
test_port_in_use(void)
{
	fixture fx;
	char addr[64];
	med_server *s2;

	fixture_open(&fx, 0, false);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx.port);
	s2 = server_new(addr, 0, NULL, NULL);
	MT_EQ_INT(med_server_start(s2, NULL), MED_ERR_IO);
	med_server_free(s2);
	fixture_close(&fx);
}

static void
test_bad_methods(void)
{
	med_method bad = test_methods[0];
	med_server *s = server_new("127.0.0.1:0", 0, NULL, NULL);

	MT_EQ_INT(med_server_add_methods(s, test_methods, 1), MED_ERR_INVALID);
	bad.path = "/test.Echo/Other";
	bad.unary = NULL;
	MT_EQ_INT(med_server_add_methods(s, &bad, 1), MED_ERR_INVALID);
	bad.path = "nopath";
	bad.unary = echo;
	MT_EQ_INT(med_server_add_methods(s, &bad, 1), MED_ERR_INVALID);
	MT_OK(med_server_start(s, NULL));
	bad.path = "/test.Echo/Late";
	MT_EQ_INT(med_server_add_methods(s, &bad, 1), MED_ERR_PRECONDITION);
	med_server_shutdown(s, 100);
	med_server_shutdown(s, 100);
	med_server_free(s);
	/* Never started. */
	med_server_free(server_new("127.0.0.1:0", 0, NULL, NULL));
}

typedef struct slow_run {
	fixture *fx;
	const char *field;
	int code;
} slow_run;

static void *
slow_main(void *arg)
{
	slow_run *r = arg;
	med_arena *a = med_arena_new(1 << 16);
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN};
	ProtobufCMessage *out;
	med_rpc_status st;

	req.field = (char *)r->field;
	if (med_channel_unary(r->fx->ch, "/test.Echo/Slow", &req.base,
			      ECHO_DESC, a, &o, &out, &st) != MED_OK)
		r->code = st.code;
	else
		r->code = 0;
	med_arena_free(a);
	return NULL;
}

static void
test_shutdown_drains(void)
{
	fixture fx;
	slow_run r = {.field = "300", .code = -1};
	med_rpc_status st;
	pthread_t t;
	int64_t t0;

	fixture_open(&fx, 0, false);
	r.fx = &fx;
	pthread_create(&t, NULL, slow_main, &r);
	for (int i = 0; i < 200 && !atomic_load(&g_slow_started); i++)
		usleep(5000);
	t0 = now_ms();
	med_server_shutdown(fx.srv, 3000);
	MT_TRUE(now_ms() - t0 < 2500);
	pthread_join(t, NULL);
	MT_EQ_INT(r.code, 0);
	/* New calls are refused once drained. */
	MT_TRUE(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 500, NULL,
			  &st) != 0);
	fixture_close(&fx);
}

/*
 * A call that waits on nothing is answered on the queue's thread: with the
 * only worker held by a slow handler, a never_blocks method, a refusal
 * before the handler and a health check still answer at once, audited or
 * not (an audited call's event is appended there and its status sent by
 * the spool's flusher).
 */
static void
inline_while_pool_busy(bool with_audit)
{
	fixture fx;
	slow_run r = {.field = "1500", .code = -1};
	med_rpc_status st;
	echo_msg *out = NULL;
	pthread_t t;
	int status = -1;
	int64_t t0;

	g_threads = 1;
	atomic_store(&g_slow_started, 0);
	fixture_open(&fx, 0, with_audit);
	g_threads = 0;
	med_server_set_serving(fx.srv, true);
	r.fx = &fx;
	pthread_create(&t, NULL, slow_main, &r);
	for (int i = 0; i < 200 && !atomic_load(&g_slow_started); i++)
		usleep(5000);
	MT_TRUE(atomic_load(&g_slow_started));
	t0 = now_ms();
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Inline", "fast", NURSE_TOKEN, 1000,
			    &out, &st),
		  0);
	MT_EQ_STR(out->field, "fast");
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", "tok-wrong", 1000,
			    NULL, &st),
		  GRPC_STATUS_UNAUTHENTICATED);
	MT_EQ_INT(health_check(&fx, "", &status), 0);
	MT_EQ_INT(status, 1);
	/* All three while the slow call still holds the worker. */
	MT_TRUE(now_ms() - t0 < 1000);
	/* A handler that may block waits for the worker. */
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "late", NURSE_TOKEN, 5000,
			    &out, &st),
		  0);
	MT_TRUE(now_ms() - t0 >= 1000);
	pthread_join(t, NULL);
	MT_EQ_INT(r.code, 0);
	/* Inline, the refusal, late and slow; health checks are public. */
	if (with_audit)
		MT_EQ_INT(med_audit_pending(fx.audit), 4);
	fixture_close(&fx);
}

static void
test_inline_while_pool_busy(void)
{
	inline_while_pool_busy(false);
}

static void
test_inline_audited_while_pool_busy(void)
{
	inline_while_pool_busy(true);
}

typedef struct stream_run {
	fixture *fx;
	collect c;
	med_err err;
} stream_run;

static void *
stubborn_main(void *arg)
{
	stream_run *r = arg;
	med_arena *a = med_arena_new(1 << 16);
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN};
	med_rpc_status st;

	req.field = "stubborn";
	r->err = med_channel_server_stream(r->fx->ch, "/test.Echo/SlowStream",
					   &req.base, ECHO_DESC, a, &o, on_echo,
					   &r->c, &st);
	med_arena_free(a);
	return NULL;
}

/* metric_has says whether fx's metrics text holds needle. */
static bool
metric_has(fixture *fx, const char *needle)
{
	char *text = NULL;
	size_t len = 0;
	bool found;

	MT_OK(med_metrics_render(fx->metrics, &text, &len));
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

/* overload_open opens an audited server with one handler thread and the
 * given overload limits, and holds its thread with a slow call of ms. */
static void
overload_open(fixture *fx, slow_run *r, pthread_t *t, int queue_max,
	      int wait_ms)
{
	g_threads = 1;
	g_queue_max = queue_max;
	g_queue_wait_ms = wait_ms;
	atomic_store(&g_slow_started, 0);
	fixture_open(fx, 0, true);
	g_threads = g_queue_max = g_queue_wait_ms = 0;
	r->fx = fx;
	pthread_create(t, NULL, slow_main, r);
	for (int i = 0; i < 400 && !atomic_load(&g_slow_started); i++)
		usleep(5000);
	MT_TRUE(atomic_load(&g_slow_started));
}

/*
 * With the only handler thread busy and MED_GRPC_QUEUE_MAX calls already
 * waiting, a further call is refused at once, RESOURCE_EXHAUSTED with a
 * retry hint, before its handler (issue 54); the waiting ones still run.
 */
static void
test_overload_queue_full(void)
{
	fixture fx;
	slow_run held = {.field = "1500", .code = -1};
	slow_run queued = {.field = "10", .code = -1};
	med_rpc_status st;
	pthread_t t1, t2;
	int runs;

	overload_open(&fx, &held, &t1, 1, 0);
	queued.fx = &fx;
	pthread_create(&t2, NULL, slow_main, &queued);
	for (int i = 0; i < 400 && !metric_has(&fx, "queue_depth 1"); i++)
		usleep(5000);
	MT_TRUE(metric_has(&fx, "smartmed_grpc_handler_queue_depth 1"));
	runs = atomic_load(&g_echo_runs);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 5000,
			    NULL, &st),
		  GRPC_STATUS_RESOURCE_EXHAUSTED);
	MT_TRUE(strstr(st.message, "MED_GRPC_QUEUE_MAX") != NULL);
	MT_EQ_INT(st.retry_pushback_ms, 100);
	MT_EQ_INT(atomic_load(&g_echo_runs), runs);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	MT_EQ_INT(held.code, 0);
	MT_EQ_INT(queued.code, 0);
	MT_TRUE(metric_has(&fx, "smartmed_grpc_calls_shed_total{reason="
				"\"queue_full\"} 1"));
	fixture_close(&fx);
}

/*
 * A call that waited for a handler thread longer than
 * MED_GRPC_QUEUE_WAIT_MAX_MS is refused instead of begun: its handler
 * never runs, and the hint is about how long it waited.
 */
static void
test_overload_queue_wait(void)
{
	fixture fx;
	slow_run held = {.field = "1500", .code = -1};
	med_rpc_status st;
	pthread_t t;
	int runs;

	overload_open(&fx, &held, &t, 0, 400);
	runs = atomic_load(&g_echo_runs);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 10000,
			    NULL, &st),
		  GRPC_STATUS_RESOURCE_EXHAUSTED);
	MT_TRUE(strstr(st.message, "MED_GRPC_QUEUE_WAIT_MAX_MS") != NULL);
	MT_TRUE(st.retry_pushback_ms > 400);
	MT_TRUE(st.retry_pushback_ms <= 10000);
	MT_EQ_INT(atomic_load(&g_echo_runs), runs);
	pthread_join(t, NULL);
	MT_EQ_INT(held.code, 0);
	/* Idle again: the same call is served. */
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 5000,
			    NULL, &st),
		  0);
	MT_EQ_INT(st.retry_pushback_ms, 0);
	MT_TRUE(metric_has(&fx, "smartmed_grpc_calls_shed_total{reason="
				"\"queue_wait\"} 1"));
	fixture_close(&fx);
}

static void
test_shutdown_cancels_after_grace(void)
{
	fixture fx;
	stream_run r = {0};
	pthread_t t;
	int64_t t0, took;

	fixture_open(&fx, 0, false);
	r.fx = &fx;
	pthread_create(&t, NULL, stubborn_main, &r);
	for (int i = 0; i < 300 && atomic_load(&g_msgs_seen) < 3; i++)
		usleep(10000);
	MT_TRUE(atomic_load(&g_msgs_seen) >= 3);
	t0 = now_ms();
	med_server_shutdown(fx.srv, 300);
	took = now_ms() - t0;
	MT_TRUE(took >= 250 && took < 2000);
	pthread_join(t, NULL);
	MT_TRUE(r.err != MED_OK);
	MT_TRUE(atomic_load(&g_saw_cancel));
	fixture_close(&fx);
}

static void
test_max_streams(void)
{
	fixture fx;
	stream_run r = {0};
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN};
	collect c = {0};
	med_rpc_status st;
	pthread_t t;

	g_max_streams = 1;
	fixture_open(&fx, 0, false);
	r.fx = &fx;
	pthread_create(&t, NULL, stubborn_main, &r);
	for (int i = 0; i < 300 && atomic_load(&g_msgs_seen) < 1; i++)
		usleep(10000);
	req.field = "3";
	MT_EQ_INT(med_channel_server_stream(fx.ch, "/test.Echo/Stream",
					    &req.base, ECHO_DESC, fx.arena, &o,
					    on_echo, &c, &st),
		  MED_ERR_LIMIT);
	MT_EQ_INT(st.code, GRPC_STATUS_RESOURCE_EXHAUSTED);
	/* Unary calls are not bounded by it. */
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 0, NULL,
			    &st),
		  0);
	med_server_shutdown(fx.srv, 100);
	pthread_join(t, NULL);
	fixture_close(&fx);
}

typedef struct late_start {
	int port;
	med_server *srv;
} late_start;

static void *
late_start_main(void *arg)
{
	late_start *ls = arg;
	char addr[64];

	usleep(400000);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ls->port);
	ls->srv = server_new(addr, 0, NULL, NULL);
	MT_OK(med_server_start(ls->srv, NULL));
	return NULL;
}

static int
free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	MT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	MT_OK(getsockname(fd, (struct sockaddr *)&sa, &len));
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
test_client_retry(void)
{
	late_start ls = {.port = free_port()};
	echo_msg req = SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	med_call_opts o = {.token = NURSE_TOKEN,
			   .deadline_ms = 8000,
			   .idempotent = true,
			   .max_attempts = 20};
	char target[64];
	med_channel *ch;
	med_arena *a = med_arena_new(1 << 16);
	ProtobufCMessage *out = NULL;
	med_rpc_status st;
	pthread_t t;

	snprintf(target, sizeof(target), "127.0.0.1:%d", ls.port);
	MT_OK(med_channel_open(target, &ch));
	/* Without retries the first attempt fails fast. */
	req.field = "r";
	o.idempotent = false;
	MT_EQ_INT(med_channel_unary(ch, "/test.Echo/Echo", &req.base, ECHO_DESC,
				    a, &o, &out, &st),
		  MED_ERR_UNAVAILABLE);
	o.idempotent = true;
	pthread_create(&t, NULL, late_start_main, &ls);
	MT_OK(med_channel_unary(ch, "/test.Echo/Echo", &req.base, ECHO_DESC, a,
				&o, &out, &st));
	MT_EQ_STR(((echo_msg *)out)->field, "r");
	pthread_join(t, NULL);
	med_channel_close(ch);
	med_server_free(ls.srv);
	med_arena_free(a);
}

static void
test_audit_and_metrics(void)
{
	fixture fx;
	med_rpc_status st;
	char *text = NULL;
	size_t len = 0;
	int status;

	fixture_open(&fx, 0, true);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 0, NULL,
			    &st),
		  0);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Admin", "x", NURSE_TOKEN, 0, NULL,
			    &st),
		  GRPC_STATUS_PERMISSION_DENIED);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NULL, 0, NULL, &st),
		  GRPC_STATUS_UNAUTHENTICATED);
	/* Health checks are public and not audited. */
	MT_EQ_INT(health_check(&fx, "", &status), 0);
	MT_EQ_INT(med_audit_pending(fx.audit), 3);
	MT_OK(med_metrics_render(fx.metrics, &text, &len));
	MT_TRUE(strstr(text, "grpc_server_handled_total") != NULL);
	MT_TRUE(strstr(text, "grpc_method=\"Echo\"") != NULL);
	free(text);
	fixture_close(&fx);
}

/* dial opens a TCP connection from src to the server and sends the HTTP/2
 * preface, as an idle gRPC client would. */
static int
dial(int port, const char *src)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
				      "\0\0\0\4\0\0\0\0\0";
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	MT_TRUE(fd >= 0);
	inet_pton(AF_INET, src, &a.sin_addr);
	MT_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	MT_EQ_INT(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	/* A refused connection may be closed before all of it is sent. */
	(void)send(fd, preface, sizeof(preface) - 1, MSG_NOSIGNAL);
	return fd;
}

/* closed_within says whether the server closes fd within ms (what it
 * sends meanwhile, its SETTINGS, is read and dropped). */
static bool
closed_within(int fd, int ms)
{
	int64_t end = med_mono_ns() + (int64_t)ms * 1000000;
	char buf[256];

	for (;;) {
		int64_t left_ms = (end - med_mono_ns()) / 1000000;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left_ms <= 0 || poll(&p, 1, (int)left_ms) == 0)
			return false;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return true;
	}
}

/* admitted dials from src until the server keeps the connection (it may
 * not have seen a closed one go yet); -1 when it never does. */
static int
admitted(int port, const char *src)
{
	for (int i = 0; i < 20; i++) {
		int fd = dial(port, src);
		if (!closed_within(fd, 300))
			return fd;
		close(fd);
		usleep(50000);
	}
	return -1;
}

static void
test_conns_per_client(void)
{
	fixture fx;
	int held[3], extra;
	char *text = NULL;
	size_t len = 0;
	med_rpc_status st;

	g_max_conns = 3;
	fixture_open(&fx, 0, true);
	/* 127.0.0.2 holds its three; a fourth and fifth are closed at once. */
	for (int i = 0; i < 3; i++) {
		held[i] = dial(fx.port, "127.0.0.2");
		MT_TRUE(!closed_within(held[i], 300));
	}
	for (int i = 0; i < 2; i++) {
		extra = dial(fx.port, "127.0.0.2");
		MT_TRUE(closed_within(extra, 3000));
		close(extra);
	}
	/* Another address is not affected. */
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 5000,
			    NULL, &st),
		  0);
	MT_OK(med_metrics_render(fx.metrics, &text, &len));
	MT_TRUE(strstr(text, "smartmed_grpc_connections_closed_total{reason="
			     "\"client_limit\"} 2") != NULL);
	free(text);
	/* A connection that ends gives its place back, and only one. */
	close(held[0]);
	held[0] = admitted(fx.port, "127.0.0.2");
	MT_TRUE(held[0] >= 0);
	extra = dial(fx.port, "127.0.0.2");
	MT_TRUE(closed_within(extra, 3000));
	close(extra);
	for (int i = 0; i < 3; i++)
		close(held[i]);
	fixture_close(&fx);
}

/* care_hook stands in for a service's care decision: it counts its
 * questions and refuses every patient while g_care_refuse is set. */
static med_err
care_hook(med_call *call, const char *patient_id, bool read, char *msg,
	  size_t len)
{
	(void)call;
	(void)read;
	atomic_fetch_add(&g_care_asks, 1);
	if (!g_care_refuse)
		return MED_OK;
	snprintf(msg, len, "patient_id: %s is not in your care", patient_id);
	return MED_ERR_DENIED;
}

static void
test_care_hook(void)
{
	fixture fx;
	echo_msg *out = NULL;
	med_rpc_status st;

	g_care_decide = care_hook;
	atomic_store(&g_care_asks, 0);
	fixture_open(&fx, 0, false);
	/* Naming the patient asks the hook, which allows. */
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 5000,
			    &out, &st),
		  0);
	MT_EQ_INT(atomic_load(&g_care_asks), 1);
	MT_EQ_INT(atomic_load(&g_care_seen), MED_OK);
	/* The same patient named twice in one call is asked about once. */
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "again", NURSE_TOKEN, 5000,
			    &out, &st),
		  0);
	MT_EQ_INT(atomic_load(&g_care_asks), 2);
	/* A refusal ends the call with it, though the handler returned OK. */
	g_care_refuse = true;
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 5000,
			    &out, &st),
		  GRPC_STATUS_PERMISSION_DENIED);
	MT_EQ_STR(st.message, "patient_id: patient-1 is not in your care");
	MT_EQ_INT(atomic_load(&g_care_asks), 3);
	/* The handler can see the refusal at once and stop before costly work.
	 */
	MT_EQ_INT(atomic_load(&g_care_seen), MED_ERR_DENIED);
	g_care_refuse = false;
	g_care_decide = NULL;
	fixture_close(&fx);
}

/* --- the access event before the reply ------------------------------------
 */

/* spool_holds is true when the audit spool in dir holds the bytes of s. */
static bool
spool_holds(const char *dir, const char *s)
{
	char path[600];
	static char buf[1 << 16];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	f = fopen(path, "rb");
	MT_TRUE(f != NULL);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return memmem(buf, n, s, strlen(s)) != NULL;
}

/*
 * The reply of an audited call never precedes its event's commit: when
 * the client holds the reply, the emitter already counts the event durable
 * (med_audit_pending counts committed events; nothing is delivered here)
 * and the spool holds it, for a call that ends on the queue's thread
 * (Inline), one that ends on the pool (Echo) and a refusal.
 */
static void
test_audited_reply_after_commit(void)
{
	static const char *const paths[] = {"/test.Echo/Inline",
					    "/test.Echo/Echo"};
	fixture fx;
	med_rpc_status st;
	echo_msg *out = NULL;
	uint64_t n = 0;

	fixture_open(&fx, 0, true);
	for (int i = 0; i < 20; i++) {
		const char *path = paths[i % 2];
		const char *id;

		MT_EQ_INT(
			call_echo(&fx, path, "x", NURSE_TOKEN, 5000, &out, &st),
			0);
		MT_EQ_INT(med_audit_pending(fx.audit), ++n);
		id = strchr(out->reason, '/');
		MT_TRUE(id != NULL && spool_holds(mt_tmpdir(), id + 1));
	}
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Admin", "x", NURSE_TOKEN, 5000,
			    NULL, &st),
		  GRPC_STATUS_PERMISSION_DENIED);
	MT_EQ_INT(med_audit_pending(fx.audit), ++n);
	fixture_close(&fx);
}

/*
 * The same with audit_commit_on_handler: a pooled call, alone, makes its
 * own commit on its handler thread and sends its reply from there, still
 * only once its event is durable.
 */
static void
test_audited_reply_after_commit_on_handler(void)
{
	g_commit_on_handler = true;
	test_audited_reply_after_commit();
}

/*
 * A spool that cannot be written (a full disk: the spool file is
 * /dev/full) fails every audited call that would have succeeded, inline
 * or on the pool, with no reply; refusals keep their own status, and
 * public calls (health) are not audited.
 */
static void
test_audit_spool_full_fails_call(void)
{
	char path[600];
	fixture fx;
	med_rpc_status st;
	echo_msg *out = NULL;
	int status = -1;

	snprintf(path, sizeof(path), "%s/audit.spool", mt_tmpdir());
	MT_OK(symlink("/dev/full", path));
	fixture_open(&fx, 0, true);
	med_server_set_serving(fx.srv, true);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Inline", "x", NURSE_TOKEN, 5000,
			    &out, &st),
		  GRPC_STATUS_INTERNAL);
	MT_EQ_STR(st.message, "audit unavailable");
	MT_TRUE(out == NULL);
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Echo", "x", NURSE_TOKEN, 5000,
			    &out, &st),
		  GRPC_STATUS_INTERNAL);
	MT_EQ_STR(st.message, "audit unavailable");
	MT_EQ_INT(call_echo(&fx, "/test.Echo/Admin", "x", NURSE_TOKEN, 5000,
			    NULL, &st),
		  GRPC_STATUS_PERMISSION_DENIED);
	MT_EQ_INT(health_check(&fx, "", &status), 0);
	MT_EQ_INT(med_audit_pending(fx.audit), 0);
	fixture_close(&fx);
}

/* --- local calls ----------------------------------------------------------
 */

/* local_call makes a call of the facade's shape over auth and audit. */
static med_call *
local_call(const med_authenticator *auth, med_audit *audit, med_arena *arena,
	   const char *request_id, const char *purpose)
{
	med_call_local_opts o = {
		.action = "fhir/read",
		.action_code = MED_AUDIT_ACTION_READ,
		.audit = audit,
		.auth = auth,
		.request_id = request_id,
		.transport_secure = true,
		.arena = arena,
		.purpose_of_use = purpose,
	};
	med_call *c = NULL;

	MT_OK(med_call_local_new(&o, &c));
	return c;
}

/* --- tasks run at once (med_call_parallel) --------------------------- */

#define PAR_TASKS 4

typedef struct par_meet {
	atomic_int arrived;
	int n;
} par_meet;

typedef struct par_task {
	par_meet *meet;
	bool met;	  /* every task was running at once */
	med_err fail;	  /* what the task answers */
	const char *word; /* its med_call_fail message, and its arena text */
	char *text;	  /* word, copied into the task call's arena */
	char request_id[64];
} par_task;

/* par_fn waits (up to 10 s) until every task has arrived: only tasks that
 * run at once all meet; one by one, each would wait out the 10 s alone. */
static med_err
par_fn(med_call *call, void *ctx)
{
	par_task *t = ctx;
	struct timespec nap = {0, 1000000};

	atomic_fetch_add(&t->meet->arrived, 1);
	for (int i = 0; i < 10000 && !t->met; i++) {
		t->met = atomic_load(&t->meet->arrived) >= t->meet->n;
		if (!t->met)
			nanosleep(&nap, NULL);
	}
	t->text = med_arena_strdup(med_call_arena(call), t->word);
	(void)med_call_add_detail(call, "par_task", t->word);
	snprintf(t->request_id, sizeof(t->request_id), "%s",
		 med_call_request_id(call));
	if (t->fail != MED_OK)
		return med_call_fail(call, t->fail, "%s", t->word);
	return MED_OK;
}

/*
 * Tasks run at once, each on a call of its own that carries the request's
 * id; what they allocate lives in the call's arena after, and their audit
 * details are the call's; the answer is that of the first task, in order,
 * that failed, with its message.
 */
static void
test_call_parallel(void)
{
	med_authenticator auth = make_auth();
	med_audit_opts ao = {.service = "test", .spool_dir = mt_tmpdir()};
	med_audit *audit = NULL;
	med_arena *arena = med_arena_new(1 << 16);
	char err[256];
	static const char *const words[PAR_TASKS] = {"alpha", "bravo",
						     "charlie", "delta"};
	par_meet meet = {.n = PAR_TASKS};
	par_task t[PAR_TASKS];
	med_call_task tasks[MED_CALL_TASKS_MAX + 1];
	med_call *c;

	MT_OK(med_audit_open(&ao, &audit, err, sizeof(err)));
	c = local_call(&auth, audit, arena, "req-par-1", NULL);
	memset(t, 0, sizeof(t));
	for (int i = 0; i < PAR_TASKS; i++) {
		t[i] = (par_task){.meet = &meet, .word = words[i]};
		tasks[i] = (med_call_task){par_fn, &t[i]};
	}
	/* The third and fourth fail: the third's answer is the call's. */
	t[2].fail = MED_ERR_NOT_FOUND;
	t[3].fail = MED_ERR_PRECONDITION;
	MT_EQ_INT(med_call_parallel(c, tasks, PAR_TASKS), MED_ERR_NOT_FOUND);
	MT_EQ_STR(med_call_message(c), "charlie");
	for (int i = 0; i < PAR_TASKS; i++) {
		MT_TRUE(t[i].met);
		MT_EQ_STR(t[i].request_id, "req-par-1");
		MT_TRUE(t[i].text != NULL);
		MT_EQ_STR(t[i].text, words[i]);
	}
	MT_OK(med_call_end(c, GRPC_STATUS_NOT_FOUND));
	MT_TRUE(spool_holds(mt_tmpdir(), "alpha"));
	MT_TRUE(spool_holds(mt_tmpdir(), "delta"));
	/* All succeed: OK; too many tasks: refused, none run. */
	atomic_store(&meet.arrived, 0);
	for (int i = 0; i < PAR_TASKS; i++)
		t[i].fail = MED_OK;
	MT_OK(med_call_parallel(c, tasks, PAR_TASKS));
	for (int i = 0; i < MED_CALL_TASKS_MAX + 1; i++)
		tasks[i] = (med_call_task){par_fn, &t[0]};
	atomic_store(&meet.arrived, 0);
	MT_EQ_INT(med_call_parallel(c, tasks, MED_CALL_TASKS_MAX + 1),
		  MED_ERR_INVALID);
	MT_EQ_INT(atomic_load(&meet.arrived), 0);
	med_call_local_free(c);
	med_audit_close(audit);
	med_arena_free(arena);
}

/*
 * A request that is not a gRPC call (the FHIR facade's) is authenticated
 * from its Authorization header and audited as a gRPC call is, with its
 * resource, and "anonymous" for a caller who has none.
 */
static void
test_local_call(void)
{
	med_authenticator auth = make_auth();
	med_audit_opts ao = {.service = "test", .spool_dir = mt_tmpdir()};
	med_audit *audit = NULL;
	med_arena *arena = med_arena_new(1 << 16);
	const med_audit_detail d[] = {{"http_status", "401"}};
	char err[256];
	med_call *c;

	MT_OK(med_audit_open(&ao, &audit, err, sizeof(err)));
	c = local_call(&auth, audit, arena, "req-local-1", NULL);
	MT_EQ_INT(med_call_authenticate(c, NULL), MED_ERR_UNAUTHENTICATED);
	MT_EQ_STR(med_call_message(c), "Authorization: want 'Bearer <token>'");
	MT_EQ_INT(med_call_authenticate(c, "Bearer nope"),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_STR(med_call_message(c), "Authorization: token not accepted");
	MT_EQ_STR(med_call_principal(c)->user, "");
	MT_TRUE(med_call_data(c) == NULL && med_call_db(c) == NULL);
	MT_TRUE(!med_call_is_cancelled(c));
	med_call_set_resource(c, "Patient/p-anon");
	med_call_add_details(c, d, 1);
	MT_OK(med_call_end(c, GRPC_STATUS_UNAUTHENTICATED));
	MT_TRUE(spool_holds(mt_tmpdir(), "anonymous"));
	MT_TRUE(spool_holds(mt_tmpdir(), "Patient/p-anon"));
	MT_TRUE(spool_holds(mt_tmpdir(), "req-local-1"));
	med_call_local_free(c);

	c = local_call(&auth, audit, arena, NULL, "HRESCH");
	MT_OK(med_call_authenticate(c, "bearer " NURSE_TOKEN));
	MT_EQ_STR(med_call_principal(c)->user, "alice");
	med_call_set_patient(c, "p-glass");
	med_call_mark_break_glass(c, "grant-7");
	MT_OK(med_call_end(c, 0));
	MT_TRUE(spool_holds(mt_tmpdir(), "fhir/read"));
	MT_TRUE(spool_holds(mt_tmpdir(), "p-glass"));
	MT_TRUE(spool_holds(mt_tmpdir(), "break-glass grant=grant-7"));
	MT_TRUE(!spool_holds(mt_tmpdir(), "HRESCH")); /* break-glass: ETREAT */
	med_call_local_free(c);

	c = local_call(&auth, audit, arena, NULL, "HRESCH");
	MT_OK(med_call_authenticate(c, "Bearer " ADMIN_TOKEN));
	MT_OK(med_call_end(c, 0));
	MT_TRUE(spool_holds(mt_tmpdir(), "HRESCH"));
	MT_EQ_INT(med_audit_pending(audit), 3);
	med_call_local_free(c);
	med_audit_close(audit);
	med_arena_free(arena);
	auth.free(auth.self);
}

#define UUID_A "0b7e7f6c-3f4e-4d55-9d2a-6a1b2c3d4e5f"

/* Every service's ReadFhir refuses a type or id and misses a resource
 * with the same words, and finds a resource's item alike
 * (<med/fhir_read.h>). */
static void
test_fhir_read(void)
{
	static const char *const types[] = {"Condition", "Goal"};
	const med_fhir_read_served served = {types, 2,
					     "test serves Condition and Goal"};
	med_authenticator auth = make_auth();
	med_arena *arena = med_arena_new(1 << 16);
	med_call *c = local_call(&auth, NULL, arena, NULL, NULL);

	MT_OK(med_fhir_read_check(c, &served, "Goal", "g-1.a"));
	MT_EQ_INT(med_fhir_read_check(c, &served, "Patient", "bad id"),
		  MED_ERR_INVALID);
	MT_EQ_STR(med_call_message(c), "type: test serves Condition and Goal");
	MT_EQ_INT(med_fhir_read_check(c, &served, "Goal", "bad id"),
		  MED_ERR_INVALID);
	MT_EQ_STR(med_call_message(c),
		  "id: not a FHIR id (1..64 of A-Z a-z 0-9 - .)");
	MT_EQ_INT(med_fhir_read_not_found(c, "Goal", "g-1", 0),
		  MED_ERR_NOT_FOUND);
	MT_EQ_STR(med_call_message(c), "id: no Goal g-1");
	MT_EQ_INT(med_fhir_read_not_found(c, "Goal", "g-1", 3),
		  MED_ERR_NOT_FOUND);
	MT_EQ_STR(med_call_message(c), "id: no Goal g-1 at that version");
	/* A resource id is its item's UUID, or that and a suffix. */
	MT_EQ_STR(med_fhir_read_item(arena, UUID_A), UUID_A);
	MT_EQ_STR(med_fhir_read_item(arena, UUID_A "-goal2"), UUID_A);
	MT_TRUE(med_fhir_read_item(arena, UUID_A "x") == NULL);
	MT_TRUE(med_fhir_read_item(arena, "g-1") == NULL);
	/* An export page that would not write as FHIR: too big, or a stored
	 * value R4 cannot carry; another error passes as it is. */
	MT_EQ_INT(med_fhir_export_failed(c, MED_ERR_LIMIT, 40, "encounters",
					 "encounter", "ward"),
		  MED_ERR_LIMIT);
	MT_EQ_STR(med_call_message(c),
		  "page.page_size: 40 encounters exceed the message size "
		  "limit as FHIR; ask for fewer");
	MT_EQ_INT(med_fhir_export_failed(c, MED_ERR_INVALID, 40, "encounters",
					 "encounter", "ward"),
		  MED_ERR_DATA_LOSS);
	MT_EQ_STR(med_call_message(c),
		  "ward: a stored encounter cannot be written as FHIR R4");
	MT_EQ_INT(med_fhir_export_failed(c, MED_ERR_NOMEM, 1, "items", "item",
					 "patient_id"),
		  MED_ERR_NOMEM);
	med_call_local_free(c);
	med_arena_free(arena);
	auth.free(auth.self);
}

static const mt_case cases[] = {
	{"unary_roundtrip", test_unary_roundtrip},
	{"call_parallel", test_call_parallel},
	{"overload_queue_full", test_overload_queue_full},
	{"overload_queue_wait", test_overload_queue_wait},
	{"handler_error", test_handler_error},
	{"unimplemented", test_unimplemented},
	{"unauthenticated", test_unauthenticated},
	{"permission_denied", test_permission_denied},
	{"invalid_utf8", test_invalid_utf8},
	{"garbage_bytes", test_garbage_bytes},
	{"unknown_enum", test_unknown_enum},
	{"max_message_size", test_max_message_size},
	{"reply_over_limit", test_reply_over_limit},
	{"server_stream", test_server_stream},
	{"deadline_exceeded", test_deadline_exceeded},
	{"cancel_seen_by_handler", test_cancel_seen_by_handler},
	{"health_check", test_health_check},
	{"health_watch", test_health_watch},
	{"health_watch_unknown", test_health_watch_unknown},
	{"port_in_use", test_port_in_use},
	{"bad_methods", test_bad_methods},
	{"shutdown_drains", test_shutdown_drains},
	{"inline_while_pool_busy", test_inline_while_pool_busy},
	{"inline_audited_while_pool_busy", test_inline_audited_while_pool_busy},
	{"shutdown_cancels_after_grace", test_shutdown_cancels_after_grace},
	{"max_streams", test_max_streams},
	{"client_retry", test_client_retry},
	{"audit_and_metrics", test_audit_and_metrics},
	{"conns_per_client", test_conns_per_client},
	{"care_hook", test_care_hook},
	{"local_call", test_local_call},
	{"fhir_read", test_fhir_read},
	{"audited_reply_after_commit", test_audited_reply_after_commit},
	{"audited_reply_after_commit_on_handler",
	 test_audited_reply_after_commit_on_handler},
	{"audit_spool_full_fails_call", test_audit_spool_full_fails_call},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	/* One access line per call would bury the verdicts; errors still
	 * show. */
	med_log_init("test_rpc", MED_LOG_WARN);
	return mt_main(argc, argv, cases);
}
