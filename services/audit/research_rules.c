/*
 * research_rules.c - what an auditor's approval of a research project must
 * say (ResearchProject in audit.proto), free of gRPC and SQL.  Patient id
 * format and text lengths are checked by the handler with <med/check.h>;
 * these are the rules of the project itself.
 */
#include <med/arena.h>
#include <med/auth.h>
#include <med/fhir.h>

#include <stdlib.h>
#include <string.h>

#include "audit_svc.h"

#define DAY_MS INT64_C(86400000)

bool
audit_research_id_is_valid(const char *id)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789._-";
	size_t n = strlen(id);

	return n >= 1 && n <= AUDIT_RESEARCH_ID_MAX && strspn(id, allowed) == n;
}

/* user_name_problem: a user name as the token sources accept one. */
static med_err
user_name_problem(const char *field, const char *name, med_problem *p)
{
	size_t n = strlen(name);

	if (n == 0)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be empty");
	if (n >= MED_PRINCIPAL_NAME_MAX)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must be at most %d bytes",
				       MED_PRINCIPAL_NAME_MAX - 1);
	if (strpbrk(name, " \t") != NULL || !med_fhir_string_ok(name, false))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must be a user name (no spaces or "
				       "control characters)");
	if (med_principal_name_is_reserved(name, n))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must name a user, not a service");
	return MED_OK;
}

/* in_range_problem: 0 (the default) or lo..hi. */
static med_err
in_range_problem(const char *field, uint32_t v, uint32_t lo, uint32_t hi,
		 med_problem *p)
{
	if (v != 0 && (v < lo || v > hi))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must be %u..%u, or 0 for the default",
				       lo, hi);
	return MED_OK;
}

med_err
audit_research_problem(const Smartmed__Audit__V1__ResearchProject *rp,
		       med_problem *p)
{
	med_err err;

	if (!audit_research_id_is_valid(rp->project_id))
		return med_problem_set(p, MED_ERR_INVALID, "project.project_id",
				       "must be 1..%d of A-Z a-z 0-9 . _ -",
				       AUDIT_RESEARCH_ID_MAX);
	if (!med_fhir_string_ok(rp->title, false))
		return med_problem_set(p, MED_ERR_INVALID, "project.title",
				       "must not hold control characters");
	if ((err = user_name_problem("project.researcher", rp->researcher,
				     p)) != MED_OK)
		return err;
	if (rp->n_patient_ids == 0 ||
	    rp->n_patient_ids > AUDIT_RESEARCH_COHORT_MAX)
		return med_problem_set(
			p, MED_ERR_INVALID, "project.patient_ids",
			"must name 1..%d patients", AUDIT_RESEARCH_COHORT_MAX);
	if ((err = in_range_problem("project.min_group_size",
				    rp->min_group_size, AUDIT_RESEARCH_K_MIN,
				    AUDIT_RESEARCH_K_MAX, p)) != MED_OK)
		return err;
	return in_range_problem("project.valid_days", rp->valid_days, 1,
				AUDIT_RESEARCH_DAYS_MAX, p);
}

static int
compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

med_err
audit_research_cohort_problem(char *const *ids, size_t n, med_arena *scratch,
			      med_problem *p)
{
	char **sorted;

	if (n < 2)
		return MED_OK;
	sorted = med_arena_alloc(scratch, n * sizeof(*sorted));
	if (sorted == NULL)
		return MED_ERR_NOMEM;
	memcpy(sorted, ids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), compare_ids);
	for (size_t i = 1; i < n; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			return med_problem_set(p, MED_ERR_INVALID,
					       "project.patient_ids",
					       "names a patient twice");
	return MED_OK;
}

void
audit_research_complete(Smartmed__Audit__V1__ResearchProject *rp,
			const char *approved_by, int64_t now_ms)
{
	if (rp->min_group_size == 0)
		rp->min_group_size = AUDIT_RESEARCH_K_DEFAULT;
	if (rp->valid_days == 0)
		rp->valid_days = AUDIT_RESEARCH_DAYS_DEFAULT;
	rp->approved_by = (char *)approved_by;
	rp->approved_ms = now_ms;
	rp->expires_ms = now_ms + (int64_t)rp->valid_days * DAY_MS;
	rp->revoked_ms = 0;
	rp->revoked_by = (char *)protobuf_c_empty_string;
}
