/*
 * pacs.c - the PACS client: HTTP GETs to a DICOMweb server (Orthanc with
 * its DICOMweb plugin, or any other) through libcurl, one easy handle per
 * request, every reply capped in bytes and time.  Only this file includes
 * curl's header.
 */
#include <curl/curl.h>
#include <med/config.h>
#include <med/log.h>
#include <med/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"

/* reply_buf collects one reply on the heap up to cap bytes (the call's
 * arena is sized for messages, not for images). */
typedef struct reply_buf {
	unsigned char *data;
	size_t len, room, cap;
	bool over_cap;
} reply_buf;

med_err
diagnosis_pacs_load(const med_config *cfg, diagnosis_pacs *p)
{
	memset(p, 0, sizeof(*p));
	med_strlcpy(p->url, med_config_str(cfg, "MED_DIAGNOSIS_PACS_URL"),
		    sizeof(p->url));
	/* Paths are appended to the base: no trailing slash. */
	while (p->url[0] != '\0' && p->url[strlen(p->url) - 1] == '/')
		p->url[strlen(p->url) - 1] = '\0';
	p->timeout_ms = med_config_int(cfg, "MED_DIAGNOSIS_PACS_TIMEOUT_MS");
	p->max_reply_bytes = (size_t)med_config_int(
		cfg, "MED_DIAGNOSIS_PACS_MAX_REPLY_BYTES");
	p->max_study_bytes =
		(uint64_t)med_config_int(cfg, "MED_DIAGNOSIS_STUDY_MAX_BYTES");
	p->max_instances = (uint32_t)med_config_int(
		cfg, "MED_DIAGNOSIS_STUDY_MAX_INSTANCES");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return MED_ERR_INTERNAL;
	return MED_OK;
}

/* grow makes room for n more bytes and a NUL, doubling. */
static bool
grow(reply_buf *b, size_t n)
{
	size_t room = b->room ? b->room : 16384;
	unsigned char *d;

	while (room < b->len + n + 1)
		room *= 2;
	if (room == b->room)
		return true;
	d = realloc(b->data, room);
	if (d == NULL)
		return false;
	b->data = d;
	b->room = room;
	return true;
}

/* on_data is curl's write callback; returning less than given stops the
 * transfer, which is how the cap is kept. */
static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	reply_buf *b = ctx;
	size_t n = size * nmemb;

	if (b->len + n > b->cap) {
		b->over_cap = true;
		return 0;
	}
	if (!grow(b, n))
		return 0;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* set_options prepares one GET of url with the Accept header. */
static void
set_options(CURL *c, const diagnosis_pacs *p, const char *url,
	    struct curl_slist *hdr, reply_buf *b, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	/* The PACS is named by its URL; redirects elsewhere are refused. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
}

/* transfer_error turns a failed transfer into a med_err and a message. */
static med_err
transfer_error(CURLcode rc, const reply_buf *b, const char *errbuf, char *msg,
	       size_t msg_len)
{
	if (b->over_cap) {
		snprintf(msg, msg_len,
			 "the PACS's reply is larger than %zu bytes "
			 "(MED_DIAGNOSIS_PACS_MAX_REPLY_BYTES)",
			 b->cap);
		return MED_ERR_LIMIT;
	}
	snprintf(msg, msg_len, "the PACS cannot be reached: %s",
		 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return MED_ERR_UNAVAILABLE;
}

void
diagnosis_reply_fini(diagnosis_reply *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

med_err
diagnosis_pacs_get(const diagnosis_pacs *p, const char *path,
		   const char *accept, diagnosis_reply *out, char *msg,
		   size_t msg_len)
{
	char url[1024], hbuf[128], errbuf[CURL_ERROR_SIZE] = "";
	reply_buf b = {.cap = p->max_reply_bytes};
	struct curl_slist *hdr = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long status = 0;
	med_err err = MED_ERR_NOMEM;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", p->url, path) >=
	    sizeof(url)) {
		snprintf(msg, msg_len, "PACS URL too long");
		return MED_ERR_INVALID;
	}
	snprintf(hbuf, sizeof(hbuf), "Accept: %s", accept);
	if ((c = curl_easy_init()) == NULL ||
	    (hdr = curl_slist_append(NULL, hbuf)) == NULL || !grow(&b, 0))
		goto cleanup;
	set_options(c, p, url, hdr, &b, errbuf);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		err = transfer_error(rc, &b, errbuf, msg, msg_len);
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	b.data[b.len] = '\0';
	out->status = status;
	out->data = b.data;
	out->len = b.len;
	b.data = NULL;
	err = MED_OK;
cleanup:
	free(b.data);
	curl_slist_free_all(hdr);
	if (c != NULL)
		curl_easy_cleanup(c);
	return err;
}
