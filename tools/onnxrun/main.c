/*
 * onnxrun - runs one model through the inference host, for model tools and
 * their tests (the face model converter's parity check) and for timing.
 *
 *   onnxrun [--plugins DIR] [--repeat N] [--output I] MODEL IN.bin OUT.bin
 *
 * IN.bin may be a comma-separated list, one tensor per model input in
 * the model's order (a model with several inputs).
 * IN.bin and OUT.bin are MEDT tensors (tests/plugins/gen_graphs.py): the
 * bytes "MEDT", u32 dtype (1 f32, 2 u8, 3 i64), u32 ndim, ndim x i64
 * dims, then the data, little-endian.  Every output of the model is
 * computed; output I (default 0, the first), shaped as the model reports
 * it for this input, is written to OUT.bin.  With
 * --repeat N the run is repeated and the median time per run printed.
 * The plugin folder defaults to <binary dir>/../plugins; the device is the
 * CPU.  Exit status: 0 done, 1 the model failed, 2 usage or I/O.
 */
#include <med/infer.h>
#include <med/util.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPEAT 1000

static int
read_tensor(const char *path, med_tensor *t)
{
	FILE *f = fopen(path, "rb");
	char magic[4];
	uint32_t hdr[2];
	int ok;

	if (f == NULL)
		return -1;
	memset(t, 0, sizeof(*t));
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "MEDT", 4) == 0 &&
	     fread(hdr, 4, 2, f) == 2 && hdr[1] <= MED_TENSOR_MAX_DIMS &&
	     fread(t->dims, 8, hdr[1], f) == hdr[1];
	if (ok) {
		t->dtype = hdr[0];
		t->n_dims = hdr[1];
		t->size = med_tensor_nbytes(t->dtype, t->n_dims, t->dims);
		t->data = t->size ? malloc(t->size) : NULL;
		ok = t->data != NULL &&
		     fread(t->data, 1, t->size, f) == t->size;
	}
	fclose(f);
	return ok ? 0 : -1;
}

static int
write_tensor(const char *path, const med_tensor *t)
{
	FILE *f = fopen(path, "wb");
	uint32_t hdr[2] = {t->dtype, t->n_dims};
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite("MEDT", 1, 4, f) == 4 && fwrite(hdr, 4, 2, f) == 2 &&
	     fwrite(t->dims, 8, t->n_dims, f) == t->n_dims &&
	     fwrite(t->data, 1, t->size, f) == t->size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* alloc_outputs sizes out[0..n) from the model, batch dims[0]. */
static int
alloc_outputs(const med_model_info *info, int64_t batch, med_tensor *out)
{
	for (uint32_t i = 0; i < info->n_outputs; i++) {
		const med_tensor_desc *d = &info->outputs[i];

		out[i] = (med_tensor){.dtype = d->dtype, .n_dims = d->n_dims};
		memcpy(out[i].dims, d->dims, sizeof(out[i].dims));
		out[i].dims[0] = batch;
		out[i].size = med_tensor_nbytes(out[i].dtype, out[i].n_dims,
						out[i].dims);
		if (out[i].size == 0 ||
		    (out[i].data = malloc(out[i].size)) == NULL)
			return -1;
	}
	return 0;
}

/* run_model runs m repeat times on in[0..n_in); out[] is sized from the
 * model. */
static int
run_model(med_infer_model *m, med_tensor *in, uint32_t n_in, med_tensor *out,
	  int repeat)
{
	const med_model_info *info = med_infer_model_info(m);
	static double ms[MAX_REPEAT];
	char msg[256] = "";

	if (alloc_outputs(info, in->dims[0], out) != 0)
		return -1;
	for (int i = 0; i < repeat; i++) {
		int64_t t0 = med_mono_ns();

		if (med_infer_run(m, in, n_in, out, info->n_outputs, msg,
				  sizeof(msg)) != MED_OK) {
			fprintf(stderr, "onnxrun: run failed: %s\n", msg);
			return -1;
		}
		ms[i] = (double)(med_mono_ns() - t0) / 1e6;
	}
	if (repeat > 1) {
		qsort(ms, (size_t)repeat, sizeof(ms[0]), by_value);
		printf("median %.3f ms per run over %d runs\n", ms[repeat / 2],
		       repeat);
	}
	return 0;
}

/* read_inputs reads the comma-separated MEDT files of list into in[],
 * *n their number. */
static int
read_inputs(const char *list, med_tensor *in, uint32_t *n)
{
	char path[4096];
	const char *p = list;

	while (*n < MED_PLUGIN_MAX_IO) {
		size_t len = strcspn(p, ",");

		if (len >= sizeof(path))
			return -1;
		memcpy(path, p, len);
		path[len] = '\0';
		if (read_tensor(path, &in[(*n)++]) != 0) {
			fprintf(stderr, "onnxrun: %s: not a MEDT tensor\n",
				path);
			return -1;
		}
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
	fprintf(stderr, "onnxrun: more than %d inputs\n", MED_PLUGIN_MAX_IO);
	return -1;
}

/* onnxrun_args - the command line. */
typedef struct onnxrun_args {
	char plugins[4096];
	const char *model, *in_path, *out_path;
	int repeat;
	uint32_t output;
} onnxrun_args;

static int
run(const onnxrun_args *a)
{
	med_infer_config hc = {.plugin_dir = a->plugins, .threads = 1};
	med_infer_model_opts o = {.format = "onnx",
				  .path = a->model,
				  .device = MED_DEVICE_CPU,
				  .strict = true};
	med_infer_host *h = NULL;
	med_infer_model *m = NULL;
	static med_tensor out[MED_PLUGIN_MAX_IO], in[MED_PLUGIN_MAX_IO];
	uint32_t n_in = 0;
	char msg[256] = "";
	int rc = 1;

	if (read_inputs(a->in_path, in, &n_in) != 0) {
		rc = 2;
		goto out;
	}
	if (med_infer_host_new(&hc, &h) != MED_OK ||
	    med_infer_model_load(h, &o, &m, msg, sizeof(msg)) != MED_OK) {
		fprintf(stderr, "onnxrun: %s: %s\n", a->model,
			msg[0] ? msg : "the plugin folder is unusable");
		goto out;
	}
	if (a->output >= med_infer_model_info(m)->n_outputs) {
		fprintf(stderr, "onnxrun: %s has no output %u\n", a->model,
			a->output);
		rc = 2;
	} else if (run_model(m, in, n_in, out, a->repeat) == 0) {
		rc = write_tensor(a->out_path, &out[a->output]) == 0 ? 0 : 2;
	}
out:
	med_infer_model_free(m);
	med_infer_host_free(h);
	for (size_t i = 0; i < MED_PLUGIN_MAX_IO; i++) {
		free(in[i].data);
		free(out[i].data);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"plugins", required_argument, NULL, 'p'},
		{"repeat", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	static onnxrun_args a = {.repeat = 1};
	long output = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			med_strlcpy(a.plugins, optarg, sizeof(a.plugins));
		else if (c == 'r')
			a.repeat = (int)strtol(optarg, NULL, 10);
		else if (c == 'o')
			output = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind != 3 || a.repeat < 1 || a.repeat > MAX_REPEAT ||
	    output < 0 || output >= MED_PLUGIN_MAX_IO) {
		fputs("usage: onnxrun [--plugins DIR] [--repeat N] [--output "
		      "I] "
		      "MODEL IN.bin OUT.bin\n",
		      stderr);
		return 2;
	}
	if (a.plugins[0] == '\0' &&
	    med_exe_relative(a.plugins, sizeof(a.plugins), "../plugins") != 0)
		return 2;
	a.output = (uint32_t)output;
	a.model = argv[optind];
	a.in_path = argv[optind + 1];
	a.out_path = argv[optind + 2];
	return run(&a);
}
