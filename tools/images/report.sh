#!/bin/sh
# report.sh [SERVICE...] - prints each built service image's size (as
# podman counts its layers, and of its root file system), file count and
# Debian package count, and the packages that Debian's security archive
# has a newer version of (security.py; the data is this host's apt lists
# of bookworm-security, as fresh as its last `apt-get update`).
set -eu
cd "$(dirname "$0")/../.."
PODMAN=tools/images/podman
SERVICES="identity records dosage diagnosis audit fhir hl7"
registry=${MED_IMAGES_REGISTRY:-registry.hospital.internal}
version=$(sed -n 's/^version: *//p' deploy/k8s/helm/smartmed/Chart.yaml)
# shellcheck disable=SC2086 # one word per service
[ $# -gt 0 ] || set -- $SERVICES

printf '%-61s %7s %7s %6s %5s %s\n' IMAGE SIZE ROOTFS FILES DEBS SECURITY
for s in "$@"; do
	tag=$registry/smartmed/smartmed-$s:$version
	size=$($PODMAN image inspect --format '{{.Size}}' "$tag")
	root=$($PODMAN image mount "$tag")
	files=$(find "$root" -xdev \( -type f -o -type l \) | wc -l)
	rootfs=$(du -xsm "$root" | cut -f1)
	debs=$(dpkg-query --admindir="$root/var/lib/dpkg" -W | wc -l)
	sec=$(/usr/bin/python3 tools/images/security.py "$root" | tr '\n' ' ')
	$PODMAN image unmount "$tag" >/dev/null
	printf '%-61s %4d MB %4d MB %6d %5d %s\n' "$tag" $((size / 1000000)) \
		"$rootfs" "$files" "$debs" "${sec:-none pending}"
done
