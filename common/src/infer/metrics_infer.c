/*
 * metrics_infer.c - the inference host's Prometheus series, recorded in the
 * library registry (med_metrics_lib) so that every service that runs a
 * model exports them without code of its own.  Labels name the model, the
 * backend and the device actually used; never a patient or a request.
 */
#include "infer_internal.h"

#include <med/metrics.h>

#include <stdio.h>
#include <string.h>

static const char *const outcome_names[MED__INFER_N_OUTCOMES] = {
	"ok", "invalid", "error"};

/* Batch sizes: host batching caps max_batch at 256. */
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

/*
 * med__infer_model_label writes the model's label value: the file name of
 * its path without directory and extension, else its format.  Characters
 * outside [A-Za-z0-9_.-] become '_', so an operator's path can neither
 * break the exposition format nor smuggle in another label.
 */
void
med__infer_model_label(const med_infer_model_opts *o, char *buf, size_t len)
{
	const char *base = o->path ? strrchr(o->path, '/') : NULL;
	const char *src = o->path ? (base ? base + 1 : o->path) : o->format;
	char *dot;

	snprintf(buf, len, "%s", src[0] ? src : o->format);
	dot = strrchr(buf, '.');
	if (dot != NULL && dot != buf)
		*dot = '\0';
	med_metrics_label_safe(buf);
}

void
med__infer_stats_init(med__infer_stats *s, const char *model,
		      const char *backend, med_device_kind device,
		      bool fallback)
{
	med_metrics *lib = med_metrics_lib();
	char base[192], labels[256];

	snprintf(base, sizeof(base),
		 "model=\"%s\",backend=\"%s\",device=\"%s\"", model, backend,
		 med_infer_device_name(device));
	for (int i = 0; i < MED__INFER_N_OUTCOMES; i++) {
		snprintf(labels, sizeof(labels), "%s,outcome=\"%s\"", base,
			 outcome_names[i]);
		s->requests[i] = med_metrics_counter(
			lib, "smartmed_inference_requests_total",
			"Inference requests by model, backend, device actually "
			"used and outcome (ok, invalid input, backend error).",
			labels);
	}
	s->seconds = med_metrics_histogram(
		lib, "smartmed_inference_duration_seconds",
		"Time of one inference request in the host, batching wait "
		"included.",
		base);
	s->batch = med_metrics_histogram_bounds(
		lib, "smartmed_inference_batch_size",
		"Items per backend run (host batching gathers concurrent "
		"requests).",
		base, batch_bounds,
		sizeof(batch_bounds) / sizeof(batch_bounds[0]));
	snprintf(labels, sizeof(labels), "%s,fallback=\"%s\"", base,
		 fallback ? "true" : "false");
	s->loaded = med_metrics_gauge(
		lib, "smartmed_inference_model_loaded",
		"1 while a model is loaded, with the device it actually runs "
		"on; fallback=\"true\" when a named device was absent.",
		labels);
	med_gauge_set(s->loaded, 1);
}

void
med__infer_stats_request(med__infer_stats *s, med_err rc, int64_t ns)
{
	int o = rc == MED_OK ? 0 : rc == MED_ERR_INVALID ? 1 : 2;

	med_counter_add(s->requests[o], 1);
	med_histogram_observe(s->seconds, (double)ns / 1e9);
}

void
med__infer_stats_batch(med__infer_stats *s, uint32_t n)
{
	med_histogram_observe(s->batch, (double)n);
}

void
med__infer_stats_fini(med__infer_stats *s)
{
	med_gauge_set(s->loaded, 0);
}
