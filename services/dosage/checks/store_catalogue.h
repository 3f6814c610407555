/*
 * store_catalogue.h - catalogue imports as kept (store_catalogue.c): the
 * record of each import and the staged ones a second pharmacist approves
 * (handlers_catalogue.c).
 */
#ifndef DOSAGE_STORE_CATALOGUE_H
#define DOSAGE_STORE_CATALOGUE_H

#include "dosage.h"

/* dosage_catalogue_import - one import as kept. */
typedef struct dosage_catalogue_import {
	int64_t id;
	const char *kind;   /* "catalogue" or "allergy_names" */
	char kind_seen[17]; /* the kind as kept (lock) */
	bool pending;
	char sha256[65];      /* of the CSV text */
	char base_sha256[65]; /* of the entries it was compared with */
	char *body;	      /* the CSV text (arena), len bytes */
	size_t len, n_rows;
	const char *changes; /* the counts of each kind of change */
	char imported_by[129], approved_by[129];
	int64_t imported_ms, approved_ms;
} dosage_catalogue_import;

/* dosage_store_catalogue_import_put keeps r (pending or accepted) and
 * gives its id. */
med_err dosage_store_catalogue_import_put(med_db_conn *c,
					  const dosage_catalogue_import *r,
					  int64_t *id) MED_MUST_CHECK;

/* dosage_store_catalogue_import_lock reads import id into r (its body in
 * a; r->kind kept, the stored kind in r->kind_seen), locked until the
 * transaction ends.  MED_ERR_NOT_FOUND when none. */
med_err
dosage_store_catalogue_import_lock(med_db_conn *c, med_arena *a, int64_t id,
				   dosage_catalogue_import *r) MED_MUST_CHECK;

/* dosage_store_catalogue_import_accept marks import id in force, approved
 * by `by` at now_ms. */
med_err dosage_store_catalogue_import_accept(med_db_conn *c, int64_t id,
					     const char *by,
					     int64_t now_ms) MED_MUST_CHECK;

#endif
