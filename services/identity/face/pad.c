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

identity_pad_decision
identity_pad_judge(identity_pad_mode mode, bool ran, bool grey, double liveness,
		   double threshold)
{
	if (mode != IDENTITY_PAD_OFF && ran && grey)
		return IDENTITY_PAD_NOT_JUDGED;
	return identity_pad_decide(mode, ran, liveness, threshold);
}

bool
identity_pad_refuses(identity_pad_mode mode, identity_pad_decision d)
{
	return d == IDENTITY_PAD_REFUSED ||
	       (d == IDENTITY_PAD_NOT_JUDGED && mode == IDENTITY_PAD_ENFORCE);
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
	case IDENTITY_PAD_NOT_JUDGED:
		return "not-judged";
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

/* shift_inside moves [*lo, *hi] back inside [first, last], as the
 * authors' crop does (the left or top edge first). */
static void
shift_inside(double *lo, double *hi, double first, double last)
{
	if (*lo < first) {
		*hi += first - *lo;
		*lo = first;
	}
	if (*hi > last) {
		*lo -= *hi - last;
		*hi = last;
	}
}

void
identity_pad_crop_box(const float box[4], double crop_scale,
		      identity_pad_rect r, unsigned size, double m[6])
{
	double rw = (double)r.x1 - r.x0, rh = (double)r.y1 - r.y0;
	double s = fmin(crop_scale, fmin(rh / box[3], rw / box[2]));
	double cx = box[0] + box[2] / 2.0, cy = box[1] + box[3] / 2.0;
	double x0 = cx - box[2] * s / 2, x1 = cx + box[2] * s / 2;
	double y0 = cy - box[3] * s / 2, y1 = cy + box[3] * s / 2;

	shift_inside(&x0, &x1, r.x0, r.x1);
	shift_inside(&y0, &y1, r.y0, r.y1);
	/* Whole pixels x0..x1 and y0..y1, both ends included. */
	x0 = trunc(x0);
	y0 = trunc(y0);
	double sx = (trunc(x1) - x0 + 1) / size;
	double sy = (trunc(y1) - y0 + 1) / size;
	m[0] = sx;
	m[1] = 0;
	m[2] = x0 + sx / 2 - 0.5;
	m[3] = 0;
	m[4] = sy;
	m[5] = y0 + sy / 2 - 0.5;
}

/* same_colour: whether the n pixels from p, step apart, are all within
 * IDENTITY_PAD_BORDER_TOL of ref in every channel. */
static bool
same_colour(const float *p, size_t n, size_t step, unsigned ch,
	    const float *ref)
{
	for (size_t i = 0; i < n; i++, p += step)
		for (unsigned c = 0; c < ch; c++)
			if (fabsf(p[c] - ref[c]) > IDENTITY_PAD_BORDER_TOL)
				return false;
	return true;
}

identity_pad_rect
identity_pad_picture(const float *px, uint32_t w, uint32_t h, unsigned ch)
{
	size_t row = (size_t)w * ch;
	const float *top = px, *bottom = px + (h - 1) * row;
	const float *left = px, *right = px + (w - 1) * ch;
	identity_pad_rect r = {0, 0, w - 1, h - 1};

	while (r.y0 < r.y1 && same_colour(px + r.y0 * row, w, ch, ch, top))
		r.y0++;
	while (r.y1 > r.y0 && same_colour(px + r.y1 * row, w, ch, ch, bottom))
		r.y1--;
	/* The columns are read between the bars, whose colour may differ. */
	size_t n = r.y1 - r.y0 + 1;
	const float *col = px + r.y0 * row;
	while (r.x0 < r.x1 && same_colour(col + r.x0 * ch, n, row, ch, left))
		r.x0++;
	while (r.x1 > r.x0 && same_colour(col + r.x1 * ch, n, row, ch, right))
		r.x1--;
	if (r.x0 == r.x1 || r.y0 == r.y1)
		return (identity_pad_rect){0, 0, w - 1, h - 1};
	return r;
}

bool
identity_pad_is_grey(const float *rgb, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		const float *p = rgb + 3 * i;
		float d = fmaxf(fabsf(p[0] - p[1]),
				fmaxf(fabsf(p[1] - p[2]), fabsf(p[0] - p[2])));

		sum += d;
	}
	return n == 0 || sum / (double)n < 2.0 / 255;
}

/* picture_around is the picture inside img's borders
 * (identity_pad_picture), widened to hold the face box where the detector
 * placed it partly on a border. */
static identity_pad_rect
picture_around(const med_image *img, const float box[4])
{
	unsigned ch = img->rgb ? 3 : 1;
	identity_pad_rect r = identity_pad_picture(
		img->rgb ? img->rgb : img->px, img->width, img->height, ch);
	double last_x = img->width - 1.0, last_y = img->height - 1.0;

	r.x0 = (uint32_t)fmin(r.x0, fmax(0, floor(box[0])));
	r.y0 = (uint32_t)fmin(r.y0, fmax(0, floor(box[1])));
	r.x1 = (uint32_t)fmax(r.x1, fmin(last_x, ceil(box[0] + box[2])));
	r.y1 = (uint32_t)fmax(r.y1, fmin(last_y, ceil(box[1] + box[3])));
	return r;
}

/* pad_crop_map places crop i of the face box, as the card's crop_shape
 * says. */
static void
pad_crop_map(const identity_face *f, const float box[4],
	     identity_pad_rect picture, unsigned i, double m[6])
{
	if (f->pad_box_crop)
		identity_pad_crop_box(box, f->pad_crops[i], picture,
				      (unsigned)f->pad_size, m);
	else
		identity_pad_crop(box, (float)f->pad_crops[i],
				  (unsigned)f->pad_size, m);
}

/* pad_fill samples crop i into x (3 planes, the card's channel order,
 * 0..255); tmp holds the interleaved sample.  Sets *grey when the card
 * cannot judge grey and the first crop has no colour. */
static void
pad_fill(const identity_face *f, const med_image *img, const float box[4],
	 identity_pad_rect picture, unsigned i, float *tmp, float *x,
	 bool *grey)
{
	unsigned n = (unsigned)f->pad_size, ch = img->rgb ? 3 : 1;
	size_t plane = (size_t)n * n;
	double m[6];

	pad_crop_map(f, box, picture, i, m);
	if (f->pad_bilinear)
		identity_chip_sample_bilinear(img->rgb ? img->rgb : img->px,
					      img->width, img->height, ch, m, n,
					      tmp);
	else
		identity_chip_sample(img->rgb ? img->rgb : img->px, img->width,
				     img->height, ch, m, n, tmp);
	if (i == 0 && f->pad_grey_not_judged &&
	    (ch == 1 || identity_pad_is_grey(tmp, plane))) {
		*grey = true;
		return;
	}
	for (size_t p = 0; p < plane; p++)
		for (unsigned c = 0; c < 3; c++) {
			unsigned from = f->pad_bgr ? 2 - c : c;

			x[c * plane + p] =
				255.f * tmp[p * ch + (ch == 3 ? from : 0)];
		}
}

med_err
identity_face_liveness(identity_face *f, const med_image *img,
		       const float box[4], double *score, bool *grey)
{
	unsigned n = (unsigned)f->pad_size, k = f->pad_n_crops;
	size_t plane = (size_t)n * n;
	float *tmp = malloc((3 + 3 * (size_t)k) * plane * sizeof(float));
	float out[IDENTITY_PAD_MAX_OUT] = {0};
	med_tensor in[IDENTITY_PAD_MAX_CROPS];
	char msg[256] = "";
	med_err err = MED_OK;

	if (tmp == NULL)
		return MED_ERR_NOMEM;
	identity_pad_rect picture = picture_around(img, box);
	*grey = false;
	for (unsigned i = 0; i < k && !*grey; i++) {
		float *x = tmp + (3 + 3 * (size_t)i) * plane;

		pad_fill(f, img, box, picture, i, tmp, x, grey);
		in[i] = (med_tensor){.dtype = MED_DTYPE_F32,
				     .n_dims = 4,
				     .dims = {1, 3, (int64_t)n, (int64_t)n},
				     .data = x,
				     .size = 3 * plane * sizeof(float)};
	}
	med_tensor o = {.data = out,
			.size = (size_t)f->pad_out_dim * sizeof(float)};
	if (*grey) {
		*score = 0;
	} else if (med_infer_run(f->pad, in, k, &o, 1, msg, sizeof(msg)) !=
		   MED_OK) {
		med_log_error("identity: liveness model: %s", msg);
		err = MED_ERR_INTERNAL;
	} else {
		*score = out[f->pad_live_index];
	}
	free(tmp);
	return err;
}
