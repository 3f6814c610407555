/*
 * store_limits.c - the dosage service's SQL for the weekly-only rule
 * (limits.c): another order of the substance in force, and the nearest
 * dose of it given or taken at home, around a new order.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"

/* The rows of one substance (drug_substances.substance; "#code" for a
 * drug without one, as store_history.c counts it). */
static void
substance_key(const dosage_drug *d, char *out, size_t len)
{
	if (d->substance[0] != '\0')
		med_strlcpy(out, d->substance, len);
	else
		snprintf(out, len, "#%s", d->code);
}

static med_err
on_order_id(void *arg, const med_db_row *row)
{
	dosage_weekly_seen *seen = arg;
	const char *id = med_db_row_text(row, 0, NULL);

	med_strlcpy(seen->order_id, id ? id : "", sizeof(seen->order_id));
	return MED_OK;
}

static med_err
on_gap(void *arg, const med_db_row *row)
{
	dosage_weekly_seen *seen = arg;

	if (med_db_row_is_null(row, 0))
		return MED_OK;
	seen->has_dose = true;
	seen->dose_gap_ms = med_db_row_int64(row, 0);
	return MED_OK;
}

static med_err
on_home_gap(void *arg, const med_db_row *row)
{
	dosage_weekly_seen *seen = arg;
	const char *medicine = med_db_row_text(row, 1, NULL);

	seen->has_home_dose = true;
	seen->home_gap_ms = med_db_row_int64(row, 0);
	med_strlcpy(seen->home_medicine, medicine ? medicine : "",
		    sizeof(seen->home_medicine));
	return MED_OK;
}

typedef struct weekly_ctx {
	const dosage_order *o;
	const char *key;
	int64_t now_ms;
	dosage_weekly_seen *seen;
} weekly_ctx;

static med_err
weekly_tx(med_db_conn *c, void *arg)
{
	weekly_ctx *x = arg;
	const char *first = x->o->first_order_id ? x->o->first_order_id : "";
	/* In force: active, pending verification or on hold, not past its
	 * end; any version of the order itself is not another order. */
	med_db_value v[] = {MED_DB_STR(x->o->patient_id), MED_DB_STR(x->key),
			    MED_DB_I64(x->now_ms), MED_DB_STR(first)};
	med_db_value g[] = {MED_DB_I64(x->o->start_ms),
			    MED_DB_STR(x->o->patient_id), MED_DB_STR(x->key)};
	med_err err = med_db_query(
		c,
		"SELECT o.id FROM orders o JOIN drug_substances s"
		" ON s.drug_code = o.drug_code WHERE o.patient_id = ?"
		" AND s.substance = ? AND o.status IN (1, 3, 4)"
		" AND (o.end_ms = 0 OR o.end_ms > ?) AND o.first_id <> ?"
		" ORDER BY o.created_ms LIMIT 1",
		v, 4, on_order_id, x->seen);

	if (err != MED_OK)
		return err;
	err = med_db_query(c,
			   "SELECT MIN(ABS(a.effective_ms - ?))"
			   " FROM administrations a JOIN drug_substances s"
			   " ON s.drug_code = a.drug_code"
			   " WHERE a.patient_id = ? AND s.substance = ?"
			   " AND a.status IN ('" DOSAGE_ADMIN_COMPLETED
			   "', '" DOSAGE_ADMIN_ON_HOLD "')",
			   g, 3, on_gap, x->seen);
	if (err != MED_OK)
		return err;
	/* A dose taken at home is a dose, whatever became of the medicine
	 * since (stopped, held): the home list's last doses too. */
	return med_db_query(c,
			    "SELECT ABS(last_dose_ms - ?) AS gap, medicine"
			    " FROM home_medications WHERE patient_id = ?"
			    " AND substance = ? AND last_dose_ms > 0"
			    " ORDER BY gap LIMIT 1",
			    g, 3, on_home_gap, x->seen);
}

med_err
dosage_store_weekly_seen(med_db *db, const dosage_order *o,
			 const dosage_drug *d, int64_t now_ms,
			 dosage_weekly_seen *seen)
{
	char key[80];
	weekly_ctx x = {o, key, now_ms, seen};

	memset(seen, 0, sizeof(*seen));
	substance_key(d, key, sizeof(key));
	return med_db_tx(db, weekly_tx, &x);
}
