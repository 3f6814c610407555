/*
 * settle.c - the passes over the whole note's findings once every
 * sentence is read: a later statement supersedes the mentions before it
 * (a label removed, a doubt, a stop done, a refusal, a drug taken beside
 * its doubt), and diabetes named without its type takes the type the
 * note names.  notes__settle, at the end of this file, runs them in
 * their order and then refine.c's; notes_read returns right after it, so
 * a step that needs the final findings goes at its end.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* relatives_allergy_zh: is f a relative's allergy a Chinese trigger gave
 * ("为其父亲的过敏史", "女儿对青霉素过敏")?  It is no label of the
 * patient's, so taking the patient's label of that code off leaves it. */
static bool
relatives_allergy_zh(const notes_finding *f)
{
	return (f->context & NOTES_FAMILY) &&
	       (unsigned char)f->trigger[0] >= 0x80;
}

/* delabelled_code: does out hold a de-labelled allergy to code? */
static bool
delabelled_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (notes__delabelled(&out->findings[i]) &&
		    strcmp(out->findings[i].code, code) == 0)
			return true;
	return false;
}

/* other_reaction: does de-labelling g judge a reaction, and allergy f
 * tell none or another? */
static bool
other_reaction(const notes_finding *f, const notes_finding *g)
{
	return g->reaction[0] != '\0' && strcmp(f->reaction, g->reaction) != 0;
}

/* others_of_class: does "其他" or "其它" stand right before the class
 * mentioned at "at" ("- Ketorolac：…全身起疹子⏎- 對其他 NSAIDs 無過敏",
 * allergy75tx, zh-dev90)?  The writer clears the class's other members,
 * not the member whose entry went before. */
static bool
others_of_class(const char *text, uint32_t at)
{
	static const char *const others[] = {"其他", "其它"};

	while (at > 0 && text[at - 1] == ' ')
		at--;
	return notes__ends_in(text, 0, at, others, N_OF(others));
}

/* delabelled_class_of: does out hold a de-labelled allergy to a class
 * member f's substance belongs to, written after f?  A class de-labelled
 * is cleared for each of its members told before it ("(1) 盤尼西林敏感標籤
 * — 已除去" clears the story "食 Amoxil 出全身紅疹" it rested on), but a
 * de-labelling that judges one reaction leaves a member whose entry
 * tells no reaction the reader knows, or another ("曲马多：恶心、呕吐剧烈，
 * 自述不耐受" stays beside a later "阿片类药物所致瘙痒…非过敏"); a
 * member's own reaction told after the
 * de-labelling is another record ("阿片类药物引起的瘙痒…并非过敏" leaves
 * "已记录为\"曲马多不耐受\"").  A member told again after it is kept
 * ("\"所有抗生素过敏\"不成立，已删除。4. 保留：左氧氟沙星过敏", allergy75su,
 * zh-dev85).  A member de-labelled leaves its class. */
static bool
delabelled_class_of(const notes_reading *out, const notes_finding *f,
		    const char *text)
{
	for (size_t i = 0; i < out->n; i++)
		if (notes__delabelled(&out->findings[i]) &&
		    strcmp(out->findings[i].system, "class") == 0 &&
		    !others_of_class(text, out->findings[i].start) &&
		    f->start < out->findings[i].start &&
		    f->again < out->findings[i].start &&
		    notes__member_of(f->code, out->findings[i].code) &&
		    !other_reaction(f, &out->findings[i]))
			return true;
	return false;
}

/* delabelled_mention: is f a mention of an allergy that the note
 * documents as de-labelled?  delabel drops those: the removal of the label is
 * what holds now, and the label it removes is usually written first ("had
 * carried a penicillin allergy label since childhood ... has been removed from
 * her record"), so the negated finding stands for them all, a class's for its
 * members' too.  A relative's allergy is not the label removed ("his younger
 * brother has a true penicillin allergy ... the penicillin allergy label has
 * been removed"). */
static bool
delabelled_mention(const notes_reading *out, const notes_finding *f,
		   const char *text)
{
	return f->kind == NOTES_ALLERGY &&
	       !(f->context & (NOTES_NEGATED | NOTES_FAMILY)) &&
	       !relatives_allergy_zh(f) &&
	       (delabelled_code(out, f->code) ||
		delabelled_class_of(out, f, text));
}

/* drop_where drops the findings of out that gone says a later statement
 * of the note supersedes.  gone reads negated findings, which it never
 * drops, so dropping as it goes leaves it all it reads. */
static void
drop_where(notes_reading *out,
	   bool (*gone)(const notes_reading *, const notes_finding *))
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++)
		if (!gone(out, &out->findings[i]))
			out->findings[n++] = out->findings[i];
	out->n = n;
}

/* last_delabelled: where the last de-labelling of code starts in out, or
 * 0 for none. */
static uint32_t
last_delabelled(const notes_reading *out, const char *code)
{
	uint32_t at = 0;

	for (size_t i = 0; i < out->n; i++)
		if (notes__delabelled(&out->findings[i]) &&
		    strcmp(out->findings[i].code, code) == 0 &&
		    out->findings[i].start > at)
			at = out->findings[i].start;
	return at;
}

/* relabelled_zh: is f, an allergy written after the last de-labelling of
 * its code, recorded in the rest of its sentence as an intolerance (不耐
 * 受: "“头孢过敏”已澄清为胃肠不耐受，病历过敏栏修改为：头孢类——胃肠道不适（不耐
 * 受），非过敏")?  The record then holds the drug's intolerance in place of
 * the allergy the note de-labelled before: the entry's kind changed, it
 * was not removed (rules75zh21).  len: text's. */
static bool
relabelled_zh(const notes_reading *out, const notes_finding *f,
	      const char *text, size_t len)
{
	static const char intolerant[] = "不耐受", stop[] = "。";
	uint32_t at = last_delabelled(out, f->code), end = f->end;

	if (at == 0 || at >= f->start)
		return false;
	while (end < len && text[end] != '\n' &&
	       !(end + 3 <= len && memcmp(text + end, stop, 3) == 0))
		end++;
	return memmem(text + f->end, end - f->end, intolerant,
		      strlen(intolerant)) != NULL;
}

/* named_after_correction: is text[i, to) a correction's verb ("更正为",
 * "改为", "corrected to") and then, past quotes and spaces, the bytes
 * name[0, n)? */
static bool
named_after_correction(const char *text, uint32_t i, uint32_t to,
		       const char *name, size_t n)
{
	static const char *const verbs[] = {"更正为",	    "更改为",
					    "修改为",	    "改为",
					    "corrected to", "changed to"};
	static const char *const quotes[] = {"\"", "\xe2\x80\x9c",
					     "\xe3\x80\x8c", " "};
	size_t k = 0, q;

	while (k < N_OF(verbs) &&
	       (i + strlen(verbs[k]) > to ||
		memcmp(text + i, verbs[k], strlen(verbs[k]))))
		k++;
	if (k == N_OF(verbs))
		return false;
	i += (uint32_t)strlen(verbs[k]);
	do
		for (q = 0; q < N_OF(quotes); q++)
			if (i + strlen(quotes[q]) <= to &&
			    memcmp(text + i, quotes[q], strlen(quotes[q])) ==
				    0) {
				i += (uint32_t)strlen(quotes[q]);
				break;
			}
	while (q < N_OF(quotes));
	return i + n <= to && memcmp(text + i, name, n) == 0;
}

/* corrected_to_member: is allergy f a member of a class that a later line
 * de-labels while correcting the label to f's substance ("2. 吗啡：风团、瘙痒
 * ⏎ 3. 外院标注\"阿片类药物过敏\"……更正为\"吗啡过敏\"，删除\"阿片类药物过敏\"
 * 标签")?  The correction keeps the member's allergy: only the class's
 * label goes (delabelled_class_of; allergy75iq).  len: text's. */
static bool
corrected_to_member(const notes_reading *out, const notes_finding *f,
		    const char *text, size_t len)
{
	if (f->kind != NOTES_ALLERGY || (f->context & NOTES_NEGATED))
		return false;
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];
		uint32_t from = g->start, to = g->end;

		if (!notes__delabelled(g) || strcmp(g->system, "class") != 0 ||
		    f->start >= g->start || !notes__member_of(f->code, g->code))
			continue;
		while (from > 0 && text[from - 1] != '\n')
			from--;
		while (to < len && text[to] != '\n')
			to++;
		for (uint32_t at = from; at < to; at++)
			if (named_after_correction(text, at, to,
						   text + f->start,
						   f->end - f->start))
				return true;
	}
	return false;
}

/* delabel drops the mentions of a label the note de-labels
 * (delabelled_mention), but for one recorded again as an intolerance
 * after it (relabelled_zh) or kept by the correction that de-labels its
 * class (corrected_to_member). */
static void
delabel(notes_reading *out, const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++)
		if (!delabelled_mention(out, &out->findings[i], text) ||
		    relabelled_zh(out, &out->findings[i], text, len) ||
		    corrected_to_member(out, &out->findings[i], text, len))
			out->findings[n++] = out->findings[i];
	out->n = n;
}

/* INTOLERANCE_LABEL_ZH_BYTES: how far after a Chinese allergy's mention
 * the writer's intolerance label may stand in its entry, about twenty
 * characters ("Augmentin 吃了會吐，是不是過敏？— 記錄為不耐受"). */
#define INTOLERANCE_LABEL_ZH_BYTES 64

/* entry_end_zh: where the entry that starts at byte from of text ends:
 * a full stop, a semicolon, a line's end, or INTOLERANCE_LABEL_ZH_BYTES
 * on. */
static uint32_t
entry_end_zh(const char *text, size_t len, uint32_t from)
{
	static const char *const stop[] = {"。", "；", ";", "\n"};
	uint32_t end = from;

	while (end < len && end < from + INTOLERANCE_LABEL_ZH_BYTES) {
		for (size_t i = 0; i < sizeof(stop) / sizeof(*stop); i++)
			if (end + strlen(stop[i]) <= len &&
			    memcmp(text + end, stop[i], strlen(stop[i])) == 0)
				return end;
		end++;
	}
	return end;
}

/* sentence_end_zh: where the sentence holding byte from of text ends,
 * at a full stop or a line's end. */
static uint32_t
sentence_end_zh(const char *text, size_t len, uint32_t from)
{
	uint32_t end = from;

	while (end < len && text[end] != '\n' &&
	       !(end + 3 <= len && memcmp(text + end, "。", 3) == 0))
		end++;
	return end;
}

/* drug_between: does out hold an allergy or medicine that starts in
 * bytes (from, to) of the text?  A drug named there owns what is written
 * after it. */
static bool
drug_between(const notes_reading *out, uint32_t from, uint32_t to)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind != NOTES_PROBLEM &&
		    out->findings[i].start > from &&
		    out->findings[i].start < to)
			return true;
	return false;
}

/* labelled_intolerance_zh: is f a Chinese allergy negated by a denial
 * that the writer labels an intolerance after it, in its entry and before
 * another drug ("过敏：无药物过敏（双氯芬酸口服胃疼已记录为不耐受）", "2.磺胺
 * 类抗菌药重症药疹史 3.曲马多不耐受", "Augmentin 吃了會吐，是不是過敏？— 記錄
 * 為不耐受")?  The label is the writer's verdict on that drug: the
 * patient reacts to it, and the record keeps it (README: an intolerance
 * is annotated as an allergy); the denial speaks of allergy in general, a
 * question or another entry.  "非不耐受", "无不耐受" deny the label. */
static bool
labelled_intolerance_zh(const notes_reading *out, const notes_finding *f,
			const char *text, size_t len)
{
	static const char label[] = "不耐受";
	static const char *const denial[] = {"非", "无", "無", "否认", "没有"};
	uint32_t end, at, stop;
	const char *hit;

	if (f->kind != NOTES_ALLERGY || f->code[0] == '\0' ||
	    !(f->context & NOTES_NEGATED) || (f->context & NOTES_FAMILY) ||
	    (unsigned char)f->trigger[0] < 0x80 ||
	    strstr(f->trigger, label) != NULL)
		return false;
	end = entry_end_zh(text, len, f->end);
	/* a denial after the drug in its sentence is the writer's verdict on
	 * it, the label's too ("对吗啡“不耐受”——…非过敏——…从过敏栏删除",
	 * "他汀类过敏不成立，仅记录辛伐他汀不耐受") */
	stop = sentence_end_zh(text, len, f->end);
	if (memmem(text + f->end, stop - f->end, f->trigger,
		   strlen(f->trigger)) != NULL ||
	    memmem(text + f->end, stop - f->end, "非不耐受",
		   strlen("非不耐受")) != NULL)
		return false;
	hit = memmem(text + f->end, end - f->end, label, strlen(label));
	if (hit == NULL)
		return false;
	at = (uint32_t)(hit - text);
	for (size_t i = 0; i < sizeof(denial) / sizeof(*denial); i++)
		if (at >= f->end + strlen(denial[i]) &&
		    memcmp(text + at - strlen(denial[i]), denial[i],
			   strlen(denial[i])) == 0)
			return false;
	return !drug_between(out, f->end, at);
}

/* relabel_intolerance_zh affirms the Chinese allergies the writer labels
 * an intolerance of the patient's after a denial reached them
 * (labelled_intolerance_zh). */
static void
relabel_intolerance_zh(notes_reading *out, const char *text, size_t len)
{
	for (size_t i = 0; i < out->n; i++)
		if (labelled_intolerance_zh(out, &out->findings[i], text,
					    len)) {
			out->findings[i].context &= ~NOTES_NEGATED;
			out->findings[i].trigger = "不耐受";
		}
}

/* verdict_at_zh: does a verdict that a label is untrue start at byte at
 * of text, right after the allergy it judges ("磺胺过敏史不成立",
 * "青霉素过敏史可排除", "乳胶过敏已排除", "磺胺类——已排除")? */
static bool
verdict_at_zh(const char *text, size_t len, uint32_t at)
{
	static const char *const verdict[] = {"不成立", "可排除", "已排除"};
	static const char *const judged[] = {"过敏", "过敏史", "過敏", "過敏史",
					     "——"};

	for (size_t i = 0; i < sizeof(verdict) / sizeof(*verdict); i++) {
		if (at + strlen(verdict[i]) > len ||
		    memcmp(text + at, verdict[i], strlen(verdict[i])) != 0)
			continue;
		for (size_t j = 0; j < sizeof(judged) / sizeof(*judged); j++)
			if (at >= strlen(judged[j]) &&
			    memcmp(text + at - strlen(judged[j]), judged[j],
				   strlen(judged[j])) == 0)
				return true;
	}
	return false;
}

/* judged_zh: is f an allergy negated in a sentence whose verdict finds
 * an allergy label untrue (verdict_at_zh)? */
static bool
judged_zh(const notes_finding *f, const char *text, size_t len)
{
	uint32_t end;

	if (f->kind != NOTES_ALLERGY || f->context != NOTES_NEGATED ||
	    f->code[0] == '\0')
		return false;
	end = sentence_end_zh(text, len, f->start);
	for (uint32_t at = f->end; at < end; at++)
		if (verdict_at_zh(text, len, at))
			return true;
	return false;
}

/* judged_label_zh: is f the patient's label of an allergy that a Chinese
 * verdict elsewhere in the note finds untrue (judged_zh)? */
static bool
judged_label_zh(const notes_reading *out, const notes_finding *f,
		const char *text, size_t len)
{
	if (f->kind != NOTES_ALLERGY ||
	    (f->context & (NOTES_NEGATED | NOTES_FAMILY)) ||
	    relatives_allergy_zh(f))
		return false;
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->findings[i].code, f->code) == 0 &&
		    judged_zh(&out->findings[i], text, len))
			return true;
	return false;
}

/* drop_findings keeps, in order, the findings of out that dropped does
 * not pick; dropped reads the reading as it was before the pass. */
static void
drop_findings(notes_reading *out, const char *text, size_t len,
	      bool (*dropped)(const notes_reading *, const notes_finding *,
			      const char *, size_t))
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++)
		if (!dropped(out, &out->findings[i], text, len))
			out->findings[n++] = out->findings[i];
	out->n = n;
}

/* unjudge_zh drops the labels a Chinese verdict finds untrue
 * (judged_label_zh): the verdict is what holds now, as a de-labelling's
 * removal is, and the label it answers is usually told before it ("其妻
 * 补充，患者年轻时曾\"对磺胺过敏\" ... 磺胺过敏史不成立").  The verdicts
 * are no de-labelling triggers in context.csv because they judge
 * diagnoses too ("诊断不成立"), where nothing is to be dropped. */
static void
unjudge_zh(notes_reading *out, const char *text, size_t len)
{
	drop_findings(out, text, len, judged_label_zh);
}

/* denied_after: does the note deny the patient an allergy to f's code
 * in so many words in another mention ("\"Penicillin allergy - rash
 * 1990s\" was on the chart ... NO penicillin allergy", "She is NOT
 * allergic to penicillin")?  The denial also answers a label told after
 * it ("Not allergic to penicillin (tolerated Bicillin 2015) ... the
 * dental office still had an old \"penicillin allergy\" entry"): a
 * record retold is the label the writer has already denied. */
static bool
denied_after(const notes_reading *out, const notes_finding *f)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		/* or moves it onto a relative ("住院时记录\"头孢过敏\"。女儿
		 * 更正：\"对头孢过敏的是我外婆\"", allergy75qc) */
		if (g->kind == NOTES_ALLERGY && g->context == NOTES_NEGATED &&
		    g->start != f->start && strcmp(g->code, f->code) == 0 &&
		    (strcmp(g->trigger, DENIED_OUTRIGHT) == 0 ||
		     strcmp(g->trigger, "为其") == 0))
			return true;
	}
	return false;
}

/* denied_label: is f an affirmed allergy the note denies outright
 * elsewhere?  undeny drops those: the label is what the denial answers,
 * so the denial is what holds now, as a de-labelling is. */
static bool
denied_label(const notes_reading *out, const notes_finding *f)
{
	return f->kind == NOTES_ALLERGY && f->context == 0 &&
	       f->code[0] != '\0' && denied_after(out, f);
}

static void
undeny(notes_reading *out)
{
	drop_where(out, denied_label);
}

/* allergy_word_after: does "allergy" or "allergic" follow byte at, a
 * space at most between ("no known latex allergy")? */
static bool
allergy_word_after(const char *text, size_t len, uint32_t at)
{
	if (at < len && text[at] == ' ')
		at++;
	return at + 6 <= len && strncasecmp(text + at, "allerg", 6) == 0;
}

/* label_denied_on_line: is f an affirmed allergy written as an entry's
 * label, a colon after it, that a negated allergy to the same code
 * later on its line denies by name ("- Latex: latex-safe ward; pt has no
 * known latex allergy", allergy75pb, en-dev27)?  The label heads the answer;
 * the answer is what holds. */
static bool
label_denied_on_line(const notes_reading *out, const notes_finding *f,
		     const char *text, size_t len)
{
	uint32_t at = f->end;

	if (f->kind != NOTES_ALLERGY || f->context != 0 || f->code[0] == '\0')
		return false;
	while (at < len && text[at] == ' ')
		at++;
	if (at >= len || text[at] != ':')
		return false;
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == NOTES_NEGATED &&
		    g->start > f->end && strcmp(g->code, f->code) == 0 &&
		    memchr(text + f->end, '\n', g->start - f->end) == NULL &&
		    allergy_word_after(text, len, g->end))
			return true;
	}
	return false;
}

/* quote_open_before: does an opening quotation mark stand between the
 * start of the line that holds byte at of text and at, with none closed
 * after it?  Straight quotes open and close in turn; curly ones say
 * which they do. */
static bool
quote_open_before(const char *text, uint32_t at)
{
	uint32_t from = at;
	bool open = false;

	while (from > 0 && text[from - 1] != '\n')
		from--;
	for (uint32_t i = from; i < at; i++) {
		if (text[i] == '"')
			open = !open;
		else if (at - i >= 3 &&
			 memcmp(text + i, "\xe2\x80\x9c" /* “ */, 3) == 0)
			open = true;
		else if (at - i >= 3 &&
			 memcmp(text + i, "\xe2\x80\x9d" /* ” */, 3) == 0)
			open = false;
	}
	return open;
}

/* quote_closes_after: does a closing quotation mark follow byte from of
 * text on its line? */
static bool
quote_closes_after(const char *text, size_t len, uint32_t from)
{
	for (uint32_t i = from; i < len && text[i] != '\n'; i++)
		if (text[i] == '"' ||
		    (len - i >= 3 &&
		     memcmp(text + i, "\xe2\x80\x9d" /* ” */, 3) == 0))
			return true;
	return false;
}

/* negated_code: does out hold the patient's allergy to f's code negated,
 * in a mention other than f's, by more than a bare "no"?  "Strictly NO
 * metoclopramide (dystonia)" forbids the drug the label names; it is no
 * verdict on that label. */
static bool
negated_code(const notes_reading *out, const notes_finding *f)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == NOTES_NEGATED &&
		    g->start != f->start && strcmp(g->code, f->code) == 0 &&
		    strcasecmp(g->trigger, "no") != 0)
			return true;
	}
	return false;
}

/* RECORD_NEAR_BYTES: how far from a quoted label the words that put it
 * on a record may stand ("her GP record says \"PENICILLIN ALLERGY\"",
 * "flagged \"pen allergy?\" from old hospital record"). */
#define RECORD_NEAR_BYTES 48

/* record_quoted: does a word that puts a quote on a record (a record, a
 * chart, a flag) stand on f's line within RECORD_NEAR_BYTES of it?  A
 * quote the writer holds at a distance is the record's label; the
 * patient's own quoted words ("\"Pen\" - anaphylaxis age 12") are the
 * allergy itself.  len: text's. */
static bool
record_quoted(const notes_finding *f, const char *text, size_t len)
{
	static const char *const record[] = {"record", "chart", "flagged",
					     "entry"};
	uint32_t from = f->start, to = f->end;

	while (from > 0 && text[from - 1] != '\n' &&
	       f->start - from < RECORD_NEAR_BYTES)
		from--;
	while (to < len && text[to] != '\n' && to - f->end < RECORD_NEAR_BYTES)
		to++;
	for (size_t i = 0; i < sizeof(record) / sizeof(*record); i++)
		for (uint32_t at = from; at + strlen(record[i]) <= to; at++)
			if (strncasecmp(text + at, record[i],
					strlen(record[i])) == 0)
				return true;
	return false;
}

/* quoted_label_negated: is f an affirmed or doubted allergy the writer
 * quotes from a record ("her GP record says \"PENICILLIN ALLERGY\"",
 * "flagged \"pen allergy?\" from old hospital record", "an old entry
 * saying \"morphine - ?allergy\"") and the note negates in another
 * mention, however it words it ("She has never had a penicillin
 * reaction", "never any reaction to ... penicillin")?  The quote is the
 * label the writer holds up to answer, so the answer is what holds now,
 * as a denial outright is (undeny).  len: text's. */
static bool
quoted_label_negated(const notes_reading *out, const notes_finding *f,
		     const char *text, size_t len)
{
	return f->kind == NOTES_ALLERGY &&
	       (f->context & ~(unsigned)NOTES_UNCERTAIN) == 0 &&
	       f->code[0] != '\0' && quote_open_before(text, f->start) &&
	       quote_closes_after(text, len, f->end) &&
	       record_quoted(f, text, len) && negated_code(out, f);
}

/* unquote_labels drops the quoted labels the note negates
 * (quoted_label_negated). */
static void
unquote_labels(notes_reading *out, const char *text, size_t len)
{
	drop_findings(out, text, len, quoted_label_negated);
}

/* The contexts a pass drops a superseded finding in (drop_superseded):
 * affirmed, a mention that holds now; planned, a plan alone; doubting, a
 * doubt or a relative's (planned too or not), neither past nor denied. */
static bool
affirmed(unsigned context)
{
	return context == 0;
}

static bool
planned(unsigned context)
{
	return context == NOTES_HYPOTHETICAL;
}

static bool
doubting(unsigned context)
{
	return (context & (NOTES_UNCERTAIN | NOTES_FAMILY)) &&
	       !(context & (NOTES_NEGATED | NOTES_HISTORICAL));
}

/* drop_superseded drops out's findings of kind whose context in_context
 * takes and whose code held says a later statement supersedes (a
 * de-labelling's kin: a doubt, a stop done, a refusal, the drug taken),
 * so that statement stands for them. */
static void
drop_superseded(notes_reading *out, notes_kind kind,
		bool (*in_context)(unsigned context),
		bool (*held)(const notes_reading *, const char *))
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == kind && in_context(f->context) &&
		    held(out, f->code))
			continue;
		out->findings[n++] = *f;
	}
	out->n = n;
}

/* queried_code_zh: does the note query its allergy to code with a
 * full-width question mark or 可疑 ("诊断：过敏性休克（头孢呋辛？海鲜？）")?
 * The writer's doubt, once written, is the note's verdict: the allergy
 * its story first affirmed is uncertain. */
static bool
queried_code_zh(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == NOTES_UNCERTAIN &&
		    strcmp(f->code, code) == 0 &&
		    (strcmp(f->trigger, "\xef\xbc\x9f") == 0 ||
		     strcmp(f->trigger, "可疑") == 0))
			return true;
	}
	return false;
}

/* undoubt drops the affirmed mentions of an allergy whose label the
 * writer doubts, or says was a relative's: the doubt is what holds now
 * ("7. Penicillin allergy: refer for testing" after "I doubt this is a
 * true allergy"). */
static void
undoubt(notes_reading *out)
{
	drop_superseded(out, NOTES_ALLERGY, affirmed, notes__doubted_code);
	drop_superseded(out, NOTES_ALLERGY, affirmed, queried_code_zh);
	drop_superseded(out, NOTES_ALLERGY, affirmed,
			notes__misattributed_code);
}

/* USE_DENIED_BYTES: how far before a drug repeats_doubted_entry looks
 * for the word that says it was not given ("本次未使用 penicillin", "no
 * penicillin given"). */
#define USE_DENIED_BYTES 12

/* use_denied_before: is "未", "没", "no" or "not" written in the
 * USE_DENIED_BYTES before byte at of text, on its line? */
static bool
use_denied_before(const char *text, uint32_t at)
{
	static const char *const denial[] = {"未", "没", "no ", "not "};
	uint32_t from = at > USE_DENIED_BYTES ? at - USE_DENIED_BYTES : 0;

	for (uint32_t i = from; i < at; i++) {
		if (text[i] == '\n')
			from = i + 1;
	}
	for (uint32_t i = from; i < at; i++)
		for (size_t d = 0; d < N_OF(denial); d++)
			if (strncasecmp(text + i, denial[d],
					strlen(denial[d])) == 0 &&
			    (i == 0 || !isalpha((unsigned char)text[i - 1])))
				return true;
	return false;
}

/* repeats_doubted_entry: is allergy f, affirmed with no trigger and no
 * reaction of its own, the drug of an allergy entry named again, as not
 * given, after the entry doubted it on its line ("- Penicillin：病人表示
 * 「以前好像有」，未曾確認；本次未使用 penicillin 類", "- Penicillin: maybe
 * rash, not confirmed; no penicillin given this admission", allergy75kh)?
 * The entry's doubt is the line's word on the drug.  A bare query mark
 * or a doubt the rules did not name is not: what follows it answers it
 * ("Sulfa? patient says \"sulfa upset my stomach\" — charted as
 * intolerance", en-dev36). */
static bool
repeats_doubted_entry(const notes_reading *out, const notes_finding *f,
		      const char *text, size_t len)
{
	(void)len;
	if (f->kind != NOTES_ALLERGY || f->context != 0 || f->trigger[0] ||
	    f->reaction[0] || !use_denied_before(text, f->start))
		return false;
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == NOTES_UNCERTAIN &&
		    g->trigger[0] != '\0' && strcmp(g->trigger, "?") != 0 &&
		    strcmp(g->code, f->code) == 0 && g->end <= f->start &&
		    memchr(text + g->end, '\n', f->start - g->end) == NULL)
			return true;
	}
	return false;
}

/* queried_en: is f an English allergy the writer queries with the
 * uncertainty mark written on the drug itself ("Documented as ?penicillin
 * allergy")?  A "?" that queries something else and reaches the drug
 * ("for ?UTI, penicillin allergic") is not. */
static bool
queried_en(const notes_finding *f, const char *text)
{
	return f->kind == NOTES_ALLERGY && f->context == NOTES_UNCERTAIN &&
	       f->start > 0 && text[f->start - 1] == '?' &&
	       strcmp(f->trigger, "?") == 0;
}

/* unquery_en drops the affirmed mentions of an English allergy that
 * the note then queries on the drug (queried_en): as in Chinese
 * (queried_code_zh), the writer's query, once written, is the note's
 * verdict on the allergy its story first told (rules75en27). */
static void
unquery_en(notes_reading *out, const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		bool queried = false;

		for (size_t k = 0; f->kind == NOTES_ALLERGY &&
				   f->context == 0 && !queried && k < out->n;
		     k++)
			queried = queried_en(&out->findings[k], text) &&
				  strcmp(out->findings[k].code, f->code) == 0;
		if (!queried)
			out->findings[n++] = *f;
	}
	out->n = n;
}

/* stopped_code: does out hold code as a medicine already stopped
 * ("已停用氯吡格雷")?  A patient's own stop, told in the history
 * ("上星期自己停咗 Lasix"; direction stopped_drugs), is not: the note's
 * later mentions are the clinician's own reading of the drug (restarted,
 * held), as the writers of zh-dev18 and zh-dev25 annotate them. */
static bool
stopped_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		const notes_entry *t;

		if (f->kind != NOTES_MEDICINE ||
		    f->context != NOTES_HISTORICAL ||
		    strcmp(f->code, code) != 0)
			continue;
		t = notes__find(f->trigger);
		if ((t != NULL && (t->dir & NOTES_DIR_DONE) &&
		     !(t->dir & NOTES_DIR_DRUGS)) ||
		    strcmp(f->trigger, ROW_STOPPED) == 0)
			return true;
	}
	return false;
}

/* unstop drops the mentions of a medicine as taken when the note says
 * it is stopped already ("一直服用阿司匹林+氯吡格雷，1年前已停用氯吡格
 * 雷"): the stop is what holds now. */
static void
unstop(notes_reading *out)
{
	drop_superseded(out, NOTES_MEDICINE, affirmed, stopped_code);
}

/* diabetes_type returns 1 or 2 when out names one type of the patient's
 * diabetes (E10, E11), 0 when it names none or both, or a pregnancy's
 * (O24). */
static int
diabetes_type(const notes_reading *out)
{
	int type = 0;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		int t = strncmp(f->code, "E10", 3) == 0	  ? 1
			: strncmp(f->code, "E11", 3) == 0 ? 2
							  : 0;

		if (f->kind == NOTES_PROBLEM && strncmp(f->code, "O24", 3) == 0)
			return 0; /* a pregnancy's diabetes is its own */
		if (f->kind != NOTES_PROBLEM || t == 0 ||
		    (f->context & (NOTES_FAMILY | NOTES_NEGATED)))
			continue;
		if (type != 0 && type != t)
			return 0;
		type = t;
	}
	return type;
}

/* typed_code sets f, diabetes named without its type (E14), to type (1
 * or 2), in WHO ICD-10's titles; type 0 leaves it. */
static void
typed_code(notes_finding *f, int type)
{
	static const struct {
		const char *untyped, *code[2], *display[2];
	} typed[] = {
		{"E14.9",
		 {"E10.9", "E11.9"},
		 {"Type 1 diabetes mellitus", "Type 2 diabetes mellitus"}},
		{"E14.1",
		 {"E10.1", "E11.1"},
		 {"Type 1 diabetes mellitus with ketoacidosis",
		  "Type 2 diabetes mellitus with ketoacidosis"}},
	};

	for (size_t i = 0; type != 0 && i < sizeof(typed) / sizeof(*typed); i++)
		if (strcmp(f->code, typed[i].untyped) == 0) {
			f->code = typed[i].code[type - 1];
			f->display = typed[i].display[type - 1];
		}
}

/* default_type returns 2 for the patient's diabetes written in English
 * without its type ("DM", "diabetes") in a note that names no type:
 * ICD-10-CM's guideline I.C.4.a.2 codes it type 2 (E11), as the English
 * writers do.  Chinese 糖尿病 keeps E14.9, the national clinical edition's
 * 糖尿病, as the Chinese writers code it.  0 otherwise: no type. */
static int
default_type(const notes_finding *f, const char *text)
{
	if (strcmp(f->code, "E14.9") != 0)
		return 0;
	for (uint32_t k = f->start; k < f->end; k++)
		if ((unsigned char)text[k] >= 0x80)
			return 0;
	return 2;
}

/* type_diabetes reads diabetes named without its type ("diabetes
 * educator saw pt", "DM", "her sister has diabetes too") as the type the
 * note names elsewhere ("T2DM", "type 1 diabetes"): one condition, which
 * the writer types once; where the note names none, default_type's.  A
 * repeat it then makes is dropped. */
static void
type_diabetes(notes_reading *out, const char *text)
{
	int type = diabetes_type(out);
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		/* a relative's diabetes, or one denied, is of no type */
		if (f.kind == NOTES_PROBLEM &&
		    !(f.context & (NOTES_FAMILY | NOTES_NEGATED)))
			typed_code(&f,
				   type != 0 ? type : default_type(&f, text));
		if (!notes__same_in(out, n, &f))
			out->findings[n++] = f;
	}
	out->n = n;
}

/* pregnant: does out hold a pregnancy's problem of the patient's now
 * (affirmed, ICD-10 chapter XV, O00-O99)? */
static bool
pregnant(const notes_reading *out)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_PROBLEM &&
		    out->findings[i].context == 0 &&
		    out->findings[i].code[0] == 'O')
			return true;
	return false;
}

/* chronic_hypertension: is f essential hypertension the note calls
 * chronic or pre-existing ("chronic HTN", "pre-existing hypertension")
 * or dates before the pregnancy ("Essential hypertension
 * pre-pregnancy")? */
static bool
chronic_hypertension(const notes_finding *f, const char *text, size_t len)
{
	static const char *const before[] = {"chronic ", "pre-existing "};
	static const char after[] = " pre-pregnancy";

	if (f->kind != NOTES_PROBLEM || strcmp(f->code, "I10") != 0)
		return false;
	for (size_t i = 0; i < sizeof(before) / sizeof(*before); i++) {
		size_t n = strlen(before[i]);

		if (f->start >= n &&
		    strncasecmp(text + f->start - n, before[i], n) == 0)
			return true;
	}
	return f->end + sizeof(after) - 1 <= len &&
	       strncasecmp(text + f->end, after, sizeof(after) - 1) == 0;
}

/* pregnancy_hypertension reads the patient's chronic hypertension in a
 * note of a pregnancy ("chronic HTN on labetalol 200 mg BID" among a
 * prenatal course's problems, "Chronic hypertension (pre-existing, on
 * methyldopa in pregnancy)") as pre-existing hypertension complicating
 * the pregnancy, O10.0, as the writers who meet it code it; a denied
 * one, a relative's and one outside a pregnancy stay I10. */
static void
pregnancy_hypertension(notes_reading *out, const char *text, size_t len)
{
	size_t n = 0;
	bool is_pregnant = pregnant(out);

	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		if (is_pregnant && f.context == 0 &&
		    chronic_hypertension(&f, text, len)) {
			f.code = "O10.0";
			f.display =
				"Pre-existing essential hypertension "
				"complicating pregnancy, childbirth and the "
				"puerperium";
		}
		if (!notes__same_in(out, n, &f))
			out->findings[n++] = f;
	}
	out->n = n;
}

/* taken_code: does out hold code as a medicine taken now (affirmed)? */
static bool
taken_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_MEDICINE &&
		    out->findings[i].context == 0 &&
		    strcmp(out->findings[i].code, code) == 0)
			return true;
	return false;
}

/* untake_doubts drops a medicine doubted or a relative's (planned too
 * or not) when the note records the patient taking it ("Meds: Eliquis 5
 * bid ... unsure whether Eliquis was taken this AM", "her son was taught
 * the bleeding signs to watch for on apixaban"): the doubt or a carer's
 * teaching is about the drug taken.  A past or denied mention stays:
 * the sets list those beside the drug taken (a plan is settled once the
 * context model has read, notes__unplan_taken). */
static void
untake_doubts(notes_reading *out)
{
	drop_superseded(out, NOTES_MEDICINE, doubting, taken_code);
}

/* restarted: is f planned by a restart ("restart apixaban tomorrow")?
 * There the writers split: en-dev18's and en-dev27's headers list a held
 * drug's restart beside the drug taken, and over the development sets
 * 23 notes' pairs give the drug taken alone against 13 with both, so
 * the restart stays planned. */
static bool
restarted(const notes_finding *f)
{
	return strcmp(f->trigger, "restart") == 0;
}

/* planned_taken: is f a medicine planned alone while the note records
 * the patient taking it ("Meds: spironolactone 25 mg od ... if creat
 * >180 hold spironolactone", "Would like bisoprolol to 7.5 mg if HR >
 * 60", "术后如无出血，恢复阿司匹林")?  A plan to hold, adjust, stop or
 * watch a drug taken is about that medicine, not a second one to come:
 * over the 80 development sets, where the rules read both, the writers
 * list the drug taken alone in 234 pairs and the plan too in 69, and in
 * 63 of 79 sets mostly alone (issue 75, medctx75b). */
static bool
planned_taken(const notes_reading *out, const notes_finding *f)
{
	return f->kind == NOTES_MEDICINE && planned(f->context) &&
	       !restarted(f) && taken_code(out, f->code);
}

void
notes__unplan_taken(notes_reading *out)
{
	drop_where(out, planned_taken);
}

/* declined_code: does out hold code as a medicine declined ("拒绝注射
 * 胰岛素")? */
static bool
declined_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];
		const notes_entry *t;

		if (f->kind != NOTES_MEDICINE ||
		    !(f->context & NOTES_NEGATED) || strcmp(f->code, code) != 0)
			continue;
		t = notes__find(f->trigger);
		if (t != NULL && (t->dir & NOTES_DIR_DECLINE))
			return true;
	}
	return false;
}

/* undecline drops a medicine planned or proposed when the note says the
 * patient declined it ("建议起始基础胰岛素治疗，患者…拒绝注射胰岛素"):
 * the refusal is what holds. */
static void
undecline(notes_reading *out)
{
	drop_superseded(out, NOTES_MEDICINE, planned, declined_code);
}

/* avoided_in_plan_zh: is f a medicine a Chinese trigger both plans and
 * rules out ("如果入院要用抗生素，避免 Septrin", "若今后需PCP预防，禁用复方
 * 磺胺甲噁唑", "不要自行服用布洛芬")?  The writer's 避免, 禁用, 不要 is the
 * drug's verdict whatever the plan around it: every Chinese writer's
 * header reads a drug avoided or ruled out as negated, and no
 * development set annotates a medicine hypothetical and negated at once
 * (the reader read 46 such over the 44 Chinese sets, 18 of them a drug
 * annotated negated; medctx75h). */
static bool
avoided_in_plan_zh(const notes_finding *f)
{
	const unsigned both = NOTES_NEGATED | NOTES_HYPOTHETICAL;
	const unsigned other =
		NOTES_FAMILY | NOTES_UNCERTAIN | NOTES_HISTORICAL;

	return f->kind == NOTES_MEDICINE && (f->context & both) == both &&
	       !(f->context & other) && (unsigned char)f->trigger[0] >= 0x80;
}

/* unplan_avoided_zh reads a Chinese drug planned and ruled out as ruled
 * out (avoided_in_plan_zh), kept once. */
static void
unplan_avoided_zh(notes_reading *out)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		if (avoided_in_plan_zh(&f))
			f.context = NOTES_NEGATED;
		if (!notes__same_in(out, n, &f))
			out->findings[n++] = f;
	}
	out->n = n;
}

/* held_allergen: does out hold an allergy the patient has (not denied,
 * not a relative's) to code, or to a class code is a member of? */
static bool
held_allergen(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY &&
		    !(g->context & (NOTES_NEGATED | NOTES_FAMILY)) &&
		    g->code[0] != '\0' &&
		    (strcmp(g->code, code) == 0 ||
		     notes__member_of(code, g->code)))
			return true;
	}
	return false;
}

/* avoided_allergen: is f a medicine the note only says to avoid
 * ("avoid tramadol", "禁用 Bactrim", "避免使用复方磺胺甲噁唑") while it
 * holds the patient's allergy to it or to its class?  The drug is named
 * as the allergen kept away, not a medicine: most writers give it none
 * (issue 75). */
static bool
avoided_allergen(const notes_reading *out, const notes_finding *f)
{
	const notes_entry *t;

	if (f->kind != NOTES_MEDICINE || f->context != NOTES_NEGATED)
		return false;
	/* "不使用" also says what is not given ("本中心不使用含 codeine 藥物"):
	 * the writers annotate that drug as declined (allergy75ip) */
	t = notes__find(f->trigger);
	return t != NULL && (t->dir & NOTES_DIR_OWN_ITEM) &&
	       (t->dir & NOTES_DIR_STOP) && strcmp(t->key, "不使用") != 0 &&
	       held_allergen(out, f->code);
}

/* relatives_status: is f a relative's procedure or status (an organ
 * transplanted, a graft, stent or valve, a joint replaced, dialysis:
 * Z94, Z95, Z96, Z99) rather than a problem ("brother CABG at 62",
 * "mother died on dialysis")?  Writers annotate the relative's disease,
 * not the treatment it had: over the 84 development sets the reader read
 * 24 such as family that no writer annotated, where 3 notes (en-dev23,
 * en-dev24, en-dev34) annotate one (famhx75c). */
static bool
relatives_status(const notes_reading *out, const notes_finding *f)
{
	static const char *const status[] = {"Z94", "Z95", "Z96", "Z99"};

	(void)out;
	if (f->kind != NOTES_PROBLEM || !(f->context & NOTES_FAMILY))
		return false;
	for (size_t i = 0; i < sizeof(status) / sizeof(*status); i++)
		if (strncmp(f->code, status[i], 3) == 0)
			return true;
	return false;
}

/* settle_patient runs the passes over the findings of one patient. */
static void
settle_patient(notes_reading *out, const char *text, size_t len)
{
	delabel(out, text, len);
	unjudge_zh(out, text, len);
	relabel_intolerance_zh(out, text, len);
	undeny(out);
	drop_findings(out, text, len, label_denied_on_line);
	unquote_labels(out, text, len);
	undoubt(out);
	drop_findings(out, text, len, repeats_doubted_entry);
	unquery_en(out, text);
	notes__item_stops(out, text, len);
	unstop(out);
	undecline(out);
	unplan_avoided_zh(out);
	type_diabetes(out, text);
	pregnancy_hypertension(out, text, len);
	untake_doubts(out);
	drop_where(out, avoided_allergen);
	drop_where(out, relatives_status);
	notes__limb_cellulitis(out, text, len);
	notes__root_disc(out, text, len);
	notes__delirium_on_dementia(out, text, len);
	notes__iron_deficiency(out, text, len);
	notes__qualify_codes(out, text, len);
	notes__drop_unspecified(out);
}

/* PATIENTS_MAX: the most patients a handover's beds part. */
#define PATIENTS_MAX 64

/* settle_apart settles the findings of out written from byte from up to
 * byte to (the one patient's) in part, and adds what stays to kept. */
static void
settle_apart(const notes_reading *out, const char *text, size_t len,
	     uint32_t from, uint32_t to, notes_reading *part,
	     notes_reading *kept)
{
	part->n = 0;
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].start >= from &&
		    out->findings[i].start < to)
			part->findings[part->n++] = out->findings[i];
	settle_patient(part, text, len);
	memcpy(&kept->findings[kept->n], part->findings,
	       part->n * sizeof(*part->findings));
	kept->n += part->n;
}

void
notes__settle(notes_reading *out, const char *text, size_t len)
{
	static __thread notes_reading part, kept;
	uint32_t starts[PATIENTS_MAX + 1];
	size_t n = notes__patient_starts(text, len, starts + 1, PATIENTS_MAX);

	/* one bed named is the patient the note is about */
	if (n < 2) {
		settle_patient(out, text, len);
		return;
	}
	starts[0] = 0;
	kept.n = 0;
	for (size_t b = 0; b <= n; b++)
		settle_apart(out, text, len, starts[b],
			     b < n ? starts[b + 1] : UINT32_MAX, &part, &kept);
	memcpy(out->findings, kept.findings, kept.n * sizeof(*kept.findings));
	out->n = kept.n;
}

/* past_fall: is f a fall (W19, an external cause) the note does not
 * give as the event that brings the patient now: a past fall (2021年跌倒致
 * 右腕骨折), a fall feared or to prevent (预防跌倒, 跌倒风险), a relative's,
 * one denied?  Over the 88 development sets the writers code W19 only for
 * the present fall (16 affirmed, 4 historical in English, none other);
 * the reader read 17 such falls, all in the Chinese sets, that no writer
 * annotated (injury75a).  Dropped once the context model has read the
 * contexts, so that it weighs the note's problems as the rules read them. */
static bool
past_fall(const notes_reading *out, const notes_finding *f)
{
	(void)out;
	return f->kind == NOTES_PROBLEM && strcmp(f->code, "W19") == 0 &&
	       !affirmed(f->context);
}

void
notes__drop_past_falls(notes_reading *out)
{
	drop_where(out, past_fall);
}
