/*
 * features.c - what the context model (learned.c) sees of one finding of
 * the rules' reading: the rules' own verdict (kind, context, trigger, a
 * reaction), the words around the mention on its line, the heading it is
 * under, where it sits in the note and what else the note holds.  Words
 * are compared as the scanner compares them (fold.c: full-width forms as
 * ASCII, a traditional ideograph as its simplified one, lower case), each
 * Chinese character a word.  The trainer (tools/notes/train.py) reads the
 * same strings through build/bin/notes-features, so what the model was
 * trained on and what it is given are one function's output.
 */
#include "notes_int.h"

#include <stdio.h>
#include <string.h>

/* The words kept each side of a mention, and of a heading. */
#define WORDS_BEFORE   8
#define WORDS_AFTER    5
#define HEADING_WORDS  6
#define HEADING_MAX    30  /* bytes: a longer line is prose, no heading */
#define HEADING_LOOKUP 8   /* lines looked back for a heading */
#define REACH	       256 /* bytes read along a line each way */

/* A run of words cut from one stretch of text, each with its length. */
typedef struct words {
	char w[WORDS_BEFORE + WORDS_AFTER + HEADING_WORDS][NOTES_WORD_MAX + 1];
	unsigned char len[WORDS_BEFORE + WORDS_AFTER + HEADING_WORDS];
	size_t n;
} words;

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME  1099511628211ull

/*
 * A feature is given to *out part by part as it is cut: open, then its
 * bytes (a prefix such as "b:", a word, a separator), then close.  Each
 * byte goes into the feature's hash at once, and into out->buf only when
 * the caller asked for strings (the CLI, the trainer): the service looks
 * features up by hash and never builds one, while both read the features
 * from this one file's cutting.  A note's hundred findings make some six
 * thousand features.
 */
static void
open_feature(notes_features *out)
{
	out->hash_now = FNV_OFFSET;
	out->len_now = 0;
}

/* feed gives the bytes p[0, len) of the feature being cut. */
static void
feed(notes_features *out, const char *p, size_t len)
{
	uint64_t h = out->hash_now;
	size_t room = sizeof(out->buf) - out->used;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
	out->hash_now = h;
	if (out->strings && out->len_now + len < room)
		memcpy(out->buf + out->used + out->len_now, p, len);
	out->len_now += len;
}

/* close_feature keeps the feature cut since open_feature; one more than
 * the features' count or their bytes hold is dropped, the same whether
 * strings are written or not. */
static void
close_feature(notes_features *out)
{
	size_t len = out->len_now;

	if (out->n == NOTES_FEATURES_MAX ||
	    len + 1 > sizeof(out->buf) - out->used)
		return;
	out->hash[out->n] = out->hash_now;
	if (out->strings) {
		out->buf[out->used + len] = '\0';
		out->f[out->n] = out->buf + out->used;
	}
	out->n++;
	out->used += len + 1;
}

/* feed_str gives the string s; a literal's length is known when built. */
static inline void
feed_str(notes_features *out, const char *s)
{
	feed(out, s, strlen(s));
}

/* add keeps the feature prefix + value. */
static inline void
add(notes_features *out, const char *prefix, const char *value)
{
	open_feature(out);
	feed_str(out, prefix);
	feed_str(out, value);
	close_feature(out);
}

/* add_pair keeps the feature prefix + one + sep + two ("kc=problem|negated").
 */
static void
add_pair(notes_features *out, const char *prefix, const char *one,
	 const char *sep, const char *two)
{
	open_feature(out);
	feed_str(out, prefix);
	feed_str(out, one);
	feed_str(out, sep);
	feed_str(out, two);
	close_feature(out);
}

/* add_word keeps the feature prefix + the word i of ws. */
static inline void
add_word(notes_features *out, const char *prefix, const words *ws, size_t i)
{
	open_feature(out);
	feed_str(out, prefix);
	feed(out, ws->w[i], ws->len[i]);
	close_feature(out);
}

/* push appends the word w[0, len) to ws, over the oldest when ws holds
 * cap words already (the last words before a mention): ws is a ring until
 * in_order puts it back in order. */
static void
push(words *ws, const char *w, size_t len, size_t cap)
{
	size_t slot = ws->n % cap;

	if (len == 0)
		return;
	if (len > NOTES_WORD_MAX)
		len = NOTES_WORD_MAX;
	memcpy(ws->w[slot], w, len);
	ws->len[slot] = (unsigned char)len;
	ws->n++;
}

/* in_order puts the ring of cap words that push made back in the order
 * they were cut, the oldest first: one copy a cut, not one a word. */
static void
in_order(words *ws, size_t cap)
{
	words was;
	size_t oldest = ws->n % cap;

	if (ws->n <= cap)
		return;
	memcpy(&was, ws, sizeof(was));
	for (size_t i = 0; i < cap; i++) {
		size_t from = (oldest + i) % cap;

		memcpy(ws->w[i], was.w[from], was.len[from]);
		ws->len[i] = was.len[from];
	}
	ws->n = cap;
}

/* one_char appends c (at s) to the word being built, or ends the word and
 * pushes c as a word of its own; *wl is the word's length so far. */
static void
one_char(const notes_char *c, const char *s, char *word, size_t *wl, words *ws,
	 size_t keep)
{
	char a = c->ascii ? c->ascii : c->latin;

	if (a && ((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z') ||
		  (a >= '0' && a <= '9'))) {
		if (*wl < NOTES_WORD_MAX)
			word[(*wl)++] = (char)(a | (a >= 'A' ? 0x20 : 0));
		return;
	}
	push(ws, word, *wl, keep);
	*wl = 0;
	if (c->invisible || a == ' ' || a == '\t' || a == '\r' || a == '\n')
		return;
	if (c->simp_len)
		push(ws, c->simp, c->simp_len, keep);
	else if (a)
		push(ws, &a, 1, keep);
	else
		push(ws, s, c->len, keep);
}

/* cut reads the words of text[from, to) into ws, keeping the last keep
 * (or the first keep, when first). */
static void
cut(const char *text, size_t from, size_t to, size_t keep, bool first,
    words *ws)
{
	char word[NOTES_WORD_MAX];
	size_t wl = 0, cap = first ? keep + 1 : keep;
	notes_char c;

	ws->n = 0;
	for (size_t i = from; i < to; i += c.len ? c.len : 1) {
		notes__char((const unsigned char *)text + i, to - i, &c);
		if (c.len == 0)
			continue;
		if (first && ws->n == keep)
			break;
		one_char(&c, text + i, word, &wl, ws, cap);
	}
	if (!(first && ws->n == keep))
		push(ws, word, wl, cap);
	in_order(ws, cap);
	if (ws->n > keep)
		ws->n = keep;
}

/* line_start returns the start of the line at `at`, or, on a line that
 * starts more than REACH bytes back, the first whole word within REACH:
 * a finding's features read a bounded stretch of a long line, so that
 * reading costs the same for a note of one long paragraph. */
static size_t
line_start(const char *text, size_t at)
{
	size_t stop = at > REACH ? at - REACH : 0, i = at;

	while (i > stop && text[i - 1] != '\n')
		i--;
	if (i == 0 || text[i - 1] == '\n')
		return i;
	while (i < at && ((unsigned char)text[i] & 0xc0) == 0x80)
		i++;
	while (i < at && text[i] != ' ' && text[i] != '\t')
		i++;
	return i;
}

/* whole_line: does `at` (from line_start) open its line? */
static bool
whole_line(const char *text, size_t at)
{
	return at == 0 || text[at - 1] == '\n';
}

static size_t
line_end(const char *text, size_t len, size_t at)
{
	size_t stop = len - at > REACH ? at + REACH : len;

	while (at < stop && text[at] != '\n')
		at++;
	return at;
}

/* colon_at: is there a colon, ASCII or full-width, at text[i, to)? */
static size_t
colon_at(const char *text, size_t i, size_t to)
{
	if (text[i] == ':')
		return 1;
	return i + 2 < to && memcmp(text + i, "\xef\xbc\x9a", 3) == 0 ? 3 : 0;
}

/* sentence_end_at: does a sentence or clause end at text[i] (a full stop
 * or semicolon, ASCII or full-width)? */
static bool
sentence_end_at(const char *text, size_t i, size_t to)
{
	return text[i] == '.' || text[i] == ';' ||
	       (i + 2 < to && (memcmp(text + i, "\xe3\x80\x82", 3) == 0 ||
			       memcmp(text + i, "\xef\xbc\x9b", 3) == 0));
}

/* label_end returns where the label that opens the line text[from, to)
 * ends (its colon, within HEADING_MAX bytes, no sentence before it), or
 * 0 when the line opens with none ("Allergies: ...", "既往史：..."). */
static size_t
label_end(const char *text, size_t from, size_t to)
{
	while (from < to && (text[from] == ' ' || text[from] == '\t'))
		from++;
	for (size_t i = from + 1; i < to && i - from <= HEADING_MAX; i++) {
		if (sentence_end_at(text, i, to))
			return 0;
		if (colon_at(text, i, to))
			return i;
	}
	return 0;
}

/* own_label finds the label of the mention's own clause: the last colon
 * before `at` on its line, with at most HEADING_MAX bytes back to the
 * clause's start ("Denies pain. PMH: HTN": "PMH").  Returns false when
 * there is none. */
static bool
own_label(const char *text, size_t ls, size_t at, size_t *from, size_t *to)
{
	size_t c = at;

	while (c > ls && !colon_at(text, c - 1, at))
		c--;
	if (c == ls)
		return false;
	*to = c - 1;
	*from = *to;
	while (*from > ls && !sentence_end_at(text, *from - 1, at) &&
	       *to - *from < HEADING_MAX)
		(*from)--;
	return *from == ls ? whole_line(text, ls)
			   : sentence_end_at(text, *from - 1, at);
}

/* short_line: is text[from, to) a line short enough to be a heading and
 * not a sentence (no full stop)? */
static bool
short_line(const char *text, size_t from, size_t to)
{
	if (to - from >= HEADING_MAX)
		return false;
	for (size_t i = from; i < to; i++)
		if (text[i] == '.' ||
		    (i + 2 < to && memcmp(text + i, "\xe3\x80\x82", 3) == 0))
			return false;
	return true;
}

static bool
blank(const char *text, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			return false;
	return true;
}

/* heading finds the heading a mention at `at` is under: its own line's
 * label, else the nearest line above that is a label or a short line;
 * *from and *to bound it (equal when none).  ls is line_start(text, at). */
static void
heading(const char *text, size_t ls, size_t at, size_t *from, size_t *to)
{
	size_t end;

	if (own_label(text, ls, at, from, to))
		return;
	*from = *to = ls;
	if (!whole_line(text, ls))
		return;
	for (int k = 0; k < HEADING_LOOKUP && ls > 0; k++) {
		size_t prev_end = ls - 1, prev = line_start(text, prev_end);

		ls = prev;
		if (!whole_line(text, prev))
			return; /* a long line: prose, and no heading above */
		if (blank(text, prev, prev_end))
			continue;
		if ((end = label_end(text, prev, prev_end)) != 0 ||
		    short_line(text, prev, prev_end)) {
			*from = prev;
			*to = end ? end : prev_end;
			return;
		}
	}
}

void
notes__heading_of(const char *text, size_t at, size_t *from, size_t *to)
{
	heading(text, line_start(text, at), at, from, to);
}

static void
add_words(notes_features *out, const char *prefix, const words *ws, size_t from,
	  size_t to)
{
	for (size_t i = from; i < to && i < ws->n; i++)
		add_word(out, prefix, ws, i);
}

/* around: the words before the mention on its line, after it, and of
 * its heading. */
static void
around(const char *text, size_t len, const notes_finding *f,
       notes_features *out)
{
	size_t ls = line_start(text, f->start), hf, ht;
	words ws;
	const char *b = text + ls;

	cut(text, ls, f->start, WORDS_BEFORE, false, &ws);
	add_words(out, "b:", &ws, 0, ws.n);
	add_words(out, "b3:", &ws, ws.n > 3 ? ws.n - 3 : 0, ws.n);
	if (ws.n > 0)
		add_word(out, "b1:", &ws, ws.n - 1);
	if (ws.n > 1) {
		open_feature(out);
		feed_str(out, "b2:");
		feed(out, ws.w[ws.n - 2], ws.len[ws.n - 2]);
		feed_str(out, "_");
		feed(out, ws.w[ws.n - 1], ws.len[ws.n - 1]);
		close_feature(out);
	}
	add(out, "lstart=", blank(text, ls, f->start) ? "1" : "0");
	while (b < text + f->start && (*b == ' ' || *b == '\t'))
		b++;
	add(out, "bullet=",
	    whole_line(text, ls) && b < text + f->start &&
			    strchr("-*", *b) != NULL
		    ? "1"
		    : "0");
	cut(text, f->end, line_end(text, len, f->end), WORDS_AFTER, true, &ws);
	add_words(out, "a:", &ws, 0, ws.n);
	add_words(out, "a2:", &ws, 0, 2);
	if (ws.n > 0)
		add_word(out, "a1:", &ws, 0);
	heading(text, ls, f->start, &hf, &ht);
	cut(text, hf, ht, HEADING_WORDS, true, &ws);
	add_words(out, "h:", &ws, 0, ws.n);
}

static bool
has_han(const char *text, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)text[i];

		/* U+3400..U+9FFF: the lead bytes E3..E9 */
		if (c >= 0xe3 && c <= 0xe9)
			return true;
	}
	return false;
}

static bool
upper_word(const char *text, size_t from, size_t to)
{
	size_t letters = 0;

	for (size_t i = from; i < to; i++) {
		if (text[i] >= 'a' && text[i] <= 'z')
			return false;
		letters += text[i] >= 'A' && text[i] <= 'Z';
	}
	return letters > 1;
}

uint64_t
notes__hash(const char *s)
{
	uint64_t h = FNV_OFFSET;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

/* count_same fills note->same: each finding's code compared by its hash
 * first, once for the whole note. */
static void
count_same(const notes_reading *r, notes_feature_note *note)
{
	static __thread uint64_t hash[NOTES_FINDINGS_MAX];

	for (size_t i = 0; i < r->n; i++)
		hash[i] = notes__hash(r->findings[i].code);
	for (size_t i = 0; i < r->n; i++) {
		unsigned same = 0;

		for (size_t k = 0; k < r->n && same < 3; k++)
			same += hash[k] == hash[i] &&
				strcmp(r->findings[k].code,
				       r->findings[i].code) == 0;
		note->same[i] = (unsigned char)same;
	}
}

void
notes__feature_note(const char *text, size_t len, const notes_reading *r,
		    notes_feature_note *note)
{
	note->han = has_han(text, 0, len);
	note->problems = 0;
	for (size_t i = 0; i < r->n; i++)
		note->problems += r->findings[i].kind == NOTES_PROBLEM;
	count_same(r, note);
}

/* verdict: what the rules said of f. */
static void
verdict(const notes_finding *f, notes_features *out)
{
	static const char *const names[] = {
		"negated", "historical", "hypothetical", "family", "uncertain"};
	char ctx[96], cat[4] = {0}, chapter[2] = {f->code[0], '\0'};
	const char *kind = notes_kind_name(f->kind);

	notes_context_text(f->context, ctx, sizeof(ctx));
	add(out, "k=", kind);
	add(out, "c=", ctx);
	add_pair(out, "kc=", kind, "|", ctx);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f->context & (1u << i))
			add(out, "c1=", names[i]);
	add(out, "trig=", f->trigger);
	add(out, "react=", f->reaction[0] ? "1" : "0");
	if (f->kind == NOTES_PROBLEM) {
		add_pair(out, "ch=", kind, "|", chapter);
		memcpy(cat, f->code, strnlen(f->code, 3));
		add(out, "cat=", cat);
	} else {
		add_pair(out, "ch=", kind, "|sub", "");
	}
}

/* bucket writes the small number v, capped at max, as a feature. */
static void
bucket(notes_features *out, const char *prefix, size_t v, size_t max)
{
	char n[3] = {0};

	v = v < max ? v : max; /* max < 100 */
	if (v >= 10)
		n[0] = (char)('0' + v / 10);
	n[v >= 10] = (char)('0' + v % 10);
	add(out, prefix, n);
}

void
notes__features(const char *text, size_t len, const notes_reading *r,
		const notes_feature_note *note, size_t i, notes_features *out)
{
	const notes_finding *f = &r->findings[i];

	out->n = 0;
	out->used = 0;
	add(out, "", "bias");
	verdict(f, out);
	add(out, "zh=", note->han ? "1" : "0");
	add(out, "mzh=", has_han(text, f->start, f->end) ? "1" : "0");
	add(out, "mup=", upper_word(text, f->start, f->end) ? "1" : "0");
	bucket(out, "mlen=", f->end - f->start, 12);
	around(text, len, f, out);
	bucket(out, "relpos=", len ? 5 * (size_t)f->start / len : 0, 4);
	bucket(out, "same=", note->same[i], 3);
	bucket(out, "np=", note->problems / 3, 5);
}

/* The words kept each side of a drug mention for its kind (wider than the
 * context's: "Allergies: penicillin (rash), sulfa (hives), codeine"). */
#define KIND_WORDS 16

/* other_kinds: the kinds besides f's that the reading gives f's code
 * ("xk=medicine": an allergy read also as taken), and how many allergies
 * the note holds. */
static void
other_kinds(const notes_reading *r, size_t i, notes_features *out)
{
	const notes_finding *f = &r->findings[i];
	bool seen[NOTES_MEDICINE + 1] = {false};
	size_t allergies = 0;

	for (size_t k = 0; k < r->n; k++) {
		const notes_finding *g = &r->findings[k];

		allergies += g->kind == NOTES_ALLERGY;
		if (k != i && g->kind != f->kind && g->kind != NOTES_PROBLEM &&
		    strcmp(g->code, f->code) == 0)
			seen[g->kind] = true;
	}
	for (int k = NOTES_ALLERGY; k <= NOTES_MEDICINE; k++)
		if (seen[k])
			add(out, "xk=", notes_kind_name((notes_kind)k));
	bucket(out, "nal=", allergies, 4);
}

void
notes__kind_features(const char *text, size_t len, const notes_reading *r,
		     size_t i, notes_features *out)
{
	const notes_finding *f = &r->findings[i];
	size_t ls = line_start(text, f->start);
	words ws;

	out->n = 0;
	out->used = 0;
	add(out, "sub=", f->code);
	add(out, "sys=", f->system ? f->system : "");
	add(out, "rx=", f->reaction ? f->reaction : "");
	other_kinds(r, i, out);
	cut(text, ls, f->start, KIND_WORDS, false, &ws);
	add_words(out, "wb:", &ws, 0, ws.n);
	cut(text, f->end, line_end(text, len, f->end), KIND_WORDS, true, &ws);
	add_words(out, "wa:", &ws, 0, ws.n);
}
