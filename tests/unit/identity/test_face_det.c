/*
 * test_face_det.c - the ONNX detectors' shared parts on tensors made here:
 * Tiny YOLO v2's grid decoding and binding (face_tiny.h), non-maximum
 * suppression, and the dominant-face rule that picks the patient in a busy
 * photograph, at, just under and just over its margins (face_det.h).
 */
#include "testlib.h"

#include "face_det.h"
#include "face_tiny.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NEAR(a, b, eps) MT_NEAR(a, b, eps)

#define CELLS 4
#define PLANE (CELLS * CELLS)

/* grid_init makes a 4 x 4 grid of a 128 x 128 input where nothing scores
 * (objectness -20). */
static void
grid_init(float *g)
{
	memset(g, 0,
	       IDENTITY_TINY_ANCHORS * IDENTITY_TINY_FIELDS * PLANE *
		       sizeof(float));
	for (int a = 0; a < IDENTITY_TINY_ANCHORS; a++)
		for (int i = 0; i < PLANE; i++)
			g[(a * IDENTITY_TINY_FIELDS + 4) * PLANE + i] = -20.f;
}

/* grid_set gives anchor a of cell (r, c) raw values tx ty tw th obj. */
static void
grid_set(float *g, int a, int r, int c, const float v[5])
{
	for (int k = 0; k < 5; k++)
		g[(a * IDENTITY_TINY_FIELDS + k) * PLANE + r * CELLS + c] =
			v[k];
}

static void
test_tiny_decodes_a_face(void)
{
	float g[IDENTITY_TINY_ANCHORS * IDENTITY_TINY_FIELDS * PLANE];
	identity_tiny t = {128, CELLS};
	identity_det_face f[8];
	size_t n;

	grid_init(g);
	MT_EQ_INT(identity_tiny_candidates(&t, g, 0.4f, f, 8), 0);
	/* anchor 1 (6.041143 x 7.080126 cells) of row 2, column 1: centre
	 * ((1 + 0.5) * 32, (2 + 0.5) * 32) with tx = ty = 0, size
	 * exp(0) * anchor * 32 wide, exp(log 0.5) * anchor * 32 high */
	grid_set(g, 1, 2, 1, (const float[]){0.f, 0.f, 0.f, logf(0.5f), 2.f});
	n = identity_tiny_candidates(&t, g, 0.4f, f, 8);
	MT_EQ_INT(n, 1);
	NEAR(f[0].score, 1.0 / (1.0 + exp(-2.0)), 1e-6);
	NEAR(f[0].w, 6.041143 * 32, 1e-3);
	NEAR(f[0].h, 7.080126 * 16, 1e-3);
	NEAR(f[0].x, 48 - 6.041143 * 16, 1e-3);
	NEAR(f[0].y, 80 - 7.080126 * 8, 1e-3);
	MT_TRUE(!f[0].eyes && f[0].eye_l[0] == 0.f && f[0].eye_r[0] == 0.f);
	/* the score is the sigmoid of the objectness: 0.5 at 0, and a
	 * threshold just above it refuses it */
	grid_set(g, 1, 2, 1, (const float[]){0.f, 0.f, 0.f, 0.f, 0.f});
	MT_EQ_INT(identity_tiny_candidates(&t, g, 0.5f, f, 8), 1);
	MT_EQ_INT(identity_tiny_candidates(&t, g, 0.5001f, f, 8), 0);
	/* NaN never passes; at most max */
	grid_set(g, 0, 0, 0, (const float[]){0.f, 0.f, 0.f, 0.f, NAN});
	grid_set(g, 4, 3, 3, (const float[]){0.f, 0.f, 0.f, 0.f, 3.f});
	MT_EQ_INT(identity_tiny_candidates(&t, g, 0.4f, f, 8), 2);
	MT_EQ_INT(identity_tiny_candidates(&t, g, 0.4f, f, 1), 1);
}

static void
tiny_info(med_model_info *mi, int64_t side, int64_t ch, int64_t cells)
{
	memset(mi, 0, sizeof(*mi));
	mi->n_inputs = mi->n_outputs = 1;
	mi->inputs[0].n_dims = mi->outputs[0].n_dims = 4;
	mi->inputs[0].dims[0] = mi->outputs[0].dims[0] = 1;
	mi->inputs[0].dims[1] = 3;
	mi->inputs[0].dims[2] = mi->inputs[0].dims[3] = side;
	mi->outputs[0].dims[1] = ch;
	mi->outputs[0].dims[2] = mi->outputs[0].dims[3] = cells;
}

static void
test_tiny_bind(void)
{
	med_model_info mi;
	identity_tiny t;
	char msg[128] = "";

	tiny_info(&mi, 224, 25, 7);
	MT_OK(identity_tiny_bind(&mi, &t, msg, sizeof(msg)));
	MT_EQ_INT(t.in_size, 224);
	MT_EQ_INT(t.cells, 7);
	tiny_info(&mi, 224, 30, 7); /* six anchors, or classes */
	MT_EQ_INT(identity_tiny_bind(&mi, &t, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_EQ_STR(msg, "a tiny-yolo-face detector gives one output [1, 25, "
		       "C, C]");
	tiny_info(&mi, 224, 25, 7);
	mi.inputs[0].dims[3] = 320; /* not square */
	MT_EQ_INT(identity_tiny_bind(&mi, &t, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "[1, 3, S, S]") != NULL);
}

static identity_det_face
face(float x, float y, float w, float score)
{
	return (identity_det_face){
		.x = x, .y = y, .w = w, .h = w, .score = score};
}

static void
test_suppression_keeps_the_best_of_overlaps(void)
{
	identity_det_face cand[3] = {face(10, 10, 40, 0.6f),
				     face(12, 10, 40, 0.9f), /* IoU 0.90 */
				     face(100, 10, 40, 0.5f)};
	identity_det_face out[3];

	MT_EQ_INT(identity_det_suppress(cand, 3, 0.4f, out, 3), 2);
	NEAR(out[0].score, 0.9, 1e-6);
	NEAR(out[1].score, 0.5, 1e-6);
	MT_EQ_INT(identity_det_suppress(cand, 3, 0.95f, out, 3), 3);
	MT_EQ_INT(identity_det_suppress(cand, 3, 0.95f, out, 1), 1);
	MT_EQ_INT(identity_det_suppress(cand, 0, 0.4f, out, 3), 0);
}

/*
 * The dominant-face rule as a table: faces (x, y, w; square) in a 640 x 360
 * photograph, centre (320, 180), and what a person would say.  The
 * patient's face here is 120 px wide and centred at (320, 180).
 */
#define MAX_CASE_FACES 4
typedef struct dominant_case {
	const char *name;
	size_t n;
	float f[MAX_CASE_FACES][3];
	identity_det_verdict want;
	int pick; /* the face picked (ONE), else the rival's index */
} dominant_case;

static const dominant_case dominant_cases[] = {
	{"no face", 0, {{0}}, IDENTITY_DET_NONE, -1},
	{"one face anywhere", 1, {{0, 0, 30}}, IDENTITY_DET_ONE, 0},
	{"a bystander half as wide beside the patient",
	 2,
	 {{260, 120, 120}, {60, 40, 60}},
	 IDENTITY_DET_ONE,
	 0},
	{"the order of the faces does not matter",
	 2,
	 {{60, 40, 60}, {260, 120, 120}},
	 IDENTITY_DET_ONE,
	 1},
	{"a bystander as large at the frame's edge",
	 2,
	 {{260, 120, 120}, {560, 100, 120}},
	 IDENTITY_DET_ONE,
	 0},
	{"a bystander at the edge, cut off by the border",
	 2,
	 {{260, 120, 120}, {-50, 150, 110}},
	 IDENTITY_DET_ONE,
	 0},
	{"a bystander a twelfth wider at the edge (boxes vary so)",
	 2,
	 {{260, 120, 120}, {540, 100, 130}},
	 IDENTITY_DET_ONE,
	 0},
	{"a bystander clearly larger than the patient at the edge",
	 2,
	 {{260, 120, 120}, {520, 100, 140}},
	 IDENTITY_DET_AMBIGUOUS,
	 0},
	{"two of a size side by side near the centre",
	 2,
	 {{170, 120, 120}, {350, 120, 120}},
	 IDENTITY_DET_AMBIGUOUS,
	 1},
	{"a bystander 1.23 times smaller, off centre",
	 2,
	 {{260, 120, 120}, {120, 100, 120 / 1.23f}},
	 IDENTITY_DET_ONE,
	 0},
	{"just under 1.22 times as wide, off centre",
	 2,
	 {{260, 120, 120}, {120, 100, 120 / 1.21f}},
	 IDENTITY_DET_AMBIGUOUS,
	 1},
	{"1.2 times smaller but central too",
	 2,
	 {{200, 120, 120}, {340, 130, 100}},
	 IDENTITY_DET_AMBIGUOUS,
	 1},
	{"1.5 times as wide, neither at the edge",
	 2,
	 {{260, 120, 120}, {120, 100, 120 / 1.5f}},
	 IDENTITY_DET_ONE,
	 0},
	{"a large face at the edge and a smaller one central",
	 2,
	 {{520, 100, 110}, {290, 150, 70}},
	 IDENTITY_DET_AMBIGUOUS,
	 1},
	{"twice as wide wins wherever it stands",
	 2,
	 {{520, 100, 110}, {290, 150, 55}},
	 IDENTITY_DET_ONE,
	 0},
	{"every other face must be dominated",
	 3,
	 {{260, 120, 120}, {20, 20, 50}, {440, 140, 100}},
	 IDENTITY_DET_AMBIGUOUS,
	 2},
	{"a crowd of small faces behind the patient",
	 4,
	 {{260, 120, 120}, {20, 20, 50}, {500, 40, 60}, {560, 250, 80}},
	 IDENTITY_DET_ONE,
	 0},
	{"a face of about the size behind the patient's",
	 2,
	 {{260, 120, 120}, {320, 60, 110}},
	 IDENTITY_DET_OVERLAP,
	 1},
	{"a face just touching the patient's is beside it",
	 2,
	 {{260, 120, 120}, {370, 90, 70}},
	 IDENTITY_DET_ONE,
	 0},
	{"a smaller face overlapping the patient's is set aside",
	 2,
	 {{260, 120, 120}, {280, 60, 90}},
	 IDENTITY_DET_ONE,
	 0},
	{"a small face in the background behind the head",
	 2,
	 {{260, 120, 120}, {350, 110, 40}},
	 IDENTITY_DET_ONE,
	 0},
};

static void
test_dominant_face(void)
{
	for (size_t i = 0;
	     i < sizeof(dominant_cases) / sizeof(dominant_cases[0]); i++) {
		const dominant_case *c = &dominant_cases[i];
		identity_det_face f[MAX_CASE_FACES];
		for (size_t k = 0; k < c->n; k++)
			f[k] = face(c->f[k][0], c->f[k][1], c->f[k][2], 1.f);
		identity_det_choice got =
			identity_det_choose(f, c->n, 640, 360);
		if (got.verdict != c->want)
			fprintf(stderr, "case: %s\n", c->name);
		MT_EQ_INT(got.verdict, c->want);
		MT_EQ_INT(got.verdict == IDENTITY_DET_ONE ? got.pick
							  : got.rival,
			  c->pick);
		MT_EQ_INT(got.others,
			  got.verdict == IDENTITY_DET_ONE ? c->n - 1 : 0);
	}
}

static const mt_case cases[] = {
	{"tiny_decodes_a_face", test_tiny_decodes_a_face},
	{"tiny_bind", test_tiny_bind},
	{"suppression_keeps_the_best_of_overlaps",
	 test_suppression_keeps_the_best_of_overlaps},
	{"dominant_face", test_dominant_face},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
