/*
 * ops.h - helpers and tables shared by the ops_*.c operator files.
 */
#ifndef CPU_OPS_H
#define CPU_OPS_H

#include "cpu.h"

int op_infer_same(cv_graph *g, cv_node *n, const cv_attr_src *s,
		  med_plugin_err *err);
void op_run_copy(const cv_graph *g, const cv_node *n, cv_exec *x);
/* op_broadcast: numpy broadcasting of a and b into dims; -1 if not. */
int op_broadcast(const cv_value *a, const cv_value *b, int *ndim,
		 int64_t *dims);

/*
 * cv_sgemm_split is cv_sgemm with C's columns split over the pool in
 * blocks of 16; every element is computed as cv_sgemm would.
 */
void cv_sgemm_split(struct cv_pool *p, int trans_a, int trans_b, int m, int n,
		    int k, float alpha, const float *a, int lda, const float *b,
		    int ldb, float beta, float *c, int ldc);

extern const cv_op op_elem_table[];
extern const cv_op op_conv_table[];
extern const cv_op op_data_table[];

#endif
