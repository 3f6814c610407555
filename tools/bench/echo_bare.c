/*
 * echo_bare.c - the reference for the RPC benchmark: an echo server on the
 * bare gRPC core with none of libmed's layers.  One registered method whose
 * request bytes are sent straight back in a single inline batch, the same
 * number of completion-queue threads and armed requests as med_server.
 *
 *   bench-echo_bare [ADDR [THREADS]]   (default 127.0.0.1:0, 2)
 *
 * Prints "port=N" once serving; stops on SIGINT or SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#define ECHO_PATH      "/bench.Echo/Echo"
#define REQS_PER_QUEUE 32
#define MAX_QUEUES     16

typedef struct queue queue;

/* bare_call - one armed request, then one call. */
typedef struct bare_call {
	queue *q;
	bool finishing;
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array md;
	grpc_byte_buffer *payload;
	int cancelled;
} bare_call;

struct queue {
	grpc_server *server;
	void *method;
	grpc_completion_queue *cq;
	pthread_t thread;
};

/* The shutdown notification, seen by queue 0's thread. */
static bare_call shutdown_tag;
static pthread_mutex_t shutdown_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shutdown_cv = PTHREAD_COND_INITIALIZER;
static bool shutdown_done;

static void
arm(queue *q)
{
	bare_call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return;
	c->q = q;
	grpc_metadata_array_init(&c->md);
	if (grpc_server_request_registered_call(
		    q->server, q->method, &c->call, &c->deadline, &c->md,
		    &c->payload, q->cq, q->cq, c) != GRPC_CALL_OK) {
		grpc_metadata_array_destroy(&c->md);
		free(c);
	}
}

static void
call_free(bare_call *c)
{
	if (c->call != NULL)
		grpc_call_unref(c->call);
	if (c->payload != NULL)
		grpc_byte_buffer_destroy(c->payload);
	grpc_metadata_array_destroy(&c->md);
	free(c);
}

/* reply echoes the request in one batch with the status. */
static void
reply(bare_call *c)
{
	grpc_op ops[4];

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->payload;
	ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
	ops[3].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[3].data.recv_close_on_server.cancelled = &c->cancelled;
	c->finishing = true;
	if (grpc_call_start_batch(c->call, ops, c->payload ? 4 : 3, c, NULL) !=
	    GRPC_CALL_OK)
		call_free(c);
}

static void *
queue_main(void *arg)
{
	queue *q = arg;

	for (;;) {
		grpc_event ev = grpc_completion_queue_next(
			q->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		bare_call *c = ev.tag;

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (c == &shutdown_tag) {
			pthread_mutex_lock(&shutdown_mu);
			shutdown_done = true;
			pthread_cond_signal(&shutdown_cv);
			pthread_mutex_unlock(&shutdown_mu);
			continue;
		}
		if (c->finishing || !ev.success) {
			call_free(c);
			continue;
		}
		arm(q);
		reply(c);
	}
	return NULL;
}

static grpc_server *
server_create(void)
{
	grpc_arg args[1] = {{.type = GRPC_ARG_INTEGER,
			     .key = GRPC_ARG_ALLOW_REUSEPORT,
			     .value.integer = 0}};
	grpc_channel_args ca = {.num_args = 1, .args = args};

	return grpc_server_create(&ca, NULL);
}

static void
wait_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
}

static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int
main(int argc, char **argv)
{
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:0";
	int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 2, port;
	queue qs[MAX_QUEUES];
	grpc_server_credentials *creds;
	grpc_server *server;
	void *method;

	if (n < 1 || n > MAX_QUEUES)
		n = 2;
	block_signals();
	grpc_init();
	server = server_create();
	method = grpc_server_register_method(
		server, ECHO_PATH, NULL,
		GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
	for (int i = 0; i < n; i++) {
		qs[i] = (queue){server, method, NULL, 0};
		qs[i].cq = grpc_completion_queue_create_for_next(NULL);
		grpc_server_register_completion_queue(server, qs[i].cq, NULL);
	}
	creds = grpc_insecure_server_credentials_create();
	port = grpc_server_add_http2_port(server, addr, creds);
	grpc_server_credentials_release(creds);
	if (port <= 0) {
		fprintf(stderr, "echo_bare: cannot listen on %s\n", addr);
		return 1;
	}
	grpc_server_start(server);
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < REQS_PER_QUEUE; k++)
			arm(&qs[i]);
		pthread_create(&qs[i].thread, NULL, queue_main, &qs[i]);
	}
	printf("port=%d\n", port);
	fflush(stdout);
	wait_signal();
	grpc_server_shutdown_and_notify(server, qs[0].cq, &shutdown_tag);
	grpc_server_cancel_all_calls(server);
	pthread_mutex_lock(&shutdown_mu);
	while (!shutdown_done)
		pthread_cond_wait(&shutdown_cv, &shutdown_mu);
	pthread_mutex_unlock(&shutdown_mu);
	for (int i = 0; i < n; i++) {
		grpc_completion_queue_shutdown(qs[i].cq);
		pthread_join(qs[i].thread, NULL);
	}
	grpc_server_destroy(server);
	for (int i = 0; i < n; i++)
		grpc_completion_queue_destroy(qs[i].cq);
	grpc_shutdown();
	return 0;
}
