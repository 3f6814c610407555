/*
 * rpc_tls.c - the server and channel credentials made from a med_tls
 * (med/tls.h reads and checks the PEMs), the server's copy of it, and the
 * verified peer of a call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc_security.h>

#include <med/log.h>
#include <med/util.h>

#include "rpc_internal.h"

/* dup_or_null copies s (NULL stays NULL); false on OOM. */
static bool
dup_or_null(char **dst, const char *s)
{
	*dst = s != NULL ? strdup(s) : NULL;
	return s == NULL || *dst != NULL;
}

med_err
med__rpc_tls_copy(med_tls *dst, const med_tls *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->cert_pem == NULL || src->key_pem == NULL ||
	    src->ca_pem == NULL)
		return MED_ERR_INVALID;
	dst->cert_pem = strdup(src->cert_pem);
	dst->key_pem = strdup(src->key_pem);
	dst->ca_pem = strdup(src->ca_pem);
	if (dst->cert_pem == NULL || dst->key_pem == NULL ||
	    dst->ca_pem == NULL ||
	    !dup_or_null(&dst->cert_path, src->cert_path) ||
	    !dup_or_null(&dst->key_path, src->key_path) ||
	    !dup_or_null(&dst->ca_path, src->ca_path)) {
		med_tls_fini(dst);
		return MED_ERR_NOMEM;
	}
	return MED_OK;
}

grpc_server_credentials *
med__rpc_server_creds(const med_tls *t)
{
	grpc_ssl_pem_key_cert_pair pair = {t->key_pem, t->cert_pem};

	/* A client certificate is required and must chain to our CA:
	 * without one, or with another CA's, the handshake fails. */
	return grpc_ssl_server_credentials_create_ex(
		t->ca_pem, &pair, 1,
		GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY,
		NULL);
}

grpc_channel_credentials *
med__rpc_channel_creds(const med_tls *t)
{
	grpc_ssl_pem_key_cert_pair pair = {t->key_pem, t->cert_pem};

	return grpc_ssl_credentials_create(t->ca_pem, &pair, NULL, NULL);
}

/* copy_property copies the first value of property name into buf. */
static bool
copy_property(const grpc_auth_context *ctx, const char *name, char *buf,
	      size_t len)
{
	grpc_auth_property_iterator it =
		grpc_auth_context_find_properties_by_name(ctx, name);
	const grpc_auth_property *p = grpc_auth_property_iterator_next(&it);

	if (p == NULL || p->value == NULL || p->value_length == 0 ||
	    p->value_length >= len)
		return false;
	memcpy(buf, p->value, p->value_length);
	buf[p->value_length] = '\0';
	return med_utf8_valid(buf, p->value_length) &&
	       strlen(buf) == p->value_length;
}

bool
med__rpc_call_peer(grpc_call *call, char *peer, size_t len)
{
	grpc_auth_context *ctx = grpc_call_auth_context(call);
	char type[16];
	bool secure = false;

	peer[0] = '\0';
	if (ctx == NULL)
		return false;
	if (copy_property(ctx, GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME, type,
			  sizeof(type)) &&
	    strcmp(type, GRPC_SSL_TRANSPORT_SECURITY_TYPE) == 0 &&
	    grpc_auth_context_peer_is_authenticated(ctx))
		secure = true;
	/* The common name, or else the first subject alternative name. */
	if (secure &&
	    !copy_property(ctx, GRPC_X509_CN_PROPERTY_NAME, peer, len) &&
	    !copy_property(ctx, GRPC_X509_SAN_PROPERTY_NAME, peer, len))
		peer[0] = '\0';
	grpc_auth_context_release(ctx);
	return secure;
}
