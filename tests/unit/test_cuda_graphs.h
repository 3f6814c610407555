/*
 * test_cuda_graphs.h - what the cuda backend's two tests share: the
 * generated graphs (tests/plugins/gen_graphs.py in $BUILD/tests/plugins/
 * graphs, and tests/plugins/gen_cuda_graphs.py's extra ones in .../
 * cuda_graphs), their MEDT tensor files, and the relative difference both
 * compare with.  Static functions: each test includes it once.
 */
#ifndef TEST_CUDA_GRAPHS_H
#define TEST_CUDA_GRAPHS_H

#include "testlib.h"

#include <math.h>
#include <med/plugin.h>
#include <stdint.h>

/* YuNet, when the shared models are there (tests skip it otherwise). */
#define CG_YUNET "../shared/models/yunet/yunet_s_640_640.onnx"

static const char *
cg_build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && b[0] ? b : "build";
}

/* The graph set cg_path reads: "graphs" or "cuda_graphs" (cg_each). */
static const char *cg_set = "graphs";

static void
cg_path(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s/tests/plugins/%s/%s%s", cg_build_dir(), cg_set,
		 name, suffix);
}

/* cg_tensor reads NAME.in<i>.bin or NAME.out<i>.bin into t (malloc'd). */
static void
cg_tensor(const char *name, const char *kind, int i, med_tensor *t)
{
	char path[600], suffix[32];
	uint32_t hdr[3];
	FILE *f;

	snprintf(suffix, sizeof(suffix), ".%s%d.bin", kind, i);
	cg_path(path, sizeof(path), name, suffix);
	f = fopen(path, "rb");
	if (f == NULL)
		mt_fail(__FILE__, __LINE__, "cannot open %s", path);
	memset(t, 0, sizeof(*t));
	MT_TRUE(fread(hdr, 4, 3, f) == 3 && memcmp(hdr, "MEDT", 4) == 0 &&
		hdr[2] <= MED_TENSOR_MAX_DIMS);
	t->dtype = hdr[1];
	t->n_dims = hdr[2];
	MT_TRUE(fread(t->dims, 8, t->n_dims, f) == t->n_dims);
	t->size = t->dtype == MED_DTYPE_U8    ? 1
		  : t->dtype == MED_DTYPE_I64 ? 8
					      : 4;
	for (uint32_t k = 0; k < t->n_dims; k++)
		t->size *= (size_t)t->dims[k];
	t->data = malloc(t->size + 1);
	MT_TRUE(t->data && fread(t->data, 1, t->size, f) == t->size);
	fclose(f);
}

/*
 * cg_diff: the worst |a-b| / (1+|b|) over n floats (int64 and u8 tensors
 * compare bytewise: 0 or infinity); NaN counts as infinity.
 */
static double
cg_diff(uint32_t dtype, const void *got, const void *want, size_t bytes)
{
	const float *a = got, *b = want;
	double worst = 0;

	if (dtype != MED_DTYPE_F32)
		return memcmp(got, want, bytes) == 0 ? 0 : INFINITY;
	for (size_t k = 0; k < bytes / 4; k++) {
		double d = fabs((double)a[k] - b[k]) / (1.0 + fabs(b[k]));
		if (!(d <= worst))
			worst = isnan(d) ? INFINITY : d;
	}
	return worst;
}

typedef int (*cg_case_fn)(const char *name, int n_in, int n_out, double tol);

/* cg_each runs fn on every "ok" graph of set; returns how many failed. */
static int
cg_each(const char *set, cg_case_fn fn, int *seen)
{
	char path[600], line[256], name[128];
	int n_in, n_out, failed = 0;
	double tol;
	FILE *f;

	cg_set = set;
	cg_path(path, sizeof(path), "manifest", ".txt");
	f = fopen(path, "r");
	if (f == NULL)
		mt_fail(__FILE__, __LINE__, "%s missing: run make", path);
	*seen = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ok %127s %d %d %lf", name, &n_in, &n_out,
			   &tol) == 4) {
			(*seen)++;
			failed += fn(name, n_in, n_out, tol);
		}
	fclose(f);
	cg_set = "graphs";
	return failed;
}

#endif
