/*
 * report.c - the patient access report: every logged access to one
 * patient's data (a page, in log order) and a per-actor summary over the
 * whole time range, for HIPAA-style "who accessed my record" requests.
 *
 * Each access is checked as it is read (readcheck.c) and served with its
 * integrity; the holes in the page's positions are listed.  The summary
 * counts only accesses that are not ALTERED: it is read by SQL, so the
 * patient's rows in the range are checked first and the altered ones
 * named to it (altered_accesses says how many were left out).
 */
#include <med/arena.h>
#include <med/json.h>

#include <string.h>

#include "audit_svc.h"

#define TIME_FILTER " AND (? = 0 OR time_ms >= ?) AND (? = 0 OR time_ms < ?)"
#define SUMMARY_MAX 1000
/* The most altered accesses the summary leaves out by name; a range with
 * more is refused (DATA_LOSS) rather than summed up with them. */
#define SUMMARY_EXCLUDE_MAX 10000

#define RI(x) SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_##x

typedef struct page_rows {
	med_arena *arena;
	audit_check check;
	Smartmed__Audit__V1__PatientAccessReportResponse *out;
	size_t cap;
} page_rows;

static char *
text_of(med_arena *a, const char *s)
{
	return med_arena_strdup(a, s != NULL ? s : "");
}

static med_err
on_access(void *ctx, const med_db_row *row)
{
	page_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Audit__V1__PatientAccess *x = med_arena_push_msg(
		a, (void ***)&r->out->accesses, &r->out->n_accesses, &r->cap,
		&smartmed__audit__v1__patient_access__descriptor);
	const char *problem = "";
	med_audit_row ar;

	if (x == NULL)
		return MED_ERR_NOMEM;
	med_audit_row_read(row, &ar);
	x->seq = ar.rec.seq;
	x->time_ms = ar.rec.time_ms;
	x->actor = text_of(a, ar.rec.actor);
	x->actor_roles = text_of(a, ar.rec.actor_roles);
	x->service = text_of(a, ar.rec.service);
	x->action = text_of(a, ar.rec.action);
	x->action_code = text_of(a, ar.rec.action_code);
	x->purpose_of_use = text_of(a, ar.rec.purpose_of_use);
	x->outcome = (int32_t)ar.rec.outcome;
	x->break_glass = ar.rec.break_glass;
	x->resource = text_of(a, ar.rec.resource);
	x->request_id = text_of(a, ar.rec.request_id);
	x->integrity = audit_check_row(&r->check, &ar, &problem);
	x->integrity_problem = (char *)problem;
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

	return med_db_query(c,
			    "SELECT " MED_AUDIT_ROW_COLUMNS
			    " FROM events WHERE patient_id = ? AND seq > "
			    "?" TIME_FILTER " ORDER BY seq LIMIT ?",
			    v, sizeof(v) / sizeof(v[0]), on_access, r);
}

/* altered_rows - the patient's altered rows in the range, as a JSON array
 * of seqs for the summary to leave out. */
typedef struct altered_rows {
	audit_check check;
	med_json json;
	uint64_t n;
} altered_rows;

static med_err
on_scan(void *ctx, const med_db_row *row)
{
	altered_rows *r = ctx;
	const char *problem;
	med_audit_row ar;

	med_audit_row_read(row, &ar);
	if (audit_check_row(&r->check, &ar, &problem) != RI(ALTERED))
		return MED_OK;
	if (++r->n > SUMMARY_EXCLUDE_MAX)
		return MED_ERR_DATA_LOSS;
	med_json_u64(&r->json, NULL, ar.rec.seq);
	return MED_OK;
}

/* scan_altered checks every row of the patient in the range. */
static med_err
scan_altered(med_db_conn *c, altered_rows *r, const audit_report_filter *f)
{
	med_db_value v[] = {
		MED_DB_STR(f->patient_id), MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),   MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),
	};
	med_err err;

	med_json_begin(&r->json, NULL, '[');
	err = med_db_query(c,
			   "SELECT " MED_AUDIT_ROW_COLUMNS
			   " FROM events WHERE patient_id = ?" TIME_FILTER,
			   v, sizeof(v) / sizeof(v[0]), on_scan, r);
	med_json_end(&r->json, ']');
	/* Sized for SUMMARY_EXCLUDE_MAX seqs: only memory can run out. */
	if (err == MED_OK && med_json_text(&r->json, NULL) == NULL)
		err = MED_ERR_NOMEM;
	return err;
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

/* read_summary sums up the accesses but the altered ones (a JSON array
 * of their seqs). */
static med_err
read_summary(med_db_conn *c, summary_rows *r, const audit_report_filter *f,
	     const char *altered)
{
	med_db_value v[] = {
		MED_DB_STR(f->patient_id), MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),   MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),   MED_DB_STR(altered),
		MED_DB_I64(SUMMARY_MAX),
	};

	return med_db_query(
		c,
		"SELECT actor,"
		" GROUP_CONCAT(DISTINCT actor_roles ORDER BY actor_roles"
		" SEPARATOR ';'), COUNT(*), SUM(break_glass), MIN(time_ms),"
		" MAX(time_ms), GROUP_CONCAT(DISTINCT purpose_of_use"
		" ORDER BY purpose_of_use SEPARATOR ',')"
		" FROM events WHERE patient_id = ?" TIME_FILTER
		" AND seq NOT IN (SELECT j.seq FROM JSON_TABLE(?, '$[*]'"
		" COLUMNS (seq BIGINT UNSIGNED PATH '$')) j)"
		" GROUP BY actor ORDER BY COUNT(*) DESC, actor LIMIT ?",
		v, sizeof(v) / sizeof(v[0]), on_summary, r);
}

typedef struct report_tx {
	audit_state *st;
	med_arena *arena;
	const audit_report_filter *f;
	Smartmed__Audit__V1__PatientAccessReportResponse *out;
	audit_gap *gaps;
	size_t n_gaps;
} report_tx;

/* summary checks the range's rows, then sums up those not altered. */
static med_err
summary(report_tx *t, med_db_conn *c)
{
	altered_rows a = {.n = 0};
	summary_rows s = {t->arena, t->out, 0};
	med_err err = audit_check_init(&a.check, t->st, c, t->arena);

	if (err != MED_OK)
		return err;
	/* Seqs of at most 20 digits and a comma each. */
	med_json_init_arena(&a.json, t->arena, SUMMARY_EXCLUDE_MAX * 21 + 16);
	err = scan_altered(c, &a, t->f);
	if (err == MED_ERR_DATA_LOSS && a.n > SUMMARY_EXCLUDE_MAX)
		return audit_integrity_fail(
			t->st,
			"events: more than %d rows about patient %s are "
			"altered (found by a read)",
			SUMMARY_EXCLUDE_MAX, t->f->patient_id);
	if (err != MED_OK)
		return err;
	t->out->altered_accesses = a.n;
	return read_summary(c, &s, t->f, med_json_text(&a.json, NULL));
}

static med_err
report_tx_fn(med_db_conn *c, void *arg)
{
	report_tx *t = arg;
	page_rows p = {.arena = t->arena, .out = t->out};
	uint64_t size = 0, hi;
	med_err err = audit_check_init(&p.check, t->st, c, t->arena);

	t->out->n_accesses = 0;
	t->out->n_accessors = 0;
	t->out->next_after_seq = 0;
	t->out->altered_accesses = 0;
	if (err == MED_OK)
		err = audit_tree_size(c, false, &size);
	if (err == MED_OK)
		err = read_page(c, &p, t->f);
	if (err != MED_OK)
		return err;
	/* One row more than the page says whether another page exists. */
	hi = size;
	if (t->out->n_accesses > t->f->limit) {
		t->out->n_accesses = t->f->limit;
		t->out->next_after_seq = t->out->accesses[t->f->limit - 1]->seq;
		hi = t->out->next_after_seq;
	}
	err = audit_gaps_find(t->st, c, t->arena, t->f->after_seq, hi, &t->gaps,
			      &t->n_gaps);
	if (err != MED_OK || t->f->after_seq != 0)
		return err;
	return summary(t, c);
}

/* gaps_out lists the holes in the reply. */
static med_err
gaps_out(report_tx *t, bool *failed)
{
	Smartmed__Audit__V1__PatientAccessReportResponse *out = t->out;
	size_t cap = 0;

	out->n_missing = 0;
	for (size_t i = 0; i < t->n_gaps; i++) {
		Smartmed__Audit__V1__SeqRange *r = med_arena_push_msg(
			t->arena, (void ***)&out->missing, &out->n_missing,
			&cap, &smartmed__audit__v1__seq_range__descriptor);
		if (r == NULL)
			return MED_ERR_NOMEM;
		r->first_seq = t->gaps[i].first;
		r->last_seq = t->gaps[i].last;
		audit_check_report(t->st, failed, RI(MISSING), r->first_seq,
				   r->last_seq, "");
	}
	return MED_OK;
}

med_err
audit_report_build(med_db *db, audit_state *st, med_arena *arena,
		   const audit_report_filter *f,
		   Smartmed__Audit__V1__PatientAccessReportResponse *out)
{
	report_tx t = {st, arena, f, out, NULL, 0};
	bool failed = false;
	med_err err = med_db_tx(db, report_tx_fn, &t);

	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < out->n_accesses; i++) {
		Smartmed__Audit__V1__PatientAccess *x = out->accesses[i];
		if (x->integrity != RI(VERIFIED))
			audit_check_report(st, &failed, x->integrity, x->seq,
					   x->seq, x->integrity_problem);
	}
	return gaps_out(&t, &failed);
}
