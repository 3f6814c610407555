/*
 * test_family.c - a merged record's picture is its survivor's (family.c):
 * which ids a dose check's queries bind, and how two records' contexts and
 * record facts join (the newer measurement, every allergy).
 */
#include "testlib.h"

#include "dosage.h"
#include "patient.h"

#include <string.h>

#define SURVIVOR "11111111-1111-4111-8111-111111111111"
#define ED	 "22222222-2222-4222-8222-222222222222"
#define OTHER	 "33333333-3333-4333-8333-333333333333"

static const char *
bound(const med_db_value *v, size_t i)
{
	static char buf[64];

	memcpy(buf, v[i].p, v[i].len);
	buf[v[i].len] = '\0';
	return buf;
}

static void
test_bind_family(void)
{
	dosage_family f = {{SURVIVOR, ED}, 2};
	med_db_value v[DOSAGE_FAMILY_MAX];

	MT_EQ_INT((int)dosage_family_bind(&f, SURVIVOR, v), DOSAGE_FAMILY_MAX);
	MT_EQ_STR(bound(v, 0), SURVIVOR);
	MT_EQ_STR(bound(v, 1), ED);
	/* The slots left repeat the patient: one statement for any size. */
	MT_EQ_STR(bound(v, 2), SURVIVOR);
	MT_EQ_STR(bound(v, DOSAGE_FAMILY_MAX - 1), SURVIVOR);
}

/* A family that is not the patient's (or none) binds the patient alone:
 * no query reads another patient's doses by mistake. */
static void
test_bind_other_patient(void)
{
	dosage_family f = {{SURVIVOR, ED}, 2};
	med_db_value v[DOSAGE_FAMILY_MAX];

	(void)dosage_family_bind(&f, OTHER, v);
	for (size_t i = 0; i < DOSAGE_FAMILY_MAX; i++)
		MT_EQ_STR(bound(v, i), OTHER);
	(void)dosage_family_bind(NULL, OTHER, v);
	MT_EQ_STR(bound(v, 1), OTHER);
}

static void
test_merged_ids(void)
{
	dosage_family f = {{SURVIVOR, ED, OTHER}, 3};
	dosage_family alone = {{SURVIVOR}, 1};
	const char *const *ids;

	MT_EQ_INT((int)dosage_family_merged(&f, SURVIVOR, &ids), 2);
	MT_EQ_STR(ids[0], ED);
	MT_EQ_STR(ids[1], OTHER);
	MT_EQ_INT((int)dosage_family_merged(&f, ED, &ids), 0);
	MT_EQ_INT((int)dosage_family_merged(&alone, SURVIVOR, &ids), 0);
	MT_EQ_INT((int)dosage_family_merged(NULL, SURVIVOR, &ids), 0);
}

static dosage_context
context(double kg, int64_t kg_ms, bool known, char **allergies, size_t n)
{
	dosage_context c;

	smartmed__dosage__v1__patient_context__init(&c);
	if (kg > 0) {
		c.weight_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
		c.weight_kg = kg;
		c.weight_measured_ms = kg_ms;
	}
	c.allergies_known = known;
	c.allergies = allergies;
	c.n_allergies = n;
	return c;
}

/* The newer weight wins whichever record holds it; allergies join. */
static void
test_context_join(void)
{
	med_arena *a = med_arena_new(4096);
	char *pen[] = {"penicillin"}, *latex[] = {"latex"};
	dosage_context dst = context(70, 2000, true, latex, 1);
	dosage_context ed = context(80, 1000, true, pen, 1);

	dosage_context_join(a, &dst, &ed);
	MT_NEAR(dst.weight_kg, 70, 1e-9);
	MT_EQ_INT((int)dst.n_allergies, 2);
	MT_EQ_STR(dst.allergies[0], "latex");
	MT_EQ_STR(dst.allergies[1], "penicillin");
	ed.weight_measured_ms = 3000;
	dosage_context_join(a, &dst, &ed);
	MT_NEAR(dst.weight_kg, 80, 1e-9);
	med_arena_free(a);
}

/* An assessment on either record is one: the ED's allergy is known even
 * when the ward never asked. */
static void
test_context_join_assessment(void)
{
	med_arena *a = med_arena_new(4096);
	char *pen[] = {"penicillin"};
	dosage_context dst = context(70, 2000, false, NULL, 0);
	dosage_context ed = context(0, 0, true, pen, 1);
	dosage_context none = context(0, 0, false, NULL, 0);

	dosage_context_join(a, &dst, &ed);
	MT_TRUE(dst.allergies_known);
	MT_EQ_INT((int)dst.n_allergies, 1);
	MT_EQ_STR(dst.allergies[0], "penicillin");
	MT_NEAR(dst.weight_kg, 70, 1e-9);
	/* A record that was never assessed takes nothing away. */
	dosage_context_join(a, &dst, &none);
	MT_TRUE(dst.allergies_known);
	MT_EQ_INT((int)dst.n_allergies, 1);
	med_arena_free(a);
}

/* A pregnancy-prevention programme said on either record holds; the one
 * said last wins (a withdrawal after a confirmation). */
static void
test_context_join_prevention(void)
{
	med_arena *a = med_arena_new(4096);
	const int ppp =
		SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__PREGNANCY_PREVENTION_PREGNANCY_PREVENTION_CONFIRMED;
	dosage_context dst = context(70, 2000, true, NULL, 0);
	dosage_context ed = context(0, 0, true, NULL, 0);

	ed.pregnancy_prevention_case = ppp;
	ed.pregnancy_prevention_confirmed = true;
	ed.pregnancy_prevention_ms = 1000;
	dosage_context_join(a, &dst, &ed);
	MT_EQ_INT((int)dst.pregnancy_prevention_case, ppp);
	MT_TRUE(dst.pregnancy_prevention_confirmed);
	ed.pregnancy_prevention_confirmed = false;
	ed.pregnancy_prevention_ms = 3000;
	dosage_context_join(a, &dst, &ed);
	MT_TRUE(!dst.pregnancy_prevention_confirmed);
	ed.pregnancy_prevention_confirmed = true;
	ed.pregnancy_prevention_ms = 2000; /* older than the withdrawal */
	dosage_context_join(a, &dst, &ed);
	MT_TRUE(!dst.pregnancy_prevention_confirmed);
	med_arena_free(a);
}

static void
test_facts_join(void)
{
	med_arena *a = med_arena_new(4096);
	const char *list[] = {"Penicillin"};
	med_measurement old = {.equation = ""};
	med_measurement recent = old;
	dosage_facts dst = {0};
	dosage_facts ed = dst;

	old.present = recent.present = true;
	old.value = 60;
	old.effective_ms = 1000;
	recent.value = 20;
	recent.effective_ms = 5000;
	dst.weight = &old;
	ed.allergies = list;
	ed.n_allergies = 1;
	ed.allergies_assessed = true;
	ed.crcl = &recent;
	MT_OK(dosage_facts_join(a, &dst, &ed));
	MT_TRUE(dst.allergies_assessed);
	MT_EQ_INT((int)dst.n_allergies, 1);
	MT_EQ_STR(dst.allergies[0], "Penicillin");
	MT_NEAR(dst.weight->value, 60, 1e-9);
	MT_NEAR(dst.crcl->value, 20, 1e-9);
	/* A newer weight on the merged record wins. */
	ed.weight = &recent;
	MT_OK(dosage_facts_join(a, &dst, &ed));
	MT_NEAR(dst.weight->value, 20, 1e-9);
	MT_EQ_INT((int)dst.n_allergies, 2);
	med_arena_free(a);
}

/* A pregnancy or a liver disease coded on the merged record is the
 * survivor's; the worse Child-Pugh class stands. */
static void
test_hepatic_join(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_hepatic_facts own = {false, "", "", false, ""};
	dosage_hepatic_facts ed = {true, "B", "K74.6; Child-Pugh B", true,
				   "Z33.1"};
	dosage_hepatic_facts worse = {true, "C", "Child-Pugh C", false, ""};
	dosage_hepatic_facts mild = {true, "", "K76.0", false, ""};

	MT_TRUE(a != NULL);
	MT_OK(dosage_hepatic_join(a, &own, &ed));
	MT_TRUE(own.impairment && own.pregnant);
	MT_EQ_STR(own.child_pugh_class, "B");
	MT_EQ_STR(own.summary, "K74.6; Child-Pugh B");
	MT_EQ_STR(own.pregnancy_summary, "Z33.1");
	MT_OK(dosage_hepatic_join(a, &own, &worse));
	MT_EQ_STR(own.child_pugh_class, "C");
	MT_EQ_STR(own.summary, "K74.6; Child-Pugh B; Child-Pugh C");
	MT_OK(dosage_hepatic_join(a, &own, &mild));
	MT_EQ_STR(own.child_pugh_class, "C");
	MT_TRUE(own.pregnant);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"bind_family", test_bind_family},
	{"hepatic_join", test_hepatic_join},
	{"bind_other_patient", test_bind_other_patient},
	{"merged_ids", test_merged_ids},
	{"context_join", test_context_join},
	{"context_join_assessment", test_context_join_assessment},
	{"context_join_prevention", test_context_join_prevention},
	{"facts_join", test_facts_join},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
