/*
 * settings.c - the records service's own settings, all of them in one
 * table: the attachment cap and the note reader on writes (handlers.c),
 * and the patient lookup.  The code reads a value by its key from the
 * service's configuration (med_config_*), which libmed loads and checks
 * against this table at start.
 */
#include <med/config.h>
#include <med/patients.h>

#include "records.h"

/*
 * The attachment cap stays below the gRPC message cap
 * (MED_MAX_MESSAGE_BYTES, 4 MiB by default): raise both together.
 */
const med_config_spec records_config[] = {
	{RECORDS_MAX_ATTACHMENT_KEY, MED_CONFIG_INT, "2097152", false, 1024,
	 12582912, "largest document attachment accepted, in bytes"},
	{RECORDS_NOTE_READER_KEY, MED_CONFIG_BOOL, "on", false, 0, 0,
	 "read notes for suggestions when they are written (off: only "
	 "ReadNotes reads them)"},
	MED_PATIENTS_CONFIG,
};
const size_t records_n_config =
	sizeof(records_config) / sizeof(records_config[0]);
