/*
 * death.c - a patient's death and the orders and doses: the rules, pure (no
 * gRPC, no SQL).  Identity holds the death (Patient.deceased, deceased_ms);
 * dosage refuses a dose given after it and every new order, and reads each
 * order in force at the death as stopped there (docs/dose-safety.md,
 * "Death").  Nothing is written when dosage learns of a death: the rows
 * keep what was prescribed, and every read settles them again.
 */
#include <med/fhir.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "orders.h"

#define ST(x) SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x

/* when writes t as an RFC 3339 instant, or its milliseconds when out of
 * range. */
static void
when(int64_t t, char out[32])
{
	if (!med_fhir_format_instant(t, out))
		snprintf(out, 32, "%lld ms", (long long)t);
}

med_err
dosage_death_dose_problem(const char *field, const dosage_death *d,
			  int64_t at_ms, med_problem *p)
{
	char at[32];

	if (!d->deceased)
		return MED_OK;
	if (d->deceased_ms == 0)
		return med_problem_set(p, MED_ERR_PRECONDITION, field,
				       "the patient has died (identity has no "
				       "time of death): no dose can be charted "
				       "until the registrar records the time");
	/* A dose given before the death and charted late is still a dose
	 * given: only one given at or after the death is refused. */
	if (at_ms < d->deceased_ms)
		return MED_OK;
	when(d->deceased_ms, at);
	return med_problem_set(p, MED_ERR_PRECONDITION, field,
			       "the patient died at %s; no dose is given "
			       "after death",
			       at);
}

med_err
dosage_death_order_problem(const char *field, const dosage_death *d,
			   med_problem *p)
{
	char at[32];

	if (!d->deceased)
		return MED_OK;
	if (d->deceased_ms == 0)
		return med_problem_set(p, MED_ERR_PRECONDITION, field,
				       "the patient has died: no new order "
				       "is written after death");
	when(d->deceased_ms, at);
	return med_problem_set(p, MED_ERR_PRECONDITION, field,
			       "the patient died at %s: no new order is "
			       "written after death",
			       at);
}

void
dosage_death_mark(dosage_order *o, const dosage_death *d, int64_t now_ms)
{
	int64_t at;

	o->patient_deceased_ms = d->deceased ? d->deceased_ms : 0;
	o->ended_at_death = false;
	if (!d->deceased)
		return;
	/* Without a time the death is known at the latest now. */
	at = d->deceased_ms != 0 ? d->deceased_ms : now_ms;
	if (o->end_ms != 0 && o->end_ms <= at)
		return; /* it had ended before the death */
	if (o->status == ST(COMPLETED)) {
		o->end_ms = at;
		o->ended_at_death = true;
		return;
	}
	if (!dosage_order_in_force(o))
		return;
	o->status = ST(STOPPED);
	o->fhir_status = (char *)dosage_order_fhir_status(o->status);
	o->discontinued_ms = at;
	o->discontinued_by = (char *)"identity";
	o->discontinue_reason = (char *)"the patient died";
	if (o->end_ms == 0 || o->end_ms > at)
		o->end_ms = at;
	o->ended_at_death = true;
}
