/*
 * patient.h - what dosage learns of a patient outside its own tables:
 * records' facts (facts.c) and diagnosis' hepatic facts (hepatic.c), both
 * through libmed's facts contract, and the records merged into the patient
 * (family.c).
 */
#ifndef DOSAGE_PATIENT_H
#define DOSAGE_PATIENT_H

#include "dosage.h"
#include "units.h"

/* --- hepatic.c: the liver from the problem list ----------------------- */

/* dosage_hepatic_start opens the channel to diagnosis when
 * MED_DIAGNOSIS_URL is set (a warning when not). */
med_err dosage_hepatic_start(med_service *svc, dosage_state *st) MED_MUST_CHECK;

/* dosage_hepatic_stop closes it. */
void dosage_hepatic_stop(dosage_state *st);

/* dosage_hepatic_fetch asks diagnosis for patient_id's hepatic facts (*out
 * NULL when diagnosis is not configured); fails the call UNAVAILABLE
 * naming field when diagnosis cannot answer. */
med_err dosage_hepatic_fetch(med_call *call, const char *field,
			     const char *patient_id,
			     const dosage_hepatic_facts **out) MED_MUST_CHECK;

/* dosage_hepatic_apply puts h (NULL: unknown) into p. */
void dosage_hepatic_apply(const dosage_hepatic_facts *h,
			  dosage_dose_patient *p);

/* --- facts.c: the patient's facts from the record ----------------------- */

/* dosage_facts_start opens the channel to records when MED_RECORDS_URL is
 * set (a warning when not).  Errors: the certificate files, the URL. */
med_err dosage_facts_start(med_service *svc, dosage_state *st) MED_MUST_CHECK;

/* dosage_facts_stop closes it. */
void dosage_facts_stop(dosage_state *st);

/*
 * dosage_facts_fetch asks records for patient_id's facts (*out NULL when
 * records is not configured).  When records cannot answer, fails the call
 * UNAVAILABLE naming field: no dose is checked without the record.
 */
med_err dosage_facts_fetch(med_call *call, const char *field,
			   const char *patient_id,
			   const dosage_facts **out) MED_MUST_CHECK;

/* dosage_facts_apply puts the record's facts over p (dosage's context):
 * each measurement the record holds replaces the context's, and the
 * record's allergies join the context's (arena for the list). */
void dosage_facts_apply(med_arena *a, const dosage_facts *f,
			dosage_dose_patient *p);

/* dosage_labs_apply puts the record's lab values (f, NULL: not read) and
 * pregnancy from the problem list (h, NULL: not read) or the record's
 * latest pregnancy test into p. */
void dosage_labs_apply(const dosage_facts *f, const dosage_hepatic_facts *h,
		       dosage_dose_patient *p);

/*
 * dosage_family_bind fills v[0..DOSAGE_FAMILY_MAX) for DOSAGE_FAMILY_IN:
 * f's ids when f is patient_id's family, else patient_id alone; the slots
 * left repeat patient_id.  Returns DOSAGE_FAMILY_MAX.
 */
size_t dosage_family_bind(const dosage_family *f, const char *patient_id,
			  med_db_value *v);

/* dosage_family_merged: the records merged into patient_id (f's ids after
 * the first when f is its family; none otherwise) and their count. */
size_t dosage_family_merged(const dosage_family *f, const char *patient_id,
			    const char *const **ids);

/*
 * dosage_context_join joins src (a merged record's context) into dst: each
 * measurement the newer of the two (by its measured time), the allergies
 * of both (arena for the list), assessed when either was.  A record merged
 * into the patient is the same person: an allergy or a weight charted on
 * it is the patient's.
 */
void dosage_context_join(med_arena *a, dosage_context *dst,
			 const dosage_context *src);

/* dosage_hepatic_join joins the problem list's facts of a merged record
 * (src) into dst: a liver disease or a pregnancy on either is the
 * patient's, the worse Child-Pugh class stands and the summaries are
 * joined; NOMEM leaves dst as it was. */
med_err dosage_hepatic_join(med_arena *a, dosage_hepatic_facts *dst,
			    const dosage_hepatic_facts *src) MED_MUST_CHECK;

/* dosage_facts_join joins the record's facts of a merged record (src)
 * into dst the same way; NOMEM leaves dst as it was. */
med_err dosage_facts_join(med_arena *a, dosage_facts *dst,
			  const dosage_facts *src) MED_MUST_CHECK;

/* dosage_know_family fills only k's birth date and family (identity's
 * merged records) for patient_id: for a rule that reads orders across
 * merged records but no facts (VerifyOrder's duplicate orders). */
med_err dosage_know_family(med_call *call, const char *field,
			   const char *patient_id,
			   dosage_known *k) MED_MUST_CHECK;

/* dosage_know_patient fills k for patient_id (field names it in errors):
 * the patient named and the care decision taken first (a refusal is
 * returned before any read), then identity, records and diagnosis asked
 * at once (med_call_parallel). */
med_err dosage_know_patient(med_call *call, const char *field,
			    const char *patient_id,
			    dosage_known *k) MED_MUST_CHECK;

/* dosage_know_patient_with is dosage_know_patient with one more read run
 * beside those (NULL: none), answered first should both fail. */
med_err dosage_know_patient_with(med_call *call, const med_call_task *also,
				 const char *field, const char *patient_id,
				 dosage_known *k) MED_MUST_CHECK;

#endif
