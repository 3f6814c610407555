/*
 * test_mar.c - the ward round's schedule (mar.c): an order's scheduled
 * times in a window, what answers each (a dose given near it, a dose
 * charted as not given for it), the states of the others at a time
 * (upcoming, due, late, missed, on hold), where an order stops, and when
 * an as-needed dose may next be given by the existing interval and 24-h
 * checks.
 */
#include <med/util.h>

#include "testlib.h"

#include "dosage.h"
#include "catalogue.h"
#include "dose.h"
#include "orders.h"
#include "mar.h"

#define MIN (60LL * 1000)
#define H   (60 * MIN)
#define T0  (1700000000000LL)

#define SLOT(x) SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x
#define ST(x)	SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x

typedef Smartmed__Dosage__V1__MarSlot mar_slot;

static dosage_order
order(const char *freq)
{
	dosage_order o;

	smartmed__dosage__v1__order__init(&o);
	o.id = "order-1";
	o.frequency = (char *)freq;
	o.start_ms = T0;
	o.status = ST(ACTIVE);
	o.dose = 500;
	o.unit = "mg";
	o.dose_in_drug_unit = 500;
	return o;
}

static dosage_admin
given(const char *id, int64_t at_ms)
{
	dosage_admin m;

	smartmed__dosage__v1__administration__init(&m);
	m.id = (char *)id;
	m.order_id = "order-1";
	m.status = DOSAGE_ADMIN_COMPLETED;
	m.effective_ms = at_ms;
	m.recorded_ms = at_ms;
	m.dose = 500;
	m.unit = "mg";
	return m;
}

static dosage_admin
not_given(const char *id, int64_t slot_ms)
{
	dosage_admin m = given(id, slot_ms + 2 * H);

	m.status = DOSAGE_ADMIN_NOT_DONE;
	m.scheduled_ms = slot_ms;
	m.dose = 0;
	m.not_given_reason =
		SMARTMED__DOSAGE__V1__NOT_GIVEN_REASON__NOT_GIVEN_REASON_PATIENT_REFUSED;
	return m;
}

/* slots runs dosage_mar_slots over [from, to) at now. */
static size_t
slots(med_arena *a, const dosage_order *o, int64_t from, int64_t to,
      int64_t now, const dosage_hold_span *h, size_t nh, dosage_admin *const *m,
      size_t nm, mar_slot ***out)
{
	size_t n = 99;

	MT_OK(dosage_mar_slots(a, o, NULL, from, to, now, h, nh, m, nm, out,
			       &n));
	return n;
}

static void
test_q6h_day(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_admin g = given("a-given", T0 + 20 * MIN);
	dosage_admin r = not_given("a-refused", T0 + 6 * H);
	dosage_admin *m[] = {&g, &r};
	mar_slot **s;
	size_t n =
		slots(a, &o, T0, T0 + 24 * H, T0 + 13 * H, NULL, 0, m, 2, &s);

	MT_EQ_INT(n, 4);
	MT_EQ_INT(s[0]->scheduled_ms, T0);
	MT_EQ_INT(s[3]->scheduled_ms, T0 + 18 * H);
	MT_EQ_INT(s[0]->state, SLOT(GIVEN));
	MT_EQ_STR(s[0]->administration_id, "a-given");
	MT_EQ_INT(s[0]->charted_ms, T0 + 20 * MIN);
	MT_EQ_INT(s[1]->state, SLOT(NOT_GIVEN));
	MT_EQ_STR(s[1]->administration_status, DOSAGE_ADMIN_NOT_DONE);
	MT_EQ_INT(s[1]->not_given_reason, r.not_given_reason);
	MT_EQ_INT(s[2]->state, SLOT(DUE)); /* an hour late: still due */
	MT_EQ_INT(s[3]->state, SLOT(UPCOMING));
	med_arena_free(a);
}

/* Due up to an hour after, late up to half the interval, then missed. */
static void
test_due_late_missed(void)
{
	static const struct {
		int64_t now;
		int want;
	} at[] = {
		{T0 - 1, SLOT(UPCOMING)}, {T0, SLOT(DUE)},
		{T0 + H, SLOT(DUE)},	  {T0 + H + 1, SLOT(LATE)},
		{T0 + 3 * H, SLOT(LATE)}, {T0 + 3 * H + 1, SLOT(MISSED)},
	};
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	mar_slot **s;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		MT_EQ_INT(slots(a, &o, T0, T0 + H, at[i].now, NULL, 0, NULL, 0,
				&s),
			  1);
		if ((int)s[0]->state != at[i].want)
			mt_fail(__FILE__, __LINE__,
				"now T0%+lld ms: state %d, want %d",
				(long long)(at[i].now - T0), (int)s[0]->state,
				at[i].want);
	}
	med_arena_free(a);
}

/* A dose answers the slot nearest its time within half an interval, or
 * makes up the open one before it (test_make_up); one slot takes one
 * dose; a dose given wins over a refusal charted for the same time. */
static void
test_matching(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_admin early = given("early", T0 + 4 * H + 1); /* nearer +6 h */
	dosage_admin twice = given("twice", T0 + 6 * H + 10 * MIN);
	dosage_admin again = given("again", T0 + 5 * H + 30 * MIN);
	dosage_admin before = given("before", T0 - 3 * H - 1);
	dosage_admin refused = not_given("refused", T0 + 12 * H);
	dosage_admin late = given("late", T0 + 13 * H);
	dosage_admin other = given("other", T0);
	dosage_admin *m[] = {&early,   &twice, &again, &before,
			     &refused, &late,  &other};
	mar_slot **s;

	other.order_id = "order-2";
	MT_EQ_INT(slots(a, &o, T0, T0 + 18 * H, T0 + 20 * H, NULL, 0, m, 7, &s),
		  3);
	/* "other" is another order's: "early" makes up the dose at T0 */
	MT_EQ_STR(s[0]->administration_id, "early");
	MT_EQ_STR(s[1]->administration_id, "twice"); /* "again" answers none */
	MT_EQ_INT(s[2]->state, SLOT(GIVEN));
	MT_EQ_STR(s[2]->administration_id, "late");
	med_arena_free(a);
}

/*
 * Issue 77: a dose given more than the grace before the next one's time
 * makes up the overdue dose before it (missed or late), which then reads
 * given, the next staying to come, in every window that shows either;
 * not when that dose was charted, given or not, or a hold took it, nor
 * for a weekly order.
 */
static void
test_make_up(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h"), weekly = order("weekly");
	dosage_admin up = given("up", T0 + 10 * H);	  /* slot 6 h: missed */
	dosage_admin close = given("close", T0 + 11 * H); /* 12 h, early */
	dosage_admin refused = not_given("refused", T0 + 18 * H);
	dosage_admin after = given("after", T0 + 22 * H);
	dosage_admin *m[] = {&up, &close, &refused, &after};
	dosage_hold_span hold = {T0 + 25 * H, T0 + 28 * H};
	dosage_admin held = given("held", T0 + 28 * H + 30 * MIN);
	dosage_admin *mh[] = {&held};
	dosage_admin w = given("w", T0 + 5 * 24 * H);
	dosage_admin *mw[] = {&w};
	mar_slot **s;

	MT_EQ_INT(slots(a, &o, T0, T0 + 30 * H, T0 + 29 * H, NULL, 0, m, 4, &s),
		  5);
	MT_EQ_INT(s[0]->state, SLOT(MISSED));
	MT_EQ_STR(s[1]->administration_id, "up");
	MT_EQ_STR(s[2]->administration_id, "close");
	/* refused at 18 h: "after" answers 24 h, given 2 h early */
	MT_EQ_INT(s[3]->state, SLOT(NOT_GIVEN));
	MT_EQ_STR(s[4]->administration_id, "after");
	/* a window that ends before the next slot (the ward list's, to an
	 * hour ahead) shows the made-up one */
	MT_EQ_INT(slots(a, &o, T0, T0 + 11 * H, T0 + 10 * H + 1, NULL, 0, m, 1,
			&s),
		  2);
	MT_EQ_STR(s[1]->administration_id, "up");
	/* a window that starts after the made-up slot leaves the next open */
	MT_EQ_INT(slots(a, &o, T0 + 7 * H, T0 + 13 * H, T0 + 13 * H, NULL, 0, m,
			4, &s),
		  1);
	MT_EQ_STR(s[0]->administration_id, "close");
	MT_EQ_INT(slots(a, &o, T0 + 11 * H + 30 * MIN, T0 + 13 * H,
			T0 + 10 * H + 1, NULL, 0, m, 1, &s),
		  1);
	MT_EQ_INT(s[0]->state, SLOT(UPCOMING));
	/* the dose at 24 h was held at its time: 28 h 30 answers 30 h */
	MT_EQ_INT(slots(a, &o, T0 + 24 * H, T0 + 31 * H, T0 + 29 * H, &hold, 1,
			mh, 1, &s),
		  2);
	MT_EQ_INT(s[0]->state, SLOT(ON_HOLD));
	MT_EQ_STR(s[1]->administration_id, "held");
	/* weekly: the nearest, as before */
	MT_EQ_INT(slots(a, &weekly, T0, T0 + 8 * 24 * H, T0 + 6 * 24 * H, NULL,
			0, mw, 1, &s),
		  2);
	MT_EQ_INT(s[0]->state, SLOT(MISSED));
	MT_EQ_STR(s[1]->administration_id, "w");
	med_arena_free(a);
}

/* A record marked entered in error answers no slot, given or not: the
 * slot reads as if it had never been charted, and a dose charted anew
 * answers it. */
static void
test_entered_in_error(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_admin wrong = given("wrong", T0 + 10 * MIN);
	dosage_admin anew = given("anew", T0 + 20 * MIN);
	dosage_admin refused = not_given("refused", T0 + 6 * H);
	dosage_admin *m[] = {&wrong, &refused, &anew};
	mar_slot **s;

	wrong.status = DOSAGE_ADMIN_IN_ERROR;
	refused.status = DOSAGE_ADMIN_IN_ERROR;
	MT_EQ_INT(slots(a, &o, T0, T0 + 12 * H, T0 + 8 * H, NULL, 0, m, 2, &s),
		  2);
	MT_EQ_INT(s[0]->state, SLOT(MISSED));
	MT_EQ_INT(s[1]->state, SLOT(LATE));
	MT_EQ_INT(slots(a, &o, T0, T0 + 12 * H, T0 + 8 * H, NULL, 0, m, 3, &s),
		  2);
	MT_EQ_INT(s[0]->state, SLOT(GIVEN));
	MT_EQ_STR(s[0]->administration_id, "anew");
	med_arena_free(a);
}

/* A dose on hold for its second check is overdue only after the 30-minute
 * window, and a confirmed one never; the slot says so. */
static void
test_confirmation_overdue(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_admin held = given("held", T0);
	dosage_admin done = given("done", T0);
	dosage_admin *m[] = {&held};
	mar_slot **s;

	held.status = DOSAGE_ADMIN_ON_HOLD;
	MT_TRUE(!dosage_admin_overdue(&held, T0 + 30 * MIN));
	MT_TRUE(dosage_admin_overdue(&held, T0 + 30 * MIN + 1));
	MT_TRUE(!dosage_admin_overdue(&done, T0 + 5 * H));
	MT_EQ_INT(slots(a, &o, T0, T0 + H, T0 + 20 * MIN, NULL, 0, m, 1, &s),
		  1);
	MT_TRUE(!s[0]->confirmation_overdue);
	MT_EQ_INT(slots(a, &o, T0, T0 + H, T0 + 31 * MIN, NULL, 0, m, 1, &s),
		  1);
	/* Waiting for its second check: never shown as given (issue 47). */
	MT_EQ_INT(s[0]->state, SLOT(AWAITING_COSIGN));
	MT_TRUE(s[0]->confirmation_overdue);
	m[0] = &done;
	MT_EQ_INT(slots(a, &o, T0, T0 + H, T0 + 31 * MIN, NULL, 0, m, 1, &s),
		  1);
	MT_EQ_INT(s[0]->state, SLOT(GIVEN));
	MT_TRUE(!s[0]->confirmation_overdue);
	med_arena_free(a);
}

/* A dose charted with a deviation shows it on its slot. */
static void
test_slot_deviation(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_admin done = given("done", T0);
	dosage_deviation why = SMARTMED__DOSAGE__V1__DOSE_DEVIATION__INIT;
	dosage_admin *m[] = {&done};
	mar_slot **s;

	why.reason =
		SMARTMED__DOSAGE__V1__DOSE_DEVIATION_REASON__DOSE_DEVIATION_REASON_VOMITED_REPEAT;
	done.dose_deviation = &why;
	done.dose_deviation_summary = "charted 1000 mg, ordered 500 mg";
	MT_EQ_INT(slots(a, &o, T0, T0 + H, T0 + 10 * MIN, NULL, 0, m, 1, &s),
		  1);
	MT_EQ_INT(s[0]->state, SLOT(GIVEN));
	MT_EQ_STR(s[0]->dose_deviation_summary,
		  "charted 1000 mg, ordered 500 mg");
	MT_TRUE(s[0]->dose_deviation == &why);
	med_arena_free(a);
}

/* Times on hold show as such; a version made from a held order is held
 * from the hold it carried. */
static void
test_holds(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_hold_event ev[] = {{"order-1", true, T0 + 5 * H},
				  {"order-2", false, T0 + 6 * H},
				  {"order-1", false, T0 + 11 * H},
				  {"order-1", true, T0 + 17 * H}};
	dosage_hold_rows rows = {.items = ev, .n = 4, .cap = 4};
	dosage_hold_span sp[8];
	size_t n = dosage_hold_spans(&o, &rows, sp, 8);
	mar_slot **s;

	MT_EQ_INT(n, 2);
	MT_EQ_INT(sp[0].from_ms, T0 + 5 * H);
	MT_EQ_INT(sp[0].to_ms, T0 + 11 * H);
	MT_EQ_INT(sp[1].to_ms, INT64_MAX);
	MT_EQ_INT(
		slots(a, &o, T0, T0 + 24 * H, T0 + 30 * H, sp, n, NULL, 0, &s),
		4);
	MT_EQ_INT(s[0]->state, SLOT(MISSED));
	MT_EQ_INT(s[1]->state, SLOT(ON_HOLD));
	MT_EQ_INT(s[2]->state, SLOT(MISSED));
	MT_EQ_INT(s[3]->state, SLOT(ON_HOLD));
	o.id = "order-3";
	o.status = ST(ON_HOLD);
	o.held_ms = T0 + 2 * H;
	n = dosage_hold_spans(&o, &rows, sp, 8);
	MT_EQ_INT(n, 1);
	MT_EQ_INT(sp[0].from_ms, T0 + 2 * H);
	MT_EQ_INT(sp[0].to_ms, INT64_MAX);
	/* The carried hold ends when the version is resumed. */
	ev[1] = (dosage_hold_event){"order-3", false, T0 + 9 * H};
	o.status = ST(ACTIVE);
	n = dosage_hold_spans(&o, &rows, sp, 8);
	MT_EQ_INT(n, 1);
	MT_EQ_INT(sp[0].from_ms, T0 + 2 * H);
	MT_EQ_INT(sp[0].to_ms, T0 + 9 * H);
	med_arena_free(a);
}

/* Slots stop at the order's end (inclusive), its discontinuation or its
 * replacement (exclusive); pending and PRN orders have none. */
static void
test_stops(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	mar_slot **s;

	o.end_ms = T0 + 12 * H;
	MT_EQ_INT(dosage_order_stop_ms(&o), T0 + 12 * H + 1);
	MT_EQ_INT(slots(a, &o, T0, T0 + 48 * H, T0, NULL, 0, NULL, 0, &s), 3);
	o = order("q6h");
	o.status = ST(SUPERSEDED);
	o.replaced_ms = T0 + 6 * H;
	MT_EQ_INT(slots(a, &o, T0, T0 + 48 * H, T0, NULL, 0, NULL, 0, &s), 1);
	o = order("q6h");
	o.status = ST(STOPPED);
	o.discontinued_ms = T0 + 6 * H + 1;
	MT_EQ_INT(slots(a, &o, T0, T0 + 48 * H, T0, NULL, 0, NULL, 0, &s), 2);
	o = order("q6h");
	o.status = ST(PENDING_VERIFICATION);
	MT_EQ_INT(slots(a, &o, T0, T0 + 48 * H, T0, NULL, 0, NULL, 0, &s), 0);
	o = order("prn");
	MT_EQ_INT(slots(a, &o, T0, T0 + 48 * H, T0, NULL, 0, NULL, 0, &s), 0);
	o = order("q6h");
	o.prn = true;
	MT_EQ_INT(slots(a, &o, T0, T0 + 48 * H, T0, NULL, 0, NULL, 0, &s), 0);
	/* A later version keeps the grid but has the times from when it was
	 * made; the ones before are its predecessor's. */
	o = order("q6h");
	o.replaces_order_id = "order-0";
	o.created_ms = T0 + 7 * H;
	MT_EQ_INT(dosage_order_from_ms(&o), T0 + 7 * H);
	MT_EQ_INT(slots(a, &o, T0, T0 + 24 * H, T0, NULL, 0, NULL, 0, &s), 2);
	MT_EQ_INT(s[0]->scheduled_ms, T0 + 12 * H);
	/* A window that starts mid-schedule keeps the order's grid. */
	o = order("q8h");
	MT_EQ_INT(slots(a, &o, T0 + H, T0 + 17 * H, T0, NULL, 0, NULL, 0, &s),
		  2);
	MT_EQ_INT(s[0]->scheduled_ms, T0 + 8 * H);
	med_arena_free(a);
}

static void
test_once(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("once");
	dosage_admin g = given("g", T0 + 5 * H);
	dosage_admin *m[] = {&g};
	mar_slot **s;

	MT_EQ_INT(
		slots(a, &o, T0 - H, T0 + H, T0 + 2 * H, NULL, 0, NULL, 0, &s),
		1);
	MT_EQ_INT(s[0]->state, SLOT(LATE));
	slots(a, &o, T0 - H, T0 + H, T0 + 24 * H + 1, NULL, 0, NULL, 0, &s);
	MT_EQ_INT(s[0]->state, SLOT(MISSED));
	slots(a, &o, T0 - H, T0 + H, T0 + 24 * H + 1, NULL, 0, m, 1, &s);
	MT_EQ_INT(s[0]->state, SLOT(GIVEN));
	MT_EQ_INT(slots(a, &o, T0 + 1, T0 + H, T0, NULL, 0, NULL, 0, &s), 0);
	med_arena_free(a);
}

/* RecordNotGiven names a slot: the nearest one is found, within the
 * order's start and end. */
static void
test_order_slot(void)
{
	dosage_order o = order("q6h");
	int64_t slot = 0;

	MT_TRUE(dosage_order_slot(&o, NULL, T0 + 6 * H, &slot));
	MT_EQ_INT(slot, T0 + 6 * H);
	MT_TRUE(dosage_order_slot(&o, NULL, T0 + 8 * H, &slot));
	MT_EQ_INT(slot, T0 + 6 * H);
	MT_TRUE(dosage_order_slot(&o, NULL, T0 + 9 * H, &slot));
	MT_EQ_INT(slot, T0 + 12 * H);
	MT_TRUE(dosage_order_slot(&o, NULL, T0 - 5 * H, &slot));
	MT_EQ_INT(slot, T0);
	o.end_ms = T0 + 13 * H;
	MT_TRUE(dosage_order_slot(&o, NULL, T0 + 40 * H, &slot));
	MT_EQ_INT(slot, T0 + 12 * H);
	o = order("prn");
	MT_TRUE(!dosage_order_slot(&o, NULL, T0, &slot));
}

/* A row stored before the time checks: a start out of the bounds gives no
 * scheduled times; an end past them (2^63-1) runs on like no end and
 * stops at INT64_MAX; no signed overflow on the way (this binary runs
 * under UBSan with SANITIZER=undefined). */
static void
test_stored_times_out_of_range(void)
{
	static const int64_t bad[] = {INT64_MAX, INT64_MIN, 253402300799000LL};
	med_arena *a = med_arena_new(1 << 16);
	mar_slot **out;
	size_t n = 1;
	int64_t slot = -1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dosage_order o = order("q6h");

		o.start_ms = bad[i];
		MT_TRUE(!dosage_order_times_ok(&o));
		MT_TRUE(!dosage_order_slot(&o, NULL, T0 + 6 * H, &slot));
		MT_OK(dosage_mar_slots(a, &o, NULL, T0, T0 + 24 * H, T0, NULL,
				       0, NULL, 0, &out, &n));
		MT_EQ_INT(n, 0);
	}
	{
		dosage_order o = order("q6h");

		o.end_ms = INT64_MAX;
		MT_TRUE(dosage_order_times_ok(&o));
		MT_EQ_INT(dosage_order_stop_ms(&o), INT64_MAX);
		MT_TRUE(dosage_order_slot(&o, NULL, T0 + 40 * H, &slot));
		MT_EQ_INT(slot, T0 + 42 * H);
		MT_OK(dosage_mar_slots(a, &o, NULL, T0, T0 + 24 * H, T0, NULL,
				       0, NULL, 0, &out, &n));
		MT_EQ_INT(n, 4);
	}
	{
		/* A stored dose out of the bounds answers no slot, and a
		 * stored recorded_ms of INT64_MIN is simply long overdue. */
		dosage_order o = order("q6h");
		dosage_admin m = given("a", INT64_MIN);
		dosage_admin *ms[] = {&m};

		n = slots(a, &o, T0, T0 + 24 * H, T0 + 25 * H, NULL, 0, ms, 1,
			  &out);
		MT_EQ_INT(n, 4);
		for (size_t i = 0; i < n; i++)
			MT_EQ_STR(out[i]->administration_id, "");
		m.status = DOSAGE_ADMIN_ON_HOLD;
		MT_TRUE(dosage_admin_overdue(&m, T0));
	}
	med_arena_free(a);
}

/* --- PRN ----------------------------------------------------------------- */

static dosage_drug
paracetamol(void)
{
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "161";
	d.name = "Paracetamol";
	d.unit = "mg";
	d.max_single_dose = 1000;
	d.max_daily_dose = 4000;
	d.min_interval_minutes = 240;
	return d;
}

/* given_at is a list of n doses at t (ascending); its arrays are static,
 * one list at a time. */
static dosage_given_list
given_at(const int64_t *t, size_t n, double amount)
{
	static int64_t t_ms[16];
	static double amounts[16];
	dosage_given_list g;

	MT_TRUE(n <= 16);
	memset(&g, 0, sizeof(g));
	g.n_substances = 1;
	g.s[0].t_ms = t_ms;
	g.s[0].amount = amounts;
	g.s[0].cap = 16;
	for (size_t i = 0; i < n; i++) {
		g.s[0].t_ms[i] = t[i];
		g.s[0].amount[i] = amount;
		g.s[0].lifetime += amount;
		if (t[i] > g.s[0].latest_ms)
			g.s[0].latest_ms = t[i];
	}
	g.s[0].n = n;
	return g;
}

static dosage_dose_patient
adult(void)
{
	dosage_dose_patient p;

	memset(&p, 0, sizeof(p));
	p.has_age = true;
	p.age_years = 45;
	p.age_days = 45 * 365;
	p.allergies_known = true;
	return p;
}

static void
forecast(med_arena *a, const dosage_drug *d, const dosage_order *o,
	 const dosage_dose_patient *p, const dosage_given_list *g,
	 Smartmed__Dosage__V1__MarPrn *prn)
{
	smartmed__dosage__v1__mar_prn__init(prn);
	dosage_prn_forecast(a, d, o, p, g, T0, prn);
}

/* The interval check decides: four hours after the last dose. */
static void
test_prn_interval(void)
{
	dosage_drug d = paracetamol();
	dosage_order o = order("prn");
	dosage_dose_patient p = adult();
	int64_t t[] = {T0 - H};
	dosage_given_list g = given_at(t, 1, 1000);
	Smartmed__Dosage__V1__MarPrn prn;
	med_arena *a = med_arena_new(1 << 16);

	o.prn = true;
	o.dose = o.dose_in_drug_unit = 1000;
	forecast(a, &d, &o, &p, &g, &prn);
	MT_EQ_INT(prn.last_given_ms, T0 - H);
	MT_TRUE(prn.next_ms >= T0 + 3 * H && prn.next_ms <= T0 + 3 * H + 1000);
	MT_TRUE(strstr(prn.reason, "interval") != NULL);
	MT_NEAR(prn.given_24h, 1000, 1e-9);
	/* The order's own, longer interval holds too. */
	o.prn_min_interval_minutes = 360;
	forecast(a, &d, &o, &p, &g, &prn);
	MT_TRUE(prn.next_ms >= T0 + 5 * H && prn.next_ms <= T0 + 5 * H + 1000);
	med_arena_free(a);
}

/* The 24-h maximum decides: the next dose waits until the oldest of the
 * day's doses leaves the window. */
static void
test_prn_daily(void)
{
	dosage_drug d = paracetamol();
	dosage_order o = order("prn");
	dosage_dose_patient p = adult();
	int64_t t[] = {T0 - 23 * H, T0 - 17 * H, T0 - 11 * H, T0 - 5 * H};
	dosage_given_list g = given_at(t, 4, 1000);
	Smartmed__Dosage__V1__MarPrn prn;
	med_arena *a = med_arena_new(1 << 16);

	o.prn = true;
	o.dose = o.dose_in_drug_unit = 1000;
	forecast(a, &d, &o, &p, &g, &prn);
	MT_TRUE(prn.next_ms > T0 + H && prn.next_ms <= T0 + H + 1000);
	MT_NEAR(prn.given_24h, 4000, 1e-9);
	MT_TRUE(strstr(prn.reason, "24") != NULL);
	med_arena_free(a);
}

/* Nothing given: now; a stop that time never clears: no time. */
static void
test_prn_now_and_never(void)
{
	dosage_drug d = paracetamol();
	dosage_order o = order("prn");
	dosage_dose_patient p = adult();
	dosage_given_list none = given_at(NULL, 0, 0);
	Smartmed__Dosage__V1__MarPrn prn;
	med_arena *a = med_arena_new(1 << 16);

	o.prn = true;
	forecast(a, &d, &o, &p, &none, &prn);
	MT_EQ_INT(prn.next_ms, T0);
	MT_EQ_STR(prn.reason, "");
	MT_EQ_INT(prn.last_given_ms, 0);
	d.max_dose_per_kg = 10; /* 500 mg for 20 kg is 25 mg/kg */
	p.has_weight = true;
	p.weight_kg = 20;
	p.weight_ms = T0;
	forecast(a, &d, &o, &p, &none, &prn);
	MT_EQ_INT(prn.next_ms, 0);
	MT_TRUE(strstr(prn.reason, "kg") != NULL);
	med_arena_free(a);
}

/* --- the ward's time zone (issue 30: a MAR a nurse can read) ------------- */

/* 2026-03-27 08:00 UTC (08:00 GMT); Europe/London goes to BST (+01:00) at
 * 01:00 UTC on 2026-03-29 and back at 01:00 UTC on 2026-10-25. */
#define SPRING_0800 1774598400000LL
#define SPRING_0000 1774656000000LL /* 2026-03-28 00:00 UTC */
#define SPRING_0130 1774661400000LL /* 2026-03-28 01:30 UTC */
#define AUTUMN_0800 1792738800000LL /* 2026-10-23 08:00 BST */
#define AUTUMN_0130 1792801800000LL /* 2026-10-24 01:30 BST */

static dosage_zone *
london(void)
{
	dosage_zone *z = NULL;

	MT_OK(dosage_zone_open("Europe/London", &z));
	return z;
}

/* slot_times runs dosage_mar_slots in z and gives the slots' times. */
static size_t
slot_times(med_arena *a, dosage_zone *z, const dosage_order *o, int64_t from,
	   int64_t to, int64_t *t, size_t cap)
{
	mar_slot **s;
	size_t n = 0;

	MT_OK(dosage_mar_slots(a, o, z, from, to, from, NULL, 0, NULL, 0, &s,
			       &n));
	for (size_t i = 0; i < n && i < cap; i++)
		t[i] = s[i]->scheduled_ms;
	return n;
}

/* A daily 08:00 dose stays at 08:00 on the ward's clock across both clock
 * changes: 23 hours apart in spring, 25 in autumn. */
static void
test_dst_daily_keeps_clock_time(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_zone *z = london();
	dosage_order o = order("daily");
	int64_t t[8];

	o.start_ms = SPRING_0800;
	MT_EQ_INT(slot_times(a, z, &o, SPRING_0800, SPRING_0800 + 90 * H, t, 8),
		  4);
	MT_EQ_INT(t[1], SPRING_0800 + 24 * H);
	MT_EQ_INT(t[2], SPRING_0800 + 47 * H); /* 08:00 BST is 07:00 UTC */
	MT_EQ_INT(t[3], SPRING_0800 + 71 * H);
	MT_EQ_STR(dosage_zone_rfc3339(a, z, t[1]), "2026-03-28T08:00:00+00:00");
	MT_EQ_STR(dosage_zone_rfc3339(a, z, t[2]), "2026-03-29T08:00:00+01:00");
	o.start_ms = AUTUMN_0800;
	MT_EQ_INT(slot_times(a, z, &o, AUTUMN_0800, AUTUMN_0800 + 96 * H, t, 8),
		  4);
	MT_EQ_INT(t[1], AUTUMN_0800 + 24 * H);
	MT_EQ_INT(t[2], AUTUMN_0800 + 49 * H); /* 08:00 GMT is 08:00 UTC */
	MT_EQ_STR(dosage_zone_rfc3339(a, z, t[2]), "2026-10-25T08:00:00+00:00");
	/* Without a zone (UTC) the grid is elapsed time, as before. */
	MT_EQ_INT(slot_times(a, NULL, &o, AUTUMN_0800, AUTUMN_0800 + 96 * H, t,
			     8),
		  4);
	MT_EQ_INT(t[2], AUTUMN_0800 + 48 * H);
	dosage_zone_close(z);
	med_arena_free(a);
}

/* q6h at 00/06/12/18 keeps those clock times; q2h (under 4 h) keeps its
 * elapsed spacing, which the order's 30-minute tolerance needs. */
static void
test_dst_intervals(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_zone *z = london();
	dosage_order o = order("q6h");
	int64_t t[16];

	o.start_ms = SPRING_0000;
	MT_EQ_INT(
		slot_times(a, z, &o, SPRING_0000, SPRING_0000 + 48 * H, t, 16),
		9);
	MT_EQ_INT(t[4], SPRING_0000 + 24 * H); /* 00:00 GMT on the 29th */
	MT_EQ_INT(t[5], SPRING_0000 + 29 * H); /* 06:00 BST */
	MT_EQ_STR(dosage_zone_rfc3339(a, z, t[5]), "2026-03-29T06:00:00+01:00");
	o = order("q2h");
	o.start_ms = SPRING_0000 + 24 * H;
	MT_EQ_INT(slot_times(a, z, &o, o.start_ms, o.start_ms + 6 * H, t, 16),
		  3);
	MT_EQ_INT(t[1], o.start_ms + 2 * H);
	MT_EQ_INT(t[2], o.start_ms + 4 * H);
	dosage_zone_close(z);
	med_arena_free(a);
}

/* A clock time the change skips (01:30 on 29 March) is read with the
 * offset before it (02:30 BST, 24 h on); one it repeats (01:30 on 25
 * October) is the first of the two. */
static void
test_dst_skipped_and_repeated(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_zone *z = london();
	dosage_order o = order("daily");
	int64_t t[4];

	o.start_ms = SPRING_0130;
	MT_EQ_INT(slot_times(a, z, &o, SPRING_0130, SPRING_0130 + 49 * H, t, 4),
		  3);
	MT_EQ_INT(t[1], SPRING_0130 + 24 * H);
	MT_EQ_STR(dosage_zone_rfc3339(a, z, t[1]), "2026-03-29T02:30:00+01:00");
	MT_EQ_INT(t[2], SPRING_0130 + 47 * H); /* 01:30 BST on the 30th */
	o.start_ms = AUTUMN_0130;
	MT_EQ_INT(slot_times(a, z, &o, AUTUMN_0130, AUTUMN_0130 + 50 * H, t, 4),
		  3);
	MT_EQ_INT(t[1], AUTUMN_0130 + 24 * H);
	MT_EQ_STR(dosage_zone_rfc3339(a, z, t[1]), "2026-10-25T01:30:00+01:00");
	MT_EQ_INT(t[2], AUTUMN_0130 + 49 * H);
	dosage_zone_close(z);
	med_arena_free(a);
}

/* A dose given at 08:05 BST answers the 08:00 slot after the change, and
 * RecordNotGiven's slot lookup finds the same grid. */
static void
test_dst_matching_and_order_slot(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_zone *z = london();
	dosage_order o = order("daily");
	int64_t day3 = SPRING_0800 + 47 * H, slot = 0;
	dosage_admin g = given("g", day3 + 5 * MIN);
	dosage_admin *m[] = {&g};
	mar_slot **s;
	size_t n = 0;

	o.start_ms = SPRING_0800;
	MT_OK(dosage_mar_slots(a, &o, z, SPRING_0800, SPRING_0800 + 90 * H,
			       day3 + H, NULL, 0, m, 1, &s, &n));
	MT_EQ_INT(n, 4);
	MT_EQ_INT(s[2]->state, SLOT(GIVEN));
	MT_EQ_STR(s[2]->administration_id, "g");
	MT_EQ_INT(s[3]->state, SLOT(UPCOMING));
	MT_TRUE(dosage_order_slot(&o, z, day3 + 2 * H, &slot));
	MT_EQ_INT(slot, day3);
	MT_TRUE(dosage_order_slot(&o, z, day3 - 11 * H, &slot));
	MT_EQ_INT(slot, day3);
	MT_TRUE(dosage_order_slot(&o, NULL, day3, &slot));
	MT_EQ_INT(slot, SPRING_0800 + 48 * H); /* UTC: elapsed days */
	o.end_ms = day3 + H;
	MT_TRUE(dosage_order_slot(&o, z, day3 + 30 * H, &slot));
	MT_EQ_INT(slot, day3);
	dosage_zone_close(z);
	med_arena_free(a);
}

/* The zone setting: IANA names ICU knows; anything else is refused. */
static void
test_zone_names(void)
{
	static const char *bad[] = {
		"",	     "Europe/Lndon",  "../etc/passwd",
		"Mars/Base", "Europe London", NULL};
	med_arena *a = med_arena_new(1 << 12);
	dosage_zone *z = NULL;

	MT_OK(dosage_zone_check("UTC"));
	MT_OK(dosage_zone_check("Europe/London"));
	MT_OK(dosage_zone_check("America/Argentina/Buenos_Aires"));
	for (size_t i = 0; bad[i] != NULL; i++)
		if (dosage_zone_check(bad[i]) != MED_ERR_INVALID)
			mt_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
	MT_TRUE(dosage_zone_open("Europe/Lndon", &z) == MED_ERR_INVALID);
	MT_TRUE(dosage_zone_check(NULL) == MED_ERR_INVALID);
	MT_EQ_STR(dosage_zone_name(NULL), "UTC");
	MT_EQ_STR(dosage_zone_rfc3339(a, NULL, SPRING_0800 + 250),
		  "2026-03-27T08:00:00.250+00:00");
	MT_OK(dosage_zone_open("America/New_York", &z));
	MT_EQ_STR(dosage_zone_rfc3339(a, z, SPRING_0800),
		  "2026-03-27T04:00:00-04:00");
	MT_EQ_STR(dosage_zone_rfc3339(a, z, INT64_MAX), "");
	dosage_zone_close(z);
	med_arena_free(a);
}

/* --- held orders never invite a dose ------------------------------------- */

/* A dose due before a hold and not charted when the hold began reads as
 * held, not "late, may still be given" (then or after the resume); one
 * already missed when it began stays missed. */
static void
test_hold_takes_open_doses(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_hold_span open = {T0 + 30 * MIN, INT64_MAX};
	dosage_hold_span resumed = {T0 + 30 * MIN, T0 + 2 * H};
	dosage_hold_span later = {T0 + 4 * H, INT64_MAX};
	mar_slot **s;

	/* Before: late, and so open to a late dose. */
	MT_EQ_INT(slots(a, &o, T0, T0 + H, T0 + 90 * MIN, NULL, 0, NULL, 0, &s),
		  1);
	MT_EQ_INT(s[0]->state, SLOT(LATE));
	MT_EQ_INT(slots(a, &o, T0, T0 + 7 * H, T0 + 90 * MIN, &open, 1, NULL, 0,
			&s),
		  2);
	MT_EQ_INT(s[0]->state, SLOT(ON_HOLD));
	MT_EQ_INT(s[1]->state, SLOT(ON_HOLD));
	MT_EQ_INT(slots(a, &o, T0, T0 + 7 * H, T0 + 150 * MIN, &resumed, 1,
			NULL, 0, &s),
		  2);
	MT_EQ_INT(s[0]->state, SLOT(ON_HOLD));
	MT_EQ_INT(s[1]->state, SLOT(UPCOMING));
	/* A hold that begins after a dose was already missed. */
	MT_EQ_INT(slots(a, &o, T0, T0 + H, T0 + 5 * H, &later, 1, NULL, 0, &s),
		  1);
	MT_EQ_INT(s[0]->state, SLOT(MISSED));
	/* A hold not yet begun at now changes nothing. */
	MT_EQ_INT(
		slots(a, &o, T0, T0 + H, T0 + 20 * MIN, &open, 1, NULL, 0, &s),
		1);
	MT_EQ_INT(s[0]->state, SLOT(DUE));
	med_arena_free(a);
}

/* --- what the nurse reads: names, strengths, rounded doses ---------------- */

static void
test_dose_rounding(void)
{
	med_arena *a = med_arena_new(1 << 12);
	/* 2.3 mL of heparin 25000 units in 25 mL, as dosage_convert
	 * computes it: 2299.9999999999995. */
	double heparin = 2.3 * 25000 / 25;

	MT_TRUE(heparin != 2300);
	MT_TRUE(dosage_dose_round(heparin) == 2300);
	MT_TRUE(dosage_dose_round(0.1 + 0.2) == 0.3);
	MT_TRUE(dosage_dose_round(0.5) == 0.5);
	MT_TRUE(dosage_dose_round(0.0625) == 0.0625);
	MT_TRUE(dosage_dose_round(1234567.4) == 1234567);
	MT_EQ_STR(dosage_amount_text(a, heparin, "[iU]"), "2300 units");
	MT_EQ_STR(dosage_amount_text(a, 0.5, "mg"), "0.5 mg");
	MT_EQ_STR(dosage_amount_text(a, 62.5, "ug"), "62.5 ug");
	MT_EQ_STR(dosage_amount_text(a, 1000, "mg"), "1000 mg");
	MT_EQ_STR(dosage_amount_text(a, 0.000125, "mg"), "0.000125 mg");
	med_arena_free(a);
}

static void
test_labels(void)
{
	med_arena *a = med_arena_new(1 << 12);
	dosage_drug d;
	dosage_order o = order("q12h");

	smartmed__dosage__v1__drug__init(&d);
	d.unit = "tablet";
	d.strength = 500;
	d.strength_unit = "mg";
	MT_EQ_STR(dosage_drug_strength_text(a, &d), "500 mg per tablet");
	d.unit = "[iU]";
	d.strength = 0;
	d.concentration_amount = 1000;
	d.concentration_volume_ml = 1;
	MT_EQ_STR(dosage_drug_strength_text(a, &d), "1000 units per mL");
	d.unit = "mg";
	d.concentration_amount = 120;
	d.concentration_volume_ml = 5;
	MT_EQ_STR(dosage_drug_strength_text(a, &d), "120 mg in 5 mL");
	d.concentration_amount = 0;
	MT_EQ_STR(dosage_drug_strength_text(a, &d), "");
	o.dose = 2.3;
	o.unit = "mL";
	o.drug_unit = "[iU]";
	o.dose_in_drug_unit = 2.3 * 25000 / 25;
	MT_EQ_STR(dosage_order_dose_text(a, &o), "2.3 mL (2300 units)");
	o.infusion_rate = 5;
	o.infusion_rate_unit = "mL/h";
	MT_TRUE(dosage_order_is_infusion(&o));
	MT_EQ_STR(dosage_order_dose_text(a, &o), "5 mL/h");
	dosage_mar_round_order(&o);
	MT_TRUE(o.dose_in_drug_unit == 2300);
	med_arena_free(a);
}

/* --- infusions read as running, not as a bolus -----------------------------
 */

static Smartmed__Dosage__V1__InfusionRate *
rate(med_arena *a, int64_t at, double r, double per_h)
{
	Smartmed__Dosage__V1__InfusionRate *x = med_arena_zalloc(a, sizeof(*x));

	smartmed__dosage__v1__infusion_rate__init(x);
	x->effective_ms = at;
	x->rate = r;
	x->rate_unit = "mL/h";
	x->rate_drug_unit_per_hour = per_h;
	return x;
}

static void
test_infusion_line(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("once");
	Smartmed__Dosage__V1__Infusion inf;
	Smartmed__Dosage__V1__Infusion *all[] = {&inf};
	Smartmed__Dosage__V1__InfusionRate *rates[2];
	Smartmed__Dosage__V1__MarInfusion line;

	smartmed__dosage__v1__infusion__init(&inf);
	inf.id = "inf-1";
	inf.order_id = "order-1";
	inf.drug_unit = "[iU]";
	inf.started_ms = T0;
	rates[0] = rate(a, T0, 2, 2000);
	rates[1] = rate(a, T0 + 2 * H, 1.3, 1.3 * 1000);
	inf.rates = rates;
	inf.n_rates = 2;
	smartmed__dosage__v1__mar_infusion__init(&line);
	MT_OK(dosage_mar_infusion(a, NULL, &o, all, 1, T0 - H, &line));
	MT_EQ_INT(
		line.state,
		SMARTMED__DOSAGE__V1__MAR_INFUSION_STATE__MAR_INFUSION_STATE_NOT_STARTED);
	smartmed__dosage__v1__mar_infusion__init(&line);
	MT_OK(dosage_mar_infusion(a, NULL, &o, all, 1, T0 + 3 * H, &line));
	MT_EQ_INT(
		line.state,
		SMARTMED__DOSAGE__V1__MAR_INFUSION_STATE__MAR_INFUSION_STATE_RUNNING);
	MT_TRUE(line.rate == 1.3);
	MT_TRUE(line.rate_drug_unit_per_hour == 1300);
	MT_EQ_STR(line.rate_text, "1.3 mL/h (1300 units/h)");
	MT_EQ_INT(line.since_ms, T0 + 2 * H);
	MT_EQ_STR(line.since_time, "2023-11-15T00:13:20+00:00");
	inf.stopped_ms = T0 + 4 * H;
	smartmed__dosage__v1__mar_infusion__init(&line);
	MT_OK(dosage_mar_infusion(a, NULL, &o, all, 1, T0 + 5 * H, &line));
	MT_EQ_INT(
		line.state,
		SMARTMED__DOSAGE__V1__MAR_INFUSION_STATE__MAR_INFUSION_STATE_STOPPED);
	MT_EQ_STR(line.rate_text, "stopped");
	MT_EQ_INT(line.since_ms, T0 + 4 * H);
	med_arena_free(a);
}

/* --- the patient banner -------------------------------------------------- */

static void
test_banner(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_zone *z = london();
	med_patient_banner who = {.mrn = "MRN-1",
				  .family_name = "Round",
				  .given_name = "Ward",
				  .birth_date = "1961-05-06"};
	dosage_dose_patient p = adult();
	const char *allergies[] = {"Penicillin", "Latex"};
	Smartmed__Dosage__V1__MarPatient b;

	p.has_weight = true;
	p.weight_kg = 72.4;
	p.weight_ms = SPRING_0800 + 47 * H;
	p.allergies = allergies;
	p.n_allergies = 2;
	p.source = "record";
	smartmed__dosage__v1__mar_patient__init(&b);
	MT_OK(dosage_mar_banner(a, z, &who, &p, SPRING_0800 + 48 * H, &b));
	MT_EQ_STR(b.display_name, "ROUND, Ward");
	MT_EQ_STR(b.mrn, "MRN-1");
	MT_EQ_INT(b.age_years, 64);
	MT_EQ_STR(b.age_text, "64 y");
	MT_TRUE(b.weight_kg == 72.4);
	MT_EQ_STR(b.weight_time, "2026-03-29T08:00:00+01:00");
	MT_EQ_STR(b.allergy_text, "Penicillin; Latex");
	MT_EQ_INT(b.n_allergies, 2);
	/* An infant: months, then days; no allergies; not assessed. */
	med_strlcpy(who.birth_date, "2025-10-20", sizeof(who.birth_date));
	p.n_allergies = 0;
	smartmed__dosage__v1__mar_patient__init(&b);
	MT_OK(dosage_mar_banner(a, z, &who, &p, SPRING_0800, &b));
	MT_EQ_STR(b.age_text, "5 mo");
	MT_EQ_STR(b.allergy_text, "No known allergies");
	med_strlcpy(who.birth_date, "2026-03-15", sizeof(who.birth_date));
	p.allergies_known = false;
	p.has_weight = false;
	smartmed__dosage__v1__mar_patient__init(&b);
	MT_OK(dosage_mar_banner(a, z, &who, &p, SPRING_0800, &b));
	MT_EQ_STR(b.age_text, "12 d");
	MT_EQ_STR(b.allergy_text, "Allergies not assessed");
	MT_EQ_STR(b.weight_time, "");
	/* A Chinese name as it is written: family name first, no space. */
	med_strlcpy(who.family_name, "王", sizeof(who.family_name));
	med_strlcpy(who.given_name, "芳", sizeof(who.given_name));
	smartmed__dosage__v1__mar_patient__init(&b);
	MT_OK(dosage_mar_banner(a, z, &who, &p, SPRING_0800, &b));
	MT_EQ_STR(b.display_name, "王芳");
	dosage_zone_close(z);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"q6h_day", test_q6h_day},
	{"due_late_missed", test_due_late_missed},
	{"matching", test_matching},
	{"make_up", test_make_up},
	{"entered_in_error", test_entered_in_error},
	{"confirmation_overdue", test_confirmation_overdue},
	{"slot_deviation", test_slot_deviation},
	{"holds", test_holds},
	{"stops", test_stops},
	{"once", test_once},
	{"order_slot", test_order_slot},
	{"stored times out of range", test_stored_times_out_of_range},
	{"prn_interval", test_prn_interval},
	{"prn_daily", test_prn_daily},
	{"prn_now_and_never", test_prn_now_and_never},
	{"dst_daily_keeps_clock_time", test_dst_daily_keeps_clock_time},
	{"dst_intervals", test_dst_intervals},
	{"dst_skipped_and_repeated", test_dst_skipped_and_repeated},
	{"dst_matching_and_order_slot", test_dst_matching_and_order_slot},
	{"zone_names", test_zone_names},
	{"hold_takes_open_doses", test_hold_takes_open_doses},
	{"dose_rounding", test_dose_rounding},
	{"labels", test_labels},
	{"infusion_line", test_infusion_line},
	{"banner", test_banner},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
