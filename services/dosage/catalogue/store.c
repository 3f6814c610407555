/*
 * store.c - the dosage service's SQL: migrations and the drug catalogue.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "columns.h"
#include "catalogue.h"
#include "dose_fields.h"
#include "drug.h"
#include "units.h"

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

static const char *const v2_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS code_system VARCHAR(16) NOT NULL"
	" DEFAULT 'local',"
	" ADD COLUMN IF NOT EXISTS substance VARCHAR(400) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS drug_class VARCHAR(400) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS forms TEXT NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS routes TEXT NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS min_single_dose DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS max_dose_per_kg DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS max_daily_dose_per_kg DOUBLE NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS max_dose_per_m2 DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS min_interval_minutes INT UNSIGNED NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS lifetime_max_dose DOUBLE NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS renal_bands VARCHAR(200) NOT NULL"
	" DEFAULT ''",
	"CREATE TABLE IF NOT EXISTS patient_context ("
	" patient_id CHAR(36) NOT NULL PRIMARY KEY,"
	" is_set TINYINT NOT NULL,"
	" weight_kg DOUBLE NULL,"
	" height_cm DOUBLE NULL,"
	" crcl_ml_min DOUBLE NULL,"
	" allergies TEXT NOT NULL,"
	" allergies_known TINYINT NOT NULL,"
	" measured_ms BIGINT NOT NULL,"
	" updated_by VARCHAR(128) NOT NULL,"
	" updated_ms BIGINT NOT NULL"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS orders ("
	" id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" drug_code VARCHAR(64) NOT NULL,"
	" dose DOUBLE NOT NULL,"
	" unit VARCHAR(8) NOT NULL,"
	" dose_drug_unit DOUBLE NOT NULL,"
	" drug_unit VARCHAR(8) NOT NULL,"
	" route VARCHAR(160) NOT NULL,"
	" frequency VARCHAR(8) NOT NULL,"
	" prn TINYINT NOT NULL,"
	" start_ms BIGINT NOT NULL,"
	" end_ms BIGINT NOT NULL,"
	" status TINYINT NOT NULL,"
	" created_by VARCHAR(128) NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" discontinued_by VARCHAR(128) NOT NULL DEFAULT '',"
	" discontinued_ms BIGINT NOT NULL DEFAULT 0,"
	" discontinue_reason VARCHAR(2000) NOT NULL DEFAULT '',"
	" KEY idx_orders_patient (patient_id, status)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS administrations ("
	" id CHAR(36) NOT NULL PRIMARY KEY,"
	" order_id CHAR(36) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" drug_code VARCHAR(64) NOT NULL,"
	" dose DOUBLE NOT NULL,"
	" unit VARCHAR(8) NOT NULL,"
	" dose_drug_unit DOUBLE NOT NULL,"
	" drug_unit VARCHAR(8) NOT NULL,"
	" effective_ms BIGINT NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" status VARCHAR(16) NOT NULL,"
	" performer VARCHAR(128) NOT NULL,"
	" confirmed_by VARCHAR(128) NOT NULL DEFAULT '',"
	" confirmed_ms BIGINT NOT NULL DEFAULT 0,"
	" identity VARCHAR(16) NOT NULL,"
	" token_id VARCHAR(64) NOT NULL,"
	" v_score DOUBLE NOT NULL,"
	" v_threshold DOUBLE NOT NULL,"
	" v_model VARCHAR(64) NOT NULL,"
	" dose_ovr_reason INT NOT NULL,"
	" dose_ovr_text VARCHAR(2000) NOT NULL,"
	" dose_ovr_by VARCHAR(128) NOT NULL,"
	" id_ovr_reason INT NOT NULL,"
	" id_ovr_text VARCHAR(2000) NOT NULL,"
	" overall INT NOT NULL,"
	" checks BLOB NOT NULL,"
	" KEY idx_admin_patient_drug (patient_id, drug_code, effective_ms),"
	" KEY idx_admin_order (order_id, effective_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

static const char *const v3_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS strength DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS strength_unit VARCHAR(8) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS ingredients VARCHAR(512) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS dose_bands VARCHAR(2048) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS weight_missing TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS crcl_missing TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS allergies_missing TINYINT NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS requires_verification TINYINT NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS early_dose_warns TINYINT NOT NULL DEFAULT 0",
	/* One row per substance of a drug (a drug without one is "#code"),
	 * so that totals add up every product of a substance. */
	"CREATE TABLE IF NOT EXISTS drug_substances ("
	" drug_code VARCHAR(64) NOT NULL,"
	" substance VARCHAR(100) NOT NULL,"
	" strength DOUBLE NOT NULL,"
	" unit VARCHAR(8) NOT NULL,"
	" PRIMARY KEY (drug_code, substance),"
	" KEY idx_substance (substance)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"INSERT IGNORE INTO drug_substances (drug_code, substance, strength,"
	" unit) SELECT code, IF(substance = '', CONCAT('#', code),"
	" LOWER(substance)), 1, unit FROM drugs",
	"ALTER TABLE patient_context"
	" ADD COLUMN IF NOT EXISTS weight_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS height_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS crcl_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS allergies_ms BIGINT NOT NULL DEFAULT 0",
	"UPDATE patient_context SET weight_ms = measured_ms,"
	" height_ms = measured_ms, crcl_ms = measured_ms,"
	" allergies_ms = measured_ms WHERE weight_ms = 0",
	"ALTER TABLE orders"
	" ADD COLUMN IF NOT EXISTS prn_min_interval INT UNSIGNED NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS prn_max_daily DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS overall INT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS checks BLOB NULL,"
	" ADD COLUMN IF NOT EXISTS ovr_reason INT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS ovr_text VARCHAR(2000) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS verified_by VARCHAR(128) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS verified_ms BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/* Order versions and their changes, and doses charted as not given. */
static const char *const v4_statements[] = {
	"ALTER TABLE orders"
	" ADD COLUMN IF NOT EXISTS version INT UNSIGNED NOT NULL DEFAULT 1,"
	" ADD COLUMN IF NOT EXISTS first_id CHAR(36) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS replaces_id CHAR(36) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS replaced_by CHAR(36) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS replaced_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS change_reason VARCHAR(2000) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS held_by VARCHAR(128) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS held_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS hold_reason VARCHAR(2000) NOT NULL"
	" DEFAULT '',"
	" ADD KEY IF NOT EXISTS idx_orders_first (first_id)",
	"UPDATE orders SET first_id = id WHERE first_id = ''",
	/* Append-only: a change is a new row, never an update. */
	"CREATE TABLE IF NOT EXISTS order_events ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" first_id CHAR(36) NOT NULL,"
	" order_id CHAR(36) NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" kind TINYINT NOT NULL,"
	" actor VARCHAR(128) NOT NULL,"
	" time_ms BIGINT NOT NULL,"
	" reason VARCHAR(2000) NOT NULL,"
	" new_order_id CHAR(36) NOT NULL DEFAULT '',"
	" KEY idx_order_events_first (first_id, id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	/* The history of orders written before versions: what their rows
	 * still say.  An order that has its event already is skipped, so a
	 * version cut short by a kill runs again whole without a second
	 * event (issue 49 item 11). */
	"INSERT INTO order_events (first_id, order_id, version, kind, actor,"
	" time_ms, reason) SELECT o.id, o.id, 1, 1, o.created_by,"
	" o.created_ms, '' FROM orders o WHERE NOT EXISTS (SELECT 1 FROM"
	" order_events e WHERE e.first_id = o.id AND e.kind = 1)"
	" ORDER BY o.created_ms, o.id",
	"INSERT INTO order_events (first_id, order_id, version, kind, actor,"
	" time_ms, reason) SELECT o.id, o.id, 1, 2, o.verified_by,"
	" o.verified_ms, '' FROM orders o WHERE o.verified_ms > 0 AND NOT"
	" EXISTS (SELECT 1 FROM order_events e WHERE e.first_id = o.id AND"
	" e.kind = 2) ORDER BY o.verified_ms, o.id",
	"INSERT INTO order_events (first_id, order_id, version, kind, actor,"
	" time_ms, reason) SELECT o.id, o.id, 1, 7, o.discontinued_by,"
	" o.discontinued_ms, o.discontinue_reason FROM orders o WHERE"
	" o.status = 2 AND NOT EXISTS (SELECT 1 FROM order_events e WHERE"
	" e.first_id = o.id AND e.kind = 7) ORDER BY o.discontinued_ms, o.id",
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS scheduled_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS not_given_reason INT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS not_given_text VARCHAR(2000) NOT NULL"
	" DEFAULT '',"
	" ADD KEY IF NOT EXISTS idx_admin_patient_time (patient_id,"
	" effective_ms)",
	NULL,
};

/* Corrections: who marked an administration entered in error, when, why. */
static const char *const v5_statements[] = {
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS eie_by VARCHAR(128) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS eie_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS eie_reason VARCHAR(2000) NOT NULL"
	" DEFAULT ''",
	NULL,
};

/* The high-alert second check before the dose: co-signs, each used by at
 * most one administration, and the exception an administration was given
 * under without one. */
static const char *const v6_statements[] = {
	"CREATE TABLE IF NOT EXISTS cosigns ("
	" id CHAR(36) NOT NULL PRIMARY KEY,"
	" order_id CHAR(36) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" dose DOUBLE NOT NULL,"
	" unit VARCHAR(8) NOT NULL,"
	" dose_drug_unit DOUBLE NOT NULL,"
	" drug_unit VARCHAR(8) NOT NULL,"
	" cosigned_by VARCHAR(128) NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" expires_ms BIGINT NOT NULL,"
	" used_admin_id CHAR(36) NOT NULL DEFAULT '',"
	" KEY idx_cosigns_order (order_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS cosign_id CHAR(36) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS cos_ovr_reason INT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS cos_ovr_text VARCHAR(2000) NOT NULL"
	" DEFAULT '',"
	" ADD KEY IF NOT EXISTS idx_admin_status (status, recorded_ms)",
	NULL,
};

/* Liquids: a concentration, so that doses may be given by volume. */
static const char *const v7_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS conc_amount DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS conc_volume_ml DOUBLE NOT NULL DEFAULT 0",
	NULL,
};

/* Product scans: the GTINs of each catalogue entry (one entry per GTIN)
 * and what was scanned for each administration. */
static const char *const v8_statements[] = {
	"ALTER TABLE drugs ADD COLUMN IF NOT EXISTS gtins TEXT NOT NULL"
	" DEFAULT ''",
	"CREATE TABLE IF NOT EXISTS drug_gtins ("
	" gtin CHAR(14) NOT NULL PRIMARY KEY,"
	" drug_code VARCHAR(64) NOT NULL,"
	" KEY idx_drug_gtins_code (drug_code)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS scan_gtin CHAR(14) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS scan_batch VARCHAR(20) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS scan_expiry CHAR(6) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS scan_serial VARCHAR(20) NOT NULL"
	" DEFAULT ''",
	NULL,
};

/* Continuous infusions: the catalogue's rate limits, each infusion and
 * its events (append-only: a new rate is a new row). */
static const char *const v9_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS inf_max_rate DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS inf_max_rate_kg DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS inf_ceiling DOUBLE NOT NULL DEFAULT 0",
	"CREATE TABLE IF NOT EXISTS infusions ("
	" id CHAR(36) NOT NULL PRIMARY KEY,"
	" order_id CHAR(36) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" drug_code VARCHAR(64) NOT NULL,"
	" drug_unit VARCHAR(8) NOT NULL,"
	" status VARCHAR(16) NOT NULL,"
	" performer VARCHAR(128) NOT NULL,"
	" identity VARCHAR(16) NOT NULL,"
	" token_id VARCHAR(64) NOT NULL,"
	" id_ovr_reason INT NOT NULL,"
	" id_ovr_text VARCHAR(2000) NOT NULL,"
	" started_ms BIGINT NOT NULL,"
	" stopped_ms BIGINT NOT NULL DEFAULT 0,"
	" rate_per_h DOUBLE NOT NULL,"
	" KEY idx_infusions_patient (patient_id, started_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE IF NOT EXISTS infusion_events ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" infusion_id CHAR(36) NOT NULL,"
	" kind TINYINT NOT NULL,"
	" effective_ms BIGINT NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" rate DOUBLE NOT NULL,"
	" rate_unit VARCHAR(16) NOT NULL,"
	" rate_per_h DOUBLE NOT NULL,"
	" actor VARCHAR(128) NOT NULL,"
	" reason VARCHAR(2000) NOT NULL,"
	" overall INT NOT NULL,"
	" checks BLOB NOT NULL,"
	" ovr_reason INT NOT NULL,"
	" ovr_text VARCHAR(2000) NOT NULL,"
	" delivered DOUBLE NOT NULL,"
	" admin_id CHAR(36) NOT NULL,"
	" KEY idx_infusion_events (infusion_id, id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* The rate a continuous infusion order prescribes. */
static const char *const v10_statements[] = {
	"ALTER TABLE orders"
	" ADD COLUMN IF NOT EXISTS inf_rate DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS inf_rate_unit VARCHAR(16) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS inf_rate_max DOUBLE NOT NULL DEFAULT 0",
	NULL,
};

/*
 * A counter that every dose decision bumps on the patient's row.  On one
 * server SELECT ... FOR UPDATE serialises a patient's doses; on a Galera
 * cluster a lock taken on another node is not seen, and certification
 * only compares rows written.  Writing the locked row makes two nurses'
 * doses on two nodes conflict: one commits, the other is re-run on fresh
 * rows (docs/operations.md, "Galera and replicas").
 */
static const char *const v11_statements[] = {
	"ALTER TABLE patient_context"
	" ADD COLUMN IF NOT EXISTS dose_serial BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/*
 * Identifiers compare byte for byte (issue 31): the tables were made
 * utf8mb4_unicode_ci or in the server's latin1 default, which fold case
 * and accents, so one user's, patient's or code's key matched another's.
 * Drug names stay utf8mb4_unicode_ci: ListDrugs' name prefix "para"
 * finds "Paracetamol".
 */
static const char *const v12_statements[] = {
	MED_DB_TO_BIN("drugs"),
	"ALTER TABLE drugs"
	" MODIFY name VARCHAR(200) NOT NULL COLLATE utf8mb4_unicode_ci",
	MED_DB_TO_BIN("patient_context"),
	MED_DB_TO_BIN("orders"),
	MED_DB_TO_BIN("administrations"),
	MED_DB_TO_BIN("drug_substances"),
	MED_DB_TO_BIN("order_events"),
	MED_DB_TO_BIN("cosigns"),
	MED_DB_TO_BIN("drug_gtins"),
	MED_DB_TO_BIN("infusions"),
	MED_DB_TO_BIN("infusion_events"),
	NULL,
};

/*
 * An order belongs to the stay (identity's encounter) it was written in:
 * a discharge ends it for charting, a readmission reconciles it
 * (docs/dose-safety.md, "Orders and the stay").  Orders from before keep
 * "" and behave as before.
 */
static const char *const v14_statements[] = {
	"ALTER TABLE orders"
	" ADD COLUMN IF NOT EXISTS encounter_id VARCHAR(64) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin,"
	" ADD KEY IF NOT EXISTS idx_orders_encounter (encounter_id)",
	NULL,
};

/* Route, rate and concentration rules (issue 30): infusion-only drugs,
 * their maximum concentration, and the bag an infusion order names. */
static const char *const v16_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS infusion_only TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS inf_max_conc DOUBLE NOT NULL DEFAULT 0",
	"ALTER TABLE orders"
	" ADD COLUMN IF NOT EXISTS inf_bag_amount DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS inf_bag_ml DOUBLE NOT NULL DEFAULT 0",
	NULL,
};

/* Plausible facts (issue 30): how old a weight each drug may use and
 * which renal function its bands are written for. */
static const char *const v17_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS weight_max_age INT UNSIGNED NOT NULL"
	" DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS renal_basis TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS hepatic_bands VARCHAR(64) NOT NULL"
	" DEFAULT ''",
	/* The weight before the current one (the jump rule) and the last
	 * weight confirmed as real (ConfirmWeight): value, the measurement's
	 * time, who, when and why. */
	"ALTER TABLE patient_context"
	" ADD COLUMN IF NOT EXISTS prev_weight_kg DOUBLE NULL,"
	" ADD COLUMN IF NOT EXISTS prev_weight_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS wconf_kg DOUBLE NULL,"
	" ADD COLUMN IF NOT EXISTS wconf_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS wconf_by VARCHAR(128) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS wconf_at BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS wconf_reason VARCHAR(2000) NOT NULL"
	" DEFAULT ''",
	NULL,
};

/*
 * No way round a limit (issue 30): weekly-only products (oral
 * methotrexate), the audited reason a product was not scanned, and a
 * correction asked for by the dose's own charter that waits for a second
 * person.
 */
static const char *const v18_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS weekly_only TINYINT NOT NULL DEFAULT 0",
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS scan_ovr_reason INT NULL,"
	" ADD COLUMN IF NOT EXISTS scan_ovr_text VARCHAR(2000) NULL,"
	" ADD COLUMN IF NOT EXISTS eie_req_by VARCHAR(128) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin,"
	" ADD COLUMN IF NOT EXISTS eie_req_ms BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS eie_req_reason VARCHAR(2000) NOT NULL"
	" DEFAULT ''",
	NULL,
};

/* Labs and pregnancy (issue 47): each drug's lab rules and its harm in
 * pregnancy, each with its source. */
static const char *const v19_statements[] = {
	"ALTER TABLE drugs"
	" ADD COLUMN IF NOT EXISTS lab_rules VARCHAR(512) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS lab_source VARCHAR(2000) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS pregnancy VARCHAR(16) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS preg_source VARCHAR(2000) NOT NULL"
	" DEFAULT ''",
	NULL,
};

/* Where each dose was given (issue 47, item 8): the ward of the order's
 * stay at the dose's time, "" before this change or outside a stay. */
static const char *const v20_statements[] = {
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS ward VARCHAR(64) NOT NULL DEFAULT ''",
	NULL,
};

/* The pharmacy's other names for allergies (ImportAllergyNames): each
 * import a version, who and when; each name the version that last set it. */
static const char *const v21_statements[] = {
	"CREATE TABLE IF NOT EXISTS allergy_name_imports ("
	" version INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" imported_by VARCHAR(128) NOT NULL,"
	" imported_ms BIGINT NOT NULL,"
	" n_rows INT UNSIGNED NOT NULL)" MED_DB_BIN,
	"CREATE TABLE IF NOT EXISTS allergy_names ("
	" name_key VARCHAR(96) NOT NULL PRIMARY KEY,"
	" name VARCHAR(100) NOT NULL,"
	" target VARCHAR(100) NOT NULL,"
	" kind TINYINT NOT NULL,"
	" source VARCHAR(200) NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" updated_ms BIGINT NOT NULL)" MED_DB_BIN,
	"CREATE TABLE IF NOT EXISTS allergy_codings ("
	" patient_id VARCHAR(64) NOT NULL,"
	" text_key VARCHAR(255) NOT NULL,"
	" allergy_text VARCHAR(200) NOT NULL,"
	" code VARCHAR(100) NOT NULL,"
	" not_a_medicine TINYINT NOT NULL,"
	" note VARCHAR(2000) NOT NULL,"
	" coded_by VARCHAR(128) NOT NULL,"
	" coded_ms BIGINT NOT NULL,"
	" PRIMARY KEY (patient_id, text_key))" MED_DB_BIN,
	"ALTER TABLE drugs ADD COLUMN IF NOT EXISTS regimen_limits"
	" VARCHAR(500) NOT NULL DEFAULT ''",
	NULL,
};

/*
 * The dose given against the dose ordered (issue 47): the reason a dose
 * charted or co-signed is not the ordered one, and the ordered dose it
 * was compared with.
 */
static const char *const v22_statements[] = {
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS dev_reason INT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS dev_text TEXT NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS ordered_drug_unit DOUBLE NOT NULL"
	" DEFAULT 0",
	"ALTER TABLE cosigns"
	" ADD COLUMN IF NOT EXISTS dev_reason INT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS dev_text TEXT NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS ordered_drug_unit DOUBLE NOT NULL"
	" DEFAULT 0",
	NULL,
};

/*
 * v23 (issue 47): the drug-interaction knowledge base.  Each version
 * imported is kept (its text, who, when, its digest) with its rules; one
 * row names the active version (kb_id 0: none yet, the service installs
 * its shipped starter set then).
 */
static const char *const v23_statements[] = {
	"CREATE TABLE IF NOT EXISTS interaction_kbs ("
	" id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" version VARCHAR(64) NOT NULL,"
	" origin VARCHAR(16) NOT NULL,"
	" sha256 CHAR(64) NOT NULL,"
	" n_rules INT NOT NULL,"
	" n_groups INT NOT NULL,"
	" imported_by VARCHAR(128) NOT NULL,"
	" imported_ms BIGINT NOT NULL,"
	" body MEDIUMTEXT NOT NULL,"
	" UNIQUE KEY interaction_kbs_version (version)"
	") ENGINE=InnoDB" MED_DB_BIN,
	"CREATE TABLE IF NOT EXISTS interaction_rules ("
	" kb_id BIGINT NOT NULL,"
	" rule_id VARCHAR(32) NOT NULL,"
	" kind VARCHAR(16) NOT NULL,"
	" terms VARCHAR(2000) NOT NULL,"
	" severity VARCHAR(16) NOT NULL,"
	" mechanism TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" window_h INT NOT NULL,"
	" line INT NOT NULL,"
	" PRIMARY KEY (kb_id, rule_id)"
	") ENGINE=InnoDB" MED_DB_BIN,
	"CREATE TABLE IF NOT EXISTS interaction_kb_active ("
	" id TINYINT NOT NULL PRIMARY KEY,"
	" kb_id BIGINT NOT NULL"
	") ENGINE=InnoDB" MED_DB_BIN,
	"INSERT IGNORE INTO interaction_kb_active (id, kb_id) VALUES (1, 0)",
	NULL,
};

/*
 * v24 (issue 55): the patient's home medicines, what admission
 * reconciliation compares the orders with, each with where it came from
 * (a person, or a note's span and the suggestion confirmed) and its
 * decision for the stay (docs/dose-safety.md, "Home medicines").
 */
static const char *const v24_statements[] = {
	"CREATE TABLE IF NOT EXISTS home_medications ("
	" id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" medicine VARCHAR(200) NOT NULL,"
	" substance VARCHAR(100) NOT NULL,"
	" dose_text VARCHAR(200) NOT NULL,"
	" status TINYINT NOT NULL,"
	" information_source VARCHAR(100) NOT NULL,"
	" note_entry_id VARCHAR(64) NOT NULL,"
	" note_version INT UNSIGNED NOT NULL,"
	" span_start INT UNSIGNED NOT NULL,"
	" span_end INT UNSIGNED NOT NULL,"
	" note_text VARCHAR(500) NOT NULL,"
	" suggestion_id VARCHAR(64) NULL,"
	" recorded_by VARCHAR(128) NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" stopped_reason VARCHAR(500) NOT NULL DEFAULT '',"
	" stopped_by VARCHAR(128) NOT NULL DEFAULT '',"
	" stopped_ms BIGINT NOT NULL DEFAULT 0,"
	" decision TINYINT NOT NULL DEFAULT 0,"
	" decision_reason VARCHAR(500) NOT NULL DEFAULT '',"
	" decided_by VARCHAR(128) NOT NULL DEFAULT '',"
	" decided_ms BIGINT NOT NULL DEFAULT 0,"
	" decision_encounter_id VARCHAR(64) NOT NULL DEFAULT '',"
	" order_id VARCHAR(64) NOT NULL DEFAULT '',"
	" KEY home_medications_patient (patient_id, recorded_ms),"
	" UNIQUE KEY home_medications_suggestion (suggestion_id)"
	") ENGINE=InnoDB" MED_DB_BIN,
	NULL,
};

/* v25 (issue 49): a MedicationAdministration search by status seeks each
 * status's doses of the patient in export order (fhir/store_export.c). */
static const char *const v25_statements[] = {
	"ALTER TABLE administrations"
	" ADD KEY IF NOT EXISTS idx_admin_patient_status"
	" (patient_id, status, effective_ms, id)",
	NULL,
};

/* v26 (issue 72): a pregnancy-prevention programme confirmed (NULL:
 * never said; 1 confirmed, 0 withdrawn) and when. */
static const char *const v26_statements[] = {
	"ALTER TABLE patient_context"
	" ADD COLUMN IF NOT EXISTS ppp TINYINT NULL,"
	" ADD COLUMN IF NOT EXISTS ppp_ms BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/*
 * v29 (issue 74): an interaction knowledge base that removes or weakens
 * rules waits for a second pharmacist: its status (pending, accepted),
 * the active version it was compared with, and who approved it when.
 */
static const char *const v29_statements[] = {
	"ALTER TABLE interaction_kbs"
	" ADD COLUMN IF NOT EXISTS status VARCHAR(16) NOT NULL"
	" DEFAULT 'accepted',"
	" ADD COLUMN IF NOT EXISTS base_kb_id BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS approved_by VARCHAR(128) NOT NULL"
	" DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS approved_ms BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/* v27 (issue 72): when the patient last took a home medicine, so that the
 * interaction, duplicate and weekly-only checks count a dose taken at home
 * (docs/dose-safety.md, "Home medicines in the checks"); 0 = not known. */
static const char *const v27_statements[] = {
	"ALTER TABLE home_medications"
	" ADD COLUMN IF NOT EXISTS last_dose_ms BIGINT NOT NULL DEFAULT 0",
	NULL,
};

/* v30 (issue 72): a home medicine's regimen dose as an amount and unit,
 * and how many doses the patient took in the 24 h up to its last dose, so
 * that the 24-hour total counts what was taken at home that day. */
static const char *const v30_statements[] = {
	"ALTER TABLE home_medications"
	" ADD COLUMN IF NOT EXISTS dose_amount DOUBLE NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS dose_unit VARCHAR(32) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS doses_24h INT NOT NULL DEFAULT 0",
	NULL,
};

/* v39 (issue 72): what a home medicine's earlier courses before admission
 * gave, so that a lifetime (cumulative) maximum counts them. */
static const char *const v39_statements[] = {
	"ALTER TABLE home_medications"
	" ADD COLUMN IF NOT EXISTS cumulative_before DOUBLE NOT NULL DEFAULT 0",
	NULL,
};

/* v28 (issue 72): a time-critical medicine's dose charted as not given
 * keeps its escalation (who was told, what was decided) and the rule it
 * fell under, beside its administration row. */
static const char *const v28_statements[] = {
	"CREATE TABLE IF NOT EXISTS time_critical_omissions ("
	" administration_id CHAR(36) NOT NULL PRIMARY KEY,"
	" order_id CHAR(36) NOT NULL,"
	" patient_id CHAR(36) NOT NULL,"
	" term VARCHAR(64) NOT NULL,"
	" window_min INT NOT NULL,"
	" escalation_reason VARCHAR(2000) NOT NULL,"
	" recorded_ms BIGINT NOT NULL,"
	" KEY time_critical_omissions_patient (patient_id, recorded_ms)"
	") ENGINE=InnoDB" MED_DB_BIN,
	NULL,
};

/* v31 (issues 72 and 74): the knowledge-base versions hold more than one
 * kind (interactions, substances), each with its own active row (1:
 * interactions, 2: substances): the same staging, approval and audit for
 * each kind; a label is unique within its kind. */
static const char *const v31_statements[] = {
	"ALTER TABLE interaction_kbs"
	" ADD COLUMN IF NOT EXISTS kind VARCHAR(16) NOT NULL"
	" DEFAULT 'interactions',"
	" DROP INDEX IF EXISTS interaction_kbs_version,"
	" ADD UNIQUE KEY IF NOT EXISTS interaction_kbs_kind_version"
	" (kind, version)",
	"INSERT IGNORE INTO interaction_kb_active (id, kb_id) VALUES (2, 0)",
	NULL,
};

/* v32 (issue 72): a co-sign of an infusion's rate holds a rate unit
 * ("[iU]/kg/h", "ug/kg/min"), longer than a dose's; an infusion's event
 * names the co-sign that checked it. */
static const char *const v32_statements[] = {
	"ALTER TABLE cosigns"
	" MODIFY unit VARCHAR(16) NOT NULL COLLATE utf8mb4_bin,"
	" MODIFY drug_unit VARCHAR(16) NOT NULL COLLATE utf8mb4_bin",
	"ALTER TABLE infusion_events"
	" ADD COLUMN IF NOT EXISTS cosign_id CHAR(36) NOT NULL DEFAULT ''"
	" COLLATE utf8mb4_bin,"
	" ADD COLUMN IF NOT EXISTS cosigned_by VARCHAR(128) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin",
	NULL,
};

/* v34 (issue 73): an administration and an infusion keep what identified
 * the patient at the bedside, who checked and where, from the verification
 * token. */
static const char *const v34_statements[] = {
	"ALTER TABLE administrations"
	" ADD COLUMN IF NOT EXISTS v_checked VARCHAR(64) NOT NULL DEFAULT ''"
	" COLLATE utf8mb4_bin,"
	" ADD COLUMN IF NOT EXISTS v_checked_by VARCHAR(64) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin,"
	" ADD COLUMN IF NOT EXISTS v_terminal VARCHAR(64) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin",
	"ALTER TABLE infusions"
	" ADD COLUMN IF NOT EXISTS v_checked VARCHAR(64) NOT NULL DEFAULT ''"
	" COLLATE utf8mb4_bin,"
	" ADD COLUMN IF NOT EXISTS v_checked_by VARCHAR(64) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin,"
	" ADD COLUMN IF NOT EXISTS v_terminal VARCHAR(64) NOT NULL"
	" DEFAULT '' COLLATE utf8mb4_bin",
	NULL,
};

/* v35 (issue 72): an order states its regimen (prophylaxis or treatment),
 * which the substance knowledge base's renal rules read. */
static const char *const v35_statements[] = {
	"ALTER TABLE orders"
	" ADD COLUMN IF NOT EXISTS regimen VARCHAR(16) NOT NULL DEFAULT ''"
	" COLLATE utf8mb4_bin",
	NULL,
};

/* v38 (issues 72 and 74): every catalogue and allergy-name import (kind),
 * its text and who made it; one that loosens a limit, changes a rule or
 * points a name elsewhere waits (pending) for a second pharmacist, with a
 * digest of the entries it was compared with. */
static const char *const v38_statements[] = {
	"CREATE TABLE IF NOT EXISTS catalogue_imports ("
	" id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" kind VARCHAR(16) NOT NULL,"
	" status VARCHAR(16) NOT NULL,"
	" sha256 CHAR(64) NOT NULL,"
	" body MEDIUMTEXT NOT NULL,"
	" n_rows INT NOT NULL,"
	" base_sha256 CHAR(64) NOT NULL,"
	" changes VARCHAR(200) NOT NULL,"
	" imported_by VARCHAR(128) NOT NULL,"
	" imported_ms BIGINT NOT NULL,"
	" approved_by VARCHAR(128) NOT NULL DEFAULT '',"
	" approved_ms BIGINT NOT NULL DEFAULT 0"
	") ENGINE=InnoDB" MED_DB_BIN,
	NULL,
};

const med_db_migration dosage_migrations[] = {
	{1, "drugs: the catalogue with dose limits", v1_statements},
	{2, "full dose limits, patient context, orders, administrations",
	 v2_statements},
	{3,
	 "substances and strengths, age and weight bands, missing-fact "
	 "policies, per-fact times, order-entry checks and verification",
	 v3_statements},
	{4,
	 "order versions and their changes (modify, renew, hold, resume), "
	 "doses charted as not given",
	 v4_statements},
	{5, "administrations marked entered in error", v5_statements},
	{6, "high-alert co-signs before the dose", v6_statements},
	{7, "drug concentrations: doses by volume", v7_statements},
	{8, "product codes (GTIN) and scans", v8_statements},
	{9, "continuous infusions: rate limits, infusions and their rates",
	 v9_statements},
	{10, "the prescribed rate of an infusion order", v10_statements},
	{11, "a patient's dose serial, so that doses conflict on a cluster",
	 v11_statements},
	{12,
	 "identifiers compare in binary (utf8mb4_bin), drug names as before",
	 v12_statements},
	{14, "orders belong to the stay they were written in", v14_statements},
	{16, "route rules: infusion-only drugs, maximum concentration, bags",
	 v16_statements},
	{17,
	 "plausible facts: a weight's maximum age, the renal basis, hepatic "
	 "bands, the previous and the confirmed weight",
	 v17_statements},
	{18,
	 "weekly-only drugs, scan overrides, corrections that wait for a "
	 "second person",
	 v18_statements},
	{19, "lab rules and harm in pregnancy, each with its source",
	 v19_statements},
	{20, "administrations: the ward a dose was given on", v20_statements},
	{21,
	 "the pharmacy's other names for allergies (brands, synonyms), "
	 "pharmacists' codings of allergy texts, limits per regimen",
	 v21_statements},
	{22,
	 "the dose given against the dose ordered: deviations and their "
	 "reasons",
	 v22_statements},
	{23, "drug-interaction knowledge bases, their rules, the active one",
	 v23_statements},
	{24, "home medicines and their admission-reconciliation decisions",
	 v24_statements},
	{25, "administrations: found by status in export order",
	 v25_statements},
	{26, "patient context: a pregnancy-prevention programme confirmed",
	 v26_statements},
	{27, "home medicines: when the patient last took each", v27_statements},
	{28, "time-critical medicines: the escalation of a dose not given",
	 v28_statements},
	{29,
	 "interaction knowledge bases that weaken rules wait for a second "
	 "pharmacist",
	 v29_statements},
	{30, "home medicines: the dose as an amount, doses taken in 24 h",
	 v30_statements},
	{31, "knowledge-base versions of more than one kind (substances)",
	 v31_statements},
	{32, "co-signs of an infusion's rate: rate units, named on its events",
	 v32_statements},
	{34,
	 "administrations and infusions: the bedside identifiers checked, by "
	 "whom, where",
	 v34_statements},
	{35, "orders: the regimen (prophylaxis or treatment)", v35_statements},
	{38, "catalogue and allergy-name imports: kept, staged when loosening",
	 v38_statements},
	{39, "home medicines: the amount of earlier courses before admission",
	 v39_statements},
};
const size_t dosage_n_migrations =
	sizeof(dosage_migrations) / sizeof(dosage_migrations[0]);

#define DRUG_COLUMNS                                                           \
	"code, name, unit, max_single_dose, max_daily_dose, high_alert,"       \
	" updated_ms, revision, code_system, substance, drug_class, forms,"    \
	" routes, min_single_dose, max_dose_per_kg, max_daily_dose_per_kg,"    \
	" max_dose_per_m2, min_interval_minutes, lifetime_max_dose,"           \
	" renal_bands, strength, strength_unit, ingredients, dose_bands,"      \
	" weight_missing, crcl_missing, allergies_missing,"                    \
	" requires_verification, early_dose_warns, conc_amount, "              \
	"conc_volume_ml, gtins, inf_max_rate, inf_max_rate_kg, inf_ceiling,"   \
	" infusion_only, inf_max_conc, weekly_only, weight_max_age,"           \
	" renal_basis, hepatic_bands, lab_rules, lab_source, pregnancy,"       \
	" preg_source, regimen_limits"

typedef struct drug_rows {
	med_arena *arena;
	dosage_drug **items;
	size_t n, cap;
} drug_rows;

/* bands_text and bands_read: renal_bands as "crcl:factor:minutes;...". */
static char *
bands_text(med_arena *a, const void *drug)
{
	const dosage_drug *d = drug;
	char buf[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < d->n_renal_bands && off < sizeof(buf); i++)
		off += (size_t)snprintf(
			buf + off, sizeof(buf) - off, "%s%.17g:%.17g:%u",
			i ? ";" : "", d->renal_bands[i]->crcl_below_ml_min,
			d->renal_bands[i]->dose_factor,
			d->renal_bands[i]->min_interval_minutes);
	return med_arena_strdup(a, buf);
}

static med_err
bands_read(med_arena *a, const char *text, void *drug)
{
	dosage_drug *d = drug;
	dosage_dose_band b[DOSAGE_DOSE_MAX_BANDS];
	size_t n = 0, cap = 0;

	if (dosage_dose_bands_parse(text, b, DOSAGE_DOSE_MAX_BANDS, &n) !=
	    MED_OK)
		return MED_ERR_DATA_LOSS;
	for (size_t i = 0; i < n; i++) {
		Smartmed__Dosage__V1__RenalBand *rb = med_arena_push_msg(
			a, (void ***)&d->renal_bands, &d->n_renal_bands, &cap,
			&smartmed__dosage__v1__renal_band__descriptor);

		if (rb == NULL)
			return MED_ERR_NOMEM;
		rb->crcl_below_ml_min = b[i].crcl_below;
		rb->dose_factor = b[i].factor;
		rb->min_interval_minutes = (uint32_t)(b[i].interval_ms / 60000);
	}
	return MED_OK;
}

/* substance_put writes one row of drug_substances. */
static med_err
substance_put(med_db_conn *c, const char *code, const char *substance,
	      double strength, const char *unit)
{
	med_db_value v[] = {MED_DB_STR(code), MED_DB_STR(substance),
			    MED_DB_DBL(strength), MED_DB_STR(unit)};

	return med_db_exec(c,
			   "INSERT INTO drug_substances (drug_code, substance,"
			   " strength, unit) VALUES (?, ?, ?, ?)",
			   v, 4, NULL, NULL);
}

/* unit_dims - the units other products of a substance are counted in. */
typedef struct unit_dims {
	dosage_dose_dim want;
	bool differ;
} unit_dims;

static med_err
on_unit_row(void *arg, const med_db_row *row)
{
	unit_dims *u = arg;
	dosage_dose_unit have;

	if (dosage_dose_unit_parse(med_db_row_text(row, 0, NULL), &have) ==
		    MED_OK &&
	    have.dim != u->want)
		u->differ = true;
	return MED_OK;
}

/*
 * substance_dims_agree refuses (MED_ERR_PRECONDITION) a product whose
 * strength unit does not convert to that of another product of the same
 * substance: mg of potassium chloride beside mmol of it would make the
 * substance's 24-h and lifetime totals unreadable, and no molar mass is
 * guessed to join them.
 */
static med_err
substance_dims_agree(med_db_conn *c, const dosage_drug *d,
		     const char *substance, const char *unit)
{
	dosage_dose_unit mine;
	unit_dims u = {0};
	med_db_value v[] = {MED_DB_STR(substance), MED_DB_STR(d->code)};
	med_err err;

	if (dosage_dose_unit_parse(unit, &mine) != MED_OK)
		return MED_OK; /* the catalogue rules refused it before */
	u.want = mine.dim;
	err = med_db_query(c,
			   "SELECT DISTINCT unit FROM drug_substances"
			   " WHERE substance = ? AND drug_code <> ?",
			   v, 2, on_unit_row, &u);
	if (err != MED_OK)
		return err;
	return u.differ ? MED_ERR_PRECONDITION : MED_OK;
}

/* substances_put replaces the drug's rows of drug_substances. */
static med_err
substances_put(med_db_conn *c, const dosage_drug *d)
{
	med_db_value key[] = {MED_DB_STR(d->code)};
	char own[80];
	double strength;
	const char *unit;
	med_err err = med_db_exec(
		c, "DELETE FROM drug_substances WHERE drug_code = ?", key, 1,
		NULL, NULL);

	if (err != MED_OK)
		return err;
	if (d->substance[0] == '\0') {
		snprintf(own, sizeof(own), "#%s", d->code);
		return substance_put(c, d->code, own, 1, d->unit);
	}
	dosage_drug_strength(d, &strength, &unit);
	if ((err = substance_dims_agree(c, d, d->substance, unit)) != MED_OK ||
	    (err = substance_put(c, d->code, d->substance, strength, unit)) !=
		    MED_OK)
		return err;
	for (size_t i = 0; i < d->n_other_ingredients; i++) {
		const Smartmed__Dosage__V1__Ingredient *g =
			d->other_ingredients[i];

		if ((err = substance_dims_agree(c, d, g->substance,
						g->strength_unit)) != MED_OK ||
		    (err = substance_put(c, d->code, g->substance, g->strength,
					 g->strength_unit)) != MED_OK)
			return err;
	}
	return MED_OK;
}

/* gtins_text joins the entry's GTINs in their 14-digit form. */
static char *
gtins_text(med_arena *a, const void *drug)
{
	const dosage_drug *d = drug;
	char *out = med_arena_alloc(a, d->n_gtins * 15 + 1), *p = out;

	if (out == NULL)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < d->n_gtins; i++) {
		if (i > 0)
			*p++ = ';';
		dosage_gtin14(d->gtins[i], p);
		p += 14;
	}
	return out;
}

/* gtins_put replaces the entry's rows of drug_gtins: MED_ERR_EXISTS when
 * a GTIN is another entry's. */
static med_err
gtins_put(med_db_conn *c, const dosage_drug *d)
{
	med_db_value key[] = {MED_DB_STR(d->code)};
	char gtin[15];
	med_err err =
		med_db_exec(c, "DELETE FROM drug_gtins WHERE drug_code = ?",
			    key, 1, NULL, NULL);

	for (size_t i = 0; err == MED_OK && i < d->n_gtins; i++) {
		dosage_gtin14(d->gtins[i], gtin);
		med_db_value v[] = {MED_DB_STR(gtin), MED_DB_STR(d->code)};
		err = med_db_exec(c,
				  "INSERT INTO drug_gtins (gtin, drug_code)"
				  " VALUES (?, ?)",
				  v, 2, NULL, NULL);
	}
	return err;
}

typedef struct code_row {
	med_arena *arena;
	char *code;
} code_row;

static med_err
on_code_row(void *arg, const med_db_row *row)
{
	code_row *r = arg;

	r->code = med_db_row_strdup(r->arena, row, 0);
	return r->code ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_gtin_drug(med_db_conn *c, med_arena *a, const char *gtin,
		       char **drug_code)
{
	med_db_value k[] = {MED_DB_STR(gtin)};
	code_row r = {a, NULL};
	med_err err = med_db_query(
		c, "SELECT drug_code FROM drug_gtins WHERE gtin = ?", k, 1,
		on_code_row, &r);

	if (err == MED_OK)
		*drug_code = r.code;
	return err;
}

/* --- the columns of drugs ------------------------------------------------ */

/*
 * The columns held in a text form of their own: each has the helper that
 * writes the form and the one that reads it back (dosage_col's FORM).  A
 * stored form that no longer reads is data loss, never a drug without its
 * limits.
 */

static char *
forms_text(med_arena *a, const void *d)
{
	const dosage_drug *drug = d;

	return dosage_list_text(a, drug->forms, drug->n_forms);
}

static med_err
forms_read(med_arena *a, const char *text, void *d)
{
	dosage_drug *drug = d;

	return dosage_list_read(a, text, &drug->forms, &drug->n_forms);
}

static char *
routes_text(med_arena *a, const void *d)
{
	const dosage_drug *drug = d;

	return dosage_list_text(a, drug->routes, drug->n_routes);
}

static med_err
routes_read(med_arena *a, const char *text, void *d)
{
	dosage_drug *drug = d;

	return dosage_list_read(a, text, &drug->routes, &drug->n_routes);
}

static char *
ingredients_text(med_arena *a, const void *d)
{
	return dosage_ingredients_text(a, d);
}

static med_err
ingredients_read(med_arena *a, const char *text, void *d)
{
	med_err err = dosage_ingredients_read(a, text, d);

	return err == MED_ERR_INVALID ? MED_ERR_DATA_LOSS : err;
}

static char *
groups_text(med_arena *a, const void *d)
{
	return dosage_groups_text(a, d);
}

static med_err
groups_read(med_arena *a, const char *text, void *d)
{
	char why[128];
	med_err err = dosage_groups_read(a, text, d, why, sizeof(why));

	return err == MED_ERR_INVALID ? MED_ERR_DATA_LOSS : err;
}

static med_err
gtins_read(med_arena *a, const char *text, void *d)
{
	dosage_drug *drug = d;

	return dosage_list_read(a, text, &drug->gtins, &drug->n_gtins);
}

static char *
hepatic_text(med_arena *a, const void *d)
{
	return dosage_hepatic_text(a, d);
}

static med_err
hepatic_read(med_arena *a, const char *text, void *d)
{
	return dosage_hepatic_read(a, text, d) == MED_OK ? MED_OK
							 : MED_ERR_DATA_LOSS;
}

#define DRUG(name, kind, field) DOSAGE_COL(name, kind, dosage_drug, field)

/* Every column of drugs, in DRUG_COLUMNS' order: a row is read and an
 * entry written by walking it (columns.h). */
static const dosage_col drug_cols[] = {
	DRUG("code", TEXT, code),
	DRUG("name", TEXT, name),
	DRUG("unit", TEXT, unit),
	DRUG("max_single_dose", DOUBLE, max_single_dose),
	DRUG("max_daily_dose", DOUBLE, max_daily_dose),
	DRUG("high_alert", BOOL, high_alert),
	DRUG("updated_ms", I64, updated_ms),
	DRUG("revision", U32, revision),
	DRUG("code_system", TEXT, code_system),
	DRUG("substance", TEXT, substance),
	DRUG("drug_class", TEXT, drug_class),
	DOSAGE_COL_FORM_OF("forms", forms_text, forms_read),
	DOSAGE_COL_FORM_OF("routes", routes_text, routes_read),
	DRUG("min_single_dose", DOUBLE, min_single_dose),
	DRUG("max_dose_per_kg", DOUBLE, max_dose_per_kg),
	DRUG("max_daily_dose_per_kg", DOUBLE, max_daily_dose_per_kg),
	DRUG("max_dose_per_m2", DOUBLE, max_dose_per_m2),
	DRUG("min_interval_minutes", U32, min_interval_minutes),
	DRUG("lifetime_max_dose", DOUBLE, lifetime_max_dose),
	DOSAGE_COL_FORM_OF("renal_bands", bands_text, bands_read),
	DRUG("strength", DOUBLE, strength),
	DRUG("strength_unit", TEXT, strength_unit),
	DOSAGE_COL_FORM_OF("ingredients", ingredients_text, ingredients_read),
	DOSAGE_COL_FORM_OF("dose_bands", groups_text, groups_read),
	DRUG("weight_missing", ENUM, weight_missing),
	DRUG("crcl_missing", ENUM, crcl_missing),
	DRUG("allergies_missing", ENUM, allergies_missing),
	DRUG("requires_verification", BOOL, requires_verification),
	DRUG("early_dose_warns", BOOL, early_dose_warns),
	DRUG("conc_amount", DOUBLE, concentration_amount),
	DRUG("conc_volume_ml", DOUBLE, concentration_volume_ml),
	DOSAGE_COL_FORM_OF("gtins", gtins_text, gtins_read),
	DRUG("inf_max_rate", DOUBLE, infusion_max_rate),
	DRUG("inf_max_rate_kg", DOUBLE, infusion_max_rate_per_kg),
	DRUG("inf_ceiling", DOUBLE, infusion_rate_ceiling),
	DRUG("infusion_only", BOOL, infusion_only),
	DRUG("inf_max_conc", DOUBLE, infusion_max_concentration),
	DRUG("weekly_only", BOOL, weekly_only),
	DRUG("weight_max_age", U32, weight_max_age_days),
	DRUG("renal_basis", ENUM, renal_basis),
	DOSAGE_COL_FORM_OF("hepatic_bands", hepatic_text, hepatic_read),
	DRUG("lab_rules", TEXT, lab_rules),
	DRUG("lab_source", TEXT, lab_rules_source),
	DRUG("pregnancy", TEXT, pregnancy),
	DRUG("preg_source", TEXT, pregnancy_source),
	DRUG("regimen_limits", TEXT, regimen_limits),
};

#define DRUG_N_COLUMNS DOSAGE_DRUG_N_COLUMNS
_Static_assert(sizeof(drug_cols) / sizeof(drug_cols[0]) == DRUG_N_COLUMNS,
	       "one drug_cols entry per column of DRUG_COLUMNS");
MED_DB_PARAMS_FIT(DRUG_N_COLUMNS);

static med_err
on_drug_row(void *ctx, const med_db_row *row)
{
	drug_rows *r = ctx;
	dosage_drug *d = med_arena_push_msg(
		r->arena, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__dosage__v1__drug__descriptor);
	med_err err;

	if (d == NULL)
		return MED_ERR_NOMEM;
	err = dosage_cols_read(r->arena, row, drug_cols, DRUG_N_COLUMNS, d);
	return err == MED_OK ? dosage_drug_classes(r->arena, d) : err;
}

/* An entry written: every column of drug_cols bound in order; an update
 * keeps the code and counts one more revision. */
#define UPSERT_SQL                                                             \
	"INSERT INTO drugs (" DRUG_COLUMNS ")"                                 \
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"    \
	" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"   \
	" ?, ?, ?, ?, ?)"                                                      \
	" ON DUPLICATE KEY UPDATE name = VALUES(name),"                        \
	" unit = VALUES(unit),"                                                \
	" max_single_dose = VALUES(max_single_dose),"                          \
	" max_daily_dose = VALUES(max_daily_dose),"                            \
	" high_alert = VALUES(high_alert),"                                    \
	" updated_ms = VALUES(updated_ms), revision = revision + 1,"           \
	" code_system = VALUES(code_system),"                                  \
	" substance = VALUES(substance),"                                      \
	" drug_class = VALUES(drug_class), forms = VALUES(forms),"             \
	" routes = VALUES(routes),"                                            \
	" min_single_dose = VALUES(min_single_dose),"                          \
	" max_dose_per_kg = VALUES(max_dose_per_kg),"                          \
	" max_daily_dose_per_kg = VALUES(max_daily_dose_per_kg),"              \
	" max_dose_per_m2 = VALUES(max_dose_per_m2),"                          \
	" min_interval_minutes = VALUES(min_interval_minutes),"                \
	" lifetime_max_dose = VALUES(lifetime_max_dose),"                      \
	" renal_bands = VALUES(renal_bands),"                                  \
	" strength = VALUES(strength),"                                        \
	" strength_unit = VALUES(strength_unit),"                              \
	" ingredients = VALUES(ingredients),"                                  \
	" dose_bands = VALUES(dose_bands),"                                    \
	" weight_missing = VALUES(weight_missing),"                            \
	" crcl_missing = VALUES(crcl_missing),"                                \
	" allergies_missing = VALUES(allergies_missing),"                      \
	" requires_verification = VALUES(requires_verification),"              \
	" early_dose_warns = VALUES(early_dose_warns),"                        \
	" conc_amount = VALUES(conc_amount),"                                  \
	" conc_volume_ml = VALUES(conc_volume_ml),"                            \
	" gtins = VALUES(gtins),"                                              \
	" inf_max_rate = VALUES(inf_max_rate),"                                \
	" inf_max_rate_kg = VALUES(inf_max_rate_kg),"                          \
	" inf_ceiling = VALUES(inf_ceiling),"                                  \
	" infusion_only = VALUES(infusion_only),"                              \
	" inf_max_conc = VALUES(inf_max_conc),"                                \
	" weekly_only = VALUES(weekly_only),"                                  \
	" weight_max_age = VALUES(weight_max_age),"                            \
	" renal_basis = VALUES(renal_basis),"                                  \
	" hepatic_bands = VALUES(hepatic_bands),"                              \
	" lab_rules = VALUES(lab_rules),"                                      \
	" lab_source = VALUES(lab_source),"                                    \
	" pregnancy = VALUES(pregnancy),"                                      \
	" preg_source = VALUES(preg_source),"                                  \
	" regimen_limits = VALUES(regimen_limits)"

/* dosage_store_upsert_conn writes one entry inside the caller's transaction: as
 * written at now_ms, revision 1 when new, "local" when it names no code
 * system. */
med_err
dosage_store_upsert_conn(med_db_conn *c, med_arena *a, const dosage_drug *d,
			 int64_t now_ms)
{
	dosage_drug w = *d;
	med_db_value v[DRUG_N_COLUMNS];
	med_err err;

	w.updated_ms = now_ms;
	w.revision = 1;
	if (w.code_system[0] == '\0')
		w.code_system = (char *)"local";
	if ((err = dosage_cols_bind(a, drug_cols, DRUG_N_COLUMNS, &w, v)) !=
		    MED_OK ||
	    (err = med_db_exec(c, UPSERT_SQL, v, DRUG_N_COLUMNS, NULL, NULL)) !=
		    MED_OK ||
	    (err = substances_put(c, d)) != MED_OK)
		return err;
	return gtins_put(c, d);
}

med_err
dosage_store_drug_conn(med_db_conn *c, med_arena *arena, const char *code,
		       dosage_drug *out)
{
	drug_rows rows = {.arena = arena};
	med_db_value key[] = {MED_DB_STR(code)};
	med_err err = med_db_query_row(
		c, "SELECT " DRUG_COLUMNS " FROM drugs WHERE code = ?", key, 1,
		on_drug_row, &rows);

	if (err == MED_OK)
		*out = *rows.items[0];
	return err;
}

med_err
dosage_store_import_conn(med_db_conn *c, dosage_drug *const *drugs, size_t n,
			 int64_t now_ms)
{
	med_arena *a = med_arena_new(64 * 1024);
	med_err err = a ? MED_OK : MED_ERR_NOMEM;

	/* A scratch arena per row keeps a 5000-row import's memory flat. */
	for (size_t i = 0; err == MED_OK && i < n; i++) {
		err = dosage_store_upsert_conn(c, a, drugs[i], now_ms);
		med_arena_reset(a);
	}
	med_arena_free(a);
	return err;
}

med_err
dosage_drug_columns(med_arena *a, const dosage_drug *d,
		    const char *names[DOSAGE_DRUG_N_COLUMNS],
		    med_db_value v[DOSAGE_DRUG_N_COLUMNS])
{
	for (size_t i = 0; i < DRUG_N_COLUMNS; i++)
		names[i] = drug_cols[i].name;
	return dosage_cols_bind(a, drug_cols, DRUG_N_COLUMNS, d, v);
}

med_err
dosage_store_get(med_db *db, med_arena *arena, const char *code,
		 dosage_drug *out)
{
	drug_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(code)};
	med_err err = med_db_query_row_once(
		db, "SELECT " DRUG_COLUMNS " FROM drugs WHERE code = ?", v, 1,
		on_drug_row, &rows);

	if (err == MED_OK)
		*out = *rows.items[0];
	return err;
}

med_err
dosage_store_list(med_db *db, med_arena *arena, const char *name_prefix,
		  uint64_t offset, uint32_t limit, dosage_drug ***out,
		  size_t *n)
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
