/*
 * face_det.h - what every ONNX face detector's decoder (face_yunet.c,
 * face_tiny.c) hands the pipeline: faces with scores, greedy non-maximum
 * suppression over them, and the rule that picks the patient's face in a
 * busy frame.  Pure functions: no I/O.
 */
#ifndef FACE_DET_H
#define FACE_DET_H

#include <stdbool.h>
#include <stddef.h>

/* identity_det_face - one face in input coordinates; eye_l is the eye on the
 * image's left, set when eyes is (by a detector that gives eyes). */
typedef struct identity_det_face {
	float x, y, w, h, score;
	bool eyes;
	float eye_l[2], eye_r[2];
} identity_det_face;

/*
 * identity_det_suppress sorts cand (n_cand faces, reordered in place) best
 * first and writes to faces each one that overlaps no face kept before it
 * by more than nms_iou (intersection over union), at most max; returns how
 * many it kept.
 */
size_t identity_det_suppress(identity_det_face *cand, size_t n_cand,
			     float nms_iou, identity_det_face *faces,
			     size_t max);

/*
 * The dominant-face rule.  A bedside photograph may show a relative or a
 * nurse behind the patient.  Face a dominates face b when a's area is at
 * least IDENTITY_DOMINANT_AREA times b's and a's centre is nearer the
 * photograph's centre than b's, or when a's area is at least
 * IDENTITY_DOMINANT_AREA_ANYWHERE times b's wherever a stands.  (2.25
 * is a face 1.5 times as wide, 4 one twice as wide.)
 */
#define IDENTITY_DOMINANT_AREA		2.25f
#define IDENTITY_DOMINANT_AREA_ANYWHERE 4.0f

/*
 * identity_det_dominant returns the index of the face among faces (n > 0)
 * that dominates every other one in an img_w x img_h photograph, or -1
 * when none does (two faces comparably prominent).  With n == 1 it is 0.
 */
int identity_det_dominant(const identity_det_face *faces, size_t n, float img_w,
			  float img_h);

#endif
