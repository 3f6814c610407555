#!/bin/sh
# make run: a private MariaDB (port 3406, data in $BUILD/run/mariadb) and the
# five services on their fixed ports (gRPC with mutual TLS 50051-50055,
# plaintext Health-only 50151-50155, HTTP 9101-9105, audit ingest 50060)
# until Ctrl-C, which stops them and then MariaDB.  A development CA,
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
