/*
 * gallery.h - a flat in-memory gallery of embeddings for exhaustive
 * top-k cosine search (1:N identification).
 *
 * Each vector of dimension dim is L2-normalised on entry and kept twice:
 * as int8 with one scale per vector (what a search scans, a quarter of the
 * f32 bytes) and as f32 (what the shortlist is re-scored with).  A search
 * scans every int8 vector with AVX-VNNI or AVX2 when the CPU has them
 * (chosen at run time; the build stays generic x86-64) or a scalar loop
 * otherwise, keeps
 * the best identity_gallery_shortlist(k) candidates per probe by int8 score,
 * re-scores those exactly in f32 and returns the k best.  Several probes
 * (up to IDENTITY_GALLERY_BATCH) share one pass over the gallery so each byte
 * read from memory serves all of them.
 *
 * Thread-safety: a gallery carries a readers-writer lock.  Searches take
 * it shared and run concurrently; add and remove take it exclusive.
 * identity_gallery_free must not race with anything.
 */
#ifndef IDENTITY_GALLERY_H
#define IDENTITY_GALLERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

/* IDENTITY_GALLERY_MAX_DIM is the longest vector accepted. */
#define IDENTITY_GALLERY_MAX_DIM 8192
/* IDENTITY_GALLERY_MAX_COUNT is the hard cap on vectors in one gallery. */
#define IDENTITY_GALLERY_MAX_COUNT (64u * 1024u * 1024u)
/* IDENTITY_GALLERY_BATCH is how many probes share one pass over the gallery. */
#define IDENTITY_GALLERY_BATCH 8

typedef struct identity_gallery identity_gallery;

/* identity_gallery_hit - one result: the caller's id and the exact cosine. */
typedef struct identity_gallery_hit {
	uint64_t id;
	float score;
} identity_gallery_hit;

/*
 * identity_gallery_new makes an empty gallery of dim-long vectors.
 * Errors: MED_ERR_INVALID (dim 0 or above IDENTITY_GALLERY_MAX_DIM), NOMEM.
 */
med_err identity_gallery_new(size_t dim, identity_gallery **out) MED_MUST_CHECK;

/* identity_gallery_free frees g (NULL is fine). */
void identity_gallery_free(identity_gallery *g);

/* identity_gallery_dim returns the vector length g was made for. */
size_t identity_gallery_dim(const identity_gallery *g);

/* identity_gallery_count returns how many vectors g holds now. */
size_t identity_gallery_count(identity_gallery *g);

/*
 * identity_gallery_reserve makes room for n vectors in all (one allocation
 * instead of repeated growth when the final size is known).
 * Errors: MED_ERR_LIMIT (above IDENTITY_GALLERY_MAX_COUNT), MED_ERR_NOMEM.
 */
med_err identity_gallery_reserve(identity_gallery *g, size_t n) MED_MUST_CHECK;

/*
 * identity_gallery_add appends vec (dim floats, copied and L2-normalised) under
 * id.  Ids are the caller's; uniqueness is not checked.  Errors:
 * MED_ERR_INVALID (dim differs from the gallery's, a zero or non-finite
 * vector), MED_ERR_LIMIT, MED_ERR_NOMEM.
 */
med_err identity_gallery_add(identity_gallery *g, uint64_t id, const float *vec,
			     size_t dim) MED_MUST_CHECK;

/*
 * identity_gallery_remove drops the vector stored under id (the first one when
 * there are several); the last vector takes its place, so order is not
 * kept.  It scans the ids (O(n)).  Errors: MED_ERR_NOT_FOUND.
 */
med_err identity_gallery_remove(identity_gallery *g,
				uint64_t id) MED_MUST_CHECK;

/*
 * identity_gallery_search finds, for each of n_probes probes (row-major, dim
 * floats each, need not be normalised), the k stored vectors of highest
 * cosine.  hits has room for n_probes * k entries: probe i's results,
 * best first, are hits[i * k .. i * k + n_hits[i]); n_hits[i] is
 * min(k, count).  Errors: MED_ERR_INVALID (dim differs, k 0, a zero or
 * non-finite probe), MED_ERR_NOMEM.
 */
med_err identity_gallery_search(identity_gallery *g, const float *probes,
				size_t n_probes, size_t dim, size_t k,
				identity_gallery_hit *hits,
				size_t *n_hits) MED_MUST_CHECK;

/*
 * identity_gallery_shortlist returns how many int8 candidates a search for k
 * re-scores in f32 per probe: 4k, at least 64.
 */
size_t identity_gallery_shortlist(size_t k);

/*
 * identity_gallery_set_kernel picks the int8 dot-product kernel g's searches
 * use: "auto" (the default: the fastest this CPU runs), "avx-vnni",
 * "avx2" or "scalar"; all give the same integer scores, so results do
 * not change.  Tests and benchmarks compare them.  Not thread-safe
 * against a running search.  Errors: MED_ERR_INVALID (unknown name),
 * MED_ERR_UNIMPLEMENTED (this CPU lacks the instructions).
 */
med_err identity_gallery_set_kernel(identity_gallery *g,
				    const char *name) MED_MUST_CHECK;

/* identity_gallery_kernel names the kernel in use: "avx-vnni", "avx2",
 * "scalar". */
const char *identity_gallery_kernel(const identity_gallery *g);

/*
 * identity_gallery_codes returns the int8 codes (count rows of *stride bytes)
 * and their total size in *bytes, for a benchmark that reads the same
 * memory as a search.  Valid until the next add, remove or free.
 */
const int8_t *identity_gallery_codes(identity_gallery *g, size_t *stride,
				     size_t *bytes);

#endif
