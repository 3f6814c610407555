/*
 * handlers_allergy.c - ImportAllergyNames: the pharmacy's brand names,
 * synonyms and misspellings of allergies (allergy_text.h), checked whole,
 * written in one audited transaction as a new version.
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

/* copy_errors puts t's row problems into the reply. */
static med_err
copy_errors(med_arena *a, const dosage_allergy_table *t,
	    Smartmed__Dosage__V1__ImportAllergyNamesResponse *res)
{
	size_t cap = 0;

	for (size_t i = 0; i < t->n_errors; i++) {
		Smartmed__Dosage__V1__RowError *e = med_arena_push_msg(
			a, (void ***)&res->errors, &res->n_errors, &cap,
			&smartmed__dosage__v1__row_error__descriptor);

		if (e == NULL)
			return MED_ERR_NOMEM;
		e->row = t->errors[i].line;
		e->field = (char *)t->errors[i].field;
		e->reason = (char *)t->errors[i].reason;
	}
	return MED_OK;
}

med_err
dosage_rpc_import_allergy_names(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportAllergyNamesRequest *req =
		(const void *)in;
	Smartmed__Dosage__V1__ImportAllergyNamesResponse *res = (void *)out;
	med_arena *a = med_call_arena(call);
	dosage_allergy_table t;
	const char *why = NULL;
	char rows[24];
	uint32_t v = 0;
	med_err err = dosage_allergy_names_parse(a, (const char *)req->csv.data,
						 req->csv.len, &t, &why);

	if (err == MED_ERR_INVALID)
		return med_call_fail(call, err, "csv: %s", why);
	if (err != MED_OK || (err = copy_errors(a, &t, res)) != MED_OK)
		return err;
	/* All or nothing: a half-loaded table reads some names and not
	 * others, and nobody could tell which. */
	if (t.n_errors > 0)
		return MED_OK;
	if (t.n == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: no data rows");
	snprintf(rows, sizeof(rows), "%zu", t.n);
	med_call_add_details(call, (const med_audit_detail[]){{"rows", rows}},
			     1);
	err = dosage_store_import_allergy_names(
		call, &t, med_call_principal(call)->user, &v);
	if (err != MED_OK)
		return err;
	res->imported = (uint32_t)t.n;
	res->version = v;
	return MED_OK;
}

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
	return dosage_store_code_allergy(call, res);
}
