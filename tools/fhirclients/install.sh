#!/bin/sh
# install.sh - installs the FHIR client libraries the facade's client tests
# use (fhir-kit-client and SMART's fhirclient, pinned in package-lock.json)
# into $BUILD/npm/fhirclients (tools/dev/npm-install.sh).
exec "$(dirname "$0")/../dev/npm-install.sh" fhirclients
