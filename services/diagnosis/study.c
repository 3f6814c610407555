/*
 * study.c - what a DICOM study's metadata (WADO-RS .../metadata, DICOM
 * JSON, PS3.18 F.2) says about it: one patient, how many instances and
 * pixel bytes, and which image a chest X-ray model should see.  No I/O:
 * the handler fetches, this file decides.
 */
#include <jansson.h>
#include <med/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"

#define TAG_MODALITY	   "00080060"
#define TAG_ACCESSION	   "00080050"
#define TAG_STUDY_DATE	   "00080020"
#define TAG_PATIENT_ID	   "00100020"
#define TAG_STUDY_UID	   "0020000D"
#define TAG_SERIES_UID	   "0020000E"
#define TAG_SOP_UID	   "00080018"
#define TAG_VIEW_POSITION  "00185101"
#define TAG_SAMPLES	   "00280002"
#define TAG_PHOTOMETRIC	   "00280004"
#define TAG_FRAMES	   "00280008"
#define TAG_ROWS	   "00280010"
#define TAG_COLUMNS	   "00280011"
#define TAG_BITS_ALLOCATED "00280100"
#define TAG_WINDOW_CENTER  "00281050"
#define TAG_WINDOW_WIDTH   "00281051"

/* first_value is the first element of a DICOM JSON attribute's Value. */
static json_t *
first_value(json_t *inst, const char *tag)
{
	json_t *v = json_object_get(json_object_get(inst, tag), "Value");

	return json_is_array(v) ? json_array_get(v, 0) : NULL;
}

/* tag_str copies a string attribute ("" when absent), spaces trimmed. */
static void
tag_str(json_t *inst, const char *tag, char *out, size_t len)
{
	json_t *v = first_value(inst, tag);
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t n;

	while (*s == ' ')
		s++;
	med_strlcpy(out, s, len);
	n = strlen(out);
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

/* tag_num reads a number attribute; DS and IS may come as strings. */
static bool
tag_num(json_t *inst, const char *tag, double *out)
{
	json_t *v = first_value(inst, tag);
	char *end;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	*out = strtod(json_string_value(v), &end);
	return end != json_string_value(v);
}

static uint32_t
tag_u32(json_t *inst, const char *tag, uint32_t dflt)
{
	double d;

	if (!tag_num(inst, tag, &d) || d < 0 || d > 4294967295.0)
		return dflt;
	return (uint32_t)d;
}

/* read_image fills one instance's facts from its metadata. */
static void
read_image(json_t *inst, diagnosis_dicom_image *im)
{
	memset(im, 0, sizeof(*im));
	tag_str(inst, TAG_STUDY_UID, im->study_uid, sizeof(im->study_uid));
	tag_str(inst, TAG_SERIES_UID, im->series_uid, sizeof(im->series_uid));
	tag_str(inst, TAG_SOP_UID, im->sop_uid, sizeof(im->sop_uid));
	tag_str(inst, TAG_PATIENT_ID, im->patient_id, sizeof(im->patient_id));
	tag_str(inst, TAG_ACCESSION, im->accession, sizeof(im->accession));
	tag_str(inst, TAG_MODALITY, im->modality, sizeof(im->modality));
	tag_str(inst, TAG_VIEW_POSITION, im->view, sizeof(im->view));
	tag_str(inst, TAG_STUDY_DATE, im->study_date, sizeof(im->study_date));
	tag_str(inst, TAG_PHOTOMETRIC, im->photometric,
		sizeof(im->photometric));
	im->rows = tag_u32(inst, TAG_ROWS, 0);
	im->cols = tag_u32(inst, TAG_COLUMNS, 0);
	im->frames = tag_u32(inst, TAG_FRAMES, 1);
	im->samples = tag_u32(inst, TAG_SAMPLES, 1);
	im->bits_allocated = tag_u32(inst, TAG_BITS_ALLOCATED, 8);
	im->has_window = tag_num(inst, TAG_WINDOW_CENTER, &im->window_center) &&
			 tag_num(inst, TAG_WINDOW_WIDTH, &im->window_width) &&
			 im->window_width >= 1.0;
}

/* pixel_bytes is what the instance's pixel data holds, uncompressed. */
static uint64_t
pixel_bytes(const diagnosis_dicom_image *im)
{
	uint64_t bits = im->bits_allocated ? im->bits_allocated : 8;

	return (uint64_t)im->rows * im->cols * (im->frames ? im->frames : 1) *
	       (im->samples ? im->samples : 1) * ((bits + 7) / 8);
}

bool
diagnosis_image_is_chest_candidate(const diagnosis_dicom_image *im)
{
	return (strcmp(im->modality, "CR") == 0 ||
		strcmp(im->modality, "DX") == 0) &&
	       im->rows > 0 && im->cols > 0;
}

/* rank orders candidates: a PA or AP view first, then one that does not
 * say its view; a lateral (LL, RL, LATERAL) never. */
static int
rank(const diagnosis_dicom_image *im)
{
	if (!diagnosis_image_is_chest_candidate(im))
		return 0;
	if (strcmp(im->view, "PA") == 0 || strcmp(im->view, "AP") == 0)
		return 2;
	return im->view[0] == '\0' ? 1 : 0;
}

/* add_instance counts one instance into s and keeps the best image. */
static med_err
add_instance(diagnosis_study *s, json_t *inst, char *msg, size_t msg_len)
{
	diagnosis_dicom_image im;

	read_image(inst, &im);
	if (s->n_instances == 0) {
		med_strlcpy(s->patient_id, im.patient_id,
			    sizeof(s->patient_id));
		med_strlcpy(s->accession, im.accession, sizeof(s->accession));
	} else if (strcmp(s->patient_id, im.patient_id) != 0) {
		snprintf(msg, msg_len,
			 "the study's instances name more than one patient "
			 "(PatientID)");
		return MED_ERR_PRECONDITION;
	}
	s->n_instances++;
	s->pixel_bytes += pixel_bytes(&im);
	if (rank(&im) > s->pick_rank) {
		s->pick = im;
		s->pick_rank = rank(&im);
	}
	return MED_OK;
}

med_err
diagnosis_study_read(const char *json, size_t len, diagnosis_study *s,
		     char *msg, size_t msg_len)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *inst;
	size_t i;
	med_err err = MED_OK;

	memset(s, 0, sizeof(*s));
	if (!json_is_array(root)) {
		snprintf(msg, msg_len,
			 "the PACS's metadata is not a DICOM JSON array");
		json_decref(root);
		return MED_ERR_UNAVAILABLE;
	}
	json_array_foreach(root, i, inst)
	{
		if (!json_is_object(inst))
			continue;
		if ((err = add_instance(s, inst, msg, msg_len)) != MED_OK)
			break;
	}
	json_decref(root);
	return err;
}

med_err
diagnosis_study_check(const diagnosis_study *s, const diagnosis_pacs *p,
		      char *msg, size_t msg_len)
{
	if (s->n_instances == 0) {
		snprintf(msg, msg_len, "the study has no instances");
		return MED_ERR_NOT_FOUND;
	}
	if (s->n_instances > p->max_instances) {
		snprintf(msg, msg_len,
			 "the study has %zu instances, more than %u "
			 "(MED_DIAGNOSIS_STUDY_MAX_INSTANCES)",
			 s->n_instances, p->max_instances);
		return MED_ERR_INVALID;
	}
	if (s->pixel_bytes > p->max_study_bytes) {
		snprintf(msg, msg_len,
			 "the study holds %llu bytes of pixel data, more than "
			 "%llu (MED_DIAGNOSIS_STUDY_MAX_BYTES)",
			 (unsigned long long)s->pixel_bytes,
			 (unsigned long long)p->max_study_bytes);
		return MED_ERR_INVALID;
	}
	if (s->pick_rank == 0) {
		snprintf(msg, msg_len,
			 "the study has no frontal (PA or AP) CR or DX image, "
			 "the only views the model is validated for: not "
			 "read by the model: send for a radiologist's read");
		return MED_ERR_PRECONDITION;
	}
	return MED_OK;
}

bool
diagnosis_uid_is_valid(const char *uid)
{
	size_t n = strlen(uid);

	if (n == 0 || n > 64 || uid[0] == '.' || uid[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(uid[i] >= '0' && uid[i] <= '9') && uid[i] != '.')
			return false;
	return true;
}

med_err
diagnosis_rendered_path(const diagnosis_dicom_image *im, char *out, size_t len)
{
	int n;

	if (!diagnosis_uid_is_valid(im->study_uid) ||
	    !diagnosis_uid_is_valid(im->series_uid) ||
	    !diagnosis_uid_is_valid(im->sop_uid))
		return MED_ERR_INVALID;
	n = snprintf(out, len, "/studies/%s/series/%s/instances/%s/rendered",
		     im->study_uid, im->series_uid, im->sop_uid);
	/* The header's window, applied by the PACS to the rescaled values
	 * (with MONOCHROME1 inverted); without one, the PACS's default
	 * rendering (the whole dynamic range). */
	if (n > 0 && (size_t)n < len && im->has_window)
		n += snprintf(out + n, len - (size_t)n,
			      "?window=%.6g,%.6g,linear", im->window_center,
			      im->window_width);
	return n > 0 && (size_t)n < len ? MED_OK : MED_ERR_INVALID;
}
