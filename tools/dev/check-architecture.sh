#!/bin/sh
# Keeps docs/architecture.md (the map) and the mechanism pages it links,
# docs/internals/*.md, true to the tree (the "architecture" section of
# make check, tools/dev/check.sh).  In every one of those pages:
#
# 1. every path named in backquotes under a source root (common/ services/
#    plugins/ tools/ tests/ proto/ deploy/ docs/) exists: a folder when the
#    name ends in "/", else a file or folder.  Names with a placeholder
#    (<service>, *, {a,b}) are not paths and are passed over;
# 2. every file named in backquotes by a shorter path (`rpc_idem.c`,
#    `face/sync.c`, `med/err.h`) is the end of a path in the tree, and so
#    is every folder (`catalogue/`), unless the build makes it (`obj/`);
#    every header named as included (`<med/err.h>`) is in
#    common/include/, and every gRPC service by its full name
#    (`smartmed.audit.v1.Audit`) is declared by its package's proto;
# 3. every code name in backquotes is a word of the code (common/
#    services/ plugins/ tools/ tests/ proto/ deploy/ Makefile *.mk; docs
#    not counted): a word with an underscore (`med_call_tx`, `MED_DB_POOL`,
#    `smartmed_ready`), a word in CamelCase such as an RPC, a message or an
#    alert (`CreateEntry`, `SmartmedAuditOutboxStalled`), a lower-case word
#    such as a table or a column (`entries`), or any of them written as a
#    call or a metric with labels (`records_store_write(call, …)`,
#    `smartmed_care_decisions_in_transaction_total{method}`); and a code
#    name said to be in a file, the file beside it in backquotes
#    (`base/err.c` (`med_err_to_grpc_status`), `med_db_report_in_tx`
#    (`db_tx_guard.c`)), is a word of that file;
# 4. every link to a file of the tree leads to one that exists, and a
#    link to a heading of a page (page.md#heading) to a heading it has.
#
# Besides:
# 5. every page under docs/internals/ is linked from the map;
# 6. where the tree names one of these pages with a quoted title
#    (docs/architecture.md, "Which folder owns a rule";
#    docs/internals/identity.md "Busy photographs"), the page has that
#    text in a heading or in bold, case aside (a title cut by a line
#    break: the part on the line);
# 7. every libmed source file (common/src/**/*.c) is named in the map, by
#    its file name (the layer tables list them so);
# 8. every layer folder of libmed (common/src/*/) and every service folder
#    (services/*/) is named in the map by its path;
# 9. only common/src/rpc/ includes gRPC's headers and only common/src/db/db.c
#    MariaDB's, as docs/internals/libmed.md says; in the facade only
#    server.c includes libmicrohttpd, and server.c, edge.c, liveness.c
#    GnuTLS, and no clinical service includes another's generated
#    headers, as the map says;
# 10. the verbs that name a method's audit action in
#    docs/internals/service-anatomy.md are med__rpc_action_code's;
# 11. identity and audit call no other service (but the witness, which is
#    libmed's), as the map says.
#
# It prints what is missing, one line each, sorted, and exits 1 when
# anything is; it reads files only (no build, no network), so it is cheap
# and gives the same answer for the same tree.
#
#   tools/dev/check-architecture.sh [MAP]     (default docs/architecture.md)
set -u
export LC_ALL=C

cd "$(dirname "$0")/../.." || exit 2
doc=${1:-docs/architecture.md}
[ -f "$doc" ] || {
	echo "$doc: not found"
	exit 1
}
pages="$doc $(find docs/internals -name '*.md' 2>/dev/null | sort)"

tmp=$(mktemp) || exit 2
files=$(mktemp) || exit 2
words=$(mktemp) || exit 2
dirs=$(mktemp) || exit 2
trap 'rm -f "$tmp" "$files" "$words" "$dirs"' EXIT

# The tree's files (the build and version control's own left out), and
# the words of its code.
find . -path ./build -prune -o -path ./.git -prune -o -type f -print |
	sed 's|^\./||' | sort >"$files"
sed 's|[^/]*$||; s|^|/|' "$files" | sort -u >"$dirs"
makers=$(grep -E '(^|/)Makefile$|\.mk$|^tools/dev/[^/]*\.sh$' "$files")
grep -E '^(common|services|plugins|tools|tests|proto|deploy)/|^Makefile$|\.mk$' "$files" |
	grep -vE '\.(md|png|jpg|onnx|bin|gz|pgm|dcm)$' |
	tr '\n' '\0' | xargs -0 cat 2>/dev/null |
	grep -aoE '[A-Za-z_][A-Za-z0-9_]*' | sort -u >"$words"

# A file and a code name in backquotes, as regular expressions.
fileq='`[A-Za-z0-9_./-]+\.(c|h|cc|py)`'
codeq='`[A-Za-z_][A-Za-z0-9_]*(\([^`]*\))?`'

# backquoted PAGE: the names a page puts in backquotes, one a line.
backquoted() {
	grep -o '`[^`]*`' "$1" | tr -d '`' | sort -u
}

for page in $pages; do
	# 1. Paths under a source root.
	backquoted "$page" |
		grep -E '^(common|services|plugins|tools|tests|proto|deploy|docs)/' |
		grep -v '[<>*{}$ ]' |
		while IFS= read -r p; do
			case "$p" in
			*/) [ -d "$p" ] || echo "$page names $p, which is not a folder" ;;
			*) [ -e "$p" ] || echo "$page names $p, which does not exist" ;;
			esac
		done

	# 2. Files by a shorter path.
	backquoted "$page" |
		grep -E '^[A-Za-z0-9_.-][A-Za-z0-9_./-]*\.(c|h|cc|py|sh|mk|js|css|html|proto)$' |
		grep -vE '^(common|services|plugins|tools|tests|proto|deploy|docs|build)/' |
		while IFS= read -r p; do
			grep -qE "(^|/)$(printf '%s' "$p" | sed 's/[.]/\\./g')\$" "$files" ||
				echo "$page names $p, which is no file of the tree"
		done

	# 3. Code names: a call's name before its "(", a metric's before its
	#    labels; words without an underscore are not taken for code.
	backquoted "$page" |
		sed -E 's/^([A-Za-z_][A-Za-z0-9_]*)(\(.*|\{.*)$/\1/' |
		grep -E '^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*$|^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$|^[a-z][a-z0-9]*$' |
		sort -u | comm -23 - "$words" |
		while IFS= read -r w; do
			# a prefix (`dosage_`, `med__`) names the words it begins
			case "$w" in
			*_) grep -q "^$w" "$words" && continue ;;
			esac
			echo "$page names \`$w\`, which is no word of the code"
		done

	# 2b. Folders by a shorter path (`catalogue/`, `contracts/`), or a
	#    folder of the build the Makefiles or tools/dev make ($BUILD/obj/).
	backquoted "$page" | grep -E '^[a-z][A-Za-z0-9_-]*(/[A-Za-z0-9_-]+)*/$' |
		grep -vE '^(common|services|plugins|tools|tests|proto|deploy|docs|build)/' |
		while IFS= read -r d; do
			grep -q "/$d" "$dirs" && continue
			grep -qE "(BUILD\)?|build)/$d" $makers && continue
			echo "$page names $d, which is no folder of the tree or the build"
		done

	# 2c. Public headers as included (`<med/err.h>`), and the protos'
	#    services by their full names (`smartmed.audit.v1.Audit`).
	backquoted "$page" | sed -nE 's/^<(med\/[a-z0-9_]+\.h)>$/\1/p' |
		while IFS= read -r h; do
			[ -f "common/include/$h" ] ||
				echo "$page names <$h>, which is not in common/include/"
		done
	backquoted "$page" | grep -E '^smartmed\.[a-z0-9]+\.v[0-9]+\.[A-Z][A-Za-z0-9]*$' |
		while IFS=. read -r _ pkg ver svc; do
			cat "proto/smartmed/$pkg/$ver/"*.proto 2>/dev/null |
				grep -qE "^service $svc \{" ||
				echo "$page names smartmed.$pkg.$ver.$svc, a service no proto declares"
		done

	# 3b. A code name beside the file it is said to be in, either way
	#    round (`base/err.c` (`med_err_to_grpc_status`, `file.c`: `name`,
	#    `med_db_report_in_tx` (`db_tx_guard.c`)): a word of that file.
	tr '\n' ' ' <"$page" |
		grep -oE "$fileq(: | \()$codeq|$codeq \($fileq" |
		sed -E 's/^`([^`]*)`(: | \()`([^`]*)`$/\1|\3/' |
		while IFS='|' read -r a b; do
			case "$a" in
			*.c | *.h | *.cc | *.py) f=$a w=${b%%(*} ;;
			*) f=$b w=${a%%(*} ;;
			esac
			grep -E "(^|/)$(printf '%s' "$f" | sed 's/[.]/\\./g')\$" "$files" |
				tr '\n' '\0' | xargs -0 grep -lw -- "$w" 2>/dev/null | grep -q . ||
				echo "$page says \`$w\` is in $f, which does not have it"
		done

	# 4. Links to files of the tree, and to their headings.
	dir=$(dirname "$page")
	grep -oE '\]\([^)#]*(#[^)]*)?\)' "$page" | sed -E 's/^\]\((.*)\)$/\1/' |
		grep -vE '^(https?|mailto):' | sort -u |
		while IFS= read -r l; do
			f=${l%%#*}
			a=
			case "$l" in *'#'*) a=${l#*#} ;; esac
			[ -n "$f" ] && t="$dir/$f" || t=$page
			if [ ! -e "$t" ]; then
				echo "$page links $l, which leads to no file"
			elif [ -n "$a" ] && ! grep -E '^#+ ' "$t" |
				sed -E 's/^#+ //; s/[A-Z]/\L&/g; s/[^a-z0-9 _-]//g; s/ /-/g' |
				grep -qxF "$a"; then
				echo "$page links $l, a heading $t does not have"
			fi
		done
done >>"$tmp"

# 5. The map links every mechanism page.
for page in $pages; do
	[ "$page" = "$doc" ] && continue
	grep -qF "](${page#docs/})" "$doc" ||
		echo "$page is not linked from $doc (add it to the table of mechanisms)"
done >>"$tmp"

# titles PAGE: its headings and the words it puts in bold, one a line.
titles() {
	grep -E '^#+ ' "$1" | sed -E 's/^#+ //'
	grep -oE '\*\*[^*]+\*\*' "$1" | tr -d '*'
}

# 6. The tree's quoted titles of these pages.  Docs generated from the
#    protos (docs/api/) repeat the protos' comments and are passed over.
grep -rnoE '(docs/)?(architecture|internals/[a-z0-9-]+)\.md,? "[^"]*"?' \
	common services plugins tools tests proto deploy docs README.md 2>/dev/null |
	grep -v '^docs/api/' | grep -v '^tools/dev/check-architecture\.sh:' |
	while IFS= read -r hit; do
		where=${hit%%:*}
		ref=${hit#*:*:}
		p=$(printf '%s' "$ref" | sed -E 's/^(docs\/)?([a-z0-9/-]+\.md).*/\2/')
		q=$(printf '%s' "$ref" | sed -E 's/^[^"]*"([^"]*)"?$/\1/')
		if [ ! -f "docs/$p" ]; then
			echo "$where names docs/$p, which does not exist"
		elif ! titles "docs/$p" | grep -qiF -- "$q"; then
			echo "$where names docs/$p \"$q\", which that page does not have"
		fi
	done >>"$tmp"

# 9. What docs/internals/libmed.md says of libmed's includes: only the
#    rpc/ files include gRPC's headers, only db/db.c MariaDB's.
grep -rlE '#include <grpc(pp)?/' common/src | grep -v '^common/src/rpc/' |
	sed 's|$| includes a gRPC header, which docs/internals/libmed.md says only rpc/ does|' >>"$tmp"
grep -rlE '#include <(mysql|mariadb)' common/src | grep -vx 'common/src/db/db.c' |
	sed 's|$| includes MariaDB'"'"'s header, which docs/internals/libmed.md says only db/db.c does|' >>"$tmp"

#    And what the map says of the facade's: only server.c includes
#    libmicrohttpd, only server.c, edge.c and liveness.c GnuTLS.
grep -rlE '#include <microhttpd' services/fhir | grep -vx services/fhir/edge/server.c |
	sed "s|\$| includes libmicrohttpd, which $doc says only server.c does|" >>"$tmp"
grep -rlE '#include <gnutls/' services/fhir |
	grep -vxE 'services/fhir/edge/(server|edge|liveness)\.c' |
	sed "s|\$| includes GnuTLS, which $doc says only server.c, edge.c and liveness.c do|" >>"$tmp"

#    And that no clinical service includes another service's generated
#    headers, as the map says.
for s in records dosage diagnosis identity audit; do
	grep -rlE '#include [<"]smartmed/[a-z0-9]+/v1/' "services/$s" |
		while IFS= read -r f; do
			grep -oE 'smartmed/[a-z0-9]+/v1/' "$f" | sort -u |
				grep -vE "smartmed/($s|common)/" | sed "s|^|$f includes |"
		done
done |
	sed "s|\$|, another service's generated header, which $doc says it does not|" >>"$tmp"

# 10. The verbs docs/internals/service-anatomy.md says give an audit
#    action ("a standard method's verb (Get, List: R; ...)") are the table
#    of med__rpc_action_code (common/src/rpc/rpc_call_audit.c).
verbs_doc=$(tr '\n' ' ' <docs/internals/service-anatomy.md |
	grep -o "standard method's verb ([^)]*)" | sed -E 's/^[^(]*\(//; s/\)$//' |
	tr ';' '\n' | while IFS=: read -r vs code; do
		code=$(printf '%s' "$code" | tr -d ' ')
		printf '%s\n' "$vs" | tr ',' '\n' | sed -E "s/^ *//; s/ *\$//; s/\$/ $code/"
	done | sort)
verbs_code=$(grep -oE '\{"[A-Za-z]+", "[CRUDE]"\}' common/src/rpc/rpc_call_audit.c |
	sed -E 's/\{"([A-Za-z]+)", "([A-Z])"\}/\1 \2/' | sort)
[ -n "$verbs_code" ] && [ "$verbs_doc" = "$verbs_code" ] ||
	echo "docs/internals/service-anatomy.md: the verbs of the audit actions are not those of med__rpc_action_code (rpc_call_audit.c)" >>"$tmp"

# 11. "identity's only outgoing calls are the witness's, and the audit
#    service calls no other service" (the map): neither opens a channel
#    nor asks a contract that calls another service.
grep -rlE 'med_channel_(open|unary|server_stream)|med_(patients|stays|facts|care)_[a-z_]+\(' \
	services/identity services/audit |
	sed "s|\$| calls another service, which $doc says identity and audit do not (but the witness)|" >>"$tmp"

# named WORD: WORD stands in the map, not as part of a longer name.
named() {
	w=$(printf '%s' "$1" | sed 's/[.[\*^$+?(){}|]/\\&/g')
	grep -qE "(^|[^A-Za-z0-9_.-])$w([^A-Za-z0-9_-]|$)" "$doc"
}

# 7. and 8.
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
echo "$doc and docs/internals/: every named path, file and code name exists," \
	"every link leads to a page and heading, every page is on the map," \
	"every libmed file and folder is named"
exit 0
