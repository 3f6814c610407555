/*
 * store_int.h - what the records store's files share and nothing else
 * includes: the columns of a version row, the rows read into records
 * versions, an entry's state checked against the chain, and the patient's
 * chain head locked for a write (store_rows.c).  store.c reads with them,
 * store_write.c writes with them.
 */
#ifndef RECORDS_STORE_INT_H
#define RECORDS_STORE_INT_H

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

/* version_rows - versions read from entries rows (records__on_version_row),
 * in arena; unpack: typed content as messages (false: raw bytes only). */
typedef struct version_rows {
	med_arena *arena;
	bool unpack; /* typed content as messages (false: raw bytes only) */
	records_version *items;
	size_t n, cap;
} version_rows;

/* entry_state - one entry: its highest chained version, its index row and
 * its version 1, each possibly missing. */
typedef struct entry_state {
	med_arena *arena;
	const char *entry_id;
	uint32_t chain_latest; /* 0: no versions */
	records_head head, first;
} entry_state;

/* head_row - a patient's chain head row, locked (records__lock_chain). */
typedef struct head_row {
	const char *patient_id;
	const char *author;
	uint64_t seq;
	char *hash;
	med_arena *arena;
	bool found;
} head_row;

/* records__on_version_row reads one row of VERSION_COLUMNS into ctx, a
 * version_rows. */
med_err records__on_version_row(void *ctx, const med_db_row *row);

/* records__push_version adds a zeroed version to r; NULL when full. */
records_version *records__push_version(version_rows *r);

/* records__content_message is e's typed content, or NULL. */
const ProtobufCMessage *records__content_message(const records_entry *e);

/* records__read_head reads HEAD_COLUMNS (index) or FIRST_COLUMNS from
 * column col of row into h. */
med_err records__read_head(med_arena *a, const med_db_row *row, size_t col,
			   bool index, records_head *h) MED_MUST_CHECK;

/* records__load_state reads and checks an entry's state in c's
 * transaction: MED_ERR_NOT_FOUND, MED_ERR_DATA_LOSS (*fault). */
med_err records__load_state(med_db_conn *c, med_arena *a, const char *entry_id,
			    entry_state *st,
			    records_fault *fault) MED_MUST_CHECK;

/* records__verify_rows verifies every version read; MED_ERR_DATA_LOSS
 * (*fault) on the first that does not match its hashes. */
med_err records__verify_rows(med_arena *a, const version_rows *rows,
			     records_fault *fault) MED_MUST_CHECK;

/* records__fill_addenda gives each version the addenda up to itself. */
med_err records__fill_addenda(med_arena *a, version_rows *rows) MED_MUST_CHECK;

/* records__read_verified reads versions from..to of st's entry (with
 * addenda: and the earlier versions that added one), requires and
 * verifies them all and the state against the last. */
med_err records__read_verified(med_db_conn *c, const entry_state *st,
			       uint32_t from, uint32_t to, bool with_addenda,
			       version_rows *rows,
			       records_fault *fault) MED_MUST_CHECK;

/* records__lock_chain locks (creating it if new) the patient's chain head
 * and chains the versions written before the chain existed. */
med_err records__lock_chain(med_db_conn *c, med_arena *a,
			    const char *patient_id, head_row *h) MED_MUST_CHECK;

#endif
