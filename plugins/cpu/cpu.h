/*
 * cpu.h - the cpu backend's internal declarations: the ONNX graph after
 * loading (values, nodes in topological order, a memory plan) and the
 * operator table.  Nothing here is exported from cpu.so.
 */
#ifndef CPU_H
#define CPU_H

#include <med/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard caps: a model file is refused beyond them, never run. */
#define CV_MAX_ELEMS   ((int64_t)1 << 28) /* per tensor */
#define CV_MAX_ARENA   ((size_t)2 << 30)  /* activations per instance */
#define CV_MAX_NODES   100000
#define CV_MAX_NODE_IO 64
#define CV_MAX_FILE    ((size_t)1 << 30)

enum cv_kind { V_UNUSED, V_CONST, V_INPUT, V_ACT };

typedef struct cv_value {
	char *name;
	uint32_t dtype; /* med_dtype */
	int ndim;
	int64_t dims[MED_TENSOR_MAX_DIMS];
	size_t n;     /* elements */
	size_t bytes; /* n times the element size */
	int kind;
	bool shaped; /* dims known */
	bool is_output;
	void *data;    /* V_CONST: owned */
	size_t offset; /* V_ACT: in the instance arena */
	int last_use;  /* node index of the last reader */
} cv_value;

/* cv_attrs - the parsed attributes of every supported operator. */
typedef struct cv_attrs {
	int64_t kernel[2], strides[2], pads[4], dil[2], group;
	int64_t perm[MED_TENSOR_MAX_DIMS];
	int64_t axes[MED_TENSOR_MAX_DIMS];
	int n_axes;
	int64_t axis;
	float alpha, beta, epsilon, min, max;
	int trans_a, trans_b;
	int count_include_pad;
	int mode;      /* Resize: 0 nearest, 1 linear */
	int coord;     /* Resize coordinate_transformation_mode */
	int nearest;   /* Resize nearest_mode */
	int fuse_relu; /* Conv: a following Relu folded in */
	/*
	 * Conv: a following LeakyRelu, or PRelu with one slope, folded in
	 * (its slope in alpha); only cv_onnx_load_fused does this.
	 */
	int fuse_leaky;
	/*
	 * Conv: a following PRelu with one slope per output channel folded
	 * in (its slopes, the constant's data); only cv_onnx_load_fused with
	 * CV_FUSE_PRELU does this.
	 */
	const float *slopes;
	/*
	 * Conv: a following Clip folded in (its bounds in min and max); only
	 * cv_onnx_load_fused with CV_FUSE_CLIP does this.
	 */
	int fuse_clip;
	int to; /* Cast */
	float scales[MED_TENSOR_MAX_DIMS];
} cv_attrs;

struct cv_op;

typedef struct cv_node {
	const struct cv_op *op;
	char *name;
	int n_in;
	int n_out;
	int in[CV_MAX_NODE_IO]; /* -1: an optional input left empty */
	int out[4];
	cv_attrs a;
	bool dead; /* folded to a constant or fused away */
} cv_node;

typedef struct cv_graph {
	cv_value *vals;
	int n_vals;
	cv_node *nodes;
	int n_nodes;
	int inputs[MED_PLUGIN_MAX_IO];
	int n_inputs;
	int outputs[MED_PLUGIN_MAX_IO];
	int n_outputs;
	int opset;
	size_t arena_bytes;
	size_t scratch_bytes; /* floats */
} cv_graph;

/*
 * cv_exec - one run's view: a data pointer per value, and the instance's
 * worker pool (pool.h) that kernels split their work over (NULL: one
 * thread).
 */
typedef struct cv_exec {
	void **ptr;
	float *scratch;
	struct cv_pool *pool;
} cv_exec;

/* Attribute access during load (opaque ONNX NodeProto). */
typedef struct cv_attr_src cv_attr_src;
int64_t cv_attr_int(const cv_attr_src *s, const char *name, int64_t def);
float cv_attr_float(const cv_attr_src *s, const char *name, float def);
int cv_attr_ints(const cv_attr_src *s, const char *name, int64_t *out,
		 int max); /* count, -1 if too many */
const char *cv_attr_str(const cv_attr_src *s, const char *name,
			const char *def);
bool cv_attr_has(const cv_attr_src *s, const char *name);
/* cv_attr_tensor makes v the constant in tensor attribute name. */
int cv_attr_tensor(const cv_attr_src *s, const char *name, cv_value *v,
		   med_plugin_err *err);

typedef int (*cv_infer_fn)(cv_graph *g, cv_node *n, const cv_attr_src *s,
			   med_plugin_err *err);
typedef void (*cv_run_fn)(const cv_graph *g, const cv_node *n, cv_exec *x);

/* cv_op - one operator: shapes and attributes at load, a kernel at run. */
typedef struct cv_op {
	const char *name;
	cv_infer_fn infer;
	cv_run_fn run;
} cv_op;

const cv_op *cv_op_find(const char *name);

/* Helpers shared by the operator files. */
int cv_fail(med_plugin_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cv_node_fail(med_plugin_err *err, const cv_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t cv_dtype_size(uint32_t dtype);
/* cv_set_shape fills v's dims; fails on absurd sizes. */
int cv_set_shape(cv_value *v, uint32_t dtype, int ndim, const int64_t *dims,
		 const cv_node *n, med_plugin_err *err);
/* cv_in returns input i of n (NULL when absent). */
cv_value *cv_in(cv_graph *g, const cv_node *n, int i);
/* cv_const_i64 reads a constant int64 input into out; count or -1. */
int cv_const_i64(cv_graph *g, const cv_node *n, int i, int64_t *out, int max);

void cv_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
	      const float *a, int lda, const float *b, int ldb, float beta,
	      float *c, int ldc);
/* cv_blas_init keeps OpenBLAS to one thread: the pool does the splitting. */
void cv_blas_init(void);

/*
 * ONNX load (onnx_load.c) and run (onnx_run.c).  cv_onnx_load folds a Relu
 * into the Conv before it (every backend's Conv applies fuse_relu);
 * cv_onnx_load_fused also folds what fuse asks for, for a backend whose
 * Conv applies it.
 */
#define CV_FUSE_LEAKY 1u /* LeakyRelu and scalar-slope PRelu: fuse_leaky */
#define CV_FUSE_PRELU 2u /* PRelu with a slope per channel: slopes */
#define CV_FUSE_CLIP  4u /* Clip (Relu6 in MobileNets): fuse_clip */
int cv_onnx_load(const void *buf, size_t len, cv_graph **out,
		 med_plugin_err *err);
int cv_onnx_load_fused(const void *buf, size_t len, unsigned fuse,
		       cv_graph **out, med_plugin_err *err);
void cv_graph_free(cv_graph *g);
void cv_graph_run(const cv_graph *g, cv_exec *x);
int cv_graph_plan(cv_graph *g, med_plugin_err *err);
/* cv_softmax_dims: Softmax's rows (outer x inner) of len values. */
void cv_softmax_dims(const cv_graph *g, const cv_node *n, int64_t *outer,
		     int64_t *len, int64_t *inner);
/* cv_graph_info describes g's inputs and outputs for model_info. */
void cv_graph_info(const cv_graph *g, med_model_info *info);
/*
 * cv_check_io checks a run's tensors against info (counts, dtypes, byte
 * sizes times batch); shared by the cpu and cuda backends.
 */
int cv_check_io(const med_model_info *info, uint32_t batch,
		const med_tensor *in, uint32_t n_in, const med_tensor *out,
		uint32_t n_out, med_plugin_err *err);

#endif
