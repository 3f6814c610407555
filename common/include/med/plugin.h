/*
 * med/plugin.h - the inference backend ABI (docs/plugin-abi.md).
 *
 * A backend is a shared object in the plugin directory that exports exactly
 * one symbol, MED_PLUGIN_SYMBOL, a const med_plugin_descriptor.  Plugins
 * include only this header and libc (plus their own device libraries).
 *
 * Versioning: tables only grow at the end.  The host loads a plugin only if
 * the majors are equal and the host's minor is >= the plugin's, and reads
 * no byte of a table past its struct_size.  A new optional function is a
 * minor bump (NULL means "not implemented"); removing or changing anything
 * is a major bump.  Released layouts are frozen by static asserts in
 * tests/unit/test_plugin_abi.c.
 *
 * Lifecycle:  init -> model_load -> instance_new (one per device) -> run ...
 *             -> instance_free -> model_unload -> fini
 *
 * Threads: init/fini and model_load/model_unload are called by one thread
 * at a time per backend.  instance_new may run concurrently for different
 * models.  run is never called concurrently on the same instance, but
 * different instances (of one model or several) run concurrently, so all
 * mutable state lives in the instance.  A loaded model is read-only.
 *
 * Errors: every fallible call returns 0 on success or a nonzero code
 * (MED_PLUGIN_E*) and fills err->msg with one line naming what failed.
 * A plugin never calls exit() or abort() and never writes to stdout.
 */
#ifndef MED_PLUGIN_H
#define MED_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define MED_PLUGIN_ABI_MAJOR 1
#define MED_PLUGIN_ABI_MINOR 0
/* MED_PLUGIN_SYMBOL is the one name a backend exports. */
#define MED_PLUGIN_SYMBOL "med_plugin"

#define MED_TENSOR_MAX_DIMS 8
#define MED_PLUGIN_MAX_IO   32

/* med_device_kind - where a model instance runs; also a bit in masks. */
typedef enum med_device_kind {
	MED_DEVICE_AUTO = 0, /* host-side only: best available, else CPU */
	MED_DEVICE_CPU = 1,
	MED_DEVICE_GPU = 2,
	MED_DEVICE_NPU = 3,
} med_device_kind;

#define MED_DEVICE_BIT(kind) (1u << (kind))

/* med_dtype - tensor element types. */
typedef enum med_dtype {
	MED_DTYPE_F32 = 1,
	MED_DTYPE_U8 = 2,
	MED_DTYPE_I64 = 3,
} med_dtype;

/* med_plugin_code - return codes of fallible plugin calls. */
enum med_plugin_code {
	MED_PLUGIN_OK = 0,
	MED_PLUGIN_EINVAL = 1,	 /* bad argument or malformed model */
	MED_PLUGIN_ENOMEM = 2,	 /* allocation failed */
	MED_PLUGIN_EUNSUP = 3,	 /* unsupported operator, format or dtype */
	MED_PLUGIN_EIO = 4,	 /* the model file could not be read */
	MED_PLUGIN_ENODEV = 5,	 /* the device is absent or failed */
	MED_PLUGIN_EINTERNAL = 6 /* a bug in the plugin */
};

/*
 * med_plugin_err - filled by the plugin on failure; caller's storage.
 * msg is always NUL-terminated.
 */
typedef struct med_plugin_err {
	int code;
	char msg[256];
} med_plugin_err;

/*
 * med_tensor - a dense, C-contiguous (row-major) tensor.  dims[0] is the
 * batch.  The tensor does not own data: whoever fills in the struct owns the
 * buffer (run: the caller owns inputs and outputs alike).  size is the
 * buffer's length in bytes.  In a med_tensor_desc a dim of -1 is dynamic.
 */
typedef struct med_tensor {
	uint32_t dtype; /* med_dtype */
	uint32_t n_dims;
	int64_t dims[MED_TENSOR_MAX_DIMS];
	void *data;
	size_t size;
} med_tensor;

/* med_tensor_desc - the name and shape of one model input or output. */
typedef struct med_tensor_desc {
	char name[64];
	uint32_t dtype;
	uint32_t n_dims;
	int64_t dims[MED_TENSOR_MAX_DIMS]; /* -1: set by the caller per run */
} med_tensor_desc;

/*
 * med_model_info - what model_info reports.  Output shapes are static for
 * a given input shape: the host sizes output buffers from outputs[] with
 * dims[0] multiplied by the batch.
 */
typedef struct med_model_info {
	uint32_t n_inputs;
	uint32_t n_outputs;
	med_tensor_desc inputs[MED_PLUGIN_MAX_IO];
	med_tensor_desc outputs[MED_PLUGIN_MAX_IO];
} med_model_info;

/* med_plugin_kv - one option, "threads" = "2"; strings owned by the host. */
typedef struct med_plugin_kv {
	const char *key;
	const char *value;
} med_plugin_kv;

/*
 * med_plugin_host - services the host lends a backend for its lifetime
 * (from init until fini returns).  All functions are thread-safe.
 */
typedef struct med_plugin_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t struct_size;
	uint32_t reserved;
	/* log writes one line at level 0 debug .. 3 error. */
	void (*log)(int level, const char *msg);
	/* alloc returns 64-byte aligned memory or NULL; free accepts NULL. */
	void *(*alloc)(size_t size);
	void (*free)(void *p);
} med_plugin_host;

/* med_plugin_ops - the backend's function table (see the lifecycle). */
typedef struct med_plugin_ops {
	uint32_t struct_size;
	uint32_t reserved;
	/* init: options apply to the backend (e.g. "threads"). */
	int (*init)(const med_plugin_host *host, const med_plugin_kv *opts,
		    size_t n_opts, void **backend, med_plugin_err *err);
	void (*fini)(void *backend);
	/* device_count: usable devices of kind, probed for real; 0 if none. */
	int (*device_count)(void *backend, uint32_t kind);
	/*
	 * model_load validates the whole model; an unsupported operator or a
	 * dynamic shape is an error here, never at run time.  format is one
	 * of the descriptor's formats.  path may be NULL for built-in models.
	 */
	int (*model_load)(void *backend, const char *format, const char *path,
			  const med_plugin_kv *opts, size_t n_opts,
			  void **model, med_plugin_err *err);
	void (*model_unload)(void *model);
	int (*model_info)(void *model, med_model_info *info);
	int (*instance_new)(void *model, uint32_t kind, uint32_t device_id,
			    void **instance, med_plugin_err *err);
	void (*instance_free)(void *instance);
	/*
	 * run: inputs[i] holds batch items of model input i concatenated on
	 * dims[0]; outputs[] are caller buffers sized as model_info says
	 * (times batch).  Buffers are valid only during the call.
	 */
	int (*run)(void *instance, uint32_t batch, const med_tensor *inputs,
		   uint32_t n_inputs, med_tensor *outputs, uint32_t n_outputs,
		   med_plugin_err *err);
} med_plugin_ops;

/* med_plugin_descriptor - the exported symbol. */
typedef struct med_plugin_descriptor {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t struct_size; /* sizeof(med_plugin_descriptor) when built */
	uint32_t devices;     /* mask of MED_DEVICE_BIT(kind) it can serve */
	const char *name;     /* "cpu", "cuda": [a-z0-9_]{1,31} */
	const char *version;  /* the backend's own version, "1.0.0" */
	const char *const *formats; /* NULL-terminated: "onnx", "haar-xml" */
	const med_plugin_ops *ops;
} med_plugin_descriptor;

/* MED_PLUGIN_EXPORT marks the descriptor as the one visible symbol. */
#define MED_PLUGIN_EXPORT __attribute__((visibility("default")))

#endif
