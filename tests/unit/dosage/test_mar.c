/*
 * test_mar.c - the ward round's schedule (mar.c): an order's scheduled
 * times in a window, what answers each (a dose given near it, a dose
 * charted as not given for it), the states of the others at a time
 * (upcoming, due, late, missed, on hold), where an order stops, and when
 * an as-needed dose may next be given by the existing interval and 24-h
 * checks.
 */
#include "testlib.h"

#include "dosage.h"

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

/* A dose answers the slot nearest its time within half an interval; one
 * slot takes one dose; a dose given wins over a refusal charted for the
 * same time. */
static void
test_matching(void)
{
	med_arena *a = med_arena_new(1 << 16);
	dosage_order o = order("q6h");
	dosage_admin early = given("early", T0 + 3 * H + 1); /* nearer +6 h */
	dosage_admin twice = given("twice", T0 + 6 * H + 10 * MIN);
	dosage_admin before = given("before", T0 - 3 * H - 1);
	dosage_admin refused = not_given("refused", T0 + 12 * H);
	dosage_admin late = given("late", T0 + 13 * H);
	dosage_admin other = given("other", T0);
	dosage_admin *m[] = {&early, &twice, &before, &refused, &late, &other};
	mar_slot **s;

	other.order_id = "order-2";
	MT_EQ_INT(slots(a, &o, T0, T0 + 18 * H, T0 + 20 * H, NULL, 0, m, 6, &s),
		  3);
	MT_EQ_INT(s[0]->state, SLOT(MISSED)); /* "other" is another order's */
	MT_EQ_STR(s[1]->administration_id, "early");
	MT_EQ_INT(s[2]->state, SLOT(GIVEN));
	MT_EQ_STR(s[2]->administration_id, "late");
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
	MT_EQ_INT(s[0]->state, SLOT(GIVEN));
	MT_TRUE(s[0]->confirmation_overdue);
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

static const mt_case cases[] = {
	{"q6h_day", test_q6h_day},
	{"due_late_missed", test_due_late_missed},
	{"matching", test_matching},
	{"entered_in_error", test_entered_in_error},
	{"confirmation_overdue", test_confirmation_overdue},
	{"holds", test_holds},
	{"stops", test_stops},
	{"once", test_once},
	{"order_slot", test_order_slot},
	{"stored times out of range", test_stored_times_out_of_range},
	{"prn_interval", test_prn_interval},
	{"prn_daily", test_prn_daily},
	{"prn_now_and_never", test_prn_now_and_never},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
