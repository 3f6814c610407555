/*
 * fold.c - what one character of a note is to the scanner once the
 * disguises of a drug's name are taken off (issue 74): invisible
 * characters (soft hyphen, zero-width space and joiners, word joiner,
 * byte order mark), full-width ASCII (U+FF01..U+FF5E, folded as NFKC
 * folds them) and the Cyrillic and Greek letters that look like Latin
 * ones (after Unicode's confusables, restricted to those that look like
 * a-z); a traditional Chinese ideograph is read as its simplified one
 * (hant.c's table, made by OpenCC).  No Unicode library is linked for this: the
 * characters concerned are few and fixed, and a table keeps the reader pure and
 * allocation free.  The text is never rewritten: the scanner folds only the
 * words' comparison forms, so spans keep pointing into the note as written.
 */
#include "notes_int.h"

#include <string.h>

/* char_len returns the length of a valid UTF-8 sequence at s[0, left), or
 * 0 when the bytes are no valid sequence. */
static size_t
char_len(const unsigned char *s, size_t left)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* code_point decodes the valid sequence s[0, n). */
static unsigned
code_point(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned cp = s[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3fu);
	return cp;
}

/* invisible: characters that show nothing and join what is around them
 * when a name is read. */
static bool
invisible(unsigned cp)
{
	return cp == 0x00ad || (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 ||
	       cp == 0xfeff;
}

/* han: a CJK unified ideograph (the basic block, extension A, the
 * compatibility ideographs, the supplementary planes' extensions): a
 * character of Chinese, read as a word of its own, since Chinese writes
 * no spaces between words (match.c matches phrases over them). */
static bool
han(unsigned cp)
{
	return (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) ||
	       (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0x20000 && cp <= 0x2fa1f);
}

/* A Latin letter with a diacritic, or a Cyrillic or Greek letter, and the
 * plain Latin letter (lower case) it is read as: drug names come written
 * the French, Spanish or German way ("pénicilline", "Ibuprofène",
 * "Metamizol-Natrium"), and a letter of another script slips into a
 * name typed on another keyboard.  Sorted by code point. */
typedef struct lookalike {
	unsigned cp;
	char latin;
} lookalike;

static const lookalike lookalikes[] = {
	/* Latin-1 letters with diacritics */
	{0x00c0, 'a'},
	{0x00c1, 'a'},
	{0x00c2, 'a'},
	{0x00c3, 'a'},
	{0x00c4, 'a'},
	{0x00c5, 'a'},
	{0x00c7, 'c'},
	{0x00c8, 'e'},
	{0x00c9, 'e'},
	{0x00ca, 'e'},
	{0x00cb, 'e'},
	{0x00cc, 'i'},
	{0x00cd, 'i'},
	{0x00ce, 'i'},
	{0x00cf, 'i'},
	{0x00d1, 'n'},
	{0x00d2, 'o'},
	{0x00d3, 'o'},
	{0x00d4, 'o'},
	{0x00d5, 'o'},
	{0x00d6, 'o'},
	{0x00d8, 'o'},
	{0x00d9, 'u'},
	{0x00da, 'u'},
	{0x00db, 'u'},
	{0x00dc, 'u'},
	{0x00dd, 'y'},
	{0x00e0, 'a'},
	{0x00e1, 'a'},
	{0x00e2, 'a'},
	{0x00e3, 'a'},
	{0x00e4, 'a'},
	{0x00e5, 'a'},
	{0x00e7, 'c'},
	{0x00e8, 'e'},
	{0x00e9, 'e'},
	{0x00ea, 'e'},
	{0x00eb, 'e'},
	{0x00ec, 'i'},
	{0x00ed, 'i'},
	{0x00ee, 'i'},
	{0x00ef, 'i'},
	{0x00f1, 'n'},
	{0x00f2, 'o'},
	{0x00f3, 'o'},
	{0x00f4, 'o'},
	{0x00f5, 'o'},
	{0x00f6, 'o'},
	{0x00f8, 'o'},
	{0x00f9, 'u'},
	{0x00fa, 'u'},
	{0x00fb, 'u'},
	{0x00fc, 'u'},
	{0x00fd, 'y'},
	{0x00ff, 'y'},
	/* Greek capitals */
	{0x0391, 'a'},
	{0x0392, 'b'},
	{0x0395, 'e'},
	{0x0396, 'z'},
	{0x0397, 'h'},
	{0x0399, 'i'},
	{0x039a, 'k'},
	{0x039c, 'm'},
	{0x039d, 'n'},
	{0x039f, 'o'},
	{0x03a1, 'p'},
	{0x03a4, 't'},
	{0x03a5, 'y'},
	{0x03a7, 'x'},
	/* Greek small letters */
	{0x03b1, 'a'},
	{0x03b3, 'y'},
	{0x03b9, 'i'},
	{0x03ba, 'k'},
	{0x03bd, 'v'},
	{0x03bf, 'o'},
	{0x03c1, 'p'},
	{0x03c5, 'u'},
	{0x03c7, 'x'},
	/* Cyrillic capitals */
	{0x0405, 's'},
	{0x0406, 'i'},
	{0x0408, 'j'},
	{0x0410, 'a'},
	{0x0412, 'b'},
	{0x0415, 'e'},
	{0x041a, 'k'},
	{0x041c, 'm'},
	{0x041d, 'h'},
	{0x041e, 'o'},
	{0x0420, 'p'},
	{0x0421, 'c'},
	{0x0422, 't'},
	{0x0423, 'y'},
	{0x0425, 'x'},
	/* Cyrillic small letters */
	{0x0430, 'a'},
	{0x0435, 'e'},
	{0x043e, 'o'},
	{0x0440, 'p'},
	{0x0441, 'c'},
	{0x0443, 'y'},
	{0x0445, 'x'},
	{0x0455, 's'},
	{0x0456, 'i'},
	{0x0458, 'j'},
	{0x04bb, 'h'},
	{0x0501, 'd'},
	{0x051a, 'q'},
	{0x051b, 'q'},
	{0x051c, 'w'},
	{0x051d, 'w'},
};

/* latin_lookalike returns the Latin letter cp is drawn like, or '\0'. */
static char
latin_lookalike(unsigned cp)
{
	size_t lo = 0, hi = sizeof(lookalikes) / sizeof(lookalikes[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lookalikes[mid].cp == cp)
			return lookalikes[mid].latin;
		if (lookalikes[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return '\0';
}

void
notes__char(const unsigned char *s, size_t left, notes_char *c)
{
	unsigned cp;

	memset(c, 0, sizeof(*c));
	c->len = char_len(s, left);
	if (c->len == 0)
		return;
	cp = code_point(s, c->len);
	if (cp < 0x80)
		c->ascii = (char)cp;
	else if (cp >= 0xff01 && cp <= 0xff5e)
		c->ascii = (char)(cp - 0xfee0);
	else
		c->latin = latin_lookalike(cp);
	c->invisible = invisible(cp);
	c->han = han(cp);
	if (c->han)
		c->simp_len = notes__simplified(cp, c->simp);
}
