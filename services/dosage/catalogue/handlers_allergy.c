/*
 * handlers_allergy.c - CodeAllergy: a pharmacist's coding of a patient's
 * allergy text (the pharmacy's other names for allergies are imported by
 * checks/handlers_allergy_names.c, which compares them with those in
 * force).
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/rpc.h>
#include <med/util.h>

#include <stdio.h>

#include "dosage.h"
#include "catalogue.h"
#include "allergy_text.h"
#include "substances.h"

/* coding_target checks what the pharmacist coded the text as. */
static med_err
coding_target(med_call *call,
	      const Smartmed__Dosage__V1__CodeAllergyRequest *req,
	      const char **code)
{
	const dosage_substance *s;

	*code = "";
	if (req->not_a_medicine) {
		if (req->substance_or_class[0])
			return med_call_fail(call, MED_ERR_INVALID,
					     "substance_or_class: must be "
					     "empty with not_a_medicine");
		return MED_OK;
	}
	if ((s = dosage_substance_find(req->substance_or_class)) != NULL)
		*code = s->code;
	else
		*code = dosage_allergy_class_find(req->substance_or_class);
	if (*code == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "substance_or_class: '%.100s' is no "
				     "substance or allergy class the "
				     "substance table knows",
				     req->substance_or_class);
	return MED_OK;
}

/* code_in_tx stores the coding; the call's audit event commits with it. */
static med_err
code_in_tx(med_db_conn *conn, void *arg)
{
	return dosage_store_code_allergy(conn, arg);
}

med_err
dosage_rpc_code_allergy(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__CodeAllergyRequest *req = (const void *)in;
	Smartmed__Dosage__V1__AllergyCoding *res = (void *)out;
	char key[DOSAGE_ALLERGY_TEXT_KEY_MAX];
	const char *code = "";
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK ||
	    (err = med_check_text(call, "allergy_text", req->allergy_text, 1,
				  200)) != MED_OK ||
	    (err = med_check_text(call, "note", req->note, 1, 2000)) !=
		    MED_OK ||
	    (err = coding_target(call, req, &code)) != MED_OK)
		return err;
	dosage_allergy_text_key(req->allergy_text, key, sizeof(key));
	if (key[0] == '\0')
		return med_call_fail(call, MED_ERR_INVALID,
				     "allergy_text: has no words");
	med_call_set_patient(call, req->patient_id);
	if ((err = med_patients_require(call, "patient_id", req->patient_id)) !=
	    MED_OK)
		return err;
	res->patient_id = req->patient_id;
	res->allergy_text = req->allergy_text;
	res->code = (char *)code;
	res->not_a_medicine = req->not_a_medicine;
	res->note = req->note;
	res->coded_by = (char *)med_call_principal(call)->user;
	res->coded_ms = med_now_ms();
	med_call_add_details(
		call,
		(const med_audit_detail[]){{"allergy_text", req->allergy_text},
					   {"code", code}},
		2);
	return med_call_tx(call, code_in_tx, res);
}
