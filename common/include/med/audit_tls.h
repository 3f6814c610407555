/*
 * med/audit_tls.h - the transport rules of audit delivery over NNG, shared
 * by the emitter (audit/audit.c), the ingest (audit/audit_ingest.c) and
 * tools that speak to the ingest directly (the audit ingest benchmark).
 */
#ifndef MED_AUDIT_TLS_H
#define MED_AUDIT_TLS_H

#include <med/audit.h>
#include <med/tls.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

/*
 * med_audit_tls_check checks url's scheme: "tls+tcp://" needs tls with a
 * certificate, key and CA; "tcp://" is refused unless allow_plaintext.
 * Sets *use_tls.  Errors: MED_ERR_INVALID, errbuf says why.
 */
med_err med_audit_tls_check(const char *url, const med_tls *tls,
			    bool allow_plaintext, bool *use_tls, char *errbuf,
			    size_t errlen) MED_MUST_CHECK;

/*
 * med_audit_tls_listen starts a listener of sock on url; with tls it presents
 * tls's certificate and requires a client certificate that chains to its
 * CA.  Returns an NNG error code (0 on success).
 */
int med_audit_tls_listen(nng_socket sock, const char *url, const med_tls *tls);

/*
 * med_audit_tls_dial starts a non-blocking dialer of sock to url; with tls it
 * presents tls's certificate and requires the server's to chain to its CA
 * and carry server_name (NULL: the host of url).  Returns an NNG error.
 */
int med_audit_tls_dial(nng_socket sock, const char *url, const med_tls *tls,
		       const char *server_name);

/*
 * med_audit_tls_client makes the client configuration med_audit_tls_dial
 * uses (*out NULL without tls); the caller frees it with
 * nng_tls_config_free.  Returns an NNG error.
 */
int med_audit_tls_client(const char *url, const med_tls *tls,
			 const char *server_name, nng_tls_config **out);

/*
 * med_audit_tls_dialer starts a non-blocking dialer of sock to url with the
 * client configuration cfg (NULL: plaintext) and gives its id in *out.
 * Returns an NNG error.
 */
int med_audit_tls_dialer(nng_socket sock, const char *url, nng_tls_config *cfg,
			 nng_dialer *out);

/* The most names kept of one certificate, and the longest (a service
 * name, as an event's service column holds it, is at most 64 bytes). */
#define MED_AUDIT_PEER_NAMES_MAX 8
#define MED_AUDIT_PEER_NAME_MAX	 64

/* med_audit_peer - the names on an emitter's verified client certificate:
 * its subject CN and DNS subjectAltNames, as far as they fit. */
typedef struct med_audit_peer {
	char names[MED_AUDIT_PEER_NAMES_MAX][MED_AUDIT_PEER_NAME_MAX + 1];
	size_t n_names;
} med_audit_peer;

/*
 * med_audit_tls_peer_names reads the names of the verified client
 * certificate of a TLS pipe into out.  Call it from a pipe notification or
 * another thread that may block briefly.  Returns 0, NNG_EPEERAUTH (not
 * verified, no certificate, or no name that fits), or an NNG error.
 */
int med_audit_tls_peer_names(nng_pipe pipe, med_audit_peer *out);

/*
 * med_tls_stream_peer_names is med_audit_tls_peer_names for a TLS byte
 * stream (the HL7 listener's): call it after the handshake, that is after
 * the first bytes were read from s.
 */
int med_tls_stream_peer_names(nng_stream *s, med_audit_peer *out);

/* med_audit_peer_has_name is true when service is one of p's names. */
bool med_audit_peer_has_name(const med_audit_peer *p, const char *service);

#endif
