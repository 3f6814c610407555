/*
 * test_write_time.c - the dateTimes of the facade's writes (services/fhir/
 * write/write_time.c): zones, fractions, and what is refused.
 */
#include "testlib.h"
#include "write.h"

/* 2026-11-23T18:00:00Z */
#define BASE_MS 1795456800000LL

static void
test_zones_and_fractions(void)
{
	int64_t ms = 0;

	MT_TRUE(fhir_write_time_ms("2026-11-23T18:00:00Z", &ms));
	MT_EQ_INT(ms, BASE_MS);
	MT_TRUE(fhir_write_time_ms("2026-11-23T19:30:00+01:30", &ms));
	MT_EQ_INT(ms, BASE_MS);
	MT_TRUE(fhir_write_time_ms("2026-11-23T13:00:00-05:00", &ms));
	MT_EQ_INT(ms, BASE_MS);
	MT_TRUE(fhir_write_time_ms("2026-11-23T18:00:00.447Z", &ms));
	MT_EQ_INT(ms, BASE_MS + 447);
	MT_TRUE(fhir_write_time_ms("2026-11-23T18:00:00.5Z", &ms));
	MT_EQ_INT(ms, BASE_MS + 500);
	MT_TRUE(fhir_write_time_ms("2026-11-23T18:00:00.123456Z", &ms));
	MT_EQ_INT(ms, BASE_MS + 123);
	/* Seconds are optional in a FHIR instant-like dateTime here. */
	MT_TRUE(fhir_write_time_ms("2026-11-23T18:00Z", &ms));
	MT_EQ_INT(ms, BASE_MS);
}

static void
test_refused(void)
{
	static const char *const bad[] = {
		"2026-11-23",		    /* a day: no time */
		"2026-11-23T18:00:00",	    /* no zone */
		"2026-11-23T18:00:00+1:00", /* zone not hh:mm */
		"2026-11-23T24:00:00Z",	    /* hour */
		"2026-13-23T18:00:00Z",	    /* month */
		"2026-02-30T18:00:00Z",	    /* a day February lacks */
		"2026-11-23T18:00:00.Z",    /* empty fraction */
		"2026-11-23T18:00:00Zjunk", /* trailing text */
		"2026-11-23 18:00:00Z",	    /* no T */
		"20x6-11-23T18:00:00Z",	    /* not digits */
	};
	int64_t ms = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (fhir_write_time_ms(bad[i], &ms))
			MT_EQ_STR(bad[i], "(refused)");
	}
	MT_TRUE(!fhir_write_time_ms(NULL, &ms));
	MT_EQ_INT(ms, 7);
}

static const mt_case cases[] = {
	{"zones_and_fractions", test_zones_and_fractions},
	{"refused", test_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
