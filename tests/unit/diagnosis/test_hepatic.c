/*
 * test_hepatic.c - what the problem list says of the liver
 * (diagnosis_hepatic_add): which codes count, which statuses, and the
 * worst Child-Pugh class.
 */
#include "testlib.h"

#include "diagnosis.h"

#define ST(x) SMARTMED__DIAGNOSIS__V1__##x

static diagnosis_condition
cond(const char *system, const char *code)
{
	diagnosis_condition c = SMARTMED__DIAGNOSIS__V1__CONDITION__INIT;

	c.code_system = (char *)system;
	c.code = (char *)code;
	c.clinical_status = ST(CLINICAL_STATUS__CLINICAL_STATUS_ACTIVE);
	c.verification_status =
		ST(VERIFICATION_STATUS__VERIFICATION_STATUS_CONFIRMED);
	return c;
}

static void
test_liver_codes(void)
{
	const char *yes[] = {"K70", "K70.30", "K74.6", "K72.10", "K77.8"};
	const char *no[] = {"K69", "K78", "K80.2", "K7", "B18.2"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		diagnosis_hepatic h = {0};
		diagnosis_condition c = cond("ICD-10", yes[i]);

		MT_TRUE(diagnosis_hepatic_add(&h, &c));
		MT_TRUE(h.impairment);
		MT_EQ_INT(h.child_pugh, 0);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		diagnosis_hepatic h = {0};
		diagnosis_condition c = cond("ICD-10", no[i]);

		MT_TRUE(!diagnosis_hepatic_add(&h, &c));
		MT_TRUE(!h.impairment);
	}
	{
		diagnosis_hepatic h = {0};
		diagnosis_condition c = cond("SNOMED-CT", "19943007");

		MT_TRUE(diagnosis_hepatic_add(&h, &c));
		c = cond("local", "K74.6"); /* not a code system we read */
		h.impairment = false;
		MT_TRUE(!diagnosis_hepatic_add(&h, &c));
	}
}

static void
test_statuses_count(void)
{
	diagnosis_hepatic h = {0};
	diagnosis_condition c = cond("ICD-10", "K74.6");

	c.clinical_status = ST(CLINICAL_STATUS__CLINICAL_STATUS_RESOLVED);
	MT_TRUE(!diagnosis_hepatic_add(&h, &c));
	c.clinical_status = ST(CLINICAL_STATUS__CLINICAL_STATUS_RELAPSE);
	c.verification_status =
		ST(VERIFICATION_STATUS__VERIFICATION_STATUS_REFUTED);
	MT_TRUE(!diagnosis_hepatic_add(&h, &c));
	c.verification_status =
		ST(VERIFICATION_STATUS__VERIFICATION_STATUS_PROVISIONAL);
	MT_TRUE(diagnosis_hepatic_add(&h, &c));
}

static void
test_worst_child_pugh(void)
{
	diagnosis_hepatic h = {0};
	diagnosis_condition b = cond(DIAGNOSIS_CHILD_PUGH, "B");
	diagnosis_condition c = cond(DIAGNOSIS_CHILD_PUGH, "C");
	diagnosis_condition a = cond(DIAGNOSIS_CHILD_PUGH, "A");
	diagnosis_condition d = cond(DIAGNOSIS_CHILD_PUGH, "D");

	MT_TRUE(diagnosis_hepatic_add(&h, &b));
	MT_TRUE(diagnosis_hepatic_add(&h, &c));
	MT_TRUE(diagnosis_hepatic_add(&h, &a));
	MT_EQ_INT(h.child_pugh, 'C');
	MT_TRUE(h.impairment);
	MT_TRUE(!diagnosis_hepatic_add(&h, &d));
}

/* Pregnancy: Z33.1 or O00-O9A, SNOMED CT 77386006, current only. */
static void
test_pregnancy_codes(void)
{
	const char *yes[] = {"Z33.1", "O00",   "O09.91", "O26.9",
			     "O99.0", "O9A.1", "O80"};
	const char *no[] = {"Z33.2", "Z34", "N80", "O", "OA1", "P00.0"};
	diagnosis_condition c;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		c = cond("ICD-10-CM", yes[i]);
		MT_TRUE(diagnosis_pregnancy_code(&c));
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		c = cond("ICD-10", no[i]);
		MT_TRUE(!diagnosis_pregnancy_code(&c));
	}
	c = cond("SNOMED-CT", "77386006");
	MT_TRUE(diagnosis_pregnancy_code(&c));
	c.clinical_status = ST(CLINICAL_STATUS__CLINICAL_STATUS_RESOLVED);
	MT_TRUE(!diagnosis_pregnancy_code(&c));
	c = cond("SNOMED-CT", "77386006");
	c.verification_status =
		ST(VERIFICATION_STATUS__VERIFICATION_STATUS_ENTERED_IN_ERROR);
	MT_TRUE(!diagnosis_pregnancy_code(&c));
}

static const mt_case cases[] = {
	{"pregnancy_codes", test_pregnancy_codes},
	{"liver_codes", test_liver_codes},
	{"statuses_count", test_statuses_count},
	{"worst_child_pugh", test_worst_child_pugh},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
