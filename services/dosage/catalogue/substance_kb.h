/*
 * substance_kb.h - the substance knowledge base: lab and drug-level rules
 * and pregnancy rules written once per substance (its active moiety), and
 * the map from salts, esters and pro-drugs to their moiety.  Every
 * catalogue product inherits the rules of its substances; its own
 * lab_rules and pregnancy fields only add to them (docs/dose-safety.md,
 * "Substance knowledge").
 *
 * It holds age, opioid-naive, renal and hepatic rules per substance too;
 * a renal rule may hold one regimen (prophylaxis or treatment) only, a
 * hepatic rule holds its Child-Pugh class and the worse ones.
 * The shipped file, services/dosage/knowledge/substance_rules.csv, is
 * built into the service (substance_kb_starter.c) and parsed when the
 * service starts: a file with any bad line stops the start, naming the
 * line, so the service never runs on half a knowledge base.  A pharmacy's
 * own file is parsed from its text the same way (ImportSubstanceKnowledge)
 * and put in force whole with dosage_substance_kb_use.  A base is
 * read-only once parsed and read by every thread.
 */
#ifndef DOSAGE_SUBSTANCE_KB_H
#define DOSAGE_SUBSTANCE_KB_H

#include <stdbool.h>
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

/* The most components one combination record set may name. */
#define DOSAGE_SUBSTANCE_ACTIVES_MAX 4

/* dosage_substance_kb_actives writes into out (at most max) the active
 * moieties substance stands for: a salt's, ester's or pro-drug's moiety,
 * or each component of a combination product; returns how many (0: the
 * substance is its own active moiety, or kb is NULL). */
size_t dosage_substance_kb_actives(const dosage_substance_kb *kb,
				   const char *substance, const char **out,
				   size_t max);

/* dosage_substance_kb_share: do substance codes a and b share an active
 * moiety (valaciclovir and aciclovir; co-trimoxazole and trimethoprim; a
 * and b themselves when equal)? */
bool dosage_substance_kb_share(const dosage_substance_kb *kb, const char *a,
			       const char *b);

/* dosage_substance_kb_words writes substance as reasons name it: the code,
 * then what it stands for ("valaciclovir (active moiety aciclovir)",
 * "co-trimoxazole (components sulfamethoxazole, trimethoprim)"). */
void dosage_substance_kb_words(const dosage_substance_kb *kb,
			       const char *substance, char *buf, size_t len);

/* dosage_substance_kb_moiety returns the active moiety the substance code
 * maps to, or the code itself when the base maps it to none. */
const char *dosage_substance_kb_moiety(const dosage_substance_kb *kb,
				       const char *substance);

/*
 * dosage_substance_kb_apply adds to l the rules kb holds for the moieties
 * of l's substances (a combination's: each component's), and lists in
 * l->actives the moieties that differ from the substances: each lab rule after
 * the drug's own (all of them are checked, and the strictest result stands, so
 * a drug's own rule can tighten an inherited one but never loosen it), and the
 * stricter of the drug's own pregnancy rule and its substances'.  kb NULL adds
 * nothing.
 */
void dosage_substance_kb_apply(const dosage_substance_kb *kb,
			       dosage_dose_limits *l);

/* dosage_substance_record_kind - what one record of a base is. */
typedef enum dosage_substance_record_kind {
	DOSAGE_SUBSTANCE_MOIETY = 0,
	DOSAGE_SUBSTANCE_LAB = 1,
	DOSAGE_SUBSTANCE_PREGNANCY = 2,
	DOSAGE_SUBSTANCE_COMPONENT = 3,
	DOSAGE_SUBSTANCE_AGE = 4,
	DOSAGE_SUBSTANCE_NAIVE = 5,
	DOSAGE_SUBSTANCE_RENAL = 6,
	DOSAGE_SUBSTANCE_HEPATIC = 7,
} dosage_substance_record_kind;

/* dosage_substance_record - one record, pointing into its base. */
typedef struct dosage_substance_record {
	dosage_substance_record_kind kind;
	const char *substance; /* the substance (or moiety) it is for */
	const char *moiety;    /* MOIETY: the active moiety; COMPONENT: it */
	const dosage_lab_rule *lab; /* LAB: the rule */
	dosage_pregnancy_risk risk; /* PREGNANCY */
	const dosage_age_rule *age; /* AGE: the rule */
	const char *keywords;	    /* NAIVE: the routes and forms it reads */
	bool stop;		    /* NAIVE: stops (else warns) */
	const dosage_renal_rule *renal; /* RENAL: the rule */
	double max_start; /* NAIVE: the largest start it answers (0: any) */
	const dosage_hepatic_rule *hepatic; /* HEPATIC: the rule */
} dosage_substance_record;

/* dosage_substance_kb_counts gives kb's lab, pregnancy, age and
 * opioid-naive rules and its moiety and component records (0 for NULL). */
void dosage_substance_kb_counts(const dosage_substance_kb *kb, size_t *n_rules,
				size_t *n_moieties);

/* dosage_substance_kb_n_records is how many records kb holds (0: NULL). */
size_t dosage_substance_kb_n_records(const dosage_substance_kb *kb);

/* dosage_substance_kb_record describes record i (0..n_records) of kb. */
void dosage_substance_kb_record(const dosage_substance_kb *kb, size_t i,
				dosage_substance_record *out);

/* dosage_substance_kb_use makes kb (the caller's, now the service's) the
 * base dosage_limits applies.  The one it replaces stays readable until
 * dosage_substance_kb_stop: a check on another thread may be reading it.
 * Errors: MED_ERR_NOMEM (kb stays the caller's). */
med_err dosage_substance_kb_use(dosage_substance_kb *kb)
	__attribute__((warn_unused_result));

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

/* dosage_regimen_parse reads an order's regimen: "" (not stated, ANY),
 * "prophylaxis" or "treatment"; -1 for anything else. */
int dosage_regimen_parse(const char *s);

/* dosage_regimen_name names r as reasons do ("prophylaxis"). */
const char *dosage_regimen_name(dosage_regimen r);

/* dosage_substance_kb_naive_start is the largest start for an
 * opioid-naive patient that the opioid_naive rule of origin (as
 * dosage_substance_kb_naive returned it) answers with its own action, in
 * *unit (a mass); a larger start stops.  0 when the rule names none. */
double dosage_substance_kb_naive_start(const dosage_substance_kb *kb,
				       const char *origin, const char **unit);

/* dosage_substance_kb_starter is the shipped file (built in) and its
 * length. */
const char *dosage_substance_kb_starter(size_t *len);

/* dosage_substance_kb_start parses the shipped file and makes it the base
 * dosage_limits applies; MED_ERR_INVALID (logged, naming the line) when
 * it does not read.  Called once, before the service serves. */
med_err dosage_substance_kb_start(void) __attribute__((warn_unused_result));

/* dosage_substance_kb_stop forgets and frees the active base and every
 * base it replaced. */
void dosage_substance_kb_stop(void);

/* dosage_substance_kb_active is the base dosage_substance_kb_start made
 * active, or NULL before it. */
const dosage_substance_kb *dosage_substance_kb_active(void);

#endif
