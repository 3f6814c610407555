/*
 * watch_request.c - the studies the PACS watcher may analyse: each named
 * in advance by RequestStudyAnalysis (a clinician or nurse in the
 * patient's care, the order's Study Instance UID and accession), kept in
 * the table pacs_requests (migration 34) until the watcher has analysed,
 * refused or given it up.  The watcher reads no list of the PACS: a study
 * nobody requested is never read, and the request, never the study's
 * header, says whose study it is.
 */
#include <med/arena.h>
#include <med/auth.h>
#include <med/util.h>
#include <string.h>

#include "watch.h"

/* One row per requested study; a study is requested once. */
const char *const diagnosis_v34_statements[] = {
	"CREATE TABLE IF NOT EXISTS pacs_requests ("
	" study_instance_uid VARBINARY(64) NOT NULL PRIMARY KEY,"
	" patient_id VARBINARY(64) NOT NULL,"
	" accession_number VARCHAR(64) NOT NULL,"
	" requested_by VARCHAR(256) NOT NULL,"
	" requested_ms BIGINT NOT NULL,"
	" state VARCHAR(16) NOT NULL,"
	" finding_id VARBINARY(64) NOT NULL DEFAULT '',"
	" detail VARCHAR(400) NOT NULL DEFAULT '',"
	" updated_ms BIGINT NOT NULL,"
	" KEY pacs_requests_pending (state, requested_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

typedef Smartmed__Diagnosis__V1__RequestStudyAnalysisRequest request_in;
typedef Smartmed__Diagnosis__V1__StudyAnalysisRequest request_out;

/* check_request validates the fields before anything is stored. */
static med_err
check_request(med_call *call, const request_in *req)
{
	return diagnosis_check_study_named(call, req->patient_id,
					   req->accession_number,
					   req->study_instance_uid);
}

/* insert_in_tx stores the request with its audit event; a study already
 * requested (for any patient) is refused, its patient left unsaid. */
static med_err
insert_in_tx(med_db_conn *conn, void *ctx)
{
	request_out *r = ctx;
	uint64_t n = 0;
	med_db_value v[] = {
		MED_DB_STR(r->study_instance_uid), MED_DB_STR(r->patient_id),
		MED_DB_STR(r->accession_number),   MED_DB_STR(r->requested_by),
		MED_DB_I64(r->requested_ms),	   MED_DB_STR(r->state),
		MED_DB_I64(r->requested_ms),
	};
	med_err err = med_db_exec(
		conn,
		"INSERT IGNORE INTO pacs_requests (study_instance_uid,"
		" patient_id, accession_number, requested_by, requested_ms,"
		" state, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), &n, NULL);

	if (err == MED_OK && n == 0)
		return MED_ERR_EXISTS;
	return err;
}

/* fill copies the request into the reply, state pending. */
static med_err
fill(med_call *call, const request_in *req, request_out *r)
{
	med_arena *a = med_call_arena(call);

	r->patient_id = req->patient_id;
	r->study_instance_uid = req->study_instance_uid;
	r->accession_number = req->accession_number;
	r->requested_by = med_arena_strdup(a, med_call_principal(call)->user);
	r->requested_ms = med_now_ms();
	r->state = (char *)"pending";
	return r->requested_by != NULL ? MED_OK : MED_ERR_NOMEM;
}

med_err
diagnosis_rpc_request_study_analysis(med_call *call, const ProtobufCMessage *in,
				     ProtobufCMessage *out)
{
	const request_in *req = (const void *)in;
	const med_config *cfg = med_service_config(med_service_from_call(call));
	med_err err;

	if ((err = check_request(call, req)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	if (!med_config_bool(cfg, "MED_DIAGNOSIS_PACS_WATCH"))
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "the PACS watcher is off "
				     "(MED_DIAGNOSIS_PACS_WATCH): nothing "
				     "would analyse the study; call "
				     "AnalyzeStudy once it is stored");
	if ((err = fill(call, req, (void *)out)) != MED_OK ||
	    (err = med_call_add_detail(call, "study_instance_uid",
				       req->study_instance_uid)) != MED_OK)
		return err;
	err = med_call_tx(call, insert_in_tx, out);
	if (err == MED_ERR_EXISTS || err == MED_ERR_CONFLICT)
		return med_call_fail(call, MED_ERR_EXISTS,
				     "study_instance_uid: the study's "
				     "analysis is requested already");
	return err;
}

/* --- the watcher's side ------------------------------------------------ */

/* text is a column as text, "" for NULL. */
static const char *
text(const med_db_row *row, size_t col)
{
	const char *s = med_db_row_text(row, col, NULL);

	return s != NULL ? s : "";
}

static med_err
on_pending(void *ctx, const med_db_row *row)
{
	watch_pending *p = ctx;
	watch_request *r;

	if (p->n == WATCH_MAX_BATCH)
		return MED_OK;
	r = &p->req[p->n++];
	med_strlcpy(r->study_uid, text(row, 0), sizeof(r->study_uid));
	med_strlcpy(r->patient_id, text(row, 1), sizeof(r->patient_id));
	med_strlcpy(r->accession, text(row, 2), sizeof(r->accession));
	r->requested_ms = med_db_row_int64(row, 3);
	return MED_OK;
}

med_err
watch_pending_load(diagnosis_watch *w, watch_pending *out)
{
	med_db_value v[] = {MED_DB_I64(w->batch)};

	out->n = 0;
	return med_db_query_once(
		w->db,
		"SELECT study_instance_uid, patient_id, accession_number,"
		" requested_ms FROM pacs_requests WHERE state = 'pending'"
		" ORDER BY requested_ms LIMIT ?",
		v, 1, on_pending, out);
}

med_err
watch_request_settle(diagnosis_watch *w, const watch_request *r,
		     const char *state, const char *finding_id,
		     const char *detail)
{
	char d[400];

	med_strlcpy(d, detail, sizeof(d));
	med_db_value v[] = {MED_DB_STR(state), MED_DB_STR(finding_id),
			    MED_DB_STR(d), MED_DB_I64(med_now_ms()),
			    MED_DB_STR(r->study_uid)};

	return med_db_exec_once(
		w->db,
		"UPDATE pacs_requests SET state = ?, finding_id = ?,"
		" detail = ?, updated_ms = ? WHERE study_instance_uid = ?"
		" AND state = 'pending'",
		v, 5, NULL, NULL);
}
