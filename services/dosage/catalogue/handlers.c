/*
 * handlers.c - one thin function per dosage RPC that reads the catalogue
 * (the writes, which compare with the entries in force: checks/
 * handlers_catalogue.c; the patient context: subject/handlers_context.c);
 * orders are in handlers_orders.c, administrations in handlers_admin.c, the
 * ward round in handlers_mar.c, the method table in methods.c.
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
