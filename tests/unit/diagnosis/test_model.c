/*
 * test_model.c - the image model's pure parts (model.c): the model id and
 * labels from the configuration, the one model shape the service feeds
 * (with or without a Grad-CAM output),
 * the preprocessing as training did it (area averaging, then (v - 0.5) /
 * 0.5) and the top label.
 */
#include "testlib.h"

#include <med/util.h>

#include "diagnosis.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* near_f fails unless got is want within 1e-5, naming index i. */
static void
near_f(int line, size_t i, float got, float want)
{
	float d = got - want;

	if (d > 1e-5f || d < -1e-5f)
		mt_fail(__FILE__, line, "x[%zu] == %g, want %g", i, (double)got,
			(double)want);
}

/* id_is expects the model id of path to be want. */
static void
id_is(int line, const char *path, const char *want)
{
	char id[64];

	diagnosis_model_id(path, id, sizeof(id));
	if (strcmp(id, want) != 0)
		mt_fail(__FILE__, line, "id of %s: \"%s\", want \"%s\"", path,
			id, want);
}

static void
test_model_id(void)
{
	char id[5];

	id_is(__LINE__, "/srv/models/pneumonia_cnn_v1.onnx",
	      "pneumonia_cnn_v1");
	id_is(__LINE__, "pneumonia_cnn_v1.onnx", "pneumonia_cnn_v1");
	id_is(__LINE__, "models/cxr.v2.onnx", "cxr.v2");
	id_is(__LINE__, "models/cxr.onnx.bak", "cxr.onnx.bak");
	id_is(__LINE__, "models/cxr", "cxr");
	id_is(__LINE__, "models.onnx/cxr", "cxr");
	/* a name longer than the buffer is cut, never overrun */
	diagnosis_model_id("abcdefghij.onnx", id, sizeof(id));
	MT_EQ_STR(id, "abcd");
}

static void
test_labels(void)
{
	const char *l[4];
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", "normal,pneumonia");
	MT_EQ_INT(diagnosis_labels_split(buf, l, N_OF(l)), 2);
	MT_EQ_STR(l[0], "normal");
	MT_EQ_STR(l[1], "pneumonia");
	snprintf(buf, sizeof(buf), "%s", "a,,b");
	MT_EQ_INT(diagnosis_labels_split(buf, l, N_OF(l)), 3);
	MT_EQ_STR(l[1], "");
	MT_EQ_STR(l[2], "b");
	snprintf(buf, sizeof(buf), "%s", "a,b,");
	MT_EQ_INT(diagnosis_labels_split(buf, l, N_OF(l)), 2);
	snprintf(buf, sizeof(buf), "%s", "");
	MT_EQ_INT(diagnosis_labels_split(buf, l, N_OF(l)), 0);
	snprintf(buf, sizeof(buf), "%s", "a,b,c,d,e,f");
	MT_EQ_INT(diagnosis_labels_split(buf, l, N_OF(l)), 4);
	MT_EQ_STR(l[3], "d");
}

/* good_info is the shape of the shipped model: [1,1,224,224] → [1,2]. */
static med_model_info
good_info(void)
{
	med_model_info info = {.n_inputs = 1, .n_outputs = 1};

	info.inputs[0] = (med_tensor_desc){
		.dtype = MED_DTYPE_F32, .n_dims = 4, .dims = {1, 1, 224, 200}};
	info.outputs[0] = (med_tensor_desc){
		.dtype = MED_DTYPE_F32, .n_dims = 2, .dims = {1, 2}};
	return info;
}

/* shape_refused expects diagnosis_shapes_check to refuse info. */
static void
shape_refused(int line, const med_model_info *info, const char *want)
{
	char reason[256] = "";
	uint32_t h = 7, w = 7;

	if (diagnosis_shapes_check(info, 2, &h, &w, reason, sizeof(reason)) !=
	    MED_ERR_INVALID)
		mt_fail(__FILE__, line, "shape accepted");
	if (strstr(reason, want) == NULL)
		mt_fail(__FILE__, line, "reason \"%s\" lacks \"%s\"", reason,
			want);
	MT_EQ_INT(h, 7); /* out-params untouched on error */
}

static void
test_shapes(void)
{
	static const char *wrong = "expected one f32 [1,1,H,W] input";
	med_model_info info = good_info();
	char reason[256] = "";
	uint32_t h = 0, w = 0;

	MT_OK(diagnosis_shapes_check(&info, 2, &h, &w, reason, sizeof(reason)));
	MT_EQ_INT(h, 224);
	MT_EQ_INT(w, 200);
	info.inputs[0].dtype = MED_DTYPE_U8;
	shape_refused(__LINE__, &info, wrong);
	info = good_info();
	info.inputs[0].dims[1] = 3; /* colour */
	shape_refused(__LINE__, &info, wrong);
	info = good_info();
	info.inputs[0].dims[0] = -1; /* dynamic batch */
	shape_refused(__LINE__, &info, wrong);
	info = good_info();
	info.inputs[0].dims[3] = 4097;
	shape_refused(__LINE__, &info, wrong);
	info = good_info();
	info.n_inputs = 2;
	shape_refused(__LINE__, &info, wrong);
	info = good_info();
	info.outputs[0].n_dims = 3;
	shape_refused(__LINE__, &info, wrong);
	info = good_info();
	info.outputs[0].dims[1] = 3;
	shape_refused(__LINE__, &info, "3 outputs but 2 labels configured");
}

/* with_cam adds the Grad-CAM output tools/train/gradcam_graph.py adds. */
static med_model_info
with_cam(void)
{
	med_model_info info = good_info();

	info.n_outputs = 2;
	info.outputs[1] = (med_tensor_desc){.name = "cam",
					    .dtype = MED_DTYPE_F32,
					    .n_dims = 4,
					    .dims = {1, 2, 7, 6}};
	return info;
}

/* A second output is read as Grad-CAM only when it is one map per label
 * named "cam"; anything else is refused as before. */
static void
test_cam_output(void)
{
	static const char *wrong = "expected one f32 [1,1,H,W] input";
	med_model_info info = with_cam();
	char reason[256] = "";
	uint32_t h = 0, w = 0;

	MT_TRUE(diagnosis_has_cam(&info, &h, &w));
	MT_EQ_INT(h, 7);
	MT_EQ_INT(w, 6);
	MT_OK(diagnosis_shapes_check(&info, 2, &h, &w, reason, sizeof(reason)));
	MT_EQ_INT(h, 224);
	info = good_info();
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	info = with_cam();
	med_strlcpy(info.outputs[1].name, "logits",
		    sizeof(info.outputs[1].name));
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	shape_refused(__LINE__, &info, wrong);
	info = with_cam();
	info.outputs[1].dims[1] = 3; /* not one map per label */
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	shape_refused(__LINE__, &info, wrong);
	info = with_cam();
	info.outputs[1].n_dims = 3;
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	info = with_cam();
	info.outputs[1].dtype = MED_DTYPE_U8;
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	info = with_cam();
	info.outputs[1].dims[2] = 0;
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	info = with_cam();
	info.outputs[0].dims[1] = 3; /* the labels' check says what is wrong */
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	shape_refused(__LINE__, &info, wrong);
	info = with_cam();
	info.outputs[1].dims[1] = 3;
	info.outputs[0].dims[1] = 3;
	MT_TRUE(diagnosis_has_cam(&info, &h, &w));
	shape_refused(__LINE__, &info, "3 outputs but 2 labels configured");
	info = with_cam();
	info.n_outputs = 3;
	MT_TRUE(!diagnosis_has_cam(&info, &h, &w));
	shape_refused(__LINE__, &info, wrong);
}

static void
test_preprocess_shrink(void)
{
	/* 4 x 4 in 2 x 2 blocks of 1, 0, 0.5 and 0.25 */
	float px[16] = {1,  1,	0,   0,	  1,  1,  0,   0,
			.5, .5, .25, .25, .5, .5, .25, .25};
	med_image img = {.width = 4, .height = 4, .px = px};
	const float want[4] = {1, -1, 0, -0.5f};
	float x[4];

	MT_OK(diagnosis_preprocess(&img, 2, 2, x));
	for (size_t i = 0; i < 4; i++)
		near_f(__LINE__, i, x[i], want[i]);
}

/* Area averaging, not sampling: 3 → 2 pixels weighs the middle one half
 * into each output. */
static void
test_preprocess_area(void)
{
	float px[3] = {0, 1, 0};
	med_image img = {.width = 3, .height = 1, .px = px};
	float x[2];

	MT_OK(diagnosis_preprocess(&img, 2, 1, x));
	near_f(__LINE__, 0, x[0], 2.0f / 3 - 1);
	near_f(__LINE__, 1, x[1], 2.0f / 3 - 1);
}

static void
test_preprocess_same_size(void)
{
	float px[4] = {0, 1, 0.75f, 0.5f};
	med_image img = {.width = 2, .height = 2, .px = px};
	const float want[4] = {-1, 1, 0.5f, 0};
	float x[4];

	MT_OK(diagnosis_preprocess(&img, 2, 2, x));
	for (size_t i = 0; i < 4; i++)
		near_f(__LINE__, i, x[i], want[i]);
	MT_EQ_INT(diagnosis_preprocess(&img, 0, 2, x), MED_ERR_INVALID);
}

static void
test_top_index(void)
{
	const float p[] = {0.1f, 0.7f, 0.2f};
	const float tie[] = {0.4f, 0.4f, 0.2f};
	const float neg[] = {-3, -1, -2};

	MT_EQ_INT(diagnosis_top_index(p, 3), 1);
	MT_EQ_INT(diagnosis_top_index(tie, 3), 0);
	MT_EQ_INT(diagnosis_top_index(neg, 3), 1);
	MT_EQ_INT(diagnosis_top_index(p, 1), 0);
}

static const mt_case cases[] = {
	{"model_id", test_model_id},
	{"labels", test_labels},
	{"shapes", test_shapes},
	{"cam_output", test_cam_output},
	{"preprocess_shrink", test_preprocess_shrink},
	{"preprocess_area", test_preprocess_area},
	{"preprocess_same_size", test_preprocess_same_size},
	{"top_index", test_top_index},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
