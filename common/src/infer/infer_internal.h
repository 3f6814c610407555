/*
 * infer_internal.h - declarations shared by plugin_host.c and infer_run.c.
 */
#ifndef MED_INFER_INTERNAL_H
#define MED_INFER_INTERNAL_H

#include <med/infer.h>

/* med__backend - one accepted plugin and its init state. */
typedef struct med__backend {
	void *dl;
	const med_plugin_descriptor *desc;
	void *state;
} med__backend;

/* med__infer_choose picks the backend and device for o (plugin_host.c). */
med_err med__infer_choose(med_infer_host *h, const med_infer_model_opts *o,
			  med__backend **be, med_device_kind *kind,
			  bool *fallback, char *msg,
			  size_t msg_len) MED_MUST_CHECK;

#include <med/metrics.h>

#define MED__INFER_N_OUTCOMES 3

/* med__infer_stats - one model's series in the library registry. */
typedef struct med__infer_stats {
	med_counter *requests[MED__INFER_N_OUTCOMES]; /* ok, invalid, error */
	med_histogram *seconds;
	med_histogram *batch;
	med_gauge *loaded;
} med__infer_stats;

/* med__infer_model_label writes the "model" label value of o into buf. */
void med__infer_model_label(const med_infer_model_opts *o, char *buf,
			    size_t len);

/* med__infer_stats_init finds or makes the series and marks it loaded. */
void med__infer_stats_init(med__infer_stats *s, const char *model,
			   const char *backend, med_device_kind device,
			   bool fallback);

/* med__infer_stats_request counts one med_infer_run that took ns. */
void med__infer_stats_request(med__infer_stats *s, med_err rc, int64_t ns);

/* med__infer_stats_batch counts one backend run of n items. */
void med__infer_stats_batch(med__infer_stats *s, uint32_t n);

/* med__infer_stats_fini marks the model unloaded (the series stay). */
void med__infer_stats_fini(med__infer_stats *s);

#endif
