/*
 * stow_retry.c - write-backs that failed for a passing reason tried again
 * until the PACS stores them.  The state is on the finding's row
 * (pacs_writeback PENDING, writeback_attempts, writeback_next_ms), so a
 * restart loses nothing: the retrier's first poll finds what was due.
 *
 * A finding is claimed before its attempt by moving writeback_next_ms a
 * lease ahead in one conditional UPDATE: of several replicas (or an
 * analysing call still inside its own attempt) only one attempts at a
 * time.  The Secondary Capture's UIDs derive from the finding id, so even
 * an attempt whose reply was lost (stored, then the connection dropped)
 * and that is made again leaves the PACS with one instance.
 */
#include <med/arena.h>
#include <med/auth.h>
#include <med/log.h>
#include <med/util.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diagnosis.h"

#define RETRY_BATCH	  8
#define RETRY_ARENA	  (64u << 20)
#define RETRY_POLL_MAX_MS 2000
#define PENDING		  SMARTMED__DIAGNOSIS__V1__PACS_WRITEBACK__PACS_WRITEBACK_PENDING

/* retrier - the thread and what it needs. */
typedef struct retrier {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	med_service *svc;
	med_db *db;
	diagnosis_pacs pacs;
	int64_t poll_ms;
} retrier;

/* due - the ids of the findings whose attempt is due. */
typedef struct due {
	char ids[RETRY_BATCH][64];
	size_t n;
} due;

static retrier *g_retrier;

/* take_id keeps one due finding's id (a med_db_row_fn). */
static med_err
take_id(void *ctx, const med_db_row *row)
{
	due *d = ctx;
	const char *id = med_db_row_text(row, 0, NULL);

	if (id != NULL && d->n < RETRY_BATCH)
		med_strlcpy(d->ids[d->n++], id, sizeof(d->ids[0]));
	return MED_OK;
}

/* claim moves the finding's next attempt a lease ahead if it is still
 * PENDING and due; true when this retrier got it. */
static bool
claim(retrier *r, const char *id, int64_t now)
{
	med_db_value v[] = {
		MED_DB_I64(now + diagnosis_stow_lease_ms(&r->pacs)),
		MED_DB_STR(id),
		MED_DB_I64(PENDING),
		MED_DB_I64(now),
	};
	uint64_t affected = 0;

	if (med_db_exec_once(r->db,
			     "UPDATE findings SET writeback_next_ms = ?"
			     " WHERE finding_id = ? AND pacs_writeback = ?"
			     " AND writeback_next_ms <= ?",
			     v, 4, &affected, NULL) != MED_OK)
		return false;
	return affected == 1;
}

/* load_ctx - a finding read with its overlay. */
typedef struct load_ctx {
	med_arena *arena;
	const char *id;
	diagnosis_finding *f;
} load_ctx;

static med_err
load_in_tx(med_db_conn *c, void *ctx)
{
	load_ctx *l = ctx;
	med_err err =
		diagnosis_store_finding_get(c, l->arena, l->id, false, &l->f);

	if (err != MED_OK)
		return err;
	if ((err = diagnosis_store_finding_overlay(c, l->arena, l->f)) !=
	    MED_OK)
		return err;
	l->f->has_overlay = l->f->overlay_png.len > 0;
	return MED_OK;
}

/* source is the analysed image the finding names. */
static void
source(const diagnosis_finding *f, diagnosis_dicom_image *src)
{
	memset(src, 0, sizeof(*src));
	med_strlcpy(src->study_uid, f->study_instance_uid,
		    sizeof(src->study_uid));
	med_strlcpy(src->series_uid, f->series_instance_uid,
		    sizeof(src->series_uid));
	med_strlcpy(src->sop_uid, f->sop_instance_uid, sizeof(src->sop_uid));
}

/* attempt makes one attempt of a claimed finding as the service. */
static void
attempt(retrier *r, med_arena *a, const char *id)
{
	load_ctx l = {.arena = a, .id = id};
	diagnosis_dicom_image src;
	diagnosis_stow_job job = {
		.arena = a,
		.svc = r->svc,
		.db = r->db,
		.actor = "diagnosis",
		.roles = MED_ROLE_SERVICE,
		.trigger = "retry",
	};
	med_err err = med_db_tx(r->db, load_in_tx, &l);

	if (err != MED_OK) {
		med_log_warn("pacs write-back retry of finding %s: cannot read "
			     "it (%s); tried again later",
			     id, med_strerror(err));
		return;
	}
	if (l.f->pacs_writeback != PENDING)
		return; /* recorded meanwhile */
	source(l.f, &src);
	diagnosis_stow_run(&job, &r->pacs, &src, l.f);
}

/* poll attempts every due finding, a batch at a time. */
static void
poll_due(retrier *r, med_arena *a)
{
	int64_t now = med_now_ms();
	due d = {.n = 0};
	med_db_value v[] = {MED_DB_I64(PENDING), MED_DB_I64(now),
			    MED_DB_I64(RETRY_BATCH)};

	if (med_db_query_once(r->db,
			      "SELECT finding_id FROM findings"
			      " WHERE pacs_writeback = ? AND"
			      " writeback_next_ms <= ?"
			      " ORDER BY writeback_next_ms LIMIT ?",
			      v, 3, take_id, &d) != MED_OK)
		return;
	for (size_t i = 0; i < d.n; i++) {
		if (!claim(r, d.ids[i], now))
			continue;
		attempt(r, a, d.ids[i]);
		med_arena_reset(a);
	}
}

/* wait_poll sleeps poll_ms or until stopped; false when stopped. */
static bool
wait_poll(retrier *r)
{
	struct timespec until;
	bool go;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += r->poll_ms / 1000;
	until.tv_nsec += (r->poll_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0)
		;
	go = !r->stop;
	pthread_mutex_unlock(&r->mu);
	return go;
}

static void *
retry_main(void *arg)
{
	retrier *r = arg;
	med_arena *a = med_arena_new(RETRY_ARENA);

	if (a == NULL) {
		med_log_error("pacs write-back retry: no memory; not retried");
		return NULL;
	}
	while (wait_poll(r))
		poll_due(r, a);
	med_arena_free(a);
	return NULL;
}

med_err
diagnosis_stow_retry_start(med_service *svc)
{
	const diagnosis_pacs *p = diagnosis_model_pacs(svc);
	retrier *r;

	if (p == NULL || !p->writeback || p->url[0] == '\0')
		return MED_OK;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MED_ERR_NOMEM;
	r->svc = svc;
	r->db = med_service_db(svc);
	r->pacs = *p;
	r->poll_ms = p->retry_ms < RETRY_POLL_MAX_MS ? p->retry_ms
						     : RETRY_POLL_MAX_MS;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, retry_main, r) != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return MED_ERR_NOMEM;
	}
	med_log_info("pacs write-back: PENDING write-backs retried after "
		     "%lld ms, doubling up to %lld ms",
		     (long long)p->retry_ms, (long long)p->retry_max_ms);
	g_retrier = r;
	return MED_OK;
}

void
diagnosis_stow_retry_stop(void)
{
	retrier *r = g_retrier;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
	g_retrier = NULL;
}
