/*
 * classic.c - run the cpu backend's classic face models (Haar cascade,
 * LBP embedder) through the inference host on raw grey images read from
 * stdin: the C half of tests/integration/test_classic_faces.py and of
 * tools/bench/classic_orl.py.
 *
 *   bench-classic haar CASCADE.xml [-p PLUGIN_DIR] [-n RUNS] [KEY=VALUE...]
 *   bench-classic lbp [-p PLUGIN_DIR] [-n RUNS] [KEY=VALUE...]
 *
 * stdin: records "W H\n" followed by W*H bytes of 8-bit grey pixels.
 * stdout, one line per record: haar "N x y w h neighbours ..." (N boxes),
 * lbp the embedding's floats.  KEY=VALUE pairs are model-load options
 * (docs/plugin-abi.md).  With -n, each image is run RUNS more times and
 * "run_ms_median X" ends the output (the median over all runs).
 */
#include <med/infer.h>
#include <med/log.h>
#include <med/util.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_OPTS 8

typedef struct args {
	const char *format, *path, *plugin_dir;
	int runs;
	med_plugin_kv opts[MAX_OPTS];
	char *keys[MAX_OPTS];
	size_t n_opts;
} args;

static int
parse_args(int argc, char **argv, args *a)
{
	int i = 2;

	if (argc < 2)
		return -1;
	a->plugin_dir = "build/plugins";
	a->format = strcmp(argv[1], "haar") == 0 ? "haar-xml" : "lbp";
	if (strcmp(argv[1], "haar") == 0) {
		if (argc < 3)
			return -1;
		a->path = argv[i++];
	} else if (strcmp(argv[1], "lbp") != 0) {
		return -1;
	}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			a->plugin_dir = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			a->runs = (int)strtol(argv[++i], NULL, 10);
		} else if (eq != NULL && a->n_opts < MAX_OPTS) {
			a->keys[a->n_opts] =
				strndup(argv[i], (size_t)(eq - argv[i]));
			a->opts[a->n_opts] =
				(med_plugin_kv){a->keys[a->n_opts], eq + 1};
			a->n_opts++;
		} else {
			return -1;
		}
	}
	return 0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
print_out(const args *a, const med_tensor *out)
{
	if (strcmp(a->format, "lbp") == 0) {
		const float *e = out[0].data;
		for (size_t i = 0; i < out[0].size / sizeof(float); i++)
			printf(i ? " %.7g" : "%.7g", (double)e[i]);
		printf("\n");
		return;
	}
	const float *b = out[0].data;
	int64_t n = *(const int64_t *)out[1].data;
	printf("%lld", (long long)n);
	for (int64_t i = 0; i < 5 * n; i++)
		printf(" %g", (double)b[i]);
	printf("\n");
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* run_one runs one image (and RUNS timed repeats); -1 on error. */
static int
run_one(med_infer_model *m, const args *a, med_tensor *in, med_tensor *out,
	double *ms, size_t *n_ms)
{
	char msg[256];

	if (med_infer_run(m, in, 1, out, med_infer_model_info(m)->n_outputs,
			  msg, sizeof(msg)) != MED_OK) {
		fprintf(stderr, "bench-classic: run: %s\n", msg);
		return -1;
	}
	print_out(a, out);
	for (int r = 0; r < a->runs && *n_ms < 100000; r++) {
		double t0 = now_ms();
		if (med_infer_run(m, in, 1, out,
				  med_infer_model_info(m)->n_outputs, msg,
				  sizeof(msg)) != MED_OK)
			return -1;
		ms[(*n_ms)++] = now_ms() - t0;
	}
	return 0;
}

static int
loop(med_infer_model *m, const args *a)
{
	const med_model_info *info = med_infer_model_info(m);
	med_tensor out[2] = {{0}};
	double *ms = malloc(sizeof(double) * 100000);
	size_t n_ms = 0;
	int w, h, rc = 0;

	for (uint32_t i = 0; ms && i < info->n_outputs; i++) {
		out[i].size = med_tensor_nbytes(info->outputs[i].dtype,
						info->outputs[i].n_dims,
						info->outputs[i].dims);
		out[i].data = malloc(out[i].size);
	}
	while (rc == 0 && ms && scanf("%d %d", &w, &h) == 2 &&
	       getchar() == '\n') {
		med_tensor in = {.dtype = MED_DTYPE_U8,
				 .n_dims = 4,
				 .dims = {1, 1, h, w}};
		in.size = (size_t)w * (size_t)h;
		in.data = malloc(in.size ? in.size : 1);
		if (in.data == NULL ||
		    fread(in.data, 1, in.size, stdin) != in.size)
			rc = -1;
		else
			rc = run_one(m, a, &in, out, ms, &n_ms);
		free(in.data);
	}
	if (rc == 0 && n_ms > 0) {
		qsort(ms, n_ms, sizeof(double), cmp_double);
		printf("run_ms_median %.3f\n", ms[n_ms / 2]);
	}
	free(out[0].data);
	free(out[1].data);
	free(ms);
	return rc;
}

int
main(int argc, char **argv)
{
	args a = {0};
	char msg[256] = "";
	med_infer_config cfg = {.threads = 1};
	med_infer_host *h = NULL;
	med_infer_model *m = NULL;
	int rc = 1;

	if (parse_args(argc, argv, &a)) {
		fprintf(stderr, "usage: bench-classic haar CASCADE.xml | lbp "
				"[-p PLUGIN_DIR] [-n RUNS] [KEY=VALUE...]\n");
		return 2;
	}
	med_log_init("bench-classic", MED_LOG_WARN);
	cfg.plugin_dir = a.plugin_dir;
	med_infer_model_opts o = {.format = a.format,
				  .path = a.path,
				  .device = MED_DEVICE_CPU,
				  .opts = a.opts,
				  .n_opts = a.n_opts};
	if (med_infer_host_new(&cfg, &h) != MED_OK) {
		fprintf(stderr, "bench-classic: no host at %s\n", a.plugin_dir);
		goto out;
	}
	if (med_infer_model_load(h, &o, &m, msg, sizeof(msg)) != MED_OK) {
		fprintf(stderr, "bench-classic: load: %s\n", msg);
		goto out;
	}
	rc = loop(m, &a) ? 1 : 0;
out:
	med_infer_model_free(m);
	med_infer_host_free(h);
	for (size_t i = 0; i < a.n_opts; i++)
		free(a.keys[i]);
	return rc;
}
