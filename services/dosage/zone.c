/*
 * zone.c - the ward's time zone, the only file that includes ICU.
 *
 * glibc converts times through one process-wide zone (the TZ variable),
 * which a running threaded service cannot change safely; ICU's ucal C API
 * takes the zone per calendar object, so each call has its own and the
 * zone is a setting validated at start (docs/operations.md).  Wall-clock
 * times that a clock change skips (01:30 on the spring-forward night) are
 * read with the offset before the change (02:30 summer time: a daily dose
 * keeps its 24 hours); times that occur twice (01:30 on the fall-back
 * night) are the first of the two.
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "dosage.h"

#define ZONE_NAME_MAX 64

struct dosage_zone {
	UCalendar *cal;
	char name[ZONE_NAME_MAX];
};

/* name_ok: 1..63 characters of an IANA name ("Europe/London",
 * "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC"). */
static bool
name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= ZONE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("/_+-", s[i])))
			return false;
	return true;
}

med_err
dosage_zone_check(const char *name)
{
	UChar id[ZONE_NAME_MAX], canon[ZONE_NAME_MAX * 2];
	UBool system = 0;
	UErrorCode st = U_ZERO_ERROR;

	if (!name_ok(name))
		return MED_ERR_INVALID;
	u_uastrcpy(id, name);
	/* ICU answers an unknown id with GMT rather than an error when a
	 * calendar is opened: only the canonical lookup tells. */
	ucal_getCanonicalTimeZoneID(id, -1, canon, ZONE_NAME_MAX * 2, &system,
				    &st);
	return U_SUCCESS(st) && system ? MED_OK : MED_ERR_INVALID;
}

med_err
dosage_zone_open(const char *name, dosage_zone **out)
{
	UChar id[ZONE_NAME_MAX];
	UErrorCode st = U_ZERO_ERROR;
	dosage_zone *z;

	if (dosage_zone_check(name) != MED_OK)
		return MED_ERR_INVALID;
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return MED_ERR_NOMEM;
	med_strlcpy(z->name, name, sizeof(z->name));
	u_uastrcpy(id, name);
	z->cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st) || z->cal == NULL) {
		free(z);
		return MED_ERR_NOMEM;
	}
	ucal_setAttribute(z->cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	ucal_setAttribute(z->cal, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_LAST);
	*out = z;
	return MED_OK;
}

void
dosage_zone_close(dosage_zone *z)
{
	if (z == NULL)
		return;
	ucal_close(z->cal);
	free(z);
}

const char *
dosage_zone_name(const dosage_zone *z)
{
	return z ? z->name : "UTC";
}

int64_t
dosage_zone_offset_ms(dosage_zone *z, int64_t utc_ms)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t raw, dst;

	if (z == NULL || !med_time_ms_valid(utc_ms))
		return 0;
	ucal_setMillis(z->cal, (UDate)utc_ms, &st);
	raw = ucal_get(z->cal, UCAL_ZONE_OFFSET, &st);
	dst = ucal_get(z->cal, UCAL_DST_OFFSET, &st);
	return U_SUCCESS(st) ? (int64_t)raw + dst : 0;
}

int64_t
dosage_zone_wall_ms(dosage_zone *z, int64_t utc_ms)
{
	return utc_ms + dosage_zone_offset_ms(z, utc_ms);
}

/* floor_div is a / b rounded down (b > 0). */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

int64_t
dosage_zone_utc_ms(dosage_zone *z, int64_t wall_ms)
{
	UErrorCode st = U_ZERO_ERROR;
	int64_t sec = floor_div(wall_ms, 1000);
	time_t t = (time_t)sec;
	struct tm tm;
	UDate u;

	if (z == NULL || !med_time_ms_valid(wall_ms) ||
	    gmtime_r(&t, &tm) == NULL)
		return wall_ms;
	ucal_clear(z->cal);
	ucal_setDateTime(z->cal, tm.tm_year + 1900, tm.tm_mon, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, &st);
	ucal_set(z->cal, UCAL_MILLISECOND, (int32_t)(wall_ms - sec * 1000));
	u = ucal_getMillis(z->cal, &st);
	return U_SUCCESS(st) ? (int64_t)u : wall_ms;
}

char *
dosage_zone_rfc3339(med_arena *a, dosage_zone *z, int64_t utc_ms)
{
	int64_t off = dosage_zone_offset_ms(z, utc_ms);
	int64_t wall = utc_ms + off, sec = floor_div(wall, 1000);
	int64_t off_min = (off < 0 ? -off : off) / 60000;
	time_t t = (time_t)sec;
	char frac[8] = "";
	struct tm tm;

	/* A stored time out of the bounds has no date to show. */
	if (!med_time_ms_valid(utc_ms) || gmtime_r(&t, &tm) == NULL)
		return med_arena_strdup(a, "");
	/* Whole seconds read best; a time with milliseconds keeps them. */
	if (wall - sec * 1000 != 0)
		snprintf(frac, sizeof(frac), ".%03d", (int)(wall - sec * 1000));
	return med_arena_sprintf(
		a, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, frac, off < 0 ? '-' : '+',
		(int)(off_min / 60), (int)(off_min % 60));
}
