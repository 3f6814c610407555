/*
 * test_classes.c - therapeutic classes: ATC codes and levels, the
 * duplicate-therapy rule of each class, and the opioids' oral morphine
 * equivalents, at, under and over the limit.
 */
#include "testlib.h"

#include "classes.h"
#include "dose.h"
#include "substances.h"

#include <string.h>

#define MIN_MS	(60 * 1000LL)
#define HOUR_MS (60 * MIN_MS)
#define T0	(1700000000000LL)

enum {
	OK = DOSAGE_DOSE_OK,
	WARN = DOSAGE_DOSE_WARN,
	STOP = DOSAGE_DOSE_HARD_STOP,
	NC = DOSAGE_DOSE_NOT_CHECKED,
	NA = DOSAGE_DOSE_NOT_APPLICABLE,
};

static void
test_atc_codes(void)
{
	MT_EQ_STR(dosage_atc_of("morphine"), "N02AA01");
	MT_EQ_STR(dosage_atc_of("Morphine sulphate"), "N02AA01");
	MT_EQ_STR(dosage_atc_of("ibuprofen"), "M01AE01");
	MT_EQ_STR(dosage_atc_of("enoxaparin"), "B01AB05");
	MT_EQ_STR(dosage_atc_of("acetaminophen"), "N02BE01");
	MT_EQ_STR(dosage_atc_of("apixaban"), "B01AF02");
	MT_TRUE(dosage_atc_of("latex") == NULL);
	MT_TRUE(dosage_atc_of("unobtainium") == NULL);
}

/* Every ATC row names a substance of the table, in the code's shape. */
static void
each_substance(const dosage_substance *s, void *ctx)
{
	const char *atc = dosage_atc_of(s->code);

	(*(int *)ctx)++;
	if (atc != NULL)
		MT_TRUE(dosage_atc_syntax_ok(atc) && strlen(atc) == 7);
}

static void
test_atc_table(void)
{
	int n = 0;

	dosage_substances_each(each_substance, &n);
	MT_TRUE(n > 60);
}

static void
test_atc_levels(void)
{
	char lv[DOSAGE_ATC_LEVELS][DOSAGE_ATC_LEN];

	MT_EQ_INT(dosage_atc_levels("N02AA01", lv), 5);
	MT_EQ_STR(lv[0], "N");
	MT_EQ_STR(lv[1], "N02");
	MT_EQ_STR(lv[2], "N02A");
	MT_EQ_STR(lv[3], "N02AA");
	MT_EQ_STR(lv[4], "N02AA01");
	MT_EQ_STR(dosage_atc_name("N02A"), "opioids");
	MT_EQ_STR(dosage_atc_name("B01AB"), "heparin group");
	MT_EQ_INT(dosage_atc_levels("M01A", lv), 3);
	MT_EQ_INT(dosage_atc_levels("n02aa01", lv), 0);
	MT_EQ_INT(dosage_atc_levels("N2AA01", lv), 0);
	MT_EQ_INT(dosage_atc_levels("", lv), 0);
}

static void
test_atc_syntax_and_known(void)
{
	MT_TRUE(dosage_atc_syntax_ok("N"));
	MT_TRUE(dosage_atc_syntax_ok("N02"));
	MT_TRUE(dosage_atc_syntax_ok("N02A"));
	MT_TRUE(dosage_atc_syntax_ok("N02AA"));
	MT_TRUE(dosage_atc_syntax_ok("N02AA01"));
	MT_TRUE(!dosage_atc_syntax_ok("N02AA1"));
	MT_TRUE(!dosage_atc_syntax_ok("N02AA011"));
	MT_TRUE(!dosage_atc_syntax_ok("opioids"));
	MT_TRUE(!dosage_atc_syntax_ok(NULL));
	MT_TRUE(dosage_atc_known("N02A"));
	MT_TRUE(dosage_atc_known("B01AF02"));
	/* Well formed but no substance of the table is in it. */
	MT_TRUE(!dosage_atc_known("N02AA99"));
	MT_TRUE(!dosage_atc_known("Z99"));
}

static void
test_groups(void)
{
	MT_EQ_STR(dosage_class_group_of("morphine")->code, "opioids");
	MT_EQ_STR(dosage_class_group_of("codeine")->code, "opioids");
	MT_EQ_STR(dosage_class_group_of("fentanyl")->code, "opioids");
	MT_EQ_STR(dosage_class_group_of("naproxen")->code, "nsaids");
	MT_EQ_STR(dosage_class_group_of("celecoxib")->code, "nsaids");
	MT_EQ_STR(dosage_class_group_of("heparin")->code, "anticoagulants");
	MT_EQ_STR(dosage_class_group_of("warfarin")->code, "anticoagulants");
	MT_EQ_STR(dosage_class_group_of("dabigatran")->code, "anticoagulants");
	MT_EQ_STR(dosage_class_group_of("paracetamol")->code,
		  "paracetamol products");
	/* Aspirin is N02BA (and antiplatelet B01AC), not an M01A NSAID. */
	MT_TRUE(dosage_class_group_of("aspirin") == NULL);
	MT_TRUE(dosage_class_group_of("amoxicillin") == NULL);
}

/* dup checks substance s (prn) against one other. */
static int
dup(const char *s, bool prn, const char *other, bool other_prn)
{
	dosage_class_other o = {.label = "X",
				.order_id = "o1",
				.substance = other,
				.prn = other_prn};
	dosage_dose_result r;

	dosage_class_duplicate(&s, 1, prn, &o, 1, &r);
	MT_EQ_INT(r.check, DOSAGE_DOSE_CHECK_DUPLICATE_THERAPY);
	return (int)r.status;
}

static void
test_duplicate_opioids(void)
{
	MT_EQ_INT(dup("oxycodone", false, "morphine", false), STOP);
	MT_EQ_INT(dup("oxycodone", true, "morphine", true), STOP);
	/* Breakthrough: a PRN beside a regular one. */
	MT_EQ_INT(dup("oxycodone", true, "morphine", false), WARN);
	MT_EQ_INT(dup("morphine", false, "fentanyl", true), WARN);
	MT_EQ_INT(dup("morphine", false, "paracetamol", false), OK);
}

static void
test_duplicate_nsaids(void)
{
	MT_EQ_INT(dup("ibuprofen", false, "naproxen", false), STOP);
	/* No PRN exception for NSAIDs (BNF). */
	MT_EQ_INT(dup("ibuprofen", true, "diclofenac", false), STOP);
	MT_EQ_INT(dup("ibuprofen", false, "aspirin", false), OK);
}

static void
test_duplicate_anticoagulants(void)
{
	MT_EQ_INT(dup("enoxaparin", false, "heparin", false), STOP);
	MT_EQ_INT(dup("apixaban", false, "enoxaparin", false), STOP);
	MT_EQ_INT(dup("heparin", true, "dalteparin", false), STOP);
	/* Warfarin bridged with a heparin until the INR is in range. */
	MT_EQ_INT(dup("warfarin", false, "enoxaparin", false), WARN);
	MT_EQ_INT(dup("heparin", false, "warfarin", false), WARN);
	MT_EQ_INT(dup("warfarin", false, "rivaroxaban", false), STOP);
}

static void
test_duplicate_paracetamol(void)
{
	MT_EQ_INT(dup("paracetamol", false, "paracetamol", false), WARN);
	MT_EQ_INT(dup("paracetamol", true, "paracetamol", false), WARN);
}

static void
test_duplicate_none_and_combination(void)
{
	const char *cocodamol[] = {"paracetamol", "codeine"};
	dosage_class_other o = {.label = "MOR",
				.order_id = "o2",
				.substance = "morphine",
				.prn = false};
	dosage_dose_result r;
	const char *amox = "amoxicillin";

	dosage_class_duplicate(&amox, 1, false, &o, 1, &r);
	MT_EQ_INT(r.status, NA);
	dosage_class_duplicate(cocodamol, 2, false, NULL, 0, &r);
	MT_EQ_INT(r.status, OK);
	/* Co-codamol's codeine is an opioid beside regular morphine. */
	dosage_class_duplicate(cocodamol, 2, false, &o, 1, &r);
	MT_EQ_INT(r.status, STOP);
	MT_TRUE(strstr(r.reason, "opioids") != NULL);
	MT_TRUE(strstr(r.reason, "codeine") != NULL);
}

/* Three opioids at once stop even when each pair is PRN beside regular. */
static void
test_duplicate_three_at_once(void)
{
	dosage_class_other o[2] = {
		{.label = "MOR", .order_id = "a", .substance = "morphine"},
		{.label = "FEN", .order_id = "b", .substance = "fentanyl"},
	};
	const char *oxy = "oxycodone";
	dosage_dose_result r;

	dosage_class_duplicate(&oxy, 1, true, o, 1, &r);
	MT_EQ_INT(r.status, WARN);
	dosage_class_duplicate(&oxy, 1, true, o, 2, &r);
	MT_EQ_INT(r.status, STOP);
	MT_NEAR(r.value, 2, 0);
	/* The same product twice is one product. */
	o[1].label = "MOR";
	o[1].substance = "morphine";
	dosage_class_duplicate(&oxy, 1, true, o, 2, &r);
	MT_EQ_INT(r.status, WARN);
}

static void
test_ome_factors(void)
{
	double f = 0;

	MT_TRUE(dosage_ome_factor("morphine", "oral", &f));
	MT_NEAR(f, 1, 0);
	MT_TRUE(dosage_ome_factor("morphine", "IV", &f));
	MT_NEAR(f, 3, 0);
	MT_TRUE(dosage_ome_factor("morphine", "sc", &f));
	MT_NEAR(f, 3, 0);
	MT_TRUE(dosage_ome_factor("oxycodone", "po", &f));
	MT_NEAR(f, 1.5, 0);
	MT_TRUE(dosage_ome_factor("fentanyl", "iv", &f));
	MT_NEAR(f, 300, 0);
	MT_TRUE(dosage_ome_factor("codeine phosphate", "oral", &f));
	MT_NEAR(f, 0.15, 0);
	/* Transdermal fentanyl is dosed per patch: no factor. */
	MT_TRUE(!dosage_ome_factor("fentanyl", "transdermal", &f));
	MT_TRUE(!dosage_ome_factor("morphine", "intrathecal", &f));
	MT_TRUE(!dosage_ome_factor("paracetamol", "oral", &f));
	MT_EQ_STR(dosage_ome_route("Intravenous"), "parenteral");
	MT_TRUE(dosage_ome_route("buccal") == NULL);
}

static dosage_class_other
given(const char *s, int64_t t, double ome)
{
	dosage_class_other o = {.label = s,
				.order_id = s,
				.substance = s,
				.t_ms = t,
				.ome_mg = ome,
				.has_ome = true};

	return o;
}

/* The ward pattern: morphine 10 mg SC (30), oxycodone 20 mg oral (30),
 * fentanyl 150 ug IV (45) within 40 minutes: 105 mg against 90. */
static void
test_ome_three_routes(void)
{
	dosage_class_other o[2] = {given("morphine", T0, 30),
				   given("oxycodone", T0 + 20 * MIN_MS, 30)};
	dosage_dose_result r;

	dosage_ome_check(true, 45, true, o, 2, T0 + 40 * MIN_MS, 90, &r);
	MT_EQ_INT(r.check, DOSAGE_DOSE_CHECK_OME_24H);
	MT_EQ_INT(r.status, STOP);
	MT_NEAR(r.value, 105, 1e-9);
	MT_NEAR(r.limit, 90, 0);
	/* At the limit exactly: a warning; under 90 %: ok. */
	dosage_ome_check(true, 30, true, o, 2, T0 + 40 * MIN_MS, 90, &r);
	MT_EQ_INT(r.status, WARN);
	dosage_ome_check(true, 20, true, o, 2, T0 + 40 * MIN_MS, 90, &r);
	MT_EQ_INT(r.status, OK);
	MT_NEAR(r.value, 80, 1e-9);
}

static void
test_ome_window(void)
{
	dosage_class_other o[3] = {
		given("morphine", T0 - 25 * HOUR_MS, 80), /* outside */
		given("oxycodone", T0 - 2 * HOUR_MS, 30),
		given("paracetamol", T0 - HOUR_MS, 0), /* no opioid */
	};
	dosage_dose_result r;

	dosage_ome_check(true, 30, true, o, 3, T0, 90, &r);
	MT_NEAR(r.value, 60, 1e-9);
	MT_EQ_INT(r.status, OK);
	/* A dose charted late counts against the doses after it. */
	o[0] = given("morphine", T0 + 10 * HOUR_MS, 50);
	dosage_ome_check(true, 30, true, o, 3, T0, 90, &r);
	MT_NEAR(r.value, 110, 1e-9);
	MT_EQ_INT(r.status, STOP);
}

static void
test_ome_unknown_route(void)
{
	dosage_class_other o = given("fentanyl", T0 - HOUR_MS, 0);
	dosage_dose_result r;

	o.has_ome = false;
	dosage_ome_check(true, 10, true, &o, 1, T0, 90, &r);
	MT_EQ_INT(r.status, NC);
	dosage_ome_check(true, 0, false, NULL, 0, T0, 90, &r);
	MT_EQ_INT(r.status, NC);
	/* The known part alone stops. */
	dosage_ome_check(true, 100, true, &o, 1, T0, 90, &r);
	MT_EQ_INT(r.status, STOP);
	/* Part of this dose has no factor: the part that has still counts. */
	dosage_ome_check(true, 50, false, NULL, 0, T0, 90, &r);
	MT_EQ_INT(r.status, NC);
	MT_NEAR(r.value, 50, 1e-9);
	dosage_ome_check(true, 95, false, NULL, 0, T0, 90, &r);
	MT_EQ_INT(r.status, STOP);
	dosage_ome_check(false, 0, false, NULL, 0, T0, 90, &r);
	MT_EQ_INT(r.status, NA);
}

static void
test_check_names(void)
{
	MT_EQ_STR(dosage_class_check_name(DOSAGE_DOSE_CHECK_DUPLICATE_THERAPY),
		  "duplicate_therapy");
	MT_EQ_STR(dosage_dose_check_name(DOSAGE_DOSE_CHECK_OME_24H), "ome_24h");
	MT_EQ_STR(dosage_dose_check_name(DOSAGE_DOSE_CHECK_DAILY_MAX),
		  "daily_max");
}

static const mt_case cases[] = {
	{"atc_codes", test_atc_codes},
	{"atc_table", test_atc_table},
	{"atc_levels", test_atc_levels},
	{"atc_syntax_and_known", test_atc_syntax_and_known},
	{"groups", test_groups},
	{"duplicate_opioids", test_duplicate_opioids},
	{"duplicate_nsaids", test_duplicate_nsaids},
	{"duplicate_anticoagulants", test_duplicate_anticoagulants},
	{"duplicate_paracetamol", test_duplicate_paracetamol},
	{"duplicate_none_and_combination", test_duplicate_none_and_combination},
	{"duplicate_three_at_once", test_duplicate_three_at_once},
	{"ome_factors", test_ome_factors},
	{"ome_three_routes", test_ome_three_routes},
	{"ome_window", test_ome_window},
	{"ome_unknown_route", test_ome_unknown_route},
	{"check_names", test_check_names},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
