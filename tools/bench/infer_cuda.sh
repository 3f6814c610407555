#!/bin/sh
# tools/bench/infer_cuda.sh - the cuda backend against the cpu backend in
# the same run: YuNet 640x640 (../shared/models) and a ResNet-18-shaped
# classifier (224x224, written by infer_cuda_resnet.py), batch 1 and 32,
# one backend run() per batch (bench-infer_cuda).  Prints the median
# milliseconds per batch and per item of each backend and the ratio
# cpu/cuda (how many times faster the GPU is).  Not a test: nothing is
# asserted.  Without a GPU (or without cuda.so) it says so and exits 0.
#
# Knobs (environment): BUILD (build), YUNET (../shared/models/yunet/
# yunet_s_640_640.onnx), RUNS (10 per measurement, 3 for the cpu backend
# at batch 32), THREADS (cpu backend threads, default: all cores), EXTRA
# (more .onnx files to time the same way, space-separated).
set -eu

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
YUNET=${YUNET:-../shared/models/yunet/yunet_s_640_640.onnx}
RUNS=${RUNS:-10}
THREADS=${THREADS:-$(nproc)}
BENCH=$BUILD/bin/bench-infer_cuda

[ -x "$BENCH" ] || {
	echo "infer_cuda: $BENCH missing; run make" >&2
	exit 1
}
if [ ! -f "$BUILD/plugins/cuda.so" ]; then
	echo "infer_cuda: $BUILD/plugins/cuda.so not built (no nvcc, or make CUDA=0); nothing to measure"
	exit 0
fi
log=$(mktemp)
gpus=$("$BENCH" "$BUILD/plugins/cuda.so" -probe 2>"$log" |
	awk '/^gpus/ { print $2 }')
why=$(sed -n 's/^backend log [0-9]*: //p' "$log" | head -1)
rm -f "$log"
if [ "${gpus:-0}" -eq 0 ]; then
	echo "infer_cuda: no GPU here (${why:-cuda.so found no device}); nothing to measure"
	exit 0
fi

RESNET=$BUILD/bench/resnet18.onnx
if [ ! -f "$RESNET" ]; then
	mkdir -p "$BUILD/bench"
	/usr/bin/python3 tools/bench/infer_cuda_resnet.py "$RESNET"
fi

# measure SO MODEL BATCH RUNS: "batch_ms item_ms"
measure() {
	"$BENCH" "$1" "$2" -b "$3" -n "$4" -t "$THREADS" |
		awk '/run_ms_median/ { b = $2 } /item_ms_median/ { i = $2 }
			END { print b, i }'
}

echo "$gpus GPU(s); cpu backend on $THREADS threads; medians in ms (batch, per item)"
printf '%-16s %5s %12s %10s %12s %10s %8s\n' model batch cpu cpu/item \
	cuda cuda/item cpu/cuda
for model in "$YUNET" "$RESNET" ${EXTRA:-}; do
	if [ ! -f "$model" ]; then
		echo "infer_cuda: $model absent, skipped"
		continue
	fi
	for b in 1 32; do
		cr=$RUNS
		[ "$b" -eq 1 ] || cr=3
		c=$(measure "$BUILD/plugins/cpu.so" "$model" "$b" "$cr")
		g=$(measure "$BUILD/plugins/cuda.so" "$model" "$b" "$RUNS")
		printf '%-16s %5s %12s %10s %12s %10s %8s\n' \
			"$(basename "$model" .onnx | cut -c1-16)" "$b" \
			${c} ${g} \
			"$(echo "$c $g" | awk '{ printf "%.1f", $1 / $3 }')"
	done
done
