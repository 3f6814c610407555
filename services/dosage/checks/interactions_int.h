/*
 * interactions_int.h - the compiled knowledge base, shared by ddi_kb.c
 * (which builds it) and ddi_eval.c (which reads it); nothing else sees it.
 */
#ifndef DOSAGE_INTERACTIONS_INT_H
#define DOSAGE_INTERACTIONS_INT_H

#include "interactions.h"

enum { DDI_T_SUBSTANCE = 0, DDI_T_ATC = 1, DDI_T_GROUP = 2 };

/* ddi_group - a named list of substances and ATC classes. */
typedef struct ddi_group {
	const char *name;
	const char **members; /* substance codes or ATC codes */
	bool *atc;	      /* members[i] is an ATC class */
	size_t n;
	const char *source;
	uint32_t line;
} ddi_group;

/* ddi_term - a substance, an ATC class or a group that rules name, with
 * the rules naming it. */
typedef struct ddi_term {
	const char *name;
	int kind;
	uint32_t *rules;
	size_t n_rules;
} ddi_term;

#define DDI_ACTIVES_MAX 4

/* ddi_subst - a substance of the table that meets some term: the terms
 * it meets, sorted (its own, and those its active moieties meet), and
 * the moieties (none when it is its own). */
typedef struct ddi_subst {
	const char *code;
	const char *atc;
	uint32_t *terms;
	size_t n_terms;
	const char *active[DDI_ACTIVES_MAX];
	size_t n_active;
} ddi_subst;

struct dosage_ddi_kb {
	med_arena *arena;
	char version[DOSAGE_DDI_VERSION_MAX + 1];
	ddi_group *groups;
	size_t n_groups;
	ddi_term *terms;
	size_t n_terms, cap_terms;
	dosage_ddi_rule *rules;
	size_t n_rules;
	ddi_subst *subs; /* sorted by code */
	size_t n_subs;
	int64_t window_ms;
};

#endif
