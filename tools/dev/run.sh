#!/bin/sh
# make run: a private MariaDB (port 3406, data in $BUILD/run/mariadb) and the
# seven services on their fixed ports (gRPC with mutual TLS 50051-50055 and
# hl7's 50057, plaintext Health-only 50151-50155 and 50157, plain HTTP
# metrics 9101-9105 and 9107, audit ingest 50060, the FHIR facade's HTTPS
# 8443 and HTTP 9096, HL7 MLLP 2575), with the development PACS (8042) and
# console sign-in (8444) when installed, until Ctrl-C, which stops them
# and then MariaDB (docs/operations.md, "make run").  A development CA,
# certificates and break-glass keys are made once in $BUILD/run/pki
# (tools/dev/devca.sh); tokens once in $BUILD/run/tokens (mode 0600), and
# both are printed with medctl examples; logs go to
# $BUILD/run/logs/<service>.log.  The work is done by the test
# harness (tests/harness/run.py) so that tests and make run start the
# stack the same way.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD
PYTHONPATH="$PWD/tests${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
exec /usr/bin/python3 -m harness.run "$@"
