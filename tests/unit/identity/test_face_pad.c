/*
 * test_face_pad.c - the presentation-attack stage's pure parts (pad.c):
 * MED_FACE_PAD's values, what a liveness score decides in each mode, the
 * square crop the liveness model sees, MiniFASNet's box crop (against
 * its authors' CropImage rule, as tools/facecal/minifasnet.py writes it),
 * and what a grey photograph decides.
 */
#include "testlib.h"

#include "face_pad.h"

#include <math.h>

static void
test_mode_parse(void)
{
	identity_pad_mode m = IDENTITY_PAD_WARN;

	MT_TRUE(identity_pad_mode_parse("off", &m));
	MT_EQ_INT(m, IDENTITY_PAD_OFF);
	MT_TRUE(identity_pad_mode_parse("enforce", &m));
	MT_EQ_INT(m, IDENTITY_PAD_ENFORCE);
	MT_TRUE(identity_pad_mode_parse("warn", &m));
	MT_EQ_INT(m, IDENTITY_PAD_WARN);
	MT_TRUE(!identity_pad_mode_parse("Enforce", &m));
	MT_TRUE(!identity_pad_mode_parse("", &m));
	MT_EQ_INT(m, IDENTITY_PAD_WARN); /* untouched on failure */
}

static void
test_decide_by_mode(void)
{
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_ENFORCE, true, 0.2, 0.75),
		  IDENTITY_PAD_REFUSED);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_WARN, true, 0.2, 0.75),
		  IDENTITY_PAD_FLAGGED);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_OFF, true, 0.2, 0.75),
		  IDENTITY_PAD_NOT_RUN);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_ENFORCE, false, 0.2, 0.75),
		  IDENTITY_PAD_NOT_RUN);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_ENFORCE, true, 0.9, 0.75),
		  IDENTITY_PAD_BONA_FIDE);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_WARN, true, 0.9, 0.75),
		  IDENTITY_PAD_BONA_FIDE);
}

static void
test_decide_edges(void)
{
	/* At the threshold is bona fide; NaN is no evidence of life. */
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_ENFORCE, true, 0.75, 0.75),
		  IDENTITY_PAD_BONA_FIDE);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_ENFORCE, true,
				      nextafter(0.75, 0), 0.75),
		  IDENTITY_PAD_REFUSED);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_ENFORCE, true, NAN, 0.75),
		  IDENTITY_PAD_REFUSED);
	MT_EQ_INT(identity_pad_decide(IDENTITY_PAD_WARN, true, NAN, 0.75),
		  IDENTITY_PAD_FLAGGED);
}

static void
test_decision_names(void)
{
	MT_EQ_STR(identity_pad_decision_name(IDENTITY_PAD_NOT_RUN), "not-run");
	MT_EQ_STR(identity_pad_decision_name(IDENTITY_PAD_BONA_FIDE),
		  "bona-fide");
	MT_EQ_STR(identity_pad_decision_name(IDENTITY_PAD_FLAGGED), "flagged");
	MT_EQ_STR(identity_pad_decision_name(IDENTITY_PAD_REFUSED), "refused");
	MT_EQ_STR(identity_pad_decision_name(IDENTITY_PAD_NOT_JUDGED),
		  "not-judged");
	MT_EQ_STR(identity_pad_decision_name((identity_pad_decision)42),
		  "not-run");
}

/* map applies m to crop pixel (u, v). */
static void
map(const double m[6], double u, double v, double *x, double *y)
{
	*x = m[0] * u + m[1] * v + m[2];
	*y = m[3] * u + m[4] * v + m[5];
}

static void
test_crop_covers_the_box_square(void)
{
	/* A 40 x 60 box at (100, 50): the square of side 60 around its
	 * centre (120, 80), from 90 to 150 across and 50 to 110 down. */
	const float box[4] = {100, 50, 40, 60};
	double m[6], x, y;

	identity_pad_crop(box, 1.0f, 32, m);
	MT_NEAR(m[0], 60.0 / 32, 1e-9);
	MT_NEAR(m[4], 60.0 / 32, 1e-9);
	MT_NEAR(m[1], 0, 1e-12);
	MT_NEAR(m[3], 0, 1e-12);
	/* Pixel centres: the first crop pixel's centre is half a crop
	 * pixel inside the square's corner (pixel-centre coordinates). */
	map(m, 0, 0, &x, &y);
	MT_NEAR(x, 90 + 60.0 / 64 - 0.5, 1e-9);
	MT_NEAR(y, 50 + 60.0 / 64 - 0.5, 1e-9);
	map(m, 31, 31, &x, &y);
	MT_NEAR(x, 150 - 60.0 / 64 - 0.5, 1e-9);
	MT_NEAR(y, 110 - 60.0 / 64 - 0.5, 1e-9);
}

static void
test_crop_scale_widens_around_the_centre(void)
{
	const float box[4] = {0, 0, 100, 100};
	double m1[6], m2[6], x1, y1, x2, y2;

	identity_pad_crop(box, 1.0f, 32, m1);
	identity_pad_crop(box, 1.5f, 32, m2);
	MT_NEAR(m2[0], 1.5 * m1[0], 1e-9);
	/* The centre of the crop stays on the box's centre. */
	map(m1, 15.5, 15.5, &x1, &y1);
	map(m2, 15.5, 15.5, &x2, &y2);
	MT_NEAR(x1, x2, 1e-9);
	MT_NEAR(y1, y2, 1e-9);
	MT_NEAR(x1, 49.5, 1e-9);
}

static void
test_grey_is_not_judged(void)
{
	/* A grey photograph is not judged whatever its score; warn answers
	 * it, enforce refuses it; off and a stage that did not run decide
	 * nothing. */
	MT_EQ_INT(identity_pad_judge(IDENTITY_PAD_WARN, true, true, 0.0, 0.7),
		  IDENTITY_PAD_NOT_JUDGED);
	MT_EQ_INT(
		identity_pad_judge(IDENTITY_PAD_ENFORCE, true, true, 0.0, 0.7),
		IDENTITY_PAD_NOT_JUDGED);
	MT_EQ_INT(identity_pad_judge(IDENTITY_PAD_OFF, true, true, 0.0, 0.7),
		  IDENTITY_PAD_NOT_RUN);
	MT_EQ_INT(
		identity_pad_judge(IDENTITY_PAD_ENFORCE, false, true, 0.0, 0.7),
		IDENTITY_PAD_NOT_RUN);
	MT_EQ_INT(
		identity_pad_judge(IDENTITY_PAD_ENFORCE, true, false, 0.2, 0.7),
		IDENTITY_PAD_REFUSED);
	MT_EQ_INT(identity_pad_judge(IDENTITY_PAD_WARN, true, false, 0.9, 0.7),
		  IDENTITY_PAD_BONA_FIDE);
	MT_TRUE(identity_pad_refuses(IDENTITY_PAD_ENFORCE,
				     IDENTITY_PAD_NOT_JUDGED));
	MT_TRUE(!identity_pad_refuses(IDENTITY_PAD_WARN,
				      IDENTITY_PAD_NOT_JUDGED));
	MT_TRUE(identity_pad_refuses(IDENTITY_PAD_ENFORCE,
				     IDENTITY_PAD_REFUSED));
	MT_TRUE(!identity_pad_refuses(IDENTITY_PAD_WARN, IDENTITY_PAD_FLAGGED));
	MT_TRUE(!identity_pad_refuses(IDENTITY_PAD_ENFORCE,
				      IDENTITY_PAD_BONA_FIDE));
}

/* box_corners checks that m maps the 80 x 80 crop onto whole pixels x0..x1
 * and y0..y1 of the photograph (both included), pixel centres. */
static void
box_corners(const double m[6], double x0, double y0, double x1, double y1)
{
	double sx = (x1 - x0 + 1) / 80, sy = (y1 - y0 + 1) / 80, x, y;

	MT_NEAR(m[0], sx, 1e-9);
	MT_NEAR(m[4], sy, 1e-9);
	MT_NEAR(m[1], 0, 1e-12);
	MT_NEAR(m[3], 0, 1e-12);
	map(m, 0, 0, &x, &y);
	MT_NEAR(x, x0 + sx / 2 - 0.5, 1e-9);
	MT_NEAR(y, y0 + sy / 2 - 0.5, 1e-9);
	map(m, 79, 79, &x, &y);
	MT_NEAR(x, x1 + 1 - sx / 2 - 0.5, 1e-9);
	MT_NEAR(y, y1 + 1 - sy / 2 - 0.5, 1e-9);
}

/* whole is the picture of a w x h photograph without borders. */
static identity_pad_rect
whole(uint32_t w, uint32_t h)
{
	return (identity_pad_rect){0, 0, w - 1, h - 1};
}

static void
test_box_crop_follows_the_authors(void)
{
	/* The expected corners are what the authors' rule (the Python of
	 * tools/facecal/minifasnet.py's crop) gives for the same boxes. */
	const float inside[4] = {100, 50, 40, 60};
	const float big[4] = {50, 40, 200, 200};
	const float corner[4] = {600, 400, 30, 50};
	double m[6];

	/* 2.7 x (40 x 60) about (120, 80): 108 x 162, its top above the
	 * photograph, moved down to 0; not made square. */
	identity_pad_crop_box(inside, 2.7, whole(640, 480), 80, m);
	box_corners(m, 66, 0, 174, 162);
	/* 4 x 200 does not fit 300 x 300: shrunk to the whole photograph. */
	identity_pad_crop_box(big, 4.0, whole(300, 300), 80, m);
	box_corners(m, 0, 0, 299, 299);
	/* Past the right and bottom edges: moved back inside. */
	identity_pad_crop_box(corner, 4.0, whole(640, 480), 80, m);
	box_corners(m, 519, 279, 639, 479);
}

static void
test_box_crop_stays_inside_the_picture(void)
{
	/* The 640 x 480 photograph of test_box_crop_follows_the_authors,
	 * padded by 100 black columns each side and 80 rows top and bottom:
	 * inside its picture the crop is the unpadded one, moved. */
	const float inside[4] = {200, 130, 40, 60};
	const float big[4] = {150, 120, 200, 200};
	identity_pad_rect padded = {100, 80, 739, 559};
	identity_pad_rect small = {100, 80, 399, 379};
	double m[6];

	identity_pad_crop_box(inside, 2.7, padded, 80, m);
	box_corners(m, 166, 80, 274, 242);
	identity_pad_crop_box(big, 4.0, small, 80, m);
	box_corners(m, 100, 80, 399, 379);
}

/* framed fills a w x h grey photograph with a gradient (every row and
 * column differs from its neighbours) inside a frame of colour v. */
static void
framed(float *px, uint32_t w, uint32_t h, identity_pad_rect pic, float v)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			bool in = x >= pic.x0 && x <= pic.x1 && y >= pic.y0 &&
				  y <= pic.y1;

			px[y * w + x] =
				in ? (float)(x + 2 * y) / (w + 2 * h) : v;
		}
}

static void
test_picture_inside_borders(void)
{
	enum { W = 40, H = 30 };
	float px[W * H];
	const identity_pad_rect cases[] = {
		{0, 0, W - 1, H - 1}, /* no border */
		{0, 5, W - 1, 24},    /* letterbox bars */
		{6, 0, 33, H - 1},    /* pillarbox bars */
		{3, 2, 30, 20},	      /* uneven padding */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		framed(px, W, H, cases[i], 0);
		identity_pad_rect r = identity_pad_picture(px, W, H, 1);

		MT_EQ_INT(r.x0, cases[i].x0);
		MT_EQ_INT(r.y0, cases[i].y0);
		MT_EQ_INT(r.x1, cases[i].x1);
		MT_EQ_INT(r.y1, cases[i].y1);
	}
	/* A white frame a few JPEG levels off is still a frame. */
	framed(px, W, H, cases[3], 1.0f - 5.0f / 255);
	px[0] = 1.0f;
	MT_EQ_INT(identity_pad_picture(px, W, H, 1).y0, 2);
	/* All one colour: the whole photograph. */
	for (size_t i = 0; i < W * H; i++)
		px[i] = 0.5f;
	identity_pad_rect r = identity_pad_picture(px, W, H, 1);
	MT_EQ_INT(r.x0, 0);
	MT_EQ_INT(r.y1, H - 1);
}

static void
test_grey_pixels(void)
{
	float px[4 * 3] = {0.5f, 0.5f, 0.5f, 0.2f, 0.2f, 0.2f,
			   0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f};

	MT_TRUE(identity_pad_is_grey(px, 4));
	/* One JPEG step of chroma on every pixel is still grey. */
	for (int i = 0; i < 4; i++)
		px[3 * i] += 1.0f / 255;
	MT_TRUE(identity_pad_is_grey(px, 4));
	/* A skin tone is colour. */
	px[0] = 0.8f;
	px[1] = 0.6f;
	px[2] = 0.5f;
	MT_TRUE(!identity_pad_is_grey(px, 4));
}

static const mt_case cases[] = {
	{"mode_parse", test_mode_parse},
	{"decide_by_mode", test_decide_by_mode},
	{"decide_edges", test_decide_edges},
	{"decision_names", test_decision_names},
	{"crop_covers_the_box_square", test_crop_covers_the_box_square},
	{"crop_scale_widens_around_the_centre",
	 test_crop_scale_widens_around_the_centre},
	{"grey_is_not_judged", test_grey_is_not_judged},
	{"box_crop_follows_the_authors", test_box_crop_follows_the_authors},
	{"box_crop_stays_inside_the_picture",
	 test_box_crop_stays_inside_the_picture},
	{"picture_inside_borders", test_picture_inside_borders},
	{"grey_pixels", test_grey_pixels},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
