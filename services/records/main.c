/*
 * main.c - the records service process: wiring only.
 */
#include <med/log.h>
#include <med/patients.h>
#include <med/service.h>

#include "notes.h"
#include "records.h"

/* The note reader's word lists, its context model's weights and OpenCC's
 * table of traditional characters (about 0.2 s), load at start rather than in
 * the first note's write; lists that do not load (libopencc-data missing) stop
 * the start, naming what failed, instead of a reader that silently misses. */
static med_err
records_start(med_service *svc)
{
	const char *problem = notes_lexicon_check();

	if (problem == NULL)
		problem = notes_model_check();
	if (problem != NULL) {
		med_log_error("note reader: %s", problem);
		return MED_ERR_INTERNAL;
	}
	return med_patients_service_start(svc);
}

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
		.extra_config = records_config,
		.n_extra_config = records_n_config,
		.start = records_start,
		.stop = med_patients_service_stop,
	};

	return med_service_main(&def, argc, argv);
}
