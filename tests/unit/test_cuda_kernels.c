/*
 * test_cuda_kernels.c - the cuda backend's kernel arithmetic on the CPU.
 * No GPU is needed or used: graph.cu is compiled as plain C++ with CU_EMU
 * (plugins/cuda/module.mk), so every kernel body of kernels.h runs through
 * a CPU walk of its launch grid (every block and thread, the grid-stride
 * loop) and sgemm is OpenBLAS called column-major as cuBLAS is.  Each generated
 * graph is run that way and by the cpu backend's own kernels (same loaded
 * graph, same memory plan), and both are compared with the numpy reference;
 * YuNet too when
 * ../shared/models is there, and diagnosis's two-output classifier.  What this
 * does not check: anything that happens on a GPU (launch limits, device memory,
 * cuBLAS, streams, fast math) - tests/unit/test_cuda.c's gpu_parity does, on a
 * GPU machine.
 */
#include "test_cuda_graphs.h"

#include <cblas.h>

#include "cpu.h"
#include "cu.h"

/*
 * The emulation's device side: host memory, OpenBLAS, memcpy.  cu_gemm
 * makes the column-major call that runtime.cu makes to cuBLAS (operands
 * swapped, Y^T = op(B)^T op(A)^T), so the row/column-major mapping is
 * checked here too; keep the two in step.
 */
int
cu_gemm(cu_ctx *c, int trans_a, int trans_b, int m, int n, int k, float alpha,
	const float *a, int lda, const float *b, int ldb, float beta, float *y,
	int ldc)
{
	(void)c;
	cblas_sgemm(CblasColMajor, trans_b ? CblasTrans : CblasNoTrans,
		    trans_a ? CblasTrans : CblasNoTrans, n, m, k, alpha, b, ldb,
		    a, lda, beta, y, ldc);
	return 0;
}

int
cu_copy(cu_ctx *c, void *dst, const void *src, size_t bytes)
{
	(void)c;
	memmove(dst, src, bytes);
	return 0;
}

int
cu_launched(cu_ctx *c, const char *what)
{
	(void)c;
	(void)what;
	return 0;
}

/* A run's buffers: a pointer per value, the arena, the outputs. */
typedef struct run_bufs {
	void **ptr;
	void *arena;
	float *scratch;
	void *out[MED_PLUGIN_MAX_IO];
} run_bufs;

/*
 * bufs_new lays the values out as the backends do; poison fills the arena
 * and outputs with NaN bytes so a kernel that reads what nobody wrote
 * shows.  Constants are copied, so a kernel writing one would show too.
 */
static void
bufs_new(const cv_graph *g, const med_tensor *in, run_bufs *b, int poison)
{
	memset(b, 0, sizeof(*b));
	b->ptr = calloc((size_t)g->n_vals, sizeof(void *));
	b->arena = malloc(g->arena_bytes + 64);
	b->scratch = malloc((g->scratch_bytes + 1) * sizeof(float));
	MT_TRUE(b->ptr && b->arena && b->scratch);
	memset(b->arena, poison ? 0xff : 0, g->arena_bytes + 64);
	for (int i = 0; i < g->n_vals; i++) {
		const cv_value *v = &g->vals[i];
		if (v->kind == V_CONST) {
			b->ptr[i] = malloc(v->bytes + 1);
			MT_TRUE(b->ptr[i] != NULL);
			memcpy(b->ptr[i], v->data, v->bytes);
		} else if (v->kind == V_ACT && !v->is_output) {
			b->ptr[i] = (char *)b->arena + v->offset;
		}
	}
	for (int i = 0; i < g->n_inputs; i++)
		b->ptr[g->inputs[i]] = in[i].data;
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		b->out[i] = malloc(v->bytes + 1);
		MT_TRUE(b->out[i] != NULL);
		memset(b->out[i], poison ? 0xff : 0, v->bytes);
		if (v->kind == V_ACT)
			b->ptr[g->outputs[i]] = b->out[i];
	}
}

/* bufs_outputs copies outputs that are constants or inputs. */
static void
bufs_outputs(const cv_graph *g, run_bufs *b)
{
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		if (v->kind != V_ACT)
			memcpy(b->out[i], b->ptr[g->outputs[i]], v->bytes);
	}
}

static void
bufs_free(const cv_graph *g, run_bufs *b)
{
	for (int i = 0; i < g->n_vals; i++)
		if (g->vals[i].kind == V_CONST)
			free(b->ptr[i]);
	for (int i = 0; i < g->n_outputs; i++)
		free(b->out[i]);
	free(b->ptr);
	free(b->arena);
	free(b->scratch);
}

static cv_graph *
load(const char *path)
{
	med_plugin_err err = {0, ""};
	cv_graph *g = NULL;
	size_t len;
	void *buf;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		mt_fail(__FILE__, __LINE__, "cannot open %s", path);
	MT_TRUE(fseek(f, 0, SEEK_END) == 0);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len);
	MT_TRUE(buf && fread(buf, 1, len, f) == len);
	fclose(f);
	if (cv_onnx_load(buf, len, &g, &err) != 0)
		mt_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
	free(buf);
	return g;
}

/* run_both runs g on the emulated kernels (emu) and the cpu backend's. */
static void
run_both(const cv_graph *g, const med_tensor *in, run_bufs *emu, run_bufs *cpu)
{
	med_plugin_err err = {0, ""};
	cu_fn *fns = calloc((size_t)g->n_nodes + 1, sizeof(cu_fn));
	cu_ctx c;

	MT_TRUE(fns != NULL);
	if (cu_graph_bind(g, fns, &err) != 0)
		mt_fail(__FILE__, __LINE__, "bind: %s", err.msg);
	bufs_new(g, in, emu, 1);
	memset(&c, 0, sizeof(c));
	c.scratch = emu->scratch;
	MT_EQ_INT(cu_graph_run(&c, g, fns, emu->ptr), 0);
	bufs_outputs(g, emu);
	free(fns);

	bufs_new(g, in, cpu, 0);
	cv_exec x = {.ptr = cpu->ptr, .scratch = cpu->scratch};
	cv_graph_run(g, &x);
	bufs_outputs(g, cpu);
}

/* graph_case: one generated graph; 0 when emu matches cpu and numpy. */
static int
graph_case(const char *name, int n_in, int n_out, double tol)
{
	char path[600];
	med_tensor in[8], want;
	run_bufs emu, cpu;
	int bad = 0;

	cg_path(path, sizeof(path), name, ".onnx");
	cv_graph *g = load(path);
	MT_TRUE(n_in == g->n_inputs && n_out == g->n_outputs && n_in <= 8);
	for (int i = 0; i < n_in; i++)
		cg_tensor(name, "in", i, &in[i]);
	run_both(g, in, &emu, &cpu);
	for (int i = 0; i < n_out; i++) {
		const cv_value *v = &g->vals[g->outputs[i]];
		cg_tensor(name, "out", i, &want);
		double d_cpu =
			cg_diff(v->dtype, emu.out[i], cpu.out[i], v->bytes);
		double d_ref =
			cg_diff(v->dtype, emu.out[i], want.data, v->bytes);
		if (want.size != v->bytes || d_cpu > tol || d_ref > tol) {
			printf("  %s: output %d off by %g from cpu, %g from "
			       "numpy (tolerance %g)\n",
			       name, i, d_cpu, d_ref, tol);
			bad = 1;
		}
		free(want.data);
	}
	for (int i = 0; i < n_in; i++)
		free(in[i].data);
	bufs_free(g, &emu);
	bufs_free(g, &cpu);
	cv_graph_free(g);
	return bad;
}

/* run_set runs a graph set through the emulated kernels; at least min. */
static void
run_set(const char *set, int min)
{
	int seen = 0, failed = cg_each(set, graph_case, &seen);

	printf("  %d %s through the emulated kernels\n", seen, set);
	MT_TRUE(seen >= min);
	if (failed)
		mt_fail(__FILE__, __LINE__, "%d of %d %s differ", failed, seen,
			set);
}

static void
test_graphs(void)
{
	run_set("graphs", 40);
}

/* test_cuda_graphs: gen_cuda_graphs.py's extra operators and paths. */
static void
test_cuda_graphs(void)
{
	run_set("cuda_graphs", 10);
}

/* emu_matches_cpu runs the model at path on a synthetic input (a fixed
 * pattern of 0..255, times scale plus offset) by the emulation and by the
 * cpu backend, and fails unless every output agrees within tol. */
static void
emu_matches_cpu(const char *path, float scale, float offset, double tol)
{
	cv_graph *g = load(path);
	const cv_value *v = &g->vals[g->inputs[0]];
	med_tensor in = {.dtype = v->dtype, .size = v->bytes};
	float *p = malloc(v->bytes);
	run_bufs emu, cpu;

	MT_TRUE(p != NULL && v->dtype == MED_DTYPE_F32);
	for (size_t i = 0; i < v->n; i++)
		p[i] = (float)((i * 7919u + (i >> 9) * 104729u) % 256u) *
			       scale +
		       offset;
	in.data = p;
	run_both(g, &in, &emu, &cpu);
	for (int i = 0; i < g->n_outputs; i++) {
		const cv_value *o = &g->vals[g->outputs[i]];
		double d = cg_diff(o->dtype, emu.out[i], cpu.out[i], o->bytes);
		printf("  %s: %g\n", o->name, d);
		if (d > tol)
			mt_fail(__FILE__, __LINE__, "%s off by %g", o->name, d);
	}
	bufs_free(g, &emu);
	bufs_free(g, &cpu);
	free(p);
	cv_graph_free(g);
}

/* test_yunet: a real detector, a synthetic image, emu against cpu. */
static void
test_yunet(void)
{
	FILE *f = fopen(CG_YUNET, "rb");

	if (f == NULL)
		MT_SKIP(CG_YUNET " absent (see ../shared/README.md)");
	fclose(f);
	emu_matches_cpu(CG_YUNET, 1.0f, 0.0f, 1e-4);
}

/* test_pneumonia_gradcam: diagnosis's classifier, whose two outputs (the
 * probabilities and the Grad-CAM maps, a Conv reading the same Relu as
 * the pooling) both come back from a cuda run; input in [-1, 1] as the
 * service normalises it. */
static void
test_pneumonia_gradcam(void)
{
	emu_matches_cpu("services/diagnosis/models/pneumonia_cnn_v1.onnx",
			1.0f / 127.5f, -1.0f, 1e-5);
}

/* test_pneumonia224: the single 224 px classifier (2.0.0, issue 52),
 * strided Convs and a 14 x 14 Grad-CAM map, the same way. */
static void
test_pneumonia224(void)
{
	emu_matches_cpu("services/diagnosis/models/pneumonia_cxr224_v2.onnx",
			1.0f / 127.5f, -1.0f, 1e-5);
}

/* test_pneumonia224_ensemble: 3.0.0, eight members as one network whose
 * convolutions after the first are grouped by member (group 8), the same
 * way. */
static void
test_pneumonia224_ensemble(void)
{
	emu_matches_cpu("services/diagnosis/models/pneumonia_cxr224_v3.onnx",
			1.0f / 127.5f, -1.0f, 1e-5);
}

/* test_pneumonia224_finetuned: the default since 4.0.0, a MobileNetV2:
 * depthwise convolutions (one group per channel), TensorFlow's asymmetric
 * SAME pads on the strided ones, Clip (Relu6) after most Convs, a 7 x 7
 * Grad-CAM map; the same way. */
static void
test_pneumonia224_finetuned(void)
{
	emu_matches_cpu("services/diagnosis/models/pneumonia_cxr224_v4.onnx",
			1.0f / 127.5f, -1.0f, 1e-5);
}

int
main(int argc, char **argv)
{
	static const mt_case cases[] = {
		{"graphs", test_graphs},
		{"cuda_graphs", test_cuda_graphs},
		{"yunet", test_yunet},
		{"pneumonia_gradcam", test_pneumonia_gradcam},
		{"pneumonia224", test_pneumonia224},
		{"pneumonia224_ensemble", test_pneumonia224_ensemble},
		{"pneumonia224_finetuned", test_pneumonia224_finetuned},
		{NULL, NULL},
	};
	/* Line-buffered: a case's figures survive its process's exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return mt_main(argc, argv, cases);
}
