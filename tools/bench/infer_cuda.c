/*
 * infer_cuda.c - time one backend's run() on an ONNX model at a given
 * batch: the C half of tools/bench/infer_cuda.sh.  The backend is opened
 * straight through the plugin ABI (dlopen + the med_plugin descriptor), so
 * a batch of 32 is one run() call, as the host's batcher makes it, with no
 * request threads around it.
 *
 *   bench-infer_cuda PLUGIN.so MODEL [-b BATCH] [-n RUNS] [-t THREADS]
 *   bench-infer_cuda PLUGIN.so -probe
 *
 * Prints "run_ms_median X" and "item_ms_median Y" (median of RUNS after
 * one warm-up run, whole batch and per item).  -probe prints "gpus N" and
 * the backend's log line.  Exit 3: the backend serves no device here.
 */
#include <dlfcn.h>
#include <med/infer.h>
#include <med/plugin.h>
#include <med/util.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
host_log(int level, const char *msg)
{
	fprintf(stderr, "backend log %d: %s\n", level, msg);
}

static void *
host_alloc(size_t size)
{
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

static const med_plugin_host host = {MED_PLUGIN_ABI_MAJOR,
				     MED_PLUGIN_ABI_MINOR,
				     sizeof(med_plugin_host),
				     0,
				     host_log,
				     host_alloc,
				     free};

typedef struct bench_args {
	const char *so, *model;
	char threads[16];
	int batch, runs, probe;
} bench_args;

static int
parse(int argc, char **argv, bench_args *a)
{
	int c;

	*a = (bench_args){NULL, NULL, "1", 1, 10, 0};
	if (argc < 3)
		return -1;
	a->so = argv[1];
	a->probe = strcmp(argv[2], "-probe") == 0;
	a->model = argv[2];
	optind = 3;
	while ((c = getopt(argc, argv, "b:n:t:")) != -1) {
		if (c == 'b')
			a->batch = (int)strtol(optarg, NULL, 10);
		else if (c == 'n')
			a->runs = (int)strtol(optarg, NULL, 10);
		else if (c == 't')
			snprintf(a->threads, sizeof(a->threads), "%s", optarg);
		else
			return -1;
	}
	return a->batch < 1 || a->batch > 1024 || a->runs < 1 || a->runs > 10000
		       ? -1
		       : 0;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* tensors allocates batch items of every input (filled) and output. */
static int
tensors(const med_model_info *info, int batch, med_tensor *in, med_tensor *out)
{
	const med_tensor_desc *d;

	for (uint32_t i = 0; i < info->n_inputs + info->n_outputs; i++) {
		bool is_in = i < info->n_inputs;
		med_tensor *t = is_in ? &in[i] : &out[i - info->n_inputs];
		d = is_in ? &info->inputs[i]
			  : &info->outputs[i - info->n_inputs];
		*t = (med_tensor){.dtype = d->dtype, .n_dims = d->n_dims};
		memcpy(t->dims, d->dims, sizeof(t->dims));
		t->dims[0] *= batch;
		t->size = med_tensor_nbytes(t->dtype, t->n_dims, t->dims);
		t->data = calloc(1, t->size ? t->size : 1);
		if (t->data == NULL || t->size == 0)
			return -1;
		for (size_t k = 0;
		     is_in && d->dtype == MED_DTYPE_F32 && k < t->size / 4; k++)
			((float *)t->data)[k] = (float)((k * 7919u) % 256u);
	}
	return 0;
}

static int
time_runs(const med_plugin_ops *ops, void *inst, const bench_args *a,
	  const med_model_info *info, med_tensor *in, med_tensor *out)
{
	double *ms = calloc((size_t)a->runs, sizeof(double));
	med_plugin_err err = {0, ""};

	for (int r = -1; ms && r < a->runs; r++) {
		int64_t t0 = med_mono_ns();
		if (ops->run(inst, (uint32_t)a->batch, in, info->n_inputs, out,
			     info->n_outputs, &err) != 0) {
			fprintf(stderr, "run: %s\n", err.msg);
			free(ms);
			return 1;
		}
		if (r >= 0)
			ms[r] = (double)(med_mono_ns() - t0) / 1e6;
	}
	if (ms == NULL)
		return 1;
	qsort(ms, (size_t)a->runs, sizeof(double), cmp_double);
	printf("run_ms_median %.3f\nitem_ms_median %.4f\n", ms[a->runs / 2],
	       ms[a->runs / 2] / a->batch);
	free(ms);
	return 0;
}

static int
bench_model(const med_plugin_descriptor *d, void *be, uint32_t kind,
	    const bench_args *a)
{
	const med_plugin_ops *ops = d->ops;
	med_plugin_err err = {0, ""};
	med_tensor in[MED_PLUGIN_MAX_IO] = {0}, out[MED_PLUGIN_MAX_IO] = {0};
	med_model_info info;
	void *model = NULL, *inst = NULL;
	int rc = 1;

	if (ops->model_load(be, "onnx", a->model, NULL, 0, &model, &err) ||
	    ops->model_info(model, &info) ||
	    ops->instance_new(model, kind, 0, &inst, &err)) {
		fprintf(stderr, "%s: %s\n", a->model, err.msg);
		goto out;
	}
	if (tensors(&info, a->batch, in, out) == 0)
		rc = time_runs(ops, inst, a, &info, in, out);
	for (int i = 0; i < MED_PLUGIN_MAX_IO; i++) {
		free(in[i].data);
		free(out[i].data);
	}
out:
	if (inst)
		ops->instance_free(inst);
	if (model)
		ops->model_unload(model);
	return rc;
}

int
main(int argc, char **argv)
{
	bench_args a;
	void *dl, *be = NULL;
	med_plugin_err err = {0, ""};
	int rc = 3;

	if (parse(argc, argv, &a) != 0) {
		fprintf(stderr,
			"usage: %s PLUGIN.so MODEL|-probe [-b BATCH] "
			"[-n RUNS] [-t THREADS]\n",
			argv[0]);
		return 2;
	}
	dl = dlopen(a.so, RTLD_NOW | RTLD_LOCAL);
	const med_plugin_descriptor *d =
		dl ? dlsym(dl, MED_PLUGIN_SYMBOL) : NULL;
	med_plugin_kv opt = {"threads", a.threads};
	if (d == NULL || d->ops->init(&host, &opt, 1, &be, &err) != 0) {
		fprintf(stderr, "%s: %s\n", a.so, d ? err.msg : dlerror());
		return 1;
	}
	uint32_t kind = d->devices & MED_DEVICE_BIT(MED_DEVICE_GPU)
				? MED_DEVICE_GPU
				: MED_DEVICE_CPU;
	int n = d->ops->device_count(be, kind);
	if (a.probe)
		printf("gpus %d\n", kind == MED_DEVICE_GPU ? n : 0);
	else if (n > 0)
		rc = bench_model(d, be, kind, &a);
	d->ops->fini(be);
	dlclose(dl);
	return a.probe ? 0 : rc;
}
