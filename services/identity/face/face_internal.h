/*
 * face_internal.h - the face state shared by face.c (set-up) and
 * face_pipe.c (the per-photograph pipeline).
 */
#ifndef FACE_INTERNAL_H
#define FACE_INTERNAL_H

#include <med/image.h>
#include <med/infer.h>
#include <med/vtoken.h>

#include "face_align.h"
#include "face_pad.h"
#include "face_pipe.h"
#include "face_tiny.h"
#include "face_yunet.h"
#include "face.h"

/* The most outputs a PAD model gives (classes). */
#define IDENTITY_PAD_MAX_OUT 16

/* identity_det_kind - which detector finds the faces. */
typedef enum identity_det_kind {
	IDENTITY_DET_HAAR,  /* the cpu backend's Haar cascade (MED_FACE_CASCADE)
			     */
	IDENTITY_DET_YUNET, /* an ONNX model, card format yunet */
	IDENTITY_DET_TINY,  /* an ONNX model, card format tiny-yolo-face */
} identity_det_kind;

/* identity_copy_mode - MED_FACE_COPY_CHECK. */
typedef enum identity_copy_mode {
	IDENTITY_COPY_ENFORCE = 0, /* refuse a copy: no token */
	IDENTITY_COPY_WARN,	   /* flag it in the reply and audit only */
	IDENTITY_COPY_OFF,
} identity_copy_mode;

struct identity_face {
	bool ready;
	char reason[640];
	uint8_t seed[MED_VTOKEN_SEED_LEN];
	uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN];
	uint8_t tkey[32];
	char key_id[MED_VTOKEN_KEY_ID_LEN + 1];
	double threshold;
	int64_t ttl_ms;
	size_t max_image_bytes;
	int min_size;
	double min_sharpness;
	double max_roll_deg;
	med_infer_host *host;
	bool strict; /* MED_INFER_STRICT: no fallback from a named device */
	med_infer_model *det, *eyes, *emb;
	/* The Haar detector's finds must be confirmed by a second cascade
	 * (MED_FACE_CONFIRM_CASCADE; NULL = off): smooth noise fools one
	 * cascade now and then, two independently trained ones seldom. */
	med_infer_model *confirm;
	size_t dim;
	char model[64]; /* stored with every template; names the embedder */
	/* An ONNX embedder (MED_FACE_EMBEDDER=<file>.onnx) takes a crop of
	 * emb_w x emb_h at crop_scale times the face box, grey replicated
	 * to emb_c channels, each pixel p fed as (p - in_mean) * in_scale;
	 * its output is L2-normalised here.  Values from the model card. */
	bool onnx;
	/* An ONNX detector (MED_FACE_DETECTOR=<file>.onnx) sees the
	 * photograph placed into its det_w x det_h input (face_detect.c), in
	 * colour when det_colour and the photograph has it, else grey in all
	 * 3 channels, fed as (p - det_mean) * det_scale; faces scoring
	 * det_score or more survive suppression at det_nms. */
	identity_det_kind det_kind;
	identity_yunet yunet;
	identity_tiny tiny;
	int det_w, det_h;
	bool det_colour;
	float det_mean, det_scale, det_score, det_nms;
	int emb_w, emb_h, emb_c;
	float in_mean, in_scale, crop_scale;
	/* An embedder whose card says "alignment: dlib-chip-68" gets dlib's
	 * aligned face chip (face_chip.c) instead of a box crop: the 68
	 * landmarks of MED_FACE_LANDMARKS (lmk, a square lmk_size crop of
	 * the face box) place the chip with chip_padding around the face,
	 * in colour when the photograph has it. */
	bool chip;
	double chip_padding;
	/* "alignment: arcface-5" instead: the same landmarks' five points
	 * taken onto ArcFace's template (identity_arcface_transform), one
	 * bilinear sample a chip pixel, as InsightFace's norm_crop cuts it
	 * with OpenCV's warpAffine; chip_padding is unused. */
	bool chip_arcface;
	/* The chip's planes in B, G, R order instead of R, G, B (card
	 * channel_order: bgr), for a model trained on OpenCV's BGR images. */
	bool emb_bgr;
	/* The chip and its mirror image are both embedded and their mean
	 * taken (card flip_average, MED_FACE_EMBED_FLIP). */
	bool embed_flip;
	med_infer_model *lmk;
	int lmk_size;
	char device[16];
	char describe[192];
	identity_index *index;
	/* The copy check of VerifyFace (copies.c): what it does with a
	 * photograph that is a copy, how many bits apart two copy hashes
	 * may be to count as copies, and how long probes are kept. */
	identity_copy_mode copy_mode;
	int copy_distance;
	int64_t copy_window_ms;
	/* VerifyFace's decision (handlers_face.c): the score against the
	 * mean of the patient's unit templates (fuse_mean) or the best one;
	 * the band below the threshold, and the quality under which a
	 * non-match asks for another photograph. */
	bool fuse_mean;
	double retake_band;
	double retake_quality;
	/* The second photograph's bar after a retake (read_retake_threshold)
	 * and the embedder card's calibrated one (0 when it has none). */
	double retake_threshold;
	double card_retake_threshold;
	/* Whose threshold is in use: a site calibration's name
	 * (MED_FACE_CALIBRATION, read_calibration), "card" (the embedder's)
	 * or "setting" (MED_FACE_THRESHOLD). */
	char calibration[64];
	/* The presentation-attack stage (pad.c): MED_FACE_PAD, the liveness
	 * model (NULL: the stage does not run) taking pad_n_crops inputs,
	 * input i a pad_size square crop of pad_crops[i] times the face box
	 * (made square, or the box's own shape when pad_box_crop), RGB or
	 * BGR (pad_bgr), pixels 0..255; of its pad_out_dim outputs, element
	 * pad_live_index is the liveness score, an attack under
	 * pad_threshold.  pad_grey_not_judged: a grey photograph is not
	 * scored (NOT_JUDGED).  pad_bilinear: the crops are resized with
	 * one bilinear sample a pixel (crop_resample bilinear, OpenCV's
	 * resize), not averaged over each pixel's footprint (area).  Values
	 * from its card (kind face-pad). */
	identity_pad_mode pad_mode;
	med_infer_model *pad;
	int pad_size, pad_live_index, pad_out_dim;
	unsigned pad_n_crops;
	double pad_crops[IDENTITY_PAD_MAX_CROPS];
	bool pad_box_crop, pad_bgr, pad_grey_not_judged, pad_bilinear;
	double pad_threshold;
};

/*
 * identity_face_landmarks places the 68 landmarks (iBUG 300-W order, img's
 * pixels) of the face in box (x, y, w, h): two passes of MED_FACE_LANDMARKS,
 * the second on the square around the first's points.  Errors:
 * MED_ERR_INVALID (points that span no face), MED_ERR_INTERNAL (the model
 * failed; logged), MED_ERR_NOMEM.
 */
med_err
identity_face_landmarks(identity_face *f, const med_image *img,
			const float box[4],
			float pts[IDENTITY_LANDMARKS][2]) MED_MUST_CHECK;

/*
 * identity_face_copy - the photograph shrunk on the way (the detector's
 * copy), kept for the later crops so a large photograph is shrunk once:
 * img's pixels times r.  img is NULL when none was made.
 */
typedef struct identity_face_copy {
	med_image *img;
	float r;
} identity_face_copy;

/*
 * identity_face_shrunk makes *out (freed with med_image_free): img
 * area-resampled by r (< 1) in its grey and, when it has them, colour
 * planes; *got is the scale it came to (the sides are whole pixels).
 * Errors: MED_ERR_NOMEM.
 */
med_err identity_face_shrunk(const med_image *img, float r, med_image **out,
			     float *got) MED_MUST_CHECK;

/*
 * identity_face_chip_source gives the image the landmark and chip crops
 * sample: img itself (*r = 1), or, when the face is far larger than the
 * crops (face_px across), copy->img when the face is still large enough
 * there, else a new area-shrunk copy with grey and colour planes; img's
 * coordinates times *r.  The caller frees *src when it is neither img nor
 * copy->img (med_image_free).  Errors: MED_ERR_NOMEM.
 */
med_err identity_face_chip_source(const med_image *img, float face_px,
				  const identity_face_copy *copy,
				  med_image **src, float *r) MED_MUST_CHECK;

/* identity_face_landmark_eyes gives the eye centres (l on the image's
 * left) and the square box around pts (x, y, w, h). */
void identity_face_landmark_eyes(const float pts[IDENTITY_LANDMARKS][2],
				 float box[4], float l[2], float r[2]);

/*
 * identity_face_embed_points embeds dlib's aligned chip that pts place:
 * similarity transform, colour chip, embedder, L2 norm into emb (f->dim
 * floats).  Errors: MED_ERR_INVALID (degenerate points), MED_ERR_INTERNAL
 * (the model failed; logged), MED_ERR_NOMEM.
 */
med_err identity_face_embed_points(identity_face *f, const med_image *img,
				   const float pts[IDENTITY_LANDMARKS][2],
				   float *emb) MED_MUST_CHECK;

/*
 * identity_face_detect_onnx finds the faces of img with the ONNX detector
 * (face_detect.c): at most max, best first, in img's pixels, into faces
 * and *n, from every look (enrolment, verification and identification see
 * the same faces, so the dominant-face rule decides alike).  The shrunk copy it
 * looked at, if any, is handed to the caller in *copy (freed with
 * med_image_free).  Errors: MED_ERR_INTERNAL (the model failed; logged),
 * MED_ERR_NOMEM.
 */
med_err identity_face_detect_onnx(identity_face *f, const med_image *img,
				  identity_det_face *faces, size_t max,
				  size_t *n,
				  identity_face_copy *copy) MED_MUST_CHECK;

/*
 * identity_face_copyhash writes the perceptual hash (255 bits and a last
 * bit always set) of a w x h grey face crop aligned by the pipeline
 * (face_copyhash.c): copies of one photograph hash a few bits apart, new
 * photographs many.  A crop smaller than 32 x 32 gets all zeros (no hash)
 * and false.
 */
bool identity_face_copyhash(const uint8_t *crop, uint32_t w, uint32_t h,
			    uint8_t out[IDENTITY_COPYHASH_LEN]);

/*
 * identity_face_chiphash writes the same hash of the face chip that an
 * affine fit places the landmarks pts on (grey: w x h pixels 0..1, pts in
 * its pixels; face_copyhash.c).  False, and all zeros, for degenerate
 * landmarks or no memory.
 */
bool identity_face_chiphash(const float *grey, uint32_t w, uint32_t h,
			    const float pts[IDENTITY_LANDMARKS][2],
			    uint8_t out[IDENTITY_COPYHASH_LEN]);

/* identity_face_copyhash_is_set: is h a hash (not all zeros)? */
bool identity_face_copyhash_is_set(const uint8_t *h);

/* identity_face_copyhash_distance counts the bits in which a and b differ
 * (IDENTITY_COPYHASH_LEN bytes each). */
int identity_face_copyhash_distance(const uint8_t *a, const uint8_t *b);

/*
 * identity_copy_seen - the photograph the service has seen that a probe
 * is nearest to: distance in copy-hash bits (0 for the same bytes,
 * IDENTITY_COPYHASH_NONE when nothing was compared), exact when the bytes are
 * equal, and what it was (a static string, "" when nothing was compared).
 */
typedef struct identity_copy_seen {
	int distance;
	bool exact;
	const char *of;
} identity_copy_seen;

/*
 * identity_copies_check compares probe pr of patient_id with the patient's
 * enrolment photographs and probes of the last window_ms, and records pr
 * among the probes, in one transaction (copies.c).  Errors: the database's
 * (logged); nothing is recorded then.
 */
med_err identity_copies_check(med_db *db, const char *patient_id,
			      const identity_face_probe *pr, int64_t now_ms,
			      int64_t window_ms,
			      identity_copy_seen *seen) MED_MUST_CHECK;

/*
 * identity_retakes_decide decides v (identity_face_decide) for patient_id
 * in one transaction with the patient's pending retake (retakes.c): one
 * asked within IDENTITY_RETAKE_WINDOW_MS sets v->second and is used up;
 * a new RETAKE (score in the band) is recorded.  Errors: the database's
 * (logged); nothing is decided then.
 */
med_err identity_retakes_decide(med_db *db, const char *patient_id,
				int64_t now_ms, identity_face_verdict *v,
				identity_face_decision *d, char *reason,
				size_t len) MED_MUST_CHECK;

/*
 * identity_face_liveness runs the PAD model (f->pad) on its crops of the
 * face box (x, y, w, h, img's pixels) of img, in colour when img has it,
 * into *score (pad.c).  *grey: the model cannot judge a grey photograph
 * and this is one (not run; *score 0).  Errors: MED_ERR_INTERNAL (the
 * model failed; logged), MED_ERR_NOMEM.
 */
med_err identity_face_liveness(identity_face *f, const med_image *img,
			       const float box[4], double *score,
			       bool *grey) MED_MUST_CHECK;

/* identity_face_normalise L2-normalises emb (f->dim floats); MED_ERR_INTERNAL
 * for a zero or non-finite embedding. */
med_err identity_face_normalise(const identity_face *f,
				float *emb) MED_MUST_CHECK;

#endif
