/*
 * handlers.c - one thin function per dosage RPC.
 */
#include <med/check.h>
#include <med/service.h>

#include "dosage.h"

#define DOS_PATH(m) "/smartmed.dosage.v1.Dosage/" m

static med_db *
call_db(med_call *call)
{
	return med_service_db(med_service_from_call(call));
}

static med_err
upsert_drug(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__UpsertDrugRequest *req = (const void *)in;
	med_err err = dosage_check_drug(call, req->drug);

	if (err != MED_OK)
		return err;
	return dosage_store_upsert(call_db(call), med_call_arena(call),
				   req->drug, (void *)out);
}

static med_err
get_drug(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetDrugRequest *req = (const void *)in;
	med_err err = dosage_check_code(call, "code", req->code);

	if (err != MED_OK)
		return err;
	err = dosage_store_get(call_db(call), med_call_arena(call), req->code,
			       (void *)out);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "code: no such drug");
	return err;
}

static med_err
list_drugs(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ListDrugsRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ListDrugsResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = med_check_text(call, "name_prefix", req->name_prefix, 0,
				  200)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	err = dosage_store_list(call_db(call), med_call_arena(call),
				req->name_prefix, page.offset, page.size + 1,
				&res->drugs, &res->n_drugs);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_drugs);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

#define DRUG_READERS                                                           \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST |           \
	 MED_ROLE_ADMIN)

const med_method dosage_methods[] = {
	{DOS_PATH("UpsertDrug"),
	 &smartmed__dosage__v1__upsert_drug_request__descriptor,
	 &smartmed__dosage__v1__drug__descriptor, MED_RPC_UNARY, upsert_drug,
	 NULL, MED_ROLE_PHARMACIST | MED_ROLE_ADMIN},
	{DOS_PATH("GetDrug"),
	 &smartmed__dosage__v1__get_drug_request__descriptor,
	 &smartmed__dosage__v1__drug__descriptor, MED_RPC_UNARY, get_drug, NULL,
	 DRUG_READERS},
	{DOS_PATH("ListDrugs"),
	 &smartmed__dosage__v1__list_drugs_request__descriptor,
	 &smartmed__dosage__v1__list_drugs_response__descriptor, MED_RPC_UNARY,
	 list_drugs, NULL, DRUG_READERS},
};
const size_t dosage_n_methods =
	sizeof(dosage_methods) / sizeof(dosage_methods[0]);
