/*
 * test_switch.c - switching anticoagulants: the shipped table parses, a
 * row without its source (or of no anticoagulant, or twice) is refused
 * naming its line, and a new anticoagulant inside another's interval
 * after its last dose stops, naming the drug, the dose and the earliest
 * time.
 */
#include "testlib.h"

#include "switch.h"

#include <string.h>

#define HOUR_MS (3600 * 1000LL)
/* 2026-11-27 08:00 UTC */
#define T8 (1795766400000LL)

static const char header[] = "substance,wait_h,regimen,source\n";

/* parse_text parses header + body; *why on refusal. */
static med_err
parse_text(const char *body, dosage_switch_table *t, const char **why)
{
	static char text[2048];
	med_arena *a = med_arena_new(1 << 20);
	med_err e;

	snprintf(text, sizeof(text), "# a comment\n%s%s", header, body);
	*why = "";
	e = dosage_switch_parse(a, text, strlen(text), t, why);
	/* The arena stays: t and why point into it (one per case). */
	return e;
}

static void
test_shipped(void)
{
	const dosage_switch_table *t;
	const char *why = "";
	const dosage_switch_row *w;

	MT_OK(dosage_switch_shipped(&t, &why));
	MT_TRUE(t->n >= 6);
	w = dosage_switch_find(t, "enoxaparin");
	MT_TRUE(w != NULL);
	MT_NEAR(w->wait_h, 12.0, 1e-9);
	MT_TRUE(strstr(w->source, "SmPC") != NULL);
	MT_NEAR(dosage_switch_find(t, "dabigatran")->wait_h, 12.0, 1e-9);
	MT_NEAR(dosage_switch_find(t, "rivaroxaban")->wait_h, 24.0, 1e-9);
	/* Warfarin waits on the INR, not on a time: no row. */
	MT_TRUE(dosage_switch_find(t, "warfarin") == NULL);
	for (size_t i = 0; i < t->n; i++)
		MT_TRUE(t->rows[i].source[0] != '\0');
}

static void
test_row_without_source_refused(void)
{
	dosage_switch_table t;
	const char *why;

	MT_EQ_INT(parse_text("apixaban,12,twice daily,\n", &t, &why),
		  MED_ERR_INVALID);
	MT_EQ_STR(why, "line 3: source: required (where the interval comes "
		       "from)");
	MT_EQ_INT(parse_text("apixaban,12,twice daily\n", &t, &why),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "line 3: needs 4 fields") == why);
}

static void
test_bad_rows_refused(void)
{
	dosage_switch_table t;
	const char *why;

	MT_EQ_INT(parse_text("paracetamol,12,x,BNF\n", &t, &why),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "line 3: substance: not an anticoagulant") == why);
	MT_EQ_INT(parse_text("apixaban,-1,x,SmPC\n", &t, &why),
		  MED_ERR_INVALID);
	MT_EQ_STR(why, "line 3: wait_h: must be 0 to 168 hours");
	MT_EQ_INT(parse_text("apixaban,12,x,SmPC\nApixaban,12,x,SmPC\n", &t,
			     &why),
		  MED_ERR_INVALID);
	MT_EQ_STR(why, "line 4: substance: a second row");
	MT_OK(parse_text("apixaban,12,x,SmPC\n", &t, &why));
	MT_EQ_INT(t.n, 1);
	MT_EQ_STR(t.rows[0].substance, "apixaban");
}

/* judge checks a drug of substance sub started at at_ms after one dose of
 * prev at given_ms. */
static dosage_dose_result
judge(const char *sub, const char *prev, int64_t given_ms, int64_t at_ms)
{
	const dosage_switch_table *t;
	const char *why;
	dosage_drug d = SMARTMED__DOSAGE__V1__DRUG__INIT;
	dosage_class_other o = {
		.label = "ENOX-80", .substance = prev, .t_ms = given_ms};
	dosage_class_list given = {.items = &o, .n = 1};
	dosage_dose_result r;

	MT_OK(dosage_switch_shipped(&t, &why));
	d.code = "HEP-INF";
	d.unit = "[iU]";
	d.substance = (char *)sub;
	dosage_switch_check(t, &d, &given, NULL, at_ms, &r);
	MT_EQ_INT(r.check, DOSAGE_DOSE_CHECK_ANTICOAGULANT_SWITCH);
	return r;
}

static void
test_enoxaparin_then_heparin(void)
{
	dosage_dose_result r =
		judge("heparin", "enoxaparin", T8, T8 + 4 * HOUR_MS);

	MT_EQ_INT(r.status, DOSAGE_DOSE_HARD_STOP);
	MT_EQ_STR(r.reason, "enoxaparin (ENOX-80) last given 2026-11-27 08:00 "
			    "UTC acts 12 h: not before 2026-11-27 20:00 UTC");
	MT_NEAR(r.value, 4.0, 1e-9);
	MT_NEAR(r.limit, 12.0, 1e-9);
	r = judge("heparin", "enoxaparin", T8, T8 + 13 * HOUR_MS);
	MT_EQ_INT(r.status, DOSAGE_DOSE_OK);
	/* At the earliest time itself: ok. */
	r = judge("heparin", "enoxaparin", T8, T8 + 12 * HOUR_MS);
	MT_EQ_INT(r.status, DOSAGE_DOSE_OK);
}

static void
test_what_is_not_a_switch(void)
{
	/* The same substance again is its own schedule's business. */
	MT_EQ_INT(judge("enoxaparin", "enoxaparin", T8, T8 + HOUR_MS).status,
		  DOSAGE_DOSE_OK);
	/* A drug that is no anticoagulant. */
	MT_EQ_INT(judge("paracetamol", "enoxaparin", T8, T8 + HOUR_MS).status,
		  DOSAGE_DOSE_NOT_APPLICABLE);
	/* A dose after the start does not block it. */
	MT_EQ_INT(judge("heparin", "enoxaparin", T8 + HOUR_MS, T8).status,
		  DOSAGE_DOSE_OK);
	/* Heparin acts for no interval: a DOAC may follow at once. */
	MT_EQ_INT(judge("apixaban", "heparin", T8, T8 + 1).status,
		  DOSAGE_DOSE_OK);
	/* Rivaroxaban once daily: 24 h. */
	MT_EQ_INT(judge("enoxaparin", "rivaroxaban", T8, T8 + 23 * HOUR_MS)
			  .status,
		  DOSAGE_DOSE_HARD_STOP);
}

/* A home medicine counts from its last dose taken at home; one whose last
 * dose is not recorded times nothing (the admission task asks). */
static void
test_home_dose_blocks(void)
{
	const dosage_switch_table *t;
	const char *why;
	dosage_drug d = SMARTMED__DOSAGE__V1__DRUG__INIT;
	dosage_class_other o = {.label = "Apixaban 5 mg tablets",
				.substance = "apixaban",
				.home = "home medicine",
				.undecided = true,
				.last_dose_ms = T8};
	dosage_class_list home = {.items = &o, .n = 1};
	dosage_dose_result r;

	MT_OK(dosage_switch_shipped(&t, &why));
	d.code = "ENOX-80";
	d.unit = "mg";
	d.substance = "enoxaparin";
	dosage_switch_check(t, &d, NULL, &home, T8 + 2 * HOUR_MS, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_HARD_STOP);
	MT_EQ_STR(r.reason, "apixaban (home medicine Apixaban 5 mg tablets) "
			    "last taken at home 2026-11-27 08:00 UTC acts 12 "
			    "h: not before 2026-11-27 20:00 UTC");
	o.last_dose_ms = 0;
	dosage_switch_check(t, &d, NULL, &home, T8 + 2 * HOUR_MS, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_OK);
}

static const mt_case cases[] = {
	{"shipped", test_shipped},
	{"row_without_source_refused", test_row_without_source_refused},
	{"bad_rows_refused", test_bad_rows_refused},
	{"enoxaparin_then_heparin", test_enoxaparin_then_heparin},
	{"what_is_not_a_switch", test_what_is_not_a_switch},
	{"home_dose_blocks", test_home_dose_blocks},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
