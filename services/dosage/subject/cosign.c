/*
 * cosign.c - the high-alert second check as a dose or an infusion meets
 * it: the co-sign read and locked into the subject, checked against what
 * the first nurse is about to do, and marked used, inside the caller's
 * transaction.  CosignAdministration, which writes co-signs, is mar/'s
 * (handlers_cosign.c, store_cosign.c); RecordAdministration (mar/) and
 * StartInfusion, ChangeInfusionRate (infusions/) use them.
 */
#include <med/arena.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <string.h>

#include "dosage.h"
#include "subject.h"

#define COSIGN_CLOCK_SLACK_MS (60 * 1000LL)

/* same_amount: two doses in the drug's unit are the same dose (they went
 * through the same conversions, so only rounding may differ). */
static bool
same_amount(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

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

med_err
dosage_cosign_fits(med_call *call, const dosage_subject *s, double amount,
		   const char *unit, int64_t at_ms, int64_t now_ms,
		   const char *performer)
{
	const dosage_cosign *k = &s->cosign;

	if (strcmp(k->order_id, s->order.id) != 0)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "cosign_id: made for order %s, not this "
				     "order",
				     k->order_id);
	if (s->cosign_used_by[0] != '\0')
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "cosign_id: already used by "
				     "administration %s; a second check is "
				     "good for one dose",
				     s->cosign_used_by);
	/* A check before the dose: not for a dose charted as given before
	 * it (a minute's grace for the bedside terminal's clock). */
	if (at_ms < k->created_ms - COSIGN_CLOCK_SLACK_MS)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "cosign_id: the dose was given before the "
				     "second check (effective_ms)");
	if (now_ms > k->expires_ms)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "cosign_id: expired (a co-sign is good "
				     "for 15 minutes); ask for a new check");
	/* A rate's co-sign holds the rate unit, a dose's the drug's unit:
	 * neither passes for the other. */
	if (strcmp(k->drug_unit, unit) != 0 ||
	    !same_amount(amount, k->dose_in_drug_unit))
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "cosign_id: the second checker checked "
				     "%g %s, not %g %s",
				     k->dose_in_drug_unit, k->drug_unit, amount,
				     unit);
	/* The independent double check: two different people. */
	if (strcmp(k->cosigned_by, performer) == 0)
		return med_call_fail(call, MED_ERR_DENIED,
				     "cosign_id: co-signed by the user giving "
				     "the dose; the second check must be "
				     "another person's");
	return MED_OK;
}
