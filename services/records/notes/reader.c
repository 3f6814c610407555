/*
 * reader.c - reading a note (see notes.h): the pipeline and its bounds.
 * notes_read scans the text (bounded by NOTES_TEXT_MAX) into sentences,
 * reads each (sentence_read: match, heading, findings, verdicts), then
 * settles the note's findings (settle.c) and drops the unspecified codes
 * a specific one covers (refine.c); after that the findings are final.
 * The steps live in the files reader_int.h lists, bottom to top.
 */
#include "reader_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* asked_in_bracket: does s end at a question mark inside a bracket it
 * opened ("Allergies: ...; vancomycin (rash - Red man? Edmonton ID note
 * says red man syndrome only); Tylenol #3 - constipation/nausea")?  The
 * writer queries the entry's reaction; the line's list goes on, its
 * next entries as much the heading's as those before (allergy75v). */
static bool
asked_in_bracket(const sentence *s, const notes_tok *end)
{
	return s->n > 0 && end->start < end->end &&
	       s->text[end->start] == '?' &&
	       notes__ascii_paren_open(s->text, s->words[0].start, end->start);
}

/* sentence_read adds s's findings (s ended by end) to out; false when
 * out is full.  A heading opens or closes an allergy list. */
static bool
sentence_read(sentence *s, const notes_tok *end, notes_reading *out)
{
	bool allergies;
	size_t first = out->n;

	notes__match(s);
	notes__table_rows_end(s, end);
	notes__allergy_cells_end(s);
	if (notes__heading(s, end, &allergies))
		notes__open_section(s, end, allergies);
	else
		notes__inline_entries(s);
	notes__allergy_cells_keep(s);
	for (size_t k = 0; k < s->n_items; k++) {
		notes_finding f;

		bool found = notes__finding(s, k, &f);

		if (found && !notes__keep_finding(s, out, &f))
			return false;
		if (!notes__keep_disowned(s, k, out) ||
		    !notes__keep_relatives(s, k, out) ||
		    (found && !notes__keep_given_up(s, k, &f, out)))
			return false;
	}
	if (!notes__disowned_allergy(s, out) ||
	    !notes__delabelled_taken(out, first))
		return false;
	notes__doubt_allergy(s, out);
	notes__delabel_line(s, out);
	notes__delabel_heading_zh(s, out);
	notes__verdict_after_zh(s, out);
	notes__removed_entry(s, out);
	notes__removed_record_zh(s, out);
	notes__doubt_restated_zh(s, out, first);
	notes__removed_named_label(s, out);
	notes__denied_report(s, out);
	notes__answered_no(s, out);
	notes__intolerance_after(s, out);
	notes__not_allergic_after(s, out);
	notes__intolerance_charted(s, out);
	notes__denied_outright(s, out, first);
	notes__member_clears_class(s, out, first);
	notes__unharmed_clears_class_zh(s, out);
	notes__pending_delabel(s, out, first);
	notes__label_doubted_zh(s, out);
	notes__class_example_zh(s, out, first);
	if (!notes__misattributed_allergy(s, out) ||
	    !notes__corrected_drug(s, out) || !notes__suspects_zh(s, out))
		return false;
	notes__disclaimed_zh(s, out, first);
	notes__suspicion_excluded_zh(s, out, first);
	notes__remember_subject(s);
	if (notes__line_ends(s, end) || s->allergy_line_once)
		s->allergy_line = s->allergy_line_zh = false;
	s->allergy_head = s->allergy_head && asked_in_bracket(s, end);
	s->n = 0;
	return true;
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

/* ruled_line: does the line that ends at byte at of text hold a mark,
 * no word ("-----|-----", a table's rule under its header)?  It is part
 * of the table, not a blank line. */
static bool
ruled_line(const char *text, uint32_t at)
{
	while (at > 0 && text[at - 1] != '\n') {
		if (text[at - 1] != ' ' && text[at - 1] != '\t' &&
		    text[at - 1] != '\r')
			return true;
		at--;
	}
	return false;
}

/* blank_line: does t, after a token that was a line break (*newline),
 * end an empty line?  An allergy list ends there.  Updates *newline. */
static bool
blank_line(const char *text, const sentence *s, const notes_tok *t,
	   bool *newline)
{
	bool nl = t->type == NOTES_TOK_SENTENCE && text[t->start] == '\n';
	bool blank = nl && *newline && s->n == 0 && !ruled_line(text, t->start);

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

/* line_start: where the line word t is on begins. */
static uint32_t
line_start(const char *text, const notes_tok *t)
{
	uint32_t i = t->start;

	while (i > 0 && text[i - 1] != '\n')
		i--;
	return i;
}

/* opens_line: is word t the first of its line, the word before it
 * ending at last_end (0 for none)?  Only the gap between them is read,
 * so a note of one long line costs no walk back to its start per word. */
static bool
opens_line(const char *text, uint32_t last_end, const notes_tok *t)
{
	return last_end == 0 ||
	       memchr(text + last_end, '\n', t->start - last_end) != NULL;
}

/* line_indent returns the spaces and tabs that open the line word t is
 * on. */
static int
line_indent(const char *text, const notes_tok *t)
{
	uint32_t lead = line_start(text, t), i = lead;

	while (i < t->start && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return (int)(i - lead);
}

/* clock_opens: does word t open its line with a clock time ("10:30 會陰
 * 傷口疼痛", "14:00 ...")?  A nursing record stamps each entry so. */
static bool
clock_opens(const char *text, size_t len, const notes_tok *t)
{
	uint32_t e = t->end;

	return t->end - t->start <= 2 &&
	       isdigit((unsigned char)text[t->start]) && e + 3 <= len &&
	       text[e] == ':' && isdigit((unsigned char)text[e + 1]) &&
	       isdigit((unsigned char)text[e + 2]);
}

/* bracket_opens: does word t open its line inside a black lenticular
 * bracket ("【术前准备】", "【月经/妊娠】否认妊娠"), spaces before it at most?
 * A Chinese record's form heads each of its fields so: a new field, no
 * entry of the list above it (an allergy field's own heading opens its
 * list again). */
static bool
bracket_opens(const char *text, const notes_tok *t)
{
	uint32_t i = line_start(text, t);

	while (i < t->start) {
		if (text[i] == ' ' || text[i] == '\t')
			i++;
		else if (memcmp(text + i, "\xe3\x80\x80", 3) == 0) /* U+3000 */
			i += 3;
		else
			break;
	}
	return i + 3 == t->start &&
	       memcmp(text + i, "\xe3\x80\x90", 3) == 0; /* 【 */
}

/* marked_item: does the line that word t opens begin with a mark of
 * the pages' own bullets, a character that opens with byte 0xe2 ("‧",
 * "▪", "–") as notes__bulleted reads them, or "·"? */
static bool
marked_item(const char *text, const notes_tok *t)
{
	uint32_t i = t->start;

	while (i > 0 && text[i - 1] != '\n') {
		unsigned char c = (unsigned char)text[--i];

		if (c == 0xe2 ||
		    (c == 0xc2 && (unsigned char)text[i + 1] == 0xb7))
			return true;
	}
	return false;
}

/* list_left: does word t, the first of a line under an allergy list, leave
 * the list?  Once the list is bulleted, a line that is no item and is
 * indented no deeper than its items is the note going on ("過敏史：⏎
 * ‧ Cefazolin：起紅疹 ⏎ 子宮收縮好 ⏎ 10:30 ... 依醫囑給 Acetaminophen",
 * allergy75cr); a line stamped with a clock time is a new entry, and one
 * a bracketed heading opens a new field ("【术前准备】").  Keeps
 * s->list_indent. */
static bool
list_left(const char *text, size_t len, const notes_tok *t, sentence *s)
{
	int indent = line_indent(text, t);

	if (!s->allergy_list || s->allergy_table)
		return false;
	if (clock_opens(text, len, t) || bracket_opens(text, t))
		return true;
	if (list_item(text, len, t) || marked_item(text, t)) {
		if (s->list_indent < 0)
			s->list_indent = indent;
		return false;
	}
	return s->list_indent >= 0 && indent <= s->list_indent;
}

/* aside_ended: word t opens a line after a writer's note on an allergy
 * list's entry (list_aside): a bulleted line goes on with the list, an
 * indented one with the note, any other leaves the list. */
static void
aside_ended(const char *text, size_t len, const notes_tok *t, sentence *s)
{
	bool entry = list_item(text, len, t) || marked_item(text, t);

	if (!s->list_aside || (!entry && line_indent(text, t) > 0))
		return;
	s->list_aside = false;
	s->allergy_list = entry;
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

/* paragraph_ends: a blank line ends every list, table and heading the
 * paragraph opened, and the subjects its sentences named. */
static void
paragraph_ends(sentence *s)
{
	s->allergy_list = false;
	s->allergy_table = false;
	s->allergy_cell = false;
	s->list_aside = false;
	s->allergy_inline = false;
	s->inline_entry = false;
	s->inline_prose = false;
	s->inline_none = false;
	s->inline_zh = false;
	s->inline_indent = 0;
	s->prior.e = NULL;
	s->prior_last.e = NULL;
	s->prior_denied.e = NULL;
	s->suspects_zh = false;
	s->section = NULL;
}

void
notes__read_rules(const char *text, size_t len, notes_reading *out)
{
	static __thread sentence s;
	size_t pos = 0, n = cut(text, len);
	uint32_t last_word_end = 0;
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
	s.text_len = n;
	paragraph_ends(&s);
	s.allergy_line = false;
	s.allergy_line_zh = false;
	s.section_inline = false;
	s.section_at = 0;
	s.list_head_numbered = false;
	s.list_indent = -1;
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
		if (t.type == NOTES_TOK_WORD) {
			if (opens_line(text, last_word_end, &t)) {
				aside_ended(text, n, &t, &s);
				if (list_left(text, n, &t, &s))
					s.allergy_list = false;
			}
			last_word_end = t.end;
		}
		if (!s.allergy_list)
			s.list_indent = -1;
		if (blank_line(text, &s, &t, &newline))
			paragraph_ends(&s);
		if (t.type == NOTES_TOK_WORD)
			s.words[s.n++] = t;
		if ((t.type != NOTES_TOK_WORD || s.n == NOTES_SENTENCE_WORDS) &&
		    !sentence_read(&s, &t, out))
			break;
	} while (t.type != NOTES_TOK_END);
	notes__settle(out, text, n);
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
