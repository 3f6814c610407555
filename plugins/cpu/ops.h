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

extern const cv_op op_elem_table[];
extern const cv_op op_conv_table[];
extern const cv_op op_data_table[];

#endif
