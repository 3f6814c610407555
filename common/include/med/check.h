/*
 * med/check.h - field checks shared by every service's handlers.
 *
 * Each check returns MED_OK or fails the call with MED_ERR_INVALID and a
 * message that starts with the field name ("mrn: must not be empty"), so a
 * client knows what to fix.  Messages never echo the value: it may be
 * patient data.
 */
#ifndef MED_CHECK_H
#define MED_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>
#include <med/rpc.h>

struct Smartmed__Common__V1__PageRequest;
struct Smartmed__Common__V1__PageResponse;

/*
 * med_check_text requires value to hold min_chars..max_chars characters
 * (UTF-8 code points; min 0 makes it optional).
 */
med_err med_check_text(med_call *call, const char *field, const char *value,
		       size_t min_chars, size_t max_chars) MED_MUST_CHECK;

/* med_check_text_list requires at most max_n values, each 1..max_chars
 * characters; the refusal names field[i] (a repeated field's values). */
med_err med_check_text_list(med_call *call, const char *field,
			    char *const *values, size_t n, size_t max_n,
			    size_t max_chars) MED_MUST_CHECK;

/* med_text_problem is med_check_text's rule without a call (for domain
 * code and unit tests). */
med_err med_text_problem(const char *field, const char *value, size_t min_chars,
			 size_t max_chars, med_problem *p) MED_MUST_CHECK;

/*
 * med_check_date requires a real calendar date "YYYY-MM-DD" (1900 or later,
 * med_date_valid) that is not in the future; "" passes when !required.
 */
med_err med_check_date(med_call *call, const char *field, const char *value,
		       bool required) MED_MUST_CHECK;

/*
 * Times.  Every *_ms field a service takes in goes through one of these,
 * so that nothing outside MED_TIME_MIN_MS..MED_TIME_MAX_MS (med/util.h,
 * 1900-01-01 up to 2200-01-01) is stored: such a time cannot be exported
 * as FHIR and overflows the arithmetic done on it.  Errors name the field
 * and the bound ("at_ms: must lie between 1900-01-01 and 2199-12-31 ...").
 *
 * med_time_problem is the rule without a call (for domain code and unit
 * tests).  Durations (intervals, windows) are bounded by each service's
 * own checks, in minutes or days as their fields are.
 */
med_err med_time_problem(const char *field, int64_t ms,
			 med_problem *p) MED_MUST_CHECK;

/*
 * med_check_time_ms requires a time within the bounds; 0 passes, as it
 * means "not given" in proto3 (the handler then uses now, or none).
 */
med_err med_check_time_ms(med_call *call, const char *field,
			  int64_t ms) MED_MUST_CHECK;

/*
 * med_check_time_ahead is med_check_time_ms that also refuses a time more
 * than ahead_ms after now_ms: the horizon of something scheduled (an
 * order's end).  The message gives the horizon in days.
 */
med_err med_check_time_ahead(med_call *call, const char *field, int64_t ms,
			     int64_t now_ms, int64_t ahead_ms) MED_MUST_CHECK;

/* med_time_ahead_problem is med_check_time_ahead's rule without a call. */
med_err med_time_ahead_problem(const char *field, int64_t ms, int64_t now_ms,
			       int64_t ahead_ms, med_problem *p) MED_MUST_CHECK;

/* med_check_enum_set requires an enum field to be set (non-zero). */
med_err med_check_enum_set(med_call *call, const char *field,
			   int value) MED_MUST_CHECK;

/* med_check_id requires a UUID as made by med_uuid_v4 (36 characters). */
med_err med_check_id(med_call *call, const char *field,
		     const char *value) MED_MUST_CHECK;

/* med_id_problem is med_check_id's rule without a call. */
med_err med_id_problem(const char *field, const char *value,
		       med_problem *p) MED_MUST_CHECK;

/* med_page - a page to read: LIMIT and OFFSET for the store. */
typedef struct med_page {
	uint32_t size;	 /* 1..500 */
	uint64_t offset; /* rows to skip */
} med_page;

#define MED_PAGE_DEFAULT 50
#define MED_PAGE_MAX	 500

/*
 * med_page_parse reads a PageRequest (NULL means the first page of the
 * default size).  Errors name "page.page_size" or "page.page_token".
 */
med_err med_page_parse(med_call *call,
		       const struct Smartmed__Common__V1__PageRequest *req,
		       med_page *out) MED_MUST_CHECK;

/*
 * med_page_parse_for_patient checks patient_id (errors name "patient_id"),
 * reads req as med_page_parse does, and names the patient on the call for
 * the audit record: the opening of every per-patient list.
 */
med_err
med_page_parse_for_patient(med_call *call, const char *patient_id,
			   const struct Smartmed__Common__V1__PageRequest *req,
			   med_page *out) MED_MUST_CHECK;

/*
 * med_page_key - a keyset (seek) page token: the next page starts after
 * the item kind/t/id of the list (an id may be absent: then t alone, e.g.
 * an offset in a short sub-list).  Written TAG KIND "." T ["." ID]; set is
 * false for "" (the first page).
 */
typedef struct med_page_key {
	bool set;
	char kind;
	int64_t t;
	char id[64];
} med_page_key;

/* med_page_key_parse reads token made by med_page_key_token with tag and
 * one of kinds; false when it is not one (an id must be a UUID). */
bool med_page_key_parse(const char *token, char tag, const char *kinds,
			med_page_key *out);

/* med_page_key_token writes k with tag (arena memory; NULL when full). */
char *med_page_key_token(med_arena *a, char tag, const med_page_key *k);

/*
 * med_page_respond makes the PageResponse for a page whose store read
 * returned *n_rows rows (the store asks for size + 1 to know whether another
 * page exists) and trims *n_rows to the page size.  Allocated from the
 * call's arena; NULL on allocation failure.
 */
struct Smartmed__Common__V1__PageResponse *
med_page_respond(med_call *call, const med_page *page, size_t *n_rows);

#endif
