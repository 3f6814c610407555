/*
 * med/stays.h - a patient's stays (inpatient or emergency encounters) as
 * identity keeps them, for the services whose records belong to a stay.
 *
 * dosage ties an order to the stay it was written in and refuses a dose
 * against a stay that was discharged (docs/dose-safety.md, "Orders and the
 * stay").  Both questions go to identity every time, never to a cache: a
 * discharge must stop the next dose at once.  They travel over the patient
 * checker's channel (med_patients_service_start), as the service
 * principal, and fail closed: UNAVAILABLE when identity cannot answer.
 */
#ifndef MED_STAYS_H
#define MED_STAYS_H

#include <stdbool.h>
#include <stdint.h>

#include <med/err.h>
#include <med/rpc.h>

#define MED_STAY_ID_MAX 64
/* MED_STAY_WARD_MAX: room for a ward (identity's 64 characters);
 * MED_STAY_LOCATIONS_MAX: the most locations of a stay kept (the latest). */
#define MED_STAY_WARD_MAX      65
#define MED_STAY_LOCATIONS_MAX 16

/* med_stay_location - where the patient lay, and when (end 0: now). */
typedef struct med_stay_location {
	char ward[MED_STAY_WARD_MAX];
	int64_t start_ms, end_ms;
} med_stay_location;

/* med_stay - what identity says of one encounter. */
typedef struct med_stay {
	char encounter_id[MED_STAY_ID_MAX];
	bool is_stay;		      /* inpatient or emergency, not a visit */
	bool open;		      /* in progress */
	int64_t start_ms;	      /* admission */
	int64_t end_ms;		      /* discharge; 0 while open */
	char ward[MED_STAY_WARD_MAX]; /* where the patient is (or was last) */
	/* med_stays_get only: the stay's locations, oldest first (the latest
	 * MED_STAY_LOCATIONS_MAX of them). */
	size_t n_locations;
	med_stay_location locations[MED_STAY_LOCATIONS_MAX];
} med_stay;

/* med_stay_ward_at is the ward of s at at_ms: the location that holds it,
 * else the first when at_ms is before them all, else the ward. */
const char *med_stay_ward_at(const med_stay *s, int64_t at_ms);

/* med_stays_enabled says whether identity is configured (the patient
 * checks are on); without it no order belongs to a stay. */
bool med_stays_enabled(void);

/*
 * med_stays_current asks identity for the patient's open stay.  MED_OK
 * with out->encounter_id "" when the patient has none (or the checks are
 * off); the call fails UNAVAILABLE (naming field) when identity cannot
 * answer.
 */
med_err med_stays_current(med_call *call, const char *field,
			  const char *patient_id, med_stay *out) MED_MUST_CHECK;

/*
 * med_stays_get asks identity for encounter_id.  MED_OK with *out filled;
 * the call fails UNAVAILABLE (naming field) when identity cannot answer
 * and NOT_FOUND when it does not know the encounter.  With the checks off
 * the stay reads as open.
 */
med_err med_stays_get(med_call *call, const char *field,
		      const char *encounter_id, med_stay *out) MED_MUST_CHECK;

#endif
