/*
 * watch.c - watching the face in use (docs/face.md, "Watching it in
 * use"): where VerifyFace scores fall around the threshold, and what the
 * bedside's next step says about the face's answer.  A face NO_MATCH or
 * RETAKE followed, at the same terminal and for the same patient within
 * IDENTITY_WATCH_WINDOW_MS, by stated identifiers that confirm the
 * wristband's patient is a likely false non-match; a face MATCH followed
 * there by stated identifiers that do not confirm is a possible false
 * match.  The last face answer per terminal and patient is kept in
 * face_watch (shared by every replica) with the camera that took the
 * photograph; the counters are labelled by terminal and camera, never by
 * patient, and at most IDENTITY_WATCH_TERMINALS distinct terminals and as
 * many distinct cameras per process get a label of their own.
 */
#include <med/db.h>
#include <med/log.h>
#include <med/metrics.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "face_internal.h"

/* How long after a face answer the stated check is taken as its
 * follow-up: a bedside round, not the next medicine round. */
#define IDENTITY_WATCH_WINDOW_MS (15 * 60 * 1000)
/* Distinct terminal labels per process; the rest count as "other". */
#define IDENTITY_WATCH_TERMINALS 64

static const double margin_bounds[] = {-0.1,  -0.05, -0.02, -0.01, -0.005, 0.0,
				       0.005, 0.01,  0.02,  0.05,  0.1};

/* The label values a process has handed out, per label: a bounded set,
 * so that a fleet of terminals or cameras cannot grow the series without
 * end. */
typedef struct label_set {
	pthread_mutex_t mu;
	char seen[IDENTITY_WATCH_TERMINALS][MED_VTOKEN_STR_MAX + 1];
	size_t n;
} label_set;

static label_set terminals = {.mu = PTHREAD_MUTEX_INITIALIZER};
static label_set cameras = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* bounded_label writes the label value for v: itself (made label-safe)
 * while fewer than IDENTITY_WATCH_TERMINALS are known in set,
 * "unspecified" when empty, "other" beyond the cap. */
static void
bounded_label(label_set *set, const char *v, char *out, size_t cap)
{
	size_t i;

	snprintf(out, cap, "%s", v[0] ? v : "unspecified");
	med_metrics_label_safe(out);
	pthread_mutex_lock(&set->mu);
	for (i = 0; i < set->n; i++)
		if (strcmp(set->seen[i], out) == 0)
			break;
	if (i == set->n && set->n < IDENTITY_WATCH_TERMINALS)
		med_strlcpy(set->seen[set->n++], out, sizeof(set->seen[0]));
	else if (i == set->n)
		snprintf(out, cap, "%s", "other");
	pthread_mutex_unlock(&set->mu);
}

static med_histogram *
margin_histogram(med_metrics *m, const char *decision)
{
	char labels[40];

	snprintf(labels, sizeof(labels), "decision=\"%s\"", decision);
	return med_metrics_histogram_bounds(
		m, "smartmed_face_verify_score_margin",
		"VerifyFace score minus the threshold (MED_FACE_THRESHOLD) of "
		"each decided photograph, by decision: how many scores fall "
		"near the threshold.",
		labels, margin_bounds,
		sizeof(margin_bounds) / sizeof(margin_bounds[0]));
}

/* where_counter is name{camera, terminal} or, with decision,
 * name{camera, decision, terminal}. */
static med_counter *
where_counter(med_metrics *m, const char *name, const char *help,
	      const identity_watch_where *w, const char *decision)
{
	char term[MED_VTOKEN_STR_MAX + 1], cam[MED_VTOKEN_STR_MAX + 1];
	char labels[2 * MED_VTOKEN_STR_MAX + 64];

	bounded_label(&terminals, w->terminal, term, sizeof(term));
	bounded_label(&cameras, w->camera, cam, sizeof(cam));
	if (decision != NULL)
		snprintf(labels, sizeof(labels),
			 "camera=\"%s\",decision=\"%s\",terminal=\"%s\"", cam,
			 decision, term);
	else
		snprintf(labels, sizeof(labels),
			 "camera=\"%s\",terminal=\"%s\"", cam, term);
	return med_metrics_counter(m, name, help, labels);
}

#define FNM_NAME "smartmed_face_likely_false_nonmatch_total"
#define FNM_HELP                                                               \
	"Face NO_MATCH or RETAKE followed at the same terminal, for the same " \
	"patient, by stated identifiers that confirmed the wristband's "       \
	"patient: likely false non-matches, by terminal and camera."
#define FM_NAME "smartmed_face_possible_false_match_total"
#define FM_HELP                                                                \
	"Face MATCH followed at the same terminal, for the same patient, by "  \
	"stated identifiers that did not confirm the wristband's patient: "    \
	"possible false matches, by terminal and camera."
#define VERIFIED_NAME "smartmed_face_verify_decisions_total"
#define VERIFIED_HELP                                                          \
	"VerifyFace photographs decided (match, no_match, retake) by "         \
	"terminal and camera: the denominator of their false non-match rate."

void
identity_watch_metrics(med_metrics *m)
{
	static const identity_watch_where none = {"", ""};

	/* Every family at 0 from start-up, so the dashboard shows 0 and
	 * increase() sees the first event. */
	margin_histogram(m, "match");
	margin_histogram(m, "no_match");
	margin_histogram(m, "retake");
	where_counter(m, FNM_NAME, FNM_HELP, &none, NULL);
	where_counter(m, FM_NAME, FM_HELP, &none, NULL);
	where_counter(m, VERIFIED_NAME, VERIFIED_HELP, &none, "match");
	where_counter(m, VERIFIED_NAME, VERIFIED_HELP, &none, "no_match");
	where_counter(m, VERIFIED_NAME, VERIFIED_HELP, &none, "retake");
}

typedef struct watch_tx {
	const identity_watch_where *w;
	const char *patient_id;
	const char *outcome;
	int64_t now_ms;
	char seen[16];
	char camera[MED_VTOKEN_STR_MAX + 1];
} watch_tx;

static med_err
record_body(med_db_conn *c, void *arg)
{
	watch_tx *x = arg;
	med_db_value old = MED_DB_I64(x->now_ms - IDENTITY_WATCH_WINDOW_MS);
	med_db_value row[5] = {MED_DB_STR(x->w->terminal),
			       MED_DB_STR(x->patient_id),
			       MED_DB_STR(x->outcome), MED_DB_I64(x->now_ms),
			       MED_DB_STR(x->w->camera)};
	med_err err = med_db_exec(c, "DELETE FROM face_watch WHERE at_ms < ?",
				  &old, 1, NULL, NULL);

	if (err != MED_OK)
		return err;
	return med_db_exec(c,
			   "REPLACE INTO face_watch (terminal, patient_id,"
			   " outcome, at_ms, camera) VALUES (?, ?, ?, ?, ?)",
			   row, 5, NULL, NULL);
}

void
identity_watch_face(med_db *db, med_metrics *m, const identity_watch_where *w,
		    const char *patient_id, const char *outcome, double margin)
{
	watch_tx x = {.w = w,
		      .patient_id = patient_id,
		      .outcome = outcome,
		      .now_ms = med_now_ms()};

	med_histogram_observe(margin_histogram(m, outcome), margin);
	med_counter_add(
		where_counter(m, VERIFIED_NAME, VERIFIED_HELP, w, outcome), 1);
	/* The follow-up series of the terminal and camera exist at 0
	 * before a stated check can move them: increase() then sees its
	 * first one. */
	where_counter(m, FNM_NAME, FNM_HELP, w, NULL);
	where_counter(m, FM_NAME, FM_HELP, w, NULL);
	/* The watch is a figure, not a safety check: a row that cannot be
	 * written loses one follow-up, never the patient's answer. */
	if (med_db_tx(db, record_body, &x) != MED_OK)
		med_log_warn("identity: the face answer could not be kept for "
			     "the false-match figures");
}

static med_err
on_outcome(void *ctx, const med_db_row *row)
{
	watch_tx *x = ctx;
	const char *s = med_db_row_text(row, 0, NULL);
	const char *cam = med_db_row_text(row, 1, NULL);

	med_strlcpy(x->seen, s ? s : "", sizeof(x->seen));
	med_strlcpy(x->camera, cam ? cam : "", sizeof(x->camera));
	return MED_OK;
}

/* take_body reads and removes the face answer the stated check follows:
 * each face answer is followed up once. */
static med_err
take_body(med_db_conn *c, void *arg)
{
	watch_tx *x = arg;
	med_db_value key[3] = {
		MED_DB_STR(x->w->terminal), MED_DB_STR(x->patient_id),
		MED_DB_I64(x->now_ms - IDENTITY_WATCH_WINDOW_MS)};
	med_err err;

	x->seen[0] = '\0';
	err = med_db_query(c,
			   "SELECT outcome, camera FROM face_watch"
			   " WHERE terminal = ? AND patient_id = ?"
			   " AND at_ms >= ? FOR UPDATE",
			   key, 3, on_outcome, x);
	if (err != MED_OK || x->seen[0] == '\0')
		return err;
	return med_db_exec(c,
			   "DELETE FROM face_watch WHERE terminal = ?"
			   " AND patient_id = ?",
			   key, 2, NULL, NULL);
}

void
identity_watch_stated(med_db *db, med_metrics *m, const char *terminal,
		      const char *patient_id, bool confirmed)
{
	identity_watch_where at = {terminal, ""};
	watch_tx x = {
		.w = &at, .patient_id = patient_id, .now_ms = med_now_ms()};

	if (med_db_tx(db, take_body, &x) != MED_OK) {
		med_log_warn("identity: the face answer a stated check "
			     "follows could not be read");
		return;
	}
	if (x.seen[0] == '\0')
		return;
	/* The camera is the face answer's: the stated check used none. */
	at.camera = x.camera;
	if (confirmed && strcmp(x.seen, "match") != 0)
		med_counter_add(where_counter(m, FNM_NAME, FNM_HELP, &at, NULL),
				1);
	else if (!confirmed && strcmp(x.seen, "match") == 0)
		med_counter_add(where_counter(m, FM_NAME, FM_HELP, &at, NULL),
				1);
}
