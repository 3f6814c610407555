/*
 * allergy_text.h - allergies as people write them: free text read as the
 * substances and allergy classes of substances.h, through the pharmacy's
 * table of other names (brand names, synonyms, common misspellings) and,
 * failing an exact name, a bounded edit distance.  Pure: no I/O, no clock.
 *
 * Reading a text: it is cut into words (letters and digits; case, accents,
 * punctuation and hyphens ignored).  Every run of words that is exactly a
 * known name (a substance's code or other name, a class's code or other
 * name, or a row of the pharmacy's table), a trailing "s" ignored on
 * either side, is a reading, longest runs first; so "Augmentin", "allergy
 * to penicillins" and "rash with amoxicillin as a child" are all read.  A
 * run matches a name only with as many words as the name has or fewer
 * ("co amoxiclav" and "coamoxiclav" are co-amoxiclav; "as a" is never
 * "asa").  Words left over are compared with every name of 5 characters
 * or more by Damerau-Levenshtein distance (optimal string alignment): at
 * most 1 for names of 5 to 7 characters, 2 for 8 or more; the nearest
 * names must all mean one substance or class, or the run is ambiguous and
 * not read.  Text with no reading is an uncoded allergy.
 * docs/dose-safety.md, "Allergies as people write them".
 */
#ifndef DOSAGE_ALLERGY_TEXT_H
#define DOSAGE_ALLERGY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/arena.h>
#include <med/err.h>

/* dosage_allergy_kind - what a name of the pharmacy's table is. */
typedef enum dosage_allergy_kind {
	DOSAGE_ALLERGY_KIND_NAME = 0,	 /* the substance table's own */
	DOSAGE_ALLERGY_KIND_SYNONYM = 1, /* another name */
	DOSAGE_ALLERGY_KIND_BRAND = 2,	 /* a brand name */
	DOSAGE_ALLERGY_KIND_MISSPELLING = 3,
} dosage_allergy_kind;

/* dosage_allergy_kind_parse reads "brand", "synonym" or "misspelling". */
bool dosage_allergy_kind_parse(const char *s, dosage_allergy_kind *out);

/* dosage_allergy_kind_name returns "brand", "synonym", "misspelling" or
 * "name". */
const char *dosage_allergy_kind_name(dosage_allergy_kind k);

/* dosage_allergy_name - one row of the pharmacy's table. */
typedef struct dosage_allergy_name {
	const char *name;   /* as written: "Augmentin" */
	const char *target; /* a substance or class code: "co-amoxiclav" */
	dosage_allergy_kind kind;
	const char *source; /* where the name comes from */
} dosage_allergy_name;

/* dosage_allergy_names - the table a check reads (rows may be NULL when
 * n is 0). */
typedef struct dosage_allergy_names {
	const dosage_allergy_name *rows;
	size_t n;
} dosage_allergy_names;

#define DOSAGE_ALLERGY_READ_MAX 4

/* dosage_allergy_hit_read - one substance or class read in a text. */
typedef struct dosage_allergy_read_hit {
	const char *target; /* substance or class code */
	dosage_allergy_kind kind;
	bool spelling; /* by edit distance */
	bool phrase;   /* inside a longer text */
} dosage_allergy_read_hit;

/* dosage_allergy_reading - what a text was read as: n == 0 is an uncoded
 * allergy. */
typedef struct dosage_allergy_reading {
	dosage_allergy_read_hit hits[DOSAGE_ALLERGY_READ_MAX];
	size_t n;
	bool ambiguous; /* some words were near two meanings */
} dosage_allergy_reading;

/* dosage_allergy_read reads text through the substance table and extra
 * (may be NULL). */
void dosage_allergy_read(const char *text, const dosage_allergy_names *extra,
			 dosage_allergy_reading *out);

#define DOSAGE_ALLERGY_TEXT_KEY_MAX 256

/* dosage_allergy_text_key writes a whole text's comparison form (its
 * words, lower case, accents folded, one space apart) for a pharmacist's
 * coding of it. */
void dosage_allergy_text_key(const char *text, char *out, size_t len);

/* dosage_allergy_coding - a pharmacist's coding of one allergy text of a
 * patient (CodeAllergy). */
typedef struct dosage_allergy_coding {
	const char *text_key; /* dosage_allergy_text_key */
	const char *target;   /* substance or class code; "" not a medicine */
} dosage_allergy_coding;

typedef struct dosage_allergy_codings {
	const dosage_allergy_coding *rows;
	size_t n;
} dosage_allergy_codings;

/* dosage_allergy_coded finds text's coding in c (may be NULL), or NULL. */
const dosage_allergy_coding *
dosage_allergy_coded(const dosage_allergy_codings *c, const char *text);

/*
 * dosage_allergy_read_why writes how text was read as h for a check's
 * reason: "" for the table's own name written as it is, else
 * `"Augmentin" read as co-amoxiclav (brand name)`.
 */
void dosage_allergy_read_why(const char *text, const dosage_allergy_read_hit *h,
			     char *out, size_t len);

/*
 * dosage_allergy_severe_reaction returns the severe reaction text names
 * ("anaphylaxis", "angio-oedema", "Stevens-Johnson syndrome", "toxic
 * epidermal necrolysis", "DRESS", "AGEP", "severe cutaneous reaction"),
 * or NULL when it names none ("rash", "" and NULL).  Words compare as
 * dosage_allergy_text_key writes them.
 */
const char *dosage_allergy_severe_reaction(const char *text);

#define DOSAGE_ALLERGY_KEY_MAX 96

/* dosage_allergy_key writes name's comparison form (its words, lower
 * case, accents folded, run together; "" for a name of more than 4
 * words or none). */
void dosage_allergy_key(const char *name, char *out, size_t len);

/* dosage_allergy_starter is the shipped table
 * (services/dosage/knowledge/allergy_synonyms.csv), NUL-terminated. */
extern const char dosage_allergy_starter_csv[];

/* dosage_allergy_row_error - a problem with one line of a table. */
typedef struct dosage_allergy_row_error {
	uint32_t line;
	const char *field;
	const char *reason;
} dosage_allergy_row_error;

#define DOSAGE_ALLERGY_NAMES_MAX  5000
#define DOSAGE_ALLERGY_ERRORS_MAX 100

/* dosage_allergy_table - a parsed table and its problems (arena-backed). */
typedef struct dosage_allergy_table {
	dosage_allergy_name *rows;
	size_t n;
	dosage_allergy_row_error *errors;
	size_t n_errors;
} dosage_allergy_table;

/*
 * dosage_allergy_names_parse reads the CSV text of a table (header
 * name,substance_or_class,kind,source; '#' comments) into out, every row
 * checked: a name of 1..100 characters with letters, a substance or class
 * the table knows (stored by its code), a kind, a source, no name twice
 * and no name that already means another substance or class.  Row
 * problems go to out->errors naming the line.  Errors: MED_ERR_INVALID
 * with *why for the whole text (empty, no header, too many rows),
 * MED_ERR_NOMEM.
 */
med_err dosage_allergy_names_parse(med_arena *a, const char *csv, size_t len,
				   dosage_allergy_table *out,
				   const char **why) MED_MUST_CHECK;

#endif
