/*
 * context.c - the context of a mention (NegEx, ConText): which trigger's
 * scope reaches an item (negated, historical, hypothetical, family,
 * uncertain), where a scope ends (terminators, list items, parentheses,
 * clauses), and the context of the section heading a line is under.
 * The largest single concern of the reader, and the one every reading of
 * a drug or a problem asks, so it sits low in the stack.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool
notes__ends(const sentence *s, size_t a, size_t b, bool scope)
{
	for (size_t k = a + 1; k < b; k++) {
		const notes_entry *e = s->items[k].e;

		if (e->type == NOTES_T_TERMINATOR &&
		    (scope || !(e->dir & NOTES_DIR_SCOPE_ONLY)))
			return true;
	}
	return false;
}

bool
notes__terminated(const sentence *s, size_t a, size_t b)
{
	return notes__ends(s, a, b, false);
}

/* dash_no_allergy: is item j a "no" after a dash that answers drug item
 * k's entry with "no allergy" ("Heparin - NO allergy, had it for stent
 * fine"; "Amoxicillin - denies allergy; took Amoxicillin for tonsillitis
 * 2023, no problem", allergy75pz, en-dev78)?  It negates the allergy just
 * before the dash, as dash_no does at a sentence's end; a medicine answered so
 * ("Thalidomide - no allergy, but it caused constipation") stays the medicine
 * it is. */
static bool
dash_no_allergy(const sentence *s, size_t j, size_t k)
{
	static const char *const no[] = {"no", "denies", "denied"};
	const item *t = &s->items[j];

	if (j != k + 1 || !notes__among(t->e->key, no, N_OF(no)) ||
	    t->w0 == 0 || t->w1 >= s->n ||
	    !notes__between_has(s, s->words[t->w0 - 1].end, t->start, '-'))
		return false;
	return strcmp(s->words[t->w1].key, "allergy") == 0 ||
	       strcmp(s->words[t->w1].key, "allergies") == 0;
}

/* word_among: is word w of s one of the n words of set? */
static bool
word_among(const sentence *s, size_t w, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->words[w].key, set[i]) == 0)
			return true;
	return false;
}

/* relative_owns: is trigger j a relative named as the owner of what the
 * sentence listed before it ("Your referral listed penicillin and codeine
 * allergies; ... these are his wife's")?  A pronoun that points back
 * ("these", "they", "it") with "are his wife's" gives
 * every allergy of the clause the list is told in to the relative, past
 * the semicolon that parts the list from the answer; a drug named in a
 * later clause stops it, and a subject of its own ("the card is her
 * mother's") owns nothing listed. */
static bool
relative_owns(const sentence *s, size_t k, size_t j)
{
	static const char *const verb[] = {"are", "is", "were", "was"};
	static const char *const whose[] = {"his", "her", "their"};
	static const char *const these[] = {"these", "those", "they", "both",
					    "all",   "it",    "this", "that"};
	const item *t = &s->items[j];

	if (j < k || t->e->type != NOTES_T_FAMILY || t->w0 < 3 ||
	    t->w1 >= s->n || strcmp(s->words[t->w1].key, "s") != 0 ||
	    !word_among(s, t->w0 - 1, whose, 3) ||
	    !word_among(s, t->w0 - 2, verb, 4) ||
	    !word_among(s, t->w0 - 3, these, 8))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) && notes__terminated(s, k, m))
			return false;
	return true;
}

/* REACTED_TO_IT_WORDS: the most words from a relative to the "to it"
 * that points back at the drug ("her sister reacted badly to it"). */
#define REACTED_TO_IT_WORDS 5

/* relative_reacted: is trigger j a relative, after drug item k with no
 * other drug between, said to have reacted to it, "to it" or "to them"
 * pointing back at the drug ("She asked about penicillin because her
 * sister reacted badly to it", allergy75ps, en-dev77)?  The reaction is
 * the relative's: the drug is a relative's allergy. */
static bool
relative_reacted(const sentence *s, size_t k, size_t j)
{
	static const char *const it[] = {"it", "them"};
	const item *t = &s->items[j];
	size_t end = t->w1 + REACTED_TO_IT_WORDS;

	if (j < k || t->e->type != NOTES_T_FAMILY)
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (size_t w = t->w1; w + 1 < s->n && w < end; w++)
		if (notes__words_at(s, w, "to") &&
		    notes__words_in(s, w + 1, it, N_OF(it)))
			return true;
	return false;
}

/* until_to: does a "switched from" trigger j stop before item k, at a
 * word "to" between them? */
static bool
until_to(const sentence *s, size_t j, size_t k)
{
	return (s->items[j].e->dir & NOTES_DIR_UNTIL_TO) &&
	       notes__word_between(s, j, k, "to");
}

/* How far back a 对 may open the allergen that "过敏：否认" answers. */
#define DENIED_ALLERGEN_WORDS 8

/* answered_then_entry: is none_known item j a field answered ("pen
 * allergy: nil", "allergy none"), then a comma, and drug item k an entry
 * of its own after it, its allergy cue or reaction right after it ("pen
 * allergy: nil, cotrimoxazole allergy noted")?  The answer ends at its
 * comma; the next entry is not denied (allergy75ib). */
static bool
answered_then_entry(const sentence *s, size_t j, size_t k)
{
	static const char *const comma[] = {","};
	const char *key = s->items[j].e->key;
	size_t len = strlen(key);
	const item *next = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	if (!((len >= 4 && strcmp(key + len - 4, " nil") == 0) ||
	      (len >= 5 && strcmp(key + len - 5, " none") == 0)))
		return false;
	if (s->items[j].w1 >= s->n ||
	    !notes__gap_in(s, s->items[j].end, s->words[s->items[j].w1].start,
			   comma, 1))
		return false;
	return next != NULL &&
	       (next->e->type == NOTES_T_ALLERGY_CUE ||
		next->e->type == NOTES_T_REACTION) &&
	       next->w0 <= s->items[k].w1 + 1;
}

/* none_known_denies: does "no known allergies" item j deny item k: k
 * after it within its scope, no other entry between ("no known allergy
 * to latex"), or k the drug its Chinese answer follows ("青霉素过敏史：
 * 无")? */
static bool
none_known_denies(const sentence *s, size_t j, size_t k)
{
	if (s->items[j].e->type != NOTES_T_NONE_KNOWN)
		return false;
	/* a relative named between owns what follows ("states NO known
	 * drug allergies - it is his father who is allergic to morphine",
	 * allergy75tj, en-dev87) */
	for (size_t m = j + 1; m < k; m++)
		if (s->items[m].e->type == NOTES_T_FAMILY)
			return false;
	if (j < k)
		return !notes__ends(s, j, k, true) &&
		       !answered_then_entry(s, j, k);
	return j == k + 1 && s->items[k].w1 == s->items[j].w0 &&
	       notes__denied_allergen_zh(s, j);
}

/* answers_drug_zh: is Chinese "no known allergies" item j written right
 * after a drug, its first word the drug's next, as the denial of that
 * drug's allergy ("青霉素类无过敏史", "青霉素过敏史：无")?  A none_known
 * phrase that opens with 无 or 过敏 then speaks of the drug before it:
 * no allergy to it, not no allergy at all (rules75zh18). */
static bool
answers_drug_zh(const sentence *s, size_t j)
{
	const item *t = &s->items[j];

	return j > 0 && is_drug(t - 1) && (t - 1)->w1 == t->w0 &&
	       s->words[t->w0].han &&
	       (strncmp(t->e->key, "无", strlen("无")) == 0 ||
		strncmp(t->e->key, "过敏", strlen("过敏")) == 0);
}

bool
notes__denied_allergen_zh(const sentence *s, size_t j)
{
	const char *key = s->items[j].e->key;
	size_t w = s->items[j].w0, stop;

	if (s->items[j].e->type != NOTES_T_NONE_KNOWN)
		return false;
	if (answers_drug_zh(s, j))
		return true;
	if (strcmp(key, "过敏否认") != 0 && strcmp(key, "过敏无") != 0 &&
	    strcmp(key, "无过敏史") != 0)
		return false;
	stop = w > DENIED_ALLERGEN_WORDS ? w - DENIED_ALLERGEN_WORDS : 0;
	while (w-- > stop) {
		if (notes__words_at(s, w, "对"))
			return w + 1 < s->items[j].w0;
		if (notes__words_at(s, w, FW_COMMA) ||
		    notes__words_at(s, w, FW_SEMI))
			return false;
	}
	return false;
}

/* denial_ends_clause_zh: is item j a Chinese denial (无, 否认) that a
 * full-width comma or semicolon ends ("對「乳膠」過敏：否認；對碘過敏：否認",
 * "Allopurinol——无，医生查证后确认…")?  The answer ends its clause as it
 * would end its sentence; what follows is another entry or the reason. */
static bool
denial_ends_clause_zh(const sentence *s, size_t j)
{
	const item *t = &s->items[j];
	uint32_t next = s->words[t->w1].end;

	if (strcmp(t->e->key, "无") != 0 && strcmp(t->e->key, "否认") != 0)
		return false;
	for (uint32_t i = t->end; i + 3 <= next; i++)
		if (memcmp(s->text + i, FW_COMMA, 3) == 0 ||
		    memcmp(s->text + i, FW_SEMI, 3) == 0)
			return true;
	return false;
}

/* em_dash_zh: is Chinese denial j written after an em dash, as Chinese
 * writes its dash ("Allopurinol——无")? */
static bool
em_dash_zh(const sentence *s, size_t j)
{
	const item *t = &s->items[j];
	uint32_t from = s->words[t->w0 - 1].end;

	return (unsigned char)t->e->key[0] >= 0x80 &&
	       memmem(s->text + from, t->start - from, "\xe2\x80\x94", 3) !=
		       NULL;
}

/* denial_zh: is trigger t a Chinese answer that denies what the field
 * before it names: "无", "否认", or "没有" ("青霉素过敏：没有",
 * allergy75o)? */
static bool
denial_zh(const item *t)
{
	return strcmp(t->e->key, "无") == 0 || strcmp(t->e->key, "否认") == 0 ||
	       strcmp(t->e->key, "没有") == 0;
}

/* denial_in_clause_zh: is trigger j a Chinese denial (denial_zh) in the
 * clause of item k, with no terminator or full-width comma between?  A
 * field's answer speaks of its own field: "头孢类过敏（皮疹），青霉素：无"
 * keeps the cephalosporin allergy (allergy75o). */
static bool
denial_in_clause_zh(const sentence *s, size_t j, size_t k)
{
	uint32_t from = s->items[k].end, to = s->items[j].start;

	if (!denial_zh(&s->items[j]) || notes__terminated(s, k, j))
		return false;
	return from >= to ||
	       (memmem(s->text + from, to - from, FW_COMMA, 3) == NULL &&
		memmem(s->text + from, to - from, FW_SEMI, 3) == NULL);
}

/* dash_no: is item j a "no" (or "无", "否认", "没有") that ends its sentence
 * after a dash or a colon ("Vomiting - no", "Penicillin allergy: no",
 * "发热：无", "Latex：否認")?  It negates what is before it.  A Chinese denial
 * after an em dash, or one that ends its clause (denial_ends_clause_zh),
 * negates what is before it in its own clause only ("Allopurinol——无，…";
 * "Codeine — 嘔吐；Contrast — 無" leaves the codeine). */
static bool
dash_no(const sentence *s, size_t j, size_t k)
{
	const item *t = &s->items[j];
	bool dash, colon;

	if (j <= k || t->w0 == 0)
		return false;
	dash = notes__between_has(s, s->words[t->w0 - 1].end, t->start, '-');
	colon = notes__colon_at(s->text, s->words[t->w0 - 1].end, t->start);
	if (t->w1 == s->n && (dash || colon) &&
	    (strcmp(t->e->key, "no") == 0 || denial_in_clause_zh(s, j, k)))
		return true;
	return (t->w1 == s->n || denial_ends_clause_zh(s, j)) &&
	       (dash || colon || em_dash_zh(s, j)) &&
	       denial_in_clause_zh(s, j, k);
}

/* continued: does a "继续" stand before item k in its clause ("术后继续
 *双联抗血小板（阿司匹林+替格瑞洛）"), or right after it ("坦索罗辛继续",
 * rules75zh20), or a change of its dose ("Lantus 加到 28u")?  A plan that
 * continues a drug says the patient takes it. */
static bool
continued(const sentence *s, size_t k)
{
	static const char *const dosed[] = {"加到", "加至", "加量至", "增至",
					    "减到", "减至", "减量至"};

	if (k + 1 < s->n_items &&
	    (s->items[k + 1].e->dir & NOTES_DIR_CONTINUE) &&
	    s->items[k + 1].w0 == s->items[k].w1)
		return true;
	/* "Lantus 加到 28u", "gliclazide 减到 60mg": its dose changed */
	if (s->items[k].w1 < s->n &&
	    notes__words_in(s, s->items[k].w1, dosed,
			    sizeof(dosed) / sizeof(*dosed)))
		return true;
	for (size_t m = k; m-- > 0;) {
		const notes_entry *e = s->items[m].e;

		if (e->dir & NOTES_DIR_CONTINUE)
			return true;
		if (e->type == NOTES_T_TERMINATOR)
			return false;
	}
	return false;
}

int
notes__list_mark(const char *text, uint32_t i, uint32_t to, uint32_t *len)
{
	static const struct {
		const char *s;
		int mark;
	} marks[] = {{",", 1},	   {";", 1},	    {FW_COMMA, 1},
		     {FW_SEMI, 1}, {ENUM_COMMA, 1}, {"(", 2},
		     {FW_OPEN, 2}, {")", 3},	    {FW_CLOSE, 3}};
	unsigned char c = (unsigned char)text[i];

	/* each mark opens with one of these bytes (the full-width ones
	 * with EF, the enumeration comma with E3): any other byte is no
	 * mark, answered before the nine compares */
	if (c != ',' && c != ';' && c != '(' && c != ')' && c != 0xef &&
	    c != 0xe3) {
		*len = 1;
		return 0;
	}
	for (size_t m = 0; m < sizeof(marks) / sizeof(*marks); m++) {
		*len = (uint32_t)strlen(marks[m].s);
		if (i + *len <= to && memcmp(text + i, marks[m].s, *len) == 0)
			return marks[m].mark;
	}
	*len = 1;
	return 0;
}

uint32_t
notes__list_item_end(const sentence *s, size_t k)
{
	uint32_t last = s->words[s->n - 1].end, len;
	int depth = 0;

	for (uint32_t i = s->items[k].end; i < last; i += len) {
		int mark = notes__list_mark(s->text, i, last, &len);

		if (mark == 2)
			depth++;
		else if (mark == 3 && depth > 0)
			depth--;
		else if (mark == 1 && depth == 0)
			return i;
	}
	return last;
}

size_t
notes__list_item_first(const sentence *s, size_t k)
{
	return notes__list_item_first_at(s, s->items[k].w0);
}

/* parted_before: does a list mark or a colon part word w from the word
 * before it?  The full-width comma and ";" are words of their own. */
static bool
parted_before(const sentence *s, size_t w)
{
	uint32_t from = s->words[w - 1].start, to = s->words[w].start, len;

	for (uint32_t i = from; i < to; i += len)
		if (notes__list_mark(s->text, i, to, &len) == 1 ||
		    notes__colon_at(s->text, i, to) == s->text + i)
			return true;
	return false;
}

size_t
notes__list_item_first_at(const sentence *s, size_t w)
{
	while (w > 0 && w < s->n && !parted_before(s, w))
		w--;
	return w;
}

/* ago_zh: is word w the 前 of a time ago ("3年前", "半月前")? */
static bool
ago_zh(const sentence *s, size_t w)
{
	static const char *const unit[] = {"年前", "月前", "周前", "天前",
					   "日前"};

	return w > 0 &&
	       notes__words_in(s, w - 1, unit, sizeof(unit) / sizeof(*unit));
}

/* Up to 15 years, as a childhood word dates: an adult's age at an event
 * may start what goes on. */
bool
notes__child_age_zh(const sentence *s, size_t w)
{
	static const char *const at[] = {"岁时"}; /* 歲時 folds to it */
	const char *n = w > 0 ? s->words[w - 1].key : "";
	size_t len = strlen(n);

	return (len == 1 || (len == 2 && n[0] == '1' && n[1] <= '5')) &&
	       strspn(n, "0123456789") == len &&
	       notes__words_in(s, w, at, sizeof(at) / sizeof(*at));
}

/* dash_aside_zh: is a dash of two em dashes ("——") in text[from, to)?
 * What a Chinese writer puts after one explains the problem before it
 * ("矽肺？——2024 年职业病体检胸片…"): a date there is the test's, not
 * the problem's (probctx75c). */
static bool
dash_aside_zh(const sentence *s, uint32_t from, uint32_t to)
{
	static const char dash[] = "\xe2\x80\x94\xe2\x80\x94";

	return from < to && memmem(s->text + from, to - from, dash,
				   sizeof(dash) - 1) != NULL;
}

/* diagnosed_zh: is word w a Chinese word that a date is the diagnosis
 * of problem k, not its end ("5年前诊断乙肝肝硬化", "抑郁症（2022年诊断）",
 * "马凡综合征（2015年确诊）", "2019年体检发现脂肪肝", "慢性肾脏病3b期（2025
 * 年起）")?  Writers 3, 17, 18, 21, 29, 34, 36, 37, 40 and 45 annotate
 * such a chronic problem current (15 and 35 one historical, 42 one
 * each way, where the item says the course was stopped); an event a diagnosis
 * dates (a stroke, a DVT, a pneumonia: notes__is_event) stays past, and so does
 * a diagnosis in childhood ("1岁时诊断哮喘"). */
static bool
diagnosed_zh(const sentence *s, size_t w, size_t k)
{
	static const char *const diagnosed[] = {"诊断", "确诊", "发现", "年起"};

	return s->words[w].han &&
	       notes__words_in(s, w, diagnosed,
			       sizeof(diagnosed) / sizeof(*diagnosed)) &&
	       !notes__is_event(s->items[k].e->code);
}

/* dated: does item k's list item date it as over ("TIA 2019", "MI 10
 * years ago", "#NOF L 2017 - DHS", "eczema as a child", "2018年脑梗死",
 * "3年前胆囊切除", "幼时哮喘", "1岁时热性惊厥", "哮喘（儿童期）")?  A
 * year after "since", "dx" or "diagnosed", or with 至今, 以来 or a
 * Chinese diagnosis word (diagnosed_zh), dates the start of what goes on
 * ("T2DM since 2010", "2010年起服用至今", "2018年诊断乙肝肝硬化"), not its
 * end.  A Chinese list item is read from its start, as Chinese writes
 * the date first. */
static bool
dated(const sentence *s, size_t k)
{
	static const char *const over[] = {
		"ago",	"child", "childhood", "teenager", "幼时",  "幼年",
		"儿时", "童年",	 "小时候",    "生后",	  "儿童期"};
	static const char *const ongoing[] = {"since", "dx", "diagnosed",
					      "至今", "以来"};
	uint32_t end = notes__list_item_end(s, k);
	bool han = s->words[s->items[k].w0].han, is_over = false;
	bool as_child = false; /* a childhood's diagnosis is over with it */
	size_t w = han ? notes__list_item_first(s, k) : s->items[k].w1;

	for (; w < s->n && s->words[w].start < end; w++) {
		if (han && dash_aside_zh(s, s->items[k].end, s->words[w].start))
			break;
		if (notes__words_in(s, w, ongoing,
				    sizeof(ongoing) / sizeof(*ongoing)) ||
		    (!as_child && diagnosed_zh(s, w, k)))
			return false;
		as_child = as_child || notes__child_age_zh(s, w) ||
			   notes__words_in(s, w, over,
					   sizeof(over) / sizeof(*over));
		is_over = is_over || as_child ||
			  notes__is_year(s->words[w].key) || ago_zh(s, w);
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

	return !notes__between_has(s, from, to, ',') &&
	       !notes__between_has(s, from, to, ';');
}

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

/* causal_given: is trigger j a "given" that says why ("Ondansetron 4 mg
 * IV at induction on Thurs given previous PONV", "(no cephalosporin given
 * severity of reaction)")?  A reason or a problem follows it, not a dose:
 * it gives the plan's reason and says no drug was given.  The problem it
 * names is still the patient's now ("Start prednisone ... given
 * hepatitis, ... once biopsy done"): only drugs lose the "given". */
static bool
causal_given(const sentence *s, size_t j)
{
	static const char *const reason[] = {
		"previous", "prior", "severity", "concern", "concerns", "risk",
		"history",  "hx",    "recent",	 "ongoing", "that"};
	size_t w = s->items[j].w1;

	if (strcmp(s->items[j].e->key, "given") != 0 || w >= s->n)
		return false;
	for (size_t i = 0; i < sizeof(reason) / sizeof(*reason); i++)
		if (strcmp(s->words[w].key, reason[i]) == 0)
			return true;
	return j + 1 < s->n_items && s->items[j + 1].w0 == w &&
	       s->items[j + 1].e->type == NOTES_T_PROBLEM;
}

/* given_near: does item k's list item, or a list of drugs after the
 * word, say in English that its drug is given now ("ASA 324 given",
 * "heparin started", "prochlorperazine given for vomiting", "continue
 * paracetamol, ibuprofen") or stopped ("stop diclofenac")?  Neither is a
 * plan.  (A Chinese sentence has no ASCII commas to part its items.) */
static bool
given_near(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++) {
		if (j == k || !says_given(s->items[j].e) ||
		    (causal_given(s, j) && is_drug(&s->items[k])) ||
		    (j < k && !own_item_reaches(s, j, k)))
			continue;
		if (j < k ? same_item(s, j, k) || drugs_between(s, j, k)
			  : same_item(s, k, j))
			return true;
	}
	return false;
}

bool
notes__started_near(const sentence *s, size_t k)
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

bool
notes__is_event(const char *code)
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
	return dated(s, k) || notes__is_event(s->items[k].e->code);
}

/* dated_then: is trigger t ("当时", at that time) written after a date in
 * its sentence, a year or a time months or years ago ("5年前胃镜示…，当时
 * 西医予…")?  It then refers to that past.  After a visit told undated
 * ("上次就诊：…当时即予 doxycycline ×7天") the course it began may run still
 * (rules75zh21). */
static bool
dated_then(const sentence *s, const notes_entry *t)
{
	static const char *const ago[] = {"年前", "月前"};
	size_t j = 0;

	while (j < s->n_items && s->items[j].e != t)
		j++;
	for (size_t w = 0; j < s->n_items && w < s->items[j].w0; w++)
		if (notes__is_year(s->words[w].key) ||
		    notes__words_in(s, w, ago, sizeof(ago) / sizeof(*ago)))
			return true;
	return false;
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
	    (s->items[k].e->type != NOTES_T_SUBSTANCE ||
	     ((t->dir & NOTES_DIR_DATED) && !dated_then(s, t))))
		return false;
	if ((t->dir & NOTES_DIR_PROBLEMS) &&
	    s->items[k].e->type != NOTES_T_PROBLEM)
		return false;
	if (t->type == NOTES_T_HISTORICAL && !(t->dir & NOTES_DIR_STOP) &&
	    notes__started_near(s, k))
		return false;
	return !((t->dir & NOTES_DIR_PLAN) && given_near(s, k));
}

static bool class_example(const sentence *s, size_t j, size_t k);

/* stop_ends: does the scope of English stop trigger j end before item
 * k, at the end of its list item ("stop diclofenac, start apixaban")?
 * A stop that heads a list reaches all of it ("STOPPED: aspirin,
 * naproxen"). */
static bool
stop_ends(const sentence *s, size_t j, size_t k)
{
	const notes_entry *t = s->items[j].e;

	return (t->dir & NOTES_DIR_STOP) && (unsigned char)t->key[0] < 0x80 &&
	       !same_item(s, j, k) && !notes__colon_after(s, j) &&
	       !class_example(s, j, k);
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
		if (notes__is_concept(s->items[m].e->type) &&
		    s->text + s->items[m].end <= open)
			return true;
	return false;
}

bool
notes__ascii_paren_open(const char *text, uint32_t from, uint32_t to)
{
	bool open = false;

	for (uint32_t i = from; i < to; i++)
		if (text[i] == '(')
			open = true;
		else if (text[i] == ')')
			open = false;
	return open;
}

bool
notes__opens_after_item(const sentence *s, size_t k, size_t j)
{
	return notes__ascii_paren_open(s->text, s->items[k].end,
				       s->items[j].start);
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
			return notes__scope_ends(s, j, k);
	return false;
}

/* numbered_line_zh: does s open a numbered line ("2.克林霉素…", or "3. "
 * a sentence of its own before it)? */
static bool
numbered_line_zh(const sentence *s)
{
	const char *p = s->text + s->words[0].start, *digits;

	if (s->n > 1 && notes__is_number(s->words[0].key))
		return notes__line_lead(s) != NULL;
	while (p > s->text && p[-1] == ' ')
		p--;
	if (p == s->text || p[-1] != '.')
		return false;
	for (digits = --p; p > s->text && p[-1] >= '0' && p[-1] <= '9';)
		p--;
	return p < digits && (p == s->text || p[-1] == '\n');
}

/* item_word_zh: the word a numbered line's text starts at */
static size_t
item_word_zh(const sentence *s)
{
	return s->n > 1 && notes__is_number(s->words[0].key) ? 1 : 0;
}

/* given_now_zh: is drug item k, in a numbered item of the plan, written
 * right after a word that gives it now ("2. 暂予阿司匹林100mg qd抗血小板",
 * "予", "给予")?  An item of the plan that gives a drug orders it: the
 * patient takes it (rules75zh20).  A plan's heading line ("诊疗计划：予左
 * 氧氟沙星抗感染") and a dose given before or after an operation ("术前
 * 予") stay planned. */
static bool
given_now_zh(const sentence *s, size_t k)
{
	static const char *const give[] = {"予", "给予", "暂予"};
	size_t w = s->items[k].w0;

	if (!numbered_line_zh(s))
		return false;
	for (size_t i = 0; i < sizeof(give) / sizeof(*give); i++) {
		size_t n = strlen(give[i]) / 3;

		if (w >= n && notes__words_at(s, w - n, give[i]))
			return w == n ||
			       !(notes__words_at(s, w - n - 1, "前") ||
				 notes__words_at(s, w - n - 1, "后"));
	}
	return false;
}

/* ordered_line_zh: does Chinese drug item k open a numbered line of the
 * plan with its dose right after it ("3. 阿托伐他汀40mg qn强化降脂")?  A
 * drug written so is prescribed, as a prescription writes it
 * (rules75zh20). */
static bool
ordered_line_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;

	return k == 0 && s->items[0].w0 == item_word_zh(s) &&
	       s->words[s->items[0].w0].han && w < s->n &&
	       s->words[w].key[0] >= '0' && s->words[w].key[0] <= '9' &&
	       numbered_line_zh(s);
}

/* The ideographic full stop (U+3002), which ends a Chinese plan's item
 * as a full-width comma or semicolon does. */
static const char FULL_STOP_ZH[] = "\xe3\x80\x82";

/* clause_break: does the text between words w and w + 1 part a list's
 * items: a comma, a semicolon, a full stop, ASCII or Chinese, or a dash
 * written between spaces ("- hold metformin"), not the hyphen of
 * "post-op" nor the enumeration comma of a list of drugs
 * ("昂丹司琼、地塞米松")? */
static bool
clause_break(const sentence *s, size_t w)
{
	uint32_t from = s->words[w].end, to = s->words[w + 1].start;

	return notes__between_has(s, from, to, ',') ||
	       notes__between_has(s, from, to, ';') ||
	       notes__between_has(s, from, to, '.') ||
	       (notes__between_has(s, from, to, '-') && to - from > 1) ||
	       (from < to &&
		(memmem(s->text + from, to - from, FW_COMMA, 3) != NULL ||
		 memmem(s->text + from, to - from, FW_SEMI, 3) != NULL ||
		 memmem(s->text + from, to - from, FULL_STOP_ZH, 3) != NULL));
}

/* later_at: does word w start a word that puts a planned drug off to
 * later? */
static bool
later_at(const sentence *s, size_t w)
{
	static const char *const later[] = {
		"post op",   "postop",	   "post operative", "postoperative",
		"pre op",    "preop",	   "pre procedure",  "premed",
		"intra op",  "intraop",	   "on the day",     "from",
		"once",	     "after",	   "tomorrow",	     "when",
		"discharge", "on release", "discussed",	     "later",
		"delayed",   "if",	   "will",	     "would"};
	static const char *const later_zh[] = {
		"术前",	  "术后",   "术中",   "術前", "術後", "術中",
		"围术期", "圍術期", "诱导",   "誘導", "出院", "明日",
		"明天",	  "次日",   "待",     "拟",   "擬",   "考虑",
		"考慮",	  "评估",   "評估",   "如",   "若",   "必要时",
		"必要時", "需要时", "需要時", "周后", "週後", "天后",
		"天後",	  "日后",   "日後"};

	return notes__words_in(s, w, later_zh,
			       sizeof(later_zh) / sizeof(*later_zh)) ||
	       notes__phrases_in(s, w, later, sizeof(later) / sizeof(*later));
}

/* later_in_item: does drug item k's list item under a plan, or the label
 * before a colon that heads it, say that the drug is for later
 * ("enoxaparin 40mg 12h post-op", "from 18:00", "once swallowing", "kit
 * on release", "Post-op analgesia: regular paracetamol, oxycodone PCA",
 * "术后镇痛：对乙酰氨基酚 1g q6h", "待骨培养结果")?
 * A plan's item that says no such thing orders the drug now, and most
 * writers annotate it as taken (issue 75, medctx75). */
static bool
later_in_item(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1, label = w0;

	while (w0 > 0 && !clause_break(s, w0 - 1))
		w0--;
	while (w1 < s->n && !clause_break(s, w1 - 1))
		w1++;
	for (size_t w = w0; w < w1; w++)
		if (later_at(s, w))
			return true;
	while (label > 0 && notes__colon_at(s->text, s->words[label - 1].end,
					    s->words[label].start) == NULL)
		label--;
	for (size_t w = label; w-- > 0;) {
		if (later_at(s, w))
			return true;
		if (w > 0 && clause_break(s, w - 1))
			break;
	}
	return false;
}

/* plan_for_later: is s under a plan its heading puts off to a coming
 * event, the heading's line starting with it ("Anaesthetic plan:",
 * "Sedation plan:", "Discharge plan:", "麻醉计划：")? */
static bool
plan_for_later(const sentence *s)
{
	static const char *const event[] = {
		"anaesthetic", "anesthetic", "sedation", "discharge",
		"delivery",    "麻醉",	     "术后",	 "術後",
		"围术期",      "圍術期"};
	const char *p = s->text + s->section_at;
	size_t left = s->text_len - s->section_at;

	for (size_t i = 0; i < sizeof(event) / sizeof(*event); i++) {
		size_t n = strlen(event[i]), j = 0;

		while (j < n && j < left &&
		       tolower((unsigned char)p[j]) ==
			       (unsigned char)event[i][j])
			j++;
		if (j == n)
			return true;
	}
	return false;
}

/* plan_orders: is item k a drug a plan's heading ("Plan:", "A/P:",
 * "Mx:", "诊疗计划：", "計畫：") orders now, its list item saying nothing
 * of later? */
static bool
plan_orders(const sentence *s, const notes_entry *t, size_t k)
{
	return (t->dir & NOTES_DIR_PLAN) && (t->dir & NOTES_DIR_SECTION) &&
	       s->items[k].e->type == NOTES_T_SUBSTANCE && !plan_for_later(s) &&
	       !later_in_item(s, k);
}

/* patient_opens: does s open with the patient as its subject ("患者无烟
 * 酒嗜好", "本人无吸烟史", "Patient has never smoked")?  Under a family
 * history the sentence tells the patient's own (famhx75d). */
static bool
patient_opens(const sentence *s)
{
	static const char *const patient[] = {"患者", "病人",	 "患儿",
					      "本人", "patient", "pt"};

	return s->n > 1 && notes__words_in(s, 0, patient, N_OF(patient));
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
	if (t == NULL || plan_orders(s, t, k) ||
	    ((t->dir & NOTES_DIR_PLAN) &&
	     (allergy || bits ||
	      (medicine && (continued(s, k) || given_now_zh(s, k) ||
			    ordered_line_zh(s, k))))) ||
	    (t->type == NOTES_T_HISTORICAL && medicine) || !holds(s, t, k) ||
	    own_line_ends(s, t, k) ||
	    (t->type == NOTES_T_FAMILY && patient_opens(s)))
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

/* emphasis_after: does 尤其, 特别是 or 包括 follow terminator item m ("避
 * 免使用抗精神病药，尤其氟哌啶醇", "不要自行买药，包括…止痛药")?  The clause
 * it opens goes on the one before it: what it names is what that clause
 * says, most of all or among others (rules75zh21). */
static bool
emphasis_after(const sentence *s, size_t m)
{
	static const char *const most[] = {"尤其", "特别是", "包括"};

	return notes__words_in(s, s->items[m].w1, most,
			       sizeof(most) / sizeof(*most));
}

/* age_words: how many words at w tell a relative's age, written between
 * the relative and what is said of them ("Mother 71 with diabetes",
 * "Mum (22) with asthma", "father aged 80 with gout"): "aged" and a
 * number of at most three digits, or none (famhx75c: en-dev12). */
static size_t
age_words(const sentence *s, size_t w)
{
	size_t n = w < s->n && notes__words_at(s, w, "aged") ? 1 : 0;

	if (w + n >= s->n || !notes__is_number(s->words[w + n].key) ||
	    strlen(s->words[w + n].key) > 3)
		return 0;
	return n + 1;
}

/* kin_with: is terminator item m a "with" right after a relative's name,
 * in family trigger j's scope ("FH: mom with lupus", "Family hx: nan
 * with dementia")?  A family history names the relative's problems so,
 * as relative_with reads "mother with breast cancer"; the lay words
 * are no family triggers of their own (famhx75b: en-dev38). */
static bool
kin_with(const sentence *s, size_t j, size_t m)
{
	static const char *const kin[] = {
		"mum",	  "mom",   "dad",    "mam",	"mummy",
		"nan",	  "nana",  "granny", "grandma", "grandpa",
		"cousin", "niece", "nephew", "sibling", "twin"};
	size_t w = s->items[m].w0;

	if (s->items[j].e->type != NOTES_T_FAMILY ||
	    strcmp(s->items[m].e->key, "with") != 0)
		return false;
	for (size_t a = 1; a <= 3 && a <= w; a++)
		if ((a == 1 || age_words(s, w - a + 1) == a - 1) &&
		    notes__words_in(s, w - a, kin, sizeof(kin) / sizeof(*kin)))
			return true;
	return false;
}

/* relative_takes_zh: does comma item m, in family trigger j's clause after
 * a problem of the relative's, open a clause that begins with taking a
 * drug ("母亲有抑郁症，服用舍曲林治疗", "其父亲：高血压，服硝苯地平")?
 * No new subject is written: the relative goes on taking the drug for
 * that problem, as "Mother has depression, on sertraline" tells it
 * (famhx75b: zh-dev13, zh-dev34 annotate the drug as family). */
static bool
relative_takes_zh(const sentence *s, size_t j, size_t m)
{
	static const char *const takes[] = {"服用",	"口服",	  "长期服",
					    "长期口服", "一直服", "规律服",
					    "在服",	"正在服", "服"};
	bool problem = false;

	if (s->items[j].e->type != NOTES_T_FAMILY)
		return false;
	for (size_t p = j + 1; p < m && !problem; p++)
		problem = s->items[p].e->type == NOTES_T_PROBLEM;
	return problem && notes__words_in(s, s->items[m].w1, takes,
					  sizeof(takes) / sizeof(*takes));
}

/* reason_only: is terminator e a reason ("due to", "owing to") that ends
 * a negation's scope only, where trigger t is not one?  "Co-amoxiclav not
 * given due to penicillin allergy": the allergy is the reason, not
 * denied; "spironolactone, discontinued due to hyperkalaemia": the
 * hyperkalaemia is as past as the drug (rules75en20). */
static bool
reason_only(const notes_entry *e, const notes_entry *t)
{
	return t->type != NOTES_T_NEGATED && (strcmp(e->key, "due to") == 0 ||
					      strcmp(e->key, "owing to") == 0);
}

bool
notes__comma_between(const sentence *s, size_t j, size_t k)
{
	for (size_t m = j + 1; m < k; m++)
		if (is_comma(s->items[m].e))
			return true;
	return false;
}

/* START_WORDS: the most words (a dose, a frequency) between a drug and
 * the word after it that says it was started. */
#define START_WORDS 3

/* started_after: is drug item k, of an English stop trigger j before it,
 * followed within a dose's words by one that says it was started, no
 * drug right after that word ("Aspirin stopped and apixaban 5mg bd
 * started for AF")?  The stop is of the drug before, the one started is
 * taken; "started apixaban" starts the drug after it (rules75en16). */
static bool
started_after(const sentence *s, size_t j, size_t k)
{
	static const char *const starts[] = {"started", "was started",
					     "commenced", "was commenced"};
	const notes_entry *t = s->items[j].e;
	const item *m = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	if (!(t->dir & NOTES_DIR_STOP) || (unsigned char)t->key[0] >= 0x80 ||
	    s->items[k].e->type != NOTES_T_SUBSTANCE || m == NULL ||
	    m->e->type != NOTES_T_PSEUDO ||
	    m->w0 - s->items[k].w1 > START_WORDS ||
	    !notes__words_in(s, m->w0, starts,
			     sizeof(starts) / sizeof(*starts)))
		return false;
	return k + 2 >= s->n_items || !is_drug(&s->items[k + 2]) ||
	       s->items[k + 2].w0 != m->w1;
}

static int bracket_depth(const sentence *s, uint32_t from, uint32_t to,
			 size_t *parts);

/* aside_with: is terminator item m a "with" in a bracket opened right
 * after family trigger j and closed before item k ("grandmother (lives
 * with them) has asthma")?  The aside tells who the relative is; what
 * follows it is still theirs (ctxprob75a: en-dev35). */
static bool
aside_with(const sentence *s, size_t j, size_t m, size_t k)
{
	uint32_t i = s->items[j].end;

	if (s->items[j].e->type != NOTES_T_FAMILY ||
	    strcmp(s->items[m].e->key, "with") != 0)
		return false;
	while (i < s->items[m].start && s->text[i] == ' ')
		i++;
	return i < s->items[m].start && s->text[i] == '(' &&
	       bracket_depth(s, i, s->items[m].start, NULL) > 0 &&
	       bracket_depth(s, i, s->items[k].start, NULL) == 0;
}

/* marked_line_between: does a line in text[from, to) open, past its
 * indent, with a checklist's mark, "(+)", "(-)" or "(?)"? */
static bool
marked_line_between(const sentence *s, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i + 3 < to; i++) {
		uint32_t at = i + 1;

		if (s->text[i] != '\n')
			continue;
		while (at < to && (s->text[at] == ' ' || s->text[at] == '\t'))
			at++;
		if (at + 3 <= to && s->text[at] == '(' &&
		    strchr("+-?", s->text[at + 1]) != NULL &&
		    s->text[at + 2] == ')')
			return true;
	}
	return false;
}

bool
notes__scope_ends(const sentence *s, size_t j, size_t k)
{
	unsigned dir = s->items[j].e->dir;
	bool past_comma = dir & NOTES_DIR_PAST_COMMA, commas = false;

	if (started_after(s, j, k))
		return true;
	/* a checklist's "(-)" marks its own entry, to the next line that
	 * opens with a mark ("Allergies: (-) food⏎  (+) drug:
	 * Cotrimoxazole", allergy75uf) */
	if (strcmp(s->items[j].e->key, "(-)") == 0 &&
	    marked_line_between(s, s->items[j].end, s->items[k].start))
		return true;

	for (size_t m = j + 1; m < k; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type == NOTES_T_TERMINATOR &&
		    !((past_comma || emphasis_after(s, m) ||
		       relative_takes_zh(s, j, m)) &&
		      is_comma(e)) &&
		    !kin_with(s, j, m) && !aside_with(s, j, m, k) &&
		    !reason_only(e, s->items[j].e))
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

/* relative_lends: is family trigger j a relative's possessive before a
 * drug, item k told after that drug's clause ("taking her sister's
 * diclofenac gel - advised to stop (NSAID sensitivity)")?  The relative
 * owns only the drug the patient borrowed; what the sentence tells past
 * it is the patient's (allergy75v). */
static bool
relative_lends(const sentence *s, size_t j, size_t k)
{
	size_t w = s->items[j].w1;

	if (w + 1 >= s->n || j + 1 >= k || !notes__words_at(s, w, "s") ||
	    !is_drug(&s->items[j + 1]) || s->items[j + 1].w0 != w + 1)
		return false;
	for (uint32_t i = s->items[j + 1].end; i < s->items[k].start; i++)
		if (strchr(",;(-", s->text[i]) != NULL)
			return true;
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
 * the relative's story, as it does for a relative's allergy, past an
 * age ("Mother 71 with type 2 diabetes on metformin and insulin"). */
static bool
relative_with(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1;

	if (s->items[j].e->type != NOTES_T_FAMILY)
		return false;
	w += age_words(s, w);
	return w < s->n && notes__words_at(s, w, "with");
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

bool
notes__drug_after(const sentence *s, size_t j)
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
	return (s->items[j].e->dir & NOTES_DIR_FORWARD) &&
	       notes__drug_after(s, j);
}

/* other_subject: is backward trigger j about another drug than item k:
 * one a full-width parenthesis between them names (paren_subject), or,
 * for a stop that reads both ways, the drug written right after it, its
 * object ("阿司匹林+氯吡格雷——已暂停阿司匹林": aspirin's first mention and
 * clopidogrel are taken)?  A switch (backward only: "泼尼松龙改为氢化可的
 * 松") names the new drug and still stops the old one. */
/* stop_object: is English backward stop trigger j a verb of stopping in
 * its base form ("advised to stop") with a word right after it, its
 * object ("advised to stop smoking")?  Then it stops that, not the drug
 * before it; "advised to stop now", "... to stop it" and a stop the
 * clause ends at ("advised to stop.", "advised to stop (bone healing)")
 * stop the drug (rules75en19). */
static bool
stop_object(const sentence *s, size_t j)
{
	static const char *const not_object[] = {"now", "it", "them", "today",
						 "immediately"};
	const notes_entry *t = s->items[j].e;
	size_t n = strlen(t->key), w = s->items[j].w1;

	if (!(t->dir & NOTES_DIR_STOP) || (t->dir & NOTES_DIR_FORWARD) ||
	    n < 5 || strcmp(t->key + n - 5, " stop") != 0 || w >= s->n)
		return false;
	for (uint32_t p = s->items[j].end; p < s->words[w].start; p++)
		if (s->text[p] != ' ')
			return false;
	return !notes__words_in(s, w, not_object,
				sizeof(not_object) / sizeof(*not_object));
}

static bool
other_subject(const sentence *s, size_t k, size_t j)
{
	const unsigned both = NOTES_DIR_STOP | NOTES_DIR_FORWARD;

	return paren_subject(s, k, j) || stop_object(s, j) ||
	       ((s->items[j].e->dir & both) == both && j + 1 < s->n_items &&
		is_drug(&s->items[j + 1]) &&
		s->items[j + 1].start == s->items[j].end);
}

/* STOP_CLAUSES_ZH: how many clauses a Chinese stop may follow its drug
 * by when those between tell only why ("予普萘洛尔10mg bid口服，患者自觉
 * 乏力，半年前自行停药"; "予布洛芬…2周，疼痛稍缓解，但出现上腹不适、反酸，
 * 已停用"). */
#define STOP_CLAUSES_ZH 3

/* stop_commas: the most full-width commas stop trigger j may stand
 * after its drug: one, or STOP_CLAUSES_ZH for a Chinese stop already
 * done ("已停用", not a hold or a plan: "已暂停", "建议停用"). */
static size_t
stop_commas(const sentence *s, size_t j)
{
	const notes_entry *t = s->items[j].e;

	return (unsigned char)t->key[0] >= 0x80 && (t->dir & NOTES_DIR_DONE)
		       ? STOP_CLAUSES_ZH
		       : 1;
}

/* Where a Chinese clause ends, looking back: the full-width comma,
 * semicolon, full stop and opening parenthesis, the dash and their ASCII
 * kin. */
static const char *const clause_marks_zh[] = {"，", "；", "。", "（", "—",
					      ",",  ";",  "(",	"\n"};

/* PREOP_ZH_BYTES: how far back from a stop its clause is searched for 术前
 * or 已于 ("已于术前7天停用" is 21 bytes before 停用). */
#define PREOP_ZH_BYTES 36

bool
notes__ends_in(const char *text, size_t from, size_t i, const char *const *list,
	       size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t l = strlen(list[k]);

		if (i - from >= l && memcmp(text + i - l, list[k], l) == 0)
			return true;
	}
	return false;
}

/* count_at: does p open with a count, in digits or in Chinese
 * ("5天", "一日", "两周")? */
static bool
count_at(const char *p)
{
	static const char *const numerals[] = {"一", "二", "两", "兩", "三",
					       "四", "五", "六", "七"};

	if (isdigit((unsigned char)*p))
		return true;
	for (size_t m = 0; m < sizeof(numerals) / sizeof(*numerals); m++)
		if (strncmp(p, numerals[m], strlen(numerals[m])) == 0)
			return true;
	return false;
}

/* marked_in_clause_zh: does the Chinese clause that ends at byte at (not
 * reaching back past floor, nor more than PREOP_ZH_BYTES) hold one of
 * list's n words, followed by what then accepts (NULL: anything)? */
static bool
marked_in_clause_zh(const char *text, size_t floor, size_t at,
		    const char *const *list, size_t n,
		    bool (*then)(const char *))
{
	const size_t n_marks =
		sizeof(clause_marks_zh) / sizeof(*clause_marks_zh);

	for (size_t i = at; i > floor && at - i < PREOP_ZH_BYTES; i--) {
		if (notes__ends_in(text, floor, i, list, n) &&
		    (then == NULL || then(text + i)))
			return true;
		if (notes__ends_in(text, floor, i, clause_marks_zh, n_marks))
			return false;
	}
	return false;
}

bool
notes__preop_stop_zh(const char *text, size_t from, size_t at)
{
	static const char *const preop[] = {"术前", "術前"};

	return marked_in_clause_zh(text, from, at, preop, 2, count_at);
}

/* stop_ended: is there a terminator between drug item k and stop
 * trigger j that ends the stop's reach?  A Chinese stop already done
 * reaches past 但 ("予度洛西汀30mg，但病人自觉恶心、头晕，自行停药"): the
 * turn of the story is why the drug was stopped, not another subject. */
static bool
stop_ended(const sentence *s, size_t k, size_t j)
{
	static const char *const turns[] = {"但", "但是"};

	for (size_t m = k + 1; m < j; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type != NOTES_T_TERMINATOR ||
		    (e->dir & NOTES_DIR_SCOPE_ONLY))
			continue;
		if (stop_commas(s, j) == 1 ||
		    !notes__among(e->key, turns,
				  sizeof(turns) / sizeof(*turns)))
			return true;
	}
	return false;
}

/* stop_reaches: does stop trigger j (backward) reach drug item k in the
 * clauses before its own ("长期服用氢氯噻嗪及厄贝沙坦，目前暂停")?  The
 * clauses after the drug's name no drug, and one full-width comma parts
 * them, or a few for a Chinese stop (stop_commas).  An as-needed
 * trigger reaches so too, from its own clause only ("布洛芬0.3g bid，疼痛
 * 时服用"; zh-dev2's writer reads "普拿疼 500mg q6h 疼痛時服用" on a
 * discharge list as given). */
static bool
stop_reaches(const sentence *s, size_t k, size_t j)
{
	size_t commas = 0;

	if (j < k ||
	    !((s->items[j].e->dir & NOTES_DIR_AS_NEEDED) ||
	      ((s->items[j].e->dir & NOTES_DIR_STOP) &&
	       (s->items[j].e->dir & NOTES_DIR_BACKWARD))) ||
	    s->items[k].e->type != NOTES_T_SUBSTANCE || stop_ended(s, k, j))
		return false;
	for (size_t m = k + 1; m < j; m++) {
		const notes_entry *e = s->items[m].e;

		if (is_comma(e))
			commas++;
		else if (commas && (e->type == NOTES_T_SUBSTANCE ||
				    e->type == NOTES_T_CLASS))
			return false;
	}
	return commas >= 1 && commas <= stop_commas(s, j) &&
	       !names_drug_after(s, j) && !paren_subject(s, k, j) &&
	       !stop_object(s, j);
}

/* DECLINE_COMMAS: the most full-width commas a refusal may follow the
 * drug offered by ("建议帕罗西汀，患者担心"抗抑郁药"而拒绝"). */
#define DECLINE_COMMAS 2

/* mark_at: does a mark, or the end, start the text at i, past spaces:
 * ASCII punctuation, or a full-width or CJK one (EF BC, E3 80, E2 80
 * lead bytes: "，", "。", "（", "——")? */
static bool
mark_at(const sentence *s, uint32_t i)
{
	const unsigned char *t = (const unsigned char *)s->text;

	while (i < s->text_len && t[i] == ' ')
		i++;
	if (i >= s->text_len || (t[i] < 0x80 && !isalnum(t[i])))
		return true;
	return i + 1 < s->text_len && ((t[i] == 0xEF && t[i + 1] == 0xBC) ||
				       (t[i] == 0xE3 && t[i + 1] == 0x80) ||
				       (t[i] == 0xE2 && t[i + 1] == 0x80));
}

/* refusal_bare: does refusal j name no object of its own, so that it
 * refuses the drug offered before it?  Nothing but a mark, the end, a
 * pronoun, a reason or its agent follows it ("she declined for now",
 * "declined it", "declined by the team", "家属拒绝。", "患者目前拒绝,担心
 * 发胖"); an object does
 * ("declined anticoagulation", "家属拒绝抗凝"), and so does a refusal to
 * take again ("拒绝再用", "declined retry"), of a drug already past. */
static bool
refusal_bare(const sentence *s, size_t j)
{
	static const char *const bare[] = {
		"it",  "them", "this",	"for", "as",  "because", "due",
		"now", "at",   "today", "and", "but", "by",	 "了"};

	return mark_at(s, s->items[j].end) ||
	       notes__words_in(s, s->items[j].w1, bare,
			       sizeof(bare) / sizeof(*bare));
}

/* decline_reaches: is decline trigger j, written after drug item k in
 * its sentence, the patient's refusal of that drug, offered or ordered
 * ("Sertraline offered, she declined for now", "建议加用碳酸锂，家属拒
 * 绝", "皮下注射门冬胰岛素，患者拒绝")?  Writers annotate the drug so
 * refused negated (medctx75a).  No drug is named between them or right
 * after the refusal, which then refuses that one ("gabapentin 300 mg
 * given, declined oxycodone", "阿司匹林（家属拒绝抗凝）"); no full stop,
 * semicolon or terminator parts them, a comma or two at most.  A
 * withholding that reads both ways ("暫不用 pentoxifylline") has its own
 * backward scope, its clause. */
static bool
decline_reaches(const sentence *s, size_t k, size_t j)
{
	const notes_entry *t = s->items[j].e;
	size_t commas = 0;

	if (j <= k || t->type != NOTES_T_NEGATED ||
	    (t->dir & (NOTES_DIR_DECLINE | NOTES_DIR_BACKWARD)) !=
		    NOTES_DIR_DECLINE ||
	    s->items[k].e->type != NOTES_T_SUBSTANCE ||
	    notes__terminated(s, k, j) ||
	    notes__part_ends(s, s->items[k].end, s->items[j].start) ||
	    notes__drug_after(s, j) || !refusal_bare(s, j))
		return false;
	for (size_t m = k + 1; m < j; m++) {
		if (is_drug(&s->items[m]))
			return false;
		commas += is_comma(s->items[m].e);
	}
	return commas <= DECLINE_COMMAS;
}

/* code_mixed: does Chinese trigger key hold an English word ("已经 de
 * label")? */
static bool
code_mixed(const char *key)
{
	for (; *key != '\0'; key++)
		if (*key >= 'a' && *key <= 'z')
			return true;
	return false;
}

/* label_done_zh: is key a Chinese removal of the label itself, done
 * ("已脱标签", "已去标签")?  Like the English removal it ends the label's
 * story after its test, across the clauses that told it ("既往自报\"青霉素
 * 过敏\"，…行皮试及口服激发试验阴性，已脱标签", allergy75lf). */
static bool
label_done_zh(const char *key)
{
	static const char *const done[] = {"已脱标签", "已去标签",
					   "已去掉标签"};

	for (size_t i = 0; i < N_OF(done); i++)
		if (strcmp(key, done[i]) == 0)
			return true;
	return false;
}

/* label_removed_reaches: is trigger j a de-labelling written in a later
 * clause than allergy item k, with no drug named between them ("might be
 * allergic to chlorhexidine after a red patch; patch tested, negative, so
 * that label has been removed")?  The removal is of the last drug's label
 * before it, whatever semicolon or comma parts the label's story from its
 * test.  A member of k's class between is the test, not another label
 * ("Previous penicillin \"allergy\" - vague; he had flucloxacillin in
 * 2018 without any problem -> we have removed this label", rules75en28).
 * English, an English removal within Chinese ("Penicillin：以前寫住敏感，...
 * 都陰性，已經 de-label", allergy75dp), or a Chinese removal of the label
 * itself (label_done_zh); another Chinese removal reaches its own
 * clause. */
static bool
label_removed_reaches(const sentence *s, size_t k, size_t j)
{
	const notes_entry *t = s->items[j].e;

	if (j < k || t->type != NOTES_T_NEGATED ||
	    !(t->dir & NOTES_DIR_DELABEL) ||
	    ((unsigned char)t->key[0] >= 0x80 && !code_mixed(t->key) &&
	     !label_done_zh(t->key)))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) &&
		    !(s->items[k].e->type == NOTES_T_CLASS &&
		      notes__member_of(s->items[m].e->code,
				       s->items[k].e->code)))
			return false;
	return true;
}

/* bracket_depth: how deep in brackets the text is at offset to, counting
 * from offset from; *parts, when given, counts the list items that end
 * between (a comma or semicolon outside brackets). */
static int
bracket_depth(const sentence *s, uint32_t from, uint32_t to, size_t *parts)
{
	int depth = 0;
	uint32_t len;

	for (uint32_t i = from; i < to; i += len) {
		int mark = notes__list_mark(s->text, i, to, &len);

		if (mark == 2)
			depth++;
		else if (mark == 3 && depth > 0)
			depth--;
		else if (mark == 1 && depth == 0 && parts != NULL)
			(*parts)++;
	}
	return depth;
}

/* bracketed: is text offset at inside a bracket opened after offset from
 * ("急性肾损伤1期（肌酐峰值138，基线80），已恢复": the comma inside tells
 * the injury's numbers, and parts no clause)? */
static bool
bracketed(const sentence *s, uint32_t from, uint32_t at)
{
	return bracket_depth(s, from, at, NULL) > 0;
}

/* resolved_reaches: does resolution trigger j ("已纠正", "后好转")
 * reach problem item k in the clause before its own, over one
 * full-width comma ("住院期间曾出现低钾血症，已纠正"; a comma in a bracket
 * closed between them does not count)?  Only when its
 * own clause names no problem: "下肢水肿消退" ends only its own.  A
 * recurrence denied (无复发, 冇复发) speaks of the disease its list
 * item is about, over any number of clauses, when no other problem
 * stands between ("乳腺癌，2015年手术，术后化疗，无复发", "鼻咽癌（2025
 * 年），完成同步放化療，今年 PET-CT 冇復發跡象"; probctx75g). */
static bool
resolved_reaches(const sentence *s, size_t k, size_t j)
{
	const unsigned want = NOTES_DIR_BACKWARD | NOTES_DIR_PROBLEM;
	bool far = strstr(s->items[j].e->key,
			  "\xe5\xa4\x8d\xe5\x8f\x91" /* 复发 */) != NULL,
	     other = false,
	     inside = bracketed(s, s->items[k].end, s->items[j].start);
	size_t commas = 0;

	if (j < k || (s->items[j].e->dir & want) != want ||
	    notes__terminated(s, k, j))
		return false;
	for (size_t m = j; m-- > k + 1;) {
		if (is_comma(s->items[m].e))
			commas += inside || !bracketed(s, s->items[k].end,
						       s->items[m].start);
		else if (s->items[m].e->type != NOTES_T_PROBLEM)
			continue;
		else if (commas == 0)
			return false;
		else
			other = other || strcmp(s->items[m].e->code,
						s->items[k].e->code) != 0;
	}
	return commas == 1 || (far && commas > 1 && !other);
}

/* list_parts: how many list items end between text offsets from and to
 * (a comma or semicolon outside brackets)? */
static size_t
list_parts(const sentence *s, uint32_t from, uint32_t to)
{
	size_t parts = 0;

	bracket_depth(s, from, to, &parts);
	return parts;
}

/* cause_after_problem: is English problem item k the cause of a problem
 * before it in its list item ("delirium days 1-3 from sepsis", "AKI due
 * to sepsis")?  What resolves after them is that problem, not its cause. */
static bool
cause_after_problem(const sentence *s, size_t k)
{
	static const char *const by[] = {"due", "secondary", "caused"};
	size_t w = s->items[k].w0;
	bool cause = false;

	if (w >= 1 && !s->words[w - 1].han)
		cause = strcmp(s->words[w - 1].key, "from") == 0 ||
			(w >= 2 &&
			 (strcmp(s->words[w - 1].key, "to") == 0 ||
			  strcmp(s->words[w - 1].key, "by") == 0) &&
			 notes__words_in(s, w - 2, by,
					 sizeof(by) / sizeof(*by)));
	for (size_t m = 0; cause && m < k; m++)
		if (s->items[m].e->type == NOTES_T_PROBLEM &&
		    list_parts(s, s->items[m].end, s->items[k].start) == 0)
			return true;
	return false;
}

/* treated_apart: is resolution trigger j "treated" not a list item's
 * closing word?  Only "treated" after a comma or a spaced dash, last in
 * its sentence, says the problem is over ("Iron deficiency (heavy
 * periods), treated.", "SBP (PMN 740) - treated", probctx75f); "treated
 * with IV co-amoxiclav", "insulin-treated", "inadequately treated" and
 * a long sentence that ends on "treated" say nothing of the problems
 * before it. */
static bool
treated_apart(const sentence *s, size_t j)
{
	uint32_t at = s->items[j].start;

	if (strcmp(s->items[j].e->key, "treated") != 0)
		return false;
	while (at > 0 && s->text[at - 1] == ' ')
		at--;
	if (at < 2 || (s->text[at - 1] != ',' &&
		       (s->text[at - 1] != '-' || s->text[at - 2] != ' ')))
		return true;
	for (size_t w = s->items[j].w1; w < s->n; w++)
		if (s->words[w].han ||
		    isalnum((unsigned char)s->words[w].key[0]))
			return true;
	return false;
}

/* resolution_apart_en: is English resolution trigger j ("resolved",
 * "corrected") kept from problem item k before it by a problem of a
 * later list item?  It ends the problems of the nearest item that names
 * one ("expressive dysphasia (improving), dysphagia resolved": the
 * dysphasia goes on; "Iron deficiency in pregnancy, iron tabs.
 * Gestational diabetes (diet), resolved"), past items that name none
 * ("Acute kidney injury (creat 88 -> 201), prerenal, resolved").
 * "Both resolved", "all resolved" end every one ("pneumonia, then
 * delirium - both resolved"). */
static bool
resolution_apart_en(const sentence *s, size_t k, size_t j)
{
	const notes_entry *t = s->items[j].e;
	size_t w = s->items[j].w0;

	if (j <= k || !notes__resolution(t) || (unsigned char)t->key[0] >= 0x80)
		return false;
	if (treated_apart(s, j))
		return true;
	if (w > 0 && (strcmp(s->words[w - 1].key, "both") == 0 ||
		      strcmp(s->words[w - 1].key, "all") == 0))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (s->items[m].e->type == NOTES_T_PROBLEM &&
		    list_parts(s, s->items[k].end, s->items[m].start) > 0)
			return true;
	return cause_after_problem(s, k);
}

/* resolution_apart_zh: is Chinese resolution trigger j ("已缓解", "已纠
 * 正") kept from problem item k before it by another problem between, in
 * the same clause?  The word ends the problem it is written after: in
 * "酒精依赖综合征 酒精戒断综合征（已缓解）" the withdrawal is over, the
 * dependence goes on (ctxzh75a).  A run of problems joined by 、 ends
 * together ("低镁血症、低钾血症、低钠血症（已纠正）"). */
static bool
resolution_apart_zh(const sentence *s, size_t k, size_t j)
{
	const notes_entry *t = s->items[j].e;
	uint32_t from = s->items[k].end;

	if (j <= k || !notes__resolution(t) || (unsigned char)t->key[0] < 0x80)
		return false;
	for (size_t m = k + 1; m < j; m++) {
		uint32_t to = s->items[m].start;

		if (s->items[m].e->type == NOTES_T_PROBLEM &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return to <= from ||
			       memmem(s->text + from, to - from,
				      "\xe3\x80\x81" /* 、 */, 3) == NULL;
	}
	return false;
}

/* answer_reaches: does trigger j, in a later clause, answer allergy item
 * k's story (English: a label removed, "X - no allergy", "these are his
 * wife's")? */
static bool
answer_reaches(const sentence *s, size_t k, size_t j)
{
	return dash_no_allergy(s, j, k) || relative_owns(s, k, j) ||
	       relative_reacted(s, k, j) || label_removed_reaches(s, k, j);
}

/* singular_stop_apart: is English stop trigger j, after item k, said of
 * one drug, "was" its verb ("was stopped"), and k in an earlier item of
 * its list ("Continue: aspirin 100mg, amlodipine 10mg, nifedipine was
 * stopped before")?  The singular stops the drug of its own item only;
 * the drugs listed before it go on (rules75en21). */
static bool
singular_stop_apart(const sentence *s, size_t k, size_t j)
{
	const notes_entry *t = s->items[j].e;

	return j > k && (t->dir & NOTES_DIR_STOP) &&
	       strncmp(t->key, "was ", 4) == 0 && !same_item(s, k, j);
}

/* excluded_then: is negation trigger neg a diagnosis excluded ("Asthma
 * excluded last year", "coeliac disease excluded (TTG negative 2024)",
 * probctx75e)?  Its date is the exclusion's: the problem was never the
 * patient's, not a past one. */
static bool
excluded_then(const char *neg)
{
	return strcmp(neg, "excluded") == 0 || strcmp(neg, "ruled out") == 0 ||
	       strcmp(neg, "has been ruled out") == 0 ||
	       strcmp(neg, "已排除") == 0;
}

/* denied_past: a problem denied under a past history heading
 * ("既往史：否认高血压病史") was never the patient's, so the heading does
 * not make it past (own: the bits of triggers other than headings; neg:
 * the negation's trigger). */
static unsigned
denied_past(unsigned bits, unsigned own, const char *neg, const char **trigger)
{
	if (!(bits & NOTES_NEGATED) || !(bits & NOTES_HISTORICAL) ||
	    ((own & NOTES_HISTORICAL) && !excluded_then(neg)))
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

/* found_record: is word w "found" said of what the teller found, not of
 * whom a test found ("Daughter found an old discharge paper: \"allergic
 * to penicillin\"", "wife phoned back - she found an old box of
 * Septrin"; not "brother was found on screening to have Wilson
 * disease")?  The relative brings the patient's record, as one who says
 * it does. */
static bool
found_record(const sentence *s, size_t w)
{
	static const char *const passive[] = {"was", "were", "is", "been"};

	return strcmp(s->words[w].key, "found") == 0 &&
	       !(w > 0 && notes__words_in(s, w - 1, passive, 4));
}

/* gives_history: is word w "gives" or "gave" with the history right after
 * it ("Wife gives h/o rash and itching all over body after Inj.
 * Diclofenac", allergy75sl)?  The relative tells the patient's history;
 * "gives" alone more often gives the patient a drug ("Mum gives Calpol"). */
static bool
gives_history(const sentence *s, size_t w)
{
	static const char *const gives[] = {"gives", "gave", "give"};
	static const char *const history[] = {"history", "hx", "h"};
	size_t h = w + 1;

	if (!notes__words_in(s, w, gives, sizeof(gives) / sizeof(*gives)))
		return false;
	if (h < s->n && strcmp(s->words[h].key, "a") == 0)
		h++;
	return notes__words_in(s, h, history,
			       sizeof(history) / sizeof(*history)) &&
	       (strcmp(s->words[h].key, "h") != 0 ||
		notes__words_at(s, h + 1, "o"));
}

/* The reporting words include those of a teller sure of the story ("wife
 * adamant he \"came up in a rash\" with Augmentin", rules75en28), of
 * one who phones in, corrects or reminds ("his daughter corrected him: he
 * had a severe reaction to quinine", allergy75bi) and of one who brings
 * the patient's papers or the patient ("wife brought his folder - he
 * also had a \"reaction\" to ciprofloxacin"); not "asked", as a
 * relative most often asks about their own drugs. */
bool
notes__reporting(const sentence *s, size_t w)
{
	static const char *const verbs[] = {
		"says", "said", "tells", "told", "reports", "reported",
		"confirms", "confirmed", "states", "stated", "adds", "added",
		"recalls", "mentions", "mentioned", "note", "explains",
		"explained", "remembers", "remembered", "adamant", "insists",
		"insisted", "describes", "described", "phoned", "rang",
		"corrected", "clarified", "clarifies", "reminded", "brought",
		"brings", "texted", "messaged", "wrote", "heard",
		/* "On 04/11 wife informed that he had itching and rashes
		 * with \"Septran\"" (en-dev79) */
		"informed", "informs",
		/* "Daughter (on speaker w/ RN) thinks Mom is \"allergic to
		 * penicillin too\"" (allergy75oc, en-dev74) */
		"thinks", "believes"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(s->words[w].key, verbs[i]) == 0)
			return true;
	return gives_history(s, w) || found_record(s, w);
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

	if (w > 0 && (notes__words_at(s, w - 1, "his") ||
		      notes__words_at(s, w - 1, "her")))
		w--;
	if (w == 0 ||
	    !notes__words_in(s, w - 1, from, sizeof(from) / sizeof(*from)))
		return false;
	return !notes__words_at(s, w - 1, "to") ||
	       (w >= 2 && notes__words_at(s, w - 2, "according"));
}

/* joined_to_patient: is family item j joined by "and" to the patient,
 * the patient named first or after it ("Patient and mother both
 * understand she is not allergic to penicillin", "she and her husband
 * were told")?  What the two are told or understand together is the
 * patient's, not the relative's (rules75en21). */
static bool
joined_to_patient(const sentence *s, size_t j)
{
	static const char *const patient[] = {"patient", "pt", "she", "he"};
	const size_t n = sizeof(patient) / sizeof(*patient);
	size_t w = s->items[j].w0, after = s->items[j].w1;

	if (w > 0 && (notes__words_at(s, w - 1, "his") ||
		      notes__words_at(s, w - 1, "her")))
		w--;
	if (w >= 2 && notes__words_at(s, w - 1, "and") &&
	    notes__words_in(s, w - 2, patient, n))
		return true;
	return after + 1 < s->n && notes__words_at(s, after, "and") &&
	       notes__words_in(s, after + 1, patient, n);
}

/* child_names_parent: is family trigger j a son or daughter, a mark
 * between it and word w, w "his" or "her" and then a parent ("Son: his
 * father", "Daughter - her mum")?  The child names its parent, the
 * patient. */
static bool
child_names_parent(const sentence *s, size_t j, size_t w)
{
	static const char *const children[] = {"son", "daughter"};
	static const char *const det[] = {"his", "her"};
	static const char *const parents[] = {"mother", "father", "mum", "mom",
					      "dad"};

	return notes__words_in(s, s->items[j].w0, children, N_OF(children)) &&
	       !notes__only_marks(s->text, s->items[j].end, s->words[w].start,
				  "") &&
	       w + 1 < s->n && notes__words_in(s, w, det, N_OF(det)) &&
	       notes__words_in(s, w + 1, parents, N_OF(parents));
}

/* quotes_patient: is family trigger j followed by a colon and then "he"
 * or "she" ("Patient's daughter: \"he's allergic to penicillin\""), or a
 * son or daughter followed by a colon or a dash and then "his" or "her"
 * and a parent ("Son: his father \"cannot take Brufen\"", allergy75ud)?
 * The relative speaks of the patient: the story is the patient's
 * (rules75en22). */
static bool
quotes_patient(const sentence *s, size_t j)
{
	static const char *const pronoun[] = {"he", "she"};
	size_t w = s->items[j].w1;

	if (w >= s->n || !notes__only_marks(s->text, s->items[j].end,
					    s->words[w].start, ":\"'-"))
		return false;
	if (notes__between_has(s, s->items[j].end, s->words[w].start, ':') &&
	    notes__words_in(s, w, pronoun, N_OF(pronoun)))
		return true;
	return child_names_parent(s, j, w);
}

/* PHONED_WORDS: the most words from a relative to the "on" of "on
 * phone" ("Daughter (NOK) on phone:"). */
#define PHONED_WORDS 3

/* phoned: is family trigger j a relative on the telephone, "on", "by" or
 * "via" ("the" may follow) and "phone" or "telephone" within PHONED_WORDS
 * words after it, then a colon or a dash ("Daughter (NOK) on phone:
 * mum \"can't take codeine\"", "Son on phone: very keen for home")?  The
 * relative speaks to the writer: what follows is the patient's story, as
 * after a reporting word (issue 75, allergy75p).  A comma is no such
 * mark: "Mother present on the phone, asked about her own \"thyroid
 * pills\"" goes on with the mother's own story. */
static bool
phoned(const sentence *s, size_t j)
{
	static const char *const by[] = {"on", "by", "via"};
	static const char *const phone[] = {"phone", "telephone"};
	size_t w = s->items[j].w1, end = w + PHONED_WORDS;
	const char *p;

	for (; w + 1 < s->n && w < end; w++) {
		size_t v = w + 1;

		if (!notes__words_in(s, w, by, 3))
			continue;
		if (notes__words_at(s, v, "the") && v + 1 < s->n)
			v++;
		if (!notes__words_in(s, v, phone, 2))
			return false;
		for (p = s->text + s->words[v].end; *p == ' ' || *p == ')'; p++)
			;
		return *p == ':' || *p == '-';
	}
	return false;
}

/* ASIDE_WORDS: how long a "who" aside after a relative may run before the
 * reporting word ("Her mother, who is with her and did most of the
 * talking for this part, says …"). */
#define ASIDE_WORDS 16

/* comma_before: is a comma written between word w - 1 and word w (w > 0:
 * a word after a relative's, or later)? */
static bool
comma_before(const sentence *s, size_t w)
{
	static const char *const comma[] = {","};

	return notes__gap_in(s, s->words[w - 1].end, s->words[w].start, comma,
			     1);
}

/* names_content: does an item from item m on start before word end and
 * name a drug, class, allergy, reaction or problem, not just a context
 * trigger ("with her" is a terminator, not something of the aside's
 * own)? */
static bool
names_content(const sentence *s, size_t m, size_t end)
{
	for (; m < s->n_items && s->items[m].w0 < end; m++)
		switch (s->items[m].e->type) {
		case NOTES_T_ALLERGY_CUE:
		case NOTES_T_REACTION:
		case NOTES_T_NONE_KNOWN:
		case NOTES_T_SUBSTANCE:
		case NOTES_T_CLASS:
		case NOTES_T_PROBLEM:
			return true;
		default:
			break;
		}
	return false;
}

/* reports_after_aside: is family trigger j followed by an aside set off
 * by commas that opens with "who" and names no drug or other item, and
 * then a reporting word, "has" at most before it ("Her mother, who is
 * with her today, says she is \"allergic to PCN\"", "His mother, who
 * attended today, recalls the rash", "mother, who was present at the
 * time, has told")?  The aside describes the teller; the story is the
 * patient's. */
static bool
reports_after_aside(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1, end;

	if (w >= s->n || !comma_before(s, w) || !notes__words_at(s, w, "who"))
		return false;
	end = w + ASIDE_WORDS < s->n ? w + ASIDE_WORDS : s->n;
	for (size_t v = w + 1; v < end; v++) {
		if (!comma_before(s, v))
			continue;
		if (names_content(s, j + 1, v))
			return false;
		if (v + 1 < s->n && notes__words_at(s, v, "has"))
			v++;
		return notes__reporting(s, v);
	}
	return false;
}

/* reports_after_bracket: is family trigger j followed by a bracket that
 * describes the teller, naming no drug or other item, and then a
 * reporting word right after it or one word on ("His daughter (a
 * pharmacist, who came with him) says he had facial swelling with
 * Augmentin", allergy75or, en-dev76)?  The story is the patient's, as
 * after a "who" aside set off by commas. */
static bool
reports_after_bracket(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1, end;

	if (w >= s->n || w == 0 ||
	    !notes__between_has(s, s->words[w - 1].end, s->words[w].start, '('))
		return false;
	end = w + ASIDE_WORDS < s->n ? w + ASIDE_WORDS : s->n;
	for (size_t v = w + 1; v < end; v++) {
		if (!notes__between_has(s, s->words[v - 1].end,
					s->words[v].start, ')'))
			continue;
		if (names_content(s, j + 1, v))
			return false;
		return notes__reporting(s, v) ||
		       (v + 1 < s->n && notes__reporting(s, v + 1));
	}
	return false;
}

/* unsure_at: does word w open a teller's doubt ("daughter isn't sure
 * it's right, thinks the rash Mum had ... might have been from the
 * erythromycin", allergy75pk, en-dev75)?  A relative unsure of the
 * patient's story tells it, as one who says it does. */
static bool
unsure_at(const sentence *s, size_t w)
{
	static const char *const unsure[] = {"isn t sure", "is not sure",
					     "wasn t sure", "not sure",
					     "unsure"};

	for (size_t i = 0; i < N_OF(unsure); i++)
		if (notes__phrase_at(s, w, unsure[i]))
			return true;
	return false;
}

/* speaks_of_own: does the sentence after family trigger j say the
 * relative speaks of their own ("His sister says her own penicillin
 * allergy was mild", "... is not sure about her own", allergy75pk)?  No
 * reporting word then makes the story the patient's. */
static bool
speaks_of_own(const sentence *s, size_t j)
{
	static const char *const poss[] = {"her", "his", "their"};

	/* "himself" may be the patient's ("His mother tells me he was
	 * allergic ..., though he doesn't remember it himself", en-dev4) */
	for (size_t w = s->items[j].w1 + 1; w < s->n; w++)
		if (notes__words_at(s, w, "own") &&
		    notes__words_in(s, w - 1, poss, N_OF(poss)))
			return true;
	return false;
}

/* reporter: is family trigger j the one who tells the patient's story,
 * a reporting word right after it or one word on ("daughter also says
 * \"she can't have sulphur drugs\"", "son (NOK) told the ward")?  The
 * story is the patient's. */
static bool
reporter(const sentence *s, size_t j)
{
	size_t w = s->items[j].w1;

	if (sourced(s, j) || joined_to_patient(s, j) || quotes_patient(s, j) ||
	    phoned(s, j) || reports_after_aside(s, j) ||
	    reports_after_bracket(s, j))
		return true;

	for (size_t n = 0; n < 2 && w + n < s->n; n++)
		if (notes__reporting(s, w + n) || unsure_at(s, w + n))
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
		if (notes__reporting(s, w))
			return true;
	}
	return false;
}

/* recalls_zh: is word w, after Chinese family trigger j and an adverb
 * at most (另, 也, 亦, 还, 又), a verb of recalling or guessing ("女儿回忆
 * 用药后出现皮疹", "女兒估計係 Voltaren")?  The relative judges what
 * happened to the patient, not to themself ("自己" after it is theirs). */
static bool
recalls_zh(const sentence *s, size_t w)
{
	static const char *const verbs[] = {"回忆", "估计", "记得",
					    "认为", "觉得", "猜"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t after = w + strlen(verbs[i]) / 3;

		if (notes__words_at(s, w, verbs[i]))
			return after >= s->n ||
			       !notes__words_at(s, after, "自己");
	}
	return false;
}

/* speech_opens_zh: does a colon or an opening quote stand between word
 * w - 1 and word w (or a dash, "母亲代述——幼时…"), and word w not open
 * with the speaker's own 我 or 自己
 * ("儿子补充：\"以前打左氧氟沙星也起过疹子\"")?  The relative quotes what
 * the patient had; "母亲说：\"我…\"" is the mother's own. */
static bool
speech_opens_zh(const sentence *s, size_t w)
{
	static const char *const opens[] = {"\xef\xbc\x9a", ":",
					    "\"",	    "\xe2\x80\x9c",
					    "\xe3\x80\x8c", "\xe2\x80\x94"};
	static const char *const own[] = {"我", "自己"};
	uint32_t from, to;

	if (w == 0 || w >= s->n || notes__words_in(s, w, own, 2))
		return false;
	from = s->words[w - 1].end;
	to = s->words[w].start;
	for (size_t i = 0; i < sizeof(opens) / sizeof(*opens); i++)
		if (memmem(s->text + from, to - from, opens[i],
			   strlen(opens[i])) != NULL)
			return true;
	return false;
}

/* past_arrival_zh: the word after the arrival a relative's report may
 * open with ("其妻到院补充：患者\"对青霉素过敏…\"", allergy75pw,
 * zh-dev77), w itself when none does. */
static size_t
past_arrival_zh(const sentence *s, size_t w)
{
	static const char *const came[] = {"到院", "来院", "赶到", "到场",
					   "来电"};

	for (size_t i = 0; i < N_OF(came); i++)
		if (w < s->n && notes__words_at(s, w, came[i]))
			return w + strlen(came[i]) / 3;
	return w;
}

/* reporter_zh: is Chinese family trigger j a relative who tells of the
 * patient, a reporting verb and the patient right after it ("病人弟弟表示
 * 病人对「磺胺」也过敏", "女儿说患者…", an adverb before the verb: "女儿另诉
 * 患者…") or the patient's words quoted after it ("儿子补充：\"以前打左氧
 * 氟沙星也起过疹子\"", speech_opens_zh), or who recalls or guesses it
 * (recalls_zh)?  The relative reports; the allergy is the patient's.
 * A grandparent or parent who tells of the child (孩子) or of the
 * patient's childhood (幼时) reports too ("奶奶说孩子“对青霉素过敏”",
 * "母亲代述——幼时用…").  A short bracketed aside may stand between the
 * relative and the verb ("患者母亲（陪诊）诉患者…", past_aside_zh).
 * "丈夫诉自己…" is the relative's own. */
/* past_aside_zh: the first word after Chinese family trigger j, past a
 * short bracketed aside right after it ("患者母亲（陪诊）诉患者8岁时…"): the
 * aside says who the relative is or why they came, and the verb that
 * follows it still tells who speaks.  Six words at most in the aside. */
static size_t
past_aside_zh(const sentence *s, size_t j)
{
	static const char *const closes[] = {"\xef\xbc\x89", ")"}; /* ） */
	const char *at = s->text + s->items[j].end;
	size_t w = s->items[j].w1;
	uint32_t shut = 0;

	if (w >= s->n || (strncmp(at, "\xef\xbc\x88", 3) != 0 && *at != '('))
		return w;
	for (size_t k = w; k < s->n && k < w + 6 && shut == 0; k++)
		for (size_t i = 0; i < 2; i++)
			if (memmem(s->text + s->words[k].end,
				   k + 1 < s->n ? s->words[k + 1].start -
							  s->words[k].end
						: 0,
				   closes[i], strlen(closes[i])) != NULL)
				shut = s->words[k].end;
	if (shut == 0)
		return w;
	while (w < s->n && s->words[w].start < shut)
		w++;
	return w;
}

static bool
reporter_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"表示", "诉",   "说",   "称", "话",
					    "补充", "代诉", "代述", "述"};
	static const char *const adverbs[] = {"另", "也", "亦", "还", "又"};
	static const char *const patient[] = {"病人", "患者", "患儿", "他",
					      "她",   "佢",   "细个", "小时候",
					      "孩子", "幼时"};
	size_t w = past_aside_zh(s, j);

	w = past_arrival_zh(s, w);
	if (w < s->n && notes__words_in(s, w, adverbs, 5))
		w++;
	if (w < s->n && recalls_zh(s, w))
		return true;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t after = w + strlen(verbs[i]) / 3;

		if (notes__words_at(s, w, verbs[i]) && after < s->n &&
		    (notes__words_in(s, after, patient,
				     sizeof(patient) / sizeof(*patient)) ||
		     speech_opens_zh(s, after)))
			return true;
	}
	return false;
}

/* asks_zh: is Chinese family trigger j a relative who asks the ward
 * something, 询问 or 问 right after them, a bracketed aside or an adverb
 * between ("女儿询问母亲的\"脑瘤\"是否会遗传", "丈夫询问能否继续用原来的
 * \"降糖药\"", "儿子问能不能喝鸡汤")?  The relative asks on the patient's
 * behalf, of the patient's illness; one who asks about their own ("母亲
 * 询问自己是否也要看") stays the experiencer. */
static bool
asks_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"询问", "问"};
	static const char *const adverbs[] = {"另", "也", "亦", "还", "又"};
	size_t w = past_aside_zh(s, j);

	if (w < s->n && notes__words_in(s, w, adverbs, 5))
		w++;
	for (size_t i = 0; i < 2; i++) {
		size_t after = w + strlen(verbs[i]) / 3;

		if (notes__words_at(s, w, verbs[i]))
			return after < s->n &&
			       !notes__words_at(s, after, "自己");
	}
	return false;
}

/* asked_parent_zh: is Chinese family trigger j a parent named within
 * eight words after the patient's son or daughter who asks (asks_zh: "女儿
 * 问能否给母亲吃\"布洛芬\"")?  The child asks of the parent, the patient. */
static bool
asked_parent_zh(const sentence *s, size_t j)
{
	static const char *const parents[] = {"妈妈", "爸爸", "母亲", "父亲"};
	static const char *const children[] = {"女儿", "儿子"};
	const item *c = j > 0 ? &s->items[j - 1] : NULL;

	return c != NULL && c->e->type == NOTES_T_FAMILY &&
	       notes__words_in(s, c->w0, children, 2) &&
	       s->items[j].w0 <= c->w1 + 8 &&
	       notes__words_in(s, s->items[j].w0, parents, 4) &&
	       asks_zh(s, j - 1);
}

/* phones_zh: is Chinese family trigger j a relative who phones the ward,
 * 来电 or 电话 after them with at most four Chinese words between
 * ("女儿从外地来电，称母亲曾因…", "儿子来电——找到母亲旧的医院卡片",
 * "女兒在電話中話佢…")?  The relative calls to tell of the patient, as
 * one who asks does. */
static bool
phones_zh(const sentence *s, size_t j)
{
	static const char *const calls[] = {"来电", "电话"};

	for (size_t w = s->items[j].w1; w < s->n && w < s->items[j].w1 + 5;
	     w++) {
		if (notes__words_in(s, w, calls, 2))
			return true;
		if (!s->words[w].han)
			return false;
	}
	return false;
}

/* contacted_zh: is Chinese family trigger j a relative the ward called
 * or asked, 联系, 致电 or 询问 right before them
 * ("昨日电话联系女儿：女儿说\"我妈 吃头孢就拉肚子…\"", allergy75hb)?  The
 * relative was called to tell of the patient, as one who phones in does. */
static bool
contacted_zh(const sentence *s, size_t j)
{
	static const char *const called[] = {"联系", "致电", "询问"};
	size_t w0 = s->items[j].w0;

	return w0 >= 2 && s->words[w0 - 1].han &&
	       notes__words_in(s, w0 - 2, called, N_OF(called));
}

/* CANTONESE_CHILD_WORDS: the most words from the son or daughter to the
 * 话 they tell with (cantonese_parent_zh). */
#define CANTONESE_CHILD_WORDS 12

/* cantonese_parent_zh: is Chinese family trigger j 阿妈 or 阿爸 right after
 * 话, the patient's son or daughter (个仔, 个女, 仔, 女, 儿子, 女儿) named
 * within CANTONESE_CHILD_WORDS before it ("個仔陪診，佢話阿媽對 Codeine 敏感",
 * allergy75hd)?  The child tells of the parent, the patient, as
 * reported_parent_zh reads "女兒話媽媽…". */
static bool
cantonese_parent_zh(const sentence *s, size_t j)
{
	static const char *const parents[] = {"阿妈", "阿爸"};
	static const char *const children[] = {"个仔", "个女", "儿子", "女儿"};
	size_t w = s->items[j].w0;

	if (w == 0 || !notes__words_in(s, w, parents, N_OF(parents)) ||
	    !notes__words_at(s, w - 1, "话"))
		return false;
	for (size_t v = w - 1; v-- > 0 && w - v <= CANTONESE_CHILD_WORDS;)
		if (notes__words_in(s, v, children, N_OF(children)))
			return true;
	return false;
}

/* phoned_parent_zh: is Chinese family trigger j a parent named within
 * twelve words after the patient's son or daughter who phones (phones_zh:
 * "女儿从外地来电，称母亲曾因“头孢曲松”出现过敏性休克"), no other relative
 * between?  The child calls of the parent, the patient. */
static bool
phoned_parent_zh(const sentence *s, size_t j)
{
	static const char *const parents[] = {"妈妈", "爸爸", "母亲", "父亲"};
	static const char *const children[] = {"女儿", "儿子"};

	if (!notes__words_in(s, s->items[j].w0, parents, 4))
		return false;
	for (size_t i = j; i-- > 0;) {
		const item *c = &s->items[i];

		if (c->e->type == NOTES_T_FAMILY)
			return notes__words_in(s, c->w0, children, 2) &&
			       s->items[j].w0 <= c->w1 + 12 && phones_zh(s, i);
	}
	return false;
}

/* addressed_zh: is Chinese family trigger j a kin word a ward uses to
 * address an elder, right after the elder's surname ("3楼刘爷爷", "隔壁床
 * 陈奶奶", "王阿姨")?  It names the patient or another resident, no
 * relative of the patient.  The surnames are the commonest of China's
 * household register, less those that are also everyday words before a
 * kin word (于, 方, 高, 史, 向, 石, 白, 金, 万, 程, 任). */
static bool
addressed_zh(const sentence *s, size_t j)
{
	static const char *const elders[] = {"爷爷", "奶奶", "叔叔", "阿姨",
					     "外公", "外婆", "伯伯"};
	static const char *const surnames[] = {
		"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
		"徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "郑",
		"梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭",
		"曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜",
		"叶", "苏", "魏", "吕", "丁", "沈", "姚", "卢", "姜", "崔",
		"钟", "谭", "陆", "汪", "范", "廖", "贾", "韦", "邹", "孟",
		"熊", "秦", "邱", "江", "尹", "薛", "闫", "雷", "侯", "龙",
		"陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "钱", "严"};
	size_t w = s->items[j].w0;

	return w > 0 &&
	       notes__words_in(s, w, elders,
			       sizeof(elders) / sizeof(*elders)) &&
	       notes__words_in(s, w - 1, surnames,
			       sizeof(surnames) / sizeof(*surnames));
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

/* childs_parent_zh: is Chinese family trigger j 其父 or 其母 ("his
 * father", "her mother") after a reporting phrase r whose teller is the
 * patient's son or daughter ("患者儿子诉其父近半年上二楼时偶有胸闷")?  The
 * child's parent is the patient; a spouse's ("妻子诉其父亲…") is not. */
static bool
childs_parent_zh(const sentence *s, const item *r, size_t j)
{
	static const char *const own[] = {"其父", "其母"};

	return (strncmp(r->e->key, "儿子", strlen("儿子")) == 0 ||
		strncmp(r->e->key, "女儿", strlen("女儿")) == 0) &&
	       notes__words_in(s, s->items[j].w0, own, 2);
}

/* The parents a son or daughter tells of, the patient: 阿妈 and 阿爸 are
 * Cantonese ("女儿说阿妈对青霉素和磺胺过敏", allergy75ki). */
static const char *const told_parents_zh[] = {"妈妈", "爸爸", "母亲",
					      "父亲", "阿妈", "阿爸"};

/* reported_parent_zh: is Chinese family trigger j a parent named right
 * after a relative who reports ("女兒話媽媽以前食 Codeine 會好暈", "病人女兒
 * 表示「媽媽對乳膠過敏」", "女儿补充：妈妈…", "女儿述：母亲对…过敏"), or
 * 其父, 其母 after a son or daughter who reports (childs_parent_zh)?  The
 * daughter speaks of her mother, the patient. */
static bool
reported_parent_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"说",   "话",   "诉", "称",
					    "表示", "补充", "述"};
	const char *const *parents = told_parents_zh;
	const item *r = j > 0 ? &s->items[j - 1] : NULL;
	size_t n, said = r ? r->w1 : 0;

	/* the history reported named between ("女儿补充过敏史：父亲对…",
	 * allergy75do) */
	if (r != NULL && r->e->type == NOTES_T_ALLERGY_CUE && j > 1 &&
	    s->items[j - 2].w1 == r->w0)
		r = &s->items[j - 2];
	n = r ? strlen(r->e->key) : 0;
	if (r == NULL || r->e->type != NOTES_T_PSEUDO ||
	    !marks_only(s, said, s->items[j].w0) ||
	    !(notes__words_in(s, s->items[j].w0, parents,
			      N_OF(told_parents_zh)) ||
	      childs_parent_zh(s, r, j)))
		return false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		size_t v = strlen(verbs[i]);

		if (n > v && strcmp(r->e->key + n - v, verbs[i]) == 0)
			return true;
	}
	return false;
}

/* CHILD_TELLS_WORDS: the most Chinese words from the patient's son or
 * daughter to the verb they tell with (child_came_to_tell_zh). */
#define CHILD_TELLS_WORDS 8

/* comma_skipped_back: item m of s, or the one before it when m is a comma
 * that parts a telling from what it tells ("女儿电话补充，父亲多年前服…",
 * allergy75gm). */
static size_t
comma_skipped_back(const sentence *s, size_t m)
{
	const notes_entry *e = s->items[m].e;

	return m > 0 && e->type == NOTES_T_TERMINATOR &&
			       (strcmp(e->key, "，") == 0 ||
				strcmp(e->key, ",") == 0)
		       ? m - 1
		       : m;
}

/* child_came_to_tell_zh: is Chinese family trigger j, a parent, named
 * right after the verb the patient's son or daughter, item j - 1 (or the
 * one before a comma there), tells with, a few Chinese words between them
 * ("患者女儿下班后来院补充：父亲约 10 年前…曾服苯妥英钠")?  The child
 * tells of the parent, the patient (allergy75ej), and neither is a
 * relative's story; a spouse's parent is no patient, so only a child's
 * telling counts. */
static bool
child_came_to_tell_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"补充", "补述", "說",   "说",
					    "诉",   "称",   "表示", "反映"};
	static const char *const children[] = {"女儿", "儿子", "女兒", "兒子"};
	static const char *const parents[] = {"妈妈", "爸爸", "母亲", "父亲",
					      "媽媽", "母親", "父親"};
	const item *c = &s->items[comma_skipped_back(s, j - 1)];
	size_t w = s->items[j].w0, told = w;

	if (!notes__words_in(s, w, parents, N_OF(parents)))
		return false;
	/* a comma may part the telling from the parent ("女儿电话补充，父亲
	 * 多年前服…", allergy75gm) */
	if (told > 0 && (notes__words_at(s, told - 1, "，") ||
			 notes__words_at(s, told - 1, ",")))
		told--;
	if (!notes__words_in(s, c->w0, children, N_OF(children)) ||
	    told < c->w1 || told - c->w1 > CHILD_TELLS_WORDS ||
	    !notes__words_end_at(s, told, verbs, N_OF(verbs)))
		return false;
	for (size_t i = c->w1; i < told; i++)
		if (!s->words[i].han)
			return false;
	return true;
}

/* parent_told_zh: is Chinese family trigger j a parent named right after
 * a relative's reporting verb, the relative in brackets or before them
 * ("家属（女儿）反映：父亲以前用\"曲马多\"后吐得很厉害", "女儿询问母亲的
 * \"脑瘤\"…", the Cantonese 阿妈 too: "女儿说阿妈对青霉素和磺胺过敏",
 * allergy75ki)?  The child
 * speaks of the parent, the patient, as reported_parent_zh reads. */
static bool
parent_told_zh(const sentence *s, size_t j)
{
	static const char *const verbs[] = {"反映", "说",   "诉",
					    "称",   "表示", "询问"};
	const char *const *parents = told_parents_zh;
	size_t w = s->items[j].w0;

	if (j > 0 && comma_skipped_back(s, j - 1) != j - 1 &&
	    child_came_to_tell_zh(s, j))
		return true; /* "女儿电话补充，父亲…" */
	if (j == 0 || s->items[j - 1].e->type != NOTES_T_FAMILY ||
	    !notes__words_in(s, w, parents, N_OF(told_parents_zh)))
		return false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		size_t v = strlen(verbs[i]) / 3;

		if (w >= v + s->items[j - 1].w1 &&
		    w - v == s->items[j - 1].w1 &&
		    notes__words_at(s, w - v, verbs[i]))
			return true;
	}
	return child_came_to_tell_zh(s, j);
}

/* TELLER_WORDS: the most words from the patient's child to the word it
 * tells with, an aside between ("Daughter (who arranged the appointment)
 * told …"). */
#define TELLER_WORDS 6

/* told_whom: the word before whom a teller told, when words w - 1 and w
 * of s are that listener ("told the GP her mother …", "told us"), else
 * w. */
static size_t
told_whom(const sentence *s, size_t w)
{
	static const char *const listeners[] = {"gp",	 "us",	   "me",
						"nurse", "nurses", "staff",
						"team",	 "doctor", "ward"};

	if (w == 0 || !notes__words_in(s, w, listeners, N_OF(listeners)))
		return w;
	w--;
	if (w > 0 && notes__words_at(s, w, "the"))
		w--;
	return w;
}

/* CHILD_NAMED_BYTES: how far from a name the word "son" or "daughter"
 * may stand where the note introduces the patient's child ("Substitute
 * decision maker: son, Walter (joined by phone)"). */
#define CHILD_NAMED_BYTES 12

/* CHILD_NAME_SCAN_BYTES: how far back before a sentence named_child
 * looks for the child's introduction. */
#define CHILD_NAME_SCAN_BYTES 8192

/* kin_word_near: is one of kin's n words a whole word within
 * CHILD_NAMED_BYTES of text[at, at + len), inside text[0, end)? */
static bool
kin_word_near(const char *text, size_t end, size_t at, size_t len,
	      const char *const *kin, size_t n_kin)
{
	size_t from = at > CHILD_NAMED_BYTES ? at - CHILD_NAMED_BYTES : 0;
	size_t to = at + len + CHILD_NAMED_BYTES < end
			    ? at + len + CHILD_NAMED_BYTES
			    : end;

	for (size_t i = 0; i < n_kin; i++) {
		size_t n = strlen(kin[i]);

		for (size_t p = from; p + n <= to; p++)
			if (strncasecmp(text + p, kin[i], n) == 0 &&
			    (p == 0 || !isalpha((unsigned char)text[p - 1])) &&
			    (p + n == end ||
			     !isalpha((unsigned char)text[p + n])))
				return true;
	}
	return false;
}

/* named_as: is word w of s a name, capitalised, that the note
 * introduced before s beside one of kin's n words ("son, Walter",
 * "daughter Mary", "Walter (son)", "her mum, Lisa")? */
static bool
named_as(const sentence *s, size_t w, const char *const *kin, size_t n_kin)
{
	const notes_tok *t = &s->words[w];
	size_t len = t->end - t->start, end = s->words[0].start;
	const char *name = s->text + t->start;

	if (len < 3 || !isupper((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!islower((unsigned char)name[i]))
			return false;
	/* a long note's far pages are not searched: the cost stays linear */
	for (const char *p = s->text + (end > CHILD_NAME_SCAN_BYTES
						? end - CHILD_NAME_SCAN_BYTES
						: 0);
	     (p = memmem(p, end - (size_t)(p - s->text), name, len)) != NULL;
	     p += len) {
		size_t at = (size_t)(p - s->text);

		if ((at == 0 || !isalpha((unsigned char)p[-1])) &&
		    (at + len == end || !isalpha((unsigned char)p[len])) &&
		    kin_word_near(s->text, end, at, len, kin, n_kin))
			return true;
	}
	return false;
}

/* named_child: is word w of s a name the note introduced as the
 * patient's son or daughter?  "Walter adds that his mother was
 * \"allergic to penicillin\"" tells of the patient (allergy75jt). */
static bool
named_child(const sentence *s, size_t w)
{
	static const char *const children[] = {"son", "daughter"};

	return named_as(s, w, children, N_OF(children));
}

/* named_relative_self: NOTES_FAMILY when a name the note introduced as
 * a relative, "herself" or "himself" right after it, stands before item
 * k in s ("her mum, Lisa" … "(Lisa herself is allergic to penicillin -
 * anaphylaxis.)", allergy75kr), else 0; sets *trigger when nothing else
 * did (bits).  The relative speaks of her own allergy. */
static unsigned
named_relative_self(const sentence *s, size_t k, unsigned bits,
		    const char **trigger)
{
	static const char *const kin[] = {
		"mum",	  "mother",  "mom",	    "dad",
		"father", "wife",    "husband",	    "partner",
		"sister", "brother", "daughter",    "son",
		"aunt",	  "uncle",   "grandmother", "grandfather"};
	static const char *const self[] = {"herself", "himself"};

	for (size_t w = 0; w + 1 < s->items[k].w0; w++)
		if (notes__words_in(s, w + 1, self, N_OF(self)) &&
		    named_as(s, w, kin, N_OF(kin))) {
			if (bits == 0)
				*trigger = s->words[w + 1].key;
			return NOTES_FAMILY;
		}
	return 0;
}

/* claimed_at: does word v of s claim what follows as the relative's own,
 * the relative's pronoun after "is" before the allergy ("this is HER
 * allergy") or before "own" ("her own")? */
static bool
claimed_at(const sentence *s, size_t v, const char *pronoun)
{
	static const char *const is[] = {"is", "was", "s"};
	static const char *const allergy[] = {"allergy", "allergies",
					      "reaction"};

	if (notes__words_at(s, v, pronoun))
		return v + 1 < s->n && notes__words_at(s, v + 1, "own");
	return notes__words_in(s, v, is, N_OF(is)) && v + 2 < s->n &&
	       notes__words_at(s, v + 1, pronoun) &&
	       notes__words_in(s, v + 2, allergy, N_OF(allergy));
}

/* teller_claims_own: NOTES_FAMILY when a relative who tells the story
 * ("Wife states", read as the patient's teller) claims the allergy of
 * item k as their own before it ("Wife states this is HER allergy (hives
 * with Septra) and was put on his file by mistake", allergy75so,
 * en-dev85; "His sister says her own penicillin allergy was mild"), else
 * 0; sets *trigger when nothing else did (bits). */
static unsigned
teller_claims_own(const sentence *s, size_t k, unsigned bits,
		  const char **trigger)
{
	for (size_t w = 0; w + 2 < s->items[k].w0; w++) {
		const char *pronoun = notes__kin_pronoun(s, w);

		if (pronoun == NULL || !notes__reporting(s, w + 1))
			continue;
		for (size_t v = w + 2; v < s->items[k].w0; v++)
			if (claimed_at(s, v, pronoun)) {
				if (bits == 0)
					*trigger = s->words[w].key;
				return NOTES_FAMILY;
			}
	}
	return 0;
}

/* told_parent: is family trigger j a parent ("mother", "father") right
 * after a reporting word, a determiner at most between, whose teller a few
 * words before is the parent's child ("Daughter reports the mother is
 * \"allergic to Difene\"", "Daughter (visiting) mentions her mother
 * \"reacted badly\" to haloperidol", "Son reports his father had yellow
 * skin with a statin")?  A child speaks of its parent, the patient, as
 * reported_parent_zh reads in Chinese; "She says her mother is allergic
 * to penicillin" stays the mother's. */
static bool
told_parent(const sentence *s, size_t j)
{
	static const char *const parents[] = {"mother", "father"};
	static const char *const det[] = {"the", "her", "his"};
	static const char *const children[] = {"daughter", "son",
					       "granddaughter", "grandson"};
	size_t w = s->items[j].w0;

	if (!notes__words_in(s, w, parents, 2) || w == 0)
		return false;
	w--;
	if (w > 0 && notes__words_in(s, w, det, 3))
		w--;
	if (w > 0 && notes__words_at(s, w, "that"))
		w--;
	w = told_whom(s, w);
	if (!notes__reporting(s, w))
		return false;
	for (size_t back = 1; back <= TELLER_WORDS && back <= w; back++)
		if (notes__words_in(s, w - back, children, 4) ||
		    named_child(s, w - back))
			return true;
	return false;
}

/* told_lay_parent: is family trigger j a parent in lay words ("mum has",
 * "dad had") right after a reporting word, "that" at most between, or in
 * a sentence that names the patient's son or daughter ("Collateral
 * (daughter, phone): says mum has been more breathless", "sister on the
 * phone says mum had \"a bad turn\" with codeine", "Mum has dementia
 * and lives with daughter")?  The child speaks of the parent, the
 * patient, as told_parent reads "the mother"; "Mum has migraine" alone
 * is the mother's. */
static bool
told_lay_parent(const sentence *s, size_t j)
{
	static const char *const lay[] = {"mum", "mom", "dad"};
	static const char *const children[] = {"daughter", "son"};
	size_t w = s->items[j].w0;

	if (!notes__words_in(s, w, lay, 3))
		return false;
	if (w > 0 && (notes__reporting(s, w - 1) ||
		      (w > 1 && notes__words_at(s, w - 1, "that") &&
		       notes__reporting(s, w - 2))))
		return true;
	for (size_t k = 0; k < s->n; k++)
		if (notes__words_in(s, k, children, 2))
			return true;
	return false;
}

/* parent_of_quoting_child: is family trigger j the parent that the son
 * or daughter before it names after a colon or a dash ("Son: his
 * father \"cannot take Brufen\"", allergy75ud, en-dev92)?  The parent is
 * the patient. */
static bool
parent_of_quoting_child(const sentence *s, size_t j)
{
	size_t w = s->items[j].w0;

	return j > 0 && w > 0 && s->items[j - 1].e->type == NOTES_T_FAMILY &&
	       s->items[j - 1].w1 == w - 1 &&
	       child_names_parent(s, j - 1, w - 1);
}

/* with_patient_zh: is Chinese family trigger j a relative named together
 * with the patient, right after 患者及, 患者和, 患者与 or 病人及 (其 may
 * come between: "已告知患者及儿子：…甲减", "与患者及其妻子核对",
 * "病史由患者及妻子提供")?  The two are told, asked or consent
 * together; what the sentence goes on to name is the patient's. */
static bool
with_patient_zh(const sentence *s, size_t j)
{
	static const char *const pairs[] = {"患者及", "患者和", "患者与",
					    "病人及", "病人和", "病人与"};
	size_t w = s->items[j].w0;

	if (w > 0 && notes__words_at(s, w - 1, "其"))
		w--;
	return w >= 3 &&
	       notes__words_in(s, w - 3, pairs, sizeof(pairs) / sizeof(*pairs));
}

/* tells_or_is_patient: is family trigger j a relative who only tells the
 * patient's story, or a kin word that names the patient or another
 * resident?  Either way it makes nothing a relative's. */
static bool
tells_or_is_patient(const sentence *s, size_t j)
{
	if (speaks_of_own(s, j))
		return false;
	return reporter(s, j) || reporter_named(s, j) || reporter_zh(s, j) ||
	       asks_zh(s, j) || asked_parent_zh(s, j) || phones_zh(s, j) ||
	       contacted_zh(s, j) || cantonese_parent_zh(s, j) ||
	       phoned_parent_zh(s, j) || reported_parent_zh(s, j) ||
	       addressed_zh(s, j) || parent_told_zh(s, j) ||
	       told_parent(s, j) || told_lay_parent(s, j) ||
	       parent_of_quoting_child(s, j) || with_patient_zh(s, j) ||
	       (j + 1 < s->n_items &&
		s->items[j + 1].e->type == NOTES_T_FAMILY &&
		child_came_to_tell_zh(s, j + 1));
}

/* conditions_drug: does hypothetical trigger j condition a drug written
 * between it and allergy item k ("if bacterial tonsillitis then,
 * clarithromycin as pen allergic"), or one before it when k is in a
 * parenthesis opened after j ("clarithromycin ... if not better in 3
 * days (pen allergy)")?  The condition is the drug's; the allergy given
 * as its reason is a fact. */
static bool
conditions_drug(const sentence *s, size_t j, size_t k)
{
	if (s->items[j].e->type != NOTES_T_HYPOTHETICAL || j > k)
		return false;
	for (size_t m = 0; m < k; m++)
		if (m != j && is_drug(&s->items[m]) &&
		    (m > j || notes__opens_after_item(s, j, k)))
			return true;
	return false;
}

/* negates_drug: does negation trigger j deny a drug written between it and
 * allergy item k, k in a parenthesis opened after that drug with its own
 * allergy cue or reaction right after it ("no NSAIDs (Brufen intolerance,
 * ARB+diuretic)")?  The parenthesis gives why the drug is withheld; the
 * allergy it names is a fact (rules75en20).  A drug taken without harm
 * in it ("NOT allergic to sulfa (took Bactrim 2022 w/o problem)") is
 * denied with the class. */
static bool
negates_drug(const sentence *s, size_t j, size_t k)
{
	const item *cue = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	if (s->items[j].e->type != NOTES_T_NEGATED || j > k || cue == NULL ||
	    (cue->e->type != NOTES_T_ALLERGY_CUE &&
	     cue->e->type != NOTES_T_REACTION) ||
	    notes__between_has(s, s->items[k].end, cue->start, ')'))
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]) && notes__opens_after_item(s, m, k))
			return true;
	return false;
}

/* denied_before_colon: does English negation trigger j deny a drug
 * written between it and allergy item k, a colon after that drug and
 * before k ("Not on a statin: he stopped simvastatin years ago - \"made
 * my legs ache\"", "No NSAIDs: ibuprofen caused a GI bleed")?  The
 * negation is that drug's; what follows the colon tells why, and the
 * allergy it names is a fact (rules75en23). */
static bool
denied_before_colon(const sentence *s, size_t j, size_t k)
{
	if (s->items[j].e->type != NOTES_T_NEGATED || j > k ||
	    (unsigned char)s->items[j].e->key[0] >= 0x80)
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]) &&
		    notes__between_has(s, s->items[m].end, s->items[k].start,
				       ':'))
			return true;
	return false;
}

/* named_between: does an item between items k and j name a drug or a
 * problem? */
static bool
named_between(const sentence *s, size_t k, size_t j)
{
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) ||
		    s->items[m].e->type == NOTES_T_PROBLEM)
			return true;
	return false;
}

/* doubt_after_label: is item k the label of a Chinese list item, a
 * full-width colon between it and backward uncertainty trigger j
 * ("上消化道出血：消化性溃疡？", "上消化道出血：食管胃底静脉曲张破裂出血
 * 可能性大")?  The doubt is the cause's after the colon, not the
 * label's; a status after it is the label's ("阿司匹林：术前已停用").  An
 * allergy entry's doubt with no drug or problem after the colon is the
 * entry's own ("- Penicillin：病人表示「以前好像有」", allergy75kh). */
static bool
doubt_after_label(const sentence *s, size_t k, size_t j, bool allergy)
{
	uint32_t from = s->items[k].end, to = s->items[j].start;

	if (s->items[j].e->type != NOTES_T_UNCERTAIN ||
	    (allergy && !named_between(s, k, j)))
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

	return dash || notes__between_has(s, from, to, ':') ||
	       notes__between_has(s, from, to, '(') ||
	       notes__between_has(s, from, to, ')');
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

/* example_lead_words: how many words at w introduce or join a class's
 * examples ("including", "such as", "包括", "含", "及"), 0 if none. */
static size_t
example_lead_words(const sentence *s, size_t w)
{
	static const char *const lead[] = {
		"including",  "incl", "e",    "g",    "eg",   "such", "as",
		"especially", "esp",  "ie",   "i",    "and",  "or",   "包括",
		"包含",	      "含",   "尤其", "例如", "比如", "如",   "及",
		"和",	      "或",   "等",   "其他"};

	for (size_t i = 0; i < sizeof(lead) / sizeof(*lead); i++)
		if (notes__words_at(s, w, lead[i]))
			return (unsigned char)lead[i][0] >= 0x80
				       ? strlen(lead[i]) /
						 3 /* a character a word */
				       : 1;
	return 0;
}

/* examples_only: are the words in the parenthesis at open up to drug item
 * k only drugs and the words that list examples ("(ibuprofen, naproxen)",
 * "（包括布洛芬、双氯芬酸）")?  An aside that tells of the patient ("避免
 * NSAIDs(佢有時食 Nurofen…)", "(she sometimes takes Nurofen)") names a
 * drug taken, not one of the class's examples. */
static bool
examples_only(const sentence *s, const char *open, size_t j, size_t k)
{
	size_t w = s->items[j].w1, c = j + 1, n;

	while (w < s->items[k].w0) {
		while (c < k && s->items[c].w1 <= w)
			c++;
		if (s->text + s->words[w].start < open)
			w++;
		else if (c < k && s->items[c].w0 == w && is_drug(&s->items[c]))
			w = s->items[c].w1;
		else if ((n = example_lead_words(s, w)) > 0)
			w += n;
		else
			return false;
	}
	return true;
}

/* class_example: is drug item k named in the parenthesis opened right
 * after a class that trigger j reaches ("Continue to AVOID all
 * non-selective NSAIDs (ibuprofen, naproxen, diclofenac)"), a member of
 * that class, listed as an example?  The drugs in it are the class's
 * examples, avoided with it (rules75en21); a drug of another class there
 * gives a reason ("Avoid NSAIDs (on apixaban)"). */
static bool
class_example(const sentence *s, size_t j, size_t k)
{
	const char *close, *open = notes__paren_open(s, k, &close);

	for (size_t c = j + 1; open != NULL && c < k; c++) {
		const item *it = &s->items[c];

		if (it->e->type == NOTES_T_CLASS && same_item(s, j, c) &&
		    !parted(s, j, c) && s->text + it->end <= open &&
		    s->items[k].e->type == NOTES_T_SUBSTANCE &&
		    notes__member_of(s->items[k].e->code, it->e->code) &&
		    notes__only_marks(s->text, it->end,
				      (uint32_t)(open - s->text), "") &&
		    examples_only(s, open, c, k))
			return true;
	}
	return false;
}

/* switch_between: is an arrow or a word that takes up another drug
 * ("→", "->", "=>", 改用, 使用, 换用, "use", "instead") written after the
 * item that follows trigger j and before item k?  An avoidance ends there:
 * "避免 morphine → 使用 fentanyl", "Avoid morphine -> use fentanyl" give the
 * drug after it. */
static bool
switch_between(const sentence *s, size_t j, size_t k)
{
	static const char *const take_up[] = {
		"改用", "改为", "改成",	 "换用",    "换成",  "换为",
		"使用", "use",	"using", "instead", "prefer"};
	uint32_t from, to = s->items[k].start;

	if (j + 1 >= k) /* what follows the first item only ("Avoid use of
			 * NSAIDs") */
		return false;
	from = s->items[j + 1].end;
	if (from < to && notes__arrow_between(s, from, to))
		return true;
	return notes__words_any(s, s->items[j + 1].w1, s->items[k].w0, take_up,
				sizeof(take_up) / sizeof(*take_up));
}

/* own_item_reaches: does forward trigger j reach item k?  One that
 * reaches only its own list item does not go past a comma, a dash, a
 * colon or a parenthesis, but for a class's examples, nor past an arrow
 * or a word that takes up another drug. */
static bool
own_item_reaches(const sentence *s, size_t j, size_t k)
{
	if (!(s->items[j].e->dir & NOTES_DIR_OWN_ITEM))
		return true;
	if (switch_between(s, j, k))
		return false;
	return (same_item(s, j, k) && !parted(s, j, k)) ||
	       class_example(s, j, k);
}

/* to_between: is "to" or "->" written between items k < m? */
static bool
to_between(const sentence *s, size_t k, size_t m)
{
	uint32_t from = s->items[k].end, to = s->items[m].start;

	return notes__word_between(s, k, m, "to") ||
	       (from < to && memmem(s->text + from, to - from, "->", 2));
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
	uint32_t end = notes__list_item_end(s, k);
	bool verb = false;

	if (s->items[k].e->type != NOTES_T_SUBSTANCE)
		return false;
	for (size_t w = notes__list_item_first(s, k);
	     w < s->items[k].w0 && !verb; w++)
		verb = notes__words_in(s, w, verbs,
				       sizeof(verbs) / sizeof(*verbs));
	for (size_t m = k + 1; verb && m < s->n_items; m++)
		if (s->items[m].start < end && is_drug(&s->items[m]))
			return to_between(s, k, m);
	return false;
}

/* OPERATION_WORDS_ZH: the most characters between a problem and the 术
 * ending the operation's name it is written in ("乳癌改良根治术"). */
#define OPERATION_WORDS_ZH 6

/* indication_zh: is Chinese problem item k what an operation is done
 * for, written in the operation's name ("拟行\"左乳癌改良根治术\"", "脑膜瘤
 * 切除术") or at the head of a parenthesis right after it, a side's
 * word before it ("拟行右膝关节置换术（右膝骨关节炎）")?  A plan schedules the
 * operation; its indication is there now. */
static bool
indication_zh(const sentence *s, size_t k)
{
	const item *it = &s->items[k];
	size_t w = it->w1;
	uint32_t at = it->end, from;

	if (it->e->type != NOTES_T_PROBLEM || !s->words[it->w0].han)
		return false;
	from = s->words[it->w0 > 2 ? it->w0 - 2 : 0].start;
	if (memmem(s->text + from, it->start - from, "术（", strlen("术（")))
		return true;
	for (; w < s->n && w < it->w1 + OPERATION_WORDS_ZH; w++) {
		if (!s->words[w].han || s->words[w].start != at)
			return false;
		if (notes__words_at(s, w, "术"))
			return true;
		at = s->words[w].end;
	}
	return false;
}

/* ends_at: is phrase spelt by the words right before word w ("减" before
 * "格列齐特", "停用" before "阿司匹林", "reduce" before "spironolactone")? */
static bool
ends_at(const sentence *s, size_t w, const char *phrase)
{
	size_t len = 0;

	for (size_t from = w; from-- > 0 && len < strlen(phrase);) {
		len += strlen(s->words[from].key);
		if (!s->words[from].han)
			return from == w - 1 &&
			       notes__words_at(s, from, phrase);
		if (len == strlen(phrase))
			return notes__words_at(s, from, phrase);
	}
	return false;
}

/* dose_changed: is drug item k written right after a word that changes
 * the dose of a drug the patient takes ("if BP > 150 increase ramipril",
 * "if Na <130 reduce spironolactone", "建议……保留替格瑞洛")?
 * What a condition or a suggestion changes is the patient's drug: the
 * change is planned, the drug taken (issue 75, medctx75).  A stop or a
 * hold is left out: read so, it lowered zh-dev5, zh-dev8, zh-dev14 and
 * four other Chinese sets. */
static bool
dose_changed(const sentence *s, size_t k)
{
	static const char *const change[] = {
		"increase", "increasing", "reduce",  "reducing", "decrease",
		"halve",    "uptitrate",  "titrate", "continue", "保留",
		"继续",	    "減",	  "减"};
	size_t w = s->items[k].w0;

	if (w > 0 && (notes__words_at(s, w - 1, "the") ||
		      notes__words_at(s, w - 1, "his") ||
		      notes__words_at(s, w - 1, "her")))
		w--;
	if (w == 0)
		return false;
	for (size_t i = 0; i < sizeof(change) / sizeof(*change); i++)
		if (ends_at(s, w, change[i]))
			return true;
	return false;
}

/* opens_clause: does word w open its clause, the first of its sentence
 * or after a comma, dash, colon or arrow ("Stop codeine - switch to",
 * "Advised: same class, switch to", "IV co-amoxiclav -> switch to")? */
static bool
opens_clause(const sentence *s, size_t w)
{
	uint32_t from, to;

	if (w == 0)
		return true;
	from = s->words[w - 1].end;
	to = s->words[w].start;
	return clause_break(s, w - 1) ||
	       notes__colon_at(s->text, from, to) != NULL ||
	       notes__between_has(s, from, to, '>') ||
	       (from < to &&
		memmem(s->text + from, to - from, "\xe2\x86\x92", 3) != NULL);
}

/* question_after: is the first mark after byte i, past spaces and a
 * closing bracket, a question mark ("switch to IV omeprazole?")? */
static bool
question_after(const sentence *s, uint32_t i)
{
	while (i < s->text_len && (s->text[i] == ' ' || s->text[i] == ')'))
		i++;
	return i < s->text_len && s->text[i] == '?';
}

/* hedged_after: does a word from w to the end of its clause put the
 * switch off or in doubt ("once improving", "if CRP falls", "could",
 * "?")? */
static bool
hedged_after(const sentence *s, size_t w)
{
	static const char *const doubt[] = {"could",  "may",	 "might",
					    "likely", "suggest", "consider",
					    "should", "must",	 "until"};

	for (; w < s->n; w++) {
		if (later_at(s, w) ||
		    notes__words_in(s, w, doubt,
				    sizeof(doubt) / sizeof(*doubt)) ||
		    question_after(s, s->words[w].end))
			return true;
		if (w + 1 < s->n && clause_break(s, w))
			return false;
	}
	return false;
}

/* switch_ordered: is hypothetical trigger j a bare order to switch,
 * "switch to" opening its clause with nothing after it that puts the
 * switch off ("Switch to oxycodone IR 5 mg 4-hourly PRN", "IV
 * co-amoxiclav -> switch to PO doxycycline")?  The drug it names is
 * given now: six of the seven dev sets with the shape annotate it as
 * taken (issue 75, medswitch75a), unlike "switch to cefalexin once
 * afebrile". */
static bool
switch_ordered(const sentence *s, size_t j, size_t k)
{
	const item *t = &s->items[j];

	return j < k && strcmp(t->e->key, "switch to") == 0 &&
	       s->items[k].e->type == NOTES_T_SUBSTANCE &&
	       opens_clause(s, t->w0) && !hedged_after(s, t->w1) &&
	       !plan_for_later(s);
}

/* plan_spares: does hypothetical trigger j leave item k as it is: a drug
 * a switch leaves (switched_from), one whose dose it changes
 * (dose_changed), an operation's indication a plan names
 * (indication_zh), or the drug a bare order switches to
 * (switch_ordered)? */
static bool
plan_spares(const sentence *s, size_t j, size_t k)
{
	const notes_entry *t = s->items[j].e;

	return t->type == NOTES_T_HYPOTHETICAL &&
	       (switched_from(s, k) || dose_changed(s, k) ||
		((t->dir & NOTES_DIR_PLAN) && indication_zh(s, k)) ||
		switch_ordered(s, j, k));
}

/* shouted_no: is trigger j a "NO" in capitals right before allergy item
 * k, the drug's reaction told after a dash ("Family say NO penicillin -
 * he \"broke out in lumps\" at 6", "NO codeine - made him constipated")?
 * The capitals order the drug kept away for the reaction told: the
 * allergy holds (issue 75, allergy75ac: en25-01, en39-16). */
static bool
shouted_no(const sentence *s, size_t j, size_t k, bool allergy)
{
	const item *no = &s->items[j], *d = &s->items[k];
	uint32_t i = d->end;

	if (!allergy || j + 1 != k || no->w1 != d->w0 ||
	    no->end - no->start != 2 ||
	    memcmp(s->text + no->start, "NO", 2) != 0)
		return false;
	while (i < s->text_len && s->text[i] == ' ')
		i++;
	return i < s->text_len &&
	       (s->text[i] == '-' ||
		memcmp(s->text + i, "\xe2\x80\x94", 3) == 0 ||
		memcmp(s->text + i, "\xe2\x80\x93", 3) == 0);
}

/* allergen_told: the code of the allergen told before drug item d that
 * d is related to (notes__related), or NULL: an earlier drug of d's
 * sentence, not denied nor a relative's, in an allergy entry (an
 * allergy list or line, or after a reaction or an allergy cue), or the
 * first drug of the entry's sentence before ("1. Heparin - \"HIT\" ...
 * Genuine heparin-induced thrombocytopenia - NO heparin in any form"). */
static const char *
allergen_told(const sentence *s, size_t d)
{
	const char *code = s->items[d].e->code, *trigger;
	bool entry = s->allergy_list || s->allergy_line;

	for (size_t m = 0; m < d; m++) {
		int type = s->items[m].e->type;

		if (type == NOTES_T_REACTION || type == NOTES_T_ALLERGY_CUE)
			entry = true;
		if (is_drug(&s->items[m]) && entry &&
		    notes__related(s->items[m].e->code, code) &&
		    !(notes__context(s, m, true, &trigger) &
		      (NOTES_NEGATED | NOTES_FAMILY)))
			return s->items[m].e->code;
	}
	if (s->prior.e != NULL && (s->allergy_list || s->allergy_line) &&
	    notes__related(s->prior.e->code, code))
		return s->prior.e->code;
	return NULL;
}

/* kept_from_allergen: is trigger j a "no" right before a drug related to
 * the allergen its entry has just told, and allergy item k that drug or
 * one related to the allergen too ("aspirin - \"face swells\"
 * (angioedema) - listed; no NSAIDs", "NO enoxaparin either (LMWH
 * cross-reactivity)")?  After a genuine allergy the "no" orders the
 * allergen's kin kept away; it denies no allergy (issue 75, allergy75an:
 * en43-23, en43-24).  "no penicillin allergy" keeps its cue and its
 * denial. */
static bool
kept_from_allergen(const sentence *s, size_t j, size_t k, bool allergy)
{
	const item *no = &s->items[j];
	const char *allergen;

	if (!allergy || k <= j || strcmp(no->e->key, "no") != 0 ||
	    j + 1 >= s->n_items || !is_drug(&s->items[j + 1]) ||
	    no->w1 != s->items[j + 1].w0)
		return false;
	if (j + 2 < s->n_items &&
	    s->items[j + 2].e->type == NOTES_T_ALLERGY_CUE &&
	    s->items[j + 2].w0 == s->items[j + 1].w1)
		return false;
	allergen = allergen_told(s, j + 1);
	return allergen != NULL &&
	       (k == j + 1 || notes__related(s->items[k].e->code, allergen));
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
	       notes__is_concept(s->items[j - 1].e->type);
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

const char *
notes__paren_open(const sentence *s, size_t j, const char **close)
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
	const char *close, *open = notes__paren_open(s, k, &close);
	size_t w = s->items[k].w0;

	if (open == NULL || s->text + s->items[j].start > open || w < 2)
		return false;
	for (size_t i = 0; i < sizeof(already) / sizeof(*already); i++) {
		size_t n = strlen(already[i]) / 3;

		if (w >= n && notes__words_at(s, w - n, already[i]) &&
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
	const char *close, *open = notes__paren_open(s, j, &close);
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
/* queried_word: is trigger j, before item k, a "?" written onto a word
 * that names nothing read and that a comma, semicolon or bracket ends
 * ("warfarin - ?dose, metoprolol, atorvastatin")?  It queries that word
 * alone, not the list after it; a word that goes on ("?early delirium")
 * is the doubted finding's. */
static bool
queried_word(const sentence *s, size_t k, size_t j)
{
	const item *q = &s->items[j];

	if (j > k || q->e->type != NOTES_T_UNCERTAIN ||
	    strcmp(q->e->key, "?") != 0 ||
	    (j + 1 < s->n_items && s->items[j + 1].start == q->end))
		return false;
	for (size_t w = 0; w + 1 < s->n; w++)
		if (s->words[w].start == q->end)
			return strchr(",;)", s->text[s->words[w].end]) != NULL;
	return false;
}

/* queried_aside_zh: is uncertain trigger j written in a parenthesis
 * opened after item k, a full-width question mark there after a word of
 * the aside ("penicillin allergy（過敏性休克？不肯定）", "NSAIDs 引發氣喘
 * （AERD？待確認）")?  The question queries that word, the reaction's kind
 * or the syndrome's name, and the doubt after it is of it, not of k
 * (rules75zh21). */
static bool
queried_aside_zh(const sentence *s, size_t k, size_t j)
{
	const char *close, *open = notes__paren_open(s, j, &close), *q;

	if (open == NULL || s->items[j].e->type != NOTES_T_UNCERTAIN ||
	    s->text + s->items[k].start > open)
		return false;
	q = memmem(open, (size_t)(s->text + s->items[j].end - open), "？", 3);
	return q != NULL && q > open + strlen(FW_OPEN);
}

/* lab_corrected: is resolution j "corrected" just after a number (only
 * spaces between), a laboratory value corrected for albumin or the like
 * ("Hypercalcaemia (Ca 3.1 corrected)"), not a problem put right? */
static bool
lab_corrected(const sentence *s, size_t j)
{
	const char *p = s->text + s->items[j].start;

	if (!notes__resolution(s->items[j].e) ||
	    strcmp(s->items[j].e->key, "corrected") != 0)
		return false;
	while (p > s->text && p[-1] == ' ')
		p--;
	return p > s->text && isdigit((unsigned char)p[-1]);
}

/* GOES_ON_BYTES: how far after a problem a condition's verb of going on
 * is read. */
#define GOES_ON_BYTES 24

/* safety_net: does the sentence after problem k tell the patient to come
 * back ("如气促加重，及时就诊", "if worse, return to ED")?  Such advice is
 * of what may come, as the first writers annotate it. */
static bool
safety_net(const sentence *s, size_t k)
{
	static const char *const come[] = {
		"就诊",	     "就診", "随诊", "隨診", "返院", "来院",
		"來院",	     "急诊", "急診", "复诊", "覆診", "return",
		"come back", "seek", " ED",  "A&E",  "call"};
	const char *from = s->text + s->items[k].end;
	size_t n = s->text_len - s->items[k].end;

	for (size_t i = 0; i < sizeof(come) / sizeof(come[0]); i++)
		if (memmem(from, n, come[i], strlen(come[i])) != NULL)
			return true;
	return false;
}

/* condition_goes_on: is problem k, after condition j ("if", 如, 若), said
 * to go on or grow worse ("If neuropathy worsens", "如幻觉继续", "若仍低血
 * 压")?  What may go on is there now: the condition is of its course,
 * and the problem stays current.  加重 is not read so: "如胆囊炎加重行胆
 * 囊切除术" is a plan for what may come (rules_zh16). */
static bool
condition_goes_on(const sentence *s, size_t k, size_t j)
{
	static const char *const after[] = {
		"worsen",   "persist", "progress", "continu", "not improv",
		"持续",	    "持續",    "继续",	   "繼續",    "没有改善",
		"沒有改善", "无改善",  "無改善",   "未改善",  "仍差",
		"未缓解",   "不缓解"};
	static const char *const before[] = {"仍", "still ", "spreading "};
	const char *text = s->text, *p;
	size_t from, to;

	if (j >= k || s->items[j].e->type != NOTES_T_HYPOTHETICAL ||
	    s->items[k].e->type != NOTES_T_PROBLEM)
		return false;
	from = s->items[k].end;
	to = from + GOES_ON_BYTES < s->text_len ? from + GOES_ON_BYTES
						: s->text_len;
	for (size_t m = from; m < to; m++)
		if (strchr(",;.()/", text[m]) != NULL || text[m] == '\n' ||
		    strncmp(text + m, FW_COMMA, 3) == 0 ||
		    strncmp(text + m, "\xe3\x80\x81", 3) == 0 ||
		    strncmp(text + m, "或", 3) == 0) {
			to = m;
			break;
		}
	/* safety_net reads on to the text's end: it is asked only once the
	 * problem is said to go on */
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		if (memmem(text + from, to - from, after[i],
			   strlen(after[i])) != NULL)
			return !safety_net(s, k);
	p = text + s->items[k].start;
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		size_t n = strlen(before[i]);

		if ((size_t)(p - text) >= n &&
		    strncmp(p - n, before[i], n) == 0)
			return !safety_net(s, k);
	}
	return false;
}

/* indication_apart: is problem k what a drug denied by negation j would
 * treat, "for" or "in" between the last drug after j and k ("no role for
 * salbutamol or abx in bronchiolitis", "No NSAIDs for gout attacks")?  The
 * negation denies the drug; the problem it names stays (negscope75b). */
static bool
indication_apart(const sentence *s, size_t k, size_t j)
{
	static const char *const joins[] = {" for ", " in "};
	size_t last = k;

	if (j >= k || s->items[j].e->type != NOTES_T_NEGATED ||
	    s->items[k].e->type != NOTES_T_PROBLEM)
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]))
			last = m;
	if (last == k)
		return false;
	for (size_t i = 0; i < sizeof(joins) / sizeof(*joins); i++)
		if (memmem(s->text + s->items[last].end,
			   s->items[k].start - s->items[last].end, joins[i],
			   strlen(joins[i])) != NULL)
			return true;
	return false;
}

/* answers_question: is trigger j, before item k, a "no" that answers
 * the question ended right before it, a comma or a colon after it ("NKDA
 * otherwise? - no, also TRAMADOL (hallucinations)", "NKA otherwise per
 * pt? -- no: wife says he had a rash with Bactrim")?  The "no" takes back
 * what was asked; it denies nothing told after it (allergy75v). */
static bool
answers_question(const sentence *s, size_t k, size_t j)
{
	const item *t = &s->items[j];
	uint32_t q = t->start;

	if (j >= k || t->w1 >= s->n || strcmp(t->e->key, "no") != 0)
		return false;
	while (q > 0 && (s->text[q - 1] == ' ' || s->text[q - 1] == '-'))
		q--;
	if (q == 0 || s->text[q - 1] != '?' ||
	    (t->w0 > 0 && s->words[t->w0 - 1].end > q))
		return false;
	return notes__only_marks(s->text, t->end, s->words[t->w1].start,
				 " ,:") &&
	       (notes__between_has(s, t->end, s->words[t->w1].start, ',') ||
		notes__between_has(s, t->end, s->words[t->w1].start, ':'));
}

/* decimal_dose_at: do the words from w write a dose with a decimal
 * point, which parts them ("0.0625mg": "0" and "0625mg")? */
static bool
decimal_dose_at(const sentence *s, size_t w)
{
	return w + 1 < s->n && notes__is_number(s->words[w].key) &&
	       s->words[w + 1].start == s->words[w].end + 1 &&
	       s->text[s->words[w].end] == '.' && notes__dose_at(s, w + 1);
}

/* schedule_switch_zh: does switch j change only how its drug is taken,
 * a route or a time written right after it and no drug named after it in
 * its clause ("自己把呋塞米改成"隔天吃"", "5天后改为口服")? */
static bool
schedule_switch_zh(const sentence *s, size_t j)
{
	static const char *const how[] = {"口服", "静脉", "皮下", "肌注",
					  "睡前", "每日", "每天", "隔日",
					  "隔天", "每周"};

	return notes__words_in(s, s->items[j].w1, how,
			       sizeof(how) / sizeof(*how)) &&
	       !notes__drug_after(s, j);
}

/* dose_switch_zh: is trigger j a Chinese switch with a dose right
 * after it, not a drug ("达比加群：eGFR 35，改为110mg bid", "地高辛：暂停
 * 3天后改为 0.0625mg qd"), or a route or a time (schedule_switch_zh)?
 * It changes how the patient goes on taking the drug before it, as the
 * English "changed to 10mg" names no drug: the writers of 17 dev sets
 * annotate all 19 drugs whose dose such a switch changes as taken
 * (issue 75, medswitch75b). */
static bool
dose_switch_zh(const sentence *s, size_t j)
{
	static const char *const switches[] = {"改为", "改用", "改服", "换为",
					       "换用", "换成", "改成"};
	const item *t = &s->items[j];
	size_t w = t->w1;

	for (size_t i = 0; i < sizeof(switches) / sizeof(*switches); i++)
		if (strcmp(t->e->key, switches[i]) == 0)
			return w < s->n &&
			       (notes__dose_at(s, w) || decimal_dose_at(s, w) ||
				schedule_switch_zh(s, j));
	return false;
}

static bool
kept_apart(const sentence *s, size_t k, size_t j)
{
	if (!notes__is_trigger(s->items[j].e->type))
		return false;
	return lab_corrected(s, j) || dose_switch_zh(s, j) ||
	       condition_goes_on(s, k, j) || indication_apart(s, k, j) ||
	       queries_other(s, k, j) || numbered_apart(s, k, j) ||
	       paren_confined(s, k, j) || queried_word(s, k, j) ||
	       queried_aside_zh(s, k, j) || answers_question(s, k, j);
}

/* DELABEL_IF_WORDS: the most words between a condition's word and the
 * de-labelling it puts as a condition. */
#define DELABEL_IF_WORDS 3

/* delabel_conditional: is de-labelling j put as a condition, "if",
 * "once", "unless" or "until" a few words before it in its clause ("if
 * label removed -> co-amoxiclav", "once the label is removed")?  A label
 * that may be removed is still on the record: it stands until the test
 * removes it (rules75en21). */
static bool
delabel_conditional(const sentence *s, size_t j)
{
	static const char *const cond[] = {"if", "once", "unless", "until"};
	size_t w0 = s->items[j].w0;
	size_t from = w0 > DELABEL_IF_WORDS ? w0 - DELABEL_IF_WORDS : 0;

	for (size_t w = w0; w-- > from;) {
		if (!notes__only_marks(s->text, s->words[w].end,
				       s->words[w + 1].start, " "))
			return false; /* a mark parts the clause */
		if (notes__words_in(s, w, cond, sizeof(cond) / sizeof(*cond)))
			return true;
	}
	return false;
}

/* order_deleted_zh: is Chinese de-labelling trigger j a 删除 said of an
 * order, its sentence naming the order list, the prescription or the
 * conflict a pharmacist found ("单硝酸异山梨酯从医嘱中删除", "复方磺胺甲噁唑
 * 与磺胺过敏史冲突 | 建议删除", allergy75kx)?  The drug is taken off the
 * orders (a stop, as the medicine's context reads it); the allergy it
 * conflicts with stands. */
static bool
order_deleted_zh(const sentence *s, size_t j)
{
	static const char *const orders[] = {"医嘱", "给药单", "发药单", "处方",
					     "冲突"};

	return strcmp(s->items[j].e->key, "删除") == 0 &&
	       notes__words_any(s, 0, s->n, orders, N_OF(orders));
}

/* delabel_misses: is trigger j a de-labelling that does not reach item
 * k?  A label removed is a drug's, never a problem's.  An English request
 * to remove a label, written before the label it names ("GP asked to
 * remove penicillin allergy label"), removes the first allergy after it,
 * never a medicine ("to remove the fentanyl patch" does not deny it was
 * taken) nor a drug named after the label ("Please remove penicillin
 * allergy from her GP record and add: NSAID hypersensitivity
 * (aspirin)"). */
static bool
delabel_misses(const sentence *s, size_t j, size_t k, bool allergy)
{
	const notes_entry *t = s->items[j].e;
	const unsigned mask =
		NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD | NOTES_DIR_DELABEL;

	if (!(t->dir & NOTES_DIR_DELABEL))
		return false;
	if (s->items[k].e->type == NOTES_T_PROBLEM ||
	    delabel_conditional(s, j) || (allergy && order_deleted_zh(s, j)))
		return true;
	if ((t->dir & mask) != (NOTES_DIR_FORWARD | NOTES_DIR_DELABEL) ||
	    (unsigned char)t->key[0] >= 0x80)
		return false;
	if (!allergy)
		return true;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]))
			return true;
	return false;
}

/* reason_aside: is allergy item k, its allergy cue or its reaction after
 * it, in a parenthesis opened after negation j, which answers a drug
 * named before it ("Amoxicillin/
 * clavulanate？—— NO（penicillin allergy）", "No amoxicillin (penicillin
 * allergy)", "Inj. cefazolin NOT to be given (cephalosporin
 * anaphylaxis)", allergy75gs)?  The parenthesis gives the reason the
 * drug is not given; the allergy in it stands (rules75zh20). */
static bool
reason_aside(const sentence *s, size_t j, size_t k)
{
	const char *close, *open;
	size_t d = 0;

	while (d < j && !is_drug(&s->items[d]))
		d++;
	if (j > k || d == j || s->items[j].e->type != NOTES_T_NEGATED)
		return false;
	open = notes__paren_open(s, k, &close);
	if (open == NULL || open < s->text + s->items[j].end)
		return false;
	for (size_t m = k + 1; m < s->n_items; m++)
		if ((s->items[m].e->type == NOTES_T_ALLERGY_CUE &&
		     !(s->items[m].e->dir & NOTES_DIR_DELABEL)) ||
		    s->items[m].e->type == NOTES_T_REACTION)
			return s->text + s->items[m].start < close;
	return false;
}

bool
notes__record_denied(const sentence *s, size_t j)
{
	static const char *const denied[] = {"not", "never"};
	const item *c = &s->items[j];

	return (c->e->dir & NOTES_DIR_RECORDED) && c->w0 > 0 &&
	       notes__words_in(s, c->w0 - 1, denied,
			       sizeof(denied) / sizeof(*denied));
}

bool
notes__recorded_names(const sentence *s, size_t j, size_t k)
{
	const item *c = &s->items[j];

	return (c->e->dir & NOTES_DIR_RECORDED) &&
	       c->e->type == NOTES_T_ALLERGY_CUE &&
	       !notes__record_denied(s, j) && k == j + 1 && k < s->n_items &&
	       is_drug(&s->items[k]) && s->items[k].w0 == c->w1 + 1 &&
	       (notes__words_at(s, c->w1, "to") ||
		notes__words_at(s, c->w1, "of"));
}

/* recorded_between: does a record cue between trigger j and allergy
 * item k name k ("label removed, documented as intolerance of amoxicillin
 * (nausea) only", allergy75gt)?  The record is the verdict on k; the
 * trigger before it spoke of another label. */
static bool
recorded_between(const sentence *s, size_t j, size_t k)
{
	return j + 1 < k && notes__recorded_names(s, k - 1, k);
}

/* withheld_aside: is hypothetical trigger j outside the parenthesis that
 * holds item k, a negation before k inside it ("如果 agitation 需要用藥：
 * quetiapine 12.5mg prn（唔可以用 haloperidol / metoclopramide）")?  The
 * drug the aside withholds is withheld whatever the condition
 * (rules75zh20). */
static bool
withheld_aside(const sentence *s, size_t j, size_t k)
{
	const char *close, *open;

	if (j > k || s->items[j].e->type != NOTES_T_HYPOTHETICAL)
		return false;
	open = notes__paren_open(s, k, &close);
	if (open == NULL || s->text + s->items[j].start > open)
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (s->items[m].e->type == NOTES_T_NEGATED &&
		    s->text + s->items[m].start > open)
			return true;
	return false;
}

/* past_last_drug: is backward trigger j one of the last drug before it
 * (NOTES_DIR_LAST_DRUG) and item k further back, past another drug that
 * is not listed with k ("her insulin glargine was reduced when
 * prednisolone finished")?  Then it is that drug's, not k's; a run of
 * drugs joined by "and", "+", "/" or a comma is one ("co-amoxiclav and
 * clarithromycin finished"). */
static bool
past_last_drug(const sentence *s, size_t k, size_t j)
{
	static const char *const joins[] = {
		"and", "+", "/", ",", "&", "、", "\xe5\x92\x8c" /* 和 */};
	const size_t n_joins = sizeof(joins) / sizeof(*joins);
	size_t last = k;

	if (j <= k || !(s->items[j].e->dir & NOTES_DIR_LAST_DRUG))
		return false;
	for (size_t m = k + 1; m < j; m++) {
		if (!is_drug(&s->items[m]))
			continue;
		if (m != last + 1 ||
		    !notes__gap_in(s, s->items[last].end, s->items[m].start,
				   joins, n_joins))
			return true;
		last = m;
	}
	return false;
}

/* stop_spares_problem: is item k a problem that stop trigger j, which
 * makes a drug past, leaves as its other words give it?  The stop is the
 * drug's: what the drug was taken for ("She has stopped the doxycycline
 * that was used for acne") and the reason it was stopped ("stopped 2024
 * due to urinary retention (BPH)", "因转氨酶升高停用", "立即停用甲巯咪唑")
 * may well go on, and most writers annotate them so (issue 75,
 * ctxstop75a). */
static bool
stop_spares_problem(const sentence *s, size_t j, size_t k)
{
	return (s->items[j].e->dir & NOTES_DIR_STOP) &&
	       s->items[k].e->type == NOTES_T_PROBLEM;
}

/* stop_of_another: is English stop trigger j, after item k, said of
 * another drug than k (singular_stop_apart, past_last_drug)? */
static bool
stop_of_another(const sentence *s, size_t k, size_t j)
{
	return singular_stop_apart(s, k, j) || past_last_drug(s, k, j);
}

/* names_finding: does trigger t, which reaches a finding whose context
 * already holds bits, name it?  The first trigger does; a de-labelling
 * does, whatever else negates it, so that delabel() finds it; and a
 * resolution does, so that the context model leaves it ("Hypertension in
 * the past, resolved."). */
static bool
names_finding(unsigned bits, const notes_entry *t)
{
	return bits == 0 || (t->dir & NOTES_DIR_DELABEL) ||
	       notes__resolution(t);
}

/* owned_apart: is item k kept from backward trigger j by what j's own
 * part of the sentence names (hyphen_owns, resolution_apart_en,
 * resolution_apart_zh)? */
static bool
owned_apart(const sentence *s, size_t k, size_t j)
{
	return hyphen_owns(s, k, j) || resolution_apart_en(s, k, j) ||
	       resolution_apart_zh(s, k, j);
}

/* mark_opens: does text at i, past spaces, start with one of the marks in
 * list (NULL-ended)?  Sets *past to the byte after it. */
static bool
mark_opens(const sentence *s, uint32_t i, const char *const *list,
	   uint32_t *past)
{
	while (i < s->text_len && s->text[i] == ' ')
		i++;
	for (size_t m = 0; list[m] != NULL; m++) {
		size_t n = strlen(list[m]);

		if (i + n <= s->text_len &&
		    memcmp(s->text + i, list[m], n) == 0) {
			*past = (uint32_t)(i + n);
			return true;
		}
	}
	return false;
}

/* clause_mark_before: does a clause mark (，；：, a line's start) come
 * right before byte i, past spaces? */
static bool
clause_mark_before(const sentence *s, uint32_t i)
{
	static const char *const marks[] = {"\xef\xbc\x8c", "\xef\xbc\x9b",
					    "\xef\xbc\x9a", "\xe3\x80\x81"};
	const char *t = s->text;

	while (i > 0 && t[i - 1] == ' ')
		i--;
	if (i == 0 || t[i - 1] == '\n' || t[i - 1] == ',' || t[i - 1] == ';' ||
	    t[i - 1] == ':')
		return true;
	for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++)
		if (i >= 3 && memcmp(t + i - 3, marks[m], 3) == 0)
			return true;
	return false;
}

/* query_before_zh: NOTES_UNCERTAIN when a question mark opens a clause
 * of its own right before Chinese problem k ("诊断：癫痫持续状态，已控
 * 制；?吸入性肺炎", "CXR：右下肺斑片影，?早期肺炎"), else 0; sets *trigger
 * when nothing else did (bits).  Chinese writes the mark after what it
 * doubts, but one after a comma or a semicolon has nothing of its clause
 * before it to doubt: it doubts the problem it stands before, as the
 * English "?pneumonia" does.  The mark ends a sentence, so it is read
 * from the text.  A problem only: a doubted drug is the drug's own
 * business (allergy75aq, medallergy75a). */
static unsigned
query_before_zh(const sentence *s, size_t k, unsigned bits,
		const char **trigger)
{
	static const char *const wide = "\xef\xbc\x9f";
	uint32_t i = s->items[k].start;
	const char *t = s->text;

	if (s->items[k].e->type != NOTES_T_PROBLEM ||
	    (unsigned char)t[i] < 0x80)
		return 0;
	while (i > 0 && t[i - 1] == ' ')
		i--;
	if (i > 0 && t[i - 1] == '?')
		i--;
	else if (i >= 3 && memcmp(t + i - 3, wide, 3) == 0)
		i -= 3;
	else
		return 0;
	if (!clause_mark_before(s, i))
		return 0;
	if (bits == 0)
		*trigger = wide;
	return NOTES_UNCERTAIN;
}

/* is_verdict_zh: is key a Chinese verdict that rules a diagnosis out
 * (可排除, 已排除, 不支持)?  A test's own result (阴性, 正常) is not one:
 * "轻度冠状动脉疾病（LAD 50%，FFR 阴性）" keeps the disease. */
static bool
is_verdict_zh(const char *key)
{
	static const char *const verdicts[] = {"可排除", "已排除", "可除外",
					       "已除外", "不支持"};

	return notes__among(key, verdicts, sizeof verdicts / sizeof *verdicts);
}

/* verdict_after_reasons: is negation j the verdict that ends problem k's
 * own entry in a list of differentials, after the findings that decide
 * it ("①青少年型帕金森病：无K-F环及铜代谢异常，可排除；", "急性胰腺炎（淀粉
 * 酶、脂肪酶正常，不支持）")?  The problem opens its entry with a colon or
 * a bracket, no other problem or drug stands between, and the verdict
 * closes the entry: the comma before it parts the reasons from the
 * verdict, not the verdict from its problem. */
static bool
verdict_after_reasons(const sentence *s, size_t k, size_t j)
{
	static const char *const opens[] = {"\xef\xbc\x9a", ":", "\xef\xbc\x88",
					    "(", NULL};
	static const char *const closes[] = {
		"\xef\xbc\x9b", ";", "\xe3\x80\x82", "\xef\xbc\x89", ")",
		"\n",		NULL};
	uint32_t past;

	if (j <= k || s->items[k].e->type != NOTES_T_PROBLEM ||
	    !is_verdict_zh(s->items[j].e->key) ||
	    !mark_opens(s, s->items[k].end, opens, &past))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (notes__is_concept(s->items[m].e->type))
			return false;
	for (uint32_t i = past; i + 3 <= s->items[j].start; i++)
		if (memcmp(s->text + i, "\xef\xbc\x9b", 3) == 0 ||
		    memcmp(s->text + i, "\xe3\x80\x82", 3) == 0 ||
		    s->text[i] == ';' || s->text[i] == '\n')
			return false;
	return s->items[j].end >= s->text_len ||
	       mark_opens(s, s->items[j].end, closes, &past);
}

/* held_for_operation: is trigger j a stop its clause times before an
 * operation ("，术前5天停用"; "（心房顫動）— 術前5天已停")?  The drug k
 * before it is held for the operation, not given up: ten writers
 * (zh-dev3, 14, 15, 24, 26, 38, 42, 44, 45, 48) annotate it taken. */
static bool
held_for_operation(const sentence *s, size_t k, size_t j)
{
	return (s->items[j].e->dir & NOTES_DIR_STOP) &&
	       notes__preop_stop_zh(s->text, s->items[k].end,
				    s->items[j].start);
}

/* IF_RESULT_WORDS: the most words between "if" and the result it waits
 * for ("if it is negative"). */
#define IF_RESULT_WORDS 3

/* awaited_result: is backward negation j a result the writer waits for,
 * "if" or "once" a few words before it and after item k ("for a
 * penicillin challenge - if it is negative the penicillin label can come
 * off")?  Nothing is denied yet (allergy75ft, en-dev57). */
static bool
awaited_result(const sentence *s, size_t k, size_t j)
{
	static const char *const cond[] = {"if", "once", "when"};
	size_t w = s->items[j].w0, from = s->items[k].w1;

	if (s->items[j].e->type != NOTES_T_NEGATED || j < k)
		return false;
	if (w > from + IF_RESULT_WORDS)
		from = w - IF_RESULT_WORDS;
	for (; from < w; from++)
		if (notes__words_in(s, from, cond,
				    sizeof(cond) / sizeof(*cond)))
			return true;
	return false;
}

/* back_reaches: does trigger j, written after item k, reach it: in its
 * clause, or across one as a stop, a refusal, a resolution or an
 * allergy's answer may? */
static bool
back_reaches(const sentence *s, size_t k, size_t j, bool allergy)
{
	const notes_entry *t = s->items[j].e;
	bool back = (j > k && (t->dir & NOTES_DIR_BACKWARD) &&
		     !notes__terminated(s, k, j) &&
		     !notes__comma_between(s, k, j) &&
		     !other_subject(s, k, j) && !opens_after(s, k, j) &&
		     !doubt_after_label(s, k, j, allergy) &&
		     !owned_apart(s, k, j) && !awaited_result(s, k, j)) ||
		    dash_no(s, j, k) || stop_reaches(s, k, j) ||
		    decline_reaches(s, k, j) || resolved_reaches(s, k, j) ||
		    verdict_after_reasons(s, k, j) ||
		    (allergy && answer_reaches(s, k, j));

	return back && condition_reaches(s, k, j, allergy) &&
	       !stop_of_another(s, k, j) && !held_for_operation(s, k, j);
}

/* family_suffix_zh: NOTES_FAMILY when problem k is written right before
 * 家族史, a family history of it ("偏头痛家族史（母亲）", "有乳腺癌家族
 * 史"), else 0; sets *trigger when nothing else did (bits).  The heading
 * word, written after the problem, makes it the relatives' wherever it
 * stands, a past-history line too (famhx75c: zh-dev33). */
static unsigned
family_suffix_zh(const sentence *s, size_t k, unsigned bits,
		 const char **trigger)
{
	const item *next = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	if (s->items[k].e->type != NOTES_T_PROBLEM || next == NULL ||
	    next->w0 != s->items[k].w1 || strcmp(next->e->key, "家族史") != 0)
		return 0;
	if (bits == 0)
		*trigger = next->e->key;
	return NOTES_FAMILY;
}

/* spaced_dash_at: the byte after the spaced dash (" - ", " – ", " — ")
 * that the text of s holds in [from, to), or 0 if none. */
static uint32_t
spaced_dash_at(const sentence *s, uint32_t from, uint32_t to)
{
	static const char *const dashes[] = {" - ", " \xe2\x80\x93 ",
					     " \xe2\x80\x94 "};

	for (uint32_t i = from; i < to; i++)
		for (size_t d = 0; d < sizeof dashes / sizeof *dashes; d++) {
			size_t n = strlen(dashes[d]);

			if (i + n <= to &&
			    memcmp(s->text + i, dashes[d], n) == 0)
				return (uint32_t)(i + n);
		}
	return 0;
}

/* denied_class_holds: is the item right after negation j, before the
 * dash that ends at past, a class that drug item k belongs to, denied as
 * a drug ("No NSAIDs for gout - ibuprofen etc.") and not as an allergy
 * ("No penicillin allergy - tolerating piperacillin")? */
static bool
denied_class_holds(const sentence *s, size_t j, size_t k, uint32_t past)
{
	const item *c = j + 1 < k ? &s->items[j + 1] : NULL;

	if (c == NULL || c->e->type != NOTES_T_CLASS || c->end >= past ||
	    !notes__member_of(s->items[k].e->code, c->e->code))
		return false;
	return !(j + 2 < s->n_items &&
		 s->items[j + 2].e->type == NOTES_T_ALLERGY_CUE &&
		 s->items[j + 2].w0 == c->w1);
}

/* dash_ends_denial: is forward negation j parted from item k by a spaced
 * dash ("No codeine on TTO - paracetamol and ibuprofen for home", "No
 * penicillin allergy - tolerating piperacillin", "Microgynon? No - she
 * stopped the pill (migraine with aura started)")?  What the dash opens
 * gives what is done instead, the reason or the answer's correction; it
 * is not denied with what the negation named.  A member of a class named
 * before the dash stays denied with its class ("No NSAIDs for gout
 * attacks - ibuprofen etc. dangerous"); a dash in an aside opened after
 * the negation ("No other ingestions (checked packets - had ibuprofen,
 * none taken)") and a label removed, whose evidence the dash gives
 * ("label REMOVED - negative amoxicillin challenge"), part nothing
 * (issue 75, ctxneg75a). */
static bool
dash_ends_denial(const sentence *s, size_t j, size_t k)
{
	uint32_t past;

	if (j >= k || s->items[j].e->type != NOTES_T_NEGATED ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL))
		return false;
	past = spaced_dash_at(s, s->items[j].end, s->items[k].start);
	if (past == 0 || bracketed(s, s->items[j].end, past))
		return false;
	return !denied_class_holds(s, j, k, past);
}

/* dated_done_zh: is Chinese stop trigger j one its clause says is done
 * at a time written between 已于 and it ("已于2022年停用", "已于上月停
 * 用")?  It reads as 已停用, a stop done, which stands for the note's
 * other mentions of the drug as taken. */
static bool
dated_done_zh(const sentence *s, size_t j)
{
	static const char *const since[] = {"已于", "已於"};
	static const char *const stops[] = {"停用", "停药", "停藥", "停服"};
	const notes_entry *t = s->items[j].e;

	return t->type == NOTES_T_HISTORICAL && (t->dir & NOTES_DIR_STOP) &&
	       notes__among(t->key, stops, sizeof(stops) / sizeof(*stops)) &&
	       marked_in_clause_zh(s->text, 0, s->items[j].start, since, 2,
				   NULL);
}

/* such_as_zh: is trigger j the 如 that opens a bracket's examples, a
 * drug right after it ("考虑与复方中其他成分（如氯苯那敏）有关可能性大",
 * allergy75tr, zh-dev88)?  It means "such as", not "if": no condition.
 * "（如低钾补氯化钾）" is one. */
static bool
such_as_zh(const sentence *s, size_t j)
{
	uint32_t at = s->items[j].start;

	return strcmp(s->items[j].e->key, "如") == 0 && j + 1 < s->n_items &&
	       is_drug(&s->items[j + 1]) &&
	       notes__only_marks(s->text, s->items[j].end,
				 s->items[j + 1].start, "") &&
	       ((at >= 3 && memcmp(s->text + at - 3, "（", 3) == 0) ||
		(at >= 1 && s->text[at - 1] == '('));
}

unsigned
notes__context(const sentence *s, size_t k, bool allergy, const char **trigger)
{
	unsigned bits = 0, own = 0, strong = 0;
	const char *neg = "";
	bool refused = false;

	*trigger = "";
	for (size_t j = 0; j < s->n_items; j++) {
		const notes_entry *t = s->items[j].e;

		if (kept_apart(s, k, j) || withheld_aside(s, j, k) ||
		    relative_lends(s, j, k) || such_as_zh(s, j))
			continue;
		bool fwd = j < k && (t->dir & NOTES_DIR_FORWARD) &&
			   (!notes__scope_ends(s, j, k) ||
			    ((allergy || relative_with(s, j)) &&
			     relative_reaches(s, j, k))) &&
			   !until_to(s, j, k) && !closes_before(s, j, k) &&
			   !stop_ends(s, j, k) && !dash_ends_denial(s, j, k);
		bool back = back_reaches(s, k, j, allergy);

		fwd = fwd && own_item_reaches(s, j, k);
		if (plan_spares(s, j, k) || shouted_no(s, j, k, allergy) ||
		    kept_from_allergen(s, j, k, allergy))
			continue;

		/* "no known allergy to latex": the phrase negates what
		 * follows it, as "no" would, within a trigger's scope */
		if (none_known_denies(s, j, k)) {
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
		    (t->type == NOTES_T_FAMILY && tells_or_is_patient(s, j)))
			continue;
		/* a drug planned, stopped or withheld keeps its allergy
		 * ("暂不使用甲硝唑（患者不耐受）"), a stopped drug its
		 * indication and the reason for the stop */
		if (((t->dir &
		      (NOTES_DIR_PLAN | NOTES_DIR_STOP | NOTES_DIR_DECLINE)) &&
		     allergy) ||
		    stop_spares_problem(s, j, k))
			continue;
		if (allergy &&
		    (conditions_drug(s, j, k) || negates_drug(s, j, k) ||
		     reason_aside(s, j, k) || denied_before_colon(s, j, k) ||
		     recorded_between(s, j, k)))
			continue;
		if (((t->dir & NOTES_DIR_PROBLEM) &&
		     s->items[k].e->type != NOTES_T_PROBLEM) ||
		    delabel_misses(s, j, k, allergy))
			continue; /* a label removed is a drug's */
		if (names_finding(bits, t))
			*trigger = dated_done_zh(s, j) ? "已停用" : t->key;
		if (t->type == NOTES_T_NEGATED && neg[0] == '\0')
			neg = t->key;
		bits |= 1u << t->type;
		refused |= t->type == NOTES_T_NEGATED &&
			   (t->dir & NOTES_DIR_DECLINE);
		own |= (t->dir & NOTES_DIR_SECTION) ? 0 : 1u << t->type;
		strong |= (t->dir & NOTES_DIR_PROBLEM) ? 0 : 1u << t->type;
	}
	own |= family_suffix_zh(s, k, bits, trigger);
	own |= named_relative_self(s, k, bits, trigger);
	own |= allergy ? teller_claims_own(s, k, bits, trigger) : 0;
	bits |= query_before_zh(s, k, bits, trigger);
	bits |= own & NOTES_FAMILY;
	bits = denied_past(hypothesis_only(bits, strong), own, neg, trigger);
	if (refused) /* "建议加用碳酸锂，家属拒绝": the offer holds no more */
		bits &= ~NOTES_HYPOTHETICAL;
	return bits | section_context(s, k, allergy, bits, trigger);
}

size_t
notes__drug_bound(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return s->items[m].w0;
	return s->n;
}

void
notes__clause_words(const sentence *s, size_t k, size_t *from, size_t *to)
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

/* line_sentence makes s the sentence of text that holds byte at, its
 * words scanned from byte from (the start of at's line) as notes_read
 * scans them, with no heading, list or drug read before it; false when
 * no word of the text from from on ends past at. */
static bool
line_sentence(sentence *s, const char *text, size_t len, size_t from,
	      uint32_t at)
{
	size_t pos = from;
	notes_tok t;

	s->text = text;
	s->text_len = len;
	s->n = s->n_items = 0;
	s->allergy_list = s->allergy_line = s->allergy_head = false;
	s->allergy_line_zh = s->allergy_table = s->section_inline = false;
	s->suspects_zh = s->list_aside = false;
	s->section = NULL;
	s->section_at = 0;
	s->prior.e = s->prior_last.e = s->prior_denied.e = NULL;
	do {
		notes__scan(text, len, &pos, &t);
		if (t.type == NOTES_TOK_WORD)
			s->words[s->n++] = t;
		if (t.type == NOTES_TOK_WORD && s->n < NOTES_SENTENCE_WORDS)
			continue;
		if (s->n > 0 && s->words[s->n - 1].end > at)
			return true;
		s->n = 0;
	} while (t.type != NOTES_TOK_END);
	return false;
}

/* problem_at returns the item of s that is a problem starting at word w,
 * inserting {e, w, w1} in word order where s read none there; s->n_items
 * when the sentence holds no room for it. */
static size_t
problem_at(sentence *s, const notes_entry *e, size_t w, size_t w1)
{
	size_t k = 0;

	while (k < s->n_items && s->items[k].w0 < w)
		k++;
	if (k < s->n_items && s->items[k].w0 == w &&
	    s->items[k].e->type == NOTES_T_PROBLEM)
		return k;
	if (s->n_items == NOTES_SENTENCE_WORDS)
		return s->n_items;
	memmove(&s->items[k + 1], &s->items[k],
		(s->n_items - k) * sizeof(s->items[0]));
	s->items[k] = (item){e, w, w1, s->words[w].start, s->words[w1 - 1].end};
	s->n_items++;
	return k;
}

bool
notes__negated_as(const notes_entry *e, const char *text, size_t len,
		  size_t from, uint32_t start, uint32_t end)
{
	static __thread sentence s;
	size_t w0 = 0, w1, k;
	const char *trigger;

	if (!line_sentence(&s, text, len, from, start))
		return false;
	notes__match(&s);
	while (w0 < s.n && s.words[w0].end <= start)
		w0++;
	for (w1 = w0; w1 < s.n && s.words[w1].start < end;)
		w1++;
	if (w1 == w0 || (k = problem_at(&s, e, w0, w1)) == s.n_items)
		return false;
	return notes__context(&s, k, false, &trigger) & NOTES_NEGATED;
}
