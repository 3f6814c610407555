/*
 * mar.h - administrations and the ward round: patient context, dose
 * checks and administrations in SQL (store_clinical.c), not given and the
 * MAR's reads (store_mar.c), the schedule and the chart as a nurse reads
 * it (mar.c, mar_view.c), and the identity check at the bedside
 * (handlers_admin.c).
 */
#ifndef DOSAGE_MAR_H
#define DOSAGE_MAR_H

#include "dosage.h"
#include "checks.h"
#include "orders.h"

/* --- the gates of an administration at the bedside (handlers_scan.c,
 * handlers_cosign.c, mar.c) -------------------------------------------- */

struct dosage_gs1;

/*
 * dosage_scan_gate checks the product scanned for a dose of s's order at
 * at_ms (scan NULL: none): its GTIN must be the ordered entry's and its
 * batch not expired; fills m->product_*.  Fails the call otherwise.
 */
med_err dosage_scan_gate(med_call *call, const dosage_subject *s,
			 const struct dosage_gs1 *scan, int64_t at_ms,
			 dosage_admin *m) MED_MUST_CHECK;

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

/* dosage_admin_overdue: m is a high-alert dose given under the exception
 * (on-hold) and still unconfirmed DOSAGE_CONFIRM_WINDOW_MS after it was
 * recorded, at now_ms. */
bool dosage_admin_overdue(const dosage_admin *m, int64_t now_ms);

/*
 * dosage_admin_change runs body, a change to the administration
 * administration_id, in the call's transaction (med_call_tx), after the
 * care decision for the administration's patient: that decision (maybe a
 * call to identity) comes before the row lock, and body names the locked
 * row's patient again (docs/internals/care-decisions.md).  NOT_FOUND
 * fails the call as "no such administration".  handlers_admin.c.
 */
med_err dosage_admin_change(med_call *call, const char *administration_id,
			    med_db_tx_fn body, void *ctx) MED_MUST_CHECK;

/* --- overdue.c: unconfirmed high-alert doses, counted ------------------- */

/* dosage_overdue_start starts the thread that counts unconfirmed
 * high-alert doses past their window into a gauge.  Errors: NOMEM. */
med_err dosage_overdue_start(med_service *svc,
			     dosage_overdue **out) MED_MUST_CHECK;

/* dosage_overdue_stop stops and frees it; NULL is fine. */
void dosage_overdue_stop(dosage_overdue *w);

/* --- mar.c: the ward round's schedule (no I/O) ------------------------- */

#define DOSAGE_MAR_MAX_SLOTS	 200
#define DOSAGE_MAR_MAX_WINDOW_MS (7LL * 24 * 3600 * 1000)

/* dosage_hold_span - a time [from_ms, to_ms) an order was on hold; to_ms
 * INT64_MAX while it still is. */
typedef struct dosage_hold_span {
	int64_t from_ms, to_ms;
} dosage_hold_span;

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
 * dose given answers the slot nearest its time within half an interval, or
 * makes up the open one before it when given more than the due grace
 * before the nearest (a daily or more frequent order).
 * Slots and their strings come from a.  Errors: MED_ERR_NOMEM.
 */
med_err dosage_mar_slots(med_arena *a, const dosage_order *o, dosage_zone *zone,
			 int64_t from_ms, int64_t to_ms, int64_t now_ms,
			 const dosage_hold_span *holds, size_t n_holds,
			 dosage_admin *const *admins, size_t n_admins,
			 Smartmed__Dosage__V1__MarSlot ***out,
			 size_t *n) MED_MUST_CHECK;

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

/* --- store_clinical.c: dose checks and administrations ---------------- */

/* dosage_admin_rows - administrations read into an arena. */
typedef struct dosage_admin_rows {
	med_arena *arena;
	dosage_admin **items;
	size_t n, cap;
} dosage_admin_rows;

/* dosage_store_admin_row is the med_db_row_fn that appends one row of
 * DOSAGE_ADMIN_COLUMNS (subject.h) to a dosage_admin_rows. */
med_err dosage_store_admin_row(void *arg, const med_db_row *row) MED_MUST_CHECK;

/* dosage_store_read_admin reads administration id (lock: FOR UPDATE);
 * MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_read_admin(med_db_conn *c, med_arena *a, const char *id,
				bool lock, dosage_admin *out) MED_MUST_CHECK;

/* dosage_store_insert_cosign writes co-sign *k. */
med_err dosage_store_insert_cosign(med_db_conn *c,
				   const dosage_cosign *k) MED_MUST_CHECK;

/* dosage_store_set_confirmed stores administration id's confirmation:
 * confirmed_by by at at_ms, status completed. */
med_err dosage_store_set_confirmed(med_db_conn *c, const char *id,
				   const char *by,
				   int64_t at_ms) MED_MUST_CHECK;

/* dosage_store_history lists administrations newest first and totals. */
med_err
dosage_store_history(med_db *db, med_arena *arena, const char *patient_id,
		     int64_t now_ms, uint64_t offset, uint32_t limit,
		     Smartmed__Dosage__V1__HistoryResponse *res) MED_MUST_CHECK;

/* --- store_mar.c: not given, and the MAR's reads ------------------------ */

/* dosage_store_charted_before finds an earlier not-given record of the
 * dose m charts (its order and scheduled_ms) into *found, in a. */
med_err dosage_store_charted_before(med_db_conn *c, med_arena *a,
				    const dosage_admin *m,
				    dosage_admin_rows *found) MED_MUST_CHECK;

/* dosage_store_insert_escalation keeps the escalation of a time-critical
 * medicine's omission m under term, the time-critical table's row. */
med_err dosage_store_insert_escalation(med_db_conn *c, const dosage_admin *m,
				       const char *term) MED_MUST_CHECK;

/* dosage_store_lock_admin_and_order locks administration id's order, then
 * the administration (the order RecordAdministration takes its locks in).
 * MED_ERR_NOT_FOUND: no such administration. */
med_err dosage_store_lock_admin_and_order(med_db_conn *c, med_arena *a,
					  const char *id, dosage_order *o,
					  dosage_admin *out) MED_MUST_CHECK;

/* dosage_store_mark_in_error stores m's correction (entered_in_error_by,
 * _ms, _reason) and status entered-in-error. */
med_err dosage_store_mark_in_error(med_db_conn *c,
				   const dosage_admin *m) MED_MUST_CHECK;

/* dosage_store_request_in_error stores m's request for a correction
 * (entered_in_error_requested_*); its status stays. */
med_err dosage_store_request_in_error(med_db_conn *c,
				      const dosage_admin *m) MED_MUST_CHECK;

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

/* dosage_store_mar reads the MAR's data for [from_ms, to_ms) at now_ms,
 * in one transaction of db, into a.  *limit is the capacity limit a PRN
 * forecast met (MED_ERR_LIMIT), else NULL: the caller names it
 * (dosage_fail_limit). */
med_err dosage_store_mar(med_db *db, med_arena *a, const char *patient_id,
			 int64_t from_ms, int64_t to_ms, int64_t now_ms,
			 dosage_mar_data *out,
			 const char **limit) MED_MUST_CHECK;

/* --- mar_view.c: the MAR as a nurse reads it (no I/O) ------------------ */

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

struct dosage_time_critical;

/*
 * dosage_mar_time_critical marks the slots of an order of a time-critical
 * medicine (tc, time_critical.h): each carries the window and why; a dose
 * charted as not given is flagged "not given, time-critical", a dose
 * given more than the window after its time, or still not charted that
 * long after it at now_ms, "late, time-critical".  Errors: MED_ERR_NOMEM.
 */
med_err dosage_mar_time_critical(med_arena *a,
				 const struct dosage_time_critical *tc,
				 int64_t now_ms,
				 Smartmed__Dosage__V1__MarSlot **slots,
				 size_t n) MED_MUST_CHECK;

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

#endif
