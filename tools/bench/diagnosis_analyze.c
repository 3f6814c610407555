/*
 * diagnosis_analyze.c - AnalyzeImage latency and throughput against an
 * in-process reference measured in the same run.
 *
 *   bench-diagnosis_analyze TARGET TOKEN PLUGIN_DIR MODEL IMAGE
 *                           [N [THREADS]]
 *
 * Environment: MED_TLS_CERT, MED_TLS_KEY, MED_TLS_CA (the client identity
 * for the service's mutual TLS port).  tools/bench/diagnosis.py starts the
 * service and runs this twice, host batching off and on.
 *
 * 1. local: in this process, N times: decode IMAGE, resize to the model's
 *    input, normalise, med_infer_run on the cpu backend (batch 1) — what
 *    AnalyzeImage computes, without gRPC, TLS, auth, the database insert
 *    and the audit event.  p50 latency.
 * 2. rpc1: one thread calls AnalyzeImage N times: p50 and p99 latency, and
 *    the ratio rpc1 p50 / local p50.
 * 3. rpcN: THREADS threads call AnalyzeImage N times in all: calls/s.
 *
 * Any failed call stops the run: a run with errors is not a measurement.
 */
#include <med/arena.h>
#include <med/image.h>
#include <med/infer.h>
#include <med/rpc.h>
#include <med/util.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"

#define MAX_THREADS 64
#define ANALYZE	    "/smartmed.diagnosis.v1.Diagnosis/AnalyzeImage"

typedef struct bench {
	const char *target, *token;
	med_channel *ch;
	uint8_t *img;
	size_t img_len;
	long n, threads;
	_Atomic long next;
	_Atomic long errors;
} bench;

static double
now_us(void)
{
	return (double)med_mono_ns() / 1e3;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		if (f)
			fclose(f);
		return 1;
	}
	*out = malloc((size_t)n);
	*len = (size_t)n;
	if (*out == NULL || fread(*out, 1, *len, f) != *len) {
		fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

/* The in-process reference's largest input side and Grad-CAM map. */
#define LOCAL_MAX_SIDE 224
#define LOCAL_MAX_CAM  (2 * 28 * 28)

/* local_once is AnalyzeImage's computation in this process, at the
 * model's own side x side input. */
static int
local_once(med_infer_model *m, const bench *b, float *x, uint32_t side)
{
	const med_model_info *info = med_infer_model_info(m);
	med_image *img = NULL;
	float probs[16];
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, 1, side, side},
			 .data = x,
			 .size = sizeof(float) * side * side};
	/* The model's Grad-CAM output, when it has one, comes out of the
	 * same run as in the service: [1, 2, 7, 7] for pneumonia_cxr224_v4
	 * and pneumonia_cnn_v1, [1, 2, 14, 14] for v2 and v3. */
	static float cam[LOCAL_MAX_CAM];
	int64_t ch = info->n_outputs > 1 ? info->outputs[1].dims[2] : 1;
	int64_t cw = info->n_outputs > 1 ? info->outputs[1].dims[3] : 1;
	med_tensor out[2] = {{.dtype = MED_DTYPE_F32,
			      .n_dims = 2,
			      .dims = {1, 2},
			      .data = probs,
			      .size = sizeof(float) * 2},
			     {.dtype = MED_DTYPE_F32,
			      .n_dims = 4,
			      .dims = {1, 2, ch, cw},
			      .data = cam,
			      .size = sizeof(float) * 2 * (size_t)(ch * cw)}};
	uint32_t n_out = info->n_outputs;
	int rc = 1;

	if (ch < 1 || cw < 1 || 2 * ch * cw > LOCAL_MAX_CAM)
		return 1;
	if (med_image_decode(b->img, b->img_len, NULL, &img, NULL, 0) !=
		    MED_OK ||
	    med_image_resize(img, side, side, x) != MED_OK)
		goto out;
	for (uint32_t i = 0; i < side * side; i++)
		x[i] = (x[i] - 0.5f) / 0.5f;
	rc = n_out > 2 ||
	     med_infer_run(m, &in, 1, out, n_out, NULL, 0) != MED_OK;
out:
	med_image_free(img);
	return rc;
}

static int
run_local(bench *b, const char *plugins, const char *model, double *p50)
{
	med_infer_config hc = {.plugin_dir = plugins, .threads = 1};
	med_infer_model_opts o = {.format = "onnx", .path = model};
	med_infer_host *h = NULL;
	med_infer_model *m = NULL;
	double *lat = calloc((size_t)b->n, sizeof(*lat));
	float *x = calloc((size_t)LOCAL_MAX_SIDE * LOCAL_MAX_SIDE, sizeof(*x));
	int64_t side = 0;
	int rc = 1;

	if (lat == NULL || x == NULL || med_infer_host_new(&hc, &h) != MED_OK ||
	    med_infer_model_load(h, &o, &m, NULL, 0) != MED_OK) {
		fprintf(stderr, "cannot load %s from %s\n", model, plugins);
		goto out;
	}
	side = med_infer_model_info(m)->inputs[0].dims[3];
	if (side < 1 || side > LOCAL_MAX_SIDE ||
	    med_infer_model_info(m)->inputs[0].dims[2] != side) {
		fprintf(stderr, "%s: not a square input up to %d\n", model,
			LOCAL_MAX_SIDE);
		goto out;
	}
	for (long i = 0; i < b->n; i++) {
		double t0 = now_us();
		if (local_once(m, b, x, (uint32_t)side) != 0)
			goto out;
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)b->n, sizeof(*lat), cmp_double);
	*p50 = lat[b->n / 2];
	printf("local   p50_us=%.1f calls=%ld (decode+resize+infer at "
	       "%lldx%lld, "
	       "batch 1)\n",
	       *p50, b->n, (long long)side, (long long)side);
	rc = 0;
out:
	med_infer_model_free(m);
	med_infer_host_free(h);
	free(x);
	free(lat);
	return rc;
}

static int
call_once(bench *b, med_arena *a)
{
	Smartmed__Diagnosis__V1__AnalyzeImageRequest req =
		SMARTMED__DIAGNOSIS__V1__ANALYZE_IMAGE_REQUEST__INIT;
	med_call_opts o = {.token = b->token};
	char patient[MED_UUID_LEN + 1];
	ProtobufCMessage *out = NULL;
	med_rpc_status st;

	med_uuid_v4(patient);
	req.patient_id = patient;
	req.image.data = b->img;
	req.image.len = b->img_len;
	med_arena_reset(a);
	if (med_channel_unary(b->ch, ANALYZE, &req.base,
			      &smartmed__diagnosis__v1__finding__descriptor, a,
			      &o, &out, &st) != MED_OK) {
		fprintf(stderr, "AnalyzeImage: %d %s\n", st.code, st.message);
		return 1;
	}
	return 0;
}

static int
run_rpc1(bench *b, double local_p50)
{
	double *lat = calloc((size_t)b->n, sizeof(*lat));
	med_arena *a = med_arena_new(1 << 20);
	int rc = 1;

	for (long i = 0; lat && a && i < b->n; i++) {
		double t0 = now_us();
		if (call_once(b, a) != 0)
			goto out;
		lat[i] = now_us() - t0;
	}
	if (lat && a) {
		qsort(lat, (size_t)b->n, sizeof(*lat), cmp_double);
		printf("rpc1    p50_us=%.1f p99_us=%.1f calls=%ld\n",
		       lat[b->n / 2], lat[b->n * 99 / 100], b->n);
		printf("ratio   rpc1_p50/local_p50=%.2f\n",
		       lat[b->n / 2] / local_p50);
		rc = 0;
	}
out:
	med_arena_free(a);
	free(lat);
	return rc;
}

static void *
rpc_thread(void *arg)
{
	bench *b = arg;
	med_arena *a = med_arena_new(1 << 20);

	while (a && atomic_fetch_add(&b->next, 1) < b->n)
		if (call_once(b, a) != 0) {
			atomic_fetch_add(&b->errors, 1);
			break;
		}
	med_arena_free(a);
	return NULL;
}

static int
run_rpcn(bench *b)
{
	pthread_t t[MAX_THREADS];
	double t0 = now_us();

	atomic_store(&b->next, 0);
	for (long i = 0; i < b->threads; i++)
		pthread_create(&t[i], NULL, rpc_thread, b);
	for (long i = 0; i < b->threads; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&b->errors) != 0) {
		fprintf(stderr, "%ld calls failed: not a measurement\n",
			atomic_load(&b->errors));
		return 1;
	}
	printf("rpcN    calls_per_s=%.0f n=%ld threads=%ld\n",
	       b->n / ((now_us() - t0) / 1e6), b->n, b->threads);
	return 0;
}

int
main(int argc, char **argv)
{
	bench b = {0};
	med_tls tls = {0};
	med_channel_opts co = {.tls = &tls};
	char err[256];
	double local_p50 = 0;
	int rc = 1;

	if (argc < 6) {
		fprintf(stderr,
			"usage: %s TARGET TOKEN PLUGIN_DIR MODEL IMAGE"
			" [N [THREADS]]\n",
			argv[0]);
		return 2;
	}
	b.target = argv[1];
	b.token = argv[2];
	b.n = argc > 6 ? strtol(argv[6], NULL, 10) : 2000;
	b.threads = argc > 7 ? strtol(argv[7], NULL, 10) : 8;
	if (b.n < 1 || b.threads < 1 || b.threads > MAX_THREADS ||
	    read_file(argv[5], &b.img, &b.img_len) != 0)
		return 2;
	if (med_tls_load(&tls, getenv("MED_TLS_CERT"), getenv("MED_TLS_KEY"),
			 getenv("MED_TLS_CA"), err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "MED_TLS_*: %s\n", err);
		goto out;
	}
	if (med_channel_open_opts(b.target, &co, &b.ch) != MED_OK) {
		fprintf(stderr, "cannot open the channel\n");
		goto out;
	}
	if (run_local(&b, argv[3], argv[4], &local_p50) != 0 ||
	    run_rpc1(&b, local_p50) != 0 || run_rpcn(&b) != 0)
		goto out;
	rc = 0;
out:
	med_channel_close(b.ch);
	med_tls_fini(&tls);
	free(b.img);
	return rc;
}
