/*
 * domain.c - the drug catalogue's rules, free of gRPC and SQL.
 */
#include <med/check.h>

#include <math.h>
#include <string.h>

#include "dosage.h"

/* Units a dose limit may be written in; others invite a tenfold error. */
static const char *const dose_units[] = {"mg", "mcg",  "g", "mL",
					 "IU", "unit", NULL};

/* Doses past this are typing errors in any unit we accept. */
#define DOSE_SANITY_MAX 1e6

med_err
dosage_check_code(med_call *call, const char *field, const char *code)
{
	med_err err = med_check_text(call, field, code, 1, 64);
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "abcdefghijklmnopqrstuvwxyz"
				      "0123456789._-";

	if (err != MED_OK)
		return err;
	if (strspn(code, allowed) != strlen(code))
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: only letters, digits, '.', '_' and "
				     "'-'",
				     field);
	return MED_OK;
}

static bool
unit_known(const char *unit)
{
	for (const char *const *u = dose_units; *u; u++)
		if (strcmp(*u, unit) == 0)
			return true;
	return false;
}

static med_err
check_limit(med_call *call, const char *field, double v)
{
	if (!isfinite(v) || v <= 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must be a positive number", field);
	if (v > DOSE_SANITY_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: implausibly large", field);
	return MED_OK;
}

med_err
dosage_check_drug(med_call *call, const Smartmed__Dosage__V1__Drug *d)
{
	med_err err;

	if (d == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "drug: must be set");
	if ((err = dosage_check_code(call, "drug.code", d->code)) != MED_OK ||
	    (err = med_check_text(call, "drug.name", d->name, 1, 200)) !=
		    MED_OK)
		return err;
	if (!unit_known(d->unit))
		return med_call_fail(call, MED_ERR_INVALID,
				     "drug.unit: must be one of mg, mcg, g, "
				     "mL, IU, unit");
	if ((err = check_limit(call, "drug.max_single_dose",
			       d->max_single_dose)) != MED_OK ||
	    (err = check_limit(call, "drug.max_daily_dose",
			       d->max_daily_dose)) != MED_OK)
		return err;
	if (d->max_daily_dose < d->max_single_dose)
		return med_call_fail(call, MED_ERR_INVALID,
				     "drug.max_daily_dose: must not be below "
				     "max_single_dose");
	return MED_OK;
}
