/*
 * deid.h - de-identification of FHIR resources for a research export:
 * pseudonyms under a per-project key, per-person date shifts with the
 * time of day cut off, and a copy of each resource built from an
 * allow-list of structured elements (codes, not what users typed; free
 * text only when the project allows narrative; no attachment content).
 * Pure: no gRPC, no HTTP; jansson values in, jansson values out.
 * Thread-safe (no shared state).
 */
#ifndef FHIR_DEID_H
#define FHIR_DEID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <med/err.h>

#define DEID_KEY_LEN 32
/* Hex digits of a pseudonym: 128 bits, a valid FHIR id. */
#define DEID_PSEUDONYM_LEN 32
/* Default and largest MED_RESEARCH_DATE_SHIFT_DAYS. */
#define DEID_SHIFT_DAYS_DEFAULT 180
#define DEID_SHIFT_DAYS_MAX	3650
/* Age from which birth years are withheld and grouped. */
#define DEID_AGE_GROUPED 90

/*
 * deid_types lists the resource types the export writes, in the order of
 * their lines after the Patients (DEID_N_TYPES entries).  It is also the
 * rule for references: one to the record's Patient or to a listed type is
 * kept (rewritten to a pseudonym), any other is withheld.
 */
#define DEID_N_TYPES 11
extern const char *const deid_types[DEID_N_TYPES];

/* deid_type_index is type's place in deid_types, or -1. */
int deid_type_index(const char *type);

/* deid_project - one project's keys and choices; read-only once made. */
typedef struct deid_project {
	uint8_t key[DEID_KEY_LEN]; /* HMAC(master, "smartmed-research-v1|" id)
				    */
	int max_shift_days;	   /* 1..DEID_SHIFT_DAYS_MAX */
	bool include_narrative;
	const char *age_group_url; /* the "90+" extension's url */
} deid_project;

/* deid_master_key_parse reads 64 hex digits (surrounding whitespace
 * allowed) into out.  Errors: MED_ERR_INVALID, why in errbuf. */
med_err deid_master_key_parse(const char *text, uint8_t out[DEID_KEY_LEN],
			      char *errbuf, size_t errlen) MED_MUST_CHECK;

/* deid_master_key_load reads the key file at path.  Errors: MED_ERR_IO,
 * MED_ERR_INVALID; why in errbuf (never the key). */
med_err deid_master_key_load(const char *path, uint8_t out[DEID_KEY_LEN],
			     char *errbuf, size_t errlen) MED_MUST_CHECK;

/* deid_project_init derives the project key of project_id from master. */
void deid_project_init(deid_project *p, const uint8_t master[DEID_KEY_LEN],
		       const char *project_id);

/* deid_pseudonym writes the pseudonym of type/id (NUL-terminated). */
void deid_pseudonym(const deid_project *p, const char *type, const char *id,
		    char out[DEID_PSEUDONYM_LEN + 1]);

/* deid_shift_days is a person's date shift: a whole number of days in
 * [-max, -1] or [1, max], the same in every export of the project. */
int deid_shift_days(const deid_project *p, const char *person_id);

/*
 * deid_shift_day shifts a FHIR date, dateTime or instant by days and
 * keeps the day only: a dateTime loses its time of day and zone
 * ("YYYY-MM-DD"); an instant, which R4 requires with a time, becomes that
 * day at "T00:00:00Z"; a year-month is shifted from its 15th; a year
 * alone stays as it is (coarser than the shift; not for an instant).
 * Times to the millisecond would be the same in every project's export
 * and so link them.  False when in is none of these.
 */
bool deid_shift_day(const char *in, int days, bool instant, char *out,
		    size_t cap);

/* deid_age_years is the age in whole years on today ("YYYY-MM-DD") of
 * someone born on birth_date; -1 when birth_date is not a date. */
int deid_age_years(const char *birth_date, const char *today);

/* deid_group_of writes the k-anonymity group of a patient: "YEAR|gender",
 * "90+|gender", or "unknown" when either is missing. */
void deid_group_of(const char *gender, const char *birth_date,
		   const char *today, char *out, size_t cap);

/* deid_patient returns the research Patient of patient_id (new
 * reference; NULL when out of memory): id, gender, birth year or the
 * "90+" extension.  gender and birth_date may be NULL or "". */
json_t *deid_patient(const deid_project *p, const char *patient_id,
		     const char *gender, const char *birth_date,
		     const char *today);

/*
 * deid_subject - whose resources are being exported: the record they were
 * read under, and the person it is (the survivor when identity has linked
 * the record into another, else the record itself).  The person gives the
 * Patient pseudonym and the date shift, so that one person is one Patient
 * with one shift whatever record the data was charted under.
 */
typedef struct deid_subject {
	const char *person_id;
	const char *record_id;
} deid_subject;

/*
 * deid_resource builds the research copy of res (one of s's resources;
 * res is not changed) into *out (new reference): the pseudonymous id and
 * the allowed elements only, none of them empty; a required element whose
 * content is withheld is written as data-absent-reason "masked".  Errors:
 * MED_ERR_INVALID (no id, or not one of deid_types), MED_ERR_NOMEM.
 */
med_err deid_resource(const deid_project *p, const deid_subject *s, json_t *res,
		      json_t **out) MED_MUST_CHECK;

#endif
