/*
 * audit_ingest.c - the audit log benchmark (bench-audit_ingest, driven by
 * tools/bench/audit.sh against a real audit service and MariaDB).
 *
 *   appends:  EMITTERS threads, each an NNG req socket speaking the
 *             emitter protocol (AuditBatch of BATCH events, wait for the
 *             AuditAck that follows the commit), send EVENTS events in all;
 *             sustained durable appends/s.
 *   reference: the same rows, same batches, inserted by as many threads
 *             into a plain table with the same columns and indexes, one
 *             statement and one commit per batch (no dedupe, no Merkle
 *             tree): what this MariaDB does without the log's work.
 *   proof:    one event sent alone: time to its acknowledgement (an
 *             inclusion proof is available from then on), time to the
 *             first signed tree head that covers it, time of one
 *             InclusionProof RPC.
 *   10M:      (--proof-leaves N) a synthetic tree of N leaves bulk-loaded
 *             into a scratch database (events.leaf_hash + tree_nodes, as
 *             the service stores them); median time to generate inclusion
 *             and consistency proofs with the service's queries.
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/db.h>
#include <med/merkle.h>
#include <med/rpc.h>
#include <med/util.h>

/* libmed-internal: the ingest dialer with the same TLS rules as emitters. */
#include <med/audit_tls.h>
#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/common/v1/audit_event.pb-c.h"

#include <getopt.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct bench_opts {
	const char *url;	 /* audit ingest, tls+tcp://... */
	const char *server_name; /* name on the audit certificate */
	const char *grpc;	 /* audit gRPC address, for time to proof */
	const char *token;	 /* auditor token */
	const char *db_host;
	int db_port;
	const char *db_name; /* the audit service's database */
	int emitters;
	uint64_t events;
	int batch;
	uint64_t proof_leaves;
	const char *scratch_dir; /* a directory the server can read */
	int proof_samples;
	bool no_reference; /* appends only (audit_scale.py counts its rows) */
	bool ids_v4;	   /* random event ids, as emitters made before v7 */
	const char *patients_file; /* patient ids, one a line (else 64 new) */
} bench_opts;

static double bench_reference(const bench_opts *o);
static int bench_time_to_proof(const bench_opts *o);
static int bench_big_tree(const bench_opts *o);
static int bench_parse(bench_opts *o, int argc, char **argv);

static char (*patient_ids)[MED_UUID_LEN + 1];
static size_t n_patients;

static bench_opts O = {
	.emitters = 4,
	.events = 200000,
	.batch = 256,
	.db_port = 3306,
	.proof_samples = 200,
	.server_name = "audit",
};

/*
 * read_patients takes the patient ids of --patients-file (audit_scale.py
 * writes those of its synthetic log, so appends land on the patient key's
 * pages as a hospital's would); lines that are not ids are skipped.
 */
static size_t
read_patients(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[128];
	size_t cap = 0;

	if (f == NULL) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) != MED_UUID_LEN)
			continue;
		if (n_patients == cap) {
			size_t more = cap ? 2 * cap : 1024;
			void *p = realloc(patient_ids,
					  more * sizeof(*patient_ids));
			if (p == NULL)
				break;
			patient_ids = p;
			cap = more;
		}
		memcpy(patient_ids[n_patients++], line, MED_UUID_LEN + 1);
	}
	fclose(f);
	return n_patients;
}

static void
make_patients(void)
{
	if (O.patients_file != NULL && read_patients(O.patients_file) > 0)
		return;
	n_patients = 64;
	if ((patient_ids = calloc(n_patients, sizeof(*patient_ids))) == NULL)
		abort();
	for (size_t i = 0; i < n_patients; i++)
		med_uuid_v4(patient_ids[i]);
}

/* patient_of spreads event n over the patients (a fixed odd stride). */
static const char *
patient_of(uint64_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, make_patients);
	return patient_ids[(n * 2654435761u) % n_patients];
}

static void
bench_fill_event(Smartmed__Common__V1__AuditEvent *e, char *id, int emitter_id,
		 uint64_t n)
{
	(void)emitter_id;
	e->event_id = id;
	e->time_ms = med_now_ms();
	e->service = "identity";
	e->action = "/smartmed.identity.v1.Identity/GetPatient";
	e->actor = "nurse.bench";
	e->actor_roles = "nurse";
	e->patient_id = (char *)patient_of(n);
	e->resource = "patient";
	e->request_id = id;
	e->detail = "";
	e->action_code = "R";
	e->purpose_of_use = "TREAT";
}

/* The client identity of every ingest connection (MED_TLS_*), loaded once. */
static med_tls ingest_tls;

/*
 * dial_ingest opens a req socket to the ingest at url, over mutual TLS as a
 * service's emitter does (tls+tcp://; tcp:// only against an ingest started
 * with MED_AUDIT_ALLOW_PLAINTEXT), and waits for the first pipe.
 */
static int
dial_ingest(const char *url, nng_socket *s)
{
	const med_tls *tls = strncmp(url, "tls+", 4) == 0 ? &ingest_tls : NULL;

	if (nng_req0_open(s) != 0)
		return -1;
	if (med_audit_tls_dial(*s, url, tls, O.server_name) != 0) {
		fprintf(stderr, "bench: cannot dial %s\n", url);
		nng_close(*s);
		return -1;
	}
	/* a refused handshake shows only as silence: do not wait forever */
	nng_socket_set_ms(*s, NNG_OPT_SENDTIMEO, 60000);
	return 0;
}

/* load_ingest_tls reads MED_TLS_CERT, MED_TLS_KEY and MED_TLS_CA. */
static int
load_ingest_tls(void)
{
	char err[512];

	if (med_tls_load(&ingest_tls, getenv("MED_TLS_CERT"),
			 getenv("MED_TLS_KEY"), getenv("MED_TLS_CA"), err,
			 sizeof(err)) != MED_OK) {
		fprintf(stderr, "bench: MED_TLS_*: %s\n", err);
		return -1;
	}
	return 0;
}

/* --- appends through the ingest --------------------------------------- */

typedef struct emitter {
	int id;
	uint64_t sent;
	int failed;
	pthread_t th;
} emitter;

static uint8_t *
pack_batch(int emitter_id, uint64_t first, int n, size_t *len)
{
	Smartmed__Common__V1__AuditBatch b =
		SMARTMED__COMMON__V1__AUDIT_BATCH__INIT;
	Smartmed__Common__V1__AuditEvent *ev = calloc((size_t)n, sizeof(*ev));
	Smartmed__Common__V1__AuditEvent **pev =
		calloc((size_t)n, sizeof(*pev));
	char(*ids)[MED_UUID_LEN + 1] = calloc((size_t)n, sizeof(*ids));
	uint8_t *buf = NULL;

	if (ev == NULL || pev == NULL || ids == NULL)
		goto out;
	for (int i = 0; i < n; i++) {
		smartmed__common__v1__audit_event__init(&ev[i]);
		if (O.ids_v4)
			med_uuid_v4(ids[i]);
		else
			med_uuid_v7(ids[i]);
		bench_fill_event(&ev[i], ids[i], emitter_id,
				 first + (uint64_t)i);
		pev[i] = &ev[i];
	}
	b.events = pev;
	b.n_events = (size_t)n;
	*len = smartmed__common__v1__audit_batch__get_packed_size(&b);
	if ((buf = malloc(*len)) != NULL)
		smartmed__common__v1__audit_batch__pack(&b, buf);
out:
	free(ev);
	free(pev);
	free(ids);
	return buf;
}

/* send_batch sends one batch and waits for its acknowledgement. */
static int
send_batch(nng_socket s, const uint8_t *buf, size_t len, uint32_t *stored)
{
	void *reply = NULL;
	size_t rlen = 0;
	Smartmed__Common__V1__AuditAck *ack;
	int rc = nng_send(s, (void *)buf, len, 0);

	if (rc == 0)
		rc = nng_recv(s, &reply, &rlen, NNG_FLAG_ALLOC);
	if (rc != 0)
		return rc;
	ack = smartmed__common__v1__audit_ack__unpack(NULL, rlen, reply);
	nng_free(reply, rlen);
	if (ack == NULL)
		return NNG_EPROTO;
	*stored = ack->stored;
	smartmed__common__v1__audit_ack__free_unpacked(ack, NULL);
	return 0;
}

static void *
emitter_main(void *arg)
{
	emitter *e = arg;
	uint64_t total = O.events / (uint64_t)O.emitters;
	nng_socket s;

	if (dial_ingest(O.url, &s) != 0) {
		e->failed = 1;
		return NULL;
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 60000);
	while (e->sent < total && !e->failed) {
		int n = (int)(total - e->sent < (uint64_t)O.batch
				      ? total - e->sent
				      : (uint64_t)O.batch);
		size_t len = 0;
		uint32_t stored = 0;
		uint8_t *buf = pack_batch(e->id, e->sent, n, &len);
		if (buf == NULL || send_batch(s, buf, len, &stored) != 0 ||
		    stored != (uint32_t)n)
			e->failed = 1;
		free(buf);
		e->sent += (uint64_t)n;
	}
	nng_close(s);
	return NULL;
}

static double
run_appends(void)
{
	emitter *em = calloc((size_t)O.emitters, sizeof(*em));
	int64_t t0 = med_mono_ns();
	uint64_t sent = 0;
	int failed = 0;

	for (int i = 0; i < O.emitters; i++) {
		em[i].id = i;
		pthread_create(&em[i].th, NULL, emitter_main, &em[i]);
	}
	for (int i = 0; i < O.emitters; i++) {
		pthread_join(em[i].th, NULL);
		sent += em[i].sent;
		failed |= em[i].failed;
	}
	free(em);
	if (failed) {
		fprintf(stderr, "bench: an emitter failed\n");
		return -1;
	}
	return (double)sent / ((double)(med_mono_ns() - t0) / 1e9);
}

int
main(int argc, char **argv)
{
	double appends, ref;

	if (bench_parse(&O, argc, argv) != 0)
		return 2;
	if (O.url != NULL && strncmp(O.url, "tls+", 4) == 0 &&
	    load_ingest_tls() != 0)
		return 2;
	printf("audit bench: %llu events, %d emitters, batches of %d\n",
	       (unsigned long long)O.events, O.emitters, O.batch);
	if (O.events > 0) {
		if ((appends = run_appends()) < 0)
			return 1;
		printf("appends (Merkle log, durable):   %10.0f events/s\n",
		       appends);
		if (O.no_reference)
			goto after_appends;
		if ((ref = bench_reference(&O)) < 0)
			return 1;
		printf("reference (plain multi-row):     %10.0f rows/s\n", ref);
		printf("ratio log/reference:             %10.2f\n",
		       appends / ref);
		printf("target:                          %10d events/s (%s)\n",
		       20000, appends >= 20000 ? "met" : "NOT met");
	}
after_appends:
	if (O.grpc != NULL && bench_time_to_proof(&O) != 0)
		return 1;
	if (O.proof_leaves > 0 && bench_big_tree(&O) != 0)
		return 1;
	return 0;
}

/* --- the reference: plain inserts of the same rows ---------------------- */

#define REF_TABLE_SQL                                                          \
	"CREATE TABLE IF NOT EXISTS bench_ref ("                               \
	" seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"            \
	" event_id VARCHAR(64) NOT NULL, stored_ms BIGINT NOT NULL,"           \
	" time_ms BIGINT NOT NULL, service VARCHAR(64) NOT NULL,"              \
	" action VARCHAR(255) NOT NULL, actor VARCHAR(128) NOT NULL,"          \
	" actor_roles VARCHAR(128) NOT NULL, patient_id VARCHAR(64) NOT NULL," \
	" resource VARCHAR(255) NOT NULL, outcome INT NOT NULL,"               \
	" request_id VARCHAR(80) NOT NULL, action_code VARCHAR(8) NOT NULL,"   \
	" purpose_of_use VARCHAR(32) NOT NULL,"                                \
	" UNIQUE KEY (event_id), KEY (patient_id, seq), KEY (actor, seq),"     \
	" KEY (time_ms, seq), KEY (action_code, seq)"                          \
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

#define REF_INSERT_SQL                                                         \
	"INSERT INTO bench_ref (event_id, stored_ms, time_ms, service, "       \
	"action,"                                                              \
	" actor, actor_roles, patient_id, resource, outcome, request_id,"      \
	" action_code, purpose_of_use) SELECT j.i, j.s, j.t, 'identity',"      \
	" '/smartmed.identity.v1.Identity/GetPatient', 'nurse.bench', "        \
	"'nurse',"                                                             \
	" j.p, 'patient', 0, j.i, 'R', 'TREAT' FROM JSON_TABLE(?, '$[*]'"      \
	" COLUMNS (i VARCHAR(64) PATH '$[0]', s BIGINT PATH '$[1]',"           \
	" t BIGINT PATH '$[1]', p VARCHAR(64) PATH '$[2]')) j"

static med_db *
open_db(const bench_opts *o, const char *name)
{
	/* The login comes from the environment (tools/bench/audit.py passes
	 * the audit service's own user over TLS): root answers only on the
	 * development MariaDB's socket. */
	const char *user = getenv("MED_DB_USER");
	med_db_opts d = {.host = o->db_host ? o->db_host : "127.0.0.1",
			 .port = o->db_port,
			 .user = user ? user : "root",
			 .password = getenv("MED_DB_PASSWORD"),
			 .tls_ca = getenv("MED_DB_TLS_CA"),
			 .database = name,
			 .pool_size = o->emitters + 1};
	med_db *db = NULL;

	return med_db_open(&d, &db) == MED_OK ? db : NULL;
}

typedef struct ref_worker {
	med_db *db;
	uint64_t n;
	int failed;
	pthread_t th;
} ref_worker;

static med_err
ref_tx(med_db_conn *c, void *arg)
{
	const char *json = arg;

	return med_db_exec(c, REF_INSERT_SQL,
			   (med_db_value[]){MED_DB_STR(json)}, 1, NULL, NULL);
}

static void *
ref_main(void *arg)
{
	ref_worker *w = arg;
	size_t cap = (size_t)O.batch * 160 + 16;
	char *json = malloc(cap);

	for (uint64_t done = 0; json != NULL && done < w->n && !w->failed;) {
		size_t len = 1;
		uint64_t k = w->n - done < (uint64_t)O.batch
				     ? w->n - done
				     : (uint64_t)O.batch;
		json[0] = '[';
		for (uint64_t i = 0; i < k; i++) {
			char id[MED_UUID_LEN + 1];
			med_uuid_v4(id);
			len += (size_t)snprintf(
				json + len, cap - len, "%s[\"%s\",%lld,\"%s\"]",
				i ? "," : "", id, (long long)med_now_ms(),
				patient_of(done + i));
		}
		snprintf(json + len, cap - len, "]");
		if (med_db_tx(w->db, ref_tx, json) != MED_OK)
			w->failed = 1;
		done += k;
	}
	free(json);
	return NULL;
}

static double
bench_reference(const bench_opts *o)
{
	med_db *db = open_db(o, o->db_name);
	ref_worker *w = calloc((size_t)o->emitters, sizeof(*w));
	int64_t t0;
	int failed = 0;

	if (db == NULL || w == NULL ||
	    med_db_exec_once(db, REF_TABLE_SQL, NULL, 0, NULL, NULL) != MED_OK)
		return -1;
	t0 = med_mono_ns();
	for (int i = 0; i < o->emitters; i++) {
		w[i].db = db;
		w[i].n = o->events / (uint64_t)o->emitters;
		pthread_create(&w[i].th, NULL, ref_main, &w[i]);
	}
	for (int i = 0; i < o->emitters; i++) {
		pthread_join(w[i].th, NULL);
		failed |= w[i].failed;
	}
	t0 = med_mono_ns() - t0;
	if (med_db_exec_once(db, "DROP TABLE bench_ref", NULL, 0, NULL, NULL) !=
	    MED_OK)
		failed = 1;
	med_db_close(db);
	free(w);
	if (failed)
		return -1;
	return (double)(o->events / (uint64_t)o->emitters *
			(uint64_t)o->emitters) /
	       ((double)t0 / 1e9);
}

/* --- time to proof ------------------------------------------------------ */

static med_err
head_size(med_channel *ch, const bench_opts *o, uint64_t *size)
{
	Smartmed__Audit__V1__GetTreeHeadRequest req =
		SMARTMED__AUDIT__V1__GET_TREE_HEAD_REQUEST__INIT;
	Smartmed__Audit__V1__GetTreeHeadResponse *resp = NULL;
	med_arena *a = med_arena_new(1 << 20);
	med_call_opts co = {.token = o->token, .idempotent = true};
	med_rpc_status st;
	med_err err = med_channel_unary(
		ch, "/smartmed.audit.v1.Audit/GetTreeHead", &req.base,
		&smartmed__audit__v1__get_tree_head_response__descriptor, a,
		&co, (ProtobufCMessage **)&resp, &st);

	if (err == MED_OK)
		*size = resp->head ? resp->head->tree_size : 0;
	else
		fprintf(stderr, "bench: GetTreeHead: %d %s\n", st.code,
			st.message);
	med_arena_free(a);
	return err;
}

static med_err
one_proof(med_channel *ch, const bench_opts *o, const char *event_id)
{
	Smartmed__Audit__V1__InclusionProofRequest req =
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	med_arena *a = med_arena_new(1 << 20);
	med_call_opts co = {.token = o->token, .idempotent = true};
	med_rpc_status st;
	med_err err;

	req.leaf_case =
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF_EVENT_ID;
	req.event_id = (char *)event_id;
	err = med_channel_unary(
		ch, "/smartmed.audit.v1.Audit/InclusionProof", &req.base,
		&smartmed__audit__v1__inclusion_proof_response__descriptor, a,
		&co, &resp, &st);
	med_arena_free(a);
	return err;
}

/*
 * open_channel opens a channel to the audit service's mutual-TLS port with
 * the client identity in MED_TLS_CERT, MED_TLS_KEY and MED_TLS_CA.
 */
static int
open_channel(const char *target, med_tls *tls, med_channel **ch)
{
	med_channel_opts co = {.tls = tls};
	char err[512];

	if (med_tls_load(tls, getenv("MED_TLS_CERT"), getenv("MED_TLS_KEY"),
			 getenv("MED_TLS_CA"), err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "bench: MED_TLS_*: %s\n", err);
		return 1;
	}
	if (med_channel_open_opts(target, &co, ch) != MED_OK) {
		fprintf(stderr, "bench: cannot open a channel to %s\n", target);
		return 1;
	}
	return 0;
}

static int
bench_time_to_proof(const bench_opts *o)
{
	med_tls tls = {0};
	med_channel *ch = NULL;
	nng_socket s;
	Smartmed__Common__V1__AuditEvent ev =
		SMARTMED__COMMON__V1__AUDIT_EVENT__INIT;
	Smartmed__Common__V1__AuditEvent *pev = &ev;
	Smartmed__Common__V1__AuditBatch b =
		SMARTMED__COMMON__V1__AUDIT_BATCH__INIT;
	char id[MED_UUID_LEN + 1];
	uint8_t buf[4096];
	uint32_t stored = 0;
	uint64_t before = 0, size = 0;
	int64_t t0, t_ack, t_head, t_p;
	bool grpc_ok;

	if (open_channel(o->grpc, &tls, &ch) != 0)
		return 1;
	if (dial_ingest(o->url, &s) != 0)
		return 1;
	med_uuid_v4(id);
	bench_fill_event(&ev, id, 0, 0);
	b.events = &pev;
	b.n_events = 1;
	/* The head before the event; without it only the ack is timed. */
	grpc_ok = head_size(ch, o, &before) == MED_OK;
	t0 = med_mono_ns();
	if (send_batch(s, buf, smartmed__common__v1__audit_batch__pack(&b, buf),
		       &stored) != 0)
		return 1;
	t_ack = med_mono_ns();
	printf("time to acknowledgement (durable, proof available): %8.2f ms\n",
	       (double)(t_ack - t0) / 1e6);
	while (grpc_ok && size <= before) {
		grpc_ok = head_size(ch, o, &size) == MED_OK;
		if (grpc_ok && size <= before)
			usleep(1000);
	}
	t_head = med_mono_ns();
	if (grpc_ok && one_proof(ch, o, id) == MED_OK) {
		t_p = med_mono_ns();
		printf("time to a signed tree head covering it:          %8.2f "
		       "ms\n",
		       (double)(t_head - t0) / 1e6);
		printf("InclusionProof RPC (log of %llu entries):      %8.2f "
		       "ms\n",
		       (unsigned long long)size, (double)(t_p - t_head) / 1e6);
	} else {
		printf("time to a signed tree head: not measured (the gRPC "
		       "client could not call the service)\n");
	}
	nng_close(s);
	med_channel_close(ch);
	med_tls_fini(&tls);
	return 0;
}

/* --- a synthetic big tree ----------------------------------------------- */

typedef struct tree_files {
	FILE *leaves, *nodes;
} tree_files;

static med_err
write_node(void *ctx, unsigned level, uint64_t index,
	   const uint8_t h[MED_MERKLE_HASH_LEN])
{
	tree_files *t = ctx;
	char hex[2 * MED_MERKLE_HASH_LEN + 1];

	med_merkle_hex(h, hex);
	if (level == 0)
		fprintf(t->leaves, "%llu\t%s\n", (unsigned long long)index + 1,
			hex);
	else
		fprintf(t->nodes, "%u\t%llu\t%s\n", level,
			(unsigned long long)index, hex);
	return MED_OK;
}

/* gen_tree writes DIR/leaves.tsv and DIR/nodes.tsv for LOAD DATA. */
static int
gen_tree(const bench_opts *o)
{
	char lp[4096], np[4096];
	tree_files t;
	med_merkle_frontier *f = calloc(1, sizeof(*f));
	uint8_t leaf[MED_MERKLE_HASH_LEN];
	int64_t t0 = med_mono_ns();

	snprintf(lp, sizeof(lp), "%s/leaves.tsv", o->scratch_dir);
	snprintf(np, sizeof(np), "%s/nodes.tsv", o->scratch_dir);
	t.leaves = fopen(lp, "w");
	t.nodes = fopen(np, "w");
	if (f == NULL || t.leaves == NULL || t.nodes == NULL) {
		if (t.leaves != NULL)
			fclose(t.leaves);
		if (t.nodes != NULL)
			fclose(t.nodes);
		free(f);
		return 1;
	}
	for (uint64_t i = 0; i < o->proof_leaves; i++) {
		uint8_t e[8];
		for (int k = 0; k < 8; k++)
			e[k] = (uint8_t)(i >> (8 * k));
		med_merkle_leaf_hash(e, sizeof(e), leaf);
		if (med_merkle_frontier_append(f, leaf, write_node, &t) !=
		    MED_OK)
			return 1;
	}
	fclose(t.leaves);
	fclose(t.nodes);
	free(f);
	printf("synthetic tree: %llu leaves hashed and written in %.1f s\n",
	       (unsigned long long)o->proof_leaves,
	       (double)(med_mono_ns() - t0) / 1e9);
	return 0;
}

static med_err
on_hash(void *ctx, const med_db_row *row)
{
	size_t len = 0;
	const char *h = med_db_row_text(row, 0, &len);

	if (h == NULL || len != MED_MERKLE_HASH_LEN)
		return MED_ERR_DATA_LOSS;
	memcpy(ctx, h, len);
	return MED_OK;
}

/* node_get is the audit service's node read (services/audit/tree.c). */
static med_err
node_get(void *ctx, unsigned level, uint64_t index,
	 uint8_t out[MED_MERKLE_HASH_LEN])
{
	if (level == 0)
		return med_db_query(
			ctx,
			"SELECT leaf_hash FROM events WHERE seq = ?"
			" AND leaf_hash IS NOT NULL",
			(med_db_value[]){MED_DB_I64((int64_t)index + 1)}, 1,
			on_hash, out);
	return med_db_query(
		ctx,
		"SELECT hash FROM tree_nodes"
		" WHERE level = ? AND idx = ?",
		(med_db_value[]){MED_DB_I64(level), MED_DB_I64((int64_t)index)},
		2, on_hash, out);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof(*ns), cmp_i64);
	printf("%-34s median %6.3f ms  p99 %6.3f ms  (%d samples)\n", what,
	       (double)ns[n / 2] / 1e6, (double)ns[n * 99 / 100] / 1e6, n);
}

/* time_proofs times proofs on the loaded tree, as the service makes them. */
static int
time_proofs(const bench_opts *o)
{
	med_db *db = open_db(o, "smartmed_auditbench");
	med_db_conn *c = NULL;
	uint8_t path[MED_MERKLE_MAX_PROOF][MED_MERKLE_HASH_LEN];
	uint8_t root[MED_MERKLE_HASH_LEN], leaf[MED_MERKLE_HASH_LEN];
	int64_t inc[1000] = {0}, con[1000] = {0};
	uint64_t n = o->proof_leaves, x = 88172645463325252ull;
	int k = o->proof_samples > 1000 ? 1000 : o->proof_samples;
	size_t len = 0;

	if (db == NULL || med_db_acquire(db, &c) != MED_OK ||
	    med_merkle_root(n, node_get, c, root) != MED_OK)
		return 1;
	for (int i = 0; i < k; i++) {
		uint64_t m;
		int64_t t0;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m = x % n;
		t0 = med_mono_ns();
		if (med_merkle_inclusion_proof(m, n, node_get, c, path, &len) !=
			    MED_OK ||
		    node_get(c, 0, m, leaf) != MED_OK)
			return 1;
		inc[i] = med_mono_ns() - t0;
		if (!med_merkle_verify_inclusion(
			    m, n, leaf, (const uint8_t(*)[32])path, len, root))
			return 1;
		t0 = med_mono_ns();
		if (med_merkle_consistency_proof(m + 1, n, node_get, c, path,
						 &len) != MED_OK)
			return 1;
		con[i] = med_mono_ns() - t0;
	}
	printf("proofs over %llu entries (%zu-hash consistency paths):\n",
	       (unsigned long long)n, len);
	report("  inclusion proof (+ leaf read)", inc, k);
	report("  consistency proof", con, k);
	med_db_release(c);
	med_db_close(db);
	return 0;
}

static int
bench_big_tree(const bench_opts *o)
{
	if (o->scratch_dir != NULL)
		return gen_tree(o);
	return time_proofs(o);
}

/* bench_opt takes option c (its short code in bench_parse) into o. */
static int
bench_opt(bench_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'u':
		o->url = arg;
		break;
	case 'g':
		o->grpc = arg;
		break;
	case 't':
		o->token = arg;
		break;
	case 'P':
		o->db_port = (int)strtol(arg, NULL, 10);
		break;
	case 'd':
		o->db_name = arg;
		break;
	case 'e':
		o->emitters = (int)strtol(arg, NULL, 10);
		break;
	case 'n':
		o->events = strtoull(arg, NULL, 10);
		break;
	case 'b':
		o->batch = (int)strtol(arg, NULL, 10);
		break;
	case 'L':
		o->proof_leaves = strtoull(arg, NULL, 10);
		break;
	case 'G':
		o->scratch_dir = arg;
		break;
	case 'S':
		o->server_name = arg;
		break;
	case 'R':
		o->no_reference = true;
		break;
	case 'I':
		if (strcmp(arg, "v4") != 0 && strcmp(arg, "v7") != 0) {
			fprintf(stderr, "bench: --ids: v4 or v7\n");
			return 1;
		}
		o->ids_v4 = strcmp(arg, "v4") == 0;
		break;
	case 'F':
		o->patients_file = arg;
		break;
	default:
		return 1;
	}
	return 0;
}

static int
bench_parse(bench_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"url", required_argument, NULL, 'u'},
		{"grpc", required_argument, NULL, 'g'},
		{"token", required_argument, NULL, 't'},
		{"db-port", required_argument, NULL, 'P'},
		{"db-name", required_argument, NULL, 'd'},
		{"emitters", required_argument, NULL, 'e'},
		{"events", required_argument, NULL, 'n'},
		{"batch", required_argument, NULL, 'b'},
		{"proof-leaves", required_argument, NULL, 'L'},
		{"gen-tree", required_argument, NULL, 'G'},
		{"server-name", required_argument, NULL, 'S'},
		{"no-reference", no_argument, NULL, 'R'},
		{"ids", required_argument, NULL, 'I'},
		{"patients-file", required_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (bench_opt(o, c, optarg) != 0)
			return 1;
	if (o->emitters < 1 || o->batch < 1 || o->batch > 1024 ||
	    (o->events > 0 && (o->url == NULL || o->db_name == NULL))) {
		fprintf(stderr,
			"usage: bench-audit_ingest --url URL --db-port P"
			" --db-name D [--grpc ADDR --token T]"
			" [--server-name NAME] [--emitters N] [--events N]"
			" [--batch N] [--no-reference] [--ids v4|v7]"
			" [--patients-file F]"
			" [--proof-leaves N [--gen-tree DIR]]\n");
		return 1;
	}
	return 0;
}
