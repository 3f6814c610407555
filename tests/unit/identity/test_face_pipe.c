/*
 * test_face_pipe.c - the pure parts of the face pipeline on images and
 * tensors made here: the aligned crop (geometry and rotation by the eyes),
 * the quality gates (blur by the variance of the Laplacian, roll and yaw,
 * sizes, face count, PNG headers) with the reason each gives, and YuNet's
 * decoding and non-maximum suppression (face_pipe.h, face_yunet.h).
 */
#include "testlib.h"

#include "face_pipe.h"
#include "face_yunet.h"
#include "identity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* near fails unless |got - want| <= eps, printing both. */
#define NEAR(a, b, eps) MT_NEAR(a, b, eps)

/* refused expects MED_ERR_INVALID naming field with reason want. */
static void
refused(med_err got, const med_problem *p, const char *field, const char *want)
{
	MT_EQ_INT(got, MED_ERR_INVALID);
	MT_EQ_INT(p->err, MED_ERR_INVALID);
	MT_EQ_STR(p->field, field);
	MT_EQ_STR(p->reason, want);
}

/* grey makes a w x h image of value v (freed with free(g.px)). */
static identity_grey8
grey(uint32_t w, uint32_t h, uint8_t v)
{
	identity_grey8 g = {w, h, malloc((size_t)w * h)};

	MT_TRUE(g.px != NULL);
	memset(g.px, v, (size_t)w * h);
	return g;
}

/* ramp makes a w x h image whose pixel (x, y) is kx x + ky y. */
static identity_grey8
ramp(uint32_t w, uint32_t h, uint32_t kx, uint32_t ky)
{
	identity_grey8 g = grey(w, h, 0);

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			g.px[y * w + x] = (uint8_t)(kx * x + ky * y);
	return g;
}

/* dot paints a 3x3 square of value v centred on (x, y). */
static void
dot(identity_grey8 *g, int x, int y, uint8_t v)
{
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++)
			g->px[(size_t)(y + dy) * g->w + (size_t)(x + dx)] = v;
}

/* dark_centre is the centroid of darkness (below 200) in columns x0..x1
 * of a w x h crop. */
static void
dark_centre(const uint8_t *crop, int w, int h, int x0, int x1, double *cx,
	    double *cy)
{
	double sum = 0, sx = 0, sy = 0;

	for (int y = 0; y < h; y++)
		for (int x = x0; x <= x1; x++) {
			double d = crop[y * w + x] < 200 ? 200 - crop[y * w + x]
							 : 0;
			sum += d;
			sx += d * x;
			sy += d * y;
		}
	MT_TRUE(sum > 0);
	*cx = sx / sum;
	*cy = sy / sum;
}

/* crop_is expects the crop cs around fb of g to be a0 + au u + av v. */
static void
crop_is(const identity_grey8 *g, identity_face_box fb, identity_crop_spec cs,
	int a0, int au, int av)
{
	uint8_t out[64 * 64];

	MT_TRUE(cs.ow <= 64 && cs.oh <= 64);
	identity_face_align(g, &fb, &cs, out);
	for (int v = 0; v < cs.oh; v++)
		for (int u = 0; u < cs.ow; u++)
			MT_EQ_INT(out[v * cs.ow + u], a0 + au * u + av * v);
}

static void
test_crop_geometry(void)
{
	identity_grey8 g = ramp(40, 40, 1, 3);
	identity_grey8 h = ramp(100, 100, 1, 0);
	uint8_t out[20 * 20];
	identity_face_box fb;
	identity_crop_spec cs;

	/* at unit scale the crop is the box: pixel (10 + u, 10 + v) */
	crop_is(&g, (identity_face_box){.x = 10, .y = 10, .w = 20, .h = 20},
		(identity_crop_spec){20, 20, 1.f, 0.f}, 40, 1, 3);
	/* covering twice the box's width, a crop pixel spans four: crop
	 * pixel u samples pixel 50 + (u + 0.5 - 10) * 4 - 0.5 */
	crop_is(&h, (identity_face_box){.x = 30, .y = 20, .w = 40, .h = 40},
		(identity_crop_spec){20, 20, 2.f, 0.f}, 12, 4, 0);
	/* a box taller than wide: the crop is centred on it, the scale
	 * from its width (2 pixels a crop pixel both ways) */
	crop_is(&g, (identity_face_box){.x = 10, .y = 5, .w = 20, .h = 30},
		(identity_crop_spec){10, 15, 1.f, 0.f}, 27, 2, 6);
	/* a box in the corner: what lies outside takes the edge pixel */
	fb = (identity_face_box){.x = -10, .y = -10, .w = 20, .h = 20};
	cs = (identity_crop_spec){20, 20, 1.f, 0.f};
	identity_face_align(&h, &fb, &cs, out);
	for (int v = 0; v < 20; v++) {
		for (int u = 0; u < 10; u++)
			MT_EQ_INT(out[v * 20 + u], 0);
		for (int u = 10; u < 20; u++)
			MT_EQ_INT(out[v * 20 + u], u - 10);
	}
	free(g.px);
	free(h.px);
}

static void
test_roll_from_the_eyes(void)
{
	float l[2] = {10.f, 10.f}, r[2] = {30.f, 10.f};

	NEAR(identity_face_roll(l, r), 0.0, 1e-6);
	r[1] = 30.f; /* right eye lower: positive, image y points down */
	NEAR(identity_face_roll(l, r), M_PI / 4, 1e-6);
	r[1] = -10.f;
	NEAR(identity_face_roll(l, r), -M_PI / 4, 1e-6);
}

static void
test_rotation_levels_the_eyes(void)
{
	/* eyes at pixels (36, 45) and (64, 55): offsets (-14, -5) and
	 * (14, 5) from the box's centre (pixel centres lie at i + 0.5), a
	 * line tilted atan(5 / 14) = 19.65 degrees */
	float l[2] = {36.f, 45.f}, r[2] = {64.f, 55.f};
	double half = sqrt(14.0 * 14.0 + 5.0 * 5.0);
	identity_grey8 g = grey(100, 100, 200);
	identity_face_box fb = {.x = 25.5f, .y = 25.5f, .w = 50, .h = 50};
	identity_crop_spec cs = {50, 50, 1.f, 0.f};
	uint8_t out[50 * 50];
	double x0, y0, x1, y1;

	dot(&g, 36, 45, 0);
	dot(&g, 64, 55, 0);
	/* without the roll the eyes stay tilted in the crop: rows 24.5 -+ 5 */
	identity_face_align(&g, &fb, &cs, out);
	dark_centre(out, 50, 50, 0, 24, &x0, &y0);
	dark_centre(out, 50, 50, 25, 49, &x1, &y1);
	NEAR(y0, 19.5, 0.5);
	NEAR(y1, 29.5, 0.5);
	/* rotated by the eyes' roll they lie level on the centre row, as far
	 * apart as in the photograph */
	cs.roll = identity_face_roll(l, r);
	NEAR(cs.roll, atan2(10.0, 28.0), 1e-6);
	identity_face_align(&g, &fb, &cs, out);
	dark_centre(out, 50, 50, 0, 24, &x0, &y0);
	dark_centre(out, 50, 50, 25, 49, &x1, &y1);
	NEAR(y0, 24.5, 0.5);
	NEAR(y1, 24.5, 0.5);
	NEAR(x0, 24.5 - half, 0.5);
	NEAR(x1, 24.5 + half, 0.5);
	free(g.px);
}

static void
test_pose_gate(void)
{
	identity_face_box fb = {.x = 0, .y = 0, .w = 100, .h = 100};
	float l[2] = {30.f, 40.f}, r[2] = {70.f, 40.f};
	double t = 20.0 * M_PI / 180.0;
	med_problem p = {0};

	MT_OK(identity_face_pose_problem("image", &fb, l, r, 15.0, &p));
	/* a 20-degree tilt against a limit of 15, either way */
	r[0] = (float)(50 + 20 * cos(t));
	r[1] = (float)(40 + 20 * sin(t));
	l[0] = (float)(50 - 20 * cos(t));
	l[1] = (float)(40 - 20 * sin(t));
	refused(identity_face_pose_problem("image", &fb, l, r, 15.0, &p), &p,
		"image",
		"the head is tilted 20 degrees; at most 15 are accepted");
	refused(identity_face_pose_problem("image", &fb, r, l, 15.0, &p), &p,
		"image",
		"the head is tilted 160 degrees; at most 15 are "
		"accepted");
	MT_OK(identity_face_pose_problem("image", &fb, l, r, 25.0, &p));
	/* level eyes whose midpoint is more than a fifth of the width off
	 * the box's centre: turned sideways */
	l[0] = 55.f, l[1] = 40.f, r[0] = 95.f, r[1] = 40.f;
	refused(identity_face_pose_problem("images[1]", &fb, l, r, 15.0, &p),
		&p, "images[1]",
		"the face is turned sideways; look at the camera");
	l[0] = 45.f, r[0] = 95.f; /* midpoint 70: 20 off, still accepted */
	MT_OK(identity_face_pose_problem("image", &fb, l, r, 15.0, &p));
}

#define CW IDENTITY_FACE_W
#define CH IDENTITY_FACE_H

/* checker fills a crop with squares of side n, 0 and 255. */
static void
checker(uint8_t *c, int n)
{
	for (int y = 0; y < CH; y++)
		for (int x = 0; x < CW; x++)
			c[y * CW + x] = ((x / n + y / n) % 2) ? 255 : 0;
}

/* box_blur averages c over a (2k+1)^2 window, clamped at the edges. */
static void
box_blur(const uint8_t *c, uint8_t *out, int k)
{
	for (int y = 0; y < CH; y++)
		for (int x = 0; x < CW; x++) {
			int sum = 0, n = 0;
			for (int dy = -k; dy <= k; dy++)
				for (int dx = -k; dx <= k; dx++) {
					int yy = y + dy, xx = x + dx;
					if (yy < 0 || yy >= CH || xx < 0 ||
					    xx >= CW)
						continue;
					sum += c[yy * CW + xx];
					n++;
				}
			out[y * CW + x] = (uint8_t)((sum + n / 2) / n);
		}
}

static void
test_sharpness_is_laplacian_variance(void)
{
	static uint8_t c[CW * CH], b1[CW * CH], b3[CW * CH];
	double sharp, s1, s3;

	memset(c, 128, sizeof(c));
	NEAR(identity_face_sharpness(c), 0.0, 1e-9);
	/* a ramp has no second derivative: nothing to see */
	for (int y = 0; y < CH; y++)
		for (int x = 0; x < CW; x++)
			c[y * CW + x] = (uint8_t)(x + y);
	NEAR(identity_face_sharpness(c), 0.0, 1e-9);
	/* one bright pixel: Laplacian -1020 there and 255 at its four
	 * neighbours, over the 90 x 110 inner pixels */
	memset(c, 0, sizeof(c));
	c[50 * CW + 40] = 255;
	{
		double n = 90.0 * 110.0;
		double mean = 0.0; /* -1020 + 4 * 255 */
		double var =
			(1020.0 * 1020.0 + 4 * 255.0 * 255.0) / n - mean * mean;
		NEAR(identity_face_sharpness(c), var, 1e-6);
	}
	/* the sharper the edges, the higher; blur lowers it step by step */
	checker(c, 4);
	box_blur(c, b1, 1);
	box_blur(c, b3, 3);
	sharp = identity_face_sharpness(c);
	s1 = identity_face_sharpness(b1);
	s3 = identity_face_sharpness(b3);
	MT_TRUE(sharp > 10000.0);
	MT_TRUE(s1 < sharp / 2);
	MT_TRUE(s3 < s1 / 2);
}

static void
test_confirm_gate(void)
{
	med_problem p = {0};

	/* No second find, or a weak one, is no face; the threshold passes. */
	refused(identity_face_confirm_problem("images[0]", 0, &p), &p,
		"images[0]",
		"no face found: what the detector found is not face-like "
		"enough (0 of 7 confirmations); send a frontal photograph of "
		"one face");
	MT_EQ_INT(identity_face_confirm_problem(
			  "image", IDENTITY_FACE_CONFIRM_NEIGHBOURS - 1, &p),
		  MED_ERR_INVALID);
	MT_OK(identity_face_confirm_problem(
		"image", IDENTITY_FACE_CONFIRM_NEIGHBOURS, &p));
	MT_OK(identity_face_confirm_problem("image", 40, &p));
}

static void
test_blur_gate(void)
{
	static uint8_t c[CW * CH], b[CW * CH];
	med_problem p = {0};

	checker(c, 4);
	box_blur(c, b, 3);
	MT_OK(identity_face_blur_problem("image", identity_face_sharpness(c),
					 40.0, &p));
	refused(identity_face_blur_problem("image", 12.4, 40.0, &p), &p,
		"image",
		"the photograph is too blurred (sharpness 12, at least 40)");
	MT_OK(identity_face_blur_problem("image", 40.0, 40.0, &p));
	/* a flat grey crop is refused whatever the threshold above 0 */
	memset(c, 90, sizeof(c));
	MT_EQ_INT(identity_face_blur_problem(
			  "image", identity_face_sharpness(c), 1.0, &p),
		  MED_ERR_INVALID);
}

static void
test_quality(void)
{
	NEAR(identity_face_quality(200.0, 40.0, 120.0, 40), 1.0, 1e-12);
	NEAR(identity_face_quality(1000.0, 40.0, 1000.0, 40), 1.0, 1e-12);
	NEAR(identity_face_quality(0.0, 40.0, 0.0, 40), 0.0, 1e-12);
	/* half the sharpness that counts fully, full size: 0.25 + 0.5 */
	NEAR(identity_face_quality(100.0, 40.0, 120.0, 40), 0.75, 1e-12);
	NEAR(identity_face_quality(200.0, 40.0, 60.0, 40), 0.75, 1e-12);
	/* a minimum of 0 counts as 1, not as a division by zero */
	NEAR(identity_face_quality(2.5, 0.0, 120.0, 40), 0.75, 1e-12);
	/* pose: level and frontal 1, half at the gate's limits, never less */
	NEAR(identity_face_pose_quality(0.0, 20.0, 0.0), 1.0, 1e-12);
	NEAR(identity_face_pose_quality(10.0 * M_PI / 180.0, 20.0, 0.0), 0.75,
	     1e-9);
	NEAR(identity_face_pose_quality(0.0, 20.0, -0.1), 0.75, 1e-6);
	NEAR(identity_face_pose_quality(0.0, 20.0, 0.2), 0.5, 1e-6);
	NEAR(identity_face_pose_quality(-1.0, 20.0, 0.9), 0.5, 1e-12);
	identity_face_box fb = {.x = 10, .y = 0, .w = 100, .h = 100};
	float l[2] = {40, 40}, r[2] = {100, 40};
	NEAR(identity_face_turn(&fb, l, r), 0.1, 1e-6);
}

static void
test_size_gates(void)
{
	identity_face_box small = {.w = 39.4f}, ok = {.w = 40.f};
	med_problem p = {0};

	MT_OK(identity_face_side_problem("image", 48, 48, &p));
	refused(identity_face_side_problem("image", 47, 100, &p), &p, "image",
		"47x100 is too small for a face (at least 48x48)");
	refused(identity_face_side_problem("photo", 640, 20, &p), &p, "photo",
		"640x20 is too small for a face (at least 48x48)");
	MT_OK(identity_face_count_problem("image", IDENTITY_DET_ONE, 1, &ok, 40,
					  &p));
	refused(identity_face_count_problem("image", IDENTITY_DET_ONE, 3,
					    &small, 40, &p),
		&p, "image",
		"the face is 39 pixels across; at least 40 are needed: move "
		"nearer");
	/* the box is not read unless the rule picked a face */
	refused(identity_face_count_problem("images[0]", IDENTITY_DET_NONE, 0,
					    NULL, 40, &p),
		&p, "images[0]",
		"no face found; send a frontal photograph of one face");
	refused(identity_face_count_problem("images[0]", IDENTITY_DET_AMBIGUOUS,
					    2, NULL, 40, &p),
		&p, "images[0]",
		"2 faces found, none clearly the patient's: two are of a "
		"similar size and near the centre; photograph the patient "
		"alone");
	refused(identity_face_count_problem("image", IDENTITY_DET_OVERLAP, 2,
					    NULL, 40, &p),
		&p, "image",
		"2 faces found, one behind the other: the face overlaps "
		"another face; photograph the patient with no one close "
		"behind them");
	MT_EQ_STR(identity_face_refusal(IDENTITY_DET_OVERLAP),
		  "face-behind-another");
	MT_EQ_STR(identity_face_refusal(IDENTITY_DET_ONE), "");
}

/* png_head writes the signature and IHDR of a PNG (no data). */
static void
png_head(uint8_t b[33], uint8_t depth, uint8_t colour)
{
	static const uint8_t head[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I',  'H', 'D', 'R', 0,	   0,	 0,    64,   0, 0, 0, 64};

	memset(b, 0, 33);
	memcpy(b, head, sizeof(head));
	b[24] = depth;
	b[25] = colour;
}

static void
test_png_headers(void)
{
	static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16};
	uint8_t b[33];
	med_problem p = {0};

	png_head(b, 8, 0);
	MT_OK(identity_face_png_problem("image", b, sizeof(b), &p));
	png_head(b, 8, 2);
	MT_OK(identity_face_png_problem("image", b, sizeof(b), &p));
	png_head(b, 16, 2);
	refused(identity_face_png_problem("images[0]", b, sizeof(b), &p), &p,
		"images[0]",
		"16-bit PNG is not accepted; send an 8-bit photograph");
	png_head(b, 8, 3);
	refused(identity_face_png_problem("images[0]", b, sizeof(b), &p), &p,
		"images[0]",
		"palette PNG is not accepted; send a greyscale or colour "
		"photograph");
	/* too short to hold IHDR, or not a PNG: left to the decoder */
	png_head(b, 16, 3);
	MT_OK(identity_face_png_problem("image", b, 25, &p));
	MT_OK(identity_face_png_problem("image", jpeg, sizeof(jpeg), &p));
	MT_OK(identity_face_png_problem("image", b + 1, sizeof(b) - 1, &p));
}

static void
test_one_face_in_pieces(void)
{
	/* rows of x y w h neighbours */
	float pieces[] = {10, 10, 40, 40, 9,  14, 12, 36,
			  36, 3,  12, 8,  30, 30, 2};
	float two_people[] = {10, 10, 40, 40, 9, 70, 10, 40, 40, 8};
	float touching[] = {10, 10, 40, 40, 9, 40, 10, 40, 40, 8};

	MT_TRUE(identity_face_in_pieces(pieces, 3));
	MT_TRUE(identity_face_in_pieces(pieces, 2));
	MT_TRUE(!identity_face_in_pieces(pieces, 1));
	MT_TRUE(!identity_face_in_pieces(pieces, 0));
	MT_TRUE(!identity_face_in_pieces(two_people, 2));
	/* a quarter of the smaller box in common is two faces, not one */
	MT_TRUE(!identity_face_in_pieces(touching, 2));
}

/* --- YuNet --------------------------------------------------------- */

/* A 32 x 32 input: 4 x 4 cells at stride 8, 2 x 2 at 16, 1 at 32; the
 * outputs in the order cls, obj, bbox, kps per stride. */
typedef struct yunet_fixture {
	identity_yunet y;
	float cls[3][16], obj[3][16], bbox[3][16 * 4], kps[3][16 * 10];
	const float *outs[12];
} yunet_fixture;

static void
yunet_init(yunet_fixture *t)
{
	memset(t, 0, sizeof(*t));
	t->y.in_w = t->y.in_h = 32;
	for (int s = 0; s < 3; s++) {
		t->y.cls[s] = 4 * s;
		t->y.obj[s] = 4 * s + 1;
		t->y.bbox[s] = 4 * s + 2;
		t->y.kps[s] = 4 * s + 3;
		t->outs[4 * s] = t->cls[s];
		t->outs[4 * s + 1] = t->obj[s];
		t->outs[4 * s + 2] = t->bbox[s];
		t->outs[4 * s + 3] = t->kps[s];
	}
}

/* yunet_face puts a face in cell idx of stride s: cls * obj = score^2,
 * centre offset (0.5, 0.5), size exp(dw, dh) cells, eyes at (kx0, 0.25)
 * and (kx1, 0.25) cells from the cell's corner. */
static void
yunet_face(yunet_fixture *t, int s, int idx, float score, float dw, float dh,
	   float kx0, float kx1)
{
	t->cls[s][idx] = score * score;
	t->obj[s][idx] = 1.f;
	t->bbox[s][idx * 4] = 0.5f;
	t->bbox[s][idx * 4 + 1] = 0.5f;
	t->bbox[s][idx * 4 + 2] = dw;
	t->bbox[s][idx * 4 + 3] = dh;
	t->kps[s][idx * 10] = kx0;
	t->kps[s][idx * 10 + 1] = 0.25f;
	t->kps[s][idx * 10 + 2] = kx1;
	t->kps[s][idx * 10 + 3] = 0.25f;
}

static void
test_yunet_decodes_a_face(void)
{
	yunet_fixture t;
	identity_det_face f[4];
	size_t n;

	yunet_init(&t);
	n = identity_yunet_decode(&t.y, t.outs, 0.5f, 0.4f, f, 4);
	MT_EQ_INT(n, 0); /* all scores 0 */
	/* stride 8, row 1, column 2 (index 6): centre (20, 12), 16 x 24,
	 * the eyes given right first */
	yunet_face(&t, 0, 6, 0.9f, logf(2.f), logf(3.f), 0.75f, 0.25f);
	n = identity_yunet_decode(&t.y, t.outs, 0.5f, 0.4f, f, 4);
	MT_EQ_INT(n, 1);
	NEAR(f[0].score, 0.9, 1e-6);
	NEAR(f[0].x, 12.0, 1e-4);
	NEAR(f[0].y, 0.0, 1e-4);
	NEAR(f[0].w, 16.0, 1e-4);
	NEAR(f[0].h, 24.0, 1e-4);
	MT_TRUE(f[0].eyes);
	/* eye_l is the one on the image's left whatever the model's order */
	NEAR(f[0].eye_l[0], (2 + 0.25) * 8, 1e-4);
	NEAR(f[0].eye_r[0], (2 + 0.75) * 8, 1e-4);
	NEAR(f[0].eye_l[1], (1 + 0.25) * 8, 1e-4);
	/* below the minimum score: gone */
	n = identity_yunet_decode(&t.y, t.outs, 0.95f, 0.4f, f, 4);
	MT_EQ_INT(n, 0);
}

static void
test_yunet_suppresses_overlaps(void)
{
	yunet_fixture t;
	identity_det_face f[4];
	size_t n;

	yunet_init(&t);
	/* the same face at stride 8 (cell 5: centre (12, 12), 16 x 16) and,
	 * weaker, at stride 16 (cell 0: centre (8, 8), 16 x 16, IoU 0.39) */
	yunet_face(&t, 0, 5, 0.8f, logf(2.f), logf(2.f), 0.25f, 0.75f);
	yunet_face(&t, 1, 0, 0.7f, 0.f, 0.f, 0.25f, 0.75f);
	/* a second face, far away: stride 8, cell 15, centre (28, 28) */
	yunet_face(&t, 0, 15, 0.6f, 0.f, 0.f, 0.25f, 0.75f);
	n = identity_yunet_decode(&t.y, t.outs, 0.5f, 0.3f, f, 4);
	MT_EQ_INT(n, 2);
	NEAR(f[0].score, 0.8, 1e-6); /* best first */
	NEAR(f[0].x, 4.0, 1e-4);
	NEAR(f[1].score, 0.6, 1e-6);
	NEAR(f[1].x, 24.0, 1e-4);
	/* a looser threshold keeps the overlapping one, in score order */
	n = identity_yunet_decode(&t.y, t.outs, 0.5f, 0.5f, f, 4);
	MT_EQ_INT(n, 3);
	NEAR(f[1].score, 0.7, 1e-6);
	/* at most max */
	n = identity_yunet_decode(&t.y, t.outs, 0.5f, 0.5f, f, 1);
	MT_EQ_INT(n, 1);
	NEAR(f[0].score, 0.8, 1e-6);
	/* scores outside [0, 1] are clamped, NaN never passes */
	t.cls[2][0] = NAN;
	t.obj[2][0] = 1.f;
	t.cls[0][0] = 4.f;
	t.obj[0][0] = -1.f;
	n = identity_yunet_decode(&t.y, t.outs, 0.5f, 0.5f, f, 4);
	MT_EQ_INT(n, 3);
}

/* yunet_info describes a 32 x 32 YuNet model's input and outputs. */
static void
yunet_info(med_model_info *mi)
{
	static const char *const kinds[] = {"cls", "obj", "bbox", "kps"};
	static const int widths[] = {1, 1, 4, 10};
	static const int strides[] = {8, 16, 32};

	memset(mi, 0, sizeof(*mi));
	mi->n_inputs = 1;
	mi->inputs[0].n_dims = 4;
	mi->inputs[0].dims[0] = 1;
	mi->inputs[0].dims[1] = 3;
	mi->inputs[0].dims[2] = 32;
	mi->inputs[0].dims[3] = 64;
	for (int s = 0; s < 3; s++)
		for (int k = 0; k < 4; k++) {
			med_tensor_desc *d = &mi->outputs[mi->n_outputs++];
			int cells = (32 / strides[s]) * (64 / strides[s]);
			snprintf(d->name, sizeof(d->name), "%s_%d", kinds[k],
				 strides[s]);
			d->n_dims = 3;
			d->dims[0] = 1;
			d->dims[1] = cells;
			d->dims[2] = widths[k];
		}
}

static void
test_yunet_bind(void)
{
	med_model_info mi;
	identity_yunet y;
	char msg[128] = "";

	yunet_info(&mi);
	MT_OK(identity_yunet_bind(&mi, &y, msg, sizeof(msg)));
	MT_EQ_INT(y.in_w, 64);
	MT_EQ_INT(y.in_h, 32);
	MT_EQ_INT(y.cls[0], 0);
	MT_EQ_INT(y.kps[2], 11);
	/* a misshapen output is named */
	mi.outputs[7].dims[2] = 9; /* kps_16 */
	MT_EQ_INT(identity_yunet_bind(&mi, &y, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_EQ_STR(msg, "a yunet detector has an output kps_16 of [1, 8, 10]");
	/* an input side that is no multiple of 32 */
	yunet_info(&mi);
	mi.inputs[0].dims[3] = 48;
	MT_EQ_INT(identity_yunet_bind(&mi, &y, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "multiples of 32") != NULL);
}

/*
 * The decision of VerifyFace as a table: the score against a threshold of
 * 0.938 with a retake band of 0.02 and a quality floor of 0.5; the second
 * photograph's bar is the threshold plus the band (0.958, the rule before
 * issue 48) or a calibrated bar (bar).
 */
typedef struct decide_case {
	const char *name;
	double score, quality;
	bool second;
	identity_face_decision want;
	const char *reason_has; /* "" on a match */
	double bar;		/* 0: 0.958 */
} decide_case;

static const decide_case decide_cases[] = {
	{"at the threshold: a match", 0.938, 0.9, false, IDENTITY_FACE_MATCH,
	 "", 0},
	{"a poor photograph that matches still matches", 0.95, 0.1, false,
	 IDENTITY_FACE_MATCH, "", 0},
	{"just short: take another photograph", 0.937, 0.9, false,
	 IDENTITY_FACE_RETAKE, "just short of the threshold 0.938", 0},
	{"at the band's lower edge", 0.918, 0.9, false, IDENTITY_FACE_RETAKE,
	 "the retake band starts at 0.918", 0},
	{"under the band, good photograph: no match", 0.9179, 0.9, false,
	 IDENTITY_FACE_NO_MATCH, "not the patient's enrolled face", 0},
	{"under the band, poor photograph: take another", 0.5, 0.49, false,
	 IDENTITY_FACE_RETAKE_QUALITY, "quality is low (0.49, under 0.50)", 0},
	{"quality at the floor is good enough", 0.5, 0.5, false,
	 IDENTITY_FACE_NO_MATCH, "good quality (0.50)", 0},
	{"after a retake the bar is the threshold plus the band", 0.958, 0.9,
	 true, IDENTITY_FACE_MATCH, "", 0},
	{"after a retake, the threshold alone is not enough", 0.95, 0.9, true,
	 IDENTITY_FACE_NO_MATCH, "under the bar 0.958", 0},
	{"after a retake, no second retake", 0.93, 0.1, true,
	 IDENTITY_FACE_NO_MATCH, "second photograph after a retake", 0},
	{"a calibrated bar: the second photograph at it matches", 0.9391, 0.9,
	 true, IDENTITY_FACE_MATCH, "", 0.939},
	{"a calibrated bar: just under it, no match", 0.9389, 0.9, true,
	 IDENTITY_FACE_NO_MATCH, "under the bar 0.939", 0.939},
	{"a bar under the threshold is the threshold plus the band", 0.95, 0.9,
	 true, IDENTITY_FACE_NO_MATCH, "under the bar 0.958", 0.9},
};

static void
test_decide(void)
{
	for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]);
	     i++) {
		const decide_case *c = &decide_cases[i];
		identity_face_verdict v = {c->score,
					   0.938,
					   0.02,
					   c->quality,
					   0.5,
					   c->second,
					   c->bar > 0 ? c->bar : 0.958};
		char reason[256];
		identity_face_decision d =
			identity_face_decide(&v, reason, sizeof(reason));
		if (d != c->want || strstr(reason, c->reason_has) == NULL)
			fprintf(stderr, "case: %s: %s\n", c->name, reason);
		MT_EQ_INT(d, c->want);
		MT_TRUE(strstr(reason, c->reason_has) != NULL);
		MT_TRUE((reason[0] == '\0') == (d == IDENTITY_FACE_MATCH));
	}
}

static const mt_case cases[] = {
	{"crop_geometry", test_crop_geometry},
	{"roll_from_the_eyes", test_roll_from_the_eyes},
	{"rotation_levels_the_eyes", test_rotation_levels_the_eyes},
	{"pose_gate", test_pose_gate},
	{"sharpness_is_laplacian_variance",
	 test_sharpness_is_laplacian_variance},
	{"blur_gate", test_blur_gate},
	{"confirm_gate", test_confirm_gate},
	{"quality", test_quality},
	{"size_gates", test_size_gates},
	{"png_headers", test_png_headers},
	{"one_face_in_pieces", test_one_face_in_pieces},
	{"yunet_decodes_a_face", test_yunet_decodes_a_face},
	{"yunet_suppresses_overlaps", test_yunet_suppresses_overlaps},
	{"yunet_bind", test_yunet_bind},
	{"decide", test_decide},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
