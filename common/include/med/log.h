/*
 * med/log.h - JSON-lines logging.
 *
 * One JSON object per line on stderr:
 *   {"ts":"2026-11-21T13:00:00.123Z","level":"info","service":"identity",
 *    "request_id":"...","msg":"..."}
 * The request id is per thread: the RPC layer sets it for the duration of a
 * handler.  Never log patient data at info level or above.  Thread-safe.
 */
#ifndef MED_LOG_H
#define MED_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum med_log_level {
	MED_LOG_DEBUG = 0,
	MED_LOG_INFO = 1,
	MED_LOG_WARN = 2,
	MED_LOG_ERROR = 3,
} med_log_level;

/* med_log_init sets the service name and the lowest level written. */
void med_log_init(const char *service, med_log_level min_level);

/* med_log_level_parse maps "debug".."error" to a level; -1 if unknown. */
int med_log_level_parse(const char *name);

/* med_log_set_request_id sets (or clears, with NULL) this thread's id. */
void med_log_set_request_id(const char *request_id);

/* med_log_request_id returns this thread's request id or "". */
const char *med_log_request_id(void);

/* med_log writes one line; msg is printf-formatted and JSON-escaped. */
void med_log(med_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* med_vlog is med_log with a va_list. */
void med_vlog(med_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * med_log_due: is it time to say again a line that repeats while a
 * condition lasts (a relay failing, a lock held, a schema not migrated)?
 * True at the first call (*last_ms == 0) and whenever every_ms have
 * passed since the call that last said true; a true sets *last_ms to
 * now_ms.  So a stall is never a single line, nor a flood.  Reset
 * *last_ms to 0 when the condition ends.  now_ms is any clock that does
 * not go back; the caller keeps *last_ms.
 */
bool med_log_due(int64_t *last_ms, int64_t now_ms, int64_t every_ms);

#define med_log_debug(...) med_log(MED_LOG_DEBUG, __VA_ARGS__)
#define med_log_info(...)  med_log(MED_LOG_INFO, __VA_ARGS__)
#define med_log_warn(...)  med_log(MED_LOG_WARN, __VA_ARGS__)
#define med_log_error(...) med_log(MED_LOG_ERROR, __VA_ARGS__)

#endif
