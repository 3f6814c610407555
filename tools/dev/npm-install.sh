#!/bin/sh
# npm-install.sh NAME - installs the npm packages pinned in
# tools/NAME/package-lock.json (exact versions and integrity hashes) into
# $BUILD/npm/NAME, without running their scripts.  make deps runs it for
# each such directory: the one step here that needs the npm registry.
# Nothing is installed again while the lock file is unchanged.  A failure
# is one line naming the cause (tools/dev/net-cause.sh) and the log,
# $BUILD/npm/NAME/npm.log.
set -eu
cd "$(dirname "$0")/../.."
NAME=${1:?usage: npm-install.sh NAME}
BUILD=${BUILD:-build}
DIR=tools/$NAME
OUT=$BUILD/npm/$NAME
stamp="$OUT/node_modules/.smartmed-stamp"

[ -f "$stamp" ] && cmp -s "$DIR/package-lock.json" "$OUT/package-lock.json" &&
	exit 0
command -v npm >/dev/null 2>&1 || {
	echo "$NAME: npm not found (make deps installs it)" >&2
	exit 1
}
mkdir -p "$OUT"
cp "$DIR/package.json" "$DIR/package-lock.json" "$OUT/"
# A directory's .npmrc (e.g. legacy-peer-deps, so that optional peers of a
# browser library are not installed) applies to its npm ci as well.
if [ -f "$DIR/.npmrc" ]; then cp "$DIR/.npmrc" "$OUT/"; fi
if (cd "$OUT" && npm ci --no-audit --no-fund --ignore-scripts \
	--loglevel=error >npm.log 2>&1); then
	touch "$stamp"
	exit 0
fi
# One line: the cause when it is the network (the README's "Behind a
# proxy" says how to give npm a proxy and its CA); npm's own words stay
# in the log.
registry=$(npm config get registry 2>/dev/null) || registry=""
cause=$(tools/dev/net-cause.sh "$OUT/npm.log" \
	"the npm registry${registry:+ $registry}")
if [ -n "$cause" ]; then
	echo "$NAME: npm ci failed: $cause; see the README's \"Behind a" \
		"proxy\" (npm's output: $OUT/npm.log)" >&2
else
	echo "$NAME: npm ci of $DIR/package-lock.json failed (npm's output:" \
		"$OUT/npm.log)" >&2
fi
exit 1
