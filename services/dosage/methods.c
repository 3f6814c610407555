/*
 * methods.c - the dosage service's API in one table: each RPC, its reply and
 * the roles that may call it.  The handler of RPC Xyz is dosage_rpc_xyz
 * (docs/architecture.md, "Anatomy of a service").
 */
#include <med/rpc.h>

#include "dosage.h"

#define MED_SERVICE_PATH   "/smartmed.dosage.v1.Dosage/"
#define MED_SERVICE_PB(t)  smartmed__dosage__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) dosage_rpc_##r

#define DRUG_READERS                                                           \
	(MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST |           \
	 MED_ROLE_ADMIN)
#define CARE		  (MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_PHARMACIST)
#define CATALOGUE_EDITORS (MED_ROLE_PHARMACIST | MED_ROLE_ADMIN)

const med_method dosage_methods[] = {
	MED_UNARY(UpsertDrug, upsert_drug, drug, CATALOGUE_EDITORS),
	MED_UNARY(GetDrug, get_drug, drug, DRUG_READERS),
	MED_UNARY(ListDrugs, list_drugs, list_drugs_response, DRUG_READERS),
	MED_UNARY(ImportCatalogue, import_catalogue, import_catalogue_response,
		  CATALOGUE_EDITORS),
	MED_UNARY(SetPatientContext, set_patient_context, patient_context,
		  CARE),
	MED_UNARY(GetPatientContext, get_patient_context, patient_context,
		  CARE),
	MED_UNARY(CreateOrder, create_order, order, MED_ROLE_CLINICIAN),
	MED_UNARY(GetOrder, get_order, order, CARE),
	MED_UNARY(VerifyOrder, verify_order, order, MED_ROLE_PHARMACIST),
	MED_UNARY(DiscontinueOrder, discontinue_order, order,
		  MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST),
	MED_UNARY(CheckDose, check_dose, check_dose_response, CARE),
	MED_UNARY(RecordAdministration, record_administration, administration,
		  MED_ROLE_CLINICIAN | MED_ROLE_NURSE),
	MED_UNARY(ConfirmHighAlert, confirm_high_alert, administration, CARE),
	MED_UNARY(ListDue, list_due, list_due_response,
		  MED_ROLE_CLINICIAN | MED_ROLE_NURSE),
	MED_UNARY(History, history, history_response, CARE),
};
const size_t dosage_n_methods = MED_N_METHODS(dosage_methods);
