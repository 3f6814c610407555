/*
 * test_death.c - a patient's death and the orders and doses (death.c): no
 * dose given at or after the death, a dose given before it charted late
 * is still one, no new order, and every order in force reads as stopped
 * at the death (the MAR schedules nothing after it).
 */
#include "testlib.h"

#include <string.h>

#include "dosage.h"
#include "orders.h"

#define H  (3600LL * 1000)
#define T0 (1700000000000LL)

#define ST(x)	SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define SLOT(x) SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x

static dosage_order
order_of(Smartmed__Dosage__V1__OrderStatus status, int64_t end_ms)
{
	dosage_order o;

	smartmed__dosage__v1__order__init(&o);
	o.status = status;
	o.frequency = "q6h";
	o.start_ms = T0;
	o.end_ms = end_ms;
	o.created_ms = T0;
	return o;
}

static const dosage_death alive = {false, 0};
static const dosage_death died_t5 = {true, T0 + 5 * H};
static const dosage_death died_untimed = {true, 0};

static void
test_alive_charts(void)
{
	med_problem p;

	MT_EQ_INT(dosage_death_dose_problem("effective_ms", &alive, T0, &p),
		  MED_OK);
	MT_EQ_INT(dosage_death_order_problem("order.patient_id", &alive, &p),
		  MED_OK);
}

static void
test_dose_after_death_refused(void)
{
	med_problem p;

	MT_EQ_INT(dosage_death_dose_problem("effective_ms", &died_t5,
					    T0 + 6 * H, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "effective_ms");
	MT_TRUE(strstr(p.reason, "the patient died at 2023-11-15T03:13:20") ==
		p.reason);
	MT_TRUE(strstr(p.reason, "no dose is given after death") != NULL);
	/* At the very moment of death too. */
	MT_EQ_INT(dosage_death_dose_problem("effective_ms", &died_t5,
					    T0 + 5 * H, &p),
		  MED_ERR_PRECONDITION);
}

static void
test_dose_before_death_charted_late(void)
{
	med_problem p;

	MT_EQ_INT(dosage_death_dose_problem("effective_ms", &died_t5,
					    T0 + 5 * H - 1, &p),
		  MED_OK);
}

static void
test_untimed_death_refuses_every_dose(void)
{
	med_problem p;

	MT_EQ_INT(dosage_death_dose_problem("effective_ms", &died_untimed, T0,
					    &p),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(p.reason, "no time of death") != NULL);
	MT_EQ_INT(dosage_death_order_problem("order_id", &died_untimed, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "order_id");
}

static void
test_no_order_after_death(void)
{
	med_problem p;

	MT_EQ_INT(dosage_death_order_problem("order.patient_id", &died_t5, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "order.patient_id");
	MT_TRUE(strstr(p.reason, "no new order") != NULL);
}

static void
test_active_order_stops_at_death(void)
{
	dosage_order o = order_of(ST(ACTIVE), 0);

	dosage_death_mark(&o, &died_t5, T0 + 9 * H);
	MT_EQ_INT(o.status, ST(STOPPED));
	MT_EQ_STR(o.fhir_status, "stopped");
	MT_TRUE(o.ended_at_death);
	MT_EQ_INT(o.patient_deceased_ms, T0 + 5 * H);
	MT_EQ_INT(o.end_ms, T0 + 5 * H);
	MT_EQ_INT(o.discontinued_ms, T0 + 5 * H);
	/* The MAR's window ends there. */
	MT_EQ_INT(dosage_stay_until_ms(&o, T0 + 24 * H), T0 + 5 * H);
}

static void
test_held_and_pending_stop_too(void)
{
	dosage_order h = order_of(ST(ON_HOLD), 0);
	dosage_order v = order_of(ST(PENDING_VERIFICATION), T0 + 48 * H);

	dosage_death_mark(&h, &died_t5, T0 + 9 * H);
	dosage_death_mark(&v, &died_t5, T0 + 9 * H);
	MT_EQ_INT(h.status, ST(STOPPED));
	MT_EQ_INT(v.status, ST(STOPPED));
	MT_EQ_INT(v.end_ms, T0 + 5 * H);
}

static void
test_order_ended_before_death_untouched(void)
{
	dosage_order o = order_of(ST(COMPLETED), T0 + 2 * H);
	dosage_order s = order_of(ST(STOPPED), 0);

	dosage_death_mark(&o, &died_t5, T0 + 9 * H);
	MT_EQ_INT(o.status, ST(COMPLETED));
	MT_EQ_INT(o.end_ms, T0 + 2 * H);
	MT_TRUE(!o.ended_at_death);
	MT_EQ_INT(o.patient_deceased_ms, T0 + 5 * H);
	dosage_death_mark(&s, &died_t5, T0 + 9 * H);
	MT_TRUE(!s.ended_at_death);
}

static void
test_completed_after_death_ends_there(void)
{
	dosage_order o = order_of(ST(COMPLETED), T0 + 8 * H);

	dosage_death_mark(&o, &died_t5, T0 + 9 * H);
	MT_EQ_INT(o.status, ST(COMPLETED));
	MT_EQ_INT(o.end_ms, T0 + 5 * H);
	MT_TRUE(o.ended_at_death);
}

static void
test_untimed_death_stops_now(void)
{
	dosage_order o = order_of(ST(ACTIVE), 0);

	dosage_death_mark(&o, &died_untimed, T0 + 9 * H);
	MT_EQ_INT(o.status, ST(STOPPED));
	MT_EQ_INT(o.patient_deceased_ms, 0);
	MT_EQ_INT(o.discontinued_ms, T0 + 9 * H);
	MT_TRUE(o.ended_at_death);
}

static void
test_alive_leaves_order(void)
{
	dosage_order o = order_of(ST(ACTIVE), 0);

	dosage_death_mark(&o, &alive, T0 + 9 * H);
	MT_EQ_INT(o.status, ST(ACTIVE));
	MT_TRUE(!o.ended_at_death);
	MT_EQ_INT(o.end_ms, 0);
	MT_EQ_INT(dosage_stay_until_ms(&o, T0 + 24 * H), T0 + 24 * H);
}

static void
test_slots_invite_no_dose_after_death(void)
{
	dosage_order o = order_of(ST(ACTIVE), 0);
	Smartmed__Dosage__V1__MarSlot a, b;
	Smartmed__Dosage__V1__MarSlot *slots[] = {&a, &b};

	smartmed__dosage__v1__mar_slot__init(&a);
	smartmed__dosage__v1__mar_slot__init(&b);
	a.state = SLOT(DUE);
	b.state = SLOT(GIVEN);
	dosage_death_mark(&o, &died_t5, T0 + 9 * H);
	dosage_stay_close_slots(&o, slots, 2);
	MT_EQ_INT(a.state, SLOT(MISSED));
	MT_EQ_INT(b.state, SLOT(GIVEN));
}

static const mt_case cases[] = {
	{"alive_charts", test_alive_charts},
	{"dose_after_death_refused", test_dose_after_death_refused},
	{"dose_before_death_charted_late", test_dose_before_death_charted_late},
	{"untimed_death_refuses_every_dose",
	 test_untimed_death_refuses_every_dose},
	{"no_order_after_death", test_no_order_after_death},
	{"active_order_stops_at_death", test_active_order_stops_at_death},
	{"held_and_pending_stop_too", test_held_and_pending_stop_too},
	{"order_ended_before_death_untouched",
	 test_order_ended_before_death_untouched},
	{"completed_after_death_ends_there",
	 test_completed_after_death_ends_there},
	{"untimed_death_stops_now", test_untimed_death_stops_now},
	{"alive_leaves_order", test_alive_leaves_order},
	{"slots_invite_no_dose_after_death",
	 test_slots_invite_no_dose_after_death},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
