/*
 * main.c - the identity service process: wiring only.
 */
#include <med/service.h>

#include <string.h>

#include "identity.h"

/* The patient-index and face tables served as one. */
static med_method all_methods[16];

int
main(int argc, char **argv)
{
	size_t n = identity_n_methods + identity_face_n_methods;

	if (n > sizeof(all_methods) / sizeof(all_methods[0]))
		return 70;
	memcpy(all_methods, identity_methods,
	       identity_n_methods * sizeof(med_method));
	memcpy(all_methods + identity_n_methods, identity_face_methods,
	       identity_face_n_methods * sizeof(med_method));
	med_service_def def = {
		.name = "identity",
		.grpc_service = "smartmed.identity.v1.Identity",
		.methods = all_methods,
		.n_methods = n,
		.migrations = identity_migrations,
		.n_migrations = identity_n_migrations,
		.default_grpc_port = 50051,
		.default_http_port = 9101,
		.extra_config = identity_config,
		.n_extra_config = identity_n_config,
		.runs_models = true,
		.start = identity_face_begin,
		.stop = identity_face_end,
	};

	return med_service_main(&def, argc, argv);
}
