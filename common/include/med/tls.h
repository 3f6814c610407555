/*
 * med/tls.h - the PEM material of mutual TLS: a certificate chain, its key
 * and the CA that verifies the peer, read from files, checked, and re-read
 * when the files change.  The gRPC server and channels (med/rpc.h) and the
 * audit transport (med/audit_tls.h) are both made from a med_tls.
 */
#ifndef MED_TLS_H
#define MED_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <med/err.h>

/*
 * med_tls - PEM material for mutual TLS, NUL-terminated strings owned by the
 * struct (med_tls_load fills it, med_tls_fini wipes and frees it).  The same
 * struct serves a server (its certificate, the CA that signs client
 * certificates) and a client (its client certificate, the CA that signs
 * server certificates).
 */
typedef struct med_tls {
	char *cert_pem; /* certificate chain, leaf first */
	char *key_pem;	/* private key of the leaf */
	char *ca_pem;	/* roots that verify the peer */
	/* The files it was read from (med_tls_load), or NULL: a server made
	 * with them re-reads them when they change (med_tls_reload). */
	char *cert_path, *key_path, *ca_path;
} med_tls;

/*
 * med_tls_load reads the three PEM files into t (zeroed first).  Errors:
 * MED_ERR_IO (a file cannot be read), MED_ERR_INVALID (empty, larger than
 * 1 MiB or not PEM); errbuf names the file.
 */
med_err med_tls_load(med_tls *t, const char *cert_path, const char *key_path,
		     const char *ca_path, char *errbuf,
		     size_t errlen) MED_MUST_CHECK;

/* med_tls_fini wipes and frees what med_tls_load read; a zeroed t is fine. */
void med_tls_fini(med_tls *t);

/*
 * med_tls_check is MED_OK when t's PEMs can serve: the first certificate
 * and the key parse and belong together, the CA holds a certificate, and
 * the chain verifies against that CA today.  Errors: MED_ERR_INVALID, with
 * the reason in errbuf.
 */
med_err med_tls_check(const med_tls *t, char *errbuf,
		      size_t errlen) MED_MUST_CHECK;

/*
 * med_tls_reload reads t's files again (t must come from med_tls_load).
 * When they pass med_tls_check and differ from what t holds, t takes the
 * new PEMs and *changed is set; when they are unreadable or do not pass,
 * t keeps the old ones and the error says why (MED_ERR_IO,
 * MED_ERR_INVALID).  Not thread-safe: the caller serialises.
 */
med_err med_tls_reload(med_tls *t, bool *changed, char *errbuf,
		       size_t errlen) MED_MUST_CHECK;

#endif
