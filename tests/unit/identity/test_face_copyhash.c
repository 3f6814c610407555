/*
 * test_face_copyhash.c - the copy hash of an aligned face crop
 * (face_copyhash.c): copies of one picture hash close, other pictures far.
 */
#include "testlib.h"

#include "face_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W IDENTITY_FACE_W
#define H IDENTITY_FACE_H

/* face_like draws a picture with a few blobs (eyes, mouth) whose places
 * depend on seed, over a texture of seed's own: pictures of different
 * seeds differ in layout and detail, as two photographs do. */
static void
face_like(uint8_t *px, unsigned seed)
{
	double ex = 0.30 + 0.05 * (seed % 3), my = 0.70 + 0.04 * (seed % 4);

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			double u = (double)x / W, v = (double)y / H;
			double g =
				120 + 40 * sin(3.1 * u + seed) * cos(2.3 * v);
			for (unsigned k = 1; k <= 6; k++)
				g += 9 * sin((k + seed) * 5.3 * u + k) *
				     cos((k * 3 + seed) * 2.9 * v + seed);
			g -= 70 *
			     exp(-(pow(u - ex, 2) + pow(v - 0.4, 2)) / 0.004);
			g -= 70 *
			     exp(-(pow(u - (1 - ex), 2) + pow(v - 0.4, 2)) /
				 0.004);
			g -= 50 * exp(-(pow(u - 0.5, 2) / 0.02 +
					pow(v - my, 2) / 0.002));
			px[y * W + x] = (uint8_t)fmin(255, fmax(0, g));
		}
}

static int
distance_of(const uint8_t *a, const uint8_t *b)
{
	uint8_t ha[IDENTITY_COPYHASH_LEN], hb[IDENTITY_COPYHASH_LEN];

	MT_TRUE(identity_face_copyhash(a, W, H, ha));
	MT_TRUE(identity_face_copyhash(b, W, H, hb));
	return identity_face_copyhash_distance(ha, hb);
}

static void
test_same_picture_hashes_equal(void)
{
	static uint8_t a[W * H];

	face_like(a, 1);
	MT_EQ_INT(distance_of(a, a), 0);
}

/* A re-lit copy (contrast and brightness) and a noisy copy (a re-encode's
 * small errors) stay within the service's default distance of 16. */
static void
test_copies_hash_close(void)
{
	static uint8_t a[W * H], lit[W * H], noisy[W * H];
	unsigned r = 7;

	face_like(a, 2);
	for (size_t i = 0; i < sizeof(a); i++) {
		lit[i] = (uint8_t)fmin(255, a[i] * 0.8 + 30);
		r = r * 1103515245u + 12345u;
		noisy[i] =
			(uint8_t)fmin(255, fmax(0, a[i] + (int)(r >> 28) - 8));
	}
	MT_TRUE(distance_of(a, lit) <= 16);
	MT_TRUE(distance_of(a, noisy) <= 16);
}

static void
test_other_pictures_hash_far(void)
{
	static uint8_t a[W * H], b[W * H];

	face_like(a, 3);
	face_like(b, 6);
	MT_TRUE(distance_of(a, b) > 40);
}

static void
test_hash_is_marked_and_small_crop_has_none(void)
{
	static uint8_t a[W * H];
	uint8_t h[IDENTITY_COPYHASH_LEN];

	face_like(a, 4);
	MT_TRUE(identity_face_copyhash(a, W, H, h));
	MT_TRUE(identity_face_copyhash_is_set(h));
	MT_TRUE(!identity_face_copyhash(a, 16, 16, h));
	MT_TRUE(!identity_face_copyhash_is_set(h));
	MT_TRUE(!identity_face_copyhash(NULL, W, H, h));
}

/* The chip hash's picture: face_like's pattern at (u, v) in [0, 1]^2. */
static double
pattern(double u, double v, unsigned seed)
{
	double g = 120 + 40 * sin(3.1 * u + seed) * cos(2.3 * v);

	for (unsigned k = 1; k <= 6; k++)
		g += 9 * sin((k + seed) * 5.3 * u + k) *
		     cos((k * 3 + seed) * 2.9 * v + seed);
	g -= 70 * exp(-(pow(u - 0.35, 2) + pow(v - 0.4, 2)) / 0.004);
	g -= 70 * exp(-(pow(u - 0.65, 2) + pow(v - 0.4, 2)) / 0.004);
	return fmin(255, fmax(0, g)) / 255.0;
}

#define SIDE 300 /* the photograph's side in the chip hash tests */

/* photograph draws seed's pattern over SIDE x SIDE pixels (0..1) as seen
 * through the affine map a (pattern coordinates -> pixels); inv is its
 * inverse. */
static void
photograph(float *px, const double inv[6], unsigned seed)
{
	for (int y = 0; y < SIDE; y++)
		for (int x = 0; x < SIDE; x++) {
			double sx = inv[0] * (x + .5) + inv[1] * (y + .5) +
				    inv[2],
			       sy = inv[3] * (x + .5) + inv[4] * (y + .5) +
				    inv[5];
			px[y * SIDE + x] =
				(float)pattern(sx / SIDE, sy / SIDE, seed);
		}
}

/* face_points lays the 68 landmarks out roughly as iBUG 300-W's on a face
 * 100 pixels across at (100, 100): a ring for each eye, the nose's line
 * and nostrils, an ellipse for each lip (the jaw and brows, which the
 * chip ignores, at the centre). */
static void
face_points(float pts[IDENTITY_LANDMARKS][2])
{
	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		double u = 0.5, v = 0.5, t = 2 * M_PI * i / 6.0;

		if (i >= 27 && i <= 30) {
			v = 0.4 + 0.066 * (i - 27);
		} else if (i >= 31 && i <= 35) {
			u = 0.4 + 0.05 * (i - 31);
			v = 0.65;
		} else if (i >= 36 && i <= 47) {
			u = (i < 42 ? 0.32 : 0.68) + 0.06 * cos(t);
			v = 0.42 + 0.025 * sin(t);
		} else if (i >= 48) {
			double n = i < 60 ? 12 : 8,
			       k = i < 60 ? i - 48 : i - 60;

			u = 0.5 + (i < 60 ? 0.15 : 0.1) * cos(2 * M_PI * k / n);
			v = 0.82 +
			    (i < 60 ? 0.05 : 0.02) * sin(2 * M_PI * k / n);
		}
		pts[i][0] = (float)(100 + 100 * u);
		pts[i][1] = (float)(100 + 100 * v);
	}
}

/* A photograph of the picture held at a slant (a shear and unequal
 * scales, landmarks moved with it) hashes within the service's distance
 * (16) of the picture on the affine chip; another picture hashes far. */
static void
test_chiphash_undoes_a_slant(void)
{
	static float flat[SIDE * SIDE], slant[SIDE * SIDE], other[SIDE * SIDE];
	/* slant: x' = 1.04 x + 0.05 y, y' = -0.03 x + 0.97 y */
	const double id[6] = {1, 0, 0, 0, 1, 0};
	const double a[6] = {1.04, 0.05, 0, -0.03, 0.97, 0};
	double det = a[0] * a[4] - a[1] * a[3];
	const double inv[6] = {
		a[4] / det,  -a[1] / det, (a[1] * a[5] - a[4] * a[2]) / det,
		-a[3] / det, a[0] / det,  (a[3] * a[2] - a[0] * a[5]) / det};
	float pts[IDENTITY_LANDMARKS][2], moved[IDENTITY_LANDMARKS][2];
	uint8_t h0[IDENTITY_COPYHASH_LEN], h1[IDENTITY_COPYHASH_LEN],
		h2[IDENTITY_COPYHASH_LEN];

	face_points(pts);
	for (int i = 0; i < IDENTITY_LANDMARKS; i++) {
		moved[i][0] =
			(float)(a[0] * pts[i][0] + a[1] * pts[i][1] + a[2]);
		moved[i][1] =
			(float)(a[3] * pts[i][0] + a[4] * pts[i][1] + a[5]);
	}
	photograph(flat, id, 5);
	photograph(slant, inv, 5);
	photograph(other, id, 8);
	MT_TRUE(identity_face_chiphash(flat, SIDE, SIDE, (const float(*)[2])pts,
				       h0));
	MT_TRUE(identity_face_chiphash(slant, SIDE, SIDE,
				       (const float(*)[2])moved, h1));
	MT_TRUE(identity_face_chiphash(other, SIDE, SIDE,
				       (const float(*)[2])pts, h2));
	MT_TRUE(identity_face_copyhash_is_set(h0));
	MT_TRUE(identity_face_copyhash_distance(h0, h1) <= 12);
	MT_TRUE(identity_face_copyhash_distance(h0, h2) > 40);
}

static void
test_chiphash_without_picture_is_none(void)
{
	float pts[IDENTITY_LANDMARKS][2] = {{0}};
	uint8_t h[IDENTITY_COPYHASH_LEN];

	MT_TRUE(!identity_face_chiphash(NULL, SIDE, SIDE,
					(const float(*)[2])pts, h));
	MT_TRUE(!identity_face_copyhash_is_set(h));
}

static const mt_case cases[] = {
	{"same_picture_hashes_equal", test_same_picture_hashes_equal},
	{"copies_hash_close", test_copies_hash_close},
	{"other_pictures_hash_far", test_other_pictures_hash_far},
	{"hash_is_marked_and_small_crop_has_none",
	 test_hash_is_marked_and_small_crop_has_none},
	{"chiphash_undoes_a_slant", test_chiphash_undoes_a_slant},
	{"chiphash_without_picture_is_none",
	 test_chiphash_without_picture_is_none},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
