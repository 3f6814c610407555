/*
 * edge.c - the HTTPS edge's settings (MED_FHIR_*, MED_SMART_*), read and
 * checked at start (fhir_edge_configure); server.c applies them.
 */
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include <med/log.h>

#include "edge.h"

static const char *
opt(const med_config *c, const char *key)
{
	const char *v = med_config_str(c, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* priority_ok asks GnuTLS whether it understands the priority string. */
static bool
priority_ok(const char *priority)
{
	gnutls_priority_t p;
	const char *at = NULL;

	if (gnutls_priority_init(&p, priority, &at) < 0) {
		med_log_error("MED_FHIR_TLS_PRIORITY: GnuTLS refuses it at "
			      "'%.40s'",
			      at != NULL ? at : priority);
		return false;
	}
	gnutls_priority_deinit(p);
	return true;
}

/* https_or_unset: an advertised endpoint must be an https URL. */
static bool
https_or_unset(const char *key, const char *v)
{
	if (v == NULL || strncmp(v, "https://", 8) == 0)
		return true;
	med_log_error("%s: want an https:// URL", key);
	return false;
}

static med_err
smart_configure(fhir_facade *f, const med_config *c)
{
	fhir_smart *s = &f->smart;

	s->issuer = opt(c, "MED_SMART_ISSUER");
	if (s->issuer == NULL)
		s->issuer = opt(c, "MED_JWT_ISSUER");
	s->authorization_endpoint = opt(c, "MED_SMART_AUTHORIZATION_ENDPOINT");
	s->token_endpoint = opt(c, "MED_SMART_TOKEN_ENDPOINT");
	s->require_scopes = med_config_bool(c, "MED_SMART_REQUIRE_SCOPES");
	if (!https_or_unset("MED_SMART_AUTHORIZATION_ENDPOINT",
			    s->authorization_endpoint) ||
	    !https_or_unset("MED_SMART_TOKEN_ENDPOINT", s->token_endpoint))
		return MED_ERR_INVALID;
	return MED_OK;
}

med_err
fhir_edge_configure(fhir_facade *f, med_process *p)
{
	const med_config *c = med_process_config(p);
	fhir_edge *l = &f->edge;

	f->process = p;
	l->tls_priority = med_config_str(c, "MED_FHIR_TLS_PRIORITY");
	l->client_ca_path = opt(c, "MED_FHIR_CLIENT_CA");
	l->threads = (int)med_config_int(c, "MED_FHIR_THREADS");
	l->max_conns = (int)med_config_int(c, "MED_FHIR_MAX_CONNS");
	l->max_conns_per_client =
		(int)med_config_int(c, "MED_FHIR_MAX_CONNS_PER_CLIENT");
	l->header_timeout_ms =
		(int)med_config_int(c, "MED_FHIR_HEADER_TIMEOUT_MS");
	l->answer_timeout_ms =
		(int)med_config_int(c, "MED_FHIR_ANSWER_TIMEOUT_MS");
	l->idle_timeout_s = (int)med_config_int(c, "MED_FHIR_IDLE_TIMEOUT_S");
	l->liveness_probe_ms =
		(int)med_config_int(c, "MED_FHIR_LIVENESS_PROBE_MS");
	l->max_inflight_per_user =
		(int)med_config_int(c, "MED_FHIR_MAX_INFLIGHT_PER_USER");
	l->edge_audit_window_s =
		(int)med_config_int(c, "MED_FHIR_EDGE_AUDIT_WINDOW_S");
	if (!priority_ok(l->tls_priority))
		return MED_ERR_INVALID;
	return smart_configure(f, c);
}
