/*
 * handlers_ddi.c - the interaction knowledge base's RPCs: ImportInteractions
 * (a pharmacy's licensed base, or a new starter set: active at once when it
 * only adds or tightens rules, else staged with its changes),
 * ApproveInteractions (a second pharmacist puts a staged one in force) and
 * GetInteractions (which one runs, or one version and its changes).
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "store_ddi.h"

typedef Smartmed__Dosage__V1__KnowledgeBase kb_reply;

static med_err
import_input(med_call *call,
	     const Smartmed__Dosage__V1__ImportInteractionsRequest *req)
{
	if (!dosage_ddi_version_ok(req->version))
		return med_call_fail(call, MED_ERR_INVALID,
				     "version: 1 to %d letters, digits, '-', "
				     "'_' or '.'",
				     DOSAGE_DDI_VERSION_MAX);
	if (req->csv.len == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: must not be empty");
	if (req->csv.len > DOSAGE_DDI_TEXT_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: larger than 4 MiB");
	if (!med_utf8_valid((const char *)req->csv.data, req->csv.len))
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: not valid UTF-8 (or holds NUL)");
	return MED_OK;
}

/* The audit service keeps 256 bytes of a detail: the lists of weakening
 * changes say how many did not fit.  The whole diff is made again from
 * the two texts the database keeps (both digests are in the event), and
 * GetInteractions shows it. */
#define AUDIT_LIST_MAX 240

/* counts says how many changes of each kind d holds. */
static const char *
counts(med_arena *a, const dosage_ddi_diff *d)
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

/* weakening_list lists d's removed, weakened and changed rules of
 * severity least or worse, worst first, and with least NONE the groups
 * after them ("removed DDI-030; weakened group nsaid; and 3 more";
 * "none"). */
static const char *
weakening_list(med_arena *a, const dosage_ddi_diff *d,
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

/* audit_import names the version and its changes on the call's event (it
 * commits with the import). */
static void
audit_import(med_call *call, const dosage_ddi_save *sv,
	     const dosage_ddi_diff *d, const dosage_ddi_info *base)
{
	med_arena *a = med_call_arena(call);
	char rules[24], groups[24];

	snprintf(rules, sizeof(rules), "%zu", dosage_ddi_kb_n_rules(sv->kb));
	snprintf(groups, sizeof(groups), "%zu", dosage_ddi_kb_n_groups(sv->kb));
	med_audit_detail det[] = {
		{"event",
		 sv->pending ? "interactions_staged" : "interactions_imported"},
		{"version", dosage_ddi_kb_version(sv->kb)},
		{"sha256", sv->sha256},
		{"rules", rules},
		{"groups", groups},
		{"replaces", base->version},
		{"replaces_sha256", base->sha256},
		{"changes", counts(a, d)},
		{"hard_stops_weakened", weakening_list(a, d, DOSAGE_DDI_MAJOR)},
		{"weakening", weakening_list(a, d, DOSAGE_DDI_NONE)},
	};
	med_call_add_details(call, det, sizeof(det) / sizeof(det[0]));
}

/* state names what version info is, the active one being active_id. */
static char *
state_of(const dosage_ddi_info *info, int64_t active_id)
{
	if (info->kb_id == active_id)
		return "active";
	return info->pending ? "pending" : "retired";
}

static void
reply_info(med_arena *a, const dosage_ddi_info *info, int64_t active_id,
	   kb_reply *res)
{
	res->version = med_arena_strdup(a, info->version);
	res->origin = med_arena_strdup(a, info->origin);
	res->rules = (uint32_t)info->n_rules;
	res->groups = (uint32_t)info->n_groups;
	res->imported_by = med_arena_strdup(a, info->imported_by);
	res->imported_ms = info->imported_ms;
	res->sha256 = med_arena_strdup(a, info->sha256);
	res->state = state_of(info, active_id);
	res->approved_by = med_arena_strdup(a, info->approved_by);
	res->approved_ms = info->approved_ms;
	res->replaces = med_arena_strdup(a, info->base_version);
}

/* changes_reply lists d in res. */
static med_err
changes_reply(med_arena *a, const dosage_ddi_diff *d, kb_reply *res)
{
	size_t cap = 0;

	for (size_t i = 0; i < d->n; i++) {
		const dosage_ddi_change *c = &d->items[i];
		Smartmed__Dosage__V1__KnowledgeChange *m = med_arena_push_msg(
			a, (void ***)&res->changes, &res->n_changes, &cap,
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

/* reply_version answers with version label as stored now, and d. */
static med_err
reply_version(med_call *call, const char *label, const dosage_ddi_diff *d,
	      kb_reply *res)
{
	dosage_ddi_info info, active;
	med_err err = dosage_store_ddi_version(med_call_db(call), label, &info);

	if (err == MED_OK)
		err = dosage_store_ddi_active(med_call_db(call), &active);
	if (err != MED_OK)
		return err;
	reply_info(med_call_arena(call), &info, active.kb_id, res);
	return changes_reply(med_call_arena(call), d, res);
}

/* the_active gives a reference to the active base (NULL when none loads)
 * and its stored id (0: none). */
static med_err
the_active(med_call *call, dosage_ddi_ref **ref, int64_t *id,
	   dosage_ddi_info *info)
{
	med_err err = dosage_ddi_acquire(call, ref);

	if (err == MED_OK)
		err = dosage_store_ddi_active(med_call_db(call), info);
	if (err != MED_OK)
		return err;
	*id = *ref ? dosage_ddi_ref_id(*ref) : info->kb_id;
	return MED_OK;
}

/* save_import stages or activates sv and names what went wrong. */
static med_err
save_import(med_call *call, dosage_ddi_save *sv)
{
	med_err err = dosage_store_ddi_save(call, sv);

	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "version: %s was imported before; give "
				     "a new version",
				     dosage_ddi_kb_version(sv->kb));
	if (err == MED_ERR_CONFLICT)
		return med_call_fail(call, err,
				     "the active knowledge base changed during "
				     "the import; import again");
	if (err == MED_OK && !sv->pending)
		dosage_ddi_forget();
	return err;
}

med_err
dosage_rpc_import_interactions(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportInteractionsRequest *req =
		(const void *)in;
	dosage_ddi_save sv = {.text = (const char *)req->csv.data,
			      .len = req->csv.len,
			      .origin = "import",
			      .by = med_call_principal(call)->user,
			      .now_ms = med_now_ms()};
	dosage_ddi_kb *kb = NULL;
	dosage_ddi_ref *ref = NULL;
	dosage_ddi_info active;
	dosage_ddi_diff d;
	char why[512];
	med_err err = import_input(call, req);

	if (err != MED_OK)
		return err;
	/* Checked as a whole before anything is written. */
	err = dosage_ddi_kb_parse(sv.text, sv.len, req->version,
				  dosage_ddi_tables(), &kb, why, sizeof(why));
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, err, "csv: %s", why);
	if (err == MED_OK)
		err = the_active(call, &ref, &sv.base_kb_id, &active);
	if (err == MED_OK)
		err = dosage_ddi_kb_diff(dosage_ddi_kb_of(ref), kb,
					 med_call_arena(call), &d);
	if (err == MED_OK) {
		sv.kb = kb;
		sv.pending = dosage_ddi_diff_weakens(&d);
		med_sha256_hex(sv.text, sv.len, sv.sha256);
		audit_import(call, &sv, &d, &active);
		err = save_import(call, &sv);
	}
	dosage_ddi_kb_free(kb);
	dosage_ddi_release(ref);
	if (err != MED_OK)
		return err;
	return reply_version(call, req->version, &d, (kb_reply *)out);
}

/* load_version reads and compiles stored version info. */
static med_err
load_version(med_call *call, const dosage_ddi_info *info, dosage_ddi_kb **kb)
{
	char *body, why[256];
	size_t len;
	med_err err =
		dosage_store_ddi_body(med_call_db(call), med_call_arena(call),
				      info->kb_id, &body, &len);

	if (err != MED_OK)
		return err;
	err = dosage_ddi_kb_parse(body, len, info->version, dosage_ddi_tables(),
				  kb, why, sizeof(why));
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "version: %s no longer loads (%s); "
				     "import it again",
				     info->version, why);
	return err;
}

/* pending_diff compares stored version info with the active base. */
static med_err
pending_diff(med_call *call, const dosage_ddi_info *info,
	     const dosage_ddi_ref *active, dosage_ddi_diff *d)
{
	dosage_ddi_kb *kb = NULL;
	med_err err = load_version(call, info, &kb);

	if (err == MED_OK)
		err = dosage_ddi_kb_diff(dosage_ddi_kb_of(active), kb,
					 med_call_arena(call), d);
	dosage_ddi_kb_free(kb);
	return err;
}

/* rules_reply lists kb's rules in res. */
static med_err
rules_reply(med_arena *a, const dosage_ddi_kb *kb, kb_reply *res)
{
	size_t cap = 0;

	for (size_t i = 0; i < dosage_ddi_kb_n_rules(kb); i++) {
		const dosage_ddi_rule *r = dosage_ddi_kb_rule(kb, i);
		Smartmed__Dosage__V1__InteractionRule *m = med_arena_push_msg(
			a, (void ***)&res->items, &res->n_items, &cap,
			&smartmed__dosage__v1__interaction_rule__descriptor);

		if (m == NULL || !(m->id = med_arena_strdup(a, r->id)) ||
		    !(m->terms = med_arena_strdup(a, r->terms)) ||
		    !(m->mechanism = med_arena_strdup(a, r->mechanism)) ||
		    !(m->action = med_arena_strdup(a, r->action)) ||
		    !(m->source = med_arena_strdup(a, r->source)))
			return MED_ERR_NOMEM;
		m->kind = r->cumulative ? "cumulative" : "interaction";
		m->severity = (char *)dosage_ddi_severity_name(r->severity);
		m->window_hours = (uint32_t)(r->window_ms / 3600000);
	}
	return MED_OK;
}

/* version_named reads the version a request names. */
static med_err
version_named(med_call *call, const char *label, dosage_ddi_info *info)
{
	med_err err;

	if (!dosage_ddi_version_ok(label))
		return med_call_fail(call, MED_ERR_INVALID,
				     "version: 1 to %d letters, digits, '-', "
				     "'_' or '.'",
				     DOSAGE_DDI_VERSION_MAX);
	err = dosage_store_ddi_version(med_call_db(call), label, info);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "version: no knowledge base %s was "
				     "imported",
				     label);
	return err;
}

/* get_version answers GetInteractions for one version by label: a
 * pending one with its changes against the active base. */
static med_err
get_version(med_call *call, const char *label, bool include_rules,
	    kb_reply *res)
{
	med_arena *a = med_call_arena(call);
	dosage_ddi_ref *ref = NULL;
	dosage_ddi_kb *kb = NULL;
	dosage_ddi_info info, active;
	dosage_ddi_diff d = {0};
	int64_t active_id = 0;
	med_err err = version_named(call, label, &info);

	if (err == MED_OK)
		err = the_active(call, &ref, &active_id, &active);
	if (err == MED_OK && info.pending && info.kb_id != active_id)
		err = pending_diff(call, &info, ref, &d);
	if (err == MED_OK && include_rules)
		err = load_version(call, &info, &kb);
	if (err == MED_OK) {
		reply_info(a, &info, active_id, res);
		err = changes_reply(a, &d, res);
	}
	if (err == MED_OK && include_rules)
		err = rules_reply(a, kb, res);
	dosage_ddi_kb_free(kb);
	dosage_ddi_release(ref);
	return err;
}

med_err
dosage_rpc_get_interactions(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetInteractionsRequest *req =
		(const void *)in;
	kb_reply *res = (void *)out;
	dosage_ddi_ref *ref = NULL;
	dosage_ddi_info info = {.kb_id = 0};
	med_err err;

	if (req->version[0] != '\0')
		return get_version(call, req->version, req->include_rules, res);
	if ((err = dosage_ddi_acquire(call, &ref)) == MED_OK)
		err = dosage_store_ddi_active(med_call_db(call), &info);
	if (err == MED_OK)
		reply_info(med_call_arena(call), &info, info.kb_id, res);
	if (err == MED_OK && req->include_rules && ref != NULL)
		err = rules_reply(med_call_arena(call), dosage_ddi_kb_of(ref),
				  res);
	dosage_ddi_release(ref);
	return err;
}

/* refuse names why an approval cannot be given. */
static med_err
refuse(med_call *call, dosage_ddi_refusal why, const dosage_ddi_info *info)
{
	switch (why) {
	case DOSAGE_DDI_NOT_PENDING:
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "version: %s is not waiting for approval",
				     info->version);
	case DOSAGE_DDI_SAME_PERSON:
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "version: %s was imported by you; a "
				     "second pharmacist approves it",
				     info->version);
	default:
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "version: the active knowledge base "
				     "changed since %s was staged; its changes "
				     "no longer hold: import it again",
				     info->version);
	}
}

/* audit_approval names both pharmacists and the changes on the call's
 * event (it commits with the approval). */
static void
audit_approval(med_call *call, const dosage_ddi_info *info,
	       const dosage_ddi_info *active, const dosage_ddi_diff *d)
{
	med_arena *a = med_call_arena(call);
	med_audit_detail det[] = {
		{"event", "interactions_approved"},
		{"version", info->version},
		{"sha256", info->sha256},
		{"replaces", info->base_version},
		{"replaces_sha256", active->sha256},
		{"imported_by", info->imported_by},
		{"approved_by", med_call_principal(call)->user},
		{"changes", counts(a, d)},
		{"hard_stops_weakened", weakening_list(a, d, DOSAGE_DDI_MAJOR)},
		{"weakening", weakening_list(a, d, DOSAGE_DDI_NONE)},
	};
	med_call_add_details(call, det, sizeof(det) / sizeof(det[0]));
}

/* approve_checks refuses early, with the reason, what the transaction
 * would refuse. */
static med_err
approve_checks(med_call *call, const dosage_ddi_info *info, int64_t active_id)
{
	dosage_ddi_refusal why = DOSAGE_DDI_APPROVE_OK;

	if (!info->pending)
		why = DOSAGE_DDI_NOT_PENDING;
	else if (strcmp(info->imported_by, med_call_principal(call)->user) == 0)
		why = DOSAGE_DDI_SAME_PERSON;
	else if (info->base_kb_id != active_id)
		why = DOSAGE_DDI_BASE_CHANGED;
	return why == DOSAGE_DDI_APPROVE_OK ? MED_OK : refuse(call, why, info);
}

med_err
dosage_rpc_approve_interactions(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ApproveInteractionsRequest *req =
		(const void *)in;
	dosage_ddi_approval ap = {.by = med_call_principal(call)->user,
				  .now_ms = med_now_ms()};
	dosage_ddi_ref *ref = NULL;
	dosage_ddi_info info, active;
	dosage_ddi_diff d = {0};
	med_err err = version_named(call, req->version, &info);

	if (err == MED_OK)
		err = the_active(call, &ref, &ap.base_kb_id, &active);
	if (err == MED_OK)
		err = approve_checks(call, &info, ap.base_kb_id);
	if (err == MED_OK)
		err = pending_diff(call, &info, ref, &d);
	dosage_ddi_release(ref);
	if (err != MED_OK)
		return err;
	ap.kb_id = info.kb_id;
	audit_approval(call, &info, &active, &d);
	err = dosage_store_ddi_approve(call, &ap);
	if (err == MED_ERR_PRECONDITION)
		return refuse(call, ap.refusal, &info);
	if (err != MED_OK)
		return err;
	dosage_ddi_forget();
	return reply_version(call, req->version, &d, (kb_reply *)out);
}
