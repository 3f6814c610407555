/*
 * test_domain.c - diagnosis's rules (domain.c) outside any RPC: ICD-10
 * codes and FHIR R4's Condition status rules, each with the field and
 * reason a caller is told.
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

static const mt_case cases[] = {
	{"icd10_accepted", test_icd10_accepted},
	{"icd10_refused", test_icd10_refused},
	{"statuses_ok", test_statuses_ok},
	{"statuses_refused", test_statuses_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
