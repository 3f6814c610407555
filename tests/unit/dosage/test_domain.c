/*
 * test_domain.c - dosage's rules for what it is given (domain.c): the one
 * rule for every amount of drug, and a catalogue entry's limits.
 */
#include "testlib.h"

#include <med/arena.h>

#include "dosage.h"
#include "checks.h"
#include "catalogue.h"

#include <math.h>
#include <string.h>

static void
test_amounts(void)
{
	med_problem p = {0};

	MT_OK(dosage_amount_problem("dose", 0.5, true, &p));
	MT_OK(dosage_amount_problem("dose", 1e6, true, &p));
	MT_OK(dosage_amount_problem("min_single_dose", 0, false, &p));
	MT_EQ_INT(dosage_amount_problem("dose", 0, true, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "dose");
	MT_EQ_STR(p.reason, "must be a positive number up to 1e6");
	MT_EQ_INT(dosage_amount_problem("dose", 1e6 + 1, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_amount_problem("dose", NAN, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_amount_problem("dose", INFINITY, false, &p),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_amount_problem("lifetime_max_dose", -1, false, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.reason, "must be a number from 0 to 1e6");
}

static dosage_drug
drug(void)
{
	static char *forms[] = {"tablet"}, *routes[] = {"oral"};
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "161";
	d.name = "Paracetamol";
	d.unit = "mg";
	d.max_single_dose = 1000;
	d.max_daily_dose = 4000;
	d.forms = forms;
	d.n_forms = 1;
	d.routes = routes;
	d.n_routes = 1;
	return d;
}

static void
drug_refused(dosage_drug d, const char *want_field)
{
	med_problem p = {0};

	MT_TRUE(dosage_drug_problem(&d, &p) != MED_OK);
	MT_EQ_STR(p.field, want_field);
}

static void
test_drug_limits(void)
{
	dosage_drug d = drug();
	med_problem p = {0};

	MT_OK(dosage_drug_problem(&d, &p));
	d.max_single_dose = 0;
	drug_refused(d, "max_single_dose");
	d = drug();
	d.max_daily_dose = 500; /* below one dose */
	drug_refused(d, "max_daily_dose");
	d = drug();
	d.min_single_dose = 2000; /* above the maximum */
	drug_refused(d, "min_single_dose");
	d = drug();
	d.max_dose_per_kg = -1;
	drug_refused(d, "max_dose_per_kg");
	d = drug();
	d.unit = "spoons";
	drug_refused(d, "unit");
	d = drug();
	d.code = "has space";
	drug_refused(d, "code");
}

/* Issue 17 finding 9: numbers no patient or rule can have are refused at
 * the door (each bound, just inside and just outside). */
static void
test_plausible_measurements(void)
{
	MT_TRUE(dosage_weight_plausible(0.2) && dosage_weight_plausible(500));
	MT_TRUE(!dosage_weight_plausible(0.19) &&
		!dosage_weight_plausible(500.1));
	MT_TRUE(!dosage_weight_plausible(5e-324) &&
		!dosage_weight_plausible(NAN));
	MT_TRUE(dosage_height_plausible(20) && dosage_height_plausible(280));
	MT_TRUE(!dosage_height_plausible(0.1) &&
		!dosage_height_plausible(280.5));
	MT_TRUE(dosage_crcl_plausible(0) && dosage_crcl_plausible(1) &&
		dosage_crcl_plausible(300));
	MT_TRUE(!dosage_crcl_plausible(5e-324) && !dosage_crcl_plausible(0.5) &&
		!dosage_crcl_plausible(301) && !dosage_crcl_plausible(-1));
}

static void
test_renal_band_bounds(void)
{
	Smartmed__Dosage__V1__RenalBand band, *bands[] = {&band};
	dosage_drug d = drug();
	med_problem p = {0};

	smartmed__dosage__v1__renal_band__init(&band);
	d.renal_bands = bands;
	d.n_renal_bands = 1;
	band.crcl_below_ml_min = 1;
	band.dose_factor = 0.01;
	MT_OK(dosage_drug_problem(&d, &p));
	band.dose_factor = 0; /* contraindicated */
	MT_OK(dosage_drug_problem(&d, &p));
	band.crcl_below_ml_min = 5e-324;
	drug_refused(d, "renal_bands");
	band.crcl_below_ml_min = 0.99;
	drug_refused(d, "renal_bands");
	band.crcl_below_ml_min = 30;
	band.dose_factor = 5e-324;
	drug_refused(d, "renal_bands");
	band.dose_factor = 0.009;
	drug_refused(d, "renal_bands");
}

static void
test_dose_band_weights(void)
{
	Smartmed__Dosage__V1__DoseBand band, *bands[] = {&band};
	dosage_drug d = drug();
	med_problem p = {0};

	smartmed__dosage__v1__dose_band__init(&band);
	band.age_group = "child";
	band.max_weight_kg = 0.2;
	d.dose_bands = bands;
	d.n_dose_bands = 1;
	MT_OK(dosage_drug_problem(&d, &p));
	band.max_weight_kg = 5e-324;
	drug_refused(d, "dose_bands");
	band.max_weight_kg = 0;
	band.min_weight_kg = 501;
	drug_refused(d, "dose_bands");
}

/* A volume converts through the drug's concentration; without one, or in
 * a dimension it cannot reach, it does not. */
static void
test_volume_through_concentration(void)
{
	dosage_drug d;
	double mg = 0;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "SUSP";
	d.unit = "mg";
	MT_OK(dosage_drug_convert(&d, 1, "g", &mg));
	MT_NEAR(mg, 1000, 1e-9);
	MT_EQ_INT(dosage_drug_convert(&d, 10, "mL", &mg), MED_ERR_INVALID);
	d.concentration_amount = 120;
	d.concentration_volume_ml = 5;
	MT_OK(dosage_drug_convert(&d, 10, "mL", &mg));
	MT_NEAR(mg, 240, 1e-9);
	MT_OK(dosage_drug_convert(&d, 0.01, "L", &mg));
	MT_NEAR(mg, 240, 1e-9);
	MT_EQ_INT(dosage_drug_convert(&d, 1, "tablet", &mg), MED_ERR_INVALID);
	MT_EQ_INT(dosage_drug_convert(&d, 1, "[iU]", &mg), MED_ERR_INVALID);
}

/* Issue 30: a class code a client gives is an ATC code of the drug's
 * substances; anything else is refused naming atc_code. */
static void
test_atc_code(void)
{
	static Smartmed__Dosage__V1__Ingredient codeine;
	static Smartmed__Dosage__V1__Ingredient *ings[] = {&codeine};
	dosage_drug d = drug();
	med_problem p = {0};

	d.substance = "paracetamol";
	d.atc_code = "";
	MT_OK(dosage_drug_problem(&d, &p));
	d.atc_code = "N02BE01";
	MT_OK(dosage_drug_problem(&d, &p));
	d.atc_code = "N02B"; /* a class of it */
	MT_OK(dosage_drug_problem(&d, &p));
	d.atc_code = "analgesics";
	drug_refused(d, "atc_code");
	d.atc_code = "n02be01";
	drug_refused(d, "atc_code");
	d.atc_code = "N02BE99"; /* well formed, unknown */
	drug_refused(d, "atc_code");
	d.atc_code = "N02AA01"; /* morphine's */
	drug_refused(d, "atc_code");
	MT_TRUE(dosage_drug_problem(&d, &p) != MED_OK);
	MT_TRUE(strstr(p.reason, "paracetamol (N02BE01)") != NULL);
	/* A combination product: its other substance's classes count. */
	smartmed__dosage__v1__ingredient__init(&codeine);
	codeine.substance = "codeine";
	codeine.strength = 8;
	codeine.strength_unit = "mg";
	d.unit = "tablet";
	d.strength = 500;
	d.strength_unit = "mg";
	d.other_ingredients = ings;
	d.n_other_ingredients = 1;
	d.atc_code = "R05DA04";
	MT_OK(dosage_drug_problem(&d, &p));
}

static void
test_drug_classes(void)
{
	static Smartmed__Dosage__V1__Ingredient codeine;
	static Smartmed__Dosage__V1__Ingredient *ings[] = {&codeine};
	med_arena *a = med_arena_new(1 << 16);
	dosage_drug d = drug();
	size_t n;

	MT_TRUE(a != NULL);
	d.substance = "paracetamol";
	smartmed__dosage__v1__ingredient__init(&codeine);
	codeine.substance = "codeine";
	codeine.strength = 8;
	codeine.strength_unit = "mg";
	d.other_ingredients = ings;
	d.n_other_ingredients = 1;
	MT_OK(dosage_drug_classes(a, &d));
	MT_EQ_STR(d.atc_code, "N02BE01");
	n = d.n_therapeutic_classes;
	MT_EQ_INT(n, 12);
	MT_EQ_STR(d.therapeutic_classes[0], "N02BE01");
	MT_EQ_STR(d.therapeutic_classes[4], "N");
	MT_EQ_STR(d.therapeutic_classes[5], "R05DA04");
	MT_EQ_STR(d.therapeutic_classes[n - 2], "paracetamol products");
	MT_EQ_STR(d.therapeutic_classes[n - 1], "opioids");
	d = drug(); /* no substance: no classes */
	MT_OK(dosage_drug_classes(a, &d));
	MT_EQ_STR(d.atc_code, "");
	MT_EQ_INT(d.n_therapeutic_classes, 0);
	med_arena_free(a);
}

/* The rules of an order, an override and a unit, read as med_problem. */
static void
test_order_problems(void)
{
	dosage_order o;
	med_problem p = {0};

	MT_EQ_INT(dosage_order_problem(NULL, 0, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "order");
	smartmed__dosage__v1__order__init(&o);
	o.patient_id = "not-an-id";
	MT_EQ_INT(dosage_order_problem(&o, 0, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "order.patient_id");
	MT_EQ_STR(p.reason, "is not a valid id");
	o.patient_id = "0b6a5b0e-8e0e-4d55-9a57-1f1c2f3e4d5a";
	o.drug_code = "a b";
	MT_EQ_INT(dosage_order_problem(&o, 0, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "order.drug_code");
	MT_EQ_STR(p.reason, "only letters, digits, '.', '_' and '-'");
	o.status = SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_STOPPED;
	MT_EQ_INT(dosage_order_status_problem(&o, &p), MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "order_id");
	MT_EQ_STR(p.reason, "order is discontinued");
}

static void
test_override_and_unit_problems(void)
{
	dosage_override ov;
	dosage_drug d = drug();
	med_problem p = {0};
	double out = 0;

	smartmed__dosage__v1__override__init(&ov);
	MT_EQ_INT(dosage_override_problem("dose_override", &ov, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "dose_override.reason");
	MT_EQ_STR(p.reason, "must be set");
	ov.reason = 1;
	ov.text = "ok";
	MT_EQ_INT(dosage_override_problem("dose_override", &ov, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "dose_override.text");
	MT_EQ_STR(p.reason, "must have at least 3 characters");
	MT_OK(dosage_convert_problem("unit", 1, "g", &d, &out, &p));
	MT_NEAR(out, 1000, 1e-9);
	MT_EQ_INT(dosage_convert_problem("unit", 1, "mmol", &d, &out, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "unit");
	MT_TRUE(strstr(p.reason, "mmol does not convert") != NULL);
}

static const mt_case cases[] = {
	{"amounts", test_amounts},
	{"drug_limits", test_drug_limits},
	{"plausible_measurements", test_plausible_measurements},
	{"renal_band_bounds", test_renal_band_bounds},
	{"dose_band_weights", test_dose_band_weights},
	{"volume_through_concentration", test_volume_through_concentration},
	{"atc_code", test_atc_code},
	{"drug_classes", test_drug_classes},
	{"order_problems", test_order_problems},
	{"override_and_unit_problems", test_override_and_unit_problems},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
