/*
 * med/metrics.h - Prometheus metrics: counters, gauges and histograms, and
 * their text exposition (the HTTP server that serves them is med/http.h).
 *
 * Counters and histograms are lock-free to update.  Labels are fixed when a
 * series is created; never put a patient identifier in a label.
 */
#ifndef MED_METRICS_H
#define MED_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

typedef struct med_metrics med_metrics;
typedef struct med_counter med_counter;
typedef struct med_gauge med_gauge;
typedef struct med_histogram med_histogram;
typedef struct med_rpc_stats med_rpc_stats;

/* med_metrics_new creates a registry that also reports process_* metrics. */
med_metrics *med_metrics_new(void);

/* med_metrics_free releases the registry and its series; NULL is fine. */
void med_metrics_free(med_metrics *m);

/*
 * med_metrics_counter returns the counter name{labels} ("" or
 * 'code="ok",kind="x"'), creating it on first use.  NULL on OOM.
 */
med_counter *med_metrics_counter(med_metrics *m, const char *name,
				 const char *help, const char *labels);
void med_counter_add(med_counter *c, uint64_t n);

/* med_metrics_gauge is the same for a value that goes up and down. */
med_gauge *med_metrics_gauge(med_metrics *m, const char *name, const char *help,
			     const char *labels);
void med_gauge_set(med_gauge *g, double v);

/* med_metrics_histogram: seconds, with fixed latency buckets 1ms..10s. */
med_histogram *med_metrics_histogram(med_metrics *m, const char *name,
				     const char *help, const char *labels);

#define MED_METRICS_MAX_BOUNDS 13

/*
 * med_metrics_histogram_bounds is a histogram of any quantity with the
 * given upper bounds (1..MED_METRICS_MAX_BOUNDS, finite, increasing; +Inf is
 * implied).  Every series of one name must use the same bounds.  NULL on
 * invalid bounds, a clash, or OOM.
 */
med_histogram *med_metrics_histogram_bounds(med_metrics *m, const char *name,
					    const char *help,
					    const char *labels,
					    const double *bounds,
					    size_t n_bounds);

/* med_histogram_observe counts one value (seconds, or the family's unit). */
void med_histogram_observe(med_histogram *h, double seconds);

/*
 * med_metrics_collect_fn refreshes gauges just before m is rendered (for
 * values computed on demand, such as an age).  It is called with m's lock
 * held: it may only update series it already holds, never create one.
 */
typedef void (*med_metrics_collect_fn)(void *ctx);

/*
 * med_metrics_collector_add registers fn(ctx), called at each render of m.
 * Errors: MED_ERR_INVALID, MED_ERR_LIMIT (32 collectors).
 */
med_err med_metrics_collector_add(med_metrics *m, med_metrics_collect_fn fn,
				  void *ctx) MED_MUST_CHECK;

/* med_metrics_collector_remove unregisters fn(ctx); when it returns, fn is
 * not running and will not be called again for ctx. */
void med_metrics_collector_remove(med_metrics *m, med_metrics_collect_fn fn,
				  void *ctx);

/*
 * med_metrics_lib returns the process-wide registry that libmed's own
 * modules record into (the inference host, the audit emitter, the database
 * pool), so that every service exports them without wiring code:
 * med_metrics_render of any other registry appends its families.  Created
 * on first use, never freed; NULL only on OOM.
 */
med_metrics *med_metrics_lib(void);

/*
 * med_metrics_label_safe replaces, in place, every character of s outside
 * [A-Za-z0-9_.-] with '_': for label values taken from configuration (a
 * model file, a database name), which then need no escaping.
 */
void med_metrics_label_safe(char *s);

/*
 * med_metrics_rpc returns the grpc_server_* series of one method
 * (grpc_server_started_total, grpc_server_handled_total{grpc_code},
 * grpc_server_handling_seconds), labelled grpc_service, grpc_method and
 * grpc_type ("unary" or "server_stream").
 */
med_rpc_stats *med_metrics_rpc(med_metrics *m, const char *grpc_service,
			       const char *grpc_method, const char *grpc_type);
void med_rpc_stats_started(med_rpc_stats *s);
void med_rpc_stats_handled(med_rpc_stats *s, int grpc_code, double seconds);

/*
 * med_metrics_render writes the Prometheus text exposition into a new
 * malloc'd buffer (*out, *len); the caller frees it.
 */
med_err med_metrics_render(med_metrics *m, char **out,
			   size_t *len) MED_MUST_CHECK;

#endif
