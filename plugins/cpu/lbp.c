/*
 * lbp.c - the LBP-histogram face embedder of Ahonen, Hadid and Pietikäinen
 * (PAMI 2006): a uniform LBP(8, R) code per pixel, a 59-bin histogram per
 * cell of a grid, the cells concatenated.
 *
 * Neighbours: eight, clockwise from the top left, at angles -135, -90,
 * -45, 0, 45, 90, 135 and 180 degrees (y down).  By default they sit on the
 * square of radius R (no interpolation): (-R,-R) (0,-R) (R,-R) (R,0) (R,R)
 * (0,R) (-R,R) (-R,0), so a code depends only on the order of grey levels
 * and any increasing change of brightness or contrast leaves the embedding
 * unchanged.  With circular = 1 they sit on the circle of radius R, read
 * bilinearly (the diagonal ones fall between pixels); the code is then
 * invariant to any affine change a*x + b (a > 0) of the grey levels, and a
 * radius of 2-3 at 92x112 sees the structure of eyes, nose and mouth rather
 * than pixel noise (docs/benchmarks.md has the measurements).  Bit k is set
 * when neighbour k is >= the centre (less a 1e-3 slack, so that
 * interpolated flat regions count as equal).  Codes with at most two 0/1
 * transitions around the circle (58 of 256) get bins 0..57 in increasing
 * code order; all others share bin 58.
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

/* One neighbour: up to four taps (offset from the centre, weight). */
typedef struct nb_taps {
	long off[4];
	float wt[4];
	int n;
} nb_taps;

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

/* add_tap appends one pixel of weight wt unless the weight is nil, so an
 * on-grid neighbour reads exactly one pixel and never one beyond R. */
static void
add_tap(nb_taps *t, long dy, long dx, int w, float wt)
{
	if (wt <= 0.f)
		return;
	t->off[t->n] = dy * w + dx;
	t->wt[t->n++] = wt;
}

/* make_taps lays the eight neighbours out for rows of width w. */
static void
make_taps(const cv_lbp_opts *o, int w, nb_taps taps[8])
{
	static const int sq[8][2] = {{-1, -1}, {0, -1}, {1, -1}, {1, 0},
				     {1, 1},   {0, 1},	{-1, 1}, {-1, 0}};
	const double pi = 3.14159265358979323846;

	for (int k = 0; k < 8; k++) {
		nb_taps *t = &taps[k];
		double a = pi / 4 * k - 3 * pi / 4;
		double dx = o->radius * cos(a), dy = o->radius * sin(a);
		if (!o->circular) {
			dx = sq[k][0] * o->radius;
			dy = sq[k][1] * o->radius;
		}
		/* cos/sin of multiples of 90 degrees are a few ulp off 0 */
		dx = fabs(dx - round(dx)) < 1e-9 ? round(dx) : dx;
		dy = fabs(dy - round(dy)) < 1e-9 ? round(dy) : dy;
		long x0 = (long)floor(dx), y0 = (long)floor(dy);
		float ax = (float)(dx - (double)x0),
		      ay = (float)(dy - (double)y0);
		t->n = 0;
		add_tap(t, y0, x0, w, (1 - ax) * (1 - ay));
		add_tap(t, y0, x0 + 1, w, ax * (1 - ay));
		add_tap(t, y0 + 1, x0, w, (1 - ax) * ay);
		add_tap(t, y0 + 1, x0 + 1, w, ax * ay);
	}
}

static unsigned
code_at(const uint8_t *p, const nb_taps taps[8])
{
	const float c = (float)p[0] - 1e-3f;
	unsigned code = 0;

	for (int k = 0; k < 8; k++) {
		const nb_taps *t = &taps[k];
		float v = 0.f;
		for (int i = 0; i < t->n; i++)
			v += t->wt[i] * (float)p[t->off[i]];
		code |= (unsigned)(v >= c) << k;
	}
	return code;
}

int
cv_lbp_embed(const cv_lbp_opts *o, const uint8_t *img, int w, int h, float *out,
	     med_plugin_err *err)
{
	int r = o->radius, lw = w - 2 * r, lh = h - 2 * r;
	int gx = o->grid_x, gy = o->grid_y;
	uint8_t map[256];
	nb_taps taps[8];
	float scale = 1.f / sqrtf((float)(gx * gy));

	if (lw < gx || lh < gy)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "image %dx%d is too small for a %dx%d grid at "
			       "radius %d",
			       w, h, gx, gy, r);
	uniform_map(map);
	make_taps(o, w, taps);
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
						taps)]]++;
			float n = (float)((y1 - y0) * (x1 - x0));
			for (int b = 0; b < CV_LBP_BINS; b++)
				hist[b] = sqrtf((float)count[b] / n) * scale;
		}
	return 0;
}
