/*
 * domain.c - the rules of the master patient index, free of gRPC and SQL.
 */
#include <med/check.h>

#include <string.h>

#include "identity.h"

/* An MRN is printable ASCII without spaces so it survives every HIS. */
static bool
mrn_chars_ok(const char *mrn)
{
	for (const char *p = mrn; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

static bool
sex_known(int sex)
{
	return protobuf_c_enum_descriptor_get_value(
		       &smartmed__identity__v1__administrative_sex__descriptor,
		       sex) != NULL;
}

med_err
identity_check_create(med_call *call,
		      const Smartmed__Identity__V1__CreatePatientRequest *req)
{
	med_err err;

	if ((err = med_check_text(call, "mrn", req->mrn, 1, 64)) != MED_OK)
		return err;
	if (!mrn_chars_ok(req->mrn))
		return med_call_fail(call, MED_ERR_INVALID,
				     "mrn: only printable characters without "
				     "spaces");
	if ((err = med_check_text(call, "family_name", req->family_name, 1,
				  200)) != MED_OK ||
	    (err = med_check_text(call, "given_name", req->given_name, 0,
				  200)) != MED_OK ||
	    (err = med_check_date(call, "birth_date", req->birth_date, true)) !=
		    MED_OK ||
	    (err = med_check_enum_set(call, "sex", req->sex)) != MED_OK)
		return err;
	if (!sex_known(req->sex))
		return med_call_fail(call, MED_ERR_INVALID,
				     "sex: unknown value");
	return MED_OK;
}

med_err
identity_check_search(med_call *call,
		      const Smartmed__Identity__V1__SearchPatientsRequest *req)
{
	med_err err;
	bool has_name = req->family_name_prefix[0] != '\0';
	bool has_date = req->birth_date[0] != '\0';

	if (!has_name && !has_date)
		return med_call_fail(call, MED_ERR_INVALID,
				     "family_name_prefix: give a prefix of at "
				     "least 2 characters or a birth_date");
	if (has_name &&
	    (err = med_check_text(call, "family_name_prefix",
				  req->family_name_prefix, 2, 200)) != MED_OK)
		return err;
	if (has_date &&
	    (err = med_check_date(call, "birth_date", req->birth_date,
				  false)) != MED_OK)
		return err;
	return MED_OK;
}
