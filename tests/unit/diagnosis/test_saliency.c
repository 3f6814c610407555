/*
 * test_saliency.c - where the model looked (saliency.c): the Grad-CAM
 * map's ReLU, bilinear upsampling and scaling to [0, 1], the occlusion
 * map of a model whose answer only its left half decides, and the PNG
 * overlay.
 */
#include "testlib.h"

#include "diagnosis.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* map_is fails unless got[0..n) equals want within 1e-6, naming the
 * first index that differs. */
static void
map_is(int line, const float *got, const float *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float d = got[i] - want[i];

		if (d > 1e-6f || d < -1e-6f)
			mt_fail(__FILE__, line, "map[%zu] == %g, want %g", i,
				(double)got[i], (double)want[i]);
	}
}

/* row_is expects the 2 x 1 map {left, right} upsampled to 4 x 1 to be
 * want. */
static void
row_is(int line, float left, float right, const float want[4])
{
	const float cam[2] = {left, right};
	float map[4];

	MT_OK(diagnosis_cam_map(cam, 2, 1, 4, 1, map));
	map_is(line, map, want, 4);
}

/* Half-pixel centres: output x of 4 reads source (x + 0.5) / 2 - 0.5 =
 * -0.25, 0.25, 0.75, 1.25, clamped at the edges.  ReLU comes before the
 * resampling: -1 must not pull its neighbour down (resampled first, the
 * map would be 0, 0, 0.5, 1). */
static void
test_cam_bilinear_after_relu(void)
{
	const float want[4] = {0, 0.25f, 0.75f, 1};

	row_is(__LINE__, 0, 1, want);
	row_is(__LINE__, -1, 1, want);
	row_is(__LINE__, 0, 2, want);
}

/* The largest value becomes 1 whatever the map's scale. */
static void
test_cam_scaled_to_one(void)
{
	const float cam[4] = {0.002f, 0.004f, 0, 0.001f};
	const float want[4] = {0.5f, 1, 0, 0.25f};
	float map[4];

	MT_OK(diagnosis_cam_map(cam, 2, 2, 2, 2, map));
	map_is(__LINE__, map, want, 4);
}

/* A map with no positive evidence for the label stays all 0, never NaN. */
static void
test_cam_nothing_positive(void)
{
	const float cam[4] = {-3, -1, 0, -0.5f};
	float map[16];

	MT_OK(diagnosis_cam_map(cam, 2, 2, 4, 4, map));
	for (size_t i = 0; i < N_OF(map); i++)
		MT_TRUE(map[i] == 0.0f);
}

/* A 7 x 7 map with one hot cell at row 2, column 5, as the shipped
 * model's: at 28 x 28 the peak is the cell's 4 x 4 block's centre
 * (rows 9-10, columns 21-22) and the map is 0 far from it. */
static void
test_cam_peak_lands_on_its_cell(void)
{
	float cam[49] = {0}, map[28 * 28];
	size_t best = 0;

	cam[2 * 7 + 5] = 0.3f;
	cam[6 * 7 + 0] = -0.9f;
	MT_OK(diagnosis_cam_map(cam, 7, 7, 28, 28, map));
	for (size_t i = 1; i < N_OF(map); i++)
		if (map[i] > map[best])
			best = i;
	MT_NEAR(map[best], 1.0f, 1e-6);
	MT_TRUE(best / 28 >= 9 && best / 28 <= 10);
	MT_TRUE(best % 28 >= 21 && best % 28 <= 22);
	MT_TRUE(map[27 * 28] == 0.0f);
	MT_TRUE(map[0] == 0.0f);
	for (size_t i = 0; i < N_OF(map); i++)
		MT_TRUE(map[i] >= 0.0f && map[i] <= 1.0f);
}

static void
test_cam_zero_size(void)
{
	const float cam[1] = {1};
	float map[4];

	MT_EQ_INT(diagnosis_cam_map(cam, 0, 1, 2, 2, map), MED_ERR_INVALID);
	MT_EQ_INT(diagnosis_cam_map(cam, 1, 1, 0, 2, map), MED_ERR_INVALID);
}

/* left_half is a model whose probability is the mean of the left half of
 * its 8 x 8 input: only the left half can matter. */
static med_err
left_half(void *ctx, const float *x, float *p)
{
	float s = 0;

	(void)ctx;
	for (int y = 0; y < 8; y++)
		for (int i = 0; i < 4; i++)
			s += x[y * 8 + i];
	*p = s / 32.0f;
	return MED_OK;
}

static void
test_occlusion_finds_what_matters(void)
{
	float x[64], map[64], p;
	diagnosis_occlusion o = {.x = x, .w = 8, .h = 8, .run = left_half};
	uint8_t *png = NULL;
	size_t len = 0;

	for (size_t i = 0; i < N_OF(x); i++)
		x[i] = 1.0f;
	MT_OK(left_half(NULL, x, &p));
	o.p_top = p;
	MT_OK(diagnosis_occlusion_map(&o, map));
	/* A 6-wide square reaches from the right half into the left one,
	 * so the right edge gets some credit, far less than the left. */
	for (int y = 0; y < 8; y++) {
		MT_TRUE(map[y * 8 + 1] > 0.5f);
		MT_TRUE(map[y * 8 + 7] < 0.5f * map[y * 8 + 1]);
	}
	MT_OK(diagnosis_overlay_png(x, map, 8, 8, 4, &png, &len));
	MT_TRUE(len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	free(png);
}

/* counted_run counts its calls; its probability is the input's first
 * pixel, so only the top-left square matters. */
static med_err
counted_run(void *ctx, const float *x, float *p)
{
	(*(int *)ctx)++;
	*p = x[0];
	return MED_OK;
}

/* At 224 x 224 the occlusion grid keeps 28 x 28's: 14 x 14 squares
 * (196 runs, not 12,544), each 48 pixels wide, stepping by 16. */
static void
test_occlusion_grid_scales_with_input(void)
{
	enum { S = 224 };
	float *x = malloc(sizeof(float) * S * S);
	float *map = malloc(sizeof(float) * S * S);
	int runs = 0;
	diagnosis_occlusion o = {.x = x,
				 .w = S,
				 .h = S,
				 .p_top = 1.0f,
				 .run = counted_run,
				 .ctx = &runs};

	MT_TRUE(x != NULL && map != NULL);
	for (size_t i = 0; i < (size_t)S * S; i++)
		x[i] = 1.0f;
	MT_OK(diagnosis_occlusion_map(&o, map));
	MT_EQ_INT(runs, 196);
	/* Only the square at (0, 0) hides pixel 0: its 48 x 48 pixels get
	 * the whole drop; the next pixel outside it, none. */
	MT_TRUE(map[0] > 0.99f && map[47 * S + 47] > 0.0f);
	MT_TRUE(map[48 * S + 48] == 0.0f);
	free(map);
	free(x);
}

static const mt_case cases[] = {
	{"occlusion_grid_scales_with_input",
	 test_occlusion_grid_scales_with_input},
	{"cam_bilinear_after_relu", test_cam_bilinear_after_relu},
	{"cam_scaled_to_one", test_cam_scaled_to_one},
	{"cam_nothing_positive", test_cam_nothing_positive},
	{"cam_peak_lands_on_its_cell", test_cam_peak_lands_on_its_cell},
	{"cam_zero_size", test_cam_zero_size},
	{"occlusion_finds_what_matters", test_occlusion_finds_what_matters},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
