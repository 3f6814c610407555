/*
 * main.c - the records service process: wiring only.
 */
#include <med/patients.h>
#include <med/service.h>

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
		.start = med_patients_service_start,
		.stop = med_patients_service_stop,
	};

	return med_service_main(&def, argc, argv);
}
