#!/bin/sh
# make deploy-check: offline validation of everything under deploy/.
#
#   1. yamllint the chart values, CI values, rules and manifests;
#   2. build the chart renderer (Go text/template + Debian's sprig, GOPATH mode)
#      into $BUILD/deploy-check/render when its source changed;
#   3. render the chart once per deploy/k8s/helm/smartmed/ci/NAME.yaml, lint
#      the output and compare it with its golden file:
#      deploy/k8s/manifests/smartmed.yaml (default), smartmed-NAME.yaml, or
#      deploy/k8s/check/golden/NAME.yaml for test-* values;
#      UPDATE_GOLDEN=1 rewrites them instead (review the diff, commit it);
#      and the Secrets and keys the docs name are those the pods read
#      (secret_docs.py);
#   4. validate every rendered object against the Kubernetes schemas and the
#      house policy (validate.mjs; its npm packages come from
#      `deploy-check.sh install`, run by make deps);
#   5. promtool check rules and test rules on the alert rules;
#   6. Dockerfiles, dashboard queries and values (policy.py);
#   7. tests/deploy: each check still catches a broken input.
# Every failure says what and where; the exit status is 1 if any step failed.
set -u
cd "$(dirname "$0")/../../.." || exit 2
BUILD=${BUILD:-build}
OUT=$BUILD/deploy-check
CHART=deploy/k8s/helm/smartmed
CHECK=deploy/k8s/check
failed=""

# install: npm ci of package-lock.json into $OUT/node_modules, the one step
# that needs the npm registry; make deps runs it, like apt-get.
if [ "${1:-}" = install ]; then
	stamp="$OUT/node_modules/.smartmed-stamp"
	[ -f "$stamp" ] && [ ! $CHECK/package-lock.json -nt "$stamp" ] && exit 0
	mkdir -p "$OUT"
	cp $CHECK/package.json $CHECK/package-lock.json "$OUT/"
	if (cd "$OUT" && npm ci --no-audit --no-fund --ignore-scripts \
		--loglevel=error >npm.log 2>&1); then
		touch "$stamp"
		exit 0
	fi
	tail -20 "$OUT/npm.log"
	echo "deploy-check: npm ci of $CHECK/package-lock.json failed" >&2
	exit 1
fi

say() { echo "deploy-check: $*"; }
fail() {
	say "FAILED: $*"
	failed="$failed
  - $1"
}

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	say "$1 not found: install $2 (make deps does: tools/dev/install-deps.sh)"
	exit 1
}
need go golang-go
need yamllint yamllint
need promtool prometheus
need node nodejs
need npm npm
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || {
	say "sprig sources not found: install golang-github-masterminds-sprig-dev"
	exit 1
}
mkdir -p "$OUT/rendered"

# 1. lint the YAML we write by hand.
if yamllint -s -c $CHECK/yamllint.yaml $CHART/values.yaml $CHART/Chart.yaml \
	$CHART/ci deploy/k8s/grafana deploy/k8s/manifests $CHECK/golden; then
	say "yamllint: hand-written YAML OK"
else
	fail "yamllint of the chart values, rules or manifests"
fi

# 2. the renderer, rebuilt only when its source is newer.
if [ ! -x "$OUT/render" ] || [ $CHECK/render/main.go -nt "$OUT/render" ]; then
	say "building the chart renderer"
	if ! GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
		GOCACHE="$PWD/$OUT/gocache" \
		go build -o "$OUT/render" ./$CHECK/render; then
		fail "go build of $CHECK/render"
		echo "$failed"
		exit 1
	fi
fi

# 3. render per CI values file; compare with the golden files.
golden_of() {
	case "$1" in
	default) echo deploy/k8s/manifests/smartmed.yaml ;;
	test-*) echo $CHECK/golden/$1.yaml ;;
	*) echo "deploy/k8s/manifests/smartmed-$1.yaml" ;;
	esac
}
rendered=""
for v in $CHART/ci/*.yaml; do
	name=$(basename "$v" .yaml)
	out="$OUT/rendered/$name.yaml"
	gold=$(golden_of "$name")
	if ! "$OUT/render" -chart $CHART -f "$v" -name smartmed \
		-namespace smartmed >"$out.tmp"; then
		fail "rendering the chart with $v"
		continue
	fi
	{
		echo "# Rendered from deploy/k8s/helm/smartmed with ci/$name.yaml"
		echo "# (release smartmed) by make deploy-check.  Do not edit: change"
		echo "# the chart and run make deploy-check UPDATE_GOLDEN=1."
		cat "$out.tmp"
	} >"$out"
	rm -f "$out.tmp"
	rendered="$rendered $out"
	if ! yamllint -s -c $CHECK/yamllint.yaml "$out"; then
		fail "yamllint of the chart rendered with ci/$name.yaml"
	fi
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$(dirname "$gold")"
		cp "$out" "$gold"
		say "wrote $gold"
	elif ! cmp -s "$out" "$gold"; then
		diff -u "$gold" "$out" | head -40
		fail "$gold differs from the chart rendered with ci/$name.yaml (if the change is intended: make deploy-check UPDATE_GOLDEN=1, review, commit)"
	fi
done
n=$(ls $CHART/ci/*.yaml | wc -l)
say "rendered the chart with $n values files"

# 3b. the Secrets the docs name (deploy/k8s/README.md's table, the
# install steps of docs/operations.md) are the keys the rendered pods read.
if [ -n "$rendered" ]; then
	# shellcheck disable=SC2086
	/usr/bin/python3 $CHECK/secret_docs.py --src . $rendered ||
		fail "the Secrets in deploy/k8s/README.md or docs/operations.md's install steps differ from what the chart reads"
fi

# 4. schemas and policy of every rendered object.  The npm packages are
# installed by `make deps` (deploy-check.sh install), an install step like
# apt-get, so the checks themselves download nothing.
stamp="$OUT/node_modules/.smartmed-stamp"
if [ ! -f "$stamp" ] || [ $CHECK/package-lock.json -nt "$stamp" ]; then
	fail "the schema checker's npm packages are missing or stale in $OUT/node_modules: run make deps"
fi
if [ -f "$stamp" ] && [ -n "$rendered" ]; then
	cp $CHECK/validate.mjs "$OUT/validate.mjs"
	# shellcheck disable=SC2086
	node "$OUT/validate.mjs" --src . $rendered ||
		fail "Kubernetes schema or policy check of the rendered chart"
fi

# 5. alert rules (the chart's PrometheusRule reads a copy in files/).
if ! cmp -s deploy/k8s/grafana/smartmed-rules.yaml $CHART/files/smartmed-rules.yaml; then
	fail "$CHART/files/smartmed-rules.yaml differs from deploy/k8s/grafana/smartmed-rules.yaml: copy it there"
fi
if promtool check rules deploy/k8s/grafana/smartmed-rules.yaml >"$OUT/promtool.log" 2>&1 &&
	promtool test rules deploy/k8s/grafana/smartmed-rules.test.yaml >>"$OUT/promtool.log" 2>&1; then
	say "promtool: rules and rule tests OK"
else
	cat "$OUT/promtool.log"
	fail "promtool check/test rules of deploy/k8s/grafana/smartmed-rules.yaml"
fi

# 6. Dockerfiles, dashboards, values.
/usr/bin/python3 $CHECK/policy.py --src . --promtool "$(command -v promtool)" ||
	fail "policy checks (Dockerfiles, dashboard queries, values)"

# 7. the checks themselves catch what they claim to (only when they pass:
#    the tests need the renderer and node_modules).
if [ -z "$failed" ]; then
	if PYTHONPATH="$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" BUILD="$BUILD" \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/deploy \
		>"$OUT/pytest.log" 2>&1; then
		say "tests/deploy: $(tail -1 "$OUT/pytest.log")"
	else
		cat "$OUT/pytest.log"
		fail "tests/deploy (the checks no longer catch a broken input)"
	fi
fi

if [ -n "$failed" ]; then
	say "FAILED:$failed"
	exit 1
fi
say "all checks passed"
