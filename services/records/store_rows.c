/*
 * store_rows.c - the rows under every read and write of entries: a
 * version row read into a records_version (its typed content unpacked),
 * an entry's state (highest chained version, index row, version 1) read
 * and checked against the chain, a range of versions read and verified,
 * and a patient's chain head locked, with the versions written before the
 * chain existed chained first.  Works on the caller's connection.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "store_int.h"

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

const ProtobufCMessage *
records__content_message(const records_entry *e)
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

records_version *
records__push_version(version_rows *r)
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

med_err
records__on_version_row(void *ctx, const med_db_row *row)
{
	version_rows *r = ctx;
	med_arena *a = r->arena;
	records_version *v = records__push_version(r);
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

/* records__read_head reads an entry_heads row (index: with latest_version) or
 * the same columns of version 1, starting at column col. */
med_err
records__read_head(med_arena *a, const med_db_row *row, size_t col, bool index,
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

static med_err
on_entry_state(void *ctx, const med_db_row *row)
{
	entry_state *st = ctx;
	med_err err;

	st->chain_latest = (uint32_t)med_db_row_int64(row, 0);
	err = records__read_head(st->arena, row, 1, true, &st->head);
	if (err == MED_OK)
		err = records__read_head(st->arena, row, 1 + N_HEAD_COLUMNS,
					 false, &st->first);
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

/* records__load_state reads and checks an entry's state in c's transaction. */
med_err
records__load_state(med_db_conn *c, med_arena *a, const char *entry_id,
		    entry_state *st, records_fault *fault)
{
	med_db_value k[] = {MED_DB_STR(entry_id)};
	med_err err;

	memset(st, 0, sizeof(*st));
	st->arena = a;
	st->entry_id = entry_id;
	err = med_db_query(c, ENTRY_STATE_SQL, k, 1, on_entry_state, st);
	return err != MED_OK ? err : check_state(st, NULL, fault);
}

/* records__verify_rows verifies every version read; DATA_LOSS (*fault) on the
 * first that does not match its hashes. */
med_err
records__verify_rows(med_arena *a, const version_rows *rows,
		     records_fault *fault)
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
			    v, 4, records__on_version_row, rows);
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

/* records__fill_addenda gives each version the addenda up to itself. */
med_err
records__fill_addenda(med_arena *a, version_rows *rows)
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
 * records__read_verified reads versions from..to of st's entry (with_addenda:
 * and the earlier versions that added one), requires all of them, verifies each
 * and the entry's state against the last, and with_addenda gives each version
 * its addenda.  DATA_LOSS (*fault) on the first mismatch.
 */
med_err
records__read_verified(med_db_conn *c, const entry_state *st, uint32_t from,
		       uint32_t to, bool with_addenda, version_rows *rows,
		       records_fault *fault)
{
	med_err err;

	if ((err = read_range(c, rows, st->entry_id, from, to, with_addenda)) !=
		    MED_OK ||
	    (err = check_range(st->arena, rows, st->entry_id, from, to,
			       fault)) != MED_OK ||
	    (err = records__verify_rows(st->arena, rows, fault)) != MED_OK ||
	    (err = check_state(st, rows->items[rows->n - 1].e, fault)) !=
		    MED_OK)
		return err;
	return with_addenda ? records__fill_addenda(st->arena, rows) : MED_OK;
}

/* --- the chain head ------------------------------------------------------ */

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
		k, 1, records__on_version_row, &rows);

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

/* records__lock_chain locks (creating it if new) the patient's chain head.  A
 * patient's first write creates the row; every later one only locks it,
 * in one statement. */
med_err
records__lock_chain(med_db_conn *c, med_arena *a, const char *patient_id,
		    head_row *h)
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
