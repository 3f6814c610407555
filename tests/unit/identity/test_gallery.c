/*
 * test_gallery.c - the int8 gallery: its top-k against a naive f32 scan on
 * random data (dimensions 512 and 3776, signed and non-negative vectors,
 * batched and single probes, both kernels), add/remove, the empty gallery
 * and the errors.
 */
#include "testlib.h"

#include <math.h>
#include "gallery.h"
#include <stdint.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* next is splitmix64: reproducible, no libc rand. */
static uint64_t
next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
uniform(void)
{
	return ((double)(next() >> 11) + 0.5) / 9007199254740992.0;
}

static float
gauss(void)
{
	return (float)(sqrt(-2.0 * log(uniform())) *
		       cos(6.283185307 * uniform()));
}

static void
normalise(float *v, size_t d)
{
	double ss = 0;

	for (size_t i = 0; i < d; i++)
		ss += (double)v[i] * v[i];
	for (size_t i = 0; i < d; i++)
		v[i] = (float)(v[i] / sqrt(ss));
}

/* random_vecs fills n unit vectors; positive ones look like histograms
 * (LBP embeddings are square-rooted histograms: non-negative, so their
 * cosines bunch together). */
static float *
random_vecs(size_t n, size_t d, bool positive)
{
	float *v = malloc(n * d * sizeof(float));

	MT_TRUE(v != NULL);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < d; c++) {
			float x = gauss();
			v[i * d + c] = positive ? fabsf(x) : x;
		}
		normalise(v + i * d, d);
	}
	return v;
}

/* probes_near: the first half are noisy copies of gallery rows (a mate
 * is present), the rest fresh random vectors (no mate). */
static float *
probes_near(const float *gal, size_t n, size_t d, size_t np, bool positive)
{
	float *p = random_vecs(np, d, positive);

	for (size_t j = 0; j < np / 2; j++) {
		const float *m = gal + (next() % n) * d;
		for (size_t c = 0; c < d; c++)
			p[j * d + c] = m[c] + 0.7f * p[j * d + c];
		normalise(p + j * d, d);
	}
	return p;
}

typedef struct truth {
	double score;
	uint64_t id;
} truth;

static int
truth_desc(const void *a, const void *b)
{
	const truth *x = a, *y = b;

	return (x->score < y->score) - (x->score > y->score);
}

/* naive_topk is the reference: every cosine in double, sorted. */
static void
naive_topk(const float *gal, size_t n, size_t d, const float *probe, size_t k,
	   truth *out)
{
	truth *all = malloc(n * sizeof(*all));

	MT_TRUE(all != NULL);
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t c = 0; c < d; c++)
			s += (double)gal[i * d + c] * probe[c];
		all[i] = (truth){s, i + 1000};
	}
	qsort(all, n, sizeof(*all), truth_desc);
	memcpy(out, all, k * sizeof(*out));
	free(all);
}

/* exact is the double cosine of gallery row id - 1000 with probe. */
static double
exact(const float *gal, size_t d, uint64_t id, const float *probe)
{
	double s = 0;

	for (size_t c = 0; c < d; c++)
		s += (double)gal[(id - 1000) * d + c] * probe[c];
	return s;
}

static identity_gallery *
filled(const float *gal, size_t n, size_t d)
{
	identity_gallery *g = NULL;

	MT_OK(identity_gallery_new(d, &g));
	MT_OK(identity_gallery_reserve(g, n));
	for (size_t i = 0; i < n; i++)
		MT_OK(identity_gallery_add(g, i + 1000, gal + i * d, d));
	MT_EQ_INT(identity_gallery_count(g), n);
	return g;
}

/*
 * check_batch runs np probes in one call (batches of 8) and one by one:
 * both give the same ids, and rank for rank the true score of what came
 * back equals the naive scan's within 1e-5 (f32 and double may order
 * near-ties differently; a candidate lost by the int8 shortlist would
 * leave a gap far larger than that).
 */
static void
check_batch(identity_gallery *g, const float *gal, size_t n, size_t d,
	    const float *p, size_t np, size_t k)
{
	identity_gallery_hit *hits = malloc(np * k * sizeof(*hits));
	identity_gallery_hit one[64];
	size_t *nh = malloc(np * sizeof(size_t)), n1 = 0;
	truth want[64];

	MT_TRUE(hits != NULL && nh != NULL && k <= 64);
	MT_OK(identity_gallery_search(g, p, np, d, k, hits, nh));
	for (size_t j = 0; j < np; j++) {
		naive_topk(gal, n, d, p + j * d, k, want);
		MT_OK(identity_gallery_search(g, p + j * d, 1, d, k, one, &n1));
		MT_EQ_INT(nh[j], k);
		MT_EQ_INT(n1, k);
		for (size_t i = 0; i < k; i++) {
			const identity_gallery_hit *h = &hits[j * k + i];
			double s = exact(gal, d, h->id, p + j * d);
			MT_EQ_INT(one[i].id, h->id);
			MT_TRUE(fabs(h->score - s) < 1e-5);
			MT_TRUE(fabs(s - want[i].score) < 1e-5);
		}
	}
	free(hits);
	free(nh);
}

static void
exact_case(size_t n, size_t d, size_t np, size_t k, bool positive)
{
	float *gal = random_vecs(n, d, positive);
	float *p = probes_near(gal, n, d, np, positive);
	identity_gallery *g = filled(gal, n, d);

	static const char *const kernels[] = {"avx-vnni", "avx2", "scalar"};

	for (size_t i = 0; i < 3; i++) {
		med_err err = identity_gallery_set_kernel(g, kernels[i]);
		if (err == MED_ERR_UNIMPLEMENTED) /* this CPU lacks it */
			continue;
		MT_OK(err);
		MT_EQ_STR(identity_gallery_kernel(g), kernels[i]);
		check_batch(g, gal, n, d, p, np, k);
	}
	identity_gallery_free(g);
	free(gal);
	free(p);
}

static void
test_exact_512(void)
{
	exact_case(20000, 512, 19, 10, false);
}

static void
test_exact_512_positive(void)
{
	exact_case(20000, 512, 11, 10, true);
}

static void
test_exact_3776(void)
{
	exact_case(3000, 3776, 11, 10, false);
}

static void
test_exact_3776_positive(void)
{
	exact_case(3000, 3776, 11, 50, true);
}

static void
test_odd_dimension(void)
{
	/* 100 is not a multiple of the 32-byte SIMD width: the padding. */
	exact_case(2000, 100, 9, 5, false);
}

static void
test_add_remove(void)
{
	float *gal = random_vecs(5, 64, false);
	identity_gallery *g = filled(gal, 5, 64);
	identity_gallery_hit h[5];
	size_t n = 0;

	MT_OK(identity_gallery_remove(g, 1002));
	MT_EQ_INT(identity_gallery_count(g), 4);
	MT_EQ_INT(identity_gallery_remove(g, 1002), MED_ERR_NOT_FOUND);
	MT_OK(identity_gallery_search(g, gal + 2 * 64, 1, 64, 5, h, &n));
	MT_EQ_INT(n, 4);
	for (size_t i = 0; i < n; i++)
		MT_TRUE(h[i].id != 1002);
	MT_OK(identity_gallery_search(g, gal + 4 * 64, 1, 64, 1, h, &n));
	MT_EQ_INT(h[0].id, 1004); /* the row moved into the hole */
	MT_TRUE(fabsf(h[0].score - 1.f) < 1e-5f);
	MT_OK(identity_gallery_add(g, 7, gal + 2 * 64, 64));
	MT_OK(identity_gallery_search(g, gal + 2 * 64, 1, 64, 1, h, &n));
	MT_EQ_INT(h[0].id, 7);
	for (uint64_t id = 1000; id < 1005; id++)
		if (id != 1002)
			MT_OK(identity_gallery_remove(g, id));
	MT_OK(identity_gallery_remove(g, 7));
	MT_EQ_INT(identity_gallery_count(g), 0);
	identity_gallery_free(g);
	free(gal);
}

static void
test_empty(void)
{
	identity_gallery *g = NULL;
	float p[16] = {1.f};
	identity_gallery_hit h[3];
	size_t n = 99;

	MT_OK(identity_gallery_new(16, &g));
	MT_OK(identity_gallery_search(g, p, 1, 16, 3, h, &n));
	MT_EQ_INT(n, 0);
	MT_EQ_INT(identity_gallery_remove(g, 1), MED_ERR_NOT_FOUND);
	identity_gallery_free(g);
	identity_gallery_free(NULL);
}

static void
test_errors(void)
{
	identity_gallery *g = NULL;
	float v[32] = {0}, w[33] = {1.f};
	identity_gallery_hit h[1];
	size_t n = 0;

	MT_EQ_INT(identity_gallery_new(0, &g), MED_ERR_INVALID);
	MT_EQ_INT(identity_gallery_new(IDENTITY_GALLERY_MAX_DIM + 1, &g),
		  MED_ERR_INVALID);
	MT_OK(identity_gallery_new(32, &g));
	MT_EQ_INT(identity_gallery_add(g, 1, w, 33), MED_ERR_INVALID);
	MT_EQ_INT(identity_gallery_add(g, 1, v, 32),
		  MED_ERR_INVALID); /* zero */
	v[3] = NAN;
	MT_EQ_INT(identity_gallery_add(g, 1, v, 32), MED_ERR_INVALID);
	MT_OK(identity_gallery_add(g, 1, w, 32));
	MT_EQ_INT(identity_gallery_search(g, w, 1, 33, 1, h, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(identity_gallery_search(g, w, 1, 32, 0, h, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(identity_gallery_search(g, v, 1, 32, 1, h, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(
		identity_gallery_reserve(g, IDENTITY_GALLERY_MAX_COUNT + 1ull),
		MED_ERR_LIMIT);
	MT_EQ_INT(identity_gallery_count(g), 1);
	MT_EQ_INT(identity_gallery_set_kernel(g, "sse9"), MED_ERR_INVALID);
	MT_OK(identity_gallery_set_kernel(g, "scalar"));
	MT_OK(identity_gallery_set_kernel(g, "auto"));
	identity_gallery_free(g);
}

static const mt_case cases[] = {
	{"exact_512", test_exact_512},
	{"exact_512_positive", test_exact_512_positive},
	{"exact_3776", test_exact_3776},
	{"exact_3776_positive", test_exact_3776_positive},
	{"odd_dimension", test_odd_dimension},
	{"add_remove", test_add_remove},
	{"empty", test_empty},
	{"errors", test_errors},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
