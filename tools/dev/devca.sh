#!/bin/sh
# devca.sh DIR [NAME...] - a development PKI for make run and the tests.
#
# Creates, once (existing files are kept, so certificates survive runs):
#   DIR/ca.pem DIR/ca.key            the development CA (EC P-256, 10 years)
#   DIR/NAME.pem DIR/NAME.key        per NAME: CN=NAME, SAN DNS:NAME,
#                                    DNS:localhost, IP:127.0.0.1; usable as
#                                    server and as client certificate
#   DIR/operator.pem DIR/operator.key  a client certificate for medctl
#   DIR/break-glass.key DIR/break-glass.pub  Ed25519 pair for break-glass
#                                    grants (PEM)
# NAME defaults to what make run uses: the seven services (identity,
# records, dosage, diagnosis, audit, hl7 and fhir, the FHIR facade, whose
# certificate also serves its HTTPS port) and mariadb (the development
# database's server certificate).  The test harness names them itself
# (tests/harness/stack_pki.py; hl7's in tests/harness/hl7.py).  Keys are
# mode 0600.  Never use these outside development: the CA key sits next
# to the certificates.
#
# EC P-256 keys and a DNS SAN per name serve both TLS stacks: gRPC and the
# audit ingest's NNG tls+tcp:// (mbedtls 2.28, which has no Ed25519 and
# matches a server name against DNS SANs only, never IP SANs or, when SANs
# exist, the CN: emitters check the name "audit", not 127.0.0.1).
set -eu

dir=${1:?usage: devca.sh DIR [NAME...]}
shift
[ $# -gt 0 ] || set -- identity records dosage diagnosis audit hl7 fhir mariadb
umask 077
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ec_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
}

if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/ca.key" ]; then
	ec_key "$dir/ca.key"
	openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 \
		-subj "/O=smartmed development/CN=smartmed development CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.pem"
	chmod 0644 "$dir/ca.pem"
fi

# leaf NAME EKU SAN: a certificate signed by the CA.
leaf() {
	[ -s "$dir/$1.pem" ] && [ -s "$dir/$1.key" ] && return 0
	ec_key "$dir/$1.key"
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=$2"
		[ -n "$3" ] && echo "subjectAltName=$3"
	} >"$tmp/ext"
	openssl req -new -key "$dir/$1.key" -subj "/O=smartmed/CN=$1" \
		-out "$tmp/$1.csr"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/ca.pem" \
		-CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 12)" \
		-days 825 -sha256 -extfile "$tmp/ext" -out "$dir/$1.pem" \
		2>/dev/null
	chmod 0644 "$dir/$1.pem"
}

for n in "$@"; do
	leaf "$n" serverAuth,clientAuth "DNS:$n,DNS:localhost,IP:127.0.0.1"
done
leaf operator clientAuth ""

if [ ! -s "$dir/break-glass.key" ] || [ ! -s "$dir/break-glass.pub" ]; then
	openssl genpkey -algorithm ed25519 -out "$dir/break-glass.key"
	openssl pkey -in "$dir/break-glass.key" -pubout \
		-out "$dir/break-glass.pub"
	chmod 0644 "$dir/break-glass.pub"
fi
