/*
 * scan.c - the note reader's scanner (see notes.h): words, the "?" that
 * marks an uncertain word, the ";" that ends a clause, and the ends of
 * sentences, over bytes that may be any bytes.
 */
#include "notes_int.h"

#include <ctype.h>
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

/* unicode_punct: general punctuation (U+2000..U+206F: spaces, dashes,
 * quotes, bullets), no-break space, middle dot, CJK punctuation and
 * full-width forms' punctuation separate words. */
static bool
unicode_punct(const unsigned char *s, size_t n)
{
	if (n == 2)
		return s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0xb7);
	if (n != 3)
		return false;
	if (s[0] == 0xe2 && (s[1] == 0x80 || s[1] == 0x81))
		return true;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] <= 0x83)
		return true;
	return s[0] == 0xef && s[1] == 0xbc && s[2] <= 0x8f;
}

/* not_text: characters that stand for no letter and separate words: the
 * replacement character U+FFFD (what a decoder leaves of invalid UTF-8)
 * and the other specials U+FFF0..U+FFFF, the byte order mark U+FEFF and
 * the private-use area U+E000..U+F8FF (a font's or a system's own
 * symbols). */
static bool
not_text(const unsigned char *s, size_t n)
{
	if (n != 3)
		return false;
	if (s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xb0)
		return true;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return true;
	return s[0] == 0xee || (s[0] == 0xef && s[1] <= 0xa3);
}

/* sentence_stop: the ideographic full stop. */
static bool
ideographic_stop(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x82;
}

/* word_len returns the length of the word character at s, or 0. */
static size_t
word_len(const unsigned char *s, size_t left)
{
	size_t n = char_len(s, left);

	if (n == 1)
		return isalnum(s[0]) ? 1 : 0;
	if (n == 0 || unicode_punct(s, n) || not_text(s, n) ||
	    ideographic_stop(s, n))
		return 0;
	return n;
}

static bool
space_at(const char *text, size_t len, size_t i)
{
	return i >= len || isspace((unsigned char)text[i]);
}

/* A "?" before a word, after a space, marks it uncertain ("? asthma");
 * one after a word ends a question. */
static bool
query_mark(const char *text, size_t len, size_t i)
{
	bool before = i == 0 || isspace((unsigned char)text[i - 1]) ||
		      text[i - 1] == '(';

	return before && i + 1 < len &&
	       (word_len((const unsigned char *)text + i + 1, len - i - 1) ||
		(text[i + 1] == ' ' && i + 2 < len &&
		 word_len((const unsigned char *)text + i + 2, len - i - 2)));
}

static void
one_byte(notes_tok *t, size_t at, notes_tok_type type, char c)
{
	t->type = type;
	t->start = (uint32_t)at;
	t->end = (uint32_t)at + 1;
	t->key[0] = c;
	t->key[1] = '\0';
}

static void
word(const char *text, size_t len, size_t *pos, notes_tok *t)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = *pos, k = 0, n;

	while (i < len && (n = word_len(s + i, len - i)) > 0) {
		for (size_t j = 0; j < n && k <= NOTES_WORD_MAX; j++)
			t->key[k++] = (char)tolower(s[i + j]);
		i += n;
	}
	t->type = NOTES_TOK_WORD;
	t->start = (uint32_t)*pos;
	t->end = (uint32_t)i;
	t->key[k > NOTES_WORD_MAX ? 0 : k] = '\0';
	*pos = i;
}

void
notes__scan(const char *text, size_t len, size_t *pos, notes_tok *t)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = *pos; i < len;) {
		size_t n = char_len(s + i, len - i);

		if (word_len(s + i, len - i)) {
			*pos = i;
			word(text, len, pos, t);
			return;
		}
		*pos = i + (n ? n : 1);
		if (s[i] == '\n' || s[i] == '!' || ideographic_stop(s + i, n) ||
		    (s[i] == '.' && space_at(text, len, i + 1))) {
			one_byte(t, i, NOTES_TOK_SENTENCE, '.');
			return;
		}
		if (s[i] == ';') {
			one_byte(t, i, NOTES_TOK_WORD, ';');
			return;
		}
		if (s[i] == '?') {
			bool q = query_mark(text, len, i);

			one_byte(t, i, q ? NOTES_TOK_WORD : NOTES_TOK_SENTENCE,
				 '?');
			return;
		}
		i = *pos;
	}
	*pos = len;
	t->type = NOTES_TOK_END;
	t->start = t->end = (uint32_t)len;
	t->key[0] = '\0';
}
