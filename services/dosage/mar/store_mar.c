/*
 * store_mar.c - the dosage service's SQL for the ward round: doses charted
 * as not given, and the reads a MAR is drawn from, all in one transaction
 * so that its orders, administrations and holds agree with each other.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "orders.h"
#include "mar.h"
#include "infusions.h"
#include "subject.h"

/* A dose given answers a scheduled time at most half an interval away
 * (weekly: 3.5 days): the MAR reads administrations that far around its
 * window. */
#define MAR_MATCH_MARGIN_MS (84LL * 3600 * 1000)
#define MAR_ADMINS_MAX	    5000

/* dosage_store_charted_before finds an earlier not-given record of the same
 * dose. */
med_err
dosage_store_charted_before(med_db_conn *c, med_arena *a, const dosage_admin *m,
			    dosage_admin_rows *found)
{
	med_db_value k[] = {MED_DB_STR(m->order_id),
			    MED_DB_I64(m->scheduled_ms)};

	found->arena = a;
	return med_db_query(
		c,
		"SELECT " DOSAGE_ADMIN_COLUMNS
		" FROM administrations WHERE order_id = ? AND"
		" scheduled_ms = ? AND status = '" DOSAGE_ADMIN_NOT_DONE
		"' LIMIT 1",
		k, 2, dosage_store_admin_row, found);
}

/* dosage_store_insert_escalation keeps a time-critical omission's escalation.
 */
med_err
dosage_store_insert_escalation(med_db_conn *c, const dosage_admin *m,
			       const char *term)
{
	med_db_value v[] = {MED_DB_STR(m->id),
			    MED_DB_STR(m->order_id),
			    MED_DB_STR(m->patient_id),
			    MED_DB_STR(term),
			    MED_DB_I64(m->time_critical_window_min),
			    MED_DB_STR(m->escalation_reason),
			    MED_DB_I64(m->recorded_ms)};

	return med_db_exec(c,
			   "INSERT INTO time_critical_omissions"
			   " (administration_id, order_id, patient_id, term,"
			   " window_min, escalation_reason, recorded_ms)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?)",
			   v, 7, NULL, NULL);
}

/* --- corrections --------------------------------------------------------- */

med_err
dosage_store_mark_in_error(med_db_conn *c, const dosage_admin *m)
{
	med_db_value v[] = {MED_DB_STR(m->entered_in_error_by),
			    MED_DB_I64(m->entered_in_error_ms),
			    MED_DB_STR(m->entered_in_error_reason),
			    MED_DB_STR(m->id)};

	return med_db_exec(
		c,
		"UPDATE administrations SET status = '" DOSAGE_ADMIN_IN_ERROR
		"', eie_by = ?, eie_ms = ?, eie_reason = ? WHERE id = ?",
		v, 4, NULL, NULL);
}

/* dosage_store_request_in_error stores a correction that waits for a second
 * person; the status, so the counts, stay as they are. */
med_err
dosage_store_request_in_error(med_db_conn *c, const dosage_admin *m)
{
	med_db_value v[] = {MED_DB_STR(m->entered_in_error_requested_by),
			    MED_DB_I64(m->entered_in_error_requested_ms),
			    MED_DB_STR(m->entered_in_error_requested_reason),
			    MED_DB_STR(m->id)};

	return med_db_exec(c,
			   "UPDATE administrations SET eie_req_by = ?,"
			   " eie_req_ms = ?, eie_req_reason = ? WHERE id = ?",
			   v, 4, NULL, NULL);
}

/* dosage_store_lock_admin_and_order locks the record's order, then the record:
 * the order in which RecordAdministration takes its locks. */
med_err
dosage_store_lock_admin_and_order(med_db_conn *c, med_arena *a, const char *id,
				  dosage_order *o, dosage_admin *out)
{
	med_err err = dosage_store_read_admin(c, a, id, false, out);

	if (err != MED_OK)
		return err;
	err = dosage_store_read_order(c, a, out->order_id, true, o);
	if (err == MED_OK)
		err = dosage_store_read_admin(c, a, id, true, out);
	/* The record was there a moment ago: a row is never deleted. */
	return err == MED_ERR_NOT_FOUND ? MED_ERR_DATA_LOSS : err;
}

/* --- the MAR ------------------------------------------------------------- */

typedef struct mar_ctx {
	med_arena *arena;
	const char *patient_id;
	int64_t from_ms, to_ms, now_ms;
	dosage_mar_data *out;
	const char *limit; /* the capacity limit a PRN forecast met */
} mar_ctx;

/* mar_admins reads what was charted for the patient around the window:
 * given near it, or not given for a time in it. */
static med_err
mar_admins(med_db_conn *c, mar_ctx *x)
{
	med_db_value v[] = {MED_DB_STR(x->patient_id),
			    MED_DB_I64(x->from_ms - MAR_MATCH_MARGIN_MS),
			    MED_DB_I64(x->to_ms + MAR_MATCH_MARGIN_MS),
			    MED_DB_I64(x->from_ms - MAR_MATCH_MARGIN_MS),
			    MED_DB_I64(x->to_ms + MAR_MATCH_MARGIN_MS),
			    MED_DB_I64(MAR_ADMINS_MAX)};

	x->out->admins.arena = x->arena;
	return med_db_query(c,
			    "SELECT " DOSAGE_ADMIN_COLUMNS
			    " FROM administrations"
			    " WHERE patient_id = ? AND ((effective_ms >= ? AND"
			    " effective_ms < ?) OR (scheduled_ms >= ? AND "
			    "scheduled_ms < ?))"
			    " ORDER BY effective_ms, id LIMIT ?",
			    v, sizeof(v) / sizeof(v[0]), dosage_store_admin_row,
			    &x->out->admins);
}

/* mar_drug loads order i's drug, for its name and strength on the MAR
 * (NULL when the catalogue no longer has it: the line shows the code). */
static med_err
mar_drug(med_db_conn *c, mar_ctx *x, size_t i)
{
	dosage_mar_data *d = x->out;
	dosage_drug *drug = med_arena_zalloc(x->arena, sizeof(*drug));
	med_err err;

	if (drug == NULL)
		return MED_ERR_NOMEM;
	err = dosage_store_drug_conn(c, x->arena, d->orders[i]->drug_code,
				     drug);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err == MED_OK)
		d->drugs[i] = drug;
	return err;
}

/* mar_prn loads, for PRN order i, what was given of its drug's
 * substances in the day before now (the 24-h check's reach). */
static med_err
mar_prn(med_db_conn *c, mar_ctx *x, size_t i)
{
	dosage_mar_data *d = x->out;
	med_err err;

	/* A PRN forecast needs the drug's limits: a PRN order whose drug
	 * is gone is data lost, not a line without a forecast. */
	if (d->drugs[i] == NULL)
		return MED_ERR_DATA_LOSS;
	d->given[i] = med_arena_zalloc(x->arena, sizeof(dosage_given_list));
	if (d->given[i] == NULL)
		return MED_ERR_NOMEM;
	err = dosage_store_given_list(c, x->arena, x->patient_id, d->drugs[i],
				      x->now_ms - DOSAGE_DOSE_DAY_MS,
				      x->now_ms + DOSAGE_DOSE_DAY_MS,
				      d->given[i]);
	x->limit = d->given[i]->limit;
	return err;
}

static med_err
mar_tx(med_db_conn *c, void *arg)
{
	mar_ctx *x = arg;
	dosage_mar_data *d = x->out;
	bool is_set = false;
	med_err err =
		dosage_store_mar_orders(c, x->arena, x->patient_id, x->from_ms,
					x->to_ms, &d->orders, &d->n_orders);

	if (err != MED_OK || (err = mar_admins(c, x)) != MED_OK ||
	    (err = dosage_store_hold_events(c, x->arena, x->patient_id,
					    &d->holds)) != MED_OK)
		return err;
	err = dosage_store_read_ctx(c, x->arena, x->patient_id, false, &d->ctx,
				    &is_set);
	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	d->has_ctx = err == MED_OK && is_set;
	d->drugs = med_arena_zalloc(x->arena,
				    (d->n_orders + 1) * sizeof(*d->drugs));
	d->given = med_arena_zalloc(x->arena,
				    (d->n_orders + 1) * sizeof(*d->given));
	if (d->drugs == NULL || d->given == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < d->n_orders; i++)
		if ((err = mar_drug(c, x, i)) != MED_OK ||
		    (d->orders[i]->prn && (err = mar_prn(c, x, i)) != MED_OK))
			return err;
	return dosage_store_patient_infusions(c, x->arena, x->patient_id,
					      x->from_ms, x->to_ms,
					      &d->infusions, &d->n_infusions);
}

med_err
dosage_store_mar(med_db *db, med_arena *a, const char *patient_id,
		 int64_t from_ms, int64_t to_ms, int64_t now_ms,
		 dosage_mar_data *out, const char **limit)
{
	mar_ctx x = {a, patient_id, from_ms, to_ms, now_ms, out, NULL};
	med_err err;

	memset(out, 0, sizeof(*out));
	err = med_db_tx(db, mar_tx, &x);
	*limit = x.limit;
	return err;
}
