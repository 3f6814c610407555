/*
 * right_dose.c - the dose given against the dose ordered (issue 47): a
 * dose charted at the bedside, or checked by the second person of a
 * high-alert co-sign, is the order's dose, or a coded reason says why not.
 * Pure rules, no I/O; handlers_admin.c and handlers_cosign.c apply them
 * with the dose already converted to the drug's unit (so "4 mL" of a
 * 100 units/mL product is 400 units before it is compared).
 */
#include <med/check.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "checks.h"
#include "dose.h"

#define DEV(x)                                                                 \
	SMARTMED__DOSAGE__V1__DOSE_DEVIATION_REASON__DOSE_DEVIATION_REASON_##x
#define DEVIATION_TEXT_MAX 500

bool
dosage_dose_as_ordered(double charted, double ordered)
{
	if (!isfinite(charted) || !isfinite(ordered) || ordered <= 0)
		return false;
	return fabs(charted - ordered) <= DOSAGE_RIGHT_DOSE_TOLERANCE * ordered;
}

const char *
dosage_deviation_reason_name(int reason)
{
	switch (reason) {
	case DEV(PARTIAL_DOSE_PATIENT_REFUSED):
		return "partial dose, patient refused the rest";
	case DEV(VOMITED_REPEAT):
		return "vomited, dose repeated";
	case DEV(TITRATION_PER_PROTOCOL):
		return "titration per protocol";
	case DEV(PRESCRIBER_VERBAL_ORDER):
		return "prescriber's verbal order";
	case DEV(OTHER):
		return "other";
	default:
		return NULL;
	}
}

med_err
dosage_deviation_problem(const char *field, const dosage_deviation *d,
			 med_problem *p)
{
	char f[64];

	if (d == NULL)
		return MED_OK;
	if (dosage_deviation_reason_name((int)d->reason) == NULL) {
		snprintf(f, sizeof(f), "%s.reason", field);
		return med_problem_set(p, MED_ERR_INVALID, f,
				       "must be a DoseDeviationReason other "
				       "than unspecified");
	}
	snprintf(f, sizeof(f), "%s.text", field);
	return med_text_problem(f, d->text, d->reason == DEV(OTHER) ? 3 : 0,
				DEVIATION_TEXT_MAX, p);
}

/* unit_words is how a unit reads in a reason: UCUM's "[iU]" is "units". */
static const char *
unit_words(const char *unit)
{
	return unit && strcmp(unit, "[iU]") == 0 ? "units" : unit ? unit : "";
}

void
dosage_deviation_summary(double charted, double ordered, const char *unit,
			 char *out, size_t len)
{
	snprintf(out, len, "charted %g %s, ordered %g %s",
		 dosage_dose_round(charted), unit_words(unit),
		 dosage_dose_round(ordered), unit_words(unit));
}

med_err
dosage_right_dose_problem(const char *who, double charted, double ordered,
			  const char *unit, const dosage_deviation *dev,
			  med_problem *p)
{
	char words[128];

	if (dosage_dose_as_ordered(charted, ordered) || dev != NULL)
		return MED_OK;
	dosage_deviation_summary(charted, ordered, unit, words, sizeof(words));
	return med_problem_set(p, MED_ERR_PRECONDITION, "dose",
			       "%s is not the ordered dose (%s; the same "
			       "within 1 %%): give the ordered dose, or give "
			       "dose_deviation with a coded reason",
			       who, words);
}

double
dosage_ordered_amount(const dosage_order *o, const dosage_drug *d)
{
	double v;

	/* The order's dose in the drug's unit as the catalogue stands now;
	 * what order entry stored when it no longer converts. */
	if (dosage_drug_convert(d, o->dose, o->unit, &v) == MED_OK)
		return v;
	return o->dose_in_drug_unit;
}

med_err
dosage_admin_deviation_fill(med_arena *a, dosage_admin *m)
{
	char words[128];

	m->dose_deviation_summary = "";
	if (m->ordered_dose_in_drug_unit <= 0 || !dosage_admin_counted(m) ||
	    dosage_dose_as_ordered(m->dose_in_drug_unit,
				   m->ordered_dose_in_drug_unit))
		return MED_OK;
	dosage_deviation_summary(m->dose_in_drug_unit,
				 m->ordered_dose_in_drug_unit, m->drug_unit,
				 words, sizeof(words));
	m->dose_deviation_summary = med_arena_strdup(a, words);
	return m->dose_deviation_summary ? MED_OK : MED_ERR_NOMEM;
}
