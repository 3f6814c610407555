/*
 * methods.c - the records service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is records_rpc_xyz
 * (docs/internals/service-anatomy.md).
 */
#include <med/rpc.h>

#include "records.h"

#define MED_SERVICE_PATH   "/smartmed.records.v1.Records/"
#define MED_SERVICE_PB(t)  smartmed__records__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) records_rpc_##r

#define CARE_TEAM     (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)
#define CHAIN_READERS (MED_ROLE_CLINICIAN | MED_ROLE_AUDITOR | MED_ROLE_ADMIN)
/* A write of the care team's that the HL7 interface makes too; its
 * handler (interface.c) admits that one service principal, no other. */
#define INTERFACE_UNARY(Rpc, rpc, reply)                                       \
	{                                                                      \
		MED_SERVICE_PATH #Rpc, &MED_SERVICE_PB(rpc##_request),         \
			&MED_SERVICE_PB(reply), MED_RPC_UNARY,                 \
			records_rpc_##rpc##_interface, NULL,                   \
			CARE_TEAM | MED_ROLE_SERVICE, NULL, "hl7"              \
	}

const med_method records_methods[] = {
	/* The HL7 interface writes lab results as itself (services/hl7);
	 * interface.c turns any other service away. */
	INTERFACE_UNARY(CreateEntry, create_entry, entry),
	MED_UNARY(GetEntry, get_entry, entry, CARE_TEAM),
	MED_UNARY(ListEntries, list_entries, list_entries_response, CARE_TEAM),
	MED_UNARY(AmendEntry, amend_entry, entry, CARE_TEAM),
	MED_UNARY(History, history, history_response, CARE_TEAM),
	MED_UNARY(SignEntry, sign_entry, entry, CARE_TEAM),
	MED_UNARY(AddAddendum, add_addendum, entry, CARE_TEAM),
	/* ... and takes back the results of a message refused part way. */
	INTERFACE_UNARY(MarkEnteredInError, mark_entered_in_error, entry),
	MED_UNARY(GetAttachment, get_attachment, attachment, CARE_TEAM),
	MED_UNARY(VerifyChain, verify_chain, verify_chain_response,
		  CHAIN_READERS),
	/* A pharmacist exports the allergies alone (export_scope). */
	MED_UNARY(ExportFhir, export_fhir, export_fhir_response,
		  CARE_TEAM | MED_ROLE_PHARMACIST | MED_ROLE_SERVICE),
	/* fhirread: one resource of the export by type and id, for users
	 * only (no service reads by id). */
	MED_UNARY(ReadFhir, read_fhir, read_fhir_response, CARE_TEAM),
	MED_UNARY(GetMedicationFacts, get_medication_facts, medication_facts,
		  CARE_TEAM | MED_ROLE_PHARMACIST | MED_ROLE_SERVICE),
	/* fhirwrite: the FHIR facade's device readings (readings.c). */
	MED_UNARY_AS(RecordDeviceReadings, record_device_readings,
		     record_device_readings_response, CARE_TEAM,
		     MED_AUDIT_ACTION_CREATE),
	/* notereader: the note reader's suggestions (handlers_suggest.c);
	 * a clinician or pharmacist decides. */
	MED_UNARY_AS(ReadNotes, read_notes, read_notes_response,
		     CARE_TEAM | MED_ROLE_PHARMACIST, MED_AUDIT_ACTION_UPDATE),
	MED_UNARY(ListSuggestions, list_suggestions, list_suggestions_response,
		  CARE_TEAM | MED_ROLE_PHARMACIST),
	MED_UNARY_AS(ConfirmSuggestion, confirm_suggestion, note_suggestion,
		     MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST,
		     MED_AUDIT_ACTION_UPDATE),
	MED_UNARY_AS(RejectSuggestion, reject_suggestion, note_suggestion,
		     MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST,
		     MED_AUDIT_ACTION_UPDATE),
	/* A text read and nothing stored: no patient, no care check. */
	MED_UNARY_AS(ReadText, read_text, read_text_response,
		     CARE_TEAM | MED_ROLE_PHARMACIST, MED_AUDIT_ACTION_READ),
	/* fhirsuggest: the pending suggestions as FHIR, one more source of
	 * the facade; ExportFhir's request and reply (fhir_suggest.c). */
	{MED_SERVICE_PATH "ExportSuggestionsFhir",
	 &MED_SERVICE_PB(export_fhir_request),
	 &MED_SERVICE_PB(export_fhir_response), MED_RPC_UNARY,
	 records_rpc_export_suggestions_fhir, NULL,
	 CARE_TEAM | MED_ROLE_PHARMACIST | MED_ROLE_SERVICE, NULL, NULL},
	/* ... and one of them by type and id, for the facade's reads. */
	{MED_SERVICE_PATH "ReadSuggestionFhir",
	 &MED_SERVICE_PB(read_fhir_request),
	 &MED_SERVICE_PB(read_fhir_response), MED_RPC_UNARY,
	 records_rpc_read_suggestion_fhir, NULL,
	 CARE_TEAM | MED_ROLE_PHARMACIST, MED_AUDIT_ACTION_READ, NULL},
	/* After a restore: which entries and audit events the other side
	 * lacks (docs/operations.md, "Restore"); an auditor's report, no
	 * patient read. */
	MED_UNARY(ReconcileAudit, reconcile_audit, reconcile_audit_response,
		  MED_ROLE_AUDITOR),
};
const size_t records_n_methods = MED_N_METHODS(records_methods);
