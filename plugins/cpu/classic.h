/*
 * classic.h - the cpu backend's classic face models: OpenCV Haar cascades
 * (haar.c) and the LBP-histogram embedder (lbp.c).  Both take u8 grey
 * images [N,1,H,W] of any size and give fixed-size outputs.
 */
#ifndef CPU_CLASSIC_H
#define CPU_CLASSIC_H

#include <med/plugin.h>

typedef struct cv_classic cv_classic;

/* Haar: outputs "boxes" f32 [N,CV_HAAR_MAX,5] (x,y,w,h,neighbours) and
 * "count" i64 [N,1]. */
#define CV_HAAR_MAX 64

int cv_haar_load(const char *path, const med_plugin_kv *opts, size_t n_opts,
		 cv_classic **out, med_model_info *info, med_plugin_err *err);
/* LBP: output "embedding" f32 [N, grid*grid*59]. */
int cv_lbp_load(const med_plugin_kv *opts, size_t n_opts, cv_classic **out,
		med_model_info *info, med_plugin_err *err);
int cv_classic_run(cv_classic *c, uint32_t batch, const med_tensor *inputs,
		   med_tensor *outputs, med_plugin_err *err);
void cv_classic_free(cv_classic *c);

#endif
