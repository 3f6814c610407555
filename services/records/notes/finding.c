/*
 * finding.c - an item turned into a finding: substance() reads a drug as
 * an allergy or a medicine with the steps below it, finding() reads any
 * item, and keep_finding() adds it to the reading once (seen) with its
 * date dropped where the sets want it.  The one place a sentence's item
 * becomes a notes_finding.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* taken_in_list: is substance item k told as taken without harm where
 * an allergy list would read it as an allergen: the remedy with which
 * the patient tolerates another drug ("pt tolerates with
 * diphenhydramine"), or an entry answered "ok"?  Then f is its past
 * medicine. */
/* DENIED_BEFORE_WORDS: the most words between a denial and the drug
 * whose allergy it denies ("No penicillin allergy", "not allergic to
 * penicillin", "Not known to be allergic to penicillin"). */
#define DENIED_BEFORE_WORDS 5

/* denied_related_before: is a drug related to item k's (its class, a
 * member, itself) named before it in s, a denial ("no", "not") within
 * DENIED_BEFORE_WORDS words before that drug? */
static bool
denied_related_before(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		const item *d = &s->items[j];

		if (!is_drug(d) ||
		    !notes__related(d->e->code, s->items[k].e->code))
			continue;
		for (size_t m = 0; m < j; m++)
			if (s->items[m].e->type == NOTES_T_NEGATED &&
			    s->items[m].w1 <= d->w0 &&
			    d->w0 - s->items[m].w1 <= DENIED_BEFORE_WORDS)
				return true;
	}
	return false;
}

/* had_after_denial: is substance item k told as had ("has had", "had",
 * "has taken" right before it) after its own or its class's allergy is
 * denied ("No penicillin allergy - has had amoxicillin for several
 * exacerbations", allergy75oi, en-dev75; "Not known to be allergic to
 * penicillin - has taken Amoxil several times", allergy75pq, en-dev77)?
 * It is the denial's evidence, a past medicine, no allergen of the list.
 * "took ... w/o problem" after a denial is read as the negated allergy
 * it was (rules75en20). */
static bool
had_after_denial(const sentence *s, size_t k)
{
	static const char *const had[] = {"had", "taken", "received"};
	size_t w = s->items[k].w0;

	return w >= 1 && notes__words_in(s, w - 1, had, N_OF(had)) &&
	       denied_related_before(s, k);
}

static bool
taken_in_list(const sentence *s, size_t k, const item *tol, notes_finding *f)
{
	const item *it = &s->items[k];

	if (had_after_denial(s, k)) {
		f->kind = NOTES_MEDICINE;
		f->context = NOTES_HISTORICAL;
		f->trigger = "had";
		return true;
	}

	if (tol && tol->w1 + 1 == it->w0 && notes__words_at(s, tol->w1, "with"))
		return notes__challenged(s, k, tol, f);
	if (!notes__answered_ok(s, k) || !notes__challenged(s, k, it, f))
		return false;
	if (f->context == NOTES_HISTORICAL)
		f->trigger = "answered ok";
	return true;
}

/* negated_allergy makes f the allergy its trigger denies; true. */
static bool
negated_allergy(notes_finding *f, const char *trigger)
{
	f->kind = NOTES_ALLERGY;
	f->reaction = "";
	f->context = NOTES_NEGATED;
	f->trigger = trigger;
	return true;
}

/* denied_in_list: is item k an allergy list's entry answered "none"
 * ("Latex: none."), "removed" ("Penicillin — removed."), or a class's
 * entry answered "ok" ("Allergy: AZITHROMYCIN - hives.  Penicillins
 * OK.")?  Then f is its negated allergy: the class is taken without
 * harm, as after "tolerated" (rules75en18); a label removed is a
 * de-labelling, which takes the note's other mentions of it along
 * (settle.c, delabel; allergy75ae). */
static bool
denied_in_list(const sentence *s, size_t k, notes_finding *f)
{
	bool ok = s->items[k].e->type == NOTES_T_CLASS &&
		  (notes__answered_ok(s, k) || notes__answered_safe(s, k));
	bool removed = !ok && notes__answered_removed(s, k);

	if (!ok && !removed && !notes__answered_none(s, k))
		return false;
	f->kind = NOTES_ALLERGY;
	f->context = NOTES_NEGATED;
	f->trigger = ok	       ? "answered ok"
		     : removed ? "label removed"
			       : "answered none";
	return true;
}

/* alternative_to: is drug item k the one another drug was tried in place
 * of ("lamotrigine - rash (2015, when tried as alternative to
 * valproate)", "instead of", "in place of")?  The allergy is the other
 * drug's; this one is the medicine it replaced (rules75en18). */
static bool
alternative_to(const sentence *s, size_t k)
{
	static const char *const first[] = {"alternative", "instead", "place"};
	static const char *const then[] = {"to", "of"};
	size_t w = s->items[k].w0;

	return w >= 2 &&
	       notes__words_in(s, w - 2, first,
			       sizeof(first) / sizeof(*first)) &&
	       notes__words_in(s, w - 1, then, sizeof(then) / sizeof(*then));
}

/* named_alternative: is drug item k named as the alternative ("if she
 * ever becomes allergic to penicillins the alternative would be
 * clindamycin", "the alternative is", "alternative: doxycycline")?  It
 * is the drug to give instead, a medicine, not an allergen
 * (rules75en22). */
static bool
named_alternative(const sentence *s, size_t k)
{
	static const char *const modal[] = {"would", "will", "could"};
	size_t w = s->items[k].w0;

	if (w >= 1 && notes__words_at(s, w - 1, "alternative"))
		return true;
	if (w >= 2 && notes__words_at(s, w - 2, "alternative") &&
	    notes__words_at(s, w - 1, "is"))
		return true;
	return w >= 3 && notes__words_at(s, w - 3, "alternative") &&
	       notes__words_in(s, w - 2, modal,
			       sizeof(modal) / sizeof(*modal)) &&
	       notes__words_at(s, w - 1, "be");
}

/* cleared_for: do the two words before word w clear the drug there for
 * use ("OK for cefazolin prophylaxis", "safe for", "fine for"; on an
 * allergy line after a label judged untrue, allergy75nq, en-dev74), or
 * the three of "ok to receive" ("Pruritus is a side effect, NOT an
 * allergy - pt ok to receive opioids", en-dev84)? */
static bool
cleared_for(const sentence *s, size_t w)
{
	static const char *const cleared[] = {"ok", "okay", "safe", "fine"};
	static const char *const take[] = {"receive", "have", "give",
					   "use",     "take", "get"};

	if (w >= 3 && notes__words_in(s, w - 3, cleared, N_OF(cleared)) &&
	    notes__words_at(s, w - 2, "to") &&
	    notes__words_in(s, w - 1, take, N_OF(take)))
		return true; /* "pt ok to receive opioids", allergy75se */
	return w >= 2 && notes__words_in(s, w - 2, cleared, N_OF(cleared)) &&
	       notes__words_at(s, w - 1, "for");
}

/* cleared_after: is drug item k followed by "OK" or "safe" and then
 * "per", "to", "for" or "as" ("Non-severe -> ceftriaxone OK per eTG",
 * allergy75se, en-dev84)?  The writer clears it for use; "ibuprofen ok?"
 * alone asks whether the allergy list's entry holds. */
static bool
cleared_after(const sentence *s, size_t k)
{
	static const char *const ok[] = {"ok", "okay", "safe"};
	static const char *const then[] = {"per", "to", "for", "as"};
	size_t w = s->items[k].w1;

	return w + 1 < s->n && notes__words_in(s, w, ok, N_OF(ok)) &&
	       notes__words_in(s, w + 1, then, N_OF(then));
}

/* chosen_instead: is drug item k ordered, a verb of use right before it
 * or one word before ("Penicillin allergy with angioedema: use
 * teicoplanin + gentamicin per local policy", "give IV clindamycin",
 * "would prefer fentanyl", allergy75nq) or cleared for use (cleared_for),
 * no denial before the verb?  It is the alternative an allergy led to, a
 * medicine; "do not use co-amoxiclav", "cannot give amoxicillin" still
 * name the allergen (rules75en18).  So is a drug told as given after
 * the line's first entry ("-- vancomycin was used for surgical
 * prophylaxis"; notes__given_passive, allergy75t). */
static bool
chosen_instead(const sentence *s, size_t k)
{
	/* "uses": what the patient takes in the allergen's place ("won't
	 * take it - uses Panadol only", allergy75oj, en-dev75) */
	static const char *const use[] = {"use",    "using",	 "uses",
					  "give",   "prescribe", "prefer",
					  "prefers"};
	static const char *const denied[] = {"not", "never", "t",     "avoid",
					     "no",  "dont",  "cannot"};
	size_t w0 = s->items[k].w0;

	if (cleared_for(s, w0) || cleared_after(s, k) ||
	    notes__remedy_taken(s, k))
		return true;

	for (size_t back = 1; back <= 2 && back <= w0; back++) {
		size_t w = w0 - back;

		if (notes__words_in(s, w, use, sizeof(use) / sizeof(*use)))
			return !(w > 0 &&
				 notes__words_in(s, w - 1, denied,
						 sizeof(denied) /
							 sizeof(*denied)));
	}
	return notes__given_passive(s, k);
}

/* CHOICE_WORDS: how many words after a drug "of choice" may end
 * ("ertapenem is the drug of choice"). */
#define CHOICE_WORDS 5

/* drug_of_choice: is drug item k called the drug of choice, "of choice"
 * ending within CHOICE_WORDS words after it ("with the ESBL and her
 * allergies, ertapenem is the drug of choice", allergy75jw)?  It is the
 * drug the allergies leave, a medicine. */
static bool
drug_of_choice(const sentence *s, size_t k)
{
	size_t w1 = s->items[k].w1;

	for (size_t w = w1; w + 1 < s->n && w + 2 <= w1 + CHOICE_WORDS; w++)
		if (notes__phrase_at(s, w, "of choice"))
			return true;
	return false;
}

/* INSTEAD_WORDS: how many words after a drug "instead" may stand
 * (used_instead). */
#define INSTEAD_WORDS 2

/* used_instead: is drug item k followed, within INSTEAD_WORDS words and
 * before another drug or a reaction, by "instead" ("doxy avoided d/t
 * ADR, clarithromycin used instead", "Morphine: itching - used oxycodone
 * instead", "remains on ticagrelor instead")?  It is the drug given in
 * the allergen's place, a medicine, as "instead of" before a drug makes
 * the replaced one (alternative_to). */
static bool
used_instead(const sentence *s, size_t k)
{
	size_t to = notes__drug_bound(s, k);

	for (size_t m = k + 1; m < s->n_items && s->items[m].w0 < to; m++)
		if (s->items[m].e->type == NOTES_T_REACTION ||
		    s->items[m].e->type == NOTES_T_ALLERGY_CUE)
			to = s->items[m].w0;
	for (size_t w = s->items[k].w1;
	     w < to && w < s->items[k].w1 + INSTEAD_WORDS; w++)
		if (notes__words_at(s, w, "instead"))
			return true;
	return false;
}

/* chosen_instead_zh: is Chinese drug item k the one a plan's word right
 * before it advises or allows ("建议克林霉素", "可用甲硝唑", "建议用…",
 * "首选…"), with no denial on that word ("不建议", "不可用")?  On an
 * allergy line it is the drug to give in the allergen's place, a
 * medicine, as chosen_instead reads "use teicoplanin" (allergy75bg). */
static bool
chosen_instead_zh(const sentence *s, size_t k)
{
	static const char *const plan[] = {"建议",   "建议用", "建议使用",
					   "可用",   "可以用", "可使用",
					   "可改用", "选用",   "首选"};
	static const char *const denied[] = {"不", "勿", "禁", "避免"};
	size_t w0 = s->items[k].w0;

	for (size_t i = 0; i < N_OF(plan); i++) {
		size_t len = strlen(plan[i]) / 3; /* a character is 3 bytes */

		if (w0 >= len && notes__words_at(s, w0 - len, plan[i]))
			return !notes__words_end_at(s, w0 - len, denied,
						    N_OF(denied));
	}
	return false;
}

/* CHALLENGE_RESULT_WORDS: how far before a challenged drug a word may
 * tell the challenge's result (after it: to the sentence's end). */
#define CHALLENGE_RESULT_WORDS 4

/* RECORD_ASIDE_WORDS: how many words ("as above", "in the EHR") may stand
 * between "updated" and the parenthesis that lists the allergy record's
 * entries (record_aside). */
#define RECORD_ASIDE_WORDS 3

/* challenge_offered: is drug item k the one a challenge tests, "challenge"
 * or "provocation" right after it ("Offered direct oral amoxicillin
 * challenge in allergy clinic", "(direct oral amoxicillin challenge
 * likely)"), with no reaction of its own and no result told in its
 * sentence ("negative oral amoxicillin challenge", "amoxicillin challenge
 * today, 500 mg with 1 h observation: no reaction")?  The drug to be
 * given at a test still to come is a planned medicine, not the allergy
 * the test is about (rules75en19). */
static bool
challenge_offered(const sentence *s, size_t k)
{
	static const char *const test[] = {"challenge", "provocation"};
	static const char *const result[] = {
		"negative",   "positive",  "passed", "failed",	"tolerated",
		"uneventful", "completed", "had",    "reacted", "after",
		"reaction",   "today",	   "done",   "tested"};
	size_t w1 = s->items[k].w1, w0 = s->items[k].w0;
	size_t from =
		w0 > CHALLENGE_RESULT_WORDS ? w0 - CHALLENGE_RESULT_WORDS : 0;

	if (w1 >= s->n || !notes__words_in(s, w1, test, 2) ||
	    notes__reaction_of(s, k, true) != NULL)
		return false;
	return !notes__any_in(s, from, s->n, result,
			      sizeof(result) / sizeof(*result));
}

/* CHALLENGE_DOSE_WORDS: the most words of dose and route between a drug
 * and the challenge it was given in ("amoxicillin 500mg oral
 * challenge"). */
#define CHALLENGE_DOSE_WORDS 3

/* challenged: is drug item k the drug of a challenge done, a dose and a
 * route at most between ("11/26 amoxicillin 500mg oral challenge，觀察2
 * 小時無反應 → 已於本院系統移除 penicillin 過敏註記", zh-dev80)?  It was
 * given to test the label, which is told apart: the drug is taken, no
 * entry of the list. */
static bool
challenged(const sentence *s, size_t k)
{
	static const char *const test[] = {"challenge", "激发试验", "激發試驗"};
	/* a Chinese route is one word of two characters ("阿莫西林口服激发试
	 * 验（250mg，…），无任何反应", allergy75tf, zh-dev87) */
	static const char *const route[] = {"oral", "po", "iv", "im"};
	static const char *const route_zh[] = {"口服", "静脉", "静滴", "肌注"};
	size_t w = s->items[k].w1, stop = w + CHALLENGE_DOSE_WORDS;

	while (w < s->n && w < stop &&
	       (notes__dose_at(s, w) || notes__is_number(s->words[w].key) ||
		notes__words_in(s, w, route, N_OF(route))))
		w++;
	if (w == s->items[k].w1 &&
	    notes__words_in(s, w, route_zh, N_OF(route_zh)))
		w += 2;
	return w > s->items[k].w1 && w < s->n &&
	       notes__words_in(s, w, test, N_OF(test));
}

/* avoided_after: is drug or class item k written "avoided" right after
 * it ("ACEi therefore avoided (and contraindicated with sacubitril)",
 * "avoid thiopurines (mercaptopurine also avoided)"), nothing after it
 * but the clause's end, with no reaction of its own and no verdict in its
 * sentence?  README: "avoid X" names no allergy and no medicine
 * (rules75en18). */
static bool
avoided_after(const sentence *s, size_t k)
{
	static const char *const so[] = {"also", "therefore", "thus", "hence"};
	size_t w = s->items[k].w1;
	const char *p;

	if (w < s->n && notes__words_in(s, w, so, sizeof(so) / sizeof(*so)))
		w++;
	if (w >= s->n || !notes__words_at(s, w, "avoided") ||
	    notes__reaction_of(s, k, true) != NULL ||
	    notes__class_extended(s, k))
		return false;
	/* nothing said after it: not "doxy avoided d/t ADR", "Diclofenac
	 * avoided: asthma (NSAID sensitive)" */
	p = s->text + s->words[w].end;
	while (*p == ' ')
		p++;
	if (*p != '\0' && strchr("().;,\n", *p) == NULL)
		return false;
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->dir & NOTES_DIR_NOT_ALLERGY)
			return false;
	return true;
}

/* avoided_in_condition: is drug or class item k followed by "in" and a
 * problem, and then "avoid" later in its sentence ("topical NSAID in
 * HF/CKD - small risk but avoid", allergy75oz, en-dev76)?  The drug is
 * kept away for the illness, as after "avoid NSAIDs for CKD". */
static bool
avoided_in_condition(const sentence *s, size_t k)
{
	static const char *const avoid[] = {"avoid", "avoided"};
	size_t w = s->items[k].w1;

	if (w + 1 >= s->n || !notes__words_at(s, w, "in"))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].w0 == w + 1)
			return s->items[j].e->type == NOTES_T_PROBLEM &&
			       notes__any_in(s, s->items[j].w1, s->n, avoid,
					     N_OF(avoid));
	return false;
}

/* avoided_for_condition: is drug or class item k written right after
 * "avoid" or "avoiding" and followed by "for", "in" or "given" and a
 * problem, "anyway" at most between ("but avoiding NSAIDs anyway for
 * CKD", "avoid NSAIDs for CKD", allergy75ge)?  The drug is kept away for
 * the illness, a precaution: README's "avoid X" names no allergy and no
 * medicine, though the line stands in an allergy list.  So is one
 * kept away "in" a problem (avoided_in_condition). */
static bool
avoided_for_condition(const sentence *s, size_t k)
{
	static const char *const avoid[] = {"avoid", "avoiding"};
	static const char *const reason[] = {"for", "in", "given"};
	const item *it = &s->items[k];
	size_t w = it->w1;

	if (avoided_in_condition(s, k))
		return true;
	if (it->w0 == 0 || !notes__words_in(s, it->w0 - 1, avoid, N_OF(avoid)))
		return false;
	if (w < s->n && notes__words_at(s, w, "anyway"))
		w++;
	if (w >= s->n || !notes__words_in(s, w, reason, N_OF(reason)))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].w0 == w + 1)
			return s->items[j].e->type == NOTES_T_PROBLEM;
	return false;
}

/* contraindication_named: is drug item k the one a contraindication or
 * a warning against combining names, not a drug given ("Asthma - a
 * contraindication to propranolol", "advised not to combine sildenafil
 * with any alpha-blocker")?  The drug is named as one not to use
 * together or at all; the note says nothing of its being taken or
 * declined here (issue 75, medfp75a). */
static bool
contraindication_named(const sentence *s, size_t k)
{
	static const char *const warned[] = {"not", "never", "don't", "dont"};
	size_t w = s->items[k].w0;

	if (s->items[k].e->type != NOTES_T_SUBSTANCE || w < 2)
		return false;
	if (notes__words_at(s, w - 1, "to") &&
	    (notes__words_at(s, w - 2, "contraindication") ||
	     notes__words_at(s, w - 2, "contraindications")))
		return true;
	return notes__words_at(s, w - 1, "combine") &&
	       (notes__words_in(s, w - 2, warned, N_OF(warned)) ||
		(w >= 3 && notes__words_at(s, w - 2, "to") &&
		 notes__words_in(s, w - 3, warned, N_OF(warned))));
}

/* written_before: does one of words end right before item k of s,
 * spaces aside ("预防恶心", "预防 DVT")?  Chinese writes its purpose
 * word joined to the term, so the bytes are compared, not the words. */
static bool
written_before(const sentence *s, size_t k, const char *const *words,
	       size_t n_words)
{
	size_t before = s->items[k].start;

	while (before > 0 && s->text[before - 1] == ' ')
		before--;
	for (size_t i = 0; i < n_words; i++) {
		size_t n = strlen(words[i]);

		if (before >= n &&
		    memcmp(s->text + before - n, words[i], n) == 0)
			return true;
	}
	return false;
}

/* prevented: is problem item k a symptom a drug is given to prevent
 * ("昂丹司琼预防恶心", "amitriptyline for headache prevention", "to
 * prevent nausea")?  The target of a prophylaxis is no problem the
 * patient has or is feared to have; no writer who codes symptoms codes
 * it (issue 75, symptoms75a). */
static bool
prevented(const sentence *s, size_t k)
{
	static const char *const before_zh[] = {"预防", "預防", "防止"};
	static const char *const before_en[] = {"prevent", "prevents",
						"preventing"};
	static const char *const after_en[] = {"prevention", "prophylaxis"};
	const item *it = &s->items[k];

	if (it->e->code[0] != 'R')
		return false;
	if (written_before(s, k, before_zh, N_OF(before_zh)))
		return true;
	return (it->w0 > 0 && notes__words_in(s, it->w0 - 1, before_en, 3)) ||
	       notes__words_in(s, it->w1, after_en, 2);
}

/* barred_again: is drug item k kept from the patient for good, a "never"
 * or "not" and a verb of taking before it and "again" right after it
 * ("told never to have a quinolone again", "she will not take quinolones
 * again", "must not receive co-trimoxazole again")?  The negation bars
 * the drug; the allergy stands, as it does not in "not allergic to
 * codeine" or "she can have metronidazole again". */
static bool
barred_again(const sentence *s, size_t k)
{
	static const char *const article[] = {"a", "an", "the", "any", "all"};
	static const char *const take[] = {"take",	"have",	  "receive",
					   "given",	"give",	  "use",
					   "prescribe", "taking", "having"};
	static const char *const link[] = {"to", "be", "ever"};
	static const char *const bar[] = {"never", "not", "t"};
	const item *it = &s->items[k];
	size_t w = it->w0, a = it->w1, stop;

	while (w > 0 && notes__words_in(s, w - 1, article, N_OF(article)))
		w--;
	if (w < 2 || s->words[w - 1].han ||
	    !notes__words_in(s, w - 1, take, N_OF(take)))
		return false;
	w--;
	for (stop = w > 2 ? w - 2 : 0;
	     w > stop && notes__words_in(s, w - 1, link, N_OF(link));)
		w--;
	if (w == 0 || !notes__words_in(s, w - 1, bar, N_OF(bar)))
		return false;
	if (a < s->n && notes__words_at(s, a, "ever"))
		a++;
	return a < s->n && notes__words_at(s, a, "again") &&
	       !notes__part_ends(s, it->end, s->words[a].start);
}

/* withheld_word: does a "no" or "not" stand right before drug item k,
 * or before one or two words of a decision or a route between ("Not for
 * clarithromycin", "no IV gentamicin", "not giving ibuprofen")? */
static bool
withheld_word(const sentence *s, const item *it)
{
	static const char *const between[] = {"for",	"more", "further",
					      "iv",	"oral", "po",
					      "giving", "to",	"any"};
	size_t w = it->w0;

	for (size_t n = 0; n < 2 && w > 1 &&
			   notes__words_in(s, w - 1, between, N_OF(between));
	     n++)
		w--;
	for (size_t v = w; v <= it->w0; v++)
		if (v > 0 && (notes__words_at(s, v - 1, "no") ||
			      notes__words_at(s, v - 1, "not")))
			return true;
	return false;
}

/* withheld_together: are drug item k and the item after it, a drug,
 * written as one list, only a slash, comma or "or" between ("Brufen /
 * NSAID")? */
static bool
withheld_together(const sentence *s, size_t k)
{
	const item *a = &s->items[k], *b = a + 1;

	if (k + 1 >= s->n_items || !is_drug(a) || !is_drug(b))
		return false;
	return notes__only_marks(s->text, a->end, b->start, "/,") ||
	       (b->w0 == a->w1 + 1 && notes__words_at(s, a->w1, "or"));
}

/* withheld_for_allergy: is drug item k written "no" or "not" and then,
 * set off by a dash or a parenthesis, the allergy cue that gives the
 * reason ("IV amoxicillin + oral clarithromycin (no doxy - allergy)", "no
 * NSAIDs (allergy)", "PJP prophylaxis - NOT co-trimoxazole (allergy)",
 * "Not for clarithromycin (intolerance + QTc 478)")?  The "no" withholds
 * the drug; the allergy stands, as it does not in "no penicillin
 * allergy" (rules75en18; "not", rules75en19; a decision or a route
 * between, allergy75da). */
static bool
withheld_for_allergy(const sentence *s, size_t k)
{
	size_t first = k, last = k;
	const item *cue;
	const char *p;
	bool set_off = false;

	/* a list of drugs withheld together ("NO Brufen / NSAID
	 * (allergy)", allergy75rq): its first has the "no", its last the
	 * reason */
	while (first > 0 && withheld_together(s, first - 1))
		first--;
	while (last + 1 < s->n_items && withheld_together(s, last))
		last++;
	cue = last + 1 < s->n_items ? &s->items[last + 1] : NULL;
	if (s->items[first].w0 == 0 || !withheld_word(s, &s->items[first]) ||
	    cue == NULL || cue->e->type != NOTES_T_ALLERGY_CUE)
		return false;
	for (p = s->text + s->items[last].end; p < s->text + cue->start; p++)
		if (*p == '(' || (*p == '-' && p[-1] == ' '))
			set_off = true; /* not "no penicillin-allergy" */
		else if (*p != ' ')
			return false;
	return set_off;
}

/* pump_removed: is trigger the 撤除 of drug item k's pump, "PCA" or 泵
 * right after the drug ("麻醉科已于昨晚22:00撤除吗啡PCA，记录为药物不良反
 * 应", allergy75sb, zh-dev83)?  The device is taken away, the drug
 * stopped; no label is removed. */
static bool
pump_removed(const sentence *s, size_t k, const char *trigger)
{
	static const char *const removed[] = {"撤除", "已撤除"};
	static const char *const pump[] = {"PCA", "pca", "泵", "镇痛泵"};
	size_t w1 = s->items[k].w1;

	return notes__among(trigger, removed, N_OF(removed)) && w1 < s->n &&
	       notes__words_in(s, w1, pump, N_OF(pump));
}

/* test_negative_en: is drug item k followed at once by "negative" in a
 * sentence that names a test before it ("allergy clinic patch tested,
 * latex NEGATIVE, reaction was to neoprene/thiourea", allergy75sf,
 * en-dev84)?  The test found no allergy to it. */
static bool
test_negative_en(const sentence *s, size_t k)
{
	static const char *const tests[] = {"tested", "test", "testing",
					    "patch", "prick"};
	size_t w1 = s->items[k].w1;

	return w1 < s->n && notes__words_at(s, w1, "negative") &&
	       notes__any_in(s, 0, s->items[k].w0, tests, N_OF(tests));
}

/* REMOVED_WORDS: how far after its drug "removed" may be written, a
 * dash and a quote between ("\"penicillin\" - removed 2024 after ..."). */
#define REMOVED_WORDS 2

/* removed_after_test: is drug item k's label said removed after a test
 * it passed, "removed" within REMOVED_WORDS words after it and "after" a
 * negative test or a challenge later in its sentence ("(Old NEHR entry
 * \"penicillin\" - removed 2024 after negative skin test + challenge at
 * ... allergy clinic, letter sighted.)", allergy75ru, en-dev82)?  The
 * label is off: the allergy, denied. */
static bool
removed_after_test(const sentence *s, size_t k)
{
	static const char *const passed[] = {"negative", "challenge", "testing",
					     "normal"};
	size_t w1 = s->items[k].w1;

	for (size_t v = w1; v < s->n && v <= w1 + REMOVED_WORDS; v++) {
		if (!notes__words_at(s, v, "removed"))
			continue;
		for (size_t a = v + 1; a + 1 < s->n && a <= v + 3; a++)
			if (notes__words_at(s, a, "after") &&
			    notes__any_in(s, a + 1, a + 3 < s->n ? a + 3 : s->n,
					  passed, N_OF(passed)))
				return true;
	}
	return false;
}

/* tested_or_removed settles f, drug item k's finding, where a pump was
 * taken away (pump_removed: no label removed), a test found no allergy
 * (test_negative_en) or the label was removed after one
 * (removed_after_test). */
static void
tested_or_removed(const sentence *s, size_t k, notes_finding *f)
{
	if (f->context == NOTES_NEGATED && pump_removed(s, k, f->trigger)) {
		f->context = f->kind == NOTES_ALLERGY ? 0 : NOTES_HISTORICAL;
		f->trigger = f->kind == NOTES_ALLERGY ? "" : "撤除";
	}
	/* a label told as past ("Previously penicillin allergy; removed 2024
	 * after a negative challenge", allergy75tp) is removed the same */
	if (f->kind != NOTES_ALLERGY || (f->context & ~NOTES_HISTORICAL) != 0)
		return;
	if (test_negative_en(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "negative";
	} else if (removed_after_test(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "removed";
	}
}

/* stopped_then_zh dates allergy f of Chinese drug item k, stopped or
 * switched for its effect (notes__stopped_for_zh), with the stop: the drug
 * was taken then, and taken_before keeps the past medicine beside the
 * allergy, which holds now.  Not on an allergy line, whose entries tell
 * reactions, not the drugs taken ("过敏史：头孢呋辛（…停药后缓解）"). */
static void
stopped_then_zh(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_ALLERGY && f->context == 0 && !s->allergy_line &&
	    !s->allergy_line_zh && !s->allergy_list &&
	    notes__stopped_for_zh(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "停用";
	}
}

/* stopped_medicine_zh: Chinese drug item k, a medicine, stopped or
 * switched for an effect it had (notes__stopped_for_zh) that records no
 * allergy ("阿托伐他汀40mg，服后肌肉酸痛，改瑞舒伐他汀", allergy75ub): a
 * medicine no longer taken. */
static void
stopped_medicine_zh(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_MEDICINE && f->context == 0 &&
	    notes__stopped_for_zh(s, k) != NULL) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "停用";
	}
}

/* remedy_past_zh: a Chinese drug an allergy's story (an allergy line, or
 * an allergy cue before it in its sentence) says the reaction was
 * treated or rescued with ("当时用地塞米松后好转", "当地卫生院抢救，用过
 * 肾上腺素、地塞米松") is a past medicine, the reaction's time its own; a
 * course's "予对乙酰氨基酚后缓解" outside an allergy entry, or one this
 * stay's words date, may be today's. */
static void
remedy_past_zh(const sentence *s, size_t k, notes_finding *f)
{
	static const char *const stay[] = {"本次", "入院", "住院", "今日"};
	bool cued = s->allergy_list || notes__on_allergy_line(s, k);

	for (size_t j = 0; j < k && !cued; j++)
		cued = s->items[j].e->type == NOTES_T_ALLERGY_CUE;
	if (f->kind != NOTES_MEDICINE || (f->context & NOTES_NEGATED) ||
	    !cued ||
	    notes__words_any(s, 0, s->items[k].w0, stay,
			     sizeof(stay) / sizeof(*stay)))
		return; /* "本次入院第2天…予扑尔敏后缓解": this stay's order */
	if (notes__healed_after_zh(s, k) || notes__rescued_with_zh(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "remedy";
	}
}

/* allergy_denied_to: is drug item k written right after "allergy to" or
 * "allergic to" ("Xylocaine spray + nebulisation for FOB: no allergy to
 * lignocaine")?  The "no" before it denies the allergy, though the drug
 * was named before for its use (allergy75eq); "NO HEPARIN" orders the
 * drug kept away. */
static bool
allergy_denied_to(const sentence *s, size_t k)
{
	static const char *const to[] = {"allergy to", "allergic to",
					 "allergies to"};

	return notes__phrase_before(s, s->items[k].w0, to, N_OF(to)) > 0;
}

/* substance_context sets the context of substance or class item k, read
 * as f->kind: the cues around it, then the writers' forms that correct
 * them (an allergy doubted, kept by an order, refused; a course, a
 * status, a switch; taken without harm). */
static void
substance_context(const sentence *s, size_t k, notes_finding *f,
		  const item *reaction, const item *caused, const item *tol)
{
	f->context =
		notes__context(s, k, f->kind == NOTES_ALLERGY, &f->trigger);
	notes__allergy_context_en6(s, k, f);
	notes__allergy_context_en10(s, k, f);
	notes__allergy_context_en12(s, k, f);
	if (f->kind == NOTES_ALLERGY &&
	    (notes__doubted(s, k, reaction) ||
	     (!(f->context & NOTES_NEGATED) && notes__doubt_after_zh(s, k))))
		f->context |= NOTES_UNCERTAIN;
	/* a denial queried at once ("NOT allergic to cephalosporins? -
	 * unknown, never had one", allergy75gk) asks whether it holds: the
	 * allergy is doubted, not denied */
	if (f->kind == NOTES_ALLERGY && (f->context & NOTES_NEGATED) &&
	    notes__queried_at(s->text, s->text_len, s->items[k].end))
		f->context &= ~NOTES_NEGATED;
	if (f->kind == NOTES_ALLERGY)
		notes__allergy_context_zh(s, k, f);
	stopped_then_zh(s, k, f);
	notes__refused_then(s, k, f);
	if (f->kind == NOTES_ALLERGY && f->context == NOTES_NEGATED &&
	    (unsigned char)f->trigger[0] < 0x80 && notes__named_before(s, k) &&
	    !allergy_denied_to(s, k)) {
		f->context = 0; /* the order that keeps the allergy */
		f->trigger = "";
	}
	if (notes__lay_effect(s, k) && notes__came_off_trigger(f->trigger)) {
		f->context &= ~NOTES_NEGATED; /* "refuses codeine" */
		f->trigger = "";
	}
	if (caused && f->context == 0)
		notes__taken_then(s, k, f);
	notes__onset_then_zh(s, k, reaction, f);
	notes__course_context(s, k, f);
	notes__status_context(s, k, f);
	notes__switch_context(s, k, f);
	if (f->kind == NOTES_MEDICINE && f->context == 0 &&
	    notes__threshold_given_zh(s, k)) {
		f->context = NOTES_HYPOTHETICAL; /* "血糖>12予胰岛素" */
		f->trigger = THRESHOLD_GIVEN;
	}
	if (f->kind == NOTES_MEDICINE && f->context == 0 &&
	    notes__inpatient_only_zh(s, k)) {
		f->context =
			NOTES_HISTORICAL; /* "住院期间改胰岛素，出院恢复…" */
		f->trigger = INPATIENT_ONLY;
	}
	if (tol && (f->context & NOTES_NEGATED) == 0) {
		/* taken without harm: a past medicine, or no allergy to a
		 * class */
		if (f->context == 0)
			f->trigger = tol->e->key;
		f->context |= f->kind == NOTES_ALLERGY ? NOTES_NEGATED
						       : NOTES_HISTORICAL;
	}
	if (f->kind == NOTES_ALLERGY && f->context == NOTES_NEGATED &&
	    (withheld_for_allergy(s, k) || barred_again(s, k))) {
		f->context = 0;
		f->trigger = "";
	}
	tested_or_removed(s, k, f);
	if (f->kind == NOTES_MEDICINE && f->context == 0 &&
	    challenge_offered(s, k)) {
		f->context = NOTES_HYPOTHETICAL; /* the test still to come */
		f->trigger = "challenge";
	}
	remedy_past_zh(s, k, f);
}

/* CLASS_TOLERATED_WORDS: the most words between an English class and
 * the tolerated cue after it that speaks of it. */
#define CLASS_TOLERATED_WORDS 3

/* class_tolerated returns the tolerated cue a few words after English
 * class item k ("has now had 2 days of penicillin with no rash"), or
 * NULL: the class taken without harm is no allergy, as after "tolerated"
 * (rules75en14). */
static const item *
class_tolerated(const sentence *s, size_t k)
{
	const item *it = &s->items[k];
	const item *tol = notes__tolerated_after(s, k);

	if (it->e->type != NOTES_T_CLASS || tol == NULL ||
	    s->words[it->w0].han || tol->w0 - it->w1 > CLASS_TOLERATED_WORDS)
		return NULL;
	return tol;
}

/* clause_cue_zh: is an allergy cue written in class item k's clause,
 * other than a heading's, the one a colon follows ("过敏史：…")?  An ASCII
 * comma ends a Chinese clause as the full-width one does: writers who
 * type Chinese with ASCII punctuation ("过敏史:对头孢类过敏(起疹子),另以前用
 * 过青霉素没问题", zh-dev39) put the cue before it in the clause before. */
static bool
clause_cue_zh(const sentence *s, size_t k)
{
	const item *it = &s->items[k];
	size_t from, to;

	notes__clause_words(s, k, &from, &to);
	for (size_t j = 0; j < s->n_items; j++) {
		const item *c = &s->items[j];
		const char *p = s->text + c->end;

		if (c->e->type != NOTES_T_ALLERGY_CUE || c->w0 < from ||
		    c->w0 >= to || *p == ':' ||
		    strncmp(p, "\xef\xbc\x9a", 3) == 0 || /* ： */
		    (c->end <= it->start &&
		     notes__between_has(s, c->end, it->start, ',')))
			continue;
		return true;
	}
	return false;
}

/* class_unharmed_zh: is class item k of a Chinese sentence taken without
 * harm, a phrase of notes__unharmed_cue_zh after it ("村医说以前打过“青霉
 * 素”没事", "过敏史：青霉素皮试阳性，头孢类以前用过没事"), with no allergy
 * cue in its clause but a heading's, nor a reaction of its own?  The
 * class is tolerated, its allergy negated, as after "tolerated"; a class
 * is no medicine (rules75zh24). */
static bool
class_unharmed_zh(const sentence *s, size_t k, notes_finding *f)
{
	const char *cue = notes__unharmed_cue_zh(s, k);

	if (cue == NULL || clause_cue_zh(s, k) ||
	    notes__reaction_of(s, k, true) != NULL)
		return false;
	return negated_allergy(f, cue);
}

/* analyte_named: is substance item k the bare word "potassium", no dose
 * in mmol after it and no word that gives it ("supplements", "tablets",
 * "replacement")?  Notes write the serum level so ("Potassium 5.8 on
 * admission", "with the potassium at 5.6", "U&E (creatinine,
 * potassium)"); the salt given is potassium chloride, its own entry
 * (rules75en14). */
static bool
analyte_named(const sentence *s, size_t k)
{
	static const char *const given[] = {
		"supplement",  "supplements", "tablet",	 "tablets",
		"replacement", "mmol",	      "sachets", "infusion"};
	const item *it = &s->items[k];

	if (strcmp(it->e->key, "potassium") != 0)
		return false;
	for (size_t w = it->w1; w < s->n && w < it->w1 + 2; w++)
		if (notes__words_in(s, w, given,
				    sizeof(given) / sizeof(*given)))
			return false;
	return true;
}

/* test_named: is drug item k the name of a diagnostic test, the word
 * after it a test's ("overnight dexamethasone suppression test",
 * "dexamethasone suppression", "ACTH stimulation", "地塞米松抑制试验",
 * "卡托普利试验")?  The drug is given for the test's sake, not as a
 * medicine: the writers of en-dev40, zh-dev40 and zh-dev20 list none.
 * A challenge ("阿莫西林口服激发试验", "amoxicillin challenge") tests an
 * allergy and is read as one, so only a test word right after the drug
 * counts. */
static bool
test_named(const sentence *s, size_t k)
{
	static const char *const tests[] = {"suppression", "stimulation",
					    "试验", "抑制试验", "兴奋试验"};
	size_t w = s->items[k].w1;

	return w < s->n &&
	       notes__words_in(s, w, tests, sizeof(tests) / sizeof(*tests));
}

/* TEST_PANEL_MIN: the fewest drugs a list after "testing …:" names to be
 * the test's panel, not the allergy it is for ("penicillin testing:
 * amoxicillin"). */
#define TEST_PANEL_MIN 3

/* TEST_PANEL_WORDS: the most words from "testing" to the colon, when
 * between ("testing at 4-6 weeks:"); TEST_PANEL_SPAN the most words from
 * the colon to a drug of its panel. */
#define TEST_PANEL_WORDS 6
#define TEST_PANEL_SPAN	 16

/* test_colon: the word after the colon that ends a few words of testing
 * before drug item k ("intradermal testing at 4-6 weeks: cefazolin, …"),
 * or 0 for none. */
static size_t
test_colon(const sentence *s, size_t k)
{
	static const char *const testing[] = {"testing", "tests", "test"};
	size_t w0 = s->items[k].w0;

	for (size_t v = w0; v > 0 && w0 - v <= TEST_PANEL_SPAN; v--) {
		if (notes__colon_at(s->text, s->words[v - 1].end,
				    s->words[v].start) == NULL)
			continue;
		for (size_t back = 1; back <= TEST_PANEL_WORDS && back <= v;
		     back++)
			if (notes__words_in(s, v - back, testing,
					    N_OF(testing)))
				return v;
		return 0;
	}
	return 0;
}

/* test_panel: is drug item k in a list of at least TEST_PANEL_MIN drugs
 * after a colon that ends a few words of testing ("skin prick /
 * intradermal testing at 4-6 weeks: cefazolin, rocuronium, chlorhexidine,
 * latex, propofol, fentanyl, midazolam")?  The list is what the allergy
 * clinic will test, every drug given before the reaction: no allergy of
 * its own, the suspected ones are told where they are avoided.  The list
 * runs from the colon to a ";" or ")", and names nothing but drugs. */
static bool
test_panel(const sentence *s, size_t k)
{
	size_t v = test_colon(s, k), drugs = 0;
	uint32_t from, to;

	if (v == 0)
		return false;
	from = to = s->words[v].start;
	while (to < s->text_len && strchr(";)\n", s->text[to]) == NULL)
		to++;
	for (size_t j = 0; j < s->n_items; j++) {
		if (s->items[j].start < from || s->items[j].start >= to)
			continue;
		if (!is_drug(&s->items[j]))
			return false;
		drugs++;
	}
	return drugs >= TEST_PANEL_MIN;
}

/* allergy_denied: is drug item k named right after a denied allergy cue
 * ("he is not allergic to aspirin and has taken it before without
 * problem")?  The drug taken without harm backs the denial: a negated
 * allergy, not a past medicine (rules75en24). */
static bool
allergy_denied(const sentence *s, size_t k)
{
	const char *trigger = NULL;
	const item *it = &s->items[k];
	const item *cue = k > 0 ? it - 1 : it;

	if (k == 0)
		return false;
	/* in brackets after the denied allergy: "NOT allergic to sulfa
	 * (took Bactrim 2022 w/o problem)" (rules75en20, rules75en26) */
	if (is_drug(cue) && it->w0 > cue->w1 &&
	    notes__between_has(s, cue->end, it->start, '(') &&
	    !notes__between_has(s, cue->end, it->start, ')'))
		return allergy_denied(s, k - 1);
	if (cue->e->type != NOTES_T_ALLERGY_CUE)
		return false;
	if (it->w0 != cue->w1 &&
	    (it->w0 != cue->w1 + 1 || !notes__words_at(s, cue->w1, "to")))
		return false;
	return (notes__context(s, k, true, &trigger) & NOTES_NEGATED) != 0;
}

/* continued_through: is drug item k written "while <drug> continued"
 * after a reaction that eased ("rash faded over 4 days while ceftriaxone
 * continued")?  A reaction that settles while the drug goes on was not
 * the drug's: the drug is tolerated, its allergy negated (rules75en22). */
/* held_back_for_reaction: is Chinese drug item k declined for the
 * patient's own past effect of it (notes__held_back_for_reaction_zh)?
 * Then f is its allergy, uncertain where the writer doubts the effect
 * ("既往烦躁不安？患者不能确定"). */
static bool
held_back_for_reaction(const sentence *s, size_t k, notes_finding *f)
{
	bool doubted;

	if (!notes__held_back_for_reaction_zh(s, k, &doubted))
		return false;
	f->kind = NOTES_ALLERGY;
	f->reaction = "";
	f->context = doubted ? NOTES_UNCERTAIN : 0;
	f->trigger = doubted ? "？" : "";
	return true;
}

/* denied_again_zh: is Chinese drug item k an entry label, a colon after
 * it, whose entry denies the allergy to the same drug named again after
 * 无 ("乳胶：患者本人无乳胶过敏（儿子有）")?  Returns 无, or NULL
 * (allergy75fk). */
static const char *
denied_again_zh(const sentence *s, size_t k)
{
	static const char *const none[] = {"无", "無"};

	if (!s->words[s->items[k].w0].han || !notes__colon_after(s, k))
		return NULL;
	for (size_t m = k + 1; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (!is_drug(it))
			continue;
		if (strcmp(it->e->code, s->items[k].e->code) != 0)
			return NULL;
		if (it->w0 > 0 && notes__words_in(s, it->w0 - 1, none, 2) &&
		    m + 1 < s->n_items &&
		    s->items[m + 1].e->type == NOTES_T_ALLERGY_CUE &&
		    s->items[m + 1].w0 == it->w1)
			return "无";
	}
	return NULL;
}

/* removed_entry: is drug item k an allergy list's entry whose answer,
 * right after a colon or dash, is that its label was removed
 * ("Allergies:\n Penicillin - REMOVED 03/2025 (negative oral amoxicillin
 * challenge)", allergy75lj)?  In a medicines list "Gliclazide -
 * removed" is the drug taken away. */
static bool
removed_entry(const sentence *s, size_t k)
{
	static const char *const removed[] = {"removed", "delabelled",
					      "delabeled"};
	size_t w = s->items[k].w1;

	return s->allergy_list && w < s->n &&
	       notes__words_in(s, w, removed, N_OF(removed)) &&
	       notes__only_marks(s->text, s->items[k].end, s->words[w].start,
				 ":-") &&
	       !notes__only_marks(s->text, s->items[k].end, s->words[w].start,
				  "");
}

/* denied_entry: is drug item k an entry whose answer, right after a colon
 * or dash, denies the allergy ("LATEX: no allergy (has had multiple
 * procedures with latex gloves)", "Aspirin - not allergic")?  The entry
 * names the allergen to deny it: a negated allergy (allergy75ex), as a
 * Chinese entry that denies it by name does (denied_again_zh). */
static const char *
denied_entry(const sentence *s, size_t k)
{
	const item *no = k + 2 < s->n_items ? &s->items[k + 1] : NULL;
	const char *zh = denied_again_zh(s, k);

	if (zh != NULL)
		return zh;
	if (removed_entry(s, k))
		return "removed";
	if (no == NULL || no->e->type != NOTES_T_NEGATED ||
	    (strcmp(no->e->key, "no") != 0 && strcmp(no->e->key, "not") != 0) ||
	    no[1].e->type != NOTES_T_ALLERGY_CUE || no[1].w0 != no->w1 ||
	    strncmp(no[1].e->key, "allerg", 6) != 0 ||
	    !notes__only_marks(s->text, s->items[k].end, no->start, ":-") ||
	    notes__only_marks(s->text, s->items[k].end, no->start, ""))
		return NULL;
	return no->e->key;
}

/* entry_denied: the denial of drug item k's entry, or of an entry before
 * it in s of the same drug, whose story k's mention tells ("... (has had
 * multiple procedures with latex gloves)"); NULL for none. */
static const char *
entry_denied(const sentence *s, size_t k)
{
	const char *denial = NULL;

	for (size_t j = 0; j <= k && denial == NULL; j++)
		if (strcmp(s->items[j].e->code, s->items[k].e->code) == 0 &&
		    is_drug(&s->items[j]))
			denial = denied_entry(s, j);
	return denial;
}

static bool
continued_through(const sentence *s, size_t k)
{
	static const char *const eased[] = {"faded",   "settled",  "resolved",
					    "cleared", "improved", "subsided"};
	size_t w = s->items[k].w0, after = s->items[k].w1;

	if (w == 0 || !notes__words_at(s, w - 1, "while") || after >= s->n)
		return false;
	if (notes__words_at(s, after, "was") && after + 1 < s->n)
		after++;
	return notes__words_at(s, after, "continued") &&
	       notes__any_in(s, 0, w - 1, eased,
			     sizeof(eased) / sizeof(*eased));
}

/* denied_in_entry: is drug item k's allergy denied where it is written,
 * its entry answered "no allergy" (entry_denied) or the drug continued
 * through the reaction (continued_through)?  Then f is that negated
 * allergy. */
static bool
denied_in_entry(const sentence *s, size_t k, notes_finding *f)
{
	const char *denial = entry_denied(s, k);

	if (denial == NULL && s->items[k].e->type == NOTES_T_SUBSTANCE &&
	    continued_through(s, k))
		denial = "continued";
	if (denial == NULL)
		return false;
	return negated_allergy(f, denial);
}

/* TAKEN_FINE_WORDS: the most words between a drug taken and the "fine"
 * that says it did no harm ("had amoxicillin for ear infections fine"). */
#define TAKEN_FINE_WORDS 8

/* no_reaction_answer: is word w of s "no" and then "reaction",
 * "problems" or "issues", a clause of its own after a course taken ("Took
 * amoxicillin ... in 2024, no reaction", allergy75mo)? */
static bool
no_reaction_answer(const sentence *s, size_t w)
{
	static const char *const harm[] = {"reaction", "reactions", "problem",
					   "problems", "issues"};

	return w > 0 && w + 1 < s->n && notes__words_at(s, w, "no") &&
	       notes__words_in(s, w + 1, harm, N_OF(harm)) &&
	       notes__comma_in(s, s->words[w - 1].start, s->words[w].start);
}

/* answered_fine: is word w of s "fine", or "tolerated" or "tolerates"
 * not denied by the word before ("has had amoxicillin multiple times,
 * tolerates", allergy75ga; "poorly tolerated" is an intolerance)? */
static bool
answered_fine(const sentence *s, size_t w)
{
	static const char *const tolerated[] = {"tolerated", "tolerates"};
	static const char *const denied[] = {"not", "poorly", "never", "badly"};

	if (notes__words_at(s, w, "fine") || no_reaction_answer(s, w))
		return true;
	return notes__words_in(s, w, tolerated, N_OF(tolerated)) &&
	       !notes__words_in(s, w - 1, denied, N_OF(denied));
}

/* dated_course: is a year or "ago" written after drug item k and before
 * word w ("Took amoxicillin from a dentist in 2024, no reaction")?  A
 * course "took" dates is a past one, not today's dose. */
static bool
dated_course(const sentence *s, size_t k, size_t w)
{
	for (size_t v = s->items[k].w1; v < w; v++)
		if (notes__words_at(s, v, "ago") ||
		    notes__is_year(s->words[v].key))
			return true;
	return false;
}

/* taken_fine: is English drug item k taken in the past ("had" or
 * "received" right before it) and answered "fine" later in its
 * sentence part (answered_fine), no full stop, semicolon, other drug or
 * reaction between
 * ("Had Keflex for a tattoo infection fine", "mother confirms he had
 * amoxicillin for ear infections fine")?  The drug was taken without harm,
 * as after "without problems": a past medicine, no allergy, though an
 * allergy line holds it (allergy75ay; en-dev31, en-dev45). */
static bool
taken_fine(const sentence *s, size_t k)
{
	/* a past course: "took" and "takes" are also today's dose ("Took
	 * Tylenol, fine.", "takes oxycodone fine"), a medicine taken now */
	/* "dispensed": a pharmacy's record of a course ("dispensed amoxicillin
	 * 2021 (pharmacy record), no reaction", allergy75oj, en-dev75) */
	static const char *const taken[] = {"had", "received", "dispensed"};
	const item *it = &s->items[k];
	size_t last = it->w1 + TAKEN_FINE_WORDS;
	bool took;

	if (s->words[it->w0].han || it->w0 == 0)
		return false;
	took = notes__words_at(s, it->w0 - 1, "took");
	if (!took && !notes__any_in(s, it->w0 - 1, it->w0, taken,
				    sizeof(taken) / sizeof(*taken)))
		return false;
	for (size_t w = it->w1; w < s->n && w <= last; w++) {
		for (size_t j = k + 1; j < s->n_items; j++)
			if (s->items[j].w0 == w &&
			    (is_drug(&s->items[j]) ||
			     s->items[j].e->type == NOTES_T_REACTION))
				return false;
		if (answered_fine(s, w))
			return !notes__part_ends(s, it->end,
						 s->words[w].start) &&
			       (!took || dated_course(s, k, w));
	}
	return false;
}

/* had_fine: drug item k taken without harm in the past (taken_fine), a
 * past medicine as after a tolerated cue, whatever plan is around it. */
static bool
had_fine(const sentence *s, size_t k, notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	f->context = (notes__context(s, k, false, &f->trigger) &
		      ~(unsigned)NOTES_HYPOTHETICAL) |
		     NOTES_HISTORICAL;
	if (f->context == NOTES_HISTORICAL)
		f->trigger = "fine";
	return true;
}

/* fine_now: is tolerated cue tol one in the present ("Panadol alone is
 * fine", "paracetamol on its own is fine")?  The drug may be taken now. */
static bool
fine_now(const item *tol)
{
	size_t n = strlen(tol->e->key);

	return n > 8 && strcmp(tol->e->key + n - 8, " is fine") == 0;
}

/* taken_since: is drug item k one the patient takes now or has taken
 * for years or since a year (notes__taken_here), not one "took" puts in
 * the past ("he took Bactrim for years as CPT until 2019 with no
 * problem")? */
static bool
taken_since(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;

	return notes__taken_here(s, k) &&
	       !(w >= 1 && notes__words_at(s, w - 1, "took"));
}

/* given_today: is "today" told between drug item k and the tolerated cue
 * tol after it ("cefazolin 2 g IV given at induction today 0815, no
 * reaction on PACU review", allergy75qo)?  The dose is today's: the drug
 * is taken now. */
static bool
given_today(const sentence *s, size_t k, const item *tol)
{
	static const char *const today[] = {"today"};

	return tol != NULL && tol->w0 > s->items[k].w1 &&
	       notes__words_any(s, s->items[k].w1, tol->w0, today, N_OF(today));
}

/* tolerated_now: drug item k taken without harm, read as
 * notes__challenged does, but taken still when the patient is "now on" it
 * ("now on pravastatin w/o problem", rules75en26), it "is fine", or the
 * patient takes it now or has taken it for years or since a year ("has
 * taken ramipril since 2016 with no cough", vocab75bl). */
static bool
tolerated_now(const sentence *s, size_t k, notes_finding *f)
{
	const item *tol = notes__tolerated_after(s, k);

	notes__challenged(s, k, tol, f);
	if ((notes__now_on(s, k) || fine_now(tol) || taken_since(s, k) ||
	     given_today(s, k, tol)) &&
	    f->context == NOTES_HISTORICAL) {
		f->context = 0;
		f->trigger = "";
	}
	return true;
}

/* disease_named: is drug item k the first word of a disease's name, the
 * drug that sets it off ("Aspirin-exacerbated respiratory disease
 * (Samter's triad)", "aspirin-induced asthma", "阿司匹林加重性呼吸系统疾病
 * （AERD）", "阿司匹林诱发哮喘？")?  The name says what the drug does to
 * the patient, not that it is taken: six writers of the dev sets give no
 * medicine for it, and none an affirmed one (issue 75).  The name follows
 * the drug at once, or after one space or hyphen: "阿司匹林——诱发哮喘"
 * is an allergy entry and its reaction. */
static bool
disease_named(const sentence *s, size_t k)
{
	static const char *const en[] = {
		"exacerbated respiratory", "induced respiratory",
		"exacerbated asthma",	   "induced asthma",
		"sensitive asthma",	   "intolerant asthma"};
	static const char *const zh[] = {"加重性呼吸", "加重呼吸",
					 "诱发哮喘",   "诱发性哮喘",
					 "加重性哮喘", "诱发的哮喘"};
	size_t w = s->items[k].w1;
	uint32_t gap;

	if (w >= s->n)
		return false;
	gap = s->words[w].start - s->items[k].end;
	if (s->words[w].han)
		return gap == 0 &&
		       notes__words_in(s, w, zh, sizeof(zh) / sizeof(*zh));
	if (gap != 1 || strchr(" -", s->text[s->items[k].end]) == NULL)
		return false;
	return notes__phrases_in(s, w, en, sizeof(en) / sizeof(*en));
}

/* phrase_within: is one of the phrases list[0, n) spelt at a word of s
 * from word from on? */
static bool
phrase_within(const sentence *s, size_t from, const char *const *list, size_t n)
{
	for (size_t w = from; w < s->n; w++)
		if (notes__phrases_in(s, w, list, n))
			return true;
	return false;
}

/* challenge_passed: is drug item k the drug of a challenge or test dose
 * written right after it ("oral amoxicillin challenge", "amoxicillin test
 * dose"), with no reaction of its own, that its sentence says the
 * patient passed ("... challenge at the allergy clinic Sept 2026, no
 * reaction", "negative oral amoxicillin challenge") and nowhere failed?
 * The drug is the medicine given at the test, in the context its
 * sentence gives it ("today", "tomorrow -- if negative"), not an allergy
 * of its own: the dev sets' convention ("tolerated an oral amoxicillin
 * challenge with no reaction" is a medicine).  A drug told as tolerated
 * right before ("tolerated amoxicillin challenge") stays the negated
 * allergy its cue reads.  Issue 75, allergy75l.  A challenge its
 * sentence says removed the label ("... and the label has been removed")
 * de-labels the drug: its allergy, negated, which clears the label told
 * before (allergy75ew); one still to come ("challenge tomorrow -- if
 * negative, penicillin de-labelled") is the medicine planned.  A first
 * dose given under watch is such a test ("penicillin label doubtful,
 * cephalosporin 1st dose under observation, no reaction", allergy75rm,
 * zh-dev82). */
static bool
challenge_passed(const sentence *s, size_t k)
{
	static const char *const test[] = {"challenge", "provocation",
					   "test dose", "1st dose",
					   "first dose"};
	static const char *const passed[] = {
		"no reaction", "negative", "passed", "tolerated", "uneventful"};
	static const char *const failed[] = {"positive", "failed", "reacted"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	size_t from =
		w0 > CHALLENGE_RESULT_WORDS ? w0 - CHALLENGE_RESULT_WORDS : 0;

	return w1 < s->n && notes__phrases_in(s, w1, test, N_OF(test)) &&
	       notes__reaction_of(s, k, true) == NULL &&
	       !phrase_within(s, 0, failed, 3) &&
	       phrase_within(s, from, passed, 5);
}

/* class_dose_passed: is class item k given as a first dose under watch
 * that its sentence says was passed (challenge_passed: "cephalosporin 1st
 * dose under observation, no reaction"), not one still to come ("if
 * ...")?  The class names the treatment begun, no allergy: its drug is
 * named as the medicine given (allergy75rm).  A class's test dose or
 * challenge passed ("Penicillin test dose 2015 - no reaction") is its
 * allergy, negated, as before. */
static bool
class_dose_passed(const sentence *s, size_t k)
{
	static const char *const first[] = {"1st dose", "first dose"};
	static const char *const pending[] = {"if", "once", "should", "unless"};
	size_t w1 = s->items[k].w1;

	return w1 < s->n && notes__phrases_in(s, w1, first, N_OF(first)) &&
	       challenge_passed(s, k) &&
	       !phrase_within(s, 0, pending, N_OF(pending));
}

/* challenge_cleared reads drug item k of a challenge passed
 * (challenge_passed) as the medicine given at the test, or as its allergy
 * negated where the sentence says the test removed the label. */
static bool
challenge_cleared(const sentence *s, size_t k, notes_finding *f)
{
	const item *removal;

	if (!challenge_passed(s, k))
		return false;
	f->kind = NOTES_MEDICINE;
	substance_context(s, k, f, NULL, NULL, NULL);
	if (!(f->context & NOTES_HYPOTHETICAL) &&
	    (removal = notes__delabel_after(s, k)) != NULL)
		return negated_allergy(f, removal->e->key);
	return true;
}

/* label_removed: is drug item k followed at once, only spaces between,
 * by a de-labelling that begins with "label" ("the penicillin label was
 * removed", "Penicillin label removed") or names the allergy record it is
 * removed from ("Penicillin removed from her allergy list", "...
 * removed from his alert", allergy75sw, en-dev86; "removed from the
 * chart" may be the drug chart's)?  The drug names the label removed:
 * its allergy, negated, though no allergy cue names it (a class alone is
 * otherwise nothing).  Issue 75, allergy75l. */
static bool
label_removed(const sentence *s, size_t k, notes_finding *f)
{
	const item *t = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	if (t == NULL || t->e->type != NOTES_T_NEGATED ||
	    !(t->e->dir & NOTES_DIR_DELABEL) ||
	    (strncmp(t->e->key, "label ", 6) != 0 &&
	     strstr(t->e->key, "allerg") == NULL &&
	     strstr(t->e->key, "alert") == NULL) ||
	    !notes__only_marks(s->text, s->items[k].end, t->start, " "))
		return false;
	return negated_allergy(f, t->e->key);
}

/* doubted_alternative: reads drug item k, the other drug a teller not
 * sure which caused a reaction offers ("not sure whether it was that or
 * the MTX"), as a doubted allergy (notes__doubted_alternative); false,
 * f untouched, for any other drug. */
static bool
doubted_alternative(const sentence *s, size_t k, notes_finding *f)
{
	if (!notes__doubted_alternative(s, k))
		return false;
	f->kind = NOTES_ALLERGY;
	f->reaction = "";
	substance_context(s, k, f, NULL, NULL, NULL);
	/* the "not" of "not sure" doubts, it denies nothing */
	f->context = (f->context & NOTES_FAMILY) | NOTES_UNCERTAIN;
	f->trigger = "not sure";
	return true;
}

/* taken_through: is reaction item r a side effect the patient took the
 * course through ("\"made me feel awful\" but completed", "diarrhoea,
 * finished the course") or goes on taking at a lower dose ("GI upset -
 * reduced from 1 g bd")?  The drug is tolerated, no intolerance; an
 * allergic sign (a rash, hives) stays the allergy it is. */
static bool
taken_through(const sentence *s, const item *r)
{
	return !(r->e->type == NOTES_T_REACTION &&
		 (r->e->dir & NOTES_DIR_ALLERGIC_SIGN)) &&
	       (notes__completed_despite(s, r->w1) ||
		notes__dose_lowered_after(s, r->w1));
}

/* lay_told: does the patient or a relative tell, in their own words, an
 * effect drug item k has on them ("codeine makes me itch", "can't take
 * codeine, gets very sick")? */
static bool
lay_told(const sentence *s, size_t k)
{
	return notes__made_lay_effect(s, k) || notes__cannot_take(s, k);
}

/* What a note writes of a treatment that failed ("none of these made any
 * difference", "did not help", "均无明显效果", "疗效不佳"). */
static const char *const failed_words[] = {"made no difference",
					   "made any difference",
					   "did not work",
					   "did not help",
					   "didn t work",
					   "didn t help",
					   "without benefit",
					   "ineffective",
					   "not effective",
					   "无效",
					   "無效",
					   "无明显效果",
					   "無明顯效果",
					   "效果不佳",
					   "效果不明显",
					   "效果不明顯",
					   "疗效不佳",
					   "療效不佳"};

/* IF_WORDS: how far before a failure a condition may open it ("如无效考虑
 * 环孢素", "若效果不佳"); WHEN_WORDS: how far after it 时 may close it
 * ("lorazepam 無效時用"). */
#define IF_WORDS   4
#define WHEN_WORDS 5

/* if_before: is the failure at word w a condition, "if", 如, 若 within
 * IF_WORDS words before it or 时 within WHEN_WORDS after it: a plan, not
 * a drug that failed. */
static bool
if_before(const sentence *s, size_t w)
{
	static const char *const cond[] = {"if", "如", "若", "如果", "unless"};
	static const char *const when[] = {"时", "時"};

	for (size_t v = w > IF_WORDS ? w - IF_WORDS : 0; v < w; v++)
		if (notes__words_in(s, v, cond, N_OF(cond)))
			return true;
	for (size_t v = w + 1; v < s->n && v <= w + WHEN_WORDS; v++)
		if (notes__words_in(s, v, when, N_OF(when)))
			return true;
	return false;
}

/* failed_treatment: is drug item k told as a treatment that did not
 * work, the failure written after it in its sentence with no reaction
 * or allergy cue between them nor a reaction or problem after it ("was
 * given cetirizine ... and short courses of prednisolone for the bigger
 * swellings; none of these made any difference", "多次静滴地塞米松及葡萄
 * 糖酸钙，均无明显效果"; not "卡马西平0.1g tid，无效，服后头晕、走路不稳，已
 * 停")?  A drug that failed is a medicine, no allergen, though the
 * sentence calls the swelling "allergic" (allergy75ad: en39-30,
 * zh39-30).  On an allergy list the writer's
 * verdict reads it ("codeine \"does nothing\" - not an allergy, just
 * ineffective": a negated allergy). */
static bool
failed_treatment(const sentence *s, size_t k)
{
	size_t n = N_OF(failed_words);
	size_t w = s->items[k].w1;

	if (s->allergy_list || s->allergy_line || notes__on_allergy_line(s, k))
		return false;
	while (w < s->n && !notes__phrases_in(s, w, failed_words, n) &&
	       !notes__words_in(s, w, failed_words, n))
		w++;
	if (w >= s->n || if_before(s, w))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++) {
		int type = s->items[j].e->type;

		if (((type == NOTES_T_REACTION || type == NOTES_T_PROBLEM) &&
		     s->items[j].w0 > w) ||
		    (s->items[j].w0 < w &&
		     (type == NOTES_T_REACTION || type == NOTES_T_ALLERGY_CUE)))
			return false;
	}
	return true;
}

/* treated_later_en: is English drug item k, in a later sentence of an
 * allergy entry's line, the one "treated with" gives, no reaction and no
 * allergy cue in its sentence ("- Penicillin: anaphylaxis in 2016 (IM
 * penicillin at the clinic for syphilis, needed adrenaline). She was
 * then treated with doxycycline.", allergy75jv)?  The entry goes on
 * with what the patient had instead: a medicine, no entry. */
static bool
treated_later_en(const sentence *s, size_t k)
{
	bool treated = false;

	if (!(s->allergy_list || s->allergy_line) ||
	    notes__line_lead(s) != NULL ||
	    (unsigned char)s->text[s->items[k].start] >= 0x80)
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		notes_type type = s->items[j].e->type;

		if (type == NOTES_T_REACTION || type == NOTES_T_ALLERGY_CUE)
			return false;
		if (j < k && type == NOTES_T_INDICATION &&
		    strcmp(s->items[j].e->key, "treated with") == 0 &&
		    !notes__terminated(s, j, k))
			treated = true;
	}
	return treated;
}

/* only_given_en: is drug item k the one the patient is given or takes
 * instead, "only" before it or before the verb ("gives only Calpol at
 * home", "only takes paracetamol"), as 只吃 reads in Chinese
 * (notes__only_taken_zh)?  A reaction told before it is another drug's. */
static bool
only_given_en(const sentence *s, size_t k)
{
	static const char *const use[] = {"gives", "gave", "uses", "used",
					  "takes", "took", "give", "take"};
	size_t w = s->items[k].w0;

	if (w < 2)
		return false;
	return (notes__words_at(s, w - 1, "only") &&
		notes__words_in(s, w - 2, use, N_OF(use))) ||
	       (notes__words_in(s, w - 1, use, N_OF(use)) &&
		notes__words_at(s, w - 2, "only"));
}

/* covers_after: is drug item k followed by the word that says it
 * covers an infection ("(doxy covers lepto)", "doxycycline to cover
 * rickettsia", allergy75kt)?  An antibiotic's cover is what it is given
 * for, not a reaction's cause. */
static bool
covers_after(const sentence *s, size_t k)
{
	static const char *const cover[] = {"covers", "covering", "cover"};
	size_t w = s->items[k].w1;

	if (w < s->n && notes__words_at(s, w, "to"))
		w++;
	return w < s->n && notes__words_in(s, w, cover, N_OF(cover));
}

/* taken_later_en: is English drug item k, in a later sentence of an
 * allergy list's entry, one the patient takes now (notes__taken_now:
 * "- Diclofenac (Voveran) injection - gastritis and black stools 2019
 * ... Currently takes Crocin (paracetamol) 650 mg SOS.", allergy75pa,
 * en-dev59) or was given, a dose told and no reaction (notes__given_later:
 * "STOP Tazocin. Ceftriaxone 2 g IV + metronidazole 500 mg IV given
 * 15:35", en-dev79)?  The entry goes on with what the patient takes
 * instead. */
static bool
taken_later_en(const sentence *s, size_t k)
{
	return s->allergy_list && notes__line_lead(s) == NULL &&
	       (unsigned char)s->text[s->items[k].start] < 0x80 &&
	       (notes__taken_now(s, k) || notes__given_later(s, k));
}

/* given_as_medicine: is drug item k told as given or taken, not as an
 * allergen: a reaction's remedy, a drug the patient is on, one switched
 * to or chosen instead of the allergen, a challenge's drug? */
static bool
given_as_medicine(const sentence *s, size_t k)
{
	return (notes__remedy_given(s, k) && !notes__used_then_zh(s, k)) ||
	       notes__now_on(s, k) || notes__given_aside(s, k) ||
	       notes__switched_to(s, k) || notes__remedy_dosed(s, k) ||
	       notes__dosed_none_known(s, k) || notes__dosed_despite_zh(s, k) ||
	       alternative_to(s, k) || notes__felt_then_used_zh(s, k) ||
	       notes__only_taken_zh(s, k) || notes__weighed_cross_zh(s, k) ||
	       notes__weighed_cross_en(s, k) || notes__healed_after_zh(s, k) ||
	       notes__rescued_with_zh(s, k) || notes__bracket_treats_zh(s, k) ||
	       notes__taken_when_zh(s, k) || notes__taken_for_when_zh(s, k) ||
	       notes__level_named(s, k) || chosen_instead(s, k) ||
	       chosen_instead_zh(s, k) || used_instead(s, k) ||
	       challenge_offered(s, k) || named_alternative(s, k) ||
	       failed_treatment(s, k) || covers_after(s, k) ||
	       only_given_en(s, k) || notes__treated_with_zh(s, k) ||
	       treated_later_en(s, k) || taken_later_en(s, k) ||
	       drug_of_choice(s, k) || notes__listed_medicine(s, k) ||
	       challenged(s, k);
}

/* stopped_unlisted: is drug item k one the patient stopped of their own
 * accord (notes__stopped_by_patient), told outside an allergy list?  The
 * dev sets' writers read such a drug a past medicine, whatever side
 * effect led to the stop, unless they list or call it an allergy. */
static bool
stopped_unlisted(const sentence *s, size_t k)
{
	return !s->allergy_list && !s->allergy_line &&
	       !notes__on_allergy_line(s, k) && notes__stopped_by_patient(s, k);
}

/* retaken_unlisted: does the patient, later in drug item k's sentence
 * and before another drug, say they would take it again ("He says the
 * methadone \"made me sweat like crazy\", but he would take it again if
 * he had to"), outside an allergy list?  The effect is one they accept:
 * the writers read the drug a medicine, no allergy, as they read "happy
 * to take it" (allergy75am). */
static bool
retaken_unlisted(const sentence *s, size_t k)
{
	static const char *const again[] = {
		"would take it again", "will take it again",
		"would have it again", "happy to have it again",
		"happy to take it",
	};
	size_t last = s->n;

	if (s->allergy_list || s->allergy_line || notes__on_allergy_line(s, k))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (is_drug(&s->items[j])) {
			last = s->items[j].w0;
			break;
		}
	for (size_t w = s->items[k].w1; w < last; w++)
		if (notes__phrases_in(s, w, again,
				      sizeof(again) / sizeof(*again)))
			return true;
	return false;
}

/* as_medicine reads drug item k as f, a medicine in the context its
 * sentence gives; true, for the readers that return what they read. */
static bool
as_medicine(const sentence *s, size_t k, notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	substance_context(s, k, f, NULL, NULL, NULL);
	return true;
}

/* interaction_partner reads drug item k, the partner of an interaction
 * (notes__interaction_partner_zh, notes__interaction_partner_en), as a
 * medicine: the allergen is taken
 * with it, and a verdict after it ("不是过敏") is the interaction's, not
 * an allergy of its own; false, f untouched, for any other drug. */
static bool
interaction_partner(const sentence *s, size_t k, notes_finding *f)
{
	return (notes__interaction_partner_zh(s, k) ||
		notes__interaction_partner_en(s, k)) &&
	       as_medicine(s, k, f);
}

/* record_aside: is drug item k inside a parenthesis opened at most
 * RECORD_ASIDE_WORDS words after "updated" ("Allergy list in the EHR
 * updated (heparin - HIT; enoxaparin; codeine; ?morphine)", "Allergy
 * record updated as above (sulfa removed; codeine kept)"), none closed
 * before the drug?  The parenthesis lists what the record now holds; one
 * opened further on is an aside of its own ("label updated to ...; not
 * fully removed yet (needs amoxicillin test dose)"). */
static bool
record_aside(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0;

	for (size_t w = 0; w < w0; w++) {
		if (strcmp(s->words[w].key, "updated") != 0)
			continue;
		size_t last = w + 1 + RECORD_ASIDE_WORDS;
		uint32_t to = s->words[last < w0 ? last : w0].start;
		const char *open = memchr(s->text + s->words[w].end, '(',
					  to - s->words[w].end);

		if (open != NULL &&
		    memchr(open, ')',
			   (size_t)(s->text + s->items[k].start - open)) ==
			    NULL)
			return true;
	}
	return false;
}

/* record_kept: is drug item k a label of the allergy record its sentence
 * updates: written in the parenthesis after "updated" (record_aside), or
 * right before "kept" in a sentence about the record ("Record updated:
 * morphine label removed; latex and doxycycline kept")?  Such a drug is
 * an entry of the record, not a medicine given: no writer of the dev
 * sets annotates a medicine for it (medallergy75a).  The sentence must
 * name an allergy, alert or label ("Meds updated (amlodipine added)" is
 * no such record); a drug with its dose after it is given, and stays a
 * medicine. */
static bool
record_kept(const sentence *s, size_t k)
{
	static const char *const record[] = {"record", "records", "list",
					     "chart", "updated"};
	static const char *const allergy[] = {"allergy", "allergies", "alert",
					      "alerts", "label"};
	size_t w1 = s->items[k].w1;

	if (notes__dose_at(s, w1) ||
	    !phrase_within(s, 0, allergy, N_OF(allergy)))
		return false;
	if (record_aside(s, k))
		return true;
	return w1 < s->n && strcmp(s->words[w1].key, "kept") == 0 &&
	       phrase_within(s, 0, record, N_OF(record));
}

/* class_allergy_kept_away: is class item k kept away for an allergy
 * to the class itself, NSAIDs in a note that names their respiratory
 * disease, a class banned right after its stated allergy ("严重过敏，
 * 禁用磺胺类抗菌药") or one avoided after its member's allergy
 * ("codeine (anaphylaxis) - ALL opioids avoided";
 * notes__class_extended)?  f is then that allergy, affirmed after the
 * ban. */
static bool
class_allergy_kept_away(const sentence *s, size_t k, notes_finding *f)
{
	if (notes__class_banned_for_allergy_zh(s, k)) {
		f->kind = NOTES_ALLERGY;
		f->reaction = "";
		f->context = 0; /* the ban keeps the allergy, not denies it */
		f->trigger = "";
		return true;
	}
	if (!notes__class_kept_for_nerd(s, k) && !notes__class_extended(s, k))
		return false;
	f->kind = NOTES_ALLERGY;
	f->reaction = "";
	substance_context(s, k, f, NULL, NULL, NULL);
	return true;
}

/* blamed_in_bracket_zh: is Chinese drug item k written in the bracket
 * right after a drug reaction it is said to be related to ("苔藓样药物反应？
 * （氢氯噻嗪相关可能）", allergy75kz)?  The reaction named before the
 * bracket is the drug's: an allergy, doubted when the writer doubts it.
 * "药疹（X所致）" is left to the rules that read it as the past course that
 * caused the rash (zh-dev54, zh-dev55). */
static bool
blamed_in_bracket_zh(const sentence *s, size_t k)
{
	static const char *const reaction[] = {"药物反应", "药疹", "药物性皮炎",
					       "药物热"};
	static const char *const blamed[] = {"相关"};
	const item *d = &s->items[k];
	uint32_t at = d->start;
	size_t w = d->w0;

	if (!s->words[w].han && !(w > 0 && s->words[w - 1].han))
		return false; /* Chinese only */
	/* "考虑" may open the bracket's words */
	if (w > 0 && notes__words_at(s, w - 1, "考虑"))
		at = s->words[--w].start;
	if (at < 3 || memcmp(s->text + at - 3, FW_OPEN, 3) != 0)
		return false;
	if (w > 0 && notes__words_at(s, w - 1, "？")) /* "药物反应？（…" */
		w--;
	if (!notes__words_end_at(s, w, reaction, N_OF(reaction)))
		return false;
	return d->w1 < s->n && notes__words_in(s, d->w1, blamed, N_OF(blamed));
}

/* told_as_allergy: is drug or class item k told as an allergy in a shape
 * with no cue by it: a patient's lay words (lay_told, a substance only),
 * an asthma it worsens, or an opening "Sensitive to"? */
static bool
told_as_allergy(const sentence *s, size_t k, bool drug)
{
	return (drug && lay_told(s, k)) || notes__asthma_provoked(s, k) ||
	       notes__sensitive_opening(s, k) || blamed_in_bracket_zh(s, k);
}

/* PREMEDICATION_WORDS: the most words between a premedication cue and
 * the drug it gives ("premedicated for CT on 12/01 w/ prednisone +
 * diphenhydramine"). */
#define PREMEDICATION_WORDS 8

/* premedication_cue: is item c a premedication cue ("premedicated",
 * "pre-treated", "Pre-meds")? */
static bool
premedication_cue(const item *c)
{
	static const char *const premed[] = {"premed", "pre med", "pretreat",
					     "pre treat"};

	return notes__key_starts(c, NOTES_T_INDICATION, premed, N_OF(premed));
}

/* premedicated: is drug item k given as a premedication, a cue of one
 * ("premedicated", "pre-treated", "Pre-meds") before it in the same part of its
 * sentence, other indications ("for CT") between or not ("IV contrast -> hives,
 * premedicated for CT on 12/01 w/ prednisone + diphenhydramine, no reaction"),
 * or "pre-med" right after it ("OK to give over 2 h with diphenhydramine
 * pre-med", allergy75hm)?  The drug prevents another substance's reaction: a
 * medicine given, not an allergen, and the "no reaction" after it is the
 * other substance's (allergy75dd). */
static bool
premedicated(const sentence *s, size_t k)
{
	const item *it = &s->items[k];

	if (k + 1 < s->n_items && s->items[k + 1].w0 == it->w1 &&
	    premedication_cue(&s->items[k + 1]))
		return true;
	for (size_t m = k; m-- > 0;) {
		const item *c = &s->items[m];

		if (c->e->type != NOTES_T_INDICATION)
			continue;
		if (it->w0 - c->w1 > PREMEDICATION_WORDS ||
		    notes__part_ends(s, c->end, it->start))
			return false;
		if (premedication_cue(c))
			return true;
	}
	return false;
}

/* premedication_given reads drug item k given as a premedication
 * (premedicated) as its medicine, f, in the context its sentence
 * gives. */
static bool
premedication_given(const sentence *s, size_t k, notes_finding *f)
{
	return premedicated(s, k) && as_medicine(s, k, f);
}

/* but_at: the words of the "apart from", "except", "other than",
 * "besides" or "aside from" at word w, 0 for none: what narrows a "no
 * known allergies" (none_but) or names the drug it excepts
 * (excepted_from_none). */
static size_t
but_at(const sentence *s, size_t w)
{
	static const char *const but[] = {"apart from", "except", "other than",
					  "besides", "aside from"};

	for (size_t i = 0; w < s->n && i < N_OF(but); i++)
		if (notes__phrase_at(s, w, but[i]))
			return strchr(but[i], ' ') != NULL ? 2 : 1;
	return 0;
}

/* excepted_from_none: is drug item k the one a "no known allergies"
 * right before it excepts ("pt herself has no drug allergies except
 * Maxolon", "No known drug allergies apart from penicillin", "NKDA other
 * than codeine"), only a comma and "to" between?  It is the patient's one
 * allergy, told affirmed whatever "no" opened the sentence
 * (allergy75gp). */
static bool
excepted_from_none(const sentence *s, size_t k)
{
	const item *none = NULL;
	size_t w, n;

	for (size_t j = k; j-- > 0 && none == NULL && !is_drug(&s->items[j]);)
		if (s->items[j].e->type == NOTES_T_NONE_KNOWN)
			none = &s->items[j];
	if (none == NULL || s->words[none->w1 - 1].han)
		return false;
	w = none->w1;
	n = but_at(s, w);
	if (n == 0)
		return false;
	w += n;
	if (w < s->n && notes__words_at(s, w, "to"))
		w++;
	return s->items[k].w0 == w &&
	       notes__only_marks(s->text, none->end, s->words[none->w1].start,
				 " ,");
}

/* EXCEPTED_WORDS_ZH: the most words from 除 to the drug it excepts
 * ("除此及本次多西环素外"), and from the drug to its 外. */
#define EXCEPTED_WORDS_ZH 6

/* DENIED_OTHER_WORDS_ZH: how far after the denial "其他…过敏" may run
 * ("否认其他药物过敏"). */
#define DENIED_OTHER_WORDS_ZH 8

/* excepted_zh: is Chinese drug item k the one a "除…外" excepts from the
 * denial after it ("除此及本次多西环素外，否认其他药物过敏", allergy75ph,
 * zh-dev76)?  The drug is the patient's allergy, as after "no known
 * allergies apart from". */
static bool
excepted_zh(const sentence *s, size_t k)
{
	static const char *const besides[] = {"除", "除了"};
	static const char *const outside[] = {"外", "以外"};
	static const char *const other[] = {"其他", "其它"};
	static const char *const allergy[] = {"过敏"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	size_t from = w0 > EXCEPTED_WORDS_ZH ? w0 - EXCEPTED_WORDS_ZH : 0;
	size_t to = w1 + 2 < s->n ? w1 + 2 : s->n;

	if (!s->words[w0].han ||
	    !notes__words_any(s, from, w0, besides, N_OF(besides)) ||
	    !notes__words_any(s, w1, to, outside, N_OF(outside)))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++) {
		size_t w = s->items[j].w1;
		size_t end = w + DENIED_OTHER_WORDS_ZH < s->n
				     ? w + DENIED_OTHER_WORDS_ZH
				     : s->n;

		if (s->items[j].e->type == NOTES_T_NEGATED)
			return notes__words_any(s, w, end, other,
						N_OF(other)) &&
			       notes__words_any(s, w, end, allergy,
						N_OF(allergy));
	}
	return false;
}

/* QUERIED_CULPRIT_WORDS: the most words from a reaction to the drug a
 * "?" queries as its cause. */
#define QUERIED_CULPRIT_WORDS 6

/* queried_culprit: is drug item k written right after a "?", a reaction
 * told before it within QUERIED_CULPRIT_WORDS words and no other drug
 * between ("Itching on arms at 03:00 - ?tramadol - chlorpheniramine 4 mg
 * given", allergy75hg)?  The writer suspects the drug of the reaction: an
 * allergy, doubted by the "?". */
static bool
queried_culprit(const sentence *s, size_t k)
{
	const item *d = &s->items[k];

	if (d->start == 0 || s->text[d->start - 1] != '?' ||
	    s->words[d->w0].han)
		return false;
	for (size_t j = k; j-- > 0;) {
		const item *it = &s->items[j];

		if (is_drug(it) || d->w0 - it->w1 > QUERIED_CULPRIT_WORDS)
			return false;
		if (it->e->type == NOTES_T_REACTION)
			return true;
	}
	return false;
}

/* excepted_allergy reads drug item k, the one a "no known allergies"
 * excepts (excepted_from_none), as an allergy, affirmed whatever "no"
 * opened the sentence. */
static bool
excepted_allergy(const sentence *s, size_t k, notes_finding *f,
		 const item *reaction, const item *tol)
{
	f->kind = NOTES_ALLERGY;
	f->reaction = reaction ? reaction->e->key : "";
	substance_context(s, k, f, reaction, NULL, tol);
	f->context &= ~NOTES_NEGATED;
	if (f->context == 0)
		f->trigger = "";
	return true;
}

/* retaken_fine: is drug item k's allergy answered, later in its
 * sentence and after "but", by the same drug taken without harm ("Her
 * mother mentioned an amoxicillin rash as a baby, but Elodie took a full
 * course of amoxicillin for tonsillitis last winter without any problem",
 * allergy75kd)?  The course taken since puts the label in doubt: the
 * writer's verdict, where one follows, decides it ("His wife says he is
 * also allergic to codeine, but he has taken Myprodol [contains codeine]
 * …", en-dev11, is a doubted label). */
static bool
retaken_fine(const sentence *s, size_t k)
{
	static const char *const but[] = {"but"};

	for (size_t m = k + 1; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (is_drug(it) &&
		    notes__words_any(s, s->items[k].w1, it->w0, but, 1) &&
		    strcmp(it->e->code, s->items[k].e->code) == 0 &&
		    notes__tolerated_after(s, m) != NULL)
			return true;
	}
	return false;
}

/* doubt_retaken makes drug item k's affirmed allergy f uncertain when
 * the same drug was taken without harm since (retaken_fine). */
static void
doubt_retaken(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_ALLERGY && f->context == 0 &&
	    s->items[k].e->type == NOTES_T_SUBSTANCE && retaken_fine(s, k)) {
		f->context = NOTES_UNCERTAIN;
		f->trigger = "taken again without harm";
	}
}

/* tolerated_of: the tolerance cue that speaks of drug or class item k,
 * its own or its class's, or NULL. */
static const item *
tolerated_of(const sentence *s, size_t k)
{
	const item *tol = notes__tolerated_by(s, k);

	return tol != NULL ? tol : class_tolerated(s, k);
}

/* never_taken: f is a medicine never taken ("has never taken codeine"). */
static bool
never_taken(notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	f->context = NOTES_NEGATED;
	f->trigger = "never";
	return true;
}

/* NEVER_HAD_WORDS: the most words between "never" and the verb of use
 * ("has never, to her knowledge, had a sulphonamide"). */
#define NEVER_HAD_WORDS 5

/* never_had_en: is English drug item k the object of a use that never
 * happened, "never had", "never taken", "never received" right before
 * it, an article at most between ("has never, to her knowledge, had a
 * sulphonamide", allergy75mx)?  The patient never met the drug: no
 * allergy of theirs is denied; a substance is a medicine not taken.  "Never had
 * a reaction to X" and "never had a penicillin reaction" name the reaction, not
 * the drug, and "never tested; had Keflex" two clauses: both are read as
 * before. */
static bool
never_had_en(const sentence *s, size_t k)
{
	static const char *const used[] = {"had", "taken", "received", "used",
					   "tried"};
	static const char *const article[] = {"a", "an", "any"};
	static const char *const named[] = {"reaction", "reactions",
					    "allergy",	"rash",
					    "problem",	"problems"};
	size_t w = s->items[k].w0, from;

	if (s->words[w].han || w == 0 ||
	    (s->items[k].w1 < s->n &&
	     notes__words_in(s, s->items[k].w1, named, N_OF(named))))
		return false;
	if (notes__words_in(s, w - 1, article, N_OF(article)))
		w--;
	if (w == 0 || !notes__words_in(s, w - 1, used, N_OF(used)))
		return false;
	from = w - 1 > NEVER_HAD_WORDS ? w - 1 - NEVER_HAD_WORDS : 0;
	for (size_t v = from; v < w - 1; v++)
		if (notes__words_at(s, v, "never") &&
		    !notes__between_has(s, s->words[v].end,
					s->words[w - 1].start, ';'))
			return true;
	return false;
}

/* substance reads substance or class item k: an allergy when a cue
 * names it, under an "Allergies:" heading, beside "no known allergies",
 * near its reaction or after "tolerated" (then negated); else a medicine
 * (a substance) or nothing (a class). */
/* renamed_in_bracket: is drug item k the drug item right before it named
 * again, in the bracket opened between them, that drug the one a switch
 * verb right before it changes to ("醫師換成 Losartan（Cozaar），之後無咳",
 * allergy75rj, zh-dev82)?  The brand restates the drug switched to, a
 * medicine: the drug's own finding stands for both. */
static bool
renamed_in_bracket(const sentence *s, size_t k)
{
	const item *d = k > 0 ? &s->items[k - 1] : NULL;
	const item *it = &s->items[k];
	uint32_t from, to;

	if (d == NULL || d->w0 < 2 || !notes__switch_verb_zh(s, d->w0 - 2) ||
	    d->e->type != NOTES_T_SUBSTANCE ||
	    it->e->type != NOTES_T_SUBSTANCE ||
	    strcmp(d->e->code, it->e->code) != 0)
		return false;
	from = d->end;
	to = it->start;
	while (from < to && s->text[from] == ' ')
		from++;
	if (to - from >= 3 && memcmp(s->text + from, FW_OPEN, 3) == 0)
		from += 3;
	else if (from < to && s->text[from] == '(')
		from++;
	else
		return false;
	return notes__only_marks(s->text, from, to, "");
}

/* no_finding_of_its_own: is drug or class item k (drug: a substance)
 * named for something else than the patient's own allergy or medicine:
 * an analyte, a disease or test named after it, a label line, a class
 * described, kept away or weighed, the brand of a drug switched to named
 * again (renamed_in_bracket), a class given as a first dose under watch
 * (class_dose_passed) or cleared for use ("pt ok to receive opioids") ...? */
static bool
no_finding_of_its_own(const sentence *s, size_t k, bool drug)
{
	return renamed_in_bracket(s, k) ||
	       (!drug &&
		(class_dose_passed(s, k) || cleared_for(s, s->items[k].w0))) ||
	       (drug && (analyte_named(s, k) || disease_named(s, k) ||
			 test_named(s, k) || notes__composition_named(s, k))) ||
	       test_panel(s, k) || notes__labels_line(s, k) ||
	       notes__disowned_here(s, k) || notes__qualifies_drug(s, k) ||
	       notes__hyphen_free(s, k) || notes__no_allergen_class_zh(s, k) ||
	       notes__never_used_zh(s, k) || notes__prophylaxis_class(s, k) ||
	       notes__class_described(s, k) || notes__test_planned_zh(s, k) ||
	       (!drug &&
		(notes__weighed_cross_zh(s, k) || chosen_instead_zh(s, k))) ||
	       notes__class_anaphor(s, k) || notes__class_avoided(s, k) ||
	       avoided_after(s, k) || contraindication_named(s, k) ||
	       avoided_for_condition(s, k) ||
	       (drug && notes__answered_safe(s, k));
}

/* broad_of_named: is class item k a broad class (the antibacterials),
 * in a sentence that names a drug or a narrower class of it ("SULFA -
 * hives (1990s, \"the bladder antibiotic\")", "Ceftriaxone - rash D2 of
 * IV abx", "several abx allergies (Bactrim, Keflex)", allergy75tn,
 * en-dev88)?  The broad word says what that drug is; an allergy to
 * every antibiotic would block them all. */
static bool
broad_of_named(const sentence *s, size_t k)
{
	/* "all antibiotics", 所有抗生素: the class itself, whatever else the
	 * sentence names ("reacts to \"all antibiotics\"", en-dev9) */
	static const char *const whole[] = {"all", "any", "every", "some"};
	static const char *const whole_zh[] = {"所有", "任何", "一切"};
	const char *broad = s->items[k].e->code;
	size_t w0 = s->items[k].w0;

	if (s->items[k].e->type != NOTES_T_CLASS ||
	    !notes__broad_class(broad) ||
	    (w0 > 0 && notes__words_in(s, w0 - 1, whole, N_OF(whole))) ||
	    notes__words_end_at(s, w0, whole_zh, N_OF(whole_zh)))
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		const notes_entry *e = s->items[j].e;

		if (j != k &&
		    (e->type == NOTES_T_SUBSTANCE ||
		     e->type == NOTES_T_CLASS) &&
		    strcmp(e->code, broad) != 0 &&
		    notes__within_broad(e->code, broad))
			return true;
	}
	return false;
}

static bool
substance(const sentence *s, size_t k, notes_finding *f)
{
	const item *it = &s->items[k];
	const item *caused = notes__effect_of(s, k);
	const item *reaction =
		caused ? caused : notes__reaction_of(s, k, false);
	const item *tol = tolerated_of(s, k);
	bool drug = it->e->type == NOTES_T_SUBSTANCE;

	f->system = drug ? "substance" : "class";
	if ((drug && premedication_given(s, k, f)) || label_removed(s, k, f) ||
	    (drug && !tol && challenge_cleared(s, k, f)) ||
	    (drug && doubted_alternative(s, k, f)) ||
	    (drug && interaction_partner(s, k, f)) ||
	    (!drug && class_allergy_kept_away(s, k, f)))
		return true;
	if (never_had_en(s, k))
		return drug && never_taken(f);
	if (no_finding_of_its_own(s, k, drug))
		return false;
	if (denied_in_entry(s, k, f))
		return true;
	if (drug && notes__tolerated_after(s, k) &&
	    !notes__answered_none(s, k) && !allergy_denied(s, k) &&
	    !notes__row_denied_zh(s, k))
		return tolerated_now(s, k, f);
	if (drug && taken_fine(s, k) && !notes__answered_none(s, k) &&
	    !allergy_denied(s, k))
		return had_fine(s, k, f);
	if ((drug && (held_back_for_reaction(s, k, f) ||
		      notes__unharmed_zh(s, k, f))) ||
	    (!drug && class_unharmed_zh(s, k, f)))
		return true;
	if ((drug && taken_in_list(s, k, tol, f)) || denied_in_list(s, k, f))
		return true;
	if (drug && notes__taken_here(s, k))
		return notes__taken_still(s, k, f);
	if (excepted_from_none(s, k) || excepted_zh(s, k))
		return excepted_allergy(s, k, f, reaction, tol);
	if (drug &&
	    (given_as_medicine(s, k) || stopped_unlisted(s, k) ||
	     retaken_unlisted(s, k) || notes__cleared_of_class_zh(s, k))) {
		f->kind = NOTES_MEDICINE;
	} else if ((tol && !drug) || notes__allergy_cued(s, k) ||
		   notes__dash_labelled(s, k) || notes__quote_labelled(s, k) ||
		   notes__listed_allergen(s, k, drug) ||
		   (notes__on_allergy_line(s, k) && !tol) ||
		   notes__none_known_near(s, k) || caused ||
		   queried_culprit(s, k) || told_as_allergy(s, k, drug) ||
		   removed_after_test(s, k) ||
		   (!tol && notes__reaction_of(s, k, true) &&
		    !notes__reaction_owned(s, k,
					   notes__reaction_of(s, k, true)) &&
		    !(drug && notes__remedy_zh(s, k)) &&
		    !taken_through(s, notes__reaction_of(s, k, true)))) {
		if (!caused &&
		    (!notes__reaction_of(s, k, true) ||
		     notes__switched_past_reaction_zh(s, k)) &&
		    notes__kept_away_zh(s, k, f))
			return drug;
		f->kind = NOTES_ALLERGY;
		f->reaction = reaction ? reaction->e->key : "";
	} else if (drug && !notes__cultured(s, k) && !record_kept(s, k)) {
		f->kind = NOTES_MEDICINE;
	} else {
		return false;
	}
	substance_context(s, k, f, reaction, caused, tol);
	doubt_retaken(s, k, f);
	/* a denial stays: "no allergy to any antibiotics - has taken
	 * amoxicillin" */
	return !(f->kind == NOTES_ALLERGY && !(f->context & NOTES_NEGATED) &&
		 broad_of_named(s, k));
}

/* allergen_only: is f a medicine finding of a substance that is an
 * allergen and never a medicine?  Latex is worn or fitted, not given
 * ("避免使用乳胶手套及导管", "latex-free theatre"): no annotator of the
 * fifteen writers' sets coded it as a medicine. */
static bool
allergen_only(const notes_finding *f)
{
	return f->kind == NOTES_MEDICINE && strcmp(f->code, "latex") == 0;
}

/* antiseptic_swapped: is f chlorhexidine, item k, that its sentence
 * avoids for another skin antiseptic ("Povidone-iodine prep instead of
 * chlorhexidine", "Skin prep: povidone-iodine, not chlorhexidine", "no
 * chlorhexidine lines/lube", "NO chlorhexidine cleanse - use saline",
 * "chlorhexidine-free pathway")?  That is the chlorhexidine allergy's
 * precaution, skin prep kept away, not a medicine: six writers'
 * sets annotate none for it (medallergy75a), while "use chlorhexidine
 * 0.05% aqueous" after an iodine rash is one. */
static bool
antiseptic_swapped(const sentence *s, size_t k, const notes_finding *f)
{
	static const char *const avoided[] = {"instead of", "rather than",
					      "not", "no"};
	static const char *const other[] = {"povidone", "iodine", "saline",
					    "betadine"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;
	bool swapped = false;

	if (f->kind != NOTES_MEDICINE || strcmp(f->code, "chlorhexidine") != 0)
		return false;
	for (size_t back = 1; back <= 2 && back <= w0 && !swapped; back++)
		swapped =
			notes__phrases_in(s, w0 - back, avoided, N_OF(avoided));
	if (w1 < s->n && strcmp(s->words[w1].key, "free") == 0)
		swapped = true;
	return swapped && phrase_within(s, 0, other, N_OF(other));
}

/* What may stand between the drugs of a class's examples ("amoxicillin,
 * flucloxacillin and Tazocin", "阿司匹林、布洛芬"), between the class and
 * the examples it opens ("all penicillins, including amoxicillin",
 * "NSAIDs（包括 aspirin、ibuprofen）", "NSAIDs (ibuprofen, naproxen)"),
 * and between the examples and the class they end with ("ibuprofen,
 * naproxen and other NSAIDs", "布洛芬等非甾体抗炎药"), spaces and
 * brackets left out. */
static const char *const example_joins[] = {",",    "/",   "and", "or",
					    ",and", ",or", "、",  "，",
					    "及",   "和",  "与",  "&"};
static const char *const example_cues[] = {
	",including", "including",  "(including", "(incl.",   "incl.",
	"包括",	      "（包括",	    "(包括",	  "（含",     "(含",
	"药物（包括", "藥物（包括", "药物(包括",  "药物（含", "藥物（含",
	"药（包括",   "藥（含"};
static const char *const example_tails[] = {
	"andother", "orother", "oranyother", "andallother", "andanyother",
	"等",	    "等其他",  "及其他",     "或其他"};

/* class_example: is drug item k one of the examples a class is given
 * ("avoid all penicillins (including amoxicillin, Tazocin)", "safe to
 * receive all penicillins, including amoxicillin and Augmentin", "avoid
 * ibuprofen, aspirin, naproxen and other NSAIDs", "避免布洛芬等非甾体抗炎
 * 药", "須避免盤尼西林類藥物（含 Amoxicillin、Augmentin）")?  The drugs
 * name what the class holds, not what the patient takes (issue 75). */
static bool
class_example(const sentence *s, size_t k)
{
	size_t first = k, last = k;
	size_t n_join = sizeof(example_joins) / sizeof(*example_joins);
	const item *it;

	while (first > 0 && is_drug(&s->items[first - 1]) &&
	       s->items[first - 1].e->type == NOTES_T_SUBSTANCE &&
	       notes__gap_in(s, s->items[first - 1].end, s->items[first].start,
			     example_joins, n_join))
		first--;
	while (last + 1 < s->n_items &&
	       s->items[last + 1].e->type == NOTES_T_SUBSTANCE &&
	       notes__gap_in(s, s->items[last].end, s->items[last + 1].start,
			     example_joins, n_join))
		last++;
	it = first > 0 ? &s->items[first - 1] : NULL;
	if (it != NULL && it->e->type == NOTES_T_CLASS &&
	    notes__gap_in(s, it->end, s->items[first].start, example_cues,
			  sizeof(example_cues) / sizeof(*example_cues)))
		return true;
	it = last + 1 < s->n_items ? &s->items[last + 1] : NULL;
	return it != NULL && it->e->type == NOTES_T_CLASS &&
	       notes__gap_in(s, s->items[last].end, it->start, example_tails,
			     sizeof(example_tails) / sizeof(*example_tails));
}

/* entry_lead: is the text before item k back to its line's start only
 * spaces, a quote and a list's mark ("- ", "2. ", "c) ", "• ")? */
static bool
entry_lead(const sentence *s, size_t k)
{
	uint32_t to = s->items[k].start, i = to, j;

	while (i > 0 && s->text[i - 1] != '\n')
		i--;
	while (i < to && (s->text[i] == ' ' || s->text[i] == '\t'))
		i++;
	if (i < to && (s->text[i] == '-' || s->text[i] == '*')) {
		i++;
	} else if (to - i >= 3 && memcmp(s->text + i, "\xe2\x80\xa2", 3) == 0) {
		i += 3;
	} else {
		for (j = i;
		     j < to && j - i < 2 && isdigit((unsigned char)s->text[j]);
		     j++)
			;
		if (j == i && j < to && islower((unsigned char)s->text[j]))
			j++;
		if (j > i && j < to && (s->text[j] == '.' || s->text[j] == ')'))
			i = j + 1;
	}
	while (i < to && (s->text[i] == ' ' || s->text[i] == '"'))
		i++;
	return i == to;
}

/* entry_told_at: does the text at i open an entry's account after its
 * drug: an optional bracket, then ":", "：", a spaced dash or an arrow,
 * and no dose after it ("Codeine - nausea", "Augmentin（安美汀）：全身
 * 紅疹", not "Amlodipine: 5 mg")? */
static bool
entry_told_at(const sentence *s, uint32_t i, uint32_t end)
{
	static const char *const dash[] = {" - ",
					   ":",
					   "\xef\xbc\x9a",
					   " \xe2\x80\x94",
					   " \xe2\x80\x93",
					   "\xe2\x80\x94\xe2\x80\x94",
					   " ->"};
	const char *close = NULL;
	size_t n = 0;

	if (i < end && s->text[i] == '"')
		i++;
	if (i < end && s->text[i] == '(')
		close = memchr(s->text + i, ')', end - i);
	else if (end - i >= 3 && memcmp(s->text + i, "\xef\xbc\x88", 3) == 0)
		close = strstr(s->text + i, "\xef\xbc\x89");
	if (close != NULL && close < s->text + end && close - s->text - i < 48)
		i = (uint32_t)(close - s->text) + (*close == ')' ? 1 : 3);
	for (size_t d = 0; n == 0 && d < sizeof(dash) / sizeof(*dash); d++)
		if (strncmp(s->text + i, dash[d], strlen(dash[d])) == 0)
			n = strlen(dash[d]);
	if (n == 0 || (n == 1 && i > 0 && s->text[i - 1] == ' '))
		return false; /* "-" only spaced; a colon after the word */
	i += (uint32_t)n;
	while (i < end && (s->text[i] == ' ' || s->text[i] == '"'))
		i++;
	/* a dose, or a denial first ("Lorazepam - no allergy", "hydrocortisone
	 * - no reaction this time"): a drug taken */
	return i < end && !isdigit((unsigned char)s->text[i]) &&
	       strncasecmp(s->text + i, "no ", 3) != 0 &&
	       strncasecmp(s->text + i, "not ", 4) != 0 &&
	       strncasecmp(s->text + i, "nil", 3) != 0;
}

/* reaction_entry: is drug item k an entry of a reactions list, the drug
 * opening its line and told with what it did, before any other drug: a
 * reaction, an allergy cue or a symptom (ICD-10 chapter R) not given as
 * what a drug is for ("- Co-trimoxazole: severe cutaneous reaction -
 * AVOID", "c) Codeine - nausea and drowsiness. This is a side effect",
 * "- Augmentin（安美汀）：全身紅疹，2018年")?  The entry tells what the drug
 * did to the patient; most writers give it no medicine taken (issue 75). */
static bool
reaction_entry(const sentence *s, size_t k)
{
	const char *nl = memchr(s->text + s->items[k].end, '\n',
				s->text_len - s->items[k].end);
	uint32_t end = nl ? (uint32_t)(nl - s->text) : (uint32_t)s->text_len;

	if (!entry_lead(s, k) || !entry_told_at(s, s->items[k].end, end))
		return false;
	for (size_t m = k + 1; m < s->n_items && s->items[m].start < end; m++) {
		const item *it = &s->items[m];

		if (is_drug(it) &&
		    strcmp(it->e->code, s->items[k].e->code) == 0)
			continue; /* its other name: "Augmentin（安美汀）" */
		if (is_drug(it))
			return false;
		if (it->e->type == NOTES_T_REACTION ||
		    it->e->type == NOTES_T_ALLERGY_CUE)
			return true;
		if (it->e->type == NOTES_T_PROBLEM && it->e->code[0] == 'R' &&
		    !(it->w0 > 0 && notes__words_at(s, it->w0 - 1, "for")))
			return true;
	}
	return false;
}

/* implant_present: is code the presence of a heart valve, graft or
 * joint put in (ICD-10 Z95, Z96: "二尖瓣机械瓣置换术后（2012年）", "右髋关节
 * 置换术后")?  The operation is dated; the implant it left is there now,
 * whatever past a date or a history gives the mention (rules75zh21). */
static bool
implant_present(const char *code)
{
	return strncmp(code, "Z95", 3) == 0 || strncmp(code, "Z96", 3) == 0;
}

/* status_not_yet: is problem code a status a procedure leaves (ICD-10
 * Z93-Z99: a stoma, a transplanted organ, an implant, dependence on
 * dialysis) read as planned or doubted ("Consider liver transplant
 * assessment", "拟行血液透析", "转介腎移植評估", "心外科建議 CABG")?  No
 * status is there until the procedure is done, and no writer of the
 * development sets annotates one so (19 false findings, none true;
 * issue 75, probfp75a). */
static bool
status_not_yet(const char *code, unsigned context)
{
	return code[0] == 'Z' && code[1] == '9' && code[2] >= '3' &&
	       code[2] <= '9' &&
	       (context & (NOTES_HYPOTHETICAL | NOTES_UNCERTAIN)) != 0;
}

/* doubt_after_en: the doubt word that closes English problem item k's
 * list item, right after it or after a dash ("Osteoporosis - presumed
 * (fragility #)", "Depression - probably, in part drug-related"), or
 * NULL.  Only a comma, full stop, semicolon, bracket or the sentence's
 * end may follow the word.  A "likely" after the problem is left: most
 * writers affirm "alcohol dependence likely". */
static const char *
doubt_after_en(const sentence *s, size_t k)
{
	static const char *const doubt[] = {"presumed", "probably", "possible",
					    "possibly"};
	size_t w = s->items[k].w1;
	uint32_t from = s->items[k].end, to;

	if (s->words[s->items[k].w0].han || w >= s->n)
		return NULL;
	for (to = s->words[w].start; from < to; from++)
		if (s->text[from] != ' ' && s->text[from] != '-')
			return NULL;
	if (w + 1 < s->n) {
		from = s->words[w].end;
		to = s->words[w + 1].start;
		while (from < to && s->text[from] == ' ')
			from++;
		if (from == to || strchr(",.;(", s->text[from]) == NULL)
			return NULL;
	}
	for (size_t i = 0; i < sizeof(doubt) / sizeof(*doubt); i++)
		if (strcmp(s->words[w].key, doubt[i]) == 0)
			return doubt[i];
	return NULL;
}

/* dash_len: the bytes of the dash or bracket that opens an answer at
 * text i ("-", "(", an en or em dash), or 0. */
static size_t
dash_len(const sentence *s, uint32_t i)
{
	if (s->text[i] == '-' || s->text[i] == '(')
		return 1;
	if (i + 3 <= s->text_len &&
	    (memcmp(s->text + i, "\xe2\x80\x93", 3) == 0 ||
	     memcmp(s->text + i, "\xe2\x80\x94", 3) == 0))
		return 3;
	return 0;
}

/* answered_on_line: does the rest of the line from text i settle the
 * question, "confirmed", an upper-case "NOT" or a closing "no"
 * ("Hypothyroidism? - husband thinks so - confirmed on GP list", "TB? -
 * GeneXpert negative x2: NOT TB", "Depression? - screening PHQ-9 6, no.")? */
static bool
answered_on_line(const sentence *s, uint32_t i)
{
	const char *nl = memchr(s->text + i, '\n', s->text_len - i);
	size_t n = (nl ? (size_t)(nl - s->text) : s->text_len) - i;
	const char *line = s->text + i;

	while (n > 0 && strchr(" .", line[n - 1]) != NULL)
		n--;
	return memmem(line, n, "confirmed", 9) != NULL ||
	       memmem(line, n, "NOT ", 4) != NULL ||
	       (n >= 3 && memcmp(line + n - 3, " no", 3) == 0);
}

/* bullet_opens_with: does item k open a bulleted or numbered line, only
 * its mark before it ("- Hypothyroid? TSH 8.9, FT4 normal", "3. OSA?
 * STOP-BANG 5")?  A problem list's entry queried so is doubted whatever
 * the line goes on to give, its evidence rather than an answer. */
static bool
bullet_opens_with(const sentence *s, size_t k)
{
	uint32_t i = s->items[k].start, marks = 0;

	while (i > 0 && s->text[i - 1] == ' ')
		i--;
	while (i > 0 && s->text[i - 1] != '\n') {
		char c = s->text[i - 1];

		if (strchr("-*.)", c) != NULL)
			marks++;
		else if (!isdigit((unsigned char)c) && c != ' ')
			return false;
		i--;
	}
	return marks > 0;
}

/* queried_after_en: is English problem item k queried by a question mark
 * written onto it that a dash, a bracket or the line's end follows
 * ("PMH: Parkinson's disease? - referred to neuro", "IHD? - stent per
 * son", "Chronic hepatitis B? — HBsAg positive", "osteoporosis?? -
 * never scanned")?  The writer doubts the diagnosis and gives why after
 * the dash; a question answered there ("Fever? - no", "Chest pain? -
 * denies") is no doubt (issue 75, ctxen75b).  On a bulleted line the
 * item opens, the evidence may follow the mark without a dash
 * (ctxprob75a). */
static bool
queried_after_en(const sentence *s, size_t k)
{
	static const char *const answers[] = {
		"no",  "nil",	   "none",     "denies", "denied", "yes",
		"neg", "negative", "positive", "absent", "not",	   "nope"};
	uint32_t i = s->items[k].end, n = 0;
	char next[16];
	size_t len = 0;

	if (s->words[s->items[k].w0].han)
		return false;
	for (; i < s->text_len && s->text[i] == '?'; i++)
		n++;
	while (i < s->text_len && s->text[i] == ' ')
		i++;
	if (n == 0 || (i < s->text_len && s->text[i] != '\n' &&
		       dash_len(s, i) == 0 && !bullet_opens_with(s, k)))
		return false;
	/* the question ends the sentence: its answer is read from the
	 * text after the mark and the dash */
	while (i < s->text_len && (s->text[i] == ' ' || dash_len(s, i) > 0))
		i += s->text[i] == ' ' ? 1 : dash_len(s, i);
	while (i < s->text_len && len + 1 < sizeof(next) &&
	       isalpha((unsigned char)s->text[i]))
		next[len++] = (char)tolower((unsigned char)s->text[i++]);
	next[len] = '\0';
	return !notes__among(next, answers,
			     sizeof(answers) / sizeof(*answers)) &&
	       !answered_on_line(s, i);
}

/* doubt_after: what doubts English problem item k after it, a doubt
 * word closing its list item or a question mark written onto it, or
 * NULL. */
static const char *
doubt_after(const sentence *s, size_t k)
{
	const char *doubt = doubt_after_en(s, k);

	return doubt != NULL ? doubt : queried_after_en(s, k) ? "?" : NULL;
}

/* childhood_zh: does word w open a time in the patient's childhood: a
 * childhood word ("幼年哮喘", "細個成日中耳炎") or a child's age, up to
 * 15, at the time ("2岁时热性惊厥2次")? */
static bool
childhood_zh(const sentence *s, size_t w)
{
	static const char *const child[] = {"幼时", "幼年",   "儿时",
					    "童年", "小时候", "细个"};

	return notes__words_in(s, w, child, sizeof(child) / sizeof(*child)) ||
	       (w + 1 < s->n && notes__child_age_zh(s, w + 1));
}

/* after_operation_zh: the first word of the clause before word w's, when
 * w's clause opens with 术后 ("2018年腹腔镜胆囊切除术，术后恶心呕吐明显"):
 * what follows the operation is dated by that clause.  Else w. */
static size_t
after_operation_zh(const sentence *s, size_t w)
{
	static const char *const after[] = {"术后"}; /* 術後 folds to it */

	if (w == 0 || !notes__words_in(s, w, after, N_OF(after)))
		return w;
	return notes__list_item_first_at(s, w - 1);
}

/* event_dated: the word after the opener when Chinese problem item k is
 * in a clause that opens with the year it happened ("2019年因泌尿系感染口
 * 服头孢呋辛7天", "2023年孕8周自然流产1次") or with the patient's
 * childhood ("幼年哮喘，10 岁后未再发作", "2岁时热性惊厥2次";
 * probctx75c), or in a clause of 术后 after one that opens with a year
 * ("2015年膽囊切除術全身麻醉，術後噁心嘔吐": a complication of that
 * operation; probctx75d); else NULL.  The event is over; a clause that
 * says the problem was found then and goes on (诊断, 确诊, 发现, 开始, 起,
 * 至今, 以来) is no past event. */
static const char *
event_dated(const sentence *s, size_t k)
{
	static const char *const ongoing[] = {"诊断", "确诊", "发现", "开始",
					      "起",   "至今", "以来"};
	size_t w, first;
	uint32_t end;

	if (!s->words[s->items[k].w0].han)
		return NULL;
	first = after_operation_zh(s, notes__list_item_first(s, k));
	w = first;
	if ((!notes__is_year(s->words[w].key) || w + 1 >= s->n ||
	     strcmp(s->words[w + 1].key, "年") != 0) &&
	    !childhood_zh(s, w))
		return NULL;
	for (end = notes__list_item_end(s, k);
	     w < s->n && s->words[w].start < end; w++)
		if (notes__words_in(s, w, ongoing,
				    sizeof(ongoing) / sizeof(*ongoing)))
			return NULL;
	return s->words[first + 1].key;
}

/* other_problem_at: does a problem item other than k start at word w? */
static bool
other_problem_at(const sentence *s, size_t k, size_t w)
{
	for (size_t j = k + 1; j < s->n_items && s->items[j].w0 <= w; j++)
		if (s->items[j].w0 == w &&
		    s->items[j].e->type == NOTES_T_PROBLEM)
			return true;
	return false;
}

/* removed_dated_en: does English problem item k's list item say, with a
 * year, that an operation took it away ("Gallstones - cholecystectomy
 * 2017", "Endometriosis -- laparoscopic excision 2019", "bilateral carpal
 * tunnel syndrome (decompressed 2018)")?  The problem is over.  A stent,
 * a bypass or a PCI treats a disease that goes on, so they are not read;
 * nor an item that dates the problem's start ("Crohn's disease (dx 2016,
 * ileocaecal resection 2019)"), one where the problem follows the
 * operation ("vomiting (2008 post mastectomy)") or another problem
 * stands between them ("urinary retention after his hernia repair in
 * 2018": the repair is the hernia's; probctx75d). */
static bool
removed_dated_en(const sentence *s, size_t k)
{
	static const char *const removed[] = {
		"excision",  "excised", "decompressed", "decompression",
		"ablation",  "ablated", "repair",	"repaired",
		"resection", "resected"};
	static const char *const stop[] = {"since",   "dx",	  "diagnosed",
					   "post",    "after",	  "following",
					   "started", "commenced"};
	uint32_t end = notes__list_item_end(s, k);
	bool year = false, op = false;

	if (s->words[s->items[k].w0].han)
		return false;
	for (size_t w = s->items[k].w1; w < s->n && s->words[w].start < end;
	     w++) {
		const char *key = s->words[w].key;
		size_t len = strlen(key);

		if (notes__words_in(s, w, stop, N_OF(stop)) ||
		    (!op && other_problem_at(s, k, w)))
			return false;
		year = year || notes__is_year(key);
		op = op || notes__words_in(s, w, removed, N_OF(removed)) ||
		     (len > 6 && strcmp(key + len - 6, "ectomy") == 0);
	}
	return year && op;
}

/* organ_graft - an organ a transplant replaces: the words that name its
 * transplant and the end-stage diseases (ICD-10 code prefixes) it ends. */
typedef struct organ_graft {
	const char *const *said;
	size_t n_said;
	const char *const *ends;
	size_t n_ends;
} organ_graft;

/* graft_at: does word w name a transplant of organ g (English "renal
 * transplant", "LDKT", "OHT"; Chinese "肾移植", "心脏移植", traditional
 * folded)? */
static bool
graft_at(const sentence *s, size_t w, const organ_graft *g)
{
	for (size_t i = 0; i < g->n_said; i++)
		if (strchr(g->said[i], ' ') != NULL
			    ? notes__phrase_at(s, w, g->said[i])
			    : notes__words_at(s, w, g->said[i]))
			return true;
	return false;
}

/* graft_planned: does the sentence say the transplant is to come, is
 * weighed, or failed ("awaiting", "work-up", "适合肾移植", "评估", "排斥")?
 * Then it ended nothing. */
static bool
graft_planned(const sentence *s)
{
	static const char *const plan[] = {
		"awaiting",   "await",	   "list",     "listed",   "listing",
		"relisted",   "candidate", "work-up",  "workup",   "w/u",
		"assessment", "referral",  "referred", "consider", "considered",
		"suitable",   "eligible",  "planned",  "pending",  "failed",
		"failure",    "rejection", "评估",     "等待",	   "等候",
		"拟",	      "待",	   "需",       "适合",	   "考虑",
		"建议",	      "若",	   "如果",     "排斥",	   "失功"};

	return notes__any_in(s, 0, s->n, plan, N_OF(plan));
}

/* graft_ended: does problem item k's sentence name a transplant done of
 * the organ whose end-stage disease k is ("Dx: ESRD 2/2 IgA nephropathy
 * -> LDKT 05/2022", "B型肝炎肝硬化合併肝細胞癌，2022年接受活體肝臟移植",
 * "6 yrs post OHT for giant cell myocarditis", "心臟移植術後4年（原發病：
 * 擴張型心肌病）")?  The new organ ended the disease: it is past, as the
 * writers who state it annotate (an operation's indication now cured).
 * The cause that goes on is not read (IgA nephropathy, hepatitis B), nor
 * a transplant awaited, assessed or failed (graft_planned; issue 75,
 * probctx75g). */
static bool
graft_ended(const sentence *s, size_t k)
{
	static const char *const kidney[] = {
		"renal transplant", "kidney transplant", "ldkt", "ddkt",
		"肾移植",	    "肾脏移植"};
	static const char *const kidney_ends[] = {"N18.5", "N19"};
	static const char *const liver[] = {"liver transplant", "olt", "肝移植",
					    "肝脏移植"};
	static const char *const liver_ends[] = {"K74", "K70.3", "K72", "C22"};
	static const char *const heart[] = {
		"heart transplant", "cardiac transplant", "oht", "心脏移植"};
	static const char *const heart_ends[] = {"I42", "I40", "I50", "I25.5"};
	static const organ_graft organs[] = {
		{kidney, N_OF(kidney), kidney_ends, N_OF(kidney_ends)},
		{liver, N_OF(liver), liver_ends, N_OF(liver_ends)},
		{heart, N_OF(heart), heart_ends, N_OF(heart_ends)}};
	const char *code = s->items[k].e->code;

	for (size_t i = 0; i < N_OF(organs); i++) {
		const organ_graft *g = &organs[i];
		bool ends = false;

		for (size_t c = 0; c < g->n_ends; c++)
			ends = ends || strncmp(code, g->ends[c],
					       strlen(g->ends[c])) == 0;
		for (size_t w = 0; ends && w < s->n; w++)
			if (graft_at(s, w, g))
				return !graft_planned(s);
	}
	return false;
}

/* removed_zh: is Chinese problem item k written with 术后 right after it
 * (術後 folds to it), and a problem its operation takes away for good:
 * a cataract, a retinal detachment, a nasal polyp, appendicitis,
 * gallstones or a hernia (ICD-10 H26, H33, J33, K35-K37, K80, K40-K46:
 * "白内障术后（双眼）", "既往：…；白内障术后。")?  The lens, the polyp or
 * the stones are gone: the writers who say it annotate the problem past.
 * A cancer or a fracture after its operation is still treated ("乳腺癌
 * 术后，今日行第3周期辅助化疗", "股骨颈骨折术后第2天"): not read
 * (issue 75, probctx75h). */
static bool
removed_zh(const sentence *s, size_t k)
{
	static const char *const after[] = {"术后"};
	static const char *const gone[] = {"H26", "H33", "J33", "K35",
					   "K36", "K37", "K80", "K4"};
	const item *it = &s->items[k];
	size_t w = it->w1;

	if (!s->words[it->w0].han || w >= s->n ||
	    s->words[w].start != it->end ||
	    !notes__words_in(s, w, after, N_OF(after)))
		return false;
	for (size_t c = 0; c < N_OF(gone); c++)
		if (strncmp(it->e->code, gone[c], strlen(gone[c])) == 0)
			return true;
	return false;
}

/* operation_ended: the trigger when problem item k's operation took it
 * away ("dated": removed_dated_en; "术后": removed_zh) or a transplant
 * replaced its organ ("transplant": graft_ended), else NULL. */
static const char *
operation_ended(const sentence *s, size_t k)
{
	if (removed_dated_en(s, k))
		return "dated";
	if (removed_zh(s, k))
		return "术后";
	return graft_ended(s, k) ? "transplant" : NULL;
}

/* remitted_use_en: is English problem item k a substance use disorder
 * (ICD-10 F10-F19) its list item says is "in remission" (early, sustained,
 * full), with no maintenance drug after the word ("alcohol use disorder
 * in remission 3 yrs", "Alcohol use disorder in sustained remission")?
 * DSM-5's remission specifier says the use is over, and the six writers
 * who write it of alcohol annotate the disorder past; a remission kept on
 * a substitute ("OUD in remission on Sublocade", "in early remission on
 * methadone") goes on, as the three who write that annotate it.  Another
 * disease in remission is not read: writers split on depression, and a
 * chronic disease kept quiet (Crohn's, PMR) goes on. */
static bool
remitted_use_en(const sentence *s, size_t k)
{
	static const char *const grade[] = {"early", "sustained", "full"};
	static const char *const kept[] = {"on", "with", "maintained"};
	const char *code = s->items[k].e->code;
	uint32_t end = notes__list_item_end(s, k);
	size_t in;

	if (s->words[s->items[k].w0].han || strncmp(code, "F1", 2) != 0)
		return false;
	for (size_t w = s->items[k].w1 + 1; w < s->n && s->words[w].start < end;
	     w++) {
		if (strcmp(s->words[w].key, "remission") != 0)
			continue;
		in = notes__words_in(s, w - 1, grade, N_OF(grade)) ? w - 2
								   : w - 1;
		if (in < s->items[k].w1 || strcmp(s->words[in].key, "in") != 0)
			return false;
		return w + 1 >= s->n || s->words[w + 1].start >= end ||
		       !notes__words_in(s, w + 1, kept, N_OF(kept));
	}
	return false;
}

/* problem_ended: the trigger when problem item k's own words say it is
 * over, without a context trigger: a year or the patient's childhood
 * opening its Chinese clause (event_dated), an English date after an
 * event or a cancer, an operation that took it away, or a substance use
 * disorder in remission; else NULL. */
static const char *
problem_ended(const sentence *s, size_t k)
{
	const char *code = s->items[k].e->code, *dated;

	if ((dated = event_dated(s, k)) != NULL)
		return dated;
	/* an event or a cancer an English list item dates ("inferior MI
	 * 2016", "breast cancer in 2018") is over; a condition dated goes
	 * on ("T2DM 2010") */
	if ((notes__is_event(code) || code[0] == 'C') &&
	    notes__dated_after(s, k))
		return "dated";
	if ((dated = operation_ended(s, k)) != NULL)
		return dated;
	return remitted_use_en(s, k) ? "in remission" : NULL;
}

/* withheld_for: is problem item k the first thing said in an ASCII
 * parenthesis opened right after a drug or a treatment word ("VTE - no
 * pharmacological prophylaxis (thrombocytopenia)", "no further gent
 * (AKI)", "No oxybutynin (stopped by GP 2025, confusion)")?  It is why
 * the treatment is not given, a problem the patient has: a negation
 * before the parenthesis does not reach it (rules75en16). */
static bool
withheld_for(const sentence *s, size_t k)
{
	static const char *const treatment[] = {"prophylaxis",
						"thromboprophylaxis",
						"anticoagulation", "anticoag"};
	const char *close, *open = notes__paren_open(s, k, &close);
	size_t w = 0;

	if (open == NULL || *open != '(')
		return false;
	for (size_t m = 0; m < k; m++)
		if (s->text + s->items[m].start > open &&
		    (notes__is_concept(s->items[m].e->type) ||
		     s->items[m].e->type == NOTES_T_NEGATED))
			return false;
	while (w + 1 < s->n && s->text + s->words[w + 1].end <= open)
		w++;
	if (s->text + s->words[w].end > open ||
	    strspn(s->text + s->words[w].end, " ") !=
		    (size_t)(open - (s->text + s->words[w].end)))
		return false;
	for (size_t m = 0; m < k; m++)
		if (is_drug(&s->items[m]) && s->items[m].w1 == w + 1)
			return true;
	return notes__words_in(s, w, treatment,
			       sizeof(treatment) / sizeof(*treatment));
}

/* reason_withheld: is problem item k in a parenthesis, ASCII or
 * full-width, that gives why a drug named before it is withheld or judged
 * unsuitable: a drug and a negation stand before the parenthesis, in the
 * clause it follows, and no negation inside it, which closes in the
 * sentence ("Flumazenil NOT
 * given (seizure risk with TCA)", "mefloquine - NOT suitable (epilepsy)",
 * "No NSAIDs (coagulopathy + AKI risk)", "暂不加用NSAIDs（既往胃溃疡病
 * 史）")?  The negation speaks of the drug; the reason is the patient's
 * (issue 75, negscope75). */
static bool
reason_withheld(const sentence *s, size_t k)
{
	const char *close, *open = notes__paren_open(s, k, &close);
	bool drug = false, neg = false;

	/* a parenthesis that its sentence does not close goes on past a
	 * question mark, where the rest of it is not read */
	if (open == NULL ||
	    (*close != ')' && strncmp(close, "\xef\xbc\x89", 3) != 0))
		return false;
	for (size_t m = 0; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (s->text + it->start > open) {
			if (it->e->type == NOTES_T_NEGATED &&
			    s->text + it->start < close)
				return false;
		} else if (it->e->type == NOTES_T_TERMINATOR) {
			drug = neg = false;
		} else {
			drug |= is_drug(it);
			neg |= it->e->type == NOTES_T_NEGATED;
		}
	}
	return drug && neg;
}

/* question_marks: the bytes at i that mark a question answered after a
 * term (spaces, "?", "-", ">", ":", and their full-width forms "？", "：",
 * "—", "–", and the bar between a table's label cell and its answer:
 * "| 哮喘 | 否认 |", probfp75n); *marked tells whether any mark came, not
 * only spaces. */
static size_t
question_marks(const char *text, size_t i, size_t len, bool *marked)
{
	static const char *const wide[] = {"\xef\xbc\x9f", "\xef\xbc\x9a",
					   "\xe2\x80\x94", "\xe2\x80\x93"};

	*marked = false;
	while (i < len) {
		size_t w = 0;

		if (text[i] == ' ' || text[i] == '\t') {
			i++;
			continue;
		}
		if (strchr("?:->|", text[i]) != NULL) {
			*marked = true;
			i++;
			continue;
		}
		while (w < N_OF(wide) &&
		       (i + 3 > len || memcmp(text + i, wide[w], 3) != 0))
			w++;
		if (w == N_OF(wide))
			break;
		*marked = true;
		i += 3;
	}
	return i;
}

/* answer_ends: does the answer word at text[i, j) end its clause: the
 * text ends, or a stop, comma, colon, semicolon, parenthesis or dash
 * comes next, past spaces ("No - OHT only", "no (HRCT 2023)", "否。")? */
static bool
answer_ends(const char *text, size_t j, size_t len)
{
	static const char *const wide[] = {"\xe3\x80\x82", "\xef\xbc\x8c",
					   "\xef\xbc\x9b", "\xef\xbc\x88",
					   "\xe2\x80\x94"};

	while (j < len && (text[j] == ' ' || text[j] == '\t'))
		j++;
	if (j == len || strchr(".,;:()-|\r\n", text[j]) != NULL)
		return true;
	for (size_t w = 0; w < N_OF(wide); w++)
		if (j + 3 <= len && memcmp(text + j, wide[w], 3) == 0)
			return true;
	return false;
}

/* answered_no: is problem item k asked about and answered "no" right
 * after it, past the marks of a question ("Heart failure? - No: echo
 * normal", "Glaucoma? No - OHT only", "Bronchiectasis - no (HRCT
 * 2023)", "…恶性肿瘤？——否。")?  The writer denies it, in the sentence
 * after the question mark too.  The answer must end its clause: "Chest
 * pain - no SOB" denies what follows, not the pain (issue 75). */
static bool
answered_no(const sentence *s, size_t k)
{
	static const char *const en[] = {"no", "none"};
	static const char *const zh[] = {"否认", "否認", "否",
					 "无",	 "無",	 "冇"};
	const char *t = s->text;
	size_t len = s->text_len, j;
	bool marked;
	size_t i = question_marks(t, s->items[k].end, len, &marked);

	if (!marked)
		return false;
	for (size_t w = 0; w < N_OF(en); w++) {
		j = i + strlen(en[w]);
		if (j <= len && strncasecmp(t + i, en[w], j - i) == 0 &&
		    (j == len || !isalpha((unsigned char)t[j])) &&
		    answer_ends(t, j, len))
			return true;
	}
	for (size_t w = 0; w < N_OF(zh); w++) {
		j = i + strlen(zh[w]);
		if (j <= len && memcmp(t + i, zh[w], j - i) == 0 &&
		    answer_ends(t, j, len))
			return true;
	}
	return false;
}

/* named_after_to: is word w, after "No known allergy to", a drug the
 * catalogue does not hold rather than what every drug is ("No known
 * allergy to benzodiazepines otherwise", allergy75ea)?  "to any
 * medication", "to drugs", "to date" keep the statement whole. */
static bool
named_after_to(const sentence *s, size_t w)
{
	static const char *const whole[] = {
		"any",	       "drugs",	   "drug",	"medication",
		"medications", "medicine", "medicines", "meds",
		"date",	       "all",	   "known",	"food"};

	return w < s->n && !s->words[w].han &&
	       !notes__words_in(s, w, whole, N_OF(whole)) &&
	       isalpha((unsigned char)s->words[w].key[0]);
}

/* none_but: is "no known allergies" item k narrowed to one drug ("No
 * known allergy to penicillin") or to all but the drug allergies told
 * ("NKDA apart from above", "except codeine", "Other allergies: nil
 * else": allergy75an, en43-10)?  It denies that drug, or any other, and
 * does not say the patient has none (rules75en25).  "NKA apart from bee
 * stings" names no drug: no drug allergy. */
static bool
none_but(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0, w = s->items[k].w1, n;

	if (w0 > 0 && !s->words[w0 - 1].han &&
	    notes__words_at(s, w0 - 1, "other"))
		return true;
	if (w >= s->n)
		return false;
	/* not "NKA otherwise": en-dev27 and en-dev36 annotate it no known
	 * allergies, en-dev8, 9, 13 and 23 do not; the writers split */
	if (notes__words_at(s, w, "else"))
		return true;
	n = but_at(s, w);
	if (n == 0)
		n = notes__words_at(s, w, "to") ? 1 : 0;
	else if (w + n < s->n && (notes__words_at(s, w + n, "above") ||
				  notes__phrase_at(s, w + n, "the above")))
		return true;
	for (size_t m = k + 1; n > 0 && m < s->n_items; m++)
		if (s->items[m].w0 == w + n)
			return is_drug(&s->items[m]);
	return n == 1 && named_after_to(s, w + 1);
}

/* food_answered: is "none known" item k the answer a food allergy label
 * gets, the label's "allergies" its own or before it ("[ ] Food allergies
 * - none known", allergy75it)?  It says nothing of drug allergies. */
static bool
food_answered(const sentence *s, size_t k)
{
	static const char *const cue[] = {"allergies", "allergy",
					  "intolerances"};
	static const char *const food[] = {"food", "foods", "dietary"};
	size_t w = s->items[k].w0;

	while (w > 0 && notes__words_in(s, w - 1, cue, N_OF(cue)))
		w--;
	return w > 0 && notes__words_in(s, w - 1, food, N_OF(food));
}

/* answers_entry: is "no known allergies" item k the answer an allergy
 * list gives the drug right before it ("Penicillin - NKA.", allergy75dt)?
 * It denies that drug only (notes__answered_none), not every allergy. */
static bool
answers_entry(const sentence *s, size_t k)
{
	return k > 0 && (s->allergy_list || s->allergy_line) &&
	       is_drug(&s->items[k - 1]) &&
	       notes__only_marks(s->text, s->items[k - 1].end,
				 s->items[k].start, ":-");
}

/* thromboprophylaxis: is problem item k the clot a prophylaxis is
 * named for ("DVT prophylaxis: enoxaparin 40 mg SC daily", "Enoxaparin
 * 40 mg SC daily (DVT prophylaxis)", "依诺肝素 4000IU 皮下注射 qd 预防深静脉
 * 血栓", "預防 DVT")?  Nearly every inpatient gets it; it is not a
 * thrombosis the patient has, and the writers of 59 of the 75
 * development notes that name it annotate no clot (issue 75, probfp75a). */
static bool
thromboprophylaxis(const sentence *s, size_t k)
{
	static const char *const en[] = {"prophylaxis", "prophylactic",
					 "prevention"};
	static const char *const zh[] = {"\xe9\xa2\x84\xe9\x98\xb2", /* 预防 */
					 "\xe9\xa0\x90\xe9\x98\xb2"}; /* 預防 */
	const item *it = &s->items[k];
	size_t after = it->end;

	if (strncmp(it->e->code, "I80", 3) != 0 &&
	    strncmp(it->e->code, "I82", 3) != 0 &&
	    strncmp(it->e->code, "I26", 3) != 0)
		return false;
	if ((it->w1 < s->n && notes__words_in(s, it->w1, en, N_OF(en))) ||
	    written_before(s, k, zh, N_OF(zh)))
		return true;
	while (after < s->text_len && s->text[after] == ' ')
		after++;
	for (size_t i = 0; i < N_OF(zh); i++)
		if (after + 6 <= s->text_len &&
		    memcmp(s->text + after, zh[i], 6) == 0)
			return true;
	return false;
}

/* drug_class_name_zh: is problem item k the disease inside a Chinese
 * drug class's name, "抗" before it and "药" after ("暂不需要抗抑郁药",
 * "暂不加抗心律失常药", "避免氟哌啶醇等典型抗精神病药", "抗结核药物性肝损伤")?
 * The name says what the drugs are for, not that the patient has the
 * disease, and no writer of the development sets annotates it there
 * (issue 75, probfp75a).  "抗结核治疗" is a treatment the patient has
 * had, for a disease the writers annotate, and is not a class's name. */
static bool
drug_class_name_zh(const sentence *s, size_t k)
{
	static const char anti[] = "\xe6\x8a\x97";	    /* 抗 */
	static const char *const drug[] = {"\xe8\x8d\xaf",  /* 药 */
					   "\xe8\x97\xa5"}; /* 藥 */
	const item *it = &s->items[k];

	if (it->start < 3 || memcmp(s->text + it->start - 3, anti, 3) != 0)
		return false;
	for (size_t i = 0; i < N_OF(drug); i++)
		if (it->end + 3 <= s->text_len &&
		    memcmp(s->text + it->end, drug[i], 3) == 0)
			return true;
	return false;
}

/* exam_heading: is problem item k "PE" written as its line's heading, a
 * colon after it ("PE: T 37.9, HR 104", "PE：BP 132/82")?  There it is
 * the physical examination the line reports, not a pulmonary embolism:
 * all 8 such lines of the development sets are an examination, and no
 * writer annotates a clot for them (issue 75, probfp75g).  Pulmonary
 * embolism as a list's entry comes with its story ("PE 2019 on
 * apixaban"), not a colon. */
static bool
exam_heading(const sentence *s, size_t k)
{
	static const char colon_zh[] = "\xef\xbc\x9a"; /* ： */
	const item *it = &s->items[k];
	uint32_t i = it->start;

	if (it->end - it->start != 2 || memcmp(s->text + i, "PE", 2) != 0 ||
	    strcmp(it->e->code, "I26.9") != 0)
		return false;
	while (i > 0 && s->text[i - 1] == ' ')
		i--;
	if (i > 0 && s->text[i - 1] != '\n')
		return false;
	return (it->end < s->text_len && s->text[it->end] == ':') ||
	       (it->end + 3 <= s->text_len &&
		memcmp(s->text + it->end, colon_zh, 3) == 0);
}

/* care_team_named: is problem item k the disease a care team, protocol
 * or department is named for ("refer to diabetes team", "the HIV team
 * will advise", "escalate per the hypertension protocol", "联系肝病科评估")?
 * It says who acts or how, not that the patient has the disease: of the
 * 13 such mentions of the development sets no other mention of the note
 * gives, 10 are not annotated, by 10 writers (issue 75, probfp75h).  A
 * clinic's name is left alone: the writers annotate the disease a
 * clinic's heading names (43 of 50). */
static bool
care_team_named(const sentence *s, size_t k)
{
	static const char *const en[] = {"team", "teams", "protocol",
					 "protocols"};
	static const char department_zh[] = "\xe7\xa7\x91"; /* 科 */
	const item *it = &s->items[k];

	if (it->w1 < s->n && notes__words_in(s, it->w1, en, N_OF(en)))
		return true;
	return it->end + 3 <= s->text_len &&
	       memcmp(s->text + it->end, department_zh, 3) == 0;
}

/* capillary_or_capsule: is problem item k "cap" as a ward writes
 * capillary refill ("cap refill normal", "cap refill 4 s"), "caps" as
 * capsules ("Cranberry caps"), or the word cap in lower case ("death cap"
 * mushrooms, a knee cap)?  Only an unqualified "CAP", in capitals, is
 * community-acquired pneumonia: four writers of the development sets
 * write the other two, and three of their four notes hold no pneumonia
 * (issue 75, probfp75h); over the 102 sets no writer annotates a
 * pneumonia for a "cap" in lower case (probfp75k). */
static bool
capillary_or_capsule(const sentence *s, size_t k)
{
	static const char *const refill[] = {"refill"};
	const item *it = &s->items[k];
	uint32_t len = it->end - it->start;

	if (strcmp(it->e->code, "J18.9") != 0 ||
	    strncasecmp(s->text + it->start, "cap", 3) != 0)
		return false;
	if ((len == 4 && s->text[it->start + 3] == 's') ||
	    (len == 3 && s->text[it->start + 1] == 'a'))
		return true;
	return len == 3 && it->w1 < s->n &&
	       notes__words_in(s, it->w1, refill, N_OF(refill));
}

/* length_written: is key a number joined to one of the n units
 * ("178cm")? */
static bool
length_written(const char *key, const char *const *unit, size_t n)
{
	const char *p = key;

	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	if (p == key)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p, unit[i]) == 0)
			return true;
	return false;
}

/* height_measured: is problem item k "Ht" written as a height, a number
 * and a length unit after it ("Ht 168 cm, Wt 121 kg", "Ht: 1.78 m",
 * probfp75m)?  "HT" as hypertension is written with no measure after
 * it. */
static bool
height_measured(const sentence *s, size_t k)
{
	static const char *const unit[] = {"cm",     "m",      "ft",	"in",
					   "inches", "metres", "meters"};
	const item *it = &s->items[k];
	size_t w = it->w1;

	if (strcmp(it->e->code, "I10") != 0 || it->end - it->start != 2 ||
	    strncasecmp(s->text + it->start, "ht", 2) != 0 || w >= s->n)
		return false;
	if (length_written(s->words[w].key, unit, N_OF(unit)))
		return true; /* "Ht 178cm" */
	if (!notes__is_number(s->words[w].key))
		return false;
	while (w + 1 < s->n && notes__is_number(s->words[w + 1].key))
		w++; /* "1.78": the scanner may keep its parts apart */
	return w + 1 < s->n && notes__words_in(s, w + 1, unit, N_OF(unit));
}

/* drug_purpose: is problem item k what a drug is for, not a problem the
 * patient has (drug_class_name_zh, thromboprophylaxis)? */
static bool
drug_purpose(const sentence *s, size_t k)
{
	return drug_class_name_zh(s, k) || thromboprophylaxis(s, k);
}

/* not_a_problem: is problem item k of s something other than a problem the
 * patient has: an allergy's reaction, a side effect or intolerance, a
 * reaction told in an allergy story, a symptom a drug prevents, what a
 * drug is for, an examination's heading, the name of a care team, a
 * capillary refill or capsule written "cap", a height written "Ht", or an
 * infection named only
 * as a screening test's target? */
static bool
not_a_problem(const sentence *s, size_t k)
{
	return notes__is_reaction(s, k) || notes__side_effect(s, k) ||
	       notes__intolerance_of(s, k) || notes__told_reaction(s, k) ||
	       prevented(s, k) || drug_purpose(s, k) || exam_heading(s, k) ||
	       care_team_named(s, k) || capillary_or_capsule(s, k) ||
	       height_measured(s, k) || notes__screen_named(s, k);
}

bool
notes__finding(const sentence *s, size_t k, notes_finding *f)
{
	const item *it = &s->items[k];
	const char *doubt, *ended;

	memset(f, 0, sizeof(*f));
	f->code = it->e->code;
	f->display = it->e->display;
	f->reaction = "";
	f->system = "";
	f->start = it->start;
	f->end = it->end;
	switch (it->e->type) {
	case NOTES_T_NONE_KNOWN:
		if (notes__denied_allergen_zh(s, k) ||
		    notes__unticked(s, s->items[k].w0) || none_but(s, k) ||
		    answers_entry(s, k) || food_answered(s, k))
			return false;
		f->kind = NOTES_ALLERGY;
		f->context = NOTES_NEGATED;
		f->trigger = it->e->key;
		return true;
	case NOTES_T_PROBLEM:
		if (not_a_problem(s, k))
			return false;
		f->kind = NOTES_PROBLEM;
		f->system = "ICD-10";
		break;
	case NOTES_T_SUBSTANCE:
	case NOTES_T_CLASS:
		if (!substance(s, k, f) || allergen_only(f) ||
		    antiseptic_swapped(s, k, f) ||
		    (f->kind == NOTES_MEDICINE && f->context == 0 &&
		     (class_example(s, k) || reaction_entry(s, k) ||
		      notes__susceptibility_result(s, k))))
			return false;
		notes__treatment_context(s, k, f);
		stopped_medicine_zh(s, k, f);
		return true;
	default:
		return false;
	}
	f->context = notes__context(s, k, false, &f->trigger);
	if ((f->context & NOTES_NEGATED) &&
	    (withheld_for(s, k) || reason_withheld(s, k))) {
		f->context &= ~NOTES_NEGATED;
		if (f->context == 0)
			f->trigger = "";
	}
	if (!(f->context & NOTES_NEGATED) && answered_no(s, k)) {
		f->context = (f->context & NOTES_FAMILY) | NOTES_NEGATED;
		f->trigger = "no";
	}
	if (f->context == 0 && (ended = problem_ended(s, k)) != NULL) {
		f->context = NOTES_HISTORICAL;
		f->trigger = ended;
	}
	if (f->context == 0 && (doubt = doubt_after(s, k)) != NULL) {
		f->trigger = doubt;
		f->context = NOTES_UNCERTAIN;
	}
	if (f->context == NOTES_HISTORICAL && implant_present(f->code)) {
		f->context = 0;
		f->trigger = "";
	}
	if (status_not_yet(f->code, f->context))
		return false;
	if (strcmp(f->code, TOBACCO_USE) == 0)
		return notes__smoking(s, k, f);
	return true;
}

/* seen: has out a finding of f's kind, code and context already?  A
 * note names a drug many times; its first mention stands for them, with
 * a later mention's de-labelling as its trigger ("青霉素皮试阴性 ...
 * 已移除青霉素过敏标签"), so that delabel() finds it, and a list's
 * status that stops it, so that unstop() does. */
static bool
seen(notes_reading *out, const notes_finding *f)
{
	for (size_t i = 0; i < out->n; i++) {
		notes_finding *g = &out->findings[i];

		if (g->kind != f->kind || g->context != f->context ||
		    strcmp(g->code, f->code) != 0)
			continue;
		if (notes__delabelled(f) ||
		    strcmp(f->trigger, ROW_STOPPED) == 0)
			g->trigger = f->trigger;
		g->again = f->start;
		return true;
	}
	return false;
}

static bool
keep_one(notes_reading *out, const notes_finding *f)
{
	if (seen(out, f))
		return true;
	if (out->n == NOTES_FINDINGS_MAX) {
		out->stopped = "more than " NOTES_FINDINGS_MAX_TEXT
			       " findings: the rest not read";
		return false;
	}
	out->findings[out->n++] = *f;
	return true;
}

/* keep_parts keeps a combination product's finding (combinations.csv:
 * "co-codamol" is codeine+paracetamol) as the catalogue substances in
 * it, each with the product's span and context: a patient on co-codamol
 * takes both drugs.  An allergy or intolerance to the product is kept
 * against its first substance only, the one such reactions are recorded
 * against ("co-codamol: nausea" is codeine's; the paracetamol the same
 * patient takes is not stopped).  A part the catalogue lacks is left
 * out. */
static bool
keep_parts(notes_reading *out, const notes_finding *f)
{
	for (const char *p = f->code; *p;) {
		char part[NOTES_KEY_MAX];
		size_t n = strcspn(p, "+");
		const notes_entry *e = NULL;
		notes_finding one = *f;

		if (n < sizeof(part)) {
			memcpy(part, p, n);
			part[n] = '\0';
			e = notes__find(part);
		}
		if (e != NULL && e->type == NOTES_T_SUBSTANCE &&
		    strchr(e->code, '+') == NULL) {
			one.code = e->code;
			one.display = e->display;
			if (!keep_one(out, &one))
				return false;
		}
		if (f->kind == NOTES_ALLERGY)
			break;
		p += n + (p[n] == '+');
	}
	return true;
}

bool
notes__keep(notes_reading *out, const notes_finding *f)
{
	if (strchr(f->code, '+') != NULL && strcmp(f->system, "substance") == 0)
		return keep_parts(out, f);
	return keep_one(out, f);
}

/* taken_before: is f an allergy to a drug or class that a Chinese
 * history word dates ("以前用过曲马多，吐得很厉害", "原服二甲双胍，因腹泻
 * 不能耐受", "既往服用磺胺类消炎药后出现皮疹")?  The word dates the drug,
 * which was taken then; the allergy holds now. */
static bool
taken_before(const notes_finding *f)
{
	unsigned other = NOTES_NEGATED | NOTES_HYPOTHETICAL | NOTES_FAMILY;

	return f->kind == NOTES_ALLERGY && (f->context & NOTES_HISTORICAL) &&
	       !(f->context & other) &&
	       ((unsigned char)f->trigger[0] >= 0x80 ||
		notes__is_refusal_cue(notes__find(f->trigger)));
}

/* clause_around: the bytes [*from, *to) of s's clause that holds
 * [start, end): bounded by a semicolon (";", "；") or the sentence's
 * edges. */
static void
clause_around(const sentence *s, uint32_t start, uint32_t end, uint32_t *from,
	      uint32_t *to)
{
	uint32_t first = s->words[0].start, last = s->words[s->n - 1].end;

	*from = first;
	for (uint32_t i = first; i < start; i++)
		if (s->text[i] == ';' ||
		    (i + 3 <= start && memcmp(s->text + i, FW_SEMI, 3) == 0))
			*from = i + 1;
	*to = last;
	for (uint32_t i = end; i < last; i++)
		if (s->text[i] == ';' ||
		    (i + 3 <= last && memcmp(s->text + i, FW_SEMI, 3) == 0)) {
			*to = i;
			break;
		}
}

/* history_only_zh: does "既往" (past history), and no word of taking,
 * date allergy f ("既往过敏史：左氧氟沙星（皮疹，2019年）", "既往对“氯吡格雷”
 * 过敏（皮疹）", "既往有“复方新诺明过敏”记录")?  The word dates the
 * allergy's history, not a course of the drug: no clause of the
 * sentence says it was taken (服, 吃, 用, 打, 输, 滴, 注射, 予, 给), so
 * the drug is an allergen only, no past medicine (medallergy75a; "既往
 * 服用磺胺类消炎药后出现皮疹" still is one). */
static bool
history_only_zh(const sentence *s, const notes_finding *f)
{
	static const char *const taking[] = {
		"服", "吃",   "食", "用", "打", "输", "輸",
		"滴", "注射", "予", "给", "給", "针", "針",
	};
	uint32_t from, to;

	if (strncmp(f->trigger, "既往", strlen("既往")) != 0 || s->n == 0)
		return false;
	for (size_t i = 0; i < N_OF(taking); i++)
		if (strstr(f->trigger, taking[i]) != NULL)
			return false;
	clause_around(s, f->start, f->end, &from, &to);
	for (size_t i = 0; i < N_OF(taking); i++)
		if (memmem(s->text + from, to - from, taking[i],
			   strlen(taking[i])) != NULL)
			return false;
	return true;
}

/* undated drops the date of an English allergy ("a bad reaction to
 * trimethoprim years ago", "swelling with amoxycillin a long time ago"):
 * the reaction was then, the allergy holds now, and a dated allergy
 * still stops the drug.  The date is the reaction's, not the drug's: no
 * past medicine is read from it (the Chinese history words, which date
 * the drug taken, are taken_before's). */
static void
undated(notes_finding *f)
{
	if (f->kind != NOTES_ALLERGY || !(f->context & NOTES_HISTORICAL) ||
	    (unsigned char)f->trigger[0] >= 0x80)
		return;
	f->context &= ~NOTES_HISTORICAL;
	if (f->context == 0)
		f->trigger = "";
}

bool
notes__keep_finding(const sentence *s, notes_reading *out, notes_finding *f)
{
	notes_finding past;

	if (!taken_before(f)) {
		undated(f);
		return notes__keep(out, f);
	}
	past = *f;
	past.kind = NOTES_MEDICINE;
	past.reaction = "";
	f->context &= ~NOTES_HISTORICAL;
	if (f->context == 0)
		f->trigger = ""; /* no context, no trigger */
	if (strcmp(f->system, "substance") != 0 || history_only_zh(s, &past) ||
	    allergen_only(&past))
		return notes__keep(out, f);
	return notes__keep(out, f) && notes__keep(out, &past);
}

bool
notes__delabelled(const notes_finding *f)
{
	const notes_entry *t;

	if (f->kind != NOTES_ALLERGY || !(f->context & NOTES_NEGATED) ||
	    f->code[0] == '\0')
		return false;
	/* an allergy "ruled out" is a verdict on its label ("1. Penicillin
	 * allergy - RULED OUT. She is not allergic to penicillin", after a
	 * skin test and a challenge, allergy75sx, en-dev86): what the note
	 * told of the label before it is superseded, as by a removal */
	if (strcmp(f->trigger, "ruled out") == 0 ||
	    strcmp(f->trigger, "has been ruled out") == 0)
		return true;
	t = notes__find(f->trigger);
	return t != NULL && (t->dir & NOTES_DIR_DELABEL);
}
