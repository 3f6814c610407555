#!/bin/sh
# tools/bench/infer_face_models.sh - the deep face models on the cpu backend
# against OpenCV 4.6 DNN (Debian python3-opencv) running the same ONNX
# files, one thread each, same machine, same run.  Not a test: nothing is
# asserted.
#
#   tools/bench/infer_face_models.sh [MODEL.onnx]...
#
# Without arguments: every .onnx in $BUILD/models/face (what make builds
# from tools/facemodels).  Per model it writes one seeded random input
# (pixels 0..255, tools/bench/infer_face_models.py), times it through
# bench-infer_yunet (the inference host loading $BUILD/plugins/cpu.so; that
# program runs any static-shape ONNX file) and through cv2.dnn, alternating,
# and prints the median of the per-round medians of each, the ratio
# ours/OpenCV (target: <= 1.0 for the embedder) and the largest absolute
# difference between the two sides' outputs, also relative to the largest
# output magnitude.  A side that cannot run a model is reported with its
# message and the other side still runs.
# When OpenCV 4.6 cannot import a model because of a Gemm with transB=0
# (its importer takes the output count from the wrong axis), the model is
# measured a second time, both sides, as an equivalent copy with that
# weight stored transposed (transB=1), in a row named MODEL.transB1.onnx.
#
# Knobs (environment): BUILD (build), ROUNDS (3), RUNS (20 per round),
# SEED (15).
set -eu

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-20}
SEED=${SEED:-15}
PY=/usr/bin/python3
HELPER=tools/bench/infer_face_models.py
RUNNER=$BUILD/bin/bench-infer_yunet

[ -x "$RUNNER" ] || {
	echo "infer_face_models: $RUNNER missing; run make" >&2
	exit 1
}
if [ $# -eq 0 ]; then
	set -- "$BUILD"/models/face/*.onnx
	[ -f "$1" ] || {
		echo "infer_face_models: no model in $BUILD/models/face;" \
			"nothing to measure (make deps && make builds them)"
		exit 0
	}
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mid: the median of the numbers on standard input.
mid() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# failed SIDE MODEL ERRFILE: say why a side could not run a model.
failed() {
	echo "$2: $1 failed: $(tail -n 1 "$3")"
}

# ratio A B: A / B to two places, "-" when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" \
		'BEGIN { if (a == "" || b == "") print "-"; else printf "%.2f", a / b }'
}

# rounds MODEL DIR: alternate the two sides; a side that fails is dropped
# (its reason in DIR/err.ours or DIR/err.ocv) and the other goes on.
rounds() {
	ours=ok
	ocv=ok
	ins=$(for f in "$2"/in*.bin; do printf ' -i %s' "$f"; done)
	for r in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086 # $ins is a list of options
		if [ "$ours" = ok ] && ! "$RUNNER" "$1" -p "$BUILD/plugins" -t 1 \
			-n "$RUNS" $ins -o "$2/ours" >"$2/ours.$r" 2>"$2/err.ours"; then
			ours=failed
			failed "cpu backend" "$1" "$2/err.ours"
		fi
		if [ "$ocv" = ok ] && ! "$PY" "$HELPER" time "$RUNS" "$1" "$2" \
			>"$2/ocv.$r" 2>"$2/err.ocv"; then
			ocv=failed
			failed OpenCV "$1" "$2/err.ocv"
		fi
	done
}

# measure N MODEL: one model, in $tmp/N; prints its table row.
measure() {
	d=$tmp/$1
	mkdir -p "$d/ours"
	ocv=untried
	if ! "$PY" "$HELPER" input "$2" "$SEED" "$d" 2>"$d/err"; then
		failed input "$2" "$d/err"
		return 0
	fi
	rounds "$2" "$d"
	diff="- - -"
	if [ "$ours$ocv" = okok ] &&
		! diff=$("$PY" "$HELPER" compare "$2" "$d" "$d/ours" 2>"$d/err"); then
		failed compare "$2" "$d/err"
		diff="- - -"
	fi
	mo=$(cat "$d"/ours.* | awk '/run_ms_median/ { print $2 }' | mid)
	mc=$(cat "$d"/ocv.* | awk '/run_ms_median/ { print $2 }' | mid)
	# shellcheck disable=SC2086 # $diff is three fields
	printf '%-34s %9s %9s %6s %10s %8s %10s\n' "$(basename "$2")" \
		"${mo:--}" "${mc:--}" "$(ratio "$mo" "$mc")" $diff
}

echo "$ROUNDS rounds x $RUNS runs, 1 thread each, medians in ms, seed $SEED"
printf '%-34s %9s %9s %6s %10s %8s %10s\n' model ours opencv ratio \
	max_diff out_max rel_diff
n=0
for m in "$@"; do
	n=$((n + 1))
	measure "$n" "$m"
	copy=$tmp/$n/$(basename "$m" .onnx).transB1.onnx
	if [ "$ocv" = failed ] &&
		"$PY" "$HELPER" rewrite "$m" "$copy" 2>/dev/null; then
		n=$((n + 1))
		measure "$n" "$copy"
	fi
done
