/*
 * methods.c - the diagnosis service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is diagnosis_rpc_xyz
 * (docs/internals/service-anatomy.md).
 */
#include <med/rpc.h>

#include "diagnosis.h"

#define MED_SERVICE_PATH   "/smartmed.diagnosis.v1.Diagnosis/"
#define MED_SERVICE_PB(t)  smartmed__diagnosis__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) diagnosis_rpc_##r

#define READERS (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)

const med_method diagnosis_methods[] = {
	MED_UNARY(AddCondition, add_condition, condition, MED_ROLE_CLINICIAN),
	MED_UNARY(ListConditions, list_conditions, list_conditions_response,
		  READERS),
	MED_UNARY(UpdateCondition, update_condition, condition,
		  MED_ROLE_CLINICIAN),
	MED_UNARY_AS(ConditionHistory, condition_history,
		     condition_history_response, READERS,
		     MED_AUDIT_ACTION_READ),
	MED_UNARY(SetCarePlan, set_care_plan, care_plan, READERS),
	MED_UNARY(GetCarePlan, get_care_plan, care_plan, READERS),
	MED_UNARY(AnalyzeImage, analyze_image, finding, READERS),
	/* imgtrig: and the service itself, whose PACS watcher (watch.c)
	 * analyses the requested studies as the system actor; no other
	 * service (handlers_study.c checks it again). */
	MED_UNARY_ONLY(AnalyzeStudy, analyze_study, finding,
		       READERS | MED_ROLE_SERVICE, NULL, "diagnosis"),
	MED_UNARY(RequestStudyAnalysis, request_study_analysis,
		  study_analysis_request, READERS),
	MED_UNARY(ConfirmFinding, confirm_finding, confirm_finding_response,
		  MED_ROLE_CLINICIAN),
	MED_UNARY(RejectFinding, reject_finding, finding, MED_ROLE_CLINICIAN),
	MED_UNARY(ListFindings, list_findings, list_findings_response, READERS),
	MED_UNARY(ExportFhir, export_fhir, export_fhir_response,
		  READERS | MED_ROLE_SERVICE),
	/* fhirread: one resource of the export by type and id, for users
	 * only (no service reads by id). */
	MED_UNARY(ReadFhir, read_fhir, read_fhir_response, READERS),
	/* dosage reads it before every dose check, as the service. */
	MED_UNARY(GetHepaticFacts, get_hepatic_facts, hepatic_facts,
		  READERS | MED_ROLE_PHARMACIST | MED_ROLE_SERVICE),
};
const size_t diagnosis_n_methods = MED_N_METHODS(diagnosis_methods);
