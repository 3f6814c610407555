/*
 * hepatic.c - what the problem list says of the patient's liver: dosage
 * asks diagnosis' GetHepaticFacts (over mutual TLS, as the service
 * principal; MED_DIAGNOSIS_URL) before each dose check, beside records'
 * facts.  When diagnosis is configured but cannot answer, the check fails
 * closed; when it is not configured, drugs with hepatic bands answer
 * not_checked.  The call is libmed's facts contract (med/facts.h).
 */
#include <med/facts.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "patient.h"

med_err
dosage_hepatic_start(med_service *svc, dosage_state *st)
{
	const med_config *c = med_service_config(svc);
	med_err err = med_facts_open(c, DIAGNOSIS_URL_SETTING,
				     "MED_DIAGNOSIS_SERVER_NAME",
				     "hepatic facts", &st->diagnosis);

	if (err != MED_OK)
		return err;
	if (st->diagnosis == NULL)
		med_log_warn(DIAGNOSIS_URL_SETTING " is not set: drugs with "
						   "hepatic bands answer "
						   "not_checked (the problem "
						   "list is not read)");
	st->diagnosis_deadline_ms =
		med_config_int(c, "MED_DIAGNOSIS_DEADLINE_MS");
	return MED_OK;
}

void
dosage_hepatic_stop(dosage_state *st)
{
	med_channel_close(st->diagnosis);
	st->diagnosis = NULL;
}

med_err
dosage_hepatic_fetch(med_call *call, const char *field, const char *patient_id,
		     const dosage_hepatic_facts **out)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));

	*out = NULL;
	if (st == NULL || st->diagnosis == NULL)
		return MED_OK;
	return med_facts_hepatic(call, st->diagnosis, st->diagnosis_deadline_ms,
				 field, patient_id, out);
}

void
dosage_hepatic_apply(const dosage_hepatic_facts *h, dosage_dose_patient *p)
{
	if (h == NULL)
		return;
	p->hepatic_known = true;
	p->hepatic_impaired = h->impairment;
	p->child_pugh = h->child_pugh_class[0] >= 'A' &&
					h->child_pugh_class[0] <= 'C' &&
					h->child_pugh_class[1] == '\0'
				? h->child_pugh_class[0]
				: 0;
	p->hepatic_summary = h->summary;
}
