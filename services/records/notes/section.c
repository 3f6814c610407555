/*
 * section.c - headings, lines and sections: whether a sentence is a
 * heading ("Allergies:", "既往史：", "PMH:"), what it opens (an allergy
 * list, an allergy line, a section whose trigger holds for the lines
 * under it), and what a line starts with.  The line-level state lives in
 * the sentence (reader_int.h); this file sets and reads it.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>

/* zh_cues_joined: is text [from, to) only a word that joins two headings
 * ("过敏及不良反应", "过敏/不良反应", "過敏／藥物不良反應", "过敏和不良反应")
 * and spaces?  Spaces alone join a Chinese cue to its English
 * translation after it ("【藥物過敏史 Drug Allergy / ADR】", allergy75kg):
 * Taiwan's and Hong Kong's records head their sections in both. */
static bool
zh_cues_joined(const char *text, uint32_t from, uint32_t to)
{
	static const char *const joins[] = {"及", "和", "与", "與",
					    "、", "/",	"／"};
	uint32_t a = from, b = to;

	while (a < b && text[a] == ' ')
		a++;
	while (b > a && text[b - 1] == ' ')
		b--;
	if (a == b && from < to && from > 0)
		return (unsigned char)text[from - 1] >= 0x80 &&
		       isalpha((unsigned char)text[to]);
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

/* bracket_head_zh: does s open its line with the allergy cues of its
 * items [0, j] in lenticular brackets, the list after them on the line
 * ("【过敏史】青霉素皮试阳性（2010年）")?  The brackets close the heading
 * as a colon does (rules75zh25). */
static bool
bracket_head_zh(const sentence *s, size_t j)
{
	uint32_t start = s->words[0].start, i;

	if (start < 3 || memcmp(s->text + start - 3, "\xe3\x80\x90", 3) != 0 ||
	    strncmp(s->text + s->items[j].end, "\xe3\x80\x91", 3) != 0)
		return false;
	for (i = start - 3; i > 0 && s->text[i - 1] == ' ';)
		i--;
	return i == 0 || s->text[i - 1] == '\n';
}

/* inline_bracket_head_zh: does s open with an allergy heading in
 * lenticular brackets and go on with its list on the line
 * ("【过敏史】青霉素皮试阳性")?  It is a heading as "过敏史：青霉素…" is. */
static bool
inline_bracket_head_zh(const sentence *s)
{
	size_t j = zh_head_last(s);

	return s->n_items > 0 && s->items[0].w0 == 0 &&
	       s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
	       s->items[j].w1 < s->n && bracket_head_zh(s, j);
}

/* after_stop_zh: does s start right after an ideographic full stop on
 * its line ("既往体健。过敏：复方新诺明（皮疹）；阿莫西林？家长不确定。")?
 * A heading there opens a list on the rest of the line, as one that opens
 * the line does. */
static bool
after_stop_zh(const sentence *s)
{
	uint32_t at = s->words[0].start;

	while (at > 0 && s->text[at - 1] == ' ')
		at--;
	return at >= 3 && memcmp(s->text + at - 3, "\xe3\x80\x82", 3) == 0;
}

/* after_ordinal: does s follow its line's ordinal, a number and a full
 * stop ("3. 过敏史：自述\"头孢过敏\"…；\"左氧氟沙星\"服后…")?  The stop
 * ends a sentence of its own; the heading after it opens the line
 * (allergy75fc). */
static bool
after_ordinal(const sentence *s)
{
	uint32_t at = s->words[0].start, digits = 0;

	while (at > 0 && s->text[at - 1] == ' ')
		at--;
	if (at == 0 || s->text[--at] != '.')
		return false;
	while (at > 0 && isdigit((unsigned char)s->text[at - 1]) &&
	       digits < 3) {
		at--;
		digits++;
	}
	while (at > 0 && s->text[at - 1] == ' ')
		at--;
	return digits > 0 && (at == 0 || s->text[at - 1] == '\n');
}

/* letter_label: does s open with one capital letter and a colon, an
 * SBAR or SOAP part's label ("B：过敏栏：头孢曲松（皮疹）；肝素（HIT）",
 * allergy75cv)?  The heading after it opens the line as well. */
static bool
letter_label(const sentence *s)
{
	const notes_tok *w = &s->words[0];

	return s->n > 1 && w->end - w->start == 1 &&
	       isupper((unsigned char)s->text[w->start]) &&
	       notes__colon_at(s->text, w->end, s->words[1].start) != NULL;
}

static const char *after_bracket(const char *p, const char *to);

/* bracket_then_colon: is the heading's last cue j followed by a bracket
 * and then the colon ("过敏史（母亲代述）：头孢类过敏；布洛芬…", allergy75hk;
 * "Allergies (per sister): Ampiclox - …", allergy75jr)?  The bracket
 * names who told the list or where it was read; an item in it (the
 * mother) is no entry, and the colon after it closes the heading. */
static bool
bracket_then_colon(const sentence *s, size_t j)
{
	const char *end = s->text + s->text_len, *to;
	const char *p = s->text + s->items[j].end;

	/* the bracket may hold the sentence's last word ("過敏史 (Allergy):",
	 * zh-dev80): the colon is looked for to the line's end */
	to = memchr(p, '\n', (size_t)(end - p));
	if (to == NULL)
		to = end;

	while (p < to && *p == ' ')
		p++;
	if (p == to ||
	    (*p != '(' && (to - p < 3 || memcmp(p, FW_OPEN, 3) != 0)))
		return false;
	p = after_bracket(p, to);
	return p < to && (*p == ':' ||
			  (to - p >= 3 && memcmp(p, "\xef\xbc\x9a", 3) == 0));
}

bool
notes__zh_allergy_head(const sentence *s)
{
	return s->n_items > 0 &&
	       (s->items[0].w0 == 0 ||
		(s->items[0].w0 == 1 && letter_label(s))) &&
	       s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
	       (unsigned char)s->items[0].e->key[0] >= 0x80 &&
	       (((notes__colon_after(s, zh_head_last(s)) ||
		  bracket_then_colon(s, zh_head_last(s))) &&
		 (notes__line_lead(s) != NULL || after_stop_zh(s) ||
		  after_ordinal(s))) ||
		bracket_head_zh(s, zh_head_last(s)));
}

/* in_brackets_zh: is colon inside full-width brackets opened after the
 * line's first word ("过敏史（原文\"Allergies: …\"）：")?  It is the
 * note's own, the heading's colon after the brackets. */
static bool
in_brackets_zh(const sentence *s, const char *colon)
{
	uint32_t from = s->words[0].start, at = (uint32_t)(colon - s->text);
	const char *open = memmem(s->text + from, at - from, FW_OPEN, 3);

	/* brackets that open the sentence hold a remark, its label's colon
	 * no heading ("…出紅疹。（電腦 alert：Penicillin allergy）": the list
	 * goes on; rules75zh27) */
	while (open == NULL && from > 0 && s->text[from - 1] == ' ')
		from--;
	if (open == NULL && from >= 3 &&
	    memcmp(s->text + from - 3, FW_OPEN, 3) == 0)
		open = s->text + from - 3;
	return open != NULL &&
	       memmem(open, (size_t)(colon - open), FW_CLOSE, 3) == NULL;
}

/* digits_around: is the colon at p between two digits, a clock's time
 * or an allele's number ("HLA-B*58:01 positive", "seen at 14:30")?
 * Such a colon ends no heading. */
static bool
digits_around(const char *p)
{
	return isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1]);
}

/* connective_colon: does s open with a connective or an answer and a
 * colon right after it ("So: GI intolerance to amoxicillin, not an
 * allergy.", "penicillin? - NO: she had ...")?  That colon opens the
 * writer's conclusion or reason, no section: an allergy list goes on
 * (rules75en25). */
static bool
connective_colon(const sentence *s)
{
	static const char *const connective[] = {"so",	      "but",  "however",
						 "therefore", "thus", "hence",
						 "no",	      "yes"};
	const char *p = s->text + s->words[0].end;

	return notes__words_in(s, 0, connective,
			       sizeof(connective) / sizeof(*connective)) &&
	       (*p == ':' || (p[0] == ' ' && p[1] == ':'));
}

/* quoted_speech: is the colon of s one a teller speaks after, a
 * reporting word before it and a quote opening right after it ("Mum
 * texted back today: \"he's allergic to penicillin, that's what the
 * doctor said\"", allergy75os, en-dev76)?  The quote is what was said,
 * no section: an allergy list goes on. */
static bool
quoted_speech(const sentence *s, const char *colon)
{
	const char *p = colon + 1, *end = s->text + s->text_len;

	while (p < end && *p == ' ')
		p++;
	if (p >= end ||
	    (*p != '"' && *p != '\'' && strncmp(p, "\xe2\x80\x9c", 3) != 0))
		return false;
	for (size_t w = 0; w < s->n && s->text + s->words[w].end <= colon; w++)
		if (notes__reporting(s, w))
			return true;
	return false;
}

/* circled_lead: does s open its line with a circled number, spaces
 * around it ("① 碘造影剂：…", "④乳胶：…")? */
static bool
circled_lead(const sentence *s)
{
	const unsigned char *p =
		(const unsigned char *)s->text + s->words[0].start;

	while (p > (const unsigned char *)s->text && p[-1] == ' ')
		p--;
	if (p - (const unsigned char *)s->text < 3 || p[-3] != 0xe2 ||
	    p[-2] != 0x91 || p[-1] < 0xa0 || p[-1] > 0xb3)
		return false;
	p -= 3;
	while (p > (const unsigned char *)s->text && p[-1] == ' ')
		p--;
	return p == (const unsigned char *)s->text || p[-1] == '\n';
}

/* reaction_told_after: does an allergy list's entry, numbered ①-⑳, give
 * a reaction after its colon ("① 碘造影剂：2019年增强CT后全身荨麻疹。",
 * allergy75gy)?  It is the list's entry of an allergen the reader does
 * not know, not a heading that ends the list. */
static bool
reaction_told_after(const sentence *s, const char *colon)
{
	if (!s->allergy_list || !circled_lead(s))
		return false;
	for (size_t k = 0; k < s->n_items; k++)
		if (s->text + s->items[k].start > colon &&
		    s->items[k].e->type == NOTES_T_REACTION)
			return true;
	return false;
}

static bool numbered(const sentence *s);

/* told_colon: is the colon at colon, on a numbered entry of an allergy
 * list, right after a word of telling (说, 說, 诉, 訴, 述, 称, 稱: "3. 女兒
 * 說：「媽媽吃 Ultracet 會一直吐」", allergy75gz)?  What follows is the entry
 * told, no section.  A telling line not numbered ("儿子代诉：…", "- 妻子又
 * 说：…") may open a section of its own: read as an entry, it had kept
 * three older sets' lists going into what followed. */
static bool
told_colon(const sentence *s, const char *colon)
{
	static const char *const told[] = {"说", "诉", "述", "称"};

	if (!s->allergy_list || !(numbered(s) || circled_lead(s)))
		return false;
	for (size_t w = 0; w < s->n; w++)
		if (s->text + s->words[w].end == colon)
			return s->words[w].han &&
			       notes__words_in(s, w, told, N_OF(told));
	return false;
}

/* quoted_entry: is the text before colon, on a line of an allergy list,
 * a name opened by a quote ("- \"安乃近\"：几年前打针后全身起疙瘩",
 * allergy75ke)?
 * It is an entry whose drug the catalogue does not know, not a heading
 * that ends the list. */
static bool
quoted_entry(const sentence *s, const char *colon)
{
	static const char *const quotes[] = {"\"", "\xe2\x80\x9c",
					     "\xe3\x80\x8c"};
	const char *p = s->text + s->words[0].start;

	if (!s->allergy_list || p >= colon)
		return false;
	for (size_t i = 0; i < N_OF(quotes); i++) {
		size_t n = strlen(quotes[i]);

		if ((size_t)(p - s->text) >= n &&
		    memcmp(p - n, quotes[i], n) == 0)
			return true;
	}
	return false;
}

/* inline_heading: does the line start with a heading of words that
 * name no substance, a colon after them ("Current meds: levothyroxine")?
 * It ends an allergy list.  Words that name a problem before the colon
 * are an item of the list under a heading ("2.肺癌合并阻塞性肺炎：…",
 * "1.糖尿病控制不佳：加上…"), not a heading of their own, nor is one
 * who tells what follows ("3. 女兒說：「媽媽吃 Ultracet 會一直吐」",
 * told_colon). */
/* under_item: is s on a line indented deeper than the bulleted items
 * of the allergy list it is in, a wrap of an item's own note ("-
 * PENICILLIN ... ANAPHYLAXIS ⏎   -> Cefazolin: ... to confirm ⏎
 * tomorrow. Alternative: clindamycin 600 mg IV.", allergy75ns,
 * en-dev74)?  A colon there ends no list. */
static bool
under_item(const sentence *s)
{
	uint32_t from = s->words[0].start;
	int indent = 0;

	if (!s->allergy_list || s->list_indent < 0)
		return false;
	while (from > 0 && s->text[from - 1] != '\n')
		from--;
	while (s->text[from + indent] == ' ' || s->text[from + indent] == '\t')
		indent++;
	return indent > s->list_indent;
}

/* later_in_item: is s a later sentence of a line that opens as an
 * allergy list's numbered or bulleted item ("3. 布洛芬（芬必得）：病历记有
 * \"布洛芬过敏\"。…。药师评估：非过敏…", allergy75nz, zh-dev74), in
 * Chinese?  A judge's colon there (judged_in_item) gives the item's
 * verdict, no heading that ends the list; another colon may still open
 * the note's next field ("已报告医生：…"), and English items keep theirs
 * ("- Penicillin - rash. Meds: ..."). */
static bool
later_in_item(const sentence *s)
{
	uint32_t from = s->words[0].start, at;

	if (!s->allergy_list || !s->words[0].han)
		return false;
	while (from > 0 && s->text[from - 1] != '\n')
		from--;
	at = from;
	while (s->text[at] == ' ' || s->text[at] == '\t')
		at++;
	if (s->text[at] == '-' || s->text[at] == '*')
		at++;
	else if (isdigit((unsigned char)s->text[at])) {
		while (isdigit((unsigned char)s->text[at]))
			at++;
		if (strncmp(s->text + at, "、", 3) == 0)
			at += 3;
		else if (s->text[at] == '.' || s->text[at] == ')')
			at++;
		else
			return false;
	} else
		return false;
	if (at >= s->words[0].start)
		return false; /* the item's first sentence */
	return memmem(s->text + at, s->words[0].start - at, "。", 3) != NULL;
}

/* The words before a colon that give a judge's verdict ("药师评估：",
 * "会诊意见：", "结论："), traditional forms too. */
static const char *const judged_zh[] = {"评估", "評估", "意见", "意見",
					"结论", "結論", "判断", "判斷",
					"审核", "審核", "会诊", "會診"};

/* judged_in_item: is the colon of s, a later sentence of an allergy list's
 * item (later_in_item), written after a judge's words (judged_zh)? */
static bool
judged_in_item(const sentence *s, const char *colon)
{
	size_t at = (size_t)(colon - s->text);

	if (!later_in_item(s))
		return false;
	for (size_t i = 0; i < N_OF(judged_zh); i++) {
		size_t n = strlen(judged_zh[i]);

		if (at >= n && memcmp(colon - n, judged_zh[i], n) == 0)
			return true;
	}
	return false;
}

static bool
inline_heading(const sentence *s)
{
	const char *colon;

	if (s->n < 2 || connective_colon(s) || under_item(s))
		return false;
	colon = notes__colon_at(s->text, s->words[0].start,
				s->words[s->n - 1].start);
	if (colon == NULL || judged_in_item(s, colon) ||
	    in_brackets_zh(s, colon) || digits_around(colon) ||
	    reaction_told_after(s, colon) || told_colon(s, colon) ||
	    quoted_entry(s, colon) || quoted_speech(s, colon))
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

/* on_file: are the words of s from w on only where a list is kept, "on
 * file", "on record", "on chart" or "on system" ("Allergies /
 * intolerances on file")? */
static bool
on_file(const sentence *s, size_t w)
{
	static const char *const kept[] = {"file", "record", "chart", "system"};

	return w + 2 == s->n && notes__words_at(s, w, "on") &&
	       notes__words_in(s, w + 1, kept, sizeof(kept) / sizeof(*kept));
}

/* joined_at: does item k of s start right after "and" or "or" at word
 * w? */
static bool
joined_at(const sentence *s, size_t k, size_t w)
{
	static const char *const joins[] = {"and", "or"};

	return w > 0 && s->items[k].w0 == w + 1 &&
	       notes__words_in(s, w, joins, 2);
}

/* ticked_box: does s open with a ticked checkbox, "[x]" or "[X]" (a
 * form's "[x] Drug allergies", allergy75px, en-dev63)?  The box answers
 * yes: the heading after it heads its list. */
static bool
ticked_box(const sentence *s)
{
	const notes_tok *w = &s->words[0];

	return s->n > 1 && w->end - w->start == 1 &&
	       (s->text[w->start] == 'x' || s->text[w->start] == 'X') &&
	       w->start > 0 && s->text[w->start - 1] == '[' &&
	       w->end < s->text_len && s->text[w->end] == ']';
}

static size_t lead_before(const sentence *s);

/* cues_only: is every word of s in an allergy cue ("Allergies / adverse
 * drug reactions"), after a ticked box or the alerts they share the line
 * with ("ALERTS / ADVERSE DRUG REACTIONS", allergy75to, en-dev88), but
 * for where the list is kept after them ("Allergies / intolerances on
 * file", rules75en28)?  Such a line is a heading without its colon. */
static bool
cues_only(const sentence *s)
{
	size_t w = lead_before(s), k = 0;

	/* "and" may join them ("ALLERGIES AND ADVERSE REACTIONS",
	 * allergy75gj) */
	for (; k < s->n_items && (s->items[k].w0 == w || joined_at(s, k, w));
	     k++) {
		if (s->items[k].e->type != NOTES_T_ALLERGY_CUE)
			return false;
		w = s->items[k].w1;
	}
	if (w == s->n)
		return k == s->n_items;
	if (w > 0 && w + 1 == s->n && notes__words_at(s, w, "reactions") &&
	    notes__only_marks(s->text, s->words[w - 1].end, s->words[w].start,
			      "/"))
		return k == s->n_items; /* "Allergies / reactions" */
	return w > 0 && on_file(s, w) &&
	       (k == s->n_items || s->items[k].w0 >= w);
}

/* cue_joined: is item k of s an allergy cue at word w, or right after
 * "and" or "or" there ("Allergies and adverse reactions")? */
static bool
cue_joined(const sentence *s, size_t k, size_t w)
{
	const item *it = &s->items[k];

	if (it->e->type != NOTES_T_ALLERGY_CUE)
		return false;
	return it->w0 == w || joined_at(s, k, w);
}

/* lead_before: how many words of s lead the allergies they head with:
 * a record's alerts ("ALERTS / ALLERGIES (confirmed with patient and
 * daughter)", "Alerts and allergies", allergy75ir) or the drug history
 * wards write the allergies under ("DRUG HISTORY / ALLERGIES:", "Drug hx
 * / allergy:", allergy75oq), with the "and" after them, or a ticked
 * box (ticked_box); else 0. */
static size_t
lead_before(const sentence *s)
{
	static const char *const alerts[] = {"alerts", "alert"};
	static const char *const history[] = {"history", "hx"};
	size_t n;

	if (ticked_box(s))
		return 1;
	if (notes__words_in(s, 0, alerts, N_OF(alerts)))
		n = 1;
	else if (notes__words_at(s, 0, "drug") &&
		 notes__words_in(s, 1, history, N_OF(history)))
		n = 2;
	else
		return 0;
	if (s->n <= n)
		return 0;
	if (notes__words_at(s, n, "and") && s->n > n + 1)
		return n + 1;
	return notes__only_marks(s->text, s->words[n - 1].end,
				 s->words[n].start, "/&")
		       ? n
		       : 0;
}

/* title_start: the word a heading's cues open at: 1 after a section's
 * number ("11. ALLERGIES AND SENSITIVITIES (for completeness; ...)",
 * allergy75ct), after the alerts or drug history they share it with
 * (lead_before), else 0. */
static size_t
title_start(const sentence *s)
{
	const notes_tok *w = &s->words[0];
	uint32_t i = w->start;

	if (s->n < 2)
		return 0;
	if (lead_before(s) > 0)
		return lead_before(s);
	while (i < w->end && isdigit((unsigned char)s->text[i]))
		i++;
	return i == w->end && i > w->start && i < s->text_len &&
			       (s->text[i] == '.' || s->text[i] == ')')
		       ? 1
		       : 0;
}

/* heading_cues_end: the word after the allergy cues that open heading
 * s (after its number or alerts, title_start), k the item after them;
 * 0 when no cue opens it or nothing follows them. */
static size_t
heading_cues_end(const sentence *s, size_t *k)
{
	size_t w = title_start(s), first = w;

	for (*k = 0; *k < s->n_items && cue_joined(s, *k, w); (*k)++)
		w = s->items[*k].w1;
	return w == first || w == s->n ? 0 : w;
}

/* cues_noted: are the words of s allergy cues up to a note in brackets
 * that ends its line ("ALLERGY / ADR STATUS  (all sources checked and
 * agree unless stated)")?  The note says how the list was checked, as
 * 过敏史（…）： does; the heading is the cues before it. */
static bool
cues_noted(const sentence *s, uint32_t line_end)
{
	size_t k, w = heading_cues_end(s, &k);
	const char *open;

	if (w == 0)
		return false;
	open = memchr(s->text + s->items[k - 1].end, '(',
		      s->words[w].start - s->items[k - 1].end);
	return open != NULL &&
	       notes__only_marks(s->text, s->items[k - 1].end,
				 (uint32_t)(open - s->text), "/-") &&
	       memchr(open, ')', line_end - (uint32_t)(open - s->text)) !=
		       NULL &&
	       line_end > 0 && s->text[line_end - 1] == ')';
}

/* heading_note: where the note after an allergy heading's cues begins,
 * a bracket or a dash right after them ("Allergies / intolerances
 * (verified with patient and wife):", "ALLERGIES / INTOLERANCES -
 * VERIFIED WITH PT AND DAUGHTER"), or NULL for none.  The note says who
 * or what the list was checked with; the cues before it are the
 * heading. */
static const char *
heading_note(const sentence *s)
{
	size_t k, w = heading_cues_end(s, &k);
	uint32_t from;

	if (w == 0)
		return NULL;
	from = s->items[k - 1].end;
	for (uint32_t i = from; i < s->words[w].start; i++)
		if (s->text[i] == '(' || s->text[i] == '-')
			return notes__only_marks(s->text, from, i, "/") &&
					       notes__only_marks(
						       s->text, i + 1,
						       s->words[w].start, "")
				       ? s->text + i
				       : NULL;
	return NULL;
}

/* CHECKED_WORDS: what a heading's note says was done to its list. */
static const char *const checked_words[] = {"verified", "checked", "reviewed",
					    "confirmed", "reconciled"};

/* checked_phrase: where a note that says how the list was checked
 * follows the cues of heading s with no bracket or dash, after a comma
 * and "as" at most ("Allergies and adverse reactions, as confirmed with
 * Mr and Mrs Brammall today:", allergy75lg), or NULL.  Its words name
 * who checked it, as heading_note's do. */
static const char *
checked_phrase(const sentence *s)
{
	size_t k, w = heading_cues_end(s, &k), at = w;

	if (w == 0 || !notes__only_marks(s->text, s->items[k - 1].end,
					 s->words[w].start, ","))
		return NULL;
	if (notes__words_at(s, w, "as") && w + 1 < s->n)
		at = w + 1;
	return notes__words_in(s, at, checked_words, N_OF(checked_words))
		       ? s->text + s->words[at].start
		       : NULL;
}

/* note_item: may item it sit in an allergy heading's note?  The note
 * names who checked the list (the patient, a relative) and how, against
 * what records ("核对既往病历", allergy75ht): a drug, a problem, a reaction
 * or "none" there makes the line an entry. */
static bool
note_item(const item *it)
{
	notes_type t = it->e->type;

	return t == NOTES_T_ALLERGY_CUE || t == NOTES_T_FAMILY ||
	       t == NOTES_T_TERMINATOR || t == NOTES_T_INDICATION ||
	       t == NOTES_T_HISTORICAL ||
	       (t == NOTES_T_PSEUDO && !(it->e->dir & NOTES_DIR_NOT_ALLERGY));
}

/* service_named: does problem item k of s name the service whose record
 * the list was checked against ("ALLERGIES (per pt and her HIV clinic
 * card):")?  The word after it is the clinic, card or team, not the
 * patient's problem. */
static bool
service_named(const sentence *s, size_t k)
{
	static const char *const services[] = {"clinic",  "card",    "team",
					       "service", "record",  "records",
					       "notes",	  "passport"};

	return s->items[k].e->type == NOTES_T_PROBLEM &&
	       notes__word_after_in(s, k, services, N_OF(services));
}

/* checked_note: is the note a dash opens (heading_note) one that says
 * the list was checked ("- VERIFIED WITH PT AND DAUGHTER", "- reviewed
 * today")?  It ends the heading with no colon, as a bracket does. */
static bool
checked_note(const sentence *s, const char *note)
{
	for (size_t w = 0; note != NULL && *note == '-' && w < s->n; w++)
		if (s->text + s->words[w].start > note)
			return notes__words_in(s, w, checked_words,
					       N_OF(checked_words));
	return false;
}

/* record_denied: is negation item k of s a "not" that says where the
 * list is not yet written ("ALLERGIES (runner's own words, not on the
 * race card):", "(not yet verified)")?  The note speaks of the record,
 * not of the allergies under it (allergy75kb). */
static bool
record_denied(const sentence *s, size_t k)
{
	static const char *const where[] = {"on",      "in",	   "yet",
					    "from",    "verified", "confirmed",
					    "checked", "recorded"};

	return s->items[k].e->type == NOTES_T_NEGATED &&
	       strcmp(s->items[k].e->key, "not") == 0 &&
	       notes__word_after_in(s, k, where, N_OF(where));
}

/* allergy_titled: is s a heading line (a colon ends it, after text
 * [last, line end)) that opens with an English allergy cue and names no
 * drug or problem ("ALLERGIES/INTOLERANCES (verified):", "Allergies and
 * adverse reactions:")?  The lines under it are its list, a table's rows
 * ("| Codeine | severe constipation | intolerance |") too. */
static bool
allergy_titled(const sentence *s, uint32_t last, uint32_t line_end)
{
	static const char *const named_allergens[] = {
		"contrast", "iodine", "shellfish", "peanut", "latex", "dye"};
	size_t lead = lead_before(s), first = 0;
	const notes_entry *e;
	const char *note = heading_note(s);

	if (note == NULL)
		note = checked_phrase(s);
	/* the lead's own items ("hx" of "Drug hx / allergy:") head nothing */
	while (first < s->n_items && s->items[first].w1 <= lead)
		first++;

	if (first == s->n_items)
		return false;
	e = s->items[first].e;

	/* one word may lead the cue, more when they are "Alerts and" or
	 * "Drug history /" (lead_before), but not a substance the line
	 * speaks of ("Contrast allergy (hives only):", en-dev81: the note on
	 * that allergy, no heading of a list) */
	if (s->items[first].w0 > (lead > 1 ? lead : 1) ||
	    (s->items[first].w0 == 1 && lead == 0 &&
	     notes__words_in(s, 0, named_allergens, N_OF(named_allergens))) ||
	    e->type != NOTES_T_ALLERGY_CUE ||
	    (unsigned char)e->key[0] >= 0x80 ||
	    !notes__only_marks(s->text, last, line_end, ":-)") ||
	    (!notes__colon_at(s->text, last, line_end) && !cues_only(s) &&
	     !cues_noted(s, line_end) && !checked_note(s, note)))
		return false;
	for (size_t k = first + 1; k < s->n_items; k++) {
		notes_type t = s->items[k].e->type;

		if (note != NULL && s->text + s->items[k].start > note) {
			if (!note_item(&s->items[k]) && !service_named(s, k) &&
			    !record_denied(s, k))
				return false;
			continue;
		}

		/* "Allergies/sensitivities:": beside an allergy cue the
		 * word a culture also uses is the patient's */
		if (t != NOTES_T_ALLERGY_CUE && t != NOTES_T_REACTION &&
		    !(t == NOTES_T_PSEUDO &&
		      (s->items[k].e->dir & NOTES_DIR_LAB)))
			return false;
	}
	return true;
}

static bool ordinal_zh(const sentence *s);

/* note_items_only: are the items of s after its heading's last cue j
 * only what a heading's note names (note_item: who gave the list, "病人
 * 及先生共同提供", and how it is kept, "已掛過敏手圈")?  A drug there makes
 * the line an entry ("过敏史（青霉素）"). */
static bool
note_items_only(const sentence *s, size_t j)
{
	for (size_t k = j + 1; k < s->n_items; k++)
		if (!note_item(&s->items[k]))
			return false;
	return true;
}

/* 史, the history a Chinese heading's cues may end with. */
static const char HISTORY_ZH[] = "\xe5\x8f\xb2";

/* after_list_word_zh: where text at goes on past a word that names a
 * list as a whole (汇总, 小结, 一览, 清单), or at when none is there. */
static uint32_t
after_list_word_zh(const char *text, uint32_t at, uint32_t to)
{
	static const char *const list_words[] = {
		"汇总", "彙總", "小结", "小結", "一览", "一覽", "清单", "清單"};

	for (size_t i = 0; i < sizeof(list_words) / sizeof(*list_words); i++) {
		size_t n = strlen(list_words[i]);

		if (at + n <= to && memcmp(text + at, list_words[i], n) == 0)
			return at + (uint32_t)n;
	}
	return at;
}

/* note_marks_end: where text at i goes on past the marks that close an
 * allergy heading's note before its bracket does, spaces after them:
 * ASCII marks ("（原文\"… slowly)\"）：") and the closing quotes of
 * Chinese text ("（综合同事、妻子所述及其随身“健康卡”）：", zh-dev62,
 * allergy75ig), to at most. */
static uint32_t
note_marks_end(const char *text, uint32_t i, uint32_t to)
{
	static const char *const quotes[] = {"\xe2\x80\x9d", "\xe2\x80\x99",
					     "\xe3\x80\x8d", "\xe3\x80\x8f"};

	for (;;) {
		size_t q = 0;

		while (q < sizeof(quotes) / sizeof(*quotes) &&
		       !(i + 3 <= to && memcmp(text + i, quotes[q], 3) == 0))
			q++;
		if (q < sizeof(quotes) / sizeof(*quotes))
			i += 3;
		else if (i < to && ispunct((unsigned char)text[i]))
			i++;
		else
			break;
	}
	while (i < to && text[i] == ' ')
		i++;
	return i;
}

/* allergy_heading_noted_zh: is s, its last word ending at last and its
 * line at to, an allergy heading with a note in full-width brackets
 * before its colon ("过敏史（患者提供的过敏卡片，逐条核对）：", "藥物過敏史
 * （多重）：", Hong Kong's "Drug allergy（CMS）：", an English word before
 * the cue as allergy_titled allows, cues joined as one heading before
 * the note: "藥物過敏及不良反應（本次住院已重新確認）：", a note that quotes
 * its source with the source's marks: "过敏史（原文\"…slowly)\"）：")?  The
 * note says where the list came from; the lines under it are the list.
 * A note that ends its line needs no colon, as cues_noted reads "ALLERGY
 * / ADR STATUS  (all sources checked)", when it names no drug: "四、過敏
 * 史（病人及先生共同提供，已掛過敏手圈）" heads the list under it. */
static bool
allergy_heading_noted_zh(const sentence *s, uint32_t last, uint32_t to)
{
	const item *it = &s->items[0];
	const char *open = "\xef\xbc\x88", *close = "\xef\xbc\x89";
	uint32_t i = last, at;
	size_t first = s->words[0].han && !ordinal_zh(s) ? 0 : 1;

	if (s->n_items == 0 || it->w0 > first ||
	    it->e->type != NOTES_T_ALLERGY_CUE)
		return false;
	/* 史 (history) may close joined cues: "过敏/不良反应史（逐项核实）",
	 * and a word that names the list ("过敏/不良反应汇总（转科时…核对）：",
	 * allergy75gl) */
	at = s->items[zh_head_last(s)].end;
	if (at + 3 <= to && memcmp(s->text + at, HISTORY_ZH, 3) == 0)
		at += 3;
	at = after_list_word_zh(s->text, at, to);
	if (at + 3 > to || memcmp(s->text + at, open, 3) != 0)
		return false;
	i = note_marks_end(s->text, i, to);
	if (i + 3 > to || memcmp(s->text + i, close, 3) != 0)
		return false;
	if (notes__only_marks(s->text, i + 3, to, ""))
		return note_items_only(s, zh_head_last(s));
	return notes__only_marks(s->text, i + 3, to, ":-") &&
	       notes__colon_at(s->text, i + 3, to) != NULL;
}

/* ordinal_zh: does s open with a section's ordinal, a number or a Chinese
 * numeral and an enumeration comma or a full stop after it ("四、过敏史",
 * "4、过敏史", "（三）过敏史")?  The heading is the words after it
 * (rules75zh25). */
static bool
ordinal_zh(const sentence *s)
{
	static const char *const numerals[] = {"一", "二", "三", "四", "五",
					       "六", "七", "八", "九", "十"};

	if (s->n < 2 ||
	    (!notes__is_number(s->words[0].key) &&
	     !notes__words_in(s, 0, numerals,
			      sizeof(numerals) / sizeof(*numerals))))
		return false;
	return notes__only_marks(s->text, s->words[0].end, s->words[1].start,
				 ".") ||
	       (s->words[1].start - s->words[0].end >= 3 &&
		(memcmp(s->text + s->words[0].end, "\xe3\x80\x81", 3) == 0 ||
		 memcmp(s->text + s->words[0].end, "\xef\xbc\x89", 3) == 0));
}

/* NUMBERED_TITLE_ZH_WORDS: how many characters a Chinese section's name
 * after its numeral may have ("五、目前用药", "六、评估"). */
#define NUMBERED_TITLE_ZH_WORDS 12

/* title_joiner: is word w of s, between two Chinese words, the Latin "vs"
 * that sets two lists side by side in a reconciliation's heading ("二、入院前
 * 用药 vs 现用药", allergy75fw)? */
static bool
title_joiner(const sentence *s, size_t w)
{
	return w > 0 && w + 1 < s->n && s->words[w - 1].han &&
	       s->words[w + 1].han && notes__words_at(s, w, "vs");
}

/* numbered_title_zh: is s, its last word ending at last and its line at
 * to, a Chinese numeral's section alone on its line with no colon ("五、
 * 目前用药" under "四、过敏史")?  Records number their sections so; the
 * line is a heading and ends the list before it, as "目前用药：" does.  A
 * name that holds a drug, a class or a problem is a list's item, and an
 * Arabic number ("1、阿莫西林") numbers items, not sections. */
static bool
numbered_title_zh(const sentence *s, uint32_t last, uint32_t to)
{
	if (!ordinal_zh(s) || notes__is_number(s->words[0].key) ||
	    s->n - 1 > NUMBERED_TITLE_ZH_WORDS ||
	    !notes__only_marks(s->text, last, to, ":-"))
		return false;
	for (size_t w = 1; w < s->n; w++)
		if (!s->words[w].han && !title_joiner(s, w))
			return false;
	for (size_t k = 0; k < s->n_items; k++) {
		notes_type t = s->items[k].e->type;

		if (t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS ||
		    t == NOTES_T_PROBLEM)
			return false;
	}
	return true;
}

/* skip_mark_zh: where text at from goes on past mark, or from when mark
 * is not there. */
static uint32_t
skip_mark_zh(const char *text, uint32_t from, uint32_t to, const char *mark)
{
	size_t n = strlen(mark);

	return from + n <= to && memcmp(text + from, mark, n) == 0 ? from + n
								   : from;
}

/* noted_after_zh: is text [from, to) a note in full-width brackets and
 * then only a colon or a dash ("（患者及儿子）：")?  It names who the
 * check was made with, as a heading's bracketed note does. */
static bool
noted_after_zh(const char *text, uint32_t from, uint32_t to)
{
	const char *close = "\xef\xbc\x89"; /* ） */
	uint32_t at = skip_mark_zh(text, from, to, "\xef\xbc\x88");

	if (at == from)
		return false;
	for (; at + 3 <= to; at++)
		if (memcmp(text + at, close, 3) == 0)
			return notes__only_marks(text, at + 3, to, ":-");
	return false;
}

/* checked_tail_zh: is text [from, to), after a heading's allergy cues,
 * the check a pharmacist's reconciliation heads its list with, in
 * brackets or not, 史 before it at most, a note on whom it was checked
 * with after it at most ("二、过敏史及不良反应核实", "三、过敏史及不良反应
 * 核对", "二、过敏史/药物不良反应（逐条核实）", "过敏史评估：", "4. 过敏史
 * 核对（患者及儿子）：", "过敏/不良反应记录：")?  The lines under it are
 * the list checked, as under "过敏史："; the check says how the writer
 * met them, not what they are. */
static bool
checked_tail_zh(const char *text, uint32_t from, uint32_t to)
{
	/* traditional forms and 纪录, the record's other spelling, too
	 * ("藥物過敏紀錄（Sistema 電子病歷）：", allergy75dx) */
	static const char *const checks[] = {
		"核实", "核对", "逐条核实", "逐条核对", "评估", "记录", "纪录",
		"核實", "核對", "逐條核實", "逐條核對", "評估", "記錄", "紀錄"};
	/* how often: "5. 过敏史再次核实：" (allergy75dn) */
	static const char *const again[] = {"再次", "重新"};
	uint32_t at = skip_mark_zh(text, from, to, "史");

	while (at < to && text[at] == ' ')
		at++;
	at = skip_mark_zh(text, at, to, "\xef\xbc\x88"); /* （ */
	for (size_t i = 0; i < sizeof(again) / sizeof(*again); i++)
		at = skip_mark_zh(text, at, to, again[i]);
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		uint32_t end = skip_mark_zh(text, at, to, checks[i]);

		if (end == at)
			continue;
		end = skip_mark_zh(text, end, to, "\xef\xbc\x89"); /* ） */
		return notes__only_marks(text, end, to, ":-") ||
		       noted_after_zh(text, end, to);
	}
	return false;
}

/* allergy_heading_checked_zh: is s, its line ending at to, one Chinese
 * allergy cue that opens it (after a section's ordinal at most) and the
 * check of checked_tail_zh ("过敏史核对：", "过敏史评估：", "4. 过敏史核对
 * （患者及儿子）：")?  What its note names (the relative asked) sits in
 * brackets after the check. */
static bool
allergy_heading_checked_zh(const sentence *s, uint32_t to)
{
	size_t first = ordinal_zh(s) ? 1 : 0;
	const item *cue = &s->items[0];

	if (s->n_items == 0 || cue->w0 != first || !s->words[first].han ||
	    cue->e->type != NOTES_T_ALLERGY_CUE ||
	    !checked_tail_zh(s->text, cue->end, to))
		return false;
	for (size_t k = 1; k < s->n_items; k++)
		if (!note_item(&s->items[k]))
			return false;
	return true;
}

/* allergy_heading_joined_zh: is s, its last word ending at last and its
 * line at to, Chinese allergy cues joined as one heading alone on the
 * line, a word such as 史 after them at most ("过敏/不良反应史：",
 * "过敏及不良反应：")?  The lines under it are the list, as under
 * "过敏史：". */
static bool
allergy_heading_joined_zh(const sentence *s, uint32_t last, uint32_t to)
{
	size_t j, first = ordinal_zh(s) ? 1 : 0;

	if (s->n_items < 2 || s->items[0].w0 != first || !s->words[first].han ||
	    s->items[0].e->type != NOTES_T_ALLERGY_CUE)
		return false;
	j = zh_head_last(s);
	/* the note after the check names whom it was made with
	 * ("过敏/不良反应史核对（患者、女儿、外院病历）：", allergy75cu) */
	if (j + 1 != s->n_items &&
	    (!note_items_only(s, j) ||
	     !checked_tail_zh(s->text, s->items[j].end, to)))
		return false;
	return (s->n - s->items[j].w1 <= 1 &&
		notes__only_marks(s->text, last, to, ":-")) ||
	       checked_tail_zh(s->text, s->items[j].end, to);
}

/* The words a Chinese record opens a heading with when it wants the list
 * under it minded ("特别提醒——过敏及药物不良反应：", "重要提示：过敏史：",
 * "特别提醒（过敏）："), and the marks between such a lead and the
 * heading. */
static const char *const reminder_leads_zh[] = {
	"特别提醒", "特別提醒", "重要提示", "重要提醒", "特别注意", "特別注意"};
static const char *const lead_marks_zh[] = {"\xe2\x80\x94" /* — */,
					    "\xef\xbc\x9a" /* ： */,
					    "\xef\xbc\x88" /* （ */,
					    ":",
					    "(",
					    "-",
					    " "};

/* reminder_led_zh: the first word of s after the reminder lead it opens
 * with and the marks after that lead, or 0 when it opens with none. */
static size_t
reminder_led_zh(const sentence *s)
{
	uint32_t at = 0, start = s->words[0].start;
	size_t w = 0;

	for (size_t i = 0; i < N_OF(reminder_leads_zh) && at == 0; i++) {
		size_t n = strlen(reminder_leads_zh[i]);

		if (start + n <= s->text_len &&
		    memcmp(s->text + start, reminder_leads_zh[i], n) == 0)
			at = start + (uint32_t)n;
	}
	while (w < s->n && s->words[w].start < at)
		w++;
	if (at == 0 || w >= s->n)
		return 0;
	while (at < s->words[w].start) {
		uint32_t was = at;

		for (size_t i = 0; i < N_OF(lead_marks_zh) && at == was; i++)
			at = skip_mark_zh(s->text, at, s->words[w].start,
					  lead_marks_zh[i]);
		if (at == was)
			return 0;
	}
	return w;
}

/* allergy_heading_led_zh: is s, its line ending at to, a reminder lead
 * (reminder_led_zh), then Chinese allergy cues joined as one heading, the
 * lead's bracket closed and a bracket's note at most, then a colon
 * ("特别提醒——过敏及药物不良反应（请务必告知所有接诊医生）：", "特别提醒
 * （过敏）：")?  The lead asks the reader to mind the list: the lines
 * under it are the list, as under "过敏史：" (allergy75dy). */
static bool
allergy_heading_led_zh(const sentence *s, uint32_t to)
{
	size_t w = reminder_led_zh(s), j;
	uint32_t at;

	if (w == 0 || s->n_items == 0 || s->items[0].w0 != w ||
	    s->items[0].e->type != NOTES_T_ALLERGY_CUE)
		return false;
	j = zh_head_last(s);
	if (!note_items_only(s, j))
		return false;
	at = skip_mark_zh(s->text, s->items[j].end, to, HISTORY_ZH);
	at = skip_mark_zh(s->text, at, to, "\xef\xbc\x89"); /* ） */
	return notes__only_marks(s->text, at, to, ":-") ||
	       noted_after_zh(s->text, at, to);
}

/* COLUMN_GAP_SPACES: the fewest spaces that part a table's columns;
 * prose puts one, at most two after a full stop. */
#define COLUMN_GAP_SPACES 3

/* column_gap: the first run of spaces, COLUMN_GAP_SPACES or more, after
 * s's first word and before to, or NULL: a table laid out in columns of
 * spaces parts its cells so ("Drug / substance        Reaction
 * Severity   Source", rules75en14). */
static const char *
column_gap(const sentence *s, uint32_t to)
{
	const char *p = s->text + s->words[0].end, *end = s->text + to;

	for (; p + COLUMN_GAP_SPACES <= end; p++)
		if (strncmp(p, "   ", COLUMN_GAP_SPACES) == 0)
			return p;
	return NULL;
}

/* cell_bar: the first "|" after s's first word and before to, the bar
 * that parts a table's cells, or NULL. */
static const char *
cell_bar(const sentence *s, uint32_t to)
{
	return memchr(s->text + s->words[0].end, '|', to - s->words[0].end);
}

/* reaction_table_head: is s, its line ending at to, a table's header row
 * ("|" between its cells, or columns of spaces) whose first cell names
 * the drug and another what it did ("Drug / product | What happened
 * (pt) | My comment", "Drug | Reaction", "Drug / substance   Reaction")?
 * Its rows are the patient's reactions, an allergy list, as under
 * "Allergies:" (FHIR AllergyIntolerance: substance and reaction). */
static bool
reaction_table_head(const sentence *s, uint32_t to)
{
	static const char *const drug[] = {"drug", "drugs", "medication",
					   "medicine", "agent"};
	static const char *const did[] = {"reaction", "reactions", "happened"};
	const char *bar;
	size_t w = 1;

	if (s->n < 2 || !notes__words_in(s, 0, drug, 5))
		return false;
	bar = cell_bar(s, to);
	if (bar == NULL)
		bar = column_gap(s, to);
	if (bar == NULL)
		return false;
	while (w < s->n && s->words[w].start < (uint32_t)(bar - s->text))
		w++;
	for (; w < s->n; w++)
		if (notes__words_in(s, w, did, 3))
			return true;
	return false;
}

/* bracketed_zh: the end of the closing lenticular bracket of s, its last
 * word ending at last and its line at to, when the line is a heading in
 * 【】 alone on its line, a colon after it at most ("【过敏史】",
 * "【药物过敏/不良反应】"); last when it is not.  Chinese records head
 * their sections so, as others write "过敏史：" (rules75zh25). */
static uint32_t
bracketed_zh(const sentence *s, uint32_t last, uint32_t to)
{
	static const char open[] = "\xe3\x80\x90", close[] = "\xe3\x80\x91";
	uint32_t start = s->words[0].start;

	if (start < 3 || memcmp(s->text + start - 3, open, 3) != 0 ||
	    last + 3 > to || memcmp(s->text + last, close, 3) != 0 ||
	    !notes__only_marks(s->text, last + 3, to, ":-"))
		return last;
	return last + 3;
}

/* closed_after: where the bracket closing right at text[at, to) ends
 * (")" or "）"), or 0 when none does. */
static uint32_t
closed_after(const char *text, uint32_t at, uint32_t to)
{
	if (at < to && text[at] == ')')
		return at + 1;
	if (at + 3 <= to && memcmp(text + at, FW_CLOSE, 3) == 0)
		return at + 3;
	return 0;
}

/* corrects_record: is item it the writer putting the record right ("I
 * have corrected this today to:", context.csv, allergy75ot)?  What the
 * record said before it is no longer its answer. */
static bool
corrects_record(const item *it)
{
	static const char *const verbs[] = {"corrected this", "changed this",
					    "updated this", "amended this"};

	return notes__key_starts(it, NOTES_T_TERMINATOR, verbs, N_OF(verbs));
}

/* names_entry: does s name a drug after its first item, and no "no
 * known allergies" ("Allergies: Codeine - itchy all over")?  A "NKDA"
 * the writer corrects ("record had \"NKDA\" - I have corrected this
 * today to: RAMIPRIL - angioedema") is the old record's. */
static bool
names_entry(const sentence *s)
{
	bool drug = false, none = false;

	for (size_t k = 1; k < s->n_items; k++) {
		if (corrects_record(&s->items[k]))
			drug = none = false;
		none = none || s->items[k].e->type == NOTES_T_NONE_KNOWN;
		drug = drug || is_drug(&s->items[k]);
	}
	return drug && !none;
}

/* names_drug: does s hold a substance or a drug class? */
static bool
names_drug(const sentence *s)
{
	for (size_t k = 0; k < s->n_items; k++)
		if (is_drug(&s->items[k]))
			return true;
	return false;
}

/* noted_heading: is s, its last word ending at last and its line at to,
 * a heading with a note in brackets before its colon ("Medications (per
 * GP list):", "入院前用药（养老院给药记录）：")?  The note says where the
 * list came from; the heading ends the list above it, an allergy list
 * too, as one without a note does.  A line that names a drug is an
 * entry of a list ("Amoxicillin (rash):"), no heading. */
static bool
noted_heading(const sentence *s, uint32_t last, uint32_t to)
{
	uint32_t after = closed_after(s->text, last, to),
		 first = s->words[0].end;

	if (after == 0 || !notes__only_marks(s->text, after, to, ":-") ||
	    notes__colon_at(s->text, after, to) == NULL || names_drug(s))
		return false;
	return notes__ascii_paren_open(s->text, first, last) ||
	       memmem(s->text + first, last - first, FW_OPEN, 3) != NULL;
}

static bool dash_headed(const sentence *s);

/* box_answered_yes_zh: is s, under an allergy heading, only the
 * heading's checkbox answer with 有 ticked ("□无  ☑有：", allergy75ke)?
 * The colon after it leads the entries below: the list goes on. */
static bool
box_answered_yes_zh(const sentence *s)
{
	static const char *const answer[] = {"□", "☐", "☑",  "☒",
					     "■", "√", "无", "有"};
	bool yes = false;

	if (!s->allergy_list)
		return false;
	for (size_t w = 0; w < s->n; w++) {
		if (!notes__words_in(s, w, answer, N_OF(answer)))
			return false;
		yes |= notes__words_at(s, w, "有") && !notes__unticked(s, w);
	}
	return yes;
}

/* told_lead_zh: is s, under an allergy heading, a clause that ends its
 * line with a colon after a verb of telling or asking ("本次访视追问：",
 * allergy75kk)?  It leads what was told: the entries under it are the
 * list's, not a new section's. */
static bool
told_lead_zh(const sentence *s, uint32_t last, uint32_t to)
{
	static const char *const told[] = {"补充", "追问", "询问", "代诉",
					   "核实", "反映", "表示", "诉"};

	if (!s->allergy_list || !s->words[s->n - 1].han ||
	    !notes__only_marks(s->text, last, to, ":") ||
	    notes__colon_at(s->text, last, to) == NULL)
		return false;
	return notes__words_end_at(s, s->n, told, N_OF(told));
}

bool
notes__heading(const sentence *s, const notes_tok *end, bool *allergies)
{
	uint32_t last, tail;

	*allergies = false;
	if (s->n == 0)
		return false;
	if (inline_heading(s) || inline_bracket_head_zh(s) || dash_headed(s))
		return true;
	/* a line ends at a line break or the text's end; a sentence cut
	 * at NOTES_SENTENCE_WORDS (end is its last word) is no line */
	if (end->type == NOTES_TOK_WORD ||
	    (end->type == NOTES_TOK_SENTENCE && s->text[end->start] != '\n'))
		return false;
	last = s->words[s->n - 1].end;
	if (last > end->start)
		return false;
	tail = bracketed_zh(s, last, end->start);
	*allergies = (s->n <= 2 || s->items[0].w0 == 0 ||
		      (s->items[0].w0 == 1 && ordinal_zh(s))) &&
		     s->n_items == 1 &&
		     s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
		     s->items[0].w1 == s->n &&
		     notes__only_marks(s->text, tail, end->start, ":-");
	*allergies = *allergies || allergy_titled(s, tail, end->start) ||
		     box_answered_yes_zh(s) ||
		     told_lead_zh(s, last, end->start) ||
		     allergy_heading_noted_zh(s, last, end->start) ||
		     allergy_heading_joined_zh(s, tail, end->start) ||
		     allergy_heading_checked_zh(s, end->start) ||
		     allergy_heading_led_zh(s, end->start) ||
		     reaction_table_head(s, end->start);
	return *allergies || numbered_title_zh(s, last, end->start) ||
	       (notes__only_marks(s->text, last, end->start, ":-") &&
		notes__colon_at(s->text, last, end->start)) ||
	       noted_heading(s, last, end->start);
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
	colon = notes__colon_at(s->text, it->end, s->words[it->w1].start);
	return colon == s->text + it->end;
}

/* qualified_plan_en: does s open with one English word, a space and
 * then "plan", the heading's colon after it ("IV plan for next
 * exacerbation:", "Anaesthetic plan: GA")?  What that plan names is
 * planned, as under "Plan:"; "Assessment/Plan:" heads the assessment
 * too. */
static bool
qualified_plan_en(const sentence *s)
{
	const item *it = &s->items[0];

	return it->w0 == 1 && !s->words[0].han &&
	       strcmp(it->e->key, "plan") == 0 &&
	       notes__only_marks(s->text, s->words[0].end, it->start, "");
}

/* past_lead_zh: does s open with the past-history lead 既往 and a colon
 * right after it ("既往：高血压，3年前脑出血")?  It then heads its list
 * as 既往史： does: what the list dates is over, past the first comma
 * too; what it does not date goes on (issue 75, probctx75c). */
static bool
past_lead_zh(const sentence *s)
{
	const item *it = &s->items[0];

	if (it->w0 != 0 || strcmp(it->e->key, "既往") != 0 || it->w1 >= s->n)
		return false;
	return notes__colon_at(s->text, it->end, s->words[it->w1].start) ==
	       s->text + it->end;
}

/* section_of returns the section trigger that heading s starts with
 * ("既往史：", "家族史：…"), or NULL: its context holds for the lines
 * under it until a blank line or the next heading. */
static const notes_entry *
section_of(const sentence *s)
{
	const notes_entry *e = s->n_items ? s->items[0].e : NULL;

	if (e != NULL && past_lead_zh(s))
		return notes__find("既往史");
	if (e == NULL || !(e->dir & NOTES_DIR_SECTION) ||
	    (s->items[0].w0 != 0 && !qualified_heading_zh(s) &&
	     !qualified_plan_en(s)))
		return NULL;
	return e;
}

bool
notes__bulleted(const sentence *s)
{
	const char *p = notes__line_lead(s);
	const char *word = s->text + s->words[0].start;

	for (; p != NULL && p < word; p++)
		if (*p == '-' || *p == '*' || *p == '\xe2' ||
		    (p + 2 < word && p[0] == '(' && p[2] == ')' && p[1] == '+'))
			return true; /* a checklist's "(+)" too (allergy75pl) */
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

static bool names_none(const sentence *s);

/* line_done: does s's line end after its last word, a full stop at most
 * between? */
static bool
line_done(const sentence *s)
{
	const char *nl, *end = s->text + s->text_len;
	uint32_t from = s->words[s->n - 1].end;

	nl = memchr(s->text + from, '\n', (size_t)(end - s->text) - from);
	return notes__only_marks(s->text, from,
				 nl != NULL ? (uint32_t)(nl - s->text)
					    : (uint32_t)s->text_len,
				 ".");
}

/* cues_lead: the last of the allergy cues that open s before any other
 * phrase ("Allergies/intolerances: ramipril", "ALLERGY BAND CHECKED -
 * red band on L wrist reads: …"): the colon after them opens the line's
 * list.  On a line that names no drug and says no more a colon ends
 * the lead: a cue after it is the answer's ("ALLERGIES: YES - red
 * wristband applied", allergy75le), and the list is under the line. */
static size_t
cues_lead(const sentence *s)
{
	size_t k = 0;

	while (k + 1 < s->n_items &&
	       s->items[k + 1].e->type == NOTES_T_ALLERGY_CUE &&
	       !(notes__colon_after(s, k) && names_none(s) && line_done(s)))
		k++;
	return k;
}

/* dash_after: does a spaced dash alone follow the cues that lead s
 * ("Allergies - says \"NSAIDs fine\""), opening the line's list as a
 * colon does?  A hyphen joined to a word ("Allergy-free") does not. */
static bool
dash_after(const sentence *s, size_t k)
{
	uint32_t from = s->items[k].end;
	uint32_t to = k + 1 < s->n_items ? s->items[k + 1].start
					 : s->words[s->n - 1].end;
	const char *dash;

	for (size_t w = s->items[k].w1; w < s->n; w++)
		if (s->words[w].start >= from) {
			to = s->words[w].start;
			break;
		}
	dash = memchr(s->text + from, '-', to - from);
	return dash != NULL && dash > s->text + from && dash[-1] == ' ' &&
	       notes__only_marks(s->text, from, to, "-");
}

/* cue_led: does s open its line with an English allergy cue? */
static bool
cue_led(const sentence *s)
{
	return s->n_items > 0 && s->items[0].w0 == clock_stamped(s) &&
	       s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
	       (unsigned char)s->items[0].e->key[0] < 0x80 &&
	       notes__line_lead(s) != NULL;
}

/* dash_headed: does s open with allergy cues and a spaced dash, no
 * colon after them ("Allergies - says \"NSAIDs fine\"")?  The dash
 * heads the line's list as a colon does, so the line opens its section
 * (notes__heading) though inline_heading looks for a colon. */
static bool
dash_headed(const sentence *s)
{
	size_t lead = cues_lead(s);

	return cue_led(s) && !notes__colon_after(s, lead) &&
	       dash_after(s, lead);
}

/* answered_none: is the one word after the cues that lead s "none" or
 * "nil", ending the sentence ("Allergy - none.", "Allergy: nil.")?  The
 * heading is answered: the sentences after it on its line are no entries
 * of a list ("Allergy - none. Mum ... says she herself is allergic to
 * penicillin" is the mother's allergy). */
static bool
answered_none(const sentence *s, size_t lead)
{
	static const char *const none[] = {"none", "nil"};
	size_t w = s->items[lead].w1;

	return lead + 1 == s->n_items && w + 1 == s->n &&
	       notes__words_in(s, w, none, sizeof(none) / sizeof(*none));
}

/* cue_after_stop: does s open with an English allergy cue right after
 * a full stop on its line ("OA both knees. Allergy form: penicillin -
 * \"allergic\"; codeine - …")?  With a colon after it, the cue heads the
 * rest of the line as it does at the line's start. */
static bool
cue_after_stop(const sentence *s)
{
	const char *p = s->text + s->words[0].start, *end;

	if (s->n_items == 0 || s->items[0].w0 != 0 ||
	    s->items[0].e->type != NOTES_T_ALLERGY_CUE ||
	    (unsigned char)s->items[0].e->key[0] >= 0x80)
		return false;
	while (p > s->text && p[-1] == ' ')
		p--;
	if (p - s->text < 2 || p[-1] != '.' || !isalpha((unsigned char)p[-2]))
		return false;
	/* the colon right after the cues or one word after them ("Allergy
	 * form:"); "Allergy team consulted (Dr Ng): …" tells of the team */
	p = s->text + s->items[cues_lead(s)].end;
	end = s->text + s->text_len;
	while (p < end && *p == ' ')
		p++;
	if (p < end && isalpha((unsigned char)*p)) {
		while (p < end && isalpha((unsigned char)*p))
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	return p < end && *p == ':';
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

/* after_bracket: where the text at p goes on past spaces and one bracket
 * pair opened there ("（西力欣）", "(Baktar)"), to at most. */
static const char *
after_bracket(const char *p, const char *to)
{
	const char *close = NULL;

	while (p < to && *p == ' ')
		p++;
	if (to - p >= 3 && memcmp(p, FW_OPEN, 3) == 0)
		close = memmem(p, (size_t)(to - p), FW_CLOSE, 3);
	else if (p < to && *p == '(')
		close = memchr(p, ')', (size_t)(to - p));
	if (close != NULL)
		p = close + (*close == ')' ? 1 : 3);
	while (p < to && *p == ' ')
		p++;
	return p;
}

bool
notes__allergy_line(const sentence *s)
{
	size_t lead = cues_lead(s);

	return ((cue_led(s) &&
		 (notes__colon_after(s, lead) || bracket_then_colon(s, lead) ||
		  dash_headed(s))) ||
		cue_after_stop(s)) &&
	       !answered_none(s, lead);
}

/* entry_mark: the end of the dash or colon that opens the text at p (to
 * at most), or NULL: what marks an entry's reaction ("——", "—", "－",
 * "-", "：", ":"). */
static const char *
entry_mark(const char *p, const char *to)
{
	static const char *const marks[] = {"\xe2\x80\x94",
					    "\xe2\x80\x93",
					    "\xef\xbc\x8d",
					    "\xef\xbc\x9a",
					    "-",
					    ":"};
	const char *at = p;

	for (bool found = true; found;) {
		found = false;
		for (size_t k = 0; k < sizeof(marks) / sizeof(*marks); k++) {
			size_t n = strlen(marks[k]);

			if ((size_t)(to - at) >= n &&
			    memcmp(at, marks[k], n) == 0) {
				at += n;
				found = true;
				break;
			}
		}
	}
	return at > p ? at : NULL;
}

/* denied_entry: does the entry's text at p open with a denial ("盤尼西林：
 * 否認過敏", "头孢：无")?  The list's rules read a denial before the
 * drug; one after it is left to the heading's own line. */
static bool
denied_entry(const char *p, const char *to)
{
	static const char *const denials[] = {"否认", "否認", "无", "無",
					      "不",   "非",   "没", "沒"};

	for (size_t k = 0; k < sizeof(denials) / sizeof(*denials); k++)
		if ((size_t)(to - p) >= strlen(denials[k]) &&
		    memcmp(p, denials[k], strlen(denials[k])) == 0)
			return true;
	return false;
}

/* dose_at: does the text at p open with a number that is no year ("5mg
 * qd", "0.5g"; "2015 年胃出血" is the entry's date)? */
static bool
dose_at(const char *p, const char *to)
{
	if (*p < '0' || *p > '9')
		return false;
	while (p < to && ((*p >= '0' && *p <= '9') || *p == ' '))
		p++;
	return (size_t)(to - p) < 3 || memcmp(p, "\xe5\xb9\xb4", 3) != 0;
}

/* past_quote: p past a closing quote mark at it ('"', "'", U+201D), or
 * p. */
static const char *
past_quote(const char *p, const char *to)
{
	if (p < to && (*p == '"' || *p == '\''))
		return p + 1;
	if (to - p >= 3 && memcmp(p, "\xe2\x80\x9d", 3) == 0)
		return p + 3;
	return p;
}

/* entry_text: where drug item k's entry text starts, past a bracket, a
 * query and the dash or colon after the drug ("头孢呋辛（西力欣）——呼吸困难"),
 * or NULL: no mark, or a dose or another drug after it ("氨氯地平：5mg
 * qd", "抗生素：左氧氟沙星0.5g"), a medicine list's line. */
static const char *
entry_text(const sentence *s, size_t k)
{
	const char *to = s->text + s->text_len;
	const char *p = after_bracket(s->text + s->items[k].end, to);

	/* "Penicillin? - pt unsure": the writer's query, then the entry's
	 * mark (allergy75nd); the drug may be quoted with its query
	 * ("\"Flagyl?\" - pt not sure", allergy75rq) */
	p = past_quote(p, to);
	if (p < to && *p == '?')
		p++;
	p = past_quote(p, to);
	while (p < to && *p == ' ')
		p++;
	p = entry_mark(p, to);

	while (p != NULL && p < to && *p == ' ')
		p++;
	if (p == NULL || p >= to || (dose_at(p, to)))
		return NULL;
	if (k + 1 < s->n_items && s->text + s->items[k + 1].start == p &&
	    is_drug(&s->items[k + 1]))
		return NULL;
	return p;
}

/* tells_reaction: does s, after item k, tell a reaction, an allergy or
 * a doubt ("——呼吸困难", "：过敏？", "——不详，存疑")?  A drug and a
 * remark ("阿司匹林：长期服用") is a medicine's line. */
static bool
tells_reaction(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j < s->n_items; j++) {
		notes_type t = s->items[j].e->type;

		if (t == NOTES_T_REACTION || t == NOTES_T_ALLERGY_CUE ||
		    t == NOTES_T_UNCERTAIN || t == NOTES_T_PROBLEM)
			return true;
	}
	return false;
}

/* LISTED_WORDS: the most words a record and its verb take before the
 * drug it lists ("Medical file also lists"). */
#define LISTED_WORDS 5

/* listed_by_record: do the few words before drug item k, with no item
 * before it, end with a verb of a record that lists it ("Medical file
 * also lists CODEINE - vomiting", allergy75mn)?  The record adds the
 * drug to the entries, as "Also" does. */
static bool
listed_by_record(const sentence *s, size_t k)
{
	static const char *const lists[] = {"lists", "documents", "mentions",
					    "shows", "show"};
	size_t w = s->items[k].w0;

	return k == 0 && w >= 2 && w <= LISTED_WORDS &&
	       notes__words_in(s, w - 1, lists, N_OF(lists));
}

/* entry_opens: does drug item k open its sentence, an ordinal or a word
 * that adds it to the entries before at most ("2. 磺胺类——皮疹", "Also
 * NSAIDs - gastritis", allergy75md), or a record that lists it? */
static bool
entry_opens(const sentence *s, size_t k)
{
	static const char *const adds[] = {"also", "plus", "and"};
	const item *it = &s->items[k];

	return is_drug(it) &&
	       (it->w0 == 0 ||
		(it->w0 == 1 && (notes__is_number(s->words[0].key) ||
				 notes__words_in(s, 0, adds, N_OF(adds)))) ||
		listed_by_record(s, k));
}

/* drug_entry: does s open with a drug and a dash or colon that starts
 * its entry's text ("  左氧氟沙星：3年前口服后双侧脚后跟疼痛", "磺胺类
 * （SMZ）：年轻时服后全身皮疹", "Levofloxacin: heel pain")?  Under an
 * allergy list the line is the list's entry, as a bulleted one is,
 * whatever words tell its reaction; its label is no heading. */
static bool
drug_entry(const sentence *s)
{
	return s->n_items > 0 && entry_opens(s, 0) && entry_text(s, 0) != NULL;
}

bool
notes__marked_entry_zh(const sentence *s, size_t k)
{
	const char *p;

	if (!entry_opens(s, k))
		return false;
	p = entry_text(s, k);
	return p != NULL && !denied_entry(p, s->text + s->text_len) &&
	       tells_reaction(s, k);
}

bool
notes__line_ends(const sentence *s, const notes_tok *end)
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

/* plan_step_en: is heading s a numbered step of an English plan, a label
 * and a colon of its own ("Plan:\n5. Bring CPAP.\n6. Post-op analgesia:
 * regular paracetamol, oxycodone PCA")?  As plan_step_zh: the label names
 * the step's purpose, the plan's heading still holds what it plans. */
static bool
plan_step_en(const sentence *s)
{
	return s->section != NULL && (s->section->dir & NOTES_DIR_PLAN) &&
	       (unsigned char)s->section->key[0] < 0x80 && s->n > 1 &&
	       !s->words[0].han && numbered(s) && section_of(s) == NULL;
}

/* ticked_at: is a tick (√ ✓ ✔ ☑ ☒ ■) at text[i], or, going by step
 * (1 or -1), after the spaces from i? */
static bool
ticked_at(const char *text, uint32_t i, uint32_t from, uint32_t to, int step)
{
	static const char *const ticks[] = {"\xe2\x88\x9a", "\xe2\x9c\x93",
					    "\xe2\x9c\x94", "\xe2\x98\x91",
					    "\xe2\x98\x92", "\xe2\x96\xa0"};

	while (i >= from && i < to && text[i] == ' ')
		i = (uint32_t)((int)i + step);
	if (step < 0)
		i = i >= from + 2 ? i - 2 : to; /* a tick's 3 bytes end at i */
	for (size_t t = 0; t < sizeof(ticks) / sizeof(*ticks); t++)
		if (i + 3 <= to && memcmp(text + i, ticks[t], 3) == 0)
			return true;
	return false;
}

/* ticked_lead: 1 when s's first word is a tick, the words of its label
 * starting after it ("☑药物：青霉素（…）；氯己定（洗必泰）——…", allergy75jk),
 * else 0: a ticked field is the form's line, as an untouched one is. */
static size_t
ticked_lead(const sentence *s)
{
	uint32_t at = s->words[0].start;

	return ticked_at(s->text, at, at, s->words[0].end, 1) ? 1 : 0;
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
	size_t w = s->n > 0 ? ticked_lead(s) : 0;

	if (!s->allergy_list || s->n < w + 3 || !s->words[w].han ||
	    !notes__words_in(s, w, kinds, sizeof(kinds) / sizeof(*kinds)))
		return false;
	colon = notes__colon_at(s->text, s->words[w + 1].end,
				s->words[w + 2].start);
	return colon != NULL && notes__line_lead(s) != NULL;
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

/* ticked_yes_zh: is Chinese allergy heading s, its line ending at to,
 * answered by a tick beside 有 and naming no drug ("过敏史：有 √  无 □",
 * "过敏史：□无  ■有  □不详")?  The form's lines under it ("  药物：阿司匹林
 * （哮喘发作）", "  其他：乳胶手套") are the allergies it says the patient
 * has: its list. */
static bool
ticked_yes_zh(const sentence *s, uint32_t to)
{
	uint32_t from = s->items[0].end;
	const char *yes;

	if (!notes__zh_allergy_head(s) || !names_none(s) || from >= to)
		return false;
	yes = memmem(s->text + from, to - from, "\xe6\x9c\x89", 3); /* 有 */
	if (yes == NULL)
		return false;
	return ticked_at(s->text, (uint32_t)(yes - s->text) + 3, from, to, 1) ||
	       ticked_at(s->text, (uint32_t)(yes - s->text) - 1, from, to, -1);
}

/* TIME_LABEL_WORDS: the most words of a label that only says when the
 * entries under it were recorded. */
#define TIME_LABEL_WORDS 5

/* time_label: is s a label of a few words that only say when the
 * entries under it were recorded ("On admission:", "New this
 * admission:", "Previously known:")?  Under an allergy heading it
 * parts the list, it does not end it (allergy75dr). */
static bool
time_label(const sentence *s)
{
	static const char *const when[] = {
		"on",	      "admission",  "new",	"this",	  "previous",
		"previously", "known",	    "existing", "pre",	  "prior",
		"to",	      "since",	    "during",	"before", "the",
		"current",    "historical", "old",	"stay",	  "recorded"};

	if (s->n == 0 || s->n > TIME_LABEL_WORDS || s->n_items > 0)
		return false;
	for (size_t w = 0; w < s->n; w++)
		if (!notes__words_in(s, w, when, N_OF(when)))
			return false;
	return true;
}

/* line_bulleted: does the line s is on open with a bullet ("-", "*",
 * "•"), spaces before it at most, whether or not s starts the line? */
static bool
line_bulleted(const sentence *s)
{
	const char *p = s->text + s->words[0].start;
	const char *end = s->text + s->text_len;

	while (p > s->text && p[-1] != '\n')
		p--;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && (*p == '-' || *p == '*' ||
			   (end - p >= 3 && memcmp(p, "\xe2\x80\xa2", 3) == 0));
}

/* later_on_bullet: does s, its label ending with an allergy cue, start after
 * another sentence on a bulleted line ("- Penicillin - \"swollen face\" in the
 * 1960s (...). Kept as allergy: no testing at her age and no need.")?  A label
 * there is the entry's own aside, no heading: the list goes on under it (issue
 * 75, allergy75an: en43-29). */
static bool
later_on_bullet(const sentence *s)
{
	if (notes__line_lead(s) != NULL || s->n_items == 0 ||
	    s->items[0].e->type != NOTES_T_ALLERGY_CUE ||
	    notes__colon_at(s->text, s->items[0].end, s->items[0].end + 1) ==
		    NULL)
		return false; /* not "Allergy team consulted (Dr Ng): ..." */
	return line_bulleted(s);
}

/* aside_label_words: how many words open s as a writer's note ("注",
 * "备注", "Note", "NB", "Micro note", "Pharmacy note"), 0 when none does. */
static size_t
aside_label_words(const sentence *s)
{
	static const char *const notes[] = {"注", "note", "nb"};

	if (notes__words_at(s, 0, "备注") || notes__words_at(s, 0, "附注"))
		return 2;
	if (notes__words_in(s, 0, notes, N_OF(notes)))
		return 1;
	return s->n > 1 && !s->words[0].han && notes__words_at(s, 1, "note")
		       ? 2
		       : 0;
}

/* aside_on_bullet: is s a writer's note ("注：", "Note:", "Micro note:")
 * after another sentence on a bulleted line ("- 磺胺类：……（患者自述）。注：
 * 氢氯噻嗪属非抗菌药磺胺……")?  It is the entry's own aside, no heading: the
 * list goes on under it. */
static bool
aside_on_bullet(const sentence *s)
{
	size_t w = aside_label_words(s);
	uint32_t end;

	if (w == 0 || w > s->n || notes__line_lead(s) != NULL)
		return false;
	end = s->words[w - 1].end; /* the colon may end the line */
	if (notes__colon_at(s->text, end,
			    w < s->n		    ? s->words[w].start
			    : s->text_len < end + 3 ? (uint32_t)s->text_len
						    : end + 3) == NULL)
		return false;
	return line_bulleted(s);
}

/* ends_its_line: does s, ended by end, end its line: at a line break,
 * at the text's end, or at a full stop with nothing after it on the line
 * ("Allergies: yes, as below.", "过敏史：有。")? */
static bool
ends_its_line(const sentence *s, const notes_tok *end)
{
	uint32_t i = end->end;

	if (notes__line_ends(s, end))
		return true;
	if (end->type != NOTES_TOK_SENTENCE)
		return false;
	while (i < s->text_len &&
	       (s->text[i] == ' ' || s->text[i] == '\t' || s->text[i] == '\r'))
		i++;
	return i >= s->text_len || s->text[i] == '\n';
}

/* denies: does s hold a denial before any drug ("Allergies: denies",
 * "过敏史：否认")?  The line is its list's whole answer: the lines under
 * it are no allergies ("Allergies: denies ⏎ Amlodipine 5mg OD").  A
 * "not" after the line's first drug qualifies that entry ("... rash +
 * fever 2018 when he started ARVs (not ⏎ SJS)"), and so does "not
 * sure" anywhere ("ALLERGIES: Flucloxacillin? - \"made him vomit\" as a
 * kid per his mum, not ⏎ sure if rash", allergy75os, en-dev76): the
 * entries under it go on, as they do under a checklist's "(-)", which
 * denies its own line's entry ("Allergies: (-) food ⏎  (+) drug:
 * Cotrimoxazole", allergy75uf). */
static bool
denies(const sentence *s)
{
	static const char *const sure[] = {"sure", "certain"};

	for (size_t k = 0; k < s->n_items; k++) {
		const item *it = &s->items[k];

		if (is_drug(it))
			return false;
		if (it->e->type == NOTES_T_NEGATED &&
		    strcmp(it->e->key, "(-)") != 0 &&
		    !(it->w1 < s->n &&
		      notes__words_in(s, it->w1, sure, N_OF(sure))))
			return true;
	}
	return false;
}

/* answers_none_known: does the heading s answer "none known" after its
 * cues, and name no drug ("Allergies: Nil known.", "Allergy: NKDA")? */
static bool
answers_none_known(const sentence *s)
{
	bool none = false;

	for (size_t k = 0; k < s->n_items; k++) {
		if (is_drug(&s->items[k]))
			return false;
		none = none || s->items[k].e->type == NOTES_T_NONE_KNOWN;
	}
	return none;
}

/* numbered_entry: does s open a numbered step whose label is no
 * section's ("4. 吲哚美辛（消炎痛）：服后呕血一次", a drug the reader does
 * not know, allergy75hu), in an allergy list whose heading is no
 * numbered step?  It is the list's next entry, as a bulleted one is;
 * "2. 诊断：" opens a section of its own, and after "2. 过敏史:" "3. 慢性
 * 病:" is the next step. */
static bool
numbered_entry(const sentence *s)
{
	return !s->list_head_numbered && numbered(s) && section_of(s) == NULL;
}

/* prose_line_ends: is the line ending at end a paragraph's wrapped prose,
 * long and no list's entry ("ALLERGIES: Pt unable to give good hx
 * initially. Mum contacted by phone\n(16:02) - PENICILLIN: ANAPHYLAXIS
 * age 12, hospitalised (Kurrawong).\nCefazolin already given ...",
 * allergy75sm, en-dev85)?  A full stop that falls at its end ends a
 * sentence of the paragraph, not the paragraph.  An entry's line ("Also
 * NSAIDs - gastritis - pt says ...") is no such prose (inline_prose):
 * the next line is the next entry or none. */
static bool
prose_line_ends(const char *text, const char *end)
{
	const char *from = end;

	while (from > text && from[-1] != '\n')
		from--;
	while (from < end && (*from == ' ' || *from == '\t'))
		from++;
	return end - from >= WRAP_MIN_COLUMNS && *from != '-' && *from != '*' &&
	       !isdigit((unsigned char)*from) &&
	       memcmp(from, "\xe2\x80\xa2", 3) != 0;
}

/* teller_heading: does heading s end with a verb of telling before its
 * colon ("HOWEVER daughter states:", "Wife reports:")?  After an allergy
 * field's answer ("ALLERGIES: NKDA per our chart.  HOWEVER daughter
 * states:", allergy75rv, en-dev82) the bullets under it are the
 * allergies the teller gives. */
static bool
teller_heading(const sentence *s)
{
	static const char *const tells[] = {"states", "says",	 "reports",
					    "stated", "said",	 "reported",
					    "adds",   "mentions"};

	return s->n > 1 && notes__words_in(s, s->n - 1, tells, N_OF(tells));
}

/* prose_heading: does allergy heading s open a paragraph of wrapped
 * prose, its line long ("ALLERGIES: Pt unable to give good hx initially.
 * Mum contacted by phone\n(16:02) - PENICILLIN: ANAPHYLAXIS ...",
 * allergy75sm, en-dev85)?  The paragraph's entries are the heading's. */
static bool
prose_heading(const sentence *s)
{
	const char *end = memchr(s->text + s->words[0].start, '\n',
				 s->text_len - s->words[0].start);

	if (end == NULL)
		return false;
	while (end > s->text && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	return prose_line_ends(s->text, end);
}

/* zh_entry_headed: does Chinese allergy heading s go on, on its line,
 * with a drug and the dash or colon of its entry ("过敏史：左氧氟沙星——前年
 * 吃后两个脚后跟疼…\n阿司匹林——以前吃了胃里烧得难受", allergy75tu,
 * zh-dev90)?  The writer began the list on the heading's line; the
 * entries on the lines under it are the list's, as under
 * "Allergies: levofloxacin - heel pain". */
static bool
zh_entry_headed(const sentence *s)
{
	size_t k = zh_head_last(s) + 1;
	const char *p;

	if (!notes__zh_allergy_head(s) || k >= s->n_items ||
	    !is_drug(&s->items[k]))
		return false;
	p = entry_text(s, k);
	return p != NULL && !denied_entry(p, s->text + s->text_len) &&
	       tells_reaction(s, k);
}

/* lead_columns: how many columns of spaces and tabs open s's line
 * before its first word (a tab counts TAB_COLUMNS), or -1 when s does
 * not open its line. */
#define TAB_COLUMNS 8
static int
lead_columns(const sentence *s)
{
	const char *p = notes__line_lead(s), *to = s->text + s->words[0].start;
	int n = 0;

	if (p == NULL)
		return -1;
	for (; p < to && (*p == ' ' || *p == '\t'); p++)
		n += *p == '\t' ? TAB_COLUMNS : 1;
	return n;
}

void
notes__open_section(sentence *s, const notes_tok *end, bool allergies)
{
	/* a bulleted line's label ("- GP summary: …") is an item of the
	 * allergy list it is in, as it is of any section */
	bool kept = s->allergy_list && !s->inline_entry &&
		    (notes__bulleted(s) || allergen_kind_zh(s) ||
		     later_on_bullet(s) || drug_entry(s) || time_label(s) ||
		     numbered_entry(s)) &&
		    !allergies;
	bool told = (s->allergy_list || s->allergy_inline) && !allergies &&
		    teller_heading(s);

	s->list_aside = s->allergy_list && !allergies && aside_on_bullet(s);
	s->allergy_line = notes__allergy_line(s);
	/* one opened after a full stop heads its own sentence only: a
	 * wrapped line's prose runs on past it */
	s->allergy_line_once = s->allergy_line && !cue_led(s);
	/* "另：" later on the line adds to its list */
	s->allergy_line_zh =
		notes__zh_allergy_head(s) ||
		(s->allergy_line_zh && notes__line_lead(s) == NULL);
	s->allergy_head = s->allergy_line;
	s->allergy_table = allergies && reaction_table_head(s, end->start) &&
			   cell_bar(s, end->start) != NULL;
	s->allergy_list =
		allergies || kept || told ||
		((s->allergy_line || notes__zh_allergy_head(s)) &&
		 names_none(s) && !denies(s) && ends_its_line(s, end) &&
		 !form_field(s)) ||
		(notes__line_ends(s, end) && ticked_yes_zh(s, end->start));
	s->allergy_inline = s->allergy_line && cue_led(s) && !s->allergy_list &&
			    !denies(s) && (names_entry(s) || prose_heading(s));
	s->inline_none = s->allergy_line && cue_led(s) && !s->allergy_list &&
			 !s->allergy_inline && answers_none_known(s);
	s->inline_zh = !s->allergy_list && zh_entry_headed(s);
	s->allergy_inline = s->allergy_inline || s->inline_none || s->inline_zh;
	s->inline_indent = lead_columns(s);
	s->inline_entry = false;
	s->inline_prose = s->allergy_inline && prose_heading(s);
	if (!kept)
		s->list_head_numbered = s->allergy_list && numbered(s);
	if (((!notes__bulleted(s) && !sub_label(s)) || section_of(s) != NULL) &&
	    !plan_step_zh(s) && !plan_step_en(s)) {
		s->section = section_of(s);
		s->section_inline = s->section && s->items[0].w1 < s->n;
		s->section_at = s->words[0].start;
	}
}

/* row_bars: how many "|" stand between the start of s's line and its
 * first word, nothing but spaces beside them; -1 when anything else
 * does (s does not open its line). */
static int
row_bars(const sentence *s)
{
	const char *p = s->text + s->words[0].start;
	int bars = 0;

	for (; p > s->text && p[-1] != '\n'; p--)
		if (p[-1] == '|')
			bars++;
		else if (p[-1] != ' ' && p[-1] != '\t')
			return -1;
	return bars;
}

/* allergy_cell_row: does s open a table row whose first cell is an
 * allergy cue, the row's text in the cell after it ("| Allergies |
 * LATEX - YES (contact dermatitis) |")? */
static bool
allergy_cell_row(const sentence *s)
{
	size_t w1;

	if (s->n_items == 0 || s->items[0].w0 != 0 ||
	    s->items[0].e->type != NOTES_T_ALLERGY_CUE || row_bars(s) != 1)
		return false;
	w1 = s->items[0].w1;
	return w1 < s->n &&
	       notes__only_marks(s->text, s->items[0].end, s->words[w1].start,
				 "|") &&
	       memchr(s->text + s->items[0].end, '|',
		      s->words[w1].start - s->items[0].end) != NULL;
}

void
notes__allergy_cells_end(sentence *s)
{
	int bars;

	if (s->n == 0 || (bars = row_bars(s)) < 0)
		return; /* on the row's line still */
	if (s->allergy_cell)
		s->allergy_list = false;
	/* the labelled row's own cell is the list's first line: its entries
	 * after a "；" are the list's too ("| 药物过敏史 | 青霉素：否认；磺胺：
	 * 否认 |") */
	s->allergy_cell = (s->allergy_cell && bars == 2) || allergy_cell_row(s);
}

void
notes__allergy_cells_keep(sentence *s)
{
	if (s->allergy_cell)
		s->allergy_list = true;
}

void
notes__table_rows_end(sentence *s, const notes_tok *end)
{
	uint32_t from = s->n > 0 ? s->words[0].start : end->start;

	/* a sentence that a full stop ends inside a cell is on its row
	 * ("| ALLERGY - probable drug eruption. Switched to linezolid. |",
	 * allergy75cs): the row's line holds the bars */
	while (from > 0 && s->text[from - 1] != '\n')
		from--;
	if (!s->allergy_table || s->n == 0 ||
	    memchr(s->text + from, '|', end->start - from) != NULL)
		return;
	s->allergy_table = false;
	s->allergy_list = false;
}

/* wrapped_on: does s's line go on from the line before it, that line
 * ending in a word or a comma, no stop ("... when he started ARVs
 * (not\nSJS). Morphine - severe vomiting")? */
static bool
wrapped_on(const sentence *s)
{
	const char *p = notes__line_lead(s);

	if (p == NULL || p == s->text)
		return false;
	p--; /* the line break */
	while (p > s->text && (p[-1] == ' ' || p[-1] == '\r'))
		p--;
	return p > s->text &&
	       (isalnum((unsigned char)p[-1]) || p[-1] == ',' ||
		(s->inline_prose && prose_line_ends(s->text, p)));
}

/* VALUE_INDENT: the fewest columns past its heading's a line is
 * indented to go on with the heading's value. */
#define VALUE_INDENT 4

/* value_aligned: is s's line indented well past its inline heading's,
 * under the heading's value ("Allergy: Septrin → generalised rash\n
 * 媽媽話佢細個打完「盤尼西林」針全身痕，唔肯定", allergy75tv, zh-dev90)?
 * The writer lines the field's next entries up under its first. */
static bool
value_aligned(const sentence *s)
{
	int n = lead_columns(s);

	return s->inline_indent >= 0 && n >= s->inline_indent + VALUE_INDENT;
}

void
notes__inline_entries(sentence *s)
{
	/* the heading's own line is read as its line (allergy_line) */
	if (!s->allergy_inline || s->n == 0 || s->allergy_line)
		return;
	/* on a Chinese heading's own line its sentences are the line's
	 * (allergy_line_zh); its entries are on the lines under it */
	if ((drug_entry(s) &&
	     (!(s->inline_none || s->inline_zh) || tells_reaction(s, 0)) &&
	     (!s->inline_zh || notes__line_lead(s) != NULL)) ||
	    value_aligned(s)) {
		s->allergy_list = true;
		s->inline_entry = true;
		s->inline_prose = false;
	} else if (notes__line_lead(s) != NULL && !wrapped_on(s)) {
		s->allergy_inline = false;
		s->inline_none = false;
		s->inline_zh = false;
		if (s->inline_entry)
			s->allergy_list = false;
		s->inline_entry = false;
		s->inline_prose = false;
	} else {
		s->inline_prose = true;
	}
}
