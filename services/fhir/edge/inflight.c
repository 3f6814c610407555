/*
 * inflight.c - a cap on the requests one user has in flight (issue 49,
 * item 7).  The facade answers on MED_FHIR_THREADS threads, and a few
 * parallel reads of a large chart by one user held every one of them:
 * the rest of the ward waited.  A request is in flight from its head
 * (server.c's first call) to its end (answered, or its connection gone),
 * so a body trickled in slowly holds its place as a read that blocks on
 * a service does.  Past MED_FHIR_MAX_INFLIGHT_PER_USER a user's next
 * request is answered 429 with Retry-After at once, before its body is
 * read or any service is asked.  The user is who the bearer token says
 * (the same sources the request is then authenticated with); a request
 * without a valid token is not counted (it is refused with 401 anyway).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <med/util.h>

#include "edge.h"

/* inflight_user - one user with requests in flight. */
typedef struct inflight_user {
	char user[MED_PRINCIPAL_NAME_MAX];
	unsigned n;
} inflight_user;

struct fhir_inflight {
	pthread_mutex_t lock;
	unsigned max_per_user;
	/* users[0..n_users): at most one per request in flight, so as many
	 * as the connections the port takes (cap). */
	inflight_user *users;
	size_t n_users, cap;
	med_counter *refused;
};

med_err
fhir_inflight_new(unsigned max_per_user, size_t max_requests, med_metrics *m,
		  fhir_inflight **out)
{
	fhir_inflight *t = calloc(1, sizeof(*t));

	if (t == NULL ||
	    (t->users = calloc(max_requests, sizeof(*t->users))) == NULL) {
		free(t);
		return MED_ERR_NOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->max_per_user = max_per_user;
	t->cap = max_requests;
	if (m != NULL)
		t->refused = med_metrics_counter(
			m, "smartmed_fhir_edge_refusals_total",
			"FHIR HTTPS connections shut past the request head's "
			"or the answer's deadline, and request targets "
			"refused",
			"reason=\"user_inflight\"");
	*out = t;
	return MED_OK;
}

void
fhir_inflight_free(fhir_inflight *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->users);
	free(t);
}

/* user_of names the bearer token's user into user; false: no valid
 * token. */
static bool
user_of(const fhir_facade *f, const char *authorization, char *user, size_t cap)
{
	med_principal p;
	med_auth_input in = {.transport_secure = true};

	/* The scheme in any case, as med_call_authenticate reads it: else
	 * "bearer" would be served uncounted. */
	if (f->auth == NULL || authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	in.bearer = authorization + 7;
	in.bearer_len = strlen(in.bearer);
	memset(&p, 0, sizeof(p));
	if (f->auth->authenticate(f->auth->self, &in, &p) != MED_OK ||
	    !p.authenticated || p.user[0] == '\0')
		return false;
	med_strlcpy(user, p.user, cap);
	return true;
}

/* find returns the index of user, or n_users (lock held). */
static size_t
find(const fhir_inflight *t, const char *user)
{
	size_t i = 0;

	while (i < t->n_users && strcmp(t->users[i].user, user) != 0)
		i++;
	return i;
}

med_err
fhir_inflight_enter(fhir_inflight *t, const fhir_facade *f,
		    const char *authorization, char *user, size_t cap)
{
	med_err err = MED_OK;
	size_t i;

	user[0] = '\0';
	if (t == NULL || t->max_per_user == 0 ||
	    !user_of(f, authorization, user, cap))
		return MED_OK;
	pthread_mutex_lock(&t->lock);
	i = find(t, user);
	if (i == t->n_users && i == t->cap) {
		user[0] = '\0'; /* more than the port's requests: not counted */
	} else if (i == t->n_users) {
		med_strlcpy(t->users[i].user, user, sizeof(t->users[i].user));
		t->users[i].n = 1;
		t->n_users++;
	} else if (t->users[i].n >= t->max_per_user) {
		err = MED_ERR_LIMIT; /* not counted: the caller clears user */
	} else {
		t->users[i].n++;
	}
	pthread_mutex_unlock(&t->lock);
	if (err != MED_OK)
		med_counter_add(t->refused, 1);
	return err;
}

void
fhir_inflight_leave(fhir_inflight *t, const char *user)
{
	size_t i;

	if (t == NULL || user[0] == '\0')
		return;
	pthread_mutex_lock(&t->lock);
	i = find(t, user);
	if (i < t->n_users && --t->users[i].n == 0)
		t->users[i] = t->users[--t->n_users];
	pthread_mutex_unlock(&t->lock);
}

void
fhir_inflight_refuse(const fhir_inflight *t, med_arena *a, fhir_response *resp)
{
	fhir_error e = {0};

	(void)fhir_fail(&e, MED_GRPC_RESOURCE_EXHAUSTED,
			"requests in flight: at most %u of one user at once "
			"(MED_FHIR_MAX_INFLIGHT_PER_USER); retry when one "
			"has been answered",
			t->max_per_user);
	fhir_respond_outcome(resp, a, &e);
	resp->retry_after = "1";
}
