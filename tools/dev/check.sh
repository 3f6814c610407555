#!/bin/sh
# Static checks behind `make check`: formatting, cppcheck, banned functions,
# the layers of libmed and of every service (services/*/LAYERS)
# (tools/dev/check_layers.py, and check_symbols.py once built), no call in
# a store object (tools/dev/check_stores.py once built), the stores' column tables
# (tools/dev/check_columns.py), docs/architecture.md and
# the pages under docs/internals/
# against the tree, and the README's and docs' claims a script can check
# (tools/dev/check_docs.py), the checked claims of docs/architecture.md and
# docs/internals/ (docs/internals/claims.tsv, tools/dev/check_claims.py)
# and no history narrated there, and docs/security.md's role matrix against the
# services' method tables (tools/dev/gen-role-matrix.py), and no C function
# over tools/dev/check_fnlen.py's limit.
#
#   tools/dev/check.sh            run every section
#   tools/dev/check.sh format     only clang-format (also: cppcheck, banned,
#                                 layers, columns, architecture, claims, docs,
#                                 roles, fnlen)
#
# Every section runs even when an earlier one failed; the exit status is 1
# when any failed.  CHECK_VERBOSE=1 prints every clang-format finding instead
# of a count per file.
#
# Files: the C (and CUDA .cu) sources git knows about, tracked or new but not ignored
# (git ls-files --cached --others --exclude-standard), so a new file is
# checked before it is committed and build/ (ignored) never is.
#
# Suppressions (false positives only; each needs a reason):
# - cppcheck missingIncludeSystem: system and third-party headers are not
#   given to cppcheck on purpose; it checks our code, not theirs.
# - cppcheck legacyUninitvar in common/src/rpc/*.c: cppcheck 2.10 reports a
#   gRPC struct set with a designated initializer ("grpc_op op = {.op = X};")
#   as uninitialised once a member is assigned; C zeroes the other members.
#   Only the rpc files use gRPC types, so the suppression stops there.
# - A finding in one line that is a false positive is silenced in the code
#   with "// cppcheck-suppress <id>" and a comment saying why.
# - A line that must name a banned function (for instance a comment quoting
#   it) carries the marker "check:allow-banned".
set -u

cd "$(dirname "$0")/../.." || exit 2

failed=""
only=${1:-}

header() {
	printf '\n== %s\n' "$1"
}

result() {
	# result NAME STATUS: print the section's outcome and remember failures.
	if [ "$2" -eq 0 ]; then
		printf -- '-- %s: ok\n' "$1"
	else
		printf -- '-- %s: FAILED\n' "$1"
		failed="$failed $1"
	fi
}

# c_files [PATTERN...]: NUL-free list, one path per line, of existing C files.
c_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- "$@"
	else
		find . -path ./build -prune -o -type f -print | sed 's|^\./||'
	fi | grep -E '\.(c|h|cu)$' | grep -v '^build/' | sort -u |
		while IFS= read -r f; do
			[ -f "$f" ] && printf '%s\n' "$f"
		done
}

find_clang_format() {
	for cf in clang-format-14 clang-format; do
		if command -v "$cf" >/dev/null 2>&1 &&
			"$cf" --version | grep -q 'version 14\.'; then
			echo "$cf"
			return 0
		fi
	done
	return 1
}

check_format() {
	header "clang-format 14 (.clang-format)"
	cf=$(find_clang_format) || {
		echo "clang-format 14 not found (Debian: apt-get install clang-format)"
		return 1
	}
	files=$(c_files)
	[ -n "$files" ] || {
		echo "no C files"
		return 0
	}
	echo "$(echo "$files" | wc -l) files"
	out=$(echo "$files" | tr '\n' '\0' |
		xargs -0 "$cf" --dry-run --Werror 2>&1)
	status=$?
	if [ "${CHECK_VERBOSE:-0}" = 1 ]; then
		[ -n "$out" ] && echo "$out"
	elif [ -n "$out" ]; then
		echo "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*/\1/p' |
			sort | uniq -c |
			awk '{ printf "%s: %d places to reformat\n", $2, $1 }'
		# Anything else clang-format reported (a file it cannot read).
		echo "$out" | grep -a ': error: ' |
			grep -a -v 'code should be clang-formatted' | head -5
		echo "fix with: make format (or clang-format -i FILE)"
	fi
	return $status
}

check_cppcheck() {
	header "cppcheck (common/ services/ tools/ plugins/)"
	command -v cppcheck >/dev/null 2>&1 || {
		echo "cppcheck not found (Debian: apt-get install cppcheck)"
		return 1
	}
	list=$(mktemp) || return 1
	c_files common services tools plugins | grep '\.c$' >"$list"
	if [ ! -s "$list" ]; then
		echo "no C files"
		rm -f "$list"
		return 0
	fi
	echo "$(wc -l <"$list") files"
	jobs=$(nproc 2>/dev/null || echo 1)
	cppcheck -j "$jobs" --language=c --std=c11 -D_GNU_SOURCE \
		-I common/include \
		--enable=warning,portability,performance \
		--error-exitcode=1 --inline-suppr \
		--suppress=missingIncludeSystem \
		--suppress='legacyUninitvar:common/src/rpc/*.c' -q \
		--template='{file}:{line}: {severity} ({id}): {message}' \
		--file-list="$list"
	status=$?
	rm -f "$list"
	return $status
}

check_banned() {
	header "banned functions"
	echo "sprintf vsprintf strcpy strcat strncpy atoi atol atoll atof gets" \
		"strtok tmpnam rand; use snprintf, med_strlcpy, strtol/strtod," \
		"strtok_r, mkstemp, randombytes_buf"
	files=$(c_files)
	[ -n "$files" ] || return 0
	# A call: the name not preceded by an identifier character (so
	# snprintf, med_arena_sprintf, fgets and srand pass) and followed by
	# "(" (so strtok_r passes).
	re='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|strncpy|atoi|atol|atoll|atof|gets|strtok|tmpnam|rand)[[:space:]]*\('
	hits=$(echo "$files" | tr '\n' '\0' |
		xargs -0 grep -n -E "$re" /dev/null | grep -v 'check:allow-banned')
	if [ -n "$hits" ]; then
		echo "$hits"
		return 1
	fi
	return 0
}

check_layers() {
	header "layers of libmed and of every service (LAYERS: no include, import, and once built no symbol, of a layer above; no circle of files)"
	python3 tools/dev/check_layers.py || return 1
	# The objects' symbols (tools/dev/check_symbols.py) need a build;
	# make test runs that check after building, so a clean tree only
	# skips it here.
	if [ -d "${BUILD:-build}/obj/common/src" ]; then
		python3 tools/dev/check_symbols.py
	else
		echo "symbols: not built yet (make test checks them)"
	fi
}

# The stores' column tables (services/dosage/columns.h) against the column
# lists their statements name: a table out of step reads a column into
# another field without any error.
check_columns() {
	header "column tables agree with their SQL column lists"
	python3 tools/dev/check_columns.py
}

check_docs() {
	header "README and docs agree with the system (services, chart ports, FHIR writes, HL7 examples)"
	python3 tools/dev/check_docs.py || return 1
	# records' copy of dosage's medicine names (the note reader's)
	python3 tools/dev/gen-note-terms.py --check
}

# The role matrix comes from the built services (their --roles): without a
# build there is nothing to compare it with, and the integration test
# (tests/integration/test_role_matrix_doc.py) checks it after make all.
check_roles() {
	header "docs/security.md's role matrix is the services' method tables"
	if [ ! -x "${BUILD:-build}/bin/smartmed-identity" ]; then
		echo "skipped: no built services (make all), nothing to compare"
		return 0
	fi
	python3 tools/dev/gen-role-matrix.py --check
}

check_architecture() {
	header "docs/architecture.md and docs/internals/ name what exists, and every libmed file"
	tools/dev/check-architecture.sh
}

# The mechanism pages state what holds now, and their claims of order or
# exclusivity (every sentence with only, never, before, after or always) are
# marked and proved against the tree.
check_claims() {
	header "docs/architecture.md and docs/internals/: every only/never/before/after/always a checked claim that holds, no history narrated"
	python3 tools/dev/check_claims.py
}

# A store holds no call (tools/dev/check_stores.py, read from the objects):
# only the stores listed in tools/dev/store-call-allow.txt, a list that
# only shrinks, still use a med_call_* symbol.  Needs a build, as the
# symbols of check_layers do; make test runs it after building.
check_stores() {
	header "a store holds no call (no med_call_* symbol in a store object)"
	if [ -d "${BUILD:-build}/obj/services" ]; then
		python3 tools/dev/check_stores.py
	else
		echo "stores: not built yet (make test checks them)"
	fi
}

# Functions stay short (docs/style.md): none longer than the limit.
check_fnlen() {
	header "no C function longer than tools/dev/check_fnlen.py's limit"
	python3 tools/dev/check_fnlen.py
}

run() {
	# run SECTION FUNCTION
	if [ -z "$only" ] || [ "$only" = "$1" ]; then
		"$2"
		result "$1" $?
	fi
}

case "$only" in
"" | format | cppcheck | banned | layers | stores | columns | architecture | claims | docs | roles | fnlen) ;;
*)
	echo "usage: $0 [format|cppcheck|banned|layers|stores|columns|architecture|claims|docs|roles|fnlen]" >&2
	exit 2
	;;
esac

run format check_format
run cppcheck check_cppcheck
run banned check_banned
run layers check_layers
run stores check_stores
run columns check_columns
run architecture check_architecture
run claims check_claims
run docs check_docs
run roles check_roles
run fnlen check_fnlen

if [ -n "$failed" ]; then
	printf '\ncheck: FAILED:%s\n' "$failed"
	exit 1
fi
printf '\ncheck: all passed\n'
