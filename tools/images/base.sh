#!/bin/sh
# base.sh - makes the Debian 12 base images the Dockerfiles start FROM,
# when no image registry is reachable: one mmdebstrap root file system
# (variant minbase, without documentation, as Debian's -slim images),
# imported with `podman import` as docker.io/library/debian:<tag> and
# <tag>-slim, <tag> being the ARG DEBIAN default of deploy/docker/Dockerfile
# (bookworm-YYYYMMDD).  Nothing is done when both names already exist.
#
# The mirror: MED_IMAGES_MIRROR (a URL of a Debian archive; the security
# archive is MED_IMAGES_SECURITY_MIRROR) when set; otherwise
# snapshot.debian.org at the Dockerfile's date, which pins the packages;
# when that is unreachable, the first Debian mirror of this host's apt
# sources, with a warning (the base then holds the mirror's current
# bookworm packages, not the snapshot's).
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
date=${tag#bookworm-}
name=docker.io/library/debian:$tag

if $PODMAN image exists "$name" && $PODMAN image exists "$name-slim"; then
	exit 0
fi
command -v mmdebstrap >/dev/null 2>&1 || {
	echo "base.sh: mmdebstrap not found (tools/dev/install-deps.sh" \
		"installs it)" >&2
	exit 1
}

# The first deb.debian.org-like URI of the host's apt sources (both the
# one-line and the deb822 format), for the archive given by $1.
host_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' |
		grep -o "https\?://[^[:space:]]*/$1/\?\([[:space:]]\|$\)" |
		head -n 1 | tr -d '[:space:]' | sed 's:/$::'
}

snap=http://snapshot.debian.org/archive
if [ -n "${MED_IMAGES_MIRROR:-}" ]; then
	mirror=$MED_IMAGES_MIRROR
	security=${MED_IMAGES_SECURITY_MIRROR:-}
	pinned="mirror $mirror (MED_IMAGES_MIRROR)"
elif curl -fsS -m 10 -o /dev/null \
	"$snap/debian/${date}T000000Z/dists/bookworm/Release" 2>/dev/null; then
	mirror=$snap/debian/${date}T000000Z
	security=$snap/debian-security/${date}T000000Z
	pinned="snapshot $date"
else
	mirror=$(host_mirror debian)
	security=$(host_mirror debian-security)
	[ -n "$mirror" ] || {
		echo "base.sh: snapshot.debian.org is unreachable and the apt" \
			"sources name no Debian mirror; set MED_IMAGES_MIRROR" >&2
		exit 1
	}
	pinned="mirror $mirror, NOT the snapshot of $date"
	echo "base.sh: warning: snapshot.debian.org is unreachable; the base" \
		"holds $mirror's current bookworm, not the packages of $date" >&2
fi

out=$BUILD/images
mkdir -p "$out"
tar=$out/debian-$tag.tar
echo "base.sh: mmdebstrap bookworm from $pinned"
set -- "deb $mirror bookworm main" "deb $mirror bookworm-updates main"
[ -n "$security" ] && set -- "$@" "deb $security bookworm-security main"
# The -slim images' dpkg filters: no manual pages, documentation or
# translations (copyright files stay); and, as in Debian's official
# images, apt keeps no downloaded packages (docker-clean), so that an
# `apt-get install` layer holds the installed files only.  The hooks' $1
# is mmdebstrap's root directory, expanded by the hook's shell.
# shellcheck disable=SC2016
mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
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
	bookworm "$tar.tmp" "$@"
mv "$tar.tmp" "$tar"
for n in "$name" "$name-slim"; do
	$PODMAN import --quiet --change 'CMD ["bash"]' \
		--message "mmdebstrap bookworm minbase, $pinned" "$tar" "$n" \
		>/dev/null
	echo "base.sh: imported $n"
done
rm -f "$tar"
