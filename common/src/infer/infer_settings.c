/*
 * infer_settings.c - the inference settings every service that runs models
 * declares (MED_PLUGIN_DIR, MED_INFER_*), read once at start into a
 * med_infer_settings (see med/infer.h).
 */
#include <med/infer.h>
#include <med/util.h>

#include <stdio.h>

const med_config_spec med_infer_specs[] = {
	{"MED_PLUGIN_DIR", MED_CONFIG_STRING, "", false, 0, 0,
	 "inference backends directory; empty = <binary dir>/../plugins"},
	{"MED_INFER_THREADS", MED_CONFIG_INT, "1", false, 1, 64,
	 "compute threads per inference backend"},
	{"MED_INFER_DEVICE", MED_CONFIG_STRING, "auto", false, 0, 0,
	 "auto, cpu, gpu or npu"},
	{"MED_INFER_STRICT", MED_CONFIG_BOOL, "false", false, 0, 0,
	 "a named device that is absent fails the model instead of CPU"},
	{"MED_INFER_MAX_BATCH", MED_CONFIG_INT, "8", false, 1, 256,
	 "concurrent calls of a batchable model (diagnosis's image model) "
	 "run as one batch (1 = off); face models always run one by one"},
	{"MED_INFER_MAX_WAIT_US", MED_CONFIG_INT, "500", false, 0, 100000,
	 "how long the first call of a batch waits for more"},
};
const size_t med_infer_n_specs =
	sizeof(med_infer_specs) / sizeof(med_infer_specs[0]);

med_err
med_infer_settings_load(const med_config *cfg, med_infer_settings *out,
			char *errbuf, size_t errlen)
{
	med_infer_settings s = {0};
	const char *dir = med_config_str(cfg, "MED_PLUGIN_DIR");
	const char *dev = med_config_str(cfg, "MED_INFER_DEVICE");
	int kind = med_infer_device_parse(dev);

	if (kind < 0) {
		snprintf(errbuf, errlen,
			 "MED_INFER_DEVICE: unknown device '%s' (auto, cpu, "
			 "gpu or npu)",
			 dev);
		return MED_ERR_INVALID;
	}
	if (dir[0] != '\0') {
		if (med_strlcpy(s.plugin_dir, dir, sizeof(s.plugin_dir)) >=
		    sizeof(s.plugin_dir)) {
			snprintf(errbuf, errlen, "MED_PLUGIN_DIR: too long");
			return MED_ERR_INVALID;
		}
	} else if (med_exe_relative(s.plugin_dir, sizeof(s.plugin_dir),
				    "../plugins") != 0) {
		snprintf(errbuf, errlen,
			 "MED_PLUGIN_DIR: the binary's folder is unknown");
		return MED_ERR_IO;
	}
	s.threads = (int)med_config_int(cfg, "MED_INFER_THREADS");
	s.device = (med_device_kind)kind;
	s.strict = med_config_bool(cfg, "MED_INFER_STRICT");
	s.max_batch = (uint32_t)med_config_int(cfg, "MED_INFER_MAX_BATCH");
	s.max_wait_us = (uint32_t)med_config_int(cfg, "MED_INFER_MAX_WAIT_US");
	*out = s;
	return MED_OK;
}

med_err
med_infer_host_open(const med_infer_settings *s, med_infer_host **out)
{
	med_infer_config hc = {.plugin_dir = s->plugin_dir,
			       .threads = s->threads};

	return med_infer_host_new(&hc, out);
}
