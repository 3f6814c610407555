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

/* offset is where f stands in a w x h photograph: its centre's distance
 * from the centre as a share of the half-side, the larger of the two. */
static float
offset(const identity_det_face *f, float w, float h)
{
	float dx = fabsf(f->x + f->w / 2.f - w / 2.f) / fmaxf(w / 2.f, 1.f);
	float dy = fabsf(f->y + f->h / 2.f - h / 2.f) / fmaxf(h / 2.f, 1.f);

	return fmaxf(dx, dy);
}

static float
area(const identity_det_face *f)
{
	return fmaxf(f->w * f->h, 1e-6f);
}

static bool
dominates(const identity_det_face *a, const identity_det_face *b, float w,
	  float h)
{
	float ratio = area(a) / area(b);
	float oa = offset(a, w, h), ob = offset(b, w, h);

	if (ratio >= IDENTITY_DOMINANT_AREA_ANYWHERE)
		return true;
	if (ratio >= IDENTITY_DOMINANT_AREA &&
	    (oa < IDENTITY_EDGE_OFF || oa < ob))
		return true;
	if (ratio >= IDENTITY_DOMINANT_AREA_CENTRAL &&
	    oa <= IDENTITY_CENTRAL_OFF && ob > IDENTITY_CENTRAL_OFF)
		return true;
	return ratio >= IDENTITY_EDGE_AREA && oa <= IDENTITY_CENTRAL_OFF &&
	       ob >= IDENTITY_EDGE_OFF;
}

/* behind says whether b, of about a's size, shares enough of its box with
 * a to be one face behind the other (IDENTITY_OVERLAP_SHARE). */
static bool
behind(const identity_det_face *a, const identity_det_face *b)
{
	float ix = fminf(a->x + a->w, b->x + b->w) - fmaxf(a->x, b->x);
	float iy = fminf(a->y + a->h, b->y + b->h) - fmaxf(a->y, b->y);
	float big = fmaxf(area(a), area(b)), small = fminf(area(a), area(b));

	if (ix <= 0.f || iy <= 0.f ||
	    big >= IDENTITY_DOMINANT_AREA_CENTRAL * small)
		return false;
	return ix * iy >= IDENTITY_OVERLAP_SHARE * small;
}

/* most_prominent is the largest face, the more central one of equals. */
static int
most_prominent(const identity_det_face *faces, size_t n, float w, float h)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++) {
		float ai = area(&faces[i]), ab = area(&faces[best]);
		if (ai > ab || (ai == ab && offset(&faces[i], w, h) <
						    offset(&faces[best], w, h)))
			best = i;
	}
	return (int)best;
}

/* dominant is the face that dominates every other one, or -1. */
static int
dominant(const identity_det_face *faces, size_t n, float w, float h)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < n &&
		       (j == i || dominates(&faces[i], &faces[j], w, h)))
			j++;
		if (j == n)
			return (int)i;
	}
	return -1;
}

/* rival_of is the first face that faces[pick] does not dominate. */
static int
rival_of(const identity_det_face *faces, size_t n, int pick, float w, float h)
{
	for (size_t i = 0; i < n; i++)
		if ((int)i != pick && !dominates(&faces[pick], &faces[i], w, h))
			return (int)i;
	return -1;
}

identity_det_choice
identity_det_choose(const identity_det_face *faces, size_t n, float img_w,
		    float img_h)
{
	identity_det_choice c = {IDENTITY_DET_NONE, -1, -1, 0};

	if (n == 0)
		return c;
	c.pick = most_prominent(faces, n, img_w, img_h);
	for (size_t i = 0; i < n; i++)
		if ((int)i != c.pick && behind(&faces[c.pick], &faces[i])) {
			c.verdict = IDENTITY_DET_OVERLAP;
			c.rival = (int)i;
			return c;
		}
	int d = dominant(faces, n, img_w, img_h);
	if (d < 0) {
		c.verdict = IDENTITY_DET_AMBIGUOUS;
		c.rival = rival_of(faces, n, c.pick, img_w, img_h);
		return c;
	}
	c.verdict = IDENTITY_DET_ONE;
	c.pick = d;
	c.others = (unsigned)(n - 1);
	return c;
}
