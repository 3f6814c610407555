/*
 * interactions.h - drug-drug interactions: the knowledge base (its file
 * format, parsed and compiled by ddi_kb.c) and the rules' evaluation for
 * one dose or order against the patient's other products (ddi_eval.c).
 * Pure: text and lists in, results out; no SQL, no gRPC.  What a
 * substance is and which ATC classes it is in come from the caller
 * (dosage_ddi_lookup), so the module never reaches into the catalogue.
 *
 * The file (docs/dose-safety.md, "Drug-drug interactions"): CSV, one
 * record per line, '#' comment lines:
 *
 *   version,<label>
 *   group,<name>,<member;member;...>,<source>
 *   interaction,<id>,<term + term [+ ...]>,<severity>,<mechanism>,<action>,
 *       <source>[,<window_h>]
 *   cumulative,<id>,<group> >= <n>,<severity>,<mechanism>,<action>,
 *       <source>[,<window_h>]
 *
 * A term or member is a substance (any name the substance table knows),
 * an ATC class of the table (C09AA) or, for a term, a group of the file.
 * A substance meets a term through its active moieties too (the lookup's
 * actives): a rule written for potassium meets potassium citrate.
 * An interaction fires when the checked drug meets one of its terms and
 * other products of the patient meet every other term; a cumulative rule
 * when the checked drug is in the group and n or more different
 * substances of the group are in force or given together.
 */
#ifndef DOSAGE_INTERACTIONS_H
#define DOSAGE_INTERACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/arena.h>
#include <med/err.h>

#include "classes.h"

/* dosage_ddi_severity - a rule's severity, mildest first. */
typedef enum dosage_ddi_severity {
	DOSAGE_DDI_NONE = 0,
	DOSAGE_DDI_MODERATE = 1,
	DOSAGE_DDI_MAJOR = 2,
	DOSAGE_DDI_CONTRAINDICATED = 3,
} dosage_ddi_severity;

#define DOSAGE_DDI_TERMS_MAX	    4
#define DOSAGE_DDI_WINDOW_DEFAULT_H 48
#define DOSAGE_DDI_WINDOW_MAX_H	    2160 /* 90 days */
#define DOSAGE_DDI_RULES_MAX	    20000
#define DOSAGE_DDI_TEXT_MAX	    (4u << 20) /* 4 MiB */
#define DOSAGE_DDI_VERSION_MAX	    64
#define DOSAGE_DDI_ID_MAX	    32

/* dosage_ddi_lookup - what the knowledge base asks of the substance and
 * class tables (the service passes substances.c and classes.c). */
typedef struct dosage_ddi_lookup {
	/* substance: the code of the substance name names, or NULL. */
	const char *(*substance)(const char *name);
	/* atc: the ATC code of substance code, or NULL. */
	const char *(*atc)(const char *code);
	/* atc_known: is code an ATC class (any level) of the table? */
	bool (*atc_known)(const char *code);
	/* each: calls fn for the code of every substance of the table. */
	void (*each)(void (*fn)(const char *code, void *arg), void *arg);
	/* actives: writes into out (at most max) the active moieties
	 * substance code stands for (a salt's or pro-drug's moiety, a
	 * combination's components) and returns how many; 0 when it is
	 * its own.  A substance meets every term its moieties meet.  NULL:
	 * no substance maps. */
	size_t (*actives)(const char *code, const char **out, size_t max);
} dosage_ddi_lookup;

/* dosage_ddi_rule - one rule as the file states it. */
typedef struct dosage_ddi_rule {
	const char *id;	   /* "DDI-001" */
	const char *terms; /* as written, normalised ("warfarin + nsaid") */
	bool cumulative;   /* n or more of the group terms[0] */
	unsigned min_count;
	size_t n_terms;
	uint32_t term[DOSAGE_DDI_TERMS_MAX]; /* the kb's term indices */
	dosage_ddi_severity severity;
	const char *mechanism, *action, *source;
	int64_t window_ms; /* how long a dose given still counts */
	uint32_t line;
} dosage_ddi_rule;

/* dosage_ddi_kb - a parsed, compiled knowledge base (read-only, shared
 * between threads once built). */
typedef struct dosage_ddi_kb dosage_ddi_kb;

/*
 * dosage_ddi_kb_parse parses text (len bytes) as the knowledge base
 * version label (a "version" record in the text must agree) with lk's
 * tables and compiles it.  The whole text is checked first: on the first
 * problem it returns MED_ERR_INVALID with why naming the line ("line 12:
 * unknown substance, class or group \"warfarine\""); MED_ERR_NOMEM when
 * out of memory.  *out belongs to the caller (dosage_ddi_kb_free).
 */
med_err dosage_ddi_kb_parse(const char *text, size_t len, const char *label,
			    const dosage_ddi_lookup *lk, dosage_ddi_kb **out,
			    char *why, size_t why_len) MED_MUST_CHECK;

/* dosage_ddi_version_ok: is s a version label (1..64 letters, digits,
 * '-', '_' or '.')? */
bool dosage_ddi_version_ok(const char *s);

/* dosage_ddi_kb_free frees kb; NULL is fine. */
void dosage_ddi_kb_free(dosage_ddi_kb *kb);

/* dosage_ddi_kb_version is kb's label. */
const char *dosage_ddi_kb_version(const dosage_ddi_kb *kb);

/* dosage_ddi_kb_n_rules, _n_groups: how many of each. */
size_t dosage_ddi_kb_n_rules(const dosage_ddi_kb *kb);
size_t dosage_ddi_kb_n_groups(const dosage_ddi_kb *kb);

/* dosage_ddi_kb_rule is rule i (0..n_rules) in the file's order. */
const dosage_ddi_rule *dosage_ddi_kb_rule(const dosage_ddi_kb *kb, size_t i);

/* dosage_ddi_kb_window_ms is the longest window of any rule: how far back
 * (and ahead) the doses given must be read. */
int64_t dosage_ddi_kb_window_ms(const dosage_ddi_kb *kb);

/* dosage_ddi_severity_name: "contraindicated", "major", "moderate" or
 * "" for none. */
const char *dosage_ddi_severity_name(dosage_ddi_severity s);

/* dosage_ddi_change_kind - how a rule or group of an imported base
 * differs from the active one (the proto's KnowledgeChange.change). */
typedef enum dosage_ddi_change_kind {
	DOSAGE_DDI_ADDED = 0,
	DOSAGE_DDI_TIGHTENED = 1, /* stronger, nothing weaker */
	DOSAGE_DDI_REWORDED = 2,  /* mechanism, action or source only */
	DOSAGE_DDI_WEAKENED = 3,  /* weaker in some way; a group lost members */
	DOSAGE_DDI_CHANGED = 4,	  /* its kind or terms: not comparable */
	DOSAGE_DDI_REMOVED = 5,
	DOSAGE_DDI_N_CHANGE_KINDS = 6,
} dosage_ddi_change_kind;

/* dosage_ddi_change - one difference (strings "" when absent). */
typedef struct dosage_ddi_change {
	dosage_ddi_change_kind kind;
	const char *rule_id; /* a rule's, or "" */
	const char *group;   /* a group's name, or "" */
	const char *before;  /* "severity; terms; window_h h", or members */
	const char *after;
	dosage_ddi_severity was, now; /* a rule's severities (NONE: absent) */
} dosage_ddi_change;

/* dosage_ddi_diff - every difference, and how many of each kind. */
typedef struct dosage_ddi_diff {
	dosage_ddi_change *items;
	size_t n;
	size_t n_kind[DOSAGE_DDI_N_CHANGE_KINDS];
} dosage_ddi_diff;

/*
 * dosage_ddi_kb_diff compares nw with old (NULL: nothing, every rule is
 * added): rules by id (old's order, then nw's new rules), then groups by
 * name.  Memory from a (nothing points into old or nw).  Errors:
 * MED_ERR_NOMEM.
 */
med_err dosage_ddi_kb_diff(const dosage_ddi_kb *old, const dosage_ddi_kb *nw,
			   med_arena *a, dosage_ddi_diff *out) MED_MUST_CHECK;

/* dosage_ddi_diff_push appends c to d (its items array holding *cap; the
 * strings rule_id and group copied into a, before and after kept as they
 * are): the one way a diff of any knowledge kind grows.  Errors:
 * MED_ERR_NOMEM. */
med_err dosage_ddi_diff_push(med_arena *a, dosage_ddi_diff *d, size_t *cap,
			     const dosage_ddi_change *c) MED_MUST_CHECK;

/* dosage_ddi_diff_weakens: does d remove, weaken or change a rule or
 * group (what needs a second pharmacist)? */
bool dosage_ddi_diff_weakens(const dosage_ddi_diff *d);

/* dosage_ddi_change_name: "added", "tightened", "reworded", "weakened",
 * "changed" or "removed". */
const char *dosage_ddi_change_name(dosage_ddi_change_kind k);

/* dosage_kb_counts: "added N, tightened N, reworded N, weakened N,
 * changed N, removed N" (a); NULL when out of memory. */
const char *dosage_kb_counts(med_arena *a, const dosage_ddi_diff *d);

/* dosage_kb_weakening_list lists d's removed, weakened and changed rules
 * of severity least or worse, worst first, and with least NONE the groups
 * after them, in at most an audit detail's length ("removed DDI-030;
 * weakened group nsaid; and 3 more"; "none"); NULL when out of memory. */
const char *dosage_kb_weakening_list(med_arena *a, const dosage_ddi_diff *d,
				     dosage_ddi_severity least);

/* dosage_kb_changes_msgs appends d's changes to *msgs (holding *n) as
 * KnowledgeChange messages in a, pointing into d.  Errors: MED_ERR_NOMEM. */
struct Smartmed__Dosage__V1__KnowledgeChange;
med_err
dosage_kb_changes_msgs(med_arena *a, const dosage_ddi_diff *d,
		       struct Smartmed__Dosage__V1__KnowledgeChange ***msgs,
		       size_t *n) MED_MUST_CHECK;

/* dosage_drug_diff adds to d (its items holding *cap) how nw changes
 * old, column by column (catalogue_diff.c): old NULL is a new entry
 * ("added"); a maximum raised or removed, a minimum or interval lowered, a
 * safeguard turned off or a missing-fact policy softened is "weakened";
 * a rule, substance, unit, strength, route or form list replaced is
 * "changed"; names, sources and GTINs are "reworded".  Memory from a.
 * Errors: MED_ERR_NOMEM. */
struct Smartmed__Dosage__V1__Drug;
med_err dosage_drug_diff(med_arena *a,
			 const struct Smartmed__Dosage__V1__Drug *old,
			 const struct Smartmed__Dosage__V1__Drug *nw,
			 dosage_ddi_diff *d, size_t *cap) MED_MUST_CHECK;

/* dosage_ddi_hit - one rule that fired for the checked drug. */
typedef struct dosage_ddi_hit {
	const dosage_ddi_rule *rule;
	const char *subject; /* the checked drug's substance in the rule */
	/* The other products involved (others' indices), at most
	 * DOSAGE_DDI_TERMS_MAX - 1 for an interaction; for a cumulative
	 * rule one per other substance of the group, at most 8. */
	size_t other[8];
	size_t n_other;
	size_t n_substances; /* cumulative: different substances counted */
} dosage_ddi_hit;

#define DOSAGE_DDI_HITS_MAX 16

/*
 * dosage_ddi_evaluate checks a drug of substances s[0..n) at at_ms against
 * others (the patient's orders in force, t_ms 0, and products given, t_ms
 * when; an administration counts for a rule within its window of at_ms).
 * Products of one of s's substances are the same drug and not counted.
 * Writes the rules that fire into hits, worst first (at most
 * DOSAGE_DDI_HITS_MAX: the mildest beyond are dropped), their number
 * into *n_hits.  a holds the scratch memory.  Errors: MED_ERR_NOMEM (nothing
 * written).
 */
med_err dosage_ddi_evaluate(const dosage_ddi_kb *kb, med_arena *a,
			    const char *const *s, size_t n,
			    const dosage_class_other *others, size_t n_others,
			    int64_t at_ms, dosage_ddi_hit *hits,
			    size_t *n_hits) MED_MUST_CHECK;

#endif
