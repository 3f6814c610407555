/*
 * handlers.c - one thin function per diagnosis RPC.
 */
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include "diagnosis.h"

#define DX_PATH(m) "/smartmed.diagnosis.v1.Diagnosis/" m

static med_db *
call_db(med_call *call)
{
	return med_service_db(med_service_from_call(call));
}

static med_err
add_condition(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__AddConditionRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__Condition *c = (void *)out;
	med_arena *a = med_call_arena(call);
	char id[MED_UUID_LEN + 1];
	med_err err = diagnosis_check_add(call, req);

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
	c->note = req->note;
	c->recorded_ms = med_now_ms();
	med_call_set_patient(call, req->patient_id);
	return diagnosis_store_insert(call_db(call), c);
}

static med_err
list_conditions(med_call *call, const ProtobufCMessage *in,
		ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__ListConditionsRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__ListConditionsResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = diagnosis_store_list(call_db(call), med_call_arena(call),
				   req->patient_id, page.offset, page.size + 1,
				   &res->conditions, &res->n_conditions);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_conditions);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

const med_method diagnosis_methods[] = {
	{DX_PATH("AddCondition"),
	 &smartmed__diagnosis__v1__add_condition_request__descriptor,
	 &smartmed__diagnosis__v1__condition__descriptor, MED_RPC_UNARY,
	 add_condition, NULL, MED_ROLE_CLINICIAN},
	{DX_PATH("ListConditions"),
	 &smartmed__diagnosis__v1__list_conditions_request__descriptor,
	 &smartmed__diagnosis__v1__list_conditions_response__descriptor,
	 MED_RPC_UNARY, list_conditions, NULL,
	 MED_ROLE_CLINICIAN | MED_ROLE_NURSE},
};
const size_t diagnosis_n_methods =
	sizeof(diagnosis_methods) / sizeof(diagnosis_methods[0]);
