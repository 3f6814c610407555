/*
 * face_yunet.h - the raw outputs of a YuNet-layout ONNX face detector
 * (libfacedetection's 2023 export: cls/obj/bbox/kps per stride 8, 16, 32)
 * turned into face boxes with eye positions.  Pure functions: no I/O.
 */
#ifndef FACE_YUNET_H
#define FACE_YUNET_H

#include <med/err.h>
#include <med/plugin.h>

#include <stdbool.h>
#include <stddef.h>

#include "face_det.h"

#define IDENTITY_YUNET_STRIDES 3

/* identity_yunet - where each stride's four outputs are among the model's. */
typedef struct identity_yunet {
	int in_w, in_h;
	int cls[IDENTITY_YUNET_STRIDES], obj[IDENTITY_YUNET_STRIDES];
	int bbox[IDENTITY_YUNET_STRIDES], kps[IDENTITY_YUNET_STRIDES];
} identity_yunet;

/*
 * identity_yunet_bind finds the outputs cls_S, obj_S, bbox_S and kps_S (S = 8,
 * 16, 32) of mi and checks their shapes against the input [1, 3, H, W].
 * Errors: MED_ERR_INVALID with msg naming the missing or misshapen one.
 */
med_err identity_yunet_bind(const med_model_info *mi, identity_yunet *y,
			    char *msg, size_t len) MED_MUST_CHECK;

/*
 * identity_yunet_decode reads outs (the model's outputs, in mi order) and
 * writes the faces scoring at least min_score, after non-maximum suppression at
 * nms_iou, best first, at most max; returns how many.
 */
size_t identity_yunet_decode(const identity_yunet *y, const float *const *outs,
			     float min_score, float nms_iou,
			     identity_det_face *faces, size_t max);

#endif
