/*
 * stow.h - the Secondary Capture encoder's C interface (stow_dicom.cc,
 * GDCM) for stow.c.  Plain C with no smartmed types but med_err, so the
 * C++ file includes nothing else of the service.
 */
#ifndef DIAGNOSIS_STOW_H
#define DIAGNOSIS_STOW_H

#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Secondary Capture Image Storage (PS3.4 B.5). */
#define DIAGNOSIS_SC_SOP_CLASS "1.2.840.10008.5.1.4.1.1.7"

/*
 * diagnosis_sc - one Secondary Capture image: the source's patient and
 * study (copied from its header), the new series and instance, and the
 * pixels.  Strings are DICOM values without padding ("" when absent).
 */
typedef struct diagnosis_sc {
	const char *study_uid, *series_uid, *sop_uid;
	const char *patient_name, *patient_id, *birth_date, *sex;
	const char *accession, *study_date, *study_time, *study_id;
	const char *referring;
	const char *series_description; /* names the model and version */
	const char *derivation;		/* Derivation Description (ST) */
	const char *content_date, *content_time; /* YYYYMMDD, HHMMSS */
	uint32_t rows, cols;
	const uint8_t *rgb; /* rows * cols * 3, interleaved */
} diagnosis_sc;

/*
 * diagnosis_sc_encode writes sc as a DICOM Part 10 file (Explicit VR
 * Little Endian, image type DERIVED\SECONDARY, Burned In Annotation YES)
 * to *out (malloc'ed, the caller frees it).  Errors: INVALID (no pixels,
 * a side over 65535), NOMEM, INTERNAL (GDCM refused to write it).
 */
med_err diagnosis_sc_encode(const diagnosis_sc *sc, uint8_t **out,
			    size_t *len) MED_MUST_CHECK;

#ifndef __cplusplus
/*
 * diagnosis_sc_writer_load loads the writer (MED_DIAGNOSIS_DICOM_WRITER,
 * default <binary dir>/../lib/diagnosis-dicom.so), once; the service calls
 * it at start only when the write-back is on (stow_writer.c).  Errors,
 * logged: UNAVAILABLE (it cannot be loaded), INVALID (no encoder in it),
 * IO.
 */
struct med_config;
med_err diagnosis_sc_writer_load(const struct med_config *cfg) MED_MUST_CHECK;

/* diagnosis_sc_write is diagnosis_sc_encode through the loaded writer;
 * UNAVAILABLE when none is loaded. */
med_err diagnosis_sc_write(const diagnosis_sc *sc, uint8_t **out,
			   size_t *len) MED_MUST_CHECK;
#endif

#ifdef __cplusplus
}
#endif

#endif
