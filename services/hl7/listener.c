/*
 * listener.c - the MLLP listener: NNG's byte-stream listener on
 * tls+tcp:// with the service's certificate, the sender's certificate
 * required and checked against MED_TLS_CA (tcp:// only when
 * MED_HL7_TRUSTED_NETWORK says the interface network is trusted).  Each
 * connection is one sender and has its own thread, which reads a frame,
 * answers it and only then reads the next: messages are processed in the
 * order they were sent, one at a time.
 *
 * A connection holds a slot of MED_HL7_MAX_CONNECTIONS only once it has
 * sent its first message (TLS handshake done, a whole frame read): before
 * that it is pending, in a pool of its own (MED_HL7_MAX_PENDING, sized
 * for thousands: a pending connection is a descriptor and an idle
 * thread), so that silent connections cannot keep an honest sender out;
 * when that pool is full a newcomer closes one that has waited at least
 * half the first message's deadline (of the address holding the most,
 * the oldest), or is refused when none has.  Every read has a deadline
 * (hl7_read_timeout: the first message, any one message, the silence
 * between messages), one address holds at most
 * MED_HL7_MAX_CONNECTIONS_PER_ADDRESS connections past their first
 * message (a newcomer closes the one of them silent the longest), and a
 * sender's newer connection takes over from its older one (issue 49,
 * item 1).  No cap at accept holds one address's pending connections:
 * a flood from the honest sender's own address (a shared engine host, a
 * NAT) then costs it no try, and the pool's choice of whom to close
 * already falls on the address holding the most (issue 74).
 */
#include <med/audit_tls.h>
#include <med/log.h>
#include <med/util.h>

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7_svc.h"

#define READ_BYTES (64u * 1024)
#define ACK_BYTES  4096
/* An ACK a peer does not take within this time ends the connection. */
#define SEND_TIMEOUT_MS 30000
/* Descriptors fd_room keeps beside the MLLP pools. */
#define FD_RESERVE 256

typedef struct conn conn;

struct hl7_listener {
	hl7_state *st;
	nng_stream_listener *l;
	nng_tls_config *tls;
	pthread_t accept_thread;
	pthread_mutex_t lock;
	pthread_cond_t gone;
	conn **conns;	      /* max_connections: past their first message */
	conn **pending;	      /* max_pending: before it */
	hl7_waiting *waiting; /* max_pending: evict_one's scratch */
	int n_threads;	      /* connection threads alive */
	bool stopping;
};

struct conn {
	hl7_listener *li;
	nng_stream *s;
	char sender[260];
	char addr[64]; /* the peer's address, "" when NNG cannot say */
	int64_t accepted_ms;
	int64_t last_ms; /* its last ACK (atomic: read by other threads) */
	/* Who the peer is (know_peer, after the first read): its
	 * certificate's names and "addr:IP", as hl7_process checks them. */
	bool peer_known;
	med_audit_peer cert;
	char addr_name[72];
	hl7_peer peer;
};

/* mono_ms is a clock that no setting of the wall clock moves. */
static int64_t
mono_ms(void)
{
	return med_mono_ns() / 1000000;
}

/* closed counts a connection the listener closed, by why. */
static void
closed(hl7_listener *li, const char *why)
{
	char labels[64];
	med_counter *c;

	snprintf(labels, sizeof(labels), "reason=\"%s\"", why);
	c = med_metrics_counter(
		li->st->metrics, "smartmed_hl7_connections_closed_total",
		"MLLP connections the listener closed, by why", labels);
	if (c != NULL)
		med_counter_add(c, 1);
}

/* --- one connection ------------------------------------------------------ */

/* stream_io sends or receives once, within timeout_ms (0: no limit). */
static int
stream_io(nng_stream *s, void *buf, size_t len, bool send, int64_t timeout_ms,
	  size_t *done)
{
	nng_aio *aio;
	nng_iov iov = {.iov_buf = buf, .iov_len = len};
	int rc = nng_aio_alloc(&aio, NULL, NULL);

	if (rc != 0)
		return rc;
	if (timeout_ms > 0)
		nng_aio_set_timeout(aio, (nng_duration)timeout_ms);
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
		int rc = stream_io(s, (void *)buf, len, true, SEND_TIMEOUT_MS,
				   &n);

		if (rc != 0)
			return rc;
		buf += n;
		len -= n;
	}
	return 0;
}

/* label_add appends name to the peer's label, as far as it fits. */
static void
label_add(hl7_peer *p, const char *name)
{
	size_t n = strlen(p->label);

	snprintf(p->label + n, sizeof(p->label) - n, "%s%s", n ? ", " : "",
		 name);
}

/*
 * know_peer learns who is on the other end, once the handshake is done
 * (after the first read): over TLS the names of the verified client
 * certificate, on a trusted plain-TCP network "addr:IP"; the label (logs,
 * audit) has both.  An address binding holds only on plain TCP: over TLS
 * the certificate says who it is, and any certificate of the CA on a bound
 * engine's host (or behind the same NAT) could otherwise speak for its
 * senders.
 */
static void
know_peer(conn *c)
{
	hl7_peer *p = &c->peer;

	c->peer_known = true;
	if (c->li->tls != NULL &&
	    med_tls_stream_peer_names(c->s, &c->cert) != 0)
		med_log_warn("hl7: %s: the certificate's names cannot be read",
			     c->addr[0] ? c->addr : "a connection");
	for (size_t i = 0; i < c->cert.n_names && p->n_names < HL7_PEER_NAMES;
	     i++) {
		p->names[p->n_names++] = c->cert.names[i];
		label_add(p, c->cert.names[i]);
	}
	if (c->addr[0] == '\0')
		return;
	snprintf(c->addr_name, sizeof(c->addr_name), "addr:%s", c->addr);
	label_add(p, c->addr_name);
	if (c->li->tls == NULL && p->n_names < HL7_PEER_NAMES)
		p->names[p->n_names++] = c->addr_name;
}

static int
answer(conn *c, hl7_framer *f, char *ack, char *wire)
{
	size_t ack_len = 0, wire_len = 0;

	hl7_process(c->li->st, &c->peer, f->buf, f->len, f->total, f->oversize,
		    c->sender, sizeof(c->sender), ack, ACK_BYTES, &ack_len);
	hl7_framer_next(f);
	if (ack_len == 0 || hl7_frame_wrap(ack, ack_len, wire, ACK_BYTES + 3,
					   &wire_len) != MED_OK)
		return NNG_EINTERNAL;
	return send_all(c->s, wire, wire_len);
}

static bool promote(conn *c);

/* read_some reads what the peer sent within the deadline that applies;
 * false when it hung up, broke or kept silent too long (counted). */
static bool
read_some(conn *c, const hl7_framer *f, bool first_done, int64_t frame_ms,
	  char *in, size_t *n)
{
	const hl7_deadlines *d = &c->li->st->deadlines;
	int64_t wait = hl7_read_timeout(d, first_done, f->state, c->accepted_ms,
					frame_ms, mono_ms());
	int rc = wait > 0 ? stream_io(c->s, in, READ_BYTES, false, wait, n)
			  : NNG_ETIMEDOUT;

	if (rc == NNG_ETIMEDOUT) {
		const char *why = !first_done		       ? "first_message"
				  : f->state != HL7_FRAME_IDLE ? "message"
							       : "idle";

		med_log_info("hl7: %s (%s): no %s in time; closing",
			     c->sender[0] ? c->sender : "a connection",
			     c->addr[0] ? c->addr : "?",
			     strcmp(why, "idle") == 0 ? "message" : why);
		closed(c->li, why);
		return false;
	}
	return rc == 0 && *n > 0;
}

/* serve reads frames until the peer goes, the framing breaks, a deadline
 * passes or the listener closes the connection. */
static void
serve(conn *c, char *msg, char *in, char *ack, char *wire)
{
	hl7_framer f;
	bool first_done = false;
	int64_t frame_ms = 0; /* when the current frame's first byte came */

	hl7_framer_init(&f, msg, c->li->st->max_bytes);
	for (;;) {
		size_t n = 0, off = 0;
		int64_t read_ms;

		if (!read_some(c, &f, first_done, frame_ms, in, &n))
			return;
		if (!c->peer_known)
			know_peer(c);
		read_ms = mono_ms();
		while (off < n) {
			size_t used = 0;
			hl7_frame_event ev;

			if (f.state == HL7_FRAME_IDLE)
				frame_ms = read_ms;
			ev = hl7_framer_feed(&f, in + off, n - off, &used);
			off += used;
			if (ev == HL7_FRAME_BROKEN) {
				med_log_warn("hl7: %s: bytes outside an MLLP "
					     "frame; closing the connection",
					     c->sender[0] ? c->sender
							  : "a sender");
				return;
			}
			if (ev != HL7_FRAME_MESSAGE)
				continue;
			if (answer(c, &f, ack, wire) != 0)
				return;
			__atomic_store_n(&c->last_ms, mono_ms(),
					 __ATOMIC_RELAXED);
			if (!first_done && !promote(c))
				return;
			first_done = true;
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
		med_gauge_set(g, li->n_threads);
}

/* slot_drop forgets c in slots[0..n) (under li->lock). */
static void
slot_drop(conn **slots, int n, const conn *c)
{
	for (int i = 0; i < n; i++)
		if (slots[i] == c)
			slots[i] = NULL;
}

/* slot_free returns a free slot of slots[0..n), or -1. */
static int
slot_free(conn *const *slots, int n)
{
	for (int i = 0; i < n; i++)
		if (slots[i] == NULL)
			return i;
	return -1;
}

static void
conn_remove(conn *c)
{
	hl7_listener *li = c->li;

	pthread_mutex_lock(&li->lock);
	slot_drop(li->conns, li->st->max_connections, c);
	slot_drop(li->pending, li->st->max_pending, c);
	li->n_threads--;
	set_open(li);
	pthread_cond_broadcast(&li->gone);
	pthread_mutex_unlock(&li->lock);
}

/*
 * take_over closes the older connections of c's sender (under li->lock):
 * a sender that reconnects (its engine restarted, a network path changed)
 * is never locked out by a connection it left behind; the older one's
 * message in hand is answered first, and its sender resends what it did
 * not get an ACK for.
 */
static void
take_over(hl7_listener *li, const conn *c)
{
	if (c->sender[0] == '\0')
		return;
	for (int i = 0; i < li->st->max_connections; i++) {
		conn *o = li->conns[i];

		if (o == NULL || o == c || strcmp(o->sender, c->sender) != 0)
			continue;
		med_log_info("hl7: %s connected again; closing its older "
			     "connection",
			     c->sender);
		closed(li, "taken_over");
		nng_stream_close(o->s);
		li->conns[i] = NULL;
	}
}

/*
 * make_room closes, for c past its first message, the connection of c's
 * address silent the longest when the address already holds
 * MED_HL7_MAX_CONNECTIONS_PER_ADDRESS of them (under li->lock): the share
 * is taken at promotion, not at accept, so that a flood of connections
 * from a sender's own address cannot refuse its first try, and the
 * newcomer (which has just sent a whole message) wins over one left
 * behind, as take_over does for its sender.
 */
static void
make_room(hl7_listener *li, const conn *c)
{
	int n = 0, victim = -1;
	int64_t oldest = 0;

	if (c->addr[0] == '\0')
		return;
	for (int i = 0; i < li->st->max_connections; i++) {
		const conn *o = li->conns[i];
		int64_t last;

		if (o == NULL || strcmp(o->addr, c->addr) != 0)
			continue;
		n++;
		last = __atomic_load_n(&o->last_ms, __ATOMIC_RELAXED);
		if (victim < 0 || last < oldest) {
			victim = i;
			oldest = last;
		}
	}
	if (n < li->st->max_per_address)
		return;
	med_log_info("hl7: %s holds %d connections "
		     "(MED_HL7_MAX_CONNECTIONS_PER_ADDRESS); closing the one "
		     "silent the longest",
		     c->addr, n);
	closed(li, "per_address");
	nng_stream_close(li->conns[victim]->s);
	li->conns[victim] = NULL;
}

/* promote moves c, past its first message, from the pending pool to a
 * slot of MED_HL7_MAX_CONNECTIONS; false when none is free or the
 * listener closed it meanwhile. */
static bool
promote(conn *c)
{
	hl7_listener *li = c->li;
	int slot, i;
	bool ok = false;

	pthread_mutex_lock(&li->lock);
	for (i = 0; i < li->st->max_pending && li->pending[i] != c; i++)
		;
	if (i < li->st->max_pending && !li->stopping) {
		li->pending[i] = NULL;
		take_over(li, c);
		make_room(li, c);
		slot = slot_free(li->conns, li->st->max_connections);
		if (slot >= 0) {
			li->conns[slot] = c;
			ok = true;
		}
	}
	pthread_mutex_unlock(&li->lock);
	if (!ok && i < li->st->max_pending) {
		med_log_warn("hl7: %s: %d connections open "
			     "(MED_HL7_MAX_CONNECTIONS); closing",
			     c->sender[0] ? c->sender : "a sender",
			     li->st->max_connections);
		closed(li, "full");
	}
	return ok;
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
	/* Off the lists first: from then on the listener does not touch the
	 * stream this thread frees. */
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

/* peer_addr writes the peer's address of s into out ("" when unknown). */
static void
peer_addr(nng_stream *s, char *out, size_t len)
{
	nng_sockaddr sa;

	out[0] = '\0';
	if (nng_stream_get_addr(s, NNG_OPT_REMADDR, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_INET)
		(void)inet_ntop(AF_INET, &sa.s_in.sa_addr, out, (socklen_t)len);
	else if (sa.s_family == NNG_AF_INET6)
		(void)inet_ntop(AF_INET6, sa.s_in6.sa_addr, out,
				(socklen_t)len);
}

/* evict_one closes, for a newcomer, the pending connection
 * hl7_pending_victim picks and returns its slot, or -1 when every pending
 * connection is younger than half the first message's deadline (under
 * li->lock, the pool full).  Oldest alone was not enough: connections
 * opened faster than an honest sender's handshake ends pushed it out
 * every time (issue 49, the edge test's churn); the address holding the
 * most then helped only while the attacker had fewer addresses than the
 * pool had places.  Now a connection is safe for its first half-deadline
 * whatever the attacker's addresses: a flood meets refusal, not the
 * honest sender's eviction. */
static int
evict_one(hl7_listener *li)
{
	int n = li->st->max_pending, slot;

	for (int i = 0; i < n; i++)
		li->waiting[i] = (hl7_waiting){
			.addr = li->pending[i]->addr,
			.accepted_ms = li->pending[i]->accepted_ms,
			.slot = i,
		};
	slot = hl7_pending_victim(li->waiting, n, mono_ms(),
				  li->st->deadlines.first_message_ms / 2);
	if (slot < 0)
		return -1;
	closed(li, "pending_evicted");
	nng_stream_close(li->pending[slot]->s);
	li->pending[slot] = NULL;
	return slot;
}

/* conn_add registers a new connection as pending, or says why not. */
static const char *
conn_add(hl7_listener *li, conn *c)
{
	const char *refused = NULL;
	int slot;

	pthread_mutex_lock(&li->lock);
	if (li->stopping) {
		refused = "stopping";
	} else {
		slot = slot_free(li->pending, li->st->max_pending);
		if (slot < 0)
			slot = evict_one(li);
		if (slot < 0) {
			refused = "pending_full";
		} else {
			li->pending[slot] = c;
			li->n_threads++;
			set_open(li);
		}
	}
	pthread_mutex_unlock(&li->lock);
	return refused;
}

static void
start_conn(hl7_listener *li, nng_stream *s)
{
	conn *c = calloc(1, sizeof(*c));
	const char *refused = "out of memory";
	pthread_attr_t attr;
	pthread_t t;

	if (c != NULL) {
		c->li = li;
		c->s = s;
		c->accepted_ms = mono_ms();
		peer_addr(s, c->addr, sizeof(c->addr));
		refused = conn_add(li, c);
	}
	if (refused != NULL) {
		med_log_warn("hl7: connection from %s refused: %s",
			     c && c->addr[0] ? c->addr : "?",
			     strcmp(refused, "pending_full") == 0
				     ? "every connection waiting for its "
				       "first message is new "
				       "(MED_HL7_MAX_PENDING)"
				     : refused);
		closed(li, refused);
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

/*
 * fd_room raises the soft limit on open files towards what the pools can
 * hold (a descriptor a connection, and room for the database, gRPC and
 * logs), as far as the hard limit lets it; past that a connection is
 * refused at accept and the log says which setting to lower or which
 * limit to raise.
 */
static void
fd_room(const hl7_state *st)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)st->max_pending + (rlim_t)st->max_connections +
		      FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need
			      ? need
			      : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		med_log_warn(
			"hl7: open files limited to %llu, fewer than "
			"MED_HL7_MAX_PENDING + MED_HL7_MAX_CONNECTIONS + "
			"%d need (%llu): raise the hard limit (ulimit -Hn, "
			"LimitNOFILE) or lower MED_HL7_MAX_PENDING",
			(unsigned long long)rl.rlim_cur, FD_RESERVE,
			(unsigned long long)need);
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
	free(li->pending);
	free(li->waiting);
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
	li->pending = calloc((size_t)st->max_pending, sizeof(conn *));
	li->waiting = calloc((size_t)st->max_pending, sizeof(hl7_waiting));
	if (li->conns == NULL || li->pending == NULL || li->waiting == NULL) {
		listener_free(li);
		return MED_ERR_NOMEM;
	}
	fd_room(st);
	if ((err = listen_on(li, c)) != MED_OK) {
		listener_free(li);
		return err;
	}
	/* The gauge at 0 from start-up (no thread runs yet to race with). */
	set_open(li);
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
	for (int i = 0; i < st->max_pending; i++)
		if (li->pending[i] != NULL)
			nng_stream_close(li->pending[i]->s);
	/* Connections closed before (evicted, taken over) are on no list
	 * but their threads still end here. */
	while (li->n_threads > 0)
		pthread_cond_wait(&li->gone, &li->lock);
	pthread_mutex_unlock(&li->lock);
	listener_free(li);
	st->listener = NULL;
}
