/*
 * main.c - the identity service process: wiring only.
 */
#include <med/service.h>

#include "identity.h"

int
main(int argc, char **argv)
{
	med_service_def def = {
		.name = "identity",
		.grpc_service = "smartmed.identity.v1.Identity",
		.methods = identity_methods,
		.n_methods = identity_n_methods,
		.migrations = identity_migrations,
		.n_migrations = identity_n_migrations,
		.default_grpc_port = 50051,
		.default_http_port = 9101,
		.extra_config = identity_config,
		.n_extra_config = identity_n_config,
		.runs_models = true,
		.start = identity_start,
		.stop = identity_face_end,
		.ready = identity_ready,
	};

	return med_service_main(&def, argc, argv);
}
