/*
 * scope_store.c - the SQL of the lookup scope (scope.c): the values of
 * IDENTITY_SCOPE_SQL's placeholders, and the patient records in a scope.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>

#include <stdlib.h>
#include <string.h>

#include "identity.h"

_Static_assert(MED_PRINCIPAL_UNITS_MAX == 16,
	       "IDENTITY_SCOPE_UNIT_MARKS has one mark per unit");

void
identity_scope_values(const identity_scope *s, med_db_value *v)
{
	size_t k = 0;

	v[k++] = MED_DB_I64(IDENTITY_ENC_IN_PROGRESS);
	for (size_t i = 0; i < MED_PRINCIPAL_UNITS_MAX; i++)
		v[k++] = MED_DB_STR(i < s->n_units ? s->units[i] : "");
	for (int i = 0; i < 3; i++) /* attending, member (twice) */
		v[k++] = MED_DB_STR(s->user);
	v[k++] = MED_DB_I64(IDENTITY_ENC_FINISHED);
	v[k++] = MED_DB_I64(s->since_ms);
	for (int i = 0; i < 3; i++) /* the same at the end, then grants */
		v[k++] = MED_DB_STR(s->user);
	v[k++] = MED_DB_STR(s->user);
	v[k++] = MED_DB_I64(s->now_ms);
}

typedef struct id_rows {
	med_arena *arena;
	char (*ids)[MED_UUID_LEN + 1];
	size_t n, cap;
} id_rows;

/* grow doubles r's room. */
static med_err
grow(id_rows *r)
{
	size_t cap = r->cap ? r->cap * 2 : 64;
	void *ids;

	ids = med_arena_alloc(r->arena, cap * sizeof(*r->ids));
	if (ids == NULL)
		return MED_ERR_NOMEM;
	if (r->n > 0)
		memcpy(ids, r->ids, r->n * sizeof(*r->ids));
	r->ids = ids;
	r->cap = cap;
	return MED_OK;
}

static med_err
on_id_row(void *ctx, const med_db_row *row)
{
	id_rows *r = ctx;
	const char *id = med_db_row_text(row, 0, NULL);
	med_err err;

	if (r->n >= IDENTITY_SCOPE_MAX)
		return MED_ERR_LIMIT;
	if (r->n == r->cap && (err = grow(r)) != MED_OK)
		return err;
	med_strlcpy(r->ids[r->n++], id ? id : "", sizeof(*r->ids));
	return MED_OK;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

med_err
identity_scope_patients(med_db *db, med_arena *a, const identity_scope *s,
			char (**out)[MED_UUID_LEN + 1], size_t *n)
{
	id_rows rows = {.arena = a};
	med_db_value v[IDENTITY_SCOPE_N_VALUES + 1];
	med_err err;

	identity_scope_values(s, v);
	/* One row past the cap says the scope is too big. */
	v[IDENTITY_SCOPE_N_VALUES] = MED_DB_I64(IDENTITY_SCOPE_MAX + 1);
	/* The family heads, then the records merged into them: by key and
	 * by idx_patients_linked, not a walk over every patient. */
	err = med_db_query_once(
		db,
		"WITH fam AS (" IDENTITY_SCOPE_SURVIVORS ")"
		" SELECT id FROM (SELECT sid AS id FROM fam"
		" UNION SELECT q.patient_id FROM fam"
		" STRAIGHT_JOIN patients q ON q.linked_to = fam.sid) ids"
		" LIMIT ?",
		v, IDENTITY_SCOPE_N_VALUES + 1, on_id_row, &rows);
	if (err != MED_OK)
		return err;
	/* The index compares ids with strcmp; the database's collation
	 * may order them otherwise. */
	if (rows.n > 1)
		qsort(rows.ids, rows.n, sizeof(*rows.ids), cmp_id);
	*out = rows.ids;
	*n = rows.n;
	return MED_OK;
}
