/*
 * store.c - the identity service's SQL: the patients table.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/log.h>
#include <med/names.h>

#include <stdio.h>
#include <string.h>

#include "identity.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS patients ("
	" patient_id CHAR(36) NOT NULL PRIMARY KEY,"
	" mrn VARCHAR(64) NOT NULL,"
	" family_name VARCHAR(200) NOT NULL,"
	" given_name VARCHAR(200) NOT NULL DEFAULT '',"
	" birth_date DATE NOT NULL,"
	" sex TINYINT NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" updated_ms BIGINT NOT NULL,"
	" UNIQUE KEY uk_patients_mrn (mrn),"
	" KEY idx_patients_name (family_name, given_name, patient_id),"
	" KEY idx_patients_birth (birth_date)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* Face templates: the embedding is stored only encrypted (templates.c);
 * the patient and template ids are its associated data. */
static const char *const v2_statements[] = {
	"CREATE TABLE IF NOT EXISTS face_templates ("
	" template_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" model VARCHAR(64) NOT NULL,"
	" dim INT NOT NULL,"
	" nonce VARBINARY(24) NOT NULL,"
	" ciphertext MEDIUMBLOB NOT NULL,"
	" quality DOUBLE NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" KEY idx_face_templates_patient (patient_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* Demographic versions and reversible links.  linked_to on patients is the
 * active link's survivor, kept there so that reads and searches need no
 * join; patient_links is the history.  Existing rows get their version 1. */
static const char *const v3_statements[] = {
	"ALTER TABLE patients"
	" ADD COLUMN IF NOT EXISTS version INT UNSIGNED NOT NULL DEFAULT 1,"
	" ADD COLUMN IF NOT EXISTS linked_to CHAR(36) NULL,"
	" ADD KEY IF NOT EXISTS idx_patients_linked (linked_to)",
	"CREATE TABLE IF NOT EXISTS patient_versions ("
	" patient_id CHAR(36) NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" mrn VARCHAR(64) NOT NULL,"
	" family_name VARCHAR(200) NOT NULL,"
	" given_name VARCHAR(200) NOT NULL DEFAULT '',"
	" birth_date DATE NOT NULL,"
	" sex TINYINT NOT NULL,"
	" changed_fields VARCHAR(200) NOT NULL DEFAULT '',"
	" changed_by VARCHAR(128) NOT NULL DEFAULT '',"
	" changed_ms BIGINT NOT NULL,"
	" reason VARCHAR(2000) NOT NULL DEFAULT '',"
	" PRIMARY KEY (patient_id, version)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"INSERT IGNORE INTO patient_versions (patient_id, version, mrn,"
	" family_name, given_name, birth_date, sex, changed_fields, changed_by,"
	" changed_ms, reason)"
	" SELECT patient_id, 1, mrn, family_name, given_name, birth_date, sex,"
	" '', '', created_ms, 'registered' FROM patients",
	"CREATE TABLE IF NOT EXISTS patient_links ("
	" link_id CHAR(36) NOT NULL PRIMARY KEY,"
	" survivor_id CHAR(36) NOT NULL,"
	" merged_id CHAR(36) NOT NULL,"
	" reason VARCHAR(2000) NOT NULL,"
	" linked_by VARCHAR(128) NOT NULL,"
	" linked_ms BIGINT NOT NULL,"
	" unlinked_by VARCHAR(128) NOT NULL DEFAULT '',"
	" unlinked_ms BIGINT NOT NULL DEFAULT 0,"
	" unlink_reason VARCHAR(2000) NOT NULL DEFAULT '',"
	" active TINYINT NOT NULL DEFAULT 1,"
	" KEY idx_links_survivor (survivor_id, active),"
	" KEY idx_links_merged (merged_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* The face change log that keeps replicas' in-memory indexes in step
 * (sync.c): one counter row whose lock orders the writers, and one row per
 * enrolment or erasure, pruned by age. */
static const char *const v4_statements[] = {
	"CREATE TABLE IF NOT EXISTS face_index_clock ("
	" id TINYINT NOT NULL PRIMARY KEY,"
	" seq BIGINT NOT NULL"
	") ENGINE=InnoDB",
	"INSERT IGNORE INTO face_index_clock (id, seq) VALUES (1, 0)",
	"CREATE TABLE IF NOT EXISTS face_template_changes ("
	" seq BIGINT NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" op VARCHAR(16) NOT NULL,"
	" n_templates INT NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" KEY idx_face_changes_created (created_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* Patient administration (encounter_store.c): encounters with their
 * current state, every version (the location history comes from these),
 * and the care team with each member's period. */
static const char *const v5_statements[] = {
	"CREATE TABLE IF NOT EXISTS encounters ("
	" encounter_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" class TINYINT NOT NULL,"
	" status TINYINT NOT NULL,"
	" ward VARCHAR(64) NOT NULL,"
	" bed VARCHAR(32) NOT NULL DEFAULT '',"
	" attending VARCHAR(128) NOT NULL,"
	" start_ms BIGINT NOT NULL,"
	" end_ms BIGINT NOT NULL DEFAULT 0,"
	" location_ms BIGINT NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" reason VARCHAR(2000) NOT NULL DEFAULT '',"
	" discharged_by VARCHAR(128) NOT NULL DEFAULT '',"
	" KEY idx_encounters_patient (patient_id, start_ms),"
	" KEY idx_encounters_open (patient_id, status, end_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS encounter_versions ("
	" encounter_id CHAR(36) NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" event VARCHAR(16) NOT NULL,"
	" status TINYINT NOT NULL,"
	" ward VARCHAR(64) NOT NULL,"
	" bed VARCHAR(32) NOT NULL,"
	" attending VARCHAR(128) NOT NULL,"
	" changed_by VARCHAR(128) NOT NULL,"
	" effective_ms BIGINT NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" reason VARCHAR(2000) NOT NULL DEFAULT '',"
	" PRIMARY KEY (encounter_id, version)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS encounter_participants ("
	" seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" encounter_id CHAR(36) NOT NULL,"
	" user VARCHAR(128) NOT NULL,"
	" role TINYINT NOT NULL,"
	" start_ms BIGINT NOT NULL,"
	" end_ms BIGINT NOT NULL DEFAULT 0,"
	" KEY idx_participants_encounter (encounter_id, end_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* Break-glass grants (break_glass_store.c): one row per grant, kept after
 * it ends or expires (ended_ms, ended_by) so that the review sees them. */
static const char *const v6_statements[] = {
	"CREATE TABLE IF NOT EXISTS break_glass_grants ("
	" grant_id CHAR(32) NOT NULL PRIMARY KEY,"
	" user VARCHAR(128) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" reason VARCHAR(32) NOT NULL,"
	" justification VARCHAR(2000) NOT NULL DEFAULT '',"
	" start_ms BIGINT NOT NULL,"
	" expires_ms BIGINT NOT NULL,"
	" ended_ms BIGINT NOT NULL DEFAULT 0,"
	" ended_by VARCHAR(128) NOT NULL DEFAULT '',"
	" KEY idx_bg_user_patient (user, patient_id, ended_ms, expires_ms),"
	" KEY idx_bg_patient (patient_id, start_ms),"
	" KEY idx_bg_start (start_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* The lookup scope (IDENTITY_SCOPE_RELATED) reads the open encounters and
 * those finished since the discharge window began, of every patient: by
 * status and end, not by patient; and a user's team places by user. */
static const char *const v7_statements[] = {
	"ALTER TABLE encounters"
	" ADD KEY IF NOT EXISTS idx_encounters_status (status, end_ms)",
	"ALTER TABLE encounter_participants"
	" ADD KEY IF NOT EXISTS idx_participants_user (user, end_ms)",
	NULL,
};

/* The per-user rate limit of StartBreakGlass counts a user's grants of the
 * last hour (identity_bg_store_count_since). */
static const char *const v8_statements[] = {
	"ALTER TABLE break_glass_grants"
	" ADD KEY IF NOT EXISTS idx_bg_user_start (user, start_ms)",
	NULL,
};

/*
 * Identifiers compare byte for byte (issue 31): the tables were made
 * utf8mb4_unicode_ci or in the server's latin1 default, which fold case
 * and accents, so one user's, patient's or code's key matched another's.
 * The names that SearchPatients and CheckDuplicates look up stay
 * utf8mb4_unicode_ci on purpose: "muller" finds "Müller".
 */
static const char *const v9_statements[] = {
	MED_DB_TO_BIN("patients"),
	"ALTER TABLE patients"
	" MODIFY family_name VARCHAR(200) NOT NULL COLLATE utf8mb4_unicode_ci,"
	" MODIFY given_name VARCHAR(200) NOT NULL DEFAULT ''"
	" COLLATE utf8mb4_unicode_ci",
	MED_DB_TO_BIN("face_templates"),
	MED_DB_TO_BIN("patient_versions"),
	MED_DB_TO_BIN("patient_links"),
	MED_DB_DEFAULT_BIN("face_index_clock"),
	MED_DB_TO_BIN("face_template_changes"),
	MED_DB_TO_BIN("encounters"),
	MED_DB_TO_BIN("encounter_versions"),
	MED_DB_TO_BIN("encounter_participants"),
	MED_DB_TO_BIN("break_glass_grants"),
	NULL,
};

/* What tells a copy of a photograph (face/copies.c): the enrolment
 * photograph's SHA-256 and copy hash beside its template, and the
 * patient's recent VerifyFace photographs as the same two hashes. */
static const char *const v10_statements[] = {
	"ALTER TABLE face_templates"
	" ADD COLUMN IF NOT EXISTS photo_sha256 BINARY(32) NULL,"
	" ADD COLUMN IF NOT EXISTS copyhash BINARY(32) NULL",
	"CREATE TABLE IF NOT EXISTS face_probe_copies ("
	" patient_id CHAR(36) NOT NULL,"
	" at_ms BIGINT NOT NULL,"
	" photo_sha256 BINARY(32) NOT NULL,"
	" copyhash BINARY(32) NOT NULL,"
	" KEY idx_face_probe_copies (patient_id, at_ms)"
	") ENGINE=InnoDB " MED_DB_BIN,
	NULL,
};

/* The copy hash of the landmark-aligned face chip (face/copies.c) beside
 * the whole-crop one; NULL in rows written before it. */
static const char *const v30_statements[] = {
	"ALTER TABLE face_templates"
	" ADD COLUMN IF NOT EXISTS chiphash BINARY(32) NULL",
	"ALTER TABLE face_probe_copies"
	" ADD COLUMN IF NOT EXISTS chiphash BINARY(32) NULL",
	NULL,
};

/* The time of death (issue 47): on the patient and in each demographic
 * version.  0 / 0 is alive; deceased 1 with deceased_ms 0 is a death
 * whose time is not known. */
static const char *const v31_statements[] = {
	"ALTER TABLE patients"
	" ADD COLUMN IF NOT EXISTS deceased TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS deceased_ms BIGINT NOT NULL DEFAULT 0",
	"ALTER TABLE patient_versions"
	" ADD COLUMN IF NOT EXISTS deceased TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS deceased_ms BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/* A name's pinyin search key (med_name_key: "wangfang" for 王芳), written
 * with the name so that SearchPatients' name_prefix finds "wang fang"
 * with an index; rows written before it are keyed at start
 * (identity_store_key_names). */
static const char *const v35_statements[] = {
	"ALTER TABLE patients"
	" ADD COLUMN IF NOT EXISTS name_pinyin VARCHAR(2400) NULL"
	" COLLATE utf8mb4_bin,"
	" ADD KEY IF NOT EXISTS idx_patients_pinyin (name_pinyin(64))",
	NULL,
};

/* The bedside hold (bedside_hold.c): a patient's last bedside check that
 * did not identify them, which dosage reads before an identity override
 * (docs/face.md, "A non-match never becomes an override"). */
static const char *const v36_statements[] = {
	"CREATE TABLE IF NOT EXISTS bedside_unconfirmed ("
	" patient_id CHAR(36) NOT NULL PRIMARY KEY,"
	" outcome VARCHAR(16) NOT NULL,"
	" terminal VARCHAR(64) NOT NULL,"
	" at_ms BIGINT NOT NULL,"
	" KEY idx_bedside_unconfirmed_at (at_ms)"
	") ENGINE=InnoDB " MED_DB_BIN,
	NULL,
};

/* The face watch's camera (face/watch.c): the camera that took the
 * photograph of the face answer, for the figures by camera; '' in rows
 * written before it and when the request named none. */
static const char *const v38_statements[] = {
	"ALTER TABLE face_watch"
	" ADD COLUMN IF NOT EXISTS camera VARCHAR(64) NOT NULL DEFAULT ''",
	NULL,
};

/* The face watch (face/watch.c): the last face answer per terminal and
 * patient, which a stated check at that terminal follows up. */
static const char *const v34_statements[] = {
	"CREATE TABLE IF NOT EXISTS face_watch ("
	" terminal VARCHAR(64) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" outcome VARCHAR(16) NOT NULL,"
	" at_ms BIGINT NOT NULL,"
	" PRIMARY KEY (terminal, patient_id),"
	" KEY idx_face_watch_at (at_ms)"
	") ENGINE=InnoDB " MED_DB_BIN,
	NULL,
};

/* The retake band's memory (face/retakes.c): a patient whose VerifyFace
 * photograph scored just short of the threshold, and when. */
static const char *const v27_statements[] = {
	"CREATE TABLE IF NOT EXISTS face_retakes ("
	" patient_id CHAR(36) NOT NULL PRIMARY KEY,"
	" asked_ms BIGINT NOT NULL"
	") ENGINE=InnoDB " MED_DB_BIN,
	NULL,
};

/* The ward census (issue 37): a ward's open stays, read by ward and
 * status rather than by patient. */
static const char *const v29_statements[] = {
	"ALTER TABLE encounters"
	" ADD KEY IF NOT EXISTS idx_encounters_ward (ward, status, bed)",
	NULL,
};

const med_db_migration identity_migrations[] = {
	{1, "patients: the master patient index", v1_statements},
	{2, "face_templates: encrypted face templates", v2_statements},
	{3, "patient_versions, patient_links: history and reversible merges",
	 v3_statements},
	{4, "face_index_clock, face_template_changes: face index sync",
	 v4_statements},
	{5,
	 "encounters, encounter_versions, encounter_participants:"
	 " patient administration",
	 v5_statements},
	{6, "break_glass_grants: emergency access to one patient",
	 v6_statements},
	{7, "encounters, encounter_participants: indexes for the lookup scope",
	 v7_statements},
	{8, "break_glass_grants: index of a user's grants by start",
	 v8_statements},
	{9, "identifiers compare in binary (utf8mb4_bin), names as before",
	 v9_statements},
	{10, "face_probe_copies and photograph hashes: copies refused",
	 v10_statements},
	{27, "face_retakes: a second photograph after a near miss",
	 v27_statements},
	{29, "encounters: index of a ward's open stays (the census)",
	 v29_statements},
	{30, "face chip copy hashes: screen replays and prints refused",
	 v30_statements},
	{31, "patients, patient_versions: the time of death", v31_statements},
	{34, "face_watch: face answers a stated check follows up",
	 v34_statements},
	{35, "patients: the name's pinyin search key", v35_statements},
	{36, "bedside_unconfirmed: checks that did not identify the patient",
	 v36_statements},
	{38, "face_watch: the camera of the face answer", v38_statements},
};
const size_t identity_n_migrations =
	sizeof(identity_migrations) / sizeof(identity_migrations[0]);

#define PATIENT_COLUMNS                                                        \
	"patient_id, mrn, family_name, given_name,"                            \
	" DATE_FORMAT(birth_date, '%Y-%m-%d'), sex, created_ms, updated_ms,"   \
	" version, IFNULL(linked_to, ''), deceased, deceased_ms"

static med_err
insert_version(med_db_conn *c, const identity_patient *p, const char *changed,
	       const char *by, const char *reason)
{
	med_db_value v[] = {
		MED_DB_STR(p->patient_id),
		MED_DB_I64(p->version),
		MED_DB_STR(p->mrn),
		MED_DB_STR(p->family_name),
		MED_DB_STR(p->given_name),
		MED_DB_STR(p->birth_date),
		MED_DB_I64(p->sex),
		MED_DB_STR(changed),
		MED_DB_STR(by),
		MED_DB_I64(p->updated_ms),
		MED_DB_STR(reason),
		MED_DB_I64(p->deceased),
		MED_DB_I64(p->deceased_ms),
	};

	return med_db_exec(c,
			   "INSERT INTO patient_versions (patient_id, version,"
			   " mrn, family_name, given_name, birth_date, sex,"
			   " changed_fields, changed_by, changed_ms, reason,"
			   " deceased, deceased_ms)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

/* insert_row stores p with its name's pinyin key. */
static med_err
insert_row(med_db_conn *c, const identity_patient *p, const char *key)
{
	med_db_value v[] = {
		MED_DB_STR(p->patient_id),
		MED_DB_STR(p->mrn),
		MED_DB_STR(p->family_name),
		MED_DB_STR(p->given_name),
		MED_DB_STR(key),
		MED_DB_STR(p->birth_date),
		MED_DB_I64(p->sex),
		MED_DB_I64(p->created_ms),
		MED_DB_I64(p->updated_ms),
		MED_DB_I64(p->version),
	};

	return med_db_exec(c,
			   "INSERT INTO patients (patient_id, mrn, family_name,"
			   " given_name, name_pinyin, birth_date, sex,"
			   " created_ms, updated_ms, version)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
identity_store_insert_tx(med_db_conn *c, const identity_patient *p,
			 const char *by)
{
	char key[MED_NAME_KEY_MAX];
	med_err err;

	(void)med_name_key(key, sizeof(key), p->family_name, p->given_name);
	err = insert_row(c, p, key);
	return err != MED_OK ? err : insert_version(c, p, "", by, "registered");
}

/* update_row writes p's demographics with its name's pinyin key. */
static med_err
update_row(med_db_conn *c, const identity_patient *p, const char *key)
{
	med_db_value v[] = {
		MED_DB_STR(p->mrn),	   MED_DB_STR(p->family_name),
		MED_DB_STR(p->given_name), MED_DB_STR(key),
		MED_DB_STR(p->birth_date), MED_DB_I64(p->sex),
		MED_DB_I64(p->updated_ms), MED_DB_I64(p->version),
		MED_DB_I64(p->deceased),   MED_DB_I64(p->deceased_ms),
		MED_DB_STR(p->patient_id),
	};

	return med_db_exec(
		c,
		"UPDATE patients SET mrn = ?, family_name = ?,"
		" given_name = ?, name_pinyin = ?, birth_date = ?,"
		" sex = ?, updated_ms = ?, version = ?, deceased = ?,"
		" deceased_ms = ? WHERE patient_id = ?",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
identity_store_update(med_db_conn *c, const identity_patient *p,
		      const char *changed, const char *by, const char *reason)
{
	char key[MED_NAME_KEY_MAX];
	med_err err;

	(void)med_name_key(key, sizeof(key), p->family_name, p->given_name);
	err = update_row(c, p, key);
	return err != MED_OK ? err : insert_version(c, p, changed, by, reason);
}

/* map_patient maps a row of PATIENT_COLUMNS (a med_db_map_fn). */
static med_err
map_patient(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	Smartmed__Identity__V1__Patient *p = msg;

	(void)ctx;
	p->patient_id = med_db_row_strdup(a, row, 0);
	p->mrn = med_db_row_strdup(a, row, 1);
	p->family_name = med_db_row_strdup(a, row, 2);
	p->given_name = med_db_row_strdup(a, row, 3);
	p->birth_date = med_db_row_strdup(a, row, 4);
	p->sex = (Smartmed__Identity__V1__AdministrativeSex)med_db_row_int64(
		row, 5);
	p->created_ms = med_db_row_int64(row, 6);
	p->updated_ms = med_db_row_int64(row, 7);
	p->version = (uint32_t)med_db_row_int64(row, 8);
	p->linked_to = med_db_row_strdup(a, row, 9);
	p->deceased = med_db_row_int64(row, 10) != 0;
	p->deceased_ms = med_db_row_int64(row, 11);
	if (!p->linked_to || !p->patient_id || !p->mrn || !p->family_name ||
	    !p->given_name || !p->birth_date)
		return MED_ERR_NOMEM;
	return identity_patient_named(a, p);
}

/* PATIENT_ROWS collects rows of PATIENT_COLUMNS as Patient messages. */
#define PATIENT_ROWS(a)                                                        \
	MED_DB_MSGS((a), &smartmed__identity__v1__patient__descriptor,         \
		    map_patient, NULL)

med_err
identity_store_get(med_db *db, med_arena *arena, const char *column,
		   const char *key, Smartmed__Identity__V1__Patient *out)
{
	med_db_msgs rows = PATIENT_ROWS(arena);
	identity_patient *p;
	med_db_value v[] = {MED_DB_STR(key)};
	const char *sql = strcmp(column, "mrn") == 0
				  ? "SELECT " PATIENT_COLUMNS
				    " FROM patients WHERE mrn = ?"
				  : "SELECT " PATIENT_COLUMNS
				    " FROM patients WHERE patient_id = ?";
	med_err err = med_db_query_one_once(db, sql, v, 1, &rows, (void **)&p);

	if (err == MED_OK)
		*out = *p;
	return err;
}

/* like_prefix escapes LIKE's wildcards in s and appends %. */
static char *
like_prefix(med_arena *a, const char *s)
{
	char *out = med_arena_alloc(a, strlen(s) * 2 + 2), *o = out;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

/* like_word is like_prefix for a word after a space ("% word%"): a
 * second given name. */
static char *
like_word(med_arena *a, const char *s)
{
	char *p = like_prefix(a, s);

	return p != NULL ? med_arena_sprintf(a, "%% %s", p) : NULL;
}

/* The search's criteria; each is skipped when empty, so one statement
 * serves all combinations and stays a prepared, cached statement.  A name
 * prefix matches the family name or any given name, or the whole name:
 * in characters (family then given name, "王芳") for a query with Han
 * characters, by its pinyin key ("wangfang") for any other; the one that
 * does not apply gets an empty pattern and is skipped. */
#define SEARCH_WHERE                                                           \
	" WHERE (? = '' OR p.family_name LIKE ?)"                              \
	" AND (? = '' OR p.birth_date = ?)"                                    \
	" AND (? = '' OR p.mrn = ?)"                                           \
	" AND (? = 1 OR p.linked_to IS NULL)"                                  \
	" AND (? = '' OR p.family_name LIKE ? OR p.given_name LIKE ?"          \
	"      OR p.given_name LIKE ?"                                         \
	"      OR (? <> '' AND CONCAT(p.family_name, p.given_name) LIKE ?)"    \
	"      OR (? <> '' AND p.name_pinyin LIKE ?))"
#define SEARCH_ORDER	  " ORDER BY p.family_name, p.given_name, p.patient_id"
#define SEARCH_N_CRITERIA 15

/* name_patterns makes the whole-name patterns of a name prefix: the
 * characters' (han) or the pinyin key's (pinyin); the other is "". */
static med_err
name_patterns(med_arena *a, const char *prefix, char **han, char **pinyin)
{
	char key[MED_NAME_KEY_MAX];
	bool is_han = med_name_has_han(prefix);

	*han = like_prefix(a, is_han ? prefix : "");
	(void)med_name_key(key, sizeof(key), is_han ? "" : prefix, NULL);
	*pinyin = like_prefix(a, key);
	if (*han == NULL || *pinyin == NULL)
		return MED_ERR_NOMEM;
	/* like_prefix's "%" alone would match every name. */
	if (!is_han || prefix[0] == '\0')
		(*han)[0] = '\0';
	if (key[0] == '\0')
		(*pinyin)[0] = '\0';
	return MED_OK;
}

med_err
identity_store_search(med_db *db, med_arena *arena, const identity_scope *scope,
		      const Smartmed__Identity__V1__SearchPatientsRequest *req,
		      uint64_t offset, uint32_t limit,
		      Smartmed__Identity__V1__Patient ***out, size_t *n)
{
	med_db_msgs rows = PATIENT_ROWS(arena);
	char *pattern = like_prefix(arena, req->family_name_prefix);
	char *name = like_prefix(arena, req->name_prefix);
	char *word = like_word(arena, req->name_prefix);
	char *han = NULL, *pinyin = NULL;
	med_err err = name_patterns(arena, req->name_prefix, &han, &pinyin);
	med_db_value v[SEARCH_N_CRITERIA + IDENTITY_SCOPE_N_VALUES + 2] = {
		MED_DB_STR(req->family_name_prefix),
		MED_DB_STR(pattern ? pattern : ""),
		MED_DB_STR(req->birth_date),
		MED_DB_STR(req->birth_date),
		MED_DB_STR(req->mrn),
		MED_DB_STR(req->mrn),
		MED_DB_I64(req->include_merged ? 1 : 0),
		MED_DB_STR(req->name_prefix),
		MED_DB_STR(name ? name : ""),
		MED_DB_STR(name ? name : ""),
		MED_DB_STR(word ? word : ""),
		MED_DB_STR(han ? han : ""),
		MED_DB_STR(han ? han : ""),
		MED_DB_STR(pinyin ? pinyin : ""),
		MED_DB_STR(pinyin ? pinyin : ""),
	};
	size_t k = SEARCH_N_CRITERIA;

	if (err != MED_OK || pattern == NULL || name == NULL || word == NULL)
		return MED_ERR_NOMEM;
	/* Out of scope is filtered in the statement, so that pages and
	 * their next-page tokens count only patients the caller may see. */
	if (!scope->whole) {
		identity_scope_values(scope, v + k);
		k += IDENTITY_SCOPE_N_VALUES;
	}
	v[k++] = MED_DB_I64((int64_t)limit);
	v[k++] = MED_DB_I64((int64_t)offset);
	err = med_db_query_once(
		db,
		scope->whole ? "SELECT " PATIENT_COLUMNS
			       " FROM patients p" SEARCH_WHERE SEARCH_ORDER
			       " LIMIT ? OFFSET ?"
			     : "SELECT " PATIENT_COLUMNS
			       " FROM patients p" SEARCH_WHERE
			       " AND " IDENTITY_SCOPE_SQL SEARCH_ORDER
			       " LIMIT ? OFFSET ?",
		v, k, med_db_msg_row, &rows);
	if (err != MED_OK)
		return err;
	*out = (identity_patient **)rows.items;
	*n = rows.n;
	return MED_OK;
}

med_err
identity_store_lock(med_db_conn *c, med_arena *a, const char *id,
		    identity_patient *out)
{
	med_db_msgs rows = PATIENT_ROWS(a);
	med_db_value v[] = {MED_DB_STR(id)};
	identity_patient *p;
	med_err err =
		med_db_query_one(c,
				 "SELECT " PATIENT_COLUMNS " FROM patients"
				 " WHERE patient_id = ? FOR UPDATE",
				 v, 1, &rows, (void **)&p);

	if (err == MED_OK)
		*out = *p;
	return err;
}

/*
 * Blocking: only records sharing a birth date variant, the family name
 * (the column's collation folds case and accents) or the MRN are scored,
 * which keeps a check to a few index range scans.
 */
med_err
identity_store_block(med_db *db, med_arena *a, const identity_demo *probe,
		     identity_patient ***out, size_t *n)
{
	med_db_msgs rows = PATIENT_ROWS(a);
	char d[4][IDENTITY_DATE_BUF];
	size_t nd = identity_birth_variants(probe->birth_date, d);
	med_db_value v[7];
	med_err err;

	for (size_t i = 0; i < 4; i++)
		v[i] = MED_DB_STR(i < nd ? d[i] : d[0]);
	v[4] = MED_DB_STR(probe->family_name);
	v[5] = MED_DB_STR(probe->mrn);
	v[6] = MED_DB_I64(IDENTITY_BLOCK_LIMIT);
	if (nd == 0)
		return MED_ERR_INVALID;
	err = med_db_query_once(db,
				"SELECT " PATIENT_COLUMNS " FROM patients"
				" WHERE (birth_date IN (?, ?, ?, ?)"
				" OR family_name = ? OR mrn = ?)"
				" AND linked_to IS NULL"
				" ORDER BY patient_id LIMIT ?",
				v, sizeof(v) / sizeof(v[0]), med_db_msg_row,
				&rows);
	if (err != MED_OK)
		return err;
	*out = (identity_patient **)rows.items;
	*n = rows.n;
	return MED_OK;
}

/* --- history and links ------------------------------------------------ */

/* split_fields turns "a,b" into an arena array of strings. */
static med_err
split_fields(med_arena *a, const char *csv,
	     Smartmed__Identity__V1__PatientVersion *v)
{
	size_t n = 1;
	char *copy = med_arena_strdup(a, csv), *p;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	if (*copy == '\0')
		return MED_OK;
	for (p = copy; *p; p++)
		n += *p == ',';
	v->changed_fields = med_arena_zalloc(a, n * sizeof(char *));
	if (v->changed_fields == NULL)
		return MED_ERR_NOMEM;
	v->changed_fields[v->n_changed_fields++] = copy;
	for (p = copy; *p; p++) {
		if (*p != ',')
			continue;
		*p = '\0';
		v->changed_fields[v->n_changed_fields++] = p + 1;
	}
	return MED_OK;
}

/* map_version maps a row of patient_versions (a med_db_map_fn). */
static med_err
map_version(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	Smartmed__Identity__V1__PatientVersion *v = msg;

	(void)ctx;
	v->version = (uint32_t)med_db_row_int64(row, 0);
	v->mrn = med_db_row_strdup(a, row, 1);
	v->family_name = med_db_row_strdup(a, row, 2);
	v->given_name = med_db_row_strdup(a, row, 3);
	v->birth_date = med_db_row_strdup(a, row, 4);
	v->sex = (Smartmed__Identity__V1__AdministrativeSex)med_db_row_int64(
		row, 5);
	v->changed_by = med_db_row_strdup(a, row, 7);
	v->changed_ms = med_db_row_int64(row, 8);
	v->reason = med_db_row_strdup(a, row, 9);
	v->deceased = med_db_row_int64(row, 10) != 0;
	v->deceased_ms = med_db_row_int64(row, 11);
	if (!v->mrn || !v->family_name || !v->given_name || !v->birth_date ||
	    !v->changed_by || !v->reason)
		return MED_ERR_NOMEM;
	return split_fields(a, med_db_row_text(row, 6, NULL), v);
}

#define VERSION_ROWS(a)                                                        \
	MED_DB_MSGS((a), &smartmed__identity__v1__patient_version__descriptor, \
		    map_version, NULL)

#define LINK_COLUMNS                                                           \
	"link_id, survivor_id, merged_id, reason, linked_by, linked_ms,"       \
	" unlinked_by, unlinked_ms, unlink_reason, active"

/* map_link maps a row of LINK_COLUMNS (a med_db_map_fn). */
static med_err
map_link(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	identity_link *l = msg;

	(void)ctx;
	l->link_id = med_db_row_strdup(a, row, 0);
	l->survivor_id = med_db_row_strdup(a, row, 1);
	l->merged_id = med_db_row_strdup(a, row, 2);
	l->reason = med_db_row_strdup(a, row, 3);
	l->linked_by = med_db_row_strdup(a, row, 4);
	l->linked_ms = med_db_row_int64(row, 5);
	l->unlinked_by = med_db_row_strdup(a, row, 6);
	l->unlinked_ms = med_db_row_int64(row, 7);
	l->unlink_reason = med_db_row_strdup(a, row, 8);
	l->active = med_db_row_int64(row, 9) != 0;
	if (!l->link_id || !l->survivor_id || !l->merged_id || !l->reason ||
	    !l->linked_by || !l->unlinked_by || !l->unlink_reason)
		return MED_ERR_NOMEM;
	return MED_OK;
}

#define LINK_ROWS(a)                                                           \
	MED_DB_MSGS((a), &smartmed__identity__v1__patient_link__descriptor,    \
		    map_link, NULL)

med_err
identity_store_history(med_db *db, med_arena *a, const char *id,
		       Smartmed__Identity__V1__PatientHistoryResponse *out)
{
	med_db_msgs vr = VERSION_ROWS(a);
	med_db_msgs lr = LINK_ROWS(a);
	med_db_value v[] = {MED_DB_STR(id), MED_DB_STR(id)};
	med_err err = med_db_query_once(
		db,
		"SELECT version, mrn, family_name, given_name,"
		" DATE_FORMAT(birth_date, '%Y-%m-%d'), sex, changed_fields,"
		" changed_by, changed_ms, reason, deceased, deceased_ms"
		" FROM patient_versions"
		" WHERE patient_id = ? ORDER BY version",
		v, 1, med_db_msg_row, &vr);

	if (err != MED_OK)
		return err;
	err = med_db_query_once(db,
				"SELECT " LINK_COLUMNS " FROM patient_links"
				" WHERE survivor_id = ? OR merged_id = ?"
				" ORDER BY linked_ms, link_id",
				v, 2, med_db_msg_row, &lr);
	if (err != MED_OK)
		return err;
	out->versions = (Smartmed__Identity__V1__PatientVersion **)vr.items;
	out->n_versions = vr.n;
	out->links = (identity_link **)lr.items;
	out->n_links = lr.n;
	return MED_OK;
}

med_err
identity_store_active_links(med_db_conn *c, const char *id, int64_t *n)
{
	med_db_value v[] = {MED_DB_STR(id)};

	*n = 0;
	return med_db_query(c,
			    "SELECT COUNT(*) FROM patient_links"
			    " WHERE survivor_id = ? AND active = 1",
			    v, 1, med_db_row_take_int64, n);
}

typedef struct id_rows {
	med_arena *arena;
	char **items; /* NULL: only the deaths are wanted */
	size_t n;
	identity_death *death;
} id_rows;

/* The records merged into a survivor (idx_patients_linked: the records
 * whose active link names it) and their deaths. */
#define MERGED_SQL                                                             \
	"SELECT patient_id, deceased, deceased_ms FROM patients"               \
	" WHERE linked_to = ? ORDER BY patient_id"

static med_err
on_id_row(void *ctx, const med_db_row *row)
{
	id_rows *r = ctx;
	char *id;

	if (r->n == IDENTITY_MERGED_MAX)
		return MED_OK;
	if ((id = med_db_row_strdup(r->arena, row, 0)) == NULL)
		return MED_ERR_NOMEM;
	if (r->items != NULL)
		r->items[r->n] = id;
	r->n++;
	identity_death_join(r->death, id, med_db_row_int64(row, 1) != 0,
			    med_db_row_int64(row, 2));
	return MED_OK;
}

med_err
identity_store_merged_ids(med_db *db, med_arena *arena, const char *id,
			  char ***out, size_t *n, identity_death *death)
{
	id_rows r = {.arena = arena, .death = death};
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err;

	r.items = med_arena_alloc(arena, IDENTITY_MERGED_MAX * sizeof(char *));
	if (r.items == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query_once(db, MERGED_SQL, v, 1, on_id_row, &r);
	if (err != MED_OK)
		return err;
	*out = r.items;
	*n = r.n;
	return MED_OK;
}

med_err
identity_store_merged_deaths(med_db_conn *c, med_arena *arena, const char *id,
			     identity_death *death)
{
	id_rows r = {.arena = arena, .death = death};
	med_db_value v[] = {MED_DB_STR(id)};

	return med_db_query(c, MERGED_SQL, v, 1, on_id_row, &r);
}

/* One statement asks for the dead merged records of this many survivors
 * of a search page (within MED_DB_MAX_PARAMS). */
#define DEATHS_PER_QUERY 48

/* The deaths of one chunk of a search page: the patients and what their
 * merged records add. */
typedef struct page_deaths {
	identity_patient **p;
	identity_death *d;
	size_t n;
	med_arena *arena;
} page_deaths;

static med_err
on_page_death(void *ctx, const med_db_row *row)
{
	page_deaths *x = ctx;
	const char *survivor = med_db_row_text(row, 0, NULL);
	char *id;

	for (size_t i = 0; survivor != NULL && i < x->n; i++) {
		if (strcmp(x->p[i]->patient_id, survivor) != 0)
			continue;
		if ((id = med_db_row_strdup(x->arena, row, 1)) == NULL)
			return MED_ERR_NOMEM;
		identity_death_join(&x->d[i], id, true,
				    med_db_row_int64(row, 2));
	}
	return MED_OK;
}

/* chunk_deaths joins the deaths of the records merged into p[0..n) (n at
 * most DEATHS_PER_QUERY, none of them merged) into each. */
static med_err
chunk_deaths(med_db *db, med_arena *arena, identity_patient **p, size_t n)
{
	identity_death d[DEATHS_PER_QUERY];
	med_db_value v[DEATHS_PER_QUERY];
	page_deaths x = {p, d, n, arena};
	char sql[160 + 3 * DEATHS_PER_QUERY];
	size_t off;
	med_err err;

	off = (size_t)snprintf(sql, sizeof(sql),
			       "SELECT linked_to, patient_id, deceased_ms"
			       " FROM patients WHERE deceased = 1"
			       " AND linked_to IN (");
	for (size_t i = 0; i < n; i++) {
		identity_death_own(&d[i], p[i]);
		v[i] = MED_DB_STR(p[i]->patient_id);
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s?",
					i ? "," : "");
	}
	snprintf(sql + off, sizeof(sql) - off, ")");
	if ((err = med_db_query_once(db, sql, v, n, on_page_death, &x)) !=
	    MED_OK)
		return err;
	for (size_t i = 0; i < n; i++)
		identity_death_apply(p[i], &d[i]);
	return MED_OK;
}

med_err
identity_store_page_deaths(med_db *db, med_arena *arena, identity_patient **p,
			   size_t n)
{
	identity_patient *chunk[DEATHS_PER_QUERY];
	size_t k = 0;
	med_err err;

	for (size_t i = 0; i < n; i++) {
		if (p[i]->linked_to[0] != '\0')
			continue; /* a merged record answers for itself */
		chunk[k++] = p[i];
		if (k == DEATHS_PER_QUERY) {
			if ((err = chunk_deaths(db, arena, chunk, k)) != MED_OK)
				return err;
			k = 0;
		}
	}
	return k > 0 ? chunk_deaths(db, arena, chunk, k) : MED_OK;
}

med_err
identity_store_link_insert(med_db_conn *c, const identity_link *l)
{
	med_db_value v[] = {
		MED_DB_STR(l->link_id),	  MED_DB_STR(l->survivor_id),
		MED_DB_STR(l->merged_id), MED_DB_STR(l->reason),
		MED_DB_STR(l->linked_by), MED_DB_I64(l->linked_ms),
	};
	med_db_value u[] = {MED_DB_STR(l->survivor_id),
			    MED_DB_STR(l->merged_id)};
	med_err err = med_db_exec(c,
				  "INSERT INTO patient_links (link_id,"
				  " survivor_id, merged_id, reason, linked_by,"
				  " linked_ms) VALUES (?, ?, ?, ?, ?, ?)",
				  v, sizeof(v) / sizeof(v[0]), NULL, NULL);

	if (err != MED_OK)
		return err;
	return med_db_exec(c,
			   "UPDATE patients SET linked_to = ?"
			   " WHERE patient_id = ?",
			   u, 2, NULL, NULL);
}

med_err
identity_store_link_lock(med_db_conn *c, med_arena *a, const char *id,
			 identity_link *out)
{
	med_db_msgs lr = LINK_ROWS(a);
	med_db_value v[] = {MED_DB_STR(id)};
	identity_link *l;
	med_err err =
		med_db_query_one(c,
				 "SELECT " LINK_COLUMNS " FROM patient_links"
				 " WHERE link_id = ? FOR UPDATE",
				 v, 1, &lr, (void **)&l);

	if (err == MED_OK)
		*out = *l;
	return err;
}

med_err
identity_store_link_undo(med_db_conn *c, const identity_link *l)
{
	med_db_value v[] = {
		MED_DB_STR(l->unlinked_by), MED_DB_I64(l->unlinked_ms),
		MED_DB_STR(l->unlink_reason), MED_DB_STR(l->link_id)};
	med_db_value u[] = {MED_DB_STR(l->merged_id)};
	med_err err = med_db_exec(c,
				  "UPDATE patient_links SET unlinked_by = ?,"
				  " unlinked_ms = ?, unlink_reason = ?,"
				  " active = 0 WHERE link_id = ?",
				  v, 4, NULL, NULL);

	if (err != MED_OK)
		return err;
	return med_db_exec(c,
			   "UPDATE patients SET linked_to = NULL"
			   " WHERE patient_id = ?",
			   u, 1, NULL, NULL);
}
