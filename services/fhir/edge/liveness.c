/*
 * liveness.c - the facade's self-probe behind /healthz.  The process
 * part's health port is a different port from the API's, so it answers
 * while the API port no longer serves (full, its threads stuck, its
 * listener gone); the kubelet would never notice (issue 35).  A thread
 * here connects to the API port as a client would, completes a TLS
 * handshake and a GET of the CapabilityStatement within a deadline, and
 * tells the process part whether that worked: three failures in a row
 * make /healthz answer 503, one success 200 again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include <med/log.h>
#include <med/util.h>

#include "edge.h"

#define PROBE_DEADLINE_MS 2000
#define FAILURES_TO_DIE	  3

struct fhir_liveness {
	med_process *process;
	struct sockaddr_in addr;
	char request[700];
	char priority[512];
	int period_ms;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	pthread_t thread;
};

/* connect_within connects a non-blocking socket to a within ms. */
static int
connect_within(const struct sockaddr_in *a, int ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0)
		return fd;
	if (errno == EINPROGRESS && poll(&p, 1, ms) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
		return fd;
	close(fd);
	return -1;
}

/* answer_ok reads the status line: the API served the request. */
static bool
answer_ok(gnutls_session_t s)
{
	char buf[64];
	size_t n = 0;
	ssize_t r;

	while (n < 12) {
		r = gnutls_record_recv(s, buf + n, sizeof(buf) - 1 - n);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r <= 0)
			return false;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

/* probe_tls runs the handshake and the request on a connected fd. */
static bool
probe_tls(fhir_liveness *l, int fd, gnutls_certificate_credentials_t cred)
{
	gnutls_session_t s;
	bool ok = false;
	int rc;

	if (gnutls_init(&s, GNUTLS_CLIENT) < 0)
		return false;
	/* The probe checks that the port serves, not who answers: it asks
	 * its own process, over loopback, so no certificate check. */
	if (gnutls_priority_set_direct(s, l->priority, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		goto out;
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, PROBE_DEADLINE_MS);
	gnutls_record_set_timeout(s, PROBE_DEADLINE_MS);
	do {
		rc = gnutls_handshake(s);
	} while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
	if (rc < 0)
		goto out;
	if (gnutls_record_send(s, l->request, strlen(l->request)) ==
	    (ssize_t)strlen(l->request))
		ok = answer_ok(s);
	gnutls_bye(s, GNUTLS_SHUT_WR);
out:
	gnutls_deinit(s);
	return ok;
}

/* probe_once is true when the API port served one request in time. */
static bool
probe_once(fhir_liveness *l)
{
	gnutls_certificate_credentials_t cred;
	int fd = connect_within(&l->addr, PROBE_DEADLINE_MS);
	bool ok = false;
	int flags;

	if (fd < 0)
		return false;
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 &&
	    gnutls_certificate_allocate_credentials(&cred) >= 0) {
		ok = probe_tls(l, fd, cred);
		gnutls_certificate_free_credentials(cred);
	}
	close(fd);
	return ok;
}

/* wait_period sleeps a period; false when stopping. */
static bool
wait_period(fhir_liveness *l)
{
	struct timespec ts;
	bool go_on;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += l->period_ms / 1000;
	ts.tv_nsec += (long)(l->period_ms % 1000) * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&l->lock);
	if (!l->stopping)
		pthread_cond_timedwait(&l->wake, &l->lock, &ts);
	go_on = !l->stopping;
	pthread_mutex_unlock(&l->lock);
	return go_on;
}

static void *
probe_main(void *arg)
{
	fhir_liveness *l = arg;
	int failures = 0;

	while (wait_period(l)) {
		if (probe_once(l)) {
			if (failures >= FAILURES_TO_DIE)
				med_log_info("liveness: the FHIR port serves "
					     "again");
			failures = 0;
			med_process_set_live(l->process, true);
		} else if (++failures == FAILURES_TO_DIE) {
			med_log_error("liveness: the FHIR port did not serve "
				      "%d probes in a row: /healthz 503",
				      FAILURES_TO_DIE);
			med_process_set_live(l->process, false);
		}
	}
	return NULL;
}

med_err
fhir_liveness_start(med_process *p, const char *host, int port,
		    const char *path, const char *priority, int period_ms,
		    fhir_liveness **out)
{
	fhir_liveness *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return MED_ERR_NOMEM;
	l->process = p;
	l->period_ms = period_ms;
	l->addr.sin_family = AF_INET;
	l->addr.sin_port = htons((uint16_t)port);
	/* A wildcard listener is probed on loopback. */
	if (inet_pton(AF_INET, host, &l->addr.sin_addr) != 1 ||
	    l->addr.sin_addr.s_addr == htonl(INADDR_ANY))
		l->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(l->request, sizeof(l->request),
		 "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		 "User-Agent: smartmed-liveness\r\n\r\n",
		 path);
	med_strlcpy(l->priority, priority, sizeof(l->priority));
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	if (pthread_create(&l->thread, NULL, probe_main, l) != 0) {
		pthread_cond_destroy(&l->wake);
		pthread_mutex_destroy(&l->lock);
		free(l);
		return MED_ERR_IO;
	}
	*out = l;
	return MED_OK;
}

void
fhir_liveness_stop(fhir_liveness *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
