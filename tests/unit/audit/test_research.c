/*
 * test_research.c - the rules of a research project approval
 * (research_rules.c) outside any RPC: each refused field with the reason a
 * caller is told, the edges that pass, and the defaults filled in.
 */
#include <med/arena.h>

#include "testlib.h"

#include "audit_svc.h"

static char *cohort_ids[] = {
	"0b7e7a7c-2f49-4a43-9a51-2f3b8e1c9d01",
	"5d0c3c56-9a2a-4b5e-8c0e-7f6f1d2a3b04",
};

static Smartmed__Audit__V1__ResearchProject
project(void)
{
	Smartmed__Audit__V1__ResearchProject rp;

	smartmed__audit__v1__research_project__init(&rp);
	rp.project_id = "study-1";
	rp.title = "Sepsis outcomes";
	rp.researcher = "researcher.test";
	rp.patient_ids = cohort_ids;
	rp.n_patient_ids = 2;
	return rp;
}

/* refused expects the project to be refused naming field with want. */
static void
refused(int line, const Smartmed__Audit__V1__ResearchProject *rp,
	const char *field, const char *want)
{
	med_problem p = {0};
	med_err err = audit_research_problem(rp, &p);

	if (err != MED_ERR_INVALID || strcmp(p.field, field) != 0 ||
	    strstr(p.reason, want) == NULL)
		mt_fail(__FILE__, line, "error %d, \"%s: %s\", want \"%s: %s\"",
			err, p.field, p.reason, field, want);
}

static void
test_accepted_edges(void)
{
	Smartmed__Audit__V1__ResearchProject rp = project();
	char id[AUDIT_RESEARCH_ID_MAX + 1];
	med_problem p = {0};

	MT_OK(audit_research_problem(&rp, &p));
	memset(id, 'a', AUDIT_RESEARCH_ID_MAX);
	id[AUDIT_RESEARCH_ID_MAX] = '\0';
	rp.project_id = id;
	rp.min_group_size = AUDIT_RESEARCH_K_MIN;
	rp.valid_days = AUDIT_RESEARCH_DAYS_MAX;
	MT_OK(audit_research_problem(&rp, &p));
	rp.project_id = "A.b_c-9";
	rp.min_group_size = AUDIT_RESEARCH_K_MAX;
	rp.valid_days = 1;
	MT_OK(audit_research_problem(&rp, &p));
}

static void
test_project_id(void)
{
	Smartmed__Audit__V1__ResearchProject rp = project();
	char id[AUDIT_RESEARCH_ID_MAX + 2];

	MT_TRUE(!audit_research_id_is_valid(""));
	MT_TRUE(!audit_research_id_is_valid("a b"));
	MT_TRUE(!audit_research_id_is_valid("a/b"));
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	rp.project_id = id;
	refused(__LINE__, &rp, "project.project_id", "must be 1..64");
}

static void
test_title_and_researcher(void)
{
	Smartmed__Audit__V1__ResearchProject rp = project();

	rp.title = "line\nbreak";
	refused(__LINE__, &rp, "project.title", "control characters");
	rp = project();
	rp.researcher = "";
	refused(__LINE__, &rp, "project.researcher", "must not be empty");
	rp.researcher = "two words";
	refused(__LINE__, &rp, "project.researcher", "user name");
	rp.researcher = "service:fhir";
	refused(__LINE__, &rp, "project.researcher", "not a service");
}

static void
test_numbers(void)
{
	Smartmed__Audit__V1__ResearchProject rp = project();

	rp.n_patient_ids = 0;
	refused(__LINE__, &rp, "project.patient_ids", "1..10000");
	rp.n_patient_ids = AUDIT_RESEARCH_COHORT_MAX + 1;
	refused(__LINE__, &rp, "project.patient_ids", "1..10000");
	rp = project();
	rp.min_group_size = 1;
	refused(__LINE__, &rp, "project.min_group_size", "2..1000");
	rp.min_group_size = AUDIT_RESEARCH_K_MAX + 1;
	refused(__LINE__, &rp, "project.min_group_size", "2..1000");
	rp = project();
	rp.valid_days = AUDIT_RESEARCH_DAYS_MAX + 1;
	refused(__LINE__, &rp, "project.valid_days", "1..365");
}

static void
test_cohort_duplicates(void)
{
	med_arena *a = med_arena_new(1 << 16);
	char *twice[] = {cohort_ids[0], cohort_ids[1], cohort_ids[0]};
	med_problem p = {0};

	MT_TRUE(a != NULL);
	MT_OK(audit_research_cohort_problem(cohort_ids, 2, a, &p));
	MT_EQ_INT(audit_research_cohort_problem(twice, 3, a, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "project.patient_ids");
	med_arena_free(a);
}

static void
test_complete_defaults(void)
{
	Smartmed__Audit__V1__ResearchProject rp = project();
	const int64_t now = INT64_C(1795000000000);

	rp.revoked_ms = 7;
	audit_research_complete(&rp, "auditor.test", now);
	MT_EQ_INT(rp.min_group_size, AUDIT_RESEARCH_K_DEFAULT);
	MT_EQ_INT(rp.valid_days, AUDIT_RESEARCH_DAYS_DEFAULT);
	MT_EQ_STR(rp.approved_by, "auditor.test");
	MT_TRUE(rp.approved_ms == now);
	MT_TRUE(rp.expires_ms == now + 30 * INT64_C(86400000));
	MT_TRUE(rp.revoked_ms == 0);
	rp = project();
	rp.min_group_size = 11;
	rp.valid_days = 365;
	audit_research_complete(&rp, "auditor.test", now);
	MT_EQ_INT(rp.min_group_size, 11);
	MT_TRUE(rp.expires_ms == now + 365 * INT64_C(86400000));
}

static const mt_case cases[] = {
	{"accepted_edges", test_accepted_edges},
	{"project_id", test_project_id},
	{"title_and_researcher", test_title_and_researcher},
	{"numbers", test_numbers},
	{"cohort_duplicates", test_cohort_duplicates},
	{"complete_defaults", test_complete_defaults},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
