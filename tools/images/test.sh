#!/bin/sh
# test.sh - make image-test: builds the service images and the chart's PACS
# image, Orthanc (build.sh, from the layer cache when nothing changed), and
# runs tests/image against them: the five gRPC services (identity to audit)
# and the FHIR facade in containers as the chart starts them, on the test
# harness's MariaDB and PKI (hl7's image is built but not started here),
# and Orthanc with the chart's configuration.  Exits 0 with "skipped:
# <reason>" when podman cannot run containers on this machine.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
export BUILD

skip() {
	echo "image-test: skipped: $*"
	exit 0
}
why=$(tools/images/usable.sh) || skip "$why"

tools/images/build.sh || exit 1
# Not among build.sh's default images, but tests/image/test_orthanc_image.py
# checks it: on a new machine (CI) it would otherwise skip, unbuilt.
tools/images/build.sh orthanc || exit 1
PYTHONPATH="$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" \
	timeout -k 30 900 /usr/bin/python3 -m pytest -q -rfEs \
	-p no:cacheprovider tests/image
