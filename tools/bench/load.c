/*
 * load.c - a closed-loop gRPC load generator on the raw core: C
 * connections, M calls outstanding on each, a fixed duration.  It checks
 * every reply (status OK and the echoed size) and counts the rest as
 * errors; a run with errors is not a measurement.
 *
 *   bench-load TARGET PATH TOKEN [CONNS [OUTSTANDING [SECONDS [WARMUP]]]]
 *
 * With LOAD_REQUEST_IDS=1 in the environment every call carries its own
 * x-request-id (a client-chosen id, as an idempotent write's).
 *
 * Prints one line: rps=... p50_us=... p90_us=... p99_us=... p999_us=...
 * ok=... errors=... total=... (total counts the warm-up and the tail too).
 * p90 beside p99 shows whether the tail is a separate mode.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "smartmed/common/v1/common.pb-c.h"

#define HIST_US 200000 /* 1 us buckets up to 200 ms, then one overflow */

typedef struct slot {
	grpc_channel *ch;
	grpc_call *call;
	int64_t start_ns;
	grpc_byte_buffer *req, *resp;
	grpc_metadata_array init_md, trail_md;
	grpc_status_code status;
	grpc_slice details;
	grpc_metadata md[2]; /* authorization, and x-request-id */
	char request_id[48];
} slot;

static struct {
	const char *path;
	grpc_completion_queue *cq;
	grpc_slice req;
	grpc_metadata md;
	int64_t measure_from_ns, end_ns;
	atomic_int live;
	atomic_ullong ok, errors, total;
	atomic_uint *hist;
	atomic_bool reported;
	bool request_ids;
	atomic_ullong next_id;
} g;

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
slot_start(slot *s)
{
	grpc_op ops[6];

	memset(ops, 0, sizeof(ops));
	s->start_ns = mono_ns();
	s->call = grpc_channel_create_call(
		s->ch, NULL, 0, g.cq, grpc_slice_from_static_string(g.path),
		NULL,
		gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			     gpr_time_from_seconds(10, GPR_TIMESPAN)),
		NULL);
	s->req = grpc_raw_byte_buffer_create(&g.req, 1);
	s->resp = NULL;
	s->details = grpc_empty_slice();
	grpc_metadata_array_init(&s->init_md);
	grpc_metadata_array_init(&s->trail_md);
	s->md[0] = g.md;
	if (g.request_ids) {
		snprintf(s->request_id, sizeof(s->request_id), "bench-%llu",
			 atomic_fetch_add(&g.next_id, 1));
		s->md[1].key = grpc_slice_from_static_string("x-request-id");
		s->md[1].value = grpc_slice_from_static_string(s->request_id);
	}
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = g.request_ids ? 2 : 1;
	ops[0].data.send_initial_metadata.metadata = s->md;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = s->req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &s->init_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &s->resp;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &s->trail_md;
	ops[5].data.recv_status_on_client.status = &s->status;
	ops[5].data.recv_status_on_client.status_details = &s->details;
	if (grpc_call_start_batch(s->call, ops, 6, s, NULL) != GRPC_CALL_OK) {
		fprintf(stderr, "load: start_batch failed\n");
		exit(1);
	}
}

/* slot_done records one finished call and releases it. */
static void
slot_done(slot *s, bool success)
{
	int64_t now = mono_ns();
	bool good =
		success && s->status == GRPC_STATUS_OK && s->resp != NULL &&
		grpc_byte_buffer_length(s->resp) == GRPC_SLICE_LENGTH(g.req);

	if (!good && !atomic_exchange(&g.reported, true))
		fprintf(stderr, "load: first error: status %d %.*s\n",
			(int)s->status, (int)GRPC_SLICE_LENGTH(s->details),
			(const char *)GRPC_SLICE_START_PTR(s->details));
	atomic_fetch_add(&g.total, 1);
	if (s->start_ns >= g.measure_from_ns && now <= g.end_ns) {
		int64_t us = (now - s->start_ns) / 1000;
		atomic_fetch_add(good ? &g.ok : &g.errors, 1);
		atomic_fetch_add_explicit(&g.hist[us < HIST_US ? us : HIST_US],
					  1, memory_order_relaxed);
	}
	grpc_slice_unref(s->details);
	grpc_byte_buffer_destroy(s->req);
	if (s->resp != NULL)
		grpc_byte_buffer_destroy(s->resp);
	grpc_metadata_array_destroy(&s->init_md);
	grpc_metadata_array_destroy(&s->trail_md);
	grpc_call_unref(s->call);
}

static void *
poll_main(void *arg)
{
	(void)arg;
	while (atomic_load(&g.live) > 0) {
		grpc_event ev = grpc_completion_queue_next(
			g.cq,
			gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
				     gpr_time_from_millis(100, GPR_TIMESPAN)),
			NULL);
		slot *s = ev.tag;

		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		slot_done(s, ev.success != 0);
		if (mono_ns() < g.end_ns)
			slot_start(s);
		else
			atomic_fetch_sub(&g.live, 1);
	}
	return NULL;
}

static grpc_channel *
channel_open(const char *target, int i)
{
	grpc_arg args[2] = {
		/* Distinct args keep each channel on its own connection. */
		{.type = GRPC_ARG_INTEGER,
		 .key = "bench.connection",
		 .value.integer = i},
		{.type = GRPC_ARG_INTEGER,
		 .key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
		 .value.integer = 1},
	};
	grpc_channel_args ca = {.num_args = 2, .args = args};
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(target, creds, &ca);

	grpc_channel_credentials_release(creds);
	return ch;
}

static int
percentile_us(unsigned long long total, double p)
{
	unsigned long long want = (unsigned long long)(p * (double)total),
			   n = 0;

	for (int us = 0; us <= HIST_US; us++) {
		n += atomic_load(&g.hist[us]);
		if (n > want)
			return us;
	}
	return HIST_US;
}

static void
make_request(const char *token)
{
	Smartmed__Common__V1__ErrorDetail m =
		SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	static char auth[256];

	m.field = "patient.family_name";
	m.reason = "must not be empty";
	g.req = grpc_slice_malloc(protobuf_c_message_get_packed_size(&m.base));
	protobuf_c_message_pack(&m.base, GRPC_SLICE_START_PTR(g.req));
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	g.md.key = grpc_slice_from_static_string("authorization");
	g.md.value = grpc_slice_from_static_string(auth);
}

int
main(int argc, char **argv)
{
	int conns = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 4;
	int outstanding = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 16;
	double secs = argc > 6 ? strtod(argv[6], NULL) : 5;
	double warm = argc > 7 ? strtod(argv[7], NULL) : 1;
	int n_slots = conns * outstanding;
	grpc_channel **chs;
	slot *slots;
	pthread_t t;

	if (argc < 4 || conns < 1 || outstanding < 1 || secs <= 0) {
		fprintf(stderr,
			"usage: %s TARGET PATH TOKEN [CONNS [OUTSTANDING "
			"[SECONDS [WARMUP]]]]\n",
			argv[0]);
		return 2;
	}
	grpc_init();
	g.path = argv[2];
	g.request_ids = getenv("LOAD_REQUEST_IDS") != NULL &&
			strcmp(getenv("LOAD_REQUEST_IDS"), "1") == 0;
	g.hist = calloc(HIST_US + 1, sizeof(*g.hist));
	chs = calloc((size_t)conns, sizeof(*chs));
	slots = calloc((size_t)n_slots, sizeof(*slots));
	make_request(argv[3]);
	g.cq = grpc_completion_queue_create_for_next(NULL);
	for (int i = 0; i < conns; i++)
		chs[i] = channel_open(argv[1], i);
	g.measure_from_ns = mono_ns() + (int64_t)(warm * 1e9);
	g.end_ns = g.measure_from_ns + (int64_t)(secs * 1e9);
	atomic_store(&g.live, n_slots);
	for (int i = 0; i < n_slots; i++) {
		slots[i].ch = chs[i % conns];
		slot_start(&slots[i]);
	}
	pthread_create(&t, NULL, poll_main, NULL);
	pthread_join(t, NULL);
	unsigned long long ok = atomic_load(&g.ok),
			   err = atomic_load(&g.errors);
	printf("rps=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d ok=%llu "
	       "errors=%llu total=%llu\n",
	       (double)(ok + err) / secs, percentile_us(ok + err, 0.50),
	       percentile_us(ok + err, 0.90), percentile_us(ok + err, 0.99),
	       percentile_us(ok + err, 0.999), ok, err,
	       (unsigned long long)atomic_load(&g.total));
	for (int i = 0; i < conns; i++)
		grpc_channel_destroy(chs[i]);
	grpc_completion_queue_shutdown(g.cq);
	while (grpc_completion_queue_next(
		       g.cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(g.cq);
	grpc_slice_unref(g.req);
	free(slots);
	free(chs);
	free(g.hist);
	grpc_shutdown();
	return err == 0 && ok > 0 ? 0 : 1;
}
