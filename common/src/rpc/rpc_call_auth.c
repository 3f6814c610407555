/*
 * rpc_call_auth.c - who is calling and may they: the request id, the
 * declared purpose of use and the bearer token from the metadata, the
 * authenticator, break-glass (rpc_break_glass.c), the method's roles, and
 * the plaintext health port's refusal of everything but health checks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <med/audit.h>
#include <med/util.h>

#include "rpc_internal.h"

/* --- metadata ---------------------------------------------------------- */

bool
med__rpc_slice_is(grpc_slice sl, const char *s)
{
	size_t n = strlen(s);

	return GRPC_SLICE_LENGTH(sl) == n &&
	       memcmp(GRPC_SLICE_START_PTR(sl), s, n) == 0;
}

/* request_id_ok accepts short printable ids only: they go into logs. */
static bool
request_id_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > RPC_REQUEST_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return false;
	return true;
}

/* HL7 v3 PurposeOfUse codes a caller may declare in x-purpose-of-use. */
static const char *const purpose_codes[] = {
	"TREAT",   "ETREAT", "HOPERAT",	  "HPAYMT", "PATRQT",
	"PUBHLTH", "HRESCH", "HSYSADMIN", NULL,
};

/* purpose_lookup returns the static code equal to v[0..n), or NULL. */
static const char *
purpose_lookup(const uint8_t *v, size_t n)
{
	for (const char *const *p = purpose_codes; *p; p++)
		if (strlen(*p) == n && memcmp(*p, v, n) == 0)
			return *p;
	return NULL;
}

/* bearer_of takes the token of an authorization value v[0..n) ("Bearer
 * <token>", the scheme in any case) into in; false when there is none. */
static bool
bearer_of(const char *v, size_t n, med_auth_input *in)
{
	if (n <= 7 || strncasecmp(v, "bearer ", 7) != 0)
		return false;
	in->bearer = v + 7;
	in->bearer_len = n - 7;
	return true;
}

/*
 * read_metadata takes the request id, the declared purpose of use, the
 * bearer token and the break-glass headers from the call.
 */
static void
read_metadata(med_call *c, med_auth_input *in, rpc_bg_md *bg)
{
	c->purpose_of_use = purpose_codes[0];
	for (size_t i = 0; i < c->req_md.count; i++) {
		const grpc_metadata *md = &c->req_md.metadata[i];
		const uint8_t *v = GRPC_SLICE_START_PTR(md->value);
		size_t n = GRPC_SLICE_LENGTH(md->value);

		if (med__rpc_bg_header(md, bg))
			continue;
		if (med__rpc_slice_is(md->key, "x-request-id") &&
		    request_id_ok(v, n)) {
			memcpy(c->request_id, v, n);
			c->request_id[n] = '\0';
			c->client_request_id = true;
		} else if (med__rpc_slice_is(md->key, "x-purpose-of-use")) {
			c->purpose_of_use = purpose_lookup(v, n);
		} else if (med__rpc_slice_is(md->key, "authorization")) {
			bearer_of((const char *)v, n, in);
		}
	}
	if (c->request_id[0] == '\0')
		med_uuid_v4(c->request_id);
}

/* --- authentication ---------------------------------------------------- */

/*
 * identify asks the authenticator who is calling: a bearer token names a
 * user; a verified peer certificate alone may name a service.
 */
static void
identify(med_call *c, const med_auth_input *in, const char *peer)
{
	const med_authenticator *a = med__call_auth(c);
	med_err err;

	if (a->authenticate == NULL || (in->bearer == NULL && peer[0] == '\0'))
		return;
	err = a->authenticate(a->self, in, &c->principal);
	if (err != MED_OK || !c->principal.authenticated) {
		memset(&c->principal, 0, sizeof(c->principal));
		return;
	}
	/* The authenticator's view of these is never trusted. */
	med_strlcpy(c->principal.peer, peer, sizeof(c->principal.peer));
	c->principal.break_glass = false;
}

/*
 * effective_roles: under break-glass a read method accepts the caller as a
 * clinician would be accepted; writes, admin and audit methods never widen.
 */
static uint32_t
effective_roles(const med_call *c)
{
	uint32_t r = c->principal.roles;

	if (c->principal.break_glass &&
	    strcmp(med__rpc_action_code(c->rm->m), MED_AUDIT_ACTION_READ) == 0)
		r |= MED_ROLE_CLINICIAN;
	return r;
}

/*
 * other_service: the method admits one service (med_method.only_service)
 * and the caller is let in only as another service.
 */
static bool
other_service(const med_call *c, const med_principal *p)
{
	const med_method *m = c->rm->m;
	uint32_t people = m->roles & MED_ROLES_KNOWN & ~MED_ROLE_SERVICE;

	return m->only_service != NULL && (p->roles & MED_ROLE_SERVICE) &&
	       !(p->roles & people) &&
	       !med_principal_is_service(p, m->only_service);
}

med_err
med_call_only_service(med_call *call, const char *service)
{
	const med_principal *p = &call->principal;

	/* Services are known by their certificates and hold no other role:
	 * a registrar, a clinician or an admin is never turned away here. */
	if (!(p->roles & MED_ROLE_SERVICE) ||
	    med_principal_is_service(p, service))
		return MED_OK;
	return med_call_fail(call, MED_ERR_DENIED,
			     "caller lacks a role for this method");
}

static med_err
authenticate(med_call *c, med_auth_input *in, const rpc_bg_md *bg)
{
	uint32_t roles = c->rm->m->roles;
	med_principal eff;
	char peer[MED_PRINCIPAL_NAME_MAX];
	med_err err;

	if (roles & MED_ROLES_PUBLIC)
		return MED_OK;
	/* A plaintext server has no peer certificate to ask gRPC about. */
	c->secure = c->srv->has_tls &&
		    med__rpc_call_peer(c->call, peer, sizeof(peer));
	if (c->secure) {
		in->peer_identity = peer;
		in->peer_identity_len = strlen(peer);
		in->transport_secure = true;
	} else {
		peer[0] = '\0';
	}
	identify(c, in, peer);
	eff = c->principal;
	err = med_auth_check(&eff, roles);
	if (err == MED_ERR_UNAUTHENTICATED)
		return med_call_fail(c, err, "missing or unknown credentials");
	err = med__rpc_break_glass(c, bg);
	if (err != MED_OK)
		return err;
	eff.roles = effective_roles(c);
	err = med_auth_check(&eff, roles);
	if (err == MED_OK && other_service(c, &eff))
		return med_call_fail(c, MED_ERR_DENIED,
				     "caller lacks a role for this method: "
				     "of the services, only service:%s may "
				     "call it",
				     c->rm->m->only_service);
	if (err != MED_OK)
		med_call_fail(c, err, "caller lacks a role for this method");
	return err;
}

/*
 * health_port_refuses is true for a call that came over the plaintext
 * listener of a TLS server and is not a health check: that port serves
 * kubelet probes and nothing else.
 */
static bool
health_port_refuses(med_call *c)
{
	static const char health[] = "/grpc.health.v1.Health/";
	char peer[8];

	if (!c->srv->has_tls ||
	    strncmp(c->rm->m->path, health, sizeof(health) - 1) == 0)
		return false;
	return !med__rpc_call_peer(c->call, peer, sizeof(peer));
}

med_err
med__rpc_authorize(med_call *c)
{
	med_auth_input in = {0};
	rpc_bg_md bg = {0};
	med_err err;

	read_metadata(c, &in, &bg);
	if (health_port_refuses(c))
		return med_call_fail(c, MED_ERR_UNIMPLEMENTED,
				     "this port serves only "
				     "grpc.health.v1.Health");
	err = authenticate(c, &in, &bg);
	if (err != MED_OK)
		return err;
	if (c->purpose_of_use == NULL)
		return med_call_fail(
			c, MED_ERR_INVALID,
			"x-purpose-of-use: not a known PurposeOfUse "
			"code (TREAT, ETREAT, HOPERAT, ...)");
	return MED_OK;
}

/*
 * A local call (rpc_call_local.c) is identified from its Authorization
 * header as a gRPC call is from its metadata.  It has no method, so no
 * roles are checked here: its front decides what the caller may do.
 */
med_err
med_call_authenticate(med_call *call, const char *authorization)
{
	med_auth_input in = {0};

	if (call == NULL || !med__call_is_local(call))
		return MED_ERR_INVALID;
	memset(&call->principal, 0, sizeof(call->principal));
	in.transport_secure = call->local.transport_secure;
	if (authorization == NULL ||
	    !bearer_of(authorization, strlen(authorization), &in))
		return med_call_fail(call, MED_ERR_UNAUTHENTICATED,
				     "Authorization: want 'Bearer <token>'");
	identify(call, &in, "");
	if (!call->principal.authenticated)
		return med_call_fail(call, MED_ERR_UNAUTHENTICATED,
				     "Authorization: token not accepted");
	return MED_OK;
}
