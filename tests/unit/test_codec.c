/*
 * test_codec.c - med/codec.h: hex, base64 and percent-encoding, their
 * known answers (RFC 4648 section 10) and their answers to bad input.
 */
#include "testlib.h"

#include <med/codec.h>
#include <med/util.h>

static void
test_hex_digit(void)
{
	MT_EQ_INT(med_hex_digit('0'), 0);
	MT_EQ_INT(med_hex_digit('9'), 9);
	MT_EQ_INT(med_hex_digit('a'), 10);
	MT_EQ_INT(med_hex_digit('F'), 15);
	MT_EQ_INT(med_hex_digit('g'), -1);
	MT_EQ_INT(med_hex_digit('G'), -1);
	MT_EQ_INT(med_hex_digit('/'), -1);
	MT_EQ_INT(med_hex_digit(':'), -1);
	MT_EQ_INT(med_hex_digit('\0'), -1);
	MT_EQ_INT(med_hex_digit(0xc3), -1);
}

static void
test_hex_round_trip(void)
{
	static const uint8_t bin[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char hex[MED_HEX_LEN(sizeof(bin))];
	uint8_t back[sizeof(bin)];
	size_t n = 0;

	MT_TRUE(med_hex_encode(hex, sizeof(hex), bin, sizeof(bin)) == hex);
	MT_EQ_STR(hex, "00017f80abff");
	MT_OK(med_hex_decode("00017F80ABff", 12, back, sizeof(back), &n));
	MT_EQ_INT(n, sizeof(bin));
	MT_TRUE(memcmp(back, bin, sizeof(bin)) == 0);
	MT_OK(med_hex_decode("", 0, back, 0, &n));
	MT_EQ_INT(n, 0);
}

static void
test_hex_bad_input(void)
{
	static const char *const bad[] = {
		"0",  /* odd */
		"0g", /* not a digit */
		"0 ", " 0", "00\n0", "zz", "+1", "-1", "0x",
	};
	uint8_t out[8];
	size_t n = 99;
	char small[4];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (med_hex_decode(bad[i], strlen(bad[i]), out, sizeof(out),
				   &n) != MED_ERR_INVALID)
			mt_fail(__FILE__, __LINE__, "hex \"%s\" accepted",
				bad[i]);
	MT_EQ_INT(n, 99); /* untouched on error */
	/* Too many bytes for the room: a limit, not a bad digit. */
	MT_EQ_INT(med_hex_decode("00112233445566778899", 20, out, sizeof(out),
				 &n),
		  MED_ERR_LIMIT);
	/* An encoding that would not fit writes nothing but its NUL. */
	MT_TRUE(med_hex_encode(small, sizeof(small), "ab", 2) == NULL);
	MT_EQ_STR(small, "");
	MT_TRUE(med_hex_encode(small, 0, "ab", 2) == NULL);
}

/* RFC 4648 section 10's test vectors, both variants. */
static void
test_b64_vectors(void)
{
	static const struct {
		const char *bin, *std, *url;
	} v[] = {
		{"", "", ""},
		{"f", "Zg==", "Zg"},
		{"fo", "Zm8=", "Zm8"},
		{"foo", "Zm9v", "Zm9v"},
		{"foob", "Zm9vYg==", "Zm9vYg"},
		{"fooba", "Zm9vYmE=", "Zm9vYmE"},
		{"foobar", "Zm9vYmFy", "Zm9vYmFy"},
	};
	char out[16];
	uint8_t back[16];
	size_t n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].bin);

		MT_EQ_INT(med_b64_len(len, MED_B64_STD), strlen(v[i].std) + 1);
		MT_EQ_INT(med_b64_len(len, MED_B64_URL), strlen(v[i].url) + 1);
		MT_TRUE(med_b64_encode(out, sizeof(out), v[i].bin, len,
				       MED_B64_STD) != NULL);
		MT_EQ_STR(out, v[i].std);
		MT_TRUE(med_b64_encode(out, sizeof(out), v[i].bin, len,
				       MED_B64_URL) != NULL);
		MT_EQ_STR(out, v[i].url);
		n = 99;
		MT_OK(med_b64_decode(v[i].std, strlen(v[i].std), MED_B64_STD,
				     back, sizeof(back), &n));
		MT_EQ_INT(n, len);
		MT_TRUE(memcmp(back, v[i].bin, len) == 0);
		MT_OK(med_b64_decode(v[i].url, strlen(v[i].url), MED_B64_URL,
				     back, sizeof(back), &n));
		MT_EQ_INT(n, len);
	}
}

/* The two alphabets differ in 62 and 63: + / against - _. */
static void
test_b64_alphabets(void)
{
	static const uint8_t bin[] = {0xfb, 0xff, 0xbf};
	char out[8];
	uint8_t back[4];
	size_t n;

	med_b64_encode(out, sizeof(out), bin, sizeof(bin), MED_B64_STD);
	MT_EQ_STR(out, "+/+/");
	med_b64_encode(out, sizeof(out), bin, sizeof(bin), MED_B64_URL);
	MT_EQ_STR(out, "-_-_");
	MT_EQ_INT(med_b64_decode("+/+/", 4, MED_B64_URL, back, 4, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_b64_decode("-_-_", 4, MED_B64_STD, back, 4, &n),
		  MED_ERR_INVALID);
}

static void
test_b64_bad_input(void)
{
	static const struct {
		const char *s;
		med_b64 v;
	} bad[] = {
		{"Zg", MED_B64_STD},	    /* padding missing */
		{"Zg=", MED_B64_STD},	    /* padding short */
		{"Zg==", MED_B64_URL},	    /* padding where none goes */
		{"Zm9v!", MED_B64_STD},	    /* outside the alphabet */
		{"Zm9v Zm9v", MED_B64_STD}, /* a space */
		{"Zm9v\n", MED_B64_STD},    /* a newline */
		{"Zg==Zg==", MED_B64_STD},  /* text after the padding */
		{"Z", MED_B64_URL},	    /* one character is no byte */
		{"Zm9v\0Zm9v", MED_B64_STD},
	};
	uint8_t out[16];
	size_t n = 99;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = i == sizeof(bad) / sizeof(bad[0]) - 1
				     ? 9
				     : strlen(bad[i].s);
		if (med_b64_decode(bad[i].s, len, bad[i].v, out, sizeof(out),
				   &n) != MED_ERR_INVALID)
			mt_fail(__FILE__, __LINE__, "case %zu \"%s\" accepted",
				i, bad[i].s);
	}
	MT_EQ_INT(n, 99);
	MT_EQ_INT(med_b64_decode("Zm9vYmFy", 8, MED_B64_STD, out, 5, &n),
		  MED_ERR_LIMIT);
}

/* MED_B64_LINES skips the line breaks and spaces a client wraps
 * attachment data with; nothing else. */
static void
test_b64_lines(void)
{
	uint8_t out[16];
	size_t n = 0;

	MT_OK(med_b64_decode("Zm9v\r\nYmFy ", 11, MED_B64_LINES, out,
			     sizeof(out), &n));
	MT_EQ_INT(n, 6);
	MT_TRUE(memcmp(out, "foobar", 6) == 0);
	MT_EQ_INT(med_b64_decode("Zm9v\tYmFy", 9, MED_B64_LINES, out,
				 sizeof(out), &n),
		  MED_ERR_INVALID);
}

static void
test_b64_encode_room(void)
{
	char out[8];

	/* "foobar" takes 8 characters and a NUL. */
	MT_TRUE(med_b64_encode(out, sizeof(out), "foobar", 6, MED_B64_STD) ==
		NULL);
	MT_EQ_STR(out, "");
	MT_TRUE(med_b64_encode(out, 8, "fooba", 5, MED_B64_URL) != NULL);
	MT_EQ_STR(out, "Zm9vYmE");
}

static void
test_url_query_add(void)
{
	char url[64] = "https://h/fhir/Observation";

	MT_TRUE(med_url_query_add(url, sizeof(url), "code", "a|b c"));
	MT_EQ_STR(url, "https://h/fhir/Observation?code=a%7Cb%20c");
	MT_TRUE(med_url_query_add(url, sizeof(url), "d", "-._~:/\xc3\xa9"));
	MT_EQ_STR(url, "https://h/fhir/Observation?code=a%7Cb%20c"
		       "&d=-._~%3A%2F%C3%A9");
}

/* A value that does not fit is cut before an escape, never inside one,
 * and the URL stays terminated. */
static void
test_url_query_add_room(void)
{
	char url[16] = "/x";

	MT_TRUE(!med_url_query_add(url, sizeof(url), "k", "aaaaaaaa&"));
	MT_EQ_STR(url, "/x?k=aaaaaaaa");
	med_strlcpy(url, "/x", sizeof(url));
	MT_TRUE(!med_url_query_add(url, sizeof(url), "a-very-long-key", "v"));
	MT_EQ_INT(url[sizeof(url) - 1], '\0');
}

static void
test_form_decode(void)
{
	char s[64];

	med_strlcpy(s, "a+b%20c%7C%e2%82%ac", sizeof(s));
	MT_TRUE(med_form_decode(s));
	MT_EQ_STR(s, "a b c|\xe2\x82\xac");
	med_strlcpy(s, "", sizeof(s));
	MT_TRUE(med_form_decode(s));
	MT_EQ_STR(s, "");
}

static void
test_form_decode_bad_input(void)
{
	static const char *const bad[] = {
		"%", "%2", "a%zz", "%g0", "%0g", "%00", "x%00y", "%%41",
	};
	char s[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		med_strlcpy(s, bad[i], sizeof(s));
		if (med_form_decode(s))
			mt_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
	}
}

static const mt_case cases[] = {
	{"hex digit", test_hex_digit},
	{"hex round trip", test_hex_round_trip},
	{"hex bad input", test_hex_bad_input},
	{"base64 RFC 4648 vectors", test_b64_vectors},
	{"base64 alphabets", test_b64_alphabets},
	{"base64 bad input", test_b64_bad_input},
	{"base64 lines", test_b64_lines},
	{"base64 encode room", test_b64_encode_room},
	{"url query add", test_url_query_add},
	{"url query add room", test_url_query_add_room},
	{"form decode", test_form_decode},
	{"form decode bad input", test_form_decode_bad_input},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
