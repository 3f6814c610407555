/*
 * settings.c - the FHIR facade's own settings, all of them in one table:
 * the FHIR port and base URL, the services' addresses and certificate
 * names (facade.c), the research export, the ward console, the HTTPS
 * edge (edge/) and SMART (call/smart.c).  The code reads a value by its
 * key from the process's configuration (med_config_*), which libmed loads
 * and checks against this table at start.
 */
#include <med/config.h>

#include "facade.h"

const med_config_spec fhir_config[] = {
	{"MED_FHIR_PORT", MED_CONFIG_PORT, "8443", false, 0, 0,
	 "HTTPS port of the FHIR API"},
	{"MED_FHIR_BASE_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "the FHIR base URL clients use (its path is served); empty = "
	 "https://127.0.0.1:PORT/fhir"},
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
	/* the ward console under /console (ward/console.c). */
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
	{"MED_NEWS2_MAX_AGE_MIN", MED_CONFIG_INT, "720", false, 1, 10080,
	 "$news2 scores a reading no older than this (minutes); an older one "
	 "is stale and leaves the score incomplete (default: 12 hours, "
	 "NEWS2 chart 2's least frequent observations)"},
	/* fhiredge: the HTTPS edge (server.c) and SMART (smart.c). */
	{"MED_FHIR_TLS_PRIORITY", MED_CONFIG_STRING,
	 "NONE:+VERS-TLS1.3:+VERS-TLS1.2:+ECDHE-ECDSA:+ECDHE-RSA:"
	 "+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:+AEAD:+SIGN-ALL:"
	 "+GROUP-ALL:+COMP-NULL:+CTYPE-X509:%SERVER_PRECEDENCE",
	 false, 0, 0,
	 "GnuTLS priority string of the FHIR port (default: TLS 1.2 and 1.3, "
	 "ECDHE, AEAD ciphers only)"},
	{"MED_FHIR_CLIENT_CA", MED_CONFIG_STRING, "", false, 0, 0,
	 "PEM CA of system clients' certificates: asked for, not required; "
	 "empty = none asked"},
	{"MED_FHIR_THREADS", MED_CONFIG_INT, "8", false, 1, 256,
	 "threads serving the FHIR port (each runs one request at a time)"},
	{"MED_FHIR_MAX_CONNS", MED_CONFIG_INT, "1024", false, 1, 65536,
	 "open connections the FHIR port takes in all"},
	{"MED_FHIR_MAX_CONNS_PER_CLIENT", MED_CONFIG_INT, "32", false, 1, 65536,
	 "open connections one client IP address may hold"},
	{"MED_FHIR_HEADER_TIMEOUT_MS", MED_CONFIG_INT, "10000", false, 100,
	 600000,
	 "a request head (and the TLS handshake before it) must be complete "
	 "this long after the accept, however slowly it trickles in"},
	{"MED_FHIR_ANSWER_TIMEOUT_MS", MED_CONFIG_INT, "600000", false, 1000,
	 3600000,
	 "a request's body is received, the request answered and its answer "
	 "sent within this after its head (a research export is one answer)"},
	{"MED_FHIR_IDLE_TIMEOUT_S", MED_CONFIG_INT, "30", false, 1, 3600,
	 "a connection silent this long is closed"},
	{"MED_FHIR_MAX_INFLIGHT_PER_USER", MED_CONFIG_INT, "6", false, 0, 256,
	 "requests one user may have in flight at once (from the request "
	 "head to its answer); the next is 429 with Retry-After; 0 = no cap"},
	{"MED_FHIR_EDGE_AUDIT_WINDOW_S", MED_CONFIG_INT, "60", false, 1, 3600,
	 "the edge's refusals (400 framing or target, 429) are audited once "
	 "per client address, reason and user in this window, with a count"},
	{"MED_FHIR_LIVENESS_PROBE_MS", MED_CONFIG_INT, "5000", false, 0, 600000,
	 "/healthz probes the FHIR port this often and fails after 3 misses "
	 "in a row; 0 = no probe"},
	{"MED_SMART_ISSUER", MED_CONFIG_STRING, "", false, 0, 0,
	 "issuer in the SMART configuration; empty = MED_JWT_ISSUER"},
	{"MED_SMART_AUTHORIZATION_ENDPOINT", MED_CONFIG_STRING, "", false, 0, 0,
	 "the identity provider's OAuth authorization endpoint (SMART)"},
	{"MED_SMART_TOKEN_ENDPOINT", MED_CONFIG_STRING, "", false, 0, 0,
	 "the identity provider's OAuth token endpoint (SMART)"},
	{"MED_SMART_REQUIRE_SCOPES", MED_CONFIG_BOOL, "false", false, 0, 0,
	 "refuse FHIR requests whose token carries no SMART scope claim"},
};
const size_t fhir_n_config = sizeof(fhir_config) / sizeof(fhir_config[0]);
