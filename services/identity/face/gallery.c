/*
 * gallery.c - flat int8 gallery with f32 re-scoring (gallery.h).
 *
 * Layout: codes[n][stride] int8 (stride = dim rounded up to 32, zero
 * padded, so the SIMD kernel needs no tail), scale[n] (code * scale is the
 * normalised component), vec[n][dim] f32, ids[n].  A search quantises the
 * probes the same way, computes int8 dot products for a block of gallery
 * rows at a time (the kernel: AVX2 or scalar, same integer results), keeps
 * a per-probe min-heap of the best shortlist candidates by approximate
 * score and finally re-scores the heap exactly in f32.
 */
#include "gallery.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GALLERY_X86 1
#endif

/* The kernels, slowest first: names are what identity_gallery_kernel says. */
enum { KERNEL_SCALAR, KERNEL_AVX2, KERNEL_VNNI };
static const char *const kernel_names[] = {"scalar", "avx2", "avx-vnni"};

/* Rows per kernel call: the int32 results (ROWS x BATCH) stay in L1. */
#define ROWS 128

struct identity_gallery {
	pthread_rwlock_t lock;
	size_t dim, stride, n, cap;
	int8_t *codes;
	float *scale;
	float *vec;
	uint64_t *ids;
	int kernel;
};

/* One shortlist entry: approximate (then exact) score and row. */
typedef struct cand {
	float score;
	uint32_t row;
} cand;

/* A quantised batch of probes: codes in [-63, 63] (see dot_row_avx2),
 * bias[j] = 128 * sum of probe j's codes, unit vectors for re-scoring. */
typedef struct probes_q {
	size_t b;
	int8_t *q;
	int32_t bias[IDENTITY_GALLERY_BATCH];
	float *unit;
} probes_q;

typedef void (*dot_fn)(const int8_t *codes, size_t stride, size_t rows,
		       const probes_q *p, int32_t *out);

/* ---- kernels ---------------------------------------------------------- */

/* dot_scalar writes out[r * b + j] = <codes row r, probe j>. */
static void
dot_scalar(const int8_t *codes, size_t stride, size_t rows, const probes_q *p,
	   int32_t *out)
{
	for (size_t r = 0; r < rows; r++) {
		const int8_t *g = codes + r * stride;
		for (size_t j = 0; j < p->b; j++) {
			const int8_t *q = p->q + j * stride;
			int32_t s = 0;
			for (size_t c = 0; c < stride; c++)
				s += (int32_t)g[c] * (int32_t)q[c];
			out[r * p->b + j] = s;
		}
	}
}

#ifdef GALLERY_X86
/* hsum8 adds the eight int32 lanes. */
__attribute__((target("avx2"))) static inline int32_t
hsum8(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/*
 * The row kernels take one gallery row against B probes; B is a constant
 * after inlining so the accumulators live in registers.  Both multiply
 * unsigned by signed bytes (maddubs, dpbusd): the row is flipped to
 * unsigned (g + 128, one xor shared by all probes) and the probe's
 * 128 * sum(q) taken off at the end.  Probe codes lie in [-63, 63], so a
 * maddubs pair sum (at most 2 * 255 * 63) never saturates int16.
 * AVX-VNNI's dpbusd does multiply, pair-add and accumulate in one
 * instruction where AVX2 needs three.
 */
#define ROW_KERNEL(NAME, TARGET, MAC)                                          \
	__attribute__((target(TARGET), always_inline)) static inline void      \
	NAME(const int8_t *g, size_t stride, const probes_q *p, size_t B,      \
	     int32_t *out)                                                     \
	{                                                                      \
		const __m256i ones = _mm256_set1_epi16(1);                     \
		const __m256i flip = _mm256_set1_epi8(-128);                   \
		__m256i acc[IDENTITY_GALLERY_BATCH];                           \
		(void)ones;                                                    \
		_Pragma("GCC unroll 8") for (size_t j = 0; j < B; j++)         \
			acc[j] = _mm256_setzero_si256();                       \
		for (size_t c = 0; c < stride; c += 32) {                      \
			__m256i x = _mm256_xor_si256(                          \
				_mm256_loadu_si256((const __m256i *)(g + c)),  \
				flip);                                         \
			_Pragma("GCC unroll 8") for (size_t j = 0; j < B; j++) \
			{                                                      \
				__m256i q = _mm256_loadu_si256(                \
					(const __m256i *)(p->q + j * stride +  \
							  c));                 \
				acc[j] = MAC(acc[j], x, q, ones);              \
			}                                                      \
		}                                                              \
		_Pragma("GCC unroll 8") for (size_t j = 0; j < B; j++)         \
			out[j] = hsum8(acc[j]) - p->bias[j];                   \
	}

#define MAC_AVX2(acc, x, q, ones)                                              \
	_mm256_add_epi32(acc,                                                  \
			 _mm256_madd_epi16(_mm256_maddubs_epi16(x, q), ones))
#define MAC_VNNI(acc, x, q, ones) _mm256_dpbusd_avx_epi32(acc, x, q)

ROW_KERNEL(row_avx2, "avx2", MAC_AVX2)
ROW_KERNEL(row_vnni, "avx2,avxvnni", MAC_VNNI)

#define DOT_B(ISA, TARGET, B)                                                  \
	__attribute__((target(TARGET))) static void dot_##ISA##_##B(           \
		const int8_t *codes, size_t stride, size_t rows,               \
		const probes_q *p, int32_t *out)                               \
	{                                                                      \
		for (size_t r = 0; r < rows; r++)                              \
			row_##ISA(codes + r * stride, stride, p, B,            \
				  out + r * B);                                \
	}
#define DOT_ALL_B(ISA, TARGET)                                                 \
	DOT_B(ISA, TARGET, 1)                                                  \
	DOT_B(ISA, TARGET, 2)                                                  \
	DOT_B(ISA, TARGET, 3)                                                  \
	DOT_B(ISA, TARGET, 4)                                                  \
	DOT_B(ISA, TARGET, 5)                                                  \
	DOT_B(ISA, TARGET, 6)                                                  \
	DOT_B(ISA, TARGET, 7)                                                  \
	DOT_B(ISA, TARGET, 8)

DOT_ALL_B(avx2, "avx2")
DOT_ALL_B(vnni, "avx2,avxvnni")

static const dot_fn by_batch[2][IDENTITY_GALLERY_BATCH + 1] = {
	{NULL, dot_avx2_1, dot_avx2_2, dot_avx2_3, dot_avx2_4, dot_avx2_5,
	 dot_avx2_6, dot_avx2_7, dot_avx2_8},
	{NULL, dot_vnni_1, dot_vnni_2, dot_vnni_3, dot_vnni_4, dot_vnni_5,
	 dot_vnni_6, dot_vnni_7, dot_vnni_8},
};

/* best_kernel is the fastest kernel this CPU runs. */
static int
best_kernel(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avxvnni"))
		return KERNEL_VNNI;
	return __builtin_cpu_supports("avx2") ? KERNEL_AVX2 : KERNEL_SCALAR;
}
#else
static int
best_kernel(void)
{
	return KERNEL_SCALAR;
}
#endif

static dot_fn
pick_kernel(const identity_gallery *g, size_t b)
{
#ifdef GALLERY_X86
	if (g->kernel == KERNEL_AVX2)
		return by_batch[0][b];
	if (g->kernel == KERNEL_VNNI)
		return by_batch[1][b];
#endif
	(void)b;
	return dot_scalar;
}

/* ---- life cycle ------------------------------------------------------- */

med_err
identity_gallery_new(size_t dim, identity_gallery **out)
{
	identity_gallery *g;

	if (dim == 0 || dim > IDENTITY_GALLERY_MAX_DIM)
		return MED_ERR_INVALID;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return MED_ERR_NOMEM;
	if (pthread_rwlock_init(&g->lock, NULL) != 0) {
		free(g);
		return MED_ERR_NOMEM;
	}
	g->dim = dim;
	g->stride = (dim + 31) / 32 * 32;
	g->kernel = best_kernel();
	*out = g;
	return MED_OK;
}

void
identity_gallery_free(identity_gallery *g)
{
	if (g == NULL)
		return;
	free(g->codes);
	free(g->scale);
	free(g->vec);
	free(g->ids);
	pthread_rwlock_destroy(&g->lock);
	free(g);
}

size_t
identity_gallery_dim(const identity_gallery *g)
{
	return g->dim;
}

size_t
identity_gallery_count(identity_gallery *g)
{
	size_t n;

	pthread_rwlock_rdlock(&g->lock);
	n = g->n;
	pthread_rwlock_unlock(&g->lock);
	return n;
}

med_err
identity_gallery_set_kernel(identity_gallery *g, const char *name)
{
	int best = best_kernel();

	if (strcmp(name, "auto") == 0) {
		g->kernel = best;
		return MED_OK;
	}
	for (int i = KERNEL_SCALAR; i <= KERNEL_VNNI; i++)
		if (strcmp(name, kernel_names[i]) == 0) {
			if (i > best)
				return MED_ERR_UNIMPLEMENTED;
			g->kernel = i;
			return MED_OK;
		}
	return MED_ERR_INVALID;
}

const char *
identity_gallery_kernel(const identity_gallery *g)
{
	return kernel_names[g->kernel];
}

const int8_t *
identity_gallery_codes(identity_gallery *g, size_t *stride, size_t *bytes)
{
	*stride = g->stride;
	*bytes = g->n * g->stride;
	return g->codes;
}

size_t
identity_gallery_shortlist(size_t k)
{
	return k * 4 < 64 ? 64 : k * 4;
}

/* ---- add / remove ----------------------------------------------------- */

/* grow_to reallocates every array to cap rows (write lock held). */
static med_err
grow_to(identity_gallery *g, size_t cap)
{
	int8_t *c;
	float *s, *v;
	uint64_t *id;

	if (cap <= g->cap)
		return MED_OK;
	if (cap > IDENTITY_GALLERY_MAX_COUNT)
		return MED_ERR_LIMIT;
	if ((c = realloc(g->codes, cap * g->stride)) == NULL)
		return MED_ERR_NOMEM;
	g->codes = c;
	if ((s = realloc(g->scale, cap * sizeof(float))) == NULL)
		return MED_ERR_NOMEM;
	g->scale = s;
	if ((v = realloc(g->vec, cap * g->dim * sizeof(float))) == NULL)
		return MED_ERR_NOMEM;
	g->vec = v;
	if ((id = realloc(g->ids, cap * sizeof(uint64_t))) == NULL)
		return MED_ERR_NOMEM;
	g->ids = id;
	g->cap = cap;
	return MED_OK;
}

med_err
identity_gallery_reserve(identity_gallery *g, size_t n)
{
	med_err err;

	pthread_rwlock_wrlock(&g->lock);
	err = grow_to(g, n);
	pthread_rwlock_unlock(&g->lock);
	return err;
}

/* unit writes v / |v| into out; false for a zero or non-finite vector. */
static bool
unit(const float *v, size_t dim, float *out)
{
	double ss = 0;

	for (size_t i = 0; i < dim; i++)
		ss += (double)v[i] * v[i];
	if (!(ss > 0) || !isfinite(ss))
		return false;
	float inv = (float)(1.0 / sqrt(ss));
	for (size_t i = 0; i < dim; i++)
		out[i] = v[i] * inv;
	return true;
}

/* quantise maps u to int8 codes q (stride long, zero padded) with one
 * scale: the largest magnitude becomes top (127 rows, 63 probes). */
static float
quantise(const float *u, size_t dim, size_t stride, int8_t *q, float top)
{
	float m = 0.f, s, inv;

	for (size_t i = 0; i < dim; i++)
		m = fmaxf(m, fabsf(u[i]));
	s = m / top;
	inv = 1.f / s;
	for (size_t i = 0; i < dim; i++) {
		long c = lrintf(u[i] * inv);
		q[i] = (int8_t)(c > (long)top	 ? (long)top
				: c < -(long)top ? -(long)top
						 : c);
	}
	memset(q + dim, 0, stride - dim);
	return s;
}

med_err
identity_gallery_add(identity_gallery *g, uint64_t id, const float *vec,
		     size_t dim)
{
	med_err err = MED_OK;
	float *u;

	if (dim != g->dim)
		return MED_ERR_INVALID;
	pthread_rwlock_wrlock(&g->lock);
	if (g->n == g->cap &&
	    (err = grow_to(g, g->cap ? g->cap * 2 : 256)) != MED_OK)
		goto unlock;
	u = g->vec + g->n * g->dim;
	if (!unit(vec, dim, u)) {
		err = MED_ERR_INVALID;
		goto unlock;
	}
	g->scale[g->n] =
		quantise(u, dim, g->stride, g->codes + g->n * g->stride, 127.f);
	g->ids[g->n] = id;
	g->n++;
unlock:
	pthread_rwlock_unlock(&g->lock);
	return err;
}

med_err
identity_gallery_remove(identity_gallery *g, uint64_t id)
{
	med_err err = MED_ERR_NOT_FOUND;
	size_t i, last;

	pthread_rwlock_wrlock(&g->lock);
	for (i = 0; i < g->n && g->ids[i] != id; i++)
		;
	if (i < g->n) {
		last = g->n - 1;
		if (i != last) {
			memcpy(g->codes + i * g->stride,
			       g->codes + last * g->stride, g->stride);
			memcpy(g->vec + i * g->dim, g->vec + last * g->dim,
			       g->dim * sizeof(float));
			g->scale[i] = g->scale[last];
			g->ids[i] = g->ids[last];
		}
		g->n = last;
		err = MED_OK;
	}
	pthread_rwlock_unlock(&g->lock);
	return err;
}

/* ---- search ----------------------------------------------------------- */

/* heap_push keeps h (a min-heap of *n <= m entries) the m best. */
static void
heap_push(cand *h, size_t *n, size_t m, float score, uint32_t row)
{
	size_t i;

	if (*n < m) {
		i = (*n)++;
		while (i > 0 && h[(i - 1) / 2].score > score) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = (cand){score, row};
		return;
	}
	if (score <= h[0].score)
		return;
	i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, c = l;
		if (l >= m)
			break;
		if (r < m && h[r].score < h[l].score)
			c = r;
		if (h[c].score >= score)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = (cand){score, row};
}

/* A search's per-batch scratch: heaps[j] of m candidates each. */
typedef struct scratch {
	size_t m;
	cand *heaps;
	size_t n_heap[IDENTITY_GALLERY_BATCH];
	int32_t dots[ROWS * IDENTITY_GALLERY_BATCH];
} scratch;

/* scan runs the kernel over the whole gallery and fills the heaps. */
static void
scan(const identity_gallery *g, const probes_q *p, scratch *s)
{
	dot_fn dot = pick_kernel(g, p->b);
	float floor[IDENTITY_GALLERY_BATCH];

	for (size_t j = 0; j < p->b; j++) {
		s->n_heap[j] = 0;
		floor[j] = -INFINITY;
	}
	for (size_t r0 = 0; r0 < g->n; r0 += ROWS) {
		size_t rows = g->n - r0 < ROWS ? g->n - r0 : ROWS;
		dot(g->codes + r0 * g->stride, g->stride, rows, p, s->dots);
		for (size_t r = 0; r < rows; r++)
			for (size_t j = 0; j < p->b; j++) {
				float a = (float)s->dots[r * p->b + j] *
					  g->scale[r0 + r];
				if (a <= floor[j])
					continue;
				cand *h = s->heaps + j * s->m;
				heap_push(h, &s->n_heap[j], s->m, a,
					  (uint32_t)(r0 + r));
				if (s->n_heap[j] == s->m)
					floor[j] = h[0].score;
			}
	}
}

static float
dot_f32(const float *a, const float *b, size_t n)
{
	float s = 0.f;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static int
cand_desc(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->row > y->row) - (x->row < y->row);
}

/* rescore replaces approximate scores by exact ones and writes the k
 * best into hits. */
static size_t
rescore(const identity_gallery *g, const float *u, cand *h, size_t n, size_t k,
	identity_gallery_hit *hits)
{
	for (size_t i = 0; i < n; i++)
		h[i].score =
			dot_f32(u, g->vec + (size_t)h[i].row * g->dim, g->dim);
	qsort(h, n, sizeof(*h), cand_desc);
	n = n < k ? n : k;
	for (size_t i = 0; i < n; i++)
		hits[i] = (identity_gallery_hit){g->ids[h[i].row], h[i].score};
	return n;
}

/* prepare quantises probes[0..b) into p; false for a bad probe. */
static bool
prepare(const identity_gallery *g, const float *probes, size_t b, probes_q *p)
{
	p->b = b;
	for (size_t j = 0; j < b; j++) {
		float *u = p->unit + j * g->dim;
		int8_t *q = p->q + j * g->stride;
		if (!unit(probes + j * g->dim, g->dim, u))
			return false;
		(void)quantise(u, g->dim, g->stride, q, 63.f);
		p->bias[j] = 0;
		for (size_t c = 0; c < g->dim; c++)
			p->bias[j] += 128 * q[c];
	}
	return true;
}

static med_err
search_batch(const identity_gallery *g, const float *probes, size_t b, size_t k,
	     probes_q *p, scratch *s, identity_gallery_hit *hits,
	     size_t *n_hits)
{
	if (!prepare(g, probes, b, p))
		return MED_ERR_INVALID;
	scan(g, p, s);
	for (size_t j = 0; j < b; j++)
		n_hits[j] =
			rescore(g, p->unit + j * g->dim, s->heaps + j * s->m,
				s->n_heap[j], k, hits + j * k);
	return MED_OK;
}

static void
scratch_free(probes_q *p, scratch *s)
{
	free(p->q);
	free(p->unit);
	if (s != NULL)
		free(s->heaps);
	free(s);
}

med_err
identity_gallery_search(identity_gallery *g, const float *probes,
			size_t n_probes, size_t dim, size_t k,
			identity_gallery_hit *hits, size_t *n_hits)
{
	probes_q p = {0};
	scratch *s = NULL;
	med_err err = MED_OK;
	size_t B = IDENTITY_GALLERY_BATCH;

	if (dim != g->dim || k == 0)
		return MED_ERR_INVALID;
	if (n_probes == 0)
		return MED_OK;
	s = calloc(1, sizeof(*s));
	p.q = malloc(B * g->stride);
	p.unit = malloc(B * g->dim * sizeof(float));
	if (s != NULL) {
		s->m = identity_gallery_shortlist(k);
		s->heaps = malloc(B * s->m * sizeof(cand));
	}
	if (s == NULL || s->heaps == NULL || p.q == NULL || p.unit == NULL) {
		err = MED_ERR_NOMEM;
		goto free_scratch;
	}
	pthread_rwlock_rdlock(&g->lock);
	for (size_t i = 0; i < n_probes && err == MED_OK; i += B) {
		size_t b = n_probes - i < B ? n_probes - i : B;
		err = search_batch(g, probes + i * dim, b, k, &p, s,
				   hits + i * k, n_hits + i);
	}
	pthread_rwlock_unlock(&g->lock);
free_scratch:
	scratch_free(&p, s);
	return err;
}
