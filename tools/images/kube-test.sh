#!/bin/sh
# kube-test.sh - make kube-test (also run by make image-test and make test
# after the image tests): the Helm chart rendered with test values by make
# deploy-check's renderer and its manifests run by `podman kube play`
# beside the harness's MariaDB, then the bedside flow through the pods
# (tests/kube; tests/kube/kubeplay.py lists every adaptation to podman).
# Uses the images tools/images/build.sh tagged, the services' and the
# chart's Orthanc (built here when missing; MED_KUBE_TEST_BUILD=1 rebuilds
# them from the layer cache first).  Exits
# 0 with "skipped: <reason>" when podman cannot run pods on this machine.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
export BUILD

skip() {
	echo "kube-test: skipped: $*"
	exit 0
}
why=$(tools/images/usable.sh) || skip "$why"

# The renderer, as make deploy-check builds it (its step 2), when missing
# or older than its source.
render=$BUILD/deploy-check/render
src=deploy/k8s/check/render/main.go
if [ ! -x "$render" ] || [ "$src" -nt "$render" ]; then
	echo "kube-test: building the chart renderer"
	mkdir -p "$BUILD/deploy-check"
	GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS='' \
		GOCACHE="$PWD/$BUILD/deploy-check/gocache" \
		go build -o "$render" ./deploy/k8s/check/render || exit 1
fi

version=$(sed -n 's/^version: *//p' deploy/k8s/helm/smartmed/Chart.yaml)
registry=${MED_IMAGES_REGISTRY:-registry.hospital.internal}
missing=0
for s in identity records dosage diagnosis audit fhir; do
	tools/images/podman image exists \
		"$registry/smartmed/smartmed-$s:$version" || missing=1
done
if [ "$missing" = 1 ] || [ "${MED_KUBE_TEST_BUILD:-0}" = 1 ]; then
	tools/images/build.sh || exit 1
fi
# The chart's PACS, played with the services (pacs.enabled,
# tests/kube/test_kube_pacs.py): Orthanc from Debian's packages on the
# same local base, not among build.sh's default images.
if ! tools/images/podman image exists \
	"$registry/smartmed/smartmed-orthanc:$version" ||
	[ "${MED_KUBE_TEST_BUILD:-0}" = 1 ]; then
	tools/images/build.sh orthanc || exit 1
fi

start=$(date +%s)
PYTHONPATH="$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" \
	timeout -k 30 900 /usr/bin/python3 -m pytest -q -rfEs \
	-p no:cacheprovider tests/kube
rc=$?
echo "kube-test: $(($(date +%s) - start)) s"
exit $rc
