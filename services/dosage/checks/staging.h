/*
 * staging.h - one way for a pharmacist's change to the catalogue or the
 * allergy names to take effect (staging.c): compared with what is in force,
 * in force at once when it only adds or tightens, else kept pending until a
 * second pharmacist approves it.  A kind says how its rows are read,
 * compared and written (staging_ops); the transaction, the record
 * (store_catalogue.h), the refusals and the audit are shared.
 */
#ifndef DOSAGE_STAGING_H
#define DOSAGE_STAGING_H

#include "dosage.h"
#include "interactions.h"
#include "store_catalogue.h"

typedef struct dosage_staging dosage_staging;

/* staging_ops - how one kind of import is read, compared and written. */
typedef struct staging_ops {
	const char *kind;  /* as kept: "catalogue", "allergy_names" */
	const char *event; /* audit events "<event>_imported|staged|approved" */
	/* rows reads s->rec.body into s's rows (it passed when imported). */
	med_err (*rows)(dosage_staging *s);
	/* compare adds to s->diff what the rows change in force, and the
	 * digest of what it read to s->base_sha256. */
	med_err (*compare)(med_db_conn *c, dosage_staging *s);
	/* write puts the rows in force. */
	med_err (*write)(med_db_conn *c, dosage_staging *s);
} staging_ops;

/* Why an approval cannot be given. */
typedef enum staging_refusal {
	STAGING_OK = 0,
	STAGING_NOT_PENDING,
	STAGING_SAME_PERSON,
	STAGING_BASE_CHANGED,
} staging_refusal;

struct dosage_staging {
	const staging_ops *ops;
	med_call *call;
	med_arena *arena;
	void *rows; /* the kind's parsed rows */
	size_t n;
	int64_t now_ms;
	dosage_ddi_diff diff;
	size_t diff_cap;
	char base_sha256[65];
	dosage_catalogue_import rec;
	staging_refusal refusal;
	bool named;	  /* the call failed with the reason already */
	uint64_t version; /* allergy names: the version written */
};

/* dosage_staging_begin sets s up for call and ops (now, arena, record
 * kind, the caller as importer). */
void dosage_staging_begin(dosage_staging *s, med_call *call,
			  const staging_ops *ops);

/* dosage_staging_digest ends a compare: the digest of the lines (one per
 * row read in force) that any write to those rows would change. */
void dosage_staging_digest(dosage_staging *s, const char *lines);

/* dosage_staging_import runs an import of s's rows (parsed from text,
 * len bytes, n_rows of them) in one transaction: in force at once, or
 * kept pending with the text.  Errors: the store's (the call not
 * failed). */
med_err dosage_staging_import(dosage_staging *s, const void *text, size_t len,
			      size_t n_rows) MED_MUST_CHECK;

/* dosage_staging_approve puts import import_id in force in one
 * transaction, failing the call with the reason when it may not be
 * (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION; s->named set); other
 * errors the write's, the call not failed. */
med_err dosage_staging_approve(dosage_staging *s,
			       uint64_t import_id) MED_MUST_CHECK;

#endif
