/*
 * face_align.c - similarity fit, dlib-style face chip transform and chip
 * sampling (see face_align.h).
 */
#include "face_align.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * The mean face of dlib's get_face_chip_details for landmarks 17..67, in
 * a unit square (dlib's figures, published with its face chip function).
 */
static const float mean_face[IDENTITY_LANDMARKS - 17][2] = {
	{0.000213256f, 0.106454f}, {0.0752622f, 0.038915f},
	{0.18113f, 0.0187482f},	   {0.29077f, 0.0344891f},
	{0.393397f, 0.0773906f},   {0.586856f, 0.0773906f},
	{0.689483f, 0.0344891f},   {0.799124f, 0.0187482f},
	{0.904991f, 0.038915f},	   {0.98004f, 0.106454f},
	{0.490127f, 0.203352f},	   {0.490127f, 0.307009f},
	{0.490127f, 0.409805f},	   {0.490127f, 0.515625f},
	{0.36688f, 0.587326f},	   {0.426036f, 0.609345f},
	{0.490127f, 0.628106f},	   {0.554217f, 0.609345f},
	{0.613373f, 0.587326f},	   {0.121737f, 0.216423f},
	{0.187122f, 0.178758f},	   {0.265825f, 0.179852f},
	{0.334606f, 0.231733f},	   {0.260918f, 0.245099f},
	{0.182743f, 0.244077f},	   {0.645647f, 0.231733f},
	{0.714428f, 0.179852f},	   {0.793132f, 0.178758f},
	{0.858516f, 0.216423f},	   {0.79751f, 0.244077f},
	{0.719335f, 0.245099f},	   {0.254149f, 0.780233f},
	{0.340985f, 0.745405f},	   {0.428858f, 0.727388f},
	{0.490127f, 0.742578f},	   {0.551395f, 0.727388f},
	{0.639268f, 0.745405f},	   {0.726104f, 0.780233f},
	{0.642159f, 0.864805f},	   {0.556721f, 0.902192f},
	{0.490127f, 0.909281f},	   {0.423532f, 0.902192f},
	{0.338094f, 0.864805f},	   {0.290379f, 0.784792f},
	{0.428096f, 0.778746f},	   {0.490127f, 0.785343f},
	{0.552157f, 0.778746f},	   {0.689874f, 0.784792f},
	{0.553364f, 0.824182f},	   {0.490127f, 0.831803f},
	{0.42689f, 0.824182f},
};

med_err
identity_similarity_fit(const float (*from)[2], const float (*to)[2], size_t n,
			double m[6])
{
	double fx = 0, fy = 0, tx = 0, ty = 0, dot = 0, cross = 0, norm = 0;
	double a, b;

	if (n < 2)
		return MED_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		fx += from[i][0];
		fy += from[i][1];
		tx += to[i][0];
		ty += to[i][1];
	}
	fx /= (double)n;
	fy /= (double)n;
	tx /= (double)n;
	ty /= (double)n;
	/* In complex numbers, to = a * from + t; the least-squares a over
	 * centred points is sum(conj(p) q) / sum(|p|^2). */
	for (size_t i = 0; i < n; i++) {
		double px = from[i][0] - fx, py = from[i][1] - fy;
		double qx = to[i][0] - tx, qy = to[i][1] - ty;

		dot += px * qx + py * qy;
		cross += px * qy - py * qx;
		norm += px * px + py * py;
	}
	if (!(norm > 1e-12))
		return MED_ERR_INVALID;
	a = dot / norm;
	b = cross / norm;
	m[0] = a;
	m[1] = -b;
	m[2] = tx - (a * fx - b * fy);
	m[3] = b;
	m[4] = a;
	m[5] = ty - (b * fx + a * fy);
	return MED_OK;
}

/* Landmarks that dlib's chip ignores: the brows and the lower lip. */
static int
chip_point_used(int i)
{
	return !(i <= 26 || (i >= 55 && i <= 59) || i >= 65);
}

/* chip_points pairs the landmarks the chip uses (to, the photograph) with
 * where the mean face puts them in a size x size chip with padding (from);
 * the number of pairs. */
static size_t
chip_points(const float pts[IDENTITY_LANDMARKS][2], unsigned size,
	    double padding, float from[][2], float to[][2])
{
	double scale = (double)size / (2.0 * padding + 1.0);
	size_t n = 0;

	for (int i = 17; i < IDENTITY_LANDMARKS; i++) {
		if (!chip_point_used(i))
			continue;
		from[n][0] = (float)((padding + mean_face[i - 17][0]) * scale);
		from[n][1] = (float)((padding + mean_face[i - 17][1]) * scale);
		to[n][0] = pts[i][0];
		to[n][1] = pts[i][1];
		n++;
	}
	return n;
}

med_err
identity_chip_transform(const float pts[IDENTITY_LANDMARKS][2], unsigned size,
			double padding, double m[6])
{
	float from[IDENTITY_LANDMARKS][2], to[IDENTITY_LANDMARKS][2];
	size_t n;

	if (size == 0 || !(padding >= 0.0))
		return MED_ERR_INVALID;
	n = chip_points(pts, size, padding, from, to);
	return identity_similarity_fit((const float(*)[2])from,
				       (const float(*)[2])to, n, m);
}

/* ArcFace's five points in its 112 x 112 crop (InsightFace's
 * arcface_dst), in identity_arcface_points' order. */
static const float arcface_template[5][2] = {
	{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f},
	{41.5493f, 92.3655f}, {70.7299f, 92.2041f},
};

void
identity_arcface_points(const float pts[IDENTITY_LANDMARKS][2],
			float five[5][2])
{
	for (int k = 0; k < 2; k++) {
		five[0][k] = five[1][k] = 0.f;
		for (int i = 0; i < 6; i++) {
			five[0][k] += pts[36 + i][k] / 6.f;
			five[1][k] += pts[42 + i][k] / 6.f;
		}
		five[2][k] = pts[30][k];
		five[3][k] = pts[48][k];
		five[4][k] = pts[54][k];
	}
}

med_err
identity_arcface_transform(const float pts[IDENTITY_LANDMARKS][2],
			   unsigned size, double m[6])
{
	float five[5][2], dst[5][2];
	double fwd[6], det;
	med_err err;

	if (size == 0)
		return MED_ERR_INVALID;
	identity_arcface_points(pts, five);
	for (int i = 0; i < 5; i++)
		for (int k = 0; k < 2; k++)
			dst[i][k] =
				arcface_template[i][k] * (float)size / 112.f;
	/* The fit runs from the photograph to the template, as InsightFace
	 * estimates it (the two directions' least squares differ when the
	 * points do not fit exactly); the sampler wants the inverse. */
	err = identity_similarity_fit((const float(*)[2])five,
				      (const float(*)[2])dst, 5, fwd);
	if (err != MED_OK)
		return err;
	det = fwd[0] * fwd[4] - fwd[1] * fwd[3];
	if (!(det > 1e-12))
		return MED_ERR_INVALID;
	m[0] = fwd[4] / det;
	m[1] = -fwd[1] / det;
	m[3] = -fwd[3] / det;
	m[4] = fwd[0] / det;
	m[2] = -(m[0] * fwd[2] + m[1] * fwd[5]);
	m[5] = -(m[3] * fwd[2] + m[4] * fwd[5]);
	return MED_OK;
}

med_err
identity_chip_affine(const float pts[IDENTITY_LANDMARKS][2], unsigned size,
		     double padding, double m[6])
{
	float from[IDENTITY_LANDMARKS][2], to[IDENTITY_LANDMARKS][2];
	double f[2] = {0, 0}, t[2] = {0, 0}, sxx = 0, sxy = 0, syy = 0, det;
	double sx[2] = {0, 0},
	       sy[2] = {0, 0}; /* sum(px * q[k]), sum(py * q[k]) */
	size_t n;

	if (size == 0 || !(padding >= 0.0))
		return MED_ERR_INVALID;
	n = chip_points(pts, size, padding, from, to);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			f[k] += from[i][k] / (double)n;
			t[k] += to[i][k] / (double)n;
		}
	/* Over centred points the linear part solves the 2 x 2 normal
	 * equations, one right-hand side per output coordinate. */
	for (size_t i = 0; i < n; i++) {
		double px = from[i][0] - f[0], py = from[i][1] - f[1];
		sxx += px * px;
		sxy += px * py;
		syy += py * py;
		for (int k = 0; k < 2; k++) {
			sx[k] += px * (to[i][k] - t[k]);
			sy[k] += py * (to[i][k] - t[k]);
		}
	}
	det = sxx * syy - sxy * sxy;
	if (!(det > 1e-9 * (sxx * syy)) || !(sxx > 0))
		return MED_ERR_INVALID;
	for (int k = 0; k < 2; k++) {
		double a = (syy * sx[k] - sxy * sy[k]) / det;
		double b = (sxx * sy[k] - sxy * sx[k]) / det;
		m[3 * k] = a;
		m[3 * k + 1] = b;
		m[3 * k + 2] = t[k] - a * f[0] - b * f[1];
	}
	return MED_OK;
}

double
identity_transform_scale(const double m[6])
{
	return sqrt(m[0] * m[0] + m[3] * m[3]);
}

/* add_bilinear adds img at (x, y), clamped to the edge, to acc (ch values).
 * Float: a chip's coordinates are below a few thousand pixels, where a
 * float still resolves a ten-thousandth of a pixel. */
static inline void
add_bilinear(const float *img, uint32_t w, uint32_t h, unsigned ch, float x,
	     float y, float *acc)
{
	float xc = x < 0.f ? 0.f : x > (float)(w - 1) ? (float)(w - 1) : x;
	float yc = y < 0.f ? 0.f : y > (float)(h - 1) ? (float)(h - 1) : y;
	uint32_t x0 = (uint32_t)xc, y0 = (uint32_t)yc;
	uint32_t dx = x0 + 1 < w ? ch : 0;
	size_t dy = y0 + 1 < h ? (size_t)w * ch : 0;
	float fx = xc - (float)x0, fy = yc - (float)y0;
	const float *p = img + ((size_t)y0 * w + x0) * ch;

	for (unsigned c = 0; c < ch; c++) {
		float top = p[c] + (p[c + dx] - p[c]) * fx;
		float bot = p[c + dy] + (p[c + dy + dx] - p[c + dy]) * fx;
		acc[c] += top + (bot - top) * fy;
	}
}

/* sample_rotated fills out through a general m, k x k samples a pixel at
 * off (ch constant where it is inlined, so the channel loop unrolls). */
static inline void
sample_rotated(const float *img, uint32_t w, uint32_t h, unsigned ch,
	       const double m[6], unsigned size, unsigned k, const float *off,
	       float *out)
{
	float a = (float)m[0], b = (float)m[1], c = (float)m[2];
	float d = (float)m[3], e = (float)m[4], f = (float)m[5];

	for (unsigned v = 0; v < size; v++)
		for (unsigned u = 0; u < size; u++) {
			float acc[IDENTITY_CHIP_MAX_CHANNELS] = {0};
			float *o = out + ((size_t)v * size + u) * ch;

			for (unsigned j = 0; j < k; j++) {
				float cv = (float)v + off[j];
				for (unsigned i = 0; i < k; i++) {
					float cu = (float)u + off[i];
					add_bilinear(img, w, h, ch,
						     a * cu + b * cv + c,
						     d * cu + e * cv + f, acc);
				}
			}
			for (unsigned q = 0; q < ch; q++)
				o[q] = acc[q] / (float)(k * k);
		}
}

/* An axis sample: where one sample along an axis falls, as add_bilinear
 * finds it (the offset of the pixel before it in the image, the step to
 * the next pixel, 0 at the last, and the fraction of the way there). */
typedef struct axis_sample {
	size_t at;
	size_t next;
	float frac;
} axis_sample;

/* axis_fill places the k samples of each of size chip pixels along an
 * axis of len pixels, stride floats apart: coordinate scale * cu + shift,
 * clamped, as add_bilinear computes it when the other axis does not
 * enter (the transform's cross term is zero, so adding it changed
 * nothing but the sign of a zero). */
static void
axis_fill(float scale, float shift, uint32_t len, size_t stride, unsigned size,
	  unsigned k, const float *off, axis_sample *out)
{
	for (unsigned u = 0; u < size; u++)
		for (unsigned i = 0; i < k; i++) {
			float x = scale * ((float)u + off[i]) + shift;
			float xc = x < 0.f		  ? 0.f
				   : x > (float)(len - 1) ? (float)(len - 1)
							  : x;
			uint32_t x0 = (uint32_t)xc;
			axis_sample *s = &out[(size_t)u * k + i];

			s->at = (size_t)x0 * stride;
			s->next = x0 + 1 < len ? stride : 0;
			s->frac = xc - (float)x0;
		}
}

/* Four floats, added and multiplied lane by lane exactly as one float. */
typedef float f4 __attribute__((vector_size(16)));

/* row_line fills line (k x size x ch floats: sample i of every chip
 * pixel together) with image row `row` (its offset in img) interpolated
 * along the row at each of the size x k column samples xs: add_bilinear's
 * top when row is the sample's row, its bottom when it is the next one. */
static inline void
row_line(const float *img, size_t row, unsigned ch, const axis_sample *xs,
	 unsigned size, unsigned k, float *line)
{
	for (unsigned u = 0; u < size; u++)
		for (unsigned i = 0; i < k; i++) {
			const axis_sample *x = &xs[(size_t)u * k + i];
			const float *p = img + row + x->at;
			float *o = line + ((size_t)i * size + u) * ch;

			for (unsigned q = 0; q < ch; q++)
				o[q] = p[q] + (p[q + x->next] - p[q]) * x->frac;
		}
}

/* row_lines keeps the last two rows row_line made (tags: their offsets)
 * and returns the one of row, made into the slot that does not hold keep
 * when neither has it. */
static const float *
row_lines(const float *img, size_t row, size_t keep, unsigned ch,
	  const axis_sample *xs, unsigned size, unsigned k, float *lines[2],
	  size_t tag[2])
{
	int s = tag[0] == row ? 0 : tag[1] == row ? 1 : tag[0] == keep ? 1 : 0;

	if (tag[s] != row) {
		row_line(img, row, ch, xs, size, k, lines[s]);
		tag[s] = row;
	}
	return lines[s];
}

/* blend_add: acc[e] += top[e] + (bot[e] - top[e]) * fy for e < n,
 * add_bilinear's last step and sum, four at a time. */
static inline void
blend_add(const float *top, const float *bot, float fy, size_t n, float *acc)
{
	f4 vy = {fy, fy, fy, fy};
	size_t e = 0;

	for (; e + 4 <= n; e += 4) {
		f4 t, b, a;

		memcpy(&t, top + e, sizeof(t));
		memcpy(&b, bot + e, sizeof(b));
		memcpy(&a, acc + e, sizeof(a));
		a += t + (b - t) * vy;
		memcpy(acc + e, &a, sizeof(a));
	}
	for (; e < n; e++)
		acc[e] += top[e] + (bot[e] - top[e]) * fy;
}

/*
 * sample_upright is sample_rotated for a transform without rotation or
 * shear (the PAD and landmark crops': m[1] = m[3] = 0), with every
 * sample's column and row found once (xs, ys: size x k each) and each
 * image row interpolated along the row once for a whole row of samples
 * (a sample row advances about a pixel, at most 1.25 with the 8 x 8 cap,
 * so the next one mostly reuses both rows or one).  Per sample the same
 * arithmetic in the same order, the sums of each chip pixel too, so the same
 * floats.  lines: two rows of size x k x ch floats; acc: size x ch.
 */
static inline void
sample_upright(const float *img, unsigned ch, const axis_sample *xs,
	       const axis_sample *ys, unsigned size, unsigned k,
	       float *lines[2], float *acc, float *out)
{
	size_t tag[2] = {SIZE_MAX, SIZE_MAX};

	for (unsigned v = 0; v < size; v++) {
		for (size_t q = 0; q < (size_t)size * ch; q++)
			acc[q] = 0.f;
		for (unsigned j = 0; j < k; j++) {
			const axis_sample *y = &ys[(size_t)v * k + j];
			size_t r0 = y->at, r1 = y->at + y->next;
			const float *top = row_lines(img, r0, r1, ch, xs, size,
						     k, lines, tag);
			const float *bot = row_lines(img, r1, r0, ch, xs, size,
						     k, lines, tag);

			/* i outside u: each pixel still adds its samples in
			 * order, and the pixels' sums, side by side, do not
			 * wait on each other. */
			for (unsigned i = 0; i < k; i++)
				blend_add(top + (size_t)i * size * ch,
					  bot + (size_t)i * size * ch, y->frac,
					  (size_t)size * ch, acc);
		}
		for (size_t q = 0; q < (size_t)size * ch; q++)
			out[(size_t)v * size * ch + q] =
				acc[q] / (float)(k * k);
	}
}

/* upright samples through an m without rotation or shear; false when the
 * tables cannot be had (the caller then samples the general way). */
static bool
upright(const float *img, uint32_t w, uint32_t h, unsigned ch,
	const double m[6], unsigned size, unsigned k, const float *off,
	float *out)
{
	size_t n = (size_t)size * k;
	axis_sample *xs = malloc(2 * n * sizeof(*xs));
	float *buf = malloc((2 * n + size) * ch * sizeof(float));
	float *lines[2];

	if (xs == NULL || buf == NULL) {
		free(xs);
		free(buf);
		return false;
	}
	lines[0] = buf;
	lines[1] = buf + n * ch;
	axis_fill((float)m[0], (float)m[2], w, ch, size, k, off, xs);
	axis_fill((float)m[4], (float)m[5], h, (size_t)w * ch, size, k, off,
		  xs + n);
	if (ch == 3)
		sample_upright(img, 3, xs, xs + n, size, k, lines,
			       buf + 2 * n * ch, out);
	else
		sample_upright(img, 1, xs, xs + n, size, k, lines,
			       buf + 2 * n * ch, out);
	free(xs);
	free(buf);
	return true;
}

/* chip_sample_k samples with k x k bilinear samples per chip pixel
 * (k in 1..8). */
static void
chip_sample_k(const float *img, uint32_t w, uint32_t h, unsigned channels,
	      const double m[6], unsigned size, unsigned k, float *out)
{
	float off[8];

	if (channels > IDENTITY_CHIP_MAX_CHANNELS)
		channels = IDENTITY_CHIP_MAX_CHANNELS;
	/* Sample n of k along an axis sits (n + 0.5) / k - 0.5 from the
	 * pixel's centre. */
	for (unsigned n = 0; n < k; n++)
		off[n] = ((float)n + 0.5f) / (float)k - 0.5f;
	if ((float)m[1] == 0.f && (float)m[3] == 0.f &&
	    (channels == 1 || channels == 3) &&
	    upright(img, w, h, channels, m, size, k, off, out))
		return;
	if (channels == 3)
		sample_rotated(img, w, h, 3, m, size, k, off, out);
	else
		sample_rotated(img, w, h, channels, m, size, k, off, out);
}

void
identity_chip_sample(const float *img, uint32_t w, uint32_t h,
		     unsigned channels, const double m[6], unsigned size,
		     float *out)
{
	/* k x k samples per chip pixel when it spans more than a pixel. */
	double s = identity_transform_scale(m);
	unsigned k = s > 1.0 ? (unsigned)ceil(s) : 1;

	chip_sample_k(img, w, h, channels, m, size, k > 8 ? 8 : k, out);
}

void
identity_chip_sample_bilinear(const float *img, uint32_t w, uint32_t h,
			      unsigned channels, const double m[6],
			      unsigned size, float *out)
{
	chip_sample_k(img, w, h, channels, m, size, 1, out);
}

void
identity_chip_mirror(const float *in, unsigned planes, unsigned size,
		     float *out)
{
	for (size_t p = 0; p < planes; p++)
		for (size_t v = 0; v < size; v++) {
			const float *row = in + (p * size + v) * size;
			float *o = out + (p * size + v) * size;

			for (size_t u = 0; u < size; u++)
				o[u] = row[size - 1 - u];
		}
}
