/*
 * model.c - the image model: loaded once at start through the inference
 * host (med/infer.h), run per AnalyzeImage after the image is decoded
 * (med/image.h) and preprocessed exactly as tools/train/pneumonia.py
 * trained it: grey in [0, 1], resized to the model's H x W (area
 * averaging when shrinking), then (x - 0.5) / 0.5.
 *
 * A model that cannot load does not stop the service: the problem list
 * and care plans keep working and AnalyzeImage answers UNAVAILABLE with
 * the reason, so a missing GPU or file is one clear error, not an outage.
 */
#include <limits.h>
#include <med/arena.h>
#include <med/audit.h>
#include <med/auth.h>
#include <med/config.h>
#include <med/image.h>
#include <med/infer.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/patients.h>
#include <med/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnosis.h"

#define DIAGNOSIS_MAX_LABELS 16
#define DIAGNOSIS_NORM_MEAN  0.5f
#define DIAGNOSIS_NORM_STD   0.5f
/* The overlay is the model's input scaled by a whole number to at least
 * this side: 224 x 224 for the 224 x 224 model (1x) as for a 28 x 28 one
 * (8x), large enough to see on a report. */
#define DIAGNOSIS_OVERLAY_MIN_SIDE 224

typedef struct diagnosis_model {
	med_infer_host *host;
	med_infer_model *model;
	med_image_limits lim;
	uint32_t min_side; /* MED_DIAGNOSIS_MIN_IMAGE_SIDE, resolved */
	uint32_t in_h, in_w, n_out;
	/* The model's Grad-CAM output (tools/train/gradcam_graph.py), when it
	 * has one: the overlay then costs no extra run. */
	bool has_cam;
	uint32_t cam_h, cam_w;
	med_counter *overlays;
	char id[64], version[32], sha256[65];
	char backend[32], device[8];
	bool fallback;
	char reason[256];
	char label_buf[512];
	const char *labels[DIAGNOSIS_MAX_LABELS];
	size_t n_labels;
	med_histogram *latency;
	diagnosis_pacs pacs;
	/* The decision threshold (opoint.c), from the card. */
	diagnosis_opoint op;
	/* Who and what the model is validated for (population.c), from the
	 * card. */
	diagnosis_population pop;
	/* The out-of-distribution guard (chest_guard_v1): its own model, run
	 * before the classifier; NULL when off or not loaded. */
	med_infer_model *guard;
	uint32_t guard_h, guard_w;
	float guard_min_p;
	bool guard_on, guard_uploads;
	char guard_reason[256];
} diagnosis_model;

/* exe_relative writes "<dir of this binary>/rel" into buf. */
static med_err
exe_relative(char *buf, size_t len, const char *rel)
{
	return med_exe_relative(buf, len, rel) == 0 ? MED_OK : MED_ERR_IO;
}

void
diagnosis_model_id(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	char *dot;

	med_strlcpy(out, base ? base + 1 : path, len);
	dot = strrchr(out, '.');
	if (dot != NULL && strcmp(dot, ".onnx") == 0)
		*dot = '\0';
}

size_t
diagnosis_labels_split(char *buf, const char **labels, size_t max)
{
	char *p = buf;
	size_t n = 0;

	while (p != NULL && *p != '\0' && n < max) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		labels[n++] = p;
		p = comma ? comma + 1 : NULL;
	}
	return n;
}

bool
diagnosis_has_cam(const med_model_info *info, uint32_t *cam_h, uint32_t *cam_w)
{
	const med_tensor_desc *c = &info->outputs[1];

	if (info->n_outputs != 2 || strcmp(c->name, "cam") != 0 ||
	    c->dtype != MED_DTYPE_F32 || c->n_dims != 4 || c->dims[0] != 1 ||
	    c->dims[1] != info->outputs[0].dims[1] || c->dims[2] <= 0 ||
	    c->dims[3] <= 0 || c->dims[2] > 4096 || c->dims[3] > 4096)
		return false;
	*cam_h = (uint32_t)c->dims[2];
	*cam_w = (uint32_t)c->dims[3];
	return true;
}

med_err
diagnosis_shapes_check(const med_model_info *info, size_t n_labels,
		       uint32_t *in_h, uint32_t *in_w, char *reason,
		       size_t reason_len)
{
	const med_tensor_desc *in = &info->inputs[0], *out = &info->outputs[0];
	uint32_t cam_h, cam_w;

	/* A second output is taken only as a Grad-CAM map. */
	if (info->n_inputs != 1 ||
	    (info->n_outputs != 1 &&
	     !diagnosis_has_cam(info, &cam_h, &cam_w)) ||
	    in->dtype != MED_DTYPE_F32 || in->n_dims != 4 || in->dims[0] != 1 ||
	    in->dims[1] != 1 || in->dims[2] <= 0 || in->dims[3] <= 0 ||
	    in->dims[2] > 4096 || in->dims[3] > 4096 ||
	    out->dtype != MED_DTYPE_F32 || out->n_dims != 2 ||
	    out->dims[0] != 1) {
		snprintf(reason, reason_len,
			 "model: expected one f32 [1,1,H,W] input and one f32 "
			 "[1,K] output (and optionally \"cam\" f32 "
			 "[1,K,h,w])");
		return MED_ERR_INVALID;
	}
	if ((size_t)out->dims[1] != n_labels) {
		snprintf(reason, reason_len,
			 "model: %lld outputs but %zu labels configured",
			 (long long)out->dims[1], n_labels);
		return MED_ERR_INVALID;
	}
	*in_h = (uint32_t)in->dims[2];
	*in_w = (uint32_t)in->dims[3];
	return MED_OK;
}

/* check_shapes takes the input size and label count from the model. */
static med_err
check_shapes(diagnosis_model *m)
{
	med_err err = diagnosis_shapes_check(med_infer_model_info(m->model),
					     m->n_labels, &m->in_h, &m->in_w,
					     m->reason, sizeof(m->reason));

	if (err != MED_OK)
		return err;
	m->n_out = (uint32_t)m->n_labels;
	m->has_cam = diagnosis_has_cam(med_infer_model_info(m->model),
				       &m->cam_h, &m->cam_w);
	return MED_OK;
}

/* model_file writes the setting key's path, or the shipped model named
 * file beside the source tree, into buf. */
static med_err
model_file(const med_config *cfg, const char *key, const char *file, char *buf,
	   size_t len)
{
	const char *set = med_config_str(cfg, key);
	char shipped[128];

	if (set[0] != '\0') {
		med_strlcpy(buf, set, len);
		return MED_OK;
	}
	snprintf(shipped, sizeof(shipped), "../../services/diagnosis/models/%s",
		 file);
	return exe_relative(buf, len, shipped);
}

/*
 * load_population reads the card's population and the settings for a film
 * outside it.  Without identity (MED_IDENTITY_URL unset: no patient checks,
 * a development stack) no age can be known, so only views and modalities
 * are checked, and the start says so.
 */
static med_err
load_population(diagnosis_model *m, const med_config *cfg, const char *card)
{
	const char *mode =
		med_config_str(cfg, "MED_DIAGNOSIS_OUTSIDE_POPULATION");
	diagnosis_population *pop = &m->pop;

	if (strcmp(mode, "refuse") != 0 && strcmp(mode, "mark") != 0) {
		snprintf(m->reason, sizeof(m->reason),
			 "MED_DIAGNOSIS_OUTSIDE_POPULATION: \"%s\" is not "
			 "\"refuse\" or \"mark\"",
			 mode);
		return MED_ERR_INVALID;
	}
	if (diagnosis_population_load(card, m->id, pop, m->reason,
				      sizeof(m->reason)) != MED_OK)
		return MED_ERR_INVALID;
	pop->mark = strcmp(mode, "mark") == 0;
	pop->ages_known = med_config_str(cfg, "MED_IDENTITY_URL")[0] != '\0';
	if (!pop->set)
		med_log_warn("model %s: its card states no population; no "
			     "patient's age or film's view is checked",
			     m->id);
	else if (!pop->ages_known)
		med_log_warn("model %s is validated for %s, but without "
			     "identity (MED_IDENTITY_URL) no patient's age is "
			     "known or checked",
			     m->id, pop->who);
	else
		med_log_info("model %s: validated for %s; others are %s", m->id,
			     pop->who, pop->mark ? "marked" : "refused");
	return MED_OK;
}

/* load_card reads the operating point from the model's card; a default
 * card that is absent leaves findings without one (a model the operator
 * brings may have none), a named one must be there. */
static med_err
load_card(diagnosis_model *m, const med_config *cfg, const char *model_path)
{
	const char *set = med_config_str(cfg, "MED_DIAGNOSIS_MODEL_CARD");
	int64_t permille =
		med_config_int(cfg, "MED_DIAGNOSIS_OPERATING_PERMILLE");
	char card[PATH_MAX];
	size_t n = strlen(model_path);

	if (strcmp(set, "none") == 0 ||
	    (set[0] == '\0' &&
	     (n < 5 || strcmp(model_path + n - 5, ".onnx") != 0))) {
		card[0] = '\0';
	} else if (set[0] != '\0') {
		med_strlcpy(card, set, sizeof(card));
	} else {
		snprintf(card, sizeof(card), "%.*s.card.json", (int)(n - 5),
			 model_path);
		if (access(card, R_OK) != 0)
			card[0] = '\0';
	}
	if (card[0] == '\0') {
		if (permille > 0) {
			snprintf(m->reason, sizeof(m->reason),
				 "MED_DIAGNOSIS_OPERATING_PERMILLE: the model "
				 "has no card naming the label it applies to");
			return MED_ERR_INVALID;
		}
		med_log_warn("model %s: no card, so no operating point: "
			     "findings give the argmax label only",
			     m->id);
		return MED_OK;
	}
	if (diagnosis_opoint_load(card, m->sha256, permille, m->labels,
				  m->n_labels, &m->op, m->reason,
				  sizeof(m->reason)) != MED_OK)
		return MED_ERR_INVALID;
	return load_population(m, cfg, card);
}

/* load_model fills m or writes m->reason and returns the error. */
static med_err
load_model(diagnosis_model *m, const med_config *cfg)
{
	char path[PATH_MAX], msg[256] = "";
	med_infer_settings is;
	med_infer_model_opts o = {.format = "onnx", .path = path};
	med_err err = med_infer_settings_load(cfg, &is, msg, sizeof(msg));

	if (err != MED_OK) {
		snprintf(m->reason, sizeof(m->reason), "%s", msg);
		return err;
	}
	if ((err = model_file(cfg, "MED_DIAGNOSIS_MODEL",
			      "pneumonia_cxr224_v4.onnx", path,
			      sizeof(path))) != MED_OK) {
		snprintf(m->reason, sizeof(m->reason), "model: no path");
		return err;
	}
	diagnosis_model_id(path, m->id, sizeof(m->id));
	if (med_file_sha256(path, m->sha256) != MED_OK) {
		med_log_error("model: cannot read %s", path);
		snprintf(m->reason, sizeof(m->reason),
			 "model: the model file cannot be read");
		return MED_ERR_NOT_FOUND;
	}
	if ((err = med_infer_host_open(&is, &m->host)) != MED_OK) {
		med_log_error("model: plugin directory %s unusable",
			      is.plugin_dir);
		snprintf(m->reason, sizeof(m->reason),
			 "model: the plugin directory is unusable");
		return err;
	}
	o.device = is.device;
	o.strict = is.strict;
	o.max_batch = is.max_batch;
	o.max_wait_us = is.max_wait_us;
	err = med_infer_model_load(m->host, &o, &m->model, msg, sizeof(msg));
	if (err != MED_OK) {
		snprintf(m->reason, sizeof(m->reason), "model: %s",
			 msg[0] ? msg : med_strerror(err));
		return err;
	}
	if ((err = check_shapes(m)) != MED_OK)
		return err;
	return load_card(m, cfg, path);
}

/* load_guard loads the guard through the classifier's host, or writes
 * m->guard_reason.  Two outputs: (other, chest). */
static med_err
load_guard(diagnosis_model *m, const med_config *cfg)
{
	char path[PATH_MAX], msg[256] = "";
	med_infer_settings is;
	med_infer_model_opts o = {.format = "onnx", .path = path};
	med_err err;

	if (m->host == NULL) {
		snprintf(m->guard_reason, sizeof(m->guard_reason),
			 "guard: no inference host (the classifier did not "
			 "load)");
		return MED_ERR_UNAVAILABLE;
	}
	if ((err = med_infer_settings_load(cfg, &is, msg, sizeof(msg))) !=
		    MED_OK ||
	    (err = model_file(cfg, "MED_DIAGNOSIS_GUARD_MODEL",
			      "chest_guard_v1.onnx", path, sizeof(path))) !=
		    MED_OK)
		return err;
	o.device = is.device;
	o.strict = is.strict;
	o.max_batch = is.max_batch;
	o.max_wait_us = is.max_wait_us;
	err = med_infer_model_load(m->host, &o, &m->guard, msg, sizeof(msg));
	if (err == MED_OK)
		err = diagnosis_shapes_check(med_infer_model_info(m->guard), 2,
					     &m->guard_h, &m->guard_w, msg,
					     sizeof(msg));
	/* run_guard reads the probabilities alone: a guard with a cam
	 * output would fail every run, so it is refused here, once. */
	if (err == MED_OK && med_infer_model_info(m->guard)->n_outputs != 1) {
		snprintf(msg, sizeof(msg), "expected one output");
		err = MED_ERR_INVALID;
	}
	if (err != MED_OK)
		snprintf(m->guard_reason, sizeof(m->guard_reason), "guard: %s",
			 msg[0] ? msg : med_strerror(err));
	return err;
}

/* start_guard reads the guard's settings and loads it unless off. */
static void
start_guard(diagnosis_model *m, const med_config *cfg)
{
	m->guard_on = strcmp(med_config_str(cfg, "MED_DIAGNOSIS_GUARD_MODEL"),
			     "off") != 0;
	m->guard_uploads = med_config_bool(cfg, "MED_DIAGNOSIS_GUARD_UPLOADS");
	m->guard_min_p =
		(float)med_config_int(cfg, "MED_DIAGNOSIS_GUARD_MIN_PERMILLE") /
		1000.0f;
	if (!m->guard_on) {
		med_log_warn("guard: off (MED_DIAGNOSIS_GUARD_MODEL=off): any "
			     "image gets a probability");
		return;
	}
	if (load_guard(m, cfg) != MED_OK) {
		med_log_error("%s; guarded analyses will answer UNAVAILABLE",
			      m->guard_reason);
		med_infer_model_free(m->guard);
		m->guard = NULL;
	}
}

/* saliency_method names what makes m's overlays: "grad-cam" (the model's
 * own cam output), "occlusion" (any other model) or "none" (no model). */
static const char *
saliency_method(const diagnosis_model *m)
{
	if (m->model == NULL)
		return "none";
	return m->has_cam ? "grad-cam" : "occlusion";
}

/*
 * audit_operating_point logs and audits the threshold in force at start,
 * and where it came from: the one way it changes is configuration, and
 * this event is how the audit log tells which threshold a finding was
 * decided at.  A threshold that is not the card's is a warning.
 */
static void
audit_operating_point(med_service *svc, const diagnosis_model *m)
{
	const diagnosis_opoint *op = &m->op;
	char detail[256], threshold[16], card[16];
	const med_audit_detail d[] = {{"model", m->id},
				      {"label", op->label},
				      {"threshold", threshold},
				      {"card_threshold", card},
				      {"source", op->source}};
	med_audit_event ev = {.action = "diagnosis/operating-point",
			      .actor = "diagnosis",
			      .actor_roles = MED_ROLE_SERVICE,
			      .resource = "model/operating-point",
			      .detail = detail,
			      .details = d,
			      .n_details = 5};
	bool changed = strcmp(op->source, "model-card") != 0;

	if (!op->set)
		return;
	snprintf(threshold, sizeof(threshold), "%.3f", (double)op->threshold);
	snprintf(card, sizeof(card), "%.3f", (double)op->card_threshold);
	snprintf(detail, sizeof(detail),
		 "%s: %s positive at p >= %s (%s; the card's is %s)", m->id,
		 op->label, threshold,
		 changed ? "set by MED_DIAGNOSIS_OPERATING_PERMILLE"
			 : "the model card's",
		 card);
	if (changed)
		med_log_warn("operating point: %s", detail);
	else
		med_log_info("operating point: %s", detail);
	if (med_service_audit(svc) != NULL &&
	    med_audit_emit(med_service_audit(svc), &ev) != MED_OK)
		med_log_error("operating point: the audit spool refused the "
			      "event");
}

/*
 * min_image_side resolves MED_DIAGNOSIS_MIN_IMAGE_SIDE for the loaded
 * model: -1 is half its input's shorter side.  Measured on the 224 px
 * model's validation split (MODEL_CARD.md, "Intended use and limits"):
 * grown from 28 px, 89 % of normal radiographs score over the operating
 * point, from 56 px 14 %, from 112 px 1 %, as at full size.
 */
static uint32_t
min_image_side(const med_config *cfg, const diagnosis_model *m)
{
	int64_t v = med_config_int(cfg, "MED_DIAGNOSIS_MIN_IMAGE_SIDE");

	if (v >= 0)
		return (uint32_t)v;
	return (m->in_w < m->in_h ? m->in_w : m->in_h) / 2;
}

med_err
diagnosis_model_start(med_service *svc)
{
	const med_config *cfg = med_service_config(svc);
	diagnosis_model *m = calloc(1, sizeof(*m));
	char labels[128];
	med_err err;

	if (m == NULL)
		return MED_ERR_NOMEM;
	med_strlcpy(m->version,
		    med_config_str(cfg, "MED_DIAGNOSIS_MODEL_VERSION"),
		    sizeof(m->version));
	med_strlcpy(m->label_buf, med_config_str(cfg, "MED_DIAGNOSIS_LABELS"),
		    sizeof(m->label_buf));
	m->n_labels = diagnosis_labels_split(m->label_buf, m->labels,
					     DIAGNOSIS_MAX_LABELS);
	m->lim.max_bytes =
		(size_t)med_config_int(cfg, "MED_DIAGNOSIS_MAX_IMAGE_BYTES");
	m->lim.max_side =
		(uint32_t)med_config_int(cfg, "MED_DIAGNOSIS_MAX_IMAGE_SIDE");
	if (diagnosis_pacs_load(cfg, &m->pacs) != MED_OK) {
		free(m);
		return MED_ERR_INTERNAL;
	}
	if (load_model(m, cfg) != MED_OK) {
		med_log_error("%s; AnalyzeImage will answer UNAVAILABLE",
			      m->reason);
		med_infer_model_free(m->model);
		m->model = NULL;
	} else {
		med_strlcpy(m->backend, med_infer_model_backend(m->model),
			    sizeof(m->backend));
		med_strlcpy(
			m->device,
			med_infer_device_name(med_infer_model_device(m->model)),
			sizeof(m->device));
		m->fallback = med_infer_model_fallback(m->model);
		m->min_side = min_image_side(cfg, m);
		med_log_info("model %s %s loaded: backend=%s device=%s "
			     "saliency=%s min_side=%u",
			     m->id, m->version, m->backend, m->device,
			     saliency_method(m), m->min_side);
		audit_operating_point(svc, m);
	}
	start_guard(m, cfg);
	snprintf(labels, sizeof(labels), "device=\"%s\"",
		 m->model ? m->device : "none");
	m->latency = med_metrics_histogram(
		med_service_metrics(svc),
		"smartmed_diagnosis_inference_seconds",
		"AnalyzeImage decode, preprocessing and model run", labels);
	snprintf(labels, sizeof(labels), "method=\"%s\"", saliency_method(m));
	m->overlays = med_metrics_counter(
		med_service_metrics(svc), "smartmed_diagnosis_overlays_total",
		"saliency overlays made, by the method that made them", labels);
	med_service_set_data(svc, m);
	/* The patient checks of writes (med/patients.h) start with the
	 * model: the service has one start hook. */
	err = med_patients_service_start(svc);
	if (err != MED_OK)
		diagnosis_model_stop(svc);
	return err;
}

void
diagnosis_model_stop(med_service *svc)
{
	diagnosis_model *m = med_service_data(svc);

	med_patients_service_stop(svc);
	if (m == NULL)
		return;
	med_infer_model_free(m->guard);
	med_infer_model_free(m->model);
	med_infer_host_free(m->host);
	free(m);
	med_service_set_data(svc, NULL);
}

const diagnosis_population *
diagnosis_model_population(med_service *svc)
{
	const diagnosis_model *m = med_service_data(svc);

	return m ? &m->pop : NULL;
}

const diagnosis_pacs *
diagnosis_model_pacs(med_service *svc)
{
	const diagnosis_model *m = med_service_data(svc);

	return m ? &m->pacs : NULL;
}

med_err
diagnosis_preprocess(const med_image *img, uint32_t w, uint32_t h, float *x)
{
	med_err err = med_image_resize(img, w, h, x);

	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < (size_t)w * h; i++)
		x[i] = (x[i] - DIAGNOSIS_NORM_MEAN) / DIAGNOSIS_NORM_STD;
	return MED_OK;
}

size_t
diagnosis_top_index(const float *p, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (p[i] > p[best])
			best = i;
	return best;
}

static med_err
fill_probabilities(med_call *call, const diagnosis_model *m, const float *p,
		   diagnosis_finding *f)
{
	med_arena *a = med_call_arena(call);
	Smartmed__Diagnosis__V1__LabelProbability **v =
		med_arena_zalloc(a, sizeof(*v) * m->n_out);
	size_t best = diagnosis_top_index(p, m->n_out);

	if (v == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < m->n_out; i++) {
		v[i] = med_arena_zalloc(a, sizeof(*v[i]));
		if (v[i] == NULL)
			return MED_ERR_NOMEM;
		smartmed__diagnosis__v1__label_probability__init(v[i]);
		v[i]->label = (char *)m->labels[i];
		v[i]->probability = p[i];
	}
	f->probabilities = v;
	f->n_probabilities = m->n_out;
	f->top_label = (char *)m->labels[best];
	f->top_probability = p[best];
	return MED_OK;
}

static void
fill_model_fields(med_call *call, diagnosis_model *m, const med_image *img,
		  const ProtobufCBinaryData *image, diagnosis_finding *f)
{
	char *hex = med_arena_alloc(med_call_arena(call), 65);

	if (hex != NULL)
		med_sha256_hex(image->data, image->len, hex);
	f->image_sha256 = hex ? hex : "";
	f->image_format = (char *)med_image_format_name(img->format);
	f->image_width = img->width;
	f->image_height = img->height;
	f->model_id = m->id;
	f->model_version = m->version;
	f->model_sha256 = m->sha256;
	f->backend = m->backend;
	f->device = m->device;
	f->device_fallback = m->fallback;
}

/* occlusion_run - one occluded input through the served model. */
typedef struct occlusion_run {
	diagnosis_model *m;
	size_t label;
} occlusion_run;

static med_err
run_occluded(void *ctx, const float *x, float *p)
{
	const occlusion_run *r = ctx;
	float probs[DIAGNOSIS_MAX_LABELS] = {0};
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, 1, r->m->in_h, r->m->in_w},
			 .data = (void *)x,
			 .size = sizeof(float) * r->m->in_w * r->m->in_h};
	med_tensor out = {.dtype = MED_DTYPE_F32,
			  .n_dims = 2,
			  .dims = {1, r->m->n_out},
			  .data = probs,
			  .size = sizeof(float) * r->m->n_out};
	char msg[256] = "";
	med_err err =
		med_infer_run(r->m->model, &in, 1, &out, 1, msg, sizeof(msg));

	if (err == MED_OK)
		*p = probs[r->label];
	return err;
}

/*
 * saliency_map writes the top label's saliency over the model's input to
 * map: Grad-CAM from cam, the model's output of the same run, when it has
 * one; else the occlusion map through the plugin host (one more run per
 * occluded square: 196, the squares stepping by a fourteenth of the side).
 */
static med_err
saliency_map(diagnosis_model *m, const float *x, const float *probs,
	     const float *cam, float *map)
{
	occlusion_run r = {.m = m,
			   .label = diagnosis_top_index(probs, m->n_out)};
	diagnosis_occlusion o = {.x = x,
				 .w = m->in_w,
				 .h = m->in_h,
				 .p_top = probs[r.label],
				 .run = run_occluded,
				 .ctx = &r};

	if (cam != NULL)
		return diagnosis_cam_map(cam + r.label * m->cam_h * m->cam_w,
					 m->cam_w, m->cam_h, m->in_w, m->in_h,
					 map);
	return diagnosis_occlusion_map(&o, map);
}

/* overlay_scale is the whole factor that brings the model's input to at
 * least DIAGNOSIS_OVERLAY_MIN_SIDE on its longer side (1 when it is). */
static uint32_t
overlay_scale(const diagnosis_model *m)
{
	uint32_t side = m->in_w > m->in_h ? m->in_w : m->in_h;

	return side >= DIAGNOSIS_OVERLAY_MIN_SIDE
		       ? 1
		       : (DIAGNOSIS_OVERLAY_MIN_SIDE + side - 1) / side;
}

/*
 * saliency puts the overlay of the top label's saliency map (the model's
 * input scaled by overlay_scale, red where it looked) on the finding, to be
 * stored with it.
 */
static med_err
saliency(med_call *call, diagnosis_model *m, const float *x, const float *probs,
	 const float *cam, diagnosis_finding *f)
{
	size_t n = (size_t)m->in_w * m->in_h;
	float *map = med_arena_alloc(med_call_arena(call), sizeof(float) * n);
	uint8_t *png = NULL;
	size_t len = 0;
	med_err err;

	if (map == NULL)
		return MED_ERR_NOMEM;
	if (saliency_map(m, x, probs, cam, map) != MED_OK)
		return med_call_fail(call, MED_ERR_INTERNAL,
				     "model: the saliency map failed");
	if ((err = diagnosis_overlay_png(x, map, m->in_w, m->in_h,
					 overlay_scale(m), &png, &len)) !=
	    MED_OK)
		return err;
	f->overlay_png.data = med_arena_alloc(med_call_arena(call), len);
	if (f->overlay_png.data != NULL)
		memcpy(f->overlay_png.data, png, len);
	free(png);
	if (f->overlay_png.data == NULL)
		return MED_ERR_NOMEM;
	f->overlay_png.len = len;
	f->has_overlay = true;
	if (m->overlays != NULL)
		med_counter_add(m->overlays, 1);
	return MED_OK;
}

/* run_classifier runs the model once on x into probs and, when the model
 * has one, its Grad-CAM output into cam (n_out * cam_h * cam_w). */
static med_err
run_classifier(diagnosis_model *m, float *x, float *probs, float *cam,
	       char *msg, size_t msg_len)
{
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, 1, m->in_h, m->in_w},
			 .data = x,
			 .size = sizeof(float) * m->in_w * m->in_h};
	med_tensor out[2] = {
		{.dtype = MED_DTYPE_F32,
		 .n_dims = 2,
		 .dims = {1, m->n_out},
		 .data = probs,
		 .size = sizeof(float) * m->n_out},
		{.dtype = MED_DTYPE_F32,
		 .n_dims = 4,
		 .dims = {1, m->n_out, m->cam_h, m->cam_w},
		 .data = cam,
		 .size = sizeof(float) * m->n_out * m->cam_h * m->cam_w},
	};

	return med_infer_run(m->model, &in, 1, out, m->has_cam ? 2 : 1, msg,
			     msg_len);
}

/* run_model runs the classifier, then makes the saliency overlay of a
 * positive finding, for uploads and studies alike: the confirming
 * clinician needs it whatever the image came from. */
static med_err
run_model(med_call *call, diagnosis_model *m, const med_image *img,
	  diagnosis_finding *f)
{
	med_arena *a = med_call_arena(call);
	float *x = med_arena_alloc(a, sizeof(float) * m->in_w * m->in_h);
	float *cam = NULL;
	float probs[DIAGNOSIS_MAX_LABELS];
	char msg[256] = "";
	med_err err;

	if (m->has_cam)
		cam = med_arena_alloc(a, sizeof(float) * m->n_out * m->cam_h *
						 m->cam_w);
	if (x == NULL || (m->has_cam && cam == NULL))
		return MED_ERR_NOMEM;
	if ((err = diagnosis_preprocess(img, m->in_w, m->in_h, x)) != MED_OK)
		return med_call_fail(call, err, "image: cannot resample");
	if (run_classifier(m, x, probs, cam, msg, sizeof(msg)) != MED_OK)
		return med_call_fail(call, MED_ERR_INTERNAL, "model: %s", msg);
	if ((err = fill_probabilities(call, m, probs, f)) != MED_OK ||
	    (err = diagnosis_opoint_fill(a, &m->op, probs, f)) != MED_OK)
		return err;
	/* A negative finding carries no map: the map of where the model
	 * looked for "normal", painted red, reads as "abnormal here". */
	if (f->operating_point != NULL && !f->operating_point->positive)
		return MED_OK;
	return saliency(call, m, x, probs, cam, f);
}

/* check_image_size refuses an image too small for the classifier. */
static med_err
check_image_size(med_call *call, const diagnosis_model *m, const med_image *img)
{
	uint32_t side = img->width < img->height ? img->width : img->height;

	if (side >= m->min_side)
		return MED_OK;
	return med_call_fail(call, MED_ERR_INVALID,
			     "image: %ux%u is too small: %s needs at least "
			     "%u pixels on the shorter side (a smaller image "
			     "grown to its %ux%u input reads as pneumonia)",
			     img->width, img->height, m->id, m->min_side,
			     m->in_w, m->in_h);
}

/*
 * run_guard refuses an image the guard does not take for a frontal chest
 * radiograph.  The refusal carries no probability, of the guard or of the
 * classifier: a number for an image the model was not made for would be
 * read as a finding.  Nor does it say the image is not a chest film: the
 * guard also fails to place real ones (intensive-care AP films with lines
 * and tubes, dense consolidation), so it says only what it knows.
 */
static med_err
run_guard(med_call *call, diagnosis_model *m, const med_image *img)
{
	size_t n = (size_t)m->guard_w * m->guard_h;
	float *x = med_arena_alloc(med_call_arena(call), sizeof(float) * n);
	float probs[2];
	med_tensor in = {.dtype = MED_DTYPE_F32,
			 .n_dims = 4,
			 .dims = {1, 1, m->guard_h, m->guard_w}};
	med_tensor out = {.dtype = MED_DTYPE_F32,
			  .n_dims = 2,
			  .dims = {1, 2},
			  .data = probs,
			  .size = sizeof(probs)};
	char msg[256] = "";
	med_err err;

	if (m->guard == NULL)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "guard: not loaded (%s)", m->guard_reason);
	if (x == NULL)
		return MED_ERR_NOMEM;
	err = diagnosis_preprocess(img, m->guard_w, m->guard_h, x);
	if (err != MED_OK)
		return med_call_fail(call, err, "image: cannot resample");
	in.data = x;
	in.size = sizeof(float) * n;
	err = med_infer_run(m->guard, &in, 1, &out, 1, msg, sizeof(msg));
	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_INTERNAL, "guard: %s", msg);
	if (!(probs[1] >= m->guard_min_p))
		return med_call_fail(
			call, MED_ERR_INVALID,
			"image: the guard cannot place this image: "
			"not read by the model: send for a "
			"radiologist's read");
	return MED_OK;
}

med_err
diagnosis_model_analyze(med_call *call, const char *model,
			const ProtobufCBinaryData *image, bool from_pacs,
			diagnosis_finding *f)
{
	diagnosis_model *m = med_service_data(med_service_from_call(call));
	med_image *img = NULL;
	int64_t t0 = med_mono_ns();
	char msg[160] = "";
	med_err err;

	if (m == NULL || m->model == NULL)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "model: not loaded (%s)",
				     m ? m->reason : "not started");
	if (model[0] != '\0' && strcmp(model, m->id) != 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "model: unknown model; this service "
				     "serves %s",
				     m->id);
	err = med_image_decode(image->data, image->len, &m->lim, &img, msg,
			       sizeof(msg));
	if (err == MED_ERR_LIMIT)
		err = MED_ERR_INVALID; /* the caller's input, like any other */
	if (err != MED_OK)
		return med_call_fail(call, err, "image: %s", msg);
	fill_model_fields(call, m, img, image, f);
	err = check_image_size(call, m, img);
	if (err == MED_OK && m->guard_on && (from_pacs || m->guard_uploads))
		err = run_guard(call, m, img);
	if (err == MED_OK)
		err = run_model(call, m, img, f);
	med_image_free(img);
	if (err == MED_OK && m->latency != NULL)
		med_histogram_observe(m->latency,
				      (double)(med_mono_ns() - t0) / 1e9);
	return err;
}
