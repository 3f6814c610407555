/*
 * measure_fhir.c - the weight and height dosage's own context holds
 * (SetPatientContext) as R4 vital-signs Observations in ExportFhir, so the
 * console's chart and co-signer read the weight the dose checks use
 * rather than "not recorded" (issue 77, item 5).  records' body-weight
 * and body-height observations come through records' own export; the
 * console and the checks both take the newest measurement of either.
 */
#include <med/fhir.h>
#include <med/json.h>

#include <stdio.h>

#include "dosage.h"
#include "fhir_export.h"

#define LOINC_SYSTEM "http://loinc.org"
#define CATEGORY_SYSTEM                                                        \
	"http://terminology.hl7.org/CodeSystem/observation-category"

static void
vital_category(med_json *w)
{
	med_fhir_code c = {CATEGORY_SYSTEM, "vital-signs", "Vital Signs"};

	med_json_begin(w, "category", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "coding", '[');
	med_fhir_coding(w, &c);
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* measurement writes one Observation; its id names the patient and the
 * kind ("dosage-weight-<patient>"): the context holds one of each. */
static void
measurement(med_json *w, const char *pid, const char *kind,
	    const med_fhir_code *code, double value, const char *ucum,
	    int64_t measured_ms)
{
	char id[80];
	med_fhir_code c = *code;

	snprintf(id, sizeof(id), "dosage-%s-%s", kind, pid);
	med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, "Observation", id);
	med_fhir_meta(w, 1, measured_ms);
	med_json_str(w, "status", "final");
	vital_category(w);
	med_fhir_concept(w, "code", &c, 1, NULL);
	med_fhir_reference(w, "subject", "Patient", pid, NULL);
	med_fhir_instant(w, "effectiveDateTime", measured_ms);
	med_fhir_quantity(w, "valueQuantity", value, ucum);
	med_fhir_entry_end(w);
}

static bool
has_weight(const dosage_context *c)
{
	return c->weight_case ==
	       SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
}

static bool
has_height(const dosage_context *c)
{
	return c->height_case ==
	       SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM;
}

uint32_t
dosage_fhir_measurements(med_json *w, const char *pid, const dosage_context *c)
{
	static const med_fhir_code weight = {LOINC_SYSTEM, "29463-7",
					     "Body weight"};
	static const med_fhir_code height = {LOINC_SYSTEM, "8302-2",
					     "Body height"};
	uint32_t n = 0;

	if (c == NULL)
		return 0;
	if (has_weight(c)) {
		measurement(w, pid, "weight", &weight, c->weight_kg, "kg",
			    c->weight_measured_ms);
		n++;
	}
	if (has_height(c)) {
		measurement(w, pid, "height", &height, c->height_cm, "cm",
			    c->height_measured_ms);
		n++;
	}
	return n;
}
