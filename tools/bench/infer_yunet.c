/*
 * infer_yunet.c - run an ONNX model (YuNet by default) through the
 * inference host and the cpu backend: the C half of tools/bench/
 * infer_yunet.sh and of tests/integration/test_plugins_yunet.py.
 *
 *   bench-infer_yunet MODEL [-p PLUGIN_DIR] [-t THREADS] [-n RUNS]
 *                     [-i INPUT.bin]... [-o OUTDIR] [-x KEY=VALUE]...
 *
 * Inputs: MEDT tensor files (tests/plugins/gen_graphs.py), one -i per model
 * input in order, or, without -i, a fixed synthetic image.  -x passes a
 * model option to the backend (e.g. parallel_min=1).  Prints "load_ms X" and
 * "run_ms_median Y" (median of RUNS after one warm-up run); with -o writes each
 * output as OUTDIR/<output name>.bin.
 */
#include <med/infer.h>
#include <med/log.h>
#include <med/util.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
read_bin(const char *path, med_tensor *t)
{
	FILE *f = fopen(path, "rb");
	char magic[4];
	uint32_t hdr[2];
	int rc = -1;

	if (f == NULL)
		return -1;
	memset(t, 0, sizeof(*t));
	if (fread(magic, 1, 4, f) == 4 && memcmp(magic, "MEDT", 4) == 0 &&
	    fread(hdr, 4, 2, f) == 2 && hdr[1] <= MED_TENSOR_MAX_DIMS &&
	    fread(t->dims, 8, hdr[1], f) == hdr[1]) {
		t->dtype = hdr[0];
		t->n_dims = hdr[1];
		t->size = med_tensor_nbytes(t->dtype, t->n_dims, t->dims);
		t->data = malloc(t->size ? t->size : 1);
		if (t->data && fread(t->data, 1, t->size, f) == t->size)
			rc = 0;
	}
	fclose(f);
	return rc;
}

static int
write_bin(const char *dir, const med_tensor_desc *d, const med_tensor *t)
{
	char path[1024];
	uint32_t hdr[2] = {t->dtype, t->n_dims};
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, d->name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	ok = fwrite("MEDT", 1, 4, f) == 4 && fwrite(hdr, 4, 2, f) == 2 &&
	     fwrite(t->dims, 8, t->n_dims, f) == t->n_dims &&
	     fwrite(t->data, 1, t->size, f) == t->size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* synthetic fills a BGR-like 0..255 image with smooth structure. */
static void
synthetic(med_tensor *t, const med_tensor_desc *d)
{
	float *p;

	*t = (med_tensor){.dtype = d->dtype, .n_dims = d->n_dims};
	memcpy(t->dims, d->dims, sizeof(t->dims));
	t->size = med_tensor_nbytes(t->dtype, t->n_dims, t->dims);
	t->data = p = malloc(t->size);
	for (size_t i = 0; p && i < t->size / 4; i++)
		p[i] = (float)((i * 7919u + (i >> 9) * 104729u) % 256u);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define MAX_OPTS 8

typedef struct args {
	const char *model, *plugins, *outdir;
	const char *inputs[MED_PLUGIN_MAX_IO];
	int n_inputs, threads, runs;
	med_plugin_kv opts[MAX_OPTS];
	int n_opts;
} args;

/* add_opt splits KEY=VALUE in place into the next model option. */
static int
add_opt(args *a, char *kv)
{
	char *eq = strchr(kv, '=');

	if (eq == NULL || a->n_opts == MAX_OPTS)
		return -1;
	*eq = '\0';
	a->opts[a->n_opts++] = (med_plugin_kv){kv, eq + 1};
	return 0;
}

static int
parse(int argc, char **argv, args *a)
{
	int c;

	*a = (args){.plugins = "build/plugins", .threads = 1, .runs = 10};
	while ((c = getopt(argc, argv, "p:t:n:i:o:x:")) != -1) {
		switch (c) {
		case 'p':
			a->plugins = optarg;
			break;
		case 't':
			a->threads = (int)strtol(optarg, NULL, 10);
			break;
		case 'n':
			a->runs = (int)strtol(optarg, NULL, 10);
			break;
		case 'i':
			if (a->n_inputs == MED_PLUGIN_MAX_IO)
				return -1;
			a->inputs[a->n_inputs++] = optarg;
			break;
		case 'x':
			if (add_opt(a, optarg) != 0)
				return -1;
			break;
		case 'o':
			a->outdir = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || a->runs < 1 || a->runs > 10000)
		return -1;
	a->model = argv[optind];
	return 0;
}

static int
bench(med_infer_model *m, const args *a, med_tensor *in, med_tensor *out)
{
	const med_model_info *info = med_infer_model_info(m);
	double *ms = calloc((size_t)a->runs, sizeof(double));
	char msg[256];

	for (int r = -1; ms && r < a->runs; r++) {
		int64_t t0 = med_mono_ns();
		if (med_infer_run(m, in, info->n_inputs, out, info->n_outputs,
				  msg, sizeof(msg)) != MED_OK) {
			fprintf(stderr, "run: %s\n", msg);
			free(ms);
			return 1;
		}
		if (r >= 0)
			ms[r] = (double)(med_mono_ns() - t0) / 1e6;
	}
	if (ms == NULL)
		return 1;
	qsort(ms, (size_t)a->runs, sizeof(double), cmp_double);
	printf("run_ms_median %.3f\nrun_ms_min %.3f\n", ms[a->runs / 2], ms[0]);
	free(ms);
	for (uint32_t i = 0; a->outdir && i < info->n_outputs; i++)
		if (write_bin(a->outdir, &info->outputs[i], &out[i]) != 0) {
			fprintf(stderr, "cannot write outputs\n");
			return 1;
		}
	return 0;
}

static int
run(med_infer_host *h, const args *a)
{
	med_infer_model_opts o = {.format = "onnx",
				  .path = a->model,
				  .device = MED_DEVICE_CPU,
				  .strict = true,
				  .opts = a->opts,
				  .n_opts = (size_t)a->n_opts};
	med_infer_model *m = NULL;
	med_tensor in[MED_PLUGIN_MAX_IO] = {0}, out[MED_PLUGIN_MAX_IO] = {0};
	char msg[256];
	int64_t t0 = med_mono_ns();
	int rc = 1;

	if (med_infer_model_load(h, &o, &m, msg, sizeof(msg)) != MED_OK) {
		fprintf(stderr, "load: %s\n", msg);
		return 1;
	}
	printf("load_ms %.3f\n", (double)(med_mono_ns() - t0) / 1e6);
	const med_model_info *info = med_infer_model_info(m);
	if (a->n_inputs == 0)
		synthetic(&in[0], &info->inputs[0]);
	for (int i = 0; i < a->n_inputs; i++)
		if (read_bin(a->inputs[i], &in[i]) != 0) {
			free(in[i].data);
			in[i].data = NULL;
		}
	for (uint32_t i = 0; i < info->n_inputs; i++)
		if (in[i].data == NULL) {
			fprintf(stderr, "cannot read input %u\n", i);
			goto out;
		}
	for (uint32_t i = 0; i < info->n_outputs; i++) {
		const med_tensor_desc *d = &info->outputs[i];
		out[i].size = med_tensor_nbytes(d->dtype, d->n_dims, d->dims);
		out[i].data = malloc(out[i].size);
	}
	rc = bench(m, a, in, out);
out:
	for (int i = 0; i < MED_PLUGIN_MAX_IO; i++) {
		free(in[i].data);
		free(out[i].data);
	}
	med_infer_model_free(m);
	return rc;
}

int
main(int argc, char **argv)
{
	args a;
	med_infer_host *h = NULL;
	int rc;

	if (parse(argc, argv, &a) != 0) {
		fprintf(stderr,
			"usage: %s MODEL [-p PLUGIN_DIR] [-t THREADS] "
			"[-n RUNS] [-i INPUT.bin]... [-o OUTDIR] "
			"[-x KEY=VALUE]...\n",
			argv[0]);
		return 2;
	}
	med_log_init("bench-infer_yunet", MED_LOG_WARN);
	med_infer_config cfg = {.plugin_dir = a.plugins, .threads = a.threads};
	if (med_infer_host_new(&cfg, &h) != MED_OK) {
		fprintf(stderr, "no plugin directory %s\n", a.plugins);
		return 1;
	}
	rc = run(h, &a);
	med_infer_host_free(h);
	return rc;
}
