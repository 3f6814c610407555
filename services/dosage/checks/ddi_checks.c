/*
 * ddi_checks.c - the interaction check in the service: the knowledge base
 * the process holds (one compiled copy, counted references, read again
 * when the active version changes), the shipped set installed when the
 * database has none, and the check's result in a reply (the rules are
 * interactions.h's; the SQL store_ddi.c's and store_classes.c's).
 */
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "kb_load.h"
#include "store_ddi.h"
#include "substance_cache.h"
#include "substance_kb.h"
#include "substances.h"

#define HARD_STOP  SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP
#define REASON_MAX 1000

/* --- the tables the knowledge base reads ---------------------------------- */

static const char *
lk_substance(const char *name)
{
	const dosage_substance *s = dosage_substance_find(name);

	return s ? s->code : NULL;
}

typedef struct each_ctx {
	void (*fn)(const char *code, void *arg);
	void *arg;
} each_ctx;

static void
each_row(const dosage_substance *s, void *arg)
{
	each_ctx *c = arg;

	c->fn(s->code, c->arg);
}

static void
lk_each(void (*fn)(const char *code, void *arg), void *arg)
{
	each_ctx c = {fn, arg};

	dosage_substances_each(each_row, &c);
}

static size_t
lk_actives(const char *code, const char **out, size_t max)
{
	return dosage_substance_kb_actives(dosage_substance_kb_active(), code,
					   out, max);
}

const dosage_ddi_lookup *
dosage_ddi_tables(void)
{
	static const dosage_ddi_lookup lk = {lk_substance, dosage_atc_of,
					     dosage_atc_known, lk_each,
					     lk_actives};

	return &lk;
}

/* --- the process's copy --------------------------------------------------- */

struct dosage_ddi_ref {
	dosage_ddi_kb *kb;
	int64_t kb_id;
	int refs; /* under lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dosage_ddi_ref *current; /* the cache's reference */

void
dosage_ddi_release(dosage_ddi_ref *ref)
{
	bool last;

	if (ref == NULL)
		return;
	pthread_mutex_lock(&lock);
	last = --ref->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last) {
		dosage_ddi_kb_free(ref->kb);
		free(ref);
	}
}

void
dosage_ddi_forget(void)
{
	dosage_ddi_ref *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	dosage_ddi_release(old);
}

const dosage_ddi_kb *
dosage_ddi_kb_of(const dosage_ddi_ref *ref)
{
	return ref ? ref->kb : NULL;
}

int64_t
dosage_ddi_ref_id(const dosage_ddi_ref *ref)
{
	return ref->kb_id;
}

/* cached takes a reference to the cached copy when it is version id. */
static dosage_ddi_ref *
cached(int64_t id)
{
	dosage_ddi_ref *r = NULL;

	pthread_mutex_lock(&lock);
	if (current != NULL && current->kb_id == id) {
		r = current;
		r->refs++;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

/* keep makes r (one reference, the caller's) the cached copy too. */
static void
keep(dosage_ddi_ref *r)
{
	dosage_ddi_ref *old;

	pthread_mutex_lock(&lock);
	r->refs++;
	old = current;
	current = r;
	pthread_mutex_unlock(&lock);
	dosage_ddi_release(old);
}

/* install_shipped stores the built-in starter set as the active version
 * when the database holds none or an older shipped one. */
static med_err
install_shipped(med_call *call)
{
	med_service *svc = med_service_from_call(call);
	dosage_ddi_save sv = {.kind = DOSAGE_KB_INTERACTIONS,
			      .origin = "shipped",
			      .by = "service:dosage",
			      .now_ms = med_now_ms(),
			      .shipped = true,
			      .audit = svc ? med_service_audit(svc) : NULL};
	dosage_ddi_kb *kb = NULL;
	char version[DOSAGE_DDI_VERSION_MAX + 1], why[256];
	med_err err;

	sv.text = dosage_ddi_starter(&sv.len);
	if (!dosage_ddi_text_version(sv.text, sv.len, version,
				     sizeof(version)) ||
	    dosage_ddi_kb_parse(sv.text, sv.len, version, dosage_ddi_tables(),
				&kb, why, sizeof(why)) != MED_OK) {
		/* A test keeps the shipped file valid; say it loudly. */
		med_log_error("the shipped interaction knowledge base does not "
			      "load: %s",
			      why);
		return MED_ERR_INTERNAL;
	}
	sv.kb = kb;
	sv.version = version;
	sv.n_rules = dosage_ddi_kb_n_rules(kb);
	sv.n_groups = dosage_ddi_kb_n_groups(kb);
	med_sha256_hex(sv.text, sv.len, sv.sha256);
	err = med_db_tx(med_call_db(call), dosage_store_ddi_save_tx, &sv);
	if (err == MED_OK)
		med_log_info("interaction knowledge base: shipped %s installed "
			     "(%zu rules)",
			     version, dosage_ddi_kb_n_rules(kb));
	dosage_ddi_kb_free(kb);
	return err;
}

/* shipped_needed: is nothing active, or an older shipped version? */
static bool
shipped_needed(const dosage_ddi_info *info)
{
	char version[DOSAGE_DDI_VERSION_MAX + 1];
	size_t len;
	const char *text = dosage_ddi_starter(&len);

	if (info->kb_id == 0)
		return true;
	return strcmp(info->origin, "shipped") == 0 &&
	       dosage_ddi_text_version(text, len, version, sizeof(version)) &&
	       strcmp(version, info->version) != 0;
}

med_err
dosage_ddi_kb_parse_as(const char *text, size_t len, const char *version,
		       void **kb, char *why, size_t why_len)
{
	dosage_ddi_kb *k = NULL;
	med_err err = dosage_ddi_kb_parse(
		text, len, version, dosage_ddi_tables(), &k, why, why_len);

	if (err == MED_OK)
		*kb = k;
	return err;
}

/* load reads and compiles version info->kb_id; the reference's base NULL
 * when its text no longer loads (the substance table lost a name it
 * uses). */
static med_err
load(med_call *call, const dosage_ddi_info *info, dosage_ddi_ref **out)
{
	dosage_ddi_ref *r;
	void *kb = NULL;
	char why[256];
	med_err err = dosage_kb_load_version(call, dosage_ddi_kb_parse_as, info,
					     &kb, why, sizeof(why));

	*out = NULL;
	if (err == MED_ERR_INVALID)
		/* Said once: the copy without a base is cached too, and
		 * each check says not_checked until a new import. */
		med_log_error("interaction knowledge base %s does not load: %s",
			      info->version, why);
	else if (err != MED_OK)
		return err;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		dosage_ddi_kb_free(kb);
		return MED_ERR_NOMEM;
	}
	r->kb_id = info->kb_id;
	r->refs = 1;
	r->kb = kb;
	keep(r);
	*out = r;
	return MED_OK;
}

/* usable keeps *ref only when it holds a knowledge base. */
static void
usable(dosage_ddi_ref **ref)
{
	if (*ref != NULL && (*ref)->kb == NULL) {
		dosage_ddi_release(*ref);
		*ref = NULL;
	}
}

med_err
dosage_ddi_acquire(med_call *call, dosage_ddi_ref **out)
{
	dosage_ddi_info both[2];
	dosage_ddi_info *info = &both[DOSAGE_KB_INTERACTIONS - 1];
	/* The checks read both knowledge bases here, their active versions
	 * in one statement: the substance base this replica runs follows
	 * the stored active version too. */
	med_err err = dosage_store_ddi_active_both(med_call_db(call), both);

	*out = NULL;
	if (err == MED_OK)
		err = dosage_substance_follow(call,
					      &both[DOSAGE_KB_SUBSTANCES - 1]);
	if (err == MED_OK && shipped_needed(info)) {
		if ((err = install_shipped(call)) == MED_OK)
			err = dosage_store_ddi_active(med_call_db(call),
						      DOSAGE_KB_INTERACTIONS,
						      info);
	}
	if (err != MED_OK)
		return err;
	if (info->kb_id == 0)
		return MED_OK;
	if ((*out = cached(info->kb_id)) == NULL &&
	    (err = load(call, info, out)) != MED_OK)
		return err;
	usable(out);
	return MED_OK;
}

med_err
dosage_ddi_gather(med_call *call, const dosage_ddi_ref *ref,
		  const dosage_family *fam, const char *patient_id,
		  const char *except_id, const char *encounter_id,
		  int64_t at_ms, dosage_class_list *out)
{
	int64_t window = DOSAGE_HOME_WINDOW_MS;
	med_err err = MED_OK;

	memset(out, 0, sizeof(*out));
	if (ref != NULL) {
		window = dosage_ddi_kb_window_ms(ref->kb);
		err = dosage_store_ddi_products(
			med_call_db(call), med_call_arena(call), fam,
			patient_id, except_id, at_ms, window, out);
	}
	/* The home medicines too, whether or not a base was read: the
	 * duplicate-therapy and admission-task checks read them here. */
	if (err == MED_OK)
		err = dosage_store_home_others(
			med_call_db(call), med_call_arena(call), fam,
			patient_id, encounter_id, at_ms,
			window > DOSAGE_HOME_WINDOW_MS ? window
						       : DOSAGE_HOME_WINDOW_MS,
			out);
	return dosage_fail_limit(call, err, out->limit);
}

/* --- the check ------------------------------------------------------------ */

/* ack_in: does an interaction hard stop among c[0..n) name rule id? */
static bool
ack_in(dosage_check *const *c, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		if (c[i]->kind != (Smartmed__Dosage__V1__CheckKind)
					  DOSAGE_DOSE_CHECK_INTERACTION ||
		    c[i]->status != HARD_STOP)
			continue;
		for (size_t k = 0; k < c[i]->n_rule_ids; k++)
			if (strcmp(c[i]->rule_ids[k], id) == 0)
				return true;
	}
	return false;
}

/* order_acked: did o's prescriber override rule id at entry? */
static bool
order_acked(const dosage_order *o, const char *id)
{
	return o != NULL && o->dose_override != NULL &&
	       ack_in(o->checks, o->n_checks, id);
}

/* product_acked: did the prescriber of p's order override rule id? */
static bool
product_acked(med_arena *a, const dosage_class_other *p, const char *id)
{
	Smartmed__Dosage__V1__CheckDoseResponse *r;
	ProtobufCAllocator alloc;

	if (p->acks == NULL)
		return false;
	med_arena_pb_allocator(a, &alloc);
	r = smartmed__dosage__v1__check_dose_response__unpack(
		&alloc, p->acks_len, p->acks);
	return r != NULL && ack_in(r->checks, r->n_checks, id);
}

/* acked: was hit h overridden at order entry on the dose's order or on
 * the order of a product it met (any row of that order)? */
static bool
acked(med_arena *a, const dosage_ddi_subject *s, const dosage_ddi_hit *h)
{
	const dosage_class_list *l = s->others;

	if (order_acked(s->order, h->rule->id))
		return true;
	for (size_t i = 0; i < h->n_other; i++) {
		const char *order = l->items[h->other[i]].order_id;

		for (size_t k = 0; k < l->n; k++)
			if (l->items[k].acks &&
			    strcmp(l->items[k].order_id, order) == 0 &&
			    product_acked(a, &l->items[k], h->rule->id))
				return true;
	}
	return false;
}

static dosage_dose_status
status_of(const dosage_ddi_hit *h, bool ack)
{
	if (h->rule->severity == DOSAGE_DDI_MODERATE || ack)
		return DOSAGE_DOSE_WARN;
	return DOSAGE_DOSE_HARD_STOP;
}

/* other_words names one product a hit met: "clarithromycin (CLARI-PO,
 * order X)", "(..., given 3.0 h ago, order X)" or a home medicine
 * "(home medicine \"...\", taken at home, ..., last dose 14.0 h ago)". */
static size_t
other_words(char *buf, size_t len, const dosage_class_other *o, int64_t at_ms)
{
	char sub[160];
	int n;

	/* A salt or combination is named with the moiety it stands for. */
	dosage_substance_kb_words(dosage_substance_kb_active(), o->substance,
				  sub, sizeof(sub));
	if (o->home != NULL)
		n = snprintf(buf, len, "%s (%s)", sub, o->home);
	else if (o->t_ms == 0)
		n = snprintf(buf, len, "%s (%s, order %s)", sub, o->label,
			     o->order_id);
	else
		n = snprintf(buf, len, "%s (%s, given %.1f h %s, order %s)",
			     sub, o->label,
			     (double)(o->t_ms > at_ms ? o->t_ms - at_ms
						      : at_ms - o->t_ms) /
				     3600000.0,
			     o->t_ms > at_ms ? "after" : "ago", o->order_id);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* hit_reason writes the reason of the worst hit and names the others. */
static void
hit_reason(char *buf, size_t len, const dosage_ddi_kb *kb,
	   const dosage_ddi_subject *s, const dosage_ddi_hit *h, size_t n,
	   bool ack)
{
	const dosage_ddi_rule *r = h[0].rule;
	char sub[160];
	size_t off;

	dosage_substance_kb_words(dosage_substance_kb_active(), h[0].subject,
				  sub, sizeof(sub));
	off = (size_t)snprintf(buf, len, "interaction %s (%s, KB %s): %s with ",
			       r->id, dosage_ddi_severity_name(r->severity),
			       dosage_ddi_kb_version(kb), sub);
	for (size_t i = 0; i < h[0].n_other && off < len; i++) {
		if (i > 0)
			off += (size_t)snprintf(buf + off, len - off, " and ");
		if (off < len)
			off += other_words(buf + off, len - off,
					   &s->others->items[h[0].other[i]],
					   s->at_ms);
	}
	if (off < len && r->cumulative)
		off += (size_t)snprintf(buf + off, len - off,
					" (%zu of %s at once)",
					h[0].n_substances, r->terms);
	/* The source before the words: a refusal's status message keeps
	 * only its first 256 characters (the check keeps them all). */
	if (off < len)
		off += (size_t)snprintf(
			buf + off, len - off, "; source: %s%s; %s; do: %s",
			r->source, ack ? "; overridden at order entry" : "",
			r->mechanism, r->action);
	for (size_t i = 1; i < n && off < len; i++)
		off += (size_t)snprintf(
			buf + off, len - off, "%s %s (%s)",
			i == 1 ? "; also" : ",", h[i].rule->id,
			dosage_ddi_severity_name(h[i].rule->severity));
}

/* push_check appends a DoseCheck to checks (arena). */
static dosage_check *
push_check(med_arena *a, dosage_check ***checks, size_t *n_checks)
{
	size_t cap = *n_checks;

	return med_arena_push_msg(
		a, (void ***)checks, n_checks, &cap,
		&smartmed__dosage__v1__dose_check__descriptor);
}

static int
rank(dosage_dose_status s)
{
	static const int r[] = {
		[DOSAGE_DOSE_NOT_APPLICABLE] = 0, [DOSAGE_DOSE_OK] = 1,
		[DOSAGE_DOSE_NOT_CHECKED] = 2,	  [DOSAGE_DOSE_WARN] = 3,
		[DOSAGE_DOSE_HARD_STOP] = 4,
	};

	return (size_t)s < sizeof(r) / sizeof(r[0]) ? r[s] : 0;
}

/* fill writes the check's outcome from the hits into c. */
static med_err
fill(med_arena *a, const dosage_ddi_kb *kb, const dosage_ddi_subject *s,
     const dosage_ddi_hit *h, size_t n, dosage_check *c)
{
	dosage_dose_status st = DOSAGE_DOSE_OK, worst_st = DOSAGE_DOSE_OK;
	size_t worst = 0;
	char reason[REASON_MAX];
	bool ack = false;

	if ((c->rule_ids = med_arena_alloc(a, (n + 1) * sizeof(char *))) ==
	    NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		bool k = s->bedside &&
			 h[i].rule->severity != DOSAGE_DDI_MODERATE &&
			 acked(a, s, &h[i]);

		st = status_of(&h[i], k);
		if (rank(st) > rank(worst_st)) {
			worst_st = st;
			worst = i;
			ack = k;
		}
		c->rule_ids[c->n_rule_ids++] = (char *)h[i].rule->id;
	}
	if (worst > 0) {
		/* The reason leads with the worst outcome. */
		dosage_ddi_hit tmp[DOSAGE_DDI_HITS_MAX];

		memcpy(tmp, h, n * sizeof(*h));
		tmp[0] = h[worst];
		tmp[worst] = h[0];
		hit_reason(reason, sizeof(reason), kb, s, tmp, n, ack);
	} else {
		hit_reason(reason, sizeof(reason), kb, s, h, n, ack);
	}
	c->status = (Smartmed__Dosage__V1__CheckStatus)worst_st;
	c->value = (double)n;
	c->reason = med_arena_strdup(a, reason);
	return c->reason ? MED_OK : MED_ERR_NOMEM;
}

/* evaluate runs the rules of kb for s into c. */
static med_err
evaluate(med_arena *a, const dosage_ddi_kb *kb, const dosage_ddi_subject *s,
	 dosage_check *c)
{
	dosage_ddi_hit hits[DOSAGE_DDI_HITS_MAX];
	dosage_dose_limits l;
	size_t n = 0;
	med_err err;

	dosage_limits(s->drug, &l);
	err = dosage_ddi_evaluate(kb, a, l.substances, l.n_substances,
				  s->others ? s->others->items : NULL,
				  s->others ? s->others->n : 0, s->at_ms, hits,
				  &n);
	if (err != MED_OK)
		return err;
	if (n > 0)
		return fill(a, kb, s, hits, n, c);
	c->status = (Smartmed__Dosage__V1__CheckStatus)DOSAGE_DOSE_OK;
	c->reason = med_arena_sprintf(
		a,
		"no interaction in KB %s with the %zu other orders in force, "
		"products given and home medicines",
		dosage_ddi_kb_version(kb), s->others ? s->others->n : 0);
	return c->reason ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_ddi_checks(med_call *call, const dosage_ddi_ref *ref,
		  const dosage_ddi_subject *s, dosage_check ***checks,
		  size_t *n_checks, Smartmed__Dosage__V1__CheckStatus *overall)
{
	med_arena *a = med_call_arena(call);
	dosage_check *c = push_check(a, checks, n_checks);
	med_err err = MED_OK;

	if (c == NULL)
		return MED_ERR_NOMEM;
	c->kind =
		(Smartmed__Dosage__V1__CheckKind)DOSAGE_DOSE_CHECK_INTERACTION;
	if (ref == NULL) {
		c->status = (Smartmed__Dosage__V1__CheckStatus)
			DOSAGE_DOSE_NOT_CHECKED;
		c->reason = "no interaction knowledge base could be read";
	} else {
		c->knowledge_base =
			med_arena_strdup(a, dosage_ddi_kb_version(ref->kb));
		err = c->knowledge_base ? evaluate(a, ref->kb, s, c)
					: MED_ERR_NOMEM;
	}
	if (err != MED_OK)
		return err;
	/* The rule ids point into the knowledge base, which the caller
	 * releases before the reply is encoded: copy them. */
	for (size_t i = 0; i < c->n_rule_ids; i++)
		if ((c->rule_ids[i] = med_arena_strdup(a, c->rule_ids[i])) ==
		    NULL)
			return MED_ERR_NOMEM;
	if (*overall == 0 || rank((dosage_dose_status)c->status) >
				     rank((dosage_dose_status)*overall))
		*overall = c->status;
	return MED_OK;
}

/* --- verification --------------------------------------------------------- */

med_err
dosage_ddi_verify_stop(med_call *call, const dosage_order *o,
		       const dosage_drug *d, const dosage_family *fam,
		       const char **why)
{
	med_arena *a = med_call_arena(call);
	dosage_ddi_hit hits[DOSAGE_DDI_HITS_MAX];
	dosage_ddi_ref *ref = NULL;
	dosage_class_list others;
	dosage_dose_limits l;
	size_t n = 0;
	med_err err;

	*why = "";
	if ((err = dosage_ddi_acquire(call, &ref)) != MED_OK || ref == NULL)
		return err;
	dosage_limits(d, &l);
	err = dosage_ddi_gather(call, ref, fam, o->patient_id, o->id,
				o->encounter_id, med_now_ms(), &others);
	if (err == MED_OK)
		err = dosage_ddi_evaluate(ref->kb, a, l.substances,
					  l.n_substances, others.items,
					  others.n, med_now_ms(), hits, &n);
	for (size_t i = 0; err == MED_OK && i < n && (*why)[0] == '\0'; i++) {
		dosage_ddi_subject s = {.drug = d,
					.order = o,
					.at_ms = med_now_ms(),
					.others = &others};
		char reason[REASON_MAX];

		/* A contraindicated rule needs the pharmacist's own
		 * override; a major one a prescriber's, on this order or on
		 * the other drug's (written after this one). */
		if (hits[i].rule->severity == DOSAGE_DDI_MODERATE ||
		    (hits[i].rule->severity == DOSAGE_DDI_MAJOR &&
		     acked(a, &s, &hits[i])))
			continue;
		hit_reason(reason, sizeof(reason), ref->kb, &s, &hits[i], 1,
			   false);
		if ((*why = med_arena_strdup(a, reason)) == NULL)
			err = MED_ERR_NOMEM;
	}
	dosage_ddi_release(ref);
	return err;
}
