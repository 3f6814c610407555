/*
 * test_bytes.c - the bounded byte writer and reader (med/bytes.h) that
 * verification tokens and audit leaves are encoded with, and med_problem.
 */
#include "testlib.h"

#include <med/bytes.h>
#include <med/err.h>

#include <stdint.h>

static void
test_big_endian_widths(void)
{
	uint8_t buf[16];
	med_wbuf w = {.p = buf, .cap = sizeof(buf)};

	med_wbuf_put_be(&w, 0x0102, 2);
	med_wbuf_put_be(&w, 0xa1b2c3d4e5f60718ull, 8);
	med_wbuf_put_be(&w, 0x7f, 1);
	MT_TRUE(!w.over);
	MT_EQ_INT(w.len, 11);
	MT_EQ_INT(buf[0], 0x01);
	MT_EQ_INT(buf[1], 0x02);
	MT_EQ_INT(buf[2], 0xa1);
	MT_EQ_INT(buf[9], 0x18);
	MT_EQ_INT(buf[10], 0x7f);
}

static void
test_roundtrip(void)
{
	uint8_t buf[64];
	med_wbuf w = {.p = buf, .cap = sizeof(buf)};
	med_rbuf r;
	const uint8_t *s;

	med_wbuf_put_be(&w, 123456789, 4);
	med_wbuf_put_f64(&w, -0.761);
	med_wbuf_put_str(&w, "abc", 3, 2);
	MT_TRUE(!w.over);
	r = (med_rbuf){.p = buf, .len = w.len};
	MT_EQ_INT(med_rbuf_get_be(&r, 4), 123456789);
	MT_TRUE(med_rbuf_get_f64(&r) == -0.761);
	MT_EQ_INT(med_rbuf_get_be(&r, 2), 3);
	s = med_rbuf_take(&r, 3);
	MT_TRUE(s != NULL && memcmp(s, "abc", 3) == 0);
	MT_TRUE(!r.bad);
	MT_EQ_INT(r.off, r.len);
}

static void
test_overflow_latches(void)
{
	uint8_t buf[5];
	med_wbuf w = {.p = buf, .cap = sizeof(buf)};

	med_wbuf_put_be(&w, 1, 4);
	med_wbuf_put_be(&w, 2, 2); /* does not fit */
	MT_TRUE(w.over);
	MT_EQ_INT(w.len, 4);
	med_wbuf_put_be(&w, 3, 1); /* would fit, but the writer is over */
	MT_EQ_INT(w.len, 4);
}

static void
test_string_prefix_too_small(void)
{
	char big[300];
	uint8_t buf[512];
	med_wbuf w = {.p = buf, .cap = sizeof(buf)};

	memset(big, 'x', sizeof(big));
	med_wbuf_put_str(&w, big, sizeof(big), 1); /* 300 > 255 */
	MT_TRUE(w.over);
	MT_EQ_INT(w.len, 0);
	w = (med_wbuf){.p = buf, .cap = sizeof(buf)};
	med_wbuf_put_str(&w, big, sizeof(big), 2);
	MT_TRUE(!w.over);
	MT_EQ_INT(w.len, 302);
	med_wbuf_put_str(&w, NULL, 0, 4);
	MT_EQ_INT(w.len, 306);
}

static void
test_bad_width_refused(void)
{
	uint8_t buf[16];
	med_wbuf w = {.p = buf, .cap = sizeof(buf)};
	med_rbuf r = {.p = buf, .len = sizeof(buf)};

	med_wbuf_put_be(&w, 1, 9);
	MT_TRUE(w.over);
	MT_EQ_INT(med_rbuf_get_be(&r, 0), 0);
	MT_TRUE(r.bad);
}

static void
test_read_past_end(void)
{
	uint8_t buf[3] = {1, 2, 3};
	med_rbuf r = {.p = buf, .len = sizeof(buf)};

	MT_EQ_INT(med_rbuf_get_be(&r, 2), 0x0102);
	MT_EQ_INT(med_rbuf_get_be(&r, 2), 0);
	MT_TRUE(r.bad);
	MT_TRUE(med_rbuf_take(&r, 1) == NULL);
}

static void
test_problem_set(void)
{
	med_problem p = {0};

	MT_EQ_INT(med_problem_set(&p, MED_ERR_INVALID, "dose", "must be %s",
				  "above 0"),
		  MED_ERR_INVALID);
	MT_EQ_INT(p.err, MED_ERR_INVALID);
	MT_EQ_STR(p.field, "dose");
	MT_EQ_STR(p.reason, "must be above 0");
	MT_EQ_INT(med_problem_set(NULL, MED_ERR_PRECONDITION, "x", "y"),
		  MED_ERR_PRECONDITION);
}

static const mt_case cases[] = {
	{"big_endian_widths", test_big_endian_widths},
	{"roundtrip", test_roundtrip},
	{"overflow_latches", test_overflow_latches},
	{"string_prefix_too_small", test_string_prefix_too_small},
	{"bad_width_refused", test_bad_width_refused},
	{"read_past_end", test_read_past_end},
	{"problem_set", test_problem_set},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
