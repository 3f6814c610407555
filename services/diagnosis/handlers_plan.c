/*
 * handlers_plan.c - SetCarePlan and GetCarePlan.
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/util.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

typedef struct plan_tx {
	med_call *call;
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req;
	diagnosis_care_plan *out;
} plan_tx;

/* check_replace reads the plan being replaced and checks it is the
 * patient's and at the version the caller read. */
static med_err
check_replace(plan_tx *x, med_db_conn *conn)
{
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req = x->req;
	diagnosis_care_plan *old;
	med_problem p;
	med_err err = diagnosis_store_plan_get(conn, med_call_arena(x->call),
					       req->care_plan_id, true, &old);

	if (err == MED_OK && strcmp(old->patient_id, req->patient_id) != 0)
		err = MED_ERR_NOT_FOUND;
	if (err != MED_OK)
		return diagnosis_not_found(x->call, err, "care_plan_id");
	if (diagnosis_version_problem("plan", old->version,
				      req->expected_version, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	x->out->version = old->version + 1;
	return MED_OK;
}

static med_err
plan_in_tx(med_db_conn *conn, void *ctx)
{
	plan_tx *x = ctx;
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req = x->req;
	bool create = req->care_plan_id[0] == '\0';
	med_err err;

	x->out->version = 1;
	if (!create && (err = check_replace(x, conn)) != MED_OK)
		return err;
	for (size_t i = 0; i < req->n_condition_ids; i++) {
		err = diagnosis_store_condition_owner(
			conn, req->condition_ids[i], req->patient_id);
		if (err == MED_ERR_NOT_FOUND)
			return med_call_fail(x->call, err,
					     "condition_ids[%zu]: no such "
					     "condition for this patient",
					     i);
		if (err != MED_OK)
			return err;
	}
	return diagnosis_store_plan_put(conn, x->out, create);
}

med_err
diagnosis_rpc_set_care_plan(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	plan_tx x = {.call = call, .req = (const void *)in, .out = (void *)out};
	diagnosis_care_plan *p = x.out;
	char id[MED_UUID_LEN + 1];
	med_err err = diagnosis_check_care_plan(call, x.req);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, x.req->patient_id);
	err = med_patients_require(call, "patient_id", x.req->patient_id);
	if (err != MED_OK)
		return err;
	if (x.req->care_plan_id[0] == '\0')
		med_uuid_v4(id);
	p->care_plan_id = x.req->care_plan_id[0]
				  ? x.req->care_plan_id
				  : med_arena_strdup(med_call_arena(call), id);
	p->updated_by = med_arena_strdup(med_call_arena(call),
					 med_call_principal(call)->user);
	if (p->care_plan_id == NULL || p->updated_by == NULL)
		return MED_ERR_NOMEM;
	p->patient_id = x.req->patient_id;
	p->title = x.req->title;
	p->status = x.req->status;
	p->condition_ids = x.req->condition_ids;
	p->n_condition_ids = x.req->n_condition_ids;
	p->goals = x.req->goals;
	p->n_goals = x.req->n_goals;
	p->activities = x.req->activities;
	p->n_activities = x.req->n_activities;
	p->updated_ms = med_now_ms();
	return med_call_tx(call, plan_in_tx, &x);
}

typedef struct get_tx {
	med_call *call;
	const char *id;
	diagnosis_care_plan *p;
} get_tx;

static med_err
get_in_tx(med_db_conn *conn, void *ctx)
{
	get_tx *x = ctx;

	return diagnosis_store_plan_get(conn, med_call_arena(x->call), x->id,
					false, &x->p);
}

med_err
diagnosis_rpc_get_care_plan(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__GetCarePlanRequest *req =
		(const void *)in;
	get_tx x = {.call = call, .id = req->care_plan_id};
	med_err err = med_check_id(call, "care_plan_id", req->care_plan_id);

	if (err != MED_OK)
		return err;
	err = med_db_tx(med_call_db(call), get_in_tx, &x);
	if (err != MED_OK)
		return diagnosis_not_found(call, err, "care_plan_id");
	med_call_set_patient(call, x.p->patient_id);
	*(diagnosis_care_plan *)out = *x.p;
	return MED_OK;
}
