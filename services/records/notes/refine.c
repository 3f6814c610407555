/*
 * refine.c - one problem named twice, once with its unspecified code:
 * "Type 2 diabetes mellitus (HbA1c 69) ... diet for her diabetes" is one
 * condition, E11, not E11 and E14.9.  A note names a condition exactly
 * once or twice and then refers back to it with the general word ("her
 * diabetes", "the pneumonia", "贫血"), so the unspecified code of a
 * problem whose specific code the note already holds, in the same
 * context, adds nothing to the problem list but a duplicate to confirm.
 *
 * REFINED maps each unspecified code the problem vocabulary gives
 * (knowledge/problems.csv) to the codes that specify it: the WHO ICD-10
 * 2019 block or category it heads (icd.who.int/browse10), plus the
 * category elsewhere in the classification that names the same condition
 * more precisely (diabetes in pregnancy, O24, under E14.9).  A code
 * matches a prefix when it starts with it ("E11" covers "E11.9"), and a
 * code never refines itself.  Only a restatement is dropped: where the
 * specific code names another condition beside the general one (COPD,
 * J44, with an exacerbation, J44.1; ischaemic heart disease, I25, with
 * an old infarct, I25.2) writers list both, so J44.9 and I25.9 have no
 * row.
 *
 * Before that, notes__limb_cellulitis narrows one unspecified code by
 * the words around it: cellulitis written with a limb part ("cellulitis
 * R lower leg", 右下肢蜂窩性組織炎) is L03.1, cellulitis of limb; and
 * notes__root_disc reads a disc displacement written on one line with
 * the root it presses on ("L4/5 disc prolapse with left L5
 * radiculopathy", 腰椎间盘突出，右侧坐骨神经痛) as M51.1, the disc
 * disorder with radiculopathy, unless the root is in a negation's scope
 * as the reader reads a problem's ("no leg pain or sciatica").
 * notes__delirium_on_dementia reads the delirium (F05.9) of a patient
 * whose note affirms a dementia (F00-F03, G30) as delirium superimposed
 * on dementia, F05.1, as ICD-10 codes it.
 */
#include <ctype.h>
#include <stdbool.h>
#include <strings.h>
#include <string.h>

#include "reader_int.h"

typedef struct refinement {
	const char *unspecified;
	const char *const *by; /* code prefixes, NULL-terminated */
} refinement;

#define BY(...) ((const char *const[]){__VA_ARGS__, NULL})

static const refinement REFINED[] = {
	/* E10-E14 Diabetes mellitus; O24 in pregnancy */
	{"E14.9", BY("E10", "E11", "E12", "E13", "E14", "O24")},
	/* J12-J18 Pneumonia */
	{"J18.9", BY("J12", "J13", "J14", "J15", "J16", "J17", "J18")},
	/* I60-I64 Cerebrovascular diseases: I64 "not specified as
	 * haemorrhage or infarction" */
	{"I64", BY("I60", "I61", "I62", "I63")},
	/* D50-D64 Anaemias; the sickle-cell trait, D57.3, is no anaemia
	 * and a carrier's anaemia is listed beside it */
	{"D64.9",
	 BY("D50", "D51", "D52", "D53", "D55", "D56", "D57.0", "D57.1", "D57.2",
	    "D57.8", "D58", "D59", "D60", "D61", "D62", "D63", "D64")},
	/* N18 Chronic kidney disease, by stage */
	{"N18.9", BY("N18")},
	/* I50 Heart failure */
	{"I50.9", BY("I50")},
	/* I21 Acute myocardial infarction; I22 subsequent */
	{"I21.9", BY("I21", "I22")},
	/* J45 Asthma; J46 status asthmaticus */
	{"J45.9", BY("J45", "J46")},
	/* F32 Depressive episode; F33 recurrent */
	{"F32.9", BY("F32", "F33")},
	/* E03 Other hypothyroidism */
	{"E03.9", BY("E03")},
	/* E78 Disorders of lipoprotein metabolism */
	{"E78.5", BY("E78")},
	/* L03 Cellulitis */
	{"L03.9", BY("L03")},
	/* A40-A41 Sepsis */
	{"A41.9", BY("A40", "A41")},
	/* G62 Other polyneuropathies; diabetic polyneuropathy (E10-E14 .4) */
	{"G62.9", BY("G62", "E10.4", "E11.4", "E12.4", "E13.4", "E14.4")},
	/* Z72.0 Tobacco use, which excludes F17.2: a smoker whose
	 * dependence the note writes ("Smoker 15/day - tobacco
	 * dependence") is coded once, at the dependence */
	{"Z72.0", BY("F17.2")},
	/* M54.1 Radiculopathy, which excludes the radiculopathy of a
	 * cervical or other intervertebral disc disorder (M50.1, M51.1):
	 * "L5 radiculopathy from the L4/5 disc prolapse" is coded at the
	 * disc */
	{"M54.1", BY("M50", "M51")},
};

/* refines: is code one of r's more specific codes? */
static bool
refines(const refinement *r, const char *code)
{
	if (strcmp(code, r->unspecified) == 0)
		return false;
	for (const char *const *p = r->by; *p != NULL; p++)
		if (strncmp(code, *p, strlen(*p)) == 0)
			return true;
	return false;
}

/* refinement_of returns the row of REFINED for the unspecified code, or
 * NULL. */
static const refinement *
refinement_of(const char *code)
{
	for (size_t i = 0; i < sizeof(REFINED) / sizeof(REFINED[0]); i++)
		if (strcmp(REFINED[i].unspecified, code) == 0)
			return &REFINED[i];
	return NULL;
}

/* specified_elsewhere: does out hold a problem that specifies f, in f's
 * context? */
static bool
specified_elsewhere(const notes_reading *out, const notes_finding *f)
{
	const refinement *r;

	if (f->kind != NOTES_PROBLEM || (r = refinement_of(f->code)) == NULL)
		return false;
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_PROBLEM && g->context == f->context &&
		    refines(r, g->code))
			return true;
	}
	return false;
}

void
notes__drop_unspecified(notes_reading *out)
{
	bool drop[NOTES_FINDINGS_MAX];
	size_t n = 0;

	/* decided on the whole reading first, so that what is dropped
	 * never changes what is compared */
	for (size_t i = 0; i < out->n; i++)
		drop[i] = specified_elsewhere(out, &out->findings[i]);
	for (size_t i = 0; i < out->n; i++)
		if (!drop[i])
			out->findings[n++] = out->findings[i];
	out->n = n;
}

/* after_words: does text at p, past spaces, start with one of words (a
 * whole ASCII word, any case)?  Returns its end, or NULL. */
static const char *
after_words(const char *p, const char *end, const char *const *words)
{
	while (p < end && *p == ' ')
		p++;
	for (const char *const *w = words; *w != NULL; w++) {
		size_t n = strlen(*w);

		if ((size_t)(end - p) >= n && strncasecmp(p, *w, n) == 0 &&
		    (p + n == end || !isalpha((unsigned char)p[n])))
			return p + n;
	}
	return NULL;
}

/* limb_after: "cellulitis L leg", "cellulitis of the right lower leg",
 * "cellulitis R foot": a side (or "of [the]") then a limb part. */
static bool
limb_after(const char *p, const char *end)
{
	static const char *const of[] = {"of the", "of", NULL};
	static const char *const side[] = {"left", "right", "lt", "rt",
					   "l",	   "r",	    NULL};
	static const char *const level[] = {"lower", "upper", NULL};
	static const char *const limb[] = {"leg",     "legs", "arm",  "arms",
					   "foot",    "calf", "shin", "thigh",
					   "forearm", "limb", NULL};
	const char *q;

	if ((q = after_words(p, end, of)) != NULL)
		p = q;
	if ((q = after_words(p, end, side)) != NULL)
		p = q;
	if ((q = after_words(p, end, level)) != NULL)
		p = q;
	return after_words(p, end, limb) != NULL;
}

/* limb_before: 右下肢蜂窩性組織炎, 左腳蜂窩性組織炎: a limb part right
 * before the Chinese term. */
static bool
limb_before(const char *text, uint32_t start)
{
	static const char *const limb[] = {
		"下肢", "小腿", "大腿", "上肢", "前臂", "足", "脚", "腳", NULL};

	for (const char *const *w = limb; *w != NULL; w++) {
		size_t n = strlen(*w);

		if (start >= n && memcmp(text + start - n, *w, n) == 0)
			return true;
	}
	return false;
}

bool
notes__same_in(const notes_reading *out, size_t n, const notes_finding *f)
{
	for (size_t i = 0; i < n; i++)
		if (out->findings[i].kind == f->kind &&
		    out->findings[i].context == f->context &&
		    strcmp(out->findings[i].code, f->code) == 0)
			return true;
	return false;
}

/* narrows_fn: do the words around f narrow its code? */
typedef bool (*narrows_fn)(const char *text, size_t len,
			   const notes_finding *f);

/* narrow_problem: every problem coded wide whose words narrow it becomes
 * the code narrow (display its title), keeping one finding of each code
 * and context. */
static void
narrow_problem(notes_reading *out, const char *text, size_t len,
	       const char *wide, const char *narrow, const char *display,
	       narrows_fn narrows)
{
	size_t n = 0;

	for (size_t i = 0; i < out->n; i++) {
		notes_finding f = out->findings[i];

		if (f.kind == NOTES_PROBLEM && strcmp(f.code, wide) == 0 &&
		    narrows(text, len, &f)) {
			f.code = narrow;
			f.display = display;
		}
		if (!notes__same_in(out, n, &f))
			out->findings[n++] = f;
	}
	out->n = n;
}

/* limb_named: is a limb written next to the finding? */
static bool
limb_named(const char *text, size_t len, const notes_finding *f)
{
	return (f->end < len && limb_after(text + f->end, text + len)) ||
	       limb_before(text, f->start);
}

void
notes__limb_cellulitis(notes_reading *out, const char *text, size_t len)
{
	narrow_problem(out, text, len, "L03.9", "L03.1",
		       "Cellulitis of other parts of limb", limb_named);
}

/* ROOT_WORDS: what a line says of a nerve root a disc presses on; ASCII
 * words match in any case, as the start of a word ("radicular",
 * "radiculopathy"). */
static const char *const ROOT_WORDS[] = {"radicul",    "sciatica", "nerve root",
					 "神经根",     "神經根",   "坐骨神经痛",
					 "坐骨神經痛", NULL};

/* word_start: does text + i begin a word (no letter before it)? */
static bool
word_start(const char *text, size_t i)
{
	return i == 0 || !isalpha((unsigned char)text[i - 1]);
}

/* root_denied: is the root word at text[i, i + n) denied (its line read
 * from from): in the scope of a negation, as the reader reads a
 * problem's ("no sciatica", "denies leg pain or sciatica",
 * 无坐骨神经痛)?  The word is read as radiculopathy where the reader
 * read no problem at it ("no nerve root compression").  A root denied
 * is no radiculopathy. */
static bool
root_denied(const char *text, size_t len, size_t from, size_t i, size_t n)
{
	const notes_entry *root = notes__find("radiculopathy");

	return root != NULL &&
	       notes__negated_as(root, text, len, from, (uint32_t)i,
				 (uint32_t)(i + n));
}

/* line_names_root: does the line of text around [start, end) name a nerve
 * root (ROOT_WORDS) and not deny it? */
static bool
line_names_root(const char *text, size_t len, uint32_t start, uint32_t end)
{
	size_t from = start, to = end;

	while (from > 0 && text[from - 1] != '\n')
		from--;
	while (to < len && text[to] != '\n')
		to++;
	for (const char *const *w = ROOT_WORDS; *w != NULL; w++) {
		size_t n = strlen(*w);

		for (size_t i = from; i + n <= to; i++)
			if (strncasecmp(text + i, *w, n) == 0 &&
			    word_start(text, i) &&
			    !root_denied(text, len, from, i, n))
				return true;
	}
	return false;
}

/* root_named: does the finding's line name a nerve root? */
static bool
root_named(const char *text, size_t len, const notes_finding *f)
{
	return line_names_root(text, len, f->start, f->end);
}

void
notes__root_disc(notes_reading *out, const char *text, size_t len)
{
	narrow_problem(out, text, len, "M51.2", "M51.1",
		       "Lumbar and other intervertebral disc disorders with "
		       "radiculopathy",
		       root_named);
}

/* DEMENTIAS: the code prefixes of a dementia (F00-F03) and of
 * Alzheimer's disease (G30). */
static const char *const DEMENTIAS[] = {"F00", "F01", "F02",
					"F03", "G30", NULL};

/* holds_dementia: does out hold an affirmed dementia? */
static bool
holds_dementia(const notes_reading *out)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind != NOTES_PROBLEM || f->context != 0)
			continue;
		for (const char *const *p = DEMENTIAS; *p != NULL; p++)
			if (strncmp(f->code, *p, strlen(*p)) == 0)
				return true;
	}
	return false;
}

/* delirium_had: is the delirium f the patient's now (not denied, past, a
 * relative's or a plan's)?  A past episode stays F05.9: the writers code
 * it so. */
static bool
delirium_had(const char *text, size_t len, const notes_finding *f)
{
	(void)text;
	(void)len;
	return (f->context & (NOTES_NEGATED | NOTES_HISTORICAL | NOTES_FAMILY |
			      NOTES_HYPOTHETICAL)) == 0;
}

void
notes__delirium_on_dementia(notes_reading *out, const char *text, size_t len)
{
	if (holds_dementia(out))
		narrow_problem(out, text, len, "F05.9", "F05.1",
			       "Delirium superimposed on dementia",
			       delirium_had);
}

/* ANAEMIA_DENIED: what a writer puts after iron deficiency to say the
 * anaemia is not there ("Iron deficiency without anaemia", "Iron
 * deficiency (ferritin 9) without anaemia", 铁缺乏（不伴贫血）). */
static const char *const ANAEMIA_DENIED[] = {
	"without anaemia", "without anemia", "不伴贫血", "无贫血", NULL};

/* clause_end returns where the part of the line that starts at i ends: a
 * full stop or semicolon, ASCII or Chinese, or the line's end. */
static size_t
clause_end(const char *text, size_t len, size_t i)
{
	static const char *const ends[] = {". ", ".\n", ";", "。",
					   "；", "\n",	NULL};

	for (; i < len; i++)
		for (const char *const *e = ends; *e != NULL; e++)
			if (strncmp(text + i, *e, strlen(*e)) == 0)
				return i;
	return len;
}

/* anaemia_denied_after: does the finding's clause, after it, say the
 * anaemia is not there? */
static bool
anaemia_denied_after(const char *text, size_t len, const notes_finding *f)
{
	size_t to = clause_end(text, len, f->end);

	for (const char *const *w = ANAEMIA_DENIED; *w != NULL; w++) {
		size_t n = strlen(*w);

		for (size_t i = f->end; i + n <= to; i++)
			if (strncasecmp(text + i, *w, n) == 0)
				return true;
	}
	return false;
}

/* denied_with_deficiency: is f the anaemia an iron deficiency's clause
 * denies (a negated D64.9 after an E61.1 on its line)?  It says what
 * the deficiency is not, no problem of its own. */
static bool
denied_with_deficiency(const notes_reading *out, const char *text,
		       const notes_finding *f)
{
	if (f->kind != NOTES_PROBLEM || strcmp(f->code, "D64.9") != 0 ||
	    !(f->context & NOTES_NEGATED))
		return false;
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (strcmp(g->code, "E61.1") == 0 && g->end <= f->start &&
		    memchr(text + g->end, '\n', f->start - g->end) == NULL)
			return true;
	}
	return false;
}

void
notes__iron_deficiency(notes_reading *out, const char *text, size_t len)
{
	bool drop[NOTES_FINDINGS_MAX];
	size_t n = 0;

	narrow_problem(out, text, len, "D50.9", "E61.1", "Iron deficiency",
		       anaemia_denied_after);
	for (size_t i = 0; i < out->n; i++)
		drop[i] = denied_with_deficiency(out, text, &out->findings[i]);
	for (size_t i = 0; i < out->n; i++)
		if (!drop[i])
			out->findings[n++] = out->findings[i];
	out->n = n;
}

bool
notes__narrowed_by_words(const char *code)
{
	static const char *const narrowed[] = {"M51.1", "L03.1", "E61.1", NULL};

	for (const char *const *c = narrowed; *c != NULL; c++)
		if (strcmp(code, *c) == 0)
			return true;
	return false;
}
