#!/bin/sh
# install.sh - installs the npm package shipping HL7's FHIR R4 fhir.schema.json
# (package-lock.json, exact versions and integrity hashes) into
# $BUILD/npm/fhirschema; make deps runs it, the one step here that needs
# the npm registry.  Nothing is installed again while the lock file is
# unchanged.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DIR=tools/fhirschema
OUT=$BUILD/npm/fhirschema
stamp="$OUT/node_modules/.smartmed-stamp"

[ -f "$stamp" ] && cmp -s "$DIR/package-lock.json" "$OUT/package-lock.json" &&
	exit 0
command -v npm >/dev/null 2>&1 || {
	echo "fhirschema: npm not found (make deps installs it)" >&2
	exit 1
}
mkdir -p "$OUT"
cp "$DIR/package.json" "$DIR/package-lock.json" "$OUT/"
if (cd "$OUT" && npm ci --no-audit --no-fund --ignore-scripts \
	--loglevel=error >npm.log 2>&1); then
	touch "$stamp"
	exit 0
fi
tail -20 "$OUT/npm.log" >&2
echo "fhirschema: npm ci of $DIR/package-lock.json failed" >&2
exit 1
