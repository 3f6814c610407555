/*
 * jwks_fetch.c - GET of the identity provider's JWKS (jwks_fetch.h) with
 * libcurl, which diagnosis already uses for the PACS: a hard cap on the
 * body, http and https only, no redirects, and the Cache-Control max-age
 * read from the answer's headers.  A fetch never runs inside a database
 * transaction (med_db_outside_tx states it: db/db_tx_guard.c).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <med/db.h>

#include "jwks_fetch.h"

/* fetch_buf - the body as it comes, capped at MED_JWKS_FETCH_MAX. */
typedef struct fetch_buf {
	char *data;
	size_t len;
	bool too_large;
	int64_t max_age_s;
} fetch_buf;

med_err
med__jwks_fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK
		       ? MED_OK
		       : MED_ERR_INTERNAL;
}

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	fetch_buf *b = ctx;
	size_t add = size * n;
	char *grown;

	if (b->len + add > MED_JWKS_FETCH_MAX) {
		b->too_large = true;
		return 0; /* curl stops with a write error */
	}
	grown = realloc(b->data, b->len + add + 1);
	if (grown == NULL)
		return 0;
	memcpy(grown + b->len, p, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

/* max_age_of reads a Cache-Control value: its max-age, 0 for no-store or
 * no-cache, -1 when it says neither. */
static int64_t
max_age_of(const char *v, size_t n)
{
	char text[256];
	const char *m;

	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, v, n);
	text[n] = '\0';
	for (char *c = text; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strstr(text, "no-store") != NULL || strstr(text, "no-cache"))
		return 0;
	m = strstr(text, "max-age=");
	if (m == NULL || !isdigit((unsigned char)m[8]))
		return -1;
	return strtoll(m + 8, NULL, 10);
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	static const char name[] = "cache-control:";
	fetch_buf *b = ctx;
	size_t len = size * n;

	if (len > sizeof(name) - 1 &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0)
		b->max_age_s = max_age_of(p + sizeof(name) - 1,
					  len - (sizeof(name) - 1));
	return len;
}

static void
set_options(CURL *c, const char *url, long timeout_ms, fetch_buf *b)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, b);
}

/* outcome turns curl's result and the status into the fetch's error. */
static med_err
outcome(CURLcode rc, long status, const fetch_buf *b, char *errbuf,
	size_t errlen)
{
	if (b->too_large) {
		snprintf(errbuf, errlen, "the JWKS is larger than %u bytes",
			 MED_JWKS_FETCH_MAX);
		return MED_ERR_UNAVAILABLE;
	}
	if (rc != CURLE_OK) {
		snprintf(errbuf, errlen, "%s", curl_easy_strerror(rc));
		return rc == CURLE_OUT_OF_MEMORY ? MED_ERR_NOMEM
						 : MED_ERR_UNAVAILABLE;
	}
	if (status != 200 || b->data == NULL) {
		snprintf(errbuf, errlen, "HTTP %ld%s", status,
			 b->data == NULL ? ", no body" : "");
		return MED_ERR_UNAVAILABLE;
	}
	return MED_OK;
}

med_err
med__jwks_fetch(const char *url, long timeout_ms, char **body, size_t *len,
		int64_t *max_age_s, char *errbuf, size_t errlen)
{
	fetch_buf b = {.max_age_s = -1};
	CURL *c = curl_easy_init();
	long status = 0;
	CURLcode rc;
	med_err err;

	if (c == NULL)
		return MED_ERR_NOMEM;
	set_options(c, url, timeout_ms, &b);
	med_db_outside_tx("JWKS", "HTTP fetch");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	err = outcome(rc, status, &b, errbuf, errlen);
	if (err != MED_OK) {
		free(b.data);
		return err;
	}
	*body = b.data;
	*len = b.len;
	*max_age_s = b.max_age_s;
	return MED_OK;
}
