/*
 * db_util.c - conveniences over the pool for the common one-statement case,
 * and the collecting of rows into protobuf messages that every store's
 * reads share (the SQL and the column reads stay in the store).
 */
#include <med/arena.h>
#include <med/db.h>

#include <stdio.h>
#include <string.h>

med_err
med_db_query_once(med_db *db, const char *sql, const med_db_value *params,
		  size_t n_params, med_db_row_fn on_row, void *ctx)
{
	med_db_conn *c;
	med_err err = med_db_acquire(db, &c);

	if (err != MED_OK)
		return err;
	err = med_db_query(c, sql, params, n_params, on_row, ctx);
	med_db_release(c);
	return err;
}

med_err
med_db_exec_once(med_db *db, const char *sql, const med_db_value *params,
		 size_t n_params, uint64_t *affected, uint64_t *insert_id)
{
	med_db_conn *c;
	med_err err = med_db_acquire(db, &c);

	if (err != MED_OK)
		return err;
	err = med_db_exec(c, sql, params, n_params, affected, insert_id);
	med_db_release(c);
	return err;
}

char *
med_db_row_strdup(struct med_arena *arena, const med_db_row *row, size_t col)
{
	const char *s = med_db_row_text(row, col, NULL);

	return med_arena_strdup(arena, s ? s : "");
}

med_err
med_db_msg_row(void *ctx, const med_db_row *row)
{
	med_db_msgs *m = ctx;
	void *msg = med_arena_push_msg(m->arena, &m->items, &m->n, &m->cap,
				       m->desc);

	return msg ? m->map(m->ctx, m->arena, row, msg) : MED_ERR_NOMEM;
}

/* first_of ends a read of one row: the first message the query added to
 * m (which may hold messages of earlier reads), NOT_FOUND when it added
 * none. */
static med_err
first_of(med_err err, const med_db_msgs *m, size_t before, void **out)
{
	if (err != MED_OK)
		return err;
	if (m->n == before)
		return MED_ERR_NOT_FOUND;
	*out = m->items[before];
	return MED_OK;
}

med_err
med_db_query_one(med_db_conn *c, const char *sql, const med_db_value *params,
		 size_t n_params, med_db_msgs *m, void **out)
{
	size_t before = m->n;

	return first_of(
		med_db_query(c, sql, params, n_params, med_db_msg_row, m), m,
		before, out);
}

med_err
med_db_query_one_once(med_db *db, const char *sql, const med_db_value *params,
		      size_t n_params, med_db_msgs *m, void **out)
{
	size_t before = m->n;

	return first_of(
		med_db_query_once(db, sql, params, n_params, med_db_msg_row, m),
		m, before, out);
}

/* row_seen - the caller's row function, and whether it saw a row. */
typedef struct row_seen {
	med_db_row_fn on_row;
	void *ctx;
	bool seen;
} row_seen;

static med_err
on_seen_row(void *ctx, const med_db_row *row)
{
	row_seen *r = ctx;

	r->seen = true;
	return r->on_row(r->ctx, row);
}

static med_err
seen_or_not_found(med_err err, const row_seen *r)
{
	return err == MED_OK && !r->seen ? MED_ERR_NOT_FOUND : err;
}

med_err
med_db_row_take_int64(void *ctx, const med_db_row *row)
{
	*(int64_t *)ctx = med_db_row_int64(row, 0);
	return MED_OK;
}

med_err
med_db_query_row(med_db_conn *c, const char *sql, const med_db_value *params,
		 size_t n_params, med_db_row_fn on_row, void *ctx)
{
	row_seen r = {on_row, ctx, false};

	return seen_or_not_found(
		med_db_query(c, sql, params, n_params, on_seen_row, &r), &r);
}

med_err
med_db_query_row_once(med_db *db, const char *sql, const med_db_value *params,
		      size_t n_params, med_db_row_fn on_row, void *ctx)
{
	row_seen r = {on_row, ctx, false};

	return seen_or_not_found(
		med_db_query_once(db, sql, params, n_params, on_seen_row, &r),
		&r);
}

/* table_state - what information_schema says of one table's collations. */
typedef struct table_state {
	bool found;
	bool default_bin;  /* the table's default is utf8mb4_bin */
	int64_t n_non_bin; /* text columns that compare otherwise */
} table_state;

static med_err
on_table_state(void *ctx, const med_db_row *row)
{
	table_state *t = ctx;
	const char *coll = med_db_row_text(row, 0, NULL);

	t->found = true;
	t->default_bin = coll != NULL && strcmp(coll, "utf8mb4_bin") == 0;
	t->n_non_bin = med_db_row_int64(row, 1);
	return MED_OK;
}

static bool
plain_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

med_err
med_db_table_bin(med_db_conn *c, const char *table)
{
	table_state t = {0};
	med_db_value v = MED_DB_STR(table ? table : "");
	char sql[160];
	med_err err;

	if (!plain_name(table))
		return MED_ERR_INVALID;
	err = med_db_query(
		c,
		"SELECT t.TABLE_COLLATION, (SELECT COUNT(*)"
		" FROM information_schema.COLUMNS k"
		" WHERE k.TABLE_SCHEMA = t.TABLE_SCHEMA"
		" AND k.TABLE_NAME = t.TABLE_NAME"
		" AND k.COLLATION_NAME <> 'utf8mb4_bin')"
		" FROM information_schema.TABLES t"
		" WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?",
		&v, 1, on_table_state, &t);
	if (err != MED_OK || !t.found || (t.default_bin && t.n_non_bin == 0))
		return err;
	/* Only a text column's conversion rewrites the table. */
	snprintf(
		sql, sizeof(sql), "ALTER TABLE %s %s", table,
		t.n_non_bin > 0
			? "CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
			: "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
	return med_db_exec(c, sql, NULL, 0, NULL, NULL);
}
