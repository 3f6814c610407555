/*
 * renal_rules.c - the renal rules of a drug's substances (the substance
 * knowledge base, "renal" records) against the patient's renal function,
 * per regimen: enoxaparin for prophylaxis falls to 20 mg once daily below
 * a creatinine clearance of 30 mL/min, for treatment to 1 mg/kg once
 * daily; fondaparinux, metformin, nitrofurantoin stop below a clearance.
 * They add to the product's own renal bands (dose.c): the stricter
 * result stands.  The hepatic rules ("hepatic" records) against the
 * Child-Pugh class on the problem list likewise add to the product's
 * hepatic bands: paracetamol at most 3 g a day in hepatic impairment,
 * methotrexate not in severe impairment.  Pure functions;
 * docs/dose-safety.md, "Renal and hepatic rules per substance".
 */
#include <stdio.h>
#include <string.h>

#include "dose.h"
#include "substance_kb.h"

#define EPS 1e-9

/* rank orders a status as dose.c's severity does: not_applicable < ok <
 * not_checked < warn < hard_stop. */
static int
rank(dosage_dose_status s)
{
	static const int r[] = {0, 2, 4, 5, 3, 1};

	return r[s];
}

/* keep_worse keeps in a the more severe of a and b. */
static void
keep_worse(dosage_dose_result *a, const dosage_dose_result *b)
{
	if (rank(b->status) > rank(a->status))
		*a = *b;
}

/* over_max: is v above max (0: no such limit), times k? */
static bool
over_max(double v, double max, double k)
{
	return max > 0 && v > max * k * (1 + EPS);
}

/* rule_limits checks dose and the day's total against rule x (maxima in
 * the drug's unit, times kg for a per-kg rule). */
static void
rule_limits(const dosage_dose_limits *l, const dosage_renal_rule *x,
	    const char *band, double kg, double day, double dose,
	    dosage_dose_result *r)
{
	dosage_dose_status st =
		x->stop ? DOSAGE_DOSE_HARD_STOP : DOSAGE_DOSE_WARN;
	double k = x->per_kg ? kg : 1;

	if (over_max(dose, x->single_max, k))
		dosage_dose_set(r, st, dose, x->single_max * k,
				"%s: dose %.6g %s exceeds %.6g %s (%s)", band,
				dose, l->unit, x->single_max * k, l->unit,
				x->origin);
	else if (over_max(day, x->max_24h, k))
		dosage_dose_set(r, st, day, x->max_24h * k,
				"%s: 24-h total %.6g %s exceeds %.6g %s (%s)",
				band, day, l->unit, x->max_24h * k, l->unit,
				x->origin);
	else
		dosage_dose_set(
			r, DOSAGE_DOSE_OK, dose, x->single_max * k,
			"%s: dose %.6g %s and 24-h total %.6g %s within "
			"the substance's renal rule (%s)",
			band, dose, l->unit, day, l->unit, x->origin);
}

/* rule_result answers rule x, which holds the patient's renal function
 * f: not checked without what it needs, a stop or warning when the drug
 * is not to be given or the dose or day is above the rule's maxima. */
static void
rule_result(const dosage_dose_limits *l, const dosage_renal_rule *x,
	    const dosage_renal_function *f, double kg, double day, double dose,
	    dosage_dose_result *r)
{
	char band[96];

	snprintf(band, sizeof(band), "%s %.4g %s below %.4g, %s", f->label,
		 f->value, f->unit, x->below, dosage_regimen_name(x->regimen));
	if (x->single_max <= 0 && x->max_24h <= 0)
		dosage_dose_set(
			r, x->stop ? DOSAGE_DOSE_HARD_STOP : DOSAGE_DOSE_WARN,
			f->value, x->below, "%s: not to be given (%s)", band,
			x->origin);
	else if (!x->converted)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"%s: the rule's unit %s does not convert to "
				"the drug's %s (%s)",
				band, x->unit, l->unit, x->origin);
	else if (x->per_kg && kg <= 0)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"%s: the rule is per kg and no usable weight "
				"is known (%s)",
				band, x->origin);
	else
		rule_limits(l, x, band, kg, day, dose, r);
}

/* regimen_result writes into r the worst result of the rules that hold f
 * for an order of regimen g (its own and those of every regimen); true
 * when a rule of regimen g itself held. */
static bool
regimen_result(const dosage_dose_limits *l, dosage_regimen g,
	       const dosage_renal_function *f, double kg, double day,
	       double dose, dosage_dose_result *r)
{
	dosage_dose_result one = {.check = r->check};
	bool own = false;

	dosage_dose_set(r, DOSAGE_DOSE_OK, f->value, 0,
			"%s %.4g %s: no substance renal rule holds", f->label,
			f->value, f->unit);
	for (size_t i = 0; i < l->n_renal_rules; i++) {
		const dosage_renal_rule *x = &l->renal_rules[i];

		if (!(f->value < x->below) ||
		    (x->regimen != DOSAGE_REGIMEN_ANY && x->regimen != g))
			continue;
		own = own || (g != DOSAGE_REGIMEN_ANY && x->regimen == g);
		rule_result(l, x, f, kg, day, dose, &one);
		keep_worse(r, &one);
	}
	return own;
}

/*
 * unstated answers an order that states no regimen: the dose passes what
 * the more permissive regimen allows, and where a rule of one regimen
 * holds the patient the prescriber is asked (a warning) to state which,
 * naming what the stricter one allows.
 */
static void
unstated(const dosage_dose_limits *l, const dosage_renal_function *f, double kg,
	 double day, double dose, dosage_dose_result *r)
{
	dosage_dose_result pro = {.check = r->check};
	dosage_dose_result tre = {.check = r->check};
	bool by_regimen;
	const dosage_dose_result *strict, *loose;

	by_regimen = regimen_result(l, DOSAGE_REGIMEN_PROPHYLAXIS, f, kg, day,
				    dose, &pro) |
		     regimen_result(l, DOSAGE_REGIMEN_TREATMENT, f, kg, day,
				    dose, &tre);
	strict = rank(pro.status) >= rank(tre.status) ? &pro : &tre;
	loose = strict == &pro ? &tre : &pro;
	*r = *loose;
	if (!by_regimen || rank(loose->status) >= rank(DOSAGE_DOSE_WARN) ||
	    rank(strict->status) <= rank(DOSAGE_DOSE_OK))
		return;
	dosage_dose_set(r, DOSAGE_DOSE_WARN, strict->value, strict->limit,
			"regimen not stated: the renal rule differs by "
			"regimen; state prophylaxis or treatment. Had it been "
			"%s: %s",
			strict == &pro ? "prophylaxis" : "treatment",
			strict->reason);
}

void
dosage_dose_renal_rules(const dosage_dose_limits *l,
			const dosage_renal_function *f, double kg, double day,
			double dose, dosage_dose_result *r)
{
	if (l->regimen == DOSAGE_REGIMEN_ANY)
		unstated(l, f, kg, day, dose, r);
	else
		(void)regimen_result(l, l->regimen, f, kg, day, dose, r);
}

/* --- hepatic rules -------------------------------------------------------- */

/* hepatic_result answers hepatic rule x for a patient of class cls: not to
 * be given, not checked when its unit does not convert, else its maxima
 * against dose and day. */
static void
hepatic_result(const dosage_dose_limits *l, const dosage_hepatic_rule *x,
	       char cls, double day, double dose, dosage_dose_result *r)
{
	dosage_dose_status st =
		x->stop ? DOSAGE_DOSE_HARD_STOP : DOSAGE_DOSE_WARN;

	if (x->single_max <= 0 && x->max_24h <= 0)
		dosage_dose_set(r, st, 0, 0,
				"Child-Pugh %c: not to be given in Child-Pugh "
				"%c or worse (%s)",
				cls, x->cls, x->origin);
	else if (!x->converted)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"Child-Pugh %c: the rule's unit %s does not "
				"convert to the drug's %s (%s)",
				cls, x->unit, l->unit, x->origin);
	else if (over_max(dose, x->single_max, 1))
		dosage_dose_set(r, st, dose, x->single_max,
				"Child-Pugh %c: dose %.6g %s exceeds %.6g %s "
				"(%s)",
				cls, dose, l->unit, x->single_max, l->unit,
				x->origin);
	else if (over_max(day, x->max_24h, 1))
		dosage_dose_set(r, st, day, x->max_24h,
				"Child-Pugh %c: 24-h total %.6g %s exceeds "
				"%.6g %s (%s)",
				cls, day, l->unit, x->max_24h, l->unit,
				x->origin);
	else
		dosage_dose_set(r, DOSAGE_DOSE_OK, dose, x->single_max,
				"Child-Pugh %c: dose %.6g %s and 24-h total "
				"%.6g %s within the substance's hepatic rule "
				"(%s)",
				cls, dose, l->unit, day, l->unit, x->origin);
}

void
dosage_dose_hepatic_rules(const dosage_dose_limits *l, char cls, double day,
			  double dose, dosage_dose_result *r)
{
	dosage_dose_result one = {.check = r->check};

	r->status = DOSAGE_DOSE_NOT_APPLICABLE;
	/* A rule written for a milder class holds the worse ones too: a
	 * liver that has got worse never lifts a limit. */
	for (size_t i = 0; i < l->n_hepatic_rules; i++) {
		if (l->hepatic_rules[i].cls > cls)
			continue;
		hepatic_result(l, &l->hepatic_rules[i], cls, day, dose, &one);
		keep_worse(r, &one);
	}
	if (r->status == DOSAGE_DOSE_NOT_APPLICABLE)
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
				"Child-Pugh %c: no substance hepatic rule "
				"holds",
				cls);
}
