/*
 * complaint.c - a symptom the note gives only as a complaint is no
 * problem.  A problem list holds what is wrong with the patient and is
 * managed: the diagnoses, and a symptom or sign only where no diagnosis
 * explains it and the writer names it as the problem (ICD-10 keeps
 * chapter XVIII, R00-R99, for "signs and symptoms ... for which no more
 * specific diagnosis can be made").  The fever, cough, pain or vomiting
 * a history, an examination or a review of systems tells ("PC: fever and
 * cough", "no chest pain", "腹痛3天") are the story of a diagnosis; on the
 * problem list they would be noise a clinician has to reject.  So a
 * symptom is reported where the writer puts it in an assessment, an
 * impression or a diagnosis list ("Imp: chest pain ?ACS", "诊断：1.发热
 * 待查"), and not elsewhere.  Two kinds of chapter XVIII stay wherever they
 * are read: a state treated in its own right (urinary retention, shock,
 * convulsions, ascites, dysphagia, falls: managed_states) and an abnormal
 * result (R70-R99: "hyperglycaemia", "proteinuria").  The reader still
 * reads every symptom with its context (notes__read_rules), for an
 * allergy's reaction and the context model; this step only leaves the
 * complaints out of the problems it reports.
 */
#include "notes_int.h"

#include <string.h>
#include <strings.h>

/* The categories of R00-R69 that are states treated in their own right
 * (a catheter for retention, vasopressors for shock, a falls plan),
 * listed as problems wherever a note names them. */
static const char *const managed_states[] = {
	"R02", /* gangrene */
	"R13", /* dysphagia */
	"R15", /* faecal incontinence */
	"R18", /* ascites */
	"R26", /* abnormalities of gait and mobility */
	"R29", /* falls, other nervous and musculoskeletal signs */
	"R32", /* urinary incontinence */
	"R33", /* retention of urine */
	"R34", /* anuria and oliguria */
	"R47", /* dysphasia, dysarthria */
	"R54", /* senility, frailty */
	"R56", /* convulsions */
	"R57", /* shock */
	"R62", /* lack of expected development */
	"R64", /* cachexia */
	"R65", /* systemic inflammatory response syndrome */
};

/* Words of a heading that name an assessment or a diagnosis list,
 * compared without case. */
static const char *const assessing_en[] = {
	"impression", "assessment", "diagnos", "problem", "issues",
	"a/p",	      "a&p",	    "a+p",     "ddx",
};

/* Headings that are an assessment or diagnosis list as a whole word
 * ("Imp:", "Dx:", SOAP's "A:"). */
static const char *const assessing_abbrev[] = {"imp", "dx", "a"};

/* Chinese words of such a heading, simplified and traditional:
 * 诊断/診斷 (diagnosis), 印象 (impression), 评估/評估 (assessment),
 * 问题/問題 (problems). */
static const char *const assessing_zh[] = {
	"\xe8\xaf\x8a\xe6\x96\xad", "\xe8\xa8\xba\xe6\x96\xb7",
	"\xe5\x8d\xb0\xe8\xb1\xa1", "\xe8\xaf\x84\xe4\xbc\xb0",
	"\xe8\xa9\x95\xe4\xbc\xb0", "\xe9\x97\xae\xe9\xa2\x98",
	"\xe5\x95\x8f\xe9\xa1\x8c",
};

/* Words that make such a heading a list of the symptoms themselves: a
 * nursing or pain assessment, a risk score, the grounds of a diagnosis
 * (诊断依据/診斷依據 lists the complaints that support it). */
static const char *const symptom_lists[] = {
	"nursing",
	"pain",
	"risk",
	"\xe6\x8a\xa4\xe7\x90\x86", /* 护理 */
	"\xe8\xad\xb7\xe7\x90\x86", /* 護理 */
	"\xe7\x96\xbc\xe7\x97\x9b", /* 疼痛 */
	"\xe9\xa3\x8e\xe9\x99\xa9", /* 风险 */
	"\xe9\xa2\xa8\xe9\x9a\xaa", /* 風險 */
	"\xe4\xbe\x9d\xe6\x8d\xae", /* 依据 */
	"\xe4\xbe\x9d\xe6\x93\x9a", /* 依據 */
};

/* complaint_code: is code a symptom of ICD-10 R00-R69 other than a state
 * treated in its own right? */
static bool
complaint_code(const char *code)
{
	if (!notes__felt_symptom_code(code))
		return false;
	for (size_t i = 0; i < N_OF(managed_states); i++)
		if (strncmp(code, managed_states[i], 3) == 0)
			return false;
	return true;
}

/* is_abbrev_heading: is text[from, to), less blanks, a bullet and a
 * closing bracket, one of the assessing abbreviations? */
static bool
is_abbrev_heading(const char *text, size_t from, size_t to)
{
	while (from < to && strchr(" \t-*", text[from]) != NULL)
		from++;
	while (to > from && strchr(" \t)", text[to - 1]) != NULL)
		to--;
	for (size_t i = 0; i < N_OF(assessing_abbrev); i++)
		if (to - from == strlen(assessing_abbrev[i]) &&
		    strncasecmp(text + from, assessing_abbrev[i], to - from) ==
			    0)
			return true;
	return false;
}

/* assessing_heading: is text[from, to) the heading of an assessment or a
 * diagnosis list? */
static bool
assessing_heading(const char *text, size_t from, size_t to)
{
	if (from == to || notes__text_holds_any(text, from, to, symptom_lists,
						N_OF(symptom_lists)))
		return false;
	return is_abbrev_heading(text, from, to) ||
	       notes__text_holds_any(text, from, to, assessing_en,
				     N_OF(assessing_en)) ||
	       notes__text_holds_any(text, from, to, assessing_zh,
				     N_OF(assessing_zh));
}

/* named_by_heading: is finding f under the heading of an assessment or
 * a diagnosis list? */
static bool
named_by_heading(const char *text, size_t len, const notes_finding *f)
{
	size_t from, to;

	if (f->start >= len)
		return false;
	notes__heading_of(text, f->start, &from, &to);
	return assessing_heading(text, from, to);
}

/* given_as_complaint: is finding f a symptom its heading does not name
 * as a problem? */
static bool
given_as_complaint(const char *text, size_t len, const notes_finding *f)
{
	return f->kind == NOTES_PROBLEM && complaint_code(f->code) &&
	       f->start < len && !named_by_heading(text, len, f);
}

bool
notes__named_symptom(const char *text, size_t len, const notes_finding *f)
{
	return f->kind == NOTES_PROBLEM && notes__felt_symptom_code(f->code) &&
	       named_by_heading(text, len, f);
}

void
notes__drop_complaints(const char *text, size_t len, notes_reading *out)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++)
		if (!given_as_complaint(text, len, &out->findings[i]))
			out->findings[n++] = out->findings[i];
	out->n = n;
}
