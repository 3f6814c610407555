/*
 * store_export.c - the reading behind ExportFhir: one page of a patient's
 * conditions, care plans and findings, taken as one list in the order
 * (kind, time, id).  A page starts after the key of the item before it
 * (a seek, not an OFFSET: issue 49), so that a page reads its own rows
 * through the patient's index whatever the number before it.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/util.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"

/* One key of the list: its kind ('C', 'P', 'F'), time and id. */
typedef struct export_key {
	char kind;
	int64_t t;
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
	const diagnosis_export_scope *scope; /* NULL: everything */
	const med_page_key *after;
	uint32_t limit;
	diagnosis_export_page *out;
} export_read;

/* The kinds in list order, each read from its patient index: conditions
 * by (recorded_ms, id), care plans by id, findings by (created_ms, id).
 * A kind's rows after a key (t, id): t greater, or t equal and id
 * greater. */
static const struct export_kind {
	char kind;
	const char *sql;
} kinds[] = {
	{'C', "SELECT recorded_ms, condition_id FROM conditions"
	      " WHERE patient_id = ? AND (recorded_ms > ? OR"
	      " (recorded_ms = ? AND condition_id > ?))"
	      " ORDER BY recorded_ms, condition_id LIMIT ?"},
	{'P',
	 "SELECT 0, care_plan_id FROM care_plans"
	 " WHERE patient_id = ? AND (0 > ? OR (0 = ? AND care_plan_id > ?))"
	 " ORDER BY care_plan_id LIMIT ?"},
	{'F', "SELECT created_ms, finding_id FROM findings"
	      " WHERE patient_id = ? AND (created_ms > ? OR"
	      " (created_ms = ? AND finding_id > ?))"
	      " ORDER BY created_ms, finding_id LIMIT ?"},
};

/* Conditions within the scope (issue 49): of some codes, sought on the
 * index (patient_id, code, recorded_ms), one range per code, and within
 * a recorded range, on (patient_id, recorded_ms), so that a page of a
 * rare code or a short range reads its own rows.  %s: the codes' test. */
#define SCOPED_CONDITIONS_SQL                                                  \
	"SELECT recorded_ms, condition_id FROM conditions"                     \
	" WHERE patient_id = ?%s AND recorded_ms >= ? AND recorded_ms < ?"     \
	" AND (recorded_ms > ? OR (recorded_ms = ? AND condition_id > ?))"     \
	" ORDER BY recorded_ms, condition_id LIMIT ?"

typedef struct kind_rows {
	key_rows *rows;
	char kind;
} kind_rows;

static med_err
on_key_row(void *ctx, const med_db_row *row)
{
	kind_rows *k = ctx;
	key_rows *r = k->rows;

	if (r->n == r->cap)
		return MED_ERR_INTERNAL; /* LIMIT bounds the rows */
	r->keys[r->n].kind = k->kind;
	r->keys[r->n].t = med_db_row_int64(row, 0);
	r->keys[r->n].id = med_db_row_strdup(r->arena, row, 1);
	if (r->keys[r->n].id == NULL)
		return MED_ERR_NOMEM;
	r->n++;
	return MED_OK;
}

/* read_scoped reads the conditions of the scope after the key (t, id):
 * v holds the patient, the key and the limit, as read_kind's. */
static med_err
read_scoped(med_db_conn *c, export_read *x, const med_db_value *v)
{
	const diagnosis_export_scope *s = x->scope;
	med_db_value all[DIAGNOSIS_EXPORT_CODES_MAX + 7];
	char codes[3 * DIAGNOSIS_EXPORT_CODES_MAX + 16] = "";
	char sql[sizeof(SCOPED_CONDITIONS_SQL) + sizeof(codes)];
	kind_rows k = {&x->rows, 'C'};
	size_t n = 0, len = 0;

	if (s->n_codes > DIAGNOSIS_EXPORT_CODES_MAX)
		return MED_ERR_INVALID;
	all[n++] = v[0];
	for (size_t i = 0; i < s->n_codes; i++) {
		len += (size_t)snprintf(codes + len, sizeof(codes) - len, "%s",
					i ? ", ?" : " AND code IN (?");
		all[n++] = MED_DB_STR(s->codes[i]);
	}
	if (s->n_codes > 0)
		snprintf(codes + len, sizeof(codes) - len, ")");
	all[n++] = MED_DB_I64(s->from_ms);
	all[n++] = MED_DB_I64(s->to_ms > 0 ? s->to_ms : INT64_MAX);
	for (size_t i = 1; i < 5; i++)
		all[n++] = v[i];
	snprintf(sql, sizeof(sql), SCOPED_CONDITIONS_SQL, codes);
	return med_db_query(c, sql, all, n, on_key_row, &k);
}

/* scoped: the scope narrows the conditions. */
static bool
scoped(const diagnosis_export_scope *s)
{
	return s != NULL &&
	       (s->n_codes > 0 || s->from_ms != 0 || s->to_ms != 0);
}

/* read_kind reads up to the room left of kind i, after the key when the
 * key is of this kind (from its start when the key is of a kind before);
 * nothing of a kind outside the scope. */
static med_err
read_kind(med_db_conn *c, export_read *x, size_t i)
{
	bool at_key = x->after->set && x->after->kind == kinds[i].kind;
	kind_rows k = {&x->rows, kinds[i].kind};
	med_db_value v[] = {MED_DB_STR(x->patient_id),
			    MED_DB_I64(at_key ? x->after->t : INT64_MIN),
			    MED_DB_I64(at_key ? x->after->t : INT64_MIN),
			    MED_DB_STR(at_key ? x->after->id : ""),
			    MED_DB_I64((int64_t)(x->rows.cap - x->rows.n))};

	if (x->scope != NULL && x->scope->kinds != NULL &&
	    strchr(x->scope->kinds, kinds[i].kind) == NULL)
		return MED_OK;
	if (kinds[i].kind == 'C' && scoped(x->scope))
		return read_scoped(c, x, v);
	return med_db_query(c, kinds[i].sql, v, 5, on_key_row, &k);
}

/*
 * Conditions, then care plans, then findings; within a kind the oldest
 * first, so that pages stay stable while new items are added at the end.
 * One key more than the page is read to see whether another page follows.
 */
static med_err
read_keys(med_db_conn *c, export_read *x)
{
	size_t first = 0;
	med_err err = MED_OK;

	x->rows.cap = (size_t)x->limit + 1;
	x->rows.keys = med_arena_zalloc(x->rows.arena,
					x->rows.cap * sizeof(export_key));
	if (x->rows.keys == NULL)
		return MED_ERR_NOMEM;
	while (x->after->set && first < sizeof(kinds) / sizeof(*kinds) &&
	       kinds[first].kind != x->after->kind)
		first++;
	for (size_t i = first;
	     err == MED_OK && i < sizeof(kinds) / sizeof(*kinds) &&
	     x->rows.n < x->rows.cap;
	     i++)
		err = read_kind(c, x, i);
	return err;
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
	if (x->rows.n > 0) {
		const export_key *last = &x->rows.keys[x->rows.n - 1];

		x->out->last.set = true;
		x->out->last.kind = last->kind;
		x->out->last.t = last->t;
		med_strlcpy(x->out->last.id, last->id, sizeof(x->out->last.id));
	}
	for (size_t i = 0; i < x->rows.n; i++)
		if ((err = read_item(c, x->rows.arena, &x->rows.keys[i],
				     x->out)) != MED_OK)
			return err;
	return MED_OK;
}

med_err
diagnosis_store_export(med_db *db, med_arena *arena, const char *patient_id,
		       const diagnosis_export_scope *scope,
		       const med_page_key *after, uint32_t limit,
		       diagnosis_export_page *out)
{
	export_read x = {.rows = {.arena = arena},
			 .patient_id = patient_id,
			 .scope = scope,
			 .after = after,
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
