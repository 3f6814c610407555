/*
 * reaction.c - allergy cues and reactions: whether an allergy cue names a
 * drug ("allergic to", "过敏史："), which reaction is a drug's ("penicillin
 * - rash", "hives 30 minutes after amoxicillin"), intolerance cues,
 * tolerated cues, and a patient's lay intolerance ("came off it, it made
 * me dizzy").  What makes a drug mention an allergy at all.
 */
#include "reader_int.h"

#include <string.h>

/* clause_has: does the clause of item k (between terminators) hold an
 * item of type?  Returns it, or NULL; near: only within REACTION_WORDS
 * words. */
static const item *
clause_has(const sentence *s, size_t k, notes_type type, bool near)
{
	const item *best = NULL;
	size_t best_gap = (size_t)-1;

	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];
		size_t gap;

		if (it->e->type != type ||
		    notes__terminated(s, j < k ? j : k, j < k ? k : j))
			continue;
		gap = j < k ? s->items[k].w0 - it->w1 : it->w0 - s->items[k].w1;
		if (near && gap > REACTION_WORDS)
			continue;
		if (gap < best_gap) {
			best = it;
			best_gap = gap;
		}
	}
	return best;
}

/* indicated: is there an indication ("for") between items a and b
 * (a < b)?  "Nebulisers for wheeze": the wheeze is why they are given. */
static bool
indicated(const sentence *s, size_t a, size_t b)
{
	for (size_t k = a + 1; k < b; k++)
		if (s->items[k].e->type == NOTES_T_INDICATION)
			return true;
	return false;
}

/* for_reason: is reaction item j written as a reason, after "for" and
 * at most REACTION_WORDS words ("for the knee swelling") or right after
 * "given"?  Then it is
 * no drug's reaction, whichever drug is near. */
static bool
for_reason(const sentence *s, size_t j)
{
	const item *r = &s->items[j];

	/* "given" right before it, only a space between, is "in view of"
	 * ("teicoplanin + metronidazole given lip swelling history",
	 * allergy75cc); "amoxicillin given - rash" tells a dose and then
	 * what followed */
	if (r->w0 >= 1 && notes__words_at(s, r->w0 - 1, "given") &&
	    notes__only_marks(s->text, s->words[r->w0 - 1].end, r->start, ""))
		return true;
	for (size_t m = j; m-- > 0;) {
		const item *it = &s->items[m];

		if (it->e->type == NOTES_T_INDICATION)
			return s->items[j].w0 - it->w1 <= REACTION_WORDS;
		if (is_drug(it))
			return false;
	}
	return false;
}

/* time_unit: is word w a unit of time, as written after a number ("30
 * minutes", "2 hrs", "15分钟", "2小时")? */
static bool
time_unit(const sentence *s, size_t w)
{
	static const char *const units[] = {
		"min",		"mins", "minute",	"minutes",
		"hr",		"hrs",	"hour",		"hours",
		"day",		"days", "\xe5\x88\x86", /* 分 */
		"\xe5\xb0\x8f",				/* 小(时) */
		"\xe5\xa4\xa9",				/* 天 */
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s->words[w].key, units[i]) == 0)
			return true;
	return false;
}

/* timed: is the reaction item j timed from the dose of substance item
 * k, a number and a unit of time between them, no other drug or class
 * between and within REACTION_TIMED_WORDS words?  Only the time says
 * the reaction came of the dose: any symptom near a drug does not. */
static bool
timed(const sentence *s, size_t j, size_t k, size_t gap)
{
	size_t a = j < k ? j : k, b = j < k ? k : j;
	bool number = false;

	if (gap > REACTION_TIMED_WORDS)
		return false;
	for (size_t m = a + 1; m < b; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (size_t w = s->items[a].w1; w < s->items[b].w0; w++) {
		if (number && time_unit(s, w))
			return true;
		number = s->words[w].key[0] >= '0' && s->words[w].key[0] <= '9';
	}
	return false;
}

bool
notes__dose_form(const char *word)
{
	static const char *const forms[] = {"tab", "tabs", "tablet",
					    "inj", "cap",  "caps",
					    "iv",  "oral", "po"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(word, forms[i]) == 0)
			return true;
	return false;
}

/* linked: is reaction item j, written before substance item k, linked
 * to it by "after", "with" or "following" right before the drug, or
 * before the "dose of", "course of" or "injection of" that names it
 * ("facial swelling after an injection of diclofenac", allergy75is), no
 * other drug or class between and within REACTION_LINKED_WORDS words? */
static bool
linked(const sentence *s, size_t j, size_t k, size_t gap)
{
	static const char *const links[] = {"after", "with", "following"};
	static const char *const articles[] = {"a", "an", "the"};
	static const char *const doses[] = {
		"dose",	      "doses",	  "course",  "courses", "injection",
		"injections", "infusion", "tablets", "shot"};
	size_t w0 = s->items[k].w0;
	bool link = false;

	if (j > k || gap == 0 || gap > REACTION_LINKED_WORDS)
		return false;
	/* "rash with Tab. Ciprofloxacin", "hives after IV co-amoxiclav" */
	if (w0 - s->items[j].w1 > 1 && notes__dose_form(s->words[w0 - 1].key))
		w0--;
	/* an article before the form or the drug ("itching + rashes all
	 * over after an Inj. Ceftriaxone given by local hospital",
	 * en-dev80) */
	if (w0 - s->items[j].w1 > 1 &&
	    notes__words_in(s, w0 - 1, articles, N_OF(articles)))
		w0--;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		link = link || strcmp(s->words[w0 - 1].key, links[i]) == 0;
	/* "hives after the first dose of oral co-amoxiclav" (rules75en18) */
	if (!link && w0 >= 2 && notes__words_at(s, w0 - 1, "of") &&
	    notes__words_in(s, w0 - 2, doses, sizeof(doses) / sizeof(*doses)))
		link = notes__any_in(s, s->items[j].w1, w0 - 2, links,
				     sizeof(links) / sizeof(*links));
	for (size_t m = j + 1; link && m < k; m++)
		if (is_drug(&s->items[m]))
			return false;
	return link;
}

/* suspects_joined: are drug items m and m + 1 suspects the writer weighs
 * against each other, "vs", "versus" or "or" between them
 * ("co-trimoxazole vs rifampicin vs isoniazid")?  A slash is not: "on
 * co-amoxiclav/ceftriaxone" is as often the regimen the rash came on,
 * one of its drugs cleared later in the note. */
static bool
suspects_joined(const sentence *s, size_t m)
{
	static const char *const joins[] = {"vs", "versus", "or"};

	return s->items[m + 1].w0 - s->items[m].w1 == 1 &&
	       notes__words_in(s, s->items[m].w1, joins,
			       sizeof(joins) / sizeof(*joins));
}

/* suspect_run_reached: is drug item k the last of a run of suspects
 * weighed against each other (suspects_joined) whose first drug stands
 * within REACTION_WORDS after reaction item j ("Possible drug rash -
 * co-trimoxazole vs rifampicin vs isoniazid?")?  The reaction is each
 * suspect's; the words of the run do not take it from the last. */
static bool
suspect_run_reached(const sentence *s, size_t j, size_t k)
{
	size_t m = k;

	if (j > k)
		return false;
	while (m > j + 1 && is_drug(&s->items[m - 1]) &&
	       suspects_joined(s, m - 1))
		m--;
	return m < k && m > j &&
	       s->items[m].w0 - s->items[j].w1 <= REACTION_WORDS;
}

/* ONSET_DRUG_WORDS: the most words from a drug to the "developed" that
 * tells what followed it; ONSET_WORDS: from "developed" to the
 * reaction. */
#define ONSET_DRUG_WORDS 14
#define ONSET_WORDS	 6

/* onset_linked: is reaction item j told as what the patient developed
 * after substance item k was given ("he was given co-trimoxazole
 * (Septrin) for a boil on his thigh and on day 9 developed fever, a
 * widespread blistering rash")?  "developed" within ONSET_DRUG_WORDS
 * after the drug, the reaction within ONSET_WORDS after it, no other
 * drug or class between: the reaction is the drug's, the boil it was
 * given for notwithstanding. */
static bool
onset_linked(const sentence *s, size_t j, size_t k)
{
	size_t w;

	if (j < k)
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (w = s->items[k].w1; w < s->items[j].w0; w++)
		if (notes__words_at(s, w, "developed"))
			break;
	return w < s->items[j].w0 && w - s->items[k].w1 <= ONSET_DRUG_WORDS &&
	       s->items[j].w0 - w <= ONSET_WORDS;
}

/* aside_closed_between: does a parenthesis, ASCII or full-width, close
 * in text[from, to)? */
static bool
aside_closed_between(const sentence *s, uint32_t from, uint32_t to)
{
	return notes__between_has(s, from, to, ')') ||
	       memmem(s->text + from, to - from, "\xef\xbc\x89", 3) != NULL;
}

/* onset_linked_zh: is Chinese reaction item j told as what appeared after
 * substance item k ("苯妥英钠 昨晚22:00发现前胸、后背红色斑丘疹")?  出现 or
 * 发现 within ONSET_DRUG_WORDS after the drug, the reaction within
 * ONSET_WORDS after it, no other drug or class between, as onset_linked
 * reads "developed" (allergy75ei).  It reaches past REACTION_WORDS only:
 * a drug given for the rash stays its remedy, and a comma between the
 * drug and 出现 parts the rash from it ("口服阿莫西林，今日下午双下肢出现
 * 皮疹" tells no cause).  A drug joined to the one
 * before it is one of a regimen ("头孢曲松+甲硝唑抗感染，术后第3天躯干出现
 * 红色斑丘疹"), the rash no more its than the other's. */
static bool
onset_linked_zh(const sentence *s, size_t j, size_t k)
{
	static const char *const onset[] = {"出现", "出現", "发现", "發現"};
	static const char *const joins[] = {"+",  "＋", "/",  "、", ",",
					    "，", "和", "及", "与"};
	size_t w;

	if (j < k || !s->words[s->items[j].w0].han ||
	    (k > 0 && is_drug(&s->items[k - 1]) &&
	     notes__gap_in(s, s->items[k - 1].end, s->items[k].start, joins,
			   N_OF(joins))))
		return false;
	/* "镇痛泵（吗啡 PCA）今晨出现全身瘙痒": the aside names what the
	 * device held, not what the reaction came of */
	if (aside_closed_between(s, s->items[k].end, s->items[j].start))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (w = s->items[k].w1; w < s->items[j].w0; w++)
		if (notes__words_in(s, w, onset, N_OF(onset)))
			break;
	return w < s->items[j].w0 && w - s->items[k].w1 <= ONSET_DRUG_WORDS &&
	       s->items[j].w0 - w - 2 <= ONSET_WORDS &&
	       !notes__comma_in(s, s->items[k].end, s->words[w].start);
}

/* raised_after_zh: is Chinese reaction item j what rose (起) right
 * before it, after substance item k and its 后 ("2020年PCI术前用氯己定消毒后
 * 穿刺部位周围起红疹", allergy75ha)?  Within ONSET_DRUG_WORDS of the
 * drug, no comma and no other drug between, as onset_linked_zh reads 出现. */
static bool
raised_after_zh(const sentence *s, size_t j, size_t k)
{
	size_t rose = s->items[j].w0;

	/* the lexicon's "起红疹" holds its 起; "起…风团" may not */
	if (j > k && strncmp(s->items[j].e->key, "起", strlen("起")) != 0) {
		if (rose == 0 || !notes__words_at(s, rose - 1, "起"))
			return false;
		rose--;
	}
	if (j < k || !s->words[rose].han || rose < s->items[k].w1 ||
	    rose - s->items[k].w1 > ONSET_DRUG_WORDS ||
	    notes__comma_in(s, s->items[k].end, s->items[j].start))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (size_t w = s->items[k].w1; w < rose; w++)
		if (notes__words_at(s, w, "后"))
			return true;
	return false;
}

/* TAKEN_WORDS_ZH: the most words from a verb of taking to the drug it
 * takes ("曾服苯妥英钠", "开始口服别嘌醇"). */
#define TAKEN_WORDS_ZH 4

/* taken_by_patient_zh: is substance item k written after a verb of
 * taking it by mouth or using it (服, 吃, 食, 用), within TAKEN_WORDS_ZH
 * words? */
static bool
taken_by_patient_zh(const sentence *s, size_t k)
{
	static const char *const taking[] = {"服", "吃", "食", "用"};
	size_t w0 = s->items[k].w0;

	for (size_t w = w0 > TAKEN_WORDS_ZH ? w0 - TAKEN_WORDS_ZH : 0; w < w0;
	     w++)
		if (notes__words_in(s, w, taking, N_OF(taking)))
			return true;
	return false;
}

/* ONSET_ZH: the trigger of an allergy told as a reaction that appeared
 * after the patient took the drug (notes__onset_then_zh). */
#define ONSET_ZH "\xe5\x87\xba\xe7\x8e\xb0" /* 出现 */

void
notes__onset_then_zh(const sentence *s, size_t k, const item *reaction,
		     notes_finding *f)
{
	if (f->kind != NOTES_ALLERGY || f->context != 0 || reaction == NULL ||
	    s->allergy_list || s->allergy_line_zh ||
	    !taken_by_patient_zh(s, k) ||
	    !onset_linked_zh(s, (size_t)(reaction - s->items), k))
		return;
	f->context = NOTES_HISTORICAL;
	f->trigger = ONSET_ZH;
}

/* denied_phrase_zh: is a Chinese denial of what happened written right
 * before word w, one word a character, perhaps with a two-character
 * modifier between ("本次未出现皮疹", "未见皮疹", "未出现局部皮疹以外反
 * 应")?  The reaction did not happen (allergy75fs, zh-dev57). */
static bool
denied_phrase_zh(const sentence *s, size_t w)
{
	static const char *const denial[] = {"未出现",	 "没有出现", "没出现",
					     "未再出现", "未见",     "无明显"};
	static const char *const modifier[] = {"局部", "明显", "任何", "全身"};

	if (w >= 2 && notes__words_in(s, w - 2, modifier,
				      sizeof(modifier) / sizeof(*modifier)))
		w -= 2;
	for (size_t i = 0; i < sizeof(denial) / sizeof(*denial); i++) {
		size_t n = strlen(denial[i]) / 3;

		if (w >= n && notes__words_at(s, w - n, denial[i]))
			return true;
	}
	return false;
}

/* denied_reaction: is reaction item j written as not having happened,
 * "no" or "without" right before it ("she has taken ibuprofen before
 * with no wheeze"), or in Chinese 未, 没, 没有, 无 or 冇 ("曾用\"阿莫西林克
 * 拉维酸钾\"5天未出疹")?  It is no drug's reaction: the drug was
 * tolerated. */
static bool
denied_reaction(const sentence *s, size_t j)
{
	static const char *const denial[] = {"no", "without", "未",
					     "没", "无",      "冇"};
	size_t w = s->items[j].w0;

	return (w > 0 && notes__words_in(s, w - 1, denial,
					 sizeof(denial) / sizeof(*denial))) ||
	       (w > 1 && notes__words_at(s, w - 2, "没有")) ||
	       denied_phrase_zh(s, w);
}

/* LAY_RASH_WORDS: the most lay words between a Chinese drug and the rash
 * it brought out, lay_counted_zh. */
#define LAY_RASH_WORDS 8

/* lay_counted_zh: is Chinese reaction item j, after drug item k, told in
 * a patient's words with a count or a size between them ("吃\"阿莫西林\"也
 * 出过一次小疹子", "打青霉素也起了一些小疹子", "吃磺胺类药会起一身疹子")?
 * Only the verbs of a rash breaking out, their aspect and mood (会, 就),
 * the word 药 after a class, and counts and sizes stand between:
 * the rash is the drug's as 出过疹子 right after it is. */
static bool
lay_counted_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const lay[] = {"也", "还", "又", "都", "出", "起",
					  "长", "过", "了", "一", "几", "次",
					  "些", "点", "小", "身", "上", "会",
					  "就", "药", "全", "满"};
	size_t from = s->items[k].w1, to = s->items[j].w0;

	if (j < k || to - from > LAY_RASH_WORDS || !s->words[to].han)
		return false;
	for (size_t w = from; w < to; w++)
		if (!notes__words_in(s, w, lay, sizeof(lay) / sizeof(*lay)))
			return false;
	return true;
}

/* blamed_in_aside: is reaction item j, after drug item k, inside a
 * parenthesis opened after k that goes on to blame another drug, "on",
 * "with", "after" or "to" right before it ("co-amoxiclav then
 * doxycycline (rash on Augmentin day 2 - ... allergy added)")?  The
 * reaction is that drug's, told in k's aside (allergy75cc), unless the
 * aside says it was both drugs' ("too", "also", "both"). */
static bool
blamed_in_aside(const sentence *s, size_t k, size_t j)
{
	static const char *const link[] = {"on", "with", "after", "to"};
	static const char *const shared[] = {"too", "also", "both"};
	const char *close, *open = notes__paren_open(s, j, &close);

	if (open == NULL || open < s->text + s->items[k].end)
		return false;
	/* "(rash with co-amoxiclav too)": the reaction is both drugs' */
	for (size_t w = s->items[j].w1;
	     w < s->n && s->text + s->words[w].start < close; w++)
		if (notes__words_in(s, w, shared, N_OF(shared)))
			return false;
	for (size_t m = j + 1; m < s->n_items; m++) {
		const item *d = &s->items[m];

		if (s->text + d->start >= close)
			return false;
		if (is_drug(d) && strcmp(d->e->code, s->items[k].e->code) != 0)
			return d->w0 >= 1 &&
			       notes__words_in(s, d->w0 - 1, link, N_OF(link));
	}
	return false;
}

/* owned_aside: is reaction item j, after substance item k, inside a
 * parenthesis opened after k that names a drug of its own before j
 * ("Given teicoplanin + metronidazole at induction (penicillin
 * anaphylaxis)")?  The parenthesis tells its own drug's reaction, the
 * reason for the drugs before it, not theirs (rules75en20).  A class's
 * parenthesis names the member that reacted ("Penicillin (amoxicillin
 * 2015, widespread hives on day 2)"): the class's own story. */
static bool
owned_aside(const sentence *s, size_t k, size_t j)
{
	if (s->items[k].e->type != NOTES_T_SUBSTANCE)
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) &&
		    notes__ascii_paren_open(s->text, s->items[k].end,
					    s->items[m].start) &&
		    !notes__between_has(s, s->items[m].end, s->items[j].start,
					')'))
			return true;
	return blamed_in_aside(s, k, j);
}

/* later_drugs_aside: is reaction item j, after drug item k, inside a
 * parenthesis opened after another drug between them ("atorvastatin
 * 20mg、frusemide 20mg（腳腫）")?  The parenthesis is that later drug's
 * own aside, not the earlier one's story (allergy75bv). */
static bool
later_drugs_aside(const sentence *s, size_t k, size_t j)
{
	const char *close, *open = notes__paren_open(s, j, &close);

	if (open == NULL)
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) && open >= s->text + s->items[m].end)
			return true;
	return false;
}

/* named_reaction_after: is reaction item j, after drug item k, named
 * by another drug written right before it, a space apart, with a word
 * between k and that drug that joins no list ("she has had cefalexin
 * since the penicillin anaphylaxis without any problem", en-dev62)?  "the
 * penicillin anaphylaxis" is the penicillin's; "amoxicillin or penicillin
 * rash" is both drugs' (allergy75id). */
static bool
named_reaction_after(const sentence *s, size_t k, size_t j)
{
	static const char *const joiners[] = {"and", "or", "nor", "&"};
	size_t m = j - 1;

	if (j == 0 || m <= k || !is_drug(&s->items[m]) ||
	    s->items[m].w1 != s->items[j].w0 || s->words[s->items[j].w0].han ||
	    !notes__only_marks(s->text, s->items[m].end, s->items[j].start, ""))
		return false;
	for (size_t w = s->items[k].w1; w < s->items[m].w0; w++)
		if (!notes__words_in(s, w, joiners,
				     sizeof(joiners) / sizeof(*joiners)))
			return true;
	return false;
}

/* told_allergy_zh: is reaction item j, before drug item k and a
 * full-width comma from it in the parenthesis that holds both, told of an
 * allergy already named before it in that parenthesis ("（青霉素过敏史——
 * 既往反应为皮疹，头孢曲松结构差异大，可在监护下使用）")?  It is that
 * allergy's reaction, not the next drug's (rules75zh20). */
static bool
told_allergy_zh(const sentence *s, size_t j, size_t k)
{
	const char *close, *open;

	if (j > k || !notes__comma_between(s, j, k))
		return false;
	open = notes__paren_open(s, j, &close);
	if (open == NULL || open != notes__paren_open(s, k, &close))
		return false;
	for (size_t m = 0; m < j; m++)
		if (s->text + s->items[m].start > open &&
		    s->items[m].e->type == NOTES_T_ALLERGY_CUE &&
		    (unsigned char)s->items[m].e->key[0] >= 0x80)
			return true;
	return false;
}

/* complaint_label: is reaction item j a label with a colon after it,
 * outside an allergy list ("搔癢：Gabapentin 300mg tid，夜間加
 * Chlorpheniramine")?  A plan's line so labelled names the complaint its
 * drugs treat, as "止痛：" and "胃：" do (allergy75fd). */
static bool
complaint_label(const sentence *s, size_t j)
{
	return notes__colon_after(s, j) && !s->allergy_list &&
	       !s->allergy_line_zh;
}

/* heads_line_zh: is Chinese reaction item j the first words of its
 * sentence, a full-width comma before drug item k ("- 氣喘（輕度），
 * Ventolin 需要時使用")?  A line that opens with it names the complaint,
 * Taiwan's asthma, that the drug after it treats (rules75zh20), or a
 * colon (complaint_label). */
static bool
heads_line_zh(const sentence *s, size_t j, size_t k)
{
	return j < k && s->items[j].w0 == 0 && s->words[0].han &&
	       (notes__comma_between(s, j, k) || complaint_label(s, j));
}

/* allowed_aside_zh: is reaction item j in a parenthesis after drug item
 * k that ends with the writer's leave to give it, 可用, 可以用 or 可使用
 * ("celecoxib（有氣喘，但無 NSAID 誘發氣喘史 → 可用）")?  The reaction
 * weighed there is no reaction to k (rules75zh20). */
static bool
allowed_aside_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const allowed[] = {"可用", "可以用", "可使用"};
	const char *close, *open = notes__paren_open(s, j, &close);

	if (j < k || open == NULL || open < s->text + s->items[k].end)
		return false;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(*allowed); i++) {
		size_t n = strlen(allowed[i]);

		if (close - open > (ptrdiff_t)n &&
		    memcmp(close - n, allowed[i], n) == 0)
			return true;
	}
	return false;
}

/* risk_cofactor: is drug item k written right after "risk with" or
 * "risk on", the drug that raises a risk the writer weighs ("avoid (EPS
 * risk with lithium and her dystonia history)", "CKD risk with
 * ramipril"), not the drug a reaction came with? */
static bool
risk_cofactor(const sentence *s, size_t k)
{
	static const char *const preps[] = {"with", "on"};
	size_t w0 = s->items[k].w0;

	return w0 >= 2 && notes__words_at(s, w0 - 2, "risk") &&
	       notes__words_in(s, w0 - 1, preps,
			       sizeof(preps) / sizeof(*preps));
}

/* remedy_group - the reactions a kind of drug is given to relieve: a
 * reaction's key holding one of stems is relieved by the substances
 * named in drugs (catalogue codes). */
typedef struct remedy_group {
	const char *const *stems;
	const char *const *drugs;
	bool whole; /* stems are whole keys, not parts of one */
} remedy_group;

/* Antihistamines and corticosteroids for a rash, itch or swelling;
 * bronchodilators and corticosteroids for a wheeze; antiemetics for
 * nausea and vomiting (BNF treatment summaries: "Allergic conditions",
 * "Asthma", "Nausea and vomiting"). */
static const char *const skin_stems[] = {"rash",
					 "hive",
					 "urticaria",
					 "itch",
					 "prurit",
					 "wheal",
					 "eczema",
					 "angioedema",
					 "swell",
					 "\xe7\x96\xb9", /* 疹 */
					 "\xe7\x97\x92", /* 痒 */
					 "\xe7\x99\xa2", /* 癢 */
					 NULL};
static const char *const skin_drugs[] = {"chlorphenamine",
					 "promethazine",
					 "diphenhydramine",
					 "hydrocortisone",
					 "prednisolone",
					 "dexamethasone",
					 NULL};
static const char *const airway_stems[] = {
	"wheez", "bronchospasm", "breathless", "\xe5\x96\x98", /* 喘 */
	NULL};
static const char *const airway_drugs[] = {
	"salbutamol",	"theophylline",	  "aminophylline", "magnesium sulfate",
	"prednisolone", "hydrocortisone", "dexamethasone", NULL};
static const char *const gut_stems[] = {"nause",
					"vomit",
					"emesis",
					"\xe5\x91\x95", /* 呕 */
					"\xe5\x98\x94", /* 嘔 */
					NULL};
/* Diuretics for swollen legs or feet (BNF: "Oedema"), the lay words of
 * peripheral oedema matched whole: an angioedema is not what they
 * relieve ("frusemide 20mg（腳腫，兩個月前開始）"). */
static const char *const fluid_words[] = {
	"swelling", "\xe8\x84\x9a\xe8\x82\xbf", /* 脚肿 */
	"\xe8\x85\xbf\xe8\x82\xbf",		/* 腿肿 */
	"\xe8\x84\x9a\xe8\xb8\x9d\xe8\x82\xbf", /* 脚踝肿 */
	NULL};
static const char *const fluid_drugs[] = {"furosemide", "bumetanide",
					  "torasemide", "spironolactone",
					  "eplerenone", "bendroflumethiazide",
					  "indapamide", "hydrochlorothiazide",
					  "amiloride",	"chlortalidone",
					  NULL};
static const char *const gut_drugs[] = {
	"ondansetron", "cyclizine",	   "metoclopramide",
	"domperidone", "prochlorperazine", "promethazine",
	NULL};

static bool
listed(const char *const *list, const char *word, bool stem)
{
	for (; *list != NULL; list++)
		if (stem ? strstr(word, *list) != NULL
			 : strcmp(word, *list) == 0)
			return true;
	return false;
}

/* RELIEF_AFTER_WORDS: how far after a remedy named after its reaction
 * a word of relief may say it eased it. */
#define RELIEF_AFTER_WORDS 3

/* relief_between: is a word of relief written between reaction item j
 * and drug item k, or right after k when j comes first ("rash settled in
 * 5 days with chlorphenamine", "wheeze improved after salbutamol")?  Then the
 * link word and the time say how the reaction was treated, not what brought it
 * on. */
static bool
relief_between(const sentence *s, size_t j, size_t k)
{
	static const char *const eased[] = {
		"settl", "resolv", "improv", "eased", "respond", "treated",
		"better", "subsid", "clear", "relie",
		"\xe5\xa5\xbd\xe8\xbd\xac", /* 好转 */
		"\xe7\xbc\x93\xe8\xa7\xa3", /* 缓解 */
		"\xe6\xb6\x88\xe9\x80\x80", /* 消退 */
		/* the reaction going on past the remedy was there before it
		 * ("予甲氧氯普胺 10mg 肌注后仍呕吐", "still wheezy after
		 * salbutamol") */
		"still", "persist", "\xe4\xbb\x8d", /* 仍 */
		"\xe4\xbe\x9d\xe7\x84\xb6",	    /* 依然 */
		NULL};
	size_t from = j < k ? s->items[j].w1 : s->items[k].w1;
	size_t to = j < k ? s->items[k].w0 : s->items[j].w0;

	/* a reaction before the remedy may be eased right after it
	 * ("new rash both arms itchy - wife gave him her Piriton, a bit
	 * better", allergy75dh) */
	if (j < k)
		to = s->items[k].w1 + RELIEF_AFTER_WORDS < s->n
			     ? s->items[k].w1 + RELIEF_AFTER_WORDS
			     : s->n;
	/* and one after it may be eased right after the reaction
	 * ("Ondansetron 4 mg ODT - stopped at 20 wks, nausea resolved",
	 * allergy75gd): what it was given for has gone */
	else
		to = s->items[j].w1 + RELIEF_AFTER_WORDS < s->n
			     ? s->items[j].w1 + RELIEF_AFTER_WORDS
			     : s->n;
	for (size_t w = from; w < to; w++)
		if (listed(eased, s->words[w].key, true))
			return true;
	return false;
}

/* relieves: is drug item d one given to relieve reaction item r ("rash
 * settling on chlorphenamine", "wheeze - salbutamol via spacer")?  Its
 * nearness then says why it was given, not what it caused: only a time,
 * a link word or an allergy cue makes that reaction the drug's. */
static bool
relieves(const item *d, const item *r)
{
	static const remedy_group groups[] = {
		{skin_stems, skin_drugs, false},
		{airway_stems, airway_drugs, false},
		{gut_stems, gut_drugs, false},
		{fluid_words, fluid_drugs, true},
	};

	if (d->e->type != NOTES_T_SUBSTANCE)
		return false;
	for (size_t i = 0; i < sizeof(groups) / sizeof(*groups); i++)
		if (listed(groups[i].drugs, d->e->code, false) &&
		    listed(groups[i].stems, r->e->key, !groups[i].whole))
			return true;
	return false;
}

/* modifiers_before: how many of the words right before reaction item j,
 * after drug item k, say how bad or how wide a reaction is ("severe",
 * "widespread", 严重, 全身)?  They are the reaction's own words, not a
 * gap between it and its drug ("复方新诺明——2015年严重皮疹",
 * allergy75by; "吃复方新诺明后起过一身红点", allergy75kj).  The Chinese
 * ones are two characters, two words. */
static size_t
modifiers_before(const sentence *s, size_t k, size_t j)
{
	static const char *const en[] = {
		"severe",      "mild",	      "moderate",  "widespread",
		"generalised", "generalized", "extensive", "marked"};
	static const char *const zh[] = {"严重", "全身", "明显", "轻微",
					 "大片", "广泛", "剧烈", "一身",
					 "满身", "浑身"};
	size_t n = 0, from = s->items[k].w1, w = s->items[j].w0;

	/* a drug between has a reaction of its own ("on febuxostat -
	 * allopurinol caused a widespread rash") */
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]))
			return 0;
	for (;;) {
		if (w - n > from && notes__words_in(s, w - n - 1, en, N_OF(en)))
			n++;
		else if (w - n >= from + 2 && s->words[w - n - 2].han &&
			 notes__words_in(s, w - n - 2, zh, N_OF(zh)))
			n += 2;
		else
			return n;
	}
}

/* counselled_between: does a modal stand between drug item k and the
 * reaction item j after it, with no word for the patient ("ACE
 * inhibitors can cause angioedema", "may worsen angioedema",
 * "替格瑞洛可引起呼吸困难感，多为一过性")?  The sentence tells what the drug
 * may do to anyone, not what it did to the patient ("amoxicillin can
 * give her a rash" is hers; allergy75cb).  Chinese writes the modal as
 * 可 or 可能 joined to its verb (allergy75lz); 可以 (may take) is no modal
 * of harm.  notes__caused_by asks it too, of the effect its cue names
 * ("替格瑞洛可引起呼吸困难").  j is after k. */
static bool
counselled_between(const sentence *s, size_t k, size_t j)
{
	static const char *const modal[] = {
		"may",	  "can",      "could",	 "might",  "可引起",
		"可致",	  "可导致",   "可造成",	 "可诱发", "可引发",
		"可出现", "可能引起", "可能导致"};
	static const char *const person[] = {
		"her", "him", "me", "them", "his",  "my",   "she",
		"he",  "她",  "他", "我",   "患者", "病人", "本人"};
	size_t from = s->items[k].w1, to = s->items[j].w0;

	return notes__any_in(s, from, to, modal, N_OF(modal)) &&
	       !notes__any_in(s, from, to, person, N_OF(person));
}

/* quote_opens_in: does a quote open in text[from, to) (", “, 「)? */
static bool
quote_opens_in(const sentence *s, uint32_t from, uint32_t to)
{
	return memchr(s->text + from, '"', to - from) != NULL ||
	       memmem(s->text + from, to - from, "\xe2\x80\x9c", 3) != NULL ||
	       memmem(s->text + from, to - from, "\xe3\x80\x8c", 3) != NULL;
}

/* COUNSEL_WORDS_ZH: the most words from a Chinese verb of counselling to
 * the drug it counsels on, who is told between ("已告知多西环素…", "告知患者
 * 多西环素…"). */
#define COUNSEL_WORDS_ZH 4

/* counselled_zh: is Chinese drug item k what a verb of counselling (告知,
 * 交代, 宣教, 告诉, 讲解, 说明) right before it tells the patient about
 * ("已告知多西环素光敏反应、食管刺激，服药后半小时勿平躺")?  The reactions
 * after it are the effects the drug may have, told to the patient, none
 * the patient had (allergy75el).  A relative who tells, in a quote or
 * with a verb of taking, what the patient took ("患者妻子告知\"他吃阿司匹林
 * 会全身起红疹\"") counsels nobody. */
static bool
counselled_zh(const sentence *s, size_t k)
{
	/* 解释 too ("已向患者解释阿奇霉素胃肠道反应较轻，患者同意使用",
	 * allergy75tk, zh-dev87) */
	static const char *const counsel[] = {"告知", "交代", "宣教", "告诉",
					      "讲解", "说明", "告訴", "講解",
					      "說明", "解释", "解釋"};
	static const char *const taking[] = {"吃", "服", "用", "打"};
	size_t w0 = s->items[k].w0;

	for (size_t w = w0; w-- > 0 && w0 - w <= COUNSEL_WORDS_ZH + 1;) {
		if (notes__words_in(s, w, taking, N_OF(taking)) ||
		    quote_opens_in(s, s->words[w].end, s->items[k].start))
			return false; /* "妻子告知\"他吃阿司匹林会…\"" */
		if (notes__words_in(s, w, counsel, N_OF(counsel)))
			return w0 - w <= COUNSEL_WORDS_ZH;
	}
	return false;
}

/* notes__level_named: is drug item k followed by the word for its blood level
 * ("茶碱浓度 22mg/L（偏高），恶心、心悸", "digoxin level 3.1, vomiting",
 * "vancomycin trough")?  The mention names the level measured; what
 * follows is the level's toxicity, told of a drug the patient takes, no
 * reaction of that mention (allergy75ch). */
bool
notes__level_named(const sentence *s, size_t k)
{
	static const char *const level[] = {"level", "levels",	 "trough",
					    "浓度",  "血药浓度", "谷浓度"};
	size_t w = s->items[k].w1;

	return w < s->n && notes__words_in(s, w, level, N_OF(level));
}

/* Words that say an illness eased (好转, 缓解, 改善 ...): after a
 * reaction's word they tell the disease a drug treats getting better. */
static const char *const eased_zh[] = {"好转", "缓解", "改善", "减轻",
				       "消失", "消退", "好轉", "緩解"};

/* eased_next_zh: is Chinese reaction item j, after drug item k, followed
 * at once by a word of easing ("用 Cyclosporin (Neoral) 100mg bd，皮疹
 * 改善約七成")?  The drug treats that rash; it is not its reaction
 * (allergy75ef). */
static bool
eased_next_zh(const sentence *s, size_t k, size_t j)
{
	size_t w = s->items[j].w1;

	return j > k && s->words[s->items[j].w0].han && w < s->n &&
	       notes__words_in(s, w, eased_zh, N_OF(eased_zh));
}

/* TRIED_AGAINST_WORDS: how far after a drug the word of its relief, or of
 * none, may follow ("戴乳胶手套也不缓解": 也不, then 缓解). */
#define TRIED_AGAINST_WORDS 3

/* tried_against_zh: is reaction item j, told before Chinese drug item k,
 * what the drug was tried against, a word of easing within
 * TRIED_AGAINST_WORDS words after the drug, eased or not ("双手、前臂出现
 * 红斑、丘疹、瘙痒，戴乳胶手套也不缓解", allergy75ri, zh-dev82)?  The
 * drug is judged by the relief it gave: not the reaction's cause. */
static bool
tried_against_zh(const sentence *s, size_t j, size_t k)
{
	size_t w = s->items[k].w1;

	return j < k && s->words[s->items[k].w0].han &&
	       notes__any_in(s, w,
			     w + TRIED_AGAINST_WORDS < s->n
				     ? w + TRIED_AGAINST_WORDS
				     : s->n,
			     eased_zh, N_OF(eased_zh));
}

/* OWN_CULPRIT_WORDS: the most words after "reaction to" that may come
 * before the drug it names (a route, a form: "reaction to IV
 * co-amoxiclav"). */
#define OWN_CULPRIT_WORDS 2

/* culprit_named: is item j, before drug item k, a reaction or cue that
 * ends in "to" ("reaction to") and a culprit of its own, more words than
 * a route before the drug, and "with" before the drug ("treated as a mild
 * anaphylactoid reaction to cyst fluid with Inj. hydrocortisone")?  The
 * reaction is that substance's; the drug it was treated with is not its
 * cause (allergy75eg).  "allergic to latex and to penicillin" names no
 * remedy. */
static bool
culprit_named(const sentence *s, size_t j, size_t k)
{
	size_t to = s->items[j].w1;

	if (j >= k || s->words[s->items[j].w0].han)
		return false;
	if (to < s->n && notes__words_at(s, to, "to"))
		to++;
	else if (!notes__words_at(s, to - 1, "to"))
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]))
			return false;
	return s->items[k].w0 > to + OWN_CULPRIT_WORDS &&
	       notes__any_in(s, to, s->items[k].w0,
			     (const char *const[]){"with"}, 1);
}

/* drug_noun_words_zh: how many words right after Chinese drug item k,
 * before reaction item j, are the generic noun a lay writer puts after a
 * class or a drug ("吃磺胺类消炎药后全身皮疹", "头孢消炎针", allergy75kl)?
 * They name what was taken, no gap between it and its reaction. */
static size_t
drug_noun_words_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const nouns[] = {"消炎药", "消炎藥", "消炎片",
					    "消炎针", "消炎針", "药片",
					    "藥片",   "药物",	"藥物"};
	size_t w = s->items[k].w1;

	if (j < k || !s->words[s->items[k].w0].han)
		return 0;
	for (size_t i = 0; i < N_OF(nouns); i++)
		if (notes__words_at(s, w, nouns[i]) &&
		    w + strlen(nouns[i]) / 3 <= s->items[j].w0)
			return strlen(nouns[i]) / 3;
	return 0;
}

/* given_after_reaction: is reaction item j, after drug item k, told as
 * what the drug came after ("ceftriaxone was replaced by IV clindamycin
 * after the urticaria", allergy75ku)?  "after" or "following" right
 * after the drug, "the" at most before the reaction: the drug was given
 * once the reaction had happened, so it is not the reaction's cause.
 * "rash after amoxicillin" puts the reaction first. */
static bool
given_after_reaction(const sentence *s, size_t k, size_t j)
{
	static const char *const after[] = {"after", "following"};
	size_t w = s->items[k].w1;

	if (j < k || w >= s->n || !notes__words_in(s, w, after, N_OF(after)))
		return false;
	w++;
	if (w < s->n && notes__words_at(s, w, "the"))
		w++;
	return w == s->items[j].w0;
}

/* remedy_bracket: does drug item k open a bracket after reaction item j
 * with the word that says it was taken for it ("Amoxil caused itchy
 * rash all over the body in 2019 (took Piriton)", allergy75ox,
 * en-dev76)?  The drug is the reaction's remedy, not its cause. */
static bool
remedy_bracket(const sentence *s, size_t j, size_t k)
{
	static const char *const took[] = {"took", "needed", "required",
					   "received"};
	size_t w = s->items[k].w0;

	return j < k && w >= 2 && s->words[w - 1].start > s->items[j].end &&
	       notes__words_in(s, w - 1, took, N_OF(took)) &&
	       notes__between_has(s, s->items[j].end, s->words[w - 1].start,
				  '(') &&
	       notes__only_marks(s->text, s->words[w - 1].end,
				 s->items[k].start, "") &&
	       notes__only_marks(s->text, s->words[w - 2].end,
				 s->words[w - 1].start, "(");
}

static bool foreseen_zh(const sentence *s, size_t w);
static bool same_drug(const item *a, const item *b);

/* named_owner_before: is reaction item j, after drug item k, written
 * right after another drug or class, nothing between ("加用坎地沙坦 4mg
 * qd（ACEI血管性水肿史，…）", allergy75rz, zh-dev83)?  The reaction is
 * that one's, the reason k is chosen with care, not k's. */
static bool
named_owner_before(const sentence *s, size_t k, size_t j)
{
	const item *m = j > 0 ? &s->items[j - 1] : NULL;

	return j > k + 1 && s->words[s->items[j].w0].han && is_drug(m) &&
	       m->w1 == s->items[j].w0 && !same_drug(m, &s->items[k]);
}

/* watched_zh: is reaction item j what a plan goes by, "视" or "根据" right
 * before it ("地塞米松注射液 5mg iv qd × 3天，后视皮疹情况减量停用",
 * allergy75rb, zh-dev82), or a condition on it right after it ("加
 * Amlodipine 5mg QD（腳腫若加重再考慮換藥）")?  The course is tapered as
 * the rash it treats settles, or changed if the effect grows: no
 * reaction that happened. */
static bool
watched_zh(const sentence *s, size_t j)
{
	static const char *const by[] = {"视", "根据", "依据"};
	static const char *const if_[] = {"若", "如", "如果"};
	size_t w = s->items[j].w0;

	return (w > 0 && notes__words_in(s, w - 1, by, N_OF(by))) ||
	       notes__words_in(s, s->items[j].w1, if_, N_OF(if_));
}

/* REMEDY_NAMED_WORDS: how far before the bracket that names a remedy the
 * word that says it was given may be written. */
#define REMEDY_NAMED_WORDS 8

/* remedy_named: is drug item k alone in brackets, after item j (a
 * reaction, or the drug of the entry) and a word that says something was
 * needed or given within REMEDY_NAMED_WORDS words before ("MORPHINE: ...
 * she \"stopped breathing\" on the ward and needed \"the injection to wake
 * her up\" (naloxone)", allergy75rv, en-dev40)?  The bracket names the
 * remedy, not the cause. */
static bool
remedy_named(const sentence *s, size_t j, size_t k)
{
	static const char *const gave[] = {"needed", "required", "given",
					   "received"};
	const item *d = &s->items[k];
	size_t w = d->w0, from;

	if (j >= k || d->start == 0 || s->text[d->start - 1] != '(' ||
	    d->end >= s->text_len || s->text[d->end] != ')')
		return false;
	from = w > REMEDY_NAMED_WORDS ? w - REMEDY_NAMED_WORDS : 0;
	if (from < s->items[j].w1)
		from = s->items[j].w1;
	return notes__any_in(s, from, w, gave, N_OF(gave));
}

bool
notes__remedy_taken(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if ((s->items[j].e->type == NOTES_T_REACTION &&
		     remedy_bracket(s, j, k)) ||
		    ((s->items[j].e->type == NOTES_T_REACTION ||
		      is_drug(&s->items[j])) &&
		     remedy_named(s, j, k)))
			return true;
	return false;
}

const item *
notes__reaction_of(const sentence *s, size_t k, bool near)
{
	if (risk_cofactor(s, k) || notes__level_named(s, k))
		return NULL;

	const item *best = NULL;
	size_t best_gap = (size_t)-1;

	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];
		size_t a = j < k ? j : k, b = j < k ? k : j, gap;

		if (it->e->type != NOTES_T_REACTION || denied_reaction(s, j) ||
		    eased_next_zh(s, k, j) || culprit_named(s, j, k) ||
		    notes__terminated(s, a, b) || told_allergy_zh(s, j, k) ||
		    heads_line_zh(s, j, k) || allowed_aside_zh(s, k, j) ||
		    ((indicated(s, a, b) || for_reason(s, j)) &&
		     !onset_linked(s, j, k)) ||
		    (j < k &&
		     notes__between_has(s, it->end, s->items[k].start, ')')) ||
		    remedy_bracket(s, j, k) || remedy_named(s, j, k) ||
		    watched_zh(s, j) || foreseen_zh(s, it->w0) ||
		    named_owner_before(s, k, j) || tried_against_zh(s, j, k) ||
		    (j > k &&
		     (owned_aside(s, k, j) || later_drugs_aside(s, k, j) ||
		      given_after_reaction(s, k, j) ||
		      named_reaction_after(s, k, j) ||
		      counselled_between(s, k, j) || counselled_zh(s, k))))
			continue;
		gap = j < k ? s->items[k].w0 - it->w1
			    : it->w0 - s->items[k].w1 -
				      modifiers_before(s, k, j) -
				      drug_noun_words_zh(s, k, j);
		if (relieves(&s->items[k], it) &&
		    (relief_between(s, j, k) ||
		     (!timed(s, j, k, gap) && !linked(s, j, k, gap) &&
		      !onset_linked(s, j, k))))
			continue;
		if ((near && gap > REACTION_WORDS && !timed(s, j, k, gap) &&
		     !linked(s, j, k, gap) && !onset_linked(s, j, k) &&
		     !suspect_run_reached(s, j, k) &&
		     !lay_counted_zh(s, k, j) && !onset_linked_zh(s, j, k) &&
		     !raised_after_zh(s, j, k)) ||
		    gap >= best_gap)
			continue;
		best = it;
		best_gap = gap;
	}
	return best;
}

/* nsaid_item: is item k an NSAID, aspirin among them: the class, or a
 * substance of it or of the salicylates? */
static bool
nsaid_item(const item *it)
{
	const char *code = it->e->code;

	if (it->e->type == NOTES_T_CLASS)
		return strcmp(code, "nsaids") == 0 ||
		       strcmp(code, "salicylates") == 0;
	return it->e->type == NOTES_T_SUBSTANCE &&
	       (notes__member_of(code, "nsaids") ||
		notes__member_of(code, "salicylates"));
}

/* worsened_at: is word w one that says a condition was brought on or
 * made worse ("worse", "exacerbation", "attack", 发作, 加重, 诱发)? */
static bool
worsened_at(const sentence *s, size_t w)
{
	static const char *const en[] = {
		"worse",	"worsens",	 "worsened",	"worsening",
		"exacerbation", "exacerbations", "exacerbated", "exacerbates",
		"attack",	"attacks",	 "triggers",	"triggered",
		"induced",	"provoked"};
	static const char *const zh[] = {
		"\xe5\x8f\x91\xe4\xbd\x9c", /* 发作 */
		"\xe7\x99\xbc\xe4\xbd\x9c", /* 發作 */
		"\xe5\x8a\xa0\xe9\x87\x8d", /* 加重 */
		"\xe8\xaf\xb1\xe5\x8f\x91", /* 诱发 */
		"\xe8\xaa\x98\xe7\x99\xbc", /* 誘發 */
		"\xe5\x8a\xa0\xe5\x89\xa7", /* 加剧 */
		"\xe5\x8a\xa0\xe5\x8a\x87", /* 加劇 */
	};

	return notes__words_in(s, w, en, sizeof(en) / sizeof(*en)) ||
	       notes__words_in(s, w, zh, sizeof(zh) / sizeof(*zh));
}

/* clause_ends_before: does a clause end in text[from, to) (";", ",",
 * "。", "；", "，")?  Terminator phrases are notes__terminated's: "with"
 * is one for negation, not here ("asthma worse with NSAIDs"). */
static bool
clause_ends_before(const sentence *s, uint32_t from, uint32_t to)
{
	static const char *const marks[] = {";", ",", "\xe3\x80\x82",
					    "\xef\xbc\x9b", "\xef\xbc\x8c"};

	for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++) {
		size_t n = strlen(marks[i]);

		for (uint32_t o = from; o + n <= to; o++)
			if (memcmp(s->text + o, marks[i], n) == 0)
				return true;
	}
	return false;
}

/* negated_before: is a negation trigger written from word from up to
 * word w ("her asthma has never been triggered by NSAIDs")? */
static bool
negated_before(const sentence *s, size_t from, size_t w)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_NEGATED &&
		    s->items[j].w0 >= from && s->items[j].w0 < w)
			return true;
	return false;
}

/* entry_opens_after: does a dash or a bracket follow drug item k, as an
 * allergy entry goes on to its reaction ("Sensitive to metronidazole -
 * vomiting"), not a comma ("sensitive to nitrofurantoin, fever
 * settling")? */
static bool
entry_opens_after(const sentence *s, size_t k)
{
	const char *p = s->text + s->items[k].end;

	while (*p == ' ')
		p++;
	return *p == '-' || *p == '(' ||
	       strncmp(p, "\xe2\x80\x94", 3) == 0 || /* — */
	       strncmp(p, "\xe2\x80\x93", 3) == 0;   /* – */
}

/* reaction_after: is a reaction, or a symptom (ICD-10 R00-R99), written
 * after item k in its sentence ("- vomiting", "(metallic taste,
 * vomiting)")? */
static bool
reaction_after(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type == NOTES_T_REACTION ||
		    (e->type == NOTES_T_PROBLEM && e->code[0] == 'R'))
			return true;
	}
	return false;
}

bool
notes__sensitive_opening(const sentence *s, size_t k)
{
	static const char *const lead[] = {"also", "allergy", "allergies"};
	size_t j = k > 0 ? k - 1 : 0;
	size_t w0;

	if (k == 0 || strcmp(s->items[j].e->key, "sensitive to") != 0)
		return false;
	w0 = s->items[j].w0;
	/* a culture's list ("Sensitive to: amoxicillin, nitrofurantoin"), or
	 * a result after the organism's sentence, tells no reaction */
	if (notes__colon_after(s, j) || !entry_opens_after(s, k) ||
	    !reaction_after(s, k))
		return false;
	return w0 == 0 ||
	       (w0 == 1 &&
		notes__words_in(s, 0, lead, sizeof(lead) / sizeof(*lead)));
}

/* notes__asthma_provoked: is NSAID item k written with an asthma it
 * brings on or worsens, in its clause ("Ibuprofen makes her asthma
 * worse", "Aspirin: asthma exacerbation", 布洛芬诱发哮喘, 哮喘发作 after
 * 阿司匹林)?  NSAID-exacerbated respiratory disease is a hypersensitivity
 * to every NSAID (EAACI/WAO position paper on NSAID hypersensitivity,
 * 2013), listed with the allergies; "ibuprofen for asthma" is not. */
/* asthma_named: does s name an asthma (J45) at all?  Asked before the
 * drug's classes are looked up, which costs more. */
static bool
asthma_named(const sentence *s)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_PROBLEM &&
		    strncmp(s->items[j].e->code, "J45", 3) == 0)
			return true;
	return false;
}

/* ASTHMA_WORSE_WORDS_ZH: ASTHMA_WORSE_WORDS for a Chinese drug, whose
 * words are characters ("服布洛芬（芬必得）后同样诱发哮喘", allergy75ll). */
#define ASTHMA_WORSE_WORDS_ZH 6

bool
notes__asthma_provoked(const sentence *s, size_t k)
{
	size_t most = s->words[s->items[k].w0].han ? ASTHMA_WORSE_WORDS_ZH
						   : ASTHMA_WORSE_WORDS;

	if (!asthma_named(s) || !nsaid_item(&s->items[k]))
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];
		size_t a = j < k ? j : k, b = j < k ? k : j;
		size_t from = s->items[a].w0;
		size_t to = s->items[b].w1 + most;

		if (it->e->type != NOTES_T_PROBLEM ||
		    strncmp(it->e->code, "J45", 3) != 0 ||
		    notes__terminated(s, a, b) || indicated(s, a, b) ||
		    clause_ends_before(s, s->items[a].end, s->items[b].start) ||
		    (b == j ? it->w0 - s->items[k].w1
			    : s->items[k].w0 - it->w1) > most)
			continue;
		for (size_t w = from; w < to && w < s->n; w++)
			if (worsened_at(s, w) && !negated_before(s, from, w) &&
			    (w < s->items[b].w1 ||
			     !clause_ends_before(s, s->items[b].end,
						 s->words[w].start)))
				return true;
	}
	return false;
}

/* postfix_cue: is allergy cue j written right after a drug ("Pen
 * allergic -> doxycycline")?  It names that drug, not the alternative
 * after it. */
static bool
postfix_cue(const sentence *s, size_t j)
{
	const item *prev = j > 0 ? &s->items[j - 1] : NULL;

	return prev != NULL && is_drug(prev) && s->items[j].w0 == prev->w1;
}

/* unread_member: is the word between drug items m and m + 1 a drug the
 * reader does not know, a comma before it and a comma, "and" or "or"
 * after it ("AVOID cefazolin, rocuronium and chlorhexidine - red allergy
 * band")?  It is the list's member: the list goes on past it. */
static bool
unread_member(const sentence *s, size_t m)
{
	static const char *const joins[] = {"and", "or"};
	size_t w = s->items[m].w1, gap = s->items[m + 1].w0 - w;
	const char *key = s->words[w].key;

	if (gap < 1 || gap > 2 || strlen(key) < 4 ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyz") != strlen(key) ||
	    !notes__only_marks(s->text, s->items[m].end, s->words[w].start,
			       ",") ||
	    !notes__between_has(s, s->items[m].end, s->words[w].start, ','))
		return false;
	if (gap == 2)
		return notes__words_in(s, w + 1, joins, N_OF(joins)) &&
		       notes__only_marks(s->text, s->words[w].end,
					 s->words[w + 1].start, "");
	return notes__between_has(s, s->words[w].end, s->items[m + 1].start,
				  ',');
}

/* listed_with: are drug items m and m + 1 one list ("penicillin and
 * codeine allergic", "pen/sulfa allergic", "青霉素和头孢都过敏"): nothing
 * but a conjunction or punctuation between them?  "clarithromycin as pen
 * allergic" names the alternative and the allergy, not two allergies. */
static bool
listed_with(const sentence *s, size_t m)
{
	static const char *const joins[] = {
		"and",		"or", "&", "\xe5\x92\x8c", /* 和 */
		"\xe5\x8f\x8a",				   /* 及 */
		"\xe4\xb8\x8e",				   /* 与 */
		"\xe6\x88\x96",				   /* 或 */
	};
	size_t gap = s->items[m + 1].w0 - s->items[m].w1;
	const char *w = s->words[s->items[m].w1].key;

	for (size_t i = 0; gap == 1 && i < sizeof(joins) / sizeof(joins[0]);
	     i++)
		if (strcmp(w, joins[i]) == 0)
			return true;
	return gap == 0 || unread_member(s, m);
}

/* closed_aside: does allergy cue j sit in an ASCII parenthesis that
 * closes before item k ("simvastatin (myalgia - intolerance), ramipril"),
 * or in a full-width one ("予头孢曲松（青霉素过敏史——非严重过敏）+甲硝
 * 唑", rules75zh20)?  The parenthesis tells the story of what it follows,
 * not of the next item of the list. */
static bool
closed_aside(const sentence *s, size_t j, size_t k)
{
	const char *from = s->text + s->items[j].end;
	const char *close =
		memchr(from, ')', s->items[k].start - s->items[j].end);
	const char *shut, *open = notes__paren_open(s, j, &shut);

	if (open != NULL && (unsigned char)*open == 0xef &&
	    shut < s->text + s->items[k].start)
		return true;
	return close != NULL && memchr(from, '(', close - from) == NULL &&
	       notes__ascii_paren_open(s->text, s->words[0].start,
				       s->items[j].start);
}

/* aside_of: is item j in a parenthesis opened after drug item k, with no
 * other drug between ("aripiprazole (akathisia - listed as
 * intolerance)")?  The parenthesis tells that drug's story. */
static bool
aside_of(const sentence *s, size_t k, size_t j)
{
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]))
			return false;
	return notes__opens_after_item(s, k, j);
}

/* own_aside_cue: does allergy cue j end the ASCII parenthesis opened
 * after drug item k, no other drug between ("simvastatin (GP stopped
 * 2024, myalgia - intolerance)")?  The parenthesis's last word says what
 * the drug was to the patient. */
static bool
own_aside_cue(const sentence *s, size_t k, size_t j)
{
	static const char *const denied[] = {"no", "not", "nil", "without"};
	const char *p = s->text + s->items[j].end;
	size_t w = s->items[j].w0;

	/* "(no reaction)" tells a dose given without one; "(per allergy)"
	 * why the drug was chosen, not its allergen (allergy75au: en44-29) */
	if ((s->items[j].e->dir & NOTES_DIR_POSTFIX) ||
	    (w > 0 && (notes__words_in(s, w - 1, denied,
				       sizeof(denied) / sizeof(*denied)) ||
		       notes__words_at(s, w - 1, "per"))))
		return false;
	if (!aside_of(s, k, j))
		return false;
	while (*p == ' ' || *p == '.' || *p == '!')
		p++;
	return *p == ')';
}

/* consequence_between: is there a word of consequence ("so", "therefore",
 * "hence", "thus") or an arrow between allergy cue j and the drug item k
 * after it?  The drug after it is what the allergy led to, the
 * alternative chosen or the one kept ("intolerant of digoxin (nausea) so
 * rate control remains bisoprolol"), not another drug the patient reacts
 * to. */
static bool
consequence_between(const sentence *s, size_t j, size_t k)
{
	static const char *const so[] = {"so", "therefore", "hence", "thus"};

	return notes__any_in(s, s->items[j].w1, s->items[k].w0, so,
			     sizeof(so) / sizeof(*so)) ||
	       notes__arrow_between(s, s->items[j].end, s->items[k].start);
}

/* negative_test_zh: is allergy cue j a skin test with its negative
 * result right after it ("皮试阴性则术前30分钟予头孢呋辛", "皮试阴性后使
 * 用")?  It names no drug after it: that drug is given once the test is
 * negative (rules75zh18). */
static bool
negative_test_zh(const sentence *s, size_t j)
{
	const item *t = &s->items[j];

	return strcmp(t->e->key, "皮试") == 0 && t->w1 < s->n &&
	       notes__words_at(s, t->w1, "阴性");
}

/* awaited: is allergy cue j written after "until" or "pending" ("NOT
 * ceftriaxone until allergy clarified", "avoid cefuroxime pending allergy
 * testing")?  The drug before it is withheld while another allergy is
 * sorted out, not the allergy (rules75en20). */
static bool
awaited(const sentence *s, size_t j)
{
	static const char *const wait[] = {"until", "pending", "till"};
	size_t w = s->items[j].w0;

	return w > 0 &&
	       notes__words_in(s, w - 1, wait, sizeof(wait) / sizeof(*wait));
}

/* list_colon: is there a colon after allergy cue j that opens its list
 * ("过敏史：青霉素，头孢类")?  One after a dash opens another's words
 * ("青霉素过敏史——与药剂科沟通：既往反应为皮疹，非严重过敏，头孢曲松…"),
 * not the allergies' list (rules75zh20). */
static bool
list_colon(const sentence *s, size_t j)
{
	uint32_t to = j + 1 < s->n_items ? s->items[j + 1].start
					 : s->words[s->n - 1].end;
	const char *from = s->text + s->items[j].end;
	const char *colon = notes__colon_at(s->text, s->items[j].end, to);

	return colon != NULL &&
	       memmem(from, (size_t)(colon - from), "\xe2\x80\x94", 3) == NULL;
}

/* switched_between_zh: is a Chinese switch verb written between allergy
 * cue j and drug item k after it ("cefazolin 可能過敏不確定 → 改用
 * clindamycin 600mg + gentamicin")?  What follows it is the replacement
 * chosen, every drug of it, as after "so" (rules75zh20). */
static bool
switched_between_zh(const sentence *s, size_t j, size_t k)
{
	static const char *const avoid[] = {"避免", "禁用", "勿用"};

	for (size_t w = s->items[j].w1; w < s->items[k].w0; w++)
		if (notes__switch_verb_zh(s, w))
			/* "改为左乙拉西坦（避免卡马西平…）": the drugs kept
			 * away are no replacement */
			return !notes__any_in(s, w, s->items[k].w0, avoid,
					      sizeof(avoid) / sizeof(*avoid));
	return false;
}

/* other_allergen_before: is allergy cue j written right after an allergen
 * that is no drug ("peanut allergy", "nut allergy", "egg allergy")?  The
 * cue names it; past a comma it names no drug ("PMH: peanut allergy,
 * eczema (hydrocortisone 1% cream PRN)"). */
static bool
other_allergen_before(const sentence *s, size_t j)
{
	static const char *const allergens[] = {
		"peanut", "peanuts", "nut",	  "nuts",    "egg",  "eggs",
		"milk",	  "dairy",   "shellfish", "seafood", "fish", "wheat",
		"gluten", "soy",     "soya",	  "sesame",  "food", "bee",
		"wasp",	  "pollen",  "dust",	  "cat",     "dog",  "grass",
		"nickel", "plaster", "plasters",  "tape"};
	size_t w0 = s->items[j].w0;

	return w0 > 0 && !s->words[w0 - 1].han &&
	       notes__words_in(s, w0 - 1, allergens,
			       sizeof(allergens) / sizeof(*allergens));
}

/* other_allergens_cue: is allergy cue j one of an allergen that is no
 * drug, with a comma before drug item k and no "to" right before it
 * ("peanut allergy, eczema (hydrocortisone …)"; not "nut allergy, also
 * to penicillin")? */
static bool
other_allergens_cue(const sentence *s, size_t j, size_t k)
{
	size_t w0 = s->items[k].w0;

	return other_allergen_before(s, j) &&
	       memchr(s->text + s->items[j].end, ',',
		      s->items[k].start - s->items[j].end) != NULL &&
	       !(w0 > 0 && notes__words_at(s, w0 - 1, "to"));
}

/* taken_past_comma: is drug item k, after allergy cue j, said to be taken
 * ("on", "takes", "taking", "uses", "using" right before it) past a
 * comma ("Nut allergy, epilepsy on levetiracetam", "Allergic to
 * penicillin, on ramipril")?  The drug is one the patient takes, not an
 * allergen the cue's list names.  Without the comma "on" may tell the
 * reaction ("allergic to aspirin - GI bleed on aspirin"). */
static bool
taken_past_comma(const sentence *s, size_t j, size_t k)
{
	static const char *const taken[] = {"on", "takes", "taking", "uses",
					    "using"};
	size_t w0 = s->items[k].w0;

	/* a cue that ends with the word itself ("goes crook on") has no
	 * comma before it */
	return w0 > 0 && s->words[w0 - 1].start > s->items[j].end &&
	       notes__words_in(s, w0 - 1, taken,
			       sizeof(taken) / sizeof(*taken)) &&
	       memchr(s->text + s->items[j].end, ',',
		      s->words[w0 - 1].start - s->items[j].end) != NULL;
}

/* lettered_at: does text at i, after a space, open a lettered step of
 * a list: a letter from a to h or a roman numeral up to viii in
 * parentheses and a space after ("(b) ", "(iii) ")?  A word's "(s)" has
 * no space before it. */
static bool
lettered_at(const char *text, uint32_t i, uint32_t to)
{
	uint32_t e = i + 1;

	if (i == 0 || text[i] != '(' || text[i - 1] != ' ')
		return false;
	while (e < to && (text[e] == 'i' || text[e] == 'v' || text[e] == 'x'))
		e++;
	if (e == i + 1 && e < to && text[e] >= 'a' && text[e] <= 'h')
		e++;
	return e > i + 1 && e - i <= 5 && e + 1 < to && text[e] == ')' &&
	       text[e + 1] == ' ';
}

/* lettered_apart: is a lettered step of a list written between allergy
 * cue j and drug item k after it ("GP please (a) update allergy record
 * as above, (b) check calcium, (c) review BP off amlodipine")?  Each step
 * is a request of its own; the cue names nothing in the next. */
static bool
lettered_apart(const sentence *s, size_t j, size_t k)
{
	for (uint32_t i = s->items[j].end; i < s->items[k].start; i++)
		if (lettered_at(s->text, i, s->items[k].start))
			return true;
	return false;
}

/* doubt_before: how many items stand as a doubt between drug item k's
 * dash or colon and allergy cue j, the doubt the whole answer: 1 for a
 * doubt word ("Aspirin - possible allergy", "Aspirin: query allergy"),
 * 2 for "not sure if" or "unsure whether" ("Aspirin - not sure if
 * allergy", allergy75mj), 0 for none.  The doubt is the allergy's, and
 * the cue names the drug as "?allergy" does (allergy75me). */
static size_t
doubt_before(const sentence *s, size_t k, size_t j)
{
	static const char *const asks[] = {"if", "whether"};
	size_t n =
		j >= k + 3 && s->items[j - 1].e->type == NOTES_T_HYPOTHETICAL &&
				notes__among(s->items[j - 1].e->key, asks,
					     N_OF(asks))
			? 2
			: 1;
	const item *doubt = &s->items[j - n];
	uint32_t from = s->items[k].end, to = doubt->start;

	if (j != k + 1 + n || doubt->e->type != NOTES_T_UNCERTAIN ||
	    s->items[j - 1].w1 != s->items[j].w0 ||
	    doubt->w1 != s->items[j - n + 1].w0 || from >= to ||
	    !notes__only_marks(s->text, from, to, "-:") ||
	    (memchr(s->text + from, '-', to - from) == NULL &&
	     notes__colon_at(s->text, from, to) == NULL))
		return 0;
	return n;
}

/* cue_reaches: does allergy cue j name substance item k?  A cue before
 * it names every substance after it in the clause ("allergic to
 * penicillin and codeine"), not past a full-width comma unless a colon
 * follows the cue, nor out of the parenthesis that holds the cue; a cue
 * after it only the run of substances right before it, not one in
 * parentheses' other side ("clarithromycin (pen allergic)": penicillin
 * only), or the drug whose own parenthesis it ends. */
static bool
cue_reaches(const sentence *s, size_t k, size_t j)
{
	if (notes__terminated(s, j < k ? j : k, j < k ? k : j))
		return false;
	if (j < k)
		return (s->items[j].e->dir & NOTES_DIR_FORWARD ||
			!(s->items[j].e->dir &
			  (NOTES_DIR_BACKWARD | NOTES_DIR_POSTFIX))) &&
		       (!notes__comma_between(s, j, k) || list_colon(s, j)) &&
		       (!postfix_cue(s, j) || notes__colon_after(s, j)) &&
		       !closed_aside(s, j, k) &&
		       !consequence_between(s, j, k) &&
		       !taken_past_comma(s, j, k) && !lettered_apart(s, j, k) &&
		       !other_allergens_cue(s, j, k) &&
		       !negative_test_zh(s, j) && !switched_between_zh(s, j, k);
	if (own_aside_cue(s, k, j))
		return true;
	/* a "?" written onto the cue doubts it, and reaches as the cue
	 * does ("Clarithromycin ?allergy - pt can't recall", allergy75bx) */
	if (j > k + 1 && s->items[j - 1].e->type == NOTES_T_UNCERTAIN &&
	    strcmp(s->items[j - 1].e->key, "?") == 0 &&
	    s->items[j - 1].end == s->items[j].start)
		j--;
	else if (j > k + 1)
		j -= doubt_before(s, k, j);
	for (size_t m = k + 1; m < j; m++) {
		notes_type t = s->items[m].e->type;

		if (t != NOTES_T_SUBSTANCE && t != NOTES_T_CLASS)
			return false;
	}
	for (size_t m = k; m + 1 < j; m++)
		if (notes__paren_between(s, s->items[m].end,
					 s->items[m + 1].start) ||
		    !listed_with(s, m))
			return false;
	return s->items[j].w0 - s->items[j - 1].w1 <= 1 && !awaited(s, j);
}

/* switched_to_zh: is drug item m written right after a Chinese switch
 * verb ("换为氯吡格雷", "改用克林霉素")?  rules_zh.c's switched_zh reads the
 * whole clause; this reads only the two words before, so that reaction.c
 * need not call it. */
static bool
switched_to_zh(const sentence *s, size_t m)
{
	size_t w0 = s->items[m].w0;

	return w0 >= 2 && notes__switch_verb_zh(s, w0 - 2);
}

/* never_taken_zh: do the words between drug item k and cue j say the
 * drug was never taken ("头孢类：从未使用，因\"怕过敏\"不敢用")?  A drug
 * the patient fears and never took has no intolerance of its own. */
static bool
never_taken_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const never[] = {"从未",   "从没",	"未用过",
					    "没用过", "未使用", "未曾"};

	return notes__any_in(s, s->items[k].w1, s->items[j].w0, never,
			     sizeof(never) / sizeof(*never));
}

/* refusal_denied: is English refusal cue j's drug k one a word of
 * negation between them says is not needed or not given ("naloxone not
 * needed as she will not take it again", en-dev35)?  Then the refusal
 * is of another drug, with no effect of k's told. */
static bool
refusal_denied(const sentence *s, size_t k, size_t j)
{
	if (!notes__is_refusal_cue(s->items[j].e))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (s->items[m].e->type == NOTES_T_NEGATED)
			return true;
	return false;
}

/* intolerance_reaches: does intolerance cue j (NOTES_DIR_BACKWARD) name
 * substance item k of the clause before its own ("曲马多服用后头晕，不能
 * 耐受")?  k is the last drug before j, and the cue's clause starts after
 * k's: no terminator but one full-width comma between them.  A Chinese
 * drug switched to in between (switched_to_zh) replaced k and is not what
 * the cue records ("对替格瑞洛"胸闷、喘不过气"，…换为氯吡格雷，已记录为不良
 * 反应"), nor is a drug the words between say was never taken
 * (never_taken_zh). */
/* avoided_before_zh: is Chinese refusal cue j one the patient keeps only
 * before a task, "前" and at most an adverb before it ("吃了犯困，出乘前一般
 * 不敢吃", "开车前不吃")?  The drowsiness is the drug's expected effect,
 * kept away from the work; the drug is still taken (allergy75jm). */
static bool
avoided_before_zh(const sentence *s, size_t j)
{
	static const char *const once[] = {"都", "就"};
	size_t w = s->items[j].w0;

	if (w >= 2 && notes__words_at(s, w - 2, "一般"))
		w -= 2;
	else if (w >= 1 && notes__words_in(s, w - 1, once, N_OF(once)))
		w--;
	return w >= 1 && s->words[w - 1].han && notes__words_at(s, w - 1, "前");
}

static bool
intolerance_reaches(const sentence *s, size_t k, size_t j)
{
	/* a writer's "非过敏" reads back by itself (disowned_by), and the
	 * symptoms before it stay the patient's problems */
	if (!(s->items[j].e->dir & NOTES_DIR_BACKWARD) ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL) || j < k ||
	    notes__terminated(s, k, j) || notes__drug_after(s, j) ||
	    never_taken_zh(s, k, j) || refusal_denied(s, k, j) ||
	    avoided_before_zh(s, j))
		return false;
	for (size_t m = k + 1; m < j; m++) {
		notes_type t = s->items[m].e->type;

		if ((t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS) &&
		    !switched_to_zh(s, m))
			return false;
	}
	return true;
}

bool
notes__intolerance_of(const sentence *s, size_t k)
{
	size_t d = k;

	while (d > 0 && s->items[d - 1].e->type != NOTES_T_SUBSTANCE &&
	       s->items[d - 1].e->type != NOTES_T_CLASS)
		d--;
	if (d == 0)
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    intolerance_reaches(s, d - 1, j))
			return true;
	return false;
}

bool
notes__is_refusal_cue(const notes_entry *e)
{
	return e != NULL && e->type == NOTES_T_ALLERGY_CUE &&
	       e->dir == NOTES_DIR_BACKWARD && (unsigned char)e->key[0] < 0x80;
}

void
notes__refused_then(const sentence *s, size_t k, notes_finding *f)
{
	/* an allergy list's entries tell reactions, not the drugs taken
	 * ("Allergies: ... co-codamol - itch all over, she won't take it
	 * again", en-dev44) */
	if (f->kind != NOTES_ALLERGY || f->context != 0 || s->allergy_line ||
	    s->allergy_list)
		return;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (notes__is_refusal_cue(s->items[j].e) &&
		    intolerance_reaches(s, k, j)) {
			f->context = NOTES_HISTORICAL;
			f->trigger = s->items[j].e->key;
			return;
		}
}

size_t
notes__first_drug(const sentence *s, size_t j)
{
	for (size_t m = 0; m < j; m++)
		if (is_drug(&s->items[m]))
			return m;
	return j;
}

bool
notes__recorded_reaches(const sentence *s, size_t k, size_t j)
{
	if (!(s->items[j].e->dir & NOTES_DIR_RECORDED) || j < k ||
	    notes__record_denied(s, j))
		return false;
	if (notes__first_drug(s, j) != k)
		return aside_of(s, k, j);
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return false;
	return true;
}

/* keyed_among: is item it of type type, its phrase one of keys[0..n)? */
static bool
keyed_among(const item *it, int type, const char *const *keys, size_t n)
{
	if ((int)it->e->type != type)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(it->e->key, keys[i]) == 0)
			return true;
	return false;
}

/* never_used: is item m a negation that says the drug before it was never
 * taken ("\"利伐沙班\"未用过")?  未再用过 ("not used again") is not one: the
 * drug was taken, and its reaction may be the allergy. */
static bool
never_used(const item *m)
{
	static const char *const never[] = {"未用过", "未使用过", "从未用过",
					    "从未使用过"};

	return keyed_among(m, NOTES_T_NEGATED, never,
			   sizeof(never) / sizeof(*never));
}

/* fine_in_item: does a tolerated cue follow drug item k in its list
 * item ("；另诉头孢应该没问题"), or a never-used one ("；\"利伐沙班\"未用过")?
 * The item says the drug did no harm, or was never taken. */
static bool
fine_in_item(const sentence *s, size_t k)
{
	uint32_t end = notes__list_item_end(s, k);

	for (size_t m = k + 1; m < s->n_items && s->items[m].start < end; m++)
		if (s->items[m].e->type == NOTES_T_TOLERATED ||
		    never_used(&s->items[m]))
			return true;
	return false;
}

/* semi_listed_zh: is drug item k in a later item of a Chinese allergy
 * line, one its semicolons part, with no comma before k in that item
 * ("过敏：头孢（皮疹）；\"阿斯匹林\"（哮喘发作）")?  Each such item
 * names an allergen, as the first does; a comma starts the item's story
 * ("……；另诉头孢应该没问题，以前用过"). */
static bool
semi_listed_zh(const sentence *s, size_t k)
{
	uint32_t len, to = s->items[k].start;
	bool later = false, comma = false;
	int depth = 0;

	if (k == 0 || !notes__zh_allergy_head(s))
		return false;
	for (uint32_t i = s->items[0].end; i < to; i += len) {
		int mark = notes__list_mark(s->text, i, to, &len);

		if (mark == 2)
			depth++;
		else if (mark == 3 && depth > 0)
			depth--;
		else if (mark == 1 && depth == 0 &&
			 (s->text[i] == ';' ||
			  memcmp(s->text + i, FW_SEMI, len) == 0))
			later = true, comma = false;
		else if (mark == 1 && depth == 0 && len == 3 &&
			 memcmp(s->text + i, FW_COMMA, 3) == 0)
			comma = true;
	}
	return later && !comma && !fine_in_item(s, k);
}

/* The adverbs a Chinese writer puts between a drug and the allergy
 * after it ("青霉素好像也会过敏", "头孢都会过敏", "对头孢也有点过敏": 有点
 * and 有些, a little): the allergy is the drug's. */
#define ADVERB_GAP_ZH 4

/* adverb_at_zh: is word w one of those adverbs, or in a doubt item? */
static bool
adverb_at_zh(const sentence *s, size_t w)
{
	static const char *const adverbs[] = {"也", "会", "都", "还", "亦",
					      "均", "曾", "有", "点", "些"};

	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].w0 <= w && w < s->items[m].w1)
			return s->items[m].e->type == NOTES_T_UNCERTAIN;
	return s->words[w].han &&
	       notes__words_in(s, w, adverbs,
			       sizeof(adverbs) / sizeof(*adverbs));
}

/* quote_closed: is only a closing quote or corner bracket between word w
 * and the word before it ("对“头孢唑林”是否过敏不详")?  The quote holds
 * the drug's name; what follows is said of it. */
static bool
quote_closed(const sentence *s, size_t w)
{
	static const char *const quotes[] = {"\xe2\x80\x9d", "\xe2\x80\x99",
					     "\xe3\x80\x8d", "\xe3\x80\x8f",
					     "\""};
	uint32_t from = s->words[w - 1].end, to = s->words[w].start;

	for (size_t i = 0; i < sizeof(quotes) / sizeof(*quotes); i++)
		if (to - from == strlen(quotes[i]) &&
		    memcmp(s->text + from, quotes[i], to - from) == 0)
			return true;
	return false;
}

/* whether_unknown_zh: is word w in the 是否 (whether) of "是否过敏不详"
 * before Chinese allergy cue j, a word that says it is not known right
 * after the cue ("对“头孢唑林”是否过敏不详")?  The allergy is the drug's,
 * doubted (notes__doubt_after_zh); a question alone ("询问对青霉素是否
 * 过敏") names none. */
static bool
whether_unknown_zh(const sentence *s, size_t w, size_t j)
{
	static const char *const unknown[] = {"不详", "不明", "不清", "未知"};

	return (notes__words_at(s, w, "是否") ||
		(w > 0 && notes__words_at(s, w - 1, "是否"))) &&
	       s->items[j].w1 < s->n &&
	       notes__words_in(s, s->items[j].w1, unknown, 4);
}

/* spaced_after_latin: is only white space between word w and the word
 * before it, a Latin name ("對 Ciproxin 可能過敏")?  Hong Kong and Taiwan
 * write a space around an English name in Chinese; it parts no words. */
static bool
spaced_after_latin(const sentence *s, size_t w)
{
	uint32_t from = s->words[w - 1].end, to = s->words[w].start;

	if (s->words[w - 1].han)
		return false;
	for (uint32_t i = from; i < to; i++)
		if (s->text[i] != ' ')
			return false;
	return true;
}

/* adverbs_between_zh: are words from .. to - 1 (from > 0) a few adverbs
 * of Chinese allergy cue j and nothing else, the first perhaps after a
 * closing quote or the space after a Latin name? */
static bool
adverbs_between_zh(const sentence *s, size_t from, size_t to, size_t j)
{
	if (to - from > ADVERB_GAP_ZH)
		return false;
	for (size_t w = from; w < to; w++)
		if ((!adverb_at_zh(s, w) && !whether_unknown_zh(s, w, j)) ||
		    (s->words[w].start != s->words[w - 1].end &&
		     !(w == from &&
		       (quote_closed(s, w) || spaced_after_latin(s, w)))))
			return false;
	return true;
}

/* adverbs_reach_zh: does Chinese allergy cue j, after drug item k, name
 * it over a few adverbs and nothing else ("「青黴素好像也會過敏」", "是否
 * 过敏不详": whether_unknown_zh)? */
static bool
adverbs_reach_zh(const sentence *s, size_t k, size_t j)
{
	size_t from = s->items[k].w1, to = s->items[j].w0;

	if (j <= k || !s->words[to].han ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL) || to - from < 2)
		return false;
	return adverbs_between_zh(s, from, to, j);
}

/* run_adverbs_reach_zh: does Chinese allergy cue j, after a list of drugs
 * that drug item k opens ("对头孢类、青霉素类可能过敏"), name it over the
 * adverbs or doubt after the list's last drug?  What the cue says of the
 * last it says of each. */
static bool
run_adverbs_reach_zh(const sentence *s, size_t k, size_t j)
{
	size_t m = k;

	while (m + 1 < j && is_drug(&s->items[m + 1]) && listed_with(s, m) &&
	       !notes__paren_between(s, s->items[m].end, s->items[m + 1].start))
		m++;
	return m > k && adverbs_reach_zh(s, m, j);
}

/* formed_reach_zh: does Chinese allergy cue j name drug item k, written
 * "对X…过敏" with only the product's dosage form between them ("患者对
 * \"氯己定\"消毒液过敏", "对青霉素注射液过敏"), perhaps a few adverbs
 * after the form ("對 Ciproxin 眼藥水可能過敏", rules75zh18)?  The form is
 * the drug's (the Chinese Pharmacopoeia's dosage forms, and the eye
 * drops, 眼药水, patients and wards say), or the glove made of it ("对乳
 * 胶手套过敏": the WAO's latex allergy); the allergy is to it. */
static bool
formed_reach_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const forms[] = {
		"消毒液", "注射液", "口服液", "滴眼液", "溶液",	  "软膏",
		"乳膏",	  "凝胶",   "胶囊",   "颗粒",	"贴剂",	  "针剂",
		"制剂",	  "片",	    "手套",   "眼药水", "滴耳液", "眼膏"};
	size_t from = s->items[k].w1, to = s->items[j].w0, after;

	if (j <= k || s->items[k].w0 == 0 ||
	    !notes__words_at(s, s->items[k].w0 - 1, "对") ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL))
		return false;
	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		after = from + strlen(forms[i]) / 3;
		if (after <= to && notes__words_at(s, from, forms[i]) &&
		    (after == to || adverbs_between_zh(s, after, to, j)))
			return true;
	}
	return false;
}

/* told_reach_zh: does Chinese allergy cue j answer the entry drug item k
 * labels, a colon after it and only who tells or records it, and a doubt,
 * between ("芬必得：患者称\"过敏\"", "青霉素：家属诉过敏",
 * "阿莫西林：病历标注为
 * \"可疑过敏\"")?  The entry's answer is the allergy the patient, the family
 * or the record report (its doubt read as a doubt's); what the writer
 * found on asking is read after it. */
static bool
told_reach_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const tellers[] = {
		"患者", "病人", "家属", "本人", "自",	"称", "诉",   "述",
		"说",	"曾",	"病历", "标注", "记录", "为", "可疑", "疑似"};
	size_t w = s->items[k].w1, to = s->items[j].w0;

	if (j <= k || !s->words[to].han || !notes__colon_after(s, k) ||
	    (s->items[j].e->dir & NOTES_DIR_DELABEL) || to == w)
		return false;
	while (w < to) {
		size_t i = 0;

		while (i < N_OF(tellers) && !notes__words_at(s, w, tellers[i]))
			i++;
		if (i == N_OF(tellers))
			return false;
		w += strlen(tellers[i]) / 3; /* a character is 3 bytes */
	}
	return w == to;
}

/* DOUBT_CUE_ZH_WORDS: how far the allergy cue of doubted_then_cued_zh may
 * follow the doubt. */
#define DOUBT_CUE_ZH_WORDS 12

/* doubted_then_cued_zh: is Chinese drug item k followed right after by a
 * doubt (不确定, 记不清) and then, in the next clause, with no drug of its
 * own, by 过敏 ("磺胺類藥物不確定，以前說過「好像會過敏」", "头孢记不清，可能
 * 过敏")?  The doubt and the allergy are the drug's; the doubt makes it
 * uncertain (rules75zh24). */
static bool
doubted_then_cued_zh(const sentence *s, size_t k)
{
	static const char *const doubt[] = {"不确定", "记不清"};
	const item *d = &s->items[k];
	const char *comma;

	if (d->w1 >= s->n ||
	    !notes__words_in(s, d->w1, doubt, sizeof(doubt) / sizeof(*doubt)))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *c = &s->items[j];

		if (is_drug(c) || c->w0 - d->w1 > DOUBT_CUE_ZH_WORDS)
			return false;
		if (c->e->type != NOTES_T_ALLERGY_CUE ||
		    strcmp(c->e->key, "过敏") != 0)
			continue;
		/* one full-width comma between: the next clause only */
		comma = memmem(s->text + d->end, c->start - d->end,
			       "\xef\xbc\x8c", 3);
		return comma != NULL &&
		       memmem(comma + 3,
			      (size_t)(s->text + c->start - (comma + 3)),
			      "\xef\xbc\x8c", 3) == NULL;
	}
	return false;
}

/* sensitive_because_zh: is drug item k written as the reason of a plan,
 * the patient's sensitivity to it ("因NSAID敏感", "因對Penicillin敏感，給予
 * Levofloxacin")?  Hong Kong writes an allergy 敏感; a culture's
 * sensitivity ("對ceftriaxone敏感") is no reason so written. */
static bool
sensitive_because_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0, after = s->items[k].w1;

	if (w > 0 && notes__words_at(s, w - 1, "对"))
		w--;
	/* 因 ending a drug's name before it is no reason ("对呋喃妥因、头孢呋辛
	 * 敏感", a culture's result, allergy75lk) */
	return w > 0 && notes__words_at(s, w - 1, "因") &&
	       (k == 0 || s->items[k - 1].end <= s->words[w - 1].start) &&
	       notes__words_at(s, after, "敏感");
}

/* to_word_zh: the word "对" right before drug item k, past 所有 ("對「所有
 * 磺胺藥」敏感": every drug of the class, allergy75of), or s->n for none. */
static size_t
to_word_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;

	if (w >= 2 && notes__words_at(s, w - 2, "所有"))
		w -= 2;
	return w > 0 && notes__words_at(s, w - 1, "对") ? w - 1 : s->n;
}

/* sensitive_to_zh: is drug item k written "对X敏感", 都 or 也 perhaps
 * between?  *after is the word 敏感. */
static bool
sensitive_to_zh(const sentence *s, size_t k, size_t *after)
{
	*after = s->items[k].w1;
	if (to_word_zh(s, k) == s->n)
		return false;
	if (notes__words_at(s, *after, "都") ||
	    notes__words_at(s, *after, "也"))
		(*after)++;
	return notes__words_at(s, *after, "敏感");
}

/* sensitive_reacted_zh: is drug item k written "对X敏感" (都 or 也 perhaps
 * between), a reaction that happened told after it in its sentence ("佢對盤
 * 尼西林都敏感，打針之後成身紅")?  Hong Kong writes an allergy 敏感; a
 * culture's sensitivity ("對ceftriaxone敏感") tells of no reaction. */
static bool
sensitive_reacted_zh(const sentence *s, size_t k)
{
	size_t after;

	if (!sensitive_to_zh(s, k, &after))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_REACTION &&
		    s->items[j].w0 > after && !denied_reaction(s, j))
			return true;
	return false;
}

/* The patient or one who tells for them, said right before "对X敏感"
 * ("患者稱對「所有磺胺藥」敏感", "佢話對盤尼西林敏感"): a culture's
 * sensitivity is not a person's. */
static const char *const sensitive_tellers_zh[] = {
	"称", "自称", "诉",   "自诉", "话",  "讲",
	"说", "患者", "病人", "佢",   "本人"};

/* sensitive_told_zh: is drug item k written "对X敏感" (sensitive_to_zh)
 * right after the patient or a teller (sensitive_tellers_zh,
 * allergy75of, zh-dev47)?  Hong Kong and Taiwan write an allergy 敏感;
 * a person said to be sensitive has the allergy. */
static bool
sensitive_told_zh(const sentence *s, size_t k)
{
	size_t after, to = to_word_zh(s, k);

	return sensitive_to_zh(s, k, &after) && to >= 1 &&
	       notes__words_end_at(s, to, sensitive_tellers_zh,
				   N_OF(sensitive_tellers_zh));
}

/* sensitive_relative_zh: is drug item k written "对X敏感" (都 or 也
 * perhaps between) of a relative ("女兒對 aspirin 敏感（哮喘）", "佢阿媽對
 * \"aspirin\" 敏感")?  Hong Kong writes an allergy 敏感, and the
 * relative's allergy is one the writers code, of the family
 * (allergy75aj); a culture's result names no relative. */
static bool
sensitive_relative_zh(const sentence *s, size_t k)
{
	size_t after;
	const char *trigger;

	return sensitive_to_zh(s, k, &after) &&
	       (notes__context(s, k, true, &trigger) & NOTES_FAMILY);
}

/* sensitivity_shown_zh: is drug item k the first words of a parenthesis
 * written right after "敏感", "后" right after it ("抗精神病药敏感（奥氮平后
 * 加重）")?  The parenthesis tells the drug after which the sensitivity
 * showed: its allergy.  A culture's sensitivity is told with its result
 * ("对头孢曲松敏感（MIC 0.5）"), no drug taken. */
static bool
sensitivity_shown_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;
	uint32_t from;

	if (w < 2 || !notes__words_at(s, w - 2, "敏感") ||
	    !notes__words_at(s, s->items[k].w1, "后"))
		return false;
	from = s->words[w - 1].end;
	return s->items[k].start > from &&
	       (memmem(s->text + from, s->items[k].start - from, "（", 3) !=
			NULL ||
		memchr(s->text + from, '(', s->items[k].start - from) != NULL);
}

/* COND_CUE_WORDS: the most words between "if" and the cue it makes a
 * condition. */
#define COND_CUE_WORDS 6

/* cue_conditional: is English intolerance cue j ("not tolerated",
 * "intolerant") put as a condition, "if" or "unless" before it in its
 * clause ("If verapamil is not tolerated, lithium or greater occipital
 * nerve block are next")?  The writer plans for an intolerance that has
 * not happened: no drug's allergy is told (rules75en23).  "If she ever
 * becomes allergic to penicillins" is left to the context triggers, a
 * hypothetical allergy. */
static bool
cue_conditional(const sentence *s, size_t j)
{
	static const char *const cond[] = {"if", "unless"};
	const item *c = &s->items[j];
	size_t from = c->w0 > COND_CUE_WORDS ? c->w0 - COND_CUE_WORDS : 0;

	if (s->words[c->w0].han || strstr(c->e->key, "tolera") == NULL)
		return false;
	for (size_t w = c->w0; w-- > from;) {
		if (notes__words_in(s, w, cond, sizeof(cond) / sizeof(*cond)))
			return !notes__between_has(s, s->words[w].end, c->start,
						   ',') &&
			       !notes__between_has(s, s->words[w].end, c->start,
						   ';');
	}
	return false;
}

/* closing_verdict: is intolerance cue j the last word of a bracket that
 * closes its sentence, every drug of which is drug item k ("Was given
 * tramadol in ED - took 1 dose, vomited, stopped; would not take again
 * (he says \"allergic\", it is nausea - intolerance).")?  The writer's
 * verdict on the story is on its one drug, across its clauses
 * (rules75en25). */
static bool
closing_verdict(const sentence *s, size_t k, size_t j)
{
	const item *cue = &s->items[j];
	const char *p = s->text + cue->end;

	if (j < k || strcmp(cue->e->key, "intolerance") != 0 ||
	    cue->w1 != s->n || *p != ')' ||
	    !notes__ascii_paren_open(s->text, s->items[k].end, cue->start))
		return false;
	for (size_t m = 0; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return false;
	return true;
}

/* dash_before: is a dash written before word w, with at most one word
 * between and no other mark but a closing bracket or quote ("(2016) --
 * intolerance", "- genuine intolerance", an em or en dash)? */
static bool
dash_before(const sentence *s, size_t w)
{
	size_t from = w > 1 ? w - 2 : 0;

	for (size_t v = w; v-- > from;) {
		const char *p = s->text + s->words[v].end;
		const char *end = s->text + s->words[v + 1].start;

		for (; p < end; p++)
			if (*p == '-' || strncmp(p, "\xe2\x80\x94", 3) == 0 ||
			    strncmp(p, "\xe2\x80\x93", 3) == 0)
				return true;
			else if (*p != ' ' && *p != ')' && *p != '"')
				return false;
	}
	return false;
}

/* verdict_closes: does intolerance cue j close its entry: the sentence,
 * or a clause, ends after it, or the bracket it stands in closes after it
 * or after a record word ("intolerance noted)")?  bracket asks for the
 * bracket alone. */
static bool
verdict_closes(const sentence *s, size_t j, bool bracket)
{
	static const char *const noted[] = {"noted", "recorded"};
	const item *cue = &s->items[j];
	const char *p = s->text + cue->end;

	if (cue->w1 < s->n && *p != ')' &&
	    notes__words_in(s, cue->w1, noted, 2))
		p = s->text + s->words[cue->w1].end;
	if (bracket)
		return *p == ')';
	return cue->w1 == s->n || strchr(";.,)", *p) != NULL;
}

/* entry_verdict: is intolerance cue j the verdict that ends the entry
 * drug item k heads ("- Codeine: severe constipation and confusion after
 * his knee injection in 2019 -- genuine intolerance; keep on record.",
 * "- ACE inhibitors: cough with lisinopril (2016) -- intolerance", "4.
 * Codeine - constipation and confusion, pt asks to avoid - intolerance",
 * allergy75gu)?  k opens the sentence with a colon or a spaced dash after
 * it (heads_entry), or the bracket the cue closes
 * opens after k ("metformin 500 bd (PCOS, ..., now GI upset - she'd like
 * to stop - intolerance noted)"); a dash stands before the cue; any other
 * drug between is k or one of k's class.  The writer's kind, written
 * last, is the head drug's (allergy75n). */
/* banned_unexposed_zh: is allergy cue j a lifelong ban (终身禁用) in a
 * sentence that says the patient never had the drug ("终身禁用ACEI类降压
 * 药（如依那普利、培哚普利）——已写入警示，本人从未用过", for hereditary
 * angioedema)?  A ban without exposure is a contraindication, no
 * allergy (allergy75jy). */
static bool
banned_unexposed_zh(const sentence *s, size_t j)
{
	static const char *const ban[] = {"终身禁用", "终生禁用"};
	static const char *const never[] = {"从未用过", "从未使用", "未用过",
					    "未使用过", "没用过"};

	return notes__among(s->items[j].e->key, ban, N_OF(ban)) &&
	       notes__words_any(s, s->items[j].w1, s->n, never, N_OF(never));
}

/* heads_entry: does drug item k open s, after a list number at most
 * ("4. Codeine - constipation ..."), with a colon or a spaced dash after
 * it? */
static bool
heads_entry(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	const char *p = s->text + d->end;

	if (d->w0 > 1 || (d->w0 == 1 && !notes__is_number(s->words[0].key)))
		return false;
	return *p == ':' || strncmp(p, " - ", 3) == 0;
}

static bool
entry_verdict(const sentence *s, size_t k, size_t j)
{
	const item *cue = &s->items[j];
	bool head = heads_entry(s, k);

	if (j < k || strcmp(cue->e->key, "intolerance") != 0 ||
	    s->words[0].han || !dash_before(s, cue->w0))
		return false;
	if (!(head && verdict_closes(s, j, false)) &&
	    !(verdict_closes(s, j, true) &&
	      notes__ascii_paren_open(s->text, s->items[k].end, cue->start)))
		return false;
	for (size_t m = k + 1; m < j; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0 &&
		    !notes__member_of(s->items[m].e->code, s->items[k].e->code))
			return false;
	return true;
}

/* alert_labelled: is drug or class item k what a record's "Alert:" label
 * names, right after its colon ("CONFIRMED in NEHR. Alert: SULFONAMIDE
 * ANTIBIOTICS.", allergy75pn, en-dev77)?  A record's alert on a drug is
 * its allergy alert; "Alert, orientated" has no colon. */
static bool
alert_labelled(const sentence *s, size_t k)
{
	static const char *const alert[] = {"alert", "alerts"};
	size_t w = s->items[k].w0;

	return w >= 1 && notes__words_in(s, w - 1, alert, N_OF(alert)) &&
	       notes__only_marks(s->text, s->words[w - 1].end,
				 s->items[k].start, ":") &&
	       notes__between_has(s, s->words[w - 1].end, s->items[k].start,
				  ':');
}

/* cue_bracketed_after: is allergy cue j alone in the bracket right after
 * another drug than item k ("Stopped: Simvastatin (→ Atorvastatin),
 * Ticagrelor (ADR).", allergy75tt, zh-dev89), a comma after item k
 * before that drug?  The bracket files that drug alone, not the list's
 * other entries. */
static bool
cue_bracketed_after(const sentence *s, size_t j, size_t k)
{
	uint32_t end = s->items[j].end;

	/* "NO Brufen / NSAID (allergy)": one group, filed together */
	return j > 0 && k + 1 < j && is_drug(&s->items[j - 1]) &&
	       notes__between_has(s, s->items[k].end, s->items[j - 1].start,
				  ',') &&
	       notes__only_marks(s->text, s->items[j - 1].end,
				 s->items[j].start, "(") &&
	       memchr(s->text + s->items[j - 1].end, '(',
		      s->items[j].start - s->items[j - 1].end) != NULL &&
	       end < s->text_len && s->text[end] == ')';
}

bool
notes__allergy_cued(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    !cue_bracketed_after(s, j, k) && !cue_conditional(s, j) &&
		    !notes__record_denied(s, j) && !banned_unexposed_zh(s, j) &&
		    !culprit_named(s, j, k) &&
		    (cue_reaches(s, k, j) || intolerance_reaches(s, k, j) ||
		     notes__recorded_reaches(s, k, j) ||
		     notes__recorded_names(s, j, k) ||
		     closing_verdict(s, k, j) || entry_verdict(s, k, j) ||
		     adverbs_reach_zh(s, k, j) ||
		     run_adverbs_reach_zh(s, k, j) ||
		     formed_reach_zh(s, k, j) || told_reach_zh(s, k, j)))
			return true;
	return sensitive_because_zh(s, k) || sensitive_reacted_zh(s, k) ||
	       sensitive_relative_zh(s, k) || sensitive_told_zh(s, k) ||
	       sensitivity_shown_zh(s, k) || semi_listed_zh(s, k) ||
	       doubted_then_cued_zh(s, k) || alert_labelled(s, k);
}

/* enumerated_with_next: is item m followed right away by "、" and the
 * next item, a list's enumeration comma between them? */
static bool
enumerated_with_next(const sentence *s, size_t m)
{
	static const char comma[] = "\xe3\x80\x81"; /* 、 */
	uint32_t end = s->items[m].end;

	return m + 1 < s->n_items &&
	       s->items[m + 1].start - end == sizeof(comma) - 1 &&
	       memcmp(s->text + end, comma, sizeof(comma) - 1) == 0;
}

/* own_drug_before_zh: is a drug told before cue j in its own clause, no
 * comma between ("單用普拿疼（acetaminophen）沒有問題，判斷為 tramadol 所
 * 致", allergy75pf, zh-dev76)?  The cue speaks of that drug. */
static bool
own_drug_before_zh(const sentence *s, size_t j)
{
	for (size_t m = j; m-- > 0;)
		if (is_drug(&s->items[m]))
			return !notes__comma_between(s, m, j);
	return false;
}

/* cause_told_after: does drug item k's clause go on with its reaction,
 * an allergy cue or the word that makes it the cause ("判斷為 tramadol
 * 所致")?  The drug is the culprit, no drug tolerated. */
static bool
cause_told_after(const sentence *s, size_t k)
{
	notes_type t;

	if (k + 1 >= s->n_items || notes__comma_between(s, k, k + 1))
		return false;
	t = s->items[k + 1].e->type;
	return t == NOTES_T_REACTION || t == NOTES_T_ALLERGY_CUE ||
	       t == NOTES_T_CAUSES;
}

/* tolerated_zh_stops: does Chinese tolerated cue j ("既往耐受") stop
 * before drug item k, at a full-width comma or another drug between
 * them?  It names the drug right after it: "既往耐受头孢呋辛，术前预防可
 * 使用头孢唑林" plans cefazolin.  A list it opens it names whole ("已耐受
 * 头孢曲松、头孢唑林"). */
static bool
tolerated_zh_stops(const sentence *s, size_t j, size_t k)
{
	const notes_entry *e = s->items[j].e;

	if ((unsigned char)e->key[0] < 0x80)
		return false; /* English */
	/* a challenge's result after its drug reaches on ("激发试验阴性，已
	 * 除去青霉素过敏标签"); one told of a drug in its own clause does not
	 * (allergy75pf) */
	if (e->dir & NOTES_DIR_BACKWARD)
		return own_drug_before_zh(s, j) &&
		       notes__comma_between(s, j, k) && cause_told_after(s, k);
	if (notes__comma_between(s, j, k))
		return true;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]) && !enumerated_with_next(s, m))
			return true;
	return false;
}

const item *
notes__tolerated_by(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (s->items[j].e->type == NOTES_T_TOLERATED &&
		    !notes__terminated(s, j, k) && !tolerated_zh_stops(s, j, k))
			return &s->items[j];
	return NULL;
}

/* paren_opened: does the text [from, to) open a bracket it does not
 * close? */
static bool
paren_opened(const sentence *s, uint32_t from, uint32_t to)
{
	int depth = 0;

	for (uint32_t i = from; i < to; i++)
		depth += (s->text[i] == '(') - (s->text[i] == ')');
	return depth > 0;
}

/* still_used_after returns the cue after drug item k, past only a
 * reaction, commas and "but"s, that says the drug is still used ("对
 * Tacrolimus 药膏有灼热感，但还可以用", allergy75gb), or NULL.  A mild effect
 * the patient lives with is no allergy; a verdict or another cue between
 * speaks for itself. */
static const item *
still_used_after(const sentence *s, size_t k)
{
	static const char *const still[] = {"还可以用", "还能用"};

	for (size_t m = k + 1; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (it->e->type == NOTES_T_TOLERATED)
			return notes__among(it->e->key, still,
					    sizeof(still) / sizeof(*still))
				       ? it
				       : NULL;
		if (it->e->type != NOTES_T_TERMINATOR &&
		    it->e->type != NOTES_T_REACTION)
			return NULL;
	}
	return NULL;
}

/* part_of: is substance code one of the "+"-joined parts of product? */
static bool
part_of(const char *product, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = product; *p;) {
		size_t len = strcspn(p, "+");

		if (len == n && strncmp(p, code, n) == 0)
			return true;
		p += len + (p[len] == '+');
	}
	return false;
}

/* bracket_opened: does a bracket, ASCII or full-width, open in
 * text[from, to) and none close there?  What follows is inside it. */
static bool
bracket_opened(const sentence *s, uint32_t from, uint32_t to)
{
	const char *p = s->text + from;
	size_t n = from < to ? to - from : 0;

	return (memchr(p, '(', n) != NULL ||
		memmem(p, n, FW_OPEN, 3) != NULL) &&
	       memchr(p, ')', n) == NULL && memmem(p, n, FW_CLOSE, 3) == NULL;
}

bool
notes__composition_named(const sentence *s, size_t k)
{
	const char *close, *open = notes__paren_open(s, k, &close);
	bool part_before = false;

	for (size_t j = k; j-- > 0;) {
		const item *c = &s->items[j];
		uint32_t from = c->end, to = s->items[k].start;

		/* a word inside the bracket before the parts, another part
		 * between ("Ultracet（及通安，tramadol/acetaminophen）", the 及
		 * of the second name, allergy75te, zh-dev87) */
		if (!is_drug(c) && part_before && open != NULL &&
		    s->text + c->start > open)
			continue;
		if (!is_drug(c))
			return false;
		part_before = true;
		if (strchr(c->e->code, '+') == NULL)
			continue;
		/* the product may be named twice before its bracket
		 * ("Ultracet（及通安, tramadol/acetaminophen）", allergy75pg,
		 * zh-dev76): the first name opens it */
		if (part_of(c->e->code, s->items[k].e->code) &&
		    bracket_opened(s, from, to))
			return true;
	}
	return false;
}

bool
notes__class_described(const sentence *s, size_t k)
{
	/* only the broad class: a drug's own class in its bracket
	 * ("Baktar（磺胺類）") is the label most writers record beside it */
	if (s->items[k].e->type != NOTES_T_CLASS ||
	    strcmp(s->items[k].e->code, "antibacterials") != 0)
		return false;
	for (size_t j = k; j-- > 0;) {
		const item *c = &s->items[j];
		uint32_t from = c->end, to = s->items[k].start;

		if (c->e->type == NOTES_T_CLASS)
			continue; /* "（磺胺類複方抗生素）": two words of one
				   * description */
		return c->e->type == NOTES_T_SUBSTANCE &&
		       notes__member_of(c->e->code, s->items[k].e->code) &&
		       bracket_opened(s, from, to);
	}
	return false;
}

/* notes__tolerated_after: an English list of drugs is tolerated whole,
 * but a cue in brackets that name a drug of their own speaks of that
 * drug only, not of those before the bracket (rules75en24). */
/* list_answer_elsewhere: is tolerated cue it one that answers an entry
 * of an allergy list only ("Has had Keflex in 2024 - no problems",
 * allergy75rn), read outside one?  After a drug taken now ("on monthly
 * Bicillin - last dose 3 weeks ago, no issues", "Heparin: standard dose
 * via circuit - no problems") it says the drug goes on well, no past
 * tolerance. */
static bool
list_answer_elsewhere(const sentence *s, const item *it)
{
	static const char *const answers[] = {"no problems", "no issues"};

	return notes__among(it->e->key, answers, N_OF(answers)) &&
	       !s->allergy_list && !s->allergy_line;
}

/* dash_answered: is tolerated cue j, one that reads forward ("tolerated
 * cefalexin"), written after a spaced dash with no drug after it, right
 * after drug item k's description, no allergy told before ("NB furosemide
 * is a\n non-antibiotic sulphonamide - tolerated for years", allergy75ua,
 * en-dev90)?  After the dash it answers the drug the sentence told of,
 * as a backward cue does; an intolerance told between ("Phenergan -
 * \"made me go loopy\" (intolerance) - tolerated today") stays the
 * record's. */
static bool
dash_answered(const sentence *s, size_t k, size_t j)
{
	const item *it = &s->items[j];
	uint32_t from = it->w0 > 0 ? s->words[it->w0 - 1].end : 0;

	for (size_t m = 0; m < k; m++)
		if (s->items[m].e->type == NOTES_T_ALLERGY_CUE)
			return false;
	return j == k + 1 && !(it->e->dir & NOTES_DIR_BACKWARD) && it->w0 > 0 &&
	       notes__between_has(s, from, it->start, '-') &&
	       s->text[it->start - 1] == ' ' &&
	       !(j + 1 < s->n_items && is_drug(&s->items[j + 1]));
}

const item *
notes__tolerated_after(const sentence *s, size_t k)
{
	/* "received cefazolin and amoxicillin without reaction": an
	 * English list of drugs is tolerated whole; in Chinese the cue
	 * follows its own drug */
	bool list = (unsigned char)s->text[s->items[k].start] < 0x80;
	uint32_t paren = 0; /* a bracket opened after k and still open */

	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (is_drug(it) && !list)
			return NULL;
		if (notes__terminated(s, k, j))
			return still_used_after(s, k);
		/* a reaction told between: "penicillin - rash, cefalexin
		 * given fine since" (rules75en26), but for one the patient
		 * still uses the drug through; "since the penicillin
		 * anaphylaxis" tells the later drug's */
		if (it->e->type == NOTES_T_REACTION && !denied_reaction(s, j) &&
		    !named_reaction_after(s, k, j))
			return still_used_after(s, k);
		if (is_drug(it) && paren_opened(s, s->items[k].end, it->start))
			paren = it->start; /* "... co-amoxiclav, and
					    * chlorhexidine (she has used
					    * chlorhexidine mouthwash without
					    * problem)" */
		if (paren && it->e->type == NOTES_T_TOLERATED &&
		    paren_opened(s, s->items[k].end, it->start))
			return NULL;
		if (it->e->type == NOTES_T_TOLERATED &&
		    ((it->e->dir & NOTES_DIR_BACKWARD) ||
		     dash_answered(s, k, j)) &&
		    !list_answer_elsewhere(s, it))
			return it;
	}
	return NULL;
}

/* The words an allergy list answers an entry with when its drug is
 * taken without harm ("Allergies: ... \"Amoxicillin - ok\"; ...") or
 * when the patient has no allergy to it ("Latex: none."). */
static const char *const answered_ok_en[] = {"ok", "okay", "fine"};
static const char *const answered_none_en[] = {"none", "nil", "no"};
/* An allergy list's entry answered with the patient's denial ("Latex -
 * denies") has no allergy either (allergy75ae). */
static const char *const answered_denied_en[] = {"denies", "denied"};
/* An allergy list's entry answered "removed" ("Penicillin — removed.
 * Labelled as a child; had a negative skin test ...") is a label the
 * writer took off (allergy75ae). */
static const char *const answered_removed_en[] = {"removed"};
/* The word an allergy clinic's list answers a drug with that it judges
 * may be given ("Allergy record updated: \"NSAID hypersensitivity:
 * ibuprofen, naproxen.\" Paracetamol safe."): no allergy, and nothing
 * said of its being taken (rules75en21). */
static const char *const answered_safe_en[] = {"safe"};

/* reaction_at: does a reaction item start at word w ("(hives)")? */
static bool
reaction_at(const sentence *s, size_t w)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].w0 == w &&
		    s->items[j].e->type == NOTES_T_REACTION)
			return true;
	return false;
}

/* answer_dashed: is the answer at word w followed by a dash and the
 * writer's remark ("Chlorhexidine: NO - used for TKR without problem"),
 * or by the remark in brackets ("Morphine - OK (had it post-op 2022)",
 * allergy75o)?  The dash or the bracket ends the answer as a full stop
 * would (rules75en14); a bracket that opens with a reaction ("codeine -
 * no (hives)") is the entry going on. */
static bool
answer_dashed(const sentence *s, size_t w)
{
	const char *p = s->text + s->words[w].end;

	while (*p == ' ')
		p++;
	if (w + 1 >= s->n)
		return false;
	return (*p == '-' && p[1] == ' ') ||
	       (*p == '(' && !reaction_at(s, w + 1));
}

/* answer_at: the word right after drug item k, past "is" or "was" ("Says
 * \"Panadol is fine\"", allergy75ab) or a day ("cefuroxime yesterday
 * ok"), or past the test the drug was given in and its year ("Penicillin test
 * dose 2015 - no reaction", allergy75oe, en-dev70). */
static size_t
answer_at(const sentence *s, size_t k)
{
	static const char *const copula_en[] = {"is", "was"};
	static const char *const tests_en[] = {"challenge", "test"};
	/* "... and cefuroxime yesterday ok" (allergy75sd, en-dev83) */
	static const char *const when_en[] = {"yesterday", "today", "recently"};
	size_t w = s->items[k].w1;

	if (w < s->n && notes__words_in(s, w, when_en, N_OF(when_en)))
		return w + 1;
	if (w + 1 < s->n && notes__words_at(s, w, "test") &&
	    notes__words_at(s, w + 1, "dose"))
		w += 2;
	else if (w < s->n && notes__words_in(s, w, tests_en, N_OF(tests_en)))
		w++;
	else if (w < s->n && notes__words_in(s, w, copula_en, 2))
		return w + 1;
	if (w > s->items[k].w1 && w < s->n && notes__is_year(s->words[w].key))
		w++;
	return w;
}

/* answer_ends: does the entry end right after the answer's last word w?
 * Another word follows, so the byte after it is the note's. */
static bool
answer_ends(const sentence *s, size_t w)
{
	return w + 1 == s->n ||
	       (s->text[s->words[w].end] != '\0' &&
		strchr(";\"),.", s->text[s->words[w].end]) != NULL) ||
	       answer_dashed(s, w);
}

/* answered_any: is drug item k answered by one of words[0, n) right
 * after it, "is" or "was" at most between, then the entry's end? */
static bool
answered_any(const sentence *s, size_t k, const char *const *words, size_t n)
{
	size_t w = answer_at(s, k);

	return w < s->n && notes__words_in(s, w, words, n) && answer_ends(s, w);
}

/* The abbreviations a list answers an entry with when the patient has no
 * known allergy ("Penicillin - NKA.", allergy75dt). */
static const char *const answered_nka_en[] = {"nka", "nkda"};

/* answered_none_known: is drug item k an allergy list's entry answered
 * "nil known" or "none known", then the entry's end ("Penicillins - nil
 * known")?  The answer denies the entry's allergy as "nil" alone does
 * (allergy75dt). */
static bool
answered_none_known(const sentence *s, size_t k)
{
	size_t w = answer_at(s, k);

	return (s->allergy_list || s->allergy_line) && w + 1 < s->n &&
	       notes__words_in(s, w, answered_none_en, 2) &&
	       notes__words_at(s, w + 1, "known") && answer_ends(s, w + 1);
}

/* The nouns after "no" that answer an allergy list's entry with nothing
 * found: "no reaction" (allergy75ah), "no issue" and "no problem"
 * (allergy75fo: "- Lignocaine - no issue (used at ICD implant).",
 * en-dev57). */
static const char *const answered_nothing_en[] = {
	"reaction", "reactions", "issue", "issues", "problem", "problems"};

/* answered_no_reaction: is drug item k an allergy list's entry answered
 * "no reaction" or "no issue", then the entry's end ("Allergies: ... -
 * Chlorhexidine - no reaction; prior skin prep fine.", "Ondansetron: no
 * reaction, ignore old note"), "nil" as "no" ("Ibuprufen - nil reaction
 * (has used).", en-dev80)?  The writer asked about the drug and found
 * nothing: no allergy, as "none" answers it. */
static bool
answered_no_reaction(const sentence *s, size_t k)
{
	size_t w = answer_at(s, k);

	return (s->allergy_list || s->allergy_line) && w + 1 < s->n &&
	       (notes__words_at(s, w, "no") || notes__words_at(s, w, "nil")) &&
	       notes__words_in(s, w + 1, answered_nothing_en,
			       sizeof(answered_nothing_en) /
				       sizeof(*answered_nothing_en)) &&
	       answer_ends(s, w + 1);
}

/* latex_answered: is latex the label of an entry answered "none", "nil"
 * or "no" ("Latex: none." after an allergy list, as pre-operative
 * checklists write it)?  Latex is never a medicine, so the entry can only
 * ask about its allergy, wherever the line stands (allergy75fp,
 * en-dev57). */
static bool
latex_answered(const sentence *s, size_t k)
{
	return strcmp(s->items[k].e->code, "latex") == 0 &&
	       answered_any(s, k, answered_none_en, 3);
}

/* answered: is drug item k an allergy list's entry answered by one of
 * words[0, n) right after it, then the entry's end? */
static bool
answered(const sentence *s, size_t k, const char *const *words, size_t n)
{
	return (s->allergy_list || s->allergy_line) &&
	       answered_any(s, k, words, n);
}

/* The nouns a writer names a drug's allergy with before answering it
 * ("Pen allergy - NONE."). */
static const char *const allergy_nouns_en[] = {
	"allergy", "allergies", "sensitivity", "hypersensitivity"};

/* named_none: is drug item k followed by an allergy noun, a dash or a
 * colon, and "none", "nil" or "no" (with "known" after it or not) that
 * ends the entry ("Pen allergy - NONE.", "Latex allergy: nil known")?
 * The answer denies the allergy the entry names, wherever it is
 * written: the noun says what is asked (allergy75o). */
static bool
named_none(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1, a = w + 1;
	const char *p;

	if (a >= s->n || !notes__words_in(s, w, allergy_nouns_en, 4) ||
	    !notes__words_in(s, a, answered_none_en, 3))
		return false;
	p = s->text + s->words[w].end;
	while (*p == ' ')
		p++;
	if (*p != '-' && *p != ':')
		return false;
	if (a + 1 < s->n && strcmp(s->words[a + 1].key, "known") == 0)
		a++;
	return a + 1 == s->n ||
	       (s->text[s->words[a].end] != '\0' &&
		strchr(";\"),.", s->text[s->words[a].end]) != NULL) ||
	       answer_dashed(s, a);
}

/* answered_no_allergy: is drug item k an allergy list's entry answered
 * "no known allergy" or "no allergy", then the entry's end ("-
 * Tetracyclines - no known allergy; took doxycycline for acne 2020
 * without issue", allergy75gv)?  The answer denies the entry's allergy,
 * as "NKA" does. */
static bool
answered_no_allergy(const sentence *s, size_t k)
{
	size_t w = answer_at(s, k);

	if (!(s->allergy_list || s->allergy_line) || w + 1 >= s->n ||
	    !notes__words_at(s, w, "no"))
		return false;
	if (notes__words_at(s, w + 1, "known"))
		w++;
	return w + 1 < s->n && notes__words_in(s, w + 1, allergy_nouns_en, 2) &&
	       answer_ends(s, w + 1);
}

bool
notes__answered_ok(const sentence *s, size_t k)
{
	return answered(s, k, answered_ok_en, 3);
}

bool
notes__answered_none(const sentence *s, size_t k)
{
	return answered(s, k, answered_none_en, 3) ||
	       answered(s, k, answered_denied_en, 2) ||
	       answered(s, k, answered_nka_en, 2) || named_none(s, k) ||
	       answered_no_reaction(s, k) || answered_none_known(s, k) ||
	       answered_no_allergy(s, k) || latex_answered(s, k);
}

bool
notes__answered_removed(const sentence *s, size_t k)
{
	return answered(s, k, answered_removed_en, 1);
}

bool
notes__answered_safe(const sentence *s, size_t k)
{
	/* an allergy record written in prose ("Allergy record updated:
	 * \"...\" Paracetamol safe.") is answered as a list is */
	return (s->allergy_list || s->allergy_line ||
		notes__allergy_cued(s, k)) &&
	       answered_any(s, k, answered_safe_en, 1);
}

bool
notes__challenged(const sentence *s, size_t k, const item *tol,
		  notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	/* a drug taken without harm was taken, whatever plan is around it
	 * ("If ... use cefazolin? - she had cefazolin at previous C/S
	 * without problem", rules75en24) */
	f->context = (notes__context(s, k, false, &f->trigger) &
		      ~(unsigned)NOTES_HYPOTHETICAL) |
		     NOTES_HISTORICAL;
	if (f->context == NOTES_HISTORICAL)
		f->trigger = tol->e->key;
	return true;
}

bool
notes__is_reaction(const sentence *s, size_t k)
{
	const item *prev = k > 0 ? &s->items[k - 1] : NULL;

	/* "Nitrofurantoin - ?nausea": the doubt is the allergy's */
	if (prev != NULL && prev->e->type == NOTES_T_UNCERTAIN && k > 1)
		prev--;
	if (prev == NULL || (prev->e->type != NOTES_T_SUBSTANCE &&
			     prev->e->type != NOTES_T_CLASS))
		return false;
	if (s->items[k].w0 - prev->w1 > REACTION_GAP_WORDS)
		return false;
	return s->allergy_list || s->allergy_line ||
	       semi_listed_zh(s, (size_t)(prev - s->items)) ||
	       clause_has(s, k, NOTES_T_ALLERGY_CUE, false) != NULL;
}

/* short_gap: are words [from, to) at most one word, or two Chinese
 * characters ("磺胺类的药吃了会起疹子", "可待因每次吃了会吐")? */
static bool
short_gap(const sentence *s, size_t from, size_t to)
{
	if (to - from <= 1)
		return true;
	return to - from == 2 && s->words[from].han && s->words[from + 1].han;
}

/* course_dated: is drug item k followed by the noun of its course and a
 * bracketed date at most before the "causes" item cue ("The cipro course
 * (Nov 2025) caused bilateral Achilles pain", allergy75rr, en-dev82)? */
static bool
course_dated(const sentence *s, size_t k, const item *cue)
{
	static const char *const course[] = {"course", "dose", "injection",
					     "infusion"};
	size_t w = s->items[k].w1;
	const char *from, *to;

	if (w >= cue->w0 || !notes__words_in(s, w, course, N_OF(course)))
		return false;
	if (cue->w0 == w + 1)
		return true;
	from = s->text + s->words[w].end;
	to = s->text + cue->start;
	while (from < to && *from == ' ')
		from++;
	while (to > from && to[-1] == ' ')
		to--;
	return to - from >= 2 && *from == '(' && to[-1] == ')' &&
	       memchr(from + 1, ')', (size_t)(to - from - 2)) == NULL;
}

/* gave_after_drug: is item cue "gave him" or "gave her", which the
 * lexicon reads as a course given ("GP gave her amoxicillin"), written
 * right after drug item k, and an allergy cue later in the sentence ("pt
 * says tramadol gave her a seizure in 2019 -> ADR, listed",
 * allergy75gq)?  Then the drug gave the effect, recorded as a reaction.
 * Without the cue writers split: "ramipril gave her a cough and she
 * asked to change" is a past medicine to en-dev38's writer. */
static bool
gave_after_drug(const sentence *s, const item *cue, size_t k)
{
	if (cue->e->type != NOTES_T_HISTORICAL ||
	    (strcmp(cue->e->key, "gave her") != 0 &&
	     strcmp(cue->e->key, "gave him") != 0) ||
	    cue->w0 != s->items[k].w1)
		return false;
	for (size_t j = k + 2; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE)
			return true;
	return false;
}

const item *
notes__caused_by(const sentence *s, size_t k)
{
	const item *cue = k + 2 < s->n_items ? &s->items[k + 1] : NULL;
	const item *sym = cue ? cue + 1 : NULL;

	if (cue == NULL ||
	    (cue->e->type != NOTES_T_CAUSES && !gave_after_drug(s, cue, k)) ||
	    (!short_gap(s, s->items[k].w1, cue->w0) &&
	     !course_dated(s, k, cue)) ||
	    sym->w0 - cue->w1 > 1 ||
	    counselled_between(s, k, (size_t)(sym - s->items)))
		return NULL;
	return sym->e->type == NOTES_T_PROBLEM ||
			       sym->e->type == NOTES_T_REACTION
		       ? sym
		       : NULL;
}

static const char *const came_off_en[] = {
	"stopped", "stopping", "refuses", "refused", "tried", "can't", "cannot",
};

/* stop_proposed: is came-off word w a stop the writer proposes, not one
 * that happened ("codeine should probably be stopped at discharge given
 * confusion")?  The patient still takes the drug; no intolerance is told.
 * A modal or a plan word within PROPOSED_WORDS words before it says so. */
#define PROPOSED_WORDS 3

static bool
stop_proposed(const sentence *s, size_t w)
{
	static const char *const modal[] = {"should", "could",	  "would",
					    "may",    "might",	  "will",
					    "must",   "consider", "plan"};
	size_t from = w > PROPOSED_WORDS ? w - PROPOSED_WORDS : 0;

	for (size_t m = from; m < w; m++)
		if (notes__words_in(s, m, modal,
				    sizeof(modal) / sizeof(*modal)))
			return true;
	return false;
}

static bool
came_off_in(const sentence *s, size_t from, size_t to)
{
	const size_t n = sizeof(came_off_en) / sizeof(came_off_en[0]);

	for (size_t w = from; w < to && w < s->n; w++)
		if (notes__words_in(s, w, came_off_en, n) &&
		    !stop_proposed(s, w))
			return true;
	return false;
}

/* speaks_of_allergy: is item it a word of allergy ("allergic", "过敏"),
 * or one that says a reaction is none ("not an allergy", "非过敏")? */
static bool
speaks_of_allergy(const item *it)
{
	return it->e->type == NOTES_T_ALLERGY_CUE ||
	       (it->e->dir & NOTES_DIR_NOT_ALLERGY) != 0 ||
	       strstr(it->e->key, "\xe8\xbf\x87\xe6\x95\x8f") != NULL ||
	       strstr(it->e->key, "\xe9\x81\x8e\xe6\x95\x8f") != NULL;
}

/* The words that say a symptom after a drug is what the patient came
 * with, not what the drug did ("allergic to codeine, admitted with
 * vomiting"). */
static const char *const presented_en[] = {
	"admitted",  "presented",   "presents", "presenting",
	"complains", "complaining", "入院",	"主诉",
};

/* PRESENTED_AFTER_WORDS: how far after the symptom a Chinese presentation
 * may close it ("因发热3天入院"). */
#define PRESENTED_AFTER_WORDS 4

/* own_symptom: is problem item k, told after drug item d, the patient's
 * own: the reason the drug is taken ("has taken Panadol many times for
 * headache"), not one it was stopped for ("stopped for pedal oedema"),
 * or what the patient presented with? */
static bool
own_symptom(const sentence *s, size_t d, size_t k)
{
	const item *before = &s->items[k - 1];
	const size_t n = sizeof(presented_en) / sizeof(*presented_en);

	if (before->e->type == NOTES_T_INDICATION &&
	    s->items[k].w0 - before->w1 <= 1 &&
	    !came_off_in(s, s->items[d].w1, before->w0))
		return true;
	return notes__any_in(s, s->items[d].w1,
			     s->items[k].w1 + PRESENTED_AFTER_WORDS,
			     presented_en, n);
}

bool
notes__told_reaction(const sentence *s, size_t k)
{
	const char *code = s->items[k].e->code;
	size_t drug = k;
	bool allergy = false;

	/* a felt symptom (R00-R69); an abnormal result (R70-R99) is the
	 * clinician's finding, not a reaction told */
	if (!notes__felt_symptom_code(code))
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		if (j < k && is_drug(&s->items[j]))
			drug = j;
		if (speaks_of_allergy(&s->items[j]))
			allergy = true;
	}
	return drug < k && allergy && !own_symptom(s, drug, k);
}

/* The words that say the patient stopped a drug of their own accord
 * ("pt stopped himself (muscle aches)", "He stopped his losartan himself
 * last year because it made him dizzy").  Chinese is left out: read with
 * 自行 and 自己停, zh-dev3, zh-dev27 and zh-dev28 each missed an allergy
 * their writers annotate. */
static const char *const self_en[] = {"himself", "herself", "themselves"};
static const char *const stopped_en[] = {"stopped"};

/* SELF_STOP_WORDS: how far after the drug the patient's own stop may be
 * told; SELF_STOPPED_BEFORE: how far before it "stopped" may stand ("he
 * stopped his losartan himself"). */
#define SELF_STOP_WORDS	    8
#define SELF_STOPPED_BEFORE 2

/* self_stop_allergic: does the story of drug item k, up to the next drug
 * or full stop, tell an allergy: a cue ("... stopped herself - recorded as
 * intolerance") or an allergic sign ("stopped herself (hives)")? */
static bool
self_stop_allergic(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (is_drug(it) ||
		    notes__part_ends(s, s->items[k].end, it->start))
			return false;
		if (it->e->type == NOTES_T_ALLERGY_CUE ||
		    (it->e->type == NOTES_T_REACTION &&
		     (it->e->dir & NOTES_DIR_ALLERGIC_SIGN)))
			return true;
	}
	return false;
}

/* The words that tell what a drug did before the patient's own stop
 * ("made her too drowsy to drive", "caused heartburn"), and the words of
 * that stop told after it ("... so she stopped it", "and he stopped it"). */
static const char *const effect_en[] = {"made", "makes", "caused"};
static const char *const stop_join_en[] = {"and", "so"};
static const char *const stopper_en[] = {"she", "he", "they"};
static const char *const stopped_what_en[] = {"it", "them"};

/* EFFECT_STOP_WORDS: how far after the drug the stop after its effect may
 * be told ("Cyclizine made her too drowsy to drive so she stopped it"). */
#define EFFECT_STOP_WORDS 14

/* own_stop_at: do the words around w, "stopped", tell the patient's own
 * stop joined to what came before ("and she stopped it", "so he stopped
 * them")? */
static bool
own_stop_at(const sentence *s, size_t w)
{
	return w >= 2 && w + 1 < s->n &&
	       notes__words_in(s, w - 2, stop_join_en,
			       sizeof(stop_join_en) / sizeof(*stop_join_en)) &&
	       notes__words_in(s, w - 1, stopper_en,
			       sizeof(stopper_en) / sizeof(*stopper_en)) &&
	       notes__words_in(s, w, stopped_en,
			       sizeof(stopped_en) / sizeof(*stopped_en)) &&
	       notes__words_in(s, w + 1, stopped_what_en,
			       sizeof(stopped_what_en) /
				       sizeof(*stopped_what_en));
}

/* stopped_after_effect: is drug item k followed, before the next drug and
 * within its part, by the effect it had and then the
 * patient's own stop ("Cyclizine made her too drowsy to drive so she
 * stopped it", "Alendronic acid previously caused heartburn so she stopped
 * it")?  Six dev writers read such a drug a past medicine only, one
 * (a faint, "had", not "made") an allergy (allergy75au). */
static bool
stopped_after_effect(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	size_t last = d->w1 + EFFECT_STOP_WORDS;
	bool effect = false;

	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m])) {
			last = s->items[m].w0 < last ? s->items[m].w0 : last;
			break;
		}
	for (size_t w = d->w1; w < s->n && w < last; w++) {
		if (notes__part_ends(s, d->end, s->words[w].start))
			return false;
		effect = effect || notes__words_in(s, w, effect_en,
						   sizeof(effect_en) /
							   sizeof(*effect_en));
		if (effect && own_stop_at(s, w))
			return true;
	}
	return false;
}

bool
notes__stopped_by_patient(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	size_t from =
		d->w0 > SELF_STOPPED_BEFORE ? d->w0 - SELF_STOPPED_BEFORE : 0;
	bool stopped = notes__any_in(s, from, d->w0, stopped_en, 1);
	size_t next = d->w1 + SELF_STOP_WORDS; /* the next drug's first word */

	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m])) {
			next = s->items[m].w0;
			break;
		}
	if (s->words[d->w0].han || self_stop_allergic(s, k))
		return false;
	if (stopped_after_effect(s, k))
		return true;
	for (size_t w = d->w1; w < s->n && w < d->w1 + SELF_STOP_WORDS; w++) {
		if (w >= next || notes__part_ends(s, d->end, s->words[w].start))
			return false;
		stopped = stopped || notes__words_in(s, w, stopped_en, 1);
		if (stopped && notes__words_in(s, w, self_en, 3))
			return true;
	}
	return false;
}

/* investigation_result: is code an abnormal finding of an investigation
 * (ICD-10 R70-R94: of blood, urine, other specimens, imaging and function
 * studies: "deranged LFTs" R94.5)?  A test shows it; the patient does not
 * feel it (rules75en22). */
static bool
investigation_result(const char *code)
{
	return code[0] == 'R' && code[1] >= '7' && code[1] <= '9' &&
	       !(code[1] == '9' && code[2] >= '5');
}

bool
notes__felt_effect(const item *it)
{
	/* a tendency to fall (R29.6) is a risk a drug is stopped for
	 * ("apixaban stopped after recurrent falls"), no effect it had */
	return it->e->type == NOTES_T_REACTION ||
	       (it->e->code != NULL && it->e->code[0] == 'R' &&
		!investigation_result(it->e->code) &&
		strcmp(it->e->code, "R29.6") != 0);
}

bool
notes__effect_follows(const sentence *s, size_t k, bool comma_ends)
{
	for (size_t j = k + 1; j < s->n_items && !notes__terminated(s, k, j);
	     j++) {
		if (is_drug(&s->items[j]) ||
		    (comma_ends && notes__between_has(s, s->items[k].end,
						      s->items[j].start, ',')))
			return false;
		if (notes__felt_effect(&s->items[j]))
			return true;
	}
	return false;
}

/* Chinese lay intolerance: a drug taken (服用, 吃, 食, 用 just before
 * it) with 后 right after it, or after its dose (notes__past_dose), and an
 * effect next ("曾用辛伐他汀后肌痛", "服用布洛芬后胃出血"); not an effect that
 * then eases ("服用后咳嗽好转"). */
#define LAY_ZH_TOOK_WORDS   3
#define LAY_ZH_EFFECT_WORDS 4

static const char *const took_zh[] = {"服用", "服", "吃", "食", "用"};
static const char *const then_zh[] = {"后", "之后", "後", "之後"};

bool
notes__any_in(const sentence *s, size_t from, size_t to,
	      const char *const *list, size_t n)
{
	for (size_t w = from; w < to && w < s->n; w++)
		if (notes__words_in(s, w, list, n))
			return true;
	return false;
}

/* FINISHED_ZH_WORDS: how far after the drug (its dose) the patient may
 * be said to have finished taking it ("Voltaren 吃，吃完胃不舒服"). */
#define FINISHED_ZH_WORDS 3

/* phrase_end: the word after the Chinese phrase of len bytes that
 * notes__words_at found at word v. */
static size_t
phrase_end(const sentence *s, size_t v, size_t len)
{
	while (v < s->n && len > 0) {
		size_t n = strlen(s->words[v++].key);

		len = n < len ? len - n : 0;
	}
	return v;
}

/* finished_zh: the word after a "took it, and then" written within
 * FINISHED_ZH_WORDS words from word w (吃完, 食完, 服完, 用完: "Codeine 食完
 * 便秘", "買了 Voltaren 吃，吃完胃不舒服"), s->n if none.  The verb
 * carries what 服…后 says (rules75zh27). */
static size_t
finished_zh(const sentence *s, size_t w)
{
	static const char *const finished[] = {"吃完", "食完", "服完", "用完"};

	for (size_t v = w; v < s->n && v < w + FINISHED_ZH_WORDS; v++)
		for (size_t i = 0; i < sizeof(finished) / sizeof(*finished);
		     i++)
			if (notes__words_at(s, v, finished[i]))
				return phrase_end(s, v, strlen(finished[i]));
	return s->n;
}

/* finished_effect_zh: lay_effect_zh's other form, the first effect after
 * finished_zh, past a comma but no other drug or problem, not one that
 * eased or went on as before (仍, 还, 依然: "吃完仍咳嗽" is a drug that did
 * not work). */
static const item *
finished_effect_zh(const sentence *s, size_t k)
{
	static const char *const still[] = {"仍", "还", "依然", "仍然"};
	size_t then = finished_zh(s, notes__past_dose(s, s->items[k].w1));
	const item *it = NULL;

	for (size_t j = k + 1; j < s->n_items && then < s->n; j++) {
		it = &s->items[j];
		if (it->w0 >= then || is_drug(it) ||
		    it->e->type == NOTES_T_PROBLEM ||
		    it->e->type == NOTES_T_REACTION)
			break;
	}
	if (it == NULL || then >= s->n || it->w0 < then ||
	    (it->e->type != NOTES_T_PROBLEM &&
	     it->e->type != NOTES_T_REACTION) ||
	    it->w0 - then > LAY_ZH_EFFECT_WORDS ||
	    notes__any_in(s, then, it->w0, still, 4) ||
	    notes__any_in(s, it->w1, it->w1 + 3, eased_zh, 8))
		return NULL;
	return it;
}

bool
notes__pressure_raised(const item *it)
{
	return it->e->type == NOTES_T_PROBLEM &&
	       ((strncmp(it->e->code, "I1", 2) == 0 && it->e->code[2] >= '0' &&
		 it->e->code[2] <= '5') ||
		strcmp(it->e->code, "R03.0") == 0);
}

static bool expected_effect(const item *it);

/* measured_effect: is effect item it a test's result or an effect the
 * drug is known to have at its dose ("服阿托伐他汀后查转氨酶升高至3倍以上，已停
 * 药", "之前食 amlodipine 腳腫，已轉藥", allergy75sg, zh-dev84)?  The
 * prescriber's reason for a stop, as the README reads one, no
 * intolerance the patient felt. */
static bool
measured_effect(const item *it)
{
	return (it->e->code != NULL && investigation_result(it->e->code)) ||
	       expected_effect(it);
}

static const item *
lay_effect_zh(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	const item *it = k + 1 < s->n_items ? &s->items[k + 1] : NULL;
	const item *finished = finished_effect_zh(s, k);
	size_t took = d->w0 > LAY_ZH_TOOK_WORDS ? d->w0 - LAY_ZH_TOOK_WORDS : 0;
	size_t then = notes__past_dose(s, d->w1);

	if (finished != NULL)
		return notes__pressure_raised(finished) ? NULL : finished;
	if (it == NULL || notes__pressure_raised(it) || measured_effect(it) ||
	    then >= s->n || !s->words[then].han ||
	    !notes__words_in(s, then, then_zh, 4) ||
	    !notes__any_in(s, took, d->w0, took_zh, 5) ||
	    (it->e->type != NOTES_T_PROBLEM &&
	     it->e->type != NOTES_T_REACTION) ||
	    it->w0 - then > LAY_ZH_EFFECT_WORDS ||
	    notes__any_in(s, it->w1, it->w1 + 3, eased_zh, 8))
		return NULL;
	return it;
}

/* Chinese lay intolerance: a drug given up for an effect the patient felt,
 * told after it in its sentence ("普萘洛尔10mg tid（2024年），因乏力、心率慢
 * 停用", "卡马西平…无效，服后头晕、走路不稳，已停",
 * "丙戊酸钠试用过，体重增加20斤、手抖，换药"): the first felt effect after the
 * drug, within STOP_ZH_EFFECT_WORDS words and before another drug, then within
 * STOP_ZH_WORDS words a stop (停用, 停药, 已停, 换药, 已换) that names no drug
 * of its own ("头痛，已停用布洛芬") or a switch (改为, 换用 ...). Not an effect
 * denied ("无头晕"), treated (treated_zh) or one that eased
 * ("服后头痛缓解");
 * an expected effect (expected_effect) is passed over, as the English
 * rule leaves a stop for drowsiness or weight gain alone. */
#define STOP_ZH_EFFECT_WORDS 14
#define STOP_ZH_WORDS	     10

static const char *const stop_zh[] = {"停用", "停药", "已停", "停服",
				      "换药", "已换", "停掉", "换了药"};

/* The patient's refusal of the drug again, a stop for its effect as well
 * ("舒马普坦有效但心悸胸闷，患者不愿再用"). */
static const char *const declined_zh[] = {"不愿再用", "不想再用", "不愿再服",
					  "不想再吃", "拒绝再用"};

static bool expected_effect(const item *it);
static bool effect_denied(const sentence *s, size_t k, size_t j);

/* stop_zh_told: is the stop or switch at word v one that happened, told
 * by the writer: not the patient's own stop ("自行停药": the patient gave
 * the drug up, no intolerance recorded, as "发呆、手抖、流口水，自行停药"
 * is read by other writers) and not one proposed or conditional ("建议停用",
 * "如仍发热，考虑换用多西环素"), a modal within STOP_ZH_MODAL_WORDS words
 * before it. */
#define STOP_ZH_MODAL_WORDS 3

static bool
stop_zh_told(const sentence *s, size_t v, bool because)
{
	static const char *const modal[] = {"建议", "考虑", "拟",    "计划",
					    "如",   "若",   "必要时"};
	static const char *const own[] = {"自行"};
	size_t from = v > STOP_ZH_MODAL_WORDS ? v - STOP_ZH_MODAL_WORDS : 0;

	return !notes__any_in(s, from, v, modal,
			      sizeof(modal) / sizeof(*modal)) &&
	       (because || !notes__any_in(s, from, v, own, 1));
}

/* STOP_ZH_BECAUSE_WORDS: how far before the effect its "because" may be
 * written ("因便秘和头昏自行停药": the first felt effect, 头昏, third). */
#define STOP_ZH_BECAUSE_WORDS 4

/* because_zh: is effect item j, after drug item k, given as a reason, 因,
 * 因为 or 由于 before it within STOP_ZH_BECAUSE_WORDS words ("2024 年因便
 * 秘和头昏自行停药")?  A patient's own stop for the drug's effect is then a
 * stop for it, an intolerance the writer records (rules75zh27); a stop
 * told beside effects without a reason stays the patient's own. */
static bool
because_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const cause[] = {"因", "因为", "由于"};
	size_t w0 = s->items[j].w0, from = s->items[k].w1;

	if (w0 > from + STOP_ZH_BECAUSE_WORDS)
		from = w0 - STOP_ZH_BECAUSE_WORDS;
	return notes__any_in(s, from, w0, cause,
			     sizeof(cause) / sizeof(*cause));
}

/* treated_zh: is the effect at word w what the drug is for, a word of
 * treating right before it ("能否服用“布洛芬”止头痛，已告知改用对乙酰氨基
 * 酚")? */
static bool
treated_zh(const sentence *s, size_t w)
{
	static const char *const treat[] = {"止", "治", "治疗", "缓解", "用于"};

	return notes__words_end_at(s, w, treat, sizeof(treat) / sizeof(*treat));
}

/* CONDITION_ZH_WORDS: how far before an effect the condition that only
 * foresees it may be written ("如胃不适停药复诊": 如 two words before;
 * "如出现口唇肿胀立即停药": three). */
#define CONDITION_ZH_WORDS 3

/* foreseen_zh: is the effect at word w one the writer only foresees or
 * plans by, a condition or a "depending on" right before it ("如胃不适停
 * 药复诊", "若出现皮疹立即停用", "后视皮疹情况减量停用")?  The stop is an
 * instruction for later, not one the drug's effect brought about
 * (allergy75rb, zh-dev82). */
static bool
foreseen_zh(const sentence *s, size_t w)
{
	static const char *const condition[] = {"如",	"若",	"如果", "一旦",
						"假如", "万一", "视",	"根据"};
	size_t from = w > CONDITION_ZH_WORDS ? w - CONDITION_ZH_WORDS : 0;

	return notes__any_in(s, from, w, condition, N_OF(condition));
}

/* same_drug: do drug items a and b name one drug ("加用曲马多50mg，患者诉
 * 恶心明显、头晕，停用曲马多": the stop names the drug again)? */
static bool
same_drug(const item *a, const item *b)
{
	return a->e->code != NULL && b->e->code != NULL &&
	       strcmp(a->e->code, b->e->code) == 0;
}

/* stop_zh_after: is a stop or a switch (stop_zh_told) written within
 * STOP_ZH_WORDS words after word w, effect item j's end, of drug item k?
 * A stop that names a drug of its own (not k's again), right after it
 * ("头痛，已停用布洛芬"), is that drug's; a switch is to another drug right
 * after it ("改为缬沙坦"), not to another form ("因吞嚥困難，改成液劑"). */
static bool
stop_zh_after(const sentence *s, size_t k, size_t w, size_t j)
{
	bool because = because_zh(s, k, j);
	size_t next = s->n;

	for (size_t m = j + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    !same_drug(&s->items[m], &s->items[k])) {
			next = s->items[m].w0;
			break;
		}
	for (size_t v = w; v < s->n && v < w + STOP_ZH_WORDS; v++) {
		if (!stop_zh_told(s, v, because))
			continue;
		if (notes__switch_verb_zh(s, v) && next > v && next - v <= 3)
			return true;
		/* 改 right before the drug switched to: "改瑞舒伐他汀" */
		if (notes__words_at(s, v, "改") && next == v + 1)
			return true;
		/* a bare 停 after an effect given as its reason: "因「頭暈、噁
		 * 心」停" (rules75zh28) */
		if (v < next && (next == s->n || next - v > 3) &&
		    (notes__words_in(s, v, stop_zh,
				     sizeof(stop_zh) / sizeof(*stop_zh)) ||
		     (because && notes__words_at(s, v, "停"))))
			return true;
		if (v < next && (next == s->n || next - v > 5) &&
		    notes__words_in(s, v, declined_zh,
				    sizeof(declined_zh) / sizeof(*declined_zh)))
			return true;
	}
	return false;
}

/* myalgia: is effect item it myalgia (M79.1), a symptom coded as a
 * condition, the muscle aches a drug is stopped or switched for ("服后肌肉
 * 酸痛，改瑞舒伐他汀": a statin's, BNF) (rules75zh24)? */
static bool
myalgia(const item *it)
{
	return it->e->code != NULL && strcmp(it->e->code, "M79.1") == 0;
}

const item *
notes__stopped_for_zh(const sentence *s, size_t k)
{
	static const char *const side[] = {"副作用", "仍可使用", "可继续使用"};
	/* the anticoagulant's test, its reading a reason before the effect
	 * ("服华法林，INR波动大，2022年INR 8.6伴血尿，换为利伐沙班") */
	static const char *const inr[] = {"INR", "inr"};
	const item *d = &s->items[k];

	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (is_drug(it) || it->w0 - d->w1 > STOP_ZH_EFFECT_WORDS)
			return NULL;
		/* a test result first among the reasons, or the INR named
		 * before the effect: the prescriber's reason, as the README
		 * reads a stop for a result ("因血肌酐升高、血压升高停用"),
		 * whatever is named after it */
		if ((it->e->code != NULL &&
		     investigation_result(it->e->code)) ||
		    notes__any_in(s, d->w1, it->w0, inr, 2))
			return NULL;
		if ((it->e->type != NOTES_T_PROBLEM &&
		     it->e->type != NOTES_T_REACTION) ||
		    !(notes__felt_effect(it) || myalgia(it)) ||
		    expected_effect(it))
			continue;
		if (effect_denied(s, k, j) || treated_zh(s, it->w0) ||
		    foreseen_zh(s, it->w0) ||
		    notes__any_in(s, it->w1, it->w1 + 3, eased_zh, 8))
			return NULL;
		/* a side effect named anywhere in the sentence is none: its
		 * words are looked for last, once an effect is found */
		if (!stop_zh_after(s, k, it->w1, j) ||
		    notes__any_in(s, 0, s->n, side,
				  sizeof(side) / sizeof(*side)))
			return NULL;
		return it;
	}
	return NULL;
}

/* effect_denied: is effect item j, after drug item k, denied by a
 * negation right before it ("stopped his furosemide himself as he had no
 * swelling")?  A drug given up for want of its indication, or an effect
 * that has gone, is no intolerance. */
static bool
effect_denied(const sentence *s, size_t k, size_t j)
{
	return j > k + 1 && s->items[j - 1].e->type == NOTES_T_NEGATED;
}

/* expected_effect: is effect item it drowsiness (R40.0, somnolence), weight
 * gain (R63.5), weight loss (R63.4) or ankle oedema (R60.0)?  A drug
 * stopped because it made the patient drowsy ("Cyclizine stopped
 * (drowsy)"), put on weight ("Previously tried quetiapine - weight gain,
 * stopped") or swelled the ankles ("Amlodipine stopped last yr (ankle
 * swelling)") had its expected, dose-related effect, a side effect that
 * led to a stop, not an intolerance to record; one stopped as the patient
 * lost weight ("amlodipine stopped Sept due to low BPs with weight loss")
 * was no longer needed, or had its expected effect (rules75en23). */
static bool
expected_effect(const item *it)
{
	static const char *const expected[] = {"R40.0", "R63.5", "R60.0",
					       "R63.4"};

	for (size_t i = 0;
	     it->e->code != NULL && i < sizeof(expected) / sizeof(*expected);
	     i++)
		if (strcmp(it->e->code, expected[i]) == 0)
			return true;
	return false;
}

/* years_ago_in: is "years ago" written between words from and to
 * ("had \"a bad turn\" with codeine years ago - vomiting")?  A drug dated
 * years back and an effect told after it is an old reaction to it, not
 * the drug given for the effect: a dose given "2 hours ago" is not
 * (rules75en19). */
static bool
years_ago_in(const sentence *s, size_t from, size_t to)
{
	for (size_t w = from; w + 1 < to && w + 1 < s->n; w++)
		if (notes__words_at(s, w, "years") &&
		    notes__words_at(s, w + 1, "ago"))
			return true;
	return false;
}

/* LAY_CAUSED_WORDS: the most words between a drug and the effect that a
 * stop after the drug gives as its cause, caused_at. */
#define LAY_CAUSED_WORDS 14

/* caused_at: is the effect at word w given as a cause, "due to",
 * "because of", "owing to" or "because" right before it, an article or
 * a possessive between? */
static bool
caused_at(const sentence *s, size_t w)
{
	static const char *const det[] = {"a", "an", "the", "his", "her"};
	static const char *const severe[] = {"severe", "bad", "terrible",
					     "awful", "marked"};

	if (w > 0 && notes__words_in(s, w - 1, severe, N_OF(severe)))
		w--;
	if (w > 0 && notes__words_in(s, w - 1, det, sizeof(det) / sizeof(*det)))
		w--;
	if (w > 0 && notes__words_at(s, w - 1, "because"))
		return true;
	return w > 1 && (notes__phrase_at(s, w - 2, "due to") ||
			 notes__phrase_at(s, w - 2, "because of") ||
			 notes__phrase_at(s, w - 2, "owing to"));
}

/* effect_reaches: is item it near enough drug d to be its effect?
 * Within LAY_EFFECT_WORDS; or within LAY_CAUSED_WORDS when a stop after the
 * drug gives the effect as its cause ("She tried duloxetine in 2023 and
 * stopped after 3 weeks due to nausea", "given metformin 500 bid but she
 * stopped it after 2 mos because of GI upset"): the dates and the time
 * on it between say when, not what (rules75en20). */
static bool
effect_reaches(const sentence *s, const item *d, const item *it)
{
	size_t gap = it->w0 - d->w1;

	if (gap <= LAY_EFFECT_WORDS)
		return true;
	if (gap > LAY_CAUSED_WORDS)
		return false;
	/* the cause's own words ("because") may be items: read on */
	if (it->e->type != NOTES_T_PROBLEM && it->e->type != NOTES_T_REACTION)
		return true;
	return caused_at(s, it->w0) && came_off_in(s, d->w1, it->w0);
}

/* SWITCH_SO_WORDS: the most words between a felt effect and the "so"
 * that gives it as the reason the drug was changed. */
#define SWITCH_SO_WORDS 8

/* switched_for: is the felt effect ending at word w given as the reason
 * the drug was changed or stopped, "so" and then, within three words, the
 * change done ("had a dry cough that would not leave her, so her GP
 * changed it to amlodipine", rules75en28)?  No full stop or semicolon
 * between: the effect and the change are one story. */
static bool
switched_for(const sentence *s, size_t w)
{
	static const char *const done[] = {"changed", "switched", "swapped",
					   "stopped"};

	for (size_t m = w; m < s->n && m <= w + SWITCH_SO_WORDS; m++) {
		if (notes__between_has(s, s->words[w - 1].end,
				       s->words[m].start, '.') ||
		    notes__between_has(s, s->words[w - 1].end,
				       s->words[m].start, ';'))
			return false;
		if (!notes__words_at(s, m, "so"))
			continue;
		for (size_t d = m + 1; d < s->n && d <= m + 3; d++)
			if (notes__words_in(s, d, done,
					    sizeof(done) / sizeof(*done)) &&
			    !stop_proposed(s, d))
				return true;
		return false;
	}
	return false;
}

/* REFUSED_AFTER_WORDS: the most words between an effect and the words
 * after it that say the patient will not take the drug again. */
#define REFUSED_AFTER_WORDS 8

/* drug_from: does a drug item start at word from or within the next
 * n words? */
static bool
drug_from(const sentence *s, size_t from, size_t n)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (is_drug(&s->items[j]) && s->items[j].w0 >= from &&
		    s->items[j].w0 <= from + n)
			return true;
	return false;
}

/* cue_before: is an allergy cue written before drug item k in its
 * sentence (the "ALLERGIES:" its entry is listed under)? */
static bool
cue_before(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE)
			return true;
	return false;
}

/* avoid_ends: is word w an "avoid" that ends its clause, nothing after it
 * but a full stop, a comma, a semicolon, a closing bracket, a quote or
 * the line's end ("Codeine - vomiting, avoid.", "cipro (hallucinations,
 * avoid)", "(C. diff 2020 - \"avoid\")")?
 * The writer's verdict on the effect before it, as a refusal is the
 * patient's; "avoid masking" or "avoid NSAIDs" go on to what is avoided. */
static bool
avoid_ends(const sentence *s, size_t w)
{
	const char *p;

	if (!notes__words_at(s, w, "avoid"))
		return false;
	for (p = s->text + s->words[w].end; *p == ' '; p++)
		;
	return *p == '\0' || strchr(".,;)\n\"'", *p) != NULL;
}

/* bracket_closed_in: does text [from, to) close a bracket opened before
 * from?  A bracket opened and closed within it is an aside ("vomiting
 * +++ (ED 2024) -> pt says \"never again\"", allergy75cc). */
static bool
bracket_closed_in(const char *text, uint32_t from, uint32_t to)
{
	int depth = 0;

	for (uint32_t i = from; i < to; i++)
		if (text[i] == '(')
			depth++;
		else if (text[i] == ')' && depth-- == 0)
			return true;
	return false;
}

/* refused_after: does the patient, within REFUSED_AFTER_WORDS words after
 * the effect ending at word w and in its sentence part, refuse the drug
 * again ("Valproate was tried in 2019 - weight gain and tremor, he refuses
 * it", "caused painful gynaecomastia in 2020 and he will not take it
 * again"), or the writer ends the entry with "avoid" (avoid_ends)?  The
 * README files an effect after which the patient refuses the drug, or the
 * writer says to avoid it, as an allergy, whatever the effect: an
 * expected one or a diagnosis too.  A drug named after the effect is the one
 * refused ("hyperlipidaemia not treated (refused statin)"); a bracket that
 * closes after the effect ends its part, as in lay_effect_at; an allergy list's
 * entry, or one after an allergy cue ("ALLERGIES: ... TRAMADOL (hallucinations,
 * wife says never again)"), is an allergy already, and its drug no medicine
 * (cue_before, in lay_effect_at). */
static bool
refused_after(const sentence *s, size_t w)
{
	if (s->allergy_list || s->allergy_line ||
	    drug_from(s, w, REFUSED_AFTER_WORDS + 3))
		return false;
	static const char *const refused[] = {
		"refuses",	     "refused",
		"will not take",     "won t take",
		"would not take",    "does not want",
		"doesn t want",	     "never again",
		"not take it again", "never take it again",
	};

	for (size_t m = w; m < s->n && m <= w + REFUSED_AFTER_WORDS; m++) {
		uint32_t from = s->words[w - 1].end, to = s->words[m].start;

		if (m > w && (notes__part_ends(s, from, to) ||
			      bracket_closed_in(s->text, from, to)))
			return false;
		for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
			if (notes__phrase_at(s, m, refused[i]))
				return true;
		if (avoid_ends(s, m))
			return true;
	}
	return false;
}

/* refused_for: does the patient refuse drug item k, the refusal right
 * before it, for the effect item it given as its cause ("She refuses
 * codeine because of severe constipation in the past", allergy75sq,
 * en-dev85)?  The README files an effect for which the patient refuses
 * the drug as an allergy, as refused_after reads one told first. */
static bool
refused_for(const sentence *s, size_t k, const item *it)
{
	static const char *const refuses[] = {"refuses", "refused", "declines",
					      "declined"};
	size_t w = s->items[k].w0;

	return w > 0 && notes__words_in(s, w - 1, refuses, N_OF(refuses)) &&
	       caused_at(s, it->w0);
}

/* lay_effect_at: the felt effect after drug item k that a came-off word
 * makes the drug's, before the drug, between them, or right after the
 * effect ("tramadol 50 mg - given on discharge in Oct, \"makes me
 * dizzy\", stopped after 3 days", rules75en27), or NULL; expected: an
 * expected effect
 * (expected_effect) too, which is no intolerance but still the drug's
 * effect, no problem. */
static const item *
lay_effect_at(const sentence *s, size_t k, bool expected)
{
	const item *d = &s->items[k];
	size_t before = d->w0 > LAY_BEFORE_WORDS ? d->w0 - LAY_BEFORE_WORDS : 0;

	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (is_drug(it) || !effect_reaches(s, d, it) ||
		    it->e->type == NOTES_T_INDICATION ||
		    notes__part_ends(s, d->end, it->start) ||
		    notes__between_has(s, d->end, it->start, ')'))
			return NULL;
		if (it->e->type != NOTES_T_PROBLEM &&
		    it->e->type != NOTES_T_REACTION)
			continue;
		/* what the drug relieves, eased since ("Ondansetron 4 mg
		 * ODT - stopped at 20 wks, nausea resolved", allergy75gd):
		 * stopped as no longer needed */
		if (relieves(d, it) && relief_between(s, j, k))
			return NULL;
		if (!for_reason(s, j) && !effect_denied(s, k, j) &&
		    (refused_after(s, it->w1) || refused_for(s, k, it)) &&
		    !cue_before(s, k))
			return it;
		/* what the drug may do to anyone ("ACE inhibitor may
		 * worsen anaphylaxis") is no effect it had */
		if (!notes__felt_effect(it) || for_reason(s, j) ||
		    effect_denied(s, k, j) || counselled_between(s, k, j) ||
		    (!expected && expected_effect(it)) ||
		    !(came_off_in(s, before, d->w0) ||
		      came_off_in(s, d->w1, it->w0) ||
		      came_off_in(s, it->w1, it->w1 + 1) ||
		      years_ago_in(s, d->w1, it->w0) ||
		      switched_for(s, it->w1)))
			return NULL;
		return it;
	}
	return NULL;
}

/* got_with returns the problem the patient "gets" with drug
 * item k, written right before it ("Also says she gets gastritis with
 * ibuprofen", "gets headaches on nifedipine", "got thrush from the
 * antibiotics"), or NULL: what a drug brings on each time is an
 * intolerance of it (rules75en20); a reaction so written is read by its
 * nearness (notes__reaction_of).  The getting verb at most
 * GOT_EFFECT_WORDS words before the effect, no item between; "with",
 * "from" or "on" right before the drug, or before "the", "his", "her" or
 * "taking" there. */
#define GOT_EFFECT_WORDS 3

static const item *
got_with(const sentence *s, size_t k)
{
	static const char *const got[] = {"gets", "get", "got", "getting"};
	static const char *const prep[] = {"with", "from", "on"};
	static const char *const det[] = {"the", "his", "her", "taking"};
	size_t w = s->items[k].w0, j = k, from;
	const item *it;

	if (w > 0 && notes__words_in(s, w - 1, det, sizeof(det) / sizeof(*det)))
		w--;
	/* "with" may be an item of its own, a context word */
	if (j > 0 && w > 0 && s->items[j - 1].w0 == w - 1)
		j--;
	it = j > 0 ? &s->items[j - 1] : NULL;
	if (it == NULL || w == 0 || it->w1 + 1 != w ||
	    !notes__words_in(s, w - 1, prep, sizeof(prep) / sizeof(*prep)) ||
	    it->e->type != NOTES_T_PROBLEM)
		return NULL;
	from = it->w0 > GOT_EFFECT_WORDS ? it->w0 - GOT_EFFECT_WORDS : 0;
	if (j > 1 && s->items[j - 2].w1 > from)
		from = s->items[j - 2].w1;
	return notes__any_in(s, from, it->w0, got, sizeof(got) / sizeof(*got))
		       ? it
		       : NULL;
}

/* got_effect: is problem item k what the drug right after it (past a
 * "with" item) is written as bringing on (got_with)? */
static bool
got_effect(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items && m <= k + 2; m++)
		if (is_drug(&s->items[m]))
			return got_with(s, m) == &s->items[k];
	return false;
}

/* refused_after_zh: is effect item j followed, within STOP_ZH_WORDS
 * words, by the patient's refusal of the drug (declined_zh: "心悸胸闷，患者
 * 不愿再用")? */
static bool
refused_after_zh(const sentence *s, size_t j)
{
	for (size_t v = s->items[j].w1;
	     v < s->n && v < s->items[j].w1 + STOP_ZH_WORDS; v++)
		if (notes__words_in(s, v, declined_zh, N_OF(declined_zh)))
			return true;
	return false;
}

/* intolerance_stop_zh: the effect Chinese drug item k was stopped or
 * switched for (notes__stopped_for_zh) when that stop records an allergy:
 * a sign of a true allergy (a rash, hives, swelling), or an effect after
 * which the patient refuses the drug; NULL for a side effect given only
 * as the prescriber's reason ("因乏力停用", "服后肌肉酸痛，改瑞舒伐他汀",
 * "初用曲马多，患者恶心呕吐明显，第2天改为…", allergy75ub, zh-dev91).
 * Where the writers split on that shape (tests/data/notes/README.md),
 * those of zh-dev31 on chose a medicine only, as the English rules read
 * it; the drug is a past medicine. */
static const item *
intolerance_stop_zh(const sentence *s, size_t k)
{
	const item *it = notes__stopped_for_zh(s, k);

	if (it == NULL || (it->e->dir & NOTES_DIR_ALLERGIC_SIGN) ||
	    refused_after_zh(s, (size_t)(it - s->items)))
		return it;
	return NULL;
}

const item *
notes__lay_effect(const sentence *s, size_t k)
{
	if (lay_effect_zh(s, k))
		return lay_effect_zh(s, k);
	if (intolerance_stop_zh(s, k))
		return intolerance_stop_zh(s, k);
	if (got_with(s, k))
		return got_with(s, k);
	return lay_effect_at(s, k, false);
}

/* The words that lay a felt effect written before them on the drug
 * right after them ("\"woke up itching all over\", told it was
 * morphine", "?SJS secondary to lamotrigine"). */
static const char *const blamed_en[] = {
	"told it was",	 "secondary to", "due to",     "caused by",
	"attributed to", "blamed on",	 "induced by",
};

/* BLAMED_EFFECT_WORDS: the most words between the effect and the words
 * that blame the drug for it. */
#define BLAMED_EFFECT_WORDS 6

/* The words after a blamed drug that say the want of it did the harm
 * ("seizures due to valproate omission", "DKA secondary to insulin
 * omission", "rebound due to beta-blocker withdrawal", "due to
 * levetiracetam non-adherence"): the drug is needed, not an intolerance
 * (rules75en18). */
static const char *const lacked_en[] = {
	"omission", "omissions", "omitted", "withdrawal", "cessation", "non",
};

const item *
notes__blamed_on(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	size_t w = d->w0, j = k, n;
	bool said;

	if (notes__words_in(s, d->w1, lacked_en,
			    sizeof(lacked_en) / sizeof(*lacked_en)))
		return NULL;
	n = notes__phrase_before(s, w, blamed_en,
				 sizeof(blamed_en) / sizeof(*blamed_en));
	said = n > 0;
	w -= n;
	while (said && j-- > 0) {
		const item *it = &s->items[j];

		if (it->w0 >= w)
			continue; /* the blaming words' own phrase */
		if (is_drug(it) || w - it->w1 > BLAMED_EFFECT_WORDS ||
		    notes__between_has(s, it->end, d->start, ';') ||
		    notes__between_has(s, it->end, d->start, '.'))
			return NULL;
		if (notes__felt_effect(it) &&
		    (it->e->type == NOTES_T_REACTION ||
		     it->e->type == NOTES_T_PROBLEM))
			return it;
	}
	return NULL;
}

bool
notes__came_off_trigger(const char *t)
{
	for (size_t i = 0;
	     t && i < sizeof(came_off_en) / sizeof(came_off_en[0]); i++)
		if (strcmp(t, came_off_en[i]) == 0)
			return true;
	return false;
}

/* stopped_with_zh: is problem item k another effect in the list of the
 * effects for which Chinese drug item m was stopped (notes__stopped_for_zh),
 * the first of them, then only felt effects, no full-width comma between
 * ("恶心明显、头晕", "心悸胸闷")?  It is the drug's reaction too
 * (rules75zh23); a diagnosis among them ("胃不舒服、解黑便", K92.1) stays a
 * problem. */
static bool
stopped_with_zh(const sentence *s, size_t m, size_t k)
{
	const item *first = notes__stopped_for_zh(s, m);
	size_t j = first ? (size_t)(first - s->items) : k;

	if (j >= k || s->items[k].start < first->end ||
	    memmem(s->text + first->end, s->items[k].start - first->end,
		   FW_COMMA, 3) != NULL)
		return false;
	for (; j <= k; j++)
		if ((s->items[j].e->type != NOTES_T_PROBLEM &&
		     s->items[j].e->type != NOTES_T_REACTION) ||
		    !notes__felt_effect(&s->items[j]))
			return false;
	return true;
}

/* lay_effect_of: is problem item k the effect a drug before it is
 * written as having made the patient give up?  Then it is the drug's
 * reaction, not a problem. */
static bool
lay_effect_of(const sentence *s, size_t k)
{
	for (size_t m = k; m-- > 0;)
		if (is_drug(&s->items[m]))
			return notes__lay_effect(s, m) == &s->items[k] ||
			       notes__stopped_for_zh(s, m) == &s->items[k] ||
			       lay_effect_at(s, m, true) == &s->items[k] ||
			       stopped_with_zh(s, m, k);
	return false;
}

/* joined_reaction_zh: is problem item k a felt effect joined by 伴 or 伴有
 * ("with") to the reaction item right before it, and that reaction a
 * drug's, told earlier in its clause ("2024年服卡马西平后出现全身皮疹伴发热",
 * "别嘌醇——2018年全身皮疹伴发热")?  The fever is part of the drug's reaction,
 * as "皮疹、发热" is: no writer of the Chinese sets annotates such a fever
 * (24 sets tell one), so it is no problem (probfp75l). */
static bool
joined_reaction_zh(const sentence *s, size_t k)
{
	static const char *const with[] = {"伴", "伴有"};
	const item *r = k > 0 ? &s->items[k - 1] : NULL;
	size_t gap;

	if (r == NULL || r->e->type != NOTES_T_REACTION ||
	    !notes__felt_effect(&s->items[k]))
		return false;
	gap = s->items[k].start - r->end;
	if (!((gap == strlen(with[0]) &&
	       memcmp(s->text + r->end, with[0], gap) == 0) ||
	      (gap == strlen(with[1]) &&
	       memcmp(s->text + r->end, with[1], gap) == 0)))
		return false;
	for (size_t m = k - 1; m-- > 0;)
		if (is_drug(&s->items[m]))
			return !notes__terminated(s, m, k - 1) &&
			       notes__reaction_of(s, m, false) == r;
	return false;
}

/* The verbs with which a writer lays a drug's effect on it ("ramipril gave
 * him a dry cough", "alendronic acid previously caused heartburn", "it
 * made him too drowsy"); "made" and "gave" only with the person after
 * them, as "gave a history of asthma" tells no effect. */
static const char *const caused_en[] = {"caused", "causes", "cause"};
static const char *const gave_en[] = {"gave", "gives", "give", "made", "makes"};
static const char *const gave_whom_en[] = {"him", "her", "me", "them"};
static const char *const subject_en[] = {"it", "this", "which"};
static const char *const caused_filler_en[] = {"also", "only", "previously",
					       "always", "once"};

/* content_item: is it a drug, a problem or a reaction, not a cue word
 * ("previously", "persistent") the reader keeps as an item too? */
static bool
content_item(const item *it)
{
	return is_drug(it) || it->e->type == NOTES_T_PROBLEM ||
	       it->e->type == NOTES_T_REACTION;
}

/* CAUSED_EFFECT_WORDS: the most words between the verb (and its person) and
 * the effect ("a persistent dry cough": three). */
#define CAUSED_EFFECT_WORDS 3

/* caused_verb_at: the word of the verb that lays problem item k on a drug,
 * at most CAUSED_EFFECT_WORDS words before it, past the person; no item
 * between.  Returns s->n when there is none. */
static size_t
caused_verb_at(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0;
	size_t from =
		w0 > CAUSED_EFFECT_WORDS + 2 ? w0 - CAUSED_EFFECT_WORDS - 2 : 0;

	for (size_t j = k; j-- > 0;)
		if (content_item(&s->items[j])) {
			if (s->items[j].w1 > from)
				from = s->items[j].w1;
			break;
		}
	for (size_t v = w0; v-- > from;) {
		bool whom =
			v + 1 < w0 && notes__words_in(s, v + 1, gave_whom_en,
						      N_OF(gave_whom_en));

		if (notes__words_in(s, v, caused_en, N_OF(caused_en)) &&
		    w0 - v - 1 <= CAUSED_EFFECT_WORDS)
			return v;
		if (whom && notes__words_in(s, v, gave_en, N_OF(gave_en)) &&
		    w0 - v - 2 <= CAUSED_EFFECT_WORDS)
			return v;
	}
	return s->n;
}

/* caused_subject: is the subject of the verb at word v a drug of s, the
 * item right before it ("ramipril gave him"), or "it", "this" or "which"
 * with a drug before it in the sentence ("naproxen … because it gave her
 * heartburn")?  An adverb may stand between ("previously caused"). */
static bool
caused_subject(const sentence *s, size_t k, size_t v)
{
	size_t w = v;
	size_t m = k;

	while (w > 0 && notes__words_in(s, w - 1, caused_filler_en,
					N_OF(caused_filler_en)))
		w--;
	while (m > 0 &&
	       (s->items[m - 1].w1 > w || !content_item(&s->items[m - 1])))
		m--;
	if (m == 0)
		return false;
	if (s->items[m - 1].w1 == w)
		return is_drug(&s->items[m - 1]);
	if (w == 0 || !notes__words_in(s, w - 1, subject_en, N_OF(subject_en)))
		return false;
	for (size_t j = m; j-- > 0;)
		if (is_drug(&s->items[j]))
			return true;
	return false;
}

/* caused_effect_en: is problem item k an effect the writer lays on a drug
 * with "gave him", "caused" or "made her" ("ramipril gave him a persistent
 * dry cough", "thalidomide … caused marked constipation")?  Most writers
 * annotate no problem for it (en-dev3, 4, 7, 23, 33, 37, 38, 42, 44, 47;
 * en-dev20 and 30 do): it is the drug's side effect (probfp75l).  A
 * condition the drug "makes worse" is the patient's own. */
static bool
caused_effect_en(const sentence *s, size_t k)
{
	size_t v = caused_verb_at(s, k), w1 = s->items[k].w1;

	if (v >= s->n || (w1 < s->n && notes__words_at(s, w1, "worse")))
		return false;
	return caused_subject(s, k, v);
}

bool
notes__side_effect(const sentence *s, size_t k)
{
	const notes_type t = k >= 2 ? s->items[k - 2].e->type : NOTES_T_PROBLEM;

	return ((t == NOTES_T_SUBSTANCE || t == NOTES_T_CLASS) &&
		notes__caused_by(s, k - 2) == &s->items[k]) ||
	       lay_effect_of(s, k) || got_effect(s, k) ||
	       joined_reaction_zh(s, k) || caused_effect_en(s, k);
}

/* The words a patient or a relative uses to say a drug does something to
 * them ("codeine makes me itch", "promethazine once - made her very
 * sleepy"): the verb, the person, and the words after them that tell a
 * good effect, which is no intolerance ("morphine made him
 * comfortable"). */
static const char *const made_en[] = {"makes", "made"};
static const char *const made_whom_en[] = {"me", "him", "her", "my", "his"};
static const char *const made_good_en[] = {
	"better", "comfortable", "calmer", "calm", "settled", "well", "worse",
};
static const char *const made_gap_en[] = {"it", "once", "always", "also"};
/* what another drug is made: an interaction ("makes her pill
 * unreliable"), no effect felt */
static const char *const made_unreliable_en[] = {"unreliable", "ineffective",
						 "pill", "contraception"};

/* MADE_GAP_WORDS: the most words (made_gap_en) between the drug and the
 * lay verb. */
#define MADE_GAP_WORDS 2

/* COMPLETED_WORDS: how far after an effect the teller may say the course
 * was taken to its end ("made me feel awful\" but completed"). */
#define COMPLETED_WORDS 6

bool
notes__completed_despite(const sentence *s, size_t w)
{
	static const char *const completed_en[] = {"completed", "finished"};

	for (size_t v = w; v < s->n && v < w + COMPLETED_WORDS; v++) {
		if (notes__between_has(s, s->words[w].start, s->words[v].start,
				       '.') ||
		    notes__between_has(s, s->words[w].start, s->words[v].start,
				       ';'))
			return false;
		if (!notes__words_in(s, v, completed_en, 2))
			continue;
		if ((v > 0 && notes__words_at(s, v - 1, "but")) ||
		    (v + 2 < s->n && notes__words_at(s, v + 1, "the") &&
		     notes__words_at(s, v + 2, "course")))
			return true;
	}
	return false;
}

/* LOWERED_WORDS: how far after an effect the writer may say the dose was
 * lowered for it ("GI upset - reduced from 1 g bd"). */
#define LOWERED_WORDS 4

/* lowered_dose_at: is word v a dose lowered, "reduced", "lowered" or
 * "decreased" with the old or new dose after it ("reduced from 1 g bd",
 * "reduced to od") or "dose" before it ("dose reduced")?  Alone the word
 * may tell the effect easing ("nausea reduced"). */
static bool
lowered_dose_at(const sentence *s, size_t v)
{
	static const char *const lowered[] = {"reduced", "lowered",
					      "decreased"};
	static const char *const dosed[] = {"to", "from"};

	if (!notes__words_in(s, v, lowered, N_OF(lowered)))
		return false;
	return (v > 0 && notes__words_at(s, v - 1, "dose")) ||
	       (v + 1 < s->n && notes__words_in(s, v + 1, dosed, N_OF(dosed)));
}

bool
notes__dose_lowered_after(const sentence *s, size_t w)
{
	for (size_t v = w; v < s->n && v <= w + LOWERED_WORDS; v++) {
		if (notes__between_has(s, s->words[w].start, s->words[v].start,
				       '.') ||
		    notes__between_has(s, s->words[w].start, s->words[v].start,
				       ';'))
			return false;
		if (lowered_dose_at(s, v))
			return true;
	}
	return false;
}

bool
notes__made_lay_effect(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1, gap = 0;

	if (s->words[s->items[k].w0].han)
		return false;
	while (w < s->n && gap < MADE_GAP_WORDS &&
	       notes__words_in(s, w, made_gap_en,
			       sizeof(made_gap_en) / sizeof(*made_gap_en)))
		w++, gap++;
	if (w + 2 >= s->n)
		return false;
	if (notes__part_ends(s, s->items[k].end, s->words[w].start) ||
	    !notes__words_in(s, w, made_en, 2) ||
	    !notes__words_in(s, w + 1, made_whom_en,
			     sizeof(made_whom_en) / sizeof(*made_whom_en)))
		return false;
	for (size_t m = k + 1; m < s->n_items; m++)
		if ((s->items[m].w0 < w || s->items[m].w0 == w + 2) &&
		    is_drug(&s->items[m]))
			return false; /* "Rifampicin makes her Microgynon
				       * unreliable" (en-dev81): another
				       * drug's effect, an interaction */
	return !notes__any_in(s, w + 2, w + 4, made_good_en,
			      sizeof(made_good_en) / sizeof(*made_good_en)) &&
	       !notes__any_in(s, w + 2, w + 4, made_unreliable_en,
			      N_OF(made_unreliable_en)) &&
	       !notes__completed_despite(s, w + 2);
}

/* which_doubt_at: is word v a teller's doubt about which drug did it:
 * "unsure", "unclear", "not sure", "might have been", "may have been"
 * ("not sure whether it was that or the MTX", "might have been
 * penicillin or might have been the Difene")? */
static bool
which_doubt_at(const sentence *s, size_t v)
{
	static const char *const modal[] = {"might", "may"};

	if (notes__words_at(s, v, "unsure") || notes__words_at(s, v, "unclear"))
		return true;
	if (notes__words_at(s, v, "sure"))
		return v > 0 && notes__words_at(s, v - 1, "not");
	return notes__words_in(s, v, modal, 2) && v + 2 < s->n &&
	       notes__words_at(s, v + 1, "have") &&
	       notes__words_at(s, v + 2, "been");
}

/* OR_WORDS: the most words between "or" and the drug it offers ("or
 * might have been the"). */
#define OR_WORDS 4

bool
notes__doubted_alternative(const sentence *s, size_t k)
{
	static const char *const filler[] = {"the",  "might", "may", "have",
					     "been", "it",    "was"};
	size_t w = s->items[k].w0, from = w > OR_WORDS ? w - OR_WORDS : 0;
	bool told = false;

	while (w > from && notes__words_in(s, w - 1, filler,
					   sizeof(filler) / sizeof(*filler)))
		w--;
	if (w == 0 || !notes__words_at(s, w - 1, "or"))
		return false;
	for (size_t v = 0; v + 1 < w && !told; v++)
		told = which_doubt_at(s, v);
	if (!told)
		return false;
	told = false;
	for (size_t j = 0; j < k; j++)
		told |= s->items[j].e->type == NOTES_T_REACTION ||
			s->items[j].e->type == NOTES_T_ALLERGY_CUE ||
			(s->items[j].e->type == NOTES_T_PROBLEM &&
			 notes__felt_effect(&s->items[j]));
	return told;
}

/* The words before a drug that say the patient cannot take it ("he can't
 * take codeine, gets very sick"; "can't" is the words "can" and "t"), and
 * the verbs after them. */
static const char *const cannot_en[] = {"can t",   "cannot",   "cant",
					"can not", "couldn t", "could not"};
static const char *const cannot_take_en[] = {"take", "have", "tolerate"};

/* The words of a clinician's reason why a patient cannot take a drug, a
 * risk or a state of theirs, no effect they felt ("cannot take warfarin -
 * bleeding risk", "can't have NSAIDs - renal function"). */
static const char *const cannot_why_en[] = {
	"risk",	    "interaction", "interacts", "contraindicated",
	"pregnant", "pregnancy",   "renal",	"kidney",
	"kidneys",  "liver",	   "function",	"levels",
};

/* CANNOT_REASON_WORDS: the most words after the drug read for the reason. */
#define CANNOT_REASON_WORDS 6

/* cannot_reason_at: is there, after drug item k and a comma or a dash, a
 * word of its clause that tells why, not a diagnosis or an indication
 * (a bleed on warfarin is a medicine's harm, not an intolerance)? */
static bool
cannot_reason_at(const sentence *s, size_t k)
{
	const item *d = &s->items[k];
	uint32_t at = d->end;

	while (at < s->text_len && s->text[at] == ' ')
		at++;
	/* an em or en dash is the dash as often as the hyphen ("can't take"
	 * Augmentin — vomiting") */
	if (at >= s->text_len ||
	    (s->text[at] != ',' && s->text[at] != '-' &&
	     strncmp(s->text + at, "\xe2\x80\x94", 3) != 0 &&
	     strncmp(s->text + at, "\xe2\x80\x93", 3) != 0) ||
	    d->w1 >= s->n)
		return false;
	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (notes__part_ends(s, d->end, it->start))
			break;
		if (is_drug(it) || it->e->type == NOTES_T_INDICATION ||
		    (it->e->type == NOTES_T_PROBLEM && !notes__felt_effect(it)))
			return false;
	}
	for (size_t w = d->w1; w < s->n && w < d->w1 + CANNOT_REASON_WORDS; w++)
		if (notes__part_ends(s, d->end, s->words[w].start))
			break;
		else if (notes__words_in(s, w, cannot_why_en,
					 sizeof(cannot_why_en) /
						 sizeof(*cannot_why_en)))
			return false;
	return !notes__any_in(s, d->w1, d->w1 + 3, made_good_en,
			      sizeof(made_good_en) / sizeof(*made_good_en));
}

bool
notes__cannot_take(const sentence *s, size_t k)
{
	static const char *const the[] = {"the"};
	size_t w = s->items[k].w0;

	if (s->words[w].han || w < 2)
		return false;
	if (notes__words_in(s, w - 1, the, 1))
		w--;
	return notes__words_in(s, w - 1, cannot_take_en,
			       sizeof(cannot_take_en) /
				       sizeof(*cannot_take_en)) &&
	       notes__phrase_before(s, w - 1, cannot_en,
				    sizeof(cannot_en) / sizeof(*cannot_en)) &&
	       cannot_reason_at(s, k);
}
