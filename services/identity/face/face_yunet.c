/*
 * face_yunet.c - YuNet's anchor-free head: for each stride S and grid cell
 * (row r, column c), score = sqrt(cls * obj), centre = (c + dx, r + dy) * S,
 * size = exp(dw, dh) * S, and five landmarks (c + kx, r + ky) * S, the
 * first two the eyes.  Then greedy non-maximum suppression.
 */
#include "face_yunet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int strides[IDENTITY_YUNET_STRIDES] = {8, 16, 32};

static int
find_output(const med_model_info *mi, const char *prefix, int stride)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_%d", prefix, stride);
	for (uint32_t i = 0; i < mi->n_outputs; i++)
		if (strcmp(mi->outputs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* shape_ok: [1, cells, width] */
static bool
shape_ok(const med_tensor_desc *d, int64_t cells, int64_t width)
{
	return d->n_dims == 3 && d->dims[0] == 1 && d->dims[1] == cells &&
	       d->dims[2] == width;
}

med_err
identity_yunet_bind(const med_model_info *mi, identity_yunet *y, char *msg,
		    size_t len)
{
	static const char *const kinds[] = {"cls", "obj", "bbox", "kps"};
	static const int64_t widths[] = {1, 1, 4, 10};
	const med_tensor_desc *in = &mi->inputs[0];

	if (mi->n_inputs != 1 || in->n_dims != 4 || in->dims[0] != 1 ||
	    in->dims[1] != 3 || in->dims[2] % 32 != 0 ||
	    in->dims[3] % 32 != 0 || in->dims[2] <= 0 || in->dims[3] <= 0) {
		snprintf(msg, len,
			 "a yunet detector takes one input [1, 3, H, W] with "
			 "H and W multiples of 32");
		return MED_ERR_INVALID;
	}
	y->in_h = (int)in->dims[2];
	y->in_w = (int)in->dims[3];
	for (int s = 0; s < IDENTITY_YUNET_STRIDES; s++) {
		int64_t cells = (int64_t)(y->in_h / strides[s]) *
				(y->in_w / strides[s]);
		int *slot[] = {&y->cls[s], &y->obj[s], &y->bbox[s], &y->kps[s]};
		for (int k = 0; k < 4; k++) {
			int i = find_output(mi, kinds[k], strides[s]);
			if (i < 0 ||
			    !shape_ok(&mi->outputs[i], cells, widths[k])) {
				snprintf(msg, len,
					 "a yunet detector has an output "
					 "%s_%d of [1, %lld, %lld]",
					 kinds[k], strides[s], (long long)cells,
					 (long long)widths[k]);
				return MED_ERR_INVALID;
			}
			*slot[k] = i;
		}
	}
	return MED_OK;
}

static float
clamp01(float v)
{
	return v < 0.f ? 0.f : v > 1.f ? 1.f : v;
}

static void
decode_cell(const identity_yunet *y, const float *const *outs, int s, int idx,
	    int r, int c, identity_det_face *f)
{
	const float *b = outs[y->bbox[s]] + (size_t)idx * 4;
	const float *k = outs[y->kps[s]] + (size_t)idx * 10;
	float st = (float)strides[s];
	float cx = ((float)c + b[0]) * st, cy = ((float)r + b[1]) * st;
	float e0[2] = {((float)c + k[0]) * st, ((float)r + k[1]) * st};
	float e1[2] = {((float)c + k[2]) * st, ((float)r + k[3]) * st};
	bool swap = e1[0] < e0[0];

	f->w = expf(b[2]) * st;
	f->h = expf(b[3]) * st;
	f->x = cx - f->w / 2.f;
	f->y = cy - f->h / 2.f;
	f->eyes = true;
	memcpy(f->eye_l, swap ? e1 : e0, sizeof(f->eye_l));
	memcpy(f->eye_r, swap ? e0 : e1, sizeof(f->eye_r));
}

size_t
identity_yunet_decode(const identity_yunet *y, const float *const *outs,
		      float min_score, float nms_iou, identity_det_face *faces,
		      size_t max)
{
	size_t cells = 0, n_cand = 0, n;
	identity_det_face *cand;

	for (int s = 0; s < IDENTITY_YUNET_STRIDES; s++)
		cells += (size_t)(y->in_h / strides[s]) *
			 (size_t)(y->in_w / strides[s]);
	cand = malloc(cells * sizeof(*cand));
	if (cand == NULL)
		return 0;
	for (int s = 0; s < IDENTITY_YUNET_STRIDES; s++) {
		int rows = y->in_h / strides[s], cols = y->in_w / strides[s];
		for (int r = 0; r < rows; r++)
			for (int c = 0; c < cols; c++) {
				int idx = r * cols + c;
				float sc = sqrtf(clamp01(outs[y->cls[s]][idx]) *
						 clamp01(outs[y->obj[s]][idx]));
				if (!(sc >= min_score))
					continue;
				cand[n_cand].score = sc;
				decode_cell(y, outs, s, idx, r, c,
					    &cand[n_cand++]);
			}
	}
	n = identity_det_suppress(cand, n_cand, nms_iou, faces, max);
	free(cand);
	return n;
}
