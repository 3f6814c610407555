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
	# A store holds no call (tools/dev/store-call-allow.txt lists none).
	echo "=== check_stores"
	"$PY" tools/dev/check_stores.py || failed="$failed check_stores"
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
	# shadows grpcio.  The suite waits far more than it computes (the
	# shared 2-core machine stayed 75-90 % idle through a serial run of
	# 24-25 minutes), so PYTEST_WORKERS processes (pytest-xdist) run it,
	# each test file whole on one of them with its own stacks and, under
	# xdist, its own block of ports (tests/harness/stack_processes.py);
	# PYTEST_WORKERS=0 runs it in this process.  The limit only stops a
	# hung run.  --durations lists the slowest tests, the ones to make
	# cheaper first.
	workers=${PYTEST_WORKERS:-2}
	spread=""
	if [ "$workers" != 0 ]; then
		if "$PY" -c "import xdist" 2>/dev/null; then
			spread="-n $workers --dist loadfile"
		else
			echo "test.sh: pytest-xdist missing (make deps installs" \
				"python3-pytest-xdist): one process" >&2
		fi
	fi
	# shellcheck disable=SC2086 # spread is options, split on purpose
	PYTHONPATH="$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" \
		timeout -k 30 3300 "$PY" -m pytest -q -rfE --durations=25 \
		$spread tests/contract tests/integration tests/fhir tests/console
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
