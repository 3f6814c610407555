/*
 * jwks_fetch.h - the identity provider's JWKS over HTTP(S), for jwt.c: the
 * one file of libmed that includes libcurl.
 */
#ifndef MED_AUTH_JWKS_FETCH_H
#define MED_AUTH_JWKS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

/* The largest JWKS document taken (the file's cap, jwt.c). */
#define MED_JWKS_FETCH_MAX (1u << 20)

/* med__jwks_fetch_init sets up libcurl once per process; call it while
 * the process is still single-threaded (at start).  Errors:
 * MED_ERR_INTERNAL. */
med_err med__jwks_fetch_init(void) MED_MUST_CHECK;

/*
 * med__jwks_fetch GETs url (http or https; https verified against the
 * system's CA certificates, no redirects) within timeout_ms and, on a 200
 * answer of at most MED_JWKS_FETCH_MAX bytes, sets *body (malloc'd,
 * NUL-terminated, the caller frees it), *len and *max_age_s (the
 * Cache-Control max-age, -1 when none; no-store and no-cache read as 0).
 * errbuf says why on failure.  Thread-safe.  Errors: MED_ERR_UNAVAILABLE
 * (no answer, not 200, too large), MED_ERR_NOMEM.
 */
med_err med__jwks_fetch(const char *url, long timeout_ms, char **body,
			size_t *len, int64_t *max_age_s, char *errbuf,
			size_t errlen) MED_MUST_CHECK;

#endif
