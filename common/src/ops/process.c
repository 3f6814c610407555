/*
 * process.c - the process part of every smartmed main(): the process
 * settings, logging, the metrics registry, the TLS files, the users'
 * identity sources, the audit emitter, /metrics /healthz /readyz over
 * HTTP, and the wait for SIGTERM or SIGINT.  service.c (the gRPC part) and
 * the FHIR facade run on it.
 */
#include <med/audit.h>
#include <med/http.h>
#include <med/log.h>
#include <med/service.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define PROC_MAX_SPECS 128
#define PROC_ERRLEN    4096

struct med_process {
	const med_process_def *def;
	med_config *cfg;
	med_tls tls;
	med_metrics *metrics;
	med_authenticator auth;
	med_audit *audit;
	med_http *http;
	/* med_process_set_lookup's, handed to the HTTP port at its start. */
	const char *lookup_prefix;
	med_http_lookup_fn lookup;
	void *lookup_ctx;
	atomic_bool ready;
	atomic_bool ready_set; /* med_process_set_ready was called */
	atomic_bool not_live;  /* med_process_set_live(p, false) */
};

/* Defaults that depend on the process, formatted once at start. */
typedef struct proc_defaults {
	char http_port[8];
	char spool_dir[160];
} proc_defaults;

static const med_config_spec process_specs[] = {
	{"MED_LISTEN_HOST", MED_CONFIG_STRING, "127.0.0.1", false, 0, 0,
	 "address the process's servers bind (0.0.0.0 in a pod)"},
	{"MED_HTTP_PORT", MED_CONFIG_PORT, NULL, false, 0, 0,
	 "HTTP port of /metrics, /healthz and /readyz"},
	{"MED_HTTP_HEADER_TIMEOUT_MS", MED_CONFIG_INT, "5000", false, 100,
	 60000,
	 "close an HTTP connection whose request head is not complete after "
	 "this long"},
	{"MED_HTTP_MAX_CONNS_PER_CLIENT", MED_CONFIG_INT, "8", false, 1, 256,
	 "open HTTP connections one client address may hold"},
	{"MED_TLS_CERT", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM certificate chain of this process (server and client)"},
	{"MED_TLS_KEY", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM private key of MED_TLS_CERT"},
	{"MED_TLS_CA", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM CA certificates that client and server certificates must chain "
	 "to"},
	{"MED_JWT_JWKS", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "JWKS file of the identity provider's token keys (RS256, ES256)"},
	{"MED_JWT_JWKS_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "instead of MED_JWT_JWKS: the identity provider's JWKS URL (https, "
	 "or http on a trusted network), fetched at start, again when its "
	 "Cache-Control max-age runs out and when a token names an unknown "
	 "kid; a failed fetch keeps the last good keys"},
	{"MED_JWT_ISSUER", MED_CONFIG_STRING, "", false, 0, 0,
	 "required iss of bearer JWTs (with MED_JWT_JWKS)"},
	{"MED_JWT_AUDIENCE", MED_CONFIG_STRING, "", false, 0, 0,
	 "required aud of bearer JWTs (with MED_JWT_JWKS)"},
	{"MED_JWT_ROLES_CLAIM", MED_CONFIG_STRING, "roles", false, 0, 0,
	 "top-level JWT claim holding the role names"},
	{"MED_JWT_UNITS_CLAIM", MED_CONFIG_STRING, "units", false, 0, 0,
	 "top-level JWT claim holding the user's units (wards)"},
	{"MED_JWT_LEEWAY_S", MED_CONFIG_INT, "60", false, 0, 600,
	 "clock skew allowed on exp, nbf and iat"},
	{"MED_JWT_JWKS_RELOAD_S", MED_CONFIG_INT, "30", false, 0, 86400,
	 "look at MED_JWT_JWKS again this often and use its new keys when it "
	 "changed (0: only when a token names an unknown kid); a "
	 "MED_JWT_JWKS_URL without a max-age is fetched this often"},
	{"MED_TOKENS_FILE", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "development only: bearer tokens, lines of TOKEN USER ROLE[,ROLE]"},
	{"MED_AUDIT_URL", MED_CONFIG_STRING, "tls+tcp://127.0.0.1:50060", false,
	 0, 0,
	 "NNG address of the audit ingest, mutual TLS with MED_TLS_*; empty "
	 "keeps events spooled"},
	{"MED_AUDIT_SERVER_NAME", MED_CONFIG_STRING, "audit", false, 0, 0,
	 "name the audit service's certificate must carry (CN or DNS SAN); "
	 "empty = the host of MED_AUDIT_URL"},
	{"MED_AUDIT_ALLOW_PLAINTEXT", MED_CONFIG_BOOL, "false", false, 0, 0,
	 "development only: allow tcp:// for MED_AUDIT_URL and "
	 "MED_AUDIT_LISTEN (audit events then cross the network in clear)"},
	{"MED_AUDIT_SPOOL_DIR", MED_CONFIG_STRING, NULL, false, 0, 0,
	 "directory of the durable audit spool"},
	{"MED_LOG_LEVEL", MED_CONFIG_STRING, "info", false, 0, 0,
	 "debug, info, warn or error"},
};

#define N_PROCESS (sizeof(process_specs) / sizeof(process_specs[0]))

/* build_specs joins the process settings (with this process's defaults)
 * and its own into specs; returns the count. */
static size_t
build_specs(const med_process_def *def, proc_defaults *d,
	    med_config_spec *specs)
{
	size_t n = 0;

	snprintf(d->http_port, sizeof(d->http_port), "%d",
		 def->default_http_port);
	snprintf(d->spool_dir, sizeof(d->spool_dir),
		 "/var/lib/smartmed/%s/audit-spool", def->name);
	for (size_t i = 0; i < N_PROCESS; i++) {
		specs[n] = process_specs[i];
		if (strcmp(specs[n].key, "MED_HTTP_PORT") == 0)
			specs[n].def = d->http_port;
		else if (strcmp(specs[n].key, "MED_AUDIT_SPOOL_DIR") == 0)
			specs[n].def = d->spool_dir;
		n++;
	}
	for (size_t i = 0; i < def->n_config && n < PROC_MAX_SPECS; i++)
		specs[n++] = def->config[i];
	return n;
}

static void
print_usage(const med_process_def *def, const med_config_spec *specs, size_t n)
{
	printf("usage: smartmed-%s [--help]\n\n"
	       "The smartmed %s %s.  Configured by environment\n"
	       "variables, optionally from the KEY=VALUE file named by\n"
	       "MED_CONFIG_FILE:\n\n",
	       def->name, def->name, def->summary);
	med_config_print_help(specs, n);
}

/* load_config reads the settings, or prints --help (MED_ERR_CANCELLED). */
static med_err
load_config(const med_process_def *def, int argc, char **argv, med_config **cfg)
{
	med_config_spec specs[PROC_MAX_SPECS];
	proc_defaults d;
	size_t n = build_specs(def, &d, specs);
	char errbuf[PROC_ERRLEN];
	med_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			print_usage(def, specs, n);
			return MED_ERR_CANCELLED;
		}
		fprintf(stderr,
			"smartmed-%s: unknown argument %s (try --help)\n",
			def->name, argv[i]);
		return MED_ERR_INVALID;
	}
	err = med_config_load(specs, n, cfg, errbuf, sizeof(errbuf));
	if (err != MED_OK)
		fprintf(stderr, "smartmed-%s: invalid configuration:\n%s\n",
			def->name, errbuf);
	return err;
}

/* cfg_set is the value of an optional setting, or NULL when unset. */
static const char *
cfg_set(const med_process *p, const char *key)
{
	const char *v = med_config_str(p->cfg, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static med_err
open_tls(med_process *p)
{
	char errbuf[PROC_ERRLEN];
	med_err err = med_tls_load(
		&p->tls, med_config_str(p->cfg, "MED_TLS_CERT"),
		med_config_str(p->cfg, "MED_TLS_KEY"),
		med_config_str(p->cfg, "MED_TLS_CA"), errbuf, sizeof(errbuf));

	if (err != MED_OK)
		med_log_error("MED_TLS_*: %s", errbuf);
	return err;
}

static med_err
open_jwt(med_process *p, med_authenticator *out)
{
	char errbuf[PROC_ERRLEN];
	med_jwt_opts o = {
		.jwks_path = cfg_set(p, "MED_JWT_JWKS"),
		.jwks_url = cfg_set(p, "MED_JWT_JWKS_URL"),
		.issuer = med_config_str(p->cfg, "MED_JWT_ISSUER"),
		.audience = med_config_str(p->cfg, "MED_JWT_AUDIENCE"),
		.roles_claim = med_config_str(p->cfg, "MED_JWT_ROLES_CLAIM"),
		.units_claim = med_config_str(p->cfg, "MED_JWT_UNITS_CLAIM"),
		.leeway_s = (int)med_config_int(p->cfg, "MED_JWT_LEEWAY_S"),
		.reload_s =
			(int)med_config_int(p->cfg, "MED_JWT_JWKS_RELOAD_S"),
	};
	med_err err;

	if (o.jwks_path == NULL && o.jwks_url == NULL)
		return MED_OK;
	err = med_auth_jwt_open(&o, out, errbuf, sizeof(errbuf));
	if (err != MED_OK)
		med_log_error("MED_JWT_*: %s", errbuf);
	else
		med_log_info("auth: bearer JWTs from %s", o.issuer);
	return err;
}

static med_err
open_token_file(med_process *p, med_authenticator *out)
{
	const char *path = cfg_set(p, "MED_TOKENS_FILE");
	char errbuf[PROC_ERRLEN];
	med_err err;

	if (path == NULL)
		return MED_OK;
	err = med_auth_token_file_open(path, out, errbuf, sizeof(errbuf));
	if (err != MED_OK)
		med_log_error("MED_TOKENS_FILE: %s", errbuf);
	else
		med_log_warn("auth: development token file %s in use", path);
	return err;
}

/* open_auth builds the users' identity sources, in order: a JWT from the
 * identity provider, the development token file; one is required. */
static med_err
open_auth(med_process *p)
{
	med_authenticator parts[2] = {{0}};
	med_err err = open_jwt(p, &parts[0]);

	if (err == MED_OK)
		err = open_token_file(p, &parts[1]);
	if (err == MED_OK && parts[0].authenticate == NULL &&
	    parts[1].authenticate == NULL) {
		med_log_error(
			"no source of user tokens: set MED_JWT_JWKS or "
			"MED_JWT_JWKS_URL (production) or MED_TOKENS_FILE "
			"(development)");
		err = MED_ERR_INVALID;
	}
	if (err != MED_OK) {
		med_authenticator_free(&parts[0]);
		med_authenticator_free(&parts[1]);
		return err;
	}
	return med_auth_chain(parts, 2, &p->auth);
}

static med_err
open_audit(med_process *p)
{
	char errbuf[PROC_ERRLEN];
	med_audit_opts o = {
		.service = p->def->name,
		.spool_dir = med_config_str(p->cfg, "MED_AUDIT_SPOOL_DIR"),
		.url = med_config_str(p->cfg, "MED_AUDIT_URL"),
		.tls = &p->tls,
		.server_name = med_config_str(p->cfg, "MED_AUDIT_SERVER_NAME"),
		.allow_plaintext =
			med_config_bool(p->cfg, "MED_AUDIT_ALLOW_PLAINTEXT"),
	};
	med_err err = med_audit_open(&o, &p->audit, errbuf, sizeof(errbuf));

	if (err != MED_OK)
		med_log_error("audit emitter (MED_AUDIT_URL %s, "
			      "MED_AUDIT_SPOOL_DIR %s): %s",
			      o.url, o.spool_dir, errbuf);
	else if (strncmp(o.url, "tcp://", 6) == 0)
		med_log_warn("MED_AUDIT_ALLOW_PLAINTEXT: audit events go to %s "
			     "in PLAINTEXT; development only",
			     o.url);
	return err;
}

static bool
is_ready(void *ctx)
{
	med_process *p = ctx;

	return atomic_load(&p->ready);
}

static bool
is_live(void *ctx)
{
	med_process *p = ctx;

	return !atomic_load(&p->not_live);
}

static med_err
start_http(med_process *p)
{
	int port = 0;
	med_http_limits limits = {
		.header_timeout_ms = (int)med_config_int(
			p->cfg, "MED_HTTP_HEADER_TIMEOUT_MS"),
		.max_conns_per_client = (int)med_config_int(
			p->cfg, "MED_HTTP_MAX_CONNS_PER_CLIENT"),
	};
	med_err err = med_http_start(
		med_config_str(p->cfg, "MED_LISTEN_HOST"),
		(int)med_config_int(p->cfg, "MED_HTTP_PORT"), p->metrics,
		is_ready, p, &limits, &p->http, &port);

	if (err != MED_OK)
		med_log_error(
			"HTTP port %lld: cannot listen",
			(long long)med_config_int(p->cfg, "MED_HTTP_PORT"));
	else
		med_log_info("metrics and health on http port %d", port);
	med_http_set_live(p->http, is_live, p);
	med_http_set_lookup(p->http, p->lookup_prefix, p->lookup,
			    p->lookup_ctx);
	return err;
}

void
med_process_set_lookup(med_process *p, const char *prefix,
		       med_http_lookup_fn lookup, void *ctx)
{
	p->lookup_prefix = prefix;
	p->lookup = lookup;
	p->lookup_ctx = ctx;
}

/* start_all opens the process part, then the process's own parts; TLS
 * first: the audit emitter presents the process's certificate. */
static med_err
start_all(med_process *p)
{
	med_err err;

	p->metrics = med_metrics_new();
	if (p->metrics == NULL)
		return MED_ERR_NOMEM;
	if ((err = open_tls(p)) != MED_OK || (err = open_auth(p)) != MED_OK ||
	    (err = open_audit(p)) != MED_OK)
		return err;
	if (p->def->start != NULL && (err = p->def->start(p)) != MED_OK)
		return err;
	if (!atomic_load(&p->ready_set))
		med_process_set_ready(p, true);
	return start_http(p);
}

/* stop_all undoes start_all in reverse; safe after a partial start. */
static void
stop_all(med_process *p)
{
	if (p->def->stop != NULL)
		p->def->stop(p);
	/* After the drain: /metrics and /healthz answer while it lasts. */
	med_http_stop(p->http);
	med_audit_close(p->audit);
	med_authenticator_free(&p->auth);
	med_tls_fini(&p->tls);
	med_metrics_free(p->metrics);
}

/* block_signals makes SIGTERM and SIGINT wait for sigwait: every thread
 * started later inherits the mask. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
wait_for_signal(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

int
med_process_main(const med_process_def *def, int argc, char **argv)
{
	med_process p = {.def = def};
	sigset_t set;
	med_err err;
	int level;

	err = load_config(def, argc, argv, &p.cfg);
	if (err != MED_OK)
		return err == MED_ERR_CANCELLED ? 0 : 2;
	level = med_log_level_parse(med_config_str(p.cfg, "MED_LOG_LEVEL"));
	med_log_init(def->name, level < 0 ? MED_LOG_INFO : level);
	block_signals(&set);
	err = start_all(&p);
	if (err == MED_OK) {
		int sig = wait_for_signal(&set);
		med_log_info("signal %d: draining", sig);
	}
	stop_all(&p);
	med_log_info("stopped");
	med_config_free(p.cfg);
	return err == MED_OK ? 0 : 1;
}

const med_config *
med_process_config(med_process *p)
{
	return p->cfg;
}

med_metrics *
med_process_metrics(med_process *p)
{
	return p->metrics;
}

struct med_audit *
med_process_audit(med_process *p)
{
	return p->audit;
}

const med_tls *
med_process_tls(med_process *p)
{
	return &p->tls;
}

const med_authenticator *
med_process_auth(med_process *p)
{
	return &p->auth;
}

void *
med_process_ctx(med_process *p)
{
	return p->def->ctx;
}

bool
med_process_set_ready(med_process *p, bool ready)
{
	atomic_store(&p->ready_set, true);
	return atomic_exchange(&p->ready, ready) != ready;
}

void
med_process_set_live(med_process *p, bool live)
{
	atomic_store(&p->not_live, !live);
}
