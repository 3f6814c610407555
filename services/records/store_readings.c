/*
 * store_readings.c - the SQL of device readings (RecordDeviceReadings):
 * the table device_readings keeps, for each reading identifier a device
 * sent, the entry it was written as, so that a reading sent again is
 * answered with the first instead of being charted twice.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <stdio.h>
#include <string.h>

#include "records.h"

/* Entries asked about in one query: an export page holds fewer. */
#define READINGS_OF_MAX 1000

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

/* readings_rows takes device_readings rows into out, in arena. */
typedef struct readings_rows {
	med_arena *arena;
	records_readings *out;
	size_t cap;
} readings_rows;

static med_err
on_readings_row(void *ctx, const med_db_row *row)
{
	readings_rows *x = ctx;
	records_reading *r;

	if (x->out->n == x->cap)
		return MED_ERR_INTERNAL; /* an entry is one reading at most */
	r = &x->out->r[x->out->n];
	r->entry_id = med_db_row_strdup(x->arena, row, 0);
	r->system = med_db_row_strdup(x->arena, row, 1);
	r->value = med_db_row_strdup(x->arena, row, 2);
	r->device = med_db_row_strdup(x->arena, row, 3);
	if (r->entry_id == NULL || r->system == NULL || r->value == NULL ||
	    r->device == NULL)
		return MED_ERR_NOMEM;
	x->out->n++;
	return MED_OK;
}

/* is_measured: an entry a device reading may have been written as. */
static bool
is_measured(const records_entry *e)
{
	return e->kind ==
		       SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS ||
	       e->kind ==
		       SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION;
}

/* readings_sql writes the query for n entry ids ("?, ?, ..."). */
static char *
readings_sql(med_arena *arena, size_t n)
{
	static const char head[] =
		"SELECT entry_id, identifier_system, identifier_value, device"
		" FROM device_readings WHERE entry_id IN (";
	size_t cap = sizeof(head) + 3 * n + 2;
	char *sql = med_arena_alloc(arena, cap);
	size_t at;

	if (sql == NULL)
		return NULL;
	at = (size_t)snprintf(sql, cap, "%s", head);
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(sql + at, cap - at, i ? ", ?" : "?");
	snprintf(sql + at, cap - at, ")");
	return sql;
}

med_err
records_store_readings_of(med_db *db, med_arena *arena,
			  records_entry *const *entries, size_t n,
			  records_readings *out)
{
	med_db_value *k;
	size_t n_ids = 0;
	readings_rows x = {.arena = arena, .out = out};
	char *sql;

	memset(out, 0, sizeof(*out));
	if (n > READINGS_OF_MAX)
		return MED_ERR_LIMIT;
	for (size_t i = 0; i < n; i++)
		n_ids += is_measured(entries[i]);
	if (n_ids == 0)
		return MED_OK;
	k = med_arena_zalloc(arena, n_ids * sizeof(*k));
	out->r = med_arena_zalloc(arena, n_ids * sizeof(*out->r));
	sql = readings_sql(arena, n_ids);
	if (k == NULL || out->r == NULL || sql == NULL)
		return MED_ERR_NOMEM;
	n_ids = 0;
	for (size_t i = 0; i < n; i++)
		if (is_measured(entries[i]))
			k[n_ids++] = MED_DB_STR(entries[i]->entry_id);
	x.cap = n_ids;
	return med_db_query_once(db, sql, k, n_ids, on_readings_row, &x);
}
