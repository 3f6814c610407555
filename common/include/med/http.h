/*
 * med/http.h - the small HTTP server of every process (ops layer): GET
 * /metrics, /healthz and /readyz on libuv, in its own thread.  Apart from
 * med/metrics.h because the registry sits in the bottom layer and the
 * server in the top one (tools/dev/check_symbols.py).
 */
#ifndef MED_HTTP_H
#define MED_HTTP_H

#include <stdbool.h>
#include <med/err.h>
#include <med/metrics.h>

typedef struct med_http med_http;

/* med_ready_fn says whether the service is ready (for /readyz). */
typedef bool (*med_ready_fn)(void *ctx);

/*
 * med_http_limits - what one client may hold on the HTTP port, so that a
 * slow or hostile client cannot starve the probes.  A zero field takes its
 * default.
 */
typedef struct med_http_limits {
	/* A connection whose request head is not complete this long after
	 * the accept is closed; 0 = 5000. */
	int header_timeout_ms;
	/* Open connections one client address may hold (1..256); a further
	 * one is closed at once; 0 = 8. */
	int max_conns_per_client;
} med_http_limits;

/*
 * med_http_start serves GET /metrics, /healthz (always 200 while the process
 * runs) and /readyz (200 when ready(ctx), else 503) on host:port, within
 * limits (NULL: the defaults).  Port 0 picks one; *bound_port gets it.
 * Connections closed by the limits are counted in m as
 * smartmed_http_connections_closed_total{reason}.  Errors: MED_ERR_INVALID
 * (a negative limit), MED_ERR_IO (bind failed).
 */
med_err med_http_start(const char *host, int port, med_metrics *m,
		       med_ready_fn ready, void *ctx,
		       const med_http_limits *limits, med_http **out,
		       int *bound_port) MED_MUST_CHECK;

/*
 * med_http_set_live makes /healthz answer 200 only while live(ctx) is
 * true (503 "not live" otherwise); NULL: always 200.  For a process whose
 * own port can stop serving while this one still answers (the FHIR
 * facade's HTTPS).  Thread-safe.
 */
void med_http_set_live(med_http *h, med_ready_fn live, void *ctx);

/* med_http_lookup_fn says whether a key is known: 1 yes, 0 no, a
 * negative number when it cannot say now (its database away). */
typedef int (*med_http_lookup_fn)(void *ctx, const char *key);

/*
 * med_http_set_lookup answers GET <prefix><key> with 200 "yes" when
 * lookup(ctx, key) says yes, 404 "no" when no and 503 when it cannot say;
 * a key that is not 1 to 128 of [0-9A-Za-z._-] is 400.  For a question
 * another program on the network asks by HTTP alone (the PACS's filter
 * asks diagnosis whether it has an overlay to store into a study).  prefix
 * is borrowed for h's life; lookup runs on the server's thread.  One
 * lookup per server; NULL removes it.  Thread-safe.
 */
void med_http_set_lookup(med_http *h, const char *prefix,
			 med_http_lookup_fn lookup, void *ctx);

/* med_http_stop stops the server thread and frees h; NULL is fine. */
void med_http_stop(med_http *h);

#endif
