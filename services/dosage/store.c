/*
 * store.c - the dosage service's SQL: the drugs catalogue.
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS drugs ("
	" code VARCHAR(64) NOT NULL PRIMARY KEY,"
	" name VARCHAR(200) NOT NULL,"
	" unit VARCHAR(8) NOT NULL,"
	" max_single_dose DOUBLE NOT NULL,"
	" max_daily_dose DOUBLE NOT NULL,"
	" high_alert TINYINT NOT NULL,"
	" updated_ms BIGINT NOT NULL,"
	" revision INT UNSIGNED NOT NULL,"
	" KEY idx_drugs_name (name)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

const med_db_migration dosage_migrations[] = {
	{1, "drugs: the catalogue with dose limits", v1_statements},
};
const size_t dosage_n_migrations =
	sizeof(dosage_migrations) / sizeof(dosage_migrations[0]);

#define DRUG_COLUMNS                                                           \
	"code, name, unit, max_single_dose, max_daily_dose, high_alert,"       \
	" updated_ms, revision"

typedef struct drug_rows {
	med_arena *arena;
	Smartmed__Dosage__V1__Drug **items;
	size_t n, cap;
} drug_rows;

static med_err
on_drug_row(void *ctx, const med_db_row *row)
{
	drug_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Dosage__V1__Drug *d =
		med_arena_push_msg(a, (void ***)&r->items, &r->n, &r->cap,
				   &smartmed__dosage__v1__drug__descriptor);

	if (d == NULL)
		return MED_ERR_NOMEM;
	d->code = med_db_row_strdup(a, row, 0);
	d->name = med_db_row_strdup(a, row, 1);
	d->unit = med_db_row_strdup(a, row, 2);
	d->max_single_dose = med_db_row_double(row, 3);
	d->max_daily_dose = med_db_row_double(row, 4);
	d->high_alert = med_db_row_int64(row, 5) != 0;
	d->updated_ms = med_db_row_int64(row, 6);
	d->revision = (uint32_t)med_db_row_int64(row, 7);
	return d->code && d->name && d->unit ? MED_OK : MED_ERR_NOMEM;
}

typedef struct upsert_ctx {
	const Smartmed__Dosage__V1__Drug *in;
	drug_rows rows;
} upsert_ctx;

static med_err
upsert_tx(med_db_conn *c, void *arg)
{
	upsert_ctx *u = arg;
	const Smartmed__Dosage__V1__Drug *d = u->in;
	med_db_value v[] = {
		MED_DB_STR(d->code),
		MED_DB_STR(d->name),
		MED_DB_STR(d->unit),
		MED_DB_DBL(d->max_single_dose),
		MED_DB_DBL(d->max_daily_dose),
		MED_DB_I64(d->high_alert ? 1 : 0),
		MED_DB_I64(med_now_ms()),
	};
	med_db_value key[] = {MED_DB_STR(d->code)};
	med_err err = med_db_exec(
		c,
		"INSERT INTO drugs (" DRUG_COLUMNS ")"
		" VALUES (?, ?, ?, ?, ?, ?, ?, 1)"
		" ON DUPLICATE KEY UPDATE name = VALUES(name),"
		" unit = VALUES(unit),"
		" max_single_dose = VALUES(max_single_dose),"
		" max_daily_dose = VALUES(max_daily_dose),"
		" high_alert = VALUES(high_alert),"
		" updated_ms = VALUES(updated_ms), revision = revision + 1",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);

	if (err != MED_OK)
		return err;
	u->rows.n = 0;
	return med_db_query(c,
			    "SELECT " DRUG_COLUMNS " FROM drugs WHERE code = ?",
			    key, 1, on_drug_row, &u->rows);
}

med_err
dosage_store_upsert(med_db *db, med_arena *arena,
		    const Smartmed__Dosage__V1__Drug *d,
		    Smartmed__Dosage__V1__Drug *out)
{
	upsert_ctx u = {.in = d, .rows = {.arena = arena}};
	med_err err = med_db_tx(db, upsert_tx, &u);

	if (err != MED_OK)
		return err;
	if (u.rows.n != 1)
		return MED_ERR_INTERNAL;
	*out = *u.rows.items[0];
	return MED_OK;
}

med_err
dosage_store_get(med_db *db, med_arena *arena, const char *code,
		 Smartmed__Dosage__V1__Drug *out)
{
	drug_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(code)};
	med_err err = med_db_query_once(
		db, "SELECT " DRUG_COLUMNS " FROM drugs WHERE code = ?", v, 1,
		on_drug_row, &rows);

	if (err != MED_OK)
		return err;
	if (rows.n == 0)
		return MED_ERR_NOT_FOUND;
	*out = *rows.items[0];
	return MED_OK;
}

med_err
dosage_store_list(med_db *db, med_arena *arena, const char *name_prefix,
		  uint64_t offset, uint32_t limit,
		  Smartmed__Dosage__V1__Drug ***out, size_t *n)
{
	drug_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(name_prefix), MED_DB_STR(name_prefix),
			    MED_DB_I64(limit), MED_DB_I64((int64_t)offset)};
	/* LOCATE, not LIKE: a prefix typed by a user may hold % or _. */
	med_err err = med_db_query_once(db,
					"SELECT " DRUG_COLUMNS " FROM drugs"
					" WHERE (? = '' OR LOCATE(?, name) = 1)"
					" ORDER BY code LIMIT ? OFFSET ?",
					v, 4, on_drug_row, &rows);

	if (err != MED_OK)
		return err;
	*out = rows.items;
	*n = rows.n;
	return MED_OK;
}
