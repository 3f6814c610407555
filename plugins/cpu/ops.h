/*
 * ops.h - helpers and tables shared by the ops_*.c operator files.
 */
#ifndef CPU_OPS_H
#define CPU_OPS_H

#include "cpu.h"

#include <stdint.h>
#include <string.h>

/*
 * Hot loops are built for AVX2/AVX-512 as well as the baseline; the loader
 * picks one for the CPU it runs on (GCC function multi-versioning).
 */
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))

/*
 * cv_leaky is LeakyRelu, v >= 0 ? v : slope * v, written as a select of
 * bits: GCC keeps -ftrapping-math and will not make unconditional a
 * multiply that only one side of a ?: needs, so the plain form stays a
 * branch per element (mispredicted on mixed signs) and never vectorises.
 * The unfused operator and a Conv's fused epilogue both use it, so their
 * results are the same bit for bit.
 */
static inline float
cv_leaky(float v, float slope)
{
	float t = slope * v;
	uint32_t keep = -(uint32_t)(v >= 0), a, b;

	memcpy(&a, &v, sizeof(a));
	memcpy(&b, &t, sizeof(b));
	a = (a & keep) | (b & ~keep);
	memcpy(&t, &a, sizeof(t));
	return t;
}

/*
 * cv_clip is Clip, fminf(fmaxf(v, lo), hi), written as a select of values
 * so that it vectorises: GCC leaves fminf and fmaxf calls into libm (their
 * NaN rules), which took half of a MobileNetV2's run.  It gives what they
 * give, a NaN included (lo, as the cuda backend's fmaxf does).  The
 * unfused operator and a Conv's fused epilogue both use it.
 */
static inline float
cv_clip(float v, float lo, float hi)
{
	return !(v >= lo) ? lo : v > hi ? hi : v;
}

int op_infer_same(cv_graph *g, cv_node *n, const cv_attr_src *s,
		  med_plugin_err *err);
void op_run_copy(const cv_graph *g, const cv_node *n, cv_exec *x);
/* op_broadcast: numpy broadcasting of a and b into dims; -1 if not. */
int op_broadcast(const cv_value *a, const cv_value *b, int *ndim,
		 int64_t *dims);

/*
 * cv_sgemm_split is cv_sgemm with C's columns split over the pool in
 * blocks of 16; every element is computed as cv_sgemm would.
 */
void cv_sgemm_split(struct cv_pool *p, int trans_a, int trans_b, int m, int n,
		    int k, float alpha, const float *a, int lda, const float *b,
		    int ldb, float beta, float *c, int ldc);

extern const cv_op op_elem_table[];
extern const cv_op op_conv_table[];
extern const cv_op op_data_table[];

#endif
