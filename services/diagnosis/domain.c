/*
 * domain.c - the problem list's rules, free of gRPC and SQL.
 */
#include <med/check.h>

#include "diagnosis.h"

static med_err
check_known(med_call *call, const char *field,
	    const ProtobufCEnumDescriptor *desc, int value)
{
	med_err err = med_check_enum_set(call, field, value);

	if (err != MED_OK)
		return err;
	if (protobuf_c_enum_descriptor_get_value(desc, value) == NULL)
		return med_call_fail(call, MED_ERR_INVALID, "%s: unknown value",
				     field);
	return MED_OK;
}

med_err
diagnosis_check_add(med_call *call,
		    const Smartmed__Diagnosis__V1__AddConditionRequest *req)
{
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "code_system", req->code_system, 1,
				  32)) != MED_OK ||
	    (err = med_check_text(call, "code", req->code, 1, 32)) != MED_OK ||
	    (err = med_check_text(call, "display", req->display, 1, 200)) !=
		    MED_OK ||
	    (err = med_check_date(call, "onset_date", req->onset_date,
				  false)) != MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, 4096)) != MED_OK)
		return err;
	if ((err = check_known(
		     call, "clinical_status",
		     &smartmed__diagnosis__v1__clinical_status__descriptor,
		     req->clinical_status)) != MED_OK)
		return err;
	return check_known(
		call, "verification_status",
		&smartmed__diagnosis__v1__verification_status__descriptor,
		req->verification_status);
}
