/*
 * backend.c - the cuda backend's descriptor and function table: ONNX graphs
 * on an NVIDIA GPU.  Loading is the cpu backend's (onnx_load.c: topological
 * order, static shapes, constant folding, the memory plan, compiled into
 * cuda.so from plugins/cpu); running is graph.cu's kernels and cuBLAS on
 * one stream per instance.  Device memory is planned once per instance:
 * the constants, one activation arena laid out by the plan, and a buffer
 * per graph input and output; run copies inputs in and outputs out.
 *
 * Without a usable GPU init still succeeds and device_count reports 0, so
 * the host falls back to (or, strict, refuses in favour of) the cpu
 * backend.  The only exported symbol is the descriptor.
 */
#include "cpu.h"
#include "cu.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Device buffers start 256 bytes apart (cudaMalloc's own alignment). */
#define DEV_ALIGN 256

typedef struct cu_backend {
	const med_plugin_host *host;
	int gpus; /* probed once at init */
} cu_backend;

typedef struct cu_model {
	cv_graph *g;
	cu_fn *fns;
	med_model_info info;
	size_t const_bytes; /* all constants, DEV_ALIGN apart */
} cu_model;

typedef struct cu_instance {
	const cu_model *m;
	cu_ctx c;
	void *consts, *arena;
	void *io[2 * MED_PLUGIN_MAX_IO]; /* inputs, then outputs */
	void **ptr;			 /* device pointer per value */
} cu_instance;

static cu_backend the_backend;

static size_t
dev_round(size_t n)
{
	return (n + DEV_ALIGN - 1) & ~(size_t)(DEV_ALIGN - 1);
}

static int
cu_init(const med_plugin_host *host, const med_plugin_kv *opts, size_t n_opts,
	void **backend, med_plugin_err *err)
{
	char why[200] = "", line[256];

	(void)opts;
	(void)n_opts;
	(void)err;
	the_backend.host = host;
	the_backend.gpus = cu_probe(why, sizeof(why));
	/* Logged once: the probe is not repeated, device_count reuses it. */
	if (the_backend.gpus > 0)
		snprintf(line, sizeof(line), "cuda: %d usable GPU(s)",
			 the_backend.gpus);
	else
		snprintf(line, sizeof(line), "cuda: %s", why);
	host->log(1, line);
	*backend = &the_backend;
	return 0;
}

static void
cu_fini(void *backend)
{
	(void)backend;
}

static int
cu_device_count(void *backend, uint32_t kind)
{
	const cu_backend *b = backend;

	return kind == MED_DEVICE_GPU ? b->gpus : 0;
}

/* map_file maps a model file read-only (capped like the cpu backend). */
static int
map_file(const char *path, void **buf, size_t *len, med_plugin_err *err)
{
	struct stat st;
	int fd;

	if (path == NULL)
		return cv_fail(err, MED_PLUGIN_EINVAL, "no model path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cv_fail(err, MED_PLUGIN_EIO, "cannot open %s", path);
	if (fstat(fd, &st) != 0 || st.st_size < 0 ||
	    (size_t)st.st_size > CV_MAX_FILE) {
		close(fd);
		return cv_fail(err, MED_PLUGIN_EIO, "cannot size %s", path);
	}
	*len = (size_t)st.st_size;
	/* An empty file maps to nothing: the loader refuses it by size. */
	*buf = *len ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (*buf == MAP_FAILED)
		return cv_fail(err, MED_PLUGIN_EIO, "cannot map %s", path);
	return 0;
}

static void
model_free(cu_model *m)
{
	if (m == NULL)
		return;
	cv_graph_free(m->g);
	free(m->fns);
	free(m);
}

static int
model_prepare(cu_model *m, med_plugin_err *err)
{
	const cv_graph *g = m->g;

	m->fns = calloc((size_t)g->n_nodes + 1, sizeof(cu_fn));
	if (m->fns == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	cv_graph_info(g, &m->info);
	for (int i = 0; i < g->n_vals; i++)
		if (g->vals[i].kind == V_CONST)
			m->const_bytes += dev_round(g->vals[i].bytes);
	return cu_graph_bind(g, m->fns, err);
}

static int
cu_model_load(void *backend, const char *format, const char *path,
	      const med_plugin_kv *opts, size_t n_opts, void **model,
	      med_plugin_err *err)
{
	cu_model *m;
	void *buf = NULL;
	size_t len = 0;
	int rc;

	/*
	 * Options are the cpu backend's tuning knobs (parallel_min): under
	 * AUTO the same options reach whichever backend is chosen, and none
	 * means anything on a GPU, so they are ignored here.
	 */
	(void)backend;
	(void)opts;
	(void)n_opts;
	if (strcmp(format, "onnx") != 0)
		return cv_fail(err, MED_PLUGIN_EUNSUP, "format %s", format);
	if ((rc = map_file(path, &buf, &len, err)) != 0)
		return rc;
	m = calloc(1, sizeof(*m));
	rc = m ? cv_onnx_load(buf, len, &m->g, err)
	       : cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	if (len)
		munmap(buf, len);
	if (rc == 0)
		rc = model_prepare(m, err);
	if (rc) {
		model_free(m);
		return rc;
	}
	*model = m;
	return 0;
}

static void
cu_model_unload(void *model)
{
	model_free(model);
}

static int
cu_model_info(void *model, med_model_info *info)
{
	*info = ((const cu_model *)model)->info;
	return 0;
}

static void
cu_instance_free(void *instance)
{
	cu_instance *in = instance;

	if (in == NULL)
		return;
	cu_ctx_fini(&in->c);
	for (size_t i = 0; i < 2 * MED_PLUGIN_MAX_IO; i++)
		cu_free(in->io[i]);
	cu_free(in->consts);
	cu_free(in->arena);
	free(in->ptr);
	free(in);
}

/* upload_consts copies every constant into one device buffer. */
static int
upload_consts(cu_instance *in)
{
	const cv_graph *g = in->m->g;
	size_t off = 0;

	in->consts = cu_malloc(&in->c, in->m->const_bytes);
	if (in->consts == NULL)
		return -1;
	for (int i = 0; i < g->n_vals; i++) {
		const cv_value *v = &g->vals[i];
		if (v->kind != V_CONST)
			continue;
		in->ptr[i] = (char *)in->consts + off;
		if (cu_upload(&in->c, in->ptr[i], v->data, v->bytes))
			return -1;
		off += dev_round(v->bytes);
	}
	return cu_sync(&in->c);
}

/* place_values: the arena by the plan, a buffer per graph input/output. */
static int
place_values(cu_instance *in)
{
	const cv_graph *g = in->m->g;

	in->arena = cu_malloc(&in->c, g->arena_bytes);
	if (in->arena == NULL)
		return -1;
	for (int i = 0; i < g->n_vals; i++)
		if (g->vals[i].kind == V_ACT && !g->vals[i].is_output)
			in->ptr[i] = (char *)in->arena + g->vals[i].offset;
	for (int i = 0; i < g->n_inputs; i++) {
		int v = g->inputs[i];
		in->io[i] = in->ptr[v] = cu_malloc(&in->c, g->vals[v].bytes);
		if (in->io[i] == NULL)
			return -1;
	}
	for (int i = 0; i < g->n_outputs; i++) {
		int v = g->outputs[i];
		if (g->vals[v].kind != V_ACT)
			continue; /* a constant or an input: already placed */
		in->io[MED_PLUGIN_MAX_IO + i] = in->ptr[v] =
			cu_malloc(&in->c, g->vals[v].bytes);
		if (in->ptr[v] == NULL)
			return -1;
	}
	return 0;
}

static int
cu_instance_new(void *model, uint32_t kind, uint32_t device_id, void **instance,
		med_plugin_err *err)
{
	const cu_model *m = model;
	cu_instance *in;

	if (kind != MED_DEVICE_GPU || (int)device_id >= the_backend.gpus)
		return cv_fail(err, MED_PLUGIN_ENODEV,
			       "cuda: no GPU %u (%d found)", device_id,
			       the_backend.gpus);
	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	in->m = m;
	in->ptr = calloc((size_t)m->g->n_vals, sizeof(void *));
	if (in->ptr == NULL ||
	    cu_ctx_init(&in->c, (int)device_id, m->g->scratch_bytes) ||
	    upload_consts(in) || place_values(in)) {
		int rc = cv_fail(
			err, in->ptr ? MED_PLUGIN_ENODEV : MED_PLUGIN_ENOMEM,
			"cuda: %s", in->c.err[0] ? in->c.err : "out of memory");
		cu_instance_free(in);
		return rc;
	}
	*instance = in;
	return 0;
}

/* run_item: item b's inputs in, the graph, its outputs out (queued). */
static int
run_item(cu_instance *in, uint32_t b, const med_tensor *inputs,
	 med_tensor *outputs)
{
	const cv_graph *g = in->m->g;

	for (int i = 0; i < g->n_inputs; i++) {
		const cv_value *v = &g->vals[g->inputs[i]];
		if (cu_upload(&in->c, in->ptr[g->inputs[i]],
			      (const char *)inputs[i].data + b * v->bytes,
			      v->bytes))
			return -1;
	}
	if (cu_graph_run(&in->c, g, in->m->fns, in->ptr))
		return -1;
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		if (cu_download(&in->c, (char *)outputs[i].data + b * v->bytes,
				in->ptr[g->outputs[i]], v->bytes))
			return -1;
	}
	return 0;
}

static int
cu_run(void *instance, uint32_t batch, const med_tensor *inputs,
       uint32_t n_inputs, med_tensor *outputs, uint32_t n_outputs,
       med_plugin_err *err)
{
	cu_instance *in = instance;
	int rc = cv_check_io(&in->m->info, batch, inputs, n_inputs, outputs,
			     n_outputs, err);

	if (rc)
		return rc;
	in->c.err[0] = '\0';
	if (cu_enter(&in->c) == 0)
		for (uint32_t b = 0; b < batch && rc == 0; b++)
			rc = run_item(in, b, inputs, outputs);
	if (cu_sync(&in->c) || rc || in->c.err[0])
		return cv_fail(err, MED_PLUGIN_ENODEV, "cuda: %s", in->c.err);
	return 0;
}

static const med_plugin_ops cu_ops = {
	.struct_size = sizeof(med_plugin_ops),
	.init = cu_init,
	.fini = cu_fini,
	.device_count = cu_device_count,
	.model_load = cu_model_load,
	.model_unload = cu_model_unload,
	.model_info = cu_model_info,
	.instance_new = cu_instance_new,
	.instance_free = cu_instance_free,
	.run = cu_run,
};

static const char *const cu_formats[] = {"onnx", NULL};

MED_PLUGIN_EXPORT const med_plugin_descriptor med_plugin = {
	.abi_major = MED_PLUGIN_ABI_MAJOR,
	.abi_minor = MED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(med_plugin_descriptor),
	.devices = MED_DEVICE_BIT(MED_DEVICE_GPU),
	.name = "cuda",
	.version = "1.0.0",
	.formats = cu_formats,
	.ops = &cu_ops,
};
