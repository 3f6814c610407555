/*
 * face.c - face recognition set-up and the per-photograph pipeline:
 * decode (med/image.h), detect (Haar cascade through the plugin host),
 * quality gate (size, sharpness, pose from the eyes), align (rotate the
 * eyes level, crop) and embed (the cpu backend's LBP embedder, or an ONNX
 * embedder that has a model card).
 * No gRPC and no SQL here beyond the accessors the handlers use.
 */
#include <med/image.h>
#include <med/infer.h>
#include <med/log.h>
#include <med/metrics.h>
#include "modelcard.h"
#include <med/service.h>
#include <med/util.h>
#include <med/vtoken.h>

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "face_internal.h"
#include "face_models.h"
#include "face_pipe.h"
#include "sync.h"

/* lbp-v2's false-match rate of 1e-3 on ORL (docs/benchmarks.md). */
#define CLASSIC_THRESHOLD 0.761
/* The smallest face, pixels across, for an embedder that names none
 * (lbp-v2; an ONNX card without min_face_px). */
#define DEFAULT_MIN_FACE 40
/* Crop of the face box an embedder sees unless its card says otherwise
 * (lbp-v2's, chosen on ORL's tuning split). */
#define DEFAULT_CROP_SCALE 1.2

/* ---- set-up ---------------------------------------------------------- */

static void not_configured(identity_face *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* not_configured records why the face RPCs are off (one line). */
static void
not_configured(identity_face *f, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	snprintf(f->reason, sizeof(f->reason),
		 "face recognition is not configured: ");
	n = strlen(f->reason);
	va_start(ap, fmt);
	vsnprintf(f->reason + n, sizeof(f->reason) - n, fmt, ap);
	va_end(ap);
}

static med_err
load_keys(identity_face *f, const med_config *cfg)
{
	const char *sk = med_config_str(cfg, "MED_IDENTITY_SIGNING_KEY_FILE");
	const char *tk = med_config_str(cfg, "MED_IDENTITY_TEMPLATE_KEY_FILE");
	char msg[256];

	if (sk[0] == '\0' || tk[0] == '\0') {
		not_configured(f, "%s is not set",
			       sk[0] == '\0'
				       ? "MED_IDENTITY_SIGNING_KEY_FILE"
				       : "MED_IDENTITY_TEMPLATE_KEY_FILE");
		return MED_ERR_PRECONDITION;
	}
	if (med_vtoken_key_read(sk, f->seed, msg, sizeof(msg)) != MED_OK) {
		not_configured(f, "MED_IDENTITY_SIGNING_KEY_FILE: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	if (med_vtoken_key_read(tk, f->tkey, msg, sizeof(msg)) != MED_OK) {
		not_configured(f, "MED_IDENTITY_TEMPLATE_KEY_FILE: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	uint8_t sk64[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(f->pk, sk64, f->seed);
	sodium_memzero(sk64, sizeof(sk64));
	med_vtoken_key_id(f->pk, f->key_id);
	return MED_OK;
}

/*
 * read_retake_threshold sets the second photograph's bar after a retake:
 * MED_FACE_RETAKE_THRESHOLD (at least the threshold), else the card's
 * calibrated retake_threshold while it is not under the threshold (an
 * operator who raised MED_FACE_THRESHOLD over it gets the old rule),
 * else the threshold plus the band.
 */
static med_err
read_retake_threshold(identity_face *f, const med_config *cfg)
{
	const char *t = med_config_str(cfg, "MED_FACE_RETAKE_THRESHOLD");
	char *end = NULL;

	if (t[0] == '\0') {
		f->retake_threshold = f->card_retake_threshold >= f->threshold
					      ? f->card_retake_threshold
					      : f->threshold + f->retake_band;
		return MED_OK;
	}
	f->retake_threshold = strtod(t, &end);
	if (end == t || *end != '\0' ||
	    !(f->retake_threshold >= f->threshold) ||
	    f->retake_threshold > 1.0) {
		not_configured(f,
			       "MED_FACE_RETAKE_THRESHOLD: '%s' is not a "
			       "number from the threshold %.4f to 1",
			       t, f->threshold);
		return MED_ERR_PRECONDITION;
	}
	return MED_OK;
}

/* calibration_fields checks a site calibration c against the embedder
 * in use and takes its threshold and retake bar. */
static med_err
calibration_fields(identity_face *f, const identity_modelcard *c, char *msg,
		   size_t len)
{
	const char *kind = identity_modelcard_get(c, "kind");
	const char *name = identity_modelcard_get(c, "name");
	const char *model = identity_modelcard_get(c, "model");
	double thr, fmr, retake = f->card_retake_threshold;
	med_err err;

	if (kind == NULL || strcmp(kind, "face-calibration") != 0) {
		snprintf(msg, len, "%.300s: kind must be face-calibration",
			 c->path);
		return MED_ERR_INVALID;
	}
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= sizeof(f->calibration)) {
		snprintf(msg, len, "%.300s: name must be 1..63 characters",
			 c->path);
		return MED_ERR_INVALID;
	}
	/* Scores of one embedder mean nothing for another. */
	if (model == NULL || strcmp(model, f->model) != 0) {
		snprintf(msg, len,
			 "%.300s: calibrated for model '%.63s', but the "
			 "embedder in use is '%s': calibrate again",
			 c->path, model ? model : "", f->model);
		return MED_ERR_INVALID;
	}
	if ((err = identity_modelcard_number(c, "threshold", -1, 1, &thr, msg,
					     len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "target_fmr", 1e-9, 1, &fmr,
					     msg, len)) != MED_OK ||
	    (identity_modelcard_get(c, "retake_threshold") != NULL &&
	     (err = identity_modelcard_number(c, "retake_threshold", -1, 1,
					      &retake, msg, len)) != MED_OK))
		return err;
	f->threshold = thr;
	f->card_retake_threshold = retake;
	med_strlcpy(f->calibration, name, sizeof(f->calibration));
	return MED_OK;
}

/* read_calibration takes MED_FACE_CALIBRATION, the site's calibration of
 * the embedder (docs/face.md), when it names one. */
static med_err
read_calibration(identity_face *f, const med_config *cfg)
{
	const char *path = med_config_str(cfg, "MED_FACE_CALIBRATION");
	static identity_modelcard card;
	char msg[448] = "";
	med_err err;

	med_strlcpy(f->calibration, "card", sizeof(f->calibration));
	if (path[0] == '\0')
		return MED_OK;
	err = identity_modelcard_read(path, &card, msg, sizeof(msg));
	if (err == MED_OK)
		err = calibration_fields(f, &card, msg, sizeof(msg));
	if (err != MED_OK) {
		not_configured(f, "MED_FACE_CALIBRATION: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	return MED_OK;
}

/* read_threshold takes the site's calibration, then MED_FACE_THRESHOLD,
 * or keeps the embedder's own (f->threshold, set by load_models) when
 * both are empty; then the retake's bar, which depends on it. */
static med_err
read_threshold(identity_face *f, const med_config *cfg)
{
	const char *t = med_config_str(cfg, "MED_FACE_THRESHOLD");
	char *end = NULL;

	if (read_calibration(f, cfg) != MED_OK)
		return MED_ERR_PRECONDITION;
	if (t[0] == '\0')
		return read_retake_threshold(f, cfg);
	med_strlcpy(f->calibration, "setting", sizeof(f->calibration));
	f->threshold = strtod(t, &end);
	if (end == t || *end != '\0' || !(f->threshold >= -1.0) ||
	    f->threshold > 1.0) {
		not_configured(f,
			       "MED_FACE_THRESHOLD: '%s' is not a number in "
			       "[-1, 1]",
			       t);
		return MED_ERR_PRECONDITION;
	}
	return read_retake_threshold(f, cfg);
}

/* read_min_size takes MED_FACE_MIN_SIZE, or keeps the embedder's own
 * (f->min_size, set when it was loaded) when it is empty. */
static med_err
read_min_size(identity_face *f, const med_config *cfg)
{
	const char *t = med_config_str(cfg, "MED_FACE_MIN_SIZE");
	char *end = NULL;
	long v;

	if (t[0] == '\0')
		return MED_OK;
	v = strtol(t, &end, 10);
	if (end == t || *end != '\0' || v < 16 || v > 4096) {
		not_configured(f,
			       "MED_FACE_MIN_SIZE: '%s' is not a whole number "
			       "of pixels in [16, 4096]",
			       t);
		return MED_ERR_PRECONDITION;
	}
	f->min_size = (int)v;
	return MED_OK;
}

static void
read_numbers(identity_face *f, const med_config *cfg)
{
	f->ttl_ms = med_config_int(cfg, "MED_IDENTITY_TOKEN_TTL_S") * 1000;
	f->max_image_bytes =
		(size_t)med_config_int(cfg, "MED_FACE_MAX_IMAGE_BYTES");
	f->min_sharpness =
		(double)med_config_int(cfg, "MED_FACE_MIN_SHARPNESS");
	f->max_roll_deg = (double)med_config_int(cfg, "MED_FACE_MAX_ROLL_DEG");
	f->copy_distance = (int)med_config_int(cfg, "MED_FACE_COPY_DISTANCE");
	f->copy_window_ms =
		med_config_int(cfg, "MED_FACE_COPY_WINDOW_S") * 1000;
	f->retake_band =
		(double)med_config_int(cfg, "MED_FACE_RETAKE_BAND_MILLI") /
		1000.0;
	f->retake_quality =
		(double)med_config_int(cfg, "MED_FACE_RETAKE_QUALITY_PCT") /
		100.0;
}

/* read_fusion takes MED_FACE_FUSION. */
static med_err
read_fusion(identity_face *f, const med_config *cfg)
{
	const char *v = med_config_str(cfg, "MED_FACE_FUSION");

	if (strcmp(v, "mean") == 0 || strcmp(v, "best") == 0) {
		f->fuse_mean = v[0] == 'm';
		return MED_OK;
	}
	not_configured(f, "MED_FACE_FUSION: '%s' is not mean or best", v);
	return MED_ERR_PRECONDITION;
}

/* read_copy_mode takes MED_FACE_COPY_CHECK. */
static med_err
read_copy_mode(identity_face *f, const med_config *cfg)
{
	static const char *const names[] = {"enforce", "warn", "off"};
	const char *v = med_config_str(cfg, "MED_FACE_COPY_CHECK");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			f->copy_mode = (identity_copy_mode)i;
			return MED_OK;
		}
	not_configured(
		f, "MED_FACE_COPY_CHECK: '%s' is not enforce, warn or off", v);
	return MED_ERR_PRECONDITION;
}

static med_err
load_one(identity_face *f, const char *format, const char *path,
	 const med_plugin_kv *kv, size_t n_kv, int dev, med_infer_model **m)
{
	med_infer_model_opts o = {.format = format,
				  .path = path,
				  .device = (med_device_kind)dev,
				  .strict = f->strict,
				  .opts = kv,
				  .n_opts = n_kv};
	char msg[256] = "";
	med_err err = med_infer_model_load(f->host, &o, m, msg, sizeof(msg));

	if (err != MED_OK)
		not_configured(f, "%s", msg[0] ? msg : med_strerror(err));
	return err;
}

/* load_classic loads lbp-v2, the cpu backend's LBP embedder. */
static med_err
load_classic(identity_face *f, int dev)
{
	/* These options are the model "lbp-v2" (uniform LBP(8,3) on a
	 * circle, 8x8 cells): other values give other embeddings, so
	 * changing them means a new model name. */
	med_plugin_kv emb_kv[] = {{"radius", "3"}, {"circular", "1"}};
	med_err err = load_one(f, "lbp", NULL, emb_kv, 2, dev, &f->emb);

	if (err != MED_OK)
		return err;
	med_strlcpy(f->model, IDENTITY_FACE_CLASSIC_MODEL, sizeof(f->model));
	f->threshold = CLASSIC_THRESHOLD;
	f->min_size = DEFAULT_MIN_FACE;
	f->crop_scale = (float)DEFAULT_CROP_SCALE;
	f->dim = (size_t)med_infer_model_info(f->emb)->outputs[0].dims[1];
	return MED_OK;
}

/* card_numbers reads what the pipeline needs from an embedder's card. */
static med_err
card_numbers(identity_face *f, const identity_modelcard *c, char *msg,
	     size_t len)
{
	double w, h, ch, mean, scale, dim, thr, crop = DEFAULT_CROP_SCALE;
	double retake = 0;
	double min_px = DEFAULT_MIN_FACE;
	med_err err;

	if ((err = identity_modelcard_number(c, "input_width", 16, 512, &w, msg,
					     len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "input_height", 16, 512, &h,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "input_channels", 1, 3, &ch,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "input_mean", 0, 255, &mean,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "input_scale", 1e-6, 16, &scale,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "output_dim", 2,
					     IDENTITY_FACE_MAX_DIM, &dim, msg,
					     len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "threshold", -1, 1, &thr, msg,
					     len)) != MED_OK ||
	    (identity_modelcard_get(c, "crop_scale") != NULL &&
	     (err = identity_modelcard_number(c, "crop_scale", 0.8, 2, &crop,
					      msg, len)) != MED_OK) ||
	    (identity_modelcard_get(c, "min_face_px") != NULL &&
	     (err = identity_modelcard_number(c, "min_face_px", 16, 4096,
					      &min_px, msg, len)) != MED_OK) ||
	    (identity_modelcard_get(c, "retake_threshold") != NULL &&
	     (err = identity_modelcard_number(c, "retake_threshold", -1, 1,
					      &retake, msg, len)) != MED_OK))
		return err;
	if (ch == 2 || w != (int)w || h != (int)h || dim != (int)dim ||
	    min_px != (int)min_px) {
		snprintf(msg, len,
			 "%.300s: input_width, input_height, output_dim and "
			 "min_face_px are whole numbers, input_channels 1 or 3",
			 c->path);
		return MED_ERR_INVALID;
	}
	f->emb_w = (int)w;
	f->emb_h = (int)h;
	f->emb_c = (int)ch;
	f->in_mean = (float)mean;
	f->in_scale = (float)scale;
	f->crop_scale = (float)crop;
	f->dim = (size_t)dim;
	f->threshold = thr;
	f->card_retake_threshold = retake;
	f->min_size = (int)min_px;
	return MED_OK;
}

/* shapes_match checks the loaded model against its card: one input
 * [1, C, H, W] and a first output [1, output_dim]. */
static med_err
shapes_match(const identity_face *f, const med_model_info *mi, char *msg,
	     size_t len)
{
	const med_tensor_desc *in = &mi->inputs[0], *out = &mi->outputs[0];

	if (mi->n_inputs != 1 || in->n_dims != 4 || in->dims[0] != 1 ||
	    in->dims[1] != f->emb_c || in->dims[2] != f->emb_h ||
	    in->dims[3] != f->emb_w) {
		snprintf(msg, len,
			 "the model's input is not [1, %d, %d, %d] as its "
			 "card says (input_channels, input_height, "
			 "input_width)",
			 f->emb_c, f->emb_h, f->emb_w);
		return MED_ERR_INVALID;
	}
	if (mi->n_outputs != 1 || out->n_dims != 2 || out->dims[0] != 1 ||
	    out->dims[1] != (int64_t)f->dim) {
		snprintf(msg, len,
			 "the model must have one output, [1, %zu] as its "
			 "card says (output_dim)",
			 f->dim);
		return MED_ERR_INVALID;
	}
	return MED_OK;
}

/* load_landmarks loads the 68-point landmark model an aligned-chip
 * embedder needs: one input [1, 3, N, N], one output [1, 136]. */
static med_err
load_landmarks(identity_face *f, const char *path, int dev)
{
	static identity_modelcard card;
	const med_model_info *mi;
	char msg[448] = "";
	med_err err;

	if (path[0] == '\0') {
		not_configured(
			f, "%s",
			"MED_FACE_LANDMARKS: the embedder's card asks for "
			"an aligned chip (dlib-chip-68 or arcface-5), which "
			"needs a landmark model");
		return MED_ERR_PRECONDITION;
	}
	err = identity_modelcard_load(path, "face-landmarks", &card, msg,
				      sizeof(msg));
	if (err != MED_OK) {
		not_configured(f, "MED_FACE_LANDMARKS: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	if ((err = load_one(f, "onnx", path, NULL, 0, dev, &f->lmk)) != MED_OK)
		return err;
	mi = med_infer_model_info(f->lmk);
	if (mi->n_inputs != 1 || mi->inputs[0].n_dims != 4 ||
	    mi->inputs[0].dims[1] != 3 ||
	    mi->inputs[0].dims[2] != mi->inputs[0].dims[3] ||
	    mi->inputs[0].dims[2] < 16 || mi->inputs[0].dims[2] > 512 ||
	    mi->n_outputs != 1 || mi->outputs[0].n_dims != 2 ||
	    mi->outputs[0].dims[1] != 136) {
		not_configured(f,
			       "MED_FACE_LANDMARKS %s: the model must take [1, "
			       "3, N, N] and give [1, 136] (68 points)",
			       path);
		return MED_ERR_PRECONDITION;
	}
	f->lmk_size = (int)mi->inputs[0].dims[2];
	return MED_OK;
}

/*
 * card_alignment reads how the embedder wants its face: "box" (a crop of
 * the detected box, the default), "dlib-chip-68" (dlib's aligned chip,
 * square and in colour, with chip_padding, default 0.25) or "arcface-5"
 * (ArcFace's five-point crop, square and in colour; no chip_padding).
 */
static med_err
card_alignment(identity_face *f, const identity_modelcard *c, char *msg,
	       size_t len)
{
	const char *a = identity_modelcard_get(c, "alignment");
	double pad = 0.25;

	if (a == NULL || strcmp(a, "box") == 0)
		return MED_OK;
	f->chip_arcface = strcmp(a, "arcface-5") == 0;
	if (!f->chip_arcface && strcmp(a, "dlib-chip-68") != 0) {
		snprintf(msg, len,
			 "%.300s: alignment '%.40s' is not box, dlib-chip-68 "
			 "or arcface-5",
			 c->path, a);
		return MED_ERR_INVALID;
	}
	if (f->chip_arcface && identity_modelcard_get(c, "chip_padding")) {
		snprintf(msg, len,
			 "%.300s: chip_padding does not apply to an arcface-5 "
			 "chip (the template fixes the margin)",
			 c->path);
		return MED_ERR_INVALID;
	}
	if (identity_modelcard_get(c, "chip_padding") != NULL &&
	    identity_modelcard_number(c, "chip_padding", 0, 1, &pad, msg,
				      len) != MED_OK)
		return MED_ERR_INVALID;
	if (f->emb_w != f->emb_h || f->emb_c != 3) {
		snprintf(msg, len,
			 "%.300s: an aligned-chip embedder (%s) takes a square "
			 "3-channel chip",
			 c->path, a);
		return MED_ERR_INVALID;
	}
	f->chip = true;
	f->chip_padding = pad;
	a = identity_modelcard_get(c, "flip_average");
	if (a != NULL && strcmp(a, "yes") != 0 && strcmp(a, "no") != 0) {
		snprintf(msg, len,
			 "%.300s: flip_average '%.40s' is not yes or no",
			 c->path, a);
		return MED_ERR_INVALID;
	}
	f->embed_flip = a != NULL && strcmp(a, "yes") == 0;
	return MED_OK;
}

/* read_flip takes MED_FACE_EMBED_FLIP over the card's flip_average. */
static med_err
read_flip(identity_face *f, const med_config *cfg)
{
	const char *v = med_config_str(cfg, "MED_FACE_EMBED_FLIP");

	if (v[0] == '\0')
		return MED_OK;
	if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
		f->embed_flip = strcmp(v, "on") == 0;
		return MED_OK;
	}
	not_configured(f, "MED_FACE_EMBED_FLIP: '%s' is not on or off", v);
	return MED_ERR_PRECONDITION;
}

/* pad_scales reads the card's crop_scale: one number per model input,
 * each in [0.5, 5], separated by spaces. */
static med_err
pad_scales(identity_face *f, const identity_modelcard *c, char *msg, size_t len)
{
	const char *p = identity_modelcard_get(c, "crop_scale");
	char *end = NULL;

	f->pad_n_crops = 0;
	while (p != NULL && *p != '\0') {
		double v = strtod(p, &end);

		if (end == p || !(v >= 0.5 && v <= 5.0) ||
		    f->pad_n_crops == IDENTITY_PAD_MAX_CROPS ||
		    (*end != ' ' && *end != '\0'))
			break;
		f->pad_crops[f->pad_n_crops++] = v;
		p = end + strspn(end, " ");
	}
	if (p != NULL && *p == '\0' && f->pad_n_crops > 0)
		return MED_OK;
	snprintf(msg, len,
		 "%.300s: crop_scale must be up to %d numbers in [0.5, 5] "
		 "separated by spaces",
		 c->path, IDENTITY_PAD_MAX_CROPS);
	return MED_ERR_INVALID;
}

/* pad_word reads an optional card field that is one of two words: *on
 * is whether it is the second (absent: the first). */
static med_err
pad_word(const identity_modelcard *c, const char *key, const char *off,
	 const char *on, bool *set, char *msg, size_t len)
{
	const char *v = identity_modelcard_get(c, key);

	*set = v != NULL && strcmp(v, on) == 0;
	if (v == NULL || *set || strcmp(v, off) == 0)
		return MED_OK;
	snprintf(msg, len, "%.300s: %s '%.40s' is not %s or %s", c->path, key,
		 v, off, on);
	return MED_ERR_INVALID;
}

/* pad_card reads the PAD model's card: its crops, colour order, what it
 * does with grey, output element and threshold (MED_FACE_PAD_THRESHOLD
 * overrides the last). */
static med_err
pad_card(identity_face *f, const med_config *cfg, const identity_modelcard *c,
	 char *msg, size_t len)
{
	const char *t = med_config_str(cfg, "MED_FACE_PAD_THRESHOLD");
	double live, thr;
	char *end = NULL;
	med_err err;

	if ((err = pad_scales(f, c, msg, len)) != MED_OK ||
	    (err = pad_word(c, "crop_shape", "square", "box", &f->pad_box_crop,
			    msg, len)) != MED_OK ||
	    (err = pad_word(c, "crop_resample", "area", "bilinear",
			    &f->pad_bilinear, msg, len)) != MED_OK ||
	    (err = pad_word(c, "channel_order", "rgb", "bgr", &f->pad_bgr, msg,
			    len)) != MED_OK ||
	    (err = pad_word(c, "grey", "replicate", "not-judged",
			    &f->pad_grey_not_judged, msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "live_index", 0,
					     IDENTITY_PAD_MAX_OUT - 1, &live,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "threshold", 0, 1, &thr, msg,
					     len)) != MED_OK)
		return err;
	if (t[0] != '\0') {
		thr = strtod(t, &end);
		if (end == t || *end != '\0' || !(thr >= 0.0 && thr <= 1.0)) {
			snprintf(msg, len,
				 "MED_FACE_PAD_THRESHOLD: '%s' is not a number "
				 "in [0, 1]",
				 t);
			return MED_ERR_INVALID;
		}
	}
	f->pad_live_index = (int)live;
	f->pad_threshold = thr;
	return MED_OK;
}

/* pad_shape checks the PAD model against its card: one [1, 3, N, N]
 * input per crop, all of one N, and [1, K] out with the live index in
 * it. */
static bool
pad_shape(const identity_face *f, const med_model_info *mi)
{
	if (mi->n_inputs != f->pad_n_crops || mi->n_outputs != 1 ||
	    mi->outputs[0].n_dims != 2 || mi->outputs[0].dims[1] < 2 ||
	    mi->outputs[0].dims[1] > IDENTITY_PAD_MAX_OUT ||
	    mi->outputs[0].dims[1] <= f->pad_live_index)
		return false;
	for (uint32_t i = 0; i < mi->n_inputs; i++) {
		const med_tensor_desc *d = &mi->inputs[i];

		if (d->n_dims != 4 || d->dims[1] != 3 ||
		    d->dims[2] != d->dims[3] || d->dims[2] < 16 ||
		    d->dims[2] > 512 || d->dims[2] != mi->inputs[0].dims[2])
			return false;
	}
	return true;
}

/* load_pad takes MED_FACE_PAD and loads MED_FACE_PAD_MODEL after its
 * card; enforce without a model is refused, warn without one runs no
 * stage (said once). */
static med_err
load_pad(identity_face *f, const med_config *cfg, int dev)
{
	static identity_modelcard card;
	const char *mode = med_config_str(cfg, "MED_FACE_PAD");
	const char *path = med_config_str(cfg, "MED_FACE_PAD_MODEL");
	char msg[448] = "";
	med_err err;

	if (!identity_pad_mode_parse(mode, &f->pad_mode)) {
		not_configured(f,
			       "MED_FACE_PAD: '%s' is not off, warn or "
			       "enforce",
			       mode);
		return MED_ERR_PRECONDITION;
	}
	if (f->pad_mode == IDENTITY_PAD_OFF)
		return MED_OK;
	if (path[0] == '\0') {
		if (f->pad_mode == IDENTITY_PAD_WARN) {
			med_log_warn("identity: MED_FACE_PAD=warn but no "
				     "MED_FACE_PAD_MODEL: no presentation-"
				     "attack stage");
			return MED_OK;
		}
		not_configured(f, "%s",
			       "MED_FACE_PAD=enforce needs a "
			       "liveness model (MED_FACE_PAD_MODEL)");
		return MED_ERR_PRECONDITION;
	}
	if ((err = identity_modelcard_load(path, "face-pad", &card, msg,
					   sizeof(msg))) != MED_OK ||
	    (err = pad_card(f, cfg, &card, msg, sizeof(msg))) != MED_OK) {
		not_configured(f, "MED_FACE_PAD_MODEL: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	if ((err = load_one(f, "onnx", path, NULL, 0, dev, &f->pad)) != MED_OK)
		return err;
	if (!pad_shape(f, med_infer_model_info(f->pad))) {
		not_configured(f,
			       "MED_FACE_PAD_MODEL %s: the model must take one "
			       "[1, 3, N, N] input per crop_scale of its card "
			       "and give [1, K] with live_index under K",
			       path);
		return MED_ERR_PRECONDITION;
	}
	f->pad_size = (int)med_infer_model_info(f->pad)->inputs[0].dims[2];
	f->pad_out_dim = (int)med_infer_model_info(f->pad)->outputs[0].dims[1];
	return MED_OK;
}

/* card_feed reads an embedder card's optional channel_order (rgb or bgr)
 * and distance: identity compares L2-normalised embeddings by cosine, so
 * a card that names another distance describes a model used otherwise. */
static med_err
card_feed(identity_face *f, const identity_modelcard *c, char *msg, size_t len)
{
	const char *d = identity_modelcard_get(c, "distance");

	if (d != NULL && strcmp(d, "cosine") != 0) {
		snprintf(msg, len,
			 "%.300s: distance '%.40s' is not cosine (identity "
			 "compares L2-normalised embeddings by cosine)",
			 c->path, d);
		return MED_ERR_INVALID;
	}
	return pad_word(c, "channel_order", "rgb", "bgr", &f->emb_bgr, msg,
			len);
}

/* load_onnx loads an ONNX embedder after its model card. */
static med_err
load_onnx(identity_face *f, const med_config *cfg, const char *path, int dev)
{
	static identity_modelcard card;
	char msg[448] = "";
	med_err err;

	err = identity_modelcard_load(path, "face-embedder", &card, msg,
				      sizeof(msg));
	if (err == MED_OK)
		err = card_numbers(f, &card, msg, sizeof(msg));
	if (err == MED_OK)
		err = card_alignment(f, &card, msg, sizeof(msg));
	if (err == MED_OK)
		err = card_feed(f, &card, msg, sizeof(msg));
	if (err == MED_OK &&
	    strncmp(identity_modelcard_get(&card, "name"), "lbp-", 4) == 0) {
		snprintf(msg, sizeof(msg),
			 "%.300s: names starting 'lbp-' belong to the built-in "
			 "embedder",
			 card.path);
		err = MED_ERR_INVALID;
	}
	if (err != MED_OK) {
		not_configured(f, "MED_FACE_EMBEDDER: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	if (f->chip &&
	    (err = load_landmarks(f, med_config_str(cfg, "MED_FACE_LANDMARKS"),
				  dev)) != MED_OK)
		return err;
	if ((err = load_one(f, "onnx", path, NULL, 0, dev, &f->emb)) != MED_OK)
		return err;
	if (shapes_match(f, med_infer_model_info(f->emb), msg, sizeof(msg)) !=
	    MED_OK) {
		not_configured(f, "MED_FACE_EMBEDDER %s: %s", path, msg);
		return MED_ERR_PRECONDITION;
	}
	med_strlcpy(f->model, identity_modelcard_get(&card, "name"),
		    sizeof(f->model));
	f->onnx = true;
	return MED_OK;
}

/* detector_card reads an ONNX detector's card (kind face-detector). */
static med_err
detector_card(identity_face *f, const identity_modelcard *c, char *msg,
	      size_t len)
{
	const char *fmt = identity_modelcard_get(c, "format");
	double mean, scale, score, nms;
	med_err err;

	if (fmt != NULL && strcmp(fmt, "yunet") == 0)
		f->det_kind = IDENTITY_DET_YUNET;
	else if (fmt != NULL && strcmp(fmt, "tiny-yolo-face") == 0)
		f->det_kind = IDENTITY_DET_TINY;
	else {
		snprintf(msg, len,
			 "%.300s: format '%s' is not one identity decodes "
			 "(yunet, tiny-yolo-face)",
			 c->path, fmt ? fmt : "");
		return MED_ERR_INVALID;
	}
	if ((err = identity_modelcard_number(c, "input_mean", 0, 255, &mean,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "input_scale", 1e-6, 16, &scale,
					     msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "score_threshold", 0.05, 1,
					     &score, msg, len)) != MED_OK ||
	    (err = identity_modelcard_number(c, "nms_iou", 0.05, 0.95, &nms,
					     msg, len)) != MED_OK)
		return err;
	f->det_mean = (float)mean;
	f->det_scale = (float)scale;
	f->det_score = (float)score;
	f->det_nms = (float)nms;
	return MED_OK;
}

/* bind_detector checks the loaded detector's shapes against its format.
 * YuNet was fed grey (and measured so); the tiny detector gets colour. */
static med_err
bind_detector(identity_face *f, char *msg, size_t len)
{
	const med_model_info *mi = med_infer_model_info(f->det);
	med_err err;

	if (f->det_kind == IDENTITY_DET_TINY) {
		err = identity_tiny_bind(mi, &f->tiny, msg, len);
		f->det_w = f->det_h = f->tiny.in_size;
		f->det_colour = true;
		return err;
	}
	err = identity_yunet_bind(mi, &f->yunet, msg, len);
	f->det_w = f->yunet.in_w;
	f->det_h = f->yunet.in_h;
	return err;
}

/* load_onnx_detector loads an ONNX detector after its card. */
static med_err
load_onnx_detector(identity_face *f, const char *path, int dev)
{
	static identity_modelcard card;
	char msg[448] = "";
	med_err err;

	err = identity_modelcard_load(path, "face-detector", &card, msg,
				      sizeof(msg));
	if (err == MED_OK)
		err = detector_card(f, &card, msg, sizeof(msg));
	if (err != MED_OK) {
		not_configured(f, "MED_FACE_DETECTOR: %s", msg);
		return MED_ERR_PRECONDITION;
	}
	if ((err = load_one(f, "onnx", path, NULL, 0, dev, &f->det)) != MED_OK)
		return err;
	if (bind_detector(f, msg, sizeof(msg)) != MED_OK) {
		not_configured(f, "MED_FACE_DETECTOR %s: %s", path, msg);
		return MED_ERR_PRECONDITION;
	}
	return MED_OK;
}

static med_err
load_detector(identity_face *f, const med_config *cfg, int dev)
{
	const char *d = med_config_str(cfg, "MED_FACE_DETECTOR");
	char det_min[16];
	/* The quality gate refuses faces under MED_FACE_MIN_SIZE anyway, and
	 * the smallest windows are most of the Haar detector's work: not
	 * looking for faces below it halves Verify's time on a 640x480
	 * photo.  (On a photo larger than the detector's working size the
	 * bound grows with the reduction.) */
	med_plugin_kv det_kv[] = {{"min_size", det_min}};

	if (strcmp(d, "haar") == 0) {
		snprintf(det_min, sizeof(det_min), "%d", f->min_size);
		return load_one(f, "haar-xml",
				med_config_str(cfg, "MED_FACE_CASCADE"), det_kv,
				1, dev, &f->det);
	}
	if (strchr(d, '/') == NULL) {
		not_configured(f,
			       "MED_FACE_DETECTOR: '%s' is neither haar nor a "
			       "path to an ONNX model",
			       d);
		return MED_ERR_PRECONDITION;
	}
	return load_onnx_detector(f, d, dev);
}

static med_err
load_embedder(identity_face *f, const med_config *cfg, int dev)
{
	const char *e = med_config_str(cfg, "MED_FACE_EMBEDDER");

	if (strcmp(e, IDENTITY_FACE_CLASSIC_MODEL) == 0)
		return load_classic(f, dev);
	if (strchr(e, '/') == NULL) {
		not_configured(f,
			       "MED_FACE_EMBEDDER: '%s' is neither %s nor a "
			       "path to an ONNX model",
			       e, IDENTITY_FACE_CLASSIC_MODEL);
		return MED_ERR_PRECONDITION;
	}
	return load_onnx(f, cfg, e, dev);
}

/* load_confirm loads the second cascade that confirms the Haar
 * detector's faces; an ONNX detector needs none. */
static med_err
load_confirm(identity_face *f, const med_config *cfg, int dev)
{
	const char *path = med_config_str(cfg, "MED_FACE_CONFIRM_CASCADE");
	/* Every window counts (min_neighbors 1): the gate wants the number
	 * of neighbours, not a yes or no. */
	med_plugin_kv kv[] = {{"min_neighbors", "1"},
			      {"min_size", IDENTITY_FACE_CONFIRM_MIN_PX}};

	if (f->det_kind != IDENTITY_DET_HAAR || path[0] == '\0')
		return MED_OK;
	return load_one(f, "haar-xml", path, kv, 2, dev, &f->confirm);
}

static med_err
load_models(identity_face *f, const med_config *cfg)
{
	const char *eyes = med_config_str(cfg, "MED_FACE_EYE_CASCADE");
	med_plugin_kv eye_kv[] = {{"min_size", "8"}};
	med_infer_settings is;
	char msg[256];
	med_err err = med_infer_settings_load(cfg, &is, msg, sizeof(msg));
	int dev = (int)is.device;

	if (err != MED_OK) {
		not_configured(f, "%s", msg);
		return MED_ERR_PRECONDITION;
	}
	f->strict = is.strict;
	if ((err = med_infer_host_open(&is, &f->host)) != MED_OK) {
		not_configured(f, "MED_PLUGIN_DIR: %s is unusable",
			       is.plugin_dir);
		return err;
	}
	/* The embedder first: it sets the smallest face, which the Haar
	 * detector is loaded with. */
	if ((err = load_embedder(f, cfg, dev)) != MED_OK ||
	    (err = read_min_size(f, cfg)) != MED_OK ||
	    (err = load_detector(f, cfg, dev)) != MED_OK ||
	    (eyes[0] != '\0' && (err = load_one(f, "haar-xml", eyes, eye_kv, 1,
						dev, &f->eyes)) != MED_OK) ||
	    (err = load_confirm(f, cfg, dev)) != MED_OK ||
	    (err = load_pad(f, cfg, dev)) != MED_OK)
		return err;
	med_strlcpy(f->device,
		    med_infer_device_name(med_infer_model_device(f->emb)),
		    sizeof(f->device));
	med_infer_model_describe(f->emb, f->describe, sizeof(f->describe));
	return MED_OK;
}

static void
face_free(identity_face *f)
{
	if (f == NULL)
		return;
	identity_index_free(f->index);
	med_infer_model_free(f->emb);
	med_infer_model_free(f->lmk);
	med_infer_model_free(f->eyes);
	med_infer_model_free(f->confirm);
	med_infer_model_free(f->det);
	med_infer_model_free(f->pad);
	med_infer_host_free(f->host);
	sodium_memzero(f, sizeof(*f));
	free(f);
}

/* schema_migrated lets the face index's first load begin. */
static bool
schema_migrated(void *svc)
{
	return med_service_migrated(svc);
}

bool
identity_face_settled(med_service *svc)
{
	identity_face *f = med_service_data(svc);

	return f == NULL || !f->ready || identity_index_settled(f->index);
}

/* calibration_metrics exports the threshold in use and whose it is:
 * smartmed_face_threshold{calibration, model}. */
static void
calibration_metrics(const identity_face *f, med_metrics *m)
{
	char labels[192];

	snprintf(labels, sizeof(labels), "calibration=\"%s\",model=\"%s\"",
		 f->calibration, f->model);
	med_gauge_set(med_metrics_gauge(m, "smartmed_face_threshold",
					"The face match threshold in use and "
					"the calibration it comes from (a "
					"site's MED_FACE_CALIBRATION, the "
					"embedder's card, or the setting).",
					labels),
		      f->threshold);
}

med_err
identity_face_begin(med_service *svc)
{
	const med_config *cfg = med_service_config(svc);
	identity_face *f = calloc(1, sizeof(*f));

	/* The service's one start hook: the lookup scope's line and the
	 * break-glass counters too. */
	identity_scope_announce(cfg);
	identity_break_glass_metrics(med_service_metrics(svc));
	identity_watch_metrics(med_service_metrics(svc));
	if (f == NULL || sodium_init() < 0) {
		free(f);
		return MED_ERR_NOMEM;
	}
	med_service_set_data(svc, f);
	/* Without keys or models the patient index still serves; the face
	 * RPCs answer FAILED_PRECONDITION with f->reason. */
	read_numbers(f, cfg);
	if (load_keys(f, cfg) != MED_OK || load_models(f, cfg) != MED_OK ||
	    read_threshold(f, cfg) != MED_OK ||
	    read_copy_mode(f, cfg) != MED_OK || read_fusion(f, cfg) != MED_OK ||
	    read_flip(f, cfg) != MED_OK ||
	    identity_index_new(f->dim, &f->index) != MED_OK) {
		med_log_warn("identity: %s", f->reason);
		return MED_OK;
	}
	f->ready = true;
	identity_index_set_metrics(f->index, med_service_metrics(svc));
	/* A large gallery takes minutes to read: the process serves (its
	 * patient index, its health) meanwhile and is ready once loaded. */
	if (identity_index_load_begin(f->index, med_service_db(svc), f,
				      schema_migrated, svc) != MED_OK)
		med_log_warn("identity: face index not loaded yet; it loads on "
			     "first use");
	/* The templates of other face models are reported by the load
	 * (index.c), which reads the same table. */
	if (identity_index_watch(
		    f->index, med_service_db(svc), f,
		    med_config_int(cfg, "MED_FACE_SYNC_INTERVAL_MS")) != MED_OK)
		med_log_warn("identity: face index poller not started; the "
			     "index catches up before each search only");
	med_log_info("identity: face recognition on (model %s, %s, threshold "
		     "%.4f from calibration %s, smallest face %d px, key id "
		     "%s)",
		     f->model, f->describe, f->threshold, f->calibration,
		     f->min_size, f->key_id);
	calibration_metrics(f, med_service_metrics(svc));
	if (f->pad != NULL)
		med_log_info("identity: presentation-attack stage %s "
			     "(liveness threshold %.3f)",
			     f->pad_mode == IDENTITY_PAD_ENFORCE ? "enforce"
								 : "warn",
			     f->pad_threshold);
	return MED_OK;
}

void
identity_face_end(med_service *svc)
{
	face_free(med_service_data(svc));
	med_service_set_data(svc, NULL);
}

identity_face *
identity_face_from_call(med_call *call)
{
	return med_service_data(med_service_from_call(call));
}

med_err
identity_face_ready(med_call *call, identity_face *f)
{
	if (f == NULL)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "face recognition is not configured");
	if (!f->ready)
		return med_call_fail(call, MED_ERR_PRECONDITION, "%s",
				     f->reason);
	return MED_OK;
}

med_err
identity_face_index_not_loading(med_call *call, identity_face *f)
{
	identity_load_progress p;

	if (!identity_index_loading(f->index, &p))
		return MED_OK;
	return med_call_fail(call, MED_ERR_UNAVAILABLE,
			     "face index loading: %zu of %zu templates read; "
			     "retry in about %lld s",
			     p.done, p.total, (long long)p.retry_after_s);
}

med_err
identity_face_index_ready(med_call *call, identity_face *f)
{
	med_err err = identity_face_index_not_loading(call, f);

	if (err != MED_OK || identity_index_is_loaded(f->index))
		return err;
	return identity_index_load(f->index, med_call_db(call), f);
}

size_t
identity_face_dim(const identity_face *f)
{
	return f->dim;
}

double
identity_face_threshold(const identity_face *f)
{
	return f->threshold;
}

const char *
identity_face_model(const identity_face *f)
{
	return f->model;
}

const char *
identity_face_device(const identity_face *f)
{
	return f->device;
}

int64_t
identity_face_ttl_ms(const identity_face *f)
{
	return f->ttl_ms;
}

const uint8_t *
identity_face_template_key(const identity_face *f)
{
	return f->tkey;
}

const uint8_t *
identity_face_signing_seed(const identity_face *f)
{
	return f->seed;
}

const uint8_t *
identity_face_public_key(const identity_face *f)
{
	return f->pk;
}

const char *
identity_face_key_id(const identity_face *f)
{
	return f->key_id;
}

const char *
identity_face_describe(const identity_face *f)
{
	return f->describe;
}

identity_index *
identity_face_index(identity_face *f)
{
	return f->index;
}

float
identity_cosine(const float *a, const float *b, size_t n)
{
	float s = 0.f;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}
