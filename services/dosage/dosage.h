/*
 * dosage.h - what every part of the dosage service shares: the message
 * types, the process's settings (settings.c) and state (verify.c,
 * overdue.c), the ward's time zone (zone.c), a patient's merged records
 * and what is known of them, the subject of a check, and the handler table
 * (methods.c).
 *
 * Each sub-folder has its own header for the rest, included by the files
 * that use it: catalogue/catalogue.h (the catalogue, its CSV and SQL, the
 * product scan), patient/patient.h (records' and diagnosis' facts, merged
 * records), checks/checks.h (validation, the dose checks, limits and class
 * checks; the pure rules are dose.h, the infusion rates' infusion.h),
 * subject/subject.h (the patient's context, loading a dose's subject, the
 * stored form of checks and administrations), orders/orders.h (orders,
 * schedules, stays), mar/mar.h (administrations and the ward round),
 * infusions/infusions.h (infusions in SQL) and fhir/fhir_export.h
 * (ExportFhir).  The folders stack in that order, below them this
 * header and dose_types.h (the data of a dose check): a file includes
 * only headers of its own folder and those below (tools/dev/
 * check_layers.py, DOSAGE_LAYERS) and uses only their symbols
 * (tools/dev/check_symbols.py).
 */
#ifndef DOSAGE_H
#define DOSAGE_H

#include <med/db.h>
#include <med/facts.h>
#include "dose_types.h"
#include <med/patients.h>
#include <med/rpc.h>
#include <med/service.h>
#include <med/stays.h>
#include <med/vtoken.h>

#include "smartmed/dosage/v1/dosage.pb-c.h"

typedef Smartmed__Dosage__V1__Drug dosage_drug;
typedef Smartmed__Dosage__V1__Order dosage_order;
typedef Smartmed__Dosage__V1__PatientContext dosage_context;
typedef Smartmed__Dosage__V1__Administration dosage_admin;
typedef Smartmed__Dosage__V1__Cosign dosage_cosign;
typedef Smartmed__Dosage__V1__DoseCheck dosage_check;
typedef Smartmed__Dosage__V1__Override dosage_override;
typedef Smartmed__Dosage__V1__DoseDeviation dosage_deviation;
/* What records' GetMedicationFacts answered about a patient (med/facts.h). */
typedef med_medication_facts dosage_facts;
/* dosage_zone - the ward's time zone (zone.c). */
typedef struct dosage_zone dosage_zone;
/* What diagnosis' GetHepaticFacts answered about a patient's liver. */
typedef med_hepatic_facts dosage_hepatic_facts;

extern const med_method dosage_methods[];
extern const size_t dosage_n_methods;
extern const med_db_migration dosage_migrations[];
extern const size_t dosage_n_migrations;
/* The service's settings, all in one table (settings.c). */
extern const med_config_spec dosage_config[];
extern const size_t dosage_n_config;

/* FHIR MedicationAdministration status codes we write. */
#define DOSAGE_ADMIN_COMPLETED "completed"
#define DOSAGE_ADMIN_ON_HOLD   "on-hold"
#define DOSAGE_ADMIN_NOT_DONE  "not-done"
#define DOSAGE_ADMIN_IN_ERROR  "entered-in-error"
/* FHIR MedicationAdministration status of an infusion. */
#define DOSAGE_INFUSION_RUNNING "in-progress"
#define DOSAGE_INFUSION_STOPPED DOSAGE_ADMIN_COMPLETED
/* A high-alert administration must be confirmed within this time. */
#define DOSAGE_CONFIRM_WINDOW_MS (30LL * 60 * 1000)
/* A co-sign is good for this long: the dose is given at the bedside right
 * after the second person checked it. */
#define DOSAGE_COSIGN_TTL_MS (15LL * 60 * 1000)
/* Due for this long after due_ms, overdue afterwards. */
#define DOSAGE_DUE_GRACE_MS (60LL * 60 * 1000)
/* How far ahead an order may start or end (and a renewal end): two years.
 * Longer-running orders are renewed; a later date is a typo ("9999" for
 * "no end", which is end_ms 0). */
#define DOSAGE_ORDER_HORIZON_MS (730LL * 24 * 3600 * 1000)

/* --- verify.c: the service's state and verification tokens ------------ */

/* dosage_verify_mode - which new orders need a pharmacist
 * (MED_DOSAGE_VERIFY_ORDERS). */
typedef enum dosage_verify_mode {
	DOSAGE_VERIFY_CATALOGUE = 0,
	DOSAGE_VERIFY_HIGH_ALERT = 1,
	DOSAGE_VERIFY_ALL = 2,
} dosage_verify_mode;

/* --- overdue.c: unconfirmed high-alert doses (mar/, mar.h starts it) --- */

typedef struct dosage_overdue dosage_overdue;

#define OVERDUE_SETTING "MED_DOSAGE_OVERDUE_SCAN_MS"

/* dosage_state - per-process state (med_service_data). */
typedef struct dosage_state {
	dosage_overdue *overdue;
	med_vtoken_keyset keys;
	bool keys_configured; /* MED_IDENTITY_PUBLIC_KEY_FILE was set */
	dosage_verify_mode verify;
	med_channel *records; /* GetMedicationFacts; NULL when not set */
	int64_t records_deadline_ms;
	int scan;	    /* dosage_scan_mode */
	char ward_zone[64]; /* MED_WARD_TIME_ZONE, checked at start */
	/* A weight this far from the previous one needs a confirmation
	 * (MED_DOSAGE_WEIGHT_JUMP_PERCENT / 100; 0: no rule). */
	double weight_jump_fraction;
	/* The ages counted as childbearing, completed years
	 * (MED_DOSAGE_CHILDBEARING_AGE_MIN/MAX; max 0: no rule). */
	int childbearing_min_years, childbearing_max_years;
	med_channel *diagnosis; /* GetHepaticFacts; NULL when not set */
	int64_t diagnosis_deadline_ms;
	/* The identifier combinations a token may name
	 * (MED_DOSAGE_IDENTIFIERS; identifiers.c), one bit each. */
	unsigned identifiers;
} dosage_state;

/* identity's public key, which orders wait for VerifyOrder, which doses
 * need a product scan (verify.c reads them). */
#define IDENTITY_KEY_SETTING	 "MED_IDENTITY_PUBLIC_KEY_FILE"
#define VERIFY_ORDERS_SETTING	 "MED_DOSAGE_VERIFY_ORDERS"
#define SCAN_REQUIRED_SETTING	 "MED_DOSAGE_SCAN_REQUIRED"
#define WARD_ZONE_SETTING	 "MED_WARD_TIME_ZONE"
#define DIAGNOSIS_URL_SETTING	 "MED_DIAGNOSIS_URL"
#define WEIGHT_JUMP_SETTING	 "MED_DOSAGE_WEIGHT_JUMP_PERCENT"
#define CHILDBEARING_MIN_SETTING "MED_DOSAGE_CHILDBEARING_AGE_MIN"
#define CHILDBEARING_MAX_SETTING "MED_DOSAGE_CHILDBEARING_AGE_MAX"
#define RECORDS_URL_SETTING	 "MED_RECORDS_URL"
/* The hospital's time-critical medicines (catalogue/time_critical.h). */
#define TIME_CRITICAL_SETTING "MED_DOSAGE_TIME_CRITICAL_FILE"
/* The hospital's 24-h limit of opioids in oral morphine equivalents, mg. */
#define DOSAGE_OME_SETTING "MED_DOSAGE_OME_MAX_24H_MG"

/* dosage_scan_mode - which products need a scan at administration
 * (MED_DOSAGE_SCAN_REQUIRED). */
typedef enum dosage_scan_mode {
	DOSAGE_SCAN_HIGH_ALERT = 0,
	DOSAGE_SCAN_ALL = 1,
} dosage_scan_mode;

/* --- merged records, read through identity's links (patient.h) -------- */

/* DOSAGE_FAMILY_MAX: a patient and the most records merged into it. */
#define DOSAGE_FAMILY_MAX (1 + MED_PATIENT_MERGED_MAX)
/* DOSAGE_FAMILY_IN: SQL for "one of the family" (DOSAGE_FAMILY_MAX
 * parameters, dosage_family_bind fills them): one statement whatever the
 * family's size, so it stays one prepared statement. */
#define DOSAGE_FAMILY_Q4 "?, ?, ?, ?, "
#define DOSAGE_FAMILY_IN                                                       \
	" IN (" DOSAGE_FAMILY_Q4 DOSAGE_FAMILY_Q4 DOSAGE_FAMILY_Q4             \
		DOSAGE_FAMILY_Q4 DOSAGE_FAMILY_Q4 DOSAGE_FAMILY_Q4             \
			DOSAGE_FAMILY_Q4 DOSAGE_FAMILY_Q4 "?)"

/*
 * dosage_family - a patient and the records merged into it (identity's
 * active links, asked at the time of the check): the dose checks count the
 * merged records' administrations, running infusions, context and record
 * facts as the patient's own.  ids[0] is the patient.
 */
typedef struct dosage_family {
	const char *ids[DOSAGE_FAMILY_MAX];
	size_t n;
} dosage_family;

/* dosage_known - what the checks learn of a patient outside dosage's own
 * tables, before the transaction: identity's birth date and merged records
 * and the record's facts (joined over the family). */
/* dosage_death - what identity says of the patient's death (orders/death.c;
 * docs/dose-safety.md, "Death"). */
typedef struct dosage_death {
	bool deceased;	     /* identity records the patient as dead */
	int64_t deceased_ms; /* the time of death; 0 when not known */
} dosage_death;

typedef struct dosage_known {
	char birth_date[MED_BIRTH_DATE_MAX]; /* "" unknown */
	dosage_death death;	     /* asked of identity, never cached */
	const dosage_facts *facts;   /* NULL: records not configured */
	dosage_family family;	     /* ids in the call's arena */
	double weight_jump_fraction; /* the setting, for the checks */
	int childbearing_min_years, childbearing_max_years; /* settings */
	const dosage_hepatic_facts *hepatic; /* NULL: diagnosis not set */
	char sex; /* identity's: 'F', 'M', 'O' or 0 unknown */
	/* identity's bedside hold: the last check that did not identify the
	 * patient ("no-match", "retake", "stated-mismatch"; "" none) and
	 * when (docs/face.md, "A non-match never becomes an override"). */
	char unconfirmed[24];
	int64_t unconfirmed_ms;
	/* The names allergies are read through (catalogue/allergy_text.h). */
	const struct dosage_allergy_names *allergy_names;
	/* The pharmacy's codings of the family's allergy texts. */
	const struct dosage_allergy_codings *allergy_codings;
} dosage_known;

/* --- verify.c, continued ---------------------------------------------- */

/* dosage_order_needs_verification: must a new order of d wait for a
 * pharmacist (the drug, the setting, or an overridden hard stop)? */
bool dosage_order_needs_verification(med_call *call, const dosage_drug *d,
				     bool overridden);

/* dosage_settings_load reads the service's settings (verification and
 * scan modes, ward zone, identity's public key) into a new state (start.c
 * starts the rest).  Errors are logged, naming the setting. */
med_err dosage_settings_load(med_service *svc,
			     dosage_state **out) MED_MUST_CHECK;

/*
 * dosage_verify_token checks a verification token offline; on failure the
 * call fails with FAILED_PRECONDITION "verification_token: <why>".
 */
med_err dosage_verify_token(med_call *call, const char *token, int64_t now_ms,
			    med_vtoken_claims *out) MED_MUST_CHECK;

/* --- identifiers.c: the bedside identification policy ------------------ */

#define DOSAGE_IDENTIFIERS_SETTING "MED_DOSAGE_IDENTIFIERS"
#define DOSAGE_IDENTIFIERS_DEFAULT "wristband+face,wristband+stated"

/*
 * dosage_identifiers_parse reads a comma-separated list of identifier
 * combinations (MED_VTOKEN_CHECKED_*; "" is the default) into a set.
 * Errors: MED_ERR_INVALID (an unknown one, or none).
 */
med_err dosage_identifiers_parse(const char *s, unsigned *out) MED_MUST_CHECK;

/*
 * dosage_identifiers_check fails the call (FAILED_PRECONDITION naming
 * verification_token and what the ward accepts) when the token's checked
 * claim is not in the service's policy; otherwise adds it to the audit
 * event as the detail identifiers.
 */
med_err dosage_identifiers_check(med_call *call,
				 const med_vtoken_claims *c) MED_MUST_CHECK;

/*
 * dosage_identifiers_count counts a charted dose by how the patient was
 * identified: the token's identifiers (c), or the identity override's
 * reason when there was no token.
 */
void dosage_identifiers_count(med_call *call, const med_vtoken_claims *c,
			      const dosage_override *identity_override);

/*
 * dosage_identity_hold_guard refuses an identity override while identity
 * holds a bedside check that did not identify the patient (k->unconfirmed:
 * a face no-match or retake, stated identifiers that did not match):
 * FAILED_PRECONDITION naming identity_override and the stated check, and
 * counted (smartmed_dosage_identity_overrides_refused_total{after}).  An
 * override whose reason is OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK
 * passes, with the hold in the audit event (identity_override_after).
 * MED_OK without an override or a hold.  docs/face.md, "A non-match never
 * becomes an override".
 */
med_err dosage_identity_hold_guard(med_call *call, const dosage_known *k,
				   const dosage_override *identity_override)
	MED_MUST_CHECK;

/* dosage_scan_mode_of is the service's MED_DOSAGE_SCAN_REQUIRED. */
dosage_scan_mode dosage_scan_mode_of(med_call *call);

/* --- zone.c: the ward's time zone (ICU) -------------------------------- */

/* A dosage_zone is one IANA time zone, for one thread at a time (a call
 * opens its own).  NULL everywhere means UTC. */

/* dosage_zone_check: is name an IANA zone id ICU knows?  MED_ERR_INVALID
 * when not. */
med_err dosage_zone_check(const char *name) MED_MUST_CHECK;

/* dosage_zone_open opens zone name.  Errors: MED_ERR_INVALID (unknown
 * zone), MED_ERR_NOMEM. */
med_err dosage_zone_open(const char *name, dosage_zone **out) MED_MUST_CHECK;

/* dosage_zone_close frees z; NULL is fine. */
void dosage_zone_close(dosage_zone *z);

/* dosage_zone_name is z's IANA name ("UTC" for NULL). */
const char *dosage_zone_name(const dosage_zone *z);

/* dosage_zone_offset_ms is z's offset from UTC at utc_ms (BST: 3600000). */
int64_t dosage_zone_offset_ms(dosage_zone *z, int64_t utc_ms);

/* dosage_zone_wall_ms is the wall-clock time at utc_ms, as the Unix ms of
 * the same date and clock time in UTC. */
int64_t dosage_zone_wall_ms(dosage_zone *z, int64_t utc_ms);

/* dosage_zone_utc_ms is the instant of a wall-clock time (as
 * dosage_zone_wall_ms gives it): one the clock skips is read with the
 * offset before the change, one that occurs twice is the first. */
int64_t dosage_zone_utc_ms(dosage_zone *z, int64_t wall_ms);

/* dosage_zone_rfc3339 writes utc_ms in z as RFC 3339 with its offset
 * ("2026-10-25T08:00:00+00:00"; milliseconds only when not 0), in a;
 * "" when out of the time bounds, NULL when out of memory. */
char *dosage_zone_rfc3339(med_arena *a, dosage_zone *z, int64_t utc_ms);

/* dosage_ward_zone opens the ward's zone for a call (MED_WARD_TIME_ZONE;
 * *out NULL for UTC).  Errors: MED_ERR_NOMEM. */
med_err dosage_ward_zone(med_call *call, dosage_zone **out) MED_MUST_CHECK;

/* --- the subject of a check (mar.h loads it) ---------------------------- */

/* dosage_subject - what the checks need, loaded in one transaction. */
typedef struct dosage_subject {
	dosage_order order; /* when loaded by order */
	bool has_order;
	dosage_drug drug;
	dosage_context ctx;
	bool has_ctx;
	dosage_dose_history hist;
	int64_t at_ms;
	dosage_cosign cosign; /* RecordAdministration's co-sign */
	bool has_cosign;
	const char *cosign_used_by; /* administration id, "" while unused */
	char *scanned_drug_code;    /* the scanned GTIN's entry, NULL: none */
	/* The products of a duplicate-therapy group given around at_ms. */
	struct dosage_class_list *classes;
} dosage_subject;

/* --- the handlers, one per RPC ----------------------------------------- */

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_UNARY_HANDLER(dosage_rpc_upsert_drug);
MED_UNARY_HANDLER(dosage_rpc_get_drug);
MED_UNARY_HANDLER(dosage_rpc_list_drugs);
MED_UNARY_HANDLER(dosage_rpc_import_catalogue);
MED_UNARY_HANDLER(dosage_rpc_approve_catalogue_import);
MED_UNARY_HANDLER(dosage_rpc_approve_allergy_names);
MED_UNARY_HANDLER(dosage_rpc_import_allergy_names);
MED_UNARY_HANDLER(dosage_rpc_code_allergy);
MED_UNARY_HANDLER(dosage_rpc_set_patient_context);
MED_UNARY_HANDLER(dosage_rpc_get_patient_context);
MED_UNARY_HANDLER(dosage_rpc_confirm_weight);
MED_UNARY_HANDLER(dosage_rpc_create_order);
MED_UNARY_HANDLER(dosage_rpc_get_order);
MED_UNARY_HANDLER(dosage_rpc_discontinue_order);
MED_UNARY_HANDLER(dosage_rpc_verify_order);
MED_UNARY_HANDLER(dosage_rpc_check_dose);
MED_UNARY_HANDLER(dosage_rpc_record_administration);
MED_UNARY_HANDLER(dosage_rpc_confirm_high_alert);
MED_UNARY_HANDLER(dosage_rpc_list_due);
MED_UNARY_HANDLER(dosage_rpc_history);
MED_UNARY_HANDLER(dosage_rpc_list_orders);
MED_UNARY_HANDLER(dosage_rpc_modify_order);
MED_UNARY_HANDLER(dosage_rpc_renew_order);
MED_UNARY_HANDLER(dosage_rpc_hold_order);
MED_UNARY_HANDLER(dosage_rpc_resume_order);
MED_UNARY_HANDLER(dosage_rpc_get_order_history);
MED_UNARY_HANDLER(dosage_rpc_record_not_given);
MED_UNARY_HANDLER(dosage_rpc_get_mar);
MED_UNARY_HANDLER(dosage_rpc_mark_administration_entered_in_error);
MED_UNARY_HANDLER(dosage_rpc_cosign_administration);
MED_UNARY_HANDLER(dosage_rpc_start_infusion);
MED_UNARY_HANDLER(dosage_rpc_change_infusion_rate);
MED_UNARY_HANDLER(dosage_rpc_stop_infusion);
MED_UNARY_HANDLER(dosage_rpc_export_fhir);
/* ReconcileAudit: mar/handlers_reconcile.c. */
MED_UNARY_HANDLER(dosage_rpc_reconcile_audit);
/* ReadFhir: fhir/read_fhir.c (fhirread). */
MED_UNARY_HANDLER(dosage_rpc_read_fhir);
MED_UNARY_HANDLER(dosage_rpc_reconcile_order);
MED_UNARY_HANDLER(dosage_rpc_import_interactions);
MED_UNARY_HANDLER(dosage_rpc_get_interactions);
MED_UNARY_HANDLER(dosage_rpc_approve_interactions);
MED_UNARY_HANDLER(dosage_rpc_import_substance_knowledge);
MED_UNARY_HANDLER(dosage_rpc_get_substance_knowledge);
MED_UNARY_HANDLER(dosage_rpc_approve_substance_knowledge);
/* Home medicines: orders/handlers_home.c; their FHIR, fhir/home_fhir.c. */
MED_UNARY_HANDLER(dosage_rpc_add_home_medication);
MED_UNARY_HANDLER(dosage_rpc_list_home_medications);
MED_UNARY_HANDLER(dosage_rpc_stop_home_medication);
MED_UNARY_HANDLER(dosage_rpc_decide_home_medication);
MED_UNARY_HANDLER(dosage_rpc_export_home_medications_fhir);

#endif
