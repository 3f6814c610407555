/*
 * store.c - the reads of entries: one version, an entry's history, a
 * patient's list, an attachment, the chain in order and the index entry by
 * entry.  entries holds one row per version; entry_heads and chain_heads
 * are indexes of the latest version of each entry and of each patient's
 * chain; attachments holds document bytes once per SHA-256 (store_write.c
 * writes them, store_rows.c reads their rows).
 *
 * What a reader is shown comes from the chained rows of entries alone: an
 * entry's latest version is its highest version, lists filter and order
 * on version 1's columns.  entry_heads is still written (it is the row a
 * change locks, and the previous release reads it) and every read checks
 * it against the chain, so a disagreement is reported, never believed.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "store_int.h"

/* --- reads ------------------------------------------------------------- */

/* What one Entry costs in a reply beyond its texts: ids, hashes, numbers,
 * field tags; and an addendum beyond its text and author.  Estimates that
 * err high: the page is trimmed to its exact size afterwards. */
#define ENTRY_OVERHEAD_BYTES	640
#define ADDENDUM_OVERHEAD_BYTES 64
/* A repeated message field's tag and length prefix. */
#define REPEATED_FIELD_BYTES 6

/* pick_from returns the versions from `from` on (the rows before it were
 * read only for their addenda). */
static records_entry **
pick_from(med_arena *a, const version_rows *rows, uint32_t from, size_t *n)
{
	records_entry **list =
		med_arena_alloc(a, (rows->n + 1) * sizeof(*list));
	size_t k = 0;

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < rows->n; i++)
		if (rows->items[i].e->version >= from)
			list[k++] = rows->items[i].e;
	*n = k;
	return list;
}

/* fit returns how many of the first n entries fit in max_bytes once
 * packed (0 = no bound); at least one. */
static size_t
fit(records_entry *const *e, size_t n, size_t max_bytes)
{
	size_t total = 0;

	if (max_bytes == 0)
		return n;
	for (size_t i = 0; i < n; i++) {
		total += protobuf_c_message_get_packed_size(&e[i]->base) +
			 REPEATED_FIELD_BYTES;
		if (i > 0 && total > max_bytes)
			return i;
	}
	return n;
}

typedef struct entry_read {
	med_arena *arena;
	const char *entry_id;
	uint32_t version; /* 0 = the latest */
	records_fault *fault;
	records_entry *out;
} entry_read;

static med_err
entry_tx(med_db_conn *c, void *arg)
{
	entry_read *r = arg;
	version_rows rows = {.arena = r->arena, .unpack = true};
	entry_state st;
	uint32_t want;
	med_err err =
		records__load_state(c, r->arena, r->entry_id, &st, r->fault);

	if (err != MED_OK)
		return err;
	want = r->version ? r->version : st.chain_latest;
	if (want > st.chain_latest)
		return MED_ERR_NOT_FOUND;
	err = records__read_verified(c, &st, want, want, true, &rows, r->fault);
	if (err != MED_OK)
		return err;
	r->out = rows.items[rows.n - 1].e;
	return MED_OK;
}

med_err
records_store_entry(med_db *db, med_arena *arena, const char *entry_id,
		    uint32_t version, records_entry **out, records_fault *fault)
{
	entry_read r = {.arena = arena,
			.entry_id = entry_id,
			.version = version,
			.fault = fault};
	/* One transaction: the state and the rows from one snapshot. */
	med_err err = med_db_tx(db, entry_tx, &r);

	if (err == MED_OK)
		*out = r.out;
	return err;
}

/* --- History ------------------------------------------------------------ */

/* size_row - what one version weighs, from its column lengths. */
typedef struct size_row {
	uint32_t version;
	size_t bytes;	       /* its own texts and typed content */
	size_t addendum_bytes; /* the addendum it added (0: none) */
} size_row;

typedef struct size_rows {
	size_row *items;
	size_t n, cap;
} size_rows;

static med_err
on_size_row(void *ctx, const med_db_row *row)
{
	size_rows *r = ctx;

	/* The rows were counted in the same snapshot: more is corruption. */
	if (r->n == r->cap)
		return MED_ERR_DATA_LOSS;
	r->items[r->n].version = (uint32_t)med_db_row_int64(row, 0);
	r->items[r->n].bytes = (size_t)med_db_row_int64(row, 1);
	r->items[r->n].addendum_bytes = (size_t)med_db_row_int64(row, 2);
	r->n++;
	return MED_OK;
}

static med_err
read_sizes(med_db_conn *c, med_arena *a, const char *entry_id,
	   uint32_t n_versions, size_rows *out)
{
	med_db_value k[] = {MED_DB_STR(entry_id)};

	out->n = 0;
	out->cap = n_versions;
	if ((out->items = med_arena_alloc(
		     a, (n_versions + 1) * sizeof(*out->items))) == NULL)
		return MED_ERR_NOMEM;
	return med_db_query(
		c,
		"SELECT version, LENGTH(title) + LENGTH(body) + LENGTH(reason)"
		" + LENGTH(author) + LENGTH(signed_by)"
		" + IFNULL(LENGTH(content), 0),"
		" IF(addendum = '', 0, LENGTH(addendum) + LENGTH(author))"
		" FROM entries WHERE entry_id = ? ORDER BY version",
		k, 1, on_size_row, out);
}

/*
 * plan_history returns the last version of the page after `after`: at
 * most slice->limit versions whose estimated sizes fit slice->max_bytes,
 * at least one.  Each version carries every addendum up to itself.
 */
static uint32_t
plan_history(const size_rows *r, uint32_t after, const records_slice *s)
{
	size_t addenda = 0, total = 0;
	uint32_t last = after, count = 0;

	for (size_t i = 0; i < r->n; i++) {
		const size_row *v = &r->items[i];
		size_t est;

		if (v->addendum_bytes > 0)
			addenda += v->addendum_bytes + ADDENDUM_OVERHEAD_BYTES;
		if (v->version <= after)
			continue;
		est = ENTRY_OVERHEAD_BYTES + v->bytes + addenda;
		if (count == s->limit ||
		    (count > 0 && s->max_bytes && total + est > s->max_bytes))
			break;
		total += est;
		count++;
		last = v->version;
	}
	return last;
}

typedef struct history_read {
	med_arena *arena;
	const char *entry_id;
	uint32_t after;
	const records_slice *slice;
	records_fault *fault;
	records_entry **out;
	size_t n;
	bool more;
} history_read;

static med_err
history_tx(med_db_conn *c, void *arg)
{
	history_read *r = arg;
	version_rows rows = {.arena = r->arena, .unpack = true};
	size_rows sizes;
	entry_state st;
	uint32_t from = r->after + 1, last;
	med_err err =
		records__load_state(c, r->arena, r->entry_id, &st, r->fault);

	r->n = 0;
	r->more = false;
	if (err != MED_OK || r->after >= st.chain_latest)
		return err;
	if ((err = read_sizes(c, r->arena, r->entry_id, st.chain_latest,
			      &sizes)) != MED_OK)
		return err;
	last = plan_history(&sizes, r->after, r->slice);
	err = records__read_verified(c, &st, from, last, true, &rows, r->fault);
	if (err != MED_OK)
		return err;
	if ((r->out = pick_from(r->arena, &rows, from, &r->n)) == NULL)
		return MED_ERR_NOMEM;
	r->more = last < st.chain_latest;
	return MED_OK;
}

med_err
records_store_history(med_db *db, med_arena *arena, const char *entry_id,
		      uint32_t after, const records_slice *slice,
		      records_entry ***out, size_t *n, bool *more,
		      records_fault *fault)
{
	history_read r = {.arena = arena,
			  .entry_id = entry_id,
			  .after = after,
			  .slice = slice,
			  .fault = fault};
	med_err err = med_db_tx(db, history_tx, &r);
	size_t n_fit;

	if (err != MED_OK)
		return err;
	n_fit = fit(r.out, r.n, slice->max_bytes);
	*out = r.out;
	*n = n_fit;
	*more = r.more || n_fit < r.n;
	return MED_OK;
}

/* --- lists -------------------------------------------------------------- */

/* Entry kinds are 0..5 (ENTRY_KIND_*): a kind mask is sent as a list. */
#define KIND_SLOTS 6

/*
 * An observation's LOINC code as its content holds it (issue 49): field
 * 1 of the packed Observation, which protobuf-c writes first, tag 0x0A,
 * one length byte (a code has at most 64 characters), then the code; ""
 * when the content does not start so.  Kinds 2 and 5 are
 * ENTRY_KIND_OBSERVATION and ENTRY_KIND_VITAL_SIGNS.
 */
#define CONTENT_CODE                                                           \
	"IF(LEFT(e.content, 1) = X'0A',"                                       \
	" SUBSTRING(e.content, 3, ORD(SUBSTRING(e.content, 2, 1))), '')"

/*
 * A patient's entries by version 1 (which patient, kind, author and time
 * are version 1's), each with its highest version and its index row;
 * newest first, after the cursor.
 */
#define LIST_FROM                                                              \
	" FROM entries f"                                                      \
	" JOIN entries e ON e.entry_id = f.entry_id AND e.version ="           \
	" (SELECT MAX(m.version) FROM entries m"                               \
	" WHERE m.entry_id = f.entry_id)"                                      \
	" LEFT JOIN entry_heads h ON h.entry_id = f.entry_id"                  \
	" WHERE f.patient_id = ? AND f.version = 1"                            \
	" AND (? = 0 OR f.kind = ?)"                                           \
	" AND (? = 0 OR f.created_ms >= ?)"                                    \
	" AND (? = 0 OR f.created_ms < ?)"                                     \
	" AND (? = '' OR f.author = ?)"                                        \
	" AND (? = 0 OR f.kind IN (?, ?, ?, ?, ?, ?))"                         \
	" AND (? = 0 OR f.kind NOT IN (2, 5) OR (f.kind = 5 AND ? = 1)"        \
	" OR (f.kind = 2 AND (e.content IS NULL OR " CONTENT_CODE              \
	" IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))))"              \
	" AND (? = 0 OR f.created_ms < ?"                                      \
	" OR (f.created_ms = ? AND f.entry_id < ?))"                           \
	" ORDER BY f.created_ms DESC, f.entry_id DESC LIMIT ?"
#define N_LIST_PARAMS (17 + KIND_SLOTS + RECORDS_CODE_SLOTS)
MED_DB_PARAMS_FIT(N_LIST_PARAMS);

static void
list_params(const records_filter *f, uint32_t limit, med_db_value *v)
{
	const char *author = f->author ? f->author : "";
	const records_cursor *c = &f->after;
	med_db_value p[] = {
		MED_DB_STR(f->patient_id), MED_DB_I64(f->kind),
		MED_DB_I64(f->kind),	   MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),   MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),   MED_DB_STR(author),
		MED_DB_STR(author),	   MED_DB_I64(f->kinds),
	};
	med_db_value marks[] = {
		MED_DB_I64(f->n_codes > 0),
		MED_DB_I64(f->vitals),
	};
	med_db_value tail[] = {
		MED_DB_I64(c->set ? 1 : 0), MED_DB_I64(c->key),
		MED_DB_I64(c->key),	    MED_DB_STR(c->id),
		MED_DB_I64(limit),
	};
	size_t n = sizeof(p) / sizeof(p[0]), i = 0;

	memcpy(v, p, sizeof(p));
	/* The kinds of the mask as a list, which the index on (patient_id,
	 * version, kind, created_ms) seeks; unused slots repeat one. */
	for (int k = 0; k < KIND_SLOTS; k++)
		if ((f->kinds >> k & 1) != 0) {
			v[n + i] = MED_DB_I64(k);
			i++;
		}
	for (; i < KIND_SLOTS; i++)
		v[n + i] = i > 0 ? v[n] : MED_DB_I64(0);
	n += KIND_SLOTS;
	memcpy(v + n, marks, sizeof(marks));
	n += sizeof(marks) / sizeof(marks[0]);
	/* Unused slots repeat a code (or hold "" when none is asked). */
	for (i = 0; i < RECORDS_CODE_SLOTS; i++)
		v[n + i] = MED_DB_STR(
			f->n_codes > 0 ? f->codes[i < f->n_codes ? i : 0] : "");
	memcpy(v + n + RECORDS_CODE_SLOTS, tail, sizeof(tail));
}

typedef struct list_read {
	med_arena *arena;
	const records_filter *f;
	version_rows rows;
	records_cursor *cursors;
	uint32_t n_fit; /* entries the sizes let in */
	size_t bytes;	/* their estimated size */
	bool more;	/* entries left after them */
	records_fault *fault;
} list_read;

static med_err
on_list_size(void *ctx, const med_db_row *row)
{
	list_read *r = ctx;
	size_t est = ENTRY_OVERHEAD_BYTES + (size_t)med_db_row_int64(row, 0);

	if (r->more || r->n_fit == r->f->slice.limit ||
	    (r->n_fit > 0 && r->bytes + est > r->f->slice.max_bytes)) {
		r->more = true;
		return MED_OK;
	}
	r->n_fit++;
	r->bytes += est;
	return MED_OK;
}

/* on_list_row reads one entry and checks it against the chain. */
static med_err
on_list_row(void *ctx, const med_db_row *row)
{
	list_read *r = ctx;
	records_head head, first;
	records_version *v;
	records_cursor *cur;
	med_err err;

	if ((err = records__on_version_row(&r->rows, row)) != MED_OK ||
	    (err = records__read_head(r->arena, row, N_VERSION_COLUMNS, true,
				      &head)) != MED_OK ||
	    (err = records__read_head(r->arena, row,
				      N_VERSION_COLUMNS + N_HEAD_COLUMNS, false,
				      &first)) != MED_OK)
		return err;
	v = &r->rows.items[r->rows.n - 1];
	if ((err = records_version_verify(r->arena, v, r->fault)) != MED_OK ||
	    (r->fault->check == NULL &&
	     (err = records_head_verify(r->arena, v->e->entry_id, v->e->version,
					&head, &first, v->e, r->fault)) !=
		     MED_OK))
		return err;
	if (r->fault->check != NULL)
		return MED_ERR_DATA_LOSS;
	cur = &r->cursors[r->rows.n - 1];
	cur->set = true;
	cur->key = first.created_ms;
	snprintf(cur->id, sizeof(cur->id), "%s", v->e->entry_id);
	return MED_OK;
}

/*
 * list_addenda gives a listed entry (its latest version, latest) the
 * addenda its earlier versions added, each of those versions verified
 * against its hashes as GetEntry verifies them.  An entry at version 1
 * has none but its own.
 */
static med_err
list_addenda(med_db_conn *c, list_read *r, const records_version *latest)
{
	version_rows rows = {.arena = r->arena, .unpack = false};
	med_db_value v[] = {MED_DB_STR(latest->e->entry_id),
			    MED_DB_I64(latest->e->version)};
	records_version *last;
	med_err err = MED_OK;

	if (latest->e->version > 1)
		err = med_db_query(c,
				   "SELECT " VERSION_COLUMNS " FROM entries e"
				   " WHERE entry_id = ? AND version < ?"
				   " AND addendum <> '' ORDER BY version",
				   v, 2, records__on_version_row, &rows);
	if (err != MED_OK ||
	    (err = records__verify_rows(r->arena, &rows, r->fault)) != MED_OK)
		return err;
	/* The listed version last, so that it ends up with all of them. */
	if ((last = records__push_version(&rows)) == NULL)
		return MED_ERR_NOMEM;
	*last = *latest;
	return records__fill_addenda(r->arena, &rows);
}

static med_err
list_tx(med_db_conn *c, void *arg)
{
	list_read *r = arg;
	const records_slice *s = &r->f->slice;
	med_db_value v[N_LIST_PARAMS];
	uint32_t limit = s->limit + 1;
	med_err err;

	r->rows.n = 0;
	r->n_fit = 0;
	r->bytes = 0;
	r->more = false;
	/* With a byte bound, the sizes decide first how many rows to read. */
	if (s->max_bytes > 0) {
		list_params(r->f, limit, v);
		err = med_db_query(c,
				   "SELECT LENGTH(e.title) + LENGTH(e.body)"
				   " + LENGTH(e.reason) + LENGTH(e.author)"
				   " + LENGTH(e.signed_by) + "
				   "IFNULL(LENGTH(e.content), 0)" LIST_FROM,
				   v, N_LIST_PARAMS, on_list_size, r);
		if (err != MED_OK || r->n_fit == 0)
			return err;
		limit = r->n_fit;
	}
	list_params(r->f, limit, v);
	err = med_db_query(c,
			   "SELECT " VERSION_COLUMNS ", " HEAD_COLUMNS
			   ", " FIRST_COLUMNS LIST_FROM,
			   v, N_LIST_PARAMS, on_list_row, r);
	for (size_t i = 0; err == MED_OK && i < r->rows.n; i++)
		err = list_addenda(c, r, &r->rows.items[i]);
	return err;
}

med_err
records_store_list(med_db *db, med_arena *arena, const records_filter *f,
		   records_list *out, records_fault *fault)
{
	list_read r = {.arena = arena,
		       .f = f,
		       .rows = {.arena = arena, .unpack = true},
		       .fault = fault};
	records_entry **list;
	size_t n, n_fit;
	med_err err;

	r.cursors = med_arena_zalloc(arena, ((size_t)f->slice.limit + 1) *
						    sizeof(*r.cursors));
	if (r.cursors == NULL)
		return MED_ERR_NOMEM;
	if ((err = med_db_tx(db, list_tx, &r)) != MED_OK)
		return err;
	n = r.rows.n;
	if (f->slice.max_bytes == 0 && n > f->slice.limit) {
		n = f->slice.limit; /* the one row more says another page */
		r.more = true;
	}
	if ((list = med_arena_alloc(arena, (n + 1) * sizeof(*list))) == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		list[i] = r.rows.items[i].e;
	n_fit = fit(list, n, f->slice.max_bytes);
	out->entries = list;
	out->cursors = r.cursors;
	out->n = n_fit;
	out->more = r.more || n_fit < n;
	return MED_OK;
}

typedef struct blob_out {
	med_arena *arena;
	uint8_t *data;
	size_t len;
} blob_out;

static med_err
on_blob(void *ctx, const med_db_row *row)
{
	blob_out *b = ctx;
	size_t len = 0;
	const char *p = med_db_row_text(row, 0, &len);

	if ((b->data = med_arena_alloc(b->arena, len ? len : 1)) == NULL)
		return MED_ERR_NOMEM;
	if (len)
		memcpy(b->data, p, len);
	b->len = len;
	return MED_OK;
}

med_err
records_store_attachment(med_db *db, med_arena *arena, const char *sha256,
			 const uint8_t **data, size_t *len)
{
	blob_out b = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(sha256)};
	med_err err = med_db_query_row_once(
		db, "SELECT data FROM attachments WHERE sha256 = ?", v, 1,
		on_blob, &b);

	if (err != MED_OK)
		return err;
	*data = b.data;
	*len = b.len;
	return MED_OK;
}

/* --- the chain, in order ---------------------------------------------------
 */

typedef struct walk_ctx {
	med_arena *arena;
	const char *patient_id;
	version_rows rows;
	head_row head;
	int64_t count;
} walk_ctx;

static med_err
on_count(void *ctx, const med_db_row *row)
{
	*(int64_t *)ctx = med_db_row_int64(row, 0);
	return MED_OK;
}

static med_err
walk_tx(med_db_conn *c, void *arg)
{
	walk_ctx *w = arg;
	med_db_value k[] = {MED_DB_STR(w->patient_id)};
	med_err err = med_db_query(
		c, "SELECT COUNT(*) FROM entries WHERE patient_id = ?", k, 1,
		on_count, &w->count);

	w->rows.n = 0;
	if (err != MED_OK)
		return err;
	if (w->count == 0)
		return MED_ERR_NOT_FOUND;
	/* Locking the head gives a consistent chain and chains old rows. */
	if ((err = records__lock_chain(c, w->arena, w->patient_id, &w->head)) !=
	    MED_OK)
		return err;
	err = med_db_query(c,
			   "SELECT " VERSION_COLUMNS " FROM entries e"
			   " WHERE patient_id = ? ORDER BY chain_seq",
			   k, 1, records__on_version_row, &w->rows);
	if (err == MED_OK && w->head.seq == 0)
		err = MED_ERR_INTERNAL;
	return err;
}

med_err
records_store_chain(med_db *db, med_arena *arena, const char *patient_id,
		    records_chain *out)
{
	walk_ctx w = {.arena = arena,
		      .patient_id = patient_id,
		      .rows = {.arena = arena}};
	med_err err = med_db_tx(db, walk_tx, &w);

	if (err != MED_OK)
		return err;
	out->versions = w.rows.items;
	out->n = w.rows.n;
	out->head.seq = w.head.seq;
	out->head.hash = w.head.hash;
	return MED_OK;
}

/* --- the index, entry by entry -------------------------------------------- */

typedef struct heads_walk {
	med_arena *arena;
	records_entry_heads *out;
	size_t cap;
} heads_walk;

static records_entry_head *
push_head(heads_walk *w)
{
	records_entry_heads *o = w->out;

	if (o->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		records_entry_head *items =
			med_arena_alloc(w->arena, cap * sizeof(*items));

		if (items == NULL)
			return NULL;
		if (o->n)
			memcpy(items, o->items, o->n * sizeof(*items));
		o->items = items;
		w->cap = cap;
	}
	return &o->items[o->n++];
}

static med_err
on_head_walk_row(void *ctx, const med_db_row *row)
{
	heads_walk *w = ctx;
	records_entry_head *h = push_head(w);
	med_err err;

	if (h == NULL ||
	    (h->entry_id = med_db_row_strdup(w->arena, row, 0)) == NULL)
		return MED_ERR_NOMEM;
	h->chain_latest = (uint32_t)med_db_row_int64(row, 1);
	if ((err = records__read_head(w->arena, row, 2, true, &h->head)) !=
	    MED_OK)
		return err;
	return records__read_head(w->arena, row, 2 + N_HEAD_COLUMNS, false,
				  &h->first);
}

med_err
records_store_heads(med_db *db, med_arena *arena, const char *patient_id,
		    records_entry_heads *out)
{
	heads_walk w = {.arena = arena, .out = out};
	med_db_value k[] = {MED_DB_STR(patient_id), MED_DB_STR(patient_id)};

	out->items = NULL;
	out->n = 0;
	/* Entries whose versions or whose index row name the patient: an
	 * index moved to another patient is found from either side. */
	return med_db_query_once(
		db,
		"SELECT x.entry_id, (SELECT MAX(m.version) FROM entries m"
		" WHERE m.entry_id = x.entry_id), " HEAD_COLUMNS
		", " FIRST_COLUMNS
		" FROM (SELECT entry_id FROM entries WHERE patient_id = ?"
		" UNION SELECT entry_id FROM entry_heads WHERE patient_id = ?) "
		"x"
		" LEFT JOIN entry_heads h ON h.entry_id = x.entry_id"
		" LEFT JOIN entries f ON f.entry_id = x.entry_id"
		" AND f.version = 1 ORDER BY x.entry_id",
		k, 2, on_head_walk_row, &w);
}
