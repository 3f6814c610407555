/*
 * face_tiny.h - the output grid of a Tiny-YOLO-v2 face detector (the card's
 * format "tiny-yolo-face": face-api's tiny face detector, converted by
 * tools/facemodels) turned into scored face boxes.  Pure functions: no
 * I/O.
 */
#ifndef FACE_TINY_H
#define FACE_TINY_H

#include <med/err.h>
#include <med/plugin.h>

#include "face_det.h"

/* Anchors per grid cell, and values per anchor: tx ty tw th objectness. */
#define IDENTITY_TINY_ANCHORS 5
#define IDENTITY_TINY_FIELDS  5

/* identity_tiny - a bound model: a square input and its square grid. */
typedef struct identity_tiny {
	int in_size, cells;
} identity_tiny;

/*
 * identity_tiny_bind checks mi: one input [1, 3, S, S] and one output [1,
 * 25, C, C].  Errors: MED_ERR_INVALID with msg saying what it expects.
 */
med_err identity_tiny_bind(const med_model_info *mi, identity_tiny *t,
			   char *msg, size_t len) MED_MUST_CHECK;

/*
 * identity_tiny_candidates writes to cand the boxes of grid (the model's
 * output, channel = anchor * 5 + field) scoring at least min_score, in the
 * input's pixels, unsuppressed, at most max; returns how many.
 */
size_t identity_tiny_candidates(const identity_tiny *t, const float *grid,
				float min_score, identity_det_face *cand,
				size_t max);

#endif
