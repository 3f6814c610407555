/*
 * backend.c - the cpu backend's descriptor and function table: ONNX graphs
 * (onnx_*.c, ops_*.c), OpenCV Haar cascades (haar.c) and the LBP-histogram
 * face embedder (lbp.c).  The only exported symbol is the descriptor.
 */
#include "cpu.h"
#include "classic.h"

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
} cpu_model;

typedef struct cpu_instance {
	const cpu_model *m;
	void *arena;
	float *scratch;
	void **ptr;
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
	cv_set_threads(the_backend.threads);
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

static void
desc_of(med_tensor_desc *d, const cv_value *v)
{
	snprintf(d->name, sizeof(d->name), "%s", v->name);
	d->dtype = v->dtype;
	d->n_dims = (uint32_t)v->ndim;
	memcpy(d->dims, v->dims, sizeof(d->dims));
}

static int
onnx_load(cpu_model *m, const char *path, med_plugin_err *err)
{
	void *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len, err);

	if (rc)
		return rc;
	rc = cv_onnx_load(buf, len, &m->g, err);
	free(buf);
	if (rc)
		return rc;
	m->info.n_inputs = (uint32_t)m->g->n_inputs;
	m->info.n_outputs = (uint32_t)m->g->n_outputs;
	for (int i = 0; i < m->g->n_inputs; i++)
		desc_of(&m->info.inputs[i], &m->g->vals[m->g->inputs[i]]);
	for (int i = 0; i < m->g->n_outputs; i++)
		desc_of(&m->info.outputs[i], &m->g->vals[m->g->outputs[i]]);
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
		rc = onnx_load(m, path, err);
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
		if (!in->arena || !in->scratch || !in->ptr) {
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

static int
check_io(const med_model_info *info, uint32_t batch, const med_tensor *in,
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

static void
onnx_run_item(cpu_instance *in, uint32_t b, const med_tensor *inputs,
	      med_tensor *outputs)
{
	const cv_graph *g = in->m->g;
	cv_exec x = {in->ptr, in->scratch};

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
	int rc = check_io(&in->m->info, batch, inputs, n_inputs, outputs,
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
