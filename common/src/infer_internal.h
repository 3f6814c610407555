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

#endif
