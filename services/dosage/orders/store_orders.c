/*
 * store_orders.c - the dosage service's SQL for orders, their versions and
 * their changes.
 *
 * Each version of an order is its own row: ModifyOrder and RenewOrder
 * insert the new version and mark the old one superseded, so what was
 * prescribed before stays readable.  Every change (created, verified,
 * modified, renewed, held, resumed, discontinued, completed) is a row of
 * order_events, written in the transaction of the change and never
 * updated.  orders.status holds the OrderStatus value, except that
 * "completed" is stored only for a "once" order whose dose was given: an
 * order past its end reads as completed (dosage_order_settle).
 *
 * The writes here run on the caller's connection inside a transaction the
 * caller owns (the order RPCs' handlers, the administrations' stores):
 * no function here opens one for a write, calls back up or sees the call.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dosage.h"
#include "checks.h"
#include "orders.h"
#include "subject.h"

#define ST(x)	       SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define EV(x)	       SMARTMED__DOSAGE__V1__ORDER_EVENT_KIND__ORDER_EVENT_KIND_##x
#define MAR_ORDERS_MAX 200

med_err
dosage_store_log_change(med_db_conn *c, const dosage_order *o,
			const dosage_change *ch, const char *new_order_id)
{
	med_db_value v[] = {
		MED_DB_STR(o->first_order_id),
		MED_DB_STR(o->id),
		MED_DB_I64(o->version),
		MED_DB_I64(ch->kind),
		MED_DB_STR(ch->user),
		MED_DB_I64(ch->now_ms),
		MED_DB_STR(ch->reason ? ch->reason : ""),
		MED_DB_STR(new_order_id ? new_order_id : ""),
	};

	return med_db_exec(c,
			   "INSERT INTO order_events (first_id, order_id,"
			   " version, kind, actor, time_ms, reason,"
			   " new_order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
dosage_store_insert_order(med_db_conn *c, med_arena *a, const dosage_order *o)
{
	const dosage_override *ov = o->dose_override;
	uint8_t *blob;
	size_t len;

	if (dosage_store_pack_checks(a, o->checks, o->n_checks, &blob, &len) !=
	    MED_OK)
		return MED_ERR_NOMEM;
	med_db_value v[] = {
		MED_DB_STR(o->id),
		MED_DB_STR(o->patient_id),
		MED_DB_STR(o->drug_code),
		MED_DB_DBL(o->dose),
		MED_DB_STR(o->unit),
		MED_DB_STR(o->route),
		MED_DB_STR(o->frequency),
		MED_DB_I64(o->prn ? 1 : 0),
		MED_DB_I64(o->start_ms),
		MED_DB_I64(o->end_ms),
		MED_DB_STR(o->created_by),
		MED_DB_I64(o->created_ms),
		MED_DB_DBL(o->dose_in_drug_unit),
		MED_DB_STR(o->drug_unit),
		MED_DB_I64(o->status),
		MED_DB_I64(o->prn_min_interval_minutes),
		MED_DB_DBL(o->prn_max_daily_dose),
		MED_DB_I64(o->overall),
		MED_DB_BLOBV(blob, len),
		MED_DB_I64(ov ? ov->reason : 0),
		MED_DB_STR(ov ? ov->text : ""),
		MED_DB_I64(o->version),
		MED_DB_STR(o->first_order_id),
		MED_DB_STR(o->replaces_order_id ? o->replaces_order_id : ""),
		MED_DB_STR(o->change_reason ? o->change_reason : ""),
		MED_DB_STR(o->held_by ? o->held_by : ""),
		MED_DB_I64(o->held_ms),
		MED_DB_STR(o->hold_reason ? o->hold_reason : ""),
		MED_DB_DBL(o->infusion_rate),
		MED_DB_STR(o->infusion_rate_unit ? o->infusion_rate_unit : ""),
		MED_DB_DBL(o->infusion_rate_max),
		MED_DB_DBL(o->infusion_bag_amount),
		MED_DB_DBL(o->infusion_bag_volume_ml),
		MED_DB_STR(o->encounter_id ? o->encounter_id : ""),
		MED_DB_STR(o->regimen ? o->regimen : ""),
	};
	return med_db_exec(
		c,
		"INSERT INTO orders (id, patient_id, drug_code, dose, unit,"
		" route, frequency, prn, start_ms, end_ms, created_by,"
		" created_ms, dose_drug_unit, drug_unit, status,"
		" prn_min_interval, prn_max_daily, overall, checks, ovr_reason,"
		" ovr_text, version, first_id, replaces_id, change_reason,"
		" held_by, held_ms, hold_reason, inf_rate, inf_rate_unit,"
		" inf_rate_max, inf_bag_amount, inf_bag_ml, encounter_id,"
		" regimen) "
		"VALUES ("
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
dosage_store_get_order(med_db *db, med_arena *arena, const char *id,
		       dosage_order *out)
{
	med_db_conn *c;
	med_err err = med_db_acquire(db, &c);

	if (err != MED_OK)
		return err;
	err = dosage_store_read_order(c, arena, id, false, out);
	med_db_release(c);
	return err;
}

/* --- changes of state ---------------------------------------------------- */

/*
 * change_sql is what each change of state writes to the order's row.  The
 * parameters are (user, time, reason, id) for who_params 3, (user, time,
 * id) for 2 and (id) for 0.
 */
static const struct {
	Smartmed__Dosage__V1__OrderEventKind kind;
	const char *sql;
	int who_params;
} change_sql[] = {
	{EV(VERIFIED),
	 "UPDATE orders SET status = 1, verified_by = ?, verified_ms = ?"
	 " WHERE id = ?",
	 2},
	{EV(HELD),
	 "UPDATE orders SET status = 4, held_by = ?, held_ms = ?,"
	 " hold_reason = ? WHERE id = ?",
	 3},
	{EV(RESUMED), "UPDATE orders SET status = 1 WHERE id = ?", 0},
	{EV(DISCONTINUED),
	 "UPDATE orders SET status = 2, discontinued_by = ?,"
	 " discontinued_ms = ?, discontinue_reason = ? WHERE id = ?",
	 3},
	/* Not continued at a readmission: stopped like a discontinue. */
	{EV(RECONCILED_STOPPED),
	 "UPDATE orders SET status = 2, discontinued_by = ?,"
	 " discontinued_ms = ?, discontinue_reason = ? WHERE id = ?",
	 3},
};

med_err
dosage_store_set_state(med_db_conn *c, const char *id, const dosage_change *ch)
{
	med_db_value all[] = {MED_DB_STR(ch->user), MED_DB_I64(ch->now_ms),
			      MED_DB_STR(ch->reason ? ch->reason : ""),
			      MED_DB_STR(id)};
	med_db_value two[] = {all[0], all[1], all[3]};

	for (size_t i = 0; i < sizeof(change_sql) / sizeof(change_sql[0]);
	     i++) {
		if (change_sql[i].kind != ch->kind)
			continue;
		switch (change_sql[i].who_params) {
		case 3:
			return med_db_exec(c, change_sql[i].sql, all, 4, NULL,
					   NULL);
		case 2:
			return med_db_exec(c, change_sql[i].sql, two, 3, NULL,
					   NULL);
		default:
			return med_db_exec(c, change_sql[i].sql, &all[3], 1,
					   NULL, NULL);
		}
	}
	return MED_ERR_INTERNAL;
}

med_err
dosage_store_complete_once(med_db_conn *c, const dosage_order *o,
			   const dosage_admin *given)
{
	dosage_change done = {.kind = EV(COMPLETED),
			      .user = given->performer,
			      .reason = "its one dose was given",
			      .now_ms = given->recorded_ms};
	med_db_value k[] = {MED_DB_STR(o->id)};
	uint64_t n = 0;
	med_err err;

	if (strcasecmp(o->frequency, "once") != 0 || o->prn)
		return MED_OK;
	err = med_db_exec(c,
			  "UPDATE orders SET status = 5 WHERE id = ? AND"
			  " status = 1",
			  k, 1, &n, NULL);
	if (err != MED_OK || n == 0)
		return err;
	return dosage_store_log_change(c, o, &done, NULL);
}

/* still_given says whether order id has a dose that still counts. */
static med_err
still_given(med_db_conn *c, const char *id, bool *given)
{
	med_db_value k[] = {MED_DB_STR(id)};

	*given = false;
	return med_db_query(c,
			    "SELECT 1 FROM administrations WHERE order_id = ?"
			    " AND status IN ('" DOSAGE_ADMIN_COMPLETED
			    "', '" DOSAGE_ADMIN_ON_HOLD "') LIMIT 1",
			    k, 1, med_db_row_seen, given);
}

med_err
dosage_store_reopen_once(med_db_conn *c, const dosage_order *o,
			 const dosage_admin *corrected)
{
	dosage_change again = {.kind = EV(REOPENED),
			       .user = corrected->entered_in_error_by,
			       .reason = "its one dose was entered in error",
			       .now_ms = corrected->entered_in_error_ms};
	med_db_value k[] = {MED_DB_STR(o->id)};
	uint64_t n = 0;
	bool given = false;
	med_err err;

	if (strcasecmp(o->frequency, "once") != 0 || o->prn)
		return MED_OK;
	if ((err = still_given(c, o->id, &given)) != MED_OK || given)
		return err;
	err = med_db_exec(c,
			  "UPDATE orders SET status = 1 WHERE id = ? AND"
			  " status = 5",
			  k, 1, &n, NULL);
	if (err != MED_OK || n == 0)
		return err;
	return dosage_store_log_change(c, o, &again, NULL);
}

/* --- new versions -------------------------------------------------------- */

med_err
dosage_store_supersede(med_db_conn *c, const dosage_order *old,
		       const dosage_order *next, int64_t now_ms)
{
	med_db_value v[] = {MED_DB_STR(next->id), MED_DB_I64(now_ms),
			    MED_DB_STR(old->id)};

	return med_db_exec(c,
			   "UPDATE orders SET status = 6, replaced_by = ?,"
			   " replaced_ms = ? WHERE id = ?",
			   v, 3, NULL, NULL);
}

/* --- lists --------------------------------------------------------------- */

static med_err
on_last_row(void *arg, const med_db_row *row)
{
	return dosage_store_order_row(arg, row);
}

med_err
dosage_store_active_orders(med_db *db, med_arena *arena, const char *patient_id,
			   dosage_due_row **rows, size_t *n)
{
	dosage_order_rows r = {.arena = arena};
	med_db_value k[] = {MED_DB_STR(patient_id)};
	dosage_due_row *out;
	med_err err;

	r.last_cap = 500;
	r.last_ms = med_arena_zalloc(arena, r.last_cap * sizeof(int64_t));
	if (r.last_ms == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query_once(
		db,
		"SELECT " DOSAGE_ORDER_COLUMNS
		", (SELECT COALESCE(MAX(a.effective_ms),"
		" 0) FROM administrations a WHERE a.order_id = orders.id AND"
		" a.status IN ('" DOSAGE_ADMIN_COMPLETED
		"', '" DOSAGE_ADMIN_ON_HOLD "')) FROM orders WHERE"
		" patient_id = ? AND status = 1 ORDER BY created_ms, id"
		" LIMIT 500",
		k, 1, on_last_row, &r);
	if (err != MED_OK)
		return err;
	out = med_arena_alloc(arena, (r.n + 1) * sizeof(*out));
	if (out == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < r.n; i++) {
		out[i].order = r.items[i];
		out[i].last_ms = r.last_ms[i];
	}
	*rows = out;
	*n = r.n;
	return MED_OK;
}

/* The status an order reads as at a time (?): active and on-hold orders
 * past their end are completed (dosage_order_settle says the same). */
#define STATUS_AT                                                              \
	"(CASE WHEN status IN (1, 4) AND end_ms != 0 AND end_ms <= ?"          \
	" THEN 5 ELSE status END)"

med_err
dosage_store_list_orders(med_db *db, med_arena *arena, const char *patient_id,
			 const char *statuses, int64_t now_ms, uint64_t offset,
			 uint32_t limit, dosage_order ***out, size_t *n)
{
	dosage_order_rows r = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(now_ms),
			    MED_DB_STR(statuses), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_err err = med_db_query_once(
		db,
		"SELECT " DOSAGE_ORDER_COLUMNS
		" FROM orders WHERE patient_id = ?"
		" AND FIND_IN_SET(" STATUS_AT ", ?) > 0"
		" ORDER BY created_ms DESC, id LIMIT ? OFFSET ?",
		v, 5, dosage_store_order_row, &r);

	if (err != MED_OK)
		return err;
	*out = r.items;
	*n = r.n;
	return MED_OK;
}

med_err
dosage_store_mar_orders(med_db_conn *c, med_arena *arena,
			const char *patient_id, int64_t from_ms, int64_t to_ms,
			dosage_order ***out, size_t *n)
{
	dosage_order_rows r = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(to_ms),
			    MED_DB_I64(from_ms),    MED_DB_I64(from_ms),
			    MED_DB_I64(from_ms),    MED_DB_I64(MAR_ORDERS_MAX)};
	/* Every version in force at some time in the window: started
	 * before its end, not ended, stopped or replaced before its start. */
	med_err err =
		med_db_query(c,
			     "SELECT " DOSAGE_ORDER_COLUMNS
			     " FROM orders WHERE patient_id = ?"
			     " AND start_ms < ? AND (end_ms = 0 OR end_ms > ?)"
			     " AND NOT (status = 2 AND discontinued_ms <= ?)"
			     " AND NOT (status = 6 AND replaced_ms <= ?)"
			     " ORDER BY drug_code, start_ms, id LIMIT ?",
			     v, 6, dosage_store_order_row, &r);

	if (err != MED_OK)
		return err;
	*out = r.items;
	*n = r.n;
	return MED_OK;
}

/* --- history ------------------------------------------------------------- */

typedef struct event_rows {
	med_arena *arena;
	Smartmed__Dosage__V1__OrderEvent **items;
	size_t n, cap;
} event_rows;

static med_err
on_event_row(void *arg, const med_db_row *row)
{
	event_rows *r = arg;
	med_arena *a = r->arena;
	Smartmed__Dosage__V1__OrderEvent *e = med_arena_push_msg(
		a, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__dosage__v1__order_event__descriptor);

	if (e == NULL)
		return MED_ERR_NOMEM;
	e->order_id = med_db_row_strdup(a, row, 0);
	e->version = (uint32_t)med_db_row_int64(row, 1);
	e->kind =
		(Smartmed__Dosage__V1__OrderEventKind)med_db_row_int64(row, 2);
	e->actor = med_db_row_strdup(a, row, 3);
	e->time_ms = med_db_row_int64(row, 4);
	e->reason = med_db_row_strdup(a, row, 5);
	e->new_order_id = med_db_row_strdup(a, row, 6);
	return e->order_id && e->actor && e->reason && e->new_order_id
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

typedef struct history_ctx {
	med_arena *arena;
	const char *id;
	Smartmed__Dosage__V1__OrderHistory *out;
} history_ctx;

static med_err
history_tx(med_db_conn *c, void *arg)
{
	history_ctx *h = arg;
	dosage_order any;
	dosage_order_rows versions = {.arena = h->arena};
	event_rows events = {.arena = h->arena};
	med_err err = dosage_store_read_order(c, h->arena, h->id, false, &any);

	if (err != MED_OK)
		return err;
	med_db_value k[] = {MED_DB_STR(any.first_order_id)};
	if ((err = med_db_query(c,
				"SELECT " DOSAGE_ORDER_COLUMNS " FROM orders"
				" WHERE first_id = ? ORDER BY version",
				k, 1, dosage_store_order_row, &versions)) !=
		    MED_OK ||
	    (err = med_db_query(c,
				"SELECT order_id, version, kind, actor,"
				" time_ms, reason, new_order_id FROM"
				" order_events WHERE first_id = ? ORDER BY id",
				k, 1, on_event_row, &events)) != MED_OK)
		return err;
	h->out->versions = versions.items;
	h->out->n_versions = versions.n;
	h->out->events = events.items;
	h->out->n_events = events.n;
	return MED_OK;
}

med_err
dosage_store_order_history(med_db *db, med_arena *arena, const char *id,
			   Smartmed__Dosage__V1__OrderHistory *out)
{
	history_ctx h = {arena, id, out};

	/* One transaction: the versions and the log seen at one moment. */
	return med_db_tx(db, history_tx, &h);
}

/* --- hold intervals for the MAR ------------------------------------------ */

static med_err
on_hold_row(void *arg, const med_db_row *row)
{
	dosage_hold_rows *r = arg;
	dosage_hold_event *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		dosage_hold_event *grown =
			med_arena_alloc(r->arena, cap * sizeof(*grown));

		if (grown == NULL)
			return MED_ERR_NOMEM;
		if (r->n)
			memcpy(grown, r->items, r->n * sizeof(*grown));
		r->items = grown;
		r->cap = cap;
	}
	e = &r->items[r->n++];
	e->order_id = med_db_row_strdup(r->arena, row, 0);
	e->held = med_db_row_int64(row, 1) == EV(HELD);
	e->time_ms = med_db_row_int64(row, 2);
	return e->order_id ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_hold_events(med_db_conn *c, med_arena *arena,
			 const char *patient_id, dosage_hold_rows *out)
{
	med_db_value v[] = {MED_DB_STR(patient_id)};

	out->arena = arena;
	out->n = out->cap = 0;
	out->items = NULL;
	return med_db_query(
		c,
		"SELECT e.order_id, e.kind, e.time_ms FROM order_events e"
		" JOIN orders o ON o.id = e.order_id WHERE o.patient_id = ?"
		" AND e.kind IN (5, 6) ORDER BY e.id LIMIT 5000",
		v, 1, on_hold_row, out);
}
