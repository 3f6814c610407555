#!/bin/sh
# runtime-debs.sh ELF... - prints, one a line and sorted, the Debian
# packages whose shared libraries the given programs and plugins load (ldd's
# resolved paths, each owner found by dpkg -S).  Run in the Dockerfile's
# build stage, where the -dev packages pulled in every runtime library:
# each service's runtime stage installs exactly this list, so an image
# holds only the libraries its own binary (and, for identity and
# diagnosis, the inference plugin) needs.  libc6 and libgcc-s1 come with
# every Debian base and are left out.
set -eu
[ $# -gt 0 ] || {
	echo "usage: runtime-debs.sh ELF..." >&2
	exit 2
}
# dpkg records a library under /lib or /usr/lib, as its package ships it
# (bookworm is midway through the /usr merge), and an alternatives link
# (libopenblas.so.0) under neither: try the path, its target, and the
# target on the other side of the merge.
owner() {
	for p in "$1" "$(realpath "$1")"; do
		for q in "$p" "${p#/usr}" "/usr$p"; do
			o=$(dpkg-query -S "$q" 2>/dev/null | head -n 1) || continue
			[ -n "$o" ] && {
				echo "${o%%:*}"
				return 0
			}
		done
	done
	echo "runtime-debs.sh: no package owns $1" >&2
	return 1
}
out=$(ldd "$@") || {
	echo "runtime-debs.sh: ldd $* failed" >&2
	exit 1
}
missing=$(echo "$out" | grep 'not found' || true)
[ -z "$missing" ] || {
	echo "runtime-debs.sh: unresolved libraries: $missing" >&2
	exit 1
}
libs=$(echo "$out" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
debs=
for lib in $libs; do
	debs="$debs $(owner "$lib")"
done
# shellcheck disable=SC2086 # one word per package
printf '%s\n' $debs | grep -v -x -e libc6 -e libgcc-s1 | sort -u
