/*
 * face_align.h - landmark alignment for face embedders trained on aligned
 * chips: the least-squares similarity transform between point sets, the
 * transform of dlib's face chip from 68 landmarks (iBUG 300-W order), and
 * sampling a chip out of a photograph through such a transform.
 *
 * A transform m maps (x, y) to (m[0] x + m[1] y + m[2],
 * m[3] x + m[4] y + m[5]); pixel centres are at integer coordinates.
 * Pure functions: no I/O, no state.
 */
#ifndef IDENTITY_FACE_ALIGN_H
#define IDENTITY_FACE_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

#define IDENTITY_LANDMARKS	   68
#define IDENTITY_CHIP_MAX_CHANNELS 3

/*
 * identity_similarity_fit finds the scale, rotation and translation (no
 * reflection, no shear) that map from[i] onto to[i] with the least sum of
 * squared distances.  Errors: MED_ERR_INVALID when n < 2 or the from
 * points all coincide.
 */
med_err identity_similarity_fit(const float (*from)[2], const float (*to)[2],
				size_t n, double m[6]) MED_MUST_CHECK;

/*
 * identity_chip_transform gives the transform from the pixels of a size x
 * size chip to the photograph, placing the 68 landmarks pts (photograph
 * coordinates) where dlib's get_face_chip_details puts a mean face with
 * `padding` (0.25 for dlib's face recognition model) around it: the nose,
 * eyes and outer lips count; brows and lower lip do not.  Errors:
 * MED_ERR_INVALID for degenerate landmarks.
 */
med_err identity_chip_transform(const float pts[IDENTITY_LANDMARKS][2],
				unsigned size, double padding,
				double m[6]) MED_MUST_CHECK;

/*
 * identity_arcface_points reduces the 68 landmarks to the five of ArcFace's
 * alignment, in its order: the centre of the eye on the image's left (the
 * mean of points 36..41), the other eye's (42..47), the nose tip (30) and
 * the outer mouth corners (48, 54).
 */
void identity_arcface_points(const float pts[IDENTITY_LANDMARKS][2],
			     float five[5][2]);

/*
 * identity_arcface_transform gives the transform from the pixels of a size x
 * size chip to the photograph for embedders trained on ArcFace's 112 x 112
 * crops (InsightFace's norm_crop): the least-squares similarity that takes
 * the five points of identity_arcface_points onto ArcFace's template,
 * scaled by size / 112, inverted.  Errors: MED_ERR_INVALID for size 0 or
 * degenerate landmarks.
 */
med_err identity_arcface_transform(const float pts[IDENTITY_LANDMARKS][2],
				   unsigned size, double m[6]) MED_MUST_CHECK;

/*
 * identity_chip_affine is identity_chip_transform with a general affine
 * fit (least squares, shear and unequal scales allowed): a photograph of
 * a photograph held at a slant distorts the face by a perspective that a
 * similarity cannot undo.  Errors: MED_ERR_INVALID for degenerate
 * landmarks.
 */
med_err identity_chip_affine(const float pts[IDENTITY_LANDMARKS][2],
			     unsigned size, double padding,
			     double m[6]) MED_MUST_CHECK;

/*
 * identity_chip_sample fills out (size x size x channels floats, row major,
 * channels (1..IDENTITY_CHIP_MAX_CHANNELS) interleaved) from img (w x h x
 * channels, same layout) at m(x, y) for each chip pixel: bilinear, averaged
 * over the chip pixel's footprint when a chip pixel covers more than one
 * photograph pixel (so a large photograph does not alias), and the nearest edge
 * pixel outside the photograph.
 */
void identity_chip_sample(const float *img, uint32_t w, uint32_t h,
			  unsigned channels, const double m[6], unsigned size,
			  float *out);

/*
 * identity_chip_sample_bilinear is identity_chip_sample with one bilinear
 * sample at each chip pixel's centre whatever its footprint, as OpenCV's
 * cv2.resize (INTER_LINEAR) does: a large photograph aliases, which is what
 * a model trained on such resizes expects (MiniFASNet's crops).
 */
void identity_chip_sample_bilinear(const float *img, uint32_t w, uint32_t h,
				   unsigned channels, const double m[6],
				   unsigned size, float *out);

/* identity_transform_scale is the length one chip pixel spans in the
 * photograph. */
double identity_transform_scale(const double m[6]);

/*
 * identity_chip_mirror writes into out the left-right mirror image of in,
 * planes planar channels of size x size floats each (the embedder's input
 * layout): what the chip of the mirrored photograph looks like, since the
 * chip transform places a symmetric mean face.  in and out must not
 * overlap.
 */
void identity_chip_mirror(const float *in, unsigned planes, unsigned size,
			  float *out);

#endif
