/*
 * onnxrun - runs one model through the inference host, for model tools and
 * their tests (the face model converter's parity check) and for timing.
 *
 *   onnxrun [--plugins DIR] [--repeat N] MODEL IN.bin OUT.bin
 *
 * IN.bin and OUT.bin are MEDT tensors (tests/plugins/gen_graphs.py): the
 * bytes "MEDT", u32 dtype (1 f32, 2 u8, 3 i64), u32 ndim, ndim x i64
 * dims, then the data, little-endian.  The model's first output, shaped
 * as the model reports it for this input, is written to OUT.bin.  With
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

/* run_model runs m repeat times on in; out is sized from the model. */
static int
run_model(med_infer_model *m, med_tensor *in, med_tensor *out, int repeat)
{
	const med_tensor_desc *d = &med_infer_model_info(m)->outputs[0];
	static double ms[MAX_REPEAT];
	char msg[256] = "";

	*out = (med_tensor){.dtype = d->dtype, .n_dims = d->n_dims};
	memcpy(out->dims, d->dims, sizeof(out->dims));
	out->dims[0] = in->dims[0];
	out->size = med_tensor_nbytes(out->dtype, out->n_dims, out->dims);
	if (out->size == 0 || (out->data = malloc(out->size)) == NULL)
		return -1;
	for (int i = 0; i < repeat; i++) {
		int64_t t0 = med_mono_ns();

		if (med_infer_run(m, in, 1, out, 1, msg, sizeof(msg)) !=
		    MED_OK) {
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

static int
run(const char *plugins, const char *model, const char *in_path,
    const char *out_path, int repeat)
{
	med_infer_config hc = {.plugin_dir = plugins, .threads = 1};
	med_infer_model_opts o = {.format = "onnx",
				  .path = model,
				  .device = MED_DEVICE_CPU,
				  .strict = true};
	med_infer_host *h = NULL;
	med_infer_model *m = NULL;
	med_tensor in, out = {0};
	char msg[256] = "";
	int rc = 1;

	if (read_tensor(in_path, &in) != 0) {
		fprintf(stderr, "onnxrun: %s: not a MEDT tensor\n", in_path);
		return 2;
	}
	if (med_infer_host_new(&hc, &h) != MED_OK ||
	    med_infer_model_load(h, &o, &m, msg, sizeof(msg)) != MED_OK) {
		fprintf(stderr, "onnxrun: %s: %s\n", model,
			msg[0] ? msg : "the plugin folder is unusable");
		goto out;
	}
	if (run_model(m, &in, &out, repeat) == 0)
		rc = write_tensor(out_path, &out) == 0 ? 0 : 2;
out:
	med_infer_model_free(m);
	med_infer_host_free(h);
	free(in.data);
	free(out.data);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"plugins", required_argument, NULL, 'p'},
		{"repeat", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	char plugins[4096] = "";
	int repeat = 1, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			med_strlcpy(plugins, optarg, sizeof(plugins));
		else if (c == 'r')
			repeat = (int)strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind != 3 || repeat < 1 || repeat > MAX_REPEAT) {
		fputs("usage: onnxrun [--plugins DIR] [--repeat N] MODEL "
		      "IN.bin OUT.bin\n",
		      stderr);
		return 2;
	}
	if (plugins[0] == '\0' &&
	    med_exe_relative(plugins, sizeof(plugins), "../plugins") != 0)
		return 2;
	return run(plugins, argv[optind], argv[optind + 1], argv[optind + 2],
		   repeat);
}
