/*
 * backend.c - the cpu backend's descriptor and function table: ONNX graphs
 * (onnx_*.c, ops_*.c), OpenCV Haar cascades (haar.c) and the LBP-histogram
 * face embedder (lbp.c).  The only exported symbol is the descriptor.
 */
#include "cpu.h"
#include "classic.h"
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FMT_ONNX, FMT_HAAR, FMT_LBP };

typedef struct cpu_backend {
	const med_plugin_host *host;
	int threads;
} cpu_backend;

typedef struct cpu_model {
	int format;
	cv_graph *g;
	cv_classic *classic;
	med_model_info info;
	size_t parallel_min; /* option parallel_min; 0 = the pool's default */
} cpu_model;

typedef struct cpu_instance {
	const cpu_model *m;
	void *arena;
	float *scratch;
	void **ptr;
	cv_pool *pool; /* ONNX: threads - 1 workers, created once */
} cpu_instance;

static cpu_backend the_backend;

static int
cpu_init(const med_plugin_host *host, const med_plugin_kv *opts, size_t n_opts,
	 void **backend, med_plugin_err *err)
{
	(void)err;
	the_backend.host = host;
	the_backend.threads = 1;
	for (size_t i = 0; i < n_opts; i++)
		if (strcmp(opts[i].key, "threads") == 0) {
			long t = strtol(opts[i].value, NULL, 10);
			the_backend.threads = t > 0 && t <= 256 ? (int)t : 1;
		}
	cv_blas_init();
	*backend = &the_backend;
	return 0;
}

static void
cpu_fini(void *backend)
{
	(void)backend;
}

static int
cpu_device_count(void *backend, uint32_t kind)
{
	(void)backend;
	return kind == MED_DEVICE_CPU ? 1 : 0;
}

/* read_file reads a whole model file (capped) into a malloc'd buffer. */
static int
read_file(const char *path, void **buf, size_t *len, med_plugin_err *err)
{
	FILE *f;
	long n;
	void *p;

	if (path == NULL)
		return cv_fail(err, MED_PLUGIN_EINVAL, "no model path");
	f = fopen(path, "rb");
	if (f == NULL)
		return cv_fail(err, MED_PLUGIN_EIO, "cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    (size_t)n > CV_MAX_FILE || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return cv_fail(err, MED_PLUGIN_EIO, "cannot size %s", path);
	}
	p = malloc(n ? (size_t)n : 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return cv_fail(err, MED_PLUGIN_EIO, "cannot read %s", path);
	}
	fclose(f);
	*buf = p;
	*len = (size_t)n;
	return 0;
}

/*
 * onnx_opts: "parallel_min" = the least work (about one float operation
 * each) a kernel hands a thread; "1" splits every kernel, which tests use
 * to reach the partition edge cases with small graphs.
 */
static int
onnx_opts(cpu_model *m, const med_plugin_kv *opts, size_t n_opts,
	  med_plugin_err *err)
{
	for (size_t i = 0; i < n_opts; i++) {
		char *end = NULL;
		if (strcmp(opts[i].key, "parallel_min") != 0)
			continue;
		unsigned long long v = strtoull(opts[i].value, &end, 10);
		if (end == opts[i].value || *end || v == 0 || v > (1ull << 40))
			return cv_fail(err, MED_PLUGIN_EINVAL,
				       "parallel_min: %s is not 1..2^40",
				       opts[i].value);
		m->parallel_min = (size_t)v;
	}
	return 0;
}

static int
onnx_load(cpu_model *m, const char *path, const med_plugin_kv *opts,
	  size_t n_opts, med_plugin_err *err)
{
	void *buf = NULL;
	size_t len = 0;
	int rc = onnx_opts(m, opts, n_opts, err);

	if (rc == 0)
		rc = read_file(path, &buf, &len, err);
	if (rc)
		return rc;
	rc = cv_onnx_load_fused(buf, len,
				CV_FUSE_LEAKY | CV_FUSE_PRELU | CV_FUSE_CLIP,
				&m->g, err);
	free(buf);
	if (rc)
		return rc;
	cv_graph_info(m->g, &m->info);
	return 0;
}

static int
cpu_model_load(void *backend, const char *format, const char *path,
	       const med_plugin_kv *opts, size_t n_opts, void **model,
	       med_plugin_err *err)
{
	cpu_model *m = calloc(1, sizeof(*m));
	int rc;

	(void)backend;
	if (m == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	if (strcmp(format, "onnx") == 0) {
		m->format = FMT_ONNX;
		rc = onnx_load(m, path, opts, n_opts, err);
	} else if (strcmp(format, "haar-xml") == 0) {
		m->format = FMT_HAAR;
		rc = cv_haar_load(path, opts, n_opts, &m->classic, &m->info,
				  err);
	} else if (strcmp(format, "lbp") == 0) {
		m->format = FMT_LBP;
		rc = cv_lbp_load(opts, n_opts, &m->classic, &m->info, err);
	} else {
		rc = cv_fail(err, MED_PLUGIN_EUNSUP, "format %s", format);
	}
	if (rc) {
		free(m);
		return rc;
	}
	*model = m;
	return 0;
}

static void
cpu_model_unload(void *model)
{
	cpu_model *m = model;

	if (m == NULL)
		return;
	cv_graph_free(m->g);
	cv_classic_free(m->classic);
	free(m);
}

static int
cpu_model_info(void *model, med_model_info *info)
{
	*info = ((const cpu_model *)model)->info;
	return 0;
}

/* alloc64: aligned_alloc wants the size to be a multiple of 64. */
static void *
alloc64(size_t size)
{
	return aligned_alloc(64, (size + 64 + 63) & ~(size_t)63);
}

static void
cpu_instance_free(void *instance)
{
	cpu_instance *in = instance;

	if (in == NULL)
		return;
	free(in->arena);
	free(in->scratch);
	free(in->ptr);
	cv_pool_free(in->pool);
	free(in);
}

static int
cpu_instance_new(void *model, uint32_t kind, uint32_t device_id,
		 void **instance, med_plugin_err *err)
{
	const cpu_model *m = model;
	cpu_instance *in;

	if (kind != MED_DEVICE_CPU || device_id != 0)
		return cv_fail(err, MED_PLUGIN_ENODEV, "cpu serves only cpu 0");
	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	in->m = m;
	if (m->g) {
		in->arena = alloc64(m->g->arena_bytes);
		in->scratch = alloc64(m->g->scratch_bytes * sizeof(float));
		in->ptr = calloc((size_t)m->g->n_vals, sizeof(void *));
		in->pool = cv_pool_new(the_backend.threads, m->parallel_min);
		if (!in->arena || !in->scratch || !in->ptr || !in->pool) {
			cpu_instance_free(in);
			return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
		}
		for (int i = 0; i < m->g->n_vals; i++) {
			const cv_value *v = &m->g->vals[i];
			if (v->kind == V_CONST)
				in->ptr[i] = v->data;
			else if (v->kind == V_ACT && !v->is_output)
				in->ptr[i] = (char *)in->arena + v->offset;
		}
	}
	*instance = in;
	return 0;
}

static void
onnx_run_item(cpu_instance *in, uint32_t b, const med_tensor *inputs,
	      med_tensor *outputs)
{
	const cv_graph *g = in->m->g;
	cv_exec x = {in->ptr, in->scratch, in->pool};

	for (int i = 0; i < g->n_inputs; i++) {
		const cv_value *v = &g->vals[g->inputs[i]];
		in->ptr[g->inputs[i]] = (char *)inputs[i].data + b * v->bytes;
	}
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		if (v->kind == V_ACT)
			in->ptr[g->outputs[i]] =
				(char *)outputs[i].data + b * v->bytes;
	}
	cv_graph_run(g, &x);
	/* Outputs that are constants or inputs are copied. */
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		if (v->kind != V_ACT)
			memcpy((char *)outputs[i].data + b * v->bytes,
			       in->ptr[g->outputs[i]], v->bytes);
	}
}

static int
cpu_run(void *instance, uint32_t batch, const med_tensor *inputs,
	uint32_t n_inputs, med_tensor *outputs, uint32_t n_outputs,
	med_plugin_err *err)
{
	cpu_instance *in = instance;
	int rc = cv_check_io(&in->m->info, batch, inputs, n_inputs, outputs,
			     n_outputs, err);

	if (rc)
		return rc;
	if (in->m->format != FMT_ONNX)
		return cv_classic_run(in->m->classic, batch, inputs, outputs,
				      err);
	for (uint32_t b = 0; b < batch; b++)
		onnx_run_item(in, b, inputs, outputs);
	return 0;
}

static const med_plugin_ops cpu_ops = {
	.struct_size = sizeof(med_plugin_ops),
	.init = cpu_init,
	.fini = cpu_fini,
	.device_count = cpu_device_count,
	.model_load = cpu_model_load,
	.model_unload = cpu_model_unload,
	.model_info = cpu_model_info,
	.instance_new = cpu_instance_new,
	.instance_free = cpu_instance_free,
	.run = cpu_run,
};

static const char *const cpu_formats[] = {"onnx", "haar-xml", "lbp", NULL};

MED_PLUGIN_EXPORT const med_plugin_descriptor med_plugin = {
	.abi_major = MED_PLUGIN_ABI_MAJOR,
	.abi_minor = MED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(med_plugin_descriptor),
	.devices = MED_DEVICE_BIT(MED_DEVICE_CPU),
	.name = "cpu",
	.version = "1.0.0",
	.formats = cpu_formats,
	.ops = &cpu_ops,
};
