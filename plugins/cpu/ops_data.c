/*
 * ops_data.c - data movement and the shape operators static graphs use:
 * Constant, Shape, Gather, Unsqueeze, Squeeze, Concat, Reshape, Flatten,
 * Transpose, Slice, Cast; and the operator table.  Shape is always folded
 * at load (shapes are static); the others fold when their inputs are
 * constant, which is how exported shape arithmetic disappears.
 */
#include "cpu.h"
#include "ops.h"
#include "pool.h"

#include <stdlib.h>
#include <string.h>

static int
infer_constant(cv_graph *g, cv_node *n, const cv_attr_src *s,
	       med_plugin_err *err)
{
	cv_value *v = &g->vals[n->out[0]];

	if (!cv_attr_has(s, "value"))
		return cv_node_fail(err, n, "only the 'value' attribute");
	int rc = cv_attr_tensor(s, "value", v, err);
	n->dead = true;
	return rc;
}

static int
infer_shape(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	cv_value *v = &g->vals[n->out[0]];
	int64_t nd;

	(void)s;
	if (x == NULL)
		return cv_node_fail(err, n, "missing input");
	nd = x->ndim;
	int rc = cv_set_shape(v, MED_DTYPE_I64, 1, &nd, n, err);
	if (rc)
		return rc;
	v->data = calloc(1, (size_t)nd * 8 + 8);
	if (v->data == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "shape");
	memcpy(v->data, x->dims, (size_t)nd * 8);
	v->kind = V_CONST;
	n->dead = true;
	return 0;
}

static int
norm_axis(int64_t *axis, int ndim)
{
	if (*axis < 0)
		*axis += ndim;
	return *axis >= 0 && *axis < ndim ? 0 : -1;
}

/* ---- Gather ------------------------------------------------------------- */

static int
infer_gather(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0), *ix = cv_in(g, n, 1);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	int nd = 0;

	n->a.axis = cv_attr_int(s, "axis", 0);
	if (!x || !ix || ix->dtype != MED_DTYPE_I64 ||
	    norm_axis(&n->a.axis, x->ndim) ||
	    x->ndim + ix->ndim - 1 > MED_TENSOR_MAX_DIMS)
		return cv_node_fail(err, n, "bad data, indices or axis");
	if (ix->kind == V_CONST)
		for (size_t i = 0; i < ix->n; i++) {
			int64_t k = ((const int64_t *)ix->data)[i];
			int64_t dim = x->dims[n->a.axis];
			if (k < -dim || k >= dim)
				return cv_node_fail(err, n,
						    "index %lld out of "
						    "range",
						    (long long)k);
		}
	else
		return cv_node_fail(err, n, "indices must be constant");
	for (int i = 0; i < x->ndim; i++) {
		if (i == n->a.axis)
			for (int k = 0; k < ix->ndim; k++)
				dims[nd++] = ix->dims[k];
		else
			dims[nd++] = x->dims[i];
	}
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, nd, dims, n, err);
}

static void
run_gather(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]], *iv = &g->vals[n->in[1]];
	const int64_t *idx = x->ptr[n->in[1]];
	size_t es = cv_dtype_size(v->dtype), outer = 1, inner = es;
	int64_t dim = v->dims[n->a.axis];
	char *out = x->ptr[n->out[0]];
	const char *in = x->ptr[n->in[0]];

	for (int i = 0; i < n->a.axis; i++)
		outer *= (size_t)v->dims[i];
	for (int i = (int)n->a.axis + 1; i < v->ndim; i++)
		inner *= (size_t)v->dims[i];
	for (size_t o = 0; o < outer; o++)
		for (size_t k = 0; k < iv->n; k++) {
			int64_t j = idx[k] < 0 ? idx[k] + dim : idx[k];
			memcpy(out, in + (o * (size_t)dim + (size_t)j) * inner,
			       inner);
			out += inner;
		}
}

/* ---- Unsqueeze, Squeeze, Reshape, Flatten (copies with a new shape) ---- */

static int
axes_of(cv_graph *g, cv_node *n, const cv_attr_src *s)
{
	if (g->opset >= 13 && n->n_in > 1)
		n->a.n_axes =
			cv_const_i64(g, n, 1, n->a.axes, MED_TENSOR_MAX_DIMS);
	else
		n->a.n_axes =
			cv_attr_ints(s, "axes", n->a.axes, MED_TENSOR_MAX_DIMS);
	return n->a.n_axes;
}

static int
infer_unsqueeze(cv_graph *g, cv_node *n, const cv_attr_src *s,
		med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	bool is_new[MED_TENSOR_MAX_DIMS] = {false};
	int na = axes_of(g, n, s);
	int nd = x ? x->ndim + na : 0, k = 0;

	if (!x || na <= 0 || nd > MED_TENSOR_MAX_DIMS)
		return cv_node_fail(err, n, "axes must be constant and fit");
	for (int i = 0; i < na; i++) {
		int64_t a = n->a.axes[i];
		if (norm_axis(&a, nd) || is_new[a])
			return cv_node_fail(err, n, "bad axis %lld",
					    (long long)n->a.axes[i]);
		is_new[a] = true;
	}
	for (int i = 0; i < nd; i++)
		dims[i] = is_new[i] ? 1 : x->dims[k++];
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, nd, dims, n, err);
}

static int
infer_squeeze(cv_graph *g, cv_node *n, const cv_attr_src *s,
	      med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	bool drop[MED_TENSOR_MAX_DIMS] = {false};
	int na = axes_of(g, n, s), nd = 0;

	if (!x || na < 0)
		return cv_node_fail(err, n, "axes must be constant");
	for (int i = 0; i < na; i++) {
		int64_t a = n->a.axes[i];
		if (norm_axis(&a, x->ndim) || x->dims[a] != 1)
			return cv_node_fail(err, n, "axis %lld is not 1",
					    (long long)n->a.axes[i]);
		drop[a] = true;
	}
	for (int i = 0; i < x->ndim; i++)
		if (!(na ? drop[i] : x->dims[i] == 1))
			dims[nd++] = x->dims[i];
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, nd, dims, n, err);
}

static int
infer_reshape(cv_graph *g, cv_node *n, const cv_attr_src *s,
	      med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	int nd = cv_const_i64(g, n, 1, dims, MED_TENSOR_MAX_DIMS), neg = -1;
	int64_t known = 1;

	(void)s;
	if (!x || nd < 0)
		return cv_node_fail(err, n,
				    "shape must be a constant int64 "
				    "tensor (dynamic shape)");
	for (int i = 0; i < nd; i++) {
		if (i < x->ndim && dims[i] == 0)
			dims[i] = x->dims[i];
		if (dims[i] == -1 && neg < 0) {
			neg = i;
			continue;
		}
		if (dims[i] <= 0)
			return cv_node_fail(err, n, "bad shape value");
		known *= dims[i];
		if (known > CV_MAX_ELEMS)
			return cv_node_fail(err, n, "absurd shape");
	}
	if (neg >= 0)
		dims[neg] = known ? (int64_t)x->n / known : 0;
	if (neg >= 0 && (size_t)(dims[neg] * known) != x->n)
		return cv_node_fail(err, n, "cannot infer -1");
	if (neg < 0 && (size_t)known != x->n)
		return cv_node_fail(err, n, "%lld elements into %zu",
				    (long long)known, x->n);
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, nd, dims, n, err);
}

static int
infer_flatten(cv_graph *g, cv_node *n, const cv_attr_src *s,
	      med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t axis = cv_attr_int(s, "axis", 1), dims[2] = {1, 1};

	if (!x || axis < -x->ndim || axis > x->ndim)
		return cv_node_fail(err, n, "bad axis");
	if (axis < 0)
		axis += x->ndim;
	for (int i = 0; i < x->ndim; i++)
		dims[i < axis ? 0 : 1] *= x->dims[i];
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, 2, dims, n, err);
}

/* ---- Concat ----------------------------------------------------------------
 */

static int
infer_concat(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS];

	n->a.axis = cv_attr_int(s, "axis", 0);
	if (!x || norm_axis(&n->a.axis, x->ndim))
		return cv_node_fail(err, n, "bad axis");
	memcpy(dims, x->dims, sizeof(dims));
	dims[n->a.axis] = 0;
	for (int i = 0; i < n->n_in; i++) {
		const cv_value *v = cv_in(g, n, i);
		if (!v || v->ndim != x->ndim || v->dtype != x->dtype)
			return cv_node_fail(err, n, "input %d differs", i);
		for (int k = 0; k < x->ndim; k++)
			if (k != n->a.axis && v->dims[k] != x->dims[k])
				return cv_node_fail(err, n, "input %d shape",
						    i);
		dims[n->a.axis] += v->dims[n->a.axis];
	}
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, x->ndim, dims, n,
			    err);
}

static void
run_concat(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *vo = &g->vals[n->out[0]];
	size_t es = cv_dtype_size(vo->dtype), outer = 1, inner = es;
	char *out = x->ptr[n->out[0]];

	for (int i = 0; i < n->a.axis; i++)
		outer *= (size_t)vo->dims[i];
	for (int i = (int)n->a.axis + 1; i < vo->ndim; i++)
		inner *= (size_t)vo->dims[i];
	for (size_t o = 0; o < outer; o++)
		for (int i = 0; i < n->n_in; i++) {
			const cv_value *v = &g->vals[n->in[i]];
			size_t len = (size_t)v->dims[n->a.axis] * inner;
			memcpy(out, (const char *)x->ptr[n->in[i]] + o * len,
			       len);
			out += len;
		}
}

/* ---- Transpose --------------------------------------------------------- */

static int
infer_transpose(cv_graph *g, cv_node *n, const cv_attr_src *s,
		med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS];
	bool seen[MED_TENSOR_MAX_DIMS] = {false};
	int np;

	if (!x)
		return cv_node_fail(err, n, "missing input");
	np = cv_attr_ints(s, "perm", n->a.perm, MED_TENSOR_MAX_DIMS);
	if (np == 0)
		for (np = 0; np < x->ndim; np++)
			n->a.perm[np] = x->ndim - 1 - np;
	if (np != x->ndim)
		return cv_node_fail(err, n, "perm has %d values for %d dims",
				    np, x->ndim);
	for (int i = 0; i < np; i++) {
		int64_t p = n->a.perm[i];
		if (p < 0 || p >= np || seen[p])
			return cv_node_fail(err, n,
					    "perm is not a "
					    "permutation");
		seen[p] = true;
		dims[i] = x->dims[p];
	}
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, x->ndim, dims, n,
			    err);
}

/* tr_job - a Transpose's operands for the pool. */
typedef struct tr_job {
	const cv_value *vo;
	const char *in;
	char *out;
	size_t es;
	int64_t ost[MED_TENSOR_MAX_DIMS]; /* input stride of each out axis */
} tr_job;

/* tr_rows: rows [lo, hi) of the output's last axis, odometer from lo. */
static void
tr_rows(void *ctx, int64_t lo, int64_t hi)
{
	const tr_job *j = ctx;
	int nd = j->vo->ndim;
	int64_t idx[MED_TENSOR_MAX_DIMS] = {0}, off = 0, r = lo;
	int64_t inner = j->vo->dims[nd - 1], step = j->ost[nd - 1];

	for (int d = nd - 2; d >= 0; d--) {
		idx[d] = r % j->vo->dims[d];
		r /= j->vo->dims[d];
		off += idx[d] * j->ost[d];
	}
	for (int64_t row = lo; row < hi; row++) {
		char *o = j->out + (size_t)(row * inner) * j->es;
		if (j->es == 4)
			for (int64_t i = 0; i < inner; i++)
				memcpy(o + i * 4, j->in + (off + i * step) * 4,
				       4);
		else
			for (int64_t i = 0; i < inner; i++)
				memcpy(o + (size_t)i * j->es,
				       j->in + (size_t)(off + i * step) * j->es,
				       j->es);
		for (int d = nd - 2; d >= 0; d--) {
			off += j->ost[d];
			if (++idx[d] < j->vo->dims[d])
				break;
			off -= j->ost[d] * j->vo->dims[d];
			idx[d] = 0;
		}
	}
}

static void
run_transpose(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	tr_job j = {&g->vals[n->out[0]],
		    x->ptr[n->in[0]],
		    x->ptr[n->out[0]],
		    cv_dtype_size(v->dtype),
		    {0}};
	int64_t st[MED_TENSOR_MAX_DIMS] = {0}, s = 1;
	int nd = v->ndim;

	if (j.vo->n == 0)
		return;
	if (nd == 0) {
		memcpy(j.out, j.in, j.es);
		return;
	}
	for (int i = nd - 1; i >= 0; i--) {
		st[i] = s;
		s *= v->dims[i];
	}
	for (int i = 0; i < nd; i++)
		j.ost[i] = st[n->a.perm[i]];
	cv_pool_for(x->pool, (int64_t)j.vo->n / j.vo->dims[nd - 1],
		    (size_t)j.vo->dims[nd - 1], tr_rows, &j);
}

/* ---- Slice (opset 10+, constant starts/ends/axes/steps) ----------------- */

static int
slice_params(cv_graph *g, cv_node *n, const cv_value *x, int64_t *start,
	     int64_t *step, int64_t *dims)
{
	int64_t st[8], en[8], ax[8], sp[8];
	int k = cv_const_i64(g, n, 1, st, 8);

	if (k < 0 || cv_const_i64(g, n, 2, en, 8) != k)
		return -1;
	for (int i = 0; i < k; i++) {
		ax[i] = i;
		sp[i] = 1;
	}
	if ((n->n_in > 3 && n->in[3] >= 0 &&
	     cv_const_i64(g, n, 3, ax, 8) != k) ||
	    (n->n_in > 4 && n->in[4] >= 0 && cv_const_i64(g, n, 4, sp, 8) != k))
		return -1;
	for (int i = 0; i < x->ndim; i++) {
		start[i] = 0;
		step[i] = 1;
		dims[i] = x->dims[i];
	}
	for (int i = 0; i < k; i++) {
		int64_t a = ax[i], d;
		if (norm_axis(&a, x->ndim) || sp[i] != 1)
			return -1;
		d = x->dims[a];
		int64_t b = st[i] < 0 ? st[i] + d : st[i];
		int64_t e = en[i] < 0 ? en[i] + d : en[i];
		b = b < 0 ? 0 : b > d ? d : b;
		e = e < 0 ? 0 : e > d ? d : e;
		start[a] = b;
		dims[a] = e > b ? e - b : 0;
	}
	return 0;
}

static int
infer_slice(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS], step[MED_TENSOR_MAX_DIMS];

	(void)s;
	if (!x || g->opset < 10 || slice_params(g, n, x, n->a.axes, step, dims))
		return cv_node_fail(err, n,
				    "constant starts/ends/axes and "
				    "step 1 only (opset >= 10)");
	return cv_set_shape(&g->vals[n->out[0]], x->dtype, x->ndim, dims, n,
			    err);
}

static void
run_slice(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]], *vo = &g->vals[n->out[0]];
	size_t es = cv_dtype_size(v->dtype);
	int64_t st[MED_TENSOR_MAX_DIMS] = {0}, idx[MED_TENSOR_MAX_DIMS] = {0};
	int64_t s = 1, off = 0;
	int nd = v->ndim;

	for (int i = nd - 1; i >= 0; i--) {
		st[i] = s;
		s *= v->dims[i];
	}
	for (int i = 0; i < nd; i++)
		off += n->a.axes[i] * st[i];
	for (size_t o = 0; o < vo->n; o++) {
		memcpy((char *)x->ptr[n->out[0]] + o * es,
		       (const char *)x->ptr[n->in[0]] + (size_t)off * es, es);
		for (int d = nd - 1; d >= 0; d--) {
			off += st[d];
			if (++idx[d] < vo->dims[d])
				break;
			off -= st[d] * vo->dims[d];
			idx[d] = 0;
		}
	}
}

/* ---- Cast ---------------------------------------------------------------- */

static int
infer_cast(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t to = cv_attr_int(s, "to", 0);

	n->a.to = to == 1   ? MED_DTYPE_F32
		  : to == 2 ? MED_DTYPE_U8
		  : to == 7 ? MED_DTYPE_I64
			    : 0;
	if (!x || n->a.to == 0)
		return cv_node_fail(err, n, "cast to type %lld", (long long)to);
	return cv_set_shape(&g->vals[n->out[0]], (uint32_t)n->a.to, x->ndim,
			    x->dims, n, err);
}

static double
load_as(const void *p, uint32_t t, size_t i)
{
	if (t == MED_DTYPE_F32)
		return ((const float *)p)[i];
	if (t == MED_DTYPE_I64)
		return (double)((const int64_t *)p)[i];
	return ((const uint8_t *)p)[i];
}

static void
run_cast(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	void *out = x->ptr[n->out[0]];

	for (size_t i = 0; i < v->n; i++) {
		double d = load_as(x->ptr[n->in[0]], v->dtype, i);
		if (n->a.to == MED_DTYPE_F32)
			((float *)out)[i] = (float)d;
		else if (n->a.to == MED_DTYPE_I64)
			((int64_t *)out)[i] = (int64_t)d;
		else
			((uint8_t *)out)[i] = (uint8_t)(int64_t)d;
	}
}

const cv_op op_data_table[] = {
	{"Constant", infer_constant, NULL},
	{"Shape", infer_shape, NULL},
	{"Gather", infer_gather, run_gather},
	{"Unsqueeze", infer_unsqueeze, op_run_copy},
	{"Squeeze", infer_squeeze, op_run_copy},
	{"Reshape", infer_reshape, op_run_copy},
	{"Flatten", infer_flatten, op_run_copy},
	{"Concat", infer_concat, run_concat},
	{"Transpose", infer_transpose, run_transpose},
	{"Slice", infer_slice, run_slice},
	{"Cast", infer_cast, run_cast},
	{NULL, NULL, NULL},
};

const cv_op *
cv_op_find(const char *name)
{
	const cv_op *tables[] = {op_elem_table, op_conv_table, op_data_table};

	for (size_t t = 0; t < 3; t++)
		for (const cv_op *op = tables[t]; op->name; op++)
			if (strcmp(op->name, name) == 0)
				return op;
	return NULL;
}
