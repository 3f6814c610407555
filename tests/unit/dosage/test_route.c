/*
 * test_route.c - route, push and concentration rules (route.c): push route
 * names, infusion-only drugs, the bag's shape and concentration against
 * the drug's maximum, volume rates through the bag, the prescribed rate
 * against the ceiling, and the catalogue fields' own rules.
 */
#include "testlib.h"

#include <string.h>

#include "dosage.h"
#include "route.h"

/* kcl is potassium chloride concentrate as the sample catalogue has it:
 * 20 mmol in 10 mL, infusion only, at most 0.04 mmol/mL and 10 mmol/h. */
static dosage_drug
kcl(void)
{
	dosage_drug d = SMARTMED__DOSAGE__V1__DRUG__INIT;

	d.code = "KCL-CONC-20";
	d.unit = "mmol";
	d.concentration_amount = 20;
	d.concentration_volume_ml = 10;
	d.infusion_only = true;
	d.infusion_max_concentration = 0.04;
	d.infusion_rate_ceiling = 10;
	return d;
}

/* bag is an order of 20 mmol in ml mL at rate rate_unit. */
static dosage_order
bag(double ml, double rate, const char *rate_unit)
{
	dosage_order o = SMARTMED__DOSAGE__V1__ORDER__INIT;

	o.route = "iv";
	o.dose = 20;
	o.unit = "mmol";
	o.infusion_rate = rate;
	o.infusion_rate_unit = (char *)rate_unit;
	o.infusion_bag_amount = ml > 0 ? 20 : 0;
	o.infusion_bag_volume_ml = ml;
	return o;
}

static void
test_push_routes(void)
{
	static const char *const push[] = {"iv_push",	  "IV push", "IVP",
					   "iv-bolus",	  "bolus",   "Push",
					   "iv injection"};
	static const char *const not_push[] = {"iv", "oral", "iv infusion",
					       "sc", "",     "ivpb"};

	for (size_t i = 0; i < sizeof(push) / sizeof(push[0]); i++)
		if (!dosage_route_is_push(push[i]))
			mt_fail(__FILE__, __LINE__, "'%s' is a push", push[i]);
	for (size_t i = 0; i < sizeof(not_push) / sizeof(not_push[0]); i++)
		if (dosage_route_is_push(not_push[i]))
			mt_fail(__FILE__, __LINE__, "'%s' is no push",
				not_push[i]);
	MT_TRUE(!dosage_route_is_push(NULL));
}

/* The ward's pattern: KCl concentrate ordered "IV once" with no rate. */
static void
test_infusion_only(void)
{
	dosage_drug d = kcl();
	dosage_order once = bag(0, 0, ""), push = bag(500, 10, "mmol/h"),
		     ok = bag(500, 10, "mmol/h");
	med_problem p = {0};

	MT_TRUE(dosage_route_problem(&d, &once, &p) != MED_OK);
	MT_EQ_STR(p.field, "order.infusion_rate");
	MT_TRUE(strstr(p.reason, "infusion only") != NULL);
	push.route = "IV push";
	MT_TRUE(dosage_route_problem(&d, &push, &p) != MED_OK);
	MT_EQ_STR(p.field, "order.route");
	MT_OK(dosage_route_problem(&d, &ok, &p));
	/* A drug that may be pushed takes any of them. */
	d.infusion_only = false;
	MT_OK(dosage_route_problem(&d, &once, &p));
	MT_OK(dosage_route_problem(&d, &push, &p));
}

static void
test_push_charting(void)
{
	dosage_drug d = kcl();
	med_problem p = {0};

	MT_TRUE(dosage_push_problem(&d, &p) != MED_OK);
	MT_TRUE(strstr(p.reason, "StartInfusion") != NULL);
	d.infusion_only = false;
	MT_OK(dosage_push_problem(&d, &p));
}

static void
test_bag_shape(void)
{
	dosage_order o = bag(500, 10, "mmol/h");
	med_problem p = {0};

	MT_OK(dosage_bag_problem(&o, &p));
	o.infusion_bag_volume_ml = 0;
	MT_TRUE(dosage_bag_problem(&o, &p) != MED_OK);
	MT_EQ_STR(p.field, "order.infusion_bag_volume_ml");
	o = bag(6000, 10, "mmol/h");
	MT_TRUE(dosage_bag_problem(&o, &p) != MED_OK);
	MT_EQ_STR(p.field, "order.infusion_bag_volume_ml");
	o = bag(500, 0, "");
	MT_TRUE(dosage_bag_problem(&o, &p) != MED_OK);
	MT_EQ_STR(p.field, "order.infusion_bag_amount");
	o = bag(0, 0, "");
	MT_OK(dosage_bag_problem(&o, &p));
}

static void
test_concentration(void)
{
	static const struct {
		const char *name;
		double bag_ml;
		bool refused;
		const char *field;
	} cases[] = {
		{"40 mmol/L: exactly the maximum", 500, false, ""},
		{"20 mmol/L", 1000, false, ""},
		{"20 mmol in 100 mL: 200 mmol/L", 100, true,
		 "order.infusion_bag_volume_ml"},
		{"undiluted concentrate: 2000 mmol/L", 0, true,
		 "order.infusion_bag_amount"},
	};
	dosage_drug d = kcl();
	med_problem p = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dosage_order o = bag(cases[i].bag_ml, 10, "mmol/h");
		bool got;

		p.field[0] = '\0';
		got = dosage_concentration_problem(&d, &o, &p) != MED_OK;
		if (got != cases[i].refused)
			mt_fail(__FILE__, __LINE__, "%s: refused %d, want %d",
				cases[i].name, got, cases[i].refused);
		MT_EQ_STR(p.field, cases[i].field);
	}
	/* A maximum with no concentration known at all is refused. */
	d.concentration_amount = d.concentration_volume_ml = 0;
	{
		dosage_order o = bag(0, 10, "mmol/h");

		MT_TRUE(dosage_concentration_problem(&d, &o, &p) != MED_OK);
		MT_TRUE(strstr(p.reason, "name the bag") != NULL);
	}
	/* No maximum: nothing to check. */
	d.infusion_max_concentration = 0;
	{
		dosage_order o = bag(0, 10, "mmol/h");

		MT_OK(dosage_concentration_problem(&d, &o, &p));
	}
}

/* The bag's amount may be written in the product's volume: 10 mL of the
 * 2 mmol/mL concentrate in 500 mL is 20 mmol in 500 mL. */
static void
test_bag_in_volume(void)
{
	dosage_drug d = kcl();
	dosage_order o = bag(500, 10, "mmol/h");
	double per_ml = 0;

	o.unit = "mL";
	o.infusion_bag_amount = 10;
	MT_TRUE(dosage_infusion_concentration(&d, &o, &per_ml));
	MT_NEAR(per_ml, 0.04, 1e-12);
	/* mg of a drug in mmol does not convert: no concentration known. */
	o.unit = "mg";
	MT_TRUE(!dosage_infusion_concentration(&d, &o, &per_ml));
}

/* 250 mL/h of 20 mmol in 500 mL is 10 mmol/h, not 500 mmol/h through the
 * concentrate's 2 mmol/mL. */
static void
test_volume_rate_through_bag(void)
{
	dosage_drug d = kcl();
	dosage_order o = bag(500, 250, "mL/h");
	double per_hour = 0;

	MT_OK(dosage_rate_to_drug_unit(&d, &o, 250, "mL", &per_hour));
	MT_NEAR(per_hour, 10, 1e-9);
	MT_OK(dosage_rate_to_drug_unit(&d, NULL, 250, "mL", &per_hour));
	MT_NEAR(per_hour, 500, 1e-9);
	MT_OK(dosage_rate_to_drug_unit(&d, &o, 8, "mmol", &per_hour));
	MT_NEAR(per_hour, 8, 0);
	MT_EQ_INT(dosage_rate_to_drug_unit(&d, &o, 8, "mg", &per_hour),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_rate_to_drug_unit(&d, &o, 8, "mEq", &per_hour),
		  MED_ERR_INVALID);
}

static void
test_order_rate_ceiling(void)
{
	static const struct {
		const char *name;
		double rate;
		const char *unit;
		double rate_max, weight_kg;
		med_err err;
		bool refused;
	} cases[] = {
		{"10 mmol/h: the ceiling", 10, "mmol/h", 0, 0, MED_OK, false},
		{"20 mmol/h", 20, "mmol/h", 0, 0, MED_OK, true},
		{"250 mL/h of 40 mmol/L", 250, "mL/h", 0, 0, MED_OK, false},
		{"500 mL/h of 40 mmol/L", 500, "mL/h", 0, 0, MED_OK, true},
		{"titration maximum above", 5, "mmol/h", 15, 0, MED_OK, true},
		{"per kg without a weight", 0.2, "mmol/kg/h", 0, 0,
		 MED_ERR_NOT_FOUND, false},
		{"per kg, 70 kg: 14 mmol/h", 0.2, "mmol/kg/h", 0, 70, MED_OK,
		 true},
		{"mg/h of a drug in mmol", 10, "mg/h", 0, 0, MED_ERR_INVALID,
		 false},
	};
	dosage_drug d = kcl();
	med_problem p = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dosage_order o = bag(500, cases[i].rate, cases[i].unit);
		double per_hour = 0;
		med_err err;

		o.infusion_rate_max = cases[i].rate_max;
		err = dosage_order_rate_per_hour(&d, &o, cases[i].weight_kg,
						 &per_hour);
		if (err != cases[i].err)
			mt_fail(__FILE__, __LINE__, "%s: error %d, want %d",
				cases[i].name, (int)err, (int)cases[i].err);
		if (err != MED_OK)
			continue;
		p.field[0] = '\0';
		if ((dosage_order_rate_problem(&d, &o, per_hour, &p) !=
		     MED_OK) != cases[i].refused)
			mt_fail(__FILE__, __LINE__, "%s: %.4g mmol/h",
				cases[i].name, per_hour);
		if (cases[i].refused)
			MT_EQ_STR(p.field, cases[i].rate_max > 0
						   ? "order.infusion_rate_max"
						   : "order.infusion_rate");
	}
}

static void
test_catalogue_fields(void)
{
	dosage_drug d = kcl();
	med_problem p = {0};

	MT_OK(dosage_route_drug_problem(&d, &p));
	d.infusion_max_concentration = -1;
	MT_TRUE(dosage_route_drug_problem(&d, &p) != MED_OK);
	MT_EQ_STR(p.field, "infusion_max_concentration");
	d.infusion_max_concentration = 0.04;
	d.unit = "tablet";
	MT_TRUE(dosage_route_drug_problem(&d, &p) != MED_OK);
	MT_EQ_STR(p.field, "infusion_max_concentration");
}

static const mt_case cases[] = {
	{"push_routes", test_push_routes},
	{"infusion_only", test_infusion_only},
	{"push_charting", test_push_charting},
	{"bag_shape", test_bag_shape},
	{"concentration", test_concentration},
	{"bag_in_volume", test_bag_in_volume},
	{"volume_rate_through_bag", test_volume_rate_through_bag},
	{"order_rate_ceiling", test_order_rate_ceiling},
	{"catalogue_fields", test_catalogue_fields},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
