/*
 * learned.c - the context model: a multinomial logistic regression over
 * each problem's and medicine's features (features.c) that re-reads the
 * rules' context where the words around a mention say otherwise, and
 * drops a problem the model is confident no clinician would record
 * (a symptom in a triage list, a condition named as a risk).  Trained
 * by tools/notes/train.py on the development sets' annotations, which
 * many writers made; its weights are knowledge/learned.tsv, built in.
 * Why a model beside the rules: a rule learnt from one writer's phrase
 * seldom reaches the next writer's, while the weights of the words
 * around a mention are learnt from all of them at once
 * (docs/note-reader.md, "The context model").
 *
 * An allergy is never changed here: what the model gets wrong would
 * cost an order check, and an allergy's reading is the rules' alone.
 * Nor is a finding whose context a trigger set: the model reads the
 * mentions no cue of the word lists spoke of.
 * Decisions are taken on the rules' whole reading first, then applied,
 * so that no change moves another finding's features.
 */
#include "notes_int.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLASSES_MAX 16
#define DROP_CLASS  0xffffffffu /* a class's context: the finding dropped */

/* A slot of the index: a feature's notes__hash and its row + 1 (0: an
 * empty slot), side by side so that a probe reads one cache line. */
typedef struct slot {
	uint64_t hash;
	uint32_t row;
} slot;

typedef struct model {
	char *text;	      /* a copy of the file, cut into fields */
	const char **feature; /* sorted */
	slot *slots;	      /* the index of the features by hash */
	size_t mask;	      /* the index's size - 1 */
	float *w;	      /* n × k */
	size_t n, k;
	unsigned ctx[CLASSES_MAX]; /* each class's context bits, DROP_CLASS */
	double drop, margin;	   /* the decision's thresholds */
	double trigger_margin;	   /* margin for a context a trigger set */
	char problem[160];	   /* "" when the file loaded whole */
} model;

static model mdl;
static pthread_once_t mdl_once = PTHREAD_ONCE_INIT;

extern const char notes__learned_tsv[];

static bool
fail(const char *why, size_t line)
{
	snprintf(mdl.problem, sizeof(mdl.problem), "learned.tsv line %zu: %s",
		 line, why);
	return false;
}

/* class_context reads a class name ("DROP", "affirmed",
 * "negated,historical") as context bits. */
static bool
class_context(char *name, unsigned *ctx)
{
	static const char *const names[] = {
		"negated", "historical", "hypothetical", "family", "uncertain"};
	char *save = NULL;

	*ctx = 0;
	if (strcmp(name, "DROP") == 0) {
		*ctx = DROP_CLASS;
		return true;
	}
	if (strcmp(name, "affirmed") == 0)
		return true;
	for (char *t = strtok_r(name, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < 5 && strcmp(t, names[i]) != 0)
			i++;
		if (i == 5)
			return false;
		*ctx |= 1u << i;
	}
	return true;
}

/* setting reads a line "@name\tvalue..." of the file's head. */
static bool
setting(char **f, size_t nf, size_t line)
{
	if (strcmp(f[0], "@classes") == 0) {
		if (nf < 2 || nf - 1 > CLASSES_MAX)
			return fail("@classes wants 1 to 16 classes", line);
		mdl.k = nf - 1;
		for (size_t i = 1; i < nf; i++)
			if (!class_context(f[i], &mdl.ctx[i - 1]))
				return fail("a class is no context", line);
		return true;
	}
	if (nf != 2)
		return fail("a setting wants one value", line);
	if (strcmp(f[0], "@drop") == 0)
		mdl.drop = strtod(f[1], NULL);
	else if (strcmp(f[0], "@margin") == 0)
		mdl.margin = strtod(f[1], NULL);
	else if (strcmp(f[0], "@trigger_margin") == 0)
		mdl.trigger_margin = strtod(f[1], NULL);
	else
		return fail("unknown setting", line);
	return true;
}

/* weights reads a line "feature\tw1...wk" as row mdl.n. */
static bool
weights(char **f, size_t nf, size_t line)
{
	if (mdl.k == 0 || nf != mdl.k + 1)
		return fail("a row wants a feature and one weight a class",
			    line);
	if (mdl.n > 0 && strcmp(mdl.feature[mdl.n - 1], f[0]) >= 0)
		return fail("features not in byte order", line);
	mdl.feature[mdl.n] = f[0];
	for (size_t i = 0; i < mdl.k; i++) {
		char *end;

		mdl.w[mdl.n * mdl.k + i] = strtof(f[i + 1], &end);
		if (end == f[i + 1] || *end != '\0')
			return fail("a weight is no number", line);
	}
	mdl.n++;
	return true;
}

/* split cuts line at its tabs into f (at most max fields). */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;

	for (char *p = line; n < max;) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

static bool
parse(size_t rows)
{
	char *f[CLASSES_MAX + 2], *save = NULL;
	size_t line = 0;

	mdl.feature = calloc(rows, sizeof(*mdl.feature));
	mdl.w = calloc(rows * CLASSES_MAX, sizeof(*mdl.w));
	if (mdl.feature == NULL || mdl.w == NULL)
		return fail("out of memory", 0);
	for (char *l = strtok_r(mdl.text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t nf;

		line++;
		if (l[0] == '#' || l[0] == '\0')
			continue;
		nf = split(l, f, CLASSES_MAX + 2);
		if (!(l[0] == '@' ? setting(f, nf, line)
				  : weights(f, nf, line)))
			return false;
	}
	return mdl.n > 0 || fail("no weights", line);
}

/* index_features builds the index of the features by their 64-bit
 * hash (open addressing, at most two thirds full: 16384 slots of 16
 * bytes for the 9,300 features, a quarter of a megabyte to keep in
 * cache, and a probe rarely leaves its cache line): a finding's sixty-odd
 * features are looked up by the hashes features.c cut, with no string.
 * Two features of the file with one hash would make one's weights the
 * other's: the file is refused instead (none has, at 64 bits); a feature
 * the file lacks takes a row only when its hash is some row's, about once
 * in 2^64 / 10^4 looks. */
static bool
index_features(void)
{
	size_t size = 16;

	while (size < mdl.n + mdl.n / 2)
		size *= 2;
	mdl.slots = calloc(size, sizeof(*mdl.slots));
	if (mdl.slots == NULL)
		return fail("out of memory", 0);
	mdl.mask = size - 1;
	for (size_t i = 0; i < mdl.n; i++) {
		uint64_t hash = notes__hash(mdl.feature[i]);
		size_t h = hash & mdl.mask;

		for (; mdl.slots[h].row; h = (h + 1) & mdl.mask)
			if (mdl.slots[h].hash == hash)
				return fail("two features share a hash", 0);
		mdl.slots[h].hash = hash;
		mdl.slots[h].row = (uint32_t)i + 1;
	}
	return true;
}

/* row_of returns the row of the feature whose notes__hash is hash, or -1. */
static ptrdiff_t
row_of(uint64_t hash)
{
	for (size_t h = hash & mdl.mask; mdl.slots[h].row;
	     h = (h + 1) & mdl.mask)
		if (mdl.slots[h].hash == hash)
			return (ptrdiff_t)mdl.slots[h].row - 1;
	return -1;
}

static void
load(void)
{
	size_t rows = 1;

	mdl.drop = 2.0; /* a probability never reaches it: nothing dropped */
	mdl.trigger_margin = 2.0; /* nor this: a trigger's context stands */
	mdl.text = strdup(notes__learned_tsv);
	if (mdl.text == NULL) {
		fail("out of memory", 0);
		return;
	}
	for (const char *p = mdl.text; *p; p++)
		rows += *p == '\n';
	if (!parse(rows) || !index_features())
		mdl.n = 0;
}

const char *
notes_model_check(void)
{
	pthread_once(&mdl_once, load);
	return mdl.problem[0] ? mdl.problem : NULL;
}

/* classify writes the probability of each class of the features fs. */
static void
classify(const notes_features *fs, double *p)
{
	double top = -INFINITY, sum = 0;

	for (size_t c = 0; c < mdl.k; c++)
		p[c] = 0;
	for (size_t i = 0; i < fs->n; i++) {
		ptrdiff_t row = row_of(fs->hash[i]);

		if (row < 0)
			continue;
		for (size_t c = 0; c < mdl.k; c++)
			p[c] += mdl.w[(size_t)row * mdl.k + c];
	}
	for (size_t c = 0; c < mdl.k; c++)
		top = p[c] > top ? p[c] : top;
	for (size_t c = 0; c < mdl.k; c++)
		sum += p[c] = exp(p[c] - top);
	for (size_t c = 0; c < mdl.k; c++)
		p[c] /= sum;
}

/* conditioned: is f a problem made hypothetical only by a condition or
 * a piece of advice ("if chest pain, return", "如出现发热", 若, 建议, 拟)?
 * Such a trigger is the writer's cue for what to do, not a word on the
 * problem, and the problems it names are mostly not recorded at all: of
 * the 89 development sets where "if", 如, 若 or 如出现 makes a problem
 * hypothetical, 72 leave more such problems out than they annotate, 14
 * annotate more (ctxprob75b).  So the model
 * may drop it, as it drops an untriggered problem, where its weights say
 * no clinician would record it. */
static bool
conditioned(const notes_finding *f)
{
	const notes_entry *t = notes__find(f->trigger);
	unsigned cue = NOTES_DIR_PAST_COMMA | NOTES_DIR_BACK_DRUG;

	return f->kind == NOTES_PROBLEM && f->context == NOTES_HYPOTHETICAL &&
	       t != NULL && t->type == NOTES_T_HYPOTHETICAL && (t->dir & cue);
}

/* heading_planned: is f a problem whose only context is the hypothetical
 * of a plan's heading ("诊疗计划：", "計畫：")?  Such a heading plans the
 * treatment, not the problems its items name as a drug's reason or a
 * test's target ("暂停缬沙坦（血压偏低）", "先做 B肝、結核篩檢"), and the
 * writers do not record them: over the 90 development sets 66 such
 * problems are not annotated at all and 7 are annotated hypothetical
 * (ctxprob75b). */
static bool
heading_planned(const notes_finding *f)
{
	const notes_entry *t = notes__find(f->trigger);
	unsigned heading = NOTES_DIR_SECTION | NOTES_DIR_PLAN;

	return f->kind == NOTES_PROBLEM && f->context == NOTES_HYPOTHETICAL &&
	       t != NULL && t->type == NOTES_T_HYPOTHETICAL &&
	       (t->dir & heading) == heading && !(t->dir & NOTES_DIR_DRUGS);
}

/* category_unseen: has the model no weights for code's ICD-10 category,
 * because no training set held a problem in it?  Its drop is then the
 * chapter's and the words' alone, which learnt what writers leave out of
 * other categories (an injury chapter's reactions and poisonings), not of
 * this one. */
static bool
category_unseen(const char *code)
{
	char feature[8] = "cat=";

	memcpy(feature + 4, code, strnlen(code, 3));
	return row_of(notes__hash(feature)) < 0;
}

/* decide returns what becomes of f given its classes' probabilities p:
 * its context (DROP_CLASS: dropped).  A problem is dropped when DROP is
 * at least mdl.drop likely; a context replaces the rules' when it is
 * more likely than theirs by mdl.margin.  A finding whose context a
 * trigger set ("denies", "plan:", 拟予) is not dropped by the model
 * unless the trigger is a condition or advice (conditioned), a problem
 * only a plan's heading planned is always dropped, and a finding's context
 * changes only by the wider mdl.trigger_margin (the writer's own cue
 * outweighs what the words around it usually mean, unless they say
 * plainly otherwise), and never so that a medicine a trigger planned
 * becomes one taken: the issue names "drugs in a plan read as taken" as
 * an error, though most writers annotate "Plan: IV co-amoxiclav 1.2 g
 * TDS" as given now.  A problem the writer says is over ("resolved",
 * "已治愈") keeps its context: "Hypertension in the past, resolved.
 * Takes bisoprolol daily." is no current hypertension, however often
 * a drug for it beside a past history means one.  Nor does a medicine a
 * switch done moved the patient on to (SWITCHED_ONTO) become past:
 * "Switched from ramipril to losartan in May" is losartan taken now,
 * though a date after a drug most often dates a course that is over.
 * Nor is a problem dropped whose code a stage or side the writer wrote
 * narrowed (qualify.c: "grade 2 pressure ulcer" L89.1): the weights of
 * its category learnt the drops of the bare term ("防压疮", L89.9), and
 * over the 88 development sets the model dropped 30 such staged or
 * sided problems the writers annotate and 2 they do not. */
static unsigned
decide(const notes_finding *f, const double *p)
{
	double mine = 0, best = -1;
	unsigned best_ctx = f->context;
	bool triggered = f->trigger[0] != '\0';
	double margin = triggered ? mdl.trigger_margin : mdl.margin;

	if (triggered && (notes__resolution(notes__find(f->trigger)) ||
			  strcmp(f->trigger, SMOKING_STATUS) == 0))
		return f->context;
	if (heading_planned(f))
		return DROP_CLASS; /* a heading plans no problem */
	for (size_t c = 0; c < mdl.k; c++) {
		if (mdl.ctx[c] == DROP_CLASS) {
			if ((!triggered || conditioned(f)) &&
			    f->kind == NOTES_PROBLEM &&
			    !notes__narrowed_code(f->code) &&
			    !notes__narrowed_by_words(f->code) &&
			    !category_unseen(f->code) && p[c] >= mdl.drop)
				return DROP_CLASS;
			continue;
		}
		if (mdl.ctx[c] == f->context)
			mine = p[c];
		if (p[c] > best) {
			best = p[c];
			best_ctx = mdl.ctx[c];
		}
	}
	if (triggered && f->kind == NOTES_MEDICINE &&
	    (f->context & NOTES_HYPOTHETICAL) &&
	    !(best_ctx & NOTES_HYPOTHETICAL))
		return f->context;
	if (f->kind == NOTES_MEDICINE && f->context == 0 &&
	    strcmp(f->trigger, SWITCHED_ONTO) == 0 &&
	    (best_ctx & NOTES_HISTORICAL))
		return f->context;
	return best > mine + margin ? best_ctx : f->context;
}

/* repeats: will out hold another finding of i's kind and code in i's
 * new context ctx[i]: one the model leaves as it is, or an earlier one it
 * moves there too? */
static bool
repeats(const notes_reading *out, const unsigned *ctx, size_t i)
{
	const notes_finding *f = &out->findings[i];

	for (size_t k = 0; k < out->n; k++) {
		const notes_finding *g = &out->findings[k];
		bool kept = ctx[k] == g->context;

		if (k != i && ctx[k] == ctx[i] && (kept || k < i) &&
		    g->kind == f->kind && strcmp(g->code, f->code) == 0)
			return true;
	}
	return false;
}

/* apply drops the dropped findings and sets the others' new contexts
 * (ctx[i]); a finding moved to a context its kind and code already
 * hold is dropped instead (a repeat is no new finding). */
static void
apply(notes_reading *out, unsigned *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++)
		if (ctx[i] != out->findings[i].context &&
		    ctx[i] != DROP_CLASS && repeats(out, ctx, i))
			ctx[i] = DROP_CLASS;
	for (size_t i = 0; i < out->n; i++) {
		if (ctx[i] == DROP_CLASS)
			continue;
		if (ctx[i] != out->findings[i].context) {
			out->findings[i].context = ctx[i];
			out->findings[i].trigger = "context model";
		}
		out->findings[n++] = out->findings[i];
	}
	out->n = n;
}

/* at_bound: does a sentence or clause end at text[i] (". ", ";", a line,
 * 。 or ；)?  "." only before a space or the end, so "7.2" goes on. */
static bool
at_bound(const char *text, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)text;

	if (u[i] == '\n' || u[i] == ';')
		return true;
	if (u[i] == '.')
		return i + 1 >= len || u[i + 1] == ' ' || u[i + 1] == '\n';
	return i + 2 < len &&
	       ((u[i] == 0xe3 && u[i + 1] == 0x80 && u[i + 2] == 0x82) ||
		(u[i] == 0xef && u[i + 1] == 0xbc && u[i + 2] == 0x9b));
}

/* names_fh: does text[a, b) name a family history ("family history",
 * "family hx", "FHx", "FH" as a word, 家族)? */
static bool
names_fh(const char *text, size_t a, size_t b)
{
	static const char *const cue[] = {"family history", "family hx", "fhx",
					  "fh", "\xe5\xae\xb6\xe6\x97\x8f"};

	for (size_t i = a; i < b; i++) {
		for (size_t c = 0; c < sizeof cue / sizeof cue[0]; c++) {
			size_t n = strlen(cue[c]);

			if (i + n > b || strncasecmp(text + i, cue[c], n) != 0)
				continue;
			if ((unsigned char)cue[c][0] >= 0x80)
				return true;
			if ((i == a || !isalnum((unsigned char)text[i - 1])) &&
			    (i + n == b ||
			     !isalnum((unsigned char)text[i + n])))
				return true;
		}
	}
	return false;
}

/* family_denied: is f a problem the writer denies in the family under a
 * family-history phrase of its own clause ("No family history of
 * epilepsy", "FHx: nil epilepsy", 无精神分裂症家族史, 否认家族恶性高热史)?
 * The rules read it negated and family; the model, which has seen few
 * such pairs, keeps one of the two, and the relative's denial becomes
 * the patient's or a relative's illness. */
static bool
family_denied(const char *text, size_t len, const notes_finding *f)
{
	size_t a = f->start, b = f->end;

	if (f->kind != NOTES_PROBLEM ||
	    f->context != (NOTES_NEGATED | NOTES_FAMILY) || b > len)
		return false;
	while (a > 0 && !at_bound(text, len, a - 1))
		a--;
	while (b < len && !at_bound(text, len, b))
		b++;
	return names_fh(text, a, b);
}

/* named_again: does the text name f's words, as f spells them, anywhere
 * but at f?  The reading holds one finding for a code in a context, and
 * a risk named first ("Metformin HOLD (AKI risk)") stands then for a
 * later mention of the patient's own ("5. AKI -- mild, resolving"). */
static bool
named_again(const char *text, size_t len, const notes_finding *f)
{
	size_t n = f->end - f->start;

	for (size_t i = 0; i + n <= len; i++)
		if (i != f->start &&
		    strncasecmp(text + i, text + f->start, n) == 0)
			return true;
	return false;
}

/* risk_weighed: is f a problem named as a risk, "risk" or 风险 right
 * after it ("hold ramipril while diarrhoeal (AKI risk)", "Metformin -
 * STOPPED (lactic acidosis risk)", "no pre-eclampsia risk factors",
 * "停用布洛芬（消化道出血风险）"), that the model leaves in a context other
 * than hypothetical (ctx)?  The writer weighs a harm the patient may
 * come to, mostly as a drug's reason, not one the patient has: over the
 * development sets 41 such mentions are annotated by no writer, and the
 * writers who annotate a risk annotate it hypothetical, where the model
 * puts most of theirs (issue 75, probfp75d). */
static bool
risk_weighed(const char *text, size_t len, const notes_finding *f, unsigned ctx)
{
	static const char *const zh[] = {"\xe9\xa3\x8e\xe9\x99\xa9", /* 风险 */
					 "\xe9\xa2\xa8\xe9\x9a\xaa"}; /* 風險 */
	size_t e = f->end;

	if (f->kind != NOTES_PROBLEM || ctx == DROP_CLASS ||
	    (ctx & NOTES_HYPOTHETICAL) || e > len)
		return false;
	if (e + 5 <= len && strncasecmp(text + e, " risk", 5) == 0 &&
	    (e + 5 == len || !isalpha((unsigned char)text[e + 5]) ||
	     text[e + 5] == 's'))
		return !named_again(text, len, f);
	for (size_t i = 0; i < sizeof zh / sizeof zh[0]; i++)
		if (e + 6 <= len && memcmp(text + e, zh[i], 6) == 0)
			return !named_again(text, len, f);
	return false;
}

/* SCREEN_TEST_WORDS: how many words may name the test between an
 * infection and its result ("HCV Ab neg", "HIV 4th gen POCT negative"). */
#define SCREEN_TEST_WORDS 5

/* spelt_at: does text[i, len) start with word (ASCII, any case) ending
 * there, not inside a longer word? */
static bool
spelt_at(const char *text, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);

	return i + n <= len && strncasecmp(text + i, word, n) == 0 &&
	       (i + n == len || !isalnum((unsigned char)text[i + n]));
}

/* spelt_in: the bytes of the word of list[0, n) spelt at text[i] (ASCII,
 * any case, not inside a longer word), or 0. */
static size_t
spelt_in(const char *text, size_t len, size_t i, const char *const *list,
	 size_t n)
{
	for (size_t w = 0; w < n; w++)
		if (spelt_at(text, len, i, list[w]))
			return strlen(list[w]);
	return 0;
}

/* prevented_infection: is problem code an infection a vaccine or a
 * course of prophylaxis is named for (chapter I, A00-B99; influenza
 * J09-J11; COVID-19 U07; infective endocarditis I33)? */
static bool
prevented_infection(const char *code)
{
	static const char *const prevented[] = {"J09", "J10", "J11", "U07",
						"I33"};

	if (code[0] == 'A' || code[0] == 'B')
		return true;
	for (size_t i = 0; i < sizeof prevented / sizeof prevented[0]; i++)
		if (strncmp(code, prevented[i], 3) == 0)
			return true;
	return false;
}

/* prevention_named: is f an infection named for its prevention, a
 * vaccine, a jab, a booster, an immunisation or prophylaxis (疫苗) right
 * after it ("typhoid vaccine given today", "will need the varicella
 * vaccine", "No malaria prophylaxis (Bangladesh trip)", "endocarditis
 * prophylaxis not needed")?  The writer names what the patient is
 * protected from, not what the patient has: over the development sets
 * no writer annotates such a mention (issue 75, probfp75f).  The same
 * words named again elsewhere may be the patient's own (named_again). */
static bool
prevention_named(const char *text, size_t len, const notes_finding *f)
{
	static const char *const words[] = {
		"vaccine",	"vaccines",   "vaccination", "vaccinations",
		"jab",		"jabs",	      "booster",     "immunisation",
		"immunization", "prophylaxis"};
	static const char zh[] = "\xe7\x96\xab\xe8\x8b\x97"; /* 疫苗 */
	size_t e = f->end;

	if (f->kind != NOTES_PROBLEM || !prevented_infection(f->code) ||
	    e > len)
		return false;
	if (e + sizeof zh - 1 <= len &&
	    memcmp(text + e, zh, sizeof zh - 1) == 0)
		return !named_again(text, len, f);
	if (e >= len || text[e] != ' ')
		return false;
	return spelt_in(text, len, e + 1, words,
			sizeof words / sizeof words[0]) > 0 &&
	       !named_again(text, len, f);
}

/* negative_at: the bytes of a negative result at text[i] ("negative",
 * "neg", "-ve", "non-reactive", "(-)", 阴性 or 陰性), or 0. */
static size_t
negative_at(const char *text, size_t len, size_t i)
{
	static const char *const word[] = {"negative", "neg", "-ve",
					   "nonreactive", "non-reactive"};
	static const char *const sign[] = {"(-)", "\xe9\x98\xb4\xe6\x80\xa7",
					   "\xe9\x99\xb0\xe6\x80\xa7"};
	size_t n = spelt_in(text, len, i, word, sizeof word / sizeof word[0]);

	for (size_t w = 0; n == 0 && w < sizeof sign / sizeof sign[0]; w++)
		if (i + strlen(sign[w]) <= len &&
		    memcmp(text + i, sign[w], strlen(sign[w])) == 0)
			n = strlen(sign[w]);
	return n;
}

/* test_word_at: the bytes of a word naming a test at text[i] ("Ab",
 * "serology", "POCT", "test", "is"), or 0. */
static size_t
test_word_at(const char *text, size_t len, size_t i)
{
	static const char *const test[] = {
		"ab",	    "antibody", "antibodies", "ag",    "antigen",
		"serology", "screen",	"test",	      "tests", "status",
		"poct",	    "rapid",	"igg",	      "4th",   "gen",
		"was",	    "is",	"are",	      "were",  "both",
		"all",	    "and",	"c",	      "/c",    "hiv"};

	return spelt_in(text, len, i, test, sizeof test / sizeof test[0]);
}

/* result_negative: is problem f an infection a screening test looks for,
 * with a negative result written right after it, past a few words that
 * name the test or the other infections the result is for ("HIV neg",
 * "Hepatitis B and C serology negative", "hepatitis B, C and HIV
 * negative", "HCV Ab -ve", "HBsAg(-)", "HIV: negative", "HIV 阴性")?  Writers
 * list screening results so and annotate the infection negated, where the
 * model, which reads "neg" and "negative" after many other words, sometimes
 * keeps it affirmed ("A1c 8.4. HIV negative."); a positive result or another
 * word first ends the search ("Hep C Ab positive, RNA negative"). */
static bool
result_negative(const char *text, size_t len, const notes_finding *f)
{
	size_t i = f->end, n;

	if (f->kind != NOTES_PROBLEM || !notes__screened_infection(f->code) ||
	    i > len)
		return false;
	for (size_t words = 0; words <= SCREEN_TEST_WORDS; words++) {
		while (i < len &&
		       (text[i] == ' ' || text[i] == ':' || text[i] == ',' ||
			(text[i] == '-' && negative_at(text, len, i) == 0)))
			i++;
		if (negative_at(text, len, i) > 0)
			return true;
		if ((n = test_word_at(text, len, i)) == 0)
			return false;
		i += n;
	}
	return false;
}

void
notes__learned_apply(const char *text, size_t len, notes_reading *out)
{
	static __thread unsigned ctx[NOTES_FINDINGS_MAX];
	static __thread notes_features fs;
	notes_feature_note note;
	double p[CLASSES_MAX];

	if (notes_model_check() != NULL || out->n == 0)
		return;
	notes__feature_note(text, len, out, &note);
	for (size_t i = 0; i < out->n; i++) {
		ctx[i] = out->findings[i].context;
		if (out->findings[i].kind == NOTES_ALLERGY)
			continue;
		notes__features(text, len, out, &note, i, &fs);
		classify(&fs, p);
		ctx[i] = family_denied(text, len, &out->findings[i])
				 ? out->findings[i].context
				 : decide(&out->findings[i], p);
		/* a symptom an assessment names is the writer's problem
		 * (model75s: the weights of the writers who annotate no
		 * complaint learnt to drop them all) */
		if (ctx[i] == DROP_CLASS &&
		    notes__named_symptom(text, len, &out->findings[i]))
			ctx[i] = out->findings[i].context;
		if (risk_weighed(text, len, &out->findings[i], ctx[i]) ||
		    prevention_named(text, len, &out->findings[i]))
			ctx[i] = DROP_CLASS;
		else if (ctx[i] != DROP_CLASS && !(ctx[i] & NOTES_NEGATED) &&
			 result_negative(text, len, &out->findings[i]))
			ctx[i] = (ctx[i] & NOTES_FAMILY) | NOTES_NEGATED;
	}
	apply(out, ctx);
}

void
notes_read(const char *text, size_t len, notes_reading *out)
{
	notes__read_rules(text, len, out);
	notes__learned_apply(text, len, out);
	notes__unplan_taken(out);
	notes__drop_past_falls(out);
	notes__drop_complaints(text, len, out);
}
