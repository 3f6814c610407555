/*
 * age.c - the age check: the age rules of a drug's substances (the
 * substance knowledge base, "age" records) against the patient's age from
 * the birth date identity holds.  A paediatric contraindication stops (a
 * prescriber passes it with dose_override and a reason, like every other
 * stop); an older-adult criterion (AGS Beers, STOPP) warns.  Pure
 * functions; docs/dose-safety.md, "Age".
 */
#include <stdio.h>
#include <string.h>

#include "dose.h"

/* age_holds: does rule r hold a patient of p's age? */
static bool
age_holds(const dosage_age_rule *r, const dosage_dose_patient *p)
{
	long long age = r->in_days ? (long long)p->age_days : p->age_years;

	return r->below ? age < r->limit : age >= r->limit;
}

/* age_words writes the band rule r names ("under 16 years"). */
static void
age_words(const dosage_age_rule *r, char *out, size_t len)
{
	snprintf(out, len, "%s %d %s%s", r->below ? "under" : "aged", r->limit,
		 r->in_days ? "days" : "years", r->below ? "" : " or over");
}

/* patient_age writes p's age as the rule counts it. */
static void
patient_age(const dosage_age_rule *r, const dosage_dose_patient *p, char *out,
	    size_t len)
{
	if (r->in_days)
		snprintf(out, len, "%lld days", (long long)p->age_days);
	else
		snprintf(out, len, "%d years", p->age_years);
}

/* worst_rule is the rule that holds p with the most weight (a stop over a
 * warning, then the first written), NULL when none holds. */
static const dosage_age_rule *
worst_rule(const dosage_dose_limits *l, const dosage_dose_patient *p)
{
	const dosage_age_rule *w = NULL;

	for (size_t i = 0; i < l->n_age_rules; i++) {
		const dosage_age_rule *r = &l->age_rules[i];

		if (age_holds(r, p) && (w == NULL || (r->stop && !w->stop)))
			w = r;
	}
	return w;
}

void
dosage_dose_check_age(const dosage_dose_limits *l, const dosage_dose_patient *p,
		      dosage_dose_result *r)
{
	const dosage_age_rule *w;
	char band[48], age[32];

	if (l->n_age_rules == 0) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"no age rule for the drug's substances");
		return;
	}
	if (!p->has_age) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"age unknown (no birth date): %zu age rule(s) "
				"not checked",
				l->n_age_rules);
		return;
	}
	if ((w = worst_rule(l, p)) == NULL) {
		dosage_dose_set(r, DOSAGE_DOSE_OK, p->age_years, 0,
				"age %d years: no age rule holds",
				p->age_years);
		return;
	}
	age_words(w, band, sizeof(band));
	patient_age(w, p, age, sizeof(age));
	/* A stop the prescriber overrode at order entry warns at each dose
	 * of that order, as a severe allergy's does (dose.c). */
	dosage_dose_set(r,
			w->stop && !l->age_overridden ? DOSAGE_DOSE_HARD_STOP
						      : DOSAGE_DOSE_WARN,
			w->in_days ? (double)p->age_days : p->age_years,
			w->limit, "%s %s%s; patient %s (%s)",
			w->stop ? "contraindicated" : "to be avoided", band,
			w->stop && l->age_overridden
				? " (overridden at order entry)"
				: "",
			age, w->origin ? w->origin : "substance rule");
}
