/*
 * audit_tls.c - mutual TLS for audit delivery (NNG's tls+tcp:// transport,
 * mbedtls underneath in Debian's libnng1).
 *
 * Audit events name patients, users and actions, so the ingest speaks
 * mutual TLS by default: the listener requires a client certificate from
 * the hospital CA and the emitter checks the server certificate against the
 * same CA and the audit service's name.  Plaintext tcp:// is a development
 * switch that every caller must ask for.
 *
 * The ingest accepts an event only from the service whose certificate
 * names it (med_audit_tls_peer_names).  NNG 1.5.2, Debian 12's, does not
 * expose the peer certificate (NNG_OPT_TLS_PEER_CN and _ALT_NAMES came in
 * 1.6), so the certificate is reached through mbedtls, which NNG's TLS
 * engine uses: NNG_OPT_TLS_VERIFIED makes that engine call
 * mbedtls_ssl_get_verify_result() on the pipe's own TLS context, in the
 * calling thread.  This file defines that function, which the executable's
 * definition interposes for libnng's call: it remembers the context in a
 * thread-local and calls mbedtls' own.  Should a later NNG stop calling it,
 * no context is captured and every TLS emitter is refused (fail closed),
 * which the ingest tests catch; then move to NNG_OPT_TLS_PEER_CN.
 */
#include <med/audit_tls.h>

#include <dlfcn.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <nng/supplemental/tls/tls.h>
#include <stdio.h>
#include <string.h>

#define TLS_SCHEME "tls+tcp://"
#define TCP_SCHEME "tcp://"
#define HOST_MAX   256

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
tls_complete(const med_tls *tls)
{
	return tls != NULL && tls->cert_pem != NULL && tls->key_pem != NULL &&
	       tls->ca_pem != NULL;
}

med_err
med_audit_tls_check(const char *url, const med_tls *tls, bool allow_plaintext,
		    bool *use_tls, char *errbuf, size_t errlen)
{
	if (has_prefix(url, TLS_SCHEME)) {
		if (!tls_complete(tls)) {
			snprintf(errbuf, errlen,
				 "%s needs a certificate, key and CA "
				 "(MED_TLS_CERT, MED_TLS_KEY, MED_TLS_CA)",
				 url);
			return MED_ERR_INVALID;
		}
		*use_tls = true;
		return MED_OK;
	}
	if (has_prefix(url, TCP_SCHEME) && allow_plaintext) {
		*use_tls = false;
		return MED_OK;
	}
	if (has_prefix(url, TCP_SCHEME))
		snprintf(errbuf, errlen,
			 "plaintext %s refused: audit events carry patient "
			 "data; use tls+tcp:// (development only: "
			 "MED_AUDIT_ALLOW_PLAINTEXT=true)",
			 url);
	else
		snprintf(errbuf, errlen,
			 "%s: unsupported scheme (want tls+tcp://HOST:PORT)",
			 url);
	return MED_ERR_INVALID;
}

/* url_host copies the host of "tls+tcp://HOST:PORT" ([v6] unbracketed). */
static bool
url_host(const char *url, char *host, size_t len)
{
	const char *h = strstr(url, "://"), *end;

	if (h == NULL)
		return false;
	h += 3;
	if (*h == '[') {
		h++;
		end = strchr(h, ']');
	} else {
		end = strrchr(h, ':');
	}
	if (end == NULL || end == h || (size_t)(end - h) >= len)
		return false;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	return true;
}

/*
 * tls_config makes a configuration that presents tls's certificate and
 * requires the peer's to chain to tls's CA (in both directions).
 */
static int
tls_config(const med_tls *tls, nng_tls_mode mode, const char *server_name,
	   nng_tls_config **out)
{
	nng_tls_config *cfg;
	int rc = nng_tls_config_alloc(&cfg, mode);

	if (rc != 0)
		return rc;
	if ((rc = nng_tls_config_ca_chain(cfg, tls->ca_pem, NULL)) == 0 &&
	    (rc = nng_tls_config_own_cert(cfg, tls->cert_pem, tls->key_pem,
					  NULL)) == 0 &&
	    (rc = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) ==
		    0 &&
	    server_name != NULL)
		rc = nng_tls_config_server_name(cfg, server_name);
	if (rc != 0) {
		nng_tls_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

int
med_audit_tls_listen(nng_socket sock, const char *url, const med_tls *tls)
{
	nng_tls_config *cfg = NULL;
	nng_listener l;
	int rc;

	if (tls == NULL)
		return nng_listen(sock, url, NULL, 0);
	if ((rc = tls_config(tls, NNG_TLS_MODE_SERVER, NULL, &cfg)) != 0)
		return rc;
	rc = nng_listener_create(&l, sock, url);
	if (rc == 0) {
		/* The listener holds its own reference to cfg. */
		rc = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
		if (rc == 0)
			rc = nng_listener_start(l, 0);
		if (rc != 0)
			nng_listener_close(l);
	}
	nng_tls_config_free(cfg);
	return rc;
}

int
med_audit_tls_client(const char *url, const med_tls *tls,
		     const char *server_name, nng_tls_config **out)
{
	char host[HOST_MAX];

	*out = NULL;
	if (tls == NULL)
		return 0;
	if (server_name == NULL || server_name[0] == '\0') {
		if (!url_host(url, host, sizeof(host)))
			return NNG_EADDRINVAL;
		server_name = host;
	}
	return tls_config(tls, NNG_TLS_MODE_CLIENT, server_name, out);
}

int
med_audit_tls_dialer(nng_socket sock, const char *url, nng_tls_config *cfg,
		     nng_dialer *out)
{
	int rc = nng_dialer_create(out, sock, url);

	if (rc != 0)
		return rc;
	if (cfg != NULL)
		rc = nng_dialer_set_ptr(*out, NNG_OPT_TLS_CONFIG, cfg);
	/* Non-blocking: the audit service may be down right now. */
	if (rc == 0)
		rc = nng_dialer_start(*out, NNG_FLAG_NONBLOCK);
	if (rc != 0)
		nng_dialer_close(*out);
	return rc;
}

int
med_audit_tls_dial(nng_socket sock, const char *url, const med_tls *tls,
		   const char *server_name)
{
	nng_tls_config *cfg;
	nng_dialer d;
	int rc = med_audit_tls_client(url, tls, server_name, &cfg);

	if (rc != 0)
		return rc;
	rc = med_audit_tls_dialer(sock, url, cfg, &d);
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	return rc;
}

/* The TLS context NNG's engine last asked about, in this thread. */
static __thread const mbedtls_ssl_context *last_ssl;

typedef uint32_t (*verify_result_fn)(const mbedtls_ssl_context *);

/*
 * mbedtls_ssl_get_verify_result interposes mbedtls' function (see the top
 * of this file): NNG's TLS engine calls it for NNG_OPT_TLS_VERIFIED.
 */
uint32_t mbedtls_ssl_get_verify_result(const mbedtls_ssl_context *ssl);

uint32_t
mbedtls_ssl_get_verify_result(const mbedtls_ssl_context *ssl)
{
	static _Atomic(verify_result_fn) real;
	verify_result_fn f = real;

	if (f == NULL) {
		f = (verify_result_fn)dlsym(RTLD_NEXT,
					    "mbedtls_ssl_get_verify_result");
		if (f == NULL)
			return UINT32_MAX; /* not verified */
		real = f;
	}
	last_ssl = ssl;
	return f(ssl);
}

/* peer_add appends one name of len bytes; false when it does not fit. */
static bool
peer_add(med_audit_peer *p, const unsigned char *name, size_t len)
{
	if (len == 0 || len > MED_AUDIT_PEER_NAME_MAX ||
	    memchr(name, '\0', len) != NULL ||
	    p->n_names == MED_AUDIT_PEER_NAMES_MAX)
		return false;
	memcpy(p->names[p->n_names], name, len);
	p->names[p->n_names][len] = '\0';
	p->n_names++;
	return true;
}

/* peer_of collects the subject CN and the DNS SANs of crt. */
static void
peer_of(const mbedtls_x509_crt *crt, med_audit_peer *p)
{
	const mbedtls_x509_name *dn;
	const mbedtls_x509_sequence *san;

	for (dn = &crt->subject; dn != NULL; dn = dn->next)
		if (dn->oid.p != NULL &&
		    MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &dn->oid) == 0)
			(void)peer_add(p, dn->val.p, dn->val.len);
	for (san = &crt->subject_alt_names; san != NULL; san = san->next)
		if (san->buf.p != NULL &&
		    san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				     MBEDTLS_X509_SAN_DNS_NAME))
			(void)peer_add(p, san->buf.p, san->buf.len);
}

/* peer_names_of reads the certificate of the TLS context the verified
 * query just captured (rc and verified are that query's answer). */
static int
peer_names_of(int rc, bool verified, med_audit_peer *out)
{
	const mbedtls_x509_crt *crt;

	if (rc != 0)
		return rc;
	if (!verified || last_ssl == NULL)
		return NNG_EPEERAUTH;
	crt = mbedtls_ssl_get_peer_cert(last_ssl);
	last_ssl = NULL;
	if (crt == NULL)
		return NNG_EPEERAUTH;
	peer_of(crt, out);
	return out->n_names > 0 ? 0 : NNG_EPEERAUTH;
}

int
med_audit_tls_peer_names(nng_pipe pipe, med_audit_peer *out)
{
	bool verified = false;
	int rc;

	memset(out, 0, sizeof(*out));
	last_ssl = NULL;
	rc = nng_pipe_get_bool(pipe, NNG_OPT_TLS_VERIFIED, &verified);
	return peer_names_of(rc, verified, out);
}

int
med_tls_stream_peer_names(nng_stream *s, med_audit_peer *out)
{
	bool verified = false;
	int rc;

	memset(out, 0, sizeof(*out));
	last_ssl = NULL;
	rc = nng_stream_get_bool(s, NNG_OPT_TLS_VERIFIED, &verified);
	return peer_names_of(rc, verified, out);
}

bool
med_audit_peer_has_name(const med_audit_peer *p, const char *service)
{
	for (size_t i = 0; i < p->n_names; i++)
		if (strcmp(p->names[i], service) == 0)
			return true;
	return false;
}
