/*
 * facade.c - opens and closes what the FHIR facade adds to the process
 * part of libmed (med/service.h): mutual-TLS channels to the services, the
 * research key, the HTTPS server and its base URL.  The process part has
 * opened the settings, TLS files, user tokens, audit emitter and metrics.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <med/log.h>

#include <sodium.h>

#include "deid.h"
#include "edge.h"
#include "facade.h"

#define ERRLEN 512

static const char *
opt(const med_config *c, const char *key)
{
	const char *v = med_config_str(c, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* open_channel opens mutual TLS to a service, checking that its
 * certificate carries the name MED_<SERVICE>_SERVER_NAME gives (by
 * default the service's short name). */
static med_err
open_channel(med_process *p, const char *url, const char *service,
	     med_channel **out)
{
	char key[64], *k;
	const char *name;
	med_channel_opts o = {.tls = med_process_tls(p)};
	med_err err;

	snprintf(key, sizeof(key), "MED_%s_SERVER_NAME", service);
	for (k = key; *k != '\0'; k++)
		*k = (char)toupper((unsigned char)*k);
	name = opt(med_process_config(p), key);
	o.server_name = name != NULL ? name : service;
	err = med_channel_open_opts(url, &o, out);

	if (err != MED_OK)
		med_log_error("%s at %s: %s", service, url, med_strerror(err));
	return err;
}

/* count_pages makes src's counter of export calls: what paging
 * costs, page by page (tests/fhir/test_fhir_paging.py reads it). */
static void
count_pages(fhir_source *src, med_metrics *m)
{
	char labels[64];

	/* records serves two sources: its export and the note reader's
	 * suggestions, counted apart. */
	snprintf(labels, sizeof(labels), "source=\"%s%s\"", src->service,
		 src->unconfirmed ? "-suggestions" : "");
	src->pages_read = med_metrics_counter(
		m, "smartmed_fhir_export_pages_total",
		"ExportFhir pages the facade asked of each service", labels);
}

static med_err
open_channels(fhir_facade *f, med_process *p)
{
	const med_config *c = med_process_config(p);
	med_err err = open_channel(p, med_config_str(c, "MED_IDENTITY_URL"),
				   "identity", &f->identity);

	for (size_t i = 0; err == MED_OK && i < fhir_n_sources(); i++) {
		fhir_source *src = &fhir_sources()[i];
		const char *url = opt(c, src->url_key);

		/* identity's export goes over the channel GetPatient uses. */
		if (strcmp(src->url_key, "MED_IDENTITY_URL") == 0)
			src->ch = f->identity;
		else if (url != NULL)
			err = open_channel(p, url, src->service, &src->ch);
		count_pages(src, med_process_metrics(p));
	}
	if (err == MED_OK && opt(c, "MED_AUDIT_GRPC_URL") != NULL)
		err = open_channel(p, opt(c, "MED_AUDIT_GRPC_URL"), "audit",
				   &f->audit_rpc);
	return err;
}

/* open_research loads the research master key when one is configured;
 * without it $research-export answers 501 naming the setting. */
static med_err
open_research(fhir_facade *f, const med_config *c)
{
	const char *path = opt(c, "MED_RESEARCH_KEY_FILE");
	char errbuf[ERRLEN] = "";
	med_err err;

	f->research_shift_days =
		(int)med_config_int(c, "MED_RESEARCH_DATE_SHIFT_DAYS");
	if (path == NULL)
		return MED_OK;
	err = deid_master_key_load(path, f->research_key, errbuf,
				   sizeof(errbuf));
	if (err != MED_OK) {
		med_log_error("MED_RESEARCH_KEY_FILE: %s", errbuf);
		return err;
	}
	f->research_key_loaded = true;
	return MED_OK;
}

/* set_base fixes the base URL and the path below which the API lives. */
static med_err
set_base(fhir_facade *f, const med_config *c, int port)
{
	const char *url = opt(c, "MED_FHIR_BASE_URL");
	const char *scheme_end;
	size_t n;

	if (url == NULL)
		snprintf(f->base_url, sizeof(f->base_url),
			 "https://127.0.0.1:%d/fhir", port);
	else
		snprintf(f->base_url, sizeof(f->base_url), "%s", url);
	n = strlen(f->base_url);
	while (n > 0 && f->base_url[n - 1] == '/')
		f->base_url[--n] = '\0';
	scheme_end = strstr(f->base_url, "://");
	if (strncmp(f->base_url, "https://", 8) != 0 || scheme_end == NULL) {
		med_log_error(
			"MED_FHIR_BASE_URL: want https://HOST[:PORT]/PATH");
		return MED_ERR_INVALID;
	}
	f->base_path = strchr(scheme_end + 3, '/');
	if (f->base_path == NULL)
		f->base_path = "";
	snprintf(f->research_age_group_url, sizeof(f->research_age_group_url),
		 "%s/StructureDefinition/research-age-group", f->base_url);
	return MED_OK;
}

med_err
fhir_facade_start(med_process *p)
{
	fhir_facade *f = med_process_ctx(p);
	const med_config *c = med_process_config(p);
	int port = 0;
	med_err err;

	f->mrn_system = med_config_str(c, "MED_FHIR_MRN_SYSTEM");
	f->auth = med_process_auth(p);
	f->audit = med_process_audit(p);
	f->metrics = med_process_metrics(p);
	/* console (issue 37): the ward console's folder and sign-in. */
	f->console_dir = med_config_str(c, "MED_CONSOLE_DIR");
	f->console_issuer = med_config_str(c, "MED_CONSOLE_ISSUER");
	f->console_client_id = med_config_str(c, "MED_CONSOLE_CLIENT_ID");
	f->console_time_zone = med_config_str(c, "MED_WARD_TIME_ZONE");
	f->news2_max_age_ms =
		med_config_int(c, "MED_NEWS2_MAX_AGE_MIN") * 60 * (int64_t)1000;
	/* fhiredge: the edge's limits and SMART before the server starts. */
	if ((err = fhir_edge_configure(f, p)) != MED_OK)
		return err;
	if ((err = open_channels(f, p)) != MED_OK ||
	    (err = open_research(f, c)) != MED_OK)
		return err;
	err = fhir_server_start(f, med_config_str(c, "MED_LISTEN_HOST"),
				(int)med_config_int(c, "MED_FHIR_PORT"),
				med_process_tls(p), &f->server, &port);
	if (err != MED_OK) {
		med_log_error("MED_FHIR_PORT: cannot serve HTTPS");
		return err;
	}
	if ((err = set_base(f, c, port)) != MED_OK)
		return err;
	/* fhiredge: the self-probe behind /healthz needs the base path. */
	if ((err = fhir_server_probe_start(f->server,
					   med_config_str(c, "MED_LISTEN_HOST"),
					   port)) != MED_OK)
		return err;
	med_log_info("FHIR R4 on https port %d (base %s)", port, f->base_url);
	return MED_OK;
}

void
fhir_facade_stop(med_process *p)
{
	fhir_facade *f = med_process_ctx(p);

	fhir_server_stop(f->server);
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (fhir_sources()[i].ch != f->identity)
			med_channel_close(fhir_sources()[i].ch);
	med_channel_close(f->identity);
	med_channel_close(f->audit_rpc);
	sodium_memzero(f->research_key, sizeof(f->research_key));
}
