/*
 * problem.c - what is wrong with a message: hl7_problem_set fills the
 * problem that the acknowledgement reports (ERR: its code, segment, field
 * and text).  Below everything that reads a message (parse.c, charset.c,
 * ack.c, the mappers), which all call it and none of which it calls.
 */
#include <med/util.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hl7.h"

med_err
hl7_problem_set(hl7_problem *p, const char *ack, int code, const char *segment,
		int seq, int field, const char *fmt, ...)
{
	va_list ap;

	memset(p, 0, sizeof(*p));
	p->ack = ack;
	p->code = code;
	med_strlcpy(p->segment, segment ? segment : "", sizeof(p->segment));
	p->seq = seq;
	p->field = field;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
	return MED_ERR_INVALID;
}
