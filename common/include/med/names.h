/*
 * med/names.h - patients' names as their culture writes them (issue 77):
 * the order a name is shown in and the keys a name is searched by.  One
 * rule for every layer that shows or searches a name (identity, the FHIR
 * facade; the console's patientName in services/console/app.js follows
 * the same rule).  docs/names.md says what holds.
 */
#ifndef MED_NAMES_H
#define MED_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Room for a display name: identity's 200 + 200 characters of up to 4
 * UTF-8 bytes, a space and the NUL. */
#define MED_NAME_DISPLAY_MAX 1602
/* Room for a search key: a Han character's reading is at most 6 letters
 * (zhuang), any other character at most 4 bytes; 400 characters. */
#define MED_NAME_KEY_MAX 2402

/*
 * med_name_is_cjk says whether s is written in a script whose names put
 * the family name first without a space: it holds at least one Han,
 * kana or Hangul character and nothing else but spaces and middle dots.
 */
bool med_name_is_cjk(const char *s);

/* med_name_has_han says whether s holds a Han character. */
bool med_name_has_han(const char *s);

/*
 * med_name_display writes the name as the patient's culture writes it
 * into out (cap bytes, cut at a character's end when too small): family
 * name first and no space when both names are CJK (med_name_is_cjk, an
 * empty given name counts as CJK) - "王芳" - and "given family" otherwise
 * - "Anna Smith"; the family name alone when there is no given name.
 * Returns out.
 */
const char *med_name_display(char *out, size_t cap, const char *family,
			     const char *given);

/*
 * med_name_key writes the name's pinyin search key into out (cap bytes):
 * family then given name, each Han character as its customary Mandarin
 * reading without tones (Unicode's Unihan kMandarin, "ü" as "v"), Latin
 * letters in lower case, spaces, hyphens, apostrophes, dots and middle
 * dots left out, any other character as it is: "王芳", "Wang Fang" and
 * "wangfang" all give "wangfang".  given may be NULL.  Returns false
 * when out is too small (out then holds what fitted).
 */
bool med_name_key(char *out, size_t cap, const char *family, const char *given);

/*
 * med_name_search_chars_ok says whether query is long enough to search
 * names by: one character when it starts with a CJK character (a Chinese
 * family name is one character: 李, 王), two otherwise - one Latin letter
 * would list a large share of the hospital to whoever may search all of
 * it (docs/names.md).
 */
bool med_name_search_chars_ok(const char *query);

/*
 * med_name_full_starts says whether a name search's query matches the
 * whole name beyond its parts: for a query with Han characters, the name
 * in characters (family then given, no space) starts with it ("王芳"
 * finds 王 芳); for any other, the pinyin key (med_name_key) starts with
 * the query's key ("wang fang" finds 王 芳).  The same rule as identity's
 * SearchPatients name_prefix.
 */
bool med_name_full_starts(const char *family, const char *given,
			  const char *query);

#endif
