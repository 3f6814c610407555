/*
 * checks.h - the dose checks and the rules around them: validation and the
 * bridge to the pure checks of dose.h (domain.c), the limits with no way
 * round them (limits.c, handlers_limits.c, store_limits.c), the checks
 * across a therapeutic class (class_checks.c, store_classes.c) and the
 * home medicines in them (home_checks.c).
 */
#ifndef DOSAGE_CHECKS_H
#define DOSAGE_CHECKS_H

#include "dosage.h"
#include "patient.h"
#include "drug.h"

/* --- domain.c: the rules ----------------------------------------------- */

/* dosage_check_context validates SetPatientContext's context. */
med_err dosage_check_context(med_call *call,
			     const dosage_context *c) MED_MUST_CHECK;
med_err dosage_context_problem(const dosage_context *c,
			       med_problem *p) MED_MUST_CHECK;

/* dosage_check_order validates CreateOrder's order (not the drug). */
med_err dosage_check_order(med_call *call, const dosage_order *o,
			   int64_t now_ms) MED_MUST_CHECK;
med_err dosage_order_problem(const dosage_order *o, int64_t now_ms,
			     med_problem *p) MED_MUST_CHECK;

/* dosage_check_override validates an override (field: "dose_override"). */
med_err dosage_check_override(med_call *call, const char *field,
			      const dosage_override *o) MED_MUST_CHECK;

/* dosage_identify checks the bedside identity: a verification token (token
 * not "") or else identity_override, which it requires; *have_token says
 * which (RecordAdministration, StartInfusion). */
med_err dosage_identify(med_call *call, const char *token,
			const dosage_override *identity_override, int64_t now,
			med_vtoken_claims *claims,
			bool *have_token) MED_MUST_CHECK;
med_err dosage_override_problem(const char *field, const dosage_override *o,
				med_problem *p) MED_MUST_CHECK;

/*
 * dosage_convert converts dose (in unit) into the drug's unit; fails the
 * call with INVALID_ARGUMENT naming field ("unit") when it cannot.
 */
med_err dosage_convert(med_call *call, const char *field, double dose,
		       const char *unit, const dosage_drug *drug,
		       double *out) MED_MUST_CHECK;
med_err dosage_convert_problem(const char *field, double dose, const char *unit,
			       const dosage_drug *drug, double *out,
			       med_problem *p) MED_MUST_CHECK;

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

/* dosage_check_append copies the result r into a DoseCheck message added
 * to *checks (n and cap as med_arena_push_msg keeps them, in a).
 * Errors: MED_ERR_NOMEM. */
med_err dosage_check_append(med_arena *a, const dosage_dose_result *r,
			    dosage_check ***checks, size_t *n,
			    size_t *cap) MED_MUST_CHECK;

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

/* dosage_order_status_problem is dosage_order_refuse's rule without a
 * call: why o, not active, takes no dose (FAILED_PRECONDITION, field
 * "order_id"). */
med_err dosage_order_status_problem(const dosage_order *o,
				    med_problem *p) MED_MUST_CHECK;

/* --- right_dose.c: the dose given against the dose ordered (issue 47) -- */

/* A dose charted is the ordered dose when it is within this fraction of
 * it, both in the drug's unit (docs/dose-safety.md, "The dose given
 * against the dose ordered"). */
#define DOSAGE_RIGHT_DOSE_TOLERANCE 0.01

/* dosage_dose_as_ordered: is charted (drug unit) the ordered dose, within
 * DOSAGE_RIGHT_DOSE_TOLERANCE of ordered (> 0)? */
bool dosage_dose_as_ordered(double charted, double ordered);

/* dosage_deviation_reason_name names a DoseDeviationReason in words
 * ("vomited, dose repeated"); NULL for unspecified or an unknown value. */
const char *dosage_deviation_reason_name(int reason);

/* dosage_deviation_problem validates a deviation (NULL passes): a known
 * reason, text of at most 500 characters (3..500 with OTHER); field
 * names it ("dose_deviation"). */
med_err dosage_deviation_problem(const char *field, const dosage_deviation *d,
				 med_problem *p) MED_MUST_CHECK;

/* dosage_deviation_summary writes "charted 2000 mg, ordered 1000 mg"
 * (doses rounded as the MAR shows them; "[iU]" reads "units"). */
void dosage_deviation_summary(double charted, double ordered, const char *unit,
			      char *out, size_t len);

/*
 * dosage_right_dose_problem: a dose charted (drug unit) that is not the
 * ordered one needs dev; without it FAILED_PRECONDITION naming "dose",
 * who ("the dose charted", "the dose co-signed") with both doses in words.
 */
med_err dosage_right_dose_problem(const char *who, double charted,
				  double ordered, const char *unit,
				  const dosage_deviation *dev,
				  med_problem *p) MED_MUST_CHECK;

/* dosage_admin_deviation_fill sets m's dose_deviation_summary (in a)
 * when m is a counted dose whose amount is not the ordered one it keeps;
 * "" otherwise.  Errors: MED_ERR_NOMEM. */
med_err dosage_admin_deviation_fill(med_arena *a,
				    dosage_admin *m) MED_MUST_CHECK;

/* dosage_ordered_amount is o's dose in d's unit as the catalogue stands
 * (o's stored dose_in_drug_unit when it no longer converts). */
double dosage_ordered_amount(const dosage_order *o, const dosage_drug *d);

/* --- limits.c: no way round a limit (issue 30) ---------------------------- */

#define DOSAGE_WEEK_MS (7LL * 24 * 3600 * 1000)

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
	/* The nearest dose taken at home (a home medicine's last dose, any
	 * status), its gap and the medicine as recorded. */
	bool has_home_dose;
	int64_t home_gap_ms;
	char home_medicine[201];
} dosage_weekly_seen;

/* dosage_weekly_gap_problem: no new order of a weekly-only drug while
 * another is in force or within 7 days of a dose, given here or taken at
 * home (PRECONDITION naming order.start_ms). */
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
 * of o itself: first_order_id "" for an order not yet written), the
 * nearest counted dose of the substance to o's start, and the nearest
 * last dose of a home medicine of it. */
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

/* --- store_history.c: what a patient was given ----------------------- */

/*
 * The most administrations of one substance to one patient that the dose
 * checks read in one window (48 h around the dose): one every 8.6 s, far
 * past any schedule or PCA.  Past it a check answers RESOURCE_EXHAUSTED
 * naming this limit; it never counts the doses short.  (It was 512 and
 * answered DATA_LOSS, as if the rows were corrupt: issue 31.)
 */
#define DOSAGE_GIVEN_MAX_ROWS 20000
/* DOSAGE_GIVEN_MAX_ROWS as text, for the messages that name it. */
#define DOSAGE_GIVEN_MAX_ROWS_TEXT DOSAGE_TEXT_(DOSAGE_GIVEN_MAX_ROWS)
#define DOSAGE_TEXT_(n)		   DOSAGE_TEXT__(n)
#define DOSAGE_TEXT__(n)	   #n

/*
 * dosage_fail_limit names limit, the words of the capacity limit a read
 * met (a list's or history's limit field; static), as call's status
 * message when err is MED_ERR_LIMIT and limit is not NULL; it returns err
 * either way (fail_limit.c).  The function that holds the call and ran the
 * read calls it, so that a reader follows the limit from the read to the
 * call's status.
 */
med_err dosage_fail_limit(med_call *call, med_err err, const char *limit);

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
	/* The capacity limit the read met, in words (static), when it
	 * returned MED_ERR_LIMIT; else NULL (dosage_fail_limit). */
	const char *limit;
} dosage_given_list;

/* dosage_store_given reads what the patient was given of the drug's
 * substances around at_ms (store_history.c).  MED_ERR_LIMIT past
 * DOSAGE_GIVEN_MAX_ROWS, naming it in h->limit. */
med_err dosage_store_given(med_db_conn *c, const dosage_family *fam,
			   const char *patient_id, const dosage_drug *d,
			   int64_t at_ms,
			   dosage_dose_history *h) MED_MUST_CHECK;

/* dosage_store_given_list reads what the patient was given of d's
 * substances in [from_ms, to_ms), with each one's latest dose and
 * lifetime total (store_history.c).  MED_ERR_LIMIT past
 * DOSAGE_GIVEN_MAX_ROWS, naming it in out->limit. */
med_err dosage_store_given_list(med_db_conn *c, med_arena *a,
				const char *patient_id, const dosage_drug *d,
				int64_t from_ms, int64_t to_ms,
				dosage_given_list *out) MED_MUST_CHECK;

/* --- class_checks.c, store_classes.c: across a therapeutic class ------- */

#include "classes.h"

/* The most home medicines with earlier courses one list carries. */
#define DOSAGE_HOME_PRIOR_MAX 16

/* dosage_home_prior - a home medicine's earlier courses before admission
 * (HomeMedication.cumulative_before_admission): amount in unit of
 * substance, label the medicine as recorded (strings the arena's). */
typedef struct dosage_home_prior {
	const char *substance, *label, *unit;
	double amount;
} dosage_home_prior;

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
	/* The capacity limit the read met, in words (static), when it
	 * returned MED_ERR_LIMIT; else NULL (dosage_fail_limit). */
	const char *limit;
	/* The home list's earlier courses, whatever each medicine's status
	 * and last dose (dosage_store_home_others): only lifetime totals
	 * read them (dosage_home_day, dosage_home_lifetime). */
	dosage_home_prior prior[DOSAGE_HOME_PRIOR_MAX];
	size_t n_prior;
} dosage_class_list;

/*
 * dosage_store_class_given reads the administrations of every substance in
 * a duplicate-therapy group to patient_id (and the records merged into
 * it, fam) within 24 h either side of at_ms, in time order, each with its
 * order's PRN flag and its oral morphine equivalent by the order's route.
 * MED_ERR_LIMIT past DOSAGE_GIVEN_MAX_ROWS, naming it in out->limit.
 */
med_err dosage_store_class_given(med_db_conn *c, med_arena *a,
				 const dosage_family *fam,
				 const char *patient_id, int64_t at_ms,
				 dosage_class_list *out) MED_MUST_CHECK;

/* dosage_store_class_orders reads the orders of patient_id (and the
 * records merged into it, fam; NULL: its own) that are active or pending
 * verification at now_ms, but for except_id: a row per substance, every
 * substance (the class checks keep their groups'), with each order's
 * period, schedule and prescriber, in a.  MED_ERR_LIMIT past
 * DOSAGE_GIVEN_MAX_ROWS, naming it in out->limit. */
med_err dosage_store_class_orders(med_db *db, med_arena *a,
				  const dosage_family *fam,
				  const char *patient_id, const char *except_id,
				  int64_t now_ms,
				  dosage_class_list *out) MED_MUST_CHECK;

/* dosage_order_duplicates appends the duplicate-order check of order o of
 * drug d against others (dosage_store_class_orders) to o's checks and
 * folds it into o's overall; *r (NULL: not wanted) gets the result. */
med_err dosage_order_duplicates(med_call *call, dosage_order *o,
				const dosage_drug *d,
				const dosage_class_list *others,
				dosage_dose_result *r) MED_MUST_CHECK;

/* dosage_order_duplicate_eval is the duplicate-order result of o of d
 * against others, without touching o. */
void dosage_order_duplicate_eval(const dosage_order *o, const dosage_drug *d,
				 const dosage_class_list *others,
				 dosage_dose_result *r);

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
	/* Its home items (dosage_ddi_gather's list; NULL: none): the home
	 * medicines meet the duplicate-therapy check, never the OME sum
	 * (a home dose is words, not an amount). */
	const dosage_class_list *home;
	/* When the anticoagulant switch check times the drug's start (0:
	 * at_ms): order entry gives the later of the order's start and the
	 * time of writing, so that a backdated start hides no dose. */
	int64_t switch_ms;
	/* No switch check: a continuous infusion's order, whose start
	 * StartInfusion times (with its own switch_override). */
	bool no_switch;
} dosage_class_subject;

/* dosage_order_get_fn reads order id (orders/: dosage_store_get_order);
 * MED_ERR_NOT_FOUND when there is none. */
typedef med_err (*dosage_order_get_fn)(med_db *db, med_arena *arena,
				       const char *id, dosage_order *out);

/*
 * dosage_orders_day_ome sums a day of the regimen of each opioid order in
 * orders (its dose times the doses its frequency allows, a PRN order's own
 * 24-h maximum) in oral morphine equivalents into orders->ome_24h,
 * setting orders->ome_unknown for one it cannot convert.  The orders are
 * read with get, which the caller (orders/, above) passes in.
 */
med_err dosage_orders_day_ome(med_call *call, dosage_order_get_fn get,
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

/* dosage_class_checks is dosage_class_evaluate then dosage_class_append,
 * then, for an anticoagulant, the switch check (switch.c) against s's
 * doses given and home list, at s->switch_ms. */
med_err
dosage_class_checks(med_call *call, const dosage_class_subject *s,
		    dosage_check ***checks, size_t *n_checks,
		    Smartmed__Dosage__V1__CheckStatus *overall) MED_MUST_CHECK;

/* --- ddi_*.c, store_ddi.c: drug-drug interactions (issue 47) ---------- */

#include "interactions.h"

/* The interaction check; its value is the proto's CheckKind. */
#define DOSAGE_DOSE_CHECK_INTERACTION ((dosage_dose_check)150)

/* dosage_ddi_tables is the lookup the knowledge base reads: the
 * substance table (substances.c) and its ATC codes (classes.c). */
const dosage_ddi_lookup *dosage_ddi_tables(void);

/* dosage_ddi_kb_parse_as parses an interaction knowledge base with the
 * service's tables (the parse of handlers_ddi.c's kb_ops: *kb is a
 * dosage_ddi_kb). */
med_err dosage_ddi_kb_parse_as(const char *text, size_t len,
			       const char *version, void **kb, char *why,
			       size_t why_len) MED_MUST_CHECK;

#include "starter.h"

/* dosage_ddi_ref - a counted reference to the active knowledge base. */
typedef struct dosage_ddi_ref dosage_ddi_ref;

/*
 * dosage_ddi_acquire gives a reference to the active knowledge base,
 * installing the shipped one first when the database holds none or an
 * older shipped one (docs/dose-safety.md, "Drug-drug interactions").
 * *out is NULL when no knowledge base can be read (the check then says
 * not_checked).  Errors: the database's.  Not inside a transaction.
 */
med_err dosage_ddi_acquire(med_call *call, dosage_ddi_ref **out) MED_MUST_CHECK;

/* dosage_ddi_release drops a reference; NULL is fine. */
void dosage_ddi_release(dosage_ddi_ref *ref);

/* dosage_ddi_kb_of is the knowledge base of ref (NULL for NULL). */
const dosage_ddi_kb *dosage_ddi_kb_of(const dosage_ddi_ref *ref);

/* dosage_ddi_ref_id is the stored version (interaction_kbs.id) of ref. */
int64_t dosage_ddi_ref_id(const dosage_ddi_ref *ref);

/* dosage_ddi_forget drops the cached knowledge base, so that the next
 * check reads the active one again (after an import). */
void dosage_ddi_forget(void);

/*
 * dosage_store_ddi_products reads what the interaction check meets: the
 * orders of patient_id (and the records merged into it, fam) in force at
 * at_ms but for except_id, each with the rules overridden on it, and the
 * products given within window_ms either side of at_ms, one row per order
 * and substance with its latest dose.  MED_ERR_LIMIT past
 * DOSAGE_GIVEN_MAX_ROWS, naming it in out->limit.
 */
med_err dosage_store_ddi_products(med_db *db, med_arena *a,
				  const dosage_family *fam,
				  const char *patient_id, const char *except_id,
				  int64_t at_ms, int64_t window_ms,
				  dosage_class_list *out) MED_MUST_CHECK;

/* dosage_ddi_subject - one dose or order for the interaction check. */
typedef struct dosage_ddi_subject {
	const dosage_drug *drug;
	const dosage_order *order; /* its order (NULL: a proposed dose) */
	int64_t at_ms;
	/* At the bedside (CheckDose, RecordAdministration) a rule
	 * overridden at order entry on the dose's order or the other
	 * product's only warns. */
	bool bedside;
	const dosage_class_list *others; /* dosage_store_ddi_products */
} dosage_ddi_subject;

/*
 * dosage_ddi_gather reads the products the check of a dose of patient_id
 * at at_ms meets (except_id: its own order) with the window ref's
 * knowledge base needs (none when ref is NULL), and the home medicines
 * that count on stay encounter_id (dosage_store_home_others; NULL or "":
 * none).  Errors: the store's (MED_ERR_LIMIT named as call's status).
 */
med_err dosage_ddi_gather(med_call *call, const dosage_ddi_ref *ref,
			  const dosage_family *fam, const char *patient_id,
			  const char *except_id, const char *encounter_id,
			  int64_t at_ms, dosage_class_list *out) MED_MUST_CHECK;

/* dosage_ddi_checks runs the interaction check of s with ref's knowledge
 * base (NULL: not_checked) and appends it to checks, folding it into
 * overall.  Errors: MED_ERR_NOMEM. */
med_err
dosage_ddi_checks(med_call *call, const dosage_ddi_ref *ref,
		  const dosage_ddi_subject *s, dosage_check ***checks,
		  size_t *n_checks,
		  Smartmed__Dosage__V1__CheckStatus *overall) MED_MUST_CHECK;

/* --- home_checks.c, store_classes.c: home medicines (issue 72) -------- */

/* The prescriber's admission task on a new order; the proto's
 * CHECK_KIND_HOME_MEDICATION_DECISION. */
#define DOSAGE_DOSE_CHECK_HOME_DECISION ((dosage_dose_check)170)

/* How long a home medicine no longer taken counts after its last dose
 * when the interaction knowledge base is not read (a rule's own window
 * applies otherwise; docs/dose-safety.md, "Home medicines in the
 * checks"). */
#define DOSAGE_HOME_WINDOW_MS (DOSAGE_DDI_WINDOW_DEFAULT_H * 3600000LL)

/* dosage_home_fact - one home medicine as the checks read it (the
 * HomeMedication fields of the same names; strings borrowed). */
typedef struct dosage_home_fact {
	const char *medicine, *substance;
	int status, decision;
	const char *decision_encounter_id, *order_id;
	int64_t last_dose_ms, recorded_ms, stopped_ms;
	/* The home regimen's dose (0: not known) and unit, and the doses
	 * taken in the 24 h up to last_dose_ms (0: not known). */
	double dose_amount;
	const char *dose_unit;
	unsigned doses_24h;
	/* Earlier courses before admission, in dose_unit (0: none). */
	double cumulative_before;
} dosage_home_fact;

/*
 * dosage_home_place says whether home medicine f counts for a check at
 * at_ms on stay encounter_id (NULL or "": none) and fills o as it counts:
 * taken (continued, or undecided: possibly active) is in force; stopped,
 * held or stopped at admission counts from its last dose (else from when
 * it was recorded as taken) for window_ms; continued as a named order
 * only for the interval (o->by_order: the order stands for it in the
 * interaction and duplicate checks).  why gets the words o->home is to
 * hold.
 */
bool dosage_home_place(const dosage_home_fact *f, const char *encounter_id,
		       int64_t at_ms, int64_t window_ms, dosage_class_other *o,
		       char *why, size_t why_len);

/* dosage_home_day_doses is how many doses of home medicine o's dose_amount
 * a 24-h total at at_ms counts: doses_taken_24h (1 when not known) when o
 * has an amount and its last dose lies in the 24 h before at_ms; else 0. */
unsigned dosage_home_day_doses(const dosage_class_other *o, int64_t at_ms);

/* dosage_home_day adds to h's 24-h total (given_24h, and home_24h for the
 * reason) the doses taken at home of each home medicine of one of d's
 * substances among l (dosage_ddi_gather's list), whatever its decision (an
 * undecided one is possibly active): doses_taken_24h of its dose_amount,
 * one dose when the count is not known, when its last dose lies in the
 * 24 h before at_ms and its unit converts to d's.  They count in h's
 * lifetime total too (given_lifetime, home_lifetime).  At the bedside. */
void dosage_home_day(const dosage_class_list *l, const dosage_drug *d,
		     int64_t at_ms, dosage_dose_history *h);

/* dosage_home_lifetime adds to h's lifetime total only (given_lifetime,
 * home_lifetime) what dosage_home_day counts: at order entry, whose 24-h
 * total is a day of the regimen still to come, while a cumulative limit
 * holds every dose already taken.  Both add l's earlier courses before
 * admission of d's substances to the lifetime total too
 * (given_lifetime, prior_lifetime). */
void dosage_home_lifetime(const dosage_class_list *l, const dosage_drug *d,
			  int64_t at_ms, dosage_dose_history *h);

/* dosage_home_nearest makes the last dose taken at home of a home
 * medicine of one of d's substances among l (dosage_ddi_gather's list)
 * h's nearest administration to at_ms when it is nearer (naming it in
 * h->nearest_home): the interval check then counts it.  At the bedside
 * only (dosage_home_day counts the amounts). */
void dosage_home_nearest(const dosage_class_list *l, const dosage_drug *d,
			 int64_t at_ms, dosage_dose_history *h);

/* dosage_home_task_check writes the admission-task check of the home
 * medicines among l (dosage_ddi_gather's list): warn naming each undecided
 * one of a task class (dosage_admission_task_class), ok when none. */
void dosage_home_task_check(const dosage_class_list *l, dosage_dose_result *r);

/*
 * dosage_store_home_others appends to out the home medicines of
 * patient_id (and the records merged into it, fam) with a substance that
 * count at at_ms (dosage_home_place), in one indexed read.
 * MED_ERR_LIMIT past DOSAGE_GIVEN_MAX_ROWS items, naming it in
 * out->limit.
 */
med_err dosage_store_home_others(med_db *db, med_arena *a,
				 const dosage_family *fam,
				 const char *patient_id,
				 const char *encounter_id, int64_t at_ms,
				 int64_t window_ms,
				 dosage_class_list *out) MED_MUST_CHECK;

/* --- opioid_naive.c: a strong long-acting opioid for an opioid-naive
 * patient (issue 72) --------------------------------------------------- */

/* The opioid-naive check; its value is the proto's CheckKind. */
#define DOSAGE_DOSE_CHECK_OPIOID_NAIVE ((dosage_dose_check)142)

/* How far back an opioid given or taken makes a patient opioid-tolerant
 * for the opioid-naive check (docs/dose-safety.md, "Opioid-naive
 * starts"). */
#define DOSAGE_OPIOID_TOLERANT_MS (7LL * 24 * 3600 * 1000)

/*
 * dosage_store_opioid_given reads into out the latest counted
 * administration of an opioid (the "opioids" class) to patient_id (and the
 * records merged into it, fam) in [from_ms, to_ms]: at most one item,
 * none when there was none.
 */
med_err dosage_store_opioid_given(med_db *db, med_arena *a,
				  const dosage_family *fam,
				  const char *patient_id, int64_t from_ms,
				  int64_t to_ms,
				  dosage_class_list *out) MED_MUST_CHECK;

/* dosage_opioid_exposure - what makes a patient opioid-tolerant: an
 * opioid given (given: its drug code, t_ms) or on the home list (home:
 * the words of it); both NULL: naive. */
typedef struct dosage_opioid_exposure {
	const char *given, *home;
	int64_t t_ms;
} dosage_opioid_exposure;

/*
 * dosage_opioid_naive_eval writes the opioid-naive result of a start that
 * rule (the knowledge base's origin of the rule it meets, NULL: none)
 * names, stopping (stop) or warning, against exposure e at at_ms:
 * not_applicable without a rule, ok for a tolerant patient.
 */
void dosage_opioid_naive_eval(const char *rule, bool stop,
			      const dosage_opioid_exposure *e, int64_t at_ms,
			      dosage_dose_result *r);

/*
 * dosage_opioid_naive_checks appends the opioid-naive check of order o of
 * drug d, written at at_ms, to o's checks when d meets a rule (reading
 * what the patient, and the records merged into it, fam, was given in the
 * last DOSAGE_OPIOID_TOLERANT_MS and the home list), folding it into o's
 * overall.  Errors: the store's.
 */
med_err dosage_opioid_naive_checks(med_call *call, dosage_order *o,
				   const dosage_drug *d,
				   const dosage_family *fam,
				   int64_t at_ms) MED_MUST_CHECK;

/*
 * dosage_opioid_naive_recheck writes into r the opioid-naive result of
 * order o (drug d), already written, at at_ms (a dose or the pharmacist's
 * verification): not_applicable for a product no rule names; a stop the
 * order's prescriber overrode at entry answers a warning.  Errors: the
 * store's.
 */
med_err dosage_opioid_naive_recheck(med_call *call, const dosage_order *o,
				    const dosage_drug *d,
				    const dosage_family *fam, int64_t at_ms,
				    dosage_dose_result *r) MED_MUST_CHECK;

/*
 * dosage_opioid_naive_bedside appends the opioid-naive check of a dose of
 * order o (drug d) at at_ms to a reply's checks, as
 * dosage_opioid_naive_checks does at order entry; a stop the order's
 * prescriber overrode at entry answers a warning.  Nothing for a product
 * no rule names.  Errors: the store's.
 */
med_err dosage_opioid_naive_bedside(
	med_call *call, const dosage_order *o, const dosage_drug *d,
	const dosage_family *fam, int64_t at_ms, dosage_check ***checks,
	size_t *n_checks,
	Smartmed__Dosage__V1__CheckStatus *overall) MED_MUST_CHECK;

/* dosage_ddi_verify_stop: at verification, the reason of an interaction
 * that stops order o now and that its prescriber did not override (a
 * contraindicated one always: the pharmacist must), or "". */
med_err dosage_ddi_verify_stop(med_call *call, const dosage_order *o,
			       const dosage_drug *d, const dosage_family *fam,
			       const char **why) MED_MUST_CHECK;

#endif
