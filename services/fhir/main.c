/*
 * main.c - the FHIR facade's wiring: its own settings on the process part
 * of libmed (med_process_main: TLS files, user tokens, the audit emitter,
 * metrics and health port, signals); facade.c opens the rest.
 */
#include <med/service.h>

#include "fhir_facade.h"

static const med_config_spec specs[] = {
	{"MED_FHIR_PORT", MED_CONFIG_PORT, "8443", false, 0, 0,
	 "HTTPS port of the FHIR API"},
	{"MED_FHIR_BASE_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "the FHIR base URL clients use (its path is served); empty = "
	 "https://localhost:PORT/fhir"},
	{"MED_FHIR_MRN_SYSTEM", MED_CONFIG_STRING, "urn:smartmed:mrn", false, 0,
	 0, "identifier system of the hospital's MRNs"},
	{"MED_IDENTITY_URL", MED_CONFIG_STRING, NULL, true, 0, 0,
	 "identity's gRPC address (Patient)"},
	{"MED_RECORDS_URL", MED_CONFIG_STRING, NULL, true, 0, 0,
	 "records' gRPC address (Observation, AllergyIntolerance, "
	 "DocumentReference)"},
	{"MED_DIAGNOSIS_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "diagnosis' gRPC address (Condition, CarePlan, DiagnosticReport); "
	 "empty = not served"},
	{"MED_IDENTITY_SERVER_NAME", MED_CONFIG_STRING, "identity", false, 0, 0,
	 "name identity's certificate must carry"},
	{"MED_RECORDS_SERVER_NAME", MED_CONFIG_STRING, "records", false, 0, 0,
	 "name records' certificate must carry"},
	{"MED_DIAGNOSIS_SERVER_NAME", MED_CONFIG_STRING, "diagnosis", false, 0,
	 0, "name diagnosis' certificate must carry"},
	{"MED_DOSAGE_SERVER_NAME", MED_CONFIG_STRING, "dosage", false, 0, 0,
	 "name dosage's certificate must carry"},
	{"MED_DOSAGE_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "dosage's gRPC address (MedicationRequest, MedicationAdministration, "
	 "Medication); empty = not served"},
	{"MED_AUDIT_GRPC_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "the audit service's gRPC address (research projects for "
	 "$research-export); empty = not served"},
	{"MED_RESEARCH_KEY_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "file of 64 hex digits: the master key of research pseudonyms; "
	 "empty = $research-export not served"},
	{"MED_RESEARCH_DATE_SHIFT_DAYS", MED_CONFIG_INT, "180", false, 1, 3650,
	 "largest date shift (days) of a research export"},
	/* console (issue 37): the ward console under /console. */
	{"MED_CONSOLE_DIR", MED_CONFIG_STRING, "", false, 0, 0,
	 "folder of the ward console's files (services/console); empty = "
	 "/console not served"},
	{"MED_CONSOLE_ISSUER", MED_CONFIG_STRING, "", false, 0, 0,
	 "OpenID Connect issuer the console signs users in with"},
	{"MED_CONSOLE_CLIENT_ID", MED_CONFIG_STRING, "smartmed-console", false,
	 0, 0, "the console's client id at that issuer (a public client)"},
	{"MED_WARD_TIME_ZONE", MED_CONFIG_STRING, "UTC", false, 0, 0,
	 "the ward's time zone (an IANA name, as dosage's setting): the "
	 "console shows times and the MAR's day in it"},
};

int
main(int argc, char **argv)
{
	static fhir_facade facade;
	med_process_def def = {
		.name = "fhir",
		.summary = "facade (FHIR R4 REST over HTTPS)",
		.default_http_port = 9096,
		.config = specs,
		.n_config = sizeof(specs) / sizeof(specs[0]),
		.start = fhir_facade_start,
		.stop = fhir_facade_stop,
		.ctx = &facade,
	};

	return med_process_main(&def, argc, argv);
}
