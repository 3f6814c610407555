/*
 * store_readings.c - the SQL of device readings (RecordDeviceReadings):
 * the table device_readings keeps, for each reading identifier a device
 * sent, the entry it was written as, so that a reading sent again is
 * answered with the first instead of being charted twice.
 */
#include <string.h>

#include "records.h"

/* reading_row takes a device_readings row into the arena of its ctx. */
typedef struct reading_row {
	med_arena *arena;
	records_reading_seen *out;
} reading_row;

static med_err
on_reading_row(void *ctx, const med_db_row *row)
{
	reading_row *r = ctx;

	r->out->found = true;
	r->out->patient_id = med_db_row_strdup(r->arena, row, 0);
	r->out->entry_id = med_db_row_strdup(r->arena, row, 1);
	r->out->device = med_db_row_strdup(r->arena, row, 2);
	if (r->out->patient_id == NULL || r->out->entry_id == NULL ||
	    r->out->device == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}

med_err
records_store_reading_find(med_db_conn *c, med_arena *arena, const char *system,
			   const char *value, records_reading_seen *out)
{
	med_db_value k[] = {MED_DB_STR(system), MED_DB_STR(value)};
	reading_row r = {.arena = arena, .out = out};

	memset(out, 0, sizeof(*out));
	/* FOR UPDATE: two requests with one identifier queue here, and the
	 * second finds the first's row instead of writing a second entry. */
	return med_db_query(c,
			    "SELECT patient_id, entry_id, device"
			    " FROM device_readings WHERE identifier_system = ?"
			    " AND identifier_value = ? FOR UPDATE",
			    k, 2, on_reading_row, &r);
}

med_err
records_store_reading_add(med_db_conn *c, const char *system, const char *value,
			  const records_entry *e, const char *device)
{
	med_db_value p[] = {
		MED_DB_STR(system),	   MED_DB_STR(value),
		MED_DB_STR(e->patient_id), MED_DB_STR(e->entry_id),
		MED_DB_STR(device),	   MED_DB_I64(e->created_ms)};

	return med_db_exec(c,
			   "INSERT INTO device_readings (identifier_system,"
			   " identifier_value, patient_id, entry_id, device,"
			   " created_ms) VALUES (?, ?, ?, ?, ?, ?)",
			   p, 6, NULL, NULL);
}
