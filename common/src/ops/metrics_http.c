/*
 * metrics_http.c - /metrics, /healthz and /readyz over HTTP/1.1, served by
 * libmicrohttpd (one internal polling thread).  Every answer closes its
 * connection (Connection: close), so there is no keep-alive to get wrong.
 *
 * The port must keep answering the kubelet's probes while a slow or hostile
 * client is connected, so no client can hold it: one address may keep only
 * a few connections open, a request head must be complete within a deadline
 * counted from the accept (not from the last byte, which a client sending
 * one byte a second would renew for ever), the answer must be taken within
 * another, and when the server is full the oldest connection still waiting
 * for its head makes room for the newcomer.  libmicrohttpd's own timeout is
 * renewed by every byte, so the deadlines are kept here: a sweeper thread
 * shuts down the socket of a connection past its deadline, and
 * libmicrohttpd then closes it as a peer that hung up.
 */
#include <med/http.h>
#include <med/log.h>
#include <med/util.h>

#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define HEAD_MAX		     8192
#define MAX_CONNS		     256
#define SEND_TIMEOUT_MS		     10000
#define SWEEP_EVERY_MS		     50
#define DEFAULT_HEADER_TIMEOUT_MS    5000
#define DEFAULT_MAX_CONNS_PER_CLIENT 8

/* peer_addr - a client's IP address, the key of the per-client limit. */
struct peer_addr {
	size_t len; /* 4 or 16; 0 when the peer is unknown */
	unsigned char bytes[16];
};

/* conn - one open connection, from libmicrohttpd's start notice to its
 * close notice; closing once its socket was shut down here. */
struct conn {
	struct conn *prev, *next;
	int fd;
	struct peer_addr peer;
	int64_t accepted_ms;
	int64_t answered_ms; /* 0 until its request head was complete */
	bool listed;
	bool closing;
};

struct med_http {
	struct MHD_Daemon *daemon;
	med_metrics *metrics;
	med_ready_fn ready;
	void *ctx;
	med_ready_fn live; /* under mu: med_http_set_live may come late */
	void *live_ctx;
	const char *lookup_prefix; /* under mu: med_http_set_lookup */
	med_http_lookup_fn lookup;
	void *lookup_ctx;
	med_http_limits limits;
	/* The connection list, shared by libmicrohttpd's thread and the
	 * sweeper. */
	pthread_mutex_t mu;
	pthread_cond_t wake;
	struct conn *oldest, *newest; /* in accept order */
	int n_open;		      /* listed and not closing */
	bool stopping;
	pthread_t sweeper;
	bool sweeper_started;
	/* Connections closed by the limits, by reason. */
	med_counter *closed_client_limit, *closed_header_timeout,
		*closed_evicted;
};

/* --- the connection list (under mu) ------------------------------------ */

/* peer_of reads a client's address; an IPv4-mapped IPv6 one counts as the
 * IPv4 address it maps, so a dual-stack listener limits it alike. */
static void
peer_of(const struct sockaddr *sa, struct peer_addr *p)
{
	static const unsigned char v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	const unsigned char *a;

	p->len = 0;
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		memcpy(p->bytes, &((const struct sockaddr_in *)sa)->sin_addr,
		       4);
		p->len = 4;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		p->len = memcmp(a, v4mapped, 12) == 0 ? 4 : 16;
		memcpy(p->bytes, p->len == 4 ? a + 12 : a, p->len);
	}
}

static bool
peer_equal(const struct peer_addr *a, const struct peer_addr *b)
{
	return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* conns_from counts the open connections of one client (at most MAX_CONNS
 * to walk, so a list beats a hash table here). */
static int
conns_from(const med_http *h, const struct peer_addr *p)
{
	int n = 0;

	for (const struct conn *c = h->oldest; c != NULL; c = c->next)
		n += !c->closing && peer_equal(&c->peer, p);
	return n;
}

/* conn_shut ends c: libmicrohttpd sees the socket hang up and closes it
 * (its close notice then unlists c). */
static void
conn_shut(med_http *h, struct conn *c, med_counter *reason)
{
	c->closing = true;
	h->n_open--;
	/* Counted first: the client may look as soon as it sees the close. */
	med_counter_add(reason, 1);
	shutdown(c->fd, SHUT_RDWR);
}

/* evict_oldest_waiting closes the oldest connection that has not sent its
 * request head yet; false when every connection is being answered. */
static bool
evict_oldest_waiting(med_http *h)
{
	for (struct conn *c = h->oldest; c != NULL; c = c->next) {
		if (c->closing || c->answered_ms != 0)
			continue;
		conn_shut(h, c, h->closed_evicted);
		return true;
	}
	return false;
}

static void
conn_list(med_http *h, struct conn *c)
{
	c->prev = h->newest;
	c->next = NULL;
	if (h->newest != NULL)
		h->newest->next = c;
	else
		h->oldest = c;
	h->newest = c;
	c->listed = true;
	h->n_open++;
}

static void
conn_unlist(med_http *h, struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->oldest = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		h->newest = c->prev;
	if (!c->closing)
		h->n_open--;
}

/* --- libmicrohttpd's callbacks (its thread) ------------------------------ */

/* admit applies the limits to a connection being accepted. */
static enum MHD_Result
admit(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	med_http *h = cls;
	struct peer_addr p;
	bool ok = true;

	(void)addrlen;
	peer_of(addr, &p);
	pthread_mutex_lock(&h->mu);
	if (conns_from(h, &p) >= h->limits.max_conns_per_client) {
		med_counter_add(h->closed_client_limit, 1);
		ok = false;
	} else if (h->n_open >= MAX_CONNS) {
		ok = evict_oldest_waiting(h);
	}
	pthread_mutex_unlock(&h->mu);
	return ok ? MHD_YES : MHD_NO;
}

static void
conn_started(med_http *h, struct MHD_Connection *mc, void **socket_context)
{
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *addr =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct conn *c = calloc(1, sizeof(*c));

	*socket_context = c;
	if (c == NULL || fd == NULL)
		return;
	c->fd = fd->connect_fd;
	peer_of(addr != NULL ? addr->client_addr : NULL, &c->peer);
	c->accepted_ms = med_now_ms();
	pthread_mutex_lock(&h->mu);
	conn_list(h, c);
	pthread_mutex_unlock(&h->mu);
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	med_http *h = cls;
	struct conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		conn_started(h, mc, socket_context);
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	if (c->listed)
		conn_unlist(h, c);
	pthread_mutex_unlock(&h->mu);
	free(c);
	*socket_context = NULL;
}

/* mark_answered stops the head deadline and starts the answer's. */
static void
mark_answered(med_http *h, struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = i != NULL ? i->socket_context : NULL;

	if (c == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	c->answered_ms = med_now_ms();
	pthread_mutex_unlock(&h->mu);
}

static enum MHD_Result
reply(struct MHD_Connection *mc, unsigned status, const char *content_type,
      void *body, size_t len, enum MHD_ResponseMemoryMode mode,
      const char *allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
reply_text(struct MHD_Connection *mc, unsigned status, const char *text,
	   const char *allow)
{
	return reply(mc, status, "text/plain; charset=utf-8", (void *)text,
		     strlen(text), MHD_RESPMEM_PERSISTENT, allow);
}

static enum MHD_Result
serve_metrics(med_http *h, struct MHD_Connection *mc)
{
	char *text = NULL;
	size_t len = 0;

	if (h->metrics == NULL ||
	    med_metrics_render(h->metrics, &text, &len) != MED_OK)
		return reply_text(mc, 500, "metrics unavailable\n", NULL);
	return reply(mc, 200, "text/plain; version=0.0.4; charset=utf-8", text,
		     len, MHD_RESPMEM_MUST_FREE, NULL);
}

/* request_ok is the request line's shape: an upper-case method, an
 * origin-form target and HTTP/1.x. */
static bool
request_ok(const char *method, const char *url, const char *version)
{
	if (method[0] == '\0' || url[0] != '/' ||
	    strncmp(version, "HTTP/1.", 7) != 0)
		return false;
	for (const char *p = method; *p; p++)
		if (*p < 'A' || *p > 'Z')
			return false;
	return true;
}

/* is_live is what /healthz says: live unless a check says otherwise. */
static bool
is_live(med_http *h)
{
	med_ready_fn live;
	void *ctx;

	pthread_mutex_lock(&h->mu);
	live = h->live;
	ctx = h->live_ctx;
	pthread_mutex_unlock(&h->mu);
	return live == NULL || live(ctx);
}

/* key_ok is a lookup's key: 1 to 128 of [0-9A-Za-z._-]. */
static bool
key_ok(const char *key)
{
	size_t n = strlen(key);

	return n >= 1 && n <= 128 &&
	       strspn(key, "0123456789abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-") == n;
}

/* serve_lookup answers GET <prefix><key> when a lookup is set; false:
 * path is not the lookup's. */
static bool
serve_lookup(med_http *h, struct MHD_Connection *mc, const char *method,
	     const char *path, enum MHD_Result *res)
{
	med_http_lookup_fn fn;
	const char *prefix;
	void *ctx;
	int known;

	pthread_mutex_lock(&h->mu);
	fn = h->lookup;
	prefix = h->lookup_prefix;
	ctx = h->lookup_ctx;
	pthread_mutex_unlock(&h->mu);
	if (fn == NULL || strncmp(path, prefix, strlen(prefix)) != 0)
		return false;
	path += strlen(prefix);
	if (strcmp(method, "GET") != 0)
		*res = reply_text(mc, 405, "method not allowed\n", "GET");
	else if (!key_ok(path))
		*res = reply_text(mc, 400, "bad key\n", NULL);
	else if ((known = fn(ctx, path)) < 0)
		*res = reply_text(mc, 503, "cannot say\n", NULL);
	else
		*res = reply_text(mc, known ? 200 : 404,
				  known ? "yes\n" : "no\n", NULL);
	return true;
}

static enum MHD_Result
route(med_http *h, struct MHD_Connection *mc, const char *method,
      const char *path)
{
	enum MHD_Result res;
	bool ready;

	if (serve_lookup(h, mc, method, path, &res))
		return res;
	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/healthz") != 0 &&
	    strcmp(path, "/readyz") != 0)
		return reply_text(mc, 404, "not found\n", NULL);
	if (strcmp(method, "GET") != 0)
		return reply_text(mc, 405, "method not allowed\n", "GET");
	if (strcmp(path, "/metrics") == 0)
		return serve_metrics(h, mc);
	if (strcmp(path, "/healthz") == 0)
		return is_live(h) ? reply_text(mc, 200, "ok\n", NULL)
				  : reply_text(mc, 503, "not live\n", NULL);
	ready = h->ready == NULL || h->ready(h->ctx);
	return reply_text(mc, ready ? 200 : 503,
			  ready ? "ready\n" : "not ready\n", NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *mc, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **req_cls)
{
	med_http *h = cls;

	(void)upload_data;
	(void)upload_data_size;
	/* The answer goes out on the first call: no request here has a
	 * body worth reading, and the connection closes after it. */
	if (*req_cls != NULL)
		return MHD_YES;
	*req_cls = h;
	mark_answered(h, mc);
	if (!request_ok(method, url, version))
		return reply_text(mc, 400, "bad request\n", NULL);
	return route(h, mc, method, url);
}

/* --- the sweeper thread ------------------------------------------------ */

/* sweep shuts connections past their deadline: the request head's,
 * counted from the accept, or the answer's, counted from the head. */
static void
sweep(med_http *h, int64_t now_ms)
{
	for (struct conn *c = h->oldest; c != NULL; c = c->next) {
		if (c->closing)
			continue;
		if (c->answered_ms == 0 &&
		    now_ms - c->accepted_ms >= h->limits.header_timeout_ms)
			conn_shut(h, c, h->closed_header_timeout);
		else if (c->answered_ms != 0 &&
			 now_ms - c->answered_ms >= SEND_TIMEOUT_MS)
			conn_shut(h, c, NULL);
	}
}

static void *
sweeper_main(void *arg)
{
	med_http *h = arg;
	struct timespec ts;

	pthread_mutex_lock(&h->mu);
	while (!h->stopping) {
		sweep(h, med_now_ms());
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SWEEP_EVERY_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->mu, &ts);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* --- start and stop ---------------------------------------------------- */

static int
resolve(const char *host, int port, struct sockaddr_storage *ss)
{
	struct addrinfo hints = {0}, *res = NULL;
	char serv[16];
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	snprintf(serv, sizeof(serv), "%d", port);
	rc = getaddrinfo(host && host[0] ? host : NULL, serv, &hints, &res);
	if (rc != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static med_err
set_limits(med_http *h, const med_http_limits *l)
{
	med_http_limits d = {DEFAULT_HEADER_TIMEOUT_MS,
			     DEFAULT_MAX_CONNS_PER_CLIENT};

	if (l != NULL &&
	    (l->header_timeout_ms < 0 || l->max_conns_per_client < 0 ||
	     l->max_conns_per_client > MAX_CONNS))
		return MED_ERR_INVALID;
	if (l != NULL && l->header_timeout_ms > 0)
		d.header_timeout_ms = l->header_timeout_ms;
	if (l != NULL && l->max_conns_per_client > 0)
		d.max_conns_per_client = l->max_conns_per_client;
	h->limits = d;
	return MED_OK;
}

static med_counter *
closed_counter(med_metrics *m, const char *reason)
{
	char labels[64];

	snprintf(labels, sizeof(labels), "reason=\"%s\"", reason);
	return med_metrics_counter(
		m, "smartmed_http_connections_closed_total",
		"HTTP connections closed by the per-client limit, the request "
		"head deadline, or to make room for a new one",
		labels);
}

static void
make_counters(med_http *h)
{
	if (h->metrics == NULL)
		return;
	h->closed_client_limit = closed_counter(h->metrics, "client_limit");
	h->closed_header_timeout = closed_counter(h->metrics, "header_timeout");
	h->closed_evicted = closed_counter(h->metrics, "evicted");
}

/* http_listen starts libmicrohttpd on ss.  Its own connection cap leaves
 * room for evicted connections not yet closed; its idle timeout (whole
 * seconds) only backs up the deadlines kept here. */
static bool
http_listen(med_http *h, const struct sockaddr_storage *ss)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	/* An IPv6 address ("::") takes IPv4 clients too, as a plain
	 * socket bound there would. */
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	h->daemon = MHD_start_daemon(
		flags, 0, admit, h, on_request, h, MHD_OPTION_SOCK_ADDR,
		(const struct sockaddr *)ss, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)(2 * MAX_CONNS), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)(2 * HEAD_MAX), MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)(SEND_TIMEOUT_MS / 1000 * 6),
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_END);
	return h->daemon != NULL;
}

static void
http_free(med_http *h)
{
	if (h->daemon != NULL)
		MHD_stop_daemon(h->daemon);
	if (h->sweeper_started) {
		pthread_mutex_lock(&h->mu);
		h->stopping = true;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->sweeper, NULL);
	}
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

static med_http *
http_new(med_metrics *m, med_ready_fn ready, void *ctx)
{
	med_http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->metrics = m;
	h->ready = ready;
	h->ctx = ctx;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->wake, NULL);
	return h;
}

med_err
med_http_start(const char *host, int port, med_metrics *m, med_ready_fn ready,
	       void *ctx, const med_http_limits *limits, med_http **out,
	       int *bound_port)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	med_http *h;

	if (out == NULL || port < 0 || port > 65535)
		return MED_ERR_INVALID;
	if ((h = http_new(m, ready, ctx)) == NULL)
		return MED_ERR_NOMEM;
	if (set_limits(h, limits) != MED_OK) {
		http_free(h);
		return MED_ERR_INVALID;
	}
	make_counters(h);
	if (resolve(host, port, &ss) != 0 || !http_listen(h, &ss) ||
	    pthread_create(&h->sweeper, NULL, sweeper_main, h) != 0) {
		med_log_error("http: cannot listen on %s:%d", host ? host : "*",
			      port);
		http_free(h);
		return MED_ERR_IO;
	}
	h->sweeper_started = true;
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (bound_port != NULL)
		*bound_port = info != NULL ? info->port : port;
	*out = h;
	return MED_OK;
}

void
med_http_stop(med_http *h)
{
	if (h == NULL)
		return;
	http_free(h);
}

void
med_http_set_lookup(med_http *h, const char *prefix, med_http_lookup_fn lookup,
		    void *ctx)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->lookup_prefix = prefix;
	h->lookup = prefix != NULL ? lookup : NULL;
	h->lookup_ctx = ctx;
	pthread_mutex_unlock(&h->mu);
}

void
med_http_set_live(med_http *h, med_ready_fn live, void *ctx)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->live = live;
	h->live_ctx = ctx;
	pthread_mutex_unlock(&h->mu);
}
