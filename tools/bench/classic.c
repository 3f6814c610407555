/*
 * classic.c - run the cpu backend's classic face models (Haar cascade,
 * LBP embedder) through the inference host on raw grey images read from
 * stdin: the C half of tests/integration/test_classic_faces.py and of
 * tools/bench/classic_orl.py, and the Haar speed benchmark.
 *
 *   bench-classic haar CASCADE.xml [-p PLUGIN_DIR] [-n RUNS] [-c]
 *                 [KEY=VALUE...]
 *   bench-classic lbp [-p PLUGIN_DIR] [-n RUNS] [KEY=VALUE...]
 *
 * stdin: records "W H\n" followed by W*H bytes of 8-bit grey pixels.
 * stdout, one line per record: haar "N x y w h neighbours ..." (N boxes),
 * lbp the embedding's floats.  KEY=VALUE pairs are model-load options
 * (docs/plugin-abi.md).  With -n, each image is run RUNS more times and
 * "run_ms_median X" ends the output (the median over all runs).
 *
 * -c (haar, with -n) times the same images in the same run twice more:
 * through a second load of the model with simd=0 (the scalar evaluator;
 * its boxes must equal the first's) and through OpenCV
 * (cv2.CascadeClassifier.detectMultiScale2 of Debian's python3-opencv, one
 * thread, the same scale_factor, min_neighbors, min_size and max_size),
 * then prints their medians and the ratios.
 */
#include <med/infer.h>
#include <med/log.h>
#include <med/util.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPTS   8
#define MAX_IMAGES 4096
#define MAX_MS	   100000

typedef struct args {
	const char *format, *path, *plugin_dir;
	int runs, compare;
	med_plugin_kv opts[MAX_OPTS + 1];
	char *keys[MAX_OPTS];
	size_t n_opts;
} args;

typedef struct image {
	int w, h;
	uint8_t *px;
} image;

/* A timed pass: one model over every image, RUNS times each. */
typedef struct pass {
	double *ms;
	size_t n_ms;
	char **lines; /* each image's printed result */
} pass;

static int
parse_args(int argc, char **argv, args *a)
{
	int i = 2;

	if (argc < 2)
		return -1;
	a->plugin_dir = "build/plugins";
	a->format = strcmp(argv[1], "haar") == 0 ? "haar-xml" : "lbp";
	if (strcmp(argv[1], "haar") == 0) {
		if (argc < 3)
			return -1;
		a->path = argv[i++];
	} else if (strcmp(argv[1], "lbp") != 0) {
		return -1;
	}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			a->plugin_dir = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			a->runs = (int)strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "-c") == 0 && a->path != NULL) {
			a->compare = 1;
		} else if (eq != NULL && a->n_opts < MAX_OPTS) {
			a->keys[a->n_opts] =
				strndup(argv[i], (size_t)(eq - argv[i]));
			a->opts[a->n_opts] =
				(med_plugin_kv){a->keys[a->n_opts], eq + 1};
			a->n_opts++;
		} else {
			return -1;
		}
	}
	return 0;
}

/* opt returns the value given for key, or dflt. */
static const char *
opt(const args *a, const char *key, const char *dflt)
{
	for (size_t i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].key, key) == 0)
			return a->opts[i].value;
	return dflt;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* format_out renders one result as its output line (malloc'd). */
static char *
format_out(const args *a, const med_tensor *out)
{
	size_t n = strcmp(a->format, "lbp") == 0
			   ? out[0].size / sizeof(float)
			   : 1 + 5 * (size_t) * (const int64_t *)out[1].data;
	size_t cap = 24 * n + 2, len = 0;
	const float *f = out[0].data;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a->format, "lbp") == 0)
			len += (size_t)snprintf(s + len, cap - len,
						i ? " %.7g" : "%.7g",
						(double)f[i]);
		else if (i == 0)
			len += (size_t)snprintf(
				s + len, cap - len, "%lld",
				(long long)*(const int64_t *)out[1].data);
		else
			len += (size_t)snprintf(s + len, cap - len, " %g",
						(double)f[i - 1]);
	}
	return s;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double
median(double *ms, size_t n)
{
	qsort(ms, n, sizeof(double), cmp_double);
	return n ? ms[n / 2] : 0;
}

/* run_one runs one image, keeps its result line, then times RUNS repeats. */
static int
run_one(med_infer_model *m, const args *a, const image *img, med_tensor *out,
	pass *p, size_t i)
{
	med_tensor in = {.dtype = MED_DTYPE_U8,
			 .n_dims = 4,
			 .dims = {1, 1, img->h, img->w},
			 .data = img->px,
			 .size = (size_t)img->w * (size_t)img->h};
	uint32_t n_out = med_infer_model_info(m)->n_outputs;
	char msg[256];

	if (med_infer_run(m, &in, 1, out, n_out, msg, sizeof(msg)) != MED_OK) {
		fprintf(stderr, "bench-classic: run: %s\n", msg);
		return -1;
	}
	p->lines[i] = format_out(a, out);
	if (p->lines[i] == NULL)
		return -1;
	for (int r = 0; r < a->runs && p->n_ms < MAX_MS; r++) {
		double t0 = now_ms();
		if (med_infer_run(m, &in, 1, out, n_out, msg, sizeof(msg)) !=
		    MED_OK)
			return -1;
		p->ms[p->n_ms++] = now_ms() - t0;
	}
	return 0;
}

/* run_pass runs model m over every image into p. */
static int
run_pass(med_infer_model *m, const args *a, const image *imgs, size_t n,
	 pass *p)
{
	const med_model_info *info = med_infer_model_info(m);
	med_tensor out[2] = {{0}};
	int rc = 0;

	p->ms = malloc(sizeof(double) * MAX_MS);
	p->lines = calloc(n + 1, sizeof(char *));
	for (uint32_t i = 0; i < info->n_outputs && i < 2; i++) {
		out[i].size = med_tensor_nbytes(info->outputs[i].dtype,
						info->outputs[i].n_dims,
						info->outputs[i].dims);
		out[i].data = malloc(out[i].size);
		if (out[i].data == NULL)
			rc = -1;
	}
	if (p->ms == NULL || p->lines == NULL)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = run_one(m, a, &imgs[i], out, p, i);
	free(out[0].data);
	free(out[1].data);
	return rc;
}

static void
pass_fini(pass *p, size_t n)
{
	for (size_t i = 0; p->lines && i < n; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->ms);
}

/* read_images reads stdin's records; returns how many, -1 on error. */
static long
read_images(image *imgs)
{
	long n = 0;
	int w, h;

	while (n < MAX_IMAGES && scanf("%d %d", &w, &h) == 2 &&
	       getchar() == '\n') {
		size_t size = (size_t)w * (size_t)h;
		if (w < 1 || h < 1)
			return -1;
		imgs[n] = (image){w, h, malloc(size)};
		if (imgs[n].px == NULL ||
		    fread(imgs[n].px, 1, size, stdin) != size) {
			free(imgs[n].px);
			return -1;
		}
		n++;
	}
	return n;
}

static med_err
load(med_infer_host *h, const args *a, size_t n_opts, med_infer_model **m)
{
	char msg[256] = "";
	med_infer_model_opts o = {.format = a->format,
				  .path = a->path,
				  .device = MED_DEVICE_CPU,
				  .opts = a->opts,
				  .n_opts = n_opts};
	med_err err = med_infer_model_load(h, &o, m, msg, sizeof(msg));

	if (err != MED_OK)
		fprintf(stderr, "bench-classic: load: %s\n", msg);
	return err;
}

/* The OpenCV half of -c: same records, same options, one thread. */
static const char CV_SCRIPT[] =
	"import sys, time, cv2, numpy as np\n"
	"casc, sf, mn, mi, ma, runs, path = sys.argv[1:8]\n"
	"cv2.setNumThreads(1)\n"
	"cc = cv2.CascadeClassifier(casc)\n"
	"data, imgs, i = open(path, 'rb').read(), [], 0\n"
	"while i < len(data):\n"
	"    j = data.index(b'\\n', i)\n"
	"    w, h = map(int, data[i:j].split())\n"
	"    imgs.append(np.frombuffer(data[j + 1:j + 1 + w * h], np.uint8)"
	".reshape(h, w))\n"
	"    i = j + 1 + w * h\n"
	"ms = []\n"
	"for g in imgs:\n"
	"    for r in range(int(runs) + 1):\n"
	"        t = time.perf_counter()\n"
	"        cc.detectMultiScale2(g, float(sf), int(mn), 0, "
	"(int(mi), int(mi)), (int(ma), int(ma)))\n"
	"        if r:\n"
	"            ms.append((time.perf_counter() - t) * 1000)\n"
	"ms.sort()\n"
	"print('%.3f %.3f' % (ms[len(ms) // 2], ms[0]))\n";

static int
write_file(const char *path, const void *buf, size_t len, const image *imgs,
	   size_t n)
{
	FILE *f = fopen(path, "wb");
	int rc = f == NULL ? -1 : 0;

	if (rc == 0 && buf != NULL && fwrite(buf, 1, len, f) != len)
		rc = -1;
	for (size_t i = 0; rc == 0 && imgs && i < n; i++)
		if (fprintf(f, "%d %d\n", imgs[i].w, imgs[i].h) < 0 ||
		    fwrite(imgs[i].px, 1, (size_t)imgs[i].w * imgs[i].h, f) !=
			    (size_t)imgs[i].w * imgs[i].h)
			rc = -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	return rc;
}

/* opencv_ms times the images through python3-opencv: the median, and the
 * fastest run in *min; -1 when it fails. */
static double
opencv_ms(const args *a, const image *imgs, size_t n, double *min)
{
	char dir[] = "/tmp/bench-classic-XXXXXX", py[64], raw[64], cmd[1024];
	double ms = -1;
	FILE *p;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(py, sizeof(py), "%s/cv.py", dir);
	snprintf(raw, sizeof(raw), "%s/images.raw", dir);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s '%s' %s %s %s %s %d %s",
		 py, a->path, opt(a, "scale_factor", "1.1"),
		 opt(a, "min_neighbors", "3"), opt(a, "min_size", "0"),
		 opt(a, "max_size", "0"), a->runs, raw);
	if (strchr(a->path, '\'') == NULL &&
	    write_file(py, CV_SCRIPT, sizeof(CV_SCRIPT) - 1, NULL, 0) == 0 &&
	    write_file(raw, NULL, 0, imgs, n) == 0 &&
	    (p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%lf %lf", &ms, min) != 2)
			ms = -1;
		if (pclose(p) != 0)
			ms = -1;
	}
	unlink(py);
	unlink(raw);
	rmdir(dir);
	return ms;
}

/* compare runs the scalar evaluator and OpenCV beside ours (pass p). */
static int
compare(med_infer_host *h, args *a, const image *imgs, size_t n, pass *p)
{
	med_infer_model *m = NULL;
	pass s = {0};
	size_t same = 0;
	double ours = median(p->ms, p->n_ms), scalar, cv, cv_min = 0, s_min;

	a->opts[a->n_opts] = (med_plugin_kv){"simd", "0"};
	if (load(h, a, a->n_opts + 1, &m) != MED_OK ||
	    run_pass(m, a, imgs, n, &s) != 0) {
		med_infer_model_free(m);
		pass_fini(&s, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		same += strcmp(s.lines[i], p->lines[i]) == 0;
	scalar = median(s.ms, s.n_ms);
	s_min = s.ms[0];
	med_infer_model_free(m);
	pass_fini(&s, n);
	cv = opencv_ms(a, imgs, n, &cv_min);
	printf("scalar_ms_median %.3f identical %zu/%zu\n", scalar, same, n);
	if (cv > 0)
		printf("opencv_ms_median %.3f\n", cv);
	else
		printf("opencv_ms_median unavailable (python3-opencv?)\n");
	printf("haar ms median over %zu images x %d runs: ours %.3f, scalar "
	       "%.3f, OpenCV %.3f; OpenCV/ours %.2f, scalar/ours %.2f\n",
	       n, a->runs, ours, scalar, cv, cv > 0 ? cv / ours : 0,
	       scalar / ours);
	printf("haar ms fastest run: ours %.3f, scalar %.3f, OpenCV %.3f\n",
	       p->ms[0], s_min, cv_min);
	return same == n ? 0 : -1;
}

static int
bench(med_infer_host *h, args *a)
{
	image *imgs = calloc(MAX_IMAGES, sizeof(image));
	med_infer_model *m = NULL;
	pass p = {0};
	long n = imgs ? read_images(imgs) : -1;
	int rc = n < 0 ? -1 : 0;

	if (rc == 0 && (load(h, a, a->n_opts, &m) != MED_OK ||
			run_pass(m, a, imgs, (size_t)n, &p) != 0))
		rc = -1;
	for (long i = 0; rc == 0 && i < n; i++)
		printf("%s\n", p.lines[i]);
	if (rc == 0 && p.n_ms > 0)
		printf("run_ms_median %.3f\n", median(p.ms, p.n_ms));
	if (rc == 0 && a->compare && p.n_ms > 0)
		rc = compare(h, a, imgs, (size_t)n, &p);
	med_infer_model_free(m);
	pass_fini(&p, n > 0 ? (size_t)n : 0);
	for (long i = 0; i < n; i++)
		free(imgs[i].px);
	free(imgs);
	return rc;
}

int
main(int argc, char **argv)
{
	args a = {0};
	med_infer_config cfg = {.threads = 1};
	med_infer_host *h = NULL;
	int rc = 1;

	if (parse_args(argc, argv, &a)) {
		fprintf(stderr, "usage: bench-classic haar CASCADE.xml | lbp "
				"[-p PLUGIN_DIR] [-n RUNS] [-c] "
				"[KEY=VALUE...]\n");
		return 2;
	}
	med_log_init("bench-classic", MED_LOG_WARN);
	cfg.plugin_dir = a.plugin_dir;
	if (med_infer_host_new(&cfg, &h) != MED_OK) {
		fprintf(stderr, "bench-classic: no host at %s\n", a.plugin_dir);
		goto out;
	}
	rc = bench(h, &a) ? 1 : 0;
out:
	med_infer_host_free(h);
	for (size_t i = 0; i < a.n_opts; i++)
		free(a.keys[i]);
	return rc;
}
