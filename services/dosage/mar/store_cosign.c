/*
 * store_cosign.c - the dosage service's SQL for the high-alert second
 * check before the dose: co-signs written by CosignAdministration, read
 * and used once by RecordAdministration inside its transaction.
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "orders.h"
#include "mar.h"
#include "subject.h"

#define COSIGN_COLUMNS                                                         \
	"id, order_id, patient_id, dose, unit, dose_drug_unit, drug_unit,"     \
	" cosigned_by, created_ms, expires_ms, used_admin_id, dev_reason,"     \
	" dev_text, ordered_drug_unit"

typedef struct cosign_row {
	med_arena *arena;
	dosage_subject *s;
} cosign_row;

static med_err
on_cosign_row(void *arg, const med_db_row *row)
{
	cosign_row *r = arg;
	dosage_cosign *k = &r->s->cosign;

	k->id = med_db_row_strdup(r->arena, row, 0);
	k->order_id = med_db_row_strdup(r->arena, row, 1);
	k->patient_id = med_db_row_strdup(r->arena, row, 2);
	k->dose = med_db_row_double(row, 3);
	k->unit = med_db_row_strdup(r->arena, row, 4);
	k->dose_in_drug_unit = med_db_row_double(row, 5);
	k->drug_unit = med_db_row_strdup(r->arena, row, 6);
	k->cosigned_by = med_db_row_strdup(r->arena, row, 7);
	k->created_ms = med_db_row_int64(row, 8);
	k->expires_ms = med_db_row_int64(row, 9);
	r->s->cosign_used_by = med_db_row_strdup(r->arena, row, 10);
	k->ordered_dose_in_drug_unit = med_db_row_double(row, 13);
	if (dosage_store_read_deviation(r->arena, row, 11,
					&k->dose_deviation) != MED_OK)
		return MED_ERR_NOMEM;
	r->s->has_cosign = true;
	return k->id && k->order_id && k->patient_id && k->unit &&
			       k->drug_unit && k->cosigned_by &&
			       r->s->cosign_used_by
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

med_err
dosage_store_read_cosign(med_db_conn *c, med_arena *a, const char *id,
			 dosage_subject *s)
{
	cosign_row r = {a, s};

	smartmed__dosage__v1__cosign__init(&s->cosign);
	s->has_cosign = false;
	s->cosign_used_by = "";
	if (id == NULL || id[0] == '\0')
		return MED_OK;
	med_db_value k[] = {MED_DB_STR(id)};
	return med_db_query(c,
			    "SELECT " COSIGN_COLUMNS
			    " FROM cosigns WHERE id = ? FOR UPDATE",
			    k, 1, on_cosign_row, &r);
}

med_err
dosage_store_use_cosign(med_db_conn *c, const dosage_admin *admin)
{
	med_db_value v[] = {MED_DB_STR(admin->id),
			    MED_DB_STR(admin->cosign_id)};
	uint64_t n = 0;
	med_err err;

	if (admin->cosign_id == NULL || admin->cosign_id[0] == '\0')
		return MED_OK;
	err = med_db_exec(c,
			  "UPDATE cosigns SET used_admin_id = ? WHERE id = ?"
			  " AND used_admin_id = ''",
			  v, 2, &n, NULL);
	/* The row was locked and unused when decide looked at it. */
	if (err == MED_OK && n != 1)
		return MED_ERR_INTERNAL;
	return err;
}

typedef struct cosign_ctx {
	med_arena *arena;
	const char *order_id;
	dosage_cosign_fn decide;
	void *ctx;
	dosage_cosign *out;
} cosign_ctx;

static med_err
insert_cosign(med_db_conn *c, const dosage_cosign *k)
{
	med_db_value v[] = {
		MED_DB_STR(k->id),
		MED_DB_STR(k->order_id),
		MED_DB_STR(k->patient_id),
		MED_DB_DBL(k->dose),
		MED_DB_STR(k->unit),
		MED_DB_DBL(k->dose_in_drug_unit),
		MED_DB_STR(k->drug_unit),
		MED_DB_STR(k->cosigned_by),
		MED_DB_I64(k->created_ms),
		MED_DB_I64(k->expires_ms),
		MED_DB_I64(k->dose_deviation ? k->dose_deviation->reason : 0),
		MED_DB_STR(k->dose_deviation ? k->dose_deviation->text : ""),
		MED_DB_DBL(k->ordered_dose_in_drug_unit)};

	return med_db_exec(
		c,
		"INSERT INTO cosigns (id, order_id, patient_id, dose,"
		" unit, dose_drug_unit, drug_unit, cosigned_by,"
		" created_ms, expires_ms, dev_reason, dev_text,"
		" ordered_drug_unit) VALUES (?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

static med_err
cosign_tx(med_db_conn *c, void *arg)
{
	cosign_ctx *x = arg;
	dosage_order o;
	dosage_drug drug;
	med_err err =
		dosage_store_read_order(c, x->arena, x->order_id, false, &o);

	if (err != MED_OK)
		return err;
	err = dosage_store_drug_conn(c, x->arena, o.drug_code, &drug);
	if (err != MED_OK)
		return err == MED_ERR_NOT_FOUND ? MED_ERR_DATA_LOSS : err;
	if ((err = x->decide(x->ctx, &o, &drug, x->out)) != MED_OK)
		return err;
	return insert_cosign(c, x->out);
}

med_err
dosage_store_cosign(med_call *call, const char *order_id,
		    dosage_cosign_fn decide, void *ctx, dosage_cosign *out)
{
	cosign_ctx x = {med_call_arena(call), order_id, decide, ctx, out};

	return med_call_tx(call, cosign_tx, &x);
}
