/*
 * reader.c - reading a note (see notes.h): sentences of words, the
 * longest known phrases in each, then every mention's context by the
 * triggers whose scope reaches it (NegEx, ConText).
 */
#include "notes_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A reaction this many words or fewer from a substance makes it an
 * allergy ("penicillin - rash"). */
#define REACTION_WORDS 3
/* A problem term this many words or fewer after an allergy's substance
 * is its reaction ("codeine (vomiting)"). */
#define REACTION_GAP_WORDS 1
/* A reaction timed from a dose ("hives 30 minutes after amoxicillin",
 * "万古霉素30分钟后……出现皮疹") is the drug's this many words away (a
 * Chinese character is a word), in its clause, with no other drug
 * between. */
#define REACTION_TIMED_WORDS 12
/* A reaction written first and linked to its drug by "after" or "with"
 * right before the drug ("hives and his lips swelled after ibuprofen",
 * "swelling of the throat with penicillin") is the drug's this many
 * words away, in its clause, with no other drug between. */
#define REACTION_LINKED_WORDS 6

/* item - a known phrase met in a sentence: words [w0, w1). */
typedef struct item {
	const notes_entry *e;
	size_t w0, w1;
	uint32_t start, end;
} item;

/* is_drug: is it a substance or a class, a drug a cue may name? */
static bool
is_drug(const item *it)
{
	return it->e->type == NOTES_T_SUBSTANCE || it->e->type == NOTES_T_CLASS;
}

/* sentence - the words of one sentence and the phrases found in them;
 * allergy_list: the line is under an "Allergies:" heading; section: the
 * trigger of the section heading it is under ("既往史：": historical), or
 * NULL; section_inline: that heading had its text on its own line
 * ("家族史：母亲有高血压。"), so only a list item goes on under it. */
typedef struct sentence {
	const char *text;
	notes_tok words[NOTES_SENTENCE_WORDS];
	size_t n;
	item items[NOTES_SENTENCE_WORDS];
	size_t n_items;
	bool allergy_list;
	bool allergy_line; /* the line starts with "Allergies: …" */
	bool allergy_head; /* s is that line's first sentence */
	const notes_entry *section;
	bool section_inline;
	uint32_t section_at; /* where the section's heading starts */
	/* the first drug of the sentence before, on the same paragraph
	 * (e NULL: none): what "This is a side effect, not an allergy"
	 * speaks of */
	item prior;
	/* the paragraph's last drug before s: what a parenthesis opened
	 * after it and wrapped onto s's line speaks of */
	item prior_last;
} sentence;

/* between_has: does the text between items a and b (a < b) hold c?  The
 * scanner drops punctuation; a parenthesis or a dash still parts what it
 * is written between. */
static bool
between_has(const sentence *s, uint32_t from, uint32_t to, char c)
{
	return from < to && memchr(s->text + from, c, to - from) != NULL;
}

/* colon_at returns the first colon, ASCII or full-width (U+FF1A), in
 * text[from, to), or NULL: Chinese headings end with the full-width one
 * ("过敏史："). */
static const char *
colon_at(const char *text, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		if (text[i] == ':' ||
		    (i + 2 < to && memcmp(text + i, "\xef\xbc\x9a", 3) == 0))
			return text + i;
	return NULL;
}

/* join writes the comparison form of words [i, i + w). */
static bool
join(const sentence *s, size_t i, size_t w, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t j = i; j < i + w; j++) {
		size_t n = strlen(s->words[j].key);

		if (n == 0 || k + n + 2 > cap)
			return false;
		/* as lexicon.c's key_of: no space beside a Chinese
		 * character */
		if (k && !s->words[j - 1].han && !s->words[j].han)
			out[k++] = ' ';
		memcpy(out + k, s->words[j].key, n);
		k += n;
	}
	out[k] = '\0';
	return true;
}

static bool
is_concept(notes_type t)
{
	return t >= NOTES_T_SUBSTANCE;
}

/* lookup finds words [i, i + w) as a phrase; a mention also matches
 * with its last word's plural "s" dropped ("penicillins" -> the class). */
static const notes_entry *
lookup(const sentence *s, size_t i, size_t w)
{
	char key[NOTES_KEY_MAX];
	const notes_entry *e;
	size_t k;

	if (!join(s, i, w, key, sizeof(key)))
		return NULL;
	e = notes__find(key);
	if (e)
		return e;
	k = strlen(key);
	if (k < 4 || key[k - 1] != 's' || key[k - 2] == ' ')
		return NULL;
	key[k - 1] = '\0';
	e = notes__find(key);
	return e && is_concept(e->type) ? e : NULL;
}

/* max_words: the most words a phrase starting at word may have (a word
 * in the plural may be a one-word name in the singular). */
static size_t
max_words(const char *word)
{
	char one[NOTES_WORD_MAX + 1];
	size_t w = notes__first_words(word), k = strlen(word);

	if (w > 0 || k < 4 || word[k - 1] != 's')
		return w;
	memcpy(one, word, k - 1);
	one[k - 1] = '\0';
	return notes__first_words(one) > 0 ? 1 : 0;
}

/* unticked: does word i of s follow an empty checkbox ("Drug allergy:
 * [x] Yes  [ ] No")?  A template's option left unticked says nothing:
 * its "No" negates nothing ("[x] No" does). */
static bool
unticked(const sentence *s, size_t i)
{
	const char *p = s->text + s->words[i].start;

	while (p > s->text && p[-1] == ' ')
		p--;
	if (p == s->text || p[-1] != ']')
		return false;
	p--;
	while (p > s->text && p[-1] == ' ')
		p--;
	return p > s->text && p[-1] == '[';
}

/* match finds the known phrases of s, longest first, left to right. */
static void
match(sentence *s)
{
	s->n_items = 0;
	for (size_t i = 0; i < s->n;) {
		size_t w = max_words(s->words[i].key);
		const notes_entry *e = NULL;

		if (w > s->n - i)
			w = s->n - i;

		for (; w > 0 && (e = lookup(s, i, w)) == NULL; w--)
			;
		/* a word no phrase starts: one spelling slip from a name? */
		if (e == NULL && ((e = notes__joined(s->words[i].key)) ||
				  (e = notes__near(s->words[i].key))))
			w = 1;
		if (e == NULL ||
		    (e->type == NOTES_T_NEGATED && w == 1 && unticked(s, i))) {
			i += e ? w : 1;
			continue;
		}
		s->items[s->n_items++] = (item){e, i, i + w, s->words[i].start,
						s->words[i + w - 1].end};
		i += w;
	}
}

/* ends: is there a terminator between items a and b (a < b)?  scope:
 * of a trigger's scope ("with" ends that), else of a clause. */
static bool
ends(const sentence *s, size_t a, size_t b, bool scope)
{
	for (size_t k = a + 1; k < b; k++) {
		const notes_entry *e = s->items[k].e;

		if (e->type == NOTES_T_TERMINATOR &&
		    (scope || !(e->dir & NOTES_DIR_SCOPE_ONLY)))
			return true;
	}
	return false;
}

static bool
terminated(const sentence *s, size_t a, size_t b)
{
	return ends(s, a, b, false);
}

/* until_to: does a "switched from" trigger j stop before item k, at a
 * word "to" between them? */
static bool
until_to(const sentence *s, size_t j, size_t k)
{
	if (!(s->items[j].e->dir & NOTES_DIR_UNTIL_TO))
		return false;
	for (size_t w = s->items[j].w1; w < s->items[k].w0; w++)
		if (strcmp(s->words[w].key, "to") == 0)
			return true;
	return false;
}

/* dash_no: is item j a "no" (or "无") that ends its sentence after a
 * dash or a colon ("Vomiting - no", "Penicillin allergy: no", "发热：无")?  It
 * negates what is before it. */
static bool
dash_no(const sentence *s, size_t j, size_t k)
{
	const item *t = &s->items[j];

	return j > k && t->w1 == s->n &&
	       (strcmp(t->e->key, "no") == 0 || strcmp(t->e->key, "无") == 0) &&
	       t->w0 > 0 &&
	       (between_has(s, s->words[t->w0 - 1].end, t->start, '-') ||
		colon_at(s->text, s->words[t->w0 - 1].end, t->start));
}

/* continued: does a "继续" stand before item k in its clause ("术后继续
 *双联抗血小板（阿司匹林+替格瑞洛）")?  A plan that continues a drug says
 * the patient takes it. */
static bool
continued(const sentence *s, size_t k)
{
	for (size_t m = k; m-- > 0;) {
		const notes_entry *e = s->items[m].e;

		if (e->dir & NOTES_DIR_CONTINUE)
			return true;
		if (e->type == NOTES_T_TERMINATOR)
			return false;
	}
	return false;
}

/* The full-width comma, semicolon and parentheses and the enumeration
 * comma (U+FF0C, U+FF1B, U+FF08, U+FF09, U+3001): a Chinese list's
 * marks ("高血压15年，长期口服氨氯地平；2018年脑梗死"). */
static const char FW_COMMA[] = "\xef\xbc\x8c", FW_SEMI[] = "\xef\xbc\x9b",
		  FW_OPEN[] = "\xef\xbc\x88", FW_CLOSE[] = "\xef\xbc\x89",
		  ENUM_COMMA[] = "\xe3\x80\x81";

/* list_mark says what the text at i is in a list: 1 an item's end (a
 * comma or semicolon, ASCII or full-width, or "、"), 2 an opening
 * parenthesis, 3 a closing one, 0 none; *len its bytes. */
static int
list_mark(const char *text, uint32_t i, uint32_t to, uint32_t *len)
{
	static const struct {
		const char *s;
		int mark;
	} marks[] = {{",", 1},	   {";", 1},	    {FW_COMMA, 1},
		     {FW_SEMI, 1}, {ENUM_COMMA, 1}, {"(", 2},
		     {FW_OPEN, 2}, {")", 3},	    {FW_CLOSE, 3}};

	for (size_t m = 0; m < sizeof(marks) / sizeof(*marks); m++) {
		*len = (uint32_t)strlen(marks[m].s);
		if (i + *len <= to && memcmp(text + i, marks[m].s, *len) == 0)
			return marks[m].mark;
	}
	*len = 1;
	return 0;
}

/* list_item_end returns where item k's list item ends: the first comma
 * or semicolon after it outside parentheses, or the sentence's end
 * ("PMH: TIA 2019 (never confirmed, 2 episodes), HTN"). */
static uint32_t
list_item_end(const sentence *s, size_t k)
{
	uint32_t last = s->words[s->n - 1].end, len;
	int depth = 0;

	for (uint32_t i = s->items[k].end; i < last; i += len) {
		int mark = list_mark(s->text, i, last, &len);

		if (mark == 2)
			depth++;
		else if (mark == 3 && depth > 0)
			depth--;
		else if (mark == 1 && depth == 0)
			return i;
	}
	return last;
}

/* list_item_first returns the first word of item k's list item: a
 * Chinese list dates an item before it ("2018年脑梗死"). */
static size_t
list_item_first(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;
	uint32_t len;

	while (w > 0) {
		/* the full-width comma and ";" are words of their own */
		uint32_t from = s->words[w - 1].start, to = s->words[w].start;
		bool parted = false;

		for (uint32_t i = from; i < to && !parted; i += len)
			parted = list_mark(s->text, i, to, &len) == 1 ||
				 colon_at(s->text, i, to) == s->text + i;
		if (parted)
			break;
		w--;
	}
	return w;
}

/* is_year: is key a year of the last or this century ("2019")? */
static bool
is_year(const char *key)
{
	return strlen(key) == 4 &&
	       (strncmp(key, "19", 2) == 0 || strncmp(key, "20", 2) == 0) &&
	       key[2] >= '0' && key[2] <= '9' && key[3] >= '0' && key[3] <= '9';
}

/* words_at: do the words from w spell phrase, a Chinese character a
 * word ("至今" is two)?  A word of another script is the whole phrase. */
static bool
words_at(const sentence *s, size_t w, const char *phrase)
{
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

static bool
words_in(const sentence *s, size_t w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (words_at(s, w, list[i]))
			return true;
	return false;
}

/* ago_zh: is word w the 前 of a time ago ("3年前", "半月前")? */
static bool
ago_zh(const sentence *s, size_t w)
{
	static const char *const unit[] = {"年前", "月前", "周前", "天前",
					   "日前"};

	return w > 0 && words_in(s, w - 1, unit, sizeof(unit) / sizeof(*unit));
}

/* dated: does item k's list item date it as over ("TIA 2019", "MI 10
 * years ago", "#NOF L 2017 - DHS", "eczema as a child", "2018年脑梗死",
 * "3年前胆囊切除", "幼时哮喘")?  A year after "since", "dx" or
 * "diagnosed", or with 至今 or 以来, dates the start of what goes on
 * ("T2DM since 2010", "2010年起服用至今"), not its end.  A Chinese list
 * item is read from its start, as Chinese writes the date first. */
static bool
dated(const sentence *s, size_t k)
{
	static const char *const over[] = {
		"ago",	"child", "childhood", "teenager", "幼时",
		"幼年", "儿时",	 "童年",      "小时候",	  "生后"};
	static const char *const ongoing[] = {"since", "dx", "diagnosed",
					      "至今", "以来"};
	uint32_t end = list_item_end(s, k);
	bool han = s->words[s->items[k].w0].han, is_over = false;
	size_t w = han ? list_item_first(s, k) : s->items[k].w1;

	for (; w < s->n && s->words[w].start < end; w++) {
		if (words_in(s, w, ongoing, sizeof(ongoing) / sizeof(*ongoing)))
			return false;
		is_over = is_over || is_year(s->words[w].key) || ago_zh(s, w) ||
			  words_in(s, w, over, sizeof(over) / sizeof(*over));
		if (is_over && !han)
			return true;
	}
	return is_over;
}

/* same_item: are items a < b in one list item (no comma or semicolon
 * between them)? */
static bool
same_item(const sentence *s, size_t a, size_t b)
{
	uint32_t from = s->items[a].end, to = s->items[b].start;

	return !between_has(s, from, to, ',') && !between_has(s, from, to, ';');
}

/* given_near: does item k's list item, or a list of drugs after the
 * word, say in English that its drug is given now ("ASA 324 given",
 * "heparin started", "prochlorperazine given for vomiting", "continue
 * paracetamol, ibuprofen") or stopped ("stop diclofenac")?  Neither is a
 * plan.  (A Chinese sentence has no ASCII commas to part its items.) */
/* says_given: is e an English word that a drug is given, continued or
 * stopped now? */
static bool
says_given(const notes_entry *e)
{
	return (unsigned char)e->key[0] < 0x80 &&
	       ((e->dir & (NOTES_DIR_GIVEN | NOTES_DIR_STOP)) ||
		strncmp(e->key, "given ", 6) == 0);
}

/* drugs_between: are items (j, k) all drugs ("continue paracetamol,
 * ibuprofen 400mg, oramorph PRN")?  Then a cue at j reaches k. */
static bool
drugs_between(const sentence *s, size_t j, size_t k)
{
	for (size_t m = j + 1; m < k; m++)
		if (s->items[m].e->type != NOTES_T_SUBSTANCE &&
		    s->items[m].e->type != NOTES_T_CLASS)
			return false;
	return true;
}

static bool own_item_reaches(const sentence *s, size_t j, size_t k);

static bool
given_near(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++) {
		if (j == k || !says_given(s->items[j].e) ||
		    (j < k && !own_item_reaches(s, j, k)))
			continue;
		if (j < k ? same_item(s, j, k) || drugs_between(s, j, k)
			  : same_item(s, k, j))
			return true;
	}
	return false;
}

/* started_near: does item k's list item say in English that its drug
 * was started ("Started metformin 3 mo ago", "started by GP 6 weeks
 * ago")?  A start long ago is a drug taken since, not a past one. */
static bool
started_near(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++) {
		const char *key = s->items[j].e->key;

		if (j != k && (s->items[j].e->dir & NOTES_DIR_GIVEN) &&
		    (strstr(key, "started") || strstr(key, "commenced")) &&
		    same_item(s, j < k ? j : k, j < k ? k : j))
			return s->items[k].e->type == NOTES_T_SUBSTANCE;
	}
	return false;
}

/* is_event: is problem code an event that is over once a history lists
 * it (an infarct, a stroke, a clot, an infection, an injury), not a
 * condition that goes on ("hx of MI" is past, "hx of HTN" the
 * patient's; tests/data/notes/README.md)?  ICD-10 chapters and
 * categories of acute episodes. */
static bool
is_event(const char *code)
{
	static const char *const acute[] = {
		"I21", "I22", "I24", "I26",   "I60", "I61", "I62", "I63",
		"I64", "G45", "I80", "I82",   "J12", "J13", "J14", "J15",
		"J18", "J10", "J11", "N39.0", "N10", "N17", "K35", "K85",
		"K92", "L03", "A4",  "S",     "T",   "O"};

	for (size_t i = 0; i < sizeof(acute) / sizeof(*acute); i++)
		if (strncmp(code, acute[i], strlen(acute[i])) == 0)
			return true;
	return false;
}

/* dated_past: does a history word's past hold for item k, an English
 * history word before a problem ("hx of DVT 2019", "h/o MI")?  The item
 * is dated, or it names an event, which a history dates by itself. */
static bool
dated_past(const sentence *s, const notes_entry *t, size_t k)
{
	if ((t->dir & NOTES_DIR_SECTION) || !(t->dir & NOTES_DIR_PROBLEMS))
		return dated(s, k);
	return dated(s, k) || is_event(s->items[k].e->code);
}

/* holds: does trigger t's context hold for item k at all?  A dated
 * past-history heading only for what its list dates; an English plan's
 * heading only for medicines; "settled" only for problems; a plan not
 * for a drug given now; a past not for a drug started then. */
static bool
holds(const sentence *s, const notes_entry *t, size_t k)
{
	if ((t->dir & NOTES_DIR_DATED) && !dated_past(s, t, k) &&
	    ((t->dir & NOTES_DIR_SECTION) ||
	     s->items[k].e->type == NOTES_T_PROBLEM))
		return false;
	if ((t->dir & NOTES_DIR_DRUGS) &&
	    s->items[k].e->type != NOTES_T_SUBSTANCE)
		return false;
	if ((t->dir & NOTES_DIR_PROBLEMS) &&
	    s->items[k].e->type != NOTES_T_PROBLEM)
		return false;
	if (t->type == NOTES_T_HISTORICAL && !(t->dir & NOTES_DIR_STOP) &&
	    started_near(s, k))
		return false;
	return !((t->dir & NOTES_DIR_PLAN) && given_near(s, k));
}

static bool colon_after(const sentence *s, size_t j);

/* stop_ends: does the scope of English stop trigger j end before item
 * k, at the end of its list item ("stop diclofenac, start apixaban")?
 * A stop that heads a list reaches all of it ("STOPPED: aspirin,
 * naproxen"). */
static bool
stop_ends(const sentence *s, size_t j, size_t k)
{
	const notes_entry *t = s->items[j].e;

	return (t->dir & NOTES_DIR_STOP) && (unsigned char)t->key[0] < 0x80 &&
	       !same_item(s, j, k) && !colon_after(s, j);
}

/* opens_after: does backward trigger j sit inside parentheses opened
 * after an item that follows k ("lisinopril, simvastatin, omeprazole (pt
 * admits he stopped taking it)")?  It is about the item right before
 * the parenthesis. */
static bool
opens_after(const sentence *s, size_t k, size_t j)
{
	const char *from = s->text + s->items[k].end, *open = NULL;

	for (const char *p = from; p < s->text + s->items[j].start; p++)
		if (*p == '(')
			open = p;
		else if (*p == ')')
			open = NULL;
	for (size_t m = k + 1; open != NULL && m < j; m++)
		if (is_concept(s->items[m].e->type) &&
		    s->text + s->items[m].end <= open)
			return true;
	return false;
}

/* opens_after_item: does item j sit inside an ASCII parenthesis opened
 * after item k ("lithium stopped 2024 (tremor - not an allergy)")? */
static bool
opens_after_item(const sentence *s, size_t k, size_t j)
{
	bool open = false;

	for (uint32_t i = s->items[k].end; i < s->items[j].start; i++)
		if (s->text[i] == '(')
			open = true;
		else if (s->text[i] == ')')
			open = false;
	return open;
}

/* closes_before: does forward trigger j sit inside parentheses that
 * close before item k ("asthma (never ICU), migraine")?  Its scope ends
 * there. */
static bool
closes_before(const sentence *s, size_t j, size_t k)
{
	const char *from = s->text + s->items[j].end;
	const char *close =
		memchr(from, ')', s->items[k].start - s->items[j].end);

	return close != NULL && memchr(from, '(', close - from) == NULL;
}

static bool scope_ends(const sentence *s, size_t j, size_t k);

/* own_line_ends: is item k on the line of English section heading t,
 * past a terminator ("Plan: 继续 metformin", "Plan: X; continue Y")?
 * There the heading is a trigger whose scope has ended. */
static bool
own_line_ends(const sentence *s, const notes_entry *t, size_t k)
{
	if ((unsigned char)t->key[0] >= 0x80)
		return false;
	for (size_t j = 0; j < k; j++)
		if (s->items[j].e == t)
			return scope_ends(s, j, k);
	return false;
}

/* section_context gives the context of the section heading s is under
 * ("家族史：" family, "既往史：" historical, "诊疗计划：" planned, but
 * never for an allergy, as a plan's trigger) for item k and sets
 * *trigger when nothing in the sentence did (bits).  A medicine under a
 * past history is what the patient takes for it ("高血压10年，规律服用
 * 氨氯地平"), not a past one: words such as "停用" make it past; a
 * problem denied there is negated only. */
static unsigned
section_context(const sentence *s, size_t k, bool allergy, unsigned bits,
		const char **trigger)
{
	const notes_entry *t = s->section;
	bool medicine = !allergy && s->items[k].e->type == NOTES_T_SUBSTANCE;

	/* a plan's heading plans what its line leaves unqualified: a drug
	 * held ("暂停") or not to be used ("不使用") is not planned */
	if (t == NULL ||
	    ((t->dir & NOTES_DIR_PLAN) &&
	     (allergy || bits || (medicine && continued(s, k)))) ||
	    (t->type == NOTES_T_HISTORICAL && medicine) || !holds(s, t, k) ||
	    own_line_ends(s, t, k))
		return 0;
	/* "既往史：否认高血压病史": a problem the patient never had is
	 * absent, not past; "鉴别诊断：肺结核：患者无盗汗" denies the
	 * sweats, without doubt */
	if ((t->type == NOTES_T_HISTORICAL || t->type == NOTES_T_UNCERTAIN) &&
	    (bits & NOTES_NEGATED))
		return 0;
	if (bits == 0)
		*trigger = t->key;
	return 1u << t->type;
}

/* is_comma: is e the full-width comma, which parts Chinese clauses? */
static bool
is_comma(const notes_entry *e)
{
	return e->type == NOTES_T_TERMINATOR &&
	       strcmp(e->key, "\xef\xbc\x8c") == 0;
}

/* comma_between: is there a full-width comma between items j < k?  It
 * parts Chinese clauses: "青霉素皮试阴性，予阿莫西林" gives amoxicillin. */
static bool
comma_between(const sentence *s, size_t j, size_t k)
{
	for (size_t m = j + 1; m < k; m++)
		if (is_comma(s->items[m].e))
			return true;
	return false;
}

/* scope_ends: does the scope of forward trigger j end before item k?
 * A terminator ends it; a full-width comma does not end a condition's
 * ("如…，…"). */
static bool
scope_ends(const sentence *s, size_t j, size_t k)
{
	unsigned dir = s->items[j].e->dir;
	bool past_comma = dir & NOTES_DIR_PAST_COMMA, commas = false;

	for (size_t m = j + 1; m < k; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type == NOTES_T_TERMINATOR &&
		    !(past_comma && is_comma(e)))
			return true;
		commas = commas || is_comma(e);
		/* a plan read on past its comma stops at a later clause's
		 * refusal ("建议加用胰岛素，患者拒绝注射胰岛素") */
		if ((dir & NOTES_DIR_PLAN) && commas &&
		    e->type == NOTES_T_NEGATED)
			return true;
	}
	return false;
}

/* relative_reaches: does family trigger j reach allergy item k, past
 * "with"?  A relative's allergy keeps its story whole ("her daughter
 * was labelled penicillin allergic after a rash with amoxicillin": the
 * amoxicillin is the daughter's too), where "with" ends a negation
 * ("no fever with penicillin"). */
static bool
relative_reaches(const sentence *s, size_t j, size_t k)
{
	if (s->items[j].e->type != NOTES_T_FAMILY)
		return false;
	for (size_t m = j + 1; m < k; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type == NOTES_T_TERMINATOR &&
		    strcmp(e->key, "with") != 0)
			return false;
	}
	return true;
}

/* relative_with: is family trigger j written with "with" right after it
 * ("father with gout, brother DM", "mother with breast cancer")?  A
 * family history names the relative's problems so: "with" goes on with
 * the relative's story, as it does for a relative's allergy. */
static bool
relative_with(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1;

	return s->items[j].e->type == NOTES_T_FAMILY && w < s->n &&
	       words_at(s, w, "with");
}

/* paren_subject: does a full-width parenthesis open between item k and
 * backward trigger j and name a drug of its own before j ("改为泼尼松龙
 * （原静脉氢化可的松已停）")?  Then the trigger is about that drug, not
 * k. */
static bool
paren_subject(const sentence *s, size_t k, size_t j)
{
	const char *p = memmem(s->text + s->items[k].end,
			       s->items[j].start - s->items[k].end,
			       "\xef\xbc\x88", 3); /* （ */

	for (size_t m = k + 1; p != NULL && m < j; m++) {
		notes_type t = s->items[m].e->type;

		if ((t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS) &&
		    s->text + s->items[m].start > p)
			return true;
	}
	return false;
}

/* drug_after: does a drug follow item j in its clause ("不想再用胰岛素")?
 * Then a cue at j is about that drug. */
static bool
drug_after(const sentence *s, size_t j)
{
	for (size_t m = j + 1; m < s->n_items; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type == NOTES_T_TERMINATOR)
			return false;
		if (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_CLASS)
			return true;
	}
	return false;
}

/* names_drug_after: does stop trigger j name a drug after it in its
 * clause ("，已停用氯吡格雷")?  Then it stops that one.  A switch
 * (backward only: "，后换为左乙拉西坦") names the new drug, and still
 * stops the old one. */
static bool
names_drug_after(const sentence *s, size_t j)
{
	return (s->items[j].e->dir & NOTES_DIR_FORWARD) && drug_after(s, j);
}

/* stop_reaches: does stop trigger j (backward) reach drug item k in the
 * clause before its own ("长期服用氢氯噻嗪及厄贝沙坦，目前暂停")?  The
 * stop's clause names no drug, and one full-width comma parts them. */
static bool
stop_reaches(const sentence *s, size_t k, size_t j)
{
	size_t commas = 0;

	if (j < k || !(s->items[j].e->dir & NOTES_DIR_STOP) ||
	    !(s->items[j].e->dir & NOTES_DIR_BACKWARD) ||
	    s->items[k].e->type != NOTES_T_SUBSTANCE || terminated(s, k, j))
		return false;
	for (size_t m = k + 1; m < j; m++) {
		const notes_entry *e = s->items[m].e;

		if (is_comma(e))
			commas++;
		else if (commas && (e->type == NOTES_T_SUBSTANCE ||
				    e->type == NOTES_T_CLASS))
			return false;
	}
	return commas == 1 && !names_drug_after(s, j);
}

/* resolved_reaches: does resolution trigger j ("已纠正", "后好转")
 * reach problem item k in the clause before its own, over one
 * full-width comma ("住院期间曾出现低钾血症，已纠正")?  Only when its
 * own clause names no problem: "下肢水肿消退" ends only its own. */
static bool
resolved_reaches(const sentence *s, size_t k, size_t j)
{
	const unsigned want = NOTES_DIR_BACKWARD | NOTES_DIR_PROBLEM;
	size_t commas = 0;

	if (j < k || (s->items[j].e->dir & want) != want || terminated(s, k, j))
		return false;
	for (size_t m = j; m-- > k + 1;) {
		if (is_comma(s->items[m].e))
			commas++;
		else if (commas == 0 && s->items[m].e->type == NOTES_T_PROBLEM)
			return false;
	}
	return commas == 1;
}

/* denied_past: a problem denied under a past history heading
 * ("既往史：否认高血压病史") was never the patient's, so the heading does
 * not make it past (own: the bits of triggers other than headings; neg:
 * the negation's trigger). */
static unsigned
denied_past(unsigned bits, unsigned own, const char *neg, const char **trigger)
{
	if (!(bits & NOTES_NEGATED) || !(bits & NOTES_HISTORICAL) ||
	    (own & NOTES_HISTORICAL))
		return bits;
	*trigger = neg;
	return bits & ~NOTES_HISTORICAL;
}

/* hypothesis_only: the diagnosis a condition leads to ("如术后肌酐升高，
 * 考虑急性肾损伤") is hypothetical, not a working one: the uncertainty
 * that only a problem's trigger ("考虑", NOTES_DIR_PROBLEM) gave is
 * dropped when the problem is hypothetical (strong: the bits of the
 * other triggers). */
static unsigned
hypothesis_only(unsigned bits, unsigned strong)
{
	if ((bits & NOTES_HYPOTHETICAL) && !(strong & NOTES_UNCERTAIN))
		return bits & ~NOTES_UNCERTAIN;
	return bits;
}

/* reporting: is word w a reporting word ("says", "told", "reports")? */
static bool
reporting(const sentence *s, size_t w)
{
	static const char *const verbs[] = {
		"says",	    "said",	"tells",     "told",	 "reports",
		"reported", "confirms", "confirmed", "states",	 "stated",
		"adds",	    "added",	"recalls",   "mentions", "mentioned"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(s->words[w].key, verbs[i]) == 0)
			return true;
	return false;
}

/* sourced: is family item j the source of what is written, a word
 * before it that says so ("Hx from wife:", "Meds per wife / blister
 * pack", "rash (per mother, 2025 clinic)", "according to her son")?
 * The relative tells the patient's history, as a reporter does. */
static bool
sourced(const sentence *s, size_t j)
{
	static const char *const from[] = {"per", "from", "to"};
	size_t w = s->items[j].w0;

	if (w > 0 && (words_at(s, w - 1, "his") || words_at(s, w - 1, "her")))
		w--;
	if (w == 0 || !words_in(s, w - 1, from, sizeof(from) / sizeof(*from)))
		return false;
	return !words_at(s, w - 1, "to") ||
	       (w >= 2 && words_at(s, w - 2, "according"));
}

/* reporter: is family trigger j the one who tells the patient's story,
 * a reporting word right after it or one word on ("daughter also says
 * \"she can't have sulphur drugs\"", "son (NOK) told the ward")?  The
 * story is the patient's. */
static bool
reporter(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1;

	if (sourced(s, j))
		return true;

	for (size_t n = 0; n < 2 && w + n < s->n; n++)
		if (reporting(s, w + n))
			return true;
	return false;
}

/* REPORTER_WORDS: how far a reporting word may follow a relative named
 * with a role ("wife of son (main carer) reports \"aspirin upsets her
 * stomach\""). */
#define REPORTER_WORDS 6

/* reporter_named: is family trigger j a relative described before the
 * reporting word, within REPORTER_WORDS words and before any drug,
 * reaction, cue or other item but another relative ("wife of son (main
 * carer) reports …")?  The story is still the patient's. */
static bool
reporter_named(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1, m = j + 1;

	for (; w < s->n && w < s->items[j].w1 + REPORTER_WORDS; w++) {
		while (m < s->n_items && s->items[m].w1 <= w)
			m++;
		if (m < s->n_items && s->items[m].w0 <= w &&
		    s->items[m].e->type != NOTES_T_FAMILY)
			return false;
		if (reporting(s, w))
			return true;
	}
	return false;
}

/* reporter_zh: is Chinese family trigger j a relative who tells of the
 * patient, a reporting verb and the patient right after it ("病人弟弟表示
 * 病人对「磺胺」也过敏", "女儿说患者…")?  The relative reports; the
 * allergy is the patient's.  "丈夫诉自己…" is the relative's own. */
static bool
reporter_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"表示", "诉",   "说",  "称",
					    "话",   "补充", "代诉"};
	static const char *const patient[] = {"病人", "患者", "患儿"};
	size_t w = s->items[j].w1;

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t after = w + strlen(verbs[i]) / 3;

		if (words_at(s, w, verbs[i]) && after < s->n &&
		    words_in(s, after, patient, 3))
			return true;
	}
	return false;
}

/* marks_only: are words [from, to) quote marks and brackets only (「)? */
static bool
marks_only(const sentence *s, size_t from, size_t to)
{
	for (size_t w = from; w < to; w++)
		if (s->words[w].han || (unsigned char)s->words[w].key[0] < 0x80)
			return false;
	return true;
}

/* reported_parent_zh: is Chinese family trigger j a parent named right
 * after a relative who reports ("女兒話媽媽以前食 Codeine 會好暈", "病人女兒
 * 表示「媽媽對乳膠過敏」")?  The daughter speaks of her mother, the
 * patient. */
static bool
reported_parent_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"说", "话", "诉", "称", "表示"};
	static const char *const parents[] = {"妈妈", "爸爸", "母亲", "父亲"};
	const item *r = j > 0 ? &s->items[j - 1] : NULL;
	size_t n = r ? strlen(r->e->key) : 0;

	if (r == NULL || r->e->type != NOTES_T_PSEUDO ||
	    !marks_only(s, r->w1, s->items[j].w0) ||
	    !words_in(s, s->items[j].w0, parents,
		      sizeof(parents) / sizeof(*parents)))
		return false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		size_t v = strlen(verbs[i]);

		if (n > v && strcmp(r->e->key + n - v, verbs[i]) == 0)
			return true;
	}
	return false;
}

/* conditions_drug: does hypothetical trigger j condition a drug written
 * between it and allergy item k ("if bacterial tonsillitis then,
 * clarithromycin as pen allergic")?  The condition is the drug's; the
 * allergy given as its reason is a fact. */
static bool
conditions_drug(const sentence *s, size_t j, size_t k)
{
	if (s->items[j].e->type != NOTES_T_HYPOTHETICAL || j > k)
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]))
			return true;
	return false;
}

/* doubt_after_label: is item k the label of a Chinese list item, a
 * full-width colon between it and backward uncertainty trigger j
 * ("上消化道出血：消化性溃疡？", "上消化道出血：食管胃底静脉曲张破裂出血
 * 可能性大")?  The doubt is the cause's after the colon, not the
 * label's; a status after it is the label's ("阿司匹林：术前已停用"). */
static bool
doubt_after_label(const sentence *s, size_t k, size_t j)
{
	uint32_t from = s->items[k].end, to = s->items[j].start;

	if (s->items[j].e->type != NOTES_T_UNCERTAIN)
		return false;

	for (uint32_t i = from; i + 3 <= to; i++)
		if (memcmp(s->text + i, "\xef\xbc\x9a", 3) == 0)
			return true;
	return false;
}

/* parted: is item k parted from later item j by a dash, a colon or a
 * parenthesis ("Avoid haloperidol - if IM needed use olanzapine",
 * "dexamethasone 8 mg (stop after 5 days if no benefit)")? */
static bool
parted(const sentence *s, size_t k, size_t j)
{
	uint32_t from = s->items[k].end, to = s->items[j].start;
	bool dash = from < to && memmem(s->text + from, to - from, " - ", 3);

	return dash || between_has(s, from, to, ':') ||
	       between_has(s, from, to, '(') || between_has(s, from, to, ')');
}

/* given_before: does a word before condition j in item k's list item
 * say the drug is given, stopped or held now ("Withhold metformin ... if
 * lactate rises", "PCA morphine to come down tonight if pain
 * controlled")?  The condition is the stop's, not the drug's. */
static bool
given_before(const sentence *s, size_t k, size_t j)
{
	for (size_t m = 0; m < j; m++)
		if (m != k && says_given(s->items[m].e) &&
		    same_item(s, m < k ? m : k, m < k ? k : m))
			return true;
	return false;
}

/* condition_reaches: does backward trigger j reach item k?  A condition
 * written after a drug reaches only a drug of its own list item, never
 * an allergy ("Continue furosemide; extra 40 mg if weight rises": the
 * extra dose's; "penicillin allergy - if given, anaphylaxis"). */
static bool
condition_reaches(const sentence *s, size_t k, size_t j, bool allergy)
{
	if (!(s->items[j].e->dir & NOTES_DIR_BACK_DRUG))
		return true;
	return !allergy && s->items[k].e->type == NOTES_T_SUBSTANCE &&
	       same_item(s, k, j) && !parted(s, k, j) && !given_before(s, k, j);
}

/* own_item_reaches: does forward trigger j reach item k?  One that
 * reaches only its own list item does not go past a comma, a dash, a
 * colon or a parenthesis. */
static bool
own_item_reaches(const sentence *s, size_t j, size_t k)
{
	return !(s->items[j].e->dir & NOTES_DIR_OWN_ITEM) ||
	       (same_item(s, j, k) && !parted(s, j, k));
}

/* to_between: is "to" or "->" written between items k < m? */
static bool
to_between(const sentence *s, size_t k, size_t m)
{
	uint32_t from = s->items[k].end, to = s->items[m].start;

	for (size_t w = s->items[k].w1; w < s->items[m].w0; w++)
		if (words_at(s, w, "to"))
			return true;
	return from < to && memmem(s->text + from, to - from, "->", 2);
}

/* switched_from: is drug item k the one a switch leaves ("consider
 * switch warfarin -> apixaban at discharge if renal fxn allows", "I
 * would like to switch ramipril to sacubitril/valsartan")?  "switch" or
 * "switching" stands before it in its list item, and "to" or "->"
 * follows it before the next drug there: the patient takes that drug
 * until the switch, which plans only the drug after it, so no plan or
 * condition makes it hypothetical. */
static bool
switched_from(const sentence *s, size_t k)
{
	static const char *const verbs[] = {"switch", "switching"};
	uint32_t end = list_item_end(s, k);
	bool verb = false;

	if (s->items[k].e->type != NOTES_T_SUBSTANCE)
		return false;
	for (size_t w = list_item_first(s, k); w < s->items[k].w0 && !verb; w++)
		verb = words_in(s, w, verbs, sizeof(verbs) / sizeof(*verbs));
	for (size_t m = k + 1; verb && m < s->n_items; m++)
		if (s->items[m].start < end && is_drug(&s->items[m]))
			return to_between(s, k, m);
	return false;
}

/* hyphen_owns: is backward trigger j joined by a hyphen to an item
 * between item k and it ("Latex - anaphylaxis 2010 - LATEX-FREE OR")?
 * Then it is that item's word (equipment kept free of the allergen), and
 * it negates nothing written before. */
static bool
hyphen_owns(const sentence *s, size_t k, size_t j)
{
	for (size_t m = k + 1; m < j; m++)
		if (s->items[m].w1 == s->items[j].w0 &&
		    s->items[j].start == s->items[m].end + 1 &&
		    s->text[s->items[m].end] == '-')
			return true;
	return false;
}

/* number_at: does an item number start at text i ("2.", "3、", not
 * "0.5g": no digit or point before it, none after its mark)? */
static bool
number_at(const char *text, uint32_t i, uint32_t to)
{
	uint32_t e = i;

	if (i > 0 &&
	    (isdigit((unsigned char)text[i - 1]) || text[i - 1] == '.'))
		return false;
	while (e < to && isdigit((unsigned char)text[e]))
		e++;
	if (e == i || e >= to)
		return false;
	if (text[e] == '.')
		return e + 1 < to && !isdigit((unsigned char)text[e + 1]);
	return e + 3 <= to && memcmp(text + e, ENUM_COMMA, 3) == 0;
}

/* numbered_apart: is trigger j, after item k, in a later numbered item
 * of the list k is in ("诊断：1.尿道感染并败血症 2.糖尿病高血糖 3.急性肾功能
 * 损伤？")?  A doubt written after one item is that item's. */
static bool
numbered_apart(const sentence *s, size_t k, size_t j)
{
	uint32_t from = s->items[k].end, to = s->items[j].start;

	if (j < k)
		return false;
	for (uint32_t i = from; i < to; i++)
		if (number_at(s->text, i, to))
			return true;
	return false;
}

/* queries_other: is trigger j a full-width question mark written right
 * after another drug or problem than item k ("Acetaminophen 1g q6h +
 * Celecoxib？" doubts celecoxib only)?  Chinese writes the mark on what it
 * doubts; after an allergy cue ("对"利奈唑胺"过敏？") it doubts the
 * allergy's drug. */
static bool
queries_other(const sentence *s, size_t k, size_t j)
{
	return j > k + 1 && strcmp(s->items[j].e->key, "\xef\xbc\x9f") == 0 &&
	       s->items[j - 1].end == s->items[j].start &&
	       is_concept(s->items[j - 1].e->type);
}

/* paren_at says whether text at i opens a parenthesis (2: "(" or
 * "（"), closes one (3) or neither (0): a byte compare, as the sentence is
 * scanned once for each trigger. */
static int
paren_at(const char *text, uint32_t i, uint32_t to)
{
	if (text[i] == '(')
		return 2;
	if (text[i] == ')')
		return 3;
	if ((unsigned char)text[i] != 0xef || i + 3 > to ||
	    (unsigned char)text[i + 1] != 0xbc)
		return 0;
	if ((unsigned char)text[i + 2] == 0x88)
		return 2;
	return (unsigned char)text[i + 2] == 0x89 ? 3 : 0;
}

/* paren_open returns where the parenthesis that holds item j opens, or
 * NULL when j is outside one; *close where it closes (the sentence's
 * end if it does not). */
static const char *
paren_open(const sentence *s, size_t j, const char **close)
{
	uint32_t from = s->words[0].start, to = s->items[j].start;
	uint32_t last = s->words[s->n - 1].end, open = 0;
	int depth = 0, mark;

	for (uint32_t i = from; i < to; i++) {
		mark = paren_at(s->text, i, to);
		if (mark == 2)
			depth++;
		else if (mark == 3 && depth > 0)
			depth--;
	}
	if (depth == 0)
		return NULL;
	/* the innermost one still open: find it again from its close */
	for (uint32_t i = to, d = 0; i-- > from;) {
		mark = paren_at(s->text, i, to);
		if (mark == 3)
			d++;
		else if (mark == 2 && d-- == 0) {
			open = i;
			break;
		}
	}
	*close = s->text + last;
	for (uint32_t i = s->items[j].end, d = 0; i < last; i++) {
		mark = paren_at(s->text, i, last);
		if (mark == 2)
			d++;
		else if (mark == 3 && d-- == 0) {
			*close = s->text + i;
			break;
		}
	}
	return s->text + open;
}

/* aside_zh: is drug item k in a Chinese parenthesis that states what
 * the patient takes already ("避免使用布洛芬等（已服阿司匹林）"), trigger j
 * outside it?  The aside is a fact of its own, not under the sentence's
 * plan or condition. */
static bool
aside_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const already[] = {"已服", "已用", "正服用", "在服"};
	const char *close, *open = paren_open(s, k, &close);
	size_t w = s->items[k].w0;

	if (open == NULL || s->text + s->items[j].start > open || w < 2)
		return false;
	for (size_t i = 0; i < sizeof(already) / sizeof(*already); i++) {
		size_t n = strlen(already[i]) / 3;

		if (w >= n && words_at(s, w - n, already[i]) &&
		    s->text + s->words[w - n].start > open)
			return true;
	}
	return false;
}

/* paren_confined: is trigger j written in a parenthesis that item k is
 * neither inside nor the last drug before ("Enalapril 10mg bd（咳 → 上次
 * 已停）, Simvastatin 20mg nocte": Enalapril only is stopped)?  What a
 * parenthesis says is about what it follows.  Or is k in an aside that
 * says it is taken already, j outside it (aside_zh)? */
static bool
paren_confined(const sentence *s, size_t k, size_t j)
{
	const char *close, *open = paren_open(s, j, &close);
	const char *at = s->text + s->items[k].start;

	if (open == NULL)
		return aside_zh(s, k, j);
	if (at > open && at < close)
		return false;
	if (at > open)
		return true;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) && s->text + s->items[m].start < open)
			return true;
	return false;
}

/* kept_apart: does trigger j not reach item k, written in a
 * parenthesis or a numbered item of its own, or on another term
 * (paren_confined, numbered_apart, queries_other)?  Other items are not
 * triggers: nothing to keep apart. */
static bool
kept_apart(const sentence *s, size_t k, size_t j)
{
	if (!notes__is_trigger(s->items[j].e->type))
		return false;
	return queries_other(s, k, j) || numbered_apart(s, k, j) ||
	       paren_confined(s, k, j);
}

/* context gives the context bits of item k and its first trigger; a
 * plan's trigger leaves an allergy (allergy) as it is. */
static unsigned
context(const sentence *s, size_t k, bool allergy, const char **trigger)
{
	unsigned bits = 0, own = 0, strong = 0;
	const char *neg = "";

	*trigger = "";
	for (size_t j = 0; j < s->n_items; j++) {
		const notes_entry *t = s->items[j].e;

		if (kept_apart(s, k, j))
			continue;
		bool fwd = j < k && (t->dir & NOTES_DIR_FORWARD) &&
			   (!scope_ends(s, j, k) ||
			    ((allergy || relative_with(s, j)) &&
			     relative_reaches(s, j, k))) &&
			   !until_to(s, j, k) && !closes_before(s, j, k) &&
			   !stop_ends(s, j, k);
		bool back = (j > k && (t->dir & NOTES_DIR_BACKWARD) &&
			     !terminated(s, k, j) && !comma_between(s, k, j) &&
			     !paren_subject(s, k, j) && !opens_after(s, k, j) &&
			     !doubt_after_label(s, k, j) &&
			     !hyphen_owns(s, k, j)) ||
			    dash_no(s, j, k) || stop_reaches(s, k, j) ||
			    resolved_reaches(s, k, j);

		back = back && condition_reaches(s, k, j, allergy);
		fwd = fwd && own_item_reaches(s, j, k);
		if (t->type == NOTES_T_HYPOTHETICAL && switched_from(s, k))
			continue;

		/* "no known allergy to latex": the phrase negates what
		 * follows it, as "no" would, within a trigger's scope */
		if (t->type == NOTES_T_NONE_KNOWN && j < k &&
		    !ends(s, j, k, true)) {
			if (bits == 0)
				*trigger = t->key;
			bits |= NOTES_NEGATED;
			own |= NOTES_NEGATED;
			neg = neg[0] ? neg : t->key;
			continue;
		}
		/* the heading of the line: section_context reads it, as it
		 * reads the lines under it */
		if (!notes__is_trigger(t->type) || !(fwd || back) ||
		    t == s->section || !holds(s, t, k) ||
		    (t->type == NOTES_T_FAMILY &&
		     (reporter(s, j) || reporter_named(s, j) ||
		      reporter_zh(s, j) || reported_parent_zh(s, j))))
			continue;
		if ((t->dir & (NOTES_DIR_PLAN | NOTES_DIR_STOP)) && allergy)
			continue;
		if (allergy && conditions_drug(s, j, k))
			continue;
		if ((t->dir & NOTES_DIR_PROBLEM) &&
		    s->items[k].e->type != NOTES_T_PROBLEM)
			continue;
		/* a de-labelling names the finding, whatever else negates
		 * it, so that delabel() finds it */
		if (bits == 0 || (t->dir & NOTES_DIR_DELABEL))
			*trigger = t->key;
		if (t->type == NOTES_T_NEGATED && neg[0] == '\0')
			neg = t->key;
		bits |= 1u << t->type;
		own |= (t->dir & NOTES_DIR_SECTION) ? 0 : 1u << t->type;
		strong |= (t->dir & NOTES_DIR_PROBLEM) ? 0 : 1u << t->type;
	}
	bits = denied_past(hypothesis_only(bits, strong), own, neg, trigger);
	return bits | section_context(s, k, allergy, bits, trigger);
}

/* clause_has: does the clause of item k (between terminators) hold an
 * item of type?  Returns it, or NULL; near: only within REACTION_WORDS
 * words. */
static const item *
clause_has(const sentence *s, size_t k, notes_type type, bool near)
{
	const item *best = NULL;
	size_t best_gap = (size_t)-1;

	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];
		size_t gap;

		if (it->e->type != type ||
		    terminated(s, j < k ? j : k, j < k ? k : j))
			continue;
		gap = j < k ? s->items[k].w0 - it->w1 : it->w0 - s->items[k].w1;
		if (near && gap > REACTION_WORDS)
			continue;
		if (gap < best_gap) {
			best = it;
			best_gap = gap;
		}
	}
	return best;
}

/* indicated: is there an indication ("for") between items a and b
 * (a < b)?  "Nebulisers for wheeze": the wheeze is why they are given. */
static bool
indicated(const sentence *s, size_t a, size_t b)
{
	for (size_t k = a + 1; k < b; k++)
		if (s->items[k].e->type == NOTES_T_INDICATION)
			return true;
	return false;
}

/* for_reason: is reaction item j written as a reason, after "for" and
 * at most REACTION_WORDS words ("for the knee swelling")?  Then it is
 * no drug's reaction, whichever drug is near. */
static bool
for_reason(const sentence *s, size_t j)
{
	for (size_t m = j; m-- > 0;) {
		const item *it = &s->items[m];

		if (it->e->type == NOTES_T_INDICATION)
			return s->items[j].w0 - it->w1 <= REACTION_WORDS;
		if (is_drug(it))
			return false;
	}
	return false;
}

/* time_unit: is word w a unit of time, as written after a number ("30
 * minutes", "2 hrs", "15分钟", "2小时")? */
static bool
time_unit(const sentence *s, size_t w)
{
	static const char *const units[] = {
		"min",		"mins", "minute",	"minutes",
		"hr",		"hrs",	"hour",		"hours",
		"day",		"days", "\xe5\x88\x86", /* 分 */
		"\xe5\xb0\x8f",				/* 小(时) */
		"\xe5\xa4\xa9",				/* 天 */
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s->words[w].key, units[i]) == 0)
			return true;
	return false;
}

/* timed: is the reaction item j timed from the dose of substance item
 * k, a number and a unit of time between them, no other drug or class
 * between and within REACTION_TIMED_WORDS words?  Only the time says
 * the reaction came of the dose: any symptom near a drug does not. */
static bool
timed(const sentence *s, size_t j, size_t k, size_t gap)
{
	size_t a = j < k ? j : k, b = j < k ? k : j;
	bool number = false;

	if (gap > REACTION_TIMED_WORDS)
		return false;
	for (size_t m = a + 1; m < b; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (size_t w = s->items[a].w1; w < s->items[b].w0; w++) {
		if (number && time_unit(s, w))
			return true;
		number = s->words[w].key[0] >= '0' && s->words[w].key[0] <= '9';
	}
	return false;
}

/* dose_form: is word a form or route written before a drug's name
 * ("Tab.", "Inj.", "IV", "oral")? */
static bool
dose_form(const char *word)
{
	static const char *const forms[] = {"tab", "tabs", "tablet",
					    "inj", "cap",  "caps",
					    "iv",  "oral", "po"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(word, forms[i]) == 0)
			return true;
	return false;
}

/* linked: is reaction item j, written before substance item k, linked
 * to it by "after", "with" or "following" right before the drug, no
 * other drug or class between and within REACTION_LINKED_WORDS words? */
static bool
linked(const sentence *s, size_t j, size_t k, size_t gap)
{
	static const char *const links[] = {"after", "with", "following"};
	size_t w0 = s->items[k].w0;
	bool link = false;

	if (j > k || gap == 0 || gap > REACTION_LINKED_WORDS)
		return false;
	/* "rash with Tab. Ciprofloxacin", "hives after IV co-amoxiclav" */
	if (w0 - s->items[j].w1 > 1 && dose_form(s->words[w0 - 1].key))
		w0--;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		link = link || strcmp(s->words[w0 - 1].key, links[i]) == 0;
	for (size_t m = j + 1; link && m < k; m++)
		if (is_drug(&s->items[m]))
			return false;
	return link;
}

/* reaction_of returns the reaction of substance item k in its clause,
 * nearest first, not one given as the reason for a drug; near: only
 * within REACTION_WORDS words, or timed from the dose. */
static const item *
reaction_of(const sentence *s, size_t k, bool near)
{
	const item *best = NULL;
	size_t best_gap = (size_t)-1;

	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];
		size_t a = j < k ? j : k, b = j < k ? k : j, gap;

		if (it->e->type != NOTES_T_REACTION || terminated(s, a, b) ||
		    indicated(s, a, b) || for_reason(s, j) ||
		    (j < k && between_has(s, it->end, s->items[k].start, ')')))
			continue;
		gap = j < k ? s->items[k].w0 - it->w1 : it->w0 - s->items[k].w1;
		if ((near && gap > REACTION_WORDS && !timed(s, j, k, gap) &&
		     !linked(s, j, k, gap)) ||
		    gap >= best_gap)
			continue;
		best = it;
		best_gap = gap;
	}
	return best;
}

/* colon_after: is cue item j followed by a colon ("过敏史：青霉素，磺胺")?
 * Then it heads a list, commas and all. */
static bool
colon_after(const sentence *s, size_t j)
{
	uint32_t to = j + 1 < s->n_items ? s->items[j + 1].start
					 : s->words[s->n - 1].end;

	return colon_at(s->text, s->items[j].end, to) != NULL;
}

/* postfix_cue: is allergy cue j written right after a drug ("Pen
 * allergic -> doxycycline")?  It names that drug, not the alternative
 * after it. */
static bool
postfix_cue(const sentence *s, size_t j)
{
	const item *prev = j > 0 ? &s->items[j - 1] : NULL;

	return prev != NULL && is_drug(prev) && s->items[j].w0 == prev->w1;
}

/* listed_with: are drug items m and m + 1 one list ("penicillin and
 * codeine allergic", "pen/sulfa allergic", "青霉素和头孢都过敏"): nothing
 * but a conjunction or punctuation between them?  "clarithromycin as pen
 * allergic" names the alternative and the allergy, not two allergies. */
static bool
listed_with(const sentence *s, size_t m)
{
	static const char *const joins[] = {
		"and",		"or", "&", "\xe5\x92\x8c", /* 和 */
		"\xe5\x8f\x8a",				   /* 及 */
		"\xe4\xb8\x8e",				   /* 与 */
		"\xe6\x88\x96",				   /* 或 */
	};
	size_t gap = s->items[m + 1].w0 - s->items[m].w1;
	const char *w = s->words[s->items[m].w1].key;

	for (size_t i = 0; gap == 1 && i < sizeof(joins) / sizeof(joins[0]);
	     i++)
		if (strcmp(w, joins[i]) == 0)
			return true;
	return gap == 0;
}

/* paren_between: does an opening parenthesis, ASCII or full-width,
 * part text[from, to)?  A drug planned before one is not the allergy
 * written inside it ("左氧氟沙星0.5g静滴（青霉素过敏）"). */
static bool
paren_between(const sentence *s, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		if (s->text[i] == '(' ||
		    (i + 3 <= to && memcmp(s->text + i, FW_OPEN, 3) == 0))
			return true;
	return false;
}

/* cue_reaches: does allergy cue j name substance item k?  A cue before
 * it names every substance after it in the clause ("allergic to
 * penicillin and codeine"), not past a full-width comma unless a colon
 * follows the cue; a cue after it only the run of substances
 * right before it, not one in parentheses' other side ("clarithromycin
 * (pen allergic)": penicillin only). */
static bool
cue_reaches(const sentence *s, size_t k, size_t j)
{
	if (terminated(s, j < k ? j : k, j < k ? k : j))
		return false;
	if (j < k)
		return (s->items[j].e->dir & NOTES_DIR_FORWARD ||
			!(s->items[j].e->dir &
			  (NOTES_DIR_BACKWARD | NOTES_DIR_POSTFIX))) &&
		       (!comma_between(s, j, k) || colon_after(s, j)) &&
		       (!postfix_cue(s, j) || colon_after(s, j));
	for (size_t m = k + 1; m < j; m++) {
		notes_type t = s->items[m].e->type;

		if (t != NOTES_T_SUBSTANCE && t != NOTES_T_CLASS)
			return false;
	}
	for (size_t m = k; m + 1 < j; m++)
		if (paren_between(s, s->items[m].end, s->items[m + 1].start) ||
		    !listed_with(s, m))
			return false;
	return s->items[j].w0 - s->items[j - 1].w1 <= 1;
}

/* intolerance_reaches: does intolerance cue j (NOTES_DIR_BACKWARD) name
 * substance item k of the clause before its own ("曲马多服用后头晕，不能
 * 耐受")?  k is the last drug before j, and the cue's clause starts after
 * k's: no terminator but one full-width comma between them. */
static bool
intolerance_reaches(const sentence *s, size_t k, size_t j)
{
	/* a writer's "非过敏" reads back by itself (disowned_by), and the
	 * symptoms before it stay the patient's problems */
	if (!(s->items[j].e->dir & NOTES_DIR_BACKWARD) ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL) || j < k ||
	    terminated(s, k, j) || drug_after(s, j))
		return false;
	for (size_t m = k + 1; m < j; m++) {
		notes_type t = s->items[m].e->type;

		if (t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS)
			return false;
	}
	return true;
}

/* intolerance_of: is problem item k written between a drug and the
 * intolerance cue that names it ("因腹泻、腹胀不能耐受")?  Then it is
 * the drug's reaction. */
static bool
intolerance_of(const sentence *s, size_t k)
{
	size_t d = k;

	while (d > 0 && s->items[d - 1].e->type != NOTES_T_SUBSTANCE &&
	       s->items[d - 1].e->type != NOTES_T_CLASS)
		d--;
	if (d == 0)
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    intolerance_reaches(s, d - 1, j))
			return true;
	return false;
}

/* first_drug returns the index of the first substance or class item of
 * s before item j, or j when there is none. */
static size_t
first_drug(const sentence *s, size_t j)
{
	for (size_t m = 0; m < j; m++)
		if (is_drug(&s->items[m]))
			return m;
	return j;
}

/* recorded_reaches: does a record cue j at the end of a drug's story
 * name substance item k ("Previously tried fluoxetine - \"made me really
 * agitated\" - recorded as intolerance", "\"penicillin - nausea\"; this
 * is an intolerance")?  It names the sentence's first drug, past
 * clauses, when every drug before it is that one. */
static bool
recorded_reaches(const sentence *s, size_t k, size_t j)
{
	if (!(s->items[j].e->dir & NOTES_DIR_RECORDED) || j < k ||
	    first_drug(s, j) != k)
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return false;
	return true;
}

static const char *line_lead(const sentence *s);

/* zh_cues_joined: is text [from, to) only a word that joins two headings
 * ("过敏及不良反应", "过敏/不良反应", "过敏和不良反应") and spaces? */
static bool
zh_cues_joined(const char *text, uint32_t from, uint32_t to)
{
	static const char *const joins[] = {"及", "和", "与", "與", "、", "/"};
	uint32_t a = from, b = to;

	while (a < b && text[a] == ' ')
		a++;
	while (b > a && text[b - 1] == ' ')
		b--;
	for (size_t i = 0; i < sizeof(joins) / sizeof(*joins); i++)
		if (b - a == strlen(joins[i]) &&
		    memcmp(text + a, joins[i], b - a) == 0)
			return true;
	return false;
}

/* zh_head_last: the last allergy cue of the run of cues a Chinese line
 * opens with, joined as one heading ("过敏及不良反应："); 0 for one cue. */
static size_t
zh_head_last(const sentence *s)
{
	size_t j = 0;

	while (j + 1 < s->n_items &&
	       s->items[j + 1].e->type == NOTES_T_ALLERGY_CUE &&
	       zh_cues_joined(s->text, s->items[j].end, s->items[j + 1].start))
		j++;
	return j;
}

/* zh_allergy_head: does s open its line with a Chinese allergy cue, or
 * cues joined as one heading, and a colon ("过敏：", "药物过敏史：",
 * "藥物敏感：", "过敏及不良反应：")?  The line lists allergens. */
static bool
zh_allergy_head(const sentence *s)
{
	return s->n_items > 0 && s->items[0].w0 == 0 &&
	       s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
	       (unsigned char)s->items[0].e->key[0] >= 0x80 &&
	       colon_after(s, zh_head_last(s)) && line_lead(s) != NULL;
}

/* keyed_among: is item it of type type, its phrase one of keys[0..n)? */
static bool
keyed_among(const item *it, int type, const char *const *keys, size_t n)
{
	if ((int)it->e->type != type)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(it->e->key, keys[i]) == 0)
			return true;
	return false;
}

/* never_used: is item m a negation that says the drug before it was never
 * taken ("\"利伐沙班\"未用过")?  未再用过 ("not used again") is not one: the
 * drug was taken, and its reaction may be the allergy. */
static bool
never_used(const item *m)
{
	static const char *const never[] = {"未用过", "未使用过", "从未用过",
					    "从未使用过"};

	return keyed_among(m, NOTES_T_NEGATED, never,
			   sizeof(never) / sizeof(*never));
}

/* fine_in_item: does a tolerated cue follow drug item k in its list
 * item ("；另诉头孢应该没问题"), or a never-used one ("；\"利伐沙班\"未用过")?
 * The item says the drug did no harm, or was never taken. */
static bool
fine_in_item(const sentence *s, size_t k)
{
	uint32_t end = list_item_end(s, k);

	for (size_t m = k + 1; m < s->n_items && s->items[m].start < end; m++)
		if (s->items[m].e->type == NOTES_T_TOLERATED ||
		    never_used(&s->items[m]))
			return true;
	return false;
}

/* semi_listed_zh: is drug item k in a later item of a Chinese allergy
 * line, one its semicolons part, with no comma before k in that item
 * ("过敏：头孢（皮疹）；\"阿斯匹林\"（哮喘发作）")?  Each such item
 * names an allergen, as the first does; a comma starts the item's story
 * ("……；另诉头孢应该没问题，以前用过"). */
static bool
semi_listed_zh(const sentence *s, size_t k)
{
	uint32_t len, to = s->items[k].start;
	bool later = false, comma = false;
	int depth = 0;

	if (k == 0 || !zh_allergy_head(s))
		return false;
	for (uint32_t i = s->items[0].end; i < to; i += len) {
		int mark = list_mark(s->text, i, to, &len);

		if (mark == 2)
			depth++;
		else if (mark == 3 && depth > 0)
			depth--;
		else if (mark == 1 && depth == 0 &&
			 (s->text[i] == ';' ||
			  memcmp(s->text + i, FW_SEMI, len) == 0))
			later = true, comma = false;
		else if (mark == 1 && depth == 0 && len == 3 &&
			 memcmp(s->text + i, FW_COMMA, 3) == 0)
			comma = true;
	}
	return later && !comma && !fine_in_item(s, k);
}

/* The adverbs a Chinese writer puts between a drug and the allergy
 * after it ("青霉素好像也会过敏", "头孢都会过敏"): the allergy is the
 * drug's. */
#define ADVERB_GAP_ZH 4

/* adverb_at_zh: is word w one of those adverbs, or in a doubt item? */
static bool
adverb_at_zh(const sentence *s, size_t w)
{
	static const char *const adverbs[] = {"也", "会", "都", "还",
					      "亦", "均", "曾"};

	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].w0 <= w && w < s->items[m].w1)
			return s->items[m].e->type == NOTES_T_UNCERTAIN;
	return s->words[w].han &&
	       words_in(s, w, adverbs, sizeof(adverbs) / sizeof(*adverbs));
}

/* adverbs_reach_zh: does Chinese allergy cue j, after drug item k, name
 * it over a few adverbs and nothing else ("「青黴素好像也會過敏」")? */
static bool
adverbs_reach_zh(const sentence *s, size_t k, size_t j)
{
	size_t from = s->items[k].w1, to = s->items[j].w0;

	if (j <= k || !s->words[to].han ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL) || to - from < 2 ||
	    to - from > ADVERB_GAP_ZH)
		return false;
	for (size_t w = from; w < to; w++)
		if (!adverb_at_zh(s, w) ||
		    s->words[w].start != s->words[w - 1].end)
			return false;
	return true;
}

/* sensitive_because_zh: is drug item k written as the reason of a plan,
 * the patient's sensitivity to it ("因NSAID敏感", "因對Penicillin敏感，給予
 * Levofloxacin")?  Hong Kong writes an allergy 敏感; a culture's
 * sensitivity ("對ceftriaxone敏感") is no reason so written. */
static bool
sensitive_because_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0, after = s->items[k].w1;

	if (w > 0 && words_at(s, w - 1, "对"))
		w--;
	return w > 0 && words_at(s, w - 1, "因") && words_at(s, after, "敏感");
}

/* allergy_cued: does an allergy cue of the clause name item k? */
static bool
allergy_cued(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    (cue_reaches(s, k, j) || intolerance_reaches(s, k, j) ||
		     recorded_reaches(s, k, j) || adverbs_reach_zh(s, k, j)))
			return true;
	return sensitive_because_zh(s, k) || semi_listed_zh(s, k);
}

/* tolerated_zh_stops: does Chinese tolerated cue j ("既往耐受") stop
 * before drug item k, at a full-width comma or another drug between
 * them?  It names the drug right after it: "既往耐受头孢呋辛，术前预防可
 * 使用头孢唑林" plans cefazolin. */
static bool
tolerated_zh_stops(const sentence *s, size_t j, size_t k)
{
	const notes_entry *e = s->items[j].e;

	if ((unsigned char)e->key[0] < 0x80 || (e->dir & NOTES_DIR_BACKWARD))
		return false; /* English, or a challenge's result after its
				 drug ("激发试验阴性，已除去青霉素过敏标签") */
	if (comma_between(s, j, k))
		return true;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]))
			return true;
	return false;
}

/* tolerated_by returns the "tolerated" before item k in its clause, or
 * NULL ("has tolerated amoxicillin since": no allergy to it). */
static const item *
tolerated_by(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (s->items[j].e->type == NOTES_T_TOLERATED &&
		    !terminated(s, j, k) && !tolerated_zh_stops(s, j, k))
			return &s->items[j];
	return NULL;
}

/* tolerated_after returns a tolerated cue written after drug item k in
 * its clause (NOTES_DIR_BACKWARD: "阿莫西林口服激发试验阴性"), or NULL:
 * the drug was taken without harm, a past medicine. */
static const item *
tolerated_after(const sentence *s, size_t k)
{
	/* "received cefazolin and amoxicillin without reaction": an
	 * English list of drugs is tolerated whole; in Chinese the cue
	 * follows its own drug */
	bool list = (unsigned char)s->text[s->items[k].start] < 0x80;

	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if ((is_drug(it) && !list) || terminated(s, k, j))
			return NULL;
		if (it->e->type == NOTES_T_TOLERATED &&
		    (it->e->dir & NOTES_DIR_BACKWARD))
			return it;
	}
	return NULL;
}

/* challenged reads drug item k tolerated at a challenge (tol after it)
 * as a past medicine. */
static bool
challenged(const sentence *s, size_t k, const item *tol, notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	f->context = context(s, k, false, &f->trigger) | NOTES_HISTORICAL;
	if (f->context == NOTES_HISTORICAL)
		f->trigger = tol->e->key;
	return true;
}

/* is_reaction: is problem item k the reaction of an allergy, written
 * right after its substance in a clause with an allergy cue or on a line
 * of an allergy list ("allergic to codeine (vomiting)", "codeine -
 * vomiting" under "Allergies:")?  Then it is no problem of the patient's
 * now. */
static bool
is_reaction(const sentence *s, size_t k)
{
	const item *prev = k > 0 ? &s->items[k - 1] : NULL;

	/* "Nitrofurantoin - ?nausea": the doubt is the allergy's */
	if (prev != NULL && prev->e->type == NOTES_T_UNCERTAIN && k > 1)
		prev--;
	if (prev == NULL || (prev->e->type != NOTES_T_SUBSTANCE &&
			     prev->e->type != NOTES_T_CLASS))
		return false;
	if (s->items[k].w0 - prev->w1 > REACTION_GAP_WORDS)
		return false;
	return s->allergy_list || s->allergy_line ||
	       semi_listed_zh(s, (size_t)(prev - s->items)) ||
	       clause_has(s, k, NOTES_T_ALLERGY_CUE, false) != NULL;
}

/* short_gap: are words [from, to) at most one word, or two Chinese
 * characters ("磺胺类的药吃了会起疹子", "可待因每次吃了会吐")? */
static bool
short_gap(const sentence *s, size_t from, size_t to)
{
	if (to - from <= 1)
		return true;
	return to - from == 2 && s->words[from].han && s->words[from + 1].han;
}

/* caused_by returns the problem or reaction that substance item k is
 * written as causing ("metformin gave her diarrhoea", "可待因吃了会恶心"):
 * a "causes" cue right after it and the symptom right after that; or
 * NULL.  An intolerance: the drug is read as an allergy. */
static const item *
caused_by(const sentence *s, size_t k)
{
	const item *cue = k + 2 < s->n_items ? &s->items[k + 1] : NULL;
	const item *sym = cue ? cue + 1 : NULL;

	if (cue == NULL || cue->e->type != NOTES_T_CAUSES ||
	    !short_gap(s, s->items[k].w1, cue->w0) || sym->w0 - cue->w1 > 1)
		return NULL;
	return sym->e->type == NOTES_T_PROBLEM ||
			       sym->e->type == NOTES_T_REACTION
		       ? sym
		       : NULL;
}

/* Lay intolerance (issue 75): a patient who came off a drug or will not
 * take it, with an effect on the patient in the same clause, tells of an
 * intolerance ("refuses codeine because it bungs him up", "citalopram
 * (stopped 2022, made me feel numb)", "tried morphine MR but had vivid
 * nightmares").  The words that say so, before the drug or between it
 * and the effect. */
#define LAY_BEFORE_WORDS 2
#define LAY_EFFECT_WORDS 8

static const char *const came_off_en[] = {
	"stopped", "stopping", "refuses", "refused", "tried", "can't", "cannot",
};

/* stop_proposed: is came-off word w a stop the writer proposes, not one
 * that happened ("codeine should probably be stopped at discharge given
 * confusion")?  The patient still takes the drug; no intolerance is told.
 * A modal or a plan word within PROPOSED_WORDS words before it says so. */
#define PROPOSED_WORDS 3

static bool
stop_proposed(const sentence *s, size_t w)
{
	static const char *const modal[] = {"should", "could",	  "would",
					    "may",    "might",	  "will",
					    "must",   "consider", "plan"};
	size_t from = w > PROPOSED_WORDS ? w - PROPOSED_WORDS : 0;

	for (size_t m = from; m < w; m++)
		if (words_in(s, m, modal, sizeof(modal) / sizeof(*modal)))
			return true;
	return false;
}

static bool
came_off_in(const sentence *s, size_t from, size_t to)
{
	const size_t n = sizeof(came_off_en) / sizeof(came_off_en[0]);

	for (size_t w = from; w < to && w < s->n; w++)
		if (words_in(s, w, came_off_en, n) && !stop_proposed(s, w))
			return true;
	return false;
}

/* felt_effect: is item it an effect a patient feels: a reaction, or a
 * problem coded as a symptom (ICD-10 chapter R)?  A diagnosis a drug is
 * stopped for ("stopped because of hyponatraemia", "after a GI bleed")
 * is the clinician's reason, recorded as a problem, not an intolerance. */
static bool
felt_effect(const item *it)
{
	return it->e->type == NOTES_T_REACTION ||
	       (it->e->code != NULL && it->e->code[0] == 'R');
}

/* Chinese lay intolerance: a drug taken (服用, 吃, 食, 用 just before
 * it) with 后 right after it and an effect next ("曾用辛伐他汀后肌痛",
 * "服用布洛芬后胃出血"); not an effect that then eases ("服用后咳嗽好转"). */
#define LAY_ZH_TOOK_WORDS   3
#define LAY_ZH_EFFECT_WORDS 4

static const char *const took_zh[] = {"服用", "服", "吃", "食", "用"};
static const char *const then_zh[] = {"后", "之后", "後", "之後"};
static const char *const eased_zh[] = {"好转", "缓解", "改善", "减轻",
				       "消失", "消退", "好轉", "緩解"};

static bool
any_in(const sentence *s, size_t from, size_t to, const char *const *list,
       size_t n)
{
	for (size_t w = from; w < to && w < s->n; w++)
		if (words_in(s, w, list, n))
			return true;
	return false;
}

static const item *
lay_effect_zh(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	const item *it = k + 1 < s->n_items ? &s->items[k + 1] : NULL;
	size_t took = d->w0 > LAY_ZH_TOOK_WORDS ? d->w0 - LAY_ZH_TOOK_WORDS : 0;

	if (it == NULL || d->w1 >= s->n || !s->words[d->w1].han ||
	    !words_in(s, d->w1, then_zh, 4) ||
	    !any_in(s, took, d->w0, took_zh, 5) ||
	    (it->e->type != NOTES_T_PROBLEM &&
	     it->e->type != NOTES_T_REACTION) ||
	    it->w0 - d->w1 > LAY_ZH_EFFECT_WORDS ||
	    any_in(s, it->w1, it->w1 + 3, eased_zh, 8))
		return NULL;
	return it;
}

/* lay_effect returns the effect that drug item k is written as having
 * made the patient give it up, or NULL.  The effect is the first problem
 * or reaction after the drug, in its sentence part (no full stop,
 * semicolon or closing bracket between: the drug's own parenthesis), with no
 * other drug, no indication ("for") between and not given as a reason. */
static const item *
lay_effect(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	size_t before = d->w0 > LAY_BEFORE_WORDS ? d->w0 - LAY_BEFORE_WORDS : 0;

	if (lay_effect_zh(s, k))
		return lay_effect_zh(s, k);
	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (is_drug(it) || it->w0 - d->w1 > LAY_EFFECT_WORDS ||
		    it->e->type == NOTES_T_INDICATION ||
		    between_has(s, d->end, it->start, '.') ||
		    between_has(s, d->end, it->start, ';') ||
		    between_has(s, d->end, it->start, ')'))
			return NULL;
		if (it->e->type != NOTES_T_PROBLEM &&
		    it->e->type != NOTES_T_REACTION)
			continue;
		if (!felt_effect(it) || for_reason(s, j) ||
		    !(came_off_in(s, before, d->w0) ||
		      came_off_in(s, d->w1, it->w0)))
			return NULL;
		return it;
	}
	return NULL;
}

static bool phrase_at(const sentence *s, size_t w, const char *phrase);

/* The words that lay a felt effect written before them on the drug
 * right after them ("\"woke up itching all over\", told it was
 * morphine", "?SJS secondary to lamotrigine"). */
static const char *const blamed_en[] = {
	"told it was",	 "secondary to", "due to",     "caused by",
	"attributed to", "blamed on",	 "induced by",
};

/* BLAMED_EFFECT_WORDS: the most words between the effect and the words
 * that blame the drug for it. */
#define BLAMED_EFFECT_WORDS 6

/* blamed_on returns the felt effect (a reaction or a symptom) that its
 * clause lays on drug item k, the drug right after words that say it
 * caused the effect, the effect before them with no other drug between;
 * or NULL.  An intolerance: the drug is read as an allergy. */
static const item *
blamed_on(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	size_t w = d->w0, j = k;
	bool said = false;

	for (size_t i = 0; i < sizeof(blamed_en) / sizeof(*blamed_en); i++) {
		size_t n = 1;

		for (const char *p = blamed_en[i]; *p; p++)
			n += *p == ' ';
		if (!said && w >= n && phrase_at(s, w - n, blamed_en[i])) {
			said = true;
			w -= n;
		}
	}
	while (said && j-- > 0) {
		const item *it = &s->items[j];

		if (it->w0 >= w)
			continue; /* the blaming words' own phrase */
		if (is_drug(it) || w - it->w1 > BLAMED_EFFECT_WORDS ||
		    between_has(s, it->end, d->start, ';') ||
		    between_has(s, it->end, d->start, '.'))
			return NULL;
		if (felt_effect(it) && (it->e->type == NOTES_T_REACTION ||
					it->e->type == NOTES_T_PROBLEM))
			return it;
	}
	return NULL;
}

/* came_off_trigger: is context trigger t a word that says the patient
 * gave the drug up ("refuses")?  It does not deny an intolerance. */
static bool
came_off_trigger(const char *t)
{
	for (size_t i = 0;
	     t && i < sizeof(came_off_en) / sizeof(came_off_en[0]); i++)
		if (strcmp(t, came_off_en[i]) == 0)
			return true;
	return false;
}

/* lay_effect_of: is problem item k the effect a drug before it is
 * written as having made the patient give up?  Then it is the drug's
 * reaction, not a problem. */
static bool
lay_effect_of(const sentence *s, size_t k)
{
	for (size_t m = k; m-- > 0;)
		if (is_drug(&s->items[m]))
			return lay_effect(s, m) == &s->items[k];
	return false;
}

/* side_effect: is problem item k the symptom a drug is written as
 * causing?  Then it is the drug's reaction, not a problem. */
static bool
side_effect(const sentence *s, size_t k)
{
	const notes_type t = k >= 2 ? s->items[k - 2].e->type : NOTES_T_PROBLEM;

	return ((t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS) &&
		caused_by(s, k - 2) == &s->items[k]) ||
	       lay_effect_of(s, k);
}

/* none_known_near: is item k in the scope of a "no known allergies"
 * ("no known allergy to latex")?  Its scope ends where a trigger's
 * does: "否认药物过敏史，规律服用阿司匹林" takes aspirin. */
static bool
none_known_near(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_NONE_KNOWN &&
		    !ends(s, j < k ? j : k, j < k ? k : j, true))
			return true;
	return false;
}

/* taken_then dates allergy f of substance item k, which a cue of an
 * event caused ("口服阿莫西林后出现荨麻疹": cue kind caused, marked
 * NOTES_DIR_BACKWARD), as a history word would: the drug was taken then,
 * and keep_finding reads it as the allergy and a past medicine. */
static void
taken_then(const sentence *s, size_t k, notes_finding *f)
{
	const notes_entry *cue = k + 1 < s->n_items ? s->items[k + 1].e : NULL;

	if (cue == NULL || !(cue->dir & NOTES_DIR_BACKWARD))
		return;
	f->context = NOTES_HISTORICAL;
	f->trigger = cue->key;
}

/* replaced_by: is drug item k written after "changed to" or "switched
 * to" in its sentence ("ACE inhibitors (cough on lisinopril - changed to
 * losartan)")?  It is the drug that replaced the allergy's, taken. */
static bool
replaced_by(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (strcmp(s->items[j].e->key, "changed to") == 0 ||
		    strcmp(s->items[j].e->key, "switched to") == 0)
			return true;
	return false;
}

/* taken_now: does a later sentence of an "Allergies:" line open with
 * "On" and drug item k ("Heparin - HIT - NO HEPARIN.  On fondaparinux
 * 7.5 mg SC daily for the clot")?  The patient takes that drug now: the
 * remedy the allergy led to, not another allergy. */
static bool
taken_now(const sentence *s, size_t k)
{
	return !s->allergy_head && k == 0 && s->items[0].w0 == 1 &&
	       words_at(s, 0, "on");
}

/* dosed_now: does a later sentence of an "Allergies:" line give drug
 * item k a dose ("INR today 2.6, warfarin 3 mg tonight as per chart")?
 * A dose is an order: the patient takes the drug, it is no entry of the
 * allergy list. */
static bool is_number(const char *key);

static bool
dosed_now(const sentence *s, size_t k)
{
	static const char *const units[] = {"mg", "mcg",   "microgram",
					    "g",  "units", "ml"};
	size_t w = s->items[k].w1;

	if (s->allergy_head || w + 1 >= s->n || !is_number(s->words[w].key))
		return false;
	return words_in(s, w + 1, units, sizeof(units) / sizeof(*units));
}

/* told_after: is drug item k in a clause of an "Allergies:" line after
 * a semicolon that opens with the patient ("Drug allergy: son reports
 * \"aspirin upsets her stomach\"; pt has taken aspirin with omeprazole
 * cover")?  The clause tells what the patient did, no entry of the
 * list: an entry opens with its drug ("Allergies: latex (dermatitis);
 * chlorhexidine - hives") or its reporter ("; daughter also says \"she
 * can't have sulphur drugs\""). */
static bool
told_after(const sentence *s, size_t k)
{
	static const char *const patient[] = {"pt", "patient", "he", "she"};
	const char *semi = NULL, *p = s->text + s->items[0].end;
	size_t w = 0;

	for (; p < s->text + s->items[k].start; p++)
		if (*p == ';')
			semi = p;
	if (semi == NULL)
		return false;
	while (w < s->n && s->text + s->words[w].start <= semi)
		w++;
	return w < s->n &&
	       words_in(s, w, patient, sizeof(patient) / sizeof(*patient));
}

/* on_allergy_line: is drug item k on an "Allergies:" line, in its first
 * sentence or first in a later one ("Allergies/ADRs: Nitrofurantoin -
 * ?nausea.  Tramadol - hallucinations.")?  A drug further into a later
 * sentence is the story's ("… switched to atorvastatin"). */
static bool
on_allergy_line(const sentence *s, size_t k)
{
	return s->allergy_line && (s->allergy_head || k == 0) &&
	       !replaced_by(s, k) && !taken_now(s, k) && !dosed_now(s, k) &&
	       !told_after(s, k);
}

/* cultured: is drug item k named by a culture's result in its clause
 * ("E. coli sensitive to meropenem, amikacin")?  Then it is no medicine. */
static bool
cultured(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if ((s->items[j].e->dir & NOTES_DIR_LAB) &&
		    s->items[j].e->type == NOTES_T_PSEUDO &&
		    !ends(s, j, k, true))
			return true;
	return false;
}

/* recorded_possible: is drug item k recorded as a possible allergy
 * ("left allopurinol as a \"possible\" allergy on his record")?  The
 * writer doubts it. */
static bool
recorded_possible(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (strstr(s->items[m].e->key, "possible") != NULL &&
		    recorded_reaches(s, k, m))
			return true;
	return false;
}

/* doubted: is allergy item k, with its reaction, written with a "?"
 * ("diazepam??", "Nitrofurantoin - ?nausea")?  The allergy is
 * uncertain. */
static bool
doubted(const sentence *s, size_t k, const item *reaction)
{
	const item *it = &s->items[k];

	/* "?SJS secondary to lamotrigine": the effect laid on it, doubted */
	if (reaction != NULL && reaction < it && reaction->start > 0 &&
	    s->text[reaction->start - 1] == '?')
		return true;
	if (s->text[it->end] == '?' ||
	    (k + 1 < s->n_items &&
	     s->items[k + 1].e->type == NOTES_T_UNCERTAIN &&
	     s->items[k + 1].w0 == it->w1))
		return true;
	for (size_t m = k + 1; reaction && m < s->n_items; m++) {
		if (&s->items[m] >= reaction)
			break;
		if (s->items[m].e->type == NOTES_T_UNCERTAIN)
			return true;
	}
	return recorded_possible(s, k);
}

/* allergen_label_zh: is Chinese class item k, a colon after it, an item
 * of an allergy list ("过敏史：\n1) 磺胺类：服用\"复方新诺明\"后出现
 * 皮疹")?  Under an allergy heading the label is the allergen, and the
 * drug after it the story of it. */
static bool
allergen_label_zh(const sentence *s, size_t k)
{
	return s->allergy_list && s->words[s->items[k].w0].han;
}

/* labels_line: is class item k the label of its line, a colon right
 * after it and another drug after that ("Abx: pen allergic, so IV
 * clarithromycin")?  It names what the line is about, not an allergen. */
static bool
labels_line(const sentence *s, size_t k)
{
	if (s->items[k].e->type != NOTES_T_CLASS || !colon_after(s, k) ||
	    allergen_label_zh(s, k))
		return false;
	return drug_after(s, k);
}

/* disowned_by returns the not-allergy cue (cue kind not_allergy) that
 * names drug item k, or NULL: the first such cue after k in the
 * sentence with no other drug between them, however many clauses part
 * them ("服用阿斯匹林后偶有胃部不适，…，属胃肠道副作用，非过敏";
 * "对青霉素不过敏"). */
static const item *
disowned_by(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j < s->n_items; j++) {
		const notes_entry *e = s->items[j].e;

		if (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_CLASS)
			return NULL;
		if (e->type == NOTES_T_ALLERGY_CUE &&
		    (e->dir & NOTES_DIR_DELABEL))
			return &s->items[j];
	}
	return NULL;
}

/* disowned_here: is drug item k named by a not-allergy cue of its own
 * clause ("万古霉素输注反应并非真正过敏")?  Then the mention is only that
 * allergy, negated (keep_disowned); one cue clauses away leaves what the
 * drug's own clause says ("服用阿斯匹林后胃部不适，…，非过敏": aspirin
 * taken). */
static bool
disowned_here(const sentence *s, size_t k)
{
	const item *cue = disowned_by(s, k);

	return cue != NULL && !comma_between(s, k, (size_t)(cue - s->items));
}

/* is_number: is key a number written in digits ("5", "24")? */
static bool
is_number(const char *key)
{
	if (*key == '\0')
		return false;
	for (; *key != '\0'; key++)
		if (*key < '0' || *key > '9')
			return false;
	return true;
}

/* atoi_small reads a number of at most two digits. */
static int
atoi_small(const char *key)
{
	return key[1] == '\0' ? key[0] - '0'
			      : (key[0] - '0') * 10 + key[1] - '0';
}

/* days_at: is word w the number of a course written in days or hours
 * ("5天", "共4日", "24小时"), not a day of one ("第2天"), a rate ("每3
 * 天") or a time to come or gone ("3天后", "2天前")? */
static bool
days_at(const sentence *s, size_t w)
{
	static const char *const unit[] = {"天", "日", "小时"};
	static const char *const not_before[] = {"第", "每", "近"};
	static const char *const not_after[] = {"后", "前", "内", "以"};
	size_t u;

	/* a regimen of weeks ("双抗21天") goes on */
	if (!is_number(s->words[w].key) || strlen(s->words[w].key) > 2 ||
	    w + 1 >= s->n ||
	    !words_in(s, w + 1, unit, sizeof(unit) / sizeof(*unit)) ||
	    (!words_at(s, w + 1, "小时") && atoi_small(s->words[w].key) > 14))
		return false;
	if (w > 0 && words_in(s, w - 1, not_before,
			      sizeof(not_before) / sizeof(*not_before)))
		return false;
	u = w + (words_at(s, w + 1, "小时") ? 3 : 2);
	return u >= s->n || !words_in(s, u, not_after,
				      sizeof(not_after) / sizeof(*not_after));
}

/* course_done returns the word that gives drug item k of a Chinese
 * sentence a course of days in its clause ("予头孢呋辛1.5g ivgtt bid
 * 5天", "自服头孢呋辛2天无好转", "头孢呋辛联合甲硝唑静滴抗感染3天"), or
 * NULL: a course given in days is over, the drug a past one. */
static const char *
course_done(const sentence *s, size_t k)
{
	if (!s->words[s->items[k].w0].han)
		return NULL;
	for (size_t w = s->items[k].w1; w < s->n; w++) {
		const char *key = s->words[w].key;

		if (strcmp(key, "\xef\xbc\x8c") == 0 || strcmp(key, ";") == 0)
			return NULL;
		/* "胺碘酮继续维持24小时": continued, not over */
		if (words_at(s, w, "继续") || words_at(s, w, "维持"))
			return NULL;
		if (days_at(s, w))
			return s->words[w + 1].key;
	}
	return NULL;
}

/* qualifies_drug: is class item k written right after another drug,
 * only spaces between ("Sulfa antibiotics: rash", "sulfonamide
 * antibiotics")?  It says what kind of drug that one is; the allergy is
 * to the drug it qualifies, not to the whole class. */
static bool
qualifies_drug(const sentence *s, size_t k)
{
	const item *before;

	if (k == 0 || s->items[k].e->type != NOTES_T_CLASS)
		return false;
	before = &s->items[k - 1];
	if ((before->e->type != NOTES_T_SUBSTANCE &&
	     before->e->type != NOTES_T_CLASS))
		return false;
	for (uint32_t i = before->end; i < s->items[k].start; i++)
		if (s->text[i] != ' ')
			return false;
	return true;
}

/* named_before: is drug item k's drug named before it in its sentence,
 * not negated there ("Heparin - HIT (PF4 positive) - NO HEPARIN")?  Its
 * allergy is read there; a "no" before the repeat orders the drug kept
 * away, it does not deny the allergy ("no contraindication to latex; no
 * history suggesting latex allergy" denies it twice).  English only:
 * the Chinese notes repeat a drug under their own rules. */
static bool
named_before(const sentence *s, size_t k)
{
	const char *trigger;

	for (size_t m = 0; m < k; m++)
		if (strcmp(s->items[m].e->code, s->items[k].e->code) == 0 &&
		    is_drug(&s->items[m]) &&
		    !(context(s, m, true, &trigger) & NOTES_NEGATED))
			return true;
	return false;
}

/* clause_start: the first word of item k's clause (after the last
 * terminator before it, ";" "but" "which" …). */
static size_t
clause_start(const sentence *s, size_t k)
{
	for (size_t m = k; m-- > 0;)
		if (s->items[m].e->type == NOTES_T_TERMINATOR &&
		    !(s->items[m].e->dir & NOTES_DIR_SCOPE_ONLY))
			return s->items[m].w1;
	return 0;
}

/* Parents as their children write them, left out of the family triggers
 * because they also name the patient or the one who tells. */
static const char *const relatives[] = {"mum",	 "mom", "mam",	"mummy",
					"mommy", "dad", "daddy"};

/* relative_subject returns the word of the relative that item k's clause
 * opens with as its subject ("Mom is allergic to penicillin; dad to
 * sulfa", "pt's mum has had anaphylaxis to Septrin"), or NULL: a parent
 * named as a family word the trigger lists leave out, because "mum" and
 * "dad" also name the patient ("Mum c/o burning") or the one who tells
 * ("mum says he's allergic").  A reporting word or the patient as subject
 * between the relative and the drug makes the story the patient's. */
static const char *
relative_subject(const sentence *s, size_t k)
{
	static const char *const patient[] = {"he",	 "she",	    "pt",
					      "patient", "they",    "him",
					      "her",	 "herself", "himself"};
	size_t w = clause_start(s, k), end = s->items[k].w0;
	size_t n_rel = sizeof(relatives) / sizeof(*relatives);

	for (size_t v = w + 1; v < end; v++) /* "Also note: pt's mum …" */
		if (colon_at(s->text, s->words[v - 1].end, s->words[v].start))
			w = v;
	if (w + 2 < end && words_at(s, w, "pt") && words_at(s, w + 1, "s"))
		w += 2;
	else if (w + 1 < end &&
		 (words_at(s, w, "her") || words_at(s, w, "his")))
		w++;
	if (w >= end || !words_in(s, w, relatives, n_rel))
		return NULL;
	for (size_t v = w + 1; v < end; v++)
		if (reporting(s, v) ||
		    words_in(s, v, patient, sizeof(patient) / sizeof(*patient)))
			return NULL;
	return s->words[w].key;
}

static bool only_marks(const char *text, uint32_t from, uint32_t to,
		       const char *marks);

/* row_doubted: is item k on a table's row ("|" between cells) with a
 * cell that holds only "?" ("\"sulfa\" | unknown | ? | old chart")?  The
 * row's Type column doubts the allergy. */
static bool
row_doubted(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p, *cell = NULL;

	while (line > text && line[-1] != '\n')
		line--;
	for (p = line; *p != '\0' && *p != '\n'; p++) {
		if (*p != '|')
			continue;
		if (cell != NULL &&
		    only_marks(text, (uint32_t)(cell - text),
			       (uint32_t)(p - text), "?") &&
		    memchr(cell, '?', (size_t)(p - cell)) != NULL)
			return true;
		cell = p + 1;
	}
	return false;
}

/* cell_says: is text [from, to) one of words, spaces around it? */
static bool
cell_says(const char *from, const char *to, const char *const *words, size_t n)
{
	while (from < to && *from == ' ')
		from++;
	while (to > from && to[-1] == ' ')
		to--;
	for (size_t i = 0; i < n; i++)
		if ((size_t)(to - from) == strlen(words[i]) &&
		    strncasecmp(from, words[i], (size_t)(to - from)) == 0)
			return true;
	return false;
}

/* row_cell_says: is item k on a table's row ("|" between cells) with a
 * cell after the first, its last too, that is only one of words? */
static bool
row_cell_says(const sentence *s, size_t k, const char *const *words, size_t n)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p, *cell = NULL;

	while (line > text && line[-1] != '\n')
		line--;
	for (p = line;; p++) {
		if (*p != '|' && *p != '\0' && *p != '\n')
			continue;
		if (cell != NULL && cell_says(cell, p, words, n))
			return true;
		if (*p != '|')
			return false;
		cell = p + 1;
	}
}

/* row_doubt_word: is item k on a table's row with a cell that is only a
 * word of doubt ("Ciprofloxacin | some antibiotic gave diarrhoea | niece |
 * UNCERTAIN")?  The row's certainty column doubts the allergy, as a "?"
 * cell does. */
static bool
row_doubt_word(const sentence *s, size_t k)
{
	static const char *const doubt[] = {"uncertain", "unsure",
					    "unconfirmed", "possible", "query"};

	return row_cell_says(s, k, doubt, sizeof(doubt) / sizeof(*doubt));
}

/* row_tolerated_zh: is item k on a table's row with a cell that is only
 * the verdict tolerated ("别嘌醇 | 无 | 耐受")?  The row's judgement column
 * says the drug is no allergy, as "tolerated" after it does. */
static bool
row_tolerated_zh(const sentence *s, size_t k)
{
	static const char *const tolerated[] = {"耐受", "可耐受", "耐受良好"};

	return row_cell_says(s, k, tolerated,
			     sizeof(tolerated) / sizeof(*tolerated));
}

/* declined_in_list: is drug item k, under an allergy heading, one the
 * patient declined or refused ("he is \"statin intolerant\" and has
 * declined rosuvastatin")?  It is a medicine refused, not an allergen. */
static bool
declined_in_list(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		const notes_entry *t = s->items[j].e;

		if (t->type == NOTES_T_NEGATED &&
		    (strncmp(t->key, "declin", 6) == 0 ||
		     strncmp(t->key, "refus", 5) == 0) &&
		    !scope_ends(s, j, k))
			return true;
	}
	return false;
}

/* quote_close returns where the ASCII double quote that item k sits in
 * closes (the byte after it), or 0 when k is outside quotes on its line
 * or the quote does not close there. */
static uint32_t
quote_close(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p;
	bool open = false;

	while (line > text && line[-1] != '\n')
		line--;
	for (const char *q = line; q < p; q++)
		if (*q == '"')
			open = !open;
	if (!open)
		return 0;
	for (p = text + s->items[k].end; *p != '\0' && *p != '\n'; p++)
		if (*p == '"')
			return (uint32_t)(p + 1 - text);
	return 0;
}

/* QUOTE_LABEL_WORDS: the most words between a patient's quoted words and
 * the writer's label of them ("- documented intolerance"). */
#define QUOTE_LABEL_WORDS 1

/* quote_labelled: is drug item k the only drug of the patient's quoted
 * words that an allergy cue right after the quote labels ("Pt states
 * \"codeine makes me throw up\" - intolerance", "says \"I don't do well
 * with Nurofen, it hurts my stomach\" - documented intolerance")?  The
 * writer records what the patient says the drug does as an intolerance. */
static bool
quote_labelled(const sentence *s, size_t k)
{
	uint32_t close = quote_close(s, k);
	size_t m = k + 1;

	if (close == 0)
		return false;
	for (; m < s->n_items && s->items[m].start < close; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (size_t d = k; d-- > 0 && quote_close(s, d) == close;)
		if (is_drug(&s->items[d]))
			return false;
	if (m == s->n_items || s->items[m].e->type != NOTES_T_ALLERGY_CUE ||
	    (unsigned char)s->items[m].e->key[0] >= 0x80)
		return false;
	for (size_t w = 0; w < s->n; w++)
		if (s->words[w].start >= close)
			return s->items[m].w0 - w <= QUOTE_LABEL_WORDS;
	return false;
}

/* tolerated_next: is item k followed right away by "tolerated" ("NSAIDs
 * (angioedema) - celecoxib tolerated")?  The drug is the exception the
 * patient takes without harm, no allergy of theirs. */
static bool
tolerated_next(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;

	return w < s->n && words_at(s, w, "tolerated");
}

/* allergy_context_en6 adds to allergy f of item k what its line says of
 * whose it is and how sure: a relative's as its clause's subject
 * (family), a table row's "?" (uncertain). */
static void
allergy_context_en6(const sentence *s, size_t k, notes_finding *f)
{
	const char *relative;

	if (f->kind != NOTES_ALLERGY)
		return;
	if (tolerated_next(s, k) || row_tolerated_zh(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "tolerated";
		return;
	}
	if ((row_doubted(s, k) || row_doubt_word(s, k)) &&
	    !(f->context & NOTES_UNCERTAIN)) {
		if (f->context == 0)
			f->trigger = "?";
		f->context |= NOTES_UNCERTAIN;
	}
	if ((f->context & NOTES_FAMILY) ||
	    (relative = relative_subject(s, k)) == NULL)
		return;
	if (f->context == 0)
		f->trigger = relative;
	f->context |= NOTES_FAMILY;
}

/* hyphen_free: is drug item k joined by a hyphen to "free" after it
 * ("Latex-free OR", "chlorhexidine-free catheters")?  The equipment is
 * kept free of what the patient must avoid: the mention is neither a
 * medicine nor an allergy denied. */
static bool
hyphen_free(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;
	uint32_t end = s->items[k].end;

	return w < s->n && words_at(s, w, "free") &&
	       s->words[w].start == end + 1 && s->text[end] == '-';
}

/* reaction_owned: is reaction r, written before drug item k, another
 * drug's, that drug right before it ("given her trimethoprim hives we'd
 * avoid co-trimoxazole")?  Then it makes no allergy of k. */
static bool
reaction_owned(const sentence *s, size_t k, const item *r)
{
	size_t j = (size_t)(r - s->items);

	return r != NULL && j < k && j > 0 && is_drug(&s->items[j - 1]) &&
	       s->items[j - 1].w1 == r->w0;
}

/* drug_dated: is English substance item k dated as over by its list
 * item ("He received Keflex in 2022 for an abscess", "weaned off
 * prednisolone 2021", "took ibuprofen 2 days ago")?  A year or a time
 * ago after the drug dates its course as over; a start or a switch then
 * is not ("on warfarin since 2015", "switched to apixaban in 2022"), nor
 * a date inside a parenthesis after the drug, which dates something
 * else ("warfarin for mechanical aortic valve (2014)"), nor a clock time
 * ("due 2000"). */
static const char *const dated_start[] = {
	"since",    "dx",	"diagnosed", "started", "commenced",
	"switched", "replaced", "changed",   "due",	"at"};

/* dated_after: does a year or a time ago follow English item k in its
 * list item, before a start word or a parenthesis? */
static bool
dated_after(const sentence *s, size_t k)
{
	size_t n_start = sizeof(dated_start) / sizeof(*dated_start);
	uint32_t end = list_item_end(s, k);

	if (s->words[s->items[k].w0].han)
		return false;
	for (size_t w = s->items[k].w1; w < s->n && s->words[w].start < end;
	     w++) {
		if (between_has(s, s->items[k].end, s->words[w].start, '(') ||
		    words_in(s, w, dated_start, n_start))
			return false;
		if (is_year(s->words[w].key) || words_at(s, w, "ago"))
			return true;
	}
	return false;
}

/* date_after: is there a year or "ago" anywhere after item k in its
 * sentence?  dated_after needs one inside the list item: this is the
 * cheap test a drug without one stops at. */
static bool
date_after(const sentence *s, size_t k)
{
	for (size_t w = s->items[k].w1; w < s->n; w++)
		if (is_year(s->words[w].key) || words_at(s, w, "ago"))
			return true;
	return false;
}

static bool
drug_dated(const sentence *s, size_t k)
{
	size_t n_start = sizeof(dated_start) / sizeof(*dated_start);

	if (!date_after(s, k) || started_near(s, k))
		return false;
	/* "replaced ramipril 2019": the drug replaced is the past one */
	for (size_t w = list_item_first(s, k); w < s->items[k].w0; w++)
		if (words_in(s, w, dated_start, n_start) &&
		    !words_at(s, w, "replaced"))
			return false;
	return dated_after(s, k);
}

/* The words a medicines list's status cell or trailing word opens with
 * when the drug of its row is stopped ("| Naproxen | 500mg | STOPPED |",
 * "ondansetron 4 mg PRN - not used in 36h, d/c").  "held" is left out:
 * the writers disagree whether a drug held today is taken
 * (docs/note-reader.md). */
static const char *const status_stops[] = {"stopped", "discontinued", "ceased",
					   "d/c"};

/* ROW_STOPPED: the trigger of a drug a list's status stops; unstop()
 * reads it as it reads "已停": the stop is what holds now. */
#define ROW_STOPPED "status stopped"

/* status_stop_at: does text p open with a word of status_stops? */
static bool
status_stop_at(const char *p)
{
	for (size_t i = 0; i < sizeof(status_stops) / sizeof(*status_stops);
	     i++) {
		size_t n = strlen(status_stops[i]);
		size_t j = 0;

		while (j < n &&
		       tolower((unsigned char)p[j]) == status_stops[i][j])
			j++;
		if (j == n && !isalpha((unsigned char)p[n]))
			return true;
	}
	return false;
}

/* row_separator returns how long the separator of a list's fields at p
 * is ("|" between a table's cells, " - " or ", " between a line's
 * fields), or 0. */
static size_t
row_separator(const char *p, bool table)
{
	if (table)
		return *p == '|';
	if (strncmp(p, " - ", 3) == 0)
		return 3;
	return strncmp(p, ", ", 2) == 0 ? 2 : 0;
}

/* other_drug_from: the start of the first drug item after k, of another
 * code, in s (UINT32_MAX when none): a status after it is that drug's. */
static uint32_t
other_drug_from(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return s->items[m].start;
	return UINT32_MAX;
}

/* table_row_first: is item k in the first cell of a table's row (its
 * line opens with "|", no other "|" before k)? */
static bool
table_row_first(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p;
	size_t bars = 0;

	while (line > text && line[-1] != '\n')
		line--;
	while (*line == ' ')
		line++;
	for (const char *q = line; q < p; q++)
		bars += *q == '|';
	return *line == '|' && bars == 1;
}

static bool field_opens(const sentence *s, size_t k, bool (*at)(const char *p));

/* status_stopped: does the list drug item k heads say the drug is
 * stopped, in a later cell of its table's row ("| Simvastatin | 40mg |
 * STOPPED | switched |") or in its line's last field ("- ondansetron 4
 * mg IV PRN - not used in 36h, d/c")?  The status governs its row; a
 * line's field only when no other drug follows on the line. */
static bool
status_stopped(const sentence *s, size_t k)
{
	return field_opens(s, k, status_stop_at);
}

/* start_at: does p open with a start to come ("start", "to start",
 * "commence") and end its line after at most one more word ("- start",
 * "- to start today")? */
static bool
start_at(const char *p)
{
	static const char *const starts[] = {"start", "to start", "commence",
					     "to commence"};
	size_t words = 0;

	for (size_t i = 0; i < sizeof(starts) / sizeof(*starts); i++) {
		size_t n = strlen(starts[i]);

		if (strncasecmp(p, starts[i], n) != 0 ||
		    isalpha((unsigned char)p[n]))
			continue;
		for (p += n; *p != '\0' && *p != '\n'; p++)
			words += *p == ' ' && isalnum((unsigned char)p[1]);
		return words <= 1;
	}
	return false;
}

/* status_started: does the list line of drug item k end in a field that
 * starts it ("- Pregabalin 75mg HS for neuropathy - start")?  The drug
 * is planned, as "start" before it plans it. */
static bool
status_started(const sentence *s, size_t k)
{
	return !s->words[s->items[k].w0].han && field_opens(s, k, start_at);
}

/* field_opens: does the list drug item k heads hold a later cell of its
 * table's row, or a last field of its line, that at says opens with
 * the status it looks for?  A line's field only when no other drug
 * follows on the line. */
static bool
field_opens(const sentence *s, size_t k, bool (*at)(const char *p))
{
	bool table = table_row_first(s, k);
	uint32_t other = other_drug_from(s, k);
	uint32_t end = s->words[s->n - 1].end; /* the sentence's */
	const char *text = s->text;

	if (!table && other != UINT32_MAX)
		return false;
	if (other < end)
		end = other;
	for (const char *p = text + s->items[k].end;
	     *p != '\n' && (uint32_t)(p - text) < end; p++) {
		size_t n = row_separator(p, table);
		const char *q = p + n;

		while (n > 0 && *q == ' ')
			q++;
		if (n > 0 && at(q))
			return true;
	}
	return false;
}
/* held_in_field: does item k's field of its list, up to the next comma,
 * say the drug is held ("losartan (withheld - see above)")?  A drug held
 * is taken for some writers and stopped for others: left as it is. */
static bool
held_in_field(const sentence *s, size_t k)
{
	const char *p = s->text + s->items[k].end;
	size_t n = strcspn(p, ",;\n");

	return memmem(p, n, "held", 4) != NULL ||
	       memmem(p, n, "hold", 4) != NULL;
}

/* STOP_HEADING_CHARS: the longest heading of a stopped list before its
 * colon ("Medications stopped this admission:"). */
#define STOP_HEADING_CHARS 40

/* stop_headed: is item k in a list headed by a stop, on its own line
 * ("STOPPED: tramadol 50 mg PO BID PRN.", "Discontinued: aspirin") or
 * above it (an English section whose heading stops)?  The list says
 * what is stopped now. */
static bool
stop_headed(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p, *colon;

	if (held_in_field(s, k))
		return false;
	if (s->section != NULL && (s->section->dir & NOTES_DIR_STOP) &&
	    (unsigned char)s->section->key[0] < 0x80)
		return true;
	while (line > text && line[-1] != '\n')
		line--;
	colon = memchr(line, ':', (size_t)(p - line));
	if (colon == NULL || colon - line > STOP_HEADING_CHARS)
		return false;
	for (const char *q = line; q < colon; q++)
		if ((q == line || !isalpha((unsigned char)q[-1])) &&
		    status_stop_at(q))
			return true;
	return false;
}

/* The words of a switch done, the drug after them replacing the drugs
 * before them ("Started on IV ceftriaxone + azithromycin, shifted to
 * oral cefuroxime on HD4"). */
static const char *const switched_en[] = {"switched to", "changed to",
					  "shifted to"};

/* SWITCH_TO_WORDS: the most words between a switch and the drug it
 * switches to ("shifted to oral cefuroxime"). */
#define SWITCH_TO_WORDS 2

/* switched_away: is substance item k written before a switch to
 * another drug in its sentence part (no full stop or semicolon
 * between)?  It was replaced: a past medicine.  A switch to a dose
 * ("amlodipine 5mg, changed to 10mg") names no drug and keeps it. */
static bool
switched_away(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j + 1 < s->n_items; j++) {
		const item *sw = &s->items[j], *to = &s->items[j + 1];
		bool is_switch = false;

		if (between_has(s, s->items[k].end, sw->start, ';') ||
		    between_has(s, s->items[k].end, sw->start, '.'))
			return false;
		for (size_t i = 0;
		     i < sizeof(switched_en) / sizeof(*switched_en); i++)
			is_switch |= strcmp(sw->e->key, switched_en[i]) == 0;
		if (is_switch)
			return to->e->type == NOTES_T_SUBSTANCE &&
			       to->w0 - sw->w1 <= SWITCH_TO_WORDS &&
			       strcmp(to->e->code, s->items[k].e->code) != 0;
	}
	return false;
}

/* switch_context makes a medicine replaced in its sentence past, and
 * one its line's last field starts planned. */
static void
switch_context(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind != NOTES_MEDICINE || f->context != 0 ||
	    s->items[k].e->type != NOTES_T_SUBSTANCE)
		return;
	if (switched_away(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "switched to";
	} else if (status_started(s, k)) {
		f->context = NOTES_HYPOTHETICAL;
		f->trigger = "start";
	}
}

/* status_context makes medicine f of item k past when its list's status
 * stops it: that stop holds now, whatever other trigger made the drug
 * past ("| Naproxen | 500mg | STOPPED |" after "buying naproxen"). */
static void
status_context(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_MEDICINE &&
	    (f->context == 0 || f->context == NOTES_HISTORICAL) &&
	    (status_stopped(s, k) ||
	     (f->context == NOTES_HISTORICAL && stop_headed(s, k)))) {
		f->context = NOTES_HISTORICAL;
		f->trigger = ROW_STOPPED;
	}
}

/* drug_bound: the first word after drug item k where another drug, of
 * another code, is named in its sentence (s->n when none): what is said
 * before it still speaks of k's drug. */
static size_t
drug_bound(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return s->items[m].w0;
	return s->n;
}

/* doubt_after_zh: does the writer doubt Chinese allergy item k later in
 * its sentence, before another drug is named ("患者自述\"头孢过敏\"，但
 * 记不清具体反应", "对头孢类过敏，具体药物及表现不详，暂按头孢类过敏处理",
 * "頭孢類｜起疹子｜過敏？待確認")?  A label the patient cannot describe,
 * kept only provisionally or still to be checked, is uncertain.  "具体
 * 不详" alone is not among them: it says which drug of a class was
 * unknown ("\"头孢\"（具体不详）后出现皮疹"), not whether it harmed. */
static bool
doubt_after_zh(const sentence *s, size_t k)
{
	static const char *const doubt[] = {
		"反应不详", "表现不详", "反应不清", "记不清",	"说不清",
		"不清楚",   "无法说明", "待核实",   "待确认",	"待证实",
		"暂按",	    "可疑过敏", "疑似过敏", "无法确认", "未能确认",
		"列为可疑", "列为怀疑"};
	size_t end = drug_bound(s, k);

	for (size_t w = s->items[k].w1; w < end; w++)
		if (words_in(s, w, doubt, sizeof(doubt) / sizeof(*doubt)))
			return true;
	return false;
}

/* clause_words gives the words [*from, *to) about drug item k in its
 * clause: from the terminator (the full-width comma too) or drug before
 * it to the terminator or drug after it. */
static void
clause_words(const sentence *s, size_t k, size_t *from, size_t *to)
{
	*from = 0;
	*to = s->n;
	for (size_t m = 0; m < k; m++)
		if (s->items[m].e->type == NOTES_T_TERMINATOR ||
		    is_drug(&s->items[m]))
			*from = s->items[m].w1;
	for (size_t m = k + 1; m < s->n_items; m++)
		if (s->items[m].e->type == NOTES_T_TERMINATOR ||
		    is_drug(&s->items[m])) {
			*to = s->items[m].w0;
			return;
		}
}

/* words_any: is a phrase of list spelt at a word of [from, to)? */
static bool
words_any(const sentence *s, size_t from, size_t to, const char *const *list,
	  size_t n)
{
	for (size_t w = from; w < to; w++)
		if (words_in(s, w, list, n))
			return true;
	return false;
}

/* switched_zh: is Chinese drug item k the one a switch led to ("ACEI类
 * 药物——干咳，已换用ARB", "术中预防性抗生素改用克林霉素")?  It replaced
 * the allergen: taken, not an allergy.  A record amended to a label
 * ("修改为\"可疑头孢过敏\"") is no switch of drug. */
static bool
switched_zh(const sentence *s, size_t k)
{
	static const char *const to[] = {"换用", "改用", "改为",  "换为",
					 "换成", "改成", "更换为"};
	size_t from, end;

	clause_words(s, k, &from, &end);
	for (size_t w = from; w < s->items[k].w0; w++)
		if (words_in(s, w, to, sizeof(to) / sizeof(*to)) &&
		    !(w > 0 && words_at(s, w - 1, "修")))
			return true;
	return false;
}

/* avoided_zh: does its clause say Chinese drug item k is to be avoided
 * or used with caution ("故亦避免其他非甾体抗炎药", "对 Cephalosporin 类
 * 药物也避免使用", "仍慎用氨基糖苷类")?  A
 * drug kept away for the allergy's sake is no allergy of its own
 * (README: "avoid NSAIDs" is nothing); a substance is a medicine not to
 * be given. */
static bool
avoided_zh(const sentence *s, size_t k)
{
	static const char *const avoid[] = {"避免", "慎用"};
	size_t from, to;

	clause_words(s, k, &from, &to);
	return words_any(s, from, to, avoid, sizeof(avoid) / sizeof(*avoid));
}

/* unused_class_zh: is Chinese class item k named as not used since, or
 * ever ("口服阿莫西林后出现荨麻疹，此后未再使用青霉素类药物", "此次之前未曾用过
 * 青霉素类药物", "过敏史：对"青霉素"皮试阳性，未用过头孢类")?  The class is
 * what the patient kept away from, not an allergy the writer states (README: a
 * class named without an allergy is nothing); the drug that harmed is the
 * allergy. */
static bool
unused_class_zh(const sentence *s, size_t k)
{
	static const char *const unused[] = {"未再",   "未曾",	 "没再",
					     "没有再", "未用过", "未使用过",
					     "从未",   "没用过"};
	size_t from, to;

	if (s->items[k].e->type != NOTES_T_CLASS)
		return false;
	clause_words(s, k, &from, &to);
	return words_any(s, from, s->items[k].w0, unused,
			 sizeof(unused) / sizeof(*unused));
}

/* prophylaxis_class_zh: is Chinese class item k the regimen a plan
 * names by its use ("术中预防性抗生素改用克林霉素": the prophylactic
 * antibiotic, switched)?  A class named for what it is given for is a
 * treatment, not an allergen. */
static bool
prophylaxis_class_zh(const sentence *s, size_t k)
{
	static const char *const use[] = {"预防性", "经验性", "预防用"};
	size_t w0 = s->items[k].w0;

	return s->items[k].e->type == NOTES_T_CLASS && w0 >= 3 &&
	       words_in(s, w0 - 3, use, sizeof(use) / sizeof(*use));
}

/* no_allergen_class_zh: is Chinese class item k named as kept away from
 * or as a regimen by its use, no allergen? */
static bool
no_allergen_class_zh(const sentence *s, size_t k)
{
	return unused_class_zh(s, k) || prophylaxis_class_zh(s, k);
}

/* kept_away_zh reads Chinese drug item k switched to or avoided, with no
 * reaction of its own, as what it is: a medicine (taken after a switch,
 * negated when avoided), or nothing for a class.  False when neither. */
static bool
kept_away_zh(const sentence *s, size_t k, notes_finding *f)
{
	bool avoided = avoided_zh(s, k);

	if (!avoided && !switched_zh(s, k))
		return false;
	f->kind = NOTES_MEDICINE;
	f->context = context(s, k, false, &f->trigger);
	if (avoided && !(f->context & NOTES_NEGATED)) {
		f->context |= NOTES_NEGATED;
		f->trigger = "避免";
	}
	return true;
}

/* Relatives a Chinese note names (simplified; traditional folds to
 * them). */
static const char *const relatives_zh[] = {
	"父亲", "母亲", "弟弟", "哥哥", "姐姐", "妹妹", "儿子", "女儿",
	"丈夫", "妻子", "太太", "先生", "爸爸", "妈妈", "兄",	"弟",
	"姐",	"妹",	"父",	"母",	"妻",	"夫",	"子",	"女"};

/* relative_at_zh: does a relative's name start at word w? */
static bool
relative_at_zh(const sentence *s, size_t w)
{
	return words_in(s, w, relatives_zh,
			sizeof(relatives_zh) / sizeof(*relatives_zh));
}

/* mislabelled_zh: does the writer say Chinese allergy item k is a
 * relative's, after it and before another drug: "为其 (是其) <relative>
 * 的" ("\"头孢过敏\"为其弟弟的过敏史", "患者诉对\"青霉素\"过敏，为其父亲
 * 的过敏史")?  The allergy is the relative's (family) and the patient's
 * label of it a mistake (keep_relatives). */
static bool
mislabelled_zh(const sentence *s, size_t k)
{
	size_t end = drug_bound(s, k);

	for (size_t w = s->items[k].w1; w + 2 < end; w++)
		if ((words_at(s, w, "为其") || words_at(s, w, "是其")) &&
		    relative_at_zh(s, w + 2))
			return true;
	return false;
}

/* relative_self_zh: does a relative open the sentence, its subject, and
 * k's clause speak of that relative's self before k ("太太问丈夫是否对吗啡
 * 过敏，因其本人对吗啡过敏": 其本人, 她本人, 他本人)?  The allergy is the
 * relative's.  A sentence the patient opens ("患者母亲…，其本人…") is the
 * patient's. */
static bool
relative_self_zh(const sentence *s, size_t k)
{
	static const char *const selves[] = {"其本人", "她本人", "他本人"};
	size_t from, to, first = 0;

	while (first < s->n && !s->words[first].han)
		first++;
	if (first >= s->n || !relative_at_zh(s, first))
		return false;
	clause_words(s, k, &from, &to);
	for (size_t w = from; w < s->items[k].w0; w++)
		if (words_in(s, w, selves, sizeof(selves) / sizeof(*selves)))
			return true;
	return false;
}

/* relatives_own_zh: is Chinese allergy item k a relative's: mislabelled
 * on the patient, told by a relative of "自己" (himself, herself)
 * earlier in its clause ("患者丈夫诉自己对阿莫西林过敏"), or of the
 * relative's self (relative_self_zh)? */
static bool
relatives_own_zh(const sentence *s, size_t k)
{
	size_t from, to;

	if (mislabelled_zh(s, k) || relative_self_zh(s, k))
		return true;
	clause_words(s, k, &from, &to);
	for (size_t w = from; w + 2 < s->items[k].w0; w++)
		if (relative_at_zh(s, w) && (words_at(s, w + 2, "诉自己") ||
					     words_at(s, w + 1, "诉自己")))
			return true;
	return false;
}

/* Words of a Chinese denial within DENIAL_WORDS of what it denies
 * ("非真正过敏", "并非敏感", "非利多卡因过敏"). */
#define DENIAL_WORDS 6

/* denial_at: does a denial of an allergy start at word w ("非", "并非",
 * "不是", "不属", "没有", Hong Kong's "唔系"), its "过敏", "敏感" or
 * "不耐受" within DENIAL_WORDS words and before end? */
static bool
denial_at(const sentence *s, size_t w, size_t end)
{
	static const char *const neg[] = {"非", "不是", "不属", "没有", "唔系"};
	static const char *const what[] = {"过敏", "敏感", "不耐受"};

	if (!words_in(s, w, neg, sizeof(neg) / sizeof(*neg)))
		return false;
	for (size_t v = w + 1; v < end && v <= w + DENIAL_WORDS; v++) {
		if (!s->words[v].han &&
		    !isalnum((unsigned char)s->words[v].key[0]))
			return false;
		if (words_in(s, v, what, sizeof(what) / sizeof(*what)))
			return true;
	}
	return false;
}

/* judged_none_zh: does a verdict "无" stand right before Chinese drug
 * item k, after a word of judging ("判断无乳胶过敏", "确认无青霉素过敏"),
 * its "过敏" after the drug?  The writer concludes there is no allergy;
 * a plain "无" leaves the rest of the note's mentions as they are. */
static bool
judged_none_zh(const sentence *s, size_t k, size_t end)
{
	static const char *const judged[] = {"判断无", "确认无", "证实无",
					     "考虑无"};
	static const char *const what[] = {"过敏", "敏感"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	return w0 >= 3 && w1 < end &&
	       words_in(s, w0 - 3, judged, sizeof(judged) / sizeof(*judged)) &&
	       words_in(s, w1, what, sizeof(what) / sizeof(*what));
}

/* denied_before_zh: does a denial written right before Chinese drug item
 * k hold it ("考虑为肾上腺素反应，非利多卡因过敏", "并非青霉素过敏")?  The
 * denial's negator is one or two characters before the drug. */
static bool
denied_before_zh(const sentence *s, size_t k, size_t end)
{
	size_t w0 = s->items[k].w0;

	return (w0 >= 1 && s->words[w0 - 1].han && denial_at(s, w0 - 1, end)) ||
	       (w0 >= 2 && s->words[w0 - 2].han && denial_at(s, w0 - 2, end)) ||
	       judged_none_zh(s, k, end);
}

/* denied_zh: does the writer deny Chinese drug item k's allergy later in
 * its sentence, before another drug is named ("吗啡——皮肤瘙痒，…，非真正
 * 过敏", "对利多卡因过敏？——…，非利多卡因过敏", "对\"panadol\"没有敏感",
 * "对ACEI类药物不耐受——…，非不耐受")?  The negator may hold words, the
 * drug itself among them, before "过敏"; the allergy is negated. */
static bool
denied_zh(const sentence *s, size_t k)
{
	size_t end = drug_bound(s, k);

	if (!s->words[s->items[k].w0].han && !s->words[0].han)
		return false;
	if (denied_before_zh(s, k, end))
		return true;
	for (size_t w = s->items[k].w1; w < end; w++)
		if (denial_at(s, w, end))
			return true;
	return false;
}

/* remedy_zh: is Chinese drug item k given for a reaction, not its
 * cause: "prn" or "必要时" (as needed) before the symptom ("氯苯那敏4mg prn
 * 瘙痒"), or given (予, 给予, 予以) with the reaction resolving after it
 * in its clause ("给予 Chlorpheniramine 后荨麻疹消退")?  It is a medicine. */
static bool
remedy_zh(const sentence *s, size_t k)
{
	static const char *const as_needed[] = {"prn", "必要时"};
	static const char *const given[] = {"予", "给予", "予以"};
	static const char *const resolves[] = {"消退", "好转", "缓解", "消失",
					       "减轻"};
	size_t from, to, w0 = s->items[k].w0;

	if (!s->words[w0].han && !(w0 > 0 && s->words[w0 - 1].han))
		return false; /* Chinese only */
	clause_words(s, k, &from, &to);
	if (words_any(s, s->items[k].w1, to, as_needed, 2))
		return true;
	return (words_in(s, w0 - (w0 > 0), given, 3) ||
		(w0 > 1 && words_at(s, w0 - 2, "给予"))) &&
	       words_any(s, s->items[k].w1, to, resolves,
			 sizeof(resolves) / sizeof(*resolves));
}

/* remedy_given: is drug item k given for a reaction written before it
 * in its clause ("Allergy band: iodinated contrast (hives) - premedicated
 * w/ prednisone + diphenhydramine")?  What remedy words name after the
 * reaction (premedicated, treated with) is a medicine even on an allergy
 * line. */
static bool
remedy_given(const sentence *s, size_t k)
{
	for (size_t j = 1; j < k; j++) {
		if (s->items[j].e->type != NOTES_T_INDICATION ||
		    terminated(s, j, k))
			continue;
		for (size_t r = 0; r < j; r++)
			if (s->items[r].e->type == NOTES_T_REACTION &&
			    !terminated(s, r, j))
				return true;
	}
	return false;
}

/* now_on: is drug item k written after "now on" ("Simvastatin ->
 * myalgia (intolerance) 2019, now on pravastatin")?  The patient takes
 * it now, in an allergy list too: the drug that replaced the allergen. */
static bool
now_on(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;

	return w >= 2 && words_at(s, w - 2, "now") && words_at(s, w - 1, "on");
}

/* effect_after: does an effect the patient feels follow drug item k in
 * its clause, before another drug? */
static bool
effect_after(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j < s->n_items && !terminated(s, k, j); j++) {
		if (is_drug(&s->items[j]))
			return false;
		if (felt_effect(&s->items[j]))
			return true;
	}
	return false;
}

/* taken_for_years: is drug item k told as taken for years ("she has had
 * frusemide for years", "has been on lithium for 10 years")?  In an
 * allergy list too it is a medicine the patient takes, evidence against
 * a label beside it, no allergy. */
static bool
taken_for_years(const sentence *s, size_t k)
{
	static const char *const taken[] = {"had", "taken", "on", "taking"};
	static const char *const has[] = {"has", "have", "been"};
	size_t w = s->items[k].w0, e = s->items[k].w1;

	if (w < 2 || !words_in(s, w - 1, taken, 4) ||
	    !words_in(s, w - 2, has, 3) || e + 1 >= s->n ||
	    !words_at(s, e, "for"))
		return false;
	if (isdigit((unsigned char)s->words[e + 1].key[0]) && e + 2 < s->n)
		e++;
	return words_at(s, e + 1, "years");
}

/* taken_here: is drug item k, or a mention of its drug before it in s
 * with no reaction of k's own, told as taken for years ("she has had
 * frusemide for years (note frusemide is a non-antibiotic sulfonamide
 * ...)")? */
static bool
taken_here(const sentence *s, size_t k)
{
	for (size_t m = 0; m <= k; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) == 0 &&
		    taken_for_years(s, m) &&
		    (m == k || reaction_of(s, k, true) == NULL))
			return true;
	return false;
}

/* taken_still reads drug item k, taken for years, as a medicine the
 * patient takes now: "has had" tells of the years up to now. */
static bool
taken_still(const sentence *s, size_t k, notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	f->context = context(s, k, false, &f->trigger) & ~NOTES_HISTORICAL;
	if (f->context == 0)
		f->trigger = "";
	return true;
}

/* switched_to: is drug item k the one the patient was moved on to
 * ("her GP switched her to warfarin 2024", "changed to pravastatin")?
 * It is what the patient takes now: a medicine, and not the drug a
 * remark about the old one speaks of, unless a reaction of its own
 * follows it. */
#define SWITCH_WORDS 3

static bool
switched_to(const sentence *s, size_t k)
{
	static const char *const verbs[] = {"switched", "changed", "swapped",
					    "converted"};
	size_t w = s->items[k].w0;
	size_t from = w > SWITCH_WORDS + 1 ? w - SWITCH_WORDS - 1 : 0;

	if (w == 0 || s->words[w - 1].han || !words_at(s, w - 1, "to") ||
	    effect_after(s, k))
		return false; /* "switched to co-amoxiclav - hives": its own */
	for (size_t v = from; v + 1 < w; v++)
		if (words_in(s, v, verbs, sizeof(verbs) / sizeof(*verbs)))
			return true;
	return false;
}

/* dash_labelled: is drug item k's entry labelled an allergy after a dash
 * by the next phrase, a few describing words in between ("4. Sulfa -
 * true mild delayed allergy, keep on list")?  A list entry names its
 * drug first and what kind of reaction it is after the dash. */
static bool
dash_labelled(const sentence *s, size_t k)
{
	const item *cue = k + 1 < s->n_items ? &s->items[k + 1] : NULL;
	size_t w = s->items[k].w1;

	return cue != NULL && cue->e->type == NOTES_T_ALLERGY_CUE &&
	       (unsigned char)cue->e->key[0] < 0x80 && w < s->n &&
	       between_has(s, s->items[k].end, s->words[w].start, '-') &&
	       cue->w0 - w <= REACTION_WORDS;
}

/* The most words between a condition and the parenthesis of its drug:
 * its duration ("高血压20年（缬沙坦80mg qd）"). */
#define TREATS_GAP_WORDS 2

/* words_before returns the number of s's words that end before p. */
static size_t
words_before(const sentence *s, const char *p)
{
	size_t w = 0;

	while (w < s->n && s->text + s->words[w].end <= p)
		w++;
	return w;
}

/* treats_current: is drug item k, a past medicine, written in a
 * parenthesis right after a problem (its duration between, no quote)
 * the same words leave current, with
 * no trigger of its own there ("既往：高血压20年（缬沙坦80mg qd）")?  The
 * drug is that condition's treatment and goes on as it does; it is
 * taken. */
static bool
treats_current(const sentence *s, size_t k, const notes_finding *f)
{
	const char *close, *open, *trigger;
	size_t p = k;

	if (f->kind != NOTES_MEDICINE || f->context != NOTES_HISTORICAL)
		return false;
	open = paren_open(s, k, &close);
	while (open != NULL && p > 0 && s->text + s->items[p - 1].end > open)
		p--;
	if (open == NULL || p == 0 ||
	    s->items[p - 1].e->type != NOTES_T_PROBLEM ||
	    words_before(s, open) - s->items[p - 1].w1 > TREATS_GAP_WORDS ||
	    memchr(s->text + s->items[p - 1].end, '"',
		   (size_t)(open - s->text) - s->items[p - 1].end) != NULL)
		return false;
	for (size_t m = p; m < s->n_items; m++)
		if (s->text + s->items[m].start < close &&
		    notes__is_trigger(s->items[m].e->type))
			return false;
	return context(s, p - 1, false, &trigger) == 0;
}

/* stop_to_come: is medicine f, read as both past and planned, stopped
 * only if something happens ("如肾功能下降需停用利伐沙班", "If she bleeds,
 * stop aspirin")?  A conditional stop, as a stop weighed (考虑停用), leaves
 * the drug taken now. */
static bool
stop_to_come(const sentence *s, const notes_finding *f)
{
	if (f->kind != NOTES_MEDICINE ||
	    f->context != (NOTES_HISTORICAL | NOTES_HYPOTHETICAL))
		return false;
	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].e->type == NOTES_T_HISTORICAL &&
		    (s->items[m].e->dir & NOTES_DIR_STOP))
			return true;
	return false;
}

/* dose_changed_zh: is Chinese medicine f, read as planned, a drug whose
 * dose its clause changes ("华法林由3mg调整为3.375mg", "如出现低血糖，格列
 * 齐特减量")?  A plan changes the dose of a drug the patient takes. */
static bool
dose_changed_zh(const sentence *s, size_t k, const notes_finding *f)
{
	static const char *const change[] = {"减量", "加量", "减半", "调整为",
					     "增至", "减至", "加至"};
	size_t from, to;

	if (f->kind != NOTES_MEDICINE || f->context != NOTES_HYPOTHETICAL ||
	    !s->words[s->items[k].w0].han)
		return false;
	clause_words(s, k, &from, &to);
	to = drug_bound(s, k) < to ? drug_bound(s, k) : to;
	return words_any(s, s->items[k].w1, to, change,
			 sizeof(change) / sizeof(*change));
}

/* treatment_context makes drug item k taken when it is a current
 * condition's treatment, stopped only if something happens or a drug
 * whose dose a plan changes. */
static void
treatment_context(const sentence *s, size_t k, notes_finding *f)
{
	if (treats_current(s, k, f) || stop_to_come(s, f) ||
	    dose_changed_zh(s, k, f)) {
		f->context = 0;
		f->trigger = "";
	}
}

/* listed_allergen: is item k under an allergy heading an allergen of
 * the list, not a drug the patient declined or one that replaced the
 * allergen ("Simvastatin | muscle aches - changed to atorvastatin")? */
static bool
listed_allergen(const sentence *s, size_t k, bool drug)
{
	return s->allergy_list &&
	       !(drug && (declined_in_list(s, k) || replaced_by(s, k)));
}

/* effect_of returns the effect written as drug item k's: caused by it
 * ("gave her"), felt after coming off it, or laid on it ("secondary
 * to"); or NULL. */
static const item *
effect_of(const sentence *s, size_t k)
{
	if (caused_by(s, k))
		return caused_by(s, k);
	return lay_effect(s, k) ? lay_effect(s, k) : blamed_on(s, k);
}

/* course_context makes a medicine told with no context past when its
 * course is told done or the drug is dated. */
static void
course_context(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind != NOTES_MEDICINE || f->context != 0)
		return;
	if (course_done(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = course_done(s, k);
	} else if (drug_dated(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "dated";
	}
}

/* substance reads substance or class item k: an allergy when a cue
 * names it, under an "Allergies:" heading, beside "no known allergies",
 * near its reaction or after "tolerated" (then negated); else a medicine
 * (a substance) or nothing (a class). */
static bool
substance(const sentence *s, size_t k, notes_finding *f)
{
	const item *it = &s->items[k];
	const item *caused = effect_of(s, k);
	const item *reaction = caused ? caused : reaction_of(s, k, false);
	const item *tol = tolerated_by(s, k);
	bool drug = it->e->type == NOTES_T_SUBSTANCE;

	f->system = drug ? "substance" : "class";
	if (labels_line(s, k) || disowned_here(s, k) || qualifies_drug(s, k) ||
	    hyphen_free(s, k) || no_allergen_class_zh(s, k))
		return false;
	if (drug && tolerated_after(s, k))
		return challenged(s, k, tolerated_after(s, k), f);
	if (drug && taken_here(s, k))
		return taken_still(s, k, f);
	if (drug && (remedy_given(s, k) || now_on(s, k) || switched_to(s, k))) {
		f->kind = NOTES_MEDICINE;
	} else if ((tol && !drug) || allergy_cued(s, k) ||
		   dash_labelled(s, k) || quote_labelled(s, k) ||
		   listed_allergen(s, k, drug) ||
		   (on_allergy_line(s, k) && !tol) || none_known_near(s, k) ||
		   caused ||
		   (!tol && reaction_of(s, k, true) &&
		    !reaction_owned(s, k, reaction_of(s, k, true)) &&
		    !(drug && remedy_zh(s, k)))) {
		if (!caused && !reaction_of(s, k, true) &&
		    kept_away_zh(s, k, f))
			return drug;
		f->kind = NOTES_ALLERGY;
		f->reaction = reaction ? reaction->e->key : "";
	} else if (drug && !cultured(s, k)) {
		f->kind = NOTES_MEDICINE;
	} else {
		return false;
	}
	f->context = context(s, k, f->kind == NOTES_ALLERGY, &f->trigger);
	allergy_context_en6(s, k, f);
	if (f->kind == NOTES_ALLERGY &&
	    (doubted(s, k, reaction) ||
	     (!(f->context & NOTES_NEGATED) && doubt_after_zh(s, k))))
		f->context |= NOTES_UNCERTAIN;
	if (f->kind == NOTES_ALLERGY && denied_zh(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "非过敏";
	}
	if (f->kind == NOTES_ALLERGY && relatives_own_zh(s, k)) {
		/* keep_relatives adds a mislabel's denial */
		f->context = NOTES_FAMILY;
		f->trigger = mislabelled_zh(s, k)     ? "为其"
			     : relative_self_zh(s, k) ? "其本人"
						      : "诉自己";
	}
	if (f->kind == NOTES_ALLERGY && f->context == NOTES_NEGATED &&
	    (unsigned char)f->trigger[0] < 0x80 && named_before(s, k)) {
		f->context = 0; /* the order that keeps the allergy */
		f->trigger = "";
	}
	if (lay_effect(s, k) && came_off_trigger(f->trigger)) {
		f->context &= ~NOTES_NEGATED; /* "refuses codeine" */
		f->trigger = "";
	}
	if (caused && f->context == 0)
		taken_then(s, k, f);
	course_context(s, k, f);
	status_context(s, k, f);
	switch_context(s, k, f);
	if (tol && (f->context & NOTES_NEGATED) == 0) {
		/* taken without harm: a past medicine, or no allergy to a
		 * class */
		if (f->context == 0)
			f->trigger = tol->e->key;
		f->context |= f->kind == NOTES_ALLERGY ? NOTES_NEGATED
						       : NOTES_HISTORICAL;
	}
	return true;
}

/* event_dated: is Chinese problem item k in a clause that opens with
 * the year it happened ("2019年因泌尿系感染口服头孢呋辛7天", "2023年孕8
 * 周自然流产1次")?  The event is over; a clause that says the problem
 * was found then and goes on (诊断, 确诊, 发现, 开始, 起, 至今, 以来) is
 * no past event. */
static bool
event_dated(const sentence *s, size_t k)
{
	static const char *const ongoing[] = {"诊断", "确诊", "发现", "开始",
					      "起",   "至今", "以来"};
	size_t w;
	uint32_t end;

	if (!s->words[s->items[k].w0].han)
		return false;
	w = list_item_first(s, k);
	if (!is_year(s->words[w].key) || w + 1 >= s->n ||
	    strcmp(s->words[w + 1].key, "年") != 0)
		return false;
	for (end = list_item_end(s, k); w < s->n && s->words[w].start < end;
	     w++)
		if (words_in(s, w, ongoing, sizeof(ongoing) / sizeof(*ongoing)))
			return false;
	return true;
}

/* finding turns item k into a finding, or returns false (a class named
 * outside an allergy, a cue, a trigger). */
static bool
finding(const sentence *s, size_t k, notes_finding *f)
{
	const item *it = &s->items[k];

	memset(f, 0, sizeof(*f));
	f->code = it->e->code;
	f->display = it->e->display;
	f->reaction = "";
	f->system = "";
	f->start = it->start;
	f->end = it->end;
	switch (it->e->type) {
	case NOTES_T_NONE_KNOWN:
		f->kind = NOTES_ALLERGY;
		f->context = NOTES_NEGATED;
		f->trigger = it->e->key;
		return true;
	case NOTES_T_PROBLEM:
		if (is_reaction(s, k) || side_effect(s, k) ||
		    intolerance_of(s, k))
			return false;
		f->kind = NOTES_PROBLEM;
		f->system = "ICD-10";
		break;
	case NOTES_T_SUBSTANCE:
	case NOTES_T_CLASS:
		if (!substance(s, k, f))
			return false;
		treatment_context(s, k, f);
		return true;
	default:
		return false;
	}
	f->context = context(s, k, false, &f->trigger);
	if (f->context == 0 && event_dated(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = s->words[list_item_first(s, k) + 1].key;
	} else if (f->context == 0 &&
		   (is_event(f->code) || f->code[0] == 'C') &&
		   dated_after(s, k)) {
		/* an event or a cancer an English list item dates ("inferior
		 * MI 2016", "breast cancer in 2018") is over; a condition
		 * dated goes on ("T2DM 2010") */
		f->context = NOTES_HISTORICAL;
		f->trigger = "dated";
	}
	return true;
}

static bool delabelled(const notes_finding *f);

/* seen: has out a finding of f's kind, code and context already?  A
 * note names a drug many times; its first mention stands for them, with
 * a later mention's de-labelling as its trigger ("青霉素皮试阴性 ...
 * 已移除青霉素过敏标签"), so that delabel() finds it, and a list's
 * status that stops it, so that unstop() does. */
static bool
seen(notes_reading *out, const notes_finding *f)
{
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *g = &out->findings[i];

		if (g->kind != f->kind || g->context != f->context ||
		    strcmp(g->code, f->code) != 0)
			continue;
		if (delabelled(f) || strcmp(f->trigger, ROW_STOPPED) == 0)
			g->trigger = f->trigger;
		return true;
	}
	return false;
}

/* only_marks: is text[from, to) only spaces and the characters of
 * marks? */
static bool
only_marks(const char *text, uint32_t from, uint32_t to, const char *marks)
{
	for (uint32_t i = from; i < to; i++) {
		/* a full-width colon is a colon */
		if (strchr(marks, ':') && colon_at(text, i, to) == text + i &&
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

/* inline_heading: does the line start with a heading of words that
 * name no substance, a colon after them ("Current meds: levothyroxine")?
 * It ends an allergy list.  Words that name a problem before the colon
 * are an item of the list under a heading ("2.肺癌合并阻塞性肺炎：…",
 * "1.糖尿病控制不佳：加上…"), not a heading of their own. */
static bool
inline_heading(const sentence *s)
{
	const char *colon;

	if (s->n < 2)
		return false;
	colon = colon_at(s->text, s->words[0].start, s->words[s->n - 1].start);
	if (colon == NULL)
		return false;
	for (size_t k = 0; k < s->n_items; k++) {
		notes_type t = s->items[k].e->type;

		if (s->text + s->items[k].start > colon)
			break;
		if (t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS ||
		    t == NOTES_T_PROBLEM)
			return false;
	}
	return true;
}

/* cues_only: is every word of s in an allergy cue ("Allergies / adverse
 * drug reactions")?  Such a line is a heading without its colon. */
static bool
cues_only(const sentence *s)
{
	size_t w = 0;

	for (size_t k = 0; k < s->n_items; k++) {
		if (s->items[k].e->type != NOTES_T_ALLERGY_CUE ||
		    s->items[k].w0 != w)
			return false;
		w = s->items[k].w1;
	}
	return w == s->n;
}

/* cues_noted: are the words of s allergy cues up to a note in brackets
 * that ends its line ("ALLERGY / ADR STATUS  (all sources checked and
 * agree unless stated)")?  The note says how the list was checked, as
 * 过敏史（…）： does; the heading is the cues before it. */
static bool
cues_noted(const sentence *s, uint32_t line_end)
{
	size_t w = 0, k = 0;
	const char *open;

	for (; k < s->n_items && s->items[k].w0 == w &&
	       s->items[k].e->type == NOTES_T_ALLERGY_CUE;
	     k++)
		w = s->items[k].w1;
	if (w == 0 || w == s->n)
		return false;
	open = memchr(s->text + s->items[k - 1].end, '(',
		      s->words[w].start - s->items[k - 1].end);
	return open != NULL &&
	       only_marks(s->text, s->items[k - 1].end,
			  (uint32_t)(open - s->text), "/-") &&
	       memchr(open, ')', line_end - (uint32_t)(open - s->text)) !=
		       NULL &&
	       line_end > 0 && s->text[line_end - 1] == ')';
}

/* allergy_titled: is s a heading line (a colon ends it, after text
 * [last, line end)) that opens with an English allergy cue and names no
 * drug or problem ("ALLERGIES/INTOLERANCES (verified):", "Allergies and
 * adverse reactions:")?  The lines under it are its list, a table's rows
 * ("| Codeine | severe constipation | intolerance |") too. */
static bool
allergy_titled(const sentence *s, uint32_t last, uint32_t line_end)
{
	const notes_entry *e = s->items[0].e;

	if (s->n_items == 0 || s->items[0].w0 > 1 ||
	    e->type != NOTES_T_ALLERGY_CUE ||
	    (unsigned char)e->key[0] >= 0x80 ||
	    !only_marks(s->text, last, line_end, ":-)") ||
	    (!colon_at(s->text, last, line_end) && !cues_only(s) &&
	     !cues_noted(s, line_end)))
		return false;
	for (size_t k = 1; k < s->n_items; k++) {
		notes_type t = s->items[k].e->type;

		if (t != NOTES_T_ALLERGY_CUE && t != NOTES_T_REACTION)
			return false;
	}
	return true;
}

/* allergy_heading_noted_zh: is s, its last word ending at last and its
 * line at to, an allergy heading with a note in full-width brackets
 * before its colon ("过敏史（患者提供的过敏卡片，逐条核对）：", "藥物過敏史
 * （多重）：", Hong Kong's "Drug allergy（CMS）：", an English word before
 * the cue as allergy_titled allows)?  The note says where the list came
 * from; the lines under it are the list. */
static bool
allergy_heading_noted_zh(const sentence *s, uint32_t last, uint32_t to)
{
	const item *it = &s->items[0];
	const char *open = "\xef\xbc\x88", *close = "\xef\xbc\x89";
	uint32_t i = last;

	if (s->n_items == 0 || it->w0 > (s->words[0].han ? 0u : 1u) ||
	    it->e->type != NOTES_T_ALLERGY_CUE ||
	    memcmp(s->text + it->end, open, 3) != 0)
		return false;
	while (i < to && s->text[i] == ' ')
		i++;
	if (i + 3 > to || memcmp(s->text + i, close, 3) != 0)
		return false;
	return only_marks(s->text, i + 3, to, ":-") &&
	       colon_at(s->text, i + 3, to) != NULL;
}

/* allergy_heading_joined_zh: is s, its last word ending at last and its
 * line at to, Chinese allergy cues joined as one heading alone on the
 * line, a word such as 史 after them at most ("过敏/不良反应史：",
 * "过敏及不良反应：")?  The lines under it are the list, as under
 * "过敏史：". */
static bool
allergy_heading_joined_zh(const sentence *s, uint32_t last, uint32_t to)
{
	size_t j;

	if (s->n_items < 2 || s->items[0].w0 != 0 || !s->words[0].han ||
	    s->items[0].e->type != NOTES_T_ALLERGY_CUE)
		return false;
	j = zh_head_last(s);
	return j + 1 == s->n_items && s->n - s->items[j].w1 <= 1 &&
	       only_marks(s->text, last, to, ":-");
}

/* heading: is s, ended by end, a line that is a heading?  An allergy
 * heading is an allergy cue alone on its line, of at most two words or
 * the whole line ("Allergies:", "ALLERGIES", "Drug allergies -",
 * "过敏史："); another is a line
 * whose last word a colon ends ("Medications on admission:"). */
static bool
heading(const sentence *s, const notes_tok *end, bool *allergies)
{
	uint32_t last;

	*allergies = false;
	if (s->n == 0)
		return false;
	if (inline_heading(s))
		return true;
	/* a line ends at a line break or the text's end; a sentence cut
	 * at NOTES_SENTENCE_WORDS (end is its last word) is no line */
	if (end->type == NOTES_TOK_WORD ||
	    (end->type == NOTES_TOK_SENTENCE && s->text[end->start] != '\n'))
		return false;
	last = s->words[s->n - 1].end;
	if (last > end->start)
		return false;
	*allergies = (s->n <= 2 || s->items[0].w0 == 0) && s->n_items == 1 &&
		     s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
		     s->items[0].w1 == s->n &&
		     only_marks(s->text, last, end->start, ":-");
	*allergies = *allergies || allergy_titled(s, last, end->start) ||
		     allergy_heading_noted_zh(s, last, end->start) ||
		     allergy_heading_joined_zh(s, last, end->start);
	return *allergies || (only_marks(s->text, last, end->start, ":-") &&
			      colon_at(s->text, last, end->start));
}

/* Chinese words a section's name may carry before it ("麻醉计划：",
 * "手术计划："). */
#define HEADING_QUALIFIER_WORDS 4

/* qualified_heading_zh: does s open with a few Chinese characters and
 * then its first item, a section's name, a colon right after it ("麻醉
 * 计划：", "麻醉計畫：")?  The heading is that section, qualified: what
 * the anaesthetist plans is planned as the ward's plan is. */
static bool
qualified_heading_zh(const sentence *s)
{
	const item *it = &s->items[0];
	const char *colon;

	if (it->w0 > HEADING_QUALIFIER_WORDS)
		return false;
	for (size_t w = 0; w < it->w0; w++)
		if (!s->words[w].han)
			return false;
	/* alone on its line, heading() has seen the colon that ends it */
	if (it->w1 == s->n)
		return true;
	colon = colon_at(s->text, it->end, s->words[it->w1].start);
	return colon == s->text + it->end;
}

/* section_of returns the section trigger that heading s starts with
 * ("既往史：", "家族史：…"), or NULL: its context holds for the lines
 * under it until a blank line or the next heading. */
static const notes_entry *
section_of(const sentence *s)
{
	const notes_entry *e = s->n_items ? s->items[0].e : NULL;

	if (e == NULL || !(e->dir & NOTES_DIR_SECTION) ||
	    (s->items[0].w0 != 0 && !qualified_heading_zh(s)))
		return NULL;
	return e;
}

/* keep adds f to out unless seen; false when out is full. */
static bool
keep(notes_reading *out, const notes_finding *f)
{
	if (seen(out, f))
		return true;
	if (out->n == NOTES_FINDINGS_MAX) {
		out->stopped = "more than " NOTES_FINDINGS_MAX_TEXT
			       " findings: the rest not read";
		return false;
	}
	out->findings[out->n++] = *f;
	return true;
}

/* taken_before: is f an allergy to a drug or class that a Chinese
 * history word dates ("以前用过曲马多，吐得很厉害", "原服二甲双胍，因腹泻
 * 不能耐受", "既往服用磺胺类消炎药后出现皮疹")?  The word dates the drug,
 * which was taken then; the allergy holds now. */
static bool
taken_before(const notes_finding *f)
{
	unsigned other = NOTES_NEGATED | NOTES_HYPOTHETICAL | NOTES_FAMILY;

	return f->kind == NOTES_ALLERGY && (f->context & NOTES_HISTORICAL) &&
	       !(f->context & other) && (unsigned char)f->trigger[0] >= 0x80;
}

/* undated drops the date of an English allergy ("a bad reaction to
 * trimethoprim years ago", "swelling with amoxycillin a long time ago"):
 * the reaction was then, the allergy holds now, and a dated allergy
 * still stops the drug.  The date is the reaction's, not the drug's: no
 * past medicine is read from it (the Chinese history words, which date
 * the drug taken, are taken_before's). */
static void
undated(notes_finding *f)
{
	if (f->kind != NOTES_ALLERGY || !(f->context & NOTES_HISTORICAL) ||
	    (unsigned char)f->trigger[0] >= 0x80)
		return;
	f->context &= ~NOTES_HISTORICAL;
	if (f->context == 0)
		f->trigger = "";
}

/* keep_finding adds f to out, a dated allergy as the allergy and, to a
 * substance, the past medicine (a class named is no medicine); false
 * when out is full. */
static bool
keep_finding(notes_reading *out, notes_finding *f)
{
	notes_finding past;

	if (!taken_before(f)) {
		undated(f);
		return keep(out, f);
	}
	past = *f;
	past.kind = NOTES_MEDICINE;
	past.reaction = "";
	f->context &= ~NOTES_HISTORICAL;
	if (f->context == 0)
		f->trigger = ""; /* no context, no trigger */
	if (strcmp(f->system, "substance") != 0)
		return keep(out, f);
	return keep(out, f) && keep(out, &past);
}

/* line_lead: the bytes before word w0 of s back to its line's start, if
 * they are only spaces and bullets; NULL when another word comes first. */
static const char *
line_lead(const sentence *s)
{
	const char *p = s->text + s->words[0].start;

	while (p > s->text && strchr(" \t-*\xe2\x80\xa2", p[-1]) != NULL &&
	       p[-1] != '\0')
		p--;
	return p == s->text || p[-1] == '\n' ? p : NULL;
}

/* bulleted: does s start a line with a bullet ("- VTE: enoxaparin")?
 * Such a line is an item of the list it is in, so its own heading does
 * not end the section above it ("Plan:"). */
static bool
bulleted(const sentence *s)
{
	const char *p = line_lead(s);
	const char *word = s->text + s->words[0].start;

	for (; p != NULL && p < word; p++)
		if (*p == '-' || *p == '*' || *p == '\xe2')
			return true;
	return false;
}

/* clock_stamped: does s open with a 24-hour clock time ("0730 ALLERGY
 * BAND CHECKED - … reads: …")?  A flowsheet stamps each entry with its
 * time; the entry, its heading too, starts after the stamp.  Returns the
 * words the stamp takes: 1 or 0. */
static size_t
clock_stamped(const sentence *s)
{
	const char *key = s->n > 1 ? s->words[0].key : "";

	if (strlen(key) != 4 || strspn(key, "0123456789") != 4)
		return 0;
	return (key[0] < '2' || (key[0] == '2' && key[1] < '4')) &&
	       key[2] < '6';
}

/* cues_lead: the last of the allergy cues that open s before any other
 * phrase ("Allergies/intolerances: ramipril", "ALLERGY BAND CHECKED -
 * red band on L wrist reads: …"): the colon after them opens the line's
 * list. */
static size_t
cues_lead(const sentence *s)
{
	size_t k = 0;

	while (k + 1 < s->n_items &&
	       s->items[k + 1].e->type == NOTES_T_ALLERGY_CUE)
		k++;
	return k;
}

/* allergy_line: does s start a line with an allergy cue and a colon
 * ("Allergies: latex (dermatitis); chlorhexidine - hives",
 * "Allergies/ADRs: …")?  Every drug on the rest of the line is an
 * allergy, and "Allergies: YES - see list" opens a list on the lines
 * under it.  English only: a Chinese 过敏史 line has its own rules. */
static bool
allergy_line(const sentence *s)
{
	return s->n_items > 0 && s->items[0].w0 == clock_stamped(s) &&
	       s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
	       (unsigned char)s->items[0].e->key[0] < 0x80 &&
	       colon_after(s, cues_lead(s)) && line_lead(s) != NULL;
}

/* names_none: does s name no drug and no "no known allergies" after its
 * first item ("Allergies: YES - see list")? */
static bool
names_none(const sentence *s)
{
	for (size_t k = 1; k < s->n_items; k++) {
		notes_type t = s->items[k].e->type;

		if (t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS ||
		    t == NOTES_T_NONE_KNOWN)
			return false;
	}
	return true;
}

/* line_ends: does end close s's line? */
static bool
line_ends(const sentence *s, const notes_tok *end)
{
	return end->type == NOTES_TOK_END ||
	       (end->type == NOTES_TOK_SENTENCE && s->text[end->start] == '\n');
}

/* sub_label: does heading s start after another sentence on the line of
 * an English section's heading, or a Chinese plan's ("Plan: GA + LMA.
 * Bring CPAP on day.  Analgesia: paracetamol", "麻醉计划：气管插管全麻。
 * 术后镇痛：对乙酰氨基酚")?  A label inside the section's own line is
 * part of it, as a bulleted sub-heading is: the section goes on. */
static bool
sub_label(const sentence *s)
{
	uint32_t from = s->section_at, to = s->words[0].start;

	return s->section != NULL &&
	       ((unsigned char)s->section->key[0] < 0x80 ||
		(s->section->dir & NOTES_DIR_PLAN)) &&
	       s->section_inline && from < to &&
	       memchr(s->text + from, '\n', to - from) == NULL;
}

/* numbered: does s open a numbered step, its number and a full stop,
 * a bracket or an enumeration comma before its first word ("2. ",
 * "3) ", "4、")?  The scanner keeps no such mark as a word. */
static bool
numbered(const sentence *s)
{
	const char *p = s->text + s->words[0].start;

	while (p > s->text && p[-1] == ' ')
		p--;
	if (p - s->text >= 4 && memcmp(p - 3, "\xe3\x80\x81", 3) == 0)
		p -= 2; /* 、 */
	else if (p > s->text && (p[-1] == '.' || p[-1] == ')'))
		;
	else
		return false;
	return p - s->text >= 2 && isdigit((unsigned char)p[-2]);
}

/* plan_step_zh: is heading s a numbered step of a Chinese plan, a label
 * and a colon of its own ("诊疗计划：1. …；2. 术后镇痛：对乙酰氨基酚",
 * "4. PONV高风险：地塞米松…")?  The label names the step's purpose; the
 * plan's heading still holds what it plans. */
static bool
plan_step_zh(const sentence *s)
{
	return s->section != NULL && (s->section->dir & NOTES_DIR_PLAN) &&
	       (unsigned char)s->section->key[0] >= 0x80 && s->n > 1 &&
	       numbered(s) && section_of(s) == NULL;
}

/* allergen_kind_zh: is heading s, under an allergy list, a label of
 * the kind of allergen its line lists ("过敏史：\n  药物：曲马多（头晕）
 * \n  食物：海鲜\n  其他：无")?  The record's form parts its allergies so;
 * the line is an item of the list, as a bulleted one is. */
static bool
allergen_kind_zh(const sentence *s)
{
	static const char *const kinds[] = {"药物", "药品", "食物",
					    "其他", "环境", "接触"};
	const char *colon;

	if (!s->allergy_list || s->n < 3 || !s->words[0].han ||
	    !words_in(s, 0, kinds, sizeof(kinds) / sizeof(*kinds)))
		return false;
	colon = colon_at(s->text, s->words[1].end, s->words[2].start);
	return colon != NULL && line_lead(s) != NULL;
}

/* form_field: is allergy line s a form's field, answered in a
 * checkbox ("Drug allergy: [x] Yes [ ] No")?  The form's next lines
 * are its other fields ("Food allergy: prawns", "Latex allergy: [ ] Yes
 * [x] No"), no list of the answer's, so the entries written under it
 * are read by their own cues ("1. Bactrim - rash"). */
static bool
form_field(const sentence *s)
{
	uint32_t from = s->items[0].end, to = s->words[s->n - 1].end;

	return memchr(s->text + from, '[', to - from) != NULL;
}

/* open_section sets what heading s opens: an allergy list, an allergy
 * line, a section (a bulleted line's heading keeps the section it is
 * under). */
static void
open_section(sentence *s, const notes_tok *end, bool allergies)
{
	/* a bulleted line's label ("- GP summary: …") is an item of the
	 * allergy list it is in, as it is of any section */
	bool kept = s->allergy_list && (bulleted(s) || allergen_kind_zh(s)) &&
		    !allergies;

	s->allergy_line = allergy_line(s);
	s->allergy_head = s->allergy_line;
	s->allergy_list = allergies || kept ||
			  (s->allergy_line && names_none(s) &&
			   line_ends(s, end) && !form_field(s));
	if (((!bulleted(s) && !sub_label(s)) || section_of(s) != NULL) &&
	    !plan_step_zh(s)) {
		s->section = section_of(s);
		s->section_inline = s->section && s->items[0].w1 < s->n;
		s->section_at = s->words[0].start;
	}
}

/* records_intolerance: does s record an intolerance ("Morphine -
 * vomiting (intolerance, not allergy per pt)")?  Then its "not allergy"
 * says what kind of reaction it was, not that there was none. */
static bool
records_intolerance(const sentence *s)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(s->items[j].e->key, "intoleran") != NULL)
			return true;
	return false;
}

/* paren_drug returns the drug right before the parenthesis that cue
 * item j of s sits in, or NULL when j is outside parentheses or no drug
 * comes before the one it sits in: a remark in parentheses is about what
 * it follows ("clozapine 350 mg nocte, lithium stopped 2024 (tremor +
 * polyuria - not an allergy)": lithium's, not clozapine's).  A drug the
 * patient was switched to is passed over: the remark is about the one
 * given up ("Eliquis - caused a nosebleed, her GP switched her to
 * warfarin 2024 (... it's a side effect really ...)"). */
static const item *
paren_drug(const sentence *s, size_t j)
{
	for (size_t m = j; m-- > 0;) {
		if ((s->items[m].e->type != NOTES_T_SUBSTANCE &&
		     s->items[m].e->type != NOTES_T_CLASS) ||
		    switched_to(s, m))
			continue;
		return opens_after_item(s, m, j) ? &s->items[m] : NULL;
	}
	return NULL;
}

/* paren_from_prior: does item j of s sit in an ASCII parenthesis opened
 * after the paragraph's last drug before s, lines back ("olanzapine ?\n
 * (weight gain, a side effect;\nI have asked pharmacy to remove it from
 * the allergy list)": the wrapped remark is olanzapine's)? */
static bool
paren_from_prior(const sentence *s, size_t j)
{
	bool open = false;

	for (uint32_t i = s->prior_last.end; i < s->items[j].start; i++)
		if (s->text[i] == '(')
			open = true;
		else if (s->text[i] == ')')
			open = false;
	return open;
}

/* allergic_sign: is item it a manifestation of a true allergy (the WAO
 * nomenclature's and FHIR's rows of cues.csv: "anaphylaxis", "hives",
 * "过敏性休克"), not a side effect ("diarrhoea", "胃不适") or an itch that
 * may be the drug's histamine effect? */
static bool
allergic_sign(const item *it)
{
	static const char *const signs[] = {"anaphylaxis",
					    "anaphylactic",
					    "anaphylactic reaction",
					    "rash",
					    "hives",
					    "urticaria",
					    "angioedema",
					    "bronchospasm",
					    "wheeze",
					    "sjs",
					    "stevens johnson syndrome",
					    "皮疹",
					    "红疹",
					    "荨麻疹",
					    "风团",
					    "过敏性休克",
					    "血管性水肿",
					    "喉头水肿",
					    "支气管痉挛"};

	return keyed_among(it, NOTES_T_REACTION, signs,
			   sizeof(signs) / sizeof(*signs));
}

/* own_allergy: does an allergic sign stand after byte from and before
 * byte to of s (a drug's own story, told before the next drug)? */
static bool
own_allergy(const sentence *s, uint32_t from, uint32_t to)
{
	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].start >= from && s->items[m].start < to &&
		    allergic_sign(&s->items[m]))
			return true;
	return false;
}

/* told_tolerated: is drug item m told as taken without harm, by a
 * tolerance cue right before it ("tolerated amoxicillin") or after it
 * before the next drug or item j ("amoxicillin ... without any
 * problem")? */
static bool
told_tolerated(const sentence *s, size_t m, size_t j)
{
	if (m > 0 && s->items[m - 1].e->type == NOTES_T_TOLERATED)
		return true;
	for (size_t k = m + 1; k < j && !is_drug(&s->items[k]); k++)
		if (s->items[k].e->type == NOTES_T_TOLERATED)
			return true;
	return false;
}

/* verdict_subject returns the drug, from item d on, that a verdict at
 * item j speaks of: past each drug whose own story before the next drug
 * tells a true allergy, to a drug not told as tolerated ("Penicillin
 * allergy (anaphylaxis); co-amoxiclav - diarrhoea, not an allergy":
 * co-amoxiclav's, never the penicillin's).  A drug told as taken without
 * harm is evidence for the verdict, not its subject ("PCN - listed
 * from a childhood rash, but she completed a full course of amoxicillin
 * ... without any problem; not a true allergy": the penicillin's). */
static size_t
verdict_subject(const sentence *s, size_t d, size_t j)
{
	for (size_t m = d + 1; m < j; m++) {
		if (!is_drug(&s->items[m]) || told_tolerated(s, m, j))
			continue;
		if (!own_allergy(s, s->items[d].end, s->items[m].start))
			break;
		d = m;
	}
	return d;
}

/* spoken_of returns the drug that cue item j of s speaks of: the first
 * drug of s before it, past those with a true allergy of their own
 * (verdict_subject), or, when s names none before it, the first drug of
 * the sentence before in the paragraph ("- Morphine - itching.
 * Discussed: this is a histamine effect, not an allergy"); or NULL. */
static const item *
spoken_of(const sentence *s, size_t j)
{
	size_t d = first_drug(s, j);
	const item *bracketed = paren_drug(s, j);

	if (bracketed != NULL)
		return bracketed;
	if (d < j)
		return &s->items[verdict_subject(s, d, j)];
	if (s->prior_last.e != NULL && paren_from_prior(s, j))
		return &s->prior_last;
	if (bulleted(s))
		return NULL; /* a new bullet is a new entry, not the last's */
	return s->prior.e != NULL ? &s->prior : NULL;
}

/* allergy_of fills f as an allergy to drug item d, with no reaction,
 * in context (its trigger the cue that set it). */
static void
allergy_of(const item *d, unsigned context, const char *trigger,
	   notes_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = NOTES_ALLERGY;
	f->code = d->e->code;
	f->display = d->e->display;
	f->system = d->e->type == NOTES_T_SUBSTANCE ? "substance" : "class";
	f->reaction = "";
	f->start = d->start;
	f->end = d->end;
	f->context = context;
	f->trigger = trigger;
}

/* paren_verdict: is not-allergy cue j of s a verdict in the parenthesis
 * right after its drug, with no intolerance cue between them ("codeine:
 * constipation (side effect, not allergy)")?  The entry is then no
 * allergy, wherever it is filed; "Morphine - vomiting (intolerance, not
 * allergy per pt)" names it an intolerance, an allergy. */
static bool
paren_verdict(const sentence *s, size_t j)
{
	const item *d = paren_drug(s, j);

	if (d == NULL)
		return false;
	for (size_t m = (size_t)(d - s->items) + 1; m < j; m++)
		if (s->items[m].e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(s->items[m].e->key, "intoleran") != NULL)
			return false;
	return true;
}

/* joined_words: is text[from, to) only a list's joining: spaces, a
 * comma or slash, "and" or "or"? */
static bool
joined_words(const char *text, uint32_t from, uint32_t to)
{
	static const char *const joins[] = {"and", "or"};

	while (from < to && strchr(" \t,/", text[from]) != NULL)
		from++;
	while (to > from && strchr(" \t,/", text[to - 1]) != NULL)
		to--;
	for (size_t i = 0; i < sizeof(joins) / sizeof(*joins); i++)
		if (to - from == strlen(joins[i]) &&
		    strncmp(text + from, joins[i], to - from) == 0)
			return true;
	return from == to;
}

/* disown_joined negates, as d is, the drugs joined to drug d in a list
 * before not-allergy cue j ("Her co-amoxiclav and erythromycin reactions
 * were gastrointestinal side effects, not an allergy"): the verdict is
 * on each.  False when out is full. */
static bool
disown_joined(const sentence *s, const item *d, size_t j, notes_reading *out)
{
	for (size_t m = (size_t)(d - s->items) + 1; m < j; m++) {
		const item *it = &s->items[m];
		notes_finding f;

		if (!is_drug(it) ||
		    !joined_words(s->text, s->items[m - 1].end, it->start))
			break;
		allergy_of(it, NOTES_NEGATED, s->items[j].e->key, &f);
		if (!keep(out, &f))
			return false;
	}
	return true;
}

/* disowned_allergy reads the drug a "not an allergy" of s speaks of as a
 * negated allergy ("Ondansetron: pt reports \"allergic\" - gets a
 * headache with it; side effect, not an allergy"; "can't take Panadol -
 * gets itchy, but ... - not an allergy"): the writer says the reaction
 * is no allergy, so it stops no drug; its trigger de-labels the note's
 * other mentions of that allergy (delabel).  A record cue whose
 * sentence names no drug before it names the drug spoken of the same
 * way ("Septrin - \"made me really sick\".  Added to record as
 * intolerance."): an allergy.  A "not an allergy" in the parenthesis
 * right after its drug disowns it wherever the entry is filed
 * ("recorded as \"codeine: constipation (side effect, not allergy)\" in
 * the intolerance field").  False when out is full. */
static bool
disowned_allergy(const sentence *s, notes_reading *out)
{
	for (size_t j = 0; j < s->n_items; j++) {
		const notes_entry *e = s->items[j].e;
		const item *d = spoken_of(s, j);
		bool disown = e->type == NOTES_T_PSEUDO &&
			      (e->dir & NOTES_DIR_NOT_ALLERGY) &&
			      (!records_intolerance(s) || paren_verdict(s, j));
		bool record = (e->dir & NOTES_DIR_RECORDED) &&
			      e->type == NOTES_T_ALLERGY_CUE &&
			      first_drug(s, j) == j;
		notes_finding f;

		if (d == NULL || !(disown || record))
			continue;
		allergy_of(d, disown ? NOTES_NEGATED : 0, disown ? e->key : "",
			   &f);
		if (!keep(out, &f) || (disown && !disown_joined(s, d, j, out)))
			return false;
	}
	return true;
}

/* The trigger of an allergy the note says was a relative's, not the
 * patient's. */
static const char misattributed[] = "it was a relative's";

/* relative_at: is word w a relative's (a family trigger, "mum", "dad")? */
static bool
relative_at(const sentence *s, size_t w)
{
	for (size_t k = 0; k < s->n_items; k++)
		if (s->items[k].w0 == w &&
		    s->items[k].e->type == NOTES_T_FAMILY)
			return true;
	return words_in(s, w, relatives,
			sizeof(relatives) / sizeof(*relatives));
}

/* was_relative returns the word of the relative that "it was" or "that
 * was" names in s ("says it was his brother who is allergic", "that was
 * her sister's allergy, not hers"), or s->n. */
static size_t
was_relative(const sentence *s)
{
	for (size_t w = 1; w + 1 < s->n; w++) {
		size_t r = w + 1;

		if (!words_at(s, w, "was") ||
		    !(words_at(s, w - 1, "it") || words_at(s, w - 1, "that")))
			continue;
		if (r + 1 < s->n &&
		    (words_at(s, r, "his") || words_at(s, r, "her") ||
		     words_at(s, r, "your") || words_at(s, r, "their")))
			r++;
		if (relative_at(s, r))
			return r;
	}
	return s->n;
}

/* misattributed_drug returns the drug whose allergy s gives to a
 * relative at word r: the first drug after the relative ("it was your
 * mother who is allergic to penicillin"), else the last before it
 * ("\"penicillin\" on GP record which pt denies - says it was his
 * brother"), else the sentence before's; NULL when none. */
static const item *
misattributed_drug(const sentence *s, size_t r)
{
	const item *last = NULL;

	for (size_t k = 0; k < s->n_items; k++) {
		if (!is_drug(&s->items[k]))
			continue;
		if (s->items[k].w0 > r)
			return &s->items[k];
		last = &s->items[k];
	}
	if (last == NULL && s->prior.e != NULL)
		last = &s->prior;
	return last;
}

/* misattributed_allergy reads an allergy s says was a relative's as the
 * patient's negated and the relative's (family); the negation stands
 * for the note's other mentions of the patient's (misattributed_code).
 * False when out is full. */
static bool
misattributed_allergy(const sentence *s, notes_reading *out)
{
	size_t r = was_relative(s);
	const item *d = r < s->n ? misattributed_drug(s, r) : NULL;
	notes_finding f;

	if (d == NULL)
		return true;
	allergy_of(d, NOTES_NEGATED, misattributed, &f);
	if (!keep(out, &f))
		return false;
	allergy_of(d, NOTES_FAMILY, misattributed, &f);
	return keep(out, &f);
}

/* denied_mention: does its own sentence deny drug item k an allergy
 * ("does not predict reactions to other cephalosporins")?  It is no
 * subject a later sentence's record cue speaks of ("Cefaclor (not in our
 * formulary) remains on her list as an allergy"). */
static bool
denied_mention(const sentence *s, size_t k)
{
	const char *trigger;

	return (context(s, k, true, &trigger) & NOTES_NEGATED) != 0;
}

/* remember_subject keeps s's first drug, past those with a true allergy
 * of their own (verdict_subject: "Penicillin - anaphylaxis; co-amoxiclav
 * - nausea. Not an allergy."), as the one the next sentence may speak
 * of; a sentence of no words (the line break after a full stop) changes
 * nothing. */
static void
remember_subject(sentence *s)
{
	size_t d = first_drug(s, s->n_items);

	if (s->n == 0)
		return;
	s->prior.e = NULL;
	if (d < s->n_items)
		d = verdict_subject(s, d, s->n_items);
	if (d < s->n_items && !denied_mention(s, d))
		s->prior = s->items[d];
	for (size_t m = s->n_items; m-- > d;)
		if (is_drug(&s->items[m])) {
			s->prior_last = s->items[m];
			break;
		}
}

/* keep_disowned adds, for drug item k that a not-allergy cue names, its
 * allergy negated by that cue: a de-labelling, so delabel() drops the
 * note's other mentions of the allergy ("患者入院时诉“青霉素过敏”，…，
 * 非过敏反应").  What item k says of the drug otherwise (a medicine
 * taken) stands beside it.  False when out is full. */
static bool
keep_disowned(const sentence *s, size_t k, notes_reading *out)
{
	const item *it = &s->items[k], *cue;
	notes_finding f;

	if (!is_drug(it))
		return true;
	if ((cue = disowned_by(s, k)) != NULL)
		allergy_of(it, NOTES_NEGATED, cue->e->key, &f);
	else if (denied_zh(s, k))
		allergy_of(it, NOTES_NEGATED, "非过敏", &f);
	else
		return true;
	return keep(out, &f);
}

/* delabel_after: the de-labelling trigger after item k in s ("已解释病人
 * 无此过敏"), or NULL. */
static const item *
delabel_after(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (s->items[m].e->type == NOTES_T_NEGATED &&
		    (s->items[m].e->dir & NOTES_DIR_DELABEL))
			return &s->items[m];
	return NULL;
}

/* keep_relatives keeps, beside a Chinese allergy the writer says is a
 * relative's and was put on the patient (mislabelled_zh, read as
 * family), the patient's label of it denied; beside a relative's own
 * (relative_self_zh) the patient's denied by a de-labelling after it
 * ("因其本人对吗啡过敏——已解释病人无此过敏"), so that delabel() finds it. */
static bool
keep_relatives(const sentence *s, size_t k, notes_reading *out)
{
	const item *d;
	notes_finding f;

	if (!is_drug(&s->items[k]))
		return true;
	if (relative_self_zh(s, k) && (d = delabel_after(s, k)) != NULL)
		allergy_of(&s->items[k], NOTES_NEGATED, d->e->key, &f);
	else if (mislabelled_zh(s, k))
		allergy_of(&s->items[k], NOTES_NEGATED, "为其", &f);
	else
		return true;
	return keep(out, &f);
}

/* keep_given_up keeps, beside the allergy a lay intolerance makes
 * (lay_effect), the drug as a medicine the patient no longer takes:
 * refused ("refuses codeine because ...") is negated, come off
 * ("stopped", "tried ... but") historical.  "cannot take codeine - it
 * makes him sick" names an allergy only: nothing says it was taken.  f is item
 * k's finding.  False when out is full. */
static bool
keep_given_up(const sentence *s, size_t k, const notes_finding *f,
	      notes_reading *out)
{
	static const char *const refused[] = {"refuses", "refused"};
	static const char *const cannot[] = {"can't", "cannot"};
	const item *d = &s->items[k];
	size_t before = d->w0 > LAY_BEFORE_WORDS ? d->w0 - LAY_BEFORE_WORDS : 0;
	notes_finding m;

	if (f->kind != NOTES_ALLERGY || d->e->type != NOTES_T_SUBSTANCE ||
	    s->words[d->w0].han || lay_effect(s, k) == NULL ||
	    any_in(s, before, d->w0, cannot, 2))
		return true;
	if (any_in(s, before, d->w0, refused, 2))
		allergy_of(d, NOTES_NEGATED, "refuses", &m);
	else
		allergy_of(d, NOTES_HISTORICAL, "stopped", &m);
	m.kind = NOTES_MEDICINE;
	return keep(out, &m);
}

/* The words of a writer who doubts a label they keep ("so I doubt this is
 * a true allergy", "PCN label likely inaccurate", "Unverified.", "GP
 * queried viral rash", "not sure it was the cipro", "?true allergy",
 * "whether true allergy or viral exanthem", "rather than true allergy"). */
static const char *const doubts[] = {
	"doubt",	"doubtful",	"inaccurate",	   "unverified",
	"questionable", "unlikely",	"queried",	   "not sure",
	"? true",	"whether true", "rather than true"};

/* phrase_at: do the words of s from w spell phrase, its words one space
 * apart? */
static bool
phrase_at(const sentence *s, size_t w, const char *phrase)
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

/* doubt_word returns the doubt phrase of s (from doubts), or NULL; *w
 * its first word's place. */
static const char *
doubt_word(const sentence *s, size_t *w)
{
	for (*w = 0; *w < s->n; (*w)++)
		for (size_t i = 0; i < sizeof(doubts) / sizeof(*doubts); i++)
			if (phrase_at(s, *w, doubts[i]))
				return doubts[i];
	return NULL;
}

/* doubtable: is f an allergy that a doubt may qualify: affirmed, or
 * negated only by a drug tolerated ("she has tolerated Augmentin ... so
 * PCN label likely inaccurate")? */
static bool
doubtable(const notes_finding *f)
{
	const notes_entry *t;

	if (f->kind != NOTES_ALLERGY || f->code[0] == '\0')
		return false;
	if (f->context == 0)
		return true;
	t = notes__find(f->trigger);
	return f->context == NOTES_NEGATED && t != NULL &&
	       t->type == NOTES_T_TOLERATED;
}

/* doubtable_since: does out hold a doubtable allergy found at or after
 * byte from? */
static bool
doubtable_since(const notes_reading *out, uint32_t from)
{
	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;)
		if (doubtable(&out->findings[i]))
			return true;
	return false;
}

/* doubt_allergy makes uncertain the allergy that s doubts: the last one
 * found before the doubt word, on s's line or in the sentence before it
 * on the paragraph (the label the writer speaks of; undoubt drops its
 * other mentions). */
static void
doubt_allergy(const sentence *s, notes_reading *out)
{
	size_t w;
	const char *doubt;
	uint32_t from = s->words[0].start;

	while (from > 0 && s->text[from - 1] != '\n')
		from--;
	if (s->prior.e != NULL && s->prior.start < from)
		from = s->prior.start;
	/* most sentences have no allergy near to doubt: the doubt words
	 * are looked for only when one is */
	if (!doubtable_since(out, from) || (doubt = doubt_word(s, &w)) == NULL)
		return;
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (f->start < from)
			return;
		if (f->start < s->words[w].start && doubtable(f)) {
			f->context = NOTES_UNCERTAIN;
			f->trigger = doubt;
			return;
		}
	}
}

/* negate_line_allergies negates, with trigger, the affirmed allergy
 * last read on s's line before s, or each of them when all. */
static void
negate_line_allergies(const sentence *s, notes_reading *out,
		      const char *trigger, bool all)
{
	uint32_t from = s->words[0].start;

	while (from > 0 && s->text[from - 1] != '\n')
		from--;
	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;) {
		notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == 0 &&
		    f->code[0] != '\0') {
			f->context = NOTES_NEGATED;
			f->trigger = trigger;
			if (!all)
				return;
		}
	}
}

/* delabel_line: does s de-label with no drug of its own ("Allergies: PCN
 * - rash as child. ... allergy delabeled today and removed from EHR")?
 * Then the label removed is the allergy last read on s's line before the
 * de-labelling: it becomes negated, its trigger the de-labelling, so that
 * delabel() removes its other mentions too. */
static void
delabel_line(const sentence *s, notes_reading *out)
{
	size_t j = 0;

	/* a de-labelling trigger, not a "not an allergy" (disowned_allergy
	 * reads that) */
	while (j < s->n_items && (!(s->items[j].e->dir & NOTES_DIR_DELABEL) ||
				  s->items[j].e->type != NOTES_T_NEGATED))
		j++;
	if (j == s->n_items || first_drug(s, s->n_items) < s->n_items ||
	    (unsigned char)s->items[j].e->key[0] >= 0x80)
		return;
	negate_line_allergies(s, out, s->items[j].e->key, false);
}

/* removed_entry: is s the one word "Removed." that closes an entry of
 * an allergy review ("a) Penicillin (amoxicillin 2015, widespread
 * hives on day 2). ... Oral amoxicillin challenge 500 mg was tolerated.
 * REMOVED.")?  Then the allergies its line read are the label removed:
 * each becomes negated, de-labelled, so that delabel() removes their
 * other mentions (and a class's, its members'). */
static void
removed_entry(const sentence *s, notes_reading *out)
{
	if (s->n == 1 && words_at(s, 0, "removed"))
		negate_line_allergies(s, out, "label removed", true);
}

/* names_removed_label: is drug item k the label a sentence says was
 * removed, "removed the <drug> allergy label" ("I have removed the
 * penicillin allergy label from our electronic record")? */
static bool
names_removed_label(const sentence *s, size_t k)
{
	static const char *const owner[] = {"the", "her", "his", "their"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	return is_drug(&s->items[k]) && w0 >= 2 &&
	       words_at(s, w0 - 2, "removed") &&
	       words_in(s, w0 - 1, owner, sizeof(owner) / sizeof(*owner)) &&
	       (words_at(s, w1, "allergy") || words_at(s, w1, "label"));
}

/* removed_named_label: the allergy a sentence de-labels by name
 * becomes negated, its trigger a de-labelling, so that delabel() removes
 * the note's other mentions of it (the question "whether she really is
 * allergic to penicillin" asked before the letter's conclusion).  The
 * mention read as affirmed may have been an earlier one's repeat: then
 * that earlier finding is the label removed. */
static void
removed_named_label(const sentence *s, notes_reading *out)
{
	for (size_t k = 0; k < s->n_items; k++) {
		if (!names_removed_label(s, k))
			continue;
		for (size_t i = out->n; i-- > 0;) {
			notes_finding *f = &out->findings[i];

			if (f->kind == NOTES_ALLERGY && f->context == 0 &&
			    strcmp(f->code, s->items[k].e->code) == 0) {
				f->context = NOTES_NEGATED;
				f->trigger = "removed the allergy label";
				break;
			}
		}
	}
}

/* denial_only: is s the patient's bare denial, "she denies", "pt
 * denies", naming no drug and no problem of its own? */
static bool
denial_only(const sentence *s)
{
	static const char *const who[] = {"she", "he", "pt", "patient"};

	if (s->n < 2 || !words_in(s, 0, who, sizeof(who) / sizeof(*who)) ||
	    !(words_at(s, 1, "denies") || words_at(s, 1, "denied")))
		return false;
	for (size_t k = 0; k < s->n_items; k++)
		if (is_drug(&s->items[k]) ||
		    s->items[k].e->type == NOTES_T_PROBLEM)
			return false;
	return true;
}

/* denied_report: the patient's bare denial right after a reported
 * allergy on its line ("Husband says she is also allergic to
 * \"Brufen\"? - she denies; ...", the question mark ending the report's
 * sentence) negates that allergy. */
static void
denied_report(const sentence *s, notes_reading *out)
{
	if (denial_only(s))
		negate_line_allergies(s, out, "denies", false);
}

/* verdict_not_allergic returns the "not" of a "not allergic" that ends
 * its clause with no drug after it ("\"Morfine\" on allergy band - pt
 * gets itchy only, not allergic per anaesth; PCA fentanyl used"), or
 * s->n_items: a verdict on the drug the sentence began with. */
static size_t
verdict_not_allergic(const sentence *s)
{
	for (size_t j = 0; j + 1 < s->n_items; j++) {
		const item *cue = &s->items[j + 1];
		bool drug_after = false;

		if (s->items[j].e->type != NOTES_T_NEGATED ||
		    strcmp(s->items[j].e->key, "not") != 0 ||
		    cue->e->type != NOTES_T_ALLERGY_CUE ||
		    strcmp(cue->e->key, "allergic") != 0 ||
		    cue->w0 != s->items[j].w1)
			continue;
		for (size_t m = j + 2; m < s->n_items; m++)
			drug_after = drug_after || (is_drug(&s->items[m]) &&
						    !terminated(s, j, m));
		if (!drug_after)
			return j;
	}
	return s->n_items;
}

/* verdict_passes: does the verdict at item j of s speak of a drug after
 * finding f's, f's own story telling a true allergy (verdict_subject:
 * "Penicillin - rash; ondansetron - headache, not allergic")? */
static bool
verdict_passes(const sentence *s, const notes_finding *f, size_t j)
{
	for (size_t d = 0; d < j; d++)
		if (is_drug(&s->items[d]) && s->items[d].start == f->start)
			return verdict_subject(s, d, j) != d;
	return false;
}

/* not_allergic_after negates the allergy that s found before a verdict
 * "not allergic" (verdict_not_allergic): the writer says the reaction
 * told is no allergy. */
static void
not_allergic_after(const sentence *s, notes_reading *out)
{
	size_t j = verdict_not_allergic(s);

	if (j == s->n_items)
		return;
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (f->start < s->words[0].start)
			return;
		if (f->kind == NOTES_ALLERGY && f->context == 0 &&
		    f->start < s->items[j].start && f->code[0] != '\0') {
			if (verdict_passes(s, f, j))
				return;
			f->context = NOTES_NEGATED;
			f->trigger = s->items[j].e->key;
			return;
		}
	}
}

/* sentence_read adds s's findings (s ended by end) to out; false when
 * out is full.  A heading opens or closes an allergy list. */
/* clears: is finding c a statement that the patient has no allergy to
 * its substance: an allergy negated by a de-labelling or a verdict ("非
 * 过敏", "not an allergy"), or a drug taken without harm ("without
 * problems", "没问题")? */
static bool
clears(const notes_finding *c)
{
	const notes_entry *t = notes__find(c->trigger);

	if (t == NULL || c->code[0] == '\0')
		return false;
	if (c->kind == NOTES_ALLERGY && (c->context & NOTES_NEGATED))
		return (t->dir & NOTES_DIR_DELABEL) != 0;
	return t->type == NOTES_T_TOLERATED;
}

/* clause_parted: does a semicolon, ASCII or full-width, stand between
 * bytes from and to of text? */
static bool
clause_parted(const char *text, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		if (text[i] == ';' || strncmp(text + i, "\xef\xbc\x9b", 3) == 0)
			return true;
	return false;
}

/* negate_class negates out's affirmed allergies to class code, with
 * trigger: a member's verdict stands for them. */
static void
negate_class(notes_reading *out, const char *code, const char *trigger)
{
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == 0 &&
		    strcmp(f->code, code) == 0) {
			f->context = NOTES_NEGATED;
			f->trigger = trigger;
		}
	}
}

/* member_clears_class: a sentence that names an allergy class and goes
 * on to clear a member of it (a finding from first on: "病历记载\"头孢过
 * 敏\"，经与患者核实，系头孢呋辛输液时出现静脉炎，为局部刺激，非过敏";
 * "喹诺酮类为口服环丙沙星后\"头晕\"，考虑为药物副作用而非过敏";
 * "\"Penicillin makes me sick\" - GI upset only, pt takes amoxicillin
 * for dental work without problems") explains the class label by that
 * member: the class allergy is negated wherever the note records it.  A
 * member cleared in a sentence that does not name the class, or in
 * another clause of it, leaves the class label: a true class allergy may
 * sit beside one member's side effect ("penicillin anaphylaxis;
 * co-amoxiclav diarrhoea, not an allergy"). */
static void
member_clears_class(const sentence *s, notes_reading *out, size_t first)
{
	for (size_t j = first; j < out->n; j++) {
		const notes_finding *c = &out->findings[j];

		if (!clears(c))
			continue;
		for (size_t k = 0; k < s->n_items; k++) {
			const notes_entry *e = s->items[k].e;

			if (e->type == NOTES_T_CLASS &&
			    s->items[k].start < c->start &&
			    !clause_parted(s->text, s->items[k].end,
					   c->start) &&
			    !own_allergy(s, s->items[k].end, c->start) &&
			    notes__member_of(c->code, e->code))
				negate_class(out, e->code, c->trigger);
		}
	}
}

static bool
sentence_read(sentence *s, const notes_tok *end, notes_reading *out)
{
	bool allergies;
	size_t first = out->n;

	match(s);
	if (heading(s, end, &allergies))
		open_section(s, end, allergies);
	for (size_t k = 0; k < s->n_items; k++) {
		notes_finding f;

		bool found = finding(s, k, &f);

		if (found && !keep_finding(out, &f))
			return false;
		if (!keep_disowned(s, k, out) || !keep_relatives(s, k, out) ||
		    (found && !keep_given_up(s, k, &f, out)))
			return false;
	}
	if (!disowned_allergy(s, out))
		return false;
	doubt_allergy(s, out);
	delabel_line(s, out);
	removed_entry(s, out);
	removed_named_label(s, out);
	denied_report(s, out);
	not_allergic_after(s, out);
	member_clears_class(s, out, first);
	if (!misattributed_allergy(s, out))
		return false;
	remember_subject(s);
	if (line_ends(s, end))
		s->allergy_line = false;
	s->allergy_head = false;
	s->n = 0;
	return true;
}

/* delabelled: is f an allergy negated by a de-labelling trigger ("label
 * removed", "removed from her record")? */
static bool
delabelled(const notes_finding *f)
{
	const notes_entry *t;

	if (f->kind != NOTES_ALLERGY || !(f->context & NOTES_NEGATED) ||
	    f->code[0] == '\0')
		return false;
	t = notes__find(f->trigger);
	return t != NULL && (t->dir & NOTES_DIR_DELABEL);
}

/* relatives_allergy_zh: is f a relative's allergy a Chinese trigger gave
 * ("为其父亲的过敏史", "女儿对青霉素过敏")?  It is no label of the
 * patient's, so taking the patient's label of that code off leaves it. */
static bool
relatives_allergy_zh(const notes_finding *f)
{
	return (f->context & NOTES_FAMILY) &&
	       (unsigned char)f->trigger[0] >= 0x80;
}

/* delabelled_code: does out hold a de-labelled allergy to code? */
static bool
delabelled_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (delabelled(&out->findings[i]) &&
		    strcmp(out->findings[i].code, code) == 0)
			return true;
	return false;
}

/* delabelled_class_of: does out hold a de-labelled allergy to a class
 * substance code belongs to?  A class de-labelled is cleared for each of
 * its members ("(1) 盤尼西林敏感標籤 — 已除去" clears the story "食 Amoxil
 * 出全身紅疹" it rested on); a member de-labelled leaves its class. */
static bool
delabelled_class_of(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (delabelled(&out->findings[i]) &&
		    strcmp(out->findings[i].system, "class") == 0 &&
		    notes__member_of(code, out->findings[i].code))
			return true;
	return false;
}

/* delabel drops the mentions of an allergy that the note documents as
 * de-labelled: the removal of the label is what holds now, and the
 * label it removes is usually written first ("had carried a penicillin
 * allergy label since childhood ... has been removed from her record"),
 * so the negated finding stands for them all, a class's for its members'
 * too.  A relative's allergy is not the label removed ("his younger brother has
 * a true penicillin allergy ... the penicillin allergy label has been
 * removed"). */
static void
delabel(notes_reading *out)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY &&
		    !(f->context & (NOTES_NEGATED | NOTES_FAMILY)) &&
		    !relatives_allergy_zh(f) &&
		    (delabelled_code(out, f->code) ||
		     delabelled_class_of(out, f->code)))
			continue;
		out->findings[n++] = *f;
	}
	out->n = n;
}

/* drop_superseded drops out's findings of kind in context whose code
 * held says a later statement supersedes (a de-labelling's kin: a doubt,
 * a stop done, a refusal), so that statement stands for them. */
static void
drop_superseded(notes_reading *out, notes_kind kind, unsigned context,
		bool (*held)(const notes_reading *, const char *))
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == kind && f->context == context &&
		    held(out, f->code))
			continue;
		out->findings[n++] = *f;
	}
	out->n = n;
}

/* doubted_code: does out hold an allergy to code that a writer doubts
 * (doubt_allergy)? */
static bool
doubted_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		for (size_t d = 0; d < sizeof(doubts) / sizeof(*doubts); d++)
			if (f->kind == NOTES_ALLERGY &&
			    f->trigger == doubts[d] &&
			    strcmp(f->code, code) == 0)
				return true;
	}
	return false;
}

/* misattributed_code: does out hold code as an allergy the note says
 * was a relative's, not the patient's? */
static bool
misattributed_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->trigger == misattributed &&
		    f->context == NOTES_NEGATED && strcmp(f->code, code) == 0)
			return true;
	}
	return false;
}

/* queried_code_zh: does the note query its allergy to code with a
 * full-width question mark or 可疑 ("诊断：过敏性休克（头孢呋辛？海鲜？）")?
 * The writer's doubt, once written, is the note's verdict: the allergy
 * its story first affirmed is uncertain. */
static bool
queried_code_zh(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == NOTES_UNCERTAIN &&
		    strcmp(f->code, code) == 0 &&
		    (strcmp(f->trigger, "\xef\xbc\x9f") == 0 ||
		     strcmp(f->trigger, "可疑") == 0))
			return true;
	}
	return false;
}

/* undoubt drops the affirmed mentions of an allergy whose label the
 * writer doubts, or says was a relative's: the doubt is what holds now
 * ("7. Penicillin allergy: refer for testing" after "I doubt this is a
 * true allergy"). */
static void
undoubt(notes_reading *out)
{
	drop_superseded(out, NOTES_ALLERGY, 0, doubted_code);
	drop_superseded(out, NOTES_ALLERGY, 0, queried_code_zh);
	drop_superseded(out, NOTES_ALLERGY, 0, misattributed_code);
}

/* stopped_code: does out hold code as a medicine already stopped
 * ("已停用氯吡格雷")? */
static bool
stopped_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		const notes_entry *t;

		if (f->kind != NOTES_MEDICINE ||
		    f->context != NOTES_HISTORICAL ||
		    strcmp(f->code, code) != 0)
			continue;
		t = notes__find(f->trigger);
		if ((t != NULL && (t->dir & NOTES_DIR_DONE)) ||
		    strcmp(f->trigger, ROW_STOPPED) == 0)
			return true;
	}
	return false;
}

/* unstop drops the mentions of a medicine as taken when the note says
 * it is stopped already ("一直服用阿司匹林+氯吡格雷，1年前已停用氯吡格
 * 雷"): the stop is what holds now. */
static void
unstop(notes_reading *out)
{
	drop_superseded(out, NOTES_MEDICINE, 0, stopped_code);
}

/* diabetes_type returns 1 or 2 when out names one type of the patient's
 * diabetes (E10, E11), 0 when it names none or both, or a pregnancy's
 * (O24). */
static int
diabetes_type(const notes_reading *out)
{
	int type = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		int t = strncmp(f->code, "E10", 3) == 0	  ? 1
			: strncmp(f->code, "E11", 3) == 0 ? 2
							  : 0;

		if (f->kind == NOTES_PROBLEM && strncmp(f->code, "O24", 3) == 0)
			return 0; /* a pregnancy's diabetes is its own */
		if (f->kind != NOTES_PROBLEM || t == 0 ||
		    (f->context & (NOTES_FAMILY | NOTES_NEGATED)))
			continue;
		if (type != 0 && type != t)
			return 0;
		type = t;
	}
	return type;
}

/* typed_code sets f, diabetes named without its type (E14), to the type
 * the note names (1 or 2), in WHO ICD-10's titles. */
static void
typed_code(notes_finding *f, int type)
{
	static const struct {
		const char *untyped, *code[2], *display[2];
	} typed[] = {
		{"E14.9",
		 {"E10.9", "E11.9"},
		 {"Type 1 diabetes mellitus", "Type 2 diabetes mellitus"}},
		{"E14.1",
		 {"E10.1", "E11.1"},
		 {"Type 1 diabetes mellitus with ketoacidosis",
		  "Type 2 diabetes mellitus with ketoacidosis"}},
	};

	for (size_t i = 0; i < sizeof(typed) / sizeof(*typed); i++)
		if (strcmp(f->code, typed[i].untyped) == 0) {
			f->code = typed[i].code[type - 1];
			f->display = typed[i].display[type - 1];
		}
}

/* same_in reports whether out's first n findings hold f's kind, code and
 * context. */
static bool
same_in(const notes_reading *out, size_t n, const notes_finding *f)
{
	for (size_t i = 0; i < n; i++)
		if (out->findings[i].kind == f->kind &&
		    out->findings[i].context == f->context &&
		    strcmp(out->findings[i].code, f->code) == 0)
			return true;
	return false;
}

/* type_diabetes reads diabetes named without its type ("diabetes
 * educator saw pt", "DM", "her sister has diabetes too") as the type the
 * note names elsewhere ("T2DM", "type 1 diabetes"): one condition, which
 * the writer types once.  A repeat it then makes is dropped. */
static void
type_diabetes(notes_reading *out)
{
	int type = diabetes_type(out);
	size_t n = 0;

	if (type == 0)
		return;
	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		/* a relative's diabetes, or one denied, is of no type */
		if (f.kind == NOTES_PROBLEM &&
		    !(f.context & (NOTES_FAMILY | NOTES_NEGATED)))
			typed_code(&f, type);
		if (!same_in(out, n, &f))
			out->findings[n++] = f;
	}
	out->n = n;
}

/* taken_code: does out hold code as a medicine taken now (affirmed)? */
static bool
taken_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_MEDICINE &&
		    out->findings[i].context == 0 &&
		    strcmp(out->findings[i].code, code) == 0)
			return true;
	return false;
}

/* untake_doubts drops a medicine doubted or a relative's (planned too
 * or not) when the note records the patient taking it ("Meds: Eliquis 5
 * bid ... unsure whether Eliquis was taken this AM", "her son was taught
 * the bleeding signs to watch for on apixaban"): the doubt or a carer's
 * teaching is about the drug taken.  A past or denied mention stays, and
 * so does a plan alone ("restart apixaban tomorrow"): the sets list
 * those beside the drug taken. */
static void
untake_doubts(notes_reading *out)
{
	unsigned doubting = NOTES_UNCERTAIN | NOTES_FAMILY;
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_MEDICINE && (f->context & doubting) &&
		    !(f->context & (NOTES_NEGATED | NOTES_HISTORICAL)) &&
		    taken_code(out, f->code))
			continue;
		out->findings[n++] = *f;
	}
	out->n = n;
}

/* declined_code: does out hold code as a medicine declined ("拒绝注射
 * 胰岛素")? */
static bool
declined_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		const notes_entry *t;

		if (f->kind != NOTES_MEDICINE ||
		    !(f->context & NOTES_NEGATED) || strcmp(f->code, code) != 0)
			continue;
		t = notes__find(f->trigger);
		if (t != NULL && (t->dir & NOTES_DIR_DECLINE))
			return true;
	}
	return false;
}

/* undecline drops a medicine planned or proposed when the note says the
 * patient declined it ("建议起始基础胰岛素治疗，患者…拒绝注射胰岛素"):
 * the refusal is what holds. */
static void
undecline(notes_reading *out)
{
	drop_superseded(out, NOTES_MEDICINE, NOTES_HYPOTHETICAL, declined_code);
}

/* cut returns len bounded by NOTES_TEXT_MAX, not inside a UTF-8
 * sequence. */
static size_t
cut(const char *text, size_t len)
{
	if (len <= NOTES_TEXT_MAX)
		return len;
	len = NOTES_TEXT_MAX;
	while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
		len--;
	return len;
}

/* blank_line: does t, after a token that was a line break (*newline),
 * end an empty line?  An allergy list ends there.  Updates *newline. */
static bool
blank_line(const char *text, const sentence *s, const notes_tok *t,
	   bool *newline)
{
	bool nl = t->type == NOTES_TOK_SENTENCE && text[t->start] == '\n';
	bool blank = nl && *newline && s->n == 0;

	*newline = nl;
	return blank;
}

/* list_item: does the line that word t starts begin as a list item
 * ("1.", "2、", "3）", "- ", "• ")?  len: the text's. */
static bool
list_item(const char *text, size_t len, const notes_tok *t)
{
	uint32_t i = t->start, e = t->end;
	static const char *const after[] = {".", "\xe3\x80\x81", ")",
					    "\xef\xbc\x89", "\xef\xbc\x8e"};

	while (i > 0 && text[i - 1] != '\n')
		if (text[--i] == '-' || text[i] == '*' ||
		    (i + 3 <= t->start &&
		     memcmp(text + i, "\xe2\x80\xa2", 3) == 0)) /* • */
			return true;
	for (i = t->start; i < e; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++)
		if (e + strlen(after[k]) <= len &&
		    memcmp(text + e, after[k], strlen(after[k])) == 0)
			return true;
	return false;
}

/* joined_unknown: is t a word joined across a zero-width space that the
 * lexicon does not know?  A zero-width space inside a name ("peni-cillin"
 * with U+200B) is read through; one between two words ("to<U+200B>latex")
 * separates them, so such a word is scanned again, split there. */
static bool
joined_unknown(const char *text, const notes_tok *t)
{
	if (t->type != NOTES_TOK_WORD ||
	    memmem(text + t->start, t->end - t->start, "\xe2\x80\x8b", 3) ==
		    NULL)
		return false;
	return notes__find(t->key) == NULL && notes__first_words(t->key) == 0 &&
	       notes__near(t->key) == NULL;
}

void
notes_read(const char *text, size_t len, notes_reading *out)
{
	static __thread sentence s;
	size_t pos = 0, n = cut(text, len);
	bool newline = false;
	notes_tok t;

	/* the word lists, and the table of traditional characters the
	 * scanner folds with, load before the first word is scanned */
	(void)notes_lexicon_check();
	out->n = 0;
	out->stopped = n < len ? "text longer than 262144 bytes: the rest not "
				 "read"
			       : NULL;
	s.n = 0;
	s.text = text;
	s.allergy_list = false;
	s.allergy_line = false;
	s.section = NULL;
	s.section_inline = false;
	s.section_at = 0;
	s.prior.e = NULL;
	s.prior_last.e = NULL;
	do {
		notes__scan(text, n, &pos, &t);
		if (joined_unknown(text, &t)) {
			pos = t.start;
			notes__scan_split(text, n, &pos, &t);
		}
		/* a line after a heading that held its own text is under
		 * it only as a list item */
		if (newline && t.type == NOTES_TOK_WORD && s.section_inline &&
		    !list_item(text, n, &t))
			s.section = NULL;
		if (blank_line(text, &s, &t, &newline)) {
			s.allergy_list = false;
			s.prior.e = NULL;
			s.prior_last.e = NULL;
			s.section = NULL;
		}
		if (t.type == NOTES_TOK_WORD)
			s.words[s.n++] = t;
		if ((t.type != NOTES_TOK_WORD || s.n == NOTES_SENTENCE_WORDS) &&
		    !sentence_read(&s, &t, out))
			break;
	} while (t.type != NOTES_TOK_END);
	delabel(out);
	undoubt(out);
	unstop(out);
	undecline(out);
	type_diabetes(out);
	untake_doubts(out);
	notes__drop_unspecified(out);
}

bool
notes_is_suggested(const notes_finding *f)
{
	unsigned never = NOTES_NEGATED | NOTES_HYPOTHETICAL | NOTES_FAMILY;

	return f->code[0] != '\0' && (f->context & never) == 0;
}

const char *
notes_kind_name(notes_kind k)
{
	switch (k) {
	case NOTES_ALLERGY:
		return "allergy";
	case NOTES_PROBLEM:
		return "problem";
	case NOTES_MEDICINE:
		return "medicine";
	}
	return "unknown";
}

void
notes_context_text(unsigned ctx, char *out, size_t len)
{
	static const char *const names[] = {
		"negated", "historical", "hypothetical", "family", "uncertain"};
	size_t k = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;

		if (!(ctx & (1u << i)))
			continue;
		w = snprintf(out + k, len - k, "%s%s", k ? "," : "", names[i]);
		if (w < 0 || (size_t)w >= len - k)
			return;
		k += (size_t)w;
	}
	if (k == 0)
		snprintf(out, len, "affirmed");
}
