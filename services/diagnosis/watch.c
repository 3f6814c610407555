/*
 * watch.c - requested chest X-ray studies analysed as they arrive
 * (MED_DIAGNOSIS_PACS_WATCH=on): a thread reads the pending requests of
 * pacs_requests (watch_request.c) every MED_DIAGNOSIS_PACS_WATCH_POLL_MS,
 * oldest first, and hands each to watch_study.c, which asks the PACS for
 * that one study by its UID.  The watcher never lists the PACS: a study
 * nobody requested is never read, so a study stored for a patient never
 * becomes a finding by itself.  A request is closed in the database once
 * settled, so a restart neither misses a study nor analyses one twice
 * (and the analysis carries a request id made from the study, which
 * AnalyzeStudy's idempotent-write log answers a second time without a
 * second finding).
 */
#include <med/audit.h>
#include <med/auth.h>
#include <med/log.h>
#include <med/util.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch.h"

/* The change feed's place, one row per PACS: migration 30's table, read
 * by no version since the watcher stopped reading the feed (issue 74). */
const char *const diagnosis_v30_statements[] = {
	"CREATE TABLE IF NOT EXISTS pacs_watch ("
	" feed VARBINARY(512) NOT NULL PRIMARY KEY,"
	" last_seq BIGINT NOT NULL,"
	" updated_ms BIGINT NOT NULL"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

/* The settings: MED_DIAGNOSIS_PACS_WATCH* in settings.c. */

static diagnosis_watch *g_watch;

/* --- one poll ---------------------------------------------------------- */

/* poll_state logs (and audits, once) the requests becoming unreadable or
 * readable again. */
static void
poll_state(diagnosis_watch *w, bool down)
{
	med_audit_event ev = {.action = WATCH_ACTION,
			      .actor = WATCH_ACTOR,
			      .actor_roles = MED_ROLE_SERVICE,
			      .resource = "pacs_requests",
			      .outcome = MED_GRPC_UNAVAILABLE,
			      .detail = "the requested studies cannot be read "
					"(database unavailable)"};

	if (down)
		med_counter_add(w->poll_errors, 1);
	if (down == w->down)
		return;
	w->down = down;
	if (!down) {
		med_log_info("pacs watch: the requested studies are read "
			     "again");
		return;
	}
	med_log_warn("pacs watch: %s", ev.detail);
	if (w->audit != NULL && med_audit_emit(w->audit, &ev) != MED_OK)
		med_log_error("pacs watch: the audit spool refused an event");
}

/* poll_once tries each pending request once, oldest first; *more when a
 * whole batch was settled and another may wait. */
static void
poll_once(diagnosis_watch *w, bool *more)
{
	size_t settled = 0;

	*more = false;
	if (watch_pending_load(w, &w->pending) != MED_OK) {
		poll_state(w, true);
		return;
	}
	poll_state(w, false);
	for (size_t i = 0; i < w->pending.n; i++) {
		med_counter_add(w->seen, 1);
		if (watch_study(w, &w->pending.req[i]) != WATCH_PENDING)
			settled++;
	}
	*more = w->pending.n == w->batch && settled == w->pending.n;
}

/* --- the thread -------------------------------------------------------- */

/* wait_ms sleeps until the next poll or stop; true when stopping. */
static bool
wait_ms(diagnosis_watch *w, int64_t ms)
{
	struct med_wait wait = {
		.mu = &w->mu, .cv = &w->cv, .stopping = &w->stop};

	return !med_wait_unless_stopped(&wait, ms);
}

static void *
watch_main(void *arg)
{
	diagnosis_watch *w = arg;
	bool more = false;

	/* The first poll waits one interval: the gRPC server this thread
	 * calls starts after the service's start hook. */
	while (!wait_ms(w, more ? 0 : w->every_ms))
		poll_once(w, &more);
	return NULL;
}

/* open_self opens a mutual-TLS channel to this service's own gRPC port,
 * checked against its own name: the analysis is AnalyzeStudy's. */
static med_err
open_self(const med_config *cfg, med_channel **out)
{
	char target[64];

	snprintf(target, sizeof(target), "127.0.0.1:%lld",
		 (long long)med_config_int(cfg, "MED_GRPC_PORT"));
	return med_channel_dial(
		cfg, target,
		med_config_str(cfg, "MED_DIAGNOSIS_PACS_WATCH_SERVER_NAME"),
		"pacs watch", out);
}

static void
make_metrics(diagnosis_watch *w, med_metrics *m)
{
	static const char name[] =
		"smartmed_diagnosis_pacs_watch_studies_total";
	static const char help[] =
		"Requested studies tried by the PACS watcher, by what became "
		"of them (seen: every try; analysed; refused: AnalyzeStudy's "
		"refusal or given up)";

	w->seen = med_metrics_counter(m, name, help, "outcome=\"seen\"");
	w->analysed =
		med_metrics_counter(m, name, help, "outcome=\"analysed\"");
	w->refused = med_metrics_counter(m, name, help, "outcome=\"refused\"");
	w->poll_errors = med_metrics_counter(
		m, "smartmed_diagnosis_pacs_watch_poll_errors_total",
		"Polls whose requested studies could not be read", "");
}

/* watch_init fills a watcher from the settings. */
static med_err
watch_init(diagnosis_watch *w, med_service *svc)
{
	const med_config *cfg = med_service_config(svc);
	const diagnosis_pacs *pacs = diagnosis_model_pacs(svc);
	const char *id_url;

	if (pacs == NULL || pacs->url[0] == '\0') {
		med_log_error("pacs watch: MED_DIAGNOSIS_PACS_URL is not set");
		return MED_ERR_INVALID;
	}
	w->pacs = *pacs;
	w->db = med_service_db(svc);
	w->audit = med_service_audit(svc);
	w->every_ms = med_config_int(cfg, "MED_DIAGNOSIS_PACS_WATCH_POLL_MS");
	w->batch =
		(uint32_t)med_config_int(cfg, "MED_DIAGNOSIS_PACS_WATCH_BATCH");
	make_metrics(w, med_service_metrics(svc));
	/* AnalyzeStudy matches a study to its patient by identity's MRN. */
	id_url = med_config_str(cfg, "MED_IDENTITY_URL");
	if (id_url == NULL || id_url[0] == '\0') {
		med_log_error("pacs watch: MED_IDENTITY_URL is not set: no "
			      "study can be matched to a patient");
		return MED_ERR_INVALID;
	}
	return open_self(cfg, &w->self);
}

static void
watch_free(diagnosis_watch *w)
{
	med_channel_close(w->self);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static med_err
watch_start(med_service *svc)
{
	const med_config *cfg = med_service_config(svc);
	diagnosis_watch *w;
	med_err err;

	if (!med_config_bool(cfg, "MED_DIAGNOSIS_PACS_WATCH"))
		return MED_OK;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return MED_ERR_NOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((err = watch_init(w, svc)) != MED_OK)
		goto fail;
	err = MED_ERR_NOMEM;
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0)
		goto fail;
	med_log_info("pacs watch: requested studies every %lld ms",
		     (long long)w->every_ms);
	g_watch = w;
	return MED_OK;
fail:
	watch_free(w);
	return err;
}

static void
watch_stop(void)
{
	diagnosis_watch *w = g_watch;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	watch_free(w);
	g_watch = NULL;
}

med_err
diagnosis_start(med_service *svc)
{
	med_err err = diagnosis_model_start(svc);

	if (err != MED_OK)
		return err;
	diagnosis_stow_gate_start(svc);
	if ((err = diagnosis_stow_retry_start(svc)) != MED_OK) {
		diagnosis_model_stop(svc);
		return err;
	}
	if ((err = watch_start(svc)) != MED_OK) {
		diagnosis_stow_retry_stop();
		diagnosis_model_stop(svc);
	}
	return err;
}

void
diagnosis_stop(med_service *svc)
{
	watch_stop();
	diagnosis_stow_retry_stop();
	diagnosis_model_stop(svc);
}
