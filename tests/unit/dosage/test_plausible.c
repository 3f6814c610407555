/*
 * test_plausible.c - the plausible-facts rules (plausible.c): a weight
 * against the age and against the previous weight, a drug's maximum age
 * of a weight, and the renal function a band is judged by (creatinine
 * clearance or an eGFR with its equation), each at and beyond its edge,
 * and the ward's scenarios of issue 30 through dosage_dose_evaluate.
 */
#include "testlib.h"

#include "dose.h"

#include <string.h>

#define NOW  1700000000000LL
#define HOUR (3600LL * 1000)
#define DAY  (24 * HOUR)

enum {
	OK = DOSAGE_DOSE_OK,
	STOP = DOSAGE_DOSE_HARD_STOP,
	NC = DOSAGE_DOSE_NOT_CHECKED,
};

/* A drug dosed per kg with renal bands: 15 mg/kg, halved below 30. */
static dosage_dose_limits
per_kg_drug(void)
{
	dosage_dose_limits l = {
		.unit = "mg",
		.single_max = 1000,
		.max_per_kg = 15,
		.bands = {{30, 0.5, 0}, {10, 0, 0}},
		.n_bands = 2,
		.weight_missing = DOSAGE_DOSE_POLICY_WARN,
	};

	dosage_dose_bands_sort(l.bands, l.n_bands);
	return l;
}

static dosage_dose_patient
aged(int64_t days, double kg)
{
	dosage_dose_patient p = {
		.has_age = true,
		.age_days = days,
		.age_years = (int)(days / 365),
		.has_weight = true,
		.weight_kg = kg,
		.weight_ms = NOW - HOUR,
		.allergies_known = true,
	};

	return p;
}

static void
test_weight_bounds_table(void)
{
	double lo, hi;

	dosage_dose_weight_bounds(0, &lo, &hi);
	MT_NEAR(lo, 0.3, 1e-9);
	MT_NEAR(hi, 5.5, 1e-9);
	/* Three months: between the 3- and 4-month rows. */
	dosage_dose_weight_bounds(92, &lo, &hi);
	MT_TRUE(hi >= 10 && hi < 11);
	MT_TRUE(3.5 > lo && 35 > hi);
	/* Adults: 25 to 350 kg. */
	dosage_dose_weight_bounds(40 * 365, &lo, &hi);
	MT_NEAR(lo, 25, 1e-9);
	MT_NEAR(hi, 350, 1e-9);
	/* Bounds never fall with age below 18. */
	for (int64_t d = 1; d < 18 * 365; d += 7) {
		double lo2, hi2;

		dosage_dose_weight_bounds(d - 1, &lo, &hi);
		dosage_dose_weight_bounds(d, &lo2, &hi2);
		MT_TRUE(lo2 >= lo - 1e-12 && hi2 >= hi - 1e-12);
	}
}

static void
test_infant_35_kg_is_a_hard_stop(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = aged(92, 35);
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	char why[160];

	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_IMPLAUSIBLE);
	MT_TRUE(strstr(why, "weight_for_age") != NULL);
	MT_TRUE(strstr(why, "at 3 months") != NULL);
	/* 52.5 mg is 15 mg/kg of 3.5 kg: a tenfold slip would allow 525.
	 * The drug's policy for a missing weight is warn: an implausible
	 * one still stops. */
	dosage_dose_evaluate(&l, &p, &h, 525, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	MT_TRUE(strstr(out[DOSAGE_DOSE_CHECK_PER_KG - 1].reason,
		       "weight_for_age") != NULL);
	/* The right weight: 35 mg is 10 mg/kg. */
	p.weight_kg = 3.5;
	dosage_dose_evaluate(&l, &p, &h, 35, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, OK);
	/* Confirmed: a 35 kg infant is used as charted. */
	p.weight_kg = 35;
	p.weight_confirmed = true;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
}

static void
test_adult_bounds_and_unknown_age(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = aged(40 * 365, 24.9);
	char why[160];

	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_IMPLAUSIBLE);
	p.weight_kg = 25;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.weight_kg = 350.1;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_IMPLAUSIBLE);
	/* Without an age there is nothing to judge the weight by. */
	p.has_age = false;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.has_weight = false;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_UNKNOWN);
	MT_EQ_STR(why, "weight unknown");
}

static void
test_weight_max_age_per_drug(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = aged(40 * 365, 70);
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	char why[160];

	/* Default 30 days: at the edge still used, a month and a bit not. */
	p.weight_ms = NOW - 30 * DAY;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.weight_ms = NOW - 120 * DAY; /* four months old */
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_STALE);
	MT_EQ_STR(why, "weight older than 30 days");
	/* The drug says 7 days: an 8-day-old weight is stale. */
	l.weight_max_age_ms = 7 * DAY;
	p.weight_ms = NOW - 7 * DAY;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.weight_ms = NOW - 8 * DAY;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_STALE);
	MT_EQ_STR(why, "weight older than 7 days (weight_max_age_days)");
	/* The drug's policy decides what a stale weight does. */
	l.weight_missing = DOSAGE_DOSE_POLICY_HARD_STOP;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	l.weight_missing = DOSAGE_DOSE_POLICY_WARN;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, NC);
}

static void
test_weight_jump(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = aged(40 * 365, 84.1);
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	char why[160];

	p.has_prev_weight = true;
	p.prev_weight_kg = 70;
	p.prev_weight_ms = NOW - 3 * DAY;
	p.weight_jump_fraction = 0.2;
	/* 84 kg is 20 % over 70: not over the setting. */
	p.weight_kg = 84;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.weight_kg = 84.1;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_JUMP);
	MT_TRUE(strstr(why, "weight_jump") != NULL);
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	/* Downward too: 70 -> 55.9. */
	p.weight_kg = 55.9;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_JUMP);
	/* Confirmed, or no rule, or a previous weight older than the
	 * weight's maximum age before it: used. */
	p.weight_confirmed = true;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.weight_confirmed = false;
	p.weight_jump_fraction = 0;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	p.weight_jump_fraction = 0.2;
	p.prev_weight_ms = p.weight_ms - 31 * DAY;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
	/* The weight charted to correct a slip (an infant's 35 kg) is no
	 * jump from the slip. */
	p = aged(92, 3.5);
	p.has_prev_weight = true;
	p.prev_weight_kg = 35;
	p.prev_weight_ms = NOW - 2 * HOUR;
	p.weight_jump_fraction = 0.2;
	MT_EQ_INT(dosage_dose_weight_assess(&l, &p, NOW, why, sizeof(why)),
		  DOSAGE_WEIGHT_USABLE);
}

static dosage_dose_patient
renal_patient(void)
{
	dosage_dose_patient p = aged(60 * 365, 70);

	p.has_height = true;
	p.height_cm = 175;
	p.height_ms = NOW - HOUR;
	return p;
}

static void
test_renal_function_choice(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = renal_patient();
	dosage_renal_function f;

	/* Nothing known. */
	MT_TRUE(!dosage_dose_renal_function(&l, &p, NOW, 0, &f));
	/* An eGFR without its equation is no fact. */
	p.has_egfr = true;
	p.egfr_ml_min_173 = 25;
	p.egfr_ms = NOW - HOUR;
	MT_TRUE(!dosage_dose_renal_function(&l, &p, NOW, 0, &f));
	p.egfr_equation = "CKD-EPI 2021";
	/* Default basis: the eGFR stands in, de-indexed by the BSA. */
	MT_TRUE(dosage_dose_renal_function(&l, &p, NOW, 1.73 * 1.2, &f));
	MT_TRUE(f.from_egfr);
	MT_NEAR(f.value, 30, 1e-9);
	MT_EQ_STR(f.unit, "mL/min");
	MT_TRUE(dosage_dose_renal_function(&l, &p, NOW, 0, &f));
	MT_NEAR(f.value, 25, 1e-9);
	MT_EQ_STR(f.unit, "mL/min/1.73m2");
	MT_EQ_STR(f.label, "eGFR (CKD-EPI 2021)");
	/* A current clearance comes first. */
	p.has_crcl = true;
	p.crcl_ml_min = 40;
	p.crcl_ms = NOW - HOUR;
	MT_TRUE(dosage_dose_renal_function(&l, &p, NOW, 0, &f));
	MT_TRUE(!f.from_egfr);
	MT_NEAR(f.value, 40, 1e-9);
	/* eGFR basis: the eGFR as reported, even with a clearance. */
	l.renal_basis = DOSAGE_RENAL_EGFR;
	MT_TRUE(dosage_dose_renal_function(&l, &p, NOW, 2.0, &f));
	MT_NEAR(f.value, 25, 1e-9);
	/* crcl_only: never the eGFR. */
	l.renal_basis = DOSAGE_RENAL_CRCL_ONLY;
	p.has_crcl = false;
	MT_TRUE(!dosage_dose_renal_function(&l, &p, NOW, 0, &f));
	/* A stale eGFR (over 7 days) is not used either. */
	l.renal_basis = DOSAGE_RENAL_CRCL;
	p.egfr_ms = NOW - DOSAGE_DOSE_CRCL_MAX_AGE_MS - 1;
	MT_TRUE(!dosage_dose_renal_function(&l, &p, NOW, 0, &f));
}

static void
test_egfr_25_drives_the_renal_band(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = renal_patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r = &out[DOSAGE_DOSE_CHECK_RENAL - 1];

	l.renal_basis = DOSAGE_RENAL_EGFR;
	/* Without the eGFR: not checked. */
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, NC);
	p.has_egfr = true;
	p.egfr_ml_min_173 = 25;
	p.egfr_ms = NOW - HOUR;
	p.egfr_equation = "CKD-EPI 2021";
	/* 800 mg is over the halved 1000 mg. */
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "renally adjusted dose") != NULL);
	dosage_dose_evaluate(&l, &p, &h, 400, NOW, out);
	MT_EQ_INT(r->status, OK);
	/* Below 10: contraindicated, the reason names the eGFR. */
	p.egfr_ml_min_173 = 8;
	dosage_dose_evaluate(&l, &p, &h, 100, NOW, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "eGFR (CKD-EPI 2021)") != NULL);
	/* crcl_only names why the eGFR does not count. */
	l.renal_basis = DOSAGE_RENAL_CRCL_ONLY;
	dosage_dose_evaluate(&l, &p, &h, 100, NOW, out);
	MT_EQ_INT(r->status, NC);
	MT_TRUE(strstr(r->reason, "crcl_only") != NULL);
}

static void
test_renal_basis_names(void)
{
	dosage_dose_renal_basis b;

	MT_OK(dosage_dose_renal_basis_parse("", &b));
	MT_EQ_INT(b, DOSAGE_RENAL_CRCL);
	MT_OK(dosage_dose_renal_basis_parse("egfr", &b));
	MT_EQ_INT(b, DOSAGE_RENAL_EGFR);
	MT_OK(dosage_dose_renal_basis_parse("crcl_only", &b));
	MT_EQ_INT(b, DOSAGE_RENAL_CRCL_ONLY);
	MT_EQ_INT(dosage_dose_renal_basis_parse("gfr", &b), MED_ERR_INVALID);
	MT_EQ_STR(dosage_dose_renal_basis_name(DOSAGE_RENAL_EGFR), "egfr");
}

static void
test_hepatic_bands_text(void)
{
	dosage_dose_limits l = {0};
	char out[64];

	MT_OK(dosage_dose_hepatic_parse("A:1;B:0.5;C:0", &l));
	MT_EQ_INT(l.hepatic_set, 7);
	MT_NEAR(l.hepatic_factor[1], 0.5, 1e-12);
	MT_TRUE(dosage_dose_hepatic_format(&l, out, sizeof(out)));
	MT_EQ_STR(out, "A:1;B:0.5;C:0");
	MT_OK(dosage_dose_hepatic_parse("", &l));
	MT_EQ_INT(l.hepatic_set, 0);
	MT_EQ_INT(dosage_dose_hepatic_parse("D:0.5", &l), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_hepatic_parse("B:1.5", &l), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_hepatic_parse("B:0.5;B:0", &l), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_hepatic_parse("C:0;", &l), MED_ERR_INVALID);
}

static void
test_hepatic_check(void)
{
	dosage_dose_limits l = per_kg_drug();
	dosage_dose_patient p = aged(60 * 365, 70);
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *r = &out[11];

	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->check, DOSAGE_DOSE_CHECK_HEPATIC);
	MT_EQ_INT(r->status, DOSAGE_DOSE_NOT_APPLICABLE);
	MT_OK(dosage_dose_hepatic_parse("B:0.5;C:0", &l));
	/* Problem list not read: not checked. */
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, NC);
	p.hepatic_known = true;
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, OK);
	p.hepatic_impaired = true;
	p.hepatic_summary = "K74.6";
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, NC);
	MT_TRUE(strstr(r->reason, "without a Child-Pugh class") != NULL);
	p.child_pugh = 'A'; /* no band for A */
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, OK);
	p.child_pugh = 'B'; /* 800 over the halved 1000 */
	dosage_dose_evaluate(&l, &p, &h, 800, NOW, out);
	MT_EQ_INT(r->status, STOP);
	MT_NEAR(r->limit, 500, 1e-9);
	dosage_dose_evaluate(&l, &p, &h, 400, NOW, out);
	MT_EQ_INT(r->status, OK);
	p.child_pugh = 'C';
	dosage_dose_evaluate(&l, &p, &h, 10, NOW, out);
	MT_EQ_INT(r->status, STOP);
	MT_TRUE(strstr(r->reason, "contraindicated in Child-Pugh C") != NULL);
	MT_EQ_STR(dosage_dose_check_name(DOSAGE_DOSE_CHECK_HEPATIC), "hepatic");
}

static const mt_case cases[] = {
	{"hepatic_bands_text", test_hepatic_bands_text},
	{"hepatic_check", test_hepatic_check},
	{"weight_bounds_table", test_weight_bounds_table},
	{"infant_35_kg_is_a_hard_stop", test_infant_35_kg_is_a_hard_stop},
	{"adult_bounds_and_unknown_age", test_adult_bounds_and_unknown_age},
	{"weight_max_age_per_drug", test_weight_max_age_per_drug},
	{"weight_jump", test_weight_jump},
	{"renal_function_choice", test_renal_function_choice},
	{"egfr_25_drives_the_renal_band", test_egfr_25_drives_the_renal_band},
	{"renal_basis_names", test_renal_basis_names},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
