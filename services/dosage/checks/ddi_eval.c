/*
 * ddi_eval.c - the interaction rules for one drug against the patient's
 * other products (see interactions.h).
 *
 * Only the rules of the terms the checked drug meets are read: each of its
 * substances is looked up once in the compiled base, and each other
 * product's substance once, so a base of 10,000 rules costs a check what
 * the few dozen rules its substances are named in cost.
 */
#include "interactions_int.h"

#include <stdlib.h>
#include <string.h>

/* ctx - one evaluation. */
typedef struct ctx {
	const dosage_ddi_kb *kb;
	const ddi_subst *subj[DOSAGE_DDI_TERMS_MAX * 4];
	size_t n_subj;
	const dosage_class_other *others;
	const ddi_subst **oth; /* per other: its substance, NULL: none */
	size_t n_others;
	int64_t at_ms;
	/* Per term of the base: the first order in force that meets it,
	 * and the dose given nearest the check that meets it (n_others:
	 * none), so that a rule's terms cost a look-up each. */
	uint32_t *by_order, *by_dose;
	dosage_ddi_hit *hits;
	size_t n_hits, fired;
} ctx;

static int
by_code(const void *key, const void *elem)
{
	return strcmp(key, ((const ddi_subst *)elem)->code);
}

static const ddi_subst *
subst_find(const dosage_ddi_kb *kb, const char *code)
{
	if (code == NULL || kb->n_subs == 0)
		return NULL;
	return bsearch(code, kb->subs, kb->n_subs, sizeof(*kb->subs), by_code);
}

static int
by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* meets: does substance s meet term t? */
static bool
meets(const ddi_subst *s, uint32_t t)
{
	return s != NULL &&
	       bsearch(&t, s->terms, s->n_terms, sizeof(uint32_t), by_u32);
}

/* counts: does other i count for rule r (an order in force, or a dose
 * given within the rule's window of the check)? */
static bool
counts(const ctx *x, size_t i, const dosage_ddi_rule *r)
{
	int64_t t = x->others[i].t_ms, gap;

	if (x->oth[i] == NULL)
		return false;
	if (t == 0)
		return true;
	gap = t > x->at_ms ? t - x->at_ms : x->at_ms - t;
	return gap <= r->window_ms;
}

/* other_meeting is an other that counts for r and meets term t (an
 * order in force first), or n_others. */
static size_t
other_meeting(const ctx *x, const dosage_ddi_rule *r, uint32_t t)
{
	size_t i = x->by_order[t];

	if (i < x->n_others)
		return i;
	i = x->by_dose[t];
	return i < x->n_others && counts(x, i, r) ? i : x->n_others;
}

static int64_t
gap_ms(const ctx *x, size_t i)
{
	int64_t t = x->others[i].t_ms;

	return t > x->at_ms ? t - x->at_ms : x->at_ms - t;
}

/* index_others fills by_order and by_dose from the others' terms. */
static med_err
index_others(ctx *x, med_arena *a)
{
	size_t n = x->kb->n_terms + 1;

	x->by_order = med_arena_alloc(a, n * sizeof(uint32_t));
	x->by_dose = med_arena_alloc(a, n * sizeof(uint32_t));
	if (x->by_order == NULL || x->by_dose == NULL)
		return MED_ERR_NOMEM;
	for (size_t t = 0; t < n; t++)
		x->by_order[t] = x->by_dose[t] = (uint32_t)x->n_others;
	for (size_t i = 0; i < x->n_others; i++) {
		const ddi_subst *o = x->oth[i];

		for (size_t k = 0; o != NULL && k < o->n_terms; k++) {
			uint32_t t = o->terms[k];
			uint32_t *slot = x->others[i].t_ms == 0
						 ? &x->by_order[t]
						 : &x->by_dose[t];

			if (*slot == x->n_others ||
			    (x->others[i].t_ms != 0 &&
			     gap_ms(x, i) < gap_ms(x, *slot)))
				*slot = (uint32_t)i;
		}
	}
	return MED_OK;
}

static int
rank_hit(const dosage_ddi_hit *h)
{
	return (int)h->rule->severity;
}

/* keep puts h among the hits, worst first (then in the file's order),
 * dropping the mildest when full. */
static void
keep(ctx *x, const dosage_ddi_hit *h)
{
	size_t at = x->n_hits;

	x->fired++;
	while (at > 0 && (rank_hit(&x->hits[at - 1]) < rank_hit(h) ||
			  (rank_hit(&x->hits[at - 1]) == rank_hit(h) &&
			   x->hits[at - 1].rule->line > h->rule->line)))
		at--;
	if (at >= DOSAGE_DDI_HITS_MAX)
		return;
	if (x->n_hits == DOSAGE_DDI_HITS_MAX)
		x->n_hits--;
	memmove(&x->hits[at + 1], &x->hits[at], (x->n_hits - at) * sizeof(*h));
	x->hits[at] = *h;
	x->n_hits++;
}

/* subject_meeting is the checked drug's substance that meets t, or NULL. */
static const ddi_subst *
subject_meeting(const ctx *x, uint32_t t)
{
	for (size_t i = 0; i < x->n_subj; i++)
		if (meets(x->subj[i], t))
			return x->subj[i];
	return NULL;
}

/* interaction: the checked drug meets term i of r and the others meet
 * every other term. */
static void
interaction(ctx *x, const dosage_ddi_rule *r)
{
	for (size_t i = 0; i < r->n_terms; i++) {
		const ddi_subst *s = subject_meeting(x, r->term[i]);
		dosage_ddi_hit h = {.rule = r};
		bool all = s != NULL;

		for (size_t j = 0; all && j < r->n_terms; j++) {
			size_t k;

			if (j == i)
				continue;
			k = other_meeting(x, r, r->term[j]);
			all = k < x->n_others;
			if (all)
				h.other[h.n_other++] = k;
		}
		if (!all)
			continue;
		h.subject = s->code;
		keep(x, &h);
		return;
	}
}

/* seen_substance: does an earlier counted other of hit h have the
 * substance of other k? */
static bool
seen_substance(const ctx *x, const dosage_ddi_hit *h, size_t k)
{
	for (size_t i = 0; i < h->n_other; i++)
		if (x->oth[h->other[i]] == x->oth[k])
			return true;
	return false;
}

/* cumulative: n or more different substances of the group, the checked
 * drug's among them. */
static void
cumulative(ctx *x, const dosage_ddi_rule *r)
{
	const ddi_subst *s = subject_meeting(x, r->term[0]);
	dosage_ddi_hit h = {.rule = r};
	size_t n = 0;

	if (s == NULL)
		return;
	for (size_t i = 0; i < x->n_subj; i++)
		n += meets(x->subj[i], r->term[0]);
	for (size_t k = 0; k < x->n_others; k++) {
		if (!counts(x, k, r) || !meets(x->oth[k], r->term[0]))
			continue;
		if (h.n_other < sizeof(h.other) / sizeof(h.other[0]) &&
		    !seen_substance(x, &h, k)) {
			h.other[h.n_other++] = k;
			n++;
		} else if (!seen_substance(x, &h, k)) {
			n++;
		}
	}
	if (n < r->min_count)
		return;
	h.subject = s->code;
	h.n_substances = n;
	keep(x, &h);
}

/* moieties_meet: do a and b share an active moiety (each is its own
 * when it maps to none)? */
static bool
moieties_meet(const ddi_subst *a, const ddi_subst *b)
{
	size_t na = a->n_active ? a->n_active : 1;
	size_t nb = b->n_active ? b->n_active : 1;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (strcmp(a->n_active ? a->active[i] : a->code,
				   b->n_active ? b->active[j] : b->code) == 0)
				return true;
	return false;
}

/* same_drug: is o one of the checked drug's own substances, or does it
 * share an active moiety with one (valaciclovir beside aciclovir)? */
static bool
same_drug(const ctx *x, const ddi_subst *o)
{
	for (size_t i = 0; i < x->n_subj; i++)
		if (x->subj[i] == o || moieties_meet(x->subj[i], o))
			return true;
	return false;
}

static med_err
prepare(ctx *x, med_arena *a, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n && x->n_subj < DOSAGE_DDI_TERMS_MAX * 4; i++)
		if ((x->subj[x->n_subj] = subst_find(x->kb, s[i])) != NULL)
			x->n_subj++;
	x->oth = med_arena_alloc(a, (x->n_others + 1) * sizeof(*x->oth));
	if (x->oth == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < x->n_others; i++) {
		const ddi_subst *o = subst_find(x->kb, x->others[i].substance);

		/* Another product of the drug's own substance is a
		 * duplicate (the class checks), not an interaction; a home
		 * medicine continued as a named order is that order. */
		x->oth[i] =
			o != NULL && !same_drug(x, o) && !x->others[i].by_order
				? o
				: NULL;
	}
	return index_others(x, a);
}

med_err
dosage_ddi_evaluate(const dosage_ddi_kb *kb, med_arena *a, const char *const *s,
		    size_t n, const dosage_class_other *others, size_t n_others,
		    int64_t at_ms, dosage_ddi_hit *hits, size_t *n_hits)
{
	ctx x = {.kb = kb,
		 .others = others,
		 .n_others = n_others,
		 .at_ms = at_ms,
		 .hits = hits};
	uint8_t *seen;
	med_err err;

	*n_hits = 0;
	if ((err = prepare(&x, a, s, n)) != MED_OK)
		return err;
	if ((seen = med_arena_zalloc(a, kb->n_rules + 1)) == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < x.n_subj; i++)
		for (size_t t = 0; t < x.subj[i]->n_terms; t++) {
			const ddi_term *term = &kb->terms[x.subj[i]->terms[t]];

			for (size_t k = 0; k < term->n_rules; k++) {
				const dosage_ddi_rule *r =
					&kb->rules[term->rules[k]];

				if (seen[term->rules[k]])
					continue;
				seen[term->rules[k]] = 1;
				if (r->cumulative)
					cumulative(&x, r);
				else
					interaction(&x, r);
			}
		}
	*n_hits = x.n_hits;
	return MED_OK;
}
