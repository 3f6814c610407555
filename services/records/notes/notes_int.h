/*
 * notes_int.h - what the note reader's files share (scan.c, lexicon.c,
 * and the reading's own files, which add reader_int.h): the scanner of
 * words and the table of known phrases.
 */
#ifndef RECORDS_NOTES_INT_H
#define RECORDS_NOTES_INT_H

#include "notes.h"

/* The most words of a known phrase (a Chinese character is a word:
 * "否认药物过敏史" is seven); the longest comparison form of one. */
#define NOTES_PHRASE_WORDS 12
#define NOTES_WORD_MAX	   48
#define NOTES_KEY_MAX	   (NOTES_PHRASE_WORDS * (NOTES_WORD_MAX + 1))

/* The number of elements of an array (a word list), not of a pointer. */
#define N_OF(a) (sizeof(a) / sizeof(*(a)))

/* notes_tok_type - what the scanner met. */
typedef enum notes_tok_type {
	NOTES_TOK_END = 0,  /* the end of the text */
	NOTES_TOK_WORD,	    /* a word, or "?" or ";" */
	NOTES_TOK_SENTENCE, /* a sentence ends here */
} notes_tok_type;

/* notes_tok - one token: bytes [start, end) of the text, its key. */
typedef struct notes_tok {
	notes_tok_type type;
	uint32_t start, end;
	char key[NOTES_WORD_MAX + 1]; /* lower case; "" for a word too long */
	bool han; /* one Chinese character: joined to its neighbours in a
		   * phrase's comparison form without a space */
} notes_tok;

/* notes_char - one character of a note as the scanner reads it
 * (fold.c). */
typedef struct notes_char {
	size_t len;	 /* its bytes; 0: no valid UTF-8 sequence */
	char ascii;	 /* ASCII, or a full-width form folded to it; else 0 */
	char latin;	 /* the Latin letter (lower case) a Cyrillic or Greek
			  * letter is drawn like; else 0 */
	bool invisible;	 /* soft hyphen, zero-width space or joiner, word
			  * joiner, byte order mark */
	bool han;	 /* a CJK ideograph: a word by itself */
	size_t simp_len; /* a traditional ideograph: the UTF-8 of its */
	char simp[3];	 /* simplified one (hant.c); else simp_len 0 */
} notes_char;

/* notes__char reads the character at s[0, left) into *c (left > 0). */
void notes__char(const unsigned char *s, size_t left, notes_char *c);

/* notes__hant_load builds the table of traditional ideographs and their
 * simplified ones with OpenCC (hant.c); returns NULL, or what failed.
 * Called once, before any note is read. */
const char *notes__hant_load(void);

/* notes__simplified writes the UTF-8 of the simplified ideograph of the
 * traditional one cp at out (3 bytes) and returns its length; 0 when cp
 * has none. */
size_t notes__simplified(unsigned cp, char *out);

/* notes__scan reads the token at *pos of text[0, len) and moves *pos
 * past it. */
void notes__scan(const char *text, size_t len, size_t *pos, notes_tok *t);

/* notes__soft_wrap: is the line break at byte i of text[0, len) one
 * an editor put in prose, inside a sentence that goes on (scan.c)? */
bool notes__soft_wrap(const char *text, size_t len, size_t i);

/* WRAP_MIN_COLUMNS: a line shorter than this ends where its writer ended
 * it; one this long is prose that the editor wrapped (notes__soft_wrap,
 * and the paragraph an allergy heading opens, section.c). */
#define WRAP_MIN_COLUMNS 60

/* notes__scan_split scans as notes__scan does, except that a zero-width
 * space ends a word: for a word joined across one that the lexicon does
 * not know ("to<U+200B>latex"), read again as the words it separates. */
void notes__scan_split(const char *text, size_t len, size_t *pos, notes_tok *t);

/* notes_type - what a known phrase is. */
typedef enum notes_type {
	NOTES_T_NEGATED = 0, /* the five triggers, in NOTES_NEGATED's order */
	NOTES_T_HISTORICAL,
	NOTES_T_HYPOTHETICAL,
	NOTES_T_FAMILY,
	NOTES_T_UNCERTAIN,
	NOTES_T_PSEUDO,
	NOTES_T_TERMINATOR,
	NOTES_T_ALLERGY_CUE,
	NOTES_T_REACTION,
	NOTES_T_NONE_KNOWN,
	NOTES_T_INDICATION, /* "for": a reaction after it is the reason given */
	NOTES_T_TOLERATED,  /* "tolerated": the substance after it is no allergy
			     */
	NOTES_T_CAUSES, /* "gave her", "吃了会": the problem after it is the
			 * side effect of the drug before it */
	NOTES_T_SUBSTANCE,
	NOTES_T_CLASS,
	NOTES_T_PROBLEM,
} notes_type;

#define NOTES_DIR_FORWARD  1u
#define NOTES_DIR_BACKWARD 2u
/* A forward trigger whose scope ends at the word "to" ("switched from
 * ramipril to losartan": ramipril historical, losartan not). */
#define NOTES_DIR_UNTIL_TO 4u
/* A terminator that ends a trigger's scope but not an allergy's clause
 * ("with": "no fever with penicillin" vs "penicillin allergy with
 * anaphylaxis"). */
#define NOTES_DIR_SCOPE_ONLY 8u
/* A forward hypothetical trigger of a plan ("plan", "will start"): it
 * makes a medicine planned, never an allergy ("Plan: clarithromycin
 * (pen allergic)" is a known allergy). */
#define NOTES_DIR_PLAN 16u
/* A forward trigger that is a section heading ("既往史：", "家族史："):
 * its context holds for the lines under it, up to a blank line or the
 * next heading. */
#define NOTES_DIR_SECTION 32u
/* A negation trigger of de-labelling ("label removed", "removed from
 * her record", "已移除"): a documented removal of an allergy label, so
 * the note's other mentions of that allergy are negated too
 * ("carried a penicillin allergy label since childhood ... her
 * penicillin allergy has been removed from her record"). */
#define NOTES_DIR_DELABEL 64u
/* A historical trigger of stopping a drug ("stopped", "停用"): the drug
 * is past, not an allergy to it ("co-amoxiclav - rash, infusion
 * stopped" is a current allergy), as a plan's trigger leaves an allergy
 * as it is. */
#define NOTES_DIR_STOP 128u
/* A stop trigger that says the drug is already stopped ("已停用"): the
 * note's mentions of it as taken are its earlier days, so the stop
 * stands for them (settle.c, unstop), unless it reads drugs only, the
 * patient's own stop ("自己停了"), which the clinician's later mention
 * outlasts. */
#define NOTES_DIR_DONE 256u
/* A negation trigger of declining ("拒绝", "暂不使用"): the drug
 * declined is not also planned ("建议起始胰岛素，患者拒绝注射胰岛素";
 * settle.c, undecline). */
#define NOTES_DIR_DECLINE 512u
/* A forward trigger of a condition ("如", "若"): its scope runs past a
 * full-width comma to the consequence ("如肌酐升高，考虑急性肾损伤"). */
#define NOTES_DIR_PAST_COMMA 1024u
/* A past-history heading ("PMH:", "Background:") whose historical context
 * holds only for an item the list dates ("TIA 2019", "MI 10 years ago"):
 * a condition listed undated ("HTN", "T2DM") is still the patient's, and a
 * medicine listed with it ("T2DM (diet + metformin)") is taken. */
#define NOTES_DIR_DATED 2048u
/* A pseudo-trigger or terminator that says a drug is given now ("given",
 * "started", "continue"): a plan's context does not reach its clause
 * ("Plan: - ASA 324 given": aspirin taken). */
#define NOTES_DIR_GIVEN 4096u
/* A plan's heading in English ("Plan:", "A/P:") makes only medicines
 * planned: a diagnosis written under it ("A/P: NSTEMI") is the patient's. */
#define NOTES_DIR_DRUGS 8192u
/* A pseudo-trigger of a laboratory result ("sensitive to", "resistant
 * to"): the drugs after it in its clause are a culture's, not taken. */
#define NOTES_DIR_LAB 16384u
/* A trigger that dates problems only: "rash ... treated with
 * chlorphenamine, settled" is a past rash, not a past chlorphenamine. */
#define NOTES_DIR_PROBLEMS 32768u
/* A trigger about a problem only ("考虑谵妄", "预防应激性溃疡", "低钾血症
 * 已纠正"): a drug in its scope is the one given, not considered,
 * prevented or resolved. */
#define NOTES_DIR_PROBLEM 65536u
/* A terminator that continues a drug ("继续", "维持"): under a plan's
 * heading the drug it names is taken, not planned. */
#define NOTES_DIR_CONTINUE 131072u
/* A pseudo-trigger that says a drug's reaction is no allergy ("side
 * effect, not an allergy"): the drug it speaks of is a negated allergy
 * (verdict.c, disowned_allergy). */
#define NOTES_DIR_NOT_ALLERGY 262144u
/* An allergy cue that records the story before it ("recorded as
 * intolerance", "added to chart as ADR"): it names the first drug of its
 * sentence, or of the sentence before (reaction.c, recorded_reaches). */
#define NOTES_DIR_RECORDED 524288u
/* An allergy cue that names only the drug right before it ("ibuprofen
 * reaction"), never one after it ("no reaction. Amoxicillin ..."). */
#define NOTES_DIR_POSTFIX 1048576u
/* A condition that also reaches back over the drug before it in its list
 * item ("insulin sliding scale if BSL > 12": given only then), never
 * over a problem or an allergy. */
#define NOTES_DIR_BACK_DRUG 2097152u
/* A forward trigger that reaches only its own list item, not past a
 * dash, a colon or a parenthesis ("avoid morphine - oxycodone PRN"). */
#define NOTES_DIR_OWN_ITEM 4194304u
/* A reaction that is a sign of a true allergy ("anaphylaxis", "hives",
 * "过敏性休克"; cues.csv kind allergic_sign), not a side effect
 * ("diarrhoea", "胃不适") or an itch that may be the drug's histamine
 * effect: a drug's own story with one keeps its allergy beside a
 * verdict on another drug (verdict.c, own_allergy). */
#define NOTES_DIR_ALLERGIC_SIGN 8388608u
/* A trigger of taking a drug as needed, written in the clause after the
 * drug's ("布洛芬0.3g bid，疼痛时服用"): it reads back over that one
 * comma, as a stop does, and reaches nothing in its own clause
 * (context.c, stop_reaches). */
#define NOTES_DIR_AS_NEEDED 16777216u
/* A backward stop that is of the drug written last before it ("Prednisolone
 * 30mg rescue pack finished last wk"), or of a run of drugs named together
 * there, never of one further back past another drug ("insulin glargine
 * ... reduced again when prednisolone finished": the insulin goes on;
 * context.c, past_last_drug). */
#define NOTES_DIR_LAST_DRUG 33554432u

/* notes_entry - one known phrase. */
typedef struct notes_entry {
	const char *key; /* its words, one space apart */
	notes_type type;
	unsigned dir; /* triggers: NOTES_DIR_* */
	const char *code;
	const char *display;
	unsigned seq;	    /* its place in the files, for rows of one phrase */
	unsigned n_words;   /* its words (a Chinese character is one) */
	unsigned first_len; /* the bytes of its first word in key */
} notes_entry;

/* notes__find returns the phrase whose comparison form is key, or NULL. */
const notes_entry *notes__find(const char *key);

/* notes__resolution: is t a word that says a problem before it is over
 * ("resolved", "已治愈", "消退")?  The writer's own word on the problem's
 * course: the context model never overrules it. */
bool notes__resolution(const notes_entry *t);

/* SWITCHED_ONTO: the trigger of the drug a switch done moved the patient
 * on to ("Switched from ramipril to losartan in May"): taken now, in the
 * writer's own word, so the context model never makes it past. */
#define SWITCHED_ONTO "switched onto"

/* SMOKING_STATUS: the trigger of a smoking status its own words give
 * ("ex-smoker", "non-smoker", "Smoking: quit 2024", 已戒烟; smoking.c):
 * the writer's word on it, so the context model never overrules it. */
#define SMOKING_STATUS "smoking status"

/* notes__member_of: does substance code belong to allergy class code
 * cls in dosage's table (knowledge/members.csv, generated)? */
bool notes__member_of(const char *code, const char *cls);

/* notes__broad_class: is cls a class of every drug of a kind of use
 * (antibacterials, analgesics), whose members share no allergy? */
bool notes__broad_class(const char *cls);

/* notes__within_broad: is drug or class code a member of broad class
 * broad, or a class that holds one? */
bool notes__within_broad(const char *code, const char *broad);

/* notes__related: are drug or class codes a and b the same, one the
 * other's class, or two members of one class (members.csv)? */
bool notes__related(const char *a, const char *b);

/* notes__first_words returns the most words of a known phrase that
 * starts with word, 0 when none does. */
size_t notes__first_words(const char *word);

/* notes__is_trigger: is type one of the five context triggers? */
bool notes__is_trigger(notes_type type);

/* notes__entries returns the table of known phrases (*n of them). */
const notes_entry *notes__entries(size_t *n);

/* The fewest letters of a word read despite a spelling slip. */
#define NOTES_SPELLING_MIN 7

/*
 * notes__near returns the one-word substance, class or problem that word
 * (a comparison form the lexicon does not know) is one edit away from
 * (spelling.c), or NULL: too short, not letters, no such name, or more
 * than one.
 */
const notes_entry *notes__near(const char *word);

/*
 * notes__joined returns the substance, class or problem of several words
 * that word is, written without the hyphen or space between them
 * ("cotrimoxazole" is co-trimoxazole), when exactly one name (one code)
 * is; NULL otherwise.  Words of at least NOTES_SPELLING_MIN letters.
 */
const notes_entry *notes__joined(const char *word);

/* The fewest characters of a Chinese name read despite a slip. */
#define NOTES_SPELLING_MIN_HAN 4

/*
 * notes__near_han returns the substance or class name of Chinese
 * characters that run (avail characters of 3 bytes each, folded as the
 * lexicon's keys) begins with, but for one character other than its
 * first, the longest such name first; *len is its characters.  NULL when
 * none, or two of different codes, are that near (spelling.c).
 */
const notes_entry *notes__near_han(const char *run, size_t avail, size_t *len);

/* notes__drop_unspecified drops a problem read with an unspecified code
 * when out holds a more specific code of it in the same context ("type 2
 * diabetes" then "her diabetes"): refine.c. */
void notes__drop_unspecified(notes_reading *out);

/* notes__same_in (refine.c) reports whether out's first n findings hold f's
 * kind, code and context: a finding a rewrite made already held. */
bool notes__same_in(const notes_reading *out, size_t n, const notes_finding *f);

/* notes__limb_cellulitis reads cellulitis (L03.9) written with a limb
 * part as cellulitis of limb, L03.1: "cellulitis L leg", "cellulitis of
 * the right lower leg", 右下肢蜂窩性組織炎 (issue 75): refine.c. */
void notes__limb_cellulitis(notes_reading *out, const char *text, size_t len);

/* notes__root_disc reads a disc displacement (M51.2) whose line names the
 * nerve root it presses on as the disc disorder with radiculopathy, M51.1:
 * "L4/5 disc prolapse with left L5 radiculopathy", 腰椎间盘突出，右侧坐骨
 * 神经痛 (issue 75): refine.c. */
void notes__root_disc(notes_reading *out, const char *text, size_t len);

/* notes__delirium_on_dementia reads delirium (F05.9) in a note that affirms
 * a dementia (F00-F03, G30) as delirium superimposed on dementia, F05.1:
 * "UTI with delirium ... Alzheimer's dementia", 谵妄，合并阿尔茨海默病
 * (issue 75): refine.c. */
void notes__delirium_on_dementia(notes_reading *out, const char *text,
				 size_t len);

/* notes__iron_deficiency reads iron deficiency (D50.9) whose clause says
 * the anaemia is not there as iron deficiency, E61.1, and drops the
 * anaemia so denied: "Iron deficiency (ferritin 9) without anaemia",
 * 铁缺乏（不伴贫血） (issue 75, probfp75j): refine.c. */
void notes__iron_deficiency(notes_reading *out, const char *text, size_t len);

/* notes__screened_infection (screen.c): is problem code an infection a
 * blood, skin or swab test screens for (tuberculosis A15-A19, syphilis
 * A50-A53, viral hepatitis B15-B19, HIV B20-B24 and Z21, a carrier state
 * Z22)?  Its name alone is a test ordered; its result is annotated. */
bool notes__screened_infection(const char *code);

/* notes__narrowed_by_words: is code one that the words around a term
 * narrow it to in refine.c (M51.1 from a root named beside a disc
 * prolapse)?  The model drops no such problem: its category's weights
 * learnt the drops of the bare term. */
bool notes__narrowed_by_words(const char *code);

/* notes__qualify_codes reads the stage or side written beside a problem's
 * term as its code's fourth character: 2期压力性损伤 L89.1, 慢性腎病第3b期
 * N18.3, 双膝骨关节炎 M17.0, 感音神经性聋（左） H90.4 (issue 75):
 * qualify.c. */
void notes__qualify_codes(notes_reading *out, const char *text, size_t len);

/* notes__felt_symptom_code: is ICD-10 code a symptom or sign the patient
 * has (R00-R69), not an abnormal result a test shows (R70-R99)?
 * (sentence.c) */
bool notes__felt_symptom_code(const char *code);

/* notes__text_holds_any: does text[from, to) hold one of words, ASCII case
 * aside (a heading's "Impression", a Chinese disclaimer)? (sentence.c) */
bool notes__text_holds_any(const char *text, size_t from, size_t to,
			   const char *const *words, size_t n);

/* notes__narrowed_code: is code one that a stage or side written beside a
 * term narrows it to (L89.1 from "grade 2 pressure ulcer", H90.3 from
 * "bilateral sensorineural hearing loss")? */
bool notes__narrowed_code(const char *code);

/* The most features of one finding, and their bytes. */
#define NOTES_FEATURES_MAX 64

/* notes_features - what the context model sees of one finding
 * (features.c): strings such as "b:denies" (a word before the mention),
 * "h:allergies" (a word of its heading), "c=historical" (the rules'
 * context), each as its hash (notes__hash of the string), and as the
 * string itself only when strings is set (the CLI, for the trainer): the
 * service looks features up by hash and builds no string. */
typedef struct notes_features {
	uint64_t hash[NOTES_FEATURES_MAX];
	const char *f[NOTES_FEATURES_MAX]; /* only when strings */
	size_t n;
	bool strings;	   /* set by the caller: write f and buf too */
	char buf[4096];	   /* the strings, each ended by a NUL */
	size_t used;	   /* the bytes of buf the features take */
	uint64_t hash_now; /* the feature being cut: its hash so far, */
	size_t len_now;	   /* and its bytes so far */
} notes_features;

/* notes_feature_note - what the features of every finding of one note
 * share, computed once. */
typedef struct notes_feature_note {
	bool han;	 /* the note holds Chinese */
	size_t problems; /* the problems the rules found in it */
	/* how many findings share each finding's code (at most 3) */
	unsigned char same[NOTES_FINDINGS_MAX];
} notes_feature_note;

/* notes__hash is the 64-bit FNV-1a of the string s: the key of a
 * feature's weights (learned.c), which features.c computes byte by byte
 * as it cuts the feature. */
uint64_t notes__hash(const char *s);

/* notes__feature_note fills *note for the reading r of text[0, len). */
void notes__feature_note(const char *text, size_t len, const notes_reading *r,
			 notes_feature_note *note);

/* notes__features writes the features of r's finding i into *out: their
 * hashes, and their strings when out->strings is set. */
void notes__features(const char *text, size_t len, const notes_reading *r,
		     const notes_feature_note *note, size_t i,
		     notes_features *out);

/* notes__kind_features writes what a decision of the kind of r's drug
 * finding i (allergy or medicine) reads beyond notes__features: its code,
 * the reaction the rules read, the other kinds the reading gives its
 * code, the allergies of the note and the words of a wider stretch of
 * its line (build/bin/notes-features --kinds, tools/notes/kind.py). */
void notes__kind_features(const char *text, size_t len, const notes_reading *r,
			  size_t i, notes_features *out);

/* notes__read_rules reads text as notes_read does, by the rules alone
 * (reader.c): what the context model is trained on and then corrects. */
void notes__read_rules(const char *text, size_t len, notes_reading *out);

/* notes__unplan_taken drops a medicine planned alone (not a restart)
 * whose drug out also holds as taken (settle.c): the plan is about the
 * drug taken.  notes_read calls it once the context model has re-read
 * the contexts, which plan and unplan drugs of their own. */
void notes__unplan_taken(notes_reading *out);

/* notes__drop_past_falls drops a fall (W19) the note does not give as
 * the present event: one past, feared, a relative's or denied. */
void notes__drop_past_falls(notes_reading *out);

/* notes__heading_of bounds in *from, *to the heading text[at] is under,
 * the one the context model reads (features.c): its own clause's label,
 * else the nearest label or short line above; *from == *to for none. */
void notes__heading_of(const char *text, size_t at, size_t *from, size_t *to);

/* notes__drop_complaints drops the problems text[0, len) gives only as
 * complaints: a symptom (ICD-10 R00-R69) outside an assessment or a
 * diagnosis list (complaint.c). */
void notes__drop_complaints(const char *text, size_t len, notes_reading *out);

/*
 * notes__named_symptom: is f a symptom (R00-R69) its heading names as a
 * problem, an assessment's or a diagnosis list's ("诊断：1.发热待查",
 * "Problems: 1. Syncope")?  The writer chose it as the problem; the
 * context model does not drop it (complaint.c).
 */
bool notes__named_symptom(const char *text, size_t len, const notes_finding *f);

/* notes__learned_apply lets the context model re-read the contexts of
 * the rules' reading out of text[0, len) and drop the problems it is
 * confident are none (learned.c). */
void notes__learned_apply(const char *text, size_t len, notes_reading *out);

/* notes__patient_starts: where each patient of a handover starts in
 * text, at the line that names the bed ("BED 4 - Rhys PRYCE", "12床
 * 张某"), at most max of them in starts; how many it found.  Fewer than
 * two: the note is about one patient (patients.c). */
size_t notes__patient_starts(const char *text, size_t len, uint32_t *starts,
			     size_t max);

#endif
