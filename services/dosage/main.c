/*
 * main.c - the dosage service process: wiring only.
 */
#include <med/service.h>

#include "dosage.h"
#include "start.h"

int
main(int argc, char **argv)
{
	med_service_def def = {
		.name = "dosage",
		.grpc_service = "smartmed.dosage.v1.Dosage",
		.methods = dosage_methods,
		.n_methods = dosage_n_methods,
		.migrations = dosage_migrations,
		.n_migrations = dosage_n_migrations,
		.default_grpc_port = 50053,
		.default_http_port = 9103,
		.extra_config = dosage_config,
		.n_extra_config = dosage_n_config,
		.start = dosage_start,
		.stop = dosage_stop,
	};

	return med_service_main(&def, argc, argv);
}
