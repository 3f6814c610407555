/*
 * test_audit.c - the audit emitter under faults: a receiver that goes away
 * and comes back, an emitter that restarts, a torn spool tail, a store that
 * fails.  The in-test receiver (med_audit_ingest_start) keeps a set of event
 * ids, so "exactly once" means every event id arrived and none was stored
 * twice.  The spool and delivery cases run over plaintext tcp://
 * (allow_plaintext); the tls_* cases run the mutual-TLS transport with
 * certificates from tools/dev/devca.sh and openssl: events flow and are
 * acknowledged once; an emitter without a certificate, with one from
 * another CA, an expired one, or checking the wrong server name delivers
 * nothing and keeps its events; a plaintext dialer delivers nothing.
 */
#include "testlib.h"

#include <med/audit.h>
#include <med/metrics.h>
#include <med/rpc.h>
#include <med/util.h>

#include "smartmed/common/v1/audit_event.pb-c.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEEN  20000
#define SET_SLOTS 65536 /* power of two, > 2 * MAX_SEEN */

/* sink - what the in-test audit service has stored. */
struct sink {
	pthread_mutex_t mu;
	char (*ids)[MED_UUID_LEN + 1];
	char **actions;
	size_t n;
	int32_t *set; /* index + 1 into ids, 0 = empty slot */
	uint64_t batches, dups, fail_next;
};

static struct sink sink = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* seen_or_add finds id in the set, or adds it as entry sink.n. */
static bool
seen_or_add(const char *id)
{
	uint32_t h = 2166136261u;

	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (;; h++) {
		int32_t *slot = &sink.set[h & (SET_SLOTS - 1)];

		if (*slot == 0) {
			*slot = (int32_t)sink.n + 1;
			return false;
		}
		if (strcmp(sink.ids[*slot - 1], id) == 0)
			return true;
	}
}

static med_err
store(void *ctx, Smartmed__Common__V1__AuditEvent *const *ev, size_t n,
      uint32_t *stored, uint32_t *dups)
{
	(void)ctx;
	pthread_mutex_lock(&sink.mu);
	sink.batches++;
	if (sink.fail_next > 0) {
		sink.fail_next--;
		pthread_mutex_unlock(&sink.mu);
		return MED_ERR_UNAVAILABLE;
	}
	*stored = *dups = 0;
	for (size_t i = 0; i < n; i++) {
		if (sink.n == MAX_SEEN || seen_or_add(ev[i]->event_id)) {
			(*dups)++;
			continue;
		}
		med_strlcpy(sink.ids[sink.n], ev[i]->event_id,
			    sizeof(sink.ids[0]));
		sink.actions[sink.n++] = strdup(ev[i]->action);
		(*stored)++;
	}
	sink.dups += *dups;
	pthread_mutex_unlock(&sink.mu);
	return MED_OK;
}

static size_t
sink_count(void)
{
	size_t n;

	pthread_mutex_lock(&sink.mu);
	n = sink.n;
	pthread_mutex_unlock(&sink.mu);
	return n;
}

/* sink_has_once says whether exactly one stored event has this action. */
static bool
sink_has_once(const char *action)
{
	int hits = 0;

	pthread_mutex_lock(&sink.mu);
	for (size_t i = 0; i < sink.n; i++)
		hits += strcmp(sink.actions[i], action) == 0;
	pthread_mutex_unlock(&sink.mu);
	return hits == 1;
}

static void
sink_init(void)
{
	sink.ids = calloc(MAX_SEEN, sizeof(*sink.ids));
	sink.actions = calloc(MAX_SEEN, sizeof(*sink.actions));
	sink.set = calloc(SET_SLOTS, sizeof(*sink.set));
	MT_TRUE(sink.ids && sink.actions && sink.set);
}

static const char *
free_url(void)
{
	static char url[64];
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	MT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	MT_OK(getsockname(fd, (struct sockaddr *)&sa, &len));
	close(fd);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	return url;
}

static med_audit_ingest *
receiver_start(const char *url)
{
	med_audit_ingest_opts o = {
		.url = url, .allow_plaintext = true, .store = store};
	med_audit_ingest *in = NULL;
	char err[256] = "";

	if (med_audit_ingest_start(&o, &in, err, sizeof(err)))
		mt_fail(__FILE__, __LINE__, "ingest: %s", err);
	return in;
}

/* A test's own redial period and acknowledgement wait (0: the usual). */
static int redial_after_ms, ack_timeout_ms;

/* emitter_tls_open: with tls, mutual TLS checking server_name. */
static med_audit *
emitter_tls_open(const char *url, const char *dir, const med_tls *tls,
		 const char *server_name)
{
	med_audit_opts o = {0};
	med_audit *a = NULL;
	char err[256] = "";

	/* Over TLS the ingest stores only events of the service that the
	 * certificate names: every TLS emitter here is identity. */
	o.service = tls ? "identity" : "test";
	o.spool_dir = dir;
	o.url = url;
	o.batch_max = 64;
	/* Generous: a resend would show as a dup. */
	o.ack_timeout_ms = ack_timeout_ms ? ack_timeout_ms : 2000;
	o.retry_max_ms = tls ? 100 : 200;
	o.redial_after_ms = redial_after_ms;
	o.tls = tls;
	o.server_name = server_name;
	o.allow_plaintext = tls == NULL;
	if (med_audit_open(&o, &a, err, sizeof(err)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "open: %s", err);
	return a;
}

static med_audit *
emitter_open(const char *url, const char *dir)
{
	return emitter_tls_open(url, dir, NULL, NULL);
}

static const char *
spool_dir(const char *name)
{
	static char dir[2][512];
	static int which;
	char *d = dir[which++ % 2];

	snprintf(d, 512, "%s/%s", mt_tmpdir(), name);
	return d;
}

static void
emit_n(med_audit *a, const char *prefix, int from, int n)
{
	char action[64];
	med_audit_event ev = {0};

	ev.actor = "alice";
	ev.actor_roles = 2;
	ev.resource = "patient";
	ev.request_id = "req-1";
	for (int i = from; i < from + n; i++) {
		snprintf(action, sizeof(action), "%s-%d", prefix, i);
		ev.action = action;
		MT_OK(med_audit_emit(a, &ev));
	}
}

static void
expect_all(const char *prefix, int from, int n)
{
	char action[64];

	for (int i = from; i < from + n; i++) {
		snprintf(action, sizeof(action), "%s-%d", prefix, i);
		if (!sink_has_once(action))
			mt_fail(__FILE__, __LINE__, "%s not stored once",
				action);
	}
}

/* wait_pending waits (up to 10 s) until a has want events pending. */
static void
wait_pending(med_audit *a, uint64_t want)
{
	for (int i = 0; i < 1000 && med_audit_pending(a) != want; i++)
		usleep(10000);
	MT_EQ_INT(med_audit_pending(a), want);
}

static bool
file_contains(const char *dir, const char *file, const char *needle)
{
	char path[600];
	static char buf[1 << 20];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "rb");
	MT_TRUE(f != NULL);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return memmem(buf, n, needle, strlen(needle)) != NULL;
}

static long
file_size(const char *dir, const char *file)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	MT_OK(stat(path, &st));
	return (long)st.st_size;
}

static void
test_deliver_all(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_ingest *in;
	med_audit *a;

	sink_init();
	in = receiver_start(url);
	a = emitter_open(url, dir);
	emit_n(a, "ev", 0, 500);
	wait_pending(a, 0);
	MT_EQ_INT(med_audit_delivered(a), 500);
	MT_EQ_INT(sink_count(), 500);
	MT_EQ_INT(sink.dups, 0);
	expect_all("ev", 0, 500);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

static void
test_event_fields(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_event ev = {
		.action = "/smartmed.identity.v1.Identity/GetPatient",
		.actor = "bob",
		.actor_roles = (1u << 0) | (1u << 4),
		.patient_id = "p-1",
		.resource = "patient",
		.outcome = 7,
		.request_id = "rid",
		.action_code = "R",
		.purpose_of_use = "ETREAT",
		.break_glass = true,
	};
	med_audit_ingest *in;
	med_audit *a;

	sink_init();
	in = receiver_start(url);
	a = emitter_open(url, dir);
	MT_OK(med_audit_emit(a, &ev));
	wait_pending(a, 0);
	MT_EQ_INT(sink_count(), 1);
	MT_EQ_INT(strlen(sink.ids[0]), MED_UUID_LEN);
	MT_EQ_STR(sink.actions[0], ev.action);
	med_audit_close(a);
	med_audit_ingest_stop(in);
	/* Events that cannot be stored are refused up front. */
	a = emitter_open(NULL, dir);
	ev.action = NULL;
	MT_EQ_INT(med_audit_emit(a, &ev), MED_ERR_INVALID);
	ev.action = "x";
	ev.detail = "\xff\xfe";
	MT_EQ_INT(med_audit_emit(a, &ev), MED_ERR_INVALID);
	MT_EQ_INT(med_audit_pending(a), 0);
	med_audit_close(a);
}

static void
test_receiver_down_and_back(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_ingest *in;
	med_audit *a;
	char action[64];

	sink_init();
	in = receiver_start(url);
	a = emitter_open(url, dir);
	emit_n(a, "before", 0, 20);
	wait_pending(a, 0);
	med_audit_ingest_stop(in);
	emit_n(a, "during", 0, 30);
	usleep(500000);
	MT_EQ_INT(med_audit_pending(a), 30);
	MT_EQ_INT(sink_count(), 20);
	for (int i = 0; i < 30; i++) {
		snprintf(action, sizeof(action), "during-%d", i);
		MT_TRUE(file_contains(dir, "audit.spool", action));
	}
	in = receiver_start(url);
	wait_pending(a, 0);
	MT_EQ_INT(sink_count(), 50);
	MT_EQ_INT(med_audit_delivered(a), 50);
	expect_all("before", 0, 20);
	expect_all("during", 0, 30);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

/*
 * test_redial_while_receiver_down: with no connection for redial_after_ms
 * the sender replaces its dialer (Debian 12's NNG once left a dialer idle
 * for good after the audit service was killed); a replaced dialer still
 * delivers everything once the receiver is up, and none is replaced while
 * the connection holds.
 */
static void
test_redial_while_receiver_down(void)
{
	const char *url = free_url(), *dir = spool_dir("r");
	med_audit_ingest *in;
	uint64_t redials;
	med_audit *a;

	sink_init();
	redial_after_ms = 200;
	ack_timeout_ms = 200;
	a = emitter_open(url, dir);
	redial_after_ms = ack_timeout_ms = 0;
	emit_n(a, "down", 0, 10);
	for (int i = 0; i < 1000 && med_audit_redials(a) < 2; i++)
		usleep(10000);
	MT_TRUE(med_audit_redials(a) >= 2);
	MT_EQ_INT(med_audit_pending(a), 10);
	in = receiver_start(url);
	wait_pending(a, 0);
	expect_all("down", 0, 10);
	redials = med_audit_redials(a);
	for (int round = 0; round < 3; round++) {
		emit_n(a, "up", round * 5, 5);
		wait_pending(a, 0);
		usleep(250000);
	}
	expect_all("up", 0, 15);
	MT_EQ_INT(med_audit_redials(a), redials);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

static void
test_emitter_restart(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_ingest *in;
	med_audit *a;

	sink_init();
	/* The audit service is down: events wait in the spool. */
	a = emitter_open(url, dir);
	emit_n(a, "r", 0, 40);
	MT_EQ_INT(med_audit_pending(a), 40);
	med_audit_close(a);
	a = emitter_open(url, dir);
	MT_EQ_INT(med_audit_pending(a), 40);
	emit_n(a, "r", 40, 5);
	in = receiver_start(url);
	wait_pending(a, 0);
	MT_EQ_INT(med_audit_delivered(a), 45);
	expect_all("r", 0, 45);
	med_audit_close(a);
	/* Acknowledged events are not sent again after a restart. */
	a = emitter_open(url, dir);
	MT_EQ_INT(med_audit_pending(a), 0);
	usleep(200000);
	MT_EQ_INT(sink_count(), 45);
	MT_EQ_INT(sink.dups, 0);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

static void
append_bytes(const char *dir, const void *p, size_t len)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	f = fopen(path, "ab");
	MT_TRUE(f != NULL);
	MT_EQ_INT(fwrite(p, 1, len, f), len);
	fclose(f);
}

static void
test_torn_tail(void)
{
	/* A record cut short by a crash: "EMDA" magic, len 100, 10 bytes. */
	static const uint8_t torn[] = {'E', 'M',  'D',	'A', 100, 0, 0,
				       0,   0x12, 0x34, 0,   0,	  1, 2,
				       3,   4,	  5,	6,   7,	  8, 9};
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_ingest *in;
	med_audit *a;
	long good;

	sink_init();
	a = emitter_open(NULL, dir);
	emit_n(a, "t", 0, 5);
	med_audit_close(a);
	good = file_size(dir, "audit.spool");
	append_bytes(dir, torn, sizeof(torn));
	a = emitter_open(NULL, dir);
	MT_EQ_INT(med_audit_pending(a), 5);
	/* The torn bytes (and the zero-filled space before) are gone. */
	MT_TRUE(file_size(dir, "audit.spool") < good);
	emit_n(a, "t", 5, 1);
	med_audit_close(a);
	/* Plain garbage after the records is dropped the same way. */
	append_bytes(dir, "garbage!", 8);
	in = receiver_start(url);
	a = emitter_open(url, dir);
	wait_pending(a, 0);
	expect_all("t", 0, 6);
	MT_EQ_INT(sink_count(), 6);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

static void
test_corrupt_ack_file(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	char path[600];
	med_audit_ingest *in;
	med_audit *a;
	FILE *f;

	sink_init();
	in = receiver_start(url);
	a = emitter_open(url, dir);
	emit_n(a, "c", 0, 10);
	wait_pending(a, 0);
	med_audit_close(a);
	/* No receiver while the spool is read again: on a busy machine one
	 * would acknowledge the resent batch before pending is asked. */
	med_audit_ingest_stop(in);
	/* An unreadable ack file means "resend all": duplicates, no loss. */
	snprintf(path, sizeof(path), "%s/audit.ack", dir);
	f = fopen(path, "wb");
	fputs("junk", f);
	fclose(f);
	a = emitter_open(url, dir);
	MT_EQ_INT(med_audit_pending(a), 10);
	in = receiver_start(url);
	wait_pending(a, 0);
	MT_EQ_INT(sink_count(), 10);
	MT_EQ_INT(sink.dups, 10);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

static uint32_t
crc32_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return ~c;
}

static void
test_stale_ack_after_compaction_crash(void)
{
	const char *dir = spool_dir("s");
	uint64_t stale = 10u << 20;
	uint8_t rec[16];
	uint32_t crc, magic = 0x4b414d45u;
	char path[600];
	med_audit *a;
	FILE *f;

	/* A crash between emptying the spool and resetting the ack. */
	a = emitter_open(NULL, dir);
	med_audit_close(a);
	memcpy(rec, &stale, 8);
	crc = crc32_bitwise(rec, 8);
	memcpy(rec + 8, &crc, 4);
	memcpy(rec + 12, &magic, 4);
	snprintf(path, sizeof(path), "%s/audit.ack", dir);
	f = fopen(path, "wb");
	MT_EQ_INT(fwrite(rec, 1, 16, f), 16);
	fclose(f);
	a = emitter_open(NULL, dir);
	MT_EQ_INT(med_audit_pending(a), 0);
	emit_n(a, "s", 0, 3);
	med_audit_close(a);
	/* The stale offset must not hide the events written since. */
	a = emitter_open(NULL, dir);
	MT_EQ_INT(med_audit_pending(a), 3);
	med_audit_close(a);
}

static void
test_store_fails_once(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_ingest *in;
	med_audit *a;

	sink_init();
	sink.fail_next = 1;
	in = receiver_start(url);
	a = emitter_open(url, dir);
	emit_n(a, "f", 0, 10);
	wait_pending(a, 0);
	MT_TRUE(sink.batches >= 2);
	MT_EQ_INT(sink_count(), 10);
	MT_EQ_INT(sink.dups, 0);
	expect_all("f", 0, 10);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

static void
test_close_is_prompt(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	med_audit_opts o = {.service = "test",
			    .spool_dir = dir,
			    .url = url,
			    .ack_timeout_ms = 10000,
			    .retry_max_ms = 10000,
			    .allow_plaintext = true};
	med_audit *a = NULL;
	int64_t t0;

	MT_OK(med_audit_open(&o, &a, NULL, 0));
	emit_n(a, "p", 0, 3);
	usleep(100000);
	t0 = med_mono_ns();
	med_audit_close(a);
	MT_TRUE(med_mono_ns() - t0 < 1000000000LL);
	med_audit_close(NULL);
}

static void
test_open_errors(void)
{
	med_audit_opts o = {0};
	med_audit *a = NULL, *b = NULL;
	char err[256] = "", file[600];

	MT_EQ_INT(med_audit_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	snprintf(file, sizeof(file), "%s/file", mt_tmpdir());
	fclose(fopen(file, "w"));
	o.spool_dir = file;
	MT_EQ_INT(med_audit_open(&o, &a, err, sizeof(err)), MED_ERR_IO);
	MT_TRUE(strstr(err, "file") != NULL);
	/* One spool, one emitter: a second open is refused. */
	o.spool_dir = spool_dir("s");
	MT_OK(med_audit_open(&o, &a, err, sizeof(err)));
	MT_EQ_INT(med_audit_open(&o, &b, err, sizeof(err)), MED_ERR_IO);
	MT_TRUE(strstr(err, "in use") != NULL);
	med_audit_close(a);
	o.url = "bogus://x";
	MT_EQ_INT(med_audit_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "unsupported scheme") != NULL);
	/* Plaintext only when asked for; TLS only with a certificate. */
	o.url = "tcp://127.0.0.1:1";
	MT_EQ_INT(med_audit_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "MED_AUDIT_ALLOW_PLAINTEXT") != NULL);
	o.url = "tls+tcp://127.0.0.1:1";
	MT_EQ_INT(med_audit_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "MED_TLS_CERT") != NULL);
}

static void
test_malformed_batch(void)
{
	const char *url = free_url();
	med_audit_ingest *in;
	Smartmed__Common__V1__AuditAck *ack;
	nng_socket s;
	void *reply = NULL;
	size_t sz = 0;

	sink_init();
	in = receiver_start(url);
	MT_OK(nng_req0_open(&s));
	MT_OK(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000));
	MT_OK(nng_dial(s, url, NULL, 0));
	MT_OK(nng_send(s, "\xff\xff\xff", 3, 0));
	MT_OK(nng_recv(s, &reply, &sz, NNG_FLAG_ALLOC));
	ack = smartmed__common__v1__audit_ack__unpack(NULL, sz, reply);
	MT_TRUE(ack != NULL);
	MT_EQ_INT(ack->stored, 0);
	MT_EQ_INT(sink.batches, 0);
	smartmed__common__v1__audit_ack__free_unpacked(ack, NULL);
	nng_free(reply, sz);
	nng_close(s);
	med_audit_ingest_stop(in);
}

static void
test_ingest_open_errors(void)
{
	med_audit_ingest_opts o = {.url = "bogus://x", .store = store};
	med_audit_ingest *in = NULL;
	char err[256] = "";

	MT_EQ_INT(med_audit_ingest_start(&o, &in, NULL, 0), MED_ERR_INVALID);
	/* Plaintext only when asked for; TLS only with a certificate. */
	o.url = free_url();
	MT_EQ_INT(med_audit_ingest_start(&o, &in, err, sizeof(err)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(err, "plaintext") != NULL);
	o.url = "tls+tcp://127.0.0.1:0";
	MT_EQ_INT(med_audit_ingest_start(&o, &in, err, sizeof(err)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(err, "MED_TLS_CERT") != NULL);
	MT_TRUE(in == NULL);
}

static void
test_compaction(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	static char detail[60000];
	med_audit_event ev = {.action = "big", .detail = detail};
	med_audit_ingest *in;
	med_audit *a;

	sink_init();
	memset(detail, 'd', sizeof(detail) - 1);
	in = receiver_start(url);
	a = emitter_open(url, dir);
	for (int i = 0; i < 80; i++)
		MT_OK(med_audit_emit(a, &ev));
	wait_pending(a, 0);
	/*
	 * Once all is acknowledged past 4 MiB the spool is emptied (maybe
	 * before the last events, which then start a new, smaller spool).
	 */
	for (int i = 0; i < 200 && file_size(dir, "audit.spool") > 4800000; i++)
		usleep(10000);
	MT_TRUE(file_size(dir, "audit.spool") <= 4 << 20);
	emit_n(a, "after", 0, 3);
	wait_pending(a, 0);
	expect_all("after", 0, 3);
	MT_EQ_INT(sink_count(), 83);
	med_audit_close(a);
	a = emitter_open(url, dir);
	MT_EQ_INT(med_audit_pending(a), 0);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

/* --- emits that do not wait (med_audit_emit_async) ------------------------ */

#define N_ASYNC 300

/* async_run - the emits of one test and what their callbacks saw. */
typedef struct async_run {
	med_audit *a;
	med_audit_wait w[N_ASYNC];
	atomic_int called, early, failed;
} async_run;

static async_run g_async;

/*
 * async_done checks that the event is committed when its callback runs:
 * event i was the (i + 1)th this emitter spooled from the test's thread,
 * and the synchronous emitter beside it only adds to the count, so the
 * emitter must count at least i + 1 durable events (none is delivered:
 * there is no receiver).
 */
static void
async_done(void *arg, med_err err)
{
	uint64_t i = (uint64_t)(uintptr_t)arg;

	if (err != MED_OK)
		atomic_fetch_add(&g_async.failed, 1);
	if (med_audit_pending(g_async.a) < i + 1)
		atomic_fetch_add(&g_async.early, 1);
	atomic_fetch_add(&g_async.called, 1);
}

static void *
sync_emitter(void *arg)
{
	emit_n(arg, "sync", 0, 100);
	return NULL;
}

static med_audit *
spool_only_open(const char *dir)
{
	med_audit_opts o = {.service = "test", .spool_dir = dir};
	med_audit *a = NULL;
	char err[256];

	if (med_audit_open(&o, &a, err, sizeof(err)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "open: %s", err);
	return a;
}

/*
 * test_emit_async: every asynchronous emit is called back once, after its
 * commit, while synchronous emits share the group commits; the spool then
 * holds every event.  Event 0 is appended first without a wait: the wait
 * of event 1 covers it.
 */
static void
test_emit_async(void)
{
	const char *dir = spool_dir("s");
	med_audit_event ev = {.actor = "alice", .request_id = "req-a"};
	char action[32];
	pthread_t t;

	memset(&g_async, 0, sizeof(g_async));
	g_async.a = spool_only_open(dir);
	MT_OK(pthread_create(&t, NULL, sync_emitter, g_async.a));
	for (uintptr_t i = 0; i < N_ASYNC; i++) {
		snprintf(action, sizeof(action), "async-%u", (unsigned)i);
		ev.action = action;
		g_async.w[i] =
			(med_audit_wait){.fn = async_done, .arg = (void *)i};
		if (i == 0)
			MT_OK(med_audit_append(g_async.a, &ev));
		else
			MT_OK(med_audit_emit_async(g_async.a, &ev,
						   &g_async.w[i]));
	}
	pthread_join(t, NULL);
	for (int k = 0; k < 1000 && atomic_load(&g_async.called) < N_ASYNC - 1;
	     k++)
		usleep(10000);
	MT_EQ_INT(atomic_load(&g_async.called), N_ASYNC - 1);
	MT_EQ_INT(atomic_load(&g_async.early), 0);
	MT_EQ_INT(atomic_load(&g_async.failed), 0);
	MT_EQ_INT(med_audit_pending(g_async.a), N_ASYNC + 100);
	MT_TRUE(file_contains(dir, "audit.spool", "async-0"));
	MT_TRUE(file_contains(dir, "audit.spool", "async-299"));
	MT_TRUE(file_contains(dir, "audit.spool", "sync-99"));
	med_audit_close(g_async.a);
	/* Close answered nothing twice. */
	MT_EQ_INT(atomic_load(&g_async.called), N_ASYNC - 1);
}

/*
 * test_emit_async_one_at_a_time: emits that each wait for the one before
 * find the flusher idle every time, so each must wake it (the emitter
 * wakes it only when idle, after its lock; issue 54): a missed wake-up
 * leaves a callback that never comes.
 */
static void
test_emit_async_one_at_a_time(void)
{
	const char *dir = spool_dir("one");
	med_audit_event ev = {.actor = "alice", .request_id = "req-one"};
	char action[32];
	const int n = 50;

	memset(&g_async, 0, sizeof(g_async));
	g_async.a = spool_only_open(dir);
	for (int i = 0; i < n; i++) {
		snprintf(action, sizeof(action), "one-%d", i);
		ev.action = action;
		g_async.w[i] = (med_audit_wait){.fn = async_done,
						.arg = (void *)(uintptr_t)i};
		MT_OK(med_audit_emit_async(g_async.a, &ev, &g_async.w[i]));
		/* Up to 10 s each: a slow disk, never a lost wake-up. */
		for (int k = 0; k < 1000 && atomic_load(&g_async.called) <= i;
		     k++)
			usleep(10000);
		MT_EQ_INT(atomic_load(&g_async.called), i + 1);
		/* Let the flusher go back to waiting before the next. */
		usleep(1000);
	}
	MT_EQ_INT(atomic_load(&g_async.early), 0);
	MT_EQ_INT(atomic_load(&g_async.failed), 0);
	MT_TRUE(file_contains(dir, "audit.spool", "one-49"));
	med_audit_close(g_async.a);
}

/*
 * test_emit_async_disk_full: a spool that cannot be written (the file is
 * /dev/full) fails the emit at once and never calls back; a wait without
 * a callback is refused.
 */
static void
test_emit_async_disk_full(void)
{
	const char *dir = spool_dir("full");
	med_audit_event ev = {.action = "full"};
	char path[600];

	memset(&g_async, 0, sizeof(g_async));
	MT_OK(mkdir(dir, 0700));
	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	MT_OK(symlink("/dev/full", path));
	g_async.a = spool_only_open(dir);
	g_async.w[0] = (med_audit_wait){.fn = async_done};
	MT_EQ_INT(med_audit_emit_async(g_async.a, &ev, &g_async.w[0]),
		  MED_ERR_IO);
	MT_EQ_INT(med_audit_append(g_async.a, &ev), MED_ERR_IO);
	MT_EQ_INT(med_audit_emit(g_async.a, &ev), MED_ERR_IO);
	g_async.w[1] = (med_audit_wait){0};
	MT_EQ_INT(med_audit_emit_async(g_async.a, &ev, &g_async.w[1]),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_audit_emit_async(g_async.a, &ev, NULL), MED_ERR_INVALID);
	med_audit_close(g_async.a);
	MT_EQ_INT(atomic_load(&g_async.called), 0);
}

/* --- the emitter that may commit itself (med_audit_emit_or_commit) ------- */

#define HERE_THREADS 4
#define HERE_EACH    150

/* here_run - what the callbacks of one test saw. */
typedef struct here_run {
	med_audit *a;
	pthread_t emitter[HERE_THREADS];
	med_audit_wait w[HERE_THREADS][HERE_EACH];
	int next[HERE_THREADS]; /* the next index each thread expects */
	atomic_int called, early, failed, out_of_order, here, elsewhere;
} here_run;

static here_run g_here;

/*
 * here_done checks, for event i of emitting thread t, that it is durable
 * (the emitter counts at least i + 1 committed events: thread t wrote i
 * before it), that thread t's events are called back in their order, and
 * counts whether the emitting thread or another one (the flusher) called.
 */
static void
here_done(void *arg, med_err err)
{
	uintptr_t v = (uintptr_t)arg;
	int t = (int)(v >> 16), i = (int)(v & 0xffff);

	if (err != MED_OK)
		atomic_fetch_add(&g_here.failed, 1);
	if (med_audit_pending(g_here.a) < (uint64_t)i + 1)
		atomic_fetch_add(&g_here.early, 1);
	if (g_here.next[t] != i)
		atomic_fetch_add(&g_here.out_of_order, 1);
	g_here.next[t] = i + 1;
	if (pthread_equal(pthread_self(), g_here.emitter[t]))
		atomic_fetch_add(&g_here.here, 1);
	else
		atomic_fetch_add(&g_here.elsewhere, 1);
	atomic_fetch_add(&g_here.called, 1);
}

/* here_emit emits event i of thread t with med_audit_emit_or_commit. */
static void
here_emit(int t, int i)
{
	char action[32];
	med_audit_event ev = {.actor = "alice", .request_id = "req-here"};

	snprintf(action, sizeof(action), "here-%d-%d", t, i);
	ev.action = action;
	g_here.w[t][i] = (med_audit_wait){
		.fn = here_done, .arg = (void *)(uintptr_t)(t << 16 | i)};
	MT_OK(med_audit_emit_or_commit(g_here.a, &ev, &g_here.w[t][i]));
}

static void
wait_called(int n)
{
	/* Up to 20 s: a slow disk, never a lost callback. */
	for (int k = 0; k < 2000 && atomic_load(&g_here.called) < n; k++)
		usleep(10000);
	MT_EQ_INT(atomic_load(&g_here.called), n);
}

/*
 * test_emit_or_commit_idle: an emitter that finds the flusher asleep and
 * nothing else waiting makes the commit itself and is called back on its
 * own thread before the emit returns, and only once the event is durable
 * (a callback before the fdatasync counts as early: the reply of an
 * audited call on the worker pool is sent from this callback).
 */
static void
test_emit_or_commit_idle(void)
{
	const int n = 40;

	memset(&g_here, 0, sizeof(g_here));
	g_here.a = spool_only_open(spool_dir("idle"));
	g_here.emitter[0] = pthread_self();
	for (int i = 0; i < n; i++) {
		/* Let the flusher go back to sleep before each. */
		usleep(2000);
		here_emit(0, i);
		wait_called(i + 1);
	}
	MT_EQ_INT(atomic_load(&g_here.early), 0);
	MT_EQ_INT(atomic_load(&g_here.failed), 0);
	MT_EQ_INT(atomic_load(&g_here.out_of_order), 0);
	/* The flusher may still be starting at the first emit. */
	MT_TRUE(atomic_load(&g_here.here) >= n - 1);
	MT_EQ_INT(med_audit_pending(g_here.a), n);
	med_audit_close(g_here.a);
	MT_EQ_INT(atomic_load(&g_here.called), n);
}

static void *
here_thread(void *arg)
{
	int t = (int)(uintptr_t)arg;

	for (int i = 0; i < HERE_EACH; i++)
		here_emit(t, i);
	return NULL;
}

/*
 * test_emit_or_commit_busy: emitters that may commit themselves, beside a
 * synchronous one, are each called back once, after their commit, in the
 * order of each thread's events; those that find another wait queued
 * leave their commit to the flusher (the group commit under load), so
 * some callbacks run elsewhere than on their emitter's thread.
 */
static void
test_emit_or_commit_busy(void)
{
	const char *dir = spool_dir("busy");
	pthread_t sync_t;

	memset(&g_here, 0, sizeof(g_here));
	g_here.a = spool_only_open(dir);
	MT_OK(pthread_create(&sync_t, NULL, sync_emitter, g_here.a));
	for (int t = 0; t < HERE_THREADS; t++)
		MT_OK(pthread_create(&g_here.emitter[t], NULL, here_thread,
				     (void *)(uintptr_t)t));
	for (int t = 0; t < HERE_THREADS; t++)
		pthread_join(g_here.emitter[t], NULL);
	pthread_join(sync_t, NULL);
	wait_called(HERE_THREADS * HERE_EACH);
	MT_EQ_INT(atomic_load(&g_here.early), 0);
	MT_EQ_INT(atomic_load(&g_here.failed), 0);
	MT_EQ_INT(atomic_load(&g_here.out_of_order), 0);
	MT_TRUE(atomic_load(&g_here.elsewhere) > 0);
	MT_EQ_INT(med_audit_pending(g_here.a), HERE_THREADS * HERE_EACH + 100);
	MT_TRUE(file_contains(dir, "audit.spool", "here-3-149"));
	med_audit_close(g_here.a);
	MT_EQ_INT(atomic_load(&g_here.called), HERE_THREADS * HERE_EACH);
}

#define N_THREADS  8
#define PER_THREAD 2000

static void *
emit_thread(void *arg)
{
	med_audit *a = arg;
	med_audit_event ev = {0};

	ev.action = "/smartmed.records.v1.Records/GetEntry";
	ev.actor = "nurse-1";
	ev.actor_roles = 2;
	ev.resource = "record/42";
	ev.request_id = "0123456789abcdef";
	for (int i = 0; i < PER_THREAD; i++)
		if (med_audit_emit(a, &ev) != MED_OK)
			return (void *)1;
	return NULL;
}

/* test_concurrent_throughput: many emitters, all delivered; prints rate. */
static void
test_concurrent_throughput(void)
{
	const char *url = free_url(), *dir = spool_dir("s");
	const char *bench = getenv("MED_AUDIT_BENCH_DIR");
	pthread_t t[N_THREADS];
	med_audit_ingest *in;
	med_audit *a;
	int64_t t0, ns;

	sink_init();
	in = receiver_start(url);
	a = emitter_open(url, bench ? bench : dir);
	t0 = med_mono_ns();
	for (int i = 0; i < N_THREADS; i++)
		MT_OK(pthread_create(&t[i], NULL, emit_thread, a));
	for (int i = 0; i < N_THREADS; i++) {
		void *rc;
		pthread_join(t[i], &rc);
		MT_TRUE(rc == NULL);
	}
	ns = med_mono_ns() - t0;
	fprintf(stderr,
		"    %d events durable in %.3f s: %.0f events/s "
		"(%d threads)\n",
		N_THREADS * PER_THREAD, (double)ns / 1e9,
		N_THREADS * PER_THREAD / ((double)ns / 1e9), N_THREADS);
	wait_pending(a, 0);
	MT_EQ_INT(sink_count(), N_THREADS * PER_THREAD);
	MT_EQ_INT(sink.dups, 0);
	med_audit_close(a);
	med_audit_ingest_stop(in);
}

/* --- mutual TLS ------------------------------------------------------------
 */

/* Long enough for many handshake attempts (the emitter retries every
 * 100 ms at most here), short enough to keep the suite fast. */
#define REFUSED_WAIT_US 1500000

static char pki[512], other_pki[512];
static char tls_url[80], tcp_url[64];
static med_tls server_tls;

static void
sh(const char *cmd)
{
	if (system(cmd) != 0)
		mt_fail(__FILE__, __LINE__, "command failed: %s", cmd);
}

/*
 * pki_make: the development PKI (CA, audit and identity certificates), a
 * second CA with its own identity certificate, and an identity certificate
 * of the first CA that expired yesterday (-days -1).  devca.sh keeps what
 * exists, so calling it again is cheap.
 */
static void
pki_make(void)
{
	char cmd[2048];

	snprintf(pki, sizeof(pki), "%s/pki", mt_tmpdir());
	snprintf(other_pki, sizeof(other_pki), "%s/other", mt_tmpdir());
	snprintf(cmd, sizeof(cmd),
		 "sh tools/dev/devca.sh %s audit identity >/dev/null 2>&1 && "
		 "sh tools/dev/devca.sh %s identity >/dev/null 2>&1",
		 pki, other_pki);
	sh(cmd);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf 'subjectAltName=DNS:identity\\n"
		 "extendedKeyUsage=serverAuth,clientAuth\\n' >old.ext && "
		 "openssl req -new -key identity.key -subj /CN=identity "
		 "-out old.csr 2>/dev/null && "
		 "openssl x509 -req -in old.csr -CA ca.pem -CAkey ca.key "
		 "-set_serial 7 -days -1 -extfile old.ext -out expired.pem "
		 "2>/dev/null",
		 pki);
	sh(cmd);
}

/* tls_of loads DIR/CERT and DIR/KEY with CA_DIR/ca.pem as the CA. */
static void
tls_of(med_tls *t, const char *dir, const char *cert, const char *key,
       const char *ca_dir)
{
	char c[700], k[700], ca[700], err[256] = "";

	snprintf(c, sizeof(c), "%s/%s", dir, cert);
	snprintf(k, sizeof(k), "%s/%s", dir, key);
	snprintf(ca, sizeof(ca), "%s/ca.pem", ca_dir);
	if (med_tls_load(t, c, k, ca, err, sizeof(err)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "tls load: %s", err);
}

/* tls_refused counts the events the TLS ingest refused for their service. */
static med_metrics *tls_metrics;
static med_counter *tls_refused;

/* tls_ingest_start: the audit service's TLS ingest on a fresh port. */
static med_audit_ingest *
tls_ingest_start(void)
{
	med_audit_ingest_opts o = {.tls = &server_tls, .store = store};
	med_audit_ingest *in = NULL;
	char err[256] = "";

	sink_init();
	med_strlcpy(tcp_url, free_url(), sizeof(tcp_url));
	snprintf(tls_url, sizeof(tls_url), "tls+%s", tcp_url);
	pki_make();
	tls_of(&server_tls, pki, "audit.pem", "audit.key", pki);
	tls_metrics = med_metrics_new();
	tls_refused = med_metrics_counter(tls_metrics, "test_refused_total",
					  "Refused", "");
	o.refused_service = tls_refused;
	o.url = tls_url;
	if (med_audit_ingest_start(&o, &in, err, sizeof(err)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "ingest: %s", err);
	return in;
}

static void
tls_ingest_stop(med_audit_ingest *in)
{
	med_audit_ingest_stop(in);
	med_tls_fini(&server_tls);
	med_metrics_free(tls_metrics);
	tls_metrics = NULL;
}

/* tls_refused_is: the refusal counter reads want. */
static bool
tls_refused_is(unsigned want)
{
	char *text = NULL, line[64];
	size_t len = 0;
	bool found;

	MT_OK(med_metrics_render(tls_metrics, &text, &len));
	snprintf(line, sizeof(line), "\ntest_refused_total %u\n", want);
	found = strstr(text, line) != NULL;
	free(text);
	return found;
}

static void
test_tls_deliver_exactly_once(void)
{
	med_audit_ingest *in = tls_ingest_start();
	med_tls tls = {0};
	med_audit *a;

	tls_of(&tls, pki, "identity.pem", "identity.key", pki);
	a = emitter_tls_open(tls_url, spool_dir("s"), &tls, "audit");
	emit_n(a, "t", 0, 50);
	wait_pending(a, 0);
	emit_n(a, "t", 50, 7);
	wait_pending(a, 0);
	expect_all("t", 0, 57);
	MT_EQ_INT(sink_count(), 57);
	MT_EQ_INT(med_audit_delivered(a), 57);
	MT_EQ_INT(sink.dups, 0);
	med_audit_close(a);
	med_tls_fini(&tls);
	tls_ingest_stop(in);
}

/*
 * refused_then_fixed: an emitter with bad (NULL: a certificate of the other
 * CA) delivers nothing and keeps its events; reopened on the same spool
 * with a good certificate, it delivers them all, once (so the refusal was
 * the certificate, not the test).
 */
static void
refused_then_fixed(const med_tls *bad, const char *server_name)
{
	med_audit_ingest *in = tls_ingest_start();
	const char *dir = spool_dir("s");
	med_tls good = {0};
	med_audit *a;

	if (bad == NULL) {
		tls_of(&good, other_pki, "identity.pem", "identity.key", pki);
		bad = &good;
	}
	a = emitter_tls_open(tls_url, dir, bad, server_name);
	emit_n(a, "r", 0, 5);
	usleep(REFUSED_WAIT_US);
	MT_EQ_INT(sink_count(), 0);
	MT_EQ_INT(med_audit_pending(a), 5);
	med_audit_close(a);
	med_tls_fini(&good);
	tls_of(&good, pki, "identity.pem", "identity.key", pki);
	a = emitter_tls_open(tls_url, dir, &good, "audit");
	wait_pending(a, 0);
	expect_all("r", 0, 5);
	MT_EQ_INT(sink.dups, 0);
	med_audit_close(a);
	med_tls_fini(&good);
	tls_ingest_stop(in);
}

static void
test_tls_other_ca_refused(void)
{
	refused_then_fixed(NULL, "audit");
}

/* refused_with: a certificate of the first CA, checking server_name. */
static void
refused_with(const char *cert, const char *server_name)
{
	med_tls tls = {0};

	pki_make();
	tls_of(&tls, pki, cert, "identity.key", pki);
	refused_then_fixed(&tls, server_name);
	med_tls_fini(&tls);
}

static void
test_tls_expired_refused(void)
{
	refused_with("expired.pem", "audit");
}

/* The server's certificate is valid but does not name "records". */
static void
test_tls_wrong_server_name_refused(void)
{
	refused_with("identity.pem", "records");
}

/* raw_send sends one valid batch of an event of service on s; true when
 * an ack came back. */
static bool
raw_send(nng_socket s, const char *service)
{
	Smartmed__Common__V1__AuditEvent ev =
		SMARTMED__COMMON__V1__AUDIT_EVENT__INIT;
	Smartmed__Common__V1__AuditEvent *evp = &ev;
	Smartmed__Common__V1__AuditBatch b =
		SMARTMED__COMMON__V1__AUDIT_BATCH__INIT;
	char id[MED_UUID_LEN + 1];
	uint8_t buf[512];
	void *reply = NULL;
	size_t len, sz = 0;

	med_uuid_v4(id);
	ev.event_id = id;
	ev.service = (char *)service;
	ev.action = ev.actor = ev.actor_roles = "x";
	ev.patient_id = ev.resource = ev.request_id = ev.detail = "x";
	ev.action_code = "R";
	ev.purpose_of_use = "TREAT";
	b.events = &evp;
	b.n_events = 1;
	len = smartmed__common__v1__audit_batch__pack(&b, buf);
	MT_OK(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 1000));
	MT_OK(nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 1000));
	if (nng_send(s, buf, len, 0) != 0 ||
	    nng_recv(s, &reply, &sz, NNG_FLAG_ALLOC) != 0)
		return false;
	nng_free(reply, sz);
	return true;
}

static void
test_tls_plaintext_dialer_refused(void)
{
	med_audit_ingest *in = tls_ingest_start();
	nng_socket s;

	MT_OK(nng_req0_open(&s));
	MT_OK(nng_dial(s, tcp_url, NULL, NNG_FLAG_NONBLOCK));
	MT_TRUE(!raw_send(s, "identity"));
	MT_EQ_INT(sink_count(), 0);
	nng_close(s);
	tls_ingest_stop(in);
}

/* raw_tls_socket dials the ingest with cfg. */
static nng_socket
raw_tls_socket(nng_tls_config *cfg, int flags)
{
	nng_dialer d;
	nng_socket s;

	MT_OK(nng_req0_open(&s));
	MT_OK(nng_dialer_create(&d, s, tls_url));
	MT_OK(nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg));
	MT_OK(nng_dialer_start(d, flags));
	return s;
}

/* A client that checks the server but has no certificate of its own. */
static void
test_tls_no_client_cert_refused(void)
{
	med_audit_ingest *in = tls_ingest_start();
	nng_tls_config *cfg;
	nng_socket s;

	MT_OK(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT));
	MT_OK(nng_tls_config_ca_chain(cfg, server_tls.ca_pem, NULL));
	MT_OK(nng_tls_config_server_name(cfg, "audit"));
	s = raw_tls_socket(cfg, NNG_FLAG_NONBLOCK);
	MT_TRUE(!raw_send(s, "audit"));
	MT_EQ_INT(sink_count(), 0);
	nng_close(s);
	/* The same client with a certificate is let in: the check works. */
	MT_OK(nng_tls_config_own_cert(cfg, server_tls.cert_pem,
				      server_tls.key_pem, NULL));
	s = raw_tls_socket(cfg, 0);
	MT_TRUE(raw_send(s, "audit"));
	MT_EQ_INT(sink_count(), 1);
	nng_close(s);
	nng_tls_config_free(cfg);
	tls_ingest_stop(in);
}

/*
 * Every service holds a certificate of the one CA: identity's certificate
 * writes identity's events, never dosage's or audit's.  A refused event is
 * acknowledged (the emitter does not resend it), counted and never stored.
 */
static void
test_tls_other_service_refused(void)
{
	med_audit_ingest *in = tls_ingest_start();
	nng_tls_config *cfg;
	med_tls id = {0};
	nng_socket s;

	tls_of(&id, pki, "identity.pem", "identity.key", pki);
	MT_OK(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT));
	MT_OK(nng_tls_config_ca_chain(cfg, id.ca_pem, NULL));
	MT_OK(nng_tls_config_server_name(cfg, "audit"));
	MT_OK(nng_tls_config_own_cert(cfg, id.cert_pem, id.key_pem, NULL));
	s = raw_tls_socket(cfg, 0);
	MT_TRUE(raw_send(s, "dosage"));
	MT_TRUE(raw_send(s, "audit"));
	MT_EQ_INT(sink_count(), 0);
	MT_TRUE(tls_refused_is(2));
	/* The same connection's own events are stored. */
	MT_TRUE(raw_send(s, "identity"));
	MT_EQ_INT(sink_count(), 1);
	MT_TRUE(tls_refused_is(2));
	nng_close(s);
	nng_tls_config_free(cfg);
	med_tls_fini(&id);
	tls_ingest_stop(in);
}

/* TLS material that is not PEM fails at start, not at the first event. */
static void
test_tls_bad_pem_rejected(void)
{
	med_tls junk = {.cert_pem = "not a cert",
			.key_pem = "not a key",
			.ca_pem = "not a ca"};
	med_audit_ingest_opts o = {.tls = &junk, .store = store};
	med_audit_ingest *in = NULL;
	char err[256] = "";

	snprintf(tls_url, sizeof(tls_url), "tls+%s", free_url());
	o.url = tls_url;
	MT_EQ_INT(med_audit_ingest_start(&o, &in, err, sizeof(err)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(err, "cannot listen") != NULL);
}

static const mt_case cases[] = {
	{"deliver_all", test_deliver_all},
	{"event_fields", test_event_fields},
	{"receiver_down_and_back", test_receiver_down_and_back},
	{"redial_while_receiver_down", test_redial_while_receiver_down},
	{"emitter_restart", test_emitter_restart},
	{"torn_tail", test_torn_tail},
	{"corrupt_ack_file", test_corrupt_ack_file},
	{"stale_ack_after_compaction_crash",
	 test_stale_ack_after_compaction_crash},
	{"store_fails_once", test_store_fails_once},
	{"close_is_prompt", test_close_is_prompt},
	{"open_errors", test_open_errors},
	{"malformed_batch", test_malformed_batch},
	{"ingest_open_errors", test_ingest_open_errors},
	{"compaction", test_compaction},
	{"concurrent_throughput", test_concurrent_throughput},
	{"emit_async", test_emit_async},
	{"emit_async_disk_full", test_emit_async_disk_full},
	{"emit_async_one_at_a_time", test_emit_async_one_at_a_time},
	{"emit_or_commit_idle", test_emit_or_commit_idle},
	{"emit_or_commit_busy", test_emit_or_commit_busy},
	{"tls_deliver_exactly_once", test_tls_deliver_exactly_once},
	{"tls_other_ca_refused", test_tls_other_ca_refused},
	{"tls_expired_refused", test_tls_expired_refused},
	{"tls_wrong_server_name_refused", test_tls_wrong_server_name_refused},
	{"tls_plaintext_dialer_refused", test_tls_plaintext_dialer_refused},
	{"tls_no_client_cert_refused", test_tls_no_client_cert_refused},
	{"tls_other_service_refused", test_tls_other_service_refused},
	{"tls_bad_pem_rejected", test_tls_bad_pem_rejected},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
