/*
 * domain.c - the diagnosis rules, free of gRPC and SQL: ICD-10 codes, the
 * FHIR R4 Condition invariants, care-plan shapes and finding review.
 */
#include <med/check.h>
#include <med/util.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

#define DIAGNOSIS_MAX_PLAN_CONDITIONS 20
#define DIAGNOSIS_MAX_GOALS	      50
#define DIAGNOSIS_MAX_ACTIVITIES      100

#define FINDING_STATUS(s)                                                      \
	SMARTMED__DIAGNOSIS__V1__FINDING_STATUS__FINDING_STATUS_##s

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

/*
 * diagnosis_plan_date_problem takes "" or a real calendar date; unlike a
 * condition's dates (med_check_date) a plan's may lie in the future.
 */
med_err
diagnosis_plan_date_problem(const char *field, const char *date, med_problem *p)
{
	if (date[0] == '\0' || med_date_valid(date))
		return MED_OK;
	return med_problem_set(
		p, MED_ERR_INVALID, field,
		"must be a date YYYY-MM-DD between 1900-01-01 and "
		"2199-12-31");
}

/* item_problem checks one goal's or activity's status and date; list
 * names the list ("goals") and date_name its date field. */
static med_err
item_problem(const char *list, size_t i, const ProtobufCEnumDescriptor *desc,
	     int status, const char *date_name, const char *date,
	     med_problem *p)
{
	char f[64];
	med_err err;

	snprintf(f, sizeof(f), "%s[%zu].status", list, i);
	if ((err = known_problem(f, desc, status, p)) != MED_OK)
		return err;
	snprintf(f, sizeof(f), "%s[%zu].%s", list, i, date_name);
	return diagnosis_plan_date_problem(f, date, p);
}

/* count_problem: a list of at most max items. */
static med_err
count_problem(const char *list, size_t n, size_t max, med_problem *p)
{
	if (n > max)
		return med_problem_set(p, MED_ERR_INVALID, list, "at most %zu",
				       max);
	return MED_OK;
}

static med_err
goals_problem(Smartmed__Diagnosis__V1__Goal *const *g, size_t n, med_problem *p)
{
	med_err err = count_problem("goals", n, DIAGNOSIS_MAX_GOALS, p);

	for (size_t i = 0; i < n && err == MED_OK; i++)
		err = item_problem(
			"goals", i,
			&smartmed__diagnosis__v1__goal_status__descriptor,
			g[i]->status, "target_date", g[i]->target_date, p);
	return err;
}

static med_err
activities_problem(Smartmed__Diagnosis__V1__Activity *const *a, size_t n,
		   med_problem *p)
{
	med_err err =
		count_problem("activities", n, DIAGNOSIS_MAX_ACTIVITIES, p);

	for (size_t i = 0; i < n && err == MED_OK; i++)
		err = item_problem(
			"activities", i,
			&smartmed__diagnosis__v1__activity_status__descriptor,
			a[i]->status, "scheduled_date", a[i]->scheduled_date,
			p);
	return err;
}

/* plan_conditions_problem: 1..20 conditions, none listed twice. */
static med_err
plan_conditions_problem(char *const *ids, size_t n, med_problem *p)
{
	char f[64];

	if (n == 0 || n > DIAGNOSIS_MAX_PLAN_CONDITIONS)
		return med_problem_set(p, MED_ERR_INVALID, "condition_ids",
				       "1 to %d conditions",
				       DIAGNOSIS_MAX_PLAN_CONDITIONS);
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(ids[i], ids[j]) != 0)
				continue;
			snprintf(f, sizeof(f), "condition_ids[%zu]", i);
			return med_problem_set(p, MED_ERR_INVALID, f,
					       "listed twice");
		}
	}
	return MED_OK;
}

med_err
diagnosis_care_plan_problem(
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req, med_problem *p)
{
	med_err err;

	if ((err = known_problem(
		     "status",
		     &smartmed__diagnosis__v1__care_plan_status__descriptor,
		     req->status, p)) != MED_OK ||
	    (err = plan_conditions_problem(
		     req->condition_ids, req->n_condition_ids, p)) != MED_OK ||
	    (err = goals_problem(req->goals, req->n_goals, p)) != MED_OK)
		return err;
	if (req->care_plan_id[0] != '\0' && req->expected_version == 0)
		return med_problem_set(p, MED_ERR_INVALID, "expected_version",
				       "must be set when replacing a plan");
	return activities_problem(req->activities, req->n_activities, p);
}

/* check_plan_texts checks the formats of the plan's ids and texts. */
static med_err
check_plan_texts(med_call *call,
		 const Smartmed__Diagnosis__V1__SetCarePlanRequest *req)
{
	char f[64];
	med_err err;

	for (size_t i = 0; i < req->n_condition_ids; i++) {
		snprintf(f, sizeof(f), "condition_ids[%zu]", i);
		if ((err = med_check_id(call, f, req->condition_ids[i])) !=
		    MED_OK)
			return err;
	}
	for (size_t i = 0; i < req->n_goals; i++) {
		snprintf(f, sizeof(f), "goals[%zu].description", i);
		if ((err = med_check_text(call, f, req->goals[i]->description,
					  1, 500)) != MED_OK)
			return err;
	}
	for (size_t i = 0; i < req->n_activities; i++) {
		snprintf(f, sizeof(f), "activities[%zu].description", i);
		if ((err = med_check_text(call, f,
					  req->activities[i]->description, 1,
					  500)) != MED_OK)
			return err;
	}
	return MED_OK;
}

med_err
diagnosis_check_care_plan(
	med_call *call, const Smartmed__Diagnosis__V1__SetCarePlanRequest *req)
{
	med_problem p;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (req->care_plan_id[0] != '\0' &&
	     (err = med_check_id(call, "care_plan_id", req->care_plan_id)) !=
		     MED_OK) ||
	    (err = med_check_text(call, "title", req->title, 1, 200)) !=
		    MED_OK ||
	    (err = check_plan_texts(call, req)) != MED_OK)
		return err;
	if (diagnosis_care_plan_problem(req, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

med_err
diagnosis_confirm_problem(
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *req,
	med_problem *p)
{
	if (!req->open_condition) {
		if (req->code[0] != '\0' || req->display[0] != '\0')
			return med_problem_set(p, MED_ERR_INVALID, "code",
					       "only with open_condition");
		return MED_OK;
	}
	return diagnosis_icd10_problem("code", req->code, p);
}

med_err
diagnosis_check_confirm(
	med_call *call,
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *req)
{
	med_problem p;
	med_err err;

	if ((err = med_check_id(call, "finding_id", req->finding_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, 4096)) != MED_OK)
		return err;
	if (diagnosis_confirm_problem(req, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if (!req->open_condition)
		return MED_OK;
	if ((err = med_check_text(call, "display", req->display, 1, 200)) !=
	    MED_OK)
		return err;
	return med_check_date(call, "onset_date", req->onset_date, false);
}

med_err
diagnosis_check_study_named(med_call *call, const char *patient_id,
			    const char *accession_number,
			    const char *study_instance_uid)
{
	med_err err;

	if ((err = med_check_id(call, "patient_id", patient_id)) != MED_OK ||
	    (err = med_check_text(call, "accession_number", accession_number, 0,
				  64)) != MED_OK)
		return err;
	if (!diagnosis_uid_is_valid(study_instance_uid))
		return med_call_fail(call, MED_ERR_INVALID,
				     "study_instance_uid: must be a DICOM "
				     "UID (digits and dots, 1 to 64)");
	return MED_OK;
}

const char *
diagnosis_finding_status_word(int status)
{
	switch (status) {
	case FINDING_STATUS(PRELIMINARY):
		return "preliminary";
	case FINDING_STATUS(FINAL):
		return "final";
	case FINDING_STATUS(CANCELLED):
		return "cancelled";
	default:
		return "entered in error";
	}
}

med_err
diagnosis_decide_problem(int status, med_problem *p)
{
	if (status != FINDING_STATUS(PRELIMINARY))
		return med_problem_set(p, MED_ERR_PRECONDITION, "finding_id",
				       "the finding is already %s",
				       diagnosis_finding_status_word(status));
	return MED_OK;
}

int
diagnosis_decided_status(bool confirmed, bool entered_in_error)
{
	if (confirmed)
		return FINDING_STATUS(FINAL);
	return entered_in_error ? FINDING_STATUS(ENTERED_IN_ERROR)
				: FINDING_STATUS(CANCELLED);
}

med_err
diagnosis_version_problem(const char *what, uint32_t version, uint32_t expected,
			  med_problem *p)
{
	if (version != expected)
		return med_problem_set(p, MED_ERR_CONFLICT, "expected_version",
				       "the %s is at version %u", what,
				       version);
	return MED_OK;
}
