/*
 * test_domain.c - diagnosis's rules (domain.c) outside any RPC: ICD-10
 * codes, FHIR R4's Condition status rules, care plans and the review of a
 * finding, each with the field and reason a caller is told.
 */
#include "testlib.h"

#include "diagnosis.h"

#define ACTIVE SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_ACTIVE
#define RESOLVED                                                               \
	SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_RESOLVED
#define REMISSION                                                              \
	SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_REMISSION
#define CONFIRMED                                                              \
	SMARTMED__DIAGNOSIS__V1__VERIFICATION_STATUS__VERIFICATION_STATUS_CONFIRMED
#define IN_ERROR                                                               \
	SMARTMED__DIAGNOSIS__V1__VERIFICATION_STATUS__VERIFICATION_STATUS_ENTERED_IN_ERROR
#define FINDING(s) SMARTMED__DIAGNOSIS__V1__FINDING_STATUS__FINDING_STATUS_##s
#define N_OF(a)	   (sizeof(a) / sizeof((a)[0]))

typedef Smartmed__Diagnosis__V1__SetCarePlanRequest plan_req;
typedef Smartmed__Diagnosis__V1__Goal plan_goal;
typedef Smartmed__Diagnosis__V1__Activity plan_activity;

/* refused expects a problem naming field, with want in its reason. */
static void
refused(med_err err, const med_problem *p, const char *field, const char *want)
{
	MT_EQ_INT(err, MED_ERR_INVALID);
	MT_EQ_INT(p->err, MED_ERR_INVALID);
	MT_EQ_STR(p->field, field);
	if (strstr(p->reason, want) == NULL)
		mt_fail(__FILE__, __LINE__, "reason \"%s\" lacks \"%s\"",
			p->reason, want);
}

static void
test_icd10_accepted(void)
{
	static const char *good[] = {"I10", "J18.9",  "E11.65", "S72.001A",
				     "C50", "Z00.00", "U07.1",	"A0000"};
	med_problem p = {0};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (diagnosis_icd10_problem("code", good[i], &p) != MED_OK)
			mt_fail(__FILE__, __LINE__, "%s refused: %s", good[i],
				p.reason);
}

static void
test_icd10_refused(void)
{
	static const char *bad[] = {"i10",	 "J1",	  "18.9",  "J18.",
				    "J18.99999", "J18-9", "JJ8.9", "J18.9 "};
	med_problem p = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		refused(diagnosis_icd10_problem("code", bad[i], &p), &p, "code",
			"not an ICD-10 code");
	}
	refused(diagnosis_icd10_problem("code", "", &p), &p, "code",
		"must not be empty");
}

static void
test_statuses_ok(void)
{
	med_problem p = {0};

	MT_OK(diagnosis_statuses_problem(ACTIVE, CONFIRMED, "2024-01-02", "",
					 &p));
	MT_OK(diagnosis_statuses_problem(RESOLVED, CONFIRMED, "2024-01-02",
					 "2024-02-01", &p));
	MT_OK(diagnosis_statuses_problem(REMISSION, CONFIRMED, "", "2024-02-01",
					 &p));
	/* con-5: entered in error carries no clinical status */
	MT_OK(diagnosis_statuses_problem(0, IN_ERROR, "", "", &p));
}

static void
test_statuses_refused(void)
{
	med_problem p = {0};

	refused(diagnosis_statuses_problem(ACTIVE, 0, "", "", &p), &p,
		"verification_status", "must be set");
	refused(diagnosis_statuses_problem(ACTIVE, 99, "", "", &p), &p,
		"verification_status", "unknown value");
	refused(diagnosis_statuses_problem(0, CONFIRMED, "", "", &p), &p,
		"clinical_status", "must be set");
	refused(diagnosis_statuses_problem(ACTIVE, IN_ERROR, "", "", &p), &p,
		"clinical_status", "entered in error");
	/* con-4: an abated condition is not active */
	refused(diagnosis_statuses_problem(ACTIVE, CONFIRMED, "", "2024-02-01",
					   &p),
		&p, "abatement_date", "inactive, resolved or in remission");
	refused(diagnosis_statuses_problem(RESOLVED, CONFIRMED, "2024-03-01",
					   "2024-02-01", &p),
		&p, "abatement_date", "before onset_date");
}

/* statuses_all walks every declared pair: entered in error takes no
 * clinical status, every other verification status takes any. */
static void
test_statuses_all(void)
{
	med_problem p = {0};

	for (int v = 1; v <= IN_ERROR; v++) {
		for (int c = 1; c <= REMISSION; c++) {
			med_err err =
				diagnosis_statuses_problem(c, v, "", "", &p);
			MT_EQ_INT(err,
				  v == IN_ERROR ? MED_ERR_INVALID : MED_OK);
		}
	}
}

/* abated: FHIR con-4 allows only inactive, resolved and remission. */
static void
test_statuses_abated(void)
{
	med_problem p = {0};

	for (int c = 1; c <= REMISSION; c++) {
		bool ok =
			c == SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_INACTIVE ||
			c == RESOLVED || c == REMISSION;
		med_err err = diagnosis_statuses_problem(
			c, CONFIRMED, "2024-01-01", "2024-01-01", &p);

		MT_EQ_INT(err, ok ? MED_OK : MED_ERR_INVALID);
	}
	/* entered in error: no clinical status, so an abatement is fine */
	MT_OK(diagnosis_statuses_problem(0, IN_ERROR, "", "2024-02-01", &p));
}

static void
test_plan_dates(void)
{
	static const char *good[] = {"",	   "2024-02-29", "2000-02-29",
				     "1900-01-01", "2199-12-31", "2031-04-30"};
	static const char *bad[] = {
		"2023-02-29", "1900-02-29", "2100-02-29",  "1899-12-31",
		"3000-01-01", "2200-01-01", "2999-12-31",  "9999-12-31",
		"2024-13-01", "2024-00-10", "2024-04-31",  "2024-01-00",
		"2024-1-01",  "2024/01/01", "2024-01-01T", "2024-01- 1",
		"2024-+1-01", " 024-01-01", "20240101"};
	med_problem p = {0};

	for (size_t i = 0; i < N_OF(good); i++)
		if (diagnosis_plan_date_problem("d", good[i], &p) != MED_OK)
			mt_fail(__FILE__, __LINE__, "%s refused", good[i]);
	for (size_t i = 0; i < N_OF(bad); i++) {
		memset(&p, 0, sizeof(p));
		refused(diagnosis_plan_date_problem("goals[2].target_date",
						    bad[i], &p),
			&p, "goals[2].target_date",
			"must be a date YYYY-MM-DD");
	}
}

/* A valid plan to break one field at a time: up to 21 conditions, 51
 * goals and 101 activities, of which plan() lists 2, 1 and 1. */
static char *plan_ids[21] = {"c1",  "c2",  "c3",  "c4",	 "c5",	"c6",  "c7",
			     "c8",  "c9",  "c10", "c11", "c12", "c13", "c14",
			     "c15", "c16", "c17", "c18", "c19", "c20", "c21"};
static plan_goal plan_goals[51];
static plan_goal *plan_goal_ptrs[51];
static plan_activity plan_acts[101];
static plan_activity *plan_act_ptrs[101];

/* plan_reset makes every goal and activity valid again. */
static void
plan_reset(void)
{
	for (size_t i = 0; i < N_OF(plan_goals); i++) {
		smartmed__diagnosis__v1__goal__init(&plan_goals[i]);
		plan_goals[i].description = "walk 1 km";
		plan_goals[i].status = 1;
		plan_goals[i].target_date = "2031-01-31";
		plan_goal_ptrs[i] = &plan_goals[i];
	}
	for (size_t i = 0; i < N_OF(plan_acts); i++) {
		smartmed__diagnosis__v1__activity__init(&plan_acts[i]);
		plan_acts[i].description = "physiotherapy";
		plan_acts[i].status = 2;
		plan_act_ptrs[i] = &plan_acts[i];
	}
}

static plan_req
plan(void)
{
	plan_req r = SMARTMED__DIAGNOSIS__V1__SET_CARE_PLAN_REQUEST__INIT;

	plan_reset();
	r.patient_id = "p";
	r.title = "Recovery";
	r.status =
		SMARTMED__DIAGNOSIS__V1__CARE_PLAN_STATUS__CARE_PLAN_STATUS_ACTIVE;
	r.condition_ids = plan_ids;
	r.goals = plan_goal_ptrs;
	r.activities = plan_act_ptrs;
	r.n_condition_ids = 2;
	r.n_goals = r.n_activities = 1;
	return r;
}

/* plan_refused expects the plan refused on field, want in the reason. */
static void
plan_refused(const plan_req *r, const char *field, const char *want)
{
	med_problem p = {0};

	refused(diagnosis_care_plan_problem(r, &p), &p, field, want);
}

static void
test_care_plan_accepted(void)
{
	plan_req r = plan();
	med_problem p = {0};

	MT_OK(diagnosis_care_plan_problem(&r, &p));
	/* the limits themselves; dates left open; every declared status */
	r.n_condition_ids = 20;
	r.n_goals = 50;
	r.n_activities = 100;
	plan_goals[3].target_date = "";
	MT_OK(diagnosis_care_plan_problem(&r, &p));
	r.n_goals = r.n_activities = 0;
	for (int s = 1; s <= 6; s++) {
		r.status = s;
		MT_OK(diagnosis_care_plan_problem(&r, &p));
	}
	r.n_goals = r.n_activities = 1;
	for (int s = 1; s <= 9; s++) {
		plan_goals[0].status = s;
		plan_acts[0].status = s;
		MT_OK(diagnosis_care_plan_problem(&r, &p));
	}
	/* replacing names the version read */
	r.care_plan_id = "plan";
	r.expected_version = 4;
	MT_OK(diagnosis_care_plan_problem(&r, &p));
}

static void
test_care_plan_refused(void)
{
	plan_req r = plan();

	r.status = 0;
	plan_refused(&r, "status", "must be set");
	r.status = 7;
	plan_refused(&r, "status", "unknown value");
	r = plan();
	r.n_condition_ids = 0;
	plan_refused(&r, "condition_ids", "1 to 20 conditions");
	r.n_condition_ids = 21;
	plan_refused(&r, "condition_ids", "1 to 20 conditions");
	r.n_condition_ids = 3;
	plan_ids[2] = "c1";
	plan_refused(&r, "condition_ids[2]", "listed twice");
	plan_ids[2] = "c3";
	r = plan();
	r.n_goals = 51;
	plan_refused(&r, "goals", "at most 50");
	r.n_goals = 1;
	r.n_activities = 101;
	plan_refused(&r, "activities", "at most 100");
	r.care_plan_id = "plan";
	r.n_activities = 1;
	plan_refused(&r, "expected_version",
		     "must be set when replacing a plan");
}

/*
 * item_refused breaks the second item of a list of three (goals or
 * activities): its status (unset, undeclared), then its date, through
 * pointers to that item's fields.
 */
static void
item_refused(const char *list, const char *date_name, int *status, char **date)
{
	plan_req r = plan();
	char field[64];

	r.n_goals = r.n_activities = 3;
	snprintf(field, sizeof(field), "%s[1].status", list);
	*status = 0;
	plan_refused(&r, field, "must be set");
	*status = 10;
	plan_refused(&r, field, "unknown value");
	*status = 1;
	MT_OK(diagnosis_care_plan_problem(&r, &(med_problem){0}));
	snprintf(field, sizeof(field), "%s[1].%s", list, date_name);
	*date = "2031-02-30";
	plan_refused(&r, field, "must be a date");
}

static void
test_care_plan_items(void)
{
	/* protobuf-c's enums are int-sized (PROTOBUF_C__FORCE_ENUM...) */
	item_refused("goals", "target_date", (int *)&plan_goals[1].status,
		     &plan_goals[1].target_date);
	item_refused("activities", "scheduled_date",
		     (int *)&plan_acts[1].status, &plan_acts[1].scheduled_date);
}

/* confirm_is checks a ConfirmFinding: want NULL for accepted, else the
 * reason given on "code". */
static void
confirm_is(bool open, const char *code, const char *display, const char *want)
{
	Smartmed__Diagnosis__V1__ConfirmFindingRequest r =
		SMARTMED__DIAGNOSIS__V1__CONFIRM_FINDING_REQUEST__INIT;
	med_problem p = {0};

	r.finding_id = "f";
	r.open_condition = open;
	r.code = (char *)code;
	r.display = (char *)display;
	if (want == NULL)
		MT_OK(diagnosis_confirm_problem(&r, &p));
	else
		refused(diagnosis_confirm_problem(&r, &p), &p, "code", want);
}

static void
test_confirm(void)
{
	static const char *only = "only with open_condition";

	confirm_is(false, "", "", NULL);
	confirm_is(true, "J18.9", "Pneumonia, unspecified", NULL);
	confirm_is(false, "J18.9", "", only);
	confirm_is(false, "", "Pneumonia", only);
	confirm_is(true, "pneumonia", "Pneumonia", "not an ICD-10 code");
	confirm_is(true, "", "Pneumonia", "must not be empty");
}

/* Only a preliminary finding is decided, once; the decision sets its
 * status. */
static void
test_finding_review(void)
{
	static const struct {
		int status;
		const char *word;
	} done[] = {
		{FINDING(FINAL), "final"},
		{FINDING(CANCELLED), "cancelled"},
		{FINDING(ENTERED_IN_ERROR), "entered in error"},
	};
	med_problem p = {0};

	MT_OK(diagnosis_decide_problem(FINDING(PRELIMINARY), &p));
	MT_EQ_STR(diagnosis_finding_status_word(FINDING(PRELIMINARY)),
		  "preliminary");
	for (size_t i = 0; i < N_OF(done); i++) {
		MT_EQ_STR(diagnosis_finding_status_word(done[i].status),
			  done[i].word);
		MT_EQ_INT(diagnosis_decide_problem(done[i].status, &p),
			  MED_ERR_PRECONDITION);
		MT_EQ_STR(p.field, "finding_id");
		MT_TRUE(strstr(p.reason, "the finding is already") != NULL);
		MT_TRUE(strstr(p.reason, done[i].word) != NULL);
	}
	MT_EQ_INT(diagnosis_decided_status(true, false), FINDING(FINAL));
	MT_EQ_INT(diagnosis_decided_status(true, true), FINDING(FINAL));
	MT_EQ_INT(diagnosis_decided_status(false, false), FINDING(CANCELLED));
	MT_EQ_INT(diagnosis_decided_status(false, true),
		  FINDING(ENTERED_IN_ERROR));
}

static void
test_version(void)
{
	med_problem p = {0};

	MT_OK(diagnosis_version_problem("plan", 3, 3, &p));
	MT_EQ_INT(diagnosis_version_problem("plan", 3, 2, &p),
		  MED_ERR_CONFLICT);
	MT_EQ_STR(p.field, "expected_version");
	MT_EQ_STR(p.reason, "the plan is at version 3");
	MT_EQ_INT(diagnosis_version_problem("condition", 1, 9, &p),
		  MED_ERR_CONFLICT);
	MT_EQ_STR(p.reason, "the condition is at version 1");
}

static const mt_case cases[] = {
	{"icd10_accepted", test_icd10_accepted},
	{"icd10_refused", test_icd10_refused},
	{"statuses_ok", test_statuses_ok},
	{"statuses_refused", test_statuses_refused},
	{"statuses_all", test_statuses_all},
	{"statuses_abated", test_statuses_abated},
	{"plan_dates", test_plan_dates},
	{"care_plan_accepted", test_care_plan_accepted},
	{"care_plan_refused", test_care_plan_refused},
	{"care_plan_items", test_care_plan_items},
	{"confirm", test_confirm},
	{"finding_review", test_finding_review},
	{"version", test_version},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
