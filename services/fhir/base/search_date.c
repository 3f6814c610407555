/*
 * search_date.c - R4 date search (3.1.1.5.6): a date, dateTime or instant
 * is the range of instants its precision covers ("2024-03" is all of
 * March), and each prefix compares the search value's range with the
 * resource's.  Both sides are ranges: "date=2024-03" finds an
 * observation at 10:00 on 3 March (March contains that instant), while
 * "date=2024-03-01T10:00:00Z" does not find a resource dated only
 * 2024-03-01 (that second does not contain the whole day), though
 * "date=ge2024-03-01T10:00:00Z" does (the day reaches past it).
 */
#include <stdio.h>
#include <string.h>

#include "fhir_facade.h"

#define MS_PER_MIN (60 * 1000LL)
#define MS_PER_DAY (24 * 60 * MS_PER_MIN)

/* days_from_civil counts days from 1970-01-01 to y-m-d (proleptic
 * Gregorian; H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* digits reads exactly n decimal digits at *s into *out. */
static bool
digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

/* zone reads "Z", "+hh:mm" or "-hh:mm" (or nothing: UTC) into the
 * offset east of UTC, and must end the text. */
static bool
zone(const char *s, int64_t *offset_ms)
{
	int hh, mm, sign;

	*offset_ms = 0;
	if (*s == '\0' || strcmp(s, "Z") == 0)
		return true;
	if (*s != '+' && *s != '-')
		return false;
	sign = *s == '-' ? -1 : 1;
	s++;
	if (!digits(&s, 2, &hh) || *s++ != ':' || !digits(&s, 2, &mm) ||
	    *s != '\0' || hh > 14 || mm > 59)
		return false;
	*offset_ms = sign * (hh * 60 + mm) * MS_PER_MIN;
	return true;
}

/* fraction reads ".d[d...]" (up to 9 digits) as ms; its width is the
 * precision, which ms granularity caps. */
static bool
fraction(const char **s, int64_t *ms, int64_t *width_ms)
{
	int64_t scale = 100;
	int n = 0;

	*ms = 0;
	if (**s != '.')
		return true;
	for ((*s)++; **s >= '0' && **s <= '9'; (*s)++, n++) {
		if (scale > 0)
			*ms += (**s - '0') * scale;
		scale /= 10;
	}
	*width_ms = 1;
	return n >= 1 && n <= 9;
}

/* time_of_day reads "hh:mm[:ss[.fff]]" and the zone after it. */
static bool
time_of_day(const char *s, int64_t day_ms, fhir_range *out)
{
	int hh, mi, ss = 0;
	int64_t width_ms = MS_PER_MIN, frac_ms = 0, offset_ms;

	if (!digits(&s, 2, &hh) || *s++ != ':' || !digits(&s, 2, &mi) ||
	    hh > 23 || mi > 59)
		return false;
	if (*s == ':') {
		s++;
		if (!digits(&s, 2, &ss) || ss > 60)
			return false;
		width_ms = 1000;
		if (!fraction(&s, &frac_ms, &width_ms))
			return false;
	}
	if (!zone(s, &offset_ms))
		return false;
	out->lo_ms = day_ms + (hh * 60 + mi) * MS_PER_MIN + ss * 1000LL +
		     frac_ms - offset_ms;
	out->hi_ms = out->lo_ms + width_ms;
	return true;
}

bool
fhir_date_range(const char *s, fhir_range *out)
{
	int y, m = 1, d = 1;
	bool has_m = false, has_d = false;
	int64_t lo;

	if (s == NULL || !digits(&s, 4, &y))
		return false;
	if (*s == '-') {
		s++;
		if (!digits(&s, 2, &m) || m < 1 || m > 12)
			return false;
		has_m = true;
	}
	if (has_m && *s == '-') {
		s++;
		if (!digits(&s, 2, &d) || d < 1 || d > days_in_month(y, m))
			return false;
		has_d = true;
	}
	lo = days_from_civil(y, m, d) * MS_PER_DAY;
	if (has_d && *s == 'T')
		return time_of_day(s + 1, lo, out);
	if (*s != '\0')
		return false;
	out->lo_ms = lo;
	if (has_d)
		out->hi_ms = lo + MS_PER_DAY;
	else if (has_m)
		out->hi_ms = lo + days_in_month(y, m) * MS_PER_DAY;
	else
		out->hi_ms = days_from_civil(y + 1, 1, 1) * MS_PER_DAY;
	return true;
}

/* contains: every instant of got lies in want. */
static bool
contains(const fhir_range *want, const fhir_range *got)
{
	return want->lo_ms <= got->lo_ms && got->hi_ms <= want->hi_ms;
}

/* approximately widens want by a tenth of its distance from now (at
 * least a day), as R4 leaves "ap" to the server, and asks for overlap. */
static bool
approximately(const fhir_range *want, const fhir_range *got, int64_t now_ms)
{
	int64_t mid = want->lo_ms / 2 + want->hi_ms / 2;
	int64_t gap = mid > now_ms ? mid - now_ms : now_ms - mid;
	int64_t slack = gap / 10 > MS_PER_DAY ? gap / 10 : MS_PER_DAY;

	return got->lo_ms < want->hi_ms + slack &&
	       got->hi_ms > want->lo_ms - slack;
}

bool
fhir_date_passes(fhir_date_prefix prefix, const fhir_range *want,
		 const fhir_range *got, int64_t now_ms)
{
	switch (prefix) {
	case FHIR_EQ:
		return contains(want, got);
	case FHIR_NE:
		return !contains(want, got);
	case FHIR_GT: /* the range above want overlaps got */
		return got->hi_ms > want->hi_ms;
	case FHIR_LT:
		return got->lo_ms < want->lo_ms;
	case FHIR_GE:
		return got->hi_ms > want->hi_ms || contains(want, got);
	case FHIR_LE:
		return got->lo_ms < want->lo_ms || contains(want, got);
	case FHIR_SA: /* starts after want ends */
		return got->lo_ms >= want->hi_ms;
	case FHIR_EB: /* ends before want starts */
		return got->hi_ms <= want->lo_ms;
	case FHIR_AP:
		return approximately(want, got, now_ms);
	}
	return false;
}

/* --- bounds a service can seek by (issue 49) ---------------------------- */

/* A resource's instant may be written to the second: a bound keeps that
 * much room on either side, so it never leaves out what passes. */
#define BOUND_SLACK_MS 1000

/* value_bounds widens *b to the instants value v may pass (a dated
 * resource's start): a prefix that looks above or below a value bounds
 * that side, ne and ap neither. */
static void
value_bounds(const fhir_value *v, fhir_range *b)
{
	int64_t lo = v->range.lo_ms > INT64_MIN + BOUND_SLACK_MS
			     ? v->range.lo_ms - BOUND_SLACK_MS
			     : INT64_MIN;
	int64_t hi = v->range.hi_ms < INT64_MAX - BOUND_SLACK_MS
			     ? v->range.hi_ms + BOUND_SLACK_MS
			     : INT64_MAX;
	bool above = v->prefix == FHIR_EQ || v->prefix == FHIR_GT ||
		     v->prefix == FHIR_GE || v->prefix == FHIR_SA;
	bool below = v->prefix == FHIR_EQ || v->prefix == FHIR_LT ||
		     v->prefix == FHIR_LE || v->prefix == FHIR_EB;

	if (!above || lo < b->lo_ms)
		b->lo_ms = above ? lo : INT64_MIN;
	if (!below || hi > b->hi_ms)
		b->hi_ms = below ? hi : INT64_MAX;
}

bool
fhir_date_bounds(const fhir_query *q, fhir_range *out)
{
	out->lo_ms = INT64_MIN;
	out->hi_ms = INT64_MAX;
	for (size_t i = 0; i < q->n_filters; i++) {
		const fhir_filter *f = &q->filters[i];
		/* any of the values: the widest of their bounds */
		fhir_range any = {INT64_MAX, INT64_MIN};

		if (f->kind != FHIR_F_DATE || f->n_values == 0)
			continue;
		for (size_t j = 0; j < f->n_values; j++)
			value_bounds(&f->values[j], &any);
		/* every filter: the narrowest */
		if (any.lo_ms > out->lo_ms)
			out->lo_ms = any.lo_ms;
		if (any.hi_ms < out->hi_ms)
			out->hi_ms = any.hi_ms;
	}
	return out->lo_ms != INT64_MIN || out->hi_ms != INT64_MAX;
}
