/*
 * time_critical.h - medicines whose omission or delay harms: the table
 * (services/dosage/knowledge/time_critical.csv, built in), read and
 * checked as a whole, and what it says about a drug's substances.  Pure
 * apart from the process's table, which is parsed once at start
 * (dosage_time_critical_load) and only read afterwards.
 * docs/dose-safety.md, "Omissions and time-critical medicines".
 */
#ifndef DOSAGE_TIME_CRITICAL_H
#define DOSAGE_TIME_CRITICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/arena.h>
#include <med/err.h>

#define DOSAGE_TC_WINDOW_MAX_MIN 1440
#define DOSAGE_TC_ROWS_MAX	 2000

/* dosage_time_critical - one row: a substance or an ATC class of one. */
typedef struct dosage_time_critical {
	const char *term; /* "levodopa" or "N04B" */
	int32_t window_min;
	const char *harm;   /* why an omission matters */
	const char *source; /* never "" */
	uint32_t line;
} dosage_time_critical;

/* dosage_tc_table - a parsed file (strings in the arena it was read in). */
typedef struct dosage_tc_table {
	const dosage_time_critical *rows;
	size_t n;
	const char *version;
} dosage_tc_table;

/*
 * dosage_tc_parse reads text (len bytes) into out, all or nothing.
 * MED_ERR_INVALID with why naming the line and the field when a row has
 * an unknown substance or class, a window outside 1..1440 minutes, no
 * harm or no source, or names a term twice, when the header or version is
 * missing, or when the CSV does not parse.  Errors: MED_ERR_NOMEM.
 */
med_err dosage_tc_parse(med_arena *a, const char *text, size_t len,
			dosage_tc_table *out, char *why,
			size_t why_len) MED_MUST_CHECK;

/*
 * dosage_tc_match returns the row that makes a drug with substances
 * s[0..n) time-critical, the shortest window when several do, or NULL.
 */
const dosage_time_critical *dosage_tc_match(const dosage_tc_table *t,
					    const char *const *s, size_t n);

/* dosage_tc_starter is the shipped file (knowledge/time_critical.csv) and
 * its length. */
const char *dosage_tc_starter(size_t *len);

#define DOSAGE_TC_FILE_MAX (1024 * 1024)

/*
 * dosage_time_critical_load parses the hospital's file at path (NULL or
 * "": the shipped one) into the process's table; call once at start,
 * before any call reads it.  MED_ERR_INVALID (why names the file and the
 * line), MED_ERR_IO (why names the file) or MED_ERR_NOMEM.
 */
med_err dosage_time_critical_load(const char *path, char *why,
				  size_t why_len) MED_MUST_CHECK;

/* dosage_time_critical_table is the process's table (empty before the
 * load). */
const dosage_tc_table *dosage_time_critical_table(void);

#endif
