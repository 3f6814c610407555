/*
 * rpc_peers.c - the per-client cap on a server's gRPC connections (both
 * ports): a client address may hold max_per_peer connections; a further
 * one is closed as it is accepted, before its TLS handshake costs anything.
 *
 * gRPC core 1.51 has no per-peer limit and no C hook on accept or close.
 * What it has is the socket mutator (GRPC_ARG_SOCKET_MUTATOR), which it
 * calls with every accepted connection's descriptor before it reads from
 * it.  Refusing there (returning false) would stop the listener for good
 * (tcp_server_posix.cc treats it as an accept error), so an over-cap
 * connection is shut down instead: gRPC then reads EOF in its handshake
 * and closes the descriptor itself.
 *
 * Nothing tells us when gRPC closes a connection, so each admitted one is
 * remembered by descriptor and socket inode.  A slot is known to be stale
 * when accept hands out its descriptor again, or when fstat shows another
 * inode there; a client's slots are checked that way only when it reaches
 * the cap.  Slots are indexed by descriptor, so their number is bounded by
 * the process's descriptors, whatever the clients do.
 *
 * The mutator's layout below is gRPC's (src/core/lib/iomgr/socket_mutator.h
 * in 1.51; C++ users fill the same struct): the public headers only
 * declare it.  Debian pins the library's version.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <grpc/support/sync.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "rpc_internal.h"

/* gRPC's grpc_fd_usage: what a mutated descriptor is for. */
enum { RPC_FD_SERVER_CONNECTION = 2 };

/* Slots never grow past this many descriptors; a connection on a higher
 * one is admitted without being counted. */
#define MAX_SLOTS (1u << 20)
/* At most one warning per this many nanoseconds. */
#define WARN_EVERY_NS (10 * 1000000000LL)

typedef struct rpc_mutate_info {
	int fd;
	int usage;
} rpc_mutate_info;

typedef struct rpc_mutator_vtable {
	bool (*mutate_fd)(int fd, grpc_socket_mutator *m);
	int (*compare)(grpc_socket_mutator *a, grpc_socket_mutator *b);
	void (*destroy)(grpc_socket_mutator *m);
	bool (*mutate_fd_2)(const rpc_mutate_info *info,
			    grpc_socket_mutator *m);
} rpc_mutator_vtable;

struct grpc_socket_mutator {
	const rpc_mutator_vtable *vtable;
	gpr_refcount refcount;
};

/* One admitted connection, at the index of its descriptor. */
typedef struct rpc_slot {
	bool used;
	uint8_t len; /* 4 or 16 */
	uint8_t addr[16];
	ino_t ino;
} rpc_slot;

struct rpc_peers {
	struct grpc_socket_mutator base; /* first: gRPC holds &base */
	int max_per_peer;
	med_counter *refused;
	pthread_mutex_t mu; /* guards what follows */
	rpc_slot *slots;
	size_t n_slots;
	int64_t warned_ns;
	uint64_t refused_unlogged;
};

/* peer_of reads fd's client address into s (len 0 when it has none: a
 * Unix socket); an IPv4-mapped IPv6 address counts as its IPv4 one. */
static void
peer_of(int fd, rpc_slot *s)
{
	static const uint8_t v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const uint8_t *a;

	s->len = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		memcpy(s->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		s->len = 4;
	} else if (ss.ss_family == AF_INET6) {
		a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
		s->len = memcmp(a, v4mapped, 12) == 0 ? 4 : 16;
		memcpy(s->addr, s->len == 4 ? a + 12 : a, s->len);
	}
}

static bool
same_peer(const rpc_slot *a, const rpc_slot *b)
{
	return a->len == b->len && memcmp(a->addr, b->addr, a->len) == 0;
}

/* socket_ino gives the inode of the socket on fd, or 0. */
static ino_t
socket_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	return st.st_ino;
}

/* grow makes room for slot fd; false when it cannot. */
static bool
grow(rpc_peers *p, int fd)
{
	size_t n = p->n_slots ? p->n_slots : 64;
	rpc_slot *s;

	if ((size_t)fd < p->n_slots)
		return true;
	if ((size_t)fd >= MAX_SLOTS)
		return false;
	while (n <= (size_t)fd)
		n *= 2;
	s = realloc(p->slots, n * sizeof(*s));
	if (s == NULL)
		return false;
	memset(s + p->n_slots, 0, (n - p->n_slots) * sizeof(*s));
	p->slots = s;
	p->n_slots = n;
	return true;
}

/* held counts peer's connections; with check, it first forgets those
 * whose descriptor no longer holds the socket admitted on it. */
static int
held(rpc_peers *p, const rpc_slot *peer, bool check)
{
	int n = 0;

	for (size_t i = 0; i < p->n_slots; i++) {
		rpc_slot *s = &p->slots[i];
		if (!s->used || !same_peer(s, peer))
			continue;
		if (check && socket_ino((int)i) != s->ino) {
			s->used = false;
			continue;
		}
		n++;
	}
	return n;
}

/* warn logs a refusal, at most once per WARN_EVERY_NS; under p->mu. */
static void
warn(rpc_peers *p, const rpc_slot *peer)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	int64_t now = med_mono_ns();

	p->refused_unlogged++;
	if (p->warned_ns != 0 && now - p->warned_ns < WARN_EVERY_NS)
		return;
	inet_ntop(peer->len == 4 ? AF_INET : AF_INET6, peer->addr, addr,
		  sizeof(addr));
	med_log_warn("rpc: client %s holds %d gRPC connections, the limit "
		     "(MED_GRPC_MAX_CONNS_PER_CLIENT); %llu new ones closed "
		     "since the last warning",
		     addr, p->max_per_peer,
		     (unsigned long long)p->refused_unlogged);
	p->warned_ns = now;
	p->refused_unlogged = 0;
}

bool
med__rpc_peers_admit(rpc_peers *p, int fd)
{
	rpc_slot peer = {.used = true};
	bool ok = true;

	peer_of(fd, &peer);
	peer.ino = socket_ino(fd);
	if (peer.len == 0 || peer.ino == 0)
		return true;
	pthread_mutex_lock(&p->mu);
	if (!grow(p, fd))
		goto unlock; /* fail open: a cap must not refuse everyone */
	/* accept handed fd out again: what was admitted on it is gone. */
	p->slots[fd].used = false;
	ok = held(p, &peer, false) < p->max_per_peer ||
	     held(p, &peer, true) < p->max_per_peer;
	if (ok)
		p->slots[fd] = peer;
	else
		warn(p, &peer);
unlock:
	pthread_mutex_unlock(&p->mu);
	if (!ok) {
		med_counter_add(p->refused, 1);
		shutdown(fd, SHUT_RDWR);
	}
	return ok;
}

/* --- the socket mutator gRPC calls --------------------------------------- */

static bool
mutate_fd(int fd, grpc_socket_mutator *m)
{
	(void)fd;
	(void)m;
	return true;
}

static bool
mutate_fd_2(const rpc_mutate_info *info, grpc_socket_mutator *m)
{
	if (info->usage == RPC_FD_SERVER_CONNECTION)
		(void)med__rpc_peers_admit((rpc_peers *)m, info->fd);
	return true;
}

static int
compare(grpc_socket_mutator *a, grpc_socket_mutator *b)
{
	return a < b ? -1 : a > b;
}

static void
destroy(grpc_socket_mutator *m)
{
	rpc_peers *p = (rpc_peers *)m;

	pthread_mutex_destroy(&p->mu);
	free(p->slots);
	free(p);
}

static const rpc_mutator_vtable mutator_vtable = {mutate_fd, compare, destroy,
						  mutate_fd_2};

static void *
arg_copy(void *v)
{
	gpr_ref(&((grpc_socket_mutator *)v)->refcount);
	return v;
}

static void
arg_destroy(void *v)
{
	med__rpc_peers_unref(v);
}

static int
arg_cmp(void *a, void *b)
{
	return compare(a, b);
}

static const grpc_arg_pointer_vtable arg_vtable = {arg_copy, arg_destroy,
						   arg_cmp};

med_err
med__rpc_peers_new(int max_per_peer, struct med_metrics *m, rpc_peers **out)
{
	rpc_peers *p;

	if (max_per_peer < 1)
		return MED_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MED_ERR_NOMEM;
	p->base.vtable = &mutator_vtable;
	gpr_ref_init(&p->base.refcount, 1);
	p->max_per_peer = max_per_peer;
	pthread_mutex_init(&p->mu, NULL);
	if (m != NULL)
		p->refused = med_metrics_counter(
			m, "smartmed_grpc_connections_closed_total",
			"gRPC connections closed as they arrived because their "
			"client address held MED_GRPC_MAX_CONNS_PER_CLIENT",
			"reason=\"client_limit\"");
	*out = p;
	return MED_OK;
}

grpc_arg
med__rpc_peers_arg(rpc_peers *p)
{
	grpc_arg a = {.type = GRPC_ARG_POINTER,
		      .key = GRPC_ARG_SOCKET_MUTATOR,
		      .value.pointer = {.p = p, .vtable = &arg_vtable}};

	return a;
}

void
med__rpc_peers_unref(rpc_peers *p)
{
	if (p != NULL && gpr_unref(&p->base.refcount))
		destroy(&p->base);
}
