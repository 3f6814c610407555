/*
 * test_right_dose.c - the dose given against the dose ordered and the
 * duplicate-order rule (issue 47; right_dose.c, classes.c): the 1 %
 * tolerance at, just inside and just outside, a volume converted through
 * the product's concentration before it is compared, the coded reasons,
 * and which pairs of orders of one substance stop or warn.
 */
#include "testlib.h"

#include <med/arena.h>

#include "dosage.h"
#include "checks.h"
#include "catalogue.h"

#include <string.h>

#define DEV(x)                                                                 \
	SMARTMED__DOSAGE__V1__DOSE_DEVIATION_REASON__DOSE_DEVIATION_REASON_##x
#define DAY (24LL * 3600 * 1000)

/* The tolerance is relative 1 % of the ordered dose, both sides. */
static void
test_tolerance(void)
{
	MT_TRUE(dosage_dose_as_ordered(500, 500));
	MT_TRUE(dosage_dose_as_ordered(505, 500));
	MT_TRUE(dosage_dose_as_ordered(495, 500));
	MT_TRUE(!dosage_dose_as_ordered(505.01, 500));
	MT_TRUE(!dosage_dose_as_ordered(494.99, 500));
	MT_TRUE(!dosage_dose_as_ordered(1000, 500));
	MT_TRUE(!dosage_dose_as_ordered(40, 4));
	/* 2.3 mL of 1000 units/mL with binary noise is still 2300 units. */
	MT_TRUE(dosage_dose_as_ordered(2299.9999999999995, 2300));
	/* Nothing matches an order without a dose. */
	MT_TRUE(!dosage_dose_as_ordered(0, 0));
}

static dosage_drug
u100(void)
{
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "INS-U100";
	d.unit = "[iU]";
	d.concentration_amount = 100;
	d.concentration_volume_ml = 1;
	return d;
}

/* A dose in mL of a liquid dosed in units is converted before the
 * comparison: 4 mL of 100 units/mL is 400 units, the ordered dose. */
static void
test_volume_converts(void)
{
	dosage_drug d = u100();
	dosage_order o;
	med_problem p = {0};
	double v;

	smartmed__dosage__v1__order__init(&o);
	o.dose = 400;
	o.unit = "units";
	o.dose_in_drug_unit = 400;
	MT_NEAR(dosage_ordered_amount(&o, &d), 400, 1e-9);
	MT_OK(dosage_drug_convert(&d, 4, "mL", &v));
	MT_OK(dosage_right_dose_problem("the dose charted", v, 400, d.unit,
					NULL, &p));
	MT_OK(dosage_drug_convert(&d, 0.4, "mL", &v));
	MT_EQ_INT(dosage_right_dose_problem("the dose charted", v, 400, d.unit,
					    NULL, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "dose");
	MT_TRUE(strstr(p.reason, "charted 40 units, ordered 400 units") !=
		NULL);
	/* An order whose unit no longer converts keeps what entry stored. */
	o.unit = "mg";
	MT_NEAR(dosage_ordered_amount(&o, &d), 400, 1e-9);
}

/* Another dose passes only with a reason, and the reason is coded. */
static void
test_reasons(void)
{
	dosage_deviation dev = SMARTMED__DOSAGE__V1__DOSE_DEVIATION__INIT;
	med_problem p = {0};

	MT_OK(dosage_deviation_problem("dose_deviation", NULL, &p));
	MT_EQ_INT(dosage_deviation_problem("dose_deviation", &dev, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "dose_deviation.reason");
	dev.reason = (Smartmed__Dosage__V1__DoseDeviationReason)99;
	MT_EQ_INT(dosage_deviation_problem("dose_deviation", &dev, &p),
		  MED_ERR_INVALID);
	dev.reason = DEV(VOMITED_REPEAT);
	MT_OK(dosage_deviation_problem("dose_deviation", &dev, &p));
	dev.reason = DEV(OTHER);
	MT_EQ_INT(dosage_deviation_problem("dose_deviation", &dev, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "dose_deviation.text");
	dev.text = "ward protocol 12";
	MT_OK(dosage_deviation_problem("dose_deviation", &dev, &p));
	MT_EQ_STR(
		dosage_deviation_reason_name(DEV(PARTIAL_DOSE_PATIENT_REFUSED)),
		"partial dose, patient refused the rest");
	MT_TRUE(dosage_deviation_reason_name(DEV(UNSPECIFIED)) == NULL);
	/* With a reason any dose passes this rule (the limits still run). */
	MT_OK(dosage_right_dose_problem("the dose charted", 1000, 500, "mg",
					&dev, &p));
	MT_EQ_INT(dosage_right_dose_problem("the dose co-signed", 1000, 500,
					    "mg", NULL, &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strncmp(p.reason, "the dose co-signed is not", 25) == 0);
}

/* The summary a chart shows, and only for a counted dose that deviates. */
static void
test_summary(void)
{
	med_arena *a = med_arena_new(1 << 12);
	dosage_admin m;
	char words[128];

	dosage_deviation_summary(2299.9999999999995, 2300, "[iU]", words,
				 sizeof(words));
	MT_EQ_STR(words, "charted 2300 units, ordered 2300 units");
	smartmed__dosage__v1__administration__init(&m);
	m.status = DOSAGE_ADMIN_COMPLETED;
	m.drug_unit = "mg";
	m.dose_in_drug_unit = 1000;
	m.ordered_dose_in_drug_unit = 500;
	MT_OK(dosage_admin_deviation_fill(a, &m));
	MT_EQ_STR(m.dose_deviation_summary, "charted 1000 mg, ordered 500 mg");
	m.dose_in_drug_unit = 500;
	MT_OK(dosage_admin_deviation_fill(a, &m));
	MT_EQ_STR(m.dose_deviation_summary, "");
	/* A record from before the ordered dose was kept says nothing. */
	m.dose_in_drug_unit = 1000;
	m.ordered_dose_in_drug_unit = 0;
	MT_OK(dosage_admin_deviation_fill(a, &m));
	MT_EQ_STR(m.dose_deviation_summary, "");
	m.ordered_dose_in_drug_unit = 500;
	m.status = DOSAGE_ADMIN_NOT_DONE;
	MT_OK(dosage_admin_deviation_fill(a, &m));
	MT_EQ_STR(m.dose_deviation_summary, "");
	med_arena_free(a);
}

/* Periods [start, end) with 0 for no end: taper steps that follow each
 * other do not overlap, steps that share a day do. */
static void
test_periods(void)
{
	MT_TRUE(!dosage_periods_overlap(0, 3 * DAY, 3 * DAY, 6 * DAY));
	MT_TRUE(!dosage_periods_overlap(3 * DAY, 6 * DAY, 0, 3 * DAY));
	MT_TRUE(dosage_periods_overlap(0, 3 * DAY, 2 * DAY, 4 * DAY));
	MT_TRUE(dosage_periods_overlap(0, 0, 5 * DAY, 0));
	MT_TRUE(dosage_periods_overlap(5 * DAY, 0, 0, 6 * DAY));
	MT_TRUE(!dosage_periods_overlap(7 * DAY, 0, 0, 6 * DAY));
}

static dosage_class_other
other(const char *id, const char *substance, bool scheduled, bool prn,
      int64_t start, int64_t end)
{
	dosage_class_other o = {
		.label = "723",
		.order_id = id,
		.substance = substance,
		.prn = prn,
		.start_ms = start,
		.end_ms = end,
		.scheduled = scheduled,
		.by = "dr.a",
	};

	return o;
}

/* Two regular orders of one substance stop; a PRN or once order beside
 * another warns; another substance, or a period that does not overlap,
 * is no duplicate. */
static void
test_duplicate_orders(void)
{
	const char *amox[] = {"amoxicillin"};
	const char *coamox[] = {"amoxicillin", "clavulanic acid"};
	dosage_class_other regular = other("o1", "amoxicillin", true, false, 0,
					   0),
			   prn = other("o2", "amoxicillin", false, true, 0, 0),
			   later = other("o3", "amoxicillin", true, false,
					 5 * DAY, 0),
			   para = other("o4", "paracetamol", true, false, 0, 0);
	dosage_class_other self = other("", "", true, false, 0, 5 * DAY);
	dosage_class_other all[] = {regular, prn, later, para};
	dosage_dose_result r;

	MT_EQ_INT(dosage_duplicate_order_status(true, true),
		  DOSAGE_DOSE_HARD_STOP);
	MT_EQ_INT(dosage_duplicate_order_status(true, false), DOSAGE_DOSE_WARN);
	MT_EQ_INT(dosage_duplicate_order_status(false, false),
		  DOSAGE_DOSE_WARN);
	dosage_order_duplicate(amox, 1, &self, NULL, 0, &r);
	MT_EQ_INT(r.check, DOSAGE_DOSE_CHECK_DUPLICATE_ORDER);
	MT_EQ_INT(r.status, DOSAGE_DOSE_OK);
	dosage_order_duplicate(amox, 1, &self, &prn, 1, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_WARN);
	MT_TRUE(strstr(r.reason, "a PRN order of 723 by dr.a") != NULL);
	dosage_order_duplicate(amox, 1, &self, all, 4, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_HARD_STOP);
	MT_NEAR(r.value, 2, 0);
	MT_TRUE(strncmp(r.reason, "duplicate order of amoxicillin", 30) == 0);
	/* A combination product meets the substance it shares, once per
	 * order however many of its substances match. */
	dosage_order_duplicate(coamox, 2, &self, &regular, 1, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_HARD_STOP);
	MT_NEAR(r.value, 1, 0);
	/* A PRN order beside a regular one only warns, from either side. */
	self.scheduled = false;
	self.prn = true;
	dosage_order_duplicate(amox, 1, &self, &regular, 1, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_WARN);
	/* Another substance only: none. */
	dosage_order_duplicate(amox, 1, &self, &para, 1, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_OK);
}

static const mt_case cases[] = {
	{"tolerance", test_tolerance},
	{"volume_converts", test_volume_converts},
	{"reasons", test_reasons},
	{"summary", test_summary},
	{"periods", test_periods},
	{"duplicate_orders", test_duplicate_orders},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
