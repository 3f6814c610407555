/*
 * main.c - the diagnosis service process: wiring only.
 */
#include <med/service.h>

#include "diagnosis.h"

int
main(int argc, char **argv)
{
	med_service_def def = {
		.name = "diagnosis",
		.grpc_service = "smartmed.diagnosis.v1.Diagnosis",
		.methods = diagnosis_methods,
		.n_methods = diagnosis_n_methods,
		.migrations = diagnosis_migrations,
		.n_migrations = diagnosis_n_migrations,
		.default_grpc_port = 50054,
		.default_http_port = 9104,
		.extra_config = diagnosis_config,
		.n_extra_config = diagnosis_n_config,
		.runs_models = true,
		/* imgtrig: the model, then the PACS watcher (watch.c). */
		.start = diagnosis_start,
		.stop = diagnosis_stop,
	};

	return med_service_main(&def, argc, argv);
}
