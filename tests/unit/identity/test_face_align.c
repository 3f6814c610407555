/*
 * test_face_align.c - the similarity fit, the dlib-style face chip
 * transform from 68 landmarks and chip sampling (face_align.h).
 */
#include "testlib.h"

#include "face_align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEAR(a, b, eps) MT_TRUE(fabs((double)(a) - (double)(b)) < (eps))

/* apply maps (x, y) through m. */
static void
apply(const double m[6], double x, double y, double *ox, double *oy)
{
	*ox = m[0] * x + m[1] * y + m[2];
	*oy = m[3] * x + m[4] * y + m[5];
}

static void
test_fit_recovers_known_transform(void)
{
	/* scale 1.7, 30 degrees, shift (12, -5) */
	double c = 1.7 * cos(M_PI / 6), s = 1.7 * sin(M_PI / 6), m[6];
	float from[5][2] = {{0, 0}, {10, 0}, {0, 10}, {7, 3}, {-4, 9}};
	float to[5][2];

	for (int i = 0; i < 5; i++) {
		to[i][0] = (float)(c * from[i][0] - s * from[i][1] + 12);
		to[i][1] = (float)(s * from[i][0] + c * from[i][1] - 5);
	}
	MT_OK(identity_similarity_fit((const float(*)[2])from,
				      (const float(*)[2])to, 5, m));
	NEAR(m[0], c, 1e-5);
	NEAR(m[1], -s, 1e-5);
	NEAR(m[3], s, 1e-5);
	NEAR(m[4], c, 1e-5);
	NEAR(m[2], 12, 1e-4);
	NEAR(m[5], -5, 1e-4);
	NEAR(identity_transform_scale(m), 1.7, 1e-5);
}

static void
test_fit_never_reflects(void)
{
	/* a mirror image cannot be reached by a similarity: the fit shrinks
	 * to the best rotation and scale, never a negative determinant */
	float from[3][2] = {{-1, 0}, {1, 0}, {0, 1}};
	float to[3][2] = {{1, 0}, {-1, 0}, {0, 1}};
	double m[6];

	MT_OK(identity_similarity_fit((const float(*)[2])from,
				      (const float(*)[2])to, 3, m));
	MT_TRUE(m[0] * m[4] - m[1] * m[3] >= 0);
}

static void
test_fit_refuses_degenerate(void)
{
	float same[3][2] = {{4, 4}, {4, 4}, {4, 4}};
	double m[6] = {0};

	MT_EQ_INT(identity_similarity_fit((const float(*)[2])same,
					  (const float(*)[2])same, 3, m),
		  MED_ERR_INVALID);
	MT_EQ_INT(identity_similarity_fit((const float(*)[2])same,
					  (const float(*)[2])same, 1, m),
		  MED_ERR_INVALID);
}

/* The chip follows the face: landmarks moved and scaled move and scale the
 * chip's transform the same way. */
static void
test_chip_transform_places_the_eyes(void)
{
	float pts[IDENTITY_LANDMARKS][2] = {{0}};
	double m[6], id[6], x, y;

	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		pts[i][0] = (float)(i % 7);
		pts[i][1] = (float)(i / 7);
	}
	MT_OK(identity_chip_transform((const float(*)[2])pts, 150, 0.25, id));
	/* landmarks of a face 2x larger at (100, 50): the transform from the
	 * chip must be the old one scaled by 2 and moved */
	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		pts[i][0] = 2.0f * pts[i][0] + 100.0f;
		pts[i][1] = 2.0f * pts[i][1] + 50.0f;
	}
	MT_OK(identity_chip_transform((const float(*)[2])pts, 150, 0.25, m));
	NEAR(identity_transform_scale(m), 2 * identity_transform_scale(id),
	     1e-4);
	apply(id, 75, 75, &x, &y);
	{
		double x2, y2;

		apply(m, 75, 75, &x2, &y2);
		NEAR(x2, 2 * x + 100, 1e-3);
		NEAR(y2, 2 * y + 50, 1e-3);
	}
}

/* The affine chip follows a slanted face: landmarks moved by an affine map
 * with shear move the fitted transform by exactly that map, which a
 * similarity fit cannot do. */
static void
test_chip_affine_follows_a_slant(void)
{
	const double a[6] = {1.1, 0.08, 40, -0.05, 0.93, 25};
	float pts[IDENTITY_LANDMARKS][2], moved[IDENTITY_LANDMARKS][2];
	double m0[6], m1[6], sim[6], x, y, x1, y1, xs, ys;

	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		pts[i][0] = (float)(30 + (i * 13) % 40);
		pts[i][1] = (float)(20 + (i * 7) % 50);
		apply(a, pts[i][0], pts[i][1], &x, &y);
		moved[i][0] = (float)x;
		moved[i][1] = (float)y;
	}
	MT_OK(identity_chip_affine((const float(*)[2])pts, 150, 0.25, m0));
	MT_OK(identity_chip_affine((const float(*)[2])moved, 150, 0.25, m1));
	MT_OK(identity_chip_transform((const float(*)[2])moved, 150, 0.25,
				      sim));
	for (int k = 0; k < 4; k++) {
		double u = k % 2 ? 140 : 10, v = k / 2 ? 140 : 10;

		apply(m0, u, v, &x, &y);
		apply(a, x, y, &x, &y);
		apply(m1, u, v, &x1, &y1);
		NEAR(x1, x, 1e-2);
		NEAR(y1, y, 1e-2);
		apply(sim, u, v, &xs, &ys);
		MT_TRUE(fabs(xs - x) + fabs(ys - y) > 0.5);
	}
}

static void
test_chip_affine_refuses_degenerate(void)
{
	float line[IDENTITY_LANDMARKS][2];
	double m[6];

	/* Landmarks all on one line still fit (the mean face's points make
	 * the normal equations, and they are not degenerate); a chip of no
	 * pixels or a negative padding is refused. */
	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		line[i][0] = (float)i;
		line[i][1] = (float)i;
	}
	MT_OK(identity_chip_affine((const float(*)[2])line, 150, 0.25, m));
	MT_EQ_INT(identity_chip_affine((const float(*)[2])line, 0, 0.25, m),
		  MED_ERR_INVALID);
	MT_EQ_INT(identity_chip_affine((const float(*)[2])line, 150, -1, m),
		  MED_ERR_INVALID);
}

static void
test_chip_transform_padding_shrinks_the_face(void)
{
	float pts[IDENTITY_LANDMARKS][2];
	double tight[6], padded[6];

	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		pts[i][0] = (float)(30 + (i * 13) % 40);
		pts[i][1] = (float)(20 + (i * 7) % 50);
	}
	MT_OK(identity_chip_transform((const float(*)[2])pts, 150, 0.0, tight));
	MT_OK(identity_chip_transform((const float(*)[2])pts, 150, 0.25,
				      padded));
	/* 25 % padding on each side: a chip pixel spans 1.5x as much */
	NEAR(identity_transform_scale(padded),
	     1.5 * identity_transform_scale(tight), 1e-4);
	MT_EQ_INT(identity_chip_transform((const float(*)[2])pts, 0, 0.25,
					  padded),
		  MED_ERR_INVALID);
}

static void
test_sample_identity_and_shift(void)
{
	float img[8 * 8 * 3], out[4 * 4 * 3];
	double m[6] = {1, 0, 2, 0, 1, 3};

	for (int i = 0; i < 8 * 8; i++)
		for (int c = 0; c < 3; c++)
			img[3 * i + c] = (float)(i + 100 * c);
	identity_chip_sample(img, 8, 8, 3, m, 4, out);
	/* chip (0,0) is photograph (2,3): pixel 3*8+2 = 26 */
	NEAR(out[0], 26, 1e-5);
	NEAR(out[1], 126, 1e-5);
	NEAR(out[2], 226, 1e-5);
	/* chip (3,1) is photograph (5,4): 37 */
	NEAR(out[(1 * 4 + 3) * 3], 37, 1e-5);
}

static void
test_sample_averages_when_shrinking(void)
{
	/* a 1-pixel checkerboard seen at half size is mid-grey, not a
	 * beat pattern */
	float img[16 * 16], out[8 * 8];
	double m[6] = {2, 0, 0.5, 0, 2, 0.5};

	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++)
			img[y * 16 + x] = (float)((x + y) % 2);
	identity_chip_sample(img, 16, 16, 1, m, 8, out);
	for (int i = 0; i < 8 * 8; i++)
		NEAR(out[i], 0.5, 0.13);
}

static void
test_bilinear_sample_is_opencv_resize(void)
{
	/* cv2.resize(img, (4, 4), interpolation=cv2.INTER_LINEAR) of this
	 * 16 x 16 float image, computed with OpenCV 4: one bilinear sample at
	 * (4u + 1.5, 4v + 1.5), no averaging over the 4 x 4 footprint (which
	 * identity_chip_sample does, and which differs here). */
	static const float want[16] = {
		0.675f, 0.45f, 0.5f,   0.55f,  0.5f,   0.55f,  0.325f, 0.65f,
		0.325f, 0.65f, 0.425f, 0.475f, 0.425f, 0.475f, 0.525f, 0.575f};
	float img[16 * 16], out[16], area[16];
	double m[6] = {4, 0, 1.5, 0, 4, 1.5};
	double apart = 0;

	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++)
			img[y * 16 + x] = (float)((x * 7 + y * 3) % 11) / 10.f;
	identity_chip_sample_bilinear(img, 16, 16, 1, m, 4, out);
	identity_chip_sample(img, 16, 16, 1, m, 4, area);
	for (int i = 0; i < 16; i++) {
		NEAR(out[i], want[i], 1e-5);
		apart += fabs(area[i] - want[i]);
	}
	MT_TRUE(apart > 0.1);
}

static void
test_sample_clamps_outside(void)
{
	float img[2 * 2] = {0.1f, 0.2f, 0.3f, 0.4f}, out[1];
	double far[6] = {1, 0, -50, 0, 1, 60};

	identity_chip_sample(img, 2, 2, 1, far, 1, out);
	NEAR(out[0], 0.3f, 1e-6); /* bottom-left corner */
}

/* ref_sample is identity_chip_sample as it was before the upright path
 * (a bilinear sample per point, coordinates through m each time): the
 * reference the faster one must equal float for float. */
static void
ref_sample(const float *img, uint32_t w, uint32_t h, unsigned ch,
	   const double m[6], unsigned size, float *out)
{
	double s = sqrt(m[0] * m[0] + m[3] * m[3]);
	unsigned k = s > 1.0 ? (unsigned)ceil(s) : 1;
	float a = (float)m[0], b = (float)m[1], c = (float)m[2];
	float d = (float)m[3], e = (float)m[4], f = (float)m[5];
	float off[8];

	if (k > 8)
		k = 8;
	for (unsigned n = 0; n < k; n++)
		off[n] = ((float)n + 0.5f) / (float)k - 0.5f;
	for (unsigned v = 0; v < size; v++)
		for (unsigned u = 0; u < size; u++) {
			float acc[3] = {0};

			for (unsigned j = 0; j < k; j++)
				for (unsigned i = 0; i < k; i++) {
					float cu = (float)u + off[i];
					float cv = (float)v + off[j];
					float x = a * cu + b * cv + c;
					float y = d * cu + e * cv + f;
					float xc = x < 0.f ? 0.f
						   : x > (float)(w - 1)
							   ? (float)(w - 1)
							   : x;
					float yc = y < 0.f ? 0.f
						   : y > (float)(h - 1)
							   ? (float)(h - 1)
							   : y;
					uint32_t x0 = (uint32_t)xc;
					uint32_t y0 = (uint32_t)yc;
					uint32_t dx = x0 + 1 < w ? ch : 0;
					size_t dy =
						y0 + 1 < h ? (size_t)w * ch : 0;
					float fx = xc - (float)x0;
					float fy = yc - (float)y0;
					const float *p = img + ((size_t)y0 * w +
								x0) * ch;

					for (unsigned q = 0; q < ch; q++) {
						float top = p[q] + (p[q + dx] -
								    p[q]) * fx;
						float bot = p[q + dy] +
							    (p[q + dy + dx] -
							     p[q + dy]) *
								    fx;
						acc[q] +=
							top + (bot - top) * fy;
					}
				}
			for (unsigned q = 0; q < ch; q++)
				out[((size_t)v * size + u) * ch + q] =
					acc[q] / (float)(k * k);
		}
}

static void
test_sample_equals_reference(void)
{
	/* Upright maps as the PAD crops make them (one sample a pixel, up
	 * to the cap of 8 x 8, inside and half outside the photograph),
	 * one whose cross terms are zero only as floats, and rotated ones
	 * as the chips make them; grey and colour, odd sizes. */
	enum { W = 97, H = 61, N = 24 };
	static const double maps[][6] = {
		{1, 0, 3, 0, 1, 5},
		{0.5, 0, 10.25, 0, 0.5, 7.75},
		{2.7, 0, 4.35, 0, 2.7, 1.1},
		{6.75, 0, -40.5, 0, 6.75, -20.25},
		{10, 0, -50.5, 0, 10, -80.5},
		{3.2, 1e-60, 0.4, -1e-60, 3.2, 0.6},
		{1.3 * 0.966, -1.3 * 0.259, 30, 1.3 * 0.259, 1.3 * 0.966, 2},
		{2.1, 0.4, -5, -0.3, 1.9, 12},
	};
	float *img = malloc((size_t)W * H * 3 * sizeof(float));
	float *got = malloc((size_t)N * N * 3 * sizeof(float));
	float *want = malloc((size_t)N * N * 3 * sizeof(float));
	uint32_t r = 12345;

	MT_TRUE(img != NULL && got != NULL && want != NULL);
	if (img == NULL || got == NULL || want == NULL)
		goto out;
	for (size_t i = 0; i < (size_t)W * H * 3; i++) {
		r = r * 1664525u + 1013904223u;
		img[i] = (float)(r >> 8) / 16777216.f;
	}
	for (size_t t = 0; t < sizeof(maps) / sizeof(maps[0]); t++)
		for (unsigned ch = 1; ch <= 3; ch += 2) {
			ref_sample(img, W, H, ch, maps[t], N, want);
			identity_chip_sample(img, W, H, ch, maps[t], N, got);
			MT_TRUE(memcmp(got, want,
				       (size_t)N * N * ch * sizeof(float)) ==
				0);
		}
out:
	free(img);
	free(got);
	free(want);
}

static void
test_mirror_reverses_each_row_of_each_plane(void)
{
	/* two planes of 3 x 3 */
	float in[18], out[18], back[18];

	for (int i = 0; i < 18; i++)
		in[i] = (float)i;
	identity_chip_mirror(in, 2, 3, out);
	NEAR(out[0], 2, 1e-9); /* plane 0, row 0: 2 1 0 */
	NEAR(out[1], 1, 1e-9);
	NEAR(out[2], 0, 1e-9);
	NEAR(out[5], 3, 1e-9);	 /* plane 0, row 1 ends with its first */
	NEAR(out[9], 11, 1e-9);	 /* plane 1, row 0: 11 10 9 */
	NEAR(out[17], 15, 1e-9); /* plane 1, row 2: 17 16 15 */
	identity_chip_mirror(out, 2, 3, back);
	for (int i = 0; i < 18; i++)
		NEAR(back[i], in[i], 1e-9);
}

/* A stored landmark set (dlib's mean face, 170 px across, turned 12
 * degrees and jittered by 1.5 px, seeded: the synthetic face of
 * test_face_align's ArcFace cases) and the transform numpy computes for
 * it: np.linalg.lstsq of the similarity taking the five points (eye
 * centres, nose tip, outer mouth corners) onto ArcFace's 112 x 112
 * template, inverted (OpenCV's estimateAffinePartial2D agrees to 1e-7). */
static const float arcface_pts[IDENTITY_LANDMARKS][2] = {
	{253.47f, 166.09f}, {253.73f, 176.30f}, {256.36f, 183.35f},
	{263.07f, 195.05f}, {270.78f, 209.18f}, {281.98f, 219.48f},
	{291.89f, 230.35f}, {306.28f, 243.60f}, {322.92f, 253.58f},
	{338.56f, 262.95f}, {350.60f, 271.34f}, {364.43f, 278.54f},
	{376.47f, 285.19f}, {386.09f, 291.50f}, {393.07f, 299.52f},
	{396.88f, 299.67f}, {397.25f, 299.91f}, {262.09f, 132.29f},
	{275.58f, 124.10f}, {295.62f, 127.41f}, {309.90f, 130.77f},
	{329.17f, 142.13f}, {361.68f, 149.71f}, {378.14f, 144.43f},
	{395.00f, 144.57f}, {412.69f, 155.10f}, {425.11f, 165.28f},
	{339.10f, 165.37f}, {334.69f, 181.48f}, {330.46f, 202.49f},
	{325.14f, 214.60f}, {307.30f, 225.13f}, {313.44f, 231.58f},
	{322.85f, 235.63f}, {332.55f, 232.66f}, {347.81f, 235.21f},
	{276.91f, 153.72f}, {290.63f, 151.44f}, {302.49f, 153.50f},
	{310.64f, 164.40f}, {298.95f, 163.64f}, {284.83f, 162.46f},
	{362.31f, 175.14f}, {377.99f, 169.62f}, {391.72f, 173.99f},
	{402.17f, 180.84f}, {388.14f, 182.71f}, {374.87f, 179.12f},
	{281.71f, 253.69f}, {296.94f, 252.50f}, {309.56f, 250.11f},
	{318.30f, 254.95f}, {329.37f, 258.60f}, {344.77f, 259.23f},
	{357.76f, 271.24f}, {341.44f, 277.53f}, {329.11f, 284.75f},
	{313.21f, 281.67f}, {302.21f, 278.97f}, {291.35f, 271.15f},
	{285.64f, 254.20f}, {310.05f, 259.29f}, {318.15f, 258.38f},
	{329.34f, 264.36f}, {353.00f, 267.09f}, {327.87f, 270.65f},
	{316.67f, 269.73f}, {306.39f, 265.55f},
};
static const double arcface_want[6] = {2.424028, -0.513749, 229.440300,
				       0.513749, 2.424028,  11.852406};

static void
test_arcface_transform_is_numpy_reference(void)
{
	double m[6];

	MT_OK(identity_arcface_transform(arcface_pts, 112, m));
	for (int i = 0; i < 6; i++)
		NEAR(m[i], arcface_want[i], 1e-4 * (1 + fabs(arcface_want[i])));
}

/* The chip's template points land near the five points (within the
 * jitter), and a 224 chip is the 112 one at half the step. */
static void
test_arcface_transform_places_five_points(void)
{
	static const float tmpl[5][2] = {{38.2946f, 51.6963f},
					 {73.5318f, 51.5014f},
					 {56.0252f, 71.7366f},
					 {41.5493f, 92.3655f},
					 {70.7299f, 92.2041f}};
	float five[5][2];
	double m[6], m2[6], x, y, x2, y2;

	identity_arcface_points(arcface_pts, five);
	NEAR(five[2][0], arcface_pts[30][0], 1e-6);
	NEAR(five[3][1], arcface_pts[48][1], 1e-6);
	MT_OK(identity_arcface_transform(arcface_pts, 112, m));
	MT_OK(identity_arcface_transform(arcface_pts, 224, m2));
	for (int i = 0; i < 5; i++) {
		apply(m, tmpl[i][0], tmpl[i][1], &x, &y);
		MT_TRUE(hypot(x - five[i][0], y - five[i][1]) < 6.0);
		apply(m2, 2 * tmpl[i][0], 2 * tmpl[i][1], &x2, &y2);
		NEAR(x2, x, 1e-3);
		NEAR(y2, y, 1e-3);
	}
	NEAR(identity_transform_scale(m2), identity_transform_scale(m) / 2,
	     1e-6);
}

static void
test_arcface_transform_refuses_degenerate(void)
{
	float same[IDENTITY_LANDMARKS][2];
	double m[6];

	for (int i = 0; i < IDENTITY_LANDMARKS; i++)
		same[i][0] = same[i][1] = 7.f;
	MT_EQ_INT(identity_arcface_transform(same, 112, m), MED_ERR_INVALID);
	MT_EQ_INT(identity_arcface_transform(arcface_pts, 0, m),
		  MED_ERR_INVALID);
}

static const mt_case cases[] = {
	{"fit_recovers_known_transform", test_fit_recovers_known_transform},
	{"bilinear_sample_is_opencv_resize",
	 test_bilinear_sample_is_opencv_resize},
	{"fit_never_reflects", test_fit_never_reflects},
	{"fit_refuses_degenerate", test_fit_refuses_degenerate},
	{"chip_transform_places_the_eyes", test_chip_transform_places_the_eyes},
	{"chip_affine_follows_a_slant", test_chip_affine_follows_a_slant},
	{"chip_affine_refuses_degenerate", test_chip_affine_refuses_degenerate},
	{"chip_transform_padding_shrinks_the_face",
	 test_chip_transform_padding_shrinks_the_face},
	{"sample_identity_and_shift", test_sample_identity_and_shift},
	{"sample_averages_when_shrinking", test_sample_averages_when_shrinking},
	{"sample_clamps_outside", test_sample_clamps_outside},
	{"sample_equals_reference", test_sample_equals_reference},
	{"mirror_reverses_each_row_of_each_plane",
	 test_mirror_reverses_each_row_of_each_plane},
	{"arcface_transform_is_numpy_reference",
	 test_arcface_transform_is_numpy_reference},
	{"arcface_transform_places_five_points",
	 test_arcface_transform_places_five_points},
	{"arcface_transform_refuses_degenerate",
	 test_arcface_transform_refuses_degenerate},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
