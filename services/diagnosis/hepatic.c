/*
 * hepatic.c - GetHepaticFacts: what the problem list says of the liver,
 * for dosage's hepatic bands, and of a current pregnancy, for the drugs
 * the catalogue marks harmful in pregnancy.  The rule (diagnosis_hepatic_add)
 * is pure; the RPC reads the patient's conditions and applies it to each.
 */
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

#define ST(x) SMARTMED__DIAGNOSIS__V1__##x
/* A whole problem list in any realistic stay. */
#define HEPATIC_ROWS 1000

/* SNOMED CT liver disorders that count without an ICD-10 code. */
static const char *const snomed_liver[] = {
	"19943007",  /* cirrhosis of liver */
	"420054005", /* alcoholic cirrhosis */
	"59927004",  /* hepatic failure */
	"235856003", /* disorder of liver */
};

static bool
counts(const diagnosis_condition *c)
{
	bool active = c->clinical_status ==
			      ST(CLINICAL_STATUS__CLINICAL_STATUS_ACTIVE) ||
		      c->clinical_status ==
			      ST(CLINICAL_STATUS__CLINICAL_STATUS_RECURRENCE) ||
		      c->clinical_status ==
			      ST(CLINICAL_STATUS__CLINICAL_STATUS_RELAPSE);

	return active &&
	       c->verification_status !=
		       ST(VERIFICATION_STATUS__VERIFICATION_STATUS_REFUTED) &&
	       c->verification_status !=
		       ST(VERIFICATION_STATUS__VERIFICATION_STATUS_ENTERED_IN_ERROR);
}

/* icd10_liver: K70 to K77, with or without a subcode. */
static bool
icd10_liver(const char *code)
{
	return code[0] == 'K' && code[1] == '7' && code[2] >= '0' &&
	       code[2] <= '7' && (code[3] == '\0' || code[3] == '.');
}

static bool
snomed(const char *system)
{
	return strcmp(system, "SNOMED-CT") == 0 ||
	       strcmp(system, "SNOMED CT") == 0 ||
	       strcmp(system, "http://snomed.info/sct") == 0;
}

static bool
liver_code(const diagnosis_condition *c)
{
	if (strcmp(c->code_system, "ICD-10") == 0 ||
	    strcmp(c->code_system, "ICD-10-CM") == 0)
		return icd10_liver(c->code);
	if (!snomed(c->code_system))
		return false;
	for (size_t i = 0; i < sizeof(snomed_liver) / sizeof(snomed_liver[0]);
	     i++)
		if (strcmp(c->code, snomed_liver[i]) == 0)
			return true;
	return false;
}

bool
diagnosis_hepatic_add(diagnosis_hepatic *h, const diagnosis_condition *c)
{
	if (!counts(c))
		return false;
	if (strcmp(c->code_system, DIAGNOSIS_CHILD_PUGH) == 0 &&
	    (strcmp(c->code, "A") == 0 || strcmp(c->code, "B") == 0 ||
	     strcmp(c->code, "C") == 0)) {
		/* The worst class charted: a stale better one must not hide
		 * a worse one. */
		if (c->code[0] > h->child_pugh)
			h->child_pugh = c->code[0];
		h->impairment = true;
		return true;
	}
	if (!liver_code(c))
		return false;
	h->impairment = true;
	return true;
}

/* icd10_pregnancy: Z33.1, or chapter XV, O00 to O9A (O99 and O9A
 * included: diseases complicating pregnancy). */
static bool
icd10_pregnancy(const char *code)
{
	if (strcmp(code, "Z33.1") == 0 || strcmp(code, "Z331") == 0)
		return true;
	return code[0] == 'O' && code[1] >= '0' && code[1] <= '9' &&
	       ((code[2] >= '0' && code[2] <= '9') || code[2] == 'A') &&
	       (code[3] == '\0' || code[3] == '.');
}

bool
diagnosis_pregnancy_code(const diagnosis_condition *c)
{
	if (!counts(c))
		return false;
	if (strcmp(c->code_system, "ICD-10") == 0 ||
	    strcmp(c->code_system, "ICD-10-CM") == 0)
		return icd10_pregnancy(c->code);
	return snomed(c->code_system) && strcmp(c->code, "77386006") == 0;
}

/* summarise appends c's code to the summary text (bounded). */
static void
summarise(char *buf, size_t len, const diagnosis_condition *c)
{
	size_t off = strlen(buf);

	if (off + 1 < len)
		snprintf(buf + off, len - off, "%s%s%s", off ? "; " : "",
			 strcmp(c->code_system, DIAGNOSIS_CHILD_PUGH) == 0
				 ? "Child-Pugh "
				 : "",
			 c->code);
}

med_err
diagnosis_rpc_get_hepatic_facts(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__GetHepaticFactsRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__HepaticFacts *res = (void *)out;
	med_arena *a = med_call_arena(call);
	diagnosis_hepatic h = {0};
	diagnosis_condition **c = NULL;
	char summary[256] = "", pregnancy[128] = "";
	size_t n = 0, k = 0;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	if ((err = diagnosis_store_list(med_call_db(call), a, req->patient_id,
					0, HEPATIC_ROWS, &c, &n)) != MED_OK)
		return err;
	res->condition_ids = med_arena_alloc(a, (n + 1) * sizeof(char *));
	if (res->condition_ids == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (diagnosis_hepatic_add(&h, c[i])) {
			res->condition_ids[k++] = c[i]->condition_id;
			summarise(summary, sizeof(summary), c[i]);
		}
		if (diagnosis_pregnancy_code(c[i])) {
			res->pregnant = true;
			summarise(pregnancy, sizeof(pregnancy), c[i]);
		}
	}
	res->n_condition_ids = k;
	res->impairment = h.impairment;
	res->child_pugh_class = med_arena_strdup(
		a, h.child_pugh ? (char[]){h.child_pugh, '\0'} : "");
	res->summary = med_arena_strdup(a, summary);
	res->pregnancy_summary = med_arena_strdup(a, pregnancy);
	return res->child_pugh_class && res->summary && res->pregnancy_summary
		       ? MED_OK
		       : MED_ERR_NOMEM;
}
