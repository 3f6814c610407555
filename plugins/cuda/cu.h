/*
 * cu.h - the cuda backend's internal interface between backend.c (C: the
 * descriptor, model and instance bookkeeping), graph.cu (the operators:
 * kernel launches and cuBLAS calls per node) and runtime.cu (the CUDA
 * runtime and cuBLAS, loaded lazily).  graph.cu is also compiled as plain
 * C++ with CU_EMU for tests/unit/test_cuda_kernels.c, which supplies its
 * own cu_gemm/cu_copy on the CPU; nothing here is exported from cuda.so.
 */
#ifndef CU_H
#define CU_H

/* cpu.h is C: its functions keep C linkage in graph.cu too. */
#ifdef __cplusplus
extern "C" {
#endif

#include "cpu.h"

/* cu_ctx - one instance's execution context; err keeps the first failure. */
typedef struct cu_ctx {
	void *stream;	/* cudaStream_t (NULL under CU_EMU) */
	void *blas;	/* cublasHandle_t */
	float *scratch; /* device: im2col columns, g->scratch_bytes floats */
	int dev;
	char err[200];
} cu_ctx;

/* cu_fn - one operator's device implementation (graph.cu). */
typedef int (*cu_fn)(cu_ctx *c, const cv_graph *g, const cv_node *n,
		     void *const *ptr);

/*
 * cu_graph_bind fills fns[i] for every live node of g; an operator with no
 * device implementation is a load error naming the node.
 */
int cu_graph_bind(const cv_graph *g, cu_fn *fns, med_plugin_err *err);

/*
 * cu_graph_run enqueues every live node on c's stream; ptr[v] is value v's
 * device pointer.  Returns 0 or -1 with c->err set.
 */
int cu_graph_run(cu_ctx *c, const cv_graph *g, const cu_fn *fns,
		 void *const *ptr);

/* Row-major sgemm on c's stream (cuBLAS; a CPU loop under emulation). */
int cu_gemm(cu_ctx *c, int trans_a, int trans_b, int m, int n, int k,
	    float alpha, const float *a, int lda, const float *b, int ldb,
	    float beta, float *y, int ldc);
/* cu_copy copies bytes between device buffers on c's stream. */
int cu_copy(cu_ctx *c, void *dst, const void *src, size_t bytes);
/* cu_launched checks the last kernel launch; -1 with c->err set. */
int cu_launched(cu_ctx *c, const char *what);

/* ---- runtime.cu: devices, memory, streams ------------------------------ */

/*
 * cu_probe counts usable GPUs: the driver answers, a context can be made
 * on device 0 and cuBLAS loads.  0 with why filled when none.
 */
int cu_probe(char *why, size_t len);
/* cu_ctx_init makes c's stream and cuBLAS handle on device dev. */
int cu_ctx_init(cu_ctx *c, int dev, size_t scratch_floats);
void cu_ctx_fini(cu_ctx *c);
/* cu_enter makes c's device current for the calling thread. */
int cu_enter(cu_ctx *c);
void *cu_malloc(cu_ctx *c, size_t bytes);
void cu_free(void *p);
int cu_upload(cu_ctx *c, void *dst, const void *src, size_t bytes);
int cu_download(cu_ctx *c, void *dst, const void *src, size_t bytes);
/* cu_sync waits for c's stream; -1 with c->err set on a device error. */
int cu_sync(cu_ctx *c);

#ifdef __cplusplus
}
#endif

#endif
