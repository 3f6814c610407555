/*
 * graph.cu - the cuda backend's operators: per node, the parameters of a
 * kernel body (kernels.h) and its launch, or a cuBLAS sgemm (Conv through
 * im2col, 1x1 convolutions straight to sgemm, Gemm, MatMul).  The graph,
 * its shapes and attributes come from the cpu backend's loader (cpu.h).
 *
 * Built twice: by nvcc into cuda.so, and as plain C++ with CU_EMU into
 * tests/unit/test_cuda_kernels.c, where launch() walks the same grid on the
 * CPU (every block, every thread, the grid-stride loop) instead of
 * launching it.  Only launch() differs between the two.
 */
#include "cu.h"
#include "kernels.h"

#include <string.h>

#define CU_BLOCK      256u
#define CU_MAX_BLOCKS 16384u

static size_t
grid_for(size_t n)
{
	size_t b = (n + CU_BLOCK - 1) / CU_BLOCK;

	return b < CU_MAX_BLOCKS ? b : CU_MAX_BLOCKS;
}

/* grid_step is one thread's share of a grid-stride loop. */
template <class F>
CU_HD void
grid_step(const F &f, size_t n, size_t block, size_t thread, size_t bdim,
	  size_t gdim)
{
	for (size_t i = block * bdim + thread; i < n; i += bdim * gdim)
		f(i);
}

#ifdef CU_EMU
template <class F>
static int
launch(cu_ctx *c, const char *what, size_t n, const F &f)
{
	size_t grid = grid_for(n);

	(void)c;
	(void)what;
	for (size_t b = 0; b < grid; b++)
		for (size_t t = 0; t < CU_BLOCK; t++)
			grid_step(f, n, b, t, CU_BLOCK, grid);
	return 0;
}
#else
template <class F>
__global__ void
each(F f, size_t n)
{
	grid_step(f, n, blockIdx.x, threadIdx.x, blockDim.x, gridDim.x);
}

template <class F>
static int
launch(cu_ctx *c, const char *what, size_t n, const F &f)
{
	if (n == 0)
		return 0;
	each<<<(unsigned)grid_for(n), CU_BLOCK, 0, (cudaStream_t)c->stream>>>(
		f, n);
	return cu_launched(c, what);
}
#endif

/* ---- helpers ------------------------------------------------------------ */

static const cv_value *
val_in(const cv_graph *g, const cv_node *n, int i)
{
	return i < n->n_in && n->in[i] >= 0 ? &g->vals[n->in[i]] : NULL;
}

static const cv_value *
val_out(const cv_graph *g, const cv_node *n)
{
	return &g->vals[n->out[0]];
}

static const void *
in_ptr(void *const *ptr, const cv_node *n, int i)
{
	return i < n->n_in && n->in[i] >= 0 ? ptr[n->in[i]] : NULL;
}

/* bcast_strides: v's element strides aligned to out's dims, 0 = bcast. */
static void
bcast_strides(const cv_value *v, int v_ndim, int out_ndim, int64_t *st)
{
	int64_t s = 1;

	for (int i = out_ndim - 1; i >= 0; i--) {
		int iv = i - (out_ndim - v_ndim);
		int64_t d = iv >= 0 ? v->dims[iv] : 1;
		st[i] = d == 1 ? 0 : s;
		s *= d;
	}
}

/* row_strides: the dense row-major strides of v. */
static void
row_strides(const cv_value *v, int64_t *st)
{
	int64_t s = 1;

	for (int i = v->ndim - 1; i >= 0; i--) {
		st[i] = s;
		s *= v->dims[i];
	}
}

static cu_win
win_of(const cv_graph *g, const cv_node *n)
{
	const cv_value *x = val_in(g, n, 0), *y = val_out(g, n);
	const cv_attrs *a = &n->a;
	cu_win w = {x->dims[2],	  x->dims[3],	y->dims[2],    y->dims[3],
		    a->kernel[0], a->kernel[1], a->strides[0], a->strides[1],
		    a->pads[0],	  a->pads[1],	a->pads[2],    a->pads[3],
		    a->dil[0],	  a->dil[1]};
	return w;
}

/* ---- element-wise -------------------------------------------------------- */

static int
unary(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr, int op)
{
	k_unary k = {(const float *)in_ptr(ptr, n, 0),
		     (float *)ptr[n->out[0]],
		     op,
		     n->a.alpha,
		     n->a.min,
		     n->a.max};
	return launch(c, n->op->name, val_out(g, n)->n, k);
}

#define UNARY(fname, op)                                                       \
	static int fname(cu_ctx *c, const cv_graph *g, const cv_node *n,       \
			 void *const *ptr)                                     \
	{                                                                      \
		return unary(c, g, n, ptr, op);                                \
	}
UNARY(run_relu, U_RELU)
UNARY(run_sigmoid, U_SIGMOID)
UNARY(run_leaky, U_LEAKY)
UNARY(run_exp, U_EXP)
UNARY(run_tanh, U_TANH)
UNARY(run_clip, U_CLIP)

static int
binary(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr, int op)
{
	const cv_value *a = val_in(g, n, 0), *b = val_in(g, n, 1);
	const cv_value *y = val_out(g, n);
	k_binary k;

	memset(&k, 0, sizeof(k));
	k.a = in_ptr(ptr, n, 0);
	k.b = in_ptr(ptr, n, 1);
	k.y = ptr[n->out[0]];
	k.op = op;
	k.nd = y->ndim;
	k.is_f32 = y->dtype == MED_DTYPE_F32;
	memcpy(k.dims, y->dims, sizeof(k.dims));
	bcast_strides(a, a->ndim, y->ndim, k.sa);
	bcast_strides(b, b->ndim, y->ndim, k.sb);
	return launch(c, n->op->name, y->n, k);
}

#define BINARY(fname, op)                                                      \
	static int fname(cu_ctx *c, const cv_graph *g, const cv_node *n,       \
			 void *const *ptr)                                     \
	{                                                                      \
		return binary(c, g, n, ptr, op);                               \
	}
BINARY(run_add, B_ADD)
BINARY(run_sub, B_SUB)
BINARY(run_mul, B_MUL)
BINARY(run_div, B_DIV)
BINARY(run_prelu, B_PRELU)

static int
run_copy(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	return cu_copy(c, ptr[n->out[0]], in_ptr(ptr, n, 0),
		       val_out(g, n)->bytes);
}

static int
run_bn(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0);
	int64_t inner = 1;

	for (int i = 2; i < x->ndim; i++)
		inner *= x->dims[i];
	k_bn k = {(const float *)in_ptr(ptr, n, 0),
		  (const float *)in_ptr(ptr, n, 1),
		  (const float *)in_ptr(ptr, n, 2),
		  (const float *)in_ptr(ptr, n, 3),
		  (const float *)in_ptr(ptr, n, 4),
		  (float *)ptr[n->out[0]],
		  n->a.epsilon,
		  x->dims[1],
		  inner};
	return launch(c, "BatchNormalization", x->n, k);
}

static int
run_softmax(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	int64_t outer, len, inner;

	cv_softmax_dims(g, n, &outer, &len, &inner);
	k_softmax k = {(const float *)in_ptr(ptr, n, 0),
		       (float *)ptr[n->out[0]], len, inner};
	return launch(c, "Softmax", (size_t)(outer * inner), k);
}

/* ---- Gemm, MatMul, Conv ------------------------------------------------- */

static int
run_gemm(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *a = val_in(g, n, 0), *b = val_in(g, n, 1);
	const cv_value *cv = val_in(g, n, 2), *y = val_out(g, n);
	float *yp = (float *)ptr[n->out[0]];
	int m = (int)y->dims[0], nn = (int)y->dims[1];
	float beta = 0;

	if (cv && n->a.beta != 0) {
		int64_t st[2];
		bcast_strides(cv, cv->ndim, 2, st);
		k_bcast2 k = {(const float *)in_ptr(ptr, n, 2), yp, nn, st[0],
			      st[1]};
		if (launch(c, "Gemm", y->n, k))
			return -1;
		beta = n->a.beta;
	}
	return cu_gemm(c, n->a.trans_a, n->a.trans_b, m, nn,
		       (int)a->dims[n->a.trans_a ? 0 : 1], n->a.alpha,
		       (const float *)in_ptr(ptr, n, 0), (int)a->dims[1],
		       (const float *)in_ptr(ptr, n, 1), (int)b->dims[1], beta,
		       yp, nn);
}

/* run_matmul: one sgemm per broadcast batch of [m,k] x [k,n]. */
static int
run_matmul(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *a = val_in(g, n, 0), *b = val_in(g, n, 1);
	const cv_value *y = val_out(g, n);
	int m = (int)a->dims[a->ndim - 2], k = (int)a->dims[a->ndim - 1];
	int nn = (int)b->dims[b->ndim - 1], bd = y->ndim - 2;
	int64_t sa[CU_MAX_DIMS], sb[CU_MAX_DIMS];
	size_t batches = y->n / ((size_t)m * (size_t)nn);

	bcast_strides(a, a->ndim - 2, bd, sa);
	bcast_strides(b, b->ndim - 2, bd, sb);
	for (size_t t = 0; t < batches; t++) {
		int64_t ia = 0, ib = 0;
		size_t r = t;
		for (int d = bd - 1; d >= 0; d--) {
			int64_t i = (int64_t)(r % (size_t)y->dims[d]);
			r /= (size_t)y->dims[d];
			ia += i * sa[d];
			ib += i * sb[d];
		}
		if (cu_gemm(c, 0, 0, m, nn, k, 1.0f,
			    (const float *)in_ptr(ptr, n, 0) + ia * m * k, k,
			    (const float *)in_ptr(ptr, n, 1) + ib * k * nn, nn,
			    0, (float *)ptr[n->out[0]] + t * (size_t)m * nn,
			    nn))
			return -1;
	}
	return 0;
}

static bool
conv_direct(const cv_attrs *a)
{
	return a->kernel[0] == 1 && a->kernel[1] == 1 && a->strides[0] == 1 &&
	       a->strides[1] == 1 && a->pads[0] == 0 && a->pads[1] == 0 &&
	       a->pads[2] == 0 && a->pads[3] == 0;
}

/* conv_groups: per group im2col (unless 1x1) and sgemm, for item xb. */
static int
conv_groups(cu_ctx *c, const cv_node *n, cu_win w, int64_t cin, int64_t m,
	    const float *xb, const float *wt, float *yb)
{
	const cv_attrs *a = &n->a;
	int64_t cg = cin / a->group, mg = m / a->group, ohw = w.oh * w.ow;
	int64_t k = cg * w.kh * w.kw;

	for (int64_t gi = 0; gi < a->group; gi++) {
		const float *xg = xb + gi * cg * w.h * w.w;
		if (!conv_direct(a)) {
			k_im2col kc = {xg, c->scratch, w};
			if (launch(c, "Conv/im2col", (size_t)(k * ohw), kc))
				return -1;
			xg = c->scratch;
		}
		if (cu_gemm(c, 0, 0, (int)mg, (int)ohw, (int)k, 1.0f,
			    wt + gi * mg * k, (int)k, xg, (int)ohw, 0,
			    yb + gi * mg * ohw, (int)ohw))
			return -1;
	}
	return 0;
}

static int
run_conv(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0), *y = val_out(g, n);
	const float *wt = (const float *)in_ptr(ptr, n, 1);
	const float *bias = (const float *)in_ptr(ptr, n, 2);
	cu_win w = win_of(g, n);
	int64_t cin = x->dims[1], m = y->dims[1], ohw = w.oh * w.ow;
	bool dw = cin / n->a.group == 1 && m / n->a.group == 1;

	for (int64_t b = 0; b < x->dims[0]; b++) {
		const float *xb =
			(const float *)in_ptr(ptr, n, 0) + b * cin * w.h * w.w;
		float *yb = (float *)ptr[n->out[0]] + b * m * ohw;
		if (dw) {
			k_depthwise k = {xb, wt, bias, yb, w, n->a.fuse_relu};
			if (launch(c, "Conv/depthwise", (size_t)(m * ohw), k))
				return -1;
			continue;
		}
		if (conv_groups(c, n, w, cin, m, xb, wt, yb))
			return -1;
		if (!bias && !n->a.fuse_relu)
			continue;
		k_bias kb = {yb, bias, m, ohw, n->a.fuse_relu};
		if (launch(c, "Conv/bias", (size_t)(m * ohw), kb))
			return -1;
	}
	return 0;
}

/* ---- pooling and Resize -------------------------------------------------- */

static int
pool(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr,
     int is_max)
{
	k_pool k = {(const float *)in_ptr(ptr, n, 0), (float *)ptr[n->out[0]],
		    win_of(g, n), is_max, n->a.count_include_pad};
	return launch(c, n->op->name, val_out(g, n)->n, k);
}

static int
run_maxpool(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	return pool(c, g, n, ptr, 1);
}

static int
run_avgpool(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	return pool(c, g, n, ptr, 0);
}

static int
run_gap(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0);
	size_t outer = (size_t)(x->dims[0] * x->dims[1]);
	k_gap k = {(const float *)in_ptr(ptr, n, 0), (float *)ptr[n->out[0]],
		   (int64_t)(x->n / outer)};
	return launch(c, "GlobalAveragePool", outer, k);
}

static int
run_resize(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0), *y = val_out(g, n);
	k_resize k = {(const float *)in_ptr(ptr, n, 0),
		      (float *)ptr[n->out[0]],
		      x->dims[2],
		      x->dims[3],
		      y->dims[2],
		      y->dims[3],
		      n->a.mode,
		      n->a.coord,
		      n->a.nearest,
		      n->a.scales[2],
		      n->a.scales[3]};
	return launch(c, "Resize", y->n, k);
}

/* ---- data movement ------------------------------------------------------- */

static int
run_transpose(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0), *y = val_out(g, n);
	int64_t st[CU_MAX_DIMS];
	k_strided k;

	memset(&k, 0, sizeof(k));
	row_strides(x, st);
	k.x = in_ptr(ptr, n, 0);
	k.y = ptr[n->out[0]];
	k.es = (int)cv_dtype_size(x->dtype);
	k.nd = y->ndim;
	for (int i = 0; i < y->ndim; i++) {
		k.dims[i] = y->dims[i];
		k.st[i] = st[n->a.perm[i]];
	}
	return launch(c, "Transpose", y->n, k);
}

/* Slice keeps its starts in a.axes (ops_data.c, step 1 only). */
static int
run_slice(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0), *y = val_out(g, n);
	k_strided k;

	memset(&k, 0, sizeof(k));
	row_strides(x, k.st);
	k.x = in_ptr(ptr, n, 0);
	k.y = ptr[n->out[0]];
	k.es = (int)cv_dtype_size(x->dtype);
	k.nd = y->ndim;
	for (int i = 0; i < y->ndim; i++) {
		k.dims[i] = y->dims[i];
		k.base += n->a.axes[i] * k.st[i];
	}
	return launch(c, "Slice", y->n, k);
}

static int
run_concat(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *y = val_out(g, n);
	int64_t inner = 1, off = 0;

	for (int i = (int)n->a.axis + 1; i < y->ndim; i++)
		inner *= y->dims[i];
	for (int i = 0; i < n->n_in; i++) {
		const cv_value *v = val_in(g, n, i);
		int64_t len = v->dims[n->a.axis] * inner;
		k_concat k = {in_ptr(ptr, n, i),
			      ptr[n->out[0]],
			      (int)cv_dtype_size(y->dtype),
			      len,
			      y->dims[n->a.axis] * inner,
			      off};
		if (launch(c, "Concat", v->n, k))
			return -1;
		off += len;
	}
	return 0;
}

static int
run_gather(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	const cv_value *x = val_in(g, n, 0), *ix = val_in(g, n, 1);
	int64_t inner = 1;

	for (int i = (int)n->a.axis + 1; i < x->ndim; i++)
		inner *= x->dims[i];
	k_gather k = {in_ptr(ptr, n, 0),
		      (const int64_t *)in_ptr(ptr, n, 1),
		      ptr[n->out[0]],
		      (int)cv_dtype_size(x->dtype),
		      x->dims[n->a.axis],
		      (int64_t)ix->n,
		      inner};
	return launch(c, "Gather", val_out(g, n)->n, k);
}

static int
run_cast(cu_ctx *c, const cv_graph *g, const cv_node *n, void *const *ptr)
{
	k_cast k = {in_ptr(ptr, n, 0), ptr[n->out[0]],
		    (int)val_in(g, n, 0)->dtype, n->a.to};
	return launch(c, "Cast", val_out(g, n)->n, k);
}

/* ---- the table ----------------------------------------------------------- */

typedef struct cu_op {
	const char *name;
	cu_fn fn;
} cu_op;

/* Every operator of the cpu backend's table that runs (not folded). */
static const cu_op cu_ops[] = {
	{"Relu", run_relu},
	{"Sigmoid", run_sigmoid},
	{"LeakyRelu", run_leaky},
	{"Exp", run_exp},
	{"Tanh", run_tanh},
	{"Clip", run_clip},
	{"Identity", run_copy},
	{"Dropout", run_copy},
	{"Add", run_add},
	{"Sub", run_sub},
	{"Mul", run_mul},
	{"Div", run_div},
	{"PRelu", run_prelu},
	{"BatchNormalization", run_bn},
	{"Softmax", run_softmax},
	{"Gemm", run_gemm},
	{"MatMul", run_matmul},
	{"Conv", run_conv},
	{"MaxPool", run_maxpool},
	{"AveragePool", run_avgpool},
	{"GlobalAveragePool", run_gap},
	{"Resize", run_resize},
	{"Gather", run_gather},
	{"Unsqueeze", run_copy},
	{"Squeeze", run_copy},
	{"Reshape", run_copy},
	{"Flatten", run_copy},
	{"Concat", run_concat},
	{"Transpose", run_transpose},
	{"Slice", run_slice},
	{"Cast", run_cast},
};

int
cu_graph_bind(const cv_graph *g, cu_fn *fns, med_plugin_err *err)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		fns[i] = NULL;
		if (n->dead)
			continue;
		for (size_t k = 0; k < sizeof(cu_ops) / sizeof(cu_ops[0]); k++)
			if (strcmp(cu_ops[k].name, n->op->name) == 0)
				fns[i] = cu_ops[k].fn;
		if (fns[i] == NULL)
			return cv_fail(err, MED_PLUGIN_EUNSUP,
				       "node '%s' (%s): no cuda kernel",
				       n->name, n->op->name);
	}
	return 0;
}

int
cu_graph_run(cu_ctx *c, const cv_graph *g, const cu_fn *fns, void *const *ptr)
{
	for (int i = 0; i < g->n_nodes; i++)
		if (!g->nodes[i].dead && fns[i](c, g, &g->nodes[i], ptr))
			return -1;
	return 0;
}
