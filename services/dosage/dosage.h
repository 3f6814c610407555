/*
 * dosage.h - the dosage service's internal interfaces: the drug catalogue,
 * patient context, orders, dose checks and administrations
 * (handlers*.c → domain.c, catalogue.c, schedule.c, verify.c → store*.c).
 */
#ifndef DOSAGE_H
#define DOSAGE_H

#include <med/db.h>
#include <med/facts.h>
#include "dose.h"
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
extern const med_config_spec dosage_config[];
extern const size_t dosage_n_config;

/* FHIR MedicationAdministration status codes we write. */
#define DOSAGE_ADMIN_COMPLETED "completed"
#define DOSAGE_ADMIN_ON_HOLD   "on-hold"
#define DOSAGE_ADMIN_NOT_DONE  "not-done"
#define DOSAGE_ADMIN_IN_ERROR  "entered-in-error"
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

/* --- handlers_admin.c: the clinical RPCs (handlers.c holds the table) -- */

/* --- verify.c: the service's state and verification tokens ------------ */

/* dosage_verify_mode - which new orders need a pharmacist
 * (MED_DOSAGE_VERIFY_ORDERS). */
typedef enum dosage_verify_mode {
	DOSAGE_VERIFY_CATALOGUE = 0,
	DOSAGE_VERIFY_HIGH_ALERT = 1,
	DOSAGE_VERIFY_ALL = 2,
} dosage_verify_mode;

/* dosage_state - per-process state (med_service_data). */
/* --- overdue.c: unconfirmed high-alert doses, counted ------------------- */

typedef struct dosage_overdue dosage_overdue;

#define OVERDUE_SETTING "MED_DOSAGE_OVERDUE_SCAN_MS"

/* dosage_overdue_start starts the thread that counts unconfirmed
 * high-alert doses past their window into a gauge.  Errors: NOMEM. */
med_err dosage_overdue_start(med_service *svc,
			     dosage_overdue **out) MED_MUST_CHECK;

/* dosage_overdue_stop stops and frees it; NULL is fine. */
void dosage_overdue_stop(dosage_overdue *w);

typedef struct dosage_state {
	dosage_overdue *overdue;
	med_vtoken_keyset keys;
	bool keys_configured; /* MED_IDENTITY_PUBLIC_KEY_FILE was set */
	dosage_verify_mode verify;
	med_channel *records; /* GetMedicationFacts; NULL when not set */
	int64_t records_deadline_ms;
	int scan;	    /* dosage_scan_mode (limits.c) */
	char ward_zone[64]; /* MED_WARD_TIME_ZONE, checked at start */
	/* A weight this far from the previous one needs a confirmation
	 * (MED_DOSAGE_WEIGHT_JUMP_PERCENT / 100; 0: no rule). */
	double weight_jump_fraction;
	med_channel *diagnosis; /* GetHepaticFacts; NULL when not set */
	int64_t diagnosis_deadline_ms;
} dosage_state;

#define WARD_ZONE_SETTING "MED_WARD_TIME_ZONE"

#define DIAGNOSIS_URL_SETTING "MED_DIAGNOSIS_URL"

/* --- hepatic.c: the liver from the problem list ----------------------- */

/* dosage_hepatic_start opens the channel to diagnosis when
 * MED_DIAGNOSIS_URL is set (a warning when not). */
med_err dosage_hepatic_start(med_service *svc, dosage_state *st) MED_MUST_CHECK;

/* dosage_hepatic_stop closes it. */
void dosage_hepatic_stop(dosage_state *st);

/* dosage_hepatic_fetch asks diagnosis for patient_id's hepatic facts (*out
 * NULL when diagnosis is not configured); fails the call UNAVAILABLE
 * naming field when diagnosis cannot answer. */
med_err dosage_hepatic_fetch(med_call *call, const char *field,
			     const char *patient_id,
			     const dosage_hepatic_facts **out) MED_MUST_CHECK;

/* dosage_hepatic_apply puts h (NULL: unknown) into p. */
void dosage_hepatic_apply(const dosage_hepatic_facts *h,
			  dosage_dose_patient *p);

#define WEIGHT_JUMP_SETTING "MED_DOSAGE_WEIGHT_JUMP_PERCENT"

#define RECORDS_URL_SETTING "MED_RECORDS_URL"

/* --- facts.c: the patient's facts from the record ----------------------- */

/* dosage_facts_start opens the channel to records when MED_RECORDS_URL is
 * set (a warning when not).  Errors: the certificate files, the URL. */
med_err dosage_facts_start(med_service *svc, dosage_state *st) MED_MUST_CHECK;

/* dosage_facts_stop closes it. */
void dosage_facts_stop(dosage_state *st);

/*
 * dosage_facts_fetch asks records for patient_id's facts (*out NULL when
 * records is not configured).  When records cannot answer, fails the call
 * UNAVAILABLE naming field: no dose is checked without the record.
 */
med_err dosage_facts_fetch(med_call *call, const char *field,
			   const char *patient_id,
			   const dosage_facts **out) MED_MUST_CHECK;

/* dosage_facts_apply puts the record's facts over p (dosage's context):
 * each measurement the record holds replaces the context's, and the
 * record's allergies join the context's (arena for the list). */
void dosage_facts_apply(med_arena *a, const dosage_facts *f,
			dosage_dose_patient *p);

/* --- family.c: merged records, read through identity's links ----------- */

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

/*
 * dosage_family_bind fills v[0..DOSAGE_FAMILY_MAX) for DOSAGE_FAMILY_IN:
 * f's ids when f is patient_id's family, else patient_id alone; the slots
 * left repeat patient_id.  Returns DOSAGE_FAMILY_MAX.
 */
size_t dosage_family_bind(const dosage_family *f, const char *patient_id,
			  med_db_value *v);

/* dosage_family_merged: the records merged into patient_id (f's ids after
 * the first when f is its family; none otherwise) and their count. */
size_t dosage_family_merged(const dosage_family *f, const char *patient_id,
			    const char *const **ids);

/*
 * dosage_context_join joins src (a merged record's context) into dst: each
 * measurement the newer of the two (by its measured time), the allergies
 * of both (arena for the list), assessed when either was.  A record merged
 * into the patient is the same person: an allergy or a weight charted on
 * it is the patient's.
 */
void dosage_context_join(med_arena *a, dosage_context *dst,
			 const dosage_context *src);

/* dosage_facts_join joins the record's facts of a merged record (src)
 * into dst the same way; NOMEM leaves dst as it was. */
med_err dosage_facts_join(med_arena *a, dosage_facts *dst,
			  const dosage_facts *src) MED_MUST_CHECK;

/* dosage_known - what the checks learn of a patient outside dosage's own
 * tables, before the transaction: identity's birth date and merged records
 * and the record's facts (joined over the family). */
typedef struct dosage_known {
	char birth_date[MED_BIRTH_DATE_MAX]; /* "" unknown */
	const dosage_facts *facts;	     /* NULL: records not configured */
	dosage_family family;		     /* ids in the call's arena */
	double weight_jump_fraction;	     /* the setting, for the checks */
	const dosage_hepatic_facts *hepatic; /* NULL: diagnosis not set */
} dosage_known;

/* dosage_know_patient fills k for patient_id (field names it in errors). */
med_err dosage_know_patient(med_call *call, const char *field,
			    const char *patient_id,
			    dosage_known *k) MED_MUST_CHECK;

/* dosage_order_needs_verification: must a new order of d wait for a
 * pharmacist (the drug, the setting, or an overridden hard stop)? */
bool dosage_order_needs_verification(med_call *call, const dosage_drug *d,
				     bool overridden);

/* dosage_start loads the identity public key (med_service_def.start). */
med_err dosage_start(med_service *svc) MED_MUST_CHECK;

/* dosage_stop frees the state (med_service_def.stop). */
void dosage_stop(med_service *svc);

/*
 * dosage_verify_token checks a verification token offline; on failure the
 * call fails with FAILED_PRECONDITION "verification_token: <why>".
 */
med_err dosage_verify_token(med_call *call, const char *token, int64_t now_ms,
			    med_vtoken_claims *out) MED_MUST_CHECK;

/* --- domain.c: the rules ----------------------------------------------- */

/* dosage_check_code requires a catalogue code (field names the field). */
med_err dosage_check_code(med_call *call, const char *field,
			  const char *code) MED_MUST_CHECK;

/*
 * dosage_drug_problem checks a catalogue entry; on a problem it sets *field
 * (relative: "max_single_dose") and writes reason, and returns true.
 */
bool dosage_drug_problem(const dosage_drug *d, const char **field, char *reason,
			 size_t len);

/* dosage_check_drug applies the catalogue rules to an upserted entry. */
med_err dosage_check_drug(med_call *call, const dosage_drug *d) MED_MUST_CHECK;

/* dosage_drug_normalise stores d's substances by their codes (after the
 * rules passed: every substance is known). */
void dosage_drug_normalise(dosage_drug *d);

/* dosage_drug_strength gives the amount of d's main substance in one unit
 * of d: its strength, or 1 of its own unit when none is set. */
void dosage_drug_strength(const dosage_drug *d, double *strength,
			  const char **unit);

/* dosage_drug_groups reads d's dose bands into g (at most
 * DOSAGE_DOSE_MAX_GROUPS); MED_ERR_INVALID with why naming the band. */
med_err dosage_drug_groups(const dosage_drug *d, dosage_dose_group *g,
			   size_t *n, char *why, size_t len) MED_MUST_CHECK;

/* dosage_groups_to_drug adds g to d's dose_bands (arena). */
med_err dosage_groups_to_drug(med_arena *a, const dosage_dose_group *g,
			      size_t n, dosage_drug *d) MED_MUST_CHECK;

/* Text forms for the CSV and the catalogue table: other ingredients as
 * "codeine:8:mg;..." and bands as dosage_dose_groups_parse reads them.
 * The _text functions return NULL when out of memory (or, for bands, when
 * d's bands are invalid); the _read functions fail MED_ERR_INVALID on
 * text that does not parse. */
char *dosage_ingredients_text(med_arena *a, const dosage_drug *d);
med_err dosage_ingredients_read(med_arena *a, const char *text,
				dosage_drug *d) MED_MUST_CHECK;
char *dosage_groups_text(med_arena *a, const dosage_drug *d);
med_err dosage_groups_read(med_arena *a, const char *text, dosage_drug *d,
			   char *why, size_t len) MED_MUST_CHECK;

/* Plausible patient measurements: anything outside is a typing error
 * (refused at input) or a bad value in the record (not used). */
#define DOSAGE_WEIGHT_MIN_KG 0.2
#define DOSAGE_WEIGHT_MAX_KG 500.0
#define DOSAGE_HEIGHT_MIN_CM 20.0
#define DOSAGE_HEIGHT_MAX_CM 280.0
#define DOSAGE_CRCL_MIN	     1.0 /* mL/min, for a value above 0 */
#define DOSAGE_CRCL_MAX	     300.0

/* dosage_weight_plausible, dosage_height_plausible, dosage_crcl_plausible:
 * is v within the bounds above (CrCl: 0, or DOSAGE_CRCL_MIN..MAX)? */
bool dosage_weight_plausible(double kg);
bool dosage_height_plausible(double cm);
bool dosage_crcl_plausible(double ml_min);
/* The oldest a drug may let a weight be (Drug.weight_max_age_days). */
#define DOSAGE_WEIGHT_MAX_AGE_DAYS 365
/* dosage_egfr_plausible: an eGFR from 0 to 300 mL/min/1.73 m2. */
bool dosage_egfr_plausible(double ml_min_173);

/* dosage_check_context validates SetPatientContext's context. */
med_err dosage_check_context(med_call *call,
			     const dosage_context *c) MED_MUST_CHECK;

/* dosage_check_order validates CreateOrder's order (not the drug). */
med_err dosage_check_order(med_call *call, const dosage_order *o,
			   int64_t now_ms) MED_MUST_CHECK;

/* dosage_check_override validates an override (field: "dose_override"). */
med_err dosage_check_override(med_call *call, const char *field,
			      const dosage_override *o) MED_MUST_CHECK;

/*
 * dosage_convert converts dose (in unit) into the drug's unit; fails the
 * call with INVALID_ARGUMENT naming field ("unit") when it cannot.
 */
med_err dosage_convert(med_call *call, const char *field, double dose,
		       const char *unit, const dosage_drug *drug,
		       double *out) MED_MUST_CHECK;

/* dosage_drug_hepatic fills l's hepatic bands from d's. */
void dosage_drug_hepatic(const dosage_drug *d, dosage_dose_limits *l);

/* Hepatic bands as text ("A:1;B:0.5;C:0") for the CSV and the catalogue
 * table: _text NULL when out of memory; _read MED_ERR_INVALID on text that
 * does not parse. */
char *dosage_hepatic_text(med_arena *a, const dosage_drug *d);
med_err dosage_hepatic_read(med_arena *a, const char *text,
			    dosage_drug *d) MED_MUST_CHECK;

/* dosage_limits fills l from drug (strings borrowed). */
void dosage_limits(const dosage_drug *drug, dosage_dose_limits *l);

/* dosage_patient fills p from c (NULL: nothing known) and k (the birth
 * date, the record's facts over c's) at at_ms; strings borrowed, the
 * allergy list from a. */
void dosage_patient(med_arena *a, const dosage_context *c,
		    const dosage_known *k, int64_t at_ms,
		    dosage_dose_patient *p);

/*
 * dosage_evaluate runs every check of dose (in the drug's unit) at at_ms;
 * order (NULL for a dose proposed without one) adds what it allows: its
 * frequency's interval, or a PRN order's own interval and 24-h maximum.
 */
void dosage_evaluate(const dosage_drug *drug, const dosage_order *order,
		     const dosage_dose_patient *p, const dosage_dose_history *h,
		     double dose, int64_t at_ms,
		     dosage_dose_result r[DOSAGE_DOSE_N_CHECKS]);

/* dosage_first_hard_stop returns the reason of the first hard stop among
 * c, or "". */
const char *dosage_first_hard_stop(dosage_check *const *c, size_t n);

/* dosage_checks_to_pb copies n results into DoseCheck messages (arena).
 * Errors: MED_ERR_NOMEM. */
med_err dosage_checks_to_pb(med_arena *a, const dosage_dose_result *r, size_t n,
			    dosage_check ***out, size_t *n_out) MED_MUST_CHECK;

/*
 * dosage_run_checks is dosage_evaluate into a CheckDoseResponse (checks
 * from the arena).  Errors: MED_ERR_NOMEM.
 */
med_err
dosage_run_checks(med_arena *a, const dosage_drug *drug,
		  const dosage_order *order, const dosage_dose_patient *p,
		  const dosage_dose_history *h, double dose_drug_unit,
		  int64_t at_ms,
		  Smartmed__Dosage__V1__CheckDoseResponse *res) MED_MUST_CHECK;

/*
 * dosage_regimen_history is the history an order's regimen implies at
 * order entry: a day of doses at its frequency (a PRN order: its own 24-h
 * maximum, or as many doses as its interval allows) and the gap between
 * them.  lifetime is what the patient was already given.
 */
void dosage_regimen_history(const dosage_order *o, const dosage_drug *drug,
			    double dose_drug_unit, double lifetime,
			    dosage_dose_history *h);

/* dosage_order_fhir_status names status as FHIR MedicationRequest.status
 * ("active", "on-hold", "completed", "stopped", "draft"). */
const char *dosage_order_fhir_status(Smartmed__Dosage__V1__OrderStatus status);

/* dosage_order_settle gives o the status it has at now_ms: an active or
 * held order past its end is completed. */
void dosage_order_settle(dosage_order *o, int64_t now_ms);

/* dosage_order_refuse fails the call FAILED_PRECONDITION saying why o's
 * state forbids what was asked ("order_id: order is on hold; ..."). */
med_err dosage_order_refuse(med_call *call,
			    const dosage_order *o) MED_MUST_CHECK;

/* --- catalogue.c: CSV import ------------------------------------------- */

/* dosage_import - the parsed CSV: entries and row errors (arena-backed). */
typedef struct dosage_import {
	dosage_drug **drugs;
	size_t n_drugs, cap_drugs;
	Smartmed__Dosage__V1__RowError **errors;
	size_t n_errors, cap_errors;
} dosage_import;

#define DOSAGE_CSV_MAX_BYTES  (1024 * 1024)
#define DOSAGE_CSV_MAX_ROWS   5000
#define DOSAGE_CSV_MAX_ERRORS 100

/*
 * dosage_amount_problem checks an amount of drug, a dose or a limit: a
 * finite number from 0 (above 0 when required) up to 1e6 in the drug's
 * unit; else fills p naming field and returns MED_ERR_INVALID.  The one
 * rule for every amount the service takes.
 */
med_err dosage_amount_problem(const char *field, double v, bool required,
			      med_problem *p) MED_MUST_CHECK;

/*
 * dosage_csv_parse parses csv into out (memory from a).  A problem with
 * the whole text (empty, no header, a required column missing, too many
 * rows) is MED_ERR_INVALID with p naming "csv"; row problems go to
 * out->errors and the parse goes on.  MED_ERR_NOMEM leaves p unset.
 */
med_err dosage_csv_parse(med_arena *a, const uint8_t *csv, size_t len,
			 dosage_import *out, med_problem *p) MED_MUST_CHECK;

/* --- schedule.c: ListDue ----------------------------------------------- */

/*
 * dosage_next_due computes an order's next dose from its frequency and
 * last administration (0: none), one interval on in zone's wall-clock
 * time when the interval is DOSAGE_WALL_MIN_INTERVAL_MS or more (zone
 * NULL: UTC).  Returns false when it has none (PRN, "once" given, past
 * its end).
 */
bool dosage_next_due(const dosage_order *o, dosage_zone *zone, int64_t last_ms,
		     int64_t now_ms, int64_t *due_ms,
		     Smartmed__Dosage__V1__DueState *state);

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

/* --- mar.c: the ward round's schedule (no I/O) ------------------------- */

/* Schedules whose interval is at least this keep their wall-clock times
 * across a clock change (a one-hour shift is within the order's tolerance,
 * DOSAGE_DOSE_ORDER_TOLERANCE_MAX_MS, only from 4 hours); shorter ones
 * keep their elapsed spacing. */
#define DOSAGE_WALL_MIN_INTERVAL_MS (4LL * 3600 * 1000)

/* dosage_next_slot_ms is one interval after from_ms: on zone's wall clock
 * from DOSAGE_WALL_MIN_INTERVAL_MS (a daily dose at 08:00 is next due at
 * 08:00, 23 or 25 hours later across a clock change), else elapsed. */
int64_t dosage_next_slot_ms(dosage_zone *zone, int64_t from_ms,
			    int64_t interval_ms);

#define DOSAGE_MAR_MAX_SLOTS	 200
#define DOSAGE_MAR_MAX_WINDOW_MS (7LL * 24 * 3600 * 1000)

/* dosage_hold_span - a time [from_ms, to_ms) an order was on hold; to_ms
 * INT64_MAX while it still is. */
typedef struct dosage_hold_span {
	int64_t from_ms, to_ms;
} dosage_hold_span;

/* dosage_hold_event - a HELD or RESUMED change of an order. */
typedef struct dosage_hold_event {
	const char *order_id;
	bool held; /* false: resumed */
	int64_t time_ms;
} dosage_hold_event;

/* dosage_hold_rows - a patient's hold changes, oldest first (arena). */
typedef struct dosage_hold_rows {
	med_arena *arena;
	dosage_hold_event *items;
	size_t n, cap;
} dosage_hold_rows;

/*
 * dosage_hold_spans fills spans (at most cap) with the times o was on
 * hold, from the changes in ev (any order's; only o's count) and, for an
 * order held now without a change of its own (a version made from a held
 * one), from its held_ms.  Returns the number of spans.
 */
size_t dosage_hold_spans(const dosage_order *o, const dosage_hold_rows *ev,
			 dosage_hold_span *spans, size_t cap);

/*
 * dosage_order_slot finds the scheduled time of o nearest to t_ms: the
 * order's start plus whole intervals (in zone's wall-clock time from
 * DOSAGE_WALL_MIN_INTERVAL_MS, see dosage_order_slot_ms), within its
 * start and end.  False
 * for an order without scheduled times (PRN, an unreadable frequency).
 */
bool dosage_order_slot(const dosage_order *o, dosage_zone *zone, int64_t t_ms,
		       int64_t *slot_ms);

/*
 * dosage_order_times_ok is true when o's stored start and creation lie
 * within MED_TIME_MIN_MS..MED_TIME_MAX_MS.  The input checks keep every
 * new order so; a row from before them, or written straight into the
 * database, gets no scheduled times and no next dose rather than
 * arithmetic on INT64_MIN.  A stored end past the bounds (2^63-1 meant
 * as "no end") is read as no end: its order stays on the ward round.
 */
bool dosage_order_times_ok(const dosage_order *o);

/* dosage_order_from_ms is when o came into force: its start, or for a
 * later version the time it was made when that is after its start. */
int64_t dosage_order_from_ms(const dosage_order *o);

/* dosage_order_stop_ms is when o stopped being in force (its end,
 * discontinuation or replacement; INT64_MAX when none). */
int64_t dosage_order_stop_ms(const dosage_order *o);

/*
 * dosage_mar_slots lists o's scheduled doses in [from_ms, to_ms) while it
 * was in force (at most DOSAGE_MAR_MAX_SLOTS), each matched with what was
 * charted against o (admins: any order's, only o's count) and its state
 * at now_ms.  A not-given record answers the slot of its scheduled_ms; a
 * dose given answers the slot nearest its time within half an interval.
 * Slots and their strings come from a.  Errors: MED_ERR_NOMEM.
 */
med_err dosage_mar_slots(med_arena *a, const dosage_order *o, dosage_zone *zone,
			 int64_t from_ms, int64_t to_ms, int64_t now_ms,
			 const dosage_hold_span *holds, size_t n_holds,
			 dosage_admin *const *admins, size_t n_admins,
			 Smartmed__Dosage__V1__MarSlot ***out,
			 size_t *n) MED_MUST_CHECK;

/*
 * The most administrations of one substance to one patient that the dose
 * checks read in one window (48 h around the dose): one every 8.6 s, far
 * past any schedule or PCA.  Past it a check answers RESOURCE_EXHAUSTED
 * naming this limit; it never counts the doses short.  (It was 512 and
 * answered DATA_LOSS, as if the rows were corrupt: issue 31.)
 */
#define DOSAGE_GIVEN_MAX_ROWS 20000

/* dosage_given_list - what a patient was given of each substance of a
 * drug around a time, in the drug's unit, for the PRN forecast.  The
 * arrays lie in the arena of the read, in time order. */
typedef struct dosage_given_substance {
	int64_t *t_ms; /* ascending */
	double *amount;
	size_t n, cap;
	int64_t latest_ms; /* the latest dose of all time; 0 = none */
	double lifetime;
} dosage_given_substance;

typedef struct dosage_given_list {
	dosage_given_substance s[DOSAGE_DOSE_MAX_SUBSTANCES];
	size_t n_substances;
} dosage_given_list;

/* dosage_given_at is the history the dose checks would read at at_ms (at
 * or after the loaded window's doses): the worst substance decides. */
void dosage_given_at(const dosage_given_list *g, int64_t at_ms,
		     dosage_dose_history *h);

/*
 * dosage_prn_forecast fills prn for a PRN order o of drug: when its dose
 * may next be given at or after now_ms, by the interval, 24-h and per-kg
 * checks (the earliest time none of them is a hard stop, searched up to
 * DOSAGE_MAR_MAX_WINDOW_MS ahead), and what decides it.  Strings from a.
 */
void dosage_prn_forecast(med_arena *a, const dosage_drug *drug,
			 const dosage_order *o, const dosage_dose_patient *p,
			 const dosage_given_list *g, int64_t now_ms,
			 Smartmed__Dosage__V1__MarPrn *prn);

/* --- store.c: the catalogue -------------------------------------------- */

med_err dosage_store_upsert(med_db *db, med_arena *arena, const dosage_drug *d,
			    dosage_drug *out) MED_MUST_CHECK;
med_err dosage_store_import(med_db *db, dosage_drug *const *drugs,
			    size_t n) MED_MUST_CHECK;
med_err dosage_store_get(med_db *db, med_arena *arena, const char *code,
			 dosage_drug *out) MED_MUST_CHECK;
med_err dosage_store_list(med_db *db, med_arena *arena, const char *name_prefix,
			  uint64_t offset, uint32_t limit, dosage_drug ***out,
			  size_t *n) MED_MUST_CHECK;
/* dosage_store_given reads what the patient was given of the drug's
 * substances around at_ms (store_history.c). */
med_err dosage_store_given(med_db_conn *c, const dosage_family *fam,
			   const char *patient_id, const dosage_drug *d,
			   int64_t at_ms,
			   dosage_dose_history *h) MED_MUST_CHECK;

/* dosage_store_drug_conn reads a drug inside a transaction. */
med_err dosage_store_drug_conn(med_db_conn *c, med_arena *arena,
			       const char *code,
			       dosage_drug *out) MED_MUST_CHECK;

/* --- store_clinical.c: context, orders, administrations ---------------- */

med_err dosage_store_set_context(med_db *db, med_arena *arena,
				 const dosage_context *in, const char *user,
				 int64_t now_ms,
				 dosage_context *out) MED_MUST_CHECK;
/* dosage_store_confirm_weight records, audited, that user confirmed the
 * patient's weight kg measured at measured_ms (reason), and reads the
 * context back into out. */
med_err dosage_store_confirm_weight(med_db *db, med_arena *arena,
				    const char *patient_id, double kg,
				    int64_t measured_ms, const char *user,
				    const char *reason, int64_t now_ms,
				    dosage_context *out) MED_MUST_CHECK;

/* dosage_store_get_context: MED_ERR_NOT_FOUND when never set. */
med_err dosage_store_get_context(med_db *db, med_arena *arena,
				 const char *patient_id,
				 dosage_context *out) MED_MUST_CHECK;
/* dosage_store_given_once is dosage_store_given in a read transaction of
 * its own (order entry: nothing to lock). */
med_err dosage_store_given_once(med_db *db, const dosage_family *fam,
				const char *patient_id, const dosage_drug *d,
				int64_t at_ms,
				dosage_dose_history *out) MED_MUST_CHECK;

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

/*
 * dosage_store_load_subject loads what the checks need, by order (order_id
 * set; locked with the patient's row when lock) or by patient and drug,
 * with what was given around at_ms.  MED_ERR_NOT_FOUND: no such order or
 * drug.
 */
med_err dosage_store_load_subject(med_db_conn *c, med_arena *arena,
				  const dosage_family *fam,
				  const char *order_id, const char *patient_id,
				  const char *drug_code, int64_t at_ms,
				  bool lock, dosage_subject *s) MED_MUST_CHECK;

/* dosage_store_read_ctx reads a patient's context row inside a
 * transaction; MED_ERR_NOT_FOUND when there is none (*is_set false for a
 * placeholder row). */
med_err dosage_store_read_ctx(med_db_conn *c, med_arena *a,
			      const char *patient_id, bool lock,
			      dosage_context *out, bool *is_set) MED_MUST_CHECK;

/* dosage_store_ensure_patient makes the row that serialises a patient's
 * administrations (a placeholder until SetPatientContext fills it). */
med_err dosage_store_ensure_patient(med_db_conn *c,
				    const char *patient_id) MED_MUST_CHECK;

/* The stored form of checks and overrides, shared by orders and
 * administrations: checks as a CheckDoseResponse blob (arena), an
 * override as reason and text columns (NULL when reason is 0). */
med_err dosage_store_pack_checks(med_arena *a, dosage_check **checks, size_t n,
				 uint8_t **blob, size_t *len) MED_MUST_CHECK;
med_err dosage_store_unpack_checks(med_arena *a, const med_db_row *row,
				   size_t col, dosage_check ***checks,
				   size_t *n) MED_MUST_CHECK;
dosage_override *dosage_store_read_override(med_arena *a, const med_db_row *row,
					    size_t col);

/* The columns of an administration, in the order dosage_store_admin_row
 * reads them. */
#define DOSAGE_ADMIN_COLUMNS                                                   \
	"id, order_id, patient_id, drug_code, dose, unit, dose_drug_unit,"     \
	" drug_unit, effective_ms, recorded_ms, status, performer,"            \
	" confirmed_by, confirmed_ms, identity, token_id, v_score,"            \
	" v_threshold, v_model, dose_ovr_reason, dose_ovr_text, dose_ovr_by,"  \
	" id_ovr_reason, id_ovr_text, overall, checks, scheduled_ms,"          \
	" not_given_reason, not_given_text, eie_by, eie_ms, eie_reason,"       \
	" cosign_id, cos_ovr_reason, cos_ovr_text, scan_gtin, scan_batch,"     \
	" scan_expiry, scan_serial, scan_ovr_reason, scan_ovr_text,"           \
	" eie_req_by, eie_req_ms, eie_req_reason"

/* dosage_admin_rows - administrations read into an arena. */
typedef struct dosage_admin_rows {
	med_arena *arena;
	dosage_admin **items;
	size_t n, cap;
} dosage_admin_rows;

/* dosage_store_admin_row is the med_db_row_fn that appends one row of
 * DOSAGE_ADMIN_COLUMNS to a dosage_admin_rows. */
med_err dosage_store_admin_row(void *arg, const med_db_row *row) MED_MUST_CHECK;

/* dosage_store_read_admin reads administration id (lock: FOR UPDATE);
 * MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_read_admin(med_db_conn *c, med_arena *a, const char *id,
				bool lock, dosage_admin *out) MED_MUST_CHECK;

/* dosage_store_insert_admin writes an administration (given or not). */
med_err dosage_store_insert_admin(med_db_conn *c, med_arena *a,
				  const dosage_admin *m) MED_MUST_CHECK;

/*
 * dosage_decide_fn runs the rules on a loaded subject and fills *admin to
 * insert (NULL admin: CheckDose, nothing is written).  Runs inside the
 * transaction: a non-OK return rolls it back.
 */
typedef med_err (*dosage_decide_fn)(void *ctx, dosage_subject *s,
				    dosage_admin *admin);

/*
 * dosage_store_check loads a subject by order (order_id set) or by
 * patient_id + drug_code and calls decide (read only).
 */
med_err dosage_store_check(med_db *db, med_arena *arena,
			   const dosage_family *fam, const char *order_id,
			   const char *patient_id, const char *drug_code,
			   int64_t at_ms, dosage_decide_fn decide,
			   void *ctx) MED_MUST_CHECK;

/*
 * dosage_store_record locks the order and the patient (so concurrent
 * administrations for a patient are serialised and each sees the others),
 * then co-sign cosign_id when it is not "" (s->has_cosign says whether it
 * exists), loads the subject, calls decide, inserts *admin and marks the
 * co-sign it names used, in one transaction.
 */
med_err dosage_store_record(med_db *db, med_arena *arena,
			    const dosage_family *fam, const char *order_id,
			    const char *cosign_id, const char *scan_gtin,
			    int64_t at_ms, dosage_decide_fn decide, void *ctx,
			    dosage_admin *admin) MED_MUST_CHECK;

/* dosage_store_gtin_drug finds the catalogue entry of a 14-digit GTIN:
 * *drug_code NULL when none. */
med_err dosage_store_gtin_drug(med_db_conn *c, med_arena *a, const char *gtin,
			       char **drug_code) MED_MUST_CHECK;

/* dosage_store_read_cosign locks co-sign id ("" = none) into s->cosign;
 * s->has_cosign is false when there is no such co-sign. */
med_err dosage_store_read_cosign(med_db_conn *c, med_arena *a, const char *id,
				 dosage_subject *s) MED_MUST_CHECK;

/* dosage_store_use_cosign marks the co-sign that *admin names used by it
 * (nothing when admin->cosign_id is ""). */
med_err dosage_store_use_cosign(med_db_conn *c,
				const dosage_admin *admin) MED_MUST_CHECK;

/* dosage_cosign_fn checks a co-sign against the order (read in the same
 * transaction) and its drug, and fills *out; it fails the call when not. */
typedef med_err (*dosage_cosign_fn)(void *ctx, const dosage_order *o,
				    const dosage_drug *drug,
				    dosage_cosign *out);

/* dosage_store_cosign reads order_id and its drug, calls decide and
 * inserts *out, in one transaction.  MED_ERR_NOT_FOUND: no such order. */
med_err dosage_store_cosign(med_db *db, med_arena *arena, const char *order_id,
			    dosage_cosign_fn decide, void *ctx,
			    dosage_cosign *out) MED_MUST_CHECK;

/* dosage_confirm_fn decides a confirmation of the locked *admin. */
typedef med_err (*dosage_confirm_fn)(void *ctx, dosage_admin *admin);

/* dosage_store_confirm locks an administration, calls decide and, when it
 * returns MED_OK, stores confirmed_by/confirmed_ms and status completed. */
med_err dosage_store_confirm(med_db *db, med_arena *arena, const char *id,
			     dosage_confirm_fn decide, void *ctx,
			     dosage_admin *out) MED_MUST_CHECK;

/*
 * dosage_store_entered_in_error locks administration id and its order,
 * calls decide (which fills entered_in_error_by/_ms/_reason or fails) and
 * stores status entered-in-error; a "once" order completed by the dose is
 * reopened.  *out is the record as stored.
 */
med_err dosage_store_entered_in_error(med_db *db, med_arena *arena,
				      const char *id, dosage_confirm_fn decide,
				      void *ctx,
				      dosage_admin *out) MED_MUST_CHECK;

/* dosage_store_history lists administrations newest first and totals. */
med_err
dosage_store_history(med_db *db, med_arena *arena, const char *patient_id,
		     int64_t now_ms, uint64_t offset, uint32_t limit,
		     Smartmed__Dosage__V1__HistoryResponse *res) MED_MUST_CHECK;

/* --- store_orders.c: orders, their versions and changes ---------------- */

/* dosage_store_read_order reads an order inside a transaction (locked
 * when lock).  MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_read_order(med_db_conn *c, med_arena *a, const char *id,
				bool lock, dosage_order *out) MED_MUST_CHECK;

/* dosage_written_fn sees the order as written, inside the write's
 * transaction: where a handler names its audit details, which commit with
 * the write (med_db_tx_audited). */
typedef void (*dosage_written_fn)(void *ctx, dosage_order *stored);

/* dosage_store_create_order writes version 1 of a new order and its
 * "created" change. */
med_err dosage_store_create_order(med_db *db, med_arena *arena,
				  const dosage_order *in,
				  dosage_written_fn written, void *ctx,
				  dosage_order *out) MED_MUST_CHECK;
med_err dosage_store_get_order(med_db *db, med_arena *arena, const char *id,
			       dosage_order *out) MED_MUST_CHECK;

/* dosage_change - one change to an order: which, who, why, when. */
typedef struct dosage_change {
	Smartmed__Dosage__V1__OrderEventKind kind;
	const char *user;
	const char *reason; /* NULL: none */
	int64_t now_ms;
	dosage_written_fn written; /* NULL: none */
	void *written_ctx;
} dosage_change;

/* dosage_allow_fn says whether the locked order cur may take a change: it
 * fails the call (so the transaction) when not. */
typedef med_err (*dosage_allow_fn)(void *ctx, const dosage_order *cur);

/*
 * dosage_store_change applies a change of state (VERIFIED, HELD, RESUMED,
 * DISCONTINUED) to order id when allow agrees, and logs it, in one
 * transaction; out is the order after (or, when allow refused, before).
 * MED_ERR_NOT_FOUND: no such order.
 */
med_err dosage_store_change(med_db *db, med_arena *arena, const char *id,
			    const dosage_change *ch, dosage_allow_fn allow,
			    void *ctx, dosage_order *out) MED_MUST_CHECK;

/* dosage_version_fn fills next, the new version of the locked subject's
 * order (s->order, its drug, context and history), or fails the call.
 * next->id is set and must be kept. */
typedef med_err (*dosage_version_fn)(void *ctx, dosage_subject *s,
				     dosage_order *next);

/*
 * dosage_store_new_version replaces order id with the version make fills
 * (MODIFIED or RENEWED): inserts it, marks id superseded by it and logs
 * the change, in one transaction.  out is the new version.
 */
med_err dosage_store_new_version(med_db *db, med_arena *arena,
				 const dosage_family *fam, const char *id,
				 const dosage_change *ch,
				 dosage_version_fn make, void *ctx,
				 dosage_order *out) MED_MUST_CHECK;

/* dosage_store_complete_once marks a "once" order completed (and logs it)
 * once its dose was given, inside the administration's transaction. */
med_err dosage_store_complete_once(med_db_conn *c, const dosage_order *o,
				   const dosage_admin *given) MED_MUST_CHECK;

/* dosage_store_reopen_once puts a "once" order completed by its dose back
 * in force (and logs it) when that dose was marked entered in error and no
 * other dose of it counts, inside the correction's transaction. */
med_err dosage_store_reopen_once(med_db_conn *c, const dosage_order *o,
				 const dosage_admin *corrected) MED_MUST_CHECK;

/* dosage_due_row - an active order and its last administration. */
typedef struct dosage_due_row {
	dosage_order *order;
	int64_t last_ms;
} dosage_due_row;

/* dosage_store_active_orders lists a patient's active orders (at most 500)
 * with the time of each one's last administration. */
med_err dosage_store_active_orders(med_db *db, med_arena *arena,
				   const char *patient_id,
				   dosage_due_row **rows,
				   size_t *n) MED_MUST_CHECK;

/* dosage_store_list_orders lists a patient's orders whose status at now_ms
 * is in statuses ("1,4": OrderStatus values), newest first. */
med_err dosage_store_list_orders(med_db *db, med_arena *arena,
				 const char *patient_id, const char *statuses,
				 int64_t now_ms, uint64_t offset,
				 uint32_t limit, dosage_order ***out,
				 size_t *n) MED_MUST_CHECK;

/* dosage_store_order_history reads every version of the order that id is
 * a version of, and its changes, in one transaction. */
med_err dosage_store_order_history(med_db *db, med_arena *arena, const char *id,
				   Smartmed__Dosage__V1__OrderHistory *out)
	MED_MUST_CHECK;

/* dosage_store_mar_orders lists (at most 200) the patient's order versions
 * in force at some time in [from_ms, to_ms). */
med_err dosage_store_mar_orders(med_db_conn *c, med_arena *arena,
				const char *patient_id, int64_t from_ms,
				int64_t to_ms, dosage_order ***out,
				size_t *n) MED_MUST_CHECK;

/* dosage_store_hold_events reads the patient's HELD and RESUMED changes. */
med_err dosage_store_hold_events(med_db_conn *c, med_arena *arena,
				 const char *patient_id,
				 dosage_hold_rows *out) MED_MUST_CHECK;

/* --- store_mar.c: not given, and the MAR's reads ------------------------ */

/* dosage_chart_fn checks a not-given record of the locked order o and
 * fills *m to insert, or fails the call. */
typedef med_err (*dosage_chart_fn)(void *ctx, const dosage_order *o,
				   dosage_admin *m);

/*
 * dosage_store_not_given locks the order, calls chart and inserts *m, in
 * one transaction.  MED_ERR_EXISTS (with *m the earlier record) when the
 * scheduled dose was already charted as not given.
 */
med_err dosage_store_not_given(med_db *db, med_arena *arena,
			       const char *order_id, dosage_chart_fn chart,
			       void *ctx, dosage_admin *m) MED_MUST_CHECK;

/* dosage_mar_data - what the MAR of a patient is drawn from, read in one
 * transaction; for each order (index as in orders) its drug (NULL when the
 * catalogue lost it), and for each PRN order what was given of its
 * substances (NULL for the others). */
typedef struct dosage_mar_data {
	dosage_order **orders;
	size_t n_orders;
	dosage_admin_rows admins;
	dosage_hold_rows holds;
	dosage_context ctx;
	bool has_ctx;
	dosage_drug **drugs;
	dosage_given_list **given;
	/* The infusions running in the window, with their events. */
	Smartmed__Dosage__V1__Infusion **infusions;
	size_t n_infusions;
} dosage_mar_data;

/* dosage_store_mar reads the MAR's data for [from_ms, to_ms) at now_ms. */
med_err dosage_store_mar(med_db *db, med_arena *arena, const char *patient_id,
			 int64_t from_ms, int64_t to_ms, int64_t now_ms,
			 dosage_mar_data *out) MED_MUST_CHECK;

/* dosage_store_given_list reads what the patient was given of d's
 * substances in [from_ms, to_ms), with each one's latest dose and
 * lifetime total (store_history.c). */
med_err dosage_store_given_list(med_db_conn *c, med_arena *a,
				const char *patient_id, const dosage_drug *d,
				int64_t from_ms, int64_t to_ms,
				dosage_given_list *out) MED_MUST_CHECK;

/* --- store_infusion.c: continuous infusions ------------------------------ */

typedef Smartmed__Dosage__V1__Infusion dosage_infusion;
typedef Smartmed__Dosage__V1__InfusionRate dosage_infusion_rate;

/* FHIR MedicationAdministration status of an infusion. */
#define DOSAGE_INFUSION_RUNNING "in-progress"
#define DOSAGE_INFUSION_STOPPED DOSAGE_ADMIN_COMPLETED

/*
 * dosage_infusion_fn decides one event of an infusion on the locked
 * subject s (its order, drug, patient context, and what was given around
 * the event): f is the infusion (empty for a start: to fill; else as
 * stored, its status, stop and rate to update), ev the event to append,
 * and seg, when the decision sets its id, the administration that charts
 * what ran at the old rate.  Fails the call (so the transaction) when the
 * event may not happen.
 */
typedef med_err (*dosage_infusion_fn)(void *ctx, dosage_subject *s,
				      dosage_infusion *f,
				      dosage_infusion_rate *ev,
				      dosage_admin *seg);

/* dosage_store_start_infusion locks order_id and its patient, calls decide
 * and inserts the infusion and its first event, in one transaction; out
 * is the infusion as stored.  MED_ERR_NOT_FOUND: no such order. */
med_err dosage_store_start_infusion(med_db *db, med_arena *arena,
				    const dosage_family *fam,
				    const char *order_id, int64_t at_ms,
				    dosage_infusion_fn decide, void *ctx,
				    dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_infusion_event locks infusion_id's order, patient and the
 * infusion, calls decide, then inserts the segment's administration, the
 * event, and the infusion's new state, in one transaction.
 * MED_ERR_NOT_FOUND: no such infusion. */
med_err dosage_store_infusion_event(med_db *db, med_arena *arena,
				    const dosage_family *fam,
				    const char *infusion_id, int64_t at_ms,
				    dosage_infusion_fn decide, void *ctx,
				    dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_get_infusion reads an infusion and its events.
 * MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_get_infusion(med_db *db, med_arena *arena, const char *id,
				  dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_patient_infusions lists (at most 100) the patient's
 * infusions running at some time in [from_ms, to_ms), with their events,
 * by start. */
med_err dosage_store_patient_infusions(med_db_conn *c, med_arena *arena,
				       const char *patient_id, int64_t from_ms,
				       int64_t to_ms, dosage_infusion ***out,
				       size_t *n) MED_MUST_CHECK;

/* dosage_identify checks a verification token (token not "") or requires
 * identity_override (field names it); *have_token says which. */
med_err dosage_identify(med_call *call, const char *token,
			const dosage_override *identity_override, int64_t now,
			med_vtoken_claims *claims,
			bool *have_token) MED_MUST_CHECK;

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_UNARY_HANDLER(dosage_rpc_upsert_drug);
MED_UNARY_HANDLER(dosage_rpc_get_drug);
MED_UNARY_HANDLER(dosage_rpc_list_drugs);
MED_UNARY_HANDLER(dosage_rpc_import_catalogue);
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

/* --- gs1.c: the product scan --------------------------------------------- */

struct dosage_gs1;

/*
 * dosage_scan_gate checks the product scanned for a dose of s's order at
 * at_ms (scan NULL: none): its GTIN must be the ordered entry's and its
 * batch not expired; fills m->product_*.  Fails the call otherwise.
 */
med_err dosage_scan_gate(med_call *call, const dosage_subject *s,
			 const struct dosage_gs1 *scan, int64_t at_ms,
			 dosage_admin *m) MED_MUST_CHECK;

/* The longest scan read: four elements and their separators, with room. */
#define DOSAGE_GS1_MAX 200

/* dosage_gs1 - what a scan says about the product (strings "" when
 * absent). */
typedef struct dosage_gs1 {
	char gtin[15];	 /* AI 01, 14 digits (a bare GTIN padded with 0s) */
	char expiry[7];	 /* AI 17, YYMMDD (DD 00: the month's last day) */
	char batch[21];	 /* AI 10 */
	char serial[21]; /* AI 21 */
} dosage_gs1;

/* dosage_gtin_valid: 8, 12, 13 or 14 digits with a right check digit. */
bool dosage_gtin_valid(const char *gtin);

/* dosage_gtin14 pads a valid GTIN to its 14-digit form. */
void dosage_gtin14(const char *gtin, char out[15]);

/*
 * dosage_gs1_parse reads a scan: a bare GTIN-8/12/13/14, or GS1 element
 * strings (AIs 01, 17, 10, 21), raw with GS separators (and an optional
 * symbology identifier such as "]d2") or in brackets.  MED_ERR_INVALID
 * with why (no field name) when it cannot be read, AI 01 is missing or
 * its check digit is wrong.
 */
med_err dosage_gs1_parse(const char *scan, dosage_gs1 *out, char *why,
			 size_t len) MED_MUST_CHECK;

/* dosage_gs1_expiry_end_ms is when expiry YYMMDD ends (the next day's
 * 00:00 UTC), the century chosen as GS1 says relative to now_ms. */
med_err dosage_gs1_expiry_end_ms(const char *yymmdd, int64_t now_ms,
				 int64_t *end_ms) MED_MUST_CHECK;

/*
 * dosage_drug_convert converts dose in unit to drug's unit: directly in
 * one dimension, or a volume through the drug's concentration (10 mL of
 * 120 mg/5 mL is 240 mg).  MED_ERR_INVALID when neither applies.
 */
med_err dosage_drug_convert(const dosage_drug *drug, double dose,
			    const char *unit, double *out) MED_MUST_CHECK;

/* dosage_admin_overdue: m is a high-alert dose given under the exception
 * (on-hold) and still unconfirmed DOSAGE_CONFIRM_WINDOW_MS after it was
 * recorded, at now_ms. */
bool dosage_admin_overdue(const dosage_admin *m, int64_t now_ms);

/*
 * dosage_high_alert_gate sets m->status for a dose of s's drug: completed;
 * for a high-alert drug only with a co-sign that fits (cosign_id: the
 * order, unused, unexpired, the same dose conv in the drug's unit, another
 * user than m->performer; its co-signer becomes confirmed_by), or on-hold
 * under the audited exception.  Fails the call otherwise.
 */
med_err dosage_high_alert_gate(med_call *call, const dosage_subject *s,
			       const char *cosign_id,
			       dosage_override *exception, double conv,
			       int64_t now_ms, dosage_admin *m) MED_MUST_CHECK;

/* --- store_export.c and fhir.c: ExportFhir ------------------------------- */

/* dosage_segment - how an infusion's charted segment ran: from start_ms
 * (the event that set the rate) at rate rate_unit until the administration
 * that charts it. */
typedef struct dosage_segment {
	const char *admin_id;
	int64_t start_ms;
	double rate;
	const char *rate_unit;
} dosage_segment;

/* dosage_export_page - one ExportFhir page: its current order versions,
 * its administrations, the infusion segments among them and every drug
 * either names; more when another page follows. */
typedef struct dosage_export_page {
	dosage_order **orders;
	size_t n_orders;
	dosage_admin **admins;
	size_t n_admins;
	dosage_segment *segments;
	size_t n_segments;
	dosage_drug **drugs;
	size_t n_drugs;
	bool more;
} dosage_export_page;

/*
 * dosage_store_export reads up to size items from offset of the patient's
 * export list: current order versions newest first, then administrations
 * oldest first.  Orders are settled at now_ms.  A drug missing from the
 * catalogue is left out of drugs (its Medication then carries the code
 * only).
 */
med_err dosage_store_export(med_db *db, med_arena *arena,
			    const char *patient_id, int64_t now_ms,
			    uint64_t offset, uint32_t size,
			    dosage_export_page *out) MED_MUST_CHECK;

/* dosage_fhir_medication_id writes the Medication id of a catalogue code
 * into out[40] (a digest: codes may hold "_", which R4 ids may not). */
void dosage_fhir_medication_id(const char *code, char out[40]);

/*
 * dosage_fhir_bundle writes p as a FHIR R4 Bundle (collection) in JSON, in
 * arena, at most max_bytes.  MED_ERR_LIMIT when it does not fit,
 * MED_ERR_INVALID when a stored value cannot be written as R4.
 */
med_err dosage_fhir_bundle(med_arena *arena, const char *patient_id,
			   const dosage_export_page *p, size_t max_bytes,
			   char **json, uint32_t *n_resources) MED_MUST_CHECK;

MED_UNARY_HANDLER(dosage_rpc_export_fhir);
MED_UNARY_HANDLER(dosage_rpc_reconcile_order);

/* --- stay.c: orders and the stay they were written in ---------------- */

/* dosage_order_has_stay says whether o was written in a stay. */
bool dosage_order_has_stay(const dosage_order *o);

/* dosage_order_in_force: active, on hold or pending verification. */
bool dosage_order_in_force(const dosage_order *o);

/* dosage_stay_mark sets o's stay_ended_ms and awaiting_reconciliation
 * from s, what identity says of o's stay (NULL: not asked); o's status is
 * already settled. */
void dosage_stay_mark(dosage_order *o, const med_stay *s);

/* dosage_stay_chart_problem refuses (FAILED_PRECONDITION naming field) a
 * dose, not-given record or infusion against o once its stay has ended
 * (o marked by dosage_stay_mark). */
med_err dosage_stay_chart_problem(const char *field, const dosage_order *o,
				  med_problem *p) MED_MUST_CHECK;

/* dosage_stay_until_ms is to_ms, or the discharge of o's stay when that
 * comes first: the MAR schedules nothing after a discharge. */
int64_t dosage_stay_until_ms(const dosage_order *o, int64_t to_ms);

/* dosage_stay_close_slots marks the uncharted slots of o (upcoming, due,
 * late) missed once o's stay has ended. */
void dosage_stay_close_slots(const dosage_order *o,
			     Smartmed__Dosage__V1__MarSlot *const *slots,
			     size_t n);

/*
 * dosage_reconcile_problem says whether o (settled, marked) may take
 * decision (ReconcileDecision): it must be of a discharged stay and in
 * force; CONTINUE needs a prescriber and the patient's open stay
 * now_stay (encounter_id "" or NULL: none).
 */
med_err dosage_reconcile_problem(const dosage_order *o, int decision,
				 const med_stay *now_stay, bool prescriber,
				 med_problem *p) MED_MUST_CHECK;

/* --- handlers_stay.c: what identity says of the stays --------------------- */

/* dosage_stay_assign sets o->encounter_id to the patient's open stay ("" when
 * none), asking identity (CreateOrder). */
med_err dosage_stay_assign(med_call *call, dosage_order *o) MED_MUST_CHECK;

/* dosage_stays_fill asks identity about the stay of each of the n orders
 * (once per stay, no cache) and marks them (dosage_stay_mark). */
med_err dosage_stays_fill(med_call *call, dosage_order **orders,
			  size_t n) MED_MUST_CHECK;

/* dosage_stay_guard fails the call (naming field) when order o's stay was
 * discharged, asking identity at once: for every write that charts against
 * an order. */
med_err dosage_stay_guard(med_call *call, const char *field,
			  dosage_order *o) MED_MUST_CHECK;

/* --- limits.c: no way round a limit (issue 30) ---------------------------- */

#define DOSAGE_WEEK_MS (7LL * 24 * 3600 * 1000)

/* dosage_scan_mode - which products need a scan at administration
 * (MED_DOSAGE_SCAN_REQUIRED). */
typedef enum dosage_scan_mode {
	DOSAGE_SCAN_HIGH_ALERT = 0,
	DOSAGE_SCAN_ALL = 1,
} dosage_scan_mode;

/* dosage_prn_limits_problem: a PRN order of a high-alert drug must set
 * prn_min_interval_minutes and prn_max_daily_dose (INVALID naming it). */
med_err dosage_prn_limits_problem(const dosage_order *o, const dosage_drug *d,
				  med_problem *p) MED_MUST_CHECK;

/* dosage_weekly_schedule_problem: a weekly-only drug only "weekly" (or
 * longer) or "once" (PRECONDITION naming order.frequency). */
med_err dosage_weekly_schedule_problem(const dosage_order *o,
				       const dosage_drug *d,
				       med_problem *p) MED_MUST_CHECK;

/* dosage_weekly_seen - what the store found around a new order of a
 * weekly-only drug: another order of its substance in force ("" none),
 * and the gap from the order's start to the nearest dose given of it. */
typedef struct dosage_weekly_seen {
	char order_id[37]; /* a UUID and its NUL */
	bool has_dose;
	int64_t dose_gap_ms;
} dosage_weekly_seen;

/* dosage_weekly_gap_problem: no new order of a weekly-only drug while
 * another is in force or within 7 days of a dose (PRECONDITION naming
 * order.start_ms). */
med_err dosage_weekly_gap_problem(const dosage_drug *d,
				  const dosage_weekly_seen *seen,
				  med_problem *p) MED_MUST_CHECK;

/* dosage_scan_required: must a dose of d be scanned under mode? */
bool dosage_scan_required(dosage_scan_mode mode, const dosage_drug *d);

/* dosage_scan_problem: a required scan is missing without scan_override
 * (PRECONDITION naming product_scan), or both were given (INVALID). */
med_err dosage_scan_problem(dosage_scan_mode mode, const dosage_drug *d,
			    bool scanned, bool overridden,
			    med_problem *p) MED_MUST_CHECK;

/* dosage_admin_counted: m counts in totals and intervals (completed or
 * on-hold). */
bool dosage_admin_counted(const dosage_admin *m);

/* dosage_correction_needs_second: is marking m entered in error by user
 * only a request that a second person confirms (a counted dose charted by
 * user)? */
bool dosage_correction_needs_second(const dosage_admin *m, const char *user);

/* dosage_store_weekly_seen fills seen for a new order o of weekly-only
 * drug d: another order of d's substance in force at now_ms (no version
 * of o itself: first_order_id "" for an order not yet written) and the
 * nearest counted dose of the substance to o's start. */
med_err dosage_store_weekly_seen(med_db *db, const dosage_order *o,
				 const dosage_drug *d, int64_t now_ms,
				 dosage_weekly_seen *seen) MED_MUST_CHECK;

/* dosage_order_limits applies the order rules above that need no store
 * (PRN high-alert, weekly schedule) to o of d; fails the call. */
med_err dosage_order_limits(med_call *call, const dosage_order *o,
			    const dosage_drug *d) MED_MUST_CHECK;

/* dosage_weekly_gate applies the weekly gap rule to o of d (reads the
 * store when d is weekly-only); fails the call. */
med_err dosage_weekly_gate(med_call *call, const dosage_order *o,
			   const dosage_drug *d) MED_MUST_CHECK;

/* dosage_scan_mode_of is the service's MED_DOSAGE_SCAN_REQUIRED. */
dosage_scan_mode dosage_scan_mode_of(med_call *call);

/* --- mar_view.c: the MAR as a nurse reads it (no I/O) ------------------ */

/* A dose is shown to DOSAGE_DOSE_SIG_DIGITS significant digits, at most
 * DOSAGE_DOSE_MAX_DECIMALS decimals, never fewer than its whole units:
 * 2.3 mL of 1000 units/mL is 2300 units, not 2299.9999999999995. */
#define DOSAGE_DOSE_SIG_DIGITS	 6
#define DOSAGE_DOSE_MAX_DECIMALS 6

/* dosage_dose_round is v rounded as a dose is shown (above). */
double dosage_dose_round(double v);

/* dosage_amount_text is "2300 units", "0.5 mg": v rounded, without
 * trailing zeros, and unit ("[iU]" reads "units"); in a. */
char *dosage_amount_text(med_arena *a, double v, const char *unit);

/* dosage_drug_strength_text is d's strength as a label gives it ("500 mg per
 * tablet", "120 mg in 5 mL", "1000 units per mL"), "" when its unit is
 * itself an amount; in a (NULL: no memory). */
char *dosage_drug_strength_text(med_arena *a, const dosage_drug *d);

/* dosage_order_is_infusion: is o a continuous infusion order? */
bool dosage_order_is_infusion(const dosage_order *o);

/* dosage_order_dose_text is o's dose as a nurse reads it: "2.3 mL (2300
 * units)", or an infusion's rate "5 mL/h"; in a (NULL: no memory). */
char *dosage_order_dose_text(med_arena *a, const dosage_order *o);

/* dosage_mar_round_* round the doses and rates of what GetMar returns. */
void dosage_mar_round_order(dosage_order *o);
void dosage_mar_round_admin(dosage_admin *m);
void dosage_mar_round_infusion(Smartmed__Dosage__V1__Infusion *inf);

/*
 * dosage_mar_infusion fills out, the line of infusion order o at now_ms,
 * from the patient's infusions inf: its latest infusion started by now,
 * running at the rate of its latest event by then, or stopped, or not
 * started.  Times in z.  Errors: MED_ERR_NOMEM.
 */
med_err
dosage_mar_infusion(med_arena *a, dosage_zone *z, const dosage_order *o,
		    Smartmed__Dosage__V1__Infusion *const *inf, size_t n,
		    int64_t now_ms,
		    Smartmed__Dosage__V1__MarInfusion *out) MED_MUST_CHECK;

/*
 * dosage_mar_banner fills the patient banner from identity's answer (who)
 * and the facts the dose checks use (p, from dosage_patient at now_ms):
 * the family name in capitals, age at now in the ward's date, the weight
 * with its time, the allergies.  Errors: MED_ERR_NOMEM.
 */
med_err dosage_mar_banner(med_arena *a, dosage_zone *z,
			  const med_patient_banner *who,
			  const dosage_dose_patient *p, int64_t now_ms,
			  Smartmed__Dosage__V1__MarPatient *out) MED_MUST_CHECK;

/* --- class_checks.c, store_classes.c: across a therapeutic class ------- */

#include "classes.h"

/* The hospital's 24-h limit of opioids in oral morphine equivalents, mg. */
#define DOSAGE_OME_SETTING "MED_DOSAGE_OME_MAX_24H_MG"

/* dosage_class_list - products of a class given, or orders of a class in
 * force, for a patient (arrays in the call's arena). */
typedef struct dosage_class_list {
	dosage_class_other *items;
	size_t n, cap;
	/* Orders: a day of the opioid ones' regimens, mg oral morphine
	 * equivalent (dosage_orders_day_ome), and whether one of them could
	 * not be converted. */
	double ome_24h;
	bool ome_unknown;
} dosage_class_list;

/*
 * dosage_store_class_given reads the administrations of every substance in
 * a duplicate-therapy group to patient_id (and the records merged into
 * it, fam) within 24 h either side of at_ms, in time order, each with its
 * order's PRN flag and its oral morphine equivalent by the order's route.
 * MED_ERR_LIMIT past DOSAGE_GIVEN_MAX_ROWS.
 */
med_err dosage_store_class_given(med_db_conn *c, med_arena *a,
				 const dosage_family *fam,
				 const char *patient_id, int64_t at_ms,
				 dosage_class_list *out) MED_MUST_CHECK;

/* dosage_store_class_orders reads the patient's orders of a group that
 * are active or pending verification at now_ms, but for except_id. */
med_err dosage_store_class_orders(med_db *db, med_arena *a,
				  const char *patient_id, const char *except_id,
				  int64_t now_ms,
				  dosage_class_list *out) MED_MUST_CHECK;

/* dosage_class_subject - one dose (or order) for the class checks. */
typedef struct dosage_class_subject {
	const dosage_drug *drug;
	const char *route;    /* the order's; NULL: a proposed dose */
	bool prn;	      /* the order is PRN */
	const char *order_id; /* NULL: none */
	double dose_24h; /* the dose (order entry: a day of it), drug unit */
	int64_t at_ms;
	const dosage_class_list *given;	 /* what was given; NULL: nothing */
	const dosage_class_list *orders; /* entry: other orders; else NULL */
} dosage_class_subject;

/*
 * dosage_orders_day_ome sums a day of the regimen of each opioid order in
 * orders (its dose times the doses its frequency allows, a PRN order's own
 * 24-h maximum) in oral morphine equivalents into orders->ome_24h,
 * setting orders->ome_unknown for one it cannot convert.
 */
med_err dosage_orders_day_ome(med_call *call,
			      dosage_class_list *orders) MED_MUST_CHECK;

/* dosage_ome_limit is MED_DOSAGE_OME_MAX_24H_MG (90 mg unless set). */
double dosage_ome_limit(med_call *call);

/* dosage_class_evaluate writes the class checks of s (duplicate therapy,
 * 24-h OME) into r. */
med_err dosage_class_evaluate(med_call *call, const dosage_class_subject *s,
			      dosage_dose_result r[DOSAGE_CLASS_N_CHECKS])
	MED_MUST_CHECK;

/* dosage_class_append appends r[0..n) to a reply's checks and folds them
 * into its overall status. */
med_err
dosage_class_append(med_arena *a, const dosage_dose_result *r, size_t n,
		    dosage_check ***checks, size_t *n_checks,
		    Smartmed__Dosage__V1__CheckStatus *overall) MED_MUST_CHECK;

/* dosage_drug_classes fills d's atc_code (its main substance's) and
 * therapeutic_classes (every ATC level of each substance, then the
 * duplicate-therapy classes), in a. */
med_err dosage_drug_classes(med_arena *a, dosage_drug *d) MED_MUST_CHECK;

/* dosage_class_checks is dosage_class_evaluate then dosage_class_append. */
med_err
dosage_class_checks(med_call *call, const dosage_class_subject *s,
		    dosage_check ***checks, size_t *n_checks,
		    Smartmed__Dosage__V1__CheckStatus *overall) MED_MUST_CHECK;

#endif
