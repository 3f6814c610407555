/*
 * test_metrics.c - the Prometheus registry: exact text for each kind, the
 * grpc_server_* family, process metrics, and lock-free updates from threads.
 */
#include "testlib.h"

#include <med/metrics.h>

#include <pthread.h>

/* render returns the text up to the process_* metrics. */
static char *
render(med_metrics *m)
{
	char *text = NULL, *proc;
	size_t len = 0;

	MT_OK(med_metrics_render(m, &text, &len));
	MT_EQ_INT(strlen(text), len);
	proc = strstr(text, "# HELP process_");
	if (proc != NULL)
		*proc = '\0';
	return text;
}

static void
test_counter_text(void)
{
	med_metrics *m = med_metrics_new();
	med_counter *a = med_metrics_counter(m, "med_x_total", "Things.", "");
	med_counter *b =
		med_metrics_counter(m, "med_x_total", "Things.", "kind=\"b\"");
	char *text;

	MT_TRUE(a != NULL && b != NULL);
	MT_TRUE(med_metrics_counter(m, "med_x_total", "Things.", "") == a);
	med_counter_add(a, 3);
	med_counter_add(b, 1);
	med_counter_add(a, 2);
	text = render(m);
	MT_EQ_STR(text, "# HELP med_x_total Things.\n"
			"# TYPE med_x_total counter\n"
			"med_x_total 5\n"
			"med_x_total{kind=\"b\"} 1\n");
	free(text);
	med_metrics_free(m);
}

static void
test_gauge_text(void)
{
	med_metrics *m = med_metrics_new();
	med_gauge *g = med_metrics_gauge(m, "med_g", "A\\b\nc", "");
	char *text;

	med_gauge_set(g, 1.5);
	med_gauge_set(g, 0.1);
	text = render(m);
	MT_EQ_STR(text, "# HELP med_g A\\\\b\\nc\n"
			"# TYPE med_g gauge\n"
			"med_g 0.1\n");
	free(text);
	/* A name used as another type, or an invalid name, is refused. */
	MT_TRUE(med_metrics_counter(m, "med_g", "x", "") == NULL);
	MT_TRUE(med_metrics_counter(m, "9bad", "x", "") == NULL);
	MT_TRUE(med_metrics_counter(m, "bad-name", "x", "") == NULL);
	med_metrics_free(m);
}

static void
test_histogram_text(void)
{
	med_metrics *m = med_metrics_new();
	med_histogram *h =
		med_metrics_histogram(m, "med_h_seconds", "Lat.", "op=\"x\"");
	char *text;

	med_histogram_observe(h, 0.001);
	med_histogram_observe(h, 0.2);
	med_histogram_observe(h, 20);
	text = render(m);
	MT_EQ_STR(text, "# HELP med_h_seconds Lat.\n"
			"# TYPE med_h_seconds histogram\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.001\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.0025\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.005\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.01\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.025\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.05\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.1\"} 1\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.25\"} 2\n"
			"med_h_seconds_bucket{op=\"x\",le=\"0.5\"} 2\n"
			"med_h_seconds_bucket{op=\"x\",le=\"1\"} 2\n"
			"med_h_seconds_bucket{op=\"x\",le=\"2.5\"} 2\n"
			"med_h_seconds_bucket{op=\"x\",le=\"5\"} 2\n"
			"med_h_seconds_bucket{op=\"x\",le=\"10\"} 2\n"
			"med_h_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"
			"med_h_seconds_sum{op=\"x\"} 20.201\n"
			"med_h_seconds_count{op=\"x\"} 3\n");
	free(text);
	med_metrics_free(m);
}

static void
test_rpc_stats(void)
{
	med_metrics *m = med_metrics_new();
	med_rpc_stats *s = med_metrics_rpc(m, "smartmed.identity.v1.Identity",
					   "GetPatient", "unary");
	const char *lbl = "grpc_service=\"smartmed.identity.v1.Identity\","
			  "grpc_method=\"GetPatient\",grpc_type=\"unary\"";
	char *text, want[512];

	MT_TRUE(s != NULL);
	MT_TRUE(med_metrics_rpc(m, "smartmed.identity.v1.Identity",
				"GetPatient", "unary") == s);
	med_rpc_stats_started(s);
	med_rpc_stats_started(s);
	med_rpc_stats_handled(s, 0, 0.003);
	med_rpc_stats_handled(s, 3, 0.004);
	text = render(m);
	snprintf(want, sizeof(want), "grpc_server_started_total{%s} 2\n", lbl);
	MT_TRUE(strstr(text, want) != NULL);
	snprintf(want, sizeof(want),
		 "grpc_server_handled_total{%s,grpc_code=\"OK\"} 1\n", lbl);
	MT_TRUE(strstr(text, want) != NULL);
	snprintf(want, sizeof(want),
		 "grpc_server_handled_total{%s,grpc_code=\"INVALID_ARGUMENT\"} "
		 "1\n",
		 lbl);
	MT_TRUE(strstr(text, want) != NULL);
	MT_TRUE(strstr(text, "NOT_FOUND") == NULL);
	snprintf(want, sizeof(want),
		 "grpc_server_handling_seconds_bucket{%s,le=\"0.005\"} 2\n",
		 lbl);
	MT_TRUE(strstr(text, want) != NULL);
	MT_TRUE(strstr(text, "# TYPE grpc_server_handled_total counter\n"));
	MT_TRUE(strstr(text,
		       "# TYPE grpc_server_handling_seconds histogram\n"));
	free(text);
	med_metrics_free(m);
}

static void
test_label_escape(void)
{
	med_metrics *m = med_metrics_new();
	med_rpc_stats *s = med_metrics_rpc(m, "a\"b", "c\\d", "e\nf");
	char *text;

	med_rpc_stats_started(s);
	text = render(m);
	MT_TRUE(strstr(text,
		       "grpc_server_started_total{grpc_service=\"a\\\"b\","
		       "grpc_method=\"c\\\\d\",grpc_type=\"e\\nf\"} 1\n"));
	free(text);
	med_metrics_free(m);
}

static void
test_process_metrics(void)
{
	static const char *const names[] = {
		"process_resident_memory_bytes ",
		"process_virtual_memory_bytes ",
		"process_cpu_seconds_total ",
		"process_open_fds ",
		"process_max_fds ",
		"process_start_time_seconds ",
		"process_threads ",
	};
	med_metrics *m = med_metrics_new();
	char *text = NULL, line[128];
	size_t len;

	MT_OK(med_metrics_render(m, &text, &len));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *p;
		char *end;

		snprintf(line, sizeof(line), "\n%s", names[i]);
		p = strstr(text, line);
		if (p == NULL)
			mt_fail(__FILE__, __LINE__, "missing %s", names[i]);
		p += strlen(line);
		/* CPU time may still be 0 in a fresh process. */
		MT_TRUE(strtod(p, &end) >= 0 && end > p && *end == '\n');
	}
	MT_TRUE(strstr(text, "# TYPE process_cpu_seconds_total counter\n"));
	MT_TRUE(strstr(text, "\nprocess_resident_memory_bytes 0\n") == NULL);
	free(text);
	med_metrics_free(m);
}

static void
test_series_cap(void)
{
	med_metrics *m = med_metrics_new();
	char labels[64];
	int made = 0;

	for (int i = 0; i < 5000; i++) {
		snprintf(labels, sizeof(labels), "i=\"%d\"", i);
		if (med_metrics_counter(m, "med_many_total", "x", labels))
			made++;
	}
	MT_TRUE(made < 5000 && made >= 1000);
	/* NULL series are harmless to update. */
	med_counter_add(NULL, 1);
	med_gauge_set(NULL, 1);
	med_histogram_observe(NULL, 1);
	med_rpc_stats_handled(NULL, 0, 1);
	med_metrics_free(m);
}

struct worker {
	med_counter *c;
	med_histogram *h;
	med_rpc_stats *s;
};

static void *
hammer(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 100000; i++) {
		med_counter_add(w->c, 1);
		med_histogram_observe(w->h, 0.5);
		med_rpc_stats_handled(w->s, i % 2 ? 0 : 14, 0.001);
	}
	return NULL;
}

static void
test_concurrent(void)
{
	med_metrics *m = med_metrics_new();
	struct worker w = {med_metrics_counter(m, "med_c_total", "c", ""),
			   med_metrics_histogram(m, "med_h", "h", ""),
			   med_metrics_rpc(m, "s", "m", "unary")};
	pthread_t t[8];
	char *text;

	for (int i = 0; i < 8; i++)
		MT_OK(pthread_create(&t[i], NULL, hammer, &w));
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	text = render(m);
	MT_TRUE(strstr(text, "\nmed_c_total 800000\n"));
	MT_TRUE(strstr(text, "\nmed_h_sum 400000\n"));
	MT_TRUE(strstr(text, "\nmed_h_count 800000\n"));
	MT_TRUE(strstr(text, "grpc_code=\"OK\"} 400000\n"));
	MT_TRUE(strstr(text, "grpc_code=\"UNAVAILABLE\"} 400000\n"));
	free(text);
	med_metrics_free(m);
}

static void
test_histogram_bounds(void)
{
	static const double b[] = {1, 2, 4};
	static const double bad[] = {2, 1};
	med_metrics *m = med_metrics_new();
	med_histogram *h = med_metrics_histogram_bounds(m, "med_batch_size",
							"B.", "", b, 3);
	char *text;

	MT_TRUE(h != NULL);
	med_histogram_observe(h, 1);
	med_histogram_observe(h, 3);
	med_histogram_observe(h, 300);
	text = render(m);
	MT_EQ_STR(text, "# HELP med_batch_size B.\n"
			"# TYPE med_batch_size histogram\n"
			"med_batch_size_bucket{le=\"1\"} 1\n"
			"med_batch_size_bucket{le=\"2\"} 1\n"
			"med_batch_size_bucket{le=\"4\"} 2\n"
			"med_batch_size_bucket{le=\"+Inf\"} 3\n"
			"med_batch_size_sum 304\n"
			"med_batch_size_count 3\n");
	free(text);
	/* Other bounds for the same name, unordered or too many: refused. */
	MT_TRUE(med_metrics_histogram_bounds(m, "med_batch_size", "B.",
					     "x=\"1\"", b, 2) == NULL);
	MT_TRUE(med_metrics_histogram_bounds(m, "med_other", "", "", bad, 2) ==
		NULL);
	MT_TRUE(med_metrics_histogram_bounds(m, "med_other", "", "", b,
					     MED_METRICS_MAX_BOUNDS + 1) ==
		NULL);
	MT_TRUE(med_metrics_histogram(m, "med_batch_size", "B.", "") == NULL);
	med_metrics_free(m);
}

struct depth {
	med_gauge *g;
	int calls;
};

static void
collect_depth(void *ctx)
{
	struct depth *d = ctx;

	d->calls++;
	med_gauge_set(d->g, 10.0 * d->calls);
}

static void
test_collector(void)
{
	med_metrics *m = med_metrics_new();
	struct depth d = {med_metrics_gauge(m, "med_depth", "D.", ""), 0};
	char *text;

	MT_OK(med_metrics_collector_add(m, collect_depth, &d));
	text = render(m);
	MT_TRUE(strstr(text, "\nmed_depth 10\n") != NULL);
	free(text);
	text = render(m);
	MT_TRUE(strstr(text, "\nmed_depth 20\n") != NULL);
	free(text);
	med_metrics_collector_remove(m, collect_depth, &d);
	text = render(m);
	MT_TRUE(strstr(text, "\nmed_depth 20\n") != NULL);
	MT_EQ_INT(d.calls, 2);
	free(text);
	MT_EQ_INT(med_metrics_collector_add(m, NULL, &d), MED_ERR_INVALID);
	for (int i = 0; i < 32; i++)
		MT_OK(med_metrics_collector_add(m, collect_depth, &d));
	MT_EQ_INT(med_metrics_collector_add(m, collect_depth, &d),
		  MED_ERR_LIMIT);
	med_metrics_free(m);
}

/* The library registry's families follow each registry's own. */
static void
test_library_registry(void)
{
	med_metrics *m = med_metrics_new();
	med_metrics *lib = med_metrics_lib();
	char *text, *own, *libs;

	MT_TRUE(lib != NULL && lib == med_metrics_lib());
	med_counter_add(med_metrics_counter(m, "med_own_total", "O.", ""), 1);
	med_counter_add(med_metrics_counter(lib, "med_lib_total", "L.", ""), 2);
	text = render(m);
	own = strstr(text, "\nmed_own_total 1\n");
	libs = strstr(text, "\nmed_lib_total 2\n");
	MT_TRUE(own != NULL && libs != NULL && own < libs);
	free(text);
	/* Rendering the library registry itself shows it once. */
	text = render(lib);
	libs = strstr(text, "med_lib_total 2\n");
	MT_TRUE(libs != NULL && strstr(libs + 1, "med_lib_total 2") == NULL);
	free(text);
	med_metrics_free(m);
}

static const mt_case cases[] = {
	{"counter_text", test_counter_text},
	{"gauge_text", test_gauge_text},
	{"histogram_text", test_histogram_text},
	{"rpc_stats", test_rpc_stats},
	{"label_escape", test_label_escape},
	{"process_metrics", test_process_metrics},
	{"series_cap", test_series_cap},
	{"concurrent", test_concurrent},
	{"histogram_bounds", test_histogram_bounds},
	{"collector", test_collector},
	{"library_registry", test_library_registry},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
