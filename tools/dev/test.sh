#!/bin/sh
# Run the test suites after a build (make test / make unit call this).
#
#   tools/dev/test.sh        unit test binaries, then contract and
#                            integration tests (pytest) against real services
#   tools/dev/test.sh unit   only the unit test binaries
#
# BUILD names the build directory (default build).  Each unit binary runs
# under a time limit; pytest's harness starts a private MariaDB and the
# services on free ports and stops them all, pass or fail.
set -u

cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
export BUILD
PY=/usr/bin/python3
mode=${1:-all}
failed=""

run_unit() {
	# libmed's layers as the objects use them (the includes are make
	# check's): a symbol of a layer above is a failure like a test's.
	echo "=== check_symbols"
	"$PY" tools/dev/check_symbols.py || failed="$failed check_symbols"
	found=0
	for t in "$BUILD"/tests/test_* "$BUILD"/tests/*/test_*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		found=1
		name=${t#"$BUILD"/tests/}
		echo "=== $name"
		timeout -k 10 300 "$t"
		rc=$?
		if [ $rc -ne 0 ]; then
			echo "=== $name FAILED (exit $rc)"
			failed="$failed $name"
		fi
	done
	[ $found -eq 1 ] || echo "no unit test binaries in $BUILD/tests"
}

run_pytest() {
	# tests/ for the harness; the generated messages are appended to
	# sys.path by the harness itself, so build/gen/python/grpc never
	# shadows grpcio.  The whole suite took 28-31 minutes on the shared
	# 2-core machine in the runs of 2026-11-26; the limit only stops a
	# hung run, so it leaves that room twice over and still ends within
	# CI's 90.  --durations lists the slowest tests, the ones to make
	# cheaper first.
	PYTHONPATH="$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" \
		timeout -k 30 3300 "$PY" -m pytest -q -rfE --durations=25 \
		tests/contract tests/integration tests/fhir tests/console
	rc=$?
	[ $rc -eq 0 ] || failed="$failed pytest"
}

case "$mode" in
unit) run_unit ;;
all | "")
	run_unit
	if [ -n "$failed" ]; then
		echo "unit test failures:$failed"
	fi
	run_pytest
	# The services from their container images, as the chart runs them
	# (skips with the reason where podman cannot run containers).
	tools/images/test.sh || failed="$failed image-test"
	# The Helm chart's manifests run by podman kube play, on those images
	# (skips with the reason as the image tests do).
	tools/images/kube-test.sh || failed="$failed kube-test"
	;;
*)
	echo "usage: $0 [unit]" >&2
	exit 2
	;;
esac

if [ -n "$failed" ]; then
	[ "$mode" = unit ] && echo "FAILED:$failed"
	exit 1
fi
[ "$mode" = unit ] && echo "all unit tests passed"
exit 0
