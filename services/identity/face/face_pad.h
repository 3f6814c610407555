/*
 * face_pad.h - the presentation-attack detection (PAD) stage's pure parts
 * (pad.c): the setting, what a liveness score decides, and the square
 * crop of the face the liveness model sees.  No I/O, no state.
 */
#ifndef IDENTITY_FACE_PAD_H
#define IDENTITY_FACE_PAD_H

#include <stdbool.h>

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
} identity_pad_decision;

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

/* identity_pad_decision_name: "not-run", "bona-fide", "flagged" or
 * "refused" (the audit event's "pad" detail). */
const char *identity_pad_decision_name(identity_pad_decision d);

/*
 * identity_pad_crop gives the affine map m (crop pixel (u, v) -> image
 * point m[0] u + m[1] v + m[2], m[3] u + m[4] v + m[5], pixel centres) of
 * the size x size square crop centred on the face box (x, y, w, h) with
 * side crop_scale times the box's longer side.
 */
void identity_pad_crop(const float box[4], float crop_scale, unsigned size,
		       double m[6]);

#endif
