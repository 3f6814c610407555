/*
 * med/infer.h - the inference host: loads backends (med/plugin.h) from the
 * configured plugin directory, chooses a device per model and batches
 * concurrent requests.  See docs/plugin-abi.md.
 *
 * Thread-safety: med_infer_host_new/_free and model load/free are for one
 * thread (service start-up and shutdown); med_infer_run and the getters are
 * safe from any number of threads.
 */
#ifndef MED_INFER_H
#define MED_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/config.h>
#include <med/err.h>
#include <med/plugin.h>

typedef struct med_infer_host med_infer_host;
typedef struct med_infer_model med_infer_model;

/*
 * med_infer_config - host options.  Services map MED_PLUGIN_DIR,
 * MED_INFER_THREADS and MED_INFER_DEVICE onto these.
 */
typedef struct med_infer_config {
	const char *plugin_dir; /* the only place backends are loaded from */
	int threads;		/* per backend compute threads; 0 = 1 */
} med_infer_config;

/*
 * med_infer_host_new loads every "*.so" in cfg->plugin_dir.  A file that is
 * group- or world-writable, not a shared object, lacks MED_PLUGIN_SYMBOL,
 * has another ABI or fails init is refused with one log line and skipped;
 * the host still starts.  Errors: MED_ERR_INVALID (no plugin_dir),
 * MED_ERR_IO (directory unreadable), MED_ERR_NOMEM.
 */
med_err med_infer_host_new(const med_infer_config *cfg,
			   med_infer_host **out) MED_MUST_CHECK;

/* med_infer_host_free unloads every backend; models must be freed first. */
void med_infer_host_free(med_infer_host *h);

/* med_infer_backend_count returns how many backends were accepted. */
size_t med_infer_backend_count(const med_infer_host *h);

/* med_infer_backend_name returns accepted backend i's name, or NULL. */
const char *med_infer_backend_name(const med_infer_host *h, size_t i);

/* med_infer_refused_count returns how many plugin files were refused. */
size_t med_infer_refused_count(const med_infer_host *h);

/* med_infer_device_parse maps "auto", "cpu", "gpu", "npu"; -1 if unknown. */
int med_infer_device_parse(const char *name);

/*
 * med_infer_settings - what a service that runs models reads from its
 * configuration: MED_PLUGIN_DIR (empty: <binary dir>/../plugins),
 * MED_INFER_THREADS, MED_INFER_DEVICE, MED_INFER_STRICT,
 * MED_INFER_MAX_BATCH and MED_INFER_MAX_WAIT_US.  A service declares them
 * by setting runs_models in its med_service_def (med/service.h), which adds
 * med_infer_specs to its settings.
 */
typedef struct med_infer_settings {
	char plugin_dir[4096];
	int threads;
	med_device_kind device;
	bool strict;
	uint32_t max_batch;
	uint32_t max_wait_us;
} med_infer_settings;

extern const med_config_spec med_infer_specs[];
extern const size_t med_infer_n_specs;

/*
 * med_infer_settings_load reads the settings above from cfg into *out (set
 * only on success).  Errors: MED_ERR_INVALID (unknown device, path too
 * long), MED_ERR_IO (the binary's folder is unknown); errbuf names the
 * setting.
 */
med_err med_infer_settings_load(const med_config *cfg, med_infer_settings *out,
				char *errbuf, size_t errlen) MED_MUST_CHECK;

/* med_infer_host_open is med_infer_host_new with the settings' plugin
 * folder and thread count. */
med_err med_infer_host_open(const med_infer_settings *s,
			    med_infer_host **out) MED_MUST_CHECK;

/* med_infer_device_name returns "auto", "cpu", "gpu" or "npu". */
const char *med_infer_device_name(med_device_kind kind);

/* med_infer_model_opts - how to load one model. */
typedef struct med_infer_model_opts {
	const char *format;  /* "onnx", "haar-xml", "lbp", ... */
	const char *path;    /* operator-configured file; NULL if built in */
	const char *backend; /* a backend name, or NULL for any */
	med_device_kind device;
	bool strict;	      /* a named device that is absent is an error */
	uint32_t max_batch;   /* host batching: 0 or 1 = none */
	uint32_t max_wait_us; /* how long the first request waits for more */
	const med_plugin_kv *opts; /* passed to the backend's model_load */
	size_t n_opts;
} med_infer_model_opts;

/*
 * med_infer_model_load picks the backend and device and loads the model.
 * Device choice: AUTO takes the best device any backend serving the format
 * has (GPU, then NPU, then CPU); a named device that is absent falls back
 * to CPU with an error log line and fallback() true, or with strict fails
 * with MED_ERR_UNAVAILABLE.  Other errors: MED_ERR_NOT_FOUND (no backend
 * for the format), MED_ERR_INVALID (the backend refused the model; the log
 * line and *msg say why), MED_ERR_NOMEM.  msg (may be NULL) receives the
 * reason on failure.
 */
med_err med_infer_model_load(med_infer_host *h, const med_infer_model_opts *o,
			     med_infer_model **out, char *msg,
			     size_t msg_len) MED_MUST_CHECK;

/* med_infer_model_free stops the batcher and unloads; NULL is fine. */
void med_infer_model_free(med_infer_model *m);

/* med_infer_model_info returns the model's inputs and outputs. */
const med_model_info *med_infer_model_info(const med_infer_model *m);

/* med_infer_model_device returns the device kind actually used. */
med_device_kind med_infer_model_device(const med_infer_model *m);

/* med_infer_model_fallback says a named device was absent (non-strict). */
bool med_infer_model_fallback(const med_infer_model *m);

/* med_infer_model_backend returns the serving backend's name. */
const char *med_infer_model_backend(const med_infer_model *m);

/*
 * med_infer_model_describe writes the audit details of an inference,
 * 'backend=cpu version=1.0.0 abi=1.0 device=cpu fallback=false', into buf.
 */
void med_infer_model_describe(const med_infer_model *m, char *buf, size_t len);

/* med_infer_model_runs returns how many plugin run calls were made. */
uint64_t med_infer_model_runs(const med_infer_model *m);

/*
 * med_infer_run runs one item (inputs with dims[0] == the model's).
 * outputs[] are caller buffers sized from med_infer_model_info.  With
 * max_batch > 1, concurrent calls are gathered into one backend run.
 * Errors: MED_ERR_INVALID (shapes, sizes), MED_ERR_INTERNAL (the backend
 * failed; msg says why).
 */
med_err med_infer_run(med_infer_model *m, const med_tensor *inputs,
		      uint32_t n_inputs, med_tensor *outputs,
		      uint32_t n_outputs, char *msg,
		      size_t msg_len) MED_MUST_CHECK;

/* med_tensor_nbytes returns the byte size of dtype x dims; 0 if invalid. */
size_t med_tensor_nbytes(uint32_t dtype, uint32_t n_dims, const int64_t *dims);

#endif
