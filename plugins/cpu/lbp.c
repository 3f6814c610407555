/*
 * lbp.c - the LBP-histogram face embedder of Ahonen, Hadid and Pietikäinen
 * (PAMI 2006): a uniform LBP(8, R) code per pixel, a 59-bin histogram per
 * cell of a grid, the cells concatenated.
 *
 * The eight neighbours sit on the square of radius R (no interpolation), so
 * a code depends only on the order of grey levels: any increasing change of
 * brightness or contrast leaves the embedding unchanged.  Bit k is set when
 * neighbour k is >= the centre; neighbours go clockwise from the top left:
 * (-R,-R) (0,-R) (R,-R) (R,0) (R,R) (0,R) (-R,R) (-R,0).  Codes with at
 * most two 0/1 transitions around the circle (58 of 256) get bins 0..57 in
 * increasing code order; all others share bin 58.
 *
 * Normalisation: each cell's histogram is divided by its pixel count, each
 * bin square-rooted, and the whole vector divided by sqrt(cells), so it has
 * unit L2 norm and the dot product of two embeddings is the mean
 * Bhattacharyya coefficient of their cells: cosine similarity is the
 * Hellinger kernel, the recommended metric.  Squaring the values back gives
 * the histograms for a chi-square distance.
 */
#include "classic.h"
#include "cpu.h"

#include <math.h>
#include <string.h>

size_t
cv_lbp_dim(const cv_lbp_opts *o)
{
	return (size_t)o->grid_x * (size_t)o->grid_y * CV_LBP_BINS;
}

static int
transitions(unsigned code)
{
	unsigned rot = ((code << 1) | (code >> 7)) & 0xff;
	return __builtin_popcount(code ^ rot);
}

static void
uniform_map(uint8_t map[256])
{
	int bin = 0;

	for (unsigned c = 0; c < 256; c++)
		map[c] = (uint8_t)(transitions(c) <= 2 ? bin++ : 58);
}

static unsigned
code_at(const uint8_t *p, int w, int r)
{
	const long dy = (long)r * w;
	const long off[8] = {-dy - r, -dy, -dy + r, r, dy + r, dy, dy - r, -r};
	unsigned c = 0;

	for (int k = 0; k < 8; k++)
		c |= (unsigned)(p[off[k]] >= p[0]) << k;
	return c;
}

int
cv_lbp_embed(const cv_lbp_opts *o, const uint8_t *img, int w, int h, float *out,
	     med_plugin_err *err)
{
	int r = o->radius, lw = w - 2 * r, lh = h - 2 * r;
	int gx = o->grid_x, gy = o->grid_y;
	uint8_t map[256];
	float scale = 1.f / sqrtf((float)(gx * gy));

	if (lw < gx || lh < gy)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "image %dx%d is too small for a %dx%d grid at "
			       "radius %d",
			       w, h, gx, gy, r);
	uniform_map(map);
	memset(out, 0, sizeof(float) * cv_lbp_dim(o));
	for (int cy = 0; cy < gy; cy++)
		for (int cx = 0; cx < gx; cx++) {
			int y0 = cy * lh / gy, y1 = (cy + 1) * lh / gy;
			int x0 = cx * lw / gx, x1 = (cx + 1) * lw / gx;
			float *hist =
				out + (size_t)(cy * gx + cx) * CV_LBP_BINS;
			unsigned count[CV_LBP_BINS] = {0};
			for (int y = y0; y < y1; y++)
				for (int x = x0; x < x1; x++)
					count[map[code_at(
						img + (size_t)(y + r) * w + x +
							r,
						w, r)]]++;
			float n = (float)((y1 - y0) * (x1 - x0));
			for (int b = 0; b < CV_LBP_BINS; b++)
				hist[b] = sqrtf((float)count[b] / n) * scale;
		}
	return 0;
}
