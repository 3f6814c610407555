/*
 * classic.h - the cpu backend's classic face models: OpenCV Haar cascades
 * (haar.c, parsed by xml.c) and the LBP-histogram embedder (lbp.c), behind
 * one dispatch (classic.c).  Both take u8 grey images [N,1,H,W] of any size
 * and give fixed-size outputs; docs/plugin-abi.md has the tensor contracts.
 */
#ifndef CPU_CLASSIC_H
#define CPU_CLASSIC_H

#include <med/plugin.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cv_classic cv_classic;

/* Haar: outputs "boxes" f32 [N,CV_HAAR_MAX,5] (x,y,w,h,neighbours) and
 * "count" i64 [N,1]. */
#define CV_HAAR_MAX 64

int cv_haar_load(const char *path, const med_plugin_kv *opts, size_t n_opts,
		 cv_classic **out, med_model_info *info, med_plugin_err *err);
/* LBP: output "embedding" f32 [N, grid_x*grid_y*59]. */
int cv_lbp_load(const med_plugin_kv *opts, size_t n_opts, cv_classic **out,
		med_model_info *info, med_plugin_err *err);
int cv_classic_run(cv_classic *c, uint32_t batch, const med_tensor *inputs,
		   med_tensor *outputs, med_plugin_err *err);
void cv_classic_free(cv_classic *c);

/* Caps: a cascade or an image beyond them is refused, never run. */
#define CV_XML_MAX_FILE	   ((size_t)32 << 20)
#define CV_XML_MAX_NODES   (1 << 22)
#define CV_XML_MAX_DEPTH   64
#define CV_HAAR_MAX_WIN	   512 /* cascade window side */
#define CV_HAAR_MAX_STAGES 1000
#define CV_HAAR_MAX_WEAK   200000 /* weak classifiers in all stages */
#define CV_HAAR_MAX_NODES  64	  /* internal nodes per weak classifier */
#define CV_HAAR_MAX_FEATS  200000
#define CV_HAAR_MAX_RAW	   16384 /* raw windows kept before grouping */
#define CV_IMG_MAX_SIDE	   16384

/* ---- xml.c: a bounded XML reader for OpenCV's FileStorage files ---- */

/* cv_xml_node - one element; inner is the raw text between its tags. */
typedef struct cv_xml_node {
	const char *name;
	size_t name_len;
	const char *inner;
	size_t inner_len;
	int first_child; /* -1 when none */
	int next;	 /* next sibling, -1 when none */
} cv_xml_node;

typedef struct cv_xml {
	char *buf; /* the file, NUL-terminated, owned */
	size_t len;
	cv_xml_node *nodes; /* nodes[0] is the root element */
	int n_nodes;
} cv_xml;

/* cv_xml_read loads and parses path; errors name the line and reason. */
int cv_xml_read(const char *path, cv_xml *x, med_plugin_err *err);
/* cv_xml_parse parses buf (len bytes, NUL at buf[len]); takes buf. */
int cv_xml_parse(char *buf, size_t len, cv_xml *x, med_plugin_err *err);
void cv_xml_fini(cv_xml *x);
/* cv_xml_child returns the first child of node named name, or -1. */
int cv_xml_child(const cv_xml *x, int node, const char *name);
/* cv_xml_count returns how many children node has. */
int cv_xml_count(const cv_xml *x, int node);
/*
 * cv_xml_numbers reads up to max numbers from node's text into out and
 * returns how many, or -1 when the text holds something else or more.
 */
int cv_xml_numbers(const cv_xml *x, int node, double *out, int max);

/* ---- haar.c: OpenCV's HAAR/BOOST cascade, detectMultiScale ---- */

typedef struct cv_haar cv_haar;

typedef struct cv_haar_opts {
	double scale_factor; /* 1.1 */
	int min_neighbors;   /* 3; 0 returns raw windows */
	int min_size;	     /* pixels, 0 = the cascade window */
	int max_size;	     /* pixels, 0 = the image */
	int simd; /* 1: the AVX2 evaluator where the CPU has it; 0: scalar */
	int step; /* 0: OpenCV's window step; 1 or 2: that step everywhere */
} cv_haar_opts;

/* cv_haar_from_xml builds a cascade from a parsed file ("name" for errors). */
int cv_haar_from_xml(const cv_xml *x, const char *name, cv_haar **out,
		     med_plugin_err *err);
void cv_haar_free(cv_haar *h);
/* cv_haar_window returns the cascade's window width and height. */
void cv_haar_window(const cv_haar *h, int *w, int *hgt);
/*
 * cv_haar_detect finds objects in a w x h grey image: up to max boxes of
 * 5 floats (x, y, w, h, neighbours), most neighbours first.  *count gets
 * how many were written.  Fails only on memory.
 */
int cv_haar_detect(const cv_haar *h, const cv_haar_opts *o, const uint8_t *img,
		   int w, int hgt, float *boxes, int max, int64_t *count,
		   med_plugin_err *err);

/* ---- lbp.c: uniform LBP histograms over a grid (Ahonen et al. 2006) ---- */

#define CV_LBP_BINS 59

typedef struct cv_lbp_opts {
	int grid_x, grid_y; /* cells across and down: 8 x 8 */
	int radius;	    /* neighbour distance in pixels: 1 */
	int circular;	    /* 0: square, 1: circle read bilinearly */
} cv_lbp_opts;

/* cv_lbp_dim returns the embedding length grid_x * grid_y * 59. */
size_t cv_lbp_dim(const cv_lbp_opts *o);
/*
 * cv_lbp_embed writes the embedding of a w x h grey image into out
 * (cv_lbp_dim floats).  Fails when the image is smaller than the grid.
 */
int cv_lbp_embed(const cv_lbp_opts *o, const uint8_t *img, int w, int h,
		 float *out, med_plugin_err *err);

#endif
