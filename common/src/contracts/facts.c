/*
 * facts.c - a patient's facts other services chart, asked for a dose
 * check: records' GetMedicationFacts and diagnosis' GetHepaticFacts over
 * mutual TLS, their replies turned into med/facts.h's plain structs.  Only
 * this file includes those services' generated headers.
 */
#include <med/facts.h>

#include <med/arena.h>
#include <med/log.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

#define GET_FACTS   "/smartmed.records.v1.Records/GetMedicationFacts"
#define GET_HEPATIC "/smartmed.diagnosis.v1.Diagnosis/GetHepaticFacts"

med_err
med_facts_open(const med_config *c, const char *url_key, const char *name_key,
	       const char *what, med_channel **out)
{
	const char *url = med_config_str(c, url_key);
	med_err err;

	*out = NULL;
	if (url == NULL || url[0] == '\0')
		return MED_OK;
	err = med_channel_dial(c, url, med_config_str(c, name_key), url_key,
			       out);
	if (err == MED_OK)
		med_log_info("%s come from %s", what, url);
	return err;
}

/* deadline keeps the call inside the caller's own deadline. */
static int64_t
deadline(med_call *call, int64_t configured)
{
	int64_t left = med_call_remaining_ms(call) - 50;

	return left < configured ? (left > 1 ? left : 1) : configured;
}

/* ask calls method on ch for the call (its request id, its deadline) and
 * fails the call UNAVAILABLE "field: what (why); try again" when the peer
 * cannot answer. */
static med_err
ask(med_call *call, med_channel *ch, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *desc,
    int64_t deadline_ms, const char *field, const char *what,
    ProtobufCMessage **reply)
{
	med_call_opts co = {.deadline_ms = deadline(call, deadline_ms),
			    .idempotent = true,
			    .max_attempts = 2,
			    .request_id = med_call_request_id(call)};
	med_rpc_status status = {0};
	med_err err =
		med_channel_unary(ch, method, req, desc, med_call_arena(call),
				  &co, reply, &status);

	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "%s: %s (%s); try again", field, what,
				     status.message[0] ? status.message
						       : med_strerror(err));
	return MED_OK;
}

/* measurement copies m (NULL: none) into the arena. */
static med_err
measurement(med_arena *a, const Smartmed__Records__V1__Measurement *m,
	    const med_measurement **out)
{
	med_measurement *v;

	*out = NULL;
	if (m == NULL)
		return MED_OK;
	if ((v = med_arena_alloc(a, sizeof(*v))) == NULL)
		return MED_ERR_NOMEM;
	v->present = m->present;
	v->value = m->value;
	v->effective_ms = m->effective_ms;
	v->equation = m->equation;
	v->unit_unusable = m->unit_unusable;
	v->unit = m->unit;
	v->loinc_code = m->loinc_code;
	*out = v;
	return MED_OK;
}

/* pregnancy_test copies t (NULL: none) into the arena. */
static med_err
pregnancy_test(med_arena *a, const Smartmed__Records__V1__PregnancyTest *t,
	       const med_pregnancy_test **out)
{
	med_pregnancy_test *v;

	*out = NULL;
	if (t == NULL)
		return MED_OK;
	if ((v = med_arena_alloc(a, sizeof(*v))) == NULL)
		return MED_ERR_NOMEM;
	v->present = t->present;
	v->positive = t->positive;
	v->effective_ms = t->effective_ms;
	v->loinc_code = t->loinc_code;
	v->result = t->result;
	*out = v;
	return MED_OK;
}

/* allergy_reactions joins one allergy's manifestations into *text and
 * says whether the record grades it severe (FHIR criticality high, or a
 * reaction of severity severe). */
static med_err
allergy_reactions(med_arena *a, const Smartmed__Records__V1__FactAllergy *al,
		  const char **text, bool *severe)
{
	const char *t = "";

	*severe =
		al->criticality ==
		SMARTMED__RECORDS__V1__ALLERGY_CRITICALITY__ALLERGY_CRITICALITY_HIGH;
	for (size_t k = 0; k < al->n_reactions; k++) {
		const Smartmed__Records__V1__AllergyReaction *r =
			al->reactions[k];

		if (r->severity ==
		    SMARTMED__RECORDS__V1__REACTION_SEVERITY__REACTION_SEVERITY_SEVERE)
			*severe = true;
		t = med_arena_sprintf(a, "%s%s%s", t, t[0] ? "; " : "",
				      r->manifestation);
		if (t == NULL)
			return MED_ERR_NOMEM;
	}
	*text = t;
	return MED_OK;
}

/* medication_allergies fills f's allergies and their reactions. */
static med_err
medication_allergies(med_arena *a,
		     const Smartmed__Records__V1__MedicationFacts *r,
		     med_medication_facts *f)
{
	size_t n = r->n_allergies + 1;
	bool *severe = med_arena_zalloc(a, n * sizeof(*severe));
	med_err err;

	f->n_allergies = r->n_allergies;
	f->allergies = med_arena_alloc(a, n * sizeof(*f->allergies));
	f->allergy_reactions =
		med_arena_alloc(a, n * sizeof(*f->allergy_reactions));
	if (f->allergies == NULL || f->allergy_reactions == NULL ||
	    severe == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < r->n_allergies; i++) {
		f->allergies[i] = r->allergies[i]->substance_display;
		err = allergy_reactions(a, r->allergies[i],
					&f->allergy_reactions[i], &severe[i]);
		if (err != MED_OK)
			return err;
	}
	f->allergies_severe = severe;
	return MED_OK;
}

/* drug_levels copies r's drug levels into f. */
static med_err
drug_levels(med_arena *a, const Smartmed__Records__V1__MedicationFacts *r,
	    med_medication_facts *f)
{
	const med_measurement **v =
		med_arena_alloc(a, (r->n_drug_levels + 1) * sizeof(*v));
	med_err err;

	if (v == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < r->n_drug_levels; i++)
		if ((err = measurement(a, r->drug_levels[i], &v[i])) != MED_OK)
			return err;
	f->drug_levels = v;
	f->n_drug_levels = r->n_drug_levels;
	return MED_OK;
}

/* medication_facts turns records' reply into f. */
static med_err
medication_facts(med_arena *a, const Smartmed__Records__V1__MedicationFacts *r,
		 med_medication_facts *f)
{
	med_err err;

	f->allergies_assessed = r->allergies_assessed;
	if ((err = medication_allergies(a, r, f)) != MED_OK)
		return err;
	f->n_suggested_allergies = r->n_suggested_allergies;
	f->suggested_allergies =
		med_arena_alloc(a, (r->n_suggested_allergies + 1) *
					   sizeof(*f->suggested_allergies));
	if (f->suggested_allergies == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < r->n_suggested_allergies; i++)
		f->suggested_allergies[i] =
			r->suggested_allergies[i]->substance_display;
	if ((err = measurement(a, r->weight, &f->weight)) != MED_OK ||
	    (err = measurement(a, r->height, &f->height)) != MED_OK ||
	    (err = measurement(a, r->crcl, &f->crcl)) != MED_OK ||
	    (err = measurement(a, r->egfr, &f->egfr)) != MED_OK)
		return err;
	if ((err = measurement(a, r->potassium, &f->potassium)) != MED_OK ||
	    (err = measurement(a, r->inr, &f->inr)) != MED_OK ||
	    (err = measurement(a, r->glucose, &f->glucose)) != MED_OK ||
	    (err = measurement(a, r->creatinine, &f->creatinine)) != MED_OK)
		return err;
	if ((err = pregnancy_test(a, r->pregnancy_test, &f->pregnancy_test)) !=
		    MED_OK ||
	    (err = drug_levels(a, r, f)) != MED_OK)
		return err;
	return measurement(a, r->previous_weight, &f->previous_weight);
}

med_err
med_facts_medication(med_call *call, med_channel *ch, int64_t deadline_ms,
		     const char *field, const char *patient_id,
		     const med_medication_facts **out)
{
	Smartmed__Records__V1__GetMedicationFactsRequest req =
		SMARTMED__RECORDS__V1__GET_MEDICATION_FACTS_REQUEST__INIT;
	med_arena *a = med_call_arena(call);
	ProtobufCMessage *reply = NULL;
	med_medication_facts *f;
	med_err err;

	*out = NULL;
	req.patient_id = (char *)patient_id;
	err = ask(call, ch, GET_FACTS, &req.base,
		  &smartmed__records__v1__medication_facts__descriptor,
		  deadline_ms, field,
		  "the record cannot give the patient's allergies and "
		  "measurements",
		  &reply);
	if (err != MED_OK)
		return err;
	if ((f = med_arena_zalloc(a, sizeof(*f))) == NULL ||
	    medication_facts(
		    a, (const Smartmed__Records__V1__MedicationFacts *)reply,
		    f) != MED_OK)
		return MED_ERR_NOMEM;
	*out = f;
	return MED_OK;
}

med_err
med_facts_hepatic(med_call *call, med_channel *ch, int64_t deadline_ms,
		  const char *field, const char *patient_id,
		  const med_hepatic_facts **out)
{
	Smartmed__Diagnosis__V1__GetHepaticFactsRequest req =
		SMARTMED__DIAGNOSIS__V1__GET_HEPATIC_FACTS_REQUEST__INIT;
	const Smartmed__Diagnosis__V1__HepaticFacts *r;
	ProtobufCMessage *reply = NULL;
	med_hepatic_facts *h;
	med_err err;

	*out = NULL;
	req.patient_id = (char *)patient_id;
	err = ask(call, ch, GET_HEPATIC, &req.base,
		  &smartmed__diagnosis__v1__hepatic_facts__descriptor,
		  deadline_ms, field,
		  "the problem list cannot say whether the liver is "
		  "impaired",
		  &reply);
	if (err != MED_OK)
		return err;
	if ((h = med_arena_alloc(med_call_arena(call), sizeof(*h))) == NULL)
		return MED_ERR_NOMEM;
	r = (const Smartmed__Diagnosis__V1__HepaticFacts *)reply;
	h->impairment = r->impairment;
	h->child_pugh_class = r->child_pugh_class;
	h->summary = r->summary;
	h->pregnant = r->pregnant;
	h->pregnancy_summary = r->pregnancy_summary;
	*out = h;
	return MED_OK;
}
