/*
 * test_image.c - med/image.h: PNG and JPEG made here with libpng/libjpeg's
 * own encoders, decoded back; truncated, corrupt, empty and over-cap
 * images refused with a clear message; resampling.
 */
#include "testlib.h"

#include <math.h>
#include <med/image.h>
#include <stdint.h>
#include <stdio.h> /* before jpeglib.h */

#include <jpeglib.h>
#include <png.h>

typedef struct mbuf {
	uint8_t *p;
	size_t len, cap;
} mbuf;

static void
mbuf_put(mbuf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		MT_TRUE(b->p != NULL);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
png_put(png_structp png, png_bytep data, size_t n)
{
	mbuf_put(png_get_io_ptr(png), data, n);
}

static void
png_flush_nop(png_structp png)
{
	(void)png;
}

/* make_png encodes w x h samples (rows of bytes as libpng wants them). */
static mbuf
make_png(uint32_t w, uint32_t h, int depth, int type, const uint8_t *rows,
	 size_t rowbytes, const png_color *palette, int n_palette)
{
	mbuf b = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
						  NULL, NULL);
	png_infop info = png_create_info_struct(png);

	MT_TRUE(png != NULL && info != NULL);
	if (setjmp(png_jmpbuf(png)))
		mt_fail(__FILE__, __LINE__, "libpng could not encode");
	png_set_write_fn(png, &b, png_put, png_flush_nop);
	png_set_IHDR(png, info, w, h, depth, type, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (palette != NULL)
		png_set_PLTE(png, info, palette, n_palette);
	png_write_info(png, info);
	for (uint32_t y = 0; y < h; y++)
		png_write_row(png, rows + y * rowbytes);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return b;
}

static mbuf
make_jpeg(uint32_t w, uint32_t h, int comps, const uint8_t *px, int quality)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL;
	unsigned long out_len = 0;
	mbuf b = {0};

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &out_len);
	c.image_width = w;
	c.image_height = h;
	c.input_components = comps;
	c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < h) {
		JSAMPROW row =
			(JSAMPROW)(px + (size_t)c.next_scanline * w * comps);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	mbuf_put(&b, out, out_len);
	free(out);
	return b;
}

/* decode_fails expects err and a message containing want. */
static void
decode_fails(const mbuf *b, const med_image_limits *lim, med_err want_err,
	     const char *want)
{
	med_image *img = NULL;
	char msg[160];
	med_err err =
		med_image_decode(b->p, b->len, lim, &img, msg, sizeof(msg));

	MT_EQ_INT(err, want_err);
	MT_TRUE(img == NULL);
	if (strstr(msg, want) == NULL)
		mt_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", msg,
			want);
}

static void
test_png_gray8(void)
{
	uint8_t px[15];
	med_image *img = NULL;

	for (int i = 0; i < 15; i++)
		px[i] = (uint8_t)(i * 17);
	mbuf b = make_png(5, 3, 8, PNG_COLOR_TYPE_GRAY, px, 5, NULL, 0);
	MT_EQ_INT(med_image_sniff(b.p, b.len), MED_IMAGE_PNG);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_EQ_INT(img->width, 5);
	MT_EQ_INT(img->height, 3);
	MT_EQ_INT(img->bit_depth, 8);
	MT_EQ_STR(med_image_format_name(img->format), "png");
	for (int i = 0; i < 15; i++)
		MT_TRUE(fabsf(img->px[i] - (float)(i * 17) / 255.0f) < 1e-6f);
	med_image_free(img);
	free(b.p);
}

static void
test_png_gray16(void)
{
	uint16_t v[4] = {0, 1, 32768, 65535};
	uint8_t rows[8];
	med_image *img = NULL;

	for (int i = 0; i < 4; i++) {
		rows[2 * i] = (uint8_t)(v[i] >> 8); /* PNG is big-endian */
		rows[2 * i + 1] = (uint8_t)(v[i] & 0xff);
	}
	mbuf b = make_png(2, 2, 16, PNG_COLOR_TYPE_GRAY, rows, 4, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_EQ_INT(img->bit_depth, 16);
	for (int i = 0; i < 4; i++)
		MT_TRUE(fabsf(img->px[i] - (float)v[i] / 65535.0f) < 1e-7f);
	med_image_free(img);
	free(b.p);
}

static void
test_png_palette_and_1bit(void)
{
	png_color pal[2] = {{0, 0, 0}, {255, 255, 255}};
	uint8_t idx[4] = {0, 1, 1, 0};
	uint8_t bits[2] = {0x80, 0x40}; /* 1-bit grey: 10, 01 */
	med_image *img = NULL;

	mbuf b = make_png(2, 2, 8, PNG_COLOR_TYPE_PALETTE, idx, 2, pal, 2);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_TRUE(img->px[0] < 0.01f && img->px[1] > 0.99f);
	MT_TRUE(img->px[2] > 0.99f && img->px[3] < 0.01f);
	med_image_free(img);
	free(b.p);
	b = make_png(2, 2, 1, PNG_COLOR_TYPE_GRAY, bits, 1, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_TRUE(img->px[0] > 0.99f && img->px[1] < 0.01f);
	MT_TRUE(img->px[2] < 0.01f && img->px[3] > 0.99f);
	med_image_free(img);
	free(b.p);
}

static void
test_png_rgba_to_grey(void)
{
	uint8_t px[8] = {255, 255, 255, 255, 0, 255, 0, 128};
	med_image *img = NULL;

	mbuf b = make_png(2, 1, 8, PNG_COLOR_TYPE_RGBA, px, 8, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_TRUE(img->px[0] > 0.99f);
	/* pure green is the brightest primary (Rec. 709 weight ~0.72) */
	MT_TRUE(img->px[1] > 0.6f && img->px[1] < 0.8f);
	med_image_free(img);
	free(b.p);
}

static void
test_png_truncated_and_corrupt(void)
{
	uint8_t px[64 * 64];

	for (int i = 0; i < 64 * 64; i++)
		px[i] = (uint8_t)(i * 7);
	mbuf b = make_png(64, 64, 8, PNG_COLOR_TYPE_GRAY, px, 64, NULL, 0);
	mbuf cut = {b.p, b.len / 2, 0};
	decode_fails(&cut, NULL, MED_ERR_INVALID, "png: ");
	/* every prefix fails cleanly, none crashes */
	for (size_t n = 1; n < b.len - 12; n += 7) {
		mbuf pre = {b.p, n, 0};
		med_image *img = NULL;
		MT_TRUE(med_image_decode(pre.p, pre.len, NULL, &img, NULL, 0) !=
			MED_OK);
	}
	b.p[b.len / 2] ^= 0x5a; /* inside IDAT: CRC or zlib error */
	decode_fails(&b, NULL, MED_ERR_INVALID, "png: ");
	free(b.p);
}

static uint32_t
crc32_png(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* png_header returns a signature + IHDR declaring w x h grey 8-bit. */
static mbuf
png_header(uint32_t w, uint32_t h)
{
	static const uint8_t sig[8] = {0x89, 'P',  'N',	 'G',
				       '\r', '\n', 0x1a, '\n'};
	uint8_t ihdr[4 + 4 + 13 + 4] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
	mbuf b = {0};

	put_be32(ihdr + 8, w);
	put_be32(ihdr + 12, h);
	ihdr[16] = 8; /* depth */
	put_be32(ihdr + 21, crc32_png(ihdr + 4, 17));
	mbuf_put(&b, sig, 8);
	mbuf_put(&b, ihdr, sizeof(ihdr));
	return b;
}

static void
test_png_declared_sizes(void)
{
	mbuf b = png_header(100000, 100000);
	decode_fails(&b, NULL, MED_ERR_INVALID, "exceeds");
	free(b.p);
	b = png_header(0, 10);
	decode_fails(&b, NULL, MED_ERR_INVALID, "png: ");
	free(b.p);
	b = png_header(10, 10); /* header only: no image data */
	decode_fails(&b, NULL, MED_ERR_INVALID, "png: ");
	free(b.p);
}

static void
test_jpeg_gray_and_colour(void)
{
	uint8_t g[16 * 16], rgb[16 * 16 * 3];
	med_image *img = NULL;

	for (int i = 0; i < 256; i++) {
		g[i] = (uint8_t)(i % 16 * 16);
		rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = 200;
	}
	mbuf b = make_jpeg(16, 16, 1, g, 100);
	MT_EQ_INT(med_image_sniff(b.p, b.len), MED_IMAGE_JPEG);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_EQ_INT(img->width, 16);
	MT_EQ_STR(med_image_format_name(img->format), "jpeg");
	for (int i = 0; i < 256; i++)
		MT_TRUE(fabsf(img->px[i] - g[i] / 255.0f) < 4.0f / 255.0f);
	med_image_free(img);
	free(b.p);
	b = make_jpeg(16, 16, 3, rgb, 95);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	MT_TRUE(fabsf(img->px[100] - 200.0f / 255.0f) < 3.0f / 255.0f);
	med_image_free(img);
	free(b.p);
}

/* Colour kept on request: the grey plane is what it is without it. */
/* Every 8-bit value, grey and colour, comes out exactly as v / 255.0f
 * (the decoder looks the quotient up instead of dividing each sample). */
static void
test_every_byte_is_its_quotient(void)
{
	uint8_t g[256], rgb[256 * 3];
	med_image_limits lim = {.keep_colour = true};
	med_image *img = NULL;

	for (int v = 0; v < 256; v++) {
		g[v] = (uint8_t)v;
		rgb[3 * v] = (uint8_t)v;
		rgb[3 * v + 1] = (uint8_t)(255 - v);
		rgb[3 * v + 2] = (uint8_t)(v * 7);
	}
	mbuf b = make_png(256, 1, 8, PNG_COLOR_TYPE_GRAY, g, 256, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, NULL, &img, NULL, 0));
	for (int v = 0; v < 256; v++)
		MT_TRUE(img->px[v] == (float)v / 255.0f);
	med_image_free(img);
	free(b.p);
	b = make_png(256, 1, 8, PNG_COLOR_TYPE_RGB, rgb, 768, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, &lim, &img, NULL, 0));
	MT_TRUE(img->rgb != NULL);
	for (int i = 0; img->rgb && i < 768; i++)
		MT_TRUE(img->rgb[i] == (float)rgb[i] / 255.0f);
	med_image_free(img);
	free(b.p);
}

static void
test_keep_colour(void)
{
	uint8_t rgba[8] = {255, 0, 0, 255, 0, 0, 255, 128};
	uint8_t g[4] = {0, 80, 160, 240};
	uint8_t rgb[8 * 8 * 3];
	med_image_limits lim = {.keep_colour = true};
	med_image *img = NULL, *plain = NULL;

	mbuf b = make_png(2, 1, 8, PNG_COLOR_TYPE_RGBA, rgba, 8, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, &lim, &img, NULL, 0));
	MT_OK(med_image_decode(b.p, b.len, NULL, &plain, NULL, 0));
	MT_TRUE(img->rgb != NULL && plain->rgb == NULL);
	MT_TRUE(img->rgb[0] == 1.0f && img->rgb[1] == 0.0f &&
		img->rgb[2] == 0.0f);
	MT_TRUE(img->rgb[3] == 0.0f && img->rgb[5] == 1.0f);
	MT_TRUE(img->px[0] == plain->px[0] && img->px[1] == plain->px[1]);
	med_image_free(img);
	med_image_free(plain);
	free(b.p);
	/* a grey source has no colour plane even when asked */
	b = make_png(4, 1, 8, PNG_COLOR_TYPE_GRAY, g, 4, NULL, 0);
	MT_OK(med_image_decode(b.p, b.len, &lim, &img, NULL, 0));
	MT_TRUE(img->rgb == NULL);
	med_image_free(img);
	free(b.p);
	for (int i = 0; i < 64; i++) {
		rgb[3 * i] = 220;
		rgb[3 * i + 1] = 40;
		rgb[3 * i + 2] = (uint8_t)(i * 4);
	}
	b = make_jpeg(8, 8, 3, rgb, 100);
	MT_OK(med_image_decode(b.p, b.len, &lim, &img, NULL, 0));
	MT_TRUE(img->rgb != NULL);
	MT_TRUE(fabsf(img->rgb[0] - 220.0f / 255.0f) < 12.0f / 255.0f);
	MT_TRUE(fabsf(img->rgb[1] - 40.0f / 255.0f) < 12.0f / 255.0f);
	MT_TRUE(img->px[0] > 0.2f && img->px[0] < 0.6f);
	med_image_free(img);
	free(b.p);
}

static void
test_jpeg_truncated_and_huge(void)
{
	uint8_t g[64 * 64];

	for (int i = 0; i < 64 * 64; i++)
		g[i] = (uint8_t)((i * 31) ^ (i >> 3));
	mbuf b = make_jpeg(64, 64, 1, g, 90);
	mbuf cut = {b.p, b.len * 2 / 3, 0};
	decode_fails(&cut, NULL, MED_ERR_INVALID, "jpeg: ");
	for (size_t n = 1; n < b.len - 2; n += 13) {
		med_image *img = NULL;
		MT_TRUE(med_image_decode(b.p, n, NULL, &img, NULL, 0) !=
			MED_OK);
	}
	/* patch the SOF0 frame header to declare 60000 x 60000 */
	for (size_t i = 2; i + 9 < b.len; i++)
		if (b.p[i] == 0xff && b.p[i + 1] == 0xc0) {
			b.p[i + 5] = 0xea;
			b.p[i + 6] = 0x60;
			b.p[i + 7] = 0xea;
			b.p[i + 8] = 0x60;
			break;
		}
	decode_fails(&b, NULL, MED_ERR_INVALID, "exceeds 8192 per side");
	free(b.p);
}

static void
test_not_an_image_and_caps(void)
{
	uint8_t px[32 * 32] = {0};
	med_image_limits lim = {.max_side = 16};
	mbuf text = {(uint8_t *)"hello, world", 12, 0};
	mbuf empty = {(uint8_t *)"", 0, 0};

	decode_fails(&text, NULL, MED_ERR_INVALID, "not a PNG or JPEG");
	decode_fails(&empty, NULL, MED_ERR_INVALID, "empty");
	mbuf b = make_png(32, 32, 8, PNG_COLOR_TYPE_GRAY, px, 32, NULL, 0);
	decode_fails(&b, &lim, MED_ERR_INVALID, "32x32 exceeds 16 per side");
	lim = (med_image_limits){.max_pixels = 1000};
	decode_fails(&b, &lim, MED_ERR_INVALID, "exceeds 1000 pixels");
	lim = (med_image_limits){.max_bytes = 10};
	decode_fails(&b, &lim, MED_ERR_LIMIT, "bytes exceeds 10");
	free(b.p);
}

static void
test_resize(void)
{
	float src[16], out[16];
	med_image img = {.width = 4, .height = 4, .px = src};

	for (int i = 0; i < 16; i++)
		src[i] = (float)i;
	MT_OK(med_image_resize(&img, 4, 4, out));
	for (int i = 0; i < 16; i++)
		MT_TRUE(fabsf(out[i] - src[i]) < 1e-6f);
	/* 4x4 -> 2x2: each output is the mean of a 2x2 block */
	MT_OK(med_image_resize(&img, 2, 2, out));
	MT_TRUE(fabsf(out[0] - 2.5f) < 1e-5f);
	MT_TRUE(fabsf(out[3] - 12.5f) < 1e-5f);
	/* 4x4 -> 3x3: box weights sum to one (mean preserved) */
	MT_OK(med_image_resize(&img, 3, 3, out));
	float sum = 0;
	for (int i = 0; i < 9; i++)
		sum += out[i];
	MT_TRUE(fabsf(sum / 9 - 7.5f) < 1e-4f);
	/* 2x2 -> 4x4 bilinear stays within the source range */
	med_image small = {.width = 2, .height = 2, .px = src};
	MT_OK(med_image_resize(&small, 4, 4, out));
	for (int i = 0; i < 16; i++)
		MT_TRUE(out[i] >= 0.0f && out[i] <= 3.0f);
	MT_TRUE(fabsf(out[0] - 0.0f) < 1e-6f && fabsf(out[15] - 3.0f) < 1e-6f);
	MT_TRUE(fabsf(out[1] - 0.25f) < 1e-6f); /* x = 0.25 between 0 and 1 */
	MT_EQ_INT(med_image_resize(&img, 0, 4, out), MED_ERR_INVALID);
}

static const mt_case cases[] = {
	{"png_gray8", test_png_gray8},
	{"png_gray16", test_png_gray16},
	{"png_palette_and_1bit", test_png_palette_and_1bit},
	{"png_rgba_to_grey", test_png_rgba_to_grey},
	{"png_truncated_and_corrupt", test_png_truncated_and_corrupt},
	{"png_declared_sizes", test_png_declared_sizes},
	{"jpeg_gray_and_colour", test_jpeg_gray_and_colour},
	{"every_byte_is_its_quotient", test_every_byte_is_its_quotient},
	{"keep_colour", test_keep_colour},
	{"jpeg_truncated_and_huge", test_jpeg_truncated_and_huge},
	{"not_an_image_and_caps", test_not_an_image_and_caps},
	{"resize", test_resize},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
