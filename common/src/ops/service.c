/*
 * service.c - the common main() of smartmed services: configuration, the
 * database and its migrations, the gRPC server, metrics and health over
 * HTTP, the audit emitter, readiness kept in step with the database, and a
 * graceful drain on SIGTERM or SIGINT.
 */
#include <med/audit.h>
#include <med/care.h>
#include <med/infer.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>
#include <med/witness.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SVC_MAX_SPECS	   96
#define SVC_ERRLEN	   4096
#define SVC_READY_POLL_MS  1000
#define SVC_PRUNE_EVERY_MS 60000

struct med_service {
	const med_service_def *def;
	med_config *cfg;
	med_db *db;
	med_audit *audit;
	med_audit_relay *relay; /* outbox rows to the spool */
	med_witness *witness;	/* checks the audit log's heads */
	med_metrics *metrics;
	med_http *http;
	med_server *server;
	med_tls tls;
	med_break_glass *break_glass;
	void *data;
	atomic_bool ready;
	bool migrated;
	int64_t request_log_pruned_ms;
	pthread_t readiness_thread;
	bool readiness_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	med_gauge *ready_gauge;
};

/* Defaults that depend on the service, formatted once at start. */
typedef struct svc_defaults {
	char grpc_port[8];
	char http_port[8];
	char health_port[16];
	char db_name[80];
	char spool_dir[160];
} svc_defaults;

static const med_config_spec common_specs[] = {
	{"MED_LISTEN_HOST", MED_CONFIG_STRING, "127.0.0.1", false, 0, 0,
	 "address the gRPC and HTTP servers bind (0.0.0.0 in a pod)"},
	{"MED_GRPC_PORT", MED_CONFIG_PORT, NULL, false, 0, 0,
	 "gRPC port (0 picks a free one)"},
	{"MED_HTTP_PORT", MED_CONFIG_PORT, NULL, false, 0, 0,
	 "HTTP port of /metrics, /healthz and /readyz"},
	{"MED_DB_HOST", MED_CONFIG_STRING, "127.0.0.1", false, 0, 0,
	 "MariaDB host"},
	{"MED_DB_PORT", MED_CONFIG_PORT, "3306", false, 0, 0, "MariaDB port"},
	{"MED_DB_SOCKET", MED_CONFIG_STRING, "", false, 0, 0,
	 "MariaDB unix socket; used instead of host and port when set"},
	{"MED_DB_USER", MED_CONFIG_STRING, "root", false, 0, 0, "MariaDB user"},
	{"MED_DB_PASSWORD", MED_CONFIG_STRING, "", false, 0, 0,
	 "MariaDB password (prefer MED_DB_PASSWORD_FILE)"},
	{"MED_DB_PASSWORD_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "file holding the MariaDB password (a mounted secret)"},
	{"MED_DB_NAME", MED_CONFIG_STRING, NULL, false, 0, 0,
	 "the service's own database"},
	{"MED_DB_POOL", MED_CONFIG_INT, "4", false, 1, 256,
	 "database connections kept by the pool"},
	{"MED_DB_TLS_CA", MED_CONFIG_STRING, "", false, 0, 0,
	 "CA file that signs MariaDB's certificate: over TCP the connection "
	 "is TLS only, the certificate and host name verified; required "
	 "unless MED_DB_SOCKET or MED_DB_ALLOW_PLAINTEXT"},
	{"MED_DB_TLS_CERT", MED_CONFIG_STRING, "", false, 0, 0,
	 "client certificate for MariaDB (optional, with MED_DB_TLS_KEY)"},
	{"MED_DB_TLS_KEY", MED_CONFIG_STRING, "", false, 0, 0,
	 "key of MED_DB_TLS_CERT"},
	{"MED_DB_ALLOW_PLAINTEXT", MED_CONFIG_BOOL, "false", false, 0, 0,
	 "development only: reach MariaDB over TCP without TLS"},
	{"MED_HEALTH_PORT", MED_CONFIG_PORT, NULL, false, 0, 0,
	 "plaintext port serving only grpc.health.v1.Health (kubelet probes)"},
	{"MED_TLS_CERT", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM certificate chain of this service (server and client)"},
	{"MED_TLS_KEY", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM private key of MED_TLS_CERT"},
	{"MED_TLS_CA", MED_CONFIG_PATH, NULL, true, 0, 0,
	 "PEM CA certificates that client and server certificates must chain "
	 "to"},
	{"MED_TLS_SERVICE_PEERS", MED_CONFIG_STRING, "", false, 0, 0,
	 "comma-separated certificate common names given the service role "
	 "when they call without a token"},
	{"MED_JWT_JWKS", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "JWKS file of the identity provider's token keys (RS256, ES256)"},
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
	 "changed (0: only when a token names an unknown kid)"},
	{"MED_TOKENS_FILE", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "development only: bearer tokens, lines of TOKEN USER ROLE[,ROLE]"},
	{"MED_BREAK_GLASS_PUBLIC_KEY", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "Ed25519 public key (PEM) that verifies break-glass grants"},
	{"MED_BREAK_GLASS_KEY", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "Ed25519 private key (PEM): this service issues break-glass grants"},
	{"MED_BREAK_GLASS_MAX_MINUTES", MED_CONFIG_INT, "240", false, 1, 480,
	 "longest break-glass grant"},
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
	{"MED_AUDIT_WITNESS_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "gRPC address of the audit service whose signed heads this service "
	 "witnesses (mutual TLS); empty: no witness"},
	{"MED_AUDIT_WITNESS_SERVER_NAME", MED_CONFIG_STRING, "audit", false, 0,
	 0, "name the audit service's certificate must carry"},
	{"MED_AUDIT_WITNESS_KEY", MED_CONFIG_STRING, "", false, 0, 0,
	 "hex Ed25519 public key that must sign audit heads (pinned); empty: "
	 "the key of the first head this service kept"},
	{"MED_AUDIT_WITNESS_INTERVAL_MS", MED_CONFIG_INT, "60000", false, 100,
	 86400000, "how often the audit log's latest head is checked"},
	{"MED_LOG_LEVEL", MED_CONFIG_STRING, "info", false, 0, 0,
	 "debug, info, warn or error"},
	{"MED_THREADS", MED_CONFIG_INT, "2", false, 1, 64,
	 "gRPC completion-queue threads"},
	{"MED_MAX_MESSAGE_BYTES", MED_CONFIG_INT, "4194304", false, 1024,
	 67108864, "largest request or reply accepted"},
	{"MED_GRPC_MAX_CONNECTION_AGE_MS", MED_CONFIG_INT, "0", false, 0,
	 86400000,
	 "close client connections after this long so they rebalance over "
	 "new pods (0 = never)"},
	{"MED_GRPC_HANDSHAKE_TIMEOUT_MS", MED_CONFIG_INT, "10000", false, 100,
	 120000,
	 "close a gRPC connection whose TLS handshake is not done after this "
	 "long"},
	{"MED_GRPC_MAX_CONNS_PER_CLIENT", MED_CONFIG_INT, "64", false, 1, 4096,
	 "open gRPC connections one client address may hold on the gRPC and "
	 "health ports together"},
	{"MED_HTTP_HEADER_TIMEOUT_MS", MED_CONFIG_INT, "5000", false, 100,
	 60000,
	 "close an HTTP connection whose request head is not complete after "
	 "this long"},
	{"MED_HTTP_MAX_CONNS_PER_CLIENT", MED_CONFIG_INT, "8", false, 1, 256,
	 "open HTTP connections one client address may hold"},
	{"MED_DRAIN_MS", MED_CONFIG_INT, "5000", false, 0, 600000,
	 "grace for calls in flight on SIGTERM"},
};

#define N_COMMON (sizeof(common_specs) / sizeof(common_specs[0]))

/* build_specs joins the common settings (with this service's defaults) and
 * the service's own into specs; returns the count. */
static size_t
build_specs(const med_service_def *def, svc_defaults *d, med_config_spec *specs)
{
	size_t n = 0;

	snprintf(d->grpc_port, sizeof(d->grpc_port), "%d",
		 def->default_grpc_port);
	snprintf(d->http_port, sizeof(d->http_port), "%d",
		 def->default_http_port);
	/* 50051 -> 50151: the health port sits 100 above the gRPC port. */
	snprintf(d->health_port, sizeof(d->health_port), "%d",
		 def->default_grpc_port + 100);
	snprintf(d->db_name, sizeof(d->db_name), "smartmed_%s", def->name);
	snprintf(d->spool_dir, sizeof(d->spool_dir),
		 "/var/lib/smartmed/%s/audit-spool", def->name);
	for (size_t i = 0; i < N_COMMON; i++) {
		specs[n] = common_specs[i];
		if (strcmp(specs[n].key, "MED_GRPC_PORT") == 0)
			specs[n].def = d->grpc_port;
		else if (strcmp(specs[n].key, "MED_HTTP_PORT") == 0)
			specs[n].def = d->http_port;
		else if (strcmp(specs[n].key, "MED_HEALTH_PORT") == 0)
			specs[n].def = d->health_port;
		else if (strcmp(specs[n].key, "MED_DB_NAME") == 0)
			specs[n].def = d->db_name;
		else if (strcmp(specs[n].key, "MED_AUDIT_SPOOL_DIR") == 0)
			specs[n].def = d->spool_dir;
		n++;
	}
	for (size_t i = 0;
	     def->runs_models && i < med_infer_n_specs && n < SVC_MAX_SPECS;
	     i++)
		specs[n++] = med_infer_specs[i];
	for (size_t i = 0; i < def->n_extra_config && n < SVC_MAX_SPECS; i++)
		specs[n++] = def->extra_config[i];
	return n;
}

static void
print_usage(const med_service_def *def, const med_config_spec *specs, size_t n)
{
	printf("usage: smartmed-%s [--help]\n\n"
	       "The smartmed %s service (%s).  Configured by environment\n"
	       "variables, optionally from the KEY=VALUE file named by\n"
	       "MED_CONFIG_FILE:\n\n",
	       def->name, def->name, def->grpc_service);
	med_config_print_help(specs, n);
}

/* read_password_file returns the first line of path in buf. */
static med_err
read_password_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		med_log_error("MED_DB_PASSWORD_FILE: cannot open %s: %s", path,
			      strerror(errno));
		return MED_ERR_INVALID;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return MED_OK;
}

/* db_tls_settings fills o's TLS fields; over TCP without a CA the
 * service refuses to start unless plaintext is explicitly allowed. */
static med_err
db_tls_settings(const med_config *c, med_db_opts *o)
{
	const char *ca = med_config_str(c, "MED_DB_TLS_CA");
	const char *cert = med_config_str(c, "MED_DB_TLS_CERT");
	const char *key = med_config_str(c, "MED_DB_TLS_KEY");

	if ((cert[0] == '\0') != (key[0] == '\0')) {
		med_log_error("MED_DB_TLS_CERT and MED_DB_TLS_KEY: set both or "
			      "neither");
		return MED_ERR_INVALID;
	}
	if (o->socket == NULL && ca[0] == '\0' &&
	    !med_config_bool(c, "MED_DB_ALLOW_PLAINTEXT")) {
		med_log_error(
			"MED_DB_TLS_CA: required when MariaDB is reached "
			"over TCP (MED_DB_HOST); name the CA that signs "
			"its certificate, or use MED_DB_SOCKET for a "
			"local server (MED_DB_ALLOW_PLAINTEXT=true is for "
			"development only)");
		return MED_ERR_INVALID;
	}
	if (o->socket == NULL && ca[0] == '\0')
		med_log_warn("database: plaintext over TCP "
			     "(MED_DB_ALLOW_PLAINTEXT); never in production");
	o->tls_ca = ca;
	o->tls_cert = cert;
	o->tls_key = key;
	return MED_OK;
}

/* probe_db refuses to start when MariaDB answers but refuses the
 * settings (TLS, credentials); a server that is away is waited for. */
static med_err
probe_db(med_service *svc)
{
	char msg[512] = "";
	med_err err = med_db_probe(svc->db, msg, sizeof(msg));

	if (err == MED_ERR_PRECONDITION) {
		med_log_error("database refused the connection: %s", msg);
		return err;
	}
	if (err == MED_ERR_UNAVAILABLE)
		med_log_warn("database not reachable yet (%s): not ready until "
			     "it is",
			     msg);
	return err == MED_ERR_NOMEM ? err : MED_OK;
}

static med_err
open_db(med_service *svc)
{
	const med_config *c = svc->cfg;
	const char *pwfile = med_config_str(c, "MED_DB_PASSWORD_FILE");
	const char *sock = med_config_str(c, "MED_DB_SOCKET");
	char password[256];
	med_db_opts o = {0};
	med_err err;

	med_strlcpy(password, med_config_str(c, "MED_DB_PASSWORD"),
		    sizeof(password));
	if (pwfile[0] != '\0') {
		err = read_password_file(pwfile, password, sizeof(password));
		if (err != MED_OK)
			return err;
	}
	o.host = med_config_str(c, "MED_DB_HOST");
	o.port = (int)med_config_int(c, "MED_DB_PORT");
	o.socket = sock[0] != '\0' ? sock : NULL;
	o.user = med_config_str(c, "MED_DB_USER");
	o.password = password;
	o.database = med_config_str(c, "MED_DB_NAME");
	o.pool_size = (int)med_config_int(c, "MED_DB_POOL");
	if ((err = db_tls_settings(c, &o)) != MED_OK) {
		explicit_bzero(password, sizeof(password));
		return err;
	}
	err = med_db_open(&o, &svc->db);
	explicit_bzero(password, sizeof(password));
	if (err != MED_OK) {
		med_log_error("database pool: %s", med_strerror(err));
		return err;
	}
	return probe_db(svc);
}

static med_err
open_audit(med_service *svc)
{
	char errbuf[SVC_ERRLEN];
	med_audit_opts o = {
		.service = svc->def->name,
		.spool_dir = med_config_str(svc->cfg, "MED_AUDIT_SPOOL_DIR"),
		.url = med_config_str(svc->cfg, "MED_AUDIT_URL"),
		.tls = &svc->tls,
		.server_name =
			med_config_str(svc->cfg, "MED_AUDIT_SERVER_NAME"),
		.allow_plaintext =
			med_config_bool(svc->cfg, "MED_AUDIT_ALLOW_PLAINTEXT"),
	};
	med_err err = med_audit_open(&o, &svc->audit, errbuf, sizeof(errbuf));

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

/* cfg_set is the value of an optional setting, or NULL when unset. */
static const char *
cfg_set(const med_service *svc, const char *key)
{
	const char *v = med_config_str(svc->cfg, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static med_err
open_jwt(med_service *svc, med_authenticator *out)
{
	char errbuf[SVC_ERRLEN];
	med_jwt_opts o = {
		.jwks_path = cfg_set(svc, "MED_JWT_JWKS"),
		.issuer = med_config_str(svc->cfg, "MED_JWT_ISSUER"),
		.audience = med_config_str(svc->cfg, "MED_JWT_AUDIENCE"),
		.roles_claim = med_config_str(svc->cfg, "MED_JWT_ROLES_CLAIM"),
		.units_claim = med_config_str(svc->cfg, "MED_JWT_UNITS_CLAIM"),
		.leeway_s = (int)med_config_int(svc->cfg, "MED_JWT_LEEWAY_S"),
		.reload_s =
			(int)med_config_int(svc->cfg, "MED_JWT_JWKS_RELOAD_S"),
	};
	med_err err;

	if (o.jwks_path == NULL)
		return MED_OK;
	err = med_auth_jwt_open(&o, out, errbuf, sizeof(errbuf));
	if (err != MED_OK)
		med_log_error("MED_JWT_*: %s", errbuf);
	else
		med_log_info("auth: bearer JWTs from %s", o.issuer);
	return err;
}

static med_err
open_token_file(med_service *svc, med_authenticator *out)
{
	const char *path = cfg_set(svc, "MED_TOKENS_FILE");
	char errbuf[SVC_ERRLEN];
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

/*
 * open_auth builds the callers' identity sources, in order: a service known
 * by its certificate (no token), a JWT from the identity provider, the
 * development token file.
 */
static med_err
open_auth(med_service *svc, med_authenticator *out)
{
	med_authenticator parts[3] = {{0}};
	char errbuf[SVC_ERRLEN];
	med_err err;

	err = med_auth_peers_open(
		med_config_str(svc->cfg, "MED_TLS_SERVICE_PEERS"), &parts[0],
		errbuf, sizeof(errbuf));
	if (err != MED_OK)
		med_log_error("MED_TLS_SERVICE_PEERS: %s", errbuf);
	if (err == MED_OK)
		err = open_jwt(svc, &parts[1]);
	if (err == MED_OK)
		err = open_token_file(svc, &parts[2]);
	if (err == MED_OK && parts[1].authenticate == NULL &&
	    parts[2].authenticate == NULL) {
		med_log_error("no source of user tokens: set MED_JWT_JWKS "
			      "(production) or MED_TOKENS_FILE (development)");
		err = MED_ERR_INVALID;
	}
	if (err != MED_OK) {
		for (size_t i = 0; i < 3; i++)
			med_authenticator_free(&parts[i]);
		return err;
	}
	return med_auth_chain(parts, 3, out);
}

static med_err
open_tls(med_service *svc)
{
	char errbuf[SVC_ERRLEN];
	med_err err = med_tls_load(
		&svc->tls, med_config_str(svc->cfg, "MED_TLS_CERT"),
		med_config_str(svc->cfg, "MED_TLS_KEY"),
		med_config_str(svc->cfg, "MED_TLS_CA"), errbuf, sizeof(errbuf));

	if (err != MED_OK)
		med_log_error("MED_TLS_*: %s", errbuf);
	return err;
}

static med_err
open_break_glass(med_service *svc)
{
	char errbuf[SVC_ERRLEN];
	med_break_glass_opts o = {
		.public_key_path = cfg_set(svc, "MED_BREAK_GLASS_PUBLIC_KEY"),
		.secret_key_path = cfg_set(svc, "MED_BREAK_GLASS_KEY"),
		.max_duration_s =
			60 * (int)med_config_int(svc->cfg,
						 "MED_BREAK_GLASS_MAX_MINUTES"),
	};
	med_err err;

	if (o.public_key_path == NULL) {
		if (o.secret_key_path == NULL)
			return MED_OK;
		med_log_error("MED_BREAK_GLASS_KEY needs "
			      "MED_BREAK_GLASS_PUBLIC_KEY");
		return MED_ERR_INVALID;
	}
	err = med_break_glass_open(&o, &svc->break_glass, errbuf,
				   sizeof(errbuf));
	if (err != MED_OK)
		med_log_error("MED_BREAK_GLASS_*: %s", errbuf);
	return err;
}

static med_err
open_server(med_service *svc)
{
	char addr[300], health[300], errbuf[SVC_ERRLEN];
	const char *host = med_config_str(svc->cfg, "MED_LISTEN_HOST");
	med_server_opts o = {0};
	med_err err;

	if ((err = open_break_glass(svc)) != MED_OK ||
	    (err = open_auth(svc, &o.auth)) != MED_OK)
		return err;
	snprintf(addr, sizeof(addr), "%s:%lld", host,
		 (long long)med_config_int(svc->cfg, "MED_GRPC_PORT"));
	snprintf(health, sizeof(health), "%s:%lld", host,
		 (long long)med_config_int(svc->cfg, "MED_HEALTH_PORT"));
	o.tls = &svc->tls;
	o.health_listen_addr = health;
	o.break_glass = svc->break_glass;
	o.service_name = svc->def->name;
	o.listen_addr = addr;
	o.n_threads = (int)med_config_int(svc->cfg, "MED_THREADS");
	o.max_message_bytes =
		(size_t)med_config_int(svc->cfg, "MED_MAX_MESSAGE_BYTES");
	o.max_connection_age_ms =
		(int)med_config_int(svc->cfg, "MED_GRPC_MAX_CONNECTION_AGE_MS");
	o.handshake_timeout_ms =
		(int)med_config_int(svc->cfg, "MED_GRPC_HANDSHAKE_TIMEOUT_MS");
	o.max_conns_per_client =
		(int)med_config_int(svc->cfg, "MED_GRPC_MAX_CONNS_PER_CLIENT");
	o.audit = svc->audit;
	o.metrics = svc->metrics;
	o.service_data = svc;
	/* layers: the pool and the care hook go down to the call layer here,
	 * so that rpc/ never calls up into ops/ or contracts/. */
	o.db = svc->db;
	o.care_decide = med_care_decide;
	err = med_server_new(&o, &svc->server, errbuf, sizeof(errbuf));
	if (err != MED_OK) {
		med_log_error("gRPC server: %s", errbuf);
		return err;
	}
	err = med_server_add_methods(svc->server, svc->def->methods,
				     svc->def->n_methods);
	if (err != MED_OK)
		med_log_error("gRPC methods: %s", med_strerror(err));
	return err;
}

static bool
is_ready(void *ctx)
{
	med_service *svc = ctx;

	return atomic_load(&svc->ready);
}

/* prune_request_log forgets old client request ids, once a minute. */
static void
prune_request_log(med_service *svc)
{
	int64_t now = med_now_ms();

	if (now - svc->request_log_pruned_ms < SVC_PRUNE_EVERY_MS)
		return;
	svc->request_log_pruned_ms = now;
	if (med_request_log_prune(svc->db, MED_REQUEST_LOG_KEEP_MS) != MED_OK)
		med_log_warn("request log: old ids not pruned; next minute");
}

/*
 * database_answers reads the service's own schema.  A ping is not enough:
 * a Galera node outside the primary component still accepts connections,
 * pings and SELECT 1, but refuses every statement on a table (1047), so a
 * replica pointed at it must report not ready.
 */
static bool
database_answers(med_service *svc)
{
	bool seen = false;

	return med_db_query_once(svc->db,
				 "SELECT version FROM schema_version LIMIT 1",
				 NULL, 0, med_db_row_seen, &seen) == MED_OK;
}

/* check_readiness migrates when not yet done, then reads the database. */
static bool
check_readiness(med_service *svc)
{
	if (!svc->migrated) {
		med_err err = med_db_migrate(svc->db, svc->def->migrations,
					     svc->def->n_migrations);
		/* libmed's own tables, in every service's schema. */
		if (err == MED_OK && svc->audit != NULL)
			err = med_audit_outbox_migrate(svc->db);
		if (err == MED_OK)
			err = med_request_log_migrate(svc->db);
		if (err != MED_OK)
			return false;
		svc->migrated = true;
		med_log_info("database schema is up to date");
	}
	prune_request_log(svc);
	return database_answers(svc);
}

static void
set_ready(med_service *svc, bool ready)
{
	if (atomic_exchange(&svc->ready, ready) == ready)
		return;
	med_server_set_serving(svc->server, ready);
	if (svc->ready_gauge != NULL)
		med_gauge_set(svc->ready_gauge, ready ? 1 : 0);
	if (ready)
		med_log_info("ready: database reachable, serving");
	else
		med_log_warn("not ready: database unreachable or not migrated");
}

static void *
readiness_main(void *arg)
{
	med_service *svc = arg;
	struct timespec ts;

	pthread_mutex_lock(&svc->lock);
	while (!svc->stopping) {
		pthread_mutex_unlock(&svc->lock);
		set_ready(svc, check_readiness(svc));
		pthread_mutex_lock(&svc->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += SVC_READY_POLL_MS / 1000;
		if (!svc->stopping)
			pthread_cond_timedwait(&svc->wake, &svc->lock, &ts);
	}
	pthread_mutex_unlock(&svc->lock);
	return NULL;
}

static med_err
start_http(med_service *svc)
{
	int port = 0;
	med_http_limits limits = {
		.header_timeout_ms = (int)med_config_int(
			svc->cfg, "MED_HTTP_HEADER_TIMEOUT_MS"),
		.max_conns_per_client = (int)med_config_int(
			svc->cfg, "MED_HTTP_MAX_CONNS_PER_CLIENT"),
	};
	med_err err = med_http_start(
		med_config_str(svc->cfg, "MED_LISTEN_HOST"),
		(int)med_config_int(svc->cfg, "MED_HTTP_PORT"), svc->metrics,
		is_ready, svc, &limits, &svc->http, &port);

	if (err != MED_OK)
		med_log_error(
			"HTTP port %lld: cannot listen",
			(long long)med_config_int(svc->cfg, "MED_HTTP_PORT"));
	else
		med_log_info("metrics and health on http port %d", port);
	return err;
}

/* start_witness starts checking the audit log's heads, when configured. */
static med_err
start_witness(med_service *svc)
{
	const char *url = med_config_str(svc->cfg, "MED_AUDIT_WITNESS_URL");
	const char *name =
		med_config_str(svc->cfg, "MED_AUDIT_WITNESS_SERVER_NAME");
	const char *hex = med_config_str(svc->cfg, "MED_AUDIT_WITNESS_KEY");
	uint8_t key[32];
	med_witness_opts o = {
		.db = svc->db,
		.target = url,
		.server_name = name != NULL && name[0] ? name : NULL,
		.tls = &svc->tls,
		.interval_ms = med_config_int(svc->cfg,
					      "MED_AUDIT_WITNESS_INTERVAL_MS"),
		.metrics = svc->metrics,
	};
	size_t n = 0;

	if (url == NULL || url[0] == '\0')
		return MED_OK;
	if (hex != NULL && hex[0] != '\0') {
		if (sodium_hex2bin(key, sizeof(key), hex, strlen(hex), NULL, &n,
				   NULL) != 0 ||
		    n != sizeof(key)) {
			med_log_error(
				"MED_AUDIT_WITNESS_KEY: not 64 hex digits "
				"of an Ed25519 public key");
			return MED_ERR_INVALID;
		}
		o.pinned_key = key;
	}
	med_log_info("witnessing the audit log's heads at %s", url);
	return med_witness_start(&o, &svc->witness);
}

/* start_relay starts moving committed outbox events into the spool. */
static med_err
start_relay(med_service *svc)
{
	if (svc->audit == NULL)
		return MED_OK;
	return med_audit_relay_start(svc->db, svc->audit, &svc->relay);
}

static med_err
start_all(med_service *svc)
{
	int port = 0;
	med_err err;

	svc->metrics = med_metrics_new();
	if (svc->metrics == NULL)
		return MED_ERR_NOMEM;
	svc->ready_gauge = med_metrics_gauge(svc->metrics, "smartmed_ready",
					     "1 when the service is ready", "");
	/* TLS first: the audit emitter presents the service's certificate. */
	if ((err = open_db(svc)) != MED_OK || (err = open_tls(svc)) != MED_OK ||
	    (err = open_audit(svc)) != MED_OK ||
	    (err = start_relay(svc)) != MED_OK ||
	    (err = start_witness(svc)) != MED_OK ||
	    (err = open_server(svc)) != MED_OK)
		return err;
	if (svc->def->start != NULL && (err = svc->def->start(svc)) != MED_OK) {
		med_log_error("service start: %s", med_strerror(err));
		return err;
	}
	if ((err = med_server_start(svc->server, &port)) != MED_OK) {
		med_log_error(
			"gRPC port %lld: cannot listen (in use?)",
			(long long)med_config_int(svc->cfg, "MED_GRPC_PORT"));
		return err;
	}
	med_log_info("gRPC %s on port %d (mutual TLS), health on plaintext "
		     "port %d",
		     svc->def->grpc_service, port,
		     med_server_health_port(svc->server));
	if ((err = start_http(svc)) != MED_OK)
		return err;
	if (pthread_create(&svc->readiness_thread, NULL, readiness_main, svc) !=
	    0)
		return MED_ERR_NOMEM;
	svc->readiness_started = true;
	return MED_OK;
}

static void
stop_readiness(med_service *svc)
{
	if (!svc->readiness_started)
		return;
	pthread_mutex_lock(&svc->lock);
	svc->stopping = true;
	pthread_cond_signal(&svc->wake);
	pthread_mutex_unlock(&svc->lock);
	pthread_join(svc->readiness_thread, NULL);
	svc->readiness_started = false;
}

/* stop_all undoes start_all in reverse; safe after a partial start. */
static void
stop_all(med_service *svc)
{
	stop_readiness(svc);
	if (svc->server != NULL)
		med_server_shutdown(
			svc->server,
			(int)med_config_int(svc->cfg, "MED_DRAIN_MS"));
	if (svc->def->stop != NULL)
		svc->def->stop(svc);
	med_http_stop(svc->http);
	med_server_free(svc->server);
	med_break_glass_free(svc->break_glass);
	med_tls_fini(&svc->tls);
	med_witness_stop(svc->witness);
	med_audit_relay_stop(svc->relay);
	med_audit_close(svc->audit);
	med_db_close(svc->db);
	med_metrics_free(svc->metrics);
}

static int
wait_for_signal(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

static med_err
load_config(const med_service_def *def, int argc, char **argv, med_config **cfg)
{
	med_config_spec specs[SVC_MAX_SPECS];
	svc_defaults d;
	size_t n = build_specs(def, &d, specs);
	char errbuf[SVC_ERRLEN];
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

int
med_service_main(const med_service_def *def, int argc, char **argv)
{
	med_service svc = {.def = def};
	sigset_t set;
	med_err err;
	int level;

	err = load_config(def, argc, argv, &svc.cfg);
	if (err != MED_OK)
		return err == MED_ERR_CANCELLED ? 0 : 2;
	level = med_log_level_parse(med_config_str(svc.cfg, "MED_LOG_LEVEL"));
	med_log_init(def->name, level < 0 ? MED_LOG_INFO : level);
	/* Every thread inherits this mask, so only sigwait sees the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&svc.lock, NULL);
	pthread_cond_init(&svc.wake, NULL);
	err = start_all(&svc);
	if (err == MED_OK) {
		int sig = wait_for_signal(&set);
		med_log_info("signal %d: draining", sig);
	}
	stop_all(&svc);
	med_log_info("stopped");
	med_config_free(svc.cfg);
	pthread_cond_destroy(&svc.wake);
	pthread_mutex_destroy(&svc.lock);
	return err == MED_OK ? 0 : 1;
}

med_db *
med_service_db(med_service *svc)
{
	return svc->db;
}

struct med_audit *
med_service_audit(med_service *svc)
{
	return svc->audit;
}

med_metrics *
med_service_metrics(med_service *svc)
{
	return svc->metrics;
}

const med_config *
med_service_config(med_service *svc)
{
	return svc->cfg;
}

void
med_service_set_data(med_service *svc, void *data)
{
	svc->data = data;
}

void *
med_service_data(med_service *svc)
{
	return svc->data;
}

med_service *
med_service_from_call(med_call *call)
{
	return med_call_data(call);
}

size_t
med_call_reply_budget(med_call *call, size_t slack)
{
	size_t max = (size_t)med_config_int(
		med_service_config(med_service_from_call(call)),
		"MED_MAX_MESSAGE_BYTES");

	return max > 2 * slack ? max - slack : max / 2;
}
