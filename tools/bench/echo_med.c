/*
 * echo_med.c - the same echo as echo_bare, served through med_server, with
 * the features a smartmed call may pay for switched on one by one, so that
 * run.sh can print what each costs against the bare gRPC core:
 *
 *   min    the RPC layer alone: a public method (no token), request id,
 *          wire validation, unpack into the call arena, enum checks, the
 *          handler, pack, metrics.  The handler never blocks, so the whole
 *          call runs on the completion-queue thread that took it.
 *   auth   + bearer token looked up in a token file, the nurse role checked
 *   valid  + the handler's field checks (med_check_text on both fields, as
 *          a service handler checks its request)
 *   care   + the handler names its patient (med_call_set_patient) and the
 *          server's care hook decides from memory, as med_care_decide does
 *          when its cache holds the answer
 *   idem   + the client sends its own x-request-id (run.sh sets
 *          LOAD_REQUEST_IDS for bench-load): a call without a write
 *          transaction must not pay for idempotency
 *   audit  + an access event per call, made durable in a spool under DIR
 *          before the reply goes out: the queue thread appends it and the
 *          emitter's flusher sends the reply after its group commit
 *          (fdatasync), as for an audited read served from a cache or a
 *          refusal
 *   pool   + the method is not marked never blocking: its handler runs on
 *          the worker pool, one thread hop and wake-up per call, as an
 *          audited handler that waits on the database does
 *   here   pool with med_server_opts.audit_commit_on_handler: a handler
 *          thread with nothing else queued makes the spool's commit and
 *          sends the reply itself (not a step of a service: off there)
 *
 *   bench-echo_med TOKENS_FILE [ADDR [THREADS [FEATURE [DIR]]]]
 *
 * ADDR defaults to 127.0.0.1:0, THREADS to 2, FEATURE to auth (each
 * includes the ones above it; audit, pool and here need DIR).  Prints "port=N"
 * once serving; stops on SIGINT or SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/arena.h>
#include <med/audit.h>
#include <med/auth.h>
#include <med/check.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/rpc.h>

#include "smartmed/common/v1/common.pb-c.h"

typedef Smartmed__Common__V1__ErrorDetail echo_msg;

/* The features in the order they add up. */
enum { F_MIN, F_AUTH, F_VALID, F_CARE, F_IDEM, F_AUDIT, F_POOL, F_HERE, F_N };

static const char *const feature_names[F_N] = {
	"min", "auth", "valid", "care", "idem", "audit", "pool", "here",
};

static int feature = F_AUTH;

/* The patients the care hook knows, as a warm cache would. */
static const char *const cared_for[] = {
	"patient.birth_date",
	"patient.family_name",
	"patient.given_name",
};

static med_err
care_from_memory(med_call *call, const char *patient_id, bool read, char *msg,
		 size_t len)
{
	(void)call;
	(void)read;
	for (size_t i = 0; i < sizeof(cared_for) / sizeof(cared_for[0]); i++)
		if (strcmp(cared_for[i], patient_id) == 0)
			return MED_OK;
	snprintf(msg, len, "no care relationship with %s", patient_id);
	return MED_ERR_DENIED;
}

static med_err
echo(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const echo_msg *req = (const echo_msg *)in;
	echo_msg *resp = (echo_msg *)out;
	med_err err;

	if (feature >= F_VALID &&
	    ((err = med_check_text(call, "field", req->field, 1, 128)) !=
		     MED_OK ||
	     (err = med_check_text(call, "reason", req->reason, 1, 512)) !=
		     MED_OK))
		return err;
	/* The request's field stands in for a patient id. */
	if (feature >= F_CARE)
		med_call_set_patient(call, req->field);
	/* Both live in the call's arena until the reply is packed. */
	resp->field = req->field;
	resp->reason = req->reason;
	return MED_OK;
}

static med_method methods[] = {{
	.path = "/bench.Echo/Echo",
	.input = &smartmed__common__v1__error_detail__descriptor,
	.output = &smartmed__common__v1__error_detail__descriptor,
	.kind = MED_RPC_UNARY,
	.unary = echo,
	.roles = MED_ROLE_NURSE,
	.audit_action = MED_AUDIT_ACTION_READ,
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

static int
feature_of(const char *name)
{
	for (int i = 0; i < F_N; i++)
		if (strcmp(feature_names[i], name) == 0)
			return i;
	return -1;
}

static med_audit *
audit_open(const char *dir)
{
	char err[256];
	med_audit_opts o = {.service = "bench", .spool_dir = dir};
	med_audit *a = NULL;

	if (med_audit_open(&o, &a, err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "echo_med: %s\n", err);
		return NULL;
	}
	return a;
}

static med_server *
start(const char *tokens, med_server_opts *o, int *port)
{
	char err[256];
	med_server *s = NULL;

	if (feature >= F_AUTH &&
	    med_auth_token_file_open(tokens, &o->auth, err, sizeof(err)) !=
		    MED_OK) {
		fprintf(stderr, "echo_med: %s\n", err);
		return NULL;
	}
	if (feature < F_AUTH)
		methods[0].roles = MED_ROLES_PUBLIC;
	if (feature >= F_CARE)
		o->care_decide = care_from_memory;
	o->audit_commit_on_handler = feature == F_HERE;
	if (med_server_new(o, &s, err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "echo_med: %s\n", err);
		return NULL;
	}
	if (med_server_add_methods(s, methods, 1) != MED_OK ||
	    (feature < F_POOL &&
	     med_server_set_never_blocks(s, methods[0].path) != MED_OK) ||
	    med_server_start(s, port) != MED_OK) {
		fprintf(stderr, "echo_med: cannot start on %s\n",
			o->listen_addr);
		med_server_free(s);
		return NULL;
	}
	med_server_set_serving(s, true);
	return s;
}

int
main(int argc, char **argv)
{
	med_server_opts o = {
		.service_name = "bench",
		.listen_addr = argc > 2 ? argv[2] : "127.0.0.1:0",
		.n_threads = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 2,
	};
	med_audit *audit = NULL;
	med_server *s;
	sigset_t set;
	int port = 0;

	feature = argc > 4 ? feature_of(argv[4]) : F_AUTH;
	if (argc < 2 || feature < 0 || (feature >= F_AUDIT && argc < 6)) {
		fprintf(stderr,
			"usage: %s TOKENS_FILE [ADDR [THREADS "
			"[min|auth|valid|care|idem|audit|pool|here [DIR]]]]\n",
			argv[0]);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	med_log_init("bench", MED_LOG_WARN);
	o.metrics = med_metrics_new();
	if (feature >= F_AUDIT &&
	    (audit = o.audit = audit_open(argv[5])) == NULL)
		return 1;
	s = start(argv[1], &o, &port);
	if (s == NULL)
		return 1;
	printf("port=%d\n", port);
	fflush(stdout);
	wait_signal();
	med_server_shutdown(s, 1000);
	med_server_free(s);
	med_audit_close(audit);
	med_metrics_free(o.metrics);
	return 0;
}
