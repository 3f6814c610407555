/*
 * match.c - the known phrases of a sentence (the lexicon's, lexicon.c),
 * longest first, left to right: the items every later step reads.  Kept
 * apart because matching knows nothing of context, allergies or sections.
 */
#include "reader_int.h"

#include <string.h>

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

bool
notes__is_concept(notes_type t)
{
	return t >= NOTES_T_SUBSTANCE;
}

/* hyphen_joined finds words i and i + 1, one hyphen between them
 * ("ACE-I"), as the drug or class their letters spell together
 * ("acei"), as dosage's allergy names compare (rules75en14), or NULL. */
static const notes_entry *
hyphen_joined(const sentence *s, size_t i)
{
	char key[NOTES_KEY_MAX];
	const notes_entry *e;
	size_t n = strlen(s->words[i].key);

	if (i + 1 >= s->n || s->words[i].han || s->words[i + 1].han ||
	    s->words[i + 1].start != s->words[i].end + 1 ||
	    s->text[s->words[i].end] != '-' ||
	    n + strlen(s->words[i + 1].key) + 1 > sizeof(key))
		return NULL;
	memcpy(key, s->words[i].key, n);
	memcpy(key + n, s->words[i + 1].key, strlen(s->words[i + 1].key) + 1);
	e = notes__find(key);
	return e && (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_CLASS)
		       ? e
		       : NULL;
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
	if (w == 2 && (e = hyphen_joined(s, i)) != NULL)
		return e;
	k = strlen(key);
	if (k < 4 || key[k - 1] != 's' || key[k - 2] == ' ')
		return NULL;
	key[k - 1] = '\0';
	e = notes__find(key);
	return e && notes__is_concept(e->type) ? e : NULL;
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

/* empty_box_before: does an empty box (□ U+25A1, ☐ U+2610) end at p? */
static bool
empty_box_before(const char *text, const char *p)
{
	return p - text >= 3 && (memcmp(p - 3, "\xe2\x96\xa1", 3) == 0 ||
				 memcmp(p - 3, "\xe2\x98\x90", 3) == 0);
}

/* box_stands_alone: is the box ending at byte end (a word of its own, or
 * a mark, from word w of s on) followed by no word right after it? */
static bool
box_stands_alone(const sentence *s, size_t w, uint32_t end)
{
	while (w < s->n && s->words[w].start < end)
		w++;
	return w >= s->n || s->words[w].start > end;
}

/* box_after: does a checkbox, empty or ticked, follow word i of s, spaces
 * between at most, and no word right after it ("有 □  无 √")?  Such a
 * form boxes each option after it; in "□无 ☑有" the box is 有's. */
static bool
box_after(const sentence *s, size_t i)
{
	static const char *const boxes[] = {
		"\xe2\x96\xa1", "\xe2\x98\x90", "\xe2\x98\x91", "\xe2\x98\x92",
		"\xe2\x88\x9a", "\xe2\x9c\x93", "\xe2\x9c\x94", "\xe2\x96\xa0"};
	uint32_t k = s->words[i].end;

	while (k < s->text_len && s->text[k] == ' ')
		k++;
	for (size_t b = 0; b < N_OF(boxes); b++)
		if (k + 3 <= s->text_len &&
		    memcmp(s->text + k, boxes[b], 3) == 0)
			return box_stands_alone(s, i + 1, k + 3);
	return false;
}

/* notes__unticked: does word i of s follow an empty checkbox ("Drug
 * allergy: [x] Yes  [ ] No", "[ ] No known allergies", "既往病史：□无 ☑有：
 * 甲亢")?  A template's option left unticked says nothing: its "No"
 * negates nothing ("[x] No" does), and its "No known allergies" is no
 * finding. */
bool
notes__unticked(const sentence *s, size_t i)
{
	const char *p = s->text + s->words[i].start;

	while (p > s->text && p[-1] == ' ')
		p--;
	if (empty_box_before(s->text, p))
		return !box_after(s, i); /* "有 □  无 √": the box is 有's */
	if (p == s->text || p[-1] != ']')
		return false;
	p--;
	while (p > s->text && p[-1] == ' ')
		p--;
	return p > s->text && p[-1] == '[';
}

/* SPLIT_NAME_MIN: the fewest letters of a name read across a space
 * that split it. */
#define SPLIT_NAME_MIN 7

/* join_keys writes a then b into key, which the caller sized for both
 * and the terminator. */
static void
join_keys(char *key, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	memcpy(key, a, la);
	memcpy(key + la, b, lb + 1);
}

/* split_name returns the substance or problem that words i and i + 1
 * of s name when written together, neither starting a known phrase
 * ("CODE INE causes nausea", "hyper lipidemia": a dictation that split
 * the name), or NULL. */
static const notes_entry *
split_name(const sentence *s, size_t i)
{
	char key[NOTES_KEY_MAX];
	const char *a, *b;
	const notes_entry *e;

	if (i + 1 >= s->n || s->words[i].han || s->words[i + 1].han)
		return NULL;
	a = s->words[i].key;
	b = s->words[i + 1].key;
	if (strlen(a) + strlen(b) < SPLIT_NAME_MIN ||
	    strlen(a) + strlen(b) >= sizeof(key) || notes__first_words(a) ||
	    notes__first_words(b) ||
	    s->words[i + 1].start != s->words[i].end + 1)
		return NULL;
	join_keys(key, a, b);
	e = notes__find(key);
	return e && (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_PROBLEM)
		       ? e
		       : NULL;
}

/* negation_first returns the negation word that starts the Chinese
 * problem phrase e, words [i, i + w) of s, when the words after that
 * negation start a longer problem of their own ("无尿频尿痛": not
 * anuria "无尿" and then "频", but "无" denying "尿频" and "尿痛"), or
 * NULL.  A phrase ending where the other does ("无尿。") stays whole. */
static const notes_entry *
negation_first(const sentence *s, size_t i, size_t w, const notes_entry *e)
{
	const notes_entry *neg, *next;

	if (e->type != NOTES_T_PROBLEM || w < 2 || !s->words[i].han)
		return NULL;
	neg = notes__find(s->words[i].key);
	if (neg == NULL || neg->type != NOTES_T_NEGATED)
		return NULL;
	for (size_t v = max_words(s->words[i + 1].key); v >= w; v--) {
		if (i + 1 + v > s->n)
			continue;
		next = lookup(s, i + 1, v);
		if (next && next->type == NOTES_T_PROBLEM)
			return neg;
	}
	return NULL;
}

/* denial_of_named returns the negation word that starts tolerated cue e,
 * words [i, i + w) of s, when "to" follows the cue ("No reaction to
 * latex gloves": the reaction denied names what it would be to, a
 * denial, not a course taken without harm), or NULL (vocab75bm). */
static const notes_entry *
denial_of_named(const sentence *s, size_t i, size_t w, const notes_entry *e)
{
	const notes_entry *neg;

	if (e->type != NOTES_T_TOLERATED || w < 2 || i + w >= s->n ||
	    strcmp(s->words[i + w].key, "to") != 0)
		return NULL;
	neg = notes__find(s->words[i].key);
	return neg != NULL && neg->type == NOTES_T_NEGATED ? neg : NULL;
}

/* adjective_cut returns how many words of the phrase at words [i, i + w)
 * of s stand before a trailing 过敏 that the next word, 性, makes the
 * adjective "allergic" of a condition ("无过敏性休克", "否认过敏性鼻炎":
 * no anaphylaxis, no allergic rhinitis, not "no allergy" and then 性休克),
 * or w when it does not.  The words before are matched alone, as the
 * denial of what follows. */
static size_t
adjective_cut(const sentence *s, size_t i, size_t w)
{
	if (w < 3 || i + w >= s->n ||
	    strcmp(s->words[i + w - 2].key, "过") != 0 ||
	    strcmp(s->words[i + w - 1].key, "敏") != 0 ||
	    strcmp(s->words[i + w].key, "性") != 0)
		return w;
	return w - 2;
}

/* PERCENT_SHORT_MAX: the longest short form read as a unit after a
 * percent sign. */
#define PERCENT_SHORT_MAX 4

/* percent_short_form: is e, word i of s alone, a short substance name
 * written right after a percent ("FEV1 38% pred")?  Lung-function
 * results give a share of the predicted value, and "pred" there is that
 * word, not prednisolone.  A full name after a strength ("2%
 * chlorhexidine") stays a drug. */
static bool
percent_short_form(const sentence *s, size_t i, size_t w, const notes_entry *e)
{
	const char *p = s->text + s->words[i].start;

	if (e->type != NOTES_T_SUBSTANCE || w != 1 ||
	    s->words[i].end - s->words[i].start > PERCENT_SHORT_MAX)
		return false;
	while (p > s->text && p[-1] == ' ')
		p--;
	return p > s->text && p[-1] == '%';
}

/* bracketed_same_zh: is substance e, words w0 to w1 of s, the same
 * substance as the Chinese drug item right before it, alone in a
 * full-width bracket after it ("双氯芬酸（扶他林）长期间断服用，无不适")?
 * The brand names the drug again: that item takes in the bracket's
 * words, so the words after it are the drug's ("长期服用", allergy75jj).
 * Only in an allergy list, where those words say whether the line is an
 * entry; the finding's span takes in the bracket. */
static bool
bracketed_same_zh(sentence *s, const notes_entry *e, size_t w0, size_t w1)
{
	item *prev = s->n_items > 0 ? &s->items[s->n_items - 1] : NULL;
	uint32_t from, to;

	if (prev == NULL || !s->allergy_list || e->type != NOTES_T_SUBSTANCE ||
	    prev->e->type != NOTES_T_SUBSTANCE || prev->w1 != w0 ||
	    !s->words[prev->w0].han || strcmp(prev->e->code, e->code) != 0)
		return false;
	from = prev->end;
	to = s->words[w0].start;
	if (to - from != 3 || memcmp(s->text + from, FW_OPEN, 3) != 0)
		return false;
	to = s->words[w1 - 1].end;
	if (to + 3 > s->text_len || memcmp(s->text + to, FW_CLOSE, 3) != 0)
		return false;
	prev->w1 = w1;
	prev->end = to + 3;
	return true;
}

/* free_of_unread: is e, word i of s, a "free" hyphened to a word no
 * item was read from ("chlorhex-free catheter pack", "nut-free diet")?
 * It says what the thing after it lacks; it denies nothing read before
 * it ("CHLORHEXIDINE (blistering rash) - …, chlorhex-free catheter pack
 * used"). */
static bool
free_of_unread(const sentence *s, size_t i, const notes_entry *e)
{
	uint32_t at = s->words[i].start;

	return e->type == NOTES_T_NEGATED && strcmp(e->key, "free") == 0 &&
	       i > 0 && at > 0 && s->text[at - 1] == '-' &&
	       s->words[i - 1].end == at - 1 &&
	       (s->n_items == 0 || s->items[s->n_items - 1].w1 != i);
}

/* pharmacological_effect: do the words of s from w on name an effect
 * "related" to or "induced" by the class before them that the drugs'
 * pharmacology causes, no allergy ("opioid-related histamine
 * release/pruritus, NOT an allergic reaction", "opioid-induced
 * constipation")?  The class names the effect's kind; a denial of
 * allergy after it is the drug's given, not the class's. */
static bool
pharmacological_effect(const sentence *s, size_t w)
{
	static const char *const linked[] = {"related", "induced"};
	static const char *const effects[] = {
		"histamine",  "pruritus",     "itch",	      "itching",
		"nausea",     "vomiting",     "constipation", "sedation",
		"drowsiness", "hyperalgesia", "ileus",	      "bradycardia"};

	return w + 1 < s->n && notes__words_in(s, w, linked, N_OF(linked)) &&
	       notes__words_in(s, w + 1, effects, N_OF(effects));
}

/* effect_kind: is class e, words i to i + w of s, the kind of an effect
 * named right after it (pharmacological_effect) ("recorded as an opioid side
 * effect, not allergy", "麻醉科記錄為 opioid 常見副作用",
 * "阿片类常见不良反应")?  The class says what the effect is typical of, no drug
 * given or avoided: the drug that caused it is the entry's own
 * ("Morphine：皮膚癢……"). */
static bool
effect_kind(const sentence *s, size_t i, size_t w, const notes_entry *e)
{
	static const char *const usual[] = {"common", "typical", "known",
					    "class", "的"};
	static const char *const effect[] = {"side effect", "side effects",
					     "adverse effect",
					     "adverse effects"};

	if (e->type != NOTES_T_CLASS)
		return false;
	if (pharmacological_effect(s, i + w))
		return true;
	for (w += i;;)
		if (notes__words_in(s, w, usual, N_OF(usual)))
			w++;
		else if (notes__words_at(s, w, "常见"))
			w += 2;
		else
			break;
	for (size_t k = 0; k < N_OF(effect); k++)
		if (notes__phrase_at(s, w, effect[k]))
			return true;
	return notes__words_at(s, w, "副作用") ||
	       notes__words_at(s, w, "不良反应");
}

/* Words a Chinese problem's name may carry inside it, between the organ
 * and the disease: a part of the site (十二指肠球部溃疡, 左小腿前侧溃疡,
 * 输尿管上段结石), the severity (二尖瓣重度狭窄, 中性粒细胞轻度减少), the
 * side, a closed or open fracture (胫腓骨闭合性骨折) and the course
 * (哺乳期急性乳腺炎).  None changes the term's category, so the term
 * read around it is the finding. */
static const char *const inner_modifiers_zh[] = {
	"球部", "前侧", "后侧",	  "内侧",   "外侧", "上段",   "中段",	"下段",
	"上叶", "中叶", "下叶",	  "中度",   "重度", "极重度", "中重度", "左侧",
	"右侧", "双侧", "闭合性", "开放性", "急性", "部",     "大",	"稍",
};

/* INNER_PREFIX_MAX: the most characters of a term read before the word
 * it carries inside. */
#define INNER_PREFIX_MAX 8

/* inner_modifier_len returns the characters of the modifier spelt at word
 * w of s, written right after the word before it, or 0. */
static size_t
inner_modifier_len(const sentence *s, size_t w)
{
	const char *key = s->words[w].key;
	size_t best = 0;

	/* every character of a Chinese note is tried here, up to eight
	 * times: the modifier's first character, three bytes, is the cheap
	 * no before the comparison word by word */
	if (!s->words[w].han || strlen(key) != 3)
		return 0;
	for (size_t m = 0;
	     m < sizeof(inner_modifiers_zh) / sizeof(*inner_modifiers_zh);
	     m++) {
		const char *modifier = inner_modifiers_zh[m];
		size_t len;

		if (memcmp(modifier, key, 3) != 0)
			continue;
		len = strlen(modifier) / 3;
		if (len > best && w + len < s->n &&
		    notes__words_at(s, w, modifier))
			best = len;
	}
	return best;
}

/* han_run: are words [a, b) of s Chinese characters written side by
 * side, no space or mark between them? */
static bool
han_run(const sentence *s, size_t a, size_t b)
{
	for (size_t w = a; w < b; w++)
		if (!s->words[w].han ||
		    (w > a && s->words[w].start != s->words[w - 1].end))
			return false;
	return true;
}

/* gapped_problem looks up words [i, j) and then [k, k + r) of s as one
 * problem's name. */
static const notes_entry *
gapped_problem(const sentence *s, size_t i, size_t j, size_t k, size_t r)
{
	char key[NOTES_KEY_MAX], rest[NOTES_KEY_MAX];
	const notes_entry *e;
	size_t n;

	if (!join(s, i, j - i, key, sizeof(key)) ||
	    !join(s, k, r, rest, sizeof(rest)) ||
	    (n = strlen(key)) + strlen(rest) >= sizeof(key))
		return NULL;
	memcpy(key + n, rest, strlen(rest) + 1);
	e = notes__find(key);
	return e && e->type == NOTES_T_PROBLEM ? e : NULL;
}

/* two_problems: are words [i, j) a problem and the words from k another
 * ("肾结石双侧肾积水" has no term, but were both named, the modifier
 * would part two findings, not sit inside one)? */
static bool
two_problems(const sentence *s, size_t i, size_t j, size_t k)
{
	const notes_entry *a = lookup(s, i, j - i), *b;

	if (a == NULL || a->type != NOTES_T_PROBLEM)
		return false;
	for (size_t v = max_words(s->words[k].key); v > 0; v--)
		if (k + v <= s->n && (b = lookup(s, k, v)) != NULL &&
		    b->type == NOTES_T_PROBLEM)
			return true;
	return false;
}

/* inner_modified_zh returns the Chinese problem whose name starts at word
 * i of s and goes on after a modifier written inside it (one of
 * inner_modifiers_zh), all in one run of characters, when it reaches
 * further than the w words read plainly; *span is then its words. */
static const notes_entry *
inner_modified_zh(const sentence *s, size_t i, size_t w, size_t *span)
{
	size_t most = notes__first_words(s->words[i].key);

	if (!s->words[i].han || most < 2)
		return NULL;
	for (size_t j = i + 1;
	     j < s->n && j - i < most && j - i <= INNER_PREFIX_MAX &&
	     han_run(s, i, j + 1);
	     j++) {
		size_t m = inner_modifier_len(s, j), k = j + m;

		if (m == 0 || !han_run(s, j, k + 1))
			continue;
		for (size_t r = most - (j - i); r > 0; r--) {
			const notes_entry *e;

			if (k + r > s->n || k + r - i <= w ||
			    !han_run(s, k, k + r))
				continue;
			e = gapped_problem(s, i, j, k, r);
			if (e && !two_problems(s, i, j, k)) {
				*span = k + r - i;
				return e;
			}
		}
	}
	return NULL;
}

/* HAN_RUN_MAX: the most characters of a Chinese run compared with a
 * name it may be a slip of. */
#define HAN_RUN_MAX 10

/* allergy_told: is s under an allergy heading, or has it named an
 * allergy cue before the word being matched ("过敏史：头孢曲送（皮疹）")? */
static bool
allergy_told(const sentence *s)
{
	if (s->allergy_list || s->allergy_line_zh)
		return true;
	for (size_t k = 0; k < s->n_items; k++)
		if (s->items[k].e->type == NOTES_T_ALLERGY_CUE)
			return true;
	return false;
}

/* name_ends: does a name read up to word j of s end where a word does:
 * the sentence's end, a word not Chinese or set apart, or a character
 * that opens a known phrase ("头孢曲送（皮疹）", "阿莫西临\"胶囊", "…过敏")?
 * A run that goes on ("枸橼酸封管") is some other word. */
static bool
name_ends(const sentence *s, size_t j)
{
	return j >= s->n || !s->words[j].han ||
	       s->words[j].start != s->words[j - 1].end ||
	       notes__first_words(s->words[j].key) > 0;
}

/* slipped_han reads the Chinese characters from word i of s, where an
 * allergy is told, as the substance or class name they are one slipped
 * character from (notes__near_han: "阿莫西临" is 阿莫西林), when no phrase
 * matched there (*e NULL) or only a shorter drug's ("头孢" of "头孢曲送").
 * A slip elsewhere in a note is left unread: a drug invented from an
 * ordinary word would be worse than one missed. */
static void
slipped_han(const sentence *s, size_t i, const notes_entry **e, size_t *w)
{
	char run[HAN_RUN_MAX * 3 + 1];
	size_t n = 0, len = 0;
	const notes_entry *near;

	if ((*e != NULL && !notes__is_concept((*e)->type)) ||
	    (*e != NULL && (*e)->type == NOTES_T_PROBLEM) || !allergy_told(s))
		return;
	for (size_t j = i; j < s->n && n < HAN_RUN_MAX && s->words[j].han &&
			   strlen(s->words[j].key) == 3 &&
			   (j == i || s->words[j].start == s->words[j - 1].end);
	     j++)
		memcpy(run + 3 * n++, s->words[j].key, 3);
	run[3 * n] = '\0';
	if (n < NOTES_SPELLING_MIN_HAN ||
	    (near = notes__near_han(run, n, &len)) == NULL ||
	    (*e != NULL && len <= *w) || !name_ends(s, i + len))
		return;
	*e = near;
	*w = len;
}

/* nonantibiotic_class: is e, matched at word i, a class that a drug
 * before it is said to belong to as a non-antibiotic one ("呋塞米属非抗菌
 * 磺胺，可继续使用", "呋塞米属非抗菌类磺胺", "furosemide is a non-antibiotic
 * sulfonamide", allergy75ky, allergy75ug)?  The writer classes that drug; the
 * class is no mention of an allergen or a medicine, and is not matched; nor is
 * the word "antibiotic" of "non-antibiotic" itself. */
static bool
nonantibiotic_class(const sentence *s, size_t i, const notes_entry *e)
{
	static const char *const non_zh[] = {"非抗菌", "非抗生素", "非抗菌类",
					     "非抗生素类"};
	static const char *const non_en[] = {"antibiotic", "antimicrobial",
					     "antibacterial"};

	static const char *const non_word_zh[] = {"非"};

	if (e->type != NOTES_T_CLASS || i == 0)
		return false;
	/* the antibiotics' own word in "non-antibiotic" and 非抗生素类 is that
	 * drug's description, no allergen (allergy75tm, en-dev35) */
	if (strcmp(e->code, "antibacterials") == 0 &&
	    (notes__words_at(s, i - 1, "non") ||
	     notes__words_end_at(s, i, non_word_zh, N_OF(non_word_zh))))
		return true;
	return notes__words_end_at(s, i, non_zh, N_OF(non_zh)) ||
	       (i >= 2 && notes__words_at(s, i - 2, "non") &&
		notes__words_in(s, i - 1, non_en, N_OF(non_en)));
}

/* allergy_field: is word i of s the "All:" that opens its line, the
 * allergy field as North American notes shorten it ("All: ASA - wheeze
 * and hives (2015)", allergy75ss, en-dev85)?  Written so, with its colon
 * right after it, it is the allergies' heading; "ALL" in capitals is the
 * leukaemia and "all" any other word. */
static const notes_entry *
allergy_field(const sentence *s, size_t i)
{
	const char *p = s->text + s->words[i].start;

	if (i != 0 || s->words[i].end - s->words[i].start != 3 ||
	    memcmp(p, "All", 3) != 0 || p[3] != ':' ||
	    notes__line_lead(s) == NULL)
		return NULL;
	return notes__find("allergies");
}

void
notes__match(sentence *s)
{
	s->n_items = 0;
	for (size_t i = 0; i < s->n;) {
		size_t w = max_words(s->words[i].key), cut;
		const notes_entry *e = NULL, *before;

		if (w > s->n - i)
			w = s->n - i;

		for (; w > 0 && (e = lookup(s, i, w)) == NULL; w--)
			;
		if (e == NULL && (e = allergy_field(s, i)) != NULL)
			w = 1;
		if (e != NULL && (cut = adjective_cut(s, i, w)) < w &&
		    (before = lookup(s, i, cut)) != NULL) {
			e = before;
			w = cut;
		}
		/* a word no phrase starts: one spelling slip from a name? */
		if (e == NULL && ((e = notes__joined(s->words[i].key)) ||
				  (e = notes__near(s->words[i].key))))
			w = 1;
		else if (e == NULL && (e = split_name(s, i)) != NULL)
			w = 2;
		slipped_han(s, i, &e, &w);
		if (e == NULL || e->type == NOTES_T_PROBLEM) {
			size_t span = 0;
			const notes_entry *inner =
				inner_modified_zh(s, i, e ? w : 0, &span);

			if (inner != NULL) {
				e = inner;
				w = span;
			}
		}
		if (e != NULL && negation_first(s, i, w, e) != NULL) {
			e = negation_first(s, i, w, e);
			w = 1;
		} else if (e != NULL && denial_of_named(s, i, w, e) != NULL) {
			e = denial_of_named(s, i, w, e);
			w = 1;
		}
		if (e == NULL ||
		    (e->type == NOTES_T_NEGATED && w == 1 &&
		     notes__unticked(s, i)) ||
		    percent_short_form(s, i, w, e) || effect_kind(s, i, w, e) ||
		    free_of_unread(s, i, e) || nonantibiotic_class(s, i, e)) {
			i += e ? w : 1;
			continue;
		}
		if (!bracketed_same_zh(s, e, i, i + w))
			s->items[s->n_items++] =
				(item){e, i, i + w, s->words[i].start,
				       s->words[i + w - 1].end};
		i += w;
	}
}
