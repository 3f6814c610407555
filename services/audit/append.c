/*
 * append.c - appending events to the Merkle log.  Batches that arrive
 * together (the ingest receives several at once) are appended as one
 * group, in one transaction:
 *
 *   outside the lock, build the group's rows from the verified tree as this
 *   process last left it (trust.c): seq, canonical entries, leaf hashes,
 *   leaf MACs and the subtree hashes they complete (med_merkle_frontier);
 *   lock the tree_state row (SELECT ... FOR UPDATE), so appenders (ingest
 *   threads, replicas) take turns and seq stays dense: one reservation of
 *   seq per group;
 *   start from the verified tree, checking first any rows that another
 *   writer added since;
 *   drop events already stored (by event id, also repeats within the group:
 *   a resend after a lost acknowledgement is not a duplicate entry) and
 *   refuse events whose time is out of bounds (not stored, not counted in
 *   the acknowledgement, logged);
 *   when another writer appended or an event was already stored, build the
 *   rows again under the lock (the rows built outside it are only a guess);
 *   insert the rows and the nodes, set the new size; commit; acknowledge
 *   each batch with its own counts.
 *
 * Ids, rows and nodes go in as one JSON array each through JSON_TABLE: one
 * statement per group and table instead of one per row, which is what
 * makes durable appends fast (libmed binds at most 64 parameters per
 * statement).  A group that fails is appended again batch by batch, so a
 * batch the database refuses holds back only its own emitter.
 */
#include <med/arena.h>
#include <med/json.h>
#include <med/log.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_svc.h"

#define APPEND_ARENA_BYTES (96u << 20)
/* The most events one group carries: a batch is at most 1024 (the
 * ingest's limit), so a group holds a few, and its JSON stays well under
 * max_allowed_packet. */
#define GROUP_MAX_EVENTS 4096
/* How long a leader alone in the queue waits for other batches, when the
 * last group carried several (emitters are sending concurrently): they
 * were acknowledged together and come back a moment apart. */
#define GROUP_GATHER_NS	 2000000
#define DETAIL_KEY_MAX	 64
#define DETAIL_VALUE_MAX 256
#define ENTRY_CAP	 (16u << 10)
/* The details blob in hex, as the JSON_TABLE column reads it: at most
 * 4 + 16 * (8 + 64 + 256) = 5,252 bytes, 10,504 hex digits.  16383 is
 * the longest VARCHAR of utf8mb4 that every MariaDB 10.11 accepts (10.11.18
 * refuses 16384, so no event was stored there). */
#define DETAILS_HEX_MAX "16383"
_Static_assert(2 * (4 + MED_AUDIT_MAX_DETAILS *
				(8 + DETAIL_KEY_MAX + DETAIL_VALUE_MAX)) <=
		       16383,
	       "the details column of the append statement is too narrow");

#define INSERT_EVENTS_SQL                                                      \
	"INSERT INTO events (seq, event_id, stored_ms, time_ms, service,"      \
	" action, actor, actor_roles, patient_id, resource, outcome,"          \
	" request_id, detail, action_code, purpose_of_use, break_glass,"       \
	" details, leaf_hash, leaf_mac)"                                       \
	" SELECT j.seq, j.event_id, j.stored_ms, j.time_ms, j.service,"        \
	" j.action, j.actor, j.actor_roles, j.patient_id, j.resource,"         \
	" j.outcome, j.request_id, j.detail, j.action_code,"                   \
	" j.purpose_of_use, j.break_glass, UNHEX(j.details), UNHEX(j.leaf),"   \
	" UNHEX(j.mac)"                                                        \
	" FROM JSON_TABLE(?, '$[*]' COLUMNS ("                                 \
	" seq BIGINT UNSIGNED PATH '$[0]' ERROR ON EMPTY,"                     \
	" event_id " U8 "(64) PATH '$[1]' ERROR ON EMPTY,"                     \
	" stored_ms BIGINT PATH '$[2]' ERROR ON EMPTY,"                        \
	" time_ms BIGINT PATH '$[3]' ERROR ON EMPTY,"                          \
	" service " U8 "(64) PATH '$[4]' ERROR ON EMPTY,"                      \
	" action " U8 "(255) PATH '$[5]' ERROR ON EMPTY,"                      \
	" actor " U8 "(128) PATH '$[6]' ERROR ON EMPTY,"                       \
	" actor_roles " U8 "(128) PATH '$[7]' ERROR ON EMPTY,"                 \
	" patient_id " U8 "(64) PATH '$[8]' ERROR ON EMPTY,"                   \
	" resource " U8 "(255) PATH '$[9]' ERROR ON EMPTY,"                    \
	" outcome INT PATH '$[10]' ERROR ON EMPTY,"                            \
	" request_id " U8 "(80) PATH '$[11]' ERROR ON EMPTY,"                  \
	" detail " U8 "(1024) PATH '$[12]' ERROR ON EMPTY,"                    \
	" action_code " U8 "(8) PATH '$[13]' ERROR ON EMPTY,"                  \
	" purpose_of_use " U8 "(32) PATH '$[14]' ERROR ON EMPTY,"              \
	" break_glass TINYINT PATH '$[15]' ERROR ON EMPTY,"                    \
	" details VARCHAR(" DETAILS_HEX_MAX ") PATH '$[16]' ERROR ON EMPTY,"   \
	" leaf CHAR(64) PATH '$[17]' ERROR ON EMPTY,"                          \
	" mac CHAR(64) PATH '$[18]' ERROR ON EMPTY)) j"
#define U8 "VARCHAR"

#define INSERT_NODES_SQL                                                       \
	"INSERT INTO tree_nodes (level, idx, hash)"                            \
	" SELECT j.level, j.idx, UNHEX(j.hash)"                                \
	" FROM JSON_TABLE(?, '$[*]' COLUMNS ("                                 \
	" level INT PATH '$[0]' ERROR ON EMPTY,"                               \
	" idx BIGINT UNSIGNED PATH '$[1]' ERROR ON EMPTY,"                     \
	" hash CHAR(64) PATH '$[2]' ERROR ON EMPTY)) j"

/*
 * clip copies s into the arena cut to max_bytes on a UTF-8 boundary, so a
 * row always fits its column: a batch the database refuses would be resent
 * forever and wedge ingest.
 */
static char *
clip(med_arena *a, const char *s, size_t max_bytes)
{
	size_t n = 0;
	char *out;

	while (s != NULL && s[n] != '\0' && n < max_bytes)
		n++;
	out = med_arena_alloc(a, n + 1);
	if (out == NULL)
		return NULL;
	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
	while (n > 0 && !med_utf8_valid(out, n))
		out[--n] = '\0';
	return out;
}

/* pending - one new event on its way into the log. */
typedef struct pending {
	med_audit_record r;
	uint8_t leaf[MED_MERKLE_HASH_LEN];
	uint8_t mac[MED_AUDIT_LEAF_MAC_LEN];
} pending;

typedef struct append_ctx {
	audit_state *st;
	med_arena *arena;
	/* the source events and their ids (unique, sorted) */
	Smartmed__Common__V1__AuditEvent *const *events;
	size_t n;
	size_t *order; /* indexes of first occurrences, sorted by event id */
	size_t n_unique;
	bool *first;	/* per event index: first occurrence of its id */
	bool *in_db;	/* per event index: id already in the log */
	bool *refused;	/* per event index: time out of bounds */
	int64_t now_ms; /* stored_ms of the group's rows */
	/* The rows built outside the lock, for a log of guess_size leaves
	 * (guessed: false when there was no verified tree to start from). */
	bool guessed;
	uint64_t guess_size;
	/* per attempt */
	pending *p;
	size_t *src; /* per pending row: its event index */
	size_t n_p;
	med_merkle_node_list nodes; /* completed subtrees (level >= 1) */
	med_merkle_frontier f;
} append_ctx;

static Smartmed__Common__V1__AuditEvent *const *sort_events;

static int
cmp_by_id(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = strcmp(sort_events[ia]->event_id, sort_events[ib]->event_id);

	if (c != 0)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* unique_ids sorts event indexes by id and keeps each id's first event. */
static void
unique_ids(append_ctx *x)
{
	size_t k = 0;

	for (size_t i = 0; i < x->n; i++)
		x->order[i] = i;
	/* qsort has no context argument; one group is appended at a time
	 * (group_busy), and the pointer is only read during this call. */
	sort_events = x->events;
	qsort(x->order, x->n, sizeof(x->order[0]), cmp_by_id);
	sort_events = NULL;
	for (size_t i = 0; i < x->n; i++)
		if (k == 0 || strcmp(x->events[x->order[i]]->event_id,
				     x->events[x->order[k - 1]]->event_id) != 0)
			x->order[k++] = x->order[i];
	x->n_unique = k;
	memset(x->first, 0, x->n * sizeof(x->first[0]));
	for (size_t i = 0; i < k; i++)
		x->first[x->order[i]] = true;
}

static med_err
on_existing(void *ctx, const med_db_row *row)
{
	append_ctx *x = ctx;
	const char *id = med_db_row_text(row, 0, NULL);
	size_t lo = 0, hi = x->n_unique;

	while (id != NULL && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(x->events[x->order[mid]]->event_id, id);
		if (c == 0) {
			x->in_db[x->order[mid]] = true;
			return MED_OK;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return MED_OK;
}

/* The group's ids already in the log, in one statement. */
#define EXISTING_SQL                                                           \
	"SELECT e.event_id FROM JSON_TABLE(?, '$[*]' COLUMNS ("                \
	" id VARCHAR(64) CHARACTER SET utf8mb4 PATH '$' ERROR ON EMPTY)) j"    \
	" STRAIGHT_JOIN events e ON e.event_id = j.id COLLATE utf8mb4_bin"

/* mark_existing flags ids already in the log. */
static med_err
mark_existing(med_db_conn *c, append_ctx *x)
{
	size_t cap = 16, len;
	const char *text;
	char *buf;
	med_json j;

	memset(x->in_db, 0, x->n * sizeof(x->in_db[0]));
	for (size_t i = 0; i < x->n_unique; i++)
		cap += 6 * strlen(x->events[x->order[i]]->event_id) + 4;
	if ((buf = med_arena_alloc(x->arena, cap)) == NULL)
		return MED_ERR_NOMEM;
	med_json_init_buf(&j, buf, cap);
	med_json_begin(&j, NULL, '[');
	for (size_t i = 0; i < x->n_unique; i++)
		med_json_str(&j, NULL, x->events[x->order[i]]->event_id);
	med_json_end(&j, ']');
	if ((text = med_json_text(&j, &len)) == NULL)
		return j.err == MED_ERR_LIMIT ? MED_ERR_INTERNAL : j.err;
	return med_db_query(c, EXISTING_SQL,
			    (med_db_value[]){MED_DB_BLOBV(text, len)}, 1,
			    on_existing, x);
}

static med_err
details_blob(med_arena *a, const Smartmed__Common__V1__AuditEvent *e,
	     med_audit_record *r)
{
	med_audit_detail d[MED_AUDIT_MAX_DETAILS];
	size_t n = e->n_details < MED_AUDIT_MAX_DETAILS ? e->n_details
							: MED_AUDIT_MAX_DETAILS;
	size_t cap = 4;
	uint8_t *blob;

	for (size_t i = 0; i < n; i++) {
		d[i].key = clip(a, e->details[i]->key, DETAIL_KEY_MAX);
		d[i].value = clip(a, e->details[i]->value, DETAIL_VALUE_MAX);
		if (d[i].key == NULL || d[i].value == NULL)
			return MED_ERR_NOMEM;
		cap += 8 + strlen(d[i].key) + strlen(d[i].value);
	}
	if ((blob = med_arena_alloc(a, cap)) == NULL)
		return MED_ERR_NOMEM;
	r->details = blob;
	return med_audit_details_encode(d, n, blob, cap, &r->details_len);
}

/* record_of fills r from event e, clipped to the columns. */
static med_err
record_of(med_arena *a, const Smartmed__Common__V1__AuditEvent *e, uint64_t seq,
	  int64_t now, med_audit_record *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->stored_ms = now;
	r->time_ms = e->time_ms;
	r->event_id = clip(a, e->event_id, 64);
	r->service = clip(a, e->service, 64);
	r->action = clip(a, e->action, 255);
	r->actor = clip(a, e->actor, 128);
	r->actor_roles = clip(a, e->actor_roles, 128);
	r->patient_id = clip(a, e->patient_id, 64);
	r->resource = clip(a, e->resource, 255);
	r->outcome = e->outcome;
	r->request_id = clip(a, e->request_id, 80);
	r->detail = clip(a, e->detail, 1024);
	r->action_code = clip(a, e->action_code, 8);
	r->purpose_of_use = clip(a, e->purpose_of_use, 32);
	r->break_glass = e->break_glass;
	if (!r->event_id || !r->service || !r->action || !r->actor ||
	    !r->actor_roles || !r->patient_id || !r->resource ||
	    !r->request_id || !r->detail || !r->action_code ||
	    !r->purpose_of_use)
		return MED_ERR_NOMEM;
	return details_blob(a, e, r);
}

/* leaf_of computes the leaf hash and MAC of p->r and appends it to the
 * tree. */
static med_err
leaf_of(append_ctx *x, pending *p, uint8_t *entry)
{
	size_t len = 0;
	med_err err = med_audit_leaf_entry(&p->r, entry, ENTRY_CAP, &len);

	if (err != MED_OK)
		return err;
	med_merkle_leaf_hash(entry, len, p->leaf);
	med_audit_leaf_mac(x->st->leaf_keys.key[0], p->leaf, p->mac);
	/* A full list is a bug: ctx_alloc sized it for the batch. */
	err = med_merkle_frontier_append(&x->f, p->leaf,
					 med_merkle_node_list_add, &x->nodes);
	return err == MED_ERR_LIMIT ? MED_ERR_INTERNAL : err;
}

/* event_json writes one event as the JSON array INSERT_EVENTS_SQL reads. */
static void
event_json(med_json *j, const pending *p)
{
	const med_audit_record *r = &p->r;

	med_json_begin(j, NULL, '[');
	med_json_u64(j, NULL, r->seq);
	med_json_str(j, NULL, r->event_id);
	med_json_i64(j, NULL, r->stored_ms);
	med_json_i64(j, NULL, r->time_ms);
	for (const char *const *s =
		     (const char *const[]){r->service, r->action, r->actor,
					   r->actor_roles, r->patient_id,
					   r->resource, NULL};
	     *s != NULL; s++)
		med_json_str(j, NULL, *s);
	med_json_i64(j, NULL, r->outcome);
	for (const char *const *s =
		     (const char *const[]){r->request_id, r->detail,
					   r->action_code, r->purpose_of_use,
					   NULL};
	     *s != NULL; s++)
		med_json_str(j, NULL, *s);
	med_json_i64(j, NULL, r->break_glass ? 1 : 0);
	med_json_hex(j, NULL, r->details, r->details_len);
	med_json_hex(j, NULL, p->leaf, MED_MERKLE_HASH_LEN);
	med_json_hex(j, NULL, p->mac, MED_AUDIT_LEAF_MAC_LEN);
	med_json_end(j, ']');
}

static size_t
event_json_cap(const pending *p)
{
	const med_audit_record *r = &p->r;
	size_t n = 256 + 2 * r->details_len + 2 * MED_MERKLE_HASH_LEN +
		   2 * MED_AUDIT_LEAF_MAC_LEN;
	const char *s[] = {r->event_id,	   r->service,	     r->action,
			   r->actor,	   r->actor_roles,   r->patient_id,
			   r->resource,	   r->request_id,    r->detail,
			   r->action_code, r->purpose_of_use};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		n += 6 * strlen(s[i]) + 4;
	return n;
}

/* exec_json runs sql with the text of j as its one parameter.  The
 * writer's buffer was sized for the batch, so running out is a bug. */
static med_err
exec_json(med_db_conn *c, const char *sql, const med_json *j)
{
	size_t len;
	const char *text = med_json_text(j, &len);

	if (text == NULL)
		return j->err == MED_ERR_LIMIT ? MED_ERR_INTERNAL : j->err;
	return med_db_exec(c, sql, (med_db_value[]){MED_DB_BLOBV(text, len)}, 1,
			   NULL, NULL);
}

static med_err
insert_events(med_db_conn *c, append_ctx *x)
{
	size_t cap = 16;
	char *buf;
	med_json j;

	for (size_t i = 0; i < x->n_p; i++)
		cap += event_json_cap(&x->p[i]);
	if ((buf = med_arena_alloc(x->arena, cap)) == NULL)
		return MED_ERR_NOMEM;
	med_json_init_buf(&j, buf, cap);
	med_json_begin(&j, NULL, '[');
	for (size_t i = 0; i < x->n_p; i++)
		event_json(&j, &x->p[i]);
	med_json_end(&j, ']');
	return exec_json(c, INSERT_EVENTS_SQL, &j);
}

static med_err
insert_nodes(med_db_conn *c, append_ctx *x)
{
	const med_merkle_node_list *l = &x->nodes;
	size_t cap = 16 + l->n * (2 * MED_MERKLE_HASH_LEN + 48);
	char *buf;
	med_json j;

	if (l->n == 0)
		return MED_OK;
	if ((buf = med_arena_alloc(x->arena, cap)) == NULL)
		return MED_ERR_NOMEM;
	med_json_init_buf(&j, buf, cap);
	med_json_begin(&j, NULL, '[');
	for (size_t i = 0; i < l->n; i++) {
		med_json_begin(&j, NULL, '[');
		med_json_u64(&j, NULL, l->items[i].level);
		med_json_u64(&j, NULL, l->items[i].index);
		med_json_hex(&j, NULL, l->items[i].hash, MED_MERKLE_HASH_LEN);
		med_json_end(&j, ']');
	}
	med_json_end(&j, ']');
	return exec_json(c, INSERT_NODES_SQL, &j);
}

static med_err
set_size(med_db_conn *c, uint64_t size)
{
	med_db_value v[] = {MED_DB_I64((int64_t)size)};

	return med_db_exec(c, "UPDATE tree_state SET size = ? WHERE id = 1", v,
			   1, NULL, NULL);
}

/*
 * refuse_times flags events whose time is out of bounds.  They are not
 * stored and not counted in the acknowledgement (the emitter logs the
 * shortfall); each refusal is logged here once, with what identifies the
 * event.
 */
static void
refuse_times(append_ctx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		const Smartmed__Common__V1__AuditEvent *e = x->events[i];
		med_problem p;

		x->refused[i] = false;
		if (!x->first[i] ||
		    audit_event_time_problem(e->time_ms, x->now_ms, &p) ==
			    MED_OK)
			continue;
		med_log_warn("audit: event %s from service %s refused: %s %s",
			     e->event_id, e->service, p.field, p.reason);
		med_counter_add(x->st->refused_time, 1);
		x->refused[i] = true;
	}
}

/* build_pending makes the rows and nodes of the new events, appending
 * them to x->f, a tree of size leaves. */
static med_err
build_pending(append_ctx *x, uint64_t size)
{
	uint8_t *entry = med_arena_alloc(x->arena, ENTRY_CAP);
	med_err err = entry ? MED_OK : MED_ERR_NOMEM;

	x->n_p = 0;
	x->nodes.n = 0;
	/* In batch (spool) order, skipping repeats and stored ids. */
	for (size_t i = 0; i < x->n && err == MED_OK; i++) {
		const Smartmed__Common__V1__AuditEvent *e = x->events[i];
		pending *p = &x->p[x->n_p];
		if (x->in_db[i] || !x->first[i] || x->refused[i])
			continue;
		err = record_of(x->arena, e, size + 1 + x->n_p, x->now_ms,
				&p->r);
		if (err == MED_OK)
			err = leaf_of(x, p, entry);
		if (err == MED_OK)
			x->src[x->n_p++] = i;
	}
	return err;
}

/*
 * build_guess builds the rows before the lock is taken, as if no event were
 * stored yet and nobody else appended since this process last did: the
 * hashing then runs while other appenders hold the lock.
 */
static void
build_guess(append_ctx *x)
{
	pthread_mutex_lock(&x->st->trust_mu);
	x->guessed = x->st->trusted_ready;
	x->f = x->st->trusted;
	pthread_mutex_unlock(&x->st->trust_mu);
	if (!x->guessed)
		return;
	x->guess_size = x->f.size;
	memset(x->in_db, 0, x->n * sizeof(x->in_db[0]));
	x->guessed = build_pending(x, x->guess_size) == MED_OK;
}

/* guess_holds: the rows built outside the lock are the ones to write. */
static bool
guess_holds(const append_ctx *x, const med_merkle_frontier *now)
{
	if (!x->guessed || now->size != x->guess_size)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (x->in_db[i])
			return false;
	return true;
}

static med_err
append_tx(med_db_conn *c, void *arg)
{
	append_ctx *x = arg;
	med_merkle_frontier now;
	uint64_t size;
	med_err err;

	/* The lock first (a locking read takes no snapshot), then the
	 * verified tree, then the reads that see it (audit_trust_begin). */
	if ((err = audit_tree_size(c, true, &size)) != MED_OK ||
	    (err = audit_trust_begin(x->st, c, &now)) != MED_OK ||
	    (err = audit_trust_extend(x->st, c, &now, size)) != MED_OK ||
	    (err = mark_existing(c, x)) != MED_OK)
		return err;
	if (!guess_holds(x, &now)) {
		/* Built again from the tree as locked; a retried transaction
		 * (deadlock) comes here too. */
		x->guessed = false;
		x->f = now;
		if ((err = build_pending(x, size)) != MED_OK)
			return err;
	}
	if (x->n_p == 0)
		return MED_OK;
	if ((err = insert_events(c, x)) != MED_OK ||
	    (err = insert_nodes(c, x)) != MED_OK)
		return err;
	return set_size(c, x->f.size);
}

static med_err
ctx_alloc(append_ctx *x, size_t n)
{
	/* A leaf completes at most one subtree per level, amortised < 1. */
	x->nodes.cap = n + MED_MERKLE_MAX_LEVEL;
	x->arena = med_arena_new(APPEND_ARENA_BYTES);
	if (x->arena == NULL)
		return MED_ERR_NOMEM;
	x->order = med_arena_alloc(x->arena, n * sizeof(*x->order));
	x->first = med_arena_alloc(x->arena, n * sizeof(*x->first));
	x->in_db = med_arena_alloc(x->arena, n * sizeof(*x->in_db));
	x->refused = med_arena_alloc(x->arena, n * sizeof(*x->refused));
	x->p = med_arena_alloc(x->arena, n * sizeof(*x->p));
	x->src = med_arena_alloc(x->arena, n * sizeof(*x->src));
	x->nodes.items = med_arena_alloc(
		x->arena, x->nodes.cap * sizeof(*x->nodes.items));
	if (!x->order || !x->first || !x->in_db || !x->refused || !x->p ||
	    !x->src || !x->nodes.items)
		return MED_ERR_NOMEM;
	return MED_OK;
}

/* --- groups ------------------------------------------------------------- */

/* append_req - one batch waiting to be appended with its group. */
typedef struct append_req {
	Smartmed__Common__V1__AuditEvent *const *events;
	size_t n;
	uint32_t stored, duplicates; /* its acknowledgement's counts */
	med_err err;
	bool done;
	struct append_req *next;
} append_req;

/* group_events lays the events of the group g end to end in x. */
static med_err
group_events(append_ctx *x, const append_req *g)
{
	Smartmed__Common__V1__AuditEvent **all;
	size_t at = 0;

	all = med_arena_alloc(x->arena, x->n * sizeof(*all));
	if (all == NULL)
		return MED_ERR_NOMEM;
	for (; g != NULL; g = g->next) {
		memcpy(all + at, g->events, g->n * sizeof(*all));
		at += g->n;
	}
	x->events = all;
	return MED_OK;
}

/* split_counts gives each batch of g the counts of its own events: rows
 * stored, and the rest less the refused as duplicates. */
static void
split_counts(const append_ctx *x, append_req *g)
{
	size_t off = 0, k = 0;

	for (; g != NULL; off += g->n, g = g->next) {
		size_t stored = 0, refused = 0;

		for (size_t i = off; i < off + g->n; i++)
			refused += x->refused[i];
		/* Rows were built in event order: src ascends. */
		for (; k < x->n_p && x->src[k] < off + g->n; k++)
			stored++;
		g->stored = (uint32_t)stored;
		g->duplicates = (uint32_t)(g->n - stored - refused);
	}
}

/* append_group appends the events of the batches of g in one transaction
 * and sets each batch's counts. */
static med_err
append_group(audit_state *st, append_req *g)
{
	append_ctx x = {.st = st};
	med_err err;

	for (const append_req *q = g; q != NULL; q = q->next)
		x.n += q->n;
	if ((err = ctx_alloc(&x, x.n)) != MED_OK ||
	    (err = group_events(&x, g)) != MED_OK)
		goto free_arena;
	x.now_ms = med_now_ms();
	unique_ids(&x);
	refuse_times(&x);
	build_guess(&x);
	err = med_db_tx(med_service_db(st->svc), append_tx, &x);
	if (err == MED_OK) {
		/* What this process wrote is verified by construction. */
		audit_trust_publish(st, &x.f);
		split_counts(&x, g);
		med_counter_add(st->append_groups, 1);
		for (const append_req *q = g; q != NULL; q = q->next)
			med_counter_add(st->append_batches, 1);
	}
free_arena:
	med_arena_free(x.arena);
	return err;
}

/* run_group appends g; when the group fails, each batch alone, so that
 * one the database refuses does not hold back the others. */
static void
run_group(audit_state *st, append_req *g)
{
	med_err err = append_group(st, g);

	for (append_req *q = g; q != NULL; q = q->next)
		q->err = err;
	if (err == MED_OK || g->next == NULL)
		return;
	for (append_req *q = g; q != NULL;) {
		append_req *next = q->next;

		q->next = NULL;
		q->err = append_group(st, q);
		q->next = next;
		q = next;
	}
}

/* group_take takes the oldest waiting batches, at most GROUP_MAX_EVENTS
 * events (at least one batch); under group_mu. */
static append_req *
group_take(audit_state *st)
{
	append_req *g = st->group_waiting, *last = g;
	size_t n = g->n;

	while (last->next != NULL && n + last->next->n <= GROUP_MAX_EVENTS) {
		last = last->next;
		n += last->n;
	}
	st->group_waiting = last->next;
	last->next = NULL;
	return g;
}

static void
group_enqueue(audit_state *st, append_req *r)
{
	append_req **at = &st->group_waiting;

	while (*at != NULL)
		at = &(*at)->next;
	*at = r;
}

static size_t
group_n_waiting(const audit_state *st)
{
	size_t n = 0;

	for (const append_req *q = st->group_waiting; q != NULL; q = q->next)
		n++;
	return n;
}

/*
 * group_gather waits up to GROUP_GATHER_NS for as many batches as the last
 * group carried, when that was several; under group_mu.  A lone emitter's
 * batch is never delayed.
 */
static void
group_gather(audit_state *st)
{
	struct timespec until;
	int64_t ns;

	if (st->group_last_batches < 2 ||
	    group_n_waiting(st) >= st->group_last_batches)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	ns = until.tv_nsec + GROUP_GATHER_NS;
	until.tv_sec += ns / 1000000000;
	until.tv_nsec = ns % 1000000000;
	st->group_gathering = true;
	while (group_n_waiting(st) < st->group_last_batches &&
	       pthread_cond_timedwait(&st->group_cv, &st->group_mu, &until) ==
		       0)
		;
	st->group_gathering = false;
}

/* group_lead appends one group while holding the appender's turn; called
 * and returns with group_mu held. */
static void
group_lead(audit_state *st)
{
	append_req *g;

	/* Busy already while gathering: arrivals join, none leads. */
	st->group_busy = true;
	group_gather(st);
	g = group_take(st);
	st->group_last_batches = 0;
	for (const append_req *q = g; q != NULL; q = q->next)
		st->group_last_batches++;
	pthread_mutex_unlock(&st->group_mu);
	run_group(st, g);
	pthread_mutex_lock(&st->group_mu);
	while (g != NULL) {
		/* next first: once done, a waiter may return and its request
		 * (on its stack) is gone. */
		append_req *next = g->next;

		g->done = true;
		g = next;
	}
	st->group_busy = false;
	pthread_cond_broadcast(&st->group_cv);
}

med_err
audit_append_batch(audit_state *st,
		   Smartmed__Common__V1__AuditEvent *const *events, size_t n,
		   uint32_t *stored, uint32_t *duplicates)
{
	append_req r = {.events = events, .n = n};

	if (n == 0) {
		*stored = *duplicates = 0;
		return MED_OK;
	}
	/* The first batch to find no group running appends everything that
	 * waits, its own included; the others wait for their turn or for a
	 * group that carried them. */
	pthread_mutex_lock(&st->group_mu);
	group_enqueue(st, &r);
	if (st->group_gathering)
		pthread_cond_broadcast(&st->group_cv);
	while (!r.done) {
		if (st->group_busy)
			pthread_cond_wait(&st->group_cv, &st->group_mu);
		else
			group_lead(st);
	}
	pthread_mutex_unlock(&st->group_mu);
	if (r.err == MED_OK) {
		*stored = r.stored;
		*duplicates = r.duplicates;
	}
	return r.err;
}
