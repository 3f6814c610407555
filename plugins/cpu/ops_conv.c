/*
 * ops_conv.c - Conv (im2col + sgemm, 1x1 straight to sgemm, depthwise by a
 * direct row kernel), MaxPool, AveragePool, GlobalAveragePool and Resize.
 * All take 4-d NCHW float tensors.
 */
#include "cpu.h"
#include "ops.h"
#include "pool.h"
#include "scalar.h"

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
 * act_row applies a Conv's fused activation (cv_attrs fuse_relu,
 * fuse_clip, fuse_leaky or slopes) to y[0, len), a row of output channel
 * ch, as the unfused operators compute it (ops_elem.c: PRelu is a >= 0 ?
 * a : a * b, which cv_leaky is; Clip is cv_clip), so fusing never changes
 * a result.  It is inlined into the hot kernels below, where it vectorises
 * for each of their targets.
 */
static inline void
act_row(const cv_attrs *a, int64_t ch, float *restrict y, int64_t len)
{
	float slope = a->slopes ? a->slopes[ch] : a->alpha;
	float lo = a->min, hi = a->max;

	if (a->fuse_relu)
		for (int64_t x = 0; x < len; x++)
			y[x] = y[x] > 0 ? y[x] : 0;
	else if (a->fuse_clip)
		for (int64_t x = 0; x < len; x++)
			y[x] = cv_clip(y[x], lo, hi);
	else if (a->fuse_leaky || a->slopes)
		for (int64_t x = 0; x < len; x++)
			y[x] = cv_leaky(y[x], slope);
}

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
	  float b0, int64_t w, const cv_attrs *a, int64_t ch, float *restrict y)
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
	act_row(a, ch, y, w);
}

static bool
is_dw3x3(const cv_attrs *a, geom d)
{
	return a->kernel[0] == 3 && a->kernel[1] == 3 && a->strides[0] == 1 &&
	       a->strides[1] == 1 && a->dil[0] == 1 && a->dil[1] == 1 &&
	       a->pads[0] == 1 && a->pads[1] == 1 && a->pads[2] == 1 &&
	       a->pads[3] == 1 && d.oh == d.h && d.ow == d.w;
}

/*
 * dw3x3s2_row: one output row of a 3x3, stride 2 depthwise filter whose
 * pads are at most 1 (MobileNets' downsampling; TensorFlow's SAME pads
 * [0, 0, 1, 1] on an even size): output ox reads input columns around
 * cx = 2 * ox + 1 - pl.  The interior's three stride-2 reads per row form
 * one interleaved group, which GCC vectorises; the generic depthwise_row
 * makes nine strided passes instead.  r0..r2 as for dw3x3_row.
 */
HOT static void
dw3x3s2_row(const float *r0, const float *r1, const float *r2, const float *k,
	    float b0, int64_t w, int64_t ow, int64_t pl, const cv_attrs *a,
	    int64_t ch, float *restrict y)
{
	static const float zero[3] = {0, 0, 0};
	const float *k0 = r0 ? k : zero, *k2 = r2 ? k + 6 : zero;
	const float *restrict p0 = r0 ? r0 : r1;
	const float *restrict p1 = r1;
	const float *restrict p2 = r2 ? r2 : r1;
	float a0 = k0[0], a1 = k0[1], a2 = k0[2], c0 = k[3], c1 = k[4];
	float c2 = k[5], e0 = k2[0], e1 = k2[1], e2 = k2[2];
	int64_t lo = (pl + 1) / 2, hi = (w - 3 + pl) / 2 + 1;

	hi = w - 3 + pl < 0 ? lo : hi < ow ? hi : ow;
	hi = hi < lo ? lo : hi;
	for (int64_t x = lo; x < hi; x++) {
		int64_t i = 2 * x - pl; /* >= 0 from lo on */
		y[x] = b0 + a0 * p0[i] + a1 * p0[i + 1] + a2 * p0[i + 2] +
		       c0 * p1[i] + c1 * p1[i + 1] + c2 * p1[i + 2] +
		       e0 * p2[i] + e1 * p2[i + 1] + e2 * p2[i + 2];
	}
	for (int64_t x = 0; x < ow; x++) {
		if (x == lo && hi > lo)
			x = hi; /* the interior is done */
		if (x >= ow)
			break;
		int64_t cx = 2 * x + 1 - pl;
		y[x] = b0 + dw_tap(r0, k, cx, w) + dw_tap(r1, k + 3, cx, w) +
		       dw_tap(r2, k + 6, cx, w);
	}
	act_row(a, ch, y, ow);
}

/* is_dw3x3s2: whether dw3x3s2_row computes the Conv (every output row's
 * middle input row and every output column's centre then exist). */
static bool
is_dw3x3s2(const cv_attrs *a)
{
	return a->kernel[0] == 3 && a->kernel[1] == 3 && a->strides[0] == 2 &&
	       a->strides[1] == 2 && a->dil[0] == 1 && a->dil[1] == 1 &&
	       a->pads[0] <= 1 && a->pads[1] <= 1 && a->pads[2] <= 1 &&
	       a->pads[3] <= 1;
}

/* conv_job - one Conv's operands for the pool's chunks. */
typedef struct conv_job {
	const cv_node *n;
	geom d;
	const float *x, *w, *bias;
	float *y, *scratch;
	int64_t cg, mg, k, ohw;
} conv_job;

/*
 * rows_dw3x3: output rows [lo, hi) of all channels (row r = c * oh + oy) of
 * a 3x3 depthwise Conv that is_dw3x3 (stride 1) or is_dw3x3s2 (stride 2)
 * takes: the three input rows the row reads, NULL where padding.
 */
static void
rows_dw3x3(void *ctx, int64_t lo, int64_t hi)
{
	const conv_job *j = ctx;
	const cv_attrs *a = &j->n->a;
	geom d = j->d;
	int64_t s = a->strides[0];

	for (int64_t r = lo; r < hi; r++) {
		int64_t c = r / d.oh, iy = s * (r % d.oh) - a->pads[0];
		const float *xc = j->x + c * d.h * d.w;
		const float *r0 = iy >= 0 ? xc + iy * d.w : NULL;
		const float *r2 = iy + 2 < d.h ? xc + (iy + 2) * d.w : NULL;
		float b0 = j->bias ? j->bias[c] : 0, *y = j->y + r * d.ow;
		if (s == 1)
			dw3x3_row(r0, xc + (iy + 1) * d.w, r2, j->w + c * 9, b0,
				  d.w, a, c, y);
		else
			dw3x3s2_row(r0, xc + (iy + 1) * d.w, r2, j->w + c * 9,
				    b0, d.w, d.ow, a->pads[1], a, c, y);
	}
}

/* depthwise_row: one output row of one channel, accumulated tap by tap. */
HOT static void
depthwise_row(const cv_attrs *a, geom d, const float *xc, const float *wc,
	      float b0, int64_t ch, int64_t oy, float *yr)
{
	int64_t kh = a->kernel[0], kw = a->kernel[1], sx = a->strides[1];

	for (int64_t ox = 0; ox < d.ow; ox++)
		yr[ox] = b0;
	for (int64_t ky = 0; ky < kh; ky++) {
		int64_t iy = oy * a->strides[0] - a->pads[0] + ky * a->dil[0];
		if (iy < 0 || iy >= d.h)
			continue;
		const float *xr = xc + iy * d.w;
		for (int64_t kx = 0; kx < kw; kx++) {
			float wv = wc[ky * kw + kx];
			int64_t off = kx * a->dil[1] - a->pads[1], lo, hi;
			out_range(off, sx, d.w, d.ow, &lo, &hi);
			if (sx == 1) {
				const float *xs = xr + off;
				for (int64_t ox = lo; ox < hi; ox++)
					yr[ox] += wv * xs[ox];
			} else {
				for (int64_t ox = lo; ox < hi; ox++)
					yr[ox] += wv * xr[ox * sx + off];
			}
		}
	}
	act_row(a, ch, yr, d.ow);
}

/* rows_depthwise: one filter per channel, rows [lo, hi) as rows_dw3x3. */
static void
rows_depthwise(void *ctx, int64_t lo, int64_t hi)
{
	const conv_job *j = ctx;
	const cv_attrs *a = &j->n->a;
	int64_t khw = a->kernel[0] * a->kernel[1];

	for (int64_t r = lo; r < hi; r++) {
		int64_t c = r / j->d.oh;
		depthwise_row(a, j->d, j->x + c * j->d.h * j->d.w,
			      j->w + c * khw, j->bias ? j->bias[c] : 0, c,
			      r % j->d.oh, j->y + r * j->d.ow);
	}
}

/*
 * im2col_row: r[ox] = xr[ox * sx + off] for ox in [lo, hi), zero outside;
 * stride 2 (the usual first layer) has its own loop so that it vectorises.
 */
HOT static void
im2col_row(float *restrict r, const float *restrict xr, int64_t off, int64_t sx,
	   int64_t lo, int64_t hi, int64_t ow)
{
	for (int64_t ox = 0; ox < lo; ox++)
		r[ox] = 0;
	if (sx == 1)
		memcpy(r + lo, xr + lo + off, (size_t)(hi - lo) * 4);
	else if (sx == 2)
		for (int64_t ox = lo; ox < hi; ox++)
			r[ox] = xr[2 * ox + off];
	else
		for (int64_t ox = lo; ox < hi; ox++)
			r[ox] = xr[ox * sx + off];
	for (int64_t ox = hi; ox < ow; ox++)
		r[ox] = 0;
}

/*
 * im2col lays out the receptive fields of cg channels for output rows
 * [oy0, oy1) as columns: row (c, ky, kx) of col has (oy1 - oy0) * ow
 * entries.
 */
HOT static void
im2col(const cv_node *n, geom d, int64_t cg, int64_t oy0, int64_t oy1,
       const float *x, float *col)
{
	const cv_attrs *a = &n->a;
	int64_t kh = a->kernel[0], kw = a->kernel[1];
	int64_t len = (oy1 - oy0) * d.ow, sx = a->strides[1];

	for (int64_t c = 0; c < cg; c++)
		for (int64_t ky = 0; ky < kh; ky++)
			for (int64_t kx = 0; kx < kw; kx++) {
				float *row =
					col + ((c * kh + ky) * kw + kx) * len;
				int64_t off = kx * a->dil[1] - a->pads[1], lo,
					hi;
				out_range(off, sx, d.w, d.ow, &lo, &hi);
				for (int64_t oy = oy0; oy < oy1; oy++) {
					float *r = row + (oy - oy0) * d.ow;
					int64_t iy = oy * a->strides[0] -
						     a->pads[0] +
						     ky * a->dil[0];
					if (iy < 0 || iy >= d.h) {
						memset(r, 0, (size_t)d.ow * 4);
						continue;
					}
					im2col_row(r, x + (c * d.h + iy) * d.w,
						   off, sx, lo, hi, d.ow);
				}
			}
}

/* bias_fill starts an m x len tile of y (row stride ld) at the bias. */
HOT static void
bias_fill(float *y, int64_t m, int64_t len, int64_t ld, const float *bias)
{
	for (int64_t i = 0; i < m; i++) {
		float b0 = bias[i], *r = y + i * ld; /* b0: y may alias bias */
		for (int64_t k = 0; k < len; k++)
			r[k] = b0;
	}
}

/* act_tile: act_row over an m x len tile whose first row is channel ch0. */
HOT static void
act_tile(const cv_attrs *a, int64_t ch0, float *y, int64_t m, int64_t len,
	 int64_t ld)
{
	for (int64_t i = 0; i < m; i++)
		act_row(a, ch0 + i, y + i * ld, len);
}

/*
 * gemm_tile: y[:, 0:len] (row stride ohw) = w * b + bias, then the fused
 * activation, one group's mg x len tile; b is k x len with row stride ldb.
 * Filling y with the bias and accumulating onto it (beta 1) spares
 * OpenBLAS's zeroing pass and a separate bias pass, and the activation
 * runs while the tile is in cache.
 */
static void
gemm_tile(const conv_job *j, int64_t gi, const float *b, int64_t ldb,
	  int64_t len, float *y)
{
	const float *bias = j->bias ? j->bias + gi * j->mg : NULL;

	if (bias)
		bias_fill(y, j->mg, len, j->ohw, bias);
	cv_sgemm(0, 0, (int)j->mg, (int)len, (int)j->k, 1.0f,
		 j->w + gi * j->mg * j->k, (int)j->k, b, (int)ldb,
		 bias ? 1.0f : 0.0f, y, (int)j->ohw);
	if (j->n->a.fuse_relu || j->n->a.fuse_leaky || j->n->a.slopes ||
	    j->n->a.fuse_clip)
		act_tile(&j->n->a, gi * j->mg, y, j->mg, len, j->ohw);
}

/* 64 Ki floats: measured on YuNet, 16-64 Ki beat 256 Ki and whole rows. */
#define TILE_FLOATS (64 * 1024)

/* tile_len: columns per tile so that b and y tiles stay in L2. */
static int64_t
tile_len(const conv_job *j)
{
	int64_t t = TILE_FLOATS / (j->k + j->mg);

	return t < 64 ? 64 : t;
}

/* cols_direct: 1x1 stride-1 convolution of columns [lo, hi) * 16. */
static void
cols_direct(void *ctx, int64_t lo, int64_t hi)
{
	const conv_job *j = ctx;
	int64_t c1 = hi * 16 < j->ohw ? hi * 16 : j->ohw, step = tile_len(j);

	for (int64_t c = lo * 16; c < c1; c += step) {
		int64_t len = c1 - c < step ? c1 - c : step;
		for (int64_t gi = 0; gi < j->n->a.group; gi++)
			gemm_tile(j, gi, j->x + gi * j->cg * j->ohw + c, j->ohw,
				  len, j->y + gi * j->mg * j->ohw + c);
	}
}

/*
 * rows_im2col: output rows [lo, hi), a few rows at a time.  Every tile's
 * columns go to the start of the part of scratch that belongs to rows
 * [lo, hi) (k * ow floats per row): threads never share scratch, scratch
 * stays k * oh * ow, and the one tile-sized block a thread reuses stays in
 * cache.
 */
static void
rows_im2col(void *ctx, int64_t lo, int64_t hi)
{
	const conv_job *j = ctx;
	geom d = j->d;
	int64_t step = tile_len(j) / d.ow;

	float *col = j->scratch + j->k * d.ow * lo;

	step = step < 1 ? 1 : step;
	for (int64_t oy = lo; oy < hi; oy += step) {
		int64_t oy1 = hi - oy < step ? hi : oy + step;
		for (int64_t gi = 0; gi < j->n->a.group; gi++) {
			im2col(j->n, d, j->cg, oy, oy1,
			       j->x + gi * j->cg * d.h * d.w, col);
			gemm_tile(j, gi, col, (oy1 - oy) * d.ow,
				  (oy1 - oy) * d.ow,
				  j->y + gi * j->mg * j->ohw + oy * d.ow);
		}
	}
}

static bool
is_direct(const cv_attrs *a)
{
	return a->kernel[0] == 1 && a->kernel[1] == 1 && a->strides[0] == 1 &&
	       a->strides[1] == 1 && a->pads[0] == 0 && a->pads[1] == 0 &&
	       a->pads[2] == 0 && a->pads[3] == 0;
}

/*
 * run_conv splits every kernel over the instance's pool: depthwise by
 * output rows of all channels, 1x1 by blocks of 16 columns, im2col
 * convolutions by output rows.  Each output element is computed by one
 * thread exactly as on one thread, so results do not depend on the count.
 */
static void
run_conv(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	geom d = geom_of(g, n);
	const cv_attrs *a = &n->a;
	conv_job j = {n,
		      d,
		      NULL,
		      x->ptr[n->in[1]],
		      n->n_in > 2 && n->in[2] >= 0 ? x->ptr[n->in[2]] : NULL,
		      NULL,
		      x->scratch,
		      d.c / a->group,
		      d.m / a->group,
		      0,
		      d.oh * d.ow};

	j.k = j.cg * a->kernel[0] * a->kernel[1];
	for (int64_t b = 0; b < d.n; b++) {
		j.x = (const float *)x->ptr[n->in[0]] + b * d.c * d.h * d.w;
		j.y = (float *)x->ptr[n->out[0]] + b * d.m * j.ohw;
		if (j.cg == 1 && j.mg == 1)
			cv_pool_for(x->pool, d.c * d.oh,
				    (size_t)(2 * j.k * d.ow),
				    is_dw3x3(a, d) || is_dw3x3s2(a)
					    ? rows_dw3x3
					    : rows_depthwise,
				    &j);
		else if (is_direct(a))
			cv_pool_for(x->pool, (j.ohw + 15) / 16,
				    (size_t)(32 * j.k * d.m), cols_direct, &j);
		else
			cv_pool_for(x->pool, d.oh,
				    (size_t)(2 * j.k * d.m * d.ow), rows_im2col,
				    &j);
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

/* plane_job - a window or resize operator's operands for the pool. */
typedef struct plane_job {
	const cv_node *n;
	geom d;
	const float *in;
	float *out;
	const int64_t *ix; /* resize_nearest: source column per output column */
	bool is_max;
} plane_job;

/* pool_px: one output pixel of a max or average window. */
static float
pool_px(const cv_attrs *a, geom d, const float *xc, int64_t oy, int64_t ox,
	bool is_max)
{
	float acc = is_max ? -INFINITY : 0;
	int64_t cnt = 0, pad_cnt = 0;

	for (int64_t ky = 0; ky < a->kernel[0]; ky++) {
		int64_t iy = oy * a->strides[0] - a->pads[0] + ky * a->dil[0];
		for (int64_t kx = 0; kx < a->kernel[1]; kx++) {
			int64_t ix = ox * a->strides[1] - a->pads[1] +
				     kx * a->dil[1];
			if (iy >= -a->pads[0] && iy < d.h + a->pads[2] &&
			    ix >= -a->pads[1] && ix < d.w + a->pads[3])
				pad_cnt++;
			if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w)
				continue;
			float v = xc[iy * d.w + ix];
			acc = is_max ? (v > acc ? v : acc) : acc + v;
			cnt++;
		}
	}
	if (!is_max)
		acc /= (float)(a->count_include_pad ? pad_cnt
						    : (cnt ? cnt : 1));
	return acc;
}

/*
 * pool_inner: output pixels [ox0, ox1) of row oy whose windows lie wholly
 * inside the input: pool_px without its bounds checks, the same folds in
 * the same order and the same divisor (every cell counts, padded or not),
 * so the same floats.
 */
HOT static void
pool_inner(const cv_attrs *a, geom d, const float *xc, int64_t oy, int64_t ox0,
	   int64_t ox1, bool is_max, float *o)
{
	int64_t kh = a->kernel[0], kw = a->kernel[1], sx = a->strides[1];
	int64_t y0 = oy * a->strides[0] - a->pads[0], x0 = -a->pads[1];
	float n = (float)(kh * kw);

	for (int64_t ox = ox0; ox < ox1; ox++) {
		const float *p = xc + y0 * d.w + x0 + ox * sx;
		float acc = is_max ? -INFINITY : 0;

		for (int64_t ky = 0; ky < kh; ky++) {
			const float *row = p + ky * a->dil[0] * d.w;
			for (int64_t kx = 0; kx < kw; kx++) {
				float v = row[kx * a->dil[1]];
				acc = is_max ? (v > acc ? v : acc) : acc + v;
			}
		}
		o[ox] = is_max ? acc : acc / n;
	}
}

/* inner_span: the output positions [*lo, *hi) along an axis of len whose
 * windows (k taps dil apart, stride s, padded by pad) lie inside it. */
static void
inner_span(int64_t len, int64_t olen, int64_t k, int64_t s, int64_t dil,
	   int64_t pad, int64_t *lo, int64_t *hi)
{
	int64_t last = (k - 1) * dil; /* the window's reach past its start */

	*lo = pad > 0 ? (pad + s - 1) / s : 0;
	*hi = len - last + pad <= 0 ? 0 : (len - 1 - last + pad) / s + 1;
	if (*hi > olen)
		*hi = olen;
	if (*lo > *hi)
		*lo = *hi;
}

/* rows_pool: output rows [lo, hi) over all planes (row r = p * oh + oy). */
static void
rows_pool(void *ctx, int64_t lo, int64_t hi)
{
	const plane_job *j = ctx;
	const cv_attrs *a = &j->n->a;
	geom d = j->d;
	int64_t ylo, yhi, xlo, xhi;

	inner_span(d.h, d.oh, a->kernel[0], a->strides[0], a->dil[0],
		   a->pads[0], &ylo, &yhi);
	inner_span(d.w, d.ow, a->kernel[1], a->strides[1], a->dil[1],
		   a->pads[1], &xlo, &xhi);
	for (int64_t r = lo; r < hi; r++) {
		const float *xc = j->in + r / d.oh * d.h * d.w;
		int64_t oy = r % d.oh;
		float *o = j->out + r * d.ow;
		bool inner = oy >= ylo && oy < yhi;
		int64_t a0 = inner ? xlo : d.ow, a1 = inner ? xhi : d.ow;

		for (int64_t ox = 0; ox < a0; ox++)
			o[ox] = pool_px(a, d, xc, oy, ox, j->is_max);
		if (inner)
			pool_inner(a, d, xc, oy, a0, a1, j->is_max, o);
		for (int64_t ox = a1; ox < d.ow; ox++)
			o[ox] = pool_px(a, d, xc, oy, ox, j->is_max);
	}
}

/*
 * max_fold is pool_px's step for MaxPool: max2x2_row folds each window in
 * pool_px's order, so NaNs and signed zeros come out as they do there.
 */
static inline float
max_fold(float acc, float v)
{
	return v > acc ? v : acc;
}

static inline float
max4(float a, float b, float c, float d)
{
	return max_fold(max_fold(max_fold(max_fold(-INFINITY, a), b), c), d);
}

/*
 * max2x2_row: one output row of a 2x2 window of stride s (1 or 2) over the
 * input rows r0 and r1.  Windows that reach past the right edge of the row
 * (ox from full on) read its last column twice, and the caller passes r0
 * again as r1 below the bottom edge: a cell folded twice leaves the
 * maximum as it was, so the padded cells are ignored as in pool_px.
 */
HOT static void
max2x2_row(const float *restrict r0, const float *restrict r1, int64_t s,
	   int64_t w, int64_t ow, float *restrict o)
{
	int64_t full = s == 2 ? w / 2 : w - 1, ox;

	full = full < ow ? full : ow;
	if (s == 2)
		for (ox = 0; ox < full; ox++)
			o[ox] = max4(r0[2 * ox], r0[2 * ox + 1], r1[2 * ox],
				     r1[2 * ox + 1]);
	else
		for (ox = 0; ox < full; ox++)
			o[ox] = max4(r0[ox], r0[ox + 1], r1[ox], r1[ox + 1]);
	for (ox = full; ox < ow; ox++) {
		int64_t x0 = ox * s, x1 = x0 + 1 < w ? x0 + 1 : x0;
		o[ox] = max4(r0[x0], r0[x1], r1[x0], r1[x1]);
	}
}

/* rows_max2x2: output rows [lo, hi) of a 2x2 MaxPool (is_max2x2). */
static void
rows_max2x2(void *ctx, int64_t lo, int64_t hi)
{
	const plane_job *j = ctx;
	geom d = j->d;
	int64_t s = j->n->a.strides[0];

	for (int64_t r = lo; r < hi; r++) {
		int64_t p = r / d.oh, y0 = r % d.oh * s;
		const float *r0 = j->in + (p * d.h + y0) * d.w;
		const float *r1 = y0 + 1 < d.h ? r0 + d.w : r0;
		max2x2_row(r0, r1, s, d.w, d.ow, j->out + r * d.ow);
	}
}

/*
 * is_max2x2: a 2x2 MaxPool of stride 1 or 2 in both axes, padded at most
 * on the right and bottom (Tiny YOLO's pads [0, 0, 1, 1]), every window
 * starting inside the input.
 */
static bool
is_max2x2(const cv_attrs *a, geom d)
{
	int64_t s = a->strides[0];

	return a->kernel[0] == 2 && a->kernel[1] == 2 && a->strides[1] == s &&
	       (s == 1 || s == 2) && a->dil[0] == 1 && a->dil[1] == 1 &&
	       !a->pads[0] && !a->pads[1] && (d.oh - 1) * s < d.h &&
	       (d.ow - 1) * s < d.w;
}

static void
pool(const cv_graph *g, const cv_node *n, cv_exec *x, bool is_max)
{
	const cv_attrs *a = &n->a;
	plane_job j = {n,    geom_of(g, n), x->ptr[n->in[0]], x->ptr[n->out[0]],
		       NULL, is_max};
	bool two = is_max && is_max2x2(a, j.d);

	cv_pool_for(x->pool, j.d.n * j.d.c * j.d.oh,
		    (size_t)(j.d.ow * a->kernel[0] * a->kernel[1]),
		    two ? rows_max2x2 : rows_pool, &j);
}

static void
run_maxpool(const cv_graph *g, const cv_node *n, cv_exec *x)
{
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

typedef struct gap_job {
	const float *in;
	float *out;
	size_t inner;
} gap_job;

static void
planes_gap(void *ctx, int64_t lo, int64_t hi)
{
	const gap_job *j = ctx;

	for (int64_t p = lo; p < hi; p++) {
		const float *xp = j->in + (size_t)p * j->inner;
		double acc = 0;
		for (size_t i = 0; i < j->inner; i++)
			acc += xp[i];
		j->out[p] = (float)(acc / (double)j->inner);
	}
}

static void
run_gap(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	const cv_value *v = &g->vals[n->in[0]];
	int64_t outer = v->dims[0] * v->dims[1];
	gap_job j = {x->ptr[n->in[0]], x->ptr[n->out[0]], v->n / (size_t)outer};

	cv_pool_for(x->pool, outer, j.inner, planes_gap, &j);
}

/* ---- Resize ---------------------------------------------------------------
 */

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

/* resize_px: one output pixel, nearest or bilinear, at source (fy, fx). */
static float
resize_px(const cv_attrs *a, geom d, const float *xc, float fy, float fx)
{
	if (a->mode == 0) {
		int64_t iy = nearest_index(a->nearest, fy, d.h);
		int64_t ix = nearest_index(a->nearest, fx, d.w);
		return xc[iy * d.w + ix];
	}
	float cy = fminf(fmaxf(fy, 0), (float)(d.h - 1));
	float cx = fminf(fmaxf(fx, 0), (float)(d.w - 1));
	int64_t y0 = (int64_t)cy, x0 = (int64_t)cx;
	int64_t y1 = y0 + 1 < d.h ? y0 + 1 : y0;
	int64_t x1 = x0 + 1 < d.w ? x0 + 1 : x0;
	float ty = cy - (float)y0, tx = cx - (float)x0;
	float top = xc[y0 * d.w + x0] * (1 - tx) + xc[y0 * d.w + x1] * tx;
	float bot = xc[y1 * d.w + x0] * (1 - tx) + xc[y1 * d.w + x1] * tx;
	return top * (1 - ty) + bot * ty;
}

/*
 * rows_resize: output rows [lo, hi) over all planes (row r = p * oh + oy);
 * nearest with a column map (ix) copies, the rest goes pixel by pixel.
 */
static void
rows_resize(void *ctx, int64_t lo, int64_t hi)
{
	const plane_job *j = ctx;
	const cv_attrs *a = &j->n->a;
	geom d = j->d;

	for (int64_t r = lo; r < hi; r++) {
		const float *xc = j->in + r / d.oh * d.h * d.w;
		float *yr = j->out + r * d.ow;
		float fy =
			src_coord(a->coord, r % d.oh, a->scales[2], d.h, d.oh);
		if (j->ix) {
			const float *xr =
				xc + nearest_index(a->nearest, fy, d.h) * d.w;
			for (int64_t ox = 0; ox < d.ow; ox++)
				yr[ox] = xr[j->ix[ox]];
			continue;
		}
		for (int64_t ox = 0; ox < d.ow; ox++)
			yr[ox] = resize_px(a, d, xc, fy,
					   src_coord(a->coord, ox, a->scales[3],
						     d.w, d.ow));
	}
}

/* run_resize: nearest maps each output column once, not once per pixel. */
static void
run_resize(const cv_graph *g, const cv_node *n, cv_exec *x)
{
	int64_t ix[4096];
	plane_job j = {n,    geom_of(g, n), x->ptr[n->in[0]], x->ptr[n->out[0]],
		       NULL, false};
	bool nearest = n->a.mode == 0 && j.d.ow <= 4096;

	for (int64_t ox = 0; nearest && ox < j.d.ow; ox++)
		ix[ox] = nearest_index(n->a.nearest,
				       src_coord(n->a.coord, ox, n->a.scales[3],
						 j.d.w, j.d.ow),
				       j.d.w);
	j.ix = nearest ? ix : NULL;
	cv_pool_for(x->pool, j.d.n * j.d.c * j.d.oh,
		    (size_t)(j.d.ow * (nearest ? 1 : 8)), rows_resize, &j);
}

const cv_op op_conv_table[] = {
	{"Conv", infer_conv, run_conv},
	{"MaxPool", infer_pool, run_maxpool},
	{"AveragePool", infer_pool, run_avgpool},
	{"GlobalAveragePool", infer_gap, run_gap},
	{"Resize", infer_resize, run_resize},
	{NULL, NULL, NULL},
};
