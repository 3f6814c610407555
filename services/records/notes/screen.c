/*
 * screen.c - an infection named only as what a screening test looks for
 * (issue 75, probfp75k): "baseline bloods including hepatitis B and C,
 * HIV, TB screen (IGRA)", "COVID screen not required", "需先完善乙肝、
 * 结核筛查", "治疗前完善：乙肝五项、丙肝、HIV、T-SPOT", "注意結核篩查
 * （T-SPOT、胸片）及乙肝".  The writer orders or waives a test; the
 * patient has no such infection on the strength of it, and no writer of
 * the development sets annotates one.  A result written in the clause
 * ("HIV test negative", "TB screen: QuantiFERON positive", "乙肝五项：
 * HBsAg(+)") is another matter: most writers annotate the infection then,
 * negated for a negative result, affirmed for a positive one, and the
 * test's name stays read (learned.c, result_negative).
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>

/* SCREEN_GAP_AFTER: the bytes between an infection and the test word
 * after it, room for the other infections of the list ("hepatitis B" …
 * " and C, HIV, TB " … "screen"). */
#define SCREEN_GAP_AFTER 24
/* SCREEN_GAP_BEFORE: the bytes between a test word and an infection the
 * same list names after it ("篩查" … "（T-SPOT、胸片）及" … "乙肝"). */
#define SCREEN_GAP_BEFORE 40

bool
notes__screened_infection(const char *code)
{
	static const char *const codes[] = {
		"A15", "A16", "A17", "A18", "A19", "A50", "A51",
		"A52", "A53", "B15", "B16", "B17", "B18", "B19",
		"B20", "B21", "B22", "B23", "B24", "Z21", "Z22"};

	for (size_t i = 0; i < N_OF(codes); i++)
		if (strncmp(code, codes[i], 3) == 0)
			return true;
	return false;
}

/* screened: is code an infection a blood, skin or swab test screens for
 * (notes__screened_infection, or COVID-19 U07), or a condition only a
 * test finds (thrombophilia D68.5 / D68.6, gestational diabetes O24.4)? */
static bool
screened(const char *code)
{
	static const char *const tested[] = {"D68.5", "D68.6", "O24.4"};

	if (notes__screened_infection(code) || strncmp(code, "U07", 3) == 0)
		return true;
	for (size_t i = 0; i < N_OF(tested); i++)
		if (strcmp(code, tested[i]) == 0)
			return true;
	return false;
}

/* word_at: does text[i, end) start with ASCII word w (any case), not
 * inside a longer word? */
static bool
word_at(const char *text, uint32_t i, uint32_t end, const char *w)
{
	size_t n = strlen(w);

	return i + n <= end && strncasecmp(text + i, w, n) == 0 &&
	       (i == 0 || !isalnum((unsigned char)text[i - 1])) &&
	       (i + n == end || !isalnum((unsigned char)text[i + n]));
}

/* entry_at: is list entry w written at text[i, end): an ASCII entry as a
 * word in any case, a Chinese one as it is? */
static bool
entry_at(const char *text, uint32_t i, uint32_t end, const char *w)
{
	size_t len = strlen(w);

	if ((unsigned char)w[0] < 0x80)
		return word_at(text, i, end, w);
	return i + len <= end && memcmp(text + i, w, len) == 0;
}

/* spelt_at: the bytes of the entry of list[0, n) written at text[i], or
 * 0. */
static size_t
spelt_at(const char *text, uint32_t i, uint32_t end, const char *const *list,
	 size_t n)
{
	for (size_t w = 0; w < n; w++)
		if (entry_at(text, i, end, list[w]))
			return strlen(list[w]);
	return 0;
}

/* test_word_at: the bytes of a word naming a screening test at text[i]
 * ("screen", "serology", 筛查, 篩檢, 乙肝五项's 五项, 两对半), or 0. */
static size_t
test_word_at(const char *text, uint32_t i, uint32_t end)
{
	static const char *const test[] = {
		"screen",
		"screening",
		"serology",
		"serologies",
		"test",
		"tests",
		"testing",
		"\xe7\xad\x9b\xe6\x9f\xa5",		/* 筛查 */
		"\xe7\xaf\xa9\xe6\x9f\xa5",		/* 篩查 */
		"\xe7\xad\x9b\xe6\xa3\x80",		/* 筛检 */
		"\xe7\xaf\xa9\xe6\xaa\xa2",		/* 篩檢 */
		"\xe4\xba\x94\xe9\xa1\xb9",		/* 五项 */
		"\xe4\xba\x94\xe9\xa0\x85",		/* 五項 */
		"\xe4\xb8\xa4\xe5\xaf\xb9\xe5\x8d\x8a", /* 两对半 */
		"\xe5\x85\xa9\xe5\xb0\x8d\xe5\x8d\x8a", /* 兩對半 */
		"\xe8\xa1\x80\xe6\xb8\x85\xe5\xad\xa6", /* 血清学 */
		"\xe8\xa1\x80\xe6\xb8\x85\xe5\xad\xb8", /* 血清學 */
	};

	return spelt_at(text, i, end, test, N_OF(test));
}

/* result_in: does text[from, to) give a test's result ("negative",
 * "neg", "positive", "+ve", "non-reactive", "detected", 阴性, 陽性, "+",
 * "(-)")? */
static bool
result_in(const char *text, uint32_t from, uint32_t to)
{
	static const char *const result[] = {
		"negative",
		"neg",
		"positive",
		"pos",
		"reactive",
		"nonreactive",
		"detected",
		"undetectable",
		"indeterminate",
		"ve",
		"\xe9\x98\xb4\xe6\x80\xa7", /* 阴性 */
		"\xe9\x99\xb0\xe6\x80\xa7", /* 陰性 */
		"\xe9\x98\xb3\xe6\x80\xa7", /* 阳性 */
		"\xe9\x99\xbd\xe6\x80\xa7", /* 陽性 */
		"\xe6\xa3\x80\xe5\x87\xba", /* 检出 */
		"\xe6\xaa\xa2\xe5\x87\xba", /* 檢出 */
		"+",
		"(-)",
		"\xef\xbc\x88-\xef\xbc\x89", /* （-） */
	};

	for (uint32_t i = from; i < to; i++)
		if (spelt_at(text, i, to, result, N_OF(result)) > 0)
			return true;
	return false;
}

/* ends_part: does text[from, to) end a part of the sentence, or open or
 * close a bracket (". ", ";", ":", "(", 。, ；, ：, （, ）)? */
static bool
ends_part(const char *text, uint32_t from, uint32_t to)
{
	static const char *const mark[] = {
		";",
		":",
		"(",
		")",
		"\xe3\x80\x82", /* 。 */
		"\xef\xbc\x9b", /* ； */
		"\xef\xbc\x9a", /* ： */
		"\xef\xbc\x88", /* （ */
		"\xef\xbc\x89", /* ） */
	};

	for (uint32_t i = from; i < to; i++) {
		if (text[i] == '.' && (i + 1 == to || text[i + 1] == ' '))
			return true;
		if (spelt_at(text, i, to, mark, N_OF(mark)) > 0)
			return true;
	}
	return false;
}

/* joined_at_end: does text[from, to) end with a list's joint (",", "/",
 * "and", 、, ，, 及, 和, 与), spaces aside? */
static bool
joined_at_end(const char *text, uint32_t from, uint32_t to)
{
	static const char *const joint[] = {
		",",
		"/",
		"\xe3\x80\x81", /* 、 */
		"\xef\xbc\x8c", /* ， */
		"\xe5\x8f\x8a", /* 及 */
		"\xe5\x92\x8c", /* 和 */
		"\xe4\xb8\x8e", /* 与 */
		"\xe8\x88\x87", /* 與 */
	};

	while (to > from && text[to - 1] == ' ')
		to--;
	if (to >= from + 3 && word_at(text, to - 3, to, "and"))
		return true;
	for (size_t w = 0; w < N_OF(joint); w++) {
		size_t n = strlen(joint[w]);

		if (to >= from + n && memcmp(text + to - n, joint[w], n) == 0)
			return true;
	}
	return false;
}

/* test_after: is a test word written within SCREEN_GAP_AFTER bytes
 * after [start, end), in the same part of the sentence ("HIV, TB
 * screen", "COVID screen", "乙肝、结核筛查", "乙肝五项")? */
static bool
test_after(const char *text, uint32_t end, uint32_t to)
{
	for (uint32_t i = end; i < to && i <= end + SCREEN_GAP_AFTER; i++) {
		if (ends_part(text, end, i))
			return false;
		if (test_word_at(text, i, to) > 0)
			return true;
	}
	return false;
}

/* test_before: is a test word written within SCREEN_GAP_BEFORE bytes
 * before start, the infection joined to its list after it ("篩查（T-SPOT、
 * 胸片）及乙肝", "乙肝五项、丙肝")? */
static bool
test_before(const char *text, uint32_t from, uint32_t start)
{
	uint32_t lo = start > from + SCREEN_GAP_BEFORE
			      ? start - SCREEN_GAP_BEFORE
			      : from;

	if (!joined_at_end(text, from, start))
		return false;
	for (uint32_t i = start; i-- > lo;) {
		size_t n = test_word_at(text, i, start);

		if (n > 0)
			return true;
	}
	return false;
}

bool
notes__screen_named(const sentence *s, size_t k)
{
	const item *it = &s->items[k];
	uint32_t from = s->words[0].start, to = s->words[s->n - 1].end;

	if (!screened(it->e->code))
		return false;
	for (uint32_t i = from; i < it->start; i++)
		if (s->text[i] == ';' || (i + 3 <= it->start &&
					  memcmp(s->text + i, FW_SEMI, 3) == 0))
			from = i + 1;
	for (uint32_t i = it->end; i < to; i++)
		if (s->text[i] == ';' ||
		    (i + 3 <= to && memcmp(s->text + i, FW_SEMI, 3) == 0))
			to = i;
	if (result_in(s->text, from, to))
		return false;
	return test_after(s->text, it->end, to) ||
	       test_before(s->text, from, it->start);
}
