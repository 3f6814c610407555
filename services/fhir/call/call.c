/*
 * call.c - the bottom of the facade: a request's call of libmed's rpc
 * layer (med_call_local_new) and the request counter.  handle.c, write.c
 * and ward.c each open their calls here and count their answers; nothing
 * here calls back up into them.
 */
#include <stdio.h>

#include <med/metrics.h>
#include <med/rpc.h>

#include "call.h"

med_err
fhir_open_call(fhir_facade *f, const fhir_request *req, const char *interaction,
	       const char *action_code, const char *purpose_of_use,
	       med_call **out, fhir_error *e)
{
	char action[64];
	med_call_local_opts o = {
		.action = action,
		.action_code = action_code,
		.audit = f->audit,
		.auth = f->auth,
		.request_id = req->request_id,
		.transport_secure = true,
		.arena = req->arena,
		.purpose_of_use = purpose_of_use,
	};

	snprintf(action, sizeof(action), "fhir/%s", interaction);
	if (med_call_local_new(&o, out) != MED_OK)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	return MED_OK;
}

void
fhir_count_request(fhir_facade *f, const char *interaction, int status)
{
	char labels[96];
	med_counter *c;

	snprintf(labels, sizeof(labels), "interaction=\"%s\",code=\"%d\"",
		 interaction, status);
	c = med_metrics_counter(f->metrics, "smartmed_fhir_requests_total",
				"FHIR requests by interaction and HTTP status",
				labels);
	if (c != NULL)
		med_counter_add(c, 1);
}

med_err
fhir_authenticate(med_call *call, const fhir_request *req, fhir_error *e)
{
	if (med_call_authenticate(call, req->authorization) != MED_OK)
		return fhir_fail(e, MED_GRPC_UNAUTHENTICATED, "%s",
				 med_call_message(call));
	return MED_OK;
}

fhir_call
fhir_user_call(const fhir_request *req)
{
	/* strlen("Bearer "): med_call_authenticate accepted no other form. */
	enum { BEARER_PREFIX_LEN = 7 };

	return (fhir_call){
		.arena = req->arena,
		.opts = {.token = req->authorization + BEARER_PREFIX_LEN,
			 .request_id = req->request_id},
	};
}
