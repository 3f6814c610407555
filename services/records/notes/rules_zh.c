/*
 * rules_zh.c - rules for a drug written in Chinese: a switch (换用, 改为),
 * a drug to avoid, a class not used, an allergy that is a relative's or
 * mislabelled, a denial written before or after the drug, a drug given
 * as the remedy of a reaction.  Chinese writes these with no ASCII
 * punctuation to part them, so they read characters and full-width marks.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>

/* details_before_zh: is word w right after a word for the allergy's
 * details (具体, 详情, 详细, 细节, 具体反应, allergy75jx) or the drug's name
 * (名字, 名称, 药名)?
 * "具体反应不详", "詳情不清楚", "输头孢（名字记不清）时全身起风团": the
 * reaction, the story or which drug of the class is not known, the
 * allergy itself is recorded, unlike 是否过敏不详 or a bare 不清楚, which
 * doubt it (the name, rules75zh25). */
static bool
details_before_zh(const sentence *s, size_t w)
{
	static const char *const details[] = {"具体", "详情", "详细", "细节",
					      "名字", "名称", "药名"};
	static const char *const what[] = {"反应", "表现"};
	static const char *const unknown[] = {"记不清", "不清楚"};

	/* "具体反应记不清": the reaction's details not remembered, two words
	 * back; "具体表现描述不清" doubts the story (rules_zh11) */
	if (w >= 4 && notes__words_in(s, w, unknown, N_OF(unknown)) &&
	    notes__words_in(s, w - 2, what, N_OF(what)) &&
	    notes__words_at(s, w - 4, "具体"))
		return true;
	return w >= 2 && notes__words_in(s, w - 2, details,
					 sizeof(details) / sizeof(*details));
}

/* unknown_allergy_zh: is "不详" written right after drug item k, before
 * end ("对\"头孢\"不详", "头孢类“不详”")?  The drug's allergy itself is
 * unknown: doubted.  In a parenthesis it is the reaction unknown, the
 * list's slot for it ("2. 磺胺类（不详）"), and the allergy stands
 * (rules75zh21). */
static bool
unknown_allergy_zh(const sentence *s, size_t k, size_t end)
{
	size_t w = s->items[k].w1;
	uint32_t from = s->items[k].end, to;

	if (w >= end || !notes__words_at(s, w, "不详"))
		return false;
	to = s->words[w].start;
	return to <= from ||
	       (memmem(s->text + from, to - from, FW_OPEN, 3) == NULL &&
		memchr(s->text + from, '(', to - from) == NULL);
}

/* queried_aside_zh: is doubt word w written in a parenthesis opened after
 * drug item k, after a full-width question mark that follows a word of
 * the aside ("penicillin allergy（過敏性休克？不肯定）")?  The doubt is of
 * what the aside queries, the reaction's kind, not of the allergy, as in
 * context.c (rules75zh21). */
static bool
queried_aside_zh(const sentence *s, size_t k, size_t w)
{
	const char *at = s->text + s->words[w].start, *open, *q;
	size_t len = (size_t)(at - (s->text + s->items[k].end));

	open = memmem(s->text + s->items[k].end, len, FW_OPEN, 3);
	if (open == NULL ||
	    memmem(open, (size_t)(at - open), FW_CLOSE, 3) != NULL)
		return false;
	q = memmem(open, (size_t)(at - open), "？", 3);
	return q != NULL && q > open + 3;
}

bool
notes__doubt_after_zh(const sentence *s, size_t k)
{
	static const char *const doubt[] = {
		"反应不详", "表现不详", "反应不清", "记不清", "说不清",
		"不清楚", "无法说明", "待核实", "待确认", "待证实", "暂按",
		"可疑过敏", "疑似过敏", "无法确认", "未能确认", "列为可疑",
		"列为怀疑", "不确定", "不能确定", "无法确定", "无法核实",
		"未能核实", "描述不清", "怀疑过敏", "怀疑敏感", "存疑",
		"不肯定", "唔肯定", "是否过敏不详", "是否过敏不明",
		"是否过敏不清", "是否过敏未知", "过敏史不详", "过敏史不明",
		"过敏史不清", "未证实", "未经证实", "未确认", "未经确认",
		"本人否认",
		/* the patient's own word against a relative's report:
		 * "太太說病人對「盤尼西林」過敏，病人本人說沒有" (allergy75rg,
		 * zh-dev82) */
		"本人说没有", "本人说没", "本人表示没有", "本人说不是",
		/* a teller's guess: "以前打了安定就闹腾，像是过敏"
		 * (allergy75ol, zh-dev75) */
		"像是过敏", "好像是过敏", "像过敏"};
	size_t end = notes__drug_bound(s, k);

	if (unknown_allergy_zh(s, k, end))
		return true;
	for (size_t w = s->items[k].w1; w < end; w++)
		if (notes__words_in(s, w, doubt,
				    sizeof(doubt) / sizeof(*doubt)) &&
		    !details_before_zh(s, w) && !queried_aside_zh(s, k, w))
			return true;
	return false;
}

/* bare_switch_zh: is the word before word w0 of a drug, inside its clause
 * (from), a bare 改 or 换, the switch written without its 用 or 为
 * ("术前预防用药改克林霉素")?  Only right before the drug: further off the
 * character is another word's (改善, 更换敷料), and 修改 amends a record. */
static bool
bare_switch_zh(const sentence *s, size_t w0, size_t from)
{
	if (w0 <= from)
		return false;
	if (!notes__words_at(s, w0 - 1, "改") &&
	    !notes__words_at(s, w0 - 1, "换"))
		return false;
	return !(w0 > 1 && notes__words_at(s, w0 - 2, "修"));
}

/* prophylaxis_given_zh: does word w, before drug item k, open a
 * prophylaxis given ("过敏史：青霉素（…），本次术前预防用克林霉素0.6g",
 * zh-dev79; "本次围术期预防用药选择头孢唑林")?  The drug was given in the
 * allergen's place; not one told as the reason after "预防用药：" ("术前预防
 * 用药：因头孢唑林可疑过敏，建议改用克林霉素"). */
static bool
prophylaxis_given_zh(const sentence *s, size_t w, size_t k)
{
	static const char *const used[] = {"预防用", "预防使用", "预防性使用"};
	static const char *const because[] = {"因", "由于"};

	for (size_t i = 0; i < N_OF(used); i++) {
		size_t after = w + strlen(used[i]) / 3;

		if (notes__words_at(s, w, used[i]))
			return !notes__words_any(s, after, s->items[k].w0,
						 because, N_OF(because));
	}
	return false;
}

/* switched_zh: is Chinese drug item k the one a switch led to ("ACEI类
 * 药物——干咳，已换用ARB", "术中预防性抗生素改用克林霉素", Hong Kong's "轉用
 * valsartan", the drug used only since: "之後發燒只用 Acetaminophen")?
 * It replaced the allergen: taken, not an allergy.  A record amended to
 * a label ("修改为\"可疑头孢过敏\"") is no switch of drug. */
static bool
switched_zh(const sentence *s, size_t k)
{
	/* a drug chosen in the allergen's place ("青霉素可疑过敏——经验性选择
	 * 克林霉素", allergy75at) */
	static const char *const also[] = {"更换为", "只用", "选用",
					   "经验性选择"};
	size_t from, end;

	notes__clause_words(s, k, &from, &end);
	for (size_t w = from; w < s->items[k].w0; w++)
		if ((notes__switch_verb_zh(s, w) ||
		     notes__words_in(s, w, also,
				     sizeof(also) / sizeof(*also)) ||
		     prophylaxis_given_zh(s, w, k)) &&
		    !(w > 0 && notes__words_at(s, w - 1, "修")))
			return true;
	return bare_switch_zh(s, s->items[k].w0, from);
}

bool
notes__switched_past_reaction_zh(const sentence *s, size_t k)
{
	const item *r = notes__reaction_of(s, k, true);
	size_t from, end;

	if (r == NULL || !switched_zh(s, k))
		return false;
	notes__clause_words(s, k, &from, &end);
	return r->w1 <= from;
}

bool
notes__replacement_zh(const sentence *s, size_t k)
{
	return switched_zh(s, k) && notes__first_drug(s, k) < k;
}

const item *
notes__delabel_past_switch_zh(const sentence *s, size_t k)
{
	bool past = false; /* a replacement stands between */

	for (size_t j = k + 1; j < s->n_items; j++) {
		const notes_entry *e = s->items[j].e;

		if (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_CLASS) {
			if (!switched_zh(s, j))
				return NULL;
			past = true;
		}
		if (e->type == NOTES_T_ALLERGY_CUE &&
		    (e->dir & NOTES_DIR_DELABEL))
			return past && (unsigned char)e->key[0] >= 0x80
				       ? &s->items[j]
				       : NULL;
	}
	return NULL;
}

/* gap_has: is mark written between word w - 1 and word w? */
static bool
gap_has(const sentence *s, size_t w, const char *mark)
{
	uint32_t from = s->words[w - 1].end, to = s->words[w].start;

	return to > from &&
	       memmem(s->text + from, to - from, mark, strlen(mark)) != NULL;
}

/* enumeration_head_zh: the first drug of the run that Chinese drug item
 * k ends, drugs parted by the enumeration comma 、 alone ("卡马西平、苯妥
 * 英钠"); k itself when none is before it.  What is said before the run
 * is said of each of its drugs. */
static size_t
enumeration_head_zh(const sentence *s, size_t k)
{
	const item *it = &s->items[k];

	while (it > s->items && is_drug(it - 1) &&
	       it->start - it[-1].end == 3 &&
	       memcmp(s->text + it[-1].end, ENUM_COMMA, 3) == 0)
		it--;
	return (size_t)(it - s->items);
}

/* own_allergy_zh: is Chinese drug item k followed right away by 过敏
 * (類 or 类 at most between), no 者 after it ("…；磺胺類過敏亦須避免",
 * zh-dev79)?  The writer states the patient's allergy and then what it
 * asks; "青霉素过敏者避免使用" speaks of anyone allergic. */
static bool
own_allergy_zh(const sentence *s, size_t k)
{
	static const char *const kind[] = {"类", "類"};
	static const char *const allergy[] = {"过敏", "過敏"};
	size_t w = s->items[k].w1;
	uint32_t end = s->items[k].end;

	if (w < s->n && notes__words_in(s, w, kind, N_OF(kind)) &&
	    s->words[w].start == end)
		end = s->words[w++].end;
	/* written together: "避免头孢类（过敏）" gives the avoidance's reason
	 */
	return w < s->n && s->words[w].start == end &&
	       notes__words_in(s, w, allergy, N_OF(allergy)) &&
	       !(w + 2 < s->n && notes__words_at(s, w + 2, "者"));
}

/* avoided_zh: does its clause say Chinese drug item k is to be avoided
 * or used with caution ("故亦避免其他非甾体抗炎药", "对 Cephalosporin 类
 * 药物也避免使用", "仍慎用氨基糖苷类")?  A
 * drug kept away for the allergy's sake is no allergy of its own
 * (README: "avoid NSAIDs" is nothing); a substance is a medicine not to
 * be given. */
static bool
avoided_zh(const sentence *s, size_t k)
{
	static const char *const avoid[] = {"避免", "慎用"};
	const char *close;
	size_t from, to;

	if (own_allergy_zh(s, k))
		return false;
	k = enumeration_head_zh(s, k); /* "避免卡马西平、苯妥英钠等" */
	notes__clause_words(s, k, &from, &to);
	/* a parenthesis opened after the drug speaks of others ("改为左乙拉
	 * 西坦（避免卡马西平…）") */
	for (size_t w = s->items[k].w1; w < to; w++)
		if (gap_has(s, w, FW_OPEN))
			to = w;
	/* nor does one said outside the parenthesis that holds the drug
	 * ("抗精神病药敏感（奥氮平后加重）——病历注明：避免使用抗精神病药") */
	if (notes__paren_open(s, k, &close) != NULL)
		for (size_t w = s->items[k].w1; w < to; w++)
			if (s->text + s->words[w].start >= close)
				to = w;
	return notes__words_any(s, from, to, avoid,
				sizeof(avoid) / sizeof(*avoid));
}

/* unused_class_zh: is Chinese class item k named as not used since, or
 * ever ("口服阿莫西林后出现荨麻疹，此后未再使用青霉素类药物", "此次之前未曾用过
 * 青霉素类药物", "过敏史：对"青霉素"皮试阳性，未用过头孢类")?  The class is
 * what the patient kept away from, not an allergy the writer states (README: a
 * class named without an allergy is nothing); the drug that harmed is the
 * allergy. */
static bool
unused_class_zh(const sentence *s, size_t k)
{
	static const char *const unused[] = {"未再",   "未曾",	 "没再",
					     "没有再", "未用过", "未使用过",
					     "从未",   "没用过"};
	size_t from, to;

	if (s->items[k].e->type != NOTES_T_CLASS)
		return false;
	notes__clause_words(s, k, &from, &to);
	return notes__words_any(s, from, s->items[k].w0, unused,
				sizeof(unused) / sizeof(*unused));
}

bool
notes__never_used_zh(const sentence *s, size_t k)
{
	static const char *const never[] = {
		"未用过",   "未使用过",	  "从未用过", "从未使用过",
		"没用过",   "没试过",	  "未试过",   "从没用过",
		"未曾用过", "从来没用过", "未曾使用", "从未使用"};
	static const char *const marks[] = {"\"", "”", "」", "』",
					    "’",  ":", "："};
	size_t w = s->items[k].w1;

	while (w < s->n && notes__among(s->words[w].key, marks, N_OF(marks)))
		w++;
	return notes__words_in(s, w, never, N_OF(never));
}

/* prophylaxis_class_zh: is Chinese class item k the regimen a plan
 * names by its use ("术中预防性抗生素改用克林霉素": the prophylactic
 * antibiotic, switched)?  A class named for what it is given for is a
 * treatment, not an allergen. */
static bool
prophylaxis_class_zh(const sentence *s, size_t k)
{
	static const char *const use[] = {"预防性", "经验性", "预防用"};
	size_t w0 = s->items[k].w0;

	return s->items[k].e->type == NOTES_T_CLASS && w0 >= 3 &&
	       notes__words_in(s, w0 - 3, use, sizeof(use) / sizeof(*use));
}

/* allergy_stated_before_zh: is an allergy cue ("过敏", "严重过敏") written
 * right before word w, a full-width comma between ("严重过敏，禁用"), with
 * no drug named before it in the sentence and no denial on it ("不过敏",
 * "并非过敏")? */
static bool
allergy_stated_before_zh(const sentence *s, size_t w)
{
	static const char *const denial[] = {"不", "非", "无", "否认"};

	if (w == 0 || strcmp(s->words[w - 1].key, FW_COMMA) != 0)
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (is_drug(it) || it->w0 >= w)
			return false;
		if (it->w1 == w - 1 && it->e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(it->e->key, "过敏") != NULL)
			return !notes__any_in(s, it->w0 > 2 ? it->w0 - 2 : 0,
					      it->w0 + 1, denial,
					      sizeof(denial) / sizeof(*denial));
	}
	return false;
}

bool
notes__class_banned_for_allergy_zh(const sentence *s, size_t k)
{
	static const char *const ban[] = {"禁用", "忌用"};
	static const char *const lifelong[] = {"终身", "永久", "以后", "今后"};
	const item *b;
	size_t w;

	if (s->items[k].e->type != NOTES_T_CLASS || k == 0)
		return false;
	b = &s->items[k - 1];
	w = s->items[k].w0;
	if (w >= 2 &&
	    notes__words_in(s, w - 2, (const char *const[]){"所有"}, 1))
		w -= 2; /* "禁用所有青霉素类" */
	if (b->w1 != w ||
	    !notes__words_in(s, b->w0, ban, sizeof(ban) / sizeof(*ban)))
		return false;
	w = b->w0;
	if (w >= 2 && notes__words_in(s, w - 2, lifelong,
				      sizeof(lifelong) / sizeof(*lifelong)))
		w -= 2; /* "确定过敏，终身禁用磺胺类抗菌药" */
	return allergy_stated_before_zh(s, w);
}

/* OUTSIDE_CLASS_WORDS: how many words "不属于" and its like may take
 * between a drug and the classes it is said to be outside. */
#define OUTSIDE_CLASS_WORDS 4

/* The words that put a drug outside a class ("左氧氟沙星不属于青霉素/头孢/
 * 大环内酯类", "非青霉素类"). */
static const char *const outside_zh[] = {"不属于", "不属", "不是", "并非"};

/* outside_class_at: is drug item d followed, within OUTSIDE_CLASS_WORDS
 * words and before word w, by a word of outside_zh? */
static bool
outside_class_at(const sentence *s, const item *d, size_t w)
{
	return d->e->type == NOTES_T_SUBSTANCE && w >= d->w1 &&
	       w - d->w1 <= OUTSIDE_CLASS_WORDS &&
	       notes__any_in(s, d->w1, w, outside_zh, N_OF(outside_zh));
}

/* outside_class_zh: is class item k one of the classes a drug before it
 * is said not to belong to, the run of classes written together
 * ("过敏核对：左氧氟沙星不属于青霉素/头孢/大环内酯类，无交叉过敏，可用",
 * allergy75rh, zh-dev82)?  The pharmacist names the allergy classes to
 * clear the drug of them: no allergy of the class's own. */
static bool
outside_class_zh(const sentence *s, size_t k)
{
	size_t j = k, first;

	if (s->items[k].e->type != NOTES_T_CLASS)
		return false;
	/* "青霉素" of "青霉素/头孢/大环内酯类" may be read as a substance */
	while (j > 0 && is_drug(&s->items[j - 1]) &&
	       s->items[j].w0 - s->items[j - 1].w1 <= 1)
		j--;
	first = s->items[j].w0;
	while (j > 0 && !is_drug(&s->items[j - 1]))
		j--;
	return j > 0 && outside_class_at(s, &s->items[j - 1], first);
}

bool
notes__no_allergen_class_zh(const sentence *s, size_t k)
{
	return unused_class_zh(s, k) || prophylaxis_class_zh(s, k) ||
	       outside_class_zh(s, k);
}

bool
notes__cleared_of_class_zh(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j < s->n_items; j++)
		if (is_drug(&s->items[j]))
			return s->items[j].e->type == NOTES_T_CLASS &&
			       outside_class_at(s, &s->items[k],
						s->items[j].w0);
	return false;
}

/* own_intolerance_zh: is Chinese drug item k, said to be avoided, the
 * one an intolerance label after it names, before another drug and in
 * its sentence ("避免氟哌啶醇，既往不耐受", "避免使用曲马多（患者不耐受）")?
 * The writer gives the patient's own reaction as the reason to avoid it:
 * an allergy (README: an effect after which the writer says to avoid the
 * drug), not a drug kept away for another's sake.  The patient's refusal
 * after it is such a label ("避免甲氧氯普胺（患者诉既往用后坐立不安，不愿
 * 再用）", zh-dev44, allergy75as).  A label put as a condition ("若不耐
 * 受") tells of no reaction yet. */
static bool
own_intolerance_zh(const sentence *s, size_t k)
{
	static const char *const label[] = {
		"不耐受",   "不能耐受", "无法耐受", "耐受差",	"耐受性差",
		"不愿再用", "不想再用", "不敢再吃", "不敢再用", "不肯再吃",
		"不肯再用", "再也不吃", "再也不用"};
	static const char *const cond[] = {"若", "如", "如果"};
	size_t w;

	for (size_t j = k + 1; j < s->n_items; j++) {
		if (is_drug(&s->items[j]) || notes__ends(s, k, j, false))
			return false;
		if (s->items[j].e->type != NOTES_T_ALLERGY_CUE ||
		    !notes__words_in(s, s->items[j].w0, label,
				     sizeof(label) / sizeof(*label)))
			continue;
		w = s->items[j].w0;
		return !notes__any_in(s, w > 2 ? w - 2 : 0, w, cond,
				      sizeof(cond) / sizeof(*cond));
	}
	return false;
}

/* gap_holds: does the text between word w and the next (or the
 * sentence's end) hold one of marks? */
static bool
gap_holds(const sentence *s, size_t w, const char *const *marks, size_t n)
{
	uint32_t from = s->words[w].end;
	uint32_t to =
		w + 1 < s->n ? s->words[w + 1].start : (uint32_t)s->text_len;

	for (size_t i = 0; i < n; i++)
		if (to > from && memmem(s->text + from, to - from, marks[i],
					strlen(marks[i])) != NULL)
			return true;
	return false;
}

/* declined_word_zh: the word after a Chinese decline (不用, 暂不用)
 * written right after drug item k or right before it, where a
 * bracket, a dash or a colon opens its reason, or s->n. */
static size_t
declined_word_zh(const sentence *s, size_t k)
{
	/* （, (, an em dash, a colon, full-width or not */
	static const char *const opens[] = {"\xef\xbc\x88", "(", "\xe2\x80\x94",
					    "\xef\xbc\x9a", ":"};
	const item *it = &s->items[k];
	size_t w = s->n;

	if (notes__words_at(s, it->w1, "暂不用"))
		w = it->w1 + 3;
	else if (notes__words_at(s, it->w1, "不用"))
		w = it->w1 + 2;
	else if (it->w0 >= 2 && notes__words_at(s, it->w0 - 2, "不用"))
		w = it->w1;
	if (w == s->n || w == 0 || w >= s->n ||
	    !gap_holds(s, w - 1, opens, N_OF(opens)))
		return s->n;
	return w;
}

/* past_told_zh: does word w open the patient's past with the drug: 既往,
 * 以前, 之前 or 曾, or a teller (患者说, 患者诉, 本人说) or a year before it
 * ("曲马多不用——患者说2022年吃了吐得厉害", allergy75mf)? */
static bool
past_told_zh(const sentence *s, size_t w)
{
	static const char *const past[] = {"既往",   "以前",   "之前",	"曾",
					   "患者说", "患者诉", "本人说"};

	return notes__words_in(s, w, past, N_OF(past)) ||
	       notes__is_year(s->words[w].key);
}

bool
notes__held_back_for_reaction_zh(const sentence *s, size_t k, bool *doubted)
{
	static const char *const closes[] = {"\xef\xbc\x89", ")"}; /* ） */
	static const char *const doubt[] = {"？", "?"};
	size_t w = declined_word_zh(s, k), shut = w;
	bool effect = false;

	if (w == s->n || !past_told_zh(s, w))
		return false;
	while (shut + 1 < s->n && !gap_holds(s, shut, closes, 2))
		shut++;
	*doubted = false;
	for (size_t i = 0; i < 2; i++)
		*doubted = *doubted ||
			   memmem(s->text + s->words[w].start,
				  s->words[shut].end - s->words[w].start,
				  doubt[i], strlen(doubt[i])) != NULL;
	for (size_t j = k + 1; j < s->n_items && s->items[j].w0 <= shut; j++)
		if (s->items[j].w0 >= w &&
		    (s->items[j].e->type == NOTES_T_PROBLEM ||
		     s->items[j].e->type == NOTES_T_REACTION))
			effect = true;
	return effect;
}

bool
notes__kept_away_zh(const sentence *s, size_t k, notes_finding *f)
{
	bool avoided = avoided_zh(s, k) && !own_intolerance_zh(s, k);

	if (!avoided && !switched_zh(s, k))
		return false;
	f->kind = NOTES_MEDICINE;
	f->context = notes__context(s, k, false, &f->trigger);
	if (avoided && !(f->context & NOTES_NEGATED)) {
		f->context |= NOTES_NEGATED;
		f->trigger = "避免";
	}
	return true;
}

/* Relatives a Chinese note names (simplified; traditional folds to
 * them). */
static const char *const relatives_zh[] = {
	"父亲", "母亲", "弟弟", "哥哥", "姐姐", "妹妹", "儿子", "女儿",
	"丈夫", "妻子", "太太", "先生", "爸爸", "妈妈", "外婆", "外公",
	"奶奶", "爷爷", "姥姥", "兄",	"弟",	"姐",	"妹",	"父",
	"母",	"妻",	"夫",	"子",	"女"};

/* relative_at_zh: does a relative's name start at word w? */
static bool
relative_at_zh(const sentence *s, size_t w)
{
	return notes__words_in(s, w, relatives_zh,
			       sizeof(relatives_zh) / sizeof(*relatives_zh));
}

/* allergic_one_is_zh: does "过敏的是" follow Chinese drug item k, a
 * pronoun at most, and then a relative ("青霉素过敏的是她妹妹", "对头孢过敏
 * 的是我外婆", allergy75qc, zh-dev78)?  The one allergic is the relative. */
static bool
allergic_one_is_zh(const sentence *s, size_t k)
{
	static const char *const pronoun[] = {"她", "他", "我", "其"};
	size_t w = s->items[k].w1;

	if (w + 5 > s->n || !notes__words_at(s, w, "过敏的是"))
		return false;
	w += 4;
	if (notes__words_in(s, w, pronoun, N_OF(pronoun)))
		w++;
	return w < s->n && relative_at_zh(s, w);
}

/* NOT_SELF_WORDS: how far around Chinese drug item k the relative named
 * before it, and the "not me" after it, may be written. */
#define NOT_SELF_WORDS 10

/* relative_not_self_zh: is Chinese drug item k a relative's allergy, the
 * relative named shortly before it, that the patient then disowns ("病人
 * 表示「是我弟弟對盤尼西林過敏，不是我」", allergy75sa, zh-dev83)?  The
 * label on the patient is the relative's, mistaken.  The writer's own
 * "非本人" or "不是患者" beside a relative's allergy ("妹妹對 Aspirin 過敏（家
 * 族，非本人）") tells no label: the allergy is the relative's only. */
static bool
relative_not_self_zh(const sentence *s, size_t k)
{
	static const char *const not_self[] = {"不是我", "唔系我"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	size_t from = w0 > NOT_SELF_WORDS ? w0 - NOT_SELF_WORDS : 0;
	size_t to = w1 + NOT_SELF_WORDS < s->n ? w1 + NOT_SELF_WORDS : s->n;
	bool relative = false;

	for (size_t w = from; w < w0 && !relative; w++)
		relative = relative_at_zh(s, w);
	return relative && notes__any_in(s, w1, to, not_self, N_OF(not_self));
}

bool
notes__mislabelled_zh(const sentence *s, size_t k)
{
	size_t end = notes__drug_bound(s, k);

	for (size_t w = s->items[k].w1; w + 2 < end; w++)
		if ((notes__words_at(s, w, "为其") ||
		     notes__words_at(s, w, "是其")) &&
		    relative_at_zh(s, w + 2))
			return true;
	return allergic_one_is_zh(s, k) || relative_not_self_zh(s, k);
}

/* reporters_self_at_zh: does "其本人" at word w follow a relative's
 * reporting verb right before it ("患者母亲诉其本人对青霉素过敏")?  The
 * self is the one who tells, wherever the sentence opens. */
static bool
reporters_self_at_zh(const sentence *s, size_t w)
{
	static const char *const verbs[] = {"诉", "说", "称", "述"};

	return w >= 2 && notes__words_at(s, w, "其本人") &&
	       notes__words_in(s, w - 1, verbs, 4) &&
	       (relative_at_zh(s, w - 2) ||
		(w >= 3 && relative_at_zh(s, w - 3)));
}

bool
notes__relative_self_zh(const sentence *s, size_t k)
{
	static const char *const selves[] = {"其本人", "她本人", "他本人"};
	size_t from, to, first = 0;

	notes__clause_words(s, k, &from, &to);
	for (size_t w = from; w < s->items[k].w0; w++)
		if (reporters_self_at_zh(s, w))
			return true;
	while (first < s->n && !s->words[first].han)
		first++;
	if (first >= s->n || !relative_at_zh(s, first))
		return false;
	for (size_t w = from; w < s->items[k].w0; w++)
		if (notes__words_in(s, w, selves,
				    sizeof(selves) / sizeof(*selves)))
			return true;
	return false;
}

/* relatives_own_zh: is Chinese allergy item k a relative's: mislabelled
 * on the patient, told by a relative of "自己" (himself, herself)
 * earlier in its clause ("患者丈夫诉自己对阿莫西林过敏"), or of the
 * relative's self (relative_self_zh)? */
static bool
relatives_own_zh(const sentence *s, size_t k)
{
	size_t from, to;

	if (notes__mislabelled_zh(s, k) || notes__relative_self_zh(s, k))
		return true;
	notes__clause_words(s, k, &from, &to);
	for (size_t w = from; w + 2 < s->items[k].w0; w++)
		if (relative_at_zh(s, w) &&
		    (notes__words_at(s, w + 2, "诉自己") ||
		     notes__words_at(s, w + 1, "诉自己")))
			return true;
	return false;
}

/* Words of a Chinese denial within DENIAL_WORDS of what it denies
 * ("非真正过敏", "并非敏感", "非利多卡因过敏"). */
#define DENIAL_WORDS 6

/* severity_at_zh: does word w start a severity ("严重", "重度")?  A
 * denial of it ("非严重过敏", "不是重度过敏") grades the allergy and
 * leaves it standing. */
static bool
severity_at_zh(const sentence *s, size_t w)
{
	static const char *const grades[] = {"严重", "重度"};

	return notes__words_in(s, w, grades, 2);
}

/* asked_zh: does the denial at word w answer its own verb before it, a
 * question that asks whether ("不晓得是不是过敏", "係唔係敏感", "有冇过敏":
 * allergy75ty, zh-dev90)?  It doubts the allergy; it denies nothing. */
static bool
asked_zh(const sentence *s, size_t w)
{
	static const char *const verb[] = {"是", "系", "有"};
	static const char *const negated[] = {"不是", "唔系", "冇"};

	if (w == 0)
		return false;
	for (size_t k = 0; k < N_OF(verb); k++)
		if (notes__words_at(s, w - 1, verb[k]) &&
		    notes__words_in(s, w, &negated[k], 1))
			return true;
	return false;
}

/* denial_at: does a denial of an allergy start at word w ("非", "并非",
 * "不是", "不属", "没有", Hong Kong's "唔系" and "冇": "佢冇磺胺敏感"),
 * its "过敏", "敏感" or "不耐受" within DENIAL_WORDS words and before
 * end? */
static bool
denial_at(const sentence *s, size_t w, size_t end)
{
	static const char *const neg[] = {"非",	  "不是", "不属",
					  "没有", "唔系", "冇"};
	static const char *const what[] = {"过敏", "敏感", "不耐受"};

	if (!notes__words_in(s, w, neg, sizeof(neg) / sizeof(*neg)) ||
	    asked_zh(s, w))
		return false;
	for (size_t v = w + 1; v < end && v <= w + DENIAL_WORDS; v++) {
		if (severity_at_zh(s, v))
			return false; /* "非严重过敏": an allergy, not a severe
					 one */
		if (!s->words[v].han &&
		    !isalnum((unsigned char)s->words[v].key[0]))
			return false;
		if (notes__words_in(s, v, what, sizeof(what) / sizeof(*what)))
			return true;
	}
	return false;
}

/* judged_none_zh: does a verdict "无" stand right before Chinese drug
 * item k, after a word of judging ("判断无乳胶过敏", "确认无青霉素过敏"),
 * its "过敏" after the drug?  The writer concludes there is no allergy;
 * a plain "无" leaves the rest of the note's mentions as they are. */
static bool
judged_none_zh(const sentence *s, size_t k, size_t end)
{
	static const char *const judged[] = {"判断无", "确认无", "证实无",
					     "考虑无"};
	static const char *const what[] = {"过敏", "敏感"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	return w0 >= 3 && w1 < end &&
	       notes__words_in(s, w0 - 3, judged,
			       sizeof(judged) / sizeof(*judged)) &&
	       notes__words_in(s, w1, what, sizeof(what) / sizeof(*what));
}

/* denied_before_zh: does a denial written right before Chinese drug item
 * k hold it ("考虑为肾上腺素反应，非利多卡因过敏", "并非青霉素过敏")?  The
 * denial's negator is one or two characters before the drug. */
static bool
denied_before_zh(const sentence *s, size_t k, size_t end)
{
	size_t w0 = s->items[k].w0;

	return (w0 >= 1 && s->words[w0 - 1].han && denial_at(s, w0 - 1, end)) ||
	       (w0 >= 2 && s->words[w0 - 2].han && denial_at(s, w0 - 2, end)) ||
	       judged_none_zh(s, k, end);
}

/* quote_mark_zh: the length of the quotation mark at text[i] (ASCII,
 * curly or corner), 0 for none. */
static size_t
quote_mark_zh(const char *text, uint32_t i)
{
	static const char *const marks[] = {"\"", "\u201c", "\u201d", "\u300c",
					    "\u300d"};

	for (size_t m = 0; m < sizeof(marks) / sizeof(*marks); m++)
		if (strncmp(text + i, marks[m], strlen(marks[m])) == 0)
			return strlen(marks[m]);
	return 0;
}

/* corrected_label_zh: is Chinese drug item k's allergy written in quotes
 * right after it and then said to be something else ("阿莫西林\"过敏\"实为
 * 胃肠道不良反应")?  The quotes hold the label, the words after them the
 * writer's correction of it: a de-labelling. */
static bool
corrected_label_zh(const sentence *s, size_t k)
{
	static const char *const actually[] = {"实为", "实际为", "实际是",
					       "其实是", "实属"};
	const item *cue = k + 1 < s->n_items ? &s->items[k + 1] : NULL;
	size_t open = quote_mark_zh(s->text, s->items[k].end), close;

	if (cue == NULL || cue->e->type != NOTES_T_ALLERGY_CUE || open == 0 ||
	    cue->start != s->items[k].end + open)
		return false;
	close = quote_mark_zh(s->text, cue->end);
	return close > 0 && cue->w1 < s->n &&
	       s->words[cue->w1].start == cue->end + close &&
	       notes__words_in(s, cue->w1, actually,
			       sizeof(actually) / sizeof(*actually));
}

/* quoted_label_zh: is Chinese drug item k the first word of a label in
 * quotes, its reaction or cue the quote's last item, and then said to
 * be something else ("之前的“allopurinol rash”其实是皮肤真菌感染")?  As
 * corrected_label_zh: the writer's correction of the label. */
static bool
quoted_label_zh(const sentence *s, size_t k)
{
	static const char *const actually[] = {"实为", "实际为", "实际是",
					       "其实是", "实属"};
	const item *d = &s->items[k], *r = k + 1 < s->n_items ? d + 1 : NULL;
	uint32_t open = d->start >= 3 ? d->start - 3 : 0;
	size_t close;

	if (r == NULL ||
	    (r->e->type != NOTES_T_REACTION &&
	     r->e->type != NOTES_T_ALLERGY_CUE) ||
	    quote_mark_zh(s->text, open) != 3 || r->w1 >= s->n)
		return false;
	close = quote_mark_zh(s->text, r->end);
	return close > 0 && s->words[r->w1].start == r->end + close &&
	       notes__words_in(s, r->w1, actually,
			       sizeof(actually) / sizeof(*actually));
}

/* dash_between_zh: is there a dash (—, –, -) in text [from, to)? */
static bool
dash_between_zh(const char *text, uint32_t from, uint32_t to)
{
	static const char *const dashes[] = {"\xe2\x80\x94", "\xe2\x80\x93",
					     "-"};

	for (size_t i = 0; i < sizeof(dashes) / sizeof(*dashes); i++)
		if (memmem(text + from, to - from, dashes[i],
			   strlen(dashes[i])) != NULL)
			return true;
	return false;
}

/* answered_no_zh: is drug item k a field whose answer, after a colon or
 * a dash, is Hong Kong's 冇 ("none") alone, ending its sentence
 * ("Penicillin：冇。", "Penicillin — 冇。")?  As "青霉素：无", the drug's
 * allergy is denied (rules75zh18, the dash rules75zh19). */
static bool
answered_no_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;

	return w + 1 == s->n && notes__words_at(s, w, "冇") &&
	       (notes__colon_at(s->text, s->items[k].end, s->words[w].start) ||
		dash_between_zh(s->text, s->items[k].end, s->words[w].start));
}

/* phrase_end_zh: the word after the Chinese phrase that starts at word w
 * of s, or s->n + 1 where the phrase does not start there. */
static size_t
phrase_end_zh(const sentence *s, size_t w, const char *phrase)
{
	size_t len = 0, want = strlen(phrase);

	if (!notes__words_at(s, w, phrase))
		return s->n + 1;
	while (w < s->n && len < want)
		len += strlen(s->words[w++].key);
	return w;
}

/* denied_as_answer_zh: is drug item k a field whose answer, after a colon,
 * is 否认过敏 ending its clause ("可待因：否认过敏，曾用复方可待因糖浆", "盤
 * 尼西林：否認過敏（去年拔牙吃安莫西林沒事）")?  As "青霉素：无过敏", the
 * drug's allergy is denied.  Where a word goes on ("否认过敏性休克", "否认
 * 过敏反应") the denial is of that reaction, the drug's label kept
 * (allergy75al). */
static bool
denied_as_answer_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;
	size_t end = phrase_end_zh(s, w, "否认过敏");

	/* the word after must not run on from it: punctuation, a bracket
	 * or a space between parts them */
	return end <= s->n &&
	       (end == s->n || !s->words[end].han ||
		s->words[end].start > s->words[end - 1].end) &&
	       notes__colon_at(s->text, s->items[k].end, s->words[w].start);
}

/* semicolon_between_zh: does a semicolon, ASCII or full-width, stand
 * between bytes from and to of s's text?  It ends a list entry: an
 * intolerance after it is a later entry's, or the label rewritten ("病歷
 * 首頁記錄「Clarithromycin過敏」…；…改為「不耐受：口苦」，不列為過敏"). */
static bool
semicolon_between_zh(const sentence *s, uint32_t from, uint32_t to)
{
	return to > from &&
	       (memchr(s->text + from, ';', to - from) != NULL ||
		memmem(s->text + from, to - from, "\xef\xbc\x9b", 3) != NULL);
}

/* AVOID_AFTER_BUT_ZH_WORDS: how far after 但 the avoidance may be
 * written, a character a word ("但以后避免", "但是今后应避免使用"). */
#define AVOID_AFTER_BUT_ZH_WORDS 6

/* avoided_after_zh: does 但 within DENIAL_WORDS after the Chinese verdict
 * at word w say the drug is still to be avoided or not to be given again
 * ("算是肾毒性，不是过敏，但以后避免 NSAID", "不算过敏，但是禁用"), or
 * that the patient refuses it ("女兒認為是胃痛不算過敏，但病人很怕、堅持不
 * 吃", allergy75ka)?  As "but
 * please avoid" in English (verdict.c, avoided_after), a reason to avoid
 * a drug keeps its label, an intolerance (rules75zh25). */
static bool
avoided_after_zh(const sentence *s, size_t w)
{
	/* or keeps the label on record: "非过敏，但家属坚持，仍记录为青霉素过
	 * 敏" (rules75zh28) */
	static const char *const avoid[] = {
		"避免",	    "禁用",	"慎用",	   "勿用",     "不宜再用",
		"不要再用", "仍记录为", "仍记为",  "坚持不吃", "坚持不用",
		"坚持不服", "不肯再吃", "拒绝再用"};
	static const char *const permitted[] = {"仍可使用", "可继续使用"};
	size_t to;

	/* a verdict that the drug may still be given is no label kept: the
	 * avoidance after it is a caution ("Penicillin 類仍可使用，但盡量避免
	 * 廣譜": broad-spectrum ones where others do; rules75zh27) */
	if (notes__words_in(s, w, permitted,
			    sizeof(permitted) / sizeof(*permitted)))
		return false;
	for (size_t b = w + 1; b < s->n && b <= w + DENIAL_WORDS; b++) {
		if (!notes__words_at(s, b, "但"))
			continue;
		to = b + 1 + AVOID_AFTER_BUT_ZH_WORDS;
		return notes__words_any(s, b + 1, to < s->n ? to : s->n, avoid,
					sizeof(avoid) / sizeof(*avoid));
	}
	return false;
}

/* recorded_adr_zh: is cue key one that enters the drug in the adverse
 * reaction record ("记录为药物不良反应", "列入不良反应", "录入不良反应",
 * Taiwan's "註記為 ADR", allergy75tb)? */
static bool
recorded_adr_zh(const char *key)
{
	static const char *const entered[] = {"记录为", "记为",	 "记入",
					      "列为",	"列入",	 "列作",
					      "录入",	"注记为"};
	size_t n = strlen(key);

	if (strstr(key, "不良反应") == NULL &&
	    (n < 3 || strcmp(key + n - 3, "adr") != 0))
		return false;
	for (size_t i = 0; i < N_OF(entered); i++)
		if (strncmp(key, entered[i], strlen(entered[i])) == 0)
			return true;
	return false;
}

/* recorded_intolerance_after_zh: does an intolerance the writer records
 * or keeps on record follow the Chinese verdict at word w in its sentence
 * ("不是过敏…但要求记录为不耐受", "不是過敏…保留「不耐受」記錄")?  The
 * record is the writer's last word on the label (allergy75ba: zh-dev44,
 * zh-dev45), as "不算过敏——已记录为不耐受" is; so is an entry in the adverse
 * reaction record ("患者本人不认为是过敏…；记录为药物不良反应", allergy75jo).
 */
static bool
recorded_intolerance_after_zh(const sentence *s, size_t w)
{
	static const char *const kept[] = {"记录为", "记为", "保留"};
	size_t at;

	for (size_t m = 0; m < s->n_items; m++) {
		at = s->items[m].w0;
		if (at <= w || s->items[m].e->type != NOTES_T_ALLERGY_CUE)
			continue;
		/* "不列为过敏，仅记录为不良反应" keeps the denial: only a
		 * reaction, not an allergy (zh-dev5) */
		if (recorded_adr_zh(s->items[m].e->key))
			return !(at > 0 && (notes__words_at(s, at - 1, "仅") ||
					    notes__words_at(s, at - 1, "只")));
		if (strstr(s->items[m].e->key, "不耐受") == NULL)
			continue;
		if (notes__any_in(s, at >= 3 ? at - 3 : 0, at, kept,
				  sizeof(kept) / sizeof(*kept)))
			return true;
	}
	return false;
}

bool
notes__intolerance_kept_zh(const sentence *s, size_t k, size_t w)
{
	static const char *const intolerant[] = {"不耐受"};

	if (notes__any_in(s, w + 1, w + 1 + DENIAL_WORDS, intolerant, 1))
		return false; /* "非不耐受" denies the intolerance itself */
	if (avoided_after_zh(s, w) || recorded_intolerance_after_zh(s, w))
		return true;
	/* the drug named again before the verdict ("俾咗…Augmentin；食
	 * Augmentin 之後肚瀉三日，記錄為不耐受，唔係過敏"): its last mention's
	 * entry is what the verdict reads (rules75zh25) */
	for (size_t m = k + 1; m < s->n_items && s->items[m].w0 < w; m++)
		if (is_drug(&s->items[m]) && s->items[k].e->code != NULL &&
		    s->items[m].e->code != NULL &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) == 0)
			return notes__intolerance_kept_zh(s, m, w);
	for (size_t m = k + 1; m < s->n_items && s->items[m].w0 < w; m++)
		if (s->items[m].e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(s->items[m].e->key, "不耐受") != NULL)
			return !semicolon_between_zh(s, s->items[k].end,
						     s->items[m].start);
	return false;
}

/* no_reaction_zh: is Chinese drug item k, on an allergy line, written
 * after 对 with "no reaction" right after it ("过敏史：青霉素皮试阳性，对利
 * 福平无反应")?  The list says the patient did not react to the drug, as
 * "对利福平无过敏" does; elsewhere "对呋塞米无反应" is a drug that did not
 * work, and is left alone (rules75zh25). */
static bool
no_reaction_zh(const sentence *s, size_t k)
{
	static const char *const none[] = {"无反应", "没有反应", "没反应",
					   "冇反应", "无任何反应"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	return w0 > 0 && w1 < s->n && notes__words_at(s, w0 - 1, "对") &&
	       notes__words_in(s, w1, none, sizeof(none) / sizeof(*none)) &&
	       (s->allergy_line || s->allergy_line_zh || s->allergy_list);
}

/* ENTRY_LABEL_BYTES: the longest label an entry opened after a separator
 * is read with before its dash or colon (ten Chinese characters, a drug's
 * name). */
#define ENTRY_LABEL_BYTES 30

/* entry_mark_after_zh: does text[from, to) open with an entry's label, a
 * name of at most ENTRY_LABEL_BYTES bytes with no comma, quote or bracket
 * in it, and then its dash ("——") or colon ("：")?  A colon in a quote
 * ("改为「不耐受：口苦」") labels no entry. */
static bool
entry_mark_after_zh(const char *text, uint32_t from, uint32_t to)
{
	static const char *const parts[] = {"，", "、", "。", "「", "“", "（"};

	for (uint32_t i = from; i + 3 <= to && i < from + ENTRY_LABEL_BYTES;
	     i++) {
		for (size_t p = 0; p < sizeof(parts) / sizeof(*parts); p++)
			if (memcmp(text + i, parts[p], 3) == 0)
				return false;
		if (memcmp(text + i, "\xe2\x80\x94", 3) == 0 ||
		    memcmp(text + i, "\xef\xbc\x9a", 3) == 0)
			return i > from;
	}
	return false;
}

uint32_t
notes__entry_opened_zh(const char *text, uint32_t from, uint32_t to)
{
	uint32_t past = 0;

	for (uint32_t i = from; i < to && past == 0; i++)
		if (text[i] == ';')
			past = i + 1;
		else if (i + 3 <= to && memcmp(text + i, FW_SEMI, 3) == 0)
			past = i + 3;
	return past != 0 && entry_mark_after_zh(text, past, to) ? past : 0;
}

/* entry_bound_zh: the first word of another entry opened after drug
 * item k and before word end (notes__entry_opened_zh), end if none. */
static size_t
entry_bound_zh(const sentence *s, size_t k, size_t end)
{
	uint32_t to = end < s->n ? s->words[end].start : s->words[s->n - 1].end;
	uint32_t past = notes__entry_opened_zh(s->text, s->items[k].end, to);

	for (size_t w = s->items[k].w1; past != 0 && w < end; w++)
		if (s->words[w].start >= past)
			return w;
	return end;
}

bool
notes__denied_zh(const sentence *s, size_t k)
{
	size_t end = entry_bound_zh(s, k, notes__drug_bound(s, k));

	if (answered_no_zh(s, k) || denied_as_answer_zh(s, k) ||
	    no_reaction_zh(s, k))
		return true;
	if (!s->words[s->items[k].w0].han && !s->words[0].han)
		return false;
	if (denied_before_zh(s, k, end) || corrected_label_zh(s, k) ||
	    quoted_label_zh(s, k))
		return true;
	for (size_t w = s->items[k].w1; w < end; w++)
		if (denial_at(s, w, end))
			return !notes__intolerance_kept_zh(s, k, w);
	return false;
}

/* The words a Chinese note writes in a drug's clause, after it, when the
 * patient took it without harm: "no discomfort", "no reaction at all",
 * "tolerable", "nothing happened", "no problem" ("术中用头孢唑林无不适",
 * "改阿托伐他汀后可耐受", "普拿疼吃了沒事", "以前用过青霉素没问题", "之后
 * 口服布洛芬多次无问题"). */
static const char *const unharmed_zh[] = {
	"无不适",	    "无明显不适",     "无任何不适",
	"无任何反应",	    "可耐受",	      "没事",
	"可以耐受",	    "没有出现反应",   "未出现反应",
	"没有出现不良反应", "未出现不良反应", "没问题",
	"无问题",
};

/* unharmed_phrase_at: does word w open a phrase of unharmed_zh that no
 * 不 turns round ("曲马多不可耐受" is the intolerance, allergy75rf)? */
static bool
unharmed_phrase_at(const sentence *s, size_t w)
{
	return notes__words_in(s, w, unharmed_zh, N_OF(unharmed_zh)) &&
	       !(w > 0 && notes__words_at(s, w - 1, "不"));
}

/* next_clause_end: the word where the clause after drug item k's, which
 * ends at word to, ends: its terminator, another drug or the sentence's
 * end. */
static size_t
next_clause_end(const sentence *s, size_t k, size_t to)
{
	for (size_t m = k + 1; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (it->w0 > to &&
		    (it->e->type == NOTES_T_TERMINATOR || is_drug(it)))
			return it->w0;
	}
	return s->n;
}

/* The verbs that open a clause telling a drug taken since, for a span
 * ("格列本脲属磺酰脲类，已服多年无不适", "注意塞来昔布含磺胺基团，但患者服
 * 用多年无反应"), and the words that close it when nothing happened: the
 * unharmed_zh phrases and the bare "no reaction", which after a course
 * taken cannot mean a drug that did not work. */
static const char *const taken_since_zh[] = {
	"已服用", "已服", "服用", "已使用", "已用", "使用", "长期服用",
	"长期使用", "一直服用",
	/* lay verbs: "曾開 Celebrex 200mg qd，吃了兩週無不適" (allergy75nv,
	 * zh-dev74) */
	"吃了", "吃过", "服了", "用了"};
static const char *const course_unharmed_zh[] = {"无反应", "没有反应",
						 "无不良反应", "未见不良反应"};

/* taken_unharmed_zh: the first word of an unharmed phrase in the clause
 * that opens at word w with a verb of taken_since_zh, perhaps after
 * 患者 or a word of the past (既往, 以往: "呋塞米为非抗生素类磺胺，既往长期
 * 使用无不良反应", allergy75tz, zh-dev90), and ends at word end; s->n
 * when the clause is not such a story. */
static size_t
taken_unharmed_zh(const sentence *s, size_t w, size_t end)
{
	static const char *const lead[] = {"患者", "既往", "以往"};

	if (notes__words_in(s, w, lead, N_OF(lead)))
		w += 2;
	if (!notes__words_in(s, w, taken_since_zh,
			     sizeof(taken_since_zh) / sizeof(*taken_since_zh)))
		return s->n;
	for (; w < end; w++)
		if (unharmed_phrase_at(s, w) ||
		    notes__words_in(s, w, course_unharmed_zh,
				    sizeof(course_unharmed_zh) /
					    sizeof(*course_unharmed_zh)))
			return w;
	return s->n;
}

/* NONE_SUCH_WORDS: the most words 无 may deny before 等不适 in
 * none_such_zh ("无皮疹、瘙痒等不适"). */
#define NONE_SUCH_WORDS 8

/* none_such_zh: does word w open 无, then the complaints it denies and
 * 等不适 before word to ("本次头孢曲松已用4天，无皮疹等不适", allergy75ko)?
 * It says the drug did no harm, as 无不适 does.  "出现皮疹等不适" without
 * 无 tells of harm. */
static bool
none_such_zh(const sentence *s, size_t w, size_t to)
{
	if (!notes__words_at(s, w, "无"))
		return false;
	for (size_t v = w + 1; v + 3 <= to && v <= w + NONE_SUCH_WORDS; v++)
		if (notes__words_at(s, v, "等不适"))
			return true;
	return false;
}

/* unharmed_at_zh: does word w, before word to, open a phrase that says
 * the drug did no harm (unharmed_zh, none_such_zh)? */
static bool
unharmed_at_zh(const sentence *s, size_t w, size_t to)
{
	return unharmed_phrase_at(s, w) || none_such_zh(s, w, to);
}

/* unharmed_next_zh: the word that opens the clause after the one drug
 * item k's clause ends at word to, when that clause opens with a phrase
 * of unharmed_zh, perhaps after 但, 尚 or 仍 ("对阿奇霉素\"胃不舒服\"，可以
 * 耐受", "服后腹胀，但可耐受"), or tells the drug taken since without
 * harm (taken_unharmed_zh): the writer's verdict on the drug and its
 * complaint together.  s->n when it does not, or when the next item is a
 * drug: the verdict is then that drug's. */
static size_t
unharmed_next_zh(const sentence *s, size_t k, size_t to)
{
	static const char *const but[] = {"但", "尚", "仍"};
	size_t w;

	for (size_t m = k + 1; m < s->n_items; m++) {
		if (s->items[m].w0 < to)
			continue;
		if (s->items[m].w0 > to ||
		    s->items[m].e->type != NOTES_T_TERMINATOR)
			return s->n;
		w = s->items[m].w1;
		if (w < s->n &&
		    notes__words_in(s, w, but, sizeof(but) / sizeof(*but)))
			w++;
		if (w < s->n && unharmed_at_zh(s, w, next_clause_end(s, k, to)))
			return w;
		return w < s->n ? taken_unharmed_zh(s, w,
						    next_clause_end(s, k, to))
				: s->n;
	}
	return s->n;
}

/* compared_with_zh: is the item after drug item k another drug that
 * 与 joins to it, the two compared in one clause ("cefuroxime 與
 * amoxicillin 側鏈不同，已用無反應")?  The clause after the pair then
 * tells of drug k too (allergy75ml). */
static bool
compared_with_zh(const sentence *s, size_t k)
{
	static const char *const with[] = {"与", "與", "和"};
	const item *next = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	return next != NULL && is_drug(next) && next->w0 > 0 &&
	       next->w0 - 1 >= s->items[k].w1 &&
	       notes__words_in(s, next->w0 - 1, with, N_OF(with));
}

/* KIND_GAP_WORDS: the most words (a Chinese character is one) between a
 * drug and the class that says what it is ("为非抗生素类"). */
#define KIND_GAP_WORDS 8

/* kind_named_zh: the last class item of a clause that says what drug
 * item k is, right after it ("呋塞米为非抗生素类磺胺，既往长期使用无不良反应",
 * allergy75tz, zh-dev90), or k.  The classes name the drug's kind, no
 * other drug: the verdict of the clause after them is the drug's. */
static size_t
kind_named_zh(const sentence *s, size_t k)
{
	static const char *const is[] = {"为", "属", "是"};
	size_t m = k + 1, w = s->items[k].w1;

	if (m >= s->n_items || w >= s->n ||
	    !notes__words_in(s, w, is, N_OF(is)) ||
	    s->items[m].e->type != NOTES_T_CLASS ||
	    s->items[m].w0 > w + KIND_GAP_WORDS)
		return k;
	while (m + 1 < s->n_items && s->items[m + 1].e->type == NOTES_T_CLASS &&
	       s->items[m + 1].w0 <= s->items[m].w1 + 1)
		m++;
	return m;
}

/* used_then_unharmed_zh: is drug item k written right after a verb of
 * use and right before a bare "no reaction" (course_unharmed_zh: "2019
 * 年曾用 Amoxicillin 無反應", allergy75uh, zh-dev92)?  The course was taken
 * without harm; "对利福平无反应" and "判定无反应" name no course. */
static bool
used_then_unharmed_zh(const sentence *s, size_t k)
{
	static const char *const used[] = {"用", "服", "用过", "服过", "吃过"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	return w0 > 0 && w1 < s->n &&
	       notes__words_end_at(s, w0, used, N_OF(used)) &&
	       notes__words_in(s, w1, course_unharmed_zh,
			       N_OF(course_unharmed_zh));
}

/* unharmed_word_zh: the first word after drug item k, in its clause or
 * opening the next (unharmed_next_zh), that starts a phrase of
 * unharmed_zh; s->n when none does. */
static size_t
unharmed_word_zh(const sentence *s, size_t k)
{
	size_t from, to;

	/* "服安博诺（含氢氯噻嗪）多年无不适": the bracket names the product's
	 * parts, and what follows it is said of the product (allergy75jx) */
	if (k + 1 < s->n_items && notes__composition_named(s, k + 1))
		return unharmed_word_zh(s, k + 1);
	notes__clause_words(s, k, &from, &to);
	for (size_t w = s->items[k].w1; w < to; w++)
		if (unharmed_at_zh(s, w, to))
			return w;
	if (used_then_unharmed_zh(s, k))
		return s->items[k].w1;
	/* "头孢呋辛 已用无反应": the course told right after the drug, in its
	 * own clause, as a later clause may tell it (allergy75mk) */
	if (s->items[k].w1 < to) {
		size_t w = taken_unharmed_zh(s, s->items[k].w1, to);

		if (w < s->n)
			return w;
	}
	if (compared_with_zh(s, k))
		notes__clause_words(s, k + 1, &from, &to);
	else if (kind_named_zh(s, k) != k)
		notes__clause_words(s, kind_named_zh(s, k), &from, &to);
	return to < s->n ? unharmed_next_zh(s, k, to) : s->n;
}

const char *
notes__unharmed_cue_zh(const sentence *s, size_t k)
{
	size_t w = unharmed_word_zh(s, k);

	for (size_t i = 0;
	     w < s->n && i < sizeof(unharmed_zh) / sizeof(*unharmed_zh); i++)
		if (notes__words_at(s, w, unharmed_zh[i]))
			return unharmed_zh[i];
	return w < s->n && none_such_zh(s, w, s->n) ? "等不适" : NULL;
}

bool
notes__unharmed_zh(const sentence *s, size_t k, notes_finding *f)
{
	const char *trigger = "";
	unsigned context;

	if (unharmed_word_zh(s, k) == s->n)
		return false;
	context = notes__context(s, k, false, &trigger);
	if (context & NOTES_NEGATED)
		return false; /* "否认青霉素过敏（服用阿莫西林无不适）": the
				 denial speaks of the allergy */
	f->kind = NOTES_MEDICINE;
	f->context = context;
	f->trigger = trigger;
	if (s->items[k].w0 > 0 &&
	    notes__words_at(s, s->items[k].w0 - 1, "过")) {
		/* the experiential aspect of the verb before the drug: taken
		 * before, "去年牙痛吃过阿莫西林没事" */
		f->context |= NOTES_HISTORICAL;
		if (context == 0)
			f->trigger = "过";
	}
	return true;
}

/* notes__bracket_treats_zh: is Chinese drug item k written in brackets
 * right after a reaction or a condition, or after the word that says it
 * came on ("哮喘发作（平时用沙丁胺醇气雾剂）"), after a verb of use ("氣喘（偶
 * 用Ventolin）", "荨麻疹（服用氯雷他定）")?  The drug treats it: a history's
 * condition and its treatment, not a reaction and its cause. */
bool
notes__bracket_treats_zh(const sentence *s, size_t k)
{
	static const char *const use[] = {"用", "服", "吸入"};
	static const char *const onset[] = {"发作", "發作"};
	const item *d = &s->items[k], *r = k > 0 ? &s->items[k - 1] : NULL;
	size_t w;
	const char *open;

	if (r == NULL ||
	    (r->e->type != NOTES_T_REACTION && r->e->type != NOTES_T_PROBLEM))
		return false;
	w = r->w1;
	if (notes__words_in(s, w, onset, sizeof(onset) / sizeof(*onset)))
		w += 2;
	open = w < s->n ? s->text + s->words[w - 1].end : s->text + r->end;
	if (strncmp(open, "\xef\xbc\x88", 3) != 0 && *open != '(') /* （ */
		return false;
	return d->w0 > w && d->w0 - w <= 3 &&
	       notes__words_any(s, w, d->w0, use, sizeof(use) / sizeof(*use));
}

/* INTERACTION_ZH_WORDS: how far after the drug its word of use together
 * may come ("与利伐沙班的相互作用": 的 between them). */
#define INTERACTION_ZH_WORDS 2

bool
notes__interaction_partner_zh(const sentence *s, size_t k)
{
	static const char *const with[] = {"与", "與", "和", "跟"};
	static const char *const together[] = {
		"同用", "合用", "联用",	    "聯用",
		"并用", "併用", "相互作用", "交互作用",
	};
	const item *d = &s->items[k];

	if (!is_drug(d) || d->w0 == 0 ||
	    !notes__words_in(s, d->w0 - 1, with, sizeof(with) / sizeof(*with)))
		return false;
	for (size_t w = d->w1; w < s->n && w <= d->w1 + INTERACTION_ZH_WORDS;
	     w++)
		if (notes__words_in(s, w, together,
				    sizeof(together) / sizeof(*together)))
			return true;
	return false;
}

/* word_past_aside_zh: the word after drug item d, past a bracket opened
 * right after it ("复方新诺明（SMZco）后": the word 后), or d's next word
 * when no bracket opens there. */
static size_t
word_past_aside_zh(const sentence *s, const item *d)
{
	const char *p = s->text + d->end, *close;
	size_t w = d->w1, left = s->text_len - d->end;

	if (left >= 3 && memcmp(p, FW_OPEN, 3) == 0)
		close = memmem(p, left, FW_CLOSE, 3);
	else if (left >= 1 && *p == '(')
		close = memchr(p, ')', left);
	else
		return w;
	if (close == NULL)
		return w;
	while (w < s->n && s->text + s->words[w].start < close)
		w++;
	return w;
}

/* notes__felt_then_used_zh: an effect or condition right before the drug,
 * 时 or 只 between them or not ("胃不舒服吃奥美拉唑", "头痛时吃索米痛"), is
 * what it treats, as had_then_used_zh reads across a comma; a reaction the
 * drug caused is told after the drug ("吃布洛芬后胃不舒服"). */
bool
notes__felt_then_used_zh(const sentence *s, size_t k)
{
	static const char *const use[] = {"用", "服", "吃"};
	const item *d = &s->items[k], *r = k > 0 ? &s->items[k - 1] : NULL;
	size_t after;

	if (r == NULL ||
	    (r->e->type != NOTES_T_REACTION && r->e->type != NOTES_T_PROBLEM) ||
	    d->w0 <= r->w1 || d->w0 - r->w1 > 3 ||
	    notes__comma_in(s, r->end, d->start))
		return false;
	/* "因\"尿路感染\"服复方新诺明（SMZco）后全身起红色皮疹": the bracket
	 * names the drug, the reaction still follows it (allergy75nx) */
	after = word_past_aside_zh(s, d);
	if (after < s->n && notes__words_at(s, after, "后"))
		return false;
	return notes__words_any(s, r->w1, d->w0, use,
				sizeof(use) / sizeof(*use));
}

/* CROSS_LOW_WORDS: how far after 交叉 the verdict that its risk is low
 * is written ("交叉过敏风险低": 过, 敏, 风, 险, 低). */
#define CROSS_LOW_WORDS 6

/* WEIGHED_GAP_WORDS: the most words between a drug and the 与 that
 * weighs it against another ("头孢曲松侧链与青霉素": 侧, 链). */
#define WEIGHED_GAP_WORDS 3

/* cross_low_after_zh: does s say, from word w on, that a cross-reactivity
 * is low ("交叉过敏风险低", "交叉反应少", "交叉反應極低")? */
static bool
cross_low_after_zh(const sentence *s, size_t w)
{
	static const char *const low[] = {"低", "少", "小"};

	for (; w < s->n; w++) {
		if (!notes__words_at(s, w, "交叉"))
			continue;
		for (size_t v = w + 1; v < s->n && v <= w + CROSS_LOW_WORDS;
		     v++)
			if (notes__words_in(s, v, low, N_OF(low)))
				return true;
	}
	return false;
}

bool
notes__weighed_cross_zh(const sentence *s, size_t k)
{
	static const char *const with[] = {"与", "和", "跟"};
	const item *d = &s->items[k];

	if (k + 1 >= s->n_items || !is_drug(&s->items[k + 1]))
		return false;
	for (size_t w = d->w1; w < s->n && w <= d->w1 + WEIGHED_GAP_WORDS; w++)
		if (notes__words_in(s, w, with, N_OF(with)))
			return s->items[k + 1].w0 == w + 1 &&
			       cross_low_after_zh(s, s->items[k + 1].w1);
	return false;
}

bool
notes__only_taken_zh(const sentence *s, size_t k)
{
	static const char *const use[] = {"吃", "用", "服"};
	const item *d = &s->items[k];

	return d->w0 >= 2 && notes__words_at(s, d->w0 - 2, "只") &&
	       notes__words_in(s, d->w0 - 1, use, N_OF(use)) &&
	       !(d->w1 < s->n && notes__words_at(s, d->w1, "后"));
}

/* had_then_used_zh: is Chinese drug item k used in the clause after one
 * that says the patient had a condition or a reaction ("小時候有氣喘，用過
 * Ventolin", "有荨麻疹，服氯雷他定")?  The drug treats it, as in brackets
 * (bracket_treats_zh); a reaction the drug caused is told after the drug
 * ("用阿莫西林后出皮疹") (rules75zh24). */
static bool
had_then_used_zh(const sentence *s, size_t k)
{
	static const char *const use[] = {"用", "服", "吸入", "吃"};
	const item *d = &s->items[k], *r = NULL;

	for (size_t m = k; m-- > 0 && r == NULL;) /* past the clause's "，" */
		if (s->items[m].e->type != NOTES_T_TERMINATOR)
			r = &s->items[m];
	if (r == NULL || r->w0 == 0 ||
	    (r->e->type != NOTES_T_REACTION && r->e->type != NOTES_T_PROBLEM) ||
	    !notes__words_at(s, r->w0 - 1, "有") || d->w0 <= r->w1 ||
	    d->w0 - r->w1 > 3 ||
	    memmem(s->text + r->end, d->start - r->end, "\xef\xbc\x8c", 3) ==
		    NULL) /* ， */
		return false;
	/* "有皮疹，用阿莫西林后加重": what followed the drug is its own */
	if (d->w1 < s->n && notes__words_at(s, d->w1, "后"))
		return false;
	return notes__words_any(s, r->w1, d->w0, use,
				sizeof(use) / sizeof(*use));
}

/* dosed_reason_zh: is drug item k written with its dose and then, in
 * brackets holding nothing else, a Chinese reaction ("Furosemide 20mg
 * daily (腳腫)", "呋塞米 20mg qd（腿肿）")?  A medicine list gives the
 * reason a drug is taken so; an allergy line's "阿莫西林 500mg（皮疹）" is
 * read as the allergy before this is asked (rules75zh25). */
static bool
dosed_reason_zh(const sentence *s, size_t k)
{
	const item *d = &s->items[k], *r = k + 1 < s->n_items ? d + 1 : NULL;
	const char *open, *close;

	if (r == NULL || r->e->type != NOTES_T_REACTION ||
	    !s->words[r->w0].han || d->w1 >= s->n || !notes__dose_at(s, d->w1))
		return false;
	open = notes__paren_open(s, k + 1, &close);
	return open != NULL && open > s->text + d->end &&
	       notes__only_marks(s->text,
				 (uint32_t)(open - s->text) +
					 (*open == '(' ? 1 : 3),
				 r->start, "") &&
	       notes__only_marks(s->text, r->end, (uint32_t)(close - s->text),
				 "");
}

/* dose_heals_zh: is Chinese drug item k (or its bracketed other name) a
 * dose that ends its clause, what it was given for healing in the next
 * clause with no stop or "by itself" there ("口服氯苯那敏（扑尔敏）2mg，30
 * 分钟后风团基本消退")?  The drug worked: a treatment, not a reaction's
 * cause, which heals after a stop ("停药后消退", rules75zh28). */
static bool
dose_heals_zh(const sentence *s, size_t k, size_t to)
{
	static const char *const heals[] = {"消退", "好转", "缓解", "消失",
					    "减轻", "好轉", "緩解"};
	static const char *const stop[] = {"停", "自行", "自己"};
	size_t w = s->items[k].w1, end, next;

	while (w < s->n && notes__only_marks(s->text, s->words[w].start,
					     s->words[w].end, ")）"))
		w++;
	end = notes__past_dose(s, w);
	if (end == w || end != to || to >= s->n)
		return false;
	next = next_clause_end(s, k, to);
	return notes__words_any(s, to, next, heals,
				sizeof(heals) / sizeof(*heals)) &&
	       !notes__words_any(s, to, next, stop,
				 sizeof(stop) / sizeof(*stop));
}

/* notes__taken_when_zh: is Chinese drug item k followed by a bracket that
 * holds only a symptom and 时 ("偶尔服用奥美拉唑（胃不舒服时）")?  The
 * bracket says when the drug is taken: for the symptom, not after it. */
bool
notes__taken_when_zh(const sentence *s, size_t k)
{
	const item *d = &s->items[k], *r = k + 1 < s->n_items ? d + 1 : NULL;
	const char *open, *close;

	if (r == NULL ||
	    (r->e->type != NOTES_T_REACTION && r->e->type != NOTES_T_PROBLEM) ||
	    !s->words[r->w0].han || !notes__words_at(s, r->w1, "时"))
		return false;
	open = notes__paren_open(s, k + 1, &close);
	return open != NULL && open >= s->text + d->end &&
	       notes__only_marks(s->text, d->end, (uint32_t)(open - s->text),
				 "") &&
	       notes__only_marks(s->text, s->words[r->w1].end,
				 (uint32_t)(close - s->text), "");
}

/* WHEN_TAKEN_GAP_WORDS: how many Chinese characters (a form such as 缓释胶
 * 囊) or dose words may stand between a drug and the symptom it is taken
 * for. */
#define WHEN_TAKEN_GAP_WORDS 6

/* notes__taken_for_when_zh: is Chinese drug item k followed, past its form
 * or dose, by a symptom, 时 and a verb of taking ("布洛芬缓释胶囊 头痛时
 * 服", "对乙酰氨基酚 发热时用")?  The symptom is when the drug is taken,
 * not what it did (allergy75bw). */
bool
notes__taken_for_when_zh(const sentence *s, size_t k)
{
	static const char *const take[] = {"服", "用", "吃"};
	const item *d = &s->items[k], *r = k + 1 < s->n_items ? d + 1 : NULL;
	size_t from;

	if (r == NULL ||
	    (r->e->type != NOTES_T_REACTION && r->e->type != NOTES_T_PROBLEM) ||
	    !s->words[r->w0].han || r->w1 + 1 >= s->n ||
	    !notes__words_at(s, r->w1, "时") ||
	    !notes__words_in(s, r->w1 + 1, take, sizeof(take) / sizeof(*take)))
		return false;
	from = notes__past_dose(s, d->w1);
	if (r->w0 < from || r->w0 - from > WHEN_TAKEN_GAP_WORDS)
		return false;
	for (size_t w = from; w < r->w0; w++)
		if (!s->words[w].han)
			return false;
	/* the drug's own words end where the next begins, spaces only */
	return notes__only_marks(s->text, d->end, s->words[d->w1].start, " ");
}

/* given_verb_len: the length in bytes of the verb of giving that ends
 * at byte at of text ("予", "用", "给予", "加用"), 0 if none. */
static size_t
given_verb_len(const char *text, size_t at)
{
	static const char *const verb[] = {"给予", "給予", "予以", "加用",
					   "予",   "用",   "给",   "給"};

	for (size_t i = 0; i < sizeof(verb) / sizeof(*verb); i++) {
		size_t n = strlen(verb[i]);

		if (at >= n && memcmp(text + at - n, verb[i], n) == 0)
			return n;
	}
	return 0;
}

/* threshold_at: does a comparison sign followed by a number ("> 12",
 * "＞13.9", "≥10") start at byte i of text, before byte end? */
static bool
threshold_at(const char *text, size_t i, size_t end)
{
	static const char *const sign[] = {">", "＞", "≥"};

	for (size_t m = 0; m < sizeof(sign) / sizeof(*sign); m++) {
		size_t n = strlen(sign[m]), j = i + n;

		if (i + n > end || memcmp(text + i, sign[m], n) != 0)
			continue;
		while (j < end && text[j] == ' ')
			j++;
		return j < end && isdigit((unsigned char)text[j]);
	}
	return false;
}

/* clause_start: where the clause that holds byte at of text opens: after
 * the last comma, semicolon, full stop or line break before it. */
static size_t
clause_start(const char *text, size_t at)
{
	static const char *const mark[] = {"，", "；", "。", ",", ";", "\n"};

	while (at > 0 &&
	       !notes__ends_in(text, 0, at, mark, sizeof(mark) / sizeof(*mark)))
		at--;
	return at;
}

bool
notes__threshold_given_zh(const sentence *s, size_t k)
{
	size_t at = s->items[k].start, verb, from;

	while (at > 0 && s->text[at - 1] == ' ')
		at--;
	verb = given_verb_len(s->text, at);
	if (verb == 0)
		return false;
	at -= verb;
	from = clause_start(s->text, at);
	for (size_t i = from; i < at; i++)
		if (threshold_at(s->text, i, at))
			return true;
	return false;
}

/* phrase_len: the length in bytes of the phrase of list that starts at
 * byte at of text, before byte end; 0 if none. */
static size_t
phrase_len(const char *text, size_t at, size_t end, const char *const *list,
	   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);

		if (at + len <= end && memcmp(text + at, list[i], len) == 0)
			return len;
	}
	return 0;
}

/* discharge_switch_end: where the first drug taken up at discharge may
 * start ("出院恢复", "出院时已改回", "出院轉返") between bytes from and to
 * of text; 0 if no such words. */
static size_t
discharge_switch_end(const char *text, size_t from, size_t to)
{
	static const char *const when[] = {"后", "後", "时", "時", "前"};
	static const char *const done[] = {"已"};
	static const char *const take[] = {"改为", "改為", "改回", "转回",
					   "轉回", "转返", "轉返", "恢复",
					   "恢復", "改"};
	static const char discharge[] = "出院";

	for (size_t at = from; at + strlen(discharge) <= to; at++) {
		size_t q = at + strlen(discharge), n;

		if (memcmp(text + at, discharge, strlen(discharge)) != 0)
			continue;
		q += phrase_len(text, q, to, when,
				sizeof(when) / sizeof(*when));
		q += phrase_len(text, q, to, done, 1);
		n = phrase_len(text, q, to, take, sizeof(take) / sizeof(*take));
		if (n > 0)
			return q + n;
	}
	return 0;
}

bool
notes__inpatient_only_zh(const sentence *s, size_t k)
{
	static const char *const stay[] = {"住院期间", "住院期間", "ICU期间",
					   "ICU期間"};
	const item *d = &s->items[k];
	size_t from = s->n > 0 ? s->words[0].start : d->start, end, at;
	bool during = false;

	if (d->e->type != NOTES_T_SUBSTANCE || s->n == 0)
		return false;
	end = s->words[s->n - 1].end;
	for (size_t i = from; i < d->start && !during; i++)
		during = phrase_len(s->text, i, d->start, stay,
				    sizeof(stay) / sizeof(*stay)) > 0;
	at = during ? discharge_switch_end(s->text, d->end, end) : 0;
	if (at == 0)
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].start >= at && is_drug(&s->items[j]) &&
		    strcmp(s->items[j].e->code, d->e->code) == 0)
			return false; /* the drug itself taken up again */
	return true;
}

/* clause_mark: does word w end a clause (a comma or a semicolon)? */
static bool
clause_mark(const sentence *s, size_t w)
{
	const char *key = s->words[w].key;

	return strcmp(key, "\xef\xbc\x8c") == 0 || strcmp(key, ",") == 0 ||
	       strcmp(key, ";") == 0 || strcmp(key, "\xef\xbc\x9b") == 0;
}

/* given_in_clause: is a verb of giving (予, 用, 给, 服, 注射, the routes
 * 肌注, 静注 and 静推) written before word w0 in its clause, with no stop
 * there ("停用", "撤")?  A drug stopped before a reaction healed ("停用阿
 * 莫西林后好转") is the reaction's cause; "肌注苯海拉明后缓解" gave the
 * remedy (allergy75jz). */
static bool
given_in_clause(const sentence *s, size_t w0)
{
	static const char *const give[] = {"予",   "用",   "给",   "服",
					   "注射", "肌注", "静注", "静推"};
	static const char *const stop[] = {"停", "撤"};
	bool given = false;

	for (size_t w = w0; w-- > 0 && !clause_mark(s, w);) {
		if (notes__words_in(s, w, stop, sizeof(stop) / sizeof(*stop)))
			return false;
		given = given || notes__words_in(s, w, give,
						 sizeof(give) / sizeof(*give));
	}
	return given;
}

/* HEALED_AFTER_WORDS: how far after the drug its clause may name the
 * other drugs, doses, routes and days given with it before "后" and the
 * easing ("予扑尔敏10 mg肌注、地塞米松5 mg静注后缓解"). */
#define HEALED_AFTER_WORDS 16

/* notes__healed_after_zh: is Chinese drug item k given, alone or with
 * others, in a clause that ends "后" and an easing ("予苯海拉明肌注后缓
 * 解", "当时用地塞米松和扑尔敏后好转", "予肾上腺素、地塞米松抢救后好转", "予
 * 纳洛酮后恢复", allergy75lt)?  A
 * reaction that eases after a drug is given is treated by it; its cause
 * is told with a reaction after "后" ("用阿莫西林后出现皮疹") or eases
 * after it is stopped (rules75zh38). */
bool
notes__healed_after_zh(const sentence *s, size_t k)
{
	static const char *const heals[] = {"好转", "缓解", "消退",
					    "消失", "减轻", "好轉",
					    "緩解", "恢复", "恢復"};
	static const char *const stop[] = {"停", "撤"};
	const item *d = &s->items[k];
	size_t w = d->w1, last = d->w1 + HEALED_AFTER_WORDS;
	bool eased;

	if (!s->words[d->w0].han && !(d->w0 > 0 && s->words[d->w0 - 1].han))
		return false; /* Chinese only */
	while (w < s->n && w < last && !clause_mark(s, w) &&
	       !notes__words_at(s, w, "后") &&
	       !notes__words_in(s, w, heals, N_OF(heals)) &&
	       !notes__words_in(s, w, stop, sizeof(stop) / sizeof(*stop)))
		w++;
	/* "用沙丁胺醇缓解": the easing right after the drug given, no 后
	 * between (allergy75ek) */
	eased = w < s->n && w < last &&
		notes__words_in(s, w, heals, N_OF(heals));
	if (!eased &&
	    (w + 1 >= s->n || !notes__words_at(s, w, "后") ||
	     !notes__words_any(s, w + 1, w + 4 < s->n ? w + 4 : s->n, heals,
			       sizeof(heals) / sizeof(*heals))))
		return false;
	for (size_t j = k + 1; j < s->n_items && s->items[j].w0 <= w + 3; j++)
		if (s->items[j].e->type == NOTES_T_REACTION ||
		    s->items[j].e->type == NOTES_T_PROBLEM)
			return false; /* "用阿莫西林后皮疹，…" */
	/* the verb may give a list the drug ends ("予肾上腺素、地塞米松") */
	return given_in_clause(s, d->w0);
}

/* RESCUE_WORDS: how far before a given drug's clause "抢救" may be
 * written, the clause before ("当地卫生院抢救，用过肾上腺素、地塞米松"). */
#define RESCUE_WORDS 4

/* notes__rescued_with_zh: is Chinese drug item k given (用过, 予) in its
 * clause, with "抢救" there or ending the clause before it ("过敏性休克
 * （2012年，当地卫生院抢救，用过肾上腺素、地塞米松）")?  A drug a reaction
 * was rescued with is its treatment, not its cause (rules75zh38). */
bool
notes__rescued_with_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0, mark;

	if (!s->words[w].han && !(w > 0 && s->words[w - 1].han))
		return false; /* Chinese only */
	if (!given_in_clause(s, w))
		return false;
	while (w > 0 && !clause_mark(s, w - 1))
		w--;
	mark = w; /* the clause's first word; the mark before it */
	w = mark > RESCUE_WORDS + 1 ? mark - RESCUE_WORDS - 1 : 0;
	return notes__any_in(s, w, s->items[k].w0,
			     (const char *const[]){"抢救"}, 1);
}

bool
notes__remedy_zh(const sentence *s, size_t k)
{
	static const char *const as_needed[] = {"prn", "必要时"};
	static const char *const given[] = {"予", "给予", "予以"};
	static const char *const resolves[] = {"消退", "好转", "缓解",
					       "消失", "减轻", "结痂"};
	size_t from, to, w0 = s->items[k].w0;

	if (notes__bracket_treats_zh(s, k) || had_then_used_zh(s, k) ||
	    notes__felt_then_used_zh(s, k) || dosed_reason_zh(s, k))
		return true;
	notes__clause_words(s, k, &from, &to);
	/* the drug switched to, the reaction healing in the next clause: "改
	 * 用 IV ceftriaxone，紅疹兩日內消退" (the rash was the first drug's) */
	if (switched_zh(s, k) &&
	    notes__words_any(s, s->items[k].w1, next_clause_end(s, k, to),
			     resolves, sizeof(resolves) / sizeof(*resolves)))
		return true;
	if (!s->words[w0].han && !(w0 > 0 && s->words[w0 - 1].han))
		return false; /* Chinese only */
	if (notes__words_any(s, s->items[k].w1, to, as_needed, 2) ||
	    dose_heals_zh(s, k, to))
		return true;
	/* what the drug was given for may heal in the next clause: "予伐昔
	 * 洛韦7天，皮疹已结痂脱落" */
	return (notes__words_in(s, w0 - (w0 > 0), given, 3) ||
		(w0 > 1 && notes__words_at(s, w0 - 2, "给予"))) &&
	       notes__words_any(s, s->items[k].w1, next_clause_end(s, k, to),
				resolves, sizeof(resolves) / sizeof(*resolves));
}

/* kept_as_allergy_zh: does sentence s say that an allergy in doubt is to
 * be handled or kept on record as one ("本人记不清，按过敏处理", "可能係
 * vasovagal？未證實，繼續當過敏記錄", "已照登錄")?  The writer settles the
 * doubt: the allergy holds, and blocks the drug as a sure one does
 * (rules75zh23).
 * Not when a negation is written right before it ("不按过敏处理"). */
static bool
kept_as_allergy_zh(const sentence *s)
{
	static const char *const kept[] = {
		"按过敏处理",
		"按过敏对待",
		"当过敏处理",
		"当作过敏处理",
		"作过敏处理",
		"当过敏记录",
		"按过敏记录",
		"当作过敏记录",
		/* recorded as told (allergy75iu: "病人本人記不清楚，已照登錄")
		 */
		"照登录",
		"照登记",
	};

	static const char *const not [] = {"不", "未", "无需", "不必"};

	for (size_t w = 0; w < s->n; w++)
		if (notes__words_in(s, w, kept, sizeof(kept) / sizeof(*kept)))
			return !notes__any_in(s, w > 2 ? w - 2 : 0, w, not,
					      sizeof(not ) / sizeof(*not ));
	return false;
}

/* allergy_reason_zh: is Chinese drug item k's allergy given as a reason,
 * 因, 因为 or 由于 (and 对) right before the drug and 过敏 or 敏感 right
 * after it ("如伤寒血培养阳性：因对头孢曲松过敏，选阿奇霉素")?  The plan's
 * condition reaches the drug it chooses, not the allergy it rests on, a
 * fact of the patient's (rules75zh25). */
static bool
allergy_reason_zh(const sentence *s, size_t k)
{
	static const char *const because[] = {"因为", "因", "由于"};
	static const char *const cue[] = {"过敏", "敏感"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	if (w1 >= s->n || !notes__words_in(s, w1, cue, 2))
		return false;
	if (w0 > 0 && notes__words_at(s, w0 - 1, "对"))
		w0--;
	return notes__words_end_at(s, w0, because,
				   sizeof(because) / sizeof(*because));
}

/* notes__doubted_after_zh: is a Chinese word of doubt written after item c of
 * s, before the next drug ("非真正过敏，记录存疑")?  A denial it follows is
 * the writer's doubt, not a de-labelling (allergy75i). */
bool
notes__doubted_after_zh(const sentence *s, const item *c)
{
	static const char *const doubt[] = {"存疑", "不确定", "不肯定",
					    "未确定"};
	size_t end = s->n;

	for (size_t m = 0; m < s->n_items && end == s->n; m++)
		if (is_drug(&s->items[m]) && s->items[m].w0 >= c->w1)
			end = s->items[m].w0;
	return notes__any_in(s, c->w1, end, doubt,
			     sizeof(doubt) / sizeof(*doubt));
}

/* TEST_RESULT_ZH_BYTES: how far after a skin test its result may be
 * written, about a dozen characters ("皮试今晚已做，阴性"). */
#define TEST_RESULT_ZH_BYTES 40

/* negative_later_zh: is skin test item t of s reported negative a few
 * words on, in its sentence and before any other drug or a positive
 * result ("青霉素皮试今晚已做，阴性")?  Issue 75, allergy75fb. */
static bool
negative_later_zh(const sentence *s, size_t t)
{
	static const char *const negative[] = {"阴性", "陰性"};
	static const char *const positive[] = {"阳性", "陽性"};
	uint32_t from = s->items[t].end, to = s->words[s->n - 1].end;

	if (to > from + TEST_RESULT_ZH_BYTES)
		to = from + TEST_RESULT_ZH_BYTES;
	for (size_t m = t + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) && s->items[m].start < to)
			to = s->items[m].start;
	for (size_t i = 0; i < N_OF(positive); i++)
		if (memmem(s->text + from, to - from, positive[i],
			   strlen(positive[i])) != NULL)
			return false;
	for (size_t i = 0; i < N_OF(negative); i++)
		if (memmem(s->text + from, to - from, negative[i],
			   strlen(negative[i])) != NULL)
			return true;
	return false;
}

/* minus_at: does a minus sign in brackets stand at byte at of s's text,
 * spaces before it skipped ("（-）", "(-)")? */
static bool
minus_at(const sentence *s, uint32_t at)
{
	static const char *const minus[] = {"(-)", "\xef\xbc\x88-\xef\xbc\x89",
					    "(-\xef\xbc\x89", "\xef\xbc\x88-)"};

	while (at < s->text_len && s->text[at] == ' ')
		at++;
	for (size_t i = 0; i < N_OF(minus); i++)
		if (s->text_len - at >= strlen(minus[i]) &&
		    memcmp(s->text + at, minus[i], strlen(minus[i])) == 0)
			return true;
	return false;
}

/* bare_minus_at: does a lone minus stand at byte at of s's text, spaces
 * before it skipped, a mark or the line's end right after it ("甲醛 -；乳胶
 * -。")? */
static bool
bare_minus_at(const sentence *s, uint32_t at)
{
	static const char *const after[] = {"\xef\xbc\x9b",
					    "\xe3\x80\x82",
					    "\xe3\x80\x81",
					    "\xef\xbc\x8c",
					    ";",
					    ",",
					    ".",
					    "\n"};

	while (at < s->text_len && s->text[at] == ' ')
		at++;
	if (at >= s->text_len || s->text[at] != '-')
		return false;
	if (++at == s->text_len)
		return true;
	for (size_t i = 0; i < N_OF(after); i++)
		if (s->text_len - at >= strlen(after[i]) &&
		    memcmp(s->text + at, after[i], strlen(after[i])) == 0)
			return true;
	return false;
}

/* The tests whose results a list gives drug by drug ("斑贴试验（48h/72h）：
 * 阿莫西林（++）、头孢曲松（+）、乳胶（-）"). */
static const char *const result_tests_zh[] = {"斑贴试验", "点刺试验",
					      "皮肤试验", "皮内试验", "皮试"};

/* test_list_minus_zh: is drug item k given a minus in a list of test
 * results, the test named before it in its sentence ("皮肤点刺试验：阿莫西
 * 林（+++）…；斑贴试验：…乳胶（-）", "甲醛 -；乳胶 -", allergy75ri,
 * zh-dev82)?  The test found no allergy to it. */
static bool
test_list_minus_zh(const sentence *s, size_t k)
{
	const item *d = &s->items[k];

	return notes__any_in(s, 0, d->w0, result_tests_zh,
			     N_OF(result_tests_zh)) &&
	       (minus_at(s, d->end) || bare_minus_at(s, d->end));
}

/* skin_test: is item t the skin test cue 皮试? */
static bool
skin_test(const item *t)
{
	return t->e->type == NOTES_T_ALLERGY_CUE &&
	       strcmp(t->e->key, "皮试") == 0;
}

/* test_minus_zh: is drug item k followed at once by a skin test (皮试)
 * that a minus sign in brackets reports negative
 * ("青霉素皮试（-），2024年曾用阿莫西林无不适"), or 阴性 a few words on
 * (negative_later_zh)?  The minus says what 阴性 says: no allergy.
 * Issue 75, allergy75l.  The test may be written before the drug, its
 * result right after it ("入院时皮试头孢呋辛（-）", allergy75re,
 * zh-dev82). */
static bool
test_minus_zh(const sentence *s, size_t k)
{
	const item *t = k + 1 < s->n_items ? &s->items[k + 1] : NULL;
	const item *before = k > 0 ? &s->items[k - 1] : NULL;

	if (t != NULL && skin_test(t) &&
	    notes__only_marks(s->text, s->items[k].end, t->start, " "))
		return minus_at(s, t->end) || negative_later_zh(s, k + 1);
	if (before != NULL && skin_test(before) &&
	    notes__only_marks(s->text, before->end, s->items[k].start, " "))
		return minus_at(s, s->items[k].end) || negative_later_zh(s, k);
	return test_list_minus_zh(s, k);
}

void
notes__allergy_context_zh(const sentence *s, size_t k, notes_finding *f)
{
	if ((f->context & NOTES_HYPOTHETICAL) && allergy_reason_zh(s, k)) {
		f->context &= ~NOTES_HYPOTHETICAL;
		if (f->context == 0)
			f->trigger = "";
	}
	if ((f->context & NOTES_UNCERTAIN) && kept_as_allergy_zh(s)) {
		f->context &= ~NOTES_UNCERTAIN;
		if (f->context == 0)
			f->trigger = "";
	}
	/* a relative's allergy stays the relative's: the denial after it is
	 * of the label moved onto the patient ("但女儿称是患者的哥哥对磺胺过
	 * 敏 …… 非患者过敏，已更正"), which keep_disowned negates (allergy75x)
	 */
	if (!(f->context & NOTES_FAMILY) && notes__denied_zh(s, k)) {
		f->context = notes__doubted_after_zh(s, &s->items[k])
				     ? NOTES_UNCERTAIN
				     : NOTES_NEGATED;
		f->trigger = "非过敏";
	}
	if (f->context == 0 && test_minus_zh(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "阴性";
	}
	if (relatives_own_zh(s, k)) {
		/* keep_relatives adds a mislabel's denial */
		f->context = NOTES_FAMILY;
		f->trigger = notes__mislabelled_zh(s, k)     ? "为其"
			     : notes__relative_self_zh(s, k) ? "其本人"
							     : "诉自己";
	}
}

/* DOSED_ROW_WORDS: how many words a dose and its form, route and times
 * may take between a drug and the parenthesis after them ("二甲双胍缓释
 * 片1g qd（…）"). */
#define DOSED_ROW_WORDS 8

/* dose_word: does word w start with a digit (a dose, "1g", "0.5")? */
static bool
dose_word(const sentence *s, size_t w)
{
	return isdigit((unsigned char)s->words[w].key[0]);
}

bool
notes__dosed_despite_zh(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1, last = w + DOSED_ROW_WORDS;
	bool dose = false;

	if (!s->words[s->items[k].w0].han)
		return false;
	for (; w < s->n && w < last && !gap_has(s, w, FW_OPEN); w++)
		dose = dose || dose_word(s, w);
	if (!dose || w >= s->n || w >= last)
		return false;
	for (size_t v = w; v < s->n && (v == w || !gap_has(s, v, FW_CLOSE));
	     v++)
		if (notes__words_at(s, v, "不耐受"))
			return true;
	return false;
}

bool
notes__test_planned_zh(const sentence *s, size_t k)
{
	static const char *const plan[] = {"拟行", "拟做", "计划行", "准备行",
					   "安排行"};
	const item *d = &s->items[k];
	size_t w0 = d->w0, len;

	if (!s->words[w0].han || d->w1 >= s->n ||
	    !notes__words_at(s, d->w1, "皮试"))
		return false;
	for (size_t i = 0; i < sizeof(plan) / sizeof(*plan); i++) {
		len = strlen(plan[i]) / 3;
		if (w0 >= len && notes__words_at(s, w0 - len, plan[i]))
			return true;
	}
	return false;
}
