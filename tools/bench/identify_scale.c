/*
 * identify_scale.c - 1:N identification at group scale (issue 54, item 3):
 * the memory and the time per probe of IdentifyFace's search over N
 * synthetic templates, against a bare C loop of dot products over the
 * same int8 array in the same run.
 *
 *   bench-identify_scale [-n N] [-d DIM] [-p PROBES] [-k TOP_K]
 *
 * It does what identity's in-memory index (services/identity/face/index.c)
 * does per template and per probe, with the service's own gallery code
 * (identity's archive): one heap entry per template (patient and template
 * ids), a pointer array grown by doubling, identity_gallery_add with the
 * entry's address as id and no reservation (the index's load does none);
 * a search asks identity_gallery_search for one probe's best max(16, 2k)
 * templates and folds them into patients.  Not included: the database
 * read and decryption of every template at load, and the one indexed
 * catch-up query before each search.
 *
 * The templates are random unit vectors (Gaussian components); PROBES
 * more are planted: for each probe one template at a random row is the
 * probe plus noise of the same norm (cosine about 0.71, a mate), and the
 * run checks the search ranks it first.  It prints the RSS delta per
 * template, then per probe the median, min and max wall and thread CPU
 * time of the search and of a bare loop (int32 dot product of each int8
 * row with the probe's int8 codes, best row kept), once compiled with the
 * project's flags and once auto-vectorised for AVX2, run alternately, and
 * the ratios.
 */
#include "gallery.h"
#include <med/util.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROBES 64

/* One template's owner: the patient id, then the template id, each
 * NUL-terminated, the size of index.c's entry. */
#define ID_LEN (MED_UUID_LEN + 1)
typedef struct entry {
	char ids[2 * ID_LEN];
} entry;

typedef struct opts {
	size_t n, d, k;
	int probes;
} opts;

static uint64_t rng = 88172645463325252ull;

/* next is xorshift64*. */
static uint64_t
next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static double
uniform(void)
{
	return ((double)(next() >> 11) + 0.5) / 9007199254740992.0;
}

/* gauss_unit writes a random unit vector (Gaussian components). */
static void
gauss_unit(float *v, size_t d)
{
	double s = 0;

	for (size_t i = 0; i < d; i += 2) {
		double r = sqrt(-2.0 * log(uniform())),
		       t = 2.0 * M_PI * uniform();
		v[i] = (float)(r * cos(t));
		if (i + 1 < d)
			v[i + 1] = (float)(r * sin(t));
	}
	for (size_t i = 0; i < d; i++)
		s += (double)v[i] * v[i];
	s = sqrt(s);
	for (size_t i = 0; i < d; i++)
		v[i] = (float)(v[i] / s);
}

/* rss_bytes reads this process's resident set size. */
static long long
rss_bytes(void)
{
	long long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &pages, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

static double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[MAX_PROBES];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double
min_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double
max_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static int
parse(int argc, char **argv, opts *o)
{
	int c;

	*o = (opts){1000000, 128, 5, 9};
	while ((c = getopt(argc, argv, "n:d:k:p:")) != -1) {
		long v = optarg ? strtol(optarg, NULL, 10) : 0;
		if (c == '?' || v <= 0)
			return -1;
		if (c == 'n')
			o->n = (size_t)v;
		else if (c == 'd')
			o->d = (size_t)v;
		else if (c == 'k')
			o->k = (size_t)v;
		else
			o->probes = v > MAX_PROBES ? MAX_PROBES : (int)v;
	}
	return optind == argc ? 0 : -1;
}

/* The index: its entries (each its own allocation) and the gallery. */
typedef struct scale_index {
	identity_gallery *g;
	entry **all;
	size_t n, cap;
} scale_index;

static int
push(scale_index *ix, size_t i, const float *v, size_t d)
{
	entry *e;

	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 256;
		entry **a = realloc(ix->all, cap * sizeof(*a));
		if (a == NULL)
			return -1;
		ix->all = a;
		ix->cap = cap;
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return -1;
	snprintf(e->ids, ID_LEN, "00000000-0000-4000-8000-%012llx",
		 (unsigned long long)(i & 0xffffffffffffull));
	snprintf(e->ids + ID_LEN, ID_LEN, "00000000-0000-4000-9000-%012llx",
		 (unsigned long long)(i & 0xffffffffffffull));
	if (identity_gallery_add(ix->g, (uint64_t)(uintptr_t)e, v, d) !=
	    MED_OK) {
		free(e);
		return -1;
	}
	ix->all[ix->n++] = e;
	return 0;
}

/* build fills ix with o->n random templates plus one planted mate per
 * probe, at rows[p]. */
static int
build(scale_index *ix, const opts *o, const float *probes, size_t *rows)
{
	float *v = malloc(o->d * sizeof(float));
	size_t total = o->n + (size_t)o->probes;
	int p = 0, rc = -1;

	if (v == NULL || identity_gallery_new(o->d, &ix->g) != MED_OK)
		goto out;
	for (int j = 0; j < o->probes; j++)
		rows[j] = (size_t)(next() % total);
	for (size_t i = 0; i < total; i++) {
		int mate = -1;
		for (int j = 0; j < o->probes && mate < 0; j++)
			if (rows[j] == i)
				mate = j;
		gauss_unit(v, o->d);
		if (mate >= 0) { /* probe + noise of norm 1: cosine ~0.71 */
			for (size_t c = 0; c < o->d; c++)
				v[c] = probes[(size_t)mate * o->d + c] + v[c];
			p++;
		}
		if (push(ix, i, v, o->d) != 0)
			goto out;
	}
	/* Two probes drawn on the same row: the later one has no mate. */
	for (int j = 0; j < o->probes; j++)
		for (int i = 0; i < j; i++)
			if (rows[i] == rows[j])
				rows[j] = (size_t)-1;
	rc = p > 0 ? 0 : -1;
out:
	free(v);
	return rc;
}

/* search is index.c's identity_index_search without the catch-up: best
 * max(16, 2k) templates, folded into at most k patients. */
static int
search(scale_index *ix, const opts *o, const float *probe,
       identity_gallery_hit *t, const entry **top)
{
	size_t m = o->k * 2 < 16 ? 16 : o->k * 2, n_t = 0, n = 0;
	const entry *got[64];

	if (identity_gallery_search(ix->g, probe, 1, o->d, m, t, &n_t) !=
	    MED_OK)
		return -1;
	for (size_t i = 0; i < n_t && n < o->k && n < 64; i++) {
		const entry *e = (const entry *)(uintptr_t)t[i].id;
		bool seen = false;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(got[j]->ids, e->ids) == 0;
		if (!seen)
			got[n++] = e;
	}
	*top = n ? got[0] : NULL;
	return 0;
}

/* BARE is the plain memory scan: an int32 dot product of every int8 row
 * with the probe's codes, the best row kept.  bare builds it with the
 * project's flags; bare_vec lets the compiler vectorise it for AVX2. */
#define BARE(name, attr)                                                       \
	attr static size_t name(const int8_t *codes, size_t stride,            \
				size_t rows, const int8_t *q)                  \
	{                                                                      \
		int32_t best = INT32_MIN;                                      \
		size_t at = 0;                                                 \
		for (size_t r = 0; r < rows; r++) {                            \
			const int8_t *g = codes + r * stride;                  \
			int32_t s = 0;                                         \
			for (size_t c = 0; c < stride; c++)                    \
				s += (int32_t)g[c] * (int32_t)q[c];            \
			if (s > best) {                                        \
				best = s;                                      \
				at = r;                                        \
			}                                                      \
		}                                                              \
		return at;                                                     \
	}
BARE(bare, )
#if defined(__x86_64__)
BARE(bare_vec, __attribute__((target("avx2"), optimize("O3"))))
#else
BARE(bare_vec, )
#endif

static void
quantise(const float *v, size_t d, size_t stride, int8_t *q)
{
	memset(q, 0, stride);
	for (size_t c = 0; c < d; c++)
		q[c] = (int8_t)lrintf(v[c] * 127.0f);
}

static void
row(const char *what, const double *wall, const double *cpu, int n)
{
	printf("%-28s %9.2f %9.2f %9.2f %9.2f\n", what, median(wall, n) / 1e6,
	       min_of(wall, n) / 1e6, max_of(wall, n) / 1e6,
	       median(cpu, n) / 1e6);
}

static int
measure(scale_index *ix, const opts *o, const float *probes, const size_t *rows)
{
	double sw[MAX_PROBES], sc[MAX_PROBES], bw[MAX_PROBES], bc[MAX_PROBES];
	double vw[MAX_PROBES], vc[MAX_PROBES];
	identity_gallery_hit t[64];
	size_t stride, bytes, sink = 0;
	const int8_t *codes = identity_gallery_codes(ix->g, &stride, &bytes);
	int8_t *q = malloc(stride);
	int found = 0, planted = 0;

	if (q == NULL)
		return -1;
	for (int j = 0; j < o->probes; j++) {
		const float *pr = probes + (size_t)j * o->d;
		const entry *top = NULL;
		double w = (double)med_mono_ns(), c = cpu_ns();
		if (search(ix, o, pr, t, &top) != 0) {
			free(q);
			return -1;
		}
		sc[j] = cpu_ns() - c;
		sw[j] = (double)med_mono_ns() - w;
		if (rows[j] != (size_t)-1) {
			planted++;
			found += top == ix->all[rows[j]];
		}
		quantise(pr, o->d, stride, q);
		w = (double)med_mono_ns();
		c = cpu_ns();
		sink += bare(codes, stride, ix->n, q);
		bc[j] = cpu_ns() - c;
		bw[j] = (double)med_mono_ns() - w;
		w = (double)med_mono_ns();
		c = cpu_ns();
		sink += bare_vec(codes, stride, ix->n, q);
		vc[j] = cpu_ns() - c;
		vw[j] = (double)med_mono_ns() - w;
	}
	printf("%-28s %9s %9s %9s %9s\n", "per probe (ms)", "p50", "min", "max",
	       "cpu p50");
	row("IdentifyFace search", sw, sc, o->probes);
	row("bare loop, -O2", bw, bc, o->probes);
	row("bare loop, AVX2 -O3", vw, vc, o->probes);
	printf("ratio search/bare -O2 p50: wall %.2f, cpu %.2f\n",
	       median(sw, o->probes) / median(bw, o->probes),
	       median(sc, o->probes) / median(bc, o->probes));
	printf("ratio search/bare AVX2 -O3 p50: wall %.2f, cpu %.2f\n",
	       median(sw, o->probes) / median(vw, o->probes),
	       median(sc, o->probes) / median(vc, o->probes));
	printf("planted mates ranked first: %d of %d\n", found, planted);
	printf("(bare loop checksum %zu)\n", sink % 251);
	free(q);
	return found == planted ? 0 : -1;
}

int
main(int argc, char **argv)
{
	opts o;
	scale_index ix = {0};
	float *probes;
	size_t rows[MAX_PROBES], stride, bytes;
	long long rss0, rss1;
	int64_t t0;
	int rc = 1;

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: bench-identify_scale [-n N] [-d DIM] "
				"[-p PROBES] [-k TOP_K]\n");
		return 2;
	}
	if ((probes = malloc((size_t)o.probes * o.d * sizeof(float))) == NULL)
		return 1;
	for (int j = 0; j < o.probes; j++)
		gauss_unit(probes + (size_t)j * o.d, o.d);
	rss0 = rss_bytes();
	t0 = med_mono_ns();
	if (build(&ix, &o, probes, rows) != 0) {
		fprintf(stderr,
			"bench-identify_scale: cannot build the index\n");
		goto out;
	}
	rss1 = rss_bytes();
	identity_gallery_codes(ix.g, &stride, &bytes);
	printf("templates %zu (+%d planted) x %zu, built in %.1f s, kernel "
	       "%s, top_k %zu, %d probes, 1 thread\n",
	       o.n, o.probes, o.d, (double)(med_mono_ns() - t0) / 1e9,
	       identity_gallery_kernel(ix.g), o.k, o.probes);
	printf("rss delta %.1f MiB, %.0f bytes per template (int8 codes %zu "
	       "B/row)\n",
	       (double)(rss1 - rss0) / 1048576.0,
	       (double)(rss1 - rss0) / (double)ix.n, stride);
	rc = measure(&ix, &o, probes, rows) == 0 ? 0 : 1;
out:
	for (size_t i = 0; i < ix.n; i++)
		free(ix.all[i]);
	free(ix.all);
	identity_gallery_free(ix.g);
	free(probes);
	return rc;
}
