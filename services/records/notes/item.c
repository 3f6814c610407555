/*
 * item.c - a drug that heads a list item, stopped later in that item
 * ("- Metoprolol? - was on it 2017-2020, stopped by cardiology.";
 * "| Atorvastatin | 20mg | STOP - primary prevention |"; "- insulin
 * glargine 12 units - started in hospital; STOPPED at clinic in Oct").
 * A medicine reconciliation writes one drug to a line and tells its
 * story in clauses and sentences after it, where a sentence's triggers
 * (context.c) do not reach: the item's stop, said of no other drug, is
 * of the drug it heads, and that drug is past.  A stop to come is not
 * ("then stop", "stop if nausea", "STOP once eating", "wants it
 * stopped", "stop 3 days pre-op"): "stop" and "discontinue" count only
 * where a dash, a full stop, a bar, a bracketed reason or the line's end
 * follows them ("today" between or not), and a word before it
 * that makes it a plan, a wish or a condition leaves the drug taken, as
 * does a restart or a continuation anywhere in the item.  A Chinese
 * item's stop is a clause of its own ("- 曲马多（便秘、恶心，停）";
 * "- Hydrochlorothiazide 12.5mg —— 會升尿酸，今日停，改 Losartan"),
 * never one done after something else ("激素停用后停药") or planned
 * ("拟本周停").
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>

/* ITEM_TRIGGER: the trigger a stopped item's drug is read with, the
 * English stop trigger of context.csv, so that the context model weighs
 * it as that one. */
#define ITEM_TRIGGER "stopped"

static const char *const stops[] = {"stopped", "discontinued", "ceased"};

/* bare_stops: the stops written as an order ("STOP (AKI)", "not used since
 * April - discontinue"), which count only where bare_stop holds. */
static const char *const bare_stops[] = {"stop", "discontinue"};

/* plans: a word right before the stop that makes it one to come, wished
 * or conditional ("plan to taper and stop", "which is STOPPED" of the
 * drug it replaces). */
static const char *const plans[] = {
	"it",	 "them",   "wants",    "want",	      "be",	"is",
	"are",	 "then",   "and",      "to",	      "should", "will",
	"would", "not",	   "never",    "don't",	      "do",	"if",
	"may",	 "could",  "consider", "considering", "plan",	"can",
	"must",	 "before", "when",     "until",	      "whether"};

static const char *const again[] = {"restart",	 "restarted", "re-started",
				    "resume",	 "resumed",   "continue",
				    "continued", "continuing"};

/* The Chinese stops (longest first), what may stand right before one
 * and right after it, and the words that resume a drug. */
static const char *const stops_zh[] = {"停用", "停药", "停止", "停"};
static const char *const before_zh[] = {"，", ",",  "、", "今日",
					"已", "（", "| "};
static const char *const after_zh[] = {"）", ")",  "，", ",",
				       "。", "；", " |", "|"};
static const char *const again_zh[] = {"恢复", "恢復", "继续",
				       "繼續", "重新", "改回"};

/* objects: a word right after the stop that is what stops, not a drug. */
static const char *const objects[] = {"smoking", "drinking", "date", "dates"};

#define N(a) (sizeof(a) / sizeof(*(a)))

/* word_at: the lower-cased word of letters (and ' -) at text[i, to) in
 * buf; its end. */
static size_t
word_at(const char *text, size_t i, size_t to, char *buf, size_t cap)
{
	size_t n = 0;

	while (i < to && (isalpha((unsigned char)text[i]) || text[i] == '\'' ||
			  text[i] == '-')) {
		if (n + 1 < cap)
			buf[n++] = (char)tolower((unsigned char)text[i]);
		i++;
	}
	buf[n] = '\0';
	return i;
}

/* heads_item: is the mention at start the first word of a list item on
 * the line from ls ("- ", "3. ", "3、", "| ", or the line's start)? */
static bool
heads_item(const char *text, size_t ls, size_t start)
{
	size_t i = ls;

	while (i < start && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i < start && (text[i] == '-' || text[i] == '*'))
		while (i < start && (text[i] == '-' || text[i] == '*'))
			i++;
	else if (i < start && isdigit((unsigned char)text[i])) {
		while (i < start && isdigit((unsigned char)text[i]))
			i++;
		if (i < start && (text[i] == '.' || text[i] == ')'))
			i++;
		else if (start - i >= 3 && memcmp(text + i, "、", 3) == 0)
			i += 3;
		else
			return false;
	} else if (i < start && text[i] == '|')
		i++;
	while (i < start && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return i == start;
}

/* drug_in: does out hold a medicine or an allergy mentioned within
 * bytes (from, to)? */
static bool
drug_in(const notes_reading *out, size_t from, size_t to)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind != NOTES_PROBLEM && g->start > from &&
		    g->start < to)
			return true;
	}
	return false;
}

/* skip_spaces: the first byte from i on that is not a space, or le. */
static size_t
skip_spaces(const char *text, size_t i, size_t le)
{
	while (i < le && text[i] == ' ')
		i++;
	return i;
}

/* bare_stop: is "stop" at text[i], with "today" or "now" after it or not,
 * followed by a dash, a full stop, a bar, a bracketed reason or the
 * line's end at le ("STOP - AKI", "stop.", "STOP today (K 5.6)", "STOP
 * (limited benefit)")?  Most writers read a drug the note stops today as
 * past (issue 75: nine English sets' headers say so, one does not). */
static bool
bare_stop(const char *text, size_t i, size_t le)
{
	char w[8];
	size_t e;

	i = skip_spaces(text, i, le);
	e = word_at(text, i, le, w, sizeof(w));
	if (strcmp(w, "today") == 0 || strcmp(w, "now") == 0)
		i = skip_spaces(text, e, le);
	return i >= le || strchr("-.|(", text[i]) != NULL;
}

/* clause_end: where the clause after byte i ends on the line (a comma,
 * a semicolon, a full stop, a parenthesis or a bar), or le. */
static size_t
clause_end(const char *text, size_t i, size_t le)
{
	while (i < le && !strchr(",;.(|", text[i]))
		i++;
	return i;
}

/* stop_in: where the first stop word of text(from, le) starts, or 0. */
static size_t
stop_in(const char *text, size_t from, size_t le, size_t *end)
{
	char w[24];

	for (size_t i = from; i < le;) {
		size_t e;

		if (!isalpha((unsigned char)text[i]) ||
		    (i > 0 && isalnum((unsigned char)text[i - 1]))) {
			i++;
			continue;
		}
		e = word_at(text, i, le, w, sizeof(w));
		if (notes__among(w, stops, N(stops)) ||
		    (notes__among(w, bare_stops, N(bare_stops)) &&
		     bare_stop(text, e, le))) {
			*end = e;
			return i;
		}
		i = e;
	}
	return 0;
}

/* word_before: the lower-cased word that ends right before byte i, a
 * colon after it or not ("Plan: stop (no indication)" is a plan). */
static void
word_before(const char *text, size_t ls, size_t i, char *buf, size_t cap)
{
	size_t e = i, b;

	while (e > ls && text[e - 1] == ' ')
		e--;
	if (e > ls && text[e - 1] == ':')
		e--;
	b = e;
	while (b > ls &&
	       (isalpha((unsigned char)text[b - 1]) || text[b - 1] == '\''))
		b--;
	word_at(text, b, e, buf, cap);
}

/* any_word: does text[from, to) hold a word of list? */
static bool
any_word(const char *text, size_t from, size_t to, const char *const *list,
	 size_t n)
{
	char w[24];

	for (size_t i = from; i < to;) {
		if (!isalpha((unsigned char)text[i])) {
			i++;
			continue;
		}
		size_t e = word_at(text, i, to, w, sizeof(w));

		if (notes__among(w, list, n))
			return true;
		i = e;
	}
	return false;
}

/* stopped_en: is English drug f, heading the item on line [ls, le), one
 * the item stops later, the stop said of no other drug and not to come? */
static bool
stopped_en(const notes_reading *out, const notes_finding *f, const char *text,
	   size_t ls, size_t le)
{
	size_t at, end;
	char w[24];

	if ((unsigned char)text[f->start] >= 0x80 ||
	    (at = stop_in(text, f->end, le, &end)) == 0 ||
	    drug_in(out, f->end, at) ||
	    drug_in(out, at, clause_end(text, end, le)) ||
	    any_word(text, f->end, le, again, N(again)))
		return false;
	word_before(text, ls, at, w, sizeof(w));
	if (notes__among(w, plans, N(plans)))
		return false;
	while (end < le && text[end] == ' ')
		end++;
	word_at(text, end, le, w, sizeof(w));
	return !notes__among(w, objects, N(objects));
}

/* starts_in: does text[i, le) start with one of list, or is it empty? */
static bool
starts_in(const char *text, size_t i, size_t le, const char *const *list,
	  size_t n)
{
	if (i >= le)
		return true;
	for (size_t k = 0; k < n; k++) {
		size_t l = strlen(list[k]);

		if (le - i >= l && memcmp(text + i, list[k], l) == 0)
			return true;
	}
	return false;
}

/* stop_zh_in: where a Chinese stop of its own clause starts in text(from,
 * le), or 0: after a comma, 今日, 已 or an opening parenthesis, and
 * before a closing one, a comma, a full stop or the line's end ("（便秘、
 * 恶心，停）", "，今日停，改 Losartan", "（…，今日停用）"); not "后停药", "没
 * 停", "拟本周停", "停私家嗰份". */
static size_t
stop_zh_in(const char *text, size_t from, size_t le)
{
	for (size_t i = from + 1; i < le; i++)
		for (size_t k = 0; k < N(stops_zh); k++) {
			size_t l = strlen(stops_zh[k]);

			if (le - i < l || memcmp(text + i, stops_zh[k], l) != 0)
				continue;
			if (notes__ends_in(text, from, i, before_zh,
					   N(before_zh)) &&
			    starts_in(text, i + l, le, after_zh, N(after_zh)))
				return i;
		}
	return 0;
}

/* stopped_zh: is drug f, heading the item on line [ls, le) of a Chinese
 * note, one a clause of its own later in the item stops, with no other
 * drug between, nothing that resumes it and no operation it is held for
 * ("— 術前5天已停")? */
static bool
stopped_zh(const notes_reading *out, const notes_finding *f, const char *text,
	   size_t le)
{
	size_t at = stop_zh_in(text, f->end, le);

	if (at == 0 || drug_in(out, f->end, at) ||
	    notes__preop_stop_zh(text, f->end, at))
		return false;
	for (size_t k = 0; k < N(again_zh); k++)
		if (memmem(text + f->end, le - f->end, again_zh[k],
			   strlen(again_zh[k])) != NULL)
			return false;
	return true;
}

/* item_stopped: is medicine f, read as taken, the drug that heads its
 * list item, with a stop later in the item said of no other drug and not
 * to come? */
static bool
item_stopped(const notes_reading *out, const notes_finding *f, const char *text,
	     size_t len)
{
	size_t ls = f->start, le = f->end;

	if (f->kind != NOTES_MEDICINE || f->context != 0)
		return false;
	while (ls > 0 && text[ls - 1] != '\n')
		ls--;
	while (le < len && text[le] != '\n')
		le++;
	return heads_item(text, ls, f->start) &&
	       (stopped_en(out, f, text, ls, le) ||
		stopped_zh(out, f, text, le));
}

/* past_code: does out hold code as a past medicine? */
static bool
past_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_MEDICINE &&
		    out->findings[i].context == NOTES_HISTORICAL &&
		    strcmp(out->findings[i].code, code) == 0)
			return true;
	return false;
}

void
notes__item_stops(notes_reading *out, const char *text, size_t len)
{
	bool stopped[NOTES_FINDINGS_MAX];
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++)
		stopped[i] = item_stopped(out, &out->findings[i], text, len);
	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		if (stopped[i]) {
			if (past_code(out, f.code))
				continue; /* the note holds it past already */
			f.context = NOTES_HISTORICAL;
			f.trigger = ITEM_TRIGGER;
		}
		out->findings[n++] = f;
	}
	out->n = n;
}
