#!/bin/sh
# tools/dev/cuda_device.sh - the cuda backend's checks on a lent GPU machine,
# which gets the working tree and a few carried folders but none of this
# machine's build or libraries (docs/plugin-abi.md, "What is verified").
#
#   tools/dev/cuda_device.sh pack [face]   here, after make: fills .devrun/
#   tools/dev/cuda_device.sh check         there, from the repository root
#
# pack copies what the checks need into .devrun/ (git-ignored; carry it):
# build/plugins/{cpu,cuda}.so, build/tests/test_cuda, build/bin/
# bench-infer_cuda, the generated graphs (the large cuda_graphs set
# xz-compressed), the Debian libraries those need beyond glibc (OpenBLAS
# compressed), and YuNet from ../shared/models when it is there.  About
# 35 MiB; the tree and the carried folder must stay under 64 MiB together.
# "pack face" adds identity's face models (build/models/face, 33 MiB) and,
# to stay under that limit, leaves out the one large generated graph (the
# 17-million-element grid-stride Relu, 34 MiB of inputs and outputs).
#
# check unpacks them, finds cuBLAS (the CUDA image's toolkit), runs
# test_cuda (gpu_parity: every graph, YuNet and the classifier against the
# cpu backend), the same case under compute-sanitizer's memcheck, racecheck
# and initcheck where the machine has it, and tools/bench/infer_cuda.sh;
# everything goes to $OUT/device.log (OUT: the device tool's folder).
set -eu

D=.devrun
cd "$(dirname "$0")/../.."

need_libs() {
	ldd "$@" | awk '$3 ~ /^\// { print $3 }' | sort -u |
		grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so'
}

# pack_cuda_graphs SKIP: the cuda_graphs set, xz-compressed, without the
# graph named SKIP (its files and its manifest line) when one is given.
pack_cuda_graphs() {
	tmp=$(mktemp -d)
	mkdir -p "$tmp/tests/plugins/cuda_graphs"
	for f in build/tests/plugins/cuda_graphs/*; do
		case $(basename "$f") in
		"${1:-none}".*) ;;
		*) cp "$f" "$tmp/tests/plugins/cuda_graphs/" ;;
		esac
	done
	if [ -n "${1:-}" ]; then
		grep -v " $1 " build/tests/plugins/cuda_graphs/manifest.txt \
			>"$tmp/tests/plugins/cuda_graphs/manifest.txt"
	fi
	tar -C "$tmp" -cf - tests/plugins/cuda_graphs | xz -T0 -6 \
		>"$D/cuda_graphs.tar.xz"
	rm -rf "$tmp"
}

pack() {
	for f in build/plugins/cuda.so build/plugins/cpu.so \
		build/tests/test_cuda build/bin/bench-infer_cuda; do
		[ -f "$f" ] || {
			echo "cuda_device: $f missing (make all, with nvcc)" >&2
			exit 1
		}
	done
	rm -rf "$D"
	mkdir -p "$D/build/plugins" "$D/build/tests/plugins" "$D/build/bin" \
		"$D/lib"
	cp build/plugins/cuda.so build/plugins/cpu.so "$D/build/plugins/"
	cp build/tests/test_cuda "$D/build/tests/"
	cp build/bin/bench-infer_cuda "$D/build/bin/"
	cp -r build/tests/plugins/graphs "$D/build/tests/plugins/"
	skip=
	if [ "${1:-}" = face ]; then
		skip=cu_relu_gridstride
		mkdir -p "$D/build/models/face"
		cp build/models/face/*.onnx "$D/build/models/face/"
		echo "cuda_device: face models packed; $skip left out"
	fi
	pack_cuda_graphs "$skip"
	for lib in $(need_libs build/plugins/cuda.so build/plugins/cpu.so \
		build/tests/test_cuda build/bin/bench-infer_cuda); do
		case $lib in
		*libopenblas*)
			xz -T0 -6 -c "$(readlink -f "$lib")" \
				>"$D/lib/$(basename "$lib").xz"
			;;
		*) cp -L "$lib" "$D/lib/" ;;
		esac
	done
	yunet=../shared/models/yunet/yunet_s_640_640.onnx
	[ -f "$yunet" ] && cp "$yunet" "$D/"
	du -sh "$D"
}

check() {
	out=${OUT:-/tmp}
	exec >"$out/device.log" 2>&1
	set +e
	date -u
	nvidia-smi -L
	uname -r
	for z in "$D"/lib/*.xz; do
		[ -f "$z" ] && xz -dc "$z" >"${z%.xz}"
	done
	tar -C "$D/build" -xJf "$D/cuda_graphs.tar.xz"
	cublas=$(find / -xdev -name 'libcublas.so.13' 2>/dev/null | head -1)
	echo "cuBLAS: ${cublas:-none found}"
	LD_LIBRARY_PATH=$PWD/$D/lib${cublas:+:$(dirname "$cublas")}
	export LD_LIBRARY_PATH
	if [ -f "$D/yunet_s_640_640.onnx" ]; then
		mkdir -p ../shared/models/yunet &&
			cp "$D/yunet_s_640_640.onnx" ../shared/models/yunet/
	fi
	echo "=== test_cuda"
	BUILD=$D/build timeout 240 "$D/build/tests/test_cuda"
	echo "test_cuda: exit $?"
	if command -v compute-sanitizer >/dev/null; then
		for tool in memcheck racecheck initcheck; do
			echo "=== compute-sanitizer $tool"
			BUILD=$D/build timeout 150 compute-sanitizer --tool "$tool" \
				--error-exitcode 9 "$D/build/tests/test_cuda" \
				gpu_parity >"$D/sanitizer.txt" 2>&1
			rc=$?
			grep -v -e '^{' -e 'cuda-cpu' "$D/sanitizer.txt"
			echo "$tool: exit $rc"
		done
	fi
	echo "=== benchmark"
	mkdir -p "$D/build/bench"
	python3 tools/bench/infer_cuda_resnet.py "$D/build/bench/resnet18.onnx"
	BUILD=$D/build YUNET=../shared/models/yunet/yunet_s_640_640.onnx \
		EXTRA="$(ls "$D"/build/models/face/*.onnx 2>/dev/null)" \
		timeout 300 sh tools/bench/infer_cuda.sh
	date -u
}

case ${1:-} in
pack) pack "${2:-}" ;;
check) check ;;
*)
	echo "usage: tools/dev/cuda_device.sh pack|check" >&2
	exit 2
	;;
esac
