/*
 * sync_plan.h - the decision a replica takes after reading the face
 * change log, kept free of SQL so that a unit test can drive it
 * (tests/unit/test_identity_sync.c).
 *
 * The log's sequence numbers are dense: each change takes the next
 * number from one counter row, inside the writing transaction and under
 * that row's lock (sync.c), so numbers are handed out in commit order and
 * a rolled-back transaction gives its number back.  A reader that has
 * applied everything up to last therefore expects exactly last+1, last+2,
 * ... up to the counter; anything else means rows it needed were pruned
 * (it was away longer than the retention) or the database was restored,
 * and only a full reload is correct.
 */
#ifndef IDENTITY_SYNC_PLAN_H
#define IDENTITY_SYNC_PLAN_H

#include <med/util.h>

#include <stddef.h>
#include <stdint.h>

/* identity_change - one entry of the change log: a patient whose face
 * templates changed (enrolment or erasure) at seq. */
typedef struct identity_change {
	int64_t seq;
	char patient_id[MED_UUID_LEN + 1];
} identity_change;

/* identity_sync_step - what the reader does next. */
typedef enum identity_sync_step {
	IDENTITY_SYNC_NOTHING = 0, /* up to date */
	IDENTITY_SYNC_APPLY =
		1, /* refresh the patients of the n changes read */
	IDENTITY_SYNC_RELOAD = 2, /* the log cannot bring it up to date */
} identity_sync_step;

/*
 * identity_sync_plan decides from the last seq applied, the counter (clock) and
 * the n changes read after last (in seq order, read by the same
 * statement as the clock).  On IDENTITY_SYNC_APPLY *upto is the seq the reader
 * has reached once they are applied; it is below clock when the read was
 * cut short by its limit.
 */
static inline identity_sync_step
identity_sync_plan(int64_t last, int64_t clock, const identity_change *ch,
		   size_t n, int64_t *upto)
{
	if (clock < last)
		return IDENTITY_SYNC_RELOAD; /* the counter went back: restored
					      */
	if (clock == last)
		return IDENTITY_SYNC_NOTHING;
	if (n == 0)
		return IDENTITY_SYNC_RELOAD; /* everything after last was pruned
					      */
	for (size_t i = 0; i < n; i++)
		if (ch[i].seq != last + 1 + (int64_t)i)
			return IDENTITY_SYNC_RELOAD; /* a hole: pruned past us
						      */
	*upto = ch[n - 1].seq;
	return IDENTITY_SYNC_APPLY;
}

#endif
