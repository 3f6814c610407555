/*
 * handlers.c - one thin function per identity RPC: request → rules → store
 * → reply.
 */
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include "identity.h"

#define ID_PATH(m) "/smartmed.identity.v1.Identity/" m

static med_db *
call_db(med_call *call)
{
	return med_service_db(med_service_from_call(call));
}

static med_err
create_patient(med_call *call, const ProtobufCMessage *in,
	       ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__CreatePatientRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__Patient *p = (void *)out;
	char id[MED_UUID_LEN + 1];
	med_err err = identity_check_create(call, req);

	if (err != MED_OK)
		return err;
	med_uuid_v4(id);
	p->patient_id = med_arena_strdup(med_call_arena(call), id);
	if (p->patient_id == NULL)
		return MED_ERR_NOMEM;
	p->mrn = req->mrn;
	p->family_name = req->family_name;
	p->given_name = req->given_name;
	p->birth_date = req->birth_date;
	p->sex = req->sex;
	p->created_ms = p->updated_ms = med_now_ms();
	err = identity_store_insert(call_db(call), p);
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "mrn: a patient with this MRN exists");
	if (err == MED_OK)
		med_call_set_patient(call, p->patient_id);
	return err;
}

static med_err
get_patient(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__GetPatientRequest *req = (const void *)in;
	Smartmed__Identity__V1__Patient *p = (void *)out;
	const char *column = "patient_id", *key = req->patient_id;
	med_err err;

	switch (req->key_case) {
	case SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_PATIENT_ID:
		err = med_check_id(call, "patient_id", req->patient_id);
		break;
	case SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_MRN:
		column = "mrn";
		key = req->mrn;
		err = med_check_text(call, "mrn", req->mrn, 1, 64);
		break;
	default:
		return med_call_fail(call, MED_ERR_INVALID,
				     "key: set patient_id or mrn");
	}
	if (err != MED_OK)
		return err;
	err = identity_store_get(call_db(call), med_call_arena(call), column,
				 key, p);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "%s: no such patient", column);
	if (err == MED_OK)
		med_call_set_patient(call, p->patient_id);
	return err;
}

static med_err
search_patients(med_call *call, const ProtobufCMessage *in,
		ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__SearchPatientsRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__SearchPatientsResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = identity_check_search(call, req)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	err = identity_store_search(call_db(call), med_call_arena(call),
				    req->family_name_prefix, req->birth_date,
				    page.offset, page.size + 1, &res->patients,
				    &res->n_patients);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_patients);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

#define CLINICAL_READERS                                                       \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST |           \
	 MED_ROLE_REGISTRAR | MED_ROLE_ADMIN)

const med_method identity_methods[] = {
	{ID_PATH("CreatePatient"),
	 &smartmed__identity__v1__create_patient_request__descriptor,
	 &smartmed__identity__v1__patient__descriptor, MED_RPC_UNARY,
	 create_patient, NULL, MED_ROLE_REGISTRAR | MED_ROLE_ADMIN},
	{ID_PATH("GetPatient"),
	 &smartmed__identity__v1__get_patient_request__descriptor,
	 &smartmed__identity__v1__patient__descriptor, MED_RPC_UNARY,
	 get_patient, NULL, CLINICAL_READERS},
	{ID_PATH("SearchPatients"),
	 &smartmed__identity__v1__search_patients_request__descriptor,
	 &smartmed__identity__v1__search_patients_response__descriptor,
	 MED_RPC_UNARY, search_patients, NULL, CLINICAL_READERS},
};
const size_t identity_n_methods =
	sizeof(identity_methods) / sizeof(identity_methods[0]);
