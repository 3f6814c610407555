/*
 * test_cuda.c - the cuda backend ($BUILD/plugins/cuda.so) loaded for real
 * by the inference host with dlopen.  Without a GPU (this machine, CI):
 * it loads, reports no device, AUTO and a non-strict GPU request end on
 * the cpu backend, a strict GPU request fails naming the device.  With a
 * GPU: every generated graph, YuNet and diagnosis's two-output classifier
 * run on cuda and on cpu and agree (gpu_parity).  Every case skips with a
 * message when cuda.so was not built (no nvcc, or make CUDA=0); gpu_parity
 * skips when no GPU is found, the no-GPU cases when one is.
 */
#include "test_cuda_graphs.h"

#include <med/infer.h>
#include <med/log.h>
#include <unistd.h>

static med_infer_host *
host_with_cuda(void)
{
	char dir[512], so[600];
	med_infer_config cfg = {.plugin_dir = dir, .threads = 1};
	med_infer_host *h = NULL;
	bool found = false;

	snprintf(dir, sizeof(dir), "%s/plugins", cg_build_dir());
	snprintf(so, sizeof(so), "%s/cuda.so", dir);
	if (access(so, F_OK) != 0)
		MT_SKIP("cuda.so not built (no nvcc, or make CUDA=0)");
	MT_OK(med_infer_host_new(&cfg, &h));
	MT_EQ_INT((int)med_infer_refused_count(h), 0);
	for (size_t i = 0; i < med_infer_backend_count(h); i++)
		found = found ||
			strcmp(med_infer_backend_name(h, i), "cuda") == 0;
	MT_TRUE(found);
	return h;
}

static med_err
load(med_infer_host *h, const char *path, const char *backend,
     med_device_kind dev, bool strict, med_infer_model **m, char *msg)
{
	med_infer_model_opts o = {.format = "onnx",
				  .path = path,
				  .backend = backend,
				  .device = dev,
				  .strict = strict};
	msg[0] = '\0';
	return med_infer_model_load(h, &o, m, msg, 256);
}

static bool
has_gpu(med_infer_host *h)
{
	char path[600], msg[256];
	med_infer_model *m = NULL;

	cg_path(path, sizeof(path), "relu", ".onnx");
	if (load(h, path, "cuda", MED_DEVICE_GPU, true, &m, msg) != MED_OK)
		return false;
	med_infer_model_free(m);
	return true;
}

static med_infer_host *
host_without_gpu(void)
{
	med_infer_host *h = host_with_cuda();

	if (has_gpu(h)) {
		med_infer_host_free(h);
		MT_SKIP("a GPU is present: see gpu_parity");
	}
	return h;
}

/* AUTO: no GPU, so the cpu backend on the CPU, and no fallback flag. */
static void
test_auto_uses_cpu(void)
{
	med_infer_host *h = host_without_gpu();
	char path[600], msg[256], desc[256];
	med_infer_model *m = NULL;

	cg_path(path, sizeof(path), "relu", ".onnx");
	MT_OK(load(h, path, NULL, MED_DEVICE_AUTO, false, &m, msg));
	MT_EQ_INT(med_infer_model_device(m), MED_DEVICE_CPU);
	MT_EQ_STR(med_infer_model_backend(m), "cpu");
	MT_TRUE(!med_infer_model_fallback(m));
	med_infer_model_describe(m, desc, sizeof(desc));
	MT_TRUE(strstr(desc, "device=cpu fallback=false") != NULL);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

/* GPU, not strict: a loud fallback to the cpu backend. */
static void
test_gpu_falls_back(void)
{
	med_infer_host *h = host_without_gpu();
	char path[600], msg[256];
	med_infer_model *m = NULL;

	cg_path(path, sizeof(path), "relu", ".onnx");
	MT_OK(load(h, path, NULL, MED_DEVICE_GPU, false, &m, msg));
	MT_EQ_INT(med_infer_model_device(m), MED_DEVICE_CPU);
	MT_EQ_STR(med_infer_model_backend(m), "cpu");
	MT_TRUE(med_infer_model_fallback(m));
	med_infer_model_free(m);
	med_infer_host_free(h);
}

/* GPU, strict: refused, and the message names the missing device. */
static void
test_gpu_strict_refused(void)
{
	med_infer_host *h = host_without_gpu();
	char path[600], msg[256];
	med_infer_model *m = NULL;

	cg_path(path, sizeof(path), "relu", ".onnx");
	MT_EQ_INT(load(h, path, NULL, MED_DEVICE_GPU, true, &m, msg),
		  MED_ERR_UNAVAILABLE);
	MT_TRUE(m == NULL);
	if (strstr(msg, "gpu") == NULL)
		mt_fail(__FILE__, __LINE__, "'%s' does not name the gpu", msg);
	MT_EQ_INT(load(h, path, "cuda", MED_DEVICE_AUTO, false, &m, msg),
		  MED_ERR_NOT_FOUND);
	MT_TRUE(strstr(msg, "cuda") != NULL);
	med_infer_host_free(h);
}

/* ---- on a GPU ----------------------------------------------------------- */

static med_infer_host *parity_host;

/* run_on runs one model on in[], outputs into out[] (malloc'd). */
static int
run_on(const char *path, const char *backend, med_device_kind dev,
       const med_tensor *in, int n_in, med_tensor *out, int n_out)
{
	char msg[256];
	med_infer_model *m = NULL;
	int rc;

	if (load(parity_host, path, backend, dev, true, &m, msg) != MED_OK) {
		printf("  %s on %s: %s\n", path, backend, msg);
		return 1;
	}
	const med_model_info *info = med_infer_model_info(m);
	for (int i = 0; i < n_out; i++) {
		const med_tensor_desc *d = &info->outputs[i];
		out[i] = (med_tensor){.dtype = d->dtype, .n_dims = d->n_dims};
		memcpy(out[i].dims, d->dims, sizeof(out[i].dims));
		out[i].size = med_tensor_nbytes(d->dtype, d->n_dims, d->dims);
		out[i].data = malloc(out[i].size + 1);
	}
	rc = med_infer_run(m, in, (uint32_t)n_in, out, (uint32_t)n_out, msg,
			   sizeof(msg)) != MED_OK;
	if (rc)
		printf("  %s on %s: %s\n", path, backend, msg);
	med_infer_model_free(m);
	return rc;
}

/* parity: cuda against cpu (and against want when given). */
static int
parity(const char *name, const char *path, const med_tensor *in, int n_in,
       int n_out, double tol, const med_tensor *want)
{
	med_tensor gpu[MED_PLUGIN_MAX_IO] = {{0}},
		   cpu[MED_PLUGIN_MAX_IO] = {{0}};
	int bad = run_on(path, "cuda", MED_DEVICE_GPU, in, n_in, gpu, n_out);

	bad |= run_on(path, "cpu", MED_DEVICE_CPU, in, n_in, cpu, n_out);
	for (int i = 0; !bad && i < n_out; i++) {
		double d = cg_diff(gpu[i].dtype, gpu[i].data, cpu[i].data,
				   gpu[i].size);
		double r = want ? cg_diff(gpu[i].dtype, gpu[i].data,
					  want[i].data, gpu[i].size)
				: 0;
		printf("  %s: output %d: cuda-cpu %g\n", name, i, d);
		if (d > tol || r > tol) {
			printf("  %s: output %d off by %g from cpu, %g from "
			       "numpy (tolerance %g)\n",
			       name, i, d, r, tol);
			bad = 1;
		}
	}
	for (int i = 0; i < n_out; i++) {
		free(gpu[i].data);
		free(cpu[i].data);
	}
	return bad;
}

static int
graph_parity(const char *name, int n_in, int n_out, double tol)
{
	char path[600];
	med_tensor in[8], want[8];
	int bad;

	MT_TRUE(n_in <= 8 && n_out <= 8);
	cg_path(path, sizeof(path), name, ".onnx");
	for (int i = 0; i < n_in; i++)
		cg_tensor(name, "in", i, &in[i]);
	for (int i = 0; i < n_out; i++)
		cg_tensor(name, "out", i, &want[i]);
	bad = parity(name, path, in, n_in, n_out, tol, want);
	for (int i = 0; i < n_in; i++)
		free(in[i].data);
	for (int i = 0; i < n_out; i++)
		free(want[i].data);
	return bad;
}

/* pattern_input fills a float tensor of desc d with a fixed pattern of
 * 0..255 (shifted by seed), times scale plus offset. */
static med_tensor
pattern_input(const med_tensor_desc *d, unsigned seed, float scale,
	      float offset)
{
	med_tensor t = {.dtype = d->dtype, .n_dims = d->n_dims};
	float *p;

	MT_EQ_INT(d->dtype, MED_DTYPE_F32);
	memcpy(t.dims, d->dims, sizeof(t.dims));
	t.size = med_tensor_nbytes(d->dtype, d->n_dims, d->dims);
	p = malloc(t.size);
	MT_TRUE(p != NULL);
	for (size_t i = 0; i < t.size / 4; i++)
		p[i] = (float)((i * 7919u + (i >> 9) * 104729u + seed * 31u) %
			       256u) *
			       scale +
		       offset;
	t.data = p;
	return t;
}

/* model_parity runs the model at path on cuda and cpu on synthetic inputs
 * (pattern_input, one per graph input). */
static void
model_parity(const char *name, const char *path, float scale, float offset,
	     double tol)
{
	med_infer_model *m = NULL;
	med_tensor in[MED_PLUGIN_MAX_IO];
	char msg[256];

	if (access(path, R_OK) != 0) {
		printf("  %s: %s absent, skipped\n", name, path);
		return;
	}
	MT_OK(load(parity_host, path, "cpu", MED_DEVICE_CPU, true, &m, msg));
	const med_model_info *info = med_infer_model_info(m);
	uint32_t n_in = info->n_inputs, n_out = info->n_outputs;
	MT_TRUE(n_in <= MED_PLUGIN_MAX_IO && n_out <= MED_PLUGIN_MAX_IO);
	for (uint32_t i = 0; i < n_in; i++)
		in[i] = pattern_input(&info->inputs[i], i, scale, offset);
	med_infer_model_free(m);
	if (parity(name, path, in, (int)n_in, (int)n_out, tol, NULL))
		mt_fail(__FILE__, __LINE__, "%s differs on cuda", name);
	for (uint32_t i = 0; i < n_in; i++)
		free(in[i].data);
}

/* The face models identity runs (make deps converts them into
 * $BUILD/models/face), each on a pattern scaled to 0..1: detection,
 * landmarks, the embedding, the presentation-attack checks. */
static const char *const face_models[] = {
	"face-api-tiny-detector-v1", "face-landmarks-68-v1", "dlib-resnet-v1",
	"minifasnet-fused-v1",	     "human-liveness-v1",
};

static void
face_parity(void)
{
	char path[600];

	for (size_t i = 0; i < sizeof(face_models) / sizeof(face_models[0]);
	     i++) {
		snprintf(path, sizeof(path), "%s/models/face/%s.onnx",
			 cg_build_dir(), face_models[i]);
		model_parity(face_models[i], path, 1.0f / 255.0f, 0.0f, 1e-3);
	}
}

static void
test_gpu_parity(void)
{
	int seen = 0, n = 0, failed;

	parity_host = host_with_cuda();
	if (!has_gpu(parity_host)) {
		med_infer_host_free(parity_host);
		MT_SKIP("no GPU: cuda.so loaded, but its probe found no "
			"usable device");
	}
	failed = cg_each("graphs", graph_parity, &seen);
	failed += cg_each("cuda_graphs", graph_parity, &n);
	seen += n;
	if (failed)
		mt_fail(__FILE__, __LINE__, "%d of %d graphs differ on cuda",
			failed, seen);
	model_parity("yunet", CG_YUNET, 1.0f, 0.0f, 1e-3);
	/* Two outputs, the second (Grad-CAM) a Conv beside the pooling. */
	model_parity("pneumonia_gradcam",
		     "services/diagnosis/models/pneumonia_cnn_v1.onnx",
		     1.0f / 127.5f, -1.0f, 1e-4);
	face_parity();
	med_infer_host_free(parity_host);
}

int
main(int argc, char **argv)
{
	static const mt_case cases[] = {
		{"auto_uses_cpu", test_auto_uses_cpu},
		{"gpu_falls_back", test_gpu_falls_back},
		{"gpu_strict_refused", test_gpu_strict_refused},
		{"gpu_parity", test_gpu_parity},
		{NULL, NULL},
	};
	/* Line-buffered: a case's figures survive its process's exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	med_log_init("test_cuda", MED_LOG_INFO);
	return mt_main(argc, argv, cases);
}
