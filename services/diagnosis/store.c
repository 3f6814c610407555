/*
 * store.c - the diagnosis service's SQL: the conditions table.
 */
#include <med/arena.h>

#include "diagnosis.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS conditions ("
	" condition_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" code_system VARCHAR(32) NOT NULL,"
	" code VARCHAR(32) NOT NULL,"
	" display VARCHAR(200) NOT NULL,"
	" clinical_status TINYINT NOT NULL,"
	" verification_status TINYINT NOT NULL,"
	" onset_date VARCHAR(10) NOT NULL,"
	" recorded_by VARCHAR(128) NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" note TEXT NOT NULL,"
	" KEY idx_conditions_patient (patient_id, recorded_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

const med_db_migration diagnosis_migrations[] = {
	{1, "conditions: the problem list", v1_statements},
};
const size_t diagnosis_n_migrations =
	sizeof(diagnosis_migrations) / sizeof(diagnosis_migrations[0]);

#define CONDITION_COLUMNS                                                      \
	"condition_id, patient_id, code_system, code, display,"                \
	" clinical_status, verification_status, onset_date, recorded_by,"      \
	" recorded_ms, note"

typedef struct condition_rows {
	med_arena *arena;
	Smartmed__Diagnosis__V1__Condition **items;
	size_t n, cap;
} condition_rows;

static med_err
on_condition_row(void *ctx, const med_db_row *row)
{
	condition_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Diagnosis__V1__Condition *c = med_arena_push_msg(
		a, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__diagnosis__v1__condition__descriptor);

	if (c == NULL)
		return MED_ERR_NOMEM;
	c->condition_id = med_db_row_strdup(a, row, 0);
	c->patient_id = med_db_row_strdup(a, row, 1);
	c->code_system = med_db_row_strdup(a, row, 2);
	c->code = med_db_row_strdup(a, row, 3);
	c->display = med_db_row_strdup(a, row, 4);
	c->clinical_status =
		(Smartmed__Diagnosis__V1__ClinicalStatus)med_db_row_int64(row,
									  5);
	c->verification_status =
		(Smartmed__Diagnosis__V1__VerificationStatus)med_db_row_int64(
			row, 6);
	c->onset_date = med_db_row_strdup(a, row, 7);
	c->recorded_by = med_db_row_strdup(a, row, 8);
	c->recorded_ms = med_db_row_int64(row, 9);
	c->note = med_db_row_strdup(a, row, 10);
	if (!c->condition_id || !c->patient_id || !c->code_system || !c->code ||
	    !c->display || !c->onset_date || !c->recorded_by || !c->note)
		return MED_ERR_NOMEM;
	return MED_OK;
}

med_err
diagnosis_store_insert(med_db *db, const Smartmed__Diagnosis__V1__Condition *c)
{
	med_db_value v[] = {
		MED_DB_STR(c->condition_id),
		MED_DB_STR(c->patient_id),
		MED_DB_STR(c->code_system),
		MED_DB_STR(c->code),
		MED_DB_STR(c->display),
		MED_DB_I64(c->clinical_status),
		MED_DB_I64(c->verification_status),
		MED_DB_STR(c->onset_date),
		MED_DB_STR(c->recorded_by),
		MED_DB_I64(c->recorded_ms),
		MED_DB_STR(c->note),
	};

	return med_db_exec_once(db,
				"INSERT INTO conditions (" CONDITION_COLUMNS ")"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
diagnosis_store_list(med_db *db, med_arena *arena, const char *patient_id,
		     uint64_t offset, uint32_t limit,
		     Smartmed__Diagnosis__V1__Condition ***out, size_t *n)
{
	condition_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_err err = med_db_query_once(
		db,
		"SELECT " CONDITION_COLUMNS " FROM conditions"
		" WHERE patient_id = ?"
		" ORDER BY recorded_ms DESC, condition_id LIMIT ? OFFSET ?",
		v, 3, on_condition_row, &rows);

	if (err != MED_OK)
		return err;
	*out = rows.items;
	*n = rows.n;
	return MED_OK;
}
