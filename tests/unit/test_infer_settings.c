/*
 * test_infer_settings.c - the inference settings every service that runs
 * models reads (med_infer_specs, med_infer_settings_load in med/infer.h).
 */
#include "testlib.h"

#include <med/config.h>
#include <med/infer.h>

#include <stdlib.h>

/* load sets the environment, loads med_infer_specs and the settings. */
static med_err
load(const char *device, const char *dir, med_infer_settings *s, char *msg,
     size_t len)
{
	med_config *cfg = NULL;
	med_err err;

	for (size_t i = 0; i < med_infer_n_specs; i++)
		unsetenv(med_infer_specs[i].key);
	unsetenv("MED_CONFIG_FILE");
	if (device)
		setenv("MED_INFER_DEVICE", device, 1);
	if (dir)
		setenv("MED_PLUGIN_DIR", dir, 1);
	setenv("MED_INFER_MAX_BATCH", "4", 1);
	setenv("MED_INFER_STRICT", "true", 1);
	MT_OK(med_config_load(med_infer_specs, med_infer_n_specs, &cfg, msg,
			      len));
	err = med_infer_settings_load(cfg, s, msg, len);
	med_config_free(cfg);
	return err;
}

static void
test_values_from_environment(void)
{
	med_infer_settings s;
	char msg[256] = "";

	MT_OK(load("gpu", "/opt/smartmed/plugins", &s, msg, sizeof(msg)));
	MT_EQ_STR(s.plugin_dir, "/opt/smartmed/plugins");
	MT_EQ_INT(s.device, MED_DEVICE_GPU);
	MT_TRUE(s.strict);
	MT_EQ_INT(s.max_batch, 4);
	MT_EQ_INT(s.max_wait_us, 500);
	MT_EQ_INT(s.threads, 1);
}

static void
test_default_plugin_dir_beside_binary(void)
{
	med_infer_settings s;
	char msg[256] = "";

	MT_OK(load(NULL, NULL, &s, msg, sizeof(msg)));
	MT_EQ_INT(s.device, MED_DEVICE_AUTO);
	/* <folder of this test binary>/../plugins */
	MT_TRUE(strstr(s.plugin_dir, "/../plugins") != NULL);
}

static void
test_unknown_device_named(void)
{
	med_infer_settings s = {.threads = 77};
	char msg[256] = "";

	MT_EQ_INT(load("tpu", NULL, &s, msg, sizeof(msg)), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "MED_INFER_DEVICE") != NULL);
	MT_TRUE(strstr(msg, "tpu") != NULL);
	MT_EQ_INT(s.threads, 77); /* untouched on error */
}

static const mt_case cases[] = {
	{"values_from_environment", test_values_from_environment},
	{"default_plugin_dir_beside_binary",
	 test_default_plugin_dir_beside_binary},
	{"unknown_device_named", test_unknown_device_named},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
