/*
 * records.h - the records service's internal interfaces: immutable,
 * versioned record entries (handlers.c → domain.c → store.c).
 */
#ifndef RECORDS_H
#define RECORDS_H

#include <med/db.h>
#include <med/rpc.h>

#include "smartmed/records/v1/records.pb-c.h"

extern const med_method records_methods[];
extern const size_t records_n_methods;
extern const med_db_migration records_migrations[];
extern const size_t records_n_migrations;

/* records_check_create applies the rules for a new entry. */
med_err records_check_create(
	med_call *call,
	const Smartmed__Records__V1__CreateEntryRequest *req) MED_MUST_CHECK;

/*
 * records_content_hash sets e->content_sha256 (lower-case hex, in arena) to
 * the SHA-256 of the version's canonical content: every field but the hash,
 * each length-prefixed, so no two versions share an encoding.
 */
med_err records_content_hash(med_arena *arena,
			     Smartmed__Records__V1__Entry *e) MED_MUST_CHECK;

/* records_store_insert stores one version. */
med_err records_store_insert(med_db *db, const Smartmed__Records__V1__Entry *e)
	MED_MUST_CHECK;

/* records_store_get reads version (0 = latest) of entry_id into out. */
med_err records_store_get(med_db *db, med_arena *arena, const char *entry_id,
			  uint32_t version,
			  Smartmed__Records__V1__Entry *out) MED_MUST_CHECK;

/* records_store_list returns the latest versions of a patient's entries,
 * newest first. */
med_err records_store_list(med_db *db, med_arena *arena, const char *patient_id,
			   uint64_t offset, uint32_t limit,
			   Smartmed__Records__V1__Entry ***out,
			   size_t *n) MED_MUST_CHECK;

#endif
