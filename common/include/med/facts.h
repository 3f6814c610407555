/*
 * med/facts.h - what other services chart about a patient that a dose
 * check reads: records' medication facts (GetMedicationFacts: allergies,
 * weight, height, creatinine clearance, eGFR, lab values, pregnancy tests)
 * and diagnosis' hepatic facts (GetHepaticFacts: the problem list's liver
 * and pregnancy).  The contract asks them
 * over mutual TLS as the service principal and hands back plain structs,
 * so that the asking service includes neither records' nor diagnosis'
 * generated headers.  Reads only; one retry of an idempotent call inside
 * the caller's deadline.
 */
#ifndef MED_FACTS_H
#define MED_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/config.h>
#include <med/err.h>
#include <med/rpc.h>

/* med_measurement - one measurement the record holds. */
typedef struct med_measurement {
	bool present;	      /* false: the record holds none */
	double value;	      /* kg, cm, mL/min, or mL/min/1.73m2 for an eGFR */
	int64_t effective_ms; /* when it was measured, Unix ms */
	const char *equation; /* an eGFR's equation ("CKD-EPI 2021"), or "" */
	/* A lab value whose unit cannot be converted: value is as charted,
	 * in unit, and no check may use it. */
	bool unit_unusable;
	const char *unit;	/* the unit value is in ("mmol/L", "mg/dL") */
	const char *loinc_code; /* the code it was charted under, or "" */
} med_measurement;

/* med_pregnancy_test - the latest pregnancy test the record holds. */
typedef struct med_pregnancy_test {
	bool present;			 /* false: the record holds none */
	bool positive;			 /* its result says pregnant */
	int64_t effective_ms;		 /* when it was observed, Unix ms */
	const char *loinc_code, *result; /* "2106-3", "Positive" */
} med_pregnancy_test;

/* med_medication_facts - records' answer (strings in the call's arena). */
typedef struct med_medication_facts {
	/* Any allergy entry charted, or "no known allergy". */
	bool allergies_assessed;
	size_t n_allergies;
	const char **allergies; /* the substances as charted ("Penicillin") */
	/* Per allergy (index as allergies): its reactions' manifestations,
	 * "; " between them ("Anaphylaxis"; "" when none charted), and
	 * whether the record grades it severe (criticality high, or a
	 * reaction graded severe). */
	const char **allergy_reactions;
	const bool *allergies_severe;
	/* Allergies a note mentions, not yet confirmed or rejected (the
	 * note reader's pending suggestions: substance or class codes). */
	size_t n_suggested_allergies;
	const char **suggested_allergies;
	/* NULL or !present: the record holds none. */
	const med_measurement *weight;
	const med_measurement *height;
	const med_measurement *crcl;
	const med_measurement *egfr;
	const med_measurement *previous_weight; /* the one charted before */
	/* Lab values (potassium and glucose mmol/L, INR, creatinine
	 * umol/L), each the latest; NULL or !present: none. */
	const med_measurement *potassium, *inr, *glucose, *creatinine;
	/* Drug levels, the latest of each the record holds, loinc_code
	 * naming which (records.proto, MedicationFacts.drug_levels). */
	size_t n_drug_levels;
	const med_measurement **drug_levels;
	const med_pregnancy_test *pregnancy_test; /* NULL: none */
} med_medication_facts;

/* med_hepatic_facts - diagnosis' answer (strings in the call's arena). */
typedef struct med_hepatic_facts {
	bool impairment; /* a liver disease or a Child-Pugh class is coded */
	const char *child_pugh_class;  /* "A", "B", "C" or "" */
	const char *summary;	       /* "K74.6; Child-Pugh C", for reasons */
	bool pregnant;		       /* a current pregnancy is coded */
	const char *pregnancy_summary; /* "Z33.1", for reasons */
} med_hepatic_facts;

/*
 * med_facts_open opens a mutual-TLS channel to the service at the setting
 * url_key (MED_RECORDS_URL), checking the name in name_key, with the
 * process's MED_TLS_* certificate; what names the facts in log lines.
 * *out is NULL (and MED_OK) when url_key is empty.  Errors: MED_ERR_IO and
 * MED_ERR_INVALID (certificate files, target), MED_ERR_NOMEM; logged.
 */
med_err med_facts_open(const med_config *c, const char *url_key,
		       const char *name_key, const char *what,
		       med_channel **out) MED_MUST_CHECK;

/*
 * med_facts_medication asks records (channel ch, from med_facts_open)
 * for patient_id's medication facts within deadline_ms (and within the
 * call's own deadline).  When records cannot answer it fails the call
 * UNAVAILABLE naming field ("field: the record cannot give ...; try
 * again").  *out is in the call's arena.
 */
med_err med_facts_medication(med_call *call, med_channel *ch,
			     int64_t deadline_ms, const char *field,
			     const char *patient_id,
			     const med_medication_facts **out) MED_MUST_CHECK;

/*
 * med_facts_hepatic asks diagnosis (channel ch) for patient_id's hepatic
 * facts, as med_facts_medication (UNAVAILABLE "field: the problem list
 * cannot say ...").  *out is in the call's arena.
 */
med_err med_facts_hepatic(med_call *call, med_channel *ch, int64_t deadline_ms,
			  const char *field, const char *patient_id,
			  const med_hepatic_facts **out) MED_MUST_CHECK;

#endif
