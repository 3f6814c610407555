/*
 * listener.c - the MLLP listener: NNG's byte-stream listener on
 * tls+tcp:// with the service's certificate, the sender's certificate
 * required and checked against MED_TLS_CA (tcp:// only when
 * MED_HL7_TRUSTED_NETWORK says the interface network is trusted).  Each
 * connection is one sender and has its own thread, which reads a frame,
 * answers it and only then reads the next: messages are processed in the
 * order they were sent, one at a time.
 */
#include <med/log.h>
#include <med/util.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7_svc.h"

#define READ_BYTES (64u * 1024)
#define ACK_BYTES  4096

typedef struct conn conn;

struct hl7_listener {
	hl7_state *st;
	nng_stream_listener *l;
	nng_tls_config *tls;
	pthread_t accept_thread;
	pthread_mutex_t lock;
	pthread_cond_t gone;
	conn **conns; /* max_connections slots */
	int n_conns;
	bool stopping;
};

struct conn {
	hl7_listener *li;
	nng_stream *s;
	char sender[260];
};

/* --- one connection ------------------------------------------------------ */

static int
stream_io(nng_stream *s, void *buf, size_t len, bool send, size_t *done)
{
	nng_aio *aio;
	nng_iov iov = {.iov_buf = buf, .iov_len = len};
	int rc = nng_aio_alloc(&aio, NULL, NULL);

	if (rc != 0)
		return rc;
	if ((rc = nng_aio_set_iov(aio, 1, &iov)) == 0) {
		if (send)
			nng_stream_send(s, aio);
		else
			nng_stream_recv(s, aio);
		nng_aio_wait(aio);
		rc = nng_aio_result(aio);
		*done = nng_aio_count(aio);
	}
	nng_aio_free(aio);
	return rc;
}

static int
send_all(nng_stream *s, const char *buf, size_t len)
{
	while (len > 0) {
		size_t n = 0;
		int rc = stream_io(s, (void *)buf, len, true, &n);

		if (rc != 0)
			return rc;
		buf += n;
		len -= n;
	}
	return 0;
}

static int
answer(conn *c, hl7_framer *f, char *ack, char *wire)
{
	size_t ack_len = 0, wire_len = 0;

	hl7_process(c->li->st, f->buf, f->len, f->total, f->oversize, c->sender,
		    sizeof(c->sender), ack, ACK_BYTES, &ack_len);
	hl7_framer_next(f);
	if (ack_len == 0 || hl7_frame_wrap(ack, ack_len, wire, ACK_BYTES + 3,
					   &wire_len) != MED_OK)
		return NNG_EINTERNAL;
	return send_all(c->s, wire, wire_len);
}

/* serve reads frames until the peer goes, the framing breaks or the
 * listener stops. */
static void
serve(conn *c, char *msg, char *in, char *ack, char *wire)
{
	hl7_framer f;

	hl7_framer_init(&f, msg, c->li->st->max_bytes);
	for (;;) {
		size_t n = 0, off = 0;

		if (stream_io(c->s, in, READ_BYTES, false, &n) != 0 || n == 0)
			return;
		while (off < n) {
			size_t used = 0;
			hl7_frame_event ev =
				hl7_framer_feed(&f, in + off, n - off, &used);

			off += used;
			if (ev == HL7_FRAME_BROKEN) {
				med_log_warn("hl7: %s: bytes outside an MLLP "
					     "frame; closing the connection",
					     c->sender[0] ? c->sender
							  : "a sender");
				return;
			}
			if (ev == HL7_FRAME_MESSAGE &&
			    answer(c, &f, ack, wire) != 0)
				return;
		}
	}
}

/* set_open shows the number of open connections (under li->lock). */
static void
set_open(hl7_listener *li)
{
	med_gauge *g =
		med_metrics_gauge(li->st->metrics, "smartmed_hl7_connections",
				  "MLLP connections open", "");

	if (g != NULL)
		med_gauge_set(g, li->n_conns);
}

static void
conn_remove(conn *c)
{
	hl7_listener *li = c->li;

	pthread_mutex_lock(&li->lock);
	for (int i = 0; i < li->st->max_connections; i++)
		if (li->conns[i] == c)
			li->conns[i] = NULL;
	li->n_conns--;
	set_open(li);
	pthread_cond_broadcast(&li->gone);
	pthread_mutex_unlock(&li->lock);
}

static void *
conn_main(void *arg)
{
	conn *c = arg;
	char *msg = malloc(c->li->st->max_bytes);
	char *in = malloc(READ_BYTES);
	char *ack = malloc(ACK_BYTES);
	char *wire = malloc(ACK_BYTES + 3);

	if (msg && in && ack && wire)
		serve(c, msg, in, ack, wire);
	hl7_sender_release(c->sender);
	/* Off the list first: from then on the listener's stop does not
	 * touch the stream this thread frees. */
	conn_remove(c);
	nng_stream_close(c->s);
	nng_stream_free(c->s);
	free(wire);
	free(ack);
	free(in);
	free(msg);
	free(c);
	return NULL;
}

/* --- accepting ----------------------------------------------------------- */

/* conn_add registers a connection, or refuses it above the cap. */
static bool
conn_add(hl7_listener *li, conn *c)
{
	bool ok = false;

	pthread_mutex_lock(&li->lock);
	for (int i = 0; i < li->st->max_connections && !li->stopping; i++)
		if (li->conns[i] == NULL) {
			li->conns[i] = c;
			li->n_conns++;
			set_open(li);
			ok = true;
			break;
		}
	pthread_mutex_unlock(&li->lock);
	return ok;
}

static void
start_conn(hl7_listener *li, nng_stream *s)
{
	conn *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;

	if (c == NULL || (c->li = li, c->s = s, !conn_add(li, c))) {
		med_log_warn("hl7: connection refused: %d connections open "
			     "(MED_HL7_MAX_CONNECTIONS)",
			     li->st->max_connections);
		free(c);
		nng_stream_close(s);
		nng_stream_free(s);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, c) != 0) {
		conn_remove(c);
		nng_stream_close(s);
		nng_stream_free(s);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

static void *
accept_main(void *arg)
{
	hl7_listener *li = arg;
	nng_aio *aio;

	if (nng_aio_alloc(&aio, NULL, NULL) != 0)
		return NULL;
	for (;;) {
		int rc;

		nng_stream_listener_accept(li->l, aio);
		nng_aio_wait(aio);
		rc = nng_aio_result(aio);
		if (rc == NNG_ECLOSED || rc == NNG_ECANCELED)
			break;
		if (rc != 0) {
			/* A failed handshake (no or a bad client certificate)
			 * ends that connection only. */
			med_log_warn("hl7: accept: %s", nng_strerror(rc));
			continue;
		}
		start_conn(li, nng_aio_get_output(aio, 0));
	}
	nng_aio_free(aio);
	return NULL;
}

/* --- start and stop ------------------------------------------------------ */

static med_err
tls_config(const med_config *c, nng_tls_config **out)
{
	med_tls t = {0};
	char errbuf[256];
	nng_tls_config *cfg = NULL;
	int rc;
	med_err err = med_tls_load(&t, med_config_str(c, "MED_TLS_CERT"),
				   med_config_str(c, "MED_TLS_KEY"),
				   med_config_str(c, "MED_TLS_CA"), errbuf,
				   sizeof(errbuf));

	if (err != MED_OK) {
		med_log_error("hl7: MLLP over TLS: %s", errbuf);
		return err;
	}
	rc = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER);
	if (rc == 0 &&
	    (rc = nng_tls_config_ca_chain(cfg, t.ca_pem, NULL)) == 0 &&
	    (rc = nng_tls_config_own_cert(cfg, t.cert_pem, t.key_pem, NULL)) ==
		    0)
		rc = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED);
	med_tls_fini(&t);
	if (rc != 0) {
		med_log_error("hl7: TLS configuration: %s", nng_strerror(rc));
		if (cfg != NULL)
			nng_tls_config_free(cfg);
		return MED_ERR_INVALID;
	}
	*out = cfg;
	return MED_OK;
}

static med_err
listen_on(hl7_listener *li, const med_config *c)
{
	bool trusted = med_config_bool(c, HL7_TRUSTED_KEY);
	char url[128];
	int rc, port = 0;
	med_err err;

	snprintf(url, sizeof(url), "%s://%s:%d", trusted ? "tcp" : "tls+tcp",
		 med_config_str(c, "MED_LISTEN_HOST"),
		 (int)med_config_int(c, HL7_PORT_KEY));
	if (!trusted && (err = tls_config(c, &li->tls)) != MED_OK)
		return err;
	if ((rc = nng_stream_listener_alloc(&li->l, url)) != 0 ||
	    (li->tls != NULL &&
	     (rc = nng_stream_listener_set_ptr(li->l, NNG_OPT_TLS_CONFIG,
					       li->tls)) != 0) ||
	    (rc = nng_stream_listener_listen(li->l)) != 0) {
		med_log_error("hl7: listen on %s: %s", url, nng_strerror(rc));
		return MED_ERR_IO;
	}
	if (nng_stream_listener_get_int(li->l, NNG_OPT_TCP_BOUND_PORT, &port) !=
	    0)
		port = (int)med_config_int(c, HL7_PORT_KEY);
	med_log_info("hl7: MLLP on %s port %d%s", trusted ? "tcp" : "tls+tcp",
		     port,
		     trusted ? " (plain TCP: MED_HL7_TRUSTED_NETWORK)" : "");
	return MED_OK;
}

static void
listener_free(hl7_listener *li)
{
	if (li->l != NULL)
		nng_stream_listener_free(li->l);
	if (li->tls != NULL)
		nng_tls_config_free(li->tls);
	pthread_cond_destroy(&li->gone);
	pthread_mutex_destroy(&li->lock);
	free(li->conns);
	free(li);
}

med_err
hl7_listener_start(hl7_state *st, const med_config *c)
{
	hl7_listener *li = calloc(1, sizeof(*li));
	med_err err;

	if (li == NULL)
		return MED_ERR_NOMEM;
	li->st = st;
	pthread_mutex_init(&li->lock, NULL);
	pthread_cond_init(&li->gone, NULL);
	li->conns = calloc((size_t)st->max_connections, sizeof(conn *));
	if (li->conns == NULL) {
		listener_free(li);
		return MED_ERR_NOMEM;
	}
	if ((err = listen_on(li, c)) != MED_OK) {
		listener_free(li);
		return err;
	}
	if (pthread_create(&li->accept_thread, NULL, accept_main, li) != 0) {
		listener_free(li);
		return MED_ERR_INTERNAL;
	}
	st->listener = li;
	return MED_OK;
}

void
hl7_listener_stop(hl7_state *st)
{
	hl7_listener *li = st->listener;

	if (li == NULL)
		return;
	nng_stream_listener_close(li->l);
	pthread_join(li->accept_thread, NULL);
	pthread_mutex_lock(&li->lock);
	li->stopping = true;
	/* Closing a stream ends its thread's read; the message being
	 * processed finishes first (its ACK may not reach the sender, who
	 * sends it again: the store answers the resend). */
	for (int i = 0; i < st->max_connections; i++)
		if (li->conns[i] != NULL)
			nng_stream_close(li->conns[i]->s);
	while (li->n_conns > 0)
		pthread_cond_wait(&li->gone, &li->lock);
	pthread_mutex_unlock(&li->lock);
	listener_free(li);
	st->listener = NULL;
}
