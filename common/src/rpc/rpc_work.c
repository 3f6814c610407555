/*
 * rpc_work.c - the server's handler threads.
 *
 * A completion-queue thread sorts events and prepares new calls
 * (authentication, decode, validation); a call whose rest may wait (care
 * checks, the database transaction) runs
 * here.  gRPC matches all calls of one connection to requests of the same
 * queue first, so handlers run on the queue threads served one client's
 * concurrent calls one after another: records' CreateEntry from one
 * channel ran on a single thread whatever MED_THREADS said.
 *
 * Overload (issue 54): the FIFO holds at most max_depth calls, and a call
 * that waited in it longer than the server's queue_wait_max_ms is not
 * begun.  Both are answered RESOURCE_EXHAUSTED with a retry hint before
 * any handler runs, so nothing is written; without them an overloaded
 * service answered every call, seconds late, and its queue grew without
 * bound.
 */
#include <stdlib.h>

#include "rpc_internal.h"

void
med__rpc_work_init(rpc_work *w, int max_depth)
{
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->head = w->tail = NULL;
	w->depth = 0;
	w->max_depth = max_depth;
	w->threads = NULL;
	w->n_threads = 0;
	w->stopping = false;
}

/* work_pop waits for the next call; NULL once stopping and empty. */
static med_call *
work_pop(rpc_work *w)
{
	med_call *c;

	pthread_mutex_lock(&w->mu);
	while (w->head == NULL && !w->stopping)
		pthread_cond_wait(&w->cv, &w->mu);
	c = w->head;
	if (c != NULL) {
		w->head = c->work_next;
		if (w->head == NULL)
			w->tail = NULL;
		c->work_next = NULL;
		w->depth--;
	}
	pthread_mutex_unlock(&w->mu);
	return c;
}

static void *
work_main(void *arg)
{
	rpc_work *w = arg;
	med_call *c;

	while ((c = work_pop(w)) != NULL)
		med__rpc_serve_call(c);
	return NULL;
}

med_err
med__rpc_work_start(rpc_work *w, int n)
{
	if ((w->threads = calloc((size_t)n, sizeof(*w->threads))) == NULL)
		return MED_ERR_NOMEM;
	for (; w->n_threads < n; w->n_threads++)
		if (pthread_create(&w->threads[w->n_threads], NULL, work_main,
				   w) != 0)
			return MED_ERR_NOMEM;
	return MED_OK;
}

/*
 * med__rpc_work_push queues c and wakes a handler thread after releasing
 * the lock: woken under it, on one CPU the handler would run at once,
 * block on the lock and switch back, two context switches per call
 * instead of one (issue 54).
 */
bool
med__rpc_work_push(rpc_work *w, med_call *c)
{
	pthread_mutex_lock(&w->mu);
	if (w->depth >= w->max_depth) {
		pthread_mutex_unlock(&w->mu);
		return false;
	}
	w->depth++;
	c->work_next = NULL;
	if (w->tail != NULL)
		w->tail->work_next = c;
	else
		w->head = c;
	w->tail = c;
	pthread_mutex_unlock(&w->mu);
	pthread_cond_signal(&w->cv);
	return true;
}

int
med__rpc_work_depth(rpc_work *w)
{
	int depth;

	pthread_mutex_lock(&w->mu);
	depth = w->depth;
	pthread_mutex_unlock(&w->mu);
	return depth;
}

bool
med__rpc_work_idle(rpc_work *w)
{
	bool idle;

	pthread_mutex_lock(&w->mu);
	idle = w->head == NULL;
	pthread_mutex_unlock(&w->mu);
	return idle;
}

void
med__rpc_work_stop(rpc_work *w)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	w->n_threads = 0;
	free(w->threads);
	w->threads = NULL;
}

void
med__rpc_work_fini(rpc_work *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}
