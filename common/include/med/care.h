/*
 * med/care.h - access by care relationship.
 *
 * A clinician or nurse may touch a patient's data only when identity says
 * they are related to the patient's care: on the care team of an open
 * encounter, working on the unit (ward) the patient lies on, or on the team
 * that discharged the patient within MED_IDENTITY_DISCHARGE_ACCESS_HOURS.
 * Everyone else a method admits (pharmacist, registrar, admin, auditor,
 * service) keeps the rights of their role.  A user with an active
 * break-glass grant for the patient (identity's StartBreakGlass) is let
 * through, and the call is audited as break-glass (med_call_mark_break_glass);
 * a header grant (x-break-glass) names no patient and opens none.
 *
 * The decision is made when a handler names its patient
 * (med_call_set_patient): the RPC layer asks the hook the service installed
 * in med_server_opts.care_decide (med_service_main installs
 * med_care_decide), never this header.  A refused call ends with the
 * refusal whatever the handler returns, and its transaction (med_call_tx)
 * is rolled back.  Services that check patients against
 * identity (med_patients_service_start) enforce it; identity and audit do not
 * (see docs/security.md).
 */
#ifndef MED_CARE_H
#define MED_CARE_H

#include <stdbool.h>
#include <stddef.h>

#include <med/err.h>
#include <med/rpc.h>

/* clang-format off */
/* MED_CARE_CONFIG - the settings of the check (part of MED_PATIENTS_CONFIG). */
#define MED_CARE_CONFIG                                                        \
	{"MED_CARE_ENFORCE", MED_CONFIG_BOOL, "true", false, 0, 0,             \
	 "refuse clinicians and nurses a patient outside their care "         \
	 "relationship (false: role-based access only, for a hospital "       \
	 "that records no encounters yet)"},                                   \
	{"MED_CARE_CACHE_TTL_MS", MED_CONFIG_INT, "5000", false, 0, 60000,     \
	 "how long identity's answer about a user and a patient is "          \
	 "remembered, ms; also how long an ended relationship or grant "      \
	 "may still be honoured"},                                             \
	{"MED_CARE_READS_WHEN_IDENTITY_DOWN", MED_CONFIG_BOOL, "false", false, \
	 0, 0, "true: a read is allowed (and audited as unverified) when "    \
	 "identity cannot answer; false: UNAVAILABLE like a write"}
/* clang-format on */

/*
 * med_care_decide decides whether the caller of call may touch patient_id;
 * read says whether the method only reads.  MED_OK when allowed (or when no
 * check runs in this process); MED_ERR_DENIED (PERMISSION_DENIED) when the
 * caller has no relationship; MED_ERR_UNAVAILABLE when identity cannot
 * answer.  On an error msg[0..len) says why, for the caller.  Thread-safe.
 */
med_err med_care_decide(med_call *call, const char *patient_id, bool read,
			char *msg, size_t len) MED_MUST_CHECK;

#endif
