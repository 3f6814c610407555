/*
 * test_identity_sync.c - the face index's catch-up decision
 * (services/identity/sync_plan.h): when the change log can bring a replica
 * up to date and when only a full reload is right.
 */
#include "sync_plan.h"
#include "testlib.h"

/* run plans with the changes numbered seqs[0..n). */
static identity_sync_step
run(int64_t last, int64_t clock, const int64_t *seqs, size_t n, int64_t *upto)
{
	identity_change ch[8];

	MT_TRUE(n <= 8);
	for (size_t i = 0; i < n; i++) {
		ch[i].seq = seqs[i];
		snprintf(ch[i].patient_id, sizeof(ch[i].patient_id), "p%zu", i);
	}
	return identity_sync_plan(last, clock, ch, n, upto);
}

static void
test_up_to_date(void)
{
	int64_t upto = -1;

	MT_EQ_INT(run(0, 0, NULL, 0, &upto), IDENTITY_SYNC_NOTHING);
	MT_EQ_INT(run(7, 7, NULL, 0, &upto), IDENTITY_SYNC_NOTHING);
	MT_EQ_INT(upto, -1);
}

static void
test_next_changes_apply(void)
{
	const int64_t s[] = {8, 9, 10};
	int64_t upto = 0;

	MT_EQ_INT(run(7, 10, s, 3, &upto), IDENTITY_SYNC_APPLY);
	MT_EQ_INT(upto, 10);
}

static void
test_batch_cut_short_by_its_limit(void)
{
	const int64_t s[] = {8, 9};
	int64_t upto = 0;

	MT_EQ_INT(run(7, 500, s, 2, &upto), IDENTITY_SYNC_APPLY);
	MT_EQ_INT(upto, 9); /* below the clock: the caller reads on */
}

static void
test_pruned_past_the_reader(void)
{
	const int64_t s[] = {12, 13};
	int64_t upto = 0;

	/* 8..11 were pruned while this replica was away. */
	MT_EQ_INT(run(7, 13, s, 2, &upto), IDENTITY_SYNC_RELOAD);
	/* Everything after last pruned: only the clock tells. */
	MT_EQ_INT(run(7, 13, NULL, 0, &upto), IDENTITY_SYNC_RELOAD);
}

static void
test_hole_in_the_middle(void)
{
	const int64_t s[] = {8, 10};
	int64_t upto = 0;

	/* Seqs are dense by construction: a hole is lost rows, not a
	 * transaction still to commit, so waiting would not fill it. */
	MT_EQ_INT(run(7, 10, s, 2, &upto), IDENTITY_SYNC_RELOAD);
}

static void
test_clock_went_back(void)
{
	int64_t upto = 0;

	/* The database was restored from a backup older than the index. */
	MT_EQ_INT(run(20, 3, NULL, 0, &upto), IDENTITY_SYNC_RELOAD);
}

static const mt_case cases[] = {
	{"up_to_date", test_up_to_date},
	{"next_changes_apply", test_next_changes_apply},
	{"batch_cut_short_by_its_limit", test_batch_cut_short_by_its_limit},
	{"pruned_past_the_reader", test_pruned_past_the_reader},
	{"hole_in_the_middle", test_hole_in_the_middle},
	{"clock_went_back", test_clock_went_back},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
