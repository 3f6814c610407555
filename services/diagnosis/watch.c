/*
 * watch.c - new chest X-ray studies analysed as they arrive
 * (MED_DIAGNOSIS_PACS_WATCH=on): a thread polls Orthanc's change feed
 * (GET /changes?since=<seq>&limit=<n>, Orthanc's REST API beside its
 * DICOMweb root) every MED_DIAGNOSIS_PACS_WATCH_POLL_MS and hands each
 * StableStudy change to watch_study.c.  The last change taken is kept in
 * the table pacs_watch (migration 30), written after every study, so a
 * restart neither misses a study nor analyses one twice (and the analysis
 * itself carries a request id made from the study, which AnalyzeStudy's
 * idempotent-write log answers a second time without a second finding).
 * A passing failure (the PACS or identity down) leaves the change to the
 * next poll, at most WATCH_MAX_RETRIES times; nothing stops the feed.
 */
#include <errno.h>
#include <jansson.h>
#include <med/audit.h>
#include <med/auth.h>
#include <med/facts.h>
#include <med/log.h>
#include <med/tls.h>
#include <med/util.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "watch.h"

#define WATCH_MAX_RETRIES 5
#define UNAVAILABLE	  14

/* The feed's place, one row per PACS (its REST root). */
const char *const diagnosis_v30_statements[] = {
	"CREATE TABLE IF NOT EXISTS pacs_watch ("
	" feed VARBINARY(512) NOT NULL PRIMARY KEY,"
	" last_seq BIGINT NOT NULL,"
	" updated_ms BIGINT NOT NULL"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

/* The settings: DIAGNOSIS_WATCH_CONFIG in diagnosis.h. */

static diagnosis_watch *g_watch;

/* --- refusals -------------------------------------------------------- */

void
watch_refuse(diagnosis_watch *w, const char *study_uid, const char *patient_id,
	     int outcome, const char *fmt, ...)
{
	char msg[400], resource[96];
	va_list ap;
	const med_audit_detail d[] = {{"study_instance_uid", study_uid},
				      {"trigger", "pacs-watch"}};
	med_audit_event ev = {
		.action = WATCH_ACTION,
		.actor = WATCH_ACTOR,
		.actor_roles = MED_ROLE_SERVICE,
		.patient_id = patient_id,
		.resource = resource,
		.outcome = outcome,
		.detail = msg,
		.details = d,
		.n_details = 2,
	};

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(resource, sizeof(resource), "study/%s", study_uid);
	med_counter_add(w->refused, 1);
	med_log_warn("pacs watch: study %s not analysed: %s", study_uid, msg);
	if (w->audit != NULL && med_audit_emit(w->audit, &ev) != MED_OK)
		med_log_error("pacs watch: the audit spool refused an event");
}

/* --- the durable place in the feed ----------------------------------- */

static med_err
on_seq(void *ctx, const med_db_row *row)
{
	*(int64_t *)ctx = med_db_row_int64(row, 0);
	return MED_OK;
}

/* seq_save writes the feed's place (a row per PACS). */
static med_err
seq_save(diagnosis_watch *w)
{
	med_db_value v[] = {MED_DB_STR(w->rest.url), MED_DB_I64(w->seq),
			    MED_DB_I64(med_now_ms())};
	med_err err = med_db_exec_once(
		w->db,
		"INSERT INTO pacs_watch (feed, last_seq, updated_ms)"
		" VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE"
		" last_seq = VALUES(last_seq), updated_ms = VALUES(updated_ms)",
		v, 3, NULL, NULL);

	med_gauge_set(w->seq_gauge, (double)w->seq);
	return err;
}

/* feed_last asks Orthanc for the feed's newest change seq. */
static med_err
feed_last(diagnosis_watch *w, int64_t *out)
{
	char msg[256];
	diagnosis_reply r = {0};
	json_t *root;
	med_err err =
		diagnosis_pacs_get(&w->rest, "/changes?last",
				   "application/json", &r, msg, sizeof(msg));

	if (err != MED_OK)
		return err;
	root = r.status == 200
		       ? json_loadb((const char *)r.data, r.len, 0, NULL)
		       : NULL;
	err = json_is_integer(json_object_get(root, "Last"))
		      ? MED_OK
		      : MED_ERR_UNAVAILABLE;
	if (err == MED_OK)
		*out = json_integer_value(json_object_get(root, "Last"));
	json_decref(root);
	diagnosis_reply_fini(&r);
	return err;
}

/* seq_load finds the place: the stored one, else the start or the end of
 * the feed (MED_DIAGNOSIS_PACS_WATCH_FROM), stored at once. */
static med_err
seq_load(diagnosis_watch *w)
{
	med_db_value v[] = {MED_DB_STR(w->rest.url)};
	int64_t seq = -1;
	med_err err = med_db_query_once(
		w->db, "SELECT last_seq FROM pacs_watch WHERE feed = ?", v, 1,
		on_seq, &seq);

	if (err != MED_OK)
		return err;
	if (seq < 0) {
		seq = 0;
		if (!w->from_start && (err = feed_last(w, &seq)) != MED_OK)
			return err;
		w->seq = seq;
		if ((err = seq_save(w)) != MED_OK)
			return err;
		med_log_info("pacs watch: %s's feed taken from change %lld",
			     w->rest.url, (long long)seq);
	}
	w->seq = seq;
	w->have_seq = true;
	med_gauge_set(w->seq_gauge, (double)seq);
	return MED_OK;
}

/* --- one poll ---------------------------------------------------------- */

/* feed_state logs (and audits, once) the feed going down or coming back. */
static void
feed_state(diagnosis_watch *w, bool down, const char *msg)
{
	med_audit_event ev = {.action = WATCH_ACTION,
			      .actor = WATCH_ACTOR,
			      .actor_roles = MED_ROLE_SERVICE,
			      .resource = "changes",
			      .outcome = UNAVAILABLE,
			      .detail = msg};

	if (down)
		med_counter_add(w->poll_errors, 1);
	if (down == w->feed_down)
		return;
	w->feed_down = down;
	if (!down) {
		med_log_info(
			"pacs watch: the PACS's change feed answers again");
		return;
	}
	med_log_warn("pacs watch: %s", msg);
	if (w->audit != NULL && med_audit_emit(w->audit, &ev) != MED_OK)
		med_log_error("pacs watch: the audit spool refused an event");
}

/* take_change handles one change; false: stop here, retry next poll. */
static bool
take_change(diagnosis_watch *w, json_t *ch)
{
	const char *type = json_string_value(json_object_get(ch, "ChangeType"));
	const char *id = json_string_value(json_object_get(ch, "ID"));
	int64_t seq = json_integer_value(json_object_get(ch, "Seq"));

	if (seq <= w->seq)
		return true;
	if (type != NULL && id != NULL && strcmp(type, "StableStudy") == 0) {
		watch_outcome o;

		if (w->retry_seq != seq)
			med_counter_add(w->seen, 1);
		o = watch_study(w, id);

		if (o == WATCH_RETRY) {
			w->retries = w->retry_seq == seq ? w->retries + 1 : 1;
			w->retry_seq = seq;
			if (w->retries <= WATCH_MAX_RETRIES)
				return false;
			watch_refuse(w, id, NULL, UNAVAILABLE,
				     "given up after %d tries (Orthanc study "
				     "%s)",
				     w->retries, id);
		}
	}
	w->seq = seq;
	return true;
}

/* take_changes reads one /changes reply; *more when the feed has more. */
static med_err
take_changes(diagnosis_watch *w, const diagnosis_reply *r, bool *more)
{
	json_t *root = json_loadb((const char *)r->data, r->len, 0, NULL);
	json_t *list = json_object_get(root, "Changes"), *ch;
	int64_t before = w->seq;
	bool all = true;
	size_t i;

	*more = false;
	if (!json_is_array(list)) {
		json_decref(root);
		return MED_ERR_UNAVAILABLE;
	}
	json_array_foreach(list, i, ch)
	{
		if (!(all = take_change(w, ch)))
			break;
	}
	*more = all && json_is_false(json_object_get(root, "Done"));
	/* At the end of the feed, Last is where it stands now. */
	if (all && json_is_true(json_object_get(root, "Done")) &&
	    json_is_integer(json_object_get(root, "Last")) &&
	    json_integer_value(json_object_get(root, "Last")) > w->seq)
		w->seq = json_integer_value(json_object_get(root, "Last"));
	json_decref(root);
	if (w->seq != before && seq_save(w) != MED_OK)
		med_log_error("pacs watch: cannot store the feed's place "
			      "(change %lld)",
			      (long long)w->seq);
	return MED_OK;
}

/* poll_once asks the feed for the changes after the place; *more when
 * another page waits. */
static void
poll_once(diagnosis_watch *w, bool *more)
{
	char path[96], msg[256] = "";
	diagnosis_reply r = {0};
	med_err err;

	*more = false;
	if (!w->have_seq && seq_load(w) != MED_OK) {
		feed_state(w, true,
			   "the feed's place cannot be read (database or "
			   "PACS unavailable)");
		return;
	}
	snprintf(path, sizeof(path), "/changes?since=%lld&limit=%u",
		 (long long)w->seq, w->batch);
	err = diagnosis_pacs_get(&w->rest, path, "application/json", &r, msg,
				 sizeof(msg));
	if (err == MED_OK && r.status != 200) {
		snprintf(msg, sizeof(msg),
			 "the PACS answered HTTP %ld to /changes", r.status);
		err = MED_ERR_UNAVAILABLE;
	}
	if (err == MED_OK && take_changes(w, &r, more) != MED_OK) {
		snprintf(msg, sizeof(msg), "/changes: not Orthanc's JSON");
		err = MED_ERR_UNAVAILABLE;
	}
	diagnosis_reply_fini(&r);
	feed_state(w, err != MED_OK, msg);
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

/* rest_root is Orthanc's REST root: the setting, else the DICOMweb URL
 * without its last path segment ("http://orthanc:8042/dicom-web"). */
static void
rest_root(const med_config *cfg, const diagnosis_pacs *pacs, char *out,
	  size_t len)
{
	const char *set = med_config_str(cfg, "MED_DIAGNOSIS_PACS_REST_URL");
	char *slash;

	med_strlcpy(out, set != NULL && set[0] ? set : pacs->url, len);
	if ((set == NULL || set[0] == '\0') &&
	    (slash = strrchr(out, '/')) != NULL && slash > out &&
	    slash[-1] != '/')
		*slash = '\0';
	while (out[0] != '\0' && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
}

/* open_self opens a mutual-TLS channel to this service's own gRPC port,
 * checked against its own name: the analysis is AnalyzeStudy's. */
static med_err
open_self(const med_config *cfg, med_channel **out)
{
	char target[64], errbuf[256];
	med_channel_opts co = {
		.server_name = med_config_str(
			cfg, "MED_DIAGNOSIS_PACS_WATCH_SERVER_NAME")};
	med_tls tls = {0};
	med_err err;

	snprintf(target, sizeof(target), "127.0.0.1:%lld",
		 (long long)med_config_int(cfg, "MED_GRPC_PORT"));
	err = med_tls_load(&tls, med_config_str(cfg, "MED_TLS_CERT"),
			   med_config_str(cfg, "MED_TLS_KEY"),
			   med_config_str(cfg, "MED_TLS_CA"), errbuf,
			   sizeof(errbuf));
	if (err != MED_OK) {
		med_log_error("pacs watch: %s", errbuf);
		return err;
	}
	co.tls = &tls;
	err = med_channel_open_opts(target, &co, out);
	med_tls_fini(&tls);
	return err;
}

static void
make_metrics(diagnosis_watch *w, med_metrics *m)
{
	static const char name[] =
		"smartmed_diagnosis_pacs_watch_studies_total";
	static const char help[] =
		"Stable studies of the PACS's change feed, by what became of "
		"them (seen: every one; analysed; refused: not a chest X-ray, "
		"unknown MRN, AnalyzeStudy's refusal)";

	w->seen = med_metrics_counter(m, name, help, "outcome=\"seen\"");
	w->analysed =
		med_metrics_counter(m, name, help, "outcome=\"analysed\"");
	w->refused = med_metrics_counter(m, name, help, "outcome=\"refused\"");
	w->poll_errors = med_metrics_counter(
		m, "smartmed_diagnosis_pacs_watch_poll_errors_total",
		"Polls of the PACS's change feed that failed", "");
	w->seq_gauge = med_metrics_gauge(
		m, "smartmed_diagnosis_pacs_watch_seq",
		"The last change of the PACS's feed taken (durable)", "");
}

/* watch_init fills a watcher from the settings. */
static med_err
watch_init(diagnosis_watch *w, med_service *svc)
{
	const med_config *cfg = med_service_config(svc);
	const diagnosis_pacs *pacs = diagnosis_model_pacs(svc);
	med_err err;

	if (pacs == NULL || pacs->url[0] == '\0') {
		med_log_error("pacs watch: MED_DIAGNOSIS_PACS_URL is not set");
		return MED_ERR_INVALID;
	}
	w->rest = *pacs;
	rest_root(cfg, pacs, w->rest.url, sizeof(w->rest.url));
	w->db = med_service_db(svc);
	w->audit = med_service_audit(svc);
	w->every_ms = med_config_int(cfg, "MED_DIAGNOSIS_PACS_WATCH_POLL_MS");
	w->batch =
		(uint32_t)med_config_int(cfg, "MED_DIAGNOSIS_PACS_WATCH_BATCH");
	w->from_start =
		strcmp(med_config_str(cfg, "MED_DIAGNOSIS_PACS_WATCH_FROM"),
		       "start") == 0;
	make_metrics(w, med_service_metrics(svc));
	if ((err = med_facts_open(
		     cfg, "MED_IDENTITY_URL", "MED_IDENTITY_SERVER_NAME",
		     "patients by MRN (pacs watch)", &w->identity)) != MED_OK)
		return err;
	if (w->identity == NULL) {
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
	med_channel_close(w->identity);
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
	med_log_info("pacs watch: %s/changes every %lld ms", w->rest.url,
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
