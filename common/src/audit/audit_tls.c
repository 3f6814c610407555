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
 * NNG 1.5.2 does not expose the peer certificate's names (there is no
 * NNG_OPT_TLS_PEER_CN before 1.6), so the ingest cannot restrict emitters
 * to MED_TLS_SERVICE_PEERS: any certificate of the CA that mbedtls accepts
 * as a TLS client is let in.
 */
#include <med/audit_tls.h>

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
med_audit_tls_dial(nng_socket sock, const char *url, const med_tls *tls,
		   const char *server_name)
{
	char host[HOST_MAX];
	nng_tls_config *cfg = NULL;
	nng_dialer d;
	int rc;

	if (tls == NULL)
		return nng_dial(sock, url, NULL, NNG_FLAG_NONBLOCK);
	if (server_name == NULL || server_name[0] == '\0') {
		if (!url_host(url, host, sizeof(host)))
			return NNG_EADDRINVAL;
		server_name = host;
	}
	rc = tls_config(tls, NNG_TLS_MODE_CLIENT, server_name, &cfg);
	if (rc != 0)
		return rc;
	rc = nng_dialer_create(&d, sock, url);
	if (rc == 0) {
		rc = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
		/* Non-blocking: the audit service may be down right now. */
		if (rc == 0)
			rc = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
		if (rc != 0)
			nng_dialer_close(d);
	}
	nng_tls_config_free(cfg);
	return rc;
}
