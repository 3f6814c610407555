/*
 * reconcile.c - a table's rows against the ids an audit log names, after a
 * restore (med/reconcile.h).  The ids come sorted and unique; the table is
 * read in one transaction, so both lists describe one state of it.  The
 * existence check goes in chunks of MED_DB_MAX_PARAMS ids, the window in
 * one ordered scan.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/db.h>
#include <med/reconcile.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK MED_DB_MAX_PARAMS

/* rc_scan - one transaction's state. */
typedef struct rc_scan {
	med_call *call;
	const med_reconcile_table *t;
	int64_t since_ms, until_ms;
	char **ids; /* sorted, unique */
	size_t n_ids;
	bool *present; /* per id: the table holds it */
	med_reconcile_result *out;
	bool too_many;
} rc_scan;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* unique_ids copies ids into the arena, sorted without repeats. */
static med_err
unique_ids(med_arena *a, char *const *ids, size_t n, char ***out, size_t *n_out)
{
	char **v = med_arena_alloc(a, (n ? n : 1) * sizeof(*v));
	size_t k = 0;

	if (v == NULL)
		return MED_ERR_NOMEM;
	memcpy(v, ids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
			v[k++] = v[i];
	*out = v;
	*n_out = k;
	return MED_OK;
}

/* list_add keeps the first MED_RECONCILE_MAX_LISTED ids of a list and
 * counts them all. */
static med_err
list_add(med_arena *a, char **list, size_t *n, size_t *count, const char *id)
{
	(*count)++;
	if (*n == MED_RECONCILE_MAX_LISTED)
		return MED_OK;
	if ((list[*n] = med_arena_strdup(a, id)) == NULL)
		return MED_ERR_NOMEM;
	(*n)++;
	return MED_OK;
}

static med_err
on_present(void *ctx, const med_db_row *row)
{
	rc_scan *s = ctx;
	const char *id = med_db_row_text(row, 0, NULL);
	char **hit;

	if (id == NULL)
		return MED_OK;
	hit = bsearch(&id, s->ids, s->n_ids, sizeof(*s->ids), cmp_str);
	if (hit != NULL)
		s->present[hit - s->ids] = true;
	return MED_OK;
}

/* check_chunk marks which of ids[first..first+n) the table holds. */
static med_err
check_chunk(med_db_conn *c, rc_scan *s, size_t first, size_t n)
{
	const med_reconcile_table *t = s->t;
	med_db_value v[CHUNK];
	char sql[256 + 2 * CHUNK];
	int len = snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s IN (",
			   t->id_col, t->table, t->id_col);

	for (size_t i = 0; i < n; i++) {
		v[i] = MED_DB_STR(s->ids[first + i]);
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, "%s?",
				i ? "," : "");
	}
	snprintf(sql + len, sizeof(sql) - (size_t)len, ")");
	return med_db_query(c, sql, v, n, on_present, s);
}

static med_err
on_window_row(void *ctx, const med_db_row *row)
{
	rc_scan *s = ctx;
	med_reconcile_result *o = s->out;
	const char *id = med_db_row_text(row, 0, NULL);

	if (id == NULL)
		return MED_OK;
	if (++o->rows_in_window > MED_RECONCILE_MAX_ROWS) {
		s->too_many = true;
		return MED_ERR_LIMIT;
	}
	if (bsearch(&id, s->ids, s->n_ids, sizeof(*s->ids), cmp_str) != NULL)
		return MED_OK;
	return list_add(med_call_arena(s->call), o->unaudited, &o->n_unaudited,
			&o->unaudited_count, id);
}

/* scan_window finds the rows written in the window that no id names. */
static med_err
scan_window(med_db_conn *c, rc_scan *s)
{
	const med_reconcile_table *t = s->t;
	med_db_value v[] = {MED_DB_I64(s->since_ms), MED_DB_I64(s->until_ms)};
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT DISTINCT %s FROM %s WHERE %s >= ? AND %s < ?%s%s"
		 " ORDER BY %s",
		 t->id_col, t->table, t->ms_col, t->ms_col,
		 t->window_where ? " AND " : "",
		 t->window_where ? t->window_where : "", t->id_col);
	return med_db_query(c, sql, v, 2, on_window_row, s);
}

static med_err
scan_tx(med_db_conn *c, void *arg)
{
	rc_scan *s = arg;
	med_reconcile_result *o = s->out;
	med_err err;

	memset(s->present, 0, s->n_ids * sizeof(*s->present));
	o->n_unaudited = o->unaudited_count = o->rows_in_window = 0;
	for (size_t i = 0; i < s->n_ids; i += CHUNK) {
		size_t n = s->n_ids - i < CHUNK ? s->n_ids - i : CHUNK;
		if ((err = check_chunk(c, s, i, n)) != MED_OK)
			return err;
	}
	return scan_window(c, s);
}

/* list_absent lists the ids the table did not hold. */
static med_err
list_absent(rc_scan *s)
{
	med_reconcile_result *o = s->out;
	med_err err;

	o->n_absent = o->absent_count = 0;
	for (size_t i = 0; i < s->n_ids; i++) {
		if (s->present[i])
			continue;
		err = list_add(med_call_arena(s->call), o->absent, &o->n_absent,
			       &o->absent_count, s->ids[i]);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

static med_err
check_request(med_call *call, int64_t since_ms, int64_t until_ms,
	      char *const *ids, size_t n_ids)
{
	med_err err;

	if (since_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "since_ms: must not be negative");
	if (until_ms <= since_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "until_ms: must be after since_ms");
	if (n_ids > MED_RECONCILE_MAX_IDS)
		return med_call_fail(call, MED_ERR_INVALID,
				     "audited_ids: at most %d ids; narrow the "
				     "window (since_ms, until_ms)",
				     MED_RECONCILE_MAX_IDS);
	for (size_t i = 0; i < n_ids; i++)
		if ((err = med_check_id(call, "audited_ids", ids[i])) != MED_OK)
			return err;
	return MED_OK;
}

/* audit_counts puts the report's counts on the call's audit event. */
static void
audit_counts(med_call *call, int64_t since_ms, int64_t until_ms,
	     const med_reconcile_result *o)
{
	char since[24], until[24], absent[24], unaudited[24], rows[24];

	snprintf(since, sizeof(since), "%" PRId64, since_ms);
	snprintf(until, sizeof(until), "%" PRId64, until_ms);
	snprintf(absent, sizeof(absent), "%zu", o->absent_count);
	snprintf(unaudited, sizeof(unaudited), "%zu", o->unaudited_count);
	snprintf(rows, sizeof(rows), "%zu", o->rows_in_window);
	med_call_add_details(call,
			     (const med_audit_detail[]){
				     {"since_ms", since},
				     {"until_ms", until},
				     {"absent_rows", absent},
				     {"unaudited_rows", unaudited},
				     {"rows_in_window", rows},
			     },
			     5);
}

static med_err
scan_init(rc_scan *s, med_arena *a, char *const *ids, size_t n_ids)
{
	med_reconcile_result *o = s->out;
	size_t list = MED_RECONCILE_MAX_LISTED * sizeof(char *);
	med_err err;

	if ((err = unique_ids(a, ids, n_ids, &s->ids, &s->n_ids)) != MED_OK)
		return err;
	s->present = med_arena_alloc(a, s->n_ids ? s->n_ids : 1);
	o->absent = med_arena_alloc(a, list);
	o->unaudited = med_arena_alloc(a, list);
	if (s->present == NULL || o->absent == NULL || o->unaudited == NULL)
		return MED_ERR_NOMEM;
	o->audited_checked = s->n_ids;
	return MED_OK;
}

med_err
med_reconcile_audit(med_call *call, const med_reconcile_table *t,
		    int64_t since_ms, int64_t until_ms, char *const *ids,
		    size_t n_ids, med_reconcile_result *out)
{
	rc_scan s = {.call = call,
		     .t = t,
		     .since_ms = since_ms,
		     .until_ms = until_ms,
		     .out = out};
	med_err err;

	memset(out, 0, sizeof(*out));
	if ((err = check_request(call, since_ms, until_ms, ids, n_ids)) !=
		    MED_OK ||
	    (err = scan_init(&s, med_call_arena(call), ids, n_ids)) != MED_OK)
		return err;
	err = med_db_tx(med_call_db(call), scan_tx, &s);
	if (err == MED_ERR_LIMIT && s.too_many)
		return med_call_fail(call, MED_ERR_LIMIT,
				     "since_ms: more than %d rows written in "
				     "the window; narrow it",
				     MED_RECONCILE_MAX_ROWS);
	if (err != MED_OK || (err = list_absent(&s)) != MED_OK)
		return err;
	audit_counts(call, since_ms, until_ms, out);
	return MED_OK;
}
