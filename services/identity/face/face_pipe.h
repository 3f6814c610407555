/*
 * face_pipe.h - the pure parts of the per-photograph pipeline (face_pipe.c):
 * the working image and face box, the aligned crop, and the quality gates.
 * Each gate returns MED_OK, or fills p (the request field, and the reason
 * the caller is told) and returns MED_ERR_INVALID; face_pipe.c fails the
 * call with it.  No I/O, no state.
 */
#ifndef IDENTITY_FACE_PIPE_H
#define IDENTITY_FACE_PIPE_H

#include <med/err.h>

#include "face_det.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A photograph's shorter side is at least this many pixels. */
#define IDENTITY_FACE_MIN_SIDE 48

/* identity_face_box - a face in some image's pixels; an ONNX detector also
 * gives the eyes (el on the image's left), which then replace the eye
 * cascade. */
typedef struct identity_face_box {
	float x, y, w, h;
	bool eyes;
	float el[2], er[2];
} identity_face_box;

/* identity_grey8 - an 8-bit working copy (what the Haar and LBP models
 * take), w * h pixels row by row. */
typedef struct identity_grey8 {
	uint32_t w, h;
	uint8_t *px;
} identity_grey8;

/* identity_crop_spec - an aligned crop: ow x oh pixels covering crop_scale
 * times the face box's width, rotated by roll radians so the eyes lie
 * level. */
typedef struct identity_crop_spec {
	int ow, oh;
	float crop_scale, roll;
} identity_crop_spec;

/*
 * identity_face_align writes the crop cs around fb into out (ow * oh
 * pixels): centred on the box's centre, sampled bilinearly from w, pixels
 * outside w taking the nearest edge pixel.
 */
void identity_face_align(const identity_grey8 *w, const identity_face_box *fb,
			 const identity_crop_spec *cs, uint8_t *out);

/* identity_face_roll is the eye line's angle in radians, l to r (positive
 * when r is lower, image y pointing down). */
float identity_face_roll(const float l[2], const float r[2]);

/* The pose gate's crude yaw: the eyes' midpoint at most this share of the
 * face's width from its centre. */
#define IDENTITY_FACE_MAX_TURN 0.2f

/* identity_face_turn is the eyes' midpoint's offset from the centre of fb
 * as a share of its width (signed; the pose gate's crude yaw). */
float identity_face_turn(const identity_face_box *fb, const float l[2],
			 const float r[2]);

/*
 * identity_face_pose_quality is 1 for a face level and frontal, falling
 * linearly to 0.5 at the pose gate's limits: roll_rad against max_roll_deg,
 * turn against IDENTITY_FACE_MAX_TURN, whichever is nearer its limit.
 */
double identity_face_pose_quality(double roll_rad, double max_roll_deg,
				  double turn);

/* identity_face_sharpness is the variance of the 4-neighbour Laplacian
 * over the inner pixels of an IDENTITY_FACE_W x IDENTITY_FACE_H crop. */
double identity_face_sharpness(const uint8_t *crop);

/*
 * identity_face_quality is a probe's quality in [0, 1]: half from the
 * sharpness (full at 5 times the minimum), half from the face's width in
 * the photograph (full at 3 times the minimum).  The reply's quality is
 * this times identity_face_pose_quality.
 */
double identity_face_quality(double sharpness, double min_sharpness,
			     double face_px, int min_size);

/*
 * identity_face_in_pieces: count detections (rows of x y w h n), more than
 * one, each overlapping the first by at least half of the smaller one's
 * area: one face cut into pieces, as two people's faces cannot overlap so.
 */
bool identity_face_in_pieces(const float *boxes, int64_t count);

/* identity_face_png_problem refuses 16-bit and palette PNGs (what decodes
 * but is no camera photograph); anything else passes. */
med_err identity_face_png_problem(const char *field, const uint8_t *buf,
				  size_t len, med_problem *p) MED_MUST_CHECK;

/* identity_face_side_problem refuses a photograph under
 * IDENTITY_FACE_MIN_SIDE pixels on a side. */
med_err identity_face_side_problem(const char *field, uint32_t w, uint32_t h,
				   med_problem *p) MED_MUST_CHECK;

/*
 * identity_face_count_problem refuses what the dominant-face rule made of
 * n_faces faces (face_det.h) unless it is IDENTITY_DET_ONE, and then a
 * face less than min_size pixels across; face is read only then.
 */
med_err identity_face_count_problem(const char *field, identity_det_verdict v,
				    size_t n_faces,
				    const identity_face_box *face, int min_size,
				    med_problem *p) MED_MUST_CHECK;

/* identity_face_refusal names the refusal v makes for the audit event
 * (detail "refusal"): "no-face", "faces-ambiguous", "face-behind-another",
 * or "" for IDENTITY_DET_ONE. */
const char *identity_face_refusal(identity_det_verdict v);

/*
 * identity_face_pose_problem checks the eyes l and r (in fb's coordinates):
 * a roll of at most max_roll_deg, and their midpoint within a fifth of the
 * box's width of its centre (a crude yaw).
 */
med_err identity_face_pose_problem(const char *field,
				   const identity_face_box *fb,
				   const float l[2], const float r[2],
				   double max_roll_deg,
				   med_problem *p) MED_MUST_CHECK;

/*
 * The face-likeness gate of the classic pipeline: the region of 1.6 times
 * the Haar detector's box, resampled to IDENTITY_FACE_CONFIRM_SIDE pixels
 * square, is searched by a second cascade (MED_FACE_CONFIRM_CASCADE) for
 * faces of IDENTITY_FACE_CONFIRM_MIN_PX or more; its best window group
 * must have IDENTITY_FACE_CONFIRM_NEIGHBOURS or more neighbours.  On ORL
 * 391 of 393 detected faces pass and on Caltech 415 of 418; of 102 smooth
 * noise images that passed the blur gate, none (docs/security.md).
 */
#define IDENTITY_FACE_CONFIRM_SIDE	 96
#define IDENTITY_FACE_CONFIRM_SCALE	 1.6f
#define IDENTITY_FACE_CONFIRM_MIN_PX	 "40"
#define IDENTITY_FACE_CONFIRM_NEIGHBOURS 7

/*
 * identity_face_confirm_problem refuses a face whose confirmation found
 * at most neighbours (the largest neighbour count of the second cascade's
 * finds, 0 for none) below IDENTITY_FACE_CONFIRM_NEIGHBOURS.
 */
med_err identity_face_confirm_problem(const char *field, int neighbours,
				      med_problem *p) MED_MUST_CHECK;

/* identity_face_blur_problem refuses a crop whose sharpness is below
 * min_sharpness. */
med_err identity_face_blur_problem(const char *field, double sharpness,
				   double min_sharpness,
				   med_problem *p) MED_MUST_CHECK;

/* identity_face_decision - VerifyFace's answer (FaceDecision). */
typedef enum identity_face_decision {
	IDENTITY_FACE_MATCH,
	IDENTITY_FACE_NO_MATCH,
	IDENTITY_FACE_RETAKE,	      /* just short: take another photograph */
	IDENTITY_FACE_RETAKE_QUALITY, /* a poor photograph: take another */
} identity_face_decision;

/*
 * identity_face_verdict - what VerifyFace knows when it decides: the fused
 * score, the threshold, the retake band below it (threshold - band up to
 * the threshold), the probe's quality and the quality under which a
 * non-match asks for another photograph, and whether this is the second
 * photograph after a score in the band (IDENTITY_RETAKE_WINDOW_MS).
 */
typedef struct identity_face_verdict {
	double score, threshold, band, quality, min_quality;
	bool second;
	/* The second photograph's bar: it matches when the larger of the
	 * two scores reaches it (MED_FACE_RETAKE_THRESHOLD); as the first
	 * was under the threshold, that is its own score.  A bar under the
	 * threshold is taken as the threshold plus the band. */
	double second_bar;
} identity_face_verdict;

/* How long a retake asked of a patient raises the bar for their next
 * photograph. */
#define IDENTITY_RETAKE_WINDOW_MS (10 * 60 * 1000)

/*
 * identity_face_decide: a score at or above the threshold matches; just
 * short of it (in the band) it asks for another photograph
 * (IDENTITY_FACE_RETAKE), as it does for a non-match from a photograph of
 * low quality (IDENTITY_FACE_RETAKE_QUALITY); else no match.  The second
 * photograph after a score in the band must clear second_bar, with no
 * further retake: the two photographs' scores fused (the larger) at the
 * bar that holds the target FMR over impostor two-photograph sequences
 * (tools/facecal/retake.py; docs/benchmarks.md, "The retake rule"); a
 * free second try at the threshold lets more impostors through.  reason
 * (len bytes) says why in words, "" on a match.
 */
identity_face_decision identity_face_decide(const identity_face_verdict *v,
					    char *reason, size_t len);

#endif
