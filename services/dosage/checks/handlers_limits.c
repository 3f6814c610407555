/*
 * handlers_limits.c - where the order RPCs apply limits.c's rules: the
 * rules that need only the order and its drug, and the weekly-only gap
 * rule, which reads the patient's other orders and doses first.
 */
#include <med/service.h>
#include <med/util.h>

#include "dosage.h"
#include "checks.h"

med_err
dosage_order_limits(med_call *call, const dosage_order *o, const dosage_drug *d)
{
	med_problem p;

	/* The weekly rule first: no interval makes a daily methotrexate
	 * order right. */
	if (dosage_weekly_schedule_problem(o, d, &p) != MED_OK ||
	    dosage_prn_limits_problem(o, d, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

med_err
dosage_weekly_gate(med_call *call, const dosage_order *o, const dosage_drug *d)
{
	dosage_weekly_seen seen;
	med_problem p;
	med_err err;

	/* Only a new order (version 1): a later version continues the
	 * schedule its doses were given on. */
	if (!d->weekly_only || o->version > 1)
		return MED_OK;
	err = dosage_store_weekly_seen(med_call_db(call), o, d, med_now_ms(),
				       &seen);
	if (err != MED_OK)
		return err;
	if (dosage_weekly_gap_problem(d, &seen, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}
