/*
 * qualify.c - a qualifier written beside a problem's term that gives the
 * fourth character of its code (issue 75).  Chinese diagnosis lines wrap
 * a known term in its stage and its side: 骶尾部2期压力性损伤, 压疮Ⅱ期,
 * 慢性腎病第3b期, 双膝骨关节炎, 双侧极重度感音神经性聋, 感音神经性聋（左）,
 * and English ones write "Stage 2 pressure injury", "CKD stage 4".  The
 * term alone is read at its unspecified code (L89.9, N18.9, M17.9,
 * H90.5); a row per stage and per side in the term table would have to
 * be written for every spelling of every term (第3期, 3a期, Ⅲ期, stage
 * III ...), so the qualifier is read here, once, for every term of the
 * code.
 *
 * QUALIFIED gives, for each unspecified code, the code each stage or
 * side narrows it to (WHO ICD-10 2019, icd.who.int/browse10: L89.0-L89.3
 * decubitus ulcer stages I-IV, N18.1-N18.5 chronic kidney disease stages
 * 1-5, M16.0 and M17.0 bilateral primary coxarthrosis and gonarthrosis,
 * H90.0, H90.3 and H90.6 bilateral and H90.1, H90.4 and H90.7 unilateral
 * hearing loss).  A stage is written right before the term or after it
 * in the same item; a side right before it (with the organ and the
 * severity between: 双侧极重度, 雙膝), inside an English term before its
 * organ ("osteoarthritis both knees": the dev sets' writers who code
 * these words below the category all code M17.0) or in a parenthesis
 * after it.
 */
#include "notes_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define STAGES_MAX 5
#define NEAR_BYTES 40 /* how far after a term its stage may be written */

typedef struct qualified {
	const char *unspecified;
	const char *staged[STAGES_MAX]; /* stage 1 ..; NULL: none */
	const char *stage_display[STAGES_MAX];
	const char *bilateral, *bilateral_display;
	const char *unilateral, *unilateral_display;
} qualified;

static const qualified QUALIFIED[] = {
	{"L89.9",
	 {"L89.0", "L89.1", "L89.2", "L89.3"},
	 {"Stage I decubitus ulcer and pressure area",
	  "Stage II decubitus ulcer", "Stage III decubitus ulcer",
	  "Stage IV decubitus ulcer"},
	 NULL,
	 NULL,
	 NULL,
	 NULL},
	{"N18.9",
	 {"N18.1", "N18.2", "N18.3", "N18.4", "N18.5"},
	 {"Chronic kidney disease, stage 1", "Chronic kidney disease, stage 2",
	  "Chronic kidney disease, stage 3", "Chronic kidney disease, stage 4",
	  "Chronic kidney disease, stage 5"},
	 NULL,
	 NULL,
	 NULL,
	 NULL},
	{"M16.9",
	 {NULL},
	 {NULL},
	 "M16.0",
	 "Primary coxarthrosis, bilateral",
	 NULL,
	 NULL},
	{"M17.9",
	 {NULL},
	 {NULL},
	 "M17.0",
	 "Primary gonarthrosis, bilateral",
	 NULL,
	 NULL},
	{"H90.2",
	 {NULL},
	 {NULL},
	 "H90.0",
	 "Conductive hearing loss, bilateral",
	 "H90.1",
	 "Conductive hearing loss, unilateral"},
	{"H90.5",
	 {NULL},
	 {NULL},
	 "H90.3",
	 "Sensorineural hearing loss, bilateral",
	 "H90.4",
	 "Sensorineural hearing loss, unilateral"},
	{"H90.8",
	 {NULL},
	 {NULL},
	 "H90.6",
	 "Mixed conductive and sensorineural hearing loss, bilateral",
	 "H90.7",
	 "Mixed conductive and sensorineural hearing loss, unilateral"},
};

bool
notes__narrowed_code(const char *code)
{
	for (size_t i = 0; i < sizeof(QUALIFIED) / sizeof(QUALIFIED[0]); i++) {
		const qualified *q = &QUALIFIED[i];

		for (size_t s = 0; s < STAGES_MAX && q->staged[s]; s++)
			if (strcmp(q->staged[s], code) == 0)
				return true;
		if ((q->bilateral && strcmp(q->bilateral, code) == 0) ||
		    (q->unilateral && strcmp(q->unilateral, code) == 0))
			return true;
	}
	return false;
}

/* prefix_at: does [p, end) start with one of words?  Returns the end of
 * the longest, or NULL.  ASCII words compare in any case. */
static const char *
prefix_at(const char *p, const char *end, const char *const *words,
	  size_t n_words)
{
	const char *best = NULL;

	for (size_t i = 0; i < n_words; i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(end - p) >= n &&
		    strncasecmp(p, words[i], n) == 0 &&
		    (best == NULL || p + n > best))
			best = p + n;
	}
	return best;
}

#define PREFIX_AT(p, end, words)                                               \
	prefix_at((p), (end), (words), sizeof(words) / sizeof(*(words)))

static const char *
skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* stage_number reads a stage's number at p: 1-5 (3a, 3b are stage 3),
 * Ⅰ-Ⅴ, I-V, 一-五.  Returns it (0: none) and its end in *after. */
static int
stage_number(const char *p, const char *end, const char **after)
{
	/* longest spellings first within each kind, the number at i / 5 */
	static const char *const roman[] = {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"};
	static const char *const latin[] = {"I", "II", "III", "IV", "V"};
	static const char *const han[] = {"一", "二", "三", "四", "五"};
	const char *const *kinds[] = {roman, latin, han};
	int best = 0;
	const char *best_end = NULL;

	if (p < end && *p >= '1' && *p <= '5' &&
	    !(p + 1 < end && isdigit((unsigned char)p[1]))) {
		*after = p + 1;
		if (*after < end && strchr("abAB", **after) != NULL && **after)
			(*after)++;
		return *p - '0';
	}
	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
		for (int i = 0; i < STAGES_MAX; i++) {
			size_t n = strlen(kinds[k][i]);

			if ((size_t)(end - p) >= n &&
			    memcmp(p, kinds[k][i], n) == 0 &&
			    (best_end == NULL || p + n > best_end)) {
				best = i + 1;
				best_end = p + n;
			}
		}
	/* a Latin numeral is a word: "IV期", not "Ill" */
	if (best_end != NULL && isalpha((unsigned char)*p) && best_end < end &&
	    isalpha((unsigned char)*best_end))
		return 0;
	*after = best_end;
	return best;
}

/* stage_at reads a stage written at p: "2期", "第3b期", "Ⅱ期", "三期",
 * "stage 4", "Stage II", "grade 3", "category 2".  Returns its number (0: none)
 * and its end in *after. */
static int
stage_at(const char *p, const char *end, const char **after)
{
	static const char *const ordinal[] = {"第"};
	/* "category": the UK and European (NPUAP/EPUAP) pressure ulcer
	 * classification's word for a stage */
	static const char *const english[] = {"stage", "grade", "category"};
	static const char *const period[] = {"期"};
	const char *q;
	int stage;

	if ((q = PREFIX_AT(p, end, english)) != NULL) {
		stage = stage_number(skip_spaces(q, end), end, after);
		return stage != 0 && (*after == end ||
				      !isalnum((unsigned char)**after))
			       ? stage
			       : 0;
	}
	if ((q = PREFIX_AT(p, end, ordinal)) != NULL)
		p = q;
	stage = stage_number(p, end, &q);
	if (stage == 0 ||
	    (q = PREFIX_AT(skip_spaces(q, end), end, period)) == NULL)
		return 0;
	*after = q;
	return stage;
}

/* stage_before: the stage written right before the term at start
 * ("2期压力性损伤", "Stage 2 pressure injury"), or 0. */
static int
stage_before(const char *text, uint32_t start)
{
	const char *end = text + start, *after;

	while (end > text && end[-1] == ' ')
		end--;
	for (size_t back = 1; back <= 12 && back <= (size_t)(end - text);
	     back++) {
		int stage = stage_at(end - back, end, &after);

		if (stage != 0 && after == end)
			return stage;
	}
	return 0;
}

/* item_end: is p where the term's item ends, at paren_depth parentheses
 * opened since the term?  A full stop, semicolon or line ends it; a comma
 * or enumeration comma only outside a parenthesis ("压力性损伤（骶尾部，2
 * 期）"), and a parenthesis closed that the term did not open. */
static bool
item_end(const char *p, const char *end, int *paren_depth)
{
	static const char *const stops[] = {"。", "；", ";", "\n"};
	static const char *const commas[] = {"，", ",", "、"};
	static const char *const open[] = {"（", "("};
	static const char *const close[] = {"）", ")"};

	if (PREFIX_AT(p, end, stops) != NULL)
		return true;
	if (PREFIX_AT(p, end, open) != NULL)
		(*paren_depth)++;
	else if (PREFIX_AT(p, end, close) != NULL && --(*paren_depth) < 0)
		return true;
	return *paren_depth == 0 && PREFIX_AT(p, end, commas) != NULL;
}

/* stage_after: the stage written after the term ending at from, in its
 * item ("压疮Ⅱ期", "慢性腎病第3b期", "CKD stage 4", "压力性损伤（骶尾部，2
 * 期）"), or 0. */
static int
stage_after(const char *text, size_t len, uint32_t from)
{
	const char *p = text + from, *end = text + len, *after;
	const char *limit = len - from > NEAR_BYTES ? p + NEAR_BYTES : end;
	int depth = 0;

	for (; p < limit; p++) {
		int stage;

		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		if (item_end(p, end, &depth))
			return 0;
		/* "15期" is no stage 5 */
		if (isdigit((unsigned char)p[-1]))
			continue;
		if ((stage = stage_at(p, end, &after)) != 0)
			return stage;
	}
	return 0;
}

/* A side: both (双, 两侧, bilateral) or one (左, 右, 单侧). */
enum side { SIDE_NONE, SIDE_BOTH, SIDE_ONE };

/* side_word reads a side at p, its end in *after. */
static enum side
side_word(const char *p, const char *end, const char **after)
{
	static const char *const both[] = {"双侧", "雙側", "两侧",     "兩側",
					   "双",   "雙",   "bilateral"};
	static const char *const one[] = {"单侧", "單側", "左侧", "右侧",
					  "左側", "右側", "左",	  "右"};
	const char *q;

	if ((q = PREFIX_AT(p, end, both)) != NULL) {
		*after = q;
		return SIDE_BOTH;
	}
	if ((q = PREFIX_AT(p, end, one)) != NULL) {
		*after = q;
		return SIDE_ONE;
	}
	return SIDE_NONE;
}

/* side_before: the side written before the term at start, with the
 * organ and the severity between ("双膝骨关节炎", "双侧极重度感音神经性聋",
 * "雙耳 sensorineural hearing loss"), or SIDE_NONE. */
static enum side
side_before(const char *text, uint32_t start)
{
	static const char *const organ[] = {
		"膝关节", "膝關節", "髋关节", "髖關節", "膝", "髋", "髖", "耳"};
	static const char *const severity[] = {"极重度", "極重度", "中重度",
					       "轻中度", "輕中度", "轻度",
					       "輕度",	 "中度",   "重度"};
	const char *end = text + start, *after, *q;

	while (end > text && end[-1] == ' ')
		end--;
	for (size_t back = 1; back <= 27 && back <= (size_t)(end - text);
	     back++) {
		enum side side = side_word(end - back, end, &after);

		if (side == SIDE_NONE)
			continue;
		if ((q = PREFIX_AT(after, end, organ)) != NULL)
			after = q;
		if ((q = PREFIX_AT(after, end, severity)) != NULL)
			after = q;
		if (skip_spaces(after, end) == end)
			return side;
	}
	return SIDE_NONE;
}

/* side_within: "both" or "bilateral" as a word inside an English term
 * that names the organ after it ("osteoarthritis both knees", "OA of
 * both knees", "osteoarthritis bilateral knees"), or SIDE_NONE. */
static enum side
side_within(const char *p, const char *end)
{
	static const char *const both[] = {"both", "bilateral"};
	const char *after;

	for (; p < end; p++) {
		if (*p != ' ' && *p != '\n')
			continue;
		after = PREFIX_AT(p + 1, end, both);
		if (after != NULL && after < end &&
		    (*after == ' ' || *after == '\n'))
			return SIDE_BOTH;
	}
	return SIDE_NONE;
}

/* side_after: a side in a parenthesis right after the term
 * ("感音神经性聋（左）", "(bilateral)"), or SIDE_NONE. */
static enum side
side_after(const char *text, size_t len, uint32_t from)
{
	static const char *const open[] = {"（", "("};
	const char *p = text + from, *end = text + len, *after;

	if ((p = PREFIX_AT(skip_spaces(p, end), end, open)) == NULL)
		return SIDE_NONE;
	return side_word(p, end, &after);
}

/* qualify narrows f's code by its stage or side, when QUALIFIED has a
 * row for it.  The side may open the term itself (the table's
 * 双膝骨关节炎) or stand inside it ("OA both knees"). */
static void
qualify(notes_finding *f, const char *text, size_t len)
{
	for (size_t i = 0; i < sizeof(QUALIFIED) / sizeof(*QUALIFIED); i++) {
		const qualified *q = &QUALIFIED[i];
		const char *after;
		enum side side;
		int stage;

		if (strcmp(f->code, q->unspecified) != 0)
			continue;
		stage = stage_before(text, f->start);
		if (stage == 0 && f->end < len)
			stage = stage_after(text, len, f->end);
		if (stage != 0 && q->staged[stage - 1] != NULL) {
			f->code = q->staged[stage - 1];
			f->display = q->stage_display[stage - 1];
			return;
		}
		side = side_word(text + f->start, text + f->end, &after);
		if (side == SIDE_NONE)
			side = side_within(text + f->start, text + f->end);
		if (side == SIDE_NONE)
			side = side_before(text, f->start);
		if (side == SIDE_NONE && f->end < len)
			side = side_after(text, len, f->end);
		if (side == SIDE_BOTH && q->bilateral != NULL) {
			f->code = q->bilateral;
			f->display = q->bilateral_display;
		} else if (side == SIDE_ONE && q->unilateral != NULL) {
			f->code = q->unilateral;
			f->display = q->unilateral_display;
		}
		return;
	}
}

/*
 * A complication written with 伴 ("with") right after a term:
 * 2型糖尿病伴酮症, 2型糖尿病（伴）酮症, 急性阑尾炎伴局限性腹膜炎, 肾积水伴感染.
 * Where WHO ICD-10 2019 has one code for the pair (E10.1, E11.1, E14.1
 * diabetes with ketoacidosis; K35.2, K35.3 acute appendicitis with
 * generalized or localized peritonitis; N13.6 pyonephrosis), the term's
 * code becomes it, for every spelling of the term.  The 伴 must follow
 * the term directly, so a term the list merely goes on to (左肾积水、感染)
 * keeps its own code.  Stone before hydronephrosis (结石伴肾积水, N13.2)
 * is not joined: the dev sets' writers code it both ways.
 */
typedef struct joined_with {
	const char *code;     /* the term's code */
	const char *words[3]; /* the other half of the pair */
	const char *joined;   /* the pair's code */
	const char *display;
} joined_with;

static const joined_with JOINED_WITH[] = {
	{"E10.9",
	 {"酮症", NULL},
	 "E10.1",
	 "Type 1 diabetes mellitus with ketoacidosis"},
	{"E11.9",
	 {"酮症", NULL},
	 "E11.1",
	 "Type 2 diabetes mellitus with ketoacidosis"},
	{"E14.9",
	 {"酮症", NULL},
	 "E14.1",
	 "Unspecified diabetes mellitus with ketoacidosis"},
	{"K35.8",
	 {"局限性腹膜炎", NULL},
	 "K35.3",
	 "Acute appendicitis with localized peritonitis"},
	{"K35.8",
	 {"弥漫性腹膜炎", "彌漫性腹膜炎", "瀰漫性腹膜炎"},
	 "K35.2",
	 "Acute appendicitis with generalized peritonitis"},
	{"N13.3", {"感染", NULL}, "N13.6", "Pyonephrosis"},
};

/* with_word: is "伴" (or 并, 合并, 併, 合併) at p, perhaps in a
 * parenthesis ("（伴）")?  Returns its end, or NULL. */
static const char *
with_word(const char *p, const char *end)
{
	static const char *const with[] = {"伴", "并", "合并", "併", "合併"};
	static const char *const open[] = {"（", "("};
	static const char *const close[] = {"）", ")"};
	const char *q = PREFIX_AT(p, end, open);

	if ((p = PREFIX_AT(q ? q : p, end, with)) == NULL)
		return NULL;
	if (q != NULL && (p = PREFIX_AT(p, end, close)) == NULL)
		return NULL;
	return p;
}

/* words_start_at: does one of words (NULL-ended, at most 3) start at p? */
static bool
words_start_at(const char *p, const char *end, const char *const *words)
{
	for (size_t i = 0; i < 3 && words[i] != NULL; i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(end - p) >= n && memcmp(p, words[i], n) == 0)
			return true;
	}
	return false;
}

/* join_with gives f the code of the pair its term and a complication
 * written with 伴 make, when JOINED_WITH has one. */
static void
join_with(notes_finding *f, const char *text, size_t len)
{
	for (size_t i = 0; i < sizeof(JOINED_WITH) / sizeof(*JOINED_WITH);
	     i++) {
		const joined_with *j = &JOINED_WITH[i];
		const char *p;

		if (strcmp(f->code, j->code) != 0)
			continue;
		if ((p = with_word(text + f->end, text + len)) == NULL ||
		    !words_start_at(p, text + len, j->words))
			continue;
		f->code = j->joined;
		f->display = j->display;
		return;
	}
}

/*
 * A type written after the term instead of before it: "AF (paroxysmal)",
 * "Atrial fibrillation (permanent)", "depression, moderate",
 * "schizophrenia (paranoid)", 心房颤动(阵发性), 精神分裂症（偏执型）,
 * 地中海贫血（轻型）.  The term table knows the type before the term
 * (paroxysmal AF, 阵发性心房颤动 ...); writing it after does not change
 * the problem, so the words right after the term, in a parenthesis or
 * after a comma or a dash, are read as if written before it, for every
 * term.  Only a phrase the table codes in the term's own ICD-10 category
 * is taken, so a list that goes on to another problem ("AF, HTN")
 * narrows nothing.
 */
#define TYPE_AFTER_WORDS 4 /* the most words of a type after a term */

/* key_append appends t's key to the comparison form at out (k bytes),
 * as the lexicon joins a phrase: a space between words but none beside
 * a Chinese character. */
static bool
key_append(char *out, size_t cap, size_t *k, bool *han, const notes_tok *t)
{
	size_t n = strlen(t->key);

	if (n == 0 || *k + n + 2 > cap)
		return false;
	if (*k != 0 && !*han && !t->han)
		out[(*k)++] = ' ';
	memcpy(out + *k, t->key, n);
	*k += n;
	out[*k] = '\0';
	*han = t->han;
	return true;
}

/* same_category: are codes a and b in one ICD-10 category? */
static bool
same_category(const char *a, const char *b)
{
	return strlen(a) >= 3 && strlen(b) >= 3 && strncmp(a, b, 3) == 0;
}

/* diabetes_code: is code in WHO ICD-10's diabetes block (E10-E14)? */
static bool
diabetes_code(const char *code)
{
	return strncmp(code, "E1", 2) == 0 && code[2] >= '0' && code[2] <= '4';
}

/* retypes: may the type written after a term move its code from a to b?
 * Within a category ("肺炎（重症）"), and within the diabetes block, where
 * the type is the category: 糖尿病（2型） is type 2 diabetes (E11), not
 * the unspecified E14 the bare term has. */
static bool
retypes(const char *a, const char *b)
{
	return same_category(a, b) || (diabetes_code(a) && diabetes_code(b));
}

/* term_key writes the comparison form of the term at [start, end) to
 * out and says whether its first word is Chinese; false when it has no
 * word or does not fit. */
static bool
term_key(const char *text, uint32_t start, uint32_t end, char *out, size_t cap,
	 size_t *k, bool *first_han)
{
	size_t pos = start;
	bool han = false;
	notes_tok t;

	*k = 0;
	for (notes__scan(text, end, &pos, &t); t.type == NOTES_TOK_WORD;
	     notes__scan(text, end, &pos, &t)) {
		if (*k == 0)
			*first_han = t.han;
		if (!key_append(out, cap, k, &han, &t))
			return false;
	}
	return *k != 0;
}

/* typed_entry: the problem the type words (the first n_type of type)
 * and the term whose key is term (its first word Chinese when term_han)
 * make when written type first, or NULL. */
static const notes_entry *
typed_entry(const notes_tok *type, size_t n_type, const char *term,
	    size_t term_len, bool term_han)
{
	char key[NOTES_KEY_MAX + 1];
	size_t k = 0;
	bool han = false;
	const notes_entry *e;

	for (size_t i = 0; i < n_type; i++)
		if (!key_append(key, sizeof(key), &k, &han, &type[i]))
			return NULL;
	if (k + term_len + 2 > sizeof(key))
		return NULL;
	if (!han && !term_han)
		key[k++] = ' ';
	memcpy(key + k, term, term_len + 1);
	e = notes__find(key);
	return e != NULL && e->type == NOTES_T_PROBLEM ? e : NULL;
}

/* type_after gives f the code of the phrase its term makes with the type
 * written right after it, behind a parenthesis, a comma or a dash, when
 * the table codes that phrase where retypes lets it move f's code.  A
 * note has some fifty problems: only one an opener follows is tried, and
 * its term's key is built once for its up to four type words. */
static void
type_after(notes_finding *f, const char *text, size_t len)
{
	static const char *const opener[] = {"(", "（", ",", "，", "-", "—"};
	const char *end = text + len;
	const char *p = skip_spaces(text + f->end, end), *q;
	notes_tok type[TYPE_AFTER_WORDS];
	char term[NOTES_KEY_MAX + 1];
	size_t pos, term_len = 0;
	bool term_han = false;

	if ((q = PREFIX_AT(p, end, opener)) == NULL)
		return;
	p = skip_spaces(q, end);
	pos = (size_t)(p - text);
	for (size_t n = 0; n < TYPE_AFTER_WORDS; n++) {
		const notes_entry *e;
		size_t at = pos;

		notes__scan(text, len, &pos, &type[n]);
		/* the type's words stand together, one space apart at most */
		if (type[n].type != NOTES_TOK_WORD ||
		    skip_spaces(text + at, end) != text + type[n].start)
			return;
		if (n == 0 && !term_key(text, f->start, f->end, term,
					sizeof(term), &term_len, &term_han))
			return;
		e = typed_entry(type, n + 1, term, term_len, term_han);
		if (e != NULL && retypes(f->code, e->code) &&
		    strcmp(e->code, f->code) != 0) {
			f->code = e->code;
			f->display = e->display;
			return;
		}
	}
}

/*
 * A problem a drug caused, in the writer's words beside the term:
 * "Hypothyroidism secondary to lithium", "Lithium-induced hypothyroidism",
 * "hypothyroidism (lithium-induced)", "Osteoporosis secondary to
 * recurrent steroid courses", 低血糖（胰島素相關）, 低血糖（磺脲类药物相关
 * 可能）.  WHO ICD-10 2019 gives these problems a subcode for the drug-
 * induced kind, and the dev sets' writers who code below the category
 * code it there (E03.2, E16.0, G62.0, M81.4, H26.3, E27.3, I95.2); the
 * term alone stays at its unspecified code.  Both a word of cause
 * ("induced", "secondary to", 相关, 所致) and a drug (a medicine the reader
 * found there, or a drug word: steroid, 类固醇, 药物) must be written in
 * the term's item, so "hypotension secondary to sepsis" and
 * "hypothyroidism, on levothyroxine" keep the unspecified code.
 */
typedef struct drug_caused {
	const char *unspecified;
	const char *caused, *display;
} drug_caused;

static const drug_caused DRUG_CAUSED[] = {
	{"E03.9", "E03.2",
	 "Hypothyroidism due to medicaments and other exogenous substances"},
	{"E16.2", "E16.0", "Drug-induced hypoglycaemia without coma"},
	{"G62.9", "G62.0", "Drug-induced polyneuropathy"},
	{"M81.9", "M81.4", "Drug-induced osteoporosis"},
	{"H26.9", "H26.3", "Drug-induced cataract"},
	{"E27.4", "E27.3", "Drug-induced adrenocortical insufficiency"},
	{"I95.9", "I95.2", "Hypotension due to drugs"},
};

#define CAUSE_AFTER_BYTES  60 /* how far after a term its cause may be */
#define CAUSE_BEFORE_BYTES 40 /* and before it ("Lithium-induced ...") */

/* word_in: does one of words occur in [p, end)?  ASCII in any case. */
static bool
word_in(const char *p, const char *end, const char *const *words,
	size_t n_words)
{
	for (; p < end; p++)
		if (prefix_at(p, end, words, n_words) != NULL)
			return true;
	return false;
}

#define WORD_IN(p, end, words)                                                 \
	word_in((p), (end), (words), sizeof(words) / sizeof(*(words)))

/* drug_cause_in: do a word of cause and a drug both stand in text's
 * bytes [from, to)?  out's medicine findings there are drugs. */
static bool
drug_cause_in(const notes_reading *out, const char *text, size_t from,
	      size_t to)
{
	static const char *const cause[] = {
		"induced",   "related", "associated", "secondary to", "due to",
		"caused by", "相关",	"相關",	      "所致",	      "引致",
		"引起",	     "诱发",	"誘發"};
	static const char *const drug[] = {"steroid", "drug",	"medication",
					   "类固醇",  "類固醇", "激素",
					   "药物",    "藥物"};

	if (from >= to || !WORD_IN(text + from, text + to, cause))
		return false;
	if (WORD_IN(text + from, text + to, drug))
		return true;
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_MEDICINE &&
		    out->findings[i].start >= from &&
		    out->findings[i].end <= to)
			return true;
	return false;
}

/* item_after: where the item of a term ending at from ends, at most
 * CAUSE_AFTER_BYTES on. */
static size_t
item_after(const char *text, size_t len, size_t from)
{
	const char *p = text + from, *end = text + len;
	const char *limit =
		len - from > CAUSE_AFTER_BYTES ? p + CAUSE_AFTER_BYTES : end;
	int depth = 0;

	for (; p < limit; p++)
		if (((unsigned char)*p & 0xc0) != 0x80 &&
		    item_end(p, end, &depth))
			break;
	return (size_t)(p - text);
}

/* item_before: where the item of a term starting at start begins, at
 * most CAUSE_BEFORE_BYTES back (a line, a full stop, a semicolon or a
 * comma before it ends the search). */
static size_t
item_before(const char *text, size_t start)
{
	static const char *const stops[] = {"。", "；", ";",  "\n", "，",
					    ",",  "、", "（", "("};
	size_t from =
		start > CAUSE_BEFORE_BYTES ? start - CAUSE_BEFORE_BYTES : 0;

	for (size_t p = start; p > from; p--)
		if (PREFIX_AT(text + p - 1, text + start, stops) != NULL)
			return p;
	return from;
}

/* drug_cause gives f the code of its drug-induced kind when the writer
 * names a drug as its cause in its item. */
static void
drug_cause(const notes_reading *out, notes_finding *f, const char *text,
	   size_t len)
{
	for (size_t i = 0; i < sizeof(DRUG_CAUSED) / sizeof(*DRUG_CAUSED);
	     i++) {
		const drug_caused *d = &DRUG_CAUSED[i];

		if (strcmp(f->code, d->unspecified) != 0)
			continue;
		if (!drug_cause_in(out, text, f->end,
				   item_after(text, len, f->end)) &&
		    !drug_cause_in(out, text, item_before(text, f->start),
				   f->start))
			return;
		f->code = d->caused;
		f->display = d->display;
		return;
	}
}

/*
 * An iron deficiency anaemia the writer puts down to a blood loss in its
 * item: "Iron deficiency anaemia (menorrhagia)", "... from chronic blood
 * loss", 缺铁性贫血（月经多）, 缺鐵性貧血（腸道出血）.  WHO ICD-10 2019 codes
 * it D50.0, secondary to blood loss, and the dev sets' writers who code
 * below the category do so wherever a loss is written; alone it stays
 * D50.9.
 */
static void
blood_loss(notes_finding *f, const char *text, size_t len)
{
	static const char *const loss[] = {
		"blood loss", "menorrhagia", "heavy periods", "heavy menstrual",
		"bleed",      "失血",	     "出血",	      "月经多",
		"月經多",     "月经量多",    "月經量多",      "经量多",
		"經量多"};
	size_t after, before;

	if (strcmp(f->code, "D50.9") != 0)
		return;
	after = item_after(text, len, f->end);
	before = item_before(text, f->start);
	if (!WORD_IN(text + f->end, text + after, loss) &&
	    !WORD_IN(text + before, text + f->start, loss))
		return;
	f->code = "D50.0";
	f->display =
		"Iron deficiency anaemia secondary to blood loss (chronic)";
}

/*
 * A fracture whose site the writer names beside the bare term: "fractured
 * left ankle", "Fractured L 5th metatarsal", "fracture distal radius R",
 * "no fracture on X-ray of the hip", 左踝骨折, 2021年跌倒致右腕骨折, 腕部骨折,
 * 下颌骨颏部正中骨折, 颅骨无骨折.  The term alone is T14.2 (fracture of an
 * unspecified body region), which no writer of the 88 development sets
 * codes where a site is written; they code the site's category (S72 hip,
 * S82.8 ankle, S62 wrist ...), so the site in the term's item narrows it,
 * for every spelling of the term.  A wrist fracture the writer calls a
 * Colles or a distal radius fracture in its item ("wrist fracture (L
 * Colles)") is S52.5.  The most specific site is tried first, so 股骨颈
 * is the neck of femur before 股骨 is the femur.  Vertebral fractures are
 * left alone: writers code them osteoporotic (M80) as often as by level.
 */
typedef struct fracture_site {
	const char *code, *display;
	const char *words[10]; /* NULL-ended */
} fracture_site;

static const fracture_site FRACTURE_SITES[] = {
	{"S72.0",
	 "Fracture of neck of femur",
	 {"neck of femur", "femoral neck", "nof", "股骨颈", "股骨頸", NULL}},
	{"S72.1",
	 "Pertrochanteric fracture",
	 {"intertrochanteric", "pertrochanteric", "粗隆间", "粗隆間", "转子间",
	  "轉子間", NULL}},
	{"S52.5",
	 "Fracture of lower end of radius",
	 {"colles", "distal radius", "distal radial", "桡骨远端", "橈骨遠端",
	  NULL}},
	{"S62.0",
	 "Fracture of navicular [scaphoid] bone of hand",
	 {"scaphoid", "手舟骨", "腕舟骨", NULL}},
	{"S62.8",
	 "Fracture of other and unspecified parts of wrist and hand",
	 {"wrist", "腕", NULL}},
	{"S82.8",
	 "Fractures of other parts of lower leg",
	 {"ankle", "malleolus", "malleolar", "weber", "踝", NULL}},
	{"S72.0", "Fracture of neck of femur", {"hip", "髋", "髖", NULL}},
	{"S72.9",
	 "Fracture of femur, part unspecified",
	 {"femur", "femoral", "股骨", NULL}},
	{"S92.3",
	 "Fracture of metatarsal bone",
	 {"metatarsal", "跖骨", "蹠骨", NULL}},
	{"S42.0", "Fracture of clavicle", {"clavicle", "锁骨", "鎖骨", NULL}},
	{"S02.6",
	 "Fracture of mandible",
	 {"mandible", "mandibular", "jaw", "下颌", "下頜", "下顎", "髁突",
	  NULL}},
	{"S02.2", "Fracture of nasal bones", {"nasal", "nose", "鼻骨", NULL}},
	{"S02.9",
	 "Fracture of skull and facial bones, part unspecified",
	 {"skull", "颅骨", "顱骨", NULL}},
	{"S82.2", "Fracture of shaft of tibia", {"tib/fib", "小腿", NULL}},
	{"S52.9",
	 "Fracture of forearm, part unspecified",
	 {"forearm", "前臂", NULL}},
};

/* site_word_at: does word stand at p as a word of its own?  A Chinese
 * word anywhere; an English one not inside another ("hip", not "ship" or
 * "relationship"), a plural allowed. */
static bool
site_word_at(const char *text, const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	const char *after = p + n;

	if ((size_t)(end - p) < n || strncasecmp(p, word, n) != 0)
		return false;
	if ((unsigned char)*word >= 0x80)
		return true;
	if (p > text && isalpha((unsigned char)p[-1]))
		return false;
	if (after < end && (*after == 's' || *after == 'S'))
		after++;
	return after >= end || !isalpha((unsigned char)*after);
}

/* site_in: does one of site's words stand in text's bytes [from, to)? */
static bool
site_in(const char *text, size_t from, size_t to, const fracture_site *site)
{
	for (size_t at = from; at < to; at++)
		for (size_t w = 0; site->words[w] != NULL; w++)
			if (site_word_at(text, text + at, text + to,
					 site->words[w]))
				return true;
	return false;
}

/* fracture_at_site gives a bare fracture (T14.2) the code of the site
 * written in its item, and a wrist fracture (S62.8) the distal radius's
 * when its item names it. */
static void
fracture_at_site(notes_finding *f, const char *text, size_t len)
{
	bool wrist = strcmp(f->code, "S62.8") == 0;
	size_t before, after;

	if (!wrist && strcmp(f->code, "T14.2") != 0)
		return;
	before = item_before(text, f->start);
	after = item_after(text, len, f->end);
	for (size_t i = 0; i < sizeof(FRACTURE_SITES) / sizeof(*FRACTURE_SITES);
	     i++) {
		const fracture_site *site = &FRACTURE_SITES[i];

		if (wrist && strcmp(site->code, "S52.5") != 0)
			continue;
		if (!site_in(text, before, f->start, site) &&
		    !site_in(text, f->end, after, site))
			continue;
		f->code = site->code;
		f->display = site->display;
		return;
	}
}

void
notes__qualify_codes(notes_reading *out, const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		if (f.kind == NOTES_PROBLEM) {
			type_after(&f, text, len);
			qualify(&f, text, len);
			join_with(&f, text, len);
			drug_cause(out, &f, text, len);
			blood_loss(&f, text, len);
			fracture_at_site(&f, text, len);
		}
		if (!notes__same_in(out, n, &f))
			out->findings[n++] = f;
	}
	out->n = n;
}
