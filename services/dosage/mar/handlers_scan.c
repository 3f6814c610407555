/*
 * handlers_scan.c - the product scan at the bedside (BCMA): the pack in
 * the nurse's hand must be the ordered catalogue entry and in date.  A
 * product of another entry (another substance or strength) and an expired
 * batch are hard stops no override passes: the right pack is fetched.
 */
#include <med/service.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dosage.h"
#include "catalogue.h"
#include "mar.h"

/* expiry_text writes the last day of an expiry ending at end_ms as a
 * date a person reads. */
static void
expiry_text(int64_t end_ms, char *out, size_t len)
{
	time_t last_s = (time_t)(end_ms / 1000) - 1;
	struct tm t;

	gmtime_r(&last_s, &t);
	snprintf(out, len, "%04d-%02d-%02d", t.tm_year + 1900, t.tm_mon + 1,
		 t.tm_mday);
}

static med_err
check_expiry(med_call *call, const dosage_gs1 *scan, int64_t at_ms)
{
	char when[40];
	int64_t end_ms;

	if (scan->expiry[0] == '\0')
		return MED_OK;
	if (dosage_gs1_expiry_end_ms(scan->expiry, at_ms, &end_ms) != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "product_scan: expiry (17) %s is not a "
				     "date",
				     scan->expiry);
	if (at_ms < end_ms)
		return MED_OK;
	expiry_text(end_ms, when, sizeof(when));
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "product_scan: batch %s expired on %s",
			     scan->batch[0] ? scan->batch : "(none)", when);
}

med_err
dosage_scan_gate(med_call *call, const dosage_subject *s,
		 const dosage_gs1 *scan, int64_t at_ms, dosage_admin *m)
{
	med_arena *a = med_call_arena(call);
	med_err err;

	if (scan == NULL)
		return MED_OK;
	if (s->scanned_drug_code == NULL)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "product_scan: GTIN %s is not in the "
				     "catalogue; the ordered drug is %s",
				     scan->gtin, s->order.drug_code);
	if (strcmp(s->scanned_drug_code, s->order.drug_code) != 0)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "product_scan: GTIN %s is %s, not the "
				     "ordered drug %s",
				     scan->gtin, s->scanned_drug_code,
				     s->order.drug_code);
	if ((err = check_expiry(call, scan, at_ms)) != MED_OK)
		return err;
	m->product_gtin = med_arena_strdup(a, scan->gtin);
	m->product_batch = med_arena_strdup(a, scan->batch);
	m->product_expiry = med_arena_strdup(a, scan->expiry);
	m->product_serial = med_arena_strdup(a, scan->serial);
	return m->product_gtin && m->product_batch && m->product_expiry &&
			       m->product_serial
		       ? MED_OK
		       : MED_ERR_NOMEM;
}
