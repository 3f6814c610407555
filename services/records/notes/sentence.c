/*
 * sentence.c - the words and marks of a sentence that every step of the
 * reader asks about: a colon after a word, a phrase spelt at a word, the
 * punctuation between two bytes, the bytes that lead a line.  They sit at
 * the bottom of the reader's files so that any step may use them.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool
notes__between_has(const sentence *s, uint32_t from, uint32_t to, char c)
{
	return from < to && memchr(s->text + from, c, to - from) != NULL;
}

bool
notes__comma_in(const sentence *s, uint32_t from, uint32_t to)
{
	return notes__between_has(s, from, to, ',') ||
	       (from < to &&
		memmem(s->text + from, to - from, "\xef\xbc\x8c", 3) != NULL);
}

bool
notes__part_ends(const sentence *s, uint32_t from, uint32_t to)
{
	return notes__between_has(s, from, to, '.') ||
	       notes__between_has(s, from, to, ';');
}

bool
notes__switch_verb_zh(const sentence *s, size_t w)
{
	/* 改服 and 换服, 改吃 and 换吃, of a drug taken by mouth ("布洛芬——服
	 * 后胃痛，自述不耐受，改服对乙酰氨基酚", allergy75nw, zh-dev74; "之後止
	 * 痛改吃普拿疼", allergy75on, zh-dev75) */
	static const char *const to[] = {"换用", "改用", "改为", "换为",
					 "换成", "改成", "转用", "改服",
					 "换服", "改吃", "换吃"};

	return notes__words_in(s, w, to, sizeof(to) / sizeof(*to));
}

bool
notes__paren_between(const sentence *s, uint32_t from, uint32_t to)
{
	return notes__between_has(s, from, to, '(') ||
	       (from < to &&
		memmem(s->text + from, to - from, FW_OPEN, 3) != NULL);
}

const char *
notes__colon_at(const char *text, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		if (text[i] == ':' ||
		    (i + 2 < to && memcmp(text + i, "\xef\xbc\x9a", 3) == 0))
			return text + i;
	return NULL;
}

bool
notes__felt_symptom_code(const char *code)
{
	return code[0] == 'R' && code[1] >= '0' && code[1] < '7';
}

bool
notes__text_holds_any(const char *text, size_t from, size_t to,
		      const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(words[i]);

		for (size_t p = from; p + len <= to; p++)
			if (strncasecmp(text + p, words[i], len) == 0)
				return true;
	}
	return false;
}

bool
notes__is_year(const char *key)
{
	return strlen(key) == 4 &&
	       (strncmp(key, "19", 2) == 0 || strncmp(key, "20", 2) == 0) &&
	       key[2] >= '0' && key[2] <= '9' && key[3] >= '0' && key[3] <= '9';
}

bool
notes__words_at(const sentence *s, size_t w, const char *phrase)
{
	/* Either way the word's first byte is the phrase's: a cheap no for
	 * most of the words a list is tried at. */
	if (w < s->n && s->words[w].key[0] != phrase[0])
		return false;
	if (w < s->n && !s->words[w].han)
		return strcmp(s->words[w].key, phrase) == 0;
	while (*phrase != '\0') {
		size_t n = w < s->n && s->words[w].han ? strlen(s->words[w].key)
						       : 0;

		if (n == 0 || strncmp(phrase, s->words[w].key, n) != 0)
			return false;
		phrase += n;
		w++;
	}
	return true;
}

bool
notes__word_between(const sentence *s, size_t a, size_t b, const char *phrase)
{
	for (size_t w = s->items[a].w1; w < s->items[b].w0; w++)
		if (notes__words_at(s, w, phrase))
			return true;
	return false;
}

bool
notes__words_in(const sentence *s, size_t w, const char *const *list, size_t n)
{
	/* the first byte first, as notes__words_at does, without a call
	 * for each phrase of the list */
	char c = w < s->n ? s->words[w].key[0] : '\0';

	for (size_t i = 0; i < n; i++)
		if (list[i][0] == c && notes__words_at(s, w, list[i]))
			return true;
	return false;
}

bool
notes__word_after_in(const sentence *s, size_t k, const char *const *list,
		     size_t n)
{
	size_t w = s->items[k].w1;

	return w < s->n && notes__words_in(s, w, list, n);
}

bool
notes__words_end_at(const sentence *s, size_t w, const char *const *list,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]) / 3; /* a character is 3 bytes */

		if (w >= len && notes__words_at(s, w - len, list[i]))
			return true;
	}
	return false;
}

bool
notes__phrases_in(const sentence *s, size_t w, const char *const *list,
		  size_t n)
{
	/* the first byte first, as notes__words_in does: most words open
	 * none of the list's phrases */
	char c = w < s->n ? s->words[w].key[0] : '\0';

	for (size_t i = 0; i < n; i++)
		if (list[i][0] == c && notes__phrase_at(s, w, list[i]))
			return true;
	return false;
}

bool
notes__colon_after(const sentence *s, size_t j)
{
	uint32_t to = j + 1 < s->n_items ? s->items[j + 1].start
					 : s->words[s->n - 1].end;

	return notes__colon_at(s->text, s->items[j].end, to) != NULL;
}

bool
notes__is_number(const char *key)
{
	if (*key == '\0')
		return false;
	for (; *key != '\0'; key++)
		if (*key < '0' || *key > '9')
			return false;
	return true;
}

/* Units a dose is written in after its number ("900mg", "2 puffs",
 * "100 iu"). */
static const char *const dose_units[] = {"mg",	  "mcg",   "microgram", "ug",
					 "g",	  "units", "iu",	"ml",
					 "puffs", "puff"};

/* unit_word: is word one of dose_units? */
static bool
unit_word(const char *word)
{
	for (size_t i = 0; i < sizeof(dose_units) / sizeof(*dose_units); i++)
		if (strcmp(word, dose_units[i]) == 0)
			return true;
	return false;
}

/* notes__arrow_between: is an arrow ("->", "=>", U+2192) written in
 * text[from, to)?  What a cue says before it, the arrow leads on to what
 * followed or the plan ("Did not tolerate bloods today -> to try at the
 * surgery with EMLA (lidocaine/prilocaine) cream"), as "so" does
 * (rules75en20). */
bool
notes__arrow_between(const sentence *s, uint32_t from, uint32_t to)
{
	static const char *const arrows[] = {"->", "=>", "\xe2\x86\x92"};

	for (uint32_t i = from; i < to; i++)
		for (size_t a = 0; a < sizeof(arrows) / sizeof(*arrows); a++)
			if (strncmp(s->text + i, arrows[a],
				    strlen(arrows[a])) == 0 &&
			    i + strlen(arrows[a]) <= to)
				return true;
	return false;
}

/* dose_end: the word past a dose written from w, a number then its unit
 * ("2 puffs") or both in one word ("900mg"); w itself when none is. */
static size_t
dose_end(const sentence *s, size_t w)
{
	const char *key = s->words[w].key, *p = key;

	if (notes__is_number(key))
		return w + 1 < s->n && unit_word(s->words[w + 1].key) ? w + 2
								      : w;
	while (*p >= '0' && *p <= '9')
		p++;
	return p != key && unit_word(p) ? w + 1 : w;
}

bool
notes__dose_at(const sentence *s, size_t w)
{
	return dose_end(s, w) > w;
}

size_t
notes__past_dose(const sentence *s, size_t w)
{
	if (w >= s->n)
		return w;
	if (notes__dose_at(s, w))
		return dose_end(s, w);
	if (notes__is_number(s->words[w].key) && w + 1 < s->n &&
	    notes__dose_at(s, w + 1))
		return dose_end(s, w + 1);
	return w;
}

int
notes__atoi_small(const char *key)
{
	return key[1] == '\0' ? key[0] - '0'
			      : (key[0] - '0') * 10 + key[1] - '0';
}

bool
notes__key_starts(const item *it, int type, const char *const *prefixes,
		  size_t n)
{
	if ((int)it->e->type != type)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strncmp(it->e->key, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

bool
notes__words_any(const sentence *s, size_t from, size_t to,
		 const char *const *list, size_t n)
{
	for (size_t w = from; w < to; w++)
		if (notes__words_in(s, w, list, n))
			return true;
	return false;
}

bool
notes__only_marks(const char *text, uint32_t from, uint32_t to,
		  const char *marks)
{
	for (uint32_t i = from; i < to; i++) {
		/* a full-width colon is a colon */
		if (strchr(marks, ':') &&
		    notes__colon_at(text, i, to) == text + i &&
		    text[i] != ':') {
			i += 2;
			continue;
		}
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
		    strchr(marks, text[i]) == NULL)
			return false;
	}
	return true;
}

/* IDEOGRAPHIC_SPACE: U+3000, the full-width space Chinese forms indent
 * their fields with ("　药物：磺胺类"). */
#define IDEOGRAPHIC_SPACE "\xe3\x80\x80"

const char *
notes__line_lead(const sentence *s)
{
	const char *p = s->text + s->words[0].start;

	for (;;) {
		if (p - s->text >= 3 &&
		    memcmp(p - 3, IDEOGRAPHIC_SPACE, 3) == 0)
			p -= 3;
		else if (p - s->text >= 3 && p[-3] == '(' && p[-1] == ')' &&
			 (p[-2] == '+' || p[-2] == '-'))
			p -= 3; /* a checklist's "(+)" or "(-)" (allergy75pl) */
		else if (p > s->text &&
			 strchr(" \t-*\xe2\x80\xa2", p[-1]) != NULL &&
			 p[-1] != '\0')
			p--;
		else
			break;
	}
	return p == s->text || p[-1] == '\n' ? p : NULL;
}

bool
notes__phrase_at(const sentence *s, size_t w, const char *phrase)
{
	for (const char *p = phrase; *p != '\0'; w++) {
		size_t n = strcspn(p, " ");

		if (w >= s->n || strlen(s->words[w].key) != n ||
		    strncmp(s->words[w].key, p, n) != 0)
			return false;
		p += n + (p[n] == ' ');
	}
	return true;
}

size_t
notes__phrase_before(const sentence *s, size_t w, const char *const *phrases,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t words = 1;

		for (const char *p = phrases[i]; *p; p++)
			words += *p == ' ';
		if (w >= words && notes__phrase_at(s, w - words, phrases[i]))
			return words;
	}
	return 0;
}

bool
notes__among(const char *word, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(word, list[i]) == 0)
			return true;
	return false;
}

bool
notes__gap_in(const sentence *s, uint32_t from, uint32_t to,
	      const char *const *list, size_t n)
{
	char gap[32];
	size_t len = 0;

	for (uint32_t i = from; i < to; i++) {
		if (s->text[i] == ' ' || s->text[i] == '\t')
			continue;
		if (len + 1 >= sizeof(gap))
			return false;
		gap[len++] = (char)tolower((unsigned char)s->text[i]);
	}
	gap[len] = '\0';
	return notes__among(gap, list, n);
}

/* removed_after: is de-labelling item t one written before the label
 * it removes, in the past ("so I have removed the penicillin label",
 * allergy75kd)?  It names the label after it, not the drug of a
 * challenge before it. */
static bool
removed_after(const item *t)
{
	size_t n = strlen(t->e->key);

	return (t->e->dir & (NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD)) ==
		       NOTES_DIR_FORWARD &&
	       n >= 7 && strcmp(t->e->key + n - 7, "removed") == 0;
}

const item *
notes__delabel_after(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (s->items[m].e->type == NOTES_T_NEGATED &&
		    (s->items[m].e->dir & NOTES_DIR_DELABEL) &&
		    !removed_after(&s->items[m]))
			return &s->items[m];
	return NULL;
}
