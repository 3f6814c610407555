/*
 * test_catalogue.c - ImportCatalogue's CSV reader (catalogue.c): whole-text
 * problems named "csv", row problems collected by line with the column at
 * fault, RFC 4180 quoting, and the drug rules applied to every row.
 */
#include "testlib.h"

#include <med/arena.h>

#include "dosage.h"
#include "catalogue.h"

#define HEADER                                                                 \
	"code,code_system,name,substance,drug_class,forms,routes,unit,"        \
	"min_single_dose,max_single_dose,max_daily_dose,max_dose_per_kg,"      \
	"max_daily_dose_per_kg,max_dose_per_m2,min_interval_minutes,"          \
	"lifetime_max_dose,renal_bands,high_alert\n"
#define PARACETAMOL                                                            \
	"161,rxnorm,Paracetamol,paracetamol,analgesics,tablet;oral "           \
	"solution,oral,mg,325,1000,4000,15,60,,240,,,false\n"

static med_err
parse(const char *text, dosage_import *out, med_problem *p)
{
	static med_arena *a;

	if (a == NULL)
		a = med_arena_new(4 << 20);
	MT_TRUE(a != NULL);
	memset(p, 0, sizeof(*p));
	return dosage_csv_parse(a, (const uint8_t *)text, strlen(text), out, p);
}

static void
whole_text_refused(const char *text, const char *want)
{
	dosage_import imp;
	med_problem p;

	MT_EQ_INT(parse(text, &imp, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "csv");
	if (strstr(p.reason, want) == NULL)
		mt_fail(__FILE__, __LINE__, "reason \"%s\" lacks \"%s\"",
			p.reason, want);
}

static void
test_good_file(void)
{
	dosage_import imp;
	med_problem p;

	MT_OK(parse("# a comment line\n" HEADER PARACETAMOL, &imp, &p));
	MT_EQ_INT(imp.n_drugs, 1);
	MT_EQ_INT(imp.n_errors, 0);
	MT_EQ_STR(imp.drugs[0]->code, "161");
	MT_EQ_STR(imp.drugs[0]->unit, "mg");
	MT_EQ_INT(imp.drugs[0]->n_forms, 2);
}

static void
test_whole_text_problems(void)
{
	whole_text_refused("", "must not be empty");
	whole_text_refused("\xff\xfe", "UTF-8");
	whole_text_refused("code,name\n1,x\n", "header lacks column");
	whole_text_refused(HEADER, "no data rows");
	whole_text_refused("# only a comment\n", "no header row");
}

static void
test_row_problems_by_line(void)
{
	dosage_import imp;
	med_problem p;
	const char *text = HEADER PARACETAMOL
		/* line 3: a unit that is no unit */
		"200,rxnorm,Bad unit,x,y,tablet,oral,spoons,1,2,3,,,,,,,false\n"
		/* line 4: the same code again */
		PARACETAMOL
		/* line 5: too few fields */
		"300,rxnorm,Short\n";

	MT_OK(parse(text, &imp, &p));
	MT_EQ_INT(imp.n_drugs, 1);
	MT_EQ_INT(imp.n_errors, 3);
	MT_EQ_INT(imp.errors[0]->row, 3);
	MT_EQ_STR(imp.errors[0]->field, "unit");
	MT_EQ_INT(imp.errors[1]->row, 4);
	MT_EQ_STR(imp.errors[1]->field, "code");
	MT_EQ_INT(imp.errors[2]->row, 5);
	MT_TRUE(strstr(imp.errors[2]->reason, "number of fields") != NULL);
}

static void
test_limits_must_be_ordered(void)
{
	dosage_import imp;
	med_problem p;
	/* min single dose above the max: refused for the row */
	const char *text = HEADER
		"400,rxnorm,Upside down,x,y,tablet,oral,mg,500,100,1000,,,,,,,"
		"false\n";

	MT_OK(parse(text, &imp, &p));
	MT_EQ_INT(imp.n_drugs, 0);
	MT_EQ_INT(imp.n_errors, 1);
	MT_EQ_INT(imp.errors[0]->row, 2);
}

static void
test_quoted_fields(void)
{
	dosage_import imp;
	med_problem p;
	const char *text =
		HEADER "500,rxnorm,\"Co-amoxiclav, \"\"625\"\"\",amoxicillin,"
		       "penicillins,tablet,oral,mg,,625,1875,,,,,,,false\n";

	MT_OK(parse(text, &imp, &p));
	MT_EQ_INT(imp.n_errors, 0);
	MT_EQ_STR(imp.drugs[0]->name, "Co-amoxiclav, \"625\"");
}

/* A quote left open at the end of line 3 and closed on line 4: the row
 * is refused naming line 3, not read as one drug with line 4 in its name
 * (the import is all or nothing, so nothing is imported). */
static void
test_quoted_line_break(void)
{
	dosage_import imp;
	med_problem p;
	const char *text = HEADER PARACETAMOL
		"X1,rxnorm,\"Morphine,morphine,opioids,tablet,oral,mg,,10,60,"
		",,,,,,false\n"
		"X2,rxnorm,Oxycodone\",oxycodone,opioids,tablet,oral,mg,,10,"
		"60,,,,,,,false\n";

	MT_OK(parse(text, &imp, &p));
	MT_TRUE(imp.n_errors >= 1);
	MT_EQ_INT(imp.errors[0]->row, 3);
	MT_TRUE(strstr(imp.errors[0]->reason, "a line break inside quotes") !=
		NULL);
}

/* The infusion columns: rate limits, infusion only, the maximum
 * concentration, and mmol as a unit; a bad value is named by its column. */
static void
test_infusion_columns(void)
{
	dosage_import imp;
	med_problem p;
	const char *text =
		"code,name,unit,max_single_dose,max_daily_dose,routes,"
		"concentration_amount,concentration_volume_ml,"
		"infusion_max_rate,infusion_max_rate_per_kg,"
		"infusion_rate_ceiling,infusion_only,"
		"infusion_max_concentration\n"
		"KCL,Potassium chloride 20 mmol/10 mL,mmol,40,200,iv,20,10,"
		",,10,true,0.04\n"
		"KCL2,Bad,mmol,40,200,iv,20,10,,,10,perhaps,0.04\n"
		"KCL3,Bad,mmol,40,200,iv,20,10,,,10,true,-1\n"
		"KCL4,Bad,mmol,40,200,iv,20,10,12,,10,true,0.04\n";
	const dosage_drug *d;

	MT_OK(parse(text, &imp, &p));
	MT_EQ_INT(imp.n_drugs, 1);
	d = imp.drugs[0];
	MT_EQ_STR(d->unit, "mmol");
	MT_TRUE(d->infusion_only);
	MT_NEAR(d->infusion_max_concentration, 0.04, 0);
	MT_NEAR(d->infusion_rate_ceiling, 10, 0);
	MT_EQ_INT(imp.n_errors, 3);
	MT_EQ_INT(imp.errors[0]->row, 3);
	MT_EQ_STR(imp.errors[0]->field, "infusion_only");
	MT_EQ_STR(imp.errors[1]->field, "infusion_max_concentration");
	MT_EQ_STR(imp.errors[2]->field, "infusion_rate_ceiling");
}

/* weekly_only (oral methotrexate) reads as a bool; anything else is the
 * row's error naming the column. */
static void
test_weekly_only_column(void)
{
	static const char text[] =
		"code,name,unit,max_single_dose,max_daily_dose,weekly_only\n"
		"6851,Methotrexate tablet,mg,25,25,true\n"
		"161,Paracetamol,mg,1000,4000,\n"
		"X1,Other,mg,10,10,weekly\n";
	dosage_import imp;
	med_problem p;

	MT_OK(parse(text, &imp, &p));
	MT_EQ_INT(imp.n_errors, 1);
	MT_EQ_STR(imp.errors[0]->field, "weekly_only");
	MT_EQ_INT(imp.errors[0]->row, 4);
	MT_EQ_INT(imp.n_drugs, 2);
	MT_TRUE(imp.drugs[0]->weekly_only);
	MT_TRUE(!imp.drugs[1]->weekly_only);
}

/* Issue 30: the atc_code column, checked as UpsertDrug checks it. */
static void
test_atc_code_column(void)
{
	dosage_import imp;
	med_problem p;
	const char *text = "code,name,unit,max_single_dose,max_daily_dose,"
			   "substance,atc_code\n"
			   "M1,Morphine,mg,10,60,morphine,N02AA01\n"
			   "M2,Morphine,mg,10,60,morphine,OPIOIDS\n"
			   "M3,Morphine,mg,10,60,morphine,N02AA99\n"
			   "M4,Morphine,mg,10,60,morphine,M01A\n";

	MT_OK(parse(text, &imp, &p));
	MT_EQ_INT(imp.n_drugs, 1);
	MT_EQ_STR(imp.drugs[0]->atc_code, "N02AA01");
	MT_EQ_INT(imp.n_errors, 3);
	for (size_t i = 0; i < 3; i++) {
		MT_EQ_INT(imp.errors[i]->row, 3 + i);
		MT_EQ_STR(imp.errors[i]->field, "atc_code");
	}
	MT_TRUE(strstr(imp.errors[1]->reason, "unknown ATC code N02AA99") !=
		NULL);
}

static const mt_case cases[] = {
	{"good_file", test_good_file},
	{"whole_text_problems", test_whole_text_problems},
	{"row_problems_by_line", test_row_problems_by_line},
	{"limits_must_be_ordered", test_limits_must_be_ordered},
	{"quoted_fields", test_quoted_fields},
	{"quoted_line_break", test_quoted_line_break},
	{"infusion_columns", test_infusion_columns},
	{"weekly_only_column", test_weekly_only_column},
	{"atc_code_column", test_atc_code_column},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
