/*
 * test_plugin.c - the plugin ABI and the inference host: the frozen layout,
 * loading and refusing fixture backends (build/tests/fixtures/plugins, see
 * plugins/fixtures/fixture.c), device choice and strictness, host batching.
 */
#include "testlib.h"

#include <fcntl.h>
#include <med/infer.h>
#include <med/log.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

/* ABI 1.0 as released: these lines fail to compile if the layout moves. */
_Static_assert(offsetof(med_plugin_descriptor, abi_major) == 0, "abi");
_Static_assert(offsetof(med_plugin_descriptor, abi_minor) == 4, "abi");
_Static_assert(offsetof(med_plugin_descriptor, struct_size) == 8, "abi");
_Static_assert(offsetof(med_plugin_descriptor, devices) == 12, "abi");
_Static_assert(offsetof(med_plugin_descriptor, name) == 16, "abi");
_Static_assert(offsetof(med_plugin_descriptor, version) == 24, "abi");
_Static_assert(offsetof(med_plugin_descriptor, formats) == 32, "abi");
_Static_assert(offsetof(med_plugin_descriptor, ops) == 40, "abi");
_Static_assert(sizeof(med_plugin_descriptor) == 48, "abi");
_Static_assert(offsetof(med_plugin_ops, init) == 8, "abi");
_Static_assert(offsetof(med_plugin_ops, fini) == 16, "abi");
_Static_assert(offsetof(med_plugin_ops, device_count) == 24, "abi");
_Static_assert(offsetof(med_plugin_ops, model_load) == 32, "abi");
_Static_assert(offsetof(med_plugin_ops, model_unload) == 40, "abi");
_Static_assert(offsetof(med_plugin_ops, model_info) == 48, "abi");
_Static_assert(offsetof(med_plugin_ops, instance_new) == 56, "abi");
_Static_assert(offsetof(med_plugin_ops, instance_free) == 64, "abi");
_Static_assert(offsetof(med_plugin_ops, run) == 72, "abi");
_Static_assert(sizeof(med_plugin_ops) == 80, "abi");
_Static_assert(offsetof(med_plugin_host, log) == 16, "abi");
_Static_assert(offsetof(med_plugin_host, alloc) == 24, "abi");
_Static_assert(offsetof(med_plugin_host, free) == 32, "abi");
_Static_assert(sizeof(med_plugin_host) == 40, "abi");
_Static_assert(offsetof(med_tensor, dims) == 8, "abi");
_Static_assert(offsetof(med_tensor, data) == 72, "abi");
_Static_assert(sizeof(med_tensor) == 88, "abi");
_Static_assert(sizeof(med_tensor_desc) == 136, "abi");
_Static_assert(sizeof(med_plugin_err) == 260, "abi");
_Static_assert(MED_PLUGIN_ABI_MAJOR == 1 && MED_DEVICE_NPU == 3, "abi");
_Static_assert(MED_DTYPE_F32 == 1 && MED_DTYPE_U8 == 2 && MED_DTYPE_I64 == 3,
	       "abi");

static const char *
fixture_dir(void)
{
	static char buf[512];
	const char *b = getenv("BUILD");

	snprintf(buf, sizeof(buf), "%s/tests/fixtures/plugins",
		 b && b[0] ? b : "build");
	return buf;
}

/* install copies fixture fx_NAME.so into dir as NAME.so with mode. */
static void
install(const char *dir, const char *name, mode_t mode)
{
	char src[600], dst[600], buf[65536];
	ssize_t n;

	snprintf(src, sizeof(src), "%s/fx_%s.so", fixture_dir(), name);
	snprintf(dst, sizeof(dst), "%s/%s.so", dir, name);
	int in = open(src, O_RDONLY);
	if (in < 0)
		mt_fail(__FILE__, __LINE__, "missing fixture %s (run make)",
			src);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	MT_TRUE(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		MT_EQ_INT(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	MT_OK(chmod(dst, mode));
}

/* with_stderr_to runs host_new with stderr captured into log. */
static med_infer_host *
host_logged(const char *dir, char *log, size_t len)
{
	char path[600];
	med_infer_config cfg = {.plugin_dir = dir, .threads = 1};
	med_infer_host *h = NULL;

	snprintf(path, sizeof(path), "%s/../log.txt", dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	MT_TRUE(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	med_err rc = med_infer_host_new(&cfg, &h);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, log, len - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	MT_OK(rc);
	return h;
}

static char *
plugdir(void)
{
	static char dir[512];

	snprintf(dir, sizeof(dir), "%s/plugins", mt_tmpdir());
	MT_OK(mkdir(dir, 0755));
	return dir;
}

static void
test_loads_good(void)
{
	char *dir = plugdir(), log[4096];

	install(dir, "good", 0755);
	med_infer_host *h = host_logged(dir, log, sizeof(log));
	MT_EQ_INT(med_infer_backend_count(h), 1);
	MT_EQ_INT(med_infer_refused_count(h), 0);
	MT_EQ_STR(med_infer_backend_name(h, 0), "fx_cpu");
	MT_TRUE(strstr(log, "backend fx_cpu 0.0.1, ABI 1.0") != NULL);
	med_infer_host_free(h);
}

static void
expect_refused(const char *fixture, mode_t mode, const char *why)
{
	char *dir = plugdir(), log[4096];

	install(dir, fixture, mode);
	med_infer_host *h = host_logged(dir, log, sizeof(log));
	MT_EQ_INT(med_infer_backend_count(h), 0);
	MT_EQ_INT(med_infer_refused_count(h), 1);
	if (strstr(log, "refused") == NULL || strstr(log, why) == NULL)
		mt_fail(__FILE__, __LINE__, "log lacks '%s': %s", why, log);
	med_infer_host_free(h);
}

static void
test_refuses_major(void)
{
	expect_refused("badmajor", 0755, "ABI 99.0, host has 1.0");
}

static void
test_refuses_newer_minor(void)
{
	expect_refused("newminor", 0755, "ABI 1.99, host has 1.0");
}

static void
test_refuses_missing_symbol(void)
{
	expect_refused("nosym", 0755, "no symbol med_plugin");
}

static void
test_refuses_failing_init(void)
{
	expect_refused("initfail", 0755, "init failed: fixture init fails");
}

static void
test_refuses_group_writable(void)
{
	expect_refused("good", 0775, "group- or world-writable");
}

static void
test_refuses_world_writable(void)
{
	expect_refused("good", 0757, "group- or world-writable");
}

static void
test_refuses_not_elf(void)
{
	char *dir = plugdir(), path[600], log[4096];

	snprintf(path, sizeof(path), "%s/junk.so", dir);
	FILE *f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs("not a shared object\n", f);
	fclose(f);
	MT_OK(chmod(path, 0644));
	install(dir, "good", 0755);
	med_infer_host *h = host_logged(dir, log, sizeof(log));
	MT_EQ_INT(med_infer_backend_count(h), 1);
	MT_EQ_INT(med_infer_refused_count(h), 1);
	MT_TRUE(strstr(log, "junk.so refused: dlopen") != NULL);
	med_infer_host_free(h);
}

static void
test_missing_dir(void)
{
	med_infer_config cfg = {.plugin_dir = "/nonexistent/plugins"};
	med_infer_host *h = NULL;

	MT_EQ_INT(med_infer_host_new(&cfg, &h), MED_ERR_IO);
	cfg.plugin_dir = NULL;
	MT_EQ_INT(med_infer_host_new(&cfg, &h), MED_ERR_INVALID);
}

static med_infer_host *
host_with(const char *a, const char *b)
{
	char *dir = plugdir(), log[4096];

	install(dir, a, 0755);
	if (b)
		install(dir, b, 0755);
	return host_logged(dir, log, sizeof(log));
}

static void
run_echo(med_infer_model *m)
{
	float x[4] = {1, 2, 3, 4}, y[4] = {0};
	med_tensor in = {MED_DTYPE_F32, 2, {1, 4}, x, sizeof(x)};
	med_tensor out = {.data = y, .size = sizeof(y)};
	char msg[256];

	MT_OK(med_infer_run(m, &in, 1, &out, 1, msg, sizeof(msg)));
	for (int i = 0; i < 4; i++)
		MT_EQ_INT(y[i], 2 * x[i]);
	MT_EQ_INT(out.dims[1], 4);
}

static void
expect_device(const char *other, med_device_kind want, bool strict,
	      med_device_kind got, const char *backend, bool fallback)
{
	med_infer_host *h = host_with("good", other);
	med_infer_model_opts o = {
		.format = "echo", .device = want, .strict = strict};
	med_infer_model *m = NULL;
	char msg[256], audit[256];

	MT_OK(med_infer_model_load(h, &o, &m, msg, sizeof(msg)));
	MT_EQ_INT(med_infer_model_device(m), got);
	MT_EQ_STR(med_infer_model_backend(m), backend);
	MT_EQ_INT(med_infer_model_fallback(m), fallback);
	med_infer_model_describe(m, audit, sizeof(audit));
	MT_TRUE(strstr(audit, fallback ? "fallback=true" : "fallback=false"));
	MT_TRUE(strstr(audit, med_infer_device_name(got)) != NULL);
	run_echo(m);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

static void
test_auto_prefers_gpu(void)
{
	expect_device("gpu", MED_DEVICE_AUTO, false, MED_DEVICE_GPU, "fx_gpu",
		      false);
}

static void
test_auto_without_gpu_is_cpu(void)
{
	expect_device("nogpu", MED_DEVICE_AUTO, false, MED_DEVICE_CPU, "fx_cpu",
		      false);
}

static void
test_named_cpu(void)
{
	expect_device("gpu", MED_DEVICE_CPU, true, MED_DEVICE_CPU, "fx_cpu",
		      false);
}

static void
test_gpu_absent_falls_back(void)
{
	expect_device("nogpu", MED_DEVICE_GPU, false, MED_DEVICE_CPU, "fx_cpu",
		      true);
}

static void
expect_unavailable(med_device_kind want)
{
	med_infer_host *h = host_with("good", "nogpu");
	med_infer_model_opts o = {
		.format = "echo", .device = want, .strict = true};
	med_infer_model *m = NULL;
	char msg[256] = "";

	MT_EQ_INT(med_infer_model_load(h, &o, &m, msg, sizeof(msg)),
		  MED_ERR_UNAVAILABLE);
	MT_TRUE(strstr(msg, "absent") && strstr(msg, "strict"));
	MT_TRUE(m == NULL);
	med_infer_host_free(h);
}

static void
test_gpu_absent_strict(void)
{
	expect_unavailable(MED_DEVICE_GPU);
}

static void
test_npu_absent_strict(void)
{
	expect_unavailable(MED_DEVICE_NPU);
}

static void
test_model_refused(void)
{
	med_infer_host *h = host_with("good", NULL);
	med_plugin_kv kv = {"fail", "checksum mismatch"};
	med_infer_model_opts o = {.format = "echo", .opts = &kv, .n_opts = 1};
	med_infer_model *m = NULL;
	char msg[256] = "";

	MT_EQ_INT(med_infer_model_load(h, &o, &m, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "checksum mismatch") != NULL);
	o.format = "tflite";
	o.n_opts = 0;
	MT_EQ_INT(med_infer_model_load(h, &o, &m, msg, sizeof(msg)),
		  MED_ERR_NOT_FOUND);
	o.format = "echo";
	o.backend = "cuda";
	MT_EQ_INT(med_infer_model_load(h, &o, &m, msg, sizeof(msg)),
		  MED_ERR_NOT_FOUND);
	med_infer_host_free(h);
}

static void
test_run_checks_shapes(void)
{
	med_infer_host *h = host_with("good", NULL);
	med_infer_model_opts o = {.format = "echo"};
	med_infer_model *m = NULL;
	float x[8] = {0}, y[4];
	med_tensor in = {MED_DTYPE_F32, 2, {1, 8}, x, sizeof(x)};
	med_tensor out = {.data = y, .size = sizeof(y)};
	char msg[256] = "";

	MT_OK(med_infer_model_load(h, &o, &m, msg, sizeof(msg)));
	MT_EQ_INT(med_infer_run(m, &in, 1, &out, 1, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "inputs[0] (x)") != NULL);
	in.dims[1] = 4;
	in.size = 16;
	out.size = 8;
	MT_EQ_INT(med_infer_run(m, &in, 1, &out, 1, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "outputs[0]") != NULL);
	MT_EQ_INT(med_infer_model_runs(m), 0);
	med_infer_model_free(m);
	med_infer_host_free(h);
}

#define N_CALLERS 8

static void *
caller(void *arg)
{
	med_infer_model *m = arg;
	float x[4], y[4] = {0};
	med_tensor in = {MED_DTYPE_F32, 2, {1, 4}, x, sizeof(x)};
	med_tensor out = {.data = y, .size = sizeof(y)};
	uintptr_t bad = 0;

	for (int i = 0; i < 4; i++)
		x[i] = (float)((uintptr_t)pthread_self() % 1000 + (unsigned)i);
	if (med_infer_run(m, &in, 1, &out, 1, NULL, 0) != MED_OK)
		bad = 1;
	for (int i = 0; i < 4; i++)
		bad |= y[i] != 2 * x[i];
	return (void *)bad;
}

static void
test_batching_gathers(void)
{
	med_infer_host *h = host_with("good", NULL);
	med_infer_model_opts o = {.format = "echo",
				  .max_batch = N_CALLERS,
				  .max_wait_us = 2000000};
	med_infer_model *m = NULL;
	pthread_t t[N_CALLERS];

	MT_OK(med_infer_model_load(h, &o, &m, NULL, 0));
	for (int i = 0; i < N_CALLERS; i++)
		MT_OK(pthread_create(&t[i], NULL, caller, m));
	for (int i = 0; i < N_CALLERS; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		MT_TRUE(bad == NULL);
	}
	/* A full batch runs at once, so 8 callers within 2 s share runs. */
	MT_TRUE(med_infer_model_runs(m) < N_CALLERS);
	MT_TRUE(med_infer_model_runs(m) >= 1);
	run_echo(m); /* a lone request runs after max_wait */
	med_infer_model_free(m);
	med_infer_host_free(h);
}

static void
test_device_names(void)
{
	MT_EQ_INT(med_infer_device_parse("GPU"), MED_DEVICE_GPU);
	MT_EQ_INT(med_infer_device_parse("auto"), MED_DEVICE_AUTO);
	MT_EQ_INT(med_infer_device_parse("tpu"), -1);
	MT_EQ_STR(med_infer_device_name(MED_DEVICE_NPU), "npu");
	int64_t dims[2] = {3, 4};
	MT_EQ_INT(med_tensor_nbytes(MED_DTYPE_I64, 2, dims), 96);
	dims[0] = -1;
	MT_EQ_INT(med_tensor_nbytes(MED_DTYPE_F32, 2, dims), 0);
}

static const mt_case cases[] = {
	{"loads_good", test_loads_good},
	{"refuses_major", test_refuses_major},
	{"refuses_newer_minor", test_refuses_newer_minor},
	{"refuses_missing_symbol", test_refuses_missing_symbol},
	{"refuses_failing_init", test_refuses_failing_init},
	{"refuses_group_writable", test_refuses_group_writable},
	{"refuses_world_writable", test_refuses_world_writable},
	{"refuses_not_elf", test_refuses_not_elf},
	{"missing_dir", test_missing_dir},
	{"auto_prefers_gpu", test_auto_prefers_gpu},
	{"auto_without_gpu_is_cpu", test_auto_without_gpu_is_cpu},
	{"named_cpu", test_named_cpu},
	{"gpu_absent_falls_back", test_gpu_absent_falls_back},
	{"gpu_absent_strict", test_gpu_absent_strict},
	{"npu_absent_strict", test_npu_absent_strict},
	{"model_refused", test_model_refused},
	{"run_checks_shapes", test_run_checks_shapes},
	{"batching_gathers", test_batching_gathers},
	{"device_names", test_device_names},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	med_log_init("test_plugin", MED_LOG_DEBUG);
	return mt_main(argc, argv, cases);
}
