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

/* A weak classifier of one node, flattened for the vector evaluator. */
typedef struct haar_stump {
	int feature;
	float threshold;
	float left, right; /* leaf values */
} haar_stump;

struct cv_haar {
	int win_w, win_h;
	int n_stages, n_weak, n_nodes, n_leaves, n_features;
	haar_stage *stages;
	haar_weak *weak;
	haar_node *nodes;
	float *leaves;
	haar_feature *features;
	haar_stump *stumps;  /* NULL unless every tree is a single node */
	int16_t *corners;    /* with stumps: n_features x 12 corners (x, y);
			      * (0, 0) for a missing rect */
	uint16_t reach[512]; /* see make_reach */
	int avx2;	     /* stumps, and a CPU with AVX2 */
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

/*
 * make_reach tabulates which of eight adjacent windows OpenCV's scan
 * visits, since a first-stage rejection skips the next window: entry
 * (skip << 8 | rejected) holds the visited mask and, in bit 8, whether the
 * window after the eight is skipped.
 */
static void
make_reach(cv_haar *h)
{
	for (int i = 0; i < 512; i++) {
		int skip = i >> 8, r = 0;
		for (int j = 0; j < 8; j++) {
			if (skip) {
				skip = 0;
				continue;
			}
			r |= 1 << j;
			skip = i >> j & 1;
		}
		h->reach[i] = (uint16_t)(r | skip << 8);
	}
}

static int have_avx2(void);

/* make_stumps flattens a cascade of single-node trees (all of Debian's
 * frontal-face and eye cascades) for the vector evaluator; others keep the
 * scalar one. */
static int
make_stumps(cv_haar *h, med_plugin_err *err)
{
	for (int i = 0; i < h->n_weak; i++) {
		int end = i + 1 < h->n_weak ? h->weak[i + 1].first_node
					    : h->n_nodes;
		if (end - h->weak[i].first_node != 1)
			return 0;
	}
	make_reach(h);
	h->avx2 = have_avx2();
	h->stumps = calloc((size_t)h->n_weak + 1, sizeof(haar_stump));
	h->corners = calloc((size_t)h->n_features * 24, sizeof(int16_t));
	if (h->stumps == NULL || h->corners == NULL)
		return cv_fail(err, MED_PLUGIN_ENOMEM, "out of memory");
	for (int f = 0; f < h->n_features; f++)
		for (int k = 0; k < h->features[f].n_rects; k++) {
			const haar_rect *r = &h->features[f].r[k];
			int16_t *c = h->corners + 24 * f + 8 * k;
			int16_t x0 = (int16_t)r->x, x1 = (int16_t)(r->x + r->w);
			int16_t y0 = (int16_t)r->y, y1 = (int16_t)(r->y + r->h);
			int16_t v[8] = {x0, y0, x1, y0, x0, y1, x1, y1};
			memcpy(c, v, sizeof(v));
		}
	for (int i = 0; i < h->n_weak; i++) {
		const haar_node *n = &h->nodes[h->weak[i].first_node];
		const float *lv = h->leaves + h->weak[i].first_leaf;
		h->stumps[i] = (haar_stump){n->feature, n->threshold,
					    lv[-n->left], lv[-n->right]};
	}
	return 0;
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
	if (rc == 0)
		rc = make_stumps(r.h, err);
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
	free(h->stumps);
	free(h->corners);
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
	int step;      /* between windows, in pixels of the level */
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

/* push adds the window at (x, y) of a level at scale to the raw boxes. */
static void
push(const cv_haar *h, float scale, int x, int y, haar_raw *raw)
{
	if (raw->n < CV_HAAR_MAX_RAW)
		raw->b[raw->n++] =
			(haar_box){(int)lrintf((float)x * scale),
				   (int)lrintf((float)y * scale),
				   (int)lrintf((float)h->win_w * scale),
				   (int)lrintf((float)h->win_h * scale), 1};
}

/* The window step: OpenCV's ystep (2 pixels below scale 2, 1 from it)
 * unless the "step" option fixes it. */
static int
level_step(const cv_haar_opts *o, float scale)
{
	if (o->step > 0)
		return o->step;
	return scale >= 2 ? 1 : 2;
}

static void
scan_level(const cv_haar *h, const haar_level *L, float scale, haar_raw *raw)
{
	int step = L->step;
	int xe = L->w + 1 - h->win_w, ye = L->h + 1 - h->win_h;

	for (int y = 0; y < ye; y += step)
		for (int x = 0; x < xe; x += step) {
			int r = window(h, L, x, y);
			if (r > 0)
				push(h, scale, x, y, raw);
			if (r == 0)
				x += step;
		}
}

/*
 * ---- the vector evaluator (AVX2) ----
 *
 * The same arithmetic as window(), eight windows at a time, so the boxes
 * are bit for bit the scalar ones (tests/integration/test_classic_faces.py
 * holds both to OpenCV; bench-classic compares them): float feature values
 * without fused multiply-adds, stage sums in double in the same order.
 * Windows one step apart must be adjacent words, so at step 2 the integral
 * images are split into their even and odd columns ("planes").  A row's
 * windows go through the stages eight adjacent ones at a time with plain
 * loads, OpenCV's skip after a first-stage rejection applied as the scan
 * would (make_reach), while at least HAAR_ROW_LANES of the eight live; the
 * rest are handed on, and go through their remaining stages stage by
 * stage, eight at a time with gathers.  The survivors are put back in
 * scan order, so the raw boxes come out in the scalar order.
 */
#define HAAR_PAD 64 /* words read past a row's end by the last lanes */
#ifndef HAAR_ROW_LANES
#define HAAR_ROW_LANES 3 /* live windows of eight to keep on a row */
#endif

/* A stump with its feature's corners as offsets in one view: what the
 * vector evaluator reads, in cascade order. */
typedef struct haar_vstump {
	int32_t ofs[12]; /* 3 rects x 4 corners; 0 for a missing rect */
	float w[3];
	int three; /* the third rect has a weight */
	float threshold, left, right;
} haar_vstump;

typedef struct haar_view {
	int step, vstride; /* words between rows of the view */
	size_t plane;	   /* words from the even to the odd plane */
	const uint32_t *sum, *sq;
	struct haar_vstump *st; /* every stump, compiled for this view */
	int32_t norm[4];
} haar_view;

/* haar_cands: the windows the row pass hands on, with the stage each goes
 * on with (n_stages: passed them all); then, bucketed by that stage, the
 * working list of the stage-by-stage pass (capacity + 8 each). */
typedef struct haar_cands {
	int32_t *at; /* a window's top left in the view */
	float *norm;
	int16_t *stage;
	int32_t *at2; /* the buckets */
	float *norm2;
	int *first; /* n_stages + 2 bucket starts */
} haar_cands;

static int32_t
view_ofs(const haar_view *v, int cx, int cy)
{
	if (v->step == 1)
		return cy * v->vstride + cx;
	return (int32_t)((size_t)(cx & 1) * v->plane) + cy * v->vstride +
	       (cx >> 1);
}

/* split copies an integral image's even columns to e and odd ones to o. */
static void
split(const uint32_t *src, const haar_level *L, int hs, uint32_t *e,
      uint32_t *o)
{
	for (int y = 0; y <= L->h; y++) {
		const uint32_t *s = src + (size_t)y * L->stride;
		uint32_t *de = e + (size_t)y * hs, *dodd = o + (size_t)y * hs;
		for (int k = 0; k < hs; k++) {
			de[k] = s[2 * k];
			dodd[k] = 2 * k + 1 < L->stride ? s[2 * k + 1] : 0;
		}
	}
}

/* make_view sets up the view of level L; planes holds 2 x (2 x plane +
 * HAAR_PAD) words. */
static void
make_view(const cv_haar *h, const haar_level *L, uint32_t *planes, haar_view *v)
{
	v->step = L->step;
	v->vstride = L->stride;
	v->plane = 0;
	v->sum = L->sum;
	v->sq = L->sqsum;
	if (v->step == 1) {
		/* The last lanes of a row read up to HAAR_PAD words past
		 * the level: defined values, though never used. */
		size_t end = (size_t)(L->h + 1) * L->stride;
		memset(L->sum + end, 0, HAAR_PAD * sizeof(uint32_t));
		memset(L->sqsum + end, 0, HAAR_PAD * sizeof(uint32_t));
	} else {
		v->vstride = (L->stride + 1) / 2;
		v->plane = (size_t)(L->h + 1) * v->vstride;
		uint32_t *q = planes + 2 * v->plane + HAAR_PAD;
		split(L->sum, L, v->vstride, planes, planes + v->plane);
		split(L->sqsum, L, v->vstride, q, q + v->plane);
		memset(planes + 2 * v->plane, 0, HAAR_PAD * sizeof(uint32_t));
		memset(q + 2 * v->plane, 0, HAAR_PAD * sizeof(uint32_t));
		v->sum = planes;
		v->sq = q;
	}
	v->norm[0] = view_ofs(v, 1, 1);
	v->norm[1] = view_ofs(v, h->win_w - 1, 1);
	v->norm[2] = view_ofs(v, 1, h->win_h - 1);
	v->norm[3] = view_ofs(v, h->win_w - 1, h->win_h - 1);
	for (int i = 0; i < h->n_weak; i++) {
		const haar_stump *s = &h->stumps[i];
		const haar_feature *ft = &h->features[s->feature];
		const int16_t *c = h->corners + 24 * s->feature;
		haar_vstump *d = &v->st[i];
		for (int k = 0; k < 12; k++)
			d->ofs[k] = view_ofs(v, c[2 * k], c[2 * k + 1]);
		for (int k = 0; k < 3; k++)
			d->w[k] = ft->r[k].weight;
		d->three = ft->n_rects > 2 && ft->r[2].weight != 0.0f;
		d->threshold = s->threshold;
		d->left = s->left;
		d->right = s->right;
	}
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define HAAR_AVX2 __attribute__((target("avx2")))

/* corner8 loads one rectangle corner of eight windows: adjacent ones
 * (gather 0; p points at the first window) or any (base: their offsets). */
HAAR_AVX2 static inline __m256i
corner8(const uint32_t *p, __m256i base, int32_t o, int gather)
{
	if (gather)
		return _mm256_i32gather_epi32(
			(const int *)p,
			_mm256_add_epi32(base, _mm256_set1_epi32(o)), 4);
	return _mm256_loadu_si256((const __m256i *)(const void *)(p + o));
}

HAAR_AVX2 static inline __m256i
rsum8(const uint32_t *p, __m256i base, const int32_t *o, int gather)
{
	__m256i a = corner8(p, base, o[0], gather);
	__m256i b = corner8(p, base, o[1], gather);
	__m256i c = corner8(p, base, o[2], gather);
	__m256i d = corner8(p, base, o[3], gather);

	return _mm256_add_epi32(_mm256_sub_epi32(_mm256_sub_epi32(a, b), c), d);
}

HAAR_AVX2 static inline __m256
wsum8(float w, const uint32_t *p, __m256i base, const int32_t *o, int gather)
{
	return _mm256_mul_ps(_mm256_set1_ps(w),
			     _mm256_cvtepi32_ps(rsum8(p, base, o, gather)));
}

HAAR_AVX2 static inline __m256
feature8(const haar_vstump *st, const uint32_t *p, __m256i base, int gather)
{
	__m256 s = _mm256_add_ps(wsum8(st->w[0], p, base, st->ofs, gather),
				 wsum8(st->w[1], p, base, st->ofs + 4, gather));

	if (st->three)
		s = _mm256_add_ps(
			s, wsum8(st->w[2], p, base, st->ofs + 8, gather));
	return s;
}

/* stage8 runs stage si on eight windows; returns the mask of those that
 * pass it (bit i: window i). */
HAAR_AVX2 static inline int
stage8(const cv_haar *h, const haar_view *v, const uint32_t *p, __m256i base,
       __m256 norm, int si, int gather)
{
	const haar_stage *st = &h->stages[si];
	const haar_vstump *s = v->st + st->first_weak;
	__m256d lo = _mm256_setzero_pd(), hi = lo, t;

	for (int i = 0; i < st->n_weak; i++, s++) {
		__m256 f = _mm256_mul_ps(feature8(s, p, base, gather), norm);
		__m256 lt = _mm256_cmp_ps(f, _mm256_set1_ps(s->threshold),
					  _CMP_LT_OQ);
		__m256 leaf = _mm256_blendv_ps(_mm256_set1_ps(s->right),
					       _mm256_set1_ps(s->left), lt);
		lo = _mm256_add_pd(
			lo, _mm256_cvtps_pd(_mm256_castps256_ps128(leaf)));
		hi = _mm256_add_pd(
			hi, _mm256_cvtps_pd(_mm256_extractf128_ps(leaf, 1)));
	}
	t = _mm256_set1_pd((double)st->threshold);
	return ~(_mm256_movemask_pd(_mm256_cmp_pd(lo, t, _CMP_LT_OQ)) |
		 _mm256_movemask_pd(_mm256_cmp_pd(hi, t, _CMP_LT_OQ)) << 4) &
	       0xff;
}

/* norm4 is window()'s normalisation for four windows: sum s, squared sum
 * q (unsigned); *ok gets the bits of those not flat. */
HAAR_AVX2 static inline __m128
norm4(__m128i s, __m128i q, double area, int *ok)
{
	__m256d a = _mm256_set1_pd(area), sd = _mm256_cvtepi32_pd(s);
	__m256d qd = _mm256_add_pd(
		_mm256_cvtepi32_pd(_mm_xor_si128(q, _mm_set1_epi32(INT32_MIN))),
		_mm256_set1_pd(2147483648.0));
	__m256d nf = _mm256_sub_pd(_mm256_mul_pd(a, qd), _mm256_mul_pd(sd, sd));
	__m128 n = _mm256_cvtpd_ps(
		_mm256_div_pd(_mm256_set1_pd(1.), _mm256_sqrt_pd(nf)));
	__m256d pos = _mm256_cmp_pd(nf, _mm256_setzero_pd(), _CMP_GT_OQ);
	__m256d low = _mm256_cmp_pd(_mm256_mul_pd(a, _mm256_cvtps_pd(n)),
				    _mm256_set1_pd(1e-1), _CMP_LT_OQ);

	*ok = _mm256_movemask_pd(_mm256_and_pd(pos, low));
	return n;
}

/* norm8 is window()'s normalisation for the eight windows at p; *ok gets
 * the mask of those not flat. */
HAAR_AVX2 static inline __m256
norm8(const cv_haar *h, const haar_view *v, size_t at, int *ok)
{
	double area = (double)(h->win_w - 2) * (h->win_h - 2);
	__m256i z = _mm256_setzero_si256();
	__m256i s = rsum8(v->sum + at, z, v->norm, 0);
	__m256i q = rsum8(v->sq + at, z, v->norm, 0);
	int ok_lo, ok_hi;
	__m128 lo = norm4(_mm256_castsi256_si128(s), _mm256_castsi256_si128(q),
			  area, &ok_lo);
	__m128 hi = norm4(_mm256_extracti128_si256(s, 1),
			  _mm256_extracti128_si256(q, 1), area, &ok_hi);

	*ok = ok_lo | ok_hi << 4;
	return _mm256_set_m128(hi, lo);
}

/* hand_on appends the windows of mask alive (of the eight at at) to c
 * from index n, to go on with stage si; returns the new count. */
static int
hand_on(haar_cands *c, int n, int alive, size_t at, const float *nv, int si)
{
	for (; alive; alive &= alive - 1, n++) {
		int j = __builtin_ctz((unsigned)alive);
		c->at[n] = (int32_t)at + j;
		c->norm[n] = nv[j];
		c->stage[n] = (int16_t)si;
	}
	return n;
}

/*
 * row_pass runs the stages on the windows of row y that the scan visits,
 * eight adjacent ones at a time with plain loads, as long as at least
 * HAAR_ROW_LANES of them are alive (cheaper than gathers then), and hands
 * the rest on to c from index n; returns the new count.
 */
HAAR_AVX2 static int
row_pass(const cv_haar *h, const haar_view *v, int y, int nk, haar_cands *c,
	 int n)
{
	__m256i z = _mm256_setzero_si256();
	int skip = 0;

	for (int k = 0; k < nk; k += 8) {
		size_t at = (size_t)y * v->vstride + k;
		float nv[8];
		int ok, pass = 0, alive, reach, si = 1;
		__m256 nrm = norm8(h, v, at, &ok);
		if (ok)
			pass = stage8(h, v, v->sum + at, z, nrm, 0, 0);
		reach = h->reach[skip << 8 | (ok & ~pass & 0xff)];
		skip = reach >> 8;
		alive = reach & ok & pass &
			(nk - k < 8 ? (1 << (nk - k)) - 1 : 0xff);
		for (; si < h->n_stages &&
		       __builtin_popcount((unsigned)alive) >= HAAR_ROW_LANES;
		     si++)
			alive &= stage8(h, v, v->sum + at, z, nrm, si, 0);
		_mm256_storeu_ps(nv, nrm);
		n = hand_on(c, n, alive, at, nv, si);
	}
	return n;
}

/* bucket sorts the n handed-on windows by stage into at2/norm2, stably;
 * first[s] is where stage s's bucket starts, first[n_stages + 1] the end. */
static void
bucket(const cv_haar *h, haar_cands *c, int n)
{
	int *first = c->first, ns = h->n_stages;

	memset(first, 0, sizeof(int) * (size_t)(ns + 2));
	for (int i = 0; i < n; i++)
		first[c->stage[i] + 1]++;
	for (int s = 1; s <= ns + 1; s++)
		first[s] += first[s - 1];
	for (int i = 0; i < n; i++) {
		int d = first[c->stage[i]]++;
		c->at2[d] = c->at[i];
		c->norm2[d] = c->norm[i];
	}
	for (int s = ns + 1; s > 0; s--)
		first[s] = first[s - 1];
	first[0] = 0;
}

/* take appends bucket s to the working list of m windows. */
static int
take(haar_cands *c, int s, int m)
{
	int len = c->first[s + 1] - c->first[s];

	memcpy(c->at + m, c->at2 + c->first[s], sizeof(int32_t) * (size_t)len);
	memcpy(c->norm + m, c->norm2 + c->first[s],
	       sizeof(float) * (size_t)len);
	return m + len;
}

static int
cmp_at(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* filter_stage keeps the n candidates that pass stage si, in order. */
HAAR_AVX2 static int
filter_stage(const cv_haar *h, const haar_view *v, int si, haar_cands *c, int n)
{
	int m = 0;

	for (int j = n; j < n + 8; j++) {
		c->at[j] = c->at[0];
		c->norm[j] = c->norm[0];
	}
	for (int i = 0; i < n; i += 8) {
		__m256i base = _mm256_loadu_si256(
			(const __m256i *)(const void *)(c->at + i));
		__m256 nrm = _mm256_loadu_ps(c->norm + i);
		int pass = stage8(h, v, v->sum, base, nrm, si, 1);
		if (n - i < 8)
			pass &= (1 << (n - i)) - 1;
		for (; pass; pass &= pass - 1, m++) {
			int j = i + __builtin_ctz((unsigned)pass);
			c->at[m] = c->at[j], c->norm[m] = c->norm[j];
		}
	}
	return m;
}

HAAR_AVX2 static void
scan_level_avx2(const cv_haar *h, const haar_view *v, const haar_level *L,
		float scale, haar_raw *raw, haar_cands *c)
{
	int xe = L->w + 1 - h->win_w, ye = L->h + 1 - h->win_h;
	int nk = xe > 0 ? (xe + v->step - 1) / v->step : 0, n = 0;

	for (int y = 0; y < ye; y += v->step)
		n = row_pass(h, v, y, nk, c, n);
	bucket(h, c, n);
	n = 0;
	for (int si = 1; si < h->n_stages; si++)
		if ((n = take(c, si, n)) > 0)
			n = filter_stage(h, v, si, c, n);
	/* With those that passed every stage in the row pass, back into
	 * scan order: the raw boxes' order is the scalar scan's. */
	n = take(c, h->n_stages, n);
	qsort(c->at, (size_t)n, sizeof(int32_t), cmp_at);
	for (int i = 0; i < n; i++)
		push(h, scale, c->at[i] % v->vstride * v->step,
		     c->at[i] / v->vstride, raw);
}

static int
have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}
#else
static void
scan_level_avx2(const cv_haar *h, const haar_view *v, const haar_level *L,
		float scale, haar_raw *raw, haar_cands *c)
{
	(void)v, (void)c;
	scan_level(h, L, scale, raw);
}

static int
have_avx2(void)
{
	return 0;
}
#endif

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

/* haar_work is one run's scratch memory. */
typedef struct haar_work {
	uint8_t *buf; /* the resized level */
	haar_level L;
	int simd;
	uint32_t *planes;
	haar_view v;
	haar_cands c;
} haar_work;

static void
work_free(haar_work *k)
{
	free(k->buf);
	free(k->L.sum);
	free(k->L.sqsum);
	free(k->L.ofs);
	free(k->planes);
	free(k->v.st);
	free(k->c.at);
	free(k->c.norm);
	free(k->c.stage);
	free(k->c.at2);
	free(k->c.norm2);
	free(k->c.first);
}

/* work_alloc sizes everything for the largest level, w x hgt, with room
 * for the pads that make_view zeroes after each level's integrals. */
static int
work_alloc(const cv_haar *h, const cv_haar_opts *o, int w, int hgt,
	   haar_work *k)
{
	size_t cells = (size_t)(w + 1) * (hgt + 1) + HAAR_PAD;
	size_t plane = (size_t)(hgt + 1) * (size_t)((w + 2) / 2);
	/* Windows per level: step 1 only from scale 2 (a level of at most
	 * half the size) unless the "step" option says 1. */
	size_t cands = o->step == 1 ? (size_t)(w + 2) * (hgt + 2) + 8
				    : (size_t)(w / 2 + 2) * (hgt / 2 + 2) + 8;
	size_t ofs = (size_t)h->n_features * 12 * sizeof(int32_t);

	k->buf = malloc((size_t)w * hgt);
	k->L.sum = malloc(cells * sizeof(uint32_t));
	k->L.sqsum = malloc(cells * sizeof(uint32_t));
	if (!k->buf || !k->L.sum || !k->L.sqsum)
		return -1;
	if (!k->simd) {
		k->L.ofs = malloc(ofs);
		return k->L.ofs ? 0 : -1;
	}
	k->planes = malloc((4 * plane + 2 * HAAR_PAD) * sizeof(uint32_t));
	k->v.st = malloc((size_t)h->n_weak * sizeof(haar_vstump));
	k->c.at = malloc(cands * sizeof(int32_t));
	k->c.norm = malloc(cands * sizeof(float));
	k->c.stage = malloc(cands * sizeof(int16_t));
	k->c.at2 = malloc(cands * sizeof(int32_t));
	k->c.norm2 = malloc(cands * sizeof(float));
	k->c.first = malloc(sizeof(int) * ((size_t)h->n_stages + 2));
	return k->planes && k->v.st && k->c.at && k->c.norm && k->c.stage &&
			       k->c.at2 && k->c.norm2 && k->c.first
		       ? 0
		       : -1;
}

static int
detect_raw(const cv_haar *h, const cv_haar_opts *o, const uint8_t *img, int w,
	   int hgt, haar_raw *raw)
{
	float sc[1024];
	int n = scales(h, o, w, hgt, sc, 1024), rc = -1;
	haar_work k = {.simd = o->simd && h->stumps != NULL && h->avx2};
	haar_level *L = &k.L;

	if (work_alloc(h, o, w, hgt, &k))
		goto out;
	for (int i = 0; i < n; i++) {
		L->w = (int)lrintf((float)w / sc[i]);
		L->h = (int)lrintf((float)hgt / sc[i]);
		L->stride = L->w + 1;
		L->step = level_step(o, sc[i]);
		if (L->w > w || L->h > hgt ||
		    resize_exact(img, w, hgt, k.buf, L->w, L->h))
			goto out;
		integrate(k.buf, L);
		if (k.simd) {
			make_view(h, L, k.planes, &k.v);
			scan_level_avx2(h, &k.v, L, sc[i], raw, &k.c);
		} else {
			level_offsets(h, L);
			scan_level(h, L, sc[i], raw);
		}
	}
	rc = 0;
out:
	work_free(&k);
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
