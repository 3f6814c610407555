/*
 * limits.c - no way round a limit (issue 30): the rules that close the
 * paths a ward found around the dose checks.  A PRN order of a high-alert
 * drug states its own interval and 24-h maximum; a weekly-only product
 * (oral methotrexate) is never ordered more often than weekly, nor again
 * within a week of an order in force or a dose given; a high-alert product
 * is scanned or the reason it was not is recorded; and the person who
 * charted a counted dose cannot take it out of the counts alone.  Pure
 * functions: the handlers feed them what the store read.
 */
#include <med/err.h>

#include <string.h>
#include <strings.h>

#include "dosage.h"
#include "checks.h"

#define DAY_MS (24LL * 3600 * 1000)

med_err
dosage_prn_limits_problem(const dosage_order *o, const dosage_drug *d,
			  med_problem *p)
{
	bool prn = o->prn || strcasecmp(o->frequency, "prn") == 0;

	if (!prn || !d->high_alert)
		return MED_OK;
	/* ISMP: a PRN insulin or opioid order without its own minimum
	 * interval lets doses stack minutes apart; the catalogue's interval
	 * is the product's, not this patient's. */
	if (o->prn_min_interval_minutes == 0)
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.prn_min_interval_minutes",
				       "%s is a high-alert drug: a PRN order "
				       "must state its minimum interval",
				       d->code);
	if (!(o->prn_max_daily_dose > 0))
		return med_problem_set(p, MED_ERR_INVALID,
				       "order.prn_max_daily_dose",
				       "%s is a high-alert drug: a PRN order "
				       "must state its 24-h maximum",
				       d->code);
	return MED_OK;
}

med_err
dosage_weekly_schedule_problem(const dosage_order *o, const dosage_drug *d,
			       med_problem *p)
{
	int64_t interval_ms = 0;
	bool prn = false;

	if (!d->weekly_only)
		return MED_OK;
	if (dosage_dose_frequency_parse(o->frequency, &interval_ms, &prn) !=
	    MED_OK)
		return med_problem_set(p, MED_ERR_INVALID, "order.frequency",
				       "not a known frequency");
	/* "once" has no interval: its repeats are the gap rule's. */
	if (!prn && !o->prn &&
	    (interval_ms == 0 ? strcasecmp(o->frequency, "once") == 0
			      : interval_ms >= DOSAGE_WEEK_MS))
		return MED_OK;
	return med_problem_set(p, MED_ERR_PRECONDITION, "order.frequency",
			       "%s is weekly-only: \"%s\" is more often than "
			       "weekly (order it weekly or once)",
			       d->code, o->frequency);
}

med_err
dosage_weekly_gap_problem(const dosage_drug *d, const dosage_weekly_seen *seen,
			  med_problem *p)
{
	if (!d->weekly_only)
		return MED_OK;
	if (seen->order_id[0] != '\0')
		return med_problem_set(p, MED_ERR_PRECONDITION,
				       "order.start_ms",
				       "%s is weekly-only and order %s of it "
				       "is in force; modify or stop it first",
				       d->code, seen->order_id);
	if (seen->has_dose && seen->dose_gap_ms < DOSAGE_WEEK_MS)
		return med_problem_set(
			p, MED_ERR_PRECONDITION, "order.start_ms",
			"%s is weekly-only and a dose of it "
			"was given %.1f days from this start; "
			"at least 7 days apart",
			d->code, (double)seen->dose_gap_ms / DAY_MS);
	if (seen->has_home_dose && seen->home_gap_ms < DOSAGE_WEEK_MS)
		return med_problem_set(
			p, MED_ERR_PRECONDITION, "order.start_ms",
			"%s is weekly-only and the patient took it at home "
			"(home medicine \"%s\", last dose %.1f days from "
			"this start); at least 7 days apart",
			d->code, seen->home_medicine,
			(double)seen->home_gap_ms / DAY_MS);
	return MED_OK;
}

bool
dosage_scan_required(dosage_scan_mode mode, const dosage_drug *d)
{
	return mode == DOSAGE_SCAN_ALL || d->high_alert;
}

med_err
dosage_scan_problem(dosage_scan_mode mode, const dosage_drug *d, bool scanned,
		    bool overridden, med_problem *p)
{
	if (scanned && overridden)
		return med_problem_set(p, MED_ERR_INVALID, "scan_override",
				       "only without product_scan");
	if (scanned || overridden || !dosage_scan_required(mode, d))
		return MED_OK;
	return med_problem_set(p, MED_ERR_PRECONDITION, "product_scan",
			       "%s: a scan is required (%s); without one, "
			       "scan_override with the reason",
			       d->code,
			       d->high_alert ? "a high-alert drug"
					     : "MED_DOSAGE_SCAN_REQUIRED=all");
}

bool
dosage_admin_counted(const dosage_admin *m)
{
	return strcmp(m->status, DOSAGE_ADMIN_COMPLETED) == 0 ||
	       strcmp(m->status, DOSAGE_ADMIN_ON_HOLD) == 0;
}

bool
dosage_correction_needs_second(const dosage_admin *m, const char *user)
{
	return dosage_admin_counted(m) && strcmp(m->performer, user) == 0;
}
