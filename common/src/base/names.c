/*
 * names.c - the order a patient's name is shown in and the keys it is
 * searched by (med/names.h).  The Han readings are a table generated at
 * build time from Unicode's Unihan database (tools/dev/gen-pinyin.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/names.h>

/* The generated table (build/gen/med_pinyin_table.c): med__pinyin_chars
 * sorted, med__pinyin_of[i] the index of its reading in the syllables. */
extern const char *const med__pinyin_syllables[];
extern const size_t med__pinyin_n_syllables;
extern const uint32_t med__pinyin_chars[];
extern const uint16_t med__pinyin_of[];
extern const size_t med__pinyin_n_chars;

/* next_cp decodes the UTF-8 character at *s and moves *s past it; a byte
 * that starts no valid sequence is taken alone (as U+FFFD). */
static uint32_t
next_cp(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	int n = p[0] < 0x80 ? 0 : p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : 1;
	uint32_t cp = n == 0 ? p[0] : p[0] & (0x3f >> n);

	if (p[0] >= 0x80 && p[0] < 0xc0)
		n = -1;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += 1;
			return 0xfffd;
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s += n < 0 ? 1 : n + 1;
	return n < 0 ? 0xfffd : cp;
}

static bool
is_han(uint32_t c)
{
	return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	       (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3134f) ||
	       c == 0x3005; /* 々, the iteration mark of 佐々木 */
}

/* is_cjk: Han, kana or Hangul. */
static bool
is_cjk(uint32_t c)
{
	return is_han(c) || (c >= 0x3040 && c <= 0x30ff) ||
	       (c >= 0x31f0 && c <= 0x31ff) || (c >= 0xac00 && c <= 0xd7af) ||
	       (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f);
}

/* is_separator: what a name's parts are joined by and a key leaves out. */
static bool
is_separator(uint32_t c)
{
	return c == ' ' || c == '-' || c == '\'' || c == '.' || c == 0xb7 ||
	       c == 0x30fb || c == 0x2027;
}

bool
med_name_is_cjk(const char *s)
{
	bool any = false;

	while (s != NULL && *s != '\0') {
		uint32_t c = next_cp(&s);

		if (is_cjk(c))
			any = true;
		else if (!is_separator(c))
			return false;
	}
	return any;
}

bool
med_name_has_han(const char *s)
{
	while (s != NULL && *s != '\0')
		if (is_han(next_cp(&s)))
			return true;
	return false;
}

/* append copies n bytes of s to out at *at, cut at a character's end;
 * false when it did not all fit. */
static bool
append(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
	size_t room = cap - *at - 1;
	size_t k = n <= room ? n : room;

	while (k < n && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	memcpy(out + *at, s, k);
	*at += k;
	out[*at] = '\0';
	return k == n;
}

const char *
med_name_display(char *out, size_t cap, const char *family, const char *given)
{
	bool has_given = given != NULL && given[0] != '\0';
	bool family_first = med_name_is_cjk(family) &&
			    (!has_given || med_name_is_cjk(given));
	size_t at = 0;

	if (cap == 0)
		return out;
	out[0] = '\0';
	family = family != NULL ? family : "";
	if (!has_given || family_first) {
		append(out, cap, &at, family, strlen(family));
		if (has_given)
			append(out, cap, &at, given, strlen(given));
		return out;
	}
	append(out, cap, &at, given, strlen(given));
	if (family[0] != '\0')
		append(out, cap, &at, " ", 1);
	append(out, cap, &at, family, strlen(family));
	return out;
}

static int
cmp_cp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* reading is c's toneless pinyin, NULL when Unihan gives it none. */
static const char *
reading(uint32_t c)
{
	const uint32_t *hit =
		bsearch(&c, med__pinyin_chars, med__pinyin_n_chars,
			sizeof(uint32_t), cmp_cp);

	return hit != NULL ? med__pinyin_syllables
				     [med__pinyin_of[hit - med__pinyin_chars]]
			   : NULL;
}

/* key_of appends s's key (med_name_key) to out at *at. */
static bool
key_of(char *out, size_t cap, size_t *at, const char *s)
{
	bool ok = true;

	while (s != NULL && *s != '\0') {
		const char *start = s;
		uint32_t c = next_cp(&s);
		const char *py = is_han(c) ? reading(c) : NULL;
		char lower[2] = {
			(char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c), 0};

		if (is_separator(c))
			continue;
		if (py != NULL)
			ok = append(out, cap, at, py, strlen(py)) && ok;
		else if (c == 0xfc || c == 0xdc) /* ü, Ü: pinyin's v */
			ok = append(out, cap, at, "v", 1) && ok;
		else if (c < 0x80)
			ok = append(out, cap, at, lower, 1) && ok;
		else
			ok = append(out, cap, at, start, (size_t)(s - start)) &&
			     ok;
	}
	return ok;
}

bool
med_name_key(char *out, size_t cap, const char *family, const char *given)
{
	size_t at = 0;

	if (cap == 0)
		return false;
	out[0] = '\0';
	return key_of(out, cap, &at, family) && key_of(out, cap, &at, given);
}

bool
med_name_search_chars_ok(const char *query)
{
	const char *s = query;

	if (s == NULL || *s == '\0')
		return false;
	if (is_cjk(next_cp(&s)))
		return true;
	return *s != '\0';
}

bool
med_name_full_starts(const char *family, const char *given, const char *query)
{
	char name[MED_NAME_KEY_MAX], q[MED_NAME_KEY_MAX];

	if (query == NULL || query[0] == '\0')
		return false;
	if (med_name_has_han(query)) {
		snprintf(name, sizeof(name), "%s%s", family ? family : "",
			 given ? given : "");
		return strncmp(name, query, strlen(query)) == 0;
	}
	if (!med_name_key(name, sizeof(name), family, given) ||
	    !med_name_key(q, sizeof(q), query, NULL) || q[0] == '\0')
		return false;
	return strncmp(name, q, strlen(q)) == 0;
}
