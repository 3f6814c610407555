/*
 * hant.c - traditional Chinese characters read as their simplified ones
 * (issue 75): a note written "對青黴素過敏" is compared with the word
 * lists as "对青霉素过敏".  The table is built once, when the word lists
 * load, by OpenCC (Debian's libopencc1.1 and its dictionaries in
 * libopencc-data): every ideograph of the basic block and extension A is
 * converted by OpenCC's traditional-to-simplified configurations, the
 * standard one first, then Taiwan's and Hong Kong's for their variant
 * characters (爲, 裡, 着 ...), and a character that becomes one other
 * character is kept.  Only this file includes OpenCC's header.
 *
 * Character by character, not OpenCC's phrase conversion of the note:
 * the scanner compares a note one character at a time and never rewrites
 * it, so spans keep pointing at the bytes as written, and a table lookup
 * costs nothing per note.  Phrases that differ by more than their
 * characters (Taiwan's 阿斯匹靈 for 阿司匹林) are names of their own,
 * for the word lists.
 */
#include "notes_int.h"

#include <opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HAN_FIRST 0x3400u /* extension A */
#define HAN_END	  0xa000u /* past the basic block */
#define HAN_COUNT (HAN_END - HAN_FIRST)

/* simplified[cp - HAN_FIRST]: the simplified character of cp, 0 for a
 * character that has none (or is simplified already).  Written once,
 * before any note is read (lexicon.c's load, under its pthread_once). */
static uint16_t simplified[HAN_COUNT];

/* put_utf8 writes the UTF-8 of cp (0x800 <= cp < 0x10000) at out. */
static size_t
put_utf8(unsigned cp, char *out)
{
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* all_han returns every character of the range, one a line (the caller
 * frees it), so that OpenCC converts each alone: a phrase of its
 * dictionaries never spans a line break. */
static char *
all_han(size_t *len)
{
	char *s = malloc((size_t)HAN_COUNT * 4 + 1);
	size_t k = 0;

	if (s == NULL)
		return NULL;
	for (unsigned cp = HAN_FIRST; cp < HAN_END; cp++) {
		k += put_utf8(cp, s + k);
		s[k++] = '\n';
	}
	s[k] = '\0';
	*len = k;
	return s;
}

/* one_han returns the character that the line [p, end) is when it is a
 * single character of the range, else 0. */
static unsigned
one_han(const unsigned char *p, const unsigned char *end)
{
	unsigned cp;

	if (end - p != 3 || (p[0] & 0xf0) != 0xe0)
		return 0;
	cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	return cp >= HAN_FIRST && cp < HAN_END ? cp : 0;
}

/* keep records, line by line, the characters OpenCC changed; false when
 * its output does not hold one line per character. */
static bool
keep(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;

	for (unsigned cp = HAN_FIRST; cp < HAN_END; cp++) {
		const unsigned char *nl =
			(const unsigned char *)strchr((const char *)p, '\n');
		unsigned to;

		if (nl == NULL)
			return false;
		to = one_han(p, nl);
		if (to != 0 && to != cp && simplified[cp - HAN_FIRST] == 0)
			simplified[cp - HAN_FIRST] = (uint16_t)to;
		p = nl + 1;
	}
	return true;
}

/* convert runs one OpenCC configuration over in; NULL or a problem. */
static const char *
convert(const char *config, const char *in, size_t len)
{
	opencc_t cc = opencc_open(config);
	char *out;
	bool ok;

	if (cc == (opencc_t)-1)
		return "OpenCC's traditional-to-simplified configuration "
		       "did not open (is libopencc-data installed?)";
	out = opencc_convert_utf8(cc, in, len);
	opencc_close(cc);
	if (out == NULL)
		return "OpenCC did not convert the ideographs";
	ok = keep(out);
	opencc_convert_utf8_free(out);
	return ok ? NULL : "OpenCC's output is not one line per ideograph";
}

const char *
notes__hant_load(void)
{
	static const char *const configs[] = {"t2s.json", "tw2s.json",
					      "hk2s.json"};
	const char *problem = NULL;
	size_t len = 0;
	char *in = all_han(&len);

	if (in == NULL)
		return "out of memory";
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		if ((problem = convert(configs[i], in, len)) != NULL)
			break;
	free(in);
	return problem;
}

size_t
notes__simplified(unsigned cp, char *out)
{
	unsigned to;

	if (cp < HAN_FIRST || cp >= HAN_END)
		return 0;
	to = simplified[cp - HAN_FIRST];
	return to ? put_utf8(to, out) : 0;
}
