/*
 * rpc_tls_reload.c - a server's certificate, key and CA re-read when their
 * files change, without a restart.  cert-manager renews a Secret in place
 * and the kubelet swaps the mounted files atomically (a ..data symlink), so
 * the files change under a running pod: gRPC asks for the certificate
 * config on every new handshake (a config fetcher), and the watch answers
 * "new" once the new files have been read and checked.  Connections already
 * open keep the certificate they were made with.
 *
 * The files are read and checked by med_tls_reload (tls/tls.c).  The watch
 * never makes things worse: files that cannot be read, or that do
 * not form a usable chain and key, are logged and counted, and the old
 * config keeps serving.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc_security.h>

#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "rpc_internal.h"

/* A handshake stats the files at most this often: a burst of new
 * connections costs one stat(2) of three files per second. */
#define WATCH_EVERY_NS 1000000000LL

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
