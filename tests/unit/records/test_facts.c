/*
 * test_facts.c - the measurements GetMedicationFacts answers
 * (records_facts_measurements): an eGFR only with its equation and in
 * mL/min/{1.73_m2}, the latest one winning; the weight before the latest
 * for dosage's jump rule; entries entered in error never count.
 */
#include "testlib.h"

#include "records.h"

#include <med/arena.h>

#include <string.h>

#define ST(x) SMARTMED__RECORDS__V1__##x

typedef struct obs_entry {
	records_entry e;
	Smartmed__Records__V1__Observation o;
} obs_entry;

static void
obs(obs_entry *x, const char *id, const char *loinc, double v, const char *unit,
    const char *method, int64_t at_ms)
{
	records_entry e = SMARTMED__RECORDS__V1__ENTRY__INIT;
	Smartmed__Records__V1__Observation o =
		SMARTMED__RECORDS__V1__OBSERVATION__INIT;

	x->e = e;
	x->o = o;
	x->e.entry_id = (char *)id;
	x->e.status = ST(ENTRY_STATUS__ENTRY_STATUS_FINAL);
	x->e.created_ms = at_ms;
	x->e.content_case = ST(ENTRY__CONTENT_OBSERVATION);
	x->e.observation = &x->o;
	x->o.loinc_code = (char *)loinc;
	x->o.value_case = ST(OBSERVATION__VALUE_NUMERIC);
	x->o.numeric = v;
	x->o.ucum_unit = (char *)unit;
	x->o.method = (char *)method;
	x->o.effective_ms = at_ms;
}

static void
test_egfr_needs_its_equation(void)
{
	med_arena *a = med_arena_new(1 << 16);
	Smartmed__Records__V1__MedicationFacts f =
		SMARTMED__RECORDS__V1__MEDICATION_FACTS__INIT;
	obs_entry x[4];
	records_entry *e[4];

	obs(&x[0], "e0", "98979-8", 25, "mL/min/{1.73_m2}", "", 1000);
	/* Later, but in the wrong unit: not an eGFR we read. */
	obs(&x[1], "e1", "98979-8", 90, "mL/min", "", 2000);
	/* Later, no equation in code or method (written before the rule). */
	obs(&x[2], "e2", "69405-9", 80, "mL/min/{1.73_m2}", "", 3000);
	/* Earlier, with its equation named: not the latest. */
	obs(&x[3], "e3", "69405-9", 40, "mL/min/{1.73_m2}", "MDRD", 500);
	for (int i = 0; i < 4; i++)
		e[i] = &x[i].e;
	MT_OK(records_facts_measurements(a, e, 4, &f));
	MT_TRUE(f.egfr->present);
	MT_NEAR(f.egfr->value, 25, 1e-12);
	MT_EQ_STR(f.egfr->equation, "CKD-EPI 2021");
	MT_EQ_STR(f.egfr->entry_id, "e0");
	/* Entered in error: the MDRD one is all that is left. */
	x[0].e.status = ST(ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR);
	MT_OK(records_facts_measurements(a, e, 4, &f));
	MT_NEAR(f.egfr->value, 40, 1e-12);
	MT_EQ_STR(f.egfr->equation, "MDRD");
	MT_TRUE(!f.crcl->present);
	med_arena_free(a);
}

static void
test_previous_weight(void)
{
	med_arena *a = med_arena_new(1 << 16);
	Smartmed__Records__V1__MedicationFacts f =
		SMARTMED__RECORDS__V1__MEDICATION_FACTS__INIT;
	obs_entry x[3];
	records_entry *e[3];

	obs(&x[0], "w0", "29463-7", 70, "kg", "", 1000);
	obs(&x[1], "w1", "29463-7", 90000, "g", "", 3000);
	obs(&x[2], "w2", "29463-7", 72, "kg", "", 2000);
	for (int i = 0; i < 3; i++)
		e[i] = &x[i].e;
	MT_OK(records_facts_measurements(a, e, 3, &f));
	MT_NEAR(f.weight->value, 90, 1e-9);
	MT_TRUE(f.previous_weight->present);
	MT_NEAR(f.previous_weight->value, 72, 1e-9);
	MT_EQ_STR(f.previous_weight->entry_id, "w2");
	/* One weight only: no previous. */
	MT_OK(records_facts_measurements(a, e, 1, &f));
	MT_TRUE(!f.previous_weight->present);
	med_arena_free(a);
}

/* Lab values: by LOINC code, converted, the latest winning, a unit that
 * does not convert flagged (value as charted). */
static void
test_labs_converted_and_flagged(void)
{
	med_arena *a = med_arena_new(1 << 16);
	Smartmed__Records__V1__MedicationFacts f =
		SMARTMED__RECORDS__V1__MEDICATION_FACTS__INIT;
	obs_entry x[7];
	records_entry *e[7];

	obs(&x[0], "k0", "2823-3", 4.0, "mmol/L", "", 1000);
	obs(&x[1], "k1", "6298-4", 6.1, "meq/L", "", 2000);
	obs(&x[2], "g0", "2345-7", 72.064, "mg/dL", "", 1000);
	obs(&x[3], "c0", "2160-0", 2.0, "mg/dL", "", 1000);
	obs(&x[4], "i0", "6301-6", 6.2, "{INR}", "", 1000);
	obs(&x[5], "c1", "14682-9", 100, "umol/L", "", 500);
	/* Glucose later, in a unit that does not convert. */
	obs(&x[6], "g1", "2339-0", 5.5, "mg/L", "", 3000);
	for (int i = 0; i < 7; i++)
		e[i] = &x[i].e;
	MT_OK(records_facts_labs(a, e, 7, &f));
	MT_TRUE(f.potassium->present && !f.potassium->unit_unusable);
	MT_NEAR(f.potassium->value, 6.1, 1e-12);
	MT_EQ_STR(f.potassium->unit, "mmol/L");
	MT_EQ_STR(f.potassium->entry_id, "k1");
	MT_NEAR(f.inr->value, 6.2, 1e-12);
	MT_NEAR(f.creatinine->value, 176.84, 1e-9);
	MT_EQ_STR(f.creatinine->unit, "umol/L");
	MT_TRUE(f.glucose->present && f.glucose->unit_unusable);
	MT_NEAR(f.glucose->value, 5.5, 1e-12);
	MT_EQ_STR(f.glucose->unit, "mg/L");
	MT_EQ_STR(f.glucose->charted_unit, "mg/L");
	/* Entered in error: the mg/dL one, converted. */
	x[6].e.status = ST(ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR);
	MT_OK(records_facts_labs(a, e, 7, &f));
	MT_TRUE(!f.glucose->unit_unusable);
	MT_NEAR(f.glucose->value, 4.0, 1e-9);
	MT_TRUE(!f.pregnancy_test->present);
	med_arena_free(a);
}

static void
test_pregnancy_test(void)
{
	med_arena *a = med_arena_new(1 << 16);
	Smartmed__Records__V1__MedicationFacts f =
		SMARTMED__RECORDS__V1__MEDICATION_FACTS__INIT;
	obs_entry x[2];
	records_entry *e[2];

	MT_TRUE(records_pregnancy_positive("Positive"));
	MT_TRUE(records_pregnancy_positive(" detected. "));
	MT_TRUE(!records_pregnancy_positive("Negative"));
	MT_TRUE(!records_pregnancy_positive("not pregnant"));
	obs(&x[0], "h0", "2106-3", 0, "", "", 1000);
	x[0].o.value_case = ST(OBSERVATION__VALUE_TEXT);
	x[0].o.text = "Positive";
	obs(&x[1], "h1", "82810-3", 0, "", "", 500);
	x[1].o.value_case = ST(OBSERVATION__VALUE_TEXT);
	x[1].o.text = "Negative";
	e[0] = &x[0].e;
	e[1] = &x[1].e;
	MT_OK(records_facts_labs(a, e, 2, &f));
	MT_TRUE(f.pregnancy_test->present && f.pregnancy_test->positive);
	MT_EQ_STR(f.pregnancy_test->loinc_code, "2106-3");
	/* A later negative test ends it. */
	x[1].e.created_ms = x[1].o.effective_ms = 2000;
	MT_OK(records_facts_labs(a, e, 2, &f));
	MT_TRUE(f.pregnancy_test->present && !f.pregnancy_test->positive);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"egfr_needs_its_equation", test_egfr_needs_its_equation},
	{"previous_weight", test_previous_weight},
	{"labs_converted_and_flagged", test_labs_converted_and_flagged},
	{"pregnancy_test", test_pregnancy_test},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
