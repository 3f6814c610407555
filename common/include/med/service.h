/*
 * med/service.h - the main() of every smartmed process, in two parts.
 *
 * The process part (med_process_main) is what any smartmed process runs:
 * the process settings (listen address, metrics port, TLS files, user
 * tokens, audit emitter, log level), logging, the metrics registry, the
 * users' identity sources, the audit emitter, /metrics /healthz /readyz
 * over HTTP, and a clean stop on SIGTERM or SIGINT.  The FHIR facade runs
 * on it alone.
 *
 * The gRPC part (med_service_main) runs on the process part and adds the
 * database pool and its migrations, the gRPC server with its health port,
 * break-glass keys, the audit outbox relay and witness, and readiness kept
 * in step with the database (NOT_SERVING while it is away or migrations
 * are pending); on a signal it drains calls in flight before it exits.
 */
#ifndef MED_SERVICE_H
#define MED_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <med/config.h>
#include <med/db.h>
#include <med/err.h>
#include <med/http.h>
#include <med/metrics.h>
#include <med/rpc.h>

struct med_audit;
typedef struct med_service med_service;
typedef struct med_process med_process;

/* --- the process part ------------------------------------------------- */

/* med_process_def - what a process brings to the process part. */
typedef struct med_process_def {
	const char *name; /* "fhir": the log tag and the audit service */
	/* what follows "The smartmed NAME" in --help: "facade (FHIR R4)" */
	const char *summary;
	int default_http_port; /* MED_HTTP_PORT's default */
	/* the process's own settings after the process settings, or NULL */
	const med_config_spec *config;
	size_t n_config;
	/* optional: start the process's own parts, once the process part
	 * is up; the HTTP port opens after it returns MED_OK */
	med_err (*start)(med_process *p);
	/* optional: stop them (also after a failed start) */
	void (*stop)(med_process *p);
	void *ctx; /* handed back by med_process_ctx */
} med_process_def;

/*
 * med_process_main runs def until SIGTERM or SIGINT and returns the exit
 * code: 0 (stopped by a signal, or --help), 1 (could not start), 2 (bad
 * settings, all of them reported at once).  The process settings come
 * first in --help, the process's own after.
 */
int med_process_main(const med_process_def *def, int argc, char **argv);

/*
 * Accessors, valid from start until stop returns.  med_process_auth is the
 * users' identity sources (bearer JWTs, then the development token file),
 * owned by the process part: borrow it, never free it.
 */
const med_config *med_process_config(med_process *p);
med_metrics *med_process_metrics(med_process *p);
struct med_audit *med_process_audit(med_process *p);
const med_tls *med_process_tls(med_process *p);
const med_authenticator *med_process_auth(med_process *p);
void *med_process_ctx(med_process *p);

/*
 * med_process_set_ready sets what /readyz answers (200 when ready, 503
 * before); returns true when that changed.  A process that never calls it
 * is ready once its start returned.  Thread-safe.
 */
bool med_process_set_ready(med_process *p, bool ready);

/*
 * med_process_set_live sets what /healthz answers (200 when live, 503
 * not); a process is live until it says otherwise.  For a process with a
 * port of its own that it probes (the FHIR facade).  Thread-safe.
 */
void med_process_set_live(med_process *p, bool live);

/*
 * med_process_set_lookup has the process's HTTP port answer GET
 * <prefix><key> by lookup (med_http_set_lookup), from the moment the port
 * serves.  Call it from the process's start; prefix is borrowed (a
 * literal).
 */
void med_process_set_lookup(med_process *p, const char *prefix,
			    med_http_lookup_fn lookup, void *ctx);

/* --- the gRPC part ---------------------------------------------------- */

/* med_service_def - what a service brings to the common runner. */
typedef struct med_service_def {
	const char *name;	  /* "identity"; env prefix stays MED_ */
	const char *grpc_service; /* "smartmed.identity.v1.Identity" */
	const med_method *methods;
	size_t n_methods;
	const med_db_migration *migrations;
	size_t n_migrations;
	int default_grpc_port;
	int default_http_port;
	/* extra settings of this service, or NULL */
	const med_config_spec *extra_config;
	size_t n_extra_config;
	/* true: the service runs models; the inference settings
	 * (med_infer_specs, med/infer.h) are added to its own */
	bool runs_models;
	/* optional: start service-specific parts after the db is open */
	med_err (*start)(med_service *svc);
	/* optional: stop them, after the gRPC server has drained */
	void (*stop)(med_service *svc);
	/* optional: false while a part the service starts in the background
	 * is not there yet (identity's face index): the service is then not
	 * ready (gRPC health NOT_SERVING, /readyz 503) though it answers
	 * calls and /healthz; polled with the database's check */
	bool (*ready)(med_service *svc);
} med_service_def;

/*
 * med_service_main runs the service until a signal; returns exit code.
 * With the one argument --roles it prints the method table instead and
 * returns 0: a line per method, its name, a tab and the roles that may
 * call it ("clinician,nurse"; "service:hl7" for a method that admits one
 * service, med_method.only_service; "public" for no credentials).
 * tools/dev/gen-role-matrix.py makes docs/security.md's matrix from it.
 */
int med_service_main(const med_service_def *def, int argc, char **argv);

/* Accessors, valid from start until stop; handlers reach svc through
 * med_call_data(call). */
med_db *med_service_db(med_service *svc);

/*
 * med_service_migrated is true once the readiness thread has brought the
 * database schema up to date (the service's migrations, the outbox's and
 * the request log's).  Work a start hook begins before then (a thread of
 * its own, an ingest) must wait for it: the schema may be half made, or
 * made by another replica at that moment.  Thread-safe.
 */
bool med_service_migrated(med_service *svc);
struct med_audit *med_service_audit(med_service *svc);
med_metrics *med_service_metrics(med_service *svc);
const med_config *med_service_config(med_service *svc);

/*
 * med_patients_service_start is med_patients_process_start (med/patients.h)
 * with svc's configuration; fits med_service_def.start.
 * med_patients_service_stop fits med_service_def.stop.  Both are this
 * layer's (ops/service_patients.c): the contracts never reach up for a
 * service.
 */
med_err med_patients_service_start(med_service *svc) MED_MUST_CHECK;
void med_patients_service_stop(med_service *svc);

/* med_service_set_data / med_service_data hold the service's own state. */
void med_service_set_data(med_service *svc, void *data);

/* med_service_set_lookup is med_process_set_lookup for a service: call
 * it from its start. */
void med_service_set_lookup(med_service *svc, const char *prefix,
			    med_http_lookup_fn lookup, void *ctx);
void *med_service_data(med_service *svc);

/* med_service_from_call returns the service running call. */
med_service *med_service_from_call(med_call *call);

/*
 * med_call_reply_budget is how many bytes a page's items may take in the
 * reply of call: MED_MAX_MESSAGE_BYTES less slack (room for the reply's
 * other fields and framing), or half of it when the limit is that small.
 * Paged exports and lists stop a page there instead of failing.
 */
size_t med_call_reply_budget(med_call *call, size_t slack);

/* med_call_db, med_call_tx and the request log (med_request_log_migrate,
 * med_request_log_prune) are the RPC layer's: <med/rpc.h>. */

#endif
