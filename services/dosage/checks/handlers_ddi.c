/*
 * handlers_ddi.c - the knowledge bases' RPCs, one machinery for each kind
 * (the interaction base, the substance base; a kb_ops table says how a
 * kind parses, compares and is put in force): Import* (a pharmacy's
 * licensed base, or a new starter set: active at once when it only adds
 * or tightens rules, else staged with its changes), Approve* (a second
 * pharmacist puts a staged one in force) and Get* (which one runs, or one
 * version and its changes).
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "kb_load.h"
#include "store_ddi.h"
#include "substance_cache.h"

typedef Smartmed__Dosage__V1__KnowledgeBase kb_reply;

/* kb_ops - how one kind of knowledge base is read, compared and put in
 * force; everything else (staging, approval, audit, replies) is shared. */
typedef struct kb_ops {
	dosage_kb_kind kind;
	const char *event; /* the audit events' prefix: "<event>_staged" */
	/* parse checks text as a whole (why names the line at fault). */
	dosage_kb_parse_fn parse;
	void (*free)(void *kb);
	med_err (*diff)(const void *old, const void *nw, med_arena *a,
			dosage_ddi_diff *d);
	void (*counts)(const void *kb, size_t *n_rules, size_t *n_groups);
	/* active gives the base in force (*kb NULL: none), a reference
	 * for release, its stored id and the stored active version. */
	med_err (*active)(med_call *call, const void **kb, void **ref,
			  int64_t *id, dosage_ddi_info *info);
	void (*release)(void *ref);
	/* forget: the version in force changed (this call committed it). */
	void (*forget)(med_call *call);
	/* rows: the base's rules kept as rows too (interactions). */
	const dosage_ddi_kb *(*rows)(const void *kb);
} kb_ops;

/* kb_import - what an Import* request carries. */
typedef struct kb_import {
	const char *text;
	size_t len;
	const char *version;
} kb_import;

static med_err
import_input(med_call *call, const kb_import *req)
{
	if (!dosage_ddi_version_ok(req->version))
		return med_call_fail(call, MED_ERR_INVALID,
				     "version: 1 to %d letters, digits, '-', "
				     "'_' or '.'",
				     DOSAGE_DDI_VERSION_MAX);
	if (req->len == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: must not be empty");
	if (req->len > DOSAGE_DDI_TEXT_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: larger than 4 MiB");
	if (!med_utf8_valid(req->text, req->len))
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: not valid UTF-8 (or holds NUL)");
	return MED_OK;
}

/* audit_import names the version and its changes on the call's event (it
 * commits with the import). */
static void
audit_import(med_call *call, const kb_ops *ops, const dosage_ddi_save *sv,
	     const dosage_ddi_diff *d, const dosage_ddi_info *base)
{
	med_arena *a = med_call_arena(call);
	char rules[24], groups[24];

	snprintf(rules, sizeof(rules), "%zu", sv->n_rules);
	snprintf(groups, sizeof(groups), "%zu", sv->n_groups);
	med_audit_detail det[] = {
		{"event",
		 med_arena_sprintf(a, "%s_%s", ops->event,
				   sv->pending ? "staged" : "imported")},
		{"version", sv->version},
		{"sha256", sv->sha256},
		{"rules", rules},
		{"groups", groups},
		{"replaces", base->version},
		{"replaces_sha256", base->sha256},
		{"changes", dosage_kb_counts(a, d)},
		{"hard_stops_weakened",
		 dosage_kb_weakening_list(a, d, DOSAGE_DDI_MAJOR)},
		{"weakening", dosage_kb_weakening_list(a, d, DOSAGE_DDI_NONE)},
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
	return dosage_kb_changes_msgs(a, d, &res->changes, &res->n_changes);
}

/* reply_version answers with version label as stored now, and d. */
static med_err
reply_version(med_call *call, const kb_ops *ops, const char *label,
	      const dosage_ddi_diff *d, kb_reply *res)
{
	dosage_ddi_info info, active;
	med_err err = dosage_store_ddi_version(med_call_db(call), ops->kind,
					       label, &info);

	if (err == MED_OK)
		err = dosage_store_ddi_active(med_call_db(call), ops->kind,
					      &active);
	if (err != MED_OK)
		return err;
	reply_info(med_call_arena(call), &info, active.kb_id, res);
	return changes_reply(med_call_arena(call), d, res);
}

/* the_active gives ops' base in force (NULL when none loads), a
 * reference for ops->release, and its stored id (0: none). */
static med_err
the_active(med_call *call, const kb_ops *ops, const void **kb, void **ref,
	   int64_t *id, dosage_ddi_info *info)
{
	*kb = NULL;
	*ref = NULL;
	return ops->active(call, kb, ref, id, info);
}

/* save_import stages or activates sv and names what went wrong. */
static med_err
save_import(med_call *call, const kb_ops *ops, dosage_ddi_save *sv)
{
	med_err err = med_call_tx(call, dosage_store_ddi_save_tx, sv);

	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "version: %s was imported before; give "
				     "a new version",
				     sv->version);
	if (err == MED_ERR_CONFLICT)
		return med_call_fail(call, err,
				     "the active knowledge base changed during "
				     "the import; import again");
	if (err == MED_OK && !sv->pending)
		ops->forget(call);
	return err;
}

/* import_checked stores kb (checked) against the base in force. */
static med_err
import_checked(med_call *call, const kb_ops *ops, const void *kb,
	       dosage_ddi_save *sv, dosage_ddi_diff *d)
{
	const void *cur = NULL;
	void *ref = NULL;
	dosage_ddi_info active;
	med_err err =
		the_active(call, ops, &cur, &ref, &sv->base_kb_id, &active);

	if (err == MED_OK)
		err = ops->diff(cur, kb, med_call_arena(call), d);
	if (err == MED_OK) {
		sv->kind = ops->kind;
		sv->kb = ops->rows ? ops->rows(kb) : NULL;
		ops->counts(kb, &sv->n_rules, &sv->n_groups);
		sv->pending = dosage_ddi_diff_weakens(d);
		med_sha256_hex(sv->text, sv->len, sv->sha256);
		audit_import(call, ops, sv, d, &active);
		err = save_import(call, ops, sv);
	}
	ops->release(ref);
	return err;
}

/* import_kb answers Import* for ops' kind. */
static med_err
import_kb(med_call *call, const kb_ops *ops, const kb_import *req,
	  kb_reply *res)
{
	dosage_ddi_save sv = {.text = req->text,
			      .len = req->len,
			      .version = req->version,
			      .origin = "import",
			      .by = med_call_principal(call)->user,
			      .now_ms = med_now_ms()};
	void *kb = NULL;
	dosage_ddi_diff d = {0};
	char why[512];
	med_err err = import_input(call, req);

	if (err != MED_OK)
		return err;
	/* Checked as a whole before anything is written. */
	err = ops->parse(sv.text, sv.len, req->version, &kb, why, sizeof(why));
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, err, "csv: %s", why);
	if (err == MED_OK)
		err = import_checked(call, ops, kb, &sv, &d);
	ops->free(kb);
	if (err != MED_OK)
		return err;
	return reply_version(call, ops, req->version, &d, res);
}

/* load_version reads and checks stored version info. */
static med_err
load_version(med_call *call, const kb_ops *ops, const dosage_ddi_info *info,
	     void **kb)
{
	char why[320];
	med_err err = dosage_kb_load_version(call, ops->parse, info, kb, why,
					     sizeof(why));

	if (err == MED_ERR_INVALID)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "version: %s no longer loads (%s); "
				     "import it again",
				     info->version, why);
	return err;
}

/* pending_diff compares stored version info with the base in force. */
static med_err
pending_diff(med_call *call, const kb_ops *ops, const dosage_ddi_info *info,
	     const void *active, dosage_ddi_diff *d)
{
	void *kb = NULL;
	med_err err = load_version(call, ops, info, &kb);

	if (err == MED_OK)
		err = ops->diff(active, kb, med_call_arena(call), d);
	ops->free(kb);
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
version_named(med_call *call, const kb_ops *ops, const char *label,
	      dosage_ddi_info *info)
{
	med_err err;

	if (!dosage_ddi_version_ok(label))
		return med_call_fail(call, MED_ERR_INVALID,
				     "version: 1 to %d letters, digits, '-', "
				     "'_' or '.'",
				     DOSAGE_DDI_VERSION_MAX);
	err = dosage_store_ddi_version(med_call_db(call), ops->kind, label,
				       info);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "version: no knowledge base %s was "
				     "imported",
				     label);
	return err;
}

/* get_version answers Get* for one version by label: a pending one with
 * its changes against the base in force; its rules when asked (an
 * interaction base's). */
static med_err
get_version(med_call *call, const kb_ops *ops, const char *label,
	    bool include_rules, kb_reply *res)
{
	med_arena *a = med_call_arena(call);
	const void *cur = NULL;
	void *ref = NULL, *kb = NULL;
	dosage_ddi_info info, active;
	dosage_ddi_diff d = {0};
	int64_t active_id = 0;
	med_err err = version_named(call, ops, label, &info);

	include_rules = include_rules && ops->rows != NULL;
	if (err == MED_OK)
		err = the_active(call, ops, &cur, &ref, &active_id, &active);
	if (err == MED_OK && info.pending && info.kb_id != active_id)
		err = pending_diff(call, ops, &info, cur, &d);
	if (err == MED_OK && include_rules)
		err = load_version(call, ops, &info, &kb);
	if (err == MED_OK) {
		reply_info(a, &info, active_id, res);
		err = changes_reply(a, &d, res);
	}
	if (err == MED_OK && include_rules)
		err = rules_reply(a, ops->rows(kb), res);
	ops->free(kb);
	ops->release(ref);
	return err;
}

/* get_kb answers Get* for ops' kind: the active version, or one. */
static med_err
get_kb(med_call *call, const kb_ops *ops, const char *version,
       bool include_rules, kb_reply *res)
{
	const void *cur = NULL;
	void *ref = NULL;
	dosage_ddi_info info = {.kb_id = 0};
	int64_t id = 0;
	med_err err;

	if (version[0] != '\0')
		return get_version(call, ops, version, include_rules, res);
	err = the_active(call, ops, &cur, &ref, &id, &info);
	if (err == MED_OK)
		reply_info(med_call_arena(call), &info, info.kb_id, res);
	if (err == MED_OK && include_rules && ops->rows && cur != NULL)
		err = rules_reply(med_call_arena(call), ops->rows(cur), res);
	ops->release(ref);
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
audit_approval(med_call *call, const kb_ops *ops, const dosage_ddi_info *info,
	       const dosage_ddi_info *active, const dosage_ddi_diff *d)
{
	med_arena *a = med_call_arena(call);
	med_audit_detail det[] = {
		{"event", med_arena_sprintf(a, "%s_approved", ops->event)},
		{"version", info->version},
		{"sha256", info->sha256},
		{"replaces", info->base_version},
		{"replaces_sha256", active->sha256},
		{"imported_by", info->imported_by},
		{"approved_by", med_call_principal(call)->user},
		{"changes", dosage_kb_counts(a, d)},
		{"hard_stops_weakened",
		 dosage_kb_weakening_list(a, d, DOSAGE_DDI_MAJOR)},
		{"weakening", dosage_kb_weakening_list(a, d, DOSAGE_DDI_NONE)},
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

/* approve_in_tx puts the pending version in force; the call's audit
 * event commits with it. */
static med_err
approve_in_tx(med_db_conn *c, void *arg)
{
	return dosage_store_ddi_approve(c, arg);
}

/* approve_kb answers Approve* for ops' kind. */
static med_err
approve_kb(med_call *call, const kb_ops *ops, const char *label, kb_reply *res)
{
	dosage_ddi_approval ap = {.kind = ops->kind,
				  .by = med_call_principal(call)->user,
				  .now_ms = med_now_ms()};
	const void *cur = NULL;
	void *ref = NULL;
	dosage_ddi_info info, active;
	dosage_ddi_diff d = {0};
	med_err err = version_named(call, ops, label, &info);

	if (err == MED_OK)
		err = the_active(call, ops, &cur, &ref, &ap.base_kb_id,
				 &active);
	if (err == MED_OK)
		err = approve_checks(call, &info, ap.base_kb_id);
	if (err == MED_OK)
		err = pending_diff(call, ops, &info, cur, &d);
	ops->release(ref);
	if (err != MED_OK)
		return err;
	ap.kb_id = info.kb_id;
	audit_approval(call, ops, &info, &active, &d);
	err = med_call_tx(call, approve_in_tx, &ap);
	if (err == MED_ERR_PRECONDITION)
		return refuse(call, ap.refusal, &info);
	if (err != MED_OK)
		return err;
	ops->forget(call);
	return reply_version(call, ops, label, &d, res);
}

/* --- the interaction knowledge base -------------------------------------- */

static void
ddi_free(void *kb)
{
	dosage_ddi_kb_free(kb);
}

static med_err
ddi_diff(const void *old, const void *nw, med_arena *a, dosage_ddi_diff *d)
{
	return dosage_ddi_kb_diff(old, nw, a, d);
}

static void
ddi_counts(const void *kb, size_t *n_rules, size_t *n_groups)
{
	*n_rules = dosage_ddi_kb_n_rules(kb);
	*n_groups = dosage_ddi_kb_n_groups(kb);
}

static med_err
ddi_active(med_call *call, const void **kb, void **ref, int64_t *id,
	   dosage_ddi_info *info)
{
	dosage_ddi_ref *r = NULL;
	med_err err = dosage_ddi_acquire(call, &r);

	if (err == MED_OK)
		err = dosage_store_ddi_active(med_call_db(call),
					      DOSAGE_KB_INTERACTIONS, info);
	if (err != MED_OK) {
		dosage_ddi_release(r);
		return err;
	}
	*ref = r;
	*kb = dosage_ddi_kb_of(r);
	*id = r ? dosage_ddi_ref_id(r) : info->kb_id;
	return MED_OK;
}

static void
ddi_release(void *ref)
{
	dosage_ddi_release(ref);
}

static void
ddi_forget(med_call *call)
{
	(void)call;
	dosage_ddi_forget();
}

static const dosage_ddi_kb *
ddi_rows(const void *kb)
{
	return kb;
}

static const kb_ops interaction_ops = {
	.kind = DOSAGE_KB_INTERACTIONS,
	.event = "interactions",
	.parse = dosage_ddi_kb_parse_as,
	.free = ddi_free,
	.diff = ddi_diff,
	.counts = ddi_counts,
	.active = ddi_active,
	.release = ddi_release,
	.forget = ddi_forget,
	.rows = ddi_rows,
};

med_err
dosage_rpc_import_interactions(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportInteractionsRequest *req =
		(const void *)in;
	kb_import im = {(const char *)req->csv.data, req->csv.len,
			req->version};

	return import_kb(call, &interaction_ops, &im, (kb_reply *)out);
}

med_err
dosage_rpc_get_interactions(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetInteractionsRequest *req =
		(const void *)in;

	return get_kb(call, &interaction_ops, req->version, req->include_rules,
		      (kb_reply *)out);
}

med_err
dosage_rpc_approve_interactions(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ApproveInteractionsRequest *req =
		(const void *)in;

	return approve_kb(call, &interaction_ops, req->version,
			  (kb_reply *)out);
}

/* --- the substance knowledge base ---------------------------------------- */

static void
substance_free(void *kb)
{
	dosage_substance_kb_free(kb);
}

static med_err
substance_diff(const void *old, const void *nw, med_arena *a,
	       dosage_ddi_diff *d)
{
	return dosage_substance_kb_diff(old, nw, a, d);
}

static void
substance_counts(const void *kb, size_t *n_rules, size_t *n_groups)
{
	dosage_substance_kb_counts(kb, n_rules, n_groups);
}

/* substance_active: the base in force stays readable until the service
 * stops (substance_kb.h), so it needs no reference. */
static med_err
substance_active(med_call *call, const void **kb, void **ref, int64_t *id,
		 dosage_ddi_info *info)
{
	med_err err = dosage_substance_refresh(call, info);

	*ref = NULL;
	if (err != MED_OK)
		return err;
	*kb = dosage_substance_kb_active();
	*id = info->kb_id;
	return MED_OK;
}

static void
substance_release(void *ref)
{
	(void)ref;
}

/* substance_forget puts the committed version in force now, so that
 * this process's next check reads it; a failure here is mended by the
 * next check's refresh. */
static void
substance_forget(med_call *call)
{
	dosage_ddi_info info;

	dosage_substance_forget();
	if (dosage_substance_refresh(call, &info) != MED_OK)
		med_log_warn("substance knowledge base: the new version is "
			     "put in force at the next check");
}

static const kb_ops substance_ops = {
	.kind = DOSAGE_KB_SUBSTANCES,
	.event = "substances",
	.parse = dosage_substance_kb_parse_as,
	.free = substance_free,
	.diff = substance_diff,
	.counts = substance_counts,
	.active = substance_active,
	.release = substance_release,
	.forget = substance_forget,
	.rows = NULL,
};

med_err
dosage_rpc_import_substance_knowledge(med_call *call,
				      const ProtobufCMessage *in,
				      ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportSubstanceKnowledgeRequest *req =
		(const void *)in;
	kb_import im = {(const char *)req->csv.data, req->csv.len,
			req->version};

	return import_kb(call, &substance_ops, &im, (kb_reply *)out);
}

med_err
dosage_rpc_get_substance_knowledge(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetSubstanceKnowledgeRequest *req =
		(const void *)in;

	return get_kb(call, &substance_ops, req->version, false,
		      (kb_reply *)out);
}

med_err
dosage_rpc_approve_substance_knowledge(med_call *call,
				       const ProtobufCMessage *in,
				       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ApproveSubstanceKnowledgeRequest *req =
		(const void *)in;

	return approve_kb(call, &substance_ops, req->version, (kb_reply *)out);
}
