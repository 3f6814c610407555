/*
 * ops_elem.c - element-wise operators (activations, broadcasting binary
 * arithmetic, PRelu, BatchNormalization), Softmax, Gemm and MatMul.
 */
#include "cpu.h"
#include "ops.h"
#include "pool.h"
#include "scalar.h"

#include <math.h>
#include <string.h>

/* ---- unary ------------------------------------------------------------ */

int
op_infer_same(cv_graph *g, cv_node *n, const cv_attr_src *s,
	      med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);

	(void)s;
	if (x == NULL)
		return cv_node_fail(err, n, "missing input");
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, x->ndim, x->dims, n,
			    err);
}

static int
infer_float(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);

	if (x && x->dtype != MED_DTYPE_F32)
		return cv_node_fail(err, n, "input must be float");
	if (n->n_out > 1 && strcmp(n->op->name, "Dropout") != 0)
		return cv_node_fail(err, n, "one output expected");
	n->a.alpha = cv_attr_float(s, "alpha", 0.01f);
	return op_infer_same(g, n, s, err);
}

/* unary_job - an element-wise operator's operands for the pool. */
typedef struct unary_job {
	const float *in;
	float *out;
	float alpha, min, max;
} unary_job;

/*
 * UNARY defines fname over elements, cost: its work per element.  The
 * loop reads its operands into locals first: with -fno-strict-aliasing a
 * store through j->out could change j itself, so GCC would reload j->in
 * every element and not vectorise.  in and out never overlap (the plan
 * gives an output its own block), hence restrict.
 */
#define UNARY(fname, cost, expr)                                               \
	HOT static void fname##_chunk(void *ctx, int64_t lo, int64_t hi)       \
	{                                                                      \
		const unary_job *j = ctx;                                      \
		const float *restrict in = j->in;                              \
		float *restrict out = j->out;                                  \
		float alpha = j->alpha, lo_v = j->min, hi_v = j->max;          \
		(void)alpha, (void)lo_v, (void)hi_v;                           \
		for (int64_t i = lo; i < hi; i++) {                            \
			float v = in[i];                                       \
			out[i] = (expr);                                       \
		}                                                              \
	}                                                                      \
	static void fname(const cv_graph *g, const cv_node *n, cv_exec *x)     \
	{                                                                      \
		unary_job j = {x->ptr[n->in[0]], x->ptr[n->out[0]],            \
			       n->a.alpha, n->a.min, n->a.max};                \
		cv_pool_for(x->pool, (int64_t)g->vals[n->out[0]].n, cost,      \
			    fname##_chunk, &j);                                \
	}

UNARY(run_relu, 1, v > 0 ? v : 0)
UNARY(run_sigmoid, 20, 1.0f / (1.0f + expf(-v)))
UNARY(run_leaky, 1, cv_leaky(v, alpha))
UNARY(run_exp, 20, expf(v))
UNARY(run_tanh, 20, tanhf(v))
UNARY(run_clip, 1, cv_clip(v, lo_v, hi_v))

static int
infer_clip(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	n->a.min = -INFINITY;
	n->a.max = INFINITY;
	if (g->opset < 11) {
		n->a.min = cv_attr_float(s, "min", -INFINITY);
		n->a.max = cv_attr_float(s, "max", INFINITY);
	}
	for (int i = 1; i < 3; i++) {
		const cv_value *v = cv_in(g, n, i);
		if (v == NULL)
			continue;
		if (v->kind != V_CONST || v->dtype != MED_DTYPE_F32 ||
		    v->n != 1)
			return cv_node_fail(err, n,
					    "min and max must be constant "
					    "scalars");
		*(i == 1 ? &n->a.min : &n->a.max) = *(const float *)v->data;
	}
	return infer_float(g, n, s, err);
}

void
op_run_copy(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	memcpy(x->ptr[n->out[0]], x->ptr[n->in[0]], g->vals[n->out[0]].bytes);
}

/* ---- broadcasting binary ---------------------------------------------- */

int
op_broadcast(const cv_value *a, const cv_value *b, int *ndim, int64_t *dims)
{
	int nd = a->ndim > b->ndim ? a->ndim : b->ndim;

	for (int i = 0; i < nd; i++) {
		int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
		int64_t da = ia >= 0 ? a->dims[ia] : 1;
		int64_t db = ib >= 0 ? b->dims[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return -1;
		dims[i] = da == 1 ? db : da;
	}
	*ndim = nd;
	return 0;
}

static int
infer_binary(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *a = cv_in(g, n, 0), *b = cv_in(g, n, 1);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	int nd;

	(void)s;
	if (!a || !b || a->dtype != b->dtype ||
	    (a->dtype != MED_DTYPE_F32 && a->dtype != MED_DTYPE_I64))
		return cv_node_fail(err, n,
				    "inputs must be two float or "
				    "int64 tensors");
	if (op_broadcast(a, b, &nd, dims))
		return cv_node_fail(err, n, "shapes do not broadcast");
	return cv_set_shape(&g->vals[n->out[0]], a->dtype, nd, dims, n, err);
}

/* strides_for gives v's element strides aligned to out's dims (0 = bcast). */
static void
strides_for(const cv_value *v, const cv_value *out, int64_t *st)
{
	int64_t s = 1;

	for (int i = out->ndim - 1; i >= 0; i--) {
		int iv = i - (out->ndim - v->ndim);
		int64_t d = iv >= 0 ? v->dims[iv] : 1;
		st[i] = d == 1 ? 0 : s;
		s *= d;
	}
}

/* bin_job - a broadcasting binary operator's operands for the pool. */
typedef struct bin_job {
	const cv_value *vo;
	const void *a, *b;
	void *y;
	int64_t sa[MED_TENSOR_MAX_DIMS], sb[MED_TENSOR_MAX_DIMS];
	int op;
} bin_job;

/* bin_row_by_value: y = a op b along a row against one value of b (a
 * channel's mean, a scale: the models' input normalisation), as plain
 * loops over restrict pointers so they vectorise; the same arithmetic as
 * bin_f. */
HOT static void
bin_row_by_value(int op, const float *restrict a, float b, float *restrict y,
		 int64_t n)
{
	switch (op) {
	case B_ADD:
		for (int64_t i = 0; i < n; i++)
			y[i] = a[i] + b;
		return;
	case B_SUB:
		for (int64_t i = 0; i < n; i++)
			y[i] = a[i] - b;
		return;
	case B_MUL:
		for (int64_t i = 0; i < n; i++)
			y[i] = a[i] * b;
		return;
	default:
		for (int64_t i = 0; i < n; i++)
			y[i] = bin_f(op, a[i], b);
	}
}

/* bin_row_add: y = a + b element by element (the residual sums). */
HOT static void
bin_row_add(const float *restrict a, const float *restrict b, float *restrict y,
	    int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = a[i] + b[i];
}

/* bin_row: one row of the last axis, at offsets ia and ib. */
static void
bin_row(const bin_job *j, int64_t o, int64_t ia, int64_t ib, int64_t inner)
{
	int nd = j->vo->ndim;
	int64_t isa = nd ? j->sa[nd - 1] : 0, isb = nd ? j->sb[nd - 1] : 0;

	if (j->vo->dtype == MED_DTYPE_F32) {
		const float *a = (const float *)j->a + ia;
		const float *b = (const float *)j->b + ib;
		float *y = (float *)j->y + o;
		if (isa == 1 && isb == 0) {
			bin_row_by_value(j->op, a, b[0], y, inner);
			return;
		}
		if (isa == 1 && isb == 1 && j->op == B_ADD) {
			bin_row_add(a, b, y, inner);
			return;
		}
		for (int64_t i = 0; i < inner; i++)
			y[i] = bin_f(j->op, a[i * isa], b[i * isb]);
	} else {
		const int64_t *a = (const int64_t *)j->a + ia;
		const int64_t *b = (const int64_t *)j->b + ib;
		int64_t *y = (int64_t *)j->y + o;
		for (int64_t i = 0; i < inner; i++)
			y[i] = bin_i(j->op, a[i * isa], b[i * isb]);
	}
}

/*
 * bin_rows walks rows [lo, hi) of the output (the last axis is the row)
 * with an odometer started at row lo.
 */
static void
bin_rows(void *ctx, int64_t lo, int64_t hi)
{
	const bin_job *j = ctx;
	const cv_value *vo = j->vo;
	int64_t idx[MED_TENSOR_MAX_DIMS] = {0}, ia = 0, ib = 0, r = lo;
	int nd = vo->ndim;
	int64_t inner = nd ? vo->dims[nd - 1] : 1;

	for (int d = nd - 2; d >= 0; d--) {
		idx[d] = r % vo->dims[d];
		r /= vo->dims[d];
		ia += idx[d] * j->sa[d];
		ib += idx[d] * j->sb[d];
	}
	for (int64_t row = lo; row < hi; row++) {
		bin_row(j, row * inner, ia, ib, inner);
		for (int d = nd - 2; d >= 0; d--) {
			ia += j->sa[d];
			ib += j->sb[d];
			if (++idx[d] < vo->dims[d])
				break;
			ia -= j->sa[d] * vo->dims[d];
			ib -= j->sb[d] * vo->dims[d];
			idx[d] = 0;
		}
	}
}

static void
binary(const cv_graph *g, const cv_node *n, cv_exec *x, int op)
{
	bin_job j = {&g->vals[n->out[0]],
		     x->ptr[n->in[0]],
		     x->ptr[n->in[1]],
		     x->ptr[n->out[0]],
		     {0},
		     {0},
		     op};
	int nd = j.vo->ndim;
	int64_t inner = nd ? j.vo->dims[nd - 1] : 1;

	if (j.vo->n == 0)
		return;
	strides_for(&g->vals[n->in[0]], j.vo, j.sa);
	strides_for(&g->vals[n->in[1]], j.vo, j.sb);
	cv_pool_for(x->pool, (int64_t)j.vo->n / inner, (size_t)inner, bin_rows,
		    &j);
}

#define BINARY(fname, op)                                                      \
	static void fname(const cv_graph *g, const cv_node *n, cv_exec *x)     \
	{                                                                      \
		binary(g, n, x, op);                                           \
	}
BINARY(run_add, B_ADD)
BINARY(run_sub, B_SUB)
BINARY(run_mul, B_MUL)
BINARY(run_div, B_DIV)
BINARY(run_prelu, B_PRELU)

static int
infer_prelu(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *a = cv_in(g, n, 0), *b = cv_in(g, n, 1);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	int nd;

	(void)s;
	if (!a || !b || a->dtype != MED_DTYPE_F32 ||
	    b->dtype != MED_DTYPE_F32 || op_broadcast(a, b, &nd, dims) ||
	    nd != a->ndim)
		return cv_node_fail(err, n, "slope must broadcast to X");
	return cv_set_shape(&g->vals[n->out[0]], a->dtype, a->ndim, a->dims, n,
			    err);
}

/* ---- BatchNormalization (inference) ------------------------------------ */

static int
infer_bn(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);

	if (!x || x->ndim < 2 || x->dtype != MED_DTYPE_F32 || n->n_in != 5)
		return cv_node_fail(err, n, "X [N,C,...] and 4 parameters");
	for (int i = 1; i < 5; i++) {
		const cv_value *p = cv_in(g, n, i);
		if (!p || p->n != (size_t)x->dims[1] ||
		    p->dtype != MED_DTYPE_F32)
			return cv_node_fail(err, n, "parameter %d is not [C]",
					    i);
	}
	if (n->n_out != 1)
		return cv_node_fail(err, n, "training mode is not supported");
	n->a.epsilon = cv_attr_float(s, "epsilon", 1e-5f);
	return op_infer_same(g, n, s, err);
}

typedef struct bn_job {
	const float *sc, *bi, *mu, *var, *in;
	float *out;
	int64_t c, inner;
	float epsilon;
} bn_job;

/* bn_planes: planes [lo, hi) of [N*C, inner]. */
static void
bn_planes(void *ctx, int64_t lo, int64_t hi)
{
	const bn_job *j = ctx;

	for (int64_t p = lo; p < hi; p++) {
		int64_t ch = p % j->c;
		float k = j->sc[ch] / sqrtf(j->var[ch] + j->epsilon);
		float t = j->bi[ch] - j->mu[ch] * k;
		size_t o = (size_t)(p * j->inner);
		for (int64_t i = 0; i < j->inner; i++)
			j->out[o + i] = j->in[o + i] * k + t;
	}
}

static void
run_bn(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	bn_job j = {x->ptr[n->in[1]], x->ptr[n->in[2]],
		    x->ptr[n->in[3]], x->ptr[n->in[4]],
		    x->ptr[n->in[0]], x->ptr[n->out[0]],
		    v->dims[1],	      1,
		    n->a.epsilon};

	for (int i = 2; i < v->ndim; i++)
		j.inner *= v->dims[i];
	cv_pool_for(x->pool, v->dims[0] * j.c, (size_t)(2 * j.inner), bn_planes,
		    &j);
}

/* ---- Softmax ------------------------------------------------------------ */

static int
infer_softmax(cv_graph *g, cv_node *n, const cv_attr_src *s,
	      med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t axis = cv_attr_int(s, "axis", g->opset >= 13 ? -1 : 1);

	if (!x || x->dtype != MED_DTYPE_F32)
		return cv_node_fail(err, n, "input must be float");
	if (axis < 0)
		axis += x->ndim;
	if (axis < 0 || axis >= x->ndim)
		return cv_node_fail(err, n, "axis out of range");
	n->a.axis = axis;
	return op_infer_same(g, n, s, err);
}

/*
 * Opset 13 normalises along one axis; older opsets flatten the tensor to
 * 2-d at axis and normalise each row.
 */
void
cv_softmax_dims(const cv_graph *g, const cv_node *n, int64_t *outer,
		int64_t *len, int64_t *inner)
{
	const cv_value *v = &g->vals[n->in[0]];

	*outer = *len = *inner = 1;
	for (int i = 0; i < v->ndim; i++) {
		if (i < n->a.axis)
			*outer *= v->dims[i];
		else if (i == n->a.axis || g->opset < 13)
			*len *= v->dims[i];
		else
			*inner *= v->dims[i];
	}
}

static void
run_softmax(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];
	int64_t outer, len, inner;

	cv_softmax_dims(g, n, &outer, &len, &inner);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t k = 0; k < inner; k++) {
			size_t base = (size_t)(o * len * inner + k);
			softmax_row(in + base, out + base, len, inner);
		}
}

/* ---- Gemm and MatMul ----------------------------------------------------- */

static int
infer_gemm(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *a = cv_in(g, n, 0), *b = cv_in(g, n, 1);
	const cv_value *c = cv_in(g, n, 2);
	int64_t dims[2], cd[MED_TENSOR_MAX_DIMS];
	int nd;

	n->a.alpha = cv_attr_float(s, "alpha", 1.0f);
	n->a.beta = cv_attr_float(s, "beta", 1.0f);
	n->a.trans_a = (int)cv_attr_int(s, "transA", 0);
	n->a.trans_b = (int)cv_attr_int(s, "transB", 0);
	if (!a || !b || a->ndim != 2 || b->ndim != 2 ||
	    a->dtype != MED_DTYPE_F32 || b->dtype != MED_DTYPE_F32)
		return cv_node_fail(err, n, "A and B must be 2-d float");
	int64_t k1 = a->dims[n->a.trans_a ? 0 : 1];
	int64_t k2 = b->dims[n->a.trans_b ? 1 : 0];
	dims[0] = a->dims[n->a.trans_a ? 1 : 0];
	dims[1] = b->dims[n->a.trans_b ? 0 : 1];
	if (k1 != k2 || k1 == 0)
		return cv_node_fail(err, n, "inner dimensions %lld and %lld",
				    (long long)k1, (long long)k2);
	int rc = cv_set_shape(&g->vals[n->out[0]], MED_DTYPE_F32, 2, dims, n,
			      err);
	if (rc == 0 && c &&
	    (c->dtype != MED_DTYPE_F32 ||
	     op_broadcast(c, &g->vals[n->out[0]], &nd, cd) || nd != 2 ||
	     cd[0] != dims[0] || cd[1] != dims[1]))
		return cv_node_fail(err, n, "C does not broadcast to Y");
	return rc;
}

static void
run_gemm(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *va = &g->vals[n->in[0]], *vb = &g->vals[n->in[1]];
	const cv_value *vc =
		n->n_in > 2 && n->in[2] >= 0 ? &g->vals[n->in[2]] : NULL;
	const cv_value *vy = &g->vals[n->out[0]];
	float *y = x->ptr[n->out[0]];
	int m = (int)vy->dims[0], nn = (int)vy->dims[1];
	int k = (int)va->dims[n->a.trans_a ? 0 : 1];
	float beta = 0;

	if (vc && n->a.beta != 0) {
		const float *c = x->ptr[n->in[2]];
		int64_t st[MED_TENSOR_MAX_DIMS];
		strides_for(vc, vy, st);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < nn; j++)
				y[i * nn + j] = c[i * st[0] + j * st[1]];
		beta = n->a.beta;
	}
	cv_sgemm_split(x->pool, n->a.trans_a, n->a.trans_b, m, nn, k,
		       n->a.alpha, x->ptr[n->in[0]], (int)va->dims[1],
		       x->ptr[n->in[1]], (int)vb->dims[1], beta, y, nn);
}

static int
infer_matmul(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	cv_value a, b;
	int64_t dims[MED_TENSOR_MAX_DIMS];
	int nd;

	(void)s;
	if (!cv_in(g, n, 0) || !cv_in(g, n, 1))
		return cv_node_fail(err, n, "needs two inputs");
	a = *cv_in(g, n, 0);
	b = *cv_in(g, n, 1);
	if (a.dtype != MED_DTYPE_F32 || b.dtype != MED_DTYPE_F32 ||
	    a.ndim < 2 || b.ndim < 2)
		return cv_node_fail(err, n, "inputs must be float, rank >= 2");
	if (a.dims[a.ndim - 1] != b.dims[b.ndim - 2])
		return cv_node_fail(err, n, "inner dimensions differ");
	/* Broadcast the batch dimensions only. */
	a.ndim -= 2;
	b.ndim -= 2;
	if (op_broadcast(&a, &b, &nd, dims) || nd + 2 > MED_TENSOR_MAX_DIMS)
		return cv_node_fail(err, n,
				    "batch dimensions do not "
				    "broadcast");
	dims[nd] = a.dims[a.ndim];
	dims[nd + 1] = b.dims[b.ndim + 1];
	return cv_set_shape(&g->vals[n->out[0]], MED_DTYPE_F32, nd + 2, dims, n,
			    err);
}

static void
run_matmul(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	cv_value a = g->vals[n->in[0]], b = g->vals[n->in[1]];
	cv_value y = g->vals[n->out[0]];
	int m = (int)a.dims[a.ndim - 2], k = (int)a.dims[a.ndim - 1];
	int nn = (int)b.dims[b.ndim - 1];
	int64_t sa[MED_TENSOR_MAX_DIMS], sb[MED_TENSOR_MAX_DIMS];
	size_t batches = y.n / ((size_t)m * nn);

	a.ndim -= 2;
	b.ndim -= 2;
	y.ndim -= 2;
	strides_for(&a, &y, sa);
	strides_for(&b, &y, sb);
	for (size_t t = 0; t < batches; t++) {
		int64_t ia = 0, ib = 0;
		size_t r = t;
		for (int d = y.ndim - 1; d >= 0; d--) {
			int64_t i = (int64_t)(r % (size_t)y.dims[d]);
			r /= (size_t)y.dims[d];
			ia += i * sa[d];
			ib += i * sb[d];
		}
		cv_sgemm_split(
			x->pool, 0, 0, m, nn, k, 1.0f,
			(const float *)x->ptr[n->in[0]] + ia * m * k, k,
			(const float *)x->ptr[n->in[1]] + ib * k * nn, nn, 0,
			(float *)x->ptr[n->out[0]] + t * (size_t)m * nn, nn);
	}
}

const cv_op op_elem_table[] = {
	{"Relu", infer_float, run_relu},
	{"Sigmoid", infer_float, run_sigmoid},
	{"LeakyRelu", infer_float, run_leaky},
	{"Exp", infer_float, run_exp},
	{"Tanh", infer_float, run_tanh},
	{"Clip", infer_clip, run_clip},
	{"Identity", op_infer_same, op_run_copy},
	{"Dropout", infer_float, op_run_copy},
	{"Add", infer_binary, run_add},
	{"Sub", infer_binary, run_sub},
	{"Mul", infer_binary, run_mul},
	{"Div", infer_binary, run_div},
	{"PRelu", infer_prelu, run_prelu},
	{"BatchNormalization", infer_bn, run_bn},
	{"Softmax", infer_softmax, run_softmax},
	{"Gemm", infer_gemm, run_gemm},
	{"MatMul", infer_matmul, run_matmul},
	{NULL, NULL, NULL},
};
