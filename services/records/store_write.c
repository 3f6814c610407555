/*
 * store_write.c - the write vocabulary of entries (records.h, "The write
 * vocabulary"): lock an entry and its patient's chain head, seal a
 * version, store its attachment, insert it and move the heads.  entries
 * is only ever inserted into (the one exception: versions written before
 * the chain existed get their chain fields once, store_rows.c).  Every
 * function works in the transaction of write.c's use case, on its
 * connection.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "store_int.h"

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
	bool indexed =
		false; /* a missing index row: records__load_state says so */
	med_err err;

	/* The lock comes first: what is read after it is the newest. */
	err = med_db_query(c,
			   "SELECT 1 FROM entry_heads WHERE entry_id = ?"
			   " FOR UPDATE",
			   k, 1, med_db_row_seen, &indexed);
	if (err != MED_OK ||
	    (err = records__load_state(c, a, entry_id, &st, fault)) != MED_OK ||
	    (err = records__read_verified(c, &st, st.chain_latest,
					  st.chain_latest, false, &rows,
					  fault)) != MED_OK)
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
	med_err err = records__lock_chain(c, a, patient_id, &h);

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
	if ((m = records__content_message(e)) == NULL)
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
