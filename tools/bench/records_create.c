/*
 * records_create.c - records throughput against its own reference.
 *
 *   bench-records_create TARGET TOKEN DB_HOST DB_PORT DB_NAME
 *                        [N [THREADS [GETS]]]
 *
 * Environment: MED_TLS_CERT, MED_TLS_KEY, MED_TLS_CA (the client identity
 * for the service's mutual TLS port).
 *
 * TARGET and DB_PORT may be comma-separated lists (replicas of records,
 * nodes of a Galera cluster: tools/bench/galera.py): thread i uses entry
 * i modulo the list's length, so the load is spread evenly over them.
 *
 * 1. raw: THREADS threads insert N rows shaped like a version row (the
 *    same columns, a note of the same size) into bench_raw, a copy of the
 *    entries table, through libmed's db module: one prepared INSERT, one
 *    committed transaction each (durable with the server's defaults).
 * 2. rpc: THREADS threads call CreateEntry N times in all over mutual TLS,
 *    one patient per thread (appends are serialised per patient).
 * 3. get: one thread calls GetEntry GETS times on the created entries and
 *    reports p50/p99 latency.
 *
 * Prints entries/s for raw and rpc and the ratio rpc/raw.  Any failed call
 * stops the run: a run with errors is not a measurement.
 */
#include <med/codec.h>
#include <med/db.h>
#include <med/rpc.h>
#include <med/util.h>

#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartmed/records/v1/records.pb-c.h"

#define MAX_THREADS 64
#define MAX_TARGETS 8 /* entries of a TARGET or DB_PORT list */
#define BODY                                                                   \
	"Patient seen on the ward round. Observations stable, pain well "      \
	"controlled, mobilising with assistance. Plan: continue current "      \
	"treatment, review bloods in the morning."
#define CREATE "/smartmed.records.v1.Records/CreateEntry"
#define GET    "/smartmed.records.v1.Records/GetEntry"

typedef struct bench {
	const char *token;
	med_db *db[MAX_TARGETS];
	med_channel *ch[MAX_TARGETS];
	int n_dbs, n_chs;
	long n, threads, gets;
	char (*ids)[MED_UUID_LEN + 1]; /* entries created by the rpc phase */
	_Atomic long next;
	_Atomic long started; /* threads started in this phase: their slot */
	_Atomic long errors;
} bench;

static double
now_s(void)
{
	return (double)med_mono_ns() / 1e9;
}

/* --- raw inserts -------------------------------------------------------- */

typedef struct raw_row {
	char id[MED_UUID_LEN + 1];
	const char *patient;
	char sha[65];
	char chain[65];
	int64_t seq;
} raw_row;

static med_err
raw_tx(med_db_conn *c, void *arg)
{
	const raw_row *r = arg;
	med_db_value v[] = {
		MED_DB_STR(r->id),	  MED_DB_I64(1),
		MED_DB_STR(r->patient),	  MED_DB_I64(1),
		MED_DB_STR("Ward round"), MED_DB_STR(BODY),
		MED_DB_STR("dr.bench"),	  MED_DB_I64(med_now_ms()),
		MED_DB_STR(r->sha),	  MED_DB_I64(2),
		MED_DB_I64(r->seq),	  MED_DB_STR(r->sha),
		MED_DB_STR(r->chain),
	};

	return med_db_exec(c,
			   "INSERT INTO bench_raw (entry_id, version,"
			   " patient_id, kind, title, body, author, created_ms,"
			   " content_sha256, hash_alg, chain_seq, prev_hash,"
			   " chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			   " ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

static void *
raw_thread(void *arg)
{
	bench *b = arg;
	char patient[MED_UUID_LEN + 1];
	raw_row r = {.patient = patient};
	unsigned char d[crypto_hash_sha256_BYTES];

	med_db *db = b->db[atomic_fetch_add(&b->started, 1) % b->n_dbs];

	med_uuid_v4(patient);
	while (atomic_fetch_add(&b->next, 1) < b->n) {
		med_uuid_v4(r.id);
		crypto_hash_sha256(d, (const unsigned char *)r.id,
				   MED_UUID_LEN);
		med_hex_encode(r.sha, sizeof(r.sha), d, sizeof(d));
		memcpy(r.chain, r.sha, sizeof(r.chain));
		r.seq++;
		if (med_db_tx(db, raw_tx, &r) != MED_OK)
			atomic_fetch_add(&b->errors, 1);
	}
	return NULL;
}

/* --- gRPC --------------------------------------------------------------- */

static void *
rpc_thread(void *arg)
{
	bench *b = arg;
	char patient[MED_UUID_LEN + 1];
	med_arena *a = med_arena_new(1 << 20);
	Smartmed__Records__V1__CreateEntryRequest req =
		SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__INIT;
	med_call_opts o = {.token = b->token};
	med_channel *ch = b->ch[atomic_fetch_add(&b->started, 1) % b->n_chs];
	long i;

	med_uuid_v4(patient);
	req.patient_id = patient;
	req.kind = SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_NOTE;
	req.title = "Ward round";
	req.body = BODY;
	while (a && (i = atomic_fetch_add(&b->next, 1)) < b->n) {
		ProtobufCMessage *out = NULL;
		med_rpc_status st;

		med_arena_reset(a);
		if (med_channel_unary(ch, CREATE, &req.base,
				      &smartmed__records__v1__entry__descriptor,
				      a, &o, &out, &st) != MED_OK) {
			fprintf(stderr, "CreateEntry: %d %s\n", st.code,
				st.message);
			atomic_fetch_add(&b->errors, 1);
			break;
		}
		med_strlcpy(b->ids[i],
			    ((Smartmed__Records__V1__Entry *)out)->entry_id,
			    sizeof(b->ids[i]));
	}
	med_arena_free(a);
	return NULL;
}

static double
run_threads(bench *b, void *(*fn)(void *))
{
	pthread_t t[MAX_THREADS];
	double t0 = now_s();

	atomic_store(&b->next, 0);
	atomic_store(&b->started, 0);
	for (long i = 0; i < b->threads; i++)
		pthread_create(&t[i], NULL, fn, b);
	for (long i = 0; i < b->threads; i++)
		pthread_join(t[i], NULL);
	return now_s() - t0;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

static int
run_gets(bench *b)
{
	double *lat = calloc((size_t)b->gets, sizeof(*lat));
	med_arena *a = med_arena_new(1 << 20);
	Smartmed__Records__V1__GetEntryRequest req =
		SMARTMED__RECORDS__V1__GET_ENTRY_REQUEST__INIT;
	med_call_opts o = {.token = b->token};
	int rc = 1;

	for (long i = 0; lat && a && i < b->gets; i++) {
		ProtobufCMessage *out = NULL;
		med_rpc_status st;
		double t0 = now_s();

		med_arena_reset(a);
		req.entry_id = b->ids[(i * 7919) % b->n];
		if (med_channel_unary(b->ch[0], GET, &req.base,
				      &smartmed__records__v1__entry__descriptor,
				      a, &o, &out, &st) != MED_OK) {
			fprintf(stderr, "GetEntry: %d %s\n", st.code,
				st.message);
			goto out;
		}
		lat[i] = (now_s() - t0) * 1e6;
	}
	if (lat && a) {
		qsort(lat, (size_t)b->gets, sizeof(*lat), cmp_double);
		printf("get     p50_us=%.0f p99_us=%.0f calls=%ld\n",
		       lat[b->gets / 2], lat[b->gets * 99 / 100], b->gets);
		rc = 0;
	}
out:
	med_arena_free(a);
	free(lat);
	return rc;
}

/* --- setup -------------------------------------------------------------- */

/* split_list cuts s (modified) at commas into at most cap items; returns
 * how many, or 0 for an empty item or too many. */
static int
split_list(char *s, char **items, int cap)
{
	char *save = NULL;
	int n = 0;

	for (char *it = strtok_r(s, ",", &save); it != NULL;
	     it = strtok_r(NULL, ",", &save)) {
		if (n == cap)
			return 0;
		items[n++] = it;
	}
	return n;
}

static int
open_dbs(bench *b, char **argv)
{
	char *ports[MAX_TARGETS];
	/* The login comes from the environment (tools/bench/records.py passes
	 * records' own user over TLS): root answers only on the development
	 * MariaDB's socket. */
	const char *user = getenv("MED_DB_USER");
	med_db_opts dbo = {.host = argv[3],
			   .user = user ? user : "root",
			   .password = getenv("MED_DB_PASSWORD"),
			   .tls_ca = getenv("MED_DB_TLS_CA"),
			   .database = argv[5],
			   .pool_size = (int)b->threads};

	b->n_dbs = split_list(argv[4], ports, MAX_TARGETS);
	if (b->n_dbs == 0) {
		fprintf(stderr, "DB_PORT: 1 to %d ports, comma-separated\n",
			MAX_TARGETS);
		return 1;
	}
	for (int i = 0; i < b->n_dbs; i++) {
		dbo.port = (int)strtol(ports[i], NULL, 10);
		if (med_db_open(&dbo, &b->db[i]) != MED_OK) {
			fprintf(stderr, "cannot open the database on port %s\n",
				ports[i]);
			return 1;
		}
	}
	return 0;
}

static int
open_channels(bench *b, char *targets, med_tls *tls)
{
	char *addr[MAX_TARGETS];
	med_channel_opts co = {.tls = tls};

	b->n_chs = split_list(targets, addr, MAX_TARGETS);
	if (b->n_chs == 0) {
		fprintf(stderr, "TARGET: 1 to %d addresses, comma-separated\n",
			MAX_TARGETS);
		return 1;
	}
	for (int i = 0; i < b->n_chs; i++) {
		if (med_channel_open_opts(addr[i], &co, &b->ch[i]) != MED_OK) {
			fprintf(stderr, "cannot open a channel to %s\n",
				addr[i]);
			return 1;
		}
	}
	return 0;
}

static int
open_all(bench *b, char **argv, med_tls *tls)
{
	char err[256];

	if (med_tls_load(tls, getenv("MED_TLS_CERT"), getenv("MED_TLS_KEY"),
			 getenv("MED_TLS_CA"), err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "MED_TLS_*: %s\n", err);
		return 1;
	}
	if (open_dbs(b, argv) != 0 || open_channels(b, argv[1], tls) != 0)
		return 1;
	if (med_db_exec_once(
		    b->db[0],
		    "CREATE TABLE IF NOT EXISTS bench_raw LIKE entries", NULL,
		    0, NULL, NULL) != MED_OK ||
	    med_db_exec_once(b->db[0], "TRUNCATE TABLE bench_raw", NULL, 0,
			     NULL, NULL) != MED_OK) {
		fprintf(stderr, "cannot create bench_raw\n");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	bench b = {0};
	med_tls tls = {0};
	double raw_s, rpc_s;
	int rc = 1;

	if (argc < 6) {
		fprintf(stderr,
			"usage: %s TARGET TOKEN DB_HOST DB_PORT DB_NAME"
			" [N [THREADS [GETS]]]\n",
			argv[0]);
		return 2;
	}
	b.token = argv[2];
	b.n = argc > 6 ? strtol(argv[6], NULL, 10) : 2000;
	b.threads = argc > 7 ? strtol(argv[7], NULL, 10) : 4;
	b.gets = argc > 8 ? strtol(argv[8], NULL, 10) : 2000;
	if (b.n < 1 || b.threads < 1 || b.threads > MAX_THREADS || b.gets < 1 ||
	    sodium_init() < 0)
		return 2;
	b.ids = calloc((size_t)b.n, sizeof(*b.ids));
	if (b.ids == NULL || open_all(&b, argv, &tls) != 0)
		goto out;
	raw_s = run_threads(&b, raw_thread);
	rpc_s = run_threads(&b, rpc_thread);
	if (atomic_load(&b.errors) != 0) {
		fprintf(stderr, "%ld calls failed: not a measurement\n",
			atomic_load(&b.errors));
		goto out;
	}
	printf("raw     entries_per_s=%.0f n=%ld threads=%ld\n", b.n / raw_s,
	       b.n, b.threads);
	printf("rpc     entries_per_s=%.0f n=%ld threads=%ld\n", b.n / rpc_s,
	       b.n, b.threads);
	printf("ratio   rpc/raw=%.2f\n", raw_s / rpc_s);
	rc = run_gets(&b);
out:
	for (int i = 0; i < MAX_TARGETS; i++) {
		med_channel_close(b.ch[i]);
		med_db_close(b.db[i]);
	}
	med_tls_fini(&tls);
	free(b.ids);
	return rc;
}
