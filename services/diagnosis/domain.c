/*
 * domain.c - the diagnosis rules, free of gRPC and SQL: ICD-10 codes, the
 * FHIR R4 Condition invariants, care-plan shapes and finding review.
 */
#include <med/check.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

#define DIAGNOSIS_MAX_PLAN_CONDITIONS 20
#define DIAGNOSIS_MAX_GOALS	      50
#define DIAGNOSIS_MAX_ACTIVITIES      100

typedef Smartmed__Diagnosis__V1__ClinicalStatus diagnosis_clinical;
typedef Smartmed__Diagnosis__V1__VerificationStatus diagnosis_verification;

/* known_problem: an enum that must be set to a value the proto declares. */
static med_err
known_problem(const char *field, const ProtobufCEnumDescriptor *desc, int value,
	      med_problem *p)
{
	if (value == 0)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must be set");
	if (protobuf_c_enum_descriptor_get_value(desc, value) == NULL)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "unknown value");
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
diagnosis_icd10_problem(const char *field, const char *code, med_problem *p)
{
	size_t n = strlen(code), i = 3;

	if (n == 0)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be empty");
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
	return med_problem_set(p, MED_ERR_INVALID, field,
			       "not an ICD-10 code (e.g. J18.9)");
}

/* abated_ok: FHIR R4 con-4, an abated condition is inactive, resolved or
 * in remission (or has no clinical status, when entered in error). */
static bool
abated_ok(int clinical)
{
	return clinical == 0 ||
	       clinical ==
		       SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_INACTIVE ||
	       clinical ==
		       SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_RESOLVED ||
	       clinical ==
		       SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_REMISSION;
}

med_err
diagnosis_statuses_problem(int clinical, int verification, const char *onset,
			   const char *abatement, med_problem *p)
{
	med_err err = known_problem(
		"verification_status",
		&smartmed__diagnosis__v1__verification_status__descriptor,
		verification, p);

	if (err != MED_OK)
		return err;
	if (verification ==
	    SMARTMED__DIAGNOSIS__V1__VERIFICATION_STATUS__VERIFICATION_STATUS_ENTERED_IN_ERROR) {
		if (clinical != 0)
			return med_problem_set(p, MED_ERR_INVALID,
					       "clinical_status",
					       "must be unset when entered in "
					       "error");
	} else if (
		(err = known_problem(
			 "clinical_status",
			 &smartmed__diagnosis__v1__clinical_status__descriptor,
			 clinical, p)) != MED_OK) {
		return err;
	}
	if (abatement[0] != '\0' && !abated_ok(clinical))
		return med_problem_set(p, MED_ERR_INVALID, "abatement_date",
				       "an abated condition is inactive, "
				       "resolved or in remission");
	if (abatement[0] != '\0' && onset[0] != '\0' &&
	    strcmp(abatement, onset) < 0)
		return med_problem_set(p, MED_ERR_INVALID, "abatement_date",
				       "before onset_date");
	return MED_OK;
}

/* check_statuses fails the call with the statuses' problem, if any. */
static med_err
check_statuses(med_call *call, int clinical, int verification,
	       const char *onset, const char *abatement)
{
	med_problem p;

	if (diagnosis_statuses_problem(clinical, verification, onset, abatement,
				       &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* check_icd10 fails the call when code is no ICD-10 code. */
static med_err
check_icd10(med_call *call, const char *field, const char *code)
{
	med_problem p;

	if (diagnosis_icd10_problem(field, code, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* check_code takes ICD-10 codes strictly and other systems as text. */
static med_err
check_code(med_call *call, const char *system, const char *code)
{
	if (strcmp(system, "ICD-10") == 0 || strcmp(system, "ICD-10-CM") == 0)
		return check_icd10(call, "code", code);
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

/* check_known fails the call unless value is a set, declared enum value. */
static med_err
check_known(med_call *call, const char *field,
	    const ProtobufCEnumDescriptor *desc, int value)
{
	med_problem p;

	if (known_problem(field, desc, value, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
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

	if (n > DIAGNOSIS_MAX_GOALS)
		return med_call_fail(call, MED_ERR_INVALID, "goals: at most %d",
				     DIAGNOSIS_MAX_GOALS);
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

	if (n > DIAGNOSIS_MAX_ACTIVITIES)
		return med_call_fail(call, MED_ERR_INVALID,
				     "activities: at most %d",
				     DIAGNOSIS_MAX_ACTIVITIES);
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

	if (n == 0 || n > DIAGNOSIS_MAX_PLAN_CONDITIONS)
		return med_call_fail(call, MED_ERR_INVALID,
				     "condition_ids: 1 to %d conditions",
				     DIAGNOSIS_MAX_PLAN_CONDITIONS);
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
	if ((err = check_icd10(call, "code", req->code)) != MED_OK ||
	    (err = med_check_text(call, "display", req->display, 1, 200)) !=
		    MED_OK)
		return err;
	return med_check_date(call, "onset_date", req->onset_date, false);
}
