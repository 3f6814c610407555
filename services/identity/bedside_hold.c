/*
 * bedside_hold.c - a bedside check that did not identify the patient
 * holds until something does (docs/face.md, "A non-match never becomes an
 * override").  A face NO_MATCH or RETAKE for the wristband's patient, or
 * stated identifiers that did not match the wristband, is kept per patient
 * in bedside_unconfirmed (shared by every replica); a face MATCH or a
 * confirmed stated check for the patient ends it, and it lapses after
 * IDENTITY_HOLD_MS.  GetPatient reports it, and dosage refuses an identity
 * override for the patient while it holds, so that the check a ward
 * expects after a non-match is the stated one, not an override.
 */
#include <med/db.h>
#include <med/log.h>
#include <med/util.h>

#include <string.h>

#include "identity.h"

/* How long an unconfirmed check holds: a day of the patient's care, long
 * after any bedside round, so that waiting out the hold is no shortcut. */
#define IDENTITY_HOLD_MS (24LL * 60 * 60 * 1000)

med_err
identity_hold_set(med_call *call, const char *patient_id, const char *outcome,
		  const char *terminal)
{
	med_db_value row[4] = {MED_DB_STR(patient_id), MED_DB_STR(outcome),
			       MED_DB_STR(terminal), MED_DB_I64(med_now_ms())};
	med_err err = med_db_exec_once(
		med_call_db(call),
		"REPLACE INTO bedside_unconfirmed (patient_id, outcome,"
		" terminal, at_ms) VALUES (?, ?, ?, ?)",
		row, 4, NULL, NULL);

	/* The hold is what stops an override after this answer: without
	 * it the answer is not given. */
	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "patient_id: the check's outcome could "
				     "not be kept (%s); try again",
				     med_strerror(err));
	return MED_OK;
}

void
identity_hold_clear(med_call *call, const char *patient_id)
{
	med_db_value key = MED_DB_STR(patient_id);

	/* A hold left in place only refuses an override the nurse no
	 * longer needs (the check just made signed a token): the safe
	 * side, so the call goes on. */
	if (med_db_exec_once(med_call_db(call),
			     "DELETE FROM bedside_unconfirmed"
			     " WHERE patient_id = ?",
			     &key, 1, NULL, NULL) != MED_OK)
		med_log_warn("identity: a bedside hold could not be ended");
}

typedef struct hold_read {
	med_arena *a;
	Smartmed__Identity__V1__BedsideUnconfirmed *out;
} hold_read;

static med_err
on_hold(void *ctx, const med_db_row *row)
{
	hold_read *r = ctx;
	Smartmed__Identity__V1__BedsideUnconfirmed *u =
		med_arena_alloc(r->a, sizeof(*u));
	const char *outcome = med_db_row_text(row, 0, NULL);
	const char *terminal = med_db_row_text(row, 1, NULL);

	if (u == NULL)
		return MED_ERR_NOMEM;
	smartmed__identity__v1__bedside_unconfirmed__init(u);
	u->outcome = med_arena_strdup(r->a, outcome ? outcome : "");
	u->terminal = med_arena_strdup(r->a, terminal ? terminal : "");
	u->at_ms = med_db_row_int64(row, 2);
	if (u->outcome == NULL || u->terminal == NULL)
		return MED_ERR_NOMEM;
	r->out = u;
	return MED_OK;
}

med_err
identity_hold_get(med_db *db, med_arena *a, const char *patient_id,
		  Smartmed__Identity__V1__BedsideUnconfirmed **out)
{
	med_db_value key[2] = {MED_DB_STR(patient_id),
			       MED_DB_I64(med_now_ms() - IDENTITY_HOLD_MS)};
	hold_read r = {a, NULL};
	med_err err = med_db_query_once(
		db,
		"SELECT outcome, terminal, at_ms FROM bedside_unconfirmed"
		" WHERE patient_id = ? AND at_ms >= ?",
		key, 2, on_hold, &r);

	if (err == MED_OK)
		*out = r.out;
	return err;
}
