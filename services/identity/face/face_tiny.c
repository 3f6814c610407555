/*
 * face_tiny.c - Tiny YOLO v2's grid: for cell (row r, column c) of C x C
 * and anchor a of size (aw, ah) in cells, the box is centred at
 * ((c + sigmoid(tx)) / C, (r + sigmoid(ty)) / C) of the input, aw *
 * exp(tw) / C wide and ah * exp(th) / C high, and scores
 * sigmoid(objectness).  The anchors are face-api's tiny face detector's,
 * which the format names.
 */
#include "face_tiny.h"

#include <math.h>
#include <stdio.h>

static const float anchors[IDENTITY_TINY_ANCHORS][2] = {
	{1.603231f, 2.094468f}, {6.041143f, 7.080126f}, {2.882459f, 3.518061f},
	{4.266906f, 5.178857f}, {9.041765f, 10.66308f},
};

static float
sigmoid(float v)
{
	return 1.f / (1.f + expf(-v));
}

med_err
identity_tiny_bind(const med_model_info *mi, identity_tiny *t, char *msg,
		   size_t len)
{
	const med_tensor_desc *in = &mi->inputs[0], *out = &mi->outputs[0];

	if (mi->n_inputs != 1 || in->n_dims != 4 || in->dims[0] != 1 ||
	    in->dims[1] != 3 || in->dims[2] != in->dims[3] ||
	    in->dims[2] < 32 || in->dims[2] > 4096) {
		snprintf(msg, len,
			 "a tiny-yolo-face detector takes one input [1, 3, S, "
			 "S] with S from 32 to 4096");
		return MED_ERR_INVALID;
	}
	if (mi->n_outputs != 1 || out->n_dims != 4 || out->dims[0] != 1 ||
	    out->dims[1] != IDENTITY_TINY_ANCHORS * IDENTITY_TINY_FIELDS ||
	    out->dims[2] != out->dims[3] || out->dims[2] < 1 ||
	    out->dims[2] > in->dims[2]) {
		snprintf(msg, len,
			 "a tiny-yolo-face detector gives one output [1, %d, "
			 "C, C]",
			 IDENTITY_TINY_ANCHORS * IDENTITY_TINY_FIELDS);
		return MED_ERR_INVALID;
	}
	t->in_size = (int)in->dims[2];
	t->cells = (int)out->dims[2];
	return MED_OK;
}

/* box writes anchor a's box of cell (r, c), read from v[field * plane]. */
static void
box(const identity_tiny *t, const float *v, size_t plane, int a, int r, int c,
    identity_det_face *f)
{
	float cell = (float)t->in_size / (float)t->cells;
	float cx = ((float)c + sigmoid(v[0])) * cell;
	float cy = ((float)r + sigmoid(v[plane])) * cell;

	f->w = anchors[a][0] * expf(fminf(v[2 * plane], 20.f)) * cell;
	f->h = anchors[a][1] * expf(fminf(v[3 * plane], 20.f)) * cell;
	f->x = cx - f->w / 2.f;
	f->y = cy - f->h / 2.f;
	f->eyes = false;
	f->eye_l[0] = f->eye_l[1] = f->eye_r[0] = f->eye_r[1] = 0.f;
}

size_t
identity_tiny_candidates(const identity_tiny *t, const float *grid,
			 float min_score, identity_det_face *cand, size_t max)
{
	size_t plane = (size_t)t->cells * (size_t)t->cells, n = 0;

	for (int a = 0; a < IDENTITY_TINY_ANCHORS; a++) {
		const float *ch =
			grid + (size_t)a * IDENTITY_TINY_FIELDS * plane;
		for (int r = 0; r < t->cells; r++)
			for (int c = 0; c < t->cells && n < max; c++) {
				size_t i = (size_t)r * t->cells + (size_t)c;
				float s = sigmoid(ch[4 * plane + i]);
				if (!(s >= min_score))
					continue;
				cand[n].score = s;
				box(t, ch + i, plane, a, r, c, &cand[n++]);
			}
	}
	return n;
}
