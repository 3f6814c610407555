/*
 * test_schedule.c - ListDue's rule (schedule.c): the next dose of an order
 * from its frequency and its last administration, and whether it is
 * upcoming, due (up to an hour late) or overdue.
 */
#include "testlib.h"

#include "dosage.h"
#include "orders.h"

#define H  (3600LL * 1000)
#define T0 (1700000000000LL)

#define UPCOMING SMARTMED__DOSAGE__V1__DUE_STATE__DUE_STATE_UPCOMING
#define DUE	 SMARTMED__DOSAGE__V1__DUE_STATE__DUE_STATE_DUE
#define OVERDUE	 SMARTMED__DOSAGE__V1__DUE_STATE__DUE_STATE_OVERDUE

static dosage_order
order(const char *freq)
{
	dosage_order o;

	smartmed__dosage__v1__order__init(&o);
	o.frequency = (char *)freq;
	o.start_ms = T0;
	return o;
}

static void
test_first_dose_at_start(void)
{
	dosage_order o = order("q6h");
	Smartmed__Dosage__V1__DueState st;
	int64_t due;

	MT_TRUE(dosage_next_due(&o, NULL, 0, T0 - H, &due, &st));
	MT_EQ_INT(due, T0);
	MT_EQ_INT(st, UPCOMING);
}

static void
test_interval_from_last_dose(void)
{
	dosage_order o = order("q6h");
	Smartmed__Dosage__V1__DueState st;
	int64_t due;

	MT_TRUE(dosage_next_due(&o, NULL, T0, T0 + 5 * H, &due, &st));
	MT_EQ_INT(due, T0 + 6 * H);
	MT_EQ_INT(st, UPCOMING);
	MT_TRUE(dosage_next_due(&o, NULL, T0, T0 + 6 * H + H / 2, &due, &st));
	MT_EQ_INT(st, DUE); /* half an hour late */
	MT_TRUE(dosage_next_due(&o, NULL, T0, T0 + 6 * H + H, &due, &st));
	MT_EQ_INT(st, DUE); /* exactly the grace */
	MT_TRUE(dosage_next_due(&o, NULL, T0, T0 + 6 * H + H + 1, &due, &st));
	MT_EQ_INT(st, OVERDUE);
}

/* A stored order starting out of the time bounds has no next dose; one
 * ending past them (2^63-1) runs on; a stored last dose at the top of the
 * range saturates instead of overflowing into the past. */
static void
test_stored_times_out_of_range(void)
{
	dosage_order o = order("q6h");
	Smartmed__Dosage__V1__DueState st;
	int64_t due = -1;

	o.end_ms = INT64_MAX;
	MT_TRUE(dosage_next_due(&o, NULL, T0, T0, &due, &st));
	MT_EQ_INT(due, T0 + 6 * H);
	o = order("q6h");
	o.start_ms = INT64_MIN;
	MT_TRUE(!dosage_next_due(&o, NULL, 0, T0, &due, &st));
	o = order("q6h");
	MT_TRUE(dosage_next_due(&o, NULL, INT64_MAX - H, T0, &due, &st));
	MT_EQ_INT(due, INT64_MAX);
	MT_EQ_INT(st, UPCOMING);
}

static void
test_named_frequencies(void)
{
	static const struct {
		const char *freq;
		int64_t interval;
	} f[] = {{"bid", 12 * H},
		 {"tid", 8 * H},
		 {"qid", 6 * H},
		 {"daily", 24 * H},
		 {"q8h", 8 * H}};
	Smartmed__Dosage__V1__DueState st;
	int64_t due;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		dosage_order o = order(f[i].freq);

		MT_TRUE(dosage_next_due(&o, NULL, T0, T0, &due, &st));
		if (due != T0 + f[i].interval)
			mt_fail(__FILE__, __LINE__, "%s: due %lld, want %lld",
				f[i].freq, (long long)(due - T0),
				(long long)f[i].interval);
	}
}

static void
test_never_due(void)
{
	Smartmed__Dosage__V1__DueState st;
	int64_t due;
	dosage_order o = order("prn");

	MT_TRUE(!dosage_next_due(&o, NULL, 0, T0, &due, &st)); /* as needed */
	o = order("q4h");
	o.prn = true;
	MT_TRUE(!dosage_next_due(&o, NULL, 0, T0, &due, &st));
	o = order("once");
	MT_TRUE(dosage_next_due(&o, NULL, 0, T0, &due,
				&st)); /* not yet given */
	MT_TRUE(!dosage_next_due(&o, NULL, T0, T0 + H, &due, &st)); /* given */
	o = order("q6h");
	o.end_ms = T0 + 5 * H; /* the next dose would fall after the end */
	MT_TRUE(!dosage_next_due(&o, NULL, T0, T0 + H, &due, &st));
	o = order("whenever");
	MT_TRUE(!dosage_next_due(&o, NULL, 0, T0, &due, &st));
}

/* In the ward's zone a daily dose is next due at the same clock time:
 * 23 h after a dose on the day before the spring change (Europe/London,
 * 2026-03-29), 25 h across the autumn one (2026-10-25); a q2h dose keeps
 * its 2 h. */
static void
test_next_due_across_clock_changes(void)
{
	const int64_t spring = 1774684800000LL; /* 2026-03-28 08:00 GMT */
	const int64_t autumn = 1792825200000LL; /* 2026-10-24 08:00 BST */
	dosage_zone *z = NULL;
	dosage_order o = order("daily");
	Smartmed__Dosage__V1__DueState st;
	int64_t due;

	MT_OK(dosage_zone_open("Europe/London", &z));
	o.start_ms = spring - 24 * H;
	MT_TRUE(dosage_next_due(&o, z, spring, spring, &due, &st));
	MT_EQ_INT(due, spring + 23 * H);
	MT_TRUE(dosage_next_due(&o, NULL, spring, spring, &due, &st));
	MT_EQ_INT(due, spring + 24 * H); /* UTC: elapsed */
	o.start_ms = autumn - 24 * H;
	MT_TRUE(dosage_next_due(&o, z, autumn, autumn, &due, &st));
	MT_EQ_INT(due, autumn + 25 * H);
	o = order("q2h");
	o.start_ms = spring;
	MT_TRUE(dosage_next_due(&o, z, spring + 16 * H, spring, &due, &st));
	MT_EQ_INT(due, spring + 18 * H);
	/* A dose at 08:10 is next due at 08:10 the next day, 23 h on. */
	o = order("daily");
	o.start_ms = spring - 24 * H;
	MT_TRUE(dosage_next_due(&o, z, spring + 10 * 60000, spring, &due, &st));
	MT_EQ_INT(due, spring + 23 * H + 10 * 60000);
	dosage_zone_close(z);
}

static const mt_case cases[] = {
	{"first_dose_at_start", test_first_dose_at_start},
	{"interval_from_last_dose", test_interval_from_last_dose},
	{"named_frequencies", test_named_frequencies},
	{"never_due", test_never_due},
	{"stored times out of range", test_stored_times_out_of_range},
	{"next_due_across_clock_changes", test_next_due_across_clock_changes},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
