/*
 * handlers_context.c - the RPCs of a patient's context: SetPatientContext,
 * GetPatientContext and ConfirmWeight, over store_context.c.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "subject.h"

typedef struct context_tx {
	med_call *call;
	const dosage_context *in; /* SetPatientContext's; NULL: ConfirmWeight */
	const char *patient_id, *reason;
	double kg;
	int64_t measured_ms, now_ms;
	dosage_context *out;
} context_tx;

/* context_write_tx stores the context (or the weight's confirmation) and
 * reads the context back, in the call's transaction (its audit event
 * commits with the row). */
static med_err
context_write_tx(med_db_conn *c, void *arg)
{
	context_tx *x = arg;
	med_arena *a = med_call_arena(x->call);
	const char *user = med_call_principal(x->call)->user;
	int64_t now_ms = x->now_ms;
	bool is_set;
	med_err err =
		x->in != NULL
			? dosage_store_write_context(c, a, x->in, user, now_ms)
			: dosage_store_write_weight_confirmation(
				  c, x->patient_id, x->kg, x->measured_ms, user,
				  x->reason, now_ms);

	if (err != MED_OK)
		return err;
	return dosage_store_read_ctx(c, a, x->patient_id, false, x->out,
				     &is_set);
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
	context_tx x = {.call = call,
			.in = req->context,
			.patient_id = req->context->patient_id,
			.now_ms = med_now_ms(),
			.out = (void *)out};

	return med_call_tx(call, context_write_tx, &x);
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
	context_tx x = {.call = call,
			.patient_id = req->patient_id,
			.reason = req->reason,
			.kg = p.weight_kg,
			.measured_ms = p.weight_ms,
			.now_ms = med_now_ms(),
			.out = (void *)out};

	return med_call_tx(call, context_write_tx, &x);
}
