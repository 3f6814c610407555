/*
 * sync.c - the face change log's SQL (tables in store.c's migration 4).
 *
 * Why a counter row rather than AUTO_INCREMENT: InnoDB hands out
 * AUTO_INCREMENT values at INSERT time, not at commit, so a transaction
 * that took 10 can commit after one that took 11; a reader that saw 11
 * and moved past it would never see 10.  Bumping one counter row instead
 * takes that row's lock, held to commit, so writers of the log commit one
 * after the other in seq order and a rolled-back transaction gives its
 * number back: the log is dense and every prefix of it is final.  The
 * price is that face enrolments and erasures serialise on that row for
 * the last moment of their transaction, a few milliseconds, at the rate
 * people enrol faces.
 */
#include <med/log.h>

#include <string.h>

#include "sync.h"

med_err
identity_changes_record(med_db_conn *c, const char *patient_id, const char *op,
			uint32_t n_templates, int64_t now_ms)
{
	med_db_value v[] = {
		MED_DB_STR(patient_id),
		MED_DB_STR(op),
		MED_DB_I64((int64_t)n_templates),
		MED_DB_I64(now_ms),
	};
	med_err err = med_db_exec(c,
				  "UPDATE face_index_clock SET seq = seq + 1"
				  " WHERE id = 1",
				  NULL, 0, NULL, NULL);

	if (err != MED_OK)
		return err;
	return med_db_exec(c,
			   "INSERT INTO face_template_changes (seq,"
			   " patient_id, op, n_templates, created_ms)"
			   " SELECT seq, ?, ?, ?, ? FROM face_index_clock"
			   " WHERE id = 1",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
identity_changes_clock(med_db *db, int64_t *clock)
{
	int64_t seq = -1;
	med_err err = med_db_query_once(
		db, "SELECT seq FROM face_index_clock WHERE id = 1", NULL, 0,
		med_db_row_take_int64, &seq);

	if (err != MED_OK)
		return err;
	if (seq < 0) {
		med_log_error("identity: face_index_clock has no row");
		return MED_ERR_INTERNAL;
	}
	*clock = seq;
	return MED_OK;
}

typedef struct after_ctx {
	identity_change *out;
	size_t max, n;
	int64_t clock;
} after_ctx;

static med_err
change_row(void *ctx, const med_db_row *row)
{
	after_ctx *x = ctx;
	const char *pid = med_db_row_text(row, 2, NULL);

	x->clock = med_db_row_int64(row, 0);
	if (med_db_row_is_null(row, 1))
		return MED_OK; /* the LEFT JOIN's row when nothing is new */
	if (x->n == x->max || pid == NULL)
		return MED_ERR_INTERNAL;
	x->out[x->n].seq = med_db_row_int64(row, 1);
	med_strlcpy(x->out[x->n].patient_id, pid,
		    sizeof(x->out[x->n].patient_id));
	x->n++;
	return MED_OK;
}

med_err
identity_changes_after(med_db *db, int64_t after, identity_change *out,
		       size_t max, size_t *n, int64_t *clock)
{
	after_ctx x = {out, max, 0, -1};
	med_db_value v[] = {MED_DB_I64(after), MED_DB_I64((int64_t)max)};
	med_err err;

	/* One statement, so the counter and the rows come from one read
	 * view: rows up to the counter are all there unless pruned. */
	err = med_db_query_once(db,
				"SELECT k.seq, c.seq, c.patient_id FROM"
				" face_index_clock k LEFT JOIN"
				" face_template_changes c ON c.seq > ?"
				" WHERE k.id = 1 ORDER BY c.seq LIMIT ?",
				v, 2, change_row, &x);
	if (err != MED_OK)
		return err;
	if (x.clock < 0) {
		med_log_error("identity: face_index_clock has no row");
		return MED_ERR_INTERNAL;
	}
	*n = x.n;
	*clock = x.clock;
	return MED_OK;
}

med_err
identity_changes_prune(med_db *db, int64_t before_ms, uint64_t *n)
{
	med_db_value v = MED_DB_I64(before_ms);

	return med_db_exec_once(db,
				"DELETE FROM face_template_changes WHERE"
				" created_ms < ? LIMIT 10000",
				&v, 1, n, NULL);
}
