/*
 * scan.c - the note reader's scanner (see notes.h): words (a Chinese
 * character is one), the "?" that marks an uncertain word, the ";" that
 * ends a clause, the full-width comma, and the ends of
 * sentences, over bytes that may be any bytes.  Words are compared in a
 * folded form (fold.c): invisible characters left out, full-width forms
 * as ASCII, Cyrillic and Greek look-alikes in a Latin word as Latin,
 * traditional Chinese as simplified.
 */
#include "notes_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* unicode_punct: general punctuation (U+2000..U+206F: spaces, dashes,
 * quotes, bullets; its invisible characters are found first, fold.c),
 * no-break space, middle dot, CJK punctuation, full-width forms'
 * punctuation and the katakana middle dot (U+30FB, and its half-width
 * form U+FF65) that Taiwan's and Hong Kong's lists bullet with
 * ("・Ultracet — 頭暈噁心", allergy75fv, zh-dev57) separate words. */
static bool
unicode_punct(const unsigned char *s, size_t n)
{
	if (n == 2)
		return s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0xb7);
	if (n != 3)
		return false;
	if (s[0] == 0xe2 && (s[1] == 0x80 || s[1] == 0x81))
		return true;
	if ((s[0] == 0xe3 && s[1] == 0x83 && s[2] == 0xbb) ||
	    (s[0] == 0xef && s[1] == 0xbd && s[2] == 0xa5))
		return true;
	if (s[0] == 0xe3 && s[1] == 0x80 &&
	    (s[2] <= 0x83 || (s[2] >= 0x88 && s[2] <= 0x91) ||
	     (s[2] >= 0x94 && s[2] <= 0x9f)))
		return true;
	return s[0] == 0xef && s[1] == 0xbc && s[2] <= 0x8f;
}

/* list_number: the enclosed numbers a Chinese list numbers its entries
 * with (U+2460..U+24FF, "①Allopurinol——…", allergy75gx, and the
 * dingbats' U+2776..U+2793, "❶"): a mark, not a letter of the word it
 * is written against. */
static bool
list_number(const unsigned char *s, size_t n)
{
	if (n != 3 || s[0] != 0xe2)
		return false;
	if (s[1] >= 0x91 && s[1] <= 0x93)
		return s[1] != 0x91 || s[2] >= 0xa0;
	return (s[1] == 0x9d && s[2] >= 0xb6) || (s[1] == 0x9e && s[2] <= 0x93);
}

/* not_text: characters that stand for no letter and separate words: the
 * replacement character U+FFFD (what a decoder leaves of invalid UTF-8)
 * and the other specials U+FFF0..U+FFFF, and the private-use area
 * U+E000..U+F8FF (a font's or a system's own symbols).  The byte order
 * mark is an invisible character (fold.c), left out of a word. */
static bool
not_text(const unsigned char *s, size_t n)
{
	if (n != 3)
		return false;
	if (s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xb0)
		return true;
	return s[0] == 0xee || (s[0] == 0xef && s[1] <= 0xa3);
}

/* sentence_stop: the ideographic full stop. */
static bool
ideographic_stop(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x82;
}

/* word_len returns the length of the word character at s, or 0: letters
 * and digits (full-width ones too) and any other character but
 * punctuation, invisible ones and those that stand for no letter. */
static size_t
word_len(const unsigned char *s, size_t left)
{
	notes_char c;

	notes__char(s, left, &c);
	if (c.len == 0 || c.invisible)
		return 0;
	if (c.len == 1 || c.ascii != '\0')
		return isalnum((unsigned char)c.ascii) ? c.len : 0;
	if (unicode_punct(s, c.len) || not_text(s, c.len) ||
	    list_number(s, c.len) || ideographic_stop(s, c.len))
		return 0;
	return c.len;
}

/* is_zwsp: the zero-width space U+200B. */
static bool
is_zwsp(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xe2 && s[1] == 0x80 && s[2] == 0x8b;
}

/* invisible_run returns the bytes of the invisible characters at s[i];
 * *zwsp says whether a zero-width space is among them. */
static size_t
invisible_run(const unsigned char *s, size_t len, size_t i, bool *zwsp)
{
	size_t start = i;
	notes_char c;

	*zwsp = false;
	while (i < len) {
		notes__char(s + i, len - i, &c);
		if (c.len == 0 || !c.invisible)
			break;
		*zwsp = *zwsp || is_zwsp(s + i, c.len);
		i += c.len;
	}
	return i - start;
}

/* word_end returns where the word at s[i] ends: its word characters and
 * the invisible ones between two of them, so that a name cut by a soft
 * hyphen or a zero-width space is read whole (unless split, when a
 * zero-width space ends the word); *latin says whether the word holds a
 * Latin letter.  A Chinese character is a word by itself: Chinese is
 * written without spaces, and the reader matches its phrases character by
 * character, so it needs no word segmentation. */
static size_t
word_end(const unsigned char *s, size_t len, size_t i, bool split, bool *latin)
{
	notes_char c;
	size_t k, n;
	bool zwsp;

	*latin = false;
	notes__char(s + i, len - i, &c);
	if (c.han)
		return i + c.len;
	for (;;) {
		k = i + invisible_run(s, len, i, &zwsp);
		if (k >= len || (n = word_len(s + k, len - k)) == 0 ||
		    (split && zwsp))
			return i;
		notes__char(s + k, len - k, &c);
		/* a Chinese character ends the word before it ("无chest") */
		if (c.han)
			return i;
		*latin = *latin || isalpha((unsigned char)c.ascii);
		i = k + n;
	}
}

/* fold writes the comparison form of the character c at s into out and
 * returns its length: nothing for an invisible character, lower-case
 * ASCII for ASCII and full-width forms, the Latin letter of a Cyrillic or
 * Greek look-alike in a word that holds Latin letters (a word wholly in
 * Cyrillic or Greek stays as written), the simplified form of a
 * traditional Chinese ideograph, else the bytes as they are. */
static size_t
fold(const notes_char *c, const unsigned char *s, bool latin, char *out)
{
	if (c->invisible)
		return 0;
	if (c->ascii != '\0') {
		out[0] = (char)tolower((unsigned char)c->ascii);
		return 1;
	}
	if (latin && c->latin != '\0') {
		out[0] = c->latin;
		return 1;
	}
	if (c->simp_len) {
		memcpy(out, c->simp, c->simp_len);
		return c->simp_len;
	}
	memcpy(out, s, c->len);
	return c->len;
}

static bool
space_at(const char *text, size_t len, size_t i)
{
	return i >= len || isspace((unsigned char)text[i]);
}

/* quote_then_space: does a closing quote (", ', ”, ’) follow at i, and
 * then a space?  A full stop inside the quote ends the sentence as one
 * before a space does ("the GP said never again.\" She also thinks
 * Klacid gave him a rash", allergy75lr). */
static bool
quote_then_space(const char *text, size_t len, size_t i)
{
	if (i < len && (text[i] == '"' || text[i] == '\''))
		return space_at(text, len, i + 1);
	if (i + 3 <= len && (memcmp(text + i, "\xe2\x80\x9d", 3) == 0 ||
			     memcmp(text + i, "\xe2\x80\x99", 3) == 0))
		return space_at(text, len, i + 3);
	return false;
}

/* hyphen_broken: is the hyphen at dash, ending its line, one inside a
 * word the line break cut, a letter before it and a letter starting the
 * next line at next ("DE-\n  LABELLED", issue 75, allergy75l)? */
static bool
hyphen_broken(const char *text, size_t dash, size_t next)
{
	return dash > 0 && isalpha((unsigned char)text[dash - 1]) &&
	       isalpha((unsigned char)text[next]);
}

/* comma_wrapped: does the line [from, last) end with a full-width comma
 * and the next line, at next, go on with a Chinese character ("…实为同时
 * 服用的中药引起皮疹，\n经儿科药师评估后删除该过敏记录。")?  Chinese prose
 * the writer wrapped keeps its sentence across the break; a line that
 * starts with a bullet, a number or a Latin letter is a list's. */
static bool
comma_wrapped(const char *text, size_t len, size_t from, size_t last,
	      size_t next)
{
	notes_char c;

	if (last - from < 3 ||
	    memcmp(text + last - 3, "\xef\xbc\x8c", 3) != 0 || next >= len)
		return false;
	notes__char((const unsigned char *)text + next, len - next, &c);
	return c.han;
}

/* word_ends_in: is the run of letters that ends at i, starting at from
 * or later and after no letter or digit, one of the n words of list? */
static bool
word_ends_in(const char *text, size_t from, size_t i, const char *const *list,
	     size_t n)
{
	size_t w = i;

	while (w > from && isalpha((unsigned char)text[w - 1]))
		w--;
	if (w == i || (w > 0 && isalnum((unsigned char)text[w - 1])))
		return false;
	for (size_t k = 0; k < n; k++)
		if (i - w == strlen(list[k]) &&
		    strncasecmp(text + w, list[k], i - w) == 0)
			return true;
	return false;
}

/* unfinished: does the line from..last end where no sentence can, on a
 * comma or on a word that only leads into what follows ("treated with
 * fluclox in\n   Sept - developed urticaria", "PENICILLIN (anaphylaxis,\n
 * EpiPen carrier)")? */
static bool
unfinished(const char *text, size_t from, size_t last)
{
	/* a verb that wants its object or complement leads on too ("he
	 * has since had\n  Augmentin (2024) with no reaction", allergy75no,
	 * en-dev74) */
	static const char *const leading[] = {
		"a",   "an",  "the",  "and",  "or",    "in",  "with",
		"to",  "of",  "for",  "from", "after", "by",  "at",
		"had", "has", "have", "is",   "are",   "was", "were"};

	return text[last - 1] == ',' ||
	       word_ends_in(text, from, last, leading,
			    sizeof(leading) / sizeof(leading[0]));
}

/* entry_line: does the line from..last open with a bullet or a number,
 * a list's entry that ends where its writer ended it, a bracket on the
 * next line too ("- Amoxicillin - stomach upset ...\n(we gave it ...)")? */
static bool
entry_line(const char *text, size_t from, size_t last)
{
	while (from < last && isspace((unsigned char)text[from]))
		from++;
	return from < last && (text[from] == '-' || text[from] == '*' ||
			       isdigit((unsigned char)text[from]) ||
			       (last - from >= 3 &&
				memcmp(text + from, "\xe2\x80\xa2", 3) == 0));
}

/* number_then_lower: does text[at] open a number that a lower-case word
 * follows ("... amoxicillin course Jan\n   2019 w/o documented problem",
 * allergy75ob, en-dev74)?  A year or a count goes on the sentence; a
 * list's number has its mark ("2.", "2)") and a date its stroke. */
static bool
number_then_lower(const char *text, size_t len, size_t at)
{
	size_t i = at;

	while (i < len && isdigit((unsigned char)text[i]))
		i++;
	/* a year and its comma ("took Amoxicillin for tonsillitis\n
	 * 2023, no problem.", allergy75pz, en-dev78) */
	if (i - at == 4 && i < len && text[i] == ',')
		i++;
	return i > at && i + 1 < len && text[i] == ' ' &&
	       islower((unsigned char)text[i + 1]);
}

/* table_row: does the line [from, last) hold a table's cell mark?  A
 * table's row ends where its writer ended it, whatever the next row
 * opens with ("morphine | nausea, itch | intolerance | daughter\n\"sulfa\"
 * | unknown"). */
static bool
table_row(const char *text, size_t from, size_t last)
{
	return memchr(text + from, '|', last - from) != NULL;
}

/* quote_then_lower: does text[at] open a quote of lower-case words
 * ("Noreen adds that codeine\n  \"knocks him out\"", allergy75og,
 * en-dev75)?  The quote goes on the sentence before it. */
static bool
quote_then_lower(const char *text, size_t len, size_t at)
{
	return at + 1 < len && text[at] == '"' &&
	       islower((unsigned char)text[at + 1]);
}

/* article_wrapped: does the line from..last end on an article written
 * in lower case, the next line (at next) going on in lower case ("This
 * is photosensitivity, a\n  known side effect, not an allergy",
 * allergy75ow, en-dev76)?  No sentence ends on "a", "an" or "the",
 * however short its line: the writer broke it there. */
static bool
article_wrapped(const char *text, size_t len, size_t from, size_t last,
		size_t next)
{
	static const char *const articles[] = {"a", "an", "the"};

	if (next >= len || !islower((unsigned char)text[next]) ||
	    !word_ends_in(text, from, last, articles, N_OF(articles)))
		return false;
	while (last > from && isalpha((unsigned char)text[last - 1])) {
		if (!islower((unsigned char)text[last - 1]))
			return false;
		last--;
	}
	return true;
}

/* entry_wrapped: does the bulleted entry line from..last end in a
 * letter, no stop, and the next line (its first character at next)
 * go on indented, no bullet or number of its own ("- Codeine (Tylenol
 * #3): generalized itch - intolerance. Tolerates plain\n  Tylenol and
 * hydromorphone.", allergy75py, en-dev78)?  The wrap is the entry's:
 * a brand name opens it in capitals. */
static bool
entry_wrapped(const char *text, size_t len, size_t from, size_t last,
	      size_t next, size_t i)
{
	return entry_line(text, from, last) &&
	       islower((unsigned char)text[last - 1]) && next > i + 1 &&
	       next < len && isupper((unsigned char)text[next]) &&
	       next + 1 < len && islower((unsigned char)text[next + 1]);
}

/* bracket_open: does the line from..last leave a parenthesis open ("3.
 * Antibiotic prophylaxis: cefazolin 2g IV at induction (no\n
 * penicillin or cephalosporin allergy himself).", en-dev80)?  What is
 * inside goes on into the next line, short as the line is. */
static bool
bracket_open(const char *text, size_t from, size_t last)
{
	int depth = 0;

	for (size_t p = from; p < last; p++)
		if (text[p] == '(')
			depth++;
		else if (text[p] == ')' && depth > 0)
			depth--;
	return depth > 0;
}

/* notes__soft_wrap: is the line break at i one that an editor put in prose, not
 * one its writer meant?  The line before it is long (WRAP_MIN_COLUMNS),
 * does not end in a colon (a heading), and the next line goes on in
 * lower case ("... can't take Panadol - gets\n  itchy", "... - not an\n
 * allergy") or, after a line that is no list's entry (entry_line), in a
 * parenthesis ("Allergies: co-trimoxazole\n(rash)"), or the line ends
 * with a dash, a comma or a word that leads into the next (unfinished),
 * so its sentence goes on too, as does a word broken at its hyphen.  A list's
 * lines are short, or start with a bullet, a number or a capital, and stay
 * lines. */
bool
notes__soft_wrap(const char *text, size_t len, size_t i)
{
	size_t from = i, last = i, next = i + 1;

	while (from > 0 && text[from - 1] != '\n')
		from--;
	while (last > from && isspace((unsigned char)text[last - 1]))
		last--;
	while (next < len && (text[next] == ' ' || text[next] == '\t'))
		next++;
	if (last > from && article_wrapped(text, len, from, last, next))
		return true;
	if (bracket_open(text, from, last) && next < len &&
	    islower((unsigned char)text[next]))
		return true;
	if (i - from < WRAP_MIN_COLUMNS || last == from ||
	    text[last - 1] == ':')
		return false;
	if (comma_wrapped(text, len, from, last, next) ||
	    entry_wrapped(text, len, from, last, next, i))
		return true;
	if (next < len && (unfinished(text, from, last) ||
			   (text[next] == '(' && next + 1 < len &&
			    isalpha((unsigned char)text[next + 1]) &&
			    !entry_line(text, from, last))))
		return true;
	/* a dash ending the line waits for what it joins ("\"sulpha drug
	 * -\n? rash, pt not sure\""), and so does a word the writer broke
	 * at its hyphen ("DE-\n  LABELLED at the allergy clinic") */
	return next < len && (islower((unsigned char)text[next]) ||
			      (!table_row(text, from, last) &&
			       (number_then_lower(text, len, next) ||
				quote_then_lower(text, len, next))) ||
			      (text[last - 1] == '-' && last - 1 > from &&
			       (text[last - 2] == ' ' ||
				hyphen_broken(text, last - 1, next))));
}

/* abbreviated: is the full stop at i the end of a short form wards
 * write before a name ("Tab. Ciprofloxacin", "Inj. Ceftriaxone", "Dr.
 * Rao", "Mr. Nambiar", "Br. Anselm", allergy75ni; a hospital's saint,
 * "Tazocin in St. Finbarr's 2024 ... - no issues", allergy75rn)?  It ends
 * no sentence. */
static bool
abbreviated(const char *text, size_t i)
{
	static const char *const forms[] = {
		"tab", "tabs", "inj", "cap", "caps", "syp",  "syr", "dr",
		"mr",  "mrs",  "ms",  "br",  "sr",   "prof", "st"};

	return word_ends_in(text, 0, i, forms,
			    sizeof(forms) / sizeof(forms[0]));
}

/* latin_queried_after_comma: is the "?" at i (the next character at
 * next) written after a full-width comma or an enumeration comma and
 * before a Latin word, a space at most between ("「Amoxicillin – rash，?
 * allergy」", "藥物過敏 Aspirin、?Penicillin", allergy75ii)?  Hong Kong's
 * notes query an English entry so, as English ones do after a space; before
 * a Chinese word the mark opens a clause query_before_zh reads (context.c). */
static bool
latin_queried_after_comma(const char *text, size_t len, size_t i, size_t next)
{
	if (i < 3 || (memcmp(text + i - 3, "\xef\xbc\x8c", 3) != 0 &&
		      memcmp(text + i - 3, "\xe3\x80\x81", 3) != 0))
		return false;
	if (next < len && text[next] == ' ')
		next++;
	return next < len && isalpha((unsigned char)text[next]);
}

/* A "?" (at i, the next character at next) before a word, after a
 * space, marks it uncertain ("? asthma"); one after a word ends a
 * question.  A checklist's "(?)" before its entry marks it so too
 * ("(+) drug: ... ⏎ (?) Ibuprofen - \"namaga daw ang mata\"",
 * allergy75pl, en-dev77), as "(+)" and "(-)" mark theirs. */
static bool
query_mark(const char *text, size_t len, size_t i, size_t next)
{
	/* after a label's colon too ("Ceftriaxone：? 家人话……") */
	bool before = i == 0 || isspace((unsigned char)text[i - 1]) ||
		      text[i - 1] == '(' || text[i - 1] == ':' ||
		      (i >= 3 && memcmp(text + i - 3, "\xef\xbc\x9a", 3) == 0);

	if (i > 0 && text[i - 1] == '(' && next + 1 < len &&
	    text[next] == ')' && text[next + 1] == ' ')
		next++;
	return (before || latin_queried_after_comma(text, len, i, next)) &&
	       next < len &&
	       (word_len((const unsigned char *)text + next, len - next) ||
		(text[next] == ' ' && next + 1 < len &&
		 word_len((const unsigned char *)text + next + 1,
			  len - next - 1)));
}

/* han_before: is the character that ends right before s[i] a Chinese
 * one?  A half-width "?" written onto it is the writer's "？" typed on a
 * Latin keyboard ("冠心病?", "对“利多卡因”过敏?10年前…"): Chinese notes
 * mix the two widths (rules75zh26). */
static bool
han_before(const unsigned char *s, size_t i)
{
	notes_char c;

	if (i < 3)
		return false;
	notes__char(s + i - 3, 3, &c);
	return c.han && c.len == 3;
}

/* genus_initial: is the full stop at i the one after a genus's initial
 * written in Chinese, a lone capital after a Chinese character with a
 * lower-case species after it ("其實係 C. diff 腸炎，唔係過敏", "培养出 E.
 * coli")?  It ends no sentence: the verdict after it is one with the
 * drug before (rules75zh27).  English notes are left as they were. */
static bool
genus_initial(const char *text, size_t len, size_t i)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t at = i >= 2 && text[i - 2] == ' ' ? i - 2 : i - 1;

	return i >= 1 && i + 2 < len && isupper(s[i - 1]) &&
	       han_before(s, at) && text[i + 1] == ' ' && islower(s[i + 2]);
}

/* species_at: does text at i start the species of an organism wards
 * name by its genus's initial ("H. pylori", "C. diff", "E. coli", "S.
 * aureus"), a whole word?  The names are the organisms a ward writes
 * that way (its microbiology reports), in lower case as written. */
static bool
species_at(const char *text, size_t len, size_t i)
{
	static const char *const species[] = {
		"pylori",	"diff",		"difficile",   "coli",
		"aureus",	"pneumoniae",	"aeruginosa",  "faecalis",
		"faecium",	"epidermidis",	"pyogenes",    "agalactiae",
		"influenzae",	"meningitidis", "gonorrhoeae", "trachomatis",
		"albicans",	"jirovecii",	"falciparum",  "vivax",
		"typhi",	"jejuni",	"cloacae",     "baumannii",
		"tuberculosis", "pallidum",	"pertussis",   "monocytogenes"};

	for (size_t k = 0; k < sizeof(species) / sizeof(*species); k++) {
		size_t n = strlen(species[k]);

		if (i + n <= len && strncmp(text + i, species[k], n) == 0 &&
		    (i + n == len || !isalpha((unsigned char)text[i + n])))
			return true;
	}
	return false;
}

/* organism_initial: is the full stop at i the one after a genus's
 * initial in an English sentence, a lone capital with a species named
 * after it (species_at: "H. pylori gastritis", "C. diff colitis")?  It
 * ends no sentence, so the organism's name stays one phrase. */
static bool
organism_initial(const char *text, size_t len, size_t i)
{
	return i >= 1 && isupper((unsigned char)text[i - 1]) &&
	       (i == 1 || !isalnum((unsigned char)text[i - 2])) &&
	       i + 2 < len && text[i + 1] == ' ' &&
	       species_at(text, len, i + 2);
}

/* mark makes t the one-character token of text[at, end). */
static void
mark(notes_tok *t, size_t at, size_t end, notes_tok_type type, char c)
{
	t->type = type;
	t->start = (uint32_t)at;
	t->end = (uint32_t)end;
	t->key[0] = c;
	t->key[1] = '\0';
	t->han = false;
}

/* full_comma: the full-width comma U+FF0C.  It parts Chinese clauses
 * ("否认药物过敏史，有高血压"), so it is a token, a terminator of a
 * trigger's scope in context.csv; an ASCII comma is not. */
static bool
full_comma(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xef && s[1] == 0xbc && s[2] == 0x8c;
}

static void
word(const char *text, size_t len, size_t *pos, bool split, notes_tok *t)
{
	const unsigned char *s = (const unsigned char *)text;
	bool latin, too_long = false;
	size_t end = word_end(s, len, *pos, split, &latin), k = 0;
	notes_char c;
	char one[4];

	for (size_t i = *pos; i < end; i += c.len) {
		size_t n;

		notes__char(s + i, end - i, &c);
		n = fold(&c, s + i, latin, one);
		if (k + n > NOTES_WORD_MAX)
			too_long = true;
		else
			memcpy(t->key + k, one, n);
		k += too_long ? 0 : n;
	}
	t->type = NOTES_TOK_WORD;
	t->start = (uint32_t)*pos;
	t->end = (uint32_t)end;
	t->key[too_long ? 0 : k] = '\0';
	notes__char(s + *pos, end - *pos, &c);
	t->han = c.han;
	*pos = end;
}

/* minus_mark: does a checklist's "(-)" stand at text[i], opening an
 * entry before a Latin word, at a line's start or after a space, colon
 * or comma ("(-) fever, (-) LOW/LOA", "PMHx: (-) HPN", "(-) penicillin
 * allergy", allergy75uf, en-dev92)?  Writers from the Philippines mark
 * what the patient denies so, as "(+)" marks what is present; "NS1 (-)"
 * after its test is a result, no such mark. */
static bool
minus_mark(const char *text, size_t len, size_t i)
{
	const unsigned char *s = (const unsigned char *)text;

	return i + 4 < len && memcmp(text + i, "(-) ", 4) == 0 &&
	       (i == 0 || strchr(" \t\n:,", text[i - 1]) != NULL) &&
	       isalpha(s[i + 4]) && word_len(s + i + 4, len - i - 4);
}

static void
scan(const char *text, size_t len, size_t *pos, bool split, notes_tok *t)
{
	const unsigned char *s = (const unsigned char *)text;
	notes_char c;

	for (size_t i = *pos; i < len; i = *pos) {
		if (word_len(s + i, len - i)) {
			*pos = i;
			word(text, len, pos, split, t);
			return;
		}
		if (minus_mark(text, len, i)) {
			*pos = i + 3;
			mark(t, i, *pos, NOTES_TOK_WORD, '(');
			memcpy(t->key, "(-)", 4);
			return;
		}
		notes__char(s + i, len - i, &c);
		*pos = i + (c.len ? c.len : 1);
		if (c.ascii == '\n' && notes__soft_wrap(text, len, i))
			continue;
		if (c.ascii == '\n' || c.ascii == '!' ||
		    ideographic_stop(s + i, c.len) ||
		    (c.ascii == '.' &&
		     (space_at(text, len, *pos) ||
		      quote_then_space(text, len, *pos)) &&
		     !abbreviated(text, i) && !genus_initial(text, len, i) &&
		     !organism_initial(text, len, i))) {
			mark(t, i, *pos, NOTES_TOK_SENTENCE, '.');
			return;
		}
		if (full_comma(s + i, c.len)) {
			mark(t, i, *pos, NOTES_TOK_WORD, ',');
			memcpy(t->key, "\xef\xbc\x8c", 4);
			return;
		}
		if (c.ascii == ';') {
			mark(t, i, *pos, NOTES_TOK_WORD, ';');
			return;
		}
		if (c.ascii == '?') {
			bool q = query_mark(text, len, i, *pos);

			/* a full-width one after a word queries it, as Chinese
			 * writes a diagnosis in doubt ("肺炎？"), and so does a
			 * half-width one after a Chinese character */
			if (!q && (c.len == 3 || han_before(s, i)) &&
			    (i == 0 || !isspace((unsigned char)text[i - 1]))) {
				mark(t, i, *pos, NOTES_TOK_WORD, '?');
				memcpy(t->key, "\xef\xbc\x9f", 4);
				return;
			}
			/* a checklist's "(?)" is one mark, its brackets with it
			 * (allergy75pl) */
			if (q && i > 0 && text[i - 1] == '(' && *pos < len &&
			    text[*pos] == ')') {
				(*pos)++;
				mark(t, i - 1, *pos, NOTES_TOK_WORD, '?');
				return;
			}
			mark(t, i, *pos,
			     q ? NOTES_TOK_WORD : NOTES_TOK_SENTENCE, '?');
			return;
		}
	}
	*pos = len;
	t->type = NOTES_TOK_END;
	t->start = t->end = (uint32_t)len;
	t->key[0] = '\0';
	t->han = false;
}

void
notes__scan(const char *text, size_t len, size_t *pos, notes_tok *t)
{
	scan(text, len, pos, false, t);
}

void
notes__scan_split(const char *text, size_t len, size_t *pos, notes_tok *t)
{
	scan(text, len, pos, true, t);
}
