/*
 * fuzz_onnx.c - libFuzzer target for the ONNX loader (make fuzz-onnx, clang
 * only; not part of make test).  Seed it with build/tests/plugins/graphs:
 *
 *   make fuzz-onnx && build/fuzz/fuzz_onnx build/tests/plugins/graphs
 *
 * The deterministic replay in tests/unit/test_infer_cpu.c
 * (corruption_replay) runs in make test.
 */
#include "cpu.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	med_plugin_err err = {0};
	cv_graph *g = NULL;

	if (cv_onnx_load_fused(data, size,
			       CV_FUSE_LEAKY | CV_FUSE_PRELU | CV_FUSE_CLIP, &g,
			       &err) == 0)
		cv_graph_free(g);
	return 0;
}
