/*
 * substances.h - the coded substances and allergy classes the dose checks
 * know: pure data and functions, no I/O.
 *
 * A substance has a code (its lower-case international name,
 * "paracetamol"), the other names it goes by ("acetaminophen") and the
 * allergy classes it belongs to ("penicillins").  The catalogue stores a
 * drug's substance by its code and refuses a name the table does not
 * know; patients' allergies are matched through the same table, so
 * "Penicillin", "penicillins" and "PENICILLIN CLASS" all mean the class
 * penicillins, and "acetaminophen" means paracetamol.  Names compare
 * case-, space-, hyphen- and accent-insensitively.
 *
 * Cross-sensitivity: an allergy to one class may warn for another
 * (penicillins -> cephalosporins and carbapenems), and an allergy to one
 * member of a class warns for its other members where the class says so
 * (NSAIDs, opioids); for penicillins it is a hard stop.
 * docs/dose-safety.md lists the table.
 */
#ifndef DOSAGE_SUBSTANCES_H
#define DOSAGE_SUBSTANCES_H

#include <stdbool.h>
#include <stddef.h>

/* dosage_substance - one row of the table. */
typedef struct dosage_substance {
	const char *code;    /* "amoxicillin" */
	const char *names;   /* other names, '|' separated; may be "" */
	const char *classes; /* allergy classes, '|' separated; may be "" */
} dosage_substance;

/* dosage_substance_find returns the substance that name (its code or one
 * of its names, any case) names, or NULL. */
const dosage_substance *dosage_substance_find(const char *name);

/* dosage_allergy_class_find returns the class code that name names
 * ("Penicillin" -> "penicillins"), or NULL. */
const char *dosage_allergy_class_find(const char *name);

/* dosage_allergy_hit - what an allergy means for a substance. */
typedef enum dosage_allergy_hit {
	DOSAGE_ALLERGY_NONE = 0,
	/* A class the evidence shows no cross-reactivity with (sulfonamide
	 * antibiotics and the non-antibiotic sulfonamides): a note in an
	 * ok result, never a warning. */
	DOSAGE_ALLERGY_NOTE = 1,
	DOSAGE_ALLERGY_CROSS = 2, /* cross-sensitivity: warn */
	DOSAGE_ALLERGY_MATCH = 3, /* the substance or its class: hard stop */
} dosage_allergy_hit;

/*
 * dosage_allergy_check compares one recorded allergy (as entered: a
 * substance or class name) with a substance code and writes why into
 * why (e.g. "penicillin allergy: amoxicillin is a penicillin").  An
 * allergy the table does not know matches only a substance of the same
 * name.
 */
dosage_allergy_hit dosage_allergy_check(const char *allergy,
					const char *substance, char *why,
					size_t len);

/* dosage_substances_each calls fn for every row (for docs and tests). */
void dosage_substances_each(void (*fn)(const dosage_substance *s, void *ctx),
			    void *ctx);

/* dosage_allergy_classes_each calls fn with every allergy class's code and
 * other names ('|' separated; may be ""). */
void dosage_allergy_classes_each(void (*fn)(const char *code, const char *names,
					    void *ctx),
				 void *ctx);

#endif
