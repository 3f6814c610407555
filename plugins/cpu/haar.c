/*
 * haar.c - OpenCV's Haar cascades (the "opencv-cascade-classifier" format
 * of opencv_traincascade and of Debian's opencv-data files): the cascade
 * read from the parsed XML, then detectMultiScale as OpenCV 4 does it, so
 * that the same XML gives the same faces: a pyramid of bilinear-resized
 * images, integral and squared-integral images, a fixed 24x24 (or so)
 * window stepped 2 pixels (1 from scale 2 up), every feature divided by the
 * window's area x standard deviation, stage sums against the stage
 * thresholds, then groupRectangles (eps 0.2, min_neighbors).  Tilted
 * features and the old "opencv-haar-classifier" format are refused.
 */
#include "classic.h"
#include "cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* OpenCV lowers every stage threshold by this much when it loads one. */
#define STAGE_EPS 1e-5f
#define GROUP_EPS 0.2

typedef struct haar_rect {
	int x, y, w, h;
	float weight;
} haar_rect;

typedef struct haar_feature {
	int n_rects;
	haar_rect r[3];
} haar_feature;

typedef struct haar_node {
	int left, right; /* > 0: a node of the tree; <= 0: leaf -value */
	int feature;
	float threshold;
} haar_node;

typedef struct haar_weak {
	int first_node; /* in nodes[] */
	int first_leaf; /* in leaves[] */
} haar_weak;

typedef struct haar_stage {
	int first_weak, n_weak;
	float threshold;
} haar_stage;

struct cv_haar {
	int win_w, win_h;
	int n_stages, n_weak, n_nodes, n_leaves, n_features;
	haar_stage *stages;
	haar_weak *weak;
	haar_node *nodes;
	float *leaves;
	haar_feature *features;
};

/* ---- reading the cascade ---- */

typedef struct haar_reader {
	const cv_xml *x;
	const char *name;
	cv_haar *h;
	int node_cap, leaf_cap;
	med_plugin_err *err;
} haar_reader;

static int
num1(const cv_xml *x, int parent, const char *child, double *v)
{
	return cv_xml_numbers(x, cv_xml_child(x, parent, child), v, 1) == 1
		       ? 0
		       : -1;
}

static int
int_in(double v, int lo, int hi)
{
	return v == floor(v) && v >= lo && v <= hi;
}

static int
grow(void **p, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return 0;
	int cap2 = *cap ? *cap : 256;
	while (cap2 < need)
		cap2 *= 2;
	void *q = realloc(*p, (size_t)cap2 * elem);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = cap2;
	return 0;
}

/* read_tree checks one weak classifier: children after their parent (so
 * evaluation always ends), leaves and features in range. */
static int
read_tree(haar_reader *r, int wnode, int si, int wi)
{
	double nv[4 * CV_HAAR_MAX_NODES + 1], lv[CV_HAAR_MAX_NODES + 2];
	int nn =
		cv_xml_numbers(r->x, cv_xml_child(r->x, wnode, "internalNodes"),
			       nv, 4 * CV_HAAR_MAX_NODES);
	int nl = cv_xml_numbers(r->x, cv_xml_child(r->x, wnode, "leafValues"),
				lv, CV_HAAR_MAX_NODES + 2);
	cv_haar *h = r->h;

	if (nn <= 0 || nn % 4 != 0 || nl != nn / 4 + 1)
		return cv_fail(
			r->err, MED_PLUGIN_EINVAL,
			"%s: stage %d weak %d: internalNodes (%d numbers) "
			"and leafValues (%d) do not form a tree",
			r->name, si, wi, nn, nl);
	nn /= 4;
	if (grow((void **)&h->nodes, &r->node_cap, h->n_nodes + nn,
		 sizeof(haar_node)) ||
	    grow((void **)&h->leaves, &r->leaf_cap, h->n_leaves + nl,
		 sizeof(float)))
		return cv_fail(r->err, MED_PLUGIN_ENOMEM, "out of memory");
	h->weak[h->n_weak] = (haar_weak){h->n_nodes, h->n_leaves};
	for (int k = 0; k < nn; k++) {
		const double *q = nv + 4 * k;
		if (!int_in(q[0], -(nl - 1), nn - 1) ||
		    !int_in(q[1], -(nl - 1), nn - 1) ||
		    (q[0] > 0 && q[0] <= k) || (q[1] > 0 && q[1] <= k) ||
		    !int_in(q[2], 0, CV_HAAR_MAX_FEATS - 1))
			return cv_fail(r->err, MED_PLUGIN_EINVAL,
				       "%s: stage %d weak %d node %d: bad "
				       "child or feature index",
				       r->name, si, wi, k);
		h->nodes[h->n_nodes++] = (haar_node){(int)q[0], (int)q[1],
						     (int)q[2], (float)q[3]};
	}
	for (int k = 0; k < nl; k++)
		h->leaves[h->n_leaves++] = (float)lv[k];
	h->n_weak++;
	return 0;
}

static int
read_stage(haar_reader *r, int snode, int si)
{
	cv_haar *h = r->h;
	int wc = cv_xml_child(r->x, snode, "weakClassifiers");
	int n = cv_xml_count(r->x, wc);
	double thr;

	if (num1(r->x, snode, "stageThreshold", &thr) || wc < 0 || n == 0)
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: stage %d lacks stageThreshold or "
			       "weakClassifiers",
			       r->name, si);
	if (h->n_weak + n > CV_HAAR_MAX_WEAK)
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: more than %d weak classifiers", r->name,
			       CV_HAAR_MAX_WEAK);
	h->stages[si] = (haar_stage){h->n_weak, n, (float)thr - STAGE_EPS};
	int wi = 0;
	for (int w = r->x->nodes[wc].first_child; w >= 0;
	     w = r->x->nodes[w].next, wi++) {
		int rc = read_tree(r, w, si, wi);
		if (rc)
			return rc;
	}
	return 0;
}

static int
read_rects(haar_reader *r, int fnode, int fi, haar_feature *f)
{
	int rects = cv_xml_child(r->x, fnode, "rects");
	int n = cv_xml_count(r->x, rects), k = 0;

	if (n < 1 || n > 3)
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: feature %d has %d rects (1 to 3 allowed)",
			       r->name, fi, n);
	f->n_rects = n;
	for (int c = r->x->nodes[rects].first_child; c >= 0;
	     c = r->x->nodes[c].next, k++) {
		double v[5];
		if (cv_xml_numbers(r->x, c, v, 5) != 5 ||
		    !int_in(v[0], 0, r->h->win_w) ||
		    !int_in(v[1], 0, r->h->win_h) ||
		    !int_in(v[2], 0, r->h->win_w - (int)v[0]) ||
		    !int_in(v[3], 0, r->h->win_h - (int)v[1]))
			return cv_fail(r->err, MED_PLUGIN_EINVAL,
				       "%s: feature %d rect %d is not "
				       "\"x y w h weight\" inside the %dx%d "
				       "window",
				       r->name, fi, k, r->h->win_w,
				       r->h->win_h);
		f->r[k] = (haar_rect){(int)v[0], (int)v[1], (int)v[2],
				      (int)v[3], (float)v[4]};
	}
	return 0;
}

static int
read_features(haar_reader *r, int fs)
{
	cv_haar *h = r->h;
	int n = cv_xml_count(r->x, fs), fi = 0;

	if (fs < 0 || n == 0 || n > CV_HAAR_MAX_FEATS)
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: features: %d (1 to %d allowed)", r->name, n,
			       CV_HAAR_MAX_FEATS);
	h->features = calloc((size_t)n, sizeof(haar_feature));
	if (h->features == NULL)
		return cv_fail(r->err, MED_PLUGIN_ENOMEM, "out of memory");
	h->n_features = n;
	for (int c = r->x->nodes[fs].first_child; c >= 0;
	     c = r->x->nodes[c].next, fi++) {
		double tilted = 0;
		int t = cv_xml_child(r->x, c, "tilted");
		if (t >= 0 && cv_xml_numbers(r->x, t, &tilted, 1) != 1)
			tilted = -1;
		if (tilted != 0)
			return cv_fail(r->err, MED_PLUGIN_EUNSUP,
				       "%s: feature %d is tilted: rotated "
				       "Haar features are not supported",
				       r->name, fi);
		int rc = read_rects(r, c, fi, &h->features[fi]);
		if (rc)
			return rc;
	}
	return 0;
}

static int
check_refs(const haar_reader *r)
{
	for (int i = 0; i < r->h->n_nodes; i++)
		if (r->h->nodes[i].feature >= r->h->n_features)
			return cv_fail(r->err, MED_PLUGIN_EINVAL,
				       "%s: a node uses feature %d of %d",
				       r->name, r->h->nodes[i].feature,
				       r->h->n_features);
	return 0;
}

static int
check_kind(haar_reader *r, int cas)
{
	const cv_xml *x = r->x;
	int st = cv_xml_child(x, cas, "stageType");
	int ft = cv_xml_child(x, cas, "featureType");

	if (cv_xml_child(x, cas, "trees") >= 0 ||
	    cv_xml_child(x, cas, "size") >= 0 ||
	    (cv_xml_child(x, cas, "stages") >= 0 && st < 0))
		return cv_fail(r->err, MED_PLUGIN_EUNSUP,
			       "%s: old opencv-haar-classifier format; "
			       "convert it to the cascade format",
			       r->name);
	if (st < 0 || x->nodes[st].inner_len != 5 ||
	    memcmp(x->nodes[st].inner, "BOOST", 5) != 0)
		return cv_fail(r->err, MED_PLUGIN_EUNSUP,
			       "%s: stageType is not BOOST", r->name);
	if (ft < 0 || x->nodes[ft].inner_len != 4 ||
	    memcmp(x->nodes[ft].inner, "HAAR", 4) != 0)
		return cv_fail(r->err, MED_PLUGIN_EUNSUP,
			       "%s: featureType is not HAAR (LBP and HOG "
			       "cascades are not supported)",
			       r->name);
	return 0;
}

static int
read_cascade(haar_reader *r)
{
	const cv_xml *x = r->x;
	int cas = x->nodes[0].first_child, stages, si = 0, rc;
	double w, hgt;

	if (x->nodes[0].name_len != 14 ||
	    memcmp(x->nodes[0].name, "opencv_storage", 14) != 0 || cas < 0)
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: not an OpenCV cascade (no "
			       "<opencv_storage> with a cascade)",
			       r->name);
	rc = check_kind(r, cas);
	if (rc)
		return rc;
	if (num1(x, cas, "width", &w) || num1(x, cas, "height", &hgt) ||
	    !int_in(w, 3, CV_HAAR_MAX_WIN) || !int_in(hgt, 3, CV_HAAR_MAX_WIN))
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: width and height must be 3 to %d", r->name,
			       CV_HAAR_MAX_WIN);
	r->h->win_w = (int)w;
	r->h->win_h = (int)hgt;
	stages = cv_xml_child(x, cas, "stages");
	r->h->n_stages = cv_xml_count(x, stages);
	if (r->h->n_stages < 1 || r->h->n_stages > CV_HAAR_MAX_STAGES)
		return cv_fail(r->err, MED_PLUGIN_EINVAL,
			       "%s: %d stages (1 to %d allowed)", r->name,
			       r->h->n_stages, CV_HAAR_MAX_STAGES);
	r->h->stages = calloc((size_t)r->h->n_stages, sizeof(haar_stage));
	r->h->weak = calloc(CV_HAAR_MAX_WEAK, sizeof(haar_weak));
	if (r->h->stages == NULL || r->h->weak == NULL)
		return cv_fail(r->err, MED_PLUGIN_ENOMEM, "out of memory");
	for (int s = x->nodes[stages].first_child; s >= 0;
	     s = x->nodes[s].next, si++) {
		rc = read_stage(r, s, si);
		if (rc)
			return rc;
	}
	rc = read_features(r, cv_xml_child(x, cas, "features"));
	return rc ? rc : check_refs(r);
}

int
cv_haar_from_xml(const cv_xml *x, const char *name, cv_haar **out,
		 med_plugin_err *err)
{
	haar_reader r = {.x = x, .name = name, .err = err};
	int rc;

	r.h = calloc(1, sizeof(cv_haar));
	if (r.h == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	rc = read_cascade(&r);
	if (rc) {
		cv_haar_free(r.h);
		return rc;
	}
	*out = r.h;
	return 0;
}

void
cv_haar_free(cv_haar *h)
{
	if (h == NULL)
		return;
	free(h->stages);
	free(h->weak);
	free(h->nodes);
	free(h->leaves);
	free(h->features);
	free(h);
}

void
cv_haar_window(const cv_haar *h, int *w, int *hgt)
{
	*w = h->win_w;
	*hgt = h->win_h;
}

/* ---- detection ---- */

/* One pyramid level: the resized image's integral images, and every
 * feature's rectangle corners as offsets from a window's top left. */
typedef struct haar_level {
	int w, h;      /* resized image */
	int stride;    /* w + 1 */
	uint32_t *sum; /* (h+1) x (w+1); unsigned so overflow wraps as in
			* OpenCV's 32-bit sums, and differences stay exact */
	uint32_t *sqsum;
	int32_t *ofs; /* n_features x 3 x 4 */
	int norm[4];  /* the normalisation rect (1,1,W-2,H-2) */
} haar_level;

typedef struct haar_box {
	int x, y, w, h;
	int n;
} haar_box;

typedef struct haar_raw {
	haar_box *b;
	int n;
} haar_raw;

static void
hresize(const uint8_t *row, int sw, int dw, const int *xo, const int16_t *xa,
	int32_t *out)
{
	for (int x = 0; x < dw; x++) {
		int s = xo[x];
		int nx = s + 1 < sw ? s + 1 : s;
		out[x] = row[s] * xa[2 * x] + row[nx] * xa[2 * x + 1];
	}
}

/*
 * resize_exact is OpenCV's INTER_LINEAR_EXACT for u8, the resize its
 * detector uses: coefficients in 8-bit fixed point rounded from double,
 * rows in 16 bits, the vertical pass rounded once.  So the pyramid holds
 * exactly the pixels OpenCV's detector sees.
 */
static void
exact_coefs(int src, int dst, int *ofs, int16_t *a)
{
	double scale = (double)src / dst;

	for (int d = 0; d < dst; d++) {
		double f = (d + 0.5) * scale - 0.5;
		int s = (int)floor(f);
		f -= s;
		if (s < 0)
			f = 0, s = 0;
		if (s >= src - 1)
			f = 0, s = src - 1;
		ofs[d] = s;
		a[2 * d + 1] = (int16_t)floor(f * 256 + 0.5);
		a[2 * d] = (int16_t)(256 - a[2 * d + 1]);
	}
}

static int
resize_exact(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh)
{
	int *xo = malloc(sizeof(int) * (size_t)(dw + dh));
	int16_t *xa = malloc(sizeof(int16_t) * 2 * (size_t)(dw + dh));
	int32_t *r0 = malloc(sizeof(int32_t) * 2 * (size_t)dw);
	int *yo;
	int16_t *ya;

	if (!xo || !xa || !r0) {
		free(xo), free(xa), free(r0);
		return -1;
	}
	yo = xo + dw;
	ya = xa + 2 * dw;
	exact_coefs(sw, dw, xo, xa);
	exact_coefs(sh, dh, yo, ya);
	for (int y = 0; y < dh; y++) {
		int s = yo[y], ns = s + 1 < sh ? s + 1 : s;
		int32_t *r1 = r0 + dw;
		hresize(src + (size_t)s * sw, sw, dw, xo, xa, r0);
		hresize(src + (size_t)ns * sw, sw, dw, xo, xa, r1);
		for (int x = 0; x < dw; x++) {
			uint32_t v = (uint32_t)r0[x] * (uint32_t)ya[2 * y] +
				     (uint32_t)r1[x] * (uint32_t)ya[2 * y + 1];
			v = (v + (1u << 15)) >> 16;
			dst[(size_t)y * dw + x] = (uint8_t)(v > 255 ? 255 : v);
		}
	}
	free(xo), free(xa), free(r0);
	return 0;
}

static void
integrate(const uint8_t *img, haar_level *L)
{
	int st = L->stride;

	memset(L->sum, 0, sizeof(uint32_t) * (size_t)st);
	memset(L->sqsum, 0, sizeof(uint32_t) * (size_t)st);
	for (int y = 0; y < L->h; y++) {
		uint32_t s = 0, q = 0;
		uint32_t *S = L->sum + (size_t)(y + 1) * st;
		uint32_t *Q = L->sqsum + (size_t)(y + 1) * st;
		S[0] = Q[0] = 0;
		for (int x = 0; x < L->w; x++) {
			uint32_t v = img[(size_t)y * L->w + x];
			s += v;
			q += v * v;
			S[x + 1] = S[x + 1 - st] + s;
			Q[x + 1] = Q[x + 1 - st] + q;
		}
	}
}

static void
rect_ofs(int x, int y, int w, int h, int stride, int32_t *o)
{
	o[0] = y * stride + x;
	o[1] = y * stride + x + w;
	o[2] = (y + h) * stride + x;
	o[3] = (y + h) * stride + x + w;
}

static int32_t
rect_sum(const uint32_t *p, const int32_t *o)
{
	return (int32_t)(p[o[0]] - p[o[1]] - p[o[2]] + p[o[3]]);
}

static void
level_offsets(const cv_haar *h, haar_level *L)
{
	rect_ofs(1, 1, h->win_w - 2, h->win_h - 2, L->stride, L->norm);
	for (int f = 0; f < h->n_features; f++)
		for (int k = 0; k < 3; k++) {
			const haar_rect *r = &h->features[f].r[k];
			int32_t *o = L->ofs + 12 * f + 4 * k;
			if (k < h->features[f].n_rects)
				rect_ofs(r->x, r->y, r->w, r->h, L->stride, o);
			else
				memset(o, 0, 4 * sizeof(int32_t));
		}
}

static float
feature(const cv_haar *h, const haar_level *L, const uint32_t *p, int f)
{
	const haar_feature *ft = &h->features[f];
	const int32_t *o = L->ofs + 12 * f;
	float v = ft->r[0].weight * (float)rect_sum(p, o) +
		  ft->r[1].weight * (float)rect_sum(p, o + 4);

	if (ft->n_rects > 2 && ft->r[2].weight != 0.0f)
		v += ft->r[2].weight * (float)rect_sum(p, o + 8);
	return v;
}

/* window returns 1 when every stage accepts the window at (x, y), 0 when
 * the first stage rejects it, -1 otherwise (OpenCV's runAt, sign only). */
static int
window(const cv_haar *h, const haar_level *L, int x, int y)
{
	size_t at = (size_t)y * L->stride + x;
	const uint32_t *p = L->sum + at, *q = L->sqsum + at;
	double area = (double)(h->win_w - 2) * (h->win_h - 2);
	int32_t s = rect_sum(p, L->norm);
	uint32_t sq = (uint32_t)rect_sum(q, L->norm);
	double nf = area * sq - (double)s * s;
	float norm;

	/* Flat windows (standard deviation <= 10) are skipped, as OpenCV. */
	if (!(nf > 0.))
		return -1;
	norm = (float)(1. / sqrt(nf));
	if (!(area * norm < 1e-1))
		return -1;
	for (int si = 0; si < h->n_stages; si++) {
		const haar_stage *st = &h->stages[si];
		double sum = 0;
		for (int wi = st->first_weak; wi < st->first_weak + st->n_weak;
		     wi++) {
			const haar_weak *w = &h->weak[wi];
			const haar_node *nodes = h->nodes + w->first_node;
			int idx = 0;
			do {
				const haar_node *n = &nodes[idx];
				float v = feature(h, L, p, n->feature) * norm;
				idx = v < n->threshold ? n->left : n->right;
			} while (idx > 0);
			sum += h->leaves[w->first_leaf - idx];
		}
		if (sum < st->threshold)
			return si == 0 ? 0 : -1;
	}
	return 1;
}

static void
scan_level(const cv_haar *h, const haar_level *L, float scale, haar_raw *raw)
{
	int step = scale >= 2 ? 1 : 2;
	int ww = (int)lrintf((float)h->win_w * scale);
	int wh = (int)lrintf((float)h->win_h * scale);
	int xe = L->w + 1 - h->win_w, ye = L->h + 1 - h->win_h;

	for (int y = 0; y < ye; y += step)
		for (int x = 0; x < xe; x += step) {
			int r = window(h, L, x, y);
			if (r > 0 && raw->n < CV_HAAR_MAX_RAW)
				raw->b[raw->n++] = (haar_box){
					(int)lrintf((float)x * scale),
					(int)lrintf((float)y * scale), ww, wh,
					1};
			if (r == 0)
				x += step;
		}
}

/* scales lists the pyramid as OpenCV's detectMultiScale does. */
static int
scales(const cv_haar *h, const cv_haar_opts *o, int w, int hgt, float *out,
       int max)
{
	int n = 0, max_w = o->max_size > 0 ? o->max_size : w;
	int max_h = o->max_size > 0 ? o->max_size : hgt;

	for (double f = 1; n < max; f *= o->scale_factor) {
		long ww = lrint(h->win_w * f), wh = lrint(h->win_h * f);
		if (ww > max_w || wh > max_h || ww > w || wh > hgt)
			break;
		if (ww < o->min_size || wh < o->min_size)
			continue;
		out[n++] = (float)f;
	}
	return n;
}

static int
detect_raw(const cv_haar *h, const cv_haar_opts *o, const uint8_t *img, int w,
	   int hgt, haar_raw *raw)
{
	float sc[1024];
	int n = scales(h, o, w, hgt, sc, 1024), rc = -1;
	haar_level L = {0};
	size_t cells = (size_t)(w + 1) * (hgt + 1);
	uint8_t *buf = malloc((size_t)w * hgt);

	L.sum = malloc(cells * sizeof(uint32_t));
	L.sqsum = malloc(cells * sizeof(uint32_t));
	L.ofs = malloc((size_t)h->n_features * 12 * sizeof(int32_t));
	if (!buf || !L.sum || !L.sqsum || !L.ofs)
		goto out;
	for (int i = 0; i < n; i++) {
		L.w = (int)lrintf((float)w / sc[i]);
		L.h = (int)lrintf((float)hgt / sc[i]);
		L.stride = L.w + 1;
		if (L.w > w || L.h > hgt ||
		    resize_exact(img, w, hgt, buf, L.w, L.h))
			goto out;
		integrate(buf, &L);
		level_offsets(h, &L);
		scan_level(h, &L, sc[i], raw);
	}
	rc = 0;
out:
	free(buf);
	free(L.sum);
	free(L.sqsum);
	free(L.ofs);
	return rc;
}

/* ---- groupRectangles ---- */

static int
similar(const haar_box *a, const haar_box *b)
{
	double d = GROUP_EPS *
		   ((a->w < b->w ? a->w : b->w) + (a->h < b->h ? a->h : b->h)) *
		   0.5;

	return abs(a->x - b->x) <= d && abs(a->y - b->y) <= d &&
	       abs(a->x + a->w - b->x - b->w) <= d &&
	       abs(a->y + a->h - b->y - b->h) <= d;
}

static int
root_of(int *parent, int i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

/* cluster averages each class of similar boxes into out[]; count. */
static int
cluster(const haar_raw *raw, int *parent, haar_box *out)
{
	int n = 0;

	for (int i = 0; i < raw->n; i++)
		parent[i] = i;
	for (int i = 0; i < raw->n; i++)
		for (int j = i + 1; j < raw->n; j++)
			if (similar(&raw->b[i], &raw->b[j])) {
				int a = root_of(parent, i);
				int b = root_of(parent, j);
				if (a != b)
					parent[a > b ? a : b] = a < b ? a : b;
			}
	/* A root is the smallest index of its class, so classes come in
	 * order of first appearance; label[root] = class. */
	int *label = parent + raw->n;
	for (int i = 0; i < raw->n; i++) {
		int r = root_of(parent, i);
		if (r == i) {
			label[i] = n;
			out[n++] = (haar_box){0, 0, 0, 0, 0};
		}
		haar_box *c = &out[label[r]];
		c->x += raw->b[i].x, c->y += raw->b[i].y;
		c->w += raw->b[i].w, c->h += raw->b[i].h;
		c->n++;
	}
	for (int i = 0; i < n; i++) {
		float s = 1.f / (float)out[i].n;
		out[i].x = (int)lrintf((float)out[i].x * s);
		out[i].y = (int)lrintf((float)out[i].y * s);
		out[i].w = (int)lrintf((float)out[i].w * s);
		out[i].h = (int)lrintf((float)out[i].h * s);
	}
	return n;
}

/* inside: a small box within a bigger, better-supported one is dropped. */
static int
inside(const haar_box *r1, const haar_box *r2, int thr)
{
	int dx = (int)lrint(r2->w * GROUP_EPS);
	int dy = (int)lrint(r2->h * GROUP_EPS);

	return r2->n > thr && r1->x >= r2->x - dx && r1->y >= r2->y - dy &&
	       r1->x + r1->w <= r2->x + r2->w + dx &&
	       r1->y + r1->h <= r2->y + r2->h + dy &&
	       (r2->n > (r1->n > 3 ? r1->n : 3) || r1->n < 3);
}

static int
group(haar_raw *raw, int thr, haar_box *out, int *n_out)
{
	int *parent, n, k = 0;

	if (thr <= 0) {
		memcpy(out, raw->b, sizeof(haar_box) * (size_t)raw->n);
		*n_out = raw->n;
		return 0;
	}
	parent = malloc(sizeof(int) * 2 * (size_t)(raw->n + 1));
	if (parent == NULL)
		return -1;
	n = cluster(raw, parent, out);
	free(parent);
	for (int i = 0; i < n; i++) {
		int j;
		if (out[i].n <= thr)
			continue;
		for (j = 0; j < n; j++)
			if (j != i && inside(&out[i], &out[j], thr))
				break;
		if (j == n)
			raw->b[k++] = out[i];
	}
	memcpy(out, raw->b, sizeof(haar_box) * (size_t)k);
	*n_out = k;
	return 0;
}

static int
by_support(const void *a, const void *b)
{
	const haar_box *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->y != y->y ? (x->y < y->y ? -1 : 1)
			    : (x->x > y->x) - (x->x < y->x);
}

int
cv_haar_detect(const cv_haar *h, const cv_haar_opts *o, const uint8_t *img,
	       int w, int hgt, float *boxes, int max, int64_t *count,
	       med_plugin_err *err)
{
	haar_raw raw = {malloc(sizeof(haar_box) * CV_HAAR_MAX_RAW), 0};
	haar_box *grouped = malloc(sizeof(haar_box) * CV_HAAR_MAX_RAW);
	int n = 0, rc = 0;

	if (!raw.b || !grouped || detect_raw(h, o, img, w, hgt, &raw) ||
	    group(&raw, o->min_neighbors, grouped, &n)) {
		rc = cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
		goto out;
	}
	qsort(grouped, (size_t)n, sizeof(haar_box), by_support);
	if (n > max)
		n = max;
	memset(boxes, 0, sizeof(float) * 5 * (size_t)max);
	/* Rounding can push a box a pixel or two past the image: clipped
	 * after grouping, as OpenCV 4.6 does. */
	for (int i = 0; i < n; i++) {
		const haar_box *g = &grouped[i];
		float *b = boxes + 5 * i;
		b[0] = (float)g->x, b[1] = (float)g->y;
		b[2] = (float)(g->w < w - g->x ? g->w : w - g->x);
		b[3] = (float)(g->h < hgt - g->y ? g->h : hgt - g->y);
		b[4] = (float)g->n;
	}
	*count = n;
out:
	free(raw.b);
	free(grouped);
	return rc;
}
