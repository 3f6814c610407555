/*
 * store_home.c - the patient's home medicines in SQL (home_medications,
 * migrations 24, 27 and 30): added, listed, stopped and decided at admission
 * reconciliation.  The writes run on the caller's connection inside the
 * transaction its handler owns (handlers_home.c, med_call_tx: the audit
 * event commits with it); nothing here sees the call.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/db.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "orders.h"

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x

#define HOME_COLUMNS                                                           \
	"id, patient_id, medicine, substance, dose_text, status,"              \
	" information_source, note_entry_id, note_version, span_start,"        \
	" span_end, note_text, suggestion_id, recorded_by, recorded_ms,"       \
	" stopped_reason, stopped_by, stopped_ms, decision, decision_reason,"  \
	" decided_by, decided_ms, decision_encounter_id, order_id,"            \
	" last_dose_ms, dose_amount, dose_unit, doses_24h, cumulative_before"

#define HOME_MSGS(a)                                                           \
	MED_DB_MSGS((a), &smartmed__dosage__v1__home_medication__descriptor,   \
		    map_home, NULL)

static char *
col(med_arena *a, const med_db_row *row, size_t i)
{
	char *s = med_db_row_strdup(a, row, i);

	return s != NULL ? s : (char *)"";
}

/* map_note fills the note a medicine came from (none: no entry id). */
static med_err
map_note(med_arena *a, const med_db_row *row, dosage_home_med *m)
{
	Smartmed__Dosage__V1__HomeMedicationNote *n;
	const char *entry = med_db_row_text(row, 7, NULL);

	if (entry == NULL || entry[0] == '\0')
		return MED_OK;
	if ((n = med_arena_zalloc(a, sizeof(*n))) == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__home_medication_note__init(n);
	n->entry_id = col(a, row, 7);
	n->version = (uint32_t)med_db_row_int64(row, 8);
	n->span_start = (uint32_t)med_db_row_int64(row, 9);
	n->span_end = (uint32_t)med_db_row_int64(row, 10);
	n->text = col(a, row, 11);
	n->suggestion_id = col(a, row, 12);
	m->note = n;
	return MED_OK;
}

static med_err
map_home(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	dosage_home_med *m = msg;

	(void)ctx;
	m->id = col(a, row, 0);
	m->patient_id = col(a, row, 1);
	m->medicine = col(a, row, 2);
	m->substance = col(a, row, 3);
	m->dose_text = col(a, row, 4);
	m->status = (int)med_db_row_int64(row, 5);
	m->information_source = col(a, row, 6);
	m->recorded_by = col(a, row, 13);
	m->recorded_ms = med_db_row_int64(row, 14);
	m->stopped_reason = col(a, row, 15);
	m->stopped_by = col(a, row, 16);
	m->stopped_ms = med_db_row_int64(row, 17);
	m->decision = (int)med_db_row_int64(row, 18);
	m->decision_reason = col(a, row, 19);
	m->decided_by = col(a, row, 20);
	m->decided_ms = med_db_row_int64(row, 21);
	m->decision_encounter_id = col(a, row, 22);
	m->order_id = col(a, row, 23);
	m->last_dose_ms = med_db_row_int64(row, 24);
	m->dose_amount = med_db_row_double(row, 25);
	m->dose_unit = col(a, row, 26);
	m->doses_taken_24h = (uint32_t)med_db_row_int64(row, 27);
	m->cumulative_before_admission = med_db_row_double(row, 28);
	return map_note(a, row, m);
}

/* --- adding ------------------------------------------------------------- */

static med_err
on_count(void *arg, const med_db_row *row)
{
	*(int64_t *)arg = med_db_row_int64(row, 0);
	return MED_OK;
}

med_err
dosage_store_add_home_med(med_db_conn *c, const dosage_home_med *m)
{
	const Smartmed__Dosage__V1__HomeMedicationNote *n = m->note;
	med_db_value count_by[] = {MED_DB_STR(m->patient_id)};
	med_db_value v[20];
	int64_t held = 0;
	/* The cap is a bound on the list, not a count to the row: two
	 * additions at once may pass it by one, which is harmless. */
	med_err err = med_db_query(c,
				   "SELECT COUNT(*) FROM home_medications"
				   " WHERE patient_id = ?",
				   count_by, 1, on_count, &held);

	if (err != MED_OK)
		return err;
	if (held >= DOSAGE_HOME_MEDS_MAX)
		return MED_ERR_LIMIT;
	v[0] = MED_DB_STR(m->id);
	v[1] = MED_DB_STR(m->patient_id);
	v[2] = MED_DB_STR(m->medicine);
	v[3] = MED_DB_STR(m->substance);
	v[4] = MED_DB_STR(m->dose_text);
	v[5] = MED_DB_I64(m->status);
	v[6] = MED_DB_STR(m->information_source);
	v[7] = MED_DB_STR(n ? n->entry_id : "");
	v[8] = MED_DB_I64(n ? n->version : 0);
	v[9] = MED_DB_I64(n ? n->span_start : 0);
	v[10] = MED_DB_I64(n ? n->span_end : 0);
	v[11] = MED_DB_STR(n ? n->text : "");
	v[12] = n && n->suggestion_id[0] ? MED_DB_STR(n->suggestion_id)
					 : MED_DB_NULLV();
	v[13] = MED_DB_STR(m->recorded_by);
	v[14] = MED_DB_I64(m->recorded_ms);
	v[15] = MED_DB_I64(m->last_dose_ms);
	v[16] = MED_DB_DBL(m->dose_amount);
	v[17] = MED_DB_STR(m->dose_unit);
	v[18] = MED_DB_I64(m->doses_taken_24h);
	v[19] = MED_DB_DBL(m->cumulative_before_admission);
	return med_db_exec(c,
			   "INSERT INTO home_medications (id, patient_id,"
			   " medicine, substance, dose_text, status,"
			   " information_source, note_entry_id, note_version,"
			   " span_start, span_end, note_text, suggestion_id,"
			   " recorded_by, recorded_ms, last_dose_ms,"
			   " dose_amount, dose_unit, doses_24h,"
			   " cumulative_before) VALUES"
			   " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			   " ?, ?, ?, ?)",
			   v, 20, NULL, NULL);
}

/* --- reading ------------------------------------------------------------ */

med_err
dosage_store_home_meds(med_db *db, med_arena *arena, const char *patient_id,
		       bool include_stopped, dosage_home_med ***out, size_t *n)
{
	med_db_value v[] = {MED_DB_STR(patient_id),
			    MED_DB_I64(include_stopped ? 0 : HS(STOPPED))};
	med_db_msgs m = HOME_MSGS(arena);
	med_err err = med_db_query_once(db,
					"SELECT " HOME_COLUMNS
					" FROM home_medications"
					" WHERE patient_id = ? AND status <> ?"
					" ORDER BY recorded_ms, id LIMIT 200",
					v, 2, med_db_msg_row, &m);

	if (err != MED_OK)
		return err;
	*out = (dosage_home_med **)m.items;
	*n = m.n;
	return MED_OK;
}

med_err
dosage_store_home_med(med_db *db, med_arena *arena, const char *id,
		      dosage_home_med **out)
{
	med_db_value v[] = {MED_DB_STR(id)};
	med_db_msgs m = HOME_MSGS(arena);

	return med_db_query_one_once(db,
				     "SELECT " HOME_COLUMNS
				     " FROM home_medications WHERE id = ?",
				     v, 1, &m, (void **)out);
}

/* --- stopping and deciding --------------------------------------------- */

med_err
dosage_store_lock_home_med(med_db_conn *c, med_arena *arena, const char *id,
			   dosage_home_med **out)
{
	med_db_value v[] = {MED_DB_STR(id)};
	med_db_msgs m = HOME_MSGS(arena);

	return med_db_query_one(c,
				"SELECT " HOME_COLUMNS
				" FROM home_medications WHERE id = ?"
				" FOR UPDATE",
				v, 1, &m, (void **)out);
}

med_err
dosage_store_read_home_med(med_db_conn *c, med_arena *arena, const char *id,
			   dosage_home_med **out)
{
	med_db_value v[] = {MED_DB_STR(id)};
	med_db_msgs m = HOME_MSGS(arena);

	return med_db_query_one(
		c, "SELECT " HOME_COLUMNS " FROM home_medications WHERE id = ?",
		v, 1, &m, (void **)out);
}

med_err
dosage_store_has_order(med_db_conn *c, const char *order_id,
		       const char *patient_id, bool *seen)
{
	med_db_value v[] = {MED_DB_STR(order_id), MED_DB_STR(patient_id)};

	*seen = false;
	return med_db_query(c,
			    "SELECT 1 FROM orders WHERE id = ? AND"
			    " patient_id = ?",
			    v, 2, med_db_row_seen, seen);
}

med_err
dosage_store_apply_home_change(med_db_conn *c, const dosage_home_change *ch)
{
	med_db_value v[] = {
		MED_DB_STR(ch->reason),	 MED_DB_STR(ch->by),
		MED_DB_I64(ch->at_ms),	 MED_DB_I64(ch->decision),
		MED_DB_STR(ch->id),	 MED_DB_STR(ch->encounter_id),
		MED_DB_STR(ch->order_id)};

	if (ch->decision == 0)
		return med_db_exec(c,
				   "UPDATE home_medications SET status = 2,"
				   " stopped_reason = ?, stopped_by = ?,"
				   " stopped_ms = ? WHERE id = ?",
				   (med_db_value[]){v[0], v[1], v[2], v[4]}, 4,
				   NULL, NULL);
	return med_db_exec(
		c,
		"UPDATE home_medications SET decision_reason = ?,"
		" decided_by = ?, decided_ms = ?, decision = ?,"
		" decision_encounter_id = ?, order_id = ?"
		" WHERE id = ?",
		(med_db_value[]){v[0], v[1], v[2], v[3], v[5], v[6], v[4]}, 7,
		NULL, NULL);
}
