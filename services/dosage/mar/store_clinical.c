/*
 * store_clinical.c - the dosage service's SQL for patient context, dose
 * checks and administrations (orders: store_orders.c).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "orders.h"
#include "mar.h"
#include "subject.h"

#define COUNTED                                                                \
	"status IN ('" DOSAGE_ADMIN_COMPLETED "', '" DOSAGE_ADMIN_ON_HOLD "')"

/* --- reading administrations --------------------------------------------- */

typedef dosage_admin_rows admin_rows;

/* admin_read_own reads the OWN columns of dosage_admin_cols: the
 * overrides, the dose deviation and the checks of an administration. */
static med_err
admin_read_own(med_arena *a, const med_db_row *row, dosage_admin *m)
{
	m->dose_override =
		dosage_store_read_override(a, row, DOSAGE_ADMIN_COL_DOSE_OVR);
	m->identity_override =
		dosage_store_read_override(a, row, DOSAGE_ADMIN_COL_ID_OVR);
	m->cosign_override =
		dosage_store_read_override(a, row, DOSAGE_ADMIN_COL_COS_OVR);
	m->scan_override =
		dosage_store_read_override(a, row, DOSAGE_ADMIN_COL_SCAN_OVR);
	if (dosage_store_read_deviation(a, row, DOSAGE_ADMIN_COL_DEV,
					&m->dose_deviation) != MED_OK ||
	    dosage_admin_deviation_fill(a, m) != MED_OK)
		return MED_ERR_NOMEM;
	return dosage_store_unpack_checks(a, row, DOSAGE_ADMIN_COL_CHECKS,
					  &m->checks, &m->n_checks);
}

med_err
dosage_store_admin_row(void *arg, const med_db_row *row)
{
	admin_rows *r = arg;
	dosage_admin *m = med_arena_push_msg(
		r->arena, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__dosage__v1__administration__descriptor);
	med_err err;

	if (m == NULL)
		return MED_ERR_NOMEM;
	err = dosage_cols_read(r->arena, row, dosage_admin_cols,
			       DOSAGE_ADMIN_N_COLUMNS, m);
	return err == MED_OK ? admin_read_own(r->arena, row, m) : err;
}

med_err
dosage_store_read_admin(med_db_conn *c, med_arena *a, const char *id, bool lock,
			dosage_admin *out)
{
	admin_rows r = {.arena = a};
	med_db_value k[] = {MED_DB_STR(id)};
	med_err err = med_db_query_row(
		c,
		lock ? "SELECT " DOSAGE_ADMIN_COLUMNS
		       " FROM administrations WHERE id = ? FOR UPDATE"
		     : "SELECT " DOSAGE_ADMIN_COLUMNS
		       " FROM administrations WHERE id = ?",
		k, 1, dosage_store_admin_row, &r);

	if (err == MED_OK)
		*out = *r.items[0];
	return err;
}

med_err
dosage_store_set_confirmed(med_db_conn *c, const char *id, const char *by,
			   int64_t at_ms)
{
	med_db_value v[] = {MED_DB_STR(by), MED_DB_I64(at_ms), MED_DB_STR(id)};

	return med_db_exec(
		c,
		"UPDATE administrations SET status = '" DOSAGE_ADMIN_COMPLETED
		"', confirmed_by = ?,"
		" confirmed_ms = ? WHERE id = ?",
		v, 3, NULL, NULL);
}

/* --- history ------------------------------------------------------------- */

typedef struct total_rows {
	med_arena *arena;
	Smartmed__Dosage__V1__DrugTotal **items;
	size_t n, cap;
} total_rows;

static med_err
on_total_row(void *arg, const med_db_row *row)
{
	total_rows *r = arg;
	Smartmed__Dosage__V1__DrugTotal *t = med_arena_push_msg(
		r->arena, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__dosage__v1__drug_total__descriptor);

	if (t == NULL)
		return MED_ERR_NOMEM;
	t->drug_code = med_db_row_strdup(r->arena, row, 0);
	t->unit = med_db_row_strdup(r->arena, row, 1);
	t->total_24h = med_db_row_double(row, 2);
	t->lifetime = med_db_row_double(row, 3);
	t->count = (uint32_t)med_db_row_int64(row, 4);
	return t->drug_code && t->unit ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_history(med_db *db, med_arena *arena, const char *patient_id,
		     int64_t now_ms, uint64_t offset, uint32_t limit,
		     Smartmed__Dosage__V1__HistoryResponse *res)
{
	admin_rows ar = {.arena = arena};
	total_rows tr = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_db_value t[] = {MED_DB_I64(now_ms - DOSAGE_DOSE_DAY_MS),
			    MED_DB_I64(now_ms), MED_DB_STR(patient_id)};
	med_err err = med_db_query_once(
		db,
		"SELECT " DOSAGE_ADMIN_COLUMNS " FROM administrations"
		" WHERE patient_id = ? ORDER BY effective_ms DESC, id"
		" LIMIT ? OFFSET ?",
		v, 3, dosage_store_admin_row, &ar);

	if (err != MED_OK)
		return err;
	err = med_db_query_once(
		db,
		"SELECT drug_code, drug_unit,"
		" SUM(CASE WHEN effective_ms > ? AND effective_ms <= ?"
		" THEN dose_drug_unit ELSE 0 END), SUM(dose_drug_unit),"
		" COUNT(*) FROM administrations WHERE patient_id = ? "
		"AND " COUNTED " GROUP BY drug_code, drug_unit"
		" ORDER BY drug_code, drug_unit",
		t, 3, on_total_row, &tr);
	if (err != MED_OK)
		return err;
	res->administrations = ar.items;
	res->n_administrations = ar.n;
	res->totals = tr.items;
	res->n_totals = tr.n;
	return MED_OK;
}
