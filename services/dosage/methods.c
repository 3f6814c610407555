/*
 * methods.c - the dosage service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is dosage_rpc_xyz
 * (docs/internals/service-anatomy.md).
 */
#include <med/rpc.h>

#include "dosage.h"

#define MED_SERVICE_PATH   "/smartmed.dosage.v1.Dosage/"
#define MED_SERVICE_PB(t)  smartmed__dosage__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) dosage_rpc_##r

#define DRUG_READERS                                                           \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST |           \
	 MED_ROLE_ADMIN)
#define CARE (MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST)
/* Changing knowledge the checks read (a catalogue entry's limits, the
 * catalogue, the allergy names, the interaction rules) is a pharmacist's
 * act: an admin runs the system, not its pharmacology (docs/security.md). */
#define KNOWLEDGE_KEEPERS MED_ROLE_PHARMACIST

#define PRESCRIBERS MED_ROLE_CLINICIAN
#define CHARTERS    (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)
#define CREATES	    MED_AUDIT_ACTION_CREATE
#define UPDATES	    MED_AUDIT_ACTION_UPDATE

/* A method whose name does not start with a standard verb names its audit
 * action (med_method.audit_action): charting a dose creates a record,
 * changing an order updates it. */
const med_method dosage_methods[] = {
	MED_UNARY(UpsertDrug, upsert_drug, drug, KNOWLEDGE_KEEPERS),
	MED_UNARY(GetDrug, get_drug, drug, DRUG_READERS),
	MED_UNARY(ListDrugs, list_drugs, list_drugs_response, DRUG_READERS),
	/* A catalogue import that loosens a limit waits for a second
	 * pharmacist, as the knowledge bases below do (catalogue/
	 * handlers_import.c). */
	MED_UNARY_AS(ImportCatalogue, import_catalogue,
		     import_catalogue_response, KNOWLEDGE_KEEPERS, UPDATES),
	MED_UNARY_AS(ApproveCatalogueImport, approve_catalogue_import,
		     import_catalogue_response, KNOWLEDGE_KEEPERS, UPDATES),
	MED_UNARY_AS(ImportAllergyNames, import_allergy_names,
		     import_allergy_names_response, KNOWLEDGE_KEEPERS, UPDATES),
	MED_UNARY_AS(ApproveAllergyNames, approve_allergy_names,
		     import_allergy_names_response, KNOWLEDGE_KEEPERS, UPDATES),
	MED_UNARY_AS(CodeAllergy, code_allergy, allergy_coding,
		     MED_ROLE_PHARMACIST, UPDATES),
	MED_UNARY(SetPatientContext, set_patient_context, patient_context,
		  CARE),
	MED_UNARY(GetPatientContext, get_patient_context, patient_context,
		  CARE),
	MED_UNARY(CreateOrder, create_order, order, PRESCRIBERS),
	MED_UNARY(GetOrder, get_order, order, CARE),
	MED_UNARY(ListOrders, list_orders, list_orders_response, CARE),
	MED_UNARY(GetOrderHistory, get_order_history, order_history, CARE),
	MED_UNARY_AS(VerifyOrder, verify_order, order, MED_ROLE_PHARMACIST,
		     UPDATES),
	MED_UNARY_AS(ModifyOrder, modify_order, order, PRESCRIBERS, UPDATES),
	MED_UNARY_AS(RenewOrder, renew_order, order, PRESCRIBERS, UPDATES),
	MED_UNARY_AS(HoldOrder, hold_order, order,
		     MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST, UPDATES),
	MED_UNARY_AS(ResumeOrder, resume_order, order, PRESCRIBERS, UPDATES),
	MED_UNARY_AS(DiscontinueOrder, discontinue_order, order,
		     MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST, UPDATES),
	MED_UNARY(CheckDose, check_dose, check_dose_response, CARE),
	MED_UNARY_AS(RecordAdministration, record_administration,
		     administration, CHARTERS, CREATES),
	MED_UNARY_AS(RecordNotGiven, record_not_given, administration, CHARTERS,
		     CREATES),
	MED_UNARY_AS(CosignAdministration, cosign_administration, cosign, CARE,
		     CREATES),
	MED_UNARY_AS(ConfirmHighAlert, confirm_high_alert, administration, CARE,
		     UPDATES),
	MED_UNARY(ListDue, list_due, list_due_response, CHARTERS),
	MED_UNARY(GetMar, get_mar, get_mar_response, CARE),
	/* Who may correct which record is decided per record (a nurse only
	 * her own): dosage_rpc_mark_administration_entered_in_error. */
	MED_UNARY_AS(MarkAdministrationEnteredInError,
		     mark_administration_entered_in_error, administration, CARE,
		     UPDATES),
	MED_UNARY_AS(StartInfusion, start_infusion, infusion, CHARTERS,
		     CREATES),
	MED_UNARY_AS(ChangeInfusionRate, change_infusion_rate, infusion,
		     CHARTERS, UPDATES),
	MED_UNARY_AS(StopInfusion, stop_infusion, infusion, CHARTERS, UPDATES),
	MED_UNARY(History, history, history_response, CARE),
	/* The export reads what ListOrders and History read: the same roles,
	 * and the FHIR facade as itself for a research export. */
	MED_UNARY(ExportFhir, export_fhir, export_fhir_response,
		  CARE | MED_ROLE_SERVICE),
	/* fhirread: one resource of the export by type and id, for users
	 * only (no service reads by id). */
	MED_UNARY(ReadFhir, read_fhir, read_fhir_response, CARE),
	/* Continuing an order is a clinician's; a pharmacist may stop one
	 * (dosage_reconcile_problem). */
	MED_UNARY_AS(ReconcileOrder, reconcile_order, order,
		     MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST, UPDATES),
	/* A weight outside the plausible-facts bounds is confirmed by a
	 * prescriber or pharmacist, not by whoever charted it. */
	MED_UNARY_AS(ConfirmWeight, confirm_weight, patient_context,
		     MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST, UPDATES),
	/* The interaction knowledge base is the pharmacy's; one that
	 * removes or weakens rules waits for a second pharmacist's approval
	 * (handlers_ddi.c).  Every user of the checks may read which one
	 * runs. */
	MED_UNARY_AS(ImportInteractions, import_interactions, knowledge_base,
		     KNOWLEDGE_KEEPERS, UPDATES),
	MED_UNARY(GetInteractions, get_interactions, knowledge_base,
		  DRUG_READERS),
	MED_UNARY_AS(ApproveInteractions, approve_interactions, knowledge_base,
		     KNOWLEDGE_KEEPERS, UPDATES),
	/* The substance knowledge base, the same way. */
	MED_UNARY_AS(ImportSubstanceKnowledge, import_substance_knowledge,
		     knowledge_base, KNOWLEDGE_KEEPERS, UPDATES),
	MED_UNARY(GetSubstanceKnowledge, get_substance_knowledge,
		  knowledge_base, DRUG_READERS),
	MED_UNARY_AS(ApproveSubstanceKnowledge, approve_substance_knowledge,
		     knowledge_base, KNOWLEDGE_KEEPERS, UPDATES),
	/* The home-medicine list is taken by whoever takes the history (a
	 * nurse, a pharmacist, a doctor); the admission decision on each is
	 * a prescriber's. */
	MED_UNARY_AS(AddHomeMedication, add_home_medication, home_medication,
		     CARE, CREATES),
	MED_UNARY(ListHomeMedications, list_home_medications,
		  list_home_medications_response, CARE),
	MED_UNARY_AS(StopHomeMedication, stop_home_medication, home_medication,
		     CARE, UPDATES),
	MED_UNARY_AS(DecideHomeMedication, decide_home_medication,
		     home_medication, PRESCRIBERS, UPDATES),
	/* After a restore: which administrations and audit events the
	 * other side lacks (docs/operations.md, "Restore"); an auditor's
	 * report, no patient read. */
	MED_UNARY(ReconcileAudit, reconcile_audit, reconcile_audit_response,
		  MED_ROLE_AUDITOR),
	/* The list as FHIR, one more source of the facade's search
	 * (ExportFhir's request and reply). */
	{MED_SERVICE_PATH "ExportHomeMedicationsFhir",
	 &MED_SERVICE_PB(export_fhir_request),
	 &MED_SERVICE_PB(export_fhir_response), MED_RPC_UNARY,
	 dosage_rpc_export_home_medications_fhir, NULL, CARE, NULL, NULL},
};
const size_t dosage_n_methods = MED_N_METHODS(dosage_methods);
