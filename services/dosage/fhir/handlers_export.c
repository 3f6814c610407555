/*
 * handlers_export.c - ExportFhir: one page of the patient's orders and
 * administrations as a FHIR R4 Bundle (store_export.c reads it, fhir.c
 * writes it).
 */
#include <med/check.h>
#include <med/config.h>
#include <med/service.h>
#include <med/util.h>

#include "dosage.h"
#include "fhir_export.h"
#include "orders.h"

/* Room the reply's other fields and protobuf framing take beside the
 * bundle. */
#define REPLY_SLACK_BYTES 1024

static med_err
write_bundle(med_call *call, const char *patient_id,
	     const dosage_export_page *p,
	     Smartmed__Dosage__V1__ExportFhirResponse *res)
{
	med_err err = dosage_fhir_bundle(
		med_call_arena(call), patient_id, p,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);

	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "page.page_size: %zu items exceed the "
				     "message size limit as FHIR; ask for "
				     "fewer",
				     dosage_export_items(p));
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "patient_id: a stored order or "
				     "administration cannot be written as "
				     "FHIR R4");
	return err;
}

med_err
dosage_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ExportFhirResponse *res = (void *)out;
	dosage_export_page p;
	med_page page;
	int64_t now = med_now_ms();
	size_t n;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = dosage_store_export(med_call_db(call), med_call_arena(call),
				  req->patient_id, now, page.offset, page.size,
				  &p);
	/* Orders in force at a death read as stopped there. */
	if (err == MED_OK)
		err = dosage_deaths_fill(call, p.orders, p.n_orders, now);
	if (err != MED_OK)
		return err;
	if (dosage_export_items(&p) == 0 && page.offset == 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no medication orders for "
				     "this patient");
	if ((err = write_bundle(call, req->patient_id, &p, res)) != MED_OK)
		return err;
	n = dosage_export_items(&p) + (p.more ? 1 : 0);
	res->page = med_page_respond(call, &page, &n);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}
