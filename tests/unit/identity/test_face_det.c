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

static void
test_dominant_face(void)
{
	/* a 400 x 300 photograph, centre (200, 150) */
	identity_det_face near_big = face(150, 100, 100, 1.f); /* centred */
	identity_det_face f[3];

	f[0] = near_big;
	MT_EQ_INT(identity_det_dominant(f, 1, 400, 300), 0);
	MT_EQ_INT(identity_det_dominant(f, 0, 400, 300), -1);
	/* 1.5 times as wide (area 2.25x), farther out: dominated */
	f[1] = face(10, 10, 100.f / 1.5f, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 2, 400, 300), 0);
	/* just under 1.5 times as wide: comparably prominent */
	f[1] = face(10, 10, 100.f / 1.49f, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 2, 400, 300), -1);
	/* the smaller face nearer the centre than the larger one needs the
	 * larger one twice as wide (area 4x) */
	f[0] = face(0, 0, 100, 1.f);
	f[1] = face(180, 130, 51, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 2, 400, 300), -1);
	f[1] = face(180, 130, 50, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 2, 400, 300), 0);
	/* the order does not matter, and every other face must be dominated */
	f[0] = face(10, 10, 30, 1.f);
	f[1] = near_big;
	f[2] = face(300, 200, 60, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 3, 400, 300), 1);
	f[2] = face(300, 200, 70, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 3, 400, 300), -1);
	/* two equal faces side by side: refused */
	f[0] = face(50, 100, 100, 1.f);
	f[1] = face(250, 100, 100, 1.f);
	MT_EQ_INT(identity_det_dominant(f, 2, 400, 300), -1);
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
