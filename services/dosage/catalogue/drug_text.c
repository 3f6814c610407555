/*
 * drug_text.c - a drug's other ingredients, dose bands and hepatic bands
 * as text (drug.h), for the CSV import and the catalogue table.
 */
#include <med/check.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "drug.h"
#include "catalogue.h"
#include "classes.h"
#include "route.h"
#include "substances.h"

/* --- lists: forms, routes, GTINs as "a;b" ----------------------------- */

med_err
dosage_list_read(med_arena *a, const char *text, char ***out, size_t *n)
{
	size_t k = 0, cap = 1;
	char **v;
	char *copy = med_arena_strdup(a, text ? text : ""), *p;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; *p; p++)
		cap += *p == ';';
	v = med_arena_alloc(a, cap * sizeof(*v));
	if (v == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; *copy;) {
		char *semi = strchr(p, ';');

		v[k++] = p;
		if (semi == NULL)
			break;
		*semi = '\0';
		p = semi + 1;
	}
	*out = v;
	*n = k;
	return MED_OK;
}

char *
dosage_list_text(med_arena *a, char *const *items, size_t n)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	out = med_arena_alloc(a, len);
	if (out == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		if (i > 0)
			*p++ = ';';
		memcpy(p, items[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

/* --- text forms of ingredients and bands (CSV and the catalogue table) -- */

char *
dosage_ingredients_text(med_arena *a, const dosage_drug *d)
{
	char buf[512] = "";
	size_t off = 0;

	for (size_t i = 0; i < d->n_other_ingredients && off < sizeof(buf);
	     i++) {
		const Smartmed__Dosage__V1__Ingredient *g =
			d->other_ingredients[i];

		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"%s%s:%.15g:%s", i ? ";" : "",
					g->substance, g->strength,
					g->strength_unit);
	}
	return off < sizeof(buf) ? med_arena_strdup(a, buf) : NULL;
}

/* ingredient_read parses "substance:strength:unit" (a copy it may cut). */
static bool
ingredient_read(char *item, Smartmed__Dosage__V1__Ingredient *g)
{
	char *c1 = strchr(item, ':'), *c2, *end = NULL;

	if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return false;
	*c1 = *c2 = '\0';
	g->substance = item;
	g->strength = strtod(c1 + 1, &end);
	g->strength_unit = c2 + 1;
	return end != c1 + 1 && *end == '\0';
}

med_err
dosage_ingredients_read(med_arena *a, const char *text, dosage_drug *d)
{
	char *copy = med_arena_strdup(a, text ? text : ""), *p;
	size_t cap = 0;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; *p;) {
		char *semi = strchr(p, ';');
		Smartmed__Dosage__V1__Ingredient *g;

		if (semi)
			*semi = '\0';
		g = med_arena_push_msg(
			a, (void ***)&d->other_ingredients,
			&d->n_other_ingredients, &cap,
			&smartmed__dosage__v1__ingredient__descriptor);
		if (g == NULL)
			return MED_ERR_NOMEM;
		if (!ingredient_read(p, g))
			return MED_ERR_INVALID;
		p = semi ? semi + 1 : p + strlen(p);
	}
	return MED_OK;
}

char *
dosage_groups_text(med_arena *a, const dosage_drug *d)
{
	dosage_dose_group g[DOSAGE_DOSE_MAX_GROUPS];
	char buf[2048], why[128];
	size_t n;

	if (dosage_drug_groups(d, g, &n, why, sizeof(why)) != MED_OK ||
	    !dosage_dose_groups_format(g, n, buf, sizeof(buf)))
		return NULL;
	return med_arena_strdup(a, buf);
}

med_err
dosage_groups_read(med_arena *a, const char *text, dosage_drug *d, char *why,
		   size_t len)
{
	dosage_dose_group g[DOSAGE_DOSE_MAX_GROUPS];
	size_t n = 0;
	med_err err = dosage_dose_groups_parse(text, g, DOSAGE_DOSE_MAX_GROUPS,
					       &n, why, len);

	if (err != MED_OK)
		return err;
	return dosage_groups_to_drug(a, g, n, d);
}

char *
dosage_hepatic_text(med_arena *a, const dosage_drug *d)
{
	dosage_dose_limits l = {0};
	char buf[64];

	dosage_drug_hepatic(d, &l);
	if (!dosage_dose_hepatic_format(&l, buf, sizeof(buf)))
		return NULL;
	return med_arena_strdup(a, buf);
}

med_err
dosage_hepatic_read(med_arena *a, const char *text, dosage_drug *d)
{
	dosage_dose_limits l = {0};
	size_t cap = 0;

	if (dosage_dose_hepatic_parse(text, &l) != MED_OK)
		return MED_ERR_INVALID;
	d->hepatic_bands = NULL;
	d->n_hepatic_bands = 0;
	for (int k = 0; k < 3; k++) {
		Smartmed__Dosage__V1__HepaticBand *b;

		if (!(l.hepatic_set & (1u << k)))
			continue;
		b = med_arena_push_msg(
			a, (void ***)&d->hepatic_bands, &d->n_hepatic_bands,
			&cap, &smartmed__dosage__v1__hepatic_band__descriptor);
		if (b == NULL)
			return MED_ERR_NOMEM;
		b->child_pugh_class = med_arena_strdup(a, k == 0   ? "A"
							  : k == 1 ? "B"
								   : "C");
		b->dose_factor = l.hepatic_factor[k];
		if (b->child_pugh_class == NULL)
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}
