#!/bin/sh
# net-cause.sh LOG WHAT - names, in a few words, why a download that
# wrote LOG failed, as apt-get and npm word their network errors: a proxy
# that refuses or wants credentials, a TLS certificate not trusted (a
# TLS-inspecting proxy whose CA is not installed), a host name that does
# not resolve, or WHAT (e.g. "the npm registry https://...") unreachable.
# Prints nothing when LOG shows none of them (not a network failure).
# install-deps.sh and npm-install.sh print it in their one failure line.
set -u
LOG=${1:?usage: net-cause.sh LOG WHAT}
WHAT=${2:-the registry}

has() {
	grep -Eqi -- "$1" "$LOG" 2>/dev/null
}

if has '407|Proxy Authentication Required|tunneling socket'; then
	echo "the proxy refused the connection or wants credentials"
elif has 'SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF|CERT_UNTRUSTED|self[- ]signed certificate|certificate verif[a-z]* failed'; then
	echo "the TLS certificate of $WHAT is not trusted (a TLS-inspecting proxy whose CA is not installed?)"
elif has 'ENOTFOUND|EAI_AGAIN|Temporary failure resolving|Could not resolve'; then
	echo "the host name of $WHAT does not resolve (no DNS: no network, or only through a proxy?)"
elif has 'ECONNREFUSED|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ECONNRESET|Could not connect|Connection timed out|Connection refused|Network is unreachable|Failed to fetch'; then
	echo "$WHAT is unreachable (no network, or only through a proxy?)"
fi
exit 0
