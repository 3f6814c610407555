/*
 * server.c - HTTPS through libmicrohttpd (GnuTLS), the only file that
 * includes it, hardened so that one client cannot take the API down
 * (issue 35; docs/api/fhir.md, "Security of the edge"):
 *
 * - a pool of MED_FHIR_THREADS polling threads (epoll) serves every
 *   connection: an idle or slow one costs a table entry, never a thread,
 *   and the requests themselves (which block on gRPC calls) run on the
 *   pool, so at most that many run at once;
 * - at most MED_FHIR_MAX_CONNS_PER_CLIENT connections from one address:
 *   one past that closes its address's oldest idle one, or is itself
 *   closed when every one is busy with a request (never refused at
 *   accept, which a flood from an honest client's own address would turn
 *   into a refusal of its try); and MED_FHIR_MAX_CONNS in all: a
 *   connection past that closes the oldest idle one of the address
 *   holding the most, or is itself closed when its own address holds as
 *   many (fair.c), so that a flood from many addresses costs an honest
 *   client no try (libmicrohttpd's own cap is set above ours, for the
 *   connections closed but not yet gone);
 * - a request head must be complete MED_FHIR_HEADER_TIMEOUT_MS after the
 *   accept (or the end of the previous request on the connection) however
 *   slowly its bytes trickle in: libmicrohttpd's own timeout is renewed by
 *   every byte, so a sweeper thread here shuts the socket of a connection
 *   past its deadline and libmicrohttpd closes it as a peer that hung up;
 * - TLS as MED_FHIR_TLS_PRIORITY says (by default TLS 1.2 and 1.3 with
 *   ECDHE and AEAD ciphers only);
 * - a request target that is not a plain path (percent-encoding, "//",
 *   "." or ".." segments, an encoded NUL in the query) is refused with
 *   400 before anything decodes it (fhir_path_ok);
 * - pipelined requests are answered in order on their connection;
 * - a request whose body has two framings a proxy and we could read
 *   differently (two Content-Lengths, Content-Length with
 *   Transfer-Encoding, a Transfer-Encoding other than chunked) is refused
 *   with 400 and its connection closed (RFC 9112 section 6.3):
 *   libmicrohttpd 0.9.75 serves them (framing_bad).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "dispatch.h"
#include "edge.h"

#define REQUEST_ID_MAX 64
#define SWEEP_EVERY_MS 100
#define LOG_PER_S      10
/* Connections libmicrohttpd takes beyond MED_FHIR_MAX_CONNS: those
 * make_room has shut and libmicrohttpd has not yet closed. */
#define SHUT_SLACK(max) ((max) / 4 + 16)

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

/*
 * edge_conn - one open connection, from libmicrohttpd's start notice to
 * its close notice (which comes before it closes the socket, so fd is
 * never another connection's while listed).
 */
typedef struct edge_conn {
	struct edge_conn *prev, *next;
	int fd;
	uint32_t addr;		/* the client's IPv4 address; 0: not known */
	int64_t head_from_ms;	/* accept, or the end of the previous request */
	int64_t answer_from_ms; /* 0 while its request head is awaited */
	const char *bad_target; /* why the current request's target is bad */
	bool shut;
} edge_conn;

struct fhir_server {
	struct MHD_Daemon *daemon;
	fhir_facade *facade;
	/* The connections (conn_lock), and the sweeper that keeps their
	 * deadlines. */
	pthread_mutex_t conn_lock;
	pthread_cond_t sweep_wake;
	edge_conn *conns;
	bool stopping;
	pthread_t sweeper;
	bool sweeper_started;
	med_counter *shut_header_timeout, *shut_answer_timeout, *refused_target;
	med_counter *refused_framing;
	/* make_room's scratch (conn_lock) and what it closed. */
	fhir_fair_seat *seats;
	size_t seats_cap;
	med_counter *shut_for_room, *refused_full;
	med_counter *shut_for_newer, *refused_busy;
	fhir_inflight *inflight;   /* each user's requests in flight */
	fhir_edge_audit *refusals; /* the audit of what the edge refuses */
	fhir_liveness *liveness;
	pthread_mutex_t cert_lock; /* guards what follows */
	med_tls tls;		   /* the PEMs of cur, and their files */
	cert_gen *cur;
	med_file_stamp stamps[3];
	int64_t next_check_ns;
	med_counter *reload_ok, *reload_failed;
};

/* The one server: GnuTLS's certificate callback takes no context. */
static fhir_server server = {
	.cert_lock = PTHREAD_MUTEX_INITIALIZER,
	.conn_lock = PTHREAD_MUTEX_INITIALIZER,
	.sweep_wake = PTHREAD_COND_INITIALIZER,
};

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

/* --- connections and their deadlines ---------------------------------- */

static void
conn_unlink(fhir_server *s, edge_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

/* shut_conn shuts c's socket: libmicrohttpd then closes it as a peer
 * that hung up (conn_lock held). */
static void
shut_conn(edge_conn *c, med_counter *why)
{
	c->shut = true;
	med_counter_add(why, 1);
	shutdown(c->fd, SHUT_RDWR);
}

/* seats_fill lists the open connections but c in s->seats for fair.c
 * (conn_lock held); returns how many. */
static size_t
seats_fill(fhir_server *s, const edge_conn *c)
{
	size_t n = 0;

	for (edge_conn *o = s->conns; o != NULL; o = o->next) {
		if (o->shut || o == c || n == s->seats_cap)
			continue;
		s->seats[n++] = (fhir_fair_seat){
			.addr = o->addr,
			.since_ms = o->head_from_ms,
			.idle = o->answer_from_ms == 0,
			.conn = o,
		};
	}
	return n;
}

/* make_room keeps c's address at MED_FHIR_MAX_CONNS_PER_CLIENT and the
 * port at MED_FHIR_MAX_CONNS open connections once c is listed: past
 * either it shuts the one fair.c picks, or c itself when its address's
 * share is all busy or it already holds its share of the port (conn_lock
 * held). */
static void
make_room(fhir_server *s, edge_conn *c)
{
	const fhir_edge *l = &s->facade->edge;
	size_t n = seats_fill(s, c);
	long v = fhir_fair_own_victim(s->seats, n, c->addr,
				      (size_t)l->max_conns_per_client);

	if (v == FHIR_FAIR_BUSY) {
		shut_conn(c, s->refused_busy);
		return;
	}
	if (v >= 0) { /* the count stays as it was: the port too */
		shut_conn(s->seats[v].conn, s->shut_for_newer);
		return;
	}
	if (n < (size_t)l->max_conns)
		return;
	v = fhir_fair_victim(s->seats, n, c->addr);
	if (v >= 0)
		shut_conn(s->seats[v].conn, s->shut_for_room);
	else
		shut_conn(c, s->refused_full);
}

/* addr_of is conn's client IPv4 address (0: not known). */
static uint32_t
addr_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	if (sa == NULL || sa->sa_family != AF_INET)
		return 0;
	return ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
}

/* on_connection lists a connection at its start, making room for it, and
 * unlists it at its close (libmicrohttpd's pool threads). */
static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	fhir_server *s = cls;
	const union MHD_ConnectionInfo *fd;
	edge_conn *c = *socket_context;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
		if (c == NULL)
			return;
		pthread_mutex_lock(&s->conn_lock);
		conn_unlink(s, c);
		pthread_mutex_unlock(&s->conn_lock);
		free(c);
		*socket_context = NULL;
		return;
	}
	fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (fd == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return; /* not listed: only libmicrohttpd's timeout applies */
	c->fd = fd->connect_fd;
	c->addr = addr_of(mc);
	c->head_from_ms = med_now_ms();
	pthread_mutex_lock(&s->conn_lock);
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	make_room(s, c);
	pthread_mutex_unlock(&s->conn_lock);
	*socket_context = c;
}

static edge_conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i != NULL ? i->socket_context : NULL;
}

/* on_target sees a request's target before libmicrohttpd decodes it:
 * a bad one is remembered for on_request to refuse. */
static void *
on_target(void *cls, const char *uri, struct MHD_Connection *mc)
{
	fhir_server *s = cls;
	edge_conn *c = conn_of(mc);
	const char *why = NULL;

	if (c != NULL && !fhir_path_ok(uri, &why)) {
		pthread_mutex_lock(&s->conn_lock);
		c->bad_target = why;
		pthread_mutex_unlock(&s->conn_lock);
	}
	return NULL;
}

/* head_complete stops the head's deadline and starts the answer's; it
 * returns why the request's target was refused, or NULL. */
static const char *
head_complete(fhir_server *s, struct MHD_Connection *mc)
{
	edge_conn *c = conn_of(mc);
	const char *why;

	if (c == NULL)
		return NULL;
	pthread_mutex_lock(&s->conn_lock);
	c->answer_from_ms = med_now_ms();
	why = c->bad_target;
	c->bad_target = NULL;
	pthread_mutex_unlock(&s->conn_lock);
	return why;
}

static void upload_free(fhir_server *s, void **con_cls);

/* on_completed frees a request's upload (fhirwrite) and starts the next
 * request's head deadline on a kept-alive connection (and the idle one
 * between requests). */
static void
on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	fhir_server *s = cls;
	edge_conn *c = conn_of(mc);

	(void)toe;
	upload_free(s, con_cls);
	if (c == NULL)
		return;
	pthread_mutex_lock(&s->conn_lock);
	c->head_from_ms = med_now_ms();
	c->answer_from_ms = 0;
	pthread_mutex_unlock(&s->conn_lock);
}

/* sweep shuts the connections past a deadline (conn_lock held). */
static void
sweep(fhir_server *s, int64_t now_ms)
{
	const fhir_edge *l = &s->facade->edge;

	for (edge_conn *c = s->conns; c != NULL; c = c->next) {
		med_counter *why = NULL;

		if (c->shut)
			continue;
		if (c->answer_from_ms == 0 &&
		    now_ms - c->head_from_ms >= l->header_timeout_ms)
			why = s->shut_header_timeout;
		else if (c->answer_from_ms != 0 &&
			 now_ms - c->answer_from_ms >= l->answer_timeout_ms)
			why = s->shut_answer_timeout;
		else
			continue;
		shut_conn(c, why);
	}
}

static void *
sweeper_main(void *arg)
{
	fhir_server *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->conn_lock);
	while (!s->stopping) {
		sweep(s, med_now_ms());
		/* The refusals' events are spooled without conn_lock: the
		 * spool's disk never holds up the connections' notices. */
		pthread_mutex_unlock(&s->conn_lock);
		fhir_edge_audit_flush(s->refusals, med_now_ms(), false);
		pthread_mutex_lock(&s->conn_lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SWEEP_EVERY_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->sweep_wake, &s->conn_lock, &ts);
	}
	pthread_mutex_unlock(&s->conn_lock);
	return NULL;
}

static void
sweeper_stop(fhir_server *s)
{
	if (!s->sweeper_started)
		return;
	pthread_mutex_lock(&s->conn_lock);
	s->stopping = true;
	pthread_cond_signal(&s->sweep_wake);
	pthread_mutex_unlock(&s->conn_lock);
	pthread_join(s->sweeper, NULL);
	s->sweeper_started = false;
}

static med_counter *
edge_counter(const char *reason)
{
	char labels[64];
	med_metrics *m = server.facade->metrics;

	if (m == NULL)
		return NULL;
	snprintf(labels, sizeof(labels), "reason=\"%s\"", reason);
	return med_metrics_counter(
		m, "smartmed_fhir_edge_refusals_total",
		"FHIR HTTPS connections shut past the request head's or the "
		"answer's deadline, and request targets refused",
		labels);
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

/*
 * add_security_headers: what a browser must be told by the server, since
 * a page's meta tag cannot say it.  No page of ours is framed (the console
 * is a top-level page; clickjacking a dose is the risk), no type is
 * guessed, the origin is HTTPS only for a year, no referrer leaves it;
 * the console's own pages carry their CSP (console.c).
 */
static void
add_security_headers(struct MHD_Response *resp, const fhir_response *r)
{
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Strict-Transport-Security",
				"max-age=31536000");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
				r->csp != NULL ? r->csp
					       : "default-src 'none'; "
						 "frame-ancestors 'none'");
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
	add_security_headers(resp, r);
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
	if (r->allow != NULL) /* a 405's */
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->close) /* libmicrohttpd closes after a "close" answer */
		MHD_add_response_header(resp, "Connection", "close");
	if (r->retry_after != NULL) /* a 429's */
		MHD_add_response_header(resp, "Retry-After", r->retry_after);
	ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* refuse answers a request the edge refuses, with grpc_code's status;
 * close: and closes the connection after it. */
static enum MHD_Result
refuse(struct MHD_Connection *conn, int grpc_code, bool close, const char *what,
       const char *why)
{
	fhir_response resp = {.close = close};
	fhir_error e = {0};
	med_arena *a = med_arena_new(64u << 10);
	enum MHD_Result ok;

	if (a == NULL)
		return MHD_NO;
	fhir_fail(&e, grpc_code, "%s: %s", what, why);
	fhir_respond_outcome(&resp, a, &e);
	ok = send_response(conn, &resp);
	med_arena_free(a);
	return ok;
}

/* cert_cn copies the common name of the DER certificate der into arena. */
static const char *
cert_cn(const gnutls_datum_t *der, med_arena *arena)
{
	gnutls_x509_crt_t crt;
	char cn[MED_PRINCIPAL_NAME_MAX];
	size_t len = sizeof(cn);
	const char *out = NULL;

	if (gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, cn, &len) >= 0)
		out = med_arena_strdup(arena, cn);
	gnutls_x509_crt_deinit(crt);
	return out;
}

/*
 * client_cert sets req->client_cert_cn when the connection presented a
 * client certificate that MED_FHIR_CLIENT_CA verifies.  A certificate that
 * does not verify is refused rather than ignored: a client that meant to
 * prove who it is must learn that it did not.  Errors: MED_ERR_DENIED.
 */
static med_err
client_cert(fhir_server *s, struct MHD_Connection *conn, fhir_request *req)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *certs;
	unsigned int n = 0, status = 0;

	if (s->facade->edge.client_ca_path == NULL)
		return MED_OK;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return MED_OK;
	certs = gnutls_certificate_get_peers(ci->tls_session, &n);
	if (certs == NULL || n == 0)
		return MED_OK;
	if (gnutls_certificate_verify_peers2(ci->tls_session, &status) < 0 ||
	    status != 0)
		return MED_ERR_DENIED;
	req->client_cert_cn = cert_cn(&certs[0], req->arena);
	return req->client_cert_cn != NULL ? MED_OK : MED_ERR_DENIED;
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
	char user[MED_PRINCIPAL_NAME_MAX]; /* counted in flight; "": not */
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

/* upload_free ends a request in flight and frees its upload
 * (on_completed). */
static void
upload_free(fhir_server *s, void **con_cls)
{
	upload *u = *con_cls;

	if (u != NULL) {
		fhir_inflight_leave(s->inflight, u->user);
		free(u->data);
	}
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

/*
 * body_pending gathers a POST's body: MHD_YES while the request is still
 * arriving (*done false), or once it is complete (*done true).  (fhiredge)
 * A GET is answered at a later call than the first, too: a response
 * queued at the first call (the head alone) makes libmicrohttpd 0.9.75
 * close the connection after it, which ended keep-alive and answered only
 * the first of pipelined requests.  Other methods are answered (refused)
 * at once, before a body uploads, and their connection closes.
 */
static enum MHD_Result
body_pending(const char *method, const char *data, size_t *size, void **con_cls,
	     bool *done)
{
	upload *u = *con_cls;
	bool post = strcmp(method, "POST") == 0;

	*done = false;
	if (u == NULL) {
		if (!post && strcmp(method, "GET") != 0 &&
		    strcmp(method, "HEAD") != 0) {
			*done = true;
			return MHD_YES;
		}
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*size != 0) {
		if (post) /* a GET's body is not read */
			upload_add(u, data, *size);
		*size = 0;
		return MHD_YES;
	}
	*done = true;
	return MHD_YES;
}
/* refuse_large_body answers a body past FHIR_REQUEST_BODY_MAX: 413. */
static void
refuse_large_body(const fhir_request *req, fhir_response *resp)
{
	fhir_error e = {0};

	(void)fhir_fail(&e, MED_GRPC_RESOURCE_EXHAUSTED,
			"request body: at most %u MiB",
			FHIR_REQUEST_BODY_MAX >> 20);
	e.http_status = 413;
	e.issue_code = "too-costly";
	fhir_respond_outcome(resp, req->arena, &e);
}
/* --- end fhirwrite ------------------------------------------------------- */

/* --- request smuggling (issue 49, item 7) ------------------------------ */

/* framing - the headers that say where a request's body ends, and the
 * first header whose name is not one. */
typedef struct framing {
	unsigned n_length, n_encoding;
	const char *encoding;
	const char *bad_name;
} framing;

/* name_ok: a field name is an RFC 9110 token (no whitespace: a name with
 * a space before its colon is a header one reader drops and another
 * reads). */
static bool
name_ok(const char *key)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (key[0] == '\0')
		return false;
	for (const char *p = key; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(extra, *p) != NULL))
			return false;
	return true;
}

/* framing_name: key is, or begins as (a folded line libmicrohttpd glued
 * to its name: "Transfer-Encodingchunked"), name. */
static bool
framing_name(const char *key, const char *name, bool *exact)
{
	size_t n = strlen(name);

	*exact = strcasecmp(key, name) == 0;
	return strncasecmp(key, name, n) == 0;
}

static enum MHD_Result
count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
	      const char *value)
{
	framing *fr = cls;
	bool exact = false;

	(void)kind;
	if (fr->bad_name == NULL && !name_ok(key))
		fr->bad_name = key;
	if (framing_name(key, "Content-Length", &exact)) {
		fr->n_length++;
		if (!exact && fr->bad_name == NULL)
			fr->bad_name = key;
	} else if (framing_name(key, "Transfer-Encoding", &exact)) {
		fr->n_encoding++;
		fr->encoding = value;
		if (!exact && fr->bad_name == NULL)
			fr->bad_name = key;
	}
	return MHD_YES;
}

/*
 * framing_bad writes why the request's body framing is refused into why
 * and returns it, or returns NULL.  Behind a proxy, a request a proxy
 * reads as one body and we as another smuggles a second request past the
 * proxy's checks; RFC 9112 (5.1, 5.2, 6.1, 6.3) makes each of these an
 * error.  libmicrohttpd 0.9.75 drops a header whose name has a space
 * before its colon, and glues a folded line to the name before it, so
 * that "Content-Length : 2" or "Transfer-Encoding:" folded onto
 * " chunked" leaves the body to be read as the next request: a name that
 * is not a token is refused too.  Only chunked is read as a transfer
 * coding (no gzip or identity): anything else is refused, not guessed.
 */
static const char *
framing_bad(struct MHD_Connection *conn, char *why, size_t cap)
{
	framing fr = {0};
	char name[41];

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &fr);
	if (fr.bad_name != NULL) {
		/* Said back printable: a control character is shown as '?'. */
		med_strlcpy(name, fr.bad_name, sizeof(name));
		for (char *p = name; *p != '\0'; p++)
			if (*p < ' ' || *p > '~')
				*p = '?';
		snprintf(why, cap,
			 "header name '%s': not a token (whitespace before "
			 "the colon, or a folded line)",
			 name);
	} else if (fr.n_length > 1) {
		snprintf(why, cap, "Content-Length: sent more than once");
	} else if (fr.n_encoding > 0 && fr.n_length > 0) {
		snprintf(why, cap,
			 "Transfer-Encoding: sent with Content-Length");
	} else if (fr.n_encoding > 1) {
		snprintf(why, cap, "Transfer-Encoding: sent more than once");
	} else if (fr.n_encoding == 1 &&
		   strcasecmp(fr.encoding, "chunked") != 0) {
		snprintf(why, cap, "Transfer-Encoding: only chunked is read");
	} else {
		return NULL;
	}
	return why;
}

/* peer_of writes the client's address of conn into out ("-": unknown). */
static const char *
peer_of(struct MHD_Connection *conn, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	med_strlcpy(out, "-", cap);
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)cap);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)cap);
	return out;
}

/* audit_refusal counts a refusal of conn's request for its audit event
 * (edgeaudit.c: at most one per peer, reason and user per window). */
static void
audit_refusal(fhir_server *s, struct MHD_Connection *conn, const char *reason,
	      const char *user, int http_status, int grpc_code, const char *why)
{
	char peer[INET6_ADDRSTRLEN];
	const fhir_edge_refusal r = {
		.peer = peer_of(conn, peer, sizeof(peer)),
		.reason = reason,
		.user = user,
		.why = why,
		.http_status = http_status,
		.grpc_code = grpc_code,
	};

	fhir_edge_audit_refused(s->refusals, &r);
}

/* head_refused answers a request refused on its head alone (at the first
 * call, before its body is read); MHD_YES with *refused false: none. */
static enum MHD_Result
head_refused(fhir_server *s, struct MHD_Connection *conn, bool *refused)
{
	const char *bad = head_complete(s, conn);
	char why[160];

	*refused = true;
	if (bad != NULL) {
		med_counter_add(s->refused_target, 1);
		audit_refusal(s, conn, "target", NULL, 400, 3, bad);
		return refuse(conn, 3, false, "request target", bad);
	}
	if ((bad = framing_bad(conn, why, sizeof(why))) != NULL) {
		med_counter_add(s->refused_framing, 1);
		audit_refusal(s, conn, "framing", NULL, 400, 3, bad);
		return refuse(conn, 3, true, "request framing", bad);
	}
	*refused = false;
	return MHD_YES;
}

/* inflight_refused counts a GET's, HEAD's or POST's head against its
 * user's requests in flight (issue 49, item 7): past the cap it answers
 * 429 at once (*refused true), before the body is read. */
static enum MHD_Result
inflight_refused(fhir_server *s, struct MHD_Connection *conn, upload *u,
		 bool *refused)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       "Authorization");
	fhir_response resp = {0};
	med_arena *a;
	enum MHD_Result ok;

	*refused = false;
	if (fhir_inflight_enter(s->inflight, s->facade, auth, u->user,
				sizeof(u->user)) == MED_OK)
		return MHD_YES;
	*refused = true;
	audit_refusal(
		s, conn, "user_inflight", u->user, 429, 8,
		"requests in flight: past MED_FHIR_MAX_INFLIGHT_PER_USER");
	u->user[0] = '\0'; /* not counted: nothing to leave */
	if ((a = med_arena_new(64u << 10)) == NULL)
		return MHD_NO;
	fhir_inflight_refuse(s->inflight, a, &resp);
	ok = send_response(conn, &resp);
	med_arena_free(a);
	return ok;
}

/* on_request answers a request once it has arrived (body_pending). */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	fhir_server *s = cls;
	fhir_request req = {.method = method, .path = url};
	fhir_response resp = {0};
	enum MHD_Result ok;
	bool done = true, refused = false, first = *con_cls == NULL;

	(void)version;
	if (first &&
	    ((ok = head_refused(s, conn, &refused)) != MHD_YES || refused))
		return ok;
	ok = body_pending(method, upload_data, upload_data_size, con_cls,
			  &done);
	if (ok == MHD_YES && first && *con_cls != NULL &&
	    ((ok = inflight_refused(s, conn, *con_cls, &refused)) != MHD_YES ||
	     refused))
		return ok;
	if (ok != MHD_YES || !done)
		return ok;
	req.arena = med_arena_new(FHIR_ARENA_MAX);
	if (req.arena == NULL)
		return MHD_NO;
	if (client_cert(s, conn, &req) != MED_OK) {
		med_arena_free(req.arena);
		return refuse(conn, 7, false, "client certificate",
			      "not issued by MED_FHIR_CLIENT_CA, or not valid");
	}
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
	req.if_none_exist = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							"If-None-Exist");
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param,
				  &req);
	if (*con_cls != NULL && strcmp(method, "POST") == 0)
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

/*
 * log_mhd logs libmicrohttpd's messages, at most LOG_PER_S a second: every
 * connection a client breaks off or the sweeper cuts is one, and a flood
 * of them must not become a flood of log lines.  The rest are counted and
 * the count logged with the next second's first line.
 */
static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int64_t second;
	static unsigned n_logged, n_dropped;
	int64_t now = med_mono_ns() / 1000000000LL;
	unsigned dropped = 0;
	bool log;

	(void)cls;
	pthread_mutex_lock(&lock);
	if (now != second) {
		dropped = n_dropped;
		second = now;
		n_logged = n_dropped = 0;
	}
	log = n_logged < LOG_PER_S;
	n_logged += log;
	n_dropped += !log;
	pthread_mutex_unlock(&lock);
	if (dropped > 0)
		med_log_warn("libmicrohttpd: %u messages not logged in the "
			     "second before",
			     dropped);
	if (log)
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

/* client_ca reads the CA of system clients' certificates into *pem
 * (NULL: none configured).  Errors: MED_ERR_INVALID (unreadable, empty). */
static med_err
client_ca(const fhir_edge *l, char **pem)
{
	FILE *fp;
	size_t n = 0;

	*pem = NULL;
	if (l->client_ca_path == NULL)
		return MED_OK;
	fp = fopen(l->client_ca_path, "r");
	*pem = calloc(1, 1u << 20);
	if (fp != NULL && *pem != NULL)
		n = fread(*pem, 1, (1u << 20) - 1, fp);
	if (fp != NULL)
		fclose(fp);
	if (n > 0 && strstr(*pem, "-----BEGIN CERTIFICATE-----") != NULL)
		return MED_OK;
	free(*pem);
	*pem = NULL;
	med_log_error("MED_FHIR_CLIENT_CA: %s: unreadable or no PEM "
		      "certificate",
		      l->client_ca_path);
	return MED_ERR_INVALID;
}

/* daemon_start starts libmicrohttpd on sa with the edge's limits. */
static struct MHD_Daemon *
daemon_start(fhir_server *s, const struct sockaddr_in *sa, const char *ca)
{
	const fhir_edge *l = &s->facade->edge;
	struct MHD_OptionItem ca_opt[] = {
		{ca != NULL ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0,
		 (void *)ca},
		{MHD_OPTION_END, 0, NULL},
	};

	return MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
		log_mhd, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sa,
		MHD_OPTION_HTTPS_CERT_CALLBACK, cert_callback,
		MHD_OPTION_HTTPS_PRIORITIES, l->tls_priority,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)l->threads,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)(l->max_conns + SHUT_SLACK(l->max_conns)),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)l->idle_timeout_s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_URI_LOG_CALLBACK, on_target, s, MHD_OPTION_ARRAY,
		ca_opt, MHD_OPTION_END);
}

/* edge_start starts the sweeper. */
static med_err
edge_start(fhir_server *s)
{
	s->shut_header_timeout = edge_counter("header_timeout");
	s->shut_answer_timeout = edge_counter("answer_timeout");
	s->refused_target = edge_counter("target");
	s->refused_framing = edge_counter("framing");
	s->shut_for_room = edge_counter("room_for_another_address");
	s->refused_full = edge_counter("full_share_taken");
	s->shut_for_newer = edge_counter("room_for_a_newer_connection");
	s->refused_busy = edge_counter("address_share_busy");
	s->stopping = false;
	if (pthread_create(&s->sweeper, NULL, sweeper_main, s) != 0)
		return MED_ERR_IO;
	s->sweeper_started = true;
	return MED_OK;
}

med_err
fhir_server_probe_start(fhir_server *s, const char *host, int port)
{
	const fhir_edge *l = &s->facade->edge;
	char path[600];

	if (l->liveness_probe_ms == 0 || s->facade->process == NULL)
		return MED_OK;
	snprintf(path, sizeof(path), "%s/metadata", s->facade->base_path);
	return fhir_liveness_start(s->facade->process, host, port, path,
				   l->tls_priority, l->liveness_probe_ms,
				   &s->liveness);
}

static void
tables_free(fhir_server *s)
{
	fhir_edge_audit_free(s->refusals);
	s->refusals = NULL;
	fhir_inflight_free(s->inflight);
	s->inflight = NULL;
	free(s->seats);
	s->seats = NULL;
}

/* tables_new makes the server's tables: each user's requests in flight,
 * the refusals to audit and make_room's scratch. */
static med_err
tables_new(fhir_server *s, const fhir_edge *l, struct med_audit *audit,
	   struct med_metrics *m)
{
	s->seats_cap = (size_t)(l->max_conns + SHUT_SLACK(l->max_conns));
	s->seats = calloc(s->seats_cap, sizeof(*s->seats));
	if (s->seats == NULL ||
	    fhir_inflight_new((unsigned)l->max_inflight_per_user,
			      (size_t)l->max_conns, m,
			      &s->inflight) != MED_OK ||
	    fhir_edge_audit_new(audit, l->edge_audit_window_s, &s->refusals) !=
		    MED_OK) {
		tables_free(s);
		return MED_ERR_NOMEM;
	}
	return MED_OK;
}

med_err
fhir_server_start(fhir_facade *f, const char *host, int port,
		  const med_tls *tls, fhir_server **out, int *bound_port)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	char *ca;

	if (!make_addr(host, port, &sa)) {
		med_log_error("MED_LISTEN_HOST: %s is not an IPv4 address",
			      host);
		return MED_ERR_INVALID;
	}
	server.facade = f;
	if (cert_start(&server, tls) != MED_OK)
		return MED_ERR_INVALID;
	if (client_ca(&f->edge, &ca) != MED_OK) {
		cert_stop(&server);
		return MED_ERR_INVALID;
	}
	if (tables_new(&server, &f->edge, f->audit, f->metrics) != MED_OK) {
		free(ca);
		cert_stop(&server);
		return MED_ERR_NOMEM;
	}
	server.daemon = daemon_start(&server, &sa, ca);
	free(ca); /* libmicrohttpd has loaded it into GnuTLS */
	if (server.daemon == NULL) {
		tables_free(&server);
		cert_stop(&server);
		return MED_ERR_IO;
	}
	info = MHD_get_daemon_info(server.daemon, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = info != NULL ? info->port : port;
	*out = &server;
	return edge_start(&server);
}

void
fhir_server_stop(fhir_server *s)
{
	if (s == NULL)
		return;
	fhir_liveness_stop(s->liveness);
	s->liveness = NULL;
	if (s->daemon != NULL) {
		MHD_stop_daemon(s->daemon);
		s->daemon = NULL;
		cert_stop(s);
	}
	sweeper_stop(s);
	/* Every count not yet audited, before the audit emitter closes. */
	fhir_edge_audit_flush(s->refusals, med_now_ms(), true);
	tables_free(s);
}
