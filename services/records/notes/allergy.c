/*
 * allergy.c - what a drug's allergy mention says beyond its cue: a label
 * doubted, recorded as possible, disowned ("side effect, not an
 * allergy"), a culture's result, a table row's cells, a quote, a relative
 * as the subject, an "Allergies:" line that goes on to give the drug as
 * taken.  The qualifiers that change an allergy's context once found.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool
notes__none_known_near(const sentence *s, size_t k)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_NONE_KNOWN &&
		    (j == k + 1 || !notes__denied_allergen_zh(s, j)) &&
		    !notes__ends(s, j < k ? j : k, j < k ? k : j, true))
			return true;
	return false;
}

void
notes__taken_then(const sentence *s, size_t k, notes_finding *f)
{
	const notes_entry *cue = k + 1 < s->n_items ? s->items[k + 1].e : NULL;

	if (cue == NULL || !(cue->dir & NOTES_DIR_BACKWARD))
		return;
	f->context = NOTES_HISTORICAL;
	f->trigger = cue->key;
}

bool
notes__replaced_by(const sentence *s, size_t k)
{
	static const char *const so[] = {"therefore", "hence", "thus"};
	size_t w0 = s->items[k].w0;

	/* the choice the allergy led to ("Antiplatelet therefore clopidogrel
	 * monotherapy", allergy75ir) */
	if (w0 > 0 && notes__words_in(s, w0 - 1, so, N_OF(so)))
		return true;
	for (size_t j = 0; j < k; j++)
		if (strcmp(s->items[j].e->key, "changed to") == 0 ||
		    strcmp(s->items[j].e->key, "switched to") == 0)
			return true;
	return false;
}

bool
notes__interaction_partner_en(const sentence *s, size_t k)
{
	static const char *const with[] = {
		"interaction with", "interactions with", "interacts with",
		"interacting with"};
	size_t w0 = s->items[k].w0;

	for (size_t back = 2; back <= 3 && back <= w0; back++)
		if (notes__phrases_in(s, w0 - back, with, N_OF(with)))
			return true;
	return false;
}

bool
notes__names_no_reaction(const sentence *s)
{
	for (size_t j = 0; j < s->n_items; j++)
		if ((s->items[j].e->type == NOTES_T_ALLERGY_CUE ||
		     s->items[j].e->type == NOTES_T_REACTION) &&
		    !(j > 0 && s->items[j - 1].e->type == NOTES_T_NEGATED &&
		      s->items[j - 1].w1 == s->items[j].w0))
			return false;
	return true;
}

/* TAKEN_NOW_WORDS: the most words before the drug in a sentence that
 * says the patient takes it ("Currently takes paracetamol regularly"). */
#define TAKEN_NOW_WORDS 3

/* taken_now: does a later sentence of an "Allergies:" line open with a
 * word that says the patient takes drug item k now ("Heparin - HIT - NO
 * HEPARIN.  On fondaparinux 7.5 mg SC daily for the clot", "Allergies:
 * penicillin (rash). Takes paracetamol regularly."), and name no allergy
 * cue and no reaction?  The patient takes that drug: a medicine, often
 * the remedy the allergy led to, not another entry of the list. */
bool
notes__taken_now(const sentence *s, size_t k)
{
	static const char *const taking[] = {
		"on",	     "takes",	"taking",    "uses",	  "using",
		"continues", "remains", "regularly", "currently", "still",
		"now",	     "also",	"pt",	     "patient",	  "he",
		"she",	     "is"};
	static const char *const verb[] = {"on",   "takes", "taking",
					   "uses", "using", "continues"};
	size_t w0 = s->items[0].w0;
	bool takes = false;

	/* the generic in brackets after the brand is the same drug taken
	 * ("Currently takes Crocin (paracetamol) 650 mg SOS") */
	if (k == 1 && strcmp(s->items[1].e->code, s->items[0].e->code) == 0 &&
	    notes__only_marks(s->text, s->items[0].end, s->items[1].start, "("))
		k = 0;
	if (s->allergy_head || k != 0 || w0 == 0 || w0 > TAKEN_NOW_WORDS)
		return false;
	for (size_t w = 0; w < w0; w++) {
		if (!notes__words_in(s, w, taking,
				     sizeof(taking) / sizeof(*taking)))
			return false;
		takes |= notes__words_in(s, w, verb,
					 sizeof(verb) / sizeof(*verb));
	}
	return takes && notes__names_no_reaction(s);
}

/* dosed_now: does a later sentence of an "Allergies:" line give drug
 * item k a dose ("INR today 2.6, warfarin 3 mg tonight as per chart")?
 * A dose is an order: the patient takes the drug, it is no entry of the
 * allergy list. */
static bool
dosed_now(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;

	/* the unit may be written with its number ("She's on IV cefazolin
	 * 2g TDS", "switched him to oxycodone 5mg PO", en-dev79) */
	return !s->allergy_head && w < s->n && notes__dose_at(s, w);
}

/* dose_of_before: is drug item k written after "dose of" or "course of"
 * ("Got one dose of gentamicin in ED only", en-dev79)?  The patient had
 * that drug. */
static bool
dose_of_before(const sentence *s, size_t k)
{
	static const char *const dose[] = {"dose", "doses", "course",
					   "courses"};
	size_t w = s->items[k].w0;

	return w >= 2 && notes__words_at(s, w - 1, "of") &&
	       notes__words_in(s, w - 2, dose, N_OF(dose));
}

/* willing_before: does a phrase of the patient's or the writer's
 * willingness to try it end right before drug item k ("Erythromycin -
 * vomiting as a teenager (intolerance). Happy to try clarithromycin,
 * which is usually much better tolerated.", en-dev81)?  The drug is one
 * to take, no entry of the list. */
static bool
willing_before(const sentence *s, size_t k)
{
	static const char *const willing[] = {
		"happy to try",	   "happy to take", "willing to try",
		"willing to take", "agrees to try", "agreed to try",
		"keen to try",	   "ok to try",	    "okay to try"};
	size_t w = s->items[k].w0;

	return w >= 3 && notes__phrases_in(s, w - 3, willing, N_OF(willing));
}

bool
notes__given_later(const sentence *s, size_t k)
{
	return !s->allergy_head &&
	       (dosed_now(s, k) || dose_of_before(s, k) ||
		willing_before(s, k)) &&
	       notes__names_no_reaction(s);
}

/* given_first: does a later sentence of an "Allergies:" line open with a
 * word that says drug item k, right after it, was given ("Got cefazolin
 * at theatre, fine.", allergy75sy, en-dev86; "Received vancomycin in
 * ICU"), and name no allergy cue and no reaction?  A dose the patient had,
 * no entry, as given_later reads one said after the drug. */
static bool
given_first(const sentence *s, size_t k)
{
	static const char *const given[] = {"got", "received", "given", "gave"};

	return !s->allergy_head && k == 0 && s->items[0].w0 == 1 &&
	       notes__words_in(s, 0, given, N_OF(given)) &&
	       notes__names_no_reaction(s);
}

/* given_later: does a later sentence of an "Allergies:" line open with
 * drug item k and a word that says it was given or chosen ("Allergies:
 * Morphine - rash.  Fentanyl used in ICU for 6 days with no problem.",
 * "Ibuprofen - gastric pain, she avoids. Hence Inj. Ceftriaxone chosen.",
 * allergy75ue) or goes on
 * being taken ("Allergies: NKDA. Metformin continues."), and name no
 * allergy cue and no reaction?  The sentence tells a dose the patient
 * had or has, not another entry of the list (rules75en16, allergy75bs). */
static bool
given_later(const sentence *s, size_t k)
{
	static const char *const given[] = {
		"used",	     "given",	  "received", "administered",
		"continues", "continued", "resumed",  "restarted",
		"chosen",    "preferred", "selected"};
	size_t w = s->items[k].w1;

	if (s->allergy_head || k != 0 || w >= s->n ||
	    !notes__words_in(s, w, given, sizeof(given) / sizeof(*given)))
		return false;
	return notes__names_no_reaction(s);
}

/* The verbs of a drug given in an allergy's place (notes__given_passive). */
static const char *const given_en[] = {"used", "given", "administered",
				       "chosen"};

/* ALLOWED_WORDS: the most words between a drug and the "may be given"
 * that allows it. */
#define ALLOWED_WORDS 12

/* told_between_at: does a drug of another substance than item k's, or a
 * reaction, start at word w?  A reaction told before "can be given"
 * makes the drug's entry ("Vancomycin - red man (can be given
 * slowly)"). */
static bool
told_between_at(const sentence *s, size_t k, size_t w)
{
	for (size_t m = 0; m < s->n_items; m++) {
		const item *it = &s->items[m];

		if (it->w0 == w &&
		    (it->e->type == NOTES_T_REACTION ||
		     it->e->type == NOTES_T_PROBLEM ||
		     (is_drug(it) && strcmp(it->e->code, s->items[k].e->code))))
			return true;
	}
	return false;
}

/* allowed_passive: is drug item k the subject of a passive that allows
 * it, "may be given" ("-> Cefazolin: per ASCIA guidance cefazolin has a
 * dissimilar side chain and may be given after penicillin anaphylaxis",
 * allergy75nt, en-dev74), within ALLOWED_WORDS words after it, no other
 * drug, no reaction, no semicolon and no bracket between?  A bracket
 * there tells how the drug of an entry is given despite its reaction
 * ("Vancomycin - red man (can be given slowly)"). */
static bool
allowed_passive(const sentence *s, size_t k)
{
	static const char *const modal[] = {"may", "can", "could"};

	for (size_t w = s->items[k].w1;
	     w + 2 < s->n && w < s->items[k].w1 + ALLOWED_WORDS; w++) {
		if (told_between_at(s, k, w))
			return false;
		if (notes__words_in(s, w, modal, N_OF(modal)) &&
		    notes__words_at(s, w + 1, "be") &&
		    notes__words_in(s, w + 2, given_en, N_OF(given_en)))
			return !notes__between_has(s, s->items[k].end,
						   s->words[w].start, ';') &&
			       !notes__between_has(s, s->items[k].end,
						   s->words[w].start, '(');
	}
	return false;
}

/* given_passive: is drug item k, after the first of an "Allergies:"
 * line, the subject of a passive that says it was given ("Penicillin --
 * anaphylaxis -- vancomycin was used for surgical prophylaxis"), with no
 * reaction told after it?  The drug is the one given in the allergy's
 * place, not another entry (allergy75t); "amoxicillin was given -> rash"
 * keeps its reaction and stays.  So is one that may be given
 * (allowed_passive), wherever it stands. */
bool
notes__given_passive(const sentence *s, size_t k)
{
	static const char *const be[] = {"was", "were"};
	size_t w = s->items[k].w1;

	if (allowed_passive(s, k))
		return true;
	if (k == 0 || w + 1 >= s->n || !notes__words_in(s, w, be, N_OF(be)) ||
	    !notes__words_in(s, w + 1, given_en, N_OF(given_en)))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_REACTION)
			return false;
	return true;
}

/* told_after: is drug item k in a clause of an "Allergies:" line after
 * a semicolon that opens with the patient ("Drug allergy: son reports
 * \"aspirin upsets her stomach\"; pt has taken aspirin with omeprazole
 * cover")?  The clause tells what the patient did, no entry of the
 * list: an entry opens with its drug ("Allergies: latex (dermatitis);
 * chlorhexidine - hives") or its reporter ("; daughter also says \"she
 * can't have sulphur drugs\""). */
static bool
told_after(const sentence *s, size_t k)
{
	static const char *const patient[] = {"pt", "patient", "he", "she"};
	const char *semi = NULL, *p = s->text + s->items[0].end;
	size_t w = 0;

	for (; p < s->text + s->items[k].start; p++)
		if (*p == ';')
			semi = p;
	if (semi == NULL)
		return false;
	while (w < s->n && s->text + s->words[w].start <= semi)
		w++;
	return w < s->n && notes__words_in(s, w, patient,
					   sizeof(patient) / sizeof(*patient));
}

/* effect_entry_zh: does drug item k open its sentence, followed in its
 * clause, before another drug, by an effect the patient feels ("過敏史：磺
 * 胺類……。Codeine 會便秘、頭暈，不喜歡")?  A drug that opens a later
 * sentence of a Chinese allergy line with its reaction told is another
 * entry of the line (rules75zh22); not one the writer calls a side effect
 * ("Morphine——恶心，属副作用") or says may still be given ("阿奇霉素——
 * 患者诉吃了“肚子不舒服”，仍可使用"), and not a drug told later in a story
 * ("追问：2018年静滴“头孢”后出现胸闷，可疑过敏"). */
/* side_effect_said_zh: does s call its entry a side effect or say the
 * drug may still be given ("Morphine——恶心，属副作用", "阿奇霉素——…，仍可
 * 使用")?  Such an entry is no allergy of the line. */
static bool
side_effect_said_zh(const sentence *s)
{
	static const char *const side[] = {"副作用", "仍可使用", "仍可用",
					   "可继续使用", "可以继续用"};

	return notes__any_in(s, 0, s->n, side, sizeof(side) / sizeof(*side));
}

/* opens_entry_zh: does drug item k open its sentence, perhaps after a
 * word that adds to a list ("另：曲马多服后恶心呕吐明显", "此外，可待因…")?
 * The word says the line goes on with another entry (rules75zh27). */
static bool
opens_entry_zh(const sentence *s, size_t k)
{
	static const char *const also[] = {"另", "另外", "此外", "还有",
					   "另有"};
	size_t w0 = s->items[k].w0, len = 0;

	if (w0 == 0)
		return true;
	for (size_t w = 0; w < w0; w++)
		if (!s->words[w].han)
			return false;
		else
			len += strlen(s->words[w].key);
	for (size_t i = 0; i < sizeof(also) / sizeof(*also); i++)
		if (strlen(also[i]) == len && notes__words_at(s, 0, also[i]))
			return true;
	return false;
}

/* called_intolerance_zh: does the writer call drug item k's entry an
 * intolerance after it, in its clause and before another drug ("Codeine
 * 食完便秘嚴重（intolerance）")?  The label is the verdict, whatever the
 * effect told before it (rules75zh27). */
static bool
called_intolerance_zh(const sentence *s, size_t k)
{
	static const char *const label[] = {"intolerance", "intolerant",
					    "不耐受"};

	for (size_t j = k + 1; j < s->n_items && !notes__terminated(s, k, j);
	     j++) {
		if (is_drug(&s->items[j]))
			return false;
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    notes__words_in(s, s->items[j].w0, label,
				    sizeof(label) / sizeof(*label)))
			return true;
	}
	return false;
}

static bool
effect_entry_zh(const sentence *s, size_t k)
{
	return opens_entry_zh(s, k) && !side_effect_said_zh(s) &&
	       (notes__effect_follows(s, k, false) ||
		called_intolerance_zh(s, k));
}

/* queried_entry_zh: is drug item k the first item of a later sentence on
 * a Chinese allergy line, queried ("藥物過敏：NSAIDs —— …。Codeine？——
 * 不確定", "药物过敏：Sulfa（…）。另：吃 lisinopril 后干咳？")?  It is
 * another entry of the line, one the writer doubts (rules75zh20); so is
 * one with its effect told (effect_entry_zh). */
static bool
queried_entry_zh(const sentence *s, size_t k)
{
	if (!s->allergy_line_zh || notes__zh_allergy_head(s))
		return false;
	for (size_t j = 0; j < k; j++)
		if (s->items[j].e->type != NOTES_T_PSEUDO)
			return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (strcmp(s->items[j].e->key, "\xef\xbc\x9f") == 0 ||
		    strcmp(s->items[j].e->key, "?") == 0)
			return true;
	return effect_entry_zh(s, k) ||
	       (notes__marked_entry_zh(s, k) && !side_effect_said_zh(s));
}

/* queried_entry_en: is drug item k, in a later sentence of an English
 * allergy line, queried by a "?" written on it ("Allergies: Aspirin? -
 * ... Recorded as aspirin allergy (?NSAID-exacerbated)")?  The writer
 * records a possible allergy of the line (rules75en27). */
static bool
queried_entry_en(const sentence *s, size_t k)
{
	const item *it = &s->items[k];

	return s->allergy_line && k > 0 && it->start > 0 &&
	       s->text[it->start - 1] == '?' &&
	       strcmp(s->items[k - 1].e->key, "?") == 0 &&
	       s->items[k - 1].end == it->start;
}

/* CONTROLLED_WORDS: how far after the drug 控制 or 维持 may be written
 * ("由比索洛尔控制", "由比索洛尔 2.5mg 控制"). */
#define CONTROLLED_WORDS 4

/* controlled_by_zh: is Chinese drug item k what a condition is now
 * controlled by, 由 right before it and 控制 or 维持 after it ("胺碘酮：…心
 * 内科停用后甲功恢复，目前心率由比索洛尔控制", allergy75ry, zh-dev83)?  The
 * drug is taken now, no entry of the allergy list. */
static bool
controlled_by_zh(const sentence *s, size_t k)
{
	static const char *const kept[] = {"控制", "维持"};
	size_t w0 = s->items[k].w0, w1 = s->items[k].w1;

	return w0 >= 1 && notes__words_at(s, w0 - 1, "由") &&
	       notes__any_in(s, w1,
			     w1 + CONTROLLED_WORDS < s->n
				     ? w1 + CONTROLLED_WORDS
				     : s->n,
			     kept, N_OF(kept));
}

bool
notes__currently_on(const sentence *s, size_t k)
{
	static const char *const article[] = {"a", "an"};
	static const char *const is[] = {"is",	     "remains",	   "stays",
					 "managing", "maintained", "stable"};
	size_t w = s->items[k].w0;

	if (controlled_by_zh(s, k))
		return true;
	if (w >= 1 && notes__words_in(s, w - 1, article, N_OF(article)))
		w--;
	return w >= 2 && notes__words_at(s, w - 1, "on") &&
	       notes__words_in(s, w - 2, is, N_OF(is));
}

/* teller_led: are the items before drug item k only its teller, a
 * relative or the patient, with a word of telling or "per" before the
 * drug, and a dash or colon after it ("ALLERGIES: Sulfa (hives). Per
 * daughter also codeine - \"throws up\"", "Pt says codeine -
 * vomiting")?  The later sentence of an allergy line is then its entry,
 * as one opened by the drug is (allergy75mc); a story told ("pt says
 * \"the strong painkiller makes me see things\"") is not. */
static bool
teller_led(const sentence *s, size_t k)
{
	const char *p = s->text + s->items[k].end, *end = s->text + s->text_len;
	bool told = false;

	while (p < end && *p == ' ')
		p++;
	if (k == 0 || p >= end || (*p != '-' && *p != ':'))
		return false;
	for (size_t m = 0; m < k; m++) {
		const notes_entry *e = s->items[m].e;

		if (e->type != NOTES_T_FAMILY &&
		    !(e->type == NOTES_T_TERMINATOR &&
		      (strcmp(e->key, "pt") == 0 ||
		       strcmp(e->key, "patient") == 0)))
			return false;
	}
	for (size_t w = 0; w < s->items[k].w0; w++)
		told = told || notes__words_at(s, w, "per") ||
		       notes__reporting(s, w);
	return told;
}

/* TOLD_AFTER_WORDS_ZH: the most words (characters) between a Chinese
 * drug and the 后 of its story ("\"可待因\"止咳糖浆后"). */
#define TOLD_AFTER_WORDS_ZH 6

/* relieved_zh: does word w say the complaint before it eased ("后头痛缓解",
 * "后症状好转")?  The drug treated it. */
static bool
relieved_zh(const sentence *s, size_t w)
{
	static const char *const eased[] = {"缓解", "好转", "消失", "减轻",
					    "改善", "消退", "控制"};
	size_t to = w + 3 < s->n ? w + 3 : s->n;

	return notes__words_any(s, w, to, eased, N_OF(eased));
}

/* reaction_after_zh: does 后 follow Chinese drug item k within a few
 * words, and a reaction or a complaint (嗜睡) after it before any other
 * drug? */
static bool
reaction_after_zh(const sentence *s, size_t k)
{
	size_t w1 = s->items[k].w1, last = w1 + TOLD_AFTER_WORDS_ZH;

	if (!notes__words_any(s, w1, last < s->n ? last : s->n,
			      (const char *const[]){"后"}, 1))
		return false;
	for (size_t m = k + 1; m < s->n_items; m++) {
		if (is_drug(&s->items[m]))
			return false;
		if (s->items[m].e->type == NOTES_T_REACTION ||
		    s->items[m].e->type == NOTES_T_PROBLEM)
			return !relieved_zh(s, s->items[m].w1);
	}
	return false;
}

/* cannot_take_after_zh: does the teller's 不行 or 不能用 follow Chinese
 * drug item k within a few words, before any other drug ("患者自述\"头孢
 * 好像也不行\"", allergy75pe, zh-dev76)?  The patient says the drug does
 * not suit them: an entry of the allergy line. */
static bool
cannot_take_after_zh(const sentence *s, size_t k)
{
	static const char *const cannot[] = {"不行", "不能用", "不能吃",
					     "不能打"};
	size_t w1 = s->items[k].w1, last = w1 + TOLD_AFTER_WORDS_ZH;

	if (last > s->n)
		last = s->n;
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) && s->items[m].w0 < last)
			last = s->items[m].w0;
	return notes__words_any(s, w1, last, cannot, N_OF(cannot));
}

/* teller_led_zh: does a word of telling (自述, 诉, 称…) come before
 * Chinese drug item k, no drug, denial or reaction before it, and 后 and
 * a reaction after it ("过敏史：…。患者自述去年服\"可待因\"止咳糖浆后整天嗜睡",
 * allergy75mp), or 不行 (cannot_take_after_zh)?  The later sentence of an
 * allergy line is then its entry, as teller_led's is in English: what the
 * patient or a relative tells of a drug's harm under the heading is the
 * heading's. */
static bool
teller_led_zh(const sentence *s, size_t k)
{
	static const char *const tells[] = {"自述", "自诉", "诉",  "代诉",
					    "称",   "说",   "表示"};
	/* "另：" opens the line's next entry as a teller's word does
	 * ("另：去年咳嗽喝\"可待因止咳糖浆\"后呕吐数次", allergy75qa,
	 * zh-dev78) */
	static const char *const another[] = {"另", "另外", "此外"};

	if (!s->words[s->items[k].w0].han)
		return false;
	for (size_t m = 0; m < k; m++) {
		notes_type t = s->items[m].e->type;

		if (is_drug(&s->items[m]) || t == NOTES_T_NEGATED ||
		    t == NOTES_T_REACTION || t == NOTES_T_NONE_KNOWN)
			return false;
	}
	return (notes__words_any(s, 0, s->items[k].w0, tells, N_OF(tells)) ||
		notes__words_in(s, 0, another, N_OF(another))) &&
	       (reaction_after_zh(s, k) || cannot_take_after_zh(s, k));
}

/* ends_before_zh: does one of the n Chinese phrases of list end right
 * before word w of s? */
static bool
ends_before_zh(const sentence *s, size_t w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]) / 3;

		if (w >= len && notes__words_at(s, w - len, list[i]))
			return true;
	}
	return false;
}

/* used_then_zh: is Chinese drug item k the one 当时用过 names, right
 * before it, after a reaction told in its sentence ("另诉2018年疝修补术
 * 后\"身上起过疹子\"，当时用过头孢唑林，是否相关不明，登记为可疑",
 * allergy75qb, zh-dev78)?  The drug given when the reaction came is the
 * line's suspect. */
bool
notes__used_then_zh(const sentence *s, size_t k)
{
	static const char *const then[] = {"当时用过", "当时用了", "当时使用",
					   "当时用"};
	size_t w = s->items[k].w0;
	bool reacted = false;

	for (size_t j = 0; j < k; j++)
		reacted = reacted || s->items[j].e->type == NOTES_T_REACTION;
	return reacted && s->words[w].han &&
	       ends_before_zh(s, w, then, N_OF(then));
}

/* allergy_before_on_line: does 过敏 stand on drug item k's line before
 * it (a heading "过敏史：", or "“麻药过敏”见上")? */
static bool
allergy_before_on_line(const sentence *s, size_t k)
{
	static const char allergy[] = "\xe8\xbf\x87\xe6\x95\x8f"; /* 过敏 */
	static const char allergy_hant[] =
		"\xe9\x81\x8e\xe6\x95\x8f"; /* 過敏 */
	const char *end = s->text + s->items[k].start, *from = end;

	while (from > s->text && from[-1] != '\n')
		from--;
	return memmem(from, (size_t)(end - from), allergy, 6) != NULL ||
	       memmem(from, (size_t)(end - from), allergy_hant, 6) != NULL;
}

/* recorded_as_zh: is Chinese drug item k what a record verb says the
 * label is written as, quotes at most between, on a line that spoke of
 * allergy before it ("过敏史：否认药物、食物过敏史。…暂记为“利多卡因（可疑）”",
 * allergy75nf; "住院期间新增：左氧氟沙星（见下）", allergy75ng)?  What the
 * writer records or adds there is an allergy entry, though the heading's
 * first sentence denied the rest. */
static bool
recorded_as_zh(const sentence *s, size_t k)
{
	static const char *const recorded[] = {"记为",	 "记录为", "登记为",
					       "录入为", "列为",   "新增"};
	static const char *const quotes[] = {"\"", "“", "「", "'", "：", ":"};
	size_t w = s->items[k].w0;

	while (w > 0 && notes__among(s->words[w - 1].key, quotes, N_OF(quotes)))
		w--;
	return allergy_before_on_line(s, k) &&
	       ends_before_zh(s, w, recorded, N_OF(recorded));
}

/* MEDS_HEAD_WORDS: the most words of a heading that names the medicines
 * and the allergies together ("Medicines and allergies:"). */
#define MEDS_HEAD_WORDS 3

/* meds_and_allergies_head: does s open with a heading of the medicines
 * and the allergies together ("Medicines/allergies:", "Meds &
 * allergies:", "Medications and allergies:")? */
static bool
meds_and_allergies_head(const sentence *s)
{
	static const char *const meds[] = {"medicines", "medications",
					   "medication", "meds", "drugs"};
	size_t w = 1;

	if (s->n < MEDS_HEAD_WORDS || notes__line_lead(s) == NULL ||
	    !notes__words_in(s, 0, meds, N_OF(meds)))
		return false;
	if (notes__words_at(s, 1, "and"))
		w = 2;
	else if (!notes__only_marks(s->text, s->words[0].end, s->words[1].start,
				    "/&"))
		return false;
	return strncmp(s->words[w].key, "allerg", 6) == 0 && w + 1 < s->n &&
	       notes__colon_at(s->text, s->words[w].end,
			       s->words[w + 1].start) != NULL;
}

/* The English drug read by a heading of medicines and allergies
 * together (notes__listed_medicine, reader_int.h). */
bool
notes__listed_medicine(const sentence *s, size_t k)
{
	if (!meds_and_allergies_head(s))
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		const item *a = &s->items[j < k ? j : k];
		const item *b = &s->items[j < k ? k : j];

		if ((s->items[j].e->type == NOTES_T_REACTION ||
		     (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		      s->items[j].w0 >= MEDS_HEAD_WORDS)) &&
		    !notes__between_has(s, a->end, b->start, ';'))
			return false;
	}
	return true;
}

bool
notes__on_allergy_line(const sentence *s, size_t k)
{
	return ((s->allergy_line &&
		 (s->allergy_head || k == 0 || teller_led(s, k))) ||
		(s->allergy_line_zh &&
		 (teller_led_zh(s, k) || notes__used_then_zh(s, k))) ||
		recorded_as_zh(s, k) || queried_entry_zh(s, k) ||
		queried_entry_en(s, k)) &&
	       !notes__replaced_by(s, k) && !notes__taken_now(s, k) &&
	       !notes__currently_on(s, k) && !dosed_now(s, k) &&
	       !told_after(s, k) && !given_later(s, k) && !given_first(s, k) &&
	       !((dose_of_before(s, k) || willing_before(s, k)) &&
		 notes__names_no_reaction(s));
}

bool
notes__cultured(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if ((s->items[j].e->dir & NOTES_DIR_LAB) &&
		    s->items[j].e->type == NOTES_T_PSEUDO &&
		    !notes__ends(s, j, k, true))
			return true;
	return false;
}

/* recorded_possible: is drug item k recorded as a possible allergy
 * ("left allopurinol as a \"possible\" allergy on his record")?  The
 * writer doubts it. */
static bool
recorded_possible(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (strstr(s->items[m].e->key, "possible") != NULL &&
		    notes__recorded_reaches(s, k, m))
			return true;
	return false;
}

/* viral_queried: does the entry of drug item k, before any other drug,
 * query a viral cause of its reaction ("amoxicillin (rash at 18 mo -
 * ?viral; not tested)", "rash - probably viral")?  A rash in a viral
 * illness is the commonest false penicillin label (BSACI 2022): the
 * writer doubts the allergy. */
static bool
viral_queried(const sentence *s, size_t k)
{
	static const char *const maybe[] = {"possibly", "probably", "likely"};
	size_t to = notes__drug_bound(s, k);

	for (size_t w = s->items[k].w1; w < to && w < s->n; w++) {
		if (strcmp(s->words[w].key, "viral") != 0)
			continue;
		if (s->words[w].start > 0 &&
		    s->text[s->words[w].start - 1] == '?')
			return true;
		if (w > 0 && notes__words_in(s, w - 1, maybe,
					     sizeof(maybe) / sizeof(*maybe)))
			return true;
	}
	return false;
}

/* QUERIED_ENTRY_WORDS: the most words of an entry's reaction, after its
 * dash, that a question mark at its end queries. */
#define QUERIED_ENTRY_WORDS 4

/* entry_queried: is drug item k the last drug of an allergy list's
 * entry, a dash after it and a few words of its reaction that a
 * question mark ends with the sentence ("Also \"nitrofurantoin - lung
 * problems?\" per GP letter"), words that name no reaction or problem
 * the reader knows?  The writer queries the reaction, so the allergy is
 * doubted whatever words the reaction is told in (rules75en21). */
static bool
entry_queried(const sentence *s, size_t k)
{
	const item *it = &s->items[k];
	const char *p = s->text + it->end;
	size_t last = s->n - 1;

	if (!(s->allergy_list || s->allergy_line) || it->w1 > last ||
	    last - it->w1 >= QUERIED_ENTRY_WORDS ||
	    s->text[s->words[last].end] != '?')
		return false;
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) ||
		    s->items[m].e->type == NOTES_T_REACTION ||
		    s->items[m].e->type == NOTES_T_PROBLEM)
			return false; /* a reaction read is queried or not by
					 its own mark ("ANAPHYLAXIS at
					 previous dental? no, at ...") */
	while (*p == ' ' || *p == '"')
		p++;
	return *p == '-' && p[1] == ' ';
}

/* queried_after: is the first mark after drug item it, past a dash,
 * an arrow or a colon (one of them at least), a question mark ("Chlorhexidine
 * -> ?? red skin after pre-op wash 2019")?  The entry's story is queried
 * (allergy75dj). */
static bool
queried_after(const sentence *s, const item *it)
{
	const char *p = s->text + it->end;
	bool marked = false;

	for (; *p == ' ' || *p == '-' || *p == '>' || *p == ':'; p++)
		marked |= *p != ' ';
	return *p == '?' && marked;
}

/* possible_entry_word: is uncertainty item m the entry's own doubt, an
 * allergy cue right after it ("possible allergy", "probable
 * intolerance") or "as possible" ending the sentence ("- recorded as
 * possible")? */
static bool
possible_entry_word(const sentence *s, size_t m)
{
	const item *u = &s->items[m];

	if (u->e->type != NOTES_T_UNCERTAIN)
		return false;
	if (m + 1 < s->n_items &&
	    s->items[m + 1].e->type == NOTES_T_ALLERGY_CUE &&
	    s->items[m + 1].w0 == u->w1)
		return true;
	return u->w1 == s->n && u->w0 > 0 &&
	       notes__words_at(s, u->w0 - 1, "as");
}

/* next_entry_between: does another entry of a list open between from
 * and to, a comma and then an entry's dash (", Flamazine - \"burning\"
 * (pt report - ?sensitivity)"), whether or not the reader knows its
 * substance? */
static bool
next_entry_between(const sentence *s, uint32_t from, uint32_t to)
{
	const char *comma = NULL;

	for (const char *p = s->text + from; p < s->text + to; p++) {
		if (*p == ',')
			comma = p;
		else if (comma != NULL && p[0] == ' ' && p[1] == '-' &&
			 p[2] == ' ')
			return true;
	}
	return false;
}

/* entry_possible: is allergy item k an allergy list's entry that calls
 * itself a possible allergy before any other drug ("Tramadol: made him
 * feel odd in 2024 (possible allergy)", "Tramadol: made him \"feel odd
 * and sweaty\" in 2024; he is unsure whether this was an allergy -
 * recorded as possible")?  The writer doubts the entry (allergy75dg). */
static bool
entry_possible(const sentence *s, size_t k)
{
	if (!(s->allergy_list || s->allergy_line))
		return false;
	for (size_t m = k + 1; m < s->n_items; m++) {
		if (is_drug(&s->items[m]) ||
		    next_entry_between(s, s->items[k].end, s->items[m].start))
			return false;
		if (possible_entry_word(s, m))
			return true;
	}
	return false;
}

/* listed_before_query: does a list's comma (",", "，", "、") part drug
 * item it from the query q after it ("aspirin, ?penicillin", "Aspirin、
 * ?Penicillin")?  The query opens the next entry; a dash or a bracket
 * ("Cefuroxime — ? same 2008 event", "METOCLOPRAMIDE (probable)") tells
 * the drug's own. */
static bool
listed_before_query(const sentence *s, const item *it, const item *q)
{
	static const char *const commas[] = {",", "\xef\xbc\x8c",
					     "\xe3\x80\x81"};
	size_t len = q->start - it->end;

	for (size_t i = 0; i < sizeof(commas) / sizeof(*commas); i++)
		if (memmem(s->text + it->end, len, commas[i],
			   strlen(commas[i])) != NULL)
			return true;
	return false;
}

bool
notes__doubted(const sentence *s, size_t k, const item *reaction)
{
	const item *it = &s->items[k];

	/* "?SJS secondary to lamotrigine": the effect laid on it, doubted */
	if (reaction != NULL && reaction < it && reaction->start > 0 &&
	    s->text[reaction->start - 1] == '?')
		return true;
	/* "Codeine - anaphylaxis?? (pt says ...)": the entry's reaction
	 * queried (a reason far along the sentence is another story) */
	if (reaction != NULL && reaction > it && reaction->w0 <= it->w1 + 2 &&
	    s->text[reaction->end] == '?')
		return true;
	if (queried_after(s, it))
		return true;
	/* a query written after the drug, no comma between: "aspirin,
	 * ?penicillin" queries the penicillin alone (allergy75ii) */
	if (s->text[it->end] == '?' ||
	    (k + 1 < s->n_items &&
	     s->items[k + 1].e->type == NOTES_T_UNCERTAIN &&
	     s->items[k + 1].w0 == it->w1 &&
	     !listed_before_query(s, it, &s->items[k + 1])))
		return true;
	for (size_t m = k + 1; reaction && m < s->n_items; m++) {
		if (&s->items[m] >= reaction)
			break;
		if (s->items[m].e->type == NOTES_T_UNCERTAIN)
			return true;
	}
	return recorded_possible(s, k) || viral_queried(s, k) ||
	       entry_queried(s, k) || entry_possible(s, k);
}

/* allergen_label_zh: is Chinese class item k, a colon after it, an item
 * of an allergy list ("过敏史：\n1) 磺胺类：服用\"复方新诺明\"后出现
 * 皮疹")?  Under an allergy heading the label is the allergen, and the
 * drug after it the story of it. */
static bool
allergen_label_zh(const sentence *s, size_t k)
{
	return s->allergy_list && s->words[s->items[k].w0].han;
}

/* allergen_label_en: is class item k, a colon after it, an entry of an
 * allergy list in a non-Chinese word ("Allergies:\n- Sulfa: hives
 * (Bactrim for UTI, 2015)", "1. Sulfa drugs：2015年吃 Baktar 後 SJS")?
 * The entry names the class the patient reacts to and the drug that gave
 * it: both are allergies (allergy75ez).  A broad class ("Antibiotics:
 * ...") stays the label of its drugs. */
static bool
allergen_label_en(const sentence *s, size_t k)
{
	return s->allergy_list && !notes__broad_class(s->items[k].e->code);
}

bool
notes__labels_line(const sentence *s, size_t k)
{
	if (s->items[k].e->type != NOTES_T_CLASS || !notes__colon_after(s, k) ||
	    allergen_label_zh(s, k) || allergen_label_en(s, k))
		return false;
	/* "NOT allergic to penicillin: label removed after an amoxicillin
	 * challenge": the cue right before names the class an allergen,
	 * no label of the line (rules75en22) */
	for (size_t j = 0; j < k; j++)
		if (s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
		    s->items[j].w1 == s->items[k].w0)
			return false;
	return notes__drug_after(s, k);
}

/* cross_reference_zh: is item k the allergy a cross-reactivity is
 * weighed against, 交叉 right after it ("美罗培南与青霉素类交叉过敏风险低，
 * …可继续使用")?  The verdict speaks of the other drug, the one given. */
static bool
cross_reference_zh(const sentence *s, size_t k)
{
	return notes__words_at(s, s->items[k].w1, "交叉");
}

/* tried_since: is drug item k one taken without harm since the label
 * ("penicillin？——…但这次他自己吃 amoxicillin 3天没事 → 不视为过敏"), a
 * label's drug before it?  It is the evidence of the verdict, which
 * speaks of the label too and reaches past it (rules75zh20).  Without
 * harm is what the tolerance cues and the unharmed words say, or "no
 * reaction" in its clause: after a label's drug that is a reaction, not
 * a response to treatment. */
static bool
tried_since(const sentence *s, size_t k)
{
	static const char *const no_reaction[] = {"无反应", "没反应"};
	size_t from, to;

	if (notes__first_drug(s, k) >= k)
		return false;
	notes__clause_words(s, k, &from, &to);
	return notes__tolerated_after(s, k) != NULL ||
	       notes__unharmed_cue_zh(s, k) != NULL ||
	       notes__any_in(s, s->items[k].w1, to, no_reaction,
			     sizeof(no_reaction) / sizeof(*no_reaction));
}

/* other_allergen_zh: is an allergen outside the drug catalogue (contrast,
 * iodine, food) named between drug item k and verdict item j ("Ciproxin
 * 吃了全身起疹子；顯影劑無過敏")?  The verdict speaks of it, as after 对
 * (rules75zh28). */
static bool
other_allergen_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const other[] = {"造影剂", "造影劑", "显影剂",
					    "顯影劑", "碘剂",	"碘劑",
					    "食物",   "海鲜",	"海鮮"};

	return notes__words_any(s, s->items[k].w1, s->items[j].w0, other,
				sizeof(other) / sizeof(*other));
}

/* next_entry_zh: is Chinese drug item j written in a later entry of the
 * list than drug item k, a full-width semicolon between them ("藥物敏感：
 * Augmentin（出疹，2015）；Panadol —— 食完「胃唔舒服」，唔係過敏，其實佢
 * 一直都有食 Panadol，冇事")?  A drug taken since is the evidence of a
 * verdict on the label before it only inside that label's entry; after
 * the semicolon it opens its own, and the verdict speaks of it
 * (allergy75x). */
static bool
next_entry_zh(const sentence *s, size_t k, size_t j)
{
	uint32_t from = s->items[k].end, to = s->items[j].start;

	return from < to &&
	       memmem(s->text + from, to - from, FW_SEMI, 3) != NULL;
}

/* enumerated_zh: are drug items k and j (k < j) one enumerated Chinese
 * list, every item between a drug and each joined to the next by "、"
 * alone ("利福平、异烟肼：非过敏（见既往史），可再用")?  The verdict after
 * the list speaks of the whole list, not only of its last drug
 * (allergy75at).  The "、" makes the list Chinese, whatever script its
 * first drug is written in ("對 Penicillin、磺胺類無過敏", allergy75ly). */
static bool
enumerated_zh(const sentence *s, size_t k, size_t j)
{
	static const char *const comma[] = {ENUM_COMMA};

	for (size_t m = k; m < j; m++)
		if (!is_drug(&s->items[m + 1]) ||
		    !notes__gap_in(s, s->items[m].end, s->items[m + 1].start,
				   comma, 1))
			return false;
	return true;
}

bool
notes__allergic_person_at(const sentence *s, size_t k, size_t j)
{
	const item *cue = k + 1 < s->n_items ? &s->items[k + 1] : NULL;

	if (j <= k || cue == NULL || cue->e->type != NOTES_T_ALLERGY_CUE ||
	    cue->w1 >= s->n || !notes__words_at(s, cue->w1, "者"))
		return false;
	for (size_t m = j + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]))
			return true;
	return false;
}

bool
notes__treated_with_zh(const sentence *s, size_t m)
{
	static const char *const treated[] = {"处理", "治疗"};
	size_t w0 = s->items[m].w0, w1 = s->items[m].w1;

	return w0 >= 1 && notes__words_at(s, w0 - 1, "经") && w1 < s->n &&
	       notes__words_in(s, w1, treated, N_OF(treated));
}

const item *
notes__disowned_by(const sentence *s, size_t k)
{
	if (cross_reference_zh(s, k) || notes__treated_with_zh(s, k))
		return NULL;
	for (size_t j = k + 1; j < s->n_items; j++) {
		const notes_entry *e = s->items[j].e;

		if (notes__interaction_partner_zh(s, j))
			continue; /* the drug k is taken with: the verdict after
				   * it is the interaction's, k's ("与华法林相互
				   * 作用（不是过敏）") */
		if ((e->type == NOTES_T_SUBSTANCE ||
		     e->type == NOTES_T_CLASS) &&
		    !enumerated_zh(s, k, j) && !notes__treated_with_zh(s, j) &&
		    (!tried_since(s, j) || next_entry_zh(s, k, j)))
			return NULL;
		/* a "对" between opens what the verdict speaks of
		 * ("青霉素（皮疹）；对\"促红素\"无过敏": the hormone, not the
		 * penicillin) */
		if (e->type == NOTES_T_ALLERGY_CUE &&
		    (e->dir & NOTES_DIR_DELABEL))
			return notes__word_between(s, k, j, "对") ||
					       notes__allergic_person_at(s, k,
									 j) ||
					       other_allergen_zh(s, k, j) ||
					       notes__entry_opened_zh(
						       s->text, s->items[k].end,
						       s->items[j].start) ||
					       notes__intolerance_kept_zh(
						       s, k, s->items[j].w0)
				       ? NULL
				       : &s->items[j];
	}
	return NULL;
}

bool
notes__disowned_here(const sentence *s, size_t k)
{
	const item *cue = notes__disowned_by(s, k);

	return cue != NULL &&
	       !notes__comma_between(s, k, (size_t)(cue - s->items));
}

/* curly_quote: the length of the curly quotation mark at p (U+2018,
 * U+2019, U+201C, U+201D), 0 if none. */
static uint32_t
curly_quote(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return u[0] == 0xE2 && u[1] == 0x80 &&
			       (u[2] == 0x98 || u[2] == 0x99 || u[2] == 0x9C ||
				u[2] == 0x9D)
		       ? 3
		       : 0;
}

bool
notes__qualifies_drug(const sentence *s, size_t k)
{
	const item *before;

	if (k == 0 || s->items[k].e->type != NOTES_T_CLASS)
		return false;
	before = &s->items[k - 1];
	if ((before->e->type != NOTES_T_SUBSTANCE &&
	     before->e->type != NOTES_T_CLASS))
		return false;
	/* a quoted name qualified all the same: "\"sulfa\" antibiotic -
	 * hives" (rules75en26) */
	for (uint32_t i = before->end; i < s->items[k].start; i++) {
		uint32_t q = curly_quote(s->text + i);

		if (q > 0)
			i += q - 1;
		else if (s->text[i] != ' ' && s->text[i] != '"' &&
			 s->text[i] != '\'')
			return false;
	}
	return true;
}

bool
notes__prophylaxis_class(const sentence *s, size_t k)
{
	static const char *const use[] = {"prophylaxis", "prophylactic"};
	const item *it = &s->items[k];

	return it->e->type == NOTES_T_CLASS &&
	       ((it->w1 < s->n &&
		 notes__words_in(s, it->w1, use, sizeof(use) / sizeof(*use))) ||
		(it->w0 > 0 && notes__words_at(s, it->w0 - 1, "prophylactic")));
}

/* names_own_allergy: is drug item k followed right away by an allergy
 * cue of its own ("no known latex allergy")?  A "no" before it denies
 * that allergy; it is no order to keep the drug away.  "Other" before it
 * denies the others ("denies any other antibiotic reaction"), not it. */
static bool
names_own_allergy(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0;

	return k + 1 < s->n_items &&
	       !(w0 > 0 && notes__words_at(s, w0 - 1, "other")) &&
	       s->items[k + 1].e->type == NOTES_T_ALLERGY_CUE &&
	       !(s->items[k + 1].e->dir & NOTES_DIR_DELABEL) &&
	       s->items[k + 1].w0 == s->items[k].w1;
}

bool
notes__named_before(const sentence *s, size_t k)
{
	const char *trigger;

	if (names_own_allergy(s, k))
		return false; /* "Latex: ... no known latex allergy", "Gave
			       * penicillin; no known penicillin allergy"
			       * (rules75en27) */
	for (size_t m = 0; m < k; m++)
		if (strcmp(s->items[m].e->code, s->items[k].e->code) == 0 &&
		    is_drug(&s->items[m]) &&
		    !(notes__context(s, m, true, &trigger) &
		      (NOTES_NEGATED | NOTES_FAMILY)))
			return true; /* a relative's allergy is not hers */
	return false;
}

/* clause_start: the first word of item k's clause (after the last
 * terminator before it, ";" "but" "which" …). */
static size_t
clause_start(const sentence *s, size_t k)
{
	for (size_t m = k; m-- > 0;)
		if (s->items[m].e->type == NOTES_T_TERMINATOR &&
		    !(s->items[m].e->dir & NOTES_DIR_SCOPE_ONLY))
			return s->items[m].w1;
	return 0;
}

/* Parents as their children write them, left out of the family triggers
 * because they also name the patient or the one who tells. */
static const char *const relatives[] = {"mum",	 "mom", "mam",	"mummy",
					"mommy", "dad", "daddy"};

/* child_before: do words [from, to), before a colon, name the patient's
 * son or daughter ("Daughter (NOK) on phone: mum \"can't take codeine,
 * it makes her confused\"")?  The child tells of the parent, the
 * patient, as "says mum" does (issue 75, allergy75p). */
static bool
child_before(const sentence *s, size_t from, size_t to)
{
	static const char *const children[] = {"daughter", "son"};

	return notes__any_in(s, from, to, children, 2);
}

/* carer_acts: do the words from w, before the drug's word end, say the
 * relative gives or stops the patient's drug ("Mum stopped the Nurofen
 * because he had two nosebleeds each time", "dad gave him Calpol"), "has"
 * or "had" at most before the verb?  The relative cares for the patient,
 * whose drug and reaction they are (allergy75ep); "Mum stopped taking
 * aspirin" or "her aspirin" is her own. */
static bool
carer_acts(const sentence *s, size_t w, size_t end)
{
	static const char *const acts[] = {"stopped", "stops",	  "gave",
					   "gives",   "withheld", "started",
					   "starts"};
	static const char *const own[] = {"taking", "using", "her", "his"};

	if (w + 1 < end &&
	    (notes__words_at(s, w, "has") || notes__words_at(s, w, "had")))
		w++;
	return w + 1 < end && notes__words_in(s, w, acts, N_OF(acts)) &&
	       !notes__words_in(s, w + 1, own, N_OF(own));
}

/* relative_stressed: is word v "herself" or "himself" stressing relative
 * word w, right after it or after the relative's name in brackets ("Mam
 * herself is allergic to penicillin", "Mum (Ana) herself allergic to
 * erythromycin")?  The relative's own allergy, not the patient's
 * (allergy75fu, en-dev57). */
static bool
relative_stressed(const sentence *s, size_t w, size_t v)
{
	static const char *const self[] = {"herself", "himself"};
	uint32_t from = s->words[w].end, to = s->words[v].start;

	if (!notes__words_in(s, v, self, 2))
		return false;
	if (v == w + 1)
		return true;
	while (to > from && s->text[to - 1] == ' ')
		to--;
	return to > from && s->text[to - 1] == ')' &&
	       memchr(s->text + from, '(', to - from) != NULL;
}

/* pronoun_bracketed returns the parent's word in brackets right after
 * a pronoun before item k ("Mum ... tells me that she (mum) is allergic
 * to sulfa antibiotics", en-dev79), or NULL: the writer names the parent
 * as the one the story is about, though the parent told it. */
static const char *
pronoun_bracketed(const sentence *s, size_t k)
{
	static const char *const pronoun[] = {"she", "he"};

	for (size_t v = 0; v + 1 < s->items[k].w0; v++)
		if (notes__words_in(s, v, pronoun, N_OF(pronoun)) &&
		    notes__words_in(s, v + 1, relatives, N_OF(relatives)) &&
		    notes__only_marks(s->text, s->words[v].end,
				      s->words[v + 1].start, "("))
			return s->words[v + 1].key;
	return NULL;
}

/* relative_subject returns the word of the relative that item k's clause
 * opens with as its subject ("Mom is allergic to penicillin; dad to
 * sulfa", "pt's mum has had anaphylaxis to Septrin", "It is Mum who is
 * allergic to Bactrim"), or NULL: a parent
 * named as a family word the trigger lists leave out, because "mum" and
 * "dad" also name the patient ("Mum c/o burning") or the one who tells
 * ("mum says he's allergic").  A reporting word or the patient as subject
 * between the relative and the drug makes the story the patient's. */
static const char *
relative_subject(const sentence *s, size_t k)
{
	const char *named = pronoun_bracketed(s, k);

	static const char *const patient[] = {"he",	 "she",	    "pt",
					      "patient", "they",    "him",
					      "her",	 "herself", "himself"};
	size_t w = clause_start(s, k), end = s->items[k].w0;
	size_t n_rel = sizeof(relatives) / sizeof(*relatives);

	if (named != NULL)
		return named;

	for (size_t v = w + 1; v < end; v++) /* "Also note: pt's mum …" */
		if (notes__colon_at(s->text, s->words[v - 1].end,
				    s->words[v].start)) {
			if (child_before(s, w, v))
				return NULL;
			w = v;
		}
	/* a cleft: "It is Mum who is allergic to Bactrim" (allergy75ks) */
	if (w + 2 < end && notes__words_at(s, w, "it") &&
	    (notes__words_at(s, w + 1, "is") ||
	     notes__words_at(s, w + 1, "was")))
		w += 2;
	if (w + 2 < end && notes__words_at(s, w, "pt") &&
	    notes__words_at(s, w + 1, "s"))
		w += 2;
	else if (w + 1 < end &&
		 (notes__words_at(s, w, "her") || notes__words_at(s, w, "his")))
		w++;
	if (w >= end || !notes__words_in(s, w, relatives, n_rel) ||
	    carer_acts(s, w + 1, end))
		return NULL;
	for (size_t v = w + 1; v < end; v++)
		if (notes__reporting(s, v) ||
		    (notes__words_in(s, v, patient,
				     sizeof(patient) / sizeof(*patient)) &&
		     !relative_stressed(s, w, v)))
			return NULL;
	return s->words[w].key;
}

/* Chinese relatives (simplified: a traditional word folds to them); the
 * English ones are kin.c's. */
static const char *const kin_zh[] = {"母亲", "父亲", "妈妈", "爸爸", "丈夫",
				     "妻子", "太太", "老公", "老婆", "女儿",
				     "儿子", "姐姐", "家姐", "哥哥", "弟弟",
				     "妹妹", "奶奶", "爷爷", "外婆"};

/* kin_of_sex: is word w a relative of the sex male says (kin.c)? */
static bool
kin_of_sex(const sentence *s, size_t w, bool male)
{
	const char *pronoun = notes__kin_pronoun(s, w);

	return pronoun != NULL && strcmp(pronoun, male ? "his" : "her") == 0;
}

/* kin_at: is word w a relative a writer names when the record mixed one
 * of them up with the patient (kin.c's or the cousin)? */
static bool
kin_at(const sentence *s, size_t w)
{
	return notes__kin_pronoun(s, w) != NULL ||
	       notes__words_at(s, w, "cousin");
}

/* drug_starts_at: does a drug item after item k begin at word w? */
static bool
drug_starts_at(const sentence *s, size_t k, size_t w)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (s->items[m].w0 == w && is_drug(&s->items[m]))
			return true;
	return false;
}

/* kin_corrected: does the writer, in the words after item k, give the
 * allergy back to a relative whom the record took for the patient ("pen
 * allergy?" from old hospital record, that was his cousin', 'reacted to
 * penicillin" - that's the cousin, not her', 'the achilles pain his older
 * brother got (brother not him')?  Read are "that was/that's [his|her|
 * the] RELATIVE" or "it is the RELATIVE" ("H/o sulfa drug allergy recorded
 * in old OPD card - on enquiry it is the MOTHER who is allergic",
 * allergy75df), "RELATIVE[,] not him/her" and the teller's own "had
 * that, not him" ('he can't take Cipro - tendon pain" - she had that, not
 * him', allergy75s), within twelve words and
 * with no "no", "not" or "denies" before them: a writer who denies the
 * allergy first
 * ("he is not allergic, that is his wife") has made it the patient's
 * negated one. */
static bool
kin_corrected(const sentence *s, size_t k)
{
	static const char *const det[] = {"his", "her", "the", "their"};
	static const char *const be[] = {"was", "s", "is"};
	static const char *const that[] = {"that", "it"};
	static const char *const pat[] = {"him", "her", "the patient", "pt"};
	static const char *const deny[] = {"no", "not", "denies", "denied"};
	size_t end = s->items[k].w1 + 12 < s->n ? s->items[k].w1 + 12 : s->n;

	for (size_t w = s->items[k].w1; w < end; w++) {
		size_t v = w;

		if (notes__words_in(s, w, deny, N_OF(deny)))
			return false; /* "not allergic, that is his wife" */
		if (drug_starts_at(s, k, w))
			return false; /* the later drug is the one corrected */
		/* "RELATIVE, not him", or the teller's "had that, not him" */
		if ((kin_at(s, w) ||
		     (w > 0 && notes__words_at(s, w - 1, "had") &&
		      notes__words_at(s, w, "that"))) &&
		    w + 2 < s->n && notes__words_at(s, w + 1, "not") &&
		    notes__words_in(s, w + 2, pat, 4))
			return true;
		if (!notes__words_in(s, w, that, 2) || w + 2 >= s->n ||
		    !notes__words_in(s, w + 1, be, 3))
			continue;
		v = w + 2;
		if (notes__words_in(s, v, det, 4))
			v++;
		if (v < s->n && kin_at(s, v))
			return true;
	}
	return false;
}

/* aside_follows: is word w followed by a bracket or a spaced dash, the
 * writer's aside after a verdict ("not pt (mom confused on intake form)
 * - removed from pt's list", allergy75gw)? */
static bool
aside_follows(const sentence *s, size_t w)
{
	const char *p = s->text + s->words[w].end;

	while (*p == ' ')
		p++;
	return *p == '(' || (*p == '-' && p > s->text + s->words[w].end);
}

/* not_bearing_at: do the words from w say "not relevant to him" ("not
 * applicable to pt", "not relevant to Mum": the patient as the relative
 * who told it calls her), the sentence's end or a clause's after them
 * (allergy75hy)? */
static bool
not_bearing_at(const sentence *s, size_t w)
{
	static const char *const bearing[] = {"relevant", "applicable"};
	static const char *const whom[] = {"him", "her", "pt", "mum",
					   "mom", "mam", "dad"};
	const char *after;

	if (w + 3 >= s->n || !notes__words_at(s, w, "not") ||
	    !notes__words_in(s, w + 1, bearing, N_OF(bearing)) ||
	    !notes__words_at(s, w + 2, "to") ||
	    !notes__words_in(s, w + 3, whom, N_OF(whom)))
		return false;
	after = s->text + s->words[w + 3].end;
	return w + 4 == s->n || (*after != '\0' && strchr(",;(-", *after));
}

/* named_other_at: do words w and w + 1 say "- not Euan", a dash, "not"
 * and a name (a capitalised word), then the sentence's end, a semicolon
 * or a bracket, as "not him" does with the name of the patient the
 * relative's allergy is not ("Sheena volunteers that SHE is allergic to
 * penicillin - not Euan; he has had amoxicillin ...", allergy75nk,
 * en-dev74)?  A drug there is an item after the allergy's, which
 * disowned_at_end leaves alone. */
static bool
named_other_at(const sentence *s, size_t w)
{
	const char *name, *p;

	if (w == 0 || w + 1 >= s->n || !notes__words_at(s, w, "not"))
		return false;
	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].w0 == w + 1)
			return false; /* "- not Augmentin": a drug, no name */
	name = s->text + s->words[w + 1].start;
	if (!isupper((unsigned char)name[0]) ||
	    s->words[w + 1].end - s->words[w + 1].start < 3)
		return false;
	for (p = name + 1; p < s->text + s->words[w + 1].end; p++)
		if (!islower((unsigned char)*p))
			return false;
	p = s->text + s->words[w + 1].end;
	if (w + 2 < s->n && *p != ';' && *p != '(')
		return false;
	for (p = s->text + s->words[w].start - 1;
	     p > s->text + s->words[w - 1].end && *p == ' '; p--)
		;
	return *p == '-';
}

/* disowned_tail: the word where a closing "not him" ("not her", "not
 * pt", "not relevant to him", "- not Euan") or "not the patient" ("not
 * the pt") begins, the sentence's end or an aside after it, or 0 where
 * the sentence ends otherwise. */
static size_t
disowned_tail(const sentence *s)
{
	/* "his" and "hers" too: "this is HER allergy ..., not his"
	 * (allergy75nj) */
	static const char *const pat[] = {"him", "her", "pt", "his", "hers"};
	static const char *const patient[] = {"patient", "pt"};
	size_t n = s->n;

	for (size_t w = 1; w + 2 < n; w++)
		if ((notes__words_at(s, w, "not") &&
		     notes__words_in(s, w + 1, pat, N_OF(pat)) &&
		     aside_follows(s, w + 1)) ||
		    not_bearing_at(s, w) || named_other_at(s, w))
			return w;
	if ((n >= 3 && notes__words_at(s, n - 2, "not") &&
	     notes__words_in(s, n - 1, pat, N_OF(pat))) ||
	    named_other_at(s, n - 2))
		return n - 2;
	if (n >= 4 && notes__words_at(s, n - 3, "not") &&
	    notes__words_at(s, n - 2, "the") &&
	    notes__words_in(s, n - 1, patient, 2))
		return n - 3;
	/* "not the patient's" (allergy75fu) */
	if (n >= 5 && notes__words_at(s, n - 4, "not") &&
	    notes__words_at(s, n - 3, "the") &&
	    notes__words_in(s, n - 2, patient, 2) &&
	    notes__words_at(s, n - 1, "s"))
		return n - 4;
	return 0;
}

/* disowned_at_end: does the sentence of item k end in "not him", "not
 * her" or "not the patient" ("Partner mentions he is allergic to sulfa -
 * not her.", "Leanne herself is allergic to penicillin, wanted that noted
 * - not the patient.", "Wife herself is allergic to penicillin (not
 * him)"), within twelve words after it, with no other drug and no "no" or
 * "not" between?  The writer gives the allergy told to the one who told
 * it, not to the patient (en-dev40, en-dev45, allergy75bh); "not her
 * sister" names someone else and is left to the family triggers. */
static bool
disowned_at_end(const sentence *s, size_t k)
{
	static const char *const deny[] = {"no", "not"};
	size_t tail = disowned_tail(s);

	if (tail == 0 || tail < s->items[k].w1 || tail - s->items[k].w1 > 12)
		return false;
	for (size_t w = s->items[k].w1; w < tail; w++)
		if (notes__words_in(s, w, deny, 2))
			return false; /* "not allergic, not him" */
	for (size_t m = k + 1; m < s->n_items && s->items[m].w0 < tail; m++)
		if (is_drug(&s->items[m]))
			return false; /* the later drug is the one disowned */
	return true;
}

/* People a note names beside the patient whom no family trigger lists:
 * a cousin, a partner, someone the patient lives with or who cares for
 * them (English), and a spouse, cousin or partner as Chinese writes them
 * (simplified: a traditional word folds to them). */
static const char *const others_en[] = {
	"cousin",  "partner",	"flatmate",   "housemate", "roommate",
	"carer",   "caregiver", "fiance",     "fiancee",   "fiancé",
	"fiancée", "boyfriend", "girlfriend", "husband",   "wife"};
static const char *const others_zh[] = {
	"丈夫", "妻子",	  "老公",   "老婆",   "老伴",	"爱人", "对象", "媳妇",
	"太太", "表哥",	  "表姐",   "表弟",   "表妹",	"堂哥", "堂姐", "堂弟",
	"堂妹", "男朋友", "女朋友", "未婚夫", "未婚妻", "婆婆", "公公", "岳母",
	"岳父", "女婿",	  "儿媳",   "配偶",   "伴侣"};

/* Words with which a person tells of their own allergy. */
static const char *const self_told_zh[] = {"自述", "自诉", "自称"};

/* ASIDE_WORDS: the most words of an aside between a person and what is
 * said of them ("患者丈夫（同时就诊）对青霉素过敏"). */
#define ASIDE_WORDS 8

/* gap_holds: is mark written in the gap before word w (after word w - 1,
 * or from the sentence's start)? */
static bool
gap_holds(const sentence *s, size_t w, const char *mark)
{
	uint32_t from = w > 0 ? s->words[w - 1].end : 0;

	return memmem(s->text + from, s->words[w].start - from, mark,
		      strlen(mark)) != NULL;
}

/* aside_opened_at: the first word of the bracketed aside that closes in
 * the gap before word w ("（同时就诊）对"), at most ASIDE_WORDS words back;
 * w if none. */
static size_t
aside_opened_at(const sentence *s, size_t w)
{
	if (w == 0 || !(gap_holds(s, w, "）") || gap_holds(s, w, ")")))
		return w;
	for (size_t j = w - 1; j + ASIDE_WORDS >= w; j--) {
		if (gap_holds(s, j, "（") || gap_holds(s, j, "("))
			return j;
		if (j == 0)
			break;
	}
	return w;
}

/* other_before_zh: does a word of others_zh end right before word w, a
 * bracket at most between ("家属（妻子）对头孢过敏"), or before the
 * bracketed aside that ends there ("患者丈夫（同时就诊）对青霉素过敏",
 * allergy75fr, zh-dev57)? */
static bool
other_before_zh(const sentence *s, size_t w)
{
	size_t aside = aside_opened_at(s, w);

	if (aside < w &&
	    notes__words_end_at(s, aside, others_zh,
				sizeof(others_zh) / sizeof(*others_zh)))
		return true;
	if (w > 0 && !s->words[w - 1].han &&
	    (unsigned char)s->words[w - 1].key[0] >= 0x80)
		w--; /* a full-width bracket */
	return notes__words_end_at(s, w, others_zh,
				   sizeof(others_zh) / sizeof(*others_zh));
}

/* other_subject: is item k the allergy of someone beside the patient whom
 * the family triggers leave out, the subject right before it ("his cousin
 * is allergic to penicillin", "Mum says his cousin is allergic to
 * \"penicillin\"", "the cousin who \"reacted to penicillin\"", "丈夫对
 * 青霉素过敏")?  Only words of the predicate may stand between the person
 * and the drug: a reporting word or the patient ("partner says she is
 * allergic to") makes the story the patient's. */
static bool
other_subject(const sentence *s, size_t k)
{
	static const char *const pred[] = {
		"is",  "was",	  "s",	      "also",	    "allergic",	 "to",
		"who", "reacted", "reacts",   "has",	    "had",	 "an",
		"a",   "allergy", "reaction", "intolerant", "sensitive", "too"};
	static const char *const also_zh[] = {"也", "亦", "还", "都"};
	size_t w = s->items[k].w0, from = clause_start(s, k);

	if (w > 0 && s->words[w - 1].han) {
		if (!notes__words_at(s, w - 1, "对"))
			return false;
		w--;
		if (w > 0 && notes__words_in(s, w - 1, also_zh, 4))
			w--;
		/* the person who tells of their own allergy ("丈夫自述对
		 * \"头孢\"过敏", allergy75lv) */
		if (notes__words_end_at(s, w, self_told_zh, N_OF(self_told_zh)))
			w -= 2;
		return other_before_zh(s, w);
	}
	while (w > from &&
	       notes__words_in(s, w - 1, pred, sizeof(pred) / sizeof(*pred)))
		w--;
	/* "ALLERGIES (per wife): penicillin" names who told the list
	 * (allergy75ln) */
	return w > from &&
	       notes__words_in(s, w - 1, others_en,
			       sizeof(others_en) / sizeof(*others_en)) &&
	       !(w >= 2 && (notes__words_at(s, w - 2, "per") ||
			    notes__words_at(s, w - 2, "from")));
}

/* self_stressed: is word v the pronoun she (he after a male relative)
 * stressed as the teller's own self, "she herself" or "SHE"? */
static bool
self_stressed(const sentence *s, size_t v, bool male)
{
	const char *pro = male ? "he" : "she";
	size_t len = strlen(pro);

	if (!notes__words_at(s, v, pro))
		return false;
	if (v + 1 < s->n &&
	    notes__words_at(s, v + 1, male ? "himself" : "herself"))
		return true;
	return strncmp(s->text + s->words[v].start, male ? "HE" : "SHE", len) ==
	       0;
}

/* self_after: is item k followed at once by a reflexive, "she" or "he"
 * of its sex before it in the sentence and no "pt" or "patient" before it
 * ("Wife says she is allergic to penicillin herself", "She asked that we
 * note she is allergic to aspirin herself", "He is allergic to
 * penicillin himself")?  The stress sets the teller's own allergy apart
 * from the patient's (allergy75de). */
static bool
self_after(const sentence *s, size_t k)
{
	static const char *const pt[] = {"pt", "patient"};
	size_t after = s->items[k].w1, w = s->items[k].w0;
	bool male;

	if (after >= s->n)
		return false;
	if (notes__words_at(s, after, "himself"))
		male = true;
	else if (notes__words_at(s, after, "herself"))
		male = false;
	else
		return false;
	/* "Patient says she is allergic to penicillin herself": the
	 * patient's own */
	if (notes__words_any(s, 0, w, pt, 2))
		return false;
	/* the relative named instead of the pronoun: "Nana (who looks
	 * after him) is allergic to penicillin herself" (allergy75ed) */
	while (w-- > 0)
		if (notes__words_at(s, w, male ? "he" : "she") ||
		    kin_of_sex(s, w, male))
			return true;
	return false;
}

/* KIN_TOLD_BYTES: how far back on its line a stressed pronoun's relative
 * may be named. */
#define KIN_TOLD_BYTES 240

/* kin_named_before: are a relative of the pronoun's sex (kin.c's, a man
 * when male, else a woman) and a pronoun of the other sex, the patient's
 * ("mother says he is allergic"), words of s's line before s, within
 * KIN_TOLD_BYTES?  "Her sister is allergic to penicillin. She herself is
 * not" stresses the patient. */
static bool
kin_named_before(const sentence *s, bool male)
{
	static const char *const his[] = {"he", "him", "his"};
	static const char *const hers[] = {"she", "her", "hers"};
	uint32_t to = s->words[0].start, from = to, w;
	bool kin_seen = false, patient_seen = false;
	const char *pronoun;
	char word[16];

	while (from > 0 && s->text[from - 1] != '\n' &&
	       to - from < KIN_TOLD_BYTES)
		from--;
	for (uint32_t i = from; i < to;) {
		if (!isalpha((unsigned char)s->text[i])) {
			i++;
			continue;
		}
		for (w = 0; i < to && isalpha((unsigned char)s->text[i]); i++)
			if (w + 1 < sizeof(word))
				word[w++] = (char)tolower(
					(unsigned char)s->text[i]);
		word[w] = '\0';
		kin_seen = kin_seen ||
			   ((pronoun = notes__kin_word_pronoun(word)) != NULL &&
			    strcmp(pronoun, male ? "his" : "her") == 0);
		patient_seen = patient_seen ||
			       notes__among(word, male ? hers : his, 3);
	}
	return kin_seen && patient_seen;
}

/* pronoun_stressed_after_kin: does s open with "She herself" or "He
 * himself" and a relative of that sex named before it on its line
 * ("mother says he is allergic to \"Septrin\" ... She herself reacts to
 * penicillin", allergy75fz)?  The stress sets the relative who told apart
 * from the patient: the allergy is hers. */
static bool
pronoun_stressed_after_kin(const sentence *s)
{
	bool male = notes__words_at(s, 0, "he");

	if (s->n < 3 || (!male && !notes__words_at(s, 0, "she")) ||
	    !notes__words_at(s, 1, male ? "himself" : "herself"))
		return false;
	return kin_named_before(s, male);
}

/* teller_own: is item k the relative's own allergy, told by the relative
 * who stresses it is hers ('Mom adds that SHE is allergic to codeine',
 * 'Mum (here with her) says she herself is allergic to penicillin',
 * 'Wife says she is allergic to penicillin herself', '母親表示自己對
 * Septrin 過敏')?  The relative comes first in the
 * sentence, the stressed pronoun of its sex (自己 within five characters
 * of a Chinese one) in the drug's clause, with no "pt" or "patient"
 * between the relative and the pronoun ("pt's mum has had anaphylaxis to
 * Septrin - pt asked if she herself should avoid it": the patient). */
static bool
teller_own(const sentence *s, size_t k)
{
	static const char *const pt[] = {"pt", "patient"};
	size_t end = s->items[k].w0, n_zh = sizeof(kin_zh) / sizeof(*kin_zh);
	size_t from = clause_start(s, k);

	for (size_t w = 0; w < end; w++) {
		bool she = kin_of_sex(s, w, false);
		bool he = kin_of_sex(s, w, true);

		if (notes__words_in(s, w, kin_zh, n_zh)) {
			for (size_t v = w + 2; v < end && v <= w + 7; v++)
				if (v >= from && notes__words_at(s, v, "自己"))
					return true;
			continue;
		}
		/* "Mum herself is allergic to codeine" (allergy75ed) */
		if ((she || he) && w >= from && w + 1 < end &&
		    notes__words_at(s, w + 1, he ? "himself" : "herself"))
			return true;
		for (size_t v = w + 1; (she || he) && v < end; v++) {
			if (notes__words_in(s, v, pt, 2))
				break; /* "pt asked if she herself …" */
			if (v >= from && self_stressed(s, v, he))
				return true;
		}
	}
	return self_after(s, k) || pronoun_stressed_after_kin(s);
}

/* row_doubted: is item k on a table's row ("|" between cells) with a
 * cell that holds only "?" ("\"sulfa\" | unknown | ? | old chart")?  The
 * row's Type column doubts the allergy. */
static bool
row_doubted(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p, *cell = NULL;

	while (line > text && line[-1] != '\n')
		line--;
	for (p = line; *p != '\0' && *p != '\n'; p++) {
		if (*p != '|')
			continue;
		if (cell != NULL &&
		    notes__only_marks(text, (uint32_t)(cell - text),
				      (uint32_t)(p - text), "?") &&
		    memchr(cell, '?', (size_t)(p - cell)) != NULL)
			return true;
		cell = p + 1;
	}
	return false;
}

/* cell_says: is text [from, to) one of words, spaces around it? */
static bool
cell_says(const char *from, const char *to, const char *const *words, size_t n)
{
	while (from < to && *from == ' ')
		from++;
	while (to > from && to[-1] == ' ')
		to--;
	for (size_t i = 0; i < n; i++)
		if ((size_t)(to - from) == strlen(words[i]) &&
		    strncasecmp(from, words[i], (size_t)(to - from)) == 0)
			return true;
	return false;
}

/* row_cell_says: is item k on a table's row ("|" between cells) with a
 * cell after the first, its last too, that is only one of words? */
static bool
row_cell_says(const sentence *s, size_t k, const char *const *words, size_t n)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p, *cell = NULL;

	while (line > text && line[-1] != '\n')
		line--;
	for (p = line;; p++) {
		if (*p != '|' && *p != '\0' && *p != '\n')
			continue;
		if (cell != NULL && cell_says(cell, p, words, n))
			return true;
		if (*p != '|')
			return false;
		cell = p + 1;
	}
}

/* row_doubt_word: is item k on a table's row with a cell that is only a
 * word of doubt ("Ciprofloxacin | some antibiotic gave diarrhoea | niece |
 * UNCERTAIN")?  The row's certainty column doubts the allergy, as a "?"
 * cell does. */
static bool
row_doubt_word(const sentence *s, size_t k)
{
	static const char *const doubt[] = {"uncertain", "unsure",
					    "unconfirmed", "possible", "query"};

	return row_cell_says(s, k, doubt, sizeof(doubt) / sizeof(*doubt));
}

/* row_tolerated_zh: is item k on a table's row with a cell that is only
 * the verdict tolerated ("别嘌醇 | 无 | 耐受")?  The row's judgement column
 * says the drug is no allergy, as "tolerated" after it does. */
static bool
row_tolerated_zh(const sentence *s, size_t k)
{
	static const char *const tolerated[] = {"耐受", "可耐受", "耐受良好"};

	return row_cell_says(s, k, tolerated,
			     sizeof(tolerated) / sizeof(*tolerated));
}

bool
notes__declined_in_list(const sentence *s, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		const notes_entry *t = s->items[j].e;

		if (t->type == NOTES_T_NEGATED &&
		    (strncmp(t->key, "declin", 6) == 0 ||
		     strncmp(t->key, "refus", 5) == 0) &&
		    !notes__scope_ends(s, j, k))
			return true;
	}
	return false;
}

/* quote_close returns where the ASCII double quote that item k sits in
 * closes (the byte after it), or 0 when k is outside quotes on its line
 * or the quote does not close there. */
static uint32_t
quote_close(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p;
	bool open = false;

	while (line > text && line[-1] != '\n')
		line--;
	for (const char *q = line; q < p; q++)
		if (*q == '"')
			open = !open;
	if (!open)
		return 0;
	for (p = text + s->items[k].end; *p != '\0' && *p != '\n'; p++)
		if (*p == '"')
			return (uint32_t)(p + 1 - text);
	return 0;
}

/* QUOTE_LABEL_WORDS: the most words between a patient's quoted words and
 * the writer's label of them ("- documented intolerance"). */
#define QUOTE_LABEL_WORDS 1

bool
notes__quote_labelled(const sentence *s, size_t k)
{
	uint32_t close = quote_close(s, k);
	size_t m = k + 1;

	if (close == 0)
		return false;
	for (; m < s->n_items && s->items[m].start < close; m++)
		if (is_drug(&s->items[m]))
			return false;
	for (size_t d = k; d-- > 0 && quote_close(s, d) == close;)
		if (is_drug(&s->items[d]))
			return false;
	if (m == s->n_items || s->items[m].e->type != NOTES_T_ALLERGY_CUE ||
	    (unsigned char)s->items[m].e->key[0] >= 0x80)
		return false;
	for (size_t w = 0; w < s->n; w++)
		if (s->words[w].start >= close)
			return s->items[m].w0 - w <= QUOTE_LABEL_WORDS;
	return false;
}

/* tolerated_next: is item k followed right away by "tolerated" ("NSAIDs
 * (angioedema) - celecoxib tolerated"), or by drugs joined to it that
 * are ("meropenem and ceftriaxone tolerated", allergy75dv)?  The drug is
 * the exception the patient takes without harm, no allergy of theirs. */
static bool
tolerated_next(const sentence *s, size_t k)
{
	static const char *const joins[] = {"and", ",", "&", "+"};
	size_t last = k, w;

	while (last + 1 < s->n_items && is_drug(&s->items[last + 1]) &&
	       notes__gap_in(s, s->items[last].end, s->items[last + 1].start,
			     joins, N_OF(joins)))
		last++;
	w = s->items[last].w1;
	return w < s->n && notes__words_at(s, w, "tolerated");
}

/* looked_for: is allergy item k what the writer means to look for, a
 * check's words right before it ("Check for latex allergy before
 * catheter", "ask about any penicillin allergy", allergy75dw)?  Nothing
 * is found yet: the allergy is one the plan asks about. */
static bool
looked_for(const sentence *s, size_t k)
{
	static const char *const check[] = {"check for",  "check for any",
					    "screen for", "screen for any",
					    "ask about",  "ask about any"};

	return notes__phrase_before(s, s->items[k].w0, check, N_OF(check)) > 0;
}

void
notes__allergy_context_en6(const sentence *s, size_t k, notes_finding *f)
{
	const char *relative;

	if (f->kind != NOTES_ALLERGY)
		return;
	if (tolerated_next(s, k) || row_tolerated_zh(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "tolerated";
		return;
	}
	if (f->context == 0 && looked_for(s, k)) {
		f->context = NOTES_HYPOTHETICAL;
		f->trigger = "check for";
		return;
	}
	if ((row_doubted(s, k) || row_doubt_word(s, k)) &&
	    !(f->context & NOTES_UNCERTAIN)) {
		if (f->context == 0)
			f->trigger = "?";
		f->context |= NOTES_UNCERTAIN;
	}
	if (f->context & NOTES_FAMILY)
		return;
	if (!(f->context & NOTES_NEGATED) &&
	    (kin_corrected(s, k) || disowned_at_end(s, k)))
		relative = "not him";
	else if (teller_own(s, k))
		relative = "herself";
	else if (other_subject(s, k))
		relative = "someone else";
	else if ((relative = relative_subject(s, k)) == NULL)
		return;
	if (f->context == 0)
		f->trigger = relative;
	f->context |= NOTES_FAMILY;
}

bool
notes__hyphen_free(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;
	uint32_t end = s->items[k].end;

	return w < s->n && notes__words_at(s, w, "free") &&
	       s->words[w].start == end + 1 && s->text[end] == '-';
}

/* named_phrase: is drug item d written after a determiner ("the
 * lisinopril angioedema", "his ACEi cough") or after "after" or
 * "following" ("ARB after ACEi angioedema")?  The noun phrase names
 * that drug's reaction. */
static bool
named_phrase(const sentence *s, size_t d)
{
	static const char *const det[] = {"the",  "his",  "her",   "their",
					  "this", "that", "after", "following"};
	size_t w = s->items[d].w0;

	return w > 0 &&
	       notes__words_in(s, w - 1, det, sizeof(det) / sizeof(*det));
}

/* clause_apart_zh: are Chinese items a < b in clauses of their own, a
 * full-width comma or a terminator between them? */
static bool
clause_apart_zh(const sentence *s, size_t a, size_t b)
{
	return notes__comma_between(s, a, b) || notes__terminated(s, a, b);
}

/* owned_in_clause_zh: is Chinese reaction item j, in a clause before
 * drug item k's, told of a drug before it in its own clause ("头孢过敏史
 * 为皮疹+胸闷，碳青霉烯交叉过敏率低")?  The rash is the cephalosporin's,
 * not the carbapenem's of the next clause (rules75zh18).  A drug after
 * 对 opens a statement of its own reaction ("对喹诺酮类药物（环丙沙星）肌
 * 腱痛"), which may be one no list holds: it is left as it was. */
static bool
owned_in_clause_zh(const sentence *s, size_t j, size_t k)
{
	size_t w0 = s->items[k].w0;

	if (j >= k || !s->words[s->items[j].w0].han ||
	    !clause_apart_zh(s, j, k) ||
	    (w0 > 0 && notes__words_at(s, w0 - 1, "对")))
		return false;
	for (size_t i = j; i-- > 0;) {
		if (clause_apart_zh(s, i, j))
			return false;
		if (is_drug(&s->items[i]))
			return true;
	}
	return false;
}

bool
notes__reaction_owned(const sentence *s, size_t k, const item *r)
{
	size_t j = (size_t)(r - s->items);

	if (r != NULL && owned_in_clause_zh(s, j, k))
		return true;
	/* after k, told as the effect of a drug after k: "gout (febuxostat
	 * 40 - allopurinol caused rash 2021, stopped)" (rules75en26) */
	if (r != NULL && j >= 2 && j - 2 > k && notes__caused_by(s, j - 2) == r)
		return true;
	if (r == NULL || j == 0 || !is_drug(&s->items[j - 1]) ||
	    s->items[j - 1].w1 != r->w0)
		return false;
	/* after k: "Candesartan - the lisinopril angioedema means an ARB is
	 * used with caution" (rules75en14) */
	return j < k || (j - 1 > k && named_phrase(s, j - 1));
}

bool
notes__relative_at(const sentence *s, size_t w)
{
	for (size_t k = 0; k < s->n_items; k++)
		if (s->items[k].w0 == w &&
		    s->items[k].e->type == NOTES_T_FAMILY)
			return true;
	return notes__words_in(s, w, relatives,
			       sizeof(relatives) / sizeof(*relatives));
}

/* Words that tell a drug right after them as one the patient was given
 * or takes ("(on sertraline 100 mg)", "(mom received clindamycin in
 * labor)"). */
static const char *const given_words[] = {"on",	   "received", "receiving",
					  "given", "taking",   "takes",
					  "uses",  "using"};

/* aside_of: the parenthesis on item k's line that holds it: *open at
 * its "(", *close at its ")"; false when the item is in none. */
static bool
aside_of(const sentence *s, size_t k, const char **open, const char **close)
{
	const char *text = s->text, *p = text + s->items[k].start;

	while (p > text && p[-1] != '(' && p[-1] != ')' && p[-1] != '\n')
		p--;
	if (p == text || p[-1] != '(')
		return false;
	*open = p - 1;
	for (p = text + s->items[k].end; *p != '\0' && *p != '\n'; p++)
		if (*p == '(' || *p == ')')
			break;
	*close = p;
	return *p == ')';
}

/* comma_between: is there a comma or a semicolon from text offset a up
 * to b? */
static bool
comma_between(const sentence *s, size_t a, size_t b)
{
	return a < b && strcspn(s->text + a, ",;") < b - a;
}

/* says_reaction: does drug item k's parenthesis, from open to close,
 * name a problem or a drug before it in its clause ("(cough on
 * lisinopril": the effect it had; not "(mild asthma, uses Ventolin)",
 * where the problem is what the drug is for), or an allergy cue or a
 * reaction anywhere? */
static bool
says_reaction(const sentence *s, size_t k, const char *open, const char *close)
{
	for (size_t j = 0; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (j == k || s->text + it->start < open ||
		    s->text + it->end > close)
			continue;
		if (it->e->type == NOTES_T_REACTION ||
		    it->e->type == NOTES_T_ALLERGY_CUE ||
		    (j < k && (it->e->type == NOTES_T_PROBLEM || is_drug(it)) &&
		     !comma_between(s, it->end, s->items[k].start)))
			return true;
	}
	return false;
}

bool
notes__given_aside(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;
	const char *open, *close;

	if (w == 0 || s->words[w - 1].han ||
	    !notes__words_in(s, w - 1, given_words,
			     sizeof(given_words) / sizeof(*given_words)) ||
	    !aside_of(s, k, &open, &close) ||
	    s->text + s->words[w - 1].start < open)
		return false;
	return !says_reaction(s, k, open, close);
}

/* Words before "allergies:" that make the line a relative's list
 * ("Maternal allergies: PCN - anaphylaxis"). */
static const char *const kin_words[] = {"maternal", "paternal"};

/* kin_line: does s open its line with a relative's word and then an
 * allergy cue and a colon? */
static bool
kin_line(const sentence *s)
{
	return s->n_items > 0 && s->items[0].w0 == 1 &&
	       s->items[0].e->type == NOTES_T_ALLERGY_CUE &&
	       notes__words_in(s, 0, kin_words,
			       sizeof(kin_words) / sizeof(*kin_words)) &&
	       notes__colon_after(s, 0) && notes__line_lead(s) != NULL;
}

/* ROW_NOTE_BYTES: the most of a table row's comment read, its
 * continuation lines' included. */
#define ROW_NOTE_BYTES 512

/* last_cell: the last cell of the table line at line: [*from, *to);
 * false when the line is no table row. */
static bool
last_cell(const char *line, const char **from, const char **to)
{
	const char *end = line, *p;

	while (*end != '\0' && *end != '\n')
		end++;
	while (end > line && end[-1] == ' ')
		end--;
	if (end == line || end[-1] != '|')
		return false;
	for (p = end - 1; p > line && p[-1] != '|'; p--)
		;
	if (p == line)
		return false;
	*from = p;
	*to = end - 1;
	return true;
}

/* row_goes_on: is the line at line a table row whose first cell is
 * blank, the row above's text going on? */
static bool
row_goes_on(const char *line)
{
	while (*line == ' ')
		line++;
	if (*line++ != '|')
		return false;
	while (*line == ' ')
		line++;
	return *line == '|';
}

/* append_folded adds [from, to) to buf, lower case, runs of spaces as
 * one. */
static void
append_folded(char *buf, size_t *n, const char *from, const char *to)
{
	for (; from < to && *n + 1 < ROW_NOTE_BYTES; from++) {
		char c = (char)tolower((unsigned char)*from);

		if (c == ' ' && *n > 0 && buf[*n - 1] == ' ')
			continue;
		buf[(*n)++] = c;
	}
	if (*n + 1 < ROW_NOTE_BYTES && *n > 0 && buf[*n - 1] != ' ')
		buf[(*n)++] = ' ';
	buf[*n] = '\0';
}

/* row_disowned: is item k on a table row whose comment, its blank-
 * cornered continuation lines included, says "not an allergy" ("|
 * Nitrofurantoin | \"?\" | ... with no problem. Not an |" then "| | |
 * allergy - GP asked to remove the entry. |")?  The row's own verdict
 * removes the label. */
static bool
row_disowned(const sentence *s, size_t k)
{
	char buf[ROW_NOTE_BYTES];
	size_t n = 0;
	const char *line = s->text + s->items[k].start, *from, *to;

	while (line > s->text && line[-1] != '\n')
		line--;
	buf[0] = '\0';
	for (bool first = true; last_cell(line, &from, &to); first = false) {
		if (!first && !row_goes_on(line))
			break;
		append_folded(buf, &n, from, to);
		line = strchr(line, '\n');
		if (line == NULL)
			break;
		line++;
	}
	return strstr(buf, "not an allergy") != NULL ||
	       strstr(buf, "not a true allergy") != NULL;
}

void
notes__allergy_context_en10(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_ALLERGY && !(f->context & NOTES_NEGATED) &&
	    row_disowned(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "not an allergy";
	}
	if (kin_line(s)) {
		f->context = NOTES_FAMILY;
		f->trigger = s->words[0].key;
	}
}

bool
notes__class_anaphor(const sentence *s, size_t k)
{
	static const char *const pointing[] = {"the", "this", "that"};
	size_t w = s->items[k].w0;

	if (s->items[k].e->type != NOTES_T_CLASS || w == 0 ||
	    s->words[w - 1].han ||
	    !notes__words_in(s, w - 1, pointing,
			     sizeof(pointing) / sizeof(*pointing)))
		return false;
	for (size_t m = k + 1; m < s->n_items; m++)
		if (s->items[m].e->type == NOTES_T_SUBSTANCE &&
		    notes__member_of(s->items[m].e->code, s->items[k].e->code))
			return true;
	return false;
}

/* all_avoided_zh: does the class item k's clause go on, a few words
 * after it, with 都不用 or the like ("头孢曲松后全身起红疹，之后\"头孢的都
 * 不用\"", allergy75pt, zh-dev77)?  The whole class is kept away. */
static bool
all_avoided_zh(const sentence *s, size_t k)
{
	static const char *const none[] = {"都不用",   "都不能用", "均不用",
					   "一律不用", "都不要用", "都不给"};
	size_t w = s->items[k].w1, end = w + 3 < s->n ? w + 3 : s->n;

	return s->words[s->items[k].w0].han &&
	       notes__words_any(s, w, end, none, N_OF(none));
}

bool
notes__class_extended(const sentence *s, size_t k)
{
	size_t w = s->items[k].w1;
	bool avoided = (w < s->n && notes__words_at(s, w, "avoided")) ||
		       all_avoided_zh(s, k);

	if (s->items[k].e->type != NOTES_T_CLASS)
		return false;
	for (size_t j = 0; j < k && !avoided; j++)
		avoided = strcmp(s->items[j].e->key, "avoid") == 0 &&
			  !notes__scope_ends(s, j, k);
	for (size_t j = 0; j < k && avoided; j++)
		if (s->items[j].e->type == NOTES_T_SUBSTANCE &&
		    notes__member_of(s->items[j].e->code,
				     s->items[k].e->code) &&
		    (notes__reaction_of(s, j, true) != NULL ||
		     s->allergy_list || notes__on_allergy_line(s, j) ||
		     notes__allergy_cued(s, j)))
			return true;
	return false;
}

/* entry_class_avoided: is the class after avoid item j the one an
 * allergy list's entry says to avoid after its reaction, no drug the
 * catalogue knows named before ("- Ponstan - facial swelling 2020 ->
 * advised to avoid all NSAIDs", allergy75kc)?  The culprit is outside the
 * catalogue; the class avoided is the entry's allergy. */
static bool
entry_class_avoided(const sentence *s, size_t j)
{
	bool reacted = false;

	if (!s->allergy_list)
		return false;
	for (size_t m = 0; m < j; m++) {
		if (is_drug(&s->items[m]))
			return false;
		reacted |= s->items[m].e->type == NOTES_T_REACTION;
	}
	return reacted;
}

bool
notes__class_avoided(const sentence *s, size_t k)
{
	if (s->items[k].e->type != NOTES_T_CLASS || notes__class_extended(s, k))
		return false;
	for (size_t j = 0; j < k; j++)
		if (strcmp(s->items[j].e->key, "avoid") == 0 &&
		    !notes__scope_ends(s, j, k))
			return !notes__allergy_cued(s, k) &&
			       notes__reaction_of(s, k, true) == NULL &&
			       !entry_class_avoided(s, j);
	return false;
}

bool
notes__queried_at(const char *text, size_t len, size_t i)
{
	while (i < len && text[i] == ' ')
		i++;
	return (i < len && text[i] == '?') ||
	       (i + 3 <= len && memcmp(text + i, "\xef\xbc\x9f", 3) == 0);
}

/* exact_has: is phrase written in the note's first len bytes as it is
 * (an acronym, Chinese), not queried, an acronym standing as a word? */
static bool
exact_has(const char *text, size_t len, const char *phrase, bool acronym)
{
	size_t n = strlen(phrase);

	for (const char *p = memmem(text, len, phrase, n); p != NULL;
	     p = memmem(p + 1, len - (size_t)(p + 1 - text), phrase, n)) {
		size_t i = (size_t)(p - text);

		if (acronym &&
		    ((i > 0 && isalpha((unsigned char)text[i - 1])) ||
		     (i + n < len && isalpha((unsigned char)text[i + n]))))
			continue;
		if (!notes__queried_at(text, len, i + n))
			return true;
	}
	return false;
}

/* text_has: is phrase written in the note's first len bytes, letters in
 * any case, and not queried?  An upper-case acronym ("NERD") must stand
 * as a word.  The note is read whole, once per class mention: phrases
 * written one way are found with memmem, and a byte that cannot open an
 * English phrase is passed over before any comparison. */
static bool
text_has(const char *text, size_t len, const char *phrase)
{
	size_t n = strlen(phrase);
	bool acronym = isupper((unsigned char)phrase[0]) &&
		       isupper((unsigned char)phrase[n - 1]);
	int first = tolower((unsigned char)phrase[0]);
	int second = tolower((unsigned char)phrase[1]);

	if (acronym || (unsigned char)phrase[0] >= 0x80)
		return exact_has(text, len, phrase, acronym);
	/* the second byte too before the call: the first letters of the
	 * disease's names ('a', 'e', 's') open many words of a note */
	for (size_t i = 0; i + n <= len; i++)
		if (tolower((unsigned char)text[i]) == first &&
		    (n < 2 || tolower((unsigned char)text[i + 1]) == second) &&
		    strncasecmp(text + i, phrase, n) == 0 &&
		    !notes__queried_at(text, len, i + n))
			return true;
	return false;
}

/* nsaid_disease_named: does the note name NSAID- or aspirin-exacerbated
 * respiratory disease (NERD, AERD, Samter's triad, aspirin-induced
 * asthma, 阿司匹林加重性呼吸系统疾病)?  The disease is a hypersensitivity
 * to the whole class: every COX-1 inhibitor sets it off, whichever drug
 * the patient reacted to. */
static bool
nsaid_disease_named(const sentence *s)
{
	static const char *const names[] = {"exacerbated respiratory disease",
					    "NERD",
					    "AERD",
					    "Samter",
					    "aspirin-induced asthma",
					    "aspirin induced asthma",
					    "aspirin-sensitive asthma",
					    "aspirin sensitive asthma",
					    "加重性呼吸",
					    "阿司匹林哮喘",
					    "阿司匹林诱发哮喘",
					    "阿司匹林诱发的哮喘",
					    "阿斯匹靈誘發氣喘",
					    "阿斯匹林誘發氣喘"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (text_has(s->text, s->text_len, names[i]))
			return true;
	return false;
}

bool
notes__class_kept_for_nerd(const sentence *s, size_t k)
{
	static const char *const avoid[] = {"avoid", "avoided", "避免", "禁用",
					    "忌用"};
	size_t from, to;

	if (s->items[k].e->type != NOTES_T_CLASS ||
	    strcmp(s->items[k].e->code, "nsaids") != 0 ||
	    !notes__words_any(s, 0, s->n, avoid,
			      sizeof(avoid) / sizeof(*avoid)))
		return false;
	/* a caution on the class is no avoidance of it ("阿司匹林禁用
	 * （阿司匹林诱发哮喘，非甾体抗炎药均需慎用）") */
	notes__clause_words(s, k, &from, &to);
	if (notes__words_any(s, from, to, (const char *const[]){"慎用"}, 1))
		return false;
	return nsaid_disease_named(s);
}

/* cell_opens_with: does the cell at p (after its "|") open, spaces
 * aside, with one of words (case aside), then no more letters of that
 * word? */
static bool
cell_opens_with(const char *p, const char *const *words, size_t n_words)
{
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < n_words; i++) {
		size_t n = strlen(words[i]);

		if (strncasecmp(p, words[i], n) == 0 &&
		    !isalpha((unsigned char)p[n]))
			return true;
	}
	return false;
}

/* cell_opens_with_none: does the cell at p open with a word that says
 * no reaction: "nil", "none", "no reaction"? */
static bool
cell_opens_with_none(const char *p)
{
	static const char *const none[] = {"nil", "none", "no reaction"};

	return cell_opens_with(p, none, sizeof(none) / sizeof(*none));
}

/* first_row_cell: is item k the first cell of a table row ("|" after it
 * on its line)?  *next is then the byte after that "|", where the row's
 * next cell opens. */
static bool
first_row_cell(const sentence *s, size_t k, const char **next)
{
	const char *p = s->text + s->items[k].start, *line = p;
	size_t bars = 0;

	while (line > s->text && line[-1] != '\n')
		bars += *--line == '|';
	if (bars > 1)
		return false; /* a later cell's drug: a remark, no entry */
	for (p = s->text + s->items[k].end;
	     *p != '\0' && *p != '\n' && *p != '|'; p++)
		;
	*next = p + 1;
	return *p == '|';
}

/* row_reaction_none: is item k the first cell of a table row whose next
 * cell opens with no reaction? */
static bool
row_reaction_none(const sentence *s, size_t k)
{
	const char *next;

	return first_row_cell(s, k, &next) && cell_opens_with_none(next);
}

/* row_reaction_denied_zh: is item k the first cell of a table row whose
 * next cell is only a denial ("| 乳膠 | 否認 | — |"): the form asked about
 * the allergen and the patient denied it.  The text is compared as
 * written, so the traditional forms are listed beside the simplified. */
static bool
row_reaction_denied_zh(const sentence *s, size_t k)
{
	static const char *const denied[] = {"否认", "否認", "无",
					     "無",   "没有", "沒有"};
	const char *next, *to;

	if (!first_row_cell(s, k, &next))
		return false;
	for (to = next; *to != '\0' && *to != '\n' && *to != '|'; to++)
		;
	return cell_says(next, to, denied, sizeof(denied) / sizeof(*denied));
}

bool
notes__row_denied_zh(const sentence *s, size_t k)
{
	return row_reaction_denied_zh(s, k);
}

/* allergy_context_zh13 negates allergy f of item k on a table row whose
 * cell after the allergen's is only a denial ("| 乳膠 | 否認 | — |"): the
 * form asked about it and the patient denied it. */
static void
allergy_context_zh13(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_ALLERGY && f->context == 0 &&
	    row_reaction_denied_zh(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "否认";
	}
}

/* cell_opens_removed: does the cell at p (after its "|") open with a
 * word that says the label is gone: "removed", "de-labelled", "not
 * allergic", then no more letters of that word ("REMOVED 02/12 - had
 * Tazocin 7 days, no reaction")? */
static bool
cell_opens_removed(const char *p)
{
	static const char *const gone[] = {
		"removed",	"label removed",  "de-labelled",
		"delabelled",	"de-labeled",	  "delabeled",
		"not allergic", "not an allergy", "no allergy"};

	return cell_opens_with(p, gone, sizeof(gone) / sizeof(*gone));
}

/* row_label_removed: is item k the first cell of a table row with a
 * later cell that opens by saying the label is gone ("| Latex |
 * previously listed | REMOVED | tolerated latex catheter |", allergy75cq)?
 * The row's status column de-labels the allergen, as "label removed"
 * after it does. */
static bool
row_label_removed(const sentence *s, size_t k)
{
	const char *next, *p;

	if (!first_row_cell(s, k, &next))
		return false;
	for (p = next;; p++) {
		if (p == next || p[-1] == '|') {
			if (cell_opens_removed(p))
				return true;
		}
		if (*p == '\0' || *p == '\n')
			return false;
	}
}

void
notes__allergy_context_en12(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_ALLERGY && f->context == 0 &&
	    row_reaction_none(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "nil";
	}
	/* a label "previously listed" and now removed is gone */
	if (f->kind == NOTES_ALLERGY &&
	    !(f->context & (NOTES_NEGATED | NOTES_FAMILY)) &&
	    row_label_removed(s, k)) {
		f->context = NOTES_NEGATED;
		f->trigger = "label removed";
	}
	allergy_context_zh13(s, k, f);
}

/* The words of a writer who keeps an allergy label although the patient
 * has since taken the drug without harm ("has had amoxicillin twice since
 * with no reaction; label kept for now", "Left on chart", "Keep on
 * record"). */
static const char *const label_kept[] = {"label kept",
					 "label was kept",
					 "kept the label",
					 "keep the label",
					 "label remains",
					 "label left",
					 "left on chart",
					 "left on the chart",
					 "left on record",
					 "left on the record",
					 "leave on chart",
					 "leave on record",
					 "keep on record",
					 "kept on record",
					 "kept on list",
					 "kept on the list",
					 "kept on the record",
					 "remains on record",
					 "remains on the record",
					 "stays on record"};

bool
notes__label_kept(const sentence *s, uint32_t from)
{
	size_t w = 0;

	while (w < s->n && s->words[w].start < from)
		w++;
	for (; w < s->n; w++)
		for (size_t i = 0; i < sizeof(label_kept) / sizeof(*label_kept);
		     i++)
			if (notes__phrase_at(s, w, label_kept[i]))
				return true;
	return false;
}

/* CROSS_LOW_EN_WORDS: how far after "cross" the word that says its risk
 * is low may stand ("cross-reactivity risk is low"); it may also stand
 * up to two words before ("low cross-reactivity"). */
#define CROSS_LOW_EN_WORDS 4

/* cross_low_en: does s say that a cross-reactivity is low ("cross-
 * reactivity low", "low cross reactivity", "small cross-reactivity
 * risk")? */
static bool
cross_low_en(const sentence *s)
{
	static const char *const low[] = {"low", "minimal", "small",
					  "negligible"};

	for (size_t w = 0; w < s->n; w++) {
		if (strncmp(s->words[w].key, "cross", 5) != 0)
			continue;
		for (size_t v = w > 2 ? w - 2 : 0;
		     v < s->n && v <= w + CROSS_LOW_EN_WORDS; v++)
			if (v != w && notes__words_in(s, v, low, N_OF(low)))
				return true;
	}
	return false;
}

/* labelled_here: is drug item j written with its allergy right beside
 * it: an allergy cue next to it ("penicillin allergy", "allergic to
 * penicillin") or "label" after it ("amoxycillin label")? */
static bool
labelled_here(const sentence *s, size_t j)
{
	static const char *const label[] = {"label", "labelled", "labeled"};
	const item *d = &s->items[j];

	return (j + 1 < s->n_items &&
		s->items[j + 1].e->type == NOTES_T_ALLERGY_CUE &&
		s->items[j + 1].w0 == d->w1) ||
	       (j > 0 && s->items[j - 1].e->type == NOTES_T_ALLERGY_CUE &&
		s->items[j - 1].w1 == d->w0) ||
	       (d->w1 < s->n && notes__words_in(s, d->w1, label, N_OF(label)));
}

bool
notes__weighed_cross_en(const sentence *s, size_t k)
{
	if ((unsigned char)s->text[s->items[k].start] >= 0x80 ||
	    labelled_here(s, k) || !cross_low_en(s))
		return false;
	for (size_t j = 0; j < s->n_items; j++)
		if (j != k && is_drug(&s->items[j]) && labelled_here(s, j))
			return true;
	return false;
}
