/*
 * onnx_run.c - the memory plan and the run loop.  Every intermediate tensor
 * gets an offset in one arena per instance; a tensor's block is released
 * after the last node that reads it, so later tensors reuse it (best fit).
 * Graph inputs and outputs are the caller's buffers, not arena blocks.
 */
#include "cpu.h"
#include "ops.h"
#include "pool.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 64

typedef struct block {
	size_t off;
	size_t len;
} block;

typedef struct planner {
	block *free;
	int n_free;
	size_t end;
	size_t high; /* the arena size: the highest end reached */
} planner;

static size_t
plan_alloc(planner *p, size_t len)
{
	int best = -1;

	len = (len + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	for (int i = 0; i < p->n_free; i++)
		if (p->free[i].len >= len &&
		    (best < 0 || p->free[i].len < p->free[best].len))
			best = i;
	if (best < 0) {
		size_t off = p->end;
		p->end += len;
		if (p->end > p->high)
			p->high = p->end;
		return off;
	}
	size_t off = p->free[best].off;
	p->free[best].off += len;
	p->free[best].len -= len;
	if (p->free[best].len == 0)
		p->free[best] = p->free[--p->n_free];
	return off;
}

/* plan_release returns a block, merging it with free neighbours. */
static void
plan_release(planner *p, size_t off, size_t len)
{
	len = (len + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	for (int i = 0; i < p->n_free;) {
		block *b = &p->free[i];
		if (b->off + b->len == off || off + len == b->off) {
			if (b->off < off)
				off = b->off;
			len += b->len;
			p->free[i] = p->free[--p->n_free];
			i = 0;
			continue;
		}
		i++;
	}
	if (off + len == p->end) {
		p->end = off;
		return;
	}
	p->free[p->n_free].off = off;
	p->free[p->n_free].len = len;
	p->n_free++;
}

static void
mark_live(cv_graph *g)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead)
			continue;
		for (int k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0)
				g->vals[n->in[k]].last_use = i;
		for (int k = 0; k < n->n_out; k++) {
			cv_value *v =
				n->out[k] >= 0 ? &g->vals[n->out[k]] : NULL;
			if (v && v->kind != V_CONST && v->kind != V_INPUT)
				v->kind = V_ACT;
		}
	}
}

static bool
in_arena(const cv_value *v)
{
	return v->kind == V_ACT && !v->is_output;
}

int
cv_graph_plan(cv_graph *g, med_plugin_err *err)
{
	planner p = {calloc((size_t)g->n_vals + 1, sizeof(block)), 0, 0, 0};

	if (p.free == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "plan");
	mark_live(g);
	for (int i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead)
			continue;
		for (int k = 0; k < n->n_out; k++) {
			cv_value *v =
				n->out[k] >= 0 ? &g->vals[n->out[k]] : NULL;
			if (v && in_arena(v))
				v->offset = plan_alloc(&p, v->bytes);
		}
		for (int k = 0; k < n->n_in; k++) {
			cv_value *v = n->in[k] >= 0 ? &g->vals[n->in[k]] : NULL;
			bool first = true;
			for (int j = 0; j < k; j++)
				first = first && n->in[j] != n->in[k];
			if (v && first && in_arena(v) && v->last_use == i)
				plan_release(&p, v->offset, v->bytes);
		}
		/* An output nobody reads is released at once. */
		for (int k = 0; k < n->n_out; k++) {
			cv_value *v =
				n->out[k] >= 0 ? &g->vals[n->out[k]] : NULL;
			if (v && in_arena(v) && v->last_use < 0)
				plan_release(&p, v->offset, v->bytes);
		}
	}
	g->arena_bytes = p.high;
	free(p.free);
	if (g->arena_bytes > CV_MAX_ARENA)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "activations need %zu bytes", g->arena_bytes);
	return 0;
}

void
cv_graph_run(const cv_graph *g, cv_exec *x)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (!n->dead)
			n->op->run(g, n, x);
	}
}

void
cv_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
	 const float *a, int lda, const float *b, int ldb, float beta, float *c,
	 int ldc)
{
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		    trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda,
		    b, ldb, beta, c, ldc);
}

/*
 * cv_blas_init: OpenBLAS's own threads would compete with the pool's and
 * spin (sched_yield) through every kernel that is not a GEMM; one OpenBLAS
 * thread per caller, the pool splitting the GEMMs, keeps one thread per
 * core.  OpenBLAS is safe to call from several threads at one thread each.
 */
void
cv_blas_init(void)
{
	openblas_set_num_threads(1);
}

typedef struct gemm_job {
	int ta, tb, m, k, lda, ldb, ldc;
	float alpha, beta;
	const float *a, *b;
	float *c;
	int64_t n;
} gemm_job;

/* gemm_cols: columns [lo, hi) * 16 of C. */
static void
gemm_cols(void *ctx, int64_t lo, int64_t hi)
{
	const gemm_job *j = ctx;
	int64_t c0 = lo * 16, c1 = hi * 16 < j->n ? hi * 16 : j->n;
	const float *b = j->b + (j->tb ? c0 * j->ldb : c0);

	cv_sgemm(j->ta, j->tb, j->m, (int)(c1 - c0), j->k, j->alpha, j->a,
		 j->lda, b, j->ldb, j->beta, j->c + c0, j->ldc);
}

void
cv_sgemm_split(cv_pool *p, int trans_a, int trans_b, int m, int n, int k,
	       float alpha, const float *a, int lda, const float *b, int ldb,
	       float beta, float *c, int ldc)
{
	gemm_job j = {trans_a, trans_b, m, k, lda, ldb, ldc,
		      alpha,   beta,	a, b, c,   n};

	cv_pool_for(p, ((int64_t)n + 15) / 16, (size_t)32 * m * k, gemm_cols,
		    &j);
}
