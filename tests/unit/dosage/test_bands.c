/*
 * test_bands.c - age and weight bands, ages from birth dates, renal
 * intervals and PRN orders' own limits: each at, just under and just over
 * its edge, and the scenarios of issue 16 (a 4-year-old without a weight,
 * a 60 kg adult, enoxaparin in renal failure).
 */
#include "testlib.h"

#include "dose.h"

#include <string.h>

#define NOW  1700000000000LL /* 2023-11-14 22:13:20 UTC */
#define HOUR (3600LL * 1000)
#define DAY  (24 * HOUR)

enum {
	OK = DOSAGE_DOSE_OK,
	WARN = DOSAGE_DOSE_WARN,
	STOP = DOSAGE_DOSE_HARD_STOP,
	NC = DOSAGE_DOSE_NOT_CHECKED,
	NA = DOSAGE_DOSE_NOT_APPLICABLE
};

/* Paracetamol as the sample catalogue has it: 1 g / 4 g for adults of
 * 50 kg and over, 15 mg/kg (60 mg/kg a day) below 50 kg and for every
 * child. */
static dosage_dose_limits
paracetamol(void)
{
	dosage_dose_limits l = {
		.unit = "mg",
		.single_max = 1000,
		.max_24h = 4000,
		.min_interval_ms = 4 * HOUR,
		.substances = {"paracetamol"},
		.n_substances = 1,
	};
	char why[128];

	MT_OK(dosage_dose_groups_parse(
		"paediatric:per_kg=15,per_kg_24h=60;"
		"adult_all:max_kg=50,per_kg=15,per_kg_24h=60",
		l.groups, DOSAGE_DOSE_MAX_GROUPS, &l.n_groups, why,
		sizeof(why)));
	return l;
}

static dosage_dose_patient
person(int years, double kg)
{
	dosage_dose_patient p = {
		.has_age = years >= 0,
		.age_years = years,
		.age_days = years * 365,
		.has_weight = kg > 0,
		.weight_kg = kg,
		.weight_ms = NOW - HOUR,
		.allergies_known = true,
	};
	return p;
}

static int
status(const dosage_dose_limits *l, const dosage_dose_patient *p, double dose,
       dosage_dose_check c)
{
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	dosage_dose_evaluate(l, p, &h, dose, NOW, out);
	return (int)out[c - 1].status;
}

static int
overall(const dosage_dose_limits *l, const dosage_dose_patient *p, double dose)
{
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	dosage_dose_evaluate(l, p, &h, dose, NOW, out);
	return (int)dosage_dose_worst(out, DOSAGE_DOSE_N_CHECKS);
}

/* The issue's scenarios: a 4-year-old without a weight must not get an
 * adult 1 g; a 60 kg adult's 1 g is no hard stop. */
static void
test_issue_scenarios(void)
{
	dosage_dose_limits l = paracetamol();
	dosage_dose_patient child = person(4, 0), adult = person(40, 60);
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	MT_EQ_INT(status(&l, &child, 1000, DOSAGE_DOSE_CHECK_PER_KG), STOP);
	MT_EQ_INT(overall(&l, &child, 1000), STOP);
	dosage_dose_evaluate(&l, &child, &h, 1000, NOW, out);
	MT_TRUE(strstr(out[DOSAGE_DOSE_CHECK_PER_KG - 1].reason,
		       "[paediatric]") != NULL);
	MT_TRUE(strstr(out[DOSAGE_DOSE_CHECK_BAND - 1].reason, "paediatric") !=
		NULL);
	MT_EQ_INT(status(&l, &adult, 1000, DOSAGE_DOSE_CHECK_PER_KG), NA);
	/* At the maximum: ok with a note, no warning (issue 72). */
	MT_EQ_INT(status(&l, &adult, 1000, DOSAGE_DOSE_CHECK_SINGLE_MAX), OK);
	MT_TRUE(overall(&l, &adult, 1000) != STOP);
	/* The same child weighed: 18 kg x 15 = 270 mg at, just over. */
	child = person(4, 18);
	MT_EQ_INT(status(&l, &child, 270, DOSAGE_DOSE_CHECK_PER_KG), OK);
	MT_EQ_INT(status(&l, &child, 270.01, DOSAGE_DOSE_CHECK_PER_KG), STOP);
	MT_EQ_INT(status(&l, &child, 200, DOSAGE_DOSE_CHECK_PER_KG), OK);
}

/* Weight band edges: [min, max). */
static void
test_weight_edges(void)
{
	dosage_dose_limits l = paracetamol();
	dosage_dose_patient p = person(30, 49.99);

	MT_EQ_INT(status(&l, &p, 800, DOSAGE_DOSE_CHECK_PER_KG), STOP);
	p.weight_kg = 50; /* 50 kg is "50 and over": the drug's own limits */
	MT_EQ_INT(status(&l, &p, 800, DOSAGE_DOSE_CHECK_PER_KG), NA);
	MT_EQ_INT(status(&l, &p, 800, DOSAGE_DOSE_CHECK_BAND), OK);
}

/* Without a weight an adult's band cannot be chosen: the tightest limits
 * apply and the band check says why (warn for an adult). */
static void
test_undecided_band(void)
{
	dosage_dose_limits l = paracetamol();
	dosage_dose_patient p = person(30, 0);
	dosage_dose_patient nobody = person(-1, 0);

	MT_EQ_INT(status(&l, &p, 1000, DOSAGE_DOSE_CHECK_BAND), NC);
	MT_EQ_INT(status(&l, &p, 1000, DOSAGE_DOSE_CHECK_PER_KG), NC);
	MT_EQ_INT(status(&l, &p, 1000, DOSAGE_DOSE_CHECK_SINGLE_MAX), OK);
	/* Age unknown (no birth date): not_checked, never ok. */
	MT_EQ_INT(status(&l, &nobody, 500, DOSAGE_DOSE_CHECK_BAND), NC);
	MT_EQ_INT(overall(&l, &nobody, 500), NC);
	/* A band's own policy wins. */
	l.groups[1].weight_missing = DOSAGE_DOSE_POLICY_HARD_STOP;
	MT_EQ_INT(status(&l, &p, 1000, DOSAGE_DOSE_CHECK_BAND), STOP);
}

/* A band replaces the limits it sets: a child's own maximum. */
static void
test_band_replaces(void)
{
	dosage_dose_limits l = paracetamol();
	dosage_dose_patient p = person(8, 30);
	char why[128];

	MT_OK(dosage_dose_groups_parse("child:single=500,daily=2000,"
				       "interval_min=360",
				       l.groups, DOSAGE_DOSE_MAX_GROUPS,
				       &l.n_groups, why, sizeof(why)));
	MT_EQ_INT(status(&l, &p, 500, DOSAGE_DOSE_CHECK_SINGLE_MAX), OK);
	MT_EQ_INT(status(&l, &p, 500.01, DOSAGE_DOSE_CHECK_SINGLE_MAX), STOP);
	p = person(12, 30); /* adolescent: the drug's own 1 g */
	MT_EQ_INT(status(&l, &p, 800, DOSAGE_DOSE_CHECK_SINGLE_MAX), OK);
}

static void
test_age_groups(void)
{
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_NEONATE, 27, 0));
	MT_TRUE(!dosage_dose_age_holds(DOSAGE_DOSE_AGE_NEONATE, 28, 0));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_INFANT, 364, 0));
	MT_TRUE(!dosage_dose_age_holds(DOSAGE_DOSE_AGE_INFANT, 366, 1));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_CHILD, 366, 1));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_CHILD, 0, 11));
	MT_TRUE(!dosage_dose_age_holds(DOSAGE_DOSE_AGE_CHILD, 0, 12));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_ADOLESCENT, 0, 17));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_PAEDIATRIC, 0, 17));
	MT_TRUE(!dosage_dose_age_holds(DOSAGE_DOSE_AGE_PAEDIATRIC, 0, 18));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_ADULT, 0, 64));
	MT_TRUE(!dosage_dose_age_holds(DOSAGE_DOSE_AGE_ADULT, 0, 65));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_OLDER_ADULT, 0, 65));
	MT_TRUE(dosage_dose_age_holds(DOSAGE_DOSE_AGE_ADULT_ALL, 0, 90));
	MT_TRUE(dosage_dose_age_paediatric(DOSAGE_DOSE_AGE_CHILD));
	MT_TRUE(!dosage_dose_age_paediatric(DOSAGE_DOSE_AGE_ADULT));
}

static void
test_age_of(void)
{
	int64_t days;
	int years;

	/* NOW is 2023-11-14: a birthday tomorrow is not yet completed. */
	MT_OK(dosage_dose_age_of("2019-11-15", NOW, &days, &years));
	MT_EQ_INT(years, 3);
	MT_OK(dosage_dose_age_of("2019-11-14", NOW, &days, &years));
	MT_EQ_INT(years, 4);
	MT_OK(dosage_dose_age_of("2023-11-01", NOW, &days, &years));
	MT_EQ_INT(days, 13);
	MT_EQ_INT(years, 0);
	MT_OK(dosage_dose_age_of("2000-02-29", NOW, &days, &years));
	MT_EQ_INT(years, 23);
	MT_EQ_INT(dosage_dose_age_of("2023-11-15", NOW, &days, &years),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_age_of("2023-02-29", NOW, &days, &years),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_age_of("2023-1-01", NOW, &days, &years),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_age_of("", NOW, &days, &years), MED_ERR_INVALID);
}

static void
test_groups_text(void)
{
	dosage_dose_group g[DOSAGE_DOSE_MAX_GROUPS];
	char why[128], text[512];
	size_t n = 0;

	MT_OK(dosage_dose_groups_parse("child:per_kg=15,weight=hard_stop;"
				       "adult_all:min_kg=50,single=1000,"
				       "interval_min=240",
				       g, DOSAGE_DOSE_MAX_GROUPS, &n, why,
				       sizeof(why)));
	MT_EQ_INT(n, 2);
	MT_EQ_INT(g[0].age, DOSAGE_DOSE_AGE_CHILD);
	MT_EQ_INT(g[0].weight_missing, DOSAGE_DOSE_POLICY_HARD_STOP);
	MT_EQ_INT(g[1].interval_ms, 4 * HOUR);
	MT_TRUE(dosage_dose_groups_format(g, n, text, sizeof(text)));
	MT_EQ_STR(text, "child:per_kg=15,weight=hard_stop;"
			"adult_all:min_kg=50,single=1000,interval_min=240");
	MT_OK(dosage_dose_groups_parse("", g, 4, &n, why, sizeof(why)));
	MT_EQ_INT(n, 0);
	/* Bad input names what is wrong. */
	MT_EQ_INT(dosage_dose_groups_parse("toddler:per_kg=1", g, 4, &n, why,
					   sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "unknown band 'toddler'") != NULL);
	MT_EQ_INT(dosage_dose_groups_parse("child:size=1", g, 4, &n, why,
					   sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "unknown setting 'size'") != NULL);
	MT_EQ_INT(dosage_dose_groups_parse("child:per_kg=-1", g, 4, &n, why,
					   sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_groups_parse("adult:min_kg=50,max_kg=40", g, 4,
					   &n, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_groups_parse("child:weight=maybe", g, 4, &n, why,
					   sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_groups_parse("any;any;any", g, 2, &n, why,
					   sizeof(why)),
		  MED_ERR_LIMIT);
	MT_EQ_STR(why, "at most 2 bands");
	/* One ';' at the end ends the list; an empty band is refused. */
	MT_OK(dosage_dose_groups_parse("child:per_kg=1;", g, 4, &n, why,
				       sizeof(why)));
	MT_EQ_INT(n, 1);
	MT_EQ_INT(dosage_dose_groups_parse("child:per_kg=1;;adult:single=1", g,
					   4, &n, why, sizeof(why)),
		  MED_ERR_INVALID);
}

/* Enoxaparin below 30 mL/min: once daily - a second dose 12 h later is a
 * hard stop, 24 h later is fine. */
static void
test_renal_interval(void)
{
	dosage_dose_limits l = {
		.unit = "mg",
		.single_max = 150,
		.max_24h = 300,
		.min_interval_ms = 12 * HOUR,
		.bands = {{30, 0.5, 24 * HOUR}},
		.n_bands = 1,
	};
	dosage_dose_patient p = person(70, 80);
	dosage_dose_history h = {.has_nearest = true,
				 .nearest_gap_ms = 12 * HOUR};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	p.has_crcl = true;
	p.crcl_ml_min = 20;
	p.crcl_ms = NOW - HOUR;
	dosage_dose_evaluate(&l, &p, &h, 40, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_INTERVAL - 1].status, OK);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, STOP);
	h.nearest_gap_ms = 24 * HOUR - 1;
	dosage_dose_evaluate(&l, &p, &h, 40, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, STOP);
	h.nearest_gap_ms = 24 * HOUR;
	dosage_dose_evaluate(&l, &p, &h, 40, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, OK);
	p.crcl_ml_min = 30; /* at the threshold: no band */
	h.nearest_gap_ms = 12 * HOUR;
	dosage_dose_evaluate(&l, &p, &h, 40, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, OK);
}

/* A PRN order's own minimum interval is exact; its own 24-h maximum adds
 * to the catalogue's. */
static void
test_prn_order_limits(void)
{
	dosage_dose_limits l = {.unit = "mg", .max_24h = 4000};
	dosage_dose_patient p = person(40, 70);
	dosage_dose_history h = {.given_24h = 2000,
				 .has_nearest = true,
				 .nearest_gap_ms = 6 * HOUR - 1};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	l.order_min_gap_ms = 6 * HOUR;
	l.order_max_24h = 3000;
	dosage_dose_evaluate(&l, &p, &h, 1000, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_INTERVAL - 1].status, STOP);
	/* The order's own maximum is a limit: at it ok, over it a stop. */
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_DAILY_MAX - 1].status, OK);
	h.nearest_gap_ms = 6 * HOUR;
	h.given_24h = 2001;
	dosage_dose_evaluate(&l, &p, &h, 1000, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_INTERVAL - 1].status, OK);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_DAILY_MAX - 1].status, STOP);
	MT_TRUE(strstr(out[DOSAGE_DOSE_CHECK_DAILY_MAX - 1].reason, "PRN") !=
		NULL);
}

/* A drug whose schedule may slip warns for an early dose; the catalogue's
 * own minimum still stops. */
static void
test_early_dose_warns(void)
{
	dosage_dose_limits l = {.unit = "mg",
				.min_interval_ms = 2 * HOUR,
				.order_interval_ms = 8 * HOUR,
				.early_dose_warns = true};
	dosage_dose_patient p = person(40, 70);
	dosage_dose_history h = {.has_nearest = true,
				 .nearest_gap_ms = 4 * HOUR};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	dosage_dose_evaluate(&l, &p, &h, 10, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_INTERVAL - 1].status, WARN);
	h.nearest_gap_ms = 2 * HOUR - 1;
	dosage_dose_evaluate(&l, &p, &h, 10, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_INTERVAL - 1].status, STOP);
	l.early_dose_warns = false;
	h.nearest_gap_ms = 4 * HOUR;
	dosage_dose_evaluate(&l, &p, &h, 10, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_INTERVAL - 1].status, STOP);
}

static void
test_policy_names(void)
{
	dosage_dose_policy p;

	MT_OK(dosage_dose_policy_parse("", &p));
	MT_EQ_INT(p, DOSAGE_DOSE_POLICY_DEFAULT);
	MT_OK(dosage_dose_policy_parse("hard_stop", &p));
	MT_EQ_INT(p, DOSAGE_DOSE_POLICY_HARD_STOP);
	MT_OK(dosage_dose_policy_parse("warn", &p));
	MT_EQ_INT(dosage_dose_policy_parse("stop", &p), MED_ERR_INVALID);
	MT_EQ_STR(dosage_dose_policy_name(DOSAGE_DOSE_POLICY_WARN), "warn");
}

/* Enoxaparin's two licensed treatment regimens: 1.5 mg/kg once daily and
 * 1 mg/kg twice daily, each accepted under its own order frequency. */
static void
test_regimens(void)
{
	dosage_dose_limits l = {
		.unit = "mg",
		.single_max = 150,
		.max_24h = 300,
		.max_per_kg = 1,
		.max_per_kg_24h = 2,
		.substances = {"enoxaparin"},
		.n_substances = 1,
	};
	dosage_dose_patient p = {.has_weight = true,
				 .weight_kg = 80,
				 .weight_ms = NOW - HOUR,
				 .allergies_known = true,
				 .has_age = true,
				 .age_years = 60,
				 .age_days = 60 * 365};
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *kg = &out[DOSAGE_DOSE_CHECK_PER_KG - 1];
	char why[128];

	MT_EQ_INT(dosage_dose_regimens_parse("q24h:per_kg=1.5;q12h:per_kg=1",
					     l.regimens, 4, &l.n_regimens, why,
					     sizeof(why)),
		  MED_OK);
	MT_EQ_INT(l.n_regimens, 2);
	MT_EQ_INT(l.regimens[0].interval_ms, 24 * HOUR);
	/* Without a regimen (no order): the drug's own 1 mg/kg stops. */
	dosage_dose_evaluate(&l, &p, &h, 120, NOW, out);
	MT_EQ_INT(kg->status, DOSAGE_DOSE_HARD_STOP);
	/* Once daily: 1.5 mg/kg is the licensed dose. */
	l.order_interval_ms = 24 * HOUR;
	dosage_dose_evaluate(&l, &p, &h, 120, NOW, out);
	MT_EQ_INT(kg->status, DOSAGE_DOSE_OK); /* at the maximum: a note */
	MT_TRUE(strstr(kg->reason, "[regimen q24h]") == kg->reason);
	dosage_dose_evaluate(&l, &p, &h, 130, NOW, out);
	MT_EQ_INT(kg->status, DOSAGE_DOSE_HARD_STOP);
	/* Twice daily: 1 mg/kg a dose. */
	l.order_interval_ms = 12 * HOUR;
	dosage_dose_evaluate(&l, &p, &h, 80, NOW, out);
	MT_TRUE(kg->status != DOSAGE_DOSE_HARD_STOP);
	dosage_dose_evaluate(&l, &p, &h, 120, NOW, out);
	MT_EQ_INT(kg->status, DOSAGE_DOSE_HARD_STOP);
	/* Bad text is refused naming the regimen. */
	MT_EQ_INT(dosage_dose_regimens_parse("prn:per_kg=1", l.regimens, 4,
					     &l.n_regimens, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_regimens_parse("q24h:max_kg=50", l.regimens, 4,
					     &l.n_regimens, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_regimens_parse("daily:per_kg=1;q24h:per_kg=2",
					     l.regimens, 4, &l.n_regimens, why,
					     sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "same interval") != NULL);
	MT_EQ_INT(dosage_dose_regimens_parse("q24h:foo=1", l.regimens, 4,
					     &l.n_regimens, why, sizeof(why)),
		  MED_ERR_INVALID);
	/* Past the cap: refused naming it. */
	MT_EQ_INT(dosage_dose_regimens_parse(
			  "q24h:per_kg=1;q12h:per_kg=1;q8h:per_kg=1",
			  l.regimens, 2, &l.n_regimens, why, sizeof(why)),
		  MED_ERR_LIMIT);
	MT_EQ_STR(why, "at most 2 regimens");
}

/* A band that doses per kg takes its own minimum per kg, not the drug's
 * adult minimum (issue 72): a 15 kg child's 15 mg/kg paracetamol (225
 * mg) is no "underdose" against the adult's 325 mg. */
static void
test_band_minimum_per_kg(void)
{
	dosage_dose_limits l = paracetamol();
	dosage_dose_patient child = person(3, 15);
	dosage_dose_patient adult = person(40, 70);
	char why[128];

	l.single_min = 325;
	MT_EQ_INT(status(&l, &child, 225, DOSAGE_DOSE_CHECK_SINGLE_MIN), NA);
	MT_EQ_INT(overall(&l, &child, 225), OK);
	/* The adult keeps the drug's own minimum. */
	MT_EQ_INT(status(&l, &adult, 300, DOSAGE_DOSE_CHECK_SINGLE_MIN), WARN);
	/* A band's min_per_kg: below it warns, at it is ok. */
	MT_OK(dosage_dose_groups_parse("paediatric:per_kg=15,min_per_kg=10",
				       l.groups, DOSAGE_DOSE_MAX_GROUPS,
				       &l.n_groups, why, sizeof(why)));
	MT_EQ_INT(status(&l, &child, 149.9, DOSAGE_DOSE_CHECK_SINGLE_MIN),
		  WARN);
	MT_EQ_INT(status(&l, &child, 150, DOSAGE_DOSE_CHECK_SINGLE_MIN), OK);
	/* Without a weight it cannot be told. */
	child.has_weight = false;
	MT_EQ_INT(status(&l, &child, 150, DOSAGE_DOSE_CHECK_SINGLE_MIN), NC);
	/* Read back, and a minimum above the maximum is refused. */
	MT_TRUE(dosage_dose_groups_format(l.groups, l.n_groups, why,
					  sizeof(why)));
	MT_EQ_STR(why, "paediatric:per_kg=15,min_per_kg=10");
	MT_EQ_INT(dosage_dose_groups_parse("child:per_kg=10,min_per_kg=20",
					   l.groups, DOSAGE_DOSE_MAX_GROUPS,
					   &l.n_groups, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "min_per_kg") != NULL);
}

static const mt_case cases[] = {
	{"issue_scenarios", test_issue_scenarios},
	{"weight_edges", test_weight_edges},
	{"undecided_band", test_undecided_band},
	{"band_replaces", test_band_replaces},
	{"age_groups", test_age_groups},
	{"age_of", test_age_of},
	{"groups_text", test_groups_text},
	{"renal_interval", test_renal_interval},
	{"prn_order_limits", test_prn_order_limits},
	{"early_dose_warns", test_early_dose_warns},
	{"policy_names", test_policy_names},
	{"regimens", test_regimens},
	{"band_minimum_per_kg", test_band_minimum_per_kg},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
