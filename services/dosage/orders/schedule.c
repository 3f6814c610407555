/*
 * schedule.c - ListDue's rule: the next dose of an order from its
 * frequency and its last administration, on the ward's wall clock as the
 * MAR's grid (mar.c).
 */
#include <med/util.h>

#include "dosage.h"
#include "units.h"
#include "orders.h"

int64_t
dosage_next_slot_ms(dosage_zone *zone, int64_t from_ms, int64_t interval_ms)
{
	/* Slot 1 of the MAR's grid (mar.c) from from_ms. */
	if (zone == NULL || interval_ms < DOSAGE_WALL_MIN_INTERVAL_MS)
		return med_time_add_ms(from_ms, interval_ms);
	return dosage_zone_utc_ms(zone, dosage_zone_wall_ms(zone, from_ms) +
						interval_ms);
}

bool
dosage_next_due(const dosage_order *o, dosage_zone *zone, int64_t last_ms,
		int64_t now_ms, int64_t *due_ms,
		Smartmed__Dosage__V1__DueState *state)
{
	int64_t interval = 0, due;
	bool prn = false;

	if (!dosage_order_times_ok(o) || o->prn ||
	    dosage_dose_frequency_parse(o->frequency, &interval, &prn) !=
		    MED_OK ||
	    prn)
		return false;
	if (interval == 0) /* "once" */
		due = last_ms ? -1 : o->start_ms;
	else
		due = last_ms ? dosage_next_slot_ms(zone, last_ms, interval)
			      : o->start_ms;
	if (due < 0 || (o->end_ms != 0 && due > o->end_ms))
		return false;
	*due_ms = due;
	if (now_ms < due)
		*state = SMARTMED__DOSAGE__V1__DUE_STATE__DUE_STATE_UPCOMING;
	else if (now_ms <= med_time_add_ms(due, DOSAGE_DUE_GRACE_MS))
		*state = SMARTMED__DOSAGE__V1__DUE_STATE__DUE_STATE_DUE;
	else
		*state = SMARTMED__DOSAGE__V1__DUE_STATE__DUE_STATE_OVERDUE;
	return true;
}

bool
dosage_order_times_ok(const dosage_order *o)
{
	return med_time_ms_valid(o->start_ms) &&
	       med_time_ms_valid(o->created_ms);
}
