/*
 * ingest.c - receives AuditBatches over NNG and appends them to the log.
 * The batch is acknowledged only after its transaction commits, so an
 * emitter keeps an event in its spool until it is durable here.
 */
#include <med/audit.h>
#include <med/log.h>

#include "audit_svc.h"

static med_err
store_events(void *ctx, Smartmed__Common__V1__AuditEvent *const *events,
	     size_t n, uint32_t *stored, uint32_t *duplicates)
{
	med_service *svc = ctx;

	return audit_store_batch(med_service_db(svc), events, n, stored,
				 duplicates);
}

med_err
audit_ingest_begin(med_service *svc)
{
	const char *url =
		med_config_str(med_service_config(svc), "MED_AUDIT_LISTEN");
	med_audit_ingest *in = NULL;
	char errbuf[512];
	med_err err = med_audit_ingest_start(url, store_events, svc, &in,
					     errbuf, sizeof(errbuf));

	if (err != MED_OK) {
		med_log_error("MED_AUDIT_LISTEN %s: %s", url, errbuf);
		return err;
	}
	med_log_info("audit ingest listening on %s", url);
	med_service_set_data(svc, in);
	return MED_OK;
}

void
audit_ingest_end(med_service *svc)
{
	med_audit_ingest_stop(med_service_data(svc));
	med_service_set_data(svc, NULL);
}
