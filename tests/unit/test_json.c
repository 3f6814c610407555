/*
 * test_json.c - the bounded JSON writer (med/json.h): commas and keys,
 * escaping, numbers, the cap of a fixed buffer and of an arena, and the
 * first error kept.
 */
#include "testlib.h"

#include <med/arena.h>
#include <med/json.h>

#include <math.h>

static void
test_nesting_and_commas(void)
{
	char buf[256];
	med_json w;

	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_begin(&w, NULL, '{');
	med_json_str(&w, "resourceType", "Bundle");
	med_json_begin(&w, "entry", '[');
	med_json_i64(&w, NULL, -7);
	med_json_u64(&w, NULL, 18446744073709551615ull);
	med_json_begin(&w, NULL, '{');
	med_json_end(&w, '}');
	med_json_begin(&w, NULL, '[');
	med_json_end(&w, ']');
	med_json_end(&w, ']');
	med_json_bool(&w, "ok", true);
	med_json_null(&w, "none");
	med_json_end(&w, '}');
	MT_EQ_STR(med_json_text(&w, NULL),
		  "{\"resourceType\":\"Bundle\",\"entry\":[-7,"
		  "18446744073709551615,{},[]],\"ok\":true,\"none\":null}");
}

static void
test_escaping(void)
{
	char buf[128];
	med_json w;

	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_str(&w, NULL, "a\"b\\c\nd\x01\x1f/é");
	MT_EQ_STR(med_json_text(&w, NULL),
		  "\"a\\\"b\\\\c\\nd\\u0001\\u001f/é\"");
	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_begin(&w, NULL, '{');
	med_json_str(&w, "k\"ey", NULL); /* NULL is "" */
	med_json_end(&w, '}');
	MT_EQ_STR(med_json_text(&w, NULL), "{\"k\\\"ey\":\"\"}");
}

static void
test_numbers(void)
{
	char buf[128];
	med_json w;

	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_begin(&w, NULL, '[');
	med_json_num(&w, NULL, "37.0"); /* precision as given */
	med_json_num(&w, NULL, "-0.5e-3");
	med_json_double(&w, NULL, 70);
	med_json_double(&w, NULL, 0.1);
	med_json_end(&w, ']');
	MT_EQ_STR(med_json_text(&w, NULL), "[37.0,-0.5e-3,70,0.1]");
	static const char *bad[] = {"",	  "01",	 "1.", ".5",
				    "1e", "NaN", "+1", "1 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		med_json_init_buf(&w, buf, sizeof(buf));
		med_json_num(&w, NULL, bad[i]);
		MT_EQ_INT(w.err, MED_ERR_INVALID);
		MT_TRUE(med_json_text(&w, NULL) == NULL);
	}
	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_double(&w, NULL, NAN);
	MT_EQ_INT(w.err, MED_ERR_INVALID);
}

static void
test_hex(void)
{
	char buf[64];
	static const uint8_t b[] = {0x00, 0xab, 0xff};
	med_json w;

	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_hex(&w, "h", b, sizeof(b));
	MT_EQ_STR(med_json_text(&w, NULL), "\"h\":\"00abff\"");
}

static void
test_fixed_cap_latches(void)
{
	char buf[8];
	med_json w;
	size_t len = 99;

	med_json_init_buf(&w, buf, sizeof(buf));
	med_json_str(&w, NULL, "abc"); /* 5 bytes */
	MT_EQ_INT(w.err, MED_OK);
	med_json_str(&w, NULL, "def"); /* would need 6 more */
	MT_EQ_INT(w.err, MED_ERR_LIMIT);
	MT_TRUE(med_json_text(&w, &len) == NULL);
	MT_EQ_INT(len, 99);
	MT_TRUE(strlen(buf) < sizeof(buf)); /* still terminated */
	med_json_i64(&w, NULL, 1);	    /* ignored after the error */
	MT_EQ_INT(w.err, MED_ERR_LIMIT);
}

static void
test_arena_grows_to_max(void)
{
	med_arena *a = med_arena_new(1 << 20);
	med_json w;
	size_t len;

	MT_TRUE(a != NULL);
	med_json_init_arena(&w, a, 100000);
	med_json_begin(&w, NULL, '[');
	for (int i = 0; i < 5000; i++)
		med_json_i64(&w, NULL, i);
	med_json_end(&w, ']');
	MT_TRUE(med_json_text(&w, &len) != NULL);
	MT_TRUE(len > 4096); /* past the first block */
	med_json_init_arena(&w, a, 64);
	for (int i = 0; i < 100; i++)
		med_json_str(&w, NULL, "0123456789");
	MT_EQ_INT(w.err, MED_ERR_LIMIT);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"nesting_and_commas", test_nesting_and_commas},
	{"escaping", test_escaping},
	{"numbers", test_numbers},
	{"hex", test_hex},
	{"fixed_cap_latches", test_fixed_cap_latches},
	{"arena_grows_to_max", test_arena_grows_to_max},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
