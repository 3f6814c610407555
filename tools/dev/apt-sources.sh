#!/bin/sh
# apt-sources.sh - prints apt's configured Debian 12 sources on this host
# as one-line entries "deb URI SUITE main", one per line, for the bookworm
# suites only (bookworm, bookworm-updates, bookworm-security): a host may
# list other distributions' or vendors' archives, which a Debian 12 root
# must not get.  Reads /etc/apt/sources.list and sources.list.d/ (one-line
# and deb822 formats, enabled "deb" entries), so that a root is made from
# the host's own mirror or proxy, never from a host named here.  Used by
# tools/images/base.sh (the images' base) and tools/dev/fresh-root.sh (the
# fresh-machine check).
set -eu
{
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" { print $2, $3 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822 paragraphs; URIs and Suites may hold several words.
		awk 'function flush(  u, s) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no")
				for (u = 1; u <= nu; u++)
					for (s = 1; s <= ns; s++)
						print uri[u], suite[s]
			types = ""; enabled = ""; nu = 0; ns = 0
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
		/^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = tolower($0) }
		/^URIs:/ { sub(/^URIs:[ \t]*/, ""); nu = split($0, uri, /[ \t]+/) }
		/^Suites:/ { sub(/^Suites:[ \t]*/, ""); ns = split($0, suite, /[ \t]+/) }
		END { flush() }' "$f"
	done
} | awk '$2 ~ /^bookworm(-updates|-security)?$/ { print "deb " $1 " " $2 " main" }' |
	awk '!seen[$0]++'
