/*
 * test_search_date.c - R4 date search (services/fhir/base/search_date.c):
 * each precision's range, zones, what is refused, and every prefix.
 */
#include <stdint.h>
#include <string.h>

#include "fhir_facade.h"
#include "testlib.h"

#define DAY_MS (86400000LL)
/* 2024-03-01T00:00:00Z */
#define MAR1 1709251200000LL

static fhir_range
range_of(const char *s)
{
	fhir_range r = {0, 0};

	MT_TRUE(fhir_date_range(s, &r));
	return r;
}

static void
test_precisions(void)
{
	fhir_range r = range_of("2024");

	MT_EQ_INT(r.lo_ms, 1704067200000LL);
	MT_EQ_INT(r.hi_ms, 1735689600000LL); /* 366 days: a leap year */
	r = range_of("2024-02");
	MT_EQ_INT(r.hi_ms - r.lo_ms, 29 * DAY_MS);
	r = range_of("2024-03-01");
	MT_EQ_INT(r.lo_ms, MAR1);
	MT_EQ_INT(r.hi_ms, MAR1 + DAY_MS);
	r = range_of("2024-03-01T10:00Z");
	MT_EQ_INT(r.lo_ms, MAR1 + 10 * 3600000LL);
	MT_EQ_INT(r.hi_ms - r.lo_ms, 60000);
	r = range_of("2024-03-01T10:00:05.250Z");
	MT_EQ_INT(r.lo_ms, MAR1 + 10 * 3600000LL + 5250);
	MT_EQ_INT(r.hi_ms - r.lo_ms, 1);
}

static void
test_zones(void)
{
	/* 12:00 at +02:00 and 10:00 UTC are the same instant; no zone is
	 * UTC. */
	MT_EQ_INT(range_of("2024-03-01T12:00:00+02:00").lo_ms,
		  range_of("2024-03-01T10:00:00Z").lo_ms);
	MT_EQ_INT(range_of("2024-03-01T00:30:00-01:00").lo_ms,
		  MAR1 + 90 * 60000LL);
	MT_EQ_INT(range_of("2024-03-01T10:00:00").lo_ms,
		  range_of("2024-03-01T10:00:00Z").lo_ms);
}

static void
test_refused(void)
{
	static const char *const bad[] = {"",
					  "24",
					  "2024-13",
					  "2023-02-29",
					  "2024-03-01T",
					  "2024-03-01T25:00Z",
					  "2024-3-01",
					  "2024-03-01T10:00+2",
					  "2024-03-01T10:00:00.Z",
					  "2024-03-01 ",
					  "2024-03-01T10:00:00+02:00x"};
	fhir_range r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		MT_TRUE(!fhir_date_range(bad[i], &r));
	MT_TRUE(fhir_date_range("2024-02-29", &r));
}

static bool
passes(fhir_date_prefix p, const char *want, const char *got)
{
	fhir_range w = range_of(want), g = range_of(got);

	return fhir_date_passes(p, &w, &g, MAR1);
}

static void
test_prefixes(void)
{
	/* eq: the value's range contains the resource's */
	MT_TRUE(passes(FHIR_EQ, "2024-03", "2024-03-01T10:00:00Z"));
	MT_TRUE(!passes(FHIR_EQ, "2024-03-01T10:00:00Z", "2024-03-01"));
	MT_TRUE(passes(FHIR_NE, "2024-03-02", "2024-03-01"));
	MT_TRUE(!passes(FHIR_NE, "2024", "2024-03-01"));
	MT_TRUE(passes(FHIR_GT, "2024-03-01", "2024-03-02"));
	MT_TRUE(!passes(FHIR_GT, "2024-03-01", "2024-03-01T23:00:00Z"));
	MT_TRUE(passes(FHIR_LT, "2024-03-01", "2024-02-29T23:59:59Z"));
	MT_TRUE(passes(FHIR_GE, "2024-03-01", "2024-03-01T00:00:00Z"));
	MT_TRUE(!passes(FHIR_GE, "2024-03-01", "2024-02-29"));
	MT_TRUE(passes(FHIR_LE, "2024-03-01", "2024-03-01T23:00:00Z"));
	MT_TRUE(!passes(FHIR_LE, "2024-03-01", "2024-03-02"));
	MT_TRUE(passes(FHIR_SA, "2024-02", "2024-03-01"));
	MT_TRUE(!passes(FHIR_SA, "2024-03", "2024-03-31"));
	MT_TRUE(passes(FHIR_EB, "2024-03", "2024-02-29"));
	MT_TRUE(!passes(FHIR_EB, "2024-03", "2024-03-01"));
	/* ap: a day either side at least, near now */
	MT_TRUE(passes(FHIR_AP, "2024-03-01", "2024-03-02T12:00:00Z"));
	MT_TRUE(!passes(FHIR_AP, "2024-03-01", "2024-03-05"));
}

static void
test_open_periods(void)
{
	fhir_range going_on = {MAR1, INT64_MAX};
	fhir_range day = range_of("2024-03-10");

	MT_TRUE(fhir_date_passes(FHIR_GT, &day, &going_on, MAR1));
	MT_TRUE(!fhir_date_passes(FHIR_EQ, &day, &going_on, MAR1));
	MT_TRUE(!fhir_date_passes(FHIR_SA, &day, &going_on, MAR1));
}

/* one_filter makes q a search with the date filter value prefix v. */
static void
one_filter(fhir_query *q, fhir_date_prefix prefix, const char *v)
{
	memset(q, 0, sizeof(*q));
	q->n_filters = 1;
	q->filters[0].kind = FHIR_F_DATE;
	q->filters[0].n_values = 1;
	q->filters[0].values[0].prefix = prefix;
	q->filters[0].values[0].range = range_of(v);
}

/* issue 49: the bounds diagnosis seeks by never leave out a resource
 * that passes, whether its instant is written to the millisecond or to
 * the second, for every prefix that bounds. */
static void
test_bounds_keep_every_match(void)
{
	static const fhir_date_prefix bounded[] = {
		FHIR_EQ, FHIR_GT, FHIR_LT, FHIR_GE, FHIR_LE, FHIR_SA, FHIR_EB};
	static const char *const values[] = {"2024-03-01T10:00:05Z",
					     "2024-03-01", "2024-03-01T10:00Z"};
	fhir_query q;
	fhir_range b;

	for (size_t i = 0; i < sizeof(bounded) / sizeof(*bounded); i++)
		for (size_t j = 0; j < sizeof(values) / sizeof(*values); j++) {
			one_filter(&q, bounded[i], values[j]);
			MT_TRUE(fhir_date_bounds(&q, &b));
			/* instants from a day before to a day after, by 250
			 * ms, each as a millisecond and as its second */
			for (int64_t t = MAR1 - DAY_MS; t < MAR1 + 2 * DAY_MS;
			     t += 250) {
				fhir_range ms = {t, t + 1};
				fhir_range sec = {t - t % 1000,
						  t - t % 1000 + 1000};
				bool in = t >= b.lo_ms && t < b.hi_ms;
				const fhir_range *want =
					&q.filters[0].values[0].range;

				if (fhir_date_passes(bounded[i], want, &ms,
						     MAR1) ||
				    fhir_date_passes(bounded[i], want, &sec,
						     MAR1))
					MT_TRUE(in);
			}
		}
	one_filter(&q, FHIR_NE, "2024-03-01");
	MT_TRUE(!fhir_date_bounds(&q, &b));
	one_filter(&q, FHIR_AP, "2024-03-01");
	MT_TRUE(!fhir_date_bounds(&q, &b));
	/* ge and lt (AND) bound both sides; ge or ne (OR) neither */
	one_filter(&q, FHIR_GE, "2024-03-01");
	q.filters[1] = q.filters[0];
	q.filters[1].values[0].prefix = FHIR_LT;
	q.filters[1].values[0].range = range_of("2024-03-03");
	q.n_filters = 2;
	MT_TRUE(fhir_date_bounds(&q, &b));
	MT_EQ_INT(b.lo_ms, MAR1 - 1000);
	MT_EQ_INT(b.hi_ms, MAR1 + 3 * DAY_MS + 1000);
	one_filter(&q, FHIR_GE, "2024-03-01");
	q.filters[0].values[1] = q.filters[0].values[0];
	q.filters[0].values[1].prefix = FHIR_NE;
	q.filters[0].n_values = 2;
	MT_TRUE(!fhir_date_bounds(&q, &b));
}

static const mt_case cases[] = {
	{"precisions", test_precisions},
	{"zones", test_zones},
	{"refused", test_refused},
	{"prefixes", test_prefixes},
	{"open_periods", test_open_periods},
	{"bounds", test_bounds_keep_every_match},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
