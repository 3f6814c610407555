/*
 * stow.c - a finding's saliency overlay written back to the PACS where
 * radiologists read (issue 38 item 5): a DICOM Secondary Capture in a new
 * series of the analysed study, with the patient and study attributes of
 * the source image's header and a burned-in notice that it is AI output,
 * not for diagnosis, sent over STOW-RS (PS3.18 10.5).
 *
 * It runs after the finding is stored and cannot undo or fail it: a PACS
 * that is down, refuses the file or answers late leaves the finding as it
 * is, and the failure is in the reply, the log, the audit log (its own
 * event) and a metric.  The new UIDs come from the finding id (2.25 UUID
 * form, PS3.5 B.2), so the same finding always names the same instance.
 *
 * The finding is stored PENDING with those UIDs (diagnosis_stow_plan) and
 * the outcome replaces it on the row in a short transaction of its own
 * once known: a reader of the finding later learns whether and where the
 * overlay went, and one that still says PENDING tells of a service that
 * stopped (or a database that refused the update) in between.
 */
#include <jansson.h>
#include <med/arena.h>
#include <med/audit.h>
#include <med/codec.h>
#include <med/config.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>
#include <png.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diagnosis.h"
#include "stow.h"

#define WRITEBACK(s) SMARTMED__DIAGNOSIS__V1__PACS_WRITEBACK__PACS_WRITEBACK_##s
#define STOW_ACTION  "diagnosis/pacs-write-back"

/* A 5 x 7 font of what the notice and a model's name use: one byte a row,
 * the glyph's leftmost column in bit 4. */
#define GLYPH_W 5
#define GLYPH_H 7
static const struct {
	char c;
	uint8_t rows[GLYPH_H];
} font[] = {
	{'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
	{'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
	{'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
	{'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
	{'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
	{'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
	{'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
	{'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
	{'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
	{'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
	{'A', {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}},
	{'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
	{'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
	{'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
	{'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
	{'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
	{'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
	{'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
	{'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
	{'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
	{'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
	{'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
	{'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
	{'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
	{'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
	{'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
	{'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
	{'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
	{'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
	{'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
	{'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
	{'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
	{'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
	{'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
	{'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}},
	{'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
	{'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
	{'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
	{':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
	{'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
};

#define BANNER_LINES 3
#define BANNER_PAD   4 /* pixels around and between lines */
#define MAX_SCALE    3

/* stow_ctx - one write-back's state. */
typedef struct stow_ctx {
	const diagnosis_stow_job *job;
	const diagnosis_pacs *pacs;
	const diagnosis_dicom_image *src;
	diagnosis_finding *f;
	json_t *hdr; /* the source instance's DICOM JSON object */
	char series_uid[65], sop_uid[65];
	uint8_t *rgb; /* the overlay under its banner */
	uint32_t rows, cols;
	char msg[256];
	bool final; /* a failure that another attempt would not change */
} stow_ctx;

/* --- the new UIDs ------------------------------------------------------ */

/* A UUID-derived UID (2.25.<decimal>) needs no registered root. */
void
diagnosis_sc_uid(const char *finding_id, const char *what, char out[65])
{
	uint8_t h[16];
	char digits[40];
	size_t n = 0;
	crypto_generichash_state st;
	bool zero;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)finding_id,
				  strlen(finding_id));
	crypto_generichash_update(&st, (const uint8_t *)what, strlen(what));
	crypto_generichash_final(&st, h, sizeof(h));
	/* Long division of the big-endian number by 10, digit by digit. */
	do {
		unsigned rem = 0;
		zero = true;
		for (size_t i = 0; i < sizeof(h); i++) {
			unsigned cur = rem * 256 + h[i];
			h[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			zero = zero && h[i] == 0;
		}
		digits[n++] = (char)('0' + rem);
	} while (!zero);
	memcpy(out, "2.25.", 5);
	for (size_t i = 0; i < n; i++)
		out[5 + i] = digits[n - 1 - i];
	out[5 + n] = '\0';
}

/* --- the source's header ---------------------------------------------- */

/* read_header fetches the analysed instance's metadata from the PACS. */
static med_err
read_header(stow_ctx *x)
{
	char path[256];
	diagnosis_reply r = {0};
	json_t *root;
	med_err err;

	snprintf(path, sizeof(path),
		 "/studies/%s/series/%s/instances/%s/metadata",
		 x->src->study_uid, x->src->series_uid, x->src->sop_uid);
	err = diagnosis_pacs_get(x->pacs, path, "application/dicom+json", &r,
				 x->msg, sizeof(x->msg));
	if (err != MED_OK)
		return err;
	root = r.status == 200
		       ? json_loadb((const char *)r.data, r.len, 0, NULL)
		       : NULL;
	x->final = r.status >= 400 && r.status < 500 && r.status != 408 &&
		   r.status != 429;
	if (r.status != 200)
		snprintf(x->msg, sizeof(x->msg),
			 "the PACS answered HTTP %ld to the image's metadata",
			 r.status);
	else if (!json_is_object(json_array_get(root, 0)))
		snprintf(x->msg, sizeof(x->msg),
			 "the image's metadata is not DICOM JSON");
	else
		x->hdr = json_incref(json_array_get(root, 0));
	json_decref(root);
	diagnosis_reply_fini(&r);
	return x->hdr != NULL ? MED_OK : MED_ERR_UNAVAILABLE;
}

/* header_str is the header's value of tag in the arena ("" when absent):
 * a string, or a person name's alphabetic form (PS3.18 F.2.2). */
static const char *
header_str(stow_ctx *x, const char *tag)
{
	json_t *v = json_object_get(json_object_get(x->hdr, tag), "Value");
	json_t *first = json_is_array(v) ? json_array_get(v, 0) : NULL;
	const char *s;

	if (json_is_object(first))
		first = json_object_get(first, "Alphabetic");
	s = json_is_string(first) ? json_string_value(first) : "";
	s = med_arena_strdup(x->job->arena, s);
	return s ? s : "";
}

/* --- the image: overlay and banner ----------------------------------- */

/* glyph_of is c's glyph (upper-cased), NULL for a space or one without. */
static const uint8_t *
glyph_of(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	for (size_t i = 0; i < sizeof(font) / sizeof(font[0]); i++)
		if (font[i].c == c)
			return font[i].rows;
	return NULL;
}

/* line_scale is the largest scale (1..MAX_SCALE) at which text fits cols
 * pixels; a line too long at 1 is cut by draw_text. */
static uint32_t
line_scale(const char *text, uint32_t cols)
{
	uint32_t w = (uint32_t)strlen(text) * (GLYPH_W + 1);
	uint32_t s =
		w && cols > 2 * BANNER_PAD ? (cols - 2 * BANNER_PAD) / w : 1;

	return s < 1 ? 1 : s > MAX_SCALE ? MAX_SCALE : s;
}

/* draw_text writes text in white at row y0 of the banner. */
static void
draw_text(stow_ctx *x, const char *text, uint32_t y0, uint32_t s)
{
	uint32_t x0 = BANNER_PAD;

	for (const char *c = text; *c != '\0'; c++, x0 += (GLYPH_W + 1) * s) {
		const uint8_t *g = glyph_of(*c);
		if (x0 + GLYPH_W * s > x->cols)
			break;
		for (uint32_t r = 0; g != NULL && r < GLYPH_H * s; r++)
			for (uint32_t k = 0; k < GLYPH_W * s; k++)
				if (g[r / s] & (0x10 >> (k / s)))
					memset(x->rgb + (((size_t)(y0 + r) *
							  x->cols) +
							 x0 + k) *
								3,
					       255, 3);
	}
}

/* banner_lines fills the notice's lines; the model's is in the arena. */
static void
banner_lines(stow_ctx *x, const char *lines[BANNER_LINES])
{
	char *m = med_arena_sprintf(x->job->arena, "%s %s", x->f->model_id,
				    x->f->model_version);

	lines[0] = "AI OUTPUT";
	lines[1] = "NOT FOR DIAGNOSIS";
	lines[2] = m ? m : "";
}

/* banner_height is the rows the lines take at their scales. */
static uint32_t
banner_height(const char *const lines[BANNER_LINES], uint32_t cols)
{
	uint32_t h = BANNER_PAD;

	for (size_t i = 0; i < BANNER_LINES; i++)
		h += GLYPH_H * line_scale(lines[i], cols) + BANNER_PAD;
	return h;
}

/*
 * compose decodes the overlay PNG and puts it under a black banner that
 * says what it is: the notice is burned into the pixels, so a viewer that
 * shows no header still shows it.
 */
static med_err
compose(stow_ctx *x)
{
	png_image im = {.version = PNG_IMAGE_VERSION};
	const char *lines[BANNER_LINES];
	uint32_t top, y = BANNER_PAD;

	if (!png_image_begin_read_from_memory(&im, x->f->overlay_png.data,
					      x->f->overlay_png.len))
		return MED_ERR_INTERNAL;
	im.format = PNG_FORMAT_RGB;
	banner_lines(x, lines);
	x->cols = im.width;
	top = banner_height(lines, im.width);
	x->rows = top + im.height;
	x->rgb = calloc((size_t)x->rows * x->cols, 3);
	if (x->rgb == NULL) {
		png_image_free(&im);
		return MED_ERR_NOMEM;
	}
	if (!png_image_finish_read(&im, NULL,
				   x->rgb + (size_t)top * x->cols * 3, 0, NULL))
		return MED_ERR_INTERNAL;
	for (size_t i = 0; i < BANNER_LINES; i++) {
		uint32_t s = line_scale(lines[i], x->cols);
		draw_text(x, lines[i], y, s);
		y += GLYPH_H * s + BANNER_PAD;
	}
	return MED_OK;
}

/* --- the file and its sending ----------------------------------------- */

/* now_fields writes the current UTC date and time as DICOM DA and TM. */
static void
now_fields(char date[9], char tm[7])
{
	time_t t = time(NULL);
	struct tm u;

	gmtime_r(&t, &u);
	strftime(date, 9, "%Y%m%d", &u);
	strftime(tm, 7, "%H%M%S", &u);
}

/* encode makes the Secondary Capture file (heap, caller frees). */
static med_err
encode(stow_ctx *x, uint8_t **file, size_t *len)
{
	med_arena *a = x->job->arena;
	char date[9], tm[7];
	diagnosis_sc sc = {
		.study_uid = x->src->study_uid,
		.series_uid = x->series_uid,
		.sop_uid = x->sop_uid,
		.patient_name = header_str(x, "00100010"),
		.patient_id = header_str(x, "00100020"),
		.birth_date = header_str(x, "00100030"),
		.sex = header_str(x, "00100040"),
		.accession = header_str(x, "00080050"),
		.study_date = header_str(x, "00080020"),
		.study_time = header_str(x, "00080030"),
		.study_id = header_str(x, "00200010"),
		.referring = header_str(x, "00080090"),
		.content_date = date,
		.content_time = tm,
		.rows = x->rows,
		.cols = x->cols,
		.rgb = x->rgb,
	};

	now_fields(date, tm);
	/* LO holds 64 characters: the model's id and version fit. */
	sc.series_description =
		med_arena_sprintf(a, "AI saliency %.28s %.16s", x->f->model_id,
				  x->f->model_version);
	sc.derivation = med_arena_sprintf(
		a,
		"Saliency of %s %s over image %s: red where the film drove "
		"p(%s) most (Grad-CAM, or occlusion for a model without a "
		"cam output): the part of the chest that drove the score, "
		"not a lesion's outline. AI output, not for diagnosis; "
		"finding %s is preliminary until a clinician confirms it.",
		x->f->model_id, x->f->model_version, x->src->sop_uid,
		x->f->top_label, x->f->finding_id);
	if (sc.series_description == NULL || sc.derivation == NULL)
		return MED_ERR_NOMEM;
	return diagnosis_sc_write(&sc, file, len);
}

/* multipart wraps the file as a STOW-RS request body (PS3.18 10.5.1.1). */
static med_err
multipart(const uint8_t *file, size_t len, char boundary[48], uint8_t **body,
	  size_t *body_len)
{
	uint8_t rnd[12];
	char hex[25], head[160], tail[64];
	int nh, nt;

	randombytes_buf(rnd, sizeof(rnd));
	med_hex_encode(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(boundary, 48, "smartmed-stow-%s", hex);
	nh = snprintf(head, sizeof(head),
		      "--%s\r\nContent-Type: application/dicom\r\n\r\n",
		      boundary);
	nt = snprintf(tail, sizeof(tail), "\r\n--%s--\r\n", boundary);
	*body = malloc((size_t)nh + len + (size_t)nt);
	if (*body == NULL)
		return MED_ERR_NOMEM;
	memcpy(*body, head, (size_t)nh);
	memcpy(*body + nh, file, len);
	memcpy(*body + nh + len, tail, (size_t)nt);
	*body_len = (size_t)nh + len + (size_t)nt;
	return MED_OK;
}

/* seq_items is the items of a sequence attribute of a DICOM JSON
 * object (an empty sequence has no Value). */
static json_t *
seq_items(json_t *obj, const char *tag)
{
	json_t *v = json_object_get(json_object_get(obj, tag), "Value");

	return json_is_array(v) ? v : NULL;
}

/* refers_to is true when one of items names sop_uid in its Referenced
 * SOP Instance UID (0008,1155). */
static bool
refers_to(json_t *items, const char *sop_uid)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it)
	{
		json_t *v = seq_items(it, "00081155");
		json_t *uid = v ? json_array_get(v, 0) : NULL;
		if (json_is_string(uid) &&
		    strcmp(json_string_value(uid), sop_uid) == 0)
			return true;
	}
	return false;
}

/*
 * check_reply reads the STOW-RS response (PS3.18 10.5.3): HTTP 200 with
 * the instance in ReferencedSOPSequence (0008,1199) and nothing in
 * FailedSOPSequence (0008,1198) is stored; anything else is not.
 */
static med_err
check_reply(stow_ctx *x, const diagnosis_reply *r)
{
	json_t *root = json_loadb((const char *)r->data, r->len, 0, NULL);
	json_t *failed = seq_items(root, "00081198");
	bool stored = r->status == 200 && json_array_size(failed) == 0 &&
		      refers_to(seq_items(root, "00081199"), x->sop_uid);

	/* The PACS read the file and refused it: sending it again would not
	 * change its answer.  Any other status may pass (5xx, 408, 429). */
	x->final = !stored && ((r->status >= 400 && r->status < 500 &&
				r->status != 408 && r->status != 429) ||
			       r->status == 200);
	if (r->status != 200)
		snprintf(x->msg, sizeof(x->msg),
			 "the PACS answered HTTP %ld to STOW-RS", r->status);
	else if (!stored)
		snprintf(x->msg, sizeof(x->msg),
			 "the PACS did not store the instance (STOW-RS reply "
			 "without it in ReferencedSOPSequence)");
	json_decref(root);
	return stored ? MED_OK : MED_ERR_UNAVAILABLE;
}

/* send_file POSTs the file to the study's STOW-RS URL. */
static med_err
send_file(stow_ctx *x, const uint8_t *file, size_t len)
{
	char boundary[48], ctype[128], path[128];
	uint8_t *body = NULL;
	size_t body_len = 0;
	diagnosis_reply r = {0};
	med_err err;

	if ((err = multipart(file, len, boundary, &body, &body_len)) != MED_OK)
		return err;
	snprintf(ctype, sizeof(ctype),
		 "multipart/related; type=\"application/dicom\"; boundary=%s",
		 boundary);
	snprintf(path, sizeof(path), "/studies/%s", x->src->study_uid);
	err = diagnosis_pacs_post(x->pacs, path, ctype, body, body_len,
				  "application/dicom+json", &r, x->msg,
				  sizeof(x->msg));
	free(body);
	if (err == MED_OK)
		err = check_reply(x, &r);
	diagnosis_reply_fini(&r);
	return err;
}

/* --- the report: reply, audit, log and metric ------------------------- */

/* audit emits the attempt as its own event: the call's event committed
 * with the finding before the write-back began.  recorded says whether
 * the outcome is on the finding's row (finding_updated). */
static void
audit(stow_ctx *x, med_err err, bool recorded)
{
	const diagnosis_stow_job *j = x->job;
	char resource[96], attempt[16];
	const med_audit_detail d[] = {
		{"finding_id", x->f->finding_id},
		{"study_instance_uid", x->src->study_uid},
		{"series_instance_uid", x->series_uid},
		{"sop_instance_uid", x->sop_uid},
		{"sop_class_uid", DIAGNOSIS_SC_SOP_CLASS},
		{"finding_updated", recorded ? "true" : "false"},
		{"attempt", attempt},
		{"trigger", j->trigger},
		{"outcome", x->f->pacs_writeback == WRITEBACK(STORED) ? "stored"
			    : x->f->pacs_writeback == WRITEBACK(FAILED)
				    ? "failed"
				    : "pending"},
	};
	med_audit_event ev = {
		.action = STOW_ACTION,
		.actor = j->actor,
		.actor_roles = j->roles,
		.patient_id = x->f->patient_id,
		.resource = resource,
		.outcome = med_err_to_grpc_status(err),
		.request_id = j->request_id,
		.detail = err == MED_OK ? "stored in the PACS" : x->msg,
		.action_code = "C",
		.break_glass = j->break_glass,
		.details = d,
		.n_details = sizeof(d) / sizeof(d[0]),
	};

	snprintf(resource, sizeof(resource), "finding/%s", x->f->finding_id);
	snprintf(attempt, sizeof(attempt), "%u", x->f->writeback_attempts);
	if (med_service_audit(j->svc) == NULL)
		return;
	if (med_audit_emit(med_service_audit(j->svc), &ev) != MED_OK)
		med_log_error("audit: the write-back event of finding %s is "
			      "lost (the spool refused it)",
			      x->f->finding_id);
}

/* count adds one to the counter name{labels}. */
static void
count(stow_ctx *x, const char *name, const char *help, const char *labels)
{
	med_counter *c = med_metrics_counter(med_service_metrics(x->job->svc),
					     name, help, labels);

	if (c != NULL)
		med_counter_add(c, 1);
}

/* count_outcome adds one to the write-back counter of outcome. */
static void
count_outcome(stow_ctx *x, const char *outcome)
{
	char labels[32];

	snprintf(labels, sizeof(labels), "outcome=\"%s\"", outcome);
	count(x, "smartmed_diagnosis_pacs_writeback_total",
	      "write-back attempts to the PACS (STOW-RS) by outcome: stored, "
	      "failed (for good), retry (a passing failure, tried again)",
	      labels);
}

/* record_in_tx stores the outcome on the finding's row (a med_db_tx_fn). */
static med_err
record_in_tx(med_db_conn *c, void *ctx)
{
	return diagnosis_store_finding_writeback(c, ctx);
}

/*
 * record stores the outcome on the finding in its own transaction: the
 * finding and the call's event committed before the write-back began, so
 * a failure here leaves the row PENDING (logged and counted; audit()
 * says so) and the reply as it is.
 */
static bool
record(stow_ctx *x)
{
	med_db *db = x->job->db;
	med_err err = db != NULL ? med_db_tx(db, record_in_tx, x->f)
				 : MED_ERR_UNAVAILABLE;

	if (err == MED_OK)
		return true;
	med_log_error("pacs write-back of finding %s: its outcome is not "
		      "stored with the finding (%s); the finding stays "
		      "PENDING",
		      x->f->finding_id, med_strerror(err));
	count(x, "smartmed_diagnosis_pacs_writeback_record_errors_total",
	      "write-back outcomes that could not be stored with their "
	      "finding (it stays PENDING)",
	      "");
	return false;
}

/* backoff_ms is the wait after the attempts-th failed attempt: retry_ms,
 * doubling, at most retry_max_ms. */
static int64_t
backoff_ms(const diagnosis_pacs *p, uint32_t attempts)
{
	int64_t wait = p->retry_ms;

	for (uint32_t i = 1; i < attempts && wait < p->retry_max_ms; i++)
		wait *= 2;
	return wait < p->retry_max_ms ? wait : p->retry_max_ms;
}

/* outcome sets the finding's write-back fields from one attempt's err: a
 * passing failure leaves it PENDING, due again after the backoff. */
static const char *
outcome(stow_ctx *x, med_err err)
{
	med_arena *a = x->job->arena;

	x->f->writeback_attempts++;
	x->f->writeback_error = "";
	if (err == MED_OK) {
		x->f->pacs_writeback = WRITEBACK(STORED);
		x->f->writeback_ms = med_now_ms();
		x->f->writeback_next_ms = 0;
		return "stored";
	}
	if (x->msg[0] == '\0')
		snprintf(x->msg, sizeof(x->msg), "%s", med_strerror(err));
	x->f->writeback_error = med_arena_strdup(a, x->msg);
	if (x->f->writeback_error == NULL)
		x->f->writeback_error = "";
	if (x->final) {
		x->f->pacs_writeback = WRITEBACK(FAILED);
		x->f->writeback_ms = med_now_ms();
		x->f->writeback_next_ms = 0;
		med_log_warn("pacs write-back of finding %s failed: %s "
			     "(the finding is stored; not retried)",
			     x->f->finding_id, x->msg);
		return "failed";
	}
	x->f->pacs_writeback = WRITEBACK(PENDING);
	x->f->writeback_ms = 0;
	x->f->writeback_next_ms =
		med_now_ms() + backoff_ms(x->pacs, x->f->writeback_attempts);
	med_log_warn("pacs write-back of finding %s, attempt %u, failed: %s "
		     "(PENDING; tried again in %lld ms)",
		     x->f->finding_id, x->f->writeback_attempts, x->msg,
		     (long long)(x->f->writeback_next_ms - med_now_ms()));
	return "retry";
}

/* report puts the outcome on the finding and tells the auditors, the log
 * and the metrics. */
static void
report(stow_ctx *x, med_err err)
{
	med_arena *a = x->job->arena;
	const char *what;

	x->f->writeback_series_instance_uid =
		med_arena_strdup(a, x->series_uid);
	x->f->writeback_sop_instance_uid = med_arena_strdup(a, x->sop_uid);
	if (x->f->writeback_series_instance_uid == NULL ||
	    x->f->writeback_sop_instance_uid == NULL)
		x->f->writeback_series_instance_uid =
			x->f->writeback_sop_instance_uid = "";
	what = outcome(x, err);
	audit(x, err, record(x));
	count_outcome(x, what);
}

/* lease_ms is how long an attempt may take (a GET and a POST, each
 * within the PACS timeout): no other attempt starts on the finding before
 * it lapses. */
int64_t
diagnosis_stow_lease_ms(const diagnosis_pacs *p)
{
	return 3 * p->timeout_ms + 1000;
}

med_err
diagnosis_stow_plan(med_arena *a, const diagnosis_pacs *p, diagnosis_finding *f)
{
	char series_uid[65], sop_uid[65];

	/* A negative finding has no overlay: nothing to write back. */
	if (!p->writeback || !f->has_overlay) {
		f->pacs_writeback = WRITEBACK(OFF);
		return MED_OK;
	}
	diagnosis_sc_uid(f->finding_id, ":sc-series", series_uid);
	diagnosis_sc_uid(f->finding_id, ":sc-instance", sop_uid);
	f->writeback_series_instance_uid = med_arena_strdup(a, series_uid);
	f->writeback_sop_instance_uid = med_arena_strdup(a, sop_uid);
	if (f->writeback_series_instance_uid == NULL ||
	    f->writeback_sop_instance_uid == NULL)
		return MED_ERR_NOMEM;
	f->pacs_writeback = WRITEBACK(PENDING);
	/* The call's own attempt has the lease; the retrier takes the
	 * finding only when that lapses (the service stopped meanwhile). */
	f->writeback_next_ms = med_now_ms() + diagnosis_stow_lease_ms(p);
	return MED_OK;
}

void
diagnosis_stow_run(const diagnosis_stow_job *job, const diagnosis_pacs *p,
		   const diagnosis_dicom_image *src, diagnosis_finding *f)
{
	stow_ctx x = {.job = job, .pacs = p, .src = src, .f = f};
	uint8_t *file = NULL;
	size_t len = 0;
	med_err err;

	diagnosis_sc_uid(f->finding_id, ":sc-series", x.series_uid);
	diagnosis_sc_uid(f->finding_id, ":sc-instance", x.sop_uid);
	if (!f->has_overlay || f->overlay_png.len == 0) {
		snprintf(x.msg, sizeof(x.msg), "the finding has no overlay");
		x.final = true;
		err = MED_ERR_PRECONDITION;
	} else if ((err = read_header(&x)) == MED_OK &&
		   (err = compose(&x)) == MED_OK &&
		   (err = encode(&x, &file, &len)) == MED_OK) {
		err = send_file(&x, file, len);
	}
	/* Only the PACS's answers may pass: a file that cannot be made now
	 * cannot be made later either. */
	if (err != MED_OK && err != MED_ERR_UNAVAILABLE)
		x.final = true;
	report(&x, err);
	free(file);
	free(x.rgb);
	json_decref(x.hdr);
}

void
diagnosis_stow_writeback(med_call *call, const diagnosis_pacs *p,
			 const diagnosis_dicom_image *src, diagnosis_finding *f)
{
	const med_principal *who = med_call_principal(call);
	diagnosis_stow_job job = {
		.arena = med_call_arena(call),
		.svc = med_service_from_call(call),
		.db = med_call_db(call),
		.actor = who->user,
		.roles = who->roles,
		.break_glass = who->break_glass,
		.request_id = med_call_request_id(call),
		.trigger = "analysis",
	};

	if (!p->writeback || !f->has_overlay) {
		f->pacs_writeback = WRITEBACK(OFF);
		return;
	}
	diagnosis_stow_run(&job, p, src, f);
}
