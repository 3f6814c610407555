/*
 * face_models.c - after an embedder change (MED_FACE_EMBEDDER) the rows
 * of the old model stay in face_templates, encrypted with their own model
 * name in the associated data.  They are skipped, never compared: scores of
 * two models are not on one scale, and the old threshold means nothing for
 * the new one.  An operator must learn of them, so identity logs them at
 * start; docs/operations.md has the re-enrolment procedure.
 */
#include <med/log.h>

#include "face_models.h"
#include "face.h"

typedef struct report_ctx {
	const char *current;
	int64_t *n;
} report_ctx;

static med_err
report_row(void *ctx, const med_db_row *row)
{
	report_ctx *x = ctx;
	const char *model = med_db_row_text(row, 0, NULL);
	int64_t templates = med_db_row_int64(row, 1);
	int64_t patients = med_db_row_int64(row, 2);

	*x->n += templates;
	med_log_warn("identity: %lld face templates of %lld patients were made "
		     "by model %s, not %s: they are ignored (not searched, "
		     "not verified); re-enrol those patients "
		     "(docs/operations.md, face model upgrade)",
		     (long long)templates, (long long)patients,
		     model ? model : "?", x->current);
	return MED_OK;
}

med_err
identity_face_models_report(med_db *db, const char *model, int64_t *n)
{
	report_ctx x = {model, n};
	med_db_value cur = MED_DB_STR(model);
	int64_t tables = 0;
	med_err err;

	*n = 0;
	/* A new database is migrated after start: no table, nothing old. */
	err = med_db_query_once(db,
				"SELECT COUNT(*) FROM information_schema.tables"
				" WHERE table_schema = DATABASE() AND"
				" table_name = 'face_templates'",
				NULL, 0, med_db_row_take_int64, &tables);
	if (err != MED_OK || tables == 0)
		return err;
	return med_db_query_once(db,
				 "SELECT model, COUNT(*), COUNT(DISTINCT "
				 "patient_id) FROM face_templates WHERE "
				 "model <> ? GROUP BY model ORDER BY model",
				 &cur, 1, report_row, &x);
}
