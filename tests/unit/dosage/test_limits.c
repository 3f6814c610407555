/*
 * test_limits.c - no way round a limit (limits.c): PRN orders of
 * high-alert drugs state their interval and 24-h maximum, weekly-only
 * drugs are never scheduled more often than weekly nor repeated within 7
 * days, a high-alert product is scanned or the reason recorded, and a
 * charter's own correction of a counted dose waits for a second person.
 */
#include "testlib.h"

#include <med/util.h>

#include "dosage.h"
#include "checks.h"

#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

static dosage_drug
drug(bool high_alert, bool weekly_only)
{
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = high_alert ? "INSULIN" : "MTX";
	d.unit = "mg";
	d.high_alert = high_alert;
	d.weekly_only = weekly_only;
	return d;
}

static dosage_order
order(const char *frequency)
{
	dosage_order o;

	smartmed__dosage__v1__order__init(&o);
	o.frequency = (char *)frequency;
	return o;
}

/* A PRN high-alert order names the first field it lacks; a scheduled
 * one, or a PRN order of an ordinary drug, needs neither. */
static void
test_prn_high_alert(void)
{
	dosage_drug ins = drug(true, false), para = drug(false, false);
	dosage_order o = order("prn");
	med_problem p = {0};

	MT_EQ_INT(dosage_prn_limits_problem(&o, &ins, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "order.prn_min_interval_minutes");
	MT_TRUE(strstr(p.reason, "high-alert") != NULL);
	o.prn_min_interval_minutes = 240;
	MT_EQ_INT(dosage_prn_limits_problem(&o, &ins, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "order.prn_max_daily_dose");
	o.prn_max_daily_dose = 30;
	MT_OK(dosage_prn_limits_problem(&o, &ins, &p));
	/* The prn flag alone makes an order PRN too. */
	o = order("q6h");
	o.prn = true;
	MT_EQ_INT(dosage_prn_limits_problem(&o, &ins, &p), MED_ERR_INVALID);
	o = order("q6h");
	MT_OK(dosage_prn_limits_problem(&o, &ins, &p));
	o = order("prn");
	MT_OK(dosage_prn_limits_problem(&o, &para, &p));
}

/* Weekly-only: weekly, qweek and once pass; every shorter schedule and
 * PRN is refused naming order.frequency. */
static void
test_weekly_schedule(void)
{
	static const char *const refused[] = {"daily", "qd",   "bid", "tid",
					      "qid",   "q72h", "q1h", "prn"};
	dosage_drug mtx = drug(false, true), plain = drug(false, false);
	med_problem p = {0};
	dosage_order o;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		o = order(refused[i]);
		MT_EQ_INT(dosage_weekly_schedule_problem(&o, &mtx, &p),
			  MED_ERR_PRECONDITION);
		MT_EQ_STR(p.field, "order.frequency");
		MT_TRUE(strstr(p.reason, "weekly-only") != NULL);
		MT_OK(dosage_weekly_schedule_problem(&o, &plain, &p));
	}
	o = order("weekly");
	MT_OK(dosage_weekly_schedule_problem(&o, &mtx, &p));
	o = order("QWEEK");
	MT_OK(dosage_weekly_schedule_problem(&o, &mtx, &p));
	o = order("once");
	MT_OK(dosage_weekly_schedule_problem(&o, &mtx, &p));
	o.prn = true;
	MT_EQ_INT(dosage_weekly_schedule_problem(&o, &mtx, &p),
		  MED_ERR_PRECONDITION);
}

/* A new order of a weekly-only drug: another in force refuses it; a dose
 * given under 7 days from its start refuses it, 7 days exactly does not. */
static void
test_weekly_gap(void)
{
	dosage_drug mtx = drug(false, true), plain = drug(false, false);
	dosage_weekly_seen seen;
	med_problem p = {0};

	memset(&seen, 0, sizeof(seen));
	MT_OK(dosage_weekly_gap_problem(&mtx, &seen, &p));
	med_strlcpy(seen.order_id, "11111111-2222-4333-8444-555555555555",
		    sizeof(seen.order_id));
	MT_EQ_INT(dosage_weekly_gap_problem(&mtx, &seen, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "order.start_ms");
	MT_TRUE(strstr(p.reason, seen.order_id) != NULL);
	MT_OK(dosage_weekly_gap_problem(&plain, &seen, &p));
	seen.order_id[0] = '\0';
	seen.has_dose = true;
	seen.dose_gap_ms = 3 * DAY_MS;
	MT_EQ_INT(dosage_weekly_gap_problem(&mtx, &seen, &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "3.0 days") != NULL);
	seen.dose_gap_ms = DOSAGE_WEEK_MS - 1;
	MT_EQ_INT(dosage_weekly_gap_problem(&mtx, &seen, &p),
		  MED_ERR_PRECONDITION);
	seen.dose_gap_ms = DOSAGE_WEEK_MS;
	MT_OK(dosage_weekly_gap_problem(&mtx, &seen, &p));
}

/* High-alert products need a scan or its override under either setting;
 * others only under "all"; both at once is bad input. */
static void
test_scan_required(void)
{
	dosage_drug ins = drug(true, false), para = drug(false, false);
	med_problem p = {0};

	MT_TRUE(dosage_scan_required(DOSAGE_SCAN_HIGH_ALERT, &ins));
	MT_TRUE(!dosage_scan_required(DOSAGE_SCAN_HIGH_ALERT, &para));
	MT_TRUE(dosage_scan_required(DOSAGE_SCAN_ALL, &para));
	MT_EQ_INT(dosage_scan_problem(DOSAGE_SCAN_HIGH_ALERT, &ins, false,
				      false, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "product_scan");
	MT_TRUE(strstr(p.reason, "scan_override") != NULL);
	MT_OK(dosage_scan_problem(DOSAGE_SCAN_HIGH_ALERT, &ins, true, false,
				  &p));
	MT_OK(dosage_scan_problem(DOSAGE_SCAN_HIGH_ALERT, &ins, false, true,
				  &p));
	MT_OK(dosage_scan_problem(DOSAGE_SCAN_HIGH_ALERT, &para, false, false,
				  &p));
	MT_EQ_INT(dosage_scan_problem(DOSAGE_SCAN_ALL, &para, false, false, &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "MED_DOSAGE_SCAN_REQUIRED=all") != NULL);
	MT_EQ_INT(dosage_scan_problem(DOSAGE_SCAN_ALL, &para, true, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "scan_override");
}

/* Only the charter's own correction of a counted dose waits; a not-given
 * record, or another person's correction, does not. */
static void
test_correction_needs_second(void)
{
	dosage_admin m;

	smartmed__dosage__v1__administration__init(&m);
	m.performer = "nurse.a";
	m.status = DOSAGE_ADMIN_COMPLETED;
	MT_TRUE(dosage_correction_needs_second(&m, "nurse.a"));
	MT_TRUE(!dosage_correction_needs_second(&m, "pharm.b"));
	m.status = DOSAGE_ADMIN_ON_HOLD;
	MT_TRUE(dosage_correction_needs_second(&m, "nurse.a"));
	m.status = DOSAGE_ADMIN_NOT_DONE;
	MT_TRUE(!dosage_correction_needs_second(&m, "nurse.a"));
	m.status = DOSAGE_ADMIN_IN_ERROR;
	MT_TRUE(!dosage_admin_counted(&m));
}

static const mt_case cases[] = {
	{"prn_high_alert", test_prn_high_alert},
	{"weekly_schedule", test_weekly_schedule},
	{"weekly_gap", test_weekly_gap},
	{"scan_required", test_scan_required},
	{"correction_needs_second", test_correction_needs_second},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
