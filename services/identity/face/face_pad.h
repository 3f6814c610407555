/*
 * face_pad.h - the presentation-attack detection (PAD) stage's pure parts
 * (pad.c): the setting, what a liveness score decides, and the square
 * crop of the face the liveness model sees.  No I/O, no state.
 */
#ifndef IDENTITY_FACE_PAD_H
#define IDENTITY_FACE_PAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* identity_pad_mode - MED_FACE_PAD. */
typedef enum identity_pad_mode {
	IDENTITY_PAD_OFF = 0,
	IDENTITY_PAD_WARN,    /* flag an attack in the reply and audit only */
	IDENTITY_PAD_ENFORCE, /* refuse an attack: no token, no candidates */
} identity_pad_mode;

/* identity_pad_decision - what the stage made of one probe; the values
 * are the proto's PadDecision. */
typedef enum identity_pad_decision {
	IDENTITY_PAD_NOT_RUN = 0,
	IDENTITY_PAD_BONA_FIDE = 1,
	IDENTITY_PAD_FLAGGED = 2,
	IDENTITY_PAD_REFUSED = 3,
	/* A model that needs colour was given a grey photograph: no score
	 * (MED_FACE_PAD=warn answers, enforce refuses as not judgeable). */
	IDENTITY_PAD_NOT_JUDGED = 50,
} identity_pad_decision;

/* The most crops a PAD model takes (one input each). */
#define IDENTITY_PAD_MAX_CROPS 4

/* identity_pad_mode_parse sets *mode from "off", "warn" or "enforce";
 * false (and *mode untouched) for anything else. */
bool identity_pad_mode_parse(const char *s, identity_pad_mode *mode);

/*
 * identity_pad_decide: NOT_RUN when the stage is off or did not run (ran
 * false), else BONA_FIDE for a liveness score at or above threshold, and
 * under it FLAGGED (warn) or REFUSED (enforce).  A score that is not a
 * number is an attack: a model that gives NaN has not said "live".
 */
identity_pad_decision identity_pad_decide(identity_pad_mode mode, bool ran,
					  double liveness, double threshold);

/*
 * identity_pad_judge is identity_pad_decide for a probe the stage may not
 * have scored: NOT_JUDGED when it ran on a grey photograph (grey) with a
 * model that cannot judge one, in warn and enforce alike.
 */
identity_pad_decision identity_pad_judge(identity_pad_mode mode, bool ran,
					 bool grey, double liveness,
					 double threshold);

/* identity_pad_refuses: whether decision d fails the call in mode: an
 * attack under enforce, and under enforce a photograph not judged. */
bool identity_pad_refuses(identity_pad_mode mode, identity_pad_decision d);

/* identity_pad_decision_name: "not-run", "bona-fide", "flagged",
 * "refused" or "not-judged" (the audit event's "pad" detail). */
const char *identity_pad_decision_name(identity_pad_decision d);

/*
 * identity_pad_crop gives the affine map m (crop pixel (u, v) -> image
 * point m[0] u + m[1] v + m[2], m[3] u + m[4] v + m[5], pixel centres) of
 * the size x size square crop centred on the face box (x, y, w, h) with
 * side crop_scale times the box's longer side.
 */
void identity_pad_crop(const float box[4], float crop_scale, unsigned size,
		       double m[6]);

/*
 * identity_pad_rect - the picture inside a photograph: columns x0..x1 and
 * rows y0..y1, both included.
 */
typedef struct identity_pad_rect {
	uint32_t x0, y0, x1, y1;
} identity_pad_rect;

/*
 * identity_pad_picture finds the picture inside the w x h photograph px
 * (ch interleaved channels, 0..1): the rows and columns at each edge that
 * all hold one colour (letterbox bars, constant padding; within
 * IDENTITY_PAD_BORDER_TOL of the edge's first pixel) are cut off.  A
 * photograph that is all one colour is its own picture.
 */
identity_pad_rect identity_pad_picture(const float *px, uint32_t w, uint32_t h,
				       unsigned ch);

/* How far (0..1, any channel) a border pixel may stray from the border's
 * colour: JPEG's blocks leave bars a few levels off their colour. */
#define IDENTITY_PAD_BORDER_TOL (12.0f / 255)

/*
 * identity_pad_crop_box gives the same map for the crop MiniFASNet's
 * authors cut (their CropImage, crop_shape box): the box itself, not made
 * square, enlarged crop_scale times about its centre (less when the
 * picture r cannot hold that), moved back inside r, its corners cut to
 * whole pixels, and resized to size x size.  r is the whole photograph
 * for the authors; identity passes the picture inside any border
 * (identity_pad_picture), so the model judges the face, not a frame.
 */
void identity_pad_crop_box(const float box[4], double crop_scale,
			   identity_pad_rect r, unsigned size, double m[6]);

/*
 * identity_pad_is_grey: whether the n interleaved RGB pixels of rgb
 * (0..1) carry no colour: the mean of each pixel's largest channel
 * difference under 2/255 (a grey photograph through JPEG's colour
 * conversion keeps about 1/255).
 */
bool identity_pad_is_grey(const float *rgb, size_t n);

#endif
