/*
 * store.c - the records service's SQL: the entries table, one row per
 * version; rows are never updated or deleted.
 */
#include <med/arena.h>

#include "records.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS entries ("
	" entry_id CHAR(36) NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" kind TINYINT NOT NULL,"
	" title VARCHAR(200) NOT NULL,"
	" body MEDIUMTEXT NOT NULL,"
	" author VARCHAR(128) NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" content_sha256 CHAR(64) NOT NULL,"
	" PRIMARY KEY (entry_id, version),"
	" KEY idx_entries_patient (patient_id, created_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

const med_db_migration records_migrations[] = {
	{1, "entries: immutable versions of record entries", v1_statements},
};
const size_t records_n_migrations =
	sizeof(records_migrations) / sizeof(records_migrations[0]);

#define ENTRY_COLUMNS                                                          \
	"entry_id, version, patient_id, kind, title, body, author,"            \
	" created_ms, content_sha256"

typedef struct entry_rows {
	med_arena *arena;
	Smartmed__Records__V1__Entry **items;
	size_t n, cap;
} entry_rows;

static med_err
on_entry_row(void *ctx, const med_db_row *row)
{
	entry_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Records__V1__Entry *e =
		med_arena_push_msg(a, (void ***)&r->items, &r->n, &r->cap,
				   &smartmed__records__v1__entry__descriptor);

	if (e == NULL)
		return MED_ERR_NOMEM;
	e->entry_id = med_db_row_strdup(a, row, 0);
	e->version = (uint32_t)med_db_row_int64(row, 1);
	e->patient_id = med_db_row_strdup(a, row, 2);
	e->kind = (Smartmed__Records__V1__EntryKind)med_db_row_int64(row, 3);
	e->title = med_db_row_strdup(a, row, 4);
	e->body = med_db_row_strdup(a, row, 5);
	e->author = med_db_row_strdup(a, row, 6);
	e->created_ms = med_db_row_int64(row, 7);
	e->content_sha256 = med_db_row_strdup(a, row, 8);
	if (!e->entry_id || !e->patient_id || !e->title || !e->body ||
	    !e->author || !e->content_sha256)
		return MED_ERR_NOMEM;
	return MED_OK;
}

med_err
records_store_insert(med_db *db, const Smartmed__Records__V1__Entry *e)
{
	med_db_value v[] = {
		MED_DB_STR(e->entry_id),       MED_DB_I64(e->version),
		MED_DB_STR(e->patient_id),     MED_DB_I64(e->kind),
		MED_DB_STR(e->title),	       MED_DB_STR(e->body),
		MED_DB_STR(e->author),	       MED_DB_I64(e->created_ms),
		MED_DB_STR(e->content_sha256),
	};

	return med_db_exec_once(db,
				"INSERT INTO entries (" ENTRY_COLUMNS ")"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
records_store_get(med_db *db, med_arena *arena, const char *entry_id,
		  uint32_t version, Smartmed__Records__V1__Entry *out)
{
	entry_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(entry_id), MED_DB_I64(version),
			    MED_DB_I64(version)};
	med_err err = med_db_query_once(
		db,
		"SELECT " ENTRY_COLUMNS " FROM entries WHERE entry_id = ?"
		" AND (? = 0 OR version = ?) ORDER BY version DESC LIMIT 1",
		v, 3, on_entry_row, &rows);

	if (err != MED_OK)
		return err;
	if (rows.n == 0)
		return MED_ERR_NOT_FOUND;
	*out = *rows.items[0];
	return MED_OK;
}

med_err
records_store_list(med_db *db, med_arena *arena, const char *patient_id,
		   uint64_t offset, uint32_t limit,
		   Smartmed__Records__V1__Entry ***out, size_t *n)
{
	entry_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_err err = med_db_query_once(
		db,
		"SELECT " ENTRY_COLUMNS " FROM entries e WHERE patient_id = ?"
		" AND version = (SELECT MAX(version) FROM entries l"
		" WHERE l.entry_id = e.entry_id)"
		" ORDER BY created_ms DESC, entry_id LIMIT ? OFFSET ?",
		v, 3, on_entry_row, &rows);

	if (err != MED_OK)
		return err;
	*out = rows.items;
	*n = rows.n;
	return MED_OK;
}
