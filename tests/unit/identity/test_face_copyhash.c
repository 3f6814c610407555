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

static const mt_case cases[] = {
	{"same_picture_hashes_equal", test_same_picture_hashes_equal},
	{"copies_hash_close", test_copies_hash_close},
	{"other_pictures_hash_far", test_other_pictures_hash_far},
	{"hash_is_marked_and_small_crop_has_none",
	 test_hash_is_marked_and_small_crop_has_none},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
