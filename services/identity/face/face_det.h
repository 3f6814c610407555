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
 * The dominant-face rule, one for enrolment, verification and
 * identification.  A bedside photograph may show a relative or a nurse
 * beside or behind the patient; a person would still point at the patient:
 * the face that is the largest and central while the others are clearly
 * smaller or at the frame's edge.  Face a dominates face b when
 *   - a's area is at least IDENTITY_DOMINANT_AREA_ANYWHERE times b's
 *     (twice as wide): b is in the background wherever they stand; or
 *   - a's area is at least IDENTITY_DOMINANT_AREA times b's (1.5 times as
 *     wide) and a is not itself at the edge, or is nearer the centre; or
 *   - a is central, b is not, and a's area is at least
 *     IDENTITY_DOMINANT_AREA_CENTRAL times b's (1.22 times as wide: the
 *     tiny CNN detector's boxes of a smaller face are looser than a large
 *     one's, so a face half as wide may measure 0.7 of it); or
 *   - a is central, b at the edge, and a at least IDENTITY_EDGE_AREA times
 *     b's area: as large, give or take the tenth of the width by which a
 *     detector's boxes of one face vary.
 * Where a face stands is its centre's offset from the photograph's
 * centre, as a share of the half-width or half-height, whichever is more
 * (0 at the centre, 1 on the border): central up to IDENTITY_CENTRAL_OFF,
 * at the edge from IDENTITY_EDGE_OFF (the outer fifth on each side).  No
 * face dominates another both ways, so at most one dominates all.
 */
#define IDENTITY_DOMINANT_AREA		2.25f
#define IDENTITY_DOMINANT_AREA_ANYWHERE 4.0f
#define IDENTITY_CENTRAL_OFF		0.4f
#define IDENTITY_EDGE_OFF		0.6f
#define IDENTITY_EDGE_AREA		0.8f
#define IDENTITY_DOMINANT_AREA_CENTRAL	1.5f
/*
 * A face behind another: a face of about the same size (less than
 * IDENTITY_DOMINANT_AREA_CENTRAL times smaller) whose box shares at least
 * this part of the smaller box's area with the most prominent face.  Its
 * landmarks and crop could mix two people, so the photograph is refused.
 * The tiny CNN detector finds a face behind another only while most of it
 * shows, and its boxes are loose: on composites (tests/integration/
 * test_face_dominant.py) a face partly hidden behind the patient's shared
 * 14 to 19 % of the smaller box, and a smaller face beside the patient up
 * to 28 %; that one is set aside by the size rules above instead.
 */
#define IDENTITY_OVERLAP_SHARE 0.12f

/* identity_det_verdict - what the rule makes of a photograph's faces. */
typedef enum identity_det_verdict {
	IDENTITY_DET_ONE,	/* one face is the patient's: pick */
	IDENTITY_DET_NONE,	/* no face at all */
	IDENTITY_DET_AMBIGUOUS, /* two comparably prominent faces */
	IDENTITY_DET_OVERLAP,	/* the most prominent face overlaps another */
} identity_det_verdict;

/*
 * identity_det_choice - the rule's answer: the verdict, the face it picked
 * (ONE) or the most prominent one (the largest, then the most central;
 * -1 with NONE), the face that made it AMBIGUOUS or OVERLAP (else -1),
 * and how many faces were set aside (ONE: n - 1).
 */
typedef struct identity_det_choice {
	identity_det_verdict verdict;
	int pick;
	int rival;
	unsigned others;
} identity_det_choice;

/*
 * identity_det_choose applies the rule to faces[0..n) of an img_w x img_h
 * photograph.
 */
identity_det_choice identity_det_choose(const identity_det_face *faces,
					size_t n, float img_w, float img_h);

#endif
