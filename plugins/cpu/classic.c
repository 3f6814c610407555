/*
 * classic.c - placeholder dispatch for the classic models (filled in by
 * haar.c and lbp.c).
 */
#include "classic.h"
#include "cpu.h"

#include <stdlib.h>

int
cv_haar_load(const char *path, const med_plugin_kv *opts, size_t n_opts,
	     cv_classic **out, med_model_info *info, med_plugin_err *err)
{
	(void)path, (void)opts, (void)n_opts, (void)out, (void)info;
	return cv_fail(err, MED_PLUGIN_EUNSUP, "haar-xml not built yet");
}

int
cv_lbp_load(const med_plugin_kv *opts, size_t n_opts, cv_classic **out,
	    med_model_info *info, med_plugin_err *err)
{
	(void)opts, (void)n_opts, (void)out, (void)info;
	return cv_fail(err, MED_PLUGIN_EUNSUP, "lbp not built yet");
}

int
cv_classic_run(cv_classic *c, uint32_t batch, const med_tensor *inputs,
	       med_tensor *outputs, med_plugin_err *err)
{
	(void)c, (void)batch, (void)inputs, (void)outputs;
	return cv_fail(err, MED_PLUGIN_EUNSUP, "not built");
}

void
cv_classic_free(cv_classic *c)
{
	free(c);
}
