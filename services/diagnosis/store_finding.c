/*
 * store_finding.c - AI findings.  Labels and probabilities are stored as
 * two comma-separated lists in the model's label order (a handful of
 * numbers, never queried by value).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"

#define FINDING_COLUMNS                                                        \
	"finding_id, patient_id, status, model_id, model_version,"             \
	" model_sha256, backend, device, device_fallback, labels,"             \
	" probabilities, image_sha256, image_format, image_width,"             \
	" image_height, requested_by, created_ms, decided_by, decided_ms,"     \
	" decision_note, condition_id, study_instance_uid,"                    \
	" series_instance_uid, sop_instance_uid, accession_number,"            \
	" pacs_writeback, writeback_series_instance_uid,"                      \
	" writeback_sop_instance_uid, writeback_error, writeback_ms,"          \
	" operating_point, writeback_attempts, writeback_next_ms"

/* overlay_read - where map_overlay puts the PNG. */
typedef struct overlay_read {
	med_arena *arena;
	diagnosis_finding *f;
} overlay_read;

/* What a read returns: the columns, and whether an overlay is stored (the
 * PNG itself is read only for ExportFhir, diagnosis_store_finding_overlay). */
#define FINDING_READ FINDING_COLUMNS ", overlay_png IS NOT NULL"

/* split_probs rebuilds the LabelProbability list from the two lists. */
static med_err
split_probs(med_arena *a, diagnosis_finding *f, char *labels, const char *probs)
{
	size_t n = 1, cap = 0;
	char *end;

	for (const char *p = labels; *p; p++)
		n += *p == ',';
	f->n_probabilities = 0;
	for (size_t i = 0; i < n; i++) {
		Smartmed__Diagnosis__V1__LabelProbability *lp = med_arena_push_msg(
			a, (void ***)&f->probabilities, &f->n_probabilities,
			&cap,
			&smartmed__diagnosis__v1__label_probability__descriptor);
		char *comma = strchr(labels, ',');
		if (lp == NULL)
			return MED_ERR_NOMEM;
		if (comma != NULL)
			*comma = '\0';
		lp->label = labels;
		lp->probability = strtof(probs, &end);
		probs = *end == ',' ? end + 1 : end;
		labels = comma ? comma + 1 : labels + strlen(labels);
		if (lp->probability > f->top_probability || i == 0) {
			f->top_probability = lp->probability;
			f->top_label = lp->label;
		}
	}
	return MED_OK;
}

/* map_writeback maps the write-back's columns (25 to 29). */
static med_err
map_writeback(med_arena *a, const med_db_row *row, diagnosis_finding *f)
{
	f->pacs_writeback =
		(Smartmed__Diagnosis__V1__PacsWriteback)med_db_row_int64(row,
									 25);
	f->writeback_series_instance_uid = med_db_row_strdup(a, row, 26);
	f->writeback_sop_instance_uid = med_db_row_strdup(a, row, 27);
	f->writeback_error = med_db_row_strdup(a, row, 28);
	f->writeback_ms = med_db_row_int64(row, 29);
	if (!f->writeback_series_instance_uid ||
	    !f->writeback_sop_instance_uid || !f->writeback_error)
		return MED_ERR_NOMEM;
	return MED_OK;
}

/* map_finding maps one row into a diagnosis_finding (a med_db_map_fn). */
static med_err
map_finding(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	diagnosis_finding *f = msg;
	char *labels;

	(void)ctx;
	f->finding_id = med_db_row_strdup(a, row, 0);
	f->patient_id = med_db_row_strdup(a, row, 1);
	f->status = (Smartmed__Diagnosis__V1__FindingStatus)med_db_row_int64(
		row, 2);
	f->model_id = med_db_row_strdup(a, row, 3);
	f->model_version = med_db_row_strdup(a, row, 4);
	f->model_sha256 = med_db_row_strdup(a, row, 5);
	f->backend = med_db_row_strdup(a, row, 6);
	f->device = med_db_row_strdup(a, row, 7);
	f->device_fallback = med_db_row_int64(row, 8) != 0;
	labels = med_db_row_strdup(a, row, 9);
	f->image_sha256 = med_db_row_strdup(a, row, 11);
	f->image_format = med_db_row_strdup(a, row, 12);
	f->image_width = (uint32_t)med_db_row_int64(row, 13);
	f->image_height = (uint32_t)med_db_row_int64(row, 14);
	f->requested_by = med_db_row_strdup(a, row, 15);
	f->created_ms = med_db_row_int64(row, 16);
	f->decided_by = med_db_row_strdup(a, row, 17);
	f->decided_ms = med_db_row_int64(row, 18);
	f->decision_note = med_db_row_strdup(a, row, 19);
	f->condition_id = med_db_row_strdup(a, row, 20);
	f->study_instance_uid = med_db_row_strdup(a, row, 21);
	f->series_instance_uid = med_db_row_strdup(a, row, 22);
	f->sop_instance_uid = med_db_row_strdup(a, row, 23);
	f->accession_number = med_db_row_strdup(a, row, 24);
	f->writeback_attempts = (uint32_t)med_db_row_int64(row, 31);
	f->writeback_next_ms = med_db_row_int64(row, 32);
	f->has_overlay = med_db_row_int64(row, 33) != 0;
	if (!f->study_instance_uid || !f->series_instance_uid ||
	    !f->sop_instance_uid || !f->accession_number ||
	    map_writeback(a, row, f) != MED_OK)
		return MED_ERR_NOMEM;
	if (!f->finding_id || !f->patient_id || !f->model_id ||
	    !f->model_version || !f->model_sha256 || !f->backend ||
	    !f->device || !labels || !f->image_sha256 || !f->image_format ||
	    !f->requested_by || !f->decided_by || !f->decision_note ||
	    !f->condition_id)
		return MED_ERR_NOMEM;
	if (diagnosis_opoint_from_json(a, med_db_row_text(row, 30, NULL), f) !=
	    MED_OK)
		return MED_ERR_NOMEM;
	return split_probs(a, f, labels, med_db_row_text(row, 10, NULL));
}

#define FINDING_ROWS(a)                                                        \
	MED_DB_MSGS((a), &smartmed__diagnosis__v1__finding__descriptor,        \
		    map_finding, NULL)

/* join_probs writes the labels and probabilities lists into arena text. */
static med_err
join_probs(med_arena *a, const diagnosis_finding *f, char **labels,
	   char **probs)
{
	size_t ll = 1, pl = 16 * f->n_probabilities + 1, lo = 0, po = 0;

	for (size_t i = 0; i < f->n_probabilities; i++)
		ll += strlen(f->probabilities[i]->label) + 1;
	*labels = med_arena_alloc(a, ll);
	*probs = med_arena_alloc(a, pl);
	if (*labels == NULL || *probs == NULL)
		return MED_ERR_NOMEM;
	(*labels)[0] = (*probs)[0] = '\0';
	for (size_t i = 0; i < f->n_probabilities; i++) {
		const char *sep = i ? "," : "";
		lo += (size_t)snprintf(*labels + lo, ll - lo, "%s%s", sep,
				       f->probabilities[i]->label);
		po += (size_t)snprintf(
			*probs + po, pl - po, "%s%.9g", sep,
			(double)f->probabilities[i]->probability);
	}
	return MED_OK;
}

med_err
diagnosis_store_finding_insert(med_db_conn *c, med_arena *a,
			       const diagnosis_finding *f)
{
	char *labels, *probs, *op = NULL;
	med_err err = join_probs(a, f, &labels, &probs);

	if (err != MED_OK)
		return err;
	if (f->operating_point != NULL &&
	    (op = diagnosis_opoint_to_json(f->operating_point)) == NULL)
		return MED_ERR_NOMEM;
	med_db_value v[] = {
		MED_DB_STR(f->finding_id),
		MED_DB_STR(f->patient_id),
		MED_DB_I64(f->status),
		MED_DB_STR(f->model_id),
		MED_DB_STR(f->model_version),
		MED_DB_STR(f->model_sha256),
		MED_DB_STR(f->backend),
		MED_DB_STR(f->device),
		MED_DB_I64(f->device_fallback),
		MED_DB_STR(labels),
		MED_DB_STR(probs),
		MED_DB_STR(f->image_sha256),
		MED_DB_STR(f->image_format),
		MED_DB_I64(f->image_width),
		MED_DB_I64(f->image_height),
		MED_DB_STR(f->requested_by),
		MED_DB_I64(f->created_ms),
		MED_DB_STR(f->decided_by),
		MED_DB_I64(f->decided_ms),
		MED_DB_STR(f->decision_note),
		MED_DB_STR(f->condition_id),
		MED_DB_STR(f->study_instance_uid),
		MED_DB_STR(f->series_instance_uid),
		MED_DB_STR(f->sop_instance_uid),
		MED_DB_STR(f->accession_number),
		MED_DB_I64(f->pacs_writeback),
		MED_DB_STR(f->writeback_series_instance_uid),
		MED_DB_STR(f->writeback_sop_instance_uid),
		MED_DB_STR(f->writeback_error),
		MED_DB_I64(f->writeback_ms),
		op ? MED_DB_STR(op) : MED_DB_NULLV(),
		MED_DB_I64(f->writeback_attempts),
		MED_DB_I64(f->writeback_next_ms),
		f->has_overlay
			? MED_DB_BLOBV(f->overlay_png.data, f->overlay_png.len)
			: MED_DB_NULLV(),
	};
	err = med_db_exec(c,
			  "INSERT INTO findings (" FINDING_COLUMNS
			  ", overlay_png)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			  " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			  " ?, ?, ?, ?, ?, ?, ?, ?)",
			  v, sizeof(v) / sizeof(v[0]), NULL, NULL);
	free(op);
	return err;
}

med_err
diagnosis_store_finding_get(med_db_conn *c, med_arena *arena, const char *id,
			    bool for_update, diagnosis_finding **out)
{
	med_db_msgs rows = FINDING_ROWS(arena);
	med_db_value v[] = {MED_DB_STR(id)};

	return med_db_query_one(
		c,
		for_update ? "SELECT " FINDING_READ " FROM findings"
			     " WHERE finding_id = ? FOR UPDATE"
			   : "SELECT " FINDING_READ " FROM findings"
			     " WHERE finding_id = ?",
		v, 1, &rows, (void **)out);
}

/* Only a preliminary finding changes: the WHERE makes a decision final. */
med_err
diagnosis_store_finding_decide(med_db_conn *c, const diagnosis_finding *f)
{
	med_db_value v[] = {
		MED_DB_I64(f->status),
		MED_DB_STR(f->decided_by),
		MED_DB_I64(f->decided_ms),
		MED_DB_STR(f->decision_note),
		MED_DB_STR(f->condition_id),
		MED_DB_STR(f->finding_id),
		MED_DB_I64(
			SMARTMED__DIAGNOSIS__V1__FINDING_STATUS__FINDING_STATUS_PRELIMINARY),
	};
	uint64_t affected = 0;
	med_err err = med_db_exec(
		c,
		"UPDATE findings SET status = ?, decided_by = ?,"
		" decided_ms = ?, decision_note = ?, condition_id = ?"
		" WHERE finding_id = ? AND status = ?",
		v, sizeof(v) / sizeof(v[0]), &affected, NULL);

	if (err != MED_OK)
		return err;
	return affected == 1 ? MED_OK : MED_ERR_PRECONDITION;
}

/* Only a PENDING outcome changes: a finding's write-back is recorded once. */
med_err
diagnosis_store_finding_writeback(med_db_conn *c, const diagnosis_finding *f)
{
	med_db_value v[] = {
		MED_DB_I64(f->pacs_writeback),
		MED_DB_STR(f->writeback_series_instance_uid),
		MED_DB_STR(f->writeback_sop_instance_uid),
		MED_DB_STR(f->writeback_error),
		MED_DB_I64(f->writeback_ms),
		MED_DB_I64(f->writeback_attempts),
		MED_DB_I64(f->writeback_next_ms),
		MED_DB_STR(f->finding_id),
		MED_DB_I64(
			SMARTMED__DIAGNOSIS__V1__PACS_WRITEBACK__PACS_WRITEBACK_PENDING),
	};
	uint64_t affected = 0;
	med_err err = med_db_exec(
		c,
		"UPDATE findings SET pacs_writeback = ?,"
		" writeback_series_instance_uid = ?,"
		" writeback_sop_instance_uid = ?, writeback_error = ?,"
		" writeback_ms = ?, writeback_attempts = ?,"
		" writeback_next_ms = ? WHERE finding_id = ? AND "
		"pacs_writeback = ?",
		v, sizeof(v) / sizeof(v[0]), &affected, NULL);

	if (err != MED_OK)
		return err;
	return affected == 1 ? MED_OK : MED_ERR_PRECONDITION;
}

med_err
diagnosis_store_finding_list(med_db *db, med_arena *arena,
			     const char *patient_id, uint64_t offset,
			     uint32_t limit, diagnosis_finding ***out,
			     size_t *n)
{
	med_db_msgs rows = FINDING_ROWS(arena);
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_err err = med_db_query_once(
		db,
		"SELECT " FINDING_READ " FROM findings WHERE patient_id = ?"
		" ORDER BY created_ms DESC, finding_id LIMIT ? OFFSET ?",
		v, 3, med_db_msg_row, &rows);

	if (err != MED_OK)
		return err;
	*out = (diagnosis_finding **)rows.items;
	*n = rows.n;
	return MED_OK;
}

/* map_overlay copies the PNG into the finding (a med_db_row_fn). */
static med_err
map_overlay(void *ctx, const med_db_row *row)
{
	overlay_read *r = ctx;
	size_t len = 0;
	const char *png = med_db_row_text(row, 0, &len);

	if (png == NULL)
		return MED_OK;
	r->f->overlay_png.data = med_arena_alloc(r->arena, len ? len : 1);
	if (r->f->overlay_png.data == NULL)
		return MED_ERR_NOMEM;
	memcpy(r->f->overlay_png.data, png, len);
	r->f->overlay_png.len = len;
	return MED_OK;
}

med_err
diagnosis_store_finding_overlay(med_db_conn *c, med_arena *arena,
				diagnosis_finding *f)
{
	overlay_read r = {.arena = arena, .f = f};
	med_db_value v[] = {MED_DB_STR(f->finding_id)};

	return med_db_query(c,
			    "SELECT overlay_png FROM findings"
			    " WHERE finding_id = ?",
			    v, 1, map_overlay, &r);
}
