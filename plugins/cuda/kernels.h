/*
 * kernels.h - the cuda backend's per-element kernel bodies (C++).  Each is
 * a small struct whose operator()(i) computes output element i; graph.cu
 * runs it on the GPU through one grid-stride __global__ template, and under
 * CU_EMU (tests/unit/test_cuda_kernels.c) through a CPU loop over the same
 * launch grid, so the index arithmetic checked on the CPU is the arithmetic
 * the GPU runs.  The semantics are those of plugins/cpu/ops_*.c.
 */
#ifndef CU_KERNELS_H
#define CU_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "scalar.h"

#ifndef __CUDACC__
#define __host__
#define __device__
#endif
#define CU_HD __host__ __device__ inline

#define CU_MAX_DIMS 8

enum { U_RELU, U_SIGMOID, U_LEAKY, U_EXP, U_TANH, U_CLIP };

/* k_unary: y = f(x) for the activations. */
struct k_unary {
	const float *x;
	float *y;
	int op;
	float alpha, lo, hi;

	CU_HD void operator()(size_t i) const
	{
		float v = x[i];
		switch (op) {
		case U_RELU:
			y[i] = v > 0 ? v : 0;
			break;
		case U_SIGMOID:
			y[i] = 1.0f / (1.0f + expf(-v));
			break;
		case U_LEAKY:
			y[i] = v >= 0 ? v : alpha * v;
			break;
		case U_EXP:
			y[i] = expf(v);
			break;
		case U_TANH:
			y[i] = tanhf(v);
			break;
		default:
			y[i] = fminf(fmaxf(v, lo), hi);
			break;
		}
	}
};

/*
 * k_binary: numpy broadcasting; sa/sb are the inputs' element strides
 * aligned to the output's dims, 0 on a broadcast axis.
 */
struct k_binary {
	const void *a, *b;
	void *y;
	int op, nd, is_f32;
	int64_t dims[CU_MAX_DIMS], sa[CU_MAX_DIMS], sb[CU_MAX_DIMS];

	CU_HD void operator()(size_t i) const
	{
		int64_t r = (int64_t)i, ia = 0, ib = 0;
		for (int d = nd - 1; d >= 0; d--) {
			int64_t k = r % dims[d];
			r /= dims[d];
			ia += k * sa[d];
			ib += k * sb[d];
		}
		if (is_f32)
			((float *)y)[i] = bin_f(op, ((const float *)a)[ia],
						((const float *)b)[ib]);
		else
			((int64_t *)y)[i] = bin_i(op, ((const int64_t *)a)[ia],
						  ((const int64_t *)b)[ib]);
	}
};

/* k_bn: inference BatchNormalization over [N,C,inner]. */
struct k_bn {
	const float *x, *scale, *bias, *mean, *var;
	float *y;
	float eps;
	int64_t c, inner;

	CU_HD void operator()(size_t i) const
	{
		int64_t ch = ((int64_t)i / inner) % c;
		float k = scale[ch] / sqrtf(var[ch] + eps);
		float t = bias[ch] - mean[ch] * k;
		y[i] = x[i] * k + t;
	}
};

/* k_softmax: one row (outer o, inner k) per index, len values apart. */
struct k_softmax {
	const float *x;
	float *y;
	int64_t len, inner;

	CU_HD void operator()(size_t r) const
	{
		int64_t o = (int64_t)r / inner, k = (int64_t)r % inner;
		int64_t base = o * len * inner + k;
		softmax_row(x + base, y + base, len, inner);
	}
};

/* cu_win - a 2-d window: input/output sizes, kernel, strides, pads. */
struct cu_win {
	int64_t h, w, oh, ow, kh, kw, sy, sx, py, px, pb, pr, dy, dx;
};

/* k_im2col: column row (c*kh+ky)*kw+kx, column oy*ow+ox, as ops_conv.c. */
struct k_im2col {
	const float *x;
	float *col;
	cu_win g;

	CU_HD void operator()(size_t i) const
	{
		int64_t ohw = g.oh * g.ow, r = (int64_t)i / ohw;
		int64_t oy = ((int64_t)i % ohw) / g.ow, ox = (int64_t)i % g.ow;
		int64_t kx = r % g.kw, ky = (r / g.kw) % g.kh;
		int64_t ch = r / (g.kw * g.kh);
		int64_t iy = oy * g.sy - g.py + ky * g.dy;
		int64_t ix = ox * g.sx - g.px + kx * g.dx;
		col[i] = iy < 0 || iy >= g.h || ix < 0 || ix >= g.w
				 ? 0
				 : x[(ch * g.h + iy) * g.w + ix];
	}
};

/* k_bias: y += bias[channel], then Relu when fused. */
struct k_bias {
	float *y;
	const float *bias;
	int64_t m, len;
	int relu;

	CU_HD void operator()(size_t i) const
	{
		float v = y[i];
		if (bias)
			v += bias[((int64_t)i / len) % m];
		y[i] = relu && v < 0 ? 0 : v;
	}
};

/* k_depthwise: one filter per channel, output element i of [C,oh,ow]. */
struct k_depthwise {
	const float *x, *wt, *bias;
	float *y;
	cu_win g;
	int relu;

	CU_HD void operator()(size_t i) const
	{
		int64_t ohw = g.oh * g.ow, c = (int64_t)i / ohw;
		int64_t oy = ((int64_t)i % ohw) / g.ow, ox = (int64_t)i % g.ow;
		const float *xc = x + c * g.h * g.w, *wc = wt + c * g.kh * g.kw;
		float acc = bias ? bias[c] : 0;
		for (int64_t ky = 0; ky < g.kh; ky++) {
			int64_t iy = oy * g.sy - g.py + ky * g.dy;
			if (iy < 0 || iy >= g.h)
				continue;
			for (int64_t kx = 0; kx < g.kw; kx++) {
				int64_t ix = ox * g.sx - g.px + kx * g.dx;
				if (ix >= 0 && ix < g.w)
					acc += wc[ky * g.kw + kx] *
					       xc[iy * g.w + ix];
			}
		}
		y[i] = relu && acc < 0 ? 0 : acc;
	}
};

/* k_pool: MaxPool / AveragePool, output element i of [N*C,oh,ow]. */
struct k_pool {
	const float *x;
	float *y;
	cu_win g;
	int is_max, count_pad;

	CU_HD void operator()(size_t i) const
	{
		int64_t ohw = g.oh * g.ow, p = (int64_t)i / ohw;
		int64_t oy = ((int64_t)i % ohw) / g.ow, ox = (int64_t)i % g.ow;
		const float *xc = x + p * g.h * g.w;
		float acc = is_max ? -INFINITY : 0;
		int64_t cnt = 0, pad_cnt = 0;
		for (int64_t ky = 0; ky < g.kh; ky++) {
			int64_t iy = oy * g.sy - g.py + ky * g.dy;
			for (int64_t kx = 0; kx < g.kw; kx++) {
				int64_t ix = ox * g.sx - g.px + kx * g.dx;
				if (iy >= -g.py && iy < g.h + g.pb &&
				    ix >= -g.px && ix < g.w + g.pr)
					pad_cnt++;
				if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w)
					continue;
				float v = xc[iy * g.w + ix];
				acc = is_max ? (v > acc ? v : acc) : acc + v;
				cnt++;
			}
		}
		if (!is_max)
			acc /= (float)(count_pad ? pad_cnt : (cnt ? cnt : 1));
		y[i] = acc;
	}
};

/* k_gap: GlobalAveragePool, one (n, c) plane per index, in double. */
struct k_gap {
	const float *x;
	float *y;
	int64_t inner;

	CU_HD void operator()(size_t p) const
	{
		double acc = 0;
		for (int64_t i = 0; i < inner; i++)
			acc += x[(int64_t)p * inner + i];
		y[p] = (float)(acc / (double)inner);
	}
};

/* k_resize: nearest or bilinear over H and W, element i of [N*C,oh,ow]. */
struct k_resize {
	const float *x;
	float *y;
	int64_t h, w, oh, ow;
	int linear, coord, nearest;
	float scale_y, scale_x;

	CU_HD void operator()(size_t i) const
	{
		int64_t ohw = oh * ow, p = (int64_t)i / ohw;
		int64_t oy = ((int64_t)i % ohw) / ow, ox = (int64_t)i % ow;
		const float *xc = x + p * h * w;
		float fy = src_coord(coord, oy, scale_y, h, oh);
		float fx = src_coord(coord, ox, scale_x, w, ow);
		if (!linear) {
			y[i] = xc[nearest_index(nearest, fy, h) * w +
				  nearest_index(nearest, fx, w)];
			return;
		}
		float cy = fminf(fmaxf(fy, 0), (float)(h - 1));
		float cx = fminf(fmaxf(fx, 0), (float)(w - 1));
		int64_t y0 = (int64_t)cy, x0 = (int64_t)cx;
		int64_t y1 = y0 + 1 < h ? y0 + 1 : y0;
		int64_t x1 = x0 + 1 < w ? x0 + 1 : x0;
		float ty = cy - (float)y0, tx = cx - (float)x0;
		float top = xc[y0 * w + x0] * (1 - tx) + xc[y0 * w + x1] * tx;
		float bot = xc[y1 * w + x0] * (1 - tx) + xc[y1 * w + x1] * tx;
		y[i] = top * (1 - ty) + bot * ty;
	}
};

/* cu_move copies one element of es bytes (1, 4 or 8). */
CU_HD void
cu_move(void *y, int64_t yi, const void *x, int64_t xi, int es)
{
	if (es == 4)
		((uint32_t *)y)[yi] = ((const uint32_t *)x)[xi];
	else if (es == 8)
		((uint64_t *)y)[yi] = ((const uint64_t *)x)[xi];
	else
		((uint8_t *)y)[yi] = ((const uint8_t *)x)[xi];
}

/*
 * k_strided: y[i] = x[base + sum idx_d * st_d] over the output's dims:
 * Transpose (permuted strides) and Slice (a start offset).
 */
struct k_strided {
	const void *x;
	void *y;
	int es, nd;
	int64_t base, dims[CU_MAX_DIMS], st[CU_MAX_DIMS];

	CU_HD void operator()(size_t i) const
	{
		int64_t r = (int64_t)i, off = base;
		for (int d = nd - 1; d >= 0; d--) {
			off += (r % dims[d]) * st[d];
			r /= dims[d];
		}
		cu_move(y, (int64_t)i, x, off, es);
	}
};

/* k_concat: input element i ([outer, len]) to [outer, total] at off. */
struct k_concat {
	const void *x;
	void *y;
	int es;
	int64_t len, total, off;

	CU_HD void operator()(size_t i) const
	{
		int64_t o = (int64_t)i / len, j = (int64_t)i % len;
		cu_move(y, o * total + off + j, x, (int64_t)i, es);
	}
};

/* k_gather: [outer, dim, inner] indexed on dim by idx (n_idx values). */
struct k_gather {
	const void *x;
	const int64_t *idx;
	void *y;
	int es;
	int64_t dim, n_idx, inner;

	CU_HD void operator()(size_t i) const
	{
		int64_t j = (int64_t)i % inner, r = (int64_t)i / inner;
		int64_t k = idx[r % n_idx], o = r / n_idx;
		k = k < 0 ? k + dim : k;
		cu_move(y, (int64_t)i, x, (o * dim + k) * inner + j, es);
	}
};

/* k_cast: between f32, u8 and i64 through double, as ops_data.c. */
struct k_cast {
	const void *x;
	void *y;
	int from, to; /* med_dtype */

	CU_HD void operator()(size_t i) const
	{
		double d = from == 1   ? (double)((const float *)x)[i]
			   : from == 3 ? (double)((const int64_t *)x)[i]
				       : (double)((const uint8_t *)x)[i];
		if (to == 1)
			((float *)y)[i] = (float)d;
		else if (to == 3)
			((int64_t *)y)[i] = (int64_t)d;
		else
			((uint8_t *)y)[i] = (uint8_t)(int64_t)d;
	}
};

/* k_bcast2: Gemm's C broadcast into Y [m, n] before beta*C. */
struct k_bcast2 {
	const float *c;
	float *y;
	int64_t n, s0, s1;

	CU_HD void operator()(size_t i) const
	{
		y[i] = c[((int64_t)i / n) * s0 + ((int64_t)i % n) * s1];
	}
};

#endif
