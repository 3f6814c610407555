/*
 * med/util.h - small helpers every module needs.
 */
#ifndef MED_UTIL_H
#define MED_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

#define MED_UUID_LEN 36

/* med_uuid_v4 writes a random RFC 4122 v4 UUID and a NUL into out[37]. */
void med_uuid_v4(char out[MED_UUID_LEN + 1]);

/* med_now_ms returns the wall clock in Unix milliseconds. */
int64_t med_now_ms(void);

/* med_mono_ns returns a monotonic clock in nanoseconds. */
int64_t med_mono_ns(void);

/* med_utf8_valid is true when s[0..len) is valid UTF-8 without NUL. */
bool med_utf8_valid(const char *s, size_t len);

/* med_strlcpy copies at most size-1 bytes and always terminates. */
size_t med_strlcpy(char *dst, const char *src, size_t size);

/*
 * med_exe_relative writes "<folder of the running binary>/rel" into buf:
 * how a service finds files installed beside it (plugins, models).
 * Returns 0, or -1 when /proc/self/exe cannot be read or buf is too small.
 */
int med_exe_relative(char *buf, size_t len, const char *rel);

/*
 * med_days_from_civil counts the days from 1970-01-01 to y-m-d in the
 * proleptic Gregorian calendar (negative before 1970); med_civil_from_days
 * is its inverse.  Ages, date shifts and day arithmetic on FHIR dates use
 * these instead of struct tm, which stops at the time_t range.
 */
int64_t med_days_from_civil(int64_t y, int m, int d);
void med_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* med_file_sha256 writes the lower-case hex SHA-256 of a file into hex.
 * Errors: MED_ERR_NOT_FOUND (cannot open), MED_ERR_IO (read error). */
med_err med_file_sha256(const char *path, char hex[65]) MED_MUST_CHECK;

/*
 * med_wait_unless_stopped waits up to ms on cv (mu not held by the
 * caller) unless or until *stopping is set under mu; returns !*stopping.
 * How the background threads (outbox relay, audit witness) sleep between
 * rounds and still stop at once.
 */
struct med_wait {
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
	const bool *stopping;
};
bool med_wait_unless_stopped(const struct med_wait *w, int64_t ms);

#endif
