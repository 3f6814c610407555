/*
 * diagnosis.h - the diagnosis service's internal interfaces: the problem
 * list, care plans and AI image findings (handlers → domain/model →
 * store).
 */
#ifndef DIAGNOSIS_H
#define DIAGNOSIS_H

#include <med/db.h>
#include <med/rpc.h>
#include <med/service.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"

typedef Smartmed__Diagnosis__V1__Condition diagnosis_condition;
typedef Smartmed__Diagnosis__V1__CarePlan diagnosis_care_plan;
typedef Smartmed__Diagnosis__V1__Finding diagnosis_finding;

extern const med_method diagnosis_methods[];
extern const size_t diagnosis_n_methods;
extern const med_db_migration diagnosis_migrations[];
extern const size_t diagnosis_n_migrations;
extern const med_config_spec diagnosis_config[];
extern const size_t diagnosis_n_config;

/* --- handlers*.c: the RPCs ------------------------------------------- */

/* diagnosis_not_found turns NOT_FOUND into "<field>: not found". */
med_err diagnosis_not_found(med_call *call, med_err err, const char *field);

/* --- model.c: the image model, loaded at start ------------------------- */

/* diagnosis_model_start loads the configured model; a model that cannot
 * load is logged and AnalyzeImage answers UNAVAILABLE (never fatal). */
med_err diagnosis_model_start(med_service *svc) MED_MUST_CHECK;

/* diagnosis_model_stop frees the model and the inference host. */
void diagnosis_model_stop(med_service *svc);

/*
 * diagnosis_model_analyze decodes image, checks the model name, runs the
 * model and fills f's model, device, image and probability fields (arena
 * memory).  Errors: UNAVAILABLE (no model), NOT_FOUND (model), INVALID
 * (image, too large included), INTERNAL (backend).
 */
med_err diagnosis_model_analyze(med_call *call, const char *model,
				const ProtobufCBinaryData *image,
				diagnosis_finding *f) MED_MUST_CHECK;

/* --- domain.c: rules ---------------------------------------------------- */

/* diagnosis_check_add applies the problem-list rules to a request. */
med_err diagnosis_check_add(
	med_call *call,
	const Smartmed__Diagnosis__V1__AddConditionRequest *req) MED_MUST_CHECK;

/* diagnosis_check_update applies them to an UpdateCondition. */
med_err diagnosis_check_update(
	med_call *call,
	const Smartmed__Diagnosis__V1__UpdateConditionRequest *req)
	MED_MUST_CHECK;

/*
 * diagnosis_icd10_problem accepts an ICD-10 code (J18.9, E11.65, I10: a
 * letter, two digits, optionally "." and 1..4 letters or digits, upper
 * case); else fills p (field, reason) and returns MED_ERR_INVALID.
 */
med_err diagnosis_icd10_problem(const char *field, const char *code,
				med_problem *p) MED_MUST_CHECK;

/*
 * diagnosis_statuses_problem applies FHIR R4's Condition rules: both
 * statuses set to declared values, except that entered-in-error has no
 * clinical status (con-5); an abated condition is inactive, resolved or
 * in remission (con-4); abatement not before onset.
 */
med_err diagnosis_statuses_problem(int clinical, int verification,
				   const char *onset, const char *abatement,
				   med_problem *p) MED_MUST_CHECK;

/* diagnosis_check_care_plan applies the care-plan rules. */
med_err diagnosis_check_care_plan(
	med_call *call,
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req) MED_MUST_CHECK;

/* diagnosis_check_confirm applies the ConfirmFinding rules. */
med_err diagnosis_check_confirm(
	med_call *call,
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *req)
	MED_MUST_CHECK;

/* --- store.c: conditions ------------------------------------------------ */

/* diagnosis_store_insert stores version 1 of a condition. */
med_err diagnosis_store_insert(med_db_conn *conn,
			       const diagnosis_condition *c) MED_MUST_CHECK;

/* diagnosis_store_get reads a condition's current version (NOT_FOUND). */
med_err diagnosis_store_get(med_db_conn *conn, med_arena *arena, const char *id,
			    bool for_update,
			    diagnosis_condition **out) MED_MUST_CHECK;

/* diagnosis_store_update writes a new version (cond->version is new). */
med_err diagnosis_store_update(med_db_conn *conn,
			       const diagnosis_condition *c) MED_MUST_CHECK;

/* diagnosis_store_history returns every version, oldest first. */
med_err diagnosis_store_history(med_db *db, med_arena *arena, const char *id,
				diagnosis_condition ***out,
				size_t *n) MED_MUST_CHECK;

/* diagnosis_store_list returns a patient's conditions, newest first. */
med_err diagnosis_store_list(med_db *db, med_arena *arena,
			     const char *patient_id, uint64_t offset,
			     uint32_t limit, diagnosis_condition ***out,
			     size_t *n) MED_MUST_CHECK;

/* --- store_plan.c: care plans ------------------------------------------ */

/* diagnosis_store_plan_get reads a plan with its children (NOT_FOUND). */
med_err diagnosis_store_plan_get(med_db_conn *c, med_arena *arena,
				 const char *id, bool for_update,
				 diagnosis_care_plan **out) MED_MUST_CHECK;

/* diagnosis_store_plan_put inserts or replaces a plan and its children. */
med_err diagnosis_store_plan_put(med_db_conn *c, const diagnosis_care_plan *p,
				 bool create) MED_MUST_CHECK;

/* diagnosis_store_condition_owner checks id is patient's condition. */
med_err diagnosis_store_condition_owner(med_db_conn *c, const char *id,
					const char *patient_id) MED_MUST_CHECK;

/* --- store_finding.c: findings ----------------------------------------- */

/* diagnosis_store_finding_insert stores a new finding. */
med_err
diagnosis_store_finding_insert(med_db *db, med_arena *arena,
			       const diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_get reads one finding (NOT_FOUND). */
med_err diagnosis_store_finding_get(med_db_conn *c, med_arena *arena,
				    const char *id, bool for_update,
				    diagnosis_finding **out) MED_MUST_CHECK;

/* diagnosis_store_finding_decide writes the review fields. */
med_err
diagnosis_store_finding_decide(med_db_conn *c,
			       const diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_list returns a patient's findings, newest
 * first. */
med_err diagnosis_store_finding_list(med_db *db, med_arena *arena,
				     const char *patient_id, uint64_t offset,
				     uint32_t limit, diagnosis_finding ***out,
				     size_t *n) MED_MUST_CHECK;

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_UNARY_HANDLER(diagnosis_rpc_add_condition);
MED_UNARY_HANDLER(diagnosis_rpc_list_conditions);
MED_UNARY_HANDLER(diagnosis_rpc_update_condition);
MED_UNARY_HANDLER(diagnosis_rpc_condition_history);
MED_UNARY_HANDLER(diagnosis_rpc_set_care_plan);
MED_UNARY_HANDLER(diagnosis_rpc_get_care_plan);
MED_UNARY_HANDLER(diagnosis_rpc_analyze_image);
MED_UNARY_HANDLER(diagnosis_rpc_confirm_finding);
MED_UNARY_HANDLER(diagnosis_rpc_reject_finding);
MED_UNARY_HANDLER(diagnosis_rpc_list_findings);

#endif
