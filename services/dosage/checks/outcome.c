/*
 * outcome.c - a check's outcome, written one way (dose.h's
 * dosage_dose_set).  It sits below every check: dose.c runs the checks of
 * age.c, labs.c and renal_rules.c, and each of them writes its result
 * here, so that none of them uses dose.c back.
 */
#include <stdarg.h>
#include <stdio.h>

#include "dose.h"

dosage_dose_status
dosage_dose_set(dosage_dose_result *r, dosage_dose_status st, double value,
		double limit, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	r->value = value;
	r->limit = limit;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return st;
}
