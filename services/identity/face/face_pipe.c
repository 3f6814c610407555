/*
 * face_pipe.c - one photograph to one embedding: decode, detect exactly one
 * face, quality gate, align, embed.  Every refusal names the request field
 * and says what to do, and nothing here keeps the image.
 */
#include <med/audit.h>
#include <med/image.h>
#include <med/log.h>

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"
#include "face_pipe.h"

/* Detection runs on a copy whose longer side is at most this: Haar cost
 * grows with the pixel count and a face of 40 px survives the shrink. */
#define DET_MAX_SIDE 640
#define MAX_BOXES    64
/* The quality gate and lbp-v2 look at a crop of 1.2 times the face box's
 * width, centred on the box (chosen on ORL's tuning split,
 * docs/benchmarks.md); an ONNX embedder gets its card's crop_scale. */
#define CROP_SCALE 1.2f
/* When nothing is found, or only boxes that overlap one another (one face
 * cut into pieces, not two people), detection looks once more with a
 * replicated border of this fraction of the longer side: a face that
 * fills the frame (ID photos, ORL's 92x112) touches the edges, where the
 * detector's window does not fit around it. */
#define DET_PAD_FRAC 0.08f

/* box_scaled is b with every coordinate times s. */
static identity_face_box
box_scaled(const identity_face_box *b, float s)
{
	identity_face_box o = {b->x * s,
			       b->y * s,
			       b->w * s,
			       b->h * s,
			       b->eyes,
			       {b->el[0] * s, b->el[1] * s},
			       {b->er[0] * s, b->er[1] * s}};

	return o;
}

static uint8_t
to_u8(float v)
{
	float s = v * 255.f + 0.5f;

	return s <= 0.f ? 0 : s >= 255.f ? 255 : (uint8_t)s;
}

med_err
identity_face_png_problem(const char *field, const uint8_t *buf, size_t len,
			  med_problem *p)
{
	/* The IHDR fields only; med_image_decode does the decoding. */
	if (med_image_sniff(buf, len) != MED_IMAGE_PNG || len < 26)
		return MED_OK;
	if (buf[24] == 16)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "16-bit PNG is not accepted; send an "
				       "8-bit photograph");
	if (buf[25] == 3)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "palette PNG is not accepted; send a "
				       "greyscale or colour photograph");
	return MED_OK;
}

med_err
identity_face_side_problem(const char *field, uint32_t w, uint32_t h,
			   med_problem *p)
{
	if (w < IDENTITY_FACE_MIN_SIDE || h < IDENTITY_FACE_MIN_SIDE)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "%ux%u is too small for a face (at "
				       "least %dx%d)",
				       w, h, IDENTITY_FACE_MIN_SIDE,
				       IDENTITY_FACE_MIN_SIDE);
	return MED_OK;
}

/* fail_with fails the call with a gate's problem when it found one. */
static med_err
fail_with(med_call *call, med_err err, const med_problem *p)
{
	return err != MED_OK ? med_call_fail_problem(call, p) : MED_OK;
}

static med_err
decode(med_call *call, identity_face *f, const char *field, const uint8_t *buf,
       size_t len, med_image **img)
{
	med_image_limits lim = {.max_bytes = f->max_image_bytes,
				.keep_colour = f->chip || f->det_colour ||
					       f->pad != NULL};
	char msg[256] = "";
	med_problem p;
	med_err err;

	if (len == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must not be empty", field);
	if ((err = fail_with(call,
			     identity_face_png_problem(field, buf, len, &p),
			     &p)) != MED_OK)
		return err;
	err = med_image_decode(buf, len, &lim, img, msg, sizeof(msg));
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: %zu bytes exceed the %zu-byte limit",
				     field, len, f->max_image_bytes);
	if (err == MED_ERR_NOMEM)
		return err;
	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID, "%s: %s", field,
				     msg[0] ? msg : "not a PNG or JPEG image");
	err = identity_face_side_problem(field, (*img)->width, (*img)->height,
					 &p);
	if (err != MED_OK) {
		err = med_call_fail_problem(call, &p);
		med_image_free(*img);
		*img = NULL;
	}
	return err;
}

/* scaled makes an 8-bit copy of img scaled by s (<= 1). */
static med_err
scaled(const med_image *img, float s, identity_grey8 *out)
{
	size_t n;
	float *tmp;

	out->w = (uint32_t)lroundf((float)img->width * s);
	out->h = (uint32_t)lroundf((float)img->height * s);
	out->w = out->w < 1 ? 1 : out->w;
	out->h = out->h < 1 ? 1 : out->h;
	n = (size_t)out->w * out->h;
	/* At the same size the resize is the identity (weights 1 and 0):
	 * skip its two passes. */
	if (out->w == img->width && out->h == img->height) {
		out->px = malloc(n);
		if (out->px == NULL)
			return MED_ERR_NOMEM;
		for (size_t i = 0; i < n; i++)
			out->px[i] = to_u8(img->px[i]);
		return MED_OK;
	}
	tmp = malloc(n * sizeof(float));
	out->px = malloc(n);
	if (tmp == NULL || out->px == NULL ||
	    med_image_resize(img, out->w, out->h, tmp) != MED_OK) {
		free(tmp);
		free(out->px);
		out->px = NULL;
		return MED_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		out->px[i] = to_u8(tmp[i]);
	free(tmp);
	return MED_OK;
}

/* run_haar runs a cascade over g; boxes gets count rows of x y w h n. */
static med_err
run_haar(med_infer_model *m, const identity_grey8 *g, float *boxes,
	 int64_t *count)
{
	med_tensor in = {.dtype = MED_DTYPE_U8,
			 .n_dims = 4,
			 .dims = {1, 1, g->h, g->w},
			 .data = g->px,
			 .size = (size_t)g->w * g->h};
	med_tensor out[2] = {
		{.data = boxes, .size = MAX_BOXES * 5 * sizeof(float)},
		{.data = count, .size = sizeof(*count)}};
	char msg[256] = "";
	med_err err = med_infer_run(m, &in, 1, out, 2, msg, sizeof(msg));

	if (err != MED_OK)
		med_log_error("identity: detector: %s", msg);
	return err;
}

/* padded copies g into out with a replicated border of pad pixels. */
static med_err
padded(const identity_grey8 *g, uint32_t pad, identity_grey8 *out)
{
	out->w = g->w + 2 * pad;
	out->h = g->h + 2 * pad;
	out->px = malloc((size_t)out->w * out->h);
	if (out->px == NULL)
		return MED_ERR_NOMEM;
	for (uint32_t y = 0; y < out->h; y++) {
		uint32_t sy = y < pad ? 0 : y - pad;
		sy = sy < g->h ? sy : g->h - 1;
		const uint8_t *src = g->px + (size_t)sy * g->w;
		uint8_t *dst = out->px + (size_t)y * out->w;
		memset(dst, src[0], pad);
		memcpy(dst + pad, src, g->w);
		memset(dst + pad + g->w, src[g->w - 1], pad);
	}
	return MED_OK;
}

bool
identity_face_in_pieces(const float *b, int64_t count)
{
	for (int64_t i = 1; i < count; i++) {
		const float *o = b + 5 * i;
		float ix = fminf(b[0] + b[2], o[0] + o[2]) - fmaxf(b[0], o[0]);
		float iy = fminf(b[1] + b[3], o[1] + o[3]) - fmaxf(b[1], o[1]);
		float small = fminf(b[2] * b[3], o[2] * o[3]);
		if (ix <= 0.f || iy <= 0.f || ix * iy < 0.5f * small)
			return false;
	}
	return count > 1;
}

/* second_look runs the detector on g with a border (DET_PAD_FRAC) and
 * takes its boxes (in g's coordinates, so they may start left of or above
 * it) when the first look found nothing, or when it finds exactly one
 * face; otherwise the first look's boxes stand. */
static med_err
second_look(identity_face *f, const identity_grey8 *g, float *boxes,
	    int64_t *count)
{
	uint32_t side = g->w > g->h ? g->w : g->h;
	uint32_t pad = (uint32_t)lroundf(DET_PAD_FRAC * (float)side);
	float b2[MAX_BOXES * 5];
	int64_t n2 = 0;
	identity_grey8 p = {0};
	med_err err;

	if ((err = padded(g, pad, &p)) != MED_OK)
		return err;
	err = run_haar(f->det, &p, b2, &n2);
	free(p.px);
	if (err != MED_OK || (*count > 0 && n2 != 1))
		return err;
	for (int64_t i = 0; i < n2; i++) {
		b2[5 * i] -= (float)pad;
		b2[5 * i + 1] -= (float)pad;
	}
	memcpy(boxes, b2, (size_t)n2 * 5 * sizeof(float));
	*count = n2;
	return MED_OK;
}

med_err
identity_face_count_problem(const char *field, identity_det_verdict v,
			    size_t n_faces, const identity_face_box *face,
			    int min_size, med_problem *p)
{
	switch (v) {
	case IDENTITY_DET_NONE:
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "no face found; send a frontal "
				       "photograph of one face");
	case IDENTITY_DET_AMBIGUOUS:
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "%zu faces found, none clearly the "
				       "patient's: two are of a similar size "
				       "and near the centre; photograph the "
				       "patient alone",
				       n_faces);
	case IDENTITY_DET_OVERLAP:
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "%zu faces found, one behind the other: "
				       "the face overlaps another face; "
				       "photograph the patient with no one "
				       "close behind them",
				       n_faces);
	case IDENTITY_DET_ONE:
		break;
	}
	if (face->w < (float)min_size)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "the face is %.0f pixels across; at "
				       "least %d are needed: move nearer",
				       (double)face->w, min_size);
	return MED_OK;
}

const char *
identity_face_refusal(identity_det_verdict v)
{
	switch (v) {
	case IDENTITY_DET_NONE:
		return "no-face";
	case IDENTITY_DET_AMBIGUOUS:
		return "faces-ambiguous";
	case IDENTITY_DET_OVERLAP:
		return "face-behind-another";
	case IDENTITY_DET_ONE:
		break;
	}
	return "";
}

/* refuse fails the call with a gate's problem p and names the refusal
 * (what) in its audit event, so every refused photograph is on record
 * with its reason, not only its status. */
static med_err
refuse(med_call *call, const char *what, const med_problem *p)
{
	med_audit_detail d = {"refusal", what};

	med_call_add_details(call, &d, 1);
	return med_call_fail_problem(call, p);
}

/* haar_faces turns count Haar rows (x y w h n) into faces, every
 * coordinate times k. */
static void
haar_faces(const float *boxes, int64_t count, float k, identity_det_face *faces)
{
	for (int64_t i = 0; i < count; i++)
		faces[i] = (identity_det_face){.x = boxes[5 * i] * k,
					       .y = boxes[5 * i + 1] * k,
					       .w = boxes[5 * i + 2] * k,
					       .h = boxes[5 * i + 3] * k,
					       .score = 1.f};
}

/*
 * choose fails the call unless the n faces of an img_w x img_h photograph
 * hold one patient's face by the dominant-face rule (face_det.h), the one
 * rule of enrolment, verification and identification; it goes to *face,
 * the count of faces set aside to *others.
 */
static med_err
choose(med_call *call, identity_face *f, const char *field,
       const identity_det_face *faces, size_t n, float img_w, float img_h,
       identity_face_box *face, uint32_t *others)
{
	identity_det_choice c = identity_det_choose(faces, n, img_w, img_h);
	med_problem p;

	if (c.verdict == IDENTITY_DET_ONE) {
		const identity_det_face *d = &faces[c.pick];
		*face = (identity_face_box){d->x,
					    d->y,
					    d->w,
					    d->h,
					    d->eyes,
					    {d->eye_l[0], d->eye_l[1]},
					    {d->eye_r[0], d->eye_r[1]}};
		*others = c.others;
	}
	/* With landmarks, the face's size is the square around them
	 * (chip_pose): a detector's box is only a rough frame. */
	if (identity_face_count_problem(field, c.verdict, n, face,
					f->chip ? 1 : f->min_size,
					&p) == MED_OK)
		return MED_OK;
	return refuse(call,
		      c.verdict == IDENTITY_DET_ONE
			      ? "face-too-small"
			      : identity_face_refusal(c.verdict),
		      &p);
}

/* detect_onnx finds the faces of img with the ONNX detector. */
static med_err
detect_onnx(med_call *call, identity_face *f, const char *field,
	    const med_image *img, identity_face_box *face, uint32_t *others,
	    identity_face_copy *copy)
{
	identity_det_face faces[MAX_BOXES];
	size_t n = 0;
	med_err err =
		identity_face_detect_onnx(f, img, faces, MAX_BOXES, &n, copy);

	if (err != MED_OK)
		return err == MED_ERR_NOMEM ? err : MED_ERR_INTERNAL;
	return choose(call, f, field, faces, n, (float)img->width,
		      (float)img->height, face, others);
}

static med_err
detect(med_call *call, identity_face *f, const char *field,
       const med_image *img, identity_face_box *face, uint32_t *others)
{
	uint32_t side = img->width > img->height ? img->width : img->height;
	float s = side > DET_MAX_SIDE ? (float)DET_MAX_SIDE / (float)side : 1.f;
	float boxes[MAX_BOXES * 5];
	int64_t count = 0;
	identity_grey8 g = {0};
	med_err err;

	if ((err = scaled(img, s, &g)) != MED_OK)
		return err;
	err = run_haar(f->det, &g, boxes, &count);
	if (err == MED_OK &&
	    (count == 0 || identity_face_in_pieces(boxes, count)))
		err = second_look(f, &g, boxes, &count);
	free(g.px);
	if (err != MED_OK)
		return MED_ERR_INTERNAL;
	identity_det_face faces[MAX_BOXES];
	haar_faces(boxes, count, 1.f / s, faces);
	return choose(call, f, field, faces, (size_t)count, (float)img->width,
		      (float)img->height, face, others);
}

/*
 * find_eyes looks for one eye in each half of the upper face; true when
 * both are found, with their centres in *l and *r (working coordinates).
 */
static bool
find_eyes(identity_face *f, const identity_grey8 *w,
	  const identity_face_box *fb, float l[2], float r[2])
{
	/* The band is clipped to the image: a face found in the padded
	 * second look may overhang it. */
	int x0 = (int)fb->x, y0 = (int)(fb->y + 0.15f * fb->h);
	int bw = (int)fb->w, bh = (int)(0.45f * fb->h);
	float boxes[MAX_BOXES * 5];
	int64_t count = 0;
	bool have_l = false, have_r = false;
	identity_grey8 sub = {0};

	bw += x0 < 0 ? x0 : 0;
	bh += y0 < 0 ? y0 : 0;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	bw = x0 + bw > (int)w->w ? (int)w->w - x0 : bw;
	bh = y0 + bh > (int)w->h ? (int)w->h - y0 : bh;
	if (f->eyes == NULL || bw < 20 || bh < 20)
		return false;
	sub = (identity_grey8){(uint32_t)bw, (uint32_t)bh,
			       malloc((size_t)bw * bh)};
	if (sub.px == NULL)
		return false;
	for (int y = 0; y < bh; y++)
		memcpy(sub.px + (size_t)y * bw,
		       w->px + (size_t)(y0 + y) * w->w + x0, (size_t)bw);
	if (run_haar(f->eyes, &sub, boxes, &count) != MED_OK)
		count = 0;
	free(sub.px);
	for (int64_t i = 0; i < count; i++) {
		float cx = boxes[5 * i] + boxes[5 * i + 2] / 2.f;
		float cy = boxes[5 * i + 1] + boxes[5 * i + 3] / 2.f;
		bool left = (float)x0 + cx < fb->x + fb->w / 2.f;
		float *dst = left ? l : r;
		if (left ? have_l : have_r)
			continue;
		dst[0] = (float)x0 + cx;
		dst[1] = (float)y0 + cy;
		*(left ? &have_l : &have_r) = true;
	}
	return have_l && have_r;
}

/* sample reads w at (x, y) bilinearly, clamped to the edges. */
static float
sample(const identity_grey8 *w, float x, float y)
{
	float fx = fminf(fmaxf(x - 0.5f, 0.f), (float)w->w - 1.f);
	float fy = fminf(fmaxf(y - 0.5f, 0.f), (float)w->h - 1.f);
	uint32_t x0 = (uint32_t)fx, y0 = (uint32_t)fy;
	uint32_t x1 = x0 + 1 < w->w ? x0 + 1 : x0;
	uint32_t y1 = y0 + 1 < w->h ? y0 + 1 : y0;
	float ax = fx - (float)x0, ay = fy - (float)y0;
	const uint8_t *p = w->px;
	float top = p[y0 * w->w + x0] * (1 - ax) + p[y0 * w->w + x1] * ax;
	float bot = p[y1 * w->w + x0] * (1 - ax) + p[y1 * w->w + x1] * ax;

	return top * (1 - ay) + bot * ay;
}

void
identity_face_align(const identity_grey8 *w, const identity_face_box *fb,
		    const identity_crop_spec *cs, uint8_t *out)
{
	float sc = fb->w * cs->crop_scale / (float)cs->ow;
	float cx = fb->x + fb->w / 2.f, cy = fb->y + fb->h / 2.f;
	float ca = cosf(cs->roll), sa = sinf(cs->roll);

	for (int v = 0; v < cs->oh; v++)
		for (int u = 0; u < cs->ow; u++) {
			float dx = ((float)u + 0.5f - (float)cs->ow / 2.f) * sc;
			float dy = ((float)v + 0.5f - (float)cs->oh / 2.f) * sc;
			float s = sample(w, cx + ca * dx - sa * dy,
					 cy + sa * dx + ca * dy);
			out[v * cs->ow + u] = (uint8_t)(s + 0.5f);
		}
}

double
identity_face_sharpness(const uint8_t *p)
{
	double sum = 0, sq = 0;
	size_t n = 0;

	for (int y = 1; y < IDENTITY_FACE_H - 1; y++)
		for (int x = 1; x < IDENTITY_FACE_W - 1; x++) {
			const uint8_t *c = p + y * IDENTITY_FACE_W + x;
			double l = (double)c[-1] + c[1] + c[-IDENTITY_FACE_W] +
				   c[IDENTITY_FACE_W] - 4.0 * c[0];
			sum += l;
			sq += l * l;
			n++;
		}
	return sq / (double)n - (sum / (double)n) * (sum / (double)n);
}

float
identity_face_roll(const float l[2], const float r[2])
{
	return atan2f(r[1] - l[1], r[0] - l[0]);
}

float
identity_face_turn(const identity_face_box *fb, const float l[2],
		   const float r[2])
{
	return ((l[0] + r[0]) / 2.f - (fb->x + fb->w / 2.f)) /
	       fmaxf(fb->w, 1.f);
}

double
identity_face_pose_quality(double roll_rad, double max_roll_deg, double turn)
{
	double roll = fabs(roll_rad) * 180.0 / M_PI / fmax(max_roll_deg, 1.0);
	double off = fmax(roll, fabs(turn) / IDENTITY_FACE_MAX_TURN);

	return 1.0 - 0.5 * fmin(1.0, off);
}

med_err
identity_face_pose_problem(const char *field, const identity_face_box *fb,
			   const float l[2], const float r[2],
			   double max_roll_deg, med_problem *p)
{
	float deg = identity_face_roll(l, r) * 180.f / (float)M_PI;
	float mid = (l[0] + r[0]) / 2.f - (fb->x + fb->w / 2.f);

	if (fabsf(deg) > (float)max_roll_deg)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "the head is tilted %.0f degrees; at "
				       "most %.0f are accepted",
				       (double)fabsf(deg), max_roll_deg);
	if (fabsf(mid) > IDENTITY_FACE_MAX_TURN * fb->w)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "the face is turned sideways; look at "
				       "the camera");
	return MED_OK;
}

med_err
identity_face_blur_problem(const char *field, double sharpness,
			   double min_sharpness, med_problem *p)
{
	if (sharpness < min_sharpness)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "the photograph is too blurred "
				       "(sharpness %.0f, at least %.0f)",
				       sharpness, min_sharpness);
	return MED_OK;
}

med_err
identity_face_confirm_problem(const char *field, int neighbours, med_problem *p)
{
	if (neighbours < IDENTITY_FACE_CONFIRM_NEIGHBOURS)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "no face found: what the detector found "
				       "is not face-like enough (%d of %d "
				       "confirmations); send a frontal "
				       "photograph of one face",
				       neighbours,
				       IDENTITY_FACE_CONFIRM_NEIGHBOURS);
	return MED_OK;
}

double
identity_face_quality(double sharpness, double min_sharpness, double face_px,
		      int min_size)
{
	return 0.5 * fmin(1.0, sharpness / (5.0 * fmax(min_sharpness, 1.0))) +
	       0.5 * fmin(1.0, face_px / (3.0 * min_size));
}

/* embed_onnx crops for the ONNX embedder, normalises the pixels as its
 * card says, runs it and L2-normalises the output (scores are cosines). */
static med_err
embed_onnx(identity_face *f, const identity_grey8 *w,
	   const identity_face_box *fb, float roll, float *emb)
{
	identity_crop_spec cs = {f->emb_w, f->emb_h, f->crop_scale, roll};
	size_t plane = (size_t)f->emb_w * (size_t)f->emb_h;
	uint8_t *crop = malloc(plane);
	float *x = malloc(plane * (size_t)f->emb_c * sizeof(float));
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, f->emb_c, f->emb_h, f->emb_w},
			 .data = x,
			 .size = plane * (size_t)f->emb_c * sizeof(float)};
	med_tensor out = {.data = emb, .size = f->dim * sizeof(float)};
	char msg[256] = "";
	med_err err = MED_ERR_NOMEM;

	if (crop == NULL || x == NULL)
		goto out;
	identity_face_align(w, fb, &cs, crop);
	/* Colour is gone by now (med_image is grey): every channel gets the
	 * same plane. */
	for (size_t i = 0; i < plane; i++)
		x[i] = ((float)crop[i] - f->in_mean) * f->in_scale;
	for (int c = 1; c < f->emb_c; c++)
		memcpy(x + (size_t)c * plane, x, plane * sizeof(float));
	err = med_infer_run(f->emb, &in, 1, &out, 1, msg, sizeof(msg));
	if (err != MED_OK) {
		med_log_error("identity: embedder: %s", msg);
		err = MED_ERR_INTERNAL;
		goto out;
	}
	err = identity_face_normalise(f, emb);
out:
	free(crop);
	free(x);
	return err;
}

static med_err
embed(identity_face *f, const uint8_t *crop, float *emb)
{
	med_tensor in = {.dtype = MED_DTYPE_U8,
			 .n_dims = 4,
			 .dims = {1, 1, IDENTITY_FACE_H, IDENTITY_FACE_W},
			 .data = (void *)crop,
			 .size = IDENTITY_FACE_W * IDENTITY_FACE_H};
	med_tensor out = {.data = emb, .size = f->dim * sizeof(float)};
	char msg[256] = "";

	if (med_infer_run(f->emb, &in, 1, &out, 1, msg, sizeof(msg)) !=
	    MED_OK) {
		med_log_error("identity: embedder: %s", msg);
		return MED_ERR_INTERNAL;
	}
	return MED_OK;
}

/* scale_points multiplies every landmark by k. */
static void
scale_points(float pts[IDENTITY_LANDMARKS][2], float k)
{
	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		pts[i][0] *= k;
		pts[i][1] *= k;
	}
}

/* chip_pose places the landmarks of orig on src (img's pixels times r) and
 * checks the pose from them in img's pixels: the eyes' centres and the
 * square around the points (*lbox, in img's pixels); pts stay in src's
 * pixels. */
static med_err
chip_pose(med_call *call, identity_face *f, const char *field,
	  const med_image *src, float r, const identity_face_box *orig,
	  float pts[IDENTITY_LANDMARKS][2], float pose[2],
	  identity_face_box *lbox)
{
	float b[4] = {orig->x * r, orig->y * r, orig->w * r, orig->h * r};
	float l[2], rr[2], at_img[IDENTITY_LANDMARKS][2];
	identity_face_box lb = {0};
	med_problem p;
	med_err err = identity_face_landmarks(f, src, b, pts);

	if (err == MED_ERR_INVALID) {
		(void)med_problem_set(
			&p, err, field,
			"the face's landmarks could not be placed; "
			"send a frontal photograph of one face");
		return refuse(call, "no-landmarks", &p);
	}
	if (err != MED_OK)
		return err;
	memcpy(at_img, pts, sizeof(at_img));
	scale_points(at_img, 1.f / r);
	identity_face_landmark_eyes(at_img, b, l, rr);
	lb = (identity_face_box){.x = b[0], .y = b[1], .w = b[2], .h = b[3]};
	if (identity_face_count_problem(field, IDENTITY_DET_ONE, 1, &lb,
					f->min_size, &p) != MED_OK)
		return refuse(call, "face-too-small", &p);
	if (identity_face_pose_problem(field, &lb, l, rr, f->max_roll_deg,
				       &p) != MED_OK)
		return refuse(call, "pose", &p);
	pose[0] = identity_face_roll(l, rr);
	pose[1] = identity_face_turn(&lb, l, rr);
	*lbox = lb;
	return MED_OK;
}

/* chip_embed: the chip pipeline's pose, landmarks (the square around them
 * in *lbox, img's pixels), embedding and copy hash of the affine chip
 * (out->chiphash), on a shrunk copy of img when the face is large
 * (identity_face_chip_source). */
static med_err
chip_embed(med_call *call, identity_face *f, const char *field,
	   const med_image *img, const identity_face_copy *copy,
	   const identity_face_box *orig, float pose[2],
	   identity_face_probe *out, identity_face_box *lbox)
{
	float pts[IDENTITY_LANDMARKS][2], r;
	med_image *src = NULL;
	med_err err = identity_face_chip_source(img, fmaxf(orig->w, orig->h),
						copy, &src, &r);

	if (err != MED_OK)
		return err;
	err = chip_pose(call, f, field, src, r, orig, pts, pose, lbox);
	if (err == MED_OK) {
		(void)identity_face_chiphash(src->px, src->width, src->height,
					     (const float(*)[2])pts,
					     out->chiphash);
		out->emb = med_arena_alloc(med_call_arena(call),
					   f->dim * sizeof(float));
		err = out->emb == NULL ? MED_ERR_NOMEM
				       : identity_face_embed_points(f, src, pts,
								    out->emb);
	}
	if (src != img && src != copy->img)
		med_image_free(src);
	return err;
}

/* confirm runs the second cascade on the region around fb (in w's
 * coordinates) and fails the call unless it confirms a face there. */
static med_err
confirm(med_call *call, identity_face *f, const char *field,
	const identity_grey8 *w, const identity_face_box *fb)
{
	enum { SIDE = IDENTITY_FACE_CONFIRM_SIDE };
	uint8_t px[SIDE * SIDE];
	identity_grey8 region = {SIDE, SIDE, px};
	identity_crop_spec cs = {SIDE, SIDE, IDENTITY_FACE_CONFIRM_SCALE, 0.f};
	float boxes[MAX_BOXES * 5];
	int64_t count = 0;
	int best = 0;
	med_problem p;

	if (f->confirm == NULL)
		return MED_OK;
	identity_face_align(w, fb, &cs, px);
	if (run_haar(f->confirm, &region, boxes, &count) != MED_OK)
		return MED_ERR_INTERNAL;
	for (int64_t i = 0; i < count && i < MAX_BOXES; i++)
		if ((int)boxes[5 * i + 4] > best)
			best = (int)boxes[5 * i + 4];
	if (identity_face_confirm_problem(field, best, &p) != MED_OK)
		return refuse(call, "no-face", &p);
	return MED_OK;
}

/* eye_pose checks the pose from the detector's eyes or the eye cascade
 * (fb in w's coordinates); no eyes found leaves the pose at 0. */
static med_err
eye_pose(med_call *call, identity_face *f, const char *field,
	 const identity_grey8 *w, const identity_face_box *fb, float pose[2])
{
	float l[2], r[2];
	med_problem p;

	if (fb->eyes) {
		memcpy(l, fb->el, sizeof(fb->el));
		memcpy(r, fb->er, sizeof(fb->er));
	} else if (!find_eyes(f, w, fb, l, r))
		return MED_OK;
	if (identity_face_pose_problem(field, fb, l, r, f->max_roll_deg, &p) !=
	    MED_OK)
		return refuse(call, "pose", &p);
	pose[0] = identity_face_roll(l, r);
	pose[1] = identity_face_turn(fb, l, r);
	return MED_OK;
}

/*
 * copy_hash hashes the face for the copy check (face_copyhash.c) from w,
 * framed by at (img's pixels; orig and fb are the same box in img's and
 * w's pixels, which gives the scale): the square around the landmarks when
 * there are some, which frames a copy the same way however it was re-encoded or
 * rescaled, where a detector's box moves by several pixels.
 */
static void
copy_hash(const identity_grey8 *w, const identity_face_box *at,
	  const identity_face_box *orig, const identity_face_box *fb,
	  const identity_crop_spec *spec, identity_face_probe *out)
{
	uint8_t crop[IDENTITY_FACE_W * IDENTITY_FACE_H];
	identity_face_box hb =
		box_scaled(at, orig->w > 0.f ? fb->w / orig->w : 1.f);

	identity_face_align(w, &hb, spec, crop);
	(void)identity_face_copyhash(crop, IDENTITY_FACE_W, IDENTITY_FACE_H,
				     out->copyhash);
}

/* gate_and_embed works on w (the image scaled so the face is about twice
 * the crop) with the face box fb in w's coordinates; an aligned-chip
 * embedder reads the photograph img itself, with the box orig, and its
 * landmarks give the pose. */
static med_err
gate_and_embed(med_call *call, identity_face *f, const char *field,
	       const identity_grey8 *w, const identity_face_box *fb,
	       const med_image *img, const identity_face_copy *copy,
	       const identity_face_box *orig, identity_face_probe *out)
{
	uint8_t crop[IDENTITY_FACE_W * IDENTITY_FACE_H];
	float pose[2] = {0.f, 0.f}; /* roll (radians), turn (face_pipe.h) */
	double sharp;
	med_problem p;
	identity_face_box lbox = *orig;
	med_err err = confirm(call, f, field, w, fb);

	if (err == MED_OK)
		err = f->chip ? chip_embed(call, f, field, img, copy, orig,
					   pose, out, &lbox)
			      : eye_pose(call, f, field, w, fb, pose);
	if (err != MED_OK)
		return err;
	identity_crop_spec gate = {IDENTITY_FACE_W, IDENTITY_FACE_H, CROP_SCALE,
				   pose[0]};
	copy_hash(w, f->chip ? &lbox : orig, orig, fb, &gate, out);
	identity_face_align(w, fb, &gate, crop);
	sharp = identity_face_sharpness(crop);
	if (identity_face_blur_problem(field, sharp, f->min_sharpness, &p) !=
	    MED_OK)
		return refuse(call, "blur", &p);
	/* The face's size is the square around the landmarks when there
	 * are some: a detector's box is only a rough frame. */
	out->quality =
		identity_face_quality(sharp, f->min_sharpness, lbox.w,
				      f->min_size) *
		identity_face_pose_quality(pose[0], f->max_roll_deg, pose[1]);
	if (f->chip)
		return MED_OK;
	out->emb =
		med_arena_alloc(med_call_arena(call), f->dim * sizeof(float));
	if (out->emb == NULL)
		return MED_ERR_NOMEM;
	if (f->onnx)
		return embed_onnx(f, w, fb, pose[0], out->emb);
	return embed(f, crop, out->emb);
}

/* liveness runs the PAD stage on the face fb of img when it is on; the
 * handlers decide what its score means (face_pad.h). */
static med_err
liveness(identity_face *f, const med_image *img, const identity_face_box *fb,
	 identity_face_probe *out)
{
	float box[4] = {fb->x, fb->y, fb->w, fb->h};
	med_err err;

	out->pad_ran = false;
	out->pad_grey = false;
	out->liveness = 0;
	if (f->pad == NULL || f->pad_mode == IDENTITY_PAD_OFF)
		return MED_OK;
	if ((err = identity_face_liveness(f, img, box, &out->liveness,
					  &out->pad_grey)) != MED_OK)
		return err;
	out->pad_ran = true;
	return MED_OK;
}

/* mirrored is a copy of img flipped left to right (grey and colour). */
static med_image *
mirrored(const med_image *img)
{
	med_image *m = calloc(1, sizeof(*m));
	size_t w = img->width, h = img->height;

	if (m == NULL)
		return NULL;
	*m = *img;
	m->px = malloc(w * h * sizeof(float));
	m->rgb = img->rgb ? malloc(w * h * 3 * sizeof(float)) : NULL;
	if (m->px == NULL || (img->rgb && m->rgb == NULL)) {
		free(m->px);
		free(m->rgb);
		free(m);
		return NULL;
	}
	for (size_t y = 0; y < h; y++)
		for (size_t x = 0; x < w; x++) {
			size_t to = y * w + x, from = y * w + (w - 1 - x);

			m->px[to] = img->px[from];
			for (size_t c = 0; img->rgb && c < 3; c++)
				m->rgb[3 * to + c] = img->rgb[3 * from + c];
		}
	return m;
}

/*
 * mirror_hash hashes the chip of the photograph mirrored left to right into
 * out->mirror_chiphash: the face's box (fb, img's pixels) mirrored, its
 * landmarks found again in two passes on the mirrored picture (the
 * detector's shrunk copy when it made one, as the chip would be cut from
 * it), the chip hashed.  A mirrored copy is then, pixel for pixel, the
 * photograph it was made from, and the landmark model sees what it saw
 * there; mirroring the probe's own chip instead would leave the model's
 * errors on a mirrored face in the hash (28 to 44 bits on Caltech, where
 * copies are refused at 16).  Only the chip pipeline has one; landmarks
 * that cannot be placed leave it unset.
 */
static med_err
mirror_hash(identity_face *f, const med_image *img,
	    const identity_face_copy *copy, const identity_face_box *fb,
	    identity_face_probe *out)
{
	const identity_face_copy none = {NULL, 1.f};
	const med_image *base = copy->img != NULL ? copy->img : img;
	float k = copy->img != NULL ? copy->r : 1.f, pts[IDENTITY_LANDMARKS][2];
	float r, b[4];
	med_image *m, *src = NULL;
	med_err err;

	if (!f->chip)
		return MED_OK;
	if ((m = mirrored(base)) == NULL)
		return MED_ERR_NOMEM;
	err = identity_face_chip_source(m, k * fmaxf(fb->w, fb->h), &none, &src,
					&r);
	if (err == MED_OK) {
		r *= k;
		b[0] = ((float)img->width - fb->x - fb->w) * r;
		b[1] = fb->y * r;
		b[2] = fb->w * r;
		b[3] = fb->h * r;
		if (identity_face_landmarks(f, src, b, pts) == MED_OK)
			(void)identity_face_chiphash(
				src->px, src->width, src->height,
				(const float(*)[2])pts, out->mirror_chiphash);
	}
	if (src != NULL && src != m)
		med_image_free(src);
	med_image_free(m);
	return err == MED_ERR_NOMEM ? err : MED_OK;
}

static med_err
analyze(med_call *call, identity_face *f, const char *field, const uint8_t *buf,
	size_t len, bool mirror, identity_face_probe *out)
{
	med_image *img = NULL;
	identity_grey8 w = {0};
	identity_face_box fb;
	identity_face_copy copy = {NULL, 1.f};
	float s;
	med_err err;

	if ((err = decode(call, f, field, buf, len, &img)) != MED_OK)
		return err;
	out->other_faces = 0;
	memset(out->copyhash, 0, sizeof(out->copyhash));
	memset(out->chiphash, 0, sizeof(out->chiphash));
	memset(out->mirror_chiphash, 0, sizeof(out->mirror_chiphash));
	crypto_hash_sha256(out->photo_sha256, buf, len);
	err = f->det_kind != IDENTITY_DET_HAAR
		      ? detect_onnx(call, f, field, img, &fb, &out->other_faces,
				    &copy)
		      : detect(call, f, field, img, &fb, &out->other_faces);
	if (err != MED_OK)
		goto free_img;
	/* Shrink so the face is about twice the crop: enough detail for
	 * the eyes and bilinear sampling without aliasing; from the
	 * detector's shrunk copy when it is still larger than that. */
	s = fb.w > 2.f * IDENTITY_FACE_W ? 2.f * IDENTITY_FACE_W / fb.w : 1.f;
	err = copy.img != NULL && s <= copy.r ? scaled(copy.img, s / copy.r, &w)
					      : scaled(img, s, &w);
	if (err != MED_OK)
		goto free_img;
	identity_face_box ws = box_scaled(&fb, s);
	err = gate_and_embed(call, f, field, &w, &ws, img, &copy, &fb, out);
	free(w.px);
	if (err == MED_OK)
		err = liveness(f, img, &fb, out);
	if (err == MED_OK && mirror)
		err = mirror_hash(f, img, &copy, &fb, out);
free_img:
	med_image_free(copy.img);
	med_image_free(img);
	return err;
}

med_err
identity_face_analyze(med_call *call, identity_face *f, const char *field,
		      const uint8_t *buf, size_t len, identity_face_probe *out)
{
	return analyze(call, f, field, buf, len, false, out);
}

med_err
identity_face_analyze_copies(med_call *call, identity_face *f,
			     const char *field, const uint8_t *buf, size_t len,
			     identity_face_probe *out)
{
	return analyze(call, f, field, buf, len, true, out);
}

/* second_photograph decides the photograph after a retake: its bar
 * (identity_face_verdict), or no match. */
static identity_face_decision
second_photograph(const identity_face_verdict *v, char *reason, size_t len)
{
	double bar = v->second_bar >= v->threshold ? v->second_bar
						   : v->threshold + v->band;

	if (v->score >= bar) {
		snprintf(reason, len, "%s", "");
		return IDENTITY_FACE_MATCH;
	}
	snprintf(reason, len,
		 "the second photograph after a retake scored %.3f, under the "
		 "bar %.3f for a second photograph (the threshold is %.3f): "
		 "not matched; confirm the patient's identity another way",
		 v->score, bar, v->threshold);
	return IDENTITY_FACE_NO_MATCH;
}

identity_face_decision
identity_face_decide(const identity_face_verdict *v, char *reason, size_t len)
{
	double from = v->threshold - v->band;

	if (v->second)
		return second_photograph(v, reason, len);
	if (v->score >= v->threshold) {
		snprintf(reason, len, "%s", "");
		return IDENTITY_FACE_MATCH;
	}
	if (v->score >= from) {
		snprintf(reason, len,
			 "score %.3f is just short of the threshold %.3f (the "
			 "retake band starts at %.3f): take another photograph",
			 v->score, v->threshold, from);
		return IDENTITY_FACE_RETAKE;
	}
	if (v->quality < v->min_quality) {
		snprintf(reason, len,
			 "score %.3f is below the threshold %.3f and the "
			 "photograph's quality is low (%.2f, under %.2f): take "
			 "another photograph, nearer, sharper and facing the "
			 "camera",
			 v->score, v->threshold, v->quality, v->min_quality);
		return IDENTITY_FACE_RETAKE_QUALITY;
	}
	snprintf(reason, len,
		 "score %.3f is below the threshold %.3f and the retake band "
		 "(from %.3f), with a photograph of good quality (%.2f): not "
		 "the patient's enrolled face",
		 v->score, v->threshold, from, v->quality);
	return IDENTITY_FACE_NO_MATCH;
}
