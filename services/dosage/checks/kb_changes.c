/*
 * kb_changes.c - a knowledge diff as people read it: the counts and the
 * weakening changes for an audit event (which keeps 256 bytes of a
 * detail), and the changes as KnowledgeChange messages for a reply.  One
 * form for every kind of knowledge a pharmacist changes: the interaction
 * and substance bases, the catalogue.
 */
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "interactions.h"

/* The audit service keeps 256 bytes of a detail: the lists of weakening
 * changes say how many did not fit.  The whole diff is made again from
 * the two texts the database keeps (both digests are in the event), and
 * GetInteractions shows it. */
#define AUDIT_LIST_MAX 240

const char *
dosage_kb_counts(med_arena *a, const dosage_ddi_diff *d)
{
	return med_arena_sprintf(
		a,
		"added %zu, tightened %zu, reworded %zu, weakened %zu, "
		"changed %zu, removed %zu",
		d->n_kind[DOSAGE_DDI_ADDED], d->n_kind[DOSAGE_DDI_TIGHTENED],
		d->n_kind[DOSAGE_DDI_REWORDED], d->n_kind[DOSAGE_DDI_WEAKENED],
		d->n_kind[DOSAGE_DDI_CHANGED], d->n_kind[DOSAGE_DDI_REMOVED]);
}

/* weakening: is c a change that needs a second pharmacist, of a rule of
 * severity sev (NONE: a group)? */
static bool
weakening(const dosage_ddi_change *c, dosage_ddi_severity sev)
{
	if (c->kind != DOSAGE_DDI_WEAKENED && c->kind != DOSAGE_DDI_CHANGED &&
	    c->kind != DOSAGE_DDI_REMOVED)
		return false;
	return c->group[0] ? sev == DOSAGE_DDI_NONE : c->was == sev;
}

typedef struct audit_list {
	char *buf;
	size_t len, left;
} audit_list;

/* list_add appends c to l, or counts it when l is full. */
static void
list_add(audit_list *l, const dosage_ddi_change *c)
{
	int n = -1;

	if (l->left == 0)
		n = snprintf(l->buf + l->len, AUDIT_LIST_MAX - l->len,
			     "%s%s %s%s", l->len ? "; " : "",
			     dosage_ddi_change_name(c->kind),
			     c->group[0] ? "group " : "",
			     c->group[0] ? c->group : c->rule_id);
	if (n < 0 || l->len + (size_t)n >= AUDIT_LIST_MAX) {
		l->buf[l->len] = '\0';
		l->left++;
		return;
	}
	l->len += (size_t)n;
}

const char *
dosage_kb_weakening_list(med_arena *a, const dosage_ddi_diff *d,
			 dosage_ddi_severity least)
{
	audit_list l = {med_arena_alloc(a, AUDIT_LIST_MAX + 32), 0, 0};

	if (l.buf == NULL)
		return NULL;
	l.buf[0] = '\0';
	for (int sev = DOSAGE_DDI_CONTRAINDICATED; sev >= (int)least; sev--)
		for (size_t i = 0; i < d->n; i++)
			if (weakening(&d->items[i], (dosage_ddi_severity)sev))
				list_add(&l, &d->items[i]);
	if (l.left > 0)
		snprintf(l.buf + l.len, 32, "%sand %zu more", l.len ? "; " : "",
			 l.left);
	return l.buf[0] ? l.buf : "none";
}

med_err
dosage_kb_changes_msgs(med_arena *a, const dosage_ddi_diff *d,
		       Smartmed__Dosage__V1__KnowledgeChange ***msgs, size_t *n)
{
	size_t cap = 0;

	for (size_t i = 0; i < d->n; i++) {
		const dosage_ddi_change *c = &d->items[i];
		Smartmed__Dosage__V1__KnowledgeChange *m = med_arena_push_msg(
			a, (void ***)msgs, n, &cap,
			&smartmed__dosage__v1__knowledge_change__descriptor);

		if (m == NULL)
			return MED_ERR_NOMEM;
		m->change = (char *)dosage_ddi_change_name(c->kind);
		m->rule_id = (char *)c->rule_id;
		m->group = (char *)c->group;
		m->before = (char *)c->before;
		m->after = (char *)c->after;
	}
	return MED_OK;
}
