/*
 * handlers_ddi.c - the interaction knowledge base's RPCs: ImportInteractions
 * (a pharmacy's licensed base, or a new starter set, as the active
 * version) and GetInteractions (which one runs).
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

/* audit_import names the version on the call's event (it commits with
 * the import). */
static void
audit_import(med_call *call, const dosage_ddi_save *sv)
{
	char rules[24], groups[24];

	snprintf(rules, sizeof(rules), "%zu", dosage_ddi_kb_n_rules(sv->kb));
	snprintf(groups, sizeof(groups), "%zu", dosage_ddi_kb_n_groups(sv->kb));
	med_audit_detail d[] = {
		{"event", "interactions_imported"},
		{"version", dosage_ddi_kb_version(sv->kb)},
		{"sha256", sv->sha256},
		{"rules", rules},
		{"groups", groups},
	};
	med_call_add_details(call, d, sizeof(d) / sizeof(d[0]));
}

static void
reply_info(med_arena *a, const dosage_ddi_info *info, kb_reply *res)
{
	res->version = med_arena_strdup(a, info->version);
	res->origin = med_arena_strdup(a, info->origin);
	res->rules = (uint32_t)info->n_rules;
	res->groups = (uint32_t)info->n_groups;
	res->imported_by = med_arena_strdup(a, info->imported_by);
	res->imported_ms = info->imported_ms;
	res->sha256 = med_arena_strdup(a, info->sha256);
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
	dosage_ddi_info info;
	char why[512];
	med_err err = import_input(call, req);

	if (err != MED_OK)
		return err;
	/* Checked as a whole before anything is written. */
	err = dosage_ddi_kb_parse(sv.text, sv.len, req->version,
				  dosage_ddi_tables(), &kb, why, sizeof(why));
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, err, "csv: %s", why);
	if (err != MED_OK)
		return err;
	sv.kb = kb;
	med_sha256_hex(sv.text, sv.len, sv.sha256);
	audit_import(call, &sv);
	err = dosage_store_ddi_save(call, &sv);
	dosage_ddi_kb_free(kb);
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "version: %s was imported before; give "
				     "a new version",
				     req->version);
	if (err != MED_OK)
		return err;
	dosage_ddi_forget();
	if ((err = dosage_store_ddi_active(med_call_db(call), &info)) != MED_OK)
		return err;
	reply_info(med_call_arena(call), &info, (kb_reply *)out);
	return MED_OK;
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

med_err
dosage_rpc_get_interactions(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetInteractionsRequest *req =
		(const void *)in;
	kb_reply *res = (void *)out;
	dosage_ddi_ref *ref = NULL;
	dosage_ddi_info info;
	med_err err = dosage_ddi_acquire(call, &ref);

	if (err == MED_OK)
		err = dosage_store_ddi_active(med_call_db(call), &info);
	if (err == MED_OK)
		reply_info(med_call_arena(call), &info, res);
	if (err == MED_OK && req->include_rules && ref != NULL)
		err = rules_reply(med_call_arena(call), dosage_ddi_kb_of(ref),
				  res);
	dosage_ddi_release(ref);
	return err;
}
