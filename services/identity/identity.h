/*
 * identity.h - the identity service's internal interfaces: the master
 * patient index (handlers.c → domain.c rules → store.c SQL).
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <med/db.h>
#include <med/rpc.h>

#include "smartmed/identity/v1/identity.pb-c.h"

/* identity_methods is the RPC table served by the process. */
extern const med_method identity_methods[];
extern const size_t identity_n_methods;

/* identity_migrations is the schema, in version order. */
extern const med_db_migration identity_migrations[];
extern const size_t identity_n_migrations;

/* identity_check_create applies the registration rules to a request. */
med_err identity_check_create(
	med_call *call,
	const Smartmed__Identity__V1__CreatePatientRequest *req) MED_MUST_CHECK;

/* identity_check_search requires at least one usable criterion. */
med_err
identity_check_search(med_call *call,
		      const Smartmed__Identity__V1__SearchPatientsRequest *req)
	MED_MUST_CHECK;

/* identity_store_insert stores p (all fields set by the caller). */
med_err
identity_store_insert(med_db *db,
		      const Smartmed__Identity__V1__Patient *p) MED_MUST_CHECK;

/* identity_store_get fills out (strings in arena) by id or by mrn. */
med_err identity_store_get(med_db *db, med_arena *arena, const char *column,
			   const char *key,
			   Smartmed__Identity__V1__Patient *out) MED_MUST_CHECK;

/*
 * identity_store_search returns up to limit patients (arena-allocated array
 * in *out, count in *n) matching the non-empty criteria.
 */
med_err identity_store_search(med_db *db, med_arena *arena,
			      const char *family_prefix, const char *birth_date,
			      uint64_t offset, uint32_t limit,
			      Smartmed__Identity__V1__Patient ***out,
			      size_t *n) MED_MUST_CHECK;

#endif
