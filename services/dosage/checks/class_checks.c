/*
 * class_checks.c - the checks across a therapeutic class for one dose or
 * order: duplicate therapy and the opioids' 24-h oral morphine
 * equivalents (rules in classes.c), from what the store read
 * (store_classes.c; the home medicines too, home_checks.c), appended to
 * the per-substance checks.
 */
#include <med/config.h>
#include <med/service.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "checks.h"
#include "dose.h"
#include "switch.h"

#define OME_DEFAULT_MG 90

/* part_mg is the mg of substance in one unit of the drug (strength in
 * unit); false when it is no mass. */
static bool
part_mg(double dose, double strength, const char *unit, double *mg)
{
	return dosage_dose_convert(dose * strength, unit, "mg", mg) == MED_OK;
}

/* drug_ome sums the OME of dose (drug unit) by route over the drug's
 * opioid substances; false when one cannot be converted (*ome is then
 * the part that can). */
static bool
drug_ome(const dosage_drug *d, double dose, const char *route, double *ome)
{
	dosage_dose_limits l;
	bool ok = true;

	dosage_limits(d, &l);
	*ome = 0;
	for (size_t i = 0; i < l.n_substances; i++) {
		const dosage_class_group *g =
			dosage_class_group_of(l.substances[i]);
		double strength, mg, factor;
		const char *unit;

		if (g == NULL || strcmp(g->code, "opioids") != 0)
			continue;
		if (i == 0) {
			dosage_drug_strength(d, &strength, &unit);
		} else {
			strength = d->other_ingredients[i - 1]->strength;
			unit = d->other_ingredients[i - 1]->strength_unit;
		}
		if (!dosage_ome_factor(l.substances[i], route, &factor) ||
		    !part_mg(dose, strength, unit, &mg))
			ok = false;
		else
			*ome += mg * factor;
	}
	return ok;
}

/* dose_ome is drug_ome by the order's route; for a proposed dose (no
 * route) by the drug's route that gives the most, so that the check never
 * counts short. */
static bool
dose_ome(const dosage_drug *d, double dose, const char *route, double *ome)
{
	bool any = false;

	if (route != NULL)
		return drug_ome(d, dose, route, ome);
	*ome = 0;
	for (size_t i = 0; i < d->n_routes; i++) {
		double v;

		if (!drug_ome(d, dose, d->routes[i], &v))
			return false;
		if (!any || v > *ome)
			*ome = v;
		any = true;
	}
	return any;
}

static bool
drug_is_opioid(const dosage_drug *d)
{
	dosage_dose_limits l;

	dosage_limits(d, &l);
	for (size_t i = 0; i < l.n_substances; i++) {
		const dosage_class_group *g =
			dosage_class_group_of(l.substances[i]);

		if (g != NULL && strcmp(g->code, "opioids") == 0)
			return true;
	}
	return false;
}

double
dosage_ome_limit(med_call *call)
{
	med_service *svc = call ? med_service_from_call(call) : NULL;
	int64_t v = svc ? med_config_int(med_service_config(svc),
					 DOSAGE_OME_SETTING)
			: 0;

	return v > 0 ? (double)v : OME_DEFAULT_MG;
}

/* met_given keeps the products given under other orders within their
 * group's window of at_ms: those a dose meets "at once". */
static med_err
met_given(med_arena *a, const dosage_class_subject *s, dosage_class_list *out)
{
	const dosage_class_list *g = s->given;

	memset(out, 0, sizeof(*out));
	if (g == NULL || g->n == 0)
		return MED_OK;
	if ((out->items = med_arena_alloc(a, g->n * sizeof(*out->items))) ==
	    NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < g->n; i++) {
		const dosage_class_other *o = &g->items[i];
		const dosage_class_group *grp =
			dosage_class_group_of(o->substance);
		int64_t gap = o->t_ms > s->at_ms ? o->t_ms - s->at_ms
						 : s->at_ms - o->t_ms;

		if (grp == NULL || gap >= grp->window_ms ||
		    (s->order_id && strcmp(o->order_id, s->order_id) == 0))
			continue;
		out->items[out->n++] = *o;
	}
	return MED_OK;
}

/* own_substance: is x one of the checked drug's substances l? */
static bool
own_substance(const dosage_dose_limits *l, const char *x)
{
	for (size_t i = 0; i < l->n_substances; i++)
		if (strcmp(l->substances[i], x) == 0)
			return true;
	return false;
}

/* home_met: does home medicine o meet the duplicate check of s?  One
 * taken now does; one no longer taken within its group's window of its
 * last dose.  One of the drug's own substance does not: the order is
 * how the home medicine goes on in hospital (the weekly-only rule and
 * DecideHomeMedication are its checks). */
static bool
home_met(const dosage_class_subject *s, const dosage_dose_limits *l,
	 const dosage_class_other *o)
{
	const dosage_class_group *g = dosage_class_group_of(o->substance);
	int64_t gap =
		o->t_ms > s->at_ms ? o->t_ms - s->at_ms : s->at_ms - o->t_ms;

	if (o->home == NULL || o->by_order || g == NULL ||
	    own_substance(l, o->substance))
		return false;
	return o->t_ms == 0 || gap < g->window_ms;
}

/* add_home appends to met (a copy in a) the home medicines of s that
 * meet its duplicate check. */
static med_err
add_home(med_arena *a, const dosage_class_subject *s,
	 const dosage_dose_limits *l, dosage_class_list *met)
{
	dosage_class_other *items;
	size_t n = 0;

	for (size_t i = 0; s->home && i < s->home->n; i++)
		n += home_met(s, l, &s->home->items[i]);
	if (n == 0)
		return MED_OK;
	if ((items = med_arena_alloc(a, (met->n + n) * sizeof(*items))) == NULL)
		return MED_ERR_NOMEM;
	if (met->n)
		memcpy(items, met->items, met->n * sizeof(*items));
	for (size_t i = 0; i < s->home->n; i++)
		if (home_met(s, l, &s->home->items[i]))
			items[met->n++] = s->home->items[i];
	met->items = items;
	met->cap = met->n;
	return MED_OK;
}

/* home_day_ome is the OME of the opioids s's home list says were taken in
 * the 24 h before the dose (dosage_home_day_doses), by mouth: a home
 * medicine records no route, and a dose that is no mass counts nothing. */
static double
home_day_ome(const dosage_class_subject *s)
{
	double sum = 0, mg, per_mg;

	for (size_t i = 0; s->home && i < s->home->n; i++) {
		const dosage_class_other *o = &s->home->items[i];
		unsigned n = dosage_home_day_doses(o, s->at_ms);

		if (n > 0 && dosage_ome_factor(o->substance, "oral", &per_mg) &&
		    dosage_dose_convert(o->home_amount, o->home_unit, "mg",
					&mg) == MED_OK)
			sum += mg * per_mg * n;
	}
	return sum;
}

/* name_home_ome splits "(this dose X)" of the OME reason r into this
 * dose's ome and what was taken at home. */
static void
name_home_ome(double ome, double home, dosage_dose_result *r)
{
	char rest[DOSAGE_DOSE_REASON_MAX];
	char *at = strstr(r->reason, "(this dose ");
	char *close = at ? strchr(at, ')') : NULL;

	if (home <= 0 || close == NULL)
		return;
	snprintf(rest, sizeof(rest), "%s", close + 1);
	snprintf(at, sizeof(r->reason) - (size_t)(at - r->reason),
		 "(this dose %.4g, taken at home %.4g by mouth)%s", ome, home,
		 rest);
}

med_err
dosage_class_evaluate(med_call *call, const dosage_class_subject *s,
		      dosage_dose_result r[DOSAGE_CLASS_N_CHECKS])
{
	dosage_dose_limits l;
	dosage_class_list met = {0};
	double ome = 0, home = 0;
	bool has;
	med_err err;

	dosage_limits(s->drug, &l);
	if (s->orders != NULL) {
		met = *s->orders;
	} else if ((err = met_given(med_call_arena(call), s, &met)) != MED_OK) {
		return err;
	}
	if ((err = add_home(med_call_arena(call), s, &l, &met)) != MED_OK)
		return err;
	dosage_class_duplicate(l.substances, l.n_substances, s->prn, met.items,
			       met.n, &r[0]);
	has = dose_ome(s->drug, s->dose_24h, s->route, &ome);
	/* At order entry the other opioid orders' days count too; at the
	 * bedside the opioids taken at home today. */
	if (s->orders != NULL) {
		has = has && !s->orders->ome_unknown;
		ome += s->orders->ome_24h;
	} else if (drug_is_opioid(s->drug)) {
		home = home_day_ome(s);
	}
	dosage_ome_check(drug_is_opioid(s->drug), ome + home, has,
			 s->given ? s->given->items : NULL,
			 s->given ? s->given->n : 0, s->at_ms,
			 dosage_ome_limit(call), &r[1]);
	name_home_ome(ome, home, &r[1]);
	if (s->orders != NULL && r[1].status != DOSAGE_DOSE_NOT_APPLICABLE)
		snprintf(r[1].reason, sizeof(r[1].reason),
			 "a day of opioids %.4g mg oral morphine equivalent "
			 "(this order %.4g, other orders %.4g) against %.4g "
			 "mg%s",
			 r[1].value, r[1].value - s->orders->ome_24h,
			 s->orders->ome_24h, r[1].limit,
			 has ? "" : "; an order without an OME factor");
	return MED_OK;
}

/* seen_opioid_order: does an earlier opioid item of l[0..i) name the same
 * order (a combination product has a row per substance)? */
static bool
seen_opioid_order(const dosage_class_list *l, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		const dosage_class_group *g =
			dosage_class_group_of(l->items[j].substance);

		if (g && strcmp(g->code, "opioids") == 0 &&
		    strcmp(l->items[j].order_id, l->items[i].order_id) == 0)
			return true;
	}
	return false;
}

/* order_day_ome adds a day of order id's regimen in OME to l. */
static med_err
order_day_ome(med_call *call, dosage_order_get_fn get, const char *id,
	      dosage_class_list *l)
{
	med_arena *a = med_call_arena(call);
	dosage_dose_history day;
	dosage_order o;
	dosage_drug d;
	double v;
	med_err err = get(med_call_db(call), a, id, &o);

	if (err == MED_OK)
		err = dosage_store_get(med_call_db(call), a, o.drug_code, &d);
	if (err == MED_ERR_NOT_FOUND) {
		l->ome_unknown = true;
		return MED_OK;
	}
	if (err != MED_OK)
		return err;
	dosage_regimen_history(&o, &d, o.dose_in_drug_unit, 0, &day);
	/* What cannot be converted is flagged; the rest still counts. */
	if (!drug_ome(&d, o.dose_in_drug_unit + day.given_24h, o.route, &v))
		l->ome_unknown = true;
	l->ome_24h += v;
	return MED_OK;
}

med_err
dosage_orders_day_ome(med_call *call, dosage_order_get_fn get,
		      dosage_class_list *orders)
{
	med_err err;

	orders->ome_24h = 0;
	orders->ome_unknown = false;
	for (size_t i = 0; i < orders->n; i++) {
		const dosage_class_group *g =
			dosage_class_group_of(orders->items[i].substance);

		if (g == NULL || strcmp(g->code, "opioids") != 0 ||
		    seen_opioid_order(orders, i))
			continue;
		if ((err = order_day_ome(call, get, orders->items[i].order_id,
					 orders)) != MED_OK)
			return err;
	}
	return MED_OK;
}

med_err
dosage_class_append(med_arena *a, const dosage_dose_result *r, size_t n,
		    dosage_check ***checks, size_t *n_checks,
		    Smartmed__Dosage__V1__CheckStatus *overall)
{
	dosage_dose_result all[1 + DOSAGE_CLASS_N_CHECKS];
	size_t cap = *n_checks;

	memset(all, 0, sizeof(all));
	all[0].status = (dosage_dose_status)*overall;
	for (size_t i = 0; i < n && i < DOSAGE_CLASS_N_CHECKS; i++) {
		if (dosage_check_append(a, &r[i], checks, n_checks, &cap) !=
		    MED_OK)
			return MED_ERR_NOMEM;
		all[1 + i] = r[i];
	}
	if (*overall == 0)
		all[0].status = DOSAGE_DOSE_NOT_APPLICABLE;
	*overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		all,
		1 + (n < DOSAGE_CLASS_N_CHECKS ? n : DOSAGE_CLASS_N_CHECKS));
	return MED_OK;
}

/* switch_append adds the anticoagulant switch check StartInfusion runs
 * (switch.c) when s's drug is an anticoagulant: its start against the
 * other anticoagulants' doses given and last doses taken at home. */
static med_err
switch_append(med_call *call, const dosage_class_subject *s,
	      dosage_check ***checks, size_t *n_checks,
	      Smartmed__Dosage__V1__CheckStatus *overall)
{
	const dosage_switch_table *t;
	const char *why = "";
	dosage_dose_result r;

	if (s->no_switch)
		return MED_OK;
	if (dosage_switch_shipped(&t, &why) != MED_OK)
		return med_call_fail(call, MED_ERR_INTERNAL,
				     "the anticoagulant switch table: %s", why);
	dosage_switch_check(t, s->drug, s->given, s->home,
			    s->switch_ms ? s->switch_ms : s->at_ms, &r);
	if (r.status == DOSAGE_DOSE_NOT_APPLICABLE)
		return MED_OK;
	return dosage_class_append(med_call_arena(call), &r, 1, checks,
				   n_checks, overall);
}

med_err
dosage_class_checks(med_call *call, const dosage_class_subject *s,
		    dosage_check ***checks, size_t *n_checks,
		    Smartmed__Dosage__V1__CheckStatus *overall)
{
	dosage_dose_result r[DOSAGE_CLASS_N_CHECKS];
	med_err err = dosage_class_evaluate(call, s, r);

	if (err == MED_OK)
		err = dosage_class_append(med_call_arena(call), r,
					  DOSAGE_CLASS_N_CHECKS, checks,
					  n_checks, overall);
	if (err != MED_OK)
		return err;
	return switch_append(call, s, checks, n_checks, overall);
}

void
dosage_order_duplicate_eval(const dosage_order *o, const dosage_drug *d,
			    const dosage_class_list *others,
			    dosage_dose_result *r)
{
	dosage_dose_limits l;
	int64_t interval = 0;
	bool prn = false;
	dosage_class_other self = {
		.prn = o->prn,
		.start_ms = o->start_ms,
		.end_ms = o->end_ms,
	};

	self.scheduled = !o->prn &&
			 dosage_dose_frequency_parse(o->frequency, &interval,
						     &prn) == MED_OK &&
			 !prn && interval > 0;
	dosage_limits(d, &l);
	dosage_order_duplicate(l.substances, l.n_substances, &self,
			       others ? others->items : NULL,
			       others ? others->n : 0, r);
}

med_err
dosage_order_duplicates(med_call *call, dosage_order *o, const dosage_drug *d,
			const dosage_class_list *others, dosage_dose_result *r)
{
	dosage_dose_result mine;

	dosage_order_duplicate_eval(o, d, others, &mine);
	if (r != NULL)
		*r = mine;
	return dosage_class_append(med_call_arena(call), &mine, 1, &o->checks,
				   &o->n_checks, &o->overall);
}
