/*
 * face_det.c - non-maximum suppression and the dominant-face rule shared
 * by the ONNX face detectors (face_det.h).
 */
#include "face_det.h"

#include <math.h>
#include <stdlib.h>

static float
iou(const identity_det_face *a, const identity_det_face *b)
{
	float ix = fminf(a->x + a->w, b->x + b->w) - fmaxf(a->x, b->x);
	float iy = fminf(a->y + a->h, b->y + b->h) - fmaxf(a->y, b->y);
	float inter = ix > 0.f && iy > 0.f ? ix * iy : 0.f;
	float uni = a->w * a->h + b->w * b->h - inter;

	return uni > 0.f ? inter / uni : 0.f;
}

static int
by_score_desc(const void *a, const void *b)
{
	float x = ((const identity_det_face *)a)->score;
	float y = ((const identity_det_face *)b)->score;

	return (x < y) - (x > y);
}

size_t
identity_det_suppress(identity_det_face *cand, size_t n_cand, float nms_iou,
		      identity_det_face *faces, size_t max)
{
	size_t n = 0;

	qsort(cand, n_cand, sizeof(*cand), by_score_desc);
	for (size_t i = 0; i < n_cand && n < max; i++) {
		bool overlaps = false;
		for (size_t j = 0; j < n && !overlaps; j++)
			overlaps = iou(&faces[j], &cand[i]) > nms_iou;
		if (!overlaps)
			faces[n++] = cand[i];
	}
	return n;
}

/* off_centre is the squared distance of f's centre from (cx, cy). */
static float
off_centre(const identity_det_face *f, float cx, float cy)
{
	float dx = f->x + f->w / 2.f - cx, dy = f->y + f->h / 2.f - cy;

	return dx * dx + dy * dy;
}

static bool
dominates(const identity_det_face *a, const identity_det_face *b, float cx,
	  float cy)
{
	float ratio = a->w * a->h / fmaxf(b->w * b->h, 1e-6f);

	if (ratio >= IDENTITY_DOMINANT_AREA_ANYWHERE)
		return true;
	return ratio >= IDENTITY_DOMINANT_AREA &&
	       off_centre(a, cx, cy) < off_centre(b, cx, cy);
}

int
identity_det_dominant(const identity_det_face *faces, size_t n, float img_w,
		      float img_h)
{
	size_t big = 0;

	for (size_t i = 1; i < n; i++)
		if (faces[i].w * faces[i].h > faces[big].w * faces[big].h)
			big = i;
	for (size_t i = 0; i < n; i++)
		if (i != big && !dominates(&faces[big], &faces[i], img_w / 2.f,
					   img_h / 2.f))
			return -1;
	return n > 0 ? (int)big : -1;
}
