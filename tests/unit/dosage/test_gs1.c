/*
 * test_gs1.c - the product scan (gs1.c): GTIN check digits, GS1 element
 * strings raw and bracketed, and expiry dates with GS1's sliding century.
 * The GTINs are the GS1 General Specifications' example 09506000134352
 * and well-known retail codes whose check digits the algorithm must
 * reproduce.
 */
#include "testlib.h"

#include "dosage.h"
#include "catalogue.h"

#include <string.h>

#define NOW_2026 (1795305600LL * 1000) /* 2026-11-22 00:00 UTC */

static void
test_check_digits(void)
{
	static const struct {
		const char *gtin;
		bool valid;
	} cases[] = {
		{"09506000134352", true},  {"09506000134353", false},
		{"4006381333931", true},   {"4006381333932", false},
		{"036000291452", true},	   {"96385074", true},
		{"96385075", false},	   {"0950600013435", false},
		{"0950600013435x", false}, {"", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (dosage_gtin_valid(cases[i].gtin) != cases[i].valid)
			mt_fail(__FILE__, __LINE__, "%s: valid %d, want %d",
				cases[i].gtin, !cases[i].valid, cases[i].valid);
}

static void
test_element_strings(void)
{
	static const struct {
		const char *scan, *gtin, *expiry, *batch, *serial;
	} cases[] = {
		{"(01)09506000134352(17)201225(10)ABC123", "09506000134352",
		 "201225", "ABC123", ""},
		{"]d20109506000134352172012251"
		 "0ABC123\x1d"
		 "21XYZ9",
		 "09506000134352", "201225", "ABC123", "XYZ9"},
		{"\x1d"
		 "0109506000134352"
		 "10L-7/2\x1d"
		 "17271131",
		 "09506000134352", "271131", "L-7/2", ""},
		{"4006381333931", "04006381333931", "", "", ""},
		{"]E04006381333931", "04006381333931", "", "", ""},
		{"96385074", "00000096385074", "", "", ""},
	};
	dosage_gs1 g;
	med_problem p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		MT_OK(dosage_gs1_parse(cases[i].scan, &g, &p));
		MT_EQ_STR(g.gtin, cases[i].gtin);
		MT_EQ_STR(g.expiry, cases[i].expiry);
		MT_EQ_STR(g.batch, cases[i].batch);
		MT_EQ_STR(g.serial, cases[i].serial);
	}
}

static void
test_refusals(void)
{
	static const struct {
		const char *scan, *why;
	} cases[] = {
		{"(01)09506000134353",
		 "GTIN 09506000134353: wrong check digit"},
		{"4006381333932", "GTIN 4006381333932: wrong check digit"},
		{"(10)ABC123", "no GTIN (AI 01)"},
		{"(01)09506000134352(11)201225",
		 "AI (11) is not read (01, 17, 10, 21)"},
		{"(01)0950600013435", "AI (01) needs 14 digits"},
		{"(01)09506000134352(17)2012", "AI (17) needs 6 digits"},
		{"(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTU",
		 "AI (10) needs 1..20 characters"},
		{"(01)09506000134352(10)", "AI (10) needs 1..20 characters"},
		{"hello", "expected an AI at 'hello'"},
		{"(01)09506000134352x", "expected an AI in brackets at 'x'"},
	};
	dosage_gs1 g;
	med_problem p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p.reason[0] = '\0';
		MT_EQ_INT(dosage_gs1_parse(cases[i].scan, &g, &p),
			  MED_ERR_INVALID);
		MT_EQ_STR(p.field, "product_scan");
		MT_EQ_STR(p.reason, cases[i].why);
	}
}

static void
test_expiry(void)
{
	static const struct {
		const char *yymmdd;
		int64_t end_s;
	} cases[] = {
		{"201225", 1608940800}, /* 2020-12-25 ends 12-26 00:00 */
		{"251200", 1767225600}, /* day 00: the month's last day */
		{"991231", 946684800},	/* 73 years ahead: 1999 */
		{"760101", 3345148800}, /* 50 years ahead: 2076 */
	};
	int64_t end = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		MT_OK(dosage_gs1_expiry_end_ms(cases[i].yymmdd, NOW_2026,
					       &end));
		MT_EQ_INT(end, cases[i].end_s * 1000);
	}
	MT_EQ_INT(dosage_gs1_expiry_end_ms("201325", NOW_2026, &end),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_gs1_expiry_end_ms("20122", NOW_2026, &end),
		  MED_ERR_INVALID);
}

static const mt_case cases[] = {
	{"check_digits", test_check_digits},
	{"element_strings", test_element_strings},
	{"refusals", test_refusals},
	{"expiry", test_expiry},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
