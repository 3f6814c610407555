/*
 * rpc_call_local.c - a call that is not a gRPC call (med_call_local_new):
 * a request another front serves, the FHIR facade's HTTPS, carried by the
 * same call object as a gRPC method's so that its caller
 * (med_call_authenticate, rpc_call_auth.c), break-glass marking, patient,
 * details and access event (rpc_call_audit.c) are the same code.  What a
 * gRPC call takes from its server and method, a local call takes from its
 * options; the functions below say which one a call has.
 */
#include <stdlib.h>
#include <string.h>

#include <med/audit.h>
#include <med/util.h>

#include "rpc_internal.h"

bool
med__call_is_local(const med_call *c)
{
	return c->srv == NULL;
}

const char *
med__call_action(const med_call *c)
{
	return med__call_is_local(c) ? c->local.action : c->rm->m->path;
}

const char *
med__call_action_code(const med_call *c)
{
	return med__call_is_local(c) ? c->local.action_code
				     : med__rpc_action_code(c->rm->m);
}

med_audit *
med__call_audit(const med_call *c)
{
	return med__call_is_local(c) ? c->local.audit : c->srv->opts.audit;
}

const med_authenticator *
med__call_auth(const med_call *c)
{
	return med__call_is_local(c) ? c->local.auth : &c->srv->opts.auth;
}

med_err
med_call_local_new(const med_call_local_opts *o, med_call **out)
{
	med_call *c;

	if (o == NULL || o->action == NULL || o->auth == NULL ||
	    o->arena == NULL || out == NULL)
		return MED_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MED_ERR_NOMEM;
	c->start_ns = med_mono_ns();
	c->deadline = gpr_inf_future(GPR_CLOCK_MONOTONIC);
	c->arena = o->arena;
	med_strlcpy(c->local.action, o->action, sizeof(c->local.action));
	c->local.action_code =
		o->action_code ? o->action_code : MED_AUDIT_ACTION_EXECUTE;
	c->local.audit = o->audit;
	c->local.auth = o->auth;
	c->local.transport_secure = o->transport_secure;
	c->purpose_of_use = o->purpose_of_use;
	if (o->request_id != NULL &&
	    strlen(o->request_id) <= RPC_REQUEST_ID_MAX)
		med_strlcpy(c->request_id, o->request_id,
			    sizeof(c->request_id));
	*out = c;
	return MED_OK;
}

void
med_call_local_free(med_call *call)
{
	if (call != NULL && med__call_is_local(call))
		free(call);
}

void
med_call_set_resource(med_call *call, const char *resource)
{
	med_strlcpy(call->resource, resource ? resource : "",
		    sizeof(call->resource));
}

const char *
med_call_message(med_call *call)
{
	return call->fail_msg;
}

med_err
med_call_end(med_call *call, int code)
{
	if (call == NULL || !med__call_is_local(call))
		return MED_ERR_INVALID;
	return med__rpc_audit(call, code) ? MED_OK : MED_ERR_IO;
}
