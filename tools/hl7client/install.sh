#!/bin/sh
# install.sh - installs the HL7 client the hl7 contract tests use (simple-hl7,
# pinned in package-lock.json) into $BUILD/npm/hl7client (tools/dev/npm-install.sh).
exec "$(dirname "$0")/../dev/npm-install.sh" hl7client
