/*
 * ops_conv.c - Conv (im2col + sgemm, 1x1 straight to sgemm, depthwise by a
 * direct row kernel), MaxPool, AveragePool, GlobalAveragePool and Resize.
 * All take 4-d NCHW float tensors.
 */
#include "cpu.h"
#include "ops.h"

#include <math.h>
#include <string.h>

typedef struct geom {
	int64_t n, c, h, w, m, oh, ow;
} geom;

static geom
geom_of(const cv_graph *g, const cv_node *n)
{
	const cv_value *x = &g->vals[n->in[0]], *y = &g->vals[n->out[0]];
	geom r = {x->dims[0], x->dims[1], x->dims[2], x->dims[3],
		  y->dims[1], y->dims[2], y->dims[3]};
	return r;
}

/* window_attrs reads kernel/strides/pads/dilations and computes out dims. */
static int
window_attrs(cv_graph *g, cv_node *n, const cv_attr_src *s, bool ceil_mode,
	     int64_t *out_hw, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	cv_attrs *a = &n->a;
	const char *pad = cv_attr_str(s, "auto_pad", "NOTSET");

	for (int i = 0; i < 2; i++)
		a->strides[i] = a->dil[i] = 1;
	if (cv_attr_ints(s, "strides", a->strides, 2) < 0 ||
	    cv_attr_ints(s, "dilations", a->dil, 2) < 0 ||
	    cv_attr_ints(s, "pads", a->pads, 4) < 0)
		return cv_node_fail(err, n, "only 2-d windows are supported");
	for (int i = 0; i < 2; i++) {
		int64_t in = x->dims[2 + i], k = a->kernel[i];
		int64_t ek = (k - 1) * a->dil[i] + 1;
		if (k < 1 || k > 1024 || a->strides[i] < 1 ||
		    a->strides[i] > 1024 || a->dil[i] < 1 || a->dil[i] > 64)
			return cv_node_fail(err, n,
					    "bad kernel, stride or "
					    "dilation");
		if (strcmp(pad, "SAME_UPPER") == 0 ||
		    strcmp(pad, "SAME_LOWER") == 0) {
			int64_t o = (in + a->strides[i] - 1) / a->strides[i];
			int64_t tot = (o - 1) * a->strides[i] + ek - in;
			tot = tot < 0 ? 0 : tot;
			bool up = pad[5] == 'U';
			a->pads[i] = up ? tot / 2 : tot - tot / 2;
			a->pads[i + 2] = tot - a->pads[i];
		} else if (strcmp(pad, "VALID") == 0) {
			a->pads[i] = a->pads[i + 2] = 0;
		} else if (strcmp(pad, "NOTSET") != 0) {
			return cv_node_fail(err, n, "auto_pad %s", pad);
		}
		if (a->pads[i] < 0 || a->pads[i + 2] < 0 || a->pads[i] > 1024 ||
		    a->pads[i + 2] > 1024)
			return cv_node_fail(err, n, "bad pads");
		int64_t span = in + a->pads[i] + a->pads[i + 2] - ek;
		if (span < 0)
			return cv_node_fail(err, n, "window larger than input");
		int64_t o =
			ceil_mode
				? (span + a->strides[i] - 1) / a->strides[i] + 1
				: span / a->strides[i] + 1;
		if (ceil_mode && (o - 1) * a->strides[i] >= in + a->pads[i])
			o--;
		out_hw[i] = o;
	}
	return 0;
}

/* ---- Conv -------------------------------------------------------------- */

static int
infer_conv(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0), *w = cv_in(g, n, 1);
	const cv_value *b = cv_in(g, n, 2);
	int64_t dims[4];

	if (!x || !w || x->ndim != 4 || w->ndim != 4 ||
	    x->dtype != MED_DTYPE_F32 || w->dtype != MED_DTYPE_F32)
		return cv_node_fail(err, n, "only 2-d float convolution");
	n->a.group = cv_attr_int(s, "group", 1);
	n->a.kernel[0] = w->dims[2];
	n->a.kernel[1] = w->dims[3];
	if (n->a.group < 1 || x->dims[1] % n->a.group ||
	    w->dims[1] * n->a.group != x->dims[1] || w->dims[0] % n->a.group ||
	    w->dims[0] == 0)
		return cv_node_fail(err, n,
				    "group %lld does not fit C=%lld "
				    "and W",
				    (long long)n->a.group,
				    (long long)x->dims[1]);
	if (b && (b->n != (size_t)w->dims[0] || b->dtype != MED_DTYPE_F32))
		return cv_node_fail(err, n, "bias is not [M]");
	int rc = window_attrs(g, n, s, false, dims + 2, err);
	if (rc)
		return rc;
	dims[0] = x->dims[0];
	dims[1] = w->dims[0];
	size_t col = (size_t)(w->dims[1] * w->dims[2] * w->dims[3]) *
		     (size_t)(dims[2] * dims[3]);
	if (col > g->scratch_bytes)
		g->scratch_bytes = col;
	return cv_set_shape(&g->vals[n->out[0]], MED_DTYPE_F32, 4, dims, n,
			    err);
}

/* out_range: ox with 0 <= ox*s + off < w, as [*lo, *hi). */
static void
out_range(int64_t off, int64_t s, int64_t w, int64_t ow, int64_t *lo,
	  int64_t *hi)
{
	int64_t l = off >= 0 ? 0 : (-off + s - 1) / s;
	int64_t h = w - 1 - off < 0 ? 0 : (w - 1 - off) / s + 1;

	*lo = l;
	*hi = h < ow ? h : ow;
	if (*hi < *lo)
		*hi = *lo;
}

/*
 * Hot loops are built for AVX2/AVX-512 as well as the baseline; the loader
 * picks one for the CPU it runs on (GCC function multi-versioning).
 */
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))

/*
 * dw3x3_row: one output row of a 3x3, stride 1, pad 1 depthwise filter in a
 * single pass (r0..r2 are the input rows above, at and below; NULL is a
 * padding row), the edges with zero padding.
 */
static inline float
dw_tap(const float *r, const float *k, int64_t x, int64_t w)
{
	float s = 0;

	if (r == NULL)
		return 0;
	if (x > 0)
		s += k[0] * r[x - 1];
	s += k[1] * r[x];
	if (x + 1 < w)
		s += k[2] * r[x + 1];
	return s;
}

HOT static void
dw3x3_row(const float *r0, const float *r1, const float *r2, const float *k,
	  float b0, int64_t w, int relu, float *restrict y)
{
	static const float zero[3] = {0, 0, 0};
	const float *k0 = r0 ? k : zero, *k2 = r2 ? k + 6 : zero;
	const float *restrict p0 = r0 ? r0 : r1;
	const float *restrict p1 = r1;
	const float *restrict p2 = r2 ? r2 : r1;
	float a0 = k0[0], a1 = k0[1], a2 = k0[2], c0 = k[3], c1 = k[4];
	float c2 = k[5], e0 = k2[0], e1 = k2[1], e2 = k2[2];

	for (int64_t x = 1; x + 1 < w; x++)
		y[x] = b0 + a0 * p0[x - 1] + a1 * p0[x] + a2 * p0[x + 1] +
		       c0 * p1[x - 1] + c1 * p1[x] + c2 * p1[x + 1] +
		       e0 * p2[x - 1] + e1 * p2[x] + e2 * p2[x + 1];
	y[0] = b0 + dw_tap(r0, k, 0, w) + dw_tap(r1, k + 3, 0, w) +
	       dw_tap(r2, k + 6, 0, w);
	if (w > 1)
		y[w - 1] = b0 + dw_tap(r0, k, w - 1, w) +
			   dw_tap(r1, k + 3, w - 1, w) +
			   dw_tap(r2, k + 6, w - 1, w);
	if (relu)
		for (int64_t x = 0; x < w; x++)
			y[x] = y[x] > 0 ? y[x] : 0;
}

static bool
is_dw3x3(const cv_attrs *a, geom d)
{
	return a->kernel[0] == 3 && a->kernel[1] == 3 && a->strides[0] == 1 &&
	       a->strides[1] == 1 && a->dil[0] == 1 && a->dil[1] == 1 &&
	       a->pads[0] == 1 && a->pads[1] == 1 && a->pads[2] == 1 &&
	       a->pads[3] == 1 && d.oh == d.h && d.ow == d.w;
}

static void
dw3x3(const cv_node *n, geom d, const float *x, const float *w,
      const float *bias, float *y)
{
	for (int64_t c = 0; c < d.c; c++) {
		const float *xc = x + c * d.h * d.w;
		for (int64_t oy = 0; oy < d.oh; oy++)
			dw3x3_row(oy > 0 ? xc + (oy - 1) * d.w : NULL,
				  xc + oy * d.w,
				  oy + 1 < d.h ? xc + (oy + 1) * d.w : NULL,
				  w + c * 9, bias ? bias[c] : 0, d.w,
				  n->a.fuse_relu, y + (c * d.oh + oy) * d.ow);
	}
}

/* depthwise: one filter per channel, accumulated a row at a time. */
HOT static void
depthwise(const cv_node *n, geom d, const float *x, const float *w,
	  const float *bias, float *y)
{
	const cv_attrs *a = &n->a;
	int64_t kh = a->kernel[0], kw = a->kernel[1];
	int64_t sy = a->strides[0], sx = a->strides[1];

	for (int64_t c = 0; c < d.c; c++) {
		const float *xc = x + c * d.h * d.w, *wc = w + c * kh * kw;
		for (int64_t oy = 0; oy < d.oh; oy++) {
			float *yr = y + (c * d.oh + oy) * d.ow;
			float b0 = bias ? bias[c] : 0;
			for (int64_t ox = 0; ox < d.ow; ox++)
				yr[ox] = b0;
			for (int64_t ky = 0; ky < kh; ky++) {
				int64_t iy =
					oy * sy - a->pads[0] + ky * a->dil[0];
				if (iy < 0 || iy >= d.h)
					continue;
				const float *xr = xc + iy * d.w;
				for (int64_t kx = 0; kx < kw; kx++) {
					float wv = wc[ky * kw + kx];
					int64_t off =
						kx * a->dil[1] - a->pads[1];
					int64_t lo, hi;
					out_range(off, sx, d.w, d.ow, &lo, &hi);
					if (sx == 1) {
						const float *xs = xr + off;
						for (int64_t ox = lo; ox < hi;
						     ox++)
							yr[ox] += wv * xs[ox];
					} else {
						for (int64_t ox = lo; ox < hi;
						     ox++)
							yr[ox] += wv *
								  xr[ox * sx +
								     off];
					}
				}
			}
			if (a->fuse_relu)
				for (int64_t ox = 0; ox < d.ow; ox++)
					yr[ox] = yr[ox] > 0 ? yr[ox] : 0;
		}
	}
}

/* im2col lays out the receptive fields of cg channels as columns. */
HOT static void
im2col(const cv_node *n, geom d, int64_t cg, const float *x, float *col)
{
	const cv_attrs *a = &n->a;
	int64_t kh = a->kernel[0], kw = a->kernel[1], ohw = d.oh * d.ow;
	int64_t sx = a->strides[1];

	for (int64_t c = 0; c < cg; c++)
		for (int64_t ky = 0; ky < kh; ky++)
			for (int64_t kx = 0; kx < kw; kx++) {
				float *row =
					col + ((c * kh + ky) * kw + kx) * ohw;
				int64_t off = kx * a->dil[1] - a->pads[1], lo,
					hi;
				out_range(off, sx, d.w, d.ow, &lo, &hi);
				for (int64_t oy = 0; oy < d.oh; oy++) {
					float *r = row + oy * d.ow;
					int64_t iy = oy * a->strides[0] -
						     a->pads[0] +
						     ky * a->dil[0];
					if (iy < 0 || iy >= d.h) {
						memset(r, 0, (size_t)d.ow * 4);
						continue;
					}
					const float *xr =
						x + (c * d.h + iy) * d.w;
					for (int64_t ox = 0; ox < lo; ox++)
						r[ox] = 0;
					if (sx == 1)
						memcpy(r + lo, xr + lo + off,
						       (size_t)(hi - lo) * 4);
					else
						for (int64_t ox = lo; ox < hi;
						     ox++)
							r[ox] = xr[ox * sx +
								   off];
					for (int64_t ox = hi; ox < d.ow; ox++)
						r[ox] = 0;
				}
			}
}

HOT static void
bias_relu(float *y, int64_t m, int64_t len, const float *bias, int relu)
{
	for (int64_t i = 0; i < m; i++) {
		float b0 = bias ? bias[i] : 0, *r = y + i * len;
		if (relu)
			for (int64_t k = 0; k < len; k++) {
				float v = r[k] + b0;
				r[k] = v > 0 ? v : 0;
			}
		else if (bias)
			for (int64_t k = 0; k < len; k++)
				r[k] += b0;
	}
}

static void
run_conv(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	geom d = geom_of(g, n);
	const cv_attrs *a = &n->a;
	const float *w = x->ptr[n->in[1]];
	const float *bias =
		n->n_in > 2 && n->in[2] >= 0 ? x->ptr[n->in[2]] : NULL;
	int64_t cg = d.c / a->group, mg = d.m / a->group;
	int64_t k = cg * a->kernel[0] * a->kernel[1], ohw = d.oh * d.ow;
	bool direct = a->kernel[0] == 1 && a->kernel[1] == 1 &&
		      a->strides[0] == 1 && a->strides[1] == 1 &&
		      a->pads[0] == 0 && a->pads[1] == 0 && a->pads[2] == 0 &&
		      a->pads[3] == 0;

	for (int64_t b = 0; b < d.n; b++) {
		const float *xb =
			(const float *)x->ptr[n->in[0]] + b * d.c * d.h * d.w;
		float *yb = (float *)x->ptr[n->out[0]] + b * d.m * ohw;
		if (cg == 1 && mg == 1 && is_dw3x3(a, d)) {
			dw3x3(n, d, xb, w, bias, yb);
			continue;
		}
		if (cg == 1 && mg == 1) {
			depthwise(n, d, xb, w, bias, yb);
			continue;
		}
		for (int64_t gi = 0; gi < a->group; gi++) {
			const float *xg = xb + gi * cg * d.h * d.w;
			if (!direct) {
				im2col(n, d, cg, xg, x->scratch);
				xg = x->scratch;
			}
			cv_sgemm(0, 0, (int)mg, (int)ohw, (int)k, 1.0f,
				 w + gi * mg * k, (int)k, xg, (int)ohw, 0,
				 yb + gi * mg * ohw, (int)ohw);
		}
		bias_relu(yb, d.m, ohw, bias, a->fuse_relu);
	}
}

/* ---- pooling ----------------------------------------------------------- */

static int
infer_pool(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[4];

	if (!x || x->ndim != 4 || x->dtype != MED_DTYPE_F32 || n->n_out != 1)
		return cv_node_fail(err, n,
				    "only 2-d float pooling, one "
				    "output");
	if (cv_attr_ints(s, "kernel_shape", n->a.kernel, 2) != 2)
		return cv_node_fail(err, n, "kernel_shape must have 2 values");
	n->a.count_include_pad = (int)cv_attr_int(s, "count_include_pad", 0);
	int rc = window_attrs(g, n, s, cv_attr_int(s, "ceil_mode", 0) != 0,
			      dims + 2, err);
	if (rc)
		return rc;
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	return cv_set_shape(&g->vals[n->out[0]], MED_DTYPE_F32, 4, dims, n,
			    err);
}

static void
pool(const cv_graph *g, const cv_node *n, cv_exec *x, bool is_max)
{
	geom d = geom_of(g, n);
	const cv_attrs *a = &n->a;
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];

	for (int64_t p = 0; p < d.n * d.c; p++) {
		const float *xc = in + p * d.h * d.w;
		for (int64_t oy = 0; oy < d.oh; oy++)
			for (int64_t ox = 0; ox < d.ow; ox++) {
				float acc = is_max ? -INFINITY : 0;
				int64_t cnt = 0, pad_cnt = 0;
				for (int64_t ky = 0; ky < a->kernel[0]; ky++) {
					int64_t iy = oy * a->strides[0] -
						     a->pads[0] +
						     ky * a->dil[0];
					for (int64_t kx = 0; kx < a->kernel[1];
					     kx++) {
						int64_t ix =
							ox * a->strides[1] -
							a->pads[1] +
							kx * a->dil[1];
						if (iy >= -a->pads[0] &&
						    iy < d.h + a->pads[2] &&
						    ix >= -a->pads[1] &&
						    ix < d.w + a->pads[3])
							pad_cnt++;
						if (iy < 0 || iy >= d.h ||
						    ix < 0 || ix >= d.w)
							continue;
						float v = xc[iy * d.w + ix];
						acc = is_max ? (v > acc ? v
									: acc)
							     : acc + v;
						cnt++;
					}
				}
				if (!is_max)
					acc /= (float)(a->count_include_pad
							       ? pad_cnt
							       : (cnt ? cnt
								      : 1));
				out[(p * d.oh + oy) * d.ow + ox] = acc;
			}
	}
}

/* maxpool_2x2: the common 2x2 stride 2 window without padding. */
HOT static void
maxpool_2x2(geom d, const float *in, float *out)
{
	for (int64_t p = 0; p < d.n * d.c; p++)
		for (int64_t oy = 0; oy < d.oh; oy++) {
			const float *r0 = in + (p * d.h + 2 * oy) * d.w;
			const float *r1 = r0 + d.w;
			float *o = out + (p * d.oh + oy) * d.ow;
			for (int64_t ox = 0; ox < d.ow; ox++) {
				float a = r0[2 * ox] > r0[2 * ox + 1]
						  ? r0[2 * ox]
						  : r0[2 * ox + 1];
				float b = r1[2 * ox] > r1[2 * ox + 1]
						  ? r1[2 * ox]
						  : r1[2 * ox + 1];
				o[ox] = a > b ? a : b;
			}
		}
}

static void
run_maxpool(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_attrs *a = &n->a;
	geom d = geom_of(g, n);

	if (a->kernel[0] == 2 && a->kernel[1] == 2 && a->strides[0] == 2 &&
	    a->strides[1] == 2 && a->dil[0] == 1 && a->dil[1] == 1 &&
	    !a->pads[0] && !a->pads[1] && 2 * d.oh <= d.h && 2 * d.ow <= d.w)
		maxpool_2x2(d, x->ptr[n->in[0]], x->ptr[n->out[0]]);
	else
		pool(g, n, x, true);
}

static void
run_avgpool(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	pool(g, n, x, false);
}

static int
infer_gap(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	int64_t dims[MED_TENSOR_MAX_DIMS];

	(void)s;
	if (!x || x->ndim < 3 || x->dtype != MED_DTYPE_F32)
		return cv_node_fail(err, n, "input must be float [N,C,...]");
	for (int i = 0; i < x->ndim; i++)
		dims[i] = i < 2 ? x->dims[i] : 1;
	return cv_set_shape(&g->vals[n->out[0]], MED_DTYPE_F32, x->ndim, dims,
			    n, err);
}

static void
run_gap(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];
	size_t outer = (size_t)(v->dims[0] * v->dims[1]), inner = v->n / outer;

	for (size_t p = 0; p < outer; p++) {
		double acc = 0;
		for (size_t i = 0; i < inner; i++)
			acc += in[p * inner + i];
		out[p] = (float)(acc / (double)inner);
	}
}

/* ---- Resize ---------------------------------------------------------------
 */

enum { C_HALF, C_ASYM, C_ALIGN, C_PYTORCH, C_TFNN };
enum { N_RPF, N_RPC, N_FLOOR, N_CEIL };

static int
lookup(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int
resize_modes(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	static const char *const modes[] = {"nearest", "linear"};
	static const char *const coords[] = {
		"half_pixel", "asymmetric", "align_corners",
		"pytorch_half_pixel", "tf_half_pixel_for_nn"};
	static const char *const nearest[] = {
		"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

	n->a.mode = lookup(cv_attr_str(s, "mode", "nearest"), modes, 2);
	n->a.coord = lookup(
		cv_attr_str(s, "coordinate_transformation_mode",
			    g->opset >= 11 ? "half_pixel" : "asymmetric"),
		coords, 5);
	n->a.nearest = lookup(
		cv_attr_str(s, "nearest_mode",
			    g->opset >= 11 ? "round_prefer_floor" : "floor"),
		nearest, 4);
	if (n->a.mode < 0 || n->a.coord < 0 || n->a.nearest < 0)
		return cv_node_fail(
			err, n, "mode %s/%s/%s not supported",
			cv_attr_str(s, "mode", "nearest"),
			cv_attr_str(s, "coordinate_transformation_mode", "-"),
			cv_attr_str(s, "nearest_mode", "-"));
	return 0;
}

static int
infer_resize(cv_graph *g, cv_node *n, const cv_attr_src *s, med_plugin_err *err)
{
	const cv_value *x = cv_in(g, n, 0);
	const cv_value *sc = cv_in(g, n, g->opset >= 11 ? 2 : 1);
	int64_t dims[4], sizes[4];
	int rc = resize_modes(g, n, s, err);

	if (rc)
		return rc;
	if (!x || x->ndim != 4 || x->dtype != MED_DTYPE_F32)
		return cv_node_fail(err, n, "only 4-d float input");
	if (sc && sc->n == 4 && sc->kind == V_CONST &&
	    sc->dtype == MED_DTYPE_F32) {
		for (int i = 0; i < 4; i++) {
			float f = ((const float *)sc->data)[i];
			if (!(f > 0 && f < 1024))
				return cv_node_fail(err, n, "scale %g", f);
			n->a.scales[i] = f;
			dims[i] = (int64_t)floorf((float)x->dims[i] * f);
		}
	} else if (cv_const_i64(g, n, 3, sizes, 4) == 4) {
		for (int i = 0; i < 4; i++) {
			dims[i] = sizes[i];
			n->a.scales[i] = (float)sizes[i] / (float)x->dims[i];
		}
	} else {
		return cv_node_fail(err, n,
				    "scales or sizes must be constant "
				    "with 4 values");
	}
	if (dims[0] != x->dims[0] || dims[1] != x->dims[1])
		return cv_node_fail(err, n, "only H and W may be resized");
	return cv_set_shape(&g->vals[n->out[0]], MED_DTYPE_F32, 4, dims, n,
			    err);
}

static float
src_coord(int coord, int64_t o, float scale, int64_t in, int64_t out)
{
	switch (coord) {
	case C_ASYM:
		return (float)o / scale;
	case C_ALIGN:
		return out > 1 ? (float)o * (float)(in - 1) / (float)(out - 1)
			       : 0;
	case C_PYTORCH:
		return out > 1 ? ((float)o + 0.5f) / scale - 0.5f : 0;
	case C_TFNN:
		return ((float)o + 0.5f) / scale;
	default:
		return ((float)o + 0.5f) / scale - 0.5f;
	}
}

static int64_t
nearest_index(int mode, float f, int64_t in)
{
	int64_t i;

	switch (mode) {
	case N_FLOOR:
		i = (int64_t)floorf(f);
		break;
	case N_CEIL:
		i = (int64_t)ceilf(f);
		break;
	case N_RPC:
		i = (int64_t)floorf(f + 0.5f);
		break;
	default:
		i = (int64_t)ceilf(f - 0.5f);
		break;
	}
	return i < 0 ? 0 : i >= in ? in - 1 : i;
}

/* resize_nearest maps each output column once, not once per pixel. */
static void
resize_nearest(const cv_node *n, geom d, const float *in, float *out)
{
	int64_t ix[4096];

	for (int64_t ox = 0; ox < d.ow; ox++)
		ix[ox] = nearest_index(
			n->a.nearest,
			src_coord(n->a.coord, ox, n->a.scales[3], d.w, d.ow),
			d.w);
	for (int64_t p = 0; p < d.n * d.c; p++)
		for (int64_t oy = 0; oy < d.oh; oy++) {
			int64_t iy = nearest_index(n->a.nearest,
						   src_coord(n->a.coord, oy,
							     n->a.scales[2],
							     d.h, d.oh),
						   d.h);
			const float *xr = in + (p * d.h + iy) * d.w;
			float *yr = out + (p * d.oh + oy) * d.ow;
			for (int64_t ox = 0; ox < d.ow; ox++)
				yr[ox] = xr[ix[ox]];
		}
}

static void
run_resize(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	geom d = geom_of(g, n);
	const float *in = x->ptr[n->in[0]];
	float *out = x->ptr[n->out[0]];

	if (n->a.mode == 0 && d.ow <= 4096) {
		resize_nearest(n, d, in, out);
		return;
	}
	for (int64_t p = 0; p < d.n * d.c; p++) {
		const float *xc = in + p * d.h * d.w;
		float *yc = out + p * d.oh * d.ow;
		for (int64_t oy = 0; oy < d.oh; oy++) {
			float fy = src_coord(n->a.coord, oy, n->a.scales[2],
					     d.h, d.oh);
			for (int64_t ox = 0; ox < d.ow; ox++) {
				float fx = src_coord(n->a.coord, ox,
						     n->a.scales[3], d.w, d.ow);
				if (n->a.mode == 0) {
					int64_t iy = nearest_index(n->a.nearest,
								   fy, d.h);
					int64_t ix = nearest_index(n->a.nearest,
								   fx, d.w);
					yc[oy * d.ow + ox] = xc[iy * d.w + ix];
					continue;
				}
				float cy =
					fminf(fmaxf(fy, 0), (float)(d.h - 1));
				float cx =
					fminf(fmaxf(fx, 0), (float)(d.w - 1));
				int64_t y0 = (int64_t)cy, x0 = (int64_t)cx;
				int64_t y1 = y0 + 1 < d.h ? y0 + 1 : y0;
				int64_t x1 = x0 + 1 < d.w ? x0 + 1 : x0;
				float ty = cy - (float)y0, tx = cx - (float)x0;
				float top = xc[y0 * d.w + x0] * (1 - tx) +
					    xc[y0 * d.w + x1] * tx;
				float bot = xc[y1 * d.w + x0] * (1 - tx) +
					    xc[y1 * d.w + x1] * tx;
				yc[oy * d.ow + ox] = top * (1 - ty) + bot * ty;
			}
		}
	}
}

const cv_op op_conv_table[] = {
	{"Conv", infer_conv, run_conv},
	{"MaxPool", infer_pool, run_maxpool},
	{"AveragePool", infer_pool, run_avgpool},
	{"GlobalAveragePool", infer_gap, run_gap},
	{"Resize", infer_resize, run_resize},
	{NULL, NULL, NULL},
};
