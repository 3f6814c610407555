/*
 * smart.c - SMART App Launch 2.0 on the facade (issue 35): the discovery
 * document at [base]/.well-known/smart-configuration, and the check of a
 * request against the resource scopes of its token (patient/, user/ and
 * system/ with v2's "cruds" letters, read from the JWT's scope claim by
 * libmed, med/auth.h).
 *
 * Scopes narrow, never widen: a request must be allowed by the caller's
 * roles, by the care relationship (both judged by the services on the
 * forwarded token) and by a scope.  A token without a scope claim (the
 * development tokens, our own services' tokens, an identity provider that
 * issues none) is judged by roles and care alone, as before SMART, unless
 * MED_SMART_REQUIRE_SCOPES is on (docs/security.md).
 */
#include <stdio.h>
#include <string.h>

#include "call.h"

/* The SMART capabilities the facade and its identity provider offer. */
static const char *const capabilities[] = {
	"launch-ehr",
	"launch-standalone",
	"client-public",
	"client-confidential-symmetric",
	"client-confidential-asymmetric",
	"context-ehr-patient",
	"context-standalone-patient",
	"permission-patient",
	"permission-user",
	"permission-v1",
	"permission-v2",
	"sso-openid-connect",
};

static const char *const contexts[] = {"patient", "user", "system"};

static void
write_str_array(med_json *w, const char *key, const char *const *v, size_t n)
{
	med_json_begin(w, key, '[');
	for (size_t i = 0; i < n; i++)
		med_json_str(w, NULL, v[i]);
	med_json_end(w, ']');
}

/* write_type_scopes lists CONTEXT/TYPE.rs for a type the facade serves. */
static void
write_type_scopes(med_json *w, const char *type)
{
	char scope[96];

	for (size_t c = 0; c < 3; c++) {
		snprintf(scope, sizeof(scope), "%s/%s.rs", contexts[c], type);
		med_json_str(w, NULL, scope);
	}
}

static void
write_scopes(med_json *w)
{
	static const char *const launch[] = {
		"openid",	  "fhirUser",	    "profile",	     "launch",
		"launch/patient", "offline_access", "online_access",
	};

	med_json_begin(w, "scopes_supported", '[');
	for (size_t i = 0; i < sizeof(launch) / sizeof(*launch); i++)
		med_json_str(w, NULL, launch[i]);
	write_type_scopes(w, "*");
	write_type_scopes(w, "Patient");
	for (size_t i = 0; i < fhir_n_types; i++)
		if (fhir_type_is_served(fhir_types[i].type))
			write_type_scopes(w, fhir_types[i].type);
	med_json_end(w, ']');
}

void
fhir_smart_configuration_write(med_json *w, const fhir_facade *f)
{
	static const char *const grants[] = {"authorization_code",
					     "client_credentials"};
	static const char *const auth_methods[] = {
		"private_key_jwt", "client_secret_basic", "none"};
	const fhir_smart *s = &f->smart;

	med_json_begin(w, NULL, '{');
	if (s->issuer != NULL)
		med_json_str(w, "issuer", s->issuer);
	if (s->authorization_endpoint != NULL)
		med_json_str(w, "authorization_endpoint",
			     s->authorization_endpoint);
	if (s->token_endpoint != NULL)
		med_json_str(w, "token_endpoint", s->token_endpoint);
	write_str_array(w, "grant_types_supported", grants, 2);
	write_str_array(w, "token_endpoint_auth_methods_supported",
			auth_methods, 3);
	write_scopes(w);
	write_str_array(w, "response_types_supported",
			(const char *const[]){"code"}, 1);
	write_str_array(w, "capabilities", capabilities,
			sizeof(capabilities) / sizeof(*capabilities));
	write_str_array(w, "code_challenge_methods_supported",
			(const char *const[]){"S256"}, 1);
	med_json_end(w, '}');
}

/* --- scopes -------------------------------------------------------------- */

/* scope_check - what a scope must reach: the request, its caller and its
 * query, and whether system/ scopes need a client certificate. */
typedef struct scope_check {
	const fhir_request *req;
	const med_principal *who;
	const fhir_query *q;
	bool system_needs_cert;
} scope_check;

/* scope_reaches is true when sc grants perms on type for q's patient. */
static bool
scope_reaches(const med_scope *sc, const scope_check *k, const char *type,
	      uint32_t perms)
{
	const med_principal *who = k->who;
	const fhir_query *q = k->q;

	if ((sc->perms & perms) != perms)
		return false;
	if (strcmp(sc->type, "*") != 0 && strcmp(sc->type, type) != 0)
		return false;
	/* A patient/ scope reaches the launch context's patient only; a
	 * request that names no patient is not that patient's. */
	if (sc->context == MED_SCOPE_PATIENT)
		return who->launch_patient[0] != '\0' &&
		       q->patient_id != NULL &&
		       strcmp(who->launch_patient, q->patient_id) == 0;
	/* A backend service's access, sender-constrained by its
	 * certificate when the deployment has a CA for them. */
	if (sc->context == MED_SCOPE_SYSTEM && k->system_needs_cert)
		return k->req != NULL && k->req->client_cert_cn != NULL;
	return true;
}

/* perms_text writes perms as SMART v2 letters ("rs") into buf[6]. */
static const char *
perms_text(uint32_t perms, char *buf)
{
	size_t n = 0;

	for (int i = 0; i < 5; i++)
		if (perms & (1u << i))
			buf[n++] = "cruds"[i];
	buf[n] = '\0';
	return buf;
}

/* reaches_any: a scope of k's caller grants perms on type. */
static bool
reaches_any(const scope_check *k, const char *type, uint32_t perms)
{
	for (size_t i = 0; i < k->who->n_scopes; i++)
		if (scope_reaches(&k->who->scopes[i], k, type, perms))
			return true;
	return false;
}

/* need refuses k's query unless a scope of its caller grants perms on
 * type. */
static med_err
need(const scope_check *k, const char *type, uint32_t perms, fhir_error *e)
{
	const med_principal *who = k->who;
	char letters[6];

	if (reaches_any(k, type, perms))
		return MED_OK;
	return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
			 "scope: the token grants no %s/%s.%s (or user/ or "
			 "system/) scope for this request",
			 who->launch_patient[0] ? "patient" : "user", type,
			 perms_text(perms, letters));
}

/*
 * need_read: a read by id.  Patient names its patient in the path; any
 * other type's patient is known only once the resource is read, so a
 * patient/ scope for the type lets the read go on with the launch patient
 * as the one the resource must belong to (read.c checks it after the
 * read and refuses otherwise: fails closed).  user/ and system/ scopes
 * need nothing more.
 */
static med_err
need_read(const scope_check *k, fhir_error *e)
{
	const fhir_query *q = k->q;
	const fhir_query as_launch = {.patient_id = k->who->launch_patient};
	scope_check launch = *k;

	launch.q = &as_launch;
	if (q->patient_id == NULL && q->read != NULL &&
	    k->who->launch_patient[0] != '\0' &&
	    !reaches_any(k, q->type, MED_SCOPE_READ) &&
	    reaches_any(&launch, q->type, MED_SCOPE_READ)) {
		q->read->scope_patient = k->who->launch_patient;
		return MED_OK;
	}
	return need(k, q->type, MED_SCOPE_READ, e);
}

/* need_everything: $everything returns every type it serves. */
static med_err
need_everything(const scope_check *k, fhir_error *e)
{
	const uint32_t rs = MED_SCOPE_READ | MED_SCOPE_SEARCH;
	med_err err = need(k, "Patient", rs, e);

	for (size_t i = 0; err == MED_OK && i < fhir_n_types; i++)
		if (fhir_type_is_served(fhir_types[i].type))
			err = need(k, fhir_types[i].type, rs, e);
	return err;
}

med_err
fhir_smart_check_op(const fhir_facade *f, const fhir_request *req,
		    const med_principal *who, const char *type, uint32_t perms,
		    const char *patient_id, fhir_error *e)
{
	const fhir_query q = {.patient_id = patient_id};
	scope_check k = {req, who, &q, f->edge.client_ca_path != NULL};

	if (!who->has_scope_claim && !f->smart.require_scopes)
		return MED_OK;
	if (!who->has_scope_claim)
		return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
				 "scope: the token carries no scope claim "
				 "(MED_SMART_REQUIRE_SCOPES)");
	return need(&k, type, perms, e);
}

med_err
fhir_smart_check(const fhir_facade *f, const fhir_request *req,
		 const med_principal *who, const fhir_query *q, fhir_error *e)
{
	const uint32_t rs = MED_SCOPE_READ | MED_SCOPE_SEARCH;
	/* Research exports are no one patient's: no patient/ scope
	 * reaches them. */
	const fhir_query no_patient = {.what = q->what};
	scope_check k = {req, who, q, f->edge.client_ca_path != NULL};

	if (!who->has_scope_claim && !f->smart.require_scopes)
		return MED_OK;
	if (!who->has_scope_claim)
		return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
				 "scope: the token carries no scope claim "
				 "(MED_SMART_REQUIRE_SCOPES)");
	switch (q->what) {
	case FHIR_CAPABILITIES:
		return MED_OK;
	case FHIR_READ:
	case FHIR_VREAD:
	case FHIR_HISTORY:
		return need_read(&k, e);
	case FHIR_SEARCH:
		return need(&k, q->type, MED_SCOPE_SEARCH, e);
	case FHIR_EVERYTHING:
		return need_everything(&k, e);
	case FHIR_RESEARCH_EXPORT:
		k.q = &no_patient;
		return need(&k, "*", rs, e);
	default:
		/* An interaction added later refuses scoped tokens until it
		 * says here what it needs. */
		return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
				 "scope: this interaction is not open to "
				 "scoped tokens yet");
	}
}

bool
fhir_smart_is_discovery(const fhir_facade *f, const char *path)
{
	size_t n = strlen(f->base_path);

	return strncmp(path, f->base_path, n) == 0 &&
	       strcmp(path + n, "/.well-known/smart-configuration") == 0;
}

static void
write_uri_extension(med_json *w, const char *name, const char *uri)
{
	if (uri == NULL)
		return;
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", name);
	med_json_str(w, "valueUri", uri);
	med_json_end(w, '}');
}

void
fhir_smart_security_write(med_json *w, const fhir_facade *f)
{
	const fhir_smart *s = &f->smart;

	if (s->authorization_endpoint == NULL && s->token_endpoint == NULL)
		return;
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url",
		     "http://fhir-registry.smarthealthit.org/"
		     "StructureDefinition/oauth-uris");
	med_json_begin(w, "extension", '[');
	write_uri_extension(w, "authorize", s->authorization_endpoint);
	write_uri_extension(w, "token", s->token_endpoint);
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}
