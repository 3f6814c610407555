/*
 * test_stays.c - the ward of a stay at a time (med_stay_ward_at): where a
 * dose was given when the patient moved during the stay.
 */
#include "testlib.h"

#include <string.h>

#include <med/stays.h>
#include <med/util.h>

#define MIN (60 * 1000LL)
#define T0  (1700000000000LL)

static void
add(med_stay *s, const char *ward, int64_t start, int64_t end)
{
	med_stay_location *l = &s->locations[s->n_locations++];

	med_strlcpy(l->ward, ward, sizeof(l->ward));
	l->start_ms = start;
	l->end_ms = end;
}

static void
test_ward_at(void)
{
	med_stay s;

	memset(&s, 0, sizeof(s));
	med_strlcpy(s.ward, "ward-2", sizeof(s.ward));
	add(&s, "ward-1", T0, T0 + 30 * MIN);
	add(&s, "ward-2", T0 + 30 * MIN, 0);
	MT_EQ_STR(med_stay_ward_at(&s, T0 + 29 * MIN), "ward-1");
	MT_EQ_STR(med_stay_ward_at(&s, T0 + 30 * MIN), "ward-2");
	MT_EQ_STR(med_stay_ward_at(&s, T0 + 900 * MIN), "ward-2");
	/* Before the admission (a dose charted an hour early): the first. */
	MT_EQ_STR(med_stay_ward_at(&s, T0 - MIN), "ward-1");
}

static void
test_no_locations(void)
{
	med_stay s;

	memset(&s, 0, sizeof(s));
	MT_EQ_STR(med_stay_ward_at(&s, T0), "");
	med_strlcpy(s.ward, "ward-7", sizeof(s.ward));
	MT_EQ_STR(med_stay_ward_at(&s, T0), "ward-7");
}

static void
test_after_discharge(void)
{
	med_stay s;

	memset(&s, 0, sizeof(s));
	med_strlcpy(s.ward, "ward-3", sizeof(s.ward));
	add(&s, "ward-3", T0, T0 + 60 * MIN);
	MT_EQ_STR(med_stay_ward_at(&s, T0 + 61 * MIN), "ward-3");
}

static const mt_case cases[] = {
	{"ward_at", test_ward_at},
	{"no_locations", test_no_locations},
	{"after_discharge", test_after_discharge},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
