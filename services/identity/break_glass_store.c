/*
 * break_glass_store.c - the SQL of break-glass grants (migration 6 in
 * store.c).  A grant is active while ended_ms is 0 and expires_ms is in the
 * future; nothing is ever deleted.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>

#include <string.h>

#include "identity.h"

#define GRANT_COLUMNS                                                          \
	"grant_id, user, patient_id, reason, justification, start_ms,"         \
	" expires_ms, ended_ms, ended_by"

/* map_grant maps a row of GRANT_COLUMNS (a med_db_map_fn); ctx points to
 * the time (ms) that decides whether the grant is active. */
static med_err
map_grant(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	const int64_t *now_ms = ctx;
	identity_bg_grant *g = msg;

	g->grant_id = med_db_row_strdup(a, row, 0);
	g->user = med_db_row_strdup(a, row, 1);
	g->patient_id = med_db_row_strdup(a, row, 2);
	g->reason = med_db_row_strdup(a, row, 3);
	g->justification = med_db_row_strdup(a, row, 4);
	g->start_ms = med_db_row_int64(row, 5);
	g->expires_ms = med_db_row_int64(row, 6);
	g->ended_ms = med_db_row_int64(row, 7);
	g->ended_by = med_db_row_strdup(a, row, 8);
	g->active = g->ended_ms == 0 && g->expires_ms > *now_ms;
	if (!g->grant_id || !g->user || !g->patient_id || !g->reason ||
	    !g->justification || !g->ended_by)
		return MED_ERR_NOMEM;
	return MED_OK;
}

#define GRANT_ROWS(a, now_ms)                                                  \
	MED_DB_MSGS((a),                                                       \
		    &smartmed__identity__v1__break_glass_grant__descriptor,    \
		    map_grant, (now_ms))

med_err
identity_bg_active_for(med_db *db, med_arena *a, const char *user,
		       const char *patient_id, int64_t now_ms,
		       identity_bg_grant **out)
{
	med_db_msgs rows = GRANT_ROWS(a, &now_ms);
	med_db_value v[] = {MED_DB_STR(user), MED_DB_STR(patient_id),
			    MED_DB_I64(now_ms)};

	return med_db_query_one_once(
		db,
		"SELECT " GRANT_COLUMNS " FROM break_glass_grants"
		" WHERE user = ? AND patient_id IN " IDENTITY_FAMILY_OF_ID
		" AND ended_ms = 0 AND expires_ms > ?"
		" ORDER BY expires_ms DESC LIMIT 1",
		v, 3, &rows, (void **)out);
}

med_err
identity_bg_store_insert(med_db_conn *c, const identity_bg_grant *g)
{
	med_db_value v[] = {
		MED_DB_STR(g->grant_id),      MED_DB_STR(g->user),
		MED_DB_STR(g->patient_id),    MED_DB_STR(g->reason),
		MED_DB_STR(g->justification), MED_DB_I64(g->start_ms),
		MED_DB_I64(g->expires_ms),
	};

	return med_db_exec(c,
			   "INSERT INTO break_glass_grants (grant_id, user,"
			   " patient_id, reason, justification, start_ms,"
			   " expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
identity_bg_store_count_since(med_db_conn *c, const char *user,
			      int64_t since_ms, int64_t *n)
{
	med_db_value v[] = {MED_DB_STR(user), MED_DB_I64(since_ms)};

	/* FOR UPDATE locks the user's range of idx_bg_user_start, so that two
	 * starts of one user at once are counted one after the other (the
	 * later one retries on the deadlock and counts the earlier). */
	return med_db_query(c,
			    "SELECT COUNT(*) FROM break_glass_grants"
			    " WHERE user = ? AND start_ms > ? FOR UPDATE",
			    v, 2, med_db_row_take_int64, n);
}

med_err
identity_bg_store_lock(med_db_conn *c, med_arena *a, const char *id,
		       int64_t now_ms, identity_bg_grant **out)
{
	med_db_msgs rows = GRANT_ROWS(a, &now_ms);
	med_db_value v[] = {MED_DB_STR(id)};

	return med_db_query_one(c,
				"SELECT " GRANT_COLUMNS
				" FROM break_glass_grants"
				" WHERE grant_id = ? FOR UPDATE",
				v, 1, &rows, (void **)out);
}

med_err
identity_bg_store_end(med_db_conn *c, const char *id, const char *by,
		      int64_t t_ms)
{
	med_db_value v[] = {MED_DB_I64(t_ms), MED_DB_STR(by), MED_DB_STR(id)};

	return med_db_exec(c,
			   "UPDATE break_glass_grants SET ended_ms = ?,"
			   " ended_by = ? WHERE grant_id = ? AND ended_ms = 0",
			   v, 3, NULL, NULL);
}

med_err
identity_bg_store_list(med_db *db, med_arena *a, const identity_bg_filter *f,
		       uint64_t offset, uint32_t limit,
		       identity_bg_grant ***out, size_t *n)
{
	int64_t now_ms = f->now_ms;
	med_db_msgs rows = GRANT_ROWS(a, &now_ms);
	med_db_value v[] = {
		MED_DB_STR(f->user ? f->user : ""),
		MED_DB_STR(f->user ? f->user : ""),
		MED_DB_STR(f->patient_id ? f->patient_id : ""),
		MED_DB_STR(f->patient_id ? f->patient_id : ""),
		MED_DB_I64(f->include_ended ? 1 : 0),
		MED_DB_I64(f->now_ms),
		MED_DB_I64((int64_t)limit),
		MED_DB_I64((int64_t)offset),
	};
	med_err err = med_db_query_once(
		db,
		"SELECT " GRANT_COLUMNS " FROM break_glass_grants"
		" WHERE (? = '' OR user = ?)"
		" AND (? = '' OR patient_id IN " IDENTITY_FAMILY_OF_ID ")"
		" AND (? = 1 OR (ended_ms = 0 AND expires_ms > ?))"
		" ORDER BY start_ms DESC, grant_id LIMIT ? OFFSET ?",
		v, sizeof(v) / sizeof(v[0]), med_db_msg_row, &rows);

	if (err != MED_OK)
		return err;
	*out = (identity_bg_grant **)rows.items;
	*n = rows.n;
	return MED_OK;
}
