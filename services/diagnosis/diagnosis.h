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

typedef Smartmed__Diagnosis__V1__Condition dx_condition;
typedef Smartmed__Diagnosis__V1__CarePlan dx_care_plan;
typedef Smartmed__Diagnosis__V1__Finding dx_finding;

extern const med_method diagnosis_methods[];
extern const size_t diagnosis_n_methods;
extern const med_db_migration diagnosis_migrations[];
extern const size_t diagnosis_n_migrations;
extern const med_config_spec diagnosis_config[];
extern const size_t diagnosis_n_config;

/* --- handlers*.c: the RPCs ------------------------------------------- */

/* diagnosis_db returns the service's database. */
med_db *diagnosis_db(med_call *call);

/* diagnosis_not_found turns NOT_FOUND into "<field>: not found". */
med_err diagnosis_not_found(med_call *call, med_err err, const char *field);

med_err diagnosis_set_care_plan(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out);
med_err diagnosis_get_care_plan(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out);
med_err diagnosis_analyze_image(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out);
med_err diagnosis_confirm_finding(med_call *call, const ProtobufCMessage *in,
				  ProtobufCMessage *out);
med_err diagnosis_reject_finding(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out);
med_err diagnosis_list_findings(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out);

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
				dx_finding *f) MED_MUST_CHECK;

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

/* diagnosis_check_icd10 requires an ICD-10 code (J18.9, E11.65, I10). */
med_err diagnosis_check_icd10(med_call *call, const char *field,
			      const char *code) MED_MUST_CHECK;

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
			       const dx_condition *c) MED_MUST_CHECK;

/* diagnosis_store_get reads a condition's current version (NOT_FOUND). */
med_err diagnosis_store_get(med_db_conn *conn, med_arena *arena, const char *id,
			    bool for_update, dx_condition **out) MED_MUST_CHECK;

/* diagnosis_store_update writes a new version (cond->version is new). */
med_err diagnosis_store_update(med_db_conn *conn,
			       const dx_condition *c) MED_MUST_CHECK;

/* diagnosis_store_history returns every version, oldest first. */
med_err diagnosis_store_history(med_db *db, med_arena *arena, const char *id,
				dx_condition ***out, size_t *n) MED_MUST_CHECK;

/* diagnosis_store_list returns a patient's conditions, newest first. */
med_err diagnosis_store_list(med_db *db, med_arena *arena,
			     const char *patient_id, uint64_t offset,
			     uint32_t limit, dx_condition ***out,
			     size_t *n) MED_MUST_CHECK;

/* --- store_plan.c: care plans ------------------------------------------ */

/* diagnosis_store_plan_get reads a plan with its children (NOT_FOUND). */
med_err diagnosis_store_plan_get(med_db_conn *c, med_arena *arena,
				 const char *id, bool for_update,
				 dx_care_plan **out) MED_MUST_CHECK;

/* diagnosis_store_plan_put inserts or replaces a plan and its children. */
med_err diagnosis_store_plan_put(med_db_conn *c, const dx_care_plan *p,
				 bool create) MED_MUST_CHECK;

/* diagnosis_store_condition_owner checks id is patient's condition. */
med_err diagnosis_store_condition_owner(med_db_conn *c, const char *id,
					const char *patient_id) MED_MUST_CHECK;

/* --- store_finding.c: findings ----------------------------------------- */

/* diagnosis_store_finding_insert stores a new finding. */
med_err diagnosis_store_finding_insert(med_db *db, med_arena *arena,
				       const dx_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_get reads one finding (NOT_FOUND). */
med_err diagnosis_store_finding_get(med_db_conn *c, med_arena *arena,
				    const char *id, bool for_update,
				    dx_finding **out) MED_MUST_CHECK;

/* diagnosis_store_finding_decide writes the review fields. */
med_err diagnosis_store_finding_decide(med_db_conn *c,
				       const dx_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_list returns a patient's findings, newest
 * first. */
med_err diagnosis_store_finding_list(med_db *db, med_arena *arena,
				     const char *patient_id, uint64_t offset,
				     uint32_t limit, dx_finding ***out,
				     size_t *n) MED_MUST_CHECK;

#endif
