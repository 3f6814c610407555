/*
 * rpc_health.c - grpc.health.v1.Health, served by every med_server.
 *
 * The table holds "" and the service name of every registered method
 * ("/pkg.Svc/M" gives "pkg.Svc").  med_server_set_serving moves all of them
 * together: a smartmed process is ready or not as a whole.  Everything
 * starts NOT_SERVING until the service says otherwise, and a drain sets
 * NOT_SERVING before the server refuses calls.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grpc/health/v1/health.pb-c.h"

#include "rpc_internal.h"

/* Watchers poll for cancellation this often while nothing changes. */
#define WATCH_POLL_MS 100

typedef Grpc__Health__V1__HealthCheckRequest health_req;
typedef Grpc__Health__V1__HealthCheckResponse health_resp;

med_err
med__rpc_health_init(rpc_health *h)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->inited = true;
	return med__rpc_health_add_path(h, "");
}

void
med__rpc_health_fini(rpc_health *h)
{
	if (!h->inited)
		return;
	for (size_t i = 0; i < h->n_names; i++)
		free(h->names[i]);
	free(h->names);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	h->inited = false;
}

/* find returns true when name is in the table; called with h->mu held. */
static bool
find(const rpc_health *h, const char *name)
{
	for (size_t i = 0; i < h->n_names; i++)
		if (strcmp(h->names[i], name) == 0)
			return true;
	return false;
}

static med_err
add_name(rpc_health *h, const char *name, size_t len)
{
	char *copy = strndup(name, len);
	char **names;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	if (find(h, copy)) {
		free(copy);
		return MED_OK;
	}
	names = realloc(h->names, (h->n_names + 1) * sizeof(*names));
	if (names == NULL) {
		free(copy);
		return MED_ERR_NOMEM;
	}
	names[h->n_names++] = copy;
	h->names = names;
	return MED_OK;
}

med_err
med__rpc_health_add_path(rpc_health *h, const char *path)
{
	const char *slash;
	med_err err;

	if (path[0] != '/') {
		pthread_mutex_lock(&h->mu);
		err = add_name(h, path, strlen(path));
		pthread_mutex_unlock(&h->mu);
		return err;
	}
	slash = strchr(path + 1, '/');
	if (slash == NULL)
		return MED_ERR_INVALID;
	pthread_mutex_lock(&h->mu);
	err = add_name(h, path + 1, (size_t)(slash - (path + 1)));
	pthread_mutex_unlock(&h->mu);
	return err;
}

void
med__rpc_health_set(rpc_health *h, bool serving)
{
	pthread_mutex_lock(&h->mu);
	if (h->serving != serving) {
		h->serving = serving;
		h->generation++;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
}

static Grpc__Health__V1__HealthCheckResponse__ServingStatus
status_of(const rpc_health *h, bool known)
{
	if (!known)
		return GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
	return h->serving
		       ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
		       : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
}

static med_err
health_check(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const health_req *req = (const health_req *)in;
	health_resp *resp = (health_resp *)out;
	rpc_health *h = &call->srv->health;
	bool known;

	pthread_mutex_lock(&h->mu);
	known = find(h, req->service);
	resp->status = status_of(h, known);
	pthread_mutex_unlock(&h->mu);
	if (!known)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "service: unknown service");
	return MED_OK;
}

/* wait_change waits until the generation moves past *gen or the call ends;
 * returns true on a change, with *status the new one. */
static bool
wait_change(med_call *call, uint64_t *gen, bool known, int *status)
{
	rpc_health *h = &call->srv->health;
	bool changed = false;

	pthread_mutex_lock(&h->mu);
	while (*gen == h->generation && !med_call_is_cancelled(call)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WATCH_POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->cv, &h->mu, &ts);
	}
	if (*gen != h->generation) {
		changed = true;
		*gen = h->generation;
		*status = (int)status_of(h, known);
	}
	pthread_mutex_unlock(&h->mu);
	return changed;
}

static med_err
send_status(med_call *call, int status)
{
	health_resp resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;

	resp.status = status;
	return med_call_send(call, &resp.base);
}

static med_err
health_watch(med_call *call, const ProtobufCMessage *in)
{
	const health_req *req = (const health_req *)in;
	rpc_health *h = &call->srv->health;
	uint64_t gen;
	bool known;
	int status;
	med_err err;

	pthread_mutex_lock(&h->mu);
	known = find(h, req->service);
	gen = h->generation;
	status = (int)status_of(h, known);
	pthread_mutex_unlock(&h->mu);
	err = send_status(call, status);
	while (err == MED_OK) {
		/* An unknown name keeps the stream open, as the protocol says.
		 */
		if (wait_change(call, &gen, known, &status) && known)
			err = send_status(call, status);
		else if (med_call_is_cancelled(call))
			break;
	}
	if (err != MED_OK)
		return err;
	if (atomic_load(&call->srv->draining))
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "server shutting down");
	return med_call_fail(call, MED_ERR_CANCELLED, "watch ended");
}

const med_method med__rpc_health_methods[2] = {
	{
		.path = "/grpc.health.v1.Health/Check",
		.input = &grpc__health__v1__health_check_request__descriptor,
		.output = &grpc__health__v1__health_check_response__descriptor,
		.kind = MED_RPC_UNARY,
		.unary = health_check,
		.roles = MED_ROLES_PUBLIC,
	},
	{
		.path = "/grpc.health.v1.Health/Watch",
		.input = &grpc__health__v1__health_check_request__descriptor,
		.output = &grpc__health__v1__health_check_response__descriptor,
		.kind = MED_RPC_SERVER_STREAM,
		.stream = health_watch,
		.roles = MED_ROLES_PUBLIC,
	},
};
