/*
 * culture.c - a drug named in a culture's susceptibility result (issue
 * 75): "MSU: E. coli, sensitive to nitrofurantoin, resistant to
 * trimethoprim", "Sputum: H. influenzae, sens to doxy + co-amox, resistant
 * amoxicillin", "(sens: ceftriaxone, cipro, gentamicin; R amoxicillin)",
 * "Augmentin R、Ceftriaxone R", "尿培养：大肠埃希菌，对左氧氟沙星耐药，对头孢
 * 曲松敏感".  The result says what the organism does with the drug, not
 * that the patient takes it: no writer of the development sets lists such
 * a drug as a medicine unless the note also says it is given, which
 * another mention of it then tells.  "Sensitive to" alone is no result
 * ("sensitive to penicillin" is an allergy, "佢嘅女兒對 Bactrim 敏感" a
 * daughter's): the line must name a culture, a sample or an organism.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>

/* The words of a line that give a culture's result: the culture, the
 * sample, the test, the organism (compared without case). */
static const char *const culture_words[] = {"culture",
					    "grew",
					    "growing",
					    "isolate",
					    "organism",
					    "sputum",
					    "msu",
					    "swab",
					    "esbl",
					    "mrsa",
					    "mssa",
					    "e. coli",
					    "e.coli",
					    "klebs",
					    "pseudomonas",
					    "aureus",
					    "staph",
					    "enterococ",
					    "proteus",
					    "influenzae",
					    "serratia",
					    "enterobacter",
					    "acinetobacter",
					    "sensitivities",
					    "susceptibil",
					    "bacteraemia",
					    "bacteremia",
					    "\xe5\x9f\xb9\xe5\x85\xbb",
					    "\xe5\x9f\xb9\xe9\xa4\x8a",
					    "\xe8\x8f\x8c",
					    "\xe8\x8d\xaf\xe6\x95\x8f",
					    "\xe8\x97\xa5\xe6\x95\x8f"};
/* 培养, 培養: culture; 菌: a germ's name (大肠埃希菌, 铜绿假单胞菌); 药敏,
 * 藥敏: the susceptibility test. */

/* What ends the words before a result's first drug ("sensitive to
 * nitrofurantoin", "sens: ceftriaxone", "R amoxicillin", "S to
 * oxacillin"), compared without case, spaces left out; a one-letter mark
 * must stand alone. */
static const char *const result_leads[] = {
	"sensitiveto",	 "sensto",	"sensitive:", "sens:",	      "sens",
	"susceptibleto", "resistantto", "resistant",  "resistanceto", "sto",
	"rto",		 "r",		"s",	      "r:",	      "s:",
	"intermediate"};
/* What follows a Chinese result's drugs at once: 敏感, 耐药 (耐藥), 中介
 * ("对美罗培南、阿米卡星敏感", "对左氧氟沙星耐药", "青霉素敏感"); 对 before
 * them is optional, and "对青霉素过敏" is no result. */
static const char *const zh_tails[] = {"\xe6\x95\x8f\xe6\x84\x9f",
				       "\xe8\x80\x90\xe8\x8d\xaf",
				       "\xe8\x80\x90\xe8\x97\xa5",
				       "\xe4\xb8\xad\xe4\xbb\x8b",
				       "\xe5\x9d\x87\xe6\x95\x8f\xe6\x84\x9f",
				       "\xe5\x9d\x87\xe8\x80\x90\xe8\x8d\xaf"};
/* What joins the drugs of one result ("doxy + co-amox", "美罗培南、厄他培南
 * 、阿米卡星"), spaces left out. */
static const char *const result_joins[] = {",",
					   "+",
					   "/",
					   "and",
					   "or",
					   "&",
					   "\xe3\x80\x81",
					   "\xef\xbc\x8c",
					   "\xe5\x92\x8c",
					   "\xe5\x8f\x8a"};

/* line_of: the bounds [*from, *to) of the line holding byte at. */
static void
line_of(const sentence *s, uint32_t at, uint32_t *from, uint32_t *to)
{
	const char *nl = memchr(s->text + at, '\n', s->text_len - at);

	*from = at;
	while (*from > 0 && s->text[*from - 1] != '\n')
		(*from)--;
	*to = nl ? (uint32_t)(nl - s->text) : (uint32_t)s->text_len;
}

/* names_culture: does text[from, to) name a culture, a sample or an
 * organism? */
static bool
names_culture(const sentence *s, uint32_t from, uint32_t to)
{
	char line[1024];
	size_t n = to - from < sizeof(line) - 1 ? to - from : sizeof(line) - 1;

	for (size_t i = 0; i < n; i++)
		line[i] = (char)tolower((unsigned char)s->text[from + i]);
	line[n] = '\0';
	for (size_t i = 0; i < N_OF(culture_words); i++)
		if (strstr(line, culture_words[i]) != NULL)
			return true;
	return false;
}

/* joined: are drug items a < b written one after the other in a result's
 * list, nothing but a join between them? */
static bool
joined(const sentence *s, size_t a, size_t b)
{
	return is_drug(&s->items[a]) && is_drug(&s->items[b]) &&
	       notes__gap_in(s, s->items[a].end, s->items[b].start,
			     result_joins, N_OF(result_joins));
}

/* ends_with_lead: does the text before byte at, back to the line's start
 * (from), end with one of result_leads, a whole word? */
static bool
ends_with_lead(const sentence *s, uint32_t from, uint32_t at)
{
	uint32_t i = at;

	while (i > from && (s->text[i - 1] == ' ' || s->text[i - 1] == '('))
		i--;
	for (size_t l = 0; l < N_OF(result_leads); l++) {
		const char *lead = result_leads[l];
		size_t len = strlen(lead);
		uint32_t j = i, got = 0;

		/* the last len letters before i, spaces left out */
		while (j > from && got < len) {
			j--;
			if (s->text[j] != ' ')
				got++;
		}
		if (got < len || !notes__gap_in(s, j, i, &lead, 1))
			continue;
		if (j == from || !isalpha((unsigned char)s->text[j - 1]))
			return true;
	}
	return false;
}

/* marked_after: is drug item k followed by a lone R or S ("Augmentin R、
 * Ceftriaxone R", "amoxicillin (R)")? */
static bool
marked_after(const sentence *s, size_t k, uint32_t to)
{
	uint32_t i = s->items[k].end;

	while (i < to && (s->text[i] == ' ' || s->text[i] == '('))
		i++;
	if (i >= to || (s->text[i] != 'R' && s->text[i] != 'S'))
		return false;
	i++;
	return i == to || !isalnum((unsigned char)s->text[i]);
}

/* zh_result: is the run of drugs ending with item last followed at once
 * by a Chinese result ("对头孢曲松、哌拉西林他唑巴坦敏感")? */
static bool
zh_result(const sentence *s, size_t last, uint32_t to)
{
	uint32_t end = s->items[last].end;

	for (size_t t = 0; t < N_OF(zh_tails); t++) {
		size_t len = strlen(zh_tails[t]);

		if (end + len <= to &&
		    memcmp(s->text + end, zh_tails[t], len) == 0)
			return true;
	}
	return false;
}

/* notes__susceptibility_result: is drug item k one of the drugs of a
 * culture's susceptibility result? */
bool
notes__susceptibility_result(const sentence *s, size_t k)
{
	size_t first = k, last = k;
	uint32_t from, to;

	if (!is_drug(&s->items[k]))
		return false;
	line_of(s, s->items[k].start, &from, &to);
	while (first > 0 && joined(s, first - 1, first))
		first--;
	while (last + 1 < s->n_items && joined(s, last, last + 1))
		last++;
	/* the line's words are searched last: most drugs have no mark */
	return (ends_with_lead(s, from, s->items[first].start) ||
		marked_after(s, k, to) || zh_result(s, last, to)) &&
	       names_culture(s, from, to);
}
