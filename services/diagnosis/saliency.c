/*
 * saliency.c - where the model looked, and its PNG overlay.  Two methods:
 *
 * - Grad-CAM (Selvaraju et al. 2017), when the model has a `cam` output
 *   (tools/train/gradcam_graph.py): the backend computes the map in the
 *   same run as the probabilities; here only ReLU, upsampling to the
 *   input and scaling.  No extra model run.
 * - An occlusion map (Zeiler and Fergus 2014), for any other model: a
 *   square of the input is set to the normalised mid-grey (0), the model
 *   run again, and the drop of the top label's probability credited to
 *   every pixel the square covered; a pixel's saliency is the mean drop
 *   over the squares that covered it.  The model runs through the
 *   caller's function (the plugin host), so the map is the served
 *   model's, on its backend; it costs one run per square.
 */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"

/* The squares step by a fourteenth of the input's shorter side (at least
 * 2 pixels) and are three steps wide: 6 pixels every 2 at 28 x 28, 48
 * every 16 at 224 x 224, 196 runs for either. */
#define OCCLUDE_STEPS	  14
#define OCCLUDE_MIN_STEP  2
#define OCCLUDE_SIDE_STEP 3

static uint32_t
occlude_step(const diagnosis_occlusion *o)
{
	uint32_t side = o->w < o->h ? o->w : o->h;

	return side / OCCLUDE_STEPS > OCCLUDE_MIN_STEP ? side / OCCLUDE_STEPS
						       : OCCLUDE_MIN_STEP;
}

/* occlude_at runs the model with one square blanked and credits the drop
 * to the square's pixels. */
static med_err
occlude_at(const diagnosis_occlusion *o, float *work, uint32_t y0, uint32_t x0,
	   float *sum, float *count)
{
	uint32_t side = OCCLUDE_SIDE_STEP * occlude_step(o);
	float p;
	med_err err;

	memcpy(work, o->x, sizeof(float) * o->w * o->h);
	for (uint32_t y = y0; y < y0 + side && y < o->h; y++)
		for (uint32_t x = x0; x < x0 + side && x < o->w; x++)
			work[(size_t)y * o->w + x] = 0.0f;
	if ((err = o->run(o->ctx, work, &p)) != MED_OK)
		return err;
	for (uint32_t y = y0; y < y0 + side && y < o->h; y++)
		for (uint32_t x = x0; x < x0 + side && x < o->w; x++) {
			sum[(size_t)y * o->w + x] += o->p_top - p;
			count[(size_t)y * o->w + x] += 1.0f;
		}
	return MED_OK;
}

/* scale_to_unit sets negative values to 0 and divides by the largest, so
 * the map spans [0, 1]; a map with nothing positive stays all 0. */
static void
scale_to_unit(float *map, size_t n)
{
	float hi = 0.0f;

	for (size_t i = 0; i < n; i++) {
		if (map[i] < 0)
			map[i] = 0;
		if (map[i] > hi)
			hi = map[i];
	}
	for (size_t i = 0; i < n && hi > 0; i++)
		map[i] /= hi;
}

/* normalise scales the mean drops to [0, 1]; rises (negative) count 0. */
static void
normalise(float *map, const float *count, size_t n)
{
	for (size_t i = 0; i < n; i++)
		map[i] = count[i] > 0 ? map[i] / count[i] : 0.0f;
	scale_to_unit(map, n);
}

med_err
diagnosis_occlusion_map(const diagnosis_occlusion *o, float *map)
{
	size_t n = (size_t)o->w * o->h;
	float *work = malloc(sizeof(float) * n);
	float *count = calloc(n, sizeof(float));
	uint32_t step = occlude_step(o);
	med_err err = MED_ERR_NOMEM;

	if (work == NULL || count == NULL)
		goto cleanup;
	memset(map, 0, sizeof(float) * n);
	for (uint32_t y = 0; y + step <= o->h; y += step)
		for (uint32_t x = 0; x + step <= o->w; x += step)
			if ((err = occlude_at(o, work, y, x, map, count)) !=
			    MED_OK)
				goto cleanup;
	normalise(map, count, n);
	err = MED_OK;
cleanup:
	free(count);
	free(work);
	return err;
}

med_err
diagnosis_cam_map(const float *cam, uint32_t cw, uint32_t ch, uint32_t w,
		  uint32_t h, float *map)
{
	size_t n = (size_t)cw * ch;
	float *pos = malloc(sizeof(float) * (n ? n : 1)); /* 0: refused below */
	med_image img = {.width = cw, .height = ch, .px = pos};
	med_err err;

	if (pos == NULL)
		return MED_ERR_NOMEM;
	/* ReLU before resampling, as Grad-CAM defines it: the evidence
	 * against the label must not blur into the pixels around it. */
	for (size_t i = 0; i < n; i++)
		pos[i] = cam[i] > 0 ? cam[i] : 0.0f;
	err = med_image_resize(&img, w, h, map);
	free(pos);
	if (err == MED_OK)
		scale_to_unit(map, (size_t)w * h);
	return err;
}

/* blend writes one RGB pixel: the input's grey with red over what
 * mattered (up to 60 % opacity), so the anatomy stays readable. */
static void
blend(float x_norm, float s, uint8_t *rgb)
{
	float g = (x_norm * 0.5f + 0.5f) * 255.0f, a = 0.6f * s;

	if (g < 0)
		g = 0;
	if (g > 255)
		g = 255;
	rgb[0] = (uint8_t)(g * (1 - a) + 255.0f * a + 0.5f);
	rgb[1] = (uint8_t)(g * (1 - a) + 0.5f);
	rgb[2] = (uint8_t)(g * (1 - a) + 0.5f);
}

med_err
diagnosis_overlay_png(const float *x_norm, const float *map, uint32_t w,
		      uint32_t h, uint32_t scale, uint8_t **png, size_t *len)
{
	uint32_t W = w * scale, H = h * scale;
	uint8_t *rgb = malloc((size_t)W * H * 3), *out = NULL;
	png_image im = {.version = PNG_IMAGE_VERSION,
			.width = W,
			.height = H,
			.format = PNG_FORMAT_RGB};
	png_alloc_size_t n = 0;

	if (rgb == NULL)
		return MED_ERR_NOMEM;
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			size_t i = (size_t)(y / scale) * w + x / scale;
			blend(x_norm[i], map[i], rgb + ((size_t)y * W + x) * 3);
		}
	if (!png_image_write_to_memory(&im, NULL, &n, 0, rgb, 0, NULL) ||
	    (out = malloc(n)) == NULL ||
	    !png_image_write_to_memory(&im, out, &n, 0, rgb, 0, NULL)) {
		free(out);
		free(rgb);
		png_image_free(&im);
		return MED_ERR_INTERNAL;
	}
	free(rgb);
	*png = out;
	*len = n;
	return MED_OK;
}
