/*
 * scalar.h - per-element arithmetic shared by the cpu backend's kernels
 * (ops_*.c) and the cuda backend's (plugins/cuda/kernels.h), so both
 * compute the same value for the same element: the broadcasting binary
 * operators, Resize's coordinate and nearest-pixel rules, a Softmax row.
 * Compiled by nvcc the functions are __host__ __device__.
 */
#ifndef CPU_SCALAR_H
#define CPU_SCALAR_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define CV_SCALAR static inline __host__ __device__
#else
#define CV_SCALAR static inline
#endif

/* Binary operators (Add, Sub, Mul, Div, PRelu). */
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_PRELU };
/* Resize coordinate_transformation_mode and nearest_mode, in ONNX order. */
enum { C_HALF, C_ASYM, C_ALIGN, C_PYTORCH, C_TFNN };
enum { N_RPF, N_RPC, N_FLOOR, N_CEIL };

CV_SCALAR float
bin_f(int op, float a, float b)
{
	switch (op) {
	case B_ADD:
		return a + b;
	case B_SUB:
		return a - b;
	case B_MUL:
		return a * b;
	case B_DIV:
		return a / b;
	default:
		return a >= 0 ? a : a * b;
	}
}

/* bin_i: int64 arithmetic; division by zero gives 0, never a trap. */
CV_SCALAR int64_t
bin_i(int op, int64_t a, int64_t b)
{
	switch (op) {
	case B_ADD:
		return a + b;
	case B_SUB:
		return a - b;
	case B_MUL:
		return a * b;
	default:
		return b ? a / b : 0;
	}
}

/* src_coord maps output index o to an input coordinate (Resize). */
CV_SCALAR float
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

/* nearest_index rounds f by mode and clamps it into [0, in). */
CV_SCALAR int64_t
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

/* softmax_row normalises len values inner apart, max-subtracted. */
CV_SCALAR void
softmax_row(const float *x, float *y, int64_t len, int64_t inner)
{
	float mx = -INFINITY, sum = 0;

	for (int64_t i = 0; i < len; i++)
		mx = fmaxf(mx, x[i * inner]);
	for (int64_t i = 0; i < len; i++) {
		float e = expf(x[i * inner] - mx);
		y[i * inner] = e;
		sum += e;
	}
	for (int64_t i = 0; i < len; i++)
		y[i * inner] /= sum;
}

#endif
