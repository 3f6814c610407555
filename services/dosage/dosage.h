/*
 * dosage.h - the dosage service's internal interfaces: the drug catalogue
 * with dose limits (handlers.c → domain.c → store.c).
 */
#ifndef DOSAGE_H
#define DOSAGE_H

#include <med/db.h>
#include <med/rpc.h>

#include "smartmed/dosage/v1/dosage.pb-c.h"

extern const med_method dosage_methods[];
extern const size_t dosage_n_methods;
extern const med_db_migration dosage_migrations[];
extern const size_t dosage_n_migrations;

/* dosage_check_code requires a catalogue code (field names the field). */
med_err dosage_check_code(med_call *call, const char *field,
			  const char *code) MED_MUST_CHECK;

/* dosage_check_drug applies the catalogue rules to an upserted entry. */
med_err dosage_check_drug(med_call *call,
			  const Smartmed__Dosage__V1__Drug *d) MED_MUST_CHECK;

/* dosage_store_upsert writes d and reads the stored entry back into out
 * (revision and updated_ms set by the store), in one transaction. */
med_err dosage_store_upsert(med_db *db, med_arena *arena,
			    const Smartmed__Dosage__V1__Drug *d,
			    Smartmed__Dosage__V1__Drug *out) MED_MUST_CHECK;

/* dosage_store_get reads the entry with code into out. */
med_err dosage_store_get(med_db *db, med_arena *arena, const char *code,
			 Smartmed__Dosage__V1__Drug *out) MED_MUST_CHECK;

/* dosage_store_list lists entries by code, optionally by name prefix. */
med_err dosage_store_list(med_db *db, med_arena *arena, const char *name_prefix,
			  uint64_t offset, uint32_t limit,
			  Smartmed__Dosage__V1__Drug ***out,
			  size_t *n) MED_MUST_CHECK;

#endif
