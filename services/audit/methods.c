/*
 * methods.c - the audit service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is audit_rpc_xyz
 * (docs/architecture.md, "Anatomy of a service").
 */
#include <med/rpc.h>

#include "audit_svc.h"

#define MED_SERVICE_PATH   "/smartmed.audit.v1.Audit/"
#define MED_SERVICE_PB(t)  smartmed__audit__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) audit_rpc_##r

#define READERS	     (MED_ROLE_AUDITOR | MED_ROLE_ADMIN)
#define TREE_READERS (MED_ROLE_AUDITOR | MED_ROLE_ADMIN | MED_ROLE_SERVICE)

const med_method audit_methods[] = {
	MED_SERVER_STREAM(Query, query, audit_record, READERS),
	MED_UNARY_AS(PatientAccessReport, patient_access_report,
		     patient_access_report_response, READERS,
		     MED_AUDIT_ACTION_READ),
	MED_UNARY(GetTreeHead, get_tree_head, get_tree_head_response,
		  TREE_READERS),
	MED_UNARY(InclusionProof, inclusion_proof, inclusion_proof_response,
		  TREE_READERS),
	MED_UNARY(ConsistencyProof, consistency_proof,
		  consistency_proof_response, TREE_READERS),
	MED_UNARY_AS(ExportAuditEventsFhir, export_audit_events_fhir,
		     export_audit_events_fhir_response, READERS,
		     MED_AUDIT_ACTION_READ),
};
const size_t audit_n_methods = MED_N_METHODS(audit_methods);
