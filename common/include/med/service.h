/*
 * med/service.h - the main() of every smartmed service.
 *
 * med_service_main reads the common configuration (listen address, database,
 * tokens, audit spool, metrics port), opens the database pool, applies the
 * service's migrations, starts the gRPC server, the metrics/health HTTP
 * server and the audit emitter, keeps health in step with the database
 * (NOT_SERVING while it is away or migrations are pending), and on SIGTERM
 * or SIGINT drains calls in flight before it exits.
 */
#ifndef MED_SERVICE_H
#define MED_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <med/config.h>
#include <med/db.h>
#include <med/err.h>
#include <med/metrics.h>
#include <med/rpc.h>

struct med_audit;
typedef struct med_service med_service;

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
} med_service_def;

/* med_service_main runs the service until a signal; returns exit code. */
int med_service_main(const med_service_def *def, int argc, char **argv);

/* Accessors, valid from start until stop; handlers reach svc through
 * med_call_data(call). */
med_db *med_service_db(med_service *svc);
struct med_audit *med_service_audit(med_service *svc);
med_metrics *med_service_metrics(med_service *svc);
const med_config *med_service_config(med_service *svc);

/* med_service_set_data / med_service_data hold the service's own state. */
void med_service_set_data(med_service *svc, void *data);
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
