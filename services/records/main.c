/*
 * main.c - the records service process: wiring only.
 */
#include <med/log.h>
#include <med/patients.h>
#include <med/service.h>

#include "notes.h"
#include "records.h"

/*
 * The attachment cap stays below the gRPC message cap
 * (MED_MAX_MESSAGE_BYTES, 4 MiB by default): raise both together.
 */
static const med_config_spec records_config[] = {
	{RECORDS_MAX_ATTACHMENT_KEY, MED_CONFIG_INT, "2097152", false, 1024,
	 12582912, "largest document attachment accepted, in bytes"},
	{RECORDS_NOTE_READER_KEY, MED_CONFIG_BOOL, "on", false, 0, 0,
	 "read notes for suggestions when they are written (off: only "
	 "ReadNotes reads them)"},
	MED_PATIENTS_CONFIG,
};

/* The note reader's word lists, and OpenCC's table of traditional
 * characters (about 0.2 s), load at start rather than in the first note's
 * write; lists that do not load (libopencc-data missing) stop the start,
 * naming what failed, instead of a reader that silently misses. */
static med_err
records_start(med_service *svc)
{
	const char *problem = notes_lexicon_check();

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
		.n_extra_config =
			sizeof(records_config) / sizeof(records_config[0]),
		.start = records_start,
		.stop = med_patients_service_stop,
	};

	return med_service_main(&def, argc, argv);
}
