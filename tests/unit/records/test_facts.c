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

static const mt_case cases[] = {
	{"egfr_needs_its_equation", test_egfr_needs_its_equation},
	{"previous_weight", test_previous_weight},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
