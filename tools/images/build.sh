#!/bin/sh
# build.sh [SERVICE...] - builds the service images (default: all seven) from
# deploy/docker/Dockerfile with podman (and, named as "orthanc", the chart's
# optional PACS from deploy/docker/Dockerfile.orthanc), tagged as the chart names them:
# $MED_IMAGES_REGISTRY/smartmed/smartmed-<service>:<chart version>
# (registry.hospital.internal unless set).  The base image comes from
# base.sh when no registry is reachable.  The build stage does not depend on
# SERVICE, so it is compiled once and the other six builds take it from
# podman's layer cache.  The CUDA variant is built when
# MED_IMAGES_CUDA=1 (it needs NVIDIA's images from a registry).  Prints
# each image's size and file count (report.sh).
#
# The OCI labels: org.opencontainers.image.source is MED_IMAGES_SOURCE,
# else the checkout's origin remote, else the checkout itself as a file://
# URL (with a warning: set MED_IMAGES_SOURCE in CI); .revision is the
# commit (with -dirty when the context's files differ from it); .licenses
# is MED_IMAGES_LICENSES, else the Dockerfile's default.  Each image's
# SPDX 2.3 SBOM goes to $BUILD/images/sbom/smartmed-<service>.spdx.json
# (sbom.py, from the image's dpkg database and the npm lock files whose
# packages the image is made from).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PODMAN=tools/images/podman
SERVICES="identity records dosage diagnosis audit fhir hl7"
# Images built from Debian packages alone, each from its own
# deploy/docker/Dockerfile.<name>: the chart's optional PACS (pacs.enabled).
EXTRA_IMAGES="orthanc"
registry=${MED_IMAGES_REGISTRY:-registry.hospital.internal}
version=$(sed -n 's/^version: *//p' deploy/k8s/helm/smartmed/Chart.yaml)

# shellcheck disable=SC2086 # one word per service
[ $# -gt 0 ] || set -- $SERVICES
for s in "$@"; do
	case " $SERVICES $EXTRA_IMAGES " in
	*" $s "*) ;;
	*)
		echo "build.sh: unknown service '$s' (one of: $SERVICES" \
			"$EXTRA_IMAGES)" >&2
		exit 1
		;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "build.sh: podman runs rootful here: run as root" >&2
	exit 1
fi
command -v podman >/dev/null 2>&1 || {
	echo "build.sh: podman not found (tools/dev/install-deps.sh" \
		"installs it)" >&2
	exit 1
}

# A reachable registry needs no local base; otherwise make it.
if [ "${MED_IMAGES_PULL:-0}" != 1 ]; then
	BUILD=$BUILD tools/images/base.sh
fi

# The open-file and process limits: podman's defaults exceed this host's
# hard limits, which runc then refuses.
# The CA bundle the build stage's npm trusts besides Debian's (a
# TLS-intercepting proxy's CA): MED_IMAGES_CA_BUNDLE, else this host's
# bundle; bind-mounted for the build only, never in a layer.
ca=${MED_IMAGES_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}
ca_mount=
[ -n "$ca" ] && [ -s "$ca" ] && ca_mount="--volume=$ca:/etc/ssl/build-ca.crt:ro"

build() {
	df=$1
	shift
	# shellcheck disable=SC2086
	$PODMAN build --network host --layers $ca_mount \
		--ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
		--pull="${MED_IMAGES_PULL_POLICY:-missing}" \
		--ignorefile "$df.dockerignore" -f "$df" "$@"
}

# The build context: a copy of the paths the Dockerfile's ignore file lets
# in, taken once, so that the images are built from one state of the tree
# even while it is being edited (podman's cache compares contents, so the
# copy costs no rebuild).
mkdir -p "$BUILD/images"
ctx=$BUILD/images/context
rm -rf "$ctx"
mkdir -p "$ctx"
sed -n 's:^!\(.*[^/]\)/*$:\1:p' deploy/docker/Dockerfile.dockerignore |
	while read -r p; do
		mkdir -p "$ctx/$(dirname "$p")"
		cp -a "$p" "$ctx/$(dirname "$p")/"
	done
cp deploy/docker/Dockerfile* "$ctx/"

# MiniFASNet, the presentation-attack model the chart enforces
# (docs/face-pad.md, "The default"): make converts it from the Apache-2.0
# weights at ../shared/models/minifasnet; identity's image carries it and
# the licence beside the face models.  Without it the image is still
# built, and the chart's identity answers face calls "not configured"
# until the values name another model or MED_FACE_PAD=warn.
pad=$BUILD/models/face/minifasnet-fused-v1
pad_licence=../shared/models/minifasnet/LICENSE.Apache-2.0.txt
if [ -s "$pad.onnx" ] && [ -s "$pad.card.md" ] && [ -s "$pad_licence" ]; then
	mkdir -p "$ctx/deploy/docker/models/face"
	cp "$pad.onnx" "$pad.card.md" "$ctx/deploy/docker/models/face/"
	cp "$pad_licence" \
		"$ctx/deploy/docker/models/face/minifasnet-fused-v1.LICENSE.txt"
else
	echo "build.sh: warning: no $pad.onnx, its card or its licence" \
		"(make builds it when ../shared/models/minifasnet is there):" \
		"identity's image has no MiniFASNet, so the chart's default" \
		"MED_FACE_PAD=enforce leaves its face calls unconfigured" >&2
fi

source=${MED_IMAGES_SOURCE:-$(git remote get-url origin 2>/dev/null || :)}
if [ -z "$source" ]; then
	source=file://$(pwd)
	echo "build.sh: warning: no MED_IMAGES_SOURCE and no origin remote:" \
		"the images' source label is $source" >&2
fi
# A URL as OCI asks: an scp-like remote as https, a clone of a local
# path (CI clones the submitted checkout) as its file:// URL.
case "$source" in
git@*:*) source=https://$(echo "${source#git@}" | sed 's,:,/,') ;;
*://*) ;;
/*) source=file://$source ;;
*) source=file://$(cd "$source" 2>/dev/null && pwd || pwd) ;;
esac
revision=$(git rev-parse HEAD)
# shellcheck disable=SC2046 # the context's paths, one word each
if [ -n "$(git status --porcelain -- $(sed -n 's:^!\(.*[^/]\)/*$:\1:p' \
	deploy/docker/Dockerfile.dockerignore) deploy/docker)" ]; then
	revision=$revision-dirty
fi
licenses=${MED_IMAGES_LICENSES:-$(sed -n 's/^ARG LICENSES=//p' \
	deploy/docker/Dockerfile)}

# The npm lock files whose packages an image is made from: identity's
# face models are converted from @vladmandic/face-api's weights.
npm_locks() {
	case "$1" in
	identity) echo "--npm-lock=tools/facemodels/package-lock.json" ;;
	esac
}

sbom() {
	mkdir -p "$BUILD/images/sbom"
	out=$BUILD/images/sbom/smartmed-$1.spdx.json
	root=$($PODMAN image mount "$2")
	# shellcheck disable=SC2046
	/usr/bin/python3 tools/images/sbom.py --root "$root" --image "$2" \
		--service "$1" --source "$source" --revision "$revision" \
		--licenses "$licenses" --repo . $(npm_locks "$1") >"$out.tmp" || {
		$PODMAN image unmount "$2" >/dev/null
		echo "build.sh: the $1 SBOM failed" >&2
		exit 1
	}
	$PODMAN image unmount "$2" >/dev/null
	mv "$out.tmp" "$out"
}

for s in "$@"; do
	tag=$registry/smartmed/smartmed-$s:$version
	log=$BUILD/images/$s.log
	start=$(date +%s)
	df=$ctx/Dockerfile
	lic=$licenses
	# Orthanc's image carries Orthanc's licences, not smartmed's.
	case " $EXTRA_IMAGES " in *" $s "*)
		df=$ctx/Dockerfile.$s
		lic=$(sed -n 's/^ARG LICENSES=//p' "$df" | tr -d '"')
		;;
	esac
	build "$df" --build-arg "SERVICE=$s" \
		--build-arg "SOURCE=$source" --build-arg "REVISION=$revision" \
		--build-arg "LICENSES=$lic" -t "$tag" "$ctx" \
		>"$log" 2>&1 || {
		tail -30 "$log" >&2
		echo "build.sh: the $s image failed (log: $log)" >&2
		exit 1
	}
	echo "build.sh: $tag in $(($(date +%s) - start)) s"
	sbom "$s" "$tag"
	if [ "${MED_IMAGES_CUDA:-0}" = 1 ] &&
		{ [ "$s" = identity ] || [ "$s" = diagnosis ]; }; then
		build "$ctx/Dockerfile.cuda" --build-arg "SERVICE=$s" \
			--build-arg "SOURCE=$source" --build-arg "REVISION=$revision" \
			--build-arg "LICENSES=$licenses" \
			-t "$tag-cuda" "$ctx" >"$BUILD/images/$s-cuda.log" 2>&1 || {
			tail -30 "$BUILD/images/$s-cuda.log" >&2
			echo "build.sh: the $s cuda image failed" >&2
			exit 1
		}
		echo "build.sh: $tag-cuda"
	fi
done
tools/images/report.sh "$@"
