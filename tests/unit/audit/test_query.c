/*
 * test_query.c - the audit service's request rules (domain.c) outside any
 * RPC: what a Query and a PatientAccessReport may ask for, and the sizes
 * and leaves a proof may name, each with the field and reason a caller is
 * told.
 */
#include "testlib.h"

#include "audit_svc.h"

static Smartmed__Audit__V1__QueryRequest
query(void)
{
	Smartmed__Audit__V1__QueryRequest q;

	smartmed__audit__v1__query_request__init(&q);
	q.limit = 100;
	q.since_ms = 1000;
	q.until_ms = 2000;
	q.action_code = "R";
	return q;
}

static void
refused(const Smartmed__Audit__V1__QueryRequest *q, const char *field,
	const char *want)
{
	med_problem p = {0};

	MT_EQ_INT(audit_query_problem(q, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, field);
	if (strstr(p.reason, want) == NULL)
		mt_fail(__FILE__, __LINE__, "reason \"%s\" lacks \"%s\"",
			p.reason, want);
}

static void
test_query_accepted(void)
{
	Smartmed__Audit__V1__QueryRequest q = query();
	med_problem p = {0};

	MT_OK(audit_query_problem(&q, &p));
	q.action_code = "";
	q.until_ms = 0; /* open end */
	q.limit = AUDIT_QUERY_MAX_LIMIT;
	MT_OK(audit_query_problem(&q, &p));
	for (const char *c = "CRUDE"; *c; c++) {
		char code[2] = {*c, '\0'};

		q.action_code = code;
		MT_OK(audit_query_problem(&q, &p));
	}
}

static void
test_query_refused(void)
{
	Smartmed__Audit__V1__QueryRequest q = query();

	q.limit = AUDIT_QUERY_MAX_LIMIT + 1;
	refused(&q, "limit", "at most 10000");
	q = query();
	q.since_ms = -1;
	refused(&q, "since_ms", "must not be negative");
	q = query();
	q.until_ms = -5;
	refused(&q, "until_ms", "must not be negative");
	q = query();
	q.until_ms = q.since_ms; /* an empty window */
	refused(&q, "until_ms", "after since_ms");
	q = query();
	q.action_code = "X";
	refused(&q, "action_code", "C, R, U, D, E");
	q.action_code = "RU";
	refused(&q, "action_code", "C, R, U, D, E");
}

/* The seq bounds of a page: before_seq above after_seq, or 0. */
static void
test_query_seq_bounds(void)
{
	Smartmed__Audit__V1__QueryRequest q = query();
	med_problem p = {0};

	q.newest_first = true;
	q.before_seq = 1; /* below seq 1: the end of a walk down the log */
	MT_OK(audit_query_problem(&q, &p));
	q.after_seq = 5;
	q.before_seq = 7; /* only seq 6 */
	MT_OK(audit_query_problem(&q, &p));
	q.before_seq = 6; /* the end of a walk down to after_seq */
	MT_OK(audit_query_problem(&q, &p));
	q.before_seq = 0; /* no upper bound */
	MT_OK(audit_query_problem(&q, &p));
	q.before_seq = 5;
	refused(&q, "before_seq", "greater than after_seq");
	q.before_seq = 2; /* swapped */
	refused(&q, "before_seq", "greater than after_seq");
	q.after_seq = UINT64_MAX;
	q.before_seq = UINT64_MAX;
	refused(&q, "before_seq", "greater than after_seq");
}

/* refused_p expects err and a problem naming field with reason want. */
static void
refused_p(int line, med_err err, const med_problem *p, const char *field,
	  const char *want)
{
	if (err != MED_ERR_INVALID || p->err != MED_ERR_INVALID)
		mt_fail(__FILE__, line, "error %d, problem error %d", err,
			p->err);
	if (strcmp(p->field, field) != 0)
		mt_fail(__FILE__, line, "field \"%s\" != \"%s\"", p->field,
			field);
	if (strstr(p->reason, want) == NULL)
		mt_fail(__FILE__, line, "reason \"%s\" lacks \"%s\"", p->reason,
			want);
}

static void
test_window(void)
{
	med_problem p = {0};

	MT_OK(audit_window_problem(0, 0, &p)); /* everything */
	MT_OK(audit_window_problem(5, 0, &p)); /* open end */
	MT_OK(audit_window_problem(5, 6, &p));
	refused_p(__LINE__, audit_window_problem(-1, 5, &p), &p, "since_ms",
		  "must not be negative");
	refused_p(__LINE__, audit_window_problem(0, -1, &p), &p, "until_ms",
		  "must not be negative");
	refused_p(__LINE__, audit_window_problem(6, 5, &p), &p, "until_ms",
		  "must be after since_ms");
}

static void
test_report(void)
{
	Smartmed__Audit__V1__PatientAccessReportRequest r;
	med_problem p = {0};

	smartmed__audit__v1__patient_access_report_request__init(&r);
	r.patient_id = "p";
	MT_OK(audit_report_problem(&r, &p)); /* limit 0: the default */
	r.limit = AUDIT_REPORT_MAX_LIMIT;
	r.since_ms = 10;
	r.until_ms = 20;
	MT_OK(audit_report_problem(&r, &p));
	r.limit = AUDIT_REPORT_MAX_LIMIT + 1;
	refused_p(__LINE__, audit_report_problem(&r, &p), &p, "limit",
		  "must be at most 1000");
	r.limit = 1;
	r.until_ms = 10;
	refused_p(__LINE__, audit_report_problem(&r, &p), &p, "until_ms",
		  "must be after since_ms");
	r.since_ms = -10;
	refused_p(__LINE__, audit_report_problem(&r, &p), &p, "since_ms",
		  "must not be negative");
}

static void
test_proof_requests(void)
{
	Smartmed__Audit__V1__InclusionProofRequest inc;
	Smartmed__Audit__V1__ConsistencyProofRequest con;
	med_problem p = {0};

	smartmed__audit__v1__inclusion_proof_request__init(&inc);
	refused_p(__LINE__, audit_inclusion_problem(&inc, &p), &p, "leaf",
		  "set event_id or leaf_index");
	inc.leaf_case =
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF_LEAF_INDEX;
	MT_OK(audit_inclusion_problem(&inc, &p)); /* leaf 0 is a leaf */
	inc.leaf_case =
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF_EVENT_ID;
	inc.event_id = "e";
	MT_OK(audit_inclusion_problem(&inc, &p));
	smartmed__audit__v1__consistency_proof_request__init(&con);
	refused_p(__LINE__, audit_consistency_problem(&con, &p), &p,
		  "first_size", "must be at least 1");
	con.first_size = 1;
	MT_OK(audit_consistency_problem(&con, &p));
}

/* The sizes and leaves a proof names, against the log and each other. */
static void
test_proof_sizes(void)
{
	med_problem p = {0};

	MT_OK(audit_tree_size_problem("tree_size", 7, 7, &p));
	refused_p(__LINE__, audit_tree_size_problem("second_size", 8, 7, &p),
		  &p, "second_size", "larger than the log (7 entries)");
	MT_OK(audit_leaf_problem(false, 0, 1, &p));
	MT_OK(audit_leaf_problem(false, 6, 7, &p));
	refused_p(__LINE__, audit_leaf_problem(false, 7, 7, &p), &p,
		  "leaf_index", "must be below the tree size (7)");
	refused_p(__LINE__, audit_leaf_problem(false, 0, 0, &p), &p,
		  "leaf_index", "must be below the tree size (0)");
	/* named by its event: the tree it is asked of is too small */
	MT_OK(audit_leaf_problem(true, 6, 7, &p));
	refused_p(__LINE__, audit_leaf_problem(true, 7, 7, &p), &p, "tree_size",
		  "the event is leaf 7, not in a tree of 7");
	MT_OK(audit_sizes_problem(3, 3, &p));
	MT_OK(audit_sizes_problem(1, UINT64_MAX, &p));
	refused_p(__LINE__, audit_sizes_problem(4, 3, &p), &p, "first_size",
		  "must not exceed second_size (3)");
}

/* The times an ingested event may carry (finding 9: INT64_MIN was
 * stored). */
static void
test_event_time(void)
{
	const int64_t now = INT64_C(1795000000000);
	med_problem p = {0};

	MT_OK(audit_event_time_problem(AUDIT_TIME_MIN_MS, now, &p));
	MT_OK(audit_event_time_problem(now, now, &p));
	MT_OK(audit_event_time_problem(now + AUDIT_TIME_MAX_AHEAD_MS, now, &p));
	refused_p(__LINE__, audit_event_time_problem(INT64_MIN, now, &p), &p,
		  "time_ms", "-9223372036854775808 is before 2000-01-01");
	refused_p(__LINE__,
		  audit_event_time_problem(AUDIT_TIME_MIN_MS - 1, now, &p), &p,
		  "time_ms", "946684799999 is before 2000-01-01");
	refused_p(__LINE__,
		  audit_event_time_problem(now + AUDIT_TIME_MAX_AHEAD_MS + 1,
					   now, &p),
		  &p, "time_ms",
		  "1795000300001 is more than 5 minutes ahead of the audit "
		  "service's clock");
	refused_p(__LINE__, audit_event_time_problem(INT64_MAX, now, &p), &p,
		  "time_ms",
		  "9223372036854775807 is more than 5 minutes ahead of the "
		  "audit service's clock");
}

static const mt_case cases[] = {
	{"query_accepted", test_query_accepted},
	{"query_refused", test_query_refused},
	{"query_seq_bounds", test_query_seq_bounds},
	{"window", test_window},
	{"report", test_report},
	{"proof_requests", test_proof_requests},
	{"proof_sizes", test_proof_sizes},
	{"event_time", test_event_time},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
