/*
 * handlers_allergy.c - ImportAllergyNames: the pharmacy's brand names,
 * synonyms and misspellings of allergies (allergy_text.h), checked whole,
 * written in one audited transaction as a new version.
 */
#include <med/audit.h>
#include <med/rpc.h>

#include <stdio.h>

#include "dosage.h"
#include "catalogue.h"
#include "allergy_text.h"

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
		med_call_db(call), &t, med_call_principal(call)->user, &v);
	if (err != MED_OK)
		return err;
	res->imported = (uint32_t)t.n;
	res->version = v;
	return MED_OK;
}
