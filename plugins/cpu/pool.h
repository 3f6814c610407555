/*
 * pool.h - the cpu backend's worker pool: one per model instance, its
 * threads created once by cv_pool_new and parked between runs, so a kernel
 * can split its work without creating threads.  The calling thread is
 * worker 0 and works too.  Not thread-safe: one cv_pool_for at a time per
 * pool, which the ABI's "run is never concurrent on one instance" gives.
 */
#ifndef CPU_POOL_H
#define CPU_POOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct cv_pool cv_pool;

/* cv_task_fn does items [lo, hi) of one cv_pool_for call (one chunk). */
typedef void (*cv_task_fn)(void *ctx, int64_t lo, int64_t hi);

/*
 * cv_pool_new starts threads - 1 workers (none for threads <= 1).
 * min_work: the least work (in the caller's units, about one float
 * operation each) worth a chunk of its own; 0 picks the default.  Returns
 * NULL when a thread or memory cannot be had.
 */
cv_pool *cv_pool_new(int threads, size_t min_work);

/* cv_pool_free stops and joins the workers; accepts NULL. */
void cv_pool_free(cv_pool *p);

/* cv_pool_threads: the thread count, the caller included (1 for NULL). */
int cv_pool_threads(const cv_pool *p);

/*
 * cv_pool_for splits [0, n) into contiguous chunks, two per thread at
 * most and none with less than min_work (work_per_item per item), runs
 * them on whichever threads come first, the caller included, and returns
 * when all are done.  The chunk bounds depend only on n, the costs and
 * the thread count, never on timing, so neither do the results.
 */
void cv_pool_for(cv_pool *p, int64_t n, size_t work_per_item, cv_task_fn fn,
		 void *ctx);

#endif
