/*
 * notes.h - the note reader: allergies, problems and medicines found in
 * the free text of a clinical note, each with its context (negated,
 * historical, hypothetical, about a family member, uncertain) after the
 * NegEx and ConText rules.  Pure: no I/O, no clock, no SQL; the words it
 * knows are data (the CSV files of services/records/notes/knowledge/, built
 * in).
 *
 * A text is cut into sentences (a full stop, "!" or a question mark
 * ending a word, a line break) and words (letters and digits, case
 * ignored; bytes outside ASCII are letters but for Unicode dashes,
 * quotes and spaces), compared with invisible characters left out,
 * full-width forms as ASCII and, in a word with Latin letters, Cyrillic
 * and Greek look-alikes as Latin (fold.c).  In each sentence the longest run of
 * words that is a known phrase wins: a context trigger, a pseudo-trigger, a
 * terminator, an allergy or reaction cue, a substance or allergy class
 * (dosage's names, brand names and synonyms), a problem term.  A trigger
 * governs the mentions in its direction up to the sentence's end or the first
 * terminator (ConText's scope).  A substance or class an allergy cue
 * names (a cue before it in its clause, or right after it, not across a
 * parenthesis), on a line under an "Allergies:" heading, or within three
 * words of a reaction not given as a reason ("for wheeze"), is an
 * allergy; after "tolerated" it is taken (a class: a negated allergy);
 * another substance is a medicine; a problem term is a problem.
 * docs/note-reader.md.
 */
#ifndef RECORDS_NOTES_H
#define RECORDS_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* notes_kind - what a finding is. */
typedef enum notes_kind {
	NOTES_ALLERGY = 1,
	NOTES_PROBLEM = 2,
	NOTES_MEDICINE = 3,
} notes_kind;

/* Context bits of a finding (ConText's categories). */
#define NOTES_NEGATED	   0x01u
#define NOTES_HISTORICAL   0x02u
#define NOTES_HYPOTHETICAL 0x04u
#define NOTES_FAMILY	   0x08u
#define NOTES_UNCERTAIN	   0x10u

/* The most findings one text gives (a mention of the same kind, code and
 * context as an earlier one is not a new finding): a hard cap that only
 * absurd input reaches (a note naming most of the lexicon in several
 * contexts); the rest are left unread and the reading says so
 * (stopped), so that a clinician reads the note. */
#define NOTES_FINDINGS_MAX	1024
#define NOTES_FINDINGS_MAX_TEXT "1024"
/* The most bytes of a text read (a 2-page note is about 6 KB). */
#define NOTES_TEXT_MAX (256u * 1024u)
/* The most words of one sentence; a longer one is cut there. */
#define NOTES_SENTENCE_WORDS 128

/* notes_finding - one mention read in a text. */
typedef struct notes_finding {
	notes_kind kind;
	/* substance or class code ("penicillins"), ICD-10 code ("I10"); ""
	 * for "no known allergies" */
	const char *code;
	const char *display;  /* the problem's title, the substance's code */
	const char *system;   /* "substance", "class", "ICD-10", "" */
	const char *reaction; /* an allergy's reaction word, or "" */
	uint32_t start, end;  /* the mention: bytes [start, end) of the text */
	unsigned context;     /* NOTES_NEGATED ... */
	const char *trigger;  /* the first trigger that set context, or "" */
	/* where the last of its later mentions starts, 0 when it has none
	 * (a note names a drug many times; the first mention stands for
	 * them) */
	uint32_t again;
} notes_finding;

/* notes_reading - what a text was read as. */
typedef struct notes_reading {
	notes_finding findings[NOTES_FINDINGS_MAX];
	size_t n;
	/* NULL when the whole text was read, else why the reader stopped
	 * ("text longer than 262144 bytes: the rest not read") */
	const char *stopped;
} notes_reading;

/*
 * notes_read reads len bytes of text (need not be NUL-terminated, may
 * hold NULs or invalid UTF-8) into *out.  Spans never cut a UTF-8
 * sequence and never pass len.  Thread-safe: the built-in word lists are
 * loaded once.  Never fails: a text it cannot read whole gives what it
 * read and says why it stopped.
 */
void notes_read(const char *text, size_t len, notes_reading *out);

/* notes_is_suggested: does f become a suggestion?  Not when negated,
 * hypothetical or about a family member; "no known allergies" never. */
bool notes_is_suggested(const notes_finding *f);

/* notes_kind_name returns "allergy", "problem" or "medicine". */
const char *notes_kind_name(notes_kind k);

/* notes_context_text writes ctx's names, comma-separated
 * ("negated,historical"), or "affirmed" for none, into out. */
void notes_context_text(unsigned ctx, char *out, size_t len);

/* notes_lexicon_check returns NULL when the built-in word lists loaded
 * whole, else the first problem ("context.csv line 12: ..."). */
const char *notes_lexicon_check(void);

/* notes_model_check returns NULL when the context model's built-in
 * weights (knowledge/learned.tsv) loaded whole, else what is wrong with
 * them ("learned.tsv line 3: ..."); records refuses to start on it,
 * as on broken word lists (notes_read would give the rules' reading
 * alone). */
const char *notes_model_check(void);

/* notes_lexicon_size returns how many phrases the reader knows. */
size_t notes_lexicon_size(void);

#endif
