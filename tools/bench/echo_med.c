/*
 * echo_med.c - the same echo as echo_bare, served through med_server with
 * everything a smartmed service pays for: token authentication and roles,
 * wire validation, unpack into the call arena, enum checks, the handler,
 * pack, metrics.  Audit is off (it is a disk fsync, measured elsewhere).
 *
 *   bench-echo_med TOKENS_FILE [ADDR [THREADS]]   (default 127.0.0.1:0, 2)
 *
 * The method needs the nurse role.  Prints "port=N" once serving; stops on
 * SIGINT or SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <med/arena.h>
#include <med/auth.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/rpc.h>

#include "smartmed/common/v1/common.pb-c.h"

typedef Smartmed__Common__V1__ErrorDetail echo_msg;

static med_err
echo(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const echo_msg *req = (const echo_msg *)in;
	echo_msg *resp = (echo_msg *)out;

	(void)call;
	/* Both live in the call's arena until the reply is packed. */
	resp->field = req->field;
	resp->reason = req->reason;
	return MED_OK;
}

static const med_method methods[] = {{
	.path = "/bench.Echo/Echo",
	.input = &smartmed__common__v1__error_detail__descriptor,
	.output = &smartmed__common__v1__error_detail__descriptor,
	.kind = MED_RPC_UNARY,
	.unary = echo,
	.roles = MED_ROLE_NURSE,
}};

static void
wait_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
}

static med_server *
start(const char *tokens, const char *addr, int n_threads, med_metrics *metrics,
      int *port)
{
	char err[256];
	med_server_opts o = {
		.service_name = "bench",
		.listen_addr = addr,
		.n_threads = n_threads,
		.metrics = metrics,
	};
	med_server *s = NULL;

	if (med_auth_token_file_open(tokens, &o.auth, err, sizeof(err)) !=
	    MED_OK) {
		fprintf(stderr, "echo_med: %s\n", err);
		return NULL;
	}
	if (med_server_new(&o, &s, err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "echo_med: %s\n", err);
		return NULL;
	}
	if (med_server_add_methods(s, methods, 1) != MED_OK ||
	    med_server_start(s, port) != MED_OK) {
		fprintf(stderr, "echo_med: cannot start on %s\n", addr);
		med_server_free(s);
		return NULL;
	}
	med_server_set_serving(s, true);
	return s;
}

int
main(int argc, char **argv)
{
	const char *addr = argc > 2 ? argv[2] : "127.0.0.1:0";
	int n = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 2, port = 0;
	med_metrics *metrics;
	med_server *s;
	sigset_t set;

	if (argc < 2) {
		fprintf(stderr, "usage: %s TOKENS_FILE [ADDR [THREADS]]\n",
			argv[0]);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	med_log_init("bench", MED_LOG_WARN);
	metrics = med_metrics_new();
	s = start(argv[1], addr, n, metrics, &port);
	if (s == NULL)
		return 1;
	printf("port=%d\n", port);
	fflush(stdout);
	wait_signal();
	med_server_shutdown(s, 1000);
	med_server_free(s);
	med_metrics_free(metrics);
	return 0;
}
