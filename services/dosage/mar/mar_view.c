/*
 * mar_view.c - what makes the MAR a chart a nurse reads, without I/O: the
 * drug's name and strength, doses rounded to the precision a dose is
 * measured at, an infusion as running at its rate (not a bolus), and the
 * patient banner (name, MRN, age, weight with its date, allergies).
 */
#include <med/arena.h>
#include <med/names.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dosage.h"
#include "dose.h"
#include "mar.h"
#include "time_critical.h"

#define INF(x) SMARTMED__DOSAGE__V1__MAR_INFUSION_STATE__MAR_INFUSION_STATE_##x
#define DAY_MS (24LL * 3600 * 1000)

typedef Smartmed__Dosage__V1__MarInfusion mar_infusion;
typedef Smartmed__Dosage__V1__Infusion infusion;

/* unit_text is how a unit reads on a chart: UCUM's "[iU]" is "units". */
static const char *
unit_text(const char *unit)
{
	if (unit == NULL)
		return "";
	return strcmp(unit, "[iU]") == 0 ? "units" : unit;
}

char *
dosage_amount_text(med_arena *a, double v, const char *unit)
{
	char num[64];
	char *end;

	snprintf(num, sizeof(num), "%.*f", dosage_dose_decimals(v),
		 dosage_dose_round(v));
	/* Trailing zeros say nothing about the dose: 2300, 0.5. */
	if (strchr(num, '.') != NULL) {
		end = num + strlen(num) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	return med_arena_sprintf(a, "%s%s%s", num, unit && unit[0] ? " " : "",
				 unit_text(unit));
}

char *
dosage_drug_strength_text(med_arena *a, const dosage_drug *d)
{
	const char *u = d->unit ? d->unit : "";

	if (d->concentration_amount > 0 && d->concentration_volume_ml > 0) {
		char *amt = dosage_amount_text(a, d->concentration_amount, u);
		char *vol =
			dosage_amount_text(a, d->concentration_volume_ml, "mL");

		if (amt == NULL || vol == NULL)
			return NULL;
		return d->concentration_volume_ml == 1
			       ? med_arena_sprintf(a, "%s per mL", amt)
			       : med_arena_sprintf(a, "%s in %s", amt, vol);
	}
	if (d->strength > 0) {
		char *amt =
			dosage_amount_text(a, d->strength, d->strength_unit);

		return amt ? med_arena_sprintf(a, "%s per %s", amt, u) : NULL;
	}
	return med_arena_strdup(a, "");
}

bool
dosage_order_is_infusion(const dosage_order *o)
{
	return o->infusion_rate > 0 ||
	       (o->infusion_rate_unit != NULL && o->infusion_rate_unit[0]);
}

char *
dosage_order_dose_text(med_arena *a, const dosage_order *o)
{
	char *dose, *conv;

	if (dosage_order_is_infusion(o)) {
		char *rate = dosage_amount_text(a, o->infusion_rate,
						o->infusion_rate_unit);
		char *max =
			o->infusion_rate_max > 0
				? dosage_amount_text(a, o->infusion_rate_max,
						     o->infusion_rate_unit)
				: NULL;

		if (rate == NULL || max == NULL)
			return rate;
		return med_arena_sprintf(a, "%s (titrate up to %s)", rate, max);
	}
	dose = dosage_amount_text(a, o->dose, o->unit);
	if (dose == NULL || o->drug_unit == NULL || o->unit == NULL ||
	    strcmp(o->unit, o->drug_unit) == 0 || o->dose_in_drug_unit <= 0)
		return dose;
	conv = dosage_amount_text(a, o->dose_in_drug_unit, o->drug_unit);
	return conv ? med_arena_sprintf(a, "%s (%s)", dose, conv) : NULL;
}

/* --- rounding what the MAR shows ----------------------------------------- */

void
dosage_mar_round_order(dosage_order *o)
{
	o->dose = dosage_dose_round(o->dose);
	o->dose_in_drug_unit = dosage_dose_round(o->dose_in_drug_unit);
	o->prn_max_daily_dose = dosage_dose_round(o->prn_max_daily_dose);
	o->infusion_rate = dosage_dose_round(o->infusion_rate);
	o->infusion_rate_max = dosage_dose_round(o->infusion_rate_max);
}

void
dosage_mar_round_admin(dosage_admin *m)
{
	m->dose = dosage_dose_round(m->dose);
	m->dose_in_drug_unit = dosage_dose_round(m->dose_in_drug_unit);
	m->ordered_dose_in_drug_unit =
		dosage_dose_round(m->ordered_dose_in_drug_unit);
}

void
dosage_mar_round_infusion(Smartmed__Dosage__V1__Infusion *inf)
{
	inf->rate_drug_unit_per_hour =
		dosage_dose_round(inf->rate_drug_unit_per_hour);
	for (size_t i = 0; i < inf->n_rates; i++) {
		Smartmed__Dosage__V1__InfusionRate *r = inf->rates[i];

		r->rate = dosage_dose_round(r->rate);
		r->rate_drug_unit_per_hour =
			dosage_dose_round(r->rate_drug_unit_per_hour);
		r->delivered_drug_unit =
			dosage_dose_round(r->delivered_drug_unit);
	}
}

/* --- an infusion order's line -------------------------------------------- */

/* latest is o's infusion that started last by at_ms, or NULL. */
static const infusion *
latest(const dosage_order *o, infusion *const *inf, size_t n, int64_t at_ms)
{
	const infusion *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (strcmp(inf[i]->order_id, o->id) == 0 &&
		    inf[i]->started_ms <= at_ms &&
		    (best == NULL || inf[i]->started_ms > best->started_ms))
			best = inf[i];
	return best;
}

/* rate_at is the event of inf in force at at_ms (its latest by then). */
static const Smartmed__Dosage__V1__InfusionRate *
rate_at(const infusion *inf, int64_t at_ms)
{
	const Smartmed__Dosage__V1__InfusionRate *r = NULL;

	for (size_t i = 0; i < inf->n_rates; i++)
		if (inf->rates[i]->effective_ms <= at_ms &&
		    (r == NULL ||
		     inf->rates[i]->effective_ms >= r->effective_ms))
			r = inf->rates[i];
	return r;
}

/* running_text is "5 mL/h (5000 units/h)": the rate as the pump is set,
 * and in the drug's unit when that differs. */
static char *
running_text(med_arena *a, const Smartmed__Dosage__V1__InfusionRate *r,
	     const char *drug_unit)
{
	char *set = dosage_amount_text(a, r->rate, r->rate_unit);
	char per_h[48];
	char *drug;

	snprintf(per_h, sizeof(per_h), "%s/h", unit_text(drug_unit));
	drug = dosage_amount_text(a, r->rate_drug_unit_per_hour, per_h);
	if (set == NULL || drug == NULL)
		return NULL;
	if (strcmp(r->rate_unit, per_h) == 0 ||
	    (drug_unit &&
	     strncmp(r->rate_unit, drug_unit, strlen(drug_unit)) == 0 &&
	     strcmp(r->rate_unit + strlen(drug_unit), "/h") == 0))
		return set;
	return med_arena_sprintf(a, "%s (%s)", set, drug);
}

med_err
dosage_mar_infusion(med_arena *a, dosage_zone *z, const dosage_order *o,
		    infusion *const *inf, size_t n, int64_t now_ms,
		    mar_infusion *out)
{
	const infusion *cur = latest(o, inf, n, now_ms);
	const Smartmed__Dosage__V1__InfusionRate *r =
		cur ? rate_at(cur, now_ms) : NULL;
	bool stopped = cur && cur->stopped_ms != 0 && cur->stopped_ms <= now_ms;

	if (cur == NULL || r == NULL) {
		out->state = INF(NOT_STARTED);
		out->rate_text = "not started";
		return MED_OK;
	}
	out->infusion_id = cur->id;
	out->started_ms = cur->started_ms;
	out->started_time = dosage_zone_rfc3339(a, z, cur->started_ms);
	out->state = stopped ? INF(STOPPED) : INF(RUNNING);
	out->since_ms = stopped ? cur->stopped_ms : r->effective_ms;
	out->since_time = dosage_zone_rfc3339(a, z, out->since_ms);
	if (stopped) {
		out->rate_text = "stopped";
		out->rate_unit = r->rate_unit;
	} else {
		out->rate = dosage_dose_round(r->rate);
		out->rate_unit = r->rate_unit;
		out->rate_drug_unit_per_hour =
			dosage_dose_round(r->rate_drug_unit_per_hour);
		out->rate_text = running_text(a, r, cur->drug_unit);
	}
	if (out->started_time == NULL || out->since_time == NULL ||
	    out->rate_text == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}

/* --- the patient banner -------------------------------------------------- */

/* age_text says an age the way a chart does: years from 2, months under
 * 2 years, days under a month; "" when the birth date is unknown. */
static char *
age_text(med_arena *a, const char *birth_date, dosage_zone *z, int64_t now_ms,
	 int *years)
{
	int by, bm, bd, months, days;
	time_t t = (time_t)(dosage_zone_wall_ms(z, now_ms) / 1000);
	struct tm now;

	*years = 0;
	if (birth_date == NULL ||
	    sscanf(birth_date, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
	    gmtime_r(&t, &now) == NULL)
		return med_arena_strdup(a, "");
	months = (now.tm_year + 1900 - by) * 12 + (now.tm_mon + 1 - bm) -
		 (now.tm_mday < bd);
	if (months < 0)
		return med_arena_strdup(a, "");
	*years = months / 12;
	if (months >= 24)
		return med_arena_sprintf(a, "%d y", months / 12);
	if (months >= 1)
		return med_arena_sprintf(a, "%d mo", months);
	/* Under a month: the days from the birth date, in the ward's date. */
	{
		struct tm b = {
			.tm_year = by - 1900, .tm_mon = bm - 1, .tm_mday = bd};
		time_t birth = timegm(&b);

		days = (int)((t - birth) / 86400);
	}
	return med_arena_sprintf(a, "%d d", days < 0 ? 0 : days);
}

static char *
display_name(med_arena *a, const med_patient_banner *who)
{
	char family[sizeof(who->family_name)];
	char cjk[MED_NAME_DISPLAY_MAX];
	size_t i;

	/* A Chinese, Japanese or Korean name is written family name first
	 * without a space (王芳), which capitals and a comma would only
	 * garble (docs/names.md). */
	if (med_name_is_cjk(who->family_name) &&
	    (who->given_name[0] == '\0' || med_name_is_cjk(who->given_name)))
		return med_arena_strdup(a, med_name_display(cjk, sizeof(cjk),
							    who->family_name,
							    who->given_name));
	/* The family name in capitals, as wristbands and charts print it,
	 * so that it is not read as a given name. */
	for (i = 0; who->family_name[i] && i + 1 < sizeof(family); i++)
		family[i] = (char)((who->family_name[i] >= 'a' &&
				    who->family_name[i] <= 'z')
					   ? who->family_name[i] - 'a' + 'A'
					   : who->family_name[i]);
	family[i] = '\0';
	if (who->given_name[0] == '\0')
		return med_arena_strdup(a, family);
	return med_arena_sprintf(a, "%s, %s", family, who->given_name);
}

static char *
allergy_text(med_arena *a, const dosage_dose_patient *p)
{
	size_t len = 1;
	char *s;

	if (!p->allergies_known)
		return med_arena_strdup(a, "Allergies not assessed");
	if (p->n_allergies == 0)
		return med_arena_strdup(a, "No known allergies");
	for (size_t i = 0; i < p->n_allergies; i++)
		len += strlen(p->allergies[i]) + 2;
	s = med_arena_alloc(a, len);
	if (s == NULL)
		return NULL;
	for (size_t i = 0, at = 0; i < p->n_allergies; i++)
		at += (size_t)snprintf(s + at, len - at, "%s%s",
				       i > 0 ? "; " : "", p->allergies[i]);
	return s;
}

/* banner_death shows the death identity records: the time in the ward's
 * zone and "Died 2026-11-24 13:05" (docs/dose-safety.md, "Death"). */
static med_err
banner_death(med_arena *a, dosage_zone *z, const med_patient_banner *who,
	     Smartmed__Dosage__V1__MarPatient *out)
{
	const char *t;

	if (!who->deceased)
		return MED_OK;
	out->deceased = true;
	out->deceased_ms = who->deceased_ms;
	if (who->deceased_ms == 0) {
		out->deceased_text = "Died (time not recorded)";
		return MED_OK;
	}
	t = dosage_zone_rfc3339(a, z, who->deceased_ms);
	if (t == NULL)
		return MED_ERR_NOMEM;
	out->deceased_time = (char *)t;
	/* "2026-11-24T13:05:00+01:00": the date and the minute. */
	out->deceased_text = med_arena_sprintf(a, "Died %.10s %.5s", t,
					       strlen(t) > 16 ? t + 11 : "");
	return out->deceased_text != NULL ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_mar_banner(med_arena *a, dosage_zone *z, const med_patient_banner *who,
		  const dosage_dose_patient *p, int64_t now_ms,
		  Smartmed__Dosage__V1__MarPatient *out)
{
	out->mrn = med_arena_strdup(a, who->mrn);
	out->family_name = med_arena_strdup(a, who->family_name);
	out->given_name = med_arena_strdup(a, who->given_name);
	out->display_name = display_name(a, who);
	out->birth_date = med_arena_strdup(a, who->birth_date);
	out->age_text =
		age_text(a, who->birth_date, z, now_ms, &out->age_years);
	out->facts_source = (char *)(p->source ? p->source : "");
	if (p->has_weight) {
		out->weight_kg = dosage_dose_round(p->weight_kg);
		out->weight_ms = p->weight_ms;
		out->weight_time = dosage_zone_rfc3339(a, z, p->weight_ms);
	}
	out->allergies_assessed = p->allergies_known;
	out->allergies = (char **)p->allergies;
	out->n_allergies = p->allergies_known ? p->n_allergies : 0;
	out->allergy_text = allergy_text(a, p);
	if (out->mrn == NULL || out->family_name == NULL ||
	    out->given_name == NULL || out->display_name == NULL ||
	    out->birth_date == NULL || out->age_text == NULL ||
	    out->weight_time == NULL || out->allergy_text == NULL)
		return MED_ERR_NOMEM;
	return banner_death(a, z, who, out);
}

/* --- time-critical medicines ---------------------------------------------- */

#define TC_SLOT(x) SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x

/* tc_flag is what a slot of a time-critical medicine says at now_ms: a
 * dose not given, or one given (or still open) past its window. */
static const char *
tc_flag(const Smartmed__Dosage__V1__MarSlot *s, int64_t window_ms,
	int64_t now_ms)
{
	int64_t at;

	switch (s->state) {
	case TC_SLOT(NOT_GIVEN):
		return "not given, time-critical";
	case TC_SLOT(GIVEN):
	case TC_SLOT(AWAITING_COSIGN):
		at = s->charted_ms;
		break;
	case TC_SLOT(DUE):
	case TC_SLOT(LATE):
	case TC_SLOT(MISSED):
		at = now_ms;
		break;
	default:
		return "";
	}
	return med_time_sub_ms(at, s->scheduled_ms) > window_ms
		       ? "late, time-critical"
		       : "";
}

med_err
dosage_mar_time_critical(med_arena *a, const dosage_time_critical *tc,
			 int64_t now_ms, Smartmed__Dosage__V1__MarSlot **slots,
			 size_t n)
{
	int64_t window_ms = (int64_t)tc->window_min * 60 * 1000;
	char *reason = med_arena_sprintf(
		a, "%s: %s (give within %d minutes; %s)", tc->term, tc->harm,
		(int)tc->window_min, tc->source);

	if (reason == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		slots[i]->time_critical_window_min = tc->window_min;
		slots[i]->time_critical_reason = reason;
		slots[i]->time_critical_flag =
			(char *)tc_flag(slots[i], window_ms, now_ms);
	}
	return MED_OK;
}
