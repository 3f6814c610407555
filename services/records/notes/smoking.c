/*
 * smoking.c - a smoking status (issue 75): tobacco use written without
 * dependence is one problem, Z72.0 (knowledge/problems.csv), and its
 * context is the status the note gives: a current smoker affirmed, an
 * ex-smoker historical, a non-smoker negated, a relative who smokes
 * family.  The status is often written in the term's own words ("ex-
 * smoker", "non-smoker", 已戒烟) or in the words right next to it ("quit
 * smoking 2015", "Smoking: never", "吸烟40年，已戒5年"), which no trigger
 * of context.csv can carry without reaching the rest of its sentence
 * ("Ex-smoker, COPD on tiotropium": the COPD is current).
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>

/* The words of an English term that say the smoking is over, or never
 * was. */
static const char *const ex_words[] = {"ex", "exsmoker", "former", "previous",
				       "past"};
static const char *const never_words[] = {"non", "nonsmoker", "never"};
/* The first words of a term that says so in a verb's words ("does not
 * smoke", "doesn't smoke", smoke75b). */
static const char *const denied_words[] = {"does", "doesn", "do",
					   "don",  "did",   "didn"};

/* A word after "Smoking:" or "Smoker?" that answers the question. */
static const char *const answer_never[] = {"never", "no",     "nil",
					   "none",  "denies", "denied"};
/* "Smoking: non-smoker", "Smoking: ex-smoker": the heading is the
 * question, the term after it its answer. */
static const char *const heading_words[] = {
	"non",	  "nonsmoker", "ex",	   "exsmoker", "former",  "current",
	"smoker", "smokes",    "previous", "active",   "lifelong"};
/* What status_en returns for a heading the term after it answers. */
#define DROP 0x80000000u

static const char *const answer_over[] = {"quit", "stopped", "ex", "former",
					  "gave"};

/* What follows "quit smoking" when it is help offered to a current
 * smoker, not a stop done ("Quit smoking advice given"). */
static const char *const help_words[] = {
	"advice",     "advised",   "service", "services",   "referral",
	"clinic",     "team",	   "support", "counselled", "counselling",
	"counseling", "programme", "program", "discussed",  "leaflet"};

/* A drug smoked is the drug's route, not tobacco ("heroin smoked + IV",
 * "smokes cannabis occasionally", "crack smoking"). */
static const char *const drug_words[] = {
	"heroin", "cannabis",	     "weed",  "crack",	 "marijuana",
	"meth",	  "methamphetamine", "opium", "cocaine", "skunk",
	"wee",	  "spice",	     "hash",  "ganja"};

/* Chinese: the smoking still going on, whatever stop the sentence
 * tells of. */
static const char *const still_zh[] = {"未戒", "复吸", "还在抽",
				       "仍吸", "仍抽", "现每"};
/* written before a Chinese term: the smoking was in the past (既往吸烟,
 * 曾吸烟, 以前抽烟, 原吸烟30年) */
static const char *const before_zh[] = {"既往", "曾", "以前", "原", "已"};
/* written right before 戒烟: the stop is done, not advised ("2022年气胸后
 * 戒烟", "入院前1周戒烟", "2022年入职时戒烟") */
static const char *const done_zh[] = {"已", "后", "年", "周", "月", "岁", "时"};
/* written between 已 and the term: what was done is help handed out or
 * given (已发戒烟小册子, 已行戒烟宣教), no stop */
static const char *const handed_zh[] = {"发", "行", "给", "予", "做"};
/* written right before a Chinese term: no smoking (唔食煙, 冇食煙, 没抽烟) */
static const char *const not_zh[] = {"唔", "冇", "没"};

static bool
word_is(const sentence *s, size_t w, const char *const *set, size_t n)
{
	return w < s->n && notes__words_in(s, w, set, n);
}

/* first_of: is the term's first word one of set? */
static bool
first_of(const sentence *s, size_t k, const char *const *set, size_t n)
{
	return word_is(s, s->items[k].w0, set, n);
}

/* drug_smoked: is a drug named within six words before the term or
 * three after it, no comma between ("heroin smoked + IV", not "smokes
 * 10/d, weed at weekends")? */
static bool
drug_smoked(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	size_t from = w0 > 6 ? w0 - 6 : 0, to = w1 + 3 < s->n ? w1 + 3 : s->n;

	for (size_t w = from; w < to; w++) {
		uint32_t a = w < w0 ? s->words[w].end : s->items[k].end;
		uint32_t b = w < w0 ? s->items[k].start : s->words[w].start;

		if ((w < w0 || w >= w1) &&
		    word_is(s, w, drug_words, N_OF(drug_words)) &&
		    !notes__between_has(s, a, b, ',') &&
		    !notes__between_has(s, a, b, ';'))
			return true;
	}
	return false;
}

/* relative_before: is a relative the family triggers of context.csv
 * leave out named within three words before the term ("Mum smokes",
 * "dad smokes at home", "parents both smoke")?  Only a smoking status
 * reads them: as triggers they would make a patient's allergy that "Mum
 * says" a relative's. */
static bool
relative_before(const sentence *s, size_t k)
{
	static const char *const kin[] = {
		"mum",	   "mom",	  "dad",	"parents",
		"mummy",   "mommy",	  "stepfather", "stepmother",
		"partner", "nan",	  "nana",	"grandmother",
		"grandma", "grandfather", "grandad",	"grandpa",
		"husband", "wife",	  "boyfriend",	"girlfriend"};
	static const char *const reports[] = {"says",	  "said",   "reports",
					      "reported", "states", "tells"};
	size_t w0 = s->items[k].w0, from = w0 > 3 ? w0 - 3 : 0;

	/* a relative who tells of the patient's smoking is the reporter
	 * ("wife says he smokes bidi 15/day") */
	for (size_t w = from; w < w0; w++)
		if (word_is(s, w, kin, N_OF(kin)) &&
		    !word_is(s, w + 1, reports, N_OF(reports)))
			return true;
	return false;
}

/* passive: "passive smoking", "second-hand smoke", 被动吸烟: exposure to
 * another's smoke (WHO Z58.7), not the patient's own tobacco use. */
static bool
passive(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0;

	return (w0 >= 1 && strcmp(s->words[w0 - 1].key, "passive") == 0) ||
	       (w0 >= 2 && notes__words_at(s, w0 - 2, "被动"));
}

/* same_mention: is item k the object of the smoking term right before
 * it ("non-smoker of tobacco", "smoking tobacco")?  That term gives the
 * status; one a colon, a dash or a table's bar parts from k is a heading
 * k answers ("| Smoking | ex-smoker |"). */
static bool
same_mention(const sentence *s, size_t k)
{
	const item *p = k > 0 ? &s->items[k - 1] : NULL;

	return p != NULL && p->e->type == NOTES_T_PROBLEM &&
	       strcmp(p->e->code, TOBACCO_USE) == 0 &&
	       s->items[k].w0 <= p->w1 + 1 &&
	       notes__colon_at(s->text, p->end, s->items[k].start) == NULL &&
	       !notes__between_has(s, p->end, s->items[k].start, '-') &&
	       !notes__between_has(s, p->end, s->items[k].start, '|');
}

/* cell_after: where the table cell that holds text at i ends, its "|",
 * when nothing but spaces stand between (NULL otherwise). */
static const char *
cell_after(const char *text, size_t i, size_t len)
{
	while (i < len && text[i] == ' ')
		i++;
	return i < len && text[i] == '|' ? text + i : NULL;
}

/* label_cell: is Chinese item k alone in a table's cell, the next cell
 * holding the status that answers it ("| 吸烟 | 不吸烟 |")?  The first
 * cell is the question, read from its answer.  (English reads its
 * headings answered in answered_by_term.) */
static bool
label_cell(const sentence *s, size_t k)
{
	const item *it = &s->items[k];
	const char *bar = cell_after(s->text, it->end, s->text_len), *next;
	size_t m = k + 1;

	if (bar == NULL || !s->words[it->w0].han)
		return false;
	while (m < s->n_items &&
	       (s->items[m].e->type != NOTES_T_PROBLEM ||
		strcmp(s->items[m].e->code, TOBACCO_USE) != 0))
		m++;
	next = memchr(bar + 1, '|', s->text_len - (size_t)(bar + 1 - s->text));
	if (m == s->n_items ||
	    (next != NULL && next < s->text + s->items[m].start))
		return false;
	for (uint32_t i = it->start; i > 0 && s->text[i - 1] != '\n'; i--)
		if (s->text[i - 1] == '|')
			return true;
		else if (s->text[i - 1] != ' ')
			return false;
	return false;
}

/* answer_at: the letters of the word the note writes after byte i, past
 * spaces and the marks of a question answered (":", "：", "-", "?", a
 * table's "|"), copied lower case into out; false when no such mark
 * comes first ("Smoking: never", "Smoker? Quit 1998", "Smoking? - Quit
 * 2018", "Smoking：never。", "| Smoking | never |"). */
static bool
answer_at(const char *text, size_t i, size_t len, char *out, size_t cap)
{
	bool marked = false;
	size_t n = 0;

	for (;;) {
		if (i < len && strchr(" \t?:-|", text[i]) != NULL) {
			marked |= text[i] != ' ' && text[i] != '\t';
			i++;
		} else if (i + 2 < len &&
			   memcmp(text + i, "\xef\xbc\x9a", 3) == 0) {
			/* a Chinese note's full-width colon ("Smoking：
			 * never。") */
			marked = true;
			i += 3;
		} else {
			break;
		}
	}
	for (; i < len && n + 1 < cap && isalpha((unsigned char)text[i]); i++)
		out[n++] = (char)tolower((unsigned char)text[i]);
	out[n] = '\0';
	return marked && n > 0;
}

/* quit_before: "quit smoking 2015", "stopped smoking in 2011", "gave up
 * smoking": a stop done, unless it is help for one ("Quit smoking advice
 * given", "wants to quit smoking"). */
static bool
quit_before(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	size_t q;

	if (w0 >= 1 && (strcmp(s->words[w0 - 1].key, "quit") == 0 ||
			strcmp(s->words[w0 - 1].key, "stopped") == 0))
		q = w0 - 1;
	else if (w0 >= 2 && strcmp(s->words[w0 - 1].key, "up") == 0 &&
		 (strcmp(s->words[w0 - 2].key, "gave") == 0 ||
		  strcmp(s->words[w0 - 2].key, "given") == 0))
		q = w0 - 2;
	else
		return false;
	if (q >= 1 && strcmp(s->words[q - 1].key, "to") == 0)
		return false;
	return !word_is(s, w1, help_words, N_OF(help_words));
}

/* quit_after: a stop told after the term, in its clause and dated or
 * ended there ("Smoker pre-transplant, quit (Jan 2026)", "smoker -
 * stopped 2024 too"), within six words, not a wish or
 * help to stop ("smoker, wants to quit", "advised to stop") nor the stop
 * of something else ("stopped drinking"). */
static bool
quit_after(const sentence *s, size_t k)
{
	static const char *const stop[] = {"quit", "stopped"};
	static const char *const dated[] = {"in",   "at",   "aged",  "age",
					    "yrs",  "ago",  "years", "since",
					    "when", "last", "too",   "smoking"};
	size_t w1 = s->items[k].w1, to = w1 + 6 < s->n ? w1 + 6 : s->n;

	for (size_t w = w1; w < to; w++) {
		const char *next = w + 1 < s->n ? s->words[w + 1].key : "";
		size_t c = s->words[w].end;

		if (notes__between_has(s, s->items[k].end, s->words[w].start,
				       ';'))
			return false;
		if (!word_is(s, w, stop, N_OF(stop)) ||
		    (w >= 1 && strcmp(s->words[w - 1].key, "to") == 0))
			continue;
		while (c < s->text_len && s->text[c] == ' ')
			c++;
		/* the stop ends there ("quit (Jan 2026)", "quit.") or is
		 * dated */
		return c >= s->text_len ||
		       !isalpha((unsigned char)s->text[c]) ||
		       notes__among(next, dated, N_OF(dated));
	}
	return false;
}

/* answered_by_term: is the next item a smoking term of its own, the
 * answer to the heading k ("Smoking: ex-smoker"), not a bare word ("Smoking:
 * ex, quit age 25")? */
static bool
answered_by_term(const sentence *s, size_t k)
{
	const item *next = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	return next != NULL && next->e->type == NOTES_T_PROBLEM &&
	       strcmp(next->e->code, TOBACCO_USE) == 0 &&
	       next->w0 <= s->items[k].w1 + 3;
}

/* status_en: what an English term's own words say (NOTES_HISTORICAL,
 * NOTES_NEGATED or 0). */
static unsigned
status_en(const sentence *s, size_t k)
{
	char next[16];
	size_t w1 = s->items[k].w1;
	/* "Smoking status: former": the heading is two words */
	uint32_t after = w1 < s->n && strcmp(s->words[w1].key, "status") == 0
				 ? s->words[w1].end
				 : s->items[k].end;
	bool answered =
		answer_at(s->text, after, s->text_len, next, sizeof(next));

	if (first_of(s, k, never_words, N_OF(never_words)) ||
	    first_of(s, k, denied_words, N_OF(denied_words)))
		return NOTES_NEGATED;
	/* "Smoking: Mum says she doesn't smoke": the term answers the
	 * heading */
	if (answered && answered_by_term(s, k) &&
	    first_of(s, k + 1, denied_words, N_OF(denied_words)))
		return DROP;
	if (first_of(s, k, ex_words, N_OF(ex_words)))
		return NOTES_HISTORICAL;
	if (answered &&
	    notes__among(next, heading_words, N_OF(heading_words)) &&
	    answered_by_term(s, k))
		return DROP;
	if (answered && notes__among(next, answer_never, N_OF(answer_never)))
		return NOTES_NEGATED;
	if (answered && notes__among(next, answer_over, N_OF(answer_over)))
		return NOTES_HISTORICAL;
	if (quit_after(s, k))
		return NOTES_HISTORICAL;
	if (quit_before(s, k) ||
	    strcmp(s->words[s->items[k].w1 - 1].key, "smoked") == 0)
		return NOTES_HISTORICAL;
	return 0;
}

/* stop_done_zh: does word w write a stop done: 戒 after 已, 后, a date or
 * a time ago (已戒5年, 住院后戒烟, 2022年戒, 30岁戒, 1个月前戒烟), a
 * time it has lasted (戒烟5年), or 戒了 (Cantonese 戒咗), and not of
 * alcohol (已戒酒, 饮酒：戒了)? */
static bool
stop_done_zh(const sentence *s, size_t w)
{
	static const char *const ago[] = {"年", "周", "月", "天"};

	if (!notes__words_at(s, w, "戒") ||
	    (w + 1 < s->n && notes__words_at(s, w + 1, "酒")))
		return false;
	if (w + 1 < s->n && (notes__words_at(s, w + 1, "了") ||
			     notes__words_at(s, w + 1, "咗")))
		return w == 0 || !notes__words_at(s, w - 1, "酒");
	if (w >= 1 && (word_is(s, w - 1, done_zh, N_OF(done_zh)) ||
		       notes__is_year(s->words[w - 1].key)))
		return true; /* "2016 戒菸": a year written alone */
	/* 戒烟5年, 戒菸10余年: a stop that has lasted a time */
	if (w + 3 < s->n && isdigit((unsigned char)s->words[w + 2].key[0]) &&
	    (notes__words_at(s, w + 3, "年") ||
	     notes__words_at(s, w + 3, "余") ||
	     notes__words_at(s, w + 3, "多") ||
	     notes__words_at(s, w + 3, "个") ||
	     notes__words_at(s, w + 3, "月")))
		return true;
	return w >= 2 && notes__words_at(s, w - 1, "前") &&
	       word_is(s, w - 2, ago, N_OF(ago));
}

/* status_zh: what a Chinese term and its sentence say.  A smoking history
 * not said to be over is current (吸烟史20年); one the sentence says was
 * given up is past (吸烟40年，已戒5年; 不吸菸（戒了10年）), unless it says
 * it was taken up again (复吸) or not given up (未戒).  戒烟 alone is
 * advice to a current smoker (戒烟宣教, 劝戒烟), unless the stop is done
 * (已戒烟, 2022年戒烟) or kept up (继续戒烟). */
static unsigned
status_zh(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0;

	if (notes__words_any(s, 0, s->n, still_zh, N_OF(still_zh)))
		return 0;
	if (w0 >= 2 && (notes__words_at(s, w0 - 2, "继续") ||
			notes__words_at(s, w0 - 2, "保持")))
		return NOTES_HISTORICAL;
	/* 唔食煙, 冇食煙, 没抽烟: Cantonese's 不 and 没有, and the spoken
	 * 没, written right before the term (as 不吸烟, which context.csv's
	 * 不 negates) */
	if (w0 >= 1 && word_is(s, w0 - 1, not_zh, N_OF(not_zh)))
		return NOTES_NEGATED;
	for (size_t b = 1; b <= 2 && b <= w0; b++)
		if (word_is(s, w0 - b, before_zh, N_OF(before_zh)) &&
		    !(b == 2 && word_is(s, w0 - 1, handed_zh, N_OF(handed_zh))))
			return NOTES_HISTORICAL;
	for (size_t w = 0; w < s->n; w++)
		if (stop_done_zh(s, w))
			return NOTES_HISTORICAL;
	return 0;
}

bool
notes__smoking(const sentence *s, size_t k, notes_finding *f)
{
	bool zh = s->words[s->items[k].w0].han;
	unsigned own, ctx = f->context;

	if (drug_smoked(s, k) || passive(s, k) || same_mention(s, k) ||
	    label_cell(s, k))
		return false;
	own = zh ? status_zh(s, k) : status_en(s, k);
	if (own == DROP)
		return false;
	/* A smoking status is never planned or past by a trigger of the
	 * sentence ("if he stops smoking, clozapine levels rise"; "PMH:
	 * smoker"): only its own words date it. */
	ctx &= ~(NOTES_HYPOTHETICAL | NOTES_HISTORICAL);
	if (relative_before(s, k))
		ctx |= NOTES_FAMILY;
	/* help to stop (戒烟宣教, "不建议作为戒烟方法", 拒绝戒烟) is for a
	 * smoker, whatever is said of the help */
	if (zh && notes__words_at(s, s->items[k].w0, "戒烟"))
		ctx &= NOTES_FAMILY;
	if (own == NOTES_NEGATED)
		ctx = (ctx & NOTES_FAMILY) | NOTES_NEGATED;
	else if (own == NOTES_HISTORICAL && (zh || !(ctx & NOTES_NEGATED)))
		/* "never smoked" is no past smoking; 不吸菸（戒了10年） is */
		ctx = (ctx & NOTES_FAMILY) | NOTES_HISTORICAL;
	/* The status written is the writer's word: the context model
	 * neither drops nor moves it (learned.c, as a resolution's). */
	if (own != 0 || ctx != f->context || f->trigger[0] == '\0')
		f->trigger = SMOKING_STATUS;
	f->context = ctx;
	return true;
}
