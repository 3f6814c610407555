/*
 * dose_band.c - age and weight bands and missing-fact policies (see
 * dose.h): their names, their text form in the catalogue, and a patient's
 * age from a birth date.  Pure functions.
 */
#include <med/util.h>

#include "dose_fields.h"
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS (24LL * 3600 * 1000)

/* --- policies ----------------------------------------------------------- */

med_err
dosage_dose_policy_parse(const char *s, dosage_dose_policy *out)
{
	if (s == NULL || *s == '\0' || strcmp(s, "default") == 0)
		*out = DOSAGE_DOSE_POLICY_DEFAULT;
	else if (strcmp(s, "warn") == 0)
		*out = DOSAGE_DOSE_POLICY_WARN;
	else if (strcmp(s, "hard_stop") == 0)
		*out = DOSAGE_DOSE_POLICY_HARD_STOP;
	else
		return MED_ERR_INVALID;
	return MED_OK;
}

const char *
dosage_dose_policy_name(dosage_dose_policy p)
{
	static const char *const names[] = {"default", "warn", "hard_stop"};

	return (unsigned)p <= DOSAGE_DOSE_POLICY_HARD_STOP ? names[p] : "?";
}

/* --- age groups --------------------------------------------------------- */

static const char *const age_names[] = {
	"any",	      "neonate", "infant",	"child",     "adolescent",
	"paediatric", "adult",	 "older_adult", "adult_all",
};
#define N_AGES (sizeof(age_names) / sizeof(age_names[0]))

const char *
dosage_dose_age_name(dosage_dose_age g)
{
	return (unsigned)g < N_AGES ? age_names[g] : "?";
}

static bool
age_parse(const char *s, size_t n, dosage_dose_age *out)
{
	for (size_t i = 0; i < N_AGES; i++)
		if (strlen(age_names[i]) == n &&
		    strncmp(age_names[i], s, n) == 0) {
			*out = (dosage_dose_age)i;
			return true;
		}
	return false;
}

bool
dosage_dose_age_holds(dosage_dose_age g, int64_t age_days, int age_years)
{
	switch (g) {
	case DOSAGE_DOSE_AGE_ANY:
		return true;
	case DOSAGE_DOSE_AGE_NEONATE:
		return age_days < 28;
	case DOSAGE_DOSE_AGE_INFANT:
		return age_years < 1;
	case DOSAGE_DOSE_AGE_CHILD:
		return age_years >= 1 && age_years < 12;
	case DOSAGE_DOSE_AGE_ADOLESCENT:
		return age_years >= 12 && age_years < 18;
	case DOSAGE_DOSE_AGE_PAEDIATRIC:
		return age_years < 18;
	case DOSAGE_DOSE_AGE_ADULT:
		return age_years >= 18 && age_years < 65;
	case DOSAGE_DOSE_AGE_OLDER_ADULT:
		return age_years >= 65;
	case DOSAGE_DOSE_AGE_ADULT_ALL:
		return age_years >= 18;
	}
	return false;
}

bool
dosage_dose_age_paediatric(dosage_dose_age g)
{
	return g >= DOSAGE_DOSE_AGE_NEONATE && g <= DOSAGE_DOSE_AGE_PAEDIATRIC;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

med_err
dosage_dose_age_of(const char *birth_date, int64_t at_ms, int64_t *days,
		   int *years)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d, n = 0;
	time_t now_s = (time_t)(at_ms / 1000);
	struct tm now;
	int64_t born;

	if (birth_date == NULL ||
	    sscanf(birth_date, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || strlen(birth_date) != 10 || y < 1850 || m < 1 ||
	    m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y) ? 1 : 0) ||
	    gmtime_r(&now_s, &now) == NULL)
		return MED_ERR_INVALID;
	born = med_days_from_civil(y, m, d);
	*days = at_ms / DAY_MS - born;
	if (*days < 0)
		return MED_ERR_INVALID;
	/* Completed years: the birthday this year may be still to come. */
	*years = now.tm_year + 1900 - y;
	if (now.tm_mon + 1 < m || (now.tm_mon + 1 == m && now.tm_mday < d))
		(*years)--;
	return MED_OK;
}

/* --- age and weight bands as text --------------------------------------- */

typedef struct group_key {
	const char *name;
	char kind; /* 'd' double, 'i' interval minutes, 'p' policy */
} group_key;

static const group_key group_keys[] = {
	{"min_kg", 'd'},     {"max_kg", 'd'},	    {"single", 'd'},
	{"daily", 'd'},	     {"per_kg", 'd'},	    {"per_kg_24h", 'd'},
	{"min_per_kg", 'd'}, {"interval_min", 'i'}, {"weight", 'p'},
};
#define N_GROUP_KEYS (sizeof(group_keys) / sizeof(group_keys[0]))

/* group_double returns g's number for key i (0..6, in group_keys order). */
static double *
group_double(dosage_dose_group *g, size_t i)
{
	double *const fields[] = {
		&g->min_kg,	&g->max_kg,	    &g->single_max, &g->max_24h,
		&g->max_per_kg, &g->max_per_kg_24h, &g->min_per_kg};

	return fields[i];
}

#define GROUP_PROBLEM(...)                                                     \
	do {                                                                   \
		snprintf(reason, len, __VA_ARGS__);                            \
		return MED_ERR_INVALID;                                        \
	} while (0)

/* set_key stores value (text) under key i of g. */
static med_err
set_key(dosage_dose_group *g, size_t i, const char *value, char *reason,
	size_t len)
{
	const group_key *k = &group_keys[i];
	double v;

	if (k->kind == 'p') {
		if (dosage_dose_policy_parse(value, &g->weight_missing) !=
		    MED_OK)
			GROUP_PROBLEM("%s: must be warn or hard_stop", k->name);
		return MED_OK;
	}
	if (!dosage_dose_number(value, &v) || v < 0 || v > 1e6)
		GROUP_PROBLEM("%s: must be a number from 0 to 1e6", k->name);
	if (k->kind == 'i') {
		if (v > 86400 || v != floor(v))
			GROUP_PROBLEM("%s: whole minutes up to 86400", k->name);
		g->interval_ms = (int64_t)v * 60000;
	} else {
		*group_double(g, i) = v;
	}
	return MED_OK;
}

/* parse_pair reads "key=value" (n bytes) into g. */
static med_err
parse_pair(const char *s, size_t n, dosage_dose_group *g, char *reason,
	   size_t len)
{
	char buf[64];
	char *eq;

	if (n == 0 || n >= sizeof(buf))
		GROUP_PROBLEM("a setting must be key=value");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((eq = strchr(buf, '=')) == NULL)
		GROUP_PROBLEM("'%s': a setting must be key=value", buf);
	*eq = '\0';
	for (size_t i = 0; i < N_GROUP_KEYS; i++)
		if (strcmp(buf, group_keys[i].name) == 0)
			return set_key(g, i, eq + 1, reason, len);
	GROUP_PROBLEM("unknown setting '%s' (min_kg, max_kg, single, daily, "
		      "per_kg, per_kg_24h, min_per_kg, interval_min, weight)",
		      buf);
}

/* item_fn parses item i (s, n bytes, not terminated) of a list into ctx,
 * or names the problem in reason. */
typedef med_err (*item_fn)(void *ctx, size_t i, const char *s, size_t n,
			   char *reason, size_t len);

/*
 * split_items calls item for each sep-separated item of s (n bytes), in
 * order; *count gets how many.  Past cap items it stops with MED_ERR_LIMIT
 * and reason "at most <cap> <what>".  An empty item is passed on (item
 * refuses it); one sep at the very end ends the list.
 */
static med_err
split_items(const char *s, size_t n, char sep, size_t cap, const char *what,
	    item_fn item, void *ctx, size_t *count, char *reason, size_t len)
{
	const char *end = s + n;
	size_t k = 0;
	med_err err;

	while (s < end) {
		const char *at = memchr(s, sep, (size_t)(end - s));
		const char *stop = at ? at : end;

		if (k >= cap) {
			snprintf(reason, len, "at most %zu %s", cap, what);
			return MED_ERR_LIMIT;
		}
		if ((err = item(ctx, k, s, (size_t)(stop - s), reason, len)) !=
		    MED_OK)
			return err;
		k++;
		s = at ? at + 1 : end;
	}
	*count = k;
	return MED_OK;
}

/* pair_item reads one "key=value" of a band or regimen into ctx. */
static med_err
pair_item(void *ctx, size_t i, const char *s, size_t n, char *reason,
	  size_t len)
{
	(void)i;
	return parse_pair(s, n, ctx, reason, len);
}

/* parse_group reads "name:k=v,k=v" (n bytes). */
static med_err
parse_group(const char *s, size_t n, dosage_dose_group *g, char *reason,
	    size_t len)
{
	const char *colon = memchr(s, ':', n);
	const char *p, *end = s + n;
	size_t n_pairs;
	med_err err;

	memset(g, 0, sizeof(*g));
	if (!age_parse(s, colon ? (size_t)(colon - s) : n, &g->age))
		GROUP_PROBLEM("unknown band '%.*s' (any, neonate, infant, "
			      "child, adolescent, paediatric, adult, "
			      "older_adult, adult_all)",
			      (int)(colon ? colon - s : (long)n), s);
	p = colon ? colon + 1 : end;
	if ((err = split_items(p, (size_t)(end - p), ',', SIZE_MAX, "settings",
			       pair_item, g, &n_pairs, reason, len)) != MED_OK)
		return err;
	if (g->max_kg > 0 && g->max_kg <= g->min_kg)
		GROUP_PROBLEM("%s: max_kg must be above min_kg",
			      dosage_dose_age_name(g->age));
	if (g->min_per_kg > 0 && g->max_per_kg > 0 &&
	    g->min_per_kg > g->max_per_kg)
		GROUP_PROBLEM("%s: min_per_kg must not be above per_kg",
			      dosage_dose_age_name(g->age));
	return MED_OK;
}

/* group_item parses band i of a list into ((dosage_dose_group *)g)[i]. */
static med_err
group_item(void *g, size_t i, const char *s, size_t n, char *reason, size_t len)
{
	return parse_group(s, n, (dosage_dose_group *)g + i, reason, len);
}

med_err
dosage_dose_groups_parse(const char *s, dosage_dose_group *g, size_t cap,
			 size_t *n, char *reason, size_t len)
{
	reason[0] = '\0';
	return split_items(s, s ? strlen(s) : 0, ';', cap, "bands", group_item,
			   g, n, reason, len);
}

/* put_text appends "<sep><key>=<text>" (or the bare text with no key). */
static bool
put_text(char *out, size_t len, size_t *off, char sep, const char *key,
	 const char *text)
{
	int w = key ? snprintf(out + *off, len - *off, "%c%s=%s", sep, key,
			       text)
		    : snprintf(out + *off, len - *off, "%s", text);

	if (w < 0 || (size_t)w >= len - *off)
		return false;
	*off += (size_t)w;
	return true;
}

/* group_value writes key i of g as text; false when it is unset. */
static bool
group_value(const dosage_dose_group *g, size_t i, char *buf, size_t len)
{
	const group_key *k = &group_keys[i];
	dosage_dose_group copy = *g;
	double v;

	if (k->kind == 'p') {
		if (g->weight_missing == DOSAGE_DOSE_POLICY_DEFAULT)
			return false;
		snprintf(buf, len, "%s",
			 dosage_dose_policy_name(g->weight_missing));
		return true;
	}
	v = k->kind == 'i' ? (double)(g->interval_ms / 60000)
			   : *group_double(&copy, i);
	if (v == 0)
		return false;
	snprintf(buf, len, "%.15g", v);
	return true;
}

bool
dosage_dose_groups_format(const dosage_dose_group *g, size_t n, char *out,
			  size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char sep = ':', v[40];

		if ((i > 0 && !put_text(out, len, &off, 0, NULL, ";")) ||
		    !put_text(out, len, &off, 0, NULL,
			      dosage_dose_age_name(g[i].age)))
			return false;
		for (size_t k = 0; k < N_GROUP_KEYS; k++) {
			if (!group_value(&g[i], k, v, sizeof(v)))
				continue;
			if (!put_text(out, len, &off, sep, group_keys[k].name,
				      v))
				return false;
			sep = ',';
		}
	}
	return true;
}

/* --- limits per regimen as text ------------------------------------------
 */

/* regimen_keys_only: a regimen sets only single, daily, per_kg and
 * per_kg_24h (a band's weights and policy are the band's). */
static bool
regimen_keys_only(const dosage_dose_group *g)
{
	return g->min_kg == 0 && g->max_kg == 0 && g->interval_ms == 0 &&
	       g->min_per_kg == 0 &&
	       g->weight_missing == DOSAGE_DOSE_POLICY_DEFAULT &&
	       (g->single_max > 0 || g->max_24h > 0 || g->max_per_kg > 0 ||
		g->max_per_kg_24h > 0);
}

/* parse_regimen reads "freq:k=v,k=v" (n bytes). */
static med_err
parse_regimen(const char *s, size_t n, dosage_dose_regimen *r, char *reason,
	      size_t len)
{
	const char *colon = memchr(s, ':', n);
	const char *p, *end = s + n;
	size_t head = colon ? (size_t)(colon - s) : n;
	size_t n_pairs;
	bool prn = false;
	med_err err;

	memset(r, 0, sizeof(*r));
	if (head == 0 || head >= sizeof(r->frequency))
		GROUP_PROBLEM("a regimen must be frequency:key=value,...");
	memcpy(r->frequency, s, head);
	if (dosage_dose_frequency_parse(r->frequency, &r->interval_ms, &prn) !=
		    MED_OK ||
	    prn || r->interval_ms <= 0)
		GROUP_PROBLEM("'%s': a regimen names a scheduled frequency "
			      "(qNh, daily, bid, tid, qid, weekly)",
			      r->frequency);
	p = colon ? colon + 1 : end;
	if ((err = split_items(p, (size_t)(end - p), ',', SIZE_MAX, "settings",
			       pair_item, &r->limits, &n_pairs, reason, len)) !=
	    MED_OK)
		return err;
	if (!regimen_keys_only(&r->limits))
		GROUP_PROBLEM("%s: a regimen sets single, daily, per_kg or "
			      "per_kg_24h, at least one",
			      r->frequency);
	return MED_OK;
}

/* regimen_item parses regimen k of a list into ((dosage_dose_regimen *)
 * arg)[k]; two regimens of one entry never share an interval. */
static med_err
regimen_item(void *arg, size_t k, const char *s, size_t n, char *reason,
	     size_t len)
{
	dosage_dose_regimen *r = arg;
	med_err err = parse_regimen(s, n, &r[k], reason, len);

	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < k; i++)
		if (r[i].interval_ms == r[k].interval_ms)
			GROUP_PROBLEM("%s: the same interval as %s",
				      r[k].frequency, r[i].frequency);
	return MED_OK;
}

med_err
dosage_dose_regimens_parse(const char *s, dosage_dose_regimen *r, size_t cap,
			   size_t *n, char *reason, size_t len)
{
	reason[0] = '\0';
	return split_items(s, s ? strlen(s) : 0, ';', cap, "regimens",
			   regimen_item, r, n, reason, len);
}
