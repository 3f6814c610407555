/*
 * test_stay.c - orders and the stay they were written in (stay.c): a
 * discharged stay ends its orders for charting, the MAR schedules nothing
 * after the discharge and invites no dose, and a readmission's
 * reconciliation continues (a clinician, onto the open stay) or stops (a
 * clinician or a pharmacist) an order still in force.
 */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "orders.h"

#define H  (3600LL * 1000)
#define T0 (1700000000000LL)

#define ST(x)	SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define SLOT(x) SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x
#define RD(x)	SMARTMED__DOSAGE__V1__RECONCILE_DECISION__RECONCILE_DECISION_##x

#define STAY_A "11111111-1111-4111-8111-111111111111"
#define STAY_B "22222222-2222-4222-8222-222222222222"

static dosage_order
order_of(const char *stay, Smartmed__Dosage__V1__OrderStatus status)
{
	dosage_order o;

	smartmed__dosage__v1__order__init(&o);
	o.encounter_id = (char *)stay;
	o.status = status;
	o.frequency = "q6h";
	o.start_ms = T0;
	o.created_ms = T0;
	return o;
}

static med_stay
stay(const char *id, bool open, int64_t end_ms)
{
	med_stay s;

	memset(&s, 0, sizeof(s));
	snprintf(s.encounter_id, sizeof(s.encounter_id), "%s", id);
	s.is_stay = true;
	s.open = open;
	s.start_ms = T0 - H;
	s.end_ms = end_ms;
	return s;
}

static void
test_open_stay_charts(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay s = stay(STAY_A, true, 0);
	med_problem p;

	dosage_stay_mark(&o, &s);
	MT_EQ_INT(o.stay_ended_ms, 0);
	MT_TRUE(!o.awaiting_reconciliation);
	MT_EQ_INT(dosage_stay_chart_problem("order_id", &o, &p), MED_OK);
}

static void
test_discharged_stay_refuses_with_reason(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay s = stay(STAY_A, false, T0 + 5 * H);
	med_problem p;

	dosage_stay_mark(&o, &s);
	MT_EQ_INT(o.stay_ended_ms, T0 + 5 * H);
	MT_TRUE(o.awaiting_reconciliation);
	MT_EQ_INT(dosage_stay_chart_problem("order_id", &o, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "order_id");
	MT_TRUE(strstr(p.reason, "the stay " STAY_A " was discharged at "
				 "2023-11-15T03:13:20.000Z;") != NULL);
	MT_TRUE(strstr(p.reason, "ReconcileOrder") != NULL);
}

/* An order written outside a stay (or before stays) is not touched. */
static void
test_no_stay_is_untouched(void)
{
	dosage_order o = order_of("", ST(ACTIVE));
	med_stay s = stay(STAY_A, false, T0 + H);
	med_problem p;

	dosage_stay_mark(&o, &s);
	MT_EQ_INT(o.stay_ended_ms, 0);
	MT_TRUE(!o.awaiting_reconciliation);
	MT_EQ_INT(dosage_stay_chart_problem("order_id", &o, &p), MED_OK);
	MT_TRUE(!dosage_order_has_stay(&o));
}

/* A stopped order of a discharged stay is ended but waits for nothing. */
static void
test_stopped_order_does_not_wait(void)
{
	dosage_order o = order_of(STAY_A, ST(STOPPED));
	med_stay s = stay(STAY_A, false, T0 + H);

	dosage_stay_mark(&o, &s);
	MT_EQ_INT(o.stay_ended_ms, T0 + H);
	MT_TRUE(!o.awaiting_reconciliation);
}

/* A finished stay without an end time still ends its orders. */
static void
test_finished_without_end_still_ends(void)
{
	dosage_order o = order_of(STAY_A, ST(ON_HOLD));
	med_stay s = stay(STAY_A, false, 0);

	dosage_stay_mark(&o, &s);
	MT_TRUE(o.stay_ended_ms != 0);
	MT_TRUE(o.awaiting_reconciliation);
}

static void
test_mar_window_stops_at_discharge(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay s = stay(STAY_A, false, T0 + 5 * H);

	MT_EQ_INT(dosage_stay_until_ms(&o, T0 + 24 * H), T0 + 24 * H);
	dosage_stay_mark(&o, &s);
	MT_EQ_INT(dosage_stay_until_ms(&o, T0 + 24 * H), T0 + 5 * H);
	MT_EQ_INT(dosage_stay_until_ms(&o, T0 + 2 * H), T0 + 2 * H);
}

static void
test_mar_slots_invite_no_dose(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay s = stay(STAY_A, false, T0 + 7 * H);
	Smartmed__Dosage__V1__MarSlot a, b, c, d;
	Smartmed__Dosage__V1__MarSlot *v[] = {&a, &b, &c, &d};

	smartmed__dosage__v1__mar_slot__init(&a);
	smartmed__dosage__v1__mar_slot__init(&b);
	smartmed__dosage__v1__mar_slot__init(&c);
	smartmed__dosage__v1__mar_slot__init(&d);
	a.state = SLOT(GIVEN);
	b.state = SLOT(DUE);
	c.state = SLOT(LATE);
	d.state = SLOT(ON_HOLD);
	dosage_stay_close_slots(&o, v, 4); /* open stay: untouched */
	MT_EQ_INT(b.state, SLOT(DUE));
	dosage_stay_mark(&o, &s);
	dosage_stay_close_slots(&o, v, 4);
	MT_EQ_INT(a.state, SLOT(GIVEN));
	MT_EQ_INT(b.state, SLOT(MISSED));
	MT_EQ_INT(c.state, SLOT(MISSED));
	MT_EQ_INT(d.state, SLOT(ON_HOLD));
}

static void
test_reconcile_continue(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay old = stay(STAY_A, false, T0 + H);
	med_stay now = stay(STAY_B, true, 0);
	med_problem p;

	dosage_stay_mark(&o, &old);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(CONTINUE), &now, true, &p),
		  MED_OK);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(STOP), NULL, false, &p),
		  MED_OK);
}

/* Continuing is prescribing: a pharmacist stops, a clinician continues. */
static void
test_reconcile_continue_needs_prescriber(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay old = stay(STAY_A, false, T0 + H);
	med_stay now = stay(STAY_B, true, 0);
	med_problem p;

	dosage_stay_mark(&o, &old);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(CONTINUE), &now, false, &p),
		  MED_ERR_DENIED);
	MT_EQ_STR(p.field, "decision");
}

static void
test_reconcile_continue_needs_open_stay(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay old = stay(STAY_A, false, T0 + H);
	med_stay none;
	med_problem p;

	memset(&none, 0, sizeof(none));
	dosage_stay_mark(&o, &old);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(CONTINUE), &none, true, &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "no open stay") != NULL);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(CONTINUE), NULL, true, &p),
		  MED_ERR_PRECONDITION);
}

static void
test_reconcile_refuses_open_stay_order(void)
{
	dosage_order o = order_of(STAY_B, ST(ACTIVE));
	med_stay now = stay(STAY_B, true, 0);
	med_problem p;

	dosage_stay_mark(&o, &now);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(STOP), &now, true, &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "still open") != NULL);
}

static void
test_reconcile_refuses_no_stay_and_ended(void)
{
	dosage_order none = order_of("", ST(ACTIVE));
	dosage_order stopped = order_of(STAY_A, ST(STOPPED));
	med_stay old = stay(STAY_A, false, T0 + H);
	med_stay now = stay(STAY_B, true, 0);
	med_problem p;

	MT_EQ_INT(dosage_reconcile_problem(&none, RD(STOP), &now, true, &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "not written in a stay") != NULL);
	dosage_stay_mark(&stopped, &old);
	MT_EQ_INT(dosage_reconcile_problem(&stopped, RD(CONTINUE), &now, true,
					   &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "not in force") != NULL);
}

static void
test_reconcile_decision_required(void)
{
	dosage_order o = order_of(STAY_A, ST(ACTIVE));
	med_stay old = stay(STAY_A, false, T0 + H);
	med_problem p;

	dosage_stay_mark(&o, &old);
	MT_EQ_INT(dosage_reconcile_problem(&o, RD(UNSPECIFIED), NULL, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_reconcile_problem(&o, 7, NULL, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "decision");
}

static const mt_case cases[] = {
	{"open_stay_charts", test_open_stay_charts},
	{"discharged_stay_refuses_with_reason",
	 test_discharged_stay_refuses_with_reason},
	{"no_stay_is_untouched", test_no_stay_is_untouched},
	{"stopped_order_does_not_wait", test_stopped_order_does_not_wait},
	{"finished_without_end_still_ends",
	 test_finished_without_end_still_ends},
	{"mar_window_stops_at_discharge", test_mar_window_stops_at_discharge},
	{"mar_slots_invite_no_dose", test_mar_slots_invite_no_dose},
	{"reconcile_continue", test_reconcile_continue},
	{"reconcile_continue_needs_prescriber",
	 test_reconcile_continue_needs_prescriber},
	{"reconcile_continue_needs_open_stay",
	 test_reconcile_continue_needs_open_stay},
	{"reconcile_refuses_open_stay_order",
	 test_reconcile_refuses_open_stay_order},
	{"reconcile_refuses_no_stay_and_ended",
	 test_reconcile_refuses_no_stay_and_ended},
	{"reconcile_decision_required", test_reconcile_decision_required},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
