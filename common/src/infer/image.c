/*
 * image.c - PNG and JPEG decoding into grey float images, and resampling.
 *
 * Both libraries report errors by longjmp from a callback.  Everything
 * that must be freed after such a jump lives in a decode context owned by
 * the caller of the function that calls setjmp, so no local of that
 * function is read after the jump (C11 7.13.2.1).
 */
#include <med/image.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct decode_ctx {
	const uint8_t *buf;
	size_t len, pos;
	med_image_limits lim;
	med_image *img;
	uint8_t *rows;
	char *msg;
	size_t msg_len;
	med_err err;
	jmp_buf jmp;
	bool src_colour; /* the first pass saw a colour source */
	bool rgb_pass;	 /* this pass fills img->rgb, not img->px */
	/* unit[v] = v / 255.0f, what dividing each 8-bit sample gives, looked
	 * up instead of divided (a division a sample was most of the
	 * conversion's time). */
	float unit[256];
} decode_ctx;

static med_err fail(decode_ctx *c, med_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static med_err
fail(decode_ctx *c, med_err err, const char *fmt, ...)
{
	va_list ap;

	c->err = err;
	if (c->msg != NULL && c->msg_len > 0) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->msg_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

med_image_format
med_image_sniff(const uint8_t *buf, size_t len)
{
	static const uint8_t png_magic[8] = {0x89, 'P',	 'N',  'G',
					     '\r', '\n', 0x1a, '\n'};

	if (buf == NULL)
		return MED_IMAGE_UNKNOWN;
	if (len >= 8 && memcmp(buf, png_magic, 8) == 0)
		return MED_IMAGE_PNG;
	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return MED_IMAGE_JPEG;
	return MED_IMAGE_UNKNOWN;
}

const char *
med_image_format_name(med_image_format f)
{
	switch (f) {
	case MED_IMAGE_PNG:
		return "png";
	case MED_IMAGE_JPEG:
		return "jpeg";
	default:
		return "unknown";
	}
}

void
med_image_free(med_image *img)
{
	if (img == NULL)
		return;
	free(img->px);
	free(img->rgb);
	free(img);
}

/* check_dims refuses empty or over-cap images before any allocation. */
static med_err
check_dims(decode_ctx *c, const char *fmt_name, uint64_t w, uint64_t h)
{
	if (w == 0 || h == 0)
		return fail(c, MED_ERR_INVALID, "%s: empty image (%llux%llu)",
			    fmt_name, (unsigned long long)w,
			    (unsigned long long)h);
	if (w > c->lim.max_side || h > c->lim.max_side)
		return fail(c, MED_ERR_INVALID,
			    "%s: %llux%llu exceeds %u per side", fmt_name,
			    (unsigned long long)w, (unsigned long long)h,
			    c->lim.max_side);
	if (w * h > c->lim.max_pixels)
		return fail(c, MED_ERR_INVALID,
			    "%s: %llux%llu exceeds %llu pixels", fmt_name,
			    (unsigned long long)w, (unsigned long long)h,
			    (unsigned long long)c->lim.max_pixels);
	return MED_OK;
}

static med_err
image_alloc(decode_ctx *c, uint32_t w, uint32_t h, uint32_t depth,
	    med_image_format f)
{
	c->img = calloc(1, sizeof(*c->img));
	if (c->img == NULL)
		return fail(c, MED_ERR_NOMEM, "out of memory");
	c->img->px = malloc((size_t)w * h * sizeof(float));
	if (c->img->px == NULL)
		return fail(c, MED_ERR_NOMEM, "out of memory");
	c->img->width = w;
	c->img->height = h;
	c->img->bit_depth = depth;
	c->img->format = f;
	return MED_OK;
}

/* --- PNG ---------------------------------------------------------------- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
png_on_error(png_structp png, png_const_charp text)
{
	decode_ctx *c = png_get_error_ptr(png);

	if (c->err == MED_OK)
		fail(c, MED_ERR_INVALID, "png: %s", text);
	longjmp(c->jmp, 1);
}

static void
png_on_warning(png_structp png, png_const_charp text)
{
	(void)png;
	(void)text; /* benign (e.g. an unknown chunk); errors still jump */
}

static void
png_on_read(png_structp png, png_bytep data, size_t n)
{
	decode_ctx *c = png_get_io_ptr(png);

	if (n > c->len - c->pos)
		png_error(png, "truncated data");
	memcpy(data, c->buf + c->pos, n);
	c->pos += n;
}

/* png_set_transforms asks libpng for one grey sample per pixel, or, on the
 * colour pass, for 8-bit RGB. */
static void
png_set_transforms(decode_ctx *c, png_structp png, png_infop info)
{
	int type = png_get_color_type(png, info);

	c->src_colour = type == PNG_COLOR_TYPE_PALETTE ||
			(type & PNG_COLOR_MASK_COLOR) != 0;
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (type & PNG_COLOR_MASK_ALPHA)
		png_set_strip_alpha(png);
	if (c->rgb_pass)
		png_set_strip_16(png);
	else if (c->src_colour)
		png_set_rgb_to_gray_fixed(png, 1, -1, -1);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
}

/* rgb8_to_float writes n interleaved 8-bit RGB pixels as floats, through
 * unit (decode_ctx). */
static void
rgb8_to_float(const float *unit, const uint8_t *in, float *out, size_t n)
{
	for (size_t i = 0; i < 3 * n; i++)
		out[i] = unit[in[i]];
}

/* rgb_alloc gives the image its colour plane (the colour pass). */
static med_err
rgb_alloc(decode_ctx *c)
{
	c->img->rgb = malloc((size_t)c->img->width * c->img->height * 3 *
			     sizeof(float));
	if (c->img->rgb == NULL)
		return fail(c, MED_ERR_NOMEM, "out of memory");
	return MED_OK;
}

static void
png_rows_to_float(decode_ctx *c, size_t rowbytes, int depth)
{
	med_image *img = c->img;

	for (size_t y = 0; y < img->height; y++) {
		const uint8_t *r = c->rows + y * rowbytes;
		float *o = img->px + y * img->width;

		if (c->rgb_pass) {
			rgb8_to_float(c->unit, r, img->rgb + 3 * y * img->width,
				      img->width);
			continue;
		}
		for (size_t x = 0; x < img->width; x++) {
			if (depth == 16)
				o[x] = (float)((r[2 * x] << 8) | r[2 * x + 1]) /
				       65535.0f;
			else
				o[x] = c->unit[r[x]];
		}
	}
}

/* png_run does the work under setjmp; c owns whatever it allocates. */
static med_err
png_run(decode_ctx *c, png_structp png, png_infop info)
{
	png_uint_32 w, h;
	size_t rowbytes;
	png_bytep *ptrs;

	if (setjmp(c->jmp) != 0)
		return c->err;
	png_set_read_fn(png, c, png_on_read);
	/* libpng's own guard; check_dims below gives the clearer message */
	png_set_user_limits(png, c->lim.max_side, c->lim.max_side);
	png_read_info(png, info);
	w = png_get_image_width(png, info);
	h = png_get_image_height(png, info);
	if (check_dims(c, "png", w, h) != MED_OK)
		return c->err;
	png_set_transforms(c, png, info);
	if (png_get_channels(png, info) != (c->rgb_pass ? 3 : 1))
		return fail(c, MED_ERR_INVALID, "png: unsupported colour type");
	rowbytes = png_get_rowbytes(png, info);
	if (c->rgb_pass
		    ? rgb_alloc(c) != MED_OK
		    : image_alloc(c, w, h,
				  png_get_bit_depth(png, info) == 16 ? 16 : 8,
				  MED_IMAGE_PNG) != MED_OK)
		return c->err;
	c->rows = malloc(rowbytes * h + h * sizeof(png_bytep));
	if (c->rows == NULL)
		return fail(c, MED_ERR_NOMEM, "out of memory");
	ptrs = (png_bytep *)(void *)(c->rows + rowbytes * h);
	for (size_t y = 0; y < h; y++)
		ptrs[y] = c->rows + y * rowbytes;
	png_read_image(png, ptrs);
	png_read_end(png, NULL);
	png_rows_to_float(c, rowbytes, c->img->bit_depth);
	return MED_OK;
}

static med_err
decode_png(decode_ctx *c)
{
	png_structp png;
	png_infop info;
	med_err err;

	/* IHDR is the first chunk (PNG spec 5.6): refuse what it declares
	 * before libpng reads further. */
	if (c->len >= 24 && memcmp(c->buf + 12, "IHDR", 4) == 0 &&
	    check_dims(c, "png", be32(c->buf + 16), be32(c->buf + 20)) !=
		    MED_OK)
		return c->err;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_on_error,
				     png_on_warning);
	if (png == NULL)
		return fail(c, MED_ERR_NOMEM, "png: out of memory");
	info = png_create_info_struct(png);
	if (info == NULL) {
		png_destroy_read_struct(&png, NULL, NULL);
		return fail(c, MED_ERR_NOMEM, "png: out of memory");
	}
	err = png_run(c, png, info);
	png_destroy_read_struct(&png, &info, NULL);
	return err;
}

/* --- JPEG --------------------------------------------------------------- */

typedef struct jpeg_err_ctx {
	struct jpeg_error_mgr pub;
	decode_ctx *c;
} jpeg_err_ctx;

static void
jpeg_on_error(j_common_ptr cinfo)
{
	jpeg_err_ctx *e = (jpeg_err_ctx *)(void *)cinfo->err;
	char text[JMSG_LENGTH_MAX];

	cinfo->err->format_message(cinfo, text);
	if (e->c->err == MED_OK)
		fail(e->c, MED_ERR_INVALID, "jpeg: %s", text);
	longjmp(e->c->jmp, 1);
}

/* Corrupt-data warnings (level -1) are errors: a damaged X-ray that libjpeg
 * would pad with grey must not reach a classifier. */
static void
jpeg_on_message(j_common_ptr cinfo, int level)
{
	if (level < 0)
		jpeg_on_error(cinfo);
}

static med_err
jpeg_run(decode_ctx *c, struct jpeg_decompress_struct *d)
{
	JSAMPROW row;

	if (setjmp(c->jmp) != 0)
		return c->err;
	jpeg_create_decompress(d);
	jpeg_mem_src(d, c->buf, (unsigned long)c->len);
	jpeg_read_header(d, TRUE);
	if (check_dims(c, "jpeg", d->image_width, d->image_height) != MED_OK)
		return c->err;
	c->src_colour = d->num_components == 3;
	d->out_color_space = c->rgb_pass ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_start_decompress(d);
	if (d->output_components != (c->rgb_pass ? 3 : 1))
		return fail(c, MED_ERR_INVALID,
			    "jpeg: unsupported colour space");
	if (c->rgb_pass ? rgb_alloc(c) != MED_OK
			: image_alloc(c, d->output_width, d->output_height, 8,
				      MED_IMAGE_JPEG) != MED_OK)
		return c->err;
	c->rows = malloc((size_t)d->output_width * d->output_components);
	if (c->rows == NULL)
		return fail(c, MED_ERR_NOMEM, "out of memory");
	row = c->rows;
	while (d->output_scanline < d->output_height) {
		size_t y = d->output_scanline;

		jpeg_read_scanlines(d, &row, 1);
		if (c->rgb_pass) {
			rgb8_to_float(c->unit, c->rows,
				      c->img->rgb + 3 * y * d->output_width,
				      d->output_width);
			continue;
		}
		for (size_t x = 0; x < d->output_width; x++)
			c->img->px[y * d->output_width + x] =
				c->unit[c->rows[x]];
	}
	jpeg_finish_decompress(d);
	return MED_OK;
}

static med_err
decode_jpeg(decode_ctx *c)
{
	struct jpeg_decompress_struct d;
	jpeg_err_ctx e;
	med_err err;

	memset(&d, 0, sizeof(d));
	d.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = jpeg_on_error;
	e.pub.emit_message = jpeg_on_message;
	e.c = c;
	err = jpeg_run(c, &d);
	jpeg_destroy_decompress(&d);
	return err;
}

/* --- entry points ------------------------------------------------------- */

/* decode_pass runs one decoding of c->buf; rows of an earlier pass are
 * freed first. */
static med_err
decode_pass(decode_ctx *c)
{
	free(c->rows);
	c->rows = NULL;
	c->pos = 0;
	c->err = MED_OK;
	if (med_image_sniff(c->buf, c->len) == MED_IMAGE_PNG)
		return decode_png(c);
	return decode_jpeg(c);
}

med_err
med_image_decode(const uint8_t *buf, size_t len, const med_image_limits *lim,
		 med_image **out, char *msg, size_t msg_len)
{
	decode_ctx c = {.buf = buf, .len = len, .msg = msg, .msg_len = msg_len};
	med_err err;

	if (msg != NULL && msg_len > 0)
		msg[0] = '\0';
	for (int v = 0; v < 256; v++)
		c.unit[v] = (float)v / 255.0f;
	c.lim.max_bytes = lim && lim->max_bytes ? lim->max_bytes
						: MED_IMAGE_DEFAULT_MAX_BYTES;
	c.lim.max_side = lim && lim->max_side ? lim->max_side
					      : MED_IMAGE_DEFAULT_MAX_SIDE;
	c.lim.max_pixels = lim && lim->max_pixels
				   ? lim->max_pixels
				   : MED_IMAGE_DEFAULT_MAX_PIXELS;
	if (buf == NULL || len == 0)
		return fail(&c, MED_ERR_INVALID, "empty");
	if (len > c.lim.max_bytes)
		return fail(&c, MED_ERR_LIMIT, "%zu bytes exceeds %zu", len,
			    c.lim.max_bytes);
	if (med_image_sniff(buf, len) == MED_IMAGE_UNKNOWN)
		return fail(&c, MED_ERR_INVALID, "not a PNG or JPEG file");
	err = decode_pass(&c);
	if (err == MED_OK && lim && lim->keep_colour && c.src_colour) {
		c.rgb_pass = true;
		err = decode_pass(&c);
	}
	free(c.rows);
	if (err != MED_OK) {
		med_image_free(c.img);
		return err;
	}
	*out = c.img;
	return MED_OK;
}

/*
 * axis_weights fills, per output index, up to max_taps (start, weights):
 * a box filter with fractional coverage when shrinking, bilinear with
 * half-pixel centres otherwise.
 */
static void
axis_weights(uint32_t n_in, uint32_t n_out, uint32_t max_taps, uint32_t *first,
	     uint32_t *count, float *w)
{
	double s = (double)n_in / n_out;

	for (uint32_t o = 0; o < n_out; o++) {
		float *wo = w + (size_t)o * max_taps;
		if (s > 1.0) {
			double lo = o * s, hi = (o + 1) * s;
			uint32_t a = (uint32_t)lo, b = (uint32_t)(hi - 1e-9);
			if (b >= n_in)
				b = n_in - 1;
			first[o] = a;
			count[o] = b - a + 1;
			for (uint32_t i = a; i <= b; i++) {
				double l = i > lo ? i : lo;
				double r = i + 1.0 < hi ? i + 1.0 : hi;
				wo[i - a] = (float)((r - l) / s);
			}
			continue;
		}
		double x = (o + 0.5) * s - 0.5;
		if (x < 0)
			x = 0;
		uint32_t a = (uint32_t)x;
		if (a >= n_in - 1) {
			first[o] = n_in - 1;
			count[o] = 1;
			wo[0] = 1.0f;
			continue;
		}
		first[o] = a;
		count[o] = 2;
		wo[1] = (float)(x - a);
		wo[0] = 1.0f - wo[1];
	}
}

/* Taps of one axis: output o reads count[o] inputs from first[o] with the
 * weights w[o * max .. o * max + count[o]). */
typedef struct axis_taps {
	const uint32_t *first, *count;
	const float *w;
	uint32_t max;
} axis_taps;

/* h_pass resamples each of rows rows of src (in_w wide) to w columns. */
static void
h_pass(const float *src, size_t rows, uint32_t in_w, uint32_t w,
       const axis_taps *t, float *dst)
{
	for (size_t y = 0; y < rows; y++) {
		const float *r = src + y * in_w;
		for (size_t x = 0; x < w; x++) {
			const float *wx = t->w + x * t->max;
			float acc = 0;
			for (uint32_t k = 0; k < t->count[x]; k++)
				acc += wx[k] * r[t->first[x] + k];
			dst[y * w + x] = acc;
		}
	}
}

/* v_pass makes each of the h rows of dst (len wide) from rows of src: row
 * by row, tap by tap, reading whole rows (it vectorises). */
static void
v_pass(const float *src, size_t len, uint32_t h, const axis_taps *t, float *dst)
{
	for (size_t y = 0; y < h; y++) {
		float *o = dst + y * len;
		for (size_t x = 0; x < len; x++)
			o[x] = 0.f;
		for (uint32_t k = 0; k < t->count[y]; k++) {
			const float wk = t->w[y * t->max + k];
			const float *row = src + (t->first[y] + k) * len;
			for (size_t x = 0; x < len; x++)
				o[x] += wk * row[x];
		}
	}
}

med_err
med_image_resize(const med_image *img, uint32_t w, uint32_t h, float *out)
{
	uint32_t tx, ty;
	uint32_t *fx = NULL, *cx, *fy, *cy;
	float *wx = NULL, *wy = NULL, *tmp = NULL;
	bool rows_first;

	if (w == 0 || h == 0 || img->width == 0 || img->height == 0)
		return MED_ERR_INVALID;
	/* The vertical pass vectorises and the horizontal one does not, so
	 * the axis that shrinks the image is resampled first: the other pass
	 * then runs on fewer pixels. */
	rows_first = h < img->height;
	tx = img->width / w + 2; /* taps per output: box width + 2 */
	ty = img->height / h + 2;
	fx = malloc(sizeof(uint32_t) * 2 * ((size_t)w + h));
	wx = malloc(sizeof(float) * (size_t)w * tx);
	wy = malloc(sizeof(float) * (size_t)h * ty);
	tmp = malloc(sizeof(float) * (rows_first ? (size_t)img->width * h
						 : (size_t)w * img->height));
	if (!fx || !wx || !wy || !tmp) {
		free(tmp);
		free(wy);
		free(wx);
		free(fx);
		return MED_ERR_NOMEM;
	}
	cx = fx + w;
	fy = cx + w;
	cy = fy + h;
	axis_weights(img->width, w, tx, fx, cx, wx);
	axis_weights(img->height, h, ty, fy, cy, wy);
	axis_taps xt = {fx, cx, wx, tx}, yt = {fy, cy, wy, ty};
	if (rows_first) {
		v_pass(img->px, img->width, h, &yt, tmp);
		h_pass(tmp, h, img->width, w, &xt, out);
	} else {
		h_pass(img->px, img->height, img->width, w, &xt, tmp);
		v_pass(tmp, w, h, &yt, out);
	}
	free(tmp);
	free(wy);
	free(wx);
	free(fx);
	return MED_OK;
}
