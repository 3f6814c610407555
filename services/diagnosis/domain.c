/*
 * domain.c - the diagnosis rules, free of gRPC and SQL: ICD-10 codes, the
 * FHIR R4 Condition invariants, care-plan shapes and finding review.
 */
#include <med/check.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

#define DX_MAX_PLAN_CONDITIONS 20
#define DX_MAX_GOALS	       50
#define DX_MAX_ACTIVITIES      100

typedef Smartmed__Diagnosis__V1__ClinicalStatus dx_clinical;
typedef Smartmed__Diagnosis__V1__VerificationStatus dx_verification;

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

static bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * ICD-10 (WHO and -CM): a letter, two digits (the category; -CM allows a
 * letter in place of the second digit only in a few chapters, which we
 * leave to the terminology service), then optionally "." and 1..4
 * alphanumerics.  Upper case only, as printed in the classification.
 */
med_err
diagnosis_check_icd10(med_call *call, const char *field, const char *code)
{
	size_t n = strlen(code), i = 3;

	if (n == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must not be empty", field);
	if (n < 3 || !is_upper(code[0]) || !is_digit(code[1]) ||
	    !is_digit(code[2]))
		goto bad;
	if (n == 3)
		return MED_OK;
	if (code[3] == '.')
		i = 4;
	if (n - i < 1 || n - i > 4)
		goto bad;
	for (; i < n; i++)
		if (!is_upper(code[i]) && !is_digit(code[i]))
			goto bad;
	return MED_OK;
bad:
	return med_call_fail(call, MED_ERR_INVALID,
			     "%s: not an ICD-10 code (e.g. J18.9)", field);
}

/*
 * check_statuses applies FHIR R4 con-5 (entered-in-error has no clinical
 * status), con-4 (abated means inactive, resolved or remission) and orders
 * onset before abatement.
 */
static med_err
check_statuses(med_call *call, int clinical, int verification,
	       const char *onset, const char *abatement)
{
	med_err err = check_known(
		call, "verification_status",
		&smartmed__diagnosis__v1__verification_status__descriptor,
		verification);

	if (err != MED_OK)
		return err;
	if (verification ==
	    SMARTMED__DIAGNOSIS__V1__VERIFICATION_STATUS__VERIFICATION_STATUS_ENTERED_IN_ERROR) {
		if (clinical != 0)
			return med_call_fail(
				call, MED_ERR_INVALID,
				"clinical_status: must be unset when "
				"entered in error");
	} else if (
		(err = check_known(
			 call, "clinical_status",
			 &smartmed__diagnosis__v1__clinical_status__descriptor,
			 clinical)) != MED_OK) {
		return err;
	}
	if (abatement[0] != '\0' && clinical != 0 &&
	    clinical !=
		    SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_INACTIVE &&
	    clinical !=
		    SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_RESOLVED &&
	    clinical !=
		    SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_REMISSION)
		return med_call_fail(call, MED_ERR_INVALID,
				     "abatement_date: an abated condition is "
				     "inactive, resolved or in remission");
	if (abatement[0] != '\0' && onset[0] != '\0' &&
	    strcmp(abatement, onset) < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "abatement_date: before onset_date");
	return MED_OK;
}

/* check_code takes ICD-10 codes strictly and other systems as text. */
static med_err
check_code(med_call *call, const char *system, const char *code)
{
	if (strcmp(system, "ICD-10") == 0 || strcmp(system, "ICD-10-CM") == 0)
		return diagnosis_check_icd10(call, "code", code);
	return med_check_text(call, "code", code, 1, 32);
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
	    (err = check_code(call, req->code_system, req->code)) != MED_OK ||
	    (err = med_check_text(call, "display", req->display, 1, 200)) !=
		    MED_OK ||
	    (err = med_check_date(call, "onset_date", req->onset_date,
				  false)) != MED_OK ||
	    (err = med_check_date(call, "abatement_date", req->abatement_date,
				  false)) != MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, 4096)) != MED_OK)
		return err;
	return check_statuses(call, req->clinical_status,
			      req->verification_status, req->onset_date,
			      req->abatement_date);
}

med_err
diagnosis_check_update(
	med_call *call,
	const Smartmed__Diagnosis__V1__UpdateConditionRequest *req)
{
	med_err err;

	if ((err = med_check_id(call, "condition_id", req->condition_id)) !=
		    MED_OK ||
	    (err = med_check_enum_set(call, "expected_version",
				      (int)req->expected_version)) != MED_OK ||
	    (err = med_check_text(call, "display", req->display, 1, 200)) !=
		    MED_OK ||
	    (err = med_check_date(call, "onset_date", req->onset_date,
				  false)) != MED_OK ||
	    (err = med_check_date(call, "abatement_date", req->abatement_date,
				  false)) != MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, 4096)) !=
		    MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1, 500)) !=
		    MED_OK)
		return err;
	return check_statuses(call, req->clinical_status,
			      req->verification_status, req->onset_date,
			      req->abatement_date);
}

/* check_plan_date takes "" or a real calendar date, future allowed. */
static med_err
check_plan_date(med_call *call, const char *field, const char *v)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d, used = 0;

	if (v[0] == '\0')
		return MED_OK;
	if (strlen(v) != 10 ||
	    sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
	    v[4] != '-' || v[7] != '-' || y < 1900 || y > 2999 || m < 1 ||
	    m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 &&
	     (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must be a date YYYY-MM-DD", field);
	return MED_OK;
}

static med_err
check_goals(med_call *call, Smartmed__Diagnosis__V1__Goal *const *g, size_t n)
{
	char f[64];
	med_err err;

	if (n > DX_MAX_GOALS)
		return med_call_fail(call, MED_ERR_INVALID, "goals: at most %d",
				     DX_MAX_GOALS);
	for (size_t i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "goals[%zu].description", i);
		if ((err = med_check_text(call, f, g[i]->description, 1,
					  500)) != MED_OK)
			return err;
		snprintf(f, sizeof(f), "goals[%zu].status", i);
		if ((err = check_known(
			     call, f,
			     &smartmed__diagnosis__v1__goal_status__descriptor,
			     g[i]->status)) != MED_OK)
			return err;
		snprintf(f, sizeof(f), "goals[%zu].target_date", i);
		if ((err = check_plan_date(call, f, g[i]->target_date)) !=
		    MED_OK)
			return err;
	}
	return MED_OK;
}

static med_err
check_activities(med_call *call, Smartmed__Diagnosis__V1__Activity *const *a,
		 size_t n)
{
	char f[64];
	med_err err;

	if (n > DX_MAX_ACTIVITIES)
		return med_call_fail(call, MED_ERR_INVALID,
				     "activities: at most %d",
				     DX_MAX_ACTIVITIES);
	for (size_t i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "activities[%zu].description", i);
		if ((err = med_check_text(call, f, a[i]->description, 1,
					  500)) != MED_OK)
			return err;
		snprintf(f, sizeof(f), "activities[%zu].status", i);
		if ((err = check_known(
			     call, f,
			     &smartmed__diagnosis__v1__activity_status__descriptor,
			     a[i]->status)) != MED_OK)
			return err;
		snprintf(f, sizeof(f), "activities[%zu].scheduled_date", i);
		if ((err = check_plan_date(call, f, a[i]->scheduled_date)) !=
		    MED_OK)
			return err;
	}
	return MED_OK;
}

static med_err
check_plan_conditions(med_call *call, char *const *ids, size_t n)
{
	char f[64];
	med_err err;

	if (n == 0 || n > DX_MAX_PLAN_CONDITIONS)
		return med_call_fail(call, MED_ERR_INVALID,
				     "condition_ids: 1 to %d conditions",
				     DX_MAX_PLAN_CONDITIONS);
	for (size_t i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "condition_ids[%zu]", i);
		if ((err = med_check_id(call, f, ids[i])) != MED_OK)
			return err;
		for (size_t j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				return med_call_fail(call, MED_ERR_INVALID,
						     "%s: listed twice", f);
	}
	return MED_OK;
}

med_err
diagnosis_check_care_plan(
	med_call *call, const Smartmed__Diagnosis__V1__SetCarePlanRequest *req)
{
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (req->care_plan_id[0] != '\0' &&
	     (err = med_check_id(call, "care_plan_id", req->care_plan_id)) !=
		     MED_OK) ||
	    (err = med_check_text(call, "title", req->title, 1, 200)) !=
		    MED_OK ||
	    (err = check_known(
		     call, "status",
		     &smartmed__diagnosis__v1__care_plan_status__descriptor,
		     req->status)) != MED_OK ||
	    (err = check_plan_conditions(call, req->condition_ids,
					 req->n_condition_ids)) != MED_OK ||
	    (err = check_goals(call, req->goals, req->n_goals)) != MED_OK)
		return err;
	if (req->care_plan_id[0] != '\0' && req->expected_version == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "expected_version: must be set when "
				     "replacing a plan");
	return check_activities(call, req->activities, req->n_activities);
}

med_err
diagnosis_check_confirm(
	med_call *call,
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *req)
{
	med_err err;

	if ((err = med_check_id(call, "finding_id", req->finding_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, 4096)) != MED_OK)
		return err;
	if (!req->open_condition) {
		if (req->code[0] != '\0' || req->display[0] != '\0')
			return med_call_fail(call, MED_ERR_INVALID,
					     "code: only with open_condition");
		return MED_OK;
	}
	if ((err = diagnosis_check_icd10(call, "code", req->code)) != MED_OK ||
	    (err = med_check_text(call, "display", req->display, 1, 200)) !=
		    MED_OK)
		return err;
	return med_check_date(call, "onset_date", req->onset_date, false);
}
