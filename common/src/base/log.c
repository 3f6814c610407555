/*
 * log.c - one JSON object per line on stderr, with the thread's request id.
 *
 * Each line is built in a local buffer and written with one write(2), so
 * lines from different threads never interleave.
 */
#include <med/json.h>
#include <med/log.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096
#define LOG_MSG_MAX  2048

static char log_service[64] = "smartmed";
static med_log_level log_min = MED_LOG_INFO;
static _Thread_local char log_request_id[80];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
med_log_init(const char *service, med_log_level min_level)
{
	med_strlcpy(log_service, service ? service : "smartmed",
		    sizeof(log_service));
	log_min = min_level;
}

int
med_log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name != NULL && strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void
med_log_set_request_id(const char *request_id)
{
	med_strlcpy(log_request_id, request_id ? request_id : "",
		    sizeof(log_request_id));
}

const char *
med_log_request_id(void)
{
	return log_request_id;
}

static void
format_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char day[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", day, (int)(ts.tv_nsec / 1000000));
}

void
med_vlog(med_log_level level, const char *fmt, va_list ap)
{
	char ts[40], msg[LOG_MSG_MAX], esc[LOG_MSG_MAX * 2], rid[160];
	char line[LOG_LINE_MAX];
	int n;

	if (level < log_min || level > MED_LOG_ERROR)
		return;
	format_time(ts, sizeof(ts));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	med_json_escape(msg, esc, sizeof(esc));
	med_json_escape(log_request_id, rid, sizeof(rid));
	n = snprintf(line, sizeof(line),
		     "{\"ts\":\"%s\",\"level\":\"%s\",\"service\":\"%s\","
		     "\"request_id\":\"%s\",\"msg\":\"%s\"}\n",
		     ts, level_names[level], log_service, rid, esc);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		memcpy(line + sizeof(line) - 4, "\"}\n", 3);
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
med_log(med_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	med_vlog(level, fmt, ap);
	va_end(ap);
}

bool
med_log_due(int64_t *last_ms, int64_t now_ms, int64_t every_ms)
{
	if (*last_ms != 0 && now_ms - *last_ms < every_ms)
		return false;
	*last_ms = now_ms;
	return true;
}
