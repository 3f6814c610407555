/*
 * substance_cache.c - the substance knowledge base as the database holds
 * it (store_ddi.c, kind DOSAGE_KB_SUBSTANCES): the shipped file installed
 * as its first version, the active version put in force in this process
 * when another replica (or an approval here) changed it, and what an
 * imported base changes against the active one (substance_cache.h).
 */
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "dose_fields.h"
#include "kb_load.h"
#include "store_ddi.h"
#include "substance_cache.h"

/* The stored version this process's base came from (0: none yet). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t loaded_id;

/* install_shipped stores the built-in file as the active version when the
 * database holds none or an older shipped one. */
static med_err
install_shipped(med_call *call, const dosage_substance_kb *kb)
{
	med_service *svc = med_service_from_call(call);
	dosage_ddi_save sv = {.kind = DOSAGE_KB_SUBSTANCES,
			      .version = dosage_substance_kb_version(kb),
			      .origin = "shipped",
			      .by = "service:dosage",
			      .now_ms = med_now_ms(),
			      .shipped = true,
			      .audit = svc ? med_service_audit(svc) : NULL};

	sv.text = dosage_substance_kb_starter(&sv.len);
	dosage_substance_kb_counts(kb, &sv.n_rules, &sv.n_groups);
	med_sha256_hex(sv.text, sv.len, sv.sha256);
	return med_db_tx(med_call_db(call), dosage_store_ddi_save_tx, &sv);
}

/* shipped_needed: is nothing active, or an older shipped version? */
static bool
shipped_needed(const dosage_ddi_info *info, const char *shipped)
{
	if (info->kb_id == 0)
		return true;
	return strcmp(info->origin, "shipped") == 0 &&
	       strcmp(info->version, shipped) != 0;
}

/* shipped_base parses the built-in file (the start already did once). */
static med_err
shipped_base(dosage_substance_kb **kb)
{
	size_t len;
	const char *text = dosage_substance_kb_starter(&len);
	char why[320];

	return dosage_substance_kb_parse(text, len, kb, why, sizeof(why));
}

/* The built-in file's version label, read once: what a stored shipped
 * version is compared with (the base in force may be an imported one). */
static pthread_once_t starter_once = PTHREAD_ONCE_INIT;
static char starter_version[DOSAGE_DDI_VERSION_MAX + 1];

static void
read_starter_version(void)
{
	dosage_substance_kb *kb = NULL;

	if (shipped_base(&kb) == MED_OK)
		med_strlcpy(starter_version, dosage_substance_kb_version(kb),
			    sizeof(starter_version));
	dosage_substance_kb_free(kb);
}

static const char *
shipped_version(void)
{
	pthread_once(&starter_once, read_starter_version);
	return starter_version;
}

/* load_stored parses stored version info and puts it in force; a text
 * that no longer parses (the substance table lost a name) is said once
 * and the base in force stays. */
static med_err
load_stored(med_call *call, const dosage_ddi_info *info)
{
	void *kb = NULL;
	char why[320];
	med_err err = dosage_kb_load_version(call, dosage_substance_kb_parse_as,
					     info, &kb, why, sizeof(why));

	if (err == MED_ERR_INVALID) {
		med_log_error("substance knowledge base %s does not load: %s",
			      info->version, why);
		return MED_OK;
	}
	if (err == MED_OK && (err = dosage_substance_kb_use(kb)) != MED_OK)
		dosage_substance_kb_free(kb);
	return err;
}

/* follow puts version info in force unless this process has it. */
static med_err
follow(med_call *call, const dosage_ddi_info *info)
{
	const dosage_substance_kb *cur = dosage_substance_kb_active();
	med_err err = MED_OK;

	pthread_mutex_lock(&lock);
	if (info->kb_id == loaded_id) {
		pthread_mutex_unlock(&lock);
		return MED_OK;
	}
	/* The start parsed the shipped file: no need to read it again. */
	if (!(strcmp(info->origin, "shipped") == 0 && cur != NULL &&
	      strcmp(info->version, dosage_substance_kb_version(cur)) == 0))
		err = load_stored(call, info);
	if (err == MED_OK)
		loaded_id = info->kb_id;
	pthread_mutex_unlock(&lock);
	return err;
}

med_err
dosage_substance_refresh(med_call *call, dosage_ddi_info *info)
{
	med_err err = dosage_store_ddi_active(med_call_db(call),
					      DOSAGE_KB_SUBSTANCES, info);

	return err != MED_OK ? err : dosage_substance_follow(call, info);
}

med_err
dosage_substance_follow(med_call *call, dosage_ddi_info *info)
{
	dosage_substance_kb *shipped = NULL;
	med_err err = MED_OK;

	if (shipped_needed(info, shipped_version())) {
		if ((err = shipped_base(&shipped)) == MED_OK)
			err = install_shipped(call, shipped);
		dosage_substance_kb_free(shipped);
		if (err == MED_OK)
			err = dosage_store_ddi_active(
				med_call_db(call), DOSAGE_KB_SUBSTANCES, info);
	}
	if (err != MED_OK || info->kb_id == 0)
		return err;
	return follow(call, info);
}

med_err
dosage_substance_kb_parse_as(const char *text, size_t len, const char *version,
			     void **kb, char *why, size_t why_len)
{
	dosage_substance_kb *k = NULL;
	med_err err = dosage_substance_kb_parse(text, len, &k, why, why_len);

	if (err != MED_OK)
		return err;
	if (strcmp(dosage_substance_kb_version(k), version) != 0) {
		snprintf(why, why_len, "the version record says '%s', not '%s'",
			 dosage_substance_kb_version(k), version);
		dosage_substance_kb_free(k);
		return MED_ERR_INVALID;
	}
	*kb = k;
	return MED_OK;
}

med_err
dosage_substance_current(med_call *call)
{
	dosage_ddi_info info;

	return dosage_substance_refresh(call, &info);
}

void
dosage_substance_forget(void)
{
	pthread_mutex_lock(&lock);
	loaded_id = 0;
	pthread_mutex_unlock(&lock);
}

/* --- what an import changes ---------------------------------------------- */

/* key names record r as a change's rule id. */
static const char *
key(med_arena *a, const dosage_substance_record *r)
{
	if (r->kind == DOSAGE_SUBSTANCE_MOIETY)
		return med_arena_sprintf(a, "moiety:%s", r->substance);
	if (r->kind == DOSAGE_SUBSTANCE_COMPONENT)
		return med_arena_sprintf(a, "component:%s:%s", r->substance,
					 r->moiety);
	if (r->kind == DOSAGE_SUBSTANCE_PREGNANCY)
		return med_arena_sprintf(a, "pregnancy:%s", r->substance);
	if (r->kind == DOSAGE_SUBSTANCE_AGE)
		return med_arena_sprintf(a, "age:%s:%s", r->substance,
					 r->age->below ? "under" : "older");
	if (r->kind == DOSAGE_SUBSTANCE_NAIVE)
		return med_arena_sprintf(a, "opioid_naive:%s", r->substance);
	if (r->kind == DOSAGE_SUBSTANCE_RENAL)
		return med_arena_sprintf(a, "renal:%s:%s:%g", r->substance,
					 dosage_regimen_name(r->renal->regimen),
					 r->renal->below);
	if (r->kind == DOSAGE_SUBSTANCE_HEPATIC)
		return med_arena_sprintf(a, "hepatic:%s:%c", r->substance,
					 r->hepatic->cls);
	return med_arena_sprintf(a, "lab:%s:%s:%s", r->substance,
				 dosage_lab_name(r->lab->analyte),
				 r->lab->is_max ? "max" : "min");
}

/* describe writes what r says ("stop; potassium max 5.5; 24 h"). */
static const char *
describe(med_arena *a, const dosage_substance_record *r)
{
	if (r->kind == DOSAGE_SUBSTANCE_MOIETY)
		return med_arena_sprintf(a, "takes the rules of %s", r->moiety);
	if (r->kind == DOSAGE_SUBSTANCE_COMPONENT)
		return med_arena_sprintf(a, "carries %s", r->moiety);
	if (r->kind == DOSAGE_SUBSTANCE_PREGNANCY)
		return r->risk == DOSAGE_PREGNANCY_CONTRAINDICATED
			       ? "contraindicated"
			       : "avoid";
	if (r->kind == DOSAGE_SUBSTANCE_AGE)
		return med_arena_sprintf(
			a, "%s; %s %d %s", r->age->stop ? "stop" : "warn",
			r->age->below ? "under" : "from", r->age->limit,
			r->age->in_days ? "days" : "years");
	if (r->kind == DOSAGE_SUBSTANCE_NAIVE && r->max_start > 0)
		return med_arena_sprintf(a, "%s; %s; stop above %g",
					 r->stop ? "stop" : "warn", r->keywords,
					 r->max_start);
	if (r->kind == DOSAGE_SUBSTANCE_NAIVE)
		return med_arena_sprintf(a, "%s; %s", r->stop ? "stop" : "warn",
					 r->keywords);
	if (r->kind == DOSAGE_SUBSTANCE_RENAL)
		return med_arena_sprintf(
			a,
			"%s; below %g mL/min at most %g a dose, %g in 24 h "
			"(%s%s)",
			r->renal->stop ? "stop" : "warn", r->renal->below,
			r->renal->single_max, r->renal->max_24h, r->renal->unit,
			r->renal->per_kg ? "/kg" : "");
	if (r->kind == DOSAGE_SUBSTANCE_HEPATIC)
		return med_arena_sprintf(
			a,
			"%s; Child-Pugh %c or worse at most %g a dose, %g in "
			"24 h (%s)",
			r->hepatic->stop ? "stop" : "warn", r->hepatic->cls,
			r->hepatic->single_max, r->hepatic->max_24h,
			r->hepatic->unit);
	return med_arena_sprintf(a, "%s; %s %s %g; %lld h%s",
				 r->lab->stop ? "stop" : "warn",
				 dosage_lab_name(r->lab->analyte),
				 r->lab->is_max ? "max" : "min", r->lab->limit,
				 (long long)(r->lab->max_age_ms / 3600000),
				 r->lab->need ? "; needed" : "");
}

/* severity ranks r as the audit's lists do: a hard stop is major or
 * worse (a moiety map carries its moiety's hard stops). */
static dosage_ddi_severity
severity(const dosage_substance_record *r)
{
	if (r == NULL)
		return DOSAGE_DDI_NONE;
	if (r->kind == DOSAGE_SUBSTANCE_MOIETY ||
	    r->kind == DOSAGE_SUBSTANCE_COMPONENT)
		return DOSAGE_DDI_MAJOR;
	if (r->kind == DOSAGE_SUBSTANCE_PREGNANCY)
		return r->risk == DOSAGE_PREGNANCY_CONTRAINDICATED
			       ? DOSAGE_DDI_CONTRAINDICATED
			       : DOSAGE_DDI_MODERATE;
	if (r->kind == DOSAGE_SUBSTANCE_AGE)
		return r->age->stop ? DOSAGE_DDI_MAJOR : DOSAGE_DDI_MODERATE;
	if (r->kind == DOSAGE_SUBSTANCE_NAIVE)
		return r->stop ? DOSAGE_DDI_MAJOR : DOSAGE_DDI_MODERATE;
	if (r->kind == DOSAGE_SUBSTANCE_RENAL)
		return r->renal->stop ? DOSAGE_DDI_MAJOR : DOSAGE_DDI_MODERATE;
	if (r->kind == DOSAGE_SUBSTANCE_HEPATIC)
		return r->hepatic->stop ? DOSAGE_DDI_MAJOR
					: DOSAGE_DDI_MODERATE;
	return r->lab->stop ? DOSAGE_DDI_MAJOR : DOSAGE_DDI_MODERATE;
}

/* lab_change compares two lab rules of one key: weaker when it no longer
 * stops, no longer needs a value, or lets a worse value through;
 * "changed" when only how old a value may be moved (either way can hide
 * a result); -1 when equal. */
static int
lab_change(const dosage_lab_rule *o, const dosage_lab_rule *n)
{
	bool looser = o->is_max ? n->limit > o->limit : n->limit < o->limit;
	bool tighter = o->is_max ? n->limit < o->limit : n->limit > o->limit;
	bool weaker = (o->stop && !n->stop) || (o->need && !n->need) || looser;
	bool stronger =
		(!o->stop && n->stop) || (!o->need && n->need) || tighter;

	if (weaker)
		return DOSAGE_DDI_WEAKENED;
	if (o->max_age_ms != n->max_age_ms)
		return DOSAGE_DDI_CHANGED;
	return stronger ? DOSAGE_DDI_TIGHTENED : -1;
}

/* age_days is an age rule's limit in days. */
static int
age_days(const dosage_age_rule *r)
{
	return r->in_days ? r->limit : r->limit * 365;
}

/* age_change compares two age rules of one key (both under-age or both
 * older-age): weaker when it no longer stops or its band holds fewer
 * patients (a lower "under" limit, a higher "from" limit); -1 when
 * equal. */
static int
age_change(const dosage_age_rule *o, const dosage_age_rule *n)
{
	int od = age_days(o), nd = age_days(n);
	bool narrower = o->below ? nd < od : nd > od;
	bool wider = o->below ? nd > od : nd < od;

	if ((o->stop && !n->stop) || narrower)
		return DOSAGE_DDI_WEAKENED;
	return (!o->stop && n->stop) || wider ? DOSAGE_DDI_TIGHTENED : -1;
}

/* allowance is how much a renal or hepatic maximum max lets through,
 * beside the rule's single and 24-h maxima: 0 = none (both 0), no limit
 * (0 beside another) = HUGE_VAL. */
static double
allowance(double single, double day, double max)
{
	if (single <= 0 && day <= 0)
		return 0;
	return max > 0 ? max : HUGE_VAL;
}

/* maxima_change compares an old rule's stop and maxima with a new one's,
 * both in one unit: weaker when it no longer stops or lets more through a
 * dose or a day, tighter the other way, -1 when equal. */
static int
maxima_change(bool o_stop, double o_single, double o_24h, bool n_stop,
	      double n_single, double n_24h)
{
	double os = allowance(o_single, o_24h, o_single),
	       ns = allowance(n_single, n_24h, n_single);
	double od = allowance(o_single, o_24h, o_24h),
	       nd = allowance(n_single, n_24h, n_24h);

	if ((o_stop && !n_stop) || ns > os || nd > od)
		return DOSAGE_DDI_WEAKENED;
	return (!o_stop && n_stop) || ns < os || nd < od ? DOSAGE_DDI_TIGHTENED
							 : -1;
}

/* renal_change compares two renal rules of one key: weaker when it no
 * longer stops or lets more through a dose or a day (in its unit, per kg
 * or not); -1 when equal. */
static int
renal_change(const dosage_renal_rule *o, const dosage_renal_rule *n)
{
	if (strcmp(o->unit, n->unit) != 0 || o->per_kg != n->per_kg)
		return DOSAGE_DDI_CHANGED;
	return maxima_change(o->stop, o->single_max, o->max_24h, n->stop,
			     n->single_max, n->max_24h);
}

/* hepatic_change compares two hepatic rules of one key (substance and
 * Child-Pugh class) as renal_change does. */
static int
hepatic_change(const dosage_hepatic_rule *o, const dosage_hepatic_rule *n)
{
	if (strcmp(o->unit, n->unit) != 0)
		return DOSAGE_DDI_CHANGED;
	return maxima_change(o->stop, o->single_max, o->max_24h, n->stop,
			     n->single_max, n->max_24h);
}

/* naive_change compares two opioid_naive rules of one key: weaker when it
 * no longer stops or lets a larger start through with its action. */
static int
naive_change(const dosage_substance_record *o, const dosage_substance_record *n)
{
	double om = o->max_start > 0 ? o->max_start : HUGE_VAL;
	double nm = n->max_start > 0 ? n->max_start : HUGE_VAL;

	if ((o->stop && !n->stop) || nm > om)
		return DOSAGE_DDI_WEAKENED;
	if (strcmp(o->keywords, n->keywords))
		return DOSAGE_DDI_CHANGED;
	return o->stop != n->stop || nm < om ? DOSAGE_DDI_TIGHTENED : -1;
}

/* change_kind says how n differs from o (both of one key); -1: not. */
static int
change_kind(const dosage_substance_record *o, const dosage_substance_record *n)
{
	if (n == NULL)
		return DOSAGE_DDI_REMOVED;
	if (o->kind == DOSAGE_SUBSTANCE_MOIETY)
		return strcmp(o->moiety, n->moiety) ? DOSAGE_DDI_CHANGED : -1;
	if (o->kind == DOSAGE_SUBSTANCE_COMPONENT)
		return -1; /* its key names both ends */
	if (o->kind == DOSAGE_SUBSTANCE_AGE)
		return age_change(o->age, n->age);
	if (o->kind == DOSAGE_SUBSTANCE_RENAL)
		return renal_change(o->renal, n->renal);
	if (o->kind == DOSAGE_SUBSTANCE_HEPATIC)
		return hepatic_change(o->hepatic, n->hepatic);
	if (o->kind == DOSAGE_SUBSTANCE_NAIVE)
		return naive_change(o, n);
	if (o->kind == DOSAGE_SUBSTANCE_PREGNANCY) {
		if (n->risk == o->risk)
			return -1;
		return n->risk < o->risk ? DOSAGE_DDI_WEAKENED
					 : DOSAGE_DDI_TIGHTENED;
	}
	return lab_change(o->lab, n->lab);
}

/* keyed - a base's records and their keys, made once per diff. */
typedef struct keyed {
	const dosage_substance_kb *kb;
	const char **keys;
	size_t n;
} keyed;

static med_err
keyed_init(med_arena *a, const dosage_substance_kb *kb, keyed *k)
{
	dosage_substance_record r;

	k->kb = kb;
	k->n = dosage_substance_kb_n_records(kb);
	if ((k->keys = med_arena_alloc(a, (k->n + 1) * sizeof(*k->keys))) ==
	    NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < k->n; i++) {
		dosage_substance_kb_record(kb, i, &r);
		if ((k->keys[i] = key(a, &r)) == NULL)
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}

/* find looks the record keyed name up in k into r; NULL when none. */
static const dosage_substance_record *
find(const keyed *k, const char *name, dosage_substance_record *r)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->keys[i], name) == 0) {
			dosage_substance_kb_record(k->kb, i, r);
			return r;
		}
	return NULL;
}

typedef struct sdiff {
	med_arena *a;
	keyed old, nw;
	dosage_ddi_diff *out;
	size_t cap;
} sdiff;

static med_err
push(sdiff *x, int kind, const char *k, const dosage_substance_record *o,
     const dosage_substance_record *n)
{
	dosage_ddi_change c = {.kind = (dosage_ddi_change_kind)kind,
			       .rule_id = k,
			       .group = "",
			       .before = o ? describe(x->a, o) : "",
			       .after = n ? describe(x->a, n) : "",
			       .was = severity(o),
			       .now = severity(n)};

	return dosage_ddi_diff_push(x->a, x->out, &x->cap, &c);
}

/* old_records: each old record changed or removed. */
static med_err
old_records(sdiff *x)
{
	dosage_substance_record o, n;
	med_err err = MED_OK;

	for (size_t i = 0; !err && i < x->old.n; i++) {
		const dosage_substance_record *np;
		int kind;

		dosage_substance_kb_record(x->old.kb, i, &o);
		np = find(&x->nw, x->old.keys[i], &n);
		if ((kind = change_kind(&o, np)) >= 0)
			err = push(x, kind, x->old.keys[i], &o, np);
	}
	return err;
}

/* new_records: each new record the old base lacks. */
static med_err
new_records(sdiff *x)
{
	dosage_substance_record o, n;
	med_err err = MED_OK;

	for (size_t i = 0; !err && i < x->nw.n; i++) {
		dosage_substance_kb_record(x->nw.kb, i, &n);
		if (find(&x->old, x->nw.keys[i], &o) == NULL)
			err = push(x, DOSAGE_DDI_ADDED, x->nw.keys[i], NULL,
				   &n);
	}
	return err;
}

med_err
dosage_substance_kb_diff(const dosage_substance_kb *old,
			 const dosage_substance_kb *nw, med_arena *a,
			 dosage_ddi_diff *out)
{
	sdiff x = {.a = a, .out = out};
	med_err err;

	memset(out, 0, sizeof(*out));
	if ((err = keyed_init(a, old, &x.old)) != MED_OK ||
	    (err = keyed_init(a, nw, &x.nw)) != MED_OK ||
	    (err = old_records(&x)) != MED_OK)
		return err;
	return new_records(&x);
}
