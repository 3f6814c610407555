/*
 * test_units.c - records' codes and units (units.c): LOINC check digits,
 * the vital-sign table and its UCUM units, UCUM syntax, attachment types
 * and their magic bytes.
 */
#include "testlib.h"

#include "records.h"

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

static const mt_case cases[] = {
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
