/*
 * db_util.c - conveniences over the pool for the common one-statement case.
 */
#include <med/arena.h>
#include <med/db.h>

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
