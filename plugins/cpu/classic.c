/*
 * classic.c - the classic face models behind the cpu backend's "haar-xml"
 * and "lbp" formats: load options, the declared tensors, and run over a
 * batch.  The models are read-only after load; run allocates its scratch
 * per call, so instances need no state of their own.
 */
#include "classic.h"
#include "cpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CL_HAAR, CL_LBP };

struct cv_classic {
	int kind;
	cv_haar *haar;
	cv_haar_opts haar_opts;
	cv_lbp_opts lbp_opts;
};

static int
opt_double(const med_plugin_kv *kv, double lo, double hi, double *out,
	   med_plugin_err *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(kv->value, &end);
	if (end == kv->value || *end != '\0' || errno || !(v >= lo && v <= hi))
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "option %s: '%s' is not a number from %g to %g",
			       kv->key, kv->value, lo, hi);
	*out = v;
	return 0;
}

static int
opt_int(const med_plugin_kv *kv, int lo, int hi, int *out, med_plugin_err *err)
{
	double v = 0;
	int rc = opt_double(kv, lo, hi, &v, err);

	if (rc == 0 && v != (int)v)
		rc = cv_fail(err, MED_PLUGIN_EINVAL,
			     "option %s: '%s' is not an integer", kv->key,
			     kv->value);
	if (rc == 0)
		*out = (int)v;
	return rc;
}

static int
haar_opt(const med_plugin_kv *kv, cv_haar_opts *o, med_plugin_err *err)
{
	if (strcmp(kv->key, "scale_factor") == 0)
		return opt_double(kv, 1.01, 4.0, &o->scale_factor, err);
	if (strcmp(kv->key, "min_neighbors") == 0)
		return opt_int(kv, 0, 1000, &o->min_neighbors, err);
	if (strcmp(kv->key, "min_size") == 0)
		return opt_int(kv, 0, CV_IMG_MAX_SIDE, &o->min_size, err);
	if (strcmp(kv->key, "max_size") == 0)
		return opt_int(kv, 0, CV_IMG_MAX_SIDE, &o->max_size, err);
	if (strcmp(kv->key, "simd") == 0)
		return opt_int(kv, 0, 1, &o->simd, err);
	if (strcmp(kv->key, "step") == 0)
		return opt_int(kv, 0, 2, &o->step, err);
	return cv_fail(err, MED_PLUGIN_EINVAL,
		       "option %s unknown (haar-xml takes scale_factor, "
		       "min_neighbors, min_size, max_size, simd, step)",
		       kv->key);
}

static int
lbp_opt(const med_plugin_kv *kv, cv_lbp_opts *o, med_plugin_err *err)
{
	int rc;

	if (strcmp(kv->key, "grid") == 0) {
		rc = opt_int(kv, 1, 32, &o->grid_x, err);
		o->grid_y = o->grid_x;
		return rc;
	}
	if (strcmp(kv->key, "grid_x") == 0)
		return opt_int(kv, 1, 32, &o->grid_x, err);
	if (strcmp(kv->key, "grid_y") == 0)
		return opt_int(kv, 1, 32, &o->grid_y, err);
	if (strcmp(kv->key, "radius") == 0)
		return opt_int(kv, 1, 8, &o->radius, err);
	if (strcmp(kv->key, "circular") == 0)
		return opt_int(kv, 0, 1, &o->circular, err);
	return cv_fail(err, MED_PLUGIN_EINVAL,
		       "option %s unknown (lbp takes grid, grid_x, grid_y, "
		       "radius, circular)",
		       kv->key);
}

static void
set_desc(med_tensor_desc *d, const char *name, uint32_t dtype, int n,
	 const int64_t *dims)
{
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->dtype = dtype;
	d->n_dims = (uint32_t)n;
	memcpy(d->dims, dims, sizeof(int64_t) * (size_t)n);
}

/* The image input of both models: u8 [1,1,H,W], H and W set per run. */
static void
image_input(med_model_info *info)
{
	static const int64_t dims[4] = {1, 1, -1, -1};

	memset(info, 0, sizeof(*info));
	info->n_inputs = 1;
	set_desc(&info->inputs[0], "image", MED_DTYPE_U8, 4, dims);
}

int
cv_haar_load(const char *path, const med_plugin_kv *opts, size_t n_opts,
	     cv_classic **out, med_model_info *info, med_plugin_err *err)
{
	static const int64_t boxes[3] = {1, CV_HAAR_MAX, 5}, count[2] = {1, 1};
	cv_classic *c = calloc(1, sizeof(*c));
	const char *base;
	cv_xml x;
	int rc = 0;

	if (c == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	c->kind = CL_HAAR;
	c->haar_opts = (cv_haar_opts){1.1, 3, 0, 0, 1, 0};
	for (size_t i = 0; rc == 0 && i < n_opts; i++)
		rc = haar_opt(&opts[i], &c->haar_opts, err);
	if (rc == 0)
		rc = cv_xml_read(path, &x, err);
	if (rc) {
		free(c);
		return rc;
	}
	base = strrchr(path, '/');
	rc = cv_haar_from_xml(&x, base ? base + 1 : path, &c->haar, err);
	cv_xml_fini(&x);
	if (rc) {
		free(c);
		return rc;
	}
	image_input(info);
	info->n_outputs = 2;
	set_desc(&info->outputs[0], "boxes", MED_DTYPE_F32, 3, boxes);
	set_desc(&info->outputs[1], "count", MED_DTYPE_I64, 2, count);
	*out = c;
	return 0;
}

int
cv_lbp_load(const med_plugin_kv *opts, size_t n_opts, cv_classic **out,
	    med_model_info *info, med_plugin_err *err)
{
	cv_classic *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (c == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	c->kind = CL_LBP;
	c->lbp_opts = (cv_lbp_opts){8, 8, 1, 0};
	for (size_t i = 0; rc == 0 && i < n_opts; i++)
		rc = lbp_opt(&opts[i], &c->lbp_opts, err);
	if (rc) {
		free(c);
		return rc;
	}
	int64_t dims[2] = {1, (int64_t)cv_lbp_dim(&c->lbp_opts)};
	image_input(info);
	info->n_outputs = 1;
	set_desc(&info->outputs[0], "embedding", MED_DTYPE_F32, 2, dims);
	*out = c;
	return 0;
}

int
cv_classic_run(cv_classic *c, uint32_t batch, const med_tensor *inputs,
	       med_tensor *outputs, med_plugin_err *err)
{
	const med_tensor *in = &inputs[0];
	int64_t h = in->dims[2], w = in->dims[3];
	size_t px;

	if (in->n_dims != 4 || in->dims[1] != 1 || h < 1 || w < 1 ||
	    h > CV_IMG_MAX_SIDE || w > CV_IMG_MAX_SIDE)
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "image: want u8 [N,1,H,W] with H and W from 1 "
			       "to %d",
			       CV_IMG_MAX_SIDE);
	px = (size_t)h * (size_t)w;
	for (uint32_t b = 0; b < batch; b++) {
		const uint8_t *img = (const uint8_t *)in->data + b * px;
		int rc;
		if (c->kind == CL_HAAR)
			rc = cv_haar_detect(
				c->haar, &c->haar_opts, img, (int)w, (int)h,
				(float *)outputs[0].data + b * CV_HAAR_MAX * 5,
				CV_HAAR_MAX, (int64_t *)outputs[1].data + b,
				err);
		else
			rc = cv_lbp_embed(&c->lbp_opts, img, (int)w, (int)h,
					  (float *)outputs[0].data +
						  b * cv_lbp_dim(&c->lbp_opts),
					  err);
		if (rc)
			return rc;
	}
	return 0;
}

void
cv_classic_free(cv_classic *c)
{
	if (c == NULL)
		return;
	cv_haar_free(c->haar);
	free(c);
}
