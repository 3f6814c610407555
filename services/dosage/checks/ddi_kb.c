/*
 * ddi_kb.c - the interaction knowledge base: its file read, checked as a
 * whole and compiled (see interactions.h).
 *
 * Compiling resolves every term to a substance code, an ATC class or a
 * group, and works out once, for every substance of the table, the terms
 * it meets (its code, a class it is in, a group that names either): a
 * check then looks up a product's substance and walks only the rules of
 * the terms it meets, however many rules the base holds.
 */
#include "interactions_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define KB_ARENA_MAX ((size_t)256 << 20)

typedef struct parse_ctx {
	dosage_ddi_kb *kb;
	const dosage_ddi_lookup *lk;
	dosage_csv_row *rows;
	size_t n_rows;
	char *why;
	size_t why_len;
} parse_ctx;

/* fail writes "line N: ..." into why and returns MED_ERR_INVALID. */
static med_err __attribute__((format(printf, 3, 4)))
fail(parse_ctx *x, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(x->why, x->why_len, "line %u: ", (unsigned)line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < x->why_len)
		vsnprintf(x->why + n, x->why_len - (size_t)n, fmt, ap);
	va_end(ap);
	return MED_ERR_INVALID;
}

/* trim cuts the spaces around s in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static bool
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool
id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DOSAGE_DDI_ID_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return false;
	return true;
}

bool
dosage_ddi_version_ok(const char *s)
{
	return s != NULL && id_ok(s) && strlen(s) <= DOSAGE_DDI_VERSION_MAX;
}

/* --- terms ---------------------------------------------------------------- */

static const ddi_group *
group_find(const dosage_ddi_kb *kb, const char *name)
{
	for (size_t i = 0; i < kb->n_groups; i++)
		if (strcmp(kb->groups[i].name, name) == 0)
			return &kb->groups[i];
	return NULL;
}

/* resolve gives the canonical form of a member or term and its kind:
 * an ATC class, a substance, or (groups true) a group of the file. */
static bool
resolve(parse_ctx *x, const char *s, bool groups, const char **canon, int *kind)
{
	const char *code;

	if (dosage_atc_syntax_ok(s)) {
		*kind = DDI_T_ATC;
		*canon = s;
		return x->lk->atc_known(s);
	}
	if (groups && group_find(x->kb, s) != NULL) {
		*kind = DDI_T_GROUP;
		*canon = group_find(x->kb, s)->name;
		return true;
	}
	if ((code = x->lk->substance(s)) == NULL)
		return false;
	*kind = DDI_T_SUBSTANCE;
	*canon = code;
	return true;
}

/* term_index finds or adds the term (canonical name and kind). */
static med_err
term_index(dosage_ddi_kb *kb, const char *canon, int kind, uint32_t *out)
{
	ddi_term *grown;

	for (size_t i = 0; i < kb->n_terms; i++)
		if (kb->terms[i].kind == kind &&
		    strcmp(kb->terms[i].name, canon) == 0) {
			*out = (uint32_t)i;
			return MED_OK;
		}
	if (kb->n_terms == kb->cap_terms) {
		size_t cap = kb->cap_terms ? kb->cap_terms * 2 : 64;

		if ((grown = med_arena_zalloc(kb->arena,
					      cap * sizeof(*grown))) == NULL)
			return MED_ERR_NOMEM;
		if (kb->n_terms)
			memcpy(grown, kb->terms, kb->n_terms * sizeof(*grown));
		kb->terms = grown;
		kb->cap_terms = cap;
	}
	kb->terms[kb->n_terms].name = canon;
	kb->terms[kb->n_terms].kind = kind;
	*out = (uint32_t)kb->n_terms++;
	return MED_OK;
}

/* --- records -------------------------------------------------------------- */

static med_err
read_version(parse_ctx *x, const dosage_csv_row *r, bool *seen)
{
	if (r->n != 2)
		return fail(x, r->line,
			    "a version record has 2 fields, not %zu", r->n);
	if (*seen)
		return fail(x, r->line, "a second version record");
	*seen = true;
	if (strcmp(trim(r->f[1]), x->kb->version) != 0)
		return fail(x, r->line,
			    "the file says version \"%s\" but it is imported "
			    "as \"%s\"",
			    r->f[1], x->kb->version);
	return MED_OK;
}

/* split_members splits "a;b;c" into g's canonical members. */
static med_err
split_members(parse_ctx *x, const dosage_csv_row *r, ddi_group *g)
{
	char *list = r->f[2], *save = NULL, *tok;
	size_t cap = 1;

	for (const char *p = list; *p; p++)
		cap += *p == ';';
	if ((g->members = med_arena_alloc(x->kb->arena,
					  cap * sizeof(*g->members))) == NULL ||
	    (g->atc = med_arena_alloc(x->kb->arena, cap * sizeof(*g->atc))) ==
		    NULL)
		return MED_ERR_NOMEM;
	for (tok = strtok_r(list, ";", &save); tok;
	     tok = strtok_r(NULL, ";", &save)) {
		const char *canon;
		int kind;

		tok = trim(tok);
		if (tok[0] == '\0')
			continue;
		if (!resolve(x, tok, false, &canon, &kind))
			return fail(x, r->line,
				    "group %s: unknown substance or ATC class "
				    "\"%s\"",
				    g->name, tok);
		g->members[g->n] = canon;
		g->atc[g->n++] = kind == DDI_T_ATC;
	}
	if (g->n == 0)
		return fail(x, r->line, "group %s: no members", g->name);
	return MED_OK;
}

static med_err
read_group(parse_ctx *x, const dosage_csv_row *r)
{
	dosage_ddi_kb *kb = x->kb;
	ddi_group *g = &kb->groups[kb->n_groups];
	char *name;

	if (r->n != 4)
		return fail(x, r->line,
			    "a group record has 4 fields (group, name, "
			    "members, source), not %zu",
			    r->n);
	name = trim(r->f[1]);
	if (!name_ok(name, DOSAGE_DDI_ID_MAX))
		return fail(x, r->line,
			    "group name \"%s\": lower-case letters, digits "
			    "and '_'",
			    name);
	if (group_find(kb, name) != NULL)
		return fail(x, r->line, "group %s is defined twice", name);
	if (x->lk->substance(name) != NULL)
		return fail(x, r->line, "group %s has a substance's name",
			    name);
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->line = r->line;
	g->source = trim(r->f[3]);
	if (g->source[0] == '\0')
		return fail(x, r->line, "group %s: no source", name);
	kb->n_groups++;
	return split_members(x, r, g);
}

static dosage_ddi_severity
severity_of(const char *s)
{
	if (strcmp(s, "contraindicated") == 0)
		return DOSAGE_DDI_CONTRAINDICATED;
	if (strcmp(s, "major") == 0)
		return DOSAGE_DDI_MAJOR;
	if (strcmp(s, "moderate") == 0)
		return DOSAGE_DDI_MODERATE;
	return DOSAGE_DDI_NONE;
}

/* add_term resolves one term of rule r (line) into r->term. */
static med_err
add_term(parse_ctx *x, uint32_t line, dosage_ddi_rule *r, char *t)
{
	const char *canon;
	int kind;

	t = trim(t);
	if (t[0] == '\0')
		return fail(x, line, "rule %s: an empty term", r->id);
	if (r->n_terms == DOSAGE_DDI_TERMS_MAX)
		return fail(x, line, "rule %s: more than %d terms", r->id,
			    DOSAGE_DDI_TERMS_MAX);
	if (!resolve(x, t, true, &canon, &kind))
		return fail(x, line,
			    "rule %s: unknown substance, class or group "
			    "\"%s\"",
			    r->id, t);
	return term_index(x->kb, canon, kind, &r->term[r->n_terms++]);
}

static med_err
read_terms(parse_ctx *x, const dosage_csv_row *row, dosage_ddi_rule *r)
{
	char *s = row->f[2], *ge, *save = NULL, *tok;
	med_err err;
	long n;

	if (r->cumulative) {
		if ((ge = strstr(s, ">=")) == NULL)
			return fail(x, row->line,
				    "rule %s: a cumulative rule reads "
				    "\"<group> >= <n>\"",
				    r->id);
		*ge = '\0';
		n = strtol(ge + 2, &tok, 10);
		if (n < 2 || n > 10 || trim(tok)[0] != '\0')
			return fail(x, row->line,
				    "rule %s: the count must be 2 to 10",
				    r->id);
		r->min_count = (unsigned)n;
		if (group_find(x->kb, trim(s)) == NULL)
			return fail(x, row->line,
				    "rule %s: unknown group \"%s\"", r->id,
				    trim(s));
		return add_term(x, row->line, r, s);
	}
	for (tok = strtok_r(s, "+", &save); tok;
	     tok = strtok_r(NULL, "+", &save))
		if ((err = add_term(x, row->line, r, tok)) != MED_OK)
			return err;
	if (r->n_terms < 2)
		return fail(x, row->line,
			    "rule %s: an interaction names at least two terms "
			    "joined by '+'",
			    r->id);
	return MED_OK;
}

static med_err
read_window(parse_ctx *x, const dosage_csv_row *row, dosage_ddi_rule *r)
{
	const char *w = row->n == 8 ? trim(row->f[7]) : "";
	char *end;
	long h;

	r->window_ms = DOSAGE_DDI_WINDOW_DEFAULT_H * 3600000LL;
	if (w[0] == '\0')
		return MED_OK;
	h = strtol(w, &end, 10);
	if (*end != '\0' || h < 1 || h > DOSAGE_DDI_WINDOW_MAX_H)
		return fail(x, row->line,
			    "rule %s: window_h must be 1 to %d hours", r->id,
			    DOSAGE_DDI_WINDOW_MAX_H);
	r->window_ms = h * 3600000LL;
	return MED_OK;
}

/* texts takes the rule's text fields, each required. */
static med_err
texts(parse_ctx *x, const dosage_csv_row *row, dosage_ddi_rule *r)
{
	static const char *const names[] = {"severity", "mechanism", "action",
					    "source"};

	for (size_t i = 0; i < 4; i++)
		if (trim(row->f[3 + i])[0] == '\0')
			return fail(x, row->line, "rule %s: no %s", r->id,
				    names[i]);
	r->severity = severity_of(trim(row->f[3]));
	if (r->severity == DOSAGE_DDI_NONE)
		return fail(x, row->line,
			    "rule %s: severity \"%s\" is not "
			    "contraindicated, major or moderate",
			    r->id, trim(row->f[3]));
	r->mechanism = trim(row->f[4]);
	r->action = trim(row->f[5]);
	r->source = trim(row->f[6]);
	return MED_OK;
}

static med_err
read_rule(parse_ctx *x, const dosage_csv_row *row, bool cumulative)
{
	dosage_ddi_kb *kb = x->kb;
	dosage_ddi_rule *r = &kb->rules[kb->n_rules];
	med_err err;

	if (row->n != 7 && row->n != 8)
		return fail(x, row->line,
			    "a rule has 7 or 8 fields (kind, id, terms, "
			    "severity, mechanism, action, source, "
			    "window_h), not %zu",
			    row->n);
	memset(r, 0, sizeof(*r));
	r->id = trim(row->f[1]);
	r->line = row->line;
	r->cumulative = cumulative;
	if (!id_ok(r->id))
		return fail(x, row->line,
			    "rule id \"%s\": 1 to %d letters, digits, '-', "
			    "'_' or '.'",
			    r->id, DOSAGE_DDI_ID_MAX);
	if ((r->terms = med_arena_strdup(kb->arena, trim(row->f[2]))) == NULL)
		return MED_ERR_NOMEM;
	if ((err = texts(x, row, r)) != MED_OK ||
	    (err = read_terms(x, row, r)) != MED_OK ||
	    (err = read_window(x, row, r)) != MED_OK)
		return err;
	if (r->window_ms > kb->window_ms)
		kb->window_ms = r->window_ms;
	kb->n_rules++;
	return MED_OK;
}

/* --- the whole file ------------------------------------------------------- */

/* read_rows reads every record of the text into x->rows. */
static med_err
read_rows(parse_ctx *x, const char *text, size_t len)
{
	dosage_csv_reader rd = {text, text + len, 1};
	size_t cap = 64;
	dosage_csv_row row;
	int rc;

	if ((x->rows = malloc(cap * sizeof(*x->rows))) == NULL)
		return MED_ERR_NOMEM;
	while ((rc = dosage_csv_read_row(&rd, x->kb->arena, &row)) != 0) {
		if (rc < 0)
			return fail(x, row.line, "not valid CSV: %s", row.why);
		if (x->n_rows == cap) {
			dosage_csv_row *grown =
				realloc(x->rows, 2 * cap * sizeof(*grown));

			if (grown == NULL)
				return MED_ERR_NOMEM;
			x->rows = grown;
			cap *= 2;
		}
		x->rows[x->n_rows++] = row;
	}
	return MED_OK;
}

static bool
kind_is(const dosage_csv_row *r, const char *k)
{
	return r->n > 0 && strcmp(trim(r->f[0]), k) == 0;
}

/* read_all reads the groups first (a rule may name a group defined
 * below it), then the rules. */
static med_err
read_all(parse_ctx *x)
{
	dosage_ddi_kb *kb = x->kb;
	size_t n_groups = 0, n_rules = 0;
	bool version = false;
	med_err err = MED_OK;

	for (size_t i = 0; i < x->n_rows; i++) {
		const dosage_csv_row *r = &x->rows[i];

		if (kind_is(r, "group"))
			n_groups++;
		else if (kind_is(r, "interaction") || kind_is(r, "cumulative"))
			n_rules++;
		else if (!kind_is(r, "version"))
			return fail(x, r->line,
				    "unknown record \"%s\" (version, group, "
				    "interaction or cumulative)",
				    r->n ? r->f[0] : "");
	}
	if (n_rules > DOSAGE_DDI_RULES_MAX)
		return fail(x, x->rows[x->n_rows - 1].line,
			    "more than %d rules", DOSAGE_DDI_RULES_MAX);
	kb->groups = med_arena_zalloc(kb->arena,
				      (n_groups + 1) * sizeof(*kb->groups));
	kb->rules =
		med_arena_zalloc(kb->arena, (n_rules + 1) * sizeof(*kb->rules));
	if (kb->groups == NULL || kb->rules == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < x->n_rows && err == MED_OK; i++)
		if (kind_is(&x->rows[i], "group"))
			err = read_group(x, &x->rows[i]);
		else if (kind_is(&x->rows[i], "version"))
			err = read_version(x, &x->rows[i], &version);
	for (size_t i = 0; i < x->n_rows && err == MED_OK; i++)
		if (kind_is(&x->rows[i], "interaction") ||
		    kind_is(&x->rows[i], "cumulative"))
			err = read_rule(x, &x->rows[i],
					kind_is(&x->rows[i], "cumulative"));
	if (err == MED_OK && n_rules == 0)
		return fail(x, x->n_rows ? x->rows[x->n_rows - 1].line : 1,
			    "no rules");
	return err;
}

/* rule_key orders rules by what they say: kind, count and the set of
 * their terms (sorted), so that two rules saying one thing sort
 * together. */
static void
rule_key(const dosage_ddi_rule *r, uint32_t key[DOSAGE_DDI_TERMS_MAX + 2])
{
	memset(key, 0xff, (DOSAGE_DDI_TERMS_MAX + 2) * sizeof(uint32_t));
	key[0] = r->cumulative;
	key[1] = r->min_count;
	memcpy(key + 2, r->term, r->n_terms * sizeof(uint32_t));
	for (size_t i = 2; i < 2 + r->n_terms; i++)
		for (size_t j = i + 1; j < 2 + r->n_terms; j++)
			if (key[j] < key[i]) {
				uint32_t t = key[i];

				key[i] = key[j];
				key[j] = t;
			}
}

static int
by_key(const void *pa, const void *pb, void *arg)
{
	const dosage_ddi_kb *kb = arg;
	const dosage_ddi_rule *a = &kb->rules[*(const uint32_t *)pa];
	const dosage_ddi_rule *b = &kb->rules[*(const uint32_t *)pb];
	uint32_t ka[DOSAGE_DDI_TERMS_MAX + 2], kb2[DOSAGE_DDI_TERMS_MAX + 2];
	int c;

	rule_key(a, ka);
	rule_key(b, kb2);
	if ((c = memcmp(ka, kb2, sizeof(ka))) != 0)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

static int
by_id(const void *pa, const void *pb, void *arg)
{
	const dosage_ddi_kb *kb = arg;
	const dosage_ddi_rule *a = &kb->rules[*(const uint32_t *)pa];
	const dosage_ddi_rule *b = &kb->rules[*(const uint32_t *)pb];
	int c = strcmp(a->id, b->id);

	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* same_key: do rules i and j say the same thing? */
static bool
same_key(const dosage_ddi_kb *kb, uint32_t i, uint32_t j)
{
	uint32_t ka[DOSAGE_DDI_TERMS_MAX + 2], kb2[DOSAGE_DDI_TERMS_MAX + 2];

	rule_key(&kb->rules[i], ka);
	rule_key(&kb->rules[j], kb2);
	return memcmp(ka, kb2, sizeof(ka)) == 0;
}

/* no_duplicates refuses two rules with one id, or two rules saying one
 * thing (the later line is named). */
static med_err
no_duplicates(parse_ctx *x)
{
	dosage_ddi_kb *kb = x->kb;
	uint32_t *ix = malloc((kb->n_rules + 1) * sizeof(*ix));
	med_err err = MED_OK;

	if (ix == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < kb->n_rules; i++)
		ix[i] = (uint32_t)i;
	qsort_r(ix, kb->n_rules, sizeof(*ix), by_id, kb);
	for (size_t i = 1; i < kb->n_rules && err == MED_OK; i++)
		if (strcmp(kb->rules[ix[i]].id, kb->rules[ix[i - 1]].id) == 0)
			err = fail(x, kb->rules[ix[i]].line,
				   "rule id %s is used twice (line %u)",
				   kb->rules[ix[i]].id,
				   (unsigned)kb->rules[ix[i - 1]].line);
	if (err == MED_OK)
		qsort_r(ix, kb->n_rules, sizeof(*ix), by_key, kb);
	for (size_t i = 1; i < kb->n_rules && err == MED_OK; i++)
		if (same_key(kb, ix[i], ix[i - 1]))
			err = fail(x, kb->rules[ix[i]].line,
				   "rule %s duplicates rule %s (line %u)",
				   kb->rules[ix[i]].id, kb->rules[ix[i - 1]].id,
				   (unsigned)kb->rules[ix[i - 1]].line);
	free(ix);
	return err;
}

/* --- compiling ------------------------------------------------------------ */

/* member_meets: does substance (code, atc) meet one member? */
static bool
member_meets(const char *m, bool is_atc, const char *code, const char *atc)
{
	if (is_atc)
		return atc != NULL && strncmp(atc, m, strlen(m)) == 0;
	return strcmp(m, code) == 0;
}

static bool
term_meets(const dosage_ddi_kb *kb, const ddi_term *t, const char *code,
	   const char *atc)
{
	const ddi_group *g;

	switch (t->kind) {
	case DDI_T_SUBSTANCE:
		return strcmp(t->name, code) == 0;
	case DDI_T_ATC:
		return member_meets(t->name, true, code, atc);
	default:
		g = group_find(kb, t->name);
		for (size_t i = 0; g && i < g->n; i++)
			if (member_meets(g->members[i], g->atc[i], code, atc))
				return true;
		return false;
	}
}

/* subst_meets: does s, or one of its active moieties, meet term t? */
static bool
subst_meets(const dosage_ddi_kb *kb, const dosage_ddi_lookup *lk,
	    const ddi_term *t, const ddi_subst *s)
{
	if (term_meets(kb, t, s->code, s->atc))
		return true;
	for (size_t i = 0; i < s->n_active; i++)
		if (term_meets(kb, t, s->active[i], lk->atc(s->active[i])))
			return true;
	return false;
}

typedef struct subs_ctx {
	dosage_ddi_kb *kb;
	const dosage_ddi_lookup *lk;
	uint32_t *scratch;
	med_err err;
} subs_ctx;

static void
add_substance(const char *code, void *arg)
{
	subs_ctx *c = arg;
	dosage_ddi_kb *kb = c->kb;
	ddi_subst *s = &kb->subs[kb->n_subs];
	size_t n = 0;

	if (c->err != MED_OK)
		return;
	s->code = code;
	s->atc = c->lk->atc(code);
	s->n_active = c->lk->actives
			      ? c->lk->actives(code, s->active, DDI_ACTIVES_MAX)
			      : 0;
	for (size_t t = 0; t < kb->n_terms; t++)
		if (subst_meets(kb, c->lk, &kb->terms[t], s))
			c->scratch[n++] = (uint32_t)t;
	if (n == 0)
		return; /* in no rule: not kept */
	if ((s->terms = med_arena_alloc(kb->arena, n * sizeof(uint32_t))) ==
	    NULL) {
		c->err = MED_ERR_NOMEM;
		return;
	}
	memcpy(s->terms, c->scratch, n * sizeof(uint32_t));
	s->n_terms = n;
	kb->n_subs++;
}

static void
count_substance(const char *code, void *arg)
{
	(void)code;
	(*(size_t *)arg)++;
}

static int
by_code(const void *a, const void *b)
{
	return strcmp(((const ddi_subst *)a)->code,
		      ((const ddi_subst *)b)->code);
}

/* index_rules lists, for each term, the rules that name it. */
static med_err
index_rules(dosage_ddi_kb *kb)
{
	for (size_t r = 0; r < kb->n_rules; r++)
		for (size_t i = 0; i < kb->rules[r].n_terms; i++)
			kb->terms[kb->rules[r].term[i]].n_rules++;
	for (size_t t = 0; t < kb->n_terms; t++) {
		kb->terms[t].rules =
			med_arena_alloc(kb->arena, (kb->terms[t].n_rules + 1) *
							   sizeof(uint32_t));
		if (kb->terms[t].rules == NULL)
			return MED_ERR_NOMEM;
		kb->terms[t].n_rules = 0;
	}
	for (size_t r = 0; r < kb->n_rules; r++)
		for (size_t i = 0; i < kb->rules[r].n_terms; i++) {
			ddi_term *t = &kb->terms[kb->rules[r].term[i]];

			/* A rule naming one term twice is listed once. */
			if (t->n_rules && t->rules[t->n_rules - 1] == r)
				continue;
			t->rules[t->n_rules++] = (uint32_t)r;
		}
	return MED_OK;
}

static med_err
compile(dosage_ddi_kb *kb, const dosage_ddi_lookup *lk)
{
	size_t n = 0;
	subs_ctx c = {kb, lk, NULL, MED_OK};
	med_err err = index_rules(kb);

	if (err != MED_OK)
		return err;
	lk->each(count_substance, &n);
	kb->subs = med_arena_zalloc(kb->arena, (n + 1) * sizeof(*kb->subs));
	c.scratch = malloc((kb->n_terms + 1) * sizeof(uint32_t));
	if (kb->subs == NULL || c.scratch == NULL) {
		free(c.scratch);
		return MED_ERR_NOMEM;
	}
	lk->each(add_substance, &c);
	free(c.scratch);
	qsort(kb->subs, kb->n_subs, sizeof(*kb->subs), by_code);
	return c.err;
}

med_err
dosage_ddi_kb_parse(const char *text, size_t len, const char *label,
		    const dosage_ddi_lookup *lk, dosage_ddi_kb **out, char *why,
		    size_t why_len)
{
	dosage_ddi_kb *kb = calloc(1, sizeof(*kb));
	parse_ctx x = {.kb = kb, .lk = lk, .why = why, .why_len = why_len};
	med_err err;

	why[0] = '\0';
	if (kb == NULL || (kb->arena = med_arena_new(KB_ARENA_MAX)) == NULL) {
		free(kb);
		return MED_ERR_NOMEM;
	}
	snprintf(kb->version, sizeof(kb->version), "%s", label);
	if ((err = read_rows(&x, text, len)) == MED_OK &&
	    (err = read_all(&x)) == MED_OK &&
	    (err = no_duplicates(&x)) == MED_OK)
		err = compile(kb, lk);
	free(x.rows);
	if (err != MED_OK) {
		dosage_ddi_kb_free(kb);
		return err;
	}
	*out = kb;
	return MED_OK;
}

void
dosage_ddi_kb_free(dosage_ddi_kb *kb)
{
	if (kb == NULL)
		return;
	med_arena_free(kb->arena);
	free(kb);
}

const char *
dosage_ddi_kb_version(const dosage_ddi_kb *kb)
{
	return kb->version;
}

size_t
dosage_ddi_kb_n_rules(const dosage_ddi_kb *kb)
{
	return kb->n_rules;
}

size_t
dosage_ddi_kb_n_groups(const dosage_ddi_kb *kb)
{
	return kb->n_groups;
}

const dosage_ddi_rule *
dosage_ddi_kb_rule(const dosage_ddi_kb *kb, size_t i)
{
	return i < kb->n_rules ? &kb->rules[i] : NULL;
}

int64_t
dosage_ddi_kb_window_ms(const dosage_ddi_kb *kb)
{
	return kb->window_ms;
}

const char *
dosage_ddi_severity_name(dosage_ddi_severity s)
{
	switch (s) {
	case DOSAGE_DDI_CONTRAINDICATED:
		return "contraindicated";
	case DOSAGE_DDI_MAJOR:
		return "major";
	case DOSAGE_DDI_MODERATE:
		return "moderate";
	default:
		return "";
	}
}
