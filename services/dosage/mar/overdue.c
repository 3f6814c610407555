/*
 * overdue.c - the high-alert doses nobody confirmed: a thread counts, every
 * MED_DOSAGE_OVERDUE_SCAN_MS, the administrations given under the
 * cosign_override exception that are still on hold past the 30-minute
 * confirmation window, into the gauge
 * smartmed_dosage_high_alert_unconfirmed_overdue, so that an alert
 * (SmartmedHighAlertDoseUnconfirmed) fires where a ward screen may be
 * missed.  GetMar and History flag each such dose
 * (dosage_admin_overdue).
 */
#include <med/log.h>
#include <med/metrics.h>
#include <med/service.h>
#include <med/util.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "dosage.h"
#include "mar.h"

struct dosage_overdue {
	med_db *db;
	med_gauge *gauge;
	int64_t every_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static med_err
on_count(void *arg, const med_db_row *row)
{
	*(int64_t *)arg = med_db_row_int64(row, 0);
	return MED_OK;
}

/* count_overdue refreshes the gauge; a database away keeps the last value
 * (the pool's own metrics say it is away). */
static void
count_overdue(dosage_overdue *w)
{
	med_db_value v[] = {
		MED_DB_I64(med_now_ms() - DOSAGE_CONFIRM_WINDOW_MS)};
	int64_t n = 0;

	if (med_db_query_once(w->db,
			      "SELECT COUNT(*) FROM administrations WHERE"
			      " status = '" DOSAGE_ADMIN_ON_HOLD
			      "' AND recorded_ms < ?",
			      v, 1, on_count, &n) == MED_OK)
		med_gauge_set(w->gauge, (double)n);
}

/* wait_ms sleeps until the next scan or stop; true when stopping. */
static bool
wait_ms(dosage_overdue *w, int64_t ms)
{
	struct med_wait wait = {
		.mu = &w->mu, .cv = &w->cv, .stopping = &w->stop};

	return !med_wait_unless_stopped(&wait, ms);
}

static void *
overdue_main(void *arg)
{
	dosage_overdue *w = arg;

	do
		count_overdue(w);
	while (!wait_ms(w, w->every_ms));
	return NULL;
}

med_err
dosage_overdue_start(med_service *svc, dosage_overdue **out)
{
	dosage_overdue *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return MED_ERR_NOMEM;
	w->db = med_service_db(svc);
	w->every_ms = med_config_int(med_service_config(svc), OVERDUE_SETTING);
	w->gauge = med_metrics_gauge(
		med_service_metrics(svc),
		"smartmed_dosage_high_alert_unconfirmed_overdue",
		"High-alert doses given under the co-sign exception and still "
		"unconfirmed 30 minutes after they were recorded",
		"");
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (w->gauge == NULL ||
	    pthread_create(&w->thread, NULL, overdue_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return MED_ERR_NOMEM;
	}
	*out = w;
	return MED_OK;
}

void
dosage_overdue_stop(dosage_overdue *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
