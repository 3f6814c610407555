/*
 * med/image.h - image decoding for the services: PNG (libpng: grey 8/16-bit,
 * palette, RGB/RGBA reduced to grey) and JPEG (libjpeg-turbo, grey or
 * colour reduced to grey), with hard caps on the encoded size and on the
 * declared dimensions, checked before any pixel buffer is allocated.
 *
 * Thread-safety: every function is safe from any number of threads; an
 * image is owned by whoever decoded it.
 */
#ifndef MED_IMAGE_H
#define MED_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

/* med_image_format - what the bytes were. */
typedef enum med_image_format {
	MED_IMAGE_UNKNOWN = 0,
	MED_IMAGE_PNG = 1,
	MED_IMAGE_JPEG = 2,
} med_image_format;

/* med_image_limits - caps; a zero field takes the MED_IMAGE_DEFAULT_*. */
typedef struct med_image_limits {
	size_t max_bytes;    /* encoded size */
	uint32_t max_side;   /* width and height each */
	uint64_t max_pixels; /* width x height */
	/* keep_colour: a colour source also fills med_image.rgb (a second
	 * decoding pass, so the grey pixels are exactly what they are
	 * without it) */
	bool keep_colour;
} med_image_limits;

#define MED_IMAGE_DEFAULT_MAX_BYTES  ((size_t)16 << 20)
#define MED_IMAGE_DEFAULT_MAX_SIDE   8192u
#define MED_IMAGE_DEFAULT_MAX_PIXELS ((uint64_t)32 << 20)

/*
 * med_image - a decoded grey image: width x height floats in [0, 1], row
 * major.  bit_depth is the source's sample depth (8 or 16; 1/2/4-bit grey
 * and palettes report 8).  rgb, only when the limits asked to keep colour
 * and the source has it (colour PNG or palette, colour JPEG): width x
 * height x 3 floats in [0, 1], row major, R G B interleaved; else NULL.
 */
typedef struct med_image {
	uint32_t width, height;
	uint32_t bit_depth;
	med_image_format format;
	float *px;
	float *rgb;
} med_image;

/* med_image_sniff returns the format the magic bytes name. */
med_image_format med_image_sniff(const uint8_t *buf, size_t len);

/* med_image_format_name returns "png", "jpeg" or "unknown". */
const char *med_image_format_name(med_image_format f);

/*
 * med_image_decode decodes buf into a new grey image (*out, freed with
 * med_image_free).  lim may be NULL for the defaults.  Errors:
 * MED_ERR_INVALID (not PNG or JPEG, corrupt or truncated data, zero or
 * over-cap dimensions), MED_ERR_LIMIT (buf longer than max_bytes),
 * MED_ERR_NOMEM.  msg (may be NULL) receives a reason such as
 * "png: truncated data" or "jpeg: 20000x20000 exceeds 8192 per side".
 */
med_err med_image_decode(const uint8_t *buf, size_t len,
			 const med_image_limits *lim, med_image **out,
			 char *msg, size_t msg_len) MED_MUST_CHECK;

/* med_image_free frees an image; NULL is fine. */
void med_image_free(med_image *img);

/*
 * med_image_resize writes img resampled to w x h into out (w * h floats):
 * box (area) averaging where a side shrinks, bilinear (half-pixel centres)
 * where it grows — the same in both directions when the sizes match.
 * Errors: MED_ERR_INVALID (zero sizes).
 */
med_err med_image_resize(const med_image *img, uint32_t w, uint32_t h,
			 float *out) MED_MUST_CHECK;

#endif
