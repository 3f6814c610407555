/*
 * service.c - the gRPC part of smartmed services' main(), run on the
 * process part (process.c: settings, logging, metrics, TLS, user tokens,
 * the audit emitter, health over HTTP, signals): the database and its
 * migrations, the gRPC server and its health port, break-glass keys, the
 * audit outbox relay and witness, readiness kept in step with the
 * database, and a graceful drain on SIGTERM or SIGINT.
 */
#include <med/audit.h>
#include <med/care.h>
#include <med/codec.h>
#include <med/infer.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>
#include <med/witness.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SVC_MAX_SPECS	   96
#define SVC_ERRLEN	   4096
#define SVC_READY_POLL_MS  1000
#define SVC_PRUNE_EVERY_MS 60000
/* How often a migration that keeps failing says so. */
#define SVC_SAY_UNMIGRATED_MS 10000

/* Defaults that depend on the service, formatted once at start. */
typedef struct svc_defaults {
	char grpc_port[8];
	char health_port[16];
	char db_name[80];
	char summary[160]; /* "service (smartmed.identity.v1.Identity)" */
} svc_defaults;

struct med_service {
	const med_service_def *def;
	med_process *proc;
	const med_config *cfg;		      /* the process part's */
	med_config_spec specs[SVC_MAX_SPECS]; /* the gRPC part's settings */
	svc_defaults defaults; /* what specs' defaults point at */
	med_db *db;
	med_audit *audit;	/* the process part's */
	med_audit_relay *relay; /* outbox rows to the spool */
	med_witness *witness;	/* checks the audit log's heads */
	med_metrics *metrics;	/* the process part's */
	med_server *server;
	med_break_glass *break_glass;
	void *data;
	_Atomic bool migrated; /* med_service_migrated */
	int64_t request_log_pruned_ms;
	int64_t unmigrated_said_ms; /* when say_unmigrated last spoke */
	pthread_t readiness_thread;
	bool readiness_started;
	bool waiting_on_own; /* not ready only because def->ready said so */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	med_gauge *ready_gauge;
};

/* The gRPC part's settings; the process part's come first (process.c). */
static const med_config_spec grpc_specs[] = {
	{"MED_GRPC_PORT", MED_CONFIG_PORT, NULL, false, 0, 0,
	 "gRPC port (0 picks a free one)"},
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
	{"MED_TLS_SERVICE_PEERS", MED_CONFIG_STRING, "", false, 0, 0,
	 "comma-separated certificate common names given the service role "
	 "when they call without a token"},
	{"MED_BREAK_GLASS_PUBLIC_KEY", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "Ed25519 public key (PEM) that verifies break-glass grants"},
	{"MED_BREAK_GLASS_KEY", MED_CONFIG_PATH, NULL, false, 0, 0,
	 "Ed25519 private key (PEM): this service issues break-glass grants"},
	{"MED_BREAK_GLASS_MAX_MINUTES", MED_CONFIG_INT, "240", false, 1, 480,
	 "longest break-glass grant"},
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
	{"MED_GRPC_QUEUE_MAX", MED_CONFIG_INT, "1024", false, 1, 1000000,
	 "calls that may wait for a handler thread at once; a further one is "
	 "refused RESOURCE_EXHAUSTED with a retry hint"},
	{"MED_GRPC_QUEUE_WAIT_MAX_MS", MED_CONFIG_INT, "5000", false, 0, 600000,
	 "a call that waited longer for a handler thread is refused "
	 "RESOURCE_EXHAUSTED with a retry hint instead of begun (0 = no "
	 "limit)"},
	{"MED_DRAIN_MS", MED_CONFIG_INT, "5000", false, 0, 600000,
	 "grace for calls in flight on SIGTERM"},
};

#define N_GRPC (sizeof(grpc_specs) / sizeof(grpc_specs[0]))

/* build_specs joins the gRPC part's settings (with this service's
 * defaults), the inference settings when it runs models, and the
 * service's own into svc->specs; returns the count. */
static size_t
build_specs(med_service *svc)
{
	const med_service_def *def = svc->def;
	svc_defaults *d = &svc->defaults;
	med_config_spec *specs = svc->specs;
	size_t n = 0;

	snprintf(d->grpc_port, sizeof(d->grpc_port), "%d",
		 def->default_grpc_port);
	/* 50051 -> 50151: the health port sits 100 above the gRPC port. */
	snprintf(d->health_port, sizeof(d->health_port), "%d",
		 def->default_grpc_port + 100);
	snprintf(d->db_name, sizeof(d->db_name), "smartmed_%s", def->name);
	snprintf(d->summary, sizeof(d->summary), "service (%s)",
		 def->grpc_service);
	for (size_t i = 0; i < N_GRPC; i++) {
		specs[n] = grpc_specs[i];
		if (strcmp(specs[n].key, "MED_GRPC_PORT") == 0)
			specs[n].def = d->grpc_port;
		else if (strcmp(specs[n].key, "MED_HEALTH_PORT") == 0)
			specs[n].def = d->health_port;
		else if (strcmp(specs[n].key, "MED_DB_NAME") == 0)
			specs[n].def = d->db_name;
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

/* cfg_set is the value of an optional setting, or NULL when unset. */
static const char *
cfg_set(const med_service *svc, const char *key)
{
	const char *v = med_config_str(svc->cfg, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* borrowed_auth hands the server the process part's user sources without
 * their free: the process part frees them after the server is gone. */
static med_authenticator
borrowed_auth(const med_authenticator *a)
{
	return (med_authenticator){.authenticate = a->authenticate,
				   .self = a->self};
}

/*
 * open_auth builds the callers' identity sources, in order: a service known
 * by its certificate (no token), then the process part's user sources (a
 * JWT from the identity provider, the development token file).
 */
static med_err
open_auth(med_service *svc, med_authenticator *out)
{
	med_authenticator parts[2] = {{0}};
	char errbuf[SVC_ERRLEN];
	med_err err;

	err = med_auth_peers_open(
		med_config_str(svc->cfg, "MED_TLS_SERVICE_PEERS"), &parts[0],
		errbuf, sizeof(errbuf));
	if (err != MED_OK) {
		med_log_error("MED_TLS_SERVICE_PEERS: %s", errbuf);
		return err;
	}
	parts[1] = borrowed_auth(med_process_auth(svc->proc));
	return med_auth_chain(parts, 2, out);
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
	o.tls = med_process_tls(svc->proc);
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
	o.queue_max = (int)med_config_int(svc->cfg, "MED_GRPC_QUEUE_MAX");
	o.queue_wait_max_ms =
		(int)med_config_int(svc->cfg, "MED_GRPC_QUEUE_WAIT_MAX_MS");
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

bool
med_service_migrated(med_service *svc)
{
	return svc != NULL && svc->migrated;
}

/*
 * say_unmigrated: the schema could not be brought up to date this time;
 * the readiness loop tries again each second.  Some of the causes (a
 * deadlock or a lock wait on a Galera node, a timeout) are logged by the
 * pool at debug level only, so the service says here, every
 * SVC_SAY_UNMIGRATED_MS, why it is not ready.
 */
static void
say_unmigrated(med_service *svc, med_err err)
{
	if (!med_log_due(&svc->unmigrated_said_ms, med_now_ms(),
			 SVC_SAY_UNMIGRATED_MS))
		return;
	med_log_warn("not ready: the database schema is not up to date yet "
		     "(%s); trying again",
		     med_strerror(err));
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
		if (err != MED_OK) {
			say_unmigrated(svc, err);
			return false;
		}
		svc->migrated = true;
		med_log_info("database schema is up to date");
	}
	prune_request_log(svc);
	if (!database_answers(svc))
		return false;
	if (svc->def->ready != NULL && !svc->def->ready(svc)) {
		svc->waiting_on_own = true;
		return false;
	}
	svc->waiting_on_own = false;
	return true;
}

static void
set_ready(med_service *svc, bool ready)
{
	if (!med_process_set_ready(svc->proc, ready))
		return;
	med_server_set_serving(svc->server, ready);
	if (svc->ready_gauge != NULL)
		med_gauge_set(svc->ready_gauge, ready ? 1 : 0);
	if (ready)
		med_log_info("ready: database reachable, serving");
	else if (svc->waiting_on_own)
		med_log_info("not ready: %s is still starting a part of its "
			     "own (its log says which)",
			     svc->def->name);
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
		.tls = med_process_tls(svc->proc),
		.interval_ms = med_config_int(svc->cfg,
					      "MED_AUDIT_WITNESS_INTERVAL_MS"),
		.metrics = svc->metrics,
	};
	size_t n = 0;

	if (url == NULL || url[0] == '\0')
		return MED_OK;
	if (hex != NULL && hex[0] != '\0') {
		if (med_hex_decode(hex, strlen(hex), key, sizeof(key), &n) !=
			    MED_OK ||
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

/* start_grpc is the process part's start: the database first, then what
 * reads it, then the gRPC server; not ready until the readiness thread
 * finds the database migrated and answering. */
static med_err
start_grpc(med_process *p)
{
	med_service *svc = med_process_ctx(p);
	int port = 0;
	med_err err;

	svc->proc = p;
	svc->cfg = med_process_config(p);
	svc->audit = med_process_audit(p);
	svc->metrics = med_process_metrics(p);
	med_process_set_ready(p, false);
	svc->ready_gauge = med_metrics_gauge(svc->metrics, "smartmed_ready",
					     "1 when the service is ready", "");
	if ((err = open_db(svc)) != MED_OK ||
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

/* stop_grpc undoes start_grpc in reverse; safe after a partial start. */
static void
stop_grpc(med_process *p)
{
	med_service *svc = med_process_ctx(p);

	stop_readiness(svc);
	if (svc->server != NULL)
		med_server_shutdown(
			svc->server,
			(int)med_config_int(svc->cfg, "MED_DRAIN_MS"));
	if (svc->def->stop != NULL)
		svc->def->stop(svc);
	med_server_free(svc->server);
	med_break_glass_free(svc->break_glass);
	med_witness_stop(svc->witness);
	med_audit_relay_stop(svc->relay);
	med_db_close(svc->db);
}

/* print_roles prints a method's roles as med_service_main says. */
static void
print_roles(const med_method *m)
{
	char names[256];
	uint32_t roles = m->roles;

	if (roles & MED_ROLES_PUBLIC) {
		puts("public");
		return;
	}
	if (m->only_service != NULL)
		roles &= ~(uint32_t)MED_ROLE_SERVICE;
	med_role_names(roles, names, sizeof(names));
	if (m->only_service != NULL && (m->roles & MED_ROLE_SERVICE))
		printf("%s%sservice:%s\n", names, names[0] ? "," : "",
		       m->only_service);
	else
		printf("%s\n", names);
}

/* print_methods prints the method table for --roles. */
static void
print_methods(const med_service_def *def)
{
	for (size_t i = 0; i < def->n_methods; i++) {
		const char *slash = strrchr(def->methods[i].path, '/');

		printf("%s\t", slash ? slash + 1 : def->methods[i].path);
		print_roles(&def->methods[i]);
	}
}

int
med_service_main(const med_service_def *def, int argc, char **argv)
{
	med_service svc = {.def = def};
	med_process_def pd = {
		.name = def->name,
		.summary = svc.defaults.summary,
		.default_http_port = def->default_http_port,
		.config = svc.specs,
		.start = start_grpc,
		.stop = stop_grpc,
		.ctx = &svc,
	};
	int rc;

	if (argc == 2 && strcmp(argv[1], "--roles") == 0) {
		print_methods(def);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	pd.n_config = build_specs(&svc);
	pthread_mutex_init(&svc.lock, NULL);
	pthread_cond_init(&svc.wake, NULL);
	rc = med_process_main(&pd, argc, argv);
	pthread_cond_destroy(&svc.wake);
	pthread_mutex_destroy(&svc.lock);
	return rc;
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
med_service_set_lookup(med_service *svc, const char *prefix,
		       med_http_lookup_fn lookup, void *ctx)
{
	med_process_set_lookup(svc->proc, prefix, lookup, ctx);
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
