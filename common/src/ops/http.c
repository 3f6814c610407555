/*
 * http.c - the tiny HTTP/1.1 server for /metrics, /healthz and /readyz.
 *
 * One libuv loop in its own thread.  Each connection reads one request head
 * (capped), answers it and closes (Connection: close), so there is no
 * keep-alive or body handling to get wrong.  med_http_stop wakes the loop
 * with a uv_async, which closes every handle, and joins the thread.
 *
 * The port must keep answering the kubelet's probes while a slow or hostile
 * client is connected, so no client can hold it: one address may keep only
 * a few connections open, a request head must be complete within a deadline
 * counted from the accept (not from the last byte, which a client sending
 * one byte a second would renew for ever), the answer must be taken within
 * another, and when the server is full the oldest connection still waiting
 * for its head makes room for the newcomer.
 */
#include <med/metrics.h>
#include <med/log.h>

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define HEAD_MAX		     8192
#define MAX_CONNS		     256
#define SEND_TIMEOUT_MS		     10000
#define DEFAULT_HEADER_TIMEOUT_MS    5000
#define DEFAULT_MAX_CONNS_PER_CLIENT 8

/* peer_addr - a client's IP address, the key of the per-client limit. */
struct peer_addr {
	size_t len; /* 4 or 16; 0 when the peer is unknown */
	unsigned char bytes[16];
};

struct med_http {
	uv_loop_t loop;
	uv_tcp_t server;
	uv_async_t stop;
	pthread_t thread;
	med_metrics *metrics;
	med_ready_fn ready;
	void *ctx;
	med_http_limits limits;
	int n_conns;
	struct conn *oldest, *newest; /* open connections, in accept order */
	/* Connections closed by the limits, by reason. */
	med_counter *closed_client_limit, *closed_header_timeout,
		*closed_evicted;
	bool loop_ok;
};

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	uv_shutdown_t sd;
	med_http *h;
	struct conn *prev, *next;
	bool listed;
	struct peer_addr peer;
	int open_handles;
	bool answered;
	size_t len;
	char *resp;
	char head[HEAD_MAX + 1];
};

struct reply {
	int status;
	const char *content_type;
	const char *body;
	size_t body_len;
	const char *extra; /* more header lines, "" or "X: y\r\n" */
};

static void
conn_handle_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;

	if (--c->open_handles > 0)
		return;
	c->h->n_conns--;
	free(c->resp);
	free(c);
}

static void
conn_unlist(struct conn *c)
{
	med_http *h = c->h;

	if (!c->listed)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->oldest = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		h->newest = c->prev;
	c->listed = false;
}

static void
conn_list(struct conn *c)
{
	med_http *h = c->h;

	c->prev = h->newest;
	c->next = NULL;
	if (h->newest != NULL)
		h->newest->next = c;
	else
		h->oldest = c;
	h->newest = c;
	c->listed = true;
}

static void
conn_close(struct conn *c)
{
	conn_unlist(c);
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&c->timer))
		uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	conn_close(req->data);
}

static void
on_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	if (status != 0 ||
	    uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
		conn_close(c);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static void on_deadline(uv_timer_t *t);

static void
conn_send(struct conn *c, const struct reply *r)
{
	char hdr[512];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
			 r->status, status_text(r->status), r->content_type,
			 r->body_len, r->extra);
	uv_buf_t b;

	c->answered = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	/* A client that never reads its answer must not hold the socket. */
	uv_timer_start(&c->timer, on_deadline, SEND_TIMEOUT_MS, 0);
	c->resp = malloc((size_t)n + r->body_len);
	if (c->resp == NULL) {
		conn_close(c);
		return;
	}
	memcpy(c->resp, hdr, (size_t)n);
	memcpy(c->resp + n, r->body, r->body_len);
	b = uv_buf_init(c->resp, (unsigned)((size_t)n + r->body_len));
	c->wr.data = c;
	c->sd.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
		conn_close(c);
}

static void
send_text(struct conn *c, int status, const char *body, const char *extra)
{
	struct reply r = {status, "text/plain; charset=utf-8", body,
			  strlen(body), extra};

	conn_send(c, &r);
}

static void
serve_metrics(struct conn *c)
{
	struct reply r = {200, "text/plain; version=0.0.4; charset=utf-8", NULL,
			  0, ""};
	char *text = NULL;

	if (c->h->metrics == NULL ||
	    med_metrics_render(c->h->metrics, &text, &r.body_len) != MED_OK) {
		send_text(c, 500, "metrics unavailable\n", "");
		return;
	}
	r.body = text;
	conn_send(c, &r);
	free(text);
}

static void
route(struct conn *c, const char *method, const char *path)
{
	bool ready;

	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/healthz") != 0 &&
	    strcmp(path, "/readyz") != 0) {
		send_text(c, 404, "not found\n", "");
		return;
	}
	if (strcmp(method, "GET") != 0) {
		send_text(c, 405, "method not allowed\n", "Allow: GET\r\n");
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		serve_metrics(c);
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		send_text(c, 200, "ok\n", "");
		return;
	}
	ready = c->h->ready == NULL || c->h->ready(c->h->ctx);
	send_text(c, ready ? 200 : 503, ready ? "ready\n" : "not ready\n", "");
}

/* parse_request_line splits "METHOD SP TARGET SP HTTP/1.x" in place. */
static bool
parse_request_line(char *line, char **method, char **path)
{
	char *sp1 = strchr(line, ' '), *sp2, *q;

	if (sp1 == NULL || sp1 == line)
		return false;
	sp2 = strchr(sp1 + 1, ' ');
	if (sp2 == NULL || sp1[1] != '/' || strncmp(sp2 + 1, "HTTP/1.", 7))
		return false;
	*sp1 = '\0';
	*sp2 = '\0';
	for (char *p = line; *p; p++)
		if (*p < 'A' || *p > 'Z')
			return false;
	q = strchr(sp1 + 1, '?');
	if (q != NULL)
		*q = '\0';
	*method = line;
	*path = sp1 + 1;
	return true;
}

static void
handle_head(struct conn *c)
{
	char *eol = strstr(c->head, "\r\n"), *method, *path;

	if (eol == NULL)
		eol = strchr(c->head, '\n');
	*eol = '\0';
	if (eol > c->head && eol[-1] == '\r')
		eol[-1] = '\0';
	if (!parse_request_line(c->head, &method, &path)) {
		send_text(c, 400, "bad request\n", "");
		return;
	}
	route(c, method, path);
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = handle->data;

	(void)suggested;
	/* One spare byte beyond the cap tells an oversize head apart. */
	*buf = uv_buf_init(c->head + c->len, (unsigned)(HEAD_MAX + 1 - c->len));
}

static void
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = stream->data;

	(void)buf;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (nread == 0 || c->answered)
		return;
	c->len += (size_t)nread;
	if (c->len > HEAD_MAX) {
		send_text(c, 400, "request head too large\n", "");
		return;
	}
	c->head[c->len] = '\0';
	if (memchr(c->head, '\0', c->len) != NULL) {
		send_text(c, 400, "bad request\n", "");
		return;
	}
	if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n"))
		handle_head(c);
}

static void
on_deadline(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (!c->answered)
		med_counter_add(c->h->closed_header_timeout, 1);
	conn_close(c);
}

/* peer_of reads the client's address; an IPv4-mapped IPv6 one counts as
 * the IPv4 address it maps, so a dual-stack listener limits it alike. */
static void
peer_of(uv_tcp_t *tcp, struct peer_addr *p)
{
	static const unsigned char v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	const unsigned char *a;

	p->len = 0;
	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		memcpy(p->bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		p->len = 4;
	} else if (ss.ss_family == AF_INET6) {
		a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
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
		n += peer_equal(&c->peer, p);
	return n;
}

/* evict_oldest_waiting closes the oldest connection that has not sent its
 * request head yet; false when every connection is being answered. */
static bool
evict_oldest_waiting(med_http *h)
{
	for (struct conn *c = h->oldest; c != NULL; c = c->next) {
		if (c->answered)
			continue;
		med_counter_add(h->closed_evicted, 1);
		conn_close(c);
		return true;
	}
	return false;
}

/* admit applies the limits to a new connection c (not yet listed). */
static bool
admit(med_http *h, struct conn *c)
{
	peer_of(&c->tcp, &c->peer);
	if (conns_from(h, &c->peer) >= h->limits.max_conns_per_client) {
		med_counter_add(h->closed_client_limit, 1);
		return false;
	}
	return h->n_conns <= MAX_CONNS || evict_oldest_waiting(h);
}

static void
on_connection(uv_stream_t *server, int status)
{
	med_http *h = server->data;
	struct conn *c;

	if (status < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->h = h;
	c->tcp.data = c;
	c->timer.data = c;
	uv_tcp_init(&h->loop, &c->tcp);
	uv_timer_init(&h->loop, &c->timer);
	c->open_handles = 2;
	h->n_conns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || !admit(h, c) ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
		conn_close(c);
		return;
	}
	conn_list(c);
	uv_timer_start(&c->timer, on_deadline,
		       (uint64_t)h->limits.header_timeout_ms, 0);
}

static void
close_any(uv_handle_t *handle, void *arg)
{
	(void)arg;
	if (uv_is_closing(handle))
		return;
	/* The server's own handles point at it; the rest are connections. */
	if (handle->data == handle->loop->data)
		uv_close(handle, NULL);
	else
		conn_close(handle->data);
}

static void
on_stop(uv_async_t *a)
{
	uv_walk(a->loop, close_any, NULL);
}

static void *
http_thread(void *arg)
{
	med_http *h = arg;

	uv_run(&h->loop, UV_RUN_DEFAULT);
	return NULL;
}

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

static int
bound_port_of(uv_tcp_t *tcp)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* http_listen sets up the loop, the listener and the stop async. */
static int
http_listen(med_http *h, const char *host, int port)
{
	struct sockaddr_storage ss;
	int rc;

	if (resolve(host, port, &ss) != 0)
		return UV_EINVAL;
	rc = uv_loop_init(&h->loop);
	if (rc != 0)
		return rc;
	h->loop_ok = true;
	h->loop.data = h;
	uv_tcp_init(&h->loop, &h->server);
	h->server.data = h;
	uv_async_init(&h->loop, &h->stop, on_stop);
	h->stop.data = h;
	rc = uv_tcp_bind(&h->server, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&h->server, 128, on_connection);
	return rc;
}

static void
http_loop_free(med_http *h)
{
	uv_walk(&h->loop, close_any, NULL);
	uv_run(&h->loop, UV_RUN_DEFAULT);
	uv_loop_close(&h->loop);
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

med_err
med_http_start(const char *host, int port, med_metrics *m, med_ready_fn ready,
	       void *ctx, const med_http_limits *limits, med_http **out,
	       int *bound_port)
{
	med_http *h;
	int rc;

	if (out == NULL || port < 0 || port > 65535)
		return MED_ERR_INVALID;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return MED_ERR_NOMEM;
	*h = (med_http){.metrics = m, .ready = ready, .ctx = ctx};
	if (set_limits(h, limits) != MED_OK) {
		free(h);
		return MED_ERR_INVALID;
	}
	make_counters(h);
	rc = http_listen(h, host, port);
	if (rc == 0 && pthread_create(&h->thread, NULL, http_thread, h) != 0)
		rc = UV_ENOMEM;
	if (rc != 0) {
		med_log_error("http: cannot listen on %s:%d: %s",
			      host ? host : "*", port, uv_strerror(rc));
		if (h->loop_ok)
			http_loop_free(h);
		free(h);
		return MED_ERR_IO;
	}
	if (bound_port != NULL)
		*bound_port = bound_port_of(&h->server);
	*out = h;
	return MED_OK;
}

void
med_http_stop(med_http *h)
{
	if (h == NULL)
		return;
	uv_async_send(&h->stop);
	pthread_join(h->thread, NULL);
	uv_loop_close(&h->loop);
	free(h);
}
