/*
 * ingest.c - the service's start and stop: the signing and leaf keys, the
 * published head (headfile.c), its metrics, the tree-head signer (whose first
 * head also establishes the verified tree, trust.c) and the NNG ingest. Neither
 * touches the database before the schema is whole (med_service_migrated).  A
 * batch is acknowledged only after its transaction commits
 * (audit_append_batch), so an emitter keeps an event in its spool until it is
 * durable here.
 */
#include <med/audit.h>
#include <med/log.h>
#include <med/rpc.h>

#include <stdlib.h>
#include <string.h>

#include "audit_svc.h"

/* store_events appends a batch; before the schema is whole (a first
 * start, or one after a kill mid-migration) it stores nothing and the
 * emitters keep the events in their spools and send them again. */
static med_err
store_events(void *ctx, Smartmed__Common__V1__AuditEvent *const *events,
	     size_t n, uint32_t *stored, uint32_t *duplicates)
{
	audit_state *st = ctx;
	med_err err;

	if (!med_service_migrated(st->svc))
		return MED_ERR_UNAVAILABLE;
	/* Not onto a log a restore rolled back: the auditor may yet restore
	 * another backup, and events acknowledged into this one would then
	 * be lost; in the emitters' spools they wait (headfile.c). */
	if ((err = audit_head_ready(st)) != MED_OK)
		return err;
	return audit_append_batch(ctx, events, n, stored, duplicates);
}

static void
state_free(audit_state *st)
{
	if (st == NULL)
		return;
	pthread_mutex_destroy(&st->trust_mu);
	pthread_mutex_destroy(&st->sth_mu);
	pthread_cond_destroy(&st->sth_cv);
	pthread_mutex_destroy(&st->group_mu);
	pthread_cond_destroy(&st->group_cv);
	pthread_mutex_destroy(&st->sweep.mu);
	pthread_cond_destroy(&st->sweep.cv);
	pthread_mutex_destroy(&st->head.mu);
	sodium_memzero(st->sk, sizeof(st->sk));
	sodium_memzero(&st->leaf_keys, sizeof(st->leaf_keys));
	free(st);
}

static audit_state *
state_new(med_service *svc)
{
	audit_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->svc = svc;
	pthread_mutex_init(&st->trust_mu, NULL);
	pthread_mutex_init(&st->sth_mu, NULL);
	pthread_cond_init(&st->sth_cv, NULL);
	pthread_mutex_init(&st->group_mu, NULL);
	pthread_cond_init(&st->group_cv, NULL);
	pthread_mutex_init(&st->sweep.mu, NULL);
	pthread_cond_init(&st->sweep.cv, NULL);
	pthread_mutex_init(&st->head.mu, NULL);
	return st;
}

/* metrics_flagged_init creates the series of records served flagged. */
static void
metrics_flagged_init(audit_state *st, med_metrics *m)
{
	static const char name[] = "smartmed_audit_reads_flagged_total";
	static const char help[] =
		"Records an audit read served flagged, by integrity: altered "
		"(changed or inserted behind the service), missing (a hole in "
		"the log), unverified (stored before leaf MACs)";

	st->flagged_altered =
		med_metrics_counter(m, name, help, "integrity=\"altered\"");
	st->flagged_missing =
		med_metrics_counter(m, name, help, "integrity=\"missing\"");
	st->flagged_unverified =
		med_metrics_counter(m, name, help, "integrity=\"unverified\"");
}

/* metrics_init creates the service's integrity and ingest series. */
static void
metrics_init(audit_state *st)
{
	med_metrics *m = med_service_metrics(st->svc);

	st->integrity_failures = med_metrics_counter(
		m, "smartmed_audit_integrity_failures_total",
		"Times the audit store disagreed with what the service wrote "
		"or verified (a forged or altered row, node or head)",
		"");
	st->integrity_ok = med_metrics_gauge(
		m, "smartmed_audit_integrity_ok",
		"1 while the audit store agrees with what the service "
		"verified; 0 after an integrity failure (no heads are signed)",
		"");
	med_gauge_set(st->integrity_ok, 1);
	st->refused_time = med_metrics_counter(
		m, "smartmed_audit_events_refused_total",
		"Audit events the ingest refused, by reason",
		"reason=\"time_ms\"");
	metrics_flagged_init(st, m);
	/* batches / groups: how many batches one transaction carries. */
	st->append_groups = med_metrics_counter(
		m, "smartmed_audit_append_groups_total",
		"Transactions that appended a group of batches to the log", "");
	st->append_batches = med_metrics_counter(
		m, "smartmed_audit_append_batches_total",
		"Batches appended to the log, alone or in a group", "");
	st->refused_service = med_metrics_counter(
		m, "smartmed_audit_events_refused_total",
		"Audit events the ingest refused, by reason",
		"reason=\"service\"");
}

/*
 * ingest_open listens with the service's own certificate and CA (read
 * again here: the TLS configuration copies them, so they are freed at
 * once).
 */
static med_err
ingest_open(audit_state *st)
{
	const med_config *c = med_service_config(st->svc);
	med_tls tls = {0};
	char errbuf[512];
	med_audit_ingest_opts o = {
		.url = med_config_str(c, "MED_AUDIT_LISTEN"),
		.tls = &tls,
		.allow_plaintext =
			med_config_bool(c, "MED_AUDIT_ALLOW_PLAINTEXT"),
		.store = store_events,
		.ctx = st,
		.refused_service = st->refused_service,
		/* Only services write events: not medctl's operator, not
		 * any other client certificate of the CA. */
		.services = med_config_str(c, "MED_TLS_SERVICE_PEERS"),
	};
	med_err err = med_tls_load(&tls, med_config_str(c, "MED_TLS_CERT"),
				   med_config_str(c, "MED_TLS_KEY"),
				   med_config_str(c, "MED_TLS_CA"), errbuf,
				   sizeof(errbuf));

	if (err == MED_OK)
		err = med_audit_ingest_start(&o, &st->ingest, errbuf,
					     sizeof(errbuf));
	med_tls_fini(&tls);
	if (err != MED_OK) {
		med_log_error("MED_AUDIT_LISTEN %s: %s", o.url, errbuf);
		return err;
	}
	if (strncmp(o.url, "tcp://", 6) == 0)
		med_log_warn("audit ingest listening on %s in PLAINTEXT "
			     "(MED_AUDIT_ALLOW_PLAINTEXT): audit events cross "
			     "the network unencrypted; development only",
			     o.url);
	else
		med_log_info("audit ingest listening on %s (mutual TLS)",
			     o.url);
	return MED_OK;
}

med_err
audit_ingest_begin(med_service *svc)
{
	audit_state *st = state_new(svc);
	med_err err;

	if (st == NULL)
		return MED_ERR_NOMEM;
	metrics_init(st);
	if ((err = audit_keys_load(st)) != MED_OK ||
	    (err = audit_head_load(st)) != MED_OK)
		goto free_state;
	/* The first head is the signer thread's, once the schema is whole
	 * (med_service_migrated): a head signed over a half-made schema, or
	 * an append into one, was how a kill during the first start left
	 * heads whose roots matched no stored tree (issue 49, item 11). */
	if ((err = audit_sth_start(st)) != MED_OK)
		goto free_state;
	if ((err = audit_gap_sweep_start(st)) != MED_OK)
		goto stop_sth;
	if ((err = ingest_open(st)) != MED_OK)
		goto stop_sweep;
	med_service_set_data(svc, st);
	return MED_OK;
stop_sweep:
	audit_gap_sweep_stop(st);
stop_sth:
	audit_sth_stop(st);
free_state:
	state_free(st);
	return err;
}

void
audit_ingest_end(med_service *svc)
{
	audit_state *st = med_service_data(svc);

	if (st == NULL)
		return;
	med_audit_ingest_stop(st->ingest);
	audit_gap_sweep_stop(st);
	audit_sth_stop(st);
	med_service_set_data(svc, NULL);
	state_free(st);
}
