/*
 * reader_int.h - what the note reader's files share (see notes.h for the
 * interface, notes_int.h for the scanner and the lexicon): a sentence and
 * the known phrases met in it, and the functions one step of the reading
 * gives the steps above it.  The files stack bottom to top in the order
 * of this header (sentence.c, match.c, context.c, section.c, reaction.c,
 * allergy.c, rules_zh.c, medicine.c, smoking.c, screen.c, finding.c,
 * verdict.c, settle.c, reader.c): each uses only what the files before it
 * declare here; refine.c, whose passes settle.c runs, asks context.c
 * whether a root word is denied (notes__negated_as).
 */

#ifndef RECORDS_NOTES_READER_INT_H
#define RECORDS_NOTES_READER_INT_H

#include "notes_int.h"

/* A reaction this many words or fewer from a substance makes it an
 * allergy ("penicillin - rash"). */
#define REACTION_WORDS 3
/* A problem term this many words or fewer after an allergy's substance
 * is its reaction ("codeine (vomiting)"). */
#define REACTION_GAP_WORDS 1
/* A reaction timed from a dose ("hives 30 minutes after amoxicillin",
 * "万古霉素30分钟后……出现皮疹") is the drug's this many words away (a
 * Chinese character is a word), in its clause, with no other drug
 * between. */
#define REACTION_TIMED_WORDS 12
/* A reaction written first and linked to its drug by "after" or "with"
 * right before the drug ("hives and his lips swelled after ibuprofen",
 * "swelling of the throat with penicillin") is the drug's this many
 * words away, in its clause, with no other drug between. */
#define REACTION_LINKED_WORDS 6

/* An asthma brought on by an NSAID is written this many words from the
 * drug, and its worsening word this many after the later of the two
 * ("Ibuprofen makes her asthma worse"). */
#define ASTHMA_WORSE_WORDS 4

/* item - a known phrase met in a sentence: words [w0, w1). */
typedef struct item {
	const notes_entry *e;
	size_t w0, w1;
	uint32_t start, end;
} item;

/* is_drug: is it a substance or a class, a drug a cue may name? */
static inline bool
is_drug(const item *it)
{
	return it->e->type == NOTES_T_SUBSTANCE || it->e->type == NOTES_T_CLASS;
}

/* sentence - the words of one sentence and the phrases found in them;
 * allergy_list: the line is under an "Allergies:" heading; section: the
 * trigger of the section heading it is under ("既往史：": historical), or
 * NULL; section_inline: that heading had its text on its own line
 * ("家族史：母亲有高血压。"), so only a list item goes on under it. */
typedef struct sentence {
	const char *text;
	size_t text_len; /* the bytes of text read: words end before it */
	notes_tok words[NOTES_SENTENCE_WORDS];
	size_t n;
	item items[NOTES_SENTENCE_WORDS];
	size_t n_items;
	bool allergy_list;
	bool allergy_line; /* the line starts with "Allergies: …" */
	bool allergy_head; /* s is that line's first sentence, or follows
			    * one ended by a question in a bracket */
	/* the line starts with a Chinese allergy heading ("药物过敏：…") */
	bool allergy_line_once; /* that cue opens s after a full stop */
	bool allergy_line_zh;
	/* the allergy list is the rows of a reaction table
	 * ("Drug | Reaction"): it ends at a line that is no row */
	bool allergy_table;
	/* the line is a table row whose first cell is an allergy cue, or a
	 * row after it with that cell empty (notes__allergy_cells_end):
	 * allergy_list holds on it */
	bool allergy_cell;
	/* a writer's note on a bulleted entry of an allergy list ("- 磺胺类：
	 * ……。注：氢氯噻嗪……可继续使用") holds the list back: its own words
	 * are no entries, and the next bulleted line goes on with the list */
	bool list_aside;
	/* an English allergy heading whose line names its first entry
	 * ("Allergies: Codeine - itchy all over"): the entries written on
	 * after it ("Brufen - gastritis", "Morphine - severe vomiting")
	 * are its list's, allergy_list set for them (inline_entry) */
	bool allergy_inline;
	bool inline_entry;
	/* the last sentence read under it was prose, no entry: a long line
	 * that ends it wraps the paragraph on ("... won't take it.\nHospital
	 * viewer also lists CODEINE - nausea", allergy75sm) */
	bool inline_prose;
	/* that heading answered "none known" ("Allergies: Nil known."): only
	 * an entry that tells its reaction goes on its list ("Morphine -
	 * \"spewed for a day\" after his knee op", allergy75pj) */
	bool inline_none;
	/* a Chinese heading that opens its list on its own line ("过敏史：左氧
	 * 氟沙星——脚后跟疼"): only an entry that tells its reaction goes on
	 * ("Flucloxacillin：「應該冇用過」" is a drug never taken) */
	bool inline_zh;
	/* the columns before that heading on its line: a line indented well
	 * past it is the field's value going on (value_aligned) */
	int inline_indent;
	/* the allergy list's heading opens a numbered step ("2. 过敏史:"):
	 * the next number is the step after it, no entry of the list */
	bool list_head_numbered;
	/* the indent of the allergy list's first bulleted item (-1: none
	 * yet): a line after it that is no item, indented no deeper, ends
	 * the list */
	int list_indent;
	const notes_entry *section;
	bool section_inline;
	uint32_t section_at; /* where the section's heading starts */
	/* the first drug of the sentence before, on the same paragraph
	 * (e NULL: none): what "This is a side effect, not an allergy"
	 * speaks of */
	item prior;
	/* the paragraph's last drug before s: what a parenthesis opened
	 * after it and wrapped onto s's line speaks of */
	item prior_last;
	/* the first drug of the sentence before, on the same paragraph, when
	 * that sentence denies it an allergy (e NULL: none): what a request
	 * to take the label off speaks of ("He is NOT allergic to
	 * penicillin. Please remove the allergy from all records.") */
	item prior_denied;
	/* the paragraph holds a reaction consult's culprit heading
	 * ("可疑致敏药物："): a later sentence of it that keeps a drug in
	 * doubt ("头孢唑林已停用3天，可能性较小") names another suspect */
	bool suspects_zh;
} sentence;

/* The full-width comma, semicolon and parentheses and the enumeration
 * comma (U+FF0C, U+FF1B, U+FF08, U+FF09, U+3001): a Chinese list's
 * marks ("高血压15年，长期口服氨氯地平；2018年脑梗死"). */
static const char FW_COMMA[] = "\xef\xbc\x8c", FW_SEMI[] = "\xef\xbc\x9b",
		  FW_OPEN[] = "\xef\xbc\x88", FW_CLOSE[] = "\xef\xbc\x89",
		  ENUM_COMMA[] = "\xe3\x80\x81";

/* Lay intolerance (issue 75): a patient who came off a drug or will not
 * take it, with an effect on the patient in the same clause, tells of an
 * intolerance ("refuses codeine because it bungs him up", "citalopram
 * (stopped 2022, made me feel numb)", "tried morphine MR but had vivid
 * nightmares").  The words that say so, before the drug or between it
 * and the effect. */
#define LAY_BEFORE_WORDS 2
#define LAY_EFFECT_WORDS 8

/* ROW_STOPPED: the trigger of a drug a list's status stops; unstop()
 * reads it as it reads "已停": the stop is what holds now. */
#define ROW_STOPPED "status stopped"

/* THRESHOLD_GIVEN: the trigger of a Chinese drug given only past a
 * threshold ("血糖>12予胰岛素"; notes__threshold_given_zh). */
#define THRESHOLD_GIVEN "threshold given"

/* INPATIENT_ONLY: the trigger of a Chinese drug of the stay that a drug
 * taken up at discharge followed (notes__inpatient_only_zh). */
#define INPATIENT_ONLY "inpatient only"

/* notes__dose_form: is word a form or route written before a drug's name
 * ("Tab.", "Inj.", "IV", "oral")? */
bool notes__dose_form(const char *word);

/* DENIED_OUTRIGHT: the trigger of an allergy a sentence denies in so
 * many words ("not allergic to penicillin", "NO penicillin allergy");
 * undeny() reads it as the note's verdict on the labels before it. */
#define DENIED_OUTRIGHT "denied outright"

/* sentence.c */

/* notes__between_has: does the text between items a and b (a < b) hold c?  The
 * scanner drops punctuation; a parenthesis or a dash still parts what it
 * is written between. */
bool notes__between_has(const sentence *s, uint32_t from, uint32_t to, char c);
/* notes__comma_in: does a comma, ASCII or full-width, stand in
 * text[from, to)?  It parts Chinese clauses where the scanner keeps no
 * comma item. */
bool notes__comma_in(const sentence *s, uint32_t from, uint32_t to);
/* notes__part_ends: does the text from..to end a part of the sentence (a
 * full stop or a semicolon)? */
bool notes__part_ends(const sentence *s, uint32_t from, uint32_t to);

/* notes__paren_between: does an opening parenthesis, ASCII or full-width,
 * part text[from, to)?  What is written inside it is another matter than
 * what stands before it: a drug planned before one is not the allergy
 * written inside it ("左氧氟沙星0.5g静滴（青霉素过敏）"), a year inside it
 * dates something else ("Febuxostat 40mg qd（2021年曾用 allopurinol…）"). */
bool notes__paren_between(const sentence *s, uint32_t from, uint32_t to);

/* notes__switch_verb_zh: does word w open a Chinese switch of drug (换用,
 * 改用, 改为, 换为, 换成, 改成, 转用), the new drug written after it? */
bool notes__switch_verb_zh(const sentence *s, size_t w);

/* notes__allergic_person_at: is drug item k written as the kind of patient a
 * rule speaks of, "X 过敏者" (one allergic to X), and a drug after
 * trigger j, the one such a patient may still be given ("Diclofenac 過敏
 * 者仍可使用 ibuprofen", allergy75ic)?  The removal speaks of that later
 * drug; the allergy to X stands. */
bool notes__allergic_person_at(const sentence *s, size_t k, size_t j);

/* notes__delabel_after: the de-labelling trigger written after item k in
 * s ("已解释病人无此过敏", "He had a negative oral amoxicillin challenge ...
 * and the label has been removed"), or NULL. */
const item *notes__delabel_after(const sentence *s, size_t k);

/* notes__colon_at returns the first colon, ASCII or full-width (U+FF1A), in
 * text[from, to), or NULL: Chinese headings end with the full-width one
 * ("过敏史："). */
const char *notes__colon_at(const char *text, uint32_t from, uint32_t to);

/* notes__is_year: is key a year of the last or this century ("2019")? */
bool notes__is_year(const char *key);

/* notes__words_at: do the words from w spell phrase, a Chinese character a
 * word ("至今" is two)?  A word of another script is the whole phrase. */
bool notes__words_at(const sentence *s, size_t w, const char *phrase);

/* notes__word_between: is phrase spelt in the words between items a < b
 * ("对", "但": what the clause turns to)? */
bool notes__word_between(const sentence *s, size_t a, size_t b,
			 const char *phrase);

/* notes__words_in: is one of the phrases list[0, n) spelt at word w? */
bool notes__words_in(const sentence *s, size_t w, const char *const *list,
		     size_t n);

/* notes__words_end_at: is one of the Chinese phrases list[0, n), a word
 * for each character, spelt so that it ends right before word w
 * ("治疗" before the drug)? */
bool notes__words_end_at(const sentence *s, size_t w, const char *const *list,
			 size_t n);

/* notes__phrases_in: is one of the phrases list[0, n) spelt at word w,
 * its words one space apart (notes__phrase_at)? */
bool notes__phrases_in(const sentence *s, size_t w, const char *const *list,
		       size_t n);

/* notes__colon_after: is cue item j followed by a colon
 * ("过敏史：青霉素，磺胺")? Then it heads a list, commas and all. */
bool notes__colon_after(const sentence *s, size_t j);

/* notes__is_number: is key a number written in digits ("5", "24")? */
bool notes__is_number(const char *key);

/* notes__dose_at: do the words from w write a dose, a number then its
 * unit ("2 puffs") or both in one word ("900mg")? */
bool notes__dose_at(const sentence *s, size_t w);

/* notes__past_dose: the word past the dose written from word w, in
 * digits with its unit ("20mg", "2 puffs", "4.5g" read as "4" and "5g"),
 * so a rule can read on after a drug's dose ("服 Atorvastatin 20mg 後肌肉
 * 痠痛"); w itself when no dose is written there. */
size_t notes__past_dose(const sentence *s, size_t w);

/* notes__atoi_small reads a number of at most two digits. */
int notes__atoi_small(const char *key);

/* notes__arrow_between: is an arrow ("->", "=>", U+2192) in text[from,
 * to)? */
bool notes__arrow_between(const sentence *s, uint32_t from, uint32_t to);

/* notes__word_after_in: is the word right after item k of s one of
 * list ("HIV clinic card", "not on the race card")? */
bool notes__word_after_in(const sentence *s, size_t k, const char *const *list,
			  size_t n);

/* notes__key_starts: is item it of type type, its phrase starting with
 * one of prefixes[0..n) ("corrected this" of "corrected this today to",
 * "premed" of "premedicated with")? */
bool notes__key_starts(const item *it, int type, const char *const *prefixes,
		       size_t n);

/* notes__words_any: is a phrase of list spelt at a word of [from, to)? */
bool notes__words_any(const sentence *s, size_t from, size_t to,
		      const char *const *list, size_t n);

/* notes__among: is word one of list[0, n)? */
bool notes__among(const char *word, const char *const *list, size_t n);

/* notes__gap_in: is the text between bytes from and to of s, spaces left
 * out and letters compared without case, one of list[0, n) ("and", "、",
 * ",including")? */
bool notes__gap_in(const sentence *s, uint32_t from, uint32_t to,
		   const char *const *list, size_t n);

/* notes__entry_opened_zh: the byte after a separator ("；" or ";") of
 * text[from, to) after which another entry opens, its dash ("——") or
 * colon ("：") before a full stop ("磺胺类抗菌药（复方新诺明）——重症药疹可
 * 能；头孢拉定——胃肠道不适（不良反应，非过敏）", a drug the reader does
 * not know opening it); 0 if none.  A verdict after it is that entry's,
 * not the drug's before the separator (allergy75fq, zh-dev57). */
uint32_t notes__entry_opened_zh(const char *text, uint32_t from, uint32_t to);

/* notes__only_marks: is text[from, to) only spaces and the characters of
 * marks? */
bool notes__only_marks(const char *text, uint32_t from, uint32_t to,
		       const char *marks);

/* notes__line_lead: the bytes before word w0 of s back to its line's start, if
 * they are only spaces and bullets (a checklist's "(+)" and "(-)" too);
 * NULL when another word comes first. */
const char *notes__line_lead(const sentence *s);

/* notes__phrase_at: do the words of s from w spell phrase, its words one space
 * apart? */
bool notes__phrase_at(const sentence *s, size_t w, const char *phrase);

/* notes__phrase_before: how many words has the first of the n phrases
 * that ends right before word w of s ("can t" before "take"), or 0 when
 * none does? */
size_t notes__phrase_before(const sentence *s, size_t w,
			    const char *const *phrases, size_t n);

/* match.c */

/* notes__is_concept: is t a concept a finding is made of (a substance, a class
 * or a problem), not a trigger or a cue? */
bool notes__is_concept(notes_type t);

/* notes__match finds the known phrases of s, longest first, left to right. */
void notes__match(sentence *s);

/* notes__unticked: does word i of s follow an empty checkbox ("[ ] No")?
 * The option was not chosen: it says nothing of the patient. */
bool notes__unticked(const sentence *s, size_t i);

/* context.c */

/* notes__denied_allergen_zh: is "no known allergies" item j, a Chinese
 * "过敏：否认", "过敏：无" or "无过敏史", the answer to the allergen a 对
 * names before it in its clause ("對「乳膠」過敏：否認；對碘過敏：否認",
 * "对碘造影剂无过敏史"), or one opening with 无 or 过敏 right after a drug
 * ("青霉素类无过敏史")?  It denies that allergen only (context.c negates
 * a drug right before it), no allergy at all. */
bool notes__denied_allergen_zh(const sentence *s, size_t j);

/* notes__ends_in: does text[from, i) end with one of list's n strings? */
bool notes__ends_in(const char *text, size_t from, size_t i,
		    const char *const *list, size_t n);

/* notes__preop_stop_zh: does the Chinese clause that ends at byte at,
 * not reaching back past from, time the stop written at at by a count
 * before an operation ("术前5天停用", "已于术前3天停用", "術前5天已停")?
 * Such a stop is a hold the operation's schedule sets, and the drug is
 * still the patient's; a stop only said done before it ("术前已停用")
 * is not timed so. */
bool notes__preop_stop_zh(const char *text, size_t from, size_t at);

/* notes__ends: is there a terminator between items a and b (a < b)?  scope:
 * of a trigger's scope ("with" ends that), else of a clause. */
bool notes__ends(const sentence *s, size_t a, size_t b, bool scope);

/* notes__terminated: is there a terminator of a clause between items a < b
 * (notes__ends, not a scope's)? */
bool notes__terminated(const sentence *s, size_t a, size_t b);

/* notes__list_mark says what the text at i is in a list: 1 an item's end (a
 * comma or semicolon, ASCII or full-width, or "、"), 2 an opening
 * parenthesis, 3 a closing one, 0 none; *len its bytes. */
int notes__list_mark(const char *text, uint32_t i, uint32_t to, uint32_t *len);

/* notes__list_item_end returns where item k's list item ends: the first comma
 * or semicolon after it outside parentheses, or the sentence's end
 * ("PMH: TIA 2019 (never confirmed, 2 episodes), HTN"). */
uint32_t notes__list_item_end(const sentence *s, size_t k);

/* notes__list_item_first returns the first word of item k's list item: a
 * Chinese list dates an item before it ("2018年脑梗死"). */
size_t notes__list_item_first(const sentence *s, size_t k);

/* notes__list_item_first_at returns the first word of the list item that
 * holds word w. */
size_t notes__list_item_first_at(const sentence *s, size_t w);

/* notes__started_near: does item k's list item say in English that its drug
 * was started ("Started metformin 3 mo ago", "started by GP 6 weeks
 * ago")?  A start long ago is a drug taken since, not a past one. */
bool notes__started_near(const sentence *s, size_t k);

/* notes__is_event: is problem code an event that is over once a history lists
 * it (an infarct, a stroke, a clot, an infection, an injury), not a
 * condition that goes on ("hx of MI" is past, "hx of HTN" the
 * patient's; tests/data/notes/README.md)?  ICD-10 chapters and
 * categories of acute episodes. */
bool notes__is_event(const char *code);

/* notes__ascii_paren_open: is an ASCII parenthesis opened in text[from, to)
 * still open at to (the last "(" not closed after it)? */
bool notes__ascii_paren_open(const char *text, uint32_t from, uint32_t to);

/* notes__opens_after_item: does item j sit inside an ASCII parenthesis opened
 * after item k ("lithium stopped 2024 (tremor - not an allergy)")? */
bool notes__opens_after_item(const sentence *s, size_t k, size_t j);

/* notes__comma_between: is there a full-width comma between items j < k?  It
 * parts Chinese clauses: "青霉素皮试阴性，予阿莫西林" gives amoxicillin. */
bool notes__comma_between(const sentence *s, size_t j, size_t k);

/* notes__scope_ends: does the scope of forward trigger j end before item k?
 * A terminator ends it; a full-width comma does not end a condition's
 * ("如…，…"). */
bool notes__scope_ends(const sentence *s, size_t j, size_t k);

/* notes__drug_after: does a drug follow item j in its clause
 * ("不想再用胰岛素")? Then a cue at j is about that drug. */
bool notes__drug_after(const sentence *s, size_t j);

/* notes__used_then_zh: is Chinese drug item k the one 当时用过 names
 * after a reaction told in its sentence, the reaction's suspect, not its
 * remedy? */
bool notes__used_then_zh(const sentence *s, size_t k);

/* notes__listed_medicine: is drug item k listed under a heading of the
 * medicines and the allergies together ("Medicines/allergies:
 * hydrocortisone 1% cream from you", en-dev79), with no reaction and no
 * allergy cue past the heading in its part of the sentence, up to a
 * semicolon ("Meds & allergies: ramipril 5 mg; penicillin (rash)")?  The
 * patient takes it. */
bool notes__listed_medicine(const sentence *s, size_t k);

/* notes__given_later: is drug item k, in a later sentence of an allergy
 * line or entry that names no allergy cue and no reaction (but one
 * denied right before it: "no reaction on PACU review"), given a dose
 * ("Ceftriaxone 2 g IV ... given 15:35"), said to have had one ("Got
 * one dose of gentamicin in ED only") or one the patient is happy to try
 * ("Happy to try clarithromycin")?  The patient had it or is to have it:
 * a medicine, not another entry of the list. */
bool notes__given_later(const sentence *s, size_t k);

/* notes__taken_now: does a later sentence of an allergy line or entry
 * open with words that say the patient takes drug item k now ("Allergies:
 * penicillin (rash). Takes paracetamol regularly."), naming no allergy
 * cue and no reaction?  The drug is a medicine, not another entry. */
bool notes__taken_now(const sentence *s, size_t k);

/* notes__remedy_taken: does drug item k open a bracket after a reaction
 * with the word that says it was taken for it ("rash ... (took
 * Piriton)")?  It is the reaction's remedy, not another allergy. */
bool notes__remedy_taken(const sentence *s, size_t k);

/* notes__kin_pronoun: the pronoun that speaks of the relative at word w
 * ("her" for "wife", "his" for "son"), NULL when w names none. */
const char *notes__kin_pronoun(const sentence *s, size_t w);

/* notes__kin_word_pronoun: the same for a lower-case word. */
const char *notes__kin_word_pronoun(const char *word);

/* notes__reporting: is word w a reporting word ("says", "told", "reports")? */
bool notes__reporting(const sentence *s, size_t w);

/* notes__paren_open returns where the parenthesis that holds item j opens, or
 * NULL when j is outside one; *close where it closes (the sentence's
 * end if it does not). */
const char *notes__paren_open(const sentence *s, size_t j, const char **close);

/* notes__context gives the context bits of item k and its first trigger; a
 * plan's trigger leaves an allergy (allergy) as it is. */
unsigned notes__context(const sentence *s, size_t k, bool allergy,
			const char **trigger);

/* notes__negated_as: is text[start, end), read as problem e, negated in
 * the sentence that holds it ("no sciatica", "denies leg pain or
 * sciatica", 无坐骨神经痛)?  The sentence is scanned from byte from, the
 * start of its line, and read as notes_read reads one with nothing
 * before it; the words there stand for e where no problem was read at
 * them ("no nerve root compression"). */
bool notes__negated_as(const notes_entry *e, const char *text, size_t len,
		       size_t from, uint32_t start, uint32_t end);

/* notes__drug_bound: the first word after drug item k where another drug, of
 * another code, is named in its sentence (s->n when none): what is said
 * before it still speaks of k's drug. */
size_t notes__drug_bound(const sentence *s, size_t k);

/* notes__clause_words gives the words [*from, *to) about drug item k in its
 * clause: from the terminator (the full-width comma too) or drug before
 * it to the terminator or drug after it. */
void notes__clause_words(const sentence *s, size_t k, size_t *from, size_t *to);

/* section.c */

/* notes__zh_allergy_head: does s open its line with a Chinese allergy cue, or
 * cues joined as one heading, and a colon ("过敏：", "药物过敏史：",
 * "藥物敏感：", "过敏及不良反应：")?  The line lists allergens. */
bool notes__zh_allergy_head(const sentence *s);

/* notes__heading: is s, ended by end, a line that is a heading?  An allergy
 * heading is an allergy cue alone on its line, of at most two words or
 * the whole line ("Allergies:", "ALLERGIES", "Drug allergies -",
 * "过敏史："); another is a line
 * whose last word a colon ends ("Medications on admission:"). */
bool notes__heading(const sentence *s, const notes_tok *end, bool *allergies);

/* notes__bulleted: does s start a line with a bullet ("- VTE: enoxaparin")?
 * Such a line is an item of the list it is in, so its own heading does
 * not end the section above it ("Plan:"). */
bool notes__bulleted(const sentence *s);

/* notes__table_rows_end ends s's allergy list when it is a reaction
 * table's rows and s, ending at end, is a line with no "|": the table is
 * over ("Home medications (verified):" after its last row). */
void notes__table_rows_end(sentence *s, const notes_tok *end);

/* notes__allergy_cells_end and notes__allergy_cells_keep follow a table
 * whose rows are labelled in their first cell: a row whose first cell is
 * empty goes on with the label of the row above ("| Allergies | LATEX -
 * YES |" then "|     | CODEINE - vomiting |"), so under an allergy cue
 * it is a line of that allergy list, as the labelled row's own cell is.
 * _end, before s's heading is read, ends the list at a row with another
 * label or a line that is no row; _keep, after, holds the rows in the
 * list whatever their own heading said. */
void notes__allergy_cells_end(sentence *s);
void notes__allergy_cells_keep(sentence *s);

/* notes__allergy_line: does s start a line with an allergy cue and a colon
 * ("Allergies: latex (dermatitis); chlorhexidine - hives",
 * "Allergies/ADRs: …")?  Every drug on the rest of the line is an
 * allergy, and "Allergies: YES - see list" opens a list on the lines
 * under it.  English only: a Chinese 过敏史 line has its own rules. */
bool notes__allergy_line(const sentence *s);

/* notes__marked_entry_zh: does drug item k open s as an entry so marked,
 * telling a reaction, an allergy or a doubt and no denial after its mark
 * ("头孢类——可疑", "磺胺類（Baktar）——2022年吃了發燒起疹")?  On a Chinese
 * allergy line it is another of the line's allergies; "盤尼西林：否認過
 * 敏" is read by the line's own rules, "阿司匹林：长期服用" is no entry. */
bool notes__marked_entry_zh(const sentence *s, size_t k);

/* notes__line_ends: does end close s's line? */
bool notes__line_ends(const sentence *s, const notes_tok *end);

/* notes__open_section sets what heading s opens: an allergy list, an allergy
 * line, a section (a bulleted line's heading keeps the section it is
 * under). */
void notes__open_section(sentence *s, const notes_tok *end, bool allergies);

/* notes__inline_entries keeps the entries after an inline allergy
 * heading (allergy_inline) in its list: a sentence that opens with a
 * drug and a dash or colon is its entry; one that opens a line with
 * anything else ends the list. */
void notes__inline_entries(sentence *s);

/* reaction.c */

/* notes__reaction_of returns the reaction of substance item k in its clause,
 * nearest first, not one given as the reason for a drug; near: only
 * within REACTION_WORDS words, or timed from the dose. */
const item *notes__reaction_of(const sentence *s, size_t k, bool near);

/* notes__asthma_provoked: is NSAID item k written with an asthma it brings
 * on or worsens, in its clause (reaction.c)? */
bool notes__asthma_provoked(const sentence *s, size_t k);

/* notes__sensitive_opening: does the sentence open with "Sensitive to"
 * ("Also sensitive to", "Allergy: sensitive to") right before drug item
 * k, a reaction told in the sentence ("Sensitive to metronidazole
 * (metallic taste, vomiting)")?  With no organism before it, it is the
 * patient who is sensitive, as "she is sensitive to" says; "E. coli
 * sensitive to nitrofurantoin" and "Sensitive to: amoxicillin" are a
 * culture's result (reaction.c). */
bool notes__sensitive_opening(const sentence *s, size_t k);

/* notes__intolerance_of: is problem item k written between a drug and the
 * intolerance cue that names it ("因腹泻、腹胀不能耐受")?  Then it is
 * the drug's reaction. */
bool notes__intolerance_of(const sentence *s, size_t k);

/* notes__is_refusal_cue: is e an English refusal after a drug's effect,
 * an intolerance_after cue of cues.csv ("doesn't want it again", "won't
 * take it again")?  The patient took the drug and will not again. */
bool notes__is_refusal_cue(const notes_entry *e);

/* notes__refused_then dates allergy f of substance item k, which an
 * English refusal cue after it names ("tramadol made her vomit, and she
 * doesn't want it again"), as a Chinese history word would: the drug was
 * taken then, and keep_finding reads it as the allergy and a past
 * medicine, as the writers annotate it. */
void notes__refused_then(const sentence *s, size_t k, notes_finding *f);

/* notes__first_drug returns the index of the first substance or class item of
 * s before item j, or j when there is none. */
size_t notes__first_drug(const sentence *s, size_t j);

/* notes__delabelled_taken: a drug that a de-labelling trigger reaches as
 * a past medicine, among out's findings from first, was taken, and its
 * allergy label, held in out, is what was removed ("he has had cefalexin for
 * the UTI this month without any reaction, so this label has been removed"):
 * the medicine loses the negation, and a negated allergy to it is kept.  False
 * when out is full. */
bool notes__delabelled_taken(notes_reading *out, size_t first);

/* notes__answered_ok: is drug item k an allergy list's entry answered
 * "ok" right after it, then the entry's end ("Amoxicillin - ok;"): taken
 * without harm, no allergy? */
bool notes__answered_ok(const sentence *s, size_t k);

/* notes__answered_none: is drug item k an allergy list's entry answered
 * "none" right after it, then the entry's end ("Latex: none.")?  The
 * patient has no allergy to it. */
bool notes__answered_none(const sentence *s, size_t k);

/* notes__answered_removed: is drug item k an allergy list's entry
 * answered "removed" right after it, then the entry's end ("Penicillin —
 * removed.")?  The writer took the label off: a de-labelling. */
bool notes__answered_removed(const sentence *s, size_t k);

/* notes__answered_safe: is drug item k an allergy list's entry answered
 * "safe" right after it, then the entry's end ("Paracetamol safe.")?  The
 * writer judges it may be given: no allergy to it. */
bool notes__answered_safe(const sentence *s, size_t k);

/* notes__recorded_reaches: does a record cue j at the end of a drug's story
 * name substance item k ("Previously tried fluoxetine - \"made me really
 * agitated\" - recorded as intolerance", "\"penicillin - nausea\"; this
 * is an intolerance")?  It names the sentence's first drug, past
 * clauses, when every drug before it is that one, and a drug whose
 * parenthesis holds it ("aripiprazole (akathisia - listed as
 * intolerance)"), or a story kept "on his allergy band"; not a record
 * denied ("it is not on her allergy list"). */
bool notes__recorded_reaches(const sentence *s, size_t k, size_t j);
/* notes__row_denied_zh: is item k the first cell of a table row whose
 * next cell is only a denial ("| 复方新诺明 | 无 | 目前PJP预防使用中，耐受良好
 * |")? The row answers the allergy no; what the last cell says of its use does
 * not make it a tolerated drug instead (allergy75he). */
bool notes__row_denied_zh(const sentence *s, size_t k);

/* notes__record_denied: is record cue j denied by the word right before it
 * ("it is not on her allergy list")?  The record holds no such story. */

bool notes__record_denied(const sentence *s, size_t j);

/* notes__recorded_names: does record cue j name drug item k right after
 * it, "to" or "of" between ("documented as intolerance of amoxicillin
 * (nausea) only", allergy75gt)?  It records k, not a story told before. */
bool notes__recorded_names(const sentence *s, size_t j, size_t k);

/* notes__allergy_cued: does an allergy cue of the clause name item k? */
bool notes__allergy_cued(const sentence *s, size_t k);

/* notes__tolerated_by returns the "tolerated" before item k in its clause, or
 * NULL ("has tolerated amoxicillin since": no allergy to it). */
const item *notes__tolerated_by(const sentence *s, size_t k);

/* notes__tolerated_after returns a tolerated cue written after drug item k in
 * its clause (NOTES_DIR_BACKWARD: "阿莫西林口服激发试验阴性"), or NULL:
 * the drug was taken without harm, a past medicine. */
const item *notes__tolerated_after(const sentence *s, size_t k);

/* notes__challenged reads drug item k tolerated at a challenge (tol after it)
 * as a past medicine. */
bool notes__challenged(const sentence *s, size_t k, const item *tol,
		       notes_finding *f);

/* notes__is_reaction: is problem item k the reaction of an allergy, written
 * right after its substance in a clause with an allergy cue or on a line
 * of an allergy list ("allergic to codeine (vomiting)", "codeine -
 * vomiting" under "Allergies:")?  Then it is no problem of the patient's
 * now. */
bool notes__is_reaction(const sentence *s, size_t k);

/* notes__told_reaction: is problem item k a symptom told as what a drug
 * named before it in the sentence did, in a sentence that speaks of
 * allergy ("2018年静滴头孢后出现胸闷，可疑过敏", "allergic to codeine -
 * it just made her drowsy", "side effect, not allergy")?  The annotators
 * who code symptoms leave that story's symptoms uncoded: it is the
 * allergy's reaction, no problem of the patient's. */
bool notes__told_reaction(const sentence *s, size_t k);

/* notes__caused_by returns the problem or reaction that substance item k is
 * written as causing ("metformin gave her diarrhoea", "可待因吃了会恶心"):
 * a "causes" cue right after it and the symptom right after that; or
 * NULL.  An intolerance: the drug is read as an allergy. */
const item *notes__caused_by(const sentence *s, size_t k);

/* notes__felt_effect: is item it an effect a patient feels: a reaction, or a
 * problem coded as a symptom (ICD-10 chapter R)?  A diagnosis a drug is
 * stopped for ("stopped because of hyponatraemia", "after a GI bleed")
 * is the clinician's reason, recorded as a problem, not an intolerance;
 * nor is an investigation's abnormal result (R70-R94: "deranged LFTs"). */
bool notes__felt_effect(const item *it);

/* notes__child_age_zh: is word w the 岁时 of a child's age at the time
 * ("1岁时诊断哮喘", "2歲時"), the word before it a number up to 15? */
bool notes__child_age_zh(const sentence *s, size_t w);

/* notes__doubted_after_zh: is a Chinese word of doubt ("存疑", "不确定")
 * written after item c of s, before the next drug? */
bool notes__doubted_after_zh(const sentence *s, const item *c);

/* notes__any_in: is one of the phrases list[0, n) spelt at a word of
 * [from, to)? */
bool notes__any_in(const sentence *s, size_t from, size_t to,
		   const char *const *list, size_t n);

/* notes__pressure_raised: is it a raised blood pressure (I10-I15, R03.0),
 * which a drug raises as its known effect (ciclosporin, steroids, NSAIDs:
 * "用 Neoral 後血壓高", "用過 Ciclosporin 半年，因為血壓升高停咗")?  No
 * intolerance a label would record, and no allergy (allergy75ef,
 * allergy75kq). */
bool notes__pressure_raised(const item *it);

/* notes__lay_effect returns the effect that drug item k is written as having
 * made the patient give it up, or NULL.  The effect is the first problem
 * or reaction after the drug, in its sentence part (no full stop,
 * semicolon or closing bracket between: the drug's own parenthesis), with no
 * other drug, no indication ("for") between and not given as a reason. */
const item *notes__lay_effect(const sentence *s, size_t k);

/* notes__stopped_for_zh returns the felt effect for which Chinese drug item k
 * is written as stopped or switched ("普萘洛尔…因乏力、心率慢停用", "曾用
 * “依那普利”干咳，已换"), or NULL (reaction.c, rules75zh23). */
const item *notes__stopped_for_zh(const sentence *s, size_t k);

/* notes__blamed_on returns the felt effect (a reaction or a symptom) that its
 * clause lays on drug item k, the drug right after words that say it
 * caused the effect, the effect before them with no other drug between;
 * or NULL.  An intolerance: the drug is read as an allergy. */
const item *notes__blamed_on(const sentence *s, size_t k);

/* notes__doubted_alternative: is drug item k the other drug a teller
 * offers, after "or", when not sure which of two drugs caused a reaction
 * told before it ("rash - ?sulpha allergy, she is not sure whether it was
 * that or the MTX")?  A doubted allergy (reaction.c, allergy75p). */
bool notes__doubted_alternative(const sentence *s, size_t k);

/* notes__stopped_by_patient: is drug item k followed, within its story
 * (no full stop, semicolon, other drug, allergy cue or allergic sign
 * between), by the patient's own stop ("stopped himself", "stopped his
 * losartan himself"; English only)?  The writers read the drug a
 * past medicine, the effect that led to the stop no intolerance unless
 * they call it one (allergy75ab). */
bool notes__stopped_by_patient(const sentence *s, size_t k);

/* notes__completed_despite: does the clause from word w on, within a few
 * words, say the patient took the course to its end ("but completed",
 * "but finished", "completed the course")?  A drug taken through its
 * effect is tolerated, a medicine of the past to the writers, no
 * intolerance (allergy75ab). */
bool notes__completed_despite(const sentence *s, size_t w);

/* notes__dose_lowered_after: does the clause from word w on, within a few
 * words, say the dose was lowered ("GI upset - reduced from 1 g bd",
 * "diarrhoea, reduced to od")?  A drug lowered for its effect is still
 * taken: a medicine to the writers, no intolerance (allergy75bc). */
bool notes__dose_lowered_after(const sentence *s, size_t w);

/* notes__made_lay_effect: is drug item k followed, at most two words
 * ("it", "once") between, by a patient's or relative's words that it makes
 * or made them feel or do something ("codeine makes me itch", "it made
 * her very sleepy"), not a good effect ("made him comfortable")?  The
 * lay effect is an intolerance (reaction.c, issue 75, allergy75p). */
bool notes__made_lay_effect(const sentence *s, size_t k);

/* notes__cannot_take: is drug item k written after "can't take" or
 * "cannot have" (or "tolerate"), a comma or a dash right after it and then
 * the patient's reason in their own words ("he can't take codeine, gets
 * very sick"), no diagnosis or indication in that clause?  The lay reason
 * is an intolerance (reaction.c, issue 75, allergy75s). */
bool notes__cannot_take(const sentence *s, size_t k);

/* notes__came_off_trigger: is context trigger t a word that says the patient
 * gave the drug up ("refuses")?  It does not deny an intolerance. */
bool notes__came_off_trigger(const char *t);

/* notes__side_effect: is problem item k the symptom a drug is written as
 * causing?  Then it is the drug's reaction, not a problem. */
bool notes__side_effect(const sentence *s, size_t k);

/* allergy.c */

/* notes__queried_at: does a question mark, ASCII or full-width, follow
 * text (len bytes) at i, spaces between ("6.阿司匹林诱发哮喘？", "NOT
 * allergic to cephalosporins? - unknown")? */
bool notes__queried_at(const char *text, size_t len, size_t i);

/* notes__none_known_near: is item k in the scope of a "no known allergies"
 * ("no known allergy to latex")?  Its scope ends where a trigger's
 * does: "否认药物过敏史，规律服用阿司匹林" takes aspirin; one that answers
 * another drug (notes__denied_allergen_zh: "予哌拉西林（青霉素类无过敏
 * 史）") is that drug's alone. */
bool notes__none_known_near(const sentence *s, size_t k);

/* notes__taken_then dates allergy f of substance item k, which a cue of an
 * event caused ("口服阿莫西林后出现荨麻疹": cue kind caused, marked
 * NOTES_DIR_BACKWARD), as a history word would: the drug was taken then,
 * and keep_finding reads it as the allergy and a past medicine. */
void notes__taken_then(const sentence *s, size_t k, notes_finding *f);

/* notes__onset_then_zh dates allergy f of substance item k, which the
 * patient took (服, 吃, 用) before its reaction appeared ("曾服苯妥英钠约 2
 * 周，出现牙龈肿胀、全身红疹", "用芬太尼透皮贴出现皮疹"), as
 * notes__taken_then does after 后: the drug was taken then, and
 * keep_finding reads it as the allergy and a past medicine
 * (allergy75ei). */
void notes__onset_then_zh(const sentence *s, size_t k, const item *reaction,
			  notes_finding *f);

/* notes__composition_named: is drug item k one of the substances a
 * bracket right after a combination product names as its parts
 * ("Allergic to Combiflam" (ibuprofen + paracetamol), "安博诺（含氢氯噻
 * 嗪）")?  It is the product told again, whose reading stands for it: an
 * allergy to the product is its first substance's (vocab75am, en-dev57),
 * and "无不适" after the bracket is said of the product (allergy75jx). */
bool notes__composition_named(const sentence *s, size_t k);

/* notes__interaction_partner_en: is drug item k the one an interaction is with,
 * "interaction with" or "interacts with" right before it ("Metronidazole
 * and ciprofloxacin - INTERACTION with warfarin (raised INR), not an
 * allergy", allergy75ju)?  In an allergy list it is the drug the patient
 * takes, no allergen of the entry. */
bool notes__interaction_partner_en(const sentence *s, size_t k);

/* notes__replaced_by: is drug item k written after "changed to" or "switched
 * to" in its sentence ("ACE inhibitors (cough on lisinopril - changed to
 * losartan)"), or right after "therefore" ("Antiplatelet therefore
 * clopidogrel monotherapy")?  It is the drug that replaced the allergy's,
 * taken. */
bool notes__replaced_by(const sentence *s, size_t k);

/* notes__given_passive: is drug item k, not a sentence's first, told as
 * given ("-- vancomycin was used for surgical prophylaxis") with no
 * reaction after it?  Then it is a medicine, not an allergy entry. */
bool notes__given_passive(const sentence *s, size_t k);

/* notes__on_allergy_line: is drug item k on an "Allergies:" line, in its first
 * sentence or first in a later one ("Allergies/ADRs: Nitrofurantoin -
 * ?nausea.  Tramadol - hallucinations.")?  A drug further into a later
 * sentence is the story's ("… switched to atorvastatin"). */
bool notes__on_allergy_line(const sentence *s, size_t k);

/* notes__treated_with_zh: is Chinese drug item m what a reaction was
 * treated with, "经" right before it and "处理" or "治疗" right after it
 * ("經 Chlorpheniramine 處理後緩解")?  The remedy is given, no entry of an
 * allergy list, and a verdict after it is the entry's drug's, none of its
 * own (allergy75jn). */
bool notes__treated_with_zh(const sentence *s, size_t m);

/* notes__cultured: is drug item k named by a culture's result in its clause
 * ("E. coli sensitive to meropenem, amikacin")?  Then it is no medicine. */
bool notes__cultured(const sentence *s, size_t k);

/* notes__doubted: is allergy item k, with its reaction, written with a "?"
 * ("diazepam??", "Nitrofurantoin - ?nausea")?  The allergy is
 * uncertain. */
bool notes__doubted(const sentence *s, size_t k, const item *reaction);

/* notes__labels_line: is class item k the label of its line, a colon right
 * after it and another drug after that ("Abx: pen allergic, so IV
 * clarithromycin")?  It names what the line is about, not an allergen. */
bool notes__labels_line(const sentence *s, size_t k);

/* notes__disowned_by returns the not-allergy cue (cue kind not_allergy) that
 * names drug item k, or NULL: the first such cue after k in the
 * sentence with no other drug between them, however many clauses part
 * them ("服用阿斯匹林后偶有胃部不适，…，属胃肠道副作用，非过敏";
 * "对青霉素不过敏"). */
const item *notes__disowned_by(const sentence *s, size_t k);

/* notes__disowned_here: is drug item k named by a not-allergy cue of its own
 * clause ("万古霉素输注反应并非真正过敏")?  Then the mention is only that
 * allergy, negated (keep_disowned); one cue clauses away leaves what the
 * drug's own clause says ("服用阿斯匹林后胃部不适，…，非过敏": aspirin
 * taken). */
bool notes__disowned_here(const sentence *s, size_t k);

/* notes__qualifies_drug: is class item k written right after another drug,
 * only spaces between ("Sulfa antibiotics: rash", "sulfonamide
 * antibiotics")?  It says what kind of drug that one is; the allergy is
 * to the drug it qualifies, not to the whole class. */
bool notes__qualifies_drug(const sentence *s, size_t k);

/* notes__named_before: is drug item k's drug named before it in its sentence,
 * not negated there, nor a relative's ("Heparin - HIT (PF4 positive) - NO
 * HEPARIN")?  Its allergy is read there; a "no" before the repeat orders the
 * drug kept away, it does not deny the allergy ("no contraindication to latex;
 * no history suggesting latex allergy" denies it twice).  English only: the
 * Chinese notes repeat a drug under their own rules. */
bool notes__named_before(const sentence *s, size_t k);

/* notes__declined_in_list: is drug item k, under an allergy heading, one the
 * patient declined or refused ("he is \"statin intolerant\" and has
 * declined rosuvastatin")?  It is a medicine refused, not an allergen. */
bool notes__declined_in_list(const sentence *s, size_t k);

/* notes__quote_labelled: is drug item k the only drug of the patient's quoted
 * words that an allergy cue right after the quote labels ("Pt states
 * \"codeine makes me throw up\" - intolerance", "says \"I don't do well
 * with Nurofen, it hurts my stomach\" - documented intolerance")?  The
 * writer records what the patient says the drug does as an intolerance. */
bool notes__quote_labelled(const sentence *s, size_t k);

/* notes__allergy_context_en6 adds to allergy f of item k what its line says of
 * whose it is and how sure: a relative's as its clause's subject
 * (family), a table row's "?" (uncertain). */
void notes__allergy_context_en6(const sentence *s, size_t k, notes_finding *f);

/* notes__allergy_context_en10 adds to finding f of item k what its line
 * says beyond its clause: a table row whose comment, continued on the
 * rows below with a blank first cell, says "not an allergy" (negated);
 * a line headed by a relative's list ("Maternal allergies: PCN -
 * anaphylaxis (mom received clindamycin in labor)": family, whatever
 * its kind). */
void notes__allergy_context_en10(const sentence *s, size_t k, notes_finding *f);

/* notes__allergy_context_en12 negates allergy f of item k on a table row
 * whose cell after the drug's says no reaction ("Morphine | NIL - had it
 * with previous ops fine", "| 乳膠 | 否認 |"): the row records the drug as
 * asked about and cleared. */
void notes__allergy_context_en12(const sentence *s, size_t k, notes_finding *f);

/* notes__label_kept: does s say, at or after byte from, that an allergy
 * label is kept although the drug has since been taken without harm
 * ("has had amoxicillin twice since with no reaction; label kept for
 * now", "Left on chart", "Keep on record")?  The record still holds the
 * allergy, so an order check still acts on it: historical, not negated. */
bool notes__label_kept(const sentence *s, uint32_t from);

/* notes__susceptibility_result: is drug item k one of the drugs of a
 * culture's susceptibility result ("E. coli, sensitive to nitrofurantoin,
 * resistant to trimethoprim", "对头孢曲松敏感")? (culture.c) */
bool notes__susceptibility_result(const sentence *s, size_t k);

/* notes__class_anaphor: is class item k written after "the", "this" or
 * "that" ("a complication of the antibiotic, not an allergy to
 * clindamycin"), a drug of the class named after it in the sentence?
 * It points at that drug, no class of its own. */
bool notes__class_anaphor(const sentence *s, size_t k);

/* notes__class_extended: is class item k avoided ("avoid all NSAIDs",
 * "ALL opioids avoided") after a drug of the class named before it in
 * its sentence as an allergy, a reaction of its own or on an allergy
 * line ("Ciprofloxacin: tendon pain 2020 - avoid fluoroquinolones")?
 * The writer extends the allergy to the class: README, "avoid" after an
 * effect is an allergy. */
bool notes__class_extended(const sentence *s, size_t k);

/* notes__class_avoided: is class item k named after "avoid", in its
 * scope, with no allergy cue or reaction of its own ("* Diclofenac -
 * AKI 2022. Avoid all NSAIDs.")?  README: a class named without an
 * allergy is nothing, in an allergy list too. */
bool notes__class_avoided(const sentence *s, size_t k);

/* notes__class_kept_for_nerd: is class item k the NSAIDs, in a sentence
 * that keeps a drug away ("Avoid all non-selective NSAIDs",
 * "对所有非甾体抗炎药均需避免"), in a note that names NSAID- or
 * aspirin-exacerbated respiratory disease?  Unlike an avoidance for the
 * kidneys or the stomach, the disease is an allergy to the class
 * (issue 75, allergy75f). */
bool notes__class_kept_for_nerd(const sentence *s, size_t k);

/* notes__given_aside: is drug item k in a parenthesis right after a word
 * that gives it ("on", "received", "given"), with no allergy cue or
 * reaction inside the parenthesis ("depression (on sertraline 100 mg),
 * anaphylaxis in theatre", "CLOPIDOGREL - rash (so on ticagrelor post
 * stent)")?  The aside tells a drug the patient takes or took, no
 * culprit of the reaction beside it. */
bool notes__given_aside(const sentence *s, size_t k);

/* notes__hyphen_free: is drug item k joined by a hyphen to "free" after it
 * ("Latex-free OR", "chlorhexidine-free catheters")?  The equipment is
 * kept free of what the patient must avoid: the mention is neither a
 * medicine nor an allergy denied. */
bool notes__hyphen_free(const sentence *s, size_t k);

/* notes__reaction_owned: is reaction r, written before drug item k, another
 * drug's, that drug right before it ("given her trimethoprim hives we'd
 * avoid co-trimoxazole"), or after k, that drug after a determiner
 * ("Candesartan - the lisinopril angioedema means ...")?  Then it makes
 * no allergy of k. */
bool notes__reaction_owned(const sentence *s, size_t k, const item *r);

/* notes__relative_at: is word w a relative's (a family trigger, "mum", "dad")?
 */
bool notes__relative_at(const sentence *s, size_t w);

/* rules_zh.c */

/* notes__doubt_after_zh: does the writer doubt Chinese allergy item k later in
 * its sentence, before another drug is named ("患者自述\"头孢过敏\"，但
 * 记不清具体反应", "对头孢类过敏，具体药物及表现不详，暂按头孢类过敏处理",
 * "頭孢類｜起疹子｜過敏？待確認", "患者青霉素过敏史不详")?  A label the
 * patient cannot describe, whose history is not known,
 * kept only provisionally or still to be checked, is uncertain.  "具体
 * 不详" alone is not among them: it says which drug of a class was
 * unknown ("\"头孢\"（具体不详）后出现皮疹"), not whether it harmed. */
bool notes__doubt_after_zh(const sentence *s, size_t k);

/* notes__prophylaxis_class: is class item k the regimen a plan names by
 * its use, "prophylaxis" right after it or "prophylactic" right before
 * it ("Antibiotic prophylaxis for PPM given as vancomycin")?  A class
 * named for what it is given for is a treatment, not an allergen, as
 * "预防性抗生素" is in Chinese (notes__no_allergen_class_zh). */
bool notes__prophylaxis_class(const sentence *s, size_t k);

/* notes__class_banned_for_allergy_zh: is Chinese class item k the one a
 * ban right after an allergy the sentence states of no drug names
 * ("…SJS。严重过敏，禁用磺胺类抗菌药", zh-dev43; "结论：确定过敏，终身禁用
 * 磺胺类抗菌药", zh-dev11)?  The allergy is the class's: the writers
 * annotate it, where a class banned alone is nothing (README) and one
 * banned after another drug's allergy ("本例磺胺类过敏，禁用塞来昔布") is
 * kept away for that drug's sake. */
bool notes__class_banned_for_allergy_zh(const sentence *s, size_t k);

/* notes__class_described: is class item k the antibacterials, written
 * in the bracket right after a drug of theirs, nothing but other classes
 * between ("Baktar（磺胺類複方抗生素）", allergy75my)?  The bracket says what
 * the drug is; an allergy to every antibiotic would block them all.  A
 * narrower class there ("（磺胺類）") is the label most writers record
 * beside the drug, and is kept. */
bool notes__class_described(const sentence *s, size_t k);

/* notes__never_used_zh: is Chinese drug or class item k followed right
 * away, past a closing quote or a colon, by words that say it was never
 * taken ("头孢未用过", "“头孢”没试过", "头孢类：从未用过")?  Writers put the
 * drug the patient never had beside the allergy, often after a comma of
 * the same allergy line ("青霉素过敏（皮试阳性），头孢未用过"), and annotate
 * it as nothing (zh-dev29, zh-dev42, zh-dev43, zh-dev47).  "未再用过" (not
 * used again) is not one: the drug was taken, and its reaction may be the
 * allergy. */
bool notes__never_used_zh(const sentence *s, size_t k);

/* notes__no_allergen_class_zh: is Chinese class item k named as kept away from
 * or as a regimen by its use, no allergen? */
bool notes__no_allergen_class_zh(const sentence *s, size_t k);

/* notes__cleared_of_class_zh: is Chinese drug item k said not to belong
 * to the class named after it ("左氧氟沙星不属于青霉素/头孢/大环内酯类，无
 * 交叉过敏，可用")?  The drug is cleared for use: a medicine, no
 * allergy. */
bool notes__cleared_of_class_zh(const sentence *s, size_t k);

/* notes__test_planned_zh: is Chinese drug item k the drug of a skin test
 * planned, 皮试 right after it and a word of planning right before it
 * ("拟行头孢呋辛皮试，皮试阴性则…")?  A test still to come tells no
 * allergy. */
bool notes__test_planned_zh(const sentence *s, size_t k);

/* notes__kept_away_zh reads Chinese drug item k switched to or avoided, with no
 * reaction of its own, as what it is: a medicine (taken after a switch,
 * negated when avoided), or nothing for a class.  False when neither. */
bool notes__kept_away_zh(const sentence *s, size_t k, notes_finding *f);

/* notes__held_back_for_reaction_zh: is Chinese drug item k declined (不用,
 * 暂不用) with a bracket right after that gives the patient's own past
 * effect of it ("甲氧氯普胺 暂不用（既往用后心慌、坐立不安）", "不用甲氧氯
 * 普胺（既往烦躁不安？…）")?  The writer keeps the drug away for the
 * patient's reaction: an allergy (README: an effect after which the
 * writer says to avoid the drug).  *doubted says a question mark in the
 * bracket doubts it. */
bool notes__held_back_for_reaction_zh(const sentence *s, size_t k,
				      bool *doubted);

/* notes__switched_past_reaction_zh: is Chinese drug item k the one a switch
 * led to, its nearest reaction in a clause before the switch ("对\"头孢\"过敏
 * （皮疹），改用克林霉素")?  That reaction was the replaced drug's. */
bool notes__switched_past_reaction_zh(const sentence *s, size_t k);

/* notes__replacement_zh: is Chinese drug item k the one a switch led to
 * ("已停用，改用地高辛"), another drug before it in its sentence?  A verdict
 * after it ("此为剂量相关不良反应，非过敏") is of the drug it replaced. */
bool notes__replacement_zh(const sentence *s, size_t k);

/* notes__delabel_past_switch_zh: the Chinese de-labelling cue after drug
 * item k when only drugs a switch led to stand between them ("美托洛尔…
 * 心动过缓，已停用，改用地高辛，…非过敏"): the verdict is of the drug
 * reacted to, not of its replacement.  NULL when there is none. */
const item *notes__delabel_past_switch_zh(const sentence *s, size_t k);

/* notes__mislabelled_zh: does the writer say Chinese allergy item k is a
 * relative's, after it and before another drug: "为其 (是其) <relative>
 * 的" ("\"头孢过敏\"为其弟弟的过敏史", "患者诉对\"青霉素\"过敏，为其父亲
 * 的过敏史")?  The allergy is the relative's (family) and the patient's
 * label of it a mistake (keep_relatives). */
bool notes__mislabelled_zh(const sentence *s, size_t k);

/* notes__relative_self_zh: does a relative open the sentence, its subject, and
 * k's clause speak of that relative's self before k ("太太问丈夫是否对吗啡
 * 过敏，因其本人对吗啡过敏": 其本人, 她本人, 他本人)?  The allergy is the
 * relative's.  A sentence the patient opens ("患者母亲…，其本人…") is the
 * patient's. */
bool notes__relative_self_zh(const sentence *s, size_t k);

/* notes__allergy_context_zh adds to allergy f of Chinese drug item k
 * what its sentence says of whose allergy it is: denied later in the
 * sentence (negated), or a relative's (family). */
void notes__allergy_context_zh(const sentence *s, size_t k, notes_finding *f);

/* notes__intolerance_kept_zh: is an intolerance (不耐受) recorded between
 * drug item k and the Chinese verdict at word w after it, the verdict
 * denying an allergy, not the intolerance ("头孢类——胃肠道不适（不耐受），非过
 * 敏")?  Then the verdict says what kind of reaction it was, an intolerance
 * the record keeps, not that there was none, as "(intolerance, not
 * allergy per pt)" does in English (verdict.c, records_intolerance;
 * rules75zh21). */
bool notes__intolerance_kept_zh(const sentence *s, size_t k, size_t w);

/* notes__denied_zh: does the writer deny Chinese drug item k's allergy later in
 * its sentence, before another drug is named ("吗啡——皮肤瘙痒，…，非真正
 * 过敏", "对利多卡因过敏？——…，非利多卡因过敏", "对\"panadol\"没有敏感",
 * "对ACEI类药物不耐受——…，非不耐受")?  The negator may hold words, the
 * drug itself among them, before "过敏"; the allergy is negated. */
bool notes__denied_zh(const sentence *s, size_t k);

/* notes__dosed_despite_zh: is Chinese drug item k given with its dose, an
 * intolerance told in the parenthesis after them ("目前用药：二甲双胍缓释
 * 片1g qd（曾因腹泻不耐受普通片）")?  The patient takes the drug now; the
 * intolerance was of another form or dose, no allergy to block it. */
bool notes__dosed_despite_zh(const sentence *s, size_t k);

/* notes__unharmed_cue_zh: the words after Chinese drug item k, in its
 * clause, that say it was taken without harm ("无任何反应"), or NULL. */
const char *notes__unharmed_cue_zh(const sentence *s, size_t k);

/* notes__unharmed_clears_class_zh: a Chinese sentence that names an allergy
 * class and then, after 但, a member of it taken without harm ("\"对头孢过
 * 敏\"，但本次已用头孢曲松3天无任何反应") negates that class's affirmed
 * allergies in out. */
void notes__unharmed_clears_class_zh(const sentence *s, notes_reading *out);

/* notes__pending_delabel: a sentence that leaves an allergy label to an
 * assessment still to come ("not fully removed yet", "建议过敏科评估",
 * "是否可以移除") reads its own negations of a drug it names, and the
 * note's earlier negations of it by a member taken without harm, as
 * doubted: the label stands until it is assessed.  first is the index of
 * s's first finding in out. */
void notes__pending_delabel(const sentence *s, notes_reading *out,
			    size_t first);

/* notes__label_doubted_zh: a Chinese sentence that holds an allergy
 * label in doubt ("青霉素过敏真实性存疑", "该标签可疑，建议行青霉素皮试")
 * reads the note's affirmed allergies to a drug it names, its own and
 * earlier ones, as uncertain: the writer's doubt is the note's verdict
 * (issue 75, allergy75u). */
void notes__label_doubted_zh(const sentence *s, notes_reading *out);

/* notes__unharmed_zh: is Chinese drug item k taken without harm, "no
 * discomfort" or "tolerable" after it in its clause?  Then it is a medicine,
 * not an allergy, read into f: in its clause's context, and a past one after
 * "吃过", "用过"; false when its clause denies it (the denial reads it). */
bool notes__unharmed_zh(const sentence *s, size_t k, notes_finding *f);

/* notes__remedy_zh: is Chinese drug item k given for a reaction, not its
 * cause: "prn" or "必要时" (as needed) before the symptom ("氯苯那敏4mg prn
 * 瘙痒"), or given (予, 给予, 予以) with the reaction resolving after it
 * in its clause ("给予 Chlorpheniramine 后荨麻疹消退")?  It is a medicine. */
bool notes__remedy_zh(const sentence *s, size_t k);

/* notes__bracket_treats_zh: is Chinese drug item k used in brackets right
 * after a reaction or a condition ("氣喘（偶用Ventolin）", "哮喘发作（平时用
 * 沙丁胺醇气雾剂）")?  It treats it: a medicine. */
bool notes__bracket_treats_zh(const sentence *s, size_t k);

/* notes__taken_when_zh: is Chinese drug item k followed by a bracket of a
 * symptom and 时 ("奥美拉唑（胃不舒服时）")?  It is taken for it: a
 * medicine. */
bool notes__taken_when_zh(const sentence *s, size_t k);
/* notes__taken_for_when_zh: is Chinese drug item k followed, past its form
 * or dose, by a symptom, 时 and a verb of taking ("布洛芬缓释胶囊 头痛时
 * 服")? */
bool notes__taken_for_when_zh(const sentence *s, size_t k);

/* notes__level_named: is drug item k followed by the word for its blood
 * level ("茶碱浓度 22mg/L", "digoxin level 3.1")?  A medicine taken, whose
 * toxicity what follows tells, no allergy. */
bool notes__level_named(const sentence *s, size_t k);

/* notes__threshold_given_zh: is Chinese drug item k given ("予", "用",
 * "加用") in a clause that opens on a threshold ("血糖>12予胰岛素",
 * "PLT >50×10^9/L 后予依诺肝素")?  The drug waits for the threshold. */
bool notes__threshold_given_zh(const sentence *s, size_t k);

/* notes__inpatient_only_zh: is Chinese drug item k one given during the
 * stay ("住院期间改胰岛素"), in a sentence that then tells another drug
 * taken up at discharge ("出院恢复二甲双胍", "出院改为利伐沙班")?  The drug
 * of the stay is over. */
bool notes__inpatient_only_zh(const sentence *s, size_t k);

/* notes__healed_after_zh: is Chinese drug item k given (予, 用, 服) in a
 * clause that ends with "后" and an easing ("予苯海拉明肌注后缓解", "当时用
 * 地塞米松和扑尔敏后好转")?  It treated the reaction: a medicine. */
bool notes__healed_after_zh(const sentence *s, size_t k);

/* notes__rescued_with_zh: is Chinese drug item k given with "抢救" in its
 * clause or ending the clause before ("当地卫生院抢救，用过肾上腺素、地塞米
 * 松")?  The rescue's drug treated the reaction: a medicine. */
bool notes__rescued_with_zh(const sentence *s, size_t k);

/* notes__interaction_partner_zh: is Chinese drug item k the partner
 * of an interaction or a combination warned of, 与 right before it and
 * a word of use together right after it ("——与甲氨蝶呤同用亦有禁忌",
 * "与华法林相互作用（不是过敏）")?  The drug is one the patient takes
 * with the allergen, a medicine: no writer reads it an allergy. */
bool notes__interaction_partner_zh(const sentence *s, size_t k);

/* notes__weighed_cross_zh: is Chinese drug or class item k the one a
 * low cross-reactivity is weighed for, 与 and the allergen after it and
 * the verdict later in its sentence ("头孢曲松侧链与青霉素不同，交叉过敏风险
 * 低", "头孢菌素与青霉素皮试阳性：…交叉过敏风险低")?  It is the drug judged
 * safe to give, no allergen (allergy75hp). */
bool notes__weighed_cross_zh(const sentence *s, size_t k);

/* notes__weighed_cross_en: is English drug item k, in a sentence that
 * says a cross-reactivity is low, the drug weighed against another the
 * sentence labels ("amoxycillin label + ceftriaxone - rash only, not
 * anaphylaxis, cross-reactivity low; prescriber aware")?  It is the drug
 * judged safe to give, no allergen (allergy75hv). */
bool notes__weighed_cross_en(const sentence *s, size_t k);

/* notes__only_taken_zh: is Chinese drug item k the one the patient
 * "only takes" (只吃, 只用, 只服), no "后" after it that tells its own
 * reaction ("布洛芬：…吃布洛芬混悬液后出荨麻疹，之后只吃对乙酰氨基酚")?
 * It is the drug taken in the allergen's place, a medicine (allergy75ho). */
bool notes__only_taken_zh(const sentence *s, size_t k);

/* notes__felt_then_used_zh: is Chinese drug item k taken (吃, 服, 用) right
 * after an effect or condition in its clause ("胃不舒服吃奥美拉唑", "頭痛只
 * 吃普拿疼")?  The drug treats it (rules75zh28). */
bool notes__felt_then_used_zh(const sentence *s, size_t k);

/* medicine.c */

/* notes__remedy_given: is drug item k given for a reaction written before it
 * in its clause ("Allergy band: iodinated contrast (hives) - premedicated
 * w/ prednisone + diphenhydramine")?  What remedy words name after the
 * reaction (premedicated, treated with) is a medicine even on an allergy
 * line. */
bool notes__remedy_given(const sentence *s, size_t k);

/* notes__dated_after: does a year or a time ago follow English item k in its
 * list item, before a start word or a parenthesis? */
bool notes__dated_after(const sentence *s, size_t k);

/* notes__switch_context makes a medicine replaced in its sentence past,
 * one its line's last field starts planned, and marks the one a switch
 * done moves the patient on to as the writer's cue (current). */
void notes__switch_context(const sentence *s, size_t k, notes_finding *f);

/* notes__status_context makes medicine f of item k past when its list's status
 * stops it: that stop holds now, whatever other trigger made the drug
 * past ("| Naproxen | 500mg | STOPPED |" after "buying naproxen"). */
void notes__status_context(const sentence *s, size_t k, notes_finding *f);

/* notes__now_on: is drug item k written after "now on" ("Simvastatin ->
 * myalgia (intolerance) 2019, now on pravastatin")?  The patient takes
 * it now, in an allergy list too: the drug that replaced the allergen.
 * Or after a Chinese word saying so, no effect told after it ("因已用达比
 * 加群未加": rules75zh22). */
bool notes__now_on(const sentence *s, size_t k);

/* notes__remedy_dosed: is drug item k written with its dose right after
 * it ("so clindamycin 900mg IV 8/24 started", "bronchospasm - albuterol 2
 * puffs pre-practice") after a reaction or allergy cue, with none after
 * it?  The dose is an order: the drug is what the story led to, given,
 * not the allergen. */
bool notes__remedy_dosed(const sentence *s, size_t k);

/* notes__dosed_none_known: is drug item k written with its dose right
 * after it and then, in its sentence, "no known allergies" with no
 * reaction and no allergy cue ("Tazocin 4.5g IV tds (no allergies -
 * NKDA confirmed)")?  The dose is an order and the phrase the check made
 * before it: the drug is given, no allergen (rules75en22).  A cue after
 * a later drug is that drug's ("Augmentin 625 mg tds (pen allergy: nil,
 * cotrimoxazole allergy noted)", allergy75hw). */
bool notes__dosed_none_known(const sentence *s, size_t k);

/* notes__taken_here: is drug item k, or a mention of its drug before it in s
 * with no reaction of k's own, told as taken for years ("she has had
 * frusemide for years (note frusemide is a non-antibiotic sulfonamide
 * ...)")? */
bool notes__taken_here(const sentence *s, size_t k);

/* notes__taken_still reads drug item k, taken for years, as a medicine the
 * patient takes now: "has had" tells of the years up to now. */
bool notes__taken_still(const sentence *s, size_t k, notes_finding *f);

/* notes__switched_to: is drug item k the one the patient was moved on to
 * ("her GP switched her to warfarin 2024", "changed to pravastatin")?
 * It is what the patient takes now: a medicine, and not the drug a
 * remark about the old one speaks of, unless a reaction of its own
 * follows it. */
bool notes__switched_to(const sentence *s, size_t k);

/* notes__dash_labelled: is drug item k's entry labelled an allergy after a dash
 * by the next phrase, a few describing words in between ("4. Sulfa -
 * true mild delayed allergy, keep on list")?  A list entry names its
 * drug first and what kind of reaction it is after the dash. */
bool notes__dash_labelled(const sentence *s, size_t k);

/* notes__treatment_context makes drug item k taken when it is a current
 * condition's treatment, stopped only if something happens or a drug
 * whose dose a plan changes. */
void notes__treatment_context(const sentence *s, size_t k, notes_finding *f);

/* notes__currently_on: is drug or class item k written after "is on",
 * "remains on", "managing on" or "stable on" ("As he is managing on
 * naproxen with PPI cover", en-dev80),
 * "a" or "an" at most between ("which is why he is on an angiotensin
 * receptor blocker", allergy75gj; "flagged to doctors, she is on
 * nitrofurantoin for this UTI anyway", allergy75jr)?  Under an allergy
 * heading or on an allergy line written as prose it is what the patient
 * takes now, no entry of the list. */
bool notes__currently_on(const sentence *s, size_t k);

/* notes__names_no_reaction: does s name no allergy cue and no reaction
 * but one denied right before it ("cefazolin 2 g IV given at induction
 * today 0815, no reaction on PACU review", en-dev80)? */
bool notes__names_no_reaction(const sentence *s);

/* notes__listed_allergen: is item k under an allergy heading an allergen of
 * the list, not a drug the patient declined or one that replaced the
 * allergen ("Simvastatin | muscle aches - changed to atorvastatin")? */
bool notes__listed_allergen(const sentence *s, size_t k, bool drug);

/* notes__effect_follows: does an effect the patient feels (a felt effect)
 * follow drug item k in its clause, before another drug, and, when
 * comma_ends, before a comma?  A Chinese allergy line's entry tells its
 * effect after full-width commas too ("Codeine 會便秘、頭暈"). */
bool notes__effect_follows(const sentence *s, size_t k, bool comma_ends);

/* notes__effect_of returns the effect written as drug item k's: caused by it
 * ("gave her"), felt after coming off it, or laid on it ("secondary
 * to"); or NULL. */
const item *notes__effect_of(const sentence *s, size_t k);

/* notes__course_context makes a medicine told with no context past when its
 * course is told done (in Chinese by its days, in English by "completed" or
 * "finished" before it) or the drug is dated. */
void notes__course_context(const sentence *s, size_t k, notes_finding *f);

/* smoking.c */

/* TOBACCO_USE: the code of a smoking status, WHO ICD-10 Z72.0 "Tobacco
 * use" (knowledge/problems.csv's smoking block). */
#define TOBACCO_USE "Z72.0"

/* notes__smoking sets the context of smoking item k's finding f (Z72.0)
 * from the status its own words give ("ex-smoker" historical,
 * "non-smoker" negated, 吸烟40年，已戒5年 historical), never planned or
 * past by a trigger alone; returns false when the item is no tobacco use
 * (a drug smoked, passive smoking). */
bool notes__smoking(const sentence *s, size_t k, notes_finding *f);

/* screen.c */

/* notes__screen_named: is problem item k of s an infection a screening
 * test looks for, named only as the test's target with no result in its
 * clause ("hepatitis B and C, HIV, TB screen", "COVID screen not
 * required", "完善乙肝、结核筛查", "乙肝五项、丙肝、HIV")? */
bool notes__screen_named(const sentence *s, size_t k);

/* finding.c */

/* notes__finding turns item k into a finding, or returns false (a class named
 * outside an allergy, a cue, a trigger). */
bool notes__finding(const sentence *s, size_t k, notes_finding *f);

/* notes__keep adds f to out unless seen; false when out is full. */
bool notes__keep(notes_reading *out, const notes_finding *f);

/* notes__keep_finding adds f, read in s, to out, a dated allergy as the
 * allergy and, to a substance, the past medicine (a class named is no
 * medicine) unless only "既往" dates it; false when out is full. */
bool notes__keep_finding(const sentence *s, notes_reading *out,
			 notes_finding *f);

/* notes__denied_outright marks the allergies negated in s (findings
 * from first on) that s denies in so many words, "not allergic to X",
 * "not allergic to other X", "no allergy to X", "no X allergy", "not X
 * allergic", "not a X allergy": their trigger becomes DENIED_OUTRIGHT. */
void notes__denied_outright(const sentence *s, notes_reading *out,
			    size_t first);

/* notes__delabelled: is f an allergy negated by a de-labelling trigger ("label
 * removed", "removed from her record")? */
bool notes__delabelled(const notes_finding *f);

/* verdict.c */

/* notes__disowned_allergy reads the drug a "not an allergy" of s speaks of as a
 * negated allergy ("Ondansetron: pt reports \"allergic\" - gets a
 * headache with it; side effect, not an allergy"; "can't take Panadol -
 * gets itchy, but ... - not an allergy"): the writer says the reaction
 * is no allergy, so it stops no drug; its trigger de-labels the note's
 * other mentions of that allergy (delabel).  A record cue whose
 * sentence names no drug before it names the drug spoken of the same
 * way ("Septrin - \"made me really sick\".  Added to record as
 * intolerance."): an allergy.  A "not an allergy" in the parenthesis
 * right after its drug disowns it wherever the entry is filed
 * ("recorded as \"codeine: constipation (side effect, not allergy)\" in
 * the intolerance field").  False when out is full. */
bool notes__disowned_allergy(const sentence *s, notes_reading *out);

/* notes__misattributed_allergy reads an allergy s says was a relative's as the
 * patient's negated and the relative's (family); the negation stands
 * for the note's other mentions of the patient's (misattributed_code).
 * False when out is full. */
bool notes__misattributed_allergy(const sentence *s, notes_reading *out);

/* notes__suspects_zh reads the drugs a Chinese reaction consult names after
 * its culprit heading ("可疑致敏药物：别嘌醇、万古霉素、塞来昔布", "致敏药
 * 物首先考虑卡马西平；其次布洛芬"), and those a later sentence of its
 * paragraph keeps in doubt ("头孢唑林已停用3天，可能性较小"), as doubted
 * allergies; false when out is full. */
bool notes__suspects_zh(sentence *s, notes_reading *out);

/* notes__corrected_drug reads the allergy the note held to drug Y as
 * negated, and one to drug X as the patient's, where s corrects the drug
 * "was X not Y" ("Endone?? ... daughter says that was Tramal not
 * Endone"); false when out is full. */
bool notes__corrected_drug(const sentence *s, notes_reading *out);

/* notes__remember_subject keeps s's first drug, past those with a true allergy
 * of their own (verdict_subject: "Penicillin - anaphylaxis; co-amoxiclav
 * - nausea. Not an allergy."), as the one the next sentence may speak
 * of; a sentence of no words (the line break after a full stop) changes
 * nothing. */
void notes__remember_subject(sentence *s);

/* notes__keep_disowned adds, for drug item k that a not-allergy cue names, its
 * allergy negated by that cue: a de-labelling, so delabel() drops the
 * note's other mentions of the allergy ("患者入院时诉“青霉素过敏”，…，
 * 非过敏反应").  What item k says of the drug otherwise (a medicine
 * taken) stands beside it.  False when out is full. */
bool notes__keep_disowned(const sentence *s, size_t k, notes_reading *out);

/* notes__keep_relatives keeps, beside a Chinese allergy the writer says is a
 * relative's and was put on the patient (mislabelled_zh, read as
 * family), the patient's label of it denied; beside a relative's own
 * (relative_self_zh) the patient's denied by a de-labelling after it
 * ("因其本人对吗啡过敏——已解释病人无此过敏"), so that delabel() finds it. */
bool notes__keep_relatives(const sentence *s, size_t k, notes_reading *out);

/* notes__keep_given_up keeps, beside the allergy a lay intolerance makes
 * (lay_effect), the drug as a medicine the patient no longer takes:
 * refused ("refuses codeine because ...") is negated, come off
 * ("stopped", "tried ... but") historical.  "cannot take codeine - it
 * makes him sick" names an allergy only: nothing says it was taken.  f is item
 * k's finding.  False when out is full. */
bool notes__keep_given_up(const sentence *s, size_t k, const notes_finding *f,
			  notes_reading *out);

/* notes__doubt_allergy makes uncertain the allergy that s doubts: the last one
 * found before the doubt word, on s's line or in the sentence before it
 * on the paragraph (the label the writer speaks of; undoubt drops its
 * other mentions). */
void notes__doubt_allergy(const sentence *s, notes_reading *out);

/* notes__delabel_line: does s de-label with no drug of its own ("Allergies: PCN
 * - rash as child. ... allergy delabeled today and removed from EHR")?
 * Then the label removed is the allergy last read on s's line before the
 * de-labelling: it becomes negated, its trigger the de-labelling, so that
 * delabel() removes its other mentions too. */
void notes__delabel_line(const sentence *s, notes_reading *out);

/* notes__delabel_heading_zh: does s remove a label in Chinese (已去标签,
 * 已解除) after a drug it negates, a member of the class that heads the
 * sentence ("青霉素——原有\"青霉素过敏\"标签，…阿莫西林口服激发阴性，已去
 * 标签")?  Then that class's allergy is negated too (allergy75ce). */
void notes__delabel_heading_zh(const sentence *s, notes_reading *out);

/* notes__verdict_after_zh: does Chinese s, naming no drug, judge the story
 * told before it on its line no allergy ("病历记载“利多卡因过敏”。详细询问：
 * …晕倒…。考虑为血管迷走性晕厥，并非过敏。")?  Then the label it judges is
 * the allergy last read on the line: it becomes negated, as
 * notes__delabel_line's (allergy75bd). */
void notes__verdict_after_zh(const sentence *s, notes_reading *out);

/* notes__removed_record_zh: does Chinese s, after an allergy it names,
 * remove that allergy's record with no drug after the verb ("太太說病患
 * 「對阿斯匹靈過敏」，經查其實為副作用，已刪除此過敏紀錄")?  Then the last
 * affirmed allergy s names before the verb is negated. */
void notes__removed_record_zh(const sentence *s, notes_reading *out);

/* notes__doubt_restated_zh: a Chinese sentence that tells a drug's reaction
 * and then doubts its allergy ("此次服阿莫西林后出现皮疹，考虑阿莫西林过敏
 * 可能") concludes in the doubt: the allergy read first, affirmed, is
 * dropped among out's findings from first. */
void notes__doubt_restated_zh(const sentence *s, notes_reading *out,
			      size_t first);

/* notes__removed_entry: is s the one word "Removed." that closes an entry of
 * an allergy review ("a) Penicillin (amoxicillin 2015, widespread
 * hives on day 2). ... Oral amoxicillin challenge 500 mg was tolerated.
 * REMOVED.")?  Then the allergies its line read are the label removed:
 * each becomes negated, de-labelled, so that delabel() removes their
 * other mentions (and a class's, its members').  "I have removed it." on
 * an allergy line or list removes the label the line read last. */
void notes__removed_entry(const sentence *s, notes_reading *out);

/* notes__disclaimed_zh makes family the allergies Chinese sentence s read
 * (out's findings from first on) when it says they are not the patient's
 * ("与患者无关", "非病人本人") and names a relative (disowned_zh.c,
 * allergy75cy). */
void notes__disclaimed_zh(const sentence *s, notes_reading *out, size_t first);

/* notes__suspicion_excluded_zh negates the allergies of Chinese sentence s
 * (its findings from first in out) that a suspicion doubted ("曾怀疑\"肝
 * 素过敏（HIT）\"") and the rest of their entry rules out ("…已排除HIT",
 * allergy75nu, zh-dev74): the suspected allergy is not the patient's. */
void notes__suspicion_excluded_zh(const sentence *s, notes_reading *out,
				  size_t first);

/* notes__removed_named_label: the allergy a sentence de-labels by name
 * becomes negated, its trigger a de-labelling, so that delabel() removes
 * the note's other mentions of it (the question "whether she really is
 * allergic to penicillin" asked before the letter's conclusion).  The
 * mention read as affirmed may have been an earlier one's repeat: then
 * that earlier finding is the label removed. */
void notes__removed_named_label(const sentence *s, notes_reading *out);

/* notes__denied_report: the patient's bare denial right after a reported
 * allergy on its line ("Husband says she is also allergic to
 * \"Brufen\"? - she denies; ...", the question mark ending the report's
 * sentence) negates that allergy. */
void notes__denied_report(const sentence *s, notes_reading *out);

/* notes__answered_no: an allergy's question answered "no" in the next
 * sentence ("Allergies: PCN? - no, he tolerated Augmentin apart from GI
 * upset", "Sulfa? denies.", "latex? - we used latex gloves ... with no
 * reaction") negates the allergy the question named, right before its
 * "?" or its reaction's word (rules75en24, rules75en25). */
void notes__answered_no(const sentence *s, notes_reading *out);

/* notes__intolerance_charted: an allergy s denies before it charts as an
 * intolerance ("\"I'm not allergic, it just makes me itch\" - charted as
 * intolerance") is the intolerance the record keeps (verdict.c). */
void notes__intolerance_charted(const sentence *s, notes_reading *out);

/* notes__intolerance_after: a bare "Record as intolerance." after a
 * verdict "not a true allergy" on the drug the sentence before began with
 * keeps that drug's allergy, affirmed: the reaction is kept as an
 * intolerance (rules75en25). */
void notes__intolerance_after(const sentence *s, notes_reading *out);

/* notes__not_allergic_after negates the allergy that s found before a verdict
 * "not allergic" (verdict_not_allergic): the writer says the reaction
 * told is no allergy. */
void notes__not_allergic_after(const sentence *s, notes_reading *out);

/* notes__class_example_zh: a drug named in brackets right after an allergy
 * class it belongs to ("對喹諾酮類藥物（Ciprofloxacin）肌腱痛", findings from
 * first on) is the class's example, the allergy's too, not a medicine. */
void notes__class_example_zh(const sentence *s, notes_reading *out,
			     size_t first);

/* notes__member_clears_class: a sentence that names an allergy class and goes
 * on to clear a member of it (a finding from first on: "病历记载\"头孢过
 * 敏\"，经与患者核实，系头孢呋辛输液时出现静脉炎，为局部刺激，非过敏";
 * "喹诺酮类为口服环丙沙星后\"头晕\"，考虑为药物副作用而非过敏";
 * "\"Penicillin makes me sick\" - GI upset only, pt takes amoxicillin
 * for dental work without problems") explains the class label by that
 * member: the class allergy is negated wherever the note records it.  A
 * member cleared in a sentence that does not name the class, or in
 * another clause of it, leaves the class label: a true class allergy may
 * sit beside one member's side effect ("penicillin anaphylaxis;
 * co-amoxiclav diarrhoea, not an allergy"). */
void notes__member_clears_class(const sentence *s, notes_reading *out,
				size_t first);

/* notes__doubted_code: does out hold an allergy to code that a writer doubts
 * (doubt_allergy)? */
bool notes__doubted_code(const notes_reading *out, const char *code);

/* notes__misattributed_code: does out hold code as an allergy the note says
 * was a relative's, not the patient's? */
bool notes__misattributed_code(const notes_reading *out, const char *code);

/* item.c */

/* notes__item_stops reads as past a medicine that heads a list item of
 * text and that the item says later is stopped, of no other drug and not
 * to come ("- Metoprolol? - was on it 2017-2020, stopped by cardiology.",
 * "- 曲马多（便秘、恶心，停）"); settle.c runs it. */
void notes__item_stops(notes_reading *out, const char *text, size_t len);

/* settle.c */

/* notes__settle finishes out once every sentence of the note is read: a
 * later statement supersedes the mentions it speaks of (a label removed,
 * a doubt, a stop done, a refusal, a drug taken beside its doubt),
 * diabetes named without its type takes the type the note names (in
 * English, type 2 where it names none), and an unspecified problem a
 * specific one covers is dropped (refine.c).  text is the note the
 * findings' spans index, len its length.  The findings are final after
 * it. */
void notes__settle(notes_reading *out, const char *text, size_t len);

#endif
