/*
 * care_internal.h - how patients.c starts and stops the care-relationship
 * check (care.c), which asks identity over the patient checker's channel.
 */
#ifndef MED_CONTRACTS_CARE_INTERNAL_H
#define MED_CONTRACTS_CARE_INTERNAL_H

#include <med/config.h>
#include <med/rpc.h>

/*
 * care_start reads MED_CARE_* from c and starts the check over ch (borrowed;
 * it outlives the check).  Errors: MED_ERR_NOMEM, MED_ERR_INVALID.
 */
med_err care_start(const med_config *c, med_channel *ch) MED_MUST_CHECK;

/* care_stop ends the check; later decisions allow every call. */
void care_stop(void);

/* patients_deadline_ms is the deadline of one question to identity, kept
 * inside the call's own deadline (patients.c). */
int64_t patients_deadline_ms(med_call *call);

/* patients_channel is the patient checker's channel to identity, NULL when
 * the checks are off (patients.c); stays.c asks over it. */
med_channel *patients_channel(void);

#endif
