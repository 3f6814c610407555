/*
 * med/patients.h - referential integrity for patient ids: does this patient
 * exist in identity's master patient index, and is it still its own record?
 *
 * records, dosage and diagnosis call identity's GetPatient before a write
 * that names a patient, over mutual TLS with their own certificate (the
 * service principal).  Every write asks identity itself, so a merge is
 * authoritative from the moment identity commits it (issue 30): the cache
 * of existing, unmerged patients only answers while identity cannot, for
 * a short TTL (patients are never deleted; a merged or unknown answer
 * empties the id's slot).  When identity cannot answer and the id is not
 * cached, the check fails closed: the write is refused with UNAVAILABLE.
 * Reads never call identity.
 */
#ifndef MED_PATIENTS_H
#define MED_PATIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/care.h>
#include <med/config.h>
#include <med/err.h>
#include <med/rpc.h>

typedef struct med_patients med_patients;

/* med_patient_state - what identity says about a patient id. */
typedef enum med_patient_state {
	MED_PATIENT_OK = 0,	 /* exists and is not merged */
	MED_PATIENT_UNKNOWN = 1, /* identity has no such patient */
	MED_PATIENT_MERGED = 2,	 /* linked into survivor_id */
} med_patient_state;

#define MED_BIRTH_DATE_MAX 16
/* MED_PATIENT_MERGED_MAX: the most records merged into one survivor
 * (identity's IDENTITY_MERGED_MAX); MED_PATIENT_ID_MAX: room for an id. */
#define MED_PATIENT_MERGED_MAX 32
#define MED_PATIENT_ID_MAX     40

/* med_patient_result - the answer of med_patients_check. */
typedef struct med_patient_result {
	med_patient_state state;
	bool cached;	      /* answered from the cache */
	char survivor_id[64]; /* MED_PATIENT_MERGED: the surviving id */
	/* MED_PATIENT_OK: the birth date, "YYYY-MM-DD" ("" if identity has
	 * none). */
	char birth_date[MED_BIRTH_DATE_MAX];
	/* MED_PATIENT_OK, asked of identity (not cached): administrative
	 * sex, 'F', 'M', 'O' or 0 when not given. */
	char sex;
	med_rpc_status status; /* identity's status when it was asked */
	/* MED_PATIENT_OK, asked of identity (not cached): the records
	 * merged into this one by active links. */
	size_t n_merged;
	char merged_ids[MED_PATIENT_MERGED_MAX][MED_PATIENT_ID_MAX];
	/* MED_PATIENT_OK, asked of identity (not cached): identity records
	 * the patient as dead, and the time of death (Unix ms, 0 when not
	 * known).  A cached answer never says so: dose checks ask identity
	 * (med_patients_family), so a death is seen by the next dose. */
	bool deceased;
	int64_t deceased_ms;
	/* MED_PATIENT_OK, asked of identity (not cached): the patient's last
	 * bedside check that did not identify them and nothing has since
	 * (identity's Patient.bedside_unconfirmed): its outcome ("no-match",
	 * "retake", "stated-mismatch"; "" when there is none), time and
	 * terminal. */
	char unconfirmed[24];
	int64_t unconfirmed_ms;
	char unconfirmed_terminal[65];
} med_patient_result;

/* med_patients_opts - where identity is and how to ask it. */
typedef struct med_patients_opts {
	const char *target; /* "127.0.0.1:50051", "dns:///identity:50051" */
	const med_tls *tls; /* client certificate; NULL: plaintext */
	const char *server_name; /* name identity's certificate carries */
	int64_t ttl_ms;		 /* positive cache lifetime; 0 = no cache */
	size_t n_slots;		 /* cache size; 0 = 4096 */
} med_patients_opts;

/*
 * med_patients_new opens a channel to identity and an empty cache.
 * Errors: MED_ERR_INVALID (no target), MED_ERR_NOMEM.
 */
med_err med_patients_new(const med_patients_opts *o,
			 med_patients **out) MED_MUST_CHECK;

/* med_patients_free closes the channel and frees the cache; NULL is fine. */
void med_patients_free(med_patients *p);

/*
 * med_patients_check asks identity (or the cache) about patient_id within
 * deadline_ms (one retry of UNAVAILABLE inside it).  MED_OK with res->state
 * set when identity answered OK or NOT_FOUND; MED_ERR_UNAVAILABLE when it
 * could not be reached in time or answered anything else (res->status says
 * what).  Thread-safe.
 */
med_err med_patients_check(med_patients *p, const char *patient_id,
			   int64_t deadline_ms, const char *request_id,
			   med_patient_result *res) MED_MUST_CHECK;

/*
 * med_patients_ask asks identity itself, never the cache first, so that a
 * merge or an unlink is seen by the very next write; an OK answer refreshes
 * the cache, a merged or unknown one empties the id's slot.  When identity
 * cannot answer and stale_ok, a positive answer cached within the TTL is
 * used (res->cached, no merged_ids); otherwise as med_patients_check.
 * Thread-safe.
 */
med_err med_patients_ask(med_patients *p, const char *patient_id,
			 int64_t deadline_ms, const char *request_id,
			 bool stale_ok, med_patient_result *res) MED_MUST_CHECK;

/* --- service wiring ---------------------------------------------------- */

/*
 * MED_PATIENTS_CONFIG - settings to add to the extra_config of a service
 * that writes patient ids.  MED_IDENTITY_URL empty turns the check off.
 */
/* clang-format off */
#define MED_PATIENTS_CONFIG                                                    \
	{"MED_IDENTITY_URL", MED_CONFIG_STRING, "", false, 0, 0,               \
	 "identity's gRPC address for patient checks on writes "              \
	 "(\"identity:50051\"); empty: no check (a warning at start)"},       \
	{"MED_IDENTITY_SERVER_NAME", MED_CONFIG_STRING, "identity", false, 0,  \
	 0, "name identity's certificate must carry; empty = the host of "    \
	 "MED_IDENTITY_URL"},                                                  \
	{"MED_IDENTITY_DEADLINE_MS", MED_CONFIG_INT, "1000", false, 10, 30000, \
	 "deadline of one patient check, ms"},                                 \
	{"MED_PATIENT_CACHE_TTL_MS", MED_CONFIG_INT, "60000", false, 0,        \
	 3600000, "how long an existing patient is remembered for writes "    \
	 "while identity cannot answer, ms; 0: never"},                        \
	MED_CARE_CONFIG
/* clang-format on */

/*
 * med_patients_process_start reads MED_IDENTITY_*, MED_CARE_* and MED_TLS_*
 * from c and starts the process's checker and care-relationship check (or
 * logs once that the check is off).  Errors: MED_ERR_IO and
 * MED_ERR_INVALID (the certificate files), MED_ERR_NOMEM.
 */
med_err med_patients_process_start(const med_config *c) MED_MUST_CHECK;

/* med_patients_process_stop frees the checker and ends the care check. */
void med_patients_process_stop(void);

/*
 * med_patients_require checks patient_id (already a well-formed id) for a
 * write (med_patients_ask, the cache only while identity cannot answer)
 * and fails the call naming field: NOT_FOUND "field: no such patient",
 * FAILED_PRECONDITION "field: record was merged into X; chart on the
 * surviving record", UNAVAILABLE when identity cannot answer.  MED_OK when
 * the check is off.  Call it before the write's transaction.
 */
med_err med_patients_require(med_call *call, const char *field,
			     const char *patient_id) MED_MUST_CHECK;

/*
 * med_patients_birth_date is med_patients_require that also copies the
 * patient's birth date ("YYYY-MM-DD") into out (len at least
 * MED_BIRTH_DATE_MAX); out is "" when the check is off.  For the dose
 * checks' age bands.
 */
med_err med_patients_birth_date(med_call *call, const char *field,
				const char *patient_id, char *out,
				size_t len) MED_MUST_CHECK;

/*
 * med_patients_family is med_patients_require for a dose check or a
 * medication write: identity is asked (never the cache, UNAVAILABLE when it
 * cannot answer, since a cached answer cannot say which records are merged
 * into the patient) and out gets the birth date and the merged records'
 * ids.  out is an unmerged patient with no merged records when the check is
 * off.
 */
med_err med_patients_family(med_call *call, const char *field,
			    const char *patient_id,
			    med_patient_result *out) MED_MUST_CHECK;

/* med_patient_banner - who a chart is for, as identity has it now. */
typedef struct med_patient_banner {
	/* Room for identity's limits in characters of up to 4 UTF-8 bytes:
	 * never a character cut in two. */
	char mrn[257];
	char family_name[801];
	char given_name[801];
	char birth_date[MED_BIRTH_DATE_MAX]; /* "YYYY-MM-DD" or "" */
	bool deceased;	     /* identity records the patient as dead */
	int64_t deceased_ms; /* the time of death; 0 when not known */
} med_patient_banner;

/*
 * med_patients_banner asks identity (never the cache: a chart shows the
 * name as it is now) for patient_id's MRN, names and birth date, and
 * fails the call as med_patients_require does (NOT_FOUND, a merged record
 * FAILED_PRECONDITION naming the survivor, UNAVAILABLE).  All "" when the
 * check is off.  For the MAR's patient banner.
 */
med_err med_patients_banner(med_call *call, const char *field,
			    const char *patient_id,
			    med_patient_banner *out) MED_MUST_CHECK;

/* med_patient_death - what identity says of a patient's death. */
typedef struct med_patient_death {
	bool deceased;
	int64_t deceased_ms; /* Unix ms; 0 when not known */
} med_patient_death;

/*
 * med_patients_death asks identity (never the cache: a death must show on
 * the next read) whether patient_id has died, for a read that shows
 * orders as ended at death.  A merged record answers for itself; an id
 * identity does not know reads as alive.  The call fails UNAVAILABLE
 * (naming field) when identity cannot answer; all false when the check
 * is off.
 */
med_err med_patients_death(med_call *call, const char *field,
			   const char *patient_id,
			   med_patient_death *out) MED_MUST_CHECK;

#endif
