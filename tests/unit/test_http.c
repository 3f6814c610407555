/*
 * test_http.c - the metrics/health HTTP server (ops/metrics_http.c, on
 * libmicrohttpd), spoken to over raw sockets.
 */
#include "testlib.h"

#include <med/http.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static atomic_bool ready_flag;

static bool
is_ready(void *ctx)
{
	(void)ctx;
	return atomic_load(&ready_flag);
}

/* dial_from connects to 127.0.0.1:port from the loopback address src
 * (127.0.0.2 is another client as far as the server can tell). */
static int
dial_from(const char *src, int port)
{
	struct sockaddr_in sa = {0}, from = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	MT_TRUE(fd >= 0);
	from.sin_family = AF_INET;
	MT_EQ_INT(inet_pton(AF_INET, src, &from.sin_addr), 1);
	MT_OK(bind(fd, (struct sockaddr *)&from, sizeof(from)));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	MT_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	return fd;
}

static int
dial(int port)
{
	return dial_from("127.0.0.1", port);
}

/* exchange sends req and reads the whole reply (the server closes). */
static size_t
exchange(int port, const char *req, size_t req_len, char *out, size_t cap)
{
	int fd = dial(port);
	size_t got = 0;
	ssize_t n;

	/* The server may close early on a bad head; ignore send errors. */
	(void)!send(fd, req, req_len, MSG_NOSIGNAL);
	while (got + 1 < cap && (n = recv(fd, out + got, cap - 1 - got, 0)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	return got;
}

static int
get(int port, const char *method, const char *path, char *out, size_t cap)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\n\r\n",
			 method, path);
	int status = 0;

	exchange(port, req, (size_t)n, out, cap);
	if (sscanf(out, "HTTP/1.1 %d", &status) != 1)
		return -1;
	return status;
}

static const char *
body_of(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");

	return p ? p + 4 : "";
}

struct fixture {
	med_metrics *m;
	med_http *h;
	int port;
};

static void
fixture_start_limited(struct fixture *f, const med_http_limits *limits)
{
	f->m = med_metrics_new();
	MT_TRUE(f->m != NULL);
	MT_OK(med_http_start("127.0.0.1", 0, f->m, is_ready, NULL, limits,
			     &f->h, &f->port));
	MT_TRUE(f->port > 0);
}

static void
fixture_start(struct fixture *f)
{
	fixture_start_limited(f, NULL);
}

static void
fixture_stop(struct fixture *f)
{
	med_http_stop(f->h);
	med_metrics_free(f->m);
}

static void
test_metrics_endpoint(void)
{
	struct fixture f;
	static char buf[1 << 16];

	fixture_start(&f);
	med_counter_add(med_metrics_counter(f.m, "med_hits_total", "h", ""), 7);
	MT_EQ_INT(get(f.port, "GET", "/metrics", buf, sizeof(buf)), 200);
	MT_TRUE(strstr(buf, "Content-Type: text/plain; version=0.0.4"));
	MT_TRUE(strstr(buf, "Connection: close\r\n"));
	MT_TRUE(strstr(body_of(buf), "\nmed_hits_total 7\n"));
	MT_TRUE(strstr(body_of(buf), "process_open_fds"));
	fixture_stop(&f);
}

static void
test_healthz(void)
{
	struct fixture f;
	char buf[1024];

	fixture_start(&f);
	MT_EQ_INT(get(f.port, "GET", "/healthz", buf, sizeof(buf)), 200);
	MT_EQ_STR(body_of(buf), "ok\n");
	MT_EQ_INT(get(f.port, "GET", "/healthz?x=1", buf, sizeof(buf)), 200);
	fixture_stop(&f);
}

static void
test_readyz(void)
{
	struct fixture f;
	char buf[1024];

	fixture_start(&f);
	atomic_store(&ready_flag, false);
	MT_EQ_INT(get(f.port, "GET", "/readyz", buf, sizeof(buf)), 503);
	MT_EQ_STR(body_of(buf), "not ready\n");
	atomic_store(&ready_flag, true);
	MT_EQ_INT(get(f.port, "GET", "/readyz", buf, sizeof(buf)), 200);
	MT_EQ_STR(body_of(buf), "ready\n");
	fixture_stop(&f);
}

static void
test_not_found(void)
{
	struct fixture f;
	char buf[1024];

	fixture_start(&f);
	MT_EQ_INT(get(f.port, "GET", "/nope", buf, sizeof(buf)), 404);
	MT_EQ_INT(get(f.port, "GET", "/metricsx", buf, sizeof(buf)), 404);
	fixture_stop(&f);
}

static void
test_method_not_allowed(void)
{
	struct fixture f;
	char buf[1024];

	fixture_start(&f);
	MT_EQ_INT(get(f.port, "POST", "/metrics", buf, sizeof(buf)), 405);
	MT_TRUE(strstr(buf, "Allow: GET\r\n"));
	MT_EQ_INT(get(f.port, "DELETE", "/healthz", buf, sizeof(buf)), 405);
	fixture_stop(&f);
}

static void
test_garbage(void)
{
	static const char *const bad[] = {
		"hello\r\n\r\n",
		"GET\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET metrics HTTP/1.1\r\n\r\n",
		"get /metrics HTTP/1.1\r\n\r\n",
		"GET /metrics SPDY/3\r\n\r\n",
	};
	struct fixture f;
	char buf[1024];

	fixture_start(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = 0;

		exchange(f.port, bad[i], strlen(bad[i]), buf, sizeof(buf));
		/* A line with no target at all (the first two) is closed
		 * unanswered by libmicrohttpd; the rest get a 400. */
		if (i < 2 && buf[0] == '\0')
			continue;
		MT_EQ_INT(sscanf(buf, "HTTP/1.1 %d", &status), 1);
		MT_EQ_INT(status, 400);
	}
	/* Never a 200, and the server still answers afterwards. */
	MT_EQ_INT(get(f.port, "GET", "/healthz", buf, sizeof(buf)), 200);
	fixture_stop(&f);
}

static void
test_oversize_head(void)
{
	struct fixture f;
	size_t len = 64 * 1024;
	char *req = malloc(len), buf[1024];
	int status = 0;

	fixture_start(&f);
	memcpy(req, "GET /metrics HTTP/1.1\r\nX-Pad: ", 30);
	memset(req + 30, 'a', len - 30);
	exchange(f.port, req, len, buf, sizeof(buf));
	/* Either a 431 (Request Header Fields Too Large) arrives or the
	 * connection is reset; never a 200. */
	if (buf[0] != '\0') {
		MT_EQ_INT(sscanf(buf, "HTTP/1.1 %d", &status), 1);
		MT_EQ_INT(status, 431);
	}
	/* The server still answers afterwards. */
	MT_EQ_INT(get(f.port, "GET", "/healthz", buf, sizeof(buf)), 200);
	free(req);
	fixture_stop(&f);
}

static void
test_split_request(void)
{
	struct fixture f;
	char buf[1024];
	ssize_t n;
	size_t got = 0;
	int fd;

	fixture_start(&f);
	fd = dial(f.port);
	MT_EQ_INT(send(fd, "GET /hea", 8, 0), 8);
	usleep(20000);
	MT_EQ_INT(send(fd, "lthz HTTP/1.1\r\n\r\n", 17, 0), 17);
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	MT_TRUE(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
	fixture_stop(&f);
}

static void
test_bind_failure(void)
{
	struct fixture f;
	med_http *h2 = NULL;
	int port2 = 0;

	fixture_start(&f);
	MT_EQ_INT(med_http_start("127.0.0.1", f.port, f.m, NULL, NULL, NULL,
				 &h2, &port2),
		  MED_ERR_IO);
	MT_TRUE(h2 == NULL);
	fixture_stop(&f);
}

static void
test_stop_with_open_connection(void)
{
	struct fixture f;
	int fd;

	fixture_start(&f);
	/* An idle client must not keep stop from finishing or leak. */
	fd = dial(f.port);
	MT_EQ_INT(send(fd, "GET /", 5, 0), 5);
	usleep(20000);
	fixture_stop(&f);
	close(fd);
	med_http_stop(NULL);
}

/* half_request opens a connection from src that sends half a request. */
static int
half_request(const char *src, int port)
{
	int fd = dial_from(src, port);

	MT_EQ_INT(send(fd, "GET /hea", 8, 0), 8);
	return fd;
}

/* closed_within_ms waits up to limit_ms for the server to close fd;
 * returns how long that took, or -1 if it stayed open. */
static long
closed_within_ms(int fd, long limit_ms)
{
	struct timeval tv = {limit_ms / 1000, (limit_ms % 1000) * 1000};
	struct timespec t0, t1;
	char b[64];
	ssize_t n;

	MT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = recv(fd, b, sizeof(b), 0)) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (n < 0 && errno != ECONNRESET)
		return -1;
	return (t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

/* closed_count reads smartmed_http_connections_closed_total{reason}. */
static long
closed_count(med_metrics *m, const char *reason)
{
	char want[128], *text = NULL, *p;
	size_t len;
	long v = -1;

	snprintf(want, sizeof(want),
		 "\nsmartmed_http_connections_closed_total{reason=\"%s\"} ",
		 reason);
	MT_OK(med_metrics_render(m, &text, &len));
	p = strstr(text, want);
	if (p != NULL)
		v = strtol(p + strlen(want), NULL, 10);
	free(text);
	return v;
}

/* healthz_from asks for /healthz from the loopback address src. */
static int
healthz_from(const char *src, int port)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\n\r\n";
	char buf[512];
	int fd = dial_from(src, port), status = 0;
	ssize_t n;
	size_t got = 0;

	MT_EQ_INT(send(fd, req, sizeof(req) - 1, 0), sizeof(req) - 1);
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	return status;
}

static void
test_client_limit(void)
{
	med_http_limits lim = {.max_conns_per_client = 3};
	struct fixture f;
	int held[3], extra;
	long ms;

	fixture_start_limited(&f, &lim);
	for (int i = 0; i < 3; i++)
		held[i] = half_request("127.0.0.1", f.port);
	/* A fourth from the same client is closed at once... */
	extra = half_request("127.0.0.1", f.port);
	ms = closed_within_ms(extra, 2000);
	MT_TRUE(ms >= 0 && ms < 1000);
	close(extra);
	/* ...while another client is answered. */
	MT_EQ_INT(healthz_from("127.0.0.2", f.port), 200);
	MT_EQ_INT(closed_count(f.m, "client_limit"), 1);
	MT_EQ_INT(closed_count(f.m, "header_timeout"), 0);
	for (int i = 0; i < 3; i++)
		close(held[i]);
	fixture_stop(&f);
}

static void
test_header_deadline(void)
{
	med_http_limits lim = {.header_timeout_ms = 300};
	struct fixture f;
	int fd;
	long ms;

	fixture_start_limited(&f, &lim);
	fd = half_request("127.0.0.1", f.port);
	usleep(150000);
	/* Bytes that come in do not renew the deadline. */
	MT_EQ_INT(send(fd, "lthz", 4, 0), 4);
	ms = closed_within_ms(fd, 5000);
	MT_TRUE(ms >= 0 && ms < 1500);
	close(fd);
	MT_EQ_INT(closed_count(f.m, "header_timeout"), 1);
	MT_EQ_INT(get(f.port, "GET", "/healthz", (char[256]){0}, 256), 200);
	fixture_stop(&f);
}

static void
test_full_server_evicts_oldest_waiting(void)
{
	med_http_limits lim = {.max_conns_per_client = 256};
	struct fixture f;
	int held[256];

	fixture_start_limited(&f, &lim);
	for (int i = 0; i < 256; i++)
		held[i] = half_request("127.0.0.1", f.port);
	/* The server is full; a probe from elsewhere still gets in. */
	MT_EQ_INT(healthz_from("127.0.0.2", f.port), 200);
	MT_TRUE(closed_within_ms(held[0], 2000) >= 0);
	MT_EQ_INT(closed_count(f.m, "evicted"), 1);
	for (int i = 0; i < 256; i++)
		close(held[i]);
	fixture_stop(&f);
}

static void
test_bad_limits(void)
{
	med_http_limits neg = {.header_timeout_ms = -1};
	med_http_limits many = {.max_conns_per_client = 257};
	med_http *h = NULL;

	MT_EQ_INT(med_http_start("127.0.0.1", 0, NULL, NULL, NULL, &neg, &h,
				 NULL),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_http_start("127.0.0.1", 0, NULL, NULL, NULL, &many, &h,
				 NULL),
		  MED_ERR_INVALID);
	MT_TRUE(h == NULL);
}

/* known_lookup knows "1.2.3", cannot say for "down", not the rest. */
static int
known_lookup(void *ctx, const char *key)
{
	(void)ctx;
	if (strcmp(key, "down") == 0)
		return -1;
	return strcmp(key, "1.2.3") == 0;
}

static void
test_lookup(void)
{
	struct fixture f;
	char buf[1024];

	fixture_start(&f);
	MT_EQ_INT(get(f.port, "GET", "/gate/1.2.3", buf, sizeof(buf)), 404);
	med_http_set_lookup(f.h, "/gate/", known_lookup, NULL);
	MT_EQ_INT(get(f.port, "GET", "/gate/1.2.3", buf, sizeof(buf)), 200);
	MT_EQ_STR(body_of(buf), "yes\n");
	MT_EQ_INT(get(f.port, "GET", "/gate/1.2.4", buf, sizeof(buf)), 404);
	MT_EQ_STR(body_of(buf), "no\n");
	MT_EQ_INT(get(f.port, "GET", "/gate/down", buf, sizeof(buf)), 503);
	MT_EQ_INT(get(f.port, "GET", "/gate/", buf, sizeof(buf)), 400);
	MT_EQ_INT(get(f.port, "GET", "/gate/a%2Fb", buf, sizeof(buf)), 400);
	MT_EQ_INT(get(f.port, "POST", "/gate/1.2.3", buf, sizeof(buf)), 405);
	MT_EQ_INT(get(f.port, "GET", "/healthz", buf, sizeof(buf)), 200);
	med_http_set_lookup(f.h, NULL, NULL, NULL);
	MT_EQ_INT(get(f.port, "GET", "/gate/1.2.3", buf, sizeof(buf)), 404);
	fixture_stop(&f);
}

static const mt_case cases[] = {
	{"metrics_endpoint", test_metrics_endpoint},
	{"healthz", test_healthz},
	{"readyz", test_readyz},
	{"not_found", test_not_found},
	{"method_not_allowed", test_method_not_allowed},
	{"garbage", test_garbage},
	{"oversize_head", test_oversize_head},
	{"split_request", test_split_request},
	{"bind_failure", test_bind_failure},
	{"stop_with_open_connection", test_stop_with_open_connection},
	{"client_limit", test_client_limit},
	{"header_deadline", test_header_deadline},
	{"full_server_evicts_oldest_waiting",
	 test_full_server_evicts_oldest_waiting},
	{"bad_limits", test_bad_limits},
	{"lookup", test_lookup},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
