/*
 * store_ddi.h - the knowledge bases in SQL (store_ddi.c): the interaction
 * base and the substance base, versioned, staged and approved the same
 * way, for the glue that caches each (ddi_checks.c, substance_cache.c)
 * and their RPCs (handlers_ddi.c).
 */
#ifndef DOSAGE_STORE_DDI_H
#define DOSAGE_STORE_DDI_H

#include <med/audit.h>
#include <med/db.h>

#include "interactions.h"

/* dosage_kb_kind - which knowledge base a version belongs to; its value
 * is the row of interaction_kb_active naming the kind's active version. */
typedef enum dosage_kb_kind {
	DOSAGE_KB_INTERACTIONS = 1,
	DOSAGE_KB_SUBSTANCES = 2,
} dosage_kb_kind;

/* dosage_kb_kind_name: "interactions" or "substances" (the stored kind). */
const char *dosage_kb_kind_name(dosage_kb_kind kind);

/* dosage_ddi_info - one version (kb_id 0: none). */
typedef struct dosage_ddi_info {
	int64_t kb_id;
	char version[DOSAGE_DDI_VERSION_MAX + 1];
	char origin[16]; /* "shipped" or "import" */
	int64_t n_rules, n_groups;
	char imported_by[128];
	int64_t imported_ms;
	char sha256[65];
	bool pending;	    /* staged, waiting for a second pharmacist */
	int64_t base_kb_id; /* the active version it was compared with */
	char base_version[DOSAGE_DDI_VERSION_MAX + 1];
	char approved_by[128];
	int64_t approved_ms;
} dosage_ddi_info;

/* dosage_store_ddi_active reads kind's active version into info. */
med_err dosage_store_ddi_active(med_db *db, dosage_kb_kind kind,
				dosage_ddi_info *info) MED_MUST_CHECK;

/* dosage_store_ddi_active_both reads the active version of both kinds
 * in one statement, each into both[kind - 1] (kb_id 0: none): the dose
 * checks read both bases.  Errors: the database's. */
med_err dosage_store_ddi_active_both(med_db *db,
				     dosage_ddi_info both[2]) MED_MUST_CHECK;

/* dosage_store_ddi_version reads kind's version label into info.  Errors:
 * MED_ERR_NOT_FOUND, the database's. */
med_err dosage_store_ddi_version(med_db *db, dosage_kb_kind kind,
				 const char *label,
				 dosage_ddi_info *info) MED_MUST_CHECK;

/* dosage_store_ddi_body reads version kb_id's text (NUL-terminated, in
 * a).  Errors: NOT_FOUND, UNAVAILABLE, NOMEM. */
med_err dosage_store_ddi_body(med_db *db, med_arena *a, int64_t kb_id,
			      char **body, size_t *len) MED_MUST_CHECK;

/* dosage_ddi_save - a checked knowledge base to store and activate. */
typedef struct dosage_ddi_save {
	dosage_kb_kind kind;
	const char *version;
	size_t n_rules, n_groups;
	const dosage_ddi_kb *kb; /* an interaction base: its rules as rows */
	const char *text;	 /* as imported */
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
	/* An import: the active version it was compared with (the save
	 * fails MED_ERR_CONFLICT when another is active by then), and
	 * whether it waits for a second pharmacist instead of taking
	 * effect. */
	int64_t base_kb_id;
	bool pending;
} dosage_ddi_save;

/* dosage_store_ddi_save stores sv's version with its rules and makes it
 * the active one (or, sv->pending, stages it), in the caller's
 * transaction: an import's is its call's (med_call_tx, the audit event
 * commits with it), the shipped install's one of its own, which carries
 * the install's event (sv->audit).  Errors: MED_ERR_EXISTS (an import of
 * a version already stored), MED_ERR_CONFLICT (an import whose base is no
 * longer active), the database's. */
med_err dosage_store_ddi_save(med_db_conn *c,
			      const dosage_ddi_save *sv) MED_MUST_CHECK;

/* dosage_store_ddi_save_tx is dosage_store_ddi_save as a transaction's
 * body (med_db_tx, med_call_tx; arg: the dosage_ddi_save), for the
 * import's and both shipped installs' transactions. */
med_err dosage_store_ddi_save_tx(med_db_conn *c, void *arg) MED_MUST_CHECK;

/* dosage_ddi_refusal - why an approval was refused. */
typedef enum dosage_ddi_refusal {
	DOSAGE_DDI_APPROVE_OK = 0,
	DOSAGE_DDI_NOT_PENDING,	 /* in force already, or retired */
	DOSAGE_DDI_SAME_PERSON,	 /* the importer cannot approve */
	DOSAGE_DDI_BASE_CHANGED, /* another version is active now */
} dosage_ddi_refusal;

/* dosage_ddi_approval - a pending version to put in force. */
typedef struct dosage_ddi_approval {
	dosage_kb_kind kind;
	int64_t kb_id, base_kb_id; /* as read before (dosage_ddi_info) */
	const char *by;		   /* the approving pharmacist */
	int64_t now_ms;
	dosage_ddi_refusal refusal; /* set when MED_ERR_PRECONDITION */
} dosage_ddi_approval;

/* dosage_store_ddi_approve makes ap's version the active one in the
 * caller's transaction (the call's, whose audit event commits with it),
 * checking again under the lock that it is pending, that ap->by did not
 * import it and that its base is still active.  Errors:
 * MED_ERR_PRECONDITION (ap->refusal says why), MED_ERR_NOT_FOUND, the
 * database's. */
med_err dosage_store_ddi_approve(med_db_conn *c,
				 dosage_ddi_approval *ap) MED_MUST_CHECK;

#endif
