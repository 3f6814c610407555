/*
 * index.c - the in-memory 1:N index of this process: every decrypted
 * template in one identity_gallery (int8 scan with SIMD, exact f32 re-scoring
 * of a shortlist; exhaustive, never approximate search, which would miss
 * mates, see the face research note).
 *
 * Replicas keep their indexes in step through the change log that every
 * enrolment and erasure writes in its own transaction (sync.c): the index
 * remembers the last seq it applied, catches up before each search (so a
 * patient enrolled on another replica a moment ago is found: one indexed
 * query when nothing changed) and in a background poller.  Applying a
 * change re-reads the patient's templates, which makes it idempotent: a
 * change applied twice, or read after a later one committed, leaves the
 * same state.  docs/internals/identity.md "Face index across replicas".
 *
 * The index also counts the patients who must re-enrol after a face model
 * change (templates of other models only) into a gauge: after each full
 * load (start, or a first use), and in the poller when the templates
 * changed.  The count reads the whole table (about 2 s for 360,000
 * templates on a test machine), so it never runs after an ordinary
 * catch-up, where searches wait on ix->sync: only after a full load, which
 * decrypts every template and takes far longer, and in the poller outside
 * ix->sync, which then waits IDENTITY_STALE_BACKOFF times that count's
 * duration before the next.  docs/operations.md "Re-enrolment after a
 * face model change".
 *
 * The first load runs in a thread of its own (identity_index_load_begin),
 * so the process serves its patient index, and its health, while a large
 * gallery is read: searches meanwhile fail at once with the load's
 * progress (identity_index_loading) instead of waiting on ix->sync, and
 * the service reports itself not ready until the load settled.
 * docs/operations.md "Identity start with a large face gallery".
 *
 * Locking: ix->lock (readers-writer) covers the entries, the gallery and
 * loaded; the gallery's own lock is always taken inside it.  ix->sync
 * serialises loads and catch-ups (database reads happen under it, not
 * under ix->lock, so searches go on meanwhile) and covers last_seq,
 * synced_ns, failing and gen.  ix->mu and ix->cv run the poller.
 * ix->count_mu serialises the counts and covers the fields after it; it
 * is taken inside ix->sync, never the other way round.
 */
#include "gallery.h"
#include <med/log.h>
#include <med/metrics.h>

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "face_internal.h"
#include "face_models.h"
#include "sync.h"

#define STALE_METRIC                                                           \
	"smartmed_identity_face_patients_without_active_model_template"
#define TEMPLATES_METRIC "smartmed_identity_face_templates"
/* A poller count waits this many times the last count's duration. */
#define IDENTITY_STALE_BACKOFF 20

/* One template's owner; its address is the template's gallery id. */
typedef struct identity_entry {
	char patient[MED_UUID_LEN + 1];
	char tid[MED_UUID_LEN + 1];
} identity_entry;

/* identity_set - a gallery and its entries. */
typedef struct identity_set {
	identity_gallery *g;
	identity_entry **all; /* every entry, to find a patient's templates */
	size_t n, cap;
} identity_set;

struct identity_index {
	pthread_rwlock_t lock;
	size_t dim;
	identity_set s;
	bool loaded;

	pthread_mutex_t sync;
	med_db *db;
	identity_face *f;
	int64_t last_seq;
	int64_t synced_ns; /* when the last good catch-up began to read */
	int64_t load_tried_ns;
	bool failing;
	int64_t gen; /* bumped by every load and applied batch */

	pthread_mutex_t count_mu;
	med_metrics *metrics;	/* NULL: no counting */
	med_gauge *stale;	/* created by the first count */
	med_gauge *templates;	/* the index's templates, at each render */
	med_metrics *collector; /* where collect_templates is registered */
	int64_t counted_gen;	/* the gen the gauge shows */
	int64_t last_stale;	/* -1 before the first count */
	int64_t count_due_ns;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t poller;
	bool polling, stopping;
	int64_t interval_ms;

	/* The first load in the background (identity_index_load_begin):
	 * loading from before its thread starts until it ends; settled once
	 * it loaded or gave up; quit stops a load row by row.  load_done
	 * counts the rows of the load under way, load_total the rows it
	 * expects (0: not known). */
	pthread_t loader;
	bool loader_started;
	bool (*may_load)(void *ctx);
	void *may_load_ctx;
	int64_t load_began_ns;
	atomic_bool loading, settled, quit;
	atomic_size_t load_done, load_total;
};

static void collect_templates(void *ctx);

static uint64_t
entry_id(const identity_entry *e)
{
	return (uint64_t)(uintptr_t)e;
}

static const identity_entry *
identity_entry_of(uint64_t id)
{
	return (const identity_entry *)(uintptr_t)id;
}

/* ---- identity_set
 * ------------------------------------------------------------ */

static med_err
set_init(identity_set *s, size_t dim)
{
	memset(s, 0, sizeof(*s));
	return identity_gallery_new(dim, &s->g);
}

static void
set_fini(identity_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->all[i]);
	free(s->all);
	identity_gallery_free(s->g);
	memset(s, 0, sizeof(*s));
}

static med_err
set_push(identity_set *s, size_t dim, const char *tid, const char *patient_id,
	 const float *emb)
{
	identity_entry *e;
	med_err err;

	if (s->g == NULL)
		return MED_ERR_NOMEM;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		identity_entry **a = realloc(s->all, cap * sizeof(*a));
		if (a == NULL)
			return MED_ERR_NOMEM;
		s->all = a;
		s->cap = cap;
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return MED_ERR_NOMEM;
	med_strlcpy(e->patient, patient_id, sizeof(e->patient));
	med_strlcpy(e->tid, tid, sizeof(e->tid));
	err = identity_gallery_add(s->g, entry_id(e), emb, dim);
	if (err != MED_OK) {
		free(e);
		return err == MED_ERR_INVALID ? MED_ERR_INTERNAL : err;
	}
	s->all[s->n++] = e;
	return MED_OK;
}

static int
cmp_pid(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* set_has_patients is true when an entry belongs to one of the n sorted
 * patient ids. */
static bool
set_has_patients(const identity_set *s, const char (*pids)[MED_UUID_LEN + 1],
		 size_t n)
{
	for (size_t i = 0; i < s->n; i++)
		if (bsearch(s->all[i]->patient, pids, n, sizeof(*pids),
			    cmp_pid) != NULL)
			return true;
	return false;
}

/* set_drop_patients removes every entry of the n sorted patient ids. */
static void
set_drop_patients(identity_set *s, const char (*pids)[MED_UUID_LEN + 1],
		  size_t n)
{
	size_t i = 0;

	while (i < s->n) {
		identity_entry *e = s->all[i];
		if (bsearch(e->patient, pids, n, sizeof(*pids), cmp_pid) ==
		    NULL) {
			i++;
			continue;
		}
		/* set_push adds an entry to both or neither, so this finds
		 * it. */
		if (identity_gallery_remove(s->g, entry_id(e)) != MED_OK)
			med_log_error("identity: face index out of step");
		free(e);
		s->all[i] = s->all[--s->n];
	}
}

/* ---- life ------------------------------------------------------------- */

med_err
identity_index_new(size_t dim, identity_index **out)
{
	identity_index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL || dim == 0)
		goto fail;
	if (set_init(&ix->s, dim) != MED_OK)
		goto free_set;
	if (pthread_rwlock_init(&ix->lock, NULL) != 0)
		goto free_set;
	if (pthread_mutex_init(&ix->sync, NULL) != 0)
		goto free_lock;
	if (pthread_mutex_init(&ix->mu, NULL) != 0)
		goto free_sync;
	if (pthread_cond_init(&ix->cv, NULL) != 0)
		goto free_mu;
	if (pthread_mutex_init(&ix->count_mu, NULL) != 0)
		goto free_cv;
	ix->dim = dim;
	ix->last_stale = -1;
	*out = ix;
	return MED_OK;
free_cv:
	pthread_cond_destroy(&ix->cv);
free_mu:
	pthread_mutex_destroy(&ix->mu);
free_sync:
	pthread_mutex_destroy(&ix->sync);
free_lock:
	pthread_rwlock_destroy(&ix->lock);
free_set:
	set_fini(&ix->s);
fail:
	free(ix);
	return MED_ERR_NOMEM;
}

static void
stop_poller(identity_index *ix)
{
	atomic_store(&ix->quit, true);
	pthread_mutex_lock(&ix->mu);
	ix->stopping = true;
	pthread_cond_broadcast(&ix->cv);
	pthread_mutex_unlock(&ix->mu);
	if (ix->polling)
		pthread_join(ix->poller, NULL);
	ix->polling = false;
	if (ix->loader_started)
		pthread_join(ix->loader, NULL);
	ix->loader_started = false;
}

void
identity_index_free(identity_index *ix)
{
	if (ix == NULL)
		return;
	stop_poller(ix);
	if (ix->collector != NULL)
		med_metrics_collector_remove(ix->collector, collect_templates,
					     ix);
	set_fini(&ix->s);
	pthread_mutex_destroy(&ix->count_mu);
	pthread_cond_destroy(&ix->cv);
	pthread_mutex_destroy(&ix->mu);
	pthread_mutex_destroy(&ix->sync);
	pthread_rwlock_destroy(&ix->lock);
	free(ix);
}

bool
identity_index_is_loaded(identity_index *ix)
{
	bool loaded;

	pthread_rwlock_rdlock(&ix->lock);
	loaded = ix->loaded;
	pthread_rwlock_unlock(&ix->lock);
	return loaded;
}

/* ---- loading and catching up (ix->sync held) -------------------------- */

typedef struct load_ctx {
	identity_index *ix;
	identity_set *s;
} load_ctx;

static med_err
load_one(void *ctx, const identity_template *t)
{
	load_ctx *x = ctx;

	if (atomic_load_explicit(&x->ix->quit, memory_order_relaxed))
		return MED_ERR_CANCELLED;
	atomic_fetch_add_explicit(&x->ix->load_done, 1, memory_order_relaxed);
	return set_push(x->s, x->ix->dim, t->template_id, t->patient_id,
			t->emb);
}

/* count_for_progress tells the first load how many rows to expect. */
static void
count_for_progress(identity_index *ix)
{
	int64_t n = 0;

	atomic_store(&ix->load_done, 0);
	if (atomic_load(&ix->loading) &&
	    identity_templates_count(ix->db, identity_face_model(ix->f), &n) ==
		    MED_OK &&
	    n > 0)
		atomic_store(&ix->load_total, (size_t)n);
}

/*
 * load_locked reads the counter, then every template, into a fresh set
 * and swaps it in.  Every change up to the counter committed before the
 * templates are read (the log's writers commit in seq order), so the set
 * holds at least those; changes after it are applied again by the next
 * catch-up, which is harmless (see the top of the file).  The old set
 * serves until the swap; on failure it stays.
 */
static med_err
load_locked(identity_index *ix)
{
	load_ctx x;
	identity_set fresh, old;
	int64_t clock = 0;
	med_err err;

	ix->load_tried_ns = med_mono_ns();
	if ((err = identity_changes_clock(ix->db, &clock)) != MED_OK)
		return err;
	if ((err = set_init(&fresh, ix->dim)) != MED_OK) {
		set_fini(&fresh);
		return err;
	}
	count_for_progress(ix);
	x = (load_ctx){ix, &fresh};
	err = identity_templates_each(ix->db, ix->f, NULL, load_one, &x);
	if (err != MED_OK) {
		set_fini(&fresh);
		return err;
	}
	pthread_rwlock_wrlock(&ix->lock);
	old = ix->s;
	ix->s = fresh;
	ix->loaded = true;
	pthread_rwlock_unlock(&ix->lock);
	set_fini(&old);
	ix->last_seq = clock;
	ix->gen++;
	return MED_OK;
}

/* staged - templates read for the patients of a batch, not yet applied. */
typedef struct staged {
	identity_template *t;
	float *emb;
	size_t n, cap, dim;
} staged;

static med_err
stage_one(void *ctx, const identity_template *t)
{
	staged *st = ctx;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		identity_template *nt = realloc(st->t, cap * sizeof(*nt));
		if (nt == NULL)
			return MED_ERR_NOMEM;
		st->t = nt;
		float *ne = realloc(st->emb, cap * st->dim * sizeof(*ne));
		if (ne == NULL)
			return MED_ERR_NOMEM;
		st->emb = ne;
		st->cap = cap;
	}
	st->t[st->n] = *t;
	memcpy(st->emb + st->n * st->dim, t->emb, st->dim * sizeof(float));
	st->n++;
	return MED_OK;
}

/* unique_patients sorts the batch's patient ids into pids, once each. */
static size_t
unique_patients(const identity_change *ch, size_t n,
		char (*pids)[MED_UUID_LEN + 1])
{
	size_t u = 0;

	for (size_t i = 0; i < n; i++)
		med_strlcpy(pids[i], ch[i].patient_id, sizeof(pids[i]));
	qsort(pids, n, sizeof(*pids), cmp_pid);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || strcmp(pids[u - 1], pids[i]) != 0)
			memmove(pids[u++], pids[i], sizeof(*pids));
	return u;
}

/* swap_in replaces the patients' entries with the staged templates. */
static med_err
swap_in(identity_index *ix, const char (*pids)[MED_UUID_LEN + 1], size_t n_p,
	const staged *st)
{
	med_err err = MED_OK;
	bool known;

	/* Only catch-ups (under ix->sync, held here) change the set, so what
	 * a scan under the read lock finds still holds under the write lock.
	 * A first enrolment, the usual change, then blocks searches only for
	 * its pushes, not for a walk over the whole gallery. */
	pthread_rwlock_rdlock(&ix->lock);
	known = set_has_patients(&ix->s, pids, n_p);
	pthread_rwlock_unlock(&ix->lock);
	pthread_rwlock_wrlock(&ix->lock);
	if (known)
		set_drop_patients(&ix->s, pids, n_p);
	for (size_t i = 0; i < st->n && err == MED_OK; i++)
		err = set_push(&ix->s, ix->dim, st->t[i].template_id,
			       st->t[i].patient_id, st->emb + i * ix->dim);
	/* Half applied: only a full load is right again. */
	if (err != MED_OK)
		ix->loaded = false;
	pthread_rwlock_unlock(&ix->lock);
	return err;
}

/*
 * apply re-reads the templates of every patient named in the batch and
 * swaps them in under one write lock, so a search sees a patient either
 * before or after, never half.
 */
static med_err
apply(identity_index *ix, const identity_change *ch, size_t n)
{
	char(*pids)[MED_UUID_LEN + 1] = malloc(n * sizeof(*pids));
	staged st = {.dim = ix->dim};
	size_t n_p;
	med_err err = MED_OK;

	if (pids == NULL)
		return MED_ERR_NOMEM;
	n_p = unique_patients(ch, n, pids);
	for (size_t i = 0; i < n_p && err == MED_OK; i++)
		err = identity_templates_each(ix->db, ix->f, pids[i], stage_one,
					      &st);
	if (err == MED_OK)
		err = swap_in(ix, (const char(*)[MED_UUID_LEN + 1]) pids, n_p,
			      &st);
	free(pids);
	free(st.t);
	if (st.emb != NULL)
		sodium_memzero(st.emb, st.cap * st.dim * sizeof(float));
	free(st.emb);
	return err;
}

static med_err
catch_up_locked(identity_index *ix)
{
	identity_change *ch = NULL;
	int64_t clock = 0, upto = 0;
	size_t n = 0;
	med_err err = MED_OK;

	if (!identity_index_is_loaded(ix))
		return load_locked(ix);
	if ((ch = malloc(IDENTITY_SYNC_BATCH * sizeof(*ch))) == NULL)
		return MED_ERR_NOMEM;
	for (;;) {
		err = identity_changes_after(ix->db, ix->last_seq, ch,
					     IDENTITY_SYNC_BATCH, &n, &clock);
		if (err != MED_OK)
			break;
		identity_sync_step step =
			identity_sync_plan(ix->last_seq, clock, ch, n, &upto);
		if (step == IDENTITY_SYNC_NOTHING)
			break;
		if (step == IDENTITY_SYNC_RELOAD) {
			med_log_warn("identity: face change log cannot bring "
				     "the index from %lld to %lld (pruned or "
				     "restored): reloading",
				     (long long)ix->last_seq, (long long)clock);
			err = load_locked(ix);
			break;
		}
		if ((err = apply(ix, ch, n)) != MED_OK)
			break;
		ix->gen++;
		ix->last_seq = upto;
		if (upto >= clock)
			break;
	}
	free(ch);
	return err;
}

/* note logs the first failure of a run and the recovery, not each try. */
static void
note(identity_index *ix, med_err err)
{
	if (err != MED_OK && !ix->failing)
		med_log_warn("identity: face index catch-up failed (%s); "
			     "serving the templates it has",
			     med_strerror(err));
	else if (err == MED_OK && ix->failing)
		med_log_info("identity: face index caught up again (seq %lld)",
			     (long long)ix->last_seq);
	ix->failing = err != MED_OK;
}

/*
 * sync_since catches up unless a catch-up that began reading at or after
 * since_ns already succeeded: it saw every change committed before this
 * caller arrived, so concurrent searches share one query.  A cold index
 * is loaded only when load is set.
 */
static med_err
sync_since(identity_index *ix, int64_t since_ns, bool load)
{
	med_err err = MED_OK;
	bool cold;

	pthread_mutex_lock(&ix->sync);
	if (ix->db == NULL) {
		pthread_mutex_unlock(&ix->sync);
		return MED_ERR_PRECONDITION;
	}
	cold = !identity_index_is_loaded(ix); /* loads happen under ix->sync */
	if ((cold && load) || (!cold && ix->synced_ns < since_ns)) {
		int64_t began = med_mono_ns();
		err = catch_up_locked(ix);
		if (err == MED_OK)
			ix->synced_ns = began;
		note(ix, err);
	}
	pthread_mutex_unlock(&ix->sync);
	return err;
}

/* ---- patients who must re-enrol -------------------------------------- */

/* stale_gauge creates the gauge, labelled with the active model. */
static med_gauge *
stale_gauge(identity_index *ix)
{
	char model[sizeof(ix->f->model)], labels[sizeof(model) + 16];

	med_strlcpy(model, identity_face_model(ix->f), sizeof(model));
	med_metrics_label_safe(model);
	snprintf(labels, sizeof(labels), "model=\"%s\"", model);
	return med_metrics_gauge(
		ix->metrics, STALE_METRIC,
		"patients with face templates only of other "
		"models than the active one: they must re-enrol",
		labels);
}

/* announce logs the first count of the process, and the end of a
 * re-enrolment; never a patient id. */
static void
announce(identity_index *ix, int64_t n)
{
	const char *model = identity_face_model(ix->f);

	if (ix->last_stale < 0 && n > 0)
		med_log_warn("identity: %lld patients have face templates only "
			     "of other models than %s; they must re-enrol "
			     "(docs/operations.md, re-enrolment after a face "
			     "model change)",
			     (long long)n, model);
	else if (n == 0 && ix->last_stale != 0)
		med_log_info("identity: every patient with face templates has "
			     "one of model %s; none must re-enrol",
			     model);
	ix->last_stale = n;
}

/*
 * count_stale counts the patients who must re-enrol into the gauge, as of
 * gen or later (gen is read before the query); a count of an older gen
 * than the gauge shows is not made.  Unless now, it waits for
 * count_due_ns.  A failed count is retried by the poller.
 */
static void
count_stale(identity_index *ix, int64_t gen, bool now)
{
	int64_t n = 0, began = med_mono_ns();

	pthread_mutex_lock(&ix->count_mu);
	if (ix->metrics == NULL || gen <= ix->counted_gen ||
	    (!now && began < ix->count_due_ns)) {
		pthread_mutex_unlock(&ix->count_mu);
		return;
	}
	if (identity_templates_count_stale(ix->db, identity_face_model(ix->f),
					   &n) == MED_OK &&
	    (ix->stale != NULL || (ix->stale = stale_gauge(ix)) != NULL)) {
		med_gauge_set(ix->stale, (double)n);
		announce(ix, n);
		ix->counted_gen = gen;
	}
	ix->count_due_ns = med_mono_ns() +
			   (med_mono_ns() - began) * IDENTITY_STALE_BACKOFF;
	pthread_mutex_unlock(&ix->count_mu);
}

/* collect_templates shows the index's template count (its memory is
 * about that times the bytes per template, docs/sizing.md). */
static void
collect_templates(void *ctx)
{
	identity_index *ix = ctx;
	size_t n;

	pthread_rwlock_rdlock(&ix->lock);
	n = ix->s.n;
	pthread_rwlock_unlock(&ix->lock);
	med_gauge_set(ix->templates, (double)n);
}

void
identity_index_set_metrics(identity_index *ix, med_metrics *m)
{
	pthread_mutex_lock(&ix->count_mu);
	ix->metrics = m;
	if (m != NULL && ix->collector == NULL) {
		ix->templates = med_metrics_gauge(
			m, TEMPLATES_METRIC,
			"Face templates in this replica's in-memory index (1:N "
			"search): its memory grows with them.",
			"");
		if (ix->templates != NULL &&
		    med_metrics_collector_add(m, collect_templates, ix) ==
			    MED_OK)
			ix->collector = m;
	}
	pthread_mutex_unlock(&ix->count_mu);
}

med_err
identity_index_sync(identity_index *ix)
{
	/* The load under way reads what committed before it; what commits
	 * after comes in by the change log once it is done. */
	if (atomic_load(&ix->loading))
		return MED_OK;
	return sync_since(ix, med_mono_ns(), false);
}

med_err
identity_index_load(identity_index *ix, med_db *db, identity_face *f)
{
	med_err err;

	pthread_mutex_lock(&ix->sync);
	if (ix->db == NULL) {
		ix->db = db;
		ix->f = f;
	}
	err = load_locked(ix);
	if (err == MED_OK) {
		ix->synced_ns = ix->load_tried_ns;
		count_stale(ix, ix->gen, true);
	}
	pthread_mutex_unlock(&ix->sync);
	return err;
}

/* ---- the poller ------------------------------------------------------- */

/* wait_ms sleeps up to ms on the poller's condition; false when stopping. */
static bool
wait_ms(identity_index *ix, int64_t ms)
{
	struct timespec ts;
	bool go;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ix->mu);
	while (!ix->stopping &&
	       pthread_cond_timedwait(&ix->cv, &ix->mu, &ts) != ETIMEDOUT)
		;
	go = !ix->stopping;
	pthread_mutex_unlock(&ix->mu);
	return go;
}

/* poll_once catches up, and recounts who must re-enrol when that changed
 * the templates; a cold index retries its load only now and then, since a
 * full load decrypts every template. */
static void
poll_once(identity_index *ix)
{
	bool cold = !identity_index_is_loaded(ix);
	int64_t tried, gen;

	if (atomic_load(&ix->loading))
		return;
	pthread_mutex_lock(&ix->sync);
	tried = ix->load_tried_ns;
	pthread_mutex_unlock(&ix->sync);
	if (cold &&
	    med_mono_ns() - tried < IDENTITY_SYNC_RELOAD_RETRY_MS * 1000000LL)
		return;
	(void)sync_since(ix, med_mono_ns(), true);
	/* Counted outside ix->sync, so searches go on meanwhile. */
	pthread_mutex_lock(&ix->sync);
	gen = ix->gen;
	pthread_mutex_unlock(&ix->sync);
	count_stale(ix, gen, false);
}

static void *
poller(void *arg)
{
	identity_index *ix = arg;
	int64_t next_prune = 0;

	while (wait_ms(ix, ix->interval_ms)) {
		poll_once(ix);
		int64_t now = med_now_ms();
		uint64_t n = 0;
		if (now < next_prune)
			continue;
		next_prune = now + IDENTITY_CHANGES_PRUNE_EVERY_MS;
		if (identity_changes_prune(ix->db,
					   now - IDENTITY_CHANGES_KEEP_MS,
					   &n) == MED_OK &&
		    n > 0)
			med_log_info("identity: pruned %llu face changes",
				     (unsigned long long)n);
	}
	return NULL;
}

med_err
identity_index_watch(identity_index *ix, med_db *db, identity_face *f,
		     int64_t interval_ms)
{
	pthread_mutex_lock(&ix->sync);
	ix->db = db;
	ix->f = f;
	pthread_mutex_unlock(&ix->sync);
	if (interval_ms <= 0 || ix->polling)
		return MED_OK;
	ix->interval_ms = interval_ms;
	if (pthread_create(&ix->poller, NULL, poller, ix) != 0)
		return MED_ERR_NOMEM;
	ix->polling = true;
	return MED_OK;
}

/* ---- the first load, in the background -------------------------------- */

/* Errors a later try may not see again: the database away or busy, its
 * schema not there yet. */
static bool
load_may_pass_later(med_err err)
{
	return err == MED_ERR_UNAVAILABLE || err == MED_ERR_TIMEOUT ||
	       err == MED_ERR_CONFLICT || err == MED_ERR_PRECONDITION ||
	       err == MED_ERR_NOT_FOUND || err == MED_ERR_IO;
}

/*
 * load_first makes one try; true when the loader is done.  The load holds
 * ix->sync; the count of who must re-enrol and the report of other models'
 * templates (each a scan of the table) run after it, outside, while
 * searches go on.
 */
static bool
load_first(identity_index *ix)
{
	int64_t began = med_mono_ns(), gen = 0, other = 0;
	med_err err;

	if (identity_index_is_loaded(ix))
		return true;
	pthread_mutex_lock(&ix->sync);
	err = load_locked(ix);
	if (err == MED_OK)
		ix->synced_ns = ix->load_tried_ns;
	gen = ix->gen;
	pthread_mutex_unlock(&ix->sync);
	if (err == MED_OK) {
		atomic_store(&ix->settled, true);
		atomic_store(&ix->loading, false);
		med_log_info("identity: face index loaded: %zu templates in "
			     "%.1f s; face identification serving",
			     atomic_load(&ix->load_done),
			     (double)(med_mono_ns() - began) / 1e9);
		count_stale(ix, gen, true);
		if (identity_face_models_report(ix->db,
						identity_face_model(ix->f),
						&other) != MED_OK)
			med_log_warn("identity: could not count templates of "
				     "other face models");
		return true;
	}
	if (err == MED_ERR_CANCELLED)
		return true;
	if (!load_may_pass_later(err)) {
		med_log_error("identity: face index load failed (%s); not "
			      "retried in the background, face searches try "
			      "again on first use",
			      med_strerror(err));
		return true;
	}
	med_log_warn("identity: face index load failed (%s); retrying",
		     med_strerror(err));
	return false;
}

static void *
loader(void *arg)
{
	identity_index *ix = arg;
	int64_t backoff_ms = IDENTITY_LOAD_RETRY_MIN_MS;

	for (;;) {
		if (atomic_load(&ix->quit))
			break;
		if (ix->may_load != NULL && !ix->may_load(ix->may_load_ctx)) {
			if (!wait_ms(ix, IDENTITY_LOAD_WAIT_MS))
				break;
			continue;
		}
		if (load_first(ix)) {
			atomic_store(&ix->settled, true);
			break;
		}
		if (!wait_ms(ix, backoff_ms))
			break;
		backoff_ms = backoff_ms * 2 < IDENTITY_SYNC_RELOAD_RETRY_MS
				     ? backoff_ms * 2
				     : IDENTITY_SYNC_RELOAD_RETRY_MS;
	}
	atomic_store(&ix->loading, false);
	return NULL;
}

med_err
identity_index_load_begin(identity_index *ix, med_db *db, identity_face *f,
			  bool (*may_load)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&ix->sync);
	if (ix->db == NULL) {
		ix->db = db;
		ix->f = f;
	}
	pthread_mutex_unlock(&ix->sync);
	if (ix->loader_started)
		return MED_OK;
	ix->may_load = may_load;
	ix->may_load_ctx = ctx;
	ix->load_began_ns = med_mono_ns();
	atomic_store(&ix->loading, true);
	if (pthread_create(&ix->loader, NULL, loader, ix) != 0) {
		atomic_store(&ix->loading, false);
		return MED_ERR_NOMEM;
	}
	ix->loader_started = true;
	return MED_OK;
}

bool
identity_index_loading(identity_index *ix, identity_load_progress *p)
{
	size_t done, total;
	int64_t elapsed_ms, left_ms = IDENTITY_LOAD_RETRY_MIN_MS;

	if (!atomic_load(&ix->loading) || identity_index_is_loaded(ix))
		return false;
	done = atomic_load_explicit(&ix->load_done, memory_order_relaxed);
	total = atomic_load_explicit(&ix->load_total, memory_order_relaxed);
	elapsed_ms = (med_mono_ns() - ix->load_began_ns) / 1000000;
	/* The rest at the pace so far; until rows arrive, a short wait. */
	if (done > 0 && total > done)
		left_ms = (int64_t)((double)elapsed_ms *
				    (double)(total - done) / (double)done);
	p->done = done;
	p->total = total > done ? total : done;
	p->retry_after_s = left_ms / 1000 + 1;
	return true;
}

bool
identity_index_settled(identity_index *ix)
{
	return !ix->loader_started || atomic_load(&ix->settled) ||
	       identity_index_is_loaded(ix);
}

/* ---- searching ---------------------------------------------------------- */

static int
cmp_pid_key(const void *key, const void *id)
{
	return strcmp(key, id);
}

/* lets_through is true when filter (NULL: all) lets patient p through. */
static bool
lets_through(const identity_hit_filter *filter, const char *p)
{
	if (filter == NULL)
		return true;
	if (filter->exclude != NULL && strcmp(p, filter->exclude) == 0)
		return false;
	return !filter->limited ||
	       (filter->n_only > 0 &&
		bsearch(p, filter->only, filter->n_only, sizeof(*filter->only),
			cmp_pid_key) != NULL);
}

/*
 * collect turns template hits (best first) into at most k patients, each
 * with its best template's score, of those filter lets through; returns
 * the count.
 */
static size_t
collect(const identity_gallery_hit *t, size_t n_t, size_t k,
	const identity_hit_filter *filter, identity_hit *hits)
{
	size_t n = 0;

	for (size_t i = 0; i < n_t && n < k; i++) {
		const char *p = identity_entry_of(t[i].id)->patient;
		bool seen = !lets_through(filter, p);
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
 * searched_of counts the templates of the patients a scoped filter lets
 * through: a scoped caller is told how many of theirs were searched, not
 * how big the hospital's gallery is.  Under ix->lock.
 */
static uint64_t
searched_of(const identity_index *ix, const identity_hit_filter *filter)
{
	uint64_t n = 0;

	if (filter == NULL || !filter->limited)
		return ix->s.n;
	for (size_t i = 0; i < ix->s.n; i++)
		n += lets_through(filter, ix->s.all[i]->patient);
	return n;
}

/*
 * before_search catches up so that what committed before the call is
 * searched.  With the database away the index serves what it has (the
 * health check already says the database is away); other errors (a
 * template that does not decrypt) fail the search as a load would.
 */
static med_err
before_search(identity_index *ix)
{
	med_err err;

	if (atomic_load(&ix->loading))
		return MED_ERR_UNAVAILABLE;
	err = sync_since(ix, med_mono_ns(), true);

	if (err == MED_ERR_UNAVAILABLE || err == MED_ERR_TIMEOUT ||
	    err == MED_ERR_CONFLICT || err == MED_ERR_PRECONDITION)
		return MED_OK;
	return err;
}

/*
 * identity_index_search asks the gallery for the best m templates and folds
 * them into patients; when patients with several templates (or the
 * excluded one) leave fewer than k, it asks again for 4 times as many,
 * so the answer is the exact top k patients.
 */
med_err
identity_index_search(identity_index *ix, const float *probe, size_t k,
		      const identity_hit_filter *filter, identity_hit *hits,
		      size_t *n_hits, uint64_t *searched)
{
	identity_gallery_hit *t = NULL;
	size_t total, m, n = 0, n_t = 0;
	uint64_t scanned;
	med_err err = before_search(ix);

	if (err != MED_OK)
		return err;
	pthread_rwlock_rdlock(&ix->lock);
	total = ix->s.n;
	scanned = searched_of(ix, filter);
	m = k * 2 < 16 ? 16 : k * 2;
	/* Nobody to find: the gallery is not asked at all. */
	while (k > 0 && total > 0 && scanned > 0 && err == MED_OK) {
		m = m < total ? m : total;
		identity_gallery_hit *nt = realloc(t, m * sizeof(*t));
		if (nt == NULL) {
			err = MED_ERR_NOMEM;
			break;
		}
		t = nt;
		err = identity_gallery_search(ix->s.g, probe, 1, ix->dim, m, t,
					      &n_t);
		if (err == MED_OK)
			n = collect(t, n_t, k, filter, hits);
		if (n == k || m == total)
			break;
		m *= 4;
	}
	pthread_rwlock_unlock(&ix->lock);
	free(t);
	if (err != MED_OK)
		return err == MED_ERR_INVALID ? MED_ERR_INTERNAL : err;
	*searched = scanned;
	*n_hits = n;
	return MED_OK;
}
