/*
 * test_labs.c - the lab and pregnancy rules (labs.c): the lab rules'
 * syntax, each rule at and beyond its limit and its age, a unit that does
 * not convert, a stale value that said stop, Cockcroft-Gault, the newest
 * renal evidence, a stale contraindicating clearance, and pregnancy,
 * through dosage_dose_evaluate as the service runs them.
 */
#include "testlib.h"

#include "dose.h"

#include <string.h>

#define NOW  1700000000000LL
#define HOUR (3600LL * 1000)
#define DAY  (24 * HOUR)

enum {
	OK = DOSAGE_DOSE_OK,
	WARN = DOSAGE_DOSE_WARN,
	STOP = DOSAGE_DOSE_HARD_STOP,
	NC = DOSAGE_DOSE_NOT_CHECKED,
	NA = DOSAGE_DOSE_NOT_APPLICABLE,
};

#define I_RENAL	    6
#define I_LAB	    12
#define I_PREGNANCY 13

static dosage_dose_limits
drug(const char *rules)
{
	dosage_dose_limits l = {.unit = "mmol", .single_max = 40};
	char why[128];

	MT_OK(dosage_lab_rules_parse(rules, l.lab_rules, DOSAGE_LAB_MAX_RULES,
				     &l.n_lab_rules, why, sizeof(why)));
	return l;
}

static dosage_dose_patient
adult(char sex)
{
	dosage_dose_patient p = {
		.has_age = true,
		.age_days = 60 * 365,
		.age_years = 60,
		.has_weight = true,
		.weight_kg = 70,
		.weight_ms = NOW - HOUR,
		.allergies_known = true,
		.sex = sex,
		.labs_known = true,
		.pregnancy_known = true,
	};

	return p;
}

static void
lab(dosage_dose_patient *p, dosage_lab k, double v, int64_t at_ms)
{
	p->labs[k].present = true;
	p->labs[k].value = v;
	p->labs[k].at_ms = at_ms;
	p->labs[k].unit = dosage_lab_unit(k);
}

static const dosage_dose_result *
eval(const dosage_dose_limits *l, const dosage_dose_patient *p, int i,
     dosage_dose_result out[DOSAGE_DOSE_N_CHECKS])
{
	dosage_dose_history h = {0};

	dosage_dose_evaluate(l, p, &h, 10, NOW, out);
	return &out[i];
}

static void
test_rules_syntax(void)
{
	dosage_lab_rule r[DOSAGE_LAB_MAX_RULES];
	char why[160], text[256];
	size_t n;

	MT_OK(dosage_lab_rules_parse("potassium:max=5.0:stop:age_h=24:need;"
				     "inr:max=4:warn",
				     r, DOSAGE_LAB_MAX_RULES, &n, why,
				     sizeof(why)));
	MT_EQ_INT(n, 2);
	MT_EQ_INT(r[0].analyte, DOSAGE_LAB_POTASSIUM);
	MT_TRUE(r[0].is_max && r[0].stop && r[0].need);
	MT_NEAR(r[0].limit, 5, 1e-12);
	MT_EQ_INT(r[0].max_age_ms, 24 * HOUR);
	MT_TRUE(r[1].is_max && !r[1].stop && !r[1].need);
	MT_EQ_INT(r[1].max_age_ms, 24 * HOUR); /* the default */
	MT_TRUE(dosage_lab_rules_format(r, n, text, sizeof(text)));
	MT_EQ_STR(text, "potassium:max=5:stop:age_h=24:need;"
			"inr:max=4:warn:age_h=24");
	MT_OK(dosage_lab_rules_parse("glucose:min=4:stop:age_h=6", r, 8, &n,
				     why, sizeof(why)));
	MT_TRUE(!r[0].is_max);
	MT_OK(dosage_lab_rules_parse("", r, 8, &n, why, sizeof(why)));
	MT_EQ_INT(n, 0);
	MT_EQ_INT(dosage_lab_rules_parse("sodium:max=150:stop", r, 8, &n, why,
					 sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "rule 1") != NULL);
	MT_EQ_INT(dosage_lab_rules_parse("inr:max=4:stop;inr:max=x:stop", r, 8,
					 &n, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "rule 2 (inr)") != NULL);
	MT_EQ_INT(
		dosage_lab_rules_parse("inr:max=4", r, 8, &n, why, sizeof(why)),
		MED_ERR_INVALID);
	MT_EQ_INT(dosage_lab_rules_parse("inr:max=4:min=1:stop", r, 8, &n, why,
					 sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_lab_rules_parse("inr:max=4:stop:age_h=0", r, 8, &n,
					 why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_lab_rules_parse("inr:max=4:stop;", r, 8, &n, why,
					 sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_lab_rules_parse("inr:max=4:stop;inr:max=5:stop", r, 1,
					 &n, why, sizeof(why)),
		  MED_ERR_LIMIT);
}

static void
test_pregnancy_names(void)
{
	dosage_pregnancy_risk risk;

	MT_OK(dosage_pregnancy_parse("", &risk));
	MT_EQ_INT(risk, DOSAGE_PREGNANCY_NONE);
	MT_OK(dosage_pregnancy_parse("contraindicated", &risk));
	MT_EQ_STR(dosage_pregnancy_name(risk), "contraindicated");
	MT_OK(dosage_pregnancy_parse("avoid", &risk));
	MT_EQ_STR(dosage_pregnancy_name(risk), "avoid");
	MT_EQ_INT(dosage_pregnancy_parse("harmful", &risk), MED_ERR_INVALID);
}

/* Potassium chloride: above 5.0 mmol/L stops, a value within 24 h
 * needed. */
static void
test_potassium_rule(void)
{
	dosage_dose_limits l = drug("potassium:max=5.0:stop:age_h=24:need");
	dosage_dose_patient p = adult('M');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r;

	r = eval(&l, &p, I_LAB, out);
	MT_EQ_INT(r->check, DOSAGE_DOSE_CHECK_LAB);
	MT_EQ_INT(r->status, STOP); /* none: it needs one */
	MT_TRUE(strstr(r->reason, "no potassium result") != NULL);
	lab(&p, DOSAGE_LAB_POTASSIUM, 5.0, NOW - HOUR);
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, OK); /* at the limit */
	lab(&p, DOSAGE_LAB_POTASSIUM, 6.1, NOW - HOUR);
	r = eval(&l, &p, I_LAB, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "potassium 6.1 mmol/L above 5") != NULL);
	MT_EQ_INT(dosage_dose_worst(out, DOSAGE_DOSE_N_CHECKS), STOP);
	/* 25 h old: the stop it said stays, asking for a new value. */
	lab(&p, DOSAGE_LAB_POTASSIUM, 6.1, NOW - 25 * HOUR);
	r = eval(&l, &p, I_LAB, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "chart a new value") != NULL);
	/* A stale normal value: needed, so a stop; without need not
	 * checked. */
	lab(&p, DOSAGE_LAB_POTASSIUM, 4.1, NOW - 25 * HOUR);
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, STOP);
	l.lab_rules[0].need = false;
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, NC);
	/* The record not read. */
	p.labs_known = false;
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, NC);
	/* No rules: not applicable. */
	l.n_lab_rules = 0;
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, NA);
}

static void
test_unit_that_does_not_convert(void)
{
	dosage_dose_limits l = drug("potassium:max=5.5:warn");
	dosage_dose_patient p = adult('F');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r;

	lab(&p, DOSAGE_LAB_POTASSIUM, 23, NOW - HOUR);
	p.labs[DOSAGE_LAB_POTASSIUM].unusable = true;
	p.labs[DOSAGE_LAB_POTASSIUM].unit = "mg/dL";
	r = eval(&l, &p, I_LAB, out);
	MT_EQ_INT(r->status, NC);
	MT_TRUE(strncmp(r->reason, "not checked: unit", 17) == 0);
	MT_TRUE(strstr(r->reason, "mg/dL") != NULL);
}

/* The worst rule wins: digoxin warns below 3.5 and an INR above 4 stops
 * warfarin while a low one is fine. */
static void
test_worst_rule_and_min(void)
{
	dosage_dose_limits l = drug("potassium:min=3.5:warn:age_h=72;"
				    "inr:max=4:stop:age_h=72");
	dosage_dose_patient p = adult('M');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	lab(&p, DOSAGE_LAB_POTASSIUM, 3.2, NOW - 2 * DAY);
	lab(&p, DOSAGE_LAB_INR, 2.5, NOW - DAY);
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, WARN);
	lab(&p, DOSAGE_LAB_INR, 6.2, NOW - DAY);
	MT_EQ_INT(eval(&l, &p, I_LAB, out)->status, STOP);
	MT_TRUE(strstr(out[I_LAB].reason, "inr 6.2") != NULL);
}

static void
test_cockcroft_gault(void)
{
	/* (140 - 60) x 70 / (72 x 1.0 mg/dL) = 77.8 mL/min. */
	MT_NEAR(dosage_cockcroft_gault(60, 70, false, 88.42), 77.777777, 1e-4);
	MT_NEAR(dosage_cockcroft_gault(60, 70, true, 88.42), 66.111111, 1e-4);
	/* 2 mg/dL (176.84 umol/L) halves it. */
	MT_NEAR(dosage_cockcroft_gault(60, 70, false, 176.84), 38.888888, 1e-4);
	MT_NEAR(dosage_cockcroft_gault(17, 70, false, 88.42), 0, 0);
	MT_NEAR(dosage_cockcroft_gault(60, 0, false, 88.42), 0, 0);
	MT_NEAR(dosage_cockcroft_gault(60, 70, false, 0), 0, 0);
}

static void
test_derive_crcl(void)
{
	dosage_dose_patient p = adult('F');

	/* No creatinine: nothing. */
	dosage_dose_derive_crcl(&p, true);
	MT_TRUE(!p.has_crcl);
	lab(&p, DOSAGE_LAB_CREATININE, 265.26, NOW - HOUR); /* 3 mg/dL */
	/* No sex, or no usable weight: nothing. */
	p.sex = 0;
	dosage_dose_derive_crcl(&p, true);
	MT_TRUE(!p.has_crcl);
	p.sex = 'F';
	dosage_dose_derive_crcl(&p, false);
	MT_TRUE(!p.has_crcl);
	dosage_dose_derive_crcl(&p, true);
	MT_TRUE(p.has_crcl);
	MT_NEAR(p.crcl_ml_min, 80.0 * 70 * 0.85 / (72 * 3), 1e-6);
	MT_EQ_STR(p.crcl_label, "Cockcroft-Gault clearance");
	/* A measured clearance newer than the creatinine wins. */
	p = adult('F');
	lab(&p, DOSAGE_LAB_CREATININE, 265.26, NOW - DAY);
	p.has_crcl = true;
	p.crcl_ml_min = 60;
	p.crcl_ms = NOW - HOUR;
	dosage_dose_derive_crcl(&p, true);
	MT_NEAR(p.crcl_ml_min, 60, 0);
	MT_TRUE(p.crcl_label == NULL);
	/* An older one gives way to the creatinine. */
	p.crcl_ms = NOW - 2 * DAY;
	dosage_dose_derive_crcl(&p, true);
	MT_TRUE(p.crcl_ml_min < 30);
}

/* The renal band by the newest evidence: a creatinine today drives it
 * over last week's measured clearance, and an eGFR newer than both wins. */
static void
test_newest_renal_evidence(void)
{
	dosage_dose_limits l = drug("");
	dosage_dose_patient p = adult('M');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	dosage_renal_function f;
	const dosage_dose_result *r;

	l.bands[0] = (dosage_dose_band){30, 0, 0};
	l.n_bands = 1;
	p.has_crcl = true;
	p.crcl_ml_min = 80;
	p.crcl_ms = NOW - 5 * DAY;
	MT_EQ_INT(eval(&l, &p, I_RENAL, out)->status, OK);
	/* 3 mg/dL today: (140-60) x 70 / (72 x 3) = 25.9. */
	lab(&p, DOSAGE_LAB_CREATININE, 265.26, NOW - HOUR);
	r = eval(&l, &p, I_RENAL, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "Cockcroft-Gault") != NULL);
	/* An eGFR newer still decides. */
	p.has_egfr = true;
	p.egfr_ml_min_173 = 70;
	p.egfr_ms = NOW - 1000;
	p.egfr_equation = "CKD-EPI 2021";
	r = eval(&l, &p, I_RENAL, out);
	MT_EQ_INT(r->status, OK);
	MT_TRUE(strstr(r->reason, "eGFR") != NULL);
	/* Older than the clearance, it does not. */
	p.labs[DOSAGE_LAB_CREATININE].present = false;
	p.crcl_ms = NOW - HOUR;
	p.crcl_ml_min = 20;
	p.egfr_ms = NOW - DAY;
	MT_TRUE(dosage_dose_renal_function(&l, &p, NOW, 0, &f));
	MT_TRUE(!f.from_egfr);
	MT_NEAR(f.value, 20, 0);
}

/* A clearance that was a contraindication 8 days ago stays a stop. */
static void
test_stale_contraindication(void)
{
	dosage_dose_limits l = drug("");
	dosage_dose_patient p = adult('M');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r;

	l.bands[0] = (dosage_dose_band){30, 0, 0};
	l.bands[1] = (dosage_dose_band){50, 0.5, 0};
	l.n_bands = 2;
	l.crcl_missing = DOSAGE_DOSE_POLICY_WARN;
	p.has_crcl = true;
	p.crcl_ml_min = 20;
	p.crcl_ms = NOW - 8 * DAY;
	r = eval(&l, &p, I_RENAL, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "8 days old") != NULL);
	MT_TRUE(strstr(r->reason, "chart a new value") != NULL);
	/* A stale value in a band that only reduces: not checked, as
	 * before. */
	p.crcl_ml_min = 40;
	MT_EQ_INT(eval(&l, &p, I_RENAL, out)->status, NC);
	/* A stale contraindicating eGFR too. */
	p.has_crcl = false;
	p.has_egfr = true;
	p.egfr_ml_min_173 = 15;
	p.egfr_ms = NOW - 9 * DAY;
	p.egfr_equation = "CKD-EPI 2021";
	MT_EQ_INT(eval(&l, &p, I_RENAL, out)->status, STOP);
}

static void
test_pregnancy(void)
{
	dosage_dose_limits l = drug("");
	dosage_dose_patient p = adult('F');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r;

	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, NA);
	l.pregnancy = DOSAGE_PREGNANCY_CONTRAINDICATED;
	l.pregnancy_source = "MHRA 2023";
	r = eval(&l, &p, I_PREGNANCY, out);
	MT_EQ_INT(r->check, DOSAGE_DOSE_CHECK_PREGNANCY);
	MT_EQ_INT(r->status, OK);
	p.pregnant = true;
	p.pregnancy_evidence = "Z33.1";
	r = eval(&l, &p, I_PREGNANCY, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "Z33.1") && strstr(r->reason, "MHRA 2023"));
	l.pregnancy = DOSAGE_PREGNANCY_AVOID;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, WARN);
	/* The problem list not read, no positive test: not checked. */
	p.pregnant = false;
	p.pregnancy_known = false;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, NC);
	p.sex = 'M';
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
}

/* A woman of childbearing age with no recorded pregnancy status: a drug
 * contraindicated in pregnancy stops until a status is recorded or a
 * pregnancy-prevention programme is confirmed (issue 72). */
static void
test_pregnancy_unknown(void)
{
	dosage_dose_limits l = drug("");
	dosage_dose_patient p = adult('F');
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r;

	l.pregnancy = DOSAGE_PREGNANCY_CONTRAINDICATED;
	p.age_years = 30;
	p.age_days = 30 * 365;
	p.childbearing_min_years = 12;
	p.childbearing_max_years = 55;
	r = eval(&l, &p, I_PREGNANCY, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "no pregnancy status recorded") != NULL);
	MT_TRUE(strstr(r->reason, "pregnancy-prevention programme") != NULL);
	/* Unknown even when the problem list is not read. */
	p.pregnancy_known = false;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, STOP);
	p.pregnancy_known = true;
	/* A negative test records a status. */
	p.pregnancy_recorded = true;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
	/* So does a programme confirmed, and the reason says so. */
	p.pregnancy_recorded = false;
	p.pregnancy_prevention = true;
	r = eval(&l, &p, I_PREGNANCY, out);
	MT_EQ_INT(r->status, OK);
	MT_TRUE(strstr(r->reason, "pregnancy-prevention programme") != NULL);
	p.pregnancy_prevention = false;
	/* The ages the hospital sets, inclusive; an unknown age counts. */
	p.age_years = 55;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, STOP);
	p.age_years = 56;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
	p.age_years = 11;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
	p.has_age = false;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, STOP);
	p.has_age = true;
	p.age_years = 30;
	/* Not a woman, the rule off, or a drug only to avoid: no stop. */
	p.sex = 'M';
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
	p.sex = 'F';
	p.childbearing_max_years = 0;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
	p.childbearing_max_years = 55;
	l.pregnancy = DOSAGE_PREGNANCY_AVOID;
	MT_EQ_INT(eval(&l, &p, I_PREGNANCY, out)->status, OK);
}

static const mt_case cases[] = {
	{"rules_syntax", test_rules_syntax},
	{"pregnancy_names", test_pregnancy_names},
	{"potassium_rule", test_potassium_rule},
	{"unit_that_does_not_convert", test_unit_that_does_not_convert},
	{"worst_rule_and_min", test_worst_rule_and_min},
	{"cockcroft_gault", test_cockcroft_gault},
	{"derive_crcl", test_derive_crcl},
	{"newest_renal_evidence", test_newest_renal_evidence},
	{"stale_contraindication", test_stale_contraindication},
	{"pregnancy", test_pregnancy},
	{"pregnancy_unknown", test_pregnancy_unknown},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
