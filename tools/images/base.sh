#!/bin/sh
# base.sh - makes the Debian 12 base images the Dockerfiles start FROM,
# when no image registry is reachable: one mmdebstrap root file system
# (variant minbase, without documentation, as Debian's -slim images),
# imported with `podman import` as docker.io/library/debian:<tag> and
# <tag>-slim, <tag> being the ARG DEBIAN default of deploy/docker/Dockerfile
# (bookworm-YYYYMMDD).  Nothing is done when both names already exist.
#
# The packages come from apt's configured sources on this host
# (/etc/apt/sources.list and sources.list.d/, one-line and deb822 formats):
# each enabled "deb" entry for bookworm, bookworm-updates or
# bookworm-security, main only, as the host's apt reaches them (its mirror
# or proxy, never a host named here).  MED_IMAGES_MIRROR (a Debian archive
# URL, e.g. a snapshot.debian.org/archive/debian/<date>T000000Z snapshot
# that pins the packages to the Dockerfile's date) replaces the debian
# entries and MED_IMAGES_SECURITY_MIRROR the security one.
#
# The base keeps no apt lists or caches (the slim images' /var/cache/apt
# *.bin were 71 MB of every image before), and merges /usr with
# mmdebstrap's merged-usr hook rather than the usrmerge package, which
# pulled perl (46 MB) into the base.  The image carries a label with the
# hash of this script and tools/dev/apt-sources.sh: a base made by an
# older recipe is made again.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PODMAN=tools/images/podman

tag=$(sed -n 's/^ARG DEBIAN=//p' deploy/docker/Dockerfile | head -n 1)
case "$tag" in
bookworm-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
*)
	echo "base.sh: deploy/docker/Dockerfile's ARG DEBIAN is '$tag'," \
		"expected bookworm-YYYYMMDD" >&2
	exit 1
	;;
esac
name=docker.io/library/debian:$tag
recipe=$(cat tools/images/base.sh tools/dev/apt-sources.sh | sha256sum | cut -c1-16)

current() {
	[ "$($PODMAN image inspect --format \
		'{{index .Labels "org.smartmed.base-recipe"}}' "$1" 2>/dev/null)" \
		= "$recipe" ]
}
if current "$name" && current "$name-slim"; then
	exit 0
fi
command -v mmdebstrap >/dev/null 2>&1 || {
	echo "base.sh: mmdebstrap not found (tools/dev/install-deps.sh" \
		"installs it)" >&2
	exit 1
}

# apt's configured bookworm sources, one "deb URI SUITE main" a line.
apt_sources() {
	tools/dev/apt-sources.sh
}

if [ -n "${MED_IMAGES_MIRROR:-}" ]; then
	set -- "deb $MED_IMAGES_MIRROR bookworm main" \
		"deb $MED_IMAGES_MIRROR bookworm-updates main"
	if [ -n "${MED_IMAGES_SECURITY_MIRROR:-}" ]; then
		set -- "$@" "deb $MED_IMAGES_SECURITY_MIRROR bookworm-security main"
	else
		sec=$(apt_sources | grep ' bookworm-security ' || true)
		[ -z "$sec" ] || set -- "$@" "$sec"
	fi
	from="MED_IMAGES_MIRROR $MED_IMAGES_MIRROR"
else
	srcs=$(apt_sources)
	[ -n "$srcs" ] || {
		echo "base.sh: apt's sources (/etc/apt/sources.list," \
			"sources.list.d/) name no bookworm archive; set" \
			"MED_IMAGES_MIRROR" >&2
		exit 1
	}
	# One positional argument per entry.
	set --
	while IFS= read -r line; do set -- "$@" "$line"; done <<EOF
$srcs
EOF
	from="apt's sources: $(echo "$srcs" | awk '{print $2, $3}' | paste -sd, -)"
fi

out=$BUILD/images
mkdir -p "$out"
tar=$out/debian-$tag.tar
echo "base.sh: mmdebstrap bookworm from $from"
# The -slim images' dpkg filters: no manual pages, documentation or
# translations (copyright files stay); and, as in Debian's official
# images, apt keeps no downloaded packages (docker-clean), so that an
# `apt-get install` layer holds the installed files only.  The hooks' $1
# is mmdebstrap's root directory, expanded by the hook's shell.
# shellcheck disable=SC2016
mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--customize-hook='printf "%s\n" \
		"DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" \
		"APT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" \
		"Dir::Cache::pkgcache \"\"; Dir::Cache::srcpkgcache \"\";" \
		>"$1/etc/apt/apt.conf.d/docker-clean"' \
	--customize-hook='echo "Acquire::Languages \"none\";" \
		>"$1/etc/apt/apt.conf.d/docker-no-languages"' \
	--customize-hook='rm -rf "$1"/var/cache/apt/*.bin \
		"$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* \
		"$1"/var/log/apt/* "$1"/var/log/dpkg.log \
		"$1"/var/cache/ldconfig/aux-cache' \
	bookworm "$tar.tmp" "$@"
mv "$tar.tmp" "$tar"
for n in "$name" "$name-slim"; do
	$PODMAN import --quiet --change 'CMD ["bash"]' \
		--change "LABEL org.smartmed.base-recipe=$recipe" \
		--message "mmdebstrap bookworm minbase, $from" "$tar" "$n" \
		>/dev/null
	echo "base.sh: imported $n"
done
rm -f "$tar"
