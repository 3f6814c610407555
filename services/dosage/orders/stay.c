/*
 * stay.c - orders and the stay they were written in: the rules, pure (no
 * gRPC, no SQL).  An inpatient order belongs to one stay (identity's
 * encounter); when the stay is discharged the order gives no more doses,
 * and on a readmission it waits for reconciliation - continued on the new
 * stay or stopped, one decision per order (docs/dose-safety.md, "Orders and
 * the stay").
 */
#include <med/fhir.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "orders.h"

#define ST(x)	SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define SLOT(x) SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x
#define RD(x)	SMARTMED__DOSAGE__V1__RECONCILE_DECISION__RECONCILE_DECISION_##x

bool
dosage_order_has_stay(const dosage_order *o)
{
	return o->encounter_id != NULL && o->encounter_id[0] != '\0';
}

bool
dosage_order_in_force(const dosage_order *o)
{
	return o->status == ST(ACTIVE) || o->status == ST(ON_HOLD) ||
	       o->status == ST(PENDING_VERIFICATION);
}

void
dosage_stay_mark(dosage_order *o, const med_stay *s)
{
	o->stay_ended_ms = 0;
	o->awaiting_reconciliation = false;
	if (!dosage_order_has_stay(o) || s == NULL || s->open)
		return;
	/* A stay identity calls finished with no end time still ended: the
	 * order's own creation is the latest time it can be said to run. */
	o->stay_ended_ms = s->end_ms > 0 ? s->end_ms : o->created_ms;
	if (o->stay_ended_ms <= 0)
		o->stay_ended_ms = 1;
	o->awaiting_reconciliation = dosage_order_in_force(o);
}

/* when writes t as an RFC 3339 instant, or its milliseconds when out of
 * range. */
static void
when(int64_t t, char out[32])
{
	if (!med_fhir_format_instant(t, out))
		snprintf(out, 32, "%lld ms", (long long)t);
}

med_err
dosage_stay_chart_problem(const char *field, const dosage_order *o,
			  med_problem *p)
{
	char at[32];

	if (o->stay_ended_ms == 0)
		return MED_OK;
	when(o->stay_ended_ms, at);
	return med_problem_set(p, MED_ERR_PRECONDITION, field,
			       "the stay %s was discharged at %s; its orders "
			       "give no dose after discharge (on readmission: "
			       "ReconcileOrder)",
			       o->encounter_id, at);
}

int64_t
dosage_stay_until_ms(const dosage_order *o, int64_t to_ms)
{
	if (o->stay_ended_ms != 0 && o->stay_ended_ms < to_ms)
		to_ms = o->stay_ended_ms;
	/* Nor after the patient's death (death.c). */
	if (o->ended_at_death && o->patient_deceased_ms != 0 &&
	    o->patient_deceased_ms < to_ms)
		to_ms = o->patient_deceased_ms;
	return to_ms;
}

/* reconcile_state_problem: the order, settled at now, must be of a
 * discharged stay and still in force. */
static med_err
reconcile_state_problem(const dosage_order *o, med_problem *p)
{
	if (!dosage_order_has_stay(o))
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "the order was not written in a stay; "
				       "there is nothing to reconcile");
	if (o->stay_ended_ms == 0)
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "its stay %s is still open; "
				       "reconciliation follows a discharge and "
				       "readmission",
				       o->encounter_id);
	if (!dosage_order_in_force(o))
		return med_problem_set(
			p, MED_ERR_PRECONDITION, "order_id",
			"the order is %s, not in force: there is "
			"nothing to continue or stop",
			dosage_order_fhir_status(o->status));
	return MED_OK;
}

med_err
dosage_reconcile_problem(const dosage_order *o, int decision,
			 const med_stay *now_stay, bool prescriber,
			 med_problem *p)
{
	med_err err;

	if (decision != RD(CONTINUE) && decision != RD(STOP))
		return med_problem_set(p, MED_ERR_INVALID, "decision",
				       "must be CONTINUE or STOP");
	if ((err = reconcile_state_problem(o, p)) != MED_OK)
		return err;
	if (decision == RD(STOP))
		return MED_OK;
	/* Continuing is prescribing: the order runs again on the new stay
	 * under the continuing clinician's name. */
	if (!prescriber)
		return med_problem_set(p, MED_ERR_DENIED, "decision",
				       "CONTINUE is a prescription: a "
				       "clinician continues an order (a "
				       "pharmacist may STOP it)");
	if (now_stay == NULL || now_stay->encounter_id[0] == '\0')
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "the patient has no open stay to "
				       "continue the order on; admit first");
	if (strcmp(now_stay->encounter_id, o->encounter_id) == 0)
		return med_problem_set(p, MED_ERR_PRECONDITION, "order_id",
				       "the order already belongs to the open "
				       "stay");
	return MED_OK;
}

void
dosage_stay_close_slots(const dosage_order *o,
			Smartmed__Dosage__V1__MarSlot *const *slots, size_t n)
{
	if (o->stay_ended_ms == 0 && !o->ended_at_death)
		return;
	/* Not charted during the stay (or the life) is missed: after the
	 * discharge or the death nothing invites a dose. */
	for (size_t i = 0; i < n; i++)
		if (slots[i]->state == SLOT(UPCOMING) ||
		    slots[i]->state == SLOT(DUE) ||
		    slots[i]->state == SLOT(LATE))
			slots[i]->state = SLOT(MISSED);
}
