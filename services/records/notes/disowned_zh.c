/*
 * disowned_zh.c - a relative's own allergy the writer says is not the
 * patient's (issue 75, allergy75cy).  A Chinese note tells whose an
 * allergy is by a disclaimer after it: "其爱人（陪同）对\"阿司匹林\"过敏，
 * 与患者无关", "先生有盤尼西林過敏（非病人本人）", "为患者丈夫本人阿莫西林
 * 过敏，不是患者", "病人說是她媽媽過敏，不是她本人".  The spouse words are
 * read as the experiencer of a problem only (context.csv), since a spouse
 * who tells the history reports the patient's; the disclaimer settles
 * it: the allergy is the relative's (family), never the patient's.
 * So is an allergy once suspected that the writer has since excluded
 * (notes__suspicion_excluded_zh): it is not the patient's either.
 */
#include "reader_int.h"

#include <string.h>

/* The writer's words that an allergy told is not the patient's. */
static const char *const disclaimers[] = {
	"与患者无关", "與患者無關", "与病人无关", "與病人無關", "非病人本人",
	"非患者本人", "不是患者", "不是病人", "并非患者", "並非患者",
	"并非病人", "並非病人", "不是她本人", "不是他本人", "唔係病人",
	"唔係佢本人",
	/* "磺胺过敏的是她本人，患者没有" (allergy75hf) */
	"患者没有", "患者沒有", "病人没有", "病人沒有"};

/* Who the allergy may be: the relatives a Chinese note names. */
static const char *const relatives[] = {
	"丈夫", "妻子", "爱人", "愛人", "先生", "太太", "老公", "老婆",
	"母亲", "母親", "妈妈", "媽媽", "父亲", "父親", "爸爸", "女儿",
	"女兒", "儿子", "兒子", "哥哥", "姐姐", "弟弟", "妹妹", "细佬",
	"細佬", "家属", "家屬", "配偶", "男方", "女方", "其妻", "其夫"};

/* The marks that part one entry of a sentence from the next: a
 * semicolon, an enumerator (①-⑩), a full stop. */
static const char *const parts[] = {"；", ";", "。", "①", "②", "③", "④",
				    "⑤",  "⑥", "⑦",  "⑧", "⑨", "⑩"};

/* part_at: the bytes [*from, *to) of s's text around at that no mark of
 * parts splits. */
static void
part_at(const sentence *s, uint32_t at, uint32_t *from, uint32_t *to)
{
	uint32_t a = s->words[0].start, b = s->words[s->n - 1].end;

	*from = a;
	*to = b;
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		size_t n = strlen(parts[i]);

		for (uint32_t p = a; p + n <= b; p++) {
			if (memcmp(s->text + p, parts[i], n) != 0)
				continue;
			if (p + n <= at && p + n > *from)
				*from = p + (uint32_t)n;
			if (p >= at && p < *to)
				*to = p;
		}
	}
}

void
notes__disclaimed_zh(const sentence *s, notes_reading *out, size_t first)
{
	if (s->n == 0)
		return;
	for (size_t i = first; i < out->n; i++) {
		notes_finding *f = &out->findings[i];
		uint32_t from, to;

		if (f->kind != NOTES_ALLERGY || f->code[0] == '\0' ||
		    (f->context & (NOTES_NEGATED | NOTES_FAMILY)))
			continue;
		part_at(s, f->start, &from, &to);
		if (!notes__text_holds_any(s->text, from, to, disclaimers,
					   sizeof(disclaimers) /
						   sizeof(*disclaimers)) ||
		    !notes__text_holds_any(s->text, from, to, relatives,
					   sizeof(relatives) /
						   sizeof(*relatives)))
			continue;
		f->context = NOTES_FAMILY;
		f->trigger = "与患者无关";
	}
}

/* The words that say a suspicion was ruled out, as 已排除 is read; 不排除
 * and 待排除 keep it. */
static const char *const excluded_zh[] = {"已排除", "已除外", "排除了"};

/* suspected_zh: is f an allergy the writer doubts by a suspicion
 * ("怀疑", "曾怀疑")? */
static bool
suspected_zh(const notes_finding *f)
{
	return f->kind == NOTES_ALLERGY && f->context == NOTES_UNCERTAIN &&
	       (strcmp(f->trigger, "怀疑") == 0 ||
		strcmp(f->trigger, "曾怀疑") == 0);
}

void
notes__suspicion_excluded_zh(const sentence *s, notes_reading *out,
			     size_t first)
{
	if (s->n == 0)
		return;
	for (size_t i = first; i < out->n; i++) {
		notes_finding *f = &out->findings[i];
		uint32_t from, to;

		if (!suspected_zh(f))
			continue;
		part_at(s, f->start, &from, &to);
		if (!notes__text_holds_any(s->text, f->end, to, excluded_zh,
					   N_OF(excluded_zh)))
			continue;
		f->context = NOTES_NEGATED;
		f->trigger = "已排除";
	}
}
