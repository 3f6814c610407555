#!/bin/sh
# Runs make run's printed walk-through end to end against the running
# stack (make run in another terminal): create and admit a patient, enrol
# the face, chart the allergy assessment, a drug, an order, verify the
# face, record the dose with the verification token, and check the audit
# inclusion proof of that administration with auditverify.  Each command
# is printed before it runs, with the values earlier replies gave.
#   tools/dev/walkthrough.sh        (BUILD=dir for another build folder)
set -eu
cd "$(dirname "$0")/../.."
PYTHONPATH="$PWD/tests" exec /usr/bin/python3 -m harness.walkthrough "$@"
