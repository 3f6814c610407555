/*
 * handlers_stay.c - what identity says of the stays orders belong to,
 * asked for each call and never cached: a discharge must stop the next
 * dose at once, on every node (docs/dose-safety.md, "Orders and the
 * stay").  Every question runs before the call's transaction, as the
 * patient checks do: no network call while rows are locked.
 */
#include <med/rpc.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "orders.h"

/* A patient's orders name few stays; past this many the rest are asked
 * one by one. */
#define STAYS_SEEN_MAX 16

med_err
dosage_stay_assign(med_call *call, dosage_order *o)
{
	med_stay s;
	med_err err =
		med_stays_current(call, "order.patient_id", o->patient_id, &s);

	if (err != MED_OK)
		return err;
	o->encounter_id =
		med_arena_strdup(med_call_arena(call), s.encounter_id);
	return o->encounter_id ? MED_OK : MED_ERR_NOMEM;
}

/* stays_seen remembers, for one call, what identity said of each stay. */
typedef struct stays_seen {
	med_stay items[STAYS_SEEN_MAX];
	size_t n;
} stays_seen;

static med_err
stay_of(med_call *call, stays_seen *seen, const char *id, med_stay *out)
{
	med_err err;

	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->items[i].encounter_id, id) == 0) {
			*out = seen->items[i];
			return MED_OK;
		}
	if ((err = med_stays_get(call, "order_id", id, out)) != MED_OK)
		return err;
	if (seen->n < STAYS_SEEN_MAX)
		seen->items[seen->n++] = *out;
	return MED_OK;
}

med_err
dosage_stays_fill(med_call *call, dosage_order **orders, size_t n)
{
	stays_seen *seen;
	med_stay s;
	med_err err;

	seen = med_arena_zalloc(med_call_arena(call), sizeof(*seen));
	if (seen == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!dosage_order_has_stay(orders[i]))
			continue;
		if ((err = stay_of(call, seen, orders[i]->encounter_id, &s)) !=
		    MED_OK)
			return err;
		dosage_stay_mark(orders[i], &s);
	}
	return MED_OK;
}

med_err
dosage_stay_guard(med_call *call, const char *field, dosage_order *o,
		  med_stay *out)
{
	med_stay s;
	med_problem p;
	med_err err;

	memset(&s, 0, sizeof(s));
	if (dosage_order_has_stay(o)) {
		if ((err = med_stays_get(call, "order_id", o->encounter_id,
					 &s)) != MED_OK)
			return err;
		dosage_stay_mark(o, &s);
	}
	if (out != NULL)
		*out = s;
	if (dosage_stay_chart_problem(field, o, &p) != MED_OK) {
		(void)med_call_add_detail(call, "encounter_id",
					  o->encounter_id);
		return med_call_fail_problem(call, &p);
	}
	return MED_OK;
}

/* A read's orders are one patient's (a list, a MAR); past this many
 * patients the rest are asked one by one. */
#define DEATHS_SEEN_MAX 4

/* deaths_seen remembers, for one call, what identity said of each
 * patient. */
typedef struct deaths_seen {
	const char *ids[DEATHS_SEEN_MAX];
	dosage_death items[DEATHS_SEEN_MAX];
	size_t n;
} deaths_seen;

static med_err
death_of(med_call *call, deaths_seen *seen, const char *id, dosage_death *out)
{
	med_patient_death d;
	med_err err;

	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->ids[i], id) == 0) {
			*out = seen->items[i];
			return MED_OK;
		}
	if ((err = med_patients_death(call, "patient_id", id, &d)) != MED_OK)
		return err;
	out->deceased = d.deceased;
	out->deceased_ms = d.deceased_ms;
	if (seen->n < DEATHS_SEEN_MAX) {
		seen->ids[seen->n] = id;
		seen->items[seen->n++] = *out;
	}
	return MED_OK;
}

med_err
dosage_orders_fill(med_call *call, dosage_order **orders, size_t n,
		   int64_t now_ms)
{
	med_err err = dosage_stays_fill(call, orders, n);

	return err != MED_OK ? err
			     : dosage_deaths_fill(call, orders, n, now_ms);
}

med_err
dosage_deaths_fill(med_call *call, dosage_order **orders, size_t n,
		   int64_t now_ms)
{
	deaths_seen seen = {.n = 0};
	dosage_death d;
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < n; i++) {
		if ((err = death_of(call, &seen, orders[i]->patient_id, &d)) ==
		    MED_OK)
			dosage_death_mark(orders[i], &d, now_ms);
	}
	return err;
}

med_err
dosage_death_guard(med_call *call, const char *field, const dosage_known *k,
		   int64_t at_ms)
{
	med_problem p;
	char ms[24];

	if (dosage_death_dose_problem(field, &k->death, at_ms, &p) == MED_OK)
		return MED_OK;
	snprintf(ms, sizeof(ms), "%lld", (long long)k->death.deceased_ms);
	(void)med_call_add_detail(call, "deceased_ms", ms);
	return med_call_fail_problem(call, &p);
}

med_err
dosage_wristband_guard(med_call *call, const char *field, bool have_token)
{
	if (have_token || !med_call_is_break_glass(call))
		return MED_OK;
	(void)med_call_add_detail(call, "wristband_override", "refused");
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "%s: you reach this patient by break-glass, not "
			     "as their ward or care team: identify the "
			     "patient by face (verification_token); a "
			     "wristband override is for the patient's own "
			     "ward and team",
			     field);
}
