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

/* dosage_store_read_infusion reads infusion id and its events (lock: FOR
 * UPDATE), in a.  MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_read_infusion(med_db_conn *c, med_arena *a, const char *id,
				   bool lock,
				   dosage_infusion *out) MED_MUST_CHECK;

/* dosage_store_insert_infusion writes a started infusion f (no events). */
med_err dosage_store_insert_infusion(med_db_conn *c,
				     const dosage_infusion *f) MED_MUST_CHECK;

/* dosage_store_update_infusion stores what an event changes in f: its
 * status, stop and rate. */
med_err dosage_store_update_infusion(med_db_conn *c,
				     const dosage_infusion *f) MED_MUST_CHECK;

/* dosage_store_insert_rate appends event ev to infusion infusion_id. */
med_err dosage_store_insert_rate(med_db_conn *c, med_arena *a,
				 const char *infusion_id,
				 const dosage_infusion_rate *ev) MED_MUST_CHECK;

/* dosage_store_use_infusion_cosign marks co-sign cosign_id ("" = none)
 * used by infusion infusion_id. */
med_err dosage_store_use_infusion_cosign(med_db_conn *c,
					 const char *infusion_id,
					 const char *cosign_id) MED_MUST_CHECK;

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
