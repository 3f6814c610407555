/*
 * pool.c - the worker pool behind cv_pool_for (see pool.h).
 *
 * A job is one 64-bit word: a sequence number, the job's chunk count and
 * the next chunk to hand out.  Every thread (the caller included) takes
 * chunks by compare-and-swap on that word until none are left, so a worker
 * that the kernel has not scheduled yet (the machine is shared) costs the
 * job nothing: the others take its chunks.  A swap only succeeds while the
 * sequence number is the job's own, so a late worker can never take a
 * chunk of a later job; the caller returns once every chunk is done, and
 * only a thread holding a chunk reads the job's fields.  Between jobs a
 * worker spins a little (a graph's nodes follow each other within
 * microseconds) and then sleeps on a condition variable, so an idle
 * instance costs no CPU.
 */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#define MAX_THREADS 256
/*
 * Chunks per thread: two let the threads even out when one is late (a
 * shared machine) and keep GEMM slices wide; four measured slower on YuNet.
 */
#define CHUNKS_PER_THREAD 2
#define MAX_CHUNKS	  0xffff
#define DEFAULT_MIN_WORK  32768
/* About 50-200 microseconds of pause instructions before sleeping. */
#define SPIN 4000

/* The job word: sequence << 32 | chunks << 16 | next chunk. */
#define J_SEQ(j)    ((uint32_t)((j) >> 32))
#define J_CHUNKS(j) ((int)(((j) >> 16) & MAX_CHUNKS))
#define J_NEXT(j)   ((int)((j)&MAX_CHUNKS))

typedef struct worker {
	cv_pool *p;
	pthread_t tid;
} worker;

struct cv_pool {
	int threads;
	int started; /* workers running */
	size_t min_work;
	worker *w;
	pthread_mutex_t mu;
	pthread_cond_t go;	  /* a job or stop was published */
	pthread_cond_t done;	  /* every chunk of the job is done */
	atomic_uint_fast64_t job; /* see J_SEQ */
	atomic_int left;	  /* chunks of the job not yet done */
	atomic_bool stop;
	/* The current job: written before the job word is published, stable
	 * until left reaches 0. */
	cv_task_fn fn;
	void *ctx;
	int64_t n;
};

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* wait_job returns the first sequence number other than seen. */
static uint32_t
wait_job(cv_pool *p, uint32_t seen)
{
	uint32_t s;

	for (int i = 0; i < SPIN; i++) {
		s = J_SEQ(atomic_load_explicit(&p->job, memory_order_acquire));
		if (s != seen)
			return s;
		cpu_relax();
	}
	pthread_mutex_lock(&p->mu);
	while ((s = J_SEQ(atomic_load_explicit(&p->job,
					       memory_order_acquire))) == seen)
		pthread_cond_wait(&p->go, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return s;
}

/* take_chunk claims the next chunk of job seq; -1 when none is left. */
static int
take_chunk(cv_pool *p, uint32_t seq, int *chunks)
{
	uint_fast64_t j = atomic_load_explicit(&p->job, memory_order_acquire);

	for (;;) {
		if (J_SEQ(j) != seq || J_NEXT(j) >= J_CHUNKS(j))
			return -1;
		if (atomic_compare_exchange_weak_explicit(
			    &p->job, &j, j + 1, memory_order_acq_rel,
			    memory_order_acquire)) {
			*chunks = J_CHUNKS(j);
			return J_NEXT(j);
		}
	}
}

static void
finish_chunk(cv_pool *p)
{
	if (atomic_fetch_sub_explicit(&p->left, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_lock(&p->mu);
	pthread_cond_signal(&p->done);
	pthread_mutex_unlock(&p->mu);
}

/* work_job runs chunks of job seq until none is left. */
static void
work_job(cv_pool *p, uint32_t seq)
{
	int chunks, i;

	while ((i = take_chunk(p, seq, &chunks)) >= 0) {
		p->fn(p->ctx, p->n * i / chunks, p->n * (i + 1) / chunks);
		finish_chunk(p);
	}
}

static void *
worker_main(void *arg)
{
	worker *w = arg;
	cv_pool *p = w->p;
	uint32_t seen = 0;
	sigset_t all;

	/* Signals belong to the host's threads, never to compute workers. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		seen = wait_job(p, seen);
		if (atomic_load_explicit(&p->stop, memory_order_acquire))
			return NULL;
		work_job(p, seen);
	}
}

/* publish starts job seq + 1 with chunks chunks and wakes the workers. */
static uint32_t
publish(cv_pool *p, int chunks)
{
	pthread_mutex_lock(&p->mu);
	uint_fast64_t j = atomic_load_explicit(&p->job, memory_order_relaxed);
	uint32_t seq = J_SEQ(j) + 1;
	atomic_store_explicit(
		&p->job, (uint_fast64_t)seq << 32 | (uint_fast64_t)chunks << 16,
		memory_order_release);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	return seq;
}

static void
wait_done(cv_pool *p)
{
	for (int i = 0; i < SPIN; i++) {
		if (atomic_load_explicit(&p->left, memory_order_acquire) == 0)
			return;
		cpu_relax();
	}
	pthread_mutex_lock(&p->mu);
	while (atomic_load_explicit(&p->left, memory_order_acquire) != 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

cv_pool *
cv_pool_new(int threads, size_t min_work)
{
	cv_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->threads = threads < 1	     ? 1
		     : threads > MAX_THREADS ? MAX_THREADS
					     : threads;
	p->min_work = min_work ? min_work : DEFAULT_MIN_WORK;
	atomic_init(&p->job, 0);
	atomic_init(&p->left, 0);
	atomic_init(&p->stop, false);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->w = calloc((size_t)p->threads, sizeof(worker));
	if (p->w == NULL)
		goto fail;
	for (int i = 1; i < p->threads; i++) {
		p->w[i].p = p;
		if (pthread_create(&p->w[i].tid, NULL, worker_main, &p->w[i]))
			goto fail;
		p->started = i;
	}
	return p;
fail:
	cv_pool_free(p);
	return NULL;
}

void
cv_pool_free(cv_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store_explicit(&p->stop, true, memory_order_release);
	pthread_mutex_unlock(&p->mu);
	publish(p, 0);
	for (int i = 1; i <= p->started; i++)
		pthread_join(p->w[i].tid, NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->go);
	pthread_mutex_destroy(&p->mu);
	free(p->w);
	free(p);
}

int
cv_pool_threads(const cv_pool *p)
{
	return p ? p->threads : 1;
}

/* n_chunks: a few per thread, none below min_work, none empty. */
static int
n_chunks(const cv_pool *p, int64_t n, size_t work_per_item)
{
	double total = (double)n * (double)(work_per_item ? work_per_item : 1);
	double most = total / (double)p->min_work;
	int c = p->threads > 1 ? p->threads * CHUNKS_PER_THREAD : 1;

	if (most < c)
		c = most < 1 ? 1 : (int)most;
	return n < c ? (int)n : c;
}

void
cv_pool_for(cv_pool *p, int64_t n, size_t work_per_item, cv_task_fn fn,
	    void *ctx)
{
	int chunks;

	if (n <= 0)
		return;
	chunks = p ? n_chunks(p, n, work_per_item) : 1;
	if (chunks <= 1) {
		fn(ctx, 0, n);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	atomic_store_explicit(&p->left, chunks, memory_order_relaxed);
	work_job(p, publish(p, chunks));
	wait_done(p);
}
