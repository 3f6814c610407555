/*
 * test_infer_cpu.c - the cpu backend through the host: every generated
 * graph (tests/plugins/gen_graphs.py, written into build/tests/plugins by
 * make) run and compared with its numpy reference, malformed models refused
 * with the expected message, and a deterministic corruption replay of the
 * loader (the fuzz target's corpus, without libFuzzer).
 */
#include "testlib.h"

#include <math.h>
#include <med/infer.h>
#include <med/log.h>
#include <stdint.h>

static const char *
build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && b[0] ? b : "build";
}

static med_infer_host *
cpu_host(void)
{
	char dir[512];
	med_infer_config cfg = {.plugin_dir = dir, .threads = 1};
	med_infer_host *h = NULL;

	snprintf(dir, sizeof(dir), "%s/plugins", build_dir());
	MT_OK(med_infer_host_new(&cfg, &h));
	MT_EQ_STR(med_infer_backend_name(h, 0), "cpu");
	return h;
}

static void
graph_path(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s/tests/plugins/graphs/%s%s", build_dir(), name,
		 suffix);
}

/* read_bin reads a MEDT tensor file (see gen_graphs.py) into t. */
static void
read_bin(const char *path, med_tensor *t)
{
	FILE *f = fopen(path, "rb");
	char magic[4];
	uint32_t hdr[2];

	if (f == NULL)
		mt_fail(__FILE__, __LINE__, "cannot open %s", path);
	MT_TRUE(fread(magic, 1, 4, f) == 4 && memcmp(magic, "MEDT", 4) == 0);
	MT_TRUE(fread(hdr, 4, 2, f) == 2 && hdr[1] <= MED_TENSOR_MAX_DIMS);
	memset(t, 0, sizeof(*t));
	t->dtype = hdr[0];
	t->n_dims = hdr[1];
	MT_TRUE(fread(t->dims, 8, hdr[1], f) == hdr[1]);
	t->size = med_tensor_nbytes(t->dtype, t->n_dims, t->dims);
	t->data = malloc(t->size + 1);
	MT_TRUE(t->data && fread(t->data, 1, t->size, f) == t->size);
	fclose(f);
}

static int
compare(const char *name, int i, const med_tensor *got, const med_tensor *want,
	double tol)
{
	if (got->n_dims != want->n_dims ||
	    memcmp(got->dims, want->dims, want->n_dims * 8) != 0) {
		printf("  %s: output %d shape differs\n", name, i);
		return 1;
	}
	size_t n = want->size / 4;
	const float *a = got->data, *b = want->data;
	double worst = 0;
	for (size_t k = 0; k < n; k++) {
		double d = fabs((double)a[k] - b[k]) / (1.0 + fabs(b[k]));
		if (!(d <= worst))
			worst = isnan(d) ? INFINITY : d;
	}
	if (worst > tol) {
		printf("  %s: output %d off by %g (tolerance %g)\n", name, i,
		       worst, tol);
		return 1;
	}
	return 0;
}

/* run_case loads NAME.onnx, runs it and compares every output. */
static int
run_case(med_infer_host *h, const char *name, int n_in, int n_out, double tol)
{
	char path[600], msg[256] = "";
	med_infer_model_opts o = {.format = "onnx",
				  .path = path,
				  .device = MED_DEVICE_CPU,
				  .strict = true};
	med_infer_model *m = NULL;
	med_tensor in[8], out[8], want[8];
	int bad = 0;

	graph_path(path, sizeof(path), name, ".onnx");
	if (med_infer_model_load(h, &o, &m, msg, sizeof(msg)) != MED_OK) {
		printf("  %s: load failed: %s\n", name, msg);
		return 1;
	}
	for (int i = 0; i < n_in; i++) {
		snprintf(msg, sizeof(msg), ".in%d.bin", i);
		graph_path(path, sizeof(path), name, msg);
		read_bin(path, &in[i]);
	}
	for (int i = 0; i < n_out; i++) {
		snprintf(msg, sizeof(msg), ".out%d.bin", i);
		graph_path(path, sizeof(path), name, msg);
		read_bin(path, &want[i]);
		out[i] = (med_tensor){.data = malloc(want[i].size),
				      .size = want[i].size};
	}
	if (med_infer_run(m, in, (uint32_t)n_in, out, (uint32_t)n_out, msg,
			  sizeof(msg)) != MED_OK) {
		printf("  %s: run failed: %s\n", name, msg);
		bad = 1;
	}
	for (int i = 0; !bad && i < n_out; i++)
		bad |= compare(name, i, &out[i], &want[i], tol);
	for (int i = 0; i < n_in; i++)
		free(in[i].data);
	for (int i = 0; i < n_out; i++) {
		free(out[i].data);
		free(want[i].data);
	}
	med_infer_model_free(m);
	return bad;
}

static FILE *
manifest(void)
{
	char path[600];
	FILE *f;

	graph_path(path, sizeof(path), "manifest", ".txt");
	f = fopen(path, "r");
	if (f == NULL)
		mt_fail(__FILE__, __LINE__, "%s missing: run make", path);
	return f;
}

/* run_prefix runs every "ok" case whose name starts with prefix. */
static void
run_prefix(const char *prefix)
{
	med_infer_host *h = cpu_host();
	FILE *f = manifest();
	char line[256], name[128];
	int n_in, n_out, seen = 0, failed = 0;
	double tol;

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ok %127s %d %d %lf", name, &n_in, &n_out,
			   &tol) == 4 &&
		    strncmp(name, prefix, strlen(prefix)) == 0) {
			seen++;
			failed += run_case(h, name, n_in, n_out, tol);
		}
	fclose(f);
	med_infer_host_free(h);
	if (seen == 0)
		mt_fail(__FILE__, __LINE__, "no graphs named %s*", prefix);
	if (failed)
		mt_fail(__FILE__, __LINE__, "%d of %d %s* graphs failed",
			failed, seen, prefix);
}

#define OP_CASE(fn, prefix)                                                    \
	static void fn(void)                                                   \
	{                                                                      \
		run_prefix(prefix);                                            \
	}
OP_CASE(test_conv, "conv")
OP_CASE(test_relu, "relu")
OP_CASE(test_sigmoid, "sigmoid")
OP_CASE(test_leakyrelu, "leakyrelu")
OP_CASE(test_clip, "clip")
OP_CASE(test_prelu, "prelu")
OP_CASE(test_add, "add")
OP_CASE(test_sub, "sub")
OP_CASE(test_mul, "mul")
OP_CASE(test_div, "div")
OP_CASE(test_batchnorm, "batchnormalization")
OP_CASE(test_softmax, "softmax")
OP_CASE(test_maxpool, "maxpool")
OP_CASE(test_averagepool, "averagepool")
OP_CASE(test_globalaveragepool, "globalaveragepool")
OP_CASE(test_concat, "concat")
OP_CASE(test_reshape, "reshape")
OP_CASE(test_flatten, "flatten")
OP_CASE(test_transpose, "transpose")
OP_CASE(test_constant, "constant")
OP_CASE(test_shape_ops, "shape_ops")
OP_CASE(test_unsqueeze, "unsqueeze")
OP_CASE(test_squeeze, "squeeze")
OP_CASE(test_slice, "slice")
OP_CASE(test_gather, "gather")
OP_CASE(test_resize, "resize")
OP_CASE(test_gemm, "gemm")
OP_CASE(test_matmul, "matmul")
OP_CASE(test_resnet_block, "net_")

/* test_malformed: every "bad" model is refused with its word in msg. */
static void
test_malformed(void)
{
	med_infer_host *h = cpu_host();
	FILE *f = manifest();
	char line[256], name[128], word[64], path[600], msg[256];
	int seen = 0;

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "bad %127s %63s", name, word) != 2)
			continue;
		med_infer_model_opts o = {.format = "onnx", .path = path};
		med_infer_model *m = NULL;
		graph_path(path, sizeof(path), name, ".onnx");
		msg[0] = '\0';
		MT_EQ_INT(med_infer_model_load(h, &o, &m, msg, sizeof(msg)),
			  MED_ERR_INVALID);
		if (strstr(msg, word) == NULL)
			mt_fail(__FILE__, __LINE__, "%s: '%s' lacks '%s'", name,
				msg, word);
		seen++;
	}
	fclose(f);
	MT_TRUE(seen >= 10);
	med_infer_host_free(h);
}

/*
 * test_corruption_replay: truncations and byte flips of a real graph (a
 * fixed xorshift sequence, so every run replays the same corpus) must load
 * or fail cleanly, never crash.  The libFuzzer target explores further.
 */
static void
test_corruption_replay(void)
{
	med_infer_host *h = cpu_host();
	char src[600], dst[600];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned char *buf = malloc(1 << 20), *mut = malloc(1 << 20);
	size_t len;
	FILE *f;

	graph_path(src, sizeof(src), "net_resnet_block", ".onnx");
	snprintf(dst, sizeof(dst), "%s/m.onnx", mt_tmpdir());
	f = fopen(src, "rb");
	MT_TRUE(f && buf && mut);
	len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	for (int i = 0; i < 300; i++) {
		memcpy(mut, buf, len);
		size_t n = len;
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		if (i % 3 == 0)
			n = s % len;
		else
			for (int k = 0; k < 1 + i % 8; k++) {
				s ^= s << 13, s ^= s >> 7, s ^= s << 17;
				mut[s % len] ^=
					(unsigned char)(1u << (s >> 61));
			}
		f = fopen(dst, "wb");
		MT_TRUE(f && fwrite(mut, 1, n, f) == n);
		fclose(f);
		med_infer_model_opts o = {.format = "onnx", .path = dst};
		med_infer_model *m = NULL;
		if (med_infer_model_load(h, &o, &m, NULL, 0) == MED_OK)
			med_infer_model_free(m);
	}
	free(buf);
	free(mut);
	med_infer_host_free(h);
}

static const mt_case cases[] = {
	{"conv", test_conv},
	{"relu", test_relu},
	{"sigmoid", test_sigmoid},
	{"leakyrelu", test_leakyrelu},
	{"clip", test_clip},
	{"prelu", test_prelu},
	{"add", test_add},
	{"sub", test_sub},
	{"mul", test_mul},
	{"div", test_div},
	{"batchnormalization", test_batchnorm},
	{"softmax", test_softmax},
	{"maxpool", test_maxpool},
	{"averagepool", test_averagepool},
	{"globalaveragepool", test_globalaveragepool},
	{"concat", test_concat},
	{"reshape", test_reshape},
	{"flatten", test_flatten},
	{"transpose", test_transpose},
	{"constant", test_constant},
	{"shape_ops", test_shape_ops},
	{"unsqueeze", test_unsqueeze},
	{"squeeze", test_squeeze},
	{"slice", test_slice},
	{"gather", test_gather},
	{"resize", test_resize},
	{"gemm", test_gemm},
	{"matmul", test_matmul},
	{"resnet_block", test_resnet_block},
	{"malformed", test_malformed},
	{"corruption_replay", test_corruption_replay},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	/* Refusals log at error; keep the test output readable. */
	med_log_init("test_infer_cpu", MED_LOG_WARN + 2);
	return mt_main(argc, argv, cases);
}
