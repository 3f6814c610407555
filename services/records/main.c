/*
 * main.c - the records service process: wiring only.
 */
#include <med/service.h>

#include "records.h"

int
main(int argc, char **argv)
{
	med_service_def def = {
		.name = "records",
		.grpc_service = "smartmed.records.v1.Records",
		.methods = records_methods,
		.n_methods = records_n_methods,
		.migrations = records_migrations,
		.n_migrations = records_n_migrations,
		.default_grpc_port = 50052,
		.default_http_port = 9102,
	};

	return med_service_main(&def, argc, argv);
}
