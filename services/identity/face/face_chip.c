/*
 * face_chip.c - the aligned face chip a deep embedder was trained on: the
 * 68 landmarks of the face (a landmark model on a square crop of the
 * detected box), the similarity transform that puts them where dlib's
 * mean face lies in a chip with padding around it (or their five points
 * where ArcFace's template has them, for an "alignment: arcface-5"
 * embedder), the chip cut from the photograph in colour when it has
 * colour, and the embedder on it.
 */
#include <med/log.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "face_align.h"
#include "face_internal.h"

/* A landmark set narrower than this many pixels places no face. */
#define MIN_FACE_SPAN 8.0f
/* The landmark and chip crops sample the photograph with a footprint of
 * ceil(scale)^2 points per crop pixel.  A photograph whose face is much
 * larger than the crops is first area-shrunk so the face spans about this
 * many pixels: four points per crop pixel instead of nine or sixteen, with
 * the same averaging over the footprint. */
#define SOURCE_FACE_PX 224.f
/* A copy already made (the detector's) serves instead when the face spans
 * at least this much there: 1.5 times the face in dlib's 150 px chip
 * (about 100 px between the landmarks' extremes) and in the 112 px
 * landmark crop, so each crop pixel still averages a footprint of four
 * points of an area-shrunk image. */
#define REUSED_FACE_PX 150.f

/* sample_rgb cuts a size x size RGB crop through m, pixels 0..255, into
 * planar out (3 x size x size), replicating grey when img has no colour:
 * averaged over each crop pixel's footprint, or one bilinear sample a
 * pixel when bilinear. */
static void
sample_rgb(const med_image *img, const double m[6], unsigned size,
	   bool bilinear, float *tmp, float *out)
{
	size_t plane = (size_t)size * size;
	unsigned ch = img->rgb ? 3 : 1;
	const float *src = img->rgb ? img->rgb : img->px;

	if (bilinear)
		identity_chip_sample_bilinear(src, img->width, img->height, ch,
					      m, size, tmp);
	else
		identity_chip_sample(src, img->width, img->height, ch, m, size,
				     tmp);
	for (size_t i = 0; i < plane; i++)
		for (unsigned c = 0; c < 3; c++)
			out[c * plane + i] =
				255.f * tmp[i * ch + (ch == 3 ? c : 0)];
}

/* swap_red_blue turns the R, G, B planes of a chip into B, G, R. */
static void
swap_red_blue(float *x, size_t plane)
{
	for (size_t i = 0; i < plane; i++) {
		float r = x[i];

		x[i] = x[2 * plane + i];
		x[2 * plane + i] = r;
	}
}

static med_err
run_model(med_infer_model *m, const char *what, float *x, int c, int size,
	  float *y, size_t n_out)
{
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, c, size, size},
			 .data = x,
			 .size = (size_t)c * size * size * sizeof(float)};
	med_tensor out = {.data = y, .size = n_out * sizeof(float)};
	char msg[256] = "";

	if (med_infer_run(m, &in, 1, &out, 1, msg, sizeof(msg)) != MED_OK) {
		med_log_error("identity: %s: %s", what, msg);
		return MED_ERR_INTERNAL;
	}
	return MED_OK;
}

/*
 * find_landmarks runs the landmark model on the square around box's centre
 * with box's longer side and writes the 68 points in img's pixels.
 */
static med_err
find_landmarks(identity_face *f, const med_image *img, const float box[4],
	       float pts[IDENTITY_LANDMARKS][2], float *buf)
{
	unsigned n = (unsigned)f->lmk_size;
	float side = fmaxf(box[2], box[3]);
	double x0 = box[0] + box[2] / 2 - side / 2;
	double y0 = box[1] + box[3] / 2 - side / 2;
	double s = side / n;
	double m[6] = {s, 0, x0 + s / 2 - 0.5, 0, s, y0 + s / 2 - 0.5};
	float out[2 * IDENTITY_LANDMARKS], *x = buf + 3 * (size_t)n * n;
	med_err err;

	sample_rgb(img, m, n, false, buf, x);
	if ((err = run_model(f->lmk, "landmarks", x, 3, (int)n, out,
			     2 * IDENTITY_LANDMARKS)) != MED_OK)
		return err;
	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		pts[i][0] = (float)(x0 - 0.5 + out[2 * i] * side);
		pts[i][1] = (float)(y0 - 0.5 + out[2 * i + 1] * side);
	}
	return MED_OK;
}

/* landmark_box is the square around the points, a little larger than
 * they span (the jaw and brows are the face's edges). */
static bool
landmark_box(const float pts[IDENTITY_LANDMARKS][2], float box[4])
{
	float lo[2] = {pts[0][0], pts[0][1]}, hi[2] = {pts[0][0], pts[0][1]};

	for (int i = 1; i < IDENTITY_LANDMARKS; i++)
		for (int k = 0; k < 2; k++) {
			lo[k] = fminf(lo[k], pts[i][k]);
			hi[k] = fmaxf(hi[k], pts[i][k]);
		}
	if (!(hi[0] - lo[0] >= MIN_FACE_SPAN && hi[1] - lo[1] >= MIN_FACE_SPAN))
		return false;
	box[2] = box[3] = 1.1f * fmaxf(hi[0] - lo[0], hi[1] - lo[1]);
	box[0] = (lo[0] + hi[0]) / 2 - box[2] / 2;
	box[1] = (lo[1] + hi[1]) / 2 - box[3] / 2;
	return true;
}

/* shrink_plane area-resamples the c-th of ch interleaved channels of src
 * (w x h) into dst (ow x oh, ch interleaved); tmp holds w x h floats. */
static med_err
shrink_plane(const med_image *img, const float *src, unsigned ch, unsigned c,
	     uint32_t ow, uint32_t oh, float *tmp, float *dst)
{
	med_image view = *img;
	size_t n = (size_t)img->width * img->height;
	med_err err;

	for (size_t i = 0; i < n; i++)
		tmp[i] = src[i * ch + c];
	view.px = tmp;
	if ((err = med_image_resize(&view, ow, oh, tmp + n)) != MED_OK)
		return err;
	for (size_t i = 0; i < (size_t)ow * oh; i++)
		dst[i * ch + c] = tmp[n + i];
	return MED_OK;
}

med_err
identity_face_shrunk(const med_image *img, float r, med_image **out, float *got)
{
	med_image *o = calloc(1, sizeof(*o));
	float *tmp;
	med_err err = MED_OK;

	if (o == NULL)
		return MED_ERR_NOMEM;
	*o = *img;
	o->width = (uint32_t)fmaxf(1.f, roundf((float)img->width * r));
	o->height = (uint32_t)fmaxf(1.f, roundf((float)img->height * r));
	*got = (float)o->width / (float)img->width;
	o->px = malloc((size_t)o->width * o->height * sizeof(float));
	o->rgb = img->rgb ? malloc((size_t)o->width * o->height * 3 *
				   sizeof(float))
			  : NULL;
	tmp = malloc(((size_t)img->width * img->height +
		      (size_t)o->width * o->height) *
		     sizeof(float));
	if (o->px == NULL || tmp == NULL || (img->rgb && o->rgb == NULL))
		err = MED_ERR_NOMEM;
	if (err == MED_OK && img->rgb == NULL)
		err = med_image_resize(img, o->width, o->height, o->px);
	for (unsigned c = 0; c < 3 && err == MED_OK && img->rgb; c++)
		err = shrink_plane(img, img->rgb, 3, c, o->width, o->height,
				   tmp, o->rgb);
	/* With colour the grey plane is its luminance (what the decoder
	 * gives, to rounding): one resample fewer. */
	for (size_t i = 0;
	     err == MED_OK && img->rgb && i < (size_t)o->width * o->height; i++)
		o->px[i] = 0.299f * o->rgb[3 * i] + 0.587f * o->rgb[3 * i + 1] +
			   0.114f * o->rgb[3 * i + 2];
	free(tmp);
	if (err != MED_OK) {
		med_image_free(o);
		return err;
	}
	*out = o;
	return MED_OK;
}

med_err
identity_face_chip_source(const med_image *img, float face_px,
			  const identity_face_copy *copy, med_image **src,
			  float *r)
{
	*src = (med_image *)img;
	*r = 1.f;
	if (face_px <= 1.5f * SOURCE_FACE_PX)
		return MED_OK;
	if (copy->img != NULL && face_px * copy->r >= REUSED_FACE_PX) {
		*src = copy->img;
		*r = copy->r;
		return MED_OK;
	}
	return identity_face_shrunk(img, SOURCE_FACE_PX / face_px, src, r);
}

med_err
identity_face_normalise(const identity_face *f, float *emb)
{
	double norm = 0;

	for (size_t i = 0; i < f->dim; i++)
		norm += (double)emb[i] * emb[i];
	if (!(norm > 1e-20 && isfinite(norm))) {
		med_log_error("identity: embedder %s gave a zero or non-finite "
			      "embedding",
			      f->model);
		return MED_ERR_INTERNAL;
	}
	for (size_t i = 0; i < f->dim; i++)
		emb[i] = (float)(emb[i] / sqrt(norm));
	return MED_OK;
}

/* embed_points cuts the chip the landmarks place and embeds it. */
static med_err
embed_points(identity_face *f, const med_image *img,
	     const float pts[IDENTITY_LANDMARKS][2], float *buf, float *emb)
{
	unsigned n = (unsigned)f->emb_w;
	size_t plane = (size_t)n * n;
	float *x = buf + 3 * plane;
	double m[6];
	med_err err;

	if ((f->chip_arcface ? identity_arcface_transform(pts, n, m)
			     : identity_chip_transform(pts, n, f->chip_padding,
						       m)) != MED_OK)
		return MED_ERR_INVALID;
	sample_rgb(img, m, n, f->chip_arcface, buf, x);
	if (f->emb_bgr)
		swap_red_blue(x, plane);
	for (size_t i = 0; i < 3 * plane; i++)
		x[i] = (x[i] - f->in_mean) * f->in_scale;
	if ((err = run_model(f->emb, "embedder", x, 3, (int)n, emb, f->dim)) !=
	    MED_OK)
		return err;
	if (f->embed_flip) {
		/* The mirrored chip's embedding (buf's first half is free
		 * once the sample was copied out), added to the chip's unit
		 * one: a face's two halves count alike, whichever way the
		 * patient turned (docs/benchmarks.md, "What lowers FNMR"). */
		float *mirror = malloc(f->dim * sizeof(float));

		if (mirror == NULL)
			return MED_ERR_NOMEM;
		identity_chip_mirror(x, 3, n, buf);
		err = identity_face_normalise(f, emb);
		if (err == MED_OK)
			err = run_model(f->emb, "embedder", buf, 3, (int)n,
					mirror, f->dim);
		if (err == MED_OK)
			err = identity_face_normalise(f, mirror);
		for (size_t i = 0; err == MED_OK && i < f->dim; i++)
			emb[i] += mirror[i];
		free(mirror);
		if (err != MED_OK)
			return err;
	}
	return identity_face_normalise(f, emb);
}

/* chip_buffer is scratch for the larger of the landmark and chip models'
 * inputs: a sample and its planar copy. */
static float *
chip_buffer(const identity_face *f)
{
	size_t side = (size_t)(f->emb_w > f->lmk_size ? f->emb_w : f->lmk_size);

	return malloc(6 * side * side * sizeof(float));
}

med_err
identity_face_landmarks(identity_face *f, const med_image *img,
			const float box[4], float pts[IDENTITY_LANDMARKS][2])
{
	float *buf = chip_buffer(f), refined[4];
	med_err err;

	if (buf == NULL)
		return MED_ERR_NOMEM;
	/* Two passes: the detector's box frames the face roughly; the
	 * square around the first landmarks frames it as the landmark model
	 * was trained, and its landmarks place the chip. */
	err = find_landmarks(f, img, box, pts, buf);
	if (err == MED_OK && !landmark_box(pts, refined))
		err = MED_ERR_INVALID;
	if (err == MED_OK)
		err = find_landmarks(f, img, refined, pts, buf);
	if (err == MED_OK && !landmark_box(pts, refined))
		err = MED_ERR_INVALID;
	free(buf);
	return err;
}

void
identity_face_landmark_eyes(const float pts[IDENTITY_LANDMARKS][2],
			    float box[4], float l[2], float r[2])
{
	/* iBUG 300-W: 36-41 the eye on the image's left, 42-47 the other. */
	for (int k = 0; k < 2; k++) {
		l[k] = r[k] = 0.f;
		for (int i = 0; i < 6; i++) {
			l[k] += pts[36 + i][k] / 6.f;
			r[k] += pts[42 + i][k] / 6.f;
		}
	}
	if (!landmark_box(pts, box))
		box[0] = box[1] = box[2] = box[3] = 0.f;
}

med_err
identity_face_embed_points(identity_face *f, const med_image *img,
			   const float pts[IDENTITY_LANDMARKS][2], float *emb)
{
	float *buf = chip_buffer(f);
	med_err err;

	if (buf == NULL)
		return MED_ERR_NOMEM;
	err = embed_points(f, img, pts, buf, emb);
	free(buf);
	return err;
}
