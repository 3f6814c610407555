/*
 * server.c - HTTPS through libmicrohttpd (GnuTLS), the only file that
 * includes it: one thread per connection, because every request blocks on
 * gRPC calls to the services, with a cap on connections so a flood cannot
 * exhaust the process.
 *
 * The certificate is handed to GnuTLS by a callback on every handshake, so
 * that a renewed certificate (cert-manager rewrites the mounted Secret) is
 * served on new connections without a restart: the callback looks at the
 * files at most once a second and takes new ones only when they pass
 * med_tls_check.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "fhir_facade.h"

#define CONNECTIONS_MAX	     256
#define CONNECTION_TIMEOUT_S 30
#define REQUEST_ID_MAX	     64

#define CERT_CHAIN_MAX	    8
#define CERT_CHECK_EVERY_NS 1000000000LL

/*
 * cert_gen - one certificate chain and key in GnuTLS's form.  GnuTLS
 * neither copies nor frees what the certificate callback returns, and a
 * session may still refer to it after its handshake, so every generation
 * is kept until the server stops (one per renewal: a few a year).
 */
typedef struct cert_gen {
	gnutls_pcert_st pcerts[CERT_CHAIN_MAX];
	unsigned int n_pcerts;
	gnutls_privkey_t key;
	struct cert_gen *prev;
} cert_gen;

struct fhir_server {
	struct MHD_Daemon *daemon;
	fhir_facade *facade;
	pthread_mutex_t cert_lock; /* guards what follows */
	med_tls tls;		   /* the PEMs of cur, and their files */
	cert_gen *cur;
	med_file_stamp stamps[3];
	int64_t next_check_ns;
	med_counter *reload_ok, *reload_failed;
};

/* The one server: GnuTLS's certificate callback takes no context. */
static fhir_server server = {.cert_lock = PTHREAD_MUTEX_INITIALIZER};

static void
cert_gen_free(cert_gen *g)
{
	if (g == NULL)
		return;
	for (unsigned int i = 0; i < g->n_pcerts; i++)
		gnutls_pcert_deinit(&g->pcerts[i]);
	gnutls_privkey_deinit(g->key);
	free(g);
}

/* cert_gen_new converts t's certificate chain and key for GnuTLS. */
static med_err
cert_gen_new(const med_tls *t, cert_gen **out)
{
	gnutls_datum_t c = {(unsigned char *)t->cert_pem,
			    (unsigned int)strlen(t->cert_pem)};
	gnutls_datum_t k = {(unsigned char *)t->key_pem,
			    (unsigned int)strlen(t->key_pem)};
	cert_gen *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return MED_ERR_NOMEM;
	g->n_pcerts = CERT_CHAIN_MAX;
	if (gnutls_pcert_list_import_x509_raw(g->pcerts, &g->n_pcerts, &c,
					      GNUTLS_X509_FMT_PEM, 0) < 0) {
		g->n_pcerts = 0;
		goto fail;
	}
	if (gnutls_privkey_init(&g->key) < 0 ||
	    gnutls_privkey_import_x509_raw(g->key, &k, GNUTLS_X509_FMT_PEM,
					   NULL, 0) < 0)
		goto fail;
	*out = g;
	return MED_OK;
fail:
	cert_gen_free(g);
	return MED_ERR_INVALID;
}

/* files_changed stats the three files; true (stamps kept) on a change. */
static bool
files_changed(fhir_server *s)
{
	const char *paths[3] = {s->tls.cert_path, s->tls.key_path,
				s->tls.ca_path};
	med_file_stamp now[3];
	bool changed = false;

	for (int i = 0; i < 3; i++) {
		med_file_stamp_read(paths[i], &now[i]);
		changed = changed ||
			  !med_file_stamp_equal(&now[i], &s->stamps[i]);
	}
	if (changed)
		memcpy(s->stamps, now, sizeof(now));
	return changed;
}

/* reload_failed logs and counts files that cannot serve. */
static void
reload_failed(fhir_server *s, const char *why)
{
	med_log_warn("tls: %s changed but cannot be used (%s); the previous "
		     "certificate keeps serving",
		     s->tls.cert_path, why);
	med_counter_add(s->reload_failed, 1);
}

/* maybe_reload re-reads changed files, at most once a second (cert_lock
 * held). */
static void
maybe_reload(fhir_server *s)
{
	int64_t now = med_mono_ns();
	char errbuf[512] = "";
	bool changed = false;
	cert_gen *g = NULL;

	if (now < s->next_check_ns)
		return;
	s->next_check_ns = now + CERT_CHECK_EVERY_NS;
	if (!files_changed(s))
		return;
	if (med_tls_reload(&s->tls, &changed, errbuf, sizeof(errbuf)) !=
	    MED_OK) {
		reload_failed(s, errbuf);
		return;
	}
	if (!changed)
		return;
	if (cert_gen_new(&s->tls, &g) != MED_OK) {
		reload_failed(s, "GnuTLS refused the certificate or key");
		return;
	}
	g->prev = s->cur;
	s->cur = g;
	med_log_info("tls: new certificate from %s in use for new "
		     "connections",
		     s->tls.cert_path);
	med_counter_add(s->reload_ok, 1);
}

/* cert_callback gives GnuTLS the current certificate for a handshake. */
static int
cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
	      int n_req, const gnutls_pk_algorithm_t *pk_algos, int n_algos,
	      gnutls_pcert_st **pcert, unsigned int *pcert_len,
	      gnutls_privkey_t *pkey)
{
	cert_gen *g;

	(void)session;
	(void)req_ca_dn;
	(void)n_req;
	(void)pk_algos;
	(void)n_algos;
	pthread_mutex_lock(&server.cert_lock);
	maybe_reload(&server);
	g = server.cur;
	pthread_mutex_unlock(&server.cert_lock);
	*pcert = g->pcerts;
	*pcert_len = g->n_pcerts;
	*pkey = g->key;
	return 0;
}

/* cert_start loads the files tls came from and the first generation. */
static med_err
cert_start(fhir_server *s, const med_tls *tls)
{
	const char *help = "re-reads of changed TLS certificate files "
			   "(failed: the old certificate kept)";
	med_metrics *m = med_metrics_lib();
	char errbuf[512] = "";
	med_err err;

	if (tls->cert_path == NULL || tls->key_path == NULL ||
	    tls->ca_path == NULL)
		return MED_ERR_INVALID;
	err = med_tls_load(&s->tls, tls->cert_path, tls->key_path, tls->ca_path,
			   errbuf, sizeof(errbuf));
	if (err == MED_OK)
		err = cert_gen_new(&s->tls, &s->cur);
	if (err != MED_OK) {
		med_log_error("MED_TLS_*: %s", errbuf[0] ? errbuf
							 : "GnuTLS refused "
							   "the certificate");
		return err;
	}
	s->next_check_ns = med_mono_ns() + CERT_CHECK_EVERY_NS;
	if (m != NULL) {
		s->reload_ok = med_metrics_counter(
			m, "smartmed_tls_reloads_total", help, "result=\"ok\"");
		s->reload_failed =
			med_metrics_counter(m, "smartmed_tls_reloads_total",
					    help, "result=\"failed\"");
	}
	return MED_OK;
}

static void
cert_stop(fhir_server *s)
{
	while (s->cur != NULL) {
		cert_gen *prev = s->cur->prev;

		cert_gen_free(s->cur);
		s->cur = prev;
	}
	med_tls_fini(&s->tls);
}

static enum MHD_Result
collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
	      const char *value)
{
	fhir_request *req = cls;

	(void)kind;
	if (req->n_params == FHIR_PARAMS_MAX) {
		req->too_many_params = true;
		return MHD_NO;
	}
	req->params[req->n_params].key = key;
	req->params[req->n_params].value = value;
	req->n_params++;
	return MHD_YES;
}

/* request_id keeps a client's X-Request-ID only when it is short and
 * printable: it goes into logs and audit events. */
static const char *
request_id(struct MHD_Connection *conn)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "X-Request-ID");

	if (id == NULL || id[0] == '\0' || strlen(id) > REQUEST_ID_MAX)
		return NULL;
	for (const char *p = id; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			return NULL;
	return id;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, const fhir_response *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r->len, (void *)r->body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(
		resp, "Content-Type",
		r->content_type != NULL
			? r->content_type
			: "application/fhir+json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->ask_for_token)
		MHD_add_response_header(resp, "WWW-Authenticate",
					"Bearer realm=\"smartmed\"");
	/* fhirread: a read's version and time (read.c). */
	if (r->etag != NULL)
		MHD_add_response_header(resp, "ETag", r->etag);
	if (r->last_modified != NULL)
		MHD_add_response_header(resp, "Last-Modified",
					r->last_modified);
	if (r->location != NULL) /* fhirwrite: a create's */
		MHD_add_response_header(resp, "Location", r->location);
	ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* --- fhirwrite: request bodies ------------------------------------------
 * A POST's body is gathered over the calls libmicrohttpd makes while it
 * uploads, up to FHIR_REQUEST_BODY_MAX (past it: 413, the rest is read and
 * dropped), and handed over with the request at the last call.  A GET is
 * answered at its first call, as before.
 */
typedef struct upload {
	char *data;
	size_t len;
	bool too_large;
} upload;

/* upload_add appends one piece of a body. */
static void
upload_add(upload *u, const char *data, size_t n)
{
	char *grown;

	if (u->too_large || n == 0)
		return;
	if (u->len + n > FHIR_REQUEST_BODY_MAX) {
		u->too_large = true;
		return;
	}
	grown = realloc(u->data, u->len + n + 1);
	if (grown == NULL) {
		u->too_large = true;
		return;
	}
	memcpy(grown + u->len, data, n);
	u->len += n;
	grown[u->len] = '\0';
	u->data = grown;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u != NULL)
		free(u->data);
	free(u);
	*con_cls = NULL;
}

/* take_body gives req the body gathered (copied into its arena). */
static void
take_body(fhir_request *req, struct MHD_Connection *conn, const upload *u)
{
	char *copy;

	req->body_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Content-Type");
	req->body = "";
	if (u == NULL || u->len == 0)
		return;
	copy = med_arena_alloc(req->arena, u->len + 1);
	if (copy == NULL)
		return;
	memcpy(copy, u->data, u->len + 1);
	req->body = copy;
	req->body_len = u->len;
}

/* body_pending gathers a POST's body: MHD_YES while it is uploading
 * (*done false), or once it is complete (*done true). */
static enum MHD_Result
body_pending(const char *method, const char *data, size_t *size, void **con_cls,
	     bool *done)
{
	upload *u = *con_cls;

	*done = true;
	if (strcmp(method, "POST") != 0)
		return MHD_YES;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		*done = false;
		return MHD_YES;
	}
	if (*size != 0) {
		upload_add(u, data, *size);
		*size = 0;
		*done = false;
	}
	return MHD_YES;
}
/* refuse_large_body answers a body past FHIR_REQUEST_BODY_MAX: 413. */
static void
refuse_large_body(const fhir_request *req, fhir_response *resp)
{
	fhir_error e = {0};

	(void)fhir_fail(&e, 8 /* RESOURCE_EXHAUSTED */,
			"request body: at most %u MiB",
			FHIR_REQUEST_BODY_MAX >> 20);
	e.http_status = 413;
	e.issue_code = "too-costly";
	fhir_respond_outcome(resp, req->arena, &e);
}
/* --- end fhirwrite ------------------------------------------------------- */

/* on_request answers a GET at its first call, and a POST once its body
 * has arrived (body_pending). */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	fhir_server *s = cls;
	fhir_request req = {.method = method, .path = url};
	fhir_response resp = {0};
	enum MHD_Result ok;
	bool done = true;

	(void)version;
	ok = body_pending(method, upload_data, upload_data_size, con_cls,
			  &done);
	if (ok != MHD_YES || !done)
		return ok;
	req.arena = med_arena_new(FHIR_ARENA_MAX);
	if (req.arena == NULL)
		return MHD_NO;
	req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							"Authorization");
	req.break_glass = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "X-Break-Glass");
	req.request_id = request_id(conn);
	/* fhirread: conditional reads (read.c). */
	req.if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							"If-None-Match");
	req.if_modified_since = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, "If-Modified-Since");
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param,
				  &req);
	if (*con_cls != NULL)
		take_body(&req, conn, *con_cls);
	med_log_set_request_id(req.request_id);
	if (*con_cls != NULL && ((upload *)*con_cls)->too_large)
		refuse_large_body(&req, &resp);
	else
		fhir_handle(s->facade, &req, &resp);
	ok = send_response(conn, &resp);
	med_arena_free(req.arena);
	return ok;
}

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	med_vlog(MED_LOG_WARN, fmt, ap);
}

static bool
make_addr(const char *host, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

med_err
fhir_server_start(fhir_facade *f, const char *host, int port,
		  const med_tls *tls, fhir_server **out, int *bound_port)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	if (!make_addr(host, port, &sa)) {
		med_log_error("MED_LISTEN_HOST: %s is not an IPv4 address",
			      host);
		return MED_ERR_INVALID;
	}
	server.facade = f;
	if (cert_start(&server, tls) != MED_OK)
		return MED_ERR_INVALID;
	server.daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS |
			MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, on_request, &server,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_HTTPS_CERT_CALLBACK,
		cert_callback, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)CONNECTION_TIMEOUT_S,
		/* fhirwrite: frees a POST's body gathered so far. */
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (server.daemon == NULL) {
		cert_stop(&server);
		return MED_ERR_IO;
	}
	info = MHD_get_daemon_info(server.daemon, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = info != NULL ? info->port : port;
	*out = &server;
	return MED_OK;
}

void
fhir_server_stop(fhir_server *s)
{
	if (s != NULL && s->daemon != NULL) {
		MHD_stop_daemon(s->daemon);
		s->daemon = NULL;
		cert_stop(s);
	}
}
