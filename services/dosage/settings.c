/*
 * settings.c - the dosage service's own settings, all of them in one
 * table: the verification tokens' key, the bedside identifications and
 * the scan rule (verify.c, identifiers.c), order verification, records'
 * and diagnosis' facts (patient/), the overdue watch (mar/), the
 * time-critical medicines (catalogue/), the ward's time zone (zone.c), the
 * OME limit, the weight and childbearing rules (checks/) and the patient
 * lookup.  The code reads a value by its key from the service's
 * configuration (med_config_*), which libmed loads and checks against
 * this table at start.
 */
#include <med/config.h>
#include <med/patients.h>

#include "dosage.h"

const med_config_spec dosage_config[] = {
	{IDENTITY_KEY_SETTING, MED_CONFIG_PATH, NULL, false, 0, 0,
	 "identity's Ed25519 public key (base64 text or 32 raw bytes) that "
	 "verifies patient verification tokens; unset: every token is "
	 "refused as unverifiable"},
	{VERIFY_ORDERS_SETTING, MED_CONFIG_STRING, "catalogue", false, 0, 0,
	 "which new orders wait for a pharmacist's VerifyOrder: catalogue "
	 "(drugs marked requires_verification, and every overridden hard "
	 "stop), high_alert (those and every high-alert drug) or all"},
	{RECORDS_URL_SETTING, MED_CONFIG_STRING, "", false, 0, 0,
	 "records' gRPC address (\"records:50052\"): the dose checks read "
	 "the patient's allergies, weight, height and creatinine clearance "
	 "from the record (GetMedicationFacts); empty: dosage's own context "
	 "only (a warning at start)"},
	{"MED_RECORDS_SERVER_NAME", MED_CONFIG_STRING, "records", false, 0, 0,
	 "name records' certificate must carry; empty = the host of "
	 "MED_RECORDS_URL"},
	{"MED_RECORDS_DEADLINE_MS", MED_CONFIG_INT, "1000", false, 10, 30000,
	 "deadline of one GetMedicationFacts call, ms"},
	{OVERDUE_SETTING, MED_CONFIG_INT, "30000", false, 100, 3600000,
	 "how often the unconfirmed high-alert doses past their 30-minute "
	 "window are counted into "
	 "smartmed_dosage_high_alert_unconfirmed_overdue, ms"},
	{TIME_CRITICAL_SETTING, MED_CONFIG_STRING, "", false, 0, 0,
	 "the hospital's time-critical medicines, a CSV file of "
	 "docs/dose-safety.md's format, in place of the shipped table; a "
	 "row without a source (or any bad row) stops the start naming its "
	 "line; empty: the shipped table"},
	{WARD_ZONE_SETTING, MED_CONFIG_STRING, "UTC", false, 0, 0,
	 "the ward's time zone, an IANA name (\"Europe/London\"): GetMar "
	 "gives its times in it (RFC 3339 with offset) and daily schedules "
	 "keep their clock time across its clock changes; an unknown name "
	 "stops the service at start"},
	{DOSAGE_OME_SETTING, MED_CONFIG_INT, "90", false, 10, 100000,
	 "24-h limit of opioids in oral morphine equivalents, mg: above it a "
	 "dose or order is a hard stop, from 90 % it warns (CDC 2022: "
	 "reassess from 50, avoid or justify 90 MME a day)"},
	{DIAGNOSIS_URL_SETTING, MED_CONFIG_STRING, "", false, 0, 0,
	 "diagnosis' gRPC address: the dose checks read the problem list's "
	 "liver disease and Child-Pugh class (GetHepaticFacts) for drugs "
	 "with hepatic bands; empty: those answer not_checked"},
	{"MED_DIAGNOSIS_SERVER_NAME", MED_CONFIG_STRING, "diagnosis", false, 0,
	 0,
	 "name diagnosis' certificate must carry; empty = the host of "
	 "MED_DIAGNOSIS_URL"},
	{"MED_DIAGNOSIS_DEADLINE_MS", MED_CONFIG_INT, "1000", false, 10, 30000,
	 "deadline of one GetHepaticFacts call, ms"},
	{WEIGHT_JUMP_SETTING, MED_CONFIG_INT, "20", false, 0, 1000,
	 "a weight that differs from the previous one (measured within the "
	 "drug's maximum age of a weight before it) by more than this "
	 "percentage is not used for per-kg dosing until ConfirmWeight; 0 "
	 "turns the rule off"},
	{CHILDBEARING_MIN_SETTING, MED_CONFIG_INT, "12", false, 0, 120,
	 "the youngest age, completed years, at which a woman with no "
	 "recorded pregnancy status is stopped from a drug contraindicated "
	 "in pregnancy (until a status or a pregnancy-prevention programme "
	 "is recorded)"},
	{CHILDBEARING_MAX_SETTING, MED_CONFIG_INT, "55", false, 0, 120,
	 "the oldest such age, completed years; 0 turns the rule off"},
	MED_PATIENTS_CONFIG,
	{DOSAGE_IDENTIFIERS_SETTING, MED_CONFIG_STRING,
	 DOSAGE_IDENTIFIERS_DEFAULT, false, 0, 0,
	 "the bedside identifications a dose is charted on, a comma-separated "
	 "list: wristband+face (the wristband scanned, the face matched), "
	 "wristband+stated (the wristband scanned, the patient's stated name "
	 "and birth date confirmed against it) and face (the face alone, as "
	 "tokens signed before they named their identifiers); a dose without "
	 "one needs an audited identity_override"},
	{SCAN_REQUIRED_SETTING, MED_CONFIG_STRING, "high_alert", false, 0, 0,
	 "which doses need the product scanned at RecordAdministration (or "
	 "an audited scan_override): high_alert (high-alert drugs) or all "
	 "(every product)"},
};
const size_t dosage_n_config = sizeof(dosage_config) / sizeof(dosage_config[0]);
