/*
 * pad.c - the presentation-attack detection (PAD) stage of the face
 * pipeline (MED_FACE_PAD, docs/face-pad.md): a passive liveness model (an
 * ONNX file with a card of kind face-pad) scores the square crop of the
 * face the dominant-face rule chose; under the threshold the probe is an
 * attack, refused (enforce) or flagged (warn) by the handlers.  The
 * decision rule and the crop are pure (face_pad.h, unit-tested).
 */
#include <med/log.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "face_align.h"
#include "face_internal.h"
#include "face_pad.h"

bool
identity_pad_mode_parse(const char *s, identity_pad_mode *mode)
{
	static const char *const names[] = {"off", "warn", "enforce"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = (identity_pad_mode)i;
			return true;
		}
	return false;
}

identity_pad_decision
identity_pad_decide(identity_pad_mode mode, bool ran, double liveness,
		    double threshold)
{
	if (mode == IDENTITY_PAD_OFF || !ran)
		return IDENTITY_PAD_NOT_RUN;
	if (liveness >= threshold) /* false for NaN */
		return IDENTITY_PAD_BONA_FIDE;
	return mode == IDENTITY_PAD_ENFORCE ? IDENTITY_PAD_REFUSED
					    : IDENTITY_PAD_FLAGGED;
}

const char *
identity_pad_decision_name(identity_pad_decision d)
{
	switch (d) {
	case IDENTITY_PAD_BONA_FIDE:
		return "bona-fide";
	case IDENTITY_PAD_FLAGGED:
		return "flagged";
	case IDENTITY_PAD_REFUSED:
		return "refused";
	case IDENTITY_PAD_NOT_RUN:
	default:
		return "not-run";
	}
}

void
identity_pad_crop(const float box[4], float crop_scale, unsigned size,
		  double m[6])
{
	double side = crop_scale * fmaxf(box[2], box[3]);
	double s = side / size;
	double x0 = box[0] + box[2] / 2.0 - side / 2.0;
	double y0 = box[1] + box[3] / 2.0 - side / 2.0;

	/* Crop pixel u covers [x0 + u s, x0 + (u + 1) s): its centre. */
	m[0] = s;
	m[1] = 0;
	m[2] = x0 + s / 2 - 0.5;
	m[3] = 0;
	m[4] = s;
	m[5] = y0 + s / 2 - 0.5;
}

med_err
identity_face_liveness(identity_face *f, const med_image *img,
		       const float box[4], double *score)
{
	unsigned n = (unsigned)f->pad_size;
	size_t plane = (size_t)n * n;
	float *tmp = malloc(6 * plane * sizeof(float)), out[2] = {0, 0};
	unsigned ch = img->rgb ? 3 : 1;
	double m[6];
	char msg[256] = "";
	med_err err = MED_OK;

	if (tmp == NULL)
		return MED_ERR_NOMEM;
	identity_pad_crop(box, f->pad_crop, n, m);
	identity_chip_sample(img->rgb ? img->rgb : img->px, img->width,
			     img->height, ch, m, n, tmp);
	float *x = tmp + 3 * plane;
	for (size_t i = 0; i < plane; i++)
		for (unsigned c = 0; c < 3; c++)
			x[c * plane + i] =
				255.f * tmp[i * ch + (ch == 3 ? c : 0)];
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, 3, (int64_t)n, (int64_t)n},
			 .data = x,
			 .size = 3 * plane * sizeof(float)};
	med_tensor o = {.data = out, .size = sizeof(out)};
	if (med_infer_run(f->pad, &in, 1, &o, 1, msg, sizeof(msg)) != MED_OK) {
		med_log_error("identity: liveness model: %s", msg);
		err = MED_ERR_INTERNAL;
	} else {
		*score = out[f->pad_live_index];
	}
	free(tmp);
	return err;
}
