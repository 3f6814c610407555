/*
 * orders.h - orders: their SQL, versions and changes (store_orders.c),
 * ListDue's rule (schedule.c) and the stay an order was written in
 * (stay.c, handlers_stay.c).
 */
#ifndef DOSAGE_ORDERS_H
#define DOSAGE_ORDERS_H

#include "dosage.h"

/* --- the hold changes of orders (store_orders.c reads them) ---------- */

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

/* --- schedule.c: ListDue ----------------------------------------------- */

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

/* --- schedule.c: an order's times ------------------------------------- */

/*
 * dosage_order_times_ok is true when o's stored start and creation lie
 * within MED_TIME_MIN_MS..MED_TIME_MAX_MS.  The input checks keep every
 * new order so; a row from before them, or written straight into the
 * database, gets no scheduled times and no next dose rather than
 * arithmetic on INT64_MIN.  A stored end past the bounds (2^63-1 meant
 * as "no end") is read as no end: its order stays on the ward round.
 */
bool dosage_order_times_ok(const dosage_order *o);

/* --- store_orders.c: orders, their versions and changes ---------------- */

/*
 * The order writes (CreateOrder, the changes of state, the new versions)
 * are transactions their handlers own (handlers_orders.c, med_call_tx):
 * these functions are the words of those transactions, each run on the
 * caller's connection inside it, and none sees the call.
 */

/* dosage_change - one change to an order: which, who, why, when. */
typedef struct dosage_change {
	Smartmed__Dosage__V1__OrderEventKind kind;
	const char *user;
	const char *reason; /* NULL: none */
	int64_t now_ms;
} dosage_change;

/* dosage_store_insert_order writes version o (its id, version and
 * first_order_id set); a (scratch) packs its checks. */
med_err dosage_store_insert_order(med_db_conn *c, med_arena *a,
				  const dosage_order *o) MED_MUST_CHECK;

/* dosage_store_log_change appends change ch of version o to its order's
 * log; new_order_id is the version the change made (NULL: none). */
med_err dosage_store_log_change(med_db_conn *c, const dosage_order *o,
				const dosage_change *ch,
				const char *new_order_id) MED_MUST_CHECK;

/* dosage_store_set_state writes a change of state (VERIFIED, HELD,
 * RESUMED, DISCONTINUED, RECONCILED_STOPPED) to order id's row;
 * MED_ERR_INTERNAL for any other kind. */
med_err dosage_store_set_state(med_db_conn *c, const char *id,
			       const dosage_change *ch) MED_MUST_CHECK;

/* dosage_store_supersede marks version old replaced by next at now_ms. */
med_err dosage_store_supersede(med_db_conn *c, const dosage_order *old,
			       const dosage_order *next,
			       int64_t now_ms) MED_MUST_CHECK;

/* dosage_store_get_order reads order id on a connection of its own. */
med_err dosage_store_get_order(med_db *db, med_arena *arena, const char *id,
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

/* --- death.c: the patient's death (docs/dose-safety.md, "Death") --------- */

/* dosage_death_dose_problem refuses (FAILED_PRECONDITION naming field) a
 * dose given at at_ms at or after the death d, and any dose when the time
 * of death is not known; a dose given before the death is allowed. */
med_err dosage_death_dose_problem(const char *field, const dosage_death *d,
				  int64_t at_ms, med_problem *p) MED_MUST_CHECK;

/* dosage_death_order_problem refuses (FAILED_PRECONDITION naming field) a
 * new order or a new version of one for a patient who has died. */
med_err dosage_death_order_problem(const char *field, const dosage_death *d,
				   med_problem *p) MED_MUST_CHECK;

/*
 * dosage_death_mark settles o (already settled at now_ms) against the
 * death d: sets patient_deceased_ms; an order in force past the death
 * reads STOPPED at it (discontinued_ms, end_ms the time of death, or now_ms
 * when the time is not known) and a completed one ends there; both set
 * ended_at_death.  An order that ended before the death is left alone.
 */
void dosage_death_mark(dosage_order *o, const dosage_death *d, int64_t now_ms);

/* --- handlers_stay.c: what identity says of the stays --------------------- */

/* dosage_stay_assign sets o->encounter_id to the patient's open stay ("" when
 * none), asking identity (CreateOrder). */
med_err dosage_stay_assign(med_call *call, dosage_order *o) MED_MUST_CHECK;

/* dosage_stays_fill asks identity about the stay of each of the n orders
 * (once per stay, no cache) and marks them (dosage_stay_mark). */
med_err dosage_stays_fill(med_call *call, dosage_order **orders,
			  size_t n) MED_MUST_CHECK;

/* dosage_orders_fill is dosage_stays_fill for a read that shows orders:
 * it also asks identity whether each order's patient has died (once per
 * patient, no cache) and marks the orders (dosage_death_mark at now_ms). */
med_err dosage_orders_fill(med_call *call, dosage_order **orders, size_t n,
			   int64_t now_ms) MED_MUST_CHECK;

/* dosage_deaths_fill is the death half of dosage_orders_fill (the FHIR
 * export, which shows no stay). */
med_err dosage_deaths_fill(med_call *call, dosage_order **orders, size_t n,
			   int64_t now_ms) MED_MUST_CHECK;

/* dosage_death_guard fails the call (naming field) when the patient k
 * describes has died before at_ms (dosage_death_dose_problem), naming the
 * death in the audit event: for every write that charts a dose. */
med_err dosage_death_guard(med_call *call, const char *field,
			   const dosage_known *k, int64_t at_ms) MED_MUST_CHECK;

/*
 * dosage_wristband_guard refuses (FAILED_PRECONDITION naming field) a dose
 * charted without a face verification token (an identity_override, the
 * wristband) by a caller outside the patient's care relationship: one
 * who reaches the patient by break-glass (docs/security.md, "Hand-over
 * after a transfer").  Call it after the patient is named
 * (med_call_set_patient decides the relationship).
 */
med_err dosage_wristband_guard(med_call *call, const char *field,
			       bool have_token) MED_MUST_CHECK;

/* dosage_stay_guard fails the call (naming field) when order o's stay was
 * discharged, asking identity at once: for every write that charts against
 * an order.  out (NULL: not wanted) gets the stay as identity said, zeroed
 * when o has none: the ward of a dose (med_stay_ward_at). */
med_err dosage_stay_guard(med_call *call, const char *field, dosage_order *o,
			  med_stay *out) MED_MUST_CHECK;

/* --- store_home.c: home medicines (docs/dose-safety.md, "Home medicines") */

typedef Smartmed__Dosage__V1__HomeMedication dosage_home_med;

/* A patient's list holds at most this many medicines. */
#define DOSAGE_HOME_MEDS_MAX 200

/*
 * dosage_store_add_home_med inserts m (its id, recorded_by and recorded_ms
 * set) on c, inside the caller's transaction.  Errors: MED_ERR_EXISTS (its
 * note's suggestion is on the list already), MED_ERR_LIMIT (the patient's
 * list is full), the database's.
 */
med_err dosage_store_add_home_med(med_db_conn *c,
				  const dosage_home_med *m) MED_MUST_CHECK;

/* dosage_store_home_meds reads the patient's list, oldest first (stopped
 * ones only with include_stopped), into an arena array. */
med_err dosage_store_home_meds(med_db *db, med_arena *arena,
			       const char *patient_id, bool include_stopped,
			       dosage_home_med ***out,
			       size_t *n) MED_MUST_CHECK;

/* dosage_store_home_med reads one by id.  MED_ERR_NOT_FOUND: none. */
med_err dosage_store_home_med(med_db *db, med_arena *arena, const char *id,
			      dosage_home_med **out) MED_MUST_CHECK;

/* dosage_home_change - a change of one home medicine: stopping it, or
 * recording a reconciliation decision (decision != 0). */
typedef struct dosage_home_change {
	const char *id;
	const char *reason;
	const char *by;
	int64_t at_ms;
	int decision;		  /* 0: stop the medicine */
	const char *encounter_id; /* the stay decided for */
	const char *order_id;	  /* CONTINUE: the order, or "" */
} dosage_home_change;

/* dosage_store_lock_home_med reads home medicine id and locks its row
 * (FOR UPDATE) until the caller's transaction ends.  MED_ERR_NOT_FOUND:
 * none. */
med_err dosage_store_lock_home_med(med_db_conn *c, med_arena *arena,
				   const char *id,
				   dosage_home_med **out) MED_MUST_CHECK;

/* dosage_store_read_home_med reads home medicine id on c. */
med_err dosage_store_read_home_med(med_db_conn *c, med_arena *arena,
				   const char *id,
				   dosage_home_med **out) MED_MUST_CHECK;

/* dosage_store_has_order sets *seen when order_id is an order of
 * patient_id. */
med_err dosage_store_has_order(med_db_conn *c, const char *order_id,
			       const char *patient_id,
			       bool *seen) MED_MUST_CHECK;

/* dosage_store_apply_home_change writes ch to its medicine's row: stopped
 * (ch->decision 0) or the reconciliation decision. */
med_err
dosage_store_apply_home_change(med_db_conn *c,
			       const dosage_home_change *ch) MED_MUST_CHECK;

#endif
