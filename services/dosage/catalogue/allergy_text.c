/*
 * allergy_text.c - reading an allergy written in words (see
 * allergy_text.h): words, the known names, exact runs, then bounded
 * spelling mistakes.
 */
#include "allergy_text.h"
#include "substances.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS_MAX 32
#define WORD_MAX  48
#define KEY_MAX	  DOSAGE_ALLERGY_KEY_MAX
#define RUN_MAX	  4 /* the most words a name has */
#define FUZZY_RUN 2 /* the most words a misspelt run has */

/* A known name in comparison form: its words run together. */
typedef struct known {
	char key[KEY_MAX];
	size_t words;
	const char *target;
	dosage_allergy_kind kind;
} known;

typedef struct known_list {
	known *v;
	size_t n, cap;
	bool failed;
} known_list;

/* Words a person puts round an allergy that say nothing of its cause. */
static const char *const fillers[] = {
	"allergy", "allergies",	  "allergic",	"to",	       "class",
	"classes", "intolerance", "intolerant", "sensitivity", NULL,
};

bool
dosage_allergy_kind_parse(const char *s, dosage_allergy_kind *out)
{
	static const char *const names[] = {"brand", "synonym", "misspelling"};
	static const dosage_allergy_kind kinds[] = {
		DOSAGE_ALLERGY_KIND_BRAND, DOSAGE_ALLERGY_KIND_SYNONYM,
		DOSAGE_ALLERGY_KIND_MISSPELLING};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = kinds[i];
			return true;
		}
	return false;
}

const char *
dosage_allergy_kind_name(dosage_allergy_kind k)
{
	switch (k) {
	case DOSAGE_ALLERGY_KIND_SYNONYM:
		return "synonym";
	case DOSAGE_ALLERGY_KIND_BRAND:
		return "brand";
	case DOSAGE_ALLERGY_KIND_MISSPELLING:
		return "misspelling";
	default:
		return "name";
	}
}

/* fold_accent maps the Latin-1 letters of UTF-8 "\xc3" c to ASCII, or 0. */
static char
fold_accent(unsigned char c)
{
	/* 0x80..0xbf after 0xc3: À..ÿ (upper case from 0x80, lower from
	 * 0xa0); the same letters in both halves. */
	static const char map[] = "aaaaaaaceeeeiiiidnooooo.ouuuuyts";

	if (c < 0x80 || c > 0xbf)
		return 0;
	return map[(c - 0x80) & 0x1f] == '.' ? 0 : map[(c - 0x80) & 0x1f];
}

/* split cuts s into lower-case words of letters and digits, accents
 * folded; other non-ASCII bytes belong to words as they are. */
static size_t
split(const char *s, char w[][WORD_MAX], size_t cap)
{
	size_t n = 0, len = 0;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		char c = 0;

		if (*p == 0xc3 && fold_accent(p[1])) {
			c = fold_accent(*++p);
		} else if (*p >= 0x80 || isalnum(*p)) {
			c = (char)tolower(*p);
		}
		if (c == 0) {
			if (len > 0 && n < cap)
				w[n++][len] = '\0';
			len = 0;
			continue;
		}
		if (n < cap && len + 1 < WORD_MAX)
			w[n][len++] = c;
	}
	if (len > 0 && n < cap)
		w[n++][len] = '\0';
	return n;
}

/* join writes words [i, i + k) run together into out. */
static void
join(char w[][WORD_MAX], size_t i, size_t k, char *out)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t j = i; j < i + k; j++)
		off += (size_t)snprintf(out + off, KEY_MAX - off, "%s", w[j]);
}

static void
add_known(known_list *l, const char *name, const char *target,
	  dosage_allergy_kind kind)
{
	char w[WORDS_MAX][WORD_MAX];
	size_t n = split(name, w, WORDS_MAX);

	if (n == 0 || n > RUN_MAX)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		known *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL) {
			l->failed = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	join(w, 0, n, l->v[l->n].key);
	l->v[l->n].words = n;
	l->v[l->n].target = target;
	l->v[l->n].kind = kind;
	l->n++;
}

/* add_list adds each name of a '|' list as kind. */
static void
add_list(known_list *l, const char *list, const char *target,
	 dosage_allergy_kind kind)
{
	char item[KEY_MAX];

	while (list && *list) {
		const char *bar = strchr(list, '|');
		size_t n = bar ? (size_t)(bar - list) : strlen(list);

		snprintf(item, sizeof(item), "%.*s", (int)n, list);
		add_known(l, item, target, kind);
		list = bar ? bar + 1 : list + n;
	}
}

static void
add_substance(const dosage_substance *s, void *ctx)
{
	add_known(ctx, s->code, s->code, DOSAGE_ALLERGY_KIND_NAME);
	add_list(ctx, s->names, s->code, DOSAGE_ALLERGY_KIND_NAME);
}

static void
add_class(const char *code, const char *names, void *ctx)
{
	add_known(ctx, code, code, DOSAGE_ALLERGY_KIND_NAME);
	add_list(ctx, names, code, DOSAGE_ALLERGY_KIND_NAME);
}

/* known_build lists every name: the pharmacy's first, so that its kind
 * (a brand) names a reading the substance table also knows. */
static void
known_build(known_list *l, const dosage_allergy_names *extra)
{
	for (size_t i = 0; extra && i < extra->n; i++)
		add_known(l, extra->rows[i].name, extra->rows[i].target,
			  extra->rows[i].kind);
	dosage_substances_each(add_substance, l);
	dosage_allergy_classes_each(add_class, l);
}

void
dosage_allergy_key(const char *name, char *out, size_t len)
{
	char w[WORDS_MAX][WORD_MAX];
	char key[KEY_MAX];
	size_t n = split(name, w, WORDS_MAX);

	key[0] = '\0';
	if (n > 0 && n <= RUN_MAX)
		join(w, 0, n, key);
	snprintf(out, len, "%s", key);
}

/* same_word: equal, or one is the other with a plural "s". */
static bool
same_word(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == lb)
		return strcmp(a, b) == 0;
	if (la == lb + 1)
		return a[la - 1] == 's' && strncmp(a, b, lb) == 0;
	if (lb == la + 1)
		return b[lb - 1] == 's' && strncmp(a, b, la) == 0;
	return false;
}

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* osa is the optimal string alignment distance of a and b (a swap of two
 * neighbours costs 1), or max + 1 once it is beyond max. */
static size_t
osa(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[KEY_MAX + 1][KEY_MAX + 1];

	if (la >= KEY_MAX || lb >= KEY_MAX ||
	    (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
				       d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[la][lb];
}

/* max_distance is how far a run of len characters may be misspelt. */
static size_t
max_distance(size_t len)
{
	if (len < 5)
		return 0;
	return len < 8 ? 1 : 2;
}

static bool
is_filler(const char *w)
{
	for (size_t i = 0; fillers[i]; i++)
		if (strcmp(w, fillers[i]) == 0)
			return true;
	return false;
}

/* The words of a text and which of them a reading took. */
typedef struct words {
	char w[WORDS_MAX][WORD_MAX];
	bool taken[WORDS_MAX];
	size_t n;
} words;

/* whole: does the run [i, i + k) hold every word that is not a filler? */
static bool
whole(const words *t, size_t i, size_t k)
{
	for (size_t j = 0; j < t->n; j++)
		if ((j < i || j >= i + k) && !is_filler(t->w[j]))
			return false;
	return true;
}

static bool
free_run(const words *t, size_t i, size_t k)
{
	for (size_t j = i; j < i + k; j++)
		if (t->taken[j] || (k == 1 && is_filler(t->w[j])))
			return false;
	return true;
}

static void
add_hit(dosage_allergy_reading *r, words *t, size_t i, size_t k, const known *m,
	bool spelling)
{
	for (size_t j = i; j < i + k; j++)
		t->taken[j] = true;
	for (size_t j = 0; j < r->n; j++)
		if (strcmp(r->hits[j].target, m->target) == 0)
			return;
	if (r->n == DOSAGE_ALLERGY_READ_MAX)
		return;
	r->hits[r->n++] = (dosage_allergy_read_hit){
		.target = m->target,
		.kind = m->kind,
		.spelling = spelling,
		.phrase = !whole(t, i, k),
	};
}

/* exact_runs reads runs that are a known name, longest first. */
static void
exact_runs(const known_list *l, words *t, dosage_allergy_reading *r)
{
	char key[KEY_MAX];

	for (size_t k = RUN_MAX; k >= 1; k--)
		for (size_t i = 0; i + k <= t->n; i++) {
			if (!free_run(t, i, k))
				continue;
			join(t->w, i, k, key);
			for (size_t m = 0; m < l->n; m++)
				if (l->v[m].words >= k &&
				    same_word(key, l->v[m].key)) {
					add_hit(r, t, i, k, &l->v[m], false);
					break;
				}
		}
}

/* covers: is a the class of substance b (a class allergy already stops
 * every member, so a text as near one as the other reads as the class)? */
static bool
covers(const char *a, const char *b)
{
	const dosage_substance *s = dosage_substance_find(b);
	char item[KEY_MAX];
	const char *list = s ? s->classes : "";

	while (*list) {
		const char *bar = strchr(list, '|');
		size_t n = bar ? (size_t)(bar - list) : strlen(list);

		snprintf(item, sizeof(item), "%.*s", (int)n, list);
		if (strcmp(item, a) == 0)
			return true;
		list = bar ? bar + 1 : list + n;
	}
	return false;
}

#define NEAR_MAX 8

/* nearest_pick chooses among the meanings at[0..n) of the nearest names:
 * the one that covers all the others, or -1 (ambiguous). */
static long
nearest_pick(const known_list *l, const long *at, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t all = 0;

		for (size_t j = 0; j < n; j++)
			all += i == j ||
			       strcmp(l->v[at[i]].target, l->v[at[j]].target) ==
				       0 ||
			       covers(l->v[at[i]].target, l->v[at[j]].target);
		if (all == n)
			return at[i];
	}
	return -1;
}

static bool
seen(const known_list *l, const long *at, size_t n, const char *target)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->v[at[i]].target, target) == 0)
			return true;
	return false;
}

/* nearest finds the names nearest key within its distance: the index of
 * one, or -1 for none; *ambiguous when they mean more than one thing
 * and no class among them covers the rest. */
static long
nearest(const known_list *l, const char *key, size_t k, bool *ambiguous)
{
	size_t best = (size_t)-1, klen = strlen(key), n = 0;
	long at[NEAR_MAX], pick;

	*ambiguous = false;
	for (size_t m = 0; m < l->n; m++) {
		size_t nlen = strlen(l->v[m].key);
		size_t max = max_distance(klen < nlen ? klen : nlen), d;

		if (l->v[m].words < k || max == 0 ||
		    (d = osa(key, l->v[m].key, max)) > max || d > best)
			continue;
		if (d < best) {
			best = d;
			n = 0;
		}
		if (seen(l, at, n, l->v[m].target))
			continue;
		if (n == NEAR_MAX) {
			*ambiguous = true;
			return -1;
		}
		at[n++] = (long)m;
	}
	if (n == 0)
		return -1;
	pick = nearest_pick(l, at, n);
	*ambiguous = pick < 0;
	return pick;
}

/* spelt_runs reads the words left as the nearest name, when one. */
static void
spelt_runs(const known_list *l, words *t, dosage_allergy_reading *r)
{
	char key[KEY_MAX];

	for (size_t k = FUZZY_RUN; k >= 1; k--)
		for (size_t i = 0; i + k <= t->n; i++) {
			bool amb;
			long m;

			if (!free_run(t, i, k))
				continue;
			join(t->w, i, k, key);
			m = nearest(l, key, k, &amb);
			r->ambiguous = r->ambiguous || amb;
			if (m >= 0)
				add_hit(r, t, i, k, &l->v[m], true);
		}
}

void
dosage_allergy_read(const char *text, const dosage_allergy_names *extra,
		    dosage_allergy_reading *out)
{
	known_list l = {0};
	words t;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	t.n = split(text, t.w, WORDS_MAX);
	known_build(&l, extra);
	/* Without every name the text cannot be read safely: it stays
	 * uncoded, which stops the dose. */
	if (!l.failed) {
		exact_runs(&l, &t, out);
		spelt_runs(&l, &t, out);
	}
	free(l.v);
}

void
dosage_allergy_read_why(const char *text, const dosage_allergy_read_hit *h,
			char *out, size_t len)
{
	const char *how;

	if (h->spelling)
		how = "spelling";
	else if (h->kind == DOSAGE_ALLERGY_KIND_BRAND)
		how = h->phrase ? "brand name in the text" : "brand name";
	else if (h->kind == DOSAGE_ALLERGY_KIND_SYNONYM)
		how = h->phrase ? "synonym in the text" : "synonym";
	else if (h->kind == DOSAGE_ALLERGY_KIND_MISSPELLING)
		how = "spelling";
	else if (h->phrase)
		how = "in the text";
	else
		how = NULL;
	if (how == NULL)
		out[0] = '\0';
	else
		snprintf(out, len, "allergy \"%.40s\" read as %s (%s)", text,
			 h->target, how);
}

void
dosage_allergy_text_key(const char *text, char *out, size_t len)
{
	words t;
	size_t off = 0;

	t.n = split(text, t.w, WORDS_MAX);
	out[0] = '\0';
	for (size_t i = 0; i < t.n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s",
					i ? " " : "", t.w[i]);
}

const dosage_allergy_coding *
dosage_allergy_coded(const dosage_allergy_codings *c, const char *text)
{
	char key[DOSAGE_ALLERGY_TEXT_KEY_MAX];

	if (c == NULL || c->n == 0)
		return NULL;
	dosage_allergy_text_key(text, key, sizeof(key));
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->rows[i].text_key, key) == 0)
			return &c->rows[i];
	return NULL;
}

/* The reactions that make an allergy severe (docs/dose-safety.md,
 * "Allergy severity"): anaphylaxis, angio-oedema and the severe cutaneous
 * adverse reactions.  Each pattern is matched in a text's key with a space
 * before it (the start of a word), and after it too where it ends with
 * one (a whole word: "sjs", not "sjsomething"). */
static const struct {
	const char *pattern, *name;
} severe_reactions[] = {
	{" anaphyla", "anaphylaxis"},
	{" angio oedema", "angio-oedema"},
	{" angiooedema", "angio-oedema"},
	{" angioedema", "angio-oedema"},
	{" angio edema", "angio-oedema"},
	{" quincke", "angio-oedema"},
	{" stevens johnson", "Stevens-Johnson syndrome"},
	{" sjs ", "Stevens-Johnson syndrome"},
	{" toxic epidermal necrolysis", "toxic epidermal necrolysis"},
	{" lyell", "toxic epidermal necrolysis"},
	{" dress ", "DRESS"},
	{" drug reaction with eosinophilia", "DRESS"},
	{" exanthematous pustulosis", "AGEP"},
	{" agep ", "AGEP"},
	{" severe cutaneous", "severe cutaneous reaction"},
};

const char *
dosage_allergy_severe_reaction(const char *text)
{
	char key[DOSAGE_ALLERGY_TEXT_KEY_MAX], padded[sizeof(key) + 2];

	if (text == NULL || text[0] == '\0')
		return NULL;
	dosage_allergy_text_key(text, key, sizeof(key));
	snprintf(padded, sizeof(padded), " %s ", key);
	for (size_t i = 0;
	     i < sizeof(severe_reactions) / sizeof(severe_reactions[0]); i++)
		if (strstr(padded, severe_reactions[i].pattern) != NULL)
			return severe_reactions[i].name;
	return NULL;
}
