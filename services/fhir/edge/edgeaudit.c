/*
 * edgeaudit.c - audit events for the requests the HTTPS edge refuses
 * before any service is asked (issue 49): a request target that is not a
 * plain path, a body with two framings (request smuggling) and a user's
 * request past MED_FHIR_MAX_INFLIGHT_PER_USER.
 *
 * A refusal costs the refused client nothing, so a flood of them must not
 * become a flood of audit events (each one a record in the spool, an
 * fdatasync and a row in the log).  Refusals are counted per peer
 * address, reason and user, one entry each: the first refusal of an entry
 * is audited at once, the next ones within MED_FHIR_EDGE_AUDIT_WINDOW_S
 * are counted and audited as one event with their count when the window
 * ends (then a new window starts; an entry whose window saw no refusal is
 * dropped).  A steady flood from one address is one event per window.
 * The table holds at most EDGE_AUDIT_MAX entries: refusals of further
 * peers are counted under the peer "*" for their reason, so memory and
 * events stay bounded whatever the number of addresses.
 *
 * The request threads only count (a lock and a table walk); the events
 * are emitted by the edge's sweeper thread (fhir_edge_audit_flush), so no
 * request thread waits for the spool's disk.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/audit.h>
#include <med/log.h>
#include <med/util.h>

#include "edge.h"

#define EDGE_AUDIT_MAX	  256
#define EDGE_AUDIT_SPARE  8 /* rows kept for the overflow rows */
#define EDGE_AUDIT_ACTION "fhir/edge-refused"
#define PEER_MAX	  48
#define REASON_MAX	  24
#define WHY_MAX		  160

/* edge_refusal - the refusals of one peer, reason and user. */
typedef struct edge_refusal {
	char peer[PEER_MAX];
	char reason[REASON_MAX];
	char user[MED_PRINCIPAL_NAME_MAX];
	char why[WHY_MAX]; /* the latest refusal's */
	int http_status, grpc_code;
	int64_t window_from_ms;
	uint64_t n;	  /* refusals not yet audited */
	bool audited_one; /* the window's first is audited */
} edge_refusal;

struct fhir_edge_audit {
	pthread_mutex_t lock;
	struct med_audit *audit;
	int64_t window_ms;
	edge_refusal *rows; /* rows[0..n_rows) */
	size_t n_rows;
	edge_refusal *out; /* flush's copies, emitted unlocked */
};

med_err
fhir_edge_audit_new(struct med_audit *audit, int window_s,
		    fhir_edge_audit **out)
{
	fhir_edge_audit *t = calloc(1, sizeof(*t));

	if (t == NULL ||
	    (t->rows = calloc(EDGE_AUDIT_MAX, sizeof(*t->rows))) == NULL ||
	    (t->out = calloc(EDGE_AUDIT_MAX, sizeof(*t->out))) == NULL) {
		if (t != NULL)
			free(t->rows);
		free(t);
		return MED_ERR_NOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->audit = audit;
	t->window_ms = (int64_t)window_s * 1000;
	*out = t;
	return MED_OK;
}

void
fhir_edge_audit_free(fhir_edge_audit *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->rows);
	free(t->out);
	free(t);
}

/* row_of finds the row of peer, reason and user, or makes one (the
 * overflow row "*" of reason when the table is full; lock held). */
static edge_refusal *
row_of(fhir_edge_audit *t, const char *peer, const char *reason,
       const char *user, int64_t now_ms)
{
	edge_refusal *r;

	for (size_t i = 0; i < t->n_rows; i++) {
		r = &t->rows[i];
		if (strcmp(r->peer, peer) == 0 &&
		    strcmp(r->reason, reason) == 0 &&
		    strcmp(r->user, user) == 0)
			return r;
	}
	if (t->n_rows >= EDGE_AUDIT_MAX - EDGE_AUDIT_SPARE &&
	    strcmp(peer, "*") != 0)
		return row_of(t, "*", reason, "", now_ms);
	if (t->n_rows == EDGE_AUDIT_MAX)
		return NULL; /* more reasons than spare rows */
	r = &t->rows[t->n_rows++];
	memset(r, 0, sizeof(*r));
	med_strlcpy(r->peer, peer, sizeof(r->peer));
	med_strlcpy(r->reason, reason, sizeof(r->reason));
	med_strlcpy(r->user, user, sizeof(r->user));
	r->window_from_ms = now_ms;
	return r;
}

void
fhir_edge_audit_refused(fhir_edge_audit *t, const fhir_edge_refusal *ref)
{
	edge_refusal *r;

	if (t == NULL || t->audit == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	r = row_of(t, ref->peer ? ref->peer : "-", ref->reason,
		   ref->user ? ref->user : "", med_now_ms());
	if (r != NULL) {
		r->n++;
		r->http_status = ref->http_status;
		r->grpc_code = ref->grpc_code;
		med_strlcpy(r->why, ref->why, sizeof(r->why));
	}
	pthread_mutex_unlock(&t->lock);
}

/* emit audits r: its n refusals, the first of a window or the rest. */
static void
emit(fhir_edge_audit *t, const edge_refusal *r)
{
	char count[24], status[12], window[24];
	const med_audit_detail details[] = {
		{"peer", r->peer},    {"reason", r->reason},
		{"count", count},     {"http_status", status},
		{"window_s", window}, {"interface", "fhir"},
	};
	med_audit_event ev = {
		.action = EDGE_AUDIT_ACTION,
		.actor = r->user,
		.resource = "fhir-edge",
		.outcome = r->grpc_code,
		.detail = r->why,
		.action_code = "E",
		.details = details,
		.n_details = sizeof(details) / sizeof(*details),
	};

	snprintf(count, sizeof(count), "%llu", (unsigned long long)r->n);
	snprintf(status, sizeof(status), "%d", r->http_status);
	snprintf(window, sizeof(window), "%lld",
		 (long long)(t->window_ms / 1000));
	if (med_audit_emit(t->audit, &ev) != MED_OK)
		med_log_error("fhir: the audit event of %llu refusals (%s) "
			      "of %s could not be spooled",
			      (unsigned long long)r->n, r->reason, r->peer);
}

/* due copies into t->out what is to be audited now and drops the rows
 * whose window ended quiet; returns how many (lock held). */
static size_t
due(fhir_edge_audit *t, int64_t now_ms, bool all)
{
	size_t n_out = 0, i = 0;

	while (i < t->n_rows) {
		edge_refusal *r = &t->rows[i];
		bool ended = all || now_ms - r->window_from_ms >= t->window_ms;

		if (r->n > 0 && (!r->audited_one || ended)) {
			t->out[n_out++] = *r;
			if (r->audited_one)
				r->window_from_ms = now_ms;
			r->audited_one = true;
			r->n = 0;
		} else if (ended && r->n == 0) {
			*r = t->rows[--t->n_rows];
			continue;
		}
		i++;
	}
	return n_out;
}

void
fhir_edge_audit_flush(fhir_edge_audit *t, int64_t now_ms, bool all)
{
	size_t n;

	if (t == NULL || t->audit == NULL)
		return;
	/* One flusher at a time (the sweeper, then the stop): out is
	 * shared. */
	pthread_mutex_lock(&t->lock);
	n = due(t, now_ms, all);
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < n; i++)
		emit(t, &t->out[i]);
}
