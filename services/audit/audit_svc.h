/*
 * audit_svc.h - the audit service's internal interfaces.
 *
 * Events arrive over NNG from every service's emitter (ingest.c) and are
 * appended to the Merkle log (append.c: events rows, leaf and subtree
 * hashes, tree size, all in one transaction).  sth.c signs tree heads on a
 * timer; tree.c reads nodes, heads and proofs; report.c the patient access
 * report; store.c the schema and Query; readcheck.c the check of every row
 * a read serves; handlers.c the RPCs.
 */
#ifndef AUDIT_SVC_H
#define AUDIT_SVC_H

#include <med/audit.h>
#include <med/audit_log.h>
#include <med/db.h>
#include <med/merkle.h>
#include <med/rpc.h>
#include <med/service.h>

#include <pthread.h>
#include <sodium.h>

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/common/v1/audit_event.pb-c.h"

extern const med_method audit_methods[];
extern const size_t audit_n_methods;
extern const med_db_migration audit_migrations[];
extern const size_t audit_n_migrations;
/* audit_config is the service's own settings (settings.c). */
extern const med_config_spec audit_config[];
extern const size_t audit_n_config;

#define AUDIT_KEY_ID_LEN 16

#define AUDIT_PROBLEM_LEN 320

/* audit_gap_chunk - one whole chunk of the log as the gap sweep last
 * found it: whole, by a count that began at counted_ms (monotonic; 0:
 * never counted, or holes found by the count that began at holes_ms). */
typedef struct audit_gap_chunk {
	int64_t counted_ms;
	int64_t holes_ms;
} audit_gap_chunk;

/*
 * audit_gap_sweep - when each whole chunk of the log was last found
 * without holes (gapsweep.c), so that reads need not count it again.
 */
typedef struct audit_gap_sweep {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop;
	uint64_t chunk_rows;	 /* MED_AUDIT_GAP_CHUNK_ROWS */
	int64_t recount_ms;	 /* MED_AUDIT_GAP_RECOUNT_S; 0: no sweep */
	audit_gap_chunk *chunks; /* one per whole chunk (under mu) */
	size_t n_chunks, cap;
	med_counter *read_rows, *sweep_rows;
	med_gauge *stale_chunks;
} audit_gap_sweep;

/* The most previous signing keys MED_AUDIT_PREVIOUS_PUBKEYS may list. */
#define AUDIT_PREVIOUS_KEYS_MAX 8

/* audit_pubkey - a head-signing public key and its key id. */
typedef struct audit_pubkey {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	char key_id[AUDIT_KEY_ID_LEN + 1];
} audit_pubkey;

/* audit_sth - a signed tree head as stored. */
typedef struct audit_sth {
	uint64_t tree_size;
	int64_t timestamp_ms;
	uint8_t root[MED_MERKLE_HASH_LEN];
	uint8_t sig[crypto_sign_BYTES];
	char key_id[AUDIT_KEY_ID_LEN + 1];
} audit_sth;

/* audit_published - the newest head the service published, as its head
 * file keeps it: the epoch (1 for the first log, one more per StartEpoch)
 * and, once one was signed in it, the head. */
typedef struct audit_published {
	uint32_t epoch;
	bool has_head;
	audit_sth head;
} audit_published;

/* Whether the log extends the published head, as last checked. */
typedef enum audit_head_state {
	AUDIT_HEAD_UNCHECKED = 0, /* not yet since the start */
	AUDIT_HEAD_EXTENDS,	  /* it does: heads are signed, events stored */
	AUDIT_HEAD_ROLLBACK,	  /* it does not: neither, until StartEpoch */
} audit_head_state;

/*
 * audit_head_keeper - the head file (MED_AUDIT_HEAD_FILE) and what the
 * service knows of it (under mu; the file is written under mu too).
 */
typedef struct audit_head_keeper {
	pthread_mutex_t mu;
	char path[4096];
	audit_published pub;
	audit_head_state state;
	/* The log's size when the rollback was found, and why. */
	uint64_t restored_size;
	char why[AUDIT_PROBLEM_LEN];
	/* StartEpoch appended its statement: the next head signed begins
	 * epoch pub.epoch + 1 whatever the published head was. */
	bool epoch_pending;
	med_gauge *rollback, *published_size, *restored_gauge, *epoch;
} audit_head_keeper;

/* audit_state - the service's own state (med_service_data). */
typedef struct audit_state {
	med_service *svc;
	med_audit_ingest *ingest;
	/* The verified tree (trust.c): the frontier of the leaves this
	 * process appended itself or checked (leaf hash, MAC, stored nodes).
	 * Heads are signed from it, never from nodes read back unchecked. */
	pthread_mutex_t trust_mu;
	med_merkle_frontier trusted;
	bool trusted_ready;
	/* The last integrity failure; while set, no head is signed. */
	char problem[AUDIT_PROBLEM_LEN];
	med_counter *integrity_failures;
	med_gauge *integrity_ok;
	med_counter *refused_time;
	med_counter *refused_service;
	/* Records served flagged (readcheck.c), by integrity. */
	med_counter *flagged_altered, *flagged_unverified, *flagged_missing;
	/* The seq of the first row with a leaf MAC, once a read looked it up
	 * (0: not yet; under trust_mu). */
	uint64_t first_mac_seq;
	/* The keys of MED_AUDIT_LEAF_KEY_FILE (key[0] MACs new leaves). */
	med_audit_leaf_keys leaf_keys;
	/* Tree-head signing. */
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	char key_id[AUDIT_KEY_ID_LEN + 1];
	/* MED_AUDIT_PREVIOUS_PUBKEYS: keys this service signed with before a
	 * rotation; the newest head of one may start the verified tree. */
	audit_pubkey previous[AUDIT_PREVIOUS_KEYS_MAX];
	size_t n_previous;
	int64_t sth_interval_ms;
	pthread_t sth_thread;
	bool sth_started, sth_stop;
	pthread_mutex_t sth_mu;
	pthread_cond_t sth_cv;
	/* Group commit (append.c): batches waiting for the appender, and
	 * whether one thread is appending a group now. */
	pthread_mutex_t group_mu;
	pthread_cond_t group_cv;
	struct append_req *group_waiting;
	bool group_busy;
	bool group_gathering;	   /* a leader waits for more (group_gather) */
	size_t group_last_batches; /* batches the last group carried */
	med_counter *append_groups, *append_batches;
	audit_gap_sweep sweep;
	/* The published head kept outside the database (headfile.c). */
	audit_head_keeper head;
} audit_state;

/* Event times the ingest accepts: from 2000-01-01T00:00:00Z to this far
 * ahead of the service's clock (emitters' clocks drift a little). */
#define AUDIT_TIME_MIN_MS	INT64_C(946684800000)
#define AUDIT_TIME_MAX_AHEAD_MS (5 * 60 * 1000)

/* audit_state_of returns the state of the service running call. */
audit_state *audit_state_of(med_call *call);

/* audit_ingest_begin / audit_ingest_end run the service (service hooks). */
med_err audit_ingest_begin(med_service *svc) MED_MUST_CHECK;
void audit_ingest_end(med_service *svc);

/*
 * audit_append_batch appends the events not stored yet (by event id, also
 * within the batch) to the log in one transaction: rows with dense seq,
 * leaf hashes, completed subtree hashes, tree size.  Counts both kinds.
 * Thread-safe: batches given at once from several threads are appended
 * together, as one group in one transaction; each gets its own counts.
 */
med_err audit_append_batch(audit_state *st,
			   Smartmed__Common__V1__AuditEvent *const *events,
			   size_t n, uint32_t *stored,
			   uint32_t *duplicates) MED_MUST_CHECK;

/* --- trust.c: what the service has verified ------------------------------ */

/*
 * audit_trust_begin copies the verified frontier to f; when this process
 * has none yet it first establishes one: the newest head signed with its
 * key (signature checked) whose root the stored right-edge nodes must give,
 * or the empty tree when there is none.  Call it before the transaction's
 * first plain read, so that the transaction's snapshot holds every row f
 * covers.  Errors: MED_ERR_DATA_LOSS (reported), database errors.
 */
med_err audit_trust_begin(audit_state *st, med_db_conn *c,
			  med_merkle_frontier *f) MED_MUST_CHECK;

/*
 * audit_trust_extend checks rows f->size + 1 .. size as read through c
 * (each row's leaf hash recomputed from its fields, its MAC under the leaf
 * key, the subtree hashes stored for them), appends them to f and makes f
 * the verified frontier.  A size below f->size means rows were removed.
 * Errors: MED_ERR_DATA_LOSS (reported, naming the row or node), database
 * errors.
 */
med_err audit_trust_extend(audit_state *st, med_db_conn *c,
			   med_merkle_frontier *f,
			   uint64_t size) MED_MUST_CHECK;

/*
 * audit_trust_now gives the verified tree of the log as this transaction
 * sees it (audit_trust_begin, the stored size, audit_trust_extend): the
 * first thing a transaction that serves or signs the tree does.
 */
med_err audit_trust_now(audit_state *st, med_db_conn *c,
			med_merkle_frontier *f) MED_MUST_CHECK;

/* audit_trust_publish makes f the verified frontier when it is ahead. */
void audit_trust_publish(audit_state *st, const med_merkle_frontier *f);

/*
 * audit_integrity_fail reports that the store does not hold what the
 * service wrote or verified: an error log line (once per distinct
 * problem), smartmed_audit_integrity_failures_total, the
 * smartmed_audit_integrity_ok gauge at 0, and no more signed heads until a
 * restart re-verifies.  Returns MED_ERR_DATA_LOSS.
 */
med_err audit_integrity_fail(audit_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* audit_integrity_problem copies the problem that stopped signing into
 * buf; false when there is none. */
bool audit_integrity_problem(audit_state *st, char *buf, size_t len);

/* --- headfile.c: the published head, where a restore does not reach ---- */

/*
 * audit_head_load reads the head file (MED_AUDIT_HEAD_FILE, default
 * MED_AUDIT_SPOOL_DIR/audit-head) at start and creates the head metrics.
 * A missing file is a first start (logged: a restore before it cannot be
 * detected); a file that does not parse, or whose head does not carry the
 * signature of a key the service knows, stops the start, naming the file.
 * Errors: MED_ERR_INVALID, MED_ERR_IO.
 */
med_err audit_head_load(audit_state *st) MED_MUST_CHECK;

/*
 * audit_head_check: the verified tree f (through c) extends the published
 * head: at least its size, and the first tree-size leaves of the log give
 * its root (from the stored nodes, proven consistent with f).  Without a
 * published head the newest head of this key in the database is adopted
 * and kept.  When the log does not extend it, the rollback is reported
 * (an error line once, smartmed_audit_rollback_detected 1) and the
 * result is MED_ERR_PRECONDITION: no head is signed, no event stored.
 * While StartEpoch's statement waits for its head, every tree passes.
 */
med_err audit_head_check(audit_state *st, med_db_conn *c,
			 const med_merkle_frontier *f) MED_MUST_CHECK;

/*
 * audit_head_publish keeps h, about to be stored, as the published head
 * (the file rewritten: temporary file, fsync, rename, fsync of the
 * directory), in a new epoch when StartEpoch asked for one.  The head must
 * not be stored when this fails.  Errors: MED_ERR_IO.
 */
med_err audit_head_publish(audit_state *st, const audit_sth *h) MED_MUST_CHECK;

/*
 * audit_head_ready: events may be stored (the log extends the published
 * head).  The first call after a start checks it in a transaction of its
 * own.  MED_ERR_UNAVAILABLE while a rollback waits for StartEpoch (the
 * emitters keep the events in their spools), or the check's error.
 */
med_err audit_head_ready(audit_state *st) MED_MUST_CHECK;

/* audit_head_format writes p as the head file's text (headfile.c's
 * format) into buf of cap bytes; returns its length. */
int audit_head_format(const audit_published *p, char *buf, size_t cap);

/* audit_head_parse reads a head file's text into p; false when it is not
 * one (every line, in order: a hash of 64 and a signature of 128 hex
 * digits, an epoch from 1). */
bool audit_head_parse(const char *text, audit_published *p);

/* audit_head_snapshot copies the keeper's state (under its lock). */
void audit_head_snapshot(audit_state *st, audit_published *pub,
			 audit_head_state *state, uint64_t *restored_size);

/* audit_head_begin_epoch makes the next head signed start a new epoch
 * (StartEpoch, once its statement is stored). */
void audit_head_begin_epoch(audit_state *st);

/* --- proofcheck.c: proof replies checked before they leave ------------- */

/*
 * audit_root_check: root, the root of the tree of the first size leaves
 * built from stored nodes, agrees with the verified tree f (equal at f's
 * size, else proven consistent with it from stored nodes).  Otherwise the
 * stored node to blame is found and reported: MED_ERR_DATA_LOSS.
 */
med_err
audit_root_check(audit_state *st, med_db_conn *c, const med_merkle_frontier *f,
		 uint64_t size,
		 const uint8_t root[MED_MERKLE_HASH_LEN]) MED_MUST_CHECK;

/*
 * audit_proof_blame is called when a proof built from stored nodes (an
 * inclusion proof of leaf a, or a consistency proof from size a, in the
 * tree of size leaves) does not verify or cannot be built: it reads the
 * same nodes again, each checked against its two children, and reports
 * the first that disagrees (or, failing that, the proof).  Returns
 * MED_ERR_DATA_LOSS, or a database error.
 */
med_err audit_proof_blame(audit_state *st, med_db_conn *c,
			  const med_merkle_frontier *f, bool inclusion,
			  uint64_t a, uint64_t size) MED_MUST_CHECK;

/*
 * audit_row_check: the row at seq gives its stored leaf hash (the one a
 * proof authenticates); otherwise reported, MED_ERR_DATA_LOSS.
 */
med_err audit_row_check(audit_state *st, med_db_conn *c,
			uint64_t seq) MED_MUST_CHECK;

/* --- readcheck.c: rows checked as they are served ------------------------ */

/* The most holes one read names (more are named by the next page). */
#define AUDIT_GAPS_MAX 100

/* audit_gap - positions first..last absent from the log. */
typedef struct audit_gap {
	uint64_t first, last;
} audit_gap;

/* audit_check - the checking of one read's rows. */
typedef struct audit_check {
	audit_state *st;
	uint8_t *entry; /* MED_AUDIT_ENTRY_MAX bytes of scratch */
	/* The first row with a MAC: rows without one before it were
	 * stored before leaf MACs (UINT64_MAX: no row has one yet). */
	uint64_t first_mac_seq;
} audit_check;

/* audit_check_init prepares k for a read through c (its scratch from
 * arena); call it inside the read's transaction. */
med_err audit_check_init(audit_check *k, audit_state *st, med_db_conn *c,
			 med_arena *arena) MED_MUST_CHECK;

/*
 * audit_check_row checks a row as read: VERIFIED (leaf hash and MAC),
 * UNVERIFIED (no MAC, stored before leaf MACs) or ALTERED (the fields do
 * not give the leaf hash, a MAC the key did not make, or no MAC where the
 * rows before carry one).  *problem says what, a static string.
 */
Smartmed__Audit__V1__RecordIntegrity
audit_check_row(audit_check *k, const med_audit_row *r, const char **problem);

/*
 * audit_check_report counts one record served flagged (seq..last for a
 * MISSING range) and reports the first ALTERED or MISSING of a read as an
 * integrity failure (*failed, false at the read's start, says whether one
 * was reported).  Call it once the read committed.
 */
void audit_check_report(audit_state *st, bool *failed,
			Smartmed__Audit__V1__RecordIntegrity integrity,
			uint64_t seq, uint64_t last, const char *problem);

/* audit_gaps - the holes found so far (gaps: AUDIT_GAPS_MAX entries from
 * arena, allocated at the first hole). */
typedef struct audit_gaps {
	med_arena *arena;
	audit_gap *gaps;
	size_t n;
} audit_gaps;

/*
 * audit_gaps_count counts the positions (lo, hi] and, when rows are absent,
 * adds their holes to g, in order, while g has room.
 */
med_err audit_gaps_count(med_db_conn *c, audit_gaps *g, uint64_t lo,
			 uint64_t hi) MED_MUST_CHECK;

/* --- gapsweep.c: holes found without counting the whole log ------------- */

/*
 * audit_gaps_find names the holes in the positions (lo, hi] (at most
 * AUDIT_GAPS_MAX, in order, in arena; *n = 0 when there are none).
 * Positions the sweep found whole within MED_AUDIT_GAP_RECOUNT_S are not
 * counted again; every other position is.
 */
med_err audit_gaps_find(audit_state *st, med_db_conn *c, med_arena *arena,
			uint64_t lo, uint64_t hi, audit_gap **out,
			size_t *n) MED_MUST_CHECK;

/* audit_gap_sweep_start / _stop run the sweep thread (after the
 * service's metrics exist). */
med_err audit_gap_sweep_start(audit_state *st) MED_MUST_CHECK;
void audit_gap_sweep_stop(audit_state *st);

/*
 * The sweep's whole counts kept across a restart (gapkeep.c):
 * audit_gap_keep stores chunk's count begun at counted_ms (wall clock),
 * with its MAC under the leaf key, when the count found it whole, and
 * drops the stored count when it found holes; audit_gap_load gives the
 * sweep, at a start, the stored counts of its whole chunks still within
 * the recount window whose MAC checks.
 */
void audit_gap_keep(audit_state *st, uint64_t chunk, int64_t counted_ms,
		    bool whole);
med_err audit_gap_load(audit_state *st, uint64_t whole,
		       int64_t mono_now) MED_MUST_CHECK;

/* --- tree.c ------------------------------------------------------------- */

/* audit_tree_size reads the number of leaves in the log. */
med_err audit_tree_size(med_db_conn *c, bool for_update,
			uint64_t *size) MED_MUST_CHECK;

/* audit_sth_cols - a tree_heads row as read, before it is trusted; a
 * pointer is NULL where the column is SQL NULL. */
typedef struct audit_sth_cols {
	int64_t tree_size, timestamp_ms;
	const char *root, *sig, *key_id;
	size_t root_len, sig_len, key_id_len;
} audit_sth_cols;

/*
 * audit_sth_decode fills out from a row: MED_ERR_DATA_LOSS unless the
 * root is a hash, the signature an Ed25519 signature and the key id at
 * most AUDIT_KEY_ID_LEN characters.
 */
med_err audit_sth_decode(const audit_sth_cols *c,
			 audit_sth *out) MED_MUST_CHECK;

/* audit_sth_latest reads the newest head; MED_ERR_NOT_FOUND if none. */
med_err audit_sth_latest(med_db_conn *c, audit_sth *out) MED_MUST_CHECK;

/* audit_sth_latest_of_key reads the newest head stored under key_id;
 * MED_ERR_NOT_FOUND if none. */
med_err audit_sth_latest_of_key(med_db_conn *c, const char *key_id,
				audit_sth *out) MED_MUST_CHECK;

/* audit_sth_verify is true when h's signature verifies with pk. */
bool audit_sth_verify(const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
		      const audit_sth *h);

/* audit_sth_start / audit_sth_stop run the signer thread. */
med_err audit_sth_start(audit_state *st) MED_MUST_CHECK;
void audit_sth_stop(audit_state *st);

/* audit_sth_sign_now signs a head for the current size if it grew. */
med_err audit_sth_sign_now(audit_state *st) MED_MUST_CHECK;

/*
 * audit_sth_sign signs h's size, time and root (med_audit_sth_message, what
 * auditverify checks) with the Ed25519 secret key sk into h->sig.
 */
void audit_sth_sign(const uint8_t sk[crypto_sign_SECRETKEYBYTES], audit_sth *h);

/*
 * audit_key_read reads a key file (64 hex digits, the Ed25519 seed, and
 * an optional newline) into seed.  Errors: MED_ERR_NOT_FOUND (no file),
 * MED_ERR_IO, MED_ERR_INVALID (not 64 hex digits).
 */
med_err audit_key_read(const char *path,
		       uint8_t seed[crypto_sign_SEEDBYTES]) MED_MUST_CHECK;

/*
 * audit_key_create makes 32 new random bytes and writes them to path as
 * one line of 64 hex digits; path must not exist (mode 0600, synced).  what
 * names the key in the log line.  Errors: MED_ERR_IO.
 */
med_err audit_key_create(const char *path, const char *what,
			 uint8_t seed[crypto_sign_SEEDBYTES]) MED_MUST_CHECK;

/* audit_key_id writes the key id of a tree-head public key: the first 16
 * hex digits of its SHA-256. */
void audit_key_id(const uint8_t *pk, size_t pk_len,
		  char out[AUDIT_KEY_ID_LEN + 1]);

/* audit_signer_key is the public key of key_id: this service's own or one
 * of MED_AUDIT_PREVIOUS_PUBKEYS; NULL for any other. */
const uint8_t *audit_signer_key(const audit_state *st, const char *key_id);

/* audit_keys_load loads (or, when allowed, creates) the tree-head signing
 * key and the leaf MAC key. */
med_err audit_keys_load(audit_state *st) MED_MUST_CHECK;

/* --- domain.c: the request rules ------------------------------------------ */

/* The most records one Query may ask for. */
#define AUDIT_QUERY_MAX_LIMIT 10000
/* The most records one PatientAccessReport page may ask for. */
#define AUDIT_REPORT_MAX_LIMIT 1000

/* audit_window_problem: times not negative, until (when set) after since. */
med_err audit_window_problem(int64_t since_ms, int64_t until_ms,
			     med_problem *p) MED_MUST_CHECK;

/*
 * audit_query_problem checks a Query's own rules: limit at most
 * AUDIT_QUERY_MAX_LIMIT, times not negative and until after since, an
 * action code of C, R, U, D or E (or none), before_seq (when set) above
 * after_seq.  Fills p and returns its error.
 */
med_err audit_query_problem(const Smartmed__Audit__V1__QueryRequest *req,
			    med_problem *p) MED_MUST_CHECK;

/* audit_report_problem checks a PatientAccessReport's limit (at most
 * AUDIT_REPORT_MAX_LIMIT) and its window. */
med_err
audit_report_problem(const Smartmed__Audit__V1__PatientAccessReportRequest *req,
		     med_problem *p) MED_MUST_CHECK;

/* audit_inclusion_problem: an InclusionProof names its leaf, by event id
 * or by index. */
med_err
audit_inclusion_problem(const Smartmed__Audit__V1__InclusionProofRequest *req,
			med_problem *p) MED_MUST_CHECK;

/* audit_consistency_problem: a ConsistencyProof's first size is at least
 * 1 (the empty tree is a prefix of every tree: nothing to prove). */
med_err audit_consistency_problem(
	const Smartmed__Audit__V1__ConsistencyProofRequest *req,
	med_problem *p) MED_MUST_CHECK;

/* audit_tree_size_problem: a tree size the caller names (field) is at
 * most the log's size. */
med_err audit_tree_size_problem(const char *field, uint64_t size,
				uint64_t log_size,
				med_problem *p) MED_MUST_CHECK;

/*
 * audit_leaf_problem: a proof's leaf lies in the tree of size leaves.  The
 * reason names the field the caller set: leaf_index, or tree_size when the
 * leaf was named by its event (by_event).
 */
med_err audit_leaf_problem(bool by_event, uint64_t leaf_index, uint64_t size,
			   med_problem *p) MED_MUST_CHECK;

/*
 * audit_event_time_problem: an event's time_ms lies in [AUDIT_TIME_MIN_MS,
 * now_ms + AUDIT_TIME_MAX_AHEAD_MS]; a time outside makes Query's time
 * filters and reports lie.
 */
med_err audit_event_time_problem(int64_t time_ms, int64_t now_ms,
				 med_problem *p) MED_MUST_CHECK;

/* audit_sizes_problem: a consistency proof's first size does not exceed
 * its second. */
med_err audit_sizes_problem(uint64_t first, uint64_t second,
			    med_problem *p) MED_MUST_CHECK;

/* --- store.c: Query ----------------------------------------------------- */

/* audit_query_filter - what a Query asks for, checked by the handler. */
typedef struct audit_query_filter {
	const char *patient_id;
	const char *actor;
	int64_t since_ms, until_ms;
	uint64_t after_seq;
	/* Only seq < before_seq; 0 = no bound. */
	uint64_t before_seq;
	uint32_t limit;
	const char *action_code;
	bool break_glass_only;
	/* Read seq descending: the limit keeps the newest. */
	bool newest_first;
} audit_query_filter;

/* audit_query_result - one read of the log: the records and holes. */
typedef struct audit_query_result {
	/* Matching records in the filter's order (seq ascending, or
	 * descending when newest_first), each with its integrity. */
	Smartmed__Audit__V1__AuditRecord **records;
	size_t n;
	/* The holes in the positions read, in ascending order: from the
	 * lower bound (after_seq, or the oldest record of a full newest-first
	 * read) to the upper one (the newest record of a full oldest-first
	 * read, or before_seq - 1, or the log's size). */
	audit_gap *gaps;
	size_t n_gaps;
	/* Records that are not VERIFIED. */
	size_t n_flagged;
} audit_query_result;

/*
 * audit_store_query reads up to f->limit records between f->after_seq and
 * f->before_seq, from the oldest or the newest end, in one transaction, checks
 * each (readcheck.c) and finds the holes, and reports what it flagged.
 */
med_err audit_store_query(med_db *db, audit_state *st, med_arena *arena,
			  const audit_query_filter *f,
			  audit_query_result *out) MED_MUST_CHECK;

/*
 * audit_store_record reads one record by leaf index or (when event_id is
 * not NULL) by event id.  Errors: MED_ERR_NOT_FOUND.
 */
med_err
audit_store_record(med_db_conn *c, audit_state *st, med_arena *arena,
		   const char *event_id, uint64_t leaf_index,
		   Smartmed__Audit__V1__AuditRecord **out) MED_MUST_CHECK;

/* --- report.c ----------------------------------------------------------- */

/* audit_report_filter - a checked PatientAccessReport request. */
typedef struct audit_report_filter {
	const char *patient_id;
	int64_t since_ms, until_ms;
	uint64_t after_seq;
	uint32_t limit;
} audit_report_filter;

/*
 * audit_report_build fills out (in arena) with one page, each access
 * checked (readcheck.c), the holes in the page's positions and, on the
 * first page, the summary of the accesses that are not ALTERED.
 */
med_err audit_report_build(
	med_db *db, audit_state *st, med_arena *arena,
	const audit_report_filter *f,
	Smartmed__Audit__V1__PatientAccessReportResponse *out) MED_MUST_CHECK;

/* --- research projects: an auditor's approval of a de-identified export -- */

#define AUDIT_RESEARCH_ID_MAX	    64
#define AUDIT_RESEARCH_TITLE_MAX    200
#define AUDIT_RESEARCH_REASON_MAX   200
#define AUDIT_RESEARCH_COHORT_MAX   10000
#define AUDIT_RESEARCH_K_MIN	    2
#define AUDIT_RESEARCH_K_MAX	    1000
#define AUDIT_RESEARCH_K_DEFAULT    5
#define AUDIT_RESEARCH_DAYS_MAX	    365
#define AUDIT_RESEARCH_DAYS_DEFAULT 30
/* The most projects one ListResearchProjects returns, newest first. */
#define AUDIT_RESEARCH_LIST_MAX 1000

/* audit_research_id_is_valid: 1..AUDIT_RESEARCH_ID_MAX of [A-Za-z0-9._-]. */
bool audit_research_id_is_valid(const char *id);

/*
 * audit_research_problem checks a project to approve (research_rules.c):
 * its id, a title without control characters, the researcher a user name
 * (not a service), 1..AUDIT_RESEARCH_COHORT_MAX patients, min_group_size
 * and valid_days 0 or in range.  The reason names the field.
 */
med_err audit_research_problem(const Smartmed__Audit__V1__ResearchProject *rp,
			       med_problem *p) MED_MUST_CHECK;

/* audit_research_cohort_problem: no patient id twice among ids[0..n)
 * (sorted copy in scratch).  Errors: MED_ERR_INVALID, MED_ERR_NOMEM. */
med_err audit_research_cohort_problem(char *const *ids, size_t n,
				      med_arena *scratch,
				      med_problem *p) MED_MUST_CHECK;

/* audit_research_complete fills the defaults and the output-only fields
 * of a checked project: approved by whom and when, the expiry. */
void audit_research_complete(Smartmed__Audit__V1__ResearchProject *rp,
			     const char *approved_by, int64_t now_ms);

/*
 * audit_research_insert stores a completed project and its cohort (one
 * transaction's part; scratch from arena).  Errors: MED_ERR_EXISTS (the id was
 * used before, revoked or not), database errors.
 */
med_err audit_research_insert(med_db_conn *c, med_arena *arena,
			      const Smartmed__Audit__V1__ResearchProject *rp)
	MED_MUST_CHECK;

/*
 * audit_research_get reads one project into arena, with its cohort (in
 * patient id order) when with_cohort; for_update locks its row.  Errors:
 * MED_ERR_NOT_FOUND, database errors.
 */
med_err
audit_research_get(med_db_conn *c, med_arena *arena, const char *id,
		   bool with_cohort, bool for_update,
		   Smartmed__Audit__V1__ResearchProject **out) MED_MUST_CHECK;

/*
 * audit_research_list reads up to AUDIT_RESEARCH_LIST_MAX projects, newest
 * approval first, without cohorts: those of researcher (NULL: everyone's),
 * the revoked and expired (at now_ms) ones only when include_inactive.
 */
med_err audit_research_list(med_db_conn *c, med_arena *arena,
			    const char *researcher, bool include_inactive,
			    int64_t now_ms,
			    Smartmed__Audit__V1__ResearchProject ***out,
			    size_t *n) MED_MUST_CHECK;

/* audit_research_revoke marks a project revoked by whom, when and why. */
med_err audit_research_revoke(med_db_conn *c, const char *id, const char *by,
			      int64_t now_ms,
			      const char *reason) MED_MUST_CHECK;

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_STREAM_HANDLER(audit_rpc_query);
MED_UNARY_HANDLER(audit_rpc_patient_access_report);
MED_UNARY_HANDLER(audit_rpc_get_tree_head);
MED_UNARY_HANDLER(audit_rpc_inclusion_proof);
MED_UNARY_HANDLER(audit_rpc_consistency_proof);
MED_UNARY_HANDLER(audit_rpc_export_audit_events_fhir);
/* ReadFhir: read_fhir.c (fhirread). */
MED_UNARY_HANDLER(audit_rpc_read_fhir);
MED_UNARY_HANDLER(audit_rpc_approve_research_project);
MED_UNARY_HANDLER(audit_rpc_get_research_project);
MED_UNARY_HANDLER(audit_rpc_list_research_projects);
MED_UNARY_HANDLER(audit_rpc_revoke_research_project);
/* StartEpoch: epoch.c. */
MED_UNARY_HANDLER(audit_rpc_start_epoch);

/* audit_head_pb fills a SignedTreeHead (in the call's arena) from h. */
med_err audit_head_pb(med_call *call, const audit_sth *h,
		      Smartmed__Audit__V1__SignedTreeHead **out) MED_MUST_CHECK;

/* --- fhir.c: AuditEvent export ------------------------------------------- */

/*
 * audit_fhir_bundle writes records[0..n) of patient_id as a FHIR R4 Bundle
 * (collection) of AuditEvent resources in the IHE BALP shape, in arena, at
 * most max_bytes long.  Errors: MED_ERR_LIMIT, MED_ERR_INVALID (a stored
 * value FHIR cannot carry), MED_ERR_NOMEM.
 */
med_err audit_fhir_bundle(med_arena *arena, const char *patient_id,
			  Smartmed__Audit__V1__AuditRecord *const *records,
			  size_t n, size_t max_bytes, char **json,
			  uint32_t *n_resources) MED_MUST_CHECK;

#endif
