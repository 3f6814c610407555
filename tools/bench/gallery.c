/*
 * gallery.c - Identify at scale: identity_gallery over N synthetic templates
 * (default 1,000,000 x 512), one thread, against a plain sequential read
 * of the same int8 bytes measured in the same run.
 *
 *   bench-gallery [-n N] [-d DIM] [-r ROUNDS] [-k TOP_K]
 *
 * Per batch size (probes sharing one pass: 1, 2, 4, 8) it prints the
 * median over ROUNDS of the pass time, queries/s on one core, gallery
 * bytes scanned per second and their ratio to the sequential read's
 * bytes per second (the design budget is >= 0.70).  The reference read
 * sums every byte with the same 32-byte AVX2 width (SSE2 without AVX2).
 */
#include "gallery.h"
#include <med/util.h>

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define MAX_ROUNDS 64

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* fill writes d uniform values in [-1, 1) (the gallery normalises). */
static void
fill(float *v, size_t d)
{
	for (size_t i = 0; i < d; i++)
		v[i] = (float)((double)(next() >> 11) / 4503599627370496.0 -
			       1.0);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t
read_avx2(const int8_t *p, size_t n)
{
	__m256i acc = _mm256_setzero_si256(), z = _mm256_setzero_si256();
	uint64_t out[4];

	for (size_t i = 0; i + 32 <= n; i += 32)
		acc = _mm256_add_epi64(
			acc, _mm256_sad_epu8(_mm256_loadu_si256(
						     (const __m256i *)(p + i)),
					     z));
	_mm256_storeu_si256((__m256i *)out, acc);
	return out[0] + out[1] + out[2] + out[3];
}
#endif

/* seq_read sums every byte: the plain sequential read of the gallery. */
static uint64_t
seq_read(const int8_t *p, size_t n)
{
	uint64_t s = 0;

#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return read_avx2(p, n);
#endif
	for (size_t i = 0; i < n; i++)
		s += (uint8_t)p[i];
	return s;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct opts {
	size_t n, d, k;
	int rounds;
} opts;

static int
parse(int argc, char **argv, opts *o)
{
	*o = (opts){1000000, 512, 10, 7};
	for (int i = 1; i + 1 < argc; i += 2) {
		long v = strtol(argv[i + 1], NULL, 10);
		if (v <= 0)
			return -1;
		if (strcmp(argv[i], "-n") == 0)
			o->n = (size_t)v;
		else if (strcmp(argv[i], "-d") == 0)
			o->d = (size_t)v;
		else if (strcmp(argv[i], "-k") == 0)
			o->k = (size_t)v;
		else if (strcmp(argv[i], "-r") == 0)
			o->rounds = v > MAX_ROUNDS ? MAX_ROUNDS : (int)v;
		else
			return -1;
	}
	return argc % 2 == 1 ? 0 : -1;
}

static identity_gallery *
build(const opts *o)
{
	identity_gallery *g = NULL;
	float *v = malloc(o->d * sizeof(float));
	int64_t t0 = med_mono_ns();

	if (v == NULL || identity_gallery_new(o->d, &g) != MED_OK ||
	    identity_gallery_reserve(g, o->n) != MED_OK)
		goto fail;
	for (size_t i = 0; i < o->n; i++) {
		fill(v, o->d);
		if (identity_gallery_add(g, i, v, o->d) != MED_OK)
			goto fail;
	}
	printf("gallery: %zu x %zu, built in %.1f s, kernel %s\n", o->n, o->d,
	       (double)(med_mono_ns() - t0) / 1e9, identity_gallery_kernel(g));
	free(v);
	return g;
fail:
	fprintf(stderr, "bench-gallery: cannot build the gallery\n");
	identity_gallery_free(g);
	free(v);
	return NULL;
}

/* seq_gbps times one sequential read of the codes (GB/s). */
static double
seq_gbps(identity_gallery *g, uint64_t *sink)
{
	size_t stride, bytes;
	const int8_t *c = identity_gallery_codes(g, &stride, &bytes);
	int64_t t = med_mono_ns();

	*sink += seq_read(c, bytes);
	return (double)bytes / (double)(med_mono_ns() - t);
}

/* pass_ms times one search of b probes (one pass over the gallery). */
static double
pass_ms(identity_gallery *g, const opts *o, const float *probes, size_t b,
	identity_gallery_hit *hits, size_t *n_hits)
{
	int64_t t = med_mono_ns();

	if (identity_gallery_search(g, probes, b, o->d, o->k, hits, n_hits) !=
	    MED_OK)
		return -1;
	return (double)(med_mono_ns() - t) / 1e6;
}

static int
run_batches(identity_gallery *g, const opts *o, const float *probes,
	    identity_gallery_hit *hits, size_t *n_hits)
{
	static const size_t batches[] = {1, 2, 4, 8};
	double seq[MAX_ROUNDS] = {0}, ms[MAX_ROUNDS] = {0};
	size_t stride, bytes;
	uint64_t sink = 0;

	identity_gallery_codes(g, &stride, &bytes);
	printf("%-6s %10s %10s %12s %12s %8s\n", "batch", "pass_ms", "q/s",
	       "scan_GB/s", "seqread_GB/s", "ratio");
	for (size_t bi = 0; bi < sizeof(batches) / sizeof(*batches); bi++) {
		size_t b = batches[bi];
		for (int r = 0; r < o->rounds; r++) {
			seq[r] = seq_gbps(g, &sink);
			ms[r] = pass_ms(g, o, probes, b, hits, n_hits);
			if (ms[r] < 0)
				return -1;
		}
		double m = median(ms, o->rounds), s = median(seq, o->rounds);
		double gbps = (double)bytes / (m * 1e6);
		printf("%-6zu %10.2f %10.1f %12.2f %12.2f %8.2f\n", b, m,
		       (double)b * 1000.0 / m, gbps, s, gbps / s);
	}
	printf("(checksum %llu)\n", (unsigned long long)(sink & 0xff));
	return 0;
}

/* pin keeps the run on one core so "per core" means what it says. */
static void
pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("bench-gallery: sched_setaffinity");
}

int
main(int argc, char **argv)
{
	opts o;
	identity_gallery *g;
	float *probes;
	identity_gallery_hit *hits;
	size_t n_hits[IDENTITY_GALLERY_BATCH];
	int rc = 1;

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: bench-gallery [-n N] [-d DIM] "
				"[-r ROUNDS] [-k TOP_K]\n");
		return 2;
	}
	pin();
	if ((g = build(&o)) == NULL)
		return 1;
	probes = malloc(IDENTITY_GALLERY_BATCH * o.d * sizeof(float));
	hits = malloc(IDENTITY_GALLERY_BATCH * o.k * sizeof(*hits));
	if (probes == NULL || hits == NULL)
		goto out;
	for (size_t j = 0; j < IDENTITY_GALLERY_BATCH; j++)
		fill(probes + j * o.d, o.d);
	printf("top_k %zu, shortlist %zu per probe re-scored in f32, "
	       "%d rounds, 1 thread\n",
	       o.k, identity_gallery_shortlist(o.k), o.rounds);
	rc = run_batches(g, &o, probes, hits, n_hits) == 0 ? 0 : 1;
	static const char *const slower[] = {"avx2", "scalar"};
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		if (identity_gallery_set_kernel(g, slower[i]) != MED_OK)
			continue;
		printf("%s kernel, batch 1 / 8: %.2f / %.2f ms per pass\n",
		       slower[i], pass_ms(g, &o, probes, 1, hits, n_hits),
		       pass_ms(g, &o, probes, 8, hits, n_hits));
	}
out:
	free(probes);
	free(hits);
	identity_gallery_free(g);
	return rc;
}
