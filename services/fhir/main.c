/*
 * main.c - the FHIR facade's wiring: settings, the user-token sources
 * (the services' own), the audit emitter, mutual-TLS channels to the
 * services, the HTTPS server and the metrics/health port; then it waits
 * for SIGTERM or SIGINT.
 */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <med/audit.h>
#include <med/config.h>
#include <med/log.h>

#include <sodium.h>

#include "deid.h"
#include "fhir_facade.h"

#define ERRLEN 512

static const med_config_spec specs[] = {
	{"MED_LISTEN_HOST", MED_CONFIG_STRING, "127.0.0.1", false, 0, 0,
	 "IPv4 address to listen on"},
	{"MED_FHIR_PORT", MED_CONFIG_PORT, "8443", false, 0, 0,
	 "HTTPS port of the FHIR API"},
	{"MED_HTTP_PORT", MED_CONFIG_PORT, "9096", false, 0, 0,
	 "plain HTTP port of /metrics, /healthz, /readyz"},
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
	{"MED_TLS_CERT", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM certificate: HTTPS and the client side of mutual TLS"},
	{"MED_TLS_KEY", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM private key of MED_TLS_CERT"},
	{"MED_TLS_CA", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM CA that signs the services' certificates"},
	{"MED_JWT_JWKS", MED_CONFIG_STRING, "", false, 0, 0,
	 "JWKS of the identity provider (bearer JWTs)"},
	{"MED_JWT_ISSUER", MED_CONFIG_STRING, "", false, 0, 0,
	 "required iss of bearer JWTs"},
	{"MED_JWT_AUDIENCE", MED_CONFIG_STRING, "", false, 0, 0,
	 "required aud of bearer JWTs"},
	{"MED_JWT_ROLES_CLAIM", MED_CONFIG_STRING, "roles", false, 0, 0,
	 "claim with the roles"},
	{"MED_JWT_UNITS_CLAIM", MED_CONFIG_STRING, "units", false, 0, 0,
	 "claim with the units (wards)"},
	{"MED_JWT_LEEWAY_S", MED_CONFIG_INT, "60", false, 0, 600,
	 "clock skew allowed on exp, nbf, iat"},
	{"MED_JWT_JWKS_RELOAD_S", MED_CONFIG_INT, "30", false, 0, 86400,
	 "look at MED_JWT_JWKS again this often (0: only on an unknown kid)"},
	{"MED_TOKENS_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "development token file"},
	{"MED_AUDIT_URL", MED_CONFIG_STRING, "tls+tcp://127.0.0.1:50060", false,
	 0, 0, "NNG address of the audit ingest"},
	{"MED_AUDIT_SERVER_NAME", MED_CONFIG_STRING, "audit", false, 0, 0,
	 "name the audit service's certificate carries"},
	{"MED_AUDIT_ALLOW_PLAINTEXT", MED_CONFIG_BOOL, "false", false, 0, 0,
	 "development only: allow tcp:// for MED_AUDIT_URL"},
	{"MED_AUDIT_SPOOL_DIR", MED_CONFIG_STRING, "/var/spool/smartmed/fhir",
	 false, 0, 0, "durable audit spool"},
	{"MED_AUDIT_GRPC_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "the audit service's gRPC address (research projects for "
	 "$research-export); empty = not served"},
	{"MED_RESEARCH_KEY_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "file of 64 hex digits: the master key of research pseudonyms; "
	 "empty = $research-export not served"},
	{"MED_RESEARCH_DATE_SHIFT_DAYS", MED_CONFIG_INT, "180", false, 1, 3650,
	 "largest date shift (days) of a research export"},
	{"MED_LOG_LEVEL", MED_CONFIG_STRING, "info", false, 0, 0,
	 "debug, info, warn, error"},
};

/* app - everything main owns, closed in reverse order. */
typedef struct app {
	med_config *cfg;
	med_tls tls;
	fhir_facade f;
	med_http *http;
	fhir_server *server;
} app;

static const char *
opt(const med_config *c, const char *key)
{
	const char *v = med_config_str(c, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* open_auth builds the user-token sources exactly as the services do
 * (JWT first, then the development file); no certificate source: HTTP
 * clients are users, never services. */
static med_err
open_auth(app *a)
{
	med_authenticator parts[2] = {{0}};
	char errbuf[ERRLEN] = "";
	med_jwt_opts jo = {
		.jwks_path = opt(a->cfg, "MED_JWT_JWKS"),
		.issuer = med_config_str(a->cfg, "MED_JWT_ISSUER"),
		.audience = med_config_str(a->cfg, "MED_JWT_AUDIENCE"),
		.roles_claim = med_config_str(a->cfg, "MED_JWT_ROLES_CLAIM"),
		.units_claim = med_config_str(a->cfg, "MED_JWT_UNITS_CLAIM"),
		.leeway_s = (int)med_config_int(a->cfg, "MED_JWT_LEEWAY_S"),
		.reload_s =
			(int)med_config_int(a->cfg, "MED_JWT_JWKS_RELOAD_S"),
	};
	const char *tokens = opt(a->cfg, "MED_TOKENS_FILE");
	med_err err = MED_OK;

	if (jo.jwks_path != NULL)
		err = med_auth_jwt_open(&jo, &parts[0], errbuf, sizeof(errbuf));
	if (err == MED_OK && tokens != NULL)
		err = med_auth_token_file_open(tokens, &parts[1], errbuf,
					       sizeof(errbuf));
	if (err == MED_OK && jo.jwks_path == NULL && tokens == NULL) {
		snprintf(errbuf, sizeof(errbuf),
			 "set MED_JWT_JWKS (production) or MED_TOKENS_FILE "
			 "(development)");
		err = MED_ERR_INVALID;
	}
	if (err != MED_OK) {
		med_log_error("auth: %s", errbuf);
		med_authenticator_free(&parts[0]);
		med_authenticator_free(&parts[1]);
		return err;
	}
	return med_auth_chain(parts, 2, &a->f.auth);
}

static med_err
open_audit(app *a)
{
	char errbuf[ERRLEN] = "";
	med_audit_opts o = {
		.service = "fhir",
		.spool_dir = med_config_str(a->cfg, "MED_AUDIT_SPOOL_DIR"),
		.url = med_config_str(a->cfg, "MED_AUDIT_URL"),
		.tls = &a->tls,
		.server_name = opt(a->cfg, "MED_AUDIT_SERVER_NAME"),
		.allow_plaintext =
			med_config_bool(a->cfg, "MED_AUDIT_ALLOW_PLAINTEXT"),
	};
	med_err err = med_audit_open(&o, &a->f.audit, errbuf, sizeof(errbuf));

	if (err != MED_OK)
		med_log_error("audit emitter: %s", errbuf);
	return err;
}

/* open_channel opens mutual TLS to a service, checking that its
 * certificate carries the name MED_<SERVICE>_SERVER_NAME gives (by
 * default the service's short name). */
static med_err
open_channel(app *a, const char *url, const char *service, med_channel **out)
{
	char key[64], *k;
	const char *name;
	med_channel_opts o = {.tls = &a->tls};
	med_err err;

	snprintf(key, sizeof(key), "MED_%s_SERVER_NAME", service);
	for (k = key; *k != '\0'; k++)
		*k = (char)toupper((unsigned char)*k);
	name = opt(a->cfg, key);
	o.server_name = name != NULL ? name : service;
	err = med_channel_open_opts(url, &o, out);

	if (err != MED_OK)
		med_log_error("%s at %s: %s", service, url, med_strerror(err));
	return err;
}

static med_err
open_channels(app *a)
{
	med_err err =
		open_channel(a, med_config_str(a->cfg, "MED_IDENTITY_URL"),
			     "identity", &a->f.identity);

	for (size_t i = 0; err == MED_OK && i < fhir_n_sources(); i++) {
		fhir_source *src = &fhir_sources()[i];
		const char *url = opt(a->cfg, src->url_key);

		/* identity's export goes over the channel GetPatient uses. */
		if (strcmp(src->url_key, "MED_IDENTITY_URL") == 0)
			src->ch = a->f.identity;
		else if (url != NULL)
			err = open_channel(a, url, src->service, &src->ch);
	}
	if (err == MED_OK && opt(a->cfg, "MED_AUDIT_GRPC_URL") != NULL)
		err = open_channel(a, opt(a->cfg, "MED_AUDIT_GRPC_URL"),
				   "audit", &a->f.audit_rpc);
	return err;
}

/* open_research loads the research master key when one is configured;
 * without it $research-export answers 501 naming the setting. */
static med_err
open_research(app *a)
{
	const char *path = opt(a->cfg, "MED_RESEARCH_KEY_FILE");
	char errbuf[ERRLEN] = "";
	med_err err;

	a->f.research_shift_days =
		(int)med_config_int(a->cfg, "MED_RESEARCH_DATE_SHIFT_DAYS");
	if (path == NULL)
		return MED_OK;
	err = deid_master_key_load(path, a->f.research_key, errbuf,
				   sizeof(errbuf));
	if (err != MED_OK) {
		med_log_error("MED_RESEARCH_KEY_FILE: %s", errbuf);
		return err;
	}
	a->f.research_key_loaded = true;
	return MED_OK;
}

static bool
always_ready(void *ctx)
{
	(void)ctx;
	return true;
}

/* set_base fixes the base URL and the path below which the API lives. */
static med_err
set_base(app *a, int port)
{
	const char *url = opt(a->cfg, "MED_FHIR_BASE_URL");
	const char *scheme_end;
	size_t n;

	if (url == NULL)
		snprintf(a->f.base_url, sizeof(a->f.base_url),
			 "https://localhost:%d/fhir", port);
	else
		snprintf(a->f.base_url, sizeof(a->f.base_url), "%s", url);
	n = strlen(a->f.base_url);
	while (n > 0 && a->f.base_url[n - 1] == '/')
		a->f.base_url[--n] = '\0';
	scheme_end = strstr(a->f.base_url, "://");
	if (strncmp(a->f.base_url, "https://", 8) != 0 || scheme_end == NULL) {
		med_log_error(
			"MED_FHIR_BASE_URL: want https://HOST[:PORT]/PATH");
		return MED_ERR_INVALID;
	}
	a->f.base_path = strchr(scheme_end + 3, '/');
	if (a->f.base_path == NULL)
		a->f.base_path = "";
	return MED_OK;
}

static med_err
start(app *a)
{
	char errbuf[ERRLEN] = "";
	int port = 0, http_port = 0;
	med_err err = med_tls_load(
		&a->tls, med_config_str(a->cfg, "MED_TLS_CERT"),
		med_config_str(a->cfg, "MED_TLS_KEY"),
		med_config_str(a->cfg, "MED_TLS_CA"), errbuf, sizeof(errbuf));

	if (err != MED_OK) {
		med_log_error("MED_TLS_*: %s", errbuf);
		return err;
	}
	a->f.mrn_system = med_config_str(a->cfg, "MED_FHIR_MRN_SYSTEM");
	a->f.metrics = med_metrics_new();
	if (a->f.metrics == NULL)
		return MED_ERR_NOMEM;
	if ((err = open_auth(a)) != MED_OK || (err = open_audit(a)) != MED_OK ||
	    (err = open_channels(a)) != MED_OK ||
	    (err = open_research(a)) != MED_OK)
		return err;
	err = med_http_start(med_config_str(a->cfg, "MED_LISTEN_HOST"),
			     (int)med_config_int(a->cfg, "MED_HTTP_PORT"),
			     a->f.metrics, always_ready, NULL, NULL, &a->http,
			     &http_port);
	if (err != MED_OK) {
		med_log_error("MED_HTTP_PORT: cannot listen");
		return err;
	}
	err = fhir_server_start(&a->f,
				med_config_str(a->cfg, "MED_LISTEN_HOST"),
				(int)med_config_int(a->cfg, "MED_FHIR_PORT"),
				&a->tls, &a->server, &port);
	if (err != MED_OK) {
		med_log_error("MED_FHIR_PORT: cannot serve HTTPS");
		return err;
	}
	if ((err = set_base(a, port)) != MED_OK)
		return err;
	snprintf(a->f.research_age_group_url,
		 sizeof(a->f.research_age_group_url),
		 "%s/StructureDefinition/research-age-group", a->f.base_url);
	med_log_info("FHIR R4 on https port %d (base %s), metrics and health "
		     "on http port %d",
		     port, a->f.base_url, http_port);
	return MED_OK;
}

static void
stop(app *a)
{
	fhir_server_stop(a->server);
	med_http_stop(a->http);
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (fhir_sources()[i].ch != a->f.identity)
			med_channel_close(fhir_sources()[i].ch);
	med_channel_close(a->f.identity);
	med_channel_close(a->f.audit_rpc);
	sodium_memzero(a->f.research_key, sizeof(a->f.research_key));
	med_audit_close(a->f.audit);
	med_authenticator_free(&a->f.auth);
	med_metrics_free(a->f.metrics);
	med_tls_fini(&a->tls);
	med_config_free(a->cfg);
}

int
main(int argc, char **argv)
{
	static app a;
	char errbuf[4096] = "";
	sigset_t set;
	int sig = 0, level;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		med_config_print_help(specs, sizeof(specs) / sizeof(*specs));
		return 0;
	}
	if (med_config_load(specs, sizeof(specs) / sizeof(*specs), &a.cfg,
			    errbuf, sizeof(errbuf)) != MED_OK) {
		fprintf(stderr, "smartmed-fhir: bad settings:\n%s\n", errbuf);
		return 2;
	}
	level = med_log_level_parse(med_config_str(a.cfg, "MED_LOG_LEVEL"));
	med_log_init("fhir", level < 0 ? MED_LOG_INFO : level);
	/* Every thread inherits this mask, so only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (start(&a) != MED_OK) {
		stop(&a);
		return 1;
	}
	while (sigwait(&set, &sig) != 0)
		;
	med_log_info("signal %d: stopping", sig);
	stop(&a);
	return 0;
}
