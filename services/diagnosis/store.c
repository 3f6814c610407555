/*
 * store.c - the diagnosis service's SQL: migrations and the conditions
 * (current row in conditions, every version in condition_versions).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <string.h>

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

#define DIAGNOSIS_VERSION_COLUMNS                                              \
	" abatement_date VARCHAR(10) NOT NULL DEFAULT '',"                     \
	" version INT UNSIGNED NOT NULL DEFAULT 1,"                            \
	" updated_by VARCHAR(128) NOT NULL DEFAULT '',"                        \
	" updated_ms BIGINT NOT NULL DEFAULT 0,"                               \
	" finding_id VARCHAR(36) NOT NULL DEFAULT '',"                         \
	" change_reason VARCHAR(2000) NOT NULL DEFAULT ''"

static const char *const v2_statements[] = {
	"ALTER TABLE conditions ADD COLUMN IF NOT EXISTS "
	"(" DIAGNOSIS_VERSION_COLUMNS ")",
	"UPDATE conditions SET updated_by = recorded_by,"
	" updated_ms = recorded_ms WHERE updated_ms = 0",
	"CREATE TABLE IF NOT EXISTS condition_versions ("
	" condition_id CHAR(36) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" code_system VARCHAR(32) NOT NULL,"
	" code VARCHAR(32) NOT NULL,"
	" display VARCHAR(200) NOT NULL,"
	" clinical_status TINYINT NOT NULL,"
	" verification_status TINYINT NOT NULL,"
	" onset_date VARCHAR(10) NOT NULL,"
	" recorded_by VARCHAR(128) NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" note TEXT NOT NULL," DIAGNOSIS_VERSION_COLUMNS ","
	" PRIMARY KEY (condition_id, version)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"INSERT IGNORE INTO condition_versions SELECT * FROM conditions",
	"CREATE TABLE IF NOT EXISTS care_plans ("
	" care_plan_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" title VARCHAR(200) NOT NULL,"
	" status TINYINT NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" updated_by VARCHAR(128) NOT NULL,"
	" updated_ms BIGINT NOT NULL,"
	" KEY idx_care_plans_patient (patient_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS care_plan_conditions ("
	" care_plan_id CHAR(36) NOT NULL,"
	" idx SMALLINT NOT NULL,"
	" condition_id CHAR(36) NOT NULL,"
	" PRIMARY KEY (care_plan_id, idx),"
	" KEY idx_cpc_condition (condition_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS care_plan_items ("
	" care_plan_id CHAR(36) NOT NULL,"
	" kind CHAR(1) NOT NULL," /* 'G' goal, 'A' activity */
	" idx SMALLINT NOT NULL,"
	" description VARCHAR(2000) NOT NULL,"
	" status TINYINT NOT NULL,"
	" item_date VARCHAR(10) NOT NULL,"
	" PRIMARY KEY (care_plan_id, kind, idx)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS findings ("
	" finding_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" status TINYINT NOT NULL,"
	" model_id VARCHAR(64) NOT NULL,"
	" model_version VARCHAR(32) NOT NULL,"
	" model_sha256 CHAR(64) NOT NULL,"
	" backend VARCHAR(32) NOT NULL,"
	" device VARCHAR(8) NOT NULL,"
	" device_fallback TINYINT NOT NULL,"
	" labels TEXT NOT NULL,"
	" probabilities TEXT NOT NULL,"
	" image_sha256 CHAR(64) NOT NULL,"
	" image_format VARCHAR(8) NOT NULL,"
	" image_width INT UNSIGNED NOT NULL,"
	" image_height INT UNSIGNED NOT NULL,"
	" requested_by VARCHAR(128) NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" decided_by VARCHAR(128) NOT NULL,"
	" decided_ms BIGINT NOT NULL,"
	" decision_note TEXT NOT NULL,"
	" condition_id VARCHAR(36) NOT NULL,"
	" KEY idx_findings_patient (patient_id, created_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/*
 * Identifiers compare byte for byte (issue 31): the tables were made
 * utf8mb4_unicode_ci or in the server's latin1 default, which fold case
 * and accents, so one user's, patient's or code's key matched another's.
 */
static const char *const v3_statements[] = {
	MED_DB_TO_BIN("conditions"),
	MED_DB_TO_BIN("condition_versions"),
	MED_DB_TO_BIN("care_plans"),
	MED_DB_TO_BIN("care_plan_conditions"),
	MED_DB_TO_BIN("care_plan_items"),
	MED_DB_TO_BIN("findings"),
	NULL,
};

/* Where AnalyzeStudy's image came from (issue 38; "" for AnalyzeImage)
 * and the occlusion saliency overlay of every new finding. */
static const char *const v28_statements[] = {
	"ALTER TABLE findings"
	" ADD COLUMN IF NOT EXISTS study_instance_uid VARCHAR(64) NOT NULL "
	"DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS series_instance_uid VARCHAR(64) NOT NULL "
	"DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS sop_instance_uid VARCHAR(64) NOT NULL "
	"DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS accession_number VARCHAR(64) NOT NULL "
	"DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS overlay_png MEDIUMBLOB NULL",
	"CREATE INDEX IF NOT EXISTS findings_study ON findings "
	"(study_instance_uid)",
	NULL,
};

/* What became of writing the overlay back to the PACS (issue 38 item 5),
 * kept with the finding so that whoever reads it later learns whether and
 * where the Secondary Capture went; 0 (unspecified) for older findings. */
#define WRITEBACK_UID_COLUMN                                                   \
	" VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"               \
	" NOT NULL DEFAULT ''"
static const char *const v31_statements[] = {
	"ALTER TABLE findings"
	" ADD COLUMN IF NOT EXISTS pacs_writeback TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS "
	"writeback_series_instance_uid" WRITEBACK_UID_COLUMN ","
	" ADD COLUMN IF NOT EXISTS "
	"writeback_sop_instance_uid" WRITEBACK_UID_COLUMN ","
	" ADD COLUMN IF NOT EXISTS writeback_error VARCHAR(512)"
	" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS writeback_ms BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/* cxr: the operating point each finding was decided at (opoint.c), as
 * JSON (read back whole, never queried by value). */
static const char *const v32_statements[] = {
	"ALTER TABLE findings"
	" ADD COLUMN IF NOT EXISTS operating_point VARCHAR(1024)"
	" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL",
	/* The write-back's retries (stow_retry.c): attempts so far and when
	 * the next is due, found by the retrier through the index. */
	"ALTER TABLE findings"
	" ADD COLUMN IF NOT EXISTS writeback_attempts INT UNSIGNED NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS writeback_next_ms BIGINT NOT NULL DEFAULT 0",
	"CREATE INDEX IF NOT EXISTS findings_writeback_due"
	" ON findings (pacs_writeback, writeback_next_ms)",
	NULL,
};

/* issue 49: an export narrowed to some condition codes seeks each code's
 * conditions in the export's order (store_export.c). */
static const char *const v33_statements[] = {
	"CREATE INDEX IF NOT EXISTS idx_conditions_code"
	" ON conditions (patient_id, code, recorded_ms, condition_id)",
	NULL,
};

const med_db_migration diagnosis_migrations[] = {
	{1, "conditions: the problem list", v1_statements},
	{2, "condition versions, care plans, AI findings", v2_statements},
	{3, "identifiers compare in binary (utf8mb4_bin)", v3_statements},
	{28, "findings name their PACS study and keep a saliency overlay",
	 v28_statements},
	/* imgtrig: the PACS watcher's place in the change feed (watch.c),
	 * unread since the watcher analyses requested studies only. */
	{30, "the PACS change feed's last change taken",
	 diagnosis_v30_statements},
	{31, "findings keep what became of their PACS write-back",
	 v31_statements},
	{32, "findings keep their operating point and write-back retries",
	 v32_statements},
	{33, "conditions are found by code in export order", v33_statements},
	/* The studies the PACS watcher is asked to analyse (watch_request.c).
	 */
	{34, "the studies requested of the PACS watcher",
	 diagnosis_v34_statements},
};
const size_t diagnosis_n_migrations =
	sizeof(diagnosis_migrations) / sizeof(diagnosis_migrations[0]);

#define CONDITION_COLUMNS                                                      \
	"condition_id, patient_id, code_system, code, display,"                \
	" clinical_status, verification_status, onset_date, recorded_by,"      \
	" recorded_ms, note, abatement_date, version, updated_by,"             \
	" updated_ms, finding_id, change_reason"
#define CONDITION_MARKS "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

/* map_condition maps one row into a diagnosis_condition (a med_db_map_fn). */
static med_err
map_condition(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	diagnosis_condition *c = msg;

	(void)ctx;
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
	c->abatement_date = med_db_row_strdup(a, row, 11);
	c->version = (uint32_t)med_db_row_int64(row, 12);
	c->updated_by = med_db_row_strdup(a, row, 13);
	c->updated_ms = med_db_row_int64(row, 14);
	c->finding_id = med_db_row_strdup(a, row, 15);
	c->change_reason = med_db_row_strdup(a, row, 16);
	if (!c->condition_id || !c->patient_id || !c->code_system || !c->code ||
	    !c->display || !c->onset_date || !c->recorded_by || !c->note ||
	    !c->abatement_date || !c->updated_by || !c->finding_id ||
	    !c->change_reason)
		return MED_ERR_NOMEM;
	return MED_OK;
}

#define CONDITION_ROWS(a)                                                      \
	MED_DB_MSGS((a), &smartmed__diagnosis__v1__condition__descriptor,      \
		    map_condition, NULL)

static med_err
insert_into(med_db_conn *conn, const char *sql, const diagnosis_condition *c)
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
		MED_DB_STR(c->abatement_date),
		MED_DB_I64(c->version),
		MED_DB_STR(c->updated_by),
		MED_DB_I64(c->updated_ms),
		MED_DB_STR(c->finding_id),
		MED_DB_STR(c->change_reason),
	};

	return med_db_exec(conn, sql, v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
diagnosis_store_insert(med_db_conn *conn, const diagnosis_condition *c)
{
	med_err err = insert_into(conn,
				  "INSERT INTO conditions (" CONDITION_COLUMNS
				  ") VALUES (" CONDITION_MARKS ")",
				  c);

	if (err != MED_OK)
		return err;
	return insert_into(conn,
			   "INSERT INTO condition_versions (" CONDITION_COLUMNS
			   ") VALUES (" CONDITION_MARKS ")",
			   c);
}

med_err
diagnosis_store_get(med_db_conn *conn, med_arena *arena, const char *id,
		    bool for_update, diagnosis_condition **out)
{
	med_db_msgs rows = CONDITION_ROWS(arena);
	med_db_value v[] = {MED_DB_STR(id)};

	return med_db_query_one(
		conn,
		for_update ? "SELECT " CONDITION_COLUMNS " FROM conditions"
			     " WHERE condition_id = ? FOR UPDATE"
			   : "SELECT " CONDITION_COLUMNS " FROM conditions"
			     " WHERE condition_id = ?",
		v, 1, &rows, (void **)out);
}

/* The current row is replaced whole; the version row keeps the old one. */
med_err
diagnosis_store_update(med_db_conn *conn, const diagnosis_condition *c)
{
	med_db_value v[] = {
		MED_DB_STR(c->display),
		MED_DB_I64(c->clinical_status),
		MED_DB_I64(c->verification_status),
		MED_DB_STR(c->onset_date),
		MED_DB_STR(c->note),
		MED_DB_STR(c->abatement_date),
		MED_DB_I64(c->version),
		MED_DB_STR(c->updated_by),
		MED_DB_I64(c->updated_ms),
		MED_DB_STR(c->change_reason),
		MED_DB_STR(c->condition_id),
		MED_DB_I64((int64_t)c->version - 1),
	};
	uint64_t affected = 0;
	med_err err = med_db_exec(
		conn,
		"UPDATE conditions SET display = ?, clinical_status = ?,"
		" verification_status = ?, onset_date = ?, note = ?,"
		" abatement_date = ?, version = ?, updated_by = ?,"
		" updated_ms = ?, change_reason = ?"
		" WHERE condition_id = ? AND version = ?",
		v, sizeof(v) / sizeof(v[0]), &affected, NULL);

	if (err != MED_OK)
		return err;
	if (affected != 1)
		return MED_ERR_CONFLICT;
	return insert_into(conn,
			   "INSERT INTO condition_versions (" CONDITION_COLUMNS
			   ") VALUES (" CONDITION_MARKS ")",
			   c);
}

med_err
diagnosis_store_history(med_db *db, med_arena *arena, const char *id,
			diagnosis_condition ***out, size_t *n)
{
	med_db_msgs rows = CONDITION_ROWS(arena);
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_once(db,
					"SELECT " CONDITION_COLUMNS
					" FROM condition_versions"
					" WHERE condition_id = ?"
					" ORDER BY version",
					v, 1, med_db_msg_row, &rows);

	if (err != MED_OK)
		return err;
	*out = (diagnosis_condition **)rows.items;
	*n = rows.n;
	return MED_OK;
}

med_err
diagnosis_store_list(med_db *db, med_arena *arena, const char *patient_id,
		     uint64_t offset, uint32_t limit,
		     diagnosis_condition ***out, size_t *n)
{
	med_db_msgs rows = CONDITION_ROWS(arena);
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_err err = med_db_query_once(
		db,
		"SELECT " CONDITION_COLUMNS " FROM conditions"
		" WHERE patient_id = ?"
		" ORDER BY recorded_ms DESC, condition_id LIMIT ? OFFSET ?",
		v, 3, med_db_msg_row, &rows);

	if (err != MED_OK)
		return err;
	*out = (diagnosis_condition **)rows.items;
	*n = rows.n;
	return MED_OK;
}
