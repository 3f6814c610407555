/*
 * handlers.c - one thin function per problem-list RPC (care plans in
 * handlers_plan.c, findings in handlers_finding.c, the method table in
 * methods.c).
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/service.h>
#include <med/util.h>

#include "diagnosis.h"

med_err
diagnosis_not_found(med_call *call, med_err err, const char *field)
{
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "%s: not found", field);
	return err;
}

typedef struct add_tx {
	const diagnosis_condition *c;
} add_tx;

static med_err
add_in_tx(med_db_conn *conn, void *ctx)
{
	return diagnosis_store_insert(conn, ((add_tx *)ctx)->c);
}

med_err
diagnosis_rpc_add_condition(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__AddConditionRequest *req =
		(const void *)in;
	diagnosis_condition *c = (void *)out;
	med_arena *a = med_call_arena(call);
	char id[MED_UUID_LEN + 1];
	add_tx tx = {.c = c};
	med_err err = diagnosis_check_add(call, req);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = med_patients_require(call, "patient_id", req->patient_id);
	if (err != MED_OK)
		return err;
	med_uuid_v4(id);
	c->condition_id = med_arena_strdup(a, id);
	c->recorded_by = med_arena_strdup(a, med_call_principal(call)->user);
	if (c->condition_id == NULL || c->recorded_by == NULL)
		return MED_ERR_NOMEM;
	c->patient_id = req->patient_id;
	c->code_system = req->code_system;
	c->code = req->code;
	c->display = req->display;
	c->clinical_status = req->clinical_status;
	c->verification_status = req->verification_status;
	c->onset_date = req->onset_date;
	c->abatement_date = req->abatement_date;
	c->note = req->note;
	c->recorded_ms = med_now_ms();
	c->version = 1;
	c->updated_by = c->recorded_by;
	c->updated_ms = c->recorded_ms;
	return med_call_tx(call, add_in_tx, &tx);
}

typedef struct update_tx {
	med_call *call;
	const Smartmed__Diagnosis__V1__UpdateConditionRequest *req;
	diagnosis_condition *out;
} update_tx;

static med_err
update_in_tx(med_db_conn *conn, void *ctx)
{
	update_tx *x = ctx;
	const Smartmed__Diagnosis__V1__UpdateConditionRequest *req = x->req;
	diagnosis_condition *old;
	med_problem p;
	med_err err = diagnosis_store_get(conn, med_call_arena(x->call),
					  req->condition_id, true, &old);

	if (err != MED_OK)
		return diagnosis_not_found(x->call, err, "condition_id");
	med_call_set_patient(x->call, old->patient_id);
	if (diagnosis_version_problem("condition", old->version,
				      req->expected_version, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	*x->out = *old;
	x->out->display = req->display;
	x->out->clinical_status = req->clinical_status;
	x->out->verification_status = req->verification_status;
	x->out->onset_date = req->onset_date;
	x->out->abatement_date = req->abatement_date;
	x->out->note = req->note;
	x->out->change_reason = req->reason;
	x->out->version = old->version + 1;
	x->out->updated_by = med_arena_strdup(
		med_call_arena(x->call), med_call_principal(x->call)->user);
	x->out->updated_ms = med_now_ms();
	if (x->out->updated_by == NULL)
		return MED_ERR_NOMEM;
	return diagnosis_store_update(conn, x->out);
}

med_err
diagnosis_rpc_update_condition(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	update_tx x = {
		.call = call, .req = (const void *)in, .out = (void *)out};
	med_err err = diagnosis_check_update(call, x.req);

	if (err != MED_OK)
		return err;
	/* The care decision before the row lock
	 * (docs/internals/care-decisions.md). */
	err = med_call_name_patient_of(
		call,
		"SELECT patient_id FROM conditions WHERE condition_id = ?",
		x.req->condition_id);
	if (err != MED_OK)
		return err;
	return med_call_tx(call, update_in_tx, &x);
}

med_err
diagnosis_rpc_condition_history(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__ConditionHistoryRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__ConditionHistoryResponse *res = (void *)out;
	med_err err = med_check_id(call, "condition_id", req->condition_id);

	if (err != MED_OK)
		return err;
	err = diagnosis_store_history(med_call_db(call), med_call_arena(call),
				      req->condition_id, &res->versions,
				      &res->n_versions);
	if (err != MED_OK)
		return err;
	if (res->n_versions == 0)
		return diagnosis_not_found(call, MED_ERR_NOT_FOUND,
					   "condition_id");
	med_call_set_patient(call, res->versions[0]->patient_id);
	return MED_OK;
}

med_err
diagnosis_rpc_list_conditions(med_call *call, const ProtobufCMessage *in,
			      ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__ListConditionsRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__ListConditionsResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = med_page_parse_for_patient(call, req->patient_id, req->page,
					      &page)) != MED_OK)
		return err;
	err = diagnosis_store_list(med_call_db(call), med_call_arena(call),
				   req->patient_id, page.offset, page.size + 1,
				   &res->conditions, &res->n_conditions);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_conditions);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}
