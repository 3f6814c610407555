/*
 * test_fhir.c - the FHIR R4 JSON pieces (med/fhir.h): instants and their
 * sane range, decimals, R4's string rule, and the shapes of references,
 * concepts, quantities and bundle entries.
 */
#include "testlib.h"

#include <med/fhir.h>

/* write runs one writer call into a fresh buffer and returns its text. */
#define WRITE(buf, stmt)                                                       \
	do {                                                                   \
		med_json_init_buf(&w, buf, sizeof(buf));                       \
		stmt;                                                          \
	} while (0)

static void
test_instant_in_range(void)
{
	char s[25];

	MT_TRUE(med_fhir_format_instant(0, s));
	MT_EQ_STR(s, "1970-01-01T00:00:00.000Z");
	MT_TRUE(med_fhir_format_instant(1714552200123LL, s));
	MT_EQ_STR(s, "2024-05-01T08:30:00.123Z");
	/* Before 1970 the milliseconds still count forward. */
	MT_TRUE(med_fhir_format_instant(-1500, s));
	MT_EQ_STR(s, "1969-12-31T23:59:58.500Z");
	MT_TRUE(med_fhir_format_instant(MED_FHIR_MIN_MS, s));
	MT_EQ_STR(s, "1900-01-01T00:00:00.000Z");
	MT_TRUE(med_fhir_format_instant(MED_FHIR_MAX_MS - 1, s));
	MT_EQ_STR(s, "2199-12-31T23:59:59.999Z");
}

static void
test_instant_out_of_range(void)
{
	/* 11990-01-01, a typo for 1990, and the start of the year 2200. */
	static const int64_t bad[] = {MED_FHIR_MIN_MS - 1, MED_FHIR_MAX_MS,
				      315292320000000LL, INT64_MIN, INT64_MAX};
	char s[25], buf[64];
	med_json w;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		MT_TRUE(!med_fhir_time_ok(bad[i]));
		MT_TRUE(!med_fhir_format_instant(bad[i], s));
		MT_EQ_STR(s, "");
		WRITE(buf, med_fhir_instant(&w, NULL, bad[i]));
		MT_EQ_INT(w.err, MED_ERR_INVALID);
	}
	/* -1 is inside the range: the last millisecond of 1969, written
	 * with three digits, never ".-01". */
	WRITE(buf, med_fhir_instant(&w, NULL, -1));
	MT_EQ_STR(med_json_text(&w, NULL), "\"1969-12-31T23:59:59.999Z\"");
}

/* A stored time or date outside the range is exported without a value,
 * never failing the export: "_key" carries data-absent-reason. */
static void
test_stored_out_of_range_is_data_absent(void)
{
	static const int64_t bad[] = {MED_FHIR_MAX_MS, 32503680000000LL,
				      253402300799999LL, INT64_MIN, INT64_MAX};
	static const char *const bad_dates[] = {"3000-01-01", "9999-12-31",
						"1899-12-31", "2024-02-30",
						"garbage",    ""};
	static const char want[] =
		"{\"id\":\"x\",\"_end\":{\"extension\":[{\"url\":"
		"\"http://hl7.org/fhir/StructureDefinition/"
		"data-absent-reason\","
		"\"valueCode\":\"error\"}]}}";
	char buf[256];
	med_json w;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		WRITE(buf, {
			med_json_begin(&w, NULL, '{');
			med_json_str(&w, "id", "x");
			med_fhir_instant(&w, "end", bad[i]);
			med_json_end(&w, '}');
		});
		MT_EQ_INT(w.err, MED_OK);
		MT_EQ_STR(med_json_text(&w, NULL), want);
	}
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		WRITE(buf, {
			med_json_begin(&w, NULL, '{');
			med_json_str(&w, "id", "x");
			med_fhir_date(&w, "end", bad_dates[i]);
			med_json_end(&w, '}');
		});
		MT_EQ_INT(w.err, MED_OK);
		MT_EQ_STR(med_json_text(&w, NULL), want);
	}
	WRITE(buf, {
		med_json_begin(&w, NULL, '{');
		med_fhir_date(&w, "end", "2199-12-31");
		med_json_end(&w, '}');
	});
	MT_EQ_STR(med_json_text(&w, NULL), "{\"end\":\"2199-12-31\"}");
}

static void
test_decimals(void)
{
	char buf[64];
	med_json w;

	WRITE(buf, med_fhir_decimal_of(&w, NULL, 70));
	MT_EQ_STR(med_json_text(&w, NULL), "70");
	WRITE(buf, med_fhir_decimal_of(&w, NULL, 36.6));
	MT_EQ_STR(med_json_text(&w, NULL), "36.6");
	WRITE(buf, med_fhir_decimal_of(&w, NULL, 0.1 + 0.2));
	MT_EQ_STR(med_json_text(&w, NULL), "0.30000000000000004");
	WRITE(buf, med_fhir_decimal(&w, NULL, "37.0"));
	MT_EQ_STR(med_json_text(&w, NULL), "37.0");
	WRITE(buf, med_fhir_decimal(&w, NULL, "37,0"));
	MT_EQ_INT(w.err, MED_ERR_INVALID);
}

static void
test_decimal_matches(void)
{
	char buf[128];
	med_json w;

	MT_TRUE(med_fhir_decimal_matches("37.0", 37));
	MT_TRUE(med_fhir_decimal_matches("0.50", 0.5));
	MT_TRUE(med_fhir_decimal_matches("-1.25", -1.25));
	MT_TRUE(med_fhir_decimal_matches("36.6", 36.6));
	/* Another number, or not the plain spelling. */
	MT_TRUE(!med_fhir_decimal_matches("37.0", 38));
	MT_TRUE(!med_fhir_decimal_matches("3.7e1", 37));
	MT_TRUE(!med_fhir_decimal_matches("037", 37));
	MT_TRUE(!med_fhir_decimal_matches("37.", 37));
	MT_TRUE(!med_fhir_decimal_matches(".5", 0.5));
	MT_TRUE(!med_fhir_decimal_matches("37,0", 37));
	MT_TRUE(!med_fhir_decimal_matches("", 0));
	MT_TRUE(!med_fhir_decimal_matches(" 37", 37));
	MT_TRUE(!med_fhir_decimal_matches("37.000000000000000000000000000000",
					  37));
	WRITE(buf, med_fhir_quantity_exact(&w, NULL, 37, "37.0", "Cel"));
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"value\":37.0,\"unit\":\"Cel\",\"system\":"
		  "\"http://unitsofmeasure.org\",\"code\":\"Cel\"}");
	WRITE(buf, med_fhir_quantity_exact(&w, NULL, 37, "", "Cel"));
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"value\":37,\"unit\":\"Cel\",\"system\":"
		  "\"http://unitsofmeasure.org\",\"code\":\"Cel\"}");
}

static void
test_string_rule(void)
{
	MT_TRUE(med_fhir_string_ok("Blood pressure é", false));
	MT_TRUE(!med_fhir_string_ok("a\x01"
				    "b",
				    false));
	MT_TRUE(!med_fhir_string_ok("a\x01"
				    "b",
				    true));
	MT_TRUE(!med_fhir_string_ok("a\x7f", true));
	MT_TRUE(!med_fhir_string_ok("line\nline", false));
	MT_TRUE(med_fhir_string_ok("line\nline\tcol\r\n", true));
	MT_TRUE(!med_fhir_string_ok("esc\x1b[0m", true));
}

static void
test_escaping_every_control(void)
{
	char in[40], buf[256];
	med_json w;
	const char *out;

	for (int c = 1; c < 0x20; c++)
		in[c - 1] = (char)c;
	in[31] = '\0';
	WRITE(buf, med_json_str(&w, NULL, in));
	out = med_json_text(&w, NULL);
	MT_TRUE(out != NULL);
	for (const char *p = out; *p; p++)
		MT_TRUE((unsigned char)*p >= 0x20);
}

static void
test_reference_and_concept(void)
{
	static const med_fhir_code spo2[] = {
		{MED_FHIR_LOINC, "2708-6", "Oxygen saturation"},
		{MED_FHIR_LOINC, "59408-5", NULL},
		{MED_FHIR_LOINC, "", "skipped"},
	};
	char buf[256];
	med_json w;

	WRITE(buf, med_fhir_reference(&w, NULL, "Patient", "p-1", NULL));
	MT_EQ_STR(med_json_text(&w, NULL), "{\"reference\":\"Patient/p-1\"}");
	WRITE(buf, med_fhir_display_ref(&w, NULL, "Dr \"Q\" Ng"));
	MT_EQ_STR(med_json_text(&w, NULL), "{\"display\":\"Dr \\\"Q\\\" Ng\"}");
	WRITE(buf, med_fhir_concept(&w, NULL, spo2, 3, "SpO2"));
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
		  "\"2708-6\",\"display\":\"Oxygen saturation\"},{\"system\":"
		  "\"http://loinc.org\",\"code\":\"59408-5\"}],\"text\":"
		  "\"SpO2\"}");
	WRITE(buf, med_fhir_concept(&w, NULL, spo2 + 2, 1, NULL));
	MT_EQ_INT(w.err, MED_ERR_INVALID);
}

static void
test_quantity(void)
{
	char buf[256];
	med_json w;

	WRITE(buf, med_fhir_quantity(&w, NULL, 172.5, "cm"));
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"value\":172.5,\"unit\":\"cm\",\"system\":"
		  "\"http://unitsofmeasure.org\",\"code\":\"cm\"}");
}

static void
test_entry(void)
{
	char buf[256];
	med_json w;

	WRITE(buf, {
		med_fhir_entry_begin(&w, "https://h.example/fhir", "Patient",
				     "abc-1");
		med_fhir_entry_end(&w);
	});
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"fullUrl\":\"https://h.example/fhir/Patient/abc-1\","
		  "\"resource\":{\"resourceType\":\"Patient\",\"id\":\"abc-1\"}"
		  "}");
	MT_TRUE(med_fhir_id_ok("0123456789012345678901234567890123456789"
			       "012345678901234567890123"));
	MT_TRUE(!med_fhir_id_ok("0123456789012345678901234567890123456789"
				"0123456789012345678901234"));
	MT_TRUE(!med_fhir_id_ok(""));
	MT_TRUE(!med_fhir_id_ok("a/b"));
	WRITE(buf, med_fhir_entry_begin(&w, "https://h", "Patient", "a b"));
	MT_EQ_INT(w.err, MED_ERR_INVALID);
	WRITE(buf, {
		med_json_begin(&w, NULL, '{');
		med_fhir_meta(&w, 3, 1714552200123LL);
		med_json_end(&w, '}');
	});
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"meta\":{\"versionId\":\"3\",\"lastUpdated\":"
		  "\"2024-05-01T08:30:00.123Z\"}}");
	/* A stored time out of range leaves lastUpdated without a value. */
	WRITE(buf, {
		med_json_begin(&w, NULL, '{');
		med_fhir_meta(&w, 1, MED_FHIR_MAX_MS);
		med_json_end(&w, '}');
	});
	MT_EQ_INT(w.err, MED_OK);
	MT_TRUE(strstr(med_json_text(&w, NULL), "\"_lastUpdated\":") != NULL);
}

/* two_observations writes two minimal entries; ctx counts the calls. */
static uint32_t
two_observations(med_json *w, void *ctx)
{
	(*(int *)ctx)++;
	for (int i = 0; i < 2; i++) {
		med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, "Observation",
				     i ? "o2" : "o1");
		med_fhir_entry_end(w);
	}
	return 2;
}

static void
test_page_bundle(void)
{
	med_arena *a = med_arena_new(1 << 16);
	char *json = NULL;
	uint32_t n = 99;
	int calls = 0;

	MT_TRUE(a != NULL);
	MT_OK(med_fhir_page_json(a, 4096, "p-1", true, two_observations, &calls,
				 &json, &n));
	MT_EQ_INT(n, 3);
	MT_EQ_INT(calls, 1);
	MT_TRUE(strstr(json, "{\"resourceType\":\"Bundle\",\"type\":"
			     "\"collection\",\"timestamp\":\"") == json);
	/* The Patient comes first, then what the callback wrote. */
	MT_TRUE(strstr(json, "\"entry\":[{\"fullUrl\":\"" MED_FHIR_EXPORT_BASE
			     "/Patient/p-1\"") != NULL);
	MT_TRUE(strstr(json, "Patient/p-1") < strstr(json, "Observation/o1"));
	/* An empty page has no entry array and no Patient; fn is not run. */
	MT_OK(med_fhir_page_json(a, 4096, "p-1", false, two_observations,
				 &calls, &json, &n));
	MT_EQ_INT(n, 0);
	MT_EQ_INT(calls, 1);
	MT_TRUE(strstr(json, "entry") == NULL);
	/* A page of many patients (no patient id) has no Patient entry. */
	MT_OK(med_fhir_page_json(a, 4096, NULL, true, two_observations, &calls,
				 &json, &n));
	MT_EQ_INT(n, 2);
	MT_TRUE(strstr(json, "Patient") == NULL);
	MT_TRUE(strstr(json, "\"entry\":[{\"fullUrl\":\"" MED_FHIR_EXPORT_BASE
			     "/Observation/o1\"") != NULL);
	/* A page that does not fit is refused, not cut. */
	MT_EQ_INT(med_fhir_page_json(a, 64, "p-1", true, two_observations,
				     &calls, &json, &n),
		  MED_ERR_LIMIT);
	med_arena_free(a);
}

/* A resource is found in a bundle by its fullUrl, its text byte for byte
 * (strings holding braces included); an id not there is NOT_FOUND. */
static void
test_bundle_resource(void)
{
	med_arena *a = med_arena_new(1 << 16);
	char *json = NULL;
	const char *at = NULL;
	char text[128];
	size_t len = 0;
	uint32_t n = 0;
	int calls = 0;

	MT_TRUE(a != NULL);
	MT_OK(med_fhir_page_json(a, 4096, "p-1", true, two_observations, &calls,
				 &json, &n));
	MT_OK(med_fhir_bundle_resource(json, "Observation", "o2", &at, &len));
	snprintf(text, sizeof(text), "%.*s", (int)len, at);
	MT_EQ_STR(text, "{\"resourceType\":\"Observation\",\"id\":\"o2\"}");
	MT_OK(med_fhir_bundle_resource(json, "Patient", "p-1", &at, &len));
	MT_EQ_INT(
		med_fhir_bundle_resource(json, "Observation", "o3", &at, &len),
		MED_ERR_NOT_FOUND);
	/* The type is part of the match: o1 is no Condition. */
	MT_EQ_INT(med_fhir_bundle_resource(json, "Condition", "o1", &at, &len),
		  MED_ERR_NOT_FOUND);
	MT_EQ_INT(
		med_fhir_bundle_resource("{\"fullUrl\":\"" MED_FHIR_EXPORT_BASE
					 "/Goal/g\",\"resource\":{\"a\":\"}{\"",
					 "Goal", "g", &at, &len),
		MED_ERR_INVALID);
	/* The copying form: the same text, a string of its own. */
	char *copy = NULL;
	MT_OK(med_fhir_bundle_resource_copy(a, json, "Observation", "o2",
					    &copy));
	MT_EQ_STR(copy, "{\"resourceType\":\"Observation\",\"id\":\"o2\"}");
	MT_EQ_INT(med_fhir_bundle_resource_copy(a, json, "Observation", "o3",
						&copy),
		  MED_ERR_NOT_FOUND);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"instant_in_range", test_instant_in_range},
	{"instant_out_of_range", test_instant_out_of_range},
	{"stored out of range is data-absent",
	 test_stored_out_of_range_is_data_absent},
	{"decimals", test_decimals},
	{"decimal text that matches", test_decimal_matches},
	{"string_rule", test_string_rule},
	{"escaping_every_control", test_escaping_every_control},
	{"reference_and_concept", test_reference_and_concept},
	{"quantity", test_quantity},
	{"entry", test_entry},
	{"page_bundle", test_page_bundle},
	{"bundle_resource", test_bundle_resource},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
