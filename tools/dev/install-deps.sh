#!/bin/sh
# Installs the Debian 12 packages smartmed needs to build, run and test,
# when any is missing: with "run" only those make run needs (no test,
# packaging or browser toolchains), with "deploy" those and make
# deploy-check's (the chart renderer, linters, promtool, node), with
# "images" those and podman's for make images, image-test and kube-test,
# with "all" (the default) everything make test needs; with "train" the offline model-training tools alone
# (tools/train/, not part of "all": CI never trains).  Run as root (CI and make run/test do); prints what
# it installs and does nothing when everything is there.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

# One list per area, so that work on one area edits only its own lines.
PKGS_CORE="build-essential pkg-config make git procps
libgrpc-dev protobuf-c-compiler libprotobuf-c-dev protobuf-compiler
libnng-dev libmbedtls-dev libuv1-dev libmariadb-dev mariadb-server mariadb-client
libsodium-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev"
PKGS_TEST="python3 python3-grpcio python3-protobuf python3-pytest python3-pytest-xdist
nghttp2-client clang-format cppcheck"
PKGS_SECURITY="libjansson-dev libssl-dev openssl python3-cryptography"
PKGS_PLUGINS="libopenblas-dev python3-onnx python3-numpy python3-opencv
opencv-data"
PKGS_AUDIT=""
# The note reader reads traditional Chinese as simplified with OpenCC's
# table (services/records/notes/hant.c; libopencc-data by dependency).
PKGS_RECORDS="libopencc-dev"
# Patients' names searched by pinyin: libmed's Han -> pinyin table is
# generated at build time from the Unihan database in unicode-data.
PKGS_IDENTITY="unicode-data"
PKGS_DOSAGE="libicu-dev"
# The Galera test cluster (tests/harness/galera.py): the wsrep provider and
# rsync for its state transfers.
PKGS_GALERA="galera-4 rsync"
# libmicrohttpd: libmed's metrics/health HTTP (every service) and the FHIR
# facade's HTTPS (Debian builds it with GnuTLS).
PKGS_FHIR="libmicrohttpd-dev"
# make deploy-check: the chart renderer (Go + sprig), yamllint, promtool,
# and node/npm for the Kubernetes schemas (npm ships with Debian's nodejs
# only as the separate npm package; a NodeSource nodejs brings its own).
PKGS_DEPLOY="golang-go golang-github-masterminds-sprig-dev
golang-gopkg-yaml.v2-dev golang-gopkg-yaml.v3-dev yamllint prometheus
python3-yaml python3-jsonschema nodejs"
command -v npm >/dev/null 2>&1 || PKGS_DEPLOY="$PKGS_DEPLOY npm"
# make images / image-test: podman with runc (crun refuses this host's
# cgroups), mmdebstrap for the local Debian 12 base, CNI plugins for podman.
PKGS_IMAGES="podman runc mmdebstrap containernetworking-plugins"
# make kube-test: the pause process of podman's pod infra containers
# (Debian's podman only recommends it).
PKGS_KUBE="catatonit"
# Diagnosis reads chest X-ray studies from a PACS over DICOMweb (libcurl);
# the tests and make run start Orthanc with its DICOMweb plugin as that
# PACS (tests/harness/orthanc.py) and write DICOM files with pydicom;
# diagnosis writes its overlay back as a DICOM file with GDCM
# (libgdcm-dev, services/diagnosis/stow_dicom.cc).  Orthanc 1.10.1's own
# HTTPS (civetweb) crashes on the first TLS connection in Debian 12, so
# TLS to the PACS is terminated by stunnel4 in front of it, as the chart's
# sidecar does.
PKGS_IMAGING="libcurl4-openssl-dev libgdcm-dev orthanc orthanc-dicomweb python3-pydicom
stunnel4"
# The ward console's end-to-end tests (tests/console): Debian's chromium,
# driven headless by npm playwright-core (tools/console-e2e), which never
# downloads a browser of its own; a CJK font (WenQuanYi Micro Hei) so that
# the zh-CN screens' screenshots show their characters.
PKGS_CONSOLE="chromium fonts-wqy-microhei"
# What make run needs: building, the services, the harness that starts
# them (python3 with grpcio and cryptography), the PACS, and node for the
# face models' conversion and the console's development sign-in.
PKGS_RUN_TOOLS="python3 python3-grpcio python3-protobuf python3-pytest nodejs"
command -v npm >/dev/null 2>&1 || PKGS_RUN_TOOLS="$PKGS_RUN_TOOLS npm"
# tools/train/: Debian's PyTorch (1.13) for the diagnosis models, with the
# ONNX, numpy and PIL it reads and writes through.  Optional (make
# deps-train); nothing that builds, runs or tests smartmed needs it.
PKGS_TRAIN="python3-torch python3-onnx python3-numpy python3-pil"
PKGS_RUN="$PKGS_CORE $PKGS_IDENTITY $PKGS_IMAGING $PKGS_SECURITY $PKGS_PLUGINS $PKGS_AUDIT $PKGS_RECORDS $PKGS_DOSAGE $PKGS_FHIR $PKGS_RUN_TOOLS"
# --list GROUP prints the group's packages, one a line, and installs
# nothing (tests/integration/test_deps_groups.py).
list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
case "${1:-all}" in
run) PKGS="$PKGS_RUN" ;;
deploy) PKGS="$PKGS_RUN $PKGS_DEPLOY" ;;
images) PKGS="$PKGS_RUN $PKGS_DEPLOY $PKGS_IMAGES $PKGS_KUBE" ;;
train) PKGS="$PKGS_TRAIN" ;;
all) PKGS="$PKGS_RUN $PKGS_TEST $PKGS_DEPLOY $PKGS_IMAGES $PKGS_KUBE $PKGS_GALERA $PKGS_CONSOLE" ;;
*)
	echo "usage: $0 [--list] [run|deploy|images|all|train]" >&2
	exit 2
	;;
esac

if [ "$list" = 1 ]; then
	# shellcheck disable=SC2086 # one word per package
	printf '%s\n' $PKGS
	exit 0
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "smartmed: installing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "smartmed: need root to install packages (or install them yourself)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# apt's output goes to a log; a failure is one line naming the cause
# (tools/dev/net-cause.sh: the mirror unreachable, a proxy, a CA) and
# the log.  An update that could not fetch is not yet a failure: the
# lists already there may hold what is missing.
log=$BUILD/deps-apt.log
mkdir -p "$BUILD"
# shellcheck disable=SC2086 # one word per package
if ! { apt-get update -q >"$log" 2>&1 &&
	apt-get install -y -q --no-install-recommends $missing >>"$log" 2>&1; }; then
	cause=$(tools/dev/net-cause.sh "$log" "the Debian mirror")
	if [ -n "$cause" ]; then
		echo "smartmed: apt-get could not install the packages: $cause;" \
			"see the README's \"Behind a proxy\" (apt's output: $log)" >&2
	elif grep -q 'Unable to locate package' "$log"; then
		echo "smartmed: apt-get could not install the packages: one is in" \
			"none of apt's sources (is bookworm's main suite enabled?)" \
			"(apt's output: $log)" >&2
	else
		echo "smartmed: apt-get could not install the packages (apt's" \
			"output: $log)" >&2
	fi
	exit 1
fi
# The server package may start a system MariaDB; smartmed runs its own and
# never uses that one.
