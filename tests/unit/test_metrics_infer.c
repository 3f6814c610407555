/*
 * test_metrics_infer.c - the inference host's Prometheus series: labelled
 * by model, backend and the device actually used (also after a fallback),
 * requests counted by outcome, batch sizes from host batching.  Uses the
 * fixture backends of plugins/fixtures (build/tests/fixtures/plugins).
 */
#include "testlib.h"

#include <med/infer.h>
#include <med/metrics.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

/* host_of links fixtures fx_A.so (and fx_B.so) into a plugin directory. */
static med_infer_host *
host_of(const char *a, const char *b)
{
	const char *build = getenv("BUILD");
	const char *names[] = {a, b};
	char dir[512], src[1024], dst[1024], real[4096];
	med_infer_config cfg = {.plugin_dir = dir, .threads = 1};
	med_infer_host *h = NULL;

	snprintf(dir, sizeof(dir), "%s/plugins", mt_tmpdir());
	MT_OK(mkdir(dir, 0755));
	for (int i = 0; i < 2 && names[i] != NULL; i++) {
		snprintf(src, sizeof(src), "%s/tests/fixtures/plugins/fx_%s.so",
			 build && build[0] ? build : "build", names[i]);
		if (realpath(src, real) == NULL)
			mt_fail(__FILE__, __LINE__, "missing fixture %s", src);
		snprintf(dst, sizeof(dst), "%s/%s.so", dir, names[i]);
		MT_OK(symlink(real, dst));
	}
	MT_OK(med_infer_host_new(&cfg, &h));
	return h;
}

static med_err
run_one(med_infer_model *m, size_t n_in)
{
	float x[8] = {1, 2, 3, 4}, y[4] = {0};
	med_tensor in = {
		MED_DTYPE_F32, 2, {1, (int64_t)n_in}, x, n_in * sizeof(float)};
	med_tensor out = {.data = y, .size = sizeof(y)};

	return med_infer_run(m, &in, 1, &out, 1, NULL, 0);
}

#define GPU_LABELS "model=\"echo\",backend=\"fx_gpu\",device=\"gpu\""

static void
test_counts_by_device_and_outcome(void)
{
	med_infer_host *h = host_of("good", "gpu");
	med_infer_model_opts o = {.format = "echo"};
	med_infer_model *m = NULL;

	MT_OK(med_infer_model_load(h, &o, &m, NULL, 0));
	for (int i = 0; i < 3; i++)
		MT_OK(run_one(m, 4));
	MT_EQ_INT(run_one(m, 8), MED_ERR_INVALID);
	MT_EQ_INT(mt_lib_metric("smartmed_inference_requests_total{" GPU_LABELS
				",outcome=\"ok\"}"),
		  3);
	MT_EQ_INT(mt_lib_metric("smartmed_inference_requests_total{" GPU_LABELS
				",outcome=\"invalid\"}"),
		  1);
	MT_EQ_INT(mt_lib_metric("smartmed_inference_requests_total{" GPU_LABELS
				",outcome=\"error\"}"),
		  0);
	MT_EQ_INT(
		mt_lib_metric(
			"smartmed_inference_duration_seconds_count{" GPU_LABELS
			"}"),
		4);
	/* The refused request never reached the backend. */
	MT_EQ_INT(
		mt_lib_metric("smartmed_inference_batch_size_bucket{" GPU_LABELS
			      ",le=\"1\"}"),
		3);
	MT_EQ_INT(mt_lib_metric("smartmed_inference_model_loaded{" GPU_LABELS
				",fallback=\"false\"}"),
		  1);
	med_infer_model_free(m);
	MT_EQ_INT(mt_lib_metric("smartmed_inference_model_loaded{" GPU_LABELS
				",fallback=\"false\"}"),
		  0);
	med_infer_host_free(h);
}

static void
test_fallback_reports_cpu(void)
{
	med_infer_host *h = host_of("good", "nogpu");
	med_infer_model_opts o = {.format = "echo",
				  .path = "/srv/models/we\"ird name.v2.onnx",
				  .device = MED_DEVICE_GPU};
	med_infer_model *m = NULL;

	MT_OK(med_infer_model_load(h, &o, &m, NULL, 0));
	MT_OK(run_one(m, 4));
	/* The device label is the one used, not the one asked for; the
	 * model label is the file name, quotes and spaces replaced. */
	MT_EQ_INT(mt_lib_metric(
			  "smartmed_inference_requests_total{model=\"we_ird_"
			  "name.v2\",backend=\"fx_cpu\",device=\"cpu\","
			  "outcome=\"ok\"}"),
		  1);
	MT_EQ_INT(
		mt_lib_metric("smartmed_inference_model_loaded{model=\"we_ird_"
			      "name.v2\",backend=\"fx_cpu\",device=\"cpu\","
			      "fallback=\"true\"}"),
		1);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

#define N_CALLERS 8

static void *
caller(void *arg)
{
	return (void *)(uintptr_t)(run_one(arg, 4) != MED_OK);
}

static void
test_batch_sizes(void)
{
	med_infer_host *h = host_of("good", NULL);
	med_infer_model_opts o = {.format = "echo",
				  .max_batch = N_CALLERS,
				  .max_wait_us = 2000000};
	med_infer_model *m = NULL;
	pthread_t t[N_CALLERS];
	const char *l = "model=\"echo\",backend=\"fx_cpu\",device=\"cpu\"";
	char s[256];

	MT_OK(med_infer_model_load(h, &o, &m, NULL, 0));
	for (int i = 0; i < N_CALLERS; i++)
		MT_OK(pthread_create(&t[i], NULL, caller, m));
	for (int i = 0; i < N_CALLERS; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		MT_TRUE(bad == NULL);
	}
	/* Every item is in one run; the runs are fewer than the items. */
	snprintf(s, sizeof(s), "smartmed_inference_batch_size_sum{%s}", l);
	MT_EQ_INT(mt_lib_metric(s), N_CALLERS);
	snprintf(s, sizeof(s), "smartmed_inference_batch_size_count{%s}", l);
	MT_EQ_INT(mt_lib_metric(s), (double)med_infer_model_runs(m));
	MT_TRUE(mt_lib_metric(s) < N_CALLERS);
	snprintf(s, sizeof(s),
		 "smartmed_inference_requests_total{%s,outcome=\"ok\"}", l);
	MT_EQ_INT(mt_lib_metric(s), N_CALLERS);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

static const mt_case cases[] = {
	{"counts_by_device_and_outcome", test_counts_by_device_and_outcome},
	{"fallback_reports_cpu", test_fallback_reports_cpu},
	{"batch_sizes", test_batch_sizes},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
