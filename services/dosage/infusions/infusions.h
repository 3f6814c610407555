/*
 * infusions.h - continuous infusions in SQL (store_infusion.c).  The rate
 * rules without I/O are infusion.h.
 */
#ifndef DOSAGE_INFUSIONS_H
#define DOSAGE_INFUSIONS_H

#include "dosage.h"

/* --- store_infusion.c: continuous infusions ------------------------------ */

typedef Smartmed__Dosage__V1__Infusion dosage_infusion;
typedef Smartmed__Dosage__V1__InfusionRate dosage_infusion_rate;

/*
 * dosage_infusion_fn decides one event of an infusion on the locked
 * subject s (its order, drug, patient context, and what was given around
 * the event): f is the infusion (empty for a start: to fill; else as
 * stored, its status, stop and rate to update), ev the event to append,
 * and seg, when the decision sets its id, the administration that charts
 * what ran at the old rate.  Fails the call (so the transaction) when the
 * event may not happen.
 */
typedef med_err (*dosage_infusion_fn)(void *ctx, dosage_subject *s,
				      dosage_infusion *f,
				      dosage_infusion_rate *ev,
				      dosage_admin *seg);

/* dosage_store_start_infusion locks order_id and its patient (and co-sign
 * cosign_id, "" = none, into the subject), calls decide and inserts the
 * infusion and its first event, marking the co-sign used by the infusion,
 * in one transaction; out is the infusion as stored.  MED_ERR_NOT_FOUND:
 * no such order. */
med_err dosage_store_start_infusion(med_call *call, const dosage_family *fam,
				    const char *order_id, const char *cosign_id,
				    int64_t at_ms, dosage_infusion_fn decide,
				    void *ctx,
				    dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_infusion_event locks infusion_id's order, patient, the
 * infusion (and co-sign cosign_id as the start does), calls decide, then
 * inserts the segment's administration, the event, and the infusion's new
 * state, in one transaction.  MED_ERR_NOT_FOUND: no such infusion. */
med_err dosage_store_infusion_event(med_call *call, const dosage_family *fam,
				    const char *infusion_id,
				    const char *cosign_id, int64_t at_ms,
				    dosage_infusion_fn decide, void *ctx,
				    dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_get_infusion reads an infusion and its events.
 * MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_get_infusion(med_db *db, med_arena *arena, const char *id,
				  dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_patient_infusions lists (at most 100) the patient's
 * infusions running at some time in [from_ms, to_ms), with their events,
 * by start. */
med_err dosage_store_patient_infusions(med_db_conn *c, med_arena *arena,
				       const char *patient_id, int64_t from_ms,
				       int64_t to_ms, dosage_infusion ***out,
				       size_t *n) MED_MUST_CHECK;

#endif
