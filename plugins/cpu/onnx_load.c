/*
 * onnx_load.c - ONNX ModelProto -> cv_graph: values for every tensor name,
 * nodes in topological order, static shapes from each operator's infer
 * function, constant folding (Shape, Constant, shape arithmetic) and an
 * activation folded into the Conv before it.  Anything unsupported is a
 * load error that names the node and operator.
 */
#include "cpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

struct cv_attr_src {
	const Onnx__NodeProto *np;
};

/*
 * Nesting limit checked on the wire before protobuf-c unpacks: protobuf-c
 * recurses without a limit, and ONNX messages nest (subgraphs in attributes,
 * TypeProto in TypeProto), so a crafted file could exhaust the stack.
 */
#define WIRE_MAX_DEPTH 48

static int
wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* wire_walk: 0 parses as a message, 1 does not (bytes), 2 too deep. */
static int
wire_walk(const uint8_t *p, const uint8_t *end, int depth)
{
	uint64_t key, len;

	if (depth > WIRE_MAX_DEPTH)
		return 2;
	while (p < end) {
		if (wire_varint(&p, end, &key) || (key >> 3) == 0)
			return 1;
		switch (key & 7) {
		case 0:
			if (wire_varint(&p, end, &len))
				return 1;
			break;
		case 1:
		case 5:
			if ((size_t)(end - p) < ((key & 7) == 1 ? 8u : 4u))
				return 1;
			p += (key & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (wire_varint(&p, end, &len) ||
			    len > (uint64_t)(end - p))
				return 1;
			if (wire_walk(p, p + len, depth + 1) == 2)
				return 2;
			p += len;
			break;
		default:
			return 1;
		}
	}
	return 0;
}

int
cv_fail(med_plugin_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return code;
}

int
cv_node_fail(med_plugin_err *err, const cv_node *n, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cv_fail(err, MED_PLUGIN_EINVAL, "node '%s' (%s): %s",
		       n->name ? n->name : "", n->op ? n->op->name : "?", why);
}

size_t
cv_dtype_size(uint32_t dtype)
{
	return dtype == MED_DTYPE_F32	? 4
	       : dtype == MED_DTYPE_I64 ? 8
	       : dtype == MED_DTYPE_U8	? 1
					: 0;
}

int
cv_set_shape(cv_value *v, uint32_t dtype, int ndim, const int64_t *dims,
	     const cv_node *n, med_plugin_err *err)
{
	int64_t count = 1;

	if (ndim < 0 || ndim > MED_TENSOR_MAX_DIMS)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "tensor '%s': %d dimensions", v->name, ndim);
	for (int i = 0; i < ndim; i++) {
		if (dims[i] < 0 || dims[i] > CV_MAX_ELEMS ||
		    (dims[i] && count > CV_MAX_ELEMS / dims[i]))
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "tensor '%s'%s%s: absurd or dynamic "
				       "dimension %lld",
				       v->name, n ? " of node " : "",
				       n && n->name ? n->name : "",
				       (long long)dims[i]);
		count *= dims[i];
		v->dims[i] = dims[i];
	}
	v->dtype = dtype;
	v->ndim = ndim;
	v->n = (size_t)count;
	v->bytes = v->n * cv_dtype_size(dtype);
	v->shaped = true;
	return 0;
}

cv_value *
cv_in(cv_graph *g, const cv_node *n, int i)
{
	if (i >= n->n_in || n->in[i] < 0)
		return NULL;
	return &g->vals[n->in[i]];
}

int
cv_const_i64(cv_graph *g, const cv_node *n, int i, int64_t *out, int max)
{
	const cv_value *v = cv_in(g, n, i);

	if (v == NULL || v->kind != V_CONST || v->dtype != MED_DTYPE_I64 ||
	    v->n > (size_t)max)
		return -1;
	memcpy(out, v->data, v->n * sizeof(int64_t));
	return (int)v->n;
}

static const Onnx__AttributeProto *
attr_find(const cv_attr_src *s, const char *name)
{
	for (size_t i = 0; i < s->np->n_attribute; i++)
		if (s->np->attribute[i]->name &&
		    strcmp(s->np->attribute[i]->name, name) == 0)
			return s->np->attribute[i];
	return NULL;
}

bool
cv_attr_has(const cv_attr_src *s, const char *name)
{
	return attr_find(s, name) != NULL;
}

int64_t
cv_attr_int(const cv_attr_src *s, const char *name, int64_t def)
{
	const Onnx__AttributeProto *a = attr_find(s, name);

	return a && a->has_i ? a->i : def;
}

float
cv_attr_float(const cv_attr_src *s, const char *name, float def)
{
	const Onnx__AttributeProto *a = attr_find(s, name);

	return a && a->has_f ? a->f : def;
}

int
cv_attr_ints(const cv_attr_src *s, const char *name, int64_t *out, int max)
{
	const Onnx__AttributeProto *a = attr_find(s, name);

	if (a == NULL)
		return 0;
	if (a->n_ints > (size_t)max)
		return -1;
	memcpy(out, a->ints, a->n_ints * sizeof(int64_t));
	return (int)a->n_ints;
}

const char *
cv_attr_str(const cv_attr_src *s, const char *name, const char *def)
{
	static __thread char buf[64];
	const Onnx__AttributeProto *a = attr_find(s, name);

	if (a == NULL || !a->has_s || a->s.len >= sizeof(buf))
		return def;
	memcpy(buf, a->s.data, a->s.len);
	buf[a->s.len] = '\0';
	return buf;
}

/* ---- values ---------------------------------------------------------- */

typedef struct name_map {
	const char **names;
	int n;
	int cap;
} name_map;

static int
value_find(const cv_graph *g, const char *name)
{
	for (int i = 0; i < g->n_vals; i++)
		if (strcmp(g->vals[i].name, name) == 0)
			return i;
	return -1;
}

/* value_get returns the index of name, adding it when new. */
static int
value_get(cv_graph *g, int cap, const char *name)
{
	int i = value_find(g, name);

	if (i >= 0)
		return i;
	if (g->n_vals == cap)
		return -1;
	g->vals[g->n_vals].name = strdup(name);
	if (g->vals[g->n_vals].name == NULL)
		return -1;
	g->vals[g->n_vals].last_use = -1;
	return g->n_vals++;
}

static int
map_dtype(int32_t onnx)
{
	switch (onnx) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
		return MED_DTYPE_F32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
		return MED_DTYPE_U8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
		return MED_DTYPE_I64;
	default:
		return 0;
	}
}

/* tensor_data copies a TensorProto's payload (raw or typed) into v. */
static int
tensor_data(cv_value *v, const Onnx__TensorProto *t, med_plugin_err *err)
{
	size_t es = cv_dtype_size(v->dtype);
	const void *src = NULL;
	size_t have = 0;

	if (t->has_data_location && t->data_location != 0)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "tensor '%s': external data", v->name);
	if (t->has_raw_data) {
		src = t->raw_data.data;
		have = t->raw_data.len;
	} else if (v->dtype == MED_DTYPE_F32) {
		src = t->float_data;
		have = t->n_float_data * 4;
	} else if (v->dtype == MED_DTYPE_I64) {
		src = t->int64_data;
		have = t->n_int64_data * 8;
	}
	if (have != v->n * es &&
	    !(v->dtype == MED_DTYPE_U8 && t->n_int32_data == v->n && !have))
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "tensor '%s': %zu bytes of data for %zu "
			       "elements",
			       v->name, have, v->n);
	v->data = calloc(1, v->bytes ? v->bytes : 1);
	if (v->data == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	if (src)
		memcpy(v->data, src, v->bytes);
	else
		for (size_t i = 0; i < v->n; i++)
			((uint8_t *)v->data)[i] = (uint8_t)t->int32_data[i];
	v->kind = V_CONST;
	return 0;
}

static int
cv_tensor_const(cv_value *v, const Onnx__TensorProto *t, med_plugin_err *err)
{
	int dtype = map_dtype(t->has_data_type ? t->data_type : 0);

	if (dtype == 0)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "tensor '%s': data type %d", v->name,
			       t->data_type);
	if (t->n_dims > MED_TENSOR_MAX_DIMS)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "tensor '%s': %zu dimensions", v->name,
			       t->n_dims);
	int rc = cv_set_shape(v, (uint32_t)dtype, (int)t->n_dims, t->dims, NULL,
			      err);
	return rc ? rc : tensor_data(v, t, err);
}

int
cv_attr_tensor(const cv_attr_src *s, const char *name, cv_value *v,
	       med_plugin_err *err)
{
	const Onnx__AttributeProto *a = attr_find(s, name);

	if (a == NULL || a->t == NULL)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "tensor attribute '%s' missing", name);
	return cv_tensor_const(v, a->t, err);
}

static int
add_initializers(cv_graph *g, int cap, const Onnx__GraphProto *gp,
		 med_plugin_err *err)
{
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];
		if (t->name == NULL)
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "initializer without a name");
		int k = value_get(g, cap, t->name);
		if (k < 0)
			return cv_fail(err, MED_PLUGIN_ENOMEM, "values");
		if (g->vals[k].kind == V_CONST)
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "initializer '%s' twice", t->name);
		int rc = cv_tensor_const(&g->vals[k], t, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int
input_shape(cv_value *v, const Onnx__ValueInfoProto *vi, med_plugin_err *err)
{
	const Onnx__TypeProto *tp = vi->type;
	int64_t dims[MED_TENSOR_MAX_DIMS];
	const Onnx__TypeProto__Tensor *tt;

	if (tp == NULL || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "input '%s': not a tensor", v->name);
	tt = tp->tensor_type;
	int dtype = map_dtype(tt->has_elem_type ? tt->elem_type : 0);
	if (dtype == 0)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "input '%s': element type %d", v->name,
			       tt->elem_type);
	if (tt->shape == NULL || tt->shape->n_dim > MED_TENSOR_MAX_DIMS)
		return cv_fail(err, MED_PLUGIN_EUNSUP,
			       "input '%s': no static shape", v->name);
	for (size_t i = 0; i < tt->shape->n_dim; i++) {
		const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
		if (d->value_case !=
			    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
		    d->dim_value <= 0)
			return cv_fail(err, MED_PLUGIN_EUNSUP,
				       "input '%s': dynamic shape (dim %zu)",
				       v->name, i);
		dims[i] = d->dim_value;
	}
	return cv_set_shape(v, (uint32_t)dtype, (int)tt->shape->n_dim, dims,
			    NULL, err);
}

static int
add_io(cv_graph *g, int cap, const Onnx__GraphProto *gp, med_plugin_err *err)
{
	for (size_t i = 0; i < gp->n_input; i++) {
		int k = value_get(g, cap,
				  gp->input[i]->name ? gp->input[i]->name : "");
		if (k < 0)
			return cv_fail(err, MED_PLUGIN_ENOMEM, "values");
		if (g->vals[k].kind == V_CONST)
			continue; /* old exporters list initializers too */
		if (g->n_inputs == MED_PLUGIN_MAX_IO)
			return cv_fail(err, MED_PLUGIN_EUNSUP,
				       "too many inputs");
		int rc = input_shape(&g->vals[k], gp->input[i], err);
		if (rc)
			return rc;
		g->vals[k].kind = V_INPUT;
		g->inputs[g->n_inputs++] = k;
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		if (g->n_outputs == MED_PLUGIN_MAX_IO || !gp->output[i]->name)
			return cv_fail(err, MED_PLUGIN_EUNSUP, "outputs");
		int k = value_get(g, cap, gp->output[i]->name);
		if (k < 0)
			return cv_fail(err, MED_PLUGIN_ENOMEM, "values");
		g->vals[k].is_output = true;
		g->outputs[g->n_outputs++] = k;
	}
	return 0;
}

/* ---- nodes ----------------------------------------------------------- */

static int
node_wire(cv_graph *g, int cap, cv_node *n, const Onnx__NodeProto *np,
	  med_plugin_err *err)
{
	if (np->n_input > CV_MAX_NODE_IO || np->n_output > 4 ||
	    np->n_output == 0)
		return cv_node_fail(err, n, "%zu inputs, %zu outputs",
				    np->n_input, np->n_output);
	n->n_in = (int)np->n_input;
	n->n_out = (int)np->n_output;
	for (int i = 0; i < n->n_in; i++) {
		n->in[i] =
			np->input[i][0] ? value_get(g, cap, np->input[i]) : -1;
		if (np->input[i][0] && n->in[i] < 0)
			return cv_fail(err, MED_PLUGIN_ENOMEM, "values");
	}
	for (int i = 0; i < n->n_out; i++) {
		if (!np->output[i][0] && i == 0)
			return cv_node_fail(err, n, "empty output name");
		n->out[i] = np->output[i][0] ? value_get(g, cap, np->output[i])
					     : -1;
	}
	return 0;
}

static bool
domain_ok(const char *d)
{
	return d == NULL || d[0] == '\0' || strcmp(d, "ai.onnx") == 0;
}

static int
add_nodes(cv_graph *g, int cap, const Onnx__GraphProto *gp, med_plugin_err *err)
{
	g->nodes = calloc(gp->n_node ? gp->n_node : 1, sizeof(cv_node));
	if (g->nodes == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "nodes");
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		cv_node *n = &g->nodes[g->n_nodes++];
		n->name = strdup(np->name ? np->name : "");
		if (n->name == NULL)
			return cv_fail(err, MED_PLUGIN_ENOMEM, "nodes");
		n->op = domain_ok(np->domain) && np->op_type
				? cv_op_find(np->op_type)
				: NULL;
		if (n->op == NULL)
			return cv_fail(err, MED_PLUGIN_EUNSUP,
				       "node '%s' (%s%s%s): unsupported "
				       "operator",
				       n->name, np->domain ? np->domain : "",
				       np->domain && np->domain[0] ? "." : "",
				       np->op_type ? np->op_type : "?");
		int rc = node_wire(g, cap, n, np, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- topological order + shape inference ------------------------------ */

static bool
node_ready(const cv_graph *g, const cv_node *n)
{
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0 && !g->vals[n->in[i]].shaped)
			return false;
	return true;
}

/* fold runs a node whose inputs are all constant, once, at load. */
static int
fold(cv_graph *g, cv_node *n, med_plugin_err *err)
{
	void **ptr = calloc((size_t)g->n_vals, sizeof(void *));
	cv_exec x = {ptr, NULL, NULL}; /* folding runs on one thread */

	if (ptr == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "fold");
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0)
			ptr[n->in[i]] = g->vals[n->in[i]].data;
	for (int i = 0; i < n->n_out; i++) {
		cv_value *v = n->out[i] >= 0 ? &g->vals[n->out[i]] : NULL;
		if (v == NULL || v->kind == V_CONST)
			continue;
		v->data = calloc(1, v->bytes ? v->bytes : 1);
		if (v->data == NULL) {
			free(ptr);
			return cv_fail(err, MED_PLUGIN_ENOMEM, "fold");
		}
		v->kind = V_CONST;
		ptr[n->out[i]] = v->data;
	}
	n->op->run(g, n, &x);
	free(ptr);
	n->dead = true;
	return 0;
}

static bool
all_const(const cv_graph *g, const cv_node *n)
{
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0 && g->vals[n->in[i]].kind != V_CONST)
			return false;
	return true;
}

static int
infer_node(cv_graph *g, cv_node *n, const Onnx__NodeProto *np,
	   med_plugin_err *err)
{
	cv_attr_src s = {np};
	int rc;

	for (int i = 0; i < n->n_out; i++)
		if (n->out[i] >= 0 && g->vals[n->out[i]].shaped)
			return cv_node_fail(err, n, "output '%s' written twice",
					    g->vals[n->out[i]].name);
	rc = n->op->infer(g, n, &s, err);
	if (rc)
		return rc;
	for (int i = 0; i < n->n_out; i++)
		if (n->out[i] >= 0 && !g->vals[n->out[i]].shaped)
			return cv_node_fail(err, n, "output %d has no shape",
					    i);
	if (n->op->run && all_const(g, n) && !n->dead)
		return fold(g, n, err);
	if (!n->op->run)
		n->dead = true; /* inference made the outputs constant */
	return 0;
}

/* topo_infer orders nodes (Kahn, by repeated passes) and infers shapes. */
static int
topo_infer(cv_graph *g, const Onnx__GraphProto *gp, med_plugin_err *err)
{
	int n = g->n_nodes, done = 0;
	cv_node *sorted = calloc(n ? (size_t)n : 1, sizeof(cv_node));
	bool *used = calloc(n ? (size_t)n : 1, 1);
	int rc = 0;

	if (!sorted || !used) {
		rc = cv_fail(err, MED_PLUGIN_ENOMEM, "nodes");
		goto out;
	}
	while (done < n && rc == 0) {
		int progress = 0;
		for (int i = 0; i < n && rc == 0; i++) {
			if (used[i] || !node_ready(g, &g->nodes[i]))
				continue;
			rc = infer_node(g, &g->nodes[i], gp->node[i], err);
			sorted[done++] = g->nodes[i];
			used[i] = true;
			progress++;
		}
		if (!progress && rc == 0)
			rc = cv_fail(err, MED_PLUGIN_EINVAL,
				     "graph has a cycle or an undefined "
				     "input");
	}
	if (rc == 0) {
		free(g->nodes);
		g->nodes = sorted;
		sorted = NULL;
	}
out:
	free(sorted);
	free(used);
	return rc;
}

/* sole_reader: the one live node that reads value v, else -1. */
static int
sole_reader(const cv_graph *g, int v)
{
	int readers = 0, r = -1;

	for (int j = 0; j < g->n_nodes; j++)
		for (int k = 0; !g->nodes[j].dead && k < g->nodes[j].n_in; k++)
			if (g->nodes[j].in[k] == v) {
				readers++;
				r = j;
			}
	return readers == 1 ? r : -1;
}

/*
 * leaky_slope: whether r is a LeakyRelu, or a PRelu whose slope is one
 * constant (the same function), and its slope.
 */
static bool
leaky_slope(cv_graph *g, const cv_node *r, float *slope)
{
	const cv_value *s = cv_in(g, r, 1);

	if (strcmp(r->op->name, "LeakyRelu") == 0) {
		*slope = r->a.alpha;
		return true;
	}
	if (strcmp(r->op->name, "PRelu") != 0 || s == NULL ||
	    s->kind != V_CONST || s->dtype != MED_DTYPE_F32 || s->n != 1)
		return false;
	*slope = *(const float *)s->data;
	return true;
}

/*
 * channel_slopes: whether r is a PRelu of Conv c's output whose constant
 * slope has one value per output channel, broadcast over the rest ([C, 1,
 * 1] or [1, C, 1, 1]; a [C] slope broadcasts along the last axis and does
 * not count), and its slopes.
 */
static bool
channel_slopes(cv_graph *g, const cv_node *c, const cv_node *r,
	       const float **slopes)
{
	const cv_value *s = cv_in(g, r, 1), *y = &g->vals[c->out[0]];

	if (strcmp(r->op->name, "PRelu") != 0 || s == NULL ||
	    s->kind != V_CONST || s->dtype != MED_DTYPE_F32 || y->ndim != 4 ||
	    s->n != (size_t)y->dims[1] || (s->ndim != 3 && s->ndim != 4) ||
	    s->dims[s->ndim - 3] != y->dims[1])
		return false;
	for (int k = 0; k < s->ndim; k++)
		if (k != s->ndim - 3 && s->dims[k] != 1)
			return false;
	*slopes = s->data;
	return true;
}

/*
 * fuse_act folds into a Conv the activation that alone reads its output:
 * Relu always, LeakyRelu and scalar PRelu when fuse has CV_FUSE_LEAKY, a
 * PRelu with a slope per channel when it has CV_FUSE_PRELU, Clip (its
 * bounds already read by its infer) when it has CV_FUSE_CLIP.
 */
static void
fuse_act(cv_graph *g, unsigned fuse)
{
	for (int i = 0; i < g->n_nodes; i++) {
		cv_node *c = &g->nodes[i];
		float slope;
		const float *slopes;
		if (c->dead || strcmp(c->op->name, "Conv") != 0 ||
		    g->vals[c->out[0]].is_output)
			continue;
		int r = sole_reader(g, c->out[0]);
		if (r < 0 || g->nodes[r].in[0] != c->out[0])
			continue;
		if (strcmp(g->nodes[r].op->name, "Relu") == 0) {
			c->a.fuse_relu = 1;
		} else if ((fuse & CV_FUSE_LEAKY) &&
			   leaky_slope(g, &g->nodes[r], &slope)) {
			c->a.fuse_leaky = 1;
			c->a.alpha = slope;
		} else if ((fuse & CV_FUSE_PRELU) &&
			   channel_slopes(g, c, &g->nodes[r], &slopes)) {
			c->a.slopes = slopes;
		} else if ((fuse & CV_FUSE_CLIP) &&
			   strcmp(g->nodes[r].op->name, "Clip") == 0) {
			c->a.fuse_clip = 1;
			c->a.min = g->nodes[r].a.min;
			c->a.max = g->nodes[r].a.max;
		} else {
			continue;
		}
		g->vals[c->out[0]].kind = V_UNUSED;
		c->out[0] = g->nodes[r].out[0];
		g->nodes[r].dead = true;
	}
}

static int
check_outputs(cv_graph *g, med_plugin_err *err)
{
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		if (!v->shaped)
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "output '%s' is never computed",
				       v->name);
	}
	if (g->n_inputs == 0 || g->n_outputs == 0)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "graph needs inputs and outputs");
	return 0;
}

static int
opset_of(const Onnx__ModelProto *mp)
{
	for (size_t i = 0; i < mp->n_opset_import; i++)
		if (domain_ok(mp->opset_import[i]->domain))
			return (int)mp->opset_import[i]->version;
	return 0;
}

static int
build(cv_graph *g, const Onnx__ModelProto *mp, unsigned fuse,
      med_plugin_err *err)
{
	const Onnx__GraphProto *gp = mp->graph;
	size_t cap;
	int rc;

	g->opset = opset_of(mp);
	if (g->opset < 7 || g->opset > 18)
		return cv_fail(err, MED_PLUGIN_EUNSUP, "opset %d", g->opset);
	if (gp->n_node > CV_MAX_NODES)
		return cv_fail(err, MED_PLUGIN_EINVAL, "%zu nodes", gp->n_node);
	cap = gp->n_initializer + gp->n_input + gp->n_output + 1;
	for (size_t i = 0; i < gp->n_node; i++)
		cap += gp->node[i]->n_input + gp->node[i]->n_output;
	g->vals = calloc(cap, sizeof(cv_value));
	if (g->vals == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "values");
	if ((rc = add_initializers(g, (int)cap, gp, err)) ||
	    (rc = add_io(g, (int)cap, gp, err)) ||
	    (rc = add_nodes(g, (int)cap, gp, err)) ||
	    (rc = topo_infer(g, gp, err)) || (rc = check_outputs(g, err)))
		return rc;
	fuse_act(g, fuse);
	return cv_graph_plan(g, err);
}

int
cv_onnx_load(const void *buf, size_t len, cv_graph **out, med_plugin_err *err)
{
	return cv_onnx_load_fused(buf, len, 0, out, err);
}

int
cv_onnx_load_fused(const void *buf, size_t len, unsigned fuse, cv_graph **out,
		   med_plugin_err *err)
{
	Onnx__ModelProto *mp;
	cv_graph *g;
	int rc;

	if (len == 0 || len > CV_MAX_FILE)
		return cv_fail(err, MED_PLUGIN_EINVAL, "model of %zu bytes",
			       len);
	if (wire_walk(buf, (const uint8_t *)buf + len, 0) != 0)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "not an ONNX model (malformed or nested too "
			       "deeply)");
	mp = onnx__model_proto__unpack(NULL, len, buf);
	if (mp == NULL)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "not an ONNX model (protobuf parse failed)");
	if (mp->graph == NULL) {
		onnx__model_proto__free_unpacked(mp, NULL);
		return cv_fail(err, MED_PLUGIN_EINVAL, "model has no graph");
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		onnx__model_proto__free_unpacked(mp, NULL);
		return cv_fail(err, MED_PLUGIN_ENOMEM, "graph");
	}
	rc = build(g, mp, fuse, err);
	onnx__model_proto__free_unpacked(mp, NULL);
	if (rc) {
		cv_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void
cv_graph_free(cv_graph *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < g->n_vals; i++) {
		free(g->vals[i].name);
		if (g->vals[i].kind == V_CONST)
			free(g->vals[i].data);
	}
	for (int i = 0; i < g->n_nodes; i++)
		free(g->nodes[i].name);
	free(g->vals);
	free(g->nodes);
	free(g);
}

static void
desc_of(med_tensor_desc *d, const cv_value *v)
{
	snprintf(d->name, sizeof(d->name), "%s", v->name);
	d->dtype = v->dtype;
	d->n_dims = (uint32_t)v->ndim;
	memcpy(d->dims, v->dims, sizeof(d->dims));
}

void
cv_graph_info(const cv_graph *g, med_model_info *info)
{
	info->n_inputs = (uint32_t)g->n_inputs;
	info->n_outputs = (uint32_t)g->n_outputs;
	for (int i = 0; i < g->n_inputs; i++)
		desc_of(&info->inputs[i], &g->vals[g->inputs[i]]);
	for (int i = 0; i < g->n_outputs; i++)
		desc_of(&info->outputs[i], &g->vals[g->outputs[i]]);
}

int
cv_check_io(const med_model_info *info, uint32_t batch, const med_tensor *in,
	    uint32_t n_in, const med_tensor *out, uint32_t n_out,
	    med_plugin_err *err)
{
	if (batch == 0 || n_in != info->n_inputs || n_out != info->n_outputs)
		return cv_fail(err, MED_PLUGIN_EINVAL, "tensor count");
	for (uint32_t i = 0; i < n_in; i++) {
		size_t need = cv_dtype_size(info->inputs[i].dtype) * batch;
		for (uint32_t k = 0; k < info->inputs[i].n_dims; k++)
			need *= (size_t)(info->inputs[i].dims[k] < 0
						 ? in[i].dims[k]
						 : info->inputs[i].dims[k]);
		if (in[i].dtype != info->inputs[i].dtype || in[i].size != need)
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "input %u: %zu bytes, need %zu", i,
				       in[i].size, need);
	}
	for (uint32_t i = 0; i < n_out; i++) {
		size_t need = cv_dtype_size(info->outputs[i].dtype) * batch;
		for (uint32_t k = 0; k < info->outputs[i].n_dims; k++)
			need *= (size_t)info->outputs[i].dims[k];
		if (out[i].size < need)
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "output %u: %zu bytes, need %zu", i,
				       out[i].size, need);
	}
	return 0;
}
