/*
 * store_ddi.h - the interaction knowledge base in SQL (store_ddi.c), for
 * the glue that caches it (ddi_checks.c) and its RPCs (handlers_ddi.c).
 */
#ifndef DOSAGE_STORE_DDI_H
#define DOSAGE_STORE_DDI_H

#include <med/audit.h>
#include <med/db.h>
#include <med/rpc.h>

#include "interactions.h"

/* dosage_ddi_info - the active version (kb_id 0: none). */
typedef struct dosage_ddi_info {
	int64_t kb_id;
	char version[DOSAGE_DDI_VERSION_MAX + 1];
	char origin[16]; /* "shipped" or "import" */
	int64_t n_rules, n_groups;
	char imported_by[128];
	int64_t imported_ms;
	char sha256[65];
} dosage_ddi_info;

/* dosage_store_ddi_active reads the active version into info. */
med_err dosage_store_ddi_active(med_db *db,
				dosage_ddi_info *info) MED_MUST_CHECK;

/* dosage_store_ddi_body reads version kb_id's text (NUL-terminated, in
 * a).  Errors: NOT_FOUND, UNAVAILABLE, NOMEM. */
med_err dosage_store_ddi_body(med_db *db, med_arena *a, int64_t kb_id,
			      char **body, size_t *len) MED_MUST_CHECK;

/* dosage_ddi_save - a checked knowledge base to store and activate. */
typedef struct dosage_ddi_save {
	const dosage_ddi_kb *kb;
	const char *text; /* as imported */
	size_t len;
	char sha256[65];
	const char *origin; /* "shipped" or "import" */
	const char *by;	    /* the user, or "service:dosage" */
	int64_t now_ms;
	/* The shipped set: installed only when nothing, or an older
	 * shipped version, is active (audited through audit, the outbox);
	 * an import always (its call's event commits with it). */
	bool shipped;
	struct med_audit *audit;
} dosage_ddi_save;

/* dosage_store_ddi_save stores sv's version with its rules and makes it
 * the active one, in one transaction: an import in the call's (med_call_tx,
 * its audit event commits with it), the shipped install in one of its own
 * on the call's database.  Errors: MED_ERR_EXISTS (an import
 * of a version already stored), the database's. */
med_err dosage_store_ddi_save(med_call *call,
			      const dosage_ddi_save *sv) MED_MUST_CHECK;

#endif
