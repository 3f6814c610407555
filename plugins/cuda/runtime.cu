/*
 * runtime.cu - the cuda backend's device side: the probe, memory, streams,
 * copies and cuBLAS.  The CUDA runtime is linked statically (cuda.so needs
 * only the driver, libcuda.so.1, which the runtime itself dlopens), and
 * cuBLAS is dlopen'ed lazily, only once the driver has reported a device:
 * so cuda.so loads on any machine, with or without CUDA installed, and a
 * machine without a GPU never touches cuBLAS.  cuBLAS is looked up by
 * soname first (ld.so.conf, LD_LIBRARY_PATH: the CUDA images) and then in
 * CU_CUBLAS_DIR, the toolkit's library directory found at build time from
 * nvcc's location.  Every failure is returned with cudaGetErrorString's
 * text; nothing here aborts.
 */
#include "cu.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stdio.h>

#define STR_(x)	      #x
#define STR(x)	      STR_(x)
#define CUBLAS_SONAME "libcublas.so." STR(CUBLAS_VER_MAJOR)

/* The cuBLAS entry points used, resolved by cublas_load. */
static struct {
	void *dl;
	decltype(&cublasCreate_v2) create;
	decltype(&cublasDestroy_v2) destroy;
	decltype(&cublasSetStream_v2) set_stream;
	decltype(&cublasSgemm_v2) sgemm;
} blas;

static void *
cublas_open(void)
{
	void *dl = dlopen(CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
#ifdef CU_CUBLAS_DIR
	if (dl == NULL)
		dl = dlopen(CU_CUBLAS_DIR "/" CUBLAS_SONAME,
			    RTLD_NOW | RTLD_LOCAL);
#endif
	return dl;
}

/* cublas_load: called from the probe (init: one thread at a time). */
static int
cublas_load(char *why, size_t len)
{
	if (blas.dl)
		return 0;
	void *dl = cublas_open();
	if (dl == NULL) {
		snprintf(why, len, "%s not found", CUBLAS_SONAME);
		return -1;
	}
	blas.create = (decltype(blas.create))dlsym(dl, "cublasCreate_v2");
	blas.destroy = (decltype(blas.destroy))dlsym(dl, "cublasDestroy_v2");
	blas.set_stream =
		(decltype(blas.set_stream))dlsym(dl, "cublasSetStream_v2");
	blas.sgemm = (decltype(blas.sgemm))dlsym(dl, "cublasSgemm_v2");
	if (!blas.create || !blas.destroy || !blas.set_stream || !blas.sgemm) {
		snprintf(why, len, "%s lacks cublasSgemm_v2 and friends",
			 CUBLAS_SONAME);
		dlclose(dl);
		return -1;
	}
	blas.dl = dl;
	return 0;
}

static int
fail(cu_ctx *c, const char *what, cudaError_t e)
{
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof(c->err), "%s: %s", what,
			 cudaGetErrorString(e));
	return -1;
}

int
cu_probe(char *why, size_t len)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess) {
		snprintf(why, len, "no CUDA device (cudaGetDeviceCount: %s)",
			 cudaGetErrorString(e));
		return 0;
	}
	if (n <= 0) {
		snprintf(why, len, "no CUDA device");
		return 0;
	}
	/* "Available" means usable: make a context on the first device. */
	if ((e = cudaSetDevice(0)) != cudaSuccess ||
	    (e = cudaFree(NULL)) != cudaSuccess) {
		snprintf(why, len, "CUDA device 0 unusable: %s",
			 cudaGetErrorString(e));
		return 0;
	}
	if (cublas_load(why, len))
		return 0;
	return n;
}

int
cu_enter(cu_ctx *c)
{
	cudaError_t e = cudaSetDevice(c->dev);

	return e == cudaSuccess ? 0 : fail(c, "cudaSetDevice", e);
}

int
cu_ctx_init(cu_ctx *c, int dev, size_t scratch_floats)
{
	cudaStream_t s = NULL;
	cublasHandle_t h = NULL;
	cudaError_t e;

	c->dev = dev;
	if (cu_enter(c))
		return -1;
	if ((e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)) !=
	    cudaSuccess)
		return fail(c, "cudaStreamCreate", e);
	c->stream = s;
	if (blas.create(&h) != CUBLAS_STATUS_SUCCESS) {
		snprintf(c->err, sizeof(c->err), "cublasCreate failed");
		return -1;
	}
	c->blas = h;
	if (blas.set_stream(h, s) != CUBLAS_STATUS_SUCCESS) {
		snprintf(c->err, sizeof(c->err), "cublasSetStream failed");
		return -1;
	}
	c->scratch = (float *)cu_malloc(c, (scratch_floats + 1) * 4);
	return c->scratch ? 0 : -1;
}

void
cu_ctx_fini(cu_ctx *c)
{
	if (c->stream)
		cudaStreamSynchronize((cudaStream_t)c->stream);
	cu_free(c->scratch);
	if (c->blas)
		blas.destroy((cublasHandle_t)c->blas);
	if (c->stream)
		cudaStreamDestroy((cudaStream_t)c->stream);
	c->scratch = NULL;
	c->blas = NULL;
	c->stream = NULL;
}

void *
cu_malloc(cu_ctx *c, size_t bytes)
{
	void *p = NULL;
	cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);

	if (e != cudaSuccess) {
		fail(c, "cudaMalloc", e);
		return NULL;
	}
	return p;
}

void
cu_free(void *p)
{
	if (p)
		cudaFree(p);
}

static int
copy(cu_ctx *c, void *dst, const void *src, size_t bytes, cudaMemcpyKind k,
     const char *what)
{
	cudaError_t e;

	if (bytes == 0)
		return 0;
	e = cudaMemcpyAsync(dst, src, bytes, k, (cudaStream_t)c->stream);
	return e == cudaSuccess ? 0 : fail(c, what, e);
}

int
cu_upload(cu_ctx *c, void *dst, const void *src, size_t bytes)
{
	return copy(c, dst, src, bytes, cudaMemcpyHostToDevice,
		    "cudaMemcpy host to device");
}

int
cu_download(cu_ctx *c, void *dst, const void *src, size_t bytes)
{
	return copy(c, dst, src, bytes, cudaMemcpyDeviceToHost,
		    "cudaMemcpy device to host");
}

int
cu_copy(cu_ctx *c, void *dst, const void *src, size_t bytes)
{
	return copy(c, dst, src, bytes, cudaMemcpyDeviceToDevice,
		    "cudaMemcpy device to device");
}

int
cu_sync(cu_ctx *c)
{
	cudaError_t e = cudaStreamSynchronize((cudaStream_t)c->stream);

	return e == cudaSuccess ? 0 : fail(c, "cudaStreamSynchronize", e);
}

int
cu_launched(cu_ctx *c, const char *what)
{
	cudaError_t e = cudaGetLastError();

	return e == cudaSuccess ? 0 : fail(c, what, e);
}

/*
 * cu_gemm: row-major Y = alpha op(A) op(B) + beta Y through column-major
 * cuBLAS, computed as Y^T = op(B)^T op(A)^T (swap the operands).
 */
int
cu_gemm(cu_ctx *c, int trans_a, int trans_b, int m, int n, int k, float alpha,
	const float *a, int lda, const float *b, int ldb, float beta, float *y,
	int ldc)
{
	cublasStatus_t s = blas.sgemm((cublasHandle_t)c->blas,
				      trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
				      trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m,
				      k, &alpha, b, ldb, a, lda, &beta, y, ldc);

	if (s == CUBLAS_STATUS_SUCCESS)
		return 0;
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof(c->err), "cublasSgemm: status %d",
			 (int)s);
	return -1;
}
