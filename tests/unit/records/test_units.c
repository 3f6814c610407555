/*
 * test_units.c - records' codes and units (units.c): LOINC check digits,
 * the vital-sign table and its UCUM units, UCUM syntax, attachment types
 * and their magic bytes.
 */
#include "testlib.h"

#include "records.h"

#include <string.h>

static void
test_loinc_check_digit(void)
{
	MT_TRUE(records_loinc_valid("8867-4"));	 /* heart rate */
	MT_TRUE(records_loinc_valid("29463-7")); /* body weight */
	MT_TRUE(records_loinc_valid("2708-6"));
	MT_TRUE(!records_loinc_valid("8867-5")); /* wrong check digit */
	MT_TRUE(!records_loinc_valid("8867"));	 /* no check digit */
	MT_TRUE(!records_loinc_valid("88a7-4"));
	MT_TRUE(!records_loinc_valid(""));
	MT_TRUE(!records_loinc_valid("12345678901-2")); /* too long */
}

static void
test_vital_units(void)
{
	const records_vital *hr = records_vital_by_loinc("8867-4");
	const records_vital *t = records_vital_by_field("body_temperature");

	MT_TRUE(hr != NULL && t != NULL);
	MT_TRUE(records_vital_unit_ok(hr, "/min"));
	/* a heart rate in mm[Hg] is a data-entry error, not a conversion */
	MT_TRUE(!records_vital_unit_ok(hr, "mm[Hg]"));
	MT_TRUE(records_vital_unit_ok(t, "Cel"));
	MT_TRUE(records_vital_unit_ok(t, "[degF]"));
	MT_TRUE(!records_vital_unit_ok(t, "K"));
	MT_TRUE(records_vital_by_loinc("1234-5") == NULL);
	MT_TRUE(records_vital_by_field("shoe_size") == NULL);
}

static void
test_ucum_syntax(void)
{
	MT_TRUE(records_ucum_syntax_ok("mg/dL"));
	MT_TRUE(records_ucum_syntax_ok("mmol/L"));
	MT_TRUE(records_ucum_syntax_ok("10*3/uL"));
	MT_TRUE(records_ucum_syntax_ok("[iU]/L"));
	MT_TRUE(!records_ucum_syntax_ok(""));
	MT_TRUE(!records_ucum_syntax_ok("mg dL")); /* no spaces in UCUM */
	MT_TRUE(!records_ucum_syntax_ok("[iU/L")); /* unbalanced bracket */
}

static void
test_content_types_and_magic(void)
{
	static const uint8_t png[] = {0x89, 'P',  'N',	'G', '\r',
				      '\n', 0x1a, '\n', 0};
	static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0};

	MT_TRUE(records_content_type_known("application/pdf"));
	MT_TRUE(records_content_type_known("image/png"));
	MT_TRUE(!records_content_type_known("application/x-msdownload"));
	MT_TRUE(records_content_matches("image/png", png, sizeof(png)));
	MT_TRUE(!records_content_matches("image/png", jpeg, sizeof(jpeg)));
	MT_TRUE(records_content_matches("image/jpeg", jpeg, sizeof(jpeg)));
	MT_TRUE(!records_content_matches("image/jpeg", jpeg, 2)); /* short */
	MT_TRUE(records_content_matches("text/plain", (const uint8_t *)"ok",
					2));
	/* text must be UTF-8 */
	MT_TRUE(!records_content_matches("text/plain",
					 (const uint8_t *)"\xff\xfe", 2));
	MT_TRUE(!records_content_matches("image/gif", png, sizeof(png)));
}

/* Every eGFR code we read is a LOINC code with a right check digit; an
 * equation comes from the code or the method, never from neither, and
 * the two must agree. */
static void
test_egfr_codes_and_equations(void)
{
	const char *codes[] = {"98979-8", "62238-1", "88293-6",
			       "88294-4", "33914-3", "48642-3",
			       "48643-1", "50044-7", "69405-9"};
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		MT_TRUE(records_loinc_valid(codes[i]));
		MT_TRUE(records_egfr_by_loinc(codes[i]) != NULL);
	}
	MT_TRUE(records_egfr_by_loinc("2164-2") == NULL); /* a CrCl */
	MT_TRUE(records_ucum_syntax_ok(RECORDS_EGFR_UNIT));
	MT_EQ_STR(records_egfr_equation(records_egfr_by_loinc("98979-8"), "",
					&why),
		  "CKD-EPI 2021");
	MT_EQ_STR(records_egfr_equation(records_egfr_by_loinc("69405-9"),
					"Schwartz", &why),
		  "Schwartz");
	MT_TRUE(records_egfr_equation(records_egfr_by_loinc("69405-9"), "",
				      &why) == NULL);
	MT_TRUE(strstr(why, "must name its equation") != NULL);
	MT_TRUE(records_egfr_equation(records_egfr_by_loinc("33914-3"),
				      "CKD-EPI 2021", &why) == NULL);
	MT_TRUE(records_egfr_equation(records_egfr_by_loinc("69405-9"),
				      "Cockcroft", &why) == NULL);
}

static void
test_weight_possible(void)
{
	MT_TRUE(!records_weight_possible(0));
	MT_TRUE(!records_weight_possible(-1));
	MT_TRUE(records_weight_possible(0.2));
	MT_TRUE(records_weight_possible(650));
	MT_TRUE(!records_weight_possible(650.01));
	MT_TRUE(!records_weight_possible(900));
}

static const mt_case cases[] = {
	{"egfr_codes_and_equations", test_egfr_codes_and_equations},
	{"weight_possible", test_weight_possible},
	{"loinc_check_digit", test_loinc_check_digit},
	{"vital_units", test_vital_units},
	{"ucum_syntax", test_ucum_syntax},
	{"content_types_and_magic", test_content_types_and_magic},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
