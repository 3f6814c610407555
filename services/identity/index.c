/*
 * index.c - the in-memory 1:N index of this process: every decrypted
 * template in one contiguous array, searched exhaustively (exact cosine;
 * approximate search would miss mates, see the face research note).  It is
 * loaded from the database at start (or on first use) and kept in step by
 * this process's enrolments and erasures only: replicas do not tell each
 * other (out of scope for now, docs/architecture.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"

typedef char id_str[MED_UUID_LEN + 1];

struct id_index {
	pthread_rwlock_t lock;
	size_t dim, n, cap;
	float *vec;
	id_str *patient;
	id_str *tid;
	bool loaded;
};

med_err
id_index_new(size_t dim, id_index **out)
{
	id_index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL || dim == 0)
		goto fail;
	if (pthread_rwlock_init(&ix->lock, NULL) != 0)
		goto fail;
	ix->dim = dim;
	*out = ix;
	return MED_OK;
fail:
	free(ix);
	return MED_ERR_NOMEM;
}

static void
clear(id_index *ix)
{
	free(ix->vec);
	free(ix->patient);
	free(ix->tid);
	ix->vec = NULL;
	ix->patient = ix->tid = NULL;
	ix->n = ix->cap = 0;
}

void
id_index_free(id_index *ix)
{
	if (ix == NULL)
		return;
	clear(ix);
	pthread_rwlock_destroy(&ix->lock);
	free(ix);
}

bool
id_index_is_loaded(id_index *ix)
{
	bool loaded;

	pthread_rwlock_rdlock(&ix->lock);
	loaded = ix->loaded;
	pthread_rwlock_unlock(&ix->lock);
	return loaded;
}

static med_err
grow(id_index *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 256;
	float *v = realloc(ix->vec, cap * ix->dim * sizeof(float));
	id_str *p, *t;

	if (v == NULL)
		return MED_ERR_NOMEM;
	ix->vec = v;
	p = realloc(ix->patient, cap * sizeof(id_str));
	if (p == NULL)
		return MED_ERR_NOMEM;
	ix->patient = p;
	t = realloc(ix->tid, cap * sizeof(id_str));
	if (t == NULL)
		return MED_ERR_NOMEM;
	ix->tid = t;
	ix->cap = cap;
	return MED_OK;
}

/* push appends under the write lock (held by the caller). */
static med_err
push(id_index *ix, const char *tid, const char *patient_id, const float *emb)
{
	med_err err;

	if (ix->n == ix->cap && (err = grow(ix)) != MED_OK)
		return err;
	memcpy(ix->vec + ix->n * ix->dim, emb, ix->dim * sizeof(float));
	med_strlcpy(ix->patient[ix->n], patient_id, sizeof(id_str));
	med_strlcpy(ix->tid[ix->n], tid, sizeof(id_str));
	ix->n++;
	return MED_OK;
}

static med_err
load_one(void *ctx, const id_template *t)
{
	return push(ctx, t->template_id, t->patient_id, t->emb);
}

med_err
id_index_load(id_index *ix, med_db *db, id_face *f)
{
	med_err err;

	/* The write lock is held across the read so an enrolment in this
	 * process cannot fall between the snapshot and the swap. */
	pthread_rwlock_wrlock(&ix->lock);
	clear(ix);
	ix->loaded = false;
	err = id_templates_each(db, f, NULL, load_one, ix);
	if (err == MED_OK)
		ix->loaded = true;
	else
		clear(ix);
	pthread_rwlock_unlock(&ix->lock);
	return err;
}

med_err
id_index_add(id_index *ix, const char *template_id, const char *patient_id,
	     const float *emb)
{
	med_err err = MED_OK;

	pthread_rwlock_wrlock(&ix->lock);
	if (ix->loaded)
		err = push(ix, template_id, patient_id, emb);
	pthread_rwlock_unlock(&ix->lock);
	return err;
}

void
id_index_remove_patient(id_index *ix, const char *patient_id)
{
	size_t k = 0;

	pthread_rwlock_wrlock(&ix->lock);
	for (size_t i = 0; i < ix->n; i++) {
		if (strcmp(ix->patient[i], patient_id) == 0)
			continue;
		if (k != i) {
			memmove(ix->vec + k * ix->dim, ix->vec + i * ix->dim,
				ix->dim * sizeof(float));
			memcpy(ix->patient[k], ix->patient[i], sizeof(id_str));
			memcpy(ix->tid[k], ix->tid[i], sizeof(id_str));
		}
		k++;
	}
	ix->n = k;
	pthread_rwlock_unlock(&ix->lock);
}

/*
 * offer keeps hits[] (n of them, at most k, one per patient with its best
 * score) the k best seen so far.  A patient pushed out can come back with
 * a better template later, so the result is exact.
 */
static void
offer(id_hit *hits, size_t *n, size_t k, const char *patient_id, float score)
{
	size_t worst = 0;

	for (size_t j = 0; j < *n; j++) {
		if (strcmp(hits[j].patient_id, patient_id) == 0) {
			if (score > hits[j].score)
				hits[j].score = score;
			return;
		}
		if (hits[j].score < hits[worst].score)
			worst = j;
	}
	if (*n < k)
		worst = (*n)++;
	else if (score <= hits[worst].score)
		return;
	med_strlcpy(hits[worst].patient_id, patient_id,
		    sizeof(hits[worst].patient_id));
	hits[worst].score = score;
}

static int
hit_desc(const void *a, const void *b)
{
	float x = ((const id_hit *)a)->score, y = ((const id_hit *)b)->score;

	return (x < y) - (x > y);
}

static float
lowest(const id_hit *hits, size_t n)
{
	float m = hits[0].score;

	for (size_t j = 1; j < n; j++)
		if (hits[j].score < m)
			m = hits[j].score;
	return m;
}

med_err
id_index_search(id_index *ix, const float *probe, size_t k, const char *exclude,
		id_hit *hits, size_t *n_hits, uint64_t *searched)
{
	size_t n = 0;
	float floor = -2.f;

	pthread_rwlock_rdlock(&ix->lock);
	for (size_t i = 0; i < ix->n && k > 0; i++) {
		const char *p = ix->patient[i];
		float s = id_cosine(probe, ix->vec + i * ix->dim, ix->dim);
		/* Most templates lose to the current k-th best: skip the
		 * per-patient bookkeeping for them. */
		if ((n == k && s <= floor) ||
		    (exclude != NULL && strcmp(p, exclude) == 0))
			continue;
		offer(hits, &n, k, p, s);
		if (n == k)
			floor = lowest(hits, n);
	}
	*searched = ix->n;
	pthread_rwlock_unlock(&ix->lock);
	qsort(hits, n, sizeof(*hits), hit_desc);
	*n_hits = n;
	return MED_OK;
}
