/*
 * pacs.c - the PACS client: HTTP GETs (and STOW-RS POSTs) to a DICOMweb
 * server (Orthanc with its DICOMweb plugin, or any other) through libcurl,
 * one easy handle per request, every reply capped in bytes and time, with
 * HTTP basic authentication when a user is set.  Only this file includes
 * curl's header.  A request never runs inside a database transaction: the
 * PACS may take seconds, and med_db_outside_tx (libmed's db_tx_guard.c)
 * reports one that does.
 */
#include <curl/curl.h>
#include <errno.h>
#include <med/config.h>
#include <med/db.h>
#include <med/log.h>
#include <med/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnosis.h"
#include "stow.h"

/* reply_buf collects one reply on the heap up to cap bytes (the call's
 * arena is sized for messages, not for images). */
typedef struct reply_buf {
	unsigned char *data;
	size_t len, room, cap;
	bool over_cap;
} reply_buf;

/*
 * load_credentials reads the PACS's user and the first line of its
 * password file (a mounted secret): the password never sits in the
 * environment.  A user without a readable password file is an error, so
 * a mistyped path does not become anonymous requests.
 */
static med_err
load_credentials(const med_config *cfg, diagnosis_pacs *p)
{
	const char *path =
		med_config_str(cfg, "MED_DIAGNOSIS_PACS_PASSWORD_FILE");
	FILE *f;

	med_strlcpy(p->user, med_config_str(cfg, "MED_DIAGNOSIS_PACS_USER"),
		    sizeof(p->user));
	if (p->user[0] == '\0')
		return MED_OK;
	if (path[0] == '\0' || (f = fopen(path, "r")) == NULL) {
		med_log_error("MED_DIAGNOSIS_PACS_PASSWORD_FILE: cannot open "
			      "'%s' (%s); MED_DIAGNOSIS_PACS_USER needs it",
			      path, path[0] ? strerror(errno) : "not set");
		return MED_ERR_INVALID;
	}
	if (fgets(p->password, (int)sizeof(p->password), f) == NULL)
		p->password[0] = '\0';
	fclose(f);
	p->password[strcspn(p->password, "\r\n")] = '\0';
	return MED_OK;
}

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
	if (load_credentials(cfg, p) != MED_OK)
		return MED_ERR_INVALID;
	med_strlcpy(p->ca_file,
		    med_config_str(cfg, "MED_DIAGNOSIS_PACS_CA_FILE"),
		    sizeof(p->ca_file));
	if (p->ca_file[0] != '\0' && access(p->ca_file, R_OK) != 0) {
		med_log_error("MED_DIAGNOSIS_PACS_CA_FILE: cannot read '%s' "
			      "(%s)",
			      p->ca_file, strerror(errno));
		return MED_ERR_INVALID;
	}
	p->writeback = med_config_bool(cfg, "MED_DIAGNOSIS_PACS_WRITEBACK");
	p->retry_ms =
		med_config_int(cfg, "MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS");
	p->retry_max_ms = med_config_int(
		cfg, "MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS");
	if (p->retry_max_ms < p->retry_ms)
		p->retry_max_ms = p->retry_ms;
	/* GDCM only for a service that writes back (stow_writer.c). */
	if (p->writeback && diagnosis_sc_writer_load(cfg) != MED_OK)
		return MED_ERR_UNAVAILABLE;
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
	/* https: the peer and its name are always verified (curl's
	 * defaults, set here so that no build can turn them off). */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (p->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, p->ca_file);
	if (p->user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, p->password);
	}
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

/* pacs_request - one request: the path, its headers and, for a POST,
 * the body. */
typedef struct pacs_request {
	const char *path;
	const char *accept;
	const char *content_type; /* NULL: a GET */
	const void *body;
	size_t body_len;
} pacs_request;

/* add_headers lists the request's Accept and Content-Type headers. */
static struct curl_slist *
add_headers(const pacs_request *rq)
{
	char h[256];
	struct curl_slist *l, *l2;

	snprintf(h, sizeof(h), "Accept: %s", rq->accept);
	if ((l = curl_slist_append(NULL, h)) == NULL ||
	    rq->content_type == NULL)
		return l;
	snprintf(h, sizeof(h), "Content-Type: %s", rq->content_type);
	if ((l2 = curl_slist_append(l, h)) == NULL)
		curl_slist_free_all(l);
	return l2;
}

/* perform runs rq on the PACS into out. */
static med_err
perform(const diagnosis_pacs *p, const pacs_request *rq, diagnosis_reply *out,
	char *msg, size_t msg_len)
{
	char url[1024], errbuf[CURL_ERROR_SIZE] = "";
	reply_buf b = {.cap = p->max_reply_bytes};
	struct curl_slist *hdr = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long status = 0;
	med_err err = MED_ERR_NOMEM;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", p->url, rq->path) >=
	    sizeof(url)) {
		snprintf(msg, msg_len, "PACS URL too long");
		return MED_ERR_INVALID;
	}
	if ((c = curl_easy_init()) == NULL || (hdr = add_headers(rq)) == NULL ||
	    !grow(&b, 0))
		goto cleanup;
	set_options(c, p, url, hdr, &b, errbuf);
	if (rq->content_type != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)rq->body_len);
	}
	med_db_outside_tx("PACS", "HTTP fetch");
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

med_err
diagnosis_pacs_get(const diagnosis_pacs *p, const char *path,
		   const char *accept, diagnosis_reply *out, char *msg,
		   size_t msg_len)
{
	pacs_request rq = {.path = path, .accept = accept};

	return perform(p, &rq, out, msg, msg_len);
}

med_err
diagnosis_pacs_post(const diagnosis_pacs *p, const char *path,
		    const char *content_type, const void *body, size_t len,
		    const char *accept, diagnosis_reply *out, char *msg,
		    size_t msg_len)
{
	pacs_request rq = {.path = path,
			   .accept = accept,
			   .content_type = content_type,
			   .body = body,
			   .body_len = len};

	return perform(p, &rq, out, msg, msg_len);
}
