/*
 * test_infusion.c - continuous infusion rates (infusion.c): rate units,
 * their conversion through weight and concentration, the soft maxima, the
 * ceiling, the 24-h maximum and what a rate delivers over time.
 */
#include "testlib.h"

#include "dosage.h"
#include "catalogue.h"
#include "infusion.h"

#include <string.h>

static void
test_units(void)
{
	static const struct {
		const char *text;
		bool ok, per_kg;
		double per_hour;
		const char *ucum;
	} cases[] = {
		{"mL/h", true, false, 1, "mL"},
		{"mg/h", true, false, 1, "mg"},
		{"ug/kg/min", true, true, 60, "ug"},
		{"mcg/kg/min", true, true, 60, "ug"},
		{"mg/kg/h", true, true, 1, "mg"},
		{"[iU]/h", true, false, 1, "[iU]"},
		{"units/kg/hr", true, true, 1, "[iU]"},
		{"mmol/h", true, false, 1, "mmol"},
		{"mEq/h", true, false, 1, "meq"},
		{"mmol/kg/h", true, true, 1, "mmol"},
		{"mmol", false, false, 0, ""},
		{"mg", false, false, 0, ""},
		{"mg/day", false, false, 0, ""},
		{"tablet/h", false, false, 0, ""},
		{"mg/m2/h", false, false, 0, ""},
		{"mg/kg/h/h", false, false, 0, ""},
		{"", false, false, 0, ""},
	};
	dosage_rate_unit u;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		med_err err = dosage_rate_unit_parse(cases[i].text, &u);

		if ((err == MED_OK) != cases[i].ok)
			mt_fail(__FILE__, __LINE__, "%s: error %d",
				cases[i].text, (int)err);
		if (!cases[i].ok)
			continue;
		MT_EQ_INT(u.per_kg, cases[i].per_kg);
		MT_NEAR(u.per_hour, cases[i].per_hour, 0);
		MT_EQ_STR(u.amount.ucum, cases[i].ucum);
	}
}

/* 0.1 ug/kg/min for 80 kg is 480 ug/h; 5 mL/h of 1 mg/mL is 5 mg/h. */
static void
test_conversion(void)
{
	dosage_rate_unit u;
	dosage_drug d = SMARTMED__DOSAGE__V1__DRUG__INIT;
	double out = 0;

	MT_OK(dosage_rate_unit_parse("ug/kg/min", &u));
	MT_NEAR(dosage_rate_amount_per_hour(&u, 0.1, 80), 480, 1e-9);
	MT_OK(dosage_rate_unit_parse("mL/h", &u));
	d.unit = "mg";
	d.concentration_amount = 50;
	d.concentration_volume_ml = 50;
	MT_OK(dosage_drug_convert(&d, dosage_rate_amount_per_hour(&u, 5, 0),
				  u.amount.ucum, &out));
	MT_NEAR(out, 5, 1e-9);
	d.concentration_amount = 0;
	d.concentration_volume_ml = 0;
	MT_EQ_INT(dosage_drug_convert(&d, 5, "mL", &out), MED_ERR_INVALID);
}

static const dosage_rate_limits LIMITS = {
	.unit = "mg",
	.max_per_hour = 10,
	.max_per_kg_per_hour = 0.2,
	.ceiling_per_hour = 20,
	.max_24h = 100,
};

static void
test_limits(void)
{
	static const struct {
		const char *name;
		double per_hour, weight, given;
		bool ceiling;
		dosage_dose_status rate, daily;
	} cases[] = {
		{"well within", 4, 70, 0, false, DOSAGE_DOSE_OK,
		 DOSAGE_DOSE_OK},
		{"from 90% warns", 9.5, 70, 0, false, DOSAGE_DOSE_WARN,
		 DOSAGE_DOSE_OK},
		{"exactly the maximum", 10, 70, 0, false, DOSAGE_DOSE_WARN,
		 DOSAGE_DOSE_OK},
		{"above soft maximum", 12, 70, 0, false, DOSAGE_DOSE_HARD_STOP,
		 DOSAGE_DOSE_OK},
		{"per kg is tighter", 8, 30, 0, false, DOSAGE_DOSE_HARD_STOP,
		 DOSAGE_DOSE_OK},
		{"above the ceiling", 25, 200, 0, true, DOSAGE_DOSE_HARD_STOP,
		 DOSAGE_DOSE_OK},
		{"24 h with the next hour", 5, 70, 96, false, DOSAGE_DOSE_OK,
		 DOSAGE_DOSE_HARD_STOP},
		{"24 h warns", 5, 70, 86, false, DOSAGE_DOSE_OK,
		 DOSAGE_DOSE_WARN},
	};
	dosage_dose_result r[DOSAGE_RATE_N_CHECKS];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dosage_rate_case c = {.per_hour = cases[i].per_hour,
				      .has_weight = true,
				      .weight_kg = cases[i].weight,
				      .given_24h = cases[i].given};
		bool ceiling = dosage_rate_evaluate(&LIMITS, &c, r);

		if (ceiling != cases[i].ceiling ||
		    r[0].status != cases[i].rate ||
		    r[1].status != cases[i].daily)
			mt_fail(__FILE__, __LINE__,
				"%s: ceiling %d rate %d daily %d, want %d %d "
				"%d (%s)",
				cases[i].name, ceiling, r[0].status,
				r[1].status, cases[i].ceiling, cases[i].rate,
				cases[i].daily, r[0].reason);
		MT_EQ_INT(r[0].check, DOSAGE_DOSE_CHECK_INFUSION_RATE);
		MT_EQ_INT(r[1].check, DOSAGE_DOSE_CHECK_DAILY_MAX);
	}
}

static void
test_missing_weight(void)
{
	dosage_rate_limits l = LIMITS;
	dosage_rate_case c = {.per_hour = 4};
	dosage_dose_result r[DOSAGE_RATE_N_CHECKS];

	/* A rate per kg without a weight stops unless the drug says warn. */
	(void)dosage_rate_evaluate(&l, &c, r);
	MT_EQ_INT(r[0].status, DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r[0].reason, "no recorded weight") != NULL);
	l.weight_missing = DOSAGE_DOSE_POLICY_WARN;
	MT_TRUE(!dosage_rate_evaluate(&l, &c, r));
	MT_EQ_INT(r[0].status, DOSAGE_DOSE_NOT_CHECKED);
	l.weight_missing = DOSAGE_DOSE_POLICY_HARD_STOP;
	(void)dosage_rate_evaluate(&l, &c, r);
	MT_EQ_INT(r[0].status, DOSAGE_DOSE_HARD_STOP);
	l.max_per_hour = l.max_per_kg_per_hour = l.max_24h = 0;
	(void)dosage_rate_evaluate(&l, &c, r);
	MT_EQ_INT(r[0].status, DOSAGE_DOSE_NOT_APPLICABLE);
	MT_EQ_INT(r[1].status, DOSAGE_DOSE_NOT_APPLICABLE);
}

/* A second infusion of the substance counts the first one's uncharted
 * share and its next hour, and the refusal names them. */
static void
test_running_infusions(void)
{
	dosage_rate_case c = {.per_hour = 5,
			      .has_weight = true,
			      .weight_kg = 70,
			      .given_24h = 90,
			      .running_24h = 30};
	dosage_dose_result r[DOSAGE_RATE_N_CHECKS];

	(void)dosage_rate_evaluate(&LIMITS, &c, r);
	MT_EQ_INT(r[1].status, DOSAGE_DOSE_WARN);
	c.others_per_hour = 6;
	(void)dosage_rate_evaluate(&LIMITS, &c, r);
	MT_EQ_INT(r[1].status, DOSAGE_DOSE_HARD_STOP);
	MT_NEAR(r[1].value, 101, 1e-9);
	MT_TRUE(strstr(r[1].reason, "36 mg of it from running infusions") !=
		NULL);
}

static void
test_delivered(void)
{
	MT_NEAR(dosage_rate_delivered(5, 0, DOSAGE_HOUR_MS * 3 / 2), 7.5, 1e-9);
	MT_NEAR(dosage_rate_delivered(5, 1000, 1000), 0, 0);
	MT_NEAR(dosage_rate_delivered(5, 2000, 1000), 0, 0);
}

static const mt_case cases[] = {
	{"units", test_units},
	{"conversion", test_conversion},
	{"limits", test_limits},
	{"missing_weight", test_missing_weight},
	{"delivered", test_delivered},
	{"running", test_running_infusions},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
