/*
 * methods.c - the identity service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is identity_rpc_xyz
 * (docs/internals/service-anatomy.md).
 */
#include <med/rpc.h>

#include "identity.h"

#define MED_SERVICE_PATH   "/smartmed.identity.v1.Identity/"
#define MED_SERVICE_PB(t)  smartmed__identity__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) identity_rpc_##r

#define REGISTRARS (MED_ROLE_REGISTRAR | MED_ROLE_ADMIN)
/* The hospital's patient administration system registers, admits,
 * transfers, discharges and merges through the HL7 interface, which calls
 * as itself (services/hl7, docs/hl7.md): these registrars' writes admit
 * the service role, and their handlers (interface.c) that one service's
 * principal, no other. */
#define REGISTRARS_AND_INTERFACE (REGISTRARS | MED_ROLE_SERVICE)
#define INTERFACE_UNARY(Rpc, rpc, reply, action)                               \
	{                                                                      \
		MED_SERVICE_PATH #Rpc, &MED_SERVICE_PB(rpc##_request),         \
			&MED_SERVICE_PB(reply), MED_RPC_UNARY,                 \
			identity_rpc_##rpc##_interface, NULL,                  \
			REGISTRARS_AND_INTERFACE, action, "hl7"                \
	}
#define CLINICAL_READERS                                                       \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST |           \
	 MED_ROLE_REGISTRAR | MED_ROLE_ADMIN)
#define BEDSIDE (MED_ROLE_NURSE | MED_ROLE_REGISTRAR | MED_ROLE_ADMIN)
/* Who reads encounters: the clinical staff and the registrars who keep
 * them (docs/security.md). */
#define ENCOUNTER_READERS                                                      \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_REGISTRAR |            \
	 MED_ROLE_ADMIN)
#define IDENTIFIERS                                                            \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_REGISTRAR |            \
	 MED_ROLE_ADMIN)

/* Who may break the glass, and who reviews and ends anyone's grant
 * (docs/security.md, "Break-glass"). */
#define BREAK_GLASS_HOLDERS   (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)
#define BREAK_GLASS_REVIEWERS (MED_ROLE_AUDITOR | MED_ROLE_ADMIN)

const med_method identity_methods[] = {
	INTERFACE_UNARY(CreatePatient, create_patient, patient, NULL),
	MED_UNARY(GetPatient, get_patient, patient,
		  CLINICAL_READERS | MED_ROLE_SERVICE),
	/* The auditor finds a patient by MRN to review who read the chart
	 * (issue 51): the demographics only, never the chart. */
	MED_UNARY(SearchPatients, search_patients, search_patients_response,
		  CLINICAL_READERS | MED_ROLE_AUDITOR),
	INTERFACE_UNARY(UpdatePatient, update_patient, patient, NULL),
	MED_UNARY_AS(PatientHistory, patient_history, patient_history_response,
		     CLINICAL_READERS, MED_AUDIT_ACTION_READ),
	MED_UNARY(CheckDuplicates, check_duplicates, check_duplicates_response,
		  REGISTRARS),
	INTERFACE_UNARY(LinkPatients, link_patients, patient_link, NULL),
	MED_UNARY(UnlinkPatients, unlink_patients, patient_link, REGISTRARS),
	MED_UNARY(EnrollFace, enroll_face, enroll_face_response, BEDSIDE),
	MED_UNARY(VerifyFace, verify_face, verify_face_response,
		  CLINICAL_READERS),
	MED_UNARY(ConfirmStatedIdentifiers, confirm_stated_identifiers,
		  confirm_stated_identifiers_response, CLINICAL_READERS),
	MED_UNARY(IdentifyFace, identify_face, identify_face_response,
		  IDENTIFIERS),
	MED_UNARY(DeleteFaceTemplates, delete_face_templates,
		  delete_face_templates_response, REGISTRARS),
	MED_UNARY(GetVerificationKey, get_verification_key,
		  get_verification_key_response, MED_ROLE_ALL),
	INTERFACE_UNARY(Admit, admit, encounter, MED_AUDIT_ACTION_CREATE),
	INTERFACE_UNARY(RegisterOutpatientVisit, register_outpatient_visit,
			encounter, MED_AUDIT_ACTION_CREATE),
	INTERFACE_UNARY(Transfer, transfer, encounter, MED_AUDIT_ACTION_UPDATE),
	INTERFACE_UNARY(Discharge, discharge, encounter,
			MED_AUDIT_ACTION_UPDATE),
	MED_UNARY(ListEncounters, list_encounters, list_encounters_response,
		  ENCOUNTER_READERS),
	/* The service principal reads stays too: dosage ties an order to
	 * the open stay and refuses a dose against a discharged one
	 * (docs/dose-safety.md, "Orders and the stay"). */
	MED_UNARY(GetCurrentEncounter, get_current_encounter, encounter,
		  ENCOUNTER_READERS | MED_ROLE_SERVICE),
	MED_UNARY(GetEncounterHistory, get_encounter_history,
		  get_encounter_history_response,
		  ENCOUNTER_READERS | MED_ROLE_SERVICE),
	MED_UNARY_AS(CheckCareRelationship, check_care_relationship,
		     check_care_relationship_response,
		     MED_ROLE_SERVICE | MED_ROLE_ADMIN, MED_AUDIT_ACTION_READ),
	MED_UNARY_AS(StartBreakGlass, start_break_glass, break_glass_grant,
		     BREAK_GLASS_HOLDERS, MED_AUDIT_ACTION_EXECUTE),
	MED_UNARY(ListBreakGlass, list_break_glass, list_break_glass_response,
		  BREAK_GLASS_HOLDERS | BREAK_GLASS_REVIEWERS),
	MED_UNARY_AS(EndBreakGlass, end_break_glass, break_glass_grant,
		     BREAK_GLASS_HOLDERS | BREAK_GLASS_REVIEWERS,
		     MED_AUDIT_ACTION_EXECUTE),
	/* The export reads what ListEncounters reads: the same roles, and
	 * the FHIR facade as itself for a research export. */
	MED_UNARY_AS(ExportFhir, export_fhir, export_fhir_response,
		     ENCOUNTER_READERS | MED_ROLE_SERVICE,
		     MED_AUDIT_ACTION_READ),
	/* fhirread: one Encounter of the export by its id, for users only
	 * (no service reads by id). */
	MED_UNARY_AS(ReadFhir, read_fhir, read_fhir_response, ENCOUNTER_READERS,
		     MED_AUDIT_ACTION_READ),
};
const size_t identity_n_methods = MED_N_METHODS(identity_methods);
