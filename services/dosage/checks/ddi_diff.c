/*
 * ddi_diff.c - what an imported interaction knowledge base changes against
 * the active one (interactions.h, dosage_ddi_kb_diff): rules matched by
 * id, groups by name.
 *
 * The comparison errs towards "needs a second pharmacist": a rule whose
 * kind or terms changed is "changed" (whether it now matches more or
 * fewer patients is not decided here), and a rule that is stronger in one
 * way and weaker in another is "weakened".  A hard stop that loses its
 * id, its terms or its severity is therefore never taken on one person's
 * word.
 */
#include "interactions_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERMS_KEY_MAX 1024

typedef struct diff_ctx {
	med_arena *a;
	dosage_ddi_diff *out;
	size_t cap;
} diff_ctx;

med_err
dosage_ddi_diff_push(med_arena *a, dosage_ddi_diff *d, size_t *cap,
		     const dosage_ddi_change *c)
{
	dosage_ddi_change *item;

	if (d->n == *cap) {
		size_t grow = *cap ? *cap * 2 : 32;
		dosage_ddi_change *grown =
			med_arena_alloc(a, grow * sizeof(*grown));

		if (grown == NULL)
			return MED_ERR_NOMEM;
		if (d->n)
			memcpy(grown, d->items, d->n * sizeof(*grown));
		d->items = grown;
		*cap = grow;
	}
	item = &d->items[d->n];
	*item = *c;
	/* Copied: the diff outlives both bases. */
	item->rule_id = med_arena_strdup(a, c->rule_id);
	item->group = med_arena_strdup(a, c->group);
	if (c->before == NULL || c->after == NULL || item->rule_id == NULL ||
	    item->group == NULL)
		return MED_ERR_NOMEM;
	d->n++;
	d->n_kind[c->kind]++;
	return MED_OK;
}

static med_err
push(diff_ctx *x, dosage_ddi_change_kind kind, const char *rule_id,
     const char *group, const char *before, const char *after)
{
	dosage_ddi_change c = {.kind = kind,
			       .rule_id = rule_id,
			       .group = group,
			       .before = before,
			       .after = after};

	return dosage_ddi_diff_push(x->a, x->out, &x->cap, &c);
}

/* --- rules ---------------------------------------------------------------- */

/* term_before orders two terms of kb by kind, then name. */
static bool
term_before(const dosage_ddi_kb *kb, uint32_t a, uint32_t b)
{
	const ddi_term *ta = &kb->terms[a], *tb = &kb->terms[b];

	if (ta->kind != tb->kind)
		return ta->kind < tb->kind;
	return strcmp(ta->name, tb->name) < 0;
}

/* terms_key writes what a rule matches, independent of the order of its
 * terms and of how each was spelt: kind and the sorted canonical terms
 * (the count is the rule's strength, compared apart). */
static void
terms_key(const dosage_ddi_kb *kb, const dosage_ddi_rule *r,
	  char key[TERMS_KEY_MAX])
{
	uint32_t t[DOSAGE_DDI_TERMS_MAX];
	int len = snprintf(key, TERMS_KEY_MAX, "%d", (int)r->cumulative);

	memcpy(t, r->term, r->n_terms * sizeof(t[0]));
	for (size_t i = 1; i < r->n_terms; i++)
		for (size_t j = i; j > 0 && term_before(kb, t[j], t[j - 1]);
		     j--) {
			uint32_t swap = t[j];

			t[j] = t[j - 1];
			t[j - 1] = swap;
		}
	for (size_t i = 0; i < r->n_terms && len > 0 && len < TERMS_KEY_MAX;
	     i++)
		len += snprintf(key + len, (size_t)(TERMS_KEY_MAX - len),
				"|%d:%s", kb->terms[t[i]].kind,
				kb->terms[t[i]].name);
}

/* describe is a rule as KnowledgeChange.before says it. */
static const char *
describe(med_arena *a, const dosage_ddi_rule *r)
{
	return med_arena_sprintf(a, "%s; %s; %lld h",
				 dosage_ddi_severity_name(r->severity),
				 r->terms, (long long)(r->window_ms / 3600000));
}

/* compare_strength compares the strength of two rules that match the
 * same thing: *weaker when o is stronger in any way, *stronger when n
 * is. */
static void
compare_strength(const dosage_ddi_rule *o, const dosage_ddi_rule *n,
		 bool *weaker, bool *stronger)
{
	*weaker = n->severity < o->severity || n->window_ms < o->window_ms ||
		  n->min_count > o->min_count;
	*stronger = n->severity > o->severity || n->window_ms > o->window_ms ||
		    n->min_count < o->min_count;
}

static bool
same_texts(const dosage_ddi_rule *o, const dosage_ddi_rule *n)
{
	return strcmp(o->mechanism, n->mechanism) == 0 &&
	       strcmp(o->action, n->action) == 0 &&
	       strcmp(o->source, n->source) == 0;
}

/* rule_change classifies rule o of old against rule n (same id) of nw;
 * *kind -1 when they say the same. */
static void
rule_change(const dosage_ddi_kb *old, const dosage_ddi_rule *o,
	    const dosage_ddi_kb *nw, const dosage_ddi_rule *n, int *kind)
{
	char ko[TERMS_KEY_MAX], kn[TERMS_KEY_MAX];
	bool weaker, stronger;

	terms_key(old, o, ko);
	terms_key(nw, n, kn);
	compare_strength(o, n, &weaker, &stronger);
	if (strcmp(ko, kn) != 0)
		*kind = DOSAGE_DDI_CHANGED;
	else if (weaker)
		*kind = DOSAGE_DDI_WEAKENED;
	else if (stronger)
		*kind = DOSAGE_DDI_TIGHTENED;
	else if (!same_texts(o, n))
		*kind = DOSAGE_DDI_REWORDED;
	else
		*kind = -1;
}

static int
by_rule_id(const void *a, const void *b)
{
	return strcmp((*(const dosage_ddi_rule *const *)a)->id,
		      (*(const dosage_ddi_rule *const *)b)->id);
}

/* by_id is kb's rules sorted by id (NULL for NULL; malloc'd), so that a
 * base of 20,000 rules is compared in n log n. */
static const dosage_ddi_rule **
by_id(const dosage_ddi_kb *kb, med_err *err)
{
	const dosage_ddi_rule **ix;

	if (kb == NULL)
		return NULL;
	if ((ix = malloc((kb->n_rules + 1) * sizeof(*ix))) == NULL) {
		*err = MED_ERR_NOMEM;
		return NULL;
	}
	for (size_t i = 0; i < kb->n_rules; i++)
		ix[i] = &kb->rules[i];
	qsort(ix, kb->n_rules, sizeof(*ix), by_rule_id);
	return ix;
}

static const dosage_ddi_rule *
rule_find(const dosage_ddi_rule **ix, const dosage_ddi_kb *kb, const char *id)
{
	dosage_ddi_rule key = {.id = id};
	const dosage_ddi_rule *k = &key, **hit;

	if (ix == NULL)
		return NULL;
	hit = bsearch(&k, ix, kb->n_rules, sizeof(*ix), by_rule_id);
	return hit ? *hit : NULL;
}

/* old_rules_diff: each rule of old changed or removed in nw. */
static med_err
old_rules_diff(diff_ctx *x, const dosage_ddi_kb *old, const dosage_ddi_kb *nw,
	       const dosage_ddi_rule **nw_ix)
{
	med_err err = MED_OK;

	for (size_t i = 0; i < old->n_rules && !err; i++) {
		const dosage_ddi_rule *o = &old->rules[i];
		const dosage_ddi_rule *n = rule_find(nw_ix, nw, o->id);
		int kind = DOSAGE_DDI_REMOVED;

		if (n != NULL)
			rule_change(old, o, nw, n, &kind);
		if (kind < 0)
			continue;
		err = push(x, (dosage_ddi_change_kind)kind, o->id, "",
			   describe(x->a, o), n ? describe(x->a, n) : "");
		if (!err) {
			x->out->items[x->out->n - 1].was = o->severity;
			x->out->items[x->out->n - 1].now =
				n ? n->severity : DOSAGE_DDI_NONE;
		}
	}
	return err;
}

/* rules_diff: the old rules changed or removed, then the new ones. */
static med_err
rules_diff(diff_ctx *x, const dosage_ddi_kb *old, const dosage_ddi_kb *nw)
{
	med_err err = MED_OK;
	const dosage_ddi_rule **old_ix = by_id(old, &err);
	const dosage_ddi_rule **nw_ix = by_id(nw, &err);

	if (err == MED_OK && old != NULL)
		err = old_rules_diff(x, old, nw, nw_ix);
	for (size_t i = 0; i < nw->n_rules && !err; i++) {
		const dosage_ddi_rule *n = &nw->rules[i];

		if (rule_find(old_ix, old, n->id) != NULL)
			continue;
		err = push(x, DOSAGE_DDI_ADDED, n->id, "", "",
			   describe(x->a, n));
		if (!err)
			x->out->items[x->out->n - 1].now = n->severity;
	}
	free(old_ix);
	free(nw_ix);
	return err;
}

/* --- groups --------------------------------------------------------------- */

static const ddi_group *
group_of(const dosage_ddi_kb *kb, const char *name)
{
	for (size_t i = 0; kb != NULL && i < kb->n_groups; i++)
		if (strcmp(kb->groups[i].name, name) == 0)
			return &kb->groups[i];
	return NULL;
}

static bool
has_member(const ddi_group *g, const char *m)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->members[i], m) == 0)
			return true;
	return false;
}

/* subset: is every member of a one of b's? */
static bool
subset(const ddi_group *a, const ddi_group *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!has_member(b, a->members[i]))
			return false;
	return true;
}

/* members joins g's members with ';'. */
static const char *
members(med_arena *a, const ddi_group *g)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < g->n; i++)
		len += strlen(g->members[i]) + 1;
	if ((s = med_arena_alloc(a, len)) == NULL)
		return NULL;
	p = s;
	for (size_t i = 0; i < g->n; i++) {
		size_t n = strlen(g->members[i]);

		if (i > 0)
			*p++ = ';';
		memcpy(p, g->members[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}

static med_err
groups_diff(diff_ctx *x, const dosage_ddi_kb *old, const dosage_ddi_kb *nw)
{
	med_err err = MED_OK;

	for (size_t i = 0; old != NULL && i < old->n_groups && !err; i++) {
		const ddi_group *o = &old->groups[i];
		const ddi_group *n = group_of(nw, o->name);
		int kind = DOSAGE_DDI_REMOVED;

		if (n != NULL)
			kind = !subset(o, n)   ? DOSAGE_DDI_WEAKENED
			       : !subset(n, o) ? DOSAGE_DDI_TIGHTENED
					       : -1;
		if (kind >= 0)
			err = push(x, (dosage_ddi_change_kind)kind, "", o->name,
				   members(x->a, o), n ? members(x->a, n) : "");
	}
	for (size_t i = 0; i < nw->n_groups && !err; i++)
		if (group_of(old, nw->groups[i].name) == NULL)
			err = push(x, DOSAGE_DDI_ADDED, "", nw->groups[i].name,
				   "", members(x->a, &nw->groups[i]));
	return err;
}

/* --- the whole base ------------------------------------------------------- */

med_err
dosage_ddi_kb_diff(const dosage_ddi_kb *old, const dosage_ddi_kb *nw,
		   med_arena *a, dosage_ddi_diff *out)
{
	diff_ctx x = {a, out, 0};
	med_err err;

	memset(out, 0, sizeof(*out));
	if ((err = rules_diff(&x, old, nw)) == MED_OK)
		err = groups_diff(&x, old, nw);
	return err;
}

bool
dosage_ddi_diff_weakens(const dosage_ddi_diff *d)
{
	return d->n_kind[DOSAGE_DDI_WEAKENED] + d->n_kind[DOSAGE_DDI_CHANGED] +
		       d->n_kind[DOSAGE_DDI_REMOVED] >
	       0;
}

const char *
dosage_ddi_change_name(dosage_ddi_change_kind k)
{
	static const char *const names[] = {
		[DOSAGE_DDI_ADDED] = "added",
		[DOSAGE_DDI_TIGHTENED] = "tightened",
		[DOSAGE_DDI_REWORDED] = "reworded",
		[DOSAGE_DDI_WEAKENED] = "weakened",
		[DOSAGE_DDI_CHANGED] = "changed",
		[DOSAGE_DDI_REMOVED] = "removed",
	};

	return (unsigned)k < DOSAGE_DDI_N_CHANGE_KINDS ? names[k] : "";
}
