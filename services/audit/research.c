/*
 * research.c - the RPCs of research projects: an auditor approves a
 * de-identified export for one researcher and a cohort, the FHIR facade
 * (as a service) reads the approval before every $research-export, and an
 * auditor may revoke it.  The rules are in research_rules.c, the SQL in
 * research_store.c; each RPC is one transaction, and the approval's and
 * the revocation's audit events commit with them (med_call_tx).
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/check.h>
#include <med/util.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit_svc.h"

/* Roles that see every project; anyone else admitted (a researcher) sees
 * only the projects that name them. */
#define GET_ANY_ROLES  (MED_ROLE_AUDITOR | MED_ROLE_SERVICE)
#define LIST_ANY_ROLES (MED_ROLE_AUDITOR | MED_ROLE_ADMIN)

static bool
caller_has(med_call *call, uint32_t roles)
{
	return (med_call_principal(call)->roles & roles) != 0;
}

static const char *
caller_name(med_call *call)
{
	return med_call_principal(call)->user;
}

/* check_project_id: a well-formed id, so that a typo reads as one rather
 * than as NOT_FOUND. */
static med_err
check_project_id(med_call *call, const char *field, const char *id)
{
	if (!audit_research_id_is_valid(id))
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must be 1..%d of A-Z a-z 0-9 . _ -",
				     field, AUDIT_RESEARCH_ID_MAX);
	return MED_OK;
}

static med_err
check_cohort_ids(med_call *call, const Smartmed__Audit__V1__ResearchProject *rp)
{
	char field[48];
	med_err err;

	for (size_t i = 0; i < rp->n_patient_ids; i++) {
		snprintf(field, sizeof(field), "project.patient_ids[%zu]", i);
		if ((err = med_check_id(call, field, rp->patient_ids[i])) !=
		    MED_OK)
			return err;
	}
	return MED_OK;
}

/* check_new_project applies every rule of an approval, naming the field. */
static med_err
check_new_project(med_call *call,
		  const Smartmed__Audit__V1__ResearchProject *rp)
{
	med_problem p;
	med_err err;

	if (audit_research_problem(rp, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if ((err = med_check_text(call, "project.title", rp->title, 1,
				  AUDIT_RESEARCH_TITLE_MAX)) != MED_OK ||
	    (err = check_cohort_ids(call, rp)) != MED_OK)
		return err;
	err = audit_research_cohort_problem(rp->patient_ids, rp->n_patient_ids,
					    med_call_arena(call), &p);
	if (err == MED_ERR_INVALID)
		return med_call_fail_problem(call, &p);
	return err;
}

/* add_approval_details puts the approval's parameters in its audit event
 * (the cohort by size: the event names no patients). */
static void
add_approval_details(med_call *call,
		     const Smartmed__Audit__V1__ResearchProject *rp)
{
	char k[16], n[16], days[16], expires[24];
	med_audit_detail d[] = {
		{"project", rp->project_id},
		{"researcher", rp->researcher},
		{"min_group_size", k},
		{"cohort_size", n},
		{"include_narrative", rp->include_narrative ? "true" : "false"},
		{"valid_days", days},
		{"expires_ms", expires},
	};

	snprintf(k, sizeof(k), "%" PRIu32, rp->min_group_size);
	snprintf(n, sizeof(n), "%zu", rp->n_patient_ids);
	snprintf(days, sizeof(days), "%" PRIu32, rp->valid_days);
	snprintf(expires, sizeof(expires), "%" PRId64, rp->expires_ms);
	med_call_add_details(call, d, sizeof(d) / sizeof(d[0]));
}

typedef struct approve_tx {
	med_call *call;
	const Smartmed__Audit__V1__ResearchProject *project;
} approve_tx;

static med_err
approve_project_tx(med_db_conn *c, void *ctx)
{
	approve_tx *t = ctx;

	return audit_research_insert(c, med_call_arena(t->call), t->project);
}

med_err
audit_rpc_approve_research_project(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__ApproveResearchProjectRequest *req =
		(const void *)in;
	Smartmed__Audit__V1__ResearchProject *rp = (void *)out;
	med_err err;

	if (req->project == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "project: must be set");
	if ((err = check_new_project(call, req->project)) != MED_OK)
		return err;
	/* The reply is the request's project (it lives in the call's arena)
	 * with the defaults and the output-only fields filled in. */
	*rp = *req->project;
	audit_research_complete(rp, caller_name(call), med_now_ms());
	add_approval_details(call, rp);
	err = med_call_tx(call, approve_project_tx, &(approve_tx){call, rp});
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, MED_ERR_EXISTS,
				     "project.project_id: was used before "
				     "(ids key pseudonyms and are never "
				     "reused)");
	return err;
}

typedef struct get_tx {
	med_call *call;
	const char *project_id;
	Smartmed__Audit__V1__ResearchProject *found;
} get_tx;

static med_err
get_project_tx(med_db_conn *c, void *ctx)
{
	get_tx *t = ctx;
	med_err err = audit_research_get(c, med_call_arena(t->call),
					 t->project_id, true, false, &t->found);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(t->call, MED_ERR_NOT_FOUND,
				     "project_id: no such project");
	if (err != MED_OK)
		return err;
	if (!caller_has(t->call, GET_ANY_ROLES) &&
	    strcmp(t->found->researcher, caller_name(t->call)) != 0)
		return med_call_fail(t->call, MED_ERR_DENIED,
				     "project_id: the project names another "
				     "researcher");
	return MED_OK;
}

med_err
audit_rpc_get_research_project(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__GetResearchProjectRequest *req =
		(const void *)in;
	get_tx t = {call, req->project_id, NULL};
	med_err err;

	if ((err = check_project_id(call, "project_id", req->project_id)) !=
	    MED_OK)
		return err;
	med_call_add_details(
		call, &(med_audit_detail){"project", req->project_id}, 1);
	if ((err = med_db_tx(med_call_db(call), get_project_tx, &t)) != MED_OK)
		return err;
	*(Smartmed__Audit__V1__ResearchProject *)out = *t.found;
	return MED_OK;
}

typedef struct list_tx {
	med_call *call;
	const char *researcher;
	bool include_inactive;
	Smartmed__Audit__V1__ListResearchProjectsResponse *resp;
} list_tx;

static med_err
list_projects_tx(med_db_conn *c, void *ctx)
{
	list_tx *t = ctx;

	return audit_research_list(c, med_call_arena(t->call), t->researcher,
				   t->include_inactive, med_now_ms(),
				   &t->resp->projects, &t->resp->n_projects);
}

med_err
audit_rpc_list_research_projects(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__ListResearchProjectsRequest *req =
		(const void *)in;
	list_tx t = {
		.call = call,
		.researcher = caller_has(call, LIST_ANY_ROLES)
				      ? NULL
				      : caller_name(call),
		.include_inactive = req->include_inactive,
		.resp = (void *)out,
	};

	return med_db_tx(med_call_db(call), list_projects_tx, &t);
}

typedef struct revoke_tx {
	med_call *call;
	const Smartmed__Audit__V1__RevokeResearchProjectRequest *req;
	int64_t now_ms;
	Smartmed__Audit__V1__ResearchProject *found;
} revoke_tx;

static med_err
revoke_project_tx(med_db_conn *c, void *ctx)
{
	revoke_tx *t = ctx;
	med_err err =
		audit_research_get(c, med_call_arena(t->call),
				   t->req->project_id, false, true, &t->found);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(t->call, MED_ERR_NOT_FOUND,
				     "project_id: no such project");
	if (err != MED_OK)
		return err;
	if (t->found->revoked_ms != 0)
		return med_call_fail(t->call, MED_ERR_PRECONDITION,
				     "project_id: the project was already "
				     "revoked");
	t->found->revoked_ms = t->now_ms;
	t->found->revoked_by = (char *)caller_name(t->call);
	return audit_research_revoke(c, t->req->project_id,
				     t->found->revoked_by, t->now_ms,
				     t->req->reason);
}

med_err
audit_rpc_revoke_research_project(med_call *call, const ProtobufCMessage *in,
				  ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__RevokeResearchProjectRequest *req =
		(const void *)in;
	revoke_tx t = {call, req, med_now_ms(), NULL};
	med_audit_detail d[] = {
		{"project", req->project_id},
		{"reason", req->reason},
	};
	med_err err;

	if ((err = check_project_id(call, "project_id", req->project_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1,
				  AUDIT_RESEARCH_REASON_MAX)) != MED_OK)
		return err;
	med_call_add_details(call, d, sizeof(d) / sizeof(d[0]));
	if ((err = med_call_tx(call, revoke_project_tx, &t)) != MED_OK)
		return err;
	*(Smartmed__Audit__V1__ResearchProject *)out = *t.found;
	return MED_OK;
}
