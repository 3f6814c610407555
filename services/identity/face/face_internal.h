/*
 * face_internal.h - the face state shared by face.c (set-up) and
 * face_pipe.c (the per-photograph pipeline).
 */
#ifndef FACE_INTERNAL_H
#define FACE_INTERNAL_H

#include <med/image.h>
#include <med/infer.h>
#include <med/vtoken.h>

#include "face_yunet.h"
#include "identity.h"

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
	size_t dim;
	char model[64]; /* stored with every template; names the embedder */
	/* An ONNX embedder (MED_FACE_EMBEDDER=<file>.onnx) takes a crop of
	 * emb_w x emb_h at crop_scale times the face box, grey replicated
	 * to emb_c channels, each pixel p fed as (p - in_mean) * in_scale;
	 * its output is L2-normalised here.  Values from the model card. */
	bool onnx;
	/* An ONNX detector (MED_FACE_DETECTOR=<file>.onnx, card format
	 * yunet) sees the photograph letterboxed into its input, grey in
	 * all 3 channels, fed as (p - det_mean) * det_scale; faces scoring
	 * det_score or more survive suppression at det_nms. */
	bool det_onnx;
	identity_yunet yunet;
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
	med_infer_model *lmk;
	int lmk_size;
	char device[16];
	char describe[192];
	identity_index *index;
};

/*
 * identity_face_embed_chip embeds the face in box (x, y, w, h in img's
 * pixels) through dlib's aligned chip: landmarks, similarity transform,
 * colour chip, embedder, L2 norm into emb (f->dim floats).  Errors:
 * MED_ERR_INVALID (landmarks that place no face), MED_ERR_INTERNAL (a
 * model failed; logged), MED_ERR_NOMEM.
 */
med_err identity_face_embed_chip(identity_face *f, const med_image *img,
				 const float box[4], float *emb) MED_MUST_CHECK;

/* identity_face_normalise L2-normalises emb (f->dim floats); MED_ERR_INTERNAL
 * for a zero or non-finite embedding. */
med_err identity_face_normalise(const identity_face *f,
				float *emb) MED_MUST_CHECK;

#endif
