/*
 * verdict.c - what a whole sentence says about the allergies already
 * read: "not an allergy" of a drug before it, an allergy that was a
 * relative's, a doubt of a kept label, a label removed (de-labelling), a
 * bare denial, a class cleared by a member tolerated.  These run after a
 * sentence's items are read (reader.c, sentence_read) and change the
 * findings it added.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* bullet_at: does a list bullet ("-", "*", "\u2022", "3." or "3)") open
 * the text at p? */
static bool
bullet_at(const char *p)
{
	if (*p == '-' || *p == '*' || (unsigned char)*p == 0xe2)
		return true;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '.' || *p == ')';
}

/* records_intolerance: does s record an intolerance ("Morphine -
 * vomiting (intolerance, not allergy per pt)") for drug d?  Then its "not
 * allergy" says what kind of reaction it was, not that there was none.
 * An intolerance in a clause a semicolon ends before d is another list
 * entry's ("Doxycycline - photosensitivity - intolerance; ...
 * prednisolone ... - side effects, not an allergy"). */
static bool
records_intolerance(const sentence *s, const item *d)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(s->items[j].e->key, "intoleran") != NULL &&
		    !(d != NULL && s->items[j].end <= d->start &&
		      notes__between_has(s, s->items[j].end, d->start, ';')))
			return true;
	return false;
}

/* paren_drug returns the drug right before the parenthesis that cue
 * item j of s sits in, or NULL when j is outside parentheses or no drug
 * comes before the one it sits in: a remark in parentheses is about what
 * it follows ("clozapine 350 mg nocte, lithium stopped 2024 (tremor +
 * polyuria - not an allergy)": lithium's, not clozapine's).  A drug the
 * patient was switched to is passed over: the remark is about the one
 * given up ("Eliquis - caused a nosebleed, her GP switched her to
 * warfarin 2024 (... it's a side effect really ...)"). */
static const item *
paren_drug(const sentence *s, size_t j)
{
	for (size_t m = j; m-- > 0;) {
		if ((s->items[m].e->type != NOTES_T_SUBSTANCE &&
		     s->items[m].e->type != NOTES_T_CLASS) ||
		    notes__switched_to(s, m))
			continue;
		return notes__opens_after_item(s, m, j) ? &s->items[m] : NULL;
	}
	return NULL;
}

/* paren_from_prior: does item j of s sit in an ASCII parenthesis opened
 * after the paragraph's last drug before s, lines back ("olanzapine ?\n
 * (weight gain, a side effect;\nI have asked pharmacy to remove it from
 * the allergy list)": the wrapped remark is olanzapine's)?  One s opens
 * after the first word of its own bullet is the bullet's ("- Note (not
 * allergies): avoid haloperidol", allergy75hq), no remark on the drug
 * lines back. */
static bool
paren_from_prior(const sentence *s, size_t j)
{
	return (!notes__bulleted(s) ||
		notes__ascii_paren_open(s->text, s->prior_last.end,
					s->words[0].start)) &&
	       notes__ascii_paren_open(s->text, s->prior_last.end,
				       s->items[j].start);
}

/* allergic_sign: is item it a manifestation of a true allergy (a reaction
 * cues.csv marks allergic_sign: the WAO nomenclature's and FHIR's
 * "anaphylaxis", "hives", "过敏性休克"), not a side effect ("diarrhoea",
 * "胃不适") or an itch that may be the drug's histamine effect? */
static bool
allergic_sign(const item *it)
{
	return it->e->type == NOTES_T_REACTION &&
	       (it->e->dir & NOTES_DIR_ALLERGIC_SIGN) != 0;
}

/* own_allergy: does an allergic sign stand after byte from and before
 * byte to of s (a drug's own story, told before the next drug)? */
static bool
own_allergy(const sentence *s, uint32_t from, uint32_t to)
{
	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].start >= from && s->items[m].start < to &&
		    allergic_sign(&s->items[m]))
			return true;
	return false;
}

/* told_tolerated: is drug item m told as taken without harm, by a
 * tolerance cue right before it ("tolerated amoxicillin") or after it
 * before the next drug or item j ("amoxicillin ... without any
 * problem")? */
static bool
told_tolerated(const sentence *s, size_t m, size_t j)
{
	if (m > 0 && s->items[m - 1].e->type == NOTES_T_TOLERATED)
		return true;
	for (size_t k = m + 1; k < j && !is_drug(&s->items[k]); k++)
		if (s->items[k].e->type == NOTES_T_TOLERATED)
			return true;
	return false;
}

/* verdict_subject returns the drug, from item d on, that a verdict at
 * item j speaks of: past each drug whose own story before the next drug
 * tells a true allergy, to a drug not told as tolerated ("Penicillin
 * allergy (anaphylaxis); co-amoxiclav - diarrhoea, not an allergy":
 * co-amoxiclav's, never the penicillin's).  A drug told as taken without
 * harm is evidence for the verdict, not its subject ("PCN - listed
 * from a childhood rash, but she completed a full course of amoxicillin
 * ... without any problem; not a true allergy": the penicillin's). */
static size_t
verdict_subject(const sentence *s, size_t d, size_t j)
{
	for (size_t m = d + 1; m < j; m++) {
		if (!is_drug(&s->items[m]) || told_tolerated(s, m, j) ||
		    notes__switched_to(s, m))
			continue;
		if (!own_allergy(s, s->items[d].end, s->items[m].start))
			break;
		d = m;
	}
	return d;
}

/* clause_first_drug returns the first drug of the clause of cue item j
 * when an earlier clause of s, ended by a semicolon, names a drug too: a
 * list's entries are its clauses, and a verdict speaks of its own
 * entry's drug ("\"Amoxicillin - ok\"; ... low mood on prednisolone
 * courses - side effects, not an allergy": the prednisolone's), not a
 * drug switched to ("... itchy on the morphine PCA; ... settled with a
 * switch to oxycodone - this is a known side effect, not an allergy":
 * the morphine's, rules75en22), nor a drug told as taken without harm,
 * the verdict's evidence ("Penicillin: on her record ...; she has had
 * amoxicillin twice ... with no reaction, so I have recorded this as not
 * a true allergy": the penicillin's, allergy75od).  d is the sentence's
 * first drug; it is returned when the clause names none. */
static size_t
clause_first_drug(const sentence *s, size_t d, size_t j)
{
	for (size_t m = d + 1; m < j; m++)
		if (is_drug(&s->items[m]) && !notes__switched_to(s, m) &&
		    !told_tolerated(s, m, j) &&
		    notes__between_has(s, s->items[d].end, s->items[m].start,
				       ';') &&
		    !notes__between_has(s, s->items[m].end, s->items[j].start,
					';'))
			return m;
	return d;
}

/* latter_named: does s open, before cue item j and naming no drug
 * before it, with "the latter" or "the second" ("\"Aspirin - GI bleed\"
 * and \"Trimethoprim - raised potassium\".  The second is a side effect
 * not an allergy")?  The verdict is then on the last allergy read
 * before s, not the first drug of the sentence before (rules75en22). */
static bool
latter_named(const sentence *s, size_t j)
{
	static const char *const later[] = {"latter", "second"};

	return s->n > 1 && s->items[j].w0 > 1 && notes__first_drug(s, j) >= j &&
	       notes__words_at(s, 0, "the") &&
	       notes__words_in(s, 1, later, sizeof(later) / sizeof(*later));
}

/* latter_disowned negates, with trigger, the last allergy read before s
 * (latter_named); false when there is none. */
static bool
latter_disowned(const sentence *s, notes_reading *out, const char *trigger)
{
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (f->kind != NOTES_ALLERGY || f->start >= s->words[0].start)
			continue;
		if (f->context == 0) {
			f->context = NOTES_NEGATED;
			f->trigger = trigger;
		}
		return true;
	}
	return false;
}

/* ENTRY_NAME_MIN: the fewest capitals of a name that opens an entry. */
#define ENTRY_NAME_MIN 4

/* entry_opened: does s open as an entry of its own, a name the reader
 * does not know written in capitals, as allergy records write drugs, and
 * a spaced dash after it ("Final allergy record: CO-TRIMOXAZOLE - DRESS
 * (probable). PYRAZINAMIDE - avoid (DILI/possible DRESS), not an allergy
 * label")?  Its verdict is that name's, not the drug's of the sentence
 * before; a word in lower case ("Discussed - not an allergy") may be the
 * writer's comment on it (rules75en28). */
static bool
entry_opened(const sentence *s)
{
	uint32_t from, to;

	if (s->n < 2 || (s->n_items > 0 && s->items[0].w0 == 0) ||
	    s->words[0].end - s->words[0].start < ENTRY_NAME_MIN)
		return false;
	for (uint32_t p = s->words[0].start; p < s->words[0].end; p++)
		if (!isupper((unsigned char)s->text[p]))
			return false;
	from = s->words[0].end;
	to = s->words[1].start;
	return to - from >= 3 && s->text[from] == ' ' &&
	       s->text[to - 1] == ' ' &&
	       (notes__only_marks(s->text, from, to, " -") ||
		(to - from == 5 &&
		 memcmp(s->text + from + 1, "\xe2\x80\x93", 3) == 0));
}

/* row_opened: does s open a table row of its own, its first word in the
 * row's first cell ("| Iodine contrast | none | NOT an allergy |" under
 * "| Morphine | nausea, vomiting | intolerance |")?  The row's verdict is
 * its own first cell's, not the drug's of the row above (allergy75gn). */
static bool
row_opened(const sentence *s)
{
	const char *lead;
	int bars = 0;

	if (s->n == 0)
		return false;
	lead = s->text + s->words[0].start;
	while (lead > s->text && lead[-1] != '\n') {
		lead--;
		if (*lead == '|')
			bars++;
		else if (*lead != ' ')
			return false;
	}
	return bars == 1;
}

/* label_judged: is not-allergy cue item j a verdict that names the label
 * it judges ("allergy on file is wrong", "allergy label was wrong"), right
 * after its drug, only spaces between ("so paracetamol allergy on file is
 * wrong -- corrected to diclofenac")?  The verdict is on that drug's
 * label, not on a drug told before it as the true culprit (issue 75,
 * allergy75l). */
static bool
label_judged(const sentence *s, size_t j)
{
	const item *d;

	if (j == 0 || j >= s->n_items)
		return false;
	d = &s->items[j - 1];
	return strncmp(s->items[j].e->key, "allergy ", 8) == 0 && is_drug(d) &&
	       notes__only_marks(s->text, d->end, s->items[j].start, " ");
}

/* Word endings that mark a drug name: WHO INN common stems ("The use of
 * stems in the selection of International Nonproprietary Names", WHO
 * 2018): -azole antifungals and antithyroid drugs, -uracil, -quine
 * antimalarials, -mab antibodies, -nib kinase inhibitors, -platin,
 * -cillin, -mycin, -floxacin, -cycline, -pril, -sartan, -olol, -dipine,
 * -statin, -tidine, -azepam, -parin, -gliflozin, -triptan, -vir
 * antivirals, -lukast, -setron, -profen, -semide, -thiazide, -gliptin,
 * -glitazone, -dronate, -rubicin, -trexate, -caine, -oxetine, and the
 * -salazine of the aminosalicylates ("Sulfasalazine: please record as an
 * allergy", allergy75bt). */
static const char *const inn_stems[] = {
	"azole",     "uracil",	 "quine",    "mab",	  "nib",     "platin",
	"cillin",    "mycin",	 "floxacin", "cycline",	  "pril",    "sartan",
	"olol",	     "dipine",	 "statin",   "tidine",	  "azepam",  "parin",
	"gliflozin", "triptan",	 "vir",	     "lukast",	  "setron",  "profen",
	"semide",    "thiazide", "gliptin",  "glitazone", "dronate", "rubicin",
	"trexate",   "caine",	 "oxetine",  "salazine"};

/* A drug name is longer than this many bytes ("nib" alone is a pen's). */
#define INN_NAME_MIN 5

/* unknown_drug_before: does s write, before its word end, a word no
 * item covers that ends in an INN stem ("Carbimazole now recorded as an
 * ALLERGY", "Tocilizumab: \"infusion reaction\" - unclear")?  A cue or
 * doubt after it speaks of that drug the reader does not know, not of
 * the drug of the sentence before (issue 75, allergy75ap). */
static bool
unknown_drug_before(const sentence *s, size_t end)
{
	size_t k = 0;

	for (size_t w = 0; w < end && w < s->n; w++) {
		uint32_t len = s->words[w].end - s->words[w].start;
		const char *word = s->text + s->words[w].start;

		while (k < s->n_items && s->items[k].w1 <= w)
			k++;
		if ((k < s->n_items && s->items[k].w0 <= w) ||
		    len <= INN_NAME_MIN)
			continue;
		for (size_t i = 0; i < sizeof(inn_stems) / sizeof(*inn_stems);
		     i++) {
			size_t n = strlen(inn_stems[i]);

			if (len > n &&
			    strncasecmp(word + len - n, inn_stems[i], n) == 0)
				return true;
		}
	}
	return false;
}

/* spoken_of returns the drug that cue item j of s speaks of: the drug
 * whose label it names (label_judged), or the first drug of its clause
 * before it (clause_first_drug), past those with a
 * true allergy of their own
 * (verdict_subject), or, when s names none before it, the first drug of
 * the sentence before in the paragraph ("- Morphine - itching.
 * Discussed: this is a histamine effect, not an allergy") unless s
 * opens a bullet, an "Allergies:" line or an entry of its own
 * (entry_opened) or names a drug the reader does not know before j
 * (unknown_drug_before, which a bracket from the last drug does not
 * pass: "Chloroquine - itches him (pruritus, not allergy per pt)"); or
 * NULL. */
static const item *
spoken_of(const sentence *s, size_t j)
{
	size_t d = notes__first_drug(s, j);
	const item *bracketed = paren_drug(s, j);

	if (label_judged(s, j))
		return &s->items[j - 1];
	if (bracketed != NULL)
		return bracketed;
	if (d < j)
		return &s->items[verdict_subject(s, clause_first_drug(s, d, j),
						 j)];
	if (unknown_drug_before(s, s->items[j].w0))
		return NULL;
	if (s->prior_last.e != NULL && paren_from_prior(s, j))
		return &s->prior_last;
	if (notes__bulleted(s) || notes__allergy_line(s) || entry_opened(s) ||
	    row_opened(s))
		return NULL; /* a new bullet is a new entry, not the last's, and
			      * so is an "Allergies:" line's */
	return s->prior.e != NULL ? &s->prior : NULL;
}

/* allergy_of fills f as an allergy to drug item d, with no reaction,
 * in context (its trigger the cue that set it). */
static void
allergy_of(const item *d, unsigned context, const char *trigger,
	   notes_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = NOTES_ALLERGY;
	f->code = d->e->code;
	f->display = d->e->display;
	f->system = d->e->type == NOTES_T_SUBSTANCE ? "substance" : "class";
	f->reaction = "";
	f->start = d->start;
	f->end = d->end;
	f->context = context;
	f->trigger = trigger;
}

/* tolerated_cue: is f's trigger a tolerated cue ("with no reaction")? */
static bool
tolerated_cue(const notes_finding *f)
{
	const notes_entry *t = notes__find(f->trigger);

	return t != NULL && t->type == NOTES_T_TOLERATED;
}

/* tolerated_only: is f an allergy negated only because the drug was
 * taken without harm ("Has since had Augmentin ... with no reaction")?
 * That is the evidence for removing a label, not the label. */
static bool
tolerated_only(const notes_finding *f)
{
	return f->kind == NOTES_ALLERGY && f->context == NOTES_NEGATED &&
	       tolerated_cue(f);
}

/* tested_label returns the affirmed allergy that drug d, told taken
 * without harm in the sentence before s or before verdict item j in s,
 * tested: a label to d or to a class d belongs to, read before d in its
 * paragraph ("Penicillin \"allergy\" on the front of the folder ... Has
 * since had Augmentin in 2023 with no reaction. => not an allergy";
 * "Penicillin: labelled since childhood. Allergy clinic 2021 - oral
 * amoxicillin challenge tolerated -> not an allergy", allergy75uc); or
 * NULL; a hedged verdict (hedge) in d's own sentence names none.  The verdict
 * after such a story is on the label too, not only on the drug that disproved
 * it (rules75en27). */
static notes_finding *
tested_label(const sentence *s, size_t j, const item *d, bool hedge,
	     notes_reading *out)
{
	uint32_t from = d->start;
	size_t i = out->n;
	/* a hedged verdict on a label tested in its own sentence doubts it
	 * at most ("flucloxacillin was given ... with no reaction
	 * recorded, so the label is probably not a true allergy") */
	bool tolerated = d >= s->items && d < s->items + j && !hedge &&
			 told_tolerated(s, (size_t)(d - s->items), j);

	if (d != &s->prior && !tolerated)
		return NULL;
	while (from > 0 && !(from > 1 && s->text[from - 1] == '\n' &&
			     s->text[from - 2] == '\n'))
		from--;
	while (i > 0 && out->findings[i - 1].start >= d->start) {
		const notes_finding *g = &out->findings[--i];

		if (g->start != d->start)
			continue;
		if (g->kind == NOTES_ALLERGY && !tolerated_only(g))
			return NULL; /* d's own allergy: the verdict's */
		tolerated = tolerated || tolerated_cue(g);
	}
	if (!tolerated)
		return NULL;
	while (i-- > 0 && out->findings[i].start >= from) {
		notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == 0 &&
		    g->code[0] != '\0' &&
		    (strcmp(g->code, d->e->code) == 0 ||
		     notes__member_of(d->e->code, g->code)))
			return g;
	}
	return NULL;
}

/* paren_verdict: is not-allergy cue j of s a verdict in the parenthesis
 * right after its drug, with no intolerance cue between them ("codeine:
 * constipation (side effect, not allergy)")?  The entry is then no
 * allergy, wherever it is filed; "Morphine - vomiting (intolerance, not
 * allergy per pt)" names it an intolerance, an allergy. */
static bool
paren_verdict(const sentence *s, size_t j)
{
	const item *d = paren_drug(s, j);

	if (d == NULL)
		return false;
	for (size_t m = (size_t)(d - s->items) + 1; m < j; m++)
		if (s->items[m].e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(s->items[m].e->key, "intoleran") != NULL)
			return false;
	return true;
}

/* AVOID_AFTER_BUT_WORDS: how far after "but" the avoidance that keeps a
 * disowned label may be written ("but please avoid", "but best
 * avoided"). */
#define AVOID_AFTER_BUT_WORDS 3

/* avoided_after: does "but" right after verdict item j say the drug is
 * still to be avoided ("adverse reaction rather than allergy, but please
 * avoid"), or, later in the sentence, that it stays avoided or flagged
 * ("not an allergy but ototoxicity concern ... - IV tobramycin avoided
 * unless no choice", "a bad reaction rather than an allergy but fine to
 * keep it flagged", rules75en22)?  A reason to avoid a drug keeps its
 * label, an intolerance. */
static bool
avoided_after(const sentence *s, size_t j)
{
	static const char *const avoid[] = {"avoid", "avoided"};
	static const char *const kept[] = {"avoided", "flagged"};
	size_t w = s->items[j].w1;

	if (w >= s->n || !notes__words_at(s, w, "but"))
		return false;
	return notes__any_in(s, w + 1, w + 1 + AVOID_AFTER_BUT_WORDS, avoid,
			     sizeof(avoid) / sizeof(*avoid)) ||
	       notes__any_in(s, w + 1, s->n, kept,
			     sizeof(kept) / sizeof(*kept));
}

/* KEPT_AS_WORDS: how far before an adverse-reaction cue the word that
 * keeps the record may be written ("kept as an ADR"). */
#define KEPT_AS_WORDS 3

/* kept_as_reaction: does an adverse-reaction cue after verdict item j
 * follow a word that keeps it on the record ("side effect not an
 * allergy - kept as an ADR", "documented as an adverse reaction")?  The
 * verdict names the reaction's kind; the record keeps it to avoid, an
 * intolerance (rules75en22). */
static bool
kept_as_reaction(const sentence *s, size_t j)
{
	static const char *const kept[] = {"kept", "documented", "recorded",
					   "listed", "coded"};

	for (size_t m = j + 1; m < s->n_items; m++) {
		const item *it = &s->items[m];
		size_t w = it->w0;

		if (it->e->type == NOTES_T_ALLERGY_CUE &&
		    ((it->e->dir & NOTES_DIR_RECORDED) ||
		     strncmp(it->e->key, "adr", 3) == 0 ||
		     strncmp(it->e->key, "adverse", 7) == 0) &&
		    notes__any_in(s, w > KEPT_AS_WORDS ? w - KEPT_AS_WORDS : 0,
				  w, kept, sizeof(kept) / sizeof(*kept)))
			return true;
	}
	return false;
}

/* joined_words: is text[from, to) only a list's joining: spaces, a
 * comma or slash, "and" or "or"? */
static bool
joined_words(const char *text, uint32_t from, uint32_t to)
{
	static const char *const joins[] = {"and", "or"};

	while (from < to && strchr(" \t,/", text[from]) != NULL)
		from++;
	while (to > from && strchr(" \t,/", text[to - 1]) != NULL)
		to--;
	for (size_t i = 0; i < sizeof(joins) / sizeof(*joins); i++)
		if (to - from == strlen(joins[i]) &&
		    strncmp(text + from, joins[i], to - from) == 0)
			return true;
	return from == to;
}

/* disown_joined negates, as d is, the drugs joined to drug d in a list
 * before not-allergy cue j ("Her co-amoxiclav and erythromycin reactions
 * were gastrointestinal side effects, not an allergy"): the verdict is
 * on each.  False when out is full. */
static bool
disown_joined(const sentence *s, const item *d, size_t j, notes_reading *out)
{
	for (size_t m = (size_t)(d - s->items) + 1; m < j; m++) {
		const item *it = &s->items[m];
		notes_finding f;

		if (!is_drug(it) ||
		    !joined_words(s->text, s->items[m - 1].end, it->start))
			break;
		allergy_of(it, NOTES_NEGATED, s->items[j].e->key, &f);
		if (!notes__keep(out, &f))
			return false;
	}
	return true;
}

/* disown_members negates, with trigger, the affirmed allergies to members
 * of class d that the sentence before s read after d, as the class's
 * story ("says \"allergic to penicillin\" - got diarrhoea with
 * amoxicillin as a child ... -> Not a true allergy"): the verdict on the
 * class label is on the member that told it (rules75en18).  A class of s
 * itself gives its verdict, item j, to the members between them ("NSAIDs
 * - \"stomach bleeding\" with ibuprofen; no allergy, GI side effect",
 * allergy75gc). */
static void
disown_members(const sentence *s, const item *d, size_t j, const char *trigger,
	       notes_reading *out)
{
	bool here = d >= s->items && d < s->items + s->n_items;
	uint32_t to = here ? s->items[j].start : s->words[0].start;

	if ((d != &s->prior && !here) || d->e->type != NOTES_T_CLASS)
		return;
	for (size_t i = out->n; i-- > 0 && out->findings[i].start > d->start;) {
		notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == 0 &&
		    f->start < to && notes__member_of(f->code, d->e->code)) {
			f->context = NOTES_NEGATED;
			f->trigger = trigger;
		}
	}
}

/* CULPRIT_WORDS: how far before "culprit" its doubt may stand
 * ("suspected DRESS culprit"). */
#define CULPRIT_WORDS 3

/* suspected_culprit: does s, naming no drug, call the drug of the
 * sentence before a suspected culprit ("1. STOP rifampicin.  Document
 * as suspected DRESS culprit - avoid in future.") and records it or says
 * to avoid it?  That drug is a doubted allergy, the culprit the writer
 * records to avoid (rules75en18). */
static bool
suspected_culprit(const sentence *s)
{
	static const char *const doubt[] = {"suspected", "likely", "probable",
					    "possible"};
	static const char *const kept[] = {"document", "documented", "record",
					   "recorded", "avoid"};

	if (s->prior.e == NULL ||
	    notes__first_drug(s, s->n_items) < s->n_items ||
	    !notes__any_in(s, 0, s->n, kept, sizeof(kept) / sizeof(*kept)))
		return false; /* not "the likely culprit is a virus" */
	for (size_t w = 1; w < s->n; w++)
		if (notes__words_at(s, w, "culprit"))
			return notes__any_in(
				s, w > CULPRIT_WORDS ? w - CULPRIT_WORDS : 0, w,
				doubt, sizeof(doubt) / sizeof(*doubt));
	return false;
}

/* hedged: is not-allergy cue c hedged by the word right before it
 * ("probably not a true allergy, we suggest referral for de-labelling",
 * "possibly not a true allergy") or right after it ("Not a true allergy
 * probably, but listed"), or in Chinese by a word of doubt after it and
 * before the next drug ("非真正过敏，记录存疑")?  The writer doubts the
 * label but has not removed it: until it is tested the allergy is
 * uncertain, not negated (rules75en23, allergy75i).  A hedge further
 * before the cue is the writer's judgement that it is no allergy ("most
 * likely the virus, not an allergy. Allergy label removed"). */
static bool
hedged(const sentence *s, const item *c)
{
	static const char *const hedge[] = {"probably", "possibly", "likely",
					    "maybe", "perhaps"};
	size_t n = sizeof(hedge) / sizeof(*hedge);

	if (s->words[c->w0].han)
		return notes__doubted_after_zh(s, c);
	return (c->w0 > 0 && notes__words_in(s, c->w0 - 1, hedge, n)) ||
	       notes__words_in(s, c->w1, hedge, n);
}

/* doubt_label makes the affirmed allergy to drug d last kept in out
 * uncertain, with trigger, or keeps it uncertain when none was: a hedged
 * verdict (hedged) leaves the label, doubted. */
static bool
doubt_label(const item *d, const char *trigger, notes_reading *out)
{
	notes_finding f;

	allergy_of(d, NOTES_UNCERTAIN, trigger, &f);
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == 0 &&
		    strcmp(g->code, f.code) == 0) {
			g->context = NOTES_UNCERTAIN;
			g->trigger = trigger;
			return true;
		}
	}
	return notes__keep(out, &f);
}

/* prior_tolerated: is drug item d, the subject the sentence before left,
 * one that sentence told taken without harm ("she had erythromycin in
 * 2015 without problems. Left on record as intolerance pending GP
 * review.", allergy75ti, en-dev87)?  The record is of the entry's own
 * drug, not of the one tolerated. */
static bool
prior_tolerated(const sentence *s, const item *d, const notes_reading *out)
{
	const notes_entry *t;

	if (d != &s->prior)
		return false;
	for (size_t i = out->n; i-- > 0;) {
		const notes_finding *g = &out->findings[i];

		if (g->start != d->start || g->kind != NOTES_MEDICINE)
			continue;
		t = notes__find(g->trigger);
		return t != NULL && t->type == NOTES_T_TOLERATED;
	}
	return false;
}

bool
notes__disowned_allergy(const sentence *s, notes_reading *out)
{
	for (size_t j = 0; j < s->n_items; j++) {
		const notes_entry *e = s->items[j].e;
		const item *d = spoken_of(s, j);
		bool disown =
			e->type == NOTES_T_PSEUDO &&
			(e->dir & NOTES_DIR_NOT_ALLERGY) &&
			(!records_intolerance(s, d) || paren_verdict(s, j)) &&
			!avoided_after(s, j) && !kept_as_reaction(s, j);
		bool record = ((e->dir & NOTES_DIR_RECORDED) &&
			       e->type == NOTES_T_ALLERGY_CUE &&
			       notes__first_drug(s, j) == j &&
			       !notes__recorded_names(s, j, j + 1)) ||
			      (e->type == NOTES_T_PSEUDO &&
			       (e->dir & NOTES_DIR_NOT_ALLERGY) &&
			       (avoided_after(s, j) || kept_as_reaction(s, j)));
		notes_finding f, *g;

		if (d != NULL && d >= s->items && d < s->items + s->n_items &&
		    notes__class_anaphor(s, (size_t)(d - s->items)))
			continue; /* "of the antibiotic, not an allergy to
				   * clindamycin": the drug's verdict */
		if (disown && latter_named(s, j) &&
		    latter_disowned(s, out, e->key))
			continue;
		if (d == NULL && disown && (e->dir & NOTES_DIR_DELABEL) &&
		    s->prior_denied.e != NULL)
			d = &s->prior_denied; /* the label the sentence before
						 denied is the one removed */
		if (d == NULL || !(disown || record) ||
		    (!disown && prior_tolerated(s, d, out)))
			continue;
		if (disown &&
		    (g = tested_label(s, j, d, hedged(s, &s->items[j]), out)) !=
			    NULL) {
			g->context = NOTES_NEGATED;
			g->trigger = e->key;
		}
		if (disown && hedged(s, &s->items[j])) {
			if (!doubt_label(d, e->key, out))
				return false;
			continue;
		}
		allergy_of(d, disown ? NOTES_NEGATED : 0, disown ? e->key : "",
			   &f);
		if (disown)
			disown_members(s, d, j, e->key, out);
		if (!notes__keep(out, &f) ||
		    (disown && !disown_joined(s, d, j, out)))
			return false;
	}
	if (suspected_culprit(s)) {
		notes_finding f;

		allergy_of(&s->prior, NOTES_UNCERTAIN, "suspected culprit", &f);
		return notes__keep(out, &f);
	}
	return true;
}

/* The trigger of an allergy the note says was a relative's, not the
 * patient's. */
static const char misattributed[] = "it was a relative's";

/* owned_by_relative: is word w "is" or "was" with "the" and a relative's
 * possessive after it ("the \"sulpha allergy\" in the referral letter is
 * the MOTHER's (rash with Fansidar in pregnancy) - not the child's")?
 * The label named before is that relative's (allergy75fh). */
static bool
owned_by_relative(const sentence *s, size_t w)
{
	static const char *const verb[] = {"is", "was"};
	const notes_tok *rel = w + 2 < s->n ? &s->words[w + 2] : NULL;

	return rel != NULL && notes__words_in(s, w, verb, 2) &&
	       notes__words_at(s, w + 1, "the") &&
	       notes__relative_at(s, w + 2) && rel->end + 2 <= s->text_len &&
	       s->text[rel->end] == '\'' &&
	       (s->text[rel->end + 1] == 's' || s->text[rel->end + 1] == 'S');
}

/* was_relative returns the word of the relative that "it was" or "that
 * was" names in s ("says it was his brother who is allergic", "that was
 * her sister's allergy, not hers"), or s->n.  The patient's own words
 * ("says \"that was my brother\"") and the present tense ("it is his
 * mother who reacts to it") name the relative the same way, and so do
 * "actually" and "late" between ("this was actually his late wife's
 * reaction"): en-dev8, en-dev29, en-dev42, en-dev46 (allergy75be). */
static size_t
was_relative(const sentence *s)
{
	static const char *const subject[] = {"it", "that", "this"};
	static const char *const whose[] = {"his", "her", "your", "their",
					    "my"};

	for (size_t w = 1; w + 1 < s->n; w++) {
		size_t r = w + 1;

		if (owned_by_relative(s, w))
			return w + 2;
		if (!notes__words_at(s, w, "was") ||
		    !notes__words_in(s, w - 1, subject, 3))
			continue;
		if (r + 1 < s->n && notes__words_at(s, r, "actually"))
			r++;
		if (r + 1 < s->n && notes__words_in(s, r, whose, 5))
			r++;
		if (r + 1 < s->n && notes__words_at(s, r, "late"))
			r++;
		if (notes__relative_at(s, r))
			return r;
	}
	return s->n;
}

/* read_at: has the reading a finding of kind at start, with one of the
 * context bits of some when some is not 0? */
static bool
read_at(const notes_reading *out, uint32_t start, notes_kind kind,
	unsigned some)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].start == start &&
		    out->findings[i].kind == kind &&
		    (some == 0 || (out->findings[i].context & some)))
			return true;
	return false;
}

/* taken_only_at: is drug item d read as a medicine taken before or a
 * test's drug (historical or negated), not as an allergy?  Such a drug is the
 * proof of a verdict on the label told before it ("DE-LABELLED May 2024 by the
 * allergy clinic - negative oral amoxicillin challenge", allergy75fx; "that is
 * the sister's own allergy; he had amoxicillin for strep throat in 2022 without
 * problems", allergy75fy), not a label of its own; a drug planned ("once the
 * label is removed, amoxicillin can be given") proves nothing. */
static bool
taken_only_at(const notes_reading *out, const item *d)
{
	return read_at(out, d->start, NOTES_MEDICINE,
		       NOTES_HISTORICAL | NOTES_NEGATED) &&
	       !read_at(out, d->start, NOTES_ALLERGY, 0);
}

/* misattributed_drug returns the drug whose allergy s gives to a
 * relative at word r: the first drug after the relative ("it was your
 * mother who is allergic to penicillin") but one read as a medicine
 * taken without harm, else the last before it
 * ("\"penicillin\" on GP record which pt denies - says it was his
 * brother"), else the sentence before's; NULL when none. */
static const item *
misattributed_drug(const sentence *s, size_t r, const notes_reading *out)
{
	const item *last = NULL;

	for (size_t k = 0; k < s->n_items; k++) {
		if (!is_drug(&s->items[k]))
			continue;
		if (s->items[k].w0 > r && taken_only_at(out, &s->items[k]))
			continue;
		if (s->items[k].w0 > r)
			return &s->items[k];
		last = &s->items[k];
	}
	if (last == NULL && s->prior.e != NULL)
		last = &s->prior;
	return last;
}

static uint32_t answer_no(const sentence *s);

/* denial_as_misattributed: gives the patient's negated allergy f, kept
 * as an earlier denial of the same drug when there was one ("says
 * \"allergic to penicillin\" but has had fluclox x3 days with no issue??
 * ... it was his mum who was allergic to penicillin"), the relative's
 * story as its trigger, so that the label's other mentions go
 * (notes__misattributed_code).  A de-labelling keeps its own. */
static void
denial_as_misattributed(notes_reading *out, const notes_finding *f)
{
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == NOTES_NEGATED &&
		    strcmp(g->code, f->code) == 0 && !notes__delabelled(g)) {
			g->trigger = misattributed;
			return;
		}
	}
}

/* told_as_mine: is relative word r of was_relative told in the patient's
 * own words, "my" before it, "late" between ("that was my late
 * brother")? */
static bool
told_as_mine(const sentence *s, size_t r)
{
	if (notes__words_at(s, r - 1, "late"))
		r--;
	return notes__words_at(s, r - 1, "my");
}

/* relatives_own: is drug item d, before relative word r, told as the
 * relative's own allergy, "herself" or "himself" before it ("Sister adds
 * that she herself is allergic to penicillin - noted, this is the
 * sister's allergy, not the patient's")?  The relative spoke of her own
 * allergy, so the patient never bore the label: no denial of it is read
 * (allergy75js).  "her mum reported \"allergic to penicillin\" on old
 * clinic card - … that was her sister's allergy" denies the card's. */
static bool
relatives_own(const sentence *s, const item *d, size_t r)
{
	static const char *const self[] = {"herself", "himself"};

	return d != &s->prior && d->w1 <= r &&
	       notes__words_any(s, 0, d->w0, self, N_OF(self));
}

bool
notes__misattributed_allergy(const sentence *s, notes_reading *out)
{
	size_t r = was_relative(s);
	const item *d = r < s->n ? misattributed_drug(s, r, out) : NULL;
	notes_finding f;

	/* a question's answer ("ACE inhibitor cough? - no, she's on
	 * ramipril fine; that was her husband") gives the relative the
	 * allergy asked of, which notes__answered_no has negated: the drugs
	 * the answer names are the patient's (rules75en25) */
	if (d == NULL || answer_no(s) != 0)
		return true;
	/* the patient's own "that was my brother" is a claim the writer may
	 * still doubt ("Pharmacy to clarify", en-dev46) or act on ("REMOVED
	 * penicillin allergy", en-dev29): the writer's verdict, read where
	 * it is written, decides the patient's label (allergy75be) */
	if (!told_as_mine(s, r) && !relatives_own(s, d, r)) {
		allergy_of(d, NOTES_NEGATED, misattributed, &f);
		if (!notes__keep(out, &f))
			return false;
		denial_as_misattributed(out, &f);
	}
	allergy_of(d, NOTES_FAMILY, misattributed, &f);
	return notes__keep(out, &f);
}

/* The trigger of an allergy the note says was another drug's. */
static const char misnamed[] = "was another drug";

/* corrected_pair: are drug items *x and *y of s written "was X not Y"
 * ("daughter says that was Tramal not Endone")?  The writer corrects
 * which drug the reaction was to. */
static bool
corrected_pair(const sentence *s, size_t *x, size_t *y)
{
	for (size_t k = 0; k < s->n_items; k++) {
		const item *a = &s->items[k];
		size_t m = k + 1;

		/* "not" is an item of its own, the negation's trigger */
		while (m < s->n_items && !is_drug(&s->items[m]))
			m++;
		if (m < s->n_items && is_drug(a) && a->w0 > 0 &&
		    s->items[m].w0 == a->w1 + 1 &&
		    notes__words_at(s, a->w0 - 1, "was") &&
		    notes__words_at(s, a->w1, "not")) {
			*x = k;
			*y = m;
			return true;
		}
	}
	return false;
}

bool
notes__corrected_drug(const sentence *s, notes_reading *out)
{
	size_t x, y;
	bool held = false;
	notes_finding f;

	if (!corrected_pair(s, &x, &y))
		return true;
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY &&
		    (g->context & ~NOTES_UNCERTAIN) == 0 &&
		    strcmp(g->code, s->items[y].e->code) == 0) {
			g->context = NOTES_NEGATED;
			g->trigger = misnamed;
			held = true;
		}
	}
	if (!held)
		return true;
	allergy_of(&s->items[x], 0, misnamed, &f);
	return notes__keep(out, &f);
}

/* denied_mention: does its own sentence deny drug item k an allergy
 * ("does not predict reactions to other cephalosporins")?  It is no
 * subject a later sentence's record cue speaks of ("Cefaclor (not in our
 * formulary) remains on her list as an allergy"). */
static bool
denied_mention(const sentence *s, size_t k)
{
	const char *trigger;

	return (notes__context(s, k, true, &trigger) & NOTES_NEGATED) != 0;
}

/* accepted: is drug item k one the patient accepts, the words right
 * before it ("Happy with atorvastatin and we will check CK", "agrees to
 * try sertraline")?  A drug taken gladly is no subject of the next
 * sentence's verdict on an intolerance: that verdict is on the drug it
 * replaced (rules75en18). */
static bool
accepted(const sentence *s, size_t k)
{
	static const char *const glad[] = {"happy with", "agrees to",
					   "agreed to", "happy to"};
	size_t w = s->items[k].w0;

	for (size_t back = 2; back <= 3 && w >= back; back++)
		for (size_t i = 0; i < sizeof(glad) / sizeof(*glad); i++)
			if (notes__phrase_at(s, w - back, glad[i]))
				return true;
	return false;
}

/* wrapped_entry: is text[from, to) inside one bulleted list entry, every
 * line break in it followed by an indented line that opens no bullet of
 * its own ("- Doxycycline - stomach upset; she would take it again if
 * needed\n  (we gave it for the paronychia: see plan). Not an allergy.")?
 * The writer wrapped the entry; its story goes on (rules75en32). */
static bool
wrapped_entry(const char *text, const char *from, const char *to)
{
	const char *line = from;

	while (line > text && line[-1] != '\n')
		line--;
	while (*line == ' ' || *line == '\t')
		line++;
	if (!bullet_at(line))
		return false;
	for (const char *p = from; p < to; p++) {
		const char *q = p + 1;

		if (*p != '\n')
			continue;
		if (*q != ' ' && *q != '\t')
			return false;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\n' || *q == '\0' || bullet_at(q))
			return false;
	}
	return true;
}

/* same_line_story: does s, naming no drug, go on with the story of the
 * drug the sentence before it named, on that drug's line, and the line
 * go on after it ("Also lidocaine? - says \"the injection made my heart
 * race\" - explained adrenaline effect.  Not recorded as allergy.")?
 * The story is still that drug's, so the verdict after it speaks of it
 * (rules75en21).  A line break ends the story, unless it only wraps the
 * drug's bulleted entry onto an indented line (wrapped_entry). */
static bool
same_line_story(const sentence *s)
{
	const char *from = s->text + s->prior.end;
	const char *p = s->text + s->words[s->n - 1].end;

	if (s->prior.e == NULL || from >= p ||
	    (memchr(from, '\n', (size_t)(p - from)) != NULL &&
	     !wrapped_entry(s->text, from, p)))
		return false;
	while (*p != '\0' && *p != '\n' && (unsigned char)*p < 0x80 &&
	       !isalnum((unsigned char)*p))
		p++;
	return *p != '\0' && *p != '\n';
}

/* unknown_entry: is s, naming no drug, an entry of its own for a
 * substance the reader does not know, its words then a dash or a colon
 * and a reaction ("Elastic adhesive dressings - blistering.")?  The
 * story after it is that entry's, not the drug's before it
 * (allergy75ee). */
static bool
unknown_entry(const sentence *s)
{
	for (size_t r = 0; r < s->n_items; r++) {
		const item *it = &s->items[r];
		uint32_t from;

		if (it->e->type != NOTES_T_REACTION)
			continue;
		if (it->w0 == 0)
			return false;
		from = s->words[it->w0 - 1].end;
		return memchr(s->text + from, '-', it->start - from) != NULL ||
		       memchr(s->text + from, ':', it->start - from) != NULL;
	}
	return false;
}

void
notes__remember_subject(sentence *s)
{
	size_t d = notes__first_drug(s, s->n_items);

	/* a writer's note on the entry ("Micro note:") is still its story */
	if (s->n == 0 ||
	    (d == s->n_items && (same_line_story(s) || s->list_aside) &&
	     !unknown_entry(s)))
		return;
	if (d < s->n_items)
		d = verdict_subject(s, d, s->n_items);
	/* the drug a switch moved the patient on to is no story's subject:
	 * a record after it ("PCA stopped, Dr Walsh (SHO) switched him to
	 * oxycodone 5mg PO 4hrly PRN - settled. Added to Kardex as ADR",
	 * en-dev79) speaks of the drug before */
	if (d < s->n_items && notes__switched_to(s, d))
		return;
	s->prior.e = NULL;
	s->prior_denied.e = NULL;
	if (d < s->n_items && accepted(s, d))
		return;
	if (d < s->n_items && !denied_mention(s, d))
		s->prior = s->items[d];
	else if (d < s->n_items)
		s->prior_denied = s->items[d];
	for (size_t m = s->n_items; m-- > d;)
		if (is_drug(&s->items[m])) {
			s->prior_last = s->items[m];
			break;
		}
}

bool
notes__keep_disowned(const sentence *s, size_t k, notes_reading *out)
{
	const item *it = &s->items[k], *cue;
	notes_finding f;

	if (!is_drug(it) || notes__replacement_zh(s, k) ||
	    notes__interaction_partner_zh(s, k))
		return true;
	if ((cue = notes__disowned_by(s, k)) != NULL ||
	    (cue = notes__delabel_past_switch_zh(s, k)) != NULL)
		allergy_of(it, hedged(s, cue) ? NOTES_UNCERTAIN : NOTES_NEGATED,
			   cue->e->key, &f);
	else if (notes__denied_zh(s, k))
		allergy_of(it,
			   notes__doubted_after_zh(s, it) ? NOTES_UNCERTAIN
							  : NOTES_NEGATED,
			   "非过敏", &f);
	else
		return true;
	return notes__keep(out, &f);
}

bool
notes__keep_relatives(const sentence *s, size_t k, notes_reading *out)
{
	const item *d;
	notes_finding f;

	if (!is_drug(&s->items[k]))
		return true;
	if (notes__relative_self_zh(s, k) &&
	    (d = notes__delabel_after(s, k)) != NULL)
		allergy_of(&s->items[k], NOTES_NEGATED, d->e->key, &f);
	else if (notes__mislabelled_zh(s, k))
		allergy_of(&s->items[k], NOTES_NEGATED, "为其", &f);
	else
		return true;
	return notes__keep(out, &f);
}

/* cue_names: is drug item k named by an allergy cue right before it
 * ("she had a \"bad reaction\" to trimethoprim years ago - swollen
 * face")?  The cue tells the allergy; the story after it is the
 * reaction's, not a past medicine (rules75en23). */
static bool
cue_names(const sentence *s, size_t k)
{
	const item *c = k > 0 ? &s->items[k - 1] : NULL;

	return c != NULL && c->e->type == NOTES_T_ALLERGY_CUE &&
	       c->w1 == s->items[k].w0;
}

bool
notes__keep_given_up(const sentence *s, size_t k, const notes_finding *f,
		     notes_reading *out)
{
	static const char *const refused[] = {"refuses", "refused"};
	static const char *const cannot[] = {"can't", "cannot"};
	const item *d = &s->items[k];
	size_t before = d->w0 > LAY_BEFORE_WORDS ? d->w0 - LAY_BEFORE_WORDS : 0;
	notes_finding m;

	if (f->kind != NOTES_ALLERGY || d->e->type != NOTES_T_SUBSTANCE ||
	    s->words[d->w0].han || notes__lay_effect(s, k) == NULL ||
	    notes__any_in(s, before, d->w0, cannot, 2) || cue_names(s, k))
		return true;
	if (notes__any_in(s, before, d->w0, refused, 2))
		allergy_of(d, NOTES_NEGATED, "refuses", &m);
	else
		allergy_of(d, NOTES_HISTORICAL, "stopped", &m);
	m.kind = NOTES_MEDICINE;
	return notes__keep(out, &m);
}

/* The words of a writer who doubts a label they keep ("so I doubt this is
 * a true allergy", "PCN label likely inaccurate", "Unverified.", "not
 * verified, no details", a label the patient "disputes", allergy75mg; "GP
 * queried viral rash", "not sure it was the cipro", "?true allergy",
 * "whether true allergy or viral exanthem", "rather than true allergy";
 * "she isn't sure what happened", allergy75mb; "Label probably spurious",
 * allergy75mw),
 * or who cannot name the drug ("went yellow after \"an antibiotic\" but
 * doesn't remember which", rules75en18), or could not check it
 * ("\"allergic to ... the blue antibiotic\" - unable to clarify what the
 * blue antibiotic was", rules75en20), or cannot tell an allergy from
 * another cause ("a \"burning rash\" after a skin prep ... - unclear if
 * irritant or allergic", rules75en23), or who writes the label down as
 * unclear, queried or unconfirmed ("penicillin (childhood, unclear)",
 * "Query label - refer to allergy clinic", "Latex? - rash from gloves,
 * unconfirmed", "Record \"co-trimoxazole ?allergy - mild rash\"";
 * doubt75: thirteen English sets gain, none loses), or keeps it as a
 * possible one ("his wife says it may have been measles at the time.
 * Keep as a possible.", "kept as possible", "left as possible": en-dev19,
 * en-dev32, en-dev44, allergy75bh) or records it as one ("Grace does not
 * remember this; recorded as a possible allergy", en-dev62, allergy75if;
 * "I have recorded it as a possible amoxicillin allergy", en-dev35,
 * allergy75pc), or thinks it worth a review ("It may be worth reviewing that
 * label; we have left it on our chart for now", en-dev56, en-dev62). */
static const char *const doubts[] = {"doubt",
				     "unclear if",
				     "unclear whether",
				     "unclear",
				     "uncertain",
				     "unconfirmed",
				     "query",
				     "? allergy",
				     "doubtful",
				     "inaccurate",
				     "unverified",
				     "not verified",
				     "disputes",
				     "disputed",
				     "denies this",
				     "questionable",
				     "unlikely",
				     "spurious",
				     "queried",
				     "label questioned",
				     "not sure",
				     "isn t sure",
				     "wasn t sure",
				     "isnt sure",
				     "? true",
				     "whether true",
				     "rather than true",
				     "remember which",
				     "recall which",
				     "unsure which",
				     "unable to clarify",
				     "unable to confirm",
				     "unable to verify",
				     "could not clarify",
				     "could not confirm",
				     "could not verify",
				     "cannot confirm",
				     "cannot verify",
				     "keep as possible",
				     "keep as a possible",
				     "kept as possible",
				     "kept as a possible",
				     "left as possible",
				     "left as a possible",
				     "leave as possible",
				     "leave as a possible",
				     "recorded as possible",
				     "recorded as a possible",
				     "documented as possible",
				     "documented as a possible",
				     "recorded it as possible",
				     "recorded it as a possible",
				     "documented it as possible",
				     "documented it as a possible",
				     "worth reviewing"};

/* doubt_word returns the doubt phrase of s (from doubts), or NULL; *w
 * its first word's place. */
static const char *
doubt_word(const sentence *s, size_t *w)
{
	for (*w = 0; *w < s->n; (*w)++)
		for (size_t i = 0; i < sizeof(doubts) / sizeof(*doubts); i++)
			if (notes__phrase_at(s, *w, doubts[i]))
				return doubts[i];
	return NULL;
}

/* Chinese words for a cause of the reaction other than the drug: a rash
 * of the viral illness the drug was given in (病毒疹), the commonest false
 * penicillin label (BSACI 2022), and a faint at the needle (晕针). */
static const char *const other_cause_zh[] = {"病毒疹", "病毒性皮疹", "晕针"};

/* Chinese words that hedge such a cause: "可能是晕针", "不排除病毒疹". */
static const char *const hedge_zh[] = {"可能", "不排除", "疑似", "怀疑"};

/* HEDGE_ZH_WORDS: how far before the cause its hedge may be written, a
 * character a word ("儿子说可能是晕针", "考虑可能为晕针"). */
#define HEDGE_ZH_WORDS 4

/* hedged_cause_zh returns the cause of other_cause_zh that s hedges, or
 * NULL; *w its first word's place.  A hedge before it or 可能 right after
 * it ("考虑病毒疹可能性大") makes the writer unsure the reaction was an
 * allergy: most writers keep the label, uncertain (zh3-17, zh28-24,
 * zh34-10, zh38-07; issue 75, allergy75x).  Said outright ("后来查过是
 * 病毒疹", "考虑晕针，非药物过敏") it is a denial, read as one. */
static const char *
hedged_cause_zh(const sentence *s, size_t *w)
{
	for (*w = 0; *w < s->n; (*w)++)
		for (size_t i = 0;
		     i < sizeof(other_cause_zh) / sizeof(*other_cause_zh);
		     i++) {
			size_t from = *w > HEDGE_ZH_WORDS ? *w - HEDGE_ZH_WORDS
							  : 0,
			       after = *w + strlen(other_cause_zh[i]) / 3;

			if (!notes__words_at(s, *w, other_cause_zh[i]))
				continue;
			if (notes__words_any(s, from, *w, hedge_zh,
					     sizeof(hedge_zh) /
						     sizeof(*hedge_zh)) ||
			    notes__words_at(s, after, "可能"))
				return other_cause_zh[i];
		}
	return NULL;
}

/* OTHERS_WORDS: how far after a doubt's first word "others" makes it a
 * doubt about other allergies. */
#define OTHERS_WORDS 5

/* of_others: is the doubt at word w about allergies not named ("Daughter
 * not sure of any others", "unsure about other drugs")?  The allergy
 * named before stands (rules75en18). */
static bool
of_others(const sentence *s, size_t w)
{
	static const char *const others[] = {"other", "others"};

	return notes__any_in(s, w + 1, w + OTHERS_WORDS, others,
			     sizeof(others) / sizeof(*others));
}

/* of_indication: is the doubt at word w about what the drug was given
 * for or why ("she is not sure what it was for", "unsure why it was
 * given")?  The reaction told stands (rules75en22). */
static bool
of_indication(const sentence *s, size_t w)
{
	static const char *const asked[] = {"what", "why"};
	static const char *const given_for[] = {"for"};

	for (size_t v = w + 1; v < w + OTHERS_WORDS && v < s->n; v++)
		if (notes__words_in(s, v, asked,
				    sizeof(asked) / sizeof(*asked)))
			return notes__words_at(s, v, "why") ||
			       notes__any_in(s, v + 1, v + 4, given_for, 1);
	return false;
}

/* of_drug_named: is the doubt at word w about a drug it names after
 * "about" or "of" ("she is \"not sure\" about metronidazole (felt very
 * sick)")?  The doubt is that drug's, read by its trigger (context.csv);
 * the allergy named before stands (rules75en23). */
static bool
of_drug_named(const sentence *s, size_t w)
{
	static const char *const about[] = {"about", "of"};

	for (size_t v = w + 1; v < w + OTHERS_WORDS && v + 1 < s->n; v++)
		if (notes__words_in(s, v, about,
				    sizeof(about) / sizeof(*about)))
			for (size_t k = 0; k < s->n_items; k++)
				if (s->items[k].w0 == v + 1 &&
				    is_drug(&s->items[k]))
					return true;
	return false;
}

/* doubtable: is f an allergy that a doubt may qualify: affirmed, or
 * negated only by a drug tolerated ("she has tolerated Augmentin ... so
 * PCN label likely inaccurate")? */
static bool
doubtable(const notes_finding *f)
{
	const notes_entry *t;

	if (f->kind != NOTES_ALLERGY || f->code[0] == '\0')
		return false;
	if (f->context == 0)
		return true;
	t = notes__find(f->trigger);
	return f->context == NOTES_NEGATED && t != NULL &&
	       t->type == NOTES_T_TOLERATED;
}

/* doubtable_since: does out hold a doubtable allergy found at or after
 * byte from? */
static bool
doubtable_since(const notes_reading *out, uint32_t from)
{
	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;)
		if (doubtable(&out->findings[i]))
			return true;
	return false;
}

/* already_doubted: is f an allergy of s itself, before its doubt word
 * w, that s already doubts ("\"sulpha drug - ? rash, pt not sure\"")?
 * The doubt is that allergy's, not an earlier sentence's. */
static bool
already_doubted(const sentence *s, const notes_finding *f, size_t w)
{
	return f->kind == NOTES_ALLERGY && (f->context & NOTES_UNCERTAIN) &&
	       f->start >= s->words[0].start && f->start < s->words[w].start;
}

/* line_start: where the line of s's first word starts. */
static uint32_t
line_start(const sentence *s)
{
	uint32_t from = s->words[0].start;

	while (from > 0 && s->text[from - 1] != '\n')
		from--;
	return from;
}

/* WRAPPED_LINES: the most wrapped lines an entry's removal looks back
 * over to the bullet that opened the entry. */
#define WRAPPED_LINES 4

/* indent_of: how many spaces or tabs open the line at text[from]. */
static uint32_t
indent_of(const char *text, uint32_t from)
{
	uint32_t at = from;

	while (text[at] == ' ' || text[at] == '\t')
		at++;
	return at - from;
}

/* bullet_opens: does the line at text[from] open with a bullet ("- ",
 * "* ") or a number ("4. ", "2) ", "(2) ": a numbered entry,
 * allergy75oy)?  An
 * indented "*" opens one too ("  * Pt reports \"penicillin allergy\" ...
 * ⏎    2023 without any reaction.  Label doubtful", allergy75ro), and an
 * indented "-" when the wrapped line is indented deeper, depth, than it
 * (" - Keflex: ... ⏎   pre-op ... Label questioned"); one no deeper goes
 * on a wrapped entry ("Kept as \"penicillin allergy⏎   - unverified/
 * disputed\"") and opens none. */
static bool
bullet_opens(const char *text, uint32_t from, uint32_t depth)
{
	uint32_t in = indent_of(text, from), at = from + in;

	/* a circled number, ①-⑳ (U+2460-2473), opens a Chinese list's entry
	 * ("   ② 血小板输注——荨麻疹（输血不良反应，非药物过敏）", allergy75rx)
	 */
	if ((unsigned char)text[at] == 0xe2 &&
	    (unsigned char)text[at + 1] == 0x91 &&
	    (unsigned char)text[at + 2] >= 0xa0 &&
	    (unsigned char)text[at + 2] <= 0xb3)
		return true;
	/* "(2) " numbers an entry as "2) " does (allergy75ts, en-dev89) */
	if (in == 0 && text[at] == '(' && isdigit((unsigned char)text[at + 1]))
		at++;
	if (in == 0 && isdigit((unsigned char)text[at])) {
		while (isdigit((unsigned char)text[at]))
			at++;
		return (text[at] == '.' || text[at] == ')') &&
		       text[at + 1] == ' ';
	}
	return (text[at] == '*' ||
		(text[at] == '-' && (in == 0 || in < depth))) &&
	       text[at + 1] == ' ';
}

/* entry_start: where the entry holding s's line starts: the bulleted
 * entry of which that line is an indented wrap ("- \"Sulfa\" was listed
 * under HIS name ... ⏎   ... -> Removed from his allergy list",
 * allergy75mr), or the first line of a paragraph whose sentences the
 * writer's editor wrapped ("NB - memo ... says \"ALLERGY: BRUFEN\". Pt ⏎
 * says this memo was mixed up ...", allergy75nn); the line's own start
 * otherwise. */
static uint32_t
entry_start(const sentence *s)
{
	uint32_t from = line_start(s), at = from;
	bool indented = s->text[from] == ' ' || s->text[from] == '\t';

	if (bullet_opens(s->text, from, 0))
		return from; /* "  * Cipro - wife unsure": its own entry */
	for (int n = 0; n < WRAPPED_LINES && at > 0; n++) {
		uint32_t prev = at - 1;

		while (prev > 0 && s->text[prev - 1] != '\n')
			prev--;
		if (prev + 1 >= at)
			break; /* an empty line ends the entry */
		if (indented &&
		    bullet_opens(s->text, prev, indent_of(s->text, from)))
			return prev;
		if (indented ? s->text[prev] != ' ' && s->text[prev] != '\t'
			     : !notes__soft_wrap(s->text, s->text_len, at - 1))
			break;
		/* a hanging indent: the entry's first line is indented less
		 * than its wraps ("  Penicillin - \"rash as a toddler\" ... ⏎
		 *      reaction, and cefuroxime yesterday ok. Label probably
		 * spurious", allergy75sd) */
		if (indented &&
		    indent_of(s->text, prev) < indent_of(s->text, from))
			return prev;
		if (!indented)
			from = prev;
		at = prev;
	}
	return from;
}

/* judged_here: is f an allergy a verdict of s itself denies ("Also
 * told \"allergic to Panadol\" ... pt not sure, has taken Panadol many
 * times ... with no problem -> likely erroneous", allergy75uc, en-dev6)?
 * A doubt told with the verdict is that label's, settled by it, not an
 * earlier allergy's. */
static bool
judged_here(const sentence *s, const notes_finding *f)
{
	if (f->kind != NOTES_ALLERGY || f->context != NOTES_NEGATED)
		return false;
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_PSEUDO &&
		    (s->items[j].e->dir & NOTES_DIR_NOT_ALLERGY) &&
		    strcmp(s->items[j].e->key, f->trigger) == 0)
			return true;
	return false;
}

/* label_named_after returns the drug item the doubt at word w names
 * right after it, "the" at most between ("so I doubt the penicillin
 * label", allergy75gg), or NULL.  The doubt is that label's, not the last
 * allergy told. */
static const item *
label_named_after(const sentence *s, size_t w)
{
	size_t v = w + 1;

	if (v < s->n && notes__words_at(s, v, "the"))
		v++;
	for (size_t k = 0; k < s->n_items; k++)
		if (s->items[k].w0 == v && is_drug(&s->items[k]))
			return &s->items[k];
	return NULL;
}

void
notes__doubt_allergy(const sentence *s, notes_reading *out)
{
	const item *named;
	size_t w;
	const char *doubt;
	uint32_t from;

	/* an empty sentence (the end of an empty note) has no line */
	if (s->n == 0)
		return;
	/* a doubt on an entry's indented wrap (not on a paragraph's) is
	 * that entry's, though another drug was told between ("4.
	 * \"Sulfa\" - ... he has taken furosemide for ⏎   years without
	 * problem. UNVERIFIED - left on profile", allergy75oy, en-dev76) */
	from = line_start(s);
	if (s->text[from] == ' ' || s->text[from] == '\t')
		from = entry_start(s);
	if (s->prior.e != NULL && s->prior.start < from)
		from = s->prior.start;
	/* most sentences have no allergy near to doubt: the doubt words
	 * are looked for only when one is */
	if (!doubtable_since(out, from) ||
	    ((doubt = doubt_word(s, &w)) == NULL &&
	     (doubt = hedged_cause_zh(s, &w)) == NULL) ||
	    of_others(s, w) || of_indication(s, w) || of_drug_named(s, w))
		return;
	named = label_named_after(s, w);
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (named != NULL && (f->start >= s->words[w].start ||
				      strcmp(f->code, named->e->code) != 0))
			continue;
		if (f->start < from || already_doubted(s, f, w) ||
		    judged_here(s, f) ||
		    (f->start < s->words[0].start && unknown_drug_before(s, w)))
			return; /* the doubt of a drug the reader does not
				 * know is not the sentence before's */
		if (f->start < s->words[w].start && doubtable(f)) {
			f->context = NOTES_UNCERTAIN;
			f->trigger = doubt;
			return;
		}
	}
}

/* negate_line_allergies negates, with trigger, the affirmed allergy
 * last read on s's line before s, or each of them when all.  One at a
 * time, an allergy the line already denies after it is the label removed
 * ("morphine - hallucinations ... NO penicillin allergy ... not a true
 * allergy ... Label removed, documented": the penicillin's), and the
 * affirmed one before it stands (rules75en23); a drug taken since without
 * harm is no label, and the label before it is the one removed
 * ("Penicillin \"allergy\" ... Has since had Augmentin ... with no
 * reaction. ... Label removed", rules75en27).  The denial so found
 * becomes the de-labelling, so that the note's other mentions of that
 * label go with it ("\"Penicillin allergy\" - Barbados record. ... she
 * never reacted to penicillin. Removed from our record;", allergy75k). */
/* told_with: are bytes [from, to) of s's text one sentence's: no full
 * stop or semicolon (notes__part_ends), line break, 。 or ；? */
static bool
told_with(const sentence *s, uint32_t from, uint32_t to)
{
	static const char stop_zh[] = "\xe3\x80\x82"; /* 。 */

	if (from >= to)
		return true;
	return !notes__part_ends(s, from, to) &&
	       !notes__between_has(s, from, to, '\n') &&
	       memmem(s->text + from, to - from, stop_zh, 3) == NULL &&
	       memmem(s->text + from, to - from, FW_SEMI, 3) == NULL;
}

/* negate_class_heading negates, with trigger, each affirmed allergy on
 * s's line before f whose class f's drug is a member of, told in f's
 * sentence: the entry that heads the story of the drug whose label is
 * removed ("- Penicillin: was labelled as a teenager (vomiting with
 * amoxicillin).  Label REMOVED.": the penicillin label is the one
 * removed; allergy75bu). */
static void
negate_class_heading(const sentence *s, notes_reading *out, size_t i,
		     const char *trigger)
{
	const notes_finding *f = &out->findings[i];

	while (i-- > 0) {
		notes_finding *g = &out->findings[i];

		if (!told_with(s, g->end, f->start))
			return;
		if (g->kind == NOTES_ALLERGY && g->context == 0 &&
		    g->code[0] != '\0' && notes__member_of(f->code, g->code)) {
			g->context = NOTES_NEGATED;
			g->trigger = trigger;
		}
	}
}

/* recorded_finding: is f the drug of an item of s that a record cue
 * names ("label removed, documented as intolerance of amoxicillin",
 * allergy75gt)?  The removal is of another label. */
static bool
recorded_finding(const sentence *s, const notes_finding *f)
{
	for (size_t m = 1; m < s->n_items; m++)
		if (s->items[m].start == f->start)
			return notes__recorded_names(s, m - 1, m);
	return false;
}

/* another_drug_after: is f, an allergy on a line before s's, followed by
 * a drug of another substance found later ("... list \"penicillin -
 * rash\" ... - he has taken Nurofen many times without wheeze; I have
 * removed this from our record", en-dev57)?  The removal is of what was
 * told last: a label of an earlier line is reached only when nothing
 * else was named after it (allergy75nn). */
static bool
another_drug_after(const sentence *s, const notes_reading *out, size_t i)
{
	const notes_finding *f = &out->findings[i];

	if (f->start >= line_start(s))
		return false;
	for (size_t j = i + 1; j < out->n; j++) {
		const notes_finding *g = &out->findings[j];

		if (g->kind != NOTES_PROBLEM && g->code[0] != '\0' &&
		    !notes__related(f->code, g->code))
			return true;
	}
	return false;
}

/* challenge_drug: is finding f the drug of a challenge or test, the word
 * after it saying so ("She had a graded oral amoxicillin challenge ...,
 * which was negative, and the label was removed", allergy75po,
 * en-dev77)?  It is the removal's evidence; the label removed is the one
 * told before. */
static bool
challenge_drug(const sentence *s, const notes_finding *f)
{
	static const char *const test[] = {" challenge", " test", " trial"};

	for (size_t i = 0; i < N_OF(test); i++)
		if (f->end + strlen(test[i]) <= s->text_len &&
		    strncasecmp(s->text + f->end, test[i], strlen(test[i])) ==
			    0)
			return true;
	return false;
}

static void
negate_line_allergies(const sentence *s, notes_reading *out,
		      const char *trigger, bool all)
{
	uint32_t from = entry_start(s);
	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;) {
		notes_finding *f = &out->findings[i];

		if (recorded_finding(s, f) || challenge_drug(s, f))
			continue;
		if (!all && f->kind == NOTES_ALLERGY &&
		    another_drug_after(s, out, i))
			return;

		if (!all && f->kind == NOTES_ALLERGY &&
		    (f->context & NOTES_NEGATED) && f->code[0] != '\0' &&
		    !tolerated_only(f)) {
			if (f->context == NOTES_NEGATED)
				f->trigger = trigger;
			return;
		}
		/* a doubted label removed is gone too ("Penicillin: on
		 * chart as \"PCN - ?rash\" ... Label removed today",
		 * allergy75w) */
		if (f->kind == NOTES_ALLERGY &&
		    (f->context & ~NOTES_UNCERTAIN) == 0 &&
		    f->code[0] != '\0') {
			f->context = NOTES_NEGATED;
			f->trigger = trigger;
			if (!all) {
				negate_class_heading(s, out, i, trigger);
				return;
			}
		}
	}
}

static bool pending_in(const sentence *s);

/* reached_none: does de-labelling trigger j of s come after its drugs,
 * said done, and negate none of them, those after it read as medicines
 * ("Also told she was allergic to
 * Augmentin but has since had amoxicillin ... without any problem; GP
 * removed the label.", allergy75w)?  Then it speaks of the label told
 * before it, as one in a sentence of its own does; a removal not done
 * ("I have not removed the label pending formal testing") removes
 * nothing. */
static bool
reached_none(const sentence *s, const notes_reading *out, size_t j)
{
	size_t w0 = s->items[j].w0;

	if (pending_in(s) || (w0 >= 1 && notes__words_at(s, w0 - 1, "not")) ||
	    (w0 >= 2 && notes__words_at(s, w0 - 2, "not")))
		return false;
	for (size_t m = j + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    !taken_only_at(out, &s->items[m]) &&
		    !notes__recorded_names(s, m - 1, m))
			return false;
	for (size_t i = out->n;
	     i-- > 0 && out->findings[i].start >= s->words[0].start;)
		if (out->findings[i].trigger != NULL &&
		    strcmp(out->findings[i].trigger, s->items[j].e->key) == 0 &&
		    (out->findings[i].start < s->items[j].start ||
		     out->findings[i].kind == NOTES_ALLERGY) &&
		    !challenge_drug(s, &out->findings[i]))
			return false;
	return true;
}

void
notes__delabel_heading_zh(const sentence *s, notes_reading *out)
{
	size_t j = 0;

	while (j < s->n_items && (!(s->items[j].e->dir & NOTES_DIR_DELABEL) ||
				  s->items[j].e->type != NOTES_T_NEGATED ||
				  (unsigned char)s->items[j].e->key[0] < 0x80))
		j++;
	if (j == s->n_items)
		return;
	for (size_t i = out->n;
	     i-- > 0 && out->findings[i].start >= s->words[0].start;) {
		const notes_finding *f = &out->findings[i];

		if (f->start < s->items[j].start && f->kind == NOTES_ALLERGY &&
		    f->context == NOTES_NEGATED && f->code[0] != '\0') {
			negate_class_heading(s, out, i, s->items[j].e->key);
			return;
		}
	}
}

/* removal_forgone: do "rather than" or "instead of" stand right before
 * word w, a removal the writer chose not to make ("We have referred him
 * to the drug allergy clinic rather than remove it ourselves", en-dev57,
 * allergy75nn)? */
static bool
removal_forgone(const sentence *s, size_t w)
{
	return w >= 2 && ((notes__words_at(s, w - 2, "rather") &&
			   notes__words_at(s, w - 1, "than")) ||
			  (notes__words_at(s, w - 2, "instead") &&
			   notes__words_at(s, w - 1, "of")));
}

void
notes__delabel_line(const sentence *s, notes_reading *out)
{
	size_t j = 0;

	/* a de-labelling trigger, not a "not an allergy" (disowned_allergy
	 * reads that) */
	while (j < s->n_items && (!(s->items[j].e->dir & NOTES_DIR_DELABEL) ||
				  s->items[j].e->type != NOTES_T_NEGATED))
		j++;
	if (j == s->n_items || (unsigned char)s->items[j].e->key[0] >= 0x80 ||
	    (notes__first_drug(s, s->n_items) < s->n_items &&
	     !reached_none(s, out, j)) ||
	    removal_forgone(s, s->items[j].w0))
		return;
	negate_line_allergies(s, out, s->items[j].e->key, false);
}

/* verdict_cue_zh: is item j of s a Chinese verdict that the story told
 * is no allergy ("并非过敏", "不是过敏", "不算过敏", "唔系敏感") or is not
 * to be recorded as one ("不列为过敏", "未记为过敏", "過敏欄未列",
 * allergy75hn), not a bare "无过敏" that may deny other allergies ("其他
 * 无过敏")? */
static bool
verdict_cue_zh(const sentence *s, size_t j)
{
	static const char *const verdict[] = {
		"非",	"并非", "不是", "不算", "不属", "唔系", "不列",
		"未列", "不作", "不视", "不记", "未记", "不归", "过敏栏未列"};
	const notes_entry *e = s->items[j].e;

	if (e->type != NOTES_T_ALLERGY_CUE || !(e->dir & NOTES_DIR_DELABEL) ||
	    (unsigned char)e->key[0] < 0x80)
		return false;
	for (size_t i = 0; i < sizeof(verdict) / sizeof(*verdict); i++)
		if (strncmp(e->key, verdict[i], strlen(verdict[i])) == 0)
			return true;
	return false;
}

/* another_entry_zh: does s open another entry of its own ("另自述“吃了
 * 血防站发的药头晕”——吡喹酮副作用，非过敏", a drug the reader does not
 * know)?  Its verdict is that entry's, not the label told before. */
static bool
another_entry_zh(const sentence *s)
{
	static const char *const another[] = {"另", "另外", "此外"};

	return s->n > 0 && notes__words_in(s, 0, another,
					   sizeof(another) / sizeof(*another));
}

/* verdict_alone_zh: does s name no drug before its verdict j, nor after
 * it but past a semicolon that opens another clause ("…考虑为肾上腺素反应
 * 或紧张所致，不属于过敏；2024年…外用复方利多卡因乳膏无不适", zh-dev62,
 * allergy75ih)?  The verdict is then the line's label's; a drug of its
 * own clause is the one it speaks of. */
static bool
verdict_alone_zh(const sentence *s, size_t j)
{
	static const char semicolon[] = "\xef\xbc\x9b";

	for (size_t m = 0; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (is_drug(it) &&
		    (it < &s->items[j] || it->start < s->items[j].end ||
		     memmem(s->text + s->items[j].end,
			    it->start - s->items[j].end, semicolon, 3) == NULL))
			return false;
	}
	return true;
}

void
notes__verdict_after_zh(const sentence *s, notes_reading *out)
{
	size_t j = 0;

	while (j < s->n_items && !verdict_cue_zh(s, j))
		j++;
	if (j == s->n_items || !verdict_alone_zh(s, j) ||
	    notes__doubted_after_zh(s, &s->items[j]) || another_entry_zh(s))
		return;
	negate_line_allergies(s, out, s->items[j].e->key, false);
}

/* REMOVED_RECORD_WORDS: how far after a Chinese de-labelling verb the
 * allergy record it removes is named ("已刪除此過敏紀錄"). */
#define REMOVED_RECORD_WORDS 4

/* record_named_zh: is an allergy's record or label ("过敏", "标签",
 * "记录", Hong Kong's "敏感", Taiwan's "註記") named within
 * REMOVED_RECORD_WORDS words after item j ("2021 年醫生已經剔除呢個敏感",
 * allergy75bd; "經查為 2023 年診所誤植，…刪除此註記", allergy75sj, zh-dev85)?
 */
static bool
record_named_zh(const sentence *s, size_t j)
{
	static const char *const record[] = {"过敏", "标签", "记录",
					     "纪录", "敏感", "注记"};
	size_t w = s->items[j].w1;

	for (; w < s->n && w < s->items[j].w1 + REMOVED_RECORD_WORDS; w++)
		if (notes__words_in(s, w, record,
				    sizeof(record) / sizeof(*record)))
			return true;
	return false;
}

/* from_record_zh: is an allergy's record named after 从 within
 * REMOVED_RECORD_WORDS words before item j ("从过敏栏删除", "從過敏紀錄中
 * 刪除")?  The record is named before the verb, so a drug after it is no
 * object of it ("…决定从过敏栏删除，改为“吗啡剂量敏感”备注",
 * rules75zh28). */
static bool
from_record_zh(const sentence *s, size_t j)
{
	static const char *const record[] = {"过敏", "過敏", "标签",
					     "记录", "纪录", "紀錄"};
	size_t w0 = s->items[j].w0;
	size_t w = w0 > REMOVED_RECORD_WORDS + 1 ? w0 - REMOVED_RECORD_WORDS - 1
						 : 0;

	for (; w < w0; w++)
		if (notes__words_at(s, w, "从") || notes__words_at(s, w, "從"))
			return notes__words_any(s, w + 1, w0, record,
						sizeof(record) /
							sizeof(*record));
	return false;
}

/* LABEL_BEFORE_WORDS: how far before a Chinese de-labelling verb its
 * subject label is named ("标签已删除": 标, 签, 已). */
#define LABEL_BEFORE_WORDS 3

/* label_before_zh: is the label named right before item j, its subject
 * ("所以此標籤已刪除", "青霉素标签已删除", allergy75bd)?  As after 从,
 * the label is named before the verb. */
static bool
label_before_zh(const sentence *s, size_t j)
{
	static const char *const label[] = {"标签", "標籤"};
	size_t w0 = s->items[j].w0;
	size_t w = w0 > LABEL_BEFORE_WORDS ? w0 - LABEL_BEFORE_WORDS : 0;

	return notes__words_any(s, w, w0, label,
				sizeof(label) / sizeof(*label));
}

/* CALLED_LABEL_WORDS: how far after "为" the writer's "标签" may stand
 * ("为推断性标签": 推, 断, 性, 标签). */
#define CALLED_LABEL_WORDS 6

/* called_label_zh: does the writer call allergy cue item k a label right
 * after it ("头孢类过敏为推断性标签，无实际用药史，一并删除", allergy75st,
 * zh-dev85)? */
static bool
called_label_zh(const sentence *s, size_t k)
{
	static const char *const is[] = {"为", "是", "属"};
	static const char *const label[] = {"标签", "標籤"};
	size_t w = s->items[k].w1;

	return w < s->n && notes__words_in(s, w, is, N_OF(is)) &&
	       notes__words_any(s, w + 1,
				w + 1 + CALLED_LABEL_WORDS < s->n
					? w + 1 + CALLED_LABEL_WORDS
					: s->n,
				label, N_OF(label));
}

/* label_told_zh: is allergy cue item k a label the writer reports, a
 * quote closed right after it ("曾記錄「Aspirin 過敏」", "病历记载“阿司匹林
 * 过敏”"), a record's verb right before it ("复方新诺明——曾记录过敏") or
 * one the writer calls a label (called_label_zh)? */
static bool
label_told_zh(const sentence *s, size_t k)
{
	static const char *const close[] = {"\u201d", "\u300d", "\""};
	static const char *const recorded[] = {"记录", "记载", "记为"};
	const item *c = &s->items[k];

	if (called_label_zh(s, k))
		return true;

	for (size_t i = 0; i < sizeof(close) / sizeof(*close); i++)
		if (strncmp(s->text + c->end, close[i], strlen(close[i])) == 0)
			return true;
	return notes__words_end_at(s, c->w0, recorded,
				   sizeof(recorded) / sizeof(*recorded));
}

/* THIS_LABEL_WORDS: how far into a Chinese sentence its "this label"
 * may name the label ("此過敏註記": 此, 過, 敏, 註, 記). */
#define THIS_LABEL_WORDS 6

/* this_label_zh: does s open with "this" and name the allergy's label or
 * record within THIS_LABEL_WORDS words, before de-labelling verb item j
 * ("3. Levofloxacin：舊病歷記載「疑似過敏，皮膚癢」，…本次亦使用無反應。
 * 此過敏註記已由主治醫師移除。", zh-dev79), no denial right before the verb
 * ("此过敏记录暂不删除")?  The label removed is the one the entry told. */
static bool
this_label_zh(const sentence *s, size_t j)
{
	static const char *const this[] = {"此", "该", "該", "这", "這"};
	static const char *const label[] = {"标签", "標籤", "注记", "註記",
					    "记录", "記錄", "纪录", "紀錄"};
	static const char *const denial[] = {"不", "勿", "未", "没", "无"};
	size_t w0 = s->items[j].w0;
	size_t to = w0 < THIS_LABEL_WORDS ? w0 : THIS_LABEL_WORDS;

	return s->n > 0 && notes__words_in(s, 0, this, N_OF(this)) &&
	       notes__words_any(s, 1, to, label, N_OF(label)) &&
	       !(w0 > 0 && notes__words_in(s, w0 - 1, denial, N_OF(denial)));
}

/* removed_last_zh: does de-labelling verb item j end s, no denial right
 * before it ("暂不删除", "未删除"), after an allergy label s reports
 * (label_told_zh: "曾記錄「Aspirin 過敏」，但病人已服用 aspirin 六年無事，
 * 經醫生核實後刪除。")?  The verb's object is that label, as "予删除" after
 * "考虑记录错误" reads it. */
static bool
removed_last_zh(const sentence *s, size_t j)
{
	static const char *const denial[] = {"不", "勿", "未", "没", "无"};
	size_t w0 = s->items[j].w0;

	if (s->items[j].w1 != s->n ||
	    (w0 > 0 && notes__words_in(s, w0 - 1, denial,
				       sizeof(denial) / sizeof(*denial))))
		return false;
	for (size_t k = 0; k < j; k++)
		if (s->items[k].e->type == NOTES_T_ALLERGY_CUE &&
		    label_told_zh(s, k))
			return true;
	return false;
}

/* negate_sentence_allergy negates, with item j's trigger, the last
 * affirmed or doubted allergy s names before item j; false when it names
 * none.  A doubted label removed is gone too ("曾被记录\"Penicillin?\"，
 * …激发试验均阴性，已正式去除标签", allergy75gy), as in English. */
static bool
negate_sentence_allergy(const sentence *s, notes_reading *out, size_t j)
{
	size_t last = notes__first_drug(s, j);

	/* the last drug named before the verb */
	for (size_t m = last; m < j; m++)
		if (is_drug(&s->items[m]))
			last = m;
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];
		/* a label told before in the note stands for its mention
		 * here, the drug the verb removes ("② 头孢：从未用过…" …
		 * "2. 头孢类过敏为推断性标签，…一并删除", allergy75st) */
		bool here = f->start >= s->words[0].start ||
			    (last < j && f->again == s->items[last].start);

		if (f->kind == NOTES_ALLERGY &&
		    (f->context & ~NOTES_UNCERTAIN) == 0 &&
		    f->code[0] != '\0' && here &&
		    f->start < s->items[j].start) {
			f->context = NOTES_NEGATED;
			f->trigger = s->items[j].e->key;
			return true;
		}
		if (f->start < s->words[0].start && last == j)
			break;
	}
	return false;
}

void
notes__removed_record_zh(const sentence *s, notes_reading *out)
{
	size_t j = 0;
	bool from;

	while (j < s->n_items && (!(s->items[j].e->dir & NOTES_DIR_DELABEL) ||
				  s->items[j].e->type != NOTES_T_NEGATED ||
				  (unsigned char)s->items[j].e->key[0] < 0x80))
		j++;
	if (j < s->n_items && notes__first_drug(s, s->n_items) == s->n_items &&
	    this_label_zh(s, j)) {
		negate_line_allergies(s, out, s->items[j].e->key, false);
		return;
	}
	if (j == s->n_items || j == 0 || notes__first_drug(s, s->n_items) >= j)
		return;
	/* "此標籤已刪除" after the drug taken since without harm removes
	 * the label the line told before ("…「對阿士匹靈敏感」…。但…已食
	 * aspirin 300mg，完全冇反應，所以此標籤已刪除。") */
	if (label_before_zh(s, j)) {
		if (!negate_sentence_allergy(s, out, j))
			negate_line_allergies(s, out, s->items[j].e->key,
					      false);
		return;
	}
	from = from_record_zh(s, j);
	if (!from && !record_named_zh(s, j) && !removed_last_zh(s, j))
		return;
	/* "删除青霉素过敏" names its own; a drug in a later clause is the
	 * story going on ("已除去標籤，之後再食過 amoxicillin 冇事") */
	for (size_t m = j + 1; m < s->n_items && !from; m++)
		if (is_drug(&s->items[m]) && !notes__comma_between(s, j, m))
			return;
	/* the label may end its own sentence with its "?" ("曾被记录
	 * \"Penicillin?\"，…激发试验均阴性，已正式去除标签", allergy75hi): the
	 * removal is of the line's */
	if (!negate_sentence_allergy(s, out, j))
		negate_line_allergies(s, out, s->items[j].e->key, false);
}

/* removed_it: is s, on an allergy line or list and naming no drug, the
 * writer's "I have removed it" ("She also lists \"lamotrigine\" on her
 * card ... she has been on it for nine months since without trouble. I
 * have removed it.", allergy75w)?  The "it" is the label the line told
 * last. */
static bool
removed_it(const sentence *s)
{
	static const char *const who[] = {"i", "we"};

	return (s->allergy_line || s->allergy_list) && s->n >= 4 &&
	       notes__words_in(s, 0, who, sizeof(who) / sizeof(*who)) &&
	       notes__words_at(s, 1, "have") &&
	       notes__words_at(s, 2, "removed") &&
	       notes__words_at(s, 3, "it") &&
	       notes__first_drug(s, s->n_items) == s->n_items;
}

/* removed_status: does s, on an allergy line or list, open with
 * "removed" and name no drug right after it, the status of the entry
 * told before it on its line ("* Penicillin - old label from a childhood
 * rash.  REMOVED 2023 after she had a full course of amoxicillin",
 * allergy75cq)?  What follows is when, by whom or the evidence; "Removed
 * PCN label" names its label (names_removed_label). */
static bool
removed_status(const sentence *s)
{
	return (s->allergy_line || s->allergy_list) && s->n >= 2 &&
	       notes__words_at(s, 0, "removed") &&
	       !(s->n_items > 0 && s->items[0].w0 == 1 &&
		 is_drug(&s->items[0]));
}

/* remove_entry_status negates the last allergy its line told before
 * status sentence s ("REMOVED 2023 after ..."), and the allergies s
 * reads in its evidence: a drug the label was removed after was taken
 * without harm. */
static void
remove_entry_status(const sentence *s, notes_reading *out)
{
	/* the entry may wrap ("- \"Penicillin\" - pt and daughter deny any
	 * reaction; she had amoxicillin ⏎ after a dental extraction in 2025
	 * w/o problem. REMOVED per pt.", allergy75sv, en-dev86) */
	uint32_t from = entry_start(s);
	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;) {
		notes_finding *f = &out->findings[i];
		bool evidence = f->start >= s->words[0].start;

		if (f->kind != NOTES_ALLERGY || f->code[0] == '\0' ||
		    (f->context & ~NOTES_UNCERTAIN) != 0)
			continue;
		f->context = NOTES_NEGATED;
		f->trigger = "label removed";
		if (!evidence) {
			negate_class_heading(s, out, i, "label removed");
			return;
		}
	}
}

/* removed_later: is s, on an allergy list and naming no drug, a later
 * sentence of an entry that says its label is removed ("(2) \"Amoxicillin
 * - rash (childhood)\" on old NEHR entry. Has now had IV Augmentin x 3/7
 * with no reaction. Discussed w pt - REMOVED from allergy list today",
 * allergy75ts, en-dev89)?  The label removed is the entry's. */
static bool
removed_later(const sentence *s)
{
	if (!s->allergy_list || notes__first_drug(s, s->n_items) != s->n_items)
		return false;
	/* "NOT an allergy - removed from chart and MHR notified": on an
	 * allergy list, with no drug named, the chart is the allergy's */
	for (size_t w = 0; w + 1 < s->n; w++)
		if (notes__words_at(s, w, "removed") &&
		    notes__words_at(s, w + 1, "from"))
			return true;
	return false;
}

/* removed_after_test: is s, on an allergy list, a later sentence of an
 * entry that ends its story with "label removed", the drugs it names
 * before, one at least, all told taken without harm ("- Penicillin:
 * labelled since childhood. Allergy clinic 2021 - skin tests negative,
 * oral amoxicillin challenge tolerated -> NOT allergic, label removed.",
 * allergy75uc, en-dev92), or that opens with "not allergic" ("...
 * without reaction. NOT allergic - label removed after discussion",
 * en-dev90)?  The drugs are the test's; the label removed is the
 * entry's. */
static bool
removed_after_test(const sentence *s)
{
	size_t w = 0, j = 0;
	bool tested = false;

	if (!s->allergy_list)
		return false;
	while (w + 1 < s->n && !(notes__words_at(s, w, "label") &&
				 notes__words_at(s, w + 1, "removed")))
		w++;
	if (w + 1 >= s->n)
		return false;
	while (j < s->n_items && s->items[j].w0 < w)
		j++;
	for (size_t m = 0; m < j; m++)
		if (is_drug(&s->items[m])) {
			if (!told_tolerated(s, m, j))
				return false;
			tested = true;
		}
	return tested || (notes__words_at(s, 0, "not") &&
			  notes__words_at(s, 1, "allergic") && w > 1);
}

void
notes__removed_entry(const sentence *s, notes_reading *out)
{
	if (s->n == 1 && notes__words_at(s, 0, "removed"))
		negate_line_allergies(s, out, "label removed", true);
	else if (removed_it(s))
		negate_line_allergies(s, out, "label removed", false);
	else if (removed_status(s) || removed_later(s) || removed_after_test(s))
		remove_entry_status(s, out);
}

/* removed_before: does "removed", or "removed" and an owner ("the",
 * "her", ...), stand right before word w0 ("I have removed the
 * penicillin allergy label", "Removed PCN label.")? */
static bool
removed_before(const sentence *s, size_t w0)
{
	static const char *const owner[] = {"the", "her", "his", "their"};

	if (w0 >= 1 && notes__words_at(s, w0 - 1, "removed"))
		return true;
	return w0 >= 2 && notes__words_at(s, w0 - 2, "removed") &&
	       notes__words_in(s, w0 - 1, owner,
			       sizeof(owner) / sizeof(*owner));
}

/* removed_after: does "removed" follow the allergy or label word at w
 * of a drug's label ("Penicillin allergy removed.", "card updated
 * \"penicillin allergy removed 30/11/2026\"", "PENICILLIN ALLERGY
 * REMOVED from the chart", allergy75ae)?  Said right after the label it
 * removes, in the past, it is done; "if the allergy is removed" puts
 * a verb between. */
static bool
removed_after(const sentence *s, size_t w)
{
	return w + 1 < s->n && notes__words_at(s, w + 1, "removed");
}

/* other_drug_before: does s name a drug other than item k's before it?
 * A label removed after another drug's entry may be the narrowing of
 * the label to that drug ("Allergy label corrected to \"amoxicillin -
 * diarrhoea (intolerance)\", penicillin allergy removed", allergy75ae),
 * which keeps the member's allergy; only a label the sentence names
 * alone is read as removed outright. */
static bool
other_drug_before(const sentence *s, size_t k)
{
	for (size_t m = 0; m < k; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return true;
	return false;
}

/* names_removed_label: is drug item k the label a sentence says was
 * removed, "removed the <drug> allergy label" ("I have removed the
 * penicillin allergy label from our electronic record", "I have removed
 * the allopurinol entry", "Removed PCN label.", allergy75w) or "<drug>
 * allergy removed" (removed_after)? */
static bool
names_removed_label(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	bool label = notes__words_at(s, w1, "allergy") ||
		     notes__words_at(s, w1, "label") ||
		     notes__words_at(s, w1, "entry");

	return is_drug(&s->items[k]) && label &&
	       (removed_before(s, w0) ||
		(removed_after(s, w1) && !other_drug_before(s, k)));
}

void
notes__removed_named_label(const sentence *s, notes_reading *out)
{
	for (size_t k = 0; k < s->n_items; k++) {
		if (!names_removed_label(s, k))
			continue;
		for (size_t i = out->n; i-- > 0;) {
			notes_finding *f = &out->findings[i];

			/* a doubted label removed is gone too ("sensitive
			 * to allopurinol?? ... I have removed the allopurinol
			 * entry", rules75en14) */
			if (f->kind == NOTES_ALLERGY &&
			    (f->context & ~NOTES_UNCERTAIN) == 0 &&
			    strcmp(f->code, s->items[k].e->code) == 0) {
				f->context = NOTES_NEGATED;
				f->trigger = "removed the allergy label";
				break;
			}
		}
	}
}

/* denial_only: is s the patient's bare denial, "she denies", "pt
 * denies", naming no drug and no problem of its own? */
static bool
denial_only(const sentence *s)
{
	static const char *const who[] = {"she", "he", "pt", "patient"};

	if (s->n < 2 ||
	    !notes__words_in(s, 0, who, sizeof(who) / sizeof(*who)) ||
	    !(notes__words_at(s, 1, "denies") ||
	      notes__words_at(s, 1, "denied")))
		return false;
	for (size_t k = 0; k < s->n_items; k++)
		if (is_drug(&s->items[k]) ||
		    s->items[k].e->type == NOTES_T_PROBLEM)
			return false;
	return true;
}

void
notes__denied_report(const sentence *s, notes_reading *out)
{
	if (denial_only(s))
		negate_line_allergies(s, out, "denies", false);
}

/* The words that give a reported answer before it ("daughter says NO"),
 * and the answers that deny ("Sulfa? denies."). */
static const char *const answer_says[] = {"says", "said", "states"};
static const char *const answer_none[] = {"no", "none", "nil", "denies",
					  "denied"};

/* answer_word: where the "no" answering a question stands in s: its first
 * word, or the answer of someone who gives it ("daughter says NO", "Graham:
 * \"No, Mum ...\""), or s->n when none.  The answer is its clause alone:
 * a comma, a full stop, a colon or a semicolon follows it. */
static size_t
answer_word(const sentence *s)
{
	size_t w = s->n;
	char after;

	if (s->n > 0 && notes__words_in(s, 0, answer_none, 5))
		w = 0;
	else if (s->n > 1 && notes__words_in(s, 1, answer_none + 3, 2))
		w = 1; /* "pt denies" */
	else if (s->n > 2 && notes__words_in(s, 1, answer_says, 3) &&
		 notes__words_at(s, 2, "no"))
		w = 2;
	else if (s->n > 1 && s->text[s->words[0].end] == ':' &&
		 notes__words_at(s, 1, "no"))
		w = 1;
	if (w == s->n)
		return s->n;
	after = w + 1 < s->n ? s->text[s->words[w].end] : '.';
	return after == ',' || after == '.' || after == ';' || after == ':'
		       ? w
		       : s->n;
}

/* question_before: where the question mark ending the sentence before s
 * stands ("Allergies: PCN? - no, ..."), or 0; the first of a run of them
 * ("ACE inhibitor cough?? - NO, he is ON ramipril", allergy75tw,
 * en-dev50). */
static uint32_t
question_before(const sentence *s)
{
	uint32_t q = s->words[0].start;

	while (q > 0 && (s->text[q - 1] == ' ' || s->text[q - 1] == '-'))
		q--;
	if (q == 0 || s->text[q - 1] != '?')
		return 0;
	while (q > 1 && s->text[q - 2] == '?')
		q--;
	return q - 1;
}

/* answer_no: is s a "no" answering a question the sentence before ended
 * with ("Allergies: PCN? - no, he tolerated Augmentin ...", "Penicillin?
 * daughter says NO, that was her dad")?  Returns where that question mark
 * stands, or 0. */
static uint32_t
answer_no(const sentence *s)
{
	/* the answer's colon ("NO: she had ...", "Graham: \"No ...")
	 * reads as a heading that ends the list: the question's allergy
	 * finding, right before, is the allergy context */
	if (s->n == 0 || answer_word(s) == s->n)
		return 0;
	return question_before(s);
}

/* answer_taken: does s answer a question of an allergy to code with the
 * substance used without harm ("Also latex? - we used latex gloves
 * during today's exam with no reaction, so I do not think so")? */
static bool
answer_taken(const sentence *s, const char *code)
{
	for (size_t k = 0; k < s->n_items; k++)
		if (is_drug(&s->items[k]) &&
		    strcmp(s->items[k].e->code, code) == 0 &&
		    notes__tolerated_after(s, k) != NULL)
			return true;
	return false;
}

/* asked_of: does the question that ends at q ask of allergy f, named
 * right before it or with its reaction's word or two between ("ACE
 * inhibitor cough? - no, she's on ramipril fine")? */
static bool
asked_of(const char *text, const notes_finding *f, uint32_t q)
{
	size_t words = 0;

	for (uint32_t i = f->end; i < q; i++) {
		if (text[i] == ' ' && i + 1 < q && text[i + 1] != ' ')
			words++;
		else if (!isalpha((unsigned char)text[i]) && text[i] != ' ')
			return false;
	}
	return words <= 2;
}

void
notes__answered_no(const sentence *s, notes_reading *out)
{
	bool no = answer_no(s) != 0;
	uint32_t q = s->n > 0 ? question_before(s) : 0;

	for (size_t i = out->n; q > 0 && i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (f->kind != NOTES_ALLERGY || f->end > q)
			continue;
		if (asked_of(s->text, f, q) && f->code[0] != '\0' &&
		    (f->context & ~NOTES_UNCERTAIN) == 0 &&
		    (no || answer_taken(s, f->code))) {
			f->context = NOTES_NEGATED;
			f->trigger = no ? "answered no" : "answered taken";
		}
		return; /* only the allergy the question named */
	}
}

/* intolerance_only: is s a bare record of an intolerance, naming no
 * drug and denying nothing ("Record as intolerance.")? */
static bool
intolerance_only(const sentence *s)
{
	bool cue = false;

	for (size_t k = 0; k < s->n_items; k++) {
		const notes_entry *e = s->items[k].e;

		if (is_drug(&s->items[k]) || e->type == NOTES_T_NEGATED)
			return false;
		cue = cue || (e->type == NOTES_T_ALLERGY_CUE &&
			      strstr(e->key, "intoleran") != NULL);
	}
	return cue;
}

/* named_after: does a drug follow cue item k at once ("as intolerance of
 * amoxicillin", the record of that drug)? */
static bool
named_after(const sentence *s, size_t k)
{
	return k + 1 < s->n_items && is_drug(&s->items[k + 1]);
}

/* charted_intolerance: the start of the intolerance s records after a
 * verdict ("\"I'm not allergic, it just makes me itch\" - charted as
 * intolerance", allergy75tl, en-dev87), a record's verb and "as" right
 * before it; 0 for none. */
static uint32_t
charted_intolerance(const sentence *s)
{
	static const char *const charted[] = {
		"charted", "recorded", "documented", "listed",
		"entered", "added",    "coded",	     "kept"};

	for (size_t k = 0; k < s->n_items; k++) {
		const item *c = &s->items[k];

		/* "as intolerance" is one cue, "recorded as intolerance"
		 * another */
		if (c->e->type == NOTES_T_ALLERGY_CUE &&
		    strstr(c->e->key, "as intoleran") != NULL &&
		    (strncmp(c->e->key, "as ", 3) != 0 ||
		     (c->w0 >= 1 &&
		      notes__words_in(s, c->w0 - 1, charted, N_OF(charted)))))
			return named_after(s, k) ? 0 : c->start;
	}
	return 0;
}

/* notes__intolerance_charted makes the allergy s denied before it
 * charts as an intolerance ("Morphine - itchy all over ..., \"I'm not allergic,
 * it just makes me itch\" - charted as intolerance") the affirmed intolerance
 * the record keeps: the record is the writer's last word. */
void
notes__intolerance_charted(const sentence *s, notes_reading *out)
{
	uint32_t at = s->n > 0 ? charted_intolerance(s) : 0;

	for (size_t i = out->n; at != 0 && i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (f->start < s->words[0].start &&
		    f->again < s->words[0].start)
			break;
		if (f->kind == NOTES_ALLERGY && f->context == NOTES_NEGATED &&
		    f->code[0] != '\0' && f->start < at &&
		    !notes__delabelled(f)) {
			f->context = 0;
			f->trigger = "recorded as intolerance";
			return;
		}
	}
}

void
notes__intolerance_after(const sentence *s, notes_reading *out)
{
	/* a new bullet is the next entry's, not the last drug's ("- Vancomycin:
	 * \"red man\" ... - not an allergy, give slowly\n- Colistin
	 * nebulised: chest tightness - intolerance", rules75en30) */
	if (s->prior.e == NULL || !intolerance_only(s) || notes__bulleted(s))
		return;
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];
		const notes_entry *t;

		if (f->kind != NOTES_ALLERGY || f->start != s->prior.start)
			continue;
		t = notes__find(f->trigger);
		if (f->context == NOTES_NEGATED && t != NULL &&
		    (t->dir & NOTES_DIR_NOT_ALLERGY)) {
			f->context = 0;
			f->trigger = "recorded as intolerance";
		}
		return;
	}
}

/* verdict_not_allergic returns the "not" of a "not allergic" that ends
 * its clause with no drug after it ("\"Morfine\" on allergy band - pt
 * gets itchy only, not allergic per anaesth; PCA fentanyl used"), or
 * s->n_items: a verdict on the drug the sentence began with.  A drug in
 * a parenthesis opened after the verdict is its evidence, not its
 * subject ("Penicillin - NOT allergic (had IV antibiotics in labour both
 * times, fine)", rules75en13). */
static size_t
verdict_not_allergic(const sentence *s)
{
	for (size_t j = 0; j + 1 < s->n_items; j++) {
		const item *cue = &s->items[j + 1];
		bool drug_after = false;

		if (s->items[j].e->type != NOTES_T_NEGATED ||
		    strcmp(s->items[j].e->key, "not") != 0 ||
		    cue->e->type != NOTES_T_ALLERGY_CUE ||
		    strcmp(cue->e->key, "allergic") != 0 ||
		    cue->w0 != s->items[j].w1)
			continue;
		for (size_t m = j + 2; m < s->n_items; m++)
			drug_after = drug_after ||
				     (is_drug(&s->items[m]) &&
				      !notes__terminated(s, j, m) &&
				      !notes__opens_after_item(s, j + 1, m));
		if (!drug_after)
			return j;
	}
	return s->n_items;
}

/* verdict_passes: does the verdict at item j of s speak of a drug after
 * finding f's, f's own story telling a true allergy (verdict_subject:
 * "Penicillin - rash; ondansetron - headache, not allergic")? */
static bool
verdict_passes(const sentence *s, const notes_finding *f, size_t j)
{
	for (size_t d = 0; d < j; d++)
		if (is_drug(&s->items[d]) && s->items[d].start == f->start)
			return verdict_subject(s, d, j) != d;
	return false;
}

void
notes__not_allergic_after(const sentence *s, notes_reading *out)
{
	size_t j = verdict_not_allergic(s);

	if (j == s->n_items)
		return;
	for (size_t i = out->n; i-- > 0;) {
		notes_finding *f = &out->findings[i];

		if (f->start < s->words[0].start)
			break;
		if (f->kind == NOTES_ALLERGY && f->context == 0 &&
		    f->start < s->items[j].start && f->code[0] != '\0') {
			if (verdict_passes(s, f, j))
				return;
			f->context = NOTES_NEGATED;
			f->trigger = s->items[j].e->key;
			return;
		}
	}
	/* "* Penicillin - old label from a childhood rash.  Not allergic.":
	 * a verdict that opens its sentence is on the entry its line told
	 * before it (allergy75cq) */
	if (s->items[j].w0 == 0)
		negate_line_allergies(s, out, s->items[j].e->key, false);
}

/* clears: is finding c a statement that the patient has no allergy to
 * its substance: an allergy negated by a de-labelling or a verdict ("非
 * 过敏", "not an allergy"), or a drug taken without harm ("without
 * problems", "没问题")? */
static bool
clears(const notes_finding *c)
{
	const notes_entry *t = notes__find(c->trigger);

	if (t == NULL || c->code[0] == '\0')
		return false;
	if (c->kind == NOTES_ALLERGY && (c->context & NOTES_NEGATED))
		return (t->dir & NOTES_DIR_DELABEL) != 0;
	return t->type == NOTES_T_TOLERATED;
}

/* clause_parted: does a semicolon, ASCII or full-width, stand between
 * bytes from and to of text? */
static bool
clause_parted(const char *text, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		if (text[i] == ';' || strncmp(text + i, "\xef\xbc\x9b", 3) == 0)
			return true;
	return false;
}

/* reread_class gives out's affirmed allergies to class code the context
 * a later word set, with its trigger. */
static void
reread_class(notes_reading *out, const char *code, unsigned context,
	     const char *trigger)
{
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == 0 &&
		    strcmp(f->code, code) == 0) {
			f->context = context;
			f->trigger = trigger;
		}
	}
}

/* negate_class negates out's affirmed allergies to class code, with
 * trigger: a member's verdict stands for them. */
static void
negate_class(notes_reading *out, const char *code, const char *trigger)
{
	reread_class(out, code, NOTES_NEGATED, trigger);
}

/* unconfirmed_after_zh: does s say, after byte from and before any other
 * drug, that its story could not be confirmed ("又話佢日日食 Aspirin 冇
 * 事……無法確認，請院方再問")?  A member taken without harm against a
 * class's reaction the writer cannot settle leaves the class's allergy in
 * doubt, not cleared; a doubt after another drug ("…可继续使用，青霉素过敏
 * 史待核实") is that drug's (rules75zh25). */
static bool
unconfirmed_after_zh(const sentence *s, uint32_t from)
{
	static const char *const unsure[] = {"无法确认", "未能确认", "有待确认",
					     "待确认",	 "无法证实", "无法核实",
					     "待核实"};
	uint32_t to = s->words[s->n - 1].end;

	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].start >= from && is_drug(&s->items[m])) {
			to = s->items[m].start;
			break;
		}
	for (size_t w = 0; w < s->n && s->words[w].start < to; w++)
		if (s->words[w].start >= from &&
		    notes__words_in(s, w, unsure,
				    sizeof(unsure) / sizeof(*unsure)))
			return true;
	return false;
}

/* clear_class negates out's affirmed allergies to class code, with
 * trigger, after a member taken without harm ending at byte from; doubts
 * them when s says after it that it could not be confirmed. */
static void
clear_class(const sentence *s, notes_reading *out, const char *code,
	    const char *trigger, uint32_t from)
{
	if (unconfirmed_after_zh(s, from))
		reread_class(out, code, NOTES_UNCERTAIN, "无法确认");
	else
		negate_class(out, code, trigger);
}

/* tolerated_kept: is c a member taken without harm in s, the class's
 * label kept after it ("PCN - has had amoxicillin twice since with no
 * reaction; label kept for now")?  Then the class is a past allergy the
 * record still holds, not a negated one (rules75en14). */
static bool
tolerated_kept(const sentence *s, const notes_finding *c)
{
	return c->kind != NOTES_ALLERGY && notes__label_kept(s, c->end);
}

/* keep_class_past reads out's affirmed allergies to class code as past:
 * the label kept after a member was taken without harm. */
static void
keep_class_past(notes_reading *out, const char *code)
{
	reread_class(out, code, NOTES_HISTORICAL, "label kept");
}

/* member_clears: is class item k of s one that finding c, a member's
 * verdict written after it in its clause, clears? */
static bool
member_clears(const sentence *s, size_t k, const notes_finding *c)
{
	const notes_entry *e = s->items[k].e;

	return e->type == NOTES_T_CLASS && s->items[k].start < c->start &&
	       !clause_parted(s->text, s->items[k].end, c->start) &&
	       !own_allergy(s, s->items[k].end, c->start) &&
	       notes__member_of(c->code, e->code);
}

void
notes__member_clears_class(const sentence *s, notes_reading *out, size_t first)
{
	for (size_t j = first; j < out->n; j++) {
		const notes_finding *c = &out->findings[j];

		if (!clears(c))
			continue;
		for (size_t k = 0; k < s->n_items; k++) {
			if (!member_clears(s, k, c))
				continue;
			if (tolerated_kept(s, c))
				keep_class_past(out, s->items[k].e->code);
			else
				clear_class(s, out, s->items[k].e->code,
					    c->trigger, c->end);
		}
	}
}

/* doubted_class_at: is an allergy in out to class item j of s, written
 * at it, one the writer doubts ("对青霉素不确定")? */
static bool
doubted_class_at(const sentence *s, const notes_reading *out, size_t j)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_ALLERGY &&
		    out->findings[i].context == NOTES_UNCERTAIN &&
		    out->findings[i].start == s->items[j].start)
			return true;
	return false;
}

/* settle_doubted_class: class item j's doubted allergy, with a member
 * taken without harm after it in its clause (item k, cue: "对青霉素不确
 * 定，曾用阿莫西林无不适"), is negated: the member settles the doubt, as
 * penicillin de-labelling reads a tolerated course; unless s says after
 * the member that it could not be confirmed, or a relative tells the
 * member's story ("头孢类\"不详\"，家属（女儿）诉曾用\"头孢曲松\"无不适"):
 * hearsay leaves the doubt (rules75zh26). */
static void
settle_doubted_class(const sentence *s, notes_reading *out, size_t j, size_t k,
		     const char *cue)
{
	static const char *const told[] = {"家属", "家人", "女儿", "儿子",
					   "丈夫", "妻子", "转述"};

	if (!doubted_class_at(s, out, j) ||
	    clause_parted(s->text, s->items[j].end, s->items[k].start) ||
	    notes__words_any(s, s->items[j].w1, s->items[k].w0, told,
			     sizeof(told) / sizeof(*told)) ||
	    unconfirmed_after_zh(s, s->items[k].end))
		return;
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == NOTES_UNCERTAIN &&
		    f->start == s->items[j].start) {
			f->context = NOTES_NEGATED;
			f->trigger = cue;
		}
	}
}

void
notes__unharmed_clears_class_zh(const sentence *s, notes_reading *out)
{
	for (size_t k = 0; k < s->n_items; k++) {
		const char *cue = NULL;

		if (s->items[k].e->type == NOTES_T_SUBSTANCE)
			cue = notes__unharmed_cue_zh(s, k);
		for (size_t j = 0; cue != NULL && j < k; j++) {
			if (s->items[j].e->type != NOTES_T_CLASS ||
			    !notes__member_of(s->items[k].e->code,
					      s->items[j].e->code))
				continue;
			if (notes__word_between(s, j, k, "但"))
				clear_class(s, out, s->items[j].e->code, cue,
					    s->items[k].end);
			else
				settle_doubted_class(s, out, j, k, cue);
		}
	}
}

/* Phrases that leave a label's removal to an assessment still to come:
 * the writer keeps it in doubt ("not fully removed yet (needs amoxicillin
 * test dose to de-label)", "要转介药物过敏科再评估", "烦请评估 penicillin
 * 过敏标签是否可以移除"; issue 75, allergy75j; "詢問 Penicillin 過敏是否
 * 可以正式刪除", allergy75kn). */
static const char *const pending_en[] = {
	"not fully removed", "not yet removed", "removed yet",
	"pending formal testing", "to de-label", "to delabel",
	"for de-labelling", "for delabelling",
	/* "... referral for penicillin allergy testing; until then it
	 * stays" (allergy75np, en-dev5) */
	"until then it stays", "label stays until",
	/* "Keep label for now, refer allergy clinic for de-labelling"
	 * (allergy75ny, zh-dev74) */
	"keep label for now", "keep the label for now"};
static const char *const pending_zh[] = {
	"过敏科评估",	"过敏科再评估", "是否可以移除", "是否可移除",
	"是否可除",	"是否可以删除", "是否可以正式", "是否可删除",
	"能否删除",	"可否删除",	"能否移除",	"可否移除",
	"是否可以去除", "能否去除",	"是否可以解除", "能否解除"};

/* A removal the writer only asks for, beside a course taken without
 * harm ("Flucloxacillin - on her GP's list as an allergy ... but she had
 * a full course of flucloxacillin in 2024 with no problem - ?remove, for
 * GP to review", allergy75mq): the label stands until someone removes
 * it, in doubt. */
static const char *const removal_queried_en[] = {
	"?remove",  "? remove",		 "?de-label",
	"?delabel", "consider removing", "for gp to review"};

/* removal_queried: does s ask for a label's removal (removal_queried_en)? */
static bool
removal_queried(const sentence *s)
{
	for (size_t w = 0; w < s->n; w++)
		if (notes__phrases_in(s, w, removal_queried_en,
				      N_OF(removal_queried_en)))
			return true;
	return false;
}

/* The trigger of a negation a pending assessment leaves in doubt; the
 * note's last word on the label, as a doubt is (notes__doubted_code). */
static const char pending_trigger[] = "pending assessment";

/* pending_in: does s leave a label to an assessment still to come? */
static bool
pending_in(const sentence *s)
{
	for (size_t w = 0; w < s->n; w++)
		if (notes__phrases_in(s, w, pending_en,
				      sizeof(pending_en) /
					      sizeof(*pending_en)) ||
		    notes__words_in(s, w, pending_zh,
				    sizeof(pending_zh) / sizeof(*pending_zh)))
			return true;
	return false;
}

/* taken_member: is f's negation a drug taken without harm ("tolerated
 * flucloxacillin", "用过头孢唑林没问题"), not a verdict or a removal? */
static bool
taken_member(const notes_finding *f)
{
	const notes_entry *t = notes__find(f->trigger);

	return t != NULL && t->type == NOTES_T_TOLERATED;
}

/* named_in: does s name a drug coded code, a class when class_only? */
static bool
named_in(const sentence *s, const char *code, bool class_only)
{
	for (size_t k = 0; k < s->n_items; k++)
		if (is_drug(&s->items[k]) &&
		    (!class_only || s->items[k].e->type == NOTES_T_CLASS) &&
		    strcmp(s->items[k].e->code, code) == 0)
			return true;
	return false;
}

/* pending_doubts: is f, finding i of out, a negation that a pending
 * assessment in s leaves in doubt: s's own verdict or removal of a drug s
 * names, or a class s names that a member taken without harm negated,
 * here or earlier in the note?  The member itself stays as read. */
static bool
pending_doubts(const sentence *s, const notes_finding *f, size_t i,
	       size_t first)
{
	if (f->kind != NOTES_ALLERGY || f->context != NOTES_NEGATED)
		return false;
	if (removal_queried(s) && named_in(s, f->code, false))
		return true;
	if (taken_member(f))
		return named_in(s, f->code, true);
	return i >= first && named_in(s, f->code, false);
}

/* names_drug: does s name a drug, as every finding a pending assessment
 * doubts is named? */
static bool
names_drug(const sentence *s)
{
	for (size_t k = 0; k < s->n_items; k++)
		if (is_drug(&s->items[k]))
			return true;
	return false;
}

/* doubt_entry_negations makes uncertain, with the pending trigger, the
 * negated allergies of the entry that s, a sentence naming no drug, ends
 * ("- ?Penicillin - ... sounds vasovagal rather than allergy. NB received
 * Augmentin ... 冇事. Keep label for now, refer allergy clinic for
 * de-labelling.", allergy75ny, zh-dev74): the assessment still to come is
 * of the label the entry told. */
static void
doubt_entry_negations(const sentence *s, notes_reading *out)
{
	uint32_t from = entry_start(s);

	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;) {
		notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->context == NOTES_NEGATED &&
		    f->code[0] != '\0') {
			f->context = NOTES_UNCERTAIN;
			f->trigger = pending_trigger;
		}
	}
}

void
notes__pending_delabel(const sentence *s, notes_reading *out, size_t first)
{
	/* the items first: most sentences name no drug, and their words
	 * need not be read for the phrases */
	if (s->n > 0 && !names_drug(s) && pending_in(s)) {
		doubt_entry_negations(s, out);
		return;
	}
	if (!names_drug(s) || (!pending_in(s) && !removal_queried(s)))
		return;
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *f = &out->findings[i];

		if (!pending_doubts(s, f, i, first))
			continue;
		f->context = NOTES_UNCERTAIN;
		f->trigger = pending_trigger;
	}
}

/* Chinese words that hold an allergy label in doubt, written after it:
 * "青霉素过敏真实性存疑", "头孢类过敏存疑", "该标签可疑" (標籤可疑 by
 * folding), "label可疑" (issue 75, allergy75u), the evidence found
 * wanting ("青霉素过敏依据不足，暂按\"可疑\"记录", allergy75ry).  可疑 alone
 * also opens a finding ("可疑结节"), so only the label's own doubt
 * counts. */
static const char *const label_doubt_zh[] = {"存疑", "标签可疑", "不确切",
					     "依据不足"};

/* The patient's own word that they do not remember what a relative told
 * ("母亲补充：患者小时候用\"头孢\"后起过红疹，患者本人不记得，无病历记录",
 * allergy75nb): a doubt, unless the writer goes on to keep the label as
 * an allergy ("本人记不清，按过敏处理", "病人本人記不清楚，已照登錄"). */
static const char *const not_remembered_zh[] = {"本人不记得", "本人记不清",
						"本人不清楚"};
static const char *const kept_as_allergy_zh[] = {"按过敏处理", "照登录",
						 "按过敏"};

/* not_remembered_at: does word w open a doubt of not_remembered_zh that
 * the rest of s does not overrule? */
static bool
not_remembered_at(const sentence *s, size_t w)
{
	return notes__words_in(s, w, not_remembered_zh,
			       N_OF(not_remembered_zh)) &&
	       !notes__words_any(s, w, s->n, kept_as_allergy_zh,
				 N_OF(kept_as_allergy_zh));
}

/* A doubt the writer records as the label's kind, after the story and
 * whatever the patient says of it ("患者本人从不认为是过敏，记为可疑不耐受",
 * allergy75mt; provisionally, "暫列可疑", allergy75mz): the record's
 * last word holds the label in doubt, though a denial told before it had
 * taken it off; so do an allergy judged unlikely but kept until it is
 * assessed ("…口服阿莫西林1周无任何不适，过敏可能性小，建议门诊评估后去除标签")
 * and a record kept for now ("患者本人否认…未能核实，暂保留记录", allergy75si,
 * zh-dev84). */
static const char *const recorded_doubt_zh[] = {
	"记为可疑", "记录为可疑", "列为可疑",	"登记为可疑",
	"暂列可疑", "暂列为可疑", "暂记为可疑", "过敏可能性小"};

/* label_doubt_at: the first word of s that opens a doubt of
 * label_doubt_zh, or the English "label" that 可疑 follows ("label可疑",
 * "label 可疑"); s->n for none.  The words' folded keys, so a
 * traditional form needs no entry of its own. */
static size_t
label_doubt_at(const sentence *s)
{
	for (size_t w = 0; w < s->n; w++)
		if (notes__words_in(s, w, label_doubt_zh,
				    sizeof(label_doubt_zh) /
					    sizeof(*label_doubt_zh)) ||
		    (notes__words_at(s, w, "label") &&
		     notes__words_at(s, w + 1, "可疑")) ||
		    notes__words_in(s, w, recorded_doubt_zh,
				    N_OF(recorded_doubt_zh)) ||
		    not_remembered_at(s, w))
			return w;
	return s->n;
}

/* head_noun_zh: is item k a broad class written right after another
 * drug, the head noun of that drug's name ("磺胺抗菌药", "磺胺类抗生素",
 * allergy75rl, zh-dev82)?  The drug before it is the one named. */
static bool
head_noun_zh(const sentence *s, size_t k)
{
	const item *it = &s->items[k];

	return k > 0 && it->e->type == NOTES_T_CLASS &&
	       notes__broad_class(it->e->code) && is_drug(&s->items[k - 1]) &&
	       s->items[k - 1].end == it->start;
}

/* doubted_drug_zh: the drug item of s whose label a doubt word holds in
 * doubt, the last drug written before it ("Erythromycin 不耐受，Amoxil
 * 存疑": Amoxil alone), or NULL. */
static const item *
doubted_drug_zh(const sentence *s)
{
	size_t w = label_doubt_at(s);
	const item *drug = NULL;

	for (size_t k = 0; w < s->n && k < s->n_items; k++)
		if (is_drug(&s->items[k]) && !head_noun_zh(s, k) &&
		    s->items[k].end <= s->words[w].start)
			drug = &s->items[k];
	return drug;
}

/* The writer's words that record what the story told (记录为, 记为,
 * 登记为), before the doubt that closes it. */
static const char *const recorded_as_zh[] = {"记录为", "记为", "登记为"};

/* recorded_in_doubt_zh: does s record a story in doubt, in one phrase of
 * recorded_doubt_zh ("暂列可疑") or with a doubt of label_doubt_zh after
 * the writer's 记录为 ("患者本人说\"那不算过敏\"，记录为头孢类胃肠道反应？（存
 * 疑）", allergy75om, zh-dev75)?  The writer's doubt is the last word on
 * a verdict told before it. */
static bool
recorded_in_doubt_zh(const sentence *s)
{
	size_t w = label_doubt_at(s);

	return notes__words_any(s, 0, s->n, recorded_doubt_zh,
				N_OF(recorded_doubt_zh)) ||
	       (w < s->n && notes__words_any(s, 0, w, recorded_as_zh,
					     N_OF(recorded_as_zh)));
}

/* doubted_finding: is f an affirmed allergy to drug, or to a member of
 * it that s names ("阿莫西林——4岁时出皮疹，青霉素过敏真实性存疑"), or one a
 * verdict negated that the writer records in doubt? */
static bool
doubted_finding(const sentence *s, const notes_finding *f, const item *drug)
{
	if (f->kind != NOTES_ALLERGY ||
	    (f->context != 0 &&
	     !(f->context == NOTES_NEGATED && recorded_in_doubt_zh(s))))
		return false;
	if (strcmp(f->code, drug->e->code) == 0)
		return true;
	return notes__member_of(f->code, drug->e->code) &&
	       named_in(s, f->code, false);
}

/* this_label_doubted_zh: does s open with "该标签" or "此标签" and doubt
 * it ("该标签存疑，暂保留，围术期预防用克林霉素", allergy75hj)?  It speaks of
 * the label its line told last, not of a drug the plan after it names. */
static bool
this_label_doubted_zh(const sentence *s)
{
	static const char *const this[] = {"该", "此"};

	return s->n >= 4 && notes__words_in(s, 0, this, 2) &&
	       notes__words_at(s, 1, "标签") && label_doubt_at(s) == 3;
}

/* this_record_doubted_zh: is the doubt of s written right after "this
 * record" ("…无不适，该条记录存疑，建议门诊复核", allergy75sc, zh-dev83)?  It
 * speaks of the label its line told, whatever drug was told since. */
static bool
this_record_doubted_zh(const sentence *s)
{
	static const char *const record[] = {"该条记录", "此条记录", "该记录",
					     "此记录"};
	size_t w = label_doubt_at(s);

	for (size_t i = 0; w < s->n && i < N_OF(record); i++) {
		size_t len = strlen(record[i]) / 3; /* a character, 3 bytes */

		if (w >= len && notes__words_at(s, w - len, record[i]))
			return true;
	}
	return false;
}

/* doubt_recorded_opens_zh: does s open with the record of a doubt, 已
 * before it or not ("已登记为可疑过敏，不再使用ARB/ACEI，改用钙拮抗剂",
 * allergy75rk, zh-dev82), or, naming no drug, with the label not yet
 * verified?  It speaks of the label its line told last, in the sentence
 * before. */
static bool
doubt_recorded_opens_zh(const sentence *s)
{
	/* a label not yet verified and kept for now, the patient's denial
	 * told before it
	 * ("…称\"对先锋过敏的是我弟弟，不是我\"…。尚未核实，暂保留
	 * 标注，待术前…评估", allergy75td, zh-dev86) */
	static const char *const unverified[] = {"尚未核实", "暂未核实",
						 "未核实"};
	size_t w = s->n > 0 && notes__words_at(s, 0, "已") ? 1 : 0;

	return w < s->n &&
	       (notes__words_in(s, w, recorded_doubt_zh,
				N_OF(recorded_doubt_zh)) ||
		(w == 0 && notes__first_drug(s, s->n_items) == s->n_items &&
		 notes__words_in(s, 0, unverified, N_OF(unverified))));
}

/* doubt_line_label makes the allergy s's line told last before byte own
 * doubted: kept, its truth in question, though a drug of its class taken
 * since had cleared it ("头孢曲松7天无任何反应。该标签存疑，暂保留"). */
static void
doubt_line_label(const sentence *s, notes_reading *out, uint32_t own)
{
	uint32_t from = line_start(s);
	for (size_t i = out->n; i-- > 0 && out->findings[i].start >= from;) {
		notes_finding *f = &out->findings[i];

		/* s's own classes ("不再使用ARB/ACEI") are kept away after
		 * it, no label told */
		if (f->start >= own)
			continue;
		if (f->kind == NOTES_ALLERGY && f->code[0] != '\0' &&
		    (f->context & ~NOTES_NEGATED) == 0) {
			f->context = NOTES_UNCERTAIN;
			f->trigger = "label doubted";
			return;
		}
	}
}

void
notes__label_doubted_zh(const sentence *s, notes_reading *out)
{
	const item *drug = s->n == 0 ? NULL : doubted_drug_zh(s);

	if (s->n > 0 &&
	    (this_label_doubted_zh(s) || doubt_recorded_opens_zh(s))) {
		doubt_line_label(s, out, s->words[0].start);
		return;
	}
	if (s->n > 0 && this_record_doubted_zh(s)) {
		doubt_line_label(s, out, s->words[label_doubt_at(s)].start);
		return;
	}
	if (drug == NULL)
		return;
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *f = &out->findings[i];

		if (!doubted_finding(s, f, drug))
			continue;
		f->context = NOTES_UNCERTAIN;
		f->trigger = "label doubted";
	}
}

bool
notes__doubted_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind != NOTES_ALLERGY || strcmp(f->code, code) != 0)
			continue;
		if (f->trigger == pending_trigger)
			return true;
		/* a doubt the rules gave, or one the word lists gave the
		 * label itself ("I've recorded it as a doubtful penicillin
		 * allergy", allergy75mi) */
		for (size_t d = 0; d < sizeof(doubts) / sizeof(*doubts); d++)
			if (f->trigger == doubts[d] ||
			    (f->context == NOTES_UNCERTAIN &&
			     strcmp(f->trigger, doubts[d]) == 0))
				return true;
	}
	return false;
}

bool
notes__misattributed_code(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind == NOTES_ALLERGY && f->trigger == misattributed &&
		    f->context == NOTES_NEGATED && strcmp(f->code, code) == 0)
			return true;
	}
	return false;
}

/* example_opens: is text [from, to) a class's word for drugs (药物, 藥
 * 物, 药) at most and then an opening parenthesis ("類藥物（")? */
static bool
example_opens(const char *text, uint32_t from, uint32_t to)
{
	static const char *const words[] = {"药物", "藥物", "药", "藥"};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (to - from > strlen(words[i]) &&
		    memcmp(text + from, words[i], strlen(words[i])) == 0) {
			from += (uint32_t)strlen(words[i]);
			break;
		}
	return (to - from == 3 && memcmp(text + from, FW_OPEN, 3) == 0) ||
	       (to - from == 1 && text[from] == '(');
}

void
notes__class_example_zh(const sentence *s, notes_reading *out, size_t first)
{
	for (size_t i = first + 1; i < out->n; i++) {
		notes_finding *f = &out->findings[i],
			      *c = &out->findings[i - 1];

		if (f->kind == NOTES_MEDICINE && f->context == 0 &&
		    c->kind == NOTES_ALLERGY &&
		    strcmp(c->system, "class") == 0 && c->end < f->start &&
		    notes__member_of(f->code, c->code) &&
		    example_opens(s->text, c->end, f->start)) {
			f->kind =
				NOTES_ALLERGY; /* "對喹諾酮類藥物（Ciprofloxacin）"
						*/
			f->context = c->context;
			f->trigger = c->trigger;
			f->reaction = c->reaction;
		}
	}
}

/* labelled_code returns the patient's allergy to code, or failing that
 * to a class code belongs to: the label a de-labelling of a drug taken
 * removes ("Penicillin - listed by GP in 2010 as \"rash\". Had
 * amoxicillin in 2024 ... without any reaction - REMOVED, de-labelled
 * today": the penicillin label, allergy75k); or NULL. */
static const notes_finding *
labelled_code(const notes_reading *out, const char *code)
{
	const notes_finding *cls = NULL;

	for (size_t i = 0; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (f->kind != NOTES_ALLERGY ||
		    (f->context & (NOTES_NEGATED | NOTES_FAMILY)))
			continue;
		if (strcmp(f->code, code) == 0)
			return f;
		if (cls == NULL && strcmp(f->system, "class") == 0 &&
		    notes__member_of(code, f->code))
			cls = f;
	}
	return cls;
}

bool
notes__delabelled_taken(notes_reading *out, size_t first)
{
	for (size_t i = first; i < out->n; i++) {
		notes_finding *f = &out->findings[i], g;
		const notes_entry *t = notes__find(f->trigger);
		const notes_finding *label;

		if (f->kind != NOTES_MEDICINE ||
		    f->context != (NOTES_NEGATED | NOTES_HISTORICAL) ||
		    t == NULL || !(t->dir & NOTES_DIR_DELABEL) ||
		    (label = labelled_code(out, f->code)) == NULL)
			continue;
		g = *f;
		g.code = label->code;
		g.display = label->display;
		g.system = label->system;
		g.kind = NOTES_ALLERGY;
		g.context = NOTES_NEGATED;
		f->context &= ~NOTES_NEGATED; /* taken: the label is gone */
		if (!notes__keep(out, &g))
			return false;
	}
	return true;
}

/* a "not" or "no" trigger, the first word of an outright denial */
static bool
denial_word(const item *it)
{
	return it->e->type == NOTES_T_NEGATED &&
	       (strcmp(it->e->key, "not") == 0 ||
		strcmp(it->e->key, "no") == 0);
}

/* cue_then_drug: does allergy cue c name drug d right after it, only
 * "to" or "other" between ("allergic to penicillin", "allergic to other
 * opiates")? */
static bool
cue_then_drug(const sentence *s, const item *c, const item *d)
{
	static const char *const linking[] = {"to", "other"};

	if (c->e->type != NOTES_T_ALLERGY_CUE || d->w0 < c->w1)
		return false;
	for (size_t w = c->w1; w < d->w0; w++)
		if (!notes__words_in(s, w, linking, 2))
			return false;
	return true;
}

/* cue_after_drug: is the item right after drug item d, with nothing
 * between, the allergy cue "allergy" or "allergic" ("no penicillin
 * allergy", "NOT penicillin allergic")? */
static bool
cue_after_drug(const sentence *s, size_t d)
{
	const item *cue = &s->items[d + 1];

	return d + 1 < s->n_items && cue->e->type == NOTES_T_ALLERGY_CUE &&
	       cue->w0 == s->items[d].w1 &&
	       (strcmp(cue->e->key, "allergy") == 0 ||
		strcmp(cue->e->key, "allergic") == 0);
}

/* denial_before_drug: does denial item n stand right before drug item
 * d, or "not a" before it ("no penicillin allergy", "so this is not a
 * penicillin allergy")? */
static bool
denial_before_drug(const sentence *s, const item *n, const item *d)
{
	if (!denial_word(n))
		return false;
	return d->w0 == n->w1 ||
	       (d->w0 == n->w1 + 1 && strcmp(n->e->key, "not") == 0 &&
		notes__words_at(s, n->w1, "a"));
}

/* denied_in_words: does s deny drug item d an allergy outright: "not
 * allergic to d", "no allergy to d", "no d allergy", "not d allergic",
 * "not a d allergy"?  The writer's own word that the patient has no
 * such allergy, often after a test or a challenge ("He is NOT
 * penicillin allergic", en-dev37), answers the label as a de-labelling
 * does (settle.c, undeny). */
static bool
denied_in_words(const sentence *s, size_t d)
{
	const item *drug = &s->items[d];

	if (d >= 2 && denial_word(&s->items[d - 2]) &&
	    s->items[d - 1].w0 == s->items[d - 2].w1 &&
	    cue_then_drug(s, &s->items[d - 1], drug))
		return true;
	return d >= 1 && d + 1 < s->n_items &&
	       denial_before_drug(s, &s->items[d - 1], drug) &&
	       cue_after_drug(s, d);
}

/* denied_by_self_zh: does s deny Chinese drug item d an allergy in the
 * patient's own name, 本人 then 无 or 没有 right before the drug and 过敏
 * right after it ("太太後來想起是她自己對盤尼西林過敏。病人本人無盤尼西林過敏",
 * zh-dev79)?  The writer sets the patient against the one who had it, as
 * "He is NOT penicillin allergic" does. */
static bool
denied_by_self_zh(const sentence *s, size_t d)
{
	static const char *const none[] = {"无", "没有"};
	size_t w = s->items[d].w0;

	if (d + 1 >= s->n_items ||
	    s->items[d + 1].e->type != NOTES_T_ALLERGY_CUE ||
	    s->items[d + 1].w0 != s->items[d].w1 ||
	    !notes__words_at(s, s->items[d].w1, "过敏"))
		return false;
	for (size_t i = 0; i < N_OF(none); i++) {
		size_t n = strlen(none[i]) / 3;

		if (w >= n + 2 && notes__words_at(s, w - n, none[i]) &&
		    notes__words_at(s, w - n - 2, "本人"))
			return true;
	}
	return false;
}

void
notes__denied_outright(const sentence *s, notes_reading *out, size_t first)
{
	for (size_t i = first; i < out->n; i++) {
		notes_finding *f = &out->findings[i];

		if (f->kind != NOTES_ALLERGY || f->context != NOTES_NEGATED)
			continue;
		for (size_t d = 0; d < s->n_items; d++)
			if (is_drug(&s->items[d]) &&
			    s->items[d].start == f->start &&
			    (denied_in_words(s, d) || denied_by_self_zh(s, d)))
				f->trigger = DENIED_OUTRIGHT;
	}
}

/* doubted_later: is there, among out's findings from first, the allergy
 * of f's code doubted and told after f? */
static bool
doubted_later(const notes_reading *out, size_t first, const notes_finding *f)
{
	for (size_t i = first; i < out->n; i++) {
		const notes_finding *g = &out->findings[i];

		if (g->kind == NOTES_ALLERGY && g->context == NOTES_UNCERTAIN &&
		    g->start > f->start && strcmp(g->code, f->code) == 0)
			return true;
	}
	return false;
}

void
notes__doubt_restated_zh(const sentence *s, notes_reading *out, size_t first)
{
	size_t n = first;

	if (s->n == 0 || !s->words[0].han)
		return;
	for (size_t i = first; i < out->n; i++) {
		const notes_finding *f = &out->findings[i];

		if (!(f->kind == NOTES_ALLERGY && f->context == 0 &&
		      doubted_later(out, first, f)))
			out->findings[n++] = *f;
	}
	out->n = n;
}

/* held_allergy: does out hold an allergy to code already? */
static bool
held_allergy(const notes_reading *out, const char *code)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->findings[i].kind == NOTES_ALLERGY &&
		    strcmp(out->findings[i].code, code) == 0)
			return true;
	return false;
}

/* suspect_cue: the first word after the culprit heading of a Chinese
 * reaction consult in s ("可疑致敏药物：", "最可能致敏藥物：", "致敏药物首
 * 先考虑"), or s->n when s has none. */
static size_t
suspect_cue(const sentence *s)
{
	static const char *const cue[] = {"致敏药物"};

	for (size_t w = 0; w < s->n; w++)
		if (notes__words_in(s, w, cue, 1))
			return w + 1;
	return s->n;
}

/* suspect_led: is suspect drug item k the consult's likeliest ("首先考
 * 虑卡马西平", "万古霉素（时间最相符）"), a class named as a part of
 * another drug ("塞来昔布含磺胺结构"), or one its clause tells an allergy
 * or a history of ("复方新诺明既往史支持磺胺类过敏")?  The likeliest is what
 * the note's record files, in the context it gives it, as the reader's
 * other rules read a told allergy; a part is no suspect. */
static bool
suspect_led(const sentence *s, size_t k)
{
	static const char *const before[] = {"首先考虑", "最可能是", "含"};
	static const char *const after[] = {"首先", "最可能", "可能性最大",
					    "最相符"};
	static const char *const own[] = {"过敏", "既往史"};
	size_t w0 = s->items[k].w0, from, to;

	notes__clause_words(s, k, &from, &to);
	/* a word before the drug speaks of it when nothing parts them
	 * ("别嘌醇（首先考虑）、万古霉素": the bracket's word is the drug's
	 * before) */
	return notes__words_any(s, from, to, own, sizeof(own) / sizeof(*own)) ||
	       (w0 > 0 && s->words[w0 - 1].end == s->items[k].start &&
		notes__words_end_at(s, w0, before,
				    sizeof(before) / sizeof(*before))) ||
	       notes__words_any(s, s->items[k].w1, notes__drug_bound(s, k),
				after, sizeof(after) / sizeof(*after));
}

/* glued_pair: are drug items k and k + 1 written as one word parted by a
 * slash ("sulfamethoxazole/trimethoprim")?  That is a combination named by
 * its parts, which the reader reads as two drugs: no suspect of either. */
static bool
glued_pair(const sentence *s, size_t k)
{
	return k + 1 < s->n_items && is_drug(&s->items[k + 1]) &&
	       s->items[k + 1].start == s->items[k].end + 1 &&
	       s->text[s->items[k].end] == '/';
}

/* suspect_doubted: does a sentence after the consult's heading keep drug
 * item k in doubt after it, up to the next drug ("头孢唑林已停用3天，可能
 * 性较小", "Augmentin / cefuroxime 亦唔可以完全排除，但可能性低")?  "可能
 * 性很低" is the writers' way to set a drug aside (zh28-24 files none). */
static bool
suspect_doubted(const sentence *s, size_t k)
{
	static const char *const doubt[] = {"可能性较小", "可能性小",
					    "可能性低", "不能完全排除",
					    "唔可以完全排除"};
	size_t to = notes__drug_bound(s, k);

	if (glued_pair(s, k) || (k > 0 && glued_pair(s, k - 1)))
		return false;
	/* drugs parted by a spaced slash are named together ("Augmentin /
	 * cefuroxime"): the doubt after the last is theirs */
	while (to < s->n && k + 1 < s->n_items && is_drug(&s->items[k + 1]) &&
	       s->items[k + 1].w0 == to &&
	       notes__only_marks(s->text, s->items[k].end,
				 s->items[k + 1].start, "/"))
		to = notes__drug_bound(s, ++k);
	return notes__words_any(s, s->items[k].w1, to, doubt,
				sizeof(doubt) / sizeof(*doubt));
}

/* Drug-reaction consults (issue 75, allergy75ac): after the culprit
 * heading writers file each drug the consult suspects as a doubted
 * allergy, the less likely too ("头孢呋辛次之", "头孢类和甲硝唑可能性小":
 * zh6-04, zh11-24, zh28-15), and one a later sentence of the paragraph
 * keeps in doubt (zh11-24, zh28-09, zh28-24); the likeliest is the one
 * the consult's record files (suspect_led). */
bool
notes__suspects_zh(sentence *s, notes_reading *out)
{
	size_t cue = suspect_cue(s);

	if (cue < s->n)
		s->suspects_zh = true;
	else if (!s->suspects_zh)
		return true;
	for (size_t k = 0; k < s->n_items; k++) {
		const item *d = &s->items[k];
		notes_finding f;

		if (!is_drug(d) || held_allergy(out, d->e->code))
			continue;
		if (cue < s->n ? !s->words[d->w0].han || d->w0 < cue ||
					 suspect_led(s, k)
			       : !suspect_doubted(s, k))
			continue;
		allergy_of(d, NOTES_UNCERTAIN,
			   "suspected in a reaction consult", &f);
		if (!notes__keep(out, &f))
			return false;
	}
	return true;
}
