/*
 * methods.c - the audit service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is audit_rpc_xyz
 * (docs/internals/service-anatomy.md).
 */
#include <med/rpc.h>

#include "audit_svc.h"

#define MED_SERVICE_PATH   "/smartmed.audit.v1.Audit/"
#define MED_SERVICE_PB(t)  smartmed__audit__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) audit_rpc_##r

#define READERS	     (MED_ROLE_AUDITOR | MED_ROLE_ADMIN)
#define TREE_READERS (MED_ROLE_AUDITOR | MED_ROLE_ADMIN | MED_ROLE_SERVICE)
/* A researcher reaches only the projects that name them (research.c); the
 * service role is the FHIR facade checking an approval before an export. */
#define PROJECT_READERS                                                        \
	(MED_ROLE_AUDITOR | MED_ROLE_SERVICE | MED_ROLE_RESEARCHER)
#define PROJECT_LISTERS                                                        \
	(MED_ROLE_AUDITOR | MED_ROLE_ADMIN | MED_ROLE_RESEARCHER)

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
	/* fhirread: one AuditEvent of the export by its id. */
	MED_UNARY_AS(ReadFhir, read_fhir, read_fhir_response, READERS,
		     MED_AUDIT_ACTION_READ),
	MED_UNARY_AS(ApproveResearchProject, approve_research_project,
		     research_project, MED_ROLE_AUDITOR,
		     MED_AUDIT_ACTION_CREATE),
	MED_UNARY(GetResearchProject, get_research_project, research_project,
		  PROJECT_READERS),
	MED_UNARY(ListResearchProjects, list_research_projects,
		  list_research_projects_response, PROJECT_LISTERS),
	MED_UNARY_AS(RevokeResearchProject, revoke_research_project,
		     research_project, MED_ROLE_AUDITOR,
		     MED_AUDIT_ACTION_UPDATE),
	/* An auditor's decision, as approvals are: the restore was an
	 * administrator's act, accepting its loss is not theirs alone. */
	MED_UNARY_AS(StartEpoch, start_epoch, start_epoch_response,
		     MED_ROLE_AUDITOR, MED_AUDIT_ACTION_EXECUTE),
};
const size_t audit_n_methods = MED_N_METHODS(audit_methods);
