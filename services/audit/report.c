/*
 * report.c - the patient access report: every logged access to one
 * patient's data (a page, in log order) and a per-actor summary over the
 * whole time range, for HIPAA-style "who accessed my record" requests.
 */
#include <med/arena.h>

#include <string.h>

#include "audit_svc.h"

#define TIME_FILTER " AND (? = 0 OR time_ms >= ?) AND (? = 0 OR time_ms < ?)"
#define SUMMARY_MAX 1000

typedef struct page_rows {
	med_arena *arena;
	Smartmed__Audit__V1__PatientAccessReportResponse *out;
	size_t cap;
} page_rows;

static med_err
on_access(void *ctx, const med_db_row *row)
{
	page_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Audit__V1__PatientAccess *x = med_arena_push_msg(
		a, (void ***)&r->out->accesses, &r->out->n_accesses, &r->cap,
		&smartmed__audit__v1__patient_access__descriptor);

	if (x == NULL)
		return MED_ERR_NOMEM;
	x->seq = (uint64_t)med_db_row_int64(row, 0);
	x->time_ms = med_db_row_int64(row, 1);
	x->actor = med_db_row_strdup(a, row, 2);
	x->actor_roles = med_db_row_strdup(a, row, 3);
	x->service = med_db_row_strdup(a, row, 4);
	x->action = med_db_row_strdup(a, row, 5);
	x->action_code = med_db_row_strdup(a, row, 6);
	x->purpose_of_use = med_db_row_strdup(a, row, 7);
	x->outcome = (int32_t)med_db_row_int64(row, 8);
	x->break_glass = med_db_row_int64(row, 9) != 0;
	x->resource = med_db_row_strdup(a, row, 10);
	x->request_id = med_db_row_strdup(a, row, 11);
	if (!x->actor || !x->actor_roles || !x->service || !x->action ||
	    !x->action_code || !x->purpose_of_use || !x->resource ||
	    !x->request_id)
		return MED_ERR_NOMEM;
	return MED_OK;
}

static med_err
read_page(med_db_conn *c, page_rows *r, const audit_report_filter *f)
{
	med_db_value v[] = {
		MED_DB_STR(f->patient_id),
		MED_DB_I64((int64_t)f->after_seq),
		MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),
		MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),
		MED_DB_I64((int64_t)f->limit + 1),
	};

	return med_db_query(
		c,
		"SELECT seq, time_ms, actor, actor_roles, service, action,"
		" action_code, purpose_of_use, outcome, break_glass, resource,"
		" request_id FROM events WHERE patient_id = ? AND seq > "
		"?" TIME_FILTER " ORDER BY seq LIMIT ?",
		v, sizeof(v) / sizeof(v[0]), on_access, r);
}

typedef struct summary_rows {
	med_arena *arena;
	Smartmed__Audit__V1__PatientAccessReportResponse *out;
	size_t cap;
} summary_rows;

static med_err
on_summary(void *ctx, const med_db_row *row)
{
	summary_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Audit__V1__AccessorSummary *s = med_arena_push_msg(
		a, (void ***)&r->out->accessors, &r->out->n_accessors, &r->cap,
		&smartmed__audit__v1__accessor_summary__descriptor);

	if (s == NULL)
		return MED_ERR_NOMEM;
	s->actor = med_db_row_strdup(a, row, 0);
	s->actor_roles = med_db_row_strdup(a, row, 1);
	s->accesses = (uint64_t)med_db_row_int64(row, 2);
	s->break_glass_accesses = (uint64_t)med_db_row_int64(row, 3);
	s->first_ms = med_db_row_int64(row, 4);
	s->last_ms = med_db_row_int64(row, 5);
	s->purposes = med_db_row_strdup(a, row, 6);
	if (!s->actor || !s->actor_roles || !s->purposes)
		return MED_ERR_NOMEM;
	return MED_OK;
}

static med_err
read_summary(med_db_conn *c, summary_rows *r, const audit_report_filter *f)
{
	med_db_value v[] = {
		MED_DB_STR(f->patient_id), MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),   MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),   MED_DB_I64(SUMMARY_MAX),
	};

	return med_db_query(
		c,
		"SELECT actor,"
		" GROUP_CONCAT(DISTINCT actor_roles ORDER BY actor_roles"
		" SEPARATOR ';'), COUNT(*), SUM(break_glass), MIN(time_ms),"
		" MAX(time_ms), GROUP_CONCAT(DISTINCT purpose_of_use"
		" ORDER BY purpose_of_use SEPARATOR ',')"
		" FROM events WHERE patient_id = ?" TIME_FILTER
		" GROUP BY actor ORDER BY COUNT(*) DESC, actor LIMIT ?",
		v, sizeof(v) / sizeof(v[0]), on_summary, r);
}

typedef struct report_tx {
	med_arena *arena;
	const audit_report_filter *f;
	Smartmed__Audit__V1__PatientAccessReportResponse *out;
} report_tx;

static med_err
report_tx_fn(med_db_conn *c, void *arg)
{
	report_tx *t = arg;
	page_rows p = {t->arena, t->out, 0};
	summary_rows s = {t->arena, t->out, 0};
	med_err err;

	t->out->n_accesses = 0;
	t->out->n_accessors = 0;
	t->out->next_after_seq = 0;
	if ((err = read_page(c, &p, t->f)) != MED_OK)
		return err;
	/* One row more than the page says whether another page exists. */
	if (t->out->n_accesses > t->f->limit) {
		t->out->n_accesses = t->f->limit;
		t->out->next_after_seq = t->out->accesses[t->f->limit - 1]->seq;
	}
	if (t->f->after_seq != 0)
		return MED_OK;
	return read_summary(c, &s, t->f);
}

med_err
audit_report_build(med_db *db, med_arena *arena, const audit_report_filter *f,
		   Smartmed__Audit__V1__PatientAccessReportResponse *out)
{
	report_tx t = {arena, f, out};

	return med_db_tx(db, report_tx_fn, &t);
}
