/*
 * ops_elem.c - element-wise operators (activations, broadcasting binary
 * arithmetic, PRelu, BatchNormalization), Softmax, Gemm and MatMul.
 */
#include "cpu.h"
#include "ops.h"

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

#define UNARY(fname, expr)                                                     \
	static void fname(const cv_graph *g, const cv_node *n, cv_exec *x)     \
	{                                                                      \
		const float *in = x->ptr[n->in[0]];                            \
		float *out = x->ptr[n->out[0]];                                \
		size_t cnt = g->vals[n->out[0]].n;                             \
		float alpha = n->a.alpha;                                      \
		(void)alpha;                                                   \
		for (size_t i = 0; i < cnt; i++) {                             \
			float v = in[i];                                       \
			out[i] = (expr);                                       \
		}                                                              \
	}

UNARY(run_relu, v > 0 ? v : 0)
UNARY(run_sigmoid, 1.0f / (1.0f + expf(-v)))
UNARY(run_leaky, v >= 0 ? v : alpha * v)
UNARY(run_exp, expf(v))
UNARY(run_tanh, tanhf(v))

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

static void
run_clip(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];
	size_t cnt = g->vals[n->out[0]].n;

	for (size_t i = 0; i < cnt; i++)
		out[i] = fminf(fmaxf(in[i], n->a.min), n->a.max);
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

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_PRELU };

static inline float
bin_f(int op, float a, float b)
{
	switch (op) {
	case B_ADD:
		return a + b;
	case B_SUB:
		return a - b;
	case B_MUL:
		return a * b;
	case B_DIV:
		return a / b;
	default:
		return a >= 0 ? a : a * b;
	}
}

static inline int64_t
bin_i(int op, int64_t a, int64_t b)
{
	switch (op) {
	case B_ADD:
		return a + b;
	case B_SUB:
		return a - b;
	case B_MUL:
		return a * b;
	default:
		return b ? a / b : 0;
	}
}

/* binary walks the output with an odometer; the last axis is the loop. */
static void
binary(const cv_graph *g, const cv_node *n, cv_exec *x, int op)
{
	const cv_value *va = &g->vals[n->in[0]], *vb = &g->vals[n->in[1]];
	const cv_value *vo = &g->vals[n->out[0]];
	int64_t sa[MED_TENSOR_MAX_DIMS], sb[MED_TENSOR_MAX_DIMS];
	int64_t idx[MED_TENSOR_MAX_DIMS] = {0};
	int nd = vo->ndim;
	int64_t inner = nd ? vo->dims[nd - 1] : 1;
	int64_t ia = 0, ib = 0, isa, isb;
	bool f = vo->dtype == MED_DTYPE_F32;

	if (vo->n == 0)
		return;
	strides_for(va, vo, sa);
	strides_for(vb, vo, sb);
	isa = nd ? sa[nd - 1] : 0;
	isb = nd ? sb[nd - 1] : 0;
	for (size_t o = 0; o < vo->n; o += (size_t)inner) {
		if (f) {
			const float *a = (const float *)x->ptr[n->in[0]] + ia;
			const float *b = (const float *)x->ptr[n->in[1]] + ib;
			float *y = (float *)x->ptr[n->out[0]] + o;
			for (int64_t i = 0; i < inner; i++)
				y[i] = bin_f(op, a[i * isa], b[i * isb]);
		} else {
			const int64_t *a =
				(const int64_t *)x->ptr[n->in[0]] + ia;
			const int64_t *b =
				(const int64_t *)x->ptr[n->in[1]] + ib;
			int64_t *y = (int64_t *)x->ptr[n->out[0]] + o;
			for (int64_t i = 0; i < inner; i++)
				y[i] = bin_i(op, a[i * isa], b[i * isb]);
		}
		for (int d = nd - 2; d >= 0; d--) {
			ia += sa[d];
			ib += sb[d];
			if (++idx[d] < vo->dims[d])
				break;
			ia -= sa[d] * vo->dims[d];
			ib -= sb[d] * vo->dims[d];
			idx[d] = 0;
		}
	}
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

static void
run_bn(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	const float *sc = x->ptr[n->in[1]], *bi = x->ptr[n->in[2]];
	const float *mu = x->ptr[n->in[3]], *var = x->ptr[n->in[4]];
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];
	int64_t c = v->dims[1], inner = 1;

	for (int i = 2; i < v->ndim; i++)
		inner *= v->dims[i];
	for (int64_t b = 0; b < v->dims[0]; b++)
		for (int64_t ch = 0; ch < c; ch++) {
			float k = sc[ch] / sqrtf(var[ch] + n->a.epsilon);
			float t = bi[ch] - mu[ch] * k;
			size_t o = (size_t)((b * c + ch) * inner);
			for (int64_t i = 0; i < inner; i++)
				out[o + i] = in[o + i] * k + t;
		}
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
static void
run_softmax(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];
	int64_t outer = 1, len = 1, inner = 1;

	for (int i = 0; i < v->ndim; i++) {
		if (i < n->a.axis)
			outer *= v->dims[i];
		else if (i == n->a.axis || g->opset < 13)
			len *= v->dims[i];
		else
			inner *= v->dims[i];
	}
	for (int64_t o = 0; o < outer; o++)
		for (int64_t k = 0; k < inner; k++) {
			size_t base = (size_t)(o * len * inner + k);
			float mx = -INFINITY, sum = 0;
			for (int64_t i = 0; i < len; i++)
				mx = fmaxf(mx, in[base + i * inner]);
			for (int64_t i = 0; i < len; i++) {
				float e = expf(in[base + i * inner] - mx);
				out[base + i * inner] = e;
				sum += e;
			}
			for (int64_t i = 0; i < len; i++)
				out[base + i * inner] /= sum;
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
	cv_sgemm(n->a.trans_a, n->a.trans_b, m, nn, k, n->a.alpha,
		 x->ptr[n->in[0]], (int)va->dims[1], x->ptr[n->in[1]],
		 (int)vb->dims[1], beta, y, nn);
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
		cv_sgemm(0, 0, m, nn, k, 1.0f,
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
