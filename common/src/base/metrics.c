/*
 * metrics.c - a Prometheus registry: counters, gauges and histograms that
 * are updated with C11 atomics only, and a text renderer.
 *
 * Series are grouped in families (one metric name, one HELP, one TYPE).  The
 * registry mutex guards only the family and series lists, which change when a
 * series is created and are read when the registry is rendered; callers keep
 * the returned pointers, so the hot path never takes the lock.
 */
#include <med/metrics.h>
#include <med/cgroup.h>
#include <med/log.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* A registry refuses new series past this, so a label bug cannot eat RAM. */
#define MAX_SERIES	 4096
#define NAME_MAX_LEN	 200
#define LABELS_MAX_LEN	 1024
#define RENDER_MAX_BYTES (32u << 20)
#define N_BOUNDS	 MED_METRICS_MAX_BOUNDS
#define N_CODES		 (MED_GRPC_UNAUTHENTICATED + 1)
#define MAX_COLLECTORS	 32

static const double latency_bounds[N_BOUNDS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

enum kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM, KIND_CODES };

struct med_counter {
	_Atomic uint64_t v;
};

struct med_gauge {
	_Atomic uint64_t bits; /* a double's bit pattern */
};

/*
 * Buckets are stored per interval (not cumulative) with one overflow slot;
 * the renderer sums them, so +Inf and _count always agree.  bounds points
 * at the family's upper bounds, fixed when the family is created.
 */
struct med_histogram {
	_Atomic uint64_t bucket[N_BOUNDS + 1];
	_Atomic uint64_t sum_bits;
	const double *bounds;
	size_t n_bounds;
};

struct codes;

/* med_rpc_stats lives inside its handled series, owned by the registry. */
struct med_rpc_stats {
	med_counter *started;
	struct codes *handled;
	med_histogram *seconds;
};

/* codes counts grpc_server_handled_total per status code. */
struct codes {
	_Atomic uint64_t n[N_CODES];
	struct med_rpc_stats stats;
};

struct series {
	struct series *next;
	char *labels; /* "" or 'a="b",c="d"' */
	union {
		struct med_counter c;
		struct med_gauge g;
		struct med_histogram h;
		struct codes k;
	} u;
};

struct family {
	struct family *next;
	char *name;
	char *help;
	enum kind kind;
	double bounds[N_BOUNDS]; /* histograms: upper bounds, increasing */
	size_t n_bounds;
	struct series *head, *tail;
};

struct collector {
	med_metrics_collect_fn fn;
	void *ctx;
};

struct med_metrics {
	pthread_mutex_t mu;
	struct family *head, *tail;
	size_t n_series;
	bool cap_warned;
	struct collector collectors[MAX_COLLECTORS];
	size_t n_collectors;
};

/* A growable output buffer with a hard cap. */
struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static uint64_t
dbl_bits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static double
bits_dbl(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

static bool
buf_reserve(struct buf *b, size_t extra)
{
	size_t ncap;
	char *np;

	if (b->failed)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + extra + 1)
		ncap *= 2;
	if (ncap > RENDER_MAX_BYTES || (np = realloc(b->p, ncap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

static void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* fmt_double writes v the shortest way that reads back exactly. */
static void
fmt_double(double v, char *out, size_t len)
{
	if (isnan(v)) {
		snprintf(out, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static bool
name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == ':';
		if (!ok)
			return false;
	}
	return true;
}

med_metrics *
med_metrics_new(void)
{
	med_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

static void
family_free(struct family *f)
{
	struct series *s = f->head, *next;

	for (; s != NULL; s = next) {
		next = s->next;
		free(s->labels);
		free(s);
	}
	free(f->name);
	free(f->help);
	free(f);
}

void
med_metrics_free(med_metrics *m)
{
	struct family *f, *next;

	if (m == NULL)
		return;
	for (f = m->head; f != NULL; f = next) {
		next = f->next;
		family_free(f);
	}
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static struct family *
family_find(med_metrics *m, const char *name)
{
	for (struct family *f = m->head; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* bounds_valid: 1..N_BOUNDS finite upper bounds, strictly increasing. */
static bool
bounds_valid(const double *b, size_t n)
{
	if (b == NULL || n == 0 || n > N_BOUNDS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(b[i]) || (i > 0 && b[i] <= b[i - 1]))
			return false;
	return true;
}

/* bounds_same: a histogram family is always asked for with one layout. */
static bool
bounds_same(const struct family *f, const double *b, size_t n)
{
	return f->n_bounds == n && memcmp(f->bounds, b, n * sizeof(*b)) == 0;
}

/* family_get finds or makes a family; bounds only for histograms. */
static struct family *
family_get(med_metrics *m, const char *name, const char *help, enum kind kind,
	   const double *bounds, size_t n_bounds)
{
	struct family *f = family_find(m, name);

	if (f != NULL && kind == KIND_HISTOGRAM &&
	    !bounds_same(f, bounds, n_bounds))
		return NULL;
	if (f != NULL)
		return f->kind == kind ? f : NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	if (f->name == NULL || f->help == NULL) {
		family_free(f);
		return NULL;
	}
	f->kind = kind;
	if (kind == KIND_HISTOGRAM) {
		memcpy(f->bounds, bounds, n_bounds * sizeof(*bounds));
		f->n_bounds = n_bounds;
	}
	if (m->tail)
		m->tail->next = f;
	else
		m->head = f;
	m->tail = f;
	return f;
}

static struct series *
series_new(med_metrics *m, struct family *f, const char *labels)
{
	struct series *s;

	if (m->n_series >= MAX_SERIES) {
		if (!m->cap_warned)
			med_log_warn("metrics: series cap %d reached, %s "
				     "not created",
				     MAX_SERIES, f->name);
		m->cap_warned = true;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->labels = strdup(labels)) == NULL) {
		free(s);
		return NULL;
	}
	if (f->kind == KIND_HISTOGRAM) {
		s->u.h.bounds = f->bounds;
		s->u.h.n_bounds = f->n_bounds;
	}
	if (f->tail)
		f->tail->next = s;
	else
		f->head = s;
	f->tail = s;
	m->n_series++;
	return s;
}

/* A series' shape: its kind and, for a histogram, its bucket bounds. */
struct shape {
	enum kind kind;
	const double *bounds;
	size_t n_bounds;
};

#define SHAPE(k)  ((struct shape){(k), NULL, 0})
#define SHAPE_LAT ((struct shape){KIND_HISTOGRAM, latency_bounds, N_BOUNDS})

/* series_get finds or makes name{labels}; call with m->mu held. */
static struct series *
series_get(med_metrics *m, const char *name, const char *help,
	   const char *labels, struct shape sh)
{
	struct family *f;

	if (labels == NULL)
		labels = "";
	if (!name_valid(name) || strlen(labels) > LABELS_MAX_LEN)
		return NULL;
	f = family_get(m, name, help, sh.kind, sh.bounds, sh.n_bounds);
	if (f == NULL)
		return NULL;
	for (struct series *s = f->head; s != NULL; s = s->next)
		if (strcmp(s->labels, labels) == 0)
			return s;
	return series_new(m, f, labels);
}

static struct series *
series_lookup(med_metrics *m, const char *name, const char *help,
	      const char *labels, struct shape sh)
{
	struct series *s;

	if (m == NULL || name == NULL)
		return NULL;
	pthread_mutex_lock(&m->mu);
	s = series_get(m, name, help, labels, sh);
	pthread_mutex_unlock(&m->mu);
	return s;
}

med_counter *
med_metrics_counter(med_metrics *m, const char *name, const char *help,
		    const char *labels)
{
	struct series *s =
		series_lookup(m, name, help, labels, SHAPE(KIND_COUNTER));

	return s ? &s->u.c : NULL;
}

void
med_counter_add(med_counter *c, uint64_t n)
{
	if (c != NULL)
		atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

med_gauge *
med_metrics_gauge(med_metrics *m, const char *name, const char *help,
		  const char *labels)
{
	struct series *s =
		series_lookup(m, name, help, labels, SHAPE(KIND_GAUGE));

	return s ? &s->u.g : NULL;
}

void
med_gauge_set(med_gauge *g, double v)
{
	if (g != NULL)
		atomic_store_explicit(&g->bits, dbl_bits(v),
				      memory_order_relaxed);
}

med_histogram *
med_metrics_histogram(med_metrics *m, const char *name, const char *help,
		      const char *labels)
{
	struct series *s = series_lookup(m, name, help, labels, SHAPE_LAT);

	return s ? &s->u.h : NULL;
}

med_histogram *
med_metrics_histogram_bounds(med_metrics *m, const char *name, const char *help,
			     const char *labels, const double *bounds,
			     size_t n_bounds)
{
	struct shape sh = {KIND_HISTOGRAM, bounds, n_bounds};
	struct series *s;

	if (!bounds_valid(bounds, n_bounds))
		return NULL;
	s = series_lookup(m, name, help, labels, sh);
	return s ? &s->u.h : NULL;
}

void
med_histogram_observe(med_histogram *h, double seconds)
{
	uint64_t old, nv;
	size_t i = 0;

	if (h == NULL || isnan(seconds))
		return;
	while (i < h->n_bounds && seconds > h->bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	old = atomic_load_explicit(&h->sum_bits, memory_order_relaxed);
	do {
		nv = dbl_bits(bits_dbl(old) + seconds);
	} while (!atomic_compare_exchange_weak_explicit(&h->sum_bits, &old, nv,
							memory_order_relaxed,
							memory_order_relaxed));
}

void
med_metrics_label_safe(char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			*s = '_';
	}
}

/* label_escape writes v with \\, \" and \n escaped, as the format wants. */
static void
label_escape(const char *v, char *out, size_t len)
{
	size_t o = 0;

	for (; *v != '\0' && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n') {
			out[o++] = '\\';
			out[o++] = *v == '\n' ? 'n' : *v;
		} else {
			out[o++] = *v;
		}
	}
	out[o] = '\0';
}

med_rpc_stats *
med_metrics_rpc(med_metrics *m, const char *grpc_service,
		const char *grpc_method, const char *grpc_type)
{
	char svc[256], meth[256], typ[64], labels[LABELS_MAX_LEN];
	struct series *a, *b, *c;

	if (m == NULL || !grpc_service || !grpc_method || !grpc_type)
		return NULL;
	label_escape(grpc_service, svc, sizeof(svc));
	label_escape(grpc_method, meth, sizeof(meth));
	label_escape(grpc_type, typ, sizeof(typ));
	snprintf(labels, sizeof(labels),
		 "grpc_service=\"%s\",grpc_method=\"%s\",grpc_type=\"%s\"", svc,
		 meth, typ);
	pthread_mutex_lock(&m->mu);
	a = series_get(m, "grpc_server_started_total",
		       "Total number of RPCs started on the server.", labels,
		       SHAPE(KIND_COUNTER));
	b = series_get(m, "grpc_server_handled_total",
		       "Total number of RPCs completed on the server, "
		       "regardless of success or failure.",
		       labels, SHAPE(KIND_CODES));
	c = series_get(m, "grpc_server_handling_seconds",
		       "Histogram of response latency (seconds) of gRPC that "
		       "had been application-level handled by the server.",
		       labels, SHAPE_LAT);
	if (a && b && c)
		b->u.k.stats = (med_rpc_stats){&a->u.c, &b->u.k, &c->u.h};
	pthread_mutex_unlock(&m->mu);
	return a && b && c ? &b->u.k.stats : NULL;
}

void
med_rpc_stats_started(med_rpc_stats *s)
{
	if (s != NULL)
		med_counter_add(s->started, 1);
}

void
med_rpc_stats_handled(med_rpc_stats *s, int grpc_code, double seconds)
{
	if (s == NULL)
		return;
	/* An out-of-range code is counted as UNKNOWN. */
	if (grpc_code < 0 || grpc_code >= N_CODES)
		grpc_code = MED_GRPC_UNKNOWN;
	atomic_fetch_add_explicit(&s->handled->n[grpc_code], 1,
				  memory_order_relaxed);
	med_histogram_observe(s->seconds, seconds);
}

/* --- collectors and the library registry --------------------------------- */

med_err
med_metrics_collector_add(med_metrics *m, med_metrics_collect_fn fn, void *ctx)
{
	med_err err = MED_ERR_LIMIT;

	if (m == NULL || fn == NULL)
		return MED_ERR_INVALID;
	pthread_mutex_lock(&m->mu);
	if (m->n_collectors < MAX_COLLECTORS) {
		m->collectors[m->n_collectors++] = (struct collector){fn, ctx};
		err = MED_OK;
	}
	pthread_mutex_unlock(&m->mu);
	return err;
}

void
med_metrics_collector_remove(med_metrics *m, med_metrics_collect_fn fn,
			     void *ctx)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n_collectors; i++) {
		if (m->collectors[i].fn != fn || m->collectors[i].ctx != ctx)
			continue;
		m->collectors[i] = m->collectors[--m->n_collectors];
		break;
	}
	pthread_mutex_unlock(&m->mu);
}

static med_metrics *lib_registry;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
lib_create(void)
{
	lib_registry = med_metrics_new();
}

/*
 * The library registry lives for the whole process: libmed's modules keep
 * pointers into it from any thread until exit, so it is never freed.
 */
med_metrics *
med_metrics_lib(void)
{
	pthread_once(&lib_once, lib_create);
	return lib_registry;
}

/* --- rendering ---------------------------------------------------------- */

/* help_print writes s with \\ and \n escaped, as HELP lines want. */
static void
help_print(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_printf(b, "\\\\");
		else if (*s == '\n')
			buf_printf(b, "\\n");
		else
			buf_printf(b, "%c", *s);
	}
}

static const char *
family_type(const struct family *f)
{
	switch (f->kind) {
	case KIND_GAUGE:
		return "gauge";
	case KIND_HISTOGRAM:
		return "histogram";
	case KIND_COUNTER:
	case KIND_CODES:
		break;
	}
	return "counter";
}

/* print_sample writes name{labels[,extra]} value. */
static void
print_sample(struct buf *b, const char *name, const char *suffix,
	     const char *labels, const char *extra, const char *value)
{
	bool has_l = labels[0] != '\0', has_e = extra && extra[0] != '\0';

	buf_printf(b, "%s%s", name, suffix);
	if (has_l || has_e)
		buf_printf(b, "{%s%s%s}", labels, has_l && has_e ? "," : "",
			   has_e ? extra : "");
	buf_printf(b, " %s\n", value);
}

static void
print_u64(struct buf *b, const char *name, const char *suffix,
	  const char *labels, const char *extra, uint64_t v)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	print_sample(b, name, suffix, labels, extra, val);
}

static void
render_histogram(struct buf *b, const char *name, const struct series *s)
{
	const struct med_histogram *h = &s->u.h;
	char extra[48], val[40];
	uint64_t cum = 0;

	for (size_t i = 0; i <= h->n_bounds; i++) {
		cum += atomic_load_explicit(&h->bucket[i],
					    memory_order_relaxed);
		if (i < h->n_bounds)
			fmt_double(h->bounds[i], val, sizeof(val));
		snprintf(extra, sizeof(extra), "le=\"%s\"",
			 i < h->n_bounds ? val : "+Inf");
		print_u64(b, name, "_bucket", s->labels, extra, cum);
	}
	fmt_double(bits_dbl(atomic_load_explicit(&h->sum_bits,
						 memory_order_relaxed)),
		   val, sizeof(val));
	print_sample(b, name, "_sum", s->labels, NULL, val);
	print_u64(b, name, "_count", s->labels, NULL, cum);
}

static void
render_codes(struct buf *b, const char *name, const struct series *s)
{
	char extra[64];

	/* Only codes that occurred, as other exporters do. */
	for (int code = 0; code < N_CODES; code++) {
		uint64_t n = atomic_load_explicit(&s->u.k.n[code],
						  memory_order_relaxed);
		if (n == 0)
			continue;
		snprintf(extra, sizeof(extra), "grpc_code=\"%s\"",
			 med_grpc_status_name(code));
		print_u64(b, name, "", s->labels, extra, n);
	}
}

static void
render_series(struct buf *b, const struct family *f, const struct series *s)
{
	char val[40];

	switch (f->kind) {
	case KIND_COUNTER:
		print_u64(
			b, f->name, "", s->labels, NULL,
			atomic_load_explicit(&s->u.c.v, memory_order_relaxed));
		break;
	case KIND_GAUGE:
		fmt_double(bits_dbl(atomic_load_explicit(&s->u.g.bits,
							 memory_order_relaxed)),
			   val, sizeof(val));
		print_sample(b, f->name, "", s->labels, NULL, val);
		break;
	case KIND_HISTOGRAM:
		render_histogram(b, f->name, s);
		break;
	case KIND_CODES:
		render_codes(b, f->name, s);
		break;
	}
}

static void
render_family(struct buf *b, const struct family *f)
{
	buf_printf(b, "# HELP %s ", f->name);
	help_print(b, f->help);
	buf_printf(b, "\n# TYPE %s %s\n", f->name, family_type(f));
	for (const struct series *s = f->head; s != NULL; s = s->next)
		render_series(b, f, s);
}

/* --- process metrics, read from /proc/self at scrape time --------------- */

struct proc_stat {
	double cpu_seconds, start_time;
	unsigned long long vsize, rss_bytes;
	long threads;
};

static double
boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	double bt = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "btime ", 6) == 0)
			bt = strtod(line + 6, NULL);
	fclose(f);
	return bt;
}

/* read_stat parses /proc/self/stat after the command name, which may
 * itself hold spaces and parentheses. */
static bool
read_stat(struct proc_stat *ps)
{
	char text[1024], *p;
	unsigned long long utime, stime, start;
	long rss;
	double tck = (double)sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	p = strrchr(text, ')');
	if (p == NULL || tck <= 0)
		return false;
	/* Fields 3.. after ") ": state is 3, utime 14, stime 15,
	 * num_threads 20, starttime 22, vsize 23, rss 24. */
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
		   "%*d %*d %*d %*d %ld %*d %llu %llu %ld",
		   &utime, &stime, &ps->threads, &start, &ps->vsize, &rss) != 6)
		return false;
	ps->cpu_seconds = (double)(utime + stime) / tck;
	ps->start_time = boot_time() + (double)start / tck;
	ps->rss_bytes = (unsigned long long)rss *
			(unsigned long long)sysconf(_SC_PAGESIZE);
	return true;
}

static long
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	/* Do not count the descriptor opendir itself holds. */
	return n > 0 ? n - 1 : 0;
}

static void
process_metric(struct buf *b, const char *name, const char *type,
	       const char *help, double v)
{
	char val[40];

	fmt_double(v, val, sizeof(val));
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name,
		   type, name, val);
}

/*
 * render_cpu_quota reports the pod's CPU limit and the periods it ran out
 * in, where the process runs under a quota: throttling adds latency while
 * the CPU graph stays below the limit (docs/operations.md, "Scale").
 */
static void
render_cpu_quota(struct buf *b)
{
	med_cgroup_cpu c;

	if (!med_cgroup_cpu_read("/proc/self/cgroup", "/sys/fs/cgroup", &c))
		return;
	const struct {
		const char *name, *type, *help;
		double v;
	} rows[] = {
		{"smartmed_cpu_quota_cores", "gauge",
		 "CPU this process's control group may use (its limits.cpu), "
		 "in cores.",
		 c.quota_cores},
		{"smartmed_cpu_periods_total", "counter",
		 "Enforcement periods of the CPU quota elapsed.",
		 (double)c.periods},
		{"smartmed_cpu_throttled_periods_total", "counter",
		 "Periods in which the group used its CPU quota up and waited "
		 "for the next.",
		 (double)c.throttled},
		{"smartmed_cpu_throttled_seconds_total", "counter",
		 "Time the group's threads waited for a new CPU quota period, "
		 "in seconds.",
		 c.throttled_seconds},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		process_metric(b, rows[i].name, rows[i].type, rows[i].help,
			       rows[i].v);
}

static void
render_process(struct buf *b)
{
	struct proc_stat ps;
	struct rlimit rl;
	long fds = count_fds();

	if (read_stat(&ps)) {
		process_metric(b, "process_cpu_seconds_total", "counter",
			       "Total user and system CPU time spent in "
			       "seconds.",
			       ps.cpu_seconds);
		process_metric(b, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes.",
			       (double)ps.rss_bytes);
		process_metric(b, "process_virtual_memory_bytes", "gauge",
			       "Virtual memory size in bytes.",
			       (double)ps.vsize);
		process_metric(b, "process_start_time_seconds", "gauge",
			       "Start time of the process since unix epoch "
			       "in seconds.",
			       ps.start_time);
		process_metric(b, "process_threads", "gauge",
			       "Number of OS threads in the process.",
			       (double)ps.threads);
	}
	if (fds >= 0)
		process_metric(b, "process_open_fds", "gauge",
			       "Number of open file descriptors.", (double)fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		process_metric(b, "process_max_fds", "gauge",
			       "Maximum number of open file descriptors.",
			       (double)rl.rlim_cur);
	render_cpu_quota(b);
}

/* render_registry runs m's collectors, then writes its families. */
static void
render_registry(struct buf *b, med_metrics *m)
{
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n_collectors; i++)
		m->collectors[i].fn(m->collectors[i].ctx);
	for (const struct family *f = m->head; f != NULL; f = f->next)
		render_family(b, f);
	pthread_mutex_unlock(&m->mu);
}

med_err
med_metrics_render(med_metrics *m, char **out, size_t *len)
{
	med_metrics *lib = med_metrics_lib();
	struct buf b = {0};

	if (m == NULL || out == NULL || len == NULL)
		return MED_ERR_INVALID;
	render_registry(&b, m);
	if (lib != NULL && lib != m)
		render_registry(&b, lib);
	render_process(&b);
	if (!buf_reserve(&b, 0)) {
		free(b.p);
		return MED_ERR_NOMEM;
	}
	b.p[b.len] = '\0';
	*out = b.p;
	*len = b.len;
	return MED_OK;
}
