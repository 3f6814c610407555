/*
 * store_export.c - the reading behind ExportFhir: one page of a patient's
 * conditions, care plans and findings, taken as one list so that a page
 * token is a plain offset into it.
 */
#include <med/arena.h>
#include <string.h>

#include "diagnosis.h"

/* One key of the list: its kind ('C', 'P', 'F') and id. */
typedef struct export_key {
	char kind;
	char *id;
} export_key;

typedef struct key_rows {
	med_arena *arena;
	export_key *keys;
	size_t n, cap;
} key_rows;

typedef struct export_read {
	key_rows rows;
	const char *patient_id;
	uint64_t offset;
	uint32_t limit;
	diagnosis_export_page *out;
} export_read;

static med_err
on_key_row(void *ctx, const med_db_row *row)
{
	key_rows *r = ctx;
	const char *kind = med_db_row_text(row, 0, NULL);

	if (r->n == r->cap)
		return MED_ERR_INTERNAL; /* LIMIT bounds the rows */
	r->keys[r->n].kind = kind ? kind[0] : '?';
	r->keys[r->n].id = med_db_row_strdup(r->arena, row, 1);
	if (r->keys[r->n].id == NULL)
		return MED_ERR_NOMEM;
	r->n++;
	return MED_OK;
}

/*
 * Conditions, then care plans, then findings (column o); within a kind
 * the oldest first, so that pages stay stable while new items are added
 * at the end.  One key more than the page is read to see whether another
 * page follows.
 */
static med_err
read_keys(med_db_conn *c, export_read *x)
{
	med_db_value v[] = {
		MED_DB_STR(x->patient_id), MED_DB_STR(x->patient_id),
		MED_DB_STR(x->patient_id), MED_DB_I64((int64_t)x->limit + 1),
		MED_DB_I64((int64_t)x->offset)};

	x->rows.cap = (size_t)x->limit + 1;
	x->rows.keys = med_arena_zalloc(x->rows.arena,
					x->rows.cap * sizeof(export_key));
	if (x->rows.keys == NULL)
		return MED_ERR_NOMEM;
	return med_db_query(
		c,
		"SELECT k, id FROM ("
		" SELECT 'C' AS k, 1 AS o, condition_id AS id,"
		"  recorded_ms AS t FROM conditions WHERE patient_id = ?"
		" UNION ALL SELECT 'P', 2, care_plan_id, 0 FROM care_plans"
		"  WHERE patient_id = ?"
		" UNION ALL SELECT 'F', 3, finding_id, created_ms FROM findings"
		"  WHERE patient_id = ?) items"
		" ORDER BY o, t, id LIMIT ? OFFSET ?",
		v, 5, on_key_row, &x->rows);
}

/* alloc_lists makes room for up to n items of each kind. */
static med_err
alloc_lists(med_arena *a, size_t n, diagnosis_export_page *out)
{
	out->conditions = med_arena_zalloc(a, n * sizeof(*out->conditions));
	out->plans = med_arena_zalloc(a, n * sizeof(*out->plans));
	out->findings = med_arena_zalloc(a, n * sizeof(*out->findings));
	if (!out->conditions || !out->plans || !out->findings)
		return MED_ERR_NOMEM;
	return MED_OK;
}

/* export_finding reads a finding with its overlay: the DiagnosticReport
 * presents it. */
static med_err
export_finding(med_db_conn *c, med_arena *a, const char *id,
	       diagnosis_finding **out)
{
	med_err err = diagnosis_store_finding_get(c, a, id, false, out);

	if (err != MED_OK || !(*out)->has_overlay)
		return err;
	return diagnosis_store_finding_overlay(c, a, *out);
}

static med_err
read_item(med_db_conn *c, med_arena *a, const export_key *k,
	  diagnosis_export_page *out)
{
	switch (k->kind) {
	case 'C':
		return diagnosis_store_get(
			c, a, k->id, false,
			&out->conditions[out->n_conditions++]);
	case 'P':
		return diagnosis_store_plan_get(c, a, k->id, false,
						&out->plans[out->n_plans++]);
	case 'F':
		return export_finding(c, a, k->id,
				      &out->findings[out->n_findings++]);
	default:
		return MED_ERR_INTERNAL;
	}
}

static med_err
export_in_tx(med_db_conn *c, void *ctx)
{
	export_read *x = ctx;
	med_err err;

	memset(x->out, 0, sizeof(*x->out));
	x->rows.n = 0;
	if ((err = read_keys(c, x)) != MED_OK ||
	    (err = alloc_lists(x->rows.arena, x->rows.n, x->out)) != MED_OK)
		return err;
	x->out->more = x->rows.n > x->limit;
	if (x->out->more)
		x->rows.n = x->limit;
	for (size_t i = 0; i < x->rows.n; i++)
		if ((err = read_item(c, x->rows.arena, &x->rows.keys[i],
				     x->out)) != MED_OK)
			return err;
	return MED_OK;
}

med_err
diagnosis_store_export(med_db *db, med_arena *arena, const char *patient_id,
		       uint64_t offset, uint32_t limit,
		       diagnosis_export_page *out)
{
	export_read x = {.rows = {.arena = arena},
			 .patient_id = patient_id,
			 .offset = offset,
			 .limit = limit,
			 .out = out};

	return med_db_tx(db, export_in_tx, &x);
}

/* --- ReadFhir (fhirread): whose item an id is ------------------------------
 */

typedef struct owner_row {
	med_arena *arena;
	const char *patient_id;
} owner_row;

static med_err
on_owner(void *ctx, const med_db_row *row)
{
	owner_row *r = ctx;

	r->patient_id = med_db_row_strdup(r->arena, row, 0);
	return r->patient_id ? MED_OK : MED_ERR_NOMEM;
}

med_err
diagnosis_store_owner(med_db *db, med_arena *arena, const char *item_id,
		      const char **out)
{
	owner_row r = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(item_id), MED_DB_STR(item_id),
			    MED_DB_STR(item_id)};
	med_err err = med_db_query_once(
		db,
		"SELECT patient_id FROM conditions WHERE condition_id = ?"
		" UNION ALL SELECT patient_id FROM care_plans"
		"  WHERE care_plan_id = ?"
		" UNION ALL SELECT patient_id FROM findings WHERE finding_id = "
		"?"
		" LIMIT 1",
		v, 3, on_owner, &r);

	if (err == MED_OK)
		*out = r.patient_id;
	return err;
}
