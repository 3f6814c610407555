/*
 * stow_writer.c - the DICOM writer (GDCM, stow_dicom.cc) loaded only
 * when the write-back is on.  It is its own shared object
 * (<binary dir>/../lib/diagnosis-dicom.so, MED_DIAGNOSIS_DICOM_WRITER):
 * a read-only deployment (MED_DIAGNOSIS_PACS_WRITEBACK off, the default)
 * never maps GDCM and libstdc++, and its image need not carry them.  A
 * write-back that is on but whose writer cannot load stops the service
 * at start: a setting that asks for it is not ignored.
 */
#include <dlfcn.h>
#include <limits.h>
#include <med/config.h>
#include <med/log.h>
#include <med/util.h>
#include <stdio.h>

#include "diagnosis.h"
#include "stow.h"

/* The writer's encoder: set once at start, before any call, then only
 * read. */
typedef med_err (*sc_encode_fn)(const diagnosis_sc *, uint8_t **, size_t *);
static sc_encode_fn g_encode;
static void *g_writer;

med_err
diagnosis_sc_writer_load(const med_config *cfg)
{
	const char *set = med_config_str(cfg, "MED_DIAGNOSIS_DICOM_WRITER");
	char path[PATH_MAX];
	const char *e;

	if (g_encode != NULL)
		return MED_OK;
	if (set[0] != '\0')
		med_strlcpy(path, set, sizeof(path));
	else if (med_exe_relative(path, sizeof(path),
				  "../lib/diagnosis-dicom.so") != 0)
		return MED_ERR_IO;
	g_writer = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (g_writer == NULL) {
		e = dlerror();
		med_log_error(
			"MED_DIAGNOSIS_PACS_WRITEBACK is on but the DICOM "
			"writer %s cannot be loaded (%s; GDCM, Debian's "
			"libgdcm3.0, installed?)",
			path, e ? e : "?");
		return MED_ERR_UNAVAILABLE;
	}
	*(void **)&g_encode = dlsym(g_writer, "diagnosis_sc_encode");
	if (g_encode == NULL) {
		med_log_error("MED_DIAGNOSIS_DICOM_WRITER: %s has no "
			      "diagnosis_sc_encode",
			      path);
		dlclose(g_writer);
		g_writer = NULL;
		return MED_ERR_INVALID;
	}
	med_log_info("pacs write-back: DICOM writer %s loaded", path);
	return MED_OK;
}

med_err
diagnosis_sc_write(const diagnosis_sc *sc, uint8_t **out, size_t *len)
{
	if (g_encode == NULL)
		return MED_ERR_UNAVAILABLE;
	return g_encode(sc, out, len);
}
