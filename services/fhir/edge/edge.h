/*
 * edge.h - the facade's HTTPS edge (edge/, above dispatch/): the server
 * (server.c, the only user of libmicrohttpd), its settings (edge.c),
 * request targets (target.c), whom a full port or a full address share
 * closes for a newcomer (fair.c), each user's requests in flight (inflight.c),
 * the audit of its refusals (edgeaudit.c) and the self-probe behind /healthz
 * (liveness.c).
 */
#ifndef FHIR_EDGE_H
#define FHIR_EDGE_H

#include "fhir_facade.h"

/* fhir_inflight - the requests each user has in flight (inflight.c). */
typedef struct fhir_inflight fhir_inflight;

/* fhir_inflight_new makes a table for at most max_requests requests in
 * flight, max_per_user of one user (0: no cap), counting refusals in m
 * (may be NULL).  Errors: MED_ERR_NOMEM. */
med_err fhir_inflight_new(unsigned max_per_user, size_t max_requests,
			  struct med_metrics *m, fhir_inflight **out);

/* fhir_inflight_free frees t (NULL is fine). */
void fhir_inflight_free(fhir_inflight *t);

/* fhir_inflight_enter counts a request whose Authorization header is
 * authorization against its user, whose name it writes into user (""
 * when not counted: no valid token, or no cap).  MED_ERR_LIMIT: the user
 * already has the most requests in flight, nothing counted (user names
 * them, for the audit: the caller clears it before any leave).
 * Thread-safe. */
med_err fhir_inflight_enter(fhir_inflight *t, const struct fhir_facade *f,
			    const char *authorization, char *user, size_t cap);

/* fhir_inflight_leave ends a request fhir_inflight_enter counted for
 * user ("" : none). */
void fhir_inflight_leave(fhir_inflight *t, const char *user);

/* fhir_inflight_refuse writes the 429 (Retry-After) of a refused
 * request into resp, in a. */
void fhir_inflight_refuse(const fhir_inflight *t, med_arena *a,
			  struct fhir_response *resp);

/* fhir_edge_audit - the audit of the edge's refusals (edgeaudit.c): one
 * event per peer, reason and user per window, with a count. */
typedef struct fhir_edge_audit fhir_edge_audit;

/* fhir_edge_refusal - one request the edge refused. */
typedef struct fhir_edge_refusal {
	const char *peer;   /* the client's address; NULL: unknown */
	const char *reason; /* "framing", "target", "user_inflight" */
	const char *user;   /* who the token says; NULL or "": not known */
	const char *why;    /* what was said to the client */
	int http_status;
	int grpc_code;
} fhir_edge_refusal;

/* fhir_edge_audit_new makes the table, emitting into audit (NULL: no
 * events) with windows of window_s.  Errors: MED_ERR_NOMEM. */
med_err fhir_edge_audit_new(struct med_audit *audit, int window_s,
			    fhir_edge_audit **out);

/* fhir_edge_audit_free frees t (NULL is fine). */
void fhir_edge_audit_free(fhir_edge_audit *t);

/* fhir_edge_audit_refused counts ref (copied); emits nothing.
 * Thread-safe. */
void fhir_edge_audit_refused(fhir_edge_audit *t, const fhir_edge_refusal *ref);

/* fhir_edge_audit_flush emits what is due at now_ms: the first refusals
 * of new windows and the counts of ended ones (all: every count, at
 * stop).  Blocks on the audit spool; one caller at a time. */
void fhir_edge_audit_flush(fhir_edge_audit *t, int64_t now_ms, bool all);

/* fhir_fair_seat - one open connection as fhir_fair_victim sees it
 * (fair.c). */
typedef struct fhir_fair_seat {
	uint32_t addr;	  /* the client's IPv4 address; 0: not known */
	int64_t since_ms; /* when it began to wait for a request head */
	bool idle;	  /* waiting for a request head (none running) */
	void *conn;	  /* the caller's: which connection this is */
} fhir_fair_seat;

/* fhir_fair_victim picks, of the n open connections in seats (sorted in
 * place), the one to close so that a connection from addr can be taken:
 * the oldest idle connection of the other address holding the most,
 * when that address holds at least two more than addr does.  Returns its
 * index in seats, or -1: addr already holds its share (refuse the
 * newcomer).  Connections of an unknown address count as one address. */
long fhir_fair_victim(fhir_fair_seat *seats, size_t n, uint32_t addr);

/* What fhir_fair_own_victim returns when it closes none of addr's. */
#define FHIR_FAIR_ROOM (-1) /* addr holds less than its share: take it */
#define FHIR_FAIR_BUSY (-2) /* all of addr's share is busy: refuse it */

/* fhir_fair_own_victim picks, of the n open connections in seats (left
 * in order), the one to close so that a newer connection from addr can
 * be taken when addr already holds max_per_addr: addr's oldest idle
 * connection, never one whose request is being read or answered.
 * Returns its index in seats, FHIR_FAIR_ROOM or FHIR_FAIR_BUSY. */
long fhir_fair_own_victim(const fhir_fair_seat *seats, size_t n, uint32_t addr,
			  size_t max_per_addr);

typedef struct fhir_server fhir_server;

/*
 * fhir_server_start serves HTTPS on host:port (IPv4; port 0 picks one,
 * *bound_port gets it) with tls's certificate and key, handing every
 * request to fhir_handle.  tls must come from med_tls_load: its files are
 * re-read when they change, and new connections get the new certificate.
 * Errors: MED_ERR_INVALID (host, certificate), MED_ERR_IO.
 */
med_err fhir_server_start(fhir_facade *f, const char *host, int port,
			  const med_tls *tls, fhir_server **out,
			  int *bound_port);

/* fhir_server_stop stops serving and waits for connections to end. */
void fhir_server_stop(fhir_server *s);

/* --- fhiredge: edge settings, liveness, SMART ------------------------- */

/* fhir_edge_configure reads the edge's and SMART's settings of p into f
 * (before fhir_server_start).  Errors: MED_ERR_INVALID (named in the
 * log: a GnuTLS priority string GnuTLS refuses, an unreadable client CA,
 * an endpoint that is not https). */
med_err fhir_edge_configure(fhir_facade *f, med_process *p) MED_MUST_CHECK;

/* fhir_path_ok is true for a request target the edge serves: an
 * origin-form path of unreserved characters, with no percent-encoding
 * (an encoded '/', '\\' or NUL would mean something else after decoding),
 * no empty, "." or ".." segment, and a query without an encoded NUL;
 * *why says what is wrong otherwise. */
bool fhir_path_ok(const char *target, const char **why);

/* fhir_server_probe_start starts s's self-probe of host:port (the bound
 * one), once f's base path is known; nothing when MED_FHIR_LIVENESS_PROBE_MS
 * is 0.  Errors: fhir_liveness_start's. */
med_err fhir_server_probe_start(fhir_server *s, const char *host,
				int port) MED_MUST_CHECK;

typedef struct fhir_liveness fhir_liveness;

/*
 * fhir_liveness_start probes https://HOST:port (127.0.0.1 for a wildcard
 * host) every period_ms: a TLS handshake and GET path must complete
 * within a deadline; three failures in a row make the process not live
 * (/healthz 503), one success live again.  Errors: MED_ERR_NOMEM,
 * MED_ERR_IO (no thread).
 */
med_err fhir_liveness_start(med_process *p, const char *host, int port,
			    const char *path, const char *priority,
			    int period_ms, fhir_liveness **out) MED_MUST_CHECK;

/* fhir_liveness_stop ends the probe and frees l; NULL is fine. */
void fhir_liveness_stop(fhir_liveness *l);

#endif
