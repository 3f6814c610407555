/*
 * store_infusion.c - continuous infusions: the infusion rows and their
 * events, over a connection.  The transactions that start, change and
 * stop them are handlers_infusion.c's; they lock the order row, then the
 * patient row (dosage_store_load_subject), then the infusion row, the
 * order every dosage writer takes.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "subject.h"
#include "infusions.h"

#define INFUSION_COLUMNS                                                       \
	"id, order_id, patient_id, drug_code, drug_unit, status, performer,"   \
	" identity, token_id, id_ovr_reason, id_ovr_text, started_ms,"         \
	" stopped_ms, rate_per_h, v_checked, v_checked_by, v_terminal"

#define EVENT_COLUMNS                                                          \
	"kind, effective_ms, recorded_ms, rate, rate_unit, rate_per_h, actor," \
	" reason, overall, checks, ovr_reason, ovr_text, delivered, admin_id," \
	" cosign_id, cosigned_by"

/* The most infusions of one patient a MAR window lists, and the most
 * events one infusion holds: beyond is no ward's titration but a fault. */
#define MAX_INFUSIONS 100
#define MAX_EVENTS    2000

typedef struct infusion_rows {
	med_arena *arena;
	dosage_infusion **items;
	size_t n, cap;
} infusion_rows;

static med_err
on_infusion_row(void *arg, const med_db_row *row)
{
	infusion_rows *r = arg;
	med_arena *a = r->arena;
	dosage_infusion *f;

	if (r->n == MAX_INFUSIONS)
		return MED_ERR_LIMIT;
	f = med_arena_push_msg(a, (void ***)&r->items, &r->n, &r->cap,
			       &smartmed__dosage__v1__infusion__descriptor);
	if (f == NULL)
		return MED_ERR_NOMEM;
	f->id = med_db_row_strdup(a, row, 0);
	f->order_id = med_db_row_strdup(a, row, 1);
	f->patient_id = med_db_row_strdup(a, row, 2);
	f->drug_code = med_db_row_strdup(a, row, 3);
	f->drug_unit = med_db_row_strdup(a, row, 4);
	f->status = med_db_row_strdup(a, row, 5);
	f->performer = med_db_row_strdup(a, row, 6);
	f->identity = med_db_row_strdup(a, row, 7);
	f->verification_token_id = med_db_row_strdup(a, row, 8);
	f->identity_override = dosage_store_read_override(a, row, 9);
	f->started_ms = med_db_row_int64(row, 11);
	f->stopped_ms = med_db_row_int64(row, 12);
	f->rate_drug_unit_per_hour = med_db_row_double(row, 13);
	f->identifiers_checked = med_db_row_strdup(a, row, 14);
	f->identifiers_checked_by = med_db_row_strdup(a, row, 15);
	f->identification_terminal = med_db_row_strdup(a, row, 16);
	if (!f->id || !f->order_id || !f->patient_id || !f->drug_code ||
	    !f->drug_unit || !f->status || !f->performer || !f->identity ||
	    !f->verification_token_id || !f->identifiers_checked ||
	    !f->identifiers_checked_by || !f->identification_terminal)
		return MED_ERR_NOMEM;
	return MED_OK;
}

typedef struct event_rows {
	med_arena *arena;
	dosage_infusion *f;
	size_t cap;
} event_rows;

static med_err
on_event_row(void *arg, const med_db_row *row)
{
	event_rows *r = arg;
	med_arena *a = r->arena;
	dosage_infusion_rate *e;

	if (r->f->n_rates == MAX_EVENTS)
		return MED_ERR_LIMIT;
	e = med_arena_push_msg(
		a, (void ***)&r->f->rates, &r->f->n_rates, &r->cap,
		&smartmed__dosage__v1__infusion_rate__descriptor);
	if (e == NULL)
		return MED_ERR_NOMEM;
	e->kind = (Smartmed__Dosage__V1__InfusionEventKind)med_db_row_int64(row,
									    0);
	e->effective_ms = med_db_row_int64(row, 1);
	e->recorded_ms = med_db_row_int64(row, 2);
	e->rate = med_db_row_double(row, 3);
	e->rate_unit = med_db_row_strdup(a, row, 4);
	e->rate_drug_unit_per_hour = med_db_row_double(row, 5);
	e->actor = med_db_row_strdup(a, row, 6);
	e->reason = med_db_row_strdup(a, row, 7);
	e->overall =
		(Smartmed__Dosage__V1__CheckStatus)med_db_row_int64(row, 8);
	e->rate_override = dosage_store_read_override(a, row, 10);
	e->delivered_drug_unit = med_db_row_double(row, 12);
	e->administration_id = med_db_row_strdup(a, row, 13);
	e->cosign_id = med_db_row_strdup(a, row, 14);
	e->cosigned_by = med_db_row_strdup(a, row, 15);
	if (!e->rate_unit || !e->actor || !e->reason || !e->administration_id ||
	    !e->cosign_id || !e->cosigned_by)
		return MED_ERR_NOMEM;
	return dosage_store_unpack_checks(a, row, 9, &e->checks, &e->n_checks);
}

/* read_events fills f's rate history, oldest first. */
static med_err
read_events(med_db_conn *c, med_arena *a, dosage_infusion *f)
{
	event_rows r = {.arena = a, .f = f};
	med_db_value v[] = {MED_DB_STR(f->id)};

	f->rates = NULL;
	f->n_rates = 0;
	return med_db_query(c,
			    "SELECT " EVENT_COLUMNS " FROM infusion_events"
			    " WHERE infusion_id = ? ORDER BY id",
			    v, 1, on_event_row, &r);
}

med_err
dosage_store_read_infusion(med_db_conn *c, med_arena *a, const char *id,
			   bool lock, dosage_infusion *out)
{
	infusion_rows r = {.arena = a};
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_row(
		c,
		lock ? "SELECT " INFUSION_COLUMNS
		       " FROM infusions WHERE id = ? FOR UPDATE"
		     : "SELECT " INFUSION_COLUMNS
		       " FROM infusions WHERE id = ?",
		v, 1, on_infusion_row, &r);

	if (err != MED_OK)
		return err;
	if ((err = read_events(c, a, r.items[0])) != MED_OK)
		return err;
	*out = *r.items[0];
	return MED_OK;
}

med_err
dosage_store_insert_infusion(med_db_conn *c, const dosage_infusion *f)
{
	const dosage_override *o = f->identity_override;
	med_db_value v[] = {
		MED_DB_STR(f->id),
		MED_DB_STR(f->order_id),
		MED_DB_STR(f->patient_id),
		MED_DB_STR(f->drug_code),
		MED_DB_STR(f->drug_unit),
		MED_DB_STR(f->status),
		MED_DB_STR(f->performer),
		MED_DB_STR(f->identity),
		MED_DB_STR(f->verification_token_id),
		MED_DB_I64(o ? o->reason : 0),
		MED_DB_STR(o ? o->text : ""),
		MED_DB_I64(f->started_ms),
		MED_DB_I64(f->stopped_ms),
		MED_DB_DBL(f->rate_drug_unit_per_hour),
		MED_DB_STR(f->identifiers_checked),
		MED_DB_STR(f->identifiers_checked_by),
		MED_DB_STR(f->identification_terminal),
	};

	return med_db_exec(c,
			   "INSERT INTO infusions (" INFUSION_COLUMNS ")"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			   " ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
dosage_store_update_infusion(med_db_conn *c, const dosage_infusion *f)
{
	med_db_value v[] = {
		MED_DB_STR(f->status),
		MED_DB_I64(f->stopped_ms),
		MED_DB_DBL(f->rate_drug_unit_per_hour),
		MED_DB_STR(f->id),
	};

	return med_db_exec(c,
			   "UPDATE infusions SET status = ?, stopped_ms = ?,"
			   " rate_per_h = ? WHERE id = ?",
			   v, 4, NULL, NULL);
}

med_err
dosage_store_insert_rate(med_db_conn *c, med_arena *a, const char *infusion_id,
			 const dosage_infusion_rate *e)
{
	const dosage_override *o = e->rate_override;
	uint8_t *blob;
	size_t len;

	if (dosage_store_pack_checks(a, e->checks, e->n_checks, &blob, &len) !=
	    MED_OK)
		return MED_ERR_NOMEM;
	med_db_value v[] = {
		MED_DB_STR(infusion_id),
		MED_DB_I64(e->kind),
		MED_DB_I64(e->effective_ms),
		MED_DB_I64(e->recorded_ms),
		MED_DB_DBL(e->rate),
		MED_DB_STR(e->rate_unit),
		MED_DB_DBL(e->rate_drug_unit_per_hour),
		MED_DB_STR(e->actor),
		MED_DB_STR(e->reason),
		MED_DB_I64(e->overall),
		MED_DB_BLOBV(blob, len),
		MED_DB_I64(o ? o->reason : 0),
		MED_DB_STR(o ? o->text : ""),
		MED_DB_DBL(e->delivered_drug_unit),
		MED_DB_STR(e->administration_id),
		MED_DB_STR(e->cosign_id),
		MED_DB_STR(e->cosigned_by),
	};
	return med_db_exec(
		c,
		"INSERT INTO infusion_events (infusion_id, " EVENT_COLUMNS
		") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
dosage_store_use_infusion_cosign(med_db_conn *c, const char *infusion_id,
				 const char *cosign_id)
{
	dosage_admin use = SMARTMED__DOSAGE__V1__ADMINISTRATION__INIT;

	use.id = (char *)infusion_id;
	use.cosign_id = (char *)cosign_id;
	return dosage_store_use_cosign(c, &use);
}

typedef struct get_ctx {
	med_arena *arena;
	const char *id;
	dosage_infusion *out;
} get_ctx;

static med_err
get_tx(med_db_conn *c, void *arg)
{
	get_ctx *g = arg;

	return dosage_store_read_infusion(c, g->arena, g->id, false, g->out);
}

med_err
dosage_store_get_infusion(med_db *db, med_arena *arena, const char *id,
			  dosage_infusion *out)
{
	get_ctx g = {.arena = arena, .id = id, .out = out};

	return med_db_tx(db, get_tx, &g);
}

med_err
dosage_store_patient_infusions(med_db_conn *c, med_arena *arena,
			       const char *patient_id, int64_t from_ms,
			       int64_t to_ms, dosage_infusion ***out, size_t *n)
{
	infusion_rows r = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(to_ms),
			    MED_DB_I64(from_ms)};
	med_err err = med_db_query(c,
				   "SELECT " INFUSION_COLUMNS " FROM infusions"
				   " WHERE patient_id = ? AND started_ms < ?"
				   " AND (stopped_ms = 0 OR stopped_ms >= ?)"
				   " ORDER BY started_ms, id",
				   v, 3, on_infusion_row, &r);

	for (size_t i = 0; err == MED_OK && i < r.n; i++)
		err = read_events(c, arena, r.items[i]);
	if (err != MED_OK)
		return err;
	*out = r.items;
	*n = r.n;
	return MED_OK;
}
