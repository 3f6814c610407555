/*
 * handlers.c - one thin function per records RPC.
 */
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include "records.h"

#define REC_PATH(m) "/smartmed.records.v1.Records/" m

static med_db *
call_db(med_call *call)
{
	return med_service_db(med_service_from_call(call));
}

static med_err
create_entry(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Records__V1__CreateEntryRequest *req = (const void *)in;
	Smartmed__Records__V1__Entry *e = (void *)out;
	char id[MED_UUID_LEN + 1];
	med_err err = records_check_create(call, req);

	if (err != MED_OK)
		return err;
	med_uuid_v4(id);
	e->entry_id = med_arena_strdup(med_call_arena(call), id);
	e->author = med_arena_strdup(med_call_arena(call),
				     med_call_principal(call)->user);
	if (e->entry_id == NULL || e->author == NULL)
		return MED_ERR_NOMEM;
	e->version = 1;
	e->patient_id = req->patient_id;
	e->kind = req->kind;
	e->title = req->title;
	e->body = req->body;
	e->created_ms = med_now_ms();
	med_call_set_patient(call, req->patient_id);
	if ((err = records_content_hash(med_call_arena(call), e)) != MED_OK)
		return err;
	return records_store_insert(call_db(call), e);
}

static med_err
get_entry(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Records__V1__GetEntryRequest *req = (const void *)in;
	Smartmed__Records__V1__Entry *e = (void *)out;
	med_err err = med_check_id(call, "entry_id", req->entry_id);

	if (err != MED_OK)
		return err;
	err = records_store_get(call_db(call), med_call_arena(call),
				req->entry_id, req->version, e);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "%s: no such entry",
				     req->version ? "version" : "entry_id");
	if (err == MED_OK)
		med_call_set_patient(call, e->patient_id);
	return err;
}

static med_err
list_entries(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ListEntriesRequest *req = (const void *)in;
	Smartmed__Records__V1__ListEntriesResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = records_store_list(call_db(call), med_call_arena(call),
				 req->patient_id, page.offset, page.size + 1,
				 &res->entries, &res->n_entries);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_entries);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

#define CARE_TEAM (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)

const med_method records_methods[] = {
	{REC_PATH("CreateEntry"),
	 &smartmed__records__v1__create_entry_request__descriptor,
	 &smartmed__records__v1__entry__descriptor, MED_RPC_UNARY, create_entry,
	 NULL, CARE_TEAM},
	{REC_PATH("GetEntry"),
	 &smartmed__records__v1__get_entry_request__descriptor,
	 &smartmed__records__v1__entry__descriptor, MED_RPC_UNARY, get_entry,
	 NULL, CARE_TEAM},
	{REC_PATH("ListEntries"),
	 &smartmed__records__v1__list_entries_request__descriptor,
	 &smartmed__records__v1__list_entries_response__descriptor,
	 MED_RPC_UNARY, list_entries, NULL, CARE_TEAM},
};
const size_t records_n_methods =
	sizeof(records_methods) / sizeof(records_methods[0]);
