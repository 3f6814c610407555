/*
 * handlers.c - one thin function per dosage RPC of the catalogue and the
 * patient context; orders are in handlers_orders.c, administrations in
 * handlers_admin.c, the ward round in handlers_mar.c, the method table in
 * methods.c.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "mar.h"
#include "subject.h"

med_err
dosage_rpc_upsert_drug(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__UpsertDrugRequest *req = (const void *)in;
	med_err err = dosage_check_drug(call, req->drug);

	if (err != MED_OK)
		return err;
	/* The request is this call's own copy: store the substances by
	 * their codes. */
	dosage_drug_normalise(req->drug);
	err = dosage_store_upsert(med_call_db(call), med_call_arena(call),
				  req->drug, (void *)out);
	/* The only unique key an upsert can hit: a GTIN names one entry. */
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "drug.gtins: a GTIN is already another "
				     "catalogue entry's");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(call, err,
				     "drug.strength_unit: another product of "
				     "%s is counted in a unit that does not "
				     "convert to this one's (mmol, mEq and a "
				     "mass never convert: no molar mass is "
				     "assumed); use the same kind of unit",
				     req->drug->substance);
	return err;
}

med_err
dosage_rpc_get_drug(med_call *call, const ProtobufCMessage *in,
		    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetDrugRequest *req = (const void *)in;
	med_err err = dosage_check_code(call, "code", req->code);

	if (err != MED_OK)
		return err;
	err = dosage_store_get(med_call_db(call), med_call_arena(call),
			       req->code, (void *)out);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "code: no such drug");
	return err;
}

med_err
dosage_rpc_list_drugs(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ListDrugsRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ListDrugsResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = med_check_text(call, "name_prefix", req->name_prefix, 0,
				  200)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	err = dosage_store_list(med_call_db(call), med_call_arena(call),
				req->name_prefix, page.offset, page.size + 1,
				&res->drugs, &res->n_drugs);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_drugs);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_rpc_import_catalogue(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportCatalogueRequest *req =
		(const void *)in;
	Smartmed__Dosage__V1__ImportCatalogueResponse *res = (void *)out;
	dosage_import imp;
	med_problem p = {0};
	med_err err = dosage_csv_parse(med_call_arena(call), req->csv.data,
				       req->csv.len, &imp, &p);

	if (err != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(call, &p) : err;
	res->errors = imp.errors;
	res->n_errors = imp.n_errors;
	/* All or nothing: a half-imported catalogue is worse than none. */
	if (imp.n_errors > 0)
		return MED_OK;
	err = dosage_store_import(med_call_db(call), imp.drugs, imp.n_drugs);
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "csv: a GTIN is listed for two catalogue "
				     "entries");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(call, err,
				     "csv: strength_unit: two products of one "
				     "substance are counted in units that do "
				     "not convert (mmol, mEq and a mass never "
				     "convert: no molar mass is assumed)");
	if (err == MED_OK)
		res->imported = (uint32_t)imp.n_drugs;
	return err;
}

med_err
dosage_rpc_set_patient_context(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__SetPatientContextRequest *req =
		(const void *)in;
	med_err err = dosage_check_context(call, req->context);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->context->patient_id);
	err = med_patients_require(call, "context.patient_id",
				   req->context->patient_id);
	if (err != MED_OK)
		return err;
	return dosage_store_set_context(
		med_call_db(call), med_call_arena(call), req->context,
		med_call_principal(call)->user, med_now_ms(), (void *)out);
}

med_err
dosage_rpc_get_patient_context(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetPatientContextRequest *req =
		(const void *)in;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = dosage_store_get_context(med_call_db(call), med_call_arena(call),
				       req->patient_id, (void *)out);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "patient_id: no context recorded");
	return err;
}

/* weight_in_use is the weight the dose checks would use for the patient
 * now (the record's latest, else the context's) and its time. */
static med_err
weight_in_use(med_call *call, const char *patient_id, dosage_dose_patient *p)
{
	dosage_known k;
	dosage_context ctx;
	med_err err = dosage_know_patient(call, "patient_id", patient_id, &k);

	if (err != MED_OK)
		return err;
	err = dosage_store_get_context(med_call_db(call), med_call_arena(call),
				       patient_id, &ctx);
	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	dosage_patient(med_call_arena(call), err == MED_OK ? &ctx : NULL, &k,
		       med_now_ms(), p);
	return MED_OK;
}

med_err
dosage_rpc_confirm_weight(med_call *call, const ProtobufCMessage *in,
			  ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ConfirmWeightRequest *req =
		(const void *)in;
	dosage_dose_patient p;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK || (err = med_check_text(call, "reason", req->reason,
						   1, 2000)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	if ((err = med_patients_require(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = weight_in_use(call, req->patient_id, &p)) != MED_OK)
		return err;
	if (!p.has_weight)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "weight_kg: no weight is recorded to "
				     "confirm");
	/* The confirmer confirms what they saw, not what was charted since. */
	if (fabs(p.weight_kg - req->weight_kg) > 1e-9)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "weight_kg: the weight in use is %.6g kg "
				     "(from the %s), not %.6g kg",
				     p.weight_kg, p.source, req->weight_kg);
	return dosage_store_confirm_weight(
		med_call_db(call), med_call_arena(call), req->patient_id,
		p.weight_kg, p.weight_ms, med_call_principal(call)->user,
		req->reason, med_now_ms(), (void *)out);
}
