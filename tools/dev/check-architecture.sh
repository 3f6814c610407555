#!/bin/sh
# Keeps docs/architecture.md true to the tree (the "architecture" section of
# make check, tools/dev/check.sh):
#
# 1. every path it names in backquotes under a source root (common/ services/
#    plugins/ tools/ tests/ proto/ deploy/ docs/) exists: a folder when the
#    name ends in "/", else a file or folder.  Names with a placeholder
#    (<service>, *, {a,b}) are not paths and are passed over;
# 2. every libmed source file (common/src/**/*.c) is named in it, by its
#    file name (the layer tables list them so);
# 3. every layer folder of libmed (common/src/*/) and every service folder
#    (services/*/) is named in it by its path.
#
# It prints what is missing, one line each, sorted, and exits 1 when
# anything is; it reads files only (no build, no network), so it is cheap
# and gives the same answer for the same tree.
#
#   tools/dev/check-architecture.sh [DOC]     (default docs/architecture.md)
set -u
export LC_ALL=C

cd "$(dirname "$0")/../.." || exit 2
doc=${1:-docs/architecture.md}
[ -f "$doc" ] || {
	echo "$doc: not found"
	exit 1
}

tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT

# Paths in backquotes under a source root.
grep -o '`[^`]*`' "$doc" | tr -d '`' |
	grep -E '^(common|services|plugins|tools|tests|proto|deploy|docs)/' |
	grep -v '[<>*{}$ ]' | sort -u |
	while IFS= read -r p; do
		case "$p" in
		*/) [ -d "$p" ] || echo "$doc names $p, which is not a folder" ;;
		*) [ -e "$p" ] || echo "$doc names $p, which does not exist" ;;
		esac
	done >>"$tmp"

# named WORD: WORD stands in the doc, not as part of a longer name.
named() {
	w=$(printf '%s' "$1" | sed 's/[.[\*^$+?(){}|]/\\&/g')
	grep -qE "(^|[^A-Za-z0-9_.-])$w([^A-Za-z0-9_-]|$)" "$doc"
}

find common/src -type f -name '*.c' | sort | while IFS= read -r f; do
	named "$(basename "$f")" ||
		echo "$f is not named in $doc (add it to its layer's row)"
done >>"$tmp"

for d in common/src/*/ services/*/; do
	[ -d "$d" ] || continue
	grep -qF "\`$d\`" "$doc" || echo "$d is not named in $doc (as \`$d\`)"
done >>"$tmp"

if [ -s "$tmp" ]; then
	sort -u "$tmp"
	exit 1
fi
echo "$doc: every named path exists; every libmed file and folder is named"
exit 0
