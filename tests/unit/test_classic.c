/*
 * test_classic.c - the cpu backend's classic face models through the host:
 * a hand-written Haar cascade on a hand-made image with the windows worked
 * out by hand, malformed cascades refused with the reason in the message,
 * a corruption replay of the XML reader, Debian's cascades loaded when
 * opencv-data is installed, and the LBP embedder's codes, bins and
 * normalisation checked on images small enough to do by hand.  Detection
 * parity with OpenCV on real photographs is
 * tests/integration/test_classic_faces.py.
 */
#include "testlib.h"

#include <math.h>
#include <med/infer.h>
#include <med/log.h>
#include <stdint.h>
#include <unistd.h>

#define HAAR_DIR "/usr/share/opencv4/haarcascades"

static med_infer_host *
cpu_host(void)
{
	const char *b = getenv("BUILD");
	char dir[512];
	med_infer_config cfg = {.plugin_dir = dir, .threads = 1};
	med_infer_host *h = NULL;

	snprintf(dir, sizeof(dir), "%s/plugins", b && b[0] ? b : "build");
	MT_OK(med_infer_host_new(&cfg, &h));
	MT_EQ_STR(med_infer_backend_name(h, 0), "cpu");
	return h;
}

/*
 * A 6x6 cascade, one stage of one stump: feature 0 is (left half) minus
 * (right half) (the whole window at -1 plus the left half at 2); a window
 * passes when that is >= 0.  Feature 1 is unused.
 */
static const char tiny_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!-- a hand-written cascade -->\n"
	"<opencv_storage>\n"
	"<cascade type_id=\"opencv-cascade-classifier\">"
	"<stageType>BOOST</stageType>\n"
	"  <featureType>HAAR</featureType>\n"
	"  <height>6</height>\n  <width>6</width>\n"
	"  <stageParams><maxWeakCount>1</maxWeakCount></stageParams>\n"
	"  <featureParams><maxCatCount>0</maxCatCount></featureParams>\n"
	"  <stageNum>1</stageNum>\n"
	"  <stages>\n    <_>\n      <maxWeakCount>1</maxWeakCount>\n"
	"      <stageThreshold>0.</stageThreshold>\n"
	"      <weakClassifiers>\n        <_>\n"
	"          <internalNodes>\n            0 -1 0 0.</internalNodes>\n"
	"          <leafValues>\n            -1. 1.</leafValues></_>"
	"</weakClassifiers></_></stages>\n"
	"  <features>\n    <_>\n      <rects>\n"
	"        <_>\n          0 0 6 6 -1.</_>\n"
	"        <_>\n          0 0 3 6 2.</_></rects>\n"
	"      <tilted>0</tilted></_>\n"
	"    <_>\n      <rects>\n        <_>\n          1 1 2 2 1.</_></rects>"
	"</_></features></cascade>\n"
	"</opencv_storage>\n";

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	MT_TRUE(f != NULL && fwrite(text, 1, len, f) == len);
	fclose(f);
}

/* replace returns a copy of tiny_xml with from replaced by to. */
static char *
replace(const char *from, const char *to)
{
	const char *at = strstr(tiny_xml, from);
	size_t n = sizeof(tiny_xml) + strlen(to);
	char *s = malloc(n);

	MT_TRUE(at != NULL && s != NULL);
	snprintf(s, n, "%.*s%s%s", (int)(at - tiny_xml), tiny_xml, to,
		 at + strlen(from));
	return s;
}

static med_err
load(med_infer_host *h, const char *format, const char *path,
     const med_plugin_kv *kv, size_t n_kv, med_infer_model **m, char *msg)
{
	med_infer_model_opts o = {.format = format,
				  .path = path,
				  .device = MED_DEVICE_CPU,
				  .opts = kv,
				  .n_opts = n_kv};

	msg[0] = '\0';
	return med_infer_model_load(h, &o, m, msg, 256);
}

/* run_haar runs an image and returns the box count (boxes in b). */
static int64_t
run_haar(med_infer_model *m, const uint8_t *img, int w, int h, float *b)
{
	med_tensor in = {.dtype = MED_DTYPE_U8,
			 .n_dims = 4,
			 .dims = {1, 1, h, w},
			 .data = (void *)img,
			 .size = (size_t)w * h};
	int64_t count = -1;
	med_tensor out[2] = {{.data = b, .size = 64 * 5 * sizeof(float)},
			     {.data = &count, .size = sizeof(count)}};
	char msg[256];

	if (med_infer_run(m, &in, 1, out, 2, msg, sizeof(msg)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "run: %s", msg);
	return count;
}

/* A 12x12 image, columns 0-5 at 200 and 6-11 at 0 (or mirrored). */
static void
edge_image(uint8_t *img, int bright_left)
{
	for (int y = 0; y < 12; y++)
		for (int x = 0; x < 12; x++)
			img[y * 12 + x] = (x < 6) == !!bright_left ? 200 : 0;
}

/*
 * test_haar_tiny: with max_size 6 only scale 1 runs; windows step 2 over
 * x, y in {0, 2, 4, 6}.  x = 0 and x = 6 are flat (no variance: skipped);
 * x = 2 and x = 4 have a brighter left half, so they pass: 8 windows.
 * Raw (min_neighbors 0) all 8 come out; grouped (3) none has neighbours.
 * Mirrored, the feature is negative and nothing passes.
 */
static void
test_haar_tiny(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv raw[] = {{"max_size", "6"}, {"min_neighbors", "0"}};
	med_plugin_kv grouped[] = {{"max_size", "6"}};
	med_infer_model *m = NULL, *g = NULL;
	char path[512], msg[256];
	uint8_t img[144];
	float b[64 * 5];

	snprintf(path, sizeof(path), "%s/tiny.xml", mt_tmpdir());
	write_file(path, tiny_xml, strlen(tiny_xml));
	if (load(h, "haar-xml", path, raw, 2, &m, msg) != MED_OK)
		mt_fail(__FILE__, __LINE__, "load: %s", msg);
	const med_model_info *info = med_infer_model_info(m);
	MT_EQ_INT(info->n_inputs, 1);
	MT_EQ_INT(info->inputs[0].dims[2], -1);
	MT_EQ_INT(info->n_outputs, 2);
	MT_EQ_STR(info->outputs[0].name, "boxes");
	MT_EQ_INT(info->outputs[0].dims[1], 64);
	MT_EQ_INT(info->outputs[0].dims[2], 5);
	MT_EQ_INT(info->outputs[1].dtype, MED_DTYPE_I64);
	edge_image(img, 1);
	MT_EQ_INT(run_haar(m, img, 12, 12, b), 8);
	for (int i = 0; i < 8; i++) {
		MT_EQ_INT(b[5 * i], 2 + 2 * (i % 2));
		MT_EQ_INT(b[5 * i + 1], 2 * (i / 2));
		MT_EQ_INT(b[5 * i + 2], 6);
		MT_EQ_INT(b[5 * i + 3], 6);
		MT_EQ_INT(b[5 * i + 4], 1);
	}
	MT_EQ_INT(b[5 * 8], 0);
	edge_image(img, 0);
	MT_EQ_INT(run_haar(m, img, 12, 12, b), 0);
	MT_OK(load(h, "haar-xml", path, grouped, 1, &g, msg));
	edge_image(img, 1);
	MT_EQ_INT(run_haar(g, img, 12, 12, b), 0);
	med_infer_model_free(g);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

/* expect_refused writes text as a cascade and wants word in the error. */
static void
expect_refused(med_infer_host *h, const char *text, size_t len,
	       const char *word)
{
	char path[512], msg[256];
	med_infer_model *m = NULL;

	snprintf(path, sizeof(path), "%s/bad.xml", mt_tmpdir());
	write_file(path, text, len);
	MT_EQ_INT(load(h, "haar-xml", path, NULL, 0, &m, msg), MED_ERR_INVALID);
	if (strstr(msg, word) == NULL)
		mt_fail(__FILE__, __LINE__, "'%s' lacks '%s'", msg, word);
}

static void
expect_replaced(med_infer_host *h, const char *from, const char *to,
		const char *word)
{
	char *s = replace(from, to);

	expect_refused(h, s, strlen(s), word);
	free(s);
}

static void
test_haar_malformed(void)
{
	med_infer_host *h = cpu_host();
	char deep[80 * 7 + 1];

	expect_refused(h, tiny_xml,
		       (size_t)(strstr(tiny_xml, "<features>") - tiny_xml),
		       "not closed");
	expect_refused(h, tiny_xml, sizeof(tiny_xml) / 2, "xml line");
	expect_replaced(h, "</stages>", "</stagez>", "closes");
	expect_replaced(h, "0 -1 0 0.", "0 -1 0", "do not form a tree");
	expect_replaced(h, "0 -1 0 0.", "0 -1 zero 0.", "do not form a tree");
	expect_replaced(h, "0 -1 0 0.", "0 -1 7 0.", "uses feature 7");
	expect_replaced(h, "0 -1 0 0.", "0 3 0 0.", "bad child");
	expect_replaced(h, "0 0 3 6 2.", "0 0 30 6 2.", "inside the 6x6");
	expect_replaced(h, "<tilted>0", "<tilted>1", "tilted");
	expect_replaced(h, "<featureType>HAAR", "<featureType>LBP",
			"featureType");
	expect_replaced(h, "<width>6", "<width>100000", "width and height");
	expect_replaced(h, "<stageThreshold>0.</stageThreshold>", "",
			"stageThreshold");
	expect_replaced(h, "<?xml", "<!DOCTYPE x><?xml", "DOCTYPE");
	expect_replaced(h, "<opencv_storage>", "<other>", "closes");
	expect_refused(h, "<opencv_storage/>", 17, "not an OpenCV cascade");
	expect_refused(h, "", 0, "no root element");
	for (int i = 0; i < 80; i++) {
		memcpy(deep + 3 * i, "<a>", 3);
		memcpy(deep + 80 * 3 + 4 * i, "</a>", 4);
	}
	deep[80 * 7] = '\0';
	expect_refused(h, deep, strlen(deep), "nested too deeply");
	med_infer_host_free(h);
}

static void
test_haar_options(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv bad[][1] = {{{"scale_factor", "1.0"}},
				  {{"min_neighbors", "-1"}},
				  {{"min_size", "ten"}},
				  {{"colour", "red"}}};
	const char *word[] = {"scale_factor", "min_neighbors", "min_size",
			      "colour unknown"};
	med_infer_model *m = NULL;
	char path[512], msg[256];

	snprintf(path, sizeof(path), "%s/tiny.xml", mt_tmpdir());
	write_file(path, tiny_xml, strlen(tiny_xml));
	for (int i = 0; i < 4; i++) {
		MT_EQ_INT(load(h, "haar-xml", path, bad[i], 1, &m, msg),
			  MED_ERR_INVALID);
		if (strstr(msg, word[i]) == NULL)
			mt_fail(__FILE__, __LINE__, "'%s' lacks '%s'", msg,
				word[i]);
	}
	MT_EQ_INT(load(h, "haar-xml", "/nonexistent.xml", NULL, 0, &m, msg),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "cannot open") != NULL);
	med_infer_host_free(h);
}

/* test_haar_corruption_replay: truncations and byte flips of the tiny
 * cascade (a fixed xorshift sequence) load or fail cleanly. */
static void
test_haar_corruption_replay(void)
{
	med_infer_host *h = cpu_host();
	size_t len = strlen(tiny_xml);
	char *mut = malloc(len + 1), path[512];
	uint64_t s = 0x2545f4914f6cdd1dull;

	snprintf(path, sizeof(path), "%s/m.xml", mt_tmpdir());
	for (int i = 0; i < 400; i++) {
		size_t n = len;
		memcpy(mut, tiny_xml, len);
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		if (i % 2 == 0)
			n = s % len;
		else
			mut[s % len] = (char)(s >> 56);
		write_file(path, mut, n);
		med_infer_model_opts o = {.format = "haar-xml", .path = path};
		med_infer_model *m = NULL;
		if (med_infer_model_load(h, &o, &m, NULL, 0) == MED_OK) {
			uint8_t img[144];
			float b[64 * 5];
			edge_image(img, 1);
			MT_TRUE(run_haar(m, img, 12, 12, b) <= 64);
			med_infer_model_free(m);
		}
	}
	free(mut);
	med_infer_host_free(h);
}

/* test_haar_debian: Debian's frontal-face and eye cascades load and run on
 * a synthetic image; the tilted ones are refused by name. */
static void
test_haar_debian(void)
{
	static const char *ok[] = {"frontalface_default", "frontalface_alt",
				   "frontalface_alt2", "frontalface_alt_tree",
				   "eye"};
	med_infer_host *h;
	char path[512], msg[256];
	uint8_t *img = malloc(160 * 120);
	float b[64 * 5];

	if (access(HAAR_DIR "/haarcascade_frontalface_default.xml", R_OK))
		MT_SKIP("opencv-data not installed");
	h = cpu_host();
	for (int i = 0; i < 160 * 120; i++)
		img[i] = (uint8_t)((i * 7919u + (i / 160) * 104729u) % 256u);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		med_infer_model *m = NULL;
		snprintf(path, sizeof(path), HAAR_DIR "/haarcascade_%s.xml",
			 ok[i]);
		if (load(h, "haar-xml", path, NULL, 0, &m, msg) != MED_OK)
			mt_fail(__FILE__, __LINE__, "%s: %s", ok[i], msg);
		int64_t n = run_haar(m, img, 160, 120, b);
		MT_TRUE(n >= 0 && n <= 64);
		med_infer_model_free(m);
	}
	snprintf(path, sizeof(path),
		 HAAR_DIR "/haarcascade_eye_tree_eyeglasses.xml");
	med_infer_model *m = NULL;
	MT_EQ_INT(load(h, "haar-xml", path, NULL, 0, &m, msg), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "tilted") != NULL);
	free(img);
	med_infer_host_free(h);
}

/* ---- LBP ---- */

static void
run_lbp(med_infer_model *m, const uint8_t *img, int w, int h, float *e,
	size_t n)
{
	med_tensor in = {.dtype = MED_DTYPE_U8,
			 .n_dims = 4,
			 .dims = {1, 1, h, w},
			 .data = (void *)img,
			 .size = (size_t)w * h};
	med_tensor out = {.data = e, .size = n * sizeof(float)};
	char msg[256];

	if (med_infer_run(m, &in, 1, &out, 1, msg, sizeof(msg)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "run: %s", msg);
}

static med_infer_model *
lbp_model(med_infer_host *h, const med_plugin_kv *kv, size_t n)
{
	med_infer_model *m = NULL;
	char msg[256];

	if (load(h, "lbp", NULL, kv, n, &m, msg) != MED_OK)
		mt_fail(__FILE__, __LINE__, "load: %s", msg);
	return m;
}

/* only_bin checks that cell c of e has all its mass in bin b. */
static void
only_bin(const float *e, int c, int b, float v)
{
	for (int k = 0; k < 59; k++)
		if (fabsf(e[c * 59 + k] - (k == b ? v : 0.f)) > 1e-6f)
			mt_fail(__FILE__, __LINE__, "cell %d bin %d: %g", c, k,
				(double)e[c * 59 + k]);
}

/*
 * test_lbp_by_hand: a 4x3 image holds two 3x3 neighbourhoods (a 2x1 grid,
 * one LBP pixel per cell):
 *
 *     10 60 50 99
 *     40 50 20 99
 *     70 30 90 99
 *
 * Centre 50: neighbours clockwise from the top left 10 60 50 20 90 30 70
 * 40, >= 50 at bits 1, 2 (equal counts), 4, 6: code 86, six transitions,
 * the non-uniform bin 58.  Centre 20: 60 50 99 99 99 90 30 50 all >= 20:
 * code 255, bin 57 (the last uniform code).  Each cell has all its mass in
 * one bin: sqrt(1) / sqrt(2 cells).
 */
static void
test_lbp_by_hand(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv kv[] = {{"grid_x", "2"}, {"grid_y", "1"}};
	med_infer_model *m = lbp_model(h, kv, 2);
	const uint8_t img[12] = {10, 60, 50, 99, 40, 50,
				 20, 99, 70, 30, 90, 99};
	float e[2 * 59];

	MT_EQ_INT(med_infer_model_info(m)->outputs[0].dims[1], 2 * 59);
	run_lbp(m, img, 4, 3, e, 2 * 59);
	only_bin(e, 0, 58, 1.f / sqrtf(2.f));
	only_bin(e, 1, 57, 1.f / sqrtf(2.f));
	med_infer_model_free(m);
	med_infer_host_free(h);
}

/* test_lbp_uniform_bins: code 7 (the top three neighbours brighter) lands
 * in bin 6, after uniform codes 0 1 2 3 4 6; a flat image (every neighbour
 * equal: code 255) in bin 57. */
static void
test_lbp_uniform_bins(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv kv[] = {{"grid", "1"}};
	med_infer_model *m = lbp_model(h, kv, 1);
	const uint8_t seven[9] = {60, 70, 80, 10, 40, 10, 10, 10, 10};
	uint8_t flat[25];
	float e[59];

	run_lbp(m, seven, 3, 3, e, 59);
	only_bin(e, 0, 6, 1.f);
	memset(flat, 99, sizeof(flat));
	run_lbp(m, flat, 5, 5, e, 59);
	only_bin(e, 0, 57, 1.f);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

/* test_lbp_monotonic: an increasing change of grey levels (v + v*v/128,
 * no two levels merged) leaves the embedding bit for bit the same; the
 * embedding has unit norm and the default shape. */
static void
test_lbp_monotonic(void)
{
	med_infer_host *h = cpu_host();
	med_infer_model *m = lbp_model(h, NULL, 0);
	uint8_t a[96 * 112], b[96 * 112];
	static float ea[8 * 8 * 59], eb[8 * 8 * 59];
	uint64_t s = 88172645463325252ull;
	double norm = 0;

	MT_EQ_INT(med_infer_model_info(m)->outputs[0].dims[1], 8 * 8 * 59);
	for (size_t i = 0; i < sizeof(a); i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		a[i] = (uint8_t)((s >> 33) % 128);
		b[i] = (uint8_t)(a[i] + a[i] * a[i] / 128);
	}
	run_lbp(m, a, 96, 112, ea, 8 * 8 * 59);
	run_lbp(m, b, 96, 112, eb, 8 * 8 * 59);
	MT_TRUE(memcmp(ea, eb, sizeof(ea)) == 0);
	for (size_t i = 0; i < 8 * 8 * 59; i++)
		norm += (double)ea[i] * ea[i];
	MT_TRUE(fabs(norm - 1.0) < 1e-4);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

/*
 * test_lbp_circular_by_hand: with circular = 1 the diagonal neighbours sit
 * on the circle, between pixels.  Centre 50, only the top-right corner
 * bright:
 *
 *      0  0 60
 *      0 50  0
 *      0  0  0
 *
 * On the square that corner (60 >= 50) is bit 2: code 4, bin 4.  On the
 * unit circle the top-right neighbour is at (0.707, -0.707), read as
 * 0.5*60 + 0.0858*50 + 0.2071*(0 + 0) = 34.3 < 50: code 0, bin 0.
 */
static void
test_lbp_circular_by_hand(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv sq[] = {{"grid", "1"}};
	med_plugin_kv ci[] = {{"grid", "1"}, {"circular", "1"}};
	med_infer_model *ms = lbp_model(h, sq, 1), *mc = lbp_model(h, ci, 2);
	const uint8_t img[9] = {0, 0, 60, 0, 50, 0, 0, 0, 0};
	float e[59];

	run_lbp(ms, img, 3, 3, e, 59);
	only_bin(e, 0, 4, 1.f);
	run_lbp(mc, img, 3, 3, e, 59);
	only_bin(e, 0, 0, 1.f);
	med_infer_model_free(ms);
	med_infer_model_free(mc);
	med_infer_host_free(h);
}

/*
 * test_lbp_circular_invariance: the service's model (radius 3, circular,
 * 8x8) has 8*8*59 values of unit norm, gives the same bits twice, and the
 * same bits when every grey level is raised by 40 (a brighter photograph);
 * doubling the contrast moves it by almost nothing (interpolated values
 * that tie the centre within the 1e-3 slack may flip).
 */
static void
test_lbp_circular_invariance(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv kv[] = {{"radius", "3"}, {"circular", "1"}};
	med_infer_model *m = lbp_model(h, kv, 2);
	enum { W = 92, H = 112, D = 8 * 8 * 59 };
	static uint8_t a[W * H], b[W * H], c[W * H];
	static float ea[D], ea2[D], eb[D], ec[D];
	uint64_t s = 88172645463325252ull;
	double norm = 0, dot = 0;

	MT_EQ_INT(med_infer_model_info(m)->outputs[0].dims[1], D);
	for (size_t i = 0; i < sizeof(a); i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		/* smooth-ish structure plus noise, in 0..127 */
		a[i] = (uint8_t)((i % W + i / W) / 2 % 64 + (s >> 33) % 64);
		b[i] = (uint8_t)(a[i] + 40);
		c[i] = (uint8_t)(2 * a[i]);
	}
	run_lbp(m, a, W, H, ea, D);
	run_lbp(m, a, W, H, ea2, D);
	run_lbp(m, b, W, H, eb, D);
	run_lbp(m, c, W, H, ec, D);
	MT_TRUE(memcmp(ea, ea2, sizeof(ea)) == 0);
	MT_TRUE(memcmp(ea, eb, sizeof(ea)) == 0);
	for (size_t i = 0; i < D; i++) {
		norm += (double)ea[i] * ea[i];
		dot += (double)ea[i] * ec[i];
	}
	MT_TRUE(fabs(norm - 1.0) < 1e-4);
	MT_TRUE(dot > 0.999);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

static void
test_lbp_refusals(void)
{
	med_infer_host *h = cpu_host();
	med_plugin_kv bad[] = {
		{"radius", "0"}, {"grid", "99"}, {"p", "8"}, {"circular", "2"}};
	med_infer_model *m = NULL;
	char msg[256];
	uint8_t img[64] = {0};
	float e[8 * 8 * 59];

	for (int i = 0; i < 4; i++) {
		MT_EQ_INT(load(h, "lbp", NULL, &bad[i], 1, &m, msg),
			  MED_ERR_INVALID);
		MT_TRUE(strstr(msg, bad[i].key) != NULL);
	}
	m = lbp_model(h, NULL, 0);
	med_tensor in = {.dtype = MED_DTYPE_U8,
			 .n_dims = 4,
			 .dims = {1, 1, 8, 8},
			 .data = img,
			 .size = 64};
	med_tensor out = {.data = e, .size = sizeof(e)};
	MT_TRUE(med_infer_run(m, &in, 1, &out, 1, msg, sizeof(msg)) != MED_OK);
	MT_TRUE(strstr(msg, "too small") != NULL);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

static const mt_case cases[] = {
	{"haar_tiny", test_haar_tiny},
	{"haar_malformed", test_haar_malformed},
	{"haar_options", test_haar_options},
	{"haar_corruption_replay", test_haar_corruption_replay},
	{"haar_debian", test_haar_debian},
	{"lbp_by_hand", test_lbp_by_hand},
	{"lbp_uniform_bins", test_lbp_uniform_bins},
	{"lbp_monotonic", test_lbp_monotonic},
	{"lbp_circular_by_hand", test_lbp_circular_by_hand},
	{"lbp_circular_invariance", test_lbp_circular_invariance},
	{"lbp_refusals", test_lbp_refusals},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	/* Refusals log at error; keep the test output readable. */
	med_log_init("test_classic", MED_LOG_WARN + 2);
	return mt_main(argc, argv, cases);
}
