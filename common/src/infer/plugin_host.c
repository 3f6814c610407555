/*
 * plugin_host.c - loads inference backends (med/plugin.h) from the plugin
 * directory and picks the backend and device of each model.  Running and
 * batching are in infer_run.c.
 */
#include "infer_internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <med/log.h>
#include <med/util.h>

#define MAX_BACKENDS 16

static void
host_log(int level, const char *msg)
{
	if (level < MED_LOG_DEBUG || level > MED_LOG_ERROR)
		level = MED_LOG_INFO;
	med_log((med_log_level)level, "plugin: %s", msg ? msg : "");
}

static void *
host_alloc(size_t size)
{
	void *p = NULL;

	if (size == 0)
		size = 1;
	/* Round up: aligned_alloc wants a multiple of the alignment. */
	size = (size + 63) & ~(size_t)63;
	if (posix_memalign(&p, 64, size) != 0)
		return NULL;
	return p;
}

static void
host_free(void *p)
{
	free(p);
}

static const med_plugin_host host_services = {
	.abi_major = MED_PLUGIN_ABI_MAJOR,
	.abi_minor = MED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(med_plugin_host),
	.log = host_log,
	.alloc = host_alloc,
	.free = host_free,
};

struct med_infer_host {
	med__backend backends[MAX_BACKENDS];
	size_t n_backends;
	size_t n_refused;
	int threads;
};

static void
refuse(med_infer_host *h, const char *path, const char *why)
{
	h->n_refused++;
	med_log_error("plugin %s refused: %s", path, why);
}

/* name_ok: backend names go into logs and metrics labels. */
static bool
name_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n >= 1 && n <= 31;
}

/* check_descriptor returns NULL when d is usable, else why not. */
static const char *
check_descriptor(const med_plugin_descriptor *d, char *buf, size_t len)
{
	const med_plugin_ops *ops;

	if (d->abi_major != MED_PLUGIN_ABI_MAJOR ||
	    d->abi_minor > MED_PLUGIN_ABI_MINOR) {
		snprintf(buf, len, "ABI %u.%u, host has %u.%u", d->abi_major,
			 d->abi_minor, (unsigned)MED_PLUGIN_ABI_MAJOR,
			 (unsigned)MED_PLUGIN_ABI_MINOR);
		return buf;
	}
	if (d->struct_size < sizeof(med_plugin_descriptor))
		return "descriptor smaller than its ABI version";
	if (!name_ok(d->name) || d->version == NULL || d->formats == NULL ||
	    d->formats[0] == NULL)
		return "descriptor lacks a valid name, version or formats";
	ops = d->ops;
	if (ops == NULL || ops->struct_size < sizeof(med_plugin_ops) ||
	    !ops->init || !ops->fini || !ops->device_count ||
	    !ops->model_load || !ops->model_unload || !ops->model_info ||
	    !ops->instance_new || !ops->instance_free || !ops->run)
		return "function table incomplete";
	if ((d->devices &
	     ~(MED_DEVICE_BIT(MED_DEVICE_CPU) | MED_DEVICE_BIT(MED_DEVICE_GPU) |
	       MED_DEVICE_BIT(MED_DEVICE_NPU))) ||
	    d->devices == 0)
		return "device mask invalid";
	return NULL;
}

static const char *
check_file(const char *path, char *buf, size_t len)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(buf, len, "stat: %s", strerror(errno));
		return buf;
	}
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "group- or world-writable";
	return NULL;
}

static bool
duplicate(const med_infer_host *h, const char *name)
{
	for (size_t i = 0; i < h->n_backends; i++)
		if (strcmp(h->backends[i].desc->name, name) == 0)
			return true;
	return false;
}

static void
backend_init(med_infer_host *h, void *dl, const med_plugin_descriptor *d,
	     const char *path)
{
	med__backend *b = &h->backends[h->n_backends];
	med_plugin_err err = {0};
	char threads[16];
	med_plugin_kv kv = {"threads", threads};

	snprintf(threads, sizeof(threads), "%d", h->threads);
	if (d->ops->init(&host_services, &kv, 1, &b->state, &err) != 0) {
		err.msg[sizeof(err.msg) - 1] = '\0';
		char why[320];
		snprintf(why, sizeof(why), "init failed: %s", err.msg);
		refuse(h, path, why);
		dlclose(dl);
		return;
	}
	b->dl = dl;
	b->desc = d;
	h->n_backends++;
	med_log_info("plugin %s loaded: backend %s %s, ABI %u.%u (host %u.%u)",
		     path, d->name, d->version, d->abi_major, d->abi_minor,
		     (unsigned)MED_PLUGIN_ABI_MAJOR,
		     (unsigned)MED_PLUGIN_ABI_MINOR);
}

static void
load_one(med_infer_host *h, const char *path)
{
	char buf[256];
	const char *why = check_file(path, buf, sizeof(buf));
	void *dl;
	const med_plugin_descriptor *d;

	if (why) {
		refuse(h, path, why);
		return;
	}
	if (h->n_backends == MAX_BACKENDS) {
		refuse(h, path, "too many backends");
		return;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		const char *e = dlerror();
		snprintf(buf, sizeof(buf), "dlopen: %s", e ? e : "?");
		refuse(h, path, buf);
		return;
	}
	d = dlsym(dl, MED_PLUGIN_SYMBOL);
	if (d == NULL)
		why = "no symbol " MED_PLUGIN_SYMBOL;
	else if ((why = check_descriptor(d, buf, sizeof(buf))) == NULL &&
		 duplicate(h, d->name))
		why = "a backend of that name is already loaded";
	if (why) {
		refuse(h, path, why);
		dlclose(dl);
		return;
	}
	backend_init(h, dl, d, path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_so(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && strcmp(name + n - 3, ".so") == 0 && name[0] != '.';
}

/* scan_dir loads the *.so files in name order, so loading is repeatable. */
static med_err
scan_dir(med_infer_host *h, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64];
	size_t n = 0;

	if (d == NULL) {
		med_log_error("plugin directory %s: %s", dir, strerror(errno));
		return MED_ERR_IO;
	}
	while ((e = readdir(d)) != NULL && n < 64)
		if (is_so(e->d_name) && (names[n] = strdup(e->d_name)))
			n++;
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		load_one(h, path);
		free(names[i]);
	}
	return MED_OK;
}

med_err
med_infer_host_new(const med_infer_config *cfg, med_infer_host **out)
{
	med_infer_host *h;
	med_err err;

	if (cfg == NULL || cfg->plugin_dir == NULL || !cfg->plugin_dir[0])
		return MED_ERR_INVALID;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return MED_ERR_NOMEM;
	h->threads = cfg->threads > 0 ? cfg->threads : 1;
	err = scan_dir(h, cfg->plugin_dir);
	if (err) {
		free(h);
		return err;
	}
	*out = h;
	return MED_OK;
}

void
med_infer_host_free(med_infer_host *h)
{
	if (h == NULL)
		return;
	for (size_t i = h->n_backends; i-- > 0;) {
		h->backends[i].desc->ops->fini(h->backends[i].state);
		dlclose(h->backends[i].dl);
	}
	free(h);
}

size_t
med_infer_backend_count(const med_infer_host *h)
{
	return h->n_backends;
}

const char *
med_infer_backend_name(const med_infer_host *h, size_t i)
{
	return i < h->n_backends ? h->backends[i].desc->name : NULL;
}

size_t
med_infer_refused_count(const med_infer_host *h)
{
	return h->n_refused;
}

static const char *const device_names[] = {"auto", "cpu", "gpu", "npu"};

int
med_infer_device_parse(const char *name)
{
	for (int i = 0; name && i < 4; i++)
		if (strcasecmp(name, device_names[i]) == 0)
			return i;
	return -1;
}

const char *
med_infer_device_name(med_device_kind kind)
{
	return (unsigned)kind < 4 ? device_names[kind] : "?";
}

static bool
serves_format(const med__backend *b, const char *format)
{
	for (const char *const *f = b->desc->formats; *f; f++)
		if (strcmp(*f, format) == 0)
			return true;
	return false;
}

/* has_device: the backend claims the kind and probes at least one. */
static bool
has_device(const med__backend *b, med_device_kind kind)
{
	if (!(b->desc->devices & MED_DEVICE_BIT(kind)))
		return false;
	return b->desc->ops->device_count(b->state, kind) > 0;
}

static med__backend *
find_backend(med_infer_host *h, const med_infer_model_opts *o,
	     med_device_kind kind)
{
	for (size_t i = 0; i < h->n_backends; i++) {
		med__backend *b = &h->backends[i];
		if (o->backend && strcmp(o->backend, b->desc->name) != 0)
			continue;
		if (serves_format(b, o->format) && has_device(b, kind))
			return b;
	}
	return NULL;
}

/*
 * med__infer_choose resolves the device (design.md §4): AUTO is the best
 * present, a named device that is absent is an error when strict and a
 * loud fallback to CPU otherwise.
 */
med_err
med__infer_choose(med_infer_host *h, const med_infer_model_opts *o,
		  med__backend **be, med_device_kind *kind, bool *fallback,
		  char *msg, size_t msg_len)
{
	static const med_device_kind order[] = {MED_DEVICE_GPU, MED_DEVICE_NPU,
						MED_DEVICE_CPU};
	med__backend *b = NULL;

	*fallback = false;
	if (o->device == MED_DEVICE_AUTO) {
		for (size_t i = 0; i < 3 && b == NULL; i++)
			if ((b = find_backend(h, o, order[i])) != NULL)
				*kind = order[i];
	} else if ((b = find_backend(h, o, o->device)) != NULL) {
		*kind = o->device;
	} else if (o->strict) {
		snprintf(msg, msg_len,
			 "device %s absent for format %s (strict)",
			 med_infer_device_name(o->device), o->format);
		return MED_ERR_UNAVAILABLE;
	} else if ((b = find_backend(h, o, MED_DEVICE_CPU)) != NULL) {
		*kind = MED_DEVICE_CPU;
		*fallback = true;
		med_log_error("inference: device %s absent for %s, falling "
			      "back to cpu (set strict to refuse)",
			      med_infer_device_name(o->device),
			      o->path ? o->path : o->format);
	}
	if (b == NULL) {
		snprintf(msg, msg_len, "no backend serves format %s%s%s",
			 o->format, o->backend ? " in backend " : "",
			 o->backend ? o->backend : "");
		return MED_ERR_NOT_FOUND;
	}
	*be = b;
	return MED_OK;
}
