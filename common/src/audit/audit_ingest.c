/*
 * audit_ingest.c - the receiving end of audit delivery: an NNG rep socket
 * and one thread that unpacks each AuditBatch, hands it to the store
 * function and acknowledges it.
 *
 * No reply is sent when the store fails: the emitter times out and sends the
 * batch again, which is what "acknowledged means stored" requires.  A batch
 * that cannot be parsed gets an empty ack instead, so a broken emitter is
 * not stuck resending it forever.
 *
 * Over tls+tcp:// (audit_tls.c) the handshake already refuses a client
 * without a certificate from the CA; a pipe notification checks once more
 * that the peer was verified before the pipe may carry a batch.
 */
#include <med/audit_tls.h>

#include <med/audit.h>
#include <med/log.h>
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

struct med_audit_ingest {
	nng_socket sock;
	bool tls;
	pthread_t thread;
	med_audit_store_fn store;
	void *ctx;
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

static void
reply_ack(med_audit_ingest *in, uint32_t stored, uint32_t duplicates)
{
	Smartmed__Common__V1__AuditAck ack =
		SMARTMED__COMMON__V1__AUDIT_ACK__INIT;
	uint8_t buf[32];
	size_t len;
	int rc;

	ack.stored = stored;
	ack.duplicates = duplicates;
	len = smartmed__common__v1__audit_ack__pack(&ack, buf);
	rc = nng_send(in->sock, buf, len, 0);
	if (rc != 0 && rc != NNG_ECLOSED)
		med_log_warn("audit ingest: cannot send ack: %s",
			     nng_strerror(rc));
}

static void
handle_batch(med_audit_ingest *in, const uint8_t *msg, size_t len)
{
	Smartmed__Common__V1__AuditBatch *b;
	uint32_t stored = 0, dups = 0;
	med_err err;

	b = smartmed__common__v1__audit_batch__unpack(NULL, len, msg);
	if (!batch_ok(b)) {
		med_log_warn("audit ingest: malformed batch of %zu bytes "
			     "ignored",
			     len);
		reply_ack(in, 0, 0);
		goto free_batch;
	}
	err = in->store(in->ctx, b->events, b->n_events, &stored, &dups);
	if (err != MED_OK) {
		med_log_warn("audit ingest: store failed (%s); the emitter "
			     "will resend",
			     med_strerror(err));
		goto free_batch;
	}
	reply_ack(in, stored, dups);
free_batch:
	if (b != NULL)
		smartmed__common__v1__audit_batch__free_unpacked(b, NULL);
}

static void *
ingest_main(void *arg)
{
	med_audit_ingest *in = arg;

	for (;;) {
		void *msg = NULL;
		size_t len = 0;
		int rc = nng_recv(in->sock, &msg, &len, NNG_FLAG_ALLOC);

		if (rc == NNG_ECLOSED)
			break;
		if (rc != 0) {
			med_log_warn("audit ingest: receive failed: %s",
				     nng_strerror(rc));
			continue;
		}
		handle_batch(in, msg, len);
		nng_free(msg, len);
	}
	return NULL;
}

/*
 * pipe_added refuses a TLS pipe whose peer is not verified.  With
 * NNG_TLS_AUTH_MODE_REQUIRED the handshake fails first; this guards
 * against that setting ever being lost.
 */
static void
pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	med_audit_ingest *in = arg;
	bool verified = false;

	(void)ev;
	if (!in->tls)
		return;
	if (nng_pipe_get_bool(p, NNG_OPT_TLS_VERIFIED, &verified) != 0 ||
	    !verified) {
		med_log_warn("audit ingest: emitter without a verified client "
			     "certificate refused");
		nng_pipe_close(p);
	}
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
	rc = nng_rep0_open(&in->sock);
	if (rc != 0)
		goto free_in;
	nng_socket_set_size(in->sock, NNG_OPT_RECVMAXSZ, INGEST_MAX_BYTES);
	rc = nng_pipe_notify(in->sock, NNG_PIPE_EV_ADD_PRE, pipe_added, in);
	if (rc == 0)
		rc = med_audit_tls_listen(in->sock, o->url,
					  use_tls ? o->tls : NULL);
	if (rc == 0 && pthread_create(&in->thread, NULL, ingest_main, in) != 0)
		rc = NNG_ENOMEM;
	if (rc != 0)
		goto close_sock;
	*out = in;
	return MED_OK;
close_sock:
	nng_close(in->sock);
free_in:
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
	nng_close(in->sock);
	pthread_join(in->thread, NULL);
	free(in);
}
