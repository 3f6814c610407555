/*
 * substance_kb.h - the substance knowledge base: lab and drug-level rules
 * and pregnancy rules written once per substance (its active moiety), and
 * the map from salts, esters and pro-drugs to their moiety.  Every
 * catalogue product inherits the rules of its substances; its own
 * lab_rules and pregnancy fields only add to them (docs/dose-safety.md,
 * "Substance knowledge").
 *
 * It holds age rules and opioid-naive rules per substance too.
 * The shipped file, services/dosage/knowledge/substance_rules.csv, is
 * built into the service (substance_kb_starter.c) and parsed when the
 * service starts: a file with any bad line stops the start, naming the
 * line, so the service never runs on half a knowledge base.  After the
 * start the base is read-only and read by every thread.
 */
#ifndef DOSAGE_SUBSTANCE_KB_H
#define DOSAGE_SUBSTANCE_KB_H

#include <stddef.h>
#include <med/err.h>

#include "dose_types.h"

/* dosage_substance_kb - a parsed knowledge base (immutable). */
typedef struct dosage_substance_kb dosage_substance_kb;

/*
 * dosage_substance_kb_parse reads text (len bytes, the CSV format of
 * substance_rules.csv) into a new base in *out.  Every record is checked
 * and one bad record refuses the whole text: MED_ERR_INVALID with why
 * naming the line and what is wrong (an unknown kind, substance or LOINC
 * code, a unit that does not convert, a rule without a source, two rules
 * of one substance, analyte and direction, a rule written for a salt
 * rather than its moiety, a missing version).  MED_ERR_NOMEM without
 * memory.  The caller frees *out with dosage_substance_kb_free.
 */
med_err dosage_substance_kb_parse(const char *text, size_t len,
				  dosage_substance_kb **out, char *why,
				  size_t why_len)
	__attribute__((warn_unused_result));

/* dosage_substance_kb_free releases kb; NULL is fine. */
void dosage_substance_kb_free(dosage_substance_kb *kb);

/* dosage_substance_kb_version is kb's version label. */
const char *dosage_substance_kb_version(const dosage_substance_kb *kb);

/* dosage_substance_kb_moiety returns the active moiety the substance code
 * maps to, or the code itself when the base maps it to none. */
const char *dosage_substance_kb_moiety(const dosage_substance_kb *kb,
				       const char *substance);

/*
 * dosage_substance_kb_apply adds to l the rules kb holds for the moieties
 * of l's substances: each lab rule after the drug's own (all of them are
 * checked, and the strictest result stands, so a drug's own rule can
 * tighten an inherited one but never loosen it), and the stricter of the
 * drug's own pregnancy rule and its substances'.  kb NULL adds nothing.
 */
void dosage_substance_kb_apply(const dosage_substance_kb *kb,
			       dosage_dose_limits *l);

/*
 * dosage_substance_kb_naive returns the origin (rule, line, version and
 * source) of the opioid_naive rule that a start of a product with
 * substances[0..n) by route (NULL: none) in forms[0..n_forms) meets: a
 * rule of one of the substances' moieties with a keyword that route or a
 * form holds (any case: "transdermal", "modified-release"); *stop says
 * whether it stops or warns.  NULL when none does, or kb is NULL.
 */
const char *dosage_substance_kb_naive(const dosage_substance_kb *kb,
				      const char *const *substances, size_t n,
				      const char *route,
				      const char *const *forms, size_t n_forms,
				      bool *stop);

/* dosage_substance_kb_starter is the shipped file (built in) and its
 * length. */
const char *dosage_substance_kb_starter(size_t *len);

/* dosage_substance_kb_start parses the shipped file and makes it the base
 * dosage_limits applies; MED_ERR_INVALID (logged, naming the line) when
 * it does not read.  Called once, before the service serves. */
med_err dosage_substance_kb_start(void) __attribute__((warn_unused_result));

/* dosage_substance_kb_stop forgets and frees the active base. */
void dosage_substance_kb_stop(void);

/* dosage_substance_kb_active is the base dosage_substance_kb_start made
 * active, or NULL before it. */
const dosage_substance_kb *dosage_substance_kb_active(void);

#endif
