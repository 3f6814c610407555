/*
 * types.c - what the facade can search and where it comes from.  A
 * resource type is served when a configured source exports it; adding a
 * service's ExportFhir is one entry in sources[] (and its types in
 * type_table when they are new).
 */
#include <stdio.h>
#include <string.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"
#include "smartmed/dosage/v1/dosage.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

#include "fhir_facade.h"

const fhir_type_info fhir_types[] = {
	{"Observation",
	 {"effectiveDateTime", "effectiveInstant", "issued"},
	 "code",
	 "status"},
	{"AllergyIntolerance",
	 {"recordedDate", "onsetDateTime", NULL},
	 "code",
	 NULL},
	{"DocumentReference", {"date", NULL, NULL}, "type", "status"},
	{"Condition", {"recordedDate", "onsetDateTime", NULL}, "code", NULL},
	{"CarePlan", {"created", NULL, NULL}, NULL, "status"},
	{"DiagnosticReport",
	 {"effectiveDateTime", "issued", NULL},
	 "code",
	 "status"},
	{"MedicationRequest", {"authoredOn", NULL, NULL}, NULL, "status"},
	{"MedicationAdministration",
	 {"effectiveDateTime", NULL, NULL},
	 NULL,
	 "status"},
	/* The note reader's suggested medicines (records) and the
	 * home-medicine list (dosage). */
	{"MedicationStatement",
	 {"dateAsserted", NULL, NULL},
	 "medicationCodeableConcept",
	 "status"},
	/* An encounter's date is the day it began. */
	{"Encounter", {"period.start", NULL, NULL}, NULL, "status"},
};
const size_t fhir_n_types = sizeof(fhir_types) / sizeof(*fhir_types);

static const char *const records_types[] = {"Observation", "AllergyIntolerance",
					    "DocumentReference", NULL};
/* Goal and Provenance come with care plans and findings: they are part of
 * $everything, not searchable on their own. */
static const char *const diagnosis_types[] = {
	"Condition",   "CarePlan",   "Goal", "DiagnosticReport",
	"Observation", "Provenance", NULL};

/* Medication comes with the orders and doses that name it. */
static const char *const dosage_types[] = {
	"MedicationRequest", "MedicationAdministration", "Medication", NULL};

static const char *const identity_types[] = {"Encounter", NULL};

/* The home-medicine list (dosage's ExportHomeMedicationsFhir). */
static const char *const home_med_types[] = {"MedicationStatement", NULL};

/* The note reader's pending suggestions (records' ExportSuggestionsFhir):
 * unconfirmed allergies and problems, medicines, and their Provenance. */
static const char *const suggestion_types[] = {
	"AllergyIntolerance", "Condition", "MedicationStatement", "Provenance",
	NULL};

/* identity's source shares the facade's identity channel (main.c); it
 * answers NOT_FOUND only for an unknown patient, which stays a 404. */
static fhir_source sources[] = {
	{"identity", "MED_IDENTITY_URL",
	 "/smartmed.identity.v1.Identity/ExportFhir",
	 &smartmed__identity__v1__export_fhir_request__descriptor,
	 &smartmed__identity__v1__export_fhir_response__descriptor,
	 identity_types, false, NULL, false, NULL},
	{"records", "MED_RECORDS_URL",
	 "/smartmed.records.v1.Records/ExportFhir",
	 &smartmed__records__v1__export_fhir_request__descriptor,
	 &smartmed__records__v1__export_fhir_response__descriptor,
	 records_types, false, NULL, false, NULL},
	{"diagnosis", "MED_DIAGNOSIS_URL",
	 "/smartmed.diagnosis.v1.Diagnosis/ExportFhir",
	 &smartmed__diagnosis__v1__export_fhir_request__descriptor,
	 &smartmed__diagnosis__v1__export_fhir_response__descriptor,
	 diagnosis_types, true, NULL, false, NULL},
	{"dosage", "MED_DOSAGE_URL", "/smartmed.dosage.v1.Dosage/ExportFhir",
	 &smartmed__dosage__v1__export_fhir_request__descriptor,
	 &smartmed__dosage__v1__export_fhir_response__descriptor, dosage_types,
	 true, NULL, false, NULL},
	{"dosage", "MED_DOSAGE_URL",
	 "/smartmed.dosage.v1.Dosage/ExportHomeMedicationsFhir",
	 &smartmed__dosage__v1__export_fhir_request__descriptor,
	 &smartmed__dosage__v1__export_fhir_response__descriptor,
	 home_med_types, true, NULL, false, NULL},
	{"records", "MED_RECORDS_URL",
	 "/smartmed.records.v1.Records/ExportSuggestionsFhir",
	 &smartmed__records__v1__export_fhir_request__descriptor,
	 &smartmed__records__v1__export_fhir_response__descriptor,
	 suggestion_types, true, NULL, true, NULL},
};

fhir_source *
fhir_sources(void)
{
	return sources;
}

size_t
fhir_n_sources(void)
{
	return sizeof(sources) / sizeof(*sources);
}

bool
fhir_source_holds(const fhir_source *src, const char *type)
{
	for (const char *const *t = src->types; *t != NULL; t++)
		if (strcmp(*t, type) == 0)
			return true;
	return false;
}

bool
fhir_source_holds_any(const fhir_source *src, const char *types)
{
	if (types == NULL)
		return true;
	for (const char *const *t = src->types; *t != NULL; t++)
		for (const char *s = types; s != NULL;) {
			size_t n = strcspn(s, ",");

			if (strlen(*t) == n && strncmp(s, *t, n) == 0)
				return true;
			s = s[n] == ',' ? s + n + 1 : NULL;
		}
	return false;
}

const fhir_type_info *
fhir_type_find(const char *type)
{
	for (size_t i = 0; i < fhir_n_types; i++)
		if (strcmp(fhir_types[i].type, type) == 0)
			return &fhir_types[i];
	return NULL;
}

bool
fhir_type_is_served(const char *type)
{
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (sources[i].ch != NULL &&
		    fhir_source_holds(&sources[i], type))
			return true;
	return false;
}

/* exported_type: Patient, or a type some source exports. */
static bool
exported_type(const char *type, size_t len)
{
	char name[64];

	if (len == 0 || len >= sizeof(name))
		return false;
	snprintf(name, sizeof(name), "%.*s", (int)len, type);
	if (strcmp(name, "Patient") == 0)
		return true;
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (fhir_source_holds(&sources[i], name))
			return true;
	return false;
}

bool
fhir_types_check(const char *list, fhir_error *e)
{
	const char *s = list;

	for (;;) {
		size_t len = strcspn(s, ",");

		if (!exported_type(s, len)) {
			fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				  "_type: %.*s is not a type the facade "
				  "exports",
				  (int)(len < 40 ? len : 40), s);
			return false;
		}
		if (s[len] == '\0')
			return true;
		s += len + 1;
	}
}

med_channel *
fhir_source_channel(const char *service)
{
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (strcmp(fhir_sources()[i].service, service) == 0)
			return fhir_sources()[i].ch;
	return NULL;
}
