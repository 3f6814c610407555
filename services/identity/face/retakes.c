/*
 * retakes.c - the retake band's memory (face_retakes): a VerifyFace
 * photograph that scored just short of the threshold asks for another
 * one, and the patient's next photograph within IDENTITY_RETAKE_WINDOW_MS
 * must clear the threshold plus the band (identity_face_decide).  The
 * ask is read, decided on and replaced in one transaction, so two
 * terminals photographing one patient at once cannot both take the
 * second try.
 */
#include <med/db.h>
#include <med/log.h>

#include <string.h>

#include "face_internal.h"
#include "face_pipe.h"

typedef struct retakes_tx {
	const char *patient_id;
	int64_t now_ms;
	identity_face_verdict *v;
	identity_face_decision *d;
	char *reason;
	size_t len;
} retakes_tx;

static med_err
retakes_body(med_db_conn *c, void *arg)
{
	retakes_tx *x = arg;
	med_db_value who = MED_DB_STR(x->patient_id);
	med_db_value since[2] = {
		who, MED_DB_I64(x->now_ms - IDENTITY_RETAKE_WINDOW_MS)};
	med_db_value ask[2] = {who, MED_DB_I64(x->now_ms)};
	int64_t pending = 0;
	med_err err = med_db_query(c,
				   "SELECT COUNT(*) FROM face_retakes WHERE"
				   " patient_id = ? AND asked_ms >= ?"
				   " FOR UPDATE",
				   since, 2, med_db_row_take_int64, &pending);

	if (err != MED_OK)
		return err;
	x->v->second = pending > 0;
	*x->d = identity_face_decide(x->v, x->reason, x->len);
	err = med_db_exec(c, "DELETE FROM face_retakes WHERE patient_id = ?",
			  &who, 1, NULL, NULL);
	if (err != MED_OK || *x->d != IDENTITY_FACE_RETAKE)
		return err;
	return med_db_exec(c,
			   "INSERT INTO face_retakes (patient_id, asked_ms)"
			   " VALUES (?, ?)",
			   ask, 2, NULL, NULL);
}

med_err
identity_retakes_decide(med_db *db, const char *patient_id, int64_t now_ms,
			identity_face_verdict *v, identity_face_decision *d,
			char *reason, size_t len)
{
	retakes_tx x = {patient_id, now_ms, v, d, reason, len};
	med_err err = med_db_tx(db, retakes_body, &x);

	if (err != MED_OK)
		med_log_warn("identity: the retake band could not be read or "
			     "recorded: %s",
			     med_strerror(err));
	return err;
}
