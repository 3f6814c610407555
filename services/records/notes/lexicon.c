/*
 * lexicon.c - the note reader's table of known phrases (see notes_int.h),
 * read once from the built-in CSV files (knowledge.c): every row checked,
 * sorted by comparison form for a binary search.
 */
#include "notes_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char notes__context_csv[];
extern const char notes__cues_csv[];
extern const char notes__problems_csv[];
extern const char notes__combinations_csv[];
extern const char notes__medicines_csv[];
extern const char notes__members_csv[];

#define ENTRIES_MAX 16384
#define FIELDS_MAX  4
#define LINE_MAX    512

/* A phrase's first word and the most words of a phrase it starts: most
 * words of a note start none, and are passed over at one search. */
typedef struct first_word {
	const char *word;
	size_t max_words;
} first_word;

/* A hash index of a table's keys: each slot holds a row's place + 1 (0
 * when empty) and its key's hash, compared before the key: most words
 * looked up are no phrase, and are told so without a comparison.  A note's
 * words are looked up many times each (a phrase of every length from each word,
 * each word as a first word): a binary search's string comparisons were a third
 * of the reader's time, a look-up here is a hash and one comparison. */
typedef struct key_slot {
	uint32_t place, hash;
} key_slot;

typedef struct key_index {
	key_slot *slot;
	size_t mask;
} key_index;

typedef struct lexicon {
	notes_entry *v;
	size_t n;
	first_word *first;
	size_t n_first;
	key_index by_key, by_first; /* of v (each key's first row), first */
	char problem[160];	    /* "" when every row loaded */
} lexicon;

static lexicon lex;
static pthread_once_t lex_once = PTHREAD_ONCE_INIT;

/* A file, its header and how a row becomes an entry. */
typedef struct source {
	const char *name;
	const char *text;
	const char *header;
	size_t n_fields;
	bool (*row)(char **f, notes_entry *e);
} source;

static const char *const categories[] = {
	"negated",    "historical", "hypothetical", "family",	 "uncertain",
	"pseudo",     "terminator", "allergy",	    "reaction",	 "none_known",
	"indication", "tolerated",  "causes",	    "substance", "class",
	"problem",    NULL,
};

static bool
type_parse(const char *s, notes_type *out)
{
	for (size_t i = 0; categories[i]; i++)
		if (strcmp(s, categories[i]) == 0) {
			*out = (notes_type)i;
			return true;
		}
	return false;
}

/* dir_parse_en6 reads the directions of the English rules learnt from
 * en-dev6 (issue 75): a history word that dates only events, a
 * condition or an anaesthetic plan written after its drug, a drug to
 * avoid, a stop of drugs only; a de-labelling that names only the
 * label after it (rules75zh17: "已 remove penicillin allergy"); and
 * advice to stop written after its drug, of drugs only (rules75en19:
 * "advised to stop"); a past of drugs only, after a date in its sentence
 * (rules75zh21: "5年前…，当时西医予…"); a start put off to a later day,
 * of drugs only, on both sides (medctx75d: "Ramipril - to start after 1
 * week", "（明早开始）"); a switch made, of drugs only, up to its "to"
 * (medctx75d: "switched clarithromycin to doxycycline"); a stop already
 * made by the patient, of drugs only, as 已停 is (medctx75a: "自己停了",
 * "上個月自己停咗": the conditions told before it keep their reading, and
 * the note's later mentions of the drug theirs). */
static bool
dir_parse_en6(const char *s, unsigned *out)
{
	if (strcmp(s, "history_dated") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_PROBLEMS | NOTES_DIR_DATED;
	else if (strcmp(s, "condition_both") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD |
		       NOTES_DIR_BACK_DRUG;
	else if (strcmp(s, "plan_after") == 0)
		*out = NOTES_DIR_BACKWARD | NOTES_DIR_PLAN |
		       NOTES_DIR_BACK_DRUG;
	else if (strcmp(s, "avoid") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_STOP | NOTES_DIR_DRUGS |
		       NOTES_DIR_OWN_ITEM;
	else if (strcmp(s, "stop_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD | NOTES_DIR_STOP |
		       NOTES_DIR_DRUGS;
	else if (strcmp(s, "delabel_forward") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_DELABEL;
	else if (strcmp(s, "stop_backward_drugs") == 0)
		*out = NOTES_DIR_BACKWARD | NOTES_DIR_STOP | NOTES_DIR_DRUGS;
	else if (strcmp(s, "stop_forward_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_STOP | NOTES_DIR_DRUGS;
	else if (strcmp(s, "plan_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD | NOTES_DIR_PLAN |
		       NOTES_DIR_DRUGS;
	else if (strcmp(s, "until_to_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_UNTIL_TO | NOTES_DIR_DRUGS;
	else if (strcmp(s, "dated_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_DRUGS | NOTES_DIR_DATED;
	else if (strcmp(s, "stopped_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD | NOTES_DIR_STOP |
		       NOTES_DIR_DONE | NOTES_DIR_DRUGS;
	else if (strcmp(s, "stop_backward_last") == 0)
		*out = NOTES_DIR_BACKWARD | NOTES_DIR_STOP | NOTES_DIR_DRUGS |
		       NOTES_DIR_LAST_DRUG;
	else
		return false;
	return true;
}

static bool
dir_parse(const char *s, unsigned *out)
{
	if (dir_parse_en6(s, out))
		return true;
	if (strcmp(s, "forward") == 0)
		*out = NOTES_DIR_FORWARD;
	else if (strcmp(s, "backward") == 0)
		*out = NOTES_DIR_BACKWARD;
	else if (strcmp(s, "both") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD;
	else if (strcmp(s, "until_to") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_UNTIL_TO;
	else if (strcmp(s, "plan") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_PLAN;
	else if (strcmp(s, "section") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_SECTION;
	else if (strcmp(s, "section_plan") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_SECTION | NOTES_DIR_PLAN;
	else if (strcmp(s, "stop") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD | NOTES_DIR_STOP;
	else if (strcmp(s, "stopped") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD | NOTES_DIR_STOP |
		       NOTES_DIR_DONE;
	else if (strcmp(s, "decline") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_DECLINE;
	else if (strcmp(s, "decline_both") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD |
		       NOTES_DIR_DECLINE;
	else if (strcmp(s, "conditional") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_PAST_COMMA;
	else if (strcmp(s, "plan_past_comma") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_PLAN |
		       NOTES_DIR_PAST_COMMA;
	else if (strcmp(s, "stop_forward") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_STOP;
	else if (strcmp(s, "stop_backward") == 0)
		*out = NOTES_DIR_BACKWARD | NOTES_DIR_STOP;
	else if (strcmp(s, "as_needed") == 0)
		*out = NOTES_DIR_AS_NEEDED; /* its own clause only */
	else if (strcmp(s, "delabel") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_BACKWARD |
		       NOTES_DIR_DELABEL;
	else if (strcmp(s, "problem") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_PROBLEM;
	else if (strcmp(s, "resolved") == 0)
		*out = NOTES_DIR_BACKWARD | NOTES_DIR_PROBLEM;
	else if (strcmp(s, "scope") == 0)
		*out = NOTES_DIR_SCOPE_ONLY;
	else if (strcmp(s, "continue") == 0)
		*out = NOTES_DIR_SCOPE_ONLY | NOTES_DIR_CONTINUE;
	else if (strcmp(s, "scope_given") == 0)
		*out = NOTES_DIR_SCOPE_ONLY | NOTES_DIR_GIVEN;
	else if (strcmp(s, "given") == 0)
		*out = NOTES_DIR_GIVEN;
	else if (strcmp(s, "lab") == 0)
		*out = NOTES_DIR_LAB;
	else if (strcmp(s, "backward_problems") == 0)
		*out = NOTES_DIR_BACKWARD | NOTES_DIR_PROBLEMS;
	else if (strcmp(s, "forward_problems") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_PROBLEMS;
	else if (strcmp(s, "forward_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_DRUGS;
	else if (strcmp(s, "dated_problems") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_DATED;
	else if (strcmp(s, "section_dated") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_SECTION | NOTES_DIR_DATED;
	else if (strcmp(s, "section_plan_drugs") == 0)
		*out = NOTES_DIR_FORWARD | NOTES_DIR_SECTION | NOTES_DIR_PLAN |
		       NOTES_DIR_DRUGS;
	else if (strcmp(s, "none") == 0)
		*out = 0;
	else
		return false;
	return true;
}

/* context.csv: trigger,category,direction,source */
static bool
context_row(char **f, notes_entry *e)
{
	if (!type_parse(f[1], &e->type) || e->type > NOTES_T_TERMINATOR ||
	    !dir_parse(f[2], &e->dir))
		return false;
	e->code = "";
	if (e->dir & NOTES_DIR_SCOPE_ONLY)
		return e->type == NOTES_T_TERMINATOR;
	if (e->dir == NOTES_DIR_GIVEN || e->dir == NOTES_DIR_LAB)
		return e->type == NOTES_T_PSEUDO;
	return notes__is_trigger(e->type) == (e->dir != 0);
}

/* cues.csv: term,kind,source.  Six kinds are marked NOTES_DIR_BACKWARD:
 * "intolerance" (an allergy cue that reads back past a comma and also
 * names what follows it, NOTES_DIR_FORWARD), "intolerance_after" (one
 * that names only the drug before it: "不想再用"), "delabel_after" (one
 * that says the drug before it in its sentence is no allergy, a
 * de-labelling, NOTES_DIR_DELABEL: "副作用，非过敏"), "tolerated_after" (a
 * tolerated cue after its drug), "caused" (a causes cue of an event:
 * the drug was taken then, "后出现") and "recorded" (an allergy cue that
 * records the story of its sentence's first drug, NOTES_DIR_RECORDED:
 * "recorded as intolerance").  "not_allergy" is a pseudo-trigger that
 * says a drug's reaction is no allergy (NOTES_DIR_NOT_ALLERGY), read
 * around the drug it speaks of ("side effect, not an allergy");
 * "postfix" an allergy cue that names only the drug right before it
 * (NOTES_DIR_POSTFIX); "allergic_sign" a reaction that is a sign of a
 * true allergy (NOTES_DIR_ALLERGIC_SIGN). */
static bool
cue_row(char **f, notes_entry *e)
{
	e->code = "";
	e->dir = NOTES_DIR_BACKWARD;
	if (strcmp(f[1], "delabel_after") == 0) {
		e->type = NOTES_T_ALLERGY_CUE;
		e->dir |= NOTES_DIR_DELABEL;
		return true;
	}
	if (strcmp(f[1], "intolerance") == 0) {
		e->type = NOTES_T_ALLERGY_CUE;
		e->dir |= NOTES_DIR_FORWARD;
		return true;
	}
	if (strcmp(f[1], "intolerance_after") == 0 ||
	    strcmp(f[1], "tolerated_after") == 0) {
		e->type = f[1][0] == 'i' ? NOTES_T_ALLERGY_CUE
					 : NOTES_T_TOLERATED;
		return true;
	}
	if (strcmp(f[1], "caused") == 0) {
		e->type = NOTES_T_CAUSES;
		return true;
	}
	if (strcmp(f[1], "recorded") == 0) {
		e->type = NOTES_T_ALLERGY_CUE;
		e->dir |= NOTES_DIR_RECORDED;
		return true;
	}
	if (strcmp(f[1], "postfix") == 0) {
		e->type = NOTES_T_ALLERGY_CUE;
		e->dir = NOTES_DIR_POSTFIX;
		return true;
	}
	if (strcmp(f[1], "allergic_sign") == 0) {
		e->type = NOTES_T_REACTION;
		e->dir = NOTES_DIR_ALLERGIC_SIGN;
		return true;
	}
	if (strcmp(f[1], "not_allergy") == 0) {
		e->type = NOTES_T_PSEUDO;
		e->dir = NOTES_DIR_NOT_ALLERGY | NOTES_DIR_DELABEL;
		return true;
	}
	e->dir = 0;
	return type_parse(f[1], &e->type) && e->type >= NOTES_T_ALLERGY_CUE &&
	       e->type <= NOTES_T_CAUSES;
}

/* problems.csv: term,code,display,source */
static bool
problem_row(char **f, notes_entry *e)
{
	e->type = NOTES_T_PROBLEM;
	e->code = strdup(f[1]);
	e->display = strdup(f[2]);
	return f[1][0] != '\0';
}

/* medicines.csv: term,kind,code,source */
static bool
medicine_row(char **f, notes_entry *e)
{
	if (!type_parse(f[1], &e->type) ||
	    (e->type != NOTES_T_SUBSTANCE && e->type != NOTES_T_CLASS))
		return false;
	e->code = strdup(f[2]);
	return f[2][0] != '\0';
}

/* combinations.csv: term,substances,source; the substances are
 * dosage's codes joined by "+" ("codeine+paracetamol"), read as one
 * substance whose finding notes__keep splits into its parts. */
static bool
combination_row(char **f, notes_entry *e)
{
	e->type = NOTES_T_SUBSTANCE;
	e->code = strdup(f[1]);
	return strchr(f[1], '+') != NULL && f[1][0] != '+';
}

/* split cuts a CSV line (in place) into at most max fields, quotes
 * honoured; returns how many. */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *w = line, *r = line;

	while (n < max) {
		bool quoted = *r == '"';

		f[n++] = w;
		r += quoted;
		for (; *r; r++) {
			if (quoted && r[0] == '"' && r[1] == '"')
				r++;
			else if (quoted && r[0] == '"') {
				quoted = false;
				continue;
			} else if (!quoted && r[0] == ',')
				break;
			*w++ = *r;
		}
		if (*r != ',') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
	return n + 1; /* too many fields */
}

/* key_of writes phrase's comparison form into e's key: its words, one
 * space apart but for none beside a Chinese character (Chinese is written
 * without spaces, and a note's "青霉素" or "对 penicillin 过敏" must give
 * the same form however it is spaced); counts its words. */
static bool
key_of(const char *phrase, notes_entry *e, char *out, size_t cap)
{
	size_t pos = 0, len = strlen(phrase), k = 0;
	bool han = false;
	notes_tok t;

	e->n_words = 0;
	/* "?" alone is the uncertain mark the scanner gives before a word,
	 * "(-)" a checklist's minus */
	if ((strcmp(phrase, "?") == 0 || strcmp(phrase, "(-)") == 0) &&
	    cap > len) {
		memcpy(out, phrase, len + 1);
		e->n_words = 1;
		e->first_len = (unsigned)len;
		return true;
	}
	for (notes__scan(phrase, len, &pos, &t); t.type == NOTES_TOK_WORD;
	     notes__scan(phrase, len, &pos, &t)) {
		size_t n = strlen(t.key);

		if (n == 0 || ++e->n_words > NOTES_PHRASE_WORDS ||
		    k + n + 2 > cap)
			return false;
		if (k && !han && !t.han)
			out[k++] = ' ';
		memcpy(out + k, t.key, n);
		k += n;
		han = t.han;
		if (e->n_words == 1)
			e->first_len = (unsigned)n;
	}
	out[k] = '\0';
	return t.type == NOTES_TOK_END && k > 0;
}

/* fail keeps the first problem; returns false. */
static bool
fail(const source *s, unsigned line, const char *why)
{
	if (lex.problem[0] == '\0')
		snprintf(lex.problem, sizeof(lex.problem), "%s line %u: %s",
			 s->name, line, why);
	return false;
}

static bool
add_row(const source *s, unsigned line_no, char *line)
{
	char *f[FIELDS_MAX + 1];
	char key[NOTES_KEY_MAX];
	notes_entry *e;

	if (split(line, f, FIELDS_MAX) != s->n_fields)
		return fail(s, line_no, "wrong number of fields");
	if (lex.n == ENTRIES_MAX)
		return fail(s, line_no, "too many phrases");
	e = &lex.v[lex.n];
	memset(e, 0, sizeof(*e));
	if (!key_of(f[0], e, key, sizeof(key)))
		return fail(s, line_no, "not a phrase of 1 to 12 words");
	e->display = "";
	if (!s->row(f, e))
		return fail(s, line_no, "unknown kind, direction or code");
	e->key = strdup(key);
	if (e->key == NULL || e->code == NULL || e->display == NULL)
		return fail(s, line_no, "out of memory");
	if (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_CLASS)
		e->display = e->code;
	e->seq = (unsigned)lex.n++;
	return true;
}

static bool
load_source(const source *s)
{
	const char *p = s->text;
	bool header = true;
	char line[LINE_MAX];

	for (unsigned no = 1; *p; no++) {
		size_t n = strcspn(p, "\n");

		if (n >= sizeof(line))
			return fail(s, no, "line too long");
		memcpy(line, p, n);
		line[n && line[n - 1] == '\r' ? n - 1 : n] = '\0';
		p += n + (p[n] == '\n');
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (header && strcmp(line, s->header) != 0)
			return fail(s, no, "header is not the expected one");
		if (!header && !add_row(s, no, line))
			return false;
		header = false;
	}
	return true;
}

static int
by_key(const void *a, const void *b)
{
	const notes_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	/* one phrase, two rows: the earlier file's row first */
	if (c == 0)
		return x->seq < y->seq ? -1 : (x->seq > y->seq);
	return c;
}

static void index_first(void);
static bool index_build(key_index *x, size_t n, const char *(*key_at)(size_t));
static const char *entry_key(size_t i);
static const char *first_key(size_t i);

static void
load(void)
{
	static const source sources[] = {
		{"context.csv", notes__context_csv,
		 "trigger,category,direction,source", 4, context_row},
		{"cues.csv", notes__cues_csv, "term,kind,source", 3, cue_row},
		{"problems.csv", notes__problems_csv,
		 "term,code,display,source", 4, problem_row},
		{"combinations.csv", notes__combinations_csv,
		 "term,substances,source", 3, combination_row},
		{"medicines.csv", notes__medicines_csv, "term,kind,code,source",
		 4, medicine_row},
	};

	const char *hant = notes__hant_load();

	/* the phrases' comparison forms fold traditional characters too */
	if (hant != NULL)
		snprintf(lex.problem, sizeof(lex.problem), "%s", hant);
	lex.v = calloc(ENTRIES_MAX, sizeof(*lex.v));
	if (lex.v == NULL) {
		snprintf(lex.problem, sizeof(lex.problem), "out of memory");
		return;
	}
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (!load_source(&sources[i]))
			break;
	qsort(lex.v, lex.n, sizeof(*lex.v), by_key);
	index_first();
	if ((!index_build(&lex.by_key, lex.n, entry_key) ||
	     !index_build(&lex.by_first, lex.n_first, first_key)) &&
	    lex.problem[0] == '\0')
		snprintf(lex.problem, sizeof(lex.problem), "out of memory");
}

static int
first_cmp(const void *a, const void *b)
{
	return strcmp(((const first_word *)a)->word,
		      ((const first_word *)b)->word);
}

/* index_first fills lex.first from the sorted phrases. */
static void
index_first(void)
{
	lex.first = calloc(lex.n ? lex.n : 1, sizeof(*lex.first));
	if (lex.first == NULL) {
		snprintf(lex.problem, sizeof(lex.problem), "out of memory");
		return;
	}
	for (size_t i = 0; i < lex.n; i++) {
		size_t words = lex.v[i].n_words;
		char *w;

		if ((w = strndup(lex.v[i].key, lex.v[i].first_len)) == NULL) {
			snprintf(lex.problem, sizeof(lex.problem),
				 "out of memory");
			return;
		}
		lex.first[lex.n_first++] = (first_word){w, words};
	}
	qsort(lex.first, lex.n_first, sizeof(*lex.first), first_cmp);
	/* one row per word, with the longest phrase it starts */
	size_t k = 0;

	for (size_t i = 0; i < lex.n_first; i++) {
		if (k &&
		    strcmp(lex.first[k - 1].word, lex.first[i].word) == 0) {
			if (lex.first[i].max_words > lex.first[k - 1].max_words)
				lex.first[k - 1].max_words =
					lex.first[i].max_words;
			continue;
		}
		lex.first[k++] = lex.first[i];
	}
	lex.n_first = k;
}

/* key_hash is FNV-1a of s. */
static uint32_t
key_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static const char *
entry_key(size_t i)
{
	return lex.v[i].key;
}

static const char *
first_key(size_t i)
{
	return lex.first[i].word;
}

/* index_get returns the place of the row whose key (key_at) is key, or
 * -1. */
static ptrdiff_t
index_get(const key_index *x, const char *(*key_at)(size_t), const char *key)
{
	uint32_t hash = key_hash(key);

	if (x->slot == NULL)
		return -1;
	for (size_t h = hash & x->mask; x->slot[h].place; h = (h + 1) & x->mask)
		if (x->slot[h].hash == hash &&
		    strcmp(key_at(x->slot[h].place - 1), key) == 0)
			return (ptrdiff_t)x->slot[h].place - 1;
	return -1;
}

/* index_build indexes rows [0, n) by key_at, a row whose key the row
 * before it has left out (the first of equal keys is found). */
static bool
index_build(key_index *x, size_t n, const char *(*key_at)(size_t))
{
	size_t size = 16;

	while (size < 4 * n)
		size *= 2;
	if ((x->slot = calloc(size, sizeof(*x->slot))) == NULL)
		return false;
	x->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t hash = key_hash(key_at(i));
		size_t h = hash & x->mask;

		if (i > 0 && strcmp(key_at(i - 1), key_at(i)) == 0)
			continue;
		while (x->slot[h].place)
			h = (h + 1) & x->mask;
		x->slot[h] = (key_slot){(uint32_t)i + 1, hash};
	}
	return true;
}

size_t
notes__first_words(const char *word)
{
	ptrdiff_t i;

	pthread_once(&lex_once, load);
	i = index_get(&lex.by_first, first_key, word);
	return i < 0 ? 0 : lex.first[i].max_words;
}

const notes_entry *
notes__find(const char *key)
{
	ptrdiff_t i;

	pthread_once(&lex_once, load);
	i = index_get(&lex.by_key, entry_key, key);
	return i < 0 ? NULL : &lex.v[i];
}

bool
notes__resolution(const notes_entry *t)
{
	return t != NULL && t->type == NOTES_T_HISTORICAL &&
	       t->dir == (NOTES_DIR_BACKWARD | NOTES_DIR_PROBLEM);
}

bool
notes__is_trigger(notes_type type)
{
	return type <= NOTES_T_UNCERTAIN;
}

const notes_entry *
notes__entries(size_t *n)
{
	pthread_once(&lex_once, load);
	*n = lex.n;
	return lex.v;
}

const char *
notes_lexicon_check(void)
{
	pthread_once(&lex_once, load);
	return lex.problem[0] ? lex.problem : NULL;
}

size_t
notes_lexicon_size(void)
{
	pthread_once(&lex_once, load);
	return lex.n;
}

/* notes__member_of looks the row "code,cls" up in members.csv's text as
 * it is built in: the reader asks it only of the few allergies a note
 * both records and clears, so no table is loaded for it. */
bool
notes__member_of(const char *code, const char *cls)
{
	char row[160];
	int n = snprintf(row, sizeof(row), "\n%s,%s\n", code, cls);

	if (n < 0 || (size_t)n >= sizeof(row) || code[0] == '\0')
		return false;
	return strstr(notes__members_csv, row) != NULL;
}

bool
notes__broad_class(const char *cls)
{
	return strcmp(cls, "antibacterials") == 0 ||
	       strcmp(cls, "analgesics") == 0;
}

/* notes__within_broad: is drug or class code one of broad class broad's,
 * a member of it or a class that holds one (penicillins and sulfonamides
 * hold antibacterials)?  Scans members.csv's rows of the class: asked
 * only of the broad class's rare allergy mentions. */
bool
notes__within_broad(const char *code, const char *broad)
{
	char tail[80];
	int n = snprintf(tail, sizeof(tail), ",%s\n", code);
	const char *p = notes__members_csv;

	if (notes__member_of(code, broad))
		return true;
	if (n < 0 || (size_t)n >= sizeof(tail) || code[0] == '\0')
		return false;
	while ((p = strstr(p, tail)) != NULL) {
		const char *line = p;
		char member[80];
		size_t len;

		while (line > notes__members_csv && line[-1] != '\n')
			line--;
		len = (size_t)(p - line);
		p += n;
		if (len == 0 || len >= sizeof(member))
			continue;
		memcpy(member, line, len);
		member[len] = '\0';
		if (notes__member_of(member, broad))
			return true;
	}
	return false;
}

/* notes__related looks both codes up in members.csv: a drug and its
 * class, or two drugs of one class (heparin and enoxaparin, both
 * heparins), are kept away together after an allergy to either.  A
 * broad class relates nothing: penicillin and ciprofloxacin are both
 * antibacterials. */
bool
notes__related(const char *a, const char *b)
{
	char head[80];
	int n = snprintf(head, sizeof(head), "\n%s,", a);
	const char *p = notes__members_csv;

	if (strcmp(a, b) == 0)
		return true;
	if (notes__broad_class(a) || notes__broad_class(b))
		return false;
	if (notes__member_of(a, b) || notes__member_of(b, a))
		return true;
	if (n < 0 || (size_t)n >= sizeof(head) || a[0] == '\0')
		return false;
	while ((p = strstr(p, head)) != NULL) {
		char cls[80];
		const char *from = p + n, *end = strchr(from, '\n');
		size_t len = end ? (size_t)(end - from) : strlen(from);

		p = from;
		if (len == 0 || len >= sizeof(cls))
			continue;
		memcpy(cls, from, len);
		cls[len] = '\0';
		if (!notes__broad_class(cls) && notes__member_of(b, cls))
			return true;
	}
	return false;
}
