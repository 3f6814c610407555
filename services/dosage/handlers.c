/*
 * handlers.c - one thin function per dosage RPC (catalogue, patient
 * context, orders); the clinical RPCs are in handlers_admin.c, the
 * method table in methods.c.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dosage.h"

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
	return dosage_store_upsert(med_call_db(call), med_call_arena(call),
				   req->drug, (void *)out);
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

static bool
route_allowed(const dosage_drug *d, const char *route)
{
	if (d->n_routes == 0)
		return true;
	for (size_t i = 0; i < d->n_routes; i++)
		if (strcmp(d->routes[i], route) == 0)
			return true;
	return false;
}

/* order_prepare fills the derived fields of a new order from its drug. */
static med_err
order_prepare(med_call *call, dosage_order *o, const dosage_drug *d,
	      int64_t now)
{
	med_err err = dosage_convert(call, "order.unit", o->dose, o->unit, d,
				     &o->dose_in_drug_unit);

	if (err != MED_OK)
		return err;
	if (!route_allowed(d, o->route))
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.route: not a route of this drug");
	o->drug_unit = d->unit;
	o->prn = o->prn || strcasecmp(o->frequency, "prn") == 0;
	if (o->start_ms == 0)
		o->start_ms = now;
	if (o->end_ms != 0 && o->end_ms <= o->start_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.end_ms: must be after start_ms");
	o->created_by = (char *)med_call_principal(call)->user;
	o->created_ms = now;
	return MED_OK;
}

/* entry_checks runs the order-entry checks of o (its dose and a day of its
 * regimen) into o->checks and o->overall. */
static med_err
entry_checks(med_call *call, dosage_order *o, const dosage_drug *d,
	     const dosage_known *k)
{
	med_arena *a = med_call_arena(call);
	dosage_context ctx;
	dosage_dose_history given, regimen;
	dosage_dose_patient p;
	dosage_dose_result r[DOSAGE_DOSE_N_CHECKS];
	med_err err = dosage_store_get_context(med_call_db(call), a,
					       o->patient_id, &ctx);

	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	dosage_patient(a, err == MED_OK ? &ctx : NULL, k, o->start_ms, &p);
	if ((err = dosage_store_given_once(med_call_db(call), o->patient_id, d,
					   o->start_ms, &given)) != MED_OK)
		return err;
	dosage_regimen_history(o, d, o->dose_in_drug_unit, given.given_lifetime,
			       &regimen);
	dosage_evaluate(d, o, &p, &regimen, o->dose_in_drug_unit, o->start_ms,
			r);
	o->overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		r, DOSAGE_DOSE_N_CHECKS);
	return dosage_checks_to_pb(a, r, DOSAGE_DOSE_N_CHECKS, &o->checks,
				   &o->n_checks);
}

/* entry_gate refuses a hard stop at order entry unless the prescriber
 * overrides it with a coded reason; sets the order's status. */
static med_err
entry_gate(med_call *call, const Smartmed__Dosage__V1__CreateOrderRequest *req,
	   dosage_order *o, const dosage_drug *d)
{
	bool stop = o->overall ==
		    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP;
	med_err err;

	o->dose_override = NULL;
	if (stop && req->dose_override == NULL)
		return med_call_fail(
			call, MED_ERR_PRECONDITION,
			"order: hard stop: %s; the prescriber "
			"may override with dose_override",
			dosage_first_hard_stop(o->checks, o->n_checks));
	if (stop) {
		if ((err = dosage_check_override(call, "dose_override",
						 req->dose_override)) != MED_OK)
			return err;
		o->dose_override = req->dose_override;
	}
	o->status =
		dosage_order_needs_verification(call, d, stop)
			? SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_PENDING_VERIFICATION
			: SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_ACTIVE;
	return MED_OK;
}

/* audit_order puts the order-entry outcome on the call's audit event. */
static void
audit_order(med_call *call, const dosage_order *o, const char *event)
{
	char reason[16];
	med_audit_detail d[6];
	size_t n = 0;

	d[n++] = (med_audit_detail){"event", event};
	d[n++] = (med_audit_detail){"order_id", o->id};
	d[n++] = (med_audit_detail){
		"checks", o->overall ? dosage_dose_status_name(
					       (dosage_dose_status)o->overall)
				     : ""};
	if (o->dose_override) {
		snprintf(reason, sizeof(reason), "%d",
			 (int)o->dose_override->reason);
		d[n++] = (med_audit_detail){"dose_override_reason", reason};
		d[n++] = (med_audit_detail){"dose_override_text",
					    o->dose_override->text};
	}
	if (o->verified_by && o->verified_by[0])
		d[n++] = (med_audit_detail){"verified_by", o->verified_by};
	med_call_add_details(call, d, n);
}

med_err
dosage_rpc_create_order(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__CreateOrderRequest *req = (const void *)in;
	int64_t now = med_now_ms();
	med_err err = dosage_check_order(call, req->order, now);
	dosage_known known;
	dosage_drug drug;

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->order->patient_id);
	err = dosage_store_get(med_call_db(call), med_call_arena(call),
			       req->order->drug_code, &drug);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "order.drug_code: no such drug");
	if (err != MED_OK ||
	    (err = order_prepare(call, req->order, &drug, now)) != MED_OK ||
	    (err = dosage_know_patient(call, "order.patient_id",
				       req->order->patient_id, &known)) !=
		    MED_OK ||
	    (err = entry_checks(call, req->order, &drug, &known)) != MED_OK ||
	    (err = entry_gate(call, req, req->order, &drug)) != MED_OK)
		return err;
	err = dosage_store_create_order(med_call_db(call), med_call_arena(call),
					req->order, (void *)out);
	if (err == MED_OK)
		audit_order(call, (const dosage_order *)out, "order_created");
	return err;
}

med_err
dosage_rpc_verify_order(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__VerifyOrderRequest *req = (const void *)in;
	dosage_order *o = (void *)out;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, 500)) != MED_OK)
		return err;
	err = dosage_store_verify_order(
		med_call_db(call), med_call_arena(call), req->order_id,
		med_call_principal(call)->user, med_now_ms(), o);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(call, err,
				     "order_id: order is not pending "
				     "verification");
	if (err == MED_ERR_DENIED)
		return med_call_fail(call, err,
				     "order_id: the prescriber cannot verify "
				     "their own order");
	if (err != MED_OK)
		return err;
	med_call_set_patient(call, o->patient_id);
	if (req->note[0]) {
		med_audit_detail d = {"note", req->note};

		med_call_add_details(call, &d, 1);
	}
	audit_order(call, o, "order_verified");
	return MED_OK;
}

med_err
dosage_rpc_get_order(med_call *call, const ProtobufCMessage *in,
		     ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetOrderRequest *req = (const void *)in;
	dosage_order *o = (void *)out;
	med_err err = med_check_id(call, "order_id", req->order_id);

	if (err != MED_OK)
		return err;
	err = dosage_store_get_order(med_call_db(call), med_call_arena(call),
				     req->order_id, o);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err == MED_OK)
		med_call_set_patient(call, o->patient_id);
	return err;
}

med_err
dosage_rpc_discontinue_order(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__DiscontinueOrderRequest *req =
		(const void *)in;
	dosage_order *o = (void *)out;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1, 500)) !=
		    MED_OK)
		return err;
	err = dosage_store_discontinue(
		med_call_db(call), med_call_arena(call), req->order_id,
		med_call_principal(call)->user, req->reason, med_now_ms(), o);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(call, err,
				     "order_id: order is already stopped");
	if (err == MED_OK)
		med_call_set_patient(call, o->patient_id);
	return err;
}

#define R_CLIN	     MED_ROLE_CLINICIAN
#define R_NURSE	     MED_ROLE_NURSE
#define R_PHARM	     MED_ROLE_PHARMACIST
#define R_ADMIN	     MED_ROLE_ADMIN
#define DRUG_READERS (R_CLIN | R_NURSE | R_PHARM | R_ADMIN)
#define CARE	     (R_CLIN | R_NURSE | R_PHARM)

#define M(name, req, resp, fn, roles)                                          \
	{                                                                      \
		DOSAGE_PATH(name), &smartmed__dosage__v1__##req##__descriptor, \
			&smartmed__dosage__v1__##resp##__descriptor,           \
			MED_RPC_UNARY, fn, NULL, roles                         \
	}
