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

/*
 * med_uuid_v7 writes an RFC 9562 v7 UUID (Unix ms first, then random) and
 * a NUL into out[37]: ids made later sort later, for keys that must stay
 * at a B-tree's right edge (audit event ids).  Not an order to rely on.
 */
void med_uuid_v7(char out[MED_UUID_LEN + 1]);

/* med_now_ms returns the wall clock in Unix milliseconds. */
int64_t med_now_ms(void);

/*
 * The bounds of every time the services take in and store, Unix ms:
 * 1900-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z.
 * Nothing charted in a hospital falls outside them (birth dates reach
 * back to 1900, orders and plans do not run for centuries); the values
 * that do (-1, INT64_MAX, a year 9999 typed for "no end") are mistakes or
 * attacks.  Input checks (med/check.h) refuse what lies outside, FHIR
 * writers (med/fhir.h) render what lies inside, and ms arithmetic inside
 * them cannot overflow.  docs/api/README.md lists them for clients.
 */
#define MED_TIME_MIN_MS	  (-2208988800000LL)
#define MED_TIME_MAX_MS	  (7258118400000LL)
#define MED_TIME_MIN_YEAR 1900
#define MED_TIME_MAX_YEAR 2199

/* med_time_ms_valid is true when ms lies within the bounds above. */
bool med_time_ms_valid(int64_t ms);

/*
 * med_time_add_ms returns t + delta_ms, saturated at INT64_MIN and
 * INT64_MAX rather than overflowing: arithmetic on a stored time that
 * escaped the input checks (a row written before them, or straight into
 * the database) then still compares the right way round.
 */
int64_t med_time_add_ms(int64_t t, int64_t delta_ms);

/* med_time_sub_ms returns a - b, saturated the same way. */
int64_t med_time_sub_ms(int64_t a, int64_t b);

/*
 * med_date_valid is true when s is a real calendar date "YYYY-MM-DD"
 * with a year in MED_TIME_MIN_YEAR..MED_TIME_MAX_YEAR.
 */
bool med_date_valid(const char *s);

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

/* med_is_lower_hex is true when s is exactly len characters of 0-9a-f
 * (an id made of random bytes, such as a break-glass grant's). */
bool med_is_lower_hex(const char *s, size_t len);

/* med_sha256_hex writes the lower-case hex SHA-256 of data[0..len) and a
 * NUL into hex: the content address of attachments, models and knowledge
 * bases. */
void med_sha256_hex(const void *data, size_t len, char hex[65]);

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

/*
 * med_file_stamp - what stat(2) says of a file that is re-read when it
 * changes (a mounted Secret, a JWKS): device, inode, size and mtime.
 * Kubernetes replaces a Secret's files by swapping a ..data symlink, so the
 * inode changes even when size and mtime happen to match.
 */
typedef struct med_file_stamp {
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	bool missing; /* stat failed */
} med_file_stamp;

/* med_file_stamp_read stats path (following symlinks) into *out; a file
 * that cannot be stat'ed gives a stamp with missing set. */
void med_file_stamp_read(const char *path, med_file_stamp *out);

/* med_file_stamp_equal is true when a and b describe the same file state. */
bool med_file_stamp_equal(const med_file_stamp *a, const med_file_stamp *b);

#endif
