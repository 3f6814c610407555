/*
 * gapsweep.c - the holes a read must name, without counting the whole log
 * on every read.
 *
 * seq is dense, so a deleted row leaves a hole, and a read names the holes
 * in the positions it covered (readcheck.c).  Counting those positions is
 * O(positions): a Query by patient that returns fewer records than its
 * limit covered the whole log, and at 10 M leaves its count took 3.4 s
 * (docs/sizing.md, "Audit at 1 M-1 B leaves").  So the log is cut into
 * chunks of MED_AUDIT_GAP_CHUNK_ROWS positions, and a sweep thread counts
 * each whole chunk, keeping in memory when it last found it whole, and
 * counts it again once that count is half MED_AUDIT_GAP_RECOUNT_S old.  A
 * read counts live every position outside the chunks found whole within
 * MED_AUDIT_GAP_RECOUNT_S: the tail (at most a chunk, so a row deleted
 * from recent entries is named at once), chunks not counted yet (after a
 * start), chunks with holes.  A row deleted from a chunk just counted is
 * named by the sweep's next count of it (an integrity failure, as a
 * read's) and by every read after that.  The counts live in this
 * process, and are also kept in gap_counts under a MAC of the leaf key
 * (gapkeep.c), so that a restart need not count the whole log again
 * before reads may trust it: the store can drop a kept count but not
 * forge one.
 * MED_AUDIT_GAP_RECOUNT_S=0 turns the sweep off: every read counts every
 * position it covered, as before.
 */
#include <med/log.h>
#include <med/util.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_svc.h"

/* How long the sweep waits, at most, before it looks for chunks the log
 * has completed since (one read of tree_state). */
#define SWEEP_POLL_MS 2000
/* How soon it looks again when the schema is not whole or the db away. */
#define SWEEP_RETRY_MS 1000

static int64_t
mono_ms(void)
{
	return med_mono_ns() / 1000000;
}

/* chunk_fresh: chunk k was found whole by a count that began within the
 * recount window (mu). */
static bool
chunk_fresh(const audit_gap_sweep *s, uint64_t k, int64_t now)
{
	return k < s->n_chunks && s->chunks[k].counted_ms != 0 &&
	       now - s->chunks[k].counted_ms < s->recount_ms;
}

/*
 * trusted_end moves pos (lo of a range (pos, hi]) over the positions after
 * it that lie in chunks the sweep found whole within the window.
 */
static uint64_t
trusted_end(const audit_gap_sweep *s, uint64_t pos, uint64_t hi, int64_t now)
{
	while (pos < hi && chunk_fresh(s, pos / s->chunk_rows, now)) {
		uint64_t top = (pos / s->chunk_rows + 1) * s->chunk_rows;
		pos = top < hi ? top : hi;
	}
	return pos;
}

/* untrusted_end: where the run of positions after pos that must be
 * counted live ends (at hi, or where a chunk counted within the window
 * begins). */
static uint64_t
untrusted_end(const audit_gap_sweep *s, uint64_t pos, uint64_t hi, int64_t now)
{
	uint64_t c = s->chunk_rows;

	for (;;) {
		uint64_t next = (pos / c + 1) * c;
		if (next >= hi)
			return hi;
		pos = next;
		if (chunk_fresh(s, pos / c, now))
			return pos;
	}
}

med_err
audit_gaps_find(audit_state *st, med_db_conn *c, med_arena *arena, uint64_t lo,
		uint64_t hi, audit_gap **out, size_t *n)
{
	audit_gap_sweep *s = &st->sweep;
	audit_gaps g = {.arena = arena};
	uint64_t pos = lo, counted = 0;
	med_err err = MED_OK;

	*out = NULL;
	*n = 0;
	while (err == MED_OK && pos < hi && g.n < AUDIT_GAPS_MAX) {
		int64_t now = mono_ms();
		uint64_t end = hi;

		pthread_mutex_lock(&s->mu);
		if (s->recount_ms > 0)
			pos = trusted_end(s, pos, hi, now);
		if (s->recount_ms > 0 && pos < hi)
			end = untrusted_end(s, pos, hi, now);
		pthread_mutex_unlock(&s->mu);
		if (pos >= hi)
			break;
		err = audit_gaps_count(c, &g, pos, end);
		counted += end - pos;
		pos = end;
	}
	med_counter_add(s->read_rows, counted);
	*out = g.gaps;
	*n = g.n;
	return err;
}

/* --- the sweep ------------------------------------------------------------ */

typedef struct sweep_tx {
	uint64_t lo, hi;
	audit_gaps g;
} sweep_tx;

static med_err
sweep_tx_fn(med_db_conn *c, void *arg)
{
	sweep_tx *t = arg;

	t->g.n = 0;
	t->g.gaps = NULL;
	return audit_gaps_count(c, &t->g, t->lo, t->hi);
}

/* whole_chunks reads how many whole chunks the log has (*n) and makes
 * room for them in the sweep's table. */
static med_err
whole_chunks(audit_state *st, uint64_t *n)
{
	audit_gap_sweep *s = &st->sweep;
	med_db_conn *c = NULL;
	uint64_t size = 0;
	med_err err = med_db_acquire(med_service_db(st->svc), &c);

	if (err != MED_OK)
		return err;
	err = audit_tree_size(c, false, &size);
	med_db_release(c);
	if (err != MED_OK)
		return err;
	*n = size / s->chunk_rows;
	pthread_mutex_lock(&s->mu);
	if (*n > s->cap) {
		size_t cap = (size_t)*n + (size_t)*n / 2 + 16;
		audit_gap_chunk *more = realloc(s->chunks, cap * sizeof(*more));
		if (more == NULL)
			err = MED_ERR_NOMEM;
		else {
			memset(more + s->cap, 0,
			       (cap - s->cap) * sizeof(*more));
			s->chunks = more;
			s->cap = cap;
		}
	}
	if (err == MED_OK && *n > s->n_chunks)
		s->n_chunks = (size_t)*n;
	pthread_mutex_unlock(&s->mu);
	return err;
}

/*
 * sweep_count counts chunk k.  The time is taken before the count's
 * snapshot begins, so a row deleted before it cannot pass as counted.  A
 * chunk with holes is not trusted: reads count it live and name them.
 */
static med_err
sweep_count(audit_state *st, med_arena *arena, uint64_t k)
{
	audit_gap_sweep *s = &st->sweep;
	sweep_tx t = {
		k * s->chunk_rows, (k + 1) * s->chunk_rows, {.arena = arena}};
	int64_t began = mono_ms(), began_wall = med_now_ms();
	med_err err;

	med_arena_reset(arena);
	err = med_db_tx(med_service_db(st->svc), sweep_tx_fn, &t);
	if (err != MED_OK)
		return err;
	med_counter_add(s->sweep_rows, s->chunk_rows);
	pthread_mutex_lock(&s->mu);
	s->chunks[k] = t.g.n > 0 ? (audit_gap_chunk){0, began}
				 : (audit_gap_chunk){began, 0};
	pthread_mutex_unlock(&s->mu);
	audit_gap_keep(st, k, began_wall, t.g.n == 0);
	/* Reported (once per distinct hole), then the sweep goes on. */
	if (t.g.n > 0)
		(void)audit_integrity_fail(
			st,
			"events: seq %" PRIu64 "..%" PRIu64
			" are missing (found by the gap sweep)",
			t.g.gaps[0].first, t.g.gaps[0].last);
	return MED_OK;
}

static bool
sweep_should_stop(audit_state *st)
{
	bool stop;

	pthread_mutex_lock(&st->sweep.mu);
	stop = st->sweep.stop;
	pthread_mutex_unlock(&st->sweep.mu);
	return stop;
}

/*
 * sweep_one counts chunk k when its count is half the window old (or was
 * never made); *next_ms: how soon it comes due.
 */
static med_err
sweep_one(audit_state *st, med_arena *arena, uint64_t k, int64_t *next_ms)
{
	audit_gap_sweep *s = &st->sweep;
	int64_t due = s->recount_ms / 2, age;
	audit_gap_chunk was;

	pthread_mutex_lock(&s->mu);
	was = s->chunks[k];
	pthread_mutex_unlock(&s->mu);
	age = was.counted_ms == 0 ? INT64_MAX : mono_ms() - was.counted_ms;
	/* A chunk with holes is counted again as often as a whole one. */
	if (was.counted_ms == 0 && was.holes_ms != 0)
		age = mono_ms() - was.holes_ms;
	*next_ms = age >= due ? due : due - age;
	return age >= due ? sweep_count(st, arena, k) : MED_OK;
}

/* stale_gauge sets how many whole chunks reads must count live now. */
static void
stale_gauge(audit_gap_sweep *s, uint64_t whole)
{
	uint64_t stale = 0;
	int64_t now;

	pthread_mutex_lock(&s->mu);
	now = mono_ms();
	for (uint64_t k = 0; k < whole; k++)
		stale += !chunk_fresh(s, k, now);
	pthread_mutex_unlock(&s->mu);
	med_gauge_set(s->stale_chunks, (double)stale);
}

/*
 * sweep_pass counts every whole chunk that is due, oldest positions first,
 * and says when it should look again (*wait_ms).
 */
static med_err
sweep_pass(audit_state *st, med_arena *arena, int64_t *wait_ms)
{
	audit_gap_sweep *s = &st->sweep;
	uint64_t n = 0;
	int64_t next = SWEEP_POLL_MS;
	med_err err = whole_chunks(st, &n);

	for (uint64_t k = 0; err == MED_OK && k < n; k++) {
		int64_t due_ms = next;
		if (sweep_should_stop(st))
			break;
		err = sweep_one(st, arena, k, &due_ms);
		if (due_ms < next)
			next = due_ms;
	}
	stale_gauge(s, n);
	*wait_ms = next;
	return err;
}

/* sweep_resume takes back, once after a start, the whole counts kept by
 * this service's earlier runs (gapkeep.c). */
static med_err
sweep_resume(audit_state *st)
{
	uint64_t n = 0;
	med_err err = whole_chunks(st, &n);

	return err == MED_OK ? audit_gap_load(st, n, mono_ms()) : err;
}

/* The arena of one chunk's count: the holes it names, nothing else. */
#define SWEEP_ARENA_BYTES (AUDIT_GAPS_MAX * sizeof(audit_gap) + 1024)

static void *
sweep_main(void *arg)
{
	audit_state *st = arg;
	audit_gap_sweep *s = &st->sweep;
	struct med_wait w = {&s->mu, &s->cv, &s->stop};
	med_arena *arena = med_arena_new(SWEEP_ARENA_BYTES);
	med_err last_err = MED_OK;
	int64_t wait_ms = SWEEP_RETRY_MS;
	bool resumed = false;

	do {
		med_err err = MED_OK;
		if (arena == NULL)
			err = MED_ERR_NOMEM;
		else if (med_service_migrated(st->svc)) {
			if (!resumed && (err = sweep_resume(st)) == MED_OK)
				resumed = true;
			if (err == MED_OK)
				err = sweep_pass(st, arena, &wait_ms);
		} else
			wait_ms = SWEEP_RETRY_MS;
		/* Logged once, not every pass while the db is away. */
		if (err != MED_OK && err != last_err)
			med_log_warn("audit: the gap sweep cannot count the "
				     "log: %s",
				     med_strerror(err));
		if (err != MED_OK)
			wait_ms = SWEEP_RETRY_MS;
		last_err = err;
	} while (med_wait_unless_stopped(&w, wait_ms < 1 ? 1 : wait_ms));
	med_arena_free(arena);
	return NULL;
}

static void
sweep_metrics_init(audit_state *st)
{
	static const char rows[] = "smartmed_audit_gap_rows_counted_total";
	static const char help[] =
		"Log positions counted to find holes, by who counted them: a "
		"read (live) or the gap sweep";
	med_metrics *m = med_service_metrics(st->svc);

	st->sweep.read_rows = med_metrics_counter(m, rows, help, "by=\"read\"");
	st->sweep.sweep_rows =
		med_metrics_counter(m, rows, help, "by=\"sweep\"");
	st->sweep.stale_chunks = med_metrics_gauge(
		m, "smartmed_audit_gap_chunks_stale",
		"Whole chunks of the log not found whole within "
		"MED_AUDIT_GAP_RECOUNT_S (reads count them live), after the "
		"gap sweep's last pass",
		"");
}

med_err
audit_gap_sweep_start(audit_state *st)
{
	audit_gap_sweep *s = &st->sweep;
	const med_config *c = med_service_config(st->svc);

	s->chunk_rows = (uint64_t)med_config_int(c, "MED_AUDIT_GAP_CHUNK_ROWS");
	s->recount_ms = med_config_int(c, "MED_AUDIT_GAP_RECOUNT_S") * 1000;
	sweep_metrics_init(st);
	if (s->recount_ms == 0)
		return MED_OK;
	if (pthread_create(&s->thread, NULL, sweep_main, st) != 0)
		return MED_ERR_NOMEM;
	s->started = true;
	return MED_OK;
}

void
audit_gap_sweep_stop(audit_state *st)
{
	audit_gap_sweep *s = &st->sweep;

	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		s->started = false;
	}
	free(s->chunks);
	s->chunks = NULL;
	s->n_chunks = s->cap = 0;
}
