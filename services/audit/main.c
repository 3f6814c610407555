/*
 * main.c - the audit service process: wiring only.
 */
#include <med/service.h>

#include "audit_svc.h"

int
main(int argc, char **argv)
{
	med_service_def def = {
		.name = "audit",
		.grpc_service = "smartmed.audit.v1.Audit",
		.methods = audit_methods,
		.n_methods = audit_n_methods,
		.migrations = audit_migrations,
		.n_migrations = audit_n_migrations,
		.default_grpc_port = 50055,
		.default_http_port = 9105,
		.extra_config = audit_config,
		.n_extra_config = audit_n_config,
		.start = audit_ingest_begin,
		.stop = audit_ingest_end,
	};

	return med_service_main(&def, argc, argv);
}
