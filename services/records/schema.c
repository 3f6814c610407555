/*
 * schema.c - the records service's tables, as migrations (applied in
 * order by libmed's med_db_migrate at start-up).  entries holds one row
 * per version; entry_heads and chain_heads index the latest version of
 * each entry and of each patient's chain; attachments holds document
 * bytes once per SHA-256; device_readings and note_suggestions belong to
 * store_readings.c and store_suggest.c.
 */
#include <med/db.h>

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

/*
 * Version 2: status, links, signing, addenda, typed content and the hash
 * chain.  Rows of version 1 keep their hash formula (hash_alg 1) and are
 * chained the first time their patient's chain is touched.
 */
static const char *const v2_statements[] = {
	"ALTER TABLE entries"
	" ADD COLUMN IF NOT EXISTS status TINYINT NOT NULL DEFAULT 2,"
	" ADD COLUMN IF NOT EXISTS replaces INT UNSIGNED NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS reason TEXT NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS locked TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS signed_by VARCHAR(128) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS signed_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS addendum MEDIUMTEXT NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS content MEDIUMBLOB NULL,"
	" ADD COLUMN IF NOT EXISTS hash_alg TINYINT NOT NULL DEFAULT 1,"
	" ADD COLUMN IF NOT EXISTS chain_seq BIGINT UNSIGNED NULL,"
	" ADD COLUMN IF NOT EXISTS prev_hash CHAR(64) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS chain_hash CHAR(64) NOT NULL DEFAULT '',"
	" ADD UNIQUE KEY IF NOT EXISTS uq_entries_chain (patient_id, "
	"chain_seq)",
	"CREATE TABLE IF NOT EXISTS entry_heads ("
	" entry_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" kind TINYINT NOT NULL,"
	" author VARCHAR(128) NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" latest_version INT UNSIGNED NOT NULL,"
	" KEY idx_heads_patient (patient_id, created_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"INSERT IGNORE INTO entry_heads"
	" (entry_id, patient_id, kind, author, created_ms, latest_version)"
	" SELECT f.entry_id, f.patient_id, f.kind, f.author, f.created_ms,"
	" (SELECT MAX(l.version) FROM entries l WHERE l.entry_id = f.entry_id)"
	" FROM entries f WHERE f.version = 1",
	"CREATE TABLE IF NOT EXISTS chain_heads ("
	" patient_id CHAR(36) NOT NULL PRIMARY KEY,"
	" seq BIGINT UNSIGNED NOT NULL,"
	" head_hash CHAR(64) NOT NULL"
	") ENGINE=InnoDB DEFAULT CHARSET=ascii",
	"CREATE TABLE IF NOT EXISTS attachments ("
	" sha256 CHAR(64) NOT NULL PRIMARY KEY,"
	" size BIGINT UNSIGNED NOT NULL,"
	" data LONGBLOB NOT NULL,"
	" created_ms BIGINT NOT NULL"
	") ENGINE=InnoDB",
	NULL,
};

/* Version 3: lists read version 1 rows of a patient in time order. */
static const char *const v3_statements[] = {
	"ALTER TABLE entries ADD KEY IF NOT EXISTS idx_entries_first"
	" (patient_id, version, created_ms, entry_id)",
	NULL,
};

/*
 * Identifiers compare byte for byte (issue 31): the tables were made
 * utf8mb4_unicode_ci or in the server's latin1 default, which fold case
 * and accents, so one user's, patient's or code's key matched another's.
 */
static const char *const v4_statements[] = {
	MED_DB_TO_BIN("entries"),
	MED_DB_TO_BIN("entry_heads"),
	MED_DB_TO_BIN("chain_heads"),
	MED_DB_TO_BIN("attachments"),
	NULL,
};

/*
 * Version 6 (fhirwrite; 5 is the stores helper's): the device readings
 * written through RecordDeviceReadings, one row per reading identifier,
 * so that a reading sent again answers the first (store_readings.c).
 */
static const char *const v6_statements[] = {
	"CREATE TABLE IF NOT EXISTS device_readings ("
	" identifier_system VARCHAR(200) NOT NULL,"
	" identifier_value VARCHAR(128) NOT NULL,"
	" patient_id VARCHAR(64) NOT NULL,"
	" entry_id CHAR(36) NOT NULL,"
	" device VARCHAR(128) NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" PRIMARY KEY (identifier_system, identifier_value),"
	" KEY idx_device_readings_entry (entry_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

/* issue 49: an export of one kind (a patient's allergies among their
 * vital signs) seeks that kind's first versions in list order. */
static const char *const v8_statements[] = {
	"ALTER TABLE entries ADD KEY IF NOT EXISTS idx_entries_kind"
	" (patient_id, version, kind, created_ms, entry_id)",
	NULL,
};

/*
 * Version 9 (issue 75): a note version whose reading reached the
 * reader's bound says so (Entry.incomplete): why the reader stopped, ""
 * when it read the note whole.  Derived from the body, so outside the
 * content hash.
 */
static const char *const v9_statements[] = {
	"ALTER TABLE entries ADD COLUMN IF NOT EXISTS note_stopped"
	" VARCHAR(200) NOT NULL DEFAULT ''",
	NULL,
};

/*
 * Version 10 (issue 75): note_suggestions is clustered on an increasing
 * row number, the suggestion's id a unique key beside it.  A note writes
 * 60 to 80 suggestions in one statement; clustered on their random
 * version 4 ids, each went into a random page of the table, and the
 * statement cost MariaDB about 1.4 ms more CPU for 79 suggestions
 * (docs/note-reader.md).  The ids the API gives are unchanged.  One
 * statement: a failed migration leaves the table as it was.
 */
static const char *const v10_statements[] = {
	/* Run again after a cut-short upgrade, the swap of keys must not be
	 * tried twice: only a table without row_id gets it. */
	"BEGIN NOT ATOMIC"
	" IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS"
	"  WHERE TABLE_SCHEMA = DATABASE()"
	"  AND TABLE_NAME = 'note_suggestions' AND COLUMN_NAME = 'row_id')"
	" THEN"
	"  ALTER TABLE note_suggestions DROP PRIMARY KEY,"
	"  ADD COLUMN row_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT"
	"  PRIMARY KEY FIRST,"
	"  ADD UNIQUE KEY uq_note_suggestions_id (suggestion_id);"
	" END IF;"
	" END",
	NULL,
};

const med_db_migration records_migrations[] = {
	{1, "entries: immutable versions of record entries", v1_statements},
	{2, "entries: status, signing, addenda, typed content, hash chain",
	 v2_statements},
	{3, "entries: index of first versions, for lists read from the chain",
	 v3_statements},
	{4, "identifiers compare in binary (utf8mb4_bin)", v4_statements},
	{6, "device_readings: identifiers of device readings (fhirwrite)",
	 v6_statements},
	{7, "note_suggestions: the note reader's suggestions (notereader)",
	 records_suggest_statements},
	{8, "entries: index of first versions by kind", v8_statements},
	{9, "entries: why the note reader stopped early (notes-zh)",
	 v9_statements},
	{10, "note_suggestions: clustered on a row number (suggest75)",
	 v10_statements},
};
const size_t records_n_migrations =
	sizeof(records_migrations) / sizeof(records_migrations[0]);
