/*
 * append.c - appending events to the Merkle log, one transaction per batch:
 *
 *   lock the tree_state row (SELECT ... FOR UPDATE), so appenders (ingest
 *   threads, replicas) take turns and seq stays dense;
 *   start from the verified tree (trust.c), checking first any rows that
 *   another writer added since;
 *   drop events already stored (by event id, also repeats within the batch:
 *   a resend after a lost acknowledgement is not a duplicate entry) and
 *   refuse events whose time is out of bounds (not stored, not counted in
 *   the acknowledgement, logged);
 *   give each new event seq = size + 1 + i, compute its canonical entry,
 *   leaf hash, leaf MAC and the subtree hashes it completes
 *   (med_merkle_frontier); insert the rows and the nodes, set the new size;
 *   commit; acknowledge.
 *
 * Rows and nodes go in as one JSON array each through JSON_TABLE: one
 * statement per batch instead of one per row, which is what makes durable
 * appends fast (libmed binds at most 64 parameters per statement).
 */
#include <med/arena.h>
#include <med/json.h>
#include <med/log.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_svc.h"

#define APPEND_ARENA_BYTES (96u << 20)
#define DEDUPE_CHUNK	   64
#define DETAIL_KEY_MAX	   64
#define DETAIL_VALUE_MAX   256
#define ENTRY_CAP	   (16u << 10)

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
	" details VARCHAR(16384) PATH '$[16]' ERROR ON EMPTY,"                 \
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
	bool *first; /* per event index: first occurrence of its id */
	bool *in_db; /* per event index: id already in the log */
	/* per attempt */
	pending *p;
	size_t n_p, n_refused;
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
	/* qsort has no context argument; ingest is single-threaded per
	 * state, and the pointer is only read during this call. */
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

/* mark_existing flags ids already in the log, DEDUPE_CHUNK per query. */
static med_err
mark_existing(med_db_conn *c, append_ctx *x)
{
	static char sql[64 + 3 * DEDUPE_CHUNK];
	med_db_value v[DEDUPE_CHUNK];
	size_t at = 0;
	med_err err = MED_OK;

	MED_DB_PARAMS_FIT(DEDUPE_CHUNK);
	if (sql[0] == '\0') {
		size_t n = (size_t)snprintf(sql, sizeof(sql),
					    "SELECT event_id FROM events"
					    " WHERE event_id IN (?");
		for (int i = 1; i < DEDUPE_CHUNK; i++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, ",?");
		snprintf(sql + n, sizeof(sql) - n, ")");
	}
	memset(x->in_db, 0, x->n * sizeof(x->in_db[0]));
	for (; at < x->n_unique && err == MED_OK; at += DEDUPE_CHUNK) {
		/* Pad a short chunk with its first id: one statement text. */
		for (size_t i = 0; i < DEDUPE_CHUNK; i++) {
			size_t k = at + i < x->n_unique ? at + i : at;
			v[i] = MED_DB_STR(x->events[x->order[k]]->event_id);
		}
		err = med_db_query(c, sql, v, DEDUPE_CHUNK, on_existing, x);
	}
	return err;
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
 * time_refused: an event's time is out of bounds.  It is not stored and
 * not counted in the acknowledgement (the emitter logs the shortfall);
 * the refusal is logged here with what identifies the event.
 */
static bool
time_refused(append_ctx *x, const Smartmed__Common__V1__AuditEvent *e,
	     int64_t now)
{
	med_problem p;

	if (audit_event_time_problem(e->time_ms, now, &p) == MED_OK)
		return false;
	med_log_warn("audit: event %s from service %s refused: %s %s",
		     e->event_id, e->service, p.field, p.reason);
	med_counter_add(x->st->refused_time, 1);
	x->n_refused++;
	return true;
}

/* build_pending makes the rows and nodes of the new events. */
static med_err
build_pending(append_ctx *x, uint64_t size)
{
	int64_t now = med_now_ms();
	uint8_t *entry = med_arena_alloc(x->arena, ENTRY_CAP);
	med_err err = entry ? MED_OK : MED_ERR_NOMEM;

	x->n_p = 0;
	x->n_refused = 0;
	x->nodes.n = 0;
	/* In batch (spool) order, skipping repeats and stored ids. */
	for (size_t i = 0; i < x->n && err == MED_OK; i++) {
		const Smartmed__Common__V1__AuditEvent *e = x->events[i];
		pending *p = &x->p[x->n_p];
		if (x->in_db[i] || !x->first[i] || time_refused(x, e, now))
			continue;
		err = record_of(x->arena, e, size + 1 + x->n_p, now, &p->r);
		if (err == MED_OK)
			err = leaf_of(x, p, entry);
		if (err == MED_OK)
			x->n_p++;
	}
	return err;
}

static med_err
append_tx(med_db_conn *c, void *arg)
{
	append_ctx *x = arg;
	uint64_t size;
	med_err err;

	/* The lock first (a locking read takes no snapshot), then the
	 * verified tree, then the reads that see it (audit_trust_begin). */
	if ((err = audit_tree_size(c, true, &size)) != MED_OK ||
	    (err = audit_trust_begin(x->st, c, &x->f)) != MED_OK ||
	    (err = audit_trust_extend(x->st, c, &x->f, size)) != MED_OK ||
	    (err = mark_existing(c, x)) != MED_OK ||
	    (err = build_pending(x, size)) != MED_OK)
		return err;
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
	x->p = med_arena_alloc(x->arena, n * sizeof(*x->p));
	x->nodes.items = med_arena_alloc(
		x->arena, x->nodes.cap * sizeof(*x->nodes.items));
	if (!x->order || !x->first || !x->in_db || !x->p || !x->nodes.items)
		return MED_ERR_NOMEM;
	return MED_OK;
}

med_err
audit_append_batch(audit_state *st,
		   Smartmed__Common__V1__AuditEvent *const *events, size_t n,
		   uint32_t *stored, uint32_t *duplicates)
{
	append_ctx x = {.st = st, .events = events, .n = n};
	med_err err;

	if (n == 0) {
		*stored = *duplicates = 0;
		return MED_OK;
	}
	err = ctx_alloc(&x, n);
	if (err == MED_OK) {
		unique_ids(&x);
		err = med_db_tx(med_service_db(st->svc), append_tx, &x);
	}
	if (err == MED_OK) {
		/* What this process wrote is verified by construction. */
		audit_trust_publish(st, &x.f);
		*stored = (uint32_t)x.n_p;
		*duplicates = (uint32_t)(n - x.n_p - x.n_refused);
	}
	med_arena_free(x.arena);
	return err;
}
