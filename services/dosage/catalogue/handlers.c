/*
 * handlers.c - one thin function per dosage RPC of the catalogue (the
 * patient context: subject/handlers_context.c); orders are in
 * handlers_orders.c, administrations in handlers_admin.c, the ward round in
 * handlers_mar.c, the method table in methods.c.
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
#include "catalogue.h"
#include "drug.h"

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
	err = dosage_store_upsert(call, req->drug, (void *)out);
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
	err = dosage_store_import(call, imp.drugs, imp.n_drugs);
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
