/*
 * stow_gate.c - what the PACS asks diagnosis before it stores an
 * instance sent with diagnosis's credential: has diagnosis an overlay to
 * store into this study?  Answered on the process's HTTP port,
 * GET /pacs/stow-due/<StudyInstanceUID>: 200 "yes" while a finding of that
 * study has its write-back PENDING (stored with the finding before the
 * first attempt, until the PACS holds the overlay or it is given up), 404
 * "no" otherwise, 503 when the database cannot say.  A finding exists only
 * for a study diagnosis was asked to analyse, so the credential, stolen,
 * cannot add a series to any other study, nor to one whose overlay is
 * already stored (docs/security.md, "The PACS credential"; the filter is
 * deploy/k8s/helm/smartmed/files/orthanc-least-privilege.lua).
 */
#include <med/db.h>
#include <med/service.h>

#include "diagnosis.h"

#define PENDING SMARTMED__DIAGNOSIS__V1__PACS_WRITEBACK__PACS_WRITEBACK_PENDING

/* stow_due is the lookup: 1 when study_uid has a write-back pending. */
static int
stow_due(void *ctx, const char *study_uid)
{
	med_service *svc = ctx;
	med_db_value v[] = {MED_DB_STR(study_uid), MED_DB_I64(PENDING)};
	bool seen = false;

	if (!diagnosis_uid_is_valid(study_uid))
		return 0;
	if (med_db_query_once(med_service_db(svc),
			      "SELECT 1 FROM findings"
			      " WHERE study_instance_uid = ?"
			      " AND pacs_writeback = ? LIMIT 1",
			      v, 2, med_db_row_seen, &seen) != MED_OK)
		return -1;
	return seen ? 1 : 0;
}

void
diagnosis_stow_gate_start(med_service *svc)
{
	med_service_set_lookup(svc, DIAGNOSIS_STOW_GATE_PATH, stow_due, svc);
}
