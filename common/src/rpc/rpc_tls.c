/*
 * rpc_tls.c - reading the PEM files of mutual TLS, and the server and
 * channel credentials made from them.  Certificates and keys stay in
 * memory only as long as the owner of the med_tls keeps them; the private
 * key is wiped when it is freed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <grpc/grpc_security.h>
#include <sodium.h>

#include <med/log.h>
#include <med/util.h>

#include "rpc_internal.h"

#define PEM_MAX_BYTES (1u << 20)

static med_err
tls_fail(char *errbuf, size_t errlen, const char *path, const char *why)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s: %s", path, why);
	return MED_ERR_INVALID;
}

/* read_pem reads a whole PEM file into a new NUL-terminated string. */
static med_err
read_pem(const char *path, char **out, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf;
	size_t n;

	if (f == NULL) {
		tls_fail(errbuf, errlen, path, strerror(errno));
		return MED_ERR_IO;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 ||
	    (size_t)st.st_size > PEM_MAX_BYTES) {
		fclose(f);
		return tls_fail(errbuf, errlen, path,
				"empty, unreadable or larger than 1 MiB");
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return MED_ERR_NOMEM;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	buf[n] = '\0';
	if (n != (size_t)st.st_size || strstr(buf, "-----BEGIN ") == NULL) {
		sodium_memzero(buf, n);
		free(buf);
		return tls_fail(errbuf, errlen, path, "not a PEM file");
	}
	*out = buf;
	return MED_OK;
}

/* med__rpc_tls_read reads the three files into t's PEMs (paths untouched). */
med_err
med__rpc_tls_read(med_tls *t, const char *cert_path, const char *key_path,
		  const char *ca_path, char *errbuf, size_t errlen)
{
	med_err err = read_pem(cert_path, &t->cert_pem, errbuf, errlen);

	if (err == MED_OK)
		err = read_pem(key_path, &t->key_pem, errbuf, errlen);
	if (err == MED_OK)
		err = read_pem(ca_path, &t->ca_pem, errbuf, errlen);
	return err;
}

med_err
med_tls_load(med_tls *t, const char *cert_path, const char *key_path,
	     const char *ca_path, char *errbuf, size_t errlen)
{
	med_err err;

	if (t == NULL || cert_path == NULL || key_path == NULL ||
	    ca_path == NULL)
		return MED_ERR_INVALID;
	memset(t, 0, sizeof(*t));
	err = med__rpc_tls_read(t, cert_path, key_path, ca_path, errbuf,
				errlen);
	if (err == MED_OK) {
		t->cert_path = strdup(cert_path);
		t->key_path = strdup(key_path);
		t->ca_path = strdup(ca_path);
		if (t->cert_path == NULL || t->key_path == NULL ||
		    t->ca_path == NULL)
			err = MED_ERR_NOMEM;
	}
	if (err != MED_OK)
		med_tls_fini(t);
	return err;
}

static void
free_secret(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void
med_tls_fini(med_tls *t)
{
	if (t == NULL)
		return;
	free(t->cert_pem);
	free_secret(t->key_pem);
	free(t->ca_pem);
	free(t->cert_path);
	free(t->key_path);
	free(t->ca_path);
	memset(t, 0, sizeof(*t));
}

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
