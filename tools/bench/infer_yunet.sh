#!/bin/sh
# tools/bench/infer_yunet.sh - YuNet 640x640 on the cpu backend against
# OpenCV 4.6 DNN (Debian python3-opencv), same machine, same run, 1 and 2
# threads.  Prints the median milliseconds of each and the ratio
# ours/OpenCV (target: <= 1.0).  Not a test: nothing is asserted.
#
# Knobs (environment): BUILD (build), MODEL (../shared/models/yunet/
# yunet_s_640_640.onnx), ROUNDS (3, alternating), RUNS (20 per round),
# THREADS ("1 2"): the cpu backend's threads option (its per-instance
# worker pool, docs/plugin-abi.md) against cv2.setNumThreads.
set -eu

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MODEL=${MODEL:-../shared/models/yunet/yunet_s_640_640.onnx}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-20}
THREADS=${THREADS:-1 2}
PY=/usr/bin/python3

if [ ! -f "$MODEL" ]; then
	echo "infer_yunet: $MODEL absent; nothing to measure (see ../shared/README.md)"
	exit 0
fi
[ -x "$BUILD/bin/bench-infer_yunet" ] || {
	echo "infer_yunet: $BUILD/bin/bench-infer_yunet missing; run make" >&2
	exit 1
}

median() {
	sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo "model $MODEL, $ROUNDS rounds x $RUNS runs, medians in ms"
printf '%-8s %10s %10s %8s\n' threads ours opencv ratio
for t in $THREADS; do
	ours=""
	ocv=""
	for r in $(seq "$ROUNDS"); do
		o=$("$BUILD/bin/bench-infer_yunet" "$MODEL" -p "$BUILD/plugins" \
			-t "$t" -n "$RUNS" | awk '/run_ms_median/ { print $2 }')
		c=$("$PY" tools/bench/infer_yunet_opencv.py "$t" "$RUNS" "$MODEL" |
			awk '/run_ms_median/ { print $2 }')
		ours="$ours $o"
		ocv="$ocv $c"
	done
	mo=$(echo "$ours" | tr ' ' '\n' | grep . | median)
	mc=$(echo "$ocv" | tr ' ' '\n' | grep . | median)
	printf '%-8s %10s %10s %8s\n' "$t" "$mo" "$mc" \
		"$(awk -v a="$mo" -v b="$mc" 'BEGIN { printf "%.2f", a / b }')"
done
