/*
 * domain.c - the audit service's request rules, free of gRPC and SQL: the
 * time window and filters of Query and PatientAccessReport, the sizes
 * and leaves a proof may name, and the times an ingested event may carry.
 * Handlers turn a problem into the call's status (med_call_fail_problem).
 */
#include <med/check.h>

#include <string.h>

#include "audit_svc.h"

med_err
audit_window_problem(int64_t since_ms, int64_t until_ms, med_problem *p)
{
	med_err err;

	if ((since_ms != 0 &&
	     (err = med_time_problem("since_ms", since_ms, p)) != MED_OK) ||
	    (until_ms != 0 &&
	     (err = med_time_problem("until_ms", until_ms, p)) != MED_OK))
		return err;
	if (since_ms < 0 || until_ms < 0)
		return med_problem_set(p, MED_ERR_INVALID,
				       since_ms < 0 ? "since_ms" : "until_ms",
				       "must not be negative");
	if (until_ms != 0 && until_ms <= since_ms)
		return med_problem_set(p, MED_ERR_INVALID, "until_ms",
				       "must be after since_ms");
	return MED_OK;
}

/* page_problem: at most max records, in a valid window. */
static med_err
page_problem(uint32_t limit, uint32_t max, int64_t since_ms, int64_t until_ms,
	     med_problem *p)
{
	if (limit > max)
		return med_problem_set(p, MED_ERR_INVALID, "limit",
				       "must be at most %u", max);
	return audit_window_problem(since_ms, until_ms, p);
}

/* action_code_ok: none, or one of FHIR's C, R, U, D, E. */
static bool
action_code_ok(const char *code)
{
	return code[0] == '\0' ||
	       (code[1] == '\0' && strchr("CRUDE", code[0]) != NULL);
}

med_err
audit_query_problem(const Smartmed__Audit__V1__QueryRequest *req,
		    med_problem *p)
{
	med_err err = page_problem(req->limit, AUDIT_QUERY_MAX_LIMIT,
				   req->since_ms, req->until_ms, p);

	if (err == MED_OK && !action_code_ok(req->action_code))
		err = med_problem_set(p, MED_ERR_INVALID, "action_code",
				      "must be one of C, R, U, D, E");
	/* A swapped pair of bounds is a client's mistake, not an empty page;
	 * before_seq = after_seq + 1 is the end of a walk down to after_seq. */
	if (err == MED_OK && req->before_seq != 0 &&
	    req->before_seq <= req->after_seq)
		err = med_problem_set(p, MED_ERR_INVALID, "before_seq",
				      "must be greater than after_seq "
				      "(or 0 for no bound)");
	return err;
}

med_err
audit_report_problem(const Smartmed__Audit__V1__PatientAccessReportRequest *req,
		     med_problem *p)
{
	return page_problem(req->limit, AUDIT_REPORT_MAX_LIMIT, req->since_ms,
			    req->until_ms, p);
}

med_err
audit_inclusion_problem(const Smartmed__Audit__V1__InclusionProofRequest *req,
			med_problem *p)
{
	if (req->leaf_case ==
	    SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF__NOT_SET)
		return med_problem_set(p, MED_ERR_INVALID, "leaf",
				       "set event_id or leaf_index");
	return MED_OK;
}

med_err
audit_consistency_problem(
	const Smartmed__Audit__V1__ConsistencyProofRequest *req, med_problem *p)
{
	if (req->first_size == 0)
		return med_problem_set(p, MED_ERR_INVALID, "first_size",
				       "must be at least 1");
	return MED_OK;
}

med_err
audit_tree_size_problem(const char *field, uint64_t size, uint64_t log_size,
			med_problem *p)
{
	if (size > log_size)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "larger than the log (%llu entries)",
				       (unsigned long long)log_size);
	return MED_OK;
}

med_err
audit_leaf_problem(bool by_event, uint64_t leaf_index, uint64_t size,
		   med_problem *p)
{
	if (leaf_index < size)
		return MED_OK;
	if (by_event)
		return med_problem_set(p, MED_ERR_INVALID, "tree_size",
				       "the event is leaf %llu, not in a tree "
				       "of %llu",
				       (unsigned long long)leaf_index,
				       (unsigned long long)size);
	return med_problem_set(p, MED_ERR_INVALID, "leaf_index",
			       "must be below the tree size (%llu)",
			       (unsigned long long)size);
}

med_err
audit_sizes_problem(uint64_t first, uint64_t second, med_problem *p)
{
	if (first > second)
		return med_problem_set(p, MED_ERR_INVALID, "first_size",
				       "must not exceed second_size (%llu)",
				       (unsigned long long)second);
	return MED_OK;
}

med_err
audit_event_time_problem(int64_t time_ms, int64_t now_ms, med_problem *p)
{
	if (time_ms < AUDIT_TIME_MIN_MS)
		return med_problem_set(p, MED_ERR_INVALID, "time_ms",
				       "%lld is before 2000-01-01",
				       (long long)time_ms);
	if (time_ms > now_ms && time_ms - now_ms > AUDIT_TIME_MAX_AHEAD_MS)
		return med_problem_set(p, MED_ERR_INVALID, "time_ms",
				       "%lld is more than %d minutes ahead of "
				       "the audit service's clock",
				       (long long)time_ms,
				       AUDIT_TIME_MAX_AHEAD_MS / 60000);
	return MED_OK;
}
