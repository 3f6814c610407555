/*
 * write_time.c - the dateTimes a write carries (Observation.effective[x],
 * MedicationAdministration.effectiveDateTime) as Unix ms: pure, so that
 * its unit test (tests/unit/fhir/test_write_time.c) links it alone.
 */
#include <string.h>
#include <time.h>

#include "write.h"

/* digits reads n decimal digits at s; -1 when they are not. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* zone_s reads the zone at s (Z, +hh:mm, -hh:mm) as seconds east. */
static bool
zone_s(const char *s, long *out)
{
	int h, m;

	if (strcmp(s, "Z") == 0) {
		*out = 0;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
		return false;
	h = digits(s + 1, 2);
	m = digits(s + 4, 2);
	if (h < 0 || h > 14 || m < 0 || m > 59)
		return false;
	*out = (s[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return true;
}

/* to_ms converts; false for a day the month does not have (Feb 30),
 * which timegm would carry into the next month. */
static bool
to_ms(struct tm *tm, int sec, long zone, int frac_ms, int64_t *ms)
{
	struct tm back;
	int mday = tm->tm_mday; /* timegm normalises tm */
	time_t t;

	tm->tm_sec = sec;
	t = timegm(tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != mday)
		return false;
	*ms = ((int64_t)t - zone) * 1000 + frac_ms;
	return true;
}

bool
fhir_write_time_ms(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	int frac_ms = 0, sec = 0;
	long zone = 0;
	const char *p;

	if (s == NULL || strlen(s) < 17 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':')
		return false;
	p = s + 16;
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	if (*p == ':' && (sec = digits(p + 1, 2)) >= 0)
		p += 3;
	if (*p == '.') {
		size_t n = strspn(p + 1, "0123456789");

		/* Any number of digits; milliseconds are kept. */
		frac_ms = n == 0 ? -1 : 0;
		for (size_t i = 0; i < 3; i++)
			frac_ms = frac_ms * 10 + (i < n ? p[1 + i] - '0' : 0);
		if (n == 0)
			frac_ms = -1;
		p += 1 + n;
	}
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || sec < 0 ||
	    sec > 60 || frac_ms < 0 || !zone_s(p, &zone))
		return false;
	return to_ms(&tm, sec, zone, frac_ms, ms);
}
