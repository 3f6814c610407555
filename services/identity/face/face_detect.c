/*
 * face_detect.c - the ONNX face detectors (MED_FACE_DETECTOR=<file>.onnx):
 * the photograph placed into the detector's input once or more, the model
 * run, its output decoded by the card's format (face_yunet.c,
 * face_tiny.c), and every look's faces merged by non-maximum suppression,
 * in the photograph's pixels.
 */
#include <med/log.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"

/* Candidates one look may give before suppression. */
#define MAX_CANDIDATES 4096

/*
 * placement - one look: the photograph scaled by s with its top-left corner
 * at (ox, oy) of the input, black around it.
 */
typedef struct placement {
	float s, ox, oy;
} placement;

/*
 * A tiny-yolo-face detector's anchors reach about 70 % of its input: a face
 * that fills the frame (an ID photograph, ORL's 92x112) is found only when
 * the photograph is shown smaller.  It looks twice, centred: the photograph
 * filling the input, then at 55 % of it (on ORL and Caltech, the pair
 * finds one face in 99 % and 100 % of the photographs, either alone at
 * most 98 %; docs/benchmarks.md).  A look costs about 3 ms at 224x224.
 * Every call takes both looks, a bedside check too: one that stopped after
 * the first look saw fewer faces than enrolment had, so the two could
 * decide a photograph differently (issue 29).
 */
static const float tiny_fills[] = {1.0f, 0.55f};

/* look_at centres img at fill of the input (fill 0: top-left, filling). */
static placement
look_at(const identity_face *f, const med_image *img, float fill)
{
	float fit = fminf((float)f->det_w / (float)img->width,
			  (float)f->det_h / (float)img->height);
	placement p = {fit * (fill > 0.f ? fill : 1.f), 0.f, 0.f};

	if (fill > 0.f) {
		p.ox = floorf(((float)f->det_w - p.s * (float)img->width) / 2);
		p.oy = floorf(((float)f->det_h - p.s * (float)img->height) / 2);
	}
	return p;
}

/* paste writes plane (w x h, 0..1) into channel c of the planar input x
 * at p, clipped to the input. */
static void
paste(const identity_face *f, const float *plane, uint32_t w, uint32_t h,
      const placement *p, unsigned c, float *x)
{
	size_t in_plane = (size_t)f->det_w * (size_t)f->det_h;
	int ox = (int)p->ox, oy = (int)p->oy;
	float *xc = x + c * in_plane;

	for (uint32_t v = 0; v < h; v++) {
		int y = oy + (int)v;
		if (y < 0 || y >= f->det_h)
			continue;
		for (uint32_t u = 0; u < w; u++) {
			int xx = ox + (int)u;
			if (xx >= 0 && xx < f->det_w)
				xc[(size_t)y * f->det_w + xx] =
					(255.f * plane[(size_t)v * w + u] -
					 f->det_mean) *
					f->det_scale;
		}
	}
}

/* resized writes channel c of img (0, 1, 2 of its colour; its grey plane
 * when it has none) area-resampled to w x h into out; tmp holds a
 * photograph-sized plane. */
static med_err
resized(const med_image *img, unsigned c, uint32_t w, uint32_t h, float *tmp,
	float *out)
{
	med_image view = *img;
	size_t n = (size_t)img->width * img->height;

	if (img->rgb != NULL) {
		for (size_t i = 0; i < n; i++)
			tmp[i] = img->rgb[3 * i + c];
		view.px = tmp;
	}
	return med_image_resize(&view, w, h, out);
}

/* place fills the detector's input x (3 planes) with img at p: colour for a
 * colour model when the photograph has it, else grey in every channel.
 * Box averaging where it shrinks, as the detector was trained on resized
 * photographs. */
static med_err
place(const identity_face *f, const med_image *img, const placement *p,
      float *x)
{
	uint32_t w = (uint32_t)fmaxf(1.f, roundf((float)img->width * p->s));
	uint32_t h = (uint32_t)fmaxf(1.f, roundf((float)img->height * p->s));
	size_t plane = (size_t)f->det_w * f->det_h;
	bool colour = f->det_colour && img->rgb != NULL;
	med_image grey = *img;
	float black = (0.f - f->det_mean) * f->det_scale;
	float *out = malloc((size_t)w * h * sizeof(float));
	float *tmp = colour ? malloc((size_t)img->width * img->height *
				     sizeof(float))
			    : NULL;
	med_err err = out != NULL && (tmp != NULL || !colour) ? MED_OK
							      : MED_ERR_NOMEM;

	grey.rgb = NULL;
	for (size_t i = 0; i < 3 * plane; i++)
		x[i] = black;
	for (unsigned c = 0; c < 3 && err == MED_OK; c++) {
		if (c > 0 && !colour) {
			memcpy(x + c * plane, x, plane * sizeof(float));
			continue;
		}
		err = resized(colour ? img : &grey, c, w, h, tmp, out);
		if (err == MED_OK)
			paste(f, out, w, h, p, c, x);
	}
	free(out);
	free(tmp);
	return err;
}

/* run_model runs the detector on x; outs[k] (freed by the caller) get its
 * outputs in model order. */
static med_err
run_model(identity_face *f, float *x, float **outs, uint32_t *n_outs)
{
	const med_model_info *mi = med_infer_model_info(f->det);
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, 3, f->det_h, f->det_w},
			 .data = x};
	med_tensor out[MED_PLUGIN_MAX_IO];
	char msg[256] = "";
	med_err err = MED_OK;

	in.size = med_tensor_nbytes(in.dtype, in.n_dims, in.dims);
	memset(out, 0, sizeof(out));
	for (*n_outs = 0; *n_outs < mi->n_outputs && err == MED_OK;
	     (*n_outs)++) {
		uint32_t k = *n_outs;
		out[k].size = med_tensor_nbytes(mi->outputs[k].dtype,
						mi->outputs[k].n_dims,
						mi->outputs[k].dims);
		out[k].data = outs[k] = malloc(out[k].size);
		err = outs[k] != NULL ? MED_OK : MED_ERR_NOMEM;
	}
	if (err != MED_OK)
		return err;
	err = med_infer_run(f->det, &in, 1, out, mi->n_outputs, msg,
			    sizeof(msg));
	if (err != MED_OK) {
		med_log_error("identity: detector: %s", msg);
		return MED_ERR_INTERNAL;
	}
	return MED_OK;
}

/* to_photo maps faces[0..n) from input pixels to the photograph's. */
static void
to_photo(const placement *p, identity_det_face *faces, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		identity_det_face *d = &faces[i];
		d->x = (d->x - p->ox) / p->s;
		d->y = (d->y - p->oy) / p->s;
		d->w /= p->s;
		d->h /= p->s;
		for (int k = 0; k < 2; k++) {
			float off = k == 0 ? p->ox : p->oy;
			d->eye_l[k] = (d->eye_l[k] - off) / p->s;
			d->eye_r[k] = (d->eye_r[k] - off) / p->s;
		}
	}
}

/* look places src at on_src, runs the detector and appends its faces to
 * cand (*n of max), mapped back through on_img, the same look in the
 * photograph's own scale. */
static med_err
look(identity_face *f, const med_image *src, const placement *on_src,
     const placement *on_img, float *x, identity_det_face *cand, size_t max,
     size_t *n)
{
	float *outs[MED_PLUGIN_MAX_IO] = {0};
	uint32_t n_outs = 0;
	size_t got = 0;
	med_err err = place(f, src, on_src, x);

	if (err == MED_OK)
		err = run_model(f, x, outs, &n_outs);
	if (err == MED_OK && f->det_kind == IDENTITY_DET_TINY)
		got = identity_tiny_candidates(&f->tiny, outs[0], f->det_score,
					       cand + *n, max - *n);
	else if (err == MED_OK)
		got = identity_yunet_decode(
			&f->yunet, (const float *const *)outs, f->det_score,
			f->det_nms, cand + *n, max - *n);
	for (uint32_t k = 0; k < n_outs; k++)
		free(outs[k]);
	to_photo(on_img, cand + *n, got);
	*n += got;
	return err;
}

/*
 * looks_at runs the looks of the detector on img through src, a copy
 * shrunk to the largest look's scale r (every look then resamples a small
 * image, not the photograph), and maps the faces back to img's pixels.
 */
static med_err
looks_at(identity_face *f, const med_image *img, const med_image *src, float r,
	 float *x, identity_det_face *cand, size_t *n_cand)
{
	bool tiny = f->det_kind == IDENTITY_DET_TINY;
	size_t looks = tiny ? sizeof(tiny_fills) / sizeof(tiny_fills[0]) : 1;
	med_err err = MED_OK;

	for (size_t i = 0; i < looks && err == MED_OK; i++) {
		placement p = look_at(f, img, tiny ? tiny_fills[i] : 0.f);
		placement q = {p.s / r, p.ox, p.oy}; /* src is img times r */
		err = look(f, src, &q, &p, x, cand, MAX_CANDIDATES, n_cand);
	}
	return err;
}

med_err
identity_face_detect_onnx(identity_face *f, const med_image *img,
			  identity_det_face *faces, size_t max, size_t *n,
			  identity_face_copy *copy)
{
	size_t plane = (size_t)f->det_w * (size_t)f->det_h, n_cand = 0;
	float *x = malloc(3 * plane * sizeof(float));
	identity_det_face *cand = malloc(MAX_CANDIDATES * sizeof(*cand));
	placement widest = look_at(f, img, 0.f);
	med_image *src = (med_image *)img;
	float r = 1.f;
	med_err err = x != NULL && cand != NULL ? MED_OK : MED_ERR_NOMEM;

	if (err == MED_OK && widest.s < 0.5f)
		err = identity_face_shrunk(img, widest.s, &src, &r);
	if (err == MED_OK)
		err = looks_at(f, img, src, r, x, cand, &n_cand);
	copy->img = src != img ? src : NULL;
	copy->r = r;
	if (err == MED_OK)
		*n = identity_det_suppress(cand, n_cand, f->det_nms, faces,
					   max);
	free(x);
	free(cand);
	return err;
}
