/*
 * index.c - the in-memory 1:N index of this process: every decrypted
 * template in one med_gallery (int8 scan with SIMD, exact f32 re-scoring
 * of a shortlist; exhaustive, never approximate search, which would miss
 * mates, see the face research note).  It is loaded from the database at
 * start (or on first use) and kept in step by this process's enrolments
 * and erasures only: replicas do not tell each other (out of scope for
 * now, docs/architecture.md).
 *
 * Locking: ix->lock (readers-writer) covers the entries and the gallery
 * together; the gallery's own lock is always taken inside it.
 */
#include <med/gallery.h>
#include <med/log.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"

/* One template's owner; its address is the template's gallery id. */
typedef struct id_entry {
	char patient[MED_UUID_LEN + 1];
	char tid[MED_UUID_LEN + 1];
} id_entry;

struct id_index {
	pthread_rwlock_t lock;
	size_t dim, n, cap;
	med_gallery *g;
	id_entry **all; /* every entry, to find a patient's templates */
	bool loaded;
};

static uint64_t
entry_id(const id_entry *e)
{
	return (uint64_t)(uintptr_t)e;
}

static const id_entry *
id_entry_of(uint64_t id)
{
	return (const id_entry *)(uintptr_t)id;
}

med_err
id_index_new(size_t dim, id_index **out)
{
	id_index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL || dim == 0)
		goto fail;
	if (med_gallery_new(dim, &ix->g) != MED_OK)
		goto fail;
	if (pthread_rwlock_init(&ix->lock, NULL) != 0)
		goto free_gallery;
	ix->dim = dim;
	*out = ix;
	return MED_OK;
free_gallery:
	med_gallery_free(ix->g);
fail:
	free(ix);
	return MED_ERR_NOMEM;
}

/* clear empties the index (write lock held): a fresh gallery. */
static med_err
clear(id_index *ix)
{
	med_gallery *g = NULL;
	med_err err = med_gallery_new(ix->dim, &g);

	for (size_t i = 0; i < ix->n; i++)
		free(ix->all[i]);
	free(ix->all);
	ix->all = NULL;
	ix->n = ix->cap = 0;
	med_gallery_free(ix->g);
	ix->g = g;
	return err;
}

void
id_index_free(id_index *ix)
{
	if (ix == NULL)
		return;
	(void)clear(ix);
	med_gallery_free(ix->g);
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

/* push appends under the write lock (held by the caller). */
static med_err
push(id_index *ix, const char *tid, const char *patient_id, const float *emb)
{
	id_entry *e;
	med_err err;

	if (ix->g == NULL)
		return MED_ERR_NOMEM;
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 256;
		id_entry **a = realloc(ix->all, cap * sizeof(*a));
		if (a == NULL)
			return MED_ERR_NOMEM;
		ix->all = a;
		ix->cap = cap;
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return MED_ERR_NOMEM;
	med_strlcpy(e->patient, patient_id, sizeof(e->patient));
	med_strlcpy(e->tid, tid, sizeof(e->tid));
	err = med_gallery_add(ix->g, entry_id(e), emb, ix->dim);
	if (err != MED_OK) {
		free(e);
		return err == MED_ERR_INVALID ? MED_ERR_INTERNAL : err;
	}
	ix->all[ix->n++] = e;
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
	ix->loaded = false;
	err = clear(ix);
	if (err == MED_OK)
		err = id_templates_each(db, f, NULL, load_one, ix);
	if (err == MED_OK)
		ix->loaded = true;
	else
		(void)clear(ix);
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
	size_t i = 0;

	pthread_rwlock_wrlock(&ix->lock);
	while (i < ix->n) {
		id_entry *e = ix->all[i];
		if (strcmp(e->patient, patient_id) != 0) {
			i++;
			continue;
		}
		/* push adds an entry to both or neither, so this finds it. */
		if (med_gallery_remove(ix->g, entry_id(e)) != MED_OK)
			med_log_error("identity: face index out of step");
		free(e);
		ix->all[i] = ix->all[--ix->n];
	}
	pthread_rwlock_unlock(&ix->lock);
}

/*
 * collect turns template hits (best first) into at most k patients, each
 * with its best template's score, skipping exclude; returns the count.
 */
static size_t
collect(const med_gallery_hit *t, size_t n_t, size_t k, const char *exclude,
	id_hit *hits)
{
	size_t n = 0;

	for (size_t i = 0; i < n_t && n < k; i++) {
		const char *p = id_entry_of(t[i].id)->patient;
		bool seen = exclude != NULL && strcmp(p, exclude) == 0;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(hits[j].patient_id, p) == 0;
		if (seen)
			continue;
		med_strlcpy(hits[n].patient_id, p, sizeof(hits[n].patient_id));
		hits[n].score = t[i].score;
		n++;
	}
	return n;
}

/*
 * id_index_search asks the gallery for the best m templates and folds
 * them into patients; when patients with several templates (or the
 * excluded one) leave fewer than k, it asks again for 4 times as many,
 * so the answer is the exact top k patients.
 */
med_err
id_index_search(id_index *ix, const float *probe, size_t k, const char *exclude,
		id_hit *hits, size_t *n_hits, uint64_t *searched)
{
	med_gallery_hit *t = NULL;
	size_t total, m, n = 0, n_t = 0;
	med_err err = MED_OK;

	pthread_rwlock_rdlock(&ix->lock);
	total = ix->n;
	m = k * 2 < 16 ? 16 : k * 2;
	while (k > 0 && total > 0 && err == MED_OK) {
		m = m < total ? m : total;
		med_gallery_hit *nt = realloc(t, m * sizeof(*t));
		if (nt == NULL) {
			err = MED_ERR_NOMEM;
			break;
		}
		t = nt;
		err = med_gallery_search(ix->g, probe, 1, ix->dim, m, t, &n_t);
		if (err == MED_OK)
			n = collect(t, n_t, k, exclude, hits);
		if (n == k || m == total)
			break;
		m *= 4;
	}
	pthread_rwlock_unlock(&ix->lock);
	free(t);
	if (err != MED_OK)
		return err == MED_ERR_INVALID ? MED_ERR_INTERNAL : err;
	*searched = total;
	*n_hits = n;
	return MED_OK;
}
