/*
 * store.c - the records service's SQL.  entries holds one row per version
 * and is only ever inserted into (the one exception: versions written
 * before the chain existed get their chain fields once); entry_heads and
 * chain_heads are indexes of the latest version of each entry and of each
 * patient's chain; attachments holds document bytes once per SHA-256.
 *
 * What a reader is shown comes from the chained rows of entries alone: an
 * entry's latest version is its highest version, lists filter and order
 * on version 1's columns.  entry_heads is still written (it is the row a
 * change locks, and the previous release reads it) and every read checks
 * it against the chain, so a disagreement is reported, never believed.
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "records.h"

#define VERSION_COLUMNS                                                        \
	"e.entry_id, e.version, e.patient_id, e.kind, e.title, e.body,"        \
	" e.author, e.created_ms, e.content_sha256, e.status, e.replaces,"     \
	" e.reason, e.locked, e.signed_by, e.signed_ms, e.addendum,"           \
	" e.content, e.hash_alg, e.chain_seq, e.prev_hash, e.chain_hash,"      \
	" e.note_stopped"
#define N_VERSION_COLUMNS 22

/* An entry's entry_heads row and its version 1 (records_head). */
#define HEAD_COLUMNS                                                           \
	"h.entry_id IS NOT NULL, h.latest_version, h.patient_id, h.kind,"      \
	" h.author, h.created_ms"
#define N_HEAD_COLUMNS 6
#define FIRST_COLUMNS                                                          \
	"f.entry_id IS NOT NULL, f.patient_id, f.kind, f.author, f.created_ms"

/*
 * The state of one entry: its highest chained version, its index row and
 * its version 1, each possibly missing.
 */
#define ENTRY_STATE_SQL                                                        \
	"SELECT (SELECT MAX(m.version) FROM entries m"                         \
	" WHERE m.entry_id = k.id), " HEAD_COLUMNS ", " FIRST_COLUMNS          \
	" FROM (SELECT ? AS id) k"                                             \
	" LEFT JOIN entry_heads h ON h.entry_id = k.id"                        \
	" LEFT JOIN entries f ON f.entry_id = k.id AND f.version = 1"

/* --- reading versions --------------------------------------------------- */

typedef struct version_rows {
	med_arena *arena;
	bool unpack; /* typed content as messages (false: raw bytes only) */
	records_version *items;
	size_t n, cap;
} version_rows;

static const ProtobufCMessageDescriptor *
content_descriptor(int kind)
{
	switch (kind) {
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION:
		return &smartmed__records__v1__observation__descriptor;
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_DOCUMENT:
		return &smartmed__records__v1__document__descriptor;
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_ALLERGY:
		return &smartmed__records__v1__allergy__descriptor;
	case SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS:
		return &smartmed__records__v1__vital_signs__descriptor;
	default:
		return NULL;
	}
}

static const ProtobufCMessage *
content_message(const records_entry *e)
{
	switch (e->content_case) {
	case SMARTMED__RECORDS__V1__ENTRY__CONTENT_OBSERVATION:
		return &e->observation->base;
	case SMARTMED__RECORDS__V1__ENTRY__CONTENT_DOCUMENT:
		return &e->document->base;
	case SMARTMED__RECORDS__V1__ENTRY__CONTENT_ALLERGY:
		return &e->allergy->base;
	case SMARTMED__RECORDS__V1__ENTRY__CONTENT_VITAL_SIGNS:
		return &e->vital_signs->base;
	default:
		return NULL;
	}
}

static med_err
unpack_content(med_arena *a, records_version *v)
{
	records_entry *e = v->e;
	const ProtobufCMessageDescriptor *d = content_descriptor(e->kind);
	ProtobufCAllocator alloc;
	ProtobufCMessage *m;

	if (d == NULL || v->content == NULL)
		return MED_OK;
	med_arena_pb_allocator(a, &alloc);
	m = protobuf_c_message_unpack(d, &alloc, v->content_len, v->content);
	if (m == NULL)
		return MED_ERR_DATA_LOSS;
	if (d == &smartmed__records__v1__observation__descriptor) {
		e->content_case =
			SMARTMED__RECORDS__V1__ENTRY__CONTENT_OBSERVATION;
		e->observation = (void *)m;
	} else if (d == &smartmed__records__v1__document__descriptor) {
		e->content_case =
			SMARTMED__RECORDS__V1__ENTRY__CONTENT_DOCUMENT;
		e->document = (void *)m;
	} else if (d == &smartmed__records__v1__allergy__descriptor) {
		e->content_case = SMARTMED__RECORDS__V1__ENTRY__CONTENT_ALLERGY;
		e->allergy = (void *)m;
	} else {
		e->content_case =
			SMARTMED__RECORDS__V1__ENTRY__CONTENT_VITAL_SIGNS;
		e->vital_signs = (void *)m;
	}
	return MED_OK;
}

static records_version *
push_version(version_rows *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		records_version *items =
			med_arena_alloc(r->arena, cap * sizeof(*items));

		if (items == NULL)
			return NULL;
		if (r->n)
			memcpy(items, r->items, r->n * sizeof(*items));
		r->items = items;
		r->cap = cap;
	}
	memset(&r->items[r->n], 0, sizeof(r->items[0]));
	r->items[r->n].e =
		med_arena_zalloc(r->arena, sizeof(*r->items[r->n].e));
	if (r->items[r->n].e == NULL)
		return NULL;
	smartmed__records__v1__entry__init(r->items[r->n].e);
	return &r->items[r->n++];
}

static med_err
copy_blob(med_arena *a, const med_db_row *row, size_t col, records_version *v)
{
	size_t len = 0;
	const char *p = med_db_row_text(row, col, &len);
	uint8_t *copy;

	if (p == NULL || len == 0)
		return MED_OK;
	if ((copy = med_arena_alloc(a, len)) == NULL)
		return MED_ERR_NOMEM;
	memcpy(copy, p, len);
	v->content = copy;
	v->content_len = len;
	return MED_OK;
}

static med_err
on_version_row(void *ctx, const med_db_row *row)
{
	version_rows *r = ctx;
	med_arena *a = r->arena;
	records_version *v = push_version(r);
	records_entry *e;
	med_err err;

	if (v == NULL)
		return MED_ERR_NOMEM;
	e = v->e;
	e->entry_id = med_db_row_strdup(a, row, 0);
	e->version = (uint32_t)med_db_row_int64(row, 1);
	e->patient_id = med_db_row_strdup(a, row, 2);
	e->kind = (Smartmed__Records__V1__EntryKind)med_db_row_int64(row, 3);
	e->title = med_db_row_strdup(a, row, 4);
	e->body = med_db_row_strdup(a, row, 5);
	e->author = med_db_row_strdup(a, row, 6);
	e->created_ms = med_db_row_int64(row, 7);
	e->content_sha256 = med_db_row_strdup(a, row, 8);
	e->status =
		(Smartmed__Records__V1__EntryStatus)med_db_row_int64(row, 9);
	e->replaces = (uint32_t)med_db_row_int64(row, 10);
	e->reason = med_db_row_strdup(a, row, 11);
	e->locked = med_db_row_int64(row, 12) != 0;
	e->signed_by = med_db_row_strdup(a, row, 13);
	e->signed_ms = med_db_row_int64(row, 14);
	v->addendum = med_db_row_strdup(a, row, 15);
	v->hash_alg = (int)med_db_row_int64(row, 17);
	e->chain_seq = (uint64_t)med_db_row_int64(row, 18);
	e->prev_hash = med_db_row_strdup(a, row, 19);
	e->chain_hash = med_db_row_strdup(a, row, 20);
	e->incomplete_reason = med_db_row_strdup(a, row, 21);
	e->incomplete = e->incomplete_reason && e->incomplete_reason[0];
	if (!e->entry_id || !e->patient_id || !e->title || !e->body ||
	    !e->author || !e->content_sha256 || !e->reason || !e->signed_by ||
	    !v->addendum || !e->prev_hash || !e->chain_hash ||
	    !e->incomplete_reason)
		return MED_ERR_NOMEM;
	if ((err = copy_blob(a, row, 16, v)) != MED_OK)
		return err;
	return r->unpack ? unpack_content(a, v) : MED_OK;
}

/* --- an entry's state, checked against the chain ------------------------ */

/* read_head reads an entry_heads row (index: with latest_version) or the
 * same columns of version 1, starting at column col. */
static med_err
read_head(med_arena *a, const med_db_row *row, size_t col, bool index,
	  records_head *h)
{
	h->present = med_db_row_int64(row, col++) != 0;
	h->latest_version = index ? (uint32_t)med_db_row_int64(row, col++) : 0;
	h->patient_id = med_db_row_strdup(a, row, col++);
	h->kind = (int)med_db_row_int64(row, col++);
	h->author = med_db_row_strdup(a, row, col++);
	h->created_ms = med_db_row_int64(row, col);
	return h->patient_id && h->author ? MED_OK : MED_ERR_NOMEM;
}

typedef struct entry_state {
	med_arena *arena;
	const char *entry_id;
	uint32_t chain_latest; /* 0: no versions */
	records_head head, first;
} entry_state;

static med_err
on_entry_state(void *ctx, const med_db_row *row)
{
	entry_state *st = ctx;
	med_err err;

	st->chain_latest = (uint32_t)med_db_row_int64(row, 0);
	err = read_head(st->arena, row, 1, true, &st->head);
	if (err == MED_OK)
		err = read_head(st->arena, row, 1 + N_HEAD_COLUMNS, false,
				&st->first);
	return err;
}

/* check_state: NOT_FOUND for an entry nobody wrote, DATA_LOSS (*fault)
 * when its index or version 1 disagree with its versions (or with row, a
 * verified version). */
static med_err
check_state(const entry_state *st, const records_entry *row,
	    records_fault *fault)
{
	med_err err =
		records_head_verify(st->arena, st->entry_id, st->chain_latest,
				    &st->head, &st->first, row, fault);

	if (err != MED_OK)
		return err;
	if (fault->check != NULL)
		return MED_ERR_DATA_LOSS;
	return st->chain_latest == 0 ? MED_ERR_NOT_FOUND : MED_OK;
}

/* load_state reads and checks an entry's state in c's transaction. */
static med_err
load_state(med_db_conn *c, med_arena *a, const char *entry_id, entry_state *st,
	   records_fault *fault)
{
	med_db_value k[] = {MED_DB_STR(entry_id)};
	med_err err;

	memset(st, 0, sizeof(*st));
	st->arena = a;
	st->entry_id = entry_id;
	err = med_db_query(c, ENTRY_STATE_SQL, k, 1, on_entry_state, st);
	return err != MED_OK ? err : check_state(st, NULL, fault);
}

/* verify_rows verifies every version read; DATA_LOSS (*fault) on the
 * first that does not match its hashes. */
static med_err
verify_rows(med_arena *a, const version_rows *rows, records_fault *fault)
{
	for (size_t i = 0; i < rows->n; i++) {
		med_err err = records_version_verify(a, &rows->items[i], fault);

		if (err != MED_OK)
			return err;
		if (fault->check != NULL)
			return MED_ERR_DATA_LOSS;
	}
	return MED_OK;
}

/*
 * read_range reads versions from..to of an entry, oldest first, and with
 * addenda the earlier versions that added one (their text belongs to
 * every later version).
 */
static med_err
read_range(med_db_conn *c, version_rows *rows, const char *entry_id,
	   uint32_t from, uint32_t to, bool with_addenda)
{
	med_db_value v[] = {MED_DB_STR(entry_id), MED_DB_I64(from),
			    MED_DB_I64(to),
			    MED_DB_I64(with_addenda ? from : 0)};

	return med_db_query(c,
			    "SELECT " VERSION_COLUMNS " FROM entries e"
			    " WHERE entry_id = ? AND (version BETWEEN ? AND ?"
			    " OR (version < ? AND addendum <> ''))"
			    " ORDER BY version",
			    v, 4, on_version_row, rows);
}

/* check_range: every version from..to was read (the rows end with them);
 * a gap is a version deleted from the chain. */
static med_err
check_range(med_arena *a, const version_rows *rows, const char *entry_id,
	    uint32_t from, uint32_t to, records_fault *fault)
{
	uint32_t want = to;
	char expected[24];
	med_err err;

	for (size_t i = rows->n; i-- > 0 && want >= from; want--)
		if (rows->items[i].e->version != want)
			break;
	if (want < from)
		return MED_OK;
	snprintf(expected, sizeof(expected), "%u", want);
	err = records_fault_set(a, fault, entry_id, want, "sequence", expected,
				"none");
	return err != MED_OK ? err : MED_ERR_DATA_LOSS;
}

/* fill_addenda gives each version the addenda up to itself. */
static med_err
fill_addenda(med_arena *a, version_rows *rows)
{
	Smartmed__Records__V1__Addendum **all =
		med_arena_alloc(a, (rows->n + 1) * sizeof(*all));
	size_t n = 0;

	if (all == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < rows->n; i++) {
		records_version *v = &rows->items[i];

		if (v->addendum[0] != '\0') {
			Smartmed__Records__V1__Addendum *ad =
				med_arena_zalloc(a, sizeof(*ad));

			if (ad == NULL)
				return MED_ERR_NOMEM;
			smartmed__records__v1__addendum__init(ad);
			ad->text = (char *)v->addendum;
			ad->author = v->e->author;
			ad->created_ms = v->e->created_ms;
			ad->version = v->e->version;
			all[n++] = ad;
		}
		v->e->addenda = n ? all : NULL;
		v->e->n_addenda = n;
	}
	return MED_OK;
}

/*
 * read_verified reads versions from..to of st's entry (with_addenda: and
 * the earlier versions that added one), requires all of them, verifies
 * each and the entry's state against the last, and with_addenda gives
 * each version its addenda.  DATA_LOSS (*fault) on the first mismatch.
 */
static med_err
read_verified(med_db_conn *c, const entry_state *st, uint32_t from, uint32_t to,
	      bool with_addenda, version_rows *rows, records_fault *fault)
{
	med_err err;

	if ((err = read_range(c, rows, st->entry_id, from, to, with_addenda)) !=
		    MED_OK ||
	    (err = check_range(st->arena, rows, st->entry_id, from, to,
			       fault)) != MED_OK ||
	    (err = verify_rows(st->arena, rows, fault)) != MED_OK ||
	    (err = check_state(st, rows->items[rows->n - 1].e, fault)) !=
		    MED_OK)
		return err;
	return with_addenda ? fill_addenda(st->arena, rows) : MED_OK;
}

/* --- writing a version --------------------------------------------------- */

typedef struct head_row {
	const char *patient_id;
	const char *author;
	uint64_t seq;
	char *hash;
	med_arena *arena;
	bool found;
} head_row;

static med_err
on_chain_head(void *ctx, const med_db_row *row)
{
	head_row *h = ctx;

	h->seq = (uint64_t)med_db_row_int64(row, 0);
	h->hash = med_db_row_strdup(h->arena, row, 1);
	h->found = true;
	return h->hash ? MED_OK : MED_ERR_NOMEM;
}

/*
 * chain_legacy gives the versions written before the chain existed their
 * chain fields, oldest first, continuing from *seq and *head.
 */
static med_err
chain_legacy(med_db_conn *c, med_arena *a, const char *patient_id,
	     uint64_t *seq, char **head)
{
	version_rows rows = {.arena = a};
	med_db_value k[] = {MED_DB_STR(patient_id)};
	med_err err = med_db_query(
		c,
		"SELECT " VERSION_COLUMNS " FROM entries e WHERE patient_id = ?"
		" AND chain_seq IS NULL ORDER BY created_ms, entry_id, version",
		k, 1, on_version_row, &rows);

	for (size_t i = 0; err == MED_OK && i < rows.n; i++) {
		records_entry *e = rows.items[i].e;
		char *h = records_chain_hash(a, e->content_sha256, *head);
		med_db_value v[] = {MED_DB_I64((int64_t)*seq + 1),
				    MED_DB_STR(*head), MED_DB_STR(h ? h : ""),
				    MED_DB_STR(e->entry_id),
				    MED_DB_I64(e->version)};

		if (h == NULL)
			return MED_ERR_NOMEM;
		err = med_db_exec(c,
				  "UPDATE entries SET chain_seq = ?,"
				  " prev_hash = ?, chain_hash = ?"
				  " WHERE entry_id = ? AND version = ?"
				  " AND chain_seq IS NULL",
				  v, 5, NULL, NULL);
		*seq += 1;
		*head = h;
	}
	return err;
}

/* lock_head locks the patient's chain head row; h->found says if any. */
static med_err
lock_head(med_db_conn *c, const med_db_value *k, head_row *h)
{
	h->found = false;
	return med_db_query(c,
			    "SELECT seq, head_hash FROM chain_heads"
			    " WHERE patient_id = ? FOR UPDATE",
			    k, 1, on_chain_head, h);
}

/* lock_chain locks (creating it if new) the patient's chain head.  A
 * patient's first write creates the row; every later one only locks it,
 * in one statement. */
static med_err
lock_chain(med_db_conn *c, med_arena *a, const char *patient_id, head_row *h)
{
	med_db_value k[] = {MED_DB_STR(patient_id)};
	med_err err;

	h->arena = a;
	err = lock_head(c, k, h);
	if (err == MED_OK && !h->found &&
	    (err = med_db_exec(c,
			       "INSERT INTO chain_heads (patient_id, seq,"
			       " head_hash) VALUES (?, 0, '')"
			       " ON DUPLICATE KEY UPDATE seq = seq",
			       k, 1, NULL, NULL)) == MED_OK)
		err = lock_head(c, k, h);
	if (err == MED_OK && !h->found)
		err = MED_ERR_INTERNAL;
	if (err == MED_OK && h->seq == 0)
		err = chain_legacy(c, a, patient_id, &h->seq, &h->hash);
	return err;
}

/*
 * records_store_lock_entry locks an entry's index row, then reads and
 * verifies its latest chained version: a change copies fields from it and
 * seals them into a new hash, so a tampered row must never get that far.
 * The patient and the owner come from version 1, checked against the
 * index.
 */
med_err
records_store_lock_entry(med_db_conn *c, med_arena *a, const char *entry_id,
			 records_locked *out, records_fault *fault)
{
	med_db_value k[] = {MED_DB_STR(entry_id)};
	version_rows rows = {.arena = a, .unpack = true};
	entry_state st;
	bool indexed = false; /* a missing index row: load_state says so */
	med_err err;

	/* The lock comes first: what is read after it is the newest. */
	err = med_db_query(c,
			   "SELECT 1 FROM entry_heads WHERE entry_id = ?"
			   " FOR UPDATE",
			   k, 1, med_db_row_seen, &indexed);
	if (err != MED_OK ||
	    (err = load_state(c, a, entry_id, &st, fault)) != MED_OK ||
	    (err = read_verified(c, &st, st.chain_latest, st.chain_latest,
				 false, &rows, fault)) != MED_OK)
		return err;
	out->latest = rows.items[0];
	out->patient_id = st.first.patient_id;
	out->owner = st.first.author;
	return MED_OK;
}

med_err
records_store_lock_chain(med_db_conn *c, med_arena *a, const char *patient_id,
			 records_chain_head *out)
{
	head_row h = {0};
	med_err err = lock_chain(c, a, patient_id, &h);

	if (err != MED_OK)
		return err;
	out->seq = h.seq;
	out->hash = h.hash;
	return MED_OK;
}

/* pack_content packs the typed content, without a document's bytes. */
static med_err
pack_content(med_arena *a, records_version *v)
{
	records_entry *e = v->e;
	const ProtobufCMessage *m;
	uint8_t *buf;
	size_t len;

	if (e->content_case == SMARTMED__RECORDS__V1__ENTRY__CONTENT_DOCUMENT) {
		Smartmed__Records__V1__Document *d =
			med_arena_alloc(a, sizeof(*d));

		if (d == NULL)
			return MED_ERR_NOMEM;
		*d = *e->document;
		d->data.data = NULL;
		d->data.len = 0;
		e->document = d;
	}
	if ((m = content_message(e)) == NULL)
		return MED_OK;
	len = protobuf_c_message_get_packed_size(m);
	if ((buf = med_arena_alloc(a, len ? len : 1)) == NULL)
		return MED_ERR_NOMEM;
	protobuf_c_message_pack(m, buf);
	v->content = buf;
	v->content_len = len;
	return MED_OK;
}

med_err
records_store_attach(med_db_conn *c, const Smartmed__Records__V1__Document *d)
{
	if (d == NULL || d->data.len == 0)
		return MED_OK;
	med_db_value v[] = {MED_DB_STR(d->sha256),
			    MED_DB_I64((int64_t)d->data.len),
			    MED_DB_BLOBV(d->data.data, d->data.len),
			    MED_DB_I64(med_now_ms())};
	/* The same bytes are kept once, whoever stores them again. */
	return med_db_exec(c,
			   "INSERT IGNORE INTO attachments (sha256, size, data,"
			   " created_ms) VALUES (?, ?, ?, ?)",
			   v, 4, NULL, NULL);
}

static med_err
insert_version(med_db_conn *c, const records_version *v)
{
	const records_entry *e = v->e;
	med_db_value p[] = {
		MED_DB_STR(e->entry_id),
		MED_DB_I64(e->version),
		MED_DB_STR(e->patient_id),
		MED_DB_I64(e->kind),
		MED_DB_STR(e->title),
		MED_DB_STR(e->body),
		MED_DB_STR(e->author),
		MED_DB_I64(e->created_ms),
		MED_DB_STR(e->content_sha256),
		MED_DB_I64(e->status),
		MED_DB_I64(e->replaces),
		MED_DB_STR(e->reason),
		MED_DB_I64(e->locked ? 1 : 0),
		MED_DB_STR(e->signed_by),
		MED_DB_I64(e->signed_ms),
		MED_DB_STR(v->addendum),
		v->content ? MED_DB_BLOBV(v->content, v->content_len)
			   : MED_DB_NULLV(),
		MED_DB_I64(v->hash_alg),
		MED_DB_I64((int64_t)e->chain_seq),
		MED_DB_STR(e->prev_hash),
		MED_DB_STR(e->chain_hash),
		MED_DB_STR(e->incomplete ? e->incomplete_reason : ""),
	};

	return med_db_exec(c,
			   "INSERT INTO entries (entry_id, version, patient_id,"
			   " kind, title, body, author, created_ms,"
			   " content_sha256, status, replaces, reason, locked,"
			   " signed_by, signed_ms, addendum, content, hash_alg,"
			   " chain_seq, prev_hash, chain_hash, note_stopped)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			   " ?, ?, ?, ?, ?, ?, ?, ?)",
			   p, N_VERSION_COLUMNS, NULL, NULL);
}

/* move_chain_head points the patient's chain head at version v. */
static med_err
move_chain_head(med_db_conn *c, const records_entry *e)
{
	med_db_value h[] = {MED_DB_I64((int64_t)e->chain_seq),
			    MED_DB_STR(e->chain_hash),
			    MED_DB_STR(e->patient_id)};

	return med_db_exec(c,
			   "UPDATE chain_heads SET seq = ?, head_hash = ?"
			   " WHERE patient_id = ?",
			   h, 3, NULL, NULL);
}

/*
 * update_heads writes the entry's index row and moves the chain head.  A
 * change moves both rows (each locked by this transaction already) in one
 * statement; a new entry inserts its index row, then moves the head.
 */
static med_err
update_heads(med_db_conn *c, const records_version *v)
{
	const records_entry *e = v->e;
	med_err err;

	if (e->version != 1) {
		med_db_value p[] = {MED_DB_I64(e->version),
				    MED_DB_I64((int64_t)e->chain_seq),
				    MED_DB_STR(e->chain_hash),
				    MED_DB_STR(e->entry_id),
				    MED_DB_STR(e->patient_id)};

		return med_db_exec(c,
				   "UPDATE entry_heads h, chain_heads ch"
				   " SET h.latest_version = ?, ch.seq = ?,"
				   " ch.head_hash = ? WHERE h.entry_id = ?"
				   " AND ch.patient_id = ?",
				   p, 5, NULL, NULL);
	}
	med_db_value p[] = {MED_DB_STR(e->entry_id), MED_DB_STR(e->patient_id),
			    MED_DB_I64(e->kind), MED_DB_STR(e->author),
			    MED_DB_I64(e->created_ms)};

	err = med_db_exec(c,
			  "INSERT INTO entry_heads (entry_id,"
			  " patient_id, kind, author, created_ms,"
			  " latest_version) VALUES (?, ?, ?, ?, ?, 1)",
			  p, 5, NULL, NULL);
	return err == MED_OK ? move_chain_head(c, e) : err;
}

/* seal sets the version's content hash and its link in the chain. */
static med_err
seal(med_arena *a, records_version *v, const records_chain_head *ch)
{
	records_entry *e = v->e;

	e->chain_seq = ch->seq + 1;
	e->prev_hash = (char *)ch->hash;
	e->content_sha256 = records_content_hash(a, v);
	if (e->content_sha256 == NULL)
		return MED_ERR_NOMEM;
	e->chain_hash = records_chain_hash(a, e->content_sha256, e->prev_hash);
	return e->chain_hash ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_store_seal(med_arena *a, records_version *v,
		   const records_chain_head *ch)
{
	med_err err = pack_content(a, v);

	return err != MED_OK ? err : seal(a, v, ch);
}

med_err
records_store_insert(med_db_conn *c, const records_version *v)
{
	med_err err = insert_version(c, v);

	return err != MED_OK ? err : update_heads(c, v);
}

/* patient_row takes version 1's patient into the arena of its ctx. */
typedef struct patient_row {
	med_arena *arena;
	const char *patient_id;
} patient_row;

static med_err
on_patient_row(void *ctx, const med_db_row *row)
{
	patient_row *r = ctx;

	r->patient_id = med_db_row_strdup(r->arena, row, 0);
	return r->patient_id != NULL ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_store_patient_of(med_db *db, med_arena *arena, const char *entry_id,
			 const char **out)
{
	med_db_value k[] = {MED_DB_STR(entry_id)};
	patient_row r = {.arena = arena};
	med_err err;

	err = med_db_query_once(db,
				"SELECT patient_id FROM entries"
				" WHERE entry_id = ? AND version = 1",
				k, 1, on_patient_row, &r);
	if (err == MED_OK)
		*out = r.patient_id;
	return err;
}

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
	med_err err = load_state(c, r->arena, r->entry_id, &st, r->fault);

	if (err != MED_OK)
		return err;
	want = r->version ? r->version : st.chain_latest;
	if (want > st.chain_latest)
		return MED_ERR_NOT_FOUND;
	err = read_verified(c, &st, want, want, true, &rows, r->fault);
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
	med_err err = load_state(c, r->arena, r->entry_id, &st, r->fault);

	r->n = 0;
	r->more = false;
	if (err != MED_OK || r->after >= st.chain_latest)
		return err;
	if ((err = read_sizes(c, r->arena, r->entry_id, st.chain_latest,
			      &sizes)) != MED_OK)
		return err;
	last = plan_history(&sizes, r->after, r->slice);
	err = read_verified(c, &st, from, last, true, &rows, r->fault);
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

	if ((err = on_version_row(&r->rows, row)) != MED_OK ||
	    (err = read_head(r->arena, row, N_VERSION_COLUMNS, true, &head)) !=
		    MED_OK ||
	    (err = read_head(r->arena, row, N_VERSION_COLUMNS + N_HEAD_COLUMNS,
			     false, &first)) != MED_OK)
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
				   v, 2, on_version_row, &rows);
	if (err != MED_OK ||
	    (err = verify_rows(r->arena, &rows, r->fault)) != MED_OK)
		return err;
	/* The listed version last, so that it ends up with all of them. */
	if ((last = push_version(&rows)) == NULL)
		return MED_ERR_NOMEM;
	*last = *latest;
	return fill_addenda(r->arena, &rows);
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
	if ((err = lock_chain(c, w->arena, w->patient_id, &w->head)) != MED_OK)
		return err;
	err = med_db_query(c,
			   "SELECT " VERSION_COLUMNS " FROM entries e"
			   " WHERE patient_id = ? ORDER BY chain_seq",
			   k, 1, on_version_row, &w->rows);
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
	if ((err = read_head(w->arena, row, 2, true, &h->head)) != MED_OK)
		return err;
	return read_head(w->arena, row, 2 + N_HEAD_COLUMNS, false, &h->first);
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
