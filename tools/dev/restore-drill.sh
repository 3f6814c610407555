#!/bin/sh
# make restore-drill: a backup taken under load, restored, and what the
# system says about it, on a private stack of its own (audit, identity,
# records, dosage and their own MariaDB): audit's rollback detection, the
# auditor's start-epoch decision and the loss report
# (tests/harness/restore_drill.py; docs/operations.md, "Restore drill").
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build} PYTHONPATH="$PWD/tests" \
	exec /usr/bin/python3 -m harness.restore_drill "$@"
