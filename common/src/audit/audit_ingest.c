/*
 * audit_ingest.c - the receiving end of audit delivery: an NNG rep socket
 * and INGEST_WORKERS threads, each with its own rep context, that unpack
 * an AuditBatch, hand it to the store function and acknowledge it.  Several
 * batches (of different emitters: each waits for its ack before sending
 * the next) are stored at once, so that the store can commit them together
 * (services/audit/append.c groups them in one transaction).
 *
 * No reply is sent when the store fails: the emitter times out and sends the
 * batch again, which is what "acknowledged means stored" requires.  A batch
 * that cannot be parsed gets an empty ack instead, so a broken emitter is
 * not stuck resending it forever.
 *
 * Over tls+tcp:// (audit_tls.c) the handshake already refuses a client
 * without a certificate from the CA; a pipe notification checks once more
 * that the peer was verified before the pipe may carry a batch, and keeps
 * the names on its certificate.  Every service holds a certificate of the
 * one hospital CA, so the CA alone would let any of them (or anyone who
 * steals one key) write events in another service's name: an event is
 * stored only when its service is a name of the certificate it came with.
 * The others are refused (logged, counted, acknowledged so that the
 * emitter does not resend them forever, never stored).
 */
#include <med/audit_tls.h>

#include <med/audit.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "smartmed/common/v1/audit_event.pb-c.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INGEST_MAX_BYTES  (8u << 20)
#define INGEST_MAX_EVENTS 1024
#define EVENT_ID_MAX	  64
/* The most emitter connections whose certificate names are kept; more
 * are refused (every service keeps one or two). */
#define INGEST_MAX_PIPES 4096
/* Batches received and stored at once: one per emitter a busy node has,
 * give or take; more only wait on the store's one transaction. */
#define INGEST_WORKERS 8

/* peer_entry - the certificate names of one open pipe. */
typedef struct peer_entry {
	uint32_t pipe_id;
	med_audit_peer peer;
} peer_entry;

struct med_audit_ingest {
	nng_socket sock;
	bool tls;
	pthread_t threads[INGEST_WORKERS];
	int n_threads;
	med_audit_store_fn store;
	void *ctx;
	med_counter *refused_service;
	char *services; /* comma-separated; NULL: any name */
	/* The open TLS pipes' certificate names, unsorted. */
	pthread_mutex_t peers_mu;
	peer_entry *peers;
	size_t n_peers, cap_peers;
	/* Batches a worker is storing and acknowledging, and whether stop
	 * has begun: the socket is closed only once none is in flight, as
	 * NNG 1.5 can destroy a context's lock under an nng_ctx_send that a
	 * concurrent nng_close races (test_audit's malformed_batch aborted
	 * in reply_ack on a loaded machine). */
	pthread_mutex_t flight_mu;
	pthread_cond_t flight_done;
	int in_flight;
	bool stopping;
};

static bool
str_ok(const char *s)
{
	return s != NULL && med_utf8_valid(s, strlen(s));
}

/* details_ok: every detail present with valid text (the store clips). */
static bool
details_ok(const Smartmed__Common__V1__AuditEvent *e)
{
	for (size_t i = 0; i < e->n_details; i++)
		if (e->details[i] == NULL || !str_ok(e->details[i]->key) ||
		    !str_ok(e->details[i]->value))
			return false;
	return true;
}

static bool
event_ok(const Smartmed__Common__V1__AuditEvent *e)
{
	size_t id_len = e->event_id ? strlen(e->event_id) : 0;

	return id_len > 0 && id_len <= EVENT_ID_MAX && str_ok(e->event_id) &&
	       str_ok(e->service) && str_ok(e->action) && str_ok(e->actor) &&
	       str_ok(e->actor_roles) && str_ok(e->patient_id) &&
	       str_ok(e->resource) && str_ok(e->request_id) &&
	       str_ok(e->detail) && str_ok(e->action_code) &&
	       str_ok(e->purpose_of_use) && details_ok(e);
}

static bool
batch_ok(const Smartmed__Common__V1__AuditBatch *b)
{
	if (b == NULL || b->n_events == 0 || b->n_events > INGEST_MAX_EVENTS)
		return false;
	for (size_t i = 0; i < b->n_events; i++)
		if (!event_ok(b->events[i]))
			return false;
	return true;
}

/* worker - one receiving thread: its rep context and its aio. */
typedef struct worker {
	med_audit_ingest *in;
	nng_ctx ctx;
	nng_aio *aio;
} worker;

static void
reply_ack(worker *w, uint32_t stored, uint32_t duplicates)
{
	Smartmed__Common__V1__AuditAck ack =
		SMARTMED__COMMON__V1__AUDIT_ACK__INIT;
	uint8_t buf[32];
	nng_msg *msg = NULL;
	size_t len;
	int rc;

	ack.stored = stored;
	ack.duplicates = duplicates;
	len = smartmed__common__v1__audit_ack__pack(&ack, buf);
	rc = nng_msg_alloc(&msg, 0);
	if (rc == 0)
		rc = nng_msg_append(msg, buf, len);
	if (rc == 0) {
		/* The reply goes to the pipe this context's request came
		 * from: the context keeps it. */
		nng_aio_set_msg(w->aio, msg);
		nng_ctx_send(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		rc = nng_aio_result(w->aio);
		if (rc == 0)
			msg = NULL; /* sent: NNG owns it */
	}
	nng_msg_free(msg);
	if (rc != 0 && rc != NNG_ECLOSED)
		med_log_warn("audit ingest: cannot send ack: %s",
			     nng_strerror(rc));
}

/* peer_find copies the certificate names of the pipe with id pipe_id;
 * false when it is not (or no longer) open. */
static bool
peer_find(med_audit_ingest *in, uint32_t pipe_id, med_audit_peer *out)
{
	bool found = false;

	pthread_mutex_lock(&in->peers_mu);
	for (size_t i = 0; i < in->n_peers && !found; i++) {
		if (in->peers[i].pipe_id != pipe_id)
			continue;
		*out = in->peers[i].peer;
		found = true;
	}
	pthread_mutex_unlock(&in->peers_mu);
	return found;
}

/* service_listed: no list, or name is one of its comma-separated names. */
static bool
service_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (list == NULL)
		return true;
	for (const char *p = list; *p != '\0'; p += *p == ',') {
		size_t n = strcspn(p, ",");
		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p += n;
	}
	return false;
}

/*
 * keep_named moves the events of b whose service p names to the front of
 * b->events, in their order, and returns how many there are; the others
 * are logged and counted.  (Their pointers stay in the array, so that the
 * batch is freed whole.)
 */
static size_t
keep_named(med_audit_ingest *in, Smartmed__Common__V1__AuditBatch *b,
	   const med_audit_peer *p)
{
	size_t kept = 0;

	for (size_t i = 0; i < b->n_events; i++) {
		Smartmed__Common__V1__AuditEvent *e = b->events[i];
		if (!med_audit_peer_has_name(p, e->service) ||
		    !service_listed(in->services, e->service)) {
			med_log_warn("audit ingest: event %s refused: it "
				     "claims service \"%.64s\" but came with "
				     "the certificate of \"%s\" (a service "
				     "writes its own events only)",
				     e->event_id, e->service, p->names[0]);
			med_counter_add(in->refused_service, 1);
			continue;
		}
		b->events[i] = b->events[kept];
		b->events[kept++] = e;
	}
	return kept;
}

static void
handle_batch(worker *w, nng_msg *msg)
{
	med_audit_ingest *in = w->in;
	Smartmed__Common__V1__AuditBatch *b;
	uint32_t stored = 0, dups = 0;
	med_audit_peer peer;
	size_t len = nng_msg_len(msg), n;
	med_err err;

	/* A pipe closed since it sent this: no ack can reach it, and the
	 * emitter resends on its next connection. */
	if (in->tls &&
	    !peer_find(in, nng_pipe_id(nng_msg_get_pipe(msg)), &peer)) {
		med_log_warn("audit ingest: batch from a connection it no "
			     "longer knows (pipe %u) dropped; the emitter "
			     "will resend",
			     (unsigned)nng_pipe_id(nng_msg_get_pipe(msg)));
		return;
	}
	b = smartmed__common__v1__audit_batch__unpack(NULL, len,
						      nng_msg_body(msg));
	if (!batch_ok(b)) {
		med_log_warn("audit ingest: malformed batch of %zu bytes "
			     "ignored",
			     len);
		reply_ack(w, 0, 0);
		goto free_batch;
	}
	n = in->tls ? keep_named(in, b, &peer) : b->n_events;
	if (n == 0) {
		reply_ack(w, 0, 0);
		goto free_batch;
	}
	err = in->store(in->ctx, b->events, n, &stored, &dups);
	if (err != MED_OK) {
		med_log_warn("audit ingest: store failed (%s); the emitter "
			     "will resend",
			     med_strerror(err));
		goto free_batch;
	}
	reply_ack(w, stored, dups);
free_batch:
	if (b != NULL)
		smartmed__common__v1__audit_batch__free_unpacked(b, NULL);
}

/* flight_begin: may the worker handle the batch it received (and count
 * it in flight)?  False once stop has begun: the batch is dropped
 * unacknowledged and the emitter, which spooled it, sends it again. */
static bool
flight_begin(med_audit_ingest *in)
{
	bool go;

	pthread_mutex_lock(&in->flight_mu);
	go = !in->stopping;
	if (go)
		in->in_flight++;
	pthread_mutex_unlock(&in->flight_mu);
	return go;
}

static void
flight_end(med_audit_ingest *in)
{
	pthread_mutex_lock(&in->flight_mu);
	if (--in->in_flight == 0)
		pthread_cond_broadcast(&in->flight_done);
	pthread_mutex_unlock(&in->flight_mu);
}

/* flights_land marks stop begun and waits for the batches in flight to
 * be stored and acknowledged, before the socket may close. */
static void
flights_land(med_audit_ingest *in)
{
	pthread_mutex_lock(&in->flight_mu);
	in->stopping = true;
	while (in->in_flight > 0)
		pthread_cond_wait(&in->flight_done, &in->flight_mu);
	pthread_mutex_unlock(&in->flight_mu);
}

static void *
ingest_main(void *arg)
{
	med_audit_ingest *in = arg;
	worker w = {.in = in};
	int rc = nng_ctx_open(&w.ctx, in->sock);

	if (rc == 0)
		rc = nng_aio_alloc(&w.aio, NULL, NULL);
	while (rc == 0) {
		nng_msg *msg;

		nng_ctx_recv(w.ctx, w.aio);
		nng_aio_wait(w.aio);
		rc = nng_aio_result(w.aio);
		if (rc == NNG_ECLOSED)
			break;
		if (rc != 0) {
			med_log_warn("audit ingest: receive failed: %s",
				     nng_strerror(rc));
			rc = 0;
			continue;
		}
		msg = nng_aio_get_msg(w.aio);
		nng_aio_set_msg(w.aio, NULL);
		if (!flight_begin(in)) {
			nng_msg_free(msg);
			break;
		}
		handle_batch(&w, msg);
		nng_msg_free(msg);
		flight_end(in);
	}
	if (rc != 0 && rc != NNG_ECLOSED)
		med_log_error("audit ingest: a receiving thread stopped: %s",
			      nng_strerror(rc));
	if (w.aio != NULL)
		nng_aio_free(w.aio);
	return NULL;
}

/* workers_start starts the receiving threads; an NNG error code. */
static int
workers_start(med_audit_ingest *in)
{
	for (int i = 0; i < INGEST_WORKERS; i++) {
		if (pthread_create(&in->threads[i], NULL, ingest_main, in) != 0)
			return NNG_ENOMEM;
		in->n_threads++;
	}
	return 0;
}

/* workers_join waits for the threads (the socket is closed). */
static void
workers_join(med_audit_ingest *in)
{
	for (int i = 0; i < in->n_threads; i++)
		pthread_join(in->threads[i], NULL);
	in->n_threads = 0;
}

/* peer_add keeps the names of a new pipe; false when the table is full. */
static bool
peer_add(med_audit_ingest *in, uint32_t pipe_id, const med_audit_peer *p)
{
	bool ok = true;

	pthread_mutex_lock(&in->peers_mu);
	if (in->n_peers == in->cap_peers) {
		size_t cap = in->cap_peers ? 2 * in->cap_peers : 16;
		peer_entry *grown =
			cap > INGEST_MAX_PIPES
				? NULL
				: realloc(in->peers, cap * sizeof(*grown));
		if (grown != NULL) {
			in->peers = grown;
			in->cap_peers = cap;
		}
		ok = grown != NULL;
	}
	if (ok)
		in->peers[in->n_peers++] = (peer_entry){pipe_id, *p};
	pthread_mutex_unlock(&in->peers_mu);
	return ok;
}

/*
 * pipe_added refuses a TLS pipe whose peer is not verified (with
 * NNG_TLS_AUTH_MODE_REQUIRED the handshake fails first; this guards
 * against that setting ever being lost) and keeps its certificate's names.
 */
static void
pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	med_audit_ingest *in = arg;
	med_audit_peer peer;
	int rc;

	(void)ev;
	if (!in->tls)
		return;
	rc = med_audit_tls_peer_names(p, &peer);
	if (rc != 0) {
		med_log_warn("audit ingest: emitter without a verified, named "
			     "client certificate refused: %s",
			     nng_strerror(rc));
		nng_pipe_close(p);
		return;
	}
	if (!peer_add(in, nng_pipe_id(p), &peer)) {
		med_log_warn("audit ingest: more than %d emitter connections; "
			     "one refused",
			     INGEST_MAX_PIPES);
		nng_pipe_close(p);
	}
}

/* pipe_removed forgets a closed pipe's names. */
static void
pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	med_audit_ingest *in = arg;
	uint32_t id = nng_pipe_id(p);

	(void)ev;
	pthread_mutex_lock(&in->peers_mu);
	for (size_t i = 0; i < in->n_peers; i++) {
		if (in->peers[i].pipe_id != id)
			continue;
		in->peers[i] = in->peers[--in->n_peers];
		break;
	}
	pthread_mutex_unlock(&in->peers_mu);
}

static med_err
ingest_check(const med_audit_ingest_opts *o, bool *use_tls, char *errbuf,
	     size_t errlen)
{
	if (o == NULL || o->url == NULL || o->url[0] == '\0' ||
	    o->store == NULL) {
		snprintf(errbuf, errlen,
			 "audit ingest: url and store are required");
		return MED_ERR_INVALID;
	}
	return med_audit_tls_check(o->url, o->tls, o->allow_plaintext, use_tls,
				   errbuf, errlen);
}

med_err
med_audit_ingest_start(const med_audit_ingest_opts *o, med_audit_ingest **out,
		       char *errbuf, size_t errlen)
{
	char dummy[1];
	med_audit_ingest *in;
	bool use_tls = false;
	int rc;

	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	if (out == NULL || ingest_check(o, &use_tls, errbuf, errlen) != MED_OK)
		return MED_ERR_INVALID;
	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return MED_ERR_NOMEM;
	in->store = o->store;
	in->ctx = o->ctx;
	in->tls = use_tls;
	in->refused_service = o->refused_service;
	if (o->services != NULL && o->services[0] != '\0' &&
	    (in->services = strdup(o->services)) == NULL) {
		free(in);
		return MED_ERR_NOMEM;
	}
	pthread_mutex_init(&in->peers_mu, NULL);
	pthread_mutex_init(&in->flight_mu, NULL);
	pthread_cond_init(&in->flight_done, NULL);
	rc = nng_rep0_open(&in->sock);
	if (rc != 0)
		goto free_in;
	nng_socket_set_size(in->sock, NNG_OPT_RECVMAXSZ, INGEST_MAX_BYTES);
	rc = nng_pipe_notify(in->sock, NNG_PIPE_EV_ADD_PRE, pipe_added, in);
	if (rc == 0)
		rc = nng_pipe_notify(in->sock, NNG_PIPE_EV_REM_POST,
				     pipe_removed, in);
	if (rc == 0)
		rc = med_audit_tls_listen(in->sock, o->url,
					  use_tls ? o->tls : NULL);
	if (rc == 0)
		rc = workers_start(in);
	if (rc != 0)
		goto close_sock;
	*out = in;
	return MED_OK;
close_sock:
	flights_land(in);
	nng_close(in->sock);
	workers_join(in);
free_in:
	pthread_mutex_destroy(&in->peers_mu);
	pthread_mutex_destroy(&in->flight_mu);
	pthread_cond_destroy(&in->flight_done);
	free(in->services);
	free(in);
	snprintf(errbuf, errlen, "audit ingest: cannot listen on %s: %s",
		 o->url, nng_strerror(rc));
	return rc == NNG_EADDRINVAL || rc == NNG_ENOTSUP || rc == NNG_EINVAL ||
			       rc == NNG_ECRYPTO
		       ? MED_ERR_INVALID
		       : MED_ERR_IO;
}

void
med_audit_ingest_stop(med_audit_ingest *in)
{
	if (in == NULL)
		return;
	flights_land(in);
	nng_close(in->sock);
	workers_join(in);
	pthread_mutex_destroy(&in->peers_mu);
	pthread_mutex_destroy(&in->flight_mu);
	pthread_cond_destroy(&in->flight_done);
	free(in->peers);
	free(in->services);
	free(in);
}
