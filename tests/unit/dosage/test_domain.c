/*
 * test_domain.c - dosage's rules for what it is given (domain.c): the one
 * rule for every amount of drug, and a catalogue entry's limits.
 */
#include "testlib.h"

#include "dosage.h"

#include <math.h>

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
	const char *field = "";
	char reason[160] = "";

	MT_TRUE(dosage_drug_problem(&d, &field, reason, sizeof(reason)));
	MT_EQ_STR(field, want_field);
}

static void
test_drug_limits(void)
{
	dosage_drug d = drug();
	const char *field = "";
	char reason[160];

	MT_TRUE(!dosage_drug_problem(&d, &field, reason, sizeof(reason)));
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

static const mt_case cases[] = {
	{"amounts", test_amounts},
	{"drug_limits", test_drug_limits},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
