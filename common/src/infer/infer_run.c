/*
 * infer_run.c - model load/unload and runs, with host-side batching: when
 * max_batch > 1 a thread per model gathers concurrent requests (up to
 * max_batch, waiting at most max_wait_us after the first) into one backend
 * run, so a GPU sees batches and the backends stay simple.
 */
#include "infer_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <med/log.h>
#include <med/util.h>

typedef struct request {
	const med_tensor *inputs;
	med_tensor *outputs;
	med_err rc;
	bool done;
	char msg[256];
	struct request *next;
} request;

struct med_infer_model {
	med__backend *be;
	void *model;
	void *instance;
	med_model_info info;
	med_device_kind kind;
	bool fallback;
	atomic_uint_fast64_t runs;
	med__infer_stats stats; /* Prometheus series (metrics_infer.c) */
	pthread_mutex_t run_mu; /* one run at a time per instance */
	/* Batching (max_batch > 1). */
	uint32_t max_batch;
	uint32_t max_wait_us;
	pthread_t thread;
	bool has_thread;
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* the batcher waits for requests */
	pthread_cond_t done_cv; /* callers wait for results */
	request *head;
	request *tail;
	size_t queued;
};

static size_t
dtype_size(uint32_t dtype)
{
	switch (dtype) {
	case MED_DTYPE_F32:
		return 4;
	case MED_DTYPE_U8:
		return 1;
	case MED_DTYPE_I64:
		return 8;
	default:
		return 0;
	}
}

size_t
med_tensor_nbytes(uint32_t dtype, uint32_t n_dims, const int64_t *dims)
{
	size_t n = dtype_size(dtype);

	if (n == 0 || n_dims > MED_TENSOR_MAX_DIMS)
		return 0;
	for (uint32_t i = 0; i < n_dims; i++) {
		if (dims[i] < 0 || (dims[i] && n > SIZE_MAX / (size_t)dims[i]))
			return 0;
		n *= (size_t)dims[i];
	}
	return n;
}

/* check_inputs: the item's inputs match the model (dynamic dims free). */
static med_err
check_inputs(const med_infer_model *m, const med_tensor *in, uint32_t n,
	     char *msg, size_t len)
{
	if (n != m->info.n_inputs) {
		snprintf(msg, len, "inputs: %u given, model has %u", n,
			 m->info.n_inputs);
		return MED_ERR_INVALID;
	}
	for (uint32_t i = 0; i < n; i++) {
		const med_tensor_desc *d = &m->info.inputs[i];
		bool ok = in[i].dtype == d->dtype && in[i].n_dims == d->n_dims;
		for (uint32_t k = 0; ok && k < d->n_dims; k++)
			ok = d->dims[k] < 0 ? in[i].dims[k] > 0
					    : in[i].dims[k] == d->dims[k];
		if (ok)
			ok = in[i].data != NULL &&
			     in[i].size == med_tensor_nbytes(in[i].dtype,
							     in[i].n_dims,
							     in[i].dims) &&
			     in[i].size > 0;
		if (!ok) {
			snprintf(msg, len,
				 "inputs[%u] (%s): dtype, shape or size "
				 "differs from the model",
				 i, d->name);
			return MED_ERR_INVALID;
		}
	}
	return MED_OK;
}

/* check_outputs fills in output dims from the model and checks sizes. */
static med_err
check_outputs(const med_infer_model *m, med_tensor *out, uint32_t n, char *msg,
	      size_t len)
{
	if (n != m->info.n_outputs) {
		snprintf(msg, len, "outputs: %u given, model has %u", n,
			 m->info.n_outputs);
		return MED_ERR_INVALID;
	}
	for (uint32_t i = 0; i < n; i++) {
		const med_tensor_desc *d = &m->info.outputs[i];
		size_t need = med_tensor_nbytes(d->dtype, d->n_dims, d->dims);
		if (out[i].data == NULL || out[i].size < need || need == 0) {
			snprintf(msg, len,
				 "outputs[%u] (%s): buffer of %zu "
				 "bytes, model needs %zu",
				 i, d->name, out[i].size, need);
			return MED_ERR_INVALID;
		}
		out[i].dtype = d->dtype;
		out[i].n_dims = d->n_dims;
		memcpy(out[i].dims, d->dims, sizeof(d->dims));
	}
	return MED_OK;
}

/* backend_run calls the plugin under the instance lock. */
static med_err
backend_run(med_infer_model *m, uint32_t batch, const med_tensor *in,
	    med_tensor *out, char *msg, size_t len)
{
	med_plugin_err err = {0};
	int rc;

	pthread_mutex_lock(&m->run_mu);
	rc = m->be->desc->ops->run(m->instance, batch, in, m->info.n_inputs,
				   out, m->info.n_outputs, &err);
	pthread_mutex_unlock(&m->run_mu);
	atomic_fetch_add(&m->runs, 1);
	med__infer_stats_batch(&m->stats, batch);
	if (rc != 0) {
		err.msg[sizeof(err.msg) - 1] = '\0';
		snprintf(msg, len, "backend %s: %s", m->be->desc->name,
			 err.msg);
		return rc == MED_PLUGIN_EINVAL ? MED_ERR_INVALID
					       : MED_ERR_INTERNAL;
	}
	return MED_OK;
}

static bool
same_shapes(const med_infer_model *m, const request *a, const request *b)
{
	for (uint32_t i = 0; i < m->info.n_inputs; i++)
		if (memcmp(a->inputs[i].dims, b->inputs[i].dims,
			   sizeof(a->inputs[i].dims)) != 0)
			return false;
	return true;
}

/* take_batch unlinks up to max_batch requests shaped like the first. */
static size_t
take_batch(med_infer_model *m, request **batch)
{
	request **pp = &m->head;
	size_t n = 0;

	while (*pp && n < m->max_batch) {
		request *r = *pp;
		if (n > 0 && !same_shapes(m, batch[0], r)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		r->next = NULL;
		batch[n++] = r;
	}
	m->tail = NULL;
	for (request *r = m->head; r; r = r->next)
		m->tail = r;
	m->queued -= n;
	return n;
}

/* stack_tensors concatenates tensor i of each request into t (malloc). */
static med_err
stack_tensors(request **batch, size_t n, uint32_t i, bool is_input,
	      med_tensor *t)
{
	const med_tensor *first =
		is_input ? &batch[0]->inputs[i] : &batch[0]->outputs[i];
	size_t item = is_input ? first->size
			       : med_tensor_nbytes(first->dtype, first->n_dims,
						   first->dims);
	char *p = malloc(item * n);

	if (p == NULL)
		return MED_ERR_NOMEM;
	*t = *first;
	t->dims[0] *= (int64_t)n;
	t->data = p;
	t->size = item * n;
	for (size_t k = 0; is_input && k < n; k++)
		memcpy(p + k * item, batch[k]->inputs[i].data, item);
	return MED_OK;
}

static void
split_outputs(med_infer_model *m, request **batch, size_t n,
	      const med_tensor *out)
{
	for (uint32_t i = 0; i < m->info.n_outputs; i++) {
		size_t item = out[i].size / n;
		for (size_t k = 0; k < n; k++)
			memcpy(batch[k]->outputs[i].data,
			       (const char *)out[i].data + k * item, item);
	}
}

static med_err
run_batch(med_infer_model *m, request **batch, size_t n, char *msg, size_t len)
{
	med_tensor in[MED_PLUGIN_MAX_IO] = {0}, out[MED_PLUGIN_MAX_IO] = {0};
	med_err rc = MED_OK;

	for (uint32_t i = 0; rc == MED_OK && i < m->info.n_inputs; i++)
		rc = stack_tensors(batch, n, i, true, &in[i]);
	for (uint32_t i = 0; rc == MED_OK && i < m->info.n_outputs; i++)
		rc = stack_tensors(batch, n, i, false, &out[i]);
	if (rc == MED_OK)
		rc = backend_run(m, (uint32_t)n, in, out, msg, len);
	if (rc == MED_OK)
		split_outputs(m, batch, n, out);
	else if (rc == MED_ERR_NOMEM)
		snprintf(msg, len, "out of memory for a batch of %zu", n);
	for (uint32_t i = 0; i < MED_PLUGIN_MAX_IO; i++) {
		free(in[i].data);
		free(out[i].data);
	}
	return rc;
}

static void
deadline_after(struct timespec *ts, uint32_t us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (long)(us % 1000000) * 1000;
	ts->tv_sec += us / 1000000 + ts->tv_nsec / 1000000000;
	ts->tv_nsec %= 1000000000;
}

static void *
batcher(void *arg)
{
	med_infer_model *m = arg;
	request *batch[256];

	pthread_mutex_lock(&m->mu);
	for (;;) {
		while (!m->stop && m->head == NULL)
			pthread_cond_wait(&m->cv, &m->mu);
		if (m->stop && m->head == NULL)
			break;
		struct timespec until;
		deadline_after(&until, m->max_wait_us);
		while (!m->stop && m->queued < m->max_batch &&
		       pthread_cond_timedwait(&m->cv, &m->mu, &until) == 0)
			;
		size_t n = take_batch(m, batch);
		char msg[256] = "";
		pthread_mutex_unlock(&m->mu);
		med_err rc = run_batch(m, batch, n, msg, sizeof(msg));
		pthread_mutex_lock(&m->mu);
		for (size_t k = 0; k < n; k++) {
			batch[k]->rc = rc;
			med_strlcpy(batch[k]->msg, msg, sizeof(batch[k]->msg));
			batch[k]->done = true;
		}
		pthread_cond_broadcast(&m->done_cv);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static med_err
run_queued(med_infer_model *m, const med_tensor *in, med_tensor *out, char *msg,
	   size_t len)
{
	request r = {.inputs = in, .outputs = out};

	/*
	 * r lives on this stack while queued: this function returns only after
	 * the batcher has unlinked it and set done.
	 */
	pthread_mutex_lock(&m->mu);
	if (m->tail)
		m->tail->next = &r; // cppcheck-suppress autoVariables
	else
		m->head = &r; // cppcheck-suppress autoVariables
	m->tail = &r;	      // cppcheck-suppress autoVariables
	m->queued++;
	pthread_cond_signal(&m->cv);
	while (!r.done)
		pthread_cond_wait(&m->done_cv, &m->mu);
	pthread_mutex_unlock(&m->mu);
	if (r.rc != MED_OK)
		med_strlcpy(msg, r.msg, len);
	return r.rc;
}

med_err
med_infer_run(med_infer_model *m, const med_tensor *inputs, uint32_t n_inputs,
	      med_tensor *outputs, uint32_t n_outputs, char *msg,
	      size_t msg_len)
{
	char buf[256] = "";
	bool own = msg != NULL && msg_len > 0;
	char *out = own ? msg : buf;
	size_t len = own ? msg_len : sizeof(buf);
	int64_t t0 = med_mono_ns();
	med_err rc;

	rc = check_inputs(m, inputs, n_inputs, out, len);
	if (rc == MED_OK)
		rc = check_outputs(m, outputs, n_outputs, out, len);
	if (rc == MED_OK && m->has_thread)
		rc = run_queued(m, inputs, outputs, out, len);
	else if (rc == MED_OK)
		rc = backend_run(m, 1, inputs, outputs, out, len);
	med__infer_stats_request(&m->stats, rc, med_mono_ns() - t0);
	return rc;
}

static med_err
start_batcher(med_infer_model *m, const med_infer_model_opts *o)
{
	pthread_condattr_t ca;

	m->max_batch = o->max_batch > 256 ? 256 : o->max_batch;
	m->max_wait_us = o->max_wait_us;
	if (m->max_batch <= 1)
		return MED_OK;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&m->done_cv, NULL);
	if (pthread_create(&m->thread, NULL, batcher, m) != 0) {
		pthread_cond_destroy(&m->cv);
		pthread_cond_destroy(&m->done_cv);
		return MED_ERR_NOMEM;
	}
	m->has_thread = true;
	return MED_OK;
}

static med_err
plugin_load(med_infer_model *m, const med_infer_model_opts *o, char *msg,
	    size_t len)
{
	const med_plugin_ops *ops = m->be->desc->ops;
	med_plugin_err err = {0};

	if (ops->model_load(m->be->state, o->format, o->path, o->opts,
			    o->n_opts, &m->model, &err) != 0) {
		err.msg[sizeof(err.msg) - 1] = '\0';
		snprintf(msg, len, "%s", err.msg);
		return MED_ERR_INVALID;
	}
	if (ops->model_info(m->model, &m->info) != 0 ||
	    m->info.n_inputs > MED_PLUGIN_MAX_IO ||
	    m->info.n_outputs > MED_PLUGIN_MAX_IO) {
		snprintf(msg, len, "model_info failed");
		goto unload;
	}
	if (ops->instance_new(m->model, m->kind, 0, &m->instance, &err) != 0) {
		err.msg[sizeof(err.msg) - 1] = '\0';
		snprintf(msg, len, "instance: %s", err.msg);
		goto unload;
	}
	return MED_OK;
unload:
	ops->model_unload(m->model);
	return MED_ERR_INVALID;
}

static med_err
load(med_infer_host *h, const med_infer_model_opts *o, med_infer_model **out,
     char *msg, size_t msg_len)
{
	med_infer_model *m;
	med_err rc;

	if (o == NULL || o->format == NULL || (unsigned)o->device > 3) {
		snprintf(msg, msg_len, "format and device are required");
		return MED_ERR_INVALID;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return MED_ERR_NOMEM;
	rc = med__infer_choose(h, o, &m->be, &m->kind, &m->fallback, msg,
			       msg_len);
	if (rc == MED_OK)
		rc = plugin_load(m, o, msg, msg_len);
	if (rc != MED_OK)
		goto fail;
	pthread_mutex_init(&m->run_mu, NULL);
	pthread_mutex_init(&m->mu, NULL);
	char model[64];
	med__infer_model_label(o, model, sizeof(model));
	med__infer_stats_init(&m->stats, model, m->be->desc->name, m->kind,
			      m->fallback);
	rc = start_batcher(m, o);
	if (rc != MED_OK) {
		m->has_thread = false;
		med_infer_model_free(m);
		return rc;
	}
	med_log_info("inference: model %s loaded on backend %s, device %s%s",
		     o->path ? o->path : o->format, m->be->desc->name,
		     med_infer_device_name(m->kind),
		     m->fallback ? " (fallback)" : "");
	*out = m;
	return MED_OK;
fail:
	med_log_error("inference: model %s not loaded: %s",
		      o->path ? o->path : o->format, msg);
	free(m);
	return rc;
}

med_err
med_infer_model_load(med_infer_host *h, const med_infer_model_opts *o,
		     med_infer_model **out, char *msg, size_t msg_len)
{
	char buf[256] = "";

	if (msg == NULL || msg_len == 0)
		return load(h, o, out, buf, sizeof(buf));
	return load(h, o, out, msg, msg_len);
}

void
med_infer_model_free(med_infer_model *m)
{
	const med_plugin_ops *ops;

	if (m == NULL)
		return;
	if (m->has_thread) {
		pthread_mutex_lock(&m->mu);
		m->stop = true;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->thread, NULL);
		pthread_cond_destroy(&m->cv);
		pthread_cond_destroy(&m->done_cv);
	}
	med__infer_stats_fini(&m->stats);
	ops = m->be->desc->ops;
	ops->instance_free(m->instance);
	ops->model_unload(m->model);
	pthread_mutex_destroy(&m->run_mu);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

const med_model_info *
med_infer_model_info(const med_infer_model *m)
{
	return &m->info;
}

med_device_kind
med_infer_model_device(const med_infer_model *m)
{
	return m->kind;
}

bool
med_infer_model_fallback(const med_infer_model *m)
{
	return m->fallback;
}

const char *
med_infer_model_backend(const med_infer_model *m)
{
	return m->be->desc->name;
}

uint64_t
med_infer_model_runs(const med_infer_model *m)
{
	return atomic_load(&((med_infer_model *)m)->runs);
}

void
med_infer_model_describe(const med_infer_model *m, char *buf, size_t len)
{
	const med_plugin_descriptor *d = m->be->desc;

	snprintf(buf, len,
		 "backend=%s version=%s abi=%u.%u device=%s "
		 "fallback=%s",
		 d->name, d->version, d->abi_major, d->abi_minor,
		 med_infer_device_name(m->kind),
		 m->fallback ? "true" : "false");
}
