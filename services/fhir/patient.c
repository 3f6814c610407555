/*
 * patient.c - identity's Patient as an R4 Patient: the MRN identifier,
 * the name, gender, birth date, and for a merged record the link to the
 * record that replaced it.
 */
#include <stdio.h>
#include <string.h>

#include <med/fhir.h>
#include <med/util.h>

#include "smartmed/identity/v1/identity.pb-c.h"

#include "fhir_facade.h"

#define V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"

static const char *
gender_of(Smartmed__Identity__V1__AdministrativeSex sex)
{
	switch (sex) {
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_FEMALE:
		return "female";
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_MALE:
		return "male";
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_OTHER:
		return "other";
	default:
		return "unknown";
	}
}

static void
write_mrn(med_json *w, const char *mrn, const char *system)
{
	const med_fhir_code mr = {V2_0203, "MR", "Medical record number"};

	med_json_begin(w, "identifier", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "use", "usual");
	med_fhir_concept(w, "type", &mr, 1, NULL);
	med_json_str(w, "system", system);
	med_json_str(w, "value", mrn);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* write_given writes the given names, one per space-separated word. */
static void
write_given(med_json *w, const char *given)
{
	char buf[256];
	char *save = NULL;

	if (given == NULL || given[0] == '\0')
		return;
	med_strlcpy(buf, given, sizeof(buf));
	med_json_begin(w, "given", '[');
	for (char *g = strtok_r(buf, " ", &save); g != NULL;
	     g = strtok_r(NULL, " ", &save))
		med_json_str(w, NULL, g);
	med_json_end(w, ']');
}

static void
write_name(med_json *w, const Smartmed__Identity__V1__Patient *p)
{
	med_json_begin(w, "name", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "use", "official");
	med_json_str(w, "family", p->family_name);
	write_given(w, p->given_name);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* write_link says that a merged record was replaced by the survivor. */
static void
write_link(med_json *w, const char *survivor)
{
	med_json_begin(w, "link", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_reference(w, "other", "Patient", survivor, NULL);
	med_json_str(w, "type", "replaced-by");
	med_json_end(w, '}');
	med_json_end(w, ']');
}

void
fhir_patient_fields(med_json *w, const Smartmed__Identity__V1__Patient *p,
		    const char *mrn_system)
{
	bool merged = p->linked_to != NULL && p->linked_to[0] != '\0';
	char version[16];

	/* R4's versionId is an id: a string, not a number. */
	snprintf(version, sizeof(version), "%u", (unsigned)p->version);
	med_json_begin(w, "meta", '{');
	med_json_str(w, "versionId", version);
	if (med_fhir_time_ok(p->updated_ms))
		med_fhir_instant(w, "lastUpdated", p->updated_ms);
	med_json_end(w, '}');
	write_mrn(w, p->mrn, mrn_system);
	/* A merged record is kept for history but no longer in use. */
	med_json_bool(w, "active", !merged);
	write_name(w, p);
	med_json_str(w, "gender", gender_of(p->sex));
	if (p->birth_date != NULL && p->birth_date[0] != '\0')
		med_fhir_date(w, "birthDate", p->birth_date);
	if (merged)
		write_link(w, p->linked_to);
}

const char *
fhir_patient_gender(const Smartmed__Identity__V1__Patient *p)
{
	return gender_of(p->sex);
}
