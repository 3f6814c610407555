/*
 * hepatic.c - what the problem list says of the patient's liver: dosage
 * asks diagnosis' GetHepaticFacts (over mutual TLS, as the service
 * principal; MED_DIAGNOSIS_URL) before each dose check, beside records'
 * facts.  When diagnosis is configured but cannot answer, the check fails
 * closed; when it is not configured, drugs with hepatic bands answer
 * not_checked.
 */
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"

#define GET_HEPATIC "/smartmed.diagnosis.v1.Diagnosis/GetHepaticFacts"

med_err
dosage_hepatic_start(med_service *svc, dosage_state *st)
{
	const med_config *c = med_service_config(svc);
	const char *url = med_config_str(c, DIAGNOSIS_URL_SETTING);
	const char *name = med_config_str(c, "MED_DIAGNOSIS_SERVER_NAME");
	med_channel_opts co = {.server_name = name && name[0] ? name : NULL};
	med_tls tls = {0};
	char errbuf[256];
	med_err err;

	if (url == NULL || url[0] == '\0') {
		med_log_warn(DIAGNOSIS_URL_SETTING " is not set: drugs with "
						   "hepatic bands answer "
						   "not_checked (the problem "
						   "list is not read)");
		return MED_OK;
	}
	err = med_tls_load(&tls, med_config_str(c, "MED_TLS_CERT"),
			   med_config_str(c, "MED_TLS_KEY"),
			   med_config_str(c, "MED_TLS_CA"), errbuf,
			   sizeof(errbuf));
	if (err != MED_OK) {
		med_log_error("hepatic facts: %s", errbuf);
		return err;
	}
	co.tls = &tls;
	err = med_channel_open_opts(url, &co, &st->diagnosis);
	med_tls_fini(&tls);
	if (err != MED_OK) {
		med_log_error(DIAGNOSIS_URL_SETTING " %s: %s", url,
			      med_strerror(err));
		return err;
	}
	st->diagnosis_deadline_ms =
		med_config_int(c, "MED_DIAGNOSIS_DEADLINE_MS");
	med_log_info("hepatic facts come from diagnosis at %s", url);
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
	Smartmed__Diagnosis__V1__GetHepaticFactsRequest req =
		SMARTMED__DIAGNOSIS__V1__GET_HEPATIC_FACTS_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	med_err err;

	*out = NULL;
	if (st == NULL || st->diagnosis == NULL)
		return MED_OK;
	req.patient_id = (char *)patient_id;
	err = dosage_ask(call, st->diagnosis, GET_HEPATIC, &req.base,
			 &smartmed__diagnosis__v1__hepatic_facts__descriptor,
			 st->diagnosis_deadline_ms, field,
			 "the problem list cannot say whether the liver is "
			 "impaired",
			 &reply);
	if (err != MED_OK)
		return err;
	*out = (const dosage_hepatic_facts *)reply;
	return MED_OK;
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
