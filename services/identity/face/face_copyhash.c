/*
 * face_copyhash.c - a perceptual hash of the aligned face crop, to tell a
 * copy of a photograph (the same picture re-encoded, rescaled or
 * brightened) from a new photograph of the same face.
 *
 * The crop (IDENTITY_FACE_W x IDENTITY_FACE_H grey, aligned on the eyes
 * by the pipeline) is area-averaged to 32 x 32, transformed with a 2-D
 * DCT-II, and the 16 x 16 lowest frequencies but the mean become 255
 * bits: a coefficient above their median is a 1.  Copies keep the coarse
 * structure that those frequencies describe, so their hashes differ in a
 * few bits; a new photograph (another moment, another expression, another
 * light) differs in many more.  docs/face.md gives the measured
 * distributions and the distance the service refuses at.
 *
 * The same hash is also taken of the face chip that an affine fit of the
 * 68 landmarks places (identity_face_chiphash): a photograph shown on a
 * screen or printed and held at a slant reaches the camera distorted by a
 * perspective, which shifts the features inside a square crop by several
 * pixels; the affine chip undoes most of it (docs/face-pad.md, "Copies
 * shown on a screen or printed").
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"

#define HASH_N	32 /* side of the averaged image */
#define HASH_LF 16 /* side of the low-frequency block hashed */
#define HASH_K	(HASH_LF * HASH_LF - 1) /* coefficients hashed */
/* The chip hashed: side in pixels and the margin around the mean face,
 * dlib's framing (the embedder's chip, in grey). */
#define CHIP_SIDE    150u
#define CHIP_PADDING 0.25

static float dct_cos[HASH_N][HASH_N]; /* [frequency][sample] */
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void
dct_table(void)
{
	for (int k = 0; k < HASH_N; k++)
		for (int n = 0; n < HASH_N; n++)
			dct_cos[k][n] = (float)cos(M_PI * (2 * n + 1) * k /
						   (2.0 * HASH_N));
}

/* average32 area-averages the w x h crop into HASH_N x HASH_N cells
 * (each cell the mean of the pixels whose centres fall into it). */
static void
average32(const uint8_t *crop, uint32_t w, uint32_t h,
	  float out[HASH_N][HASH_N])
{
	float sum[HASH_N][HASH_N] = {{0}};
	uint32_t cnt[HASH_N][HASH_N] = {{0}};

	for (uint32_t y = 0; y < h; y++) {
		uint32_t cy = y * HASH_N / h;
		for (uint32_t x = 0; x < w; x++) {
			uint32_t cx = x * HASH_N / w;
			sum[cy][cx] += crop[(size_t)y * w + x];
			cnt[cy][cx]++;
		}
	}
	for (int y = 0; y < HASH_N; y++)
		for (int x = 0; x < HASH_N; x++)
			out[y][x] =
				cnt[y][x] ? sum[y][x] / (float)cnt[y][x] : 0.f;
}

/* low_dct writes the HASH_LF x HASH_LF lowest frequencies of a's 2-D
 * DCT-II (separable: rows, then columns). */
static void
low_dct(float a[HASH_N][HASH_N], float out[HASH_LF * HASH_LF])
{
	float rows[HASH_N][HASH_LF];

	for (int y = 0; y < HASH_N; y++)
		for (int u = 0; u < HASH_LF; u++) {
			float s = 0.f;
			for (int x = 0; x < HASH_N; x++)
				s += dct_cos[u][x] * a[y][x];
			rows[y][u] = s;
		}
	for (int v = 0; v < HASH_LF; v++)
		for (int u = 0; u < HASH_LF; u++) {
			float s = 0.f;
			for (int y = 0; y < HASH_N; y++)
				s += dct_cos[v][y] * rows[y][u];
			out[v * HASH_LF + u] = s;
		}
}

static int
float_cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

bool
identity_face_copyhash(const uint8_t *crop, uint32_t w, uint32_t h,
		       uint8_t out[IDENTITY_COPYHASH_LEN])
{
	float avg[HASH_N][HASH_N], c[HASH_LF * HASH_LF], sorted[HASH_K];
	float median;

	_Static_assert(HASH_K < 8 * IDENTITY_COPYHASH_LEN, "hash too long");
	memset(out, 0, IDENTITY_COPYHASH_LEN);
	if (crop == NULL || w < HASH_N || h < HASH_N)
		return false;
	pthread_once(&dct_once, dct_table);
	average32(crop, w, h, avg);
	low_dct(avg, c);
	/* The mean (c[0]) says only how bright the picture is. */
	memcpy(sorted, c + 1, sizeof(sorted));
	qsort(sorted, HASH_K, sizeof(float), float_cmp);
	median = sorted[HASH_K / 2];
	for (int i = 0; i < HASH_K; i++)
		if (c[i + 1] > median)
			out[i / 8] |= (uint8_t)(1u << (i % 8));
	/* The last bit is always set: all zeros stays free for "no hash". */
	out[IDENTITY_COPYHASH_LEN - 1] |= 0x80;
	return true;
}

bool
identity_face_chiphash(const float *grey, uint32_t w, uint32_t h,
		       const float pts[IDENTITY_LANDMARKS][2],
		       uint8_t out[IDENTITY_COPYHASH_LEN])
{
	double m[6];
	float *chip = NULL;
	uint8_t *px = NULL;
	bool ok = false;

	memset(out, 0, IDENTITY_COPYHASH_LEN);
	if (grey == NULL ||
	    identity_chip_affine(pts, CHIP_SIDE, CHIP_PADDING, m) != MED_OK)
		return false;
	chip = malloc(CHIP_SIDE * CHIP_SIDE * sizeof(float));
	px = malloc(CHIP_SIDE * CHIP_SIDE);
	if (chip != NULL && px != NULL) {
		identity_chip_sample(grey, w, h, 1, m, CHIP_SIDE, chip);
		for (size_t i = 0; i < CHIP_SIDE * CHIP_SIDE; i++)
			px[i] = (uint8_t)fminf(
				255.f, fmaxf(0.f, 255.f * chip[i] + .5f));
		ok = identity_face_copyhash(px, CHIP_SIDE, CHIP_SIDE, out);
	}
	free(chip);
	free(px);
	return ok;
}

bool
identity_face_copyhash_is_set(const uint8_t *h)
{
	return (h[IDENTITY_COPYHASH_LEN - 1] & 0x80) != 0;
}

int
identity_face_copyhash_distance(const uint8_t *a, const uint8_t *b)
{
	int d = 0;

	for (size_t i = 0; i < IDENTITY_COPYHASH_LEN; i++)
		d += __builtin_popcount((unsigned)(a[i] ^ b[i]));
	return d;
}
