/*
 * rpc_tls_reload.c - a server's certificate, key and CA re-read when their
 * files change, without a restart.  cert-manager renews a Secret in place
 * and the kubelet swaps the mounted files atomically (a ..data symlink), so
 * the files change under a running pod: gRPC asks for the certificate
 * config on every new handshake (a config fetcher), and the watch answers
 * "new" once the new files have been read and checked.  Connections already
 * open keep the certificate they were made with.
 *
 * The watch never makes things worse: files that cannot be read, or that do
 * not form a usable chain and key, are logged and counted, and the old
 * config keeps serving.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc_security.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "rpc_internal.h"

/* A handshake stats the files at most this often: a burst of new
 * connections costs one stat(2) of three files per second. */
#define WATCH_EVERY_NS 1000000000LL

/* --- checking a pair ------------------------------------------------------ */

/* certs_read reads every certificate of pem into a new stack (NULL when
 * there is none). */
static STACK_OF(X509) * certs_read(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;

	while (b != NULL && sk != NULL &&
	       (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(sk, x) <= 0)
			X509_free(x);
	BIO_free(b);
	if (sk != NULL && sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		sk = NULL;
	}
	return sk;
}

static EVP_PKEY *
key_read(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k =
		b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* chain_verifies: the leaf, with the rest of its chain, verifies against
 * the CA certificates today. */
static bool
chain_verifies(STACK_OF(X509) * chain, STACK_OF(X509) * cas)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = store != NULL && ctx != NULL;

	for (int i = 0; ok && i < sk_X509_num(cas); i++)
		ok = X509_STORE_add_cert(store, sk_X509_value(cas, i)) == 1;
	ok = ok && X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0),
				       chain) == 1;
	ok = ok && X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static med_err
check_fail(char *errbuf, size_t errlen, const char *why)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", why);
	return MED_ERR_INVALID;
}

med_err
med_tls_check(const med_tls *t, char *errbuf, size_t errlen)
{
	STACK_OF(X509) *chain = NULL, *cas = NULL;
	EVP_PKEY *key = NULL;
	const char *why = NULL;

	if (t == NULL || t->cert_pem == NULL || t->key_pem == NULL ||
	    t->ca_pem == NULL)
		return check_fail(errbuf, errlen,
				  "certificate, key or CA "
				  "missing");
	if ((chain = certs_read(t->cert_pem)) == NULL)
		why = "certificate: no PEM certificate";
	else if ((key = key_read(t->key_pem)) == NULL)
		why = "key: no PEM private key";
	else if (X509_check_private_key(sk_X509_value(chain, 0), key) != 1)
		why = "key does not belong to the certificate";
	else if ((cas = certs_read(t->ca_pem)) == NULL)
		why = "CA: no PEM certificate";
	else if (!chain_verifies(chain, cas))
		why = "certificate does not chain to the CA, or is outside "
		      "its validity";
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(cas, X509_free);
	return why == NULL ? MED_OK : check_fail(errbuf, errlen, why);
}

/* same_pems: a and b hold the same three PEMs. */
static bool
same_pems(const med_tls *a, const med_tls *b)
{
	return strcmp(a->cert_pem, b->cert_pem) == 0 &&
	       strcmp(a->key_pem, b->key_pem) == 0 &&
	       strcmp(a->ca_pem, b->ca_pem) == 0;
}

/* swap_pems exchanges the PEMs (not the paths) of a and b. */
static void
swap_pems(med_tls *a, med_tls *b)
{
	med_tls tmp = *a;

	a->cert_pem = b->cert_pem;
	a->key_pem = b->key_pem;
	a->ca_pem = b->ca_pem;
	b->cert_pem = tmp.cert_pem;
	b->key_pem = tmp.key_pem;
	b->ca_pem = tmp.ca_pem;
}

med_err
med_tls_reload(med_tls *t, bool *changed, char *errbuf, size_t errlen)
{
	med_tls fresh = {0};
	med_err err;

	if (t == NULL || changed == NULL || t->cert_path == NULL ||
	    t->key_path == NULL || t->ca_path == NULL || t->cert_pem == NULL)
		return MED_ERR_INVALID;
	*changed = false;
	err = med__rpc_tls_read(&fresh, t->cert_path, t->key_path, t->ca_path,
				errbuf, errlen);
	if (err == MED_OK)
		err = med_tls_check(&fresh, errbuf, errlen);
	if (err == MED_OK && !same_pems(t, &fresh)) {
		swap_pems(t, &fresh);
		*changed = true;
	}
	med_tls_fini(&fresh); /* the old PEMs, or the unused new ones */
	return err;
}

/* --- the watch ------------------------------------------------------------ */

struct med__tls_watch {
	pthread_mutex_t lock;
	med_tls tls;		  /* what gRPC was last given */
	med_file_stamp stamps[3]; /* of the files last looked at */
	atomic_bool delivered;	  /* gRPC has had a first config */
	_Atomic int64_t next_check_ns;
	med_counter *ok, *failed; /* smartmed_tls_reloads_total */
};

med_err
med__tls_watch_new(const med_tls *t, med__tls_watch **out)
{
	med_metrics *m = med_metrics_lib();
	med__tls_watch *w;
	med_err err;

	if (t == NULL || t->cert_path == NULL || out == NULL)
		return MED_ERR_INVALID;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MED_ERR_NOMEM;
	if ((err = med__rpc_tls_copy(&w->tls, t)) != MED_OK) {
		free(w);
		return err;
	}
	pthread_mutex_init(&w->lock, NULL);
	/* Zero stamps: the first check reads the files once and compares
	 * their content, which also catches a change made between the
	 * service's start and this watch. */
	atomic_init(&w->next_check_ns, med_mono_ns() + WATCH_EVERY_NS);
	atomic_init(&w->delivered, false);
	if (m != NULL) {
		const char *help = "re-reads of changed TLS certificate files "
				   "(failed: the old certificate kept)";
		w->ok = med_metrics_counter(m, "smartmed_tls_reloads_total",
					    help, "result=\"ok\"");
		w->failed = med_metrics_counter(m, "smartmed_tls_reloads_total",
						help, "result=\"failed\"");
	}
	*out = w;
	return MED_OK;
}

void
med__tls_watch_free(med__tls_watch *w)
{
	if (w == NULL)
		return;
	med_tls_fini(&w->tls);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* files_changed stats the three files; true (stamps kept) when any of them
 * differs from the last look. */
static bool
files_changed(med__tls_watch *w)
{
	const char *paths[3] = {w->tls.cert_path, w->tls.key_path,
				w->tls.ca_path};
	med_file_stamp now[3];
	bool changed = false;

	for (int i = 0; i < 3; i++) {
		med_file_stamp_read(paths[i], &now[i]);
		changed = changed ||
			  !med_file_stamp_equal(&now[i], &w->stamps[i]);
	}
	if (changed)
		memcpy(w->stamps, now, sizeof(now));
	return changed;
}

/* reread reads changed files; true when w->tls took new PEMs.  A failure
 * is logged once per change of the files (their stamps are kept), not at
 * every handshake. */
static bool
reread(med__tls_watch *w)
{
	char errbuf[512] = "";
	bool changed = false;
	med_err err;

	if (!files_changed(w))
		return false;
	err = med_tls_reload(&w->tls, &changed, errbuf, sizeof(errbuf));
	if (err != MED_OK) {
		med_log_warn("tls: %s changed but cannot be used (%s); the "
			     "previous certificate keeps serving",
			     w->tls.cert_path, errbuf);
		med_counter_add(w->failed, 1);
		return false;
	}
	if (changed) {
		med_log_info("tls: new certificate from %s in use for new "
			     "connections",
			     w->tls.cert_path);
		med_counter_add(w->ok, 1);
	}
	return changed;
}

static grpc_ssl_certificate_config_reload_status
config_of(const med_tls *t, grpc_ssl_server_certificate_config **config)
{
	grpc_ssl_pem_key_cert_pair pair = {t->key_pem, t->cert_pem};

	*config =
		grpc_ssl_server_certificate_config_create(t->ca_pem, &pair, 1);
	return *config != NULL ? GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW
			       : GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL;
}

/*
 * watch_fetch is gRPC's config fetcher, called at server start and then on
 * every new handshake: after the first config, at most one caller a second
 * looks at the files; the others answer "unchanged" at once.
 */
static grpc_ssl_certificate_config_reload_status
watch_fetch(void *user_data, grpc_ssl_server_certificate_config **config)
{
	med__tls_watch *w = user_data;
	grpc_ssl_certificate_config_reload_status st =
		GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
	int64_t now = med_mono_ns();

	if (now < atomic_load(&w->next_check_ns) && atomic_load(&w->delivered))
		return st;
	if (pthread_mutex_trylock(&w->lock) != 0) {
		/* The first config is given once: wait for it rather than
		 * answer "unchanged" to a server that has none. */
		if (atomic_load(&w->delivered))
			return st;
		pthread_mutex_lock(&w->lock);
	}
	if (!atomic_load(&w->delivered)) {
		st = config_of(&w->tls, config);
		atomic_store(&w->delivered,
			     st == GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW);
	} else if (now >= atomic_load(&w->next_check_ns)) {
		atomic_store(&w->next_check_ns, now + WATCH_EVERY_NS);
		if (reread(w))
			st = config_of(&w->tls, config);
	}
	pthread_mutex_unlock(&w->lock);
	return st;
}

grpc_server_credentials *
med__tls_watch_server_creds(med__tls_watch *w)
{
	/* A client certificate is required and must chain to our CA, as
	 * with med__rpc_server_creds; the CA is re-read with the rest. */
	grpc_ssl_server_credentials_options *o =
		grpc_ssl_server_credentials_create_options_using_config_fetcher(
			GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY,
			watch_fetch, w);

	if (o == NULL)
		return NULL;
	return grpc_ssl_server_credentials_create_with_options(o);
}
