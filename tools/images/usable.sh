#!/bin/sh
# usable.sh - whether podman can build and run the images on this machine;
# exits 0 when it can, else 1 with the reason on standard output (one
# line), for the image and kube tests to skip with.  Besides root, the
# package and `podman info`, it stores an empty image: inside a chroot or
# a mount namespace whose / is no mount point (tools/dev/fresh-root.sh's
# root) podman answers `info` but cannot add a layer ("remount /").
cd "$(dirname "$0")/../.." || exit 2
[ "$(id -u)" = 0 ] || {
	echo "podman runs rootful here and this is not root"
	exit 1
}
command -v podman >/dev/null 2>&1 || {
	echo "podman is not installed (tools/dev/install-deps.sh images)"
	exit 1
}
info=$(tools/images/podman info 2>&1 >/dev/null) || {
	echo "podman does not work here: $(echo "$info" | tail -n 1)"
	exit 1
}
tar=$(mktemp)
trap 'rm -f "$tar"' EXIT
tar -cf "$tar" --files-from /dev/null
probe=localhost/smartmed-usable-probe:store
out=$(tools/images/podman import "$tar" "$probe" 2>&1) || {
	echo "podman cannot store an image here: $(echo "$out" | tail -n 1)"
	exit 1
}
tools/images/podman rmi "$probe" >/dev/null 2>&1
exit 0
